#!/bin/bash
# Self-test of the VM harness, run on the host; prints TAP.
#
#   vm/selftest.sh          (honours KERNEL and ACCEL like vm/run.sh)
#
# Boots five guests at once (so it stays near 30 s under TCG): a job that
# checks the guest's layout, writes /results and exits 3; a clean job that
# exits 0; a job that puts a WARNING in the kernel log; a job that hangs;
# one under --icount.  Then --icount with ACCEL=kvm, refused at once.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mymem-vm-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
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
run hang --timeout 15 -- "$tmp/hang.sh"
printf '#!/bin/sh\nnproc\n' >"$tmp/nproc.sh"
run icount --icount -- "$tmp/nproc.sh"
wait

n=0 failed=0
# tap OK? DESCRIPTION [RUN-NAME to show when not ok]
tap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -z "${3:-}" ] || sed 's/^/# /' "$tmp/$3.out" "$tmp/$3.err"
	fi
}
rc() { cat "$tmp/$1.rc"; }

# Each check's status goes to tap, so a failing one must not end us.
set +e
echo "1..9"
[ "$(rc layout)" = 3 ]
tap $? "the job's exit status (3) is run.sh's" layout
! grep -q '^guest: FAIL' "$tmp/layout.out" && grep -q '^guest: ok' "$tmp/layout.out"
tap $? "guest layout: mounts, cwd, args, PATH, KVER, added binary, kmod, brd" layout
[ "$(cat "$tmp/results/hello.txt" 2>/dev/null)" = hello ] &&
	[ "$(cat "$tmp/results/sub/file" 2>/dev/null)" = deep ]
tap $? "the guest's /results arrives in --out" layout
[ "$(rc clean)" = 0 ] && [ "$(cat "$tmp/clean.out")" = clean ]
tap $? "a clean job exits 0 and its output is streamed" clean
grep -q '^vm: kernel .*, accel ' "$tmp/clean.err"
tap $? "run.sh names the kernel and accelerator" clean
[ "$(rc warn)" = 126 ] && grep -q '^vm: FAIL: kernel reported: .*WARNING: vm selftest' "$tmp/warn.err"
tap $? "a WARNING in the kernel log fails the run (126)" warn
[ "$(rc hang)" = 124 ] && grep -q '^vm: FAIL: time limit' "$tmp/hang.err"
tap $? "a hung job is stopped at the time limit (124)" hang
[ "$(rc icount)" = 0 ] && [ "$(cat "$tmp/icount.out")" = 1 ] &&
	grep -q '^vm: kernel .*, accel icount, 1 cpus' "$tmp/icount.err"
tap $? "--icount boots one vCPU and says accel icount" icount
ACCEL=kvm "$here/run.sh" --icount -- "$tmp/clean.sh" 2>"$tmp/kvm.err"
[ $? = 64 ] && grep -q -- '--icount needs TCG' "$tmp/kvm.err"
tap $? "--icount with ACCEL=kvm is a usage error (64)"
[ "$failed" -eq 0 ]
