# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Sourced by the benchmark jobs guest/measure.sh and guest/compare.sh
# from their own directory: the host scripts that boot them add it
# beside the job (/mymem/job/), HOST=1 runs it from guest/.

clocksource=/sys/devices/system/clocksource/clocksource0/current_clocksource

# take_params "NAME..." NAME=VALUE...: the job's parameters
# (experiments/params.sh), every one of NAME... required, each VALUE a
# number or a comma-separated list of them; anything else is a usage error.
take_params() {
	names=$1
	shift
	# shellcheck disable=SC2086 # the names, one a word
	unset $names
	for a; do
		name=${a%%=*} value=${a#*=}
		case " $names " in
		*" $name "*) ;;
		*) echo "guest/${0##*/}: unknown parameter '$a'" >&2; exit 64 ;;
		esac
		case "$value" in
		'' | *[!0-9,]* | ,* | *, | *,,*)
			echo "guest/${0##*/}: $a: not a number or a comma-separated list" >&2
			exit 64
			;;
		esac
		eval "$name=\$value"
	done
	for name in $names; do
		eval "[ -n \"\${$name:-}\" ]" ||
			{ echo "guest/${0##*/}: no $name=VALUE" >&2; exit 64; }
	done
}

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
