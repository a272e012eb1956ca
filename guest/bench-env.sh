# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Sourced by the benchmark jobs guest/measure.sh and guest/compare.sh
# from their own directory: the host scripts that boot them add it
# beside the job (/mymem/job/), HOST=1 runs it from guest/.

clocksource=/sys/devices/system/clocksource/clocksource0/current_clocksource

# With tsc=reliable (--fast-clock) the kernel starts on tsc-early and
# switches to the refined tsc about a second into the boot: benchmarks
# wait for it (10 s at most), so that no run straddles the switch.
wait_for_clock() {
	i=0
	while [ "$(cat "$clocksource")" = tsc-early ] && [ $i -lt 10 ]; do
		sleep 1
		i=$((i + 1))
	done
}

# bench_env PARAMS: the guest's key=value lines of env.txt.
bench_env() {
	echo "kernel=$(uname -r)"
	echo "arch=$(uname -m)"
	echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "nproc=$(nproc)"
	echo "clocksource=$(cat "$clocksource")"
	# What picks the kernel's copy routines (x86: rep movsb with erms).
	echo "copy_flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -n 1 |
		tr ' ' '\n' | grep -x -E 'rep_good|erms|fsrm' | tr '\n' ' ' | sed 's/ $//')"
	echo "params=$1"
}
