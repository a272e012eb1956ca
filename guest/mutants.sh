#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# One mutant's run in the guest, for mutants/mutants.sh (through
# vm/run.sh): the test programs named as arguments, against the
# /mymem/mymem.ko it packed (a mutant build), and open_test as the smoke
# run (first, unless named).  Prints TAP; exits non-zero if anything failed.
#
#   guest/mutants.sh PROGRAM...
#
# The programs that load and unload mymem themselves (lifecycle_test,
# lifetime_test) run after the others, with mymem unloaded, as in
# guest/suite.sh.  After each program a result of its own says whether
# the kernel log gained a report (vm/kernel-problems.txt) meanwhile, so
# that an oops is a failure of the test that caused it.
T=${MYMEM_TESTS:-/mymem/tests}
# shellcheck source-path=SCRIPTDIR source=../tests/tap.sh
. "$T/tap.sh"

seen=0	# lines of the kernel log already checked

# No report in the kernel log since the last check.
kernel_log_clean() {
	dmesg >"$tap_tmp/dmesg"
	lines=$(wc -l <"$tap_tmp/dmesg")
	tail -n +$((seen + 1)) "$tap_tmp/dmesg" >"$tap_tmp/new"
	seen=$lines
	! grep -E -f "$T/kernel-problems.txt" "$tap_tmp/new"
}

# The comment names the program for mutants/mutants.sh, should its
# closing result never come (a hang, a kernel crash).
program() {
	echo "# mutants: running $1"
	tap_nest "$1" "$T/$1"
	tap_check "$1: no kernel report" kernel_log_clean
}

tap_begin
tap_check "load mymem.ko" insmod /mymem/mymem.ko
case " $* " in
*" open_test "*) ;;
*) program open_test ;;
esac
for prog; do
	case $prog in
	lifecycle_test | lifetime_test) ;;
	*) program "$prog" ;;
	esac
done
tap_check "unload mymem" rmmod mymem
for prog; do
	case $prog in
	lifecycle_test | lifetime_test) program "$prog" ;;
	esac
done
tap_done
