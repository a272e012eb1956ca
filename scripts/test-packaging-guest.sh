#!/bin/bash
# The guest half of scripts/test-packaging.sh, run as root by vm/run.sh in
# a fresh guest, which is the "real machine" here.  Prints TAP.
#
# What the host packed:
#   /                   the tree of make install DESTDIR=... (no depmod yet)
#   /stage/dkms/KVER/   the module tree dkms.sh install DESTDIR=... made
#   /mymem/scripts/     install.sh (for uninstall), host.sh, experiments.sh
#   /mymem/ko/          the modules, built for this kernel (HOST_MODULES)
#   /mymem/bin/         the tools
#   /mymem/sbin/setpriv util-linux's (busybox's /bin/setpriv lacks --reuid)
set -uo pipefail

# shellcheck source=tests/tap.sh
. /mymem/tests/tap.sh
kver=$(uname -r)
mods=/lib/modules/$kver
sysfs=/sys/class/misc/mymem

loaded() {
	[ -e "/sys/module/$1" ]
}

none_loaded() {
	! loaded mymem && ! loaded mymem_test && ! loaded brd
}

# modprobe mymem_test pulls mymem in (modules.dep, symbol namespace), and
# its selftest passes (mymem_test refuses to load otherwise).
modprobe_test() {
	depmod && modprobe mymem_test run=selftest && loaded mymem &&
		[ "$(modinfo -n mymem)" = "$mods/$1/mymem.ko" ]
}

device_mode() {
	[ "$(stat -c %a /dev/mymem)" = 666 ]
}

counter() {
	cat "$sysfs/$1"
}

# One write of 5 bytes and a read of them move the four counters.
counters_move() {
	local r w br bw
	r=$(counter reads) w=$(counter writes)
	br=$(counter bytes_read) bw=$(counter bytes_written)
	printf hello >/dev/mymem &&
		[ "$(head -c 5 /dev/mymem)" = hello ] &&
		[ "$(counter writes)" -eq $((w + 1)) ] &&
		[ "$(counter bytes_written)" -eq $((bw + 5)) ] &&
		[ "$(counter reads)" -gt "$r" ] &&
		[ "$(counter bytes_read)" -ge $((br + 5)) ]
}

installed_tool() {
	/usr/local/bin/mymem-bench -q --csv -t mymem -s 64 -n 10 >/dev/null &&
		/usr/local/bin/mymem-race -q -m ioctl -w 2 -n 100 >/dev/null
}

unload_both() {
	modprobe -r mymem_test mymem && ! loaded mymem_test && ! loaded mymem
}

# What make uninstall (install.sh, no DESTDIR) leaves: nothing of mymem.
uninstall() {
	KVER=$kver /mymem/scripts/install.sh uninstall &&
		[ -z "$(find "$mods" /usr/local -name '*mymem*')" ] &&
		! grep -q mymem "$mods/modules.dep" &&
		! modinfo mymem >/dev/null 2>&1
}

dkms_modules_in() {
	mkdir -p "$mods/updates" && cp -R "/stage/dkms/$kver/updates/dkms" "$mods/updates/"
}

dkms_modules_out() {
	rm -rf "$mods/updates/dkms" && depmod && ! modinfo mymem >/dev/null 2>&1
}

# host.sh check fails with one line that matches $1.
host_refuses() {
	local pattern=$1 err
	shift
	if err=$("$@" /mymem/scripts/host.sh check 2>&1); then
		return 1
	fi
	echo "$err"
	[ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q "$pattern"
}

host_refuses_loaded() {
	local status
	insmod /mymem/ko/mymem.ko || return
	host_refuses "already loaded" env HOST_MODULES=/mymem/ko
	status=$?
	rmmod mymem && return $status
}

as_nobody() {
	/mymem/sbin/setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# host.sh run with a small bench: results come back, and afterwards
# nothing is loaded and nothing of mymem is left in the module tree.
host_run() {
	mkdir -p /tmp/raw &&
		HOST_MODULES=/mymem/ko /mymem/scripts/host.sh run /tmp/raw bench 5 2 100 1 100 &&
		[ -s /tmp/raw/bench-user.csv ] && [ -s /tmp/raw/bench-kernel.csv ] &&
		grep -q 'modprobe -r mymem_test' /tmp/raw/modorder.txt &&
		none_loaded && [ ! -e "$mods/extra" ] &&
		! grep -q mymem "$mods/modules.dep"
}

tap_begin
tap_check "make install: modprobe mymem_test run=selftest loads mymem first" modprobe_test updates
tap_check "/dev/mymem has mode 0666" device_mode
tap_check "sysfs counters move after a write and a read" counters_move
tap_check "installed mymem-bench and mymem-race run" installed_tool
tap_check "modprobe -r mymem_test mymem unloads both" unload_both
tap_check "make uninstall leaves nothing of mymem" uninstall
tap_check "DKMS modules in updates/dkms" dkms_modules_in
tap_check "DKMS: modprobe mymem_test run=selftest loads mymem first" modprobe_test updates/dkms
tap_check "DKMS: modprobe -r mymem_test mymem unloads both" unload_both
tap_check "DKMS modules out: modprobe finds no mymem" dkms_modules_out
tap_check "host.sh refuses: no headers" host_refuses "no headers"
tap_check "host.sh refuses: not root" host_refuses "must run as root" as_nobody
tap_check "host.sh refuses: mymem loaded" host_refuses_loaded
tap_check "host.sh run: experiments, then nothing loaded or left" host_run
tap_done
