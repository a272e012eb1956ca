#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages a part of mymem needs.  The one list of the
# whole project's packages, in groups; each script asks for its own:
# base (build, boot the guest: Makefile, vm/), check (lint/,
# vm/linux-source.sh), run (experiments/, the report), stress
# (tests/stress.sh, tests/fuzz.sh), debug (vm/debug-kernel.sh), dkms
# (packaging/dkms.sh), arm64 (ARCH=arm64: QEMU for the arm64 guest; its
# programs are fetched, never installed, by vm/arm64.sh).
#
#   setup.sh [GROUP...]        GROUP = base (default) | check | run | stress
#                                      | debug | dkms | arm64
#
# Fast when nothing is missing: one dpkg-query call and no apt at all.
# Missing packages are installed when we are root (after one apt-get
# update, because a fresh machine has no package lists); otherwise the
# exact command is printed and we exit 1, so nothing half-works silently.
set -euo pipefail

repo=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/script.sh
. "$repo/lib/script.sh"

# The packages of one group, one word each.
group_packages() {
	case "$1" in
	base)
		# Build the modules and static tools and tests (liburing-dev:
		# io_uring in iopaths_test), boot the guest, pack its
		# initramfs (busybox, cpio, kmod for depmod and the guest's
		# modprobe), and unpack linux-source (xz-utils).
		echo gcc make libc6-dev gcc-multilib liburing-dev \
			qemu-system-x86 busybox-static cpio kmod xz-utils \
			linux-image-amd64 linux-headers-amd64 linux-source-6.1
		;;
	check) echo sparse perl python3 codespell xz-utils linux-source-6.1 groff-base ;;
	run) echo gnuplot-nox python3 ;;
	stress) echo fio stress-ng trinity ;;
	dkms) echo dkms ;;
	# ARCH=arm64: QEMU's aarch64 system emulator, readelf for the guest's
	# libraries.  The arm64 packages and cross compilers are fetched, not
	# installed (vm/arm64.sh says why), so nothing installs what their
	# linux-kbuild needs on the host: pahole, which builds the modules'
	# BTF against the vmlinux in 6.12's headers.
	arm64) echo qemu-system-arm binutils pahole ;;
	# Build the debug kernels (vm/debug-kernel.sh) from linux-source.
	debug) echo flex bison bc libelf-dev libssl-dev linux-source-6.1 ;;
	*) usage ;;
	esac
}

main() {
	local groups=("$@") wanted=() missing=() g
	[ ${#groups[@]} -gt 0 ] || groups=(base)
	for g in "${groups[@]}"; do
		# shellcheck disable=SC2207 # the lists are plain words
		wanted+=($(group_packages "$g"))
	done

	# dpkg-query lists only packages dpkg knows; anything not shown as
	# installed ("ii") is missing.  It exits 1 for unknown ones: ignore.
	local installed
	installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' \
		"${wanted[@]}" 2>/dev/null | awk '$1 == "ii" { print $2 }' || true)
	local p
	for p in "${wanted[@]}"; do
		if ! grep -qxF -- "$p" <<<"$installed" &&
			[[ " ${missing[*]} " != *" $p "* ]]; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -gt 0 ] || return 0

	if [ "$(id -u)" -ne 0 ]; then
		echo "$me: missing packages; run:" >&2
		echo "sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
	echo "$me: installing ${missing[*]}" >&2
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >&2
}

main "$@"
