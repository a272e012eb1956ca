#!/usr/bin/env bash
# TAP tests of the packaging: man pages, make install/uninstall, DKMS and
# the refusals of make run HOST=1 on the host, then one guest that loads
# what make install and DKMS installed (scripts/test-packaging-guest.sh).
#
#   scripts/test-packaging.sh          (root: DKMS and the VM need it)
#
# Nothing on the host changes: install and DKMS go to staging directories
# (DESTDIR), the fake machine states of the HOST=1 checks live in private
# mount namespaces, and only `host.sh check` runs on the host, never
# `host.sh run`.  Needs what make builds: $BUILD/bin, kernel/*.ko.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
BUILD=${BUILD:-$repo/build}
export BUILD
PATH=$PATH:/usr/sbin:/sbin
# shellcheck source=tests/tap.sh
. tests/tap.sh

# Packaging is for distribution kernels, whose headers are in
# /lib/modules/KVER/build; the debug builds are not there.
case "${KERNEL:=6.1}" in debug | kcsan) KERNEL=6.1 ;; esac
export KERNEL
kver=$(vm/kernel.sh kver) || exit 1
stage=$tap_tmp/stage
host_kver=$(uname -r)

# --- man pages -----------------------------------------------------------

# Every long option of --help is in the page.
man_has_options() {
	local tool=$1 opt opts text
	text=$(LC_ALL=C MANWIDTH=200 man -l "man/$tool.1" 2>/dev/null)
	opts=$("$BUILD/bin/$tool" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
	# An empty list (--help failed, printed nothing) would check nothing.
	[ -n "$opts" ] || { echo "$tool --help lists no options"; return 1; }
	for opt in $opts; do
		grep -qF -- "$opt" <<<"$text" || { echo "$tool.1 lacks $opt"; return 1; }
	done
}

# --- make install --------------------------------------------------------

installed_files() {
	(cd "$1" && find . ! -type d | sort)
}

install_staged() {
	make -s install DESTDIR="$stage/install" KVER="$kver" &&
		diff <(installed_files "$stage/install") - <<EOF
./lib/modules/$kver/updates/mymem.ko
./lib/modules/$kver/updates/mymem_test.ko
./usr/local/bin/mymem-bench
./usr/local/bin/mymem-race
./usr/local/share/man/man1/mymem-bench.1
./usr/local/share/man/man1/mymem-race.1
./usr/local/share/man/man4/mymem.4
EOF
}

# The modules are built for KVER, not for the VM's kernel by accident.
install_vermagic() {
	modinfo -F vermagic "$stage/install/lib/modules/$kver/updates/mymem.ko" |
		grep -q "^$kver "
}

# uninstall takes exactly that: staged into a copy, nothing is left.
uninstall_staged() {
	cp -a "$stage/install" "$stage/uninstall" &&
		make -s uninstall DESTDIR="$stage/uninstall" KVER="$kver" &&
		[ -z "$(installed_files "$stage/uninstall")" ]
}

# --- DKMS ----------------------------------------------------------------

host_state() {
	ls -d /usr/src/mymem-* /var/lib/dkms/mymem 2>/dev/null
	md5sum "/lib/modules/$kver/modules.dep"
	find "/lib/modules/$kver" -name 'mymem*'
}

dkms_install_staged() {
	DESTDIR=$stage/dkms KVER=$kver scripts/dkms.sh install >"$stage/dkms.log" 2>&1 ||
		{ cat "$stage/dkms.log"; return 1; }
	grep -q "^mymem/$(cat VERSION), $kver, .*: installed" "$stage/dkms.log" &&
		[ -f "$stage/dkms/lib/modules/$kver/updates/dkms/mymem.ko" ] &&
		[ -f "$stage/dkms/lib/modules/$kver/updates/dkms/mymem_test.ko" ] &&
		[ -f "$stage/dkms/usr/src/mymem-$(cat VERSION)/dkms.conf" ]
}

# The guest gets the modules DKMS installed; remove runs on a copy.
dkms_remove_staged() {
	cp -a "$stage/dkms" "$stage/dkms-removed" &&
		DESTDIR=$stage/dkms-removed scripts/dkms.sh remove >/dev/null &&
		[ -z "$(find "$stage/dkms-removed" -name '*mymem*')" ]
}

# --- HOST=1 refusals -------------------------------------------------------

# refused PATTERN SETUP: host.sh check, after SETUP in a private mount
# namespace, fails with one line on stderr that matches PATTERN.
refused() {
	local pattern=$1 setup=$2 err status
	err=$(unshare -m --propagation private bash -c "set -e; $setup
		exec scripts/host.sh check" 2>&1 >/dev/null)
	status=$?
	echo "status $status: $err"
	[ "$status" -eq 1 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q "$pattern" <<<"$err"
}

# Set-ups that get past the earlier checks: headers (HOST_MODULES stands
# in), no Secure Boot, no lockdown, nothing loaded or installed, debugfs.
# An empty /lib/modules: no headers, nothing installed.
no_headers="mount -t tmpfs none /lib/modules; unset HOST_MODULES"
clean_sys="export HOST_MODULES=$stage/none
	mount -t tmpfs none /sys/firmware; mount -t tmpfs none /sys/kernel/security
	mount -t tmpfs none /sys/module; mount -t tmpfs none /lib/modules
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug"
efi_sb="$clean_sys; mkdir -p /sys/firmware/efi/efivars
	printf '\\6\\0\\0\\0\\1' >/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
mokutil_sb="$clean_sys; mkdir $tap_tmp/bin; printf '#!/bin/sh\\necho SecureBoot enabled\\n' >$tap_tmp/bin/mokutil
	chmod +x $tap_tmp/bin/mokutil; PATH=$tap_tmp/bin:\$PATH"
sig_enforce="$clean_sys; mkdir -p /sys/module/module/parameters; echo Y >/sys/module/module/parameters/sig_enforce"
lockdown="$clean_sys; echo 'none [integrity] confidentiality' >/sys/kernel/security/lockdown"
loaded="$clean_sys; mkdir /sys/module/mymem"
installed="$clean_sys; mkdir -p /lib/modules/$host_kver/updates
	cp kernel/mymem.ko /lib/modules/$host_kver/updates/; depmod $host_kver 2>/dev/null"
brd="$clean_sys; mkdir /sys/module/brd"
no_debugfs="$clean_sys; umount /sys/kernel/debug"

# make run HOST=1 as a user stops at once and leaves results/ alone.
host_run_as_user() {
	local res=$tap_tmp/res err
	mkdir -p "$res/raw" && touch "$res/raw/kept" &&
		chmod -R a+rwX "$tap_tmp" || return
	if err=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		make -s run HOST=1 RESULTS="$res" 2>&1); then
		return 1
	fi
	grep -q '^host: must run as root' <<<"$err" && [ -e "$res/raw/kept" ]
}

# --- the guest -------------------------------------------------------------

guest() {
	local start=$SECONDS status
	vm/run.sh --timeout 300 \
		--add "$stage/install=/" \
		--add "$stage/dkms/lib/modules=/stage/dkms" \
		--add scripts/install.sh=/mymem/scripts/install.sh \
		--add scripts/host.sh=/mymem/scripts/host.sh \
		--add scripts/experiments.sh=/mymem/scripts/experiments.sh \
		--add kernel/mymem.ko=/mymem/ko/mymem.ko \
		--add kernel/mymem_test.ko=/mymem/ko/mymem_test.ko \
		--add "$BUILD/bin=/mymem/bin" \
		--add tests/tap.sh=/mymem/tests/tap.sh \
		--add "$(command -v setpriv)=/mymem/sbin/setpriv" \
		-- scripts/test-packaging-guest.sh
	status=$?
	echo "# VM run: $((SECONDS - start)) s, boot included"
	return $status
}

tap_begin
tap_check "man pages: no groff or mandoc warnings" scripts/check-man.sh
tap_check "mymem-bench(1) has every option of --help" man_has_options mymem-bench
tap_check "mymem-race(1) has every option of --help" man_has_options mymem-race
before=$(host_state)
tap_check "make install DESTDIR=...: exactly the 7 files" install_staged
tap_check "make install KVER=$kver: modules built for $kver" install_vermagic
tap_check "make uninstall DESTDIR=...: nothing left" uninstall_staged
tap_check "dkms.sh install DESTDIR=... KVER=$kver: built, installed" dkms_install_staged
tap_check "dkms.sh remove DESTDIR=...: nothing of mymem left" dkms_remove_staged
tap_check "install and DKMS left the host's module tree, /usr/src, /var/lib/dkms alone" \
	test "$before" = "$(host_state)"
tap_check "HOST=1 refuses: not root (make run as nobody, results/ kept)" host_run_as_user
tap_check "HOST=1 refuses: no headers" refused "no headers" "$no_headers"
tap_check "HOST=1 refuses: Secure Boot (efivars)" refused "Secure Boot" "$efi_sb"
tap_check "HOST=1 refuses: Secure Boot (mokutil)" refused "Secure Boot" "$mokutil_sb"
tap_check "HOST=1 refuses: module.sig_enforce" refused "sig_enforce" "$sig_enforce"
tap_check "HOST=1 refuses: lockdown" refused "lockdown" "$lockdown"
tap_check "HOST=1 refuses: mymem loaded" refused "already loaded" "$loaded"
tap_check "HOST=1 refuses: mymem installed" refused "is installed in" "$installed"
tap_check "HOST=1 refuses: brd loaded" refused "brd is loaded" "$brd"
tap_check "HOST=1 refuses: no debugfs" refused "debugfs" "$no_debugfs"
tap_check "HOST=1 check passes on a clean machine" \
	unshare -m --propagation private bash -c "set -e; $clean_sys
		exec scripts/host.sh check"
tap_nest "guest: installed modules, DKMS modules, host mode" guest
tap_done
