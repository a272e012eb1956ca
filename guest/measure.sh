#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the VM guest (see experiments/measure.sh): the experiments of
# `make run`, raw results into /results.
#
#   guest/measure.sh STEPS NAME=VALUE...
#
# STEPS is a comma-separated list of modorder, bench, kbench, scale, race,
# sweep, krace, or "all" (every step) or "bench" (all but the races).
# experiments/measure.sh runs the single-threaded steps in one guest and
# the parallel ones in another, as each needs its own kind of clock.  The
# NAME=VALUE are the experiments' parameters (experiments/params.sh), every
# one of them required, and passed on explicitly to the tools and
# mymem_test: no figure comes from a default of theirs.  runs is that of
# this guest's steps: bench, kbench and scale are repeated runs times, run
# 1 writes NAME.csv, run N NAME-N.csv.  Progress goes to stdout, one line
# a step.  MYMEM_RESULTS
# (default /results) and MYMEM_MODULES (where mymem.ko and mymem_test.ko
# are, default /mymem) let experiments/host.sh run it on a real machine.
set -eu

steps=$1
shift
# shellcheck source=guest/bench-env.sh
. "$(dirname "$0")/bench-env.sh"
take_params "bench_sizes amortised_sizes amortised_per_call trials runs scale_size workers iters sweep_workers sweep_iters" "$@"
out=${MYMEM_RESULTS:-/results}
mods=${MYMEM_MODULES:-/mymem}
kver=$(uname -r)
extra=/lib/modules/$kver/extra
case "$steps" in
all) steps=modorder,bench,scale,kbench,race,sweep,krace ;;
bench) steps=modorder,bench,scale,kbench ;;
esac
for s in $(echo "$steps" | tr , ' '); do
	case "$s" in
	modorder | bench | kbench | scale | race | sweep | krace) ;;
	*) echo "guest/measure.sh: unknown step '$s'" >&2; exit 64 ;;
	esac
done
nsteps=$(echo "$steps" | tr , '\n' | wc -l)
step=0

progress() {
	step=$((step + 1))
	echo "[$step/$nsteps] $*"
}

wants() {
	case ",$steps," in *",$1,"*) return 0 ;; esac
	return 1
}

# run_file NAME N: the file of run N of NAME.csv
run_file() {
	if [ "$2" = 1 ]; then echo "$out/$1.csv"; else echo "$out/$1-$2.csv"; fi
}

wait_for_clock
bench_env "trials=$trials workers=$workers iters=$iters runs=$runs sweep_iters=$sweep_iters" \
	>>"$out/env.txt"

# modprobe finds the modules through depmod's index.
install_modules() {
	mkdir -p "$extra"
	cp "$mods/mymem.ko" "$mods/mymem_test.ko" "$extra/"
	depmod
}

if wants modorder; then
	progress "module load order: insmod mymem_test before mymem, then modprobe"
	{
		echo "\$ insmod mymem_test.ko        # before mymem"
		insmod "$mods/mymem_test.ko" run=selftest 2>&1 && echo "(loaded?!)" || true
		# Every line under a command is that command's, all of it.
		echo "\$ dmesg | grep 'mymem_test: Unknown symbol'"
		dmesg | grep 'mymem_test: Unknown symbol' || true
		echo "\$ depmod                       # after copying both to extra/"
		install_modules
		echo "\$ grep mymem /lib/modules/$kver/modules.dep"
		grep mymem "/lib/modules/$kver/modules.dep"
		echo "\$ modprobe mymem_test run=selftest"
		modprobe mymem_test run=selftest
		echo "\$ lsmod"
		lsmod | grep -E '^(Module|mymem)'
		echo "\$ rmmod mymem                 # while mymem_test uses it"
		rmmod mymem 2>&1 || true
		echo "\$ modprobe -r mymem_test      # takes mymem with it"
		modprobe -r mymem_test
		echo "\$ lsmod | grep -c mymem"
		lsmod | grep -c mymem || true
	} >"$out/modorder.txt" 2>&1
	dmesg | sed -n 's/.*mymem_test: //p' | sed -n '/^KTAP/,/^# /p' >"$out/selftest.txt"
	# How mymem_test names what it needs from mymem: the imported
	# namespace, the dependency, and the CRCs of the symbols it uses.
	{
		echo "\$ modinfo mymem_test.ko"
		modinfo "$mods/mymem_test.ko"
		echo "\$ modprobe --dump-modversions mymem_test.ko | grep mymem_"
		modprobe --dump-modversions "$mods/mymem_test.ko" | grep mymem_ || true
	} >"$out/modinfo.txt" 2>&1
else
	install_modules
fi

modprobe mymem
modprobe brd rd_nr=1 rd_size=1024

if wants bench; then
	progress "user bench: $trials trials of each of $bench_sizes B, mymem and its peers, then readv, io_uring and SQPOLL at $amortised_sizes B (readv and io_uring on /dev/zero and /dev/null too), $amortised_per_call a call, $runs runs"
	for r in $(seq "$runs"); do
		mymem-bench -q --csv -n "$trials" -s "$bench_sizes" \
			-t mymem,mmap,zero,null,tmpfs,brd,memcpy \
			>"$(run_file bench-user "$r")"
	done
	# The amortised paths, $trials calls of each count, and readv and
	# io_uring on /dev/zero and /dev/null beside them: what the path
	# costs, apart from what mymem adds.  A path the kernel refuses
	# leaves its reason on stderr: the report quotes it.
	for r in $(seq "$runs"); do
		mymem-bench -q --csv -n "$trials" -s "$amortised_sizes" \
			-k "$amortised_per_call" \
			-t readv,uring,sqpoll,readv_zero,readv_null,uring_zero,uring_null \
			>"$(run_file bench-amortised "$r")" \
			2>"$out/bench-amortised.txt"
	done
fi

if wants scale; then
	progress "user bench: read scaling, 1 and 2 threads, $scale_size B, mymem and a tmpfs control, $runs runs"
	# The same readers on a tmpfs file tell the device from the machine:
	# if neither scales, the vCPUs did not run in parallel.
	control=${TMPDIR:-/tmp}/scale-control
	dd if=/dev/zero of="$control" bs="$scale_size" count=1 2>/dev/null
	for r in $(seq "$runs"); do
		mymem-bench -q --csv -n "$trials" -t scale --scale-size "$scale_size" \
			>"$(run_file scale-user "$r")"
		mymem-bench -q --csv -n "$trials" -t scale --scale-size "$scale_size" \
			-d "$control" >"$(run_file scale-control "$r")"
	done
	rm -f "$control"
fi

if wants kbench; then
	progress "kernel bench: mymem_test run=bench, $trials trials of each of $bench_sizes B, $runs runs"
	for r in $(seq "$runs"); do
		modprobe mymem_test run=bench sizes="$bench_sizes" trials="$trials"
		cp /sys/kernel/debug/mymem_test/results "$(run_file bench-kernel "$r")"
		rmmod mymem_test
	done
fi

# Exit status 1 means an exact mode was not exact: keep the data, fail later.
race_status=0
if wants race; then
	progress "user race: $workers threads x $iters increments, every mode, $runs runs"
	mymem-race -q --csv -w "$workers" -n "$iters" -m all -r "$runs" \
		>"$out/race-user.csv" || race_status=$?
fi

if wants sweep; then
	progress "user race sweep: W = $sweep_workers threads x $sweep_iters increments, no lock"
	mymem-race -q --csv -n "$sweep_iters" --sweep="$sweep_workers" -m unlocked \
		>"$out/race-sweep.csv"
fi

if wants krace; then
	progress "kernel race: $workers kthreads x $iters increments, every mode, $runs runs"
	modprobe mymem_test run=race workers="$workers" iters="$iters" runs="$runs"
	cp /sys/kernel/debug/mymem_test/results "$out/race-kernel.csv"
	rmmod mymem_test
fi

exit "$race_status"
