# mymem top-level Makefile: see README.md.
#
#   make            build the modules (for the VM kernel), tools and tests
#   make run        boot the VM and run the experiments, write results/
#   make test       every test: host-side, then the suite inside the VM
#   make bench      the benchmarks alone
#   make check      checkpatch --strict, sparse (C=2) and W=1, zero warnings
#   make stress     data integrity under load (fio, mixed stress), in the VM
#   make fuzz       hostile input and fuzzers (trinity, stress-ng), in the VM
#   make debug-kernel  build the debug and KCSAN kernels (cached, once)
#   make install / uninstall          modules, tools, man pages (DESTDIR, PREFIX)
#   make dkms-install / dkms-remove   the modules through DKMS
#   make clean
#
# KERNEL=6.1 (default) selects the guest kernel; ACCEL=tcg|kvm|auto the
# QEMU accelerator.

KERNEL ?= 6.1
ACCEL ?= tcg
export KERNEL ACCEL

BUILD := $(CURDIR)/build
export BUILD

.PHONY: all setup modules tools tests run test bench check clean stress fuzz \
	debug-kernel install uninstall dkms-install dkms-remove

all: modules tools tests

# Installs what is missing (as root) or names the apt-get line.
setup:
	@vm/setup.sh

modules: setup
	@$(MAKE) -C kernel KVER="$$(vm/kernel.sh kver)"

tools: setup
	@$(MAKE) -C tools

tests: setup
	@$(MAKE) -C tests

run: all
	@scripts/run.sh all

bench: all
	@scripts/run.sh bench

test: all
	@tests/run.sh

check: setup
	@scripts/check.sh

stress: all
	@tests/stress.sh

fuzz: all
	@tests/fuzz.sh

debug-kernel: setup
	@vm/debug-kernel.sh

install: tools
	@scripts/install.sh install

uninstall:
	@scripts/install.sh uninstall

dkms-install: setup
	@scripts/dkms.sh install

dkms-remove:
	@scripts/dkms.sh remove

clean:
	@$(MAKE) -C kernel clean
	rm -rf $(BUILD) results
