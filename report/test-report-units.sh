# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Units, verdicts and plots of report/test-report.sh, which sources it (a
# file of its own to keep each under 600 lines): it uses that script's
# $T, $rc, fresh, run and check.  Issue 23: an icount figure is a count
# of instructions (never ns, us or MB/s), the seed is compared by growth
# against its own 1-byte cost, a tcg verdict is indicative, and the plots
# show what the tables do without hiding a series.
# shellcheck disable=SC2154 # all set by test-report.sh

fresh units
D=$T/units
U=$D/REPORT.md
run "$D"
check "units: the icount bench tables count instructions; no ns, no MB/s, no rate for /dev/null" sh -c "
	[ $rc -eq 0 ] &&
	grep -Fq '| side | target | op | mean instructions | median instructions | p99 instructions | bytes per instruction (median) | median / user mymem |' '$U' &&
	! grep -Eq '^\| side \| target .*( ns |MB/s)' '$U' &&
	grep -Fq '| user | null | write | 5,200 | 5,000 | 9,000 | - | 0.00x |' '$U'"
# read() 900 at 1 B: 1 / 900 bytes per instruction; mymem_read() 60
check "units: the questions' tables and sentences count instructions" sh -c "
	grep -Fq '| size | read() instructions | read bytes per instruction | write() instructions | write bytes per instruction | write / read instructions |' '$U' &&
	grep -Fq '| 1 B | 900 | 0.00111 |' '$U' &&
	grep -Fq '| size | read() instructions | mymem_read() instructions | ratio |' '$U' &&
	grep -Fq '**read**: 900 instructions for 1 byte' '$U' &&
	! grep -q 'these ns are counted' '$U' &&
	grep -Fq '| 1-byte read(): mymem / /dev/zero (instructions) | 0.90x |' '$U'"
check "units: the amortised section counts instructions" sh -c "
	grep -Fq 'Median instructions per operation' '$U' &&
	! grep -Fq 'Median ns per operation' '$U'"
# in-kernel means: read 55 at 1 B, 110 at 64 B; write 95 at 1 B
check "units: the seed by growth over each side's 1-byte cost, said so" sh -c "
	grep -Fq '| size | seed read us | seed read / its 1 B | ours read / our 1 B | seed write us | seed write / its 1 B | ours write / our 1 B |' '$U' &&
	grep -Fq '| 64 B | 0.065 | 1.03x | 2.00x |' '$U' &&
	grep -Fq 'Each side is divided by its own 1-byte read (or write)' '$U' &&
	! grep -Fq 'ours read us' '$U'"

# The same figures on a clock (no modes.txt: all of accel=tcg): ns and
# MB/s, as measured.
fresh unitswall
rm "$T/unitswall/raw/modes.txt"
run "$T/unitswall"
check "units: wall-clock figures keep ns and MB/s" sh -c "
	grep -Fq '| side | target | op | mean ns | median ns | p99 ns | MB/s (mean) | MB/s (median) | median / user mymem |' '$T/unitswall/REPORT.md' &&
	grep -Fq '**read**: 900 ns for 1 byte' '$T/unitswall/REPORT.md' &&
	! grep -q ' instructions |' '$T/unitswall/REPORT.md'"

check "verdicts: a tcg figure is indicative, with why; an icount one judged" sh -c "
	grep -F '| race: ioctl / mutex (incr/s) |' '$U' | grep -q '| tcg | >= 3.00x | indicative |\$' &&
	! grep -Eq '\| tcg \| [<>]= [0-9.]+x \| (met|missed) \|' '$U' &&
	grep -Fq 'the spread within a boot understates the spread between boots' '$U' &&
	grep -Fq '(2 runs of one boot, 10.6%)' '$U' &&
	grep -F '| 1-byte read: syscall / in-kernel API (instructions) | 15.00x |' '$U' | grep -q '| met |\$'"
fresh kvmverdict
sed -i -e 's/^accel=tcg$/accel=kvm/' "$T/kvmverdict/raw/env.txt"
rm "$T/kvmverdict/raw/modes.txt"
run "$T/kvmverdict"
check "verdicts: a kvm figure is judged met or missed, not indicative" sh -c "
	grep -F '| race: ioctl / mutex (incr/s) |' '$T/kvmverdict/REPORT.md' | grep -q '| kvm | >= 3.00x | met |\$' &&
	! grep -q '| indicative |' '$T/kvmverdict/REPORT.md'"

# kernel-vs-user.dat: size, read(), mymem_read(), their ratio, each over
# its 1-byte cost; read() 900, mymem_read() 60 at 1 B
check "plots: read() against mymem_read(), its data and the seed's" sh -c "
	[ -s '$D/kernel-vs-user.png' ] && grep -q '<svg' '$D/kernel-vs-user.svg' &&
	grep -qx '1 900 60 15 1 1' '$D/plot/kernel-vs-user.dat' &&
	grep -qx '64 950 120 7.91667 1.05556 2' '$D/plot/kernel-vs-user.dat' &&
	[ \$(grep -vc '^#' '$D/plot/kernel-vs-user.dat') -eq 4 ] &&
	grep -qx '64 0.065 1.03175' '$D/plot/seed.dat' &&
	grep -Fq '![read() against mymem_read()](kernel-vs-user.png)' '$U'"
check "plots: /dev/null off the throughput panels, mmap apart from memcpy" sh -c "
	! grep -q null '$D/plot/throughput-read.dat' '$D/plot/throughput-write.dat' &&
	grep -q '^# mymem read()' '$D/plot/throughput-read.dat' &&
	grep -q '^# /dev/null write()' '$D/plot/latency-0.dat' &&
	! grep -q 'tmpfs' '$D/plot/latency-2.dat' &&
	grep -q '^# brd read()' '$D/plot/latency-2.dat'"
check "plots: race-error shows N, the runs, the mode and the kernel's race" sh -c "
	grep -Fqx 'W \"user, main race: N=1,000, 2 runs\" min max' '$D/plot/race-main.dat' &&
	grep -qx '50 65 60 70' '$D/plot/race-main.dat' &&
	grep -Fqx 'W \"kernel, main race: N=1,000, 1 run\" min max' '$D/plot/race-main.dat' &&
	python3 -c 'import sys; sys.path[:0] = [\"$here\"]
import params
from mymem_report import experiment, plots, raw
experiment.use_run(params.load(\"$D/raw\"))
got = plots.sweep_title(raw.load(\"$D\"))
assert got == \"N=1,000 per thread, 1 run per W, tcg\", got'"

# An SQPOLL 64 B write of 500,000 at 1 per call, 100 times its
# neighbours: labelled off the scale, not the axis.
fresh outlier
D=$T/outlier
sed -n 's/^user,uring,/user,sqpoll,/p' "$FIXTURE/bench-amortised.csv" |
	sed 's/^user,sqpoll,write,64,1,100,3310.0,3310,/user,sqpoll,write,64,1,100,500000.0,500000,/' \
		>>"$D/raw/bench-amortised.csv"
run "$D"
check "plots: an amortised outlier is named off the scale, not the axis" sh -c "
	[ $rc -eq 0 ] &&
	python3 -c 'import sys; sys.path[:0] = [\"$here\"]
import params
from mymem_report import experiment, plots, raw
experiment.use_run(params.load(\"$D/raw\"))
got = plots.amortised_axes(raw.load(\"$D\"))
assert 0 < got[\"amort_ymax\"] < 500000, got
assert got[\"amort_off_write\"] == \"io_uring SQPOLL 64 B write at 1 per call: 500,000 instructions, off the scale\", got
assert got[\"amort_off_read\"] == \"\", got'"
