#!/usr/bin/env bash
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
dest=${1:?usage: module-source.sh DEST}

mkdir -p "$dest/kernel"
for f in "$repo"/kernel/{Kbuild,Makefile,*.c,*.h}; do
	# Kbuild writes *.mod.c next to the sources.
	[[ $f == *.mod.c ]] || cp "$f" "$dest/kernel/"
done
cp -R "$repo/include" "$repo/VERSION" "$dest/"
