#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run HOST=1: the experiments on this machine's running kernel instead
# of the VM's (experiments/measure.sh calls this).
#
#   experiments/host.sh check
#   experiments/host.sh run RAW WHAT NAME=VALUE...
#
# check refuses, with one line and exit 1, when the modules could not be
# loaded or would disturb the machine: not root, no headers for the
# running kernel, Secure Boot, enforced module signatures or kernel
# lockdown (unsigned modules are rejected), mymem or brd already loaded,
# mymem installed in the kernel's module tree (modprobe would load that
# copy), debugfs not mounted (mymem_test reports there).  It changes
# nothing.
#
# run checks again, builds the modules for the running kernel (in a
# temporary copy of the source) and the tools, and runs guest/measure.sh
# WHAT NAME=VALUE... (the experiments' parameters) with its results in RAW.  measure.sh loads the modules and brd and
# copies the modules to /lib/modules/KVER/extra;
# on exit, however it ends, everything it loaded is unloaded, the copies
# are removed and depmod runs again.
#
# HOST_MODULES=DIR takes mymem.ko and mymem_test.ko, built for the running
# kernel, from DIR: no headers or compiler needed (the VM test uses it).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
PATH=$PATH:/usr/sbin:/sbin
kver=$(uname -r)
extra=/lib/modules/$kver/extra
# The UEFI global variable GUID of SecureBoot.
readonly SB_VAR=/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c
tmp="" extra_existed=""


# The signature checks of a Secure Boot machine reject our unsigned
# modules ("Key was rejected by service").
secure_boot() {
	if command -v mokutil >/dev/null; then
		mokutil --sb-state 2>/dev/null | grep -q 'SecureBoot enabled'
	else
		# 4 bytes of attributes, then the value.
		[ -r "$SB_VAR" ] && [ "$(od -An -tu1 -j4 -N1 "$SB_VAR" | tr -d ' ')" = 1 ]
	fi
}

# The bracketed mode is the active one: "none [integrity] confidentiality".
lockdown() {
	local f=/sys/kernel/security/lockdown
	if [ -r "$f" ]; then
		grep -q '\[\(integrity\|confidentiality\)\]' "$f"
	else
		# securityfs not mounted: the command line is what is left.
		grep -Eq '(^| )lockdown=(integrity|confidentiality)' /proc/cmdline
	fi
}

check() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (loads modules into the running kernel)"
	if [ -z "${HOST_MODULES:-}" ] && [ ! -e "/lib/modules/$kver/build/Makefile" ]; then
		die "no headers for the running kernel $kver (apt-get install linux-headers-$kver)"
	fi
	! secure_boot || die "Secure Boot is on: the kernel would reject the unsigned modules (sign them, or use the VM)"
	[ "$(cat /sys/module/module/parameters/sig_enforce 2>/dev/null)" != Y ] ||
		die "module.sig_enforce=1: the kernel would reject the unsigned modules (use the VM)"
	! lockdown || die "kernel lockdown is on: unsigned modules and debugfs are refused (use the VM)"
	if [ -e /sys/module/mymem ] || [ -e /sys/module/mymem_test ]; then
		die "mymem is already loaded: unload it first (modprobe -r mymem_test mymem)"
	fi
	! modinfo -k "$kver" -n mymem >/dev/null 2>&1 ||
		die "mymem is installed in /lib/modules/$kver ($(modinfo -k "$kver" -n mymem)): make uninstall or make dkms-remove first"
	[ ! -e /sys/module/brd ] ||
		die "brd is loaded: the benchmark would overwrite /dev/ram0 (rmmod brd first)"
	grep -q '^[^ ]* /sys/kernel/debug debugfs ' /proc/mounts ||
		die "debugfs is not mounted (mount -t debugfs none /sys/kernel/debug)"
}

# Runs on exit: what measure.sh loaded and copied goes away.
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local m
	for m in mymem_test mymem brd; do
		[ ! -e "/sys/module/$m" ] || rmmod "$m" || true
	done
	rm -f "$extra/mymem.ko" "$extra/mymem_test.ko"
	# Only if it was ours: the kernel's tree may have an extra/ of its own.
	[ -n "$extra_existed" ] || rmdir "$extra" 2>/dev/null || true
	depmod -a "$kver"
	rm -rf "$tmp"
}

run() {
	local raw=$1 mods
	shift
	check
	tmp=$(tmp_dir)
	[ ! -d "$extra" ] || extra_existed=1
	trap cleanup EXIT
	if [ -n "${HOST_MODULES:-}" ]; then
		mods=$HOST_MODULES
	else
		"$repo/packaging/module-source.sh" "$tmp"
		make -C "$tmp/kernel" KVER="$kver"
		make -C "$repo/tools"
		mods=$tmp/kernel
	fi
	PATH=${BUILD:-$repo/build}/bin:$PATH MYMEM_RESULTS=$raw MYMEM_MODULES=$mods \
		"$repo/guest/measure.sh" "$@"
}

case "${1:-}" in
check) check ;;
run)
	[ $# -ge 3 ] || usage
	shift
	run "$@"
	;;
*) usage ;;
esac
