#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the guest kernel in QEMU and run one job in it.
#
#   vm/run.sh [--out DIR] [--timeout SECS] [--add HOST[=GUEST]]...
#             [--module NAME]... [--mem MB] [--smp N] [--cmdline ARGS]
#             [--fast-clock] [--icount] [--checks] [--gdb SOCKET]
#             -- SCRIPT [ARGS...]
#
# Environment: KERNEL (6.1, 6.12, 6.12-rt; see kernel.sh), ACCEL (tcg
# default, kvm, auto), BUILD (default build/), ARCH (none for x86-64, or
# arm64: Debian's arm64 kernel on QEMU's virt machine, the guest's
# programs from vm/arm64.sh's root instead of the host's).  Each run keeps its logs
# (console.log, job.log, control.log, qemu.log) in its own directory
# $BUILD/vm/run-TIME-PID, since runs may overlap; $BUILD/vm/last points to
# the newest and only the newest 20 are kept.
#
# The guest is a busybox initramfs built afresh for each run.  Its /init,
# guest/init.sh, runs SCRIPT ARGS as root in /, sends the job's output
# over ttyS1, the guest's /results as a tar over ttyS2, then the exit
# status, and powers off.  The kernel console goes to ttyS0 alone, so the job's output never
# mixes with kernel messages and the console log can be scanned for
# kernel reports.  See docs/vm.md.
#
# Exit status: the job's own, unless the harness failed:
#   64 usage (an unknown KERNEL or ARCH too),
#   69 a KVM guest printed nothing within 30 s (KVM hangs on this host),
#   70 the harness could not set up the guest,
#   124 the time limit ran out, 125 the guest died without an exit status,
#   126 the kernel reported a problem (oops, BUG, WARNING, ...).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# depmod, modprobe and chroot live in sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
ACCEL=${ACCEL:-tcg}
vmdir=${BUILD:-$repo/build}/vm

# Kernel log lines that mean something went wrong, even if the job passed:
# one extended regular expression a line (grep -E -f), nothing else.
# Only report lines: boot banners of the debug options (kasan, kmemleak,
# lockdep) do not match.  BUG() and BUG_ON() say "kernel BUG at" and
# "invalid opcode", not "BUG:".  tests/faultinject.sh uses them too.
readonly KERNEL_PROBLEMS=$here/kernel-problems.txt

# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
die_status=70

out="" cmdline_extra="" timeout=300 mem=1024 smp=2 clock="tsc=unstable"
icount=0 checks=0 gdb=""
adds=() modules=(brd)
while [ $# -gt 0 ]; do
	case "$1" in
	--out | --timeout | --add | --module | --mem | --smp | --cmdline | --gdb)
		[ -n "${2:-}" ] || usage "$1 needs a value"
		;;&
	--out) out=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	--module) modules+=("$2"); shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--cmdline) cmdline_extra=$2; shift 2 ;;
	# For benchmarks: clock_gettime() from the vDSO on the TSC costs
	# ~60 ns in a TCG guest, on the HPET (a system call) ~850 ns.  The
	# price is the risk described at the command line below, which
	# scales absolute times but not ratios measured in one run.
	--fast-clock) clock="tsc=reliable clocksource=tsc"; shift ;;
	# Guest time counts instructions (1 ns each), not the host's clock,
	# so timings do not follow the host's load.  QEMU 7.2 boots it on
	# one vCPU only (with two it stops at "Booting SMP configuration").
	--icount) icount=1; shift ;;
	# For tests, never benchmarks: the memory checks the kernel has
	# built in but off, switched on (vm/kernel.sh checks).
	--checks) checks=1; shift ;;
	# QEMU's gdbstub on a Unix socket (no TCP port to clash with other
	# guests), for profile/profile.sh, which traces the guest from it:
	# QEMU waits for that client before the guest runs its first
	# instruction, so nothing happens before the tracer is there.
	--gdb) gdb=$2; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -ge 1 ] || usage
script=$1
shift
[ -f "$script" ] || die "no such script: $script"
for n in "$timeout" "$mem" "$smp"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || usage
done
case "$ACCEL" in
tcg | kvm | auto) ;;
*)
	usage "unknown ACCEL=$ACCEL (want tcg, kvm or auto)"
	;;
esac
if [ "$icount" = 1 ] && [ "$ACCEL" = kvm ]; then
	usage "--icount needs TCG, not ACCEL=kvm"
fi
# ACCEL=auto's probe boot would wait for the debugger too.
if [ -n "$gdb" ] && [ "$ACCEL" = auto ]; then
	usage "--gdb needs ACCEL=tcg or kvm, not auto"
fi
# kernel.sh's one line, before anything is installed or fetched.
"$here/kernel.sh" check || exit 64

"$repo/setup.sh" base >&2 || die "setup failed"
# sysroot: where the guest's programs and libraries come from ("" = the
# host).  An arm64 guest's job and control ports are virtio consoles: the
# virt machine has one UART, the kernel console's.
sysroot="" console=ttyS0 job_tty=/dev/ttyS1 control_tty=/dev/ttyS2
case "${ARCH:-}" in
"" | x86_64) ;;
arm64)
	"$repo/setup.sh" arm64 >&2 || die "setup failed"
	sysroot=$("$here/arm64.sh" guest) || die "no arm64 programs for the guest"
	console=ttyAMA0 job_tty=/dev/hvc0 control_tty=/dev/hvc1 clock=""
	modules+=(virtio_pci virtio_console)
	if [ "$ACCEL" != tcg ] && [ "$(uname -m)" != aarch64 ]; then
		usage "ARCH=arm64 on a $(uname -m) host needs ACCEL=tcg"
	fi
	;;
esac
kver=$("$here/kernel.sh" kver) || die "no guest kernel"
vmlinuz=$("$here/kernel.sh" vmlinuz)
# Time limits are written for a distro kernel; a debug kernel runs the
# same job several times slower.
timeout=$((timeout * $("$here/kernel.sh" slowdown)))
# Debian installs the image readable by root only.
[ -r "$vmlinuz" ] || die "cannot read $vmlinuz (run as root)"

tmp=$(tmp_dir)
root=$tmp/root
qemu_pid="" tail_pid=""
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local p
	for p in $tail_pid $qemu_pid; do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the initramfs -----------------------------------------------------

is_elf() {
	[ "$(od -An -tx1 -N4 "$1" 2>/dev/null)" = " 7f 45 4c 46" ]
}

# An ELF file for the host's machine: e_machine 62, x86-64.
is_host_elf() {
	is_elf "$1" && [ "$(od -An -tu2 -j18 -N2 "$1")" -eq 62 ]
}

# The guest's build of host program $1: the same path in $sysroot, where
# Debian's packages may keep it in /bin for /usr/bin or the other way
# round (the host has merged them).
guest_program() {
	local p
	for p in "$1" "/usr${1#/usr}" "${1#/usr}"; do
		if [ -f "$sysroot$p" ]; then
			echo "$sysroot$p"
			return
		fi
	done
	die "no ${ARCH:-} build of $1 in $sysroot"
}

# An arm64 program's libraries and loader, from $sysroot: ldd cannot run
# a foreign loader, so the ELF file names them (interpreter, NEEDED, the
# directories of its RUNPATH), and each library is followed in turn.
pack_sysroot_libs() {
	local lib path d dynamic runpath
	for lib in $(readelf -lW "$1" 2>/dev/null |
		sed -n 's/.*program interpreter: \(.*\)]$/\1/p'); do
		[ -e "$root$lib" ] || add_file "$sysroot$lib" "$lib"
	done
	dynamic=$(readelf -dW "$1" 2>/dev/null) || true
	runpath=$(sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]$/\2/p' <<<"$dynamic" | tr ':' ' ')
	while read -r lib; do
		path=""
		for d in $runpath /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu; do
			if [ -e "$sysroot$d/$lib" ]; then
				path=$d/$lib
				break
			fi
		done
		[ -n "$path" ] || die "no $lib (for $1) in $sysroot"
		[ -e "$root$path" ] || add_file "$sysroot$path" "$path"
	done < <(sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' <<<"$dynamic")
}

# Copy one file and the libraries it needs from $sysroot.
add_file() {
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
	pack_sysroot_libs "$1"
}

# Copy the shared libraries and the dynamic loader of an ELF file to the
# same paths in the guest (ldd lists them all, loader included).
pack_libs() {
	local lib
	if [ -n "$sysroot" ]; then
		pack_sysroot_libs "$1"
		return
	fi
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# Copy a host file or directory to a guest path, with the libraries of
# every dynamic binary in it.  A host program for another guest
# architecture is replaced by the guest's build of it.
add() {
	local host=$1 guest=$2 f
	[ -e "$host" ] || die "--add: no such file: $host"
	if [ -n "$sysroot" ] && [ -f "$host" ] && is_host_elf "$host"; then
		host=$(guest_program "$host")
	fi
	[[ $guest == /* ]] || die "--add: the guest path must be absolute: $guest"
	mkdir -p "$root$(dirname "$guest")"
	# --remove-destination: a busybox applet at that path is a symlink
	# to /bin/busybox, which cp would otherwise write through -- on the
	# host.
	if [ -d "$host" ]; then
		mkdir -p "$root$guest"
		cp -RL --remove-destination "$host/." "$root$guest/"
	else
		cp -L --remove-destination "$host" "$root$guest"
	fi
	while IFS= read -r -d '' f; do
		if is_elf "$f"; then pack_libs "$f"; fi
	done < <(find "$root$guest" -type f -print0)
}

# A script whose interpreter the guest lacks (#!/bin/bash, #!/usr/bin/env
# bash) gets the host's binary and libraries; interpreters that need more
# files (python3's library) must be added with --add.
add_interpreter() {
	local line interp
	IFS= read -r line <"$1" || true
	[[ $line == '#!'* ]] || return 0
	read -r interp line <<<"${line#\#!}"
	if [ "$interp" = /usr/bin/env ]; then
		interp=$(command -v "${line%% *}") || die "no interpreter ${line%% *} for $1"
	fi
	[ -e "$root$interp" ] || add "$interp" "$interp"
}

# Busybox provides most tools; every applet is a symlink.
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,results}
mkdir -p "$root/mymem/bin" "$root/mymem/job"
# The applets are those of the host's busybox, the same Debian package.
if [ -n "$sysroot" ]; then
	cp "$sysroot/bin/busybox" "$root/bin/busybox"
else
	cp /bin/busybox "$root/bin/busybox"
fi
for applet in $(/bin/busybox --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

drop_applet() {
	rm -f "$root"/{bin,sbin,usr/bin,usr/sbin}/"$1"
}

# The real kmod, not busybox's applets: tests rely on modprobe and depmod
# behaving as on a distro (symbol namespaces, modules.dep, softdeps).
add /bin/kmod /bin/kmod
for tool in insmod rmmod modprobe depmod modinfo lsmod; do
	drop_applet "$tool"
	ln -s /bin/kmod "$root/sbin/$tool"
done

# Debian's busybox runs its own applet for any command named like one,
# even when its shell, env, xargs or timeout starts it, and so would
# shadow kmod.  Hence the shell (dash) and the tools that start other
# commands come from the host too.
drop_applet sh
add /bin/dash /bin/sh
for tool in env timeout nice nohup chroot xargs find flock setsid taskset \
	chrt ionice unshare nsenter; do
	host_tool=$(command -v "$tool") || die "no $tool on the host"
	drop_applet "$tool"
	add "$host_tool" "$host_tool"
done
printf 'job_tty=%s control_tty=%s\n' "$job_tty" "$control_tty" >"$root/etc/mymem-ports"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"

# Distro modules with their dependencies, then the guest's own depmod
# indexes so that "modprobe brd" works there.  A kernel of our own
# (KERNEL=debug) has its modules under its cache directory, not in the
# host's /lib/modules: modroot is the root above lib/modules.
modroot=$("$here/kernel.sh" modroot)
moddir=/lib/modules/$kver
mkdir -p "$root$moddir"
for m in "${modules[@]}"; do
	deps=$(modprobe -d "$modroot" -S "$kver" --show-depends "$m" 2>/dev/null) ||
		die "--module: no module $m in $kver"
	while read -r cmd ko _; do
		[ "$cmd" = insmod ] || continue
		# The same path below /lib/modules in the guest.
		guest_ko=/lib/modules/${ko#*/lib/modules/}
		mkdir -p "$root$(dirname "$guest_ko")"
		cp "$ko" "$root$guest_ko"
	done <<<"$deps"
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ ! -e "$modroot$moddir/$f" ] || cp "$modroot$moddir/$f" "$root$moddir/"
done
depmod -b "$root" "$kver" || die "depmod failed"

for a in "${adds[@]}"; do
	if [[ $a == *=* ]]; then
		add "${a%%=*}" "${a#*=}"
	else
		add "$a" "/mymem/$(basename "$a")"
	fi
done

job=/mymem/job/$(basename "$script")
add "$script" "$job"
chmod +x "$root$job"
add_interpreter "$script"

# The job's command line, quoted for the guest's shell.
{
	printf 'job=%q\nset --' "$job"
	for a in "$@"; do
		printf " '%s'" "${a//\'/\'\\\'\'}"
	done
	echo
} >"$root/etc/mymem-job"

# PID 1: guest/init.sh runs the job and sends back its output, results
# and status.
cp "$repo/guest/init.sh" "$root/init"
chmod +x "$root/init"

initrd=$tmp/initramfs.cpio
(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$initrd" ||
	die "cpio failed"

# --- boot ----------------------------------------------------------------

# loglevel=6 shows warnings and errors but not the chatter of a boot;
# panic=-1 with -no-reboot ends QEMU at once on a panic, and an oops
# (no oops=panic) kills only the faulting task, so the job can still
# finish, send its results and the log shows the whole story; devkmsg=on
# lets jobs mark their steps in the kernel log without rate limit;
# cryptomgr.notests skips 2 s of crypto self-tests under TCG.
# Under TCG on a loaded host the TSC is calibrated wrongly now and then;
# guest time then runs fast and RCU reports stalls that are not there.
# tsc=unstable makes timekeeping use the HPET, which follows real time
# (and is what 2 vCPUs usually end up with anyway, as their TSCs are not
# in sync), and no RCU stall is reported before init runs.
# no_timer_check: at boot the kernel checks that the timer interrupt
# arrives through the IO-APIC within a busy wait; a TCG vCPU on a loaded
# host can miss that window, and the kernel then panics ("IO-APIC +
# timer doesn't work!", seen on 6.12-rt with 4 guests booting at once).
cmdline="console=$console,115200 loglevel=6 printk.devkmsg=on panic=-1"
cmdline+=" cryptomgr.notests"
[ -n "$sysroot" ] || cmdline+=" no_timer_check $clock"
cmdline+=" rcupdate.rcu_cpu_stall_suppress_at_boot=1"
cmdline+=" $("$here/kernel.sh" cmdline) $cmdline_extra"
[ "$checks" = 0 ] || cmdline+=" $("$here/kernel.sh" checks)"

# Start QEMU under a time limit in the background; sets qemu_pid.  Its
# serial ports are the console, the job's output and the control channel.
start_qemu() {
	local accel=$1 secs=$2 logs=$3 append=$4 qemu machine tcg_cpu cpu ports
	# pauth-impdef: QEMU's own pointer-authentication hash, much faster
	# under TCG than the architected QARMA; a guest cannot tell.
	# gic-version=max: the host's GIC under KVM, GICv3 under TCG.
	if [ -n "$sysroot" ]; then
		qemu=qemu-system-aarch64 machine=virt,gic-version=max,mte=on
		tcg_cpu=max,pauth-impdef=on
		ports=(-serial "file:$logs/console.log" -device virtio-serial-pci
			-chardev "file,id=job,path=$logs/job.log" -device "virtconsole,chardev=job"
			-chardev "file,id=control,path=$logs/control.log"
			-device "virtconsole,chardev=control")
	else
		qemu=qemu-system-x86_64 machine=q35 tcg_cpu=max
		ports=(-serial "file:$logs/console.log" -serial "file:$logs/job.log"
			-serial "file:$logs/control.log")
	fi
	case "$accel" in
	tcg) cpu=(-accel "tcg,thread=multi" -cpu "$tcg_cpu") ;;
	icount) cpu=(-accel "tcg,thread=single" -cpu "$tcg_cpu" -icount "shift=0,sleep=off") ;;
	kvm) cpu=(-accel kvm -cpu host) ;;
	esac
	local debug=()
	[ -z "$gdb" ] || debug=(-chardev "socket,id=gdb,path=$gdb,server=on,wait=on"
		-gdb chardev:gdb)
	# Empty files first, so that "tail -f" can follow from the start.
	: >"$logs/console.log"
	: >"$logs/job.log"
	: >"$logs/control.log"
	timeout -k 5 "$secs" "$qemu" -nodefaults -no-user-config \
		-machine "$machine" "${cpu[@]}" -smp "$smp" -m "$mem" \
		-display none -no-reboot \
		-kernel "$vmlinuz" -initrd "$initrd" -append "$cmdline $append" \
		"${ports[@]}" "${debug[@]}" </dev/null >"$logs/qemu.log" 2>&1 &
	qemu_pid=$!
}

# KVM may hang on some hosts: boot the guest once with no job and at most
# 20 s.  The answer holds until the host reboots, so it is cached.  Sets
# probe_note to say where the evidence is.
kvm_works() {
	local cache=$vmdir/kvm-probe boot_id answer
	[ -w /dev/kvm ] || return 1
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	answer=$(sed -n "s/^$boot_id //p" "$cache" 2>/dev/null)
	probe_note="cached in $cache"
	if [ -z "$answer" ]; then
		probe_note="probe in $logdir/kvm-probe"
		mkdir -p "$logdir/kvm-probe"
		start_qemu kvm 20 "$logdir/kvm-probe" mymem.probe
		# (2>/dev/null: no "Aborted" from bash if QEMU dies of a signal.)
		wait "$qemu_pid" 2>/dev/null || true
		qemu_pid=""
		answer=no
		if grep -q '^@@mymem-exit 0' "$logdir/kvm-probe/control.log"; then
			answer=yes
		fi
		echo "$boot_id $answer" >"$cache"
	fi
	[ "$answer" = yes ]
}

# fail CODE REASON [DETAILS]
fail() {
	echo "$me: FAIL: $2" >&2
	[ -z "${3:-}" ] || echo "$3" >&2
	if [ -s "$logdir/console.log" ]; then
		echo "$me: last lines of $logdir/console.log:" >&2
		tail -n 40 "$logdir/console.log" >&2
	fi
	exit "$1"
}

logdir=$vmdir/run-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$logdir"
ln -sfn "${logdir##*/}" "$vmdir/last"
# Keep the newest 20 runs (the glob sorts them by time).
runs=("$vmdir"/run-*)
if [ ${#runs[@]} -gt 20 ]; then
	rm -rf "${runs[@]:0:${#runs[@]}-20}"
fi
accel=$ACCEL
# -icount is TCG's: ACCEL=auto takes it without probing KVM.
if [ "$icount" = 1 ]; then
	accel=icount smp=1
elif [ "$accel" = auto ]; then
	if kvm_works; then accel=kvm; else accel=tcg; fi
	accel="$accel (auto, KVM $probe_note)"
fi
echo "$me: kernel $kver, accel $accel, $smp cpus, $mem MB, limit ${timeout}s" >&2

start_qemu "${accel%% *}" "$timeout" "$logdir" ""
# Stream the job's output as it comes; tail ends shortly after QEMU.
tail -s 0.2 -n +1 -f --pid="$qemu_pid" "$logdir/job.log" &
tail_pid=$!
# KVM hangs on some hosts before the guest prints a byte (on this
# workplace's: nothing in 10 minutes).  Under KVM the kernel's first
# lines reach the console within seconds, so a console still empty
# after 30 s ends the run then, not at the time limit.
if [ "${accel%% *}" = kvm ]; then
	waited=0
	while [ ! -s "$logdir/console.log" ] && kill -0 "$qemu_pid" 2>/dev/null; do
		if [ "$waited" -ge 30 ]; then
			kill "$qemu_pid" 2>/dev/null || true
			wait "$qemu_pid" 2>/dev/null || true
			qemu_pid=""
			fail 69 "KVM guest printed nothing in 30 s; /dev/kvm may hang here: use ACCEL=tcg"
		fi
		sleep 1
		waited=$((waited + 1))
	done
fi
qemu_rc=0
wait "$qemu_pid" 2>/dev/null || qemu_rc=$?
qemu_pid=""
wait "$tail_pid" || true
tail_pid=""

# --- verdict -------------------------------------------------------------

# The control channel: an optional base64 tar of /results, then the status.
control=$(tr -d '\r' <"$logdir/control.log")
status=$(sed -n 's/^@@mymem-exit \([0-9]\{1,3\}\)$/\1/p' <<<"$control")
if [ -n "$out" ] && grep -qx '@@mymem-results-end' <<<"$control"; then
	mkdir -p "$out"
	# -m: the guest's clock is not the host's; take the time of unpacking.
	sed -n '/^@@mymem-results-begin$/,/^@@mymem-results-end$/{//!p}' \
		<<<"$control" | base64 -d | tar -xzm -C "$out" ||
		echo "$me: could not unpack the guest's /results" >&2
fi

problem=$(grep -m 1 -E -f "$KERNEL_PROBLEMS" "$logdir/console.log" | tr -d '\r' || true)
[ -z "$problem" ] || fail 126 "kernel reported: $problem"
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	fail 124 "time limit of ${timeout}s ran out (guest hung?)"
fi
if [ -z "$status" ]; then
	fail 125 "the guest stopped without an exit status (qemu status $qemu_rc)" \
		"$(tail -n 3 "$logdir/qemu.log")"
fi
exit "$status"
