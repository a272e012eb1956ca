#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make profile: where every instruction of one warm call of each path
# goes (docs/profile.md).  Boots the -icount guest with QEMU's gdbstub
# (vm/run.sh --gdb), traces each region of profile/paths from outside
# (profile/tracer.py), then attributes the instructions to functions,
# stages and classes (profile/attribute.py) and prints the summary.
#
#   profile/profile.sh [OUT]     (default results/profile)
#
# OUT/profile.csv is the raw profile (MYMEM_PROFILE_FORMAT); beside it
# the guest's kallsyms.txt, vulnerabilities.txt and env.txt, and the
# trace (trace.json).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source=lib/script.sh
. lib/script.sh

# ARCH=arm64: the program, modules and symbols are arm64's, read with
# the cross binutils (vm/arm64.sh), module sizes from its guest root.
modroot=/
case "${ARCH:-}" in
"" | x86_64) ;;
arm64)
	cross=$(vm/arm64.sh cross)
	export OBJDUMP=$cross/aarch64-linux-gnu-objdump NM=$cross/aarch64-linux-gnu-nm
	modroot=$(vm/arm64.sh guest)
	;;
*) usage "ARCH=$ARCH is not profiled (x86_64, arm64)" ;;
esac
out=${1:-${RESULTS:-results}/profile}
build=${BUILD:-$PWD/build}
ko=${MYMEM_KO_DIR:-$PWD/kernel}
paths=$build/profile/paths
mark=$("${NM:-nm}" "$paths" | awk '$3 == "profile_mark" { print "0x" $1 }')
[ -n "$mark" ] || die "no profile_mark in $paths"

rm -rf "$out"
mkdir -p "$out"
sock=$(mktemp -d)/gdb
trap 'rm -rf "${sock%/gdb}"' EXIT
start=$SECONDS
vm/run.sh --icount --fast-clock --cmdline nokaslr --gdb "$sock" \
	--timeout 600 --out "$out" \
	--add "$ko/mymem.ko=/mymem/mymem.ko" \
	--add "$ko/mymem_test.ko=/mymem/mymem_test.ko" \
	--add "$paths=/mymem/bin/paths" \
	--add guest/bench-env.sh=/mymem/job/bench-env.sh \
	-- guest/profile.sh &
vm=$!
status=0
# QEMU waits for the tracer: one that never connected leaves it waiting,
# one that failed later let the guest go (its trace.json has the error
# and the last PCs, the guest's kallsyms.txt comes with its results).
python3 profile/tracer.py "$sock" "$mark" "$out/trace.json" || {
	status=$?
	[ -s "$out/trace.json" ] || kill "$vm"
}
wait "$vm" || [ "$status" != 0 ] || status=$?
if [ "$status" != 0 ]; then
	echo "$me: failed (status $status); see $out/trace.json" >&2
	exit "$status"
fi
python3 profile/attribute.py --elf "$paths" --ko "$ko/mymem.ko" \
	--ko "$ko/mymem_test.ko" --modroot "$modroot" "$out"
# Two runs of one build compare by this line (docs/profile.md).
echo "$me: $out/profile.csv, sha256 $(sha256sum <"$out/profile.csv" | cut -c1-16), $((SECONDS - start)) s"
