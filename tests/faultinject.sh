#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault injection at load time, in the guest, on KERNEL=debug (failslab,
# fail_page_alloc, kmemleak); elsewhere one "# SKIP" result.  Prints TAP.
#
# For N = 1, 2, ... the N-th allocation of loading mymem.ko fails
# (tests/faultinject_load.c), until a load reaches no N-th allocation.
# Each load that failed must return ENOMEM (EFAULT where the fault was
# one of its user copies) and leave nothing behind: no
# module, no /dev/mymem, no /sys/module/mymem, and no kernel report.  A
# load that survived its failed allocation (the kernel had a fallback)
# must give a working device and unload.  At the end kmemleak must find
# nothing: every error path freed what it took.
#
# MYMEM_KO names the module (default /mymem/mymem.ko); the helper is in
# $MYMEM_TESTS (default /mymem/tests).  mymem must not be loaded.
T=${MYMEM_TESTS:-/mymem/tests}
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. "$T/tap.sh"

KO=${MYMEM_KO:-/mymem/mymem.ko}
DBG=/sys/kernel/debug
MAX_N=5000	# a bound, far above the points of one load (a few hundred)
ENOMEM=12
EFAULT=14
# Report lines: vm/run.sh's (kernel-problems.txt) less the stack dump's
# "Call Trace" and the allocation failure lines: a failed vmalloc() warns
# ("vmalloc error: ...", warn_alloc) with a stack dump, and that one is
# expected here.  Every report of a real problem has its own headline.
# (kmemleak's "Cannot allocate a scan area" is expected too: its own
# allocations fail here, and then it scans the whole object.)
# EXPECTED: warnings the kernel gives on purpose when an allocation of a
# load fails: jump_label_module_notify() WARNs "Failed to allocate memory:
# jump_label may not work properly" and jump_label_del_module() then
# WARNs for the keys it never linked (6.1 kernel/jump_label.c; the
# static keys are the kernel headers' inlines, not mymem's).
EXPECTED='WARNING: CPU: [0-9]+ PID: [0-9]+ at kernel/jump_label\.c:'
PROBLEMS=$tap_tmp/problems
grep -Fvx -e 'Call [Tt]race' -e 'page allocation failure' -e 'vmalloc error: ' \
	"$T/kernel-problems.txt" >"$PROBLEMS" || exit 1

# Which allocations fail: every slab and page allocation of the task that
# armed /proc/thread-self/fail-nth, the sleeping ones (GFP_KERNEL) and
# vmalloc's highmem pages included, which the defaults skip.  Probability
# 0 and the task filter keep every other allocation of the guest safe
# (fail-nth does not need them), verbose 0 keeps the log to real reports.
setup_injection() {
	for attr in failslab fail_page_alloc; do
		echo 0 >"$DBG/$attr/probability" &&
			echo Y >"$DBG/$attr/task-filter" &&
			echo 0 >"$DBG/$attr/verbose" &&
			echo N >"$DBG/$attr/ignore-gfp-wait" || return
	done
	echo N >"$DBG/failslab/cache-filter" &&
		echo N >"$DBG/fail_page_alloc/ignore-gfp-highmem" &&
		echo 0 >"$DBG/fail_page_alloc/min-order" || return
	# fail-nth counts the user copies of a load too (finit_module()'s
	# copy of the parameters), where the kernel has fail_usercopy: that
	# one names itself in the log, so that its EFAULT is told apart.
	[ ! -e "$DBG/fail_usercopy" ] ||
		{ echo 0 >"$DBG/fail_usercopy/probability" &&
			echo Y >"$DBG/fail_usercopy/task-filter" &&
			echo 1 >"$DBG/fail_usercopy/verbose"; }
}

# Nothing of mymem is left in the kernel.
nothing_loaded() {
	! grep -qw '^mymem' /proc/modules && [ ! -e /dev/mymem ] &&
		[ ! -e /sys/module/mymem ]
}

# The kernel log since the marker line $1, checked for reports.  Stack
# frames ("[time]  func+0x..") are left out: "lockdep" names functions in
# every trace, the expected ones too.
no_reports() {
	dmesg | sed -n "/$1\$/,\$p" >"$tap_tmp/log"
	grep -q "$1\$" "$tap_tmp/log" || {
		echo "marker '$1' no longer in the kernel log"
		return 1
	}
	! grep -v '^\[[^]]*\]  ' "$tap_tmp/log" | grep -Ev "$EXPECTED" |
		grep -E -f "$PROBLEMS"
}

# A load that survived an injected failure: the device works, and goes.
works_and_unloads() {
	[ "$(wc -c </dev/mymem)" -eq 524288 ] && rmmod mymem && nothing_loaded
}

# try N: one load with the N-th allocation failing; sets $outcome to
# "injected ERRNO" or "missed ERRNO".
try() {
	marker="mymem-faultinject: fail-nth $1"
	outcome=""
	echo "$marker" >/dev/kmsg
	outcome=$("$T/faultinject_load" "$1" "$KO") || return
	# shellcheck disable=SC2086 # two words
	set -- $outcome
	case "$1 $2" in
	"injected 0") works_and_unloads || return ;;
	injected*)
		[ "$2" -eq $ENOMEM ] || { [ "$2" -eq $EFAULT ] &&
			dmesg | sed -n "/$marker\$/,\$p" |
			grep -q 'name fail_usercopy'; } || {
			echo "load failed with errno $2, not ENOMEM ($ENOMEM), nor EFAULT ($EFAULT) from a failed user copy"
			return 1
		}
		nothing_loaded || {
			echo "a failed load left mymem behind"
			return 1
		}
		;;
	"missed 0") rmmod mymem && nothing_loaded || return ;;
	*)
		echo "load failed with errno $2 with no fault injected"
		return 1
		;;
	esac
	no_reports "$marker"
}

# The walk ended at a load that reached no N-th allocation, and every
# load before it had its fault injected: at least one, or the walk
# tested no error path.
walk_complete() {
	[ "$outcome" = "missed 0" ] && [ "$n" -gt 1 ]
}

# kmemleak: suspects must be older than 5 s; the second scan drops the
# ones that were only in flight (see vm/run.sh).
no_leaks() {
	sleep 5
	echo scan >"$DBG/kmemleak" && echo scan >"$DBG/kmemleak" &&
		cat "$DBG/kmemleak" && [ -z "$(cat "$DBG/kmemleak")" ]
}

tap_begin
if [ ! -e "$DBG/failslab" ] || [ ! -e "$DBG/fail_page_alloc" ] ||
	[ ! -e "$DBG/kmemleak" ] || [ ! -e /proc/thread-self/fail-nth ]; then
	tap_skip "fault injection at load" \
		"the kernel has no failslab, fail_page_alloc or kmemleak (KERNEL=debug has)"
	tap_done
	exit
fi
tap_check "set up failslab and fail_page_alloc" setup_injection
tap_check "mymem is not loaded" nothing_loaded

# A failed vmalloc() warns with a stack dump: keep those off the console,
# where vm/run.sh would take them for a problem; no_reports checks the
# kernel log of each load, from its marker on.  Errors
# (KASAN, UBSAN reports, BUG()) still reach the console.
read -r loglevel _ </proc/sys/kernel/printk
echo 4 >/proc/sys/kernel/printk
n=1
while [ $n -le $MAX_N ]; do
	tap_check "fail-nth $n" try $n
	# Past a failure, mymem may be left loaded and every later load
	# would fail for that alone.
	if [ "$tap_status" -ne 0 ] || [ "$outcome" = "missed 0" ]; then
		break
	fi
	n=$((n + 1))
done
echo "$loglevel" >/proc/sys/kernel/printk

tap_check "the walk injects faults and ends at a load with none injected" \
	walk_complete
[ "$outcome" != "missed 0" ] ||
	echo "# $((n - 1)) allocation points in a load of $(basename "$KO")"

tap_check "kmemleak: nothing leaked" no_leaks
tap_done
