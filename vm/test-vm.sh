#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of the VM harness, run on the host; prints TAP (tap/tap.sh).
#
#   vm/test-vm.sh          (honours KERNEL and ACCEL like vm/run.sh)
#
# Boots seven guests at once (so it stays near 30 s on idle cores): a
# job that checks the guest's layout, writes /results and exits 3; a clean
# job that exits 0; jobs that put a WARNING and a "kernel BUG at" in the
# kernel log; a job that powers the guest off, so that no exit status
# comes; a job that hangs; one under --icount.  Then --icount with
# ACCEL=kvm and --gdb with ACCEL=auto, refused at once, and, without a guest, the report lines of
# the console scan (kernel-problems.txt) against real reports and boot
# banners.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. "$here/../tap/tap.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mymem-vm-selftest.XXXXXX")
trap 'rm -rf "$tmp" "$tap_tmp"' EXIT
kver=$("$here/kernel.sh" kver)

cat >"$tmp/layout.sh" <<'EOF'
#!/bin/sh
# Check the guest's side of the contract in docs/CONTRIBUTING.md.
fail=0 arg1=$1 arg2=$2 kver=$3
check() {
	if eval "$1"; then echo "guest: ok: $1"; else echo "guest: FAIL: $1"; fail=1; fi
}
for m in '/proc proc' '/sys sysfs' '/dev devtmpfs' '/sys/kernel/debug debugfs' '/tmp tmpfs'; do
	check "grep -q ' $m ' /proc/mounts"
done
check '[ "$(pwd)" = / ] && [ "$(id -u)" = 0 ]'
check '[ "$arg1" = "two words" ] && [ "$arg2" = "it'"'"'s" ]'
check '[ "$(uname -r)" = "$kver" ]'
check 'case ":$PATH:" in :/mymem/bin:*) true ;; *) false ;; esac'
check '[ "$(hostseq 3 3)" = 3 ]'
check 'modprobe -V | grep -q "^kmod version"'
check 'modprobe brd rd_nr=1 rd_size=1024 && [ -b /dev/ram0 ]'
echo hello >/results/hello.txt
mkdir /results/sub && echo deep >/results/sub/file
exit $((3 + 10 * fail))
EOF
printf '#!/bin/sh\necho clean\n' >"$tmp/clean.sh"
printf '#!/bin/sh\necho "WARNING: vm selftest" >/dev/kmsg\n' >"$tmp/warn.sh"
printf '#!/bin/sh\necho "kernel BUG at vm/test-vm.sh:1!" >/dev/kmsg\n' >"$tmp/bug.sh"
printf '#!/bin/sh\npoweroff -f\n' >"$tmp/poweroff.sh"
printf '#!/bin/sh\nsleep 600\n' >"$tmp/hang.sh"

# run NAME RUN.SH-OPTIONS... : boot in the background, status to NAME.rc.
run() {
	local name=$1
	shift
	{
		local rc=0
		"$here/run.sh" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
		echo "$rc" >"$tmp/$name.rc"
	} &
}
run layout --out "$tmp/results" --add "$(command -v seq)=/mymem/bin/hostseq" \
	-- "$tmp/layout.sh" "two words" "it's" "$kver"
run clean -- "$tmp/clean.sh"
run warn -- "$tmp/warn.sh"
run bug -- "$tmp/bug.sh"
run poweroff -- "$tmp/poweroff.sh"
run hang --timeout 15 -- "$tmp/hang.sh"
printf '#!/bin/sh\nnproc\n' >"$tmp/nproc.sh"
run icount --icount -- "$tmp/nproc.sh"
# A host whose KVM hangs: a QEMU that never prints (x86-64 and 6.1
# whatever ARCH and KERNEL say: only the fake QEMU runs).
mkdir "$tmp/hung-qemu"
for q in qemu-system-x86_64 qemu-system-aarch64; do
	printf '#!/bin/sh\nexec sleep 600\n' >"$tmp/hung-qemu/$q"
	chmod +x "$tmp/hung-qemu/$q"
done
ACCEL=kvm ARCH="" KERNEL=6.1 PATH=$tmp/hung-qemu:$PATH run kvmhang -- "$tmp/clean.sh"
wait

# tap STATUS DESCRIPTION [RUN-NAME to show when not ok]
tap() {
	tap_result "$1" "$2"
	[ "$1" = 0 ] || [ -z "${3:-}" ] || sed 's/^/# /' "$tmp/$3.out" "$tmp/$3.err"
}
rc() { cat "$tmp/$1.rc"; }
: >"$tmp/scan.err"

# Each check's status goes to tap, so a failing one must not end us.
set +e
tap_begin
[ "$(rc layout)" = 3 ]
tap $? "the job's exit status (3) is run.sh's" layout
! grep -q '^guest: FAIL' "$tmp/layout.out" && grep -q '^guest: ok' "$tmp/layout.out"
tap $? "guest layout: mounts, cwd, args, PATH, KVER, added binary, kmod, brd" layout
[ "$(cat "$tmp/results/hello.txt" 2>/dev/null)" = hello ] &&
	[ "$(cat "$tmp/results/sub/file" 2>/dev/null)" = deep ]
tap $? "the guest's /results arrives in --out" layout
[ "$(rc clean)" = 0 ] && [ "$(cat "$tmp/clean.out")" = clean ]
tap $? "a clean job exits 0 and its output is streamed" clean
grep -q '^vm/run.sh: kernel .*, accel ' "$tmp/clean.err"
tap $? "run.sh names the kernel and accelerator" clean
[ "$(rc warn)" = 126 ] && grep -q '^vm/run.sh: FAIL: kernel reported: .*WARNING: vm selftest' "$tmp/warn.err"
tap $? "a WARNING in the kernel log fails the run (126)" warn
[ "$(rc bug)" = 126 ] && grep -q '^vm/run.sh: FAIL: kernel reported: .*kernel BUG at vm/test-vm.sh:1!' "$tmp/bug.err"
tap $? "a kernel BUG at in the kernel log fails the run (126)" bug
[ "$(rc poweroff)" = 125 ] && grep -q '^vm/run.sh: FAIL: the guest stopped without an exit status' "$tmp/poweroff.err"
tap $? "a guest that stops before the job's status is sent fails the run (125)" poweroff
[ "$(rc hang)" = 124 ] && grep -q '^vm/run.sh: FAIL: time limit' "$tmp/hang.err"
tap $? "a hung job is stopped at the time limit (124)" hang
[ "$(rc icount)" = 0 ] && [ "$(cat "$tmp/icount.out")" = 1 ] &&
	grep -q '^vm/run.sh: kernel .*, accel icount, 1 cpus' "$tmp/icount.err"
tap $? "--icount boots one vCPU and says accel icount" icount
ACCEL=kvm "$here/run.sh" --icount -- "$tmp/clean.sh" 2>"$tmp/kvm.err"
[ $? = 64 ] && grep -q -- '--icount needs TCG' "$tmp/kvm.err"
tap $? "--icount with ACCEL=kvm is a usage error (64)"
# (--timeout: a harness without the check would boot a guest waiting
# for its debugger.)
ACCEL=auto "$here/run.sh" --timeout 10 --gdb "$tmp/gdb" -- "$tmp/clean.sh" \
	2>"$tmp/gdb.err"
[ $? = 64 ] && grep -q -- '--gdb needs ACCEL=tcg or kvm' "$tmp/gdb.err"
tap $? "--gdb with ACCEL=auto is a usage error (64)"

# Lines of real reports (6.1 and 6.12 formats, x86-64 and arm64: oopses,
# RCU stalls of each kind, SLUB debug, page poisoning, KFENCE,
# allocation failures) that must fail a run, and boot lines of the debug
# kernels and of the boot-time debug options that must not.
cat >"$tmp/reports" <<'EOF'
[   10.000001] kernel BUG at mm/slub.c:379!
[   10.000002] invalid opcode: 0000 [#1] PREEMPT SMP KASAN NOPTI
[   10.000003] BUG: unable to handle page fault for address: ffffc90000400000
[   10.000004] Oops: 0002 [#1] PREEMPT SMP NOPTI
[   10.000005] general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1]
[   10.000006] WARNING: CPU: 1 PID: 97 at kernel/jump_label.c:829 jump_label_module_notify+0x1f/0x90
[   10.000007] Kernel panic - not syncing: Fatal exception
[   10.000008] Call Trace:
[   10.000009] UBSAN: shift-out-of-bounds in drivers/char/mymem.c:100:9
[   10.000010] BUG: KASAN: slab-out-of-bounds in mymem_read+0x1/0x2 [mymem]
[   10.000011] BUG: KCSAN: data-race in mymem_write / mymem_read
[   10.000012] kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
[   10.000013] INFO: task insmod:123 blocked for more than 120 seconds.
[   10.000014] WARNING: possible circular locking dependency detected
[   10.000015] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
[   10.000016] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [insmod:123]
[   10.000017] NMI watchdog: Watchdog detected hard LOCKUP on cpu 1
[   10.000018] DEBUG_LOCKS_WARN_ON(1)
unreferenced object 0xffff888003a1b000 (size 64):
[   10.000019] kmemleak: Memory pool empty, consider increasing CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE
[   10.000020] kmemleak: Cannot allocate a kmemleak_object structure
kmemleak: scan failed
[   10.000021] rcu: INFO: rcu_sched self-detected stall on CPU
[   10.000022] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-... } 21 jiffies s: 213 root: 0x2/.
[   10.000023] rcu: rcu_preempt kthread starved for 5002 jiffies! g1581 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x0 ->cpu=0
[   10.000024] INFO: rcu_tasks detected stalls on tasks:
[   10.000025] BUG kmalloc-64 (Not tainted): Redzone overwritten
[   10.000026] BUG kmalloc-64 (Tainted: G    B      O      ): Poison overwritten
[   10.000027] pagealloc: memory corruption
[   10.000028] pagealloc: single bit error
[   10.000029] BUG: KFENCE: use-after-free read in mymem_read+0x1/0x2 [mymem]
[   10.000030] insmod: page allocation failure: order:10, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0
[   10.000031] vmalloc error: size 524288, page order 0, failed to allocate pages, mode:0xcc2(GFP_KERNEL|__GFP_HIGHMEM), nodemask=(null),cpuset=/,mems_allowed=0
[   10.000032] usercopy: Kernel memory exposure attempt detected from SLUB object 'kmalloc-64' (offset 0, size 128)!
[   10.000033] list_del corruption. prev->next should be ffff888003a1b000, but was 0000000000000000. (prev=ffff888003a1b100)
[   10.000034] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000
[   10.000035] Unable to handle kernel paging request at virtual address ffff800008000000
[   10.000036] Internal error: Oops: 0000000096000005 [#1] PREEMPT SMP
[   10.000037] Internal error: BRK handler: 00000000f2000800 [#1] PREEMPT SMP
[   10.000038] Call trace:
[   10.000039] SError Interrupt on CPU0, code 0x00000000bf000002 -- SError
[   10.000040] INFO: lockdep is turned off.
[   10.000041] turning off the locking correctness validator.
EOF
cat >"$tmp/banners" <<'EOF'
[    0.000000] kasan: KernelAddressSanitizer initialized (generic)
[    0.000001] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.000002] ... MAX_LOCKDEP_SUBCLASSES:  8
[    0.000003] kmemleak: Kernel memory leak detector initialized (mem pool available: 15838)
[    0.000004] kcsan: enabled early
[    0.000005] rcu: 	RCU lockdep checking is enabled.
[    0.000006] Kernel command line: console=ttyS0,115200 slub_debug=FZPU page_poison=1 kfence.sample_interval=10 sysctl.kernel.hung_task_timeout_secs=30
[    0.000007] mem auto-init: CONFIG_PAGE_POISONING is on, will take precedence over init_on_alloc and init_on_free
[    1.000000] mymem-vm: job /mymem/job/suite.sh starts
[    2.000000] mymem: 524288 bytes at /dev/mymem
[    3.000000] reboot: Power down
EOF
# (grep's 1: no line selected; 2, an error, fails too.)
grep -v -E -f "$here/kernel-problems.txt" "$tmp/reports" >"$tmp/scan.out"
[ $? = 1 ]
tap $? "every kind of kernel report is a problem line (kernel-problems.txt)" scan
grep -E -f "$here/kernel-problems.txt" "$tmp/banners" >"$tmp/scan.out"
[ $? = 1 ]
tap $? "boot banners of the debug kernels and our own lines are not" scan

# A silent KVM guest ends at the first-output deadline, not at the
# limit (300 s; the fake QEMU sleeps 600 s, so the limit would say 124).
[ "$(rc kvmhang)" = 69 ] &&
	grep -qx 'vm/run.sh: FAIL: KVM guest printed nothing in 30 s; /dev/kvm may hang here: use ACCEL=tcg' \
		"$tmp/kvmhang.err"
tap $? "a KVM guest that prints nothing in 30 s fails the run (69) with a hint" kvmhang

# An unknown KERNEL or ARCH: kernel.sh's one line and nothing more from
# make (no Kbuild errors after it), a usage error (64) from run.sh.
# The make under test is not a sub-make of a `make test` that runs us.
unknown_stops() {
	local name=$1 want=$2 rc
	shift 2
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$@" make --no-print-directory \
		-C "$here/.." test >"$tmp/$name.out" 2>&1
	rc=$?
	[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/$name.out")" = 1 ] &&
		grep -qF "$want" "$tmp/$name.out" || return 1
	env "$@" "$here/run.sh" -- "$tmp/clean.sh" >"$tmp/$name.err" 2>&1
	rc=$?
	[ "$rc" = 64 ] && [ "$(cat "$tmp/$name.err")" = "$want" ]
}
unknown_stops kernel77 "vm/kernel.sh: unknown KERNEL=7.7 (want 6.1, 6.12, 6.12-rt, debug or kcsan)" KERNEL=7.7
tap $? "make test KERNEL=7.7 stops at one line; run.sh says it, 64" kernel77
unknown_stops sparc "vm/kernel.sh: unknown ARCH=sparc (want arm64, or none for x86-64)" ARCH=sparc
tap $? "make test ARCH=sparc stops at one line; run.sh says it, 64" sparc

# The arm64 release comes from the arm64 archive alone, newest first, and
# only with its image: here 6.12.118's headers are out but its image is
# not yet (as the archive once had amd64 6.12.118, arm64 6.12.117), and
# 6.12.9 sorts below 6.12.117.  A fake apt (and dpkg) answers.
mkdir "$tmp/fake-apt" "$tmp/fake-cache"
cat >"$tmp/fake-apt/apt-cache" <<'EOF'
#!/bin/sh
case "$1" in
show) ;;
search) printf '%s - headers\n' linux-headers-6.12.9+deb12-arm64 \
	linux-headers-6.12.118+deb12-arm64 linux-headers-6.12.117+deb12-arm64 ;;
policy)
	case "$2" in
	linux-image-6.12.118*) v='(none)' ;;
	*) v=1 ;;
	esac
	printf '%s:\n  Installed: (none)\n  Candidate: %s\n' "$2" "$v"
	;;
esac
EOF
printf '#!/bin/sh\necho arm64\n' >"$tmp/fake-apt/dpkg"
chmod +x "$tmp/fake-apt/apt-cache" "$tmp/fake-apt/dpkg"
PATH=$tmp/fake-apt:$PATH MYMEM_CACHE=$tmp/fake-cache "$here/arm64.sh" release 6.12 \
	>"$tmp/release.out" 2>"$tmp/release.err" &&
	[ "$(cat "$tmp/release.out")" = 6.12.117+deb12-arm64 ]
tap $? "arm64's release: the newest of its own archive with an image" release
# The release run.sh names is the one the layout job found in uname -r.
grep -qF "vm/run.sh: kernel $kver, accel " "$tmp/layout.err"
tap $? "run.sh's kernel line names the release that ran ($kver)" layout
tap_done
