# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# The --compare part of report/test-report.sh, which sources it (a file
# of its own to keep each under 600 lines): it uses that script's $here,
# $T, $REPORT, $rc, check and one_line_error.
# shellcheck disable=SC2154 # all set by test-report.sh

# --- report.py --compare (make compare) -------------------------------
# report/fixtures/compare/raw: 3 builds x 3 rounds.  Per round the peers
# drift (zero 600, 602, 604 ns; null 500, 502, 504), mymem's means are
# set so that read / zero is 1.048, 1.050, 1.052 (2cfecac), 1.038,
# 1.040, 1.042 (5f01dcb), 1.051, 1.053, 1.055 (e862462) and write / null
# 1.175-1.177, 1.184-1.186, 1.174-1.176; 512 KiB mymem 525,000 (read)
# and 525,680 ns (write) against tmpfs 600,000 / 610,000 and brd
# 560,000 / 640,000 in every round.

# compare_fresh NAME: a copy of the compare fixture in $T/NAME/raw
compare_fresh()
{
	rm -rf "${T:?}/$1"
	mkdir -p "$T/$1"
	cp -r "$here/fixtures/compare/raw" "$T/$1/raw"
}

# compare_run DIR [BASE]: report.py --compare; sets $rc, output in
# $T/out and $T/err
compare_run()
{
	$REPORT --compare "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

compare_fresh compare
D=$T/compare
C=$D/COMPARE.md
compare_run "$D"
check "--compare exits 0, COMPARE.md is its stdout" sh -c "
	[ $rc -eq 0 ] && [ -s '$C' ] && cmp -s '$C' '$T/out'"
check "--compare says -icount, one boot, 3 rounds and the trials" sh -c "
	grep -q 'guest time counts instructions' '$C' &&
	grep -q 'One boot, 3 rounds' '$C' &&
	grep -q 'mymem-bench -n 20000. at 1 B, .-n 100. at 512 KiB' '$C'"
check "per build: median (min-max) of the per-round ratios" sh -c "
	grep -Fq '| 2cfecac | 2cfecac7cfcc | 632.1 (628.8-635.4) | 590.4 (587.5-593.2) | 1.050 (1.048-1.052) | 1.176 (1.175-1.177) | 0.875 (0.875-0.875) | 0.938 (0.938-0.938) | 0.862 (0.862-0.862) | 0.821 (0.821-0.821) |' '$C' &&
	grep -Fq '| 5f01dcb | 5f01dcb00038 | 626.1 (622.8-629.4) | 594.4 (592.5-597.7) | 1.040 (1.038-1.042) | 1.185 (1.184-1.186) |' '$C'"
# 1.040 - 1.050 = -0.010, x zero's median 602 ns = -6 ns; 1.185 - 1.176
# = +0.0090 (two significant digits), x null's 502 ns = +5 ns
check "a difference outside both builds' ranges: in the ratio and in ns" \
	grep -Fq '| 5f01dcb | -0.010 (-6 ns) | +0.0090 (+5 ns) | within the spread |' "$C"
# e862462's read / zero is 0.003 above 2cfecac's median, its range
# 1.051-1.055 overlapping 1.048-1.052; equal 512 KiB ratios overlap too
check "a difference within the rounds' spread is not called one" sh -c "
	grep -Fq '| e862462 | within the spread | within the spread | within the spread | within the spread | within the spread | within the spread |' '$C' &&
	! grep -q '+0.003' '$C'"

compare_run "$D" 5f01dcb
# against 5f01dcb: e862462 reads 1.053 - 1.040 = +0.013, x zero's median
# 602 ns = +8 ns, writes 1.175 - 1.185 = -0.010, x null's 502 = -5 ns
check "--compare DIR REV: the differences against that build" sh -c "
	[ $rc -eq 0 ] && grep -q '^Against 5f01dcb:' '$T/out' &&
	grep -Fq '| 2cfecac | +0.010 (+6 ns) | -0.0090 (-5 ns) |' '$T/out' &&
	grep -Fq '| e862462 | +0.013 (+8 ns) | -0.010 (-5 ns) |' '$T/out'"
compare_run "$D" 1234567
check "--compare DIR REV of no build: exit 1, one line naming the builds" \
	one_line_error "no build 1234567 (builds: 2cfecac, 5f01dcb, e862462)\$"

compare_fresh oneround
sed -i 's/rounds=3/rounds=1/' "$T/oneround/raw/env.txt"
compare_run "$T/oneround"
check "one round: no spread, so no difference claimed" sh -c "
	[ $rc -eq 0 ] && grep -q 'One boot, 1 round;' '$T/out' &&
	grep -Fq '| 5f01dcb | n/a (1 round: no spread) |' '$T/out'"

compare_fresh noround
rm "$T/noround/raw/bench-3-e862462-2.csv"
compare_run "$T/noround"
check "a missing build/round file: exit 1, one line naming it" \
	one_line_error ".*bench-3-e862462-2.csv: missing (build e862462, round 2)\$"

compare_fresh nobuilds
rm "$T/nobuilds/raw/builds.txt"
compare_run "$T/nobuilds"
check "no builds.txt: exit 1, one line" \
	one_line_error ".*builds.txt: missing\$"

compare_fresh badbuild
echo '4-x x' >>"$T/badbuild/raw/builds.txt"
compare_run "$T/badbuild"
check "a builds.txt line of 2 fields: exit 1, one line naming it" \
	one_line_error ".*builds.txt:4: 2 fields, expected NAME REV COMMIT\$"

compare_fresh comparebad
sed -i '2s/,622.8000,/,fast,/' "$T/comparebad/raw/bench-2-5f01dcb-1.csv"
compare_run "$T/comparebad"
check "a round's CSV not in the bench format: exit 1, one line" \
	one_line_error ".*bench-2-5f01dcb-1.csv:2: mean_ns 'fast' is not a number"
