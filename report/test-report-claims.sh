# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# The corrected claims of report/test-report.sh, which sources it (a
# file of its own to keep each under 600 lines): it uses that script's
# $T, $rc, fresh, run and check.
# shellcheck disable=SC2154 # all set by test-report.sh

# Claims the report made and must not make again (issue 23): the clock
# as the cause of the in-kernel ratio, mmap stores "not ordered" against
# the atomic ioctls (they are: both are atomic read-modify-writes), "no
# data race" in a device whose lockless reader overlaps writers.
fresh claims
D=$T/claims
run "$D"
check "claims: mmap and ioctls, the data race, the peer's own call: the corrected sentences" sh -c "
	[ $rc -eq 0 ] &&
	! grep -Fq 'not ordered against' '$D/REPORT.md' &&
	grep -Fq 'the atomic ioctls are safe beside them' '$D/REPORT.md' &&
	! grep -Fq 'so there is no data race' '$D/REPORT.md' &&
	! grep -Fq 'is the system call and VFS alone' '$D/REPORT.md' &&
	! grep -Fq 'likely pay off from smaller batches' '$D/REPORT.md' &&
	grep -Fq 'From which batch size a path pays off on hardware is not measured here' '$D/REPORT.md' &&
	grep -Fq 'the VFS and its own write (write_null(), which returns at once) together' '$D/REPORT.md' &&
	grep -Fq 'a race mymem tolerates by design' '$D/REPORT.md'"

check "claims: the copy routines, the seed's machine, a shared mutex" sh -c "
	[ $rc -eq 0 ] &&
	! grep -Fq '32 bytes an instruction' '$D/REPORT.md' &&
	grep -Fq 'a vector loop several bytes an instruction' '$D/REPORT.md' &&
	! grep -Fq 'tens of bytes per cycle' '$D/REPORT.md' &&
	grep -Fq 'in 19.671 us in the kernel (26.7 GB/s)' '$D/REPORT.md' &&
	! grep -Fq 'real hardware' '$D/REPORT.md' &&
	! grep -Fq 'which other processes cannot' '$D/REPORT.md' &&
	grep -Fq 'PTHREAD_PROCESS_SHARED mutex in memory they share' '$D/REPORT.md'"

# The in-kernel ratio missed (kernel median 120: 7.50x), batched 55 ns.
fresh kclock
D=$T/kclock
sed -i '4s/,55,60,110,/,55,120,130,/' "$D/raw/bench-kernel.csv" "$D/raw/bench-kernel-2.csv"
run "$D"
check "claims: the clock is not the cause of a missed in-kernel ratio; -icount counts" sh -c "
	[ $rc -eq 0 ] &&
	! grep -Fq 'the clock, not the API, is the likely cause' '$D/REPORT.md' &&
	grep -Fq 'the clock explains 65 instructions of the API' '$D/REPORT.md' &&
	grep -Fq 'a ratio of instruction counts, not of times' '$D/REPORT.md'"


# The read-scaling control shown beside mymem's scaling: 440 / 400 MB/s
# = 1.10x for mymem, 720 / 400 = 1.80x for the control.
fresh scalecontrol
D=$T/scalecontrol
sed -e 's/,400\.0,1,1$/,400.0,1,1/' -e 's/,440\.0,1,1$/,720.0,1,1/' \
	"$D/raw/scale-user.csv" >"$D/raw/scale-control.csv"
echo "scale-control.csv=tcg" >>"$D/raw/modes.txt"
run "$D"
check "claims: the scaling control is shown beside mymem's scaling" sh -c "
	[ $rc -eq 0 ] &&
	grep -Fq '| 2 | 1,800,000 | 440.0 | 720.0 |' '$D/REPORT.md' &&
	grep -Fq '2 readers against 1: mymem 1.10x, the plain-file control 1.80x' '$D/REPORT.md'"
