#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: the kernel code must be clean under checkpatch --strict,
# kernel-doc, sparse (C=2) and W=1, the man pages under groff and mandoc.
# Any warning fails the check.  Prints TAP (tap/tap.sh), a result a
# step.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. tap/tap.sh
# Both architectures are built whatever ARCH says: none of the arm64
# build's settings (the Makefile's exports, make's own ARCH= through
# MAKEFLAGS) may reach the x86-64 build.
unset ARCH MAKEFLAGS CROSS_COMPILE CC CC32

./setup.sh base check
src=$(vm/linux-source.sh)
kdir=$(vm/kernel.sh kdir)
# The sources under git, not what Kbuild generates next to them.
mapfile -t kernel_files < <(git ls-files 'kernel/*.[ch]' 'include/*.h')

# quiet CMD...: CMD succeeds and prints nothing but the tools' own
# chatter; whatever else it printed is printed, the result's diagnostics.
quiet() {
	local out status=0
	out=$("$@" 2>&1) || status=$?
	out=$(filter_noise <<<"$out")
	[ -z "$out" ] || echo "$out"
	[ "$status" -eq 0 ] && [ -z "$out" ]
}

# Only the tools' own chatter may remain once warnings are gone.
filter_noise() {
	grep -Ev '^(make(\[[0-9]+\])?: |make -C |  (CC|CHECK|LD|MODPOST|BTF|CLEAN) |Skipping BTF|total: 0 errors, 0 warnings, 0 checks|.* has no obvious style problems|$)' || true
}

checkpatch() {
	local f
	for f in "${kernel_files[@]}"; do
		"$src/scripts/checkpatch.pl" --strict --no-tree --quiet -f "$f"
	done
}

# Every step runs, whatever the one before it found.
step() {
	tap_check "$1" quiet "${@:2}" || true
}

tap_begin
step "checkpatch --strict" checkpatch
step "kernel-doc of the headers" "$src/scripts/kernel-doc" -none include/linux/mymem.h include/uapi/linux/mymem.h \
	include/mymem_format.h include/mymem_stats.h
step "man pages (groff -ww, mandoc -T lint)" lint/check-man.sh
# In a fresh copy: every file is compiled and checked, and kernel/*.ko,
# which the VM runs use, stay as they are whatever KERNEL is.
out=${BUILD:-build}/check-${KERNEL:-6.1}
rm -rf "$out"
step "build with W=1 and sparse (C=2)" make -C kernel KDIR="$kdir" OUT="$out" W=1 C=2
# The same for arm64, with Debian's arm64 headers and cross compiler.
cross=$(vm/arm64.sh cross)
kdir=$(ARCH=arm64 vm/kernel.sh kdir)
out=${BUILD:-build}/check-${KERNEL:-6.1}-arm64
rm -rf "$out"
step "arm64: build with W=1 and sparse (C=2)" make -C kernel KDIR="$kdir" OUT="$out" \
	W=1 C=2 ARCH=arm64 CROSS_COMPILE="$cross/aarch64-linux-gnu-"
tap_done
