#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TAP tests of the packaging: man pages, make install/uninstall and DKMS
# into staging directories on the host, then one guest that loads what
# they installed and checks make run HOST=1's refusals and its run
# (guest/test-packaging.sh).
#
#   packaging/test-packaging.sh          (root: DKMS and the VM need it)
#
# Nothing on the host changes: install and DKMS go to staging directories
# (DESTDIR).  The HOST=1 checks read the machine's kernel (sysfs, debugfs,
# securityfs, module tree), so they run in the guest, whose kernel is
# known, not on a host whose kernel may lack any of them; on the host only
# "not root" is checked, which reads nothing of the kernel.  The guest
# boots KERNEL and takes the modules that make install built for it.
# Needs what make builds: $BUILD/bin.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
BUILD=${BUILD:-$repo/build}
export BUILD
PATH=$PATH:/usr/sbin:/sbin
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. tap/tap.sh

# Packaging is for distribution kernels, whose headers are in
# /lib/modules/KVER/build; the debug builds are not there.
case "${KERNEL:=6.1}" in debug | kcsan) KERNEL=6.1 ;; esac
export KERNEL
kver=$(vm/kernel.sh kver) || exit 1
stage=$tap_tmp/stage

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

# DKMS compresses modules as the kernel's own are (6.12: .ko.xz), so a
# user of that kernel gets mymem.ko.xz: the name the tests must expect.
module_suffix() {
	case "$(grep -Eo '^CONFIG_MODULE_COMPRESS_(GZIP|XZ|ZSTD)=y' "/lib/modules/$1/build/.config")" in
	*_GZIP=y) echo .gz ;;
	*_XZ=y) echo .xz ;;
	*_ZSTD=y) echo .zst ;;
	esac
}
dkms_suffix=$(module_suffix "$kver")

dkms_install_staged() {
	local m
	DESTDIR=$stage/dkms KVER=$kver packaging/dkms.sh install >"$stage/dkms.log" 2>&1 ||
		{ cat "$stage/dkms.log"; return 1; }
	for m in mymem mymem_test; do
		[ -f "$stage/dkms/lib/modules/$kver/updates/dkms/$m.ko$dkms_suffix" ] ||
			{ echo "no updates/dkms/$m.ko$dkms_suffix"; find "$stage/dkms/lib/modules"; return 1; }
	done
	grep -q "^mymem/$(cat VERSION), $kver, .*: installed" "$stage/dkms.log" &&
		[ -f "$stage/dkms/usr/src/mymem-$(cat VERSION)/dkms.conf" ]
}

# Each refuses, in a copy of the other's tree, while the other's mymem is
# there (modprobe would pick one of two silently), and adds nothing.
# refused_over TREE PATTERN CMD...: CMD, installing into a copy of TREE
# (DESTDIR), fails with PATTERN and leaves every file as it was.
refused_over() {
	local tree=$1 pattern=$2 copy=$1-refused err
	shift 2
	cp -a "$tree" "$copy" || return
	if err=$(DESTDIR=$copy KVER=$kver "$@" 2>&1); then
		echo "$* succeeded"
		return 1
	fi
	echo "$err"
	grep -q "$pattern" <<<"$err" &&
		diff <(installed_files "$tree") <(installed_files "$copy")
}

# The guest gets the modules DKMS installed; remove runs on a copy.
dkms_remove_staged() {
	cp -a "$stage/dkms" "$stage/dkms-removed" &&
		DESTDIR=$stage/dkms-removed packaging/dkms.sh remove >/dev/null &&
		[ -z "$(find "$stage/dkms-removed" -name '*mymem*')" ]
}

# --- HOST=1 -----------------------------------------------------------------

# make run HOST=1 as a user stops at once and leaves results/ alone.
host_run_as_user() {
	local res=$tap_tmp/res err
	mkdir -p "$res/raw" && touch "$res/raw/kept" &&
		chmod -R a+rwX "$tap_tmp" || return
	if err=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		make -s run HOST=1 RESULTS="$res" 2>&1); then
		return 1
	fi
	grep -q '^experiments/host.sh: must run as root' <<<"$err" && [ -e "$res/raw/kept" ]
}

# --- the guest -------------------------------------------------------------

guest() {
	local start=$SECONDS status
	vm/run.sh --timeout 300 \
		--add "$stage/install=/" \
		--add "$stage/dkms/lib/modules=/stage/dkms" \
		--add packaging/install.sh=/mymem/packaging/install.sh \
		--add experiments/host.sh=/mymem/experiments/host.sh \
		--add lib/script.sh=/mymem/lib/script.sh \
		--add guest/measure.sh=/mymem/guest/measure.sh \
		--add guest/bench-env.sh=/mymem/guest/bench-env.sh \
		--add "$stage/install/lib/modules/$kver/updates=/mymem/ko" \
		--add "$BUILD/bin=/mymem/bin" \
		--add tap/tap.sh=/mymem/tap/tap.sh \
		--add "$(command -v setpriv)=/mymem/sbin/setpriv" \
		-- guest/test-packaging.sh "$dkms_suffix"
	status=$?
	echo "# VM run: $((SECONDS - start)) s, boot included"
	return $status
}

tap_begin
tap_check "man pages: no groff or mandoc warnings" lint/check-man.sh
tap_check "mymem-bench(1) has every option of --help" man_has_options mymem-bench
tap_check "mymem-race(1) has every option of --help" man_has_options mymem-race
before=$(host_state)
tap_check "make install DESTDIR=...: exactly the 7 files" install_staged
tap_check "make install KVER=$kver: modules built for $kver" install_vermagic
tap_check "make uninstall DESTDIR=...: nothing left" uninstall_staged
tap_check "dkms.sh install DESTDIR=... KVER=$kver: built, installed" dkms_install_staged
tap_check "dkms.sh remove DESTDIR=...: nothing of mymem left" dkms_remove_staged
tap_check "make install refuses while DKMS's mymem is installed" \
	refused_over "$stage/dkms" 'installed through DKMS' make -s install
tap_check "dkms.sh install refuses while make install's mymem is installed" \
	refused_over "$stage/install" 'installed by make install' packaging/dkms.sh install
tap_check "install and DKMS left the host's module tree, /usr/src, /var/lib/dkms alone" \
	test "$before" = "$(host_state)"
tap_check "HOST=1 refuses: not root (make run as nobody, results/ kept)" host_run_as_user
tap_nest "guest: installed modules, DKMS modules, host mode" guest
tap_done
