#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The profiler's self-test, on the host, without a guest: the attribution
# (profile/attribute.py) of a synthetic trace whose every count is known
# (profile/fixtures/: a guest program and a module assembled here, a
# kallsyms, a trace), which must give profile/fixtures/profile.csv to
# the byte; the addresses that no symbol holds shown as such; the
# self-test loop's count enforced; and the tracer's decoding of what it
# steps (rep string instructions, control transfers).  Prints TAP.
#
# Usage: profile/test-profile.sh

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. "$here/../tap/tap.sh"
FIX=$here/fixtures

T=$(mktemp -d) || exit 1
trap 'rm -rf "$T" "$tap_tmp"' EXIT

# attribute DIR: the fixture's trace (or DIR's own), attributed in DIR
attribute() {
	for f in trace.json kallsyms.txt env.txt; do
		[ -e "$1/$f" ] || cp "$FIX/$f" "$1/"
	done
	python3 "$here/attribute.py" --elf "$T/user.o" --ko "$T/fakemod.ko" \
		"$1" >"$1/summary.txt"
}

# has ROW: the fixture's profile has that row
has() {
	grep -qx "$1" "$T/a/profile.csv"
}

# decodes: the tracer's decoding of rep string instructions and of what
# transfers control
decodes() {
	python3 - "$here" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import tracer
want = {"f3a4": (2, 1), "f348a5": (3, 8), "f3ab": (2, 4), "66f3a5": (3, 2),
        "f3aa": (2, 1), "f390": None, "a4": None, "f3c3": None}
bad = [(c, tracer.string_op(bytes.fromhex(c)), w) for c, w in want.items()
       if tracer.string_op(bytes.fromhex(c)) != w]
transfers = {"jne 0xffffffff81000010": True, "call *%rax": True,
             "ret": True, "jmp *%rax": True, "syscall": True,
             "sysretq": True, "iretq": True, "ud2": True,
             "mov %rax,%rdi": False, "cmpxchg %edx,(%rcx)": False,
             "movsb %ds:(%rsi),%es:(%rdi)": False, "nopl 0x0(%rax)": False}
x86, a64 = tracer.Arch("i386:x86-64", ""), tracer.Arch("aarch64", "")
bad += [(t, w) for t, w in transfers.items() if x86.transfers(t) != w]
a64_transfers = {"b.ne 0x10001828": True, "bl 0x10002000": True,
                 "ret": True, "svc #0x0": True, "cbz x0, 0x1000": True,
                 "eret": True, "blr x8": True, "bic x0, x0, #0x1": False,
                 "subs w1, w1, #0x1": False, "ldaddal w0, w1, [x2]": False}
bad += [(t, w) for t, w in a64_transfers.items() if a64.transfers(t) != w]
# A direct branch's target is its operand; a system call's number is not.
targets = [(x86, "jne 0xffffffff81000010", 0xffffffff81000010),
           (x86, "int $0x80", None), (x86, "call *0x10(%rax)", None),
           (a64, "b.ne 0x10001828", 0x10001828), (a64, "svc #0x0", None),
           (a64, "tbz w0, #0, 0x1040", 0x1040)]
bad += [(t, w) for a, t, w in targets if a.target(t) != w]
print(bad or "")
sys.exit(bool(bad))
PY
}

# miscounted: a loop region one instruction short is refused
miscounted() {
	mkdir -p "$T/m" && python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
t["regions"][0]["pcs"][2][1] -= 1
json.dump(t, open(sys.argv[2], "w"))' "$FIX/trace.json" "$T/m/trace.json" &&
		! attribute "$T/m" 2>"$T/m/err" &&
		grep -q "self-test loop counted 2001 instructions, not 2002" "$T/m/err"
}

tap_begin
tap_check "the fixture's program and module assemble" sh -c "
	gcc -c -o '$T/user.o' '$FIX/user.s' &&
	gcc -c -o '$T/fakemod.ko' '$FIX/fakemod.s'"
mkdir -p "$T/a"
tap_check "attribute.py: the synthetic trace" attribute "$T/a"
tap_check "the profile is the known one, row for row" \
	cmp "$FIX/profile.csv" "$T/a/profile.csv"
tap_check "in MYMEM_PROFILE_FORMAT" \
	python3 "$here/../report/formats.py" profile "$T/a/profile.csv"
tap_check "the self-test loop: 2002 instructions in known_loop" \
	has "loop,known_loop,user,plain,2002,0,1"
tap_check "a user address past every symbol is shown, not guessed" \
	has "read_mymem,?3,unknown,plain,1,0,1"
tap_check "a module address past its function's size is shown" \
	has "read_mymem,?ffffffffc0000010,unknown,stac,1,0,1"
tap_check "a kernel address past _etext is shown" \
	has "read_mymem,?ffffffff81000050,unknown,lock,1,0,1"
tap_check "rep movsb: one instruction, its 4096 bytes apart" \
	has "read_mymem,ksys_read,vfs,rep_movs,1,4096,1"
tap_check "a lock prefix patched to ds is class unlocked" \
	has "read_mymem,mod_f,other,unlocked,2,0,1"
tap_check "-icount's count: each rep iteration one" \
	grep -q "(-icount counts 4110)" "$T/a/summary.txt"
tap_check "per transfer: 64 a call" \
	grep -q "1.0 per transfer of 64" "$T/a/summary.txt"
tap_check "a miscounted self-test loop is refused" miscounted
tap_check "tracer.py decodes string ops and control transfers" decodes
tap_done
