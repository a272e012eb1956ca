#!/usr/bin/env python3
"""Turn the raw results of one `make run` into tables, plots and a report.

    report/report.py RESULTS_DIR
    report/report.py --compare DIR [BASE]

The second form is `make compare`'s table of mymem.ko builds (see
"compare" below), each against the build of REV BASE (default: the
first): DIR/COMPARE.md and stdout.  The first reads
RESULTS_DIR/raw/ (the layout guest/measure.sh writes):

    bench-user.csv   mymem-bench --csv (required); may hold the scale rows
                     (target scale)
    scale-user.csv   mymem-bench -t scale --csv (optional, wins over the
                     scale rows of bench-user.csv)
    scale-control.csv  mymem-bench -t scale -d FILE --csv (optional): the
                     same two readers on a plain file, to tell the
                     device's scaling from the machine's
    bench-kernel.csv mymem_test bench rows (optional)
    race-user.csv    mymem-race -m all --csv
    race-sweep.csv   mymem-race --sweep --csv (optional)
    race-kernel.csv  mymem_test race rows (optional)
    env.txt          key=value lines of the host (optional)
    env-MODE.txt     key=value lines of the guest that ran in MODE
    modes.txt        FILE=MODE lines: the measurement mode of each file
                     (icount, tcg, kvm, host); without it every file
                     is taken to be of env.txt's accel
    bench-user-N.csv, bench-kernel-N.csv, scale-user-N.csv,
    scale-control-N.csv  runs 2, 3, ... of those files (optional): the
                     spread of the key ratios
    modinfo.txt      modinfo and --dump-modversions of mymem_test
    symvers.txt      the build's Module.symvers (optional)
    modorder.txt     the module-order transcript (optional)
    selftest.txt     KTAP of mymem_test run=selftest (optional)

and writes into RESULTS_DIR: bench.csv and race.csv (the merged rows, in
the formats of include/mymem_results.h; in bench.csv the scale rows come
last, as mymem-bench writes them), plot/*.dat, latency, throughput,
race-error and race-rate as .png and .svg (gnuplot, report/plots.gp),
and REPORT.md.  The key ratios go to stdout.

Every number in the report is computed from those files; every sentence
that depends on a result is chosen by the result.  Exit status: 0 ok,
1 unreadable or malformed input (one line on stderr), 2 usage.
"""

import csv
import math
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Optional

import formats

PROG = "report.py"
HERE = os.path.dirname(os.path.abspath(__file__))

# The formats themselves: include/mymem_results.h, through formats.py.
BENCH_HEADER = formats.header("bench")
RACE_HEADER = formats.header("race")

SIDES = ("user", "kernel")
OPS = ("read", "write")
SMALL = 1              # the size of the per-call ratios
LARGE = 524288         # the size of the bandwidth ratios
SLOPE_FROM = 65536     # per-byte cost: slope from here to LARGE

# Series of the latency and throughput plots and rows of the bench
# tables, in this order: the device, its in-kernel twin, then its peers.
SERIES = (("user", "mymem"), ("kernel", "api"), ("user", "mmap"),
          ("user", "zero"), ("user", "null"), ("user", "tmpfs"),
          ("user", "brd"), ("user", "memcpy"))
# One colour per target; reads solid (dash type 1), writes dashed (2).
COLOURS = {"mymem": "#d62728", "api": "#1f77b4", "mmap": "#ff7f0e",
           "zero": "#7f7f7f", "null": "#bcbd22", "tmpfs": "#2ca02c",
           "brd": "#9467bd", "memcpy": "#17becf"}

# The race modes in the order of the tables, each with the label of its
# bars in the race-rate plot (the user mode next to its kernel twin) and
# its system calls per increment on the user side: a property of each
# mode's code, not a measurement (lseek, read, lseek, write; pread,
# pwrite; one ioctl).
RACE_MODES = (("unlocked", "no lock", 4), ("mutex", "mutex", 4),
              ("pread", "pread", 2), ("fetch_add", "ioctl / atomic", 1),
              ("mmap", "mmap", 0))
SYSCALLS = {mode: calls for mode, _, calls in RACE_MODES}

ENV_ORDER = ("kernel", "arch", "cpu_model", "nproc", "accel", "qemu",
             "clocksource", "copy_flags", "date", "commit", "params", "quick")

# What each measurement mode is, and whether its vCPUs run at once.
MODES = {
    "icount": ("QEMU TCG -icount shift=0: guest time counts instructions "
               "(1 ns each), 1 vCPU; reproducible, not a speed", False),
    "tcg": ("QEMU TCG, the host's clock, 2 vCPUs: follows the host's "
            "load", True),
    "kvm": ("KVM, the host's clock: hardware speed", True),
    "host": ("this machine's own kernel and clock", True),
}

# The seed's own published figures (its Part 5 table, real hardware,
# n=1000): in-kernel average read and write in us, per size.
SEED_KERNEL_US = {1: (0.063, 0.064), 64: (0.065, 0.065),
                  1024: (0.081, 0.115), 65536: (1.735, 1.935),
                  524288: (19.671, 22.392)}

# A miss by less than this fraction of the goal is within what noise on
# a shared host can move a median between runs.
CLOSE_MISS = 0.10


class DataError(Exception):
    """Input that cannot be used; the message is the one-line error."""


# --------------------------------------------------------------- input

def read_csv(path, fmt):
    """Rows of a results CSV of fmt ("bench", "race") as dicts."""
    try:
        return formats.read_csv(path, fmt)
    except formats.FormatError as e:
        raise DataError(str(e)) from None


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.strip().partition("=")
            if sep:
                env[key] = value
    return env


def read_text(path):
    with open(path, errors="replace") as f:
        return f.read()


def split_scale(rows):
    """Per-size rows and scale rows of one mymem-bench CSV."""
    return ([r for r in rows if r["target"] != "scale"],
            [r for r in rows if r["target"] == "scale"])


@dataclass
class Data:
    bench: dict = field(default_factory=dict)  # (side,target,op,size)->row
    # the same key -> its row of the largest batch, where it has several
    # (the in-kernel bench times each call alone and as one batch)
    batched: dict = field(default_factory=dict)
    bench_rows: list = field(default_factory=list)
    scale: dict = field(default_factory=dict)  # threads -> row
    scale_rows: list = field(default_factory=list)
    control: dict = field(default_factory=dict)  # threads -> row
    race: list = field(default_factory=list)
    sweep: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    envs: dict = field(default_factory=dict)   # mode -> the guest's env
    modes: dict = field(default_factory=dict)  # file name -> mode
    # (target, op, size, per_call) -> row of bench-amortised.csv
    amortised: dict = field(default_factory=dict)
    amortised_rows: list = field(default_factory=list)
    amortised_notes: str = ""   # mymem-bench's stderr: why a path is not
    runs: list = field(default_factory=list)   # one Data per run, 1..N
    scale_run: tuple = ()   # (run, of runs) whose scaling is shown
    modorder: str = ""
    selftest: str = ""
    modinfo: str = ""
    symvers: str = ""
    notes: list = field(default_factory=list)


def load(results):
    raw = os.path.join(results, "raw")
    if not os.path.isdir(raw):
        raise DataError(f"{raw}: no such directory")
    data = Data()

    def path_of(name, note=None):
        path = os.path.join(raw, name)
        if os.path.exists(path):
            return path
        if note is None:
            raise DataError(f"{path}: missing")
        data.notes.append(f"`{name}` is missing: {note}")
        return None

    user, scale = split_scale(read_csv(path_of("bench-user.csv"),
                                       "bench"))
    scale_path = path_of("scale-user.csv", "the scale rows come from "
                         "bench-user.csv" if scale else
                         "no read-scaling figures")
    if scale_path:
        scale = read_csv(scale_path, "bench")
    control_path = path_of("scale-control.csv", "no control for the "
                           "read-scaling figure")
    control = (read_csv(control_path, "bench")
               if control_path else [])
    kernel_path = path_of("bench-kernel.csv", "no in-kernel benchmark")
    kernel = (read_csv(kernel_path, "bench")
              if kernel_path else [])
    set_bench(data, user, kernel, scale, control)
    amortised = path_of("bench-amortised.csv", "no amortised paths (readv, "
                        "io_uring)")
    if amortised:
        data.amortised_rows = read_csv(amortised, "bench")
        set_amortised(data, data.amortised_rows)
    notes = os.path.join(raw, "bench-amortised.txt")
    if os.path.exists(notes):
        data.amortised_notes = read_text(notes)

    race_user = path_of("race-user.csv", "no race (make bench runs the "
                        "benchmarks alone)")
    data.race = (read_csv(race_user, "race")
                 if race_user else [])
    race_kernel = path_of("race-kernel.csv", "no in-kernel race")
    if race_kernel:
        data.race += read_csv(race_kernel, "race")
    sweep = path_of("race-sweep.csv", "no sweep over W")
    if sweep:
        data.sweep = read_csv(sweep, "race")

    env = path_of("env.txt", "the environment is unknown")
    data.env = read_env(env) if env else {}
    for name in sorted(os.listdir(raw)):
        if name.startswith("env-") and name.endswith(".txt"):
            data.envs[name[4:-4]] = read_env(os.path.join(raw, name))
    modes = os.path.join(raw, "modes.txt")
    if os.path.exists(modes):
        data.modes = read_env(modes)
    data.runs = load_runs(raw, data)
    median_scale_run(data)
    for name, attr in (("modinfo.txt", "modinfo"), ("symvers.txt", "symvers")):
        if os.path.exists(os.path.join(raw, name)):
            setattr(data, attr, read_text(os.path.join(raw, name)))
    modorder = path_of("modorder.txt", "no module-order transcript")
    data.modorder = read_text(modorder) if modorder else ""
    selftest = path_of("selftest.txt", "no self-test log")
    data.selftest = read_text(selftest) if selftest else ""
    if not any(r["target"] == "brd" for r in user):
        data.notes.append("bench-user.csv has no brd rows (no RAM disk in "
                          "the guest): the brd comparisons are n/a")
    return data


def set_bench(data, user, kernel, scale, control):
    data.bench_rows = user + kernel
    for r in sorted(data.bench_rows, key=lambda r: r["batch"]):
        key = (r["side"], r["target"], r["op"], r["size"])
        if key in data.bench:
            data.batched[key] = r
        else:
            data.bench[key] = r
    data.scale_rows = scale
    data.scale = {r["threads"]: r for r in scale}
    data.control = {r["threads"]: r for r in control}


def load_runs(raw, data):
    """One Data per run: run 1 is the main data, run N its NAME-N.csv
    files and the race rows of run N."""
    numbers = {r["run"] for r in data.race}
    for name in os.listdir(raw):
        stem, _, number = name[:-4].rpartition("-")
        if name.endswith(".csv") and number.isdigit() and stem in (
                "bench-user", "bench-kernel", "scale-user", "scale-control",
                "bench-amortised"):
            numbers.add(int(number))
    runs = []
    for n in sorted(numbers | {1}):
        run = Data(race=[r for r in data.race if r["run"] == n],
                   env=data.env, modes=data.modes)
        if n == 1:
            set_bench(run, [r for r in data.bench_rows if r["side"] == "user"],
                      [r for r in data.bench_rows if r["side"] == "kernel"],
                      data.scale_rows, list(data.control.values()))
            set_amortised(run, data.amortised_rows)
        else:
            def rows(stem):
                path = os.path.join(raw, f"{stem}-{n}.csv")
                return (read_csv(path, "bench")
                        if os.path.exists(path) else [])
            user, scale = split_scale(rows("bench-user"))
            set_bench(run, user, rows("bench-kernel"),
                      rows("scale-user") or scale, rows("scale-control"))
            set_amortised(run, rows("bench-amortised"))
        runs.append(run)
    return runs


def median_scale_run(data):
    """Show the run of median read scaling: one descheduled reader can
    move a wall-clock run's ratio by integer factors (24x was seen)."""
    scaled = sorted((scaling(r.scale), n) for n, r in
                    enumerate(data.runs, start=1) if scaling(r.scale))
    if len(scaled) < 2:
        return
    n = scaled[len(scaled) // 2][1]
    run = data.runs[n - 1]
    data.scale_rows, data.scale, data.control = \
        run.scale_rows, run.scale, run.control
    data.scale_run = (n, len(scaled))


# ------------------------------------------------------------ analysis

def mode_of(data, name):
    """The measurement mode of one raw file."""
    if name in data.modes:
        return data.modes[name]
    accel = data.env.get("accel", "").split(" ")[0].lower()
    return accel if accel in MODES else "unknown"


def guest_env(data, mode):
    """The guest's environment in a mode (env.txt if not recorded apart)."""
    return data.envs.get(mode, data.env)


def median(data, side, target, op, size):
    row = data.bench.get((side, target, op, size))
    return row["median_ns"] if row else None


def mb_s(size, ns):
    """MB/s (10^6 bytes) of moving size bytes in ns; None for no time
    (a median can be 0 when the clock's cost was subtracted)."""
    return size / ns * 1e3 if ns and ns > 0 else None


def ratio(a, b):
    return a / b if a is not None and b and b > 0 else None


def tcg(data):
    """Emulated: TCG, with or without -icount (not KVM, not HOST=1)."""
    return data.env.get("accel", "").lower() not in ("kvm", "host")


def race_runs(rows, side, mode, workers=None):
    return [r for r in rows if r["side"] == side and r["mode"] == mode
            and (workers is None or r["workers"] == workers)]


def mean_of(rows, key):
    return statistics.fmean(r[key] for r in rows) if rows else None


def main_workers(data, side):
    """W of the main race of a side (the most common one)."""
    ws = [r["workers"] for r in data.race if r["side"] == side]
    return statistics.mode(ws) if ws else None


def incr_rate(data, side, mode):
    """Mean increments/s of a mode at the side's main W."""
    return mean_of(race_runs(data.race, side, mode,
                             main_workers(data, side)), "incr_per_s")


@dataclass
class Check:
    """One target of the design: measured ratio against its goal."""
    label: str
    measure: object         # Data -> the ratio, or None
    goal: float
    at_least: bool          # goal is a minimum (else a maximum)
    files: tuple            # the raw files its figures come from
    parallel: bool = False  # needs two CPUs running at once
    value: Optional[float] = None   # None: not measured
    runs: list = field(default_factory=list)  # the ratio of each run
    mode: str = "unknown"
    why: str = ""           # why it missed (or is n/a)

    @property
    def status(self):
        if self.value is None or not self.mode_carries():
            return "n/a"
        # Judge the value as printed, so that the table never shows
        # "1.30x" next to a goal of 1.3x and calls it missed.
        shown = round(self.value, 2)
        ok = shown >= self.goal if self.at_least else shown <= self.goal
        return "met" if ok else "missed"

    def mode_carries(self):
        """A figure of parallelism needs vCPUs that run at once."""
        return not self.parallel or MODES.get(self.mode, ("", True))[1]

    def close_miss(self):
        return self.status == "missed" and \
            abs(self.value - self.goal) < CLOSE_MISS * self.goal


def user_ratio(target, op, size, peer):
    """Median time of user target over peer's."""
    def measure(data):
        return ratio(median(data, "user", target, op, size),
                     median(data, "user", peer, op, size))
    return measure


def race_ratio(mode, peer):
    def measure(data):
        return ratio(incr_rate(data, "user", mode),
                     incr_rate(data, "user", peer))
    return measure


def syscall_vs_api(data):
    return ratio(median(data, "user", "mymem", "read", SMALL),
                 median(data, "kernel", "api", "read", SMALL))


def checks(data):
    """The key ratios, each with its mode, its spread over the runs and
    its reason when it misses."""
    def bench(label, target, op, size, peer, goal):
        return Check(label, user_ratio(target, op, size, peer), goal,
                     False, ("bench-user.csv",))

    found = [
        bench("1-byte read(): mymem / /dev/zero (time)",
              "mymem", "read", SMALL, "zero", 1.0),
        bench("1-byte write(): mymem / /dev/null (time)",
              "mymem", "write", SMALL, "null", 1.1),
        bench("512 KiB read: mymem / tmpfs (time)",
              "mymem", "read", LARGE, "tmpfs", 0.9),
        bench("512 KiB read: mymem / brd (time)",
              "mymem", "read", LARGE, "brd", 0.9),
        bench("512 KiB mmap read / memcpy (time)",
              "mmap", "read", LARGE, "memcpy", 1.5),
        bench("512 KiB mmap write / memcpy (time)",
              "mmap", "write", LARGE, "memcpy", 1.5),
        Check("1-byte read: syscall / in-kernel API (time)",
              syscall_vs_api, 10.0, True,
              ("bench-user.csv", "bench-kernel.csv")),
        Check("race: ioctl / mutex (incr/s)",
              race_ratio("fetch_add", "mutex"), 3.0, True,
              ("race-user.csv",), parallel=True),
        Check("race: mmap / ioctl (incr/s)", race_ratio("mmap", "fetch_add"),
              10.0, True, ("race-user.csv",), parallel=True),
        Check("512 KiB pread: 2 threads / 1 (aggregate MB/s)",
              lambda d: scaling(d.scale), 1.7, True,
              ("scale-user.csv",), parallel=True),
        Check(f"readv of {GOAL_CALLS} x 1 B / one read() each (ops/s)",
              amortised_speedup("readv", GOAL_CALLS), 4.0, True,
              ("bench-amortised.csv", "bench-user.csv")),
        Check(f"io_uring, {GOAL_CALLS} 1-byte reads per enter / one read() "
              "each (ops/s)",
              amortised_speedup("uring", GOAL_CALLS), 2.0, True,
              ("bench-amortised.csv", "bench-user.csv")),
    ]
    for check, explain in zip(found, EXPLAIN):
        check.value = check.measure(data)
        check.runs = [v for v in map(check.measure, data.runs)
                      if v is not None]
        check.mode = "+".join(dict.fromkeys(mode_of(data, f)
                                            for f in check.files))
        if check.status != "met":
            check.why = explain(data, check)
    return found


def scaling(scale):
    return ratio(scale[2]["mb_s"], scale[1]["mb_s"]) \
        if 1 in scale and 2 in scale else None


# Reasons for a miss, one per check, in the order of checks().  Each
# states what was measured and gives the likely cause as a hypothesis.

NOT_MEASURED = ("Not measured: a row this ratio needs is not in the data, "
                "or its time is 0 (below the clock's resolution).")


def noise_clause(check):
    if not check.close_miss():
        return ""
    if len(check.runs) > 1 and spread_pct(check.runs) < 2:
        return (f" Its {len(check.runs)} runs agree within "
                f"{spread_pct(check.runs):.1f}%, so the miss is not noise.")
    if check.mode == "icount":
        return ""
    return (f" The miss is by less than {CLOSE_MISS:.0%} of the goal, "
            "within what a busy host can move a median between runs; "
            "repeat the run before concluding.")


def why_read_zero(data, check):
    m = median(data, "user", "mymem", "read", SMALL)
    z = median(data, "user", "zero", "read", SMALL)
    return (f"mymem's 1-byte read() took {ns(m)} against /dev/zero's "
            f"{ns(z)} (+{ns(m - z)}). Both pay the same system call and "
            "VFS dispatch, so the difference is mymem's own read path: the "
            "bounds and position checks, the seqcount read and retry check, "
            "the user copy and the per-CPU counters: work that /dev/zero's "
            "read, a clear_user() of the buffer, does not do."
            + noise_clause(check))


def why_write_null(data, check):
    m = median(data, "user", "mymem", "write", SMALL)
    n = median(data, "user", "null", "write", SMALL)
    return (f"mymem's 1-byte write() took {ns(m)} against /dev/null's "
            f"{ns(n)} (+{ns(m - n)}). /dev/null returns at once; mymem "
            "takes its mutex, makes the seqcount odd and even again and "
            "copies the byte." + noise_clause(check))


def copy_is_rep_movsb(data):
    """Whether the guest's kernel copies with rep movsb: on x86 with erms
    both copy_to_user() (copy_user_enhanced_fast_string) and memcpy()
    (memcpy_erms) do, by the alternatives of arch/x86/lib."""
    flags = guest_env(data, mode_of(data, "bench-user.csv")).get(
        "copy_flags", "")
    return "erms" in flags.split()


def icount_copy(data):
    """Under -icount, whether mymem's read and the in-kernel read both
    count one instruction per byte from 64 KiB to 512 KiB: the signature
    of rep movsb, which -icount counts per byte moved."""
    if mode_of(data, "bench-user.csv") != "icount":
        return False
    slopes = [fit(data, side, target, "read")
              for side, target in (("user", "mymem"), ("kernel", "api"))]
    return all(f is not None and abs(f[1] - 1) < 0.02 for f in slopes)


def why_large_read(peer):
    def why(data, check):
        m = median(data, "user", "mymem", "read", LARGE)
        p = median(data, "user", peer, "read", LARGE)
        text = (f"At 512 KiB mymem took {ns(m)} per read and {peer} "
                f"{ns(p)} ({ratio_text(ratio(m, p))}); all three copy "
                "with copy_to_user().")
        if icount_copy(data) and copy_is_rep_movsb(data):
            text += (" Under -icount that copy is rep movsb (the guest CPU "
                     "has erms), one counted instruction per byte: "
                     f"{LARGE:,} of each figure. Beyond it mymem's read "
                     f"path cost {ns(m - LARGE)} and {peer}'s "
                     f"{ns(p - LARGE)} (its page cache, page by page): "
                     f"mymem's is {ratio_text(ratio(m - LARGE, p - LARGE))}"
                     f" of {peer}'s. A read path that did nothing but the "
                     "copy would reach "
                     f"{ratio_text(ratio(LARGE, p))} of {peer}'s time.")
        elif mode_of(data, "bench-user.csv") != "icount":
            text += (" A possible cause, not measured here: mymem's "
                     "region is vmalloc()ed, mapped page by page, while "
                     "the page cache lives in the kernel's direct map.")
        k = median(data, "kernel", "api", "read", LARGE)
        if k is not None:
            text += (f" mymem_read() in the kernel took {ns(k)} for the same"
                     " copy, so " + ("the copy itself, not the system call "
                                     "path, is where the time goes."
                                     if k > 0.8 * m else
                                     "the system call path adds "
                                     f"{ns(m - k)} to it."))
        return text + noise_clause(check)
    return why


def mmap_gap(data, op, size):
    """mmap's median time minus memcpy's, or None."""
    a = median(data, "user", "mmap", op, size)
    b = median(data, "user", "memcpy", op, size)
    return a - b if a is not None and b is not None else None


def why_mmap(op):
    def why(data, check):
        text = ("Both are memcpy() in user space; the mapping is the "
                "device's vmalloc pages, inserted 4 KiB at a time, while "
                "memcpy's buffers are ordinary anonymous memory.")
        small, large = mmap_gap(data, op, SMALL), mmap_gap(data, op, LARGE)
        if small is not None and large is not None and large > 0:
            kind = ("a per-byte or per-page cost, not a fixed one"
                    if abs(small) < 0.1 * large else
                    "partly a fixed cost per call")
            text += (f" At 1 byte the two differ by {ns(small)}, at "
                     f"512 KiB by {ns(large)}: {kind}.")
        return text + noise_clause(check)
    return why


def why_kernel(data, check):
    u = median(data, "user", "mymem", "read", SMALL)
    k = median(data, "kernel", "api", "read", SMALL)
    text = (f"read() took {ns(u)} and mymem_read() {ns(k)}, so the system "
            f"call entry, exit and VFS dispatch cost {ns(u - k)} here. The "
            "ratio reaches 10 only if the API's own work is under a ninth "
            f"of that ({ns((u - k) / 9)}).")
    batched = data.batched.get(("kernel", "api", "read", SMALL))
    batch = batched["mean_ns"] if batched else 0
    if 0 < batch < k:
        text += (" The in-kernel median is of calls timed one by one, "
                 "each with its own clock reads; timed as one batch (the "
                 f"mean), a call took {ns(batch)}, which would make the "
                 f"ratio {ratio_text(u / batch)}: at this scale the clock, "
                 "not the API, is the likely cause.")
    clock = guest_env(data, mode_of(data, "bench-kernel.csv")).get(
        "clocksource")
    if clock in ("hpet", "acpi_pm"):
        text += (f" The guest's clocksource is {clock}, so every "
                 "timestamp is an emulated device read, slow and jittery "
                 "next to a 1-byte call.")
    return text + noise_clause(check)


def per_incr(data, mode):
    rate = incr_rate(data, "user", mode)
    return 1e9 / rate if rate else None


def why_ioctl(data, check):
    # A 1-byte read() is a yardstick only on the race's own clock.
    syscall = (median(data, "user", "mymem", "read", SMALL)
               if mode_of(data, "bench-user.csv") ==
               mode_of(data, "race-user.csv") else None)
    w = main_workers(data, "user")
    parts = []
    for mode in ("mutex", "fetch_add"):
        cost = per_incr(data, mode)
        rel = (f", {cost / syscall:.1f}x a 1-byte read()" if syscall
               else "")
        parts.append(f"{mode} {ns(cost)} per increment{rel}")
    text = (f"Measured (wall time per increment, all {w} threads together):"
            f" {'; '.join(parts)}. Counting system calls alone (4 against 1)"
            " would predict about 4x.")
    nproc = guest_env(data, mode_of(data, "race-user.csv")).get("nproc", "")
    if nproc.isdigit() and w > int(nproc):
        text += (f" With {w} threads on {nproc} CPUs, every increment in "
                 "both modes queues on one lock (the pthread mutex, or "
                 "mymem's kernel mutex), and a contended lock costs sleeps "
                 "and wake-ups that the syscall count does not show; that "
                 "is the likely cause.")
    return text + noise_clause(check)


def why_mmap_ioctl(data, check):
    runs = race_runs(data.race, "user", "mmap", main_workers(data, "user"))
    shortest = min(r["elapsed_ns"] for r in runs)
    text = (f"mmap took {ns(per_incr(data, 'mmap'))} per increment and "
            f"ioctl {ns(per_incr(data, 'fetch_add'))}. mmap mode makes no "
            "system call: its cost is the locked add and the cache line "
            "moving between CPUs.")
    if shortest < 50e6:
        text += (f" Its shortest run lasted {ns(shortest)}, short enough "
                 "for thread start-up and scheduling to dominate; more "
                 "iterations would measure it better.")
    if tcg(data):
        text += (" Under TCG a guest's atomic instruction is emulated, "
                 "which can cost far more than on hardware.")
    return text + noise_clause(check)


def why_scaling(data, check):
    one, two = data.scale[1], data.scale[2]
    per_read = two["median_ns"] / one["median_ns"]
    text = (f"One reader moved {one['mb_s']:.0f} MB/s and two "
            f"{two['mb_s']:.0f} MB/s together; the median 512 KiB read took "
            f"{ns(one['median_ns'])} alone and {ns(two['median_ns'])} with "
            "two readers. ")
    if per_read < 1.3:
        text += ("Each read was about as fast with two readers, so they did"
                 " not slow each other down (mymem's read path takes no lock"
                 " without a writer), yet the wall time did not halve: the "
                 "two readers mostly did not run at the same time. ")
    else:
        text += (f"Each read took {per_read:.1f}x as long with two readers:"
                 " they shared something, either the device or the CPUs "
                 "they ran on. mymem's read path takes no lock without a "
                 "writer, and the scale test has none. ")
    text += scaling_control(data, per_read)
    control = scaling(data.control)
    if tcg(data) and check.value < 1.2 and (control is None or
                                            control < 1.2):
        text += (" The likely reason is that the emulator did not run the "
                 "two vCPUs in parallel (single-threaded TCG, or host CPUs "
                 "busy with other work), not the device.")
    return text


def scaling_control(data, per_read):
    """What the plain-file control says, if it was measured."""
    control = scaling(data.control)
    if control is None:
        return ("No control was measured (scale-control.csv: the same two "
                "readers on a plain file) to tell the device from the "
                "machine.")
    mine = scaling(data.scale)
    if control < 1.2:
        return (f"The plain-file control scaled only {ratio_text(control)}"
                " too, so the machine, not the device, limited the scaling.")
    if mine < control * 0.8 and per_read >= 1.3:
        return (f"The plain-file control scaled {ratio_text(control)}, "
                "better than mymem, which points at the device.")
    if mine < control * 0.8:
        return (f"The plain-file control scaled {ratio_text(control)}, so "
                "the vCPUs could run at once; mymem's readers did not slow "
                "each other, so these figures do not show the device "
                "limiting it either: the two were measured one after the "
                "other, under whatever load the host had then.")
    return (f"The plain-file control scaled {ratio_text(control)}, about "
            "as much: the machine sets the limit.")


# ------------------------------------------------------ amortised paths

# The amortised paths of mymem-bench (bench-amortised.csv), each with its
# label and, as a property of the path's code (not a measurement), what it
# still pays for every transfer however many share a call.
AMORTISED = (
    ("readv", "readv/writev",
     "per iovec, one user copy of its own with its checks and the copy "
     "routine's entry and exit (copy_to_iter() walks the segments, "
     "access_ok() and a raw copy each; a write copies segment by segment "
     "through mymem_copy_from_user_nofault()), the iov_iter's step to the "
     "next segment, and the 16 bytes of iovec that import_iovec() copies "
     "in from user space and checks"),
    ("uring", "io_uring",
     "per request, in user space an SQE to get and fill and a CQE to "
     "check and reap; in the kernel the SQE's decoding, an io_kiocb with "
     "its kiocb set up (rw_verify_area(), the buffer imported), a file "
     "reference (fget() and fput(): no registered files here), the "
     "read_iter/write_iter call itself and a CQE to post"),
    ("sqpoll", "io_uring SQPOLL",
     "the same per request as io_uring; only the io_uring_enter() that "
     "submits is saved (the enter that waits for completions stays)"),
)
AMORTISED_TARGETS = tuple(t for t, _, _ in AMORTISED)
AMORTISED_SIZES = (1, 64)
# The paths without a batch: one line each across the plot.
ONE_CALL = (("user", "mymem", "read()/write(), one call each"),
            ("user", "mmap", "mmap (memcpy)"),
            ("kernel", "api", "in-kernel API"))
AMORTISED_COLOURS = {"readv": "#2ca02c", "uring": "#9467bd",
                     "sqpoll": "#8c564b", "mymem": "#d62728",
                     "mmap": "#ff7f0e", "api": "#1f77b4"}
GOAL_CALLS = 64        # the transfers per call of the amortisation goals


def set_amortised(data, rows):
    data.amortised = {(r["target"], r["op"], r["size"], r["per_call"]): r
                      for r in rows}


def amortised_cost(data, target, op, size, k):
    row = data.amortised.get((target, op, size, k))
    return row["median_ns"] if row else None


def per_calls(data, target, op, size):
    return sorted(k for t, o, s, k in data.amortised
                  if (t, o, s) == (target, op, size))


def break_even(data, target, op, size):
    """The smallest k whose time per transfer is below one call's per
    operation; None if none is (or there is no baseline)."""
    base = median(data, "user", "mymem", op, size)
    if base is None:
        return None
    for k in per_calls(data, target, op, size):
        t = amortised_cost(data, target, op, size, k)
        if t is not None and t < base:
            return k
    return None


def call_fit(data, target, op, size):
    """(per call, per transfer) ns: a call of k transfers taken as
    costing a + b * k, through its two largest k; None if fewer."""
    ks = per_calls(data, target, op, size)[-2:]
    if len(ks) < 2:
        return None
    (k1, k2) = ks
    c1 = k1 * amortised_cost(data, target, op, size, k1)
    c2 = k2 * amortised_cost(data, target, op, size, k2)
    b = (c2 - c1) / (k2 - k1)
    return c1 - b * k1, b


def amortised_speedup(target, k):
    """Operations per second of target at k per call over one read() each
    (1-byte reads): one read()'s median time over target's per read."""
    def measure(data):
        return ratio(median(data, "user", "mymem", "read", SMALL),
                     amortised_cost(data, target, "read", SMALL, k))
    return measure


def why_amortised(target):
    def why(data, check):
        base = median(data, "user", "mymem", "read", SMALL)
        t = amortised_cost(data, target, "read", SMALL, GOAL_CALLS)
        label, pays = next((name, paid) for tg, name, paid in AMORTISED
                           if tg == target)
        text = (f"{GOAL_CALLS} 1-byte reads by {label} took {ns(t)} each "
                f"against read()'s {ns(base)}.")
        fitted = call_fit(data, target, "read", SMALL)
        if fitted:
            text += (f" Fitted over its two largest batches, a call costs "
                     f"{ns(fitted[0])} plus {ns(fitted[1])} per transfer: "
                     "the per-transfer part, which no batch size "
                     f"amortises, is {ratio_text(ratio(fitted[1], base))} "
                     f"of a whole read() call. It is {pays}.")
        return text + noise_clause(check)
    return why


def amortised_cell(data, target, op, size, k=None):
    """ns per transfer and its speed-up over one call each."""
    t = (amortised_cost(data, target, op, size, k) if k else
         median(data, "kernel" if target == "api" else "user", target, op,
                size))
    if t is None:
        return "-"
    speedup = ratio(median(data, "user", "mymem", op, size), t)
    return f"{num(t)} ({ratio_text(speedup)})"


def amortised_table(data):
    cols = [(size, op) for size in AMORTISED_SIZES for op in OPS]
    rows = []
    for _, target, label in ONE_CALL:
        rows.append([label, "1"] + [amortised_cell(data, target, op, size)
                                    for size, op in cols])
    for target, label, _ in AMORTISED:
        ks = sorted({k for t, _, _, k in data.amortised if t == target})
        rows += [[label, str(k)] + [amortised_cell(data, target, op, size, k)
                                    for size, op in cols] for k in ks]
    return table(["path", "per call"] + [f"{size_text(s)} {op}"
                                         for s, op in cols], rows)


def skipped_paths(data):
    """The amortised paths with no rows, and the tool's notes on why."""
    missing = [label for t, label, _ in AMORTISED
               if not any(k[0] == t for k in data.amortised)]
    if not missing:
        return []
    notes = [line.strip() for line in data.amortised_notes.splitlines()
             if line.strip()]
    text = ("Not measured: " + ", ".join(missing) + ". " +
            (("mymem-bench said: " + "; ".join(f"`{n}`" for n in notes) +
              ".") if notes else "mymem-bench left no note on why."))
    return ["", text]


def even_text(data, target):
    """From what batch size target beats one call per operation."""
    found = {}
    for size in AMORTISED_SIZES:
        for op in OPS:
            if per_calls(data, target, op, size):
                found[f"{size_text(size)} {op}s"] = break_even(
                    data, target, op, size)
    if not found:
        return None
    values = set(found.values())
    if len(values) == 1:
        k = values.pop()
        return ("never beats one call per operation, up to the largest "
                "batch measured" if k is None else
                f"beats one call per operation from {k} per call, for "
                "every size and direction")
    parts = [f"{what} from {k}" if k else f"{what} never"
             for what, k in found.items()]
    return "beats one call per operation for " + ", ".join(parts)


def closeness_text(data, target):
    """At the largest batch: 1-byte reads against the API and mmap."""
    ks = per_calls(data, target, "read", SMALL)
    if not ks:
        return ""
    t = amortised_cost(data, target, "read", SMALL, ks[-1])
    api = median(data, "kernel", "api", "read", SMALL)
    mm = median(data, "user", "mmap", "read", SMALL)
    parts = [f"{ratio_text(ratio(t, ref))} {what}'s ({ns(ref)})"
             for ref, what in ((api, "the in-kernel API"), (mm, "mmap"))
             if ratio(t, ref)]
    text = f" At {ks[-1]} per call a 1-byte read costs {ns(t)}"
    return text + (": " + " and ".join(parts) + "." if parts else ".")


def paying_text(data, target, pays):
    fitted = call_fit(data, target, "read", SMALL)
    if not fitted:
        return f" What it still pays per operation: {pays}."
    api = median(data, "kernel", "api", "read", SMALL)
    base = median(data, "user", "mymem", "read", SMALL)
    text = (f" Fitted through its two largest batches, a call of 1-byte "
            f"reads costs {ns(fitted[0])} plus {ns(fitted[1])} per "
            "transfer")
    if ratio(fitted[1], api):
        text += (f" ({ratio_text(ratio(fitted[1], api))} a whole "
                 "in-kernel mymem_read())")
    text += f". The per-transfer part is {pays}."
    if base is not None and fitted[1] >= base:
        text += (f" That part alone costs more than a whole read() call "
                 f"({ns(base)}): no batch size can make this path pay off "
                 "for 1-byte reads here.")
    return text


def sqpoll_note(data):
    mode = mode_of(data, "bench-amortised.csv")
    nproc = guest_env(data, mode).get("nproc")
    if not any(k[0] == "sqpoll" for k in data.amortised) or nproc != "1":
        return []
    return ["", "This guest has one vCPU: SQPOLL's polling thread takes it "
            "in turns with the thread that submits, so every call waits for "
            "a switch to the poller and back. SQPOLL is meant for a core of "
            "its own; these figures cannot show that."]


def section_amortised(data, plots):
    out = ["## Amortised paths: one call, many operations", ""]
    if not data.amortised:
        return out + ["No amortised paths were measured (no "
                      "`bench-amortised.csv`)."] + skipped_paths(data)
    mode = mode_of(data, "bench-amortised.csv")
    out += [f"Measured in {mode} mode (single-thread figures; one-call rows "
            "from `bench-user.csv` and `bench-kernel.csv`, modes "
            + " and ".join(dict.fromkeys(mode_of(data, f) for f in (
                "bench-user.csv", "bench-kernel.csv"))) + "). "
            "Median ns per operation, and in parentheses the operations per "
            "second over those of one read()/write() call each. \"per "
            "call\" is the transfers each system call (readv) or "
            "io_uring_enter() carries, at consecutive offsets from 0."]
    if plots:
        out += ["", "![amortised](amortised.png)"]
    out += ["", amortised_table(data)] + skipped_paths(data)
    out += ["", "### From what batch size each path pays off, and why", ""]
    for target, label, pays in AMORTISED:
        text = even_text(data, target)
        if text is None:
            continue
        out.append(f"- **{label}** {text}." + closeness_text(data, target) +
                   paying_text(data, target, pays))
    out += ["", "The floor: mmap pays only its copy, no call at all; the "
            "in-kernel API a function call, the seqcount (or the writer's "
            "lock) and the memcpy(). readv/writev pays one system call, one "
            "snapshot or writer section per call, shared by its iovecs; "
            "io_uring one io_uring_enter() per call, but a read_iter() or "
            "write_iter() call, with its snapshot or writer section, per "
            "request."]
    if mode == "icount":
        out += ["", "Under -icount a system call's entry and exit count as "
                "their instructions only, not the cycles that the mode "
                "switch and its mitigations take on hardware: what batching "
                "saves (calls) weighs less here than there, what io_uring "
                "adds per request (instructions) weighs in full. On "
                "hardware the amortised paths likely pay off from smaller "
                "batches than here."]
    return out + sqpoll_note(data)


def when_measured(explain):
    """A reason maker that only runs if the ratio was measured in a mode
    that can carry it."""
    def why(data, check):
        if check.value is None:
            return NOT_MEASURED
        if not check.mode_carries():
            return (f"Measured in {check.mode} mode, whose one vCPU runs "
                    "one thread at a time: it cannot show parallelism.")
        return explain(data, check)
    return why


EXPLAIN = tuple(map(when_measured, (
    why_read_zero, why_write_null, why_large_read("tmpfs"),
    why_large_read("brd"), why_mmap("read"), why_mmap("write"),
    why_kernel, why_ioctl, why_mmap_ioctl, why_scaling,
    why_amortised("readv"), why_amortised("uring"))))


# ---------------------------------------------------------- formatting

def ns(value):
    """A duration in the unit that keeps it readable."""
    if value is None:
        return "n/a"
    # Up to 10 us in ns: the per-call costs compared in the text.
    for unit, scale, least in (("s", 1e9, 1e9), ("ms", 1e6, 1e6),
                               ("us", 1e3, 1e4)):
        if abs(value) >= least:
            scaled = value / scale
            digits = f"{scaled:,.0f}" if abs(scaled) >= 100 \
                else f"{scaled:.3g}"
            return f"{digits} {unit}"
    return f"{value:,.0f} ns"


def ratio_text(value):
    return "n/a" if value is None else f"{value:.2f}x"


def size_text(size):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def num(value, digits=0):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def spread(rows, key, digits=0):
    """mean (min-max) of one field over runs."""
    values = [r[key] for r in rows]
    text = num(statistics.fmean(values), digits)
    if len(values) > 1 and min(values) != max(values):
        text += f" ({num(min(values), digits)}-{num(max(values), digits)})"
    return text


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def goal_text(check):
    return f"{'>=' if check.at_least else '<='} {ratio_text(check.goal)}"


def runs_text(values):
    """The spread of a ratio over its runs: min-max (N runs)."""
    if not values:
        return "n/a"
    if len(values) == 1:
        return "1 run"
    return (f"{min(values):.2f}-{max(values):.2f}x "
            f"({len(values)} runs, {spread_pct(values):.1f}%)")


def spread_pct(values):
    """(max - min) / min, in percent."""
    return (max(values) - min(values)) / min(values) * 100


def ratios_table(found):
    return table(("target", "measured", "over runs", "mode", "goal",
                  "result"),
                 [(c.label, ratio_text(c.value), runs_text(c.runs), c.mode,
                   goal_text(c), c.status) for c in found])


# --------------------------------------------------------------- output

def write_csv(path, header, rows):
    names = header.split(",")
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(names)
        out.writerows([row[n] for n in names] for row in rows)


def write_merged(results, data):
    write_csv(os.path.join(results, "bench.csv"), BENCH_HEADER,
              data.bench_rows + data.amortised_rows + data.scale_rows)
    write_csv(os.path.join(results, "race.csv"), RACE_HEADER,
              data.race + data.sweep)


def bench_series(data):
    """(title, colour, dash, [(size, median_ns)]) of each measured series."""
    found = []
    for side, target in SERIES:
        for op in OPS:
            points = sorted((size, r["median_ns"]) for (s, t, o, size), r
                            in data.bench.items()
                            if (s, t, o) == (side, target, op))
            if points:
                found.append((f"{side} {target} {op}", COLOURS[target],
                              1 if op == "read" else 2, points))
    return found


def write_plot_data(plotdir, data):
    """The .dat files of plots.gp; returns its -e variables."""
    series = bench_series(data)
    with open(os.path.join(plotdir, "bench.dat"), "w") as f:
        for title, _, _, points in series:
            f.write(f'"{title}" median_ns mb_s\n')
            f.writelines(f"{size} {t:g} {mb_s(size, t):g}\n"
                         for size, t in points if t > 0)
            f.write("\n\n")
    sweep_modes = write_sweep_data(plotdir, data)
    write_rate_data(plotdir, data)
    amortised = write_amortised_data(plotdir, data)
    sizes = sorted({size for _, _, _, points in series for size, _ in points})
    return {"nbench": len(series),
            "sizetics": "(" + ", ".join(f'"{size_text(s)}" {s}'
                                        for s in sizes) + ")",
            "colours": " ".join(c for _, c, _, _ in series),
            "dashes": " ".join(str(d) for _, _, d, _ in series),
            "nsweep": len(sweep_modes),
            "nrace": len(data.race),
            "namort": len(amortised),
            "amort_colours": " ".join(c for c, _ in amortised) or "-",
            "amort_dashes": " ".join(str(d) for _, d in amortised) or "-"}


def amortised_series(data, op):
    """(title, colour, dash, [(per call, ns)]) of one direction's plot:
    1 B solid, 64 B dashed; a one-call path is level across the k."""
    ks = sorted({k[3] for k in data.amortised})
    found = []
    for size in AMORTISED_SIZES:
        dash = 1 if size == SMALL else 2
        for target, label, _ in AMORTISED:
            points = [(k, amortised_cost(data, target, op, size, k))
                      for k in per_calls(data, target, op, size)]
            if points:
                found.append((f"{label} {size_text(size)}",
                              AMORTISED_COLOURS[target], dash, points))
        for side, target, label in ONE_CALL:
            t = median(data, side, target, op, size)
            if t is not None and ks:
                found.append((f"{label} {size_text(size)}",
                              AMORTISED_COLOURS[target], dash,
                              [(ks[0], t), (ks[-1], t)]))
    return found


def write_amortised_data(plotdir, data):
    """amortised-read.dat and -write.dat; the (colour, dash) of each
    series, the same in both."""
    styles = []
    for op in OPS:
        series = amortised_series(data, op)
        with open(os.path.join(plotdir, f"amortised-{op}.dat"), "w") as f:
            for title, _, _, points in series:
                f.write(f'"{title}" ns\n')
                f.writelines(f"{k} {max(t, 0.5):g}\n" for k, t in points)
                f.write("\n\n")
        styles = styles or [(c, d) for _, c, d, _ in series]
    return styles


def write_sweep_data(plotdir, data):
    modes = list(dict.fromkeys(r["mode"] for r in data.sweep))
    with open(os.path.join(plotdir, "sweep.dat"), "w") as f:
        for mode in modes:
            f.write(f'W "{mode}" min max\n')
            for w in sorted({r["workers"] for r in data.sweep
                             if r["mode"] == mode}):
                errs = [r["error_pct"] for r in race_runs(data.sweep,
                                                          "user", mode, w)]
                f.write(f"{w} {statistics.fmean(errs):g} {min(errs):g} "
                        f"{max(errs):g}\n")
            f.write("\n\n")
    return modes


def write_rate_data(plotdir, data):
    """Mean, min and max increments/s per mode group; '-' if not run."""
    titles = [f"{side} (W={main_workers(data, side)})" for side in SIDES]
    with open(os.path.join(plotdir, "rate.dat"), "w") as f:
        f.write(f'group "{titles[0]}" min max "{titles[1]}" min max\n')
        for mode, label, _ in RACE_MODES:
            cells = []
            for side in SIDES:
                rates = [r["incr_per_s"] for r in race_runs(
                    data.race, side, mode, main_workers(data, side))]
                cells += ([f"{statistics.fmean(rates):g}",
                           f"{min(rates):g}", f"{max(rates):g}"]
                          if rates else ["-"] * 3)
            f.write(f'"{label}" ' + " ".join(cells) + "\n")


def run_gnuplot(results, variables):
    """PNG and SVG of every plot; returns a note if gnuplot is missing."""
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        return "gnuplot is not installed: no plots."
    for ext in ("png", "svg"):
        settings = dict(variables, ext=ext, out=results,
                        dir=os.path.join(results, "plot"))
        assigns = "; ".join(f"{k}='{v}'" if isinstance(v, str) else
                            f"{k}={v}" for k, v in settings.items())
        done = subprocess.run([gnuplot, "-e", assigns,
                               os.path.join(HERE, "plots.gp")],
                              capture_output=True, text=True)
        if done.returncode:
            raise DataError("gnuplot failed: " +
                            (done.stderr.strip().splitlines() or ["?"])[-1])
    return None


# --------------------------------------------------------------- report

def env_table(env):
    keys = [k for k in ENV_ORDER if k in env] + \
        sorted(k for k in env if k not in ENV_ORDER)
    return table(("key", "value"), [(k, env[k]) for k in keys])


def section_env(data):
    env = data.env
    out = ["## Environment", ""]
    out += [env_table(env) if env else "The environment was not recorded."]
    for mode, guest in data.envs.items():
        what = MODES.get(mode, ("an unknown mode",))[0]
        out += ["", f"### The guest in {mode} mode", "", f"{what}.", "",
                env_table(guest)]
    files = sorted({f: mode_of(data, f) for f in data.modes}.items())
    if files:
        out += ["", "Mode of each raw file: " + ", ".join(
            f"`{f}` {m}" for f, m in files) + "."]
    if tcg(data):
        accel = env.get("accel", "unknown")
        out += ["", f"> **Warning:** accel is {accel}. Under TCG the guest "
                "CPU is emulated, so absolute times are emulated times, "
                "not those of hardware. This report therefore leads with "
                "ratios of two things measured side by side in the same "
                "run."]
    if "icount" in data.modes.values():
        out += ["", "> Figures of icount mode count instructions, 1 ns "
                "each: they do not follow the host's load, and they are not "
                "speeds. Kernel paths against kernel paths that copy the "
                "same way compare; a copy routine against another does not "
                "(rep movsb counts one instruction per byte, a vector loop "
                "32 bytes an instruction, and neither counts cache misses)."]
    if env.get("quick") == "1":
        out += ["", "> This was a QUICK run with reduced parameters."]
    if data.notes:
        out += ["", "Missing data:", ""] + [f"- {n}" for n in data.notes]
    return out


def section_ratios(found):
    out = ["## Key ratios", "",
           "Times are medians per operation, the scaling figure an "
           "aggregate over wall time (of the run with the median ratio, "
           "where there are several), race rates means over runs. "
           "\"over runs\" is the ratio's min-max over the runs it has, "
           "paired run by run, and (max - min) / min; \"mode\" the "
           "measurement mode of its figures (see Environment).",
           "", ratios_table(found)]
    reasons = [c for c in found if c.status != "met"]
    if reasons:
        out += ["", "Where a figure is missed or n/a:", ""]
        out += [f"- **{c.label}** ({c.status}): {c.why}" for c in reasons]
    else:
        out += ["", "Every target is met."]
    return out


def vector_copy(data, size):
    """Under -icount, whether user space's memcpy at this size counts
    fewer than half an instruction per byte: a vector loop, which a
    count of instructions cannot set against the kernel's rep movsb."""
    t = median(data, "user", "memcpy", "read", size)
    return (mode_of(data, "bench-user.csv") == "icount" and size > SMALL
            and t is not None and t < size / 2)


def bench_table(data, size):
    rows = []
    for side, target in SERIES:
        for op in OPS:
            r = data.bench.get((side, target, op, size))
            if not r:
                continue
            base = median(data, "user", "mymem", op, size)
            versus = ("n/c" if target in ("mmap", "memcpy") and
                      vector_copy(data, size) else
                      ratio_text(ratio(r["median_ns"], base)))
            rows.append((side, target, op, num(r["mean_ns"]),
                         num(r["median_ns"]), num(r["p99_ns"]),
                         num(r["mb_s"], 1),
                         num(mb_s(size, r["median_ns"]), 1), versus))
    return table(("side", "target", "op", "mean ns", "median ns", "p99 ns",
                  "MB/s (mean)", "MB/s (median)", "median / user mymem"),
                 rows)


def section_bench(data, plots):
    out = ["## Benchmark", "",
           "Per operation at offset 0; MB/s (mean) is the tools' own "
           "size / mean, MB/s (median) is size / median, the steadier "
           "figure under emulation. The last column compares each median "
           "with user-space mymem's for the same operation."]
    if plots:
        out += ["", "![latency](latency.png)", "",
                "![throughput](throughput.png)"]
        if mode_of(data, "bench-user.csv") == "icount":
            out += ["", "Under -icount the plots show instructions (1 ns "
                    "each): where user space's memcpy is a vector loop "
                    "(below), its lines and mmap's are not comparable with "
                    "the kernel's copies."]
    modes = " and ".join(dict.fromkeys(
        mode_of(data, f) for f in ("bench-user.csv", "bench-kernel.csv")))
    out += ["", f"Measured in {modes} mode."]
    for size in sorted({k[3] for k in data.bench}):
        out += ["", f"### {size_text(size)}", "", bench_table(data, size)]
    out += copy_routine_text(data)
    if data.scale:
        which = (f"Run {data.scale_run[0]} of {data.scale_run[1]}, the one "
                 "with the median ratio. " if data.scale_run else "")
        out += ["", "### Read scaling (512 KiB pread, own fd per thread)", "",
                which + "Measured in "
                f"{mode_of(data, 'scale-user.csv')} mode.", "",
                table(("threads", "median ns per read", "aggregate MB/s"),
                      [(t, num(r["median_ns"]), num(r["mb_s"], 1))
                       for t, r in sorted(data.scale.items())])]
    return out


def copy_routine_text(data):
    """Under -icount, which copy each size ran, read off the counts."""
    if mode_of(data, "bench-user.csv") != "icount":
        return []
    seen = []
    for size in sorted({k[3] for k in data.bench if k[3] > SMALL}):
        t = median(data, "user", "memcpy", "read", size)
        if t is not None:
            seen.append(f"{size_text(size)} {t / size:.2f}")
    if not seen:
        return []
    out = ["", "Instructions per byte of user space's memcpy (glibc): "
           + ", ".join(seen) + ". About 1 is rep movsb, as in the kernel's "
           "copies; far below 1 is a vector loop."]
    if any(vector_copy(data, s) for s in {k[3] for k in data.bench}):
        out[-1] += (" Where it is a vector loop the mmap and memcpy rows "
                    "are marked n/c (not comparable) against mymem: "
                    "under -icount that compares copy routines, not speeds.")
    return out


def race_table(rows):
    groups = list(dict.fromkeys((r["side"], r["mode"], r["workers"],
                                 r["iters"]) for r in rows))
    body = []
    for side, mode, w, n in groups:
        runs = [r for r in rows if (r["side"], r["mode"], r["workers"],
                                    r["iters"]) == (side, mode, w, n)]
        body.append((side, mode, w, n, len(runs), spread(runs, "final"),
                     num(runs[0]["expected"]), spread(runs, "lost"),
                     spread(runs, "error_pct", 2),
                     ns(mean_of(runs, "elapsed_ns")),
                     spread(runs, "incr_per_s")))
    return table(("side", "mode", "W", "N", "runs", "final", "expected",
                  "lost", "error %", "elapsed (mean)", "incr/s"), body)


def section_race(data, plots):
    out = ["## Race", "",
           "Mean over runs, with (min-max) where the runs differ. The "
           "counter starts at 0xDEADBEEF; expected = start + W * N."]
    if plots:
        out += ["", "![race error](race-error.png)", "",
                "![race rate](race-rate.png)"]
    out += ["", race_table(data.race)]
    if data.sweep:
        out += ["", "### Sweep over W", "", race_table(data.sweep)]
    return out


def q1_throughput(data):
    out = ["### 1. Reads and writes across sizes: where the cost is", ""]
    fits = [fit(data, "user", "mymem", op) for op in OPS]
    if None in fits:
        return out + ["Not enough user-space mymem rows to tell."]
    for op, (fixed, slope) in zip(OPS, fits):
        top = mb_s(LARGE, median(data, "user", "mymem", op, LARGE))
        out.append(f"- **{op}**: {ns(fixed)} for 1 byte, the fixed cost "
                   "of a call; " + slope_text(fixed, slope) +
                   f" At 512 KiB that gives {num(top)} MB/s, against "
                   f"{num(mb_s(SMALL, fixed), 2)} MB/s at 1 byte.")
    out += floor_text(data)
    if mode_of(data, "bench-user.csv") == "icount":
        out += ["", "Under -icount these ns are counted instructions and "
                "these MB/s bytes per 1,000 of them (a rep movsb moves one "
                "byte an instruction): a measure of work, not the speed "
                "of this machine or of hardware."]
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
    fixed, slope = fits[0]
    floor = median(data, "user", "zero", "read", SMALL)
    top = median(data, "user", "mymem", "read", LARGE)
    said = []
    if floor is not None and floor > fixed / 2:
        said.append(f"a 1-byte read() is mostly the system call and VFS "
                    f"({ns(floor)} of its {ns(fixed)} are /dev/zero's too)")
    if slope > 0 and slope * LARGE > top / 2:
        said.append(f"a 512 KiB read() is mostly the copy ({ns(slope * LARGE)}"
                    f" of its {ns(top)} grow with size)")
    if not said:
        return []
    return ["", "In these figures " + " and ".join(said) + "."]


def write_cost_text(data):
    """What the write / read figures say of that extra work."""
    pairs = op_ratios(data, "user", "mymem")
    if not pairs:
        return ""
    size, write_read = pairs[0]
    if write_read > 1.05:
        return (f" That extra work is what the write / read ratio of "
                f"{ratio_text(write_read)} at {size_text(size)} measures.")
    return (f" At {size_text(size)} a write cost {ratio_text(write_read)} "
            "a read, so here that work costs about what the read's own "
            "(the seqcount check, the retry test) does.")


def fit(data, side, target, op):
    """(fixed ns, per-byte ns) of one series, or None if rows are missing."""
    points = [median(data, side, target, op, s)
              for s in (SMALL, SLOPE_FROM, LARGE)]
    if None in points:
        return None
    return points[0], (points[2] - points[1]) / (LARGE - SLOPE_FROM)


def slope_text(fixed, slope):
    if slope <= 0:
        return ("the 64 KiB and 512 KiB medians do not grow with size "
                "(noise), so no per-byte cost can be estimated.")
    return (f"from 64 KiB to 512 KiB each byte adds {slope:.3f} ns "
            f"({1e3 / slope:,.0f} MB/s of copying), so copying outweighs "
            f"the fixed cost from about {size_text(round(fixed / slope))} "
            "on.")


def floor_text(data):
    """How much of the 1-byte cost any character device pays."""
    out = []
    for op, peer in (("read", "zero"), ("write", "null")):
        m = median(data, "user", "mymem", op, SMALL)
        p = median(data, "user", peer, op, SMALL)
        if m is None or p is None:
            continue
        if p <= m:
            out.append(f"- /dev/{peer}'s 1-byte {op}() took {ns(p)}: that "
                       "much of mymem's is the system call and VFS alone, "
                       f"{ns(m - p)} is mymem's own {op} path.")
        else:
            out.append(f"- /dev/{peer}'s 1-byte {op}() took {ns(p)}, "
                       f"{ns(p - m)} more than mymem's: its own {op} path "
                       "costs more than all of mymem's.")
    return out


def op_ratios(data, side, target):
    """(size, write median / read median) of every size with both."""
    pairs = [(s, ratio(median(data, side, target, "write", s),
                       median(data, side, target, "read", s)))
             for s in sorted({k[3] for k in data.bench
                              if k[:2] == (side, target)})]
    return [(s, r) for s, r in pairs if r is not None]


def ops_table(data):
    rows = []
    for size, write_read in op_ratios(data, "user", "mymem"):
        cells = [size_text(size)]
        for op in OPS:
            t = median(data, "user", "mymem", op, size)
            cells += [num(t), num(mb_s(size, t), 1)]
        rows.append(cells + [ratio_text(write_read)])
    return table(("size", "read() ns", "read MB/s", "write() ns",
                  "write MB/s", "write / read time"), rows)


def ops_verdict(data, side, target, where):
    """Whether writes cost more than reads, in one sentence."""
    pairs = op_ratios(data, side, target)
    if not pairs:
        return f"{where}: no rows to compare reads and writes."
    slower = [s for s, r in pairs if r > 1.05]
    first = median(data, side, target, "write", pairs[0][0]) - \
        median(data, side, target, "read", pairs[0][0])
    verdict = ("a write cost more than a read at every size"
               if len(slower) == len(pairs) else
               "a write cost no more than a read (within 5%) at any size"
               if not slower else
               "a write cost more than a read at "
               + ", ".join(size_text(s) for s in slower) + " only")
    return (f"{where} {verdict}; at {size_text(pairs[0][0])} the "
            f"difference is {ns(first)} ({ratio_text(pairs[0][1])}).")


def q2_race(data):
    out = ["### 2. When the unlocked increment goes wrong, and the fixes", ""]
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
        "user of the device takes the same lock, which other processes "
        "cannot; 4 system calls per increment, all under the lock.",
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
        "write() or an ioctl running meanwhile is not ordered against "
        "them, every user must use atomic instructions (one plain store "
        "loses increments), and only word sizes the CPU supports work."]
    kernel = [f"{m} {num(incr_rate(data, 'kernel', m))} incr/s"
              for m, _, _ in RACE_MODES if incr_rate(data, "kernel", m)]
    if kernel:
        notes.append("- In the kernel (mymem_test, W="
                     f"{main_workers(data, 'kernel')} kthreads): "
                     + ", ".join(kernel) + ".")
    return notes


def q3_kernel(data):
    out = ["### 3. In-kernel API against the system-call path", ""]
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
    out += [table(("size", "read() ns", "mymem_read() ns", "ratio",
                   "write() ns", "mymem_write() ns", "ratio"), rows), ""]
    out += ["The API skips the mode switch (syscall entry and exit), the VFS "
            "(fd lookup, file position, access checks) and the user-copy "
            "checks; what is left is the seqcount and a memcpy()."]
    if len(reads) > 1:
        out += ["", kernel_trend(data, reads)]
    return out


def kernel_trend(data, reads):
    """What the read ratios across sizes show, and why where it is known."""
    (first, r0), (last, r1) = reads[0], reads[-1]
    text = (f"The read ratio goes from {ratio_text(r0)} at "
            f"{size_text(first)} to {ratio_text(r1)} at {size_text(last)}")
    slower = [s for s, r in reads if r < 0.95]
    if slower:
        text += (": the in-kernel path is slower at "
                 + ", ".join(size_text(s) for s in slower) + ".")
    elif r1 < r0 and abs(r1 - 1) < 0.1:
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
                 "from 64 KiB to 512 KiB, as rep movsb does."
                 if icount_copy(data) else ".")
    return text


def q4_modorder(data):
    out = ["### 4. Why the order of loading matters", ""]
    text = data.modorder
    if not text:
        return out + ["No transcript was recorded."]
    unknown = [ln.strip() for ln in text.splitlines()
               if "Unknown symbol" in ln]
    used = [ln.strip() for ln in text.splitlines()
            if ln.split()[:1] == ["mymem"]]
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
    dep = [ln.strip() for ln in text.splitlines()
           if "mymem_test.ko:" in ln and "mymem.ko" in ln.split(":", 1)[1]]
    if dep:
        out.append(f"depmod records the dependency in modules.dep "
                   f"(`{dep[0]}`); modprobe reads it and loads mymem first.")
    refused = "in use" in text
    if used and refused:
        out.append(f"lsmod then shows `{used[0]}`: mymem_test holds a "
                   "reference on mymem, so `rmmod mymem` is refused until "
                   "mymem_test is removed.")
    return out


def q5_checkers(data):
    out = ["### 5. What a compiler or checker can catch in the race", ""]
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
    out += ["", "Every mymem call is synchronised inside mymem: a read "
            "copies under the seqcount and retries, a write holds the "
            "mutex. No two accesses to the region race, so there is no "
            "data race. The lost update is a race condition between two "
            "calls: read the counter, then write it back plus one, with "
            "another thread's write in the gap. Neither Rust's type system "
            "(the seed's claim: it forbids data races, which this is not) "
            "nor KCSAN (which watches for unsynchronised concurrent "
            "accesses to one location) can see it, since each access is "
            "properly synchronised; only the protocol is wrong. A plain "
            "shared counter incremented by two threads without a lock is a "
            "data race, which both catch: Rust refuses to compile it "
            "(no `Sync`), KCSAN reports it at run time.",
            "", "No KCSAN run is part of this report: this run's guest "
            "kernel has no KCSAN (`make debug-kernel`, then `make test "
            "KERNEL=kcsan`, runs the suite on one)."]
    return out


def q6_linking(data):
    out = ["### 6. How one module reaches another's functions in C", ""]
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
               "and an absent exporter (question 4), and takes a reference "
               "on mymem. The core kernel's own functions come the same "
               "way, from vmlinux's exports. The seed's Rust answers are "
               "bindgen (C headers to Rust declarations) for Rust calling "
               "C, and EXPORT_SYMBOL_RUST_GPL entries generated from `nm` "
               "output for Rust calling another Rust module; C needs "
               "neither, since the header is the interface.")
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
    keep = ("depends:", "import_ns:", "vermagic:", "name:")
    facts = [ln.strip() for ln in data.modinfo.splitlines()
             if ln.split()[:1] and ln.split()[0] in keep]
    if not (exported or imported or facts):
        return out + ["", "This run recorded no build evidence "
                      "(symvers.txt, modinfo.txt)."]
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
    both = sorted(set(exported) & set(imported))
    if both:
        same = [n for n in both
                if int(exported[n], 16) == int(imported[n], 16)]
        out.append(f"The CRCs of {len(same)} of the {len(both)} symbols "
                   "mymem_test uses match the exporter's"
                   + (": the loader accepts it." if len(same) == len(both)
                      else "; the loader would refuse it."))
    return out


def section_seed(data):
    """The seed's hardware figures beside ours, and where they agree."""
    out = ["## Beside the seed's hardware figures", "",
           "The seed's own published figures (its Part 5 table: real "
           "hardware, n=1000, average per call) next to this run's "
           "in-kernel averages (mymem_test, one timed batch per size), "
           f"measured in {mode_of(data, 'bench-kernel.csv')} mode."]
    rows, growth = [], []
    base = [data.batched.get(("kernel", "api", op, SMALL)) for op in OPS]
    for size, seed in sorted(SEED_KERNEL_US.items()):
        ours = [data.batched.get(("kernel", "api", op, size)) for op in OPS]
        cells = [size_text(size)]
        for op, (seed_us, row) in enumerate(zip(seed, ours)):
            cells += [f"{seed_us:.3f}",
                      f"{row['mean_ns'] / 1e3:.3f}" if row else "n/a"]
        rows.append(cells)
        if ours[0] and base[0] and base[0]["mean_ns"] > 0:
            growth.append((size, seed[0] / SEED_KERNEL_US[SMALL][0],
                           ours[0]["mean_ns"] / base[0]["mean_ns"],
                           seed[1] / seed[0],
                           ratio(ours[1]["mean_ns"], ours[0]["mean_ns"])
                           if ours[1] else None))
    out += ["", table(("size", "seed read us", "ours read us",
                       "seed write us", "ours write us"), rows)]
    if not growth:
        return out + ["", "No in-kernel benchmark to compare."]
    alike = [s for s, seed, ours, _, _ in growth[1:]
             if 0.5 <= ours / seed <= 2]
    apart = [(s, seed, ours) for s, seed, ours, _, _ in growth[1:]
             if not 0.5 <= ours / seed <= 2]
    lines = []
    if alike:
        lines.append("- Cost against the 1-byte cost grows alike at "
                     + ", ".join(size_text(s) for s in alike) + ".")
    if apart:
        lines.append("- Emulation changes it at " + ", ".join(
            f"{size_text(s)} (hardware {seed:.1f}x the 1-byte read, here "
            f"{ours:.1f}x)" for s, seed, ours in apart) + "."
            + (" Under -icount a rep movsb counts one instruction per "
               "byte, while hardware moves tens of bytes per cycle: "
               "copying costs far more against the fixed cost."
               if mode_of(data, "bench-kernel.csv") == "icount" and
               copy_is_rep_movsb(data) else ""))
    write_slower = [(s, seed_wr, ours_wr) for s, _, _, seed_wr, ours_wr
                    in growth if ours_wr is not None]
    agree = [s for s, a, b in write_slower if (a > 1.05) == (b > 1.05)]
    differ = [(s, a, b) for s, a, b in write_slower
              if (a > 1.05) != (b > 1.05)]
    if agree:
        lines.append("- Whether a write costs more than a read (by over 5%) "
                     "agrees at " + ", ".join(size_text(s) for s in agree)
                     + ".")
    if differ:
        lines.append("- Whether a write costs more than a read differs "
                     "at " + ", ".join(
            f"{size_text(s)} (hardware write/read {a:.2f}x, here {b:.2f}x)"
            for s, a, b in differ) + ".")
    return out + [""] + lines


def section_selftest(data):
    if not data.selftest:
        return []
    lines = [ln.strip() for ln in data.selftest.splitlines()]
    ok = [ln for ln in lines if ln.startswith("ok ")]
    skipped = sum("# SKIP" in ln for ln in ok)
    bad = [ln for ln in lines if ln.startswith("not ok ")]
    out = ["## Self-test", "",
           f"mymem_test run=selftest, KTAP results at all levels: "
           f"{len(ok)} ok ({skipped} of them skipped), {len(bad)} not ok."]
    return out + [""] + [f"- `{ln}`" for ln in bad] if bad else out


def report(data, found, plot_note):
    out = ["# mymem: results", ""]
    out += section_env(data) + [""] + section_ratios(found) + [""]
    out += section_bench(data, plot_note is None) + [""]
    out += section_amortised(data, plot_note is None) + [""]
    out += section_race(data, plot_note is None) + [""]
    if plot_note:
        out += [f"> {plot_note}", ""]
    out += ["## Questions", ""]
    for part in (q1_throughput, q2_race, q3_kernel, q4_modorder,
                 q5_checkers, q6_linking):
        out += part(data) + [""]
    out += section_seed(data) + [""]
    out += section_selftest(data)
    return "\n".join(out).rstrip() + "\n"


# ------------------------------------------------------------- compare
#
# report.py --compare DIR: the builds of one `make compare` boot
# (experiments/compare.sh, guest/compare.sh).  DIR/raw/ holds builds.txt
# (NAME REV COMMIT a line, the baseline first), env.txt (the guest's,
# with params=rounds=R trials=N, and the host's accel, date, commit) and
# bench-NAME-ROUND.csv for every build and round 1..R, in the bench
# format.  In one boot the means of all targets drift together from
# round to round, so each round is reduced to ratios against the peers
# measured in that round, and builds are compared by those.

# (label, op, size, peer) of each ratio: mymem's mean over the peer's.
COMPARE_RATIOS = (("1 B read / zero", "read", SMALL, "zero"),
                  ("1 B write / null", "write", SMALL, "null"),
                  ("512 KiB read / tmpfs", "read", LARGE, "tmpfs"),
                  ("512 KiB read / brd", "read", LARGE, "brd"),
                  ("512 KiB write / tmpfs", "write", LARGE, "tmpfs"),
                  ("512 KiB write / brd", "write", LARGE, "brd"))


@dataclass
class Build:
    name: str
    rev: str
    commit: str
    rounds: list = field(default_factory=list)  # per round: key -> row


def load_compare(results):
    """The builds of DIR/raw, in order, and the run's env."""
    raw = os.path.join(results, "raw")
    listing = os.path.join(raw, "builds.txt")
    if not os.path.exists(listing):
        raise DataError(f"{listing}: missing")
    env_path = os.path.join(raw, "env.txt")
    env = read_env(env_path) if os.path.exists(env_path) else {}
    params = dict(p.partition("=")[::2]
                  for p in env.get("params", "").split())
    if not params.get("rounds", "").isdigit():
        raise DataError(f"{env_path}: no params=rounds=N")
    builds = []
    with open(listing) as f:
        for lineno, line in enumerate(f, start=1):
            fields = line.split()
            if len(fields) != 3:
                raise DataError(f"{listing}:{lineno}: {len(fields)} fields, "
                                "expected NAME REV COMMIT")
            builds.append(Build(*fields))
    if not builds:
        raise DataError(f"{listing}: no builds")
    for b in builds:
        for n in range(1, int(params["rounds"]) + 1):
            path = os.path.join(raw, f"bench-{b.name}-{n}.csv")
            if not os.path.exists(path):
                raise DataError(f"{path}: missing (build {b.rev}, round {n})")
            b.rounds.append({(r["target"], r["op"], r["size"]): r
                             for r in read_csv(path, "bench")})
    return builds, env, params


def mean_ns(run, target, op, size):
    row = run.get((target, op, size))
    return row["mean_ns"] if row else None


def round_ratios(build, op, size, peer):
    """mymem / peer in each round where both were measured."""
    values = [ratio(mean_ns(run, "mymem", op, size),
                    mean_ns(run, peer, op, size)) for run in build.rounds]
    return [v for v in values if v is not None]


def range_text(values, digits):
    """median (min-max) of values over rounds."""
    if not values:
        return "n/a"
    text = num(statistics.median(values), digits)
    if len(values) > 1:
        text += f" ({num(min(values), digits)}-{num(max(values), digits)})"
    return text


def difference(base, build, op, size, peer):
    """build's median ratio less base's, in the ratio and in ns of the
    base's peer; "within the spread" where their rounds' ranges meet."""
    a = round_ratios(base, op, size, peer)
    b = round_ratios(build, op, size, peer)
    if not a or not b:
        return "n/a"
    if len(a) < 2 or len(b) < 2:
        return "n/a (1 round: no spread)"
    if min(b) <= max(a) and min(a) <= max(b):
        return "within the spread"
    delta = statistics.median(b) - statistics.median(a)
    peer_ns = statistics.median(
        [v for v in (mean_ns(run, peer, op, size) for run in base.rounds)
         if v is not None])
    # Two significant digits at least: a 512 KiB ratio moves in the
    # fifth decimal under -icount, and its spread is smaller still.
    digits = max(3, 1 - math.floor(math.log10(abs(delta))))
    return f"{delta:+.{digits}f} ({delta * peer_ns:+,.0f} ns)"


def compare_report(builds, env, params, base_rev=None):
    mode = env.get("accel", "unknown")
    clock = (MODES["icount"][0] if mode == "icount" else
             f"{mode} mode: not -icount, so the figures follow the "
             "host's load")
    base = builds[0]
    if base_rev is not None:
        named = [b for b in builds if b.rev == base_rev]
        if not named:
            raise DataError(f"no build {base_rev} (builds: "
                            f"{', '.join(b.rev for b in builds)})")
        base = named[0]
    out = ["# mymem: what a change costs (make compare)", "",
           f"{clock}. One boot, {params['rounds']} round"
           f"{'' if params['rounds'] == '1' else 's'}; in each round "
           "every build was loaded in turn and measured with its peers "
           f"(`mymem-bench -n {params.get('trials', '?')}` at 1 B, "
           f"`-n {params.get('large_trials', '?')}` at 512 KiB). "
           f"Guest kernel {env.get('kernel', 'unknown')}; "
           f"{env.get('date', 'undated')}, tool at "
           f"{env.get('commit', 'unknown')}.", "",
           "Ratios are mymem's mean over the peer's, per round; each cell "
           "is the median over rounds (min-max). The 1-byte means drift "
           "with the rounds; the ratios are the comparison.", ""]
    rows = []
    for b in builds:
        cells = [b.rev, b.commit[:12] if len(b.commit) == 40 else b.commit]
        for op in OPS:
            cells.append(range_text(
                [v for v in (mean_ns(run, "mymem", op, SMALL)
                             for run in b.rounds) if v is not None], 1))
        cells += [range_text(round_ratios(b, op, size, peer), 3)
                  for _, op, size, peer in COMPARE_RATIOS]
        rows.append(cells)
    out.append(table(("build", "commit", "1 B read ns", "1 B write ns")
                     + tuple(label for label, _, _, _ in COMPARE_RATIOS),
                     rows))
    if len(builds) > 1:
        out += ["", f"Against {base.rev}: the difference of the medians, "
                "and in ns (= instructions under -icount) of the peer's "
                "mean; where the rounds' ranges of the two builds overlap "
                "no difference is claimed.", "",
                table(("build",) + tuple(label for label, _, _, _
                                         in COMPARE_RATIOS),
                      [[b.rev] + [difference(base, b, op, size, peer)
                                  for _, op, size, peer in COMPARE_RATIOS]
                       for b in builds if b is not base])]
    return "\n".join(out) + "\n"


def compare_main(results, base_rev=None):
    try:
        text = compare_report(*load_compare(results), base_rev)
        with open(os.path.join(results, "COMPARE.md"), "w") as f:
            f.write(text)
    except (DataError, OSError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    print(text, end="")
    return 0


def main(argv):
    if len(argv) in (3, 4) and argv[1] == "--compare":
        return compare_main(*argv[2:])
    if len(argv) != 2 or argv[1].startswith("-"):
        print(f"usage: {PROG} RESULTS_DIR | {PROG} --compare DIR [BASE]",
              file=sys.stderr)
        return 2
    results = argv[1]
    try:
        data = load(results)
        found = checks(data)
        write_merged(results, data)
        plotdir = os.path.join(results, "plot")
        os.makedirs(plotdir, exist_ok=True)
        plot_note = run_gnuplot(results, write_plot_data(plotdir, data))
        with open(os.path.join(results, "REPORT.md"), "w") as f:
            f.write(report(data, found, plot_note))
    except (DataError, OSError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    if plot_note:
        print(f"{PROG}: warning: {plot_note}", file=sys.stderr)
    print(ratios_table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
