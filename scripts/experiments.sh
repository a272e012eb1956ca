#!/bin/sh
# Runs in the VM guest (see scripts/run.sh): the experiments of `make run`,
# user side and kernel side in one boot, raw results into /results.
#
#   experiments.sh WHAT TRIALS WORKERS ITERS RUNS SWEEP_ITERS
#
# WHAT is "all" or "bench".  Progress goes to stdout, one line a step.
# MYMEM_RESULTS (default /results) and MYMEM_MODULES (where mymem.ko and
# mymem_test.ko are, default /mymem) let scripts/host.sh run it on a real
# machine.
set -eu

what=$1 trials=$2 workers=$3 iters=$4 runs=$5 sweep_iters=$6
out=${MYMEM_RESULTS:-/results}
mods=${MYMEM_MODULES:-/mymem}
kver=$(uname -r)
extra=/lib/modules/$kver/extra
steps=$([ "$what" = all ] && echo 7 || echo 4)
step=0

progress() {
	step=$((step + 1))
	echo "[$step/$steps] $*"
}

{
	echo "kernel=$kver"
	echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "nproc=$(nproc)"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "params=trials=$trials workers=$workers iters=$iters runs=$runs sweep_iters=$sweep_iters"
} >>"$out/env.txt"

progress "module load order: insmod mymem_test before mymem, then modprobe"
{
	echo "\$ insmod mymem_test.ko        # before mymem"
	insmod "$mods/mymem_test.ko" run=selftest 2>&1 && echo "(loaded?!)" || true
	dmesg | grep -m 3 'mymem_test: Unknown symbol' || true
	mkdir -p "$extra"
	cp "$mods/mymem.ko" "$mods/mymem_test.ko" "$extra/"
	echo "\$ depmod && modprobe mymem_test run=selftest"
	depmod
	grep mymem "/lib/modules/$kver/modules.dep"
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

modprobe mymem
modprobe brd rd_nr=1 rd_size=1024

progress "user bench: $trials trials of each size, mymem and its peers"
mymem-bench -q --csv -n "$trials" -t mymem,mmap,zero,null,tmpfs,brd,memcpy \
	>"$out/bench-user.csv"

progress "user bench: read scaling, 1 and 2 threads, mymem and a tmpfs control"
mymem-bench -q --csv -n "$trials" -t scale >"$out/scale-user.csv"
# The same readers on a tmpfs file tell the device from the machine: if
# neither scales, the vCPUs did not run in parallel.
dd if=/dev/zero of=/tmp/scale-control bs=1024 count=512 2>/dev/null
mymem-bench -q --csv -n "$trials" -t scale -d /tmp/scale-control \
	>"$out/scale-control.csv"
rm -f /tmp/scale-control

progress "kernel bench: mymem_test run=bench, $trials trials"
modprobe mymem_test run=bench trials="$trials"
cp /sys/kernel/debug/mymem_test/results "$out/bench-kernel.csv"
rmmod mymem_test

[ "$what" = all ] || exit 0

progress "user race: $workers threads x $iters increments, every mode, $runs runs"
# Exit status 1 means an exact mode was not exact: keep the data, fail later.
race_status=0
mymem-race -q --csv -w "$workers" -n "$iters" -m all -r "$runs" \
	>"$out/race-user.csv" || race_status=$?

progress "user race sweep: W = 1..100 threads x $sweep_iters increments, no lock"
mymem-race -q --csv -n "$sweep_iters" --sweep -m none >"$out/race-sweep.csv"

progress "kernel race: $workers kthreads x $iters increments, every mode, $runs runs"
modprobe mymem_test run=race workers="$workers" iters="$iters" runs="$runs"
cp /sys/kernel/debug/mymem_test/results "$out/race-kernel.csv"
rmmod mymem_test

exit "$race_status"
