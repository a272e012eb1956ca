#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make mutants: is every mechanism of kernel/mymem.c needed, as the
# suite sees it?
#
#   mutants/mutants.sh [NAME...]
#
# For each mutant of mutants/list (default: all; NAME...: those), builds
# mymem.ko from a copy of the module source with that one change, boots
# one guest on $KERNEL ($ARCH) and runs guest/mutants.sh there: the
# programs of the tests the mutant names, and open_test as the smoke run.
# The mutant is killed when a named test fails: a case of a program
# (`not ok N fixture.variant.test` in its TAP), or the load or unload, or
# the kernel log check after a program (a kernel report, counted against
# that program).  A program that only exits non-zero, or a guest that
# times out, names no test; a run that times out is run again once.
# First the control, the unchanged source, runs every program of the
# chosen mutants and must pass: else a failure says nothing of a mutant.
#
# Builds, logs and the table go to $MUTANTS_OUT (default $BUILD/mutants).
# Prints a table (also in table.md there): mutant, the tests that
# killed it or "survived", time; then the running time and "N killed,
# M survived, K equivalent".  Mutants that only another ARCH or KERNEL
# can show (their `on` line) are listed and not run.  Exit status 0 only
# if the control passed and every mutant run was killed by a test its
# `kills` line names; 1 otherwise, or if a mutant does not apply or build.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
repo=$PWD
# shellcheck source=lib/script.sh
. lib/script.sh

list=mutants/list
build=${BUILD:-$PWD/build}
work=${MUTANTS_OUT:-$build/mutants}
arch=${ARCH:-x86_64}
kernel=${KERNEL:-6.1}
start=$SECONDS

# Every mutant applies, before anything is built: a stale one is an error.
python3 mutants/mutant.py check "$list" . || exit 1
table=$(python3 mutants/mutant.py table "$list" "$arch" "$kernel") || exit 1
if [ $# -gt 0 ]; then
	for name; do
		grep -q "^$name	" <<<"$table" || die "no mutant $name in $list"
	done
	table=$(grep -E "^($(IFS='|'; echo "$*"))	" <<<"$table")
fi
[ -x "$build/tests/open_test" ] || die "no $build/tests (make tests)"
kdir=$(vm/kernel.sh kdir) || die "no kernel build tree for KERNEL=$kernel"

rm -rf "$work"
mkdir -p "$work"
packaging/module-source.sh "$work/src"

# build_ko NAME: NAME's mymem.ko (none: the control) in $work/ko/NAME.
# Kbuild in the one copy, as kernel/Makefile's OUT= build does, but
# without copying the source afresh each time: mutant.py rewrites only
# the mutated file, so only its objects are rebuilt.
build_ko() {
	python3 mutants/mutant.py apply "$list" "$1" . "$work/src" || return
	if ! make -C "$kdir" M="$work/src/kernel" modules \
		>"$work/$1.build.log" 2>&1; then
		echo "$me: $1: the build failed ($work/$1.build.log):" >&2
		grep -m 5 'error' "$work/$1.build.log" >&2
		return 1
	fi
	mkdir -p "$work/ko/$1"
	cp "$work/src/kernel/mymem.ko" "$work/src/kernel/mymem_test.ko" \
		"$work/ko/$1/"
}

# run_vm NAME SECONDS PROGRAM...: the guest's TAP in $work/NAME.log,
# within SECONDS; its status.
run_vm() {
	local name=$1 secs=$2
	shift 2
	nice -n 10 vm/run.sh --checks --timeout "$secs" \
		--out "$work/$name.results" \
		--add "$work/ko/$name/mymem.ko=/mymem/mymem.ko" \
		--add "$work/ko/$name/mymem_test.ko=/mymem/mymem_test.ko" \
		--add "$build/tests=/mymem/tests" \
		-- guest/mutants.sh "$@" >"$work/$name.log" 2>&1
}

# failures LOG STATUS: one line per failed named test: PROGRAM:CASE for
# a case of a program's nested TAP, the description for a result of the
# job's own ("load mymem.ko", "rw_test: no kernel report").  A program
# cut off (a hang, a crash: no closing result) still named the cases
# that failed before; and if the guest's status was a kernel report
# (126), that program's kernel log check counts as failed.
failures() {
	awk -v status="$2" '
	function cut_off(   i) {
		for (i = 1; i <= n; i++)
			print prog ":" cases[i]
		if (status == 126)
			print prog ": no kernel report"
	}
	/^# mutants: running / { prog = $4; running = 1 }
	/^    (not )?ok [0-9]/ { nested = 1 }
	/^    not ok [0-9]/ {
		d = $0
		sub(/^    not ok [0-9]+ (- )?/, "", d)
		sub(/[ \t]+#.*$/, "", d)
		cases[++n] = d
	}
	/^(not )?ok [0-9]/ {
		d = $0
		sub(/^(not )?ok [0-9]+ (- )?/, "", d)
		sub(/[ \t]+#.*$/, "", d)
		for (i = 1; i <= n; i++)
			print d ":" cases[i]
		if (/^not ok/ && !nested)
			print d
		n = 0
		nested = 0
		running = 0
	}
	END { if (running) cut_off() }' "$1"
}

# expected KILLER PATTERN...: KILLER is one of the PROGRAM:CASE patterns,
# or the kernel log check of one of their programs.
expected() {
	local killer=$1 pattern
	shift
	for pattern; do
		# shellcheck disable=SC2053 # a pattern
		[[ $killer == ${pattern%%:*}:${pattern#*:} ||
			$killer == "${pattern%%:*}: no kernel report" ]] && return
	done
	return 1
}

duration() {
	if [ "$1" -ge 60 ]; then
		echo "$(($1 / 60)) min $(($1 % 60)) s"
	else
		echo "$1 s"
	fi
}

# mutant NAME PROGRAMS KILLS: one row of the table; returns 1 if NAME
# survived or was killed only by tests its kills line does not name.
mutant() {
	local name=$1 progs=$2 kills=$3 t0=$SECONDS status tries=0 killers
	local shown row ok=1

	build_ko "$name" || exit 1
	while :; do
		# shellcheck disable=SC2086 # words
		run_vm "$name" 480 $progs
		status=$?
		killers=$(failures "$work/$name.log" $status)
		tries=$((tries + 1))
		# A time limit or a dead guest under load is no verdict.
		if [ -n "$killers" ] || [ $tries -ge 2 ] ||
			{ [ $status -ne 124 ] && [ $status -ne 125 ]; }; then
			break
		fi
		echo "# $name: guest status $status with no test failed; again" >&2
	done
	if [ -z "$killers" ]; then
		row="**survived**"
		[ $status -eq 0 ] || row="$row (guest status $status, no test failed)"
		survived=$((survived + 1)) ok=0
	else
		killed=$((killed + 1))
		shown=$(head -n 3 <<<"$killers" | paste -sd, | sed 's/,/, /g')
		[ "$(wc -l <<<"$killers")" -le 3 ] ||
			shown="$shown and $(($(wc -l <<<"$killers") - 3)) more"
		row=$shown
		# shellcheck disable=SC2086 # words
		while IFS= read -r k; do
			expected "$k" $kills && { ok=2; break; }
		done <<<"$killers"
		[ $ok -eq 2 ] || { row="$row (none of: $kills)"; ok=0; }
	fi
	[ $status -ne 126 ] || row="$row; a kernel report"
	printf '| %s | %s | %s |\n' "$name" "$row" \
		"$(duration $((SECONDS - t0)))" | tee -a "$work/table.md"
	[ $ok -ne 0 ]
}

# The control: every program of the chosen mutants, on the unchanged
# source, must pass.
all_progs=$(cut -f 3 <<<"$table" | tr ' ' '\n' | grep -v '^-$' | sort -u |
	paste -sd ' ')
t0=$SECONDS
build_ko none || exit 1
# shellcheck disable=SC2086 # words
run_vm none 900 $all_progs
status=$?
if [ $status -ne 0 ] || [ -n "$(failures "$work/none.log" $status)" ]; then
	failures "$work/none.log" $status >&2
	die "the control (no mutant: $all_progs) failed, status $status:" \
		"see $work/none.log"
fi
echo "# control: the unchanged module passes $all_progs" \
	"($(duration $((SECONDS - t0))))"

killed=0 survived=0 equivalent=0 elsewhere=""
verdict=0
printf '| mutant | killed by | time |\n| --- | --- | --- |\n' |
	tee "$work/table.md"
while IFS=$'\t' read -r name state progs kills on; do
	case $state in
	equivalent)
		# Built all the same: an equivalent mutant must still compile.
		build_ko "$name" || exit 1
		equivalent=$((equivalent + 1))
		printf '| %s | equivalent (see the list) | - |\n' "$name" |
			tee -a "$work/table.md"
		;;
	elsewhere) elsewhere="$elsewhere $name ($on)" ;;
	run) mutant "$name" "$progs" "$kills" </dev/null || verdict=1 ;;
	esac
done <<<"$table"
[ -z "$elsewhere" ] ||
	echo "# not shown on $arch $kernel, so not run:$elsewhere"
echo "# make mutants: $(duration $((SECONDS - start))) on $arch $kernel," \
	"$(git describe --always --dirty 2>/dev/null)," \
	"$(date -u +%Y-%m-%d)"
echo "$killed killed, $survived survived, $equivalent equivalent"
exit $verdict
