#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Name the guest kernel.
#
#   [ARCH=arm64] KERNEL=6.1|6.12|6.12-rt|debug|kcsan vm/kernel.sh WHAT
#   WHAT = check|kver|vmlinuz|kdir|modroot|cmdline|checks|slowdown
#
# check validates KERNEL and ARCH and nothing more (no install, no
# build, no fetch): one line on stderr and status 64 if either is unknown.
# The others print the kernel release, the path of its image, its headers build
# directory, the root under which its lib/modules/RELEASE/ lies ("/"
# for a distro kernel), the parameters it needs on its command line
# (often none), the parameters that switch on the memory checks it has
# built in but off (vm/run.sh --checks, for tests), or how many times
# slower than a distro kernel it runs a job (vm/run.sh scales its time
# limits by it).  Distro kernels: the image and headers packages
# are installed first when no release of that flavour has both (root only;
# setup.sh rules apply); the newest installed release wins, so an
# upgrade needs no edit here.  debug and kcsan are our own builds of 6.1
# with the kernel's checkers (vm/debug-kernel.sh), cached outside the
# clone and built on first use.  ARCH=arm64 answers for Debian's arm64
# build of the same distro release, downloaded and unpacked by
# vm/arm64.sh (never installed); the debug kernels are x86-64 only.
set -euo pipefail
shopt -s extglob

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
KERNEL=${KERNEL:-6.1}
ARCH=${ARCH:-}

# The newest release matching glob $pattern but not glob $exclude (set by
# main) whose image and headers are both installed.
newest_installed() {
	local k
	for k in /lib/modules/*; do
		k=${k##*/}
		# shellcheck disable=SC2053 # the patterns are globs on purpose
		[[ $k == $pattern && $k != $exclude ]] || continue
		if [ -f "/boot/vmlinuz-$k" ] && [ -e "/lib/modules/$k/build/Makefile" ]; then
			echo "$k"
		fi
	done | sort -V | tail -n 1
}

# Install the image and headers of the newest 6.12 release of a flavour
# ("" or "rt-") that apt knows.  Debian ships them unsigned for 6.12.
install_612() {
	local flavour=$1 re pkg kver
	re="^linux-image-6\.12\.[0-9]+\+deb[0-9]+-${flavour}amd64-unsigned\$"
	pkg=$(apt-cache search --names-only "$re" 2>/dev/null | awk '{ print $1 }' |
		sort -V | tail -n 1)
	if [ -z "$pkg" ]; then
		apt-get update -qq >&2
		pkg=$(apt-cache search --names-only "$re" | awk '{ print $1 }' |
			sort -V | tail -n 1)
	fi
	[ -n "$pkg" ] || die "no package matches $re"
	kver=${pkg#linux-image-}
	kver=${kver%-unsigned}
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "$pkg" "linux-headers-$kver" >&2
}

# Answer $1 for the cached debug or kcsan kernel, building it first if
# needed (vm/debug-kernel.sh says so on stderr, with the time it takes).
debug_kernel() {
	local dir
	dir=$("$here/debug-kernel.sh" "$KERNEL") || die "could not build the $KERNEL kernel"
	case "$1" in
	kver) cat "$dir/release" ;;
	vmlinuz) echo "$dir/bzImage" ;;
	kdir) echo "$dir/build" ;;
	modroot) echo "$dir/modules" ;;
	# QEMU's -cpu max has 5-level paging.  identify_cpu() clears and
	# refills the CPU feature bits at boot, and an interrupt in that
	# window makes 6.1's KASAN see the direct map (LA57 layout) as
	# outside its shadow: a false "wild-memory-access" report.
	cmdline) if [ "$KERNEL" = debug ]; then echo no5lvl; else echo; fi ;;
	# debug: KASAN, lockdep and the rest are built in and on.  kcsan has
	# neither KASAN nor page poisoning, but SLUB debugging (defconfig).
	checks) if [ "$KERNEL" = kcsan ]; then echo slub_debug=FZPU; else echo; fi ;;
	# Measured under TCG: the VM suite without fault injection takes
	# about 3.5x (debug) and 2x (kcsan) its time on 6.1 (docs/reliability.md).
	slowdown) if [ "$KERNEL" = debug ]; then echo 4; else echo 3; fi ;;
	esac
}

# Debian's kernels (6.1 and 6.12, x86-64 and arm64) build in SLUB
# debugging, page poisoning and, from 6.12, KFENCE, all off until the
# command line asks: red zones, poison and sanity checks on every slab
# object with its allocation and free traces (slub_debug=FZPU), freed
# pages poisoned and checked when next allocated (page_poison=1; the
# kernel then ignores init_on_free, "will take precedence"), a KFENCE
# guarded object every 10 ms (a dotted parameter, ignored by 6.1), and
# the hung-task detector at 30 s, inside the suite's time limits, not
# 120.  Their cost: docs/testing.md.
distro_checks() {
	echo "slub_debug=FZPU page_poison=1 kfence.sample_interval=10" \
		"sysctl.kernel.hung_task_timeout_secs=30"
}

# Answer $1 for the newest arm64 build of the series $KERNEL, unpacked
# on first use.
arm64_kernel() {
	local release root=${MYMEM_CACHE:-/var/cache/mymem}/arm64/root
	release=$("$here/arm64.sh" release "$KERNEL") || die "no arm64 $KERNEL kernel in the archive"
	if [ ! -e "$root/boot/vmlinuz-$release" ] ||
		[ ! -e "$root/usr/src/linux-headers-$release/Makefile" ]; then
		[ "$(id -u)" -eq 0 ] || die "no arm64 $KERNEL kernel unpacked; run as root to fetch it"
		root=$("$here/arm64.sh" kernel "$release") || die "could not fetch the arm64 kernel $release"
	fi
	case "$1" in
	kver) echo "$release" ;;
	vmlinuz) echo "$root/boot/vmlinuz-$release" ;;
	kdir) echo "$root/usr/src/linux-headers-$release" ;;
	modroot) echo "$root" ;;
	cmdline) echo ;;
	checks) distro_checks ;;
	# Measured under TCG: the VM suite takes about 3x its time on
	# x86-64 (docs/vm.md).
	slowdown) echo 3 ;;
	esac
}

main() {
	local what=${1:-} pattern exclude=- kver
	case "$what" in
	check | kver | vmlinuz | kdir | modroot | cmdline | checks | slowdown) ;;
	*) usage ;;
	esac

	case "$ARCH" in
	"" | x86_64) ;;
	arm64) [[ $KERNEL != @(debug|kcsan) ]] || usage "KERNEL=$KERNEL is x86-64 only" ;;
	*) usage "unknown ARCH=$ARCH (want arm64, or none for x86-64)" ;;
	esac
	case "$KERNEL" in
	6.1 | 6.12 | 6.12-rt | debug | kcsan) ;;
	*) usage "unknown KERNEL=$KERNEL (want 6.1, 6.12, 6.12-rt, debug or kcsan)" ;;
	esac
	[ "$what" != check ] || return 0
	# Each architecture's archive has its own newest release.
	if [ "$ARCH" = arm64 ]; then
		arm64_kernel "$what"
		return
	fi

	case "$KERNEL" in
	debug | kcsan)
		debug_kernel "$what"
		return
		;;
	# Plain flavours must not pick rt or cloud ones, which match too.
	6.1) pattern='6.1.*-amd64' exclude='*-@(rt|cloud)-amd64' ;;
	6.12) pattern='6.12.*-amd64' exclude='*-@(rt|cloud)-amd64' ;;
	6.12-rt) pattern='6.12.*-rt-amd64' ;;
	esac

	kver=$(newest_installed)
	if [ -z "$kver" ]; then
		[ "$(id -u)" -eq 0 ] || die "no $KERNEL kernel installed; run as root to install it"
		case "$KERNEL" in
		6.1) "$here/../setup.sh" base >&2 ;;
		6.12) install_612 "" ;;
		6.12-rt) install_612 "rt-" ;;
		esac
		kver=$(newest_installed)
		[ -n "$kver" ] || die "installed $KERNEL but found no image with headers"
	fi

	case "$what" in
	kver) echo "$kver" ;;
	vmlinuz) echo "/boot/vmlinuz-$kver" ;;
	kdir) echo "/lib/modules/$kver/build" ;;
	modroot) echo / ;;
	cmdline) echo ;;
	checks) distro_checks ;;
	# PREEMPT_RT: the suite's thread races (race_test, lifetime_test)
	# hand the mutex over thread by thread; its VM suite took 3.3x (and
	# more) that of 6.12 on the same loaded host (docs/reliability.md).
	slowdown) if [ "$KERNEL" = 6.12-rt ]; then echo 4; else echo 1; fi ;;
	esac
}

main "$@"
