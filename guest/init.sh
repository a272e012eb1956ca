#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154,SC2094 # job_tty, control_tty, job: vm/run.sh's; the ports are ttys, not files
# PID 1 of the mymem guest, packed as /init by vm/run.sh, which writes
# /etc/mymem-ports and /etc/mymem-job beside it.  It must never exit
# (that panics the kernel), so errors are reported, not fatal.
export PATH=/mymem/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
# The job's and the control port (vm/run.sh: serial or virtio consoles).
# shellcheck source=/dev/null # written by vm/run.sh
. /etc/mymem-ports
# virtio consoles: their ports appear shortly after the driver loads,
# forget their settings at the last close (so the job and the control
# block set them again while they hold them open) and have no speed.
if [ "$job_tty" = /dev/hvc0 ]; then
	modprobe -a virtio_pci virtio_console
	n=0
	while [ ! -e "$control_tty" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
fi
# Raw ports: no \n -> \r\n, no echo, 8-bit clean.
stty -F "$job_tty" 115200 raw -echo
stty -F "$control_tty" 115200 raw -echo

status=0
if ! grep -qw mymem.probe /proc/cmdline; then
	# shellcheck source=/dev/null # written by vm/run.sh
	. /etc/mymem-job
	echo "mymem-vm: job $job starts" >/dev/kmsg
	# The job's stdout is the raw tty, so its stdio is line-buffered
	# and its output shows as it goes.  Closing the port (last user)
	# waits until the UART has sent everything, so no output is lost
	# to the power-off below.
	(cd / && stty -F "$job_tty" raw -echo && exec "$job" "$@") \
		</dev/null >"$job_tty" 2>&1
	status=$?
	echo "mymem-vm: job exited with status $status" >/dev/kmsg
	# A kernel with kmemleak (KERNEL=debug; its automatic scan is off)
	# is scanned once the job is done.  Only objects older than 5 s
	# (kmemleak's minimum age) can be suspects, hence the wait, so that
	# a leak of the job's last moments counts; the second scan drops
	# suspects that were only in flight during the first.  The list
	# goes to the console (pr_info would stay below loglevel), where
	# run.sh finds "unreferenced object".
	# A kmemleak that disabled itself (its pool ran out) refuses to
	# scan: that must fail the run too, not pass unchecked.
	if [ -w /sys/kernel/debug/kmemleak ]; then
		sleep 5
		if echo scan >/sys/kernel/debug/kmemleak &&
			echo scan >/sys/kernel/debug/kmemleak; then
			cat /sys/kernel/debug/kmemleak >/dev/console
		else
			echo "kmemleak: scan failed" >/dev/console
		fi
	fi
fi
{
	stty -F "$control_tty" raw -echo
	if [ -n "$(ls -A /results)" ]; then
		echo @@mymem-results-begin
		tar -C /results -czf - . | base64
		echo @@mymem-results-end
	fi
	echo "@@mymem-exit $status"
} >"$control_tty"
poweroff -f
