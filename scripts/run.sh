#!/usr/bin/env bash
# make run / make bench: boot the VM, run the experiments on both sides of
# the system-call boundary, and write results/ (raw CSV, plots, REPORT.md).
#
#   scripts/run.sh [all|bench]
#
# QUICK=1 runs a small version (about 2 minutes under TCG) to try things.
# HOST=1 runs them on this machine's kernel instead (scripts/host.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
case "$what" in
all | bench) ;;
*) echo "run.sh: unknown experiment set '$what' (want all or bench)" >&2; exit 2 ;;
esac

# The seed experiment's parameters; QUICK trades them for speed.
if [ "${QUICK:-0}" = 1 ]; then
	trials=200 workers=16 iters=5000 runs=1 sweep_iters=2000 limit=300
else
	trials=1000 workers=50 iters=150000 runs=3 sweep_iters=20000 limit=1500
fi

results=${RESULTS:-results}
raw=$results/raw
# HOST=1: on this machine's running kernel instead of the VM's
# (scripts/host.sh).  Its checks come first, so that a refusal leaves
# everything as it was.
host=${HOST:-0}
[ "$host" != 1 ] || scripts/host.sh check
rm -rf "$raw"
mkdir -p "$raw"

status=0
if [ "$host" = 1 ]; then
	vm/setup.sh run
	scripts/host.sh run "$raw" "$what" "$trials" "$workers" "$iters" "$runs" \
		"$sweep_iters" || status=$?
	accel=host
else
	vm/setup.sh base run
	# run.sh names the accelerator it settled on (ACCEL=auto) on stderr.
	vm_log=$(mktemp)
	trap 'rm -f "$vm_log"' EXIT
	vm/run.sh --out "$raw" --timeout "$limit" --fast-clock \
		--add "${MYMEM_KO_DIR:-kernel}/mymem.ko=/mymem/mymem.ko" \
		--add "${MYMEM_KO_DIR:-kernel}/mymem_test.ko=/mymem/mymem_test.ko" \
		--add "${BUILD:-build}/bin=/mymem/bin" \
		-- scripts/experiments.sh "$what" "$trials" "$workers" "$iters" "$runs" \
		"$sweep_iters" 2> >(tee "$vm_log" >&2) || status=$?
	accel=$(sed -n 's/^vm: kernel .*, accel \([a-z]*\).*/\1/p' "$vm_log")
fi

# What only the host knows about the run.
{
	echo "accel=$accel"
	[ "$host" = 1 ] || echo "qemu=$(qemu-system-x86_64 --version | head -n 1)"
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "quick=${QUICK:-0}"
} >>"$raw/env.txt"

if [ ! -s "$raw/bench-user.csv" ]; then
	echo "run: no results (status $status); see the output above and ${BUILD:-build}/vm/last/" >&2
	exit 1
fi
python3 scripts/report.py "$results"
echo "run: report in $results/REPORT.md"
exit "$status"
