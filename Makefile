# SPDX-License-Identifier: GPL-2.0
# mymem top-level Makefile: see README.md.
#
#   make            build the modules (for the VM kernel), tools and tests
#   make run        boot the VM and run the experiments, write results/
#                   (HOST=1: on this machine's running kernel instead)
#   make test       every test: host-side, then the suite inside the VM
#   make bench      the benchmarks alone
#   make profile    where the instructions of one call of each path go,
#                   counted from outside the -icount guest (docs/profile.md)
#   make compare    what a change costs: mymem.ko at each of REVS (default
#                   "HEAD WORKTREE"), side by side in one -icount guest
#   make check      checkpatch --strict, sparse (C=2) and W=1, zero warnings
#   make stress     data integrity under load (fio, mixed stress), in the VM
#   make fuzz       hostile input and fuzzers (trinity, stress-ng), in the VM
#   make mutants    each mechanism of mymem.c taken away in turn (mutants/list):
#                   the tests that must fail, in the VM (MUTANTS="A B": those)
#   make debug-kernel  build the debug and KCSAN kernels (cached, once)
#   make install / uninstall          modules, tools, man pages (DESTDIR, PREFIX)
#   make dkms-install / dkms-remove   the modules through DKMS
#   make clean
#
# KERNEL=6.1 (default), 6.12, 6.12-rt, debug or kcsan selects the guest
# kernel (vm/kernel.sh); ACCEL=tcg|kvm|auto the QEMU accelerator;
# ARCH=arm64 an arm64 guest (docs/vm.md), none the x86-64 one.

KERNEL ?= 6.1
ACCEL ?= tcg
export KERNEL ACCEL

# An unknown KERNEL or ARCH (or KERNEL=debug on arm64) stops make here,
# with vm/kernel.sh's one line, before any recipe runs on it.  The goals
# that build nothing for the VM kernel do not care.
ifneq ($(filter-out clean install uninstall dkms-install dkms-remove,$(or $(MAKECMDGOALS),all)),)
KERNEL_UNKNOWN := $(shell KERNEL='$(KERNEL)' ARCH='$(ARCH)' vm/kernel.sh check 2>&1)
ifneq ($(KERNEL_UNKNOWN),)
$(error $(KERNEL_UNKNOWN))
endif
endif

BUILD := $(CURDIR)/build

# ARCH=arm64: modules, tools and tests cross-compiled with the compilers
# vm/arm64.sh unpacks (Kbuild takes ARCH as it is), the test programs'
# 32-bit twins for AArch32, all in a build directory of their own.
ifeq ($(ARCH),arm64)
CROSS_BIN := $(shell vm/arm64.sh cross)
ifeq ($(CROSS_BIN),)
$(error ARCH=arm64: no cross compilers (vm/arm64.sh cross failed))
endif
BUILD := $(BUILD)/arm64
CROSS_COMPILE := $(CROSS_BIN)/aarch64-linux-gnu-
CC := $(CROSS_COMPILE)gcc
CC32 := $(CROSS_BIN)/arm-linux-gnueabihf-gcc
export ARCH CROSS_COMPILE CC CC32
endif
export BUILD

# The build steps say what they build, not every compiler command line;
# V=1 shows those.
ifneq ($(V),1)
MAKEFLAGS += --no-print-directory
QUIET := -s
endif

# Where the modules for $(KERNEL) are built and taken from: kernel/ for
# the default kernel, a copy under $(BUILD) for any other, so that a build
# for another kernel never replaces the kernel/*.ko that others use.
ifeq ($(KERNEL)$(filter arm64,$(ARCH)),6.1)
MYMEM_KO_DIR := $(CURDIR)/kernel
MODULES_OUT :=
else
MYMEM_KO_DIR := $(BUILD)/kernel-$(KERNEL)/kernel
MODULES_OUT := OUT=$(BUILD)/kernel-$(KERNEL)
endif
export MYMEM_KO_DIR

.PHONY: all setup modules tools tests run test bench compare profile check clean \
	stress fuzz mutants debug-kernel install uninstall dkms-install dkms-remove

all: modules tools tests

# Installs what is missing (as root) or names the apt-get line.
setup:
	@./setup.sh base $(if $(filter arm64,$(ARCH)),arm64)

# KDIR, not KVER: the debug kernels' build trees are not in /lib/modules.
# (A kernel that cannot be had stops here, not in Kbuild with KDIR empty.)
modules: setup
	@echo "  MODULES $(KERNEL) $(or $(ARCH),x86_64)"
	@kdir=$$(vm/kernel.sh kdir) && $(MAKE) $(QUIET) -C kernel KDIR="$$kdir" $(MODULES_OUT)

tools: setup
	@echo "  TOOLS   $(BUILD)/bin"
	@$(MAKE) $(QUIET) -C tools

tests: setup
	@echo "  TESTS   $(BUILD)/tests"
	@$(MAKE) $(QUIET) -C tests

# HOST=1 runs on this machine's kernel: experiments/host.sh checks the machine
# first, then builds the modules for it, so nothing of the VM is needed.
EXPERIMENTS_NEED := $(if $(filter 1,$(HOST)),,all)

# run also profiles (a boot of its own, docs/profile.md): its program too.
run: $(EXPERIMENTS_NEED)
	@[ "$(HOST)" = 1 ] || $(MAKE) $(QUIET) -C profile
	@experiments/measure.sh all

bench: $(EXPERIMENTS_NEED)
	@experiments/measure.sh bench

# Each REV's mymem.ko is built from its own tree (experiments/compare.sh);
# the tools are this tree's.
REVS ?= HEAD WORKTREE
compare: tools
	@experiments/compare.sh $(REVS)

# The guest program is built here, not by `all`: only the profile runs it.
profile: modules
	@echo "  PROFILE $(BUILD)/profile"
	@$(MAKE) $(QUIET) -C profile
	@profile/profile.sh

test: all
	@tests/suite.sh

check: setup
	@lint/check.sh

stress: all
	@tests/stress.sh

fuzz: all
	@tests/fuzz.sh

# Long (docs/testing.md, "Mutants"): not in make test or CI, which run its
# own test (mutants/test-mutants.sh) on one mutant.
mutants: all
	@mutants/mutants.sh $(MUTANTS)

debug-kernel: setup
	@vm/debug-kernel.sh

# Not through `setup`: a real machine needs no QEMU or VM kernel for these.
install:
	@$(MAKE) -C tools
	@packaging/install.sh install

uninstall:
	@packaging/install.sh uninstall

dkms-install:
	@packaging/dkms.sh install

dkms-remove:
	@packaging/dkms.sh remove

clean:
	@$(MAKE) -C kernel clean
	rm -rf $(BUILD) results
