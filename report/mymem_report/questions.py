"""Report section: the evidence of each answer to the seed's questions
(answers.py puts them in the seed's order)."""

from . import anatomy, experiment
from .measures import (
    WRITE_SLOWER, fit, incr_rate, main_workers, median, op_ratios,
    race_runs, ratio)
from .modes import copy_is_rep_movsb, icount_copy
from .race import RACE_MODES, SYSCALLS
from .raw import BENCH_KERNEL, BENCH_USER, MODINFO, OPS, SYMVERS
from .text import ns, num, ratio_text, size_text, spread, table
from .units import cost, counted, divides, rate, rate_unit, unit


# "Mostly": more than this share of a cost.
MOSTLY = 0.5
# The read ratio, user over kernel, below this at a size: the in-kernel
# path is the slower one there.
KERNEL_SLOWER = 0.95
# The read ratio ending within this of 1 "falls toward 1".
NEAR_ONE = 0.1


def q1_throughput(data):
    out = ["### Reads and writes across sizes: where the cost is", ""]
    fits = [fit(data, "user", "mymem", op) for op in OPS]
    if None in fits:
        return out + ["Not enough user-space mymem rows to tell."]
    show, per = cost(data, BENCH_USER), rate_unit(data, BENCH_USER)
    for op, (fixed, slope) in zip(OPS, fits):
        top = median(data, "user", "mymem", op, experiment.LARGE)
        out.append(f"- **{op}**: {show(fixed)} for 1 byte, the fixed cost "
                   "of a call; " + slope_text(data, fixed, slope) +
                   f" At {size_text(experiment.LARGE)} that gives "
                   f"{rate(data, BENCH_USER, experiment.LARGE, top)} {per}, "
                   "against "
                   f"{rate(data, BENCH_USER, experiment.SMALL, fixed, 2)} "
                   f"{per} at 1 byte.")
    out += floor_text(data)
    if counted(data, BENCH_USER):
        out += ["", "Under -icount these figures count instructions (a rep "
                "movsb moves one byte an instruction): a measure of work, "
                "not the speed of this machine or of hardware."]
    out += ["", ops_table(data), "", ops_verdict(data, "user", "mymem",
                                                 "Through the system calls")]
    out += ["", ops_verdict(data, "kernel", "api",
                            "In the kernel, without the system call,")]
    out += dominance_text(data, fits)
    out += ["", "A read takes no lock: it copies and checks the seqcount. "
            "A write takes mymem's mutex and makes the seqcount odd while "
            "it copies, which serialises writers with each other."
            + write_cost_text(data)]
    return out


def dominance_text(data, fits):
    """Small transfers dominated by the call, large ones by the copy:
    said only where the figures show it."""
    ns = cost(data, BENCH_USER)
    fixed, slope = fits[0]
    floor = median(data, "user", "zero", "read", experiment.SMALL)
    top = median(data, "user", "mymem", "read", experiment.LARGE)
    said = []
    if floor is not None and floor > MOSTLY * fixed:
        said.append(f"a 1-byte read() is mostly what any character "
                    f"device's read pays ({ns(floor)} of its {ns(fixed)} "
                    "are /dev/zero's too: the system call, the VFS and its "
                    "own read)")
    if slope > 0 and slope * experiment.LARGE > MOSTLY * top:
        said.append(f"a {size_text(experiment.LARGE)} read() is mostly the copy "
                    f"({ns(slope * experiment.LARGE)}"
                    f" of its {ns(top)} grow with size)")
    if not said:
        return []
    return ["", "In these figures " + " and ".join(said) + "."]


def write_cost_text(data):
    """What a write's extra work costs, measured where no system call
    surrounds the two: in the kernel, and in the profile's API calls."""
    pairs = op_ratios(data, "kernel", "api")
    if not pairs:
        return ""
    size, write_read = pairs[0]
    return (f" In the kernel, where no system call surrounds either, a "
            f"{size_text(size)} mymem_write() cost {ratio_text(write_read)} "
            "a mymem_read(). "
            + anatomy.explain(data, "api_write", "api_read", 3))


def slope_text(data, fixed, slope):
    if slope <= 0:
        return (f"the {size_text(experiment.SLOPE_FROM)} and {size_text(experiment.LARGE)} medians "
                "do not grow with size "
                "(noise), so no per-byte cost can be estimated.")
    return (f"from {size_text(experiment.SLOPE_FROM)} to {size_text(experiment.LARGE)} each byte "
            + (f"adds {slope:.3f} instructions" if counted(data, BENCH_USER)
               else f"adds {slope:.3f} ns ({1e3 / slope:,.0f} MB/s of "
               "copying)")
            + ", so copying outweighs "
            f"the fixed cost from about {size_text(round(fixed / slope))} "
            "on.")


def floor_text(data):
    """How much of the 1-byte cost any character device pays."""
    ns = cost(data, BENCH_USER)
    out = []
    # What the peer's own call does, besides the system call and the VFS.
    for op, peer, own in (("read", "zero", "read_zero(), a clear_user() "
                           "of the buffer"),
                          ("write", "null", "write_null(), which returns "
                           "at once")):
        m = median(data, "user", "mymem", op, experiment.SMALL)
        p = median(data, "user", peer, op, experiment.SMALL)
        if m is None or p is None:
            continue
        if p <= m:
            out.append(f"- /dev/{peer}'s 1-byte {op}() took {ns(p)}: the "
                       f"system call, the VFS and its own {op} ({own}) "
                       f"together; mymem's {op} path costs {ns(m - p)} "
                       "more than that.")
        else:
            out.append(f"- /dev/{peer}'s 1-byte {op}() took {ns(p)}, "
                       f"{ns(p - m)} more than mymem's: its own {op} path "
                       "costs more than all of mymem's.")
    return out


def ops_table(data):
    rows = []
    for size, write_read in op_ratios(data, "user", "mymem"):
        cells = [size_text(size)]
        for op in OPS:
            t = median(data, "user", "mymem", op, size)
            cells += [num(t), rate(data, BENCH_USER, size, t)]
        rows.append(cells + [ratio_text(write_read)])
    u, per = unit(data, BENCH_USER), rate_unit(data, BENCH_USER)
    return table(("size", f"read() {u}", f"read {per}", f"write() {u}",
                  f"write {per}", f"write / read {divides(data, BENCH_USER)}"), rows)


def ops_verdict(data, side, target, where):
    """Whether writes cost more than reads, in one sentence."""
    ns = cost(data, BENCH_USER if side == "user" else BENCH_KERNEL)
    pairs = op_ratios(data, side, target)
    if not pairs:
        return f"{where}: no rows to compare reads and writes."
    slower = [s for s, r in pairs if r > WRITE_SLOWER]
    first = median(data, side, target, "write", pairs[0][0]) - \
        median(data, side, target, "read", pairs[0][0])
    verdict = ("a write cost more than a read at every size"
               if len(slower) == len(pairs) else
               "a write cost no more than a read (within "
               f"{WRITE_SLOWER - 1:.0%}) at any size"
               if not slower else
               "a write cost more than a read at "
               + ", ".join(size_text(s) for s in slower) + " only")
    return (f"{where} {verdict}; at {size_text(pairs[0][0])} the "
            f"difference is {ns(first)} ({ratio_text(pairs[0][1])}).")


def q2_race(data):
    out = ["### When the unlocked increment goes wrong, and the fixes", ""]
    if not any(r["side"] == "user" for r in data.race):
        return out + ["No race was run (make bench runs the benchmarks "
                      "alone)."]
    out.append(race_onset(data))
    out += ["", "Each increment is lseek, read, lseek, write: a "
            "read-modify-write that is not atomic. Two threads can read the "
            "same value, both add one and both write it back, so one "
            "increment overwrites the other. Lost updates = expected - "
            "final.", "", fixes_table(data), ""]
    out += fix_notes(data)
    out += ["", "How the driver itself can guarantee correct results: "
            "offer the read-modify-write as one operation, as mymem does "
            "with the `MYMEM_IOC_FETCH_ADD`/`CMPXCHG` ioctls and "
            "`mymem_fetch_add()`/`mymem_cmpxchg()` in the kernel API, and "
            "keep mmap for users who use atomic instructions. Making each "
            "read() and each write() atomic, as mymem already does, is not "
            "enough: the increment is two calls, and another thread's "
            "write can land between them; no lock inside one call can "
            "span the gap."]
    return out


def race_onset(data):
    rows = [r for r in data.sweep if r["mode"] == "unlocked"] or \
        race_runs(data.race, "user", "unlocked")
    if not rows:
        return "No unlocked race was run."
    source = "sweep" if data.sweep else "main race"
    lossy = sorted({r["workers"] for r in rows if r["lost"] > 0})
    solo = [r for r in rows if r["workers"] == 1]
    text = (f"In the {source}, the smallest W that lost updates was "
            f"**W={lossy[0]}**" if lossy else
            f"In the {source}, no W lost an update: the threads never "
            "interleaved inside an increment in this run (a short run or "
            "vCPUs that did not run in parallel can hide the race)")
    worst = max(rows, key=lambda r: r["error_pct"])
    text += (f"; the worst run lost {worst['lost']:,} of "
             f"{worst['workers'] * worst['iters']:,} increments "
             f"({worst['error_pct']:.1f}%, W={worst['workers']}).")
    if solo:
        lost = sum(r["lost"] for r in solo)
        text += (" At W=1 nothing was lost, as expected: one thread cannot "
                 "race itself." if lost == 0 else
                 f" At W=1 {lost:,} updates were lost, which no race "
                 "explains: something else wrote the counter.")
    return text


def fixes_table(data):
    rows = []
    base = incr_rate(data, "user", "unlocked")
    mutex = incr_rate(data, "user", "mutex")
    for mode, _, _ in RACE_MODES:
        rate = incr_rate(data, "user", mode)
        if not rate:
            continue
        runs = race_runs(data.race, "user", mode, main_workers(data, "user"))
        rows.append((mode, SYSCALLS[mode], num(rate), ns(1e9 / rate),
                     spread(runs, "lost"), ratio_text(ratio(rate, base)),
                     ratio_text(ratio(rate, mutex))))
    return table(("mode", "syscalls per increment", "incr/s (mean)",
                  "wall time per increment", "lost", "vs unlocked",
                  "vs mutex"), rows)


def fix_notes(data):
    def rate(mode):
        return num(incr_rate(data, "user", mode))

    notes = [
        f"- **mutex** ({rate('mutex')} incr/s): correct only if every "
        "user of the device takes the same lock (another process can "
        "only through a PTHREAD_PROCESS_SHARED mutex in memory they "
        "share); 4 system calls on the device per increment, all under "
        "the lock, and a contended mutex adds futex calls to sleep and "
        "wake.",
        f"- **pread** ({rate('pread')} incr/s): pread/pwrite need no "
        "lseek, so 2 system calls, but still a user-space lock with the "
        "same limits.",
        f"- **ioctl** ({rate('fetch_add')} incr/s): one system call, and "
        "the lock is the kernel's, so it holds across processes and "
        "against plain write()s; the price is a device-specific "
        "interface.",
        f"- **mmap** ({rate('mmap')} incr/s): no system call at all, "
        "the CPU's lock prefix makes the add atomic; but it bypasses the "
        "driver: its mutex and seqcount do not see these stores, so a "
        "write() running meanwhile may overwrite them (the atomic ioctls "
        "are safe beside them: they change the word with a "
        "compare-and-exchange, as atomic as the map's add), every user "
        "must use atomic instructions (one plain store loses "
        "increments), and only word sizes the CPU supports work."]
    kernel = [f"{m} {num(incr_rate(data, 'kernel', m))} incr/s"
              for m, _, _ in RACE_MODES if incr_rate(data, "kernel", m)]
    if kernel:
        notes.append("- In the kernel (mymem_test, W="
                     f"{main_workers(data, 'kernel')} kthreads): "
                     + ", ".join(kernel) + ".")
    return notes


def q3_kernel(data):
    out = ["### In-kernel API against the system-call path", ""]
    sizes = sorted({k[3] for k in data.bench if k[0] == "kernel"})
    if not sizes:
        return out + ["No in-kernel benchmark was run."]
    rows, reads = [], []
    for size in sizes:
        cells = [size_text(size)]
        for op in OPS:
            u = median(data, "user", "mymem", op, size)
            k = median(data, "kernel", "api", op, size)
            cells += [num(u), num(k), ratio_text(ratio(u, k))]
            if op == "read" and ratio(u, k):
                reads.append((size, ratio(u, k)))
        rows.append(cells)
    u = unit(data, BENCH_USER)
    out += [table(("size", f"read() {u}", f"mymem_read() {u}", "ratio",
                   f"write() {u}", f"mymem_write() {u}", "ratio"), rows), ""]
    out += anatomy.kernel_lines(data)
    if len(reads) > 1:
        out += ["", kernel_trend(data, reads)]
    return out


def kernel_trend(data, reads):
    """What the read ratios across sizes show, and why where it is known."""
    (first, r0), (last, r1) = reads[0], reads[-1]
    text = (f"The read ratio goes from {ratio_text(r0)} at "
            f"{size_text(first)} to {ratio_text(r1)} at {size_text(last)}")
    slower = [s for s, r in reads if r < KERNEL_SLOWER]
    if slower:
        text += (": the in-kernel path is slower at "
                 + ", ".join(size_text(s) for s in slower) + ".")
    elif r1 < r0 and abs(r1 - 1) < NEAR_ONE:
        text += (": it falls toward 1 as size grows, where both paths "
                 "spend their time copying the same bytes.")
    elif r1 < r0:
        text += ": it falls as size grows, but stays above 1."
    else:
        text += ": it does not fall as size grows."
    if copy_is_rep_movsb(data):
        text += (" Both copies are rep movsb in this guest (its CPU has "
                 "erms: copy_to_user() runs copy_user_enhanced_fast_string, "
                 "memcpy() memcpy_erms)")
        text += (", and under -icount both count one instruction per byte "
                 f"from {size_text(experiment.SLOPE_FROM)} to {size_text(experiment.LARGE)}, as "
                 "rep movsb does."
                 if icount_copy(data) else ".")
    return text


def q4_modorder(data):
    out = ["### Why the order of loading matters", ""]
    text = data.modorder
    if not text:
        return out + ["No transcript was recorded."]
    unknown, dep, used, refused = modorder_facts(text)
    out += ["```", text.rstrip(), "```", ""]
    if unknown:
        out.append(f"Loaded first, mymem_test fails: `{unknown[-1]}`. "
                   "Its calls to mymem_read() and friends are relocations "
                   "the module loader must resolve against symbols that "
                   "are exported (EXPORT_SYMBOL_NS_GPL, in the MYMEM "
                   "namespace, which mymem_test imports) by a module "
                   "already in the kernel; with mymem absent they stay "
                   "unresolved and the load is refused.")
    else:
        out.append("The transcript shows no 'Unknown symbol' failure; the "
                   "module may have been loaded with mymem already "
                   "present.")
    if dep:
        out.append(f"depmod records the dependency in modules.dep "
                   f"(`{dep[0]}`); modprobe reads it and loads mymem first.")
    if used and refused:
        out.append(f"lsmod then shows `{used[0]}`: mymem_test holds a "
                   "reference on mymem, so `rmmod mymem` is refused until "
                   "mymem_test is removed.")
    return out


def modorder_facts(text):
    """What the module-order transcript shows: its 'Unknown symbol' lines,
    modules.dep's line for mymem_test, lsmod's line for mymem, and whether
    an rmmod was refused."""
    lines = [ln.strip() for ln in text.splitlines()]
    unknown = [ln for ln in lines if "Unknown symbol" in ln]
    dep = [ln for ln in lines
           if "mymem_test.ko:" in ln and "mymem.ko" in ln.split(":", 1)[1]]
    used = [ln for ln in lines if ln.split()[:1] == ["mymem"]]
    return unknown, dep, used, "in use" in text


def q5_checkers(data):
    out = ["### What a compiler or checker can catch in the race", ""]
    rows = [r for r in data.race if r["mode"] == "unlocked"]
    lossy = [r for r in rows if r["lost"] > 0]
    if not rows:
        out.append("No unlocked race was run, so this run has no evidence "
                   "for this question.")
    else:
        worst = max(rows, key=lambda r: r["lost"])
        side = ("mymem_test's kthreads" if worst["side"] == "kernel"
                else "mymem-race's threads")
        out.append(
            f"In this run the unlocked modes lost updates in {len(lossy)} "
            f"of {len(rows)} runs (at most {worst['lost']:,} of "
            f"{worst['workers'] * worst['iters']:,}, {side})."
            if lossy else
            f"In this run no unlocked run lost an update ({len(rows)} "
            "runs), so it shows no race to classify.")
    out += ["", "Every mymem call is synchronised inside mymem: a write "
            "holds the mutex; a read copies without it and checks the "
            "seqcount, so a copy that overlapped a writer (a race mymem "
            "tolerates by design) is thrown away and made again; mmap "
            "users store without the lock, with the CPU's atomics. None "
            "of that is the lost update. The lost update is a race "
            "condition between two calls: read the counter, then write it "
            "back plus one, with another thread's write in the gap. "
            "Neither Rust's type system (its guarantee is against data "
            "races, which this is not) nor KCSAN (which watches for "
            "unsynchronised concurrent accesses to one location) can see "
            "it, since each call is synchronised; only the protocol is "
            "wrong. A plain shared counter incremented by two threads "
            "without a lock is a data race: Rust refuses to compile it "
            "(no `Sync`), and KCSAN, which samples accesses, can report "
            "it at run time.",
            "", "No KCSAN run is part of this report: this run's guest "
            "kernel has no KCSAN (`make debug-kernel`, then `make test "
            "KERNEL=kcsan`, runs the suite on one)."]
    return out


def symbol_crcs(data):
    """{symbol: CRC} of mymem's exports (Module.symvers) and of what
    mymem_test recorded for them (modprobe --dump-modversions)."""
    exported = {}
    for line in data.symvers.splitlines():
        fields = line.split("\t")
        if len(fields) >= 4 and fields[1].startswith("mymem_"):
            exported[fields[1]] = fields[0]
    imported = {}
    for line in data.modinfo.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1].startswith("mymem_") and \
                fields[0].startswith("0x"):
            imported[fields[1]] = fields[0]
    return exported, imported


def crcs_matching(exported, imported):
    """The symbols in both whose CRCs match, and all those in both."""
    both = sorted(set(exported) & set(imported))
    return [n for n in both
            if int(exported[n], 16) == int(imported[n], 16)], both


def q6_linking(data):
    out = ["### How one module reaches another's functions in C", ""]
    out.append("mymem_test includes `<linux/mymem.h>` (the prototypes) "
               "and calls mymem_read() like any function. mymem exports it "
               "with EXPORT_SYMBOL_NS_GPL(..., MYMEM): GPL modules only, "
               "and only those that MODULE_IMPORT_NS(MYMEM). At build time "
               "modpost checks every undefined symbol against "
               "Module.symvers (the kernel's and the exporting module's), "
               "records the dependency and, with CONFIG_MODVERSIONS, a CRC "
               "of each symbol's prototype in the importer's __versions; "
               "at insmod the loader resolves the relocations against the "
               "kernel's symbol table, refuses a CRC or namespace mismatch "
               "and an absent exporter (the load order), and takes a "
               "reference on mymem. The core kernel's own functions come the same "
               "way, from vmlinux's exports. The seed's Rust answers are "
               "bindgen (C headers to Rust declarations) for Rust calling "
               "C, and EXPORT_SYMBOL_RUST_GPL entries generated from `nm` "
               "output for Rust calling another Rust module; C needs "
               "neither, since the header is the interface.")
    exported, imported = symbol_crcs(data)
    keep = ("depends:", "import_ns:", "vermagic:", "name:")
    facts = [ln.strip() for ln in data.modinfo.splitlines()
             if ln.split()[:1] and ln.split()[0] in keep]
    if not (exported or imported or facts):
        return out + ["", "This run recorded no build evidence "
                      f"({SYMVERS}, {MODINFO})."]
    out += ["", "This build's evidence:", ""]
    if exported:
        out += ["Module.symvers (CRC, symbol, module, export, namespace):",
                "```"] + [ln for ln in data.symvers.splitlines()
                          if ln.split("\t")[1:2] and
                          ln.split("\t")[1] in exported] + ["```"]
    if facts:
        out += ["`modinfo mymem_test.ko`:", "```"] + facts + ["```"]
    if imported:
        out += ["CRCs mymem_test recorded for what it uses "
                "(`modprobe --dump-modversions`):", "```"]
        out += [f"{crc} {name}" for name, crc in imported.items()] + ["```"]
    same, both = crcs_matching(exported, imported)
    if both:
        out.append(f"The CRCs of {len(same)} of the {len(both)} symbols "
                   "mymem_test uses match the exporter's"
                   + (": the loader accepts it." if len(same) == len(both)
                      else "; the loader would refuse it."))
    return out
