#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the path of an unpacked Debian linux-source-6.1 tree, unpacking
# /usr/src/linux-source-6.1.tar.xz on first use (about 10 s).
#
# The tree lives outside the clone, in ${MYMEM_CACHE:-/var/cache/mymem},
# so every clone and CI run shares one copy.  It is keyed by the package
# version: a new upload of linux-source-6.1 is unpacked afresh.  Treat it
# as read-only (build a kernel from it with O=DIR).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${MYMEM_CACHE:-/var/cache/mymem}
tree=$cache/linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz

"$here/../setup.sh" check >&2
version=$(dpkg-query -W -f='${Version}' linux-source-6.1)

if [ "$(cat "$tree/.mymem-version" 2>/dev/null)" != "$version" ]; then
	mkdir -p "$cache"
	# Two builds may ask at once: one unpacks, the other waits for it.
	exec 9>"$cache/.linux-source.lock"
	flock 9
	if [ "$(cat "$tree/.mymem-version" 2>/dev/null)" != "$version" ]; then
		# Unpack beside the tree and rename, so that an interrupted
		# unpack never leaves a tree that looks complete.
		tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		tar -xJf "$tarball" -C "$tmp"
		echo "$version" >"$tmp/linux-source-6.1/.mymem-version"
		rm -rf "$tree"
		mv "$tmp/linux-source-6.1" "$tree"
	fi
fi
echo "$tree"
