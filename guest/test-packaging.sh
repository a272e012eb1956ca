#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest half of packaging/test-packaging.sh, run as root by vm/run.sh in
# a fresh guest, which is the "real machine" here.  Prints TAP.
#
#   guest/test-packaging.sh [SUFFIX]
#
# SUFFIX: the compression DKMS gave the modules for this kernel (.xz on
# 6.12, none on 6.1), as the host found it.
#
# What the host packed:
#   /                   the tree of make install DESTDIR=... (no depmod yet)
#   /stage/dkms/KVER/   the module tree dkms.sh install DESTDIR=... made
#   /mymem/{packaging/install.sh,experiments/host.sh,guest/measure.sh,
#   guest/bench-env.sh,lib/script.sh,tap/tap.sh}
#                       at their paths in the repository, where host.sh
#                       finds measure.sh and both find lib/script.sh;
#                       install.sh for uninstall
#   /mymem/ko/          the modules, built for this kernel (HOST_MODULES)
#   /mymem/bin/         the tools
#   /mymem/sbin/setpriv util-linux's (busybox's /bin/setpriv lacks --reuid)
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. /mymem/tap/tap.sh
dkms_suffix=${1:-}
kver=$(uname -r)
mods=/lib/modules/$kver
sysfs=/sys/class/misc/mymem

loaded() {
	[ -e "/sys/module/$1" ]
}

none_loaded() {
	! loaded mymem && ! loaded mymem_test && ! loaded brd
}

# modprobe_test DIR [SUFFIX]: modprobe mymem_test pulls mymem in
# (modules.dep, symbol namespace) from $mods/DIR/mymem.ko[SUFFIX], and its
# selftest passes (mymem_test refuses to load otherwise).
modprobe_test() {
	depmod && modprobe mymem_test run=selftest && loaded mymem &&
		[ "$(modinfo -n mymem)" = "$mods/$1/mymem.ko${2:-}" ]
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
		/usr/local/bin/mymem-race -q -m fetch_add -w 2 -n 100 >/dev/null
}

unload_both() {
	modprobe -r mymem_test mymem && ! loaded mymem_test && ! loaded mymem
}

# What make uninstall (install.sh, no DESTDIR) leaves: nothing of mymem.
uninstall() {
	KVER=$kver /mymem/packaging/install.sh uninstall &&
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

# refused PATTERN SETUP [PREFIX...]: host.sh check, run by PREFIX after
# SETUP in a private mount namespace, fails with exit status 1 and one
# line on stderr that matches PATTERN.  The fake machine states are
# mounts over the real files, gone with the namespace.
refused() {
	local pattern=$1 setup=$2 err status
	shift 2
	err=$(unshare -m --propagation private bash -c "set -e; $setup
		exec $* /mymem/experiments/host.sh check" 2>&1 >/dev/null)
	status=$?
	echo "status $status: $err"
	[ "$status" -eq 1 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q "$pattern" <<<"$err"
}

# The guest has no headers: HOST_MODULES stands in.  Nothing of mymem
# is loaded or installed here, brd is not loaded, debugfs is mounted.
clean="export HOST_MODULES=/mymem/ko"
no_headers="unset HOST_MODULES"
efi_sb="$clean; mount -t tmpfs none /sys/firmware; mkdir -p /sys/firmware/efi/efivars
	printf '\\6\\0\\0\\0\\1' >/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
mokutil_sb="$clean; mkdir -p /tmp/fakebin; printf '#!/bin/sh\\necho SecureBoot enabled\\n' >/tmp/fakebin/mokutil
	chmod +x /tmp/fakebin/mokutil; PATH=/tmp/fakebin:\$PATH"
sig_enforce="$clean; mount -t tmpfs none /sys/module/module/parameters
	echo Y >/sys/module/module/parameters/sig_enforce"
lockdown="$clean; mount -t tmpfs none /sys/kernel/security
	echo 'none [integrity] confidentiality' >/sys/kernel/security/lockdown"
installed="$clean; mount -t tmpfs none /lib/modules; mkdir -p $mods/updates
	cp /mymem/ko/mymem.ko $mods/updates/; depmod $kver 2>/dev/null"
no_debugfs="$clean; umount /sys/kernel/debug"

# The clean guest passes the check: each refusal above is its setup's.
check_passes() {
	unshare -m --propagation private bash -c "set -e; $clean
		exec /mymem/experiments/host.sh check"
}

# refused_while_loaded MODULE PATTERN LOAD...: with MODULE really loaded
# by LOAD, host.sh check is refused; MODULE is unloaded again.
refused_while_loaded() {
	local module=$1 pattern=$2 status
	shift 2
	"$@" || return
	refused "$pattern" "$clean"
	status=$?
	rmmod "$module" && return $status
}

# A small run's parameters (experiments/params.sh).
small_run="bench_sizes=1,64,1024,65536,524288 amortised_sizes=1,64 amortised_per_call=1,4,16,64,256 trials=5 runs=1 scale_size=524288 workers=2 iters=100 sweep_workers=1,2 sweep_iters=100"

# host.sh run with a small bench: results come back, and afterwards
# nothing is loaded and nothing of mymem is left in the module tree.
host_run() {
	mkdir -p /tmp/raw &&
		HOST_MODULES=/mymem/ko /mymem/experiments/host.sh run /tmp/raw bench $small_run &&
		[ -s /tmp/raw/bench-user.csv ] && [ -s /tmp/raw/bench-kernel.csv ] &&
		grep -q 'modprobe -r mymem_test' /tmp/raw/modorder.txt &&
		none_loaded && [ ! -e "$mods/extra" ] &&
		! grep -q mymem "$mods/modules.dep"
}

# host_run_stopped STATUS ACTION: host.sh run, with a mymem-bench that
# notes what is loaded, runs the shell command ACTION and fails, so the
# run stops midway with mymem and brd loaded: host.sh exits with STATUS
# and leaves, as when it succeeds, nothing loaded or installed.
host_run_stopped() {
	local want=$1 action=$2 stub=/tmp/stub status
	mkdir -p $stub/bin /tmp/raw-stopped &&
		printf '#!/bin/sh\ncut -d" " -f1 /proc/modules >%s/loaded\n%s\nexit 1\n' \
			$stub "$action" >$stub/bin/mymem-bench &&
		chmod +x $stub/bin/mymem-bench || return
	# BUILD/bin comes first in host.sh's PATH.
	BUILD=$stub HOST_MODULES=/mymem/ko /mymem/experiments/host.sh run \
		/tmp/raw-stopped bench $small_run &
	echo $! >$stub/host.pid
	wait $!
	status=$?
	echo "host.sh run: exit status $status; loaded midway:" $(cat $stub/loaded)
	[ $status -eq "$want" ] && grep -qx mymem $stub/loaded &&
		grep -qx brd $stub/loaded && none_loaded &&
		[ ! -e "$mods/extra" ] && ! grep -q mymem "$mods/modules.dep"
}

tap_begin
tap_check "make install: modprobe mymem_test run=selftest loads mymem first" modprobe_test updates
tap_check "/dev/mymem has mode 0666" device_mode
tap_check "sysfs counters move after a write and a read" counters_move
tap_check "installed mymem-bench and mymem-race run" installed_tool
tap_check "modprobe -r mymem_test mymem unloads both" unload_both
tap_check "make uninstall leaves nothing of mymem" uninstall
tap_check "DKMS modules in updates/dkms" dkms_modules_in
tap_check "DKMS: modprobe mymem_test run=selftest loads mymem first" modprobe_test updates/dkms "$dkms_suffix"
tap_check "DKMS: modprobe -r mymem_test mymem unloads both" unload_both
tap_check "DKMS modules out: modprobe finds no mymem" dkms_modules_out
tap_check "HOST=1 check passes on a clean machine" check_passes
tap_check "HOST=1 refuses: no headers" refused "no headers" "$no_headers"
tap_check "HOST=1 refuses: not root" refused "must run as root" "$clean" \
	/mymem/sbin/setpriv --reuid=65534 --regid=65534 --clear-groups
tap_check "HOST=1 refuses: Secure Boot (efivars)" refused "Secure Boot" "$efi_sb"
tap_check "HOST=1 refuses: Secure Boot (mokutil)" refused "Secure Boot" "$mokutil_sb"
tap_check "HOST=1 refuses: module.sig_enforce" refused "sig_enforce" "$sig_enforce"
tap_check "HOST=1 refuses: lockdown" refused "lockdown" "$lockdown"
tap_check "HOST=1 refuses: mymem loaded" refused_while_loaded mymem "already loaded" \
	insmod /mymem/ko/mymem.ko
tap_check "HOST=1 refuses: mymem installed" refused "is installed in" "$installed"
tap_check "HOST=1 refuses: brd loaded" refused_while_loaded brd "brd is loaded" modprobe brd
tap_check "HOST=1 refuses: no debugfs" refused "debugfs" "$no_debugfs"
tap_check "host.sh run: experiments, then nothing loaded or left" host_run
tap_check "host.sh run failing midway: nothing loaded or left" host_run_stopped 1 :
tap_check "host.sh run killed midway (SIGTERM): nothing loaded or left" \
	host_run_stopped 143 'kill -TERM "$(cat /tmp/stub/host.pid)"'
tap_done
