#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Record every instruction of each marked region of a guest, from outside.

    profile/tracer.py SOCKET MARK_ADDR OUT.json

Talks GDB's remote protocol to QEMU's gdbstub on the Unix socket SOCKET
(vm/run.sh --gdb): a breakpoint on profile_mark (at MARK_ADDR, from the
guest program's ELF), and from each profile_mark(NAME)'s return to the
next profile_mark(NULL) one single step after another, each step's PC
recorded.  QEMU single-steps with interrupts and timers masked (its
default sstep flags), so a region's trace holds the region's own
instructions and nothing else, the same every time.  The PC is read
from the guest after each instruction that may transfer control (or
that objdump could not decode), and predicted from the instruction's
length after the others, which saves a round trip on most; a direct branch
that went neither to its target nor to the next instruction means an
exception came in between, and fails the trace.

A marker NAME of the form "name=ADDR" arms a kernel function instead:
its HIT-th call (counting from 1, hit given as "name=ADDR@HIT") is
recorded from its entry until it returns to its caller (the return
address and the stack pointer back where they were).  "end" ends the
trace: breakpoints removed, the guest resumed, the connection closed.

A rep-prefixed string instruction (rep movsb over 512 KiB) is one
instruction here, as the CPU decodes it: it runs to completion under a
breakpoint after it, with interrupts off (RFLAGS.IF cleared for that
run and restored), and the elements it moved (%rcx before minus after,
times the element size) are recorded as its bytes.  -icount counts each
iteration; the profile keeps both.

OUT.json: {"regions": [{"name", "kind", "pcs": [[pc, count], ...]
in first-execution order, "rep": [[pc, bytes, iterations], ...], "steps"}],
"insns": {pc: hex bytes}}; after a failure also "error" and "last" (the
last PCs stepped), and the guest is let go.  Exit status: 0, 1 on a
protocol error, a divergence or a region that never ended, 2 usage.
"""

import collections
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

RFLAGS, RCX = 17, 2     # x86-64's, for rep string instructions
IF = 1 << 9
STRING_OPS = {0xa4: 1, 0xa5: 0, 0xa6: 1, 0xa7: 0, 0xaa: 1, 0xab: 0,
              0xac: 1, 0xad: 0, 0xae: 1, 0xaf: 0}   # 0: word-sized
MAX_STEPS = 300_000     # a region this long has gone astray
PREFIXES = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2,
            0xf3}


class ProtocolError(Exception):
    pass


class Gdb:
    """A minimal client of the remote protocol."""

    def __init__(self, path, wait=120):
        deadline = time.time() + wait
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    raise ProtocolError(f"no gdbstub at {path}")
                time.sleep(0.2)
        self.buf = b""
        self.ack = b""
        # QEMU 7.2 stops the guest on connecting and answers the first
        # packet, whatever it is, with that stop ("?" asks for it); it
        # has no no-ack mode, and answers "p" (one register)
        # only once the client has read the target description.
        self.stop_reply("?")
        self.xml = ""
        while True:
            r = self.call(f"qXfer:features:read:target.xml:"
                          f"{len(self.xml):x},800")
            if r[:1] not in ("l", "m"):
                raise ProtocolError(f"no target description: {r}")
            self.xml += r[1:]
            if r[0] == "l":
                break

    def _recv(self):
        while True:
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start + 1)
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                data = self.buf[start + 1:end]
                self.buf = self.buf[end + 3:]
                # Acknowledged with the next packet: one write fewer.
                self.ack = b"+"
                return data.decode()
            chunk = self.s.recv(65536)
            if not chunk:
                raise ProtocolError("gdbstub closed the connection")
            self.buf += chunk

    def send(self, data):
        cs = sum(data.encode()) & 0xff
        self.s.sendall(self.ack + f"${data}#{cs:02x}".encode())
        self.ack = b""

    def call(self, data):
        self.send(data)
        return self._recv()

    def stop_reply(self, data):
        reply = self.call(data)
        if not reply.startswith(("T", "S")):
            raise ProtocolError(f"{data}: {reply}")
        return reply

    def reg(self, n):
        r = self.call(f"p{n:x}")
        if not r or r.startswith("E"):
            raise ProtocolError(f"p{n:x}: {r}")
        return int.from_bytes(bytes.fromhex(r), "little")

    def set_reg(self, n, value, size):
        r = self.call(f"P{n:x}={value.to_bytes(size, 'little').hex()}")
        if r != "OK":
            raise ProtocolError(f"P{n:x}: {r}")

    def mem(self, addr, n):
        r = self.call(f"m{addr:x},{n:x}")
        if r.startswith("E"):
            return None
        return bytes.fromhex(r)

    def breakpoint(self, addr, on=True):
        r = self.call(f"{'Z' if on else 'z'}0,{addr:x},1")
        if r != "OK":
            raise ProtocolError(f"breakpoint at {addr:#x}: {r}")

    def string(self, addr):
        out = b""
        while b"\0" not in out:
            chunk = self.mem(addr + len(out), 64)
            if not chunk:
                raise ProtocolError(f"cannot read the marker at {addr:#x}")
            out += chunk
        return out[:out.index(b"\0")].decode()


def string_op(code):
    """(length, element size) of a rep string instruction, else None."""
    i, rep, wide, rex_w = 0, False, False, False
    while i < len(code) and code[i] in PREFIXES:
        rep |= code[i] in (0xf2, 0xf3)
        wide |= code[i] == 0x66
        i += 1
    if i < len(code) and 0x40 <= code[i] <= 0x4f:
        rex_w = bool(code[i] & 8)
        i += 1
    if not rep or i >= len(code) or code[i] not in STRING_OPS:
        return None
    size = 1 if STRING_OPS[code[i]] else 8 if rex_w else 2 if wide else 4
    return i + 1, size


# Mnemonics after which the next PC is not the next instruction's, or
# may not be: the tracer reads it from the guest after these (and after
# anything it could not decode), and predicts it after all others.
TRANSFERS = re.compile(r"^(j|call|ret|iret|sys|int|ud|hlt|loop|lcall|ljmp|"
                       r"xbegin|xabort|xend|vm|encl|mwait|\(bad\))")
PREFIX_WORDS = {"rep", "repz", "repnz", "repe", "repne", "lock", "bnd",
                "notrack", "cs", "ds", "es", "fs", "gs", "ss", "data16",
                "addr32", "rex", "rex.w", "rex.W"}
A64_TRANSFERS = re.compile(r"^(b|bl|br|blr|bra\w*|blra\w*|ret\w*|cbn?z|tbn?z|"
                           r"b\.\w+|svc|hvc|smc|eret\w*|brk|hlt|wf[ie]\w*|"
                           r"udf|\(bad\)|\.inst)$")
# Direct branches, whose operand is their target.
DIRECT = re.compile(r"^(j\w*|call|loop\w*)$")
A64_DIRECT = re.compile(r"^(b|bl|b\.\w+|cbn?z|tbn?z)$")
WINDOW = 512


class Arch:
    """What the tracer needs of the guest's architecture (QEMU's register
    numbers, from its target description)."""

    def __init__(self, xml, objdump):
        self.arm64 = "aarch64" in xml
        if self.arm64:
            self.pc, self.sp, self.arg, self.lr = 32, 31, 0, 30
            self.machine = "aarch64"
            self.idle = re.compile(r"^wf[ie]")
        else:
            self.pc, self.sp, self.arg, self.lr = 16, 7, 5, None
            self.machine = "i386:x86-64"
            self.idle = re.compile(r"^hlt")
        self.objdump = objdump

    def target(self, text):
        """A direct branch's target, else None."""
        m = re.search(r"\b0x([0-9a-f]+)$", text)
        direct = A64_DIRECT if self.arm64 else DIRECT
        if m and "*" not in text and direct.search(text.split(" ")[0]):
            return int(m.group(1), 16)
        return None

    def transfers(self, text):
        if self.arm64:
            return bool(A64_TRANSFERS.search(text.split(" ")[0]))
        return bool(TRANSFERS.search(text))


class Tracer:
    def __init__(self, gdb, arch):
        self.g = gdb
        self.arch = arch
        self.insns = {}     # pc -> its bytes (16, or up to a page end)
        self.decoded = {}   # pc -> (length, transfers, direct target, text)
        self.last = collections.deque(maxlen=5000)  # for a failure's report

    def code(self, pc):
        if pc not in self.insns:
            self.decode(pc)
        return self.insns[pc]

    def decode(self, pc):
        """Decode the instructions from pc on (objdump), as far as the
        window holds them whole; pc's at least, else it transfers."""
        window = None
        for n in (WINDOW, 4096 - (pc & 4095), 16):
            window = self.g.mem(pc, n)
            if window:
                break
        window = window or b""
        with tempfile.NamedTemporaryFile(suffix=".bin") as f:
            f.write(window)
            f.flush()
            out = subprocess.run(
                [self.arch.objdump, "-D", "-z", "-b", "binary",
                 f"-m{self.arch.machine}", "--insn-width=16",
                 f"--adjust-vma={pc:#x}", f.name],
                capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.match(r"^\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$", line)
            if not m:
                continue
            addr = int(m.group(1), 16)
            # arm64's objdump shows one 32-bit word, x86-64's each byte.
            length = 4 if self.arch.arm64 else len(m.group(2).split())
            # Whole: every byte it could need (15) is in the window.
            if addr + 15 > pc + len(window) and addr != pc:
                break
            if addr + length > pc + len(window):
                break
            words = [w for w in m.group(3).split("//")[0].split()
                     if w not in PREFIX_WORDS]
            text = " ".join(words)
            self.decoded.setdefault(addr, (
                length, self.arch.transfers(text), self.arch.target(text),
                text))
            self.insns.setdefault(addr, window[addr - pc:addr - pc + 16])
        if pc not in self.decoded:
            self.decoded[pc] = (0, True, None, "")
            self.insns[pc] = window[:16]

    def record(self, done):
        """Step until done(pc): [[pc, count]...], [[pc, bytes]...], steps."""
        counts, rep, steps = {}, {}, 0
        a = self.arch
        pc = self.g.reg(a.pc)
        while not done(pc):
            self.last.append(pc)
            counts[pc] = counts.get(pc, 0) + 1
            steps += 1
            code = self.code(pc)
            length, transfers, target, text = self.decoded[pc]
            # Interrupts are masked while stepping: an idle CPU's hlt
            # (wfi) would never wake.
            if a.idle.search(text) or steps > MAX_STEPS:
                raise ProtocolError(f"the region went idle or astray at "
                                    f"{pc:#x} after {steps} steps")
            if steps % 50_000 == 0:
                print(f"trace: ... {steps} steps, at {pc:#x}", file=sys.stderr)
            op = None if a.arm64 else string_op(code)
            if op:
                moved, iters = self.run_string_op(pc, *op)
                r = rep.setdefault(pc, [0, 0])
                r[0] += moved
                r[1] += iters
                pc = self.g.reg(a.pc)
            elif transfers:
                self.g.stop_reply("s")
                new = self.g.reg(a.pc)
                # A direct branch goes to its target or falls through;
                # anywhere else, an exception came in between, which
                # predicting the PCs before it would have missed.
                if target is not None and new not in (target, pc + length):
                    raise ProtocolError(f"diverged: {pc:#x} went to {new:#x}")
                pc = new
            else:
                self.g.stop_reply("s")
                pc += length
                if done(pc) and self.g.reg(a.pc) != pc:
                    raise ProtocolError(f"diverged before {pc:#x}")
        return {"pcs": [[p, n] for p, n in counts.items()],
                "rep": [[p, *r] for p, r in rep.items()], "steps": steps}

    def run_string_op(self, pc, length, size):
        """Bytes moved, and the instructions -icount counts (one an
        iteration, one if there is none)."""
        before = self.g.reg(RCX)
        if before == 0:
            self.g.stop_reply("s")
            return 0, 1
        flags = self.g.reg(RFLAGS)
        self.g.set_reg(RFLAGS, flags & ~IF, 4)
        self.g.breakpoint(pc + length)
        self.g.stop_reply("c")
        self.g.breakpoint(pc + length, False)
        if self.g.reg(self.arch.pc) != pc + length:
            raise ProtocolError(f"string op at {pc:#x} did not end after it")
        self.g.set_reg(RFLAGS, self.g.reg(RFLAGS) | (flags & IF), 4)
        done = before - self.g.reg(RCX)
        return done * size, max(done, 1)


def main(argv):
    if len(argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    mark = int(argv[2], 0)
    g = Gdb(argv[1])
    t = Tracer(g, Arch(g.xml, os.environ.get("OBJDUMP", "objdump")))
    regions = []
    bps = {mark}
    try:
        trace(g, t, mark, regions, bps)
    except ProtocolError as e:
        # The last PCs say where it went; the guest, let go, finishes
        # its job and sends its results (kallsyms.txt to read them).
        save(argv[3], t, regions, error=str(e), last=list(t.last))
        for b in bps:
            g.call(f"z0,{b:x},1")
        g.call("D")
        raise
    save(argv[3], t, regions)
    return 0


def save(path, t, regions, **extra):
    ran = {p for r in regions for p, _ in r["pcs"]} | set(extra.get("last", ()))
    with open(path, "w") as f:
        json.dump({"regions": regions, **extra,
                   "insns": {f"{p:x}": t.insns[p].hex() for p in sorted(ran)}},
                  f, indent=0)


def trace(g, t, mark, regions, bps):
    a = t.arch
    kfuncs = {}     # addr -> [name, hit wanted, hits so far]

    def resume():
        # QEMU would stop again at once at a breakpoint it stands on.
        if g.reg(a.pc) in bps:
            g.stop_reply("s")
        g.stop_reply("c")

    g.breakpoint(mark)
    start = time.time()
    while True:
        resume()
        pc = g.reg(a.pc)
        if pc in kfuncs:
            f = kfuncs[pc]
            f[2] += 1
            if f[2] != f[1]:
                continue
            # Back in the caller: x86-64 popped the return address
            # from the stack, arm64 branched to the link register.
            sp = g.reg(a.sp)
            if a.arm64:
                ret, after = g.reg(a.lr), sp
            else:
                ret, after = int.from_bytes(g.mem(sp, 8), "little"), sp + 8
            r = t.record(lambda p: p == ret and g.reg(a.sp) == after)
            regions.append({"name": f[0], "kind": "kernel", **r})
            g.breakpoint(pc, False)
            bps.discard(pc)
            del kfuncs[pc]
            print(f"trace: {f[0]}: {r['steps']} instructions", file=sys.stderr)
            continue
        if pc != mark:
            raise ProtocolError(f"stopped at {pc:#x}, not at a breakpoint")
        arg = g.reg(a.arg)
        name = g.string(arg) if arg else None
        if name is None:
            raise ProtocolError("profile_mark(NULL) outside a region")
        if name == "end":
            break
        if "=" in name:
            fname, spec = name.split("=", 1)
            addr, hit = spec.split("@") if "@" in spec else (spec, "1")
            kfuncs[int(addr, 16)] = [fname, int(hit), 0]
            g.breakpoint(int(addr, 16))
            bps.add(int(addr, 16))
            continue
        g.stop_reply("s")       # profile_mark's ret
        r = t.record(lambda p: p == mark)
        if g.reg(a.arg) != 0:
            raise ProtocolError(f"region {name} ended by another region")
        regions.append({"name": name, "kind": "user", **r})
        print(f"trace: {name}: {r['steps']} instructions", file=sys.stderr)
    if kfuncs:
        raise ProtocolError("kernel functions never reached: " +
                            ", ".join(f[0] for f in kfuncs.values()))
    g.breakpoint(mark, False)
    bps.discard(mark)
    g.call("D")
    steps = sum(r["steps"] for r in regions)
    print(f"trace: {steps} instructions in {time.time() - start:.1f} s",
          file=sys.stderr)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (ProtocolError, OSError) as e:
        print(f"tracer.py: error: {e}", file=sys.stderr)
        sys.exit(1)
