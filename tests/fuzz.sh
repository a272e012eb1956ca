#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fuzz /dev/mymem in a QEMU guest (`make fuzz`): trinity, unprivileged
# and limited to the system calls that take a file descriptor or a
# mapping, with /dev/mymem as its only file; then stress-ng's device
# stressor on it; then checks that the guest is healthy: the device and
# the in-kernel API still work (the device programs, mymem_test run=selftest) and
# the module unloads.  guest/fuzz.sh is the guest's side.  vm/run.sh
# fails the run on any kernel report (oops, BUG, WARNING, ...).
#
#   tests/fuzz.sh [--quick] [--secs N]
#
# Each fuzzer runs N seconds (default 120; --quick: 10, about 40 s in
# all with the boot, for `make test`).  Prints TAP, the last line
# tap/summary.sh's "N passed, N failed"; the log is $BUILD/fuzz.log.
# Needs what `make` builds and setup.sh's stress group (trinity,
# stress-ng).  Environment: BUILD, KERNEL, ACCEL (see vm/run.sh),
# MYMEM_KO_DIR (the modules' directory for KERNEL, set by the Makefile;
# default kernel/).
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=host-env.sh
. "$(dirname "$0")/host-env.sh"

secs=120
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) secs=10; shift ;;
	--secs) secs=${2:-}; shift 2 || usage ;;
	*) usage ;;
	esac
done
[[ $secs =~ ^[1-9][0-9]*$ ]] || usage

# The guest's limit: both fuzzers, the checks (about 15 s) and the boot,
# with room for a loaded host.
fuzz_vm() {
	vm/run.sh --checks --out "$BUILD/fuzz-results" --timeout $((2 * secs + 120)) \
		--add "$MYMEM_KO_DIR/mymem.ko=/mymem/mymem.ko" \
		--add "$MYMEM_KO_DIR/mymem_test.ko=/mymem/mymem_test.ko" \
		--add "$BUILD/tests=/mymem/tests" \
		--add "$(command -v trinity)=/mymem/bin/trinity" \
		--add "$(command -v stress-ng)=/mymem/bin/stress-ng" \
		--add "$(command -v setpriv)=/mymem/bin/setpriv" \
		-- guest/fuzz.sh "$secs"
}

main() {
	local start=$SECONDS

	tap_begin
	tap_check "setup.sh stress (trinity, stress-ng)" ./setup.sh stress
	tap_nest "fuzz in the VM (guest/fuzz.sh $secs)" fuzz_vm
	echo "# fuzz VM run: $((SECONDS - start)) s, boot included"
	tap_done
}

mkdir -p "$BUILD"
main 2>&1 | tee "$BUILD/fuzz.log"
tap/summary.sh --status "${PIPESTATUS[0]}" "$BUILD/fuzz.log"
