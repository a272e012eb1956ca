#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 side of the harness (ARCH=arm64): Debian's arm64 packages and
# cross compilers, downloaded and unpacked, never installed.
#
#   vm/arm64.sh guest            busybox, kmod, the shells and tools the
#                                guest's initramfs takes, fio, stress-ng and
#                                trinity, all with their libraries
#   vm/arm64.sh release SERIES   prints the newest release of a distro
#                                kernel series (6.1, 6.12, 6.12-rt) whose
#                                image and headers the arm64 archive has
#   vm/arm64.sh kernel RELEASE   image, modules and headers of one release
#                                (6.1.0-57-arm64, 6.12.41+deb12-arm64, ...)
#   vm/arm64.sh cross            aarch64 and AArch32 (armhf) cross compilers
#                                (and arm64 liburing for the test programs)
#
# guest and kernel unpack into one root, whose path they print
# (vm/run.sh takes the guest's programs from there, vm/kernel.sh the
# kernel); cross prints the directory of the cross tools' wrappers
# (aarch64-linux-gnu-gcc, arm-linux-gnueabihf-gcc, ...).
#
# Why nothing is installed: the arm64 headers package pulls an arm64
# compiler and so removes the amd64 headers, and Debian's cross compilers
# conflict with gcc-multilib, which the x86-64 -m32 twins need.  So the
# packages are fetched with apt-get download (arm64 added to dpkg's
# foreign architectures once, for the package lists) and unpacked with
# dpkg -x under ${MYMEM_CACHE:-/var/cache/mymem}/arm64, shared by every
# clone; a lock makes a second caller wait for the first.  Each part is
# redone when the exact versions it needs change.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
cache=${MYMEM_CACHE:-/var/cache/mymem}/arm64
debs=$cache/debs

# The package lists know arm64 (root only, once per machine).
arm64_lists() {
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		[ "$(id -u)" -eq 0 ] || die "run as root once: dpkg --add-architecture arm64 && apt-get update"
		dpkg --add-architecture arm64
		apt-get update -qq >&2
	elif ! apt-cache show libc6:arm64 >/dev/null 2>&1; then
		[ "$(id -u)" -eq 0 ] || die "no arm64 package lists; run as root: apt-get update"
		apt-get update -qq >&2
	fi
}

# The arm64 packages that PACKAGE... need to run: their Depends and
# PreDepends, recursively, the first choice of each alternative and the
# first arm64 provider of a virtual package.  Packages for all
# architectures hold no binaries and are left out.
closure() {
	local todo=("$@") seen=" " next p
	while [ ${#todo[@]} -gt 0 ]; do
		for p in "${todo[@]}"; do seen+="$p "; done
		next=$(apt-cache depends --important "${todo[@]}" | awk '
			/^[^ ]/ { alt = 0; next }
			/^  [ |]?(Pre)?Depends: / {
				taken = alt; alt = ($1 ~ /^\|/)
				if (taken) { want = 0; next }
				want = 1
				if ($2 ~ /^</) next	# virtual: a provider follows
				if ($2 ~ /:arm64$/) print $2
				want = 0; next
			}
			/^    / && want && $1 ~ /:arm64$/ { print $1; want = 0 }
			' | sort -u)
		todo=()
		for p in $next; do
			[[ $seen == *" $p "* ]] || todo+=("$p")
		done
	done
	tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort
}

# PART was done since apt last updated its package lists: its packages
# are those to have, without asking apt (which takes seconds).
fresh() {
	[ "$cache/.done-$1" -nt /var/lib/apt/lists ]
}

# unpack PART DIR PACKAGE...: download PACKAGE... (exact names, :arch
# for a foreign one) and unpack them into DIR; nothing to do if PART was
# done with the same versions.  PART counts as done once finish PART
# has run, after whatever the caller does to the unpacked files.
unpack() {
	local part=$1 dir=$2 want d
	shift 2
	want=$(apt-cache policy "$@" | awk '/^[^ ]/ { p = $1 } /Candidate:/ { print p, $2 }')
	[ "$(cat "$cache/.done-$part" 2>/dev/null)" != "$want" ] || return 0
	grep -q ' (none)$' <<<"$want" && die "no candidate for: $(grep ' (none)$' <<<"$want" | tr '\n' ' ')"
	echo "$me: downloading and unpacking $part ($# packages) into $dir" >&2
	rm -f "$cache/.done-$part"
	mkdir -p "$debs" "$dir"
	# apt downloads as its sandbox user, who must be able to write there.
	! id _apt >/dev/null 2>&1 || chown _apt "$debs"
	(cd "$debs" && apt-get download -qq "$@" >&2) || die "apt-get download failed"
	while read -r p v; do
		d=$(compgen -G "$debs/${p%%:*}_${v//:/%3a}_*.deb" | head -n 1) ||
			die "downloaded no .deb for $p $v"
		dpkg -x "$d" "$dir"
	done <<<"$want"
	echo "$want" >"$cache/.done-$part.new"
}

finish() {
	[ ! -e "$cache/.done-$1.new" ] || mv "$cache/.done-$1.new" "$cache/.done-$1"
	touch "$cache/.done-$1"
}

# The guest's programs: what vm/run.sh packs, as on the host, and what
# tests/stress.sh and tests/fuzz.sh add.
guest() {
	fresh guest && return
	arm64_lists
	# shellcheck disable=SC2046 # the closure is plain words
	unpack guest "$cache/root" $(closure busybox-static:arm64 kmod:arm64 \
		dash:arm64 bash:arm64 coreutils:arm64 findutils:arm64 util-linux:arm64 \
		fio:arm64 stress-ng:arm64 trinity:arm64)
	finish guest
}

# The arm64 archive is not the amd64 one: its build of a release may
# come a day later (amd64 had 6.12.118 while arm64 had 6.12.117), so
# the release is chosen from its own package lists, newest first, and
# only one with an image (signed or not) and headers counts.  The answer
# holds until apt's lists change.
release() {
	local series=$1 re r answer=$cache/.release-$1
	case "$series" in
	6.1) re='6\.1\.0-[0-9]+' ;;
	6.12) re='6\.12\.[0-9]+\+deb[0-9]+' ;;
	6.12-rt) re='6\.12\.[0-9]+\+deb[0-9]+-rt' ;;
	*) usage ;;
	esac
	if [ "$answer" -nt /var/lib/apt/lists ]; then
		cat "$answer"
		return
	fi
	arm64_lists
	for r in $(apt-cache search --names-only "^linux-headers-$re-arm64\$" |
		awk '{ print $1 }' | sed 's/^linux-headers-//' | sort -rV); do
		if has_candidate "linux-headers-$r:arm64" &&
			{ has_candidate "linux-image-$r:arm64" ||
				has_candidate "linux-image-$r-unsigned:arm64"; }; then
			echo "$r"
			# (Not cached for a caller who cannot write the cache.)
			echo "$r" 2>/dev/null >"$answer" || true
			return
		fi
	done
	die "no arm64 $series kernel with image and headers in apt's lists"
}

# (Not apt-cache | grep -q: under pipefail, apt-cache's SIGPIPE when
# grep stops early would count as no.)
has_candidate() {
	local policy
	policy=$(apt-cache policy "$1" 2>/dev/null)
	grep -q 'Candidate: [^(]' <<<"$policy"
}

# Image and modules, headers, their architecture-independent half (the
# headers' Makefile includes it) and the host's build of their scripts
# (linux-kbuild, of the same version: the headers link to it).
kernel() {
	local release=$1 root=$cache/root image deps common kbuild
	[[ $release == *-arm64 ]] || usage
	fresh "kernel-$release" && return
	arm64_lists
	image=linux-image-$release:arm64
	apt-cache show "$image" >/dev/null 2>&1 || image=linux-image-$release-unsigned:arm64
	deps=$(apt-cache depends "linux-headers-$release:arm64" 2>/dev/null) ||
		die "no package linux-headers-$release for arm64"
	common=$(grep -o -m 1 'linux-headers-[^:>]*-common' <<<"$deps") ||
		die "linux-headers-$release needs no -common package?"
	kbuild=$(grep -o -m 1 'linux-kbuild-[^:>]*' <<<"$deps") ||
		die "linux-headers-$release needs no linux-kbuild package?"
	unpack "kernel-$release" "$root" "$image" "linux-headers-$release:arm64" \
		"$common" "$kbuild:$(dpkg --print-architecture)"
	# The include names the common half by its installed path.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$root/usr/src/linux-headers-$release/Makefile"
	# 6.12's headers come from a cross build and force its tool prefix
	# (override CROSS_COMPILE = aarch64-linux-gnu-), which drops the
	# directory of ours: the caller's CROSS_COMPILE must win, as on 6.1.
	sed -i '/^override CROSS_COMPILE = /d' \
		"$root/usr/src/linux-headers-$release/.kernelvariables"
	# The modules' indexes, which the package's postinst would make.
	/usr/sbin/depmod -b "$root" "$release"
	finish "kernel-$release"
}

# Each tool of the cross compilers gets a wrapper that finds the
# binutils' own libraries, which the packages put under /usr/lib.
cross() {
	local pkgs=() t tc=$cache/cross
	for t in aarch64-linux-gnu:arm64 arm-linux-gnueabihf:armhf; do
		pkgs+=("gcc-${t%:*}" "cpp-${t%:*}" "gcc-12-${t%:*}" "cpp-12-${t%:*}"
			"gcc-12-${t%:*}-base" "binutils-${t%:*}"
			"libgcc-12-dev-${t#*:}-cross" "libc6-dev-${t#*:}-cross"
			"libc6-${t#*:}-cross" "linux-libc-dev-${t#*:}-cross"
			"libgcc-s1-${t#*:}-cross" "libatomic1-${t#*:}-cross")
	done
	if ! fresh cross; then
		arm64_lists
		unpack cross "$tc/root" gcc-12-cross-base "${pkgs[@]}"
		finish cross
	fi
	# liburing for iopaths_test (static), where the cross compiler
	# looks for its target's libraries and headers, as Debian's -cross
	# packages put them.
	if ! fresh uring; then
		arm64_lists
		unpack uring "$tc/uring" liburing-dev:arm64
		cp "$tc/uring/usr/lib/aarch64-linux-gnu/liburing.a" \
			"$tc/root/usr/aarch64-linux-gnu/lib/"
		cp -R "$tc/uring/usr/include/." "$tc/root/usr/aarch64-linux-gnu/include/"
		finish uring
	fi
	if [ ! "$tc/bin/.complete" -nt "$cache/.done-cross" ]; then
		rm -rf "${tc:?}/bin" && mkdir -p "$tc/bin"
		for t in "$tc"/root/usr/bin/*-linux-gnu*-*; do
			printf '#!/bin/sh\nLD_LIBRARY_PATH=%s/root/usr/lib/x86_64-linux-gnu exec %s "$@"\n' \
				"$tc" "$t" >"$tc/bin/${t##*/}"
			chmod +x "$tc/bin/${t##*/}"
		done
		touch "$tc/bin/.complete"
	fi
	echo "$tc/bin"
}

main() {
	local what=${1:-}
	case "$what" in
	guest | cross) [ $# -eq 1 ] || usage ;;
	kernel | release) [ $# -eq 2 ] || usage ;;
	*) usage ;;
	esac
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	if ! flock -n 9; then
		echo "$me: waiting for another caller to finish with $cache" >&2
		flock 9
	fi
	"$@"
	case "$what" in
	guest | kernel) echo "$cache/root" ;;
	esac
}

main "$@"
