"""Report section: the answers to the seed's questions, first and in the
seed's order. Each is a few sentences from this run's figures, the one
table or plot that supports it, and where the seed's own answer is right
or wrong by those figures; the sections after them are the evidence."""

import re

from .measures import (
    fit, incr_rate, main_workers, mean_of, median, op_ratios, race_runs)
from .modes import MODES, guest_env, icount_copy, mode_of
from .questions import (
    MOSTLY, NEAR_ONE, crcs_matching, fixes_table,
    modorder_facts, q1_throughput, q2_race, q3_kernel,
    q4_modorder, q5_checkers, q6_linking, race_onset, symbol_crcs)
from .race import RACE_MODES
from . import anatomy, experiment
from .seed import SEED_KERNEL_CAUSES
from .raw import BENCH_KERNEL, BENCH_USER, RACE_KERNEL, RACE_USER
from .text import ns, num, ratio_text, size_text, table


# "Almost uniformly across payload sizes": the read ratio, read() over
# mymem_read(), at every size within this factor of every other size's.
UNIFORM = 1.5
# "Significantly faster": the API at least this many times cheaper.
SIGNIFICANT = 2.0

# The seed's own answers, as it words them, where this project has them.
SEED_UNIFORM = "significantly faster, almost uniformly across payload sizes"
SEED_RUST_SAFE = "guides the user towards implementing thread-safe code"
NO_SEED = ("**Against the seed:** this project holds no quote of the "
           "seed's answer to this question, so none is checked here.")


def figure(data, name, value):
    """A per-operation figure of raw file name in its unit: under -icount
    (shift=0, one instruction an emulated ns) a count of instructions,
    else a time."""
    if value is None:
        return "n/a"
    if mode_of(data, name) == "icount":
        return f"{num(value)} instructions"
    return ns(value)


def unit(data, name):
    return "instructions" if mode_of(data, name) == "icount" else "ns"


def anchor(heading):
    """The link to a heading of REPORT.md, as Markdown renderers make it."""
    text = heading.lstrip("#").strip().lower()
    return "#" + re.sub(r"[^a-z0-9 _-]", "", text).replace(" ", "-")


def evidence(detail, data):
    """A link to the section holding an answer's evidence."""
    heading = detail(data)[0]
    return f"[{heading.lstrip('#').strip()}]({anchor(heading)})"


def a_load_order(data, plotted):
    text = data.modorder
    if not text:
        return ["No module-order transcript was recorded in this run.",
                "", NO_SEED]
    unknown, dep, used, refused = modorder_facts(text)
    names = sorted({m.group(1) for m in
                    re.finditer(r"Unknown symbol (\w+) \(", text)})
    if names:
        said = [f"Loaded before mymem, mymem_test is refused: the loader "
                f"found {len(names)} of its symbols unknown ("
                + ", ".join(f"`{n}`" for n in names) + ").",
                "Its calls into mymem are relocations resolved at load "
                "time against the symbols a loaded module exports "
                "(EXPORT_SYMBOL_NS_GPL, namespace MYMEM); with mymem "
                "absent nothing exports them."]
    else:
        said = ["The transcript shows no 'Unknown symbol' failure, so "
                "this run does not show what loading mymem_test first "
                "does."]
    if dep:
        said.append(f"depmod records the dependency in modules.dep "
                    f"(`{dep[0]}`), so modprobe loads mymem first.")
    if used and refused:
        said.append("Once loaded, mymem_test holds a reference on mymem "
                    f"(lsmod: `{' '.join(used[0].split())}`), so `rmmod "
                    "mymem` is refused until mymem_test is removed.")
    return [" ".join(said), "",
            f"Evidence: the transcript under "
            f"{evidence(q4_modorder, data)}.", "", NO_SEED]


def kernel_reads(data):
    """(size, read(), mymem_read()) medians at every size with both."""
    sizes = sorted({k[3] for k in data.bench if k[0] == "kernel"})
    rows = [(s, median(data, "user", "mymem", "read", s),
             median(data, "kernel", "api", "read", s)) for s in sizes]
    return [(s, u, k) for s, u, k in rows
            if u is not None and k is not None and u > 0 and k > 0]


def uniform_verdict(reads):
    """Where the seed's "significantly faster, almost uniformly" holds."""
    ratios = [(s, u / k) for s, u, k in reads]
    lo, hi = min(r for _, r in ratios), max(r for _, r in ratios)
    (s0, r0), (last, r_last) = ratios[0], ratios[-1]
    if hi / lo <= UNIFORM:
        if lo >= SIGNIFICANT:
            return (f"right in this run: {ratio_text(lo)} to "
                    f"{ratio_text(hi)} at every size from {size_text(s0)} "
                    f"to {size_text(last)}.")
        return (f"uniform in this run ({ratio_text(lo)} to "
                f"{ratio_text(hi)}), but not significantly faster: under "
                f"{ratio_text(SIGNIFICANT)} at some size.")
    near = None
    for i, (s, _) in enumerate(ratios):
        if all(abs(r - 1) < NEAR_ONE for _, r in ratios[i:]):
            near = i
            break
    if near is None:
        tail = f"{ratio_text(r_last)} at {size_text(last)}"
    else:
        tail_r = [r for _, r in ratios[near:]]
        span = (ratio_text(tail_r[0]) if len(tail_r) == 1 else
                f"{min(tail_r):.2f}-{ratio_text(max(tail_r))}")
        tail = (f"{span} " + ("at" if near == len(ratios) - 1 else "from")
                + f" {size_text(ratios[near][0])}")
    fast = [s for s, r in ratios if r >= SIGNIFICANT]
    return (f"wrong on \"uniformly\": this run reads {ratio_text(r0)} at "
            f"{size_text(s0)} and {tail}"
            + (f"; significantly faster (at least "
               f"{ratio_text(SIGNIFICANT)}) up to {size_text(fast[-1])} "
               "only." if fast else
               f"; nowhere {ratio_text(SIGNIFICANT)} or more."))


def a_kernel_api(data, plotted):
    reads = kernel_reads(data)
    if not reads:
        return ["No in-kernel benchmark was run, so this run cannot say.",
                "", "**Against the seed:** not checked: this run has no "
                "in-kernel figures."]
    (s0, u0, k0), (last, u1, k1) = reads[0], reads[-1]
    said = [f"At {size_text(s0)} a mymem_read() in the kernel cost "
            f"{figure(data, BENCH_KERNEL, k0)}, a read() through the "
            f"system call {figure(data, BENCH_USER, u0)}: "
            f"{ratio_text(u0 / k0)} the API's."]
    fixed = 1 / UNIFORM <= (u1 - k1) / (u0 - k0) <= UNIFORM \
        if u0 > k0 else False
    trend = ("falls with size" if u1 / k1 < u0 / k0 else
             "does not fall with size")
    said.append(f"The ratio {trend}, to {ratio_text(u1 / k1)} at "
                f"{size_text(last)}"
                + (f": read() adds {figure(data, BENCH_USER, u0 - k0)} at "
                   f"{size_text(s0)} and {figure(data, BENCH_USER, u1 - k1)}"
                   f" at {size_text(last)}, a cost per call that a large "
                   "copy dwarfs." if fixed else "."))
    said.append(anatomy.syscall_text(data))
    if icount_copy(data):
        said.append(f"From {size_text(experiment.SLOPE_FROM)} to "
                    f"{size_text(experiment.LARGE)} both count one "
                    "instruction per byte: the same copy.")
    if mode_of(data, BENCH_USER) == "icount":
        said.append("Under -icount it is a ratio of instruction counts: "
                    "the mode switch counts as its instructions, not as "
                    "the cycles hardware spends on it.")
    u, k = unit(data, BENCH_USER), unit(data, BENCH_KERNEL)
    rows = [(size_text(s), num(a), num(b), ratio_text(a / b))
            for s, a, b in reads]
    out = [" ".join(said), "",
           table(("size", f"read() {u}", f"mymem_read() {k}",
                  "read() / mymem_read()"), rows), ""]
    out += ["**Against the seed:**", "",
            f"- \"{SEED_UNIFORM}\": {uniform_verdict(reads)}"]
    out += anatomy.seed_verdicts(data, SEED_KERNEL_CAUSES)
    return out


def a_throughput(data, plotted):
    fits = [fit(data, "user", "mymem", op) for op in ("read", "write")]
    if None in fits:
        return ["Not enough user-space mymem rows to tell.", "", NO_SEED]
    (fixed, slope), (wfixed, _) = fits
    small, large = experiment.SMALL, experiment.LARGE
    zero = median(data, "user", "zero", "read", small)
    top = median(data, "user", "mymem", "read", large)
    said = [f"Through the system calls a {size_text(small)} read() cost "
            f"{figure(data, BENCH_USER, fixed)} and a write() "
            f"{figure(data, BENCH_USER, wfixed)}"
            + (f", of which /dev/zero's read() costs "
               f"{figure(data, BENCH_USER, zero)} too" if zero is not None
               and zero <= fixed else "") + "."]
    if slope > 0:
        said.append(f"From {size_text(experiment.SLOPE_FROM)} on each byte "
                    f"adds {slope:.3f} {unit(data, BENCH_USER)}, so the "
                    "copy outweighs the fixed cost from about "
                    f"{size_text(round(fixed / slope))} on.")
    sides = [(where, op_ratios(data, side, target)) for where, side, target
             in (("through the system calls", "user", "mymem"),
                 ("in the kernel", "kernel", "api"))]
    said.append("A write cost " + "; ".join(
        f"{ratio_text(pairs[0][1])} a read at {size_text(pairs[0][0])} and "
        f"{ratio_text(pairs[-1][1])} at {size_text(pairs[-1][0])} {where}"
        for where, pairs in sides if pairs) + ".")
    call = zero is not None and zero > MOSTLY * fixed
    copy = slope > 0 and top and slope * large > MOSTLY * top
    if call and copy:
        said.append(f"So a small transfer's overhead is the call, which "
                    f"any character device pays, and a large one's the "
                    f"copy ({figure(data, BENCH_USER, slope * large)} of "
                    f"the {size_text(large)} read's "
                    f"{figure(data, BENCH_USER, top)} grow with size).")
    support = ("Plot: [latency.png](latency.png), the cost of one call "
               "by size." if plotted else
               f"Evidence: {evidence(q1_throughput, data)}.")
    return [" ".join(said), "", support, "", NO_SEED]


def a_race(data, plotted):
    user = [r for r in data.race if r["side"] == "user"]
    if not user:
        return ["No race was run (make bench runs the benchmarks alone).",
                "", NO_SEED]
    fixed = [r for r in user if r["mode"] != "unlocked"]
    said = [race_onset(data),
            "Each increment is a read and then a write, two calls: two "
            "threads that read the same value both write it back plus "
            "one, and one increment is lost."]
    if fixed:
        lost = sum(r["lost"] for r in fixed)
        said.append(f"Every fix held: no update lost in {len(fixed)} runs "
                    "of " + ", ".join(dict.fromkeys(r["mode"] for r in fixed))
                    + "; the table gives what each costs." if not lost else
                    f"The fixes lost {num(lost)} updates in {len(fixed)} "
                    "runs: one that must be exact was not.")
    said.append("The driver can guarantee a correct count only by "
                "offering the read-modify-write as one call, as mymem's "
                "fetch-add and compare-exchange ioctls do: no lock inside "
                "read() or inside write() spans the gap between them.")
    return [" ".join(said), "", fixes_table(data), "", NO_SEED]


def preemptible(data):
    """Whether mymem_test's build says its kernel is preemptible (the
    vermagic of modinfo), or None if not recorded."""
    for line in data.modinfo.splitlines():
        fields = line.split()
        if fields[:1] == ["vermagic:"]:
            return any(f.startswith("preempt") for f in fields[1:])
    return None


def plural(n, noun):
    return f"{n} {noun}" + ("" if n == 1 else "s")


def runs_text(runs, lossy):
    """Over how many runs a loss is, and in how many of them it was."""
    if len(runs) == 1:
        return "1 run"
    return (f"mean of {len(runs)} runs, lost in "
            + ("every one" if len(lossy) == len(runs) else
               f"{len(lossy)} of them"))


def a_kernel_race(data, plotted):
    w = main_workers(data, "kernel")
    kern = race_runs(data.race, "kernel", "unlocked", w)
    if not kern:
        return ["No race ran in the kernel in this run.", "", NO_SEED]
    user = race_runs(data.race, "user", "unlocked",
                     main_workers(data, "user"))
    lossy = [r for r in kern if r["lost"] > 0]
    kpct = mean_of(kern, "error_pct")
    versus = (f", against {mean_of(user, 'error_pct'):.1f}% for "
              f"{user[0]['workers']} threads from user space"
              if user else "")
    nproc = guest_env(data, mode_of(data, RACE_KERNEL)).get("nproc", "")
    cpus = (f"on {nproc} CPUs at once" if nproc.isdigit() and
            int(nproc) > 1 else "taking turns on one CPU")
    preempt = preemptible(data)
    if lossy:
        said = [f"Unlocked, {w} kthreads lost {kpct:.1f}% of their "
                f"increments ({runs_text(kern, lossy)}){versus}.",
                "A kthread's increment is still two calls, mymem_read() "
                f"then mymem_write(); the kthreads run {cpus}"
                + (", in a kernel built with preemption (vermagic "
                   "`preempt`)," if preempt else ",")
                + " and mymem_write() may sleep on mymem's mutex between "
                "a worker's read and its write, so another kthread's "
                "write lands in the gap."]
    else:
        said = [f"Unlocked, {w} kthreads lost no update in "
                f"{plural(len(kern), 'run')}{versus}: they never came between each other's read "
                "and write here, so this run does not show what the "
                "kernel changes about the race."]
    rates = [(m, incr_rate(data, "user", m), incr_rate(data, "kernel", m))
             for m, _, _ in RACE_MODES]
    both = [(m, u, k) for m, u, k in rates if u and k]
    if both:
        said.append("What it changes is the cost: in increments per "
                    "second the kthreads ran " + ", ".join(
                        f"{m} {ratio_text(k / u)}" for m, u, k in both)
                    + " as fast as user space's threads, with no system "
                    "call per read or write.")
    if lossy:
        said.append("Being in the kernel changes the cost, not the race.")
    rows = []
    for mode, _, _ in RACE_MODES:
        cells = [mode]
        for side in ("user", "kernel"):
            runs = race_runs(data.race, side, mode, main_workers(data, side))
            cells += ([f"{mean_of(runs, 'error_pct'):.1f}%",
                       num(incr_rate(data, side, mode))] if runs
                      else ["-", "-"])
        if cells[1:] != ["-"] * 4:
            rows.append(cells)
    return [" ".join(said), "",
            table(("mode", "user: lost", "user: incr/s", "kernel: lost",
                   "kernel: incr/s"), rows), "", NO_SEED]


def a_checkers(data, plotted):
    rows = [r for r in data.race if r["mode"] == "unlocked"]
    lossy = [r for r in rows if r["lost"] > 0]
    said = []
    if rows:
        said.append(f"The unlocked increment lost updates in {len(lossy)} "
                    f"of {len(rows)} runs here, user and kernel, while "
                    "every mymem call is synchronised inside mymem (a "
                    "write under its mutex, a read checked by its "
                    "seqcount).")
    said += [("So the" if rows else "The") +
             " lost update is a race condition between two calls, "
             "not a data race: neither Rust's type system, whose guarantee "
             "is against data races, nor KCSAN, which watches for "
             "unsynchronised accesses to one location, can see it.",
             "A plain shared counter incremented without a lock is a data "
             "race: Rust refuses to compile it (no `Sync`), and KCSAN, "
             "which samples accesses, can report it."]
    verdict = (f"right for data races, which Rust does not compile; but "
               f"this run's {len(lossy)} lossy runs come from calls that "
               "are each synchronised, which any type checker accepts: "
               "thread-safe calls do not make a thread-safe protocol."
               if lossy else
               "this run lost no update, so it has nothing to set the "
               "claim against." if rows else
               "no race ran in this run, so it has nothing to set the "
               "claim against.")
    return [" ".join(said), "",
            f"Evidence: the race tables under [Race]({anchor('## Race')}) "
            f"and {evidence(q5_checkers, data)}.", "",
            f"**Against the seed:** \"{SEED_RUST_SAFE}\" (of Rust): "
            f"{verdict}"]


def a_linking(data, plotted):
    exported, imported = symbol_crcs(data)
    same, both = crcs_matching(exported, imported)
    said = ["In C, mymem_test includes `<linux/mymem.h>` and calls "
            "mymem_read() like any function; mymem exports it with "
            "EXPORT_SYMBOL_NS_GPL(..., MYMEM), for GPL modules that import "
            "the MYMEM namespace only.",
            "At build time modpost checks each undefined symbol against "
            "Module.symvers and records a CRC of its prototype "
            "(CONFIG_MODVERSIONS); at insmod the loader resolves the "
            "relocations against the exports of the kernel and of loaded "
            "modules, checking CRC and namespace."]
    if both:
        said.append(f"In this build mymem exports {len(exported)} symbols "
                    f"and the CRCs of {len(same)} of the {len(both)} that "
                    "mymem_test uses match"
                    + (": the loader accepts it." if len(same) == len(both)
                       else ": the loader would refuse it."))
    else:
        said.append("This run recorded no CRCs to show it.")
    crcs = (f" (this build: {len(same)} of {len(both)} CRCs match)"
            if both else "")
    return [" ".join(said), "",
            f"Evidence: Module.symvers and modinfo under "
            f"{evidence(q6_linking, data)}.", "",
            "**Against the seed:** its Rust answers, bindgen (C headers to "
            "Rust declarations) for Rust calling C and EXPORT_SYMBOL_RUST_GPL "
            "entries generated from `nm` for Rust calling Rust, are right "
            "for Rust; C needs neither: the header is the interface and "
            f"modpost writes the CRCs{crcs}."]


# The seed's questions in its order: the title of each answer, its
# answer, and the section of its evidence (None: the answer's own table).
# Issue 23 puts the load order first and issue 22 calls the in-kernel
# comparison the seed's question 2; the rest keep questions.py's order,
# the race in the kernel after the race from user space.
ANSWERS = (
    ("Why does the order of loading the two modules matter?",
     a_load_order, q4_modorder),
    ("How much faster is the in-kernel API than the system-call path, "
     "and why?", a_kernel_api, q3_kernel),
    ("How do reads and writes differ across sizes, and where is the "
     "overhead?", a_throughput, q1_throughput),
    ("When does the unlocked increment go wrong, why, what does each fix "
     "cost, and how can the driver guarantee a correct result?",
     a_race, q2_race),
    ("What changes when the race runs inside the kernel?",
     a_kernel_race, None),
    ("What can a compiler or checker catch in the race?",
     a_checkers, q5_checkers),
    ("How does one module reach another's functions?",
     a_linking, q6_linking),
)


def section_answers(data, plotted):
    out = ["## Answers to the seed's questions", "",
           "Each answer is from this run's figures, with the table or "
           "plot that supports it and where the seed's own answer is "
           "right or wrong by them. The evidence follows them; the goals, "
           "the peers and the amortised paths close the report as its "
           "engineering appendix."]
    modes = [(what, mode_of(data, name)) for what, name in
             (("single-threaded figures", BENCH_USER),
              ("races", RACE_USER)) if name != RACE_USER or data.race]
    out += ["", "The figures: " + "; ".join(
        f"{what} in {mode} mode ("
        + MODES.get(mode, ("an unknown mode",))[0] + ")"
        for what, mode in modes) + "."]
    if data.notes:
        out += ["", "> Some of the data is missing (Environment, "
                "\"Missing data\"): the answers that need it say so."]
    for i, (title, answer, _) in enumerate(ANSWERS, 1):
        out += ["", f"### {i}. {title}", ""] + answer(data, plotted)
    return out


def section_details(data):
    """The evidence of the answers, in their order."""
    out = ["## The evidence of each answer", ""]
    for _, _, detail in ANSWERS:
        if detail:
            out += detail(data) + [""]
    return out
