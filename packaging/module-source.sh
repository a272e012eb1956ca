#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copy the source of the kernel modules (kernel/ and include/, no build
# products) to DEST, so that they can be built there:
#
#   packaging/module-source.sh DEST
#
# Used by install.sh, experiments/host.sh and kernel/Makefile (OUT=), which
# build for another kernel than the VM's without touching kernel/*.ko, and
# by dkms.sh for /usr/src.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
[ $# -eq 1 ] || usage
dest=$1

mkdir -p "$dest/kernel"
for f in "$repo"/kernel/{Kbuild,Makefile,*.c,*.h}; do
	# Kbuild writes *.mod.c next to the sources.
	[[ $f == *.mod.c ]] || cp "$f" "$dest/kernel/"
done
cp -R "$repo/include" "$repo/VERSION" "$dest/"
