# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# The amortised paths on /dev/zero and /dev/null, a part of
# report/test-report.sh, which sources it (a file of its own to keep each
# under 600 lines): it reads the reports that script wrote of the full
# fixture, of amortisedwall and of noamortised, and uses its $T, row and
# check.
# shellcheck disable=SC2154 # all set by test-report.sh

# The peers, per transfer at 64 x 1 B: readv /dev/zero 140 against
# mymem's 150, writev /dev/null 100 against 220, io_uring /dev/zero 500
# against 600, /dev/null 680 against 740.
check "readv on /dev/zero: 150 / 140 = 1.07x, met, in instructions" \
	row "$T/full/REPORT.md" 'readv of 64 x 1 B: mymem / /dev/zero (instructions per transfer)' 1.07x met
check "writev on /dev/null: 220 / 100 = 2.20x, missed, with both figures" sh -c "
	grep -F '| writev of 64 x 1 B: mymem / /dev/null (instructions per transfer) | 2.20x |' '$T/full/REPORT.md' |
		grep -q '| missed |' &&
	grep -q 'mymem.s writes cost 220 instructions a transfer and /dev/null.s 100 (+120). One write() call of 1 B costs mymem +400 over /dev/null; a transfer on this path +120, 0.30x as much\\.' '$T/full/REPORT.md'"
check "io_uring on /dev/zero: 600 / 500 = 1.20x, missed; mymem's read() the cheaper" sh -c "
	grep -F '| io_uring reads of 64 x 1 B: mymem / /dev/zero (instructions per transfer) | 1.20x |' '$T/full/REPORT.md' |
		grep -q '| missed |' &&
	grep -q 'costs mymem -100 over /dev/zero: what mymem adds is the path.s, not one call.s\\.' '$T/full/REPORT.md'"
check "io_uring on /dev/null: 740 / 680 = 1.09x, met" \
	row "$T/full/REPORT.md" 'io_uring writes of 64 x 1 B: mymem / /dev/null (instructions per transfer)' 1.09x met
check "the amortised table: the peers' rows in instructions, mymem over them" sh -c "
	grep -Fq '| readv/writev on /dev/zero, /dev/null | 64 | 140 instructions (mymem 1.07x) | 100 instructions (mymem 2.20x) | 182 instructions (mymem 1.05x) | 150 instructions (mymem 1.80x) |' '$T/full/REPORT.md' &&
	grep -Fq '| io_uring on /dev/zero, /dev/null | 256 | 470 instructions (mymem 1.21x) |' '$T/full/REPORT.md' &&
	grep -q 'The rows on /dev/zero, /dev/null are the same paths .* in instructions per transfer' '$T/full/REPORT.md'"

check "the peers on a wall clock: ns, and time per transfer" sh -c "
	grep -Fq '| readv/writev on /dev/zero, /dev/null | 64 | 140 ns (mymem 1.07x) |' '$T/amortisedwall/REPORT.md' &&
	grep -Fq '| readv of 64 x 1 B: mymem / /dev/zero (time per transfer) | 1.07x | 1 run | tcg |' '$T/amortisedwall/REPORT.md' &&
	! grep -q 'per transfer.* instructions\\|instructions (mymem' '$T/amortisedwall/REPORT.md'"
check "no amortised paths: the peers' goals n/a, no peer rows" sh -c "
	grep -Fq '| io_uring writes of 64 x 1 B: mymem / /dev/null (instructions per transfer) | n/a | n/a | icount | <= 1.10x | n/a |' '$T/noamortised/REPORT.md' &&
	! grep -q 'on /dev/zero, /dev/null' '$T/noamortised/REPORT.md'"
