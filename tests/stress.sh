#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Data integrity under load, for `make stress`: in a QEMU guest, fio's
# verified jobs on /dev/mymem (tests/stress/*.fio), then the mixed stress
# (tests/stress/mixed.c) with open/close loops and unload attempts
# alongside.  See docs/reliability.md.
#
#   tests/stress.sh [--quick]
#
# --quick is the part `make test` runs (under a minute, boot included);
# the default takes a few minutes under TCG.  TAP goes to the terminal and
# $BUILD/stress.log; the last line sums it up: ops, bytes verified,
# duration, errors.  Exits non-zero on any error, a kernel report in the
# guest (vm/run.sh) included.
#
# Needs mymem.ko built for $KERNEL (make); builds the rest.
# Environment: BUILD (default build/), KERNEL and ACCEL (see vm/run.sh),
# MYMEM_KO_DIR (the module's directory for KERNEL, set by the Makefile;
# default kernel/).
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=host-env.sh
. "$(dirname "$0")/host-env.sh"

# fio passes, bytes per 1-byte fio job, seconds of mixed stress, and the
# VM's time limit (boot included).  Measured under TCG on a shared host:
# quick 35-45 s in all; full about 20 s of fio, 120 s mixed, 160 s in all.
case "${1-}" in
--quick) mode=quick loops=1 bytes=2048 seconds=10 timeout=300 ;;
"") mode=full loops=100 bytes=16384 seconds=120 timeout=1200 ;;
*) usage ;;
esac

build() {
	./setup.sh stress && make -C tests/stress BUILD="$BUILD"
}

module_built() {
	[ -r "$MYMEM_KO_DIR/mymem.ko" ]
}

vm_stress() {
	vm/run.sh --checks --timeout "$timeout" --out "$BUILD/stress-results" \
		--add "$MYMEM_KO_DIR/mymem.ko=/mymem/mymem.ko" \
		--add "$(command -v fio)=/mymem/bin/fio" \
		--add "$BUILD/stress=/mymem/stress" \
		-- guest/stress.sh "$loops" "$bytes" "$seconds"
}

main() {
	tap_begin
	tap_check "mymem.ko built for KERNEL=${KERNEL:-6.1} (make)" module_built &&
		tap_check "set up and build (tests/stress)" build &&
		tap_nest "VM: fio and mixed stress ($mode)" vm_stress
	tap_done
}

# "ops errors bytes" from a log: the "# verified" lines at any depth,
# and the failures by tap.sh's rule (a truncated log's included).
totals() {
	local failed

	failed=$(tap_count "$1" | tail -n 1 | cut -d' ' -f2)
	awk -v failed="$failed" '
	/^[ \t]*# verified: [0-9]+ ops, [0-9]+ bytes/ { ops += $3; bytes += $5 }
	END { printf "%.0f %d %.0f\n", ops, failed, bytes }
	' "$1"
}

log=$BUILD/stress.log
mkdir -p "$BUILD"
start=$SECONDS
main 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
read -r ops errors bytes < <(totals "$log")
echo "# stress ($mode): $ops ops, $bytes bytes verified, $((SECONDS - start)) s, $errors errors" |
	tee -a "$log"
[ "$status" -eq 0 ] && [ "$errors" -eq 0 ]
