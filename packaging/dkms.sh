#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mymem through DKMS, so that the modules are rebuilt for every new kernel:
#
#   [KVER=release] [DESTDIR=dir] packaging/dkms.sh install   (make dkms-install)
#   [DESTDIR=dir] packaging/dkms.sh remove                   (make dkms-remove)
#
# install copies the module source (kernel/, include/, VERSION) and dkms.conf
# to /usr/src/mymem-VERSION, then `dkms add`, and `dkms install` (which
# builds) for KVER, or for every kernel in /lib/modules that has headers.
# Any mymem already in DKMS is removed first, so the source is the tree's.
# remove takes every version of mymem out of DKMS, its modules out of every
# kernel, and deletes /usr/src/mymem-*.
#
# DESTDIR=DIR puts everything under DIR instead of / (the source tree, the
# DKMS tree, the modules, the signing key DKMS makes) and skips depmod,
# whose indexes there would list our modules alone: for tests and staging.
# Root only (dkms add insists).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
DESTDIR=${DESTDIR:-}

[ $# -eq 1 ] || usage
action=$1
case "$action" in
install | remove) ;;
*) usage ;;
esac
[ "$(id -u)" -eq 0 ] || die "must run as root (dkms add needs it)"
"$repo/setup.sh" dkms
PATH=$PATH:/usr/sbin:/sbin

dkms_opts=()
if [ -n "$DESTDIR" ]; then
	DESTDIR=$(realpath -m "$DESTDIR")
	dkms_opts=(--dkmstree "$DESTDIR/var/lib/dkms" --sourcetree "$DESTDIR/usr/src"
		--installtree "$DESTDIR/lib/modules" --no-depmod)
	mkdir -p "$DESTDIR/var/lib/dkms" "$DESTDIR/usr/src"
	# DKMS reads these from the environment; by default it would make
	# its signing key in the host's /var/lib/dkms.
	export mok_signing_key=$DESTDIR/var/lib/dkms/mok.key
	export mok_certificate=$DESTDIR/var/lib/dkms/mok.pub
fi
srctree=$DESTDIR/usr/src

# The versions of mymem DKMS knows ("mymem/0.1, 6.1.0-56-amd64, x86_64:
# installed" or "mymem/0.1: added").
known_versions() {
	dkms status "${dkms_opts[@]}" -m mymem | sed -n 's|^mymem/\([^,:]*\)[,:].*|\1|p' | sort -u
}

remove() {
	local v
	for v in $(known_versions); do
		dkms remove "${dkms_opts[@]}" -m mymem -v "$v" --all
	done
	rm -rf "$srctree"/mymem-*
}

# The kernels to build for, one a line: KVER, or every one with headers.
kernels() {
	local k
	if [ -n "${KVER:-}" ]; then
		[ -e "/lib/modules/$KVER/build/Makefile" ] ||
			die "no headers for $KVER in /lib/modules/$KVER/build (apt-get install linux-headers-$KVER)"
		echo "$KVER"
		return
	fi
	for k in /lib/modules/*/build/Makefile; do
		[ -e "$k" ] || continue
		k=${k#/lib/modules/}
		echo "${k%%/*}"
	done
}

install() {
	local version src k list
	version=$(cat "$repo/VERSION")
	list=$(kernels)
	[ -n "$list" ] || die "no kernel in /lib/modules has headers (apt-get install linux-headers-\$(uname -r))"
	for k in $list; do
		# Two copies of a module for one kernel: modprobe would pick
		# one of them silently.
		[ ! -e "$DESTDIR/lib/modules/$k/updates/mymem.ko" ] ||
			die "mymem is installed by make install for $k: make uninstall KVER=$k first"
	done
	remove
	src=$srctree/mymem-$version
	"$repo/packaging/module-source.sh" "$src"
	cp "$repo/packaging/dkms.conf" "$repo/VERSION" "$src/"
	dkms add "${dkms_opts[@]}" -m mymem -v "$version"
	for k in $list; do
		# DKMS installs only into an existing module tree.
		[ -z "$DESTDIR" ] || mkdir -p "$DESTDIR/lib/modules/$k"
		dkms install "${dkms_opts[@]}" -m mymem -v "$version" -k "$k"
	done
	dkms status "${dkms_opts[@]}" -m mymem
}

"$action"
