"""Report section: the anatomy of a call, from the run's profile
(PROFILE, docs/profile.md): where the instructions of one warm call of
each path go, by stage, function and class, and the differences between
each path and its peer that the report's explanations are made of.
Every figure here is a count of instructions, never a time."""

from .raw import PROFILE, VULNERABILITIES
from .text import table


# The instrument's own regions, checked, not shown as paths.
EMPTY, LOOP = "empty", "loop"
KNOWN_LOOP = 2002   # profile/paths.c's known_loop (docs/profile.md)
# Each path beside its peer, (path, peer), in the order shown; a path
# of per_call transfers is compared per transfer.
PAIRS = (("read_mymem", "read_zero"), ("write_mymem", "write_null"),
         ("readv_mymem", "readv_zero"), ("writev_mymem", "writev_null"),
         ("uring_mymem", "uring_zero"),
         ("read512k_mymem", "read512k_tmpfs"),
         ("read512k_mymem", "read512k_brd"),
         ("read_mymem", "api_read"), ("write_mymem", "api_write"))
API_READ = "api_read"
# The stages in the order of a call (MYMEM_STAGE_*), and their colours
# in the picture.
STAGES = (("user", "#c7c7c7"), ("entry", "#d62728"), ("fd", "#ff9896"),
          ("verify", "#e377c2"), ("security", "#9467bd"),
          ("fsnotify", "#c5b0d5"), ("vfs", "#8c564b"),
          ("io_uring", "#bcbd22"), ("iov_iter", "#dbdb8d"),
          ("mymem", "#1f77b4"), ("file", "#7f7f7f"), ("copy", "#2ca02c"),
          ("alloc", "#98df8a"), ("lock", "#ff7f0e"), ("sched", "#ffbb78"),
          ("other", "#17becf"), ("unknown", "#000000"))
# The classes hardware charges far more than one count (MYMEM_CLASS_*),
# and what it charges for.
CLASSES = (
    ("syscall", "the mode switch into the kernel"),
    ("sysret", "the mode switch back"),
    ("swapgs", "a serialising swap of the GS base, at entry and exit"),
    ("iret", "a return from an interrupt or exception"),
    ("cr_write", "a CR3 write: page-table isolation, a TLB flush"),
    ("msr_write", "an MSR write: IBRS and kin"),
    ("verw", "the MDS buffer clearing"),
    ("lfence", "a speculation barrier: waits for all earlier "
     "instructions"),
    ("mfence", "a full memory barrier"),
    ("stac", "SMAP off for a user access"), ("clac", "SMAP back on"),
    ("lock", "a locked read-modify-write: the cache line held"),
    ("unlocked", "a read-modify-write whose lock prefix the 1-CPU guest "
     "patched out: locked on an SMP kernel"),
    ("rep_movs", "a rep movs, one count here however many bytes"),
    ("rep_stos", "a rep stos, the same"),
    ("svc", "the system call (arm64)"), ("eret", "the return from it"),
    ("barrier", "dmb, dsb, isb"), ("atomic", "an LSE atomic"),
    ("exclusive", "an exclusive load or store"))
# The vulnerabilities whose mitigation adds a class to every system call
# on an affected CPU, and what it adds.
ADDS = (("meltdown", "two CR3 writes (page-table isolation), class "
         "cr_write"),
        ("mds", "a verw at every return to user space, class verw"),
        ("tsx_async_abort", "the same verw"),
        ("mmio_stale_data", "the same verw"),
        ("retbleed", "IBRS MSR writes or return thunks at entry, class "
         "msr_write"),
        ("spec_rstack_overflow", "a return-stack safe sequence at entry"))
NOT_AFFECTED = "Not affected"
TOP = 5   # functions named per path or difference


def missing(data, *wanted):
    """The sentence said where a profile would explain."""
    if data.profile:
        return ("This run's profile has no " + " or ".join(
            f"`{p}`" for p in wanted if not has(data, p)) + ": which "
            "stages and functions make this difference is not measured "
            "here.")
    return (f"This run has no profile (`{PROFILE}`): which stages and "
            "functions make this difference is not measured here.")


def paths(data):
    return [p for p in dict.fromkeys(r["path"] for r in data.profile)
            if p not in (EMPTY, LOOP)]


def has(data, path):
    return any(r["path"] == path for r in data.profile)


def per_call(data, path):
    return next((r["per_call"] for r in data.profile if r["path"] == path),
                1)


def by(data, path, key):
    """{stage, function or class: instructions} of one call of path."""
    out = {}
    for r in data.profile:
        if r["path"] == path:
            out[r[key]] = out.get(r[key], 0) + r["instructions"]
    return out


def total(data, path):
    return sum(by(data, path, "stage").values()) if has(data, path) else None


def rep(data, path):
    """(rep string instructions, the bytes they moved) of path."""
    reps = [r for r in data.profile if r["path"] == path and
            r["class"].startswith("rep_")]
    return (sum(r["instructions"] for r in reps),
            sum(r["bytes"] for r in reps))


def count(value):
    """An instruction count, a fraction only where it has one."""
    if value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) < 0.1 else f"{value:,.1f}"


def signed(value):
    return ("+" if value > 0 else "-") + count(abs(value))


def code(name):
    return f"`{name}`"


def top_text(counts, n=TOP, name=code):
    return ", ".join(f"{name(k)} {count(v)}" for k, v in
                     sorted(counts.items(), key=lambda kv: -kv[1])[:n])


def diff(data, path, peer, key):
    """[(name, path's minus peer's)], largest first, per transfer where
    the paths carry several."""
    a, b = by(data, path, key), by(data, peer, key)
    ka, kb = per_call(data, path), per_call(data, peer)
    found = [(k, a.get(k, 0) / ka - b.get(k, 0) / kb)
             for k in dict.fromkeys(list(a) + list(b))]
    return sorted([(k, d) for k, d in found if d],
                  key=lambda kd: -abs(kd[1]))


def diff_text(items, n=None, name=code):
    return ", ".join(f"{name(k)} {signed(d)}" for k, d in items[:n])


def per_text(data, path):
    k = per_call(data, path)
    return "per transfer" if k > 1 else "per call"


LEAD = "By this run's profile, "


def difference(data, path, peer, n=TOP, lead=LEAD):
    """One sentence: path against peer, the total, the stages and the
    functions that differ, with their counts; None without both."""
    if not (has(data, path) and has(data, peer)):
        return None
    a = total(data, path) / per_call(data, path)
    b = total(data, peer) / per_call(data, peer)
    text = (f"{lead}`{path}` executes {count(a)} "
            f"instructions {per_text(data, path)} and `{peer}` {count(b)} "
            f"({signed(a - b)})" if a != b else
            f"{lead}`{path}` and `{peer}` execute the same "
            f"{count(a)} instructions {per_text(data, path)}")
    stages = diff(data, path, peer, "stage")
    if not stages:
        return text + "."
    return (text + f"; by stage {diff_text(stages, name=str)}; by function "
            f"{diff_text(diff(data, path, peer, 'function'), n)}.")


def explain(data, path, peer, n=TOP, lead=LEAD):
    """difference(), or what is missing."""
    return (difference(data, path, peer, n, lead) or
            missing(data, path, peer))


def alone(data, path, peer):
    """The stages path pays and peer does not, and their sum."""
    a, b = by(data, path, "stage"), by(data, peer, "stage")
    only = {s: v for s, v in a.items() if not b.get(s)}
    return only, sum(only.values())


def classes_of(data, path):
    return {c: v for c, v in by(data, path, "class").items() if c != "plain"}


def remains(data, path):
    """What a path's instructions are, by function and stage."""
    return (f"`{path}` executes {count(total(data, path))} instructions: "
            f"{top_text(by(data, path, 'function'), n=None)} (by stage "
            f"{top_text(by(data, path, 'stage'), n=None, name=str)})")


def paths_table(data):
    rows = []
    for path in paths(data):
        n, k = total(data, path), per_call(data, path)
        reps, moved = rep(data, path)
        rows.append((code(path), f"{n:,}", count(n / k) if k > 1 else "",
                     f"{moved:,} B in {reps}" if reps else "",
                     top_text(by(data, path, "stage"), n=None, name=str),
                     top_text(by(data, path, "function"))))
    return table(("path", "instructions", "per transfer",
                  "rep string bytes", "by stage", "top functions"), rows)


def pairs_lines(data):
    out = []
    for path, peer in PAIRS:
        text = difference(data, path, peer)
        if text:
            out.append(f"- **{path} - {peer}**: {text}")
        if path.startswith("read512k") and text:
            out[-1] += rep_text(data, path, peer)
    return out


def rep_text(data, path, peer):
    (ra, ba), (rb, bb) = rep(data, path), rep(data, peer)
    return (f" Their rep movs, counted once each above: {ra} moving "
            f"{ba:,} B against {rb} moving {bb:,} B.")


def classes_table(data):
    shown = [c for c, _ in CLASSES if any(
        classes_of(data, p).get(c) for p in paths(data))]
    rows = [[code(p)] + [count(classes_of(data, p).get(c, 0))
                         for c in shown] for p in paths(data)]
    return shown, table(["path"] + shown, rows)


def classes_lines(data, shown):
    what = dict(CLASSES)
    out = ["What hardware charges more than one count for: " + "; ".join(
        f"{c}, {what[c]}" for c in shown) + ".", ""]
    for path, peer in PAIRS:
        if not (has(data, path) and has(data, peer)):
            continue
        a, b = classes_of(data, path), classes_of(data, peer)
        ka, kb = per_call(data, path), per_call(data, peer)
        d = [(c, a.get(c, 0) / ka - b.get(c, 0) / kb) for c in shown]
        d = [(c, v) for c, v in d if v]
        out.append(f"- `{path}` against `{peer}` ({per_text(data, path)}): "
                   + (diff_text(d, name=str) if d else "the same classes")
                   + ".")
    return out


def vulnerability_lines(data):
    vulns = data.vulnerabilities
    if not vulns:
        return [f"The guest's vulnerabilities were not recorded "
                f"(`{VULNERABILITIES}`)."]
    mitigated = {k: v for k, v in vulns.items() if v != NOT_AFFECTED}
    out = [f"The guest's CPU (`{VULNERABILITIES}`): "
           + ("; ".join(f"{k}: `{v}`" for k, v in mitigated.items()) if
              mitigated else "no vulnerability mitigated")
           + f"; {len(vulns) - len(mitigated)} others \"{NOT_AFFECTED}\"."]
    counted = {c: sum(classes_of(data, p).get(c, 0) for p in paths(data))
               for c in ("cr_write", "msr_write", "verw")}
    adds = [(k, a) for k, a in ADDS if vulns.get(k) == NOT_AFFECTED]
    if adds:
        out.append("So every path here runs without what an affected CPU "
                   "adds to each system call: " + "; ".join(
                       f"{k}, {a}" for k, a in adds) +
                   ". This profile counts " + ", ".join(
                       f"{v} {c}" for c, v in counted.items()) +
                   " in all its paths. A hardware run on such a CPU adds "
                   "them to stage entry of mymem's call and its peer's "
                   "alike: they raise both sides of a ratio, not its "
                   "difference, but widen read() against the in-kernel "
                   "API, which makes no system call.")
    return out


def instrument_lines(data):
    loop = by(data, LOOP, "function").get("known_loop")
    empty = total(data, EMPTY)
    return [f"The instrument: region `{EMPTY}` holds {empty} instructions "
            "(the call of the marker, in every path's stage user), and "
            f"`{LOOP}`'s `known_loop` {loop} of the {KNOWN_LOOP} it is "
            "written to execute."] if loop is not None else []


def section_anatomy(data, plotted):
    out = ["## Anatomy of a call", ""]
    if not data.profile:
        return out + [f"This run has no profile (`{PROFILE}` is missing): "
                      "no anatomy, and the report's explanations name no "
                      "stage or function. `make profile` measures one."]
    out += ["Every instruction of one warm call of each path, user and "
            "kernel, counted from outside the -icount guest (QEMU's "
            "gdbstub single-steps it: the instrument adds none, and no "
            "interrupt lands in a call) and attributed to the function "
            "that executed it, its stage and its class (docs/profile.md). "
            "Counts of instructions, not times: an instruction is not a "
            "cycle, and the classes below count those that hardware "
            "charges far more for. A rep string instruction counts once "
            "here, its bytes apart."]
    if plotted:
        out += ["", "![anatomy](anatomy.png)"]
    out += ["", paths_table(data), ""] + instrument_lines(data)
    out += ["", "### Each path against its peer", ""] + pairs_lines(data)
    shown, classes = classes_table(data)
    out += ["", "### Instruction classes", "", classes, ""]
    out += classes_lines(data, shown)
    out += ["", "### What the guest does not execute", ""]
    return out + vulnerability_lines(data)


def plot_blocks(data):
    """anatomy.dat's blocks: one per stage, a line per path with its
    bar's start and end in percent of the path's instructions."""
    shown = paths(data)
    blocks, start = [], {p: 0.0 for p in shown}
    for stage, colour in STAGES:
        lines = []
        for y, path in enumerate(reversed(shown)):
            n = by(data, path, "stage").get(stage, 0)
            if n:
                end = start[path] + 100.0 * n / total(data, path)
                lines.append(f'{y} {start[path]:g} {end:g} '
                             f'"{path} ({total(data, path):,})"')
                start[path] = end
        if lines:
            blocks.append((stage, colour, lines))
    return blocks


def write_plot_data(path, data):
    """plot/anatomy.dat; returns its plots.gp variables."""
    blocks = plot_blocks(data)
    with open(path, "w") as f:
        for stage, _, lines in blocks:
            f.write(f'"{stage}" start end path\n' + "\n".join(lines) +
                    "\n\n\n")
    return {"nanat": len(blocks), "npaths": len(paths(data)),
            "anat_colours": " ".join(c for _, c, _ in blocks) or "-"}


# The explanations of the other sections, made of the profile.

SYSCALL, API = "read_mymem", "api_read"
# A function of these names in a call is a scheduler switch.
SWITCH = ("__schedule", "schedule", "context_switch", "__switch_to",
          "__switch_to_asm", "finish_task_switch")
CHECK_STAGES = ("verify", "security")   # the checks of a caller's request
MODE_SWITCH = ("syscall", "sysret", "swapgs", "svc", "eret")


def transfer_text(data, paths):
    """What one transfer of an amortised path executes, against the same
    path on /dev/zero: paths (mymem's, /dev/zero's), None if unprofiled."""
    if paths is None:
        return ("The profile has no such path: what it pays per transfer "
                "is not measured here.")
    path, peer = paths
    if not has(data, path):
        return missing(data, path)
    k = per_call(data, path)
    stages = {s: v / k for s, v in by(data, path, "stage").items()}
    return (f"By this run's profile a transfer of `{path}` executes "
            f"{count(total(data, path) / k)} instructions, by stage "
            f"{top_text(stages, n=TOP, name=str)}. "
            + explain(data, path, peer, lead="Against /dev/zero: "))


def classes_beyond(data, path, peer):
    """The costly classes path executes beyond peer, as a clause."""
    a, b = classes_of(data, path), classes_of(data, peer)
    more = {c: a.get(c, 0) - b.get(c, 0) for c, _ in CLASSES}
    more = {c: v for c, v in more.items() if v > 0}
    return ", ".join(f"{c} {count(v)}" for c, v in more.items()) or "none"


def syscall_text(data):
    """read() against mymem_read(): the stages only read() pays."""
    if not (has(data, SYSCALL) and has(data, API)):
        return missing(data, SYSCALL, API)
    only, paid = alone(data, SYSCALL, API)
    a, b = total(data, SYSCALL), total(data, API)
    return (f"By this run's profile a 1-byte read() executes {a:,} "
            f"instructions and mymem_read() {b:,}: {paid:,} of the "
            f"{a - b:,} between them are stages that read() pays and "
            f"mymem_read() does not ({top_text(only, n=None, name=str)}), "
            "the rest " + diff_text([d for d in diff(
                data, SYSCALL, API, "stage") if d[0] not in only],
                name=str) + f"; read() executes beyond it "
            f"{classes_beyond(data, SYSCALL, API)} of the classes that "
            "hardware charges more than one count (Anatomy of a call).")


def kernel_lines(data):
    """The in-kernel question's evidence: what read() pays that
    mymem_read() does not, and what its stage entry holds."""
    if not (has(data, SYSCALL) and has(data, API)):
        return [missing(data, SYSCALL, API)]
    entry = by_stage_functions(data, SYSCALL, "entry")
    return [syscall_text(data), "",
            "Stage entry, the mode switch and its mitigations, is "
            f"{top_text(entry, n=None)}."]


def seed_verdicts(data, causes):
    """Which of causes (the seed's claims for the in-kernel API's lead:
    the checks, the switch, the memory access) the profile supports, a
    list item each."""
    if not (has(data, SYSCALL) and has(data, API)):
        return [f"- \"{c}\": not judged: {missing(data, SYSCALL, API)}"
                for c in causes]
    only, _ = alone(data, SYSCALL, API)
    a, b = total(data, SYSCALL), total(data, API)
    checks = {s: only[s] for s in CHECK_STAGES if s in only}
    copied = [by(data, p, "stage").get("copy", 0) for p in (SYSCALL, API)]
    switched = [f for f in by(data, SYSCALL, "function") if f in SWITCH]
    sched = by_stage_functions(data, SYSCALL, "sched")
    mine = [by(data, p, "stage").get("mymem", 0) for p in (SYSCALL, API)]
    cls = classes_of(data, SYSCALL)
    judged = (
        (f"supported, in part: the checks of the caller's request, "
         f"{top_text(checks, n=None, name=str)}, and the user copy's "
         f"{copied[0] - copied[1]:+,} over memcpy() are "
         f"{sum(checks.values()) + copied[0] - copied[1]:,} of the "
         f"{a - b:,}; the rest of what read() alone pays is "
         + top_text({s: v for s, v in only.items() if s not in checks},
                    n=None, name=str)),
        ("a scheduler switch ran in read(): " + ", ".join(switched)
         if switched else
         "not supported: a system call is a mode switch (here "
         f"{switch_text(cls)}), not a context switch, and no scheduler "
         "function switched in read(): its stage sched is "
         + (top_text(sched, n=None) if sched else "empty")),
        (f"not supported: both copy from the same mymem region, read() "
         f"with {copied[0]} instructions in stage copy, mymem_read() with "
         f"{copied[1]}, and mymem's own code is {mine[0]} against "
         f"{mine[1]}: the difference is the stages above, not another "
         "way to the memory"))
    return [f"- \"{c}\": {j}." for c, j in zip(causes, judged)]


def by_stage_functions(data, path, stage):
    out = {}
    for r in data.profile:
        if r["path"] == path and r["stage"] == stage:
            out[r["function"]] = out.get(r["function"], 0) + \
                r["instructions"]
    return out


def large_text(data, peer, size):
    """A large read of mymem against peer's, where the profile's large
    read is of that size."""
    path = "read512k_mymem"
    if has(data, path) and rep(data, path)[1] != size:
        return (f"The profile's `{path}` moves {rep(data, path)[1]:,} B, "
                "not this size: it does not explain these figures.")
    return explain(data, path, f"read512k_{peer}", 3)


def api_read(data):
    """The in-kernel 1-byte mymem_read()'s instructions, or None."""
    return total(data, API)


def api_text(data, goal):
    if not has(data, API):
        return missing(data, API)
    n = total(data, API)
    return (f"By this run's profile {remains(data, API)}; "
            + (f"{count(n - goal)} over the goal." if n > goal else
               "within the goal."))


# The floor of the amortised section: a 1-byte read by each way, and
# what of it is stage entry.
FLOOR = (("mmap_load", "a load from the mapping"),
         (API, "mymem_read()"), (SYSCALL, "read()"),
         ("readv_mymem", "a transfer of readv"),
         ("uring_mymem", "a transfer of io_uring"))


def floor_text(data):
    shown = [(p, what) for p, what in FLOOR if has(data, p)]
    if not shown:
        return missing(data, *(p for p, _ in FLOOR))
    parts = []
    for path, what in shown:
        k = per_call(data, path)
        entry = by(data, path, "stage").get("entry", 0) / k
        parts.append(f"{what} {count(total(data, path) / k)}" +
                     (f" (stage entry {count(entry)})" if entry else ""))
    return ("The floor, by this run's profile, in instructions of one "
            "1-byte read: " + ", ".join(parts) + ".")


def entry_clause(data):
    """Stage entry of one read() and its costly classes, as a clause."""
    if not has(data, SYSCALL):
        return ""
    return (f" (by this run's profile {by(data, SYSCALL, 'stage')['entry']}"
            f" in a read(), with {switch_text(classes_of(data, SYSCALL))})")


def switch_text(cls):
    """The mode switch's classes of one call (x86-64's or arm64's)."""
    return ", ".join(f"{c} {cls[c]:,}" for c in MODE_SWITCH if cls.get(c)) \
        or "no mode switch"
