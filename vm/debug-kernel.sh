#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest debug kernels from Debian's linux-source-6.1, once.
#
#   vm/debug-kernel.sh [debug|kcsan|all]      (default all)
#
#   debug  KASAN (generic, inline, vmalloc), lockdep (PROVE_LOCKING),
#          DEBUG_ATOMIC_SLEEP, UBSAN (bounds), kmemleak (no automatic
#          scan: the guest scans at the end of a run), failslab,
#          fail_page_alloc and fail_usercopy with their debugfs controls.
#   kcsan  KCSAN (exclusive with KASAN, hence a kernel of its own).
#
# Each lands in ${MYMEM_CACHE:-/var/cache/mymem}/kernels/NAME-SRCVERSION/:
#   build/     the O= build tree, usable as KDIR for out-of-tree modules
#   bzImage    the image
#   modules/   INSTALL_MOD_PATH: modules/lib/modules/RELEASE/ (brd, ...)
#   release    the kernel release (6.1.N-mymem-NAME)
#   complete   written last; holds the hash of the configuration recipe
# A kernel whose "complete" matches the recipe is not built again; one
# that is missing, half-built (interrupted) or built from an older recipe
# is (re)built, incrementally in the same tree.  With one name, the path of
# its directory is printed on stdout; all progress goes to stderr.
#
# Cost on 2 cores (nice, -j2): see docs/reliability.md (about 35-50 min
# each).  A lock per kernel makes a second caller wait for the first.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
cache=${MYMEM_CACHE:-/var/cache/mymem}

log() {
	echo "$me: $*" >&2
}

# scripts/config arguments of what every guest kernel needs, on top of
# x86_64_defconfig + kvm_guest.config: what vm/run.sh's guest uses
# (initramfs, devtmpfs, tmpfs, debugfs, three 8250 ports, the HPET, brd as
# a module so that "modprobe brd rd_size=..." works, -m32 test binaries),
# no debug info (it doubles the build time and the reports are symbolised
# by kallsyms anyway), and no drivers the guest has no device for.
common_config() {
	echo --set-str LOCALVERSION "-mymem-$1" --disable LOCALVERSION_AUTO \
		--enable MODULES --enable MODULE_UNLOAD --disable MODULE_SIG \
		--enable BLK_DEV_INITRD --enable DEVTMPFS --enable TMPFS \
		--enable DEBUG_FS --enable SERIAL_8250 --enable SERIAL_8250_CONSOLE \
		--enable HPET --enable HPET_TIMER --enable ACPI \
		--enable IA32_EMULATION --module BLK_DEV_RAM \
		--enable DEBUG_INFO_NONE --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
		--disable DEBUG_INFO_DWARF4 --disable DEBUG_INFO_DWARF5 \
		--disable DRM --disable SOUND --disable USB_SUPPORT \
		--disable WIRELESS --disable WLAN --disable NETDEVICES \
		--disable HID --disable NFS_FS --disable PCCARD --disable AGP \
		--disable ATA --disable MACINTOSH_DRIVERS \
		--disable NETFILTER --disable IPV6 --disable NET_SCHED \
		--disable IP_ADVANCED_ROUTER --disable IP_PNP --disable NETLABEL \
		--disable RFKILL --disable SECURITY_SELINUX --disable HIBERNATION \
		--disable HOTPLUG_PCI --disable INPUT_MOUSE --disable INPUT_JOYSTICK \
		--disable INPUT_TABLET --disable INPUT_TOUCHSCREEN \
		--disable ISO9660_FS --disable MSDOS_FS --disable VFAT_FS \
		--disable DMADEVICES --disable CPU_FREQ \
		--enable DETECT_HUNG_TASK --enable SOFTLOCKUP_DETECTOR \
		--disable PANIC_ON_OOPS
}

# The debug options of each kernel.
debug_config() {
	case "$1" in
	debug)
		# KASAN_VMALLOC: mymem's region is vmalloc_user() memory.
		# USERFAULTFD: the suite's stalled user copies, so that lockdep
		# and might_fault() see mymem's copies stop in a fault.
		echo --enable KASAN --enable KASAN_GENERIC --enable KASAN_INLINE \
			--disable KASAN_OUTLINE --enable KASAN_VMALLOC \
			--enable PROVE_LOCKING --enable DEBUG_ATOMIC_SLEEP \
			--enable DEBUG_LIST --enable DEBUG_VM \
			--enable UBSAN --enable UBSAN_BOUNDS --enable UBSAN_SHIFT \
			--enable UBSAN_SANITIZE_ALL --disable UBSAN_TRAP \
			--disable UBSAN_ALIGNMENT \
			--enable DEBUG_KMEMLEAK --set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 40000 \
			--disable DEBUG_KMEMLEAK_DEFAULT_OFF \
			--disable DEBUG_KMEMLEAK_AUTO_SCAN \
			--enable FAULT_INJECTION --enable FAILSLAB \
			--enable FAIL_PAGE_ALLOC --enable FAULT_INJECTION_USERCOPY \
			--enable FAULT_INJECTION_DEBUG_FS --enable USERFAULTFD
		;;
	kcsan)
		# The defaults (report a race only when the value changed,
		# aligned word writes count as atomic) report the races that
		# matter without the kernel's known benign ones.  USERFAULTFD:
		# the stalled copies drive the retry paths, with a writer
		# racing each lockless copy, which is what KCSAN checks.
		echo --enable KCSAN --disable KCSAN_STRICT \
			--enable DEBUG_ATOMIC_SLEEP --enable USERFAULTFD
		;;
	esac
}

# The options that must come out as asked: a dependency that Kconfig
# silently refused would otherwise give a kernel without the check.
required_options() {
	case "$1" in
	debug)
		echo KASAN KASAN_GENERIC KASAN_INLINE KASAN_VMALLOC PROVE_LOCKING \
			DEBUG_ATOMIC_SLEEP UBSAN UBSAN_BOUNDS DEBUG_KMEMLEAK \
			FAILSLAB FAIL_PAGE_ALLOC FAULT_INJECTION_USERCOPY \
			FAULT_INJECTION_DEBUG_FS USERFAULTFD
		;;
	kcsan) echo KCSAN USERFAULTFD ;;
	esac
	echo MODULE_UNLOAD DEVTMPFS BLK_DEV_INITRD SERIAL_8250_CONSOLE DEBUG_FS \
		IA32_EMULATION
}

# build NAME: build (or find) one kernel; prints its directory.
build() {
	local name=$1 src srcver dir recipe kmake release start
	src=$("$here/linux-source.sh")
	srcver=$(cat "$src/.mymem-version")
	dir=$cache/kernels/$name-$srcver
	# The recipe is this script's configuration for the kernel: a
	# changed option rebuilds it.
	recipe=$({ common_config "$name"; debug_config "$name"; } | sha256sum)
	recipe=${recipe%% *}
	if [ "$(cat "$dir/complete" 2>/dev/null)" = "$recipe" ]; then
		echo "$dir"
		return
	fi

	mkdir -p "$cache/kernels"
	exec 9>"$cache/kernels/.$name.lock"
	if ! flock -n 9; then
		log "another run is building the $name kernel; waiting for it"
		flock 9
	fi
	if [ "$(cat "$dir/complete" 2>/dev/null)" = "$recipe" ]; then
		exec 9>&-
		echo "$dir"
		return
	fi
	"$here/../setup.sh" base debug >&2

	log "building the $name kernel in $dir (35-50 min on 2 cores)"
	start=$(date +%s)
	rm -f "$dir/complete"
	mkdir -p "$dir/build"
	# LOCALVERSION= on the command line: no "+" for an unversioned tree.
	kmake=(nice -n 10 make -C "$src" O="$dir/build" -j2 LOCALVERSION=)
	"${kmake[@]}" -s defconfig kvm_guest.config >&2
	# shellcheck disable=SC2046 # the option lists are plain words
	"$src/scripts/config" --file "$dir/build/.config" \
		$(common_config "$name") $(debug_config "$name")
	"${kmake[@]}" -s olddefconfig >&2
	local opt
	for opt in $(required_options "$name"); do
		grep -qx "CONFIG_$opt=y" "$dir/build/.config" ||
			die "CONFIG_$opt did not stay enabled"
	done

	"${kmake[@]}" bzImage modules >&2
	rm -rf "$dir/modules"
	"${kmake[@]}" -s INSTALL_MOD_PATH="$dir/modules" INSTALL_MOD_STRIP=1 \
		modules_install >&2
	release=$("${kmake[@]}" -s kernelrelease)
	cp "$dir/build/arch/x86/boot/bzImage" "$dir/bzImage"
	echo "$release" >"$dir/release"
	echo "$recipe" >"$dir/complete"
	exec 9>&-
	log "built $release in $((($(date +%s) - start) / 60)) min"
	echo "$dir"
}

main() {
	case "${1:-all}" in
	debug | kcsan) build "$1" ;;
	all)
		build debug >/dev/null
		build kcsan >/dev/null
		;;
	*) usage ;;
	esac
}

main "$@"
