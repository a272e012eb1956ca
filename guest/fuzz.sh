#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest's side of tests/fuzz.sh, run as root by vm/run.sh:
#
#   guest/fuzz.sh SECS
#
# Loads mymem, runs trinity and then stress-ng on /dev/mymem for SECS
# seconds each, as an unprivileged user, then checks that the device and
# the API still work and that the module unloads.  Prints TAP; the
# fuzzers' logs and the kernel's go to /results.
#
# trinity calls random system calls with random arguments; here it may
# only call those that act on a file descriptor or a mapping, and its
# only files are nodes of /dev/mymem (-V, make_victims(); the other fd
# providers are off but pipes,
# which splice, tee and vmsplice move data through to and from the
# device), so whatever it breaks is ours.  Unprivileged, it cannot reboot, load
# modules or kill what it did not start, and the device is 0666.
T=${MYMEM_TESTS:-/mymem/tests}
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. "$T/tap.sh"

[ $# -eq 1 ] || { echo "usage: guest/fuzz.sh SECS" >&2; exit 64; }
SECS=$1
FUZZ_UID=1000
SYSFS=/sys/class/misc/mymem
W=$tap_tmp

# trinity's descriptor sources but the victim files (-V, the one it
# calls "pseudo") and pipes: all off.
OTHER_FDS=sockets,perf,epoll,eventfd,timerfd,testfile,memfd,drm
OTHER_FDS=$OTHER_FDS,inotify,userfaultfd,fanotify,bpf

# No close, dup2 or dup3: they would take trinity's own descriptors.
SYSCALLS="read write pread64 pwrite64 readv writev preadv pwritev preadv2
pwritev2 lseek llseek ioctl mmap mmap2 munmap mremap mprotect madvise msync
fcntl newfstat fstat64 ftruncate fallocate flock fsync fdatasync poll
splice sendfile tee vmsplice copy_file_range readahead dup io_uring_setup
io_uring_enter"

as_fuzz_user() {
	setpriv --reuid=$FUZZ_UID --regid=$FUZZ_UID --clear-groups "$@"
}

# trinity opens each file of -V once, with random flags, O_PATH among
# them: a run whose one descriptor of /dev/mymem was O_PATH reaches
# nothing (seen: 0 of 908 calls).  So its files are NODES nodes of the
# device, in a directory the fuzz user lists through a supplementary
# group, which trinity does not count as a file of its own: it looks at
# a file's owner, its own primary group and others.
NODES=8
VICTIMS=$W/victims
VICTIMS_GID=1001

make_victims() {
	dev=$(cat $SYSFS/dev) &&
		mkdir "$VICTIMS" && chown 0:$VICTIMS_GID "$VICTIMS" &&
		chmod 750 "$VICTIMS" || return 1
	i=0
	while [ $i -lt $NODES ]; do
		mknod -m 666 "$VICTIMS/mymem$i" c "${dev%:*}" "${dev#*:}" ||
			return 1
		i=$((i + 1))
	done
}

# The device's counters of successful reads and writes, summed.
transfers() {
	echo $(($(cat $SYSFS/reads) + $(cat $SYSFS/writes)))
}

# Every call that reaches the device, failed ones too (which its
# counters leave out), through a kprobe on each of its own file
# operations but open (splice's goes through read_iter): the probes'
# hits (kprobe_profile) count them.  Tracing is off meanwhile: a hit is
# counted, nothing recorded.
TRACING=/sys/kernel/tracing
FOPS="mymem_fop_llseek mymem_fop_read mymem_fop_write mymem_fop_read_iter
mymem_fop_write_iter mymem_fop_ioctl mymem_fop_mmap"

probes_on() {
	{ [ -e $TRACING/kprobe_events ] ||
		mount -t tracefs tracefs $TRACING; } &&
		echo 0 >$TRACING/tracing_on || return 1
	for f in $FOPS; do
		echo "p:mymem/$f $f" >>$TRACING/kprobe_events || return 1
	done
	echo 1 >$TRACING/events/mymem/enable
}

# The probes' hits, "name count" a line; then the probes go, so that
# nothing is left on the module when it unloads.
probes_off() {
	echo 0 >$TRACING/events/mymem/enable
	for f in $FOPS; do
		awk -v f="$f" '$1 == f || $1 == "mymem/" f { print f, $2 }' \
			$TRACING/kprobe_profile
		echo "-:mymem/$f" >>$TRACING/kprobe_events
	done
}

# The processes of the fuzz user, by PID.
fuzz_pids() {
	for s in /proc/[0-9]*/status; do
		if grep -qE "^Uid:[[:space:]]+${FUZZ_UID}[[:space:]]" "$s" 2>/dev/null
		then
			p=${s%/status}
			echo "${p#/proc/}"
		fi
	done
}

# trinity must run until the time limit (timeout's 124): stopping early
# means it gave up (no system call left, a taint it saw), some of its
# system calls must have succeeded (every descriptor it has is
# /dev/mymem's), and its calls must have reached the device (the
# probes' hits).  In a long run it must also have moved data: some reads
# or writes succeeded.  A short one (--quick) may not: with random
# offsets and buffers, a transfer in 10 s is luck (seen: 0 of 38,991
# calls, and 1,542 of 12,560), so its row says so.  Its own counts and
# the device's go to $W/note.
fuzz_trinity() {
	set --
	for c in $SYSCALLS; do
		set -- "$@" -c "$c"
	done
	before=$(transfers)
	make_victims && probes_on || return 1
	# SIGINT, as for a ^C: trinity stops its children and reports.
	(cd "$W/fuzz" && setpriv --reuid=$FUZZ_UID --regid=$FUZZ_UID \
		--groups=$VICTIMS_GID timeout -s INT -k 10 "$SECS" trinity -q \
		-l off -C 2 -V "$VICTIMS" \
		--disable-fds="$OTHER_FDS" \
		"$@") >"$W/trinity.log" 2>&1
	status=$?
	probes_off >"$W/hits"
	reached=$(awk '{ n += $2 } END { print n + 0 }' "$W/hits")
	{
		grep -E 'Added [0-9]+ filenames|Ran [0-9]+ syscalls' "$W/trinity.log"
		echo "device: $reached calls reached it ($(awk '$2 { printf "%s%s %s", s, $1, $2; s = ", " }' "$W/hits"))"
		echo "device: $(($(transfers) - before)) reads and writes done"
	} >"$W/note"
	succeeded=$(sed -n 's/.*Ran [0-9]* syscalls\. Successes: \([0-9]*\).*/\1/p' \
		"$W/trinity.log" | tail -n 1)
	if [ $status -eq 124 ] && [ "${succeeded:-0}" -gt 0 ] &&
		grep -q "Added $NODES filenames from" "$W/trinity.log" &&
		[ "$reached" -gt 0 ] &&
		{ [ "$SECS" -lt 60 ] || [ "$(transfers)" -gt "$before" ]; }; then
		return
	fi
	echo "trinity: status $status, $reached calls reached the device"
	tail -n 20 "$W/trinity.log"
	return 1
}

# stress-ng's device stressor: open, read, poll, lseek, mmap, fcntl and
# the generic ioctls on the device, as fast as it can.  It must say that
# it exercised the device; its counts go to $W/note.
fuzz_stress_ng() {
	(cd "$W/fuzz" && as_fuzz_user timeout -k 10 $((SECS + 30)) stress-ng \
		--dev 2 --dev-file /dev/mymem --timeout "${SECS}s" \
		--metrics-brief) >"$W/stress-ng.log" 2>&1
	status=$?
	grep -E 'devices opened and exercised|\] dev +[0-9]' \
		"$W/stress-ng.log" >"$W/note"
	[ $status -eq 0 ] && grep -q ' 1 of 1 devices opened' "$W/note" &&
		return
	echo "stress-ng: status $status"
	tail -n 20 "$W/stress-ng.log"
	return 1
}

# A region's worth of random bytes in and out again.
roundtrip() {
	head -c "$(cat $SYSFS/size)" /dev/urandom >"$W/model" &&
		cat "$W/model" >/dev/mymem &&
		cmp "$W/model" /dev/mymem
}

# No fuzzer process is left to hold the device (10 s to exit), and then
# the module unloads and its node goes.
unload() {
	i=0
	while [ -n "$(fuzz_pids)" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "still running: $(fuzz_pids)"
			return 1
		fi
		sleep 0.1
	done
	rmmod mymem && [ ! -e /dev/mymem ]
}

echo "fuzz:x:$FUZZ_UID:$FUZZ_UID::/tmp:/bin/sh" >>/etc/passwd
echo "fuzz:x:$FUZZ_UID:" >>/etc/group
echo "victims:x:$VICTIMS_GID:" >>/etc/group
mkdir "$W/fuzz" && chown $FUZZ_UID:$FUZZ_UID "$W/fuzz"
chmod 755 "$W"

tap_begin
tap_check "load mymem.ko" insmod /mymem/mymem.ko
if [ "$SECS" -lt 60 ]; then
	moved="reads and writes not required"
else
	moved="some reads or writes done"
fi
tap_check "trinity, $SECS s, fd and mapping syscalls on $NODES nodes of /dev/mymem: some succeed and reach the device, $moved" \
	fuzz_trinity
sed 's/^/# /' "$W/note"
tap_check "stress-ng --dev, $SECS s, on /dev/mymem" fuzz_stress_ng
sed 's/^/# /' "$W/note"
tap_check "afterwards: a region's worth in and out" roundtrip
for prog in rw_test seek_test ioctl_test mmap_test open_test; do
	tap_nest "afterwards: $prog" "$T/$prog"
done
tap_check "afterwards: mymem_test run=selftest" \
	insmod /mymem/mymem_test.ko run=selftest
tap_check "unload mymem_test" rmmod mymem_test
tap_check "unload mymem: nothing holds it" unload
cp "$W/trinity.log" "$W/stress-ng.log" /results/
dmesg >/results/dmesg.txt
tap_done
