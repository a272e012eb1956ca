#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every test, for `make test`: the host-side ones, then guest/suite.sh
# in the guest.  All TAP goes to the terminal and $BUILD/test.log, and the
# last line is tap/summary.sh's "N passed, N failed".  Exits non-zero
# if anything failed, the VM run included.
#
# Needs what `make` builds: the modules, $BUILD/tests, $BUILD/bin.
# Environment: BUILD (default build/), KERNEL, ACCEL and ARCH (see vm/run.sh),
# MYMEM_KO_DIR (the modules' directory for KERNEL, set by the Makefile;
# default kernel/).
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=host-env.sh
. "$(dirname "$0")/host-env.sh"

# The ABI header stands alone and is warning-free C90, like the kernel's
# own uapi headers (usr/include/Makefile), for -m64 and -m32 alike.
abi_compiles() {
	echo '#include <linux/mymem.h>' |
		gcc "$1" -std=c90 -pedantic -Wall -Wextra -Werror -fsyntax-only \
			-I include/uapi -x c -
}

# The layout check must see a real difference, not only pass: a copy of
# the header broken by SED_EXPR makes tests/abi-layout.sh exit 1 (the
# layouts differ), not 0 or 2 (a build failed).
abi_check_catches() {
	local dir=$tap_tmp/abi-broken status
	mkdir -p "$dir/linux" &&
		sed "$1" include/uapi/linux/mymem.h >"$dir/linux/mymem.h" || return
	cmp -s include/uapi/linux/mymem.h "$dir/linux/mymem.h" &&
		{ echo "the sed expression changed nothing"; return 1; }
	tests/abi-layout.sh "$dir"
	status=$?
	echo "tests/abi-layout.sh: exit status $status"
	[ $status -eq 1 ]
}

# The guest's /results (its kernel log, mymem_test's CSV) lands in
# $BUILD/test-results, emptied first: nothing there is from a past run.
vm_suite() {
	local start=$SECONDS status

	rm -rf "$BUILD/test-results"
	vm/run.sh --checks --out "$BUILD/test-results" \
		--add "$MYMEM_KO_DIR/mymem.ko=/mymem/mymem.ko" \
		--add "$MYMEM_KO_DIR/mymem_test.ko=/mymem/mymem_test.ko" \
		--add "$BUILD/tests=/mymem/tests" \
		-- guest/suite.sh
	status=$?
	echo "# VM run: $((SECONDS - start)) s, boot included"
	return $status
}

main() {
	tap_begin
	# Everything the steps below need, in one apt-get run on a fresh
	# machine: the report (run), the man-page lint (check), fio, trinity
	# and stress-ng (stress), DKMS (dkms).
	tap_check "setup.sh: the packages of every test" \
		./setup.sh base run check stress dkms
	# An arm64 guest runs the guest's tests only: the host-side ones
	# test this host's programs, built from the same sources, and run
	# once, in the x86-64 `make test` (docs/testing.md).  The harness
	# boots either guest, so its self-test runs for each.
	[ "${ARCH:-}" = arm64 ] || host_side
	# The harness's self-test boots 7 guests at once.  On our debug
	# kernels, under TCG on 2 host cores, about 1 such boot in 8 hangs
	# early (docs/reliability.md), and the harness is the same on the
	# distro kernel, so it is tested there.
	case ${KERNEL:-6.1} in
	debug | kcsan) tap_nest vm/test-vm.sh env KERNEL=6.1 vm/test-vm.sh ;;
	*) tap_nest vm/test-vm.sh vm/test-vm.sh ;;
	esac
	tap_nest "VM suite (guest/suite.sh)" vm_suite
	# After the suite, which leaves mymem_test's CSV in test-results;
	# host-side like the others.
	[ "${ARCH:-}" = arm64 ] ||
		tap_nest report/test-formats.sh report/test-formats.sh "$BUILD/bin" \
			"$BUILD/test-results"
	tap_nest "stress --quick (tests/stress.sh)" tests/stress.sh --quick
	tap_nest "fuzz --quick (tests/fuzz.sh)" tests/fuzz.sh --quick
	tap_done
}

host_side() {
	local bits

	for bits in -m64 -m32; do
		tap_check "ABI header compiles alone ($bits)" abi_compiles "$bits"
	done
	tap_check "ABI layout: -m32 = -m64 (compiled, not run)" tests/abi-layout.sh
	tap_check "ABI layout check catches a field of type long" abi_check_catches \
		'/struct mymem_fetch_add {/,/};/s/__u64 value;/unsigned long value;/'
	tap_check "ABI layout check catches implicit padding" abi_check_catches \
		'/struct mymem_cmpxchg {/,/};/s/__u64 offset;/&\n\t__u32 flags;/'
	# The verdict's own test, then the other parts' host-side tests.
	tap_nest tap/test-tap.sh tap/test-tap.sh
	tap_nest tools/test-tools.sh tools/test-tools.sh "$BUILD/bin"
	tap_nest report/test-report.sh report/test-report.sh
	tap_nest profile/test-profile.sh profile/test-profile.sh
	# Host checks, then a guest of its own: install, DKMS, HOST=1.
	tap_nest packaging/test-packaging.sh packaging/test-packaging.sh
	tap_nest mutants/test-mutants.sh mutants/test-mutants.sh
}

mkdir -p "$BUILD"
main 2>&1 | tee "$BUILD/test.log"
tap/summary.sh --status "${PIPESTATUS[0]}" --counts "$BUILD/test.log"
