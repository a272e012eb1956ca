#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Does <linux/mymem.h> give 32- and 64-bit callers the same ioctl numbers
# and struct layouts?  Compiles tests/abi_layout.c to assembly for -m64
# and -m32 and compares the constants it names; nothing is executed, so
# the host kernel's IA32 support does not matter.
#
#   tests/abi-layout.sh [INCLUDE_DIR]    (default include/uapi)
#
# Prints the differences, if any.  Exit status: 0 the same, 1 they
# differ, 2 a build failed or named no constant.
here=$(dirname "$0")
repo=$here/..
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
# A build that failed is not a difference.
die_status=2
inc=${1:-$repo/include/uapi}

# constants BITS: "NAME VALUE" lines, one per constant.
constants() {
	gcc "$1" -std=gnu11 -Wall -Wextra -Werror -S -o - -I "$inc" \
		"$here/abi_layout.c" >"$tmp/$1.s" || return
	sed -n 's/^[[:space:]]*\.ascii[[:space:]]*"@@abi \(.*\)"$/\1/p' "$tmp/$1.s"
}

tmp=$(tmp_dir) || exit 2
trap 'rm -rf "$tmp"' EXIT
for bits in -m64 -m32; do
	constants $bits >"$tmp/$bits" || die "$bits build failed"
	[ -s "$tmp/$bits" ] || die "$bits named no constant"
done
diff "$tmp/-m64" "$tmp/-m32" || exit 1
