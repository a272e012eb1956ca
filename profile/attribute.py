#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Attribute a trace (profile/tracer.py) to functions, stages and classes.

    profile/attribute.py [--elf PROGRAM] [--ko MODULE.ko]... DIR

DIR holds trace.json (the tracer's), kallsyms.txt (the guest's
/proc/kallsyms) and env.txt (its kernel=RELEASE).  Writes DIR/profile.csv
in MYMEM_PROFILE_FORMAT (include/mymem_results.h) and prints, per path,
its total and its top functions, and for each peer pair the stages where
the two differ.

Symbols never guess.  A user address is named by the symbol of PROGRAM
(nm, with sizes) that holds it; a module's by the module's own symbols,
with their sizes, from --ko or the guest kernel's modules on this host
(modinfo -n); the core kernel's by the last kallsyms text symbol at or
below it, inside the kernel's text (_stext to _etext, _sinittext to
_einittext), where every byte belongs to a function or its padding.  Any
other address is "?ADDR", stage unknown.

Classes decode each instruction's bytes (objdump), as the guest's
patched text has them: a 1-vCPU kernel's alternatives turn lock prefixes
into ds, which class "unlocked" counts.
"""

import argparse
import bisect
import collections
import json
import lzma
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "report"))
import formats  # noqa: E402

USER_END = 1 << 47
# profile/paths.c's known_loop: mov, LOOP_N (1000) times dec and jnz, ret.
LOOP_INSTRUCTIONS = 2002
TEXT_TYPES = set("tTwW")

# Stages, in the order of a system call; the first pattern that matches
# the function's name wins.  Module symbols of mymem are stage mymem,
# brd's stage file, whatever their names.
STAGES = [
    ("fd", r"^(__fget_light|__fget|__fget_files|fget|__fdget|__fdget_pos|"
           r"__f_unlock_pos|fput|__fput|fdput|fd_install)$"),
    ("verify", r"^rw_verify_area$"),
    ("security", r"^(security_|apparmor_|aa_|bpf_lsm_|selinux_|lsm_|ima_|"
                 r"integrity_|landlock_|yama_|tomoyo_)"),
    ("fsnotify", r"fsnotify"),
    ("copy", r"^(copy_user_|_copy_to_user|_copy_from_user|__copy_user|"
             r"__arch_copy_|__arch_clear_user|"
             r"copyout|copyin|clear_user|__clear_user|rep_movs|rep_stos|"
             r"__check_object_size|check_heap_object|check_stack_object|"
             r"__check_heap_object|is_vmalloc_addr|__virt_addr_valid|"
             r"__get_user|__put_user|memcpy|__memcpy|"
             r"memset|__memset|memmove|__memmove)"),
    ("iov_iter", r"(iov_iter|^_copy_to_iter|^_copy_from_iter|"
                 r"^copy_page_to_iter|^copy_page_from_iter|import_iovec|"
                 r"^iovec_from_user|^import_single_range|^import_ubuf|"
                 r"^fault_in|^page_copy_sane)"),
    ("io_uring", r"^(io_|__io_|__x64_sys_io_uring|tctx_|__do_sys_io_uring)"),
    ("alloc", r"^(kmalloc|__kmalloc|kfree|__kmem_cache_|kmem_cache_|"
              r"memcg_slab_|should_failslab|slab_|obj_cgroup_)"),
    ("entry", r"^(entry_SYSCALL|entry_SYSRET|syscall_return_via_sysret|"
              r"do_syscall_64|syscall_exit_to_user_mode|"
              r"syscall_enter_from_user_mode|exit_to_user_mode|"
              r"__x86_indirect_thunk|__x86_return_thunk|amd_clear_divider|"
              r"x64_sys_call|__x64_sys_|__do_sys_|srso_|retbleed_|"
              r"zen_untrain_ret|entry_untrain_ret|untrain_ret|mds_clear|"
              r"fpregs_assert|switch_fpu_return|arch_exit_to_user_mode|"
              r"syscall_trace_enter|__rseq|rseq_|__audit|audit_|"
              r"__x86_return_skl|call_depth_return_thunk|"
              r"__SCT__|__static_call|"
              # arm64's; get_random_u16: invoke_syscall()'s random
              # kernel stack offset (RANDOMIZE_KSTACK_OFFSET), a mitigation
              r"vectors$|el0t_64_|el0_svc|do_el0_svc|el0_svc_common|"
              r"invoke_syscall|__arm64_sys_|ret_to_user|"
              r"enter_from_user_mode|fpsimd_|cortex_a76_erratum|arm64_|"
              r"get_random_u16$)"),
    ("file", r"^(read_zero|read_iter_zero|write_null|write_iter_null|"
             r"read_null|read_iter_null|shmem_|blkdev_|filemap_|folio_|"
             r"__filemap|__folio|filemap|page_cache|pagecache_|find_get|"
             r"find_lock|mark_page_accessed|xas_|xa_|def_blk|brd_|"
             r"block_|iomap_|lru_|workingset_|unlock_page|generic_file_|"
             r"generic_perform_write|generic_write_checks|"
             r"balance_dirty_pages|file_remove_privs|file_update_time|"
             r"file_modified|__xas|PageHeadHuge|release_pages|"
             r"free_unref_page|__mod_|__count_memcg|__cgroup_rstat|"
             r"mem_cgroup_|__mem_cgroup_|blk_|__blk_)"),
    ("sched", r"^(__cond_resched|_cond_resched|cond_resched|schedule|"
              r"__schedule|preempt_schedule|rcu_all_qs|"
              r"rcu_note_context_switch)"),
    ("lock", r"^(mutex_|__mutex_|_raw_spin_|raw_spin_|down_read|up_read|"
             r"down_write|up_write|_raw_read|_raw_write|__rcu_read|"
             r"rcu_read|percpu_down|percpu_up)"),
    ("vfs", r"^(ksys_|vfs_|do_iter_|do_readv|do_writev|do_preadv|do_pwritev|"
            r"__vfs_|new_sync_|do_vfs_ioctl|vfs_ioctl|do_sys_|touch_atime|"
            r"atime_needs_update|current_time|ktime_get_coarse|inode_|mnt_|"
            r"__mnt_|__sb_|sb_|generic_update_time|__mark_inode_dirty|"
            r"iocb_|kiocb_|rw_copy_check|fops_|__fsnotify)"),
]
STAGES = [(s, re.compile(p)) for s, p in STAGES]
MODULE_STAGES = {"mymem": "mymem", "brd": "file"}

# Classes: the instructions hardware charges far more than one count,
# by objdump's text (mnemonic, prefixes and operands).
CLASSES = [
    ("syscall", r"^syscall\b"),
    ("sysret", r"^sysret"),
    ("swapgs", r"^swapgs\b"),
    ("iret", r"^iret"),
    ("cr_write", r"^mov\s+%\w+,%cr\d"),
    ("msr_write", r"^wrmsr"),
    ("verw", r"^verw\b"),
    ("lfence", r"^lfence\b"),
    ("mfence", r"^mfence\b"),
    ("stac", r"^stac\b"),
    ("clac", r"^clac\b"),
    ("lock", r"^lock\b"),
    ("unlocked", r"^ds\s+(cmpxchg|xadd|inc|dec|add|sub|and|or|xor|bts|btr|"
                 r"btc|neg|not)"),
    ("rep_movs", r"^rep[a-z]*\s+movs"),
    ("rep_stos", r"^rep[a-z]*\s+stos"),
]
CLASSES = [(c, re.compile(p)) for c, p in CLASSES]
A64_CLASSES = [
    ("svc", r"^svc\b"),
    ("eret", r"^eret"),
    ("msr_write", r"^msr\b"),
    ("barrier", r"^(dmb|dsb|isb)\b"),
    ("atomic", r"^(ld(add|clr|eor|set|smax|smin|umax|umin)|st(add|clr|eor|"
               r"set|smax|smin|umax|umin)|swp|cas)\w*\b"),
    ("exclusive", r"^(ld|st)(a|l)?x[rp]\w*\b"),
]
A64_CLASSES = [(c, re.compile(p)) for c, p in A64_CLASSES]

# Each path beside its peer, for the differences printed.
PEERS = [("read_mymem", "read_zero"), ("write_mymem", "write_null"),
         ("readv_mymem", "readv_zero"), ("writev_mymem", "writev_null"),
         ("uring_mymem", "uring_zero"),
         ("read512k_mymem", "read512k_tmpfs"),
         ("read512k_mymem", "read512k_brd")]


class Symbols:
    """Address -> (function, module or None), or None if no symbol has it."""

    def __init__(self):
        self.starts, self.ends, self.names = [], [], []

    def add(self, start, end, name, module=None):
        self.starts.append(start)
        self.ends.append(end)
        self.names.append((name, module))

    def done(self):
        order = sorted(range(len(self.starts)),
                       key=lambda i: (self.starts[i], -self.ends[i]))
        self.starts = [self.starts[i] for i in order]
        self.ends = [self.ends[i] for i in order]
        self.names = [self.names[i] for i in order]

    def lookup(self, addr):
        i = bisect.bisect_right(self.starts, addr) - 1
        # Aliases share a start, one of them sized: the one that holds it.
        j = i
        while j >= 0 and self.starts[j] == self.starts[i]:
            if addr < self.ends[j]:
                return self.names[j]
            j -= 1
        return None


def nm_sizes(path):
    """{name: (value, size)} of the defined text symbols of an ELF file."""
    data = None
    if path.endswith((".xz", ".zst")):
        if path.endswith(".xz"):
            data = lzma.open(path).read()
        else:
            data = subprocess.run(["zstd", "-dc", path], check=True,
                                  capture_output=True).stdout
        tmp = tempfile.NamedTemporaryFile(suffix=".ko")
        tmp.write(data)
        tmp.flush()
        path = tmp.name
    out = subprocess.run([os.environ.get("NM", "nm"), "-S", "--defined-only",
                          path], check=True,
                         capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in TEXT_TYPES:
            syms[f[3]] = (int(f[0], 16), int(f[1], 16))
    return syms


def module_file(name, kver, given, modroot):
    if name in given:
        return given[name]
    r = subprocess.run(["modinfo", "-b", modroot, "-k", kver, "-n", name],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def load_symbols(kallsyms, kver, elf=None, kos=(), modroot="/"):
    syms = Symbols()
    if elf:
        for name, (value, size) in nm_sizes(elf).items():
            if size:
                syms.add(value, value + size, name)
    given = {os.path.basename(k).split(".")[0].replace("-", "_"): k
             for k in kos}
    core, modules, marks = [], collections.defaultdict(list), {}
    with open(kallsyms) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 3:
                continue
            addr, typ, name = int(fields[0], 16), fields[1], fields[2]
            if len(fields) > 3:
                if typ in TEXT_TYPES:
                    modules[fields[3].strip("[]")].append((addr, name))
                continue
            marks[name] = addr
            if typ in TEXT_TYPES:
                core.append((addr, name))
    areas = [(marks[a], marks[b]) for a, b in
             (("_stext", "_etext"), ("_sinittext", "_einittext"))
             if a in marks and b in marks]
    core.sort()
    for i, (addr, name) in enumerate(core):
        area = [e for s, e in areas if s <= addr < e]
        if not area:
            continue
        end = core[i + 1][0] if i + 1 < len(core) else area[0]
        syms.add(addr, min(end, area[0]), name)
    for mod, entries in modules.items():
        path = module_file(mod, kver, given, modroot)
        sizes = nm_sizes(path) if path else {}
        for addr, name in entries:
            if name in sizes and sizes[name][1]:
                syms.add(addr, addr + sizes[name][1], name, mod)
    syms.done()
    return syms


def disassemble(insns, arm64=False):
    """{pc: objdump's text of the instruction at pc}.  Each instruction's
    bytes are padded with no-ops to 32, so that the next one starts on
    a boundary whatever the tail of this one decodes as."""
    pcs = sorted(insns)
    nop, size = (b"\x1f\x20\x03\xd5", 4) if arm64 else (b"\x90", 16)
    blob = b"".join(bytes.fromhex(insns[p])[:size].ljust(size, b"\x90") +
                    nop * ((32 - size) // len(nop)) for p in pcs)
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(blob)
        f.flush()
        out = subprocess.run([os.environ.get("OBJDUMP", "objdump"), "-D",
                              "-z", "-b", "binary",
                              "-maarch64" if arm64 else "-mi386:x86-64",
                              f.name], check=True,
                             capture_output=True, text=True).stdout
    text = {}
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t[0-9a-f ]+\t(.*)$", line)
        if m and int(m.group(1), 16) % 32 == 0:
            text[pcs[int(m.group(1), 16) // 32]] = " ".join(
                m.group(2).split("//")[0].split())
    missing = [p for p in pcs if p not in text]
    if missing:
        raise SystemExit(f"attribute.py: error: no instruction decoded at "
                         f"{missing[0]:#x}")
    return text


def classify(text, arm64=False):
    for cls, pattern in A64_CLASSES if arm64 else CLASSES:
        if pattern.search(text):
            return cls
    return "plain"


def stage_of(addr, sym):
    if addr < USER_END:
        return "user" if sym else "unknown"
    if sym is None:
        return "unknown"
    name, module = sym
    if module in MODULE_STAGES:
        return MODULE_STAGES[module]
    for stage, pattern in STAGES:
        if pattern.search(name):
            return stage
    return "other"


def attribute(trace, syms, arm64=False):
    """The profile's rows, each a dict of MYMEM_PROFILE_FORMAT."""
    text = disassemble(trace["insns"], arm64)
    rows = []
    for region in trace["regions"]:
        name, _, k = region["name"].partition("/")
        rep = {pc: b for pc, b, _ in region["rep"]}
        agg = collections.OrderedDict()
        for pc, count in region["pcs"]:
            sym = syms.lookup(pc)
            func = sym[0] if sym else f"?{pc:x}"
            key = (func, stage_of(pc, sym),
                   classify(text[f"{pc:x}"], arm64))
            a = agg.setdefault(key, [0, 0])
            a[0] += count
            a[1] += rep.get(pc, 0)
        for (func, stage, cls), (n, b) in agg.items():
            rows.append({"path": name, "function": func, "stage": stage,
                         "class": cls, "instructions": n, "bytes": b,
                         "per_call": int(k or 1)})
    return rows


def iterations(trace):
    """{path: the instructions -icount counts: each rep iteration one}."""
    out = {}
    for region in trace["regions"]:
        counts = dict(region["pcs"])
        extra = sum(it - counts[pc] for pc, _, it in region["rep"])
        out[region["name"].partition("/")[0]] = region["steps"] + extra
    return out


def write_csv(path, rows):
    names = [n for n, _ in formats.FORMATS["profile"]]
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for r in rows:
            f.write(",".join(str(r[n]) for n in names) + "\n")


def summary(rows, icount, top=6):
    """The lines make profile prints."""
    paths = collections.OrderedDict()
    for r in rows:
        paths.setdefault(r["path"], []).append(r)
    lines = []
    for path, rs in paths.items():
        total = sum(r["instructions"] for r in rs)
        kernel = sum(r["instructions"] for r in rs if r["stage"] != "user"
                     and not (r["function"].startswith("?") and
                              int(r["function"][1:], 16) < USER_END))
        per = rs[0]["per_call"]
        funcs = collections.Counter()
        stages = collections.Counter()
        classes = collections.Counter()
        for r in rs:
            funcs[r["function"]] += r["instructions"]
            stages[r["stage"]] += r["instructions"]
            if r["class"] != "plain":
                classes[r["class"]] += r["instructions"]
        moved = sum(r["bytes"] for r in rs)
        head = f"{path}: {total} instructions ({kernel} kernel)"
        if per > 1:
            head += f", {total / per:.1f} per transfer of {per}"
        if moved:
            head += f"; rep string ops moved {moved} B" \
                    f" (-icount counts {icount.get(path, total)})"
        lines.append(head)
        lines.append("  top: " + ", ".join(
            f"{f} {n}" for f, n in sorted(funcs.items(),
                                          key=lambda x: (-x[1], x[0]))[:top]))
        lines.append("  stages: " + ", ".join(
            f"{s} {n}" for s, n in sorted(stages.items(),
                                          key=lambda x: (-x[1], x[0]))))
        if classes:
            lines.append("  classes: " + ", ".join(
                f"{c} {n}" for c, n in sorted(classes.items())))
    for a, b in PEERS:
        if a not in paths or b not in paths:
            continue
        sa, sb = collections.Counter(), collections.Counter()
        for r in paths[a]:
            sa[r["stage"]] += r["instructions"]
        for r in paths[b]:
            sb[r["stage"]] += r["instructions"]
        diff = {s: sa[s] - sb[s] for s in set(sa) | set(sb)
                if sa[s] != sb[s]}
        lines.append(f"{a} - {b}: {sum(sa.values()) - sum(sb.values()):+d}: "
                     + ", ".join(f"{s} {d:+d}" for s, d in
                                 sorted(diff.items(),
                                        key=lambda x: (-abs(x[1]), x[0]))))
    return lines


def env(path, key):
    """KEY's value in the guest's env.txt (guest/bench-env.sh)."""
    with open(path) as f:
        for line in f:
            if line.startswith(key + "="):
                return line.strip().split("=", 1)[1]
    return ""


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--elf")
    ap.add_argument("--ko", action="append", default=[])
    ap.add_argument("--modroot", default="/",
                    help="the root above lib/modules of the guest's kernel")
    ap.add_argument("dir")
    args = ap.parse_args(argv[1:])
    with open(os.path.join(args.dir, "trace.json")) as f:
        trace = json.load(f)
    env_txt = os.path.join(args.dir, "env.txt")
    syms = load_symbols(os.path.join(args.dir, "kallsyms.txt"),
                        env(env_txt, "kernel"), args.elf, args.ko,
                        args.modroot)
    rows = attribute(trace, syms, env(env_txt, "arch") == "aarch64")
    loop = [r["instructions"] for r in rows
            if r["path"] == "loop" and r["function"] == "known_loop"]
    if loop and sum(loop) != LOOP_INSTRUCTIONS:
        print(f"attribute.py: error: the self-test loop counted {sum(loop)} "
              f"instructions, not {LOOP_INSTRUCTIONS}", file=sys.stderr)
        return 1
    write_csv(os.path.join(args.dir, "profile.csv"), rows)
    print("\n".join(summary(rows, iterations(trace))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
