#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall: the modules, the tools and the man pages.
#
#   [KVER=release] [PREFIX=dir] [DESTDIR=dir] packaging/install.sh install|uninstall
#
# Environment (make passes its command-line variables on):
#   KVER     the kernel to build and install the modules for (uname -r)
#   PREFIX   where the tools and man pages go (/usr/local)
#   DESTDIR  a staging directory prepended to every path (empty)
#   BUILD    where `make tools` put bin/ (build/)
#
# Installs
#   $DESTDIR/lib/modules/$KVER/updates/mymem.ko, mymem_test.ko
#   $DESTDIR$PREFIX/bin/mymem-bench, mymem-race
#   $DESTDIR$PREFIX/share/man/man1/mymem-bench.1, mymem-race.1
#   $DESTDIR$PREFIX/share/man/man4/mymem.4
# and uninstall removes exactly those files.  The modules are built against
# /lib/modules/$KVER/build in a temporary copy of the source, so kernel/*.ko
# (built for the VM's kernel) stay as they are.
#
# depmod runs only when DESTDIR is empty.  A staging tree holds our modules
# alone, and its indexes would list nothing else: copied over a real
# /lib/modules they would hide every other module.  Whoever unpacks it runs
# `depmod KVER` there.
#
# No udev rule: the module creates /dev/mymem with mode 0666 itself.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
PATH=$PATH:/usr/sbin:/sbin
KVER=${KVER:-$(uname -r)}
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
BUILD=${BUILD:-$repo/build}

MODULES=(mymem mymem_test)
TOOLS=(mymem-bench mymem-race)
MANPAGES=(mymem-bench.1 mymem-race.1 mymem.4)

moddir=$DESTDIR/lib/modules/$KVER/updates
bindir=$DESTDIR$PREFIX/bin
mandir=$DESTDIR$PREFIX/share/man


# Writing to / needs root; say so before building anything.
need_root() {
	[ -n "$DESTDIR" ] || [ "$(id -u)" -eq 0 ] ||
		die "must run as root to install into / (or set DESTDIR)"
}

depmod_if_live() {
	if [ -z "$DESTDIR" ]; then
		depmod -a "$KVER"
	else
		echo "$me: staged in $DESTDIR; run 'depmod $KVER' where it is unpacked"
	fi
}

install_all() {
	local tmp m t page
	[ -e "/lib/modules/$KVER/build/Makefile" ] ||
		die "no headers for $KVER in /lib/modules/$KVER/build (apt-get install linux-headers-$KVER)"
	for t in "${TOOLS[@]}"; do
		[ -x "$BUILD/bin/$t" ] || die "no $BUILD/bin/$t: run make tools first"
	done
	# Two copies of a module for one kernel: modprobe would pick one
	# of them silently.  DKMS compresses as the kernel does (.ko.xz).
	! compgen -G "$moddir/dkms/mymem.ko*" >/dev/null ||
		die "mymem is installed through DKMS for $KVER: make dkms-remove first"
	need_root

	tmp=$(tmp_dir)
	# shellcheck disable=SC2064 # $tmp is fixed now
	trap "rm -rf '$tmp'" EXIT
	"$repo/packaging/module-source.sh" "$tmp"
	make -C "$tmp/kernel" KVER="$KVER"

	for m in "${MODULES[@]}"; do
		install -D -m 0644 "$tmp/kernel/$m.ko" "$moddir/$m.ko"
	done
	for t in "${TOOLS[@]}"; do
		install -D -m 0755 "$BUILD/bin/$t" "$bindir/$t"
	done
	for page in "${MANPAGES[@]}"; do
		install -D -m 0644 "$repo/man/$page" "$mandir/man${page##*.}/$page"
	done
	depmod_if_live
}

uninstall_all() {
	local m t page
	need_root
	for m in "${MODULES[@]}"; do
		rm -f "$moddir/$m.ko"
	done
	for t in "${TOOLS[@]}"; do
		rm -f "$bindir/$t"
	done
	for page in "${MANPAGES[@]}"; do
		rm -f "$mandir/man${page##*.}/$page"
	done
	# depmod needs the kernel's tree, which may have gone with the kernel.
	if [ -d "/lib/modules/$KVER/kernel" ]; then depmod_if_live; fi
}

[ $# -eq 1 ] || usage
case "$1" in
install | uninstall) "${1}_all" ;;
*) usage ;;
esac
