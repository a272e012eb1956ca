#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The mymem test suite, run as root in the guest by tests/suite.sh (through
# vm/run.sh).  Prints TAP; exits non-zero if anything failed.
#
# The modules are in /mymem, the test programs and tap.sh in
# $MYMEM_TESTS (default /mymem/tests); /results is copied back.
#
# Order: the tests of the device with mymem loaded once at the default
# size, then the in-kernel selftest and race, then lifecycle_test,
# lifetime_test and consumer_test, which load and unload mymem
# themselves and so must disturb nothing after them.
T=${MYMEM_TESTS:-/mymem/tests}
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. "$T/tap.sh"

W=$tap_tmp	# scratch files, removed on exit by tap.sh

# Bytes the device holds: cat reads until read() returns 0.
device_size() {
	[ "$(wc -c </dev/mymem)" -eq "$SIZE" ]
}

# A random region's worth in with dd, out with cat: the same bytes.
roundtrip_whole() {
	dd if=/dev/urandom of="$W/model" bs=4096 count=$((SIZE / 4096)) &&
		dd if="$W/model" of=/dev/mymem bs=4096 &&
		cat /dev/mymem >"$W/out" &&
		cmp "$W/model" "$W/out"
}

# Pieces written with dd bs/seek/count land where the same dd puts them
# in a regular file, the last one at the very end; dd skip reads back.
# Starts where roundtrip_whole left: $W/model holds the device's bytes.
roundtrip_pieces() {
	dd if=/dev/urandom of="$W/piece" bs=1000 count=3 || return
	for args in "bs=1000 seek=7 count=3" "bs=1 seek=3 count=5" \
		"bs=512 seek=$((SIZE / 512 - 1)) count=1"; do
		# shellcheck disable=SC2086 # args are words
		dd if="$W/piece" of=/dev/mymem $args conv=notrunc &&
			dd if="$W/piece" of="$W/model" $args conv=notrunc ||
			return
	done
	cmp "$W/model" /dev/mymem &&
		dd if=/dev/mymem bs=1000 skip=7 count=3 | cmp - "$W/piece"
}

# A read that starts before the end returns what is left, no more.
read_at_end() {
	[ "$(dd if=/dev/mymem bs=1000 skip=$((SIZE / 1000)) | wc -c)" -eq \
		$((SIZE % 1000)) ] &&
		[ "$(dd if=/dev/mymem bs=4096 skip=$((SIZE / 4096)) | wc -c)" -eq 0 ]
}

# expect_enospc CMD...: CMD fails and says why.
expect_enospc() {
	! "$@" 2>"$W/err" && grep "No space left on device" "$W/err"
}

cat_to_device() {
	cat "$1" >/dev/mymem
}

# Past the end nothing goes in; more than fits fills the region first.
write_past_end() {
	expect_enospc dd if=/dev/zero of=/dev/mymem bs=4096 \
		seek=$((SIZE / 4096)) count=1 &&
		tr '\0' z </dev/zero | head -c $((SIZE + 1)) >"$W/big" &&
		expect_enospc cat_to_device "$W/big" &&
		head -c "$SIZE" "$W/big" | cmp - /dev/mymem
}

# mymem_test loaded with PARAMS, its KTAP relayed from the kernel log:
# timestamps and the "mymem_test: " prefix stripped.
mymem_test() {
	before=$(dmesg | wc -l)
	insmod /mymem/mymem_test.ko "$@"
	status=$?
	dmesg | tail -n +$((before + 1)) |
		sed -n 's/^\[[^]]*\] mymem_test: //p'
	return $status
}

# Which of the kernel's memory checks this boot has: SLUB debugging and
# page poisoning (vm/run.sh --checks) on a distro kernel, KASAN on
# KERNEL=debug, SLUB debugging on KERNEL=kcsan (built without page
# poisoning or KASAN), KFENCE where the kernel has it.  Those of its
# kernel must be on, or a green run says nothing of overruns and use
# after free.
memory_checks() {
	# (kmalloc-128: arm64 6.1 has no smaller kmalloc cache)
	slab=/sys/kernel/slab/kmalloc-128
	on=""
	[ "$(cat $slab/sanity_checks $slab/red_zone $slab/poison \
		$slab/store_user 2>/dev/null | tr -d '\n')" = 1111 ] &&
		on="$on slub_debug=FZPU"
	dmesg | grep -q "CONFIG_PAGE_POISONING is on" && on="$on page_poison"
	dmesg | grep -q "KernelAddressSanitizer initialized" && on="$on KASAN"
	interval=$(cat /sys/module/kfence/parameters/sample_interval 2>/dev/null)
	[ "${interval:-0}" = 0 ] || on="$on KFENCE(${interval}ms)"
	echo "${on# }"
	case $(uname -r) in
	*-mymem-debug) need="*KASAN*" ;;
	*-mymem-kcsan) need="*slub_debug*" ;;
	*) need="*slub_debug*page_poison*" ;;
	esac
	# shellcheck disable=SC2254 # a pattern
	case $on in $need) ;; *) return 1 ;; esac
}

# Issue 20 finding 3: nothing under mymem.lock allocates.  An allocation
# that may reclaim takes lockdep's fs_reclaim pseudo-lock (might_alloc()),
# so one made holding mymem.lock records the dependency
# "&mymem.lock -> fs_reclaim" in /proc/lockdep, with no report (reclaim
# never takes mymem.lock); at b61909b 6.1's splice read made it.  Run
# after every caller of the device and the API, before mymem (and its
# lock class) goes.  An empty record proves nothing: the class must be
# there, with lockdep still on.
no_alloc_under_lock() {
	grep -q '^ *debug_locks: *1$' /proc/lockdep_stats || {
		echo "lockdep is off: its record is incomplete"
		return 1
	}
	# The class's line, then its direct dependencies up to a blank line.
	awk '/: &mymem\.lock$/ && !/ -> / { p = 1 } p { print }
		p && /^$/ { exit }' /proc/lockdep >"$W/deps"
	cat "$W/deps"
	[ -s "$W/deps" ] && ! grep -q ' fs_reclaim$' "$W/deps"
}

tap_begin
# The whole kernel log, kept in /results, against vm/run.sh's report
# lines: the console it scans shows only messages above loglevel 6
# (kmemleak's pr_info, for one, is not), and tests/faultinject.sh lowers
# it further during its run.
FAULTINJECT_BEGINS="mymem-suite: fault injection begins"
FAULTINJECT_ENDS="mymem-suite: fault injection ends"
kernel_log_clean() {
	dmesg >/results/dmesg.txt
	! sed "/$FAULTINJECT_BEGINS\$/,/$FAULTINJECT_ENDS\$/d" /results/dmesg.txt |
		grep -E -f "$T/kernel-problems.txt"
}

memory_checks >"$W/checks"
tap_result $? "the kernel's memory checks are on: $(cat "$W/checks")"
tap_check "load mymem.ko" insmod /mymem/mymem.ko
# The region's size, as the device states it; the shell checks below
# hold it to that.
SIZE=$(cat /sys/class/misc/mymem/size)
for prog in rw_test seek_test ioctl_test mmap_test open_test; do
	tap_nest "$prog" "$T/$prog"
	tap_nest "$prog (-m32)" "$T/${prog}_32"
done
tap_nest race_test "$T/race_test"
tap_nest datapath_test "$T/datapath_test"
tap_nest iopaths_test "$T/iopaths_test"
tap_check "shell: cat reads $SIZE bytes" device_size
tap_check "shell: dd in, cat out, cmp" roundtrip_whole
tap_check "shell: dd pieces with bs/seek/count/skip" roundtrip_pieces
tap_check "shell: dd reads stop at the end" read_at_end
tap_check "shell: writing past the end: No space left on device" write_past_end
tap_nest "mymem_test run=selftest" mymem_test run=selftest
tap_check "unload mymem_test" rmmod mymem_test
# The API under concurrency: 8 kthreads x 20,000 increments of one word,
# each mode once; the count must be exact (unlocked: below, and never
# above).
tap_nest "mymem_test run=race: 8 kthreads, every mode" \
	mymem_test run=race workers=8 iters=20000 runs=1
# Its CSV and the bench's: report/test-formats.sh checks them on the host.
tap_check "mymem_test run=race: the results file" \
	cp /sys/kernel/debug/mymem_test/results /results/race-kernel.csv
tap_check "unload mymem_test" rmmod mymem_test
tap_nest "mymem_test run=bench: 10 trials of 1 and 4096 bytes" \
	mymem_test run=bench trials=10 sizes=1,4096
tap_check "mymem_test run=bench: the results file" \
	cp /sys/kernel/debug/mymem_test/results /results/bench-kernel.csv
tap_check "unload mymem_test" rmmod mymem_test
if [ -e /proc/lockdep ]; then
	tap_check "lockdep: no allocation that may reclaim under mymem.lock" \
		no_alloc_under_lock
else
	tap_skip "lockdep: no allocation that may reclaim under mymem.lock" \
		"no /proc/lockdep (KERNEL=debug has lockdep)"
fi
tap_check "unload mymem" rmmod mymem
# Loads and unloads mymem itself too; on KERNEL=debug only (else a SKIP).
# It checks its own part of the kernel log, where warnings are expected.
echo "$FAULTINJECT_BEGINS" >/dev/kmsg
tap_nest "fault injection at load" "$T/faultinject.sh"
echo "$FAULTINJECT_ENDS" >/dev/kmsg
tap_nest lifecycle_test "$T/lifecycle_test"
tap_nest lifetime_test "$T/lifetime_test"
# Last: a GPL-incompatible load taints the kernel (lockdep goes off).
tap_nest consumer_test "$T/consumer_test"
tap_check "kernel log: no report (vm/kernel-problems.txt), below the console's level too" \
	kernel_log_clean
tap_done
