#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run / make bench: boot the VM, run the experiments on both sides of
# the system-call boundary, and write results/ (raw CSV, plots, REPORT.md).
#
#   experiments/measure.sh [all|bench]
#
# Two guests, one after the other, each with the clock its figures need
# (docs/report.md, "Measurement modes"): the single-threaded benchmarks
# under QEMU -icount on one vCPU, where time counts instructions and does
# not follow the host's load; read scaling and the races on two vCPUs with
# the host's clock (ACCEL).  ICOUNT=0 runs everything in one guest on
# ACCEL (as does ACCEL=kvm, where -icount does not exist).  Every file of
# results/raw/ is named with its mode in raw/modes.txt.
#
# QUICK=1 runs a small version (about 2 minutes under TCG) to try things.
# HOST=1 runs them on this machine's kernel instead (experiments/host.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"

what=${1:-all}
case "$what" in
all) single=modorder,bench,kbench parallel=scale,race,sweep,krace ;;
bench) single=modorder,bench,kbench parallel=scale ;;
*) usage "unknown experiment set '$what' (want all or bench)" ;;
esac

# The experiments' parameters, QUICK's too, are experiments/params.sh's.
# Under -icount a repeated benchmark would repeat its figures
# (docs/report.md) and cost as much again, so it runs bench_runs times
# there; the wall-clock steps run runs times, and so do the benchmarks
# where they share the wall clock (one guest, HOST=1).
# shellcheck source=experiments/params.sh
. experiments/params.sh
if [ "${QUICK:-0}" = 1 ]; then
	limit=300 icount_limit=300
else
	limit=1500 icount_limit=900
fi
icount=${ICOUNT:-$([ "${ACCEL:-tcg}" = kvm ] && echo 0 || echo 1)}
[ "${HOST:-0}" != 1 ] && [ "$icount" = 1 ] || bench_runs=$runs

# Taken before the guests run, so that an edit meanwhile is not its.
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
results=${RESULTS:-results}
raw=$results/raw
# HOST=1: on this machine's running kernel instead of the VM's
# (experiments/host.sh).  Its checks come first, so that a refusal leaves
# everything as it was.
host=${HOST:-0}
[ "$host" != 1 ] || experiments/host.sh check
rm -rf "$raw"
mkdir -p "$raw"
vm_log=$(mktemp)
boot_out=$(mktemp -d)
trap 'rm -rf "$vm_log" "$boot_out"' EXIT

# collect MODE: one guest's results (in $boot_out) into $raw, each file
# named with the mode it was measured in.
collect() {
	local mode=$1 f name
	for f in "$boot_out"/*; do
		[ -e "$f" ] || continue
		name=${f##*/}
		if [ "$name" = env.txt ]; then
			mv "$f" "$raw/env-$mode.txt"
		else
			mv "$f" "$raw/$name"
			echo "$name=$mode" >>"$raw/modes.txt"
		fi
	done
}

# boot ICOUNT STEPS RUNS LIMIT: one guest running guest/measure.sh, its
# steps repeated RUNS times; sets mode to icount or the accelerator it ran
# on.
boot() {
	local flags=(--fast-clock) rc=0 args
	[ "$1" = 0 ] || flags+=(--icount)
	mapfile -t args < <(measure_args "$3")
	vm/run.sh --out "$boot_out" --timeout "$4" "${flags[@]}" \
		--add "${MYMEM_KO_DIR:-kernel}/mymem.ko=/mymem/mymem.ko" \
		--add "${MYMEM_KO_DIR:-kernel}/mymem_test.ko=/mymem/mymem_test.ko" \
		--add "${BUILD:-build}/bin=/mymem/bin" \
		--add guest/bench-env.sh=/mymem/job/bench-env.sh \
		-- guest/measure.sh "$2" "${args[@]}" 2> >(tee "$vm_log" >&2) ||
		rc=$?
	# vm/run.sh names the accelerator it settled on (ACCEL=auto) on stderr.
	mode=$(sed -n 's|^vm/run.sh: kernel .*, accel \([a-z]*\).*|\1|p' "$vm_log")
	collect "${mode:-unknown}"
	[ "$rc" -eq 0 ] || status=$rc
}

status=0
if [ "$host" = 1 ]; then
	./setup.sh run
	mapfile -t args < <(measure_args "$runs")
	experiments/host.sh run "$boot_out" "$what" "${args[@]}" || status=$?
	collect host
elif [ "$icount" = 1 ]; then
	./setup.sh base run
	boot 1 "$single" "$bench_runs" "$icount_limit"
	boot 0 "$parallel" "$runs" "$limit"
else
	./setup.sh base run
	boot 0 "$single,$parallel" "$runs" "$limit"
fi

# The profile (docs/profile.md): a boot of its own, as `make profile`
# runs it, under -icount only (its gdbstub counts that guest's
# instructions); its raw profile and the vulnerabilities it was measured
# under join the results.  PROFILE=0 leaves it out.
profile_s=
if [ "$what" = all ] && [ "$host" != 1 ] && [ "$icount" = 1 ] &&
	[ "${PROFILE:-1}" = 1 ]; then
	start=$SECONDS
	if profile/profile.sh "$boot_out/profile"; then
		for f in profile.csv vulnerabilities.txt; do
			mv "$boot_out/profile/$f" "$raw/$f"
			echo "$f=icount" >>"$raw/modes.txt"
		done
	else
		status=$?
		echo "$me: the profile failed; the report says it is missing" >&2
	fi
	profile_s=$((SECONDS - start))
	rm -rf "$boot_out/profile"
fi

# What only the host knows about the run.
{
	echo "accel=$([ "$host" = 1 ] && echo host || echo "${ACCEL:-tcg}")"
	[ "$host" = 1 ] || echo "qemu=$(qemu-system-"$([ "${ARCH:-}" = arm64 ] && echo aarch64 || echo x86_64)" --version | head -n 1)"
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "commit=$commit"
	echo "quick=${QUICK:-0}"
	[ -z "$profile_s" ] || echo "profile_s=$profile_s"
	# shellcheck disable=SC2086
	params_env $run_params
} >>"$raw/env.txt"
# The exports of this build, with their CRCs (CONFIG_MODVERSIONS).
symvers=${MYMEM_KO_DIR:-kernel}/Module.symvers
[ "$host" = 1 ] || [ ! -s "$symvers" ] || cp "$symvers" "$raw/symvers.txt"

if [ ! -s "$raw/bench-user.csv" ]; then
	die "no results (status $status); see the output above and ${BUILD:-build}/vm/last/"
fi
python3 report/report.py "$results"
echo "$me: report in $results/REPORT.md"
exit "$status"
