#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of scripts/report.py on the fixture results in
# tests/fixtures/report/raw/: the outputs, the key ratios (computed here
# by hand from the fixture medians, see the comments), missing optional
# inputs, malformed input.  Prints TAP; exits 1 if a test failed.
#
# Usage: scripts/test-report.sh

here=$(cd "$(dirname "$0")" && pwd)
REPORT="python3 $here/report.py"
FIXTURE=$here/../tests/fixtures/report/raw

T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

n=0
failed=0

# fresh NAME: a copy of the fixture in $T/NAME/raw, for one variant
fresh()
{
	rm -rf "${T:?}/$1"
	mkdir -p "$T/$1"
	cp -r "$FIXTURE" "$T/$1/raw"
}

# run DIR: report.py on DIR; sets $rc, output in $T/out and $T/err
run()
{
	$REPORT "$1" >"$T/out" 2>"$T/err"
	rc=$?
}

# check DESC CMD...: one result, CMD's status
check()
{
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
		echo "# exit $rc; stderr:"
		sed 's/^/#   /' "$T/err"
	fi
}

# row FILE LABEL RATIO STATUS: the key-ratio row of LABEL reads so
row()
{
	grep -Fq "| $2 | $3 | " "$1" &&
		grep -F "| $2 | $3 | " "$1" | grep -q "| $4 |\$"
}

# one_line_error: exit 1 and exactly one "report.py: error: " line
one_line_error()
{
	[ "$rc" -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
		grep -q "^report.py: error: $1" "$T/err"
}

outputs_exist()
{
	for f in REPORT.md bench.csv race.csv; do
		[ -s "$1/$f" ] || return 1
	done
	# vm/setup.sh run installs it: without it nothing here is checked.
	command -v gnuplot >/dev/null || { echo "# no gnuplot"; return 1; }
	for p in latency throughput race-error race-rate; do
		head -c 8 "$1/$p.png" | grep -q PNG && grep -q '<svg' "$1/$p.svg" ||
			return 1
	done
}

echo "TAP version 13"

fresh full
D=$T/full
R=$D/REPORT.md
run "$D"
check "report.py exits 0 on the fixtures" [ "$rc" -eq 0 ]
check "REPORT.md, merged CSVs and every plot as PNG and SVG" outputs_exist "$D"
# 28 user rows + 8 kernel rows + 2 scale rows; 10 + 3 race + 4 sweep rows
check "bench.csv holds every bench and scale row" \
	[ "$(wc -l <"$D/bench.csv")" -eq 39 ]
check "race.csv holds every race and sweep row" \
	[ "$(wc -l <"$D/race.csv")" -eq 18 ]
check "the environment and the TCG warning lead the report" \
	grep -q 'accel is tcg' "$R"
# mymem 900 / zero 1000 ns; mymem 1400 / null 1000 ns
check "1-byte read vs /dev/zero: 0.90x, met" \
	row "$R" '1-byte read(): mymem / /dev/zero (time)' 0.90x met
check "1-byte write vs /dev/null: 1.40x, missed, with its reason" sh -c "
	grep -F '| 1-byte write(): mymem / /dev/null (time) | 1.40x |' '$R' |
		grep -q '| missed |' &&
	grep -q '/dev/null.s 1,000 ns (+400 ns)' '$R'"
# tmpfs 2,000,000 and brd 1,600,000 against mymem 1,000,000 ns
check "512 KiB read vs tmpfs 2.00x and vs brd 1.60x, met" sh -c "
	grep -F '| 512 KiB read: mymem / tmpfs (throughput) | 2.00x |' '$R' |
		grep -q '| met |' &&
	grep -F '| 512 KiB read: mymem / brd (throughput) | 1.60x |' '$R' |
		grep -q '| met |'"
# mmap 300,000 / memcpy 200,000 is on the goal; 400,000 / 200,000 not
check "mmap vs memcpy: read 1.50x met, write 2.00x missed" sh -c "
	grep -F '| 512 KiB mmap read / memcpy (time) | 1.50x |' '$R' |
		grep -q '| met |' &&
	grep -F '| 512 KiB mmap write / memcpy (time) | 2.00x |' '$R' |
		grep -q '| missed |'"
# read() 900 / mymem_read() 60 ns
check "syscall vs in-kernel 1-byte read: 15.00x, met" \
	row "$R" '1-byte read: syscall / in-kernel API (time)' 15.00x met
# mean incr/s: mutex 100,000, ioctl 400,000, mmap 2,000,000
check "ioctl vs mutex 4.00x met, mmap vs ioctl 5.00x missed" sh -c "
	grep -F '| race: ioctl / mutex (incr/s) | 4.00x |' '$R' |
		grep -q '| met |' &&
	grep -F '| race: mmap / ioctl (incr/s) | 5.00x |' '$R' |
		grep -q '| missed |'"
# 440 / 400 MB/s, under TCG: below 1.2, so the emulator is named
check "read scaling 1.10x, missed, the emulator given as the reason" sh -c "
	grep -F '| 512 KiB pread: 2 threads / 1 (aggregate MB/s) | 1.10x |' \
		'$R' | grep -q '| missed |' &&
	grep -q 'did not run the two vCPUs in parallel' '$R' &&
	grep -q 'Each read took 1.8x as long' '$R'"
check "the smallest W that lost updates is 4, W=1 lost none" sh -c "
	grep -q 'smallest W that lost updates was \*\*W=4\*\*' '$R' &&
	grep -q 'At W=1 nothing was lost' '$R'"
check "the module-order answer quotes the transcript" \
	grep -q 'Unknown symbol mymem_write (err -2)' "$R"
check "stdout is the key-ratios table" sh -c "
	[ \$(grep -c '^| ' '$T/out') -eq 12 ] &&
	grep -q '| 1-byte read(): mymem / /dev/zero (time) | 0.90x' '$T/out'"

fresh inline
D=$T/inline
rm "$D/raw/scale-user.csv"
# as mymem-bench -t all writes them: after the per-size rows
tail -n +2 "$FIXTURE/scale-user.csv" >>"$D/raw/bench-user.csv"
run "$D"
check "scale rows inside bench-user.csv give the same scaling" sh -c "
	[ $rc -eq 0 ] &&
	grep -q '| 512 KiB pread: 2 threads / 1 (aggregate MB/s) | 1.10x |' \
		'$D/REPORT.md' &&
	grep -q '| 512 KiB read: mymem / tmpfs (throughput) | 2.00x |' \
		'$D/REPORT.md'"

fresh control
D=$T/control
# the same two readers on a plain file: 950 / 500 MB/s
printf '%s\n' "$(head -n 1 "$FIXTURE/scale-user.csv")" \
	'user,mymem,read,524288,1,100,1e6,1e6,2e6,500.0' \
	'user,mymem,read,524288,2,200,1e6,1e6,2e6,950.0' \
	>"$D/raw/scale-control.csv"
run "$D"
check "a control that scales 1.90x points at the device, not the emulator" \
	sh -c "[ $rc -eq 0 ] &&
	grep -q 'control scaled 1.90x, better than mymem' '$D/REPORT.md' &&
	! grep -q 'did not run the two vCPUs' '$D/REPORT.md'"

fresh nobrd
D=$T/nobrd
grep -v ',brd,' "$FIXTURE/bench-user.csv" >"$D/raw/bench-user.csv"
run "$D"
check "no brd rows: exit 0, a note, the brd ratio n/a" sh -c "
	[ $rc -eq 0 ] && grep -q 'no brd rows' '$D/REPORT.md' &&
	grep -q '| 512 KiB read: mymem / brd (throughput) | n/a | >= 1.00x | n/a |' \
		'$D/REPORT.md'"

fresh nokernel
D=$T/nokernel
rm "$D/raw/bench-kernel.csv" "$D/raw/race-kernel.csv"
run "$D"
check "no kernel-side files: exit 0, notes, the kernel ratio n/a" sh -c "
	[ $rc -eq 0 ] && grep -q 'bench-kernel.csv. is missing' '$D/REPORT.md' &&
	grep -q 'race-kernel.csv. is missing' '$D/REPORT.md' &&
	grep -q 'syscall / in-kernel API (time) | n/a' '$D/REPORT.md' &&
	grep -q 'No in-kernel benchmark was run' '$D/REPORT.md'"

fresh badnum
sed -i '3s/,1400,/,fast,/' "$T/badnum/raw/bench-user.csv"
run "$T/badnum"
check "a non-numeric field: exit 1, one line naming file and line" \
	one_line_error ".*bench-user.csv:3: median_ns 'fast' is not a number"

fresh short
echo 'user,none,50,1000,3,1' >>"$T/short/raw/race-user.csv"
run "$T/short"
check "a short row: exit 1, one line" \
	one_line_error ".*race-user.csv:12: 6 fields, expected 11"

fresh header
sed -i '1s/median_ns/med/' "$T/header/raw/bench-kernel.csv"
run "$T/header"
check "a wrong header: exit 1, one line" \
	one_line_error ".*bench-kernel.csv:1: header is not"

fresh norace
D=$T/norace
rm "$D/raw/race-user.csv" "$D/raw/race-kernel.csv" "$D/raw/race-sweep.csv"
run "$D"
check "no race files (make bench): exit 0, a note, the race ratios n/a" sh -c "
	[ $rc -eq 0 ] && grep -q 'no race (make bench' '$D/REPORT.md' &&
	grep -q '| race: ioctl / mutex (incr/s) | n/a | >= 3.00x | n/a |' \
		'$D/REPORT.md'"

fresh nobench
rm "$T/nobench/raw/bench-user.csv"
run "$T/nobench"
check "a required file missing: exit 1, one line" \
	one_line_error ".*bench-user.csv: missing"

$REPORT >"$T/out" 2>"$T/err"
rc=$?
check "no argument: usage, exit 2" sh -c "
	[ $rc -eq 2 ] && grep -q '^usage: report.py RESULTS_DIR' '$T/err'"

echo "1..$n"
[ "$failed" -eq 0 ]
