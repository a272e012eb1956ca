"""The key ratios: each goal a Check with its measure, goal and
explanation."""

from dataclasses import dataclass, field
from typing import Optional

from .amortised import AMORTISED
from .amortised_peers import (
    PEER_GOAL, PEER_GOALS, peer_label, peer_ratio, why_peer)
from . import anatomy, experiment
from .measures import (
    amortised_cost, amortised_speedup, call_fit, main_workers, median,
    mmap_gap, per_incr, race_ratio, race_runs, ratio, scaling, spread_pct,
    syscall_vs_api, user_ratio)
from .modes import (
    MODES, VARIES_BETWEEN_BOOTS, copy_is_rep_movsb, guest_env, icount_copy,
    mode_of, tcg)
from .raw import (
    BENCH_AMORTISED, BENCH_KERNEL, BENCH_USER, PROFILE, RACE_USER,
    SCALE_CONTROL, SCALE_USER)
from .text import ns, ratio_text, size_text
from .units import cost, goal_label


# A miss by less than this fraction of the goal is within what noise on
# a shared host can move a median between runs.
CLOSE_MISS = 0.10
# A close miss whose runs agree within this many percent is not noise.
RUNS_AGREE_PCT = 2
# The in-kernel copy over this fraction of read()'s time: the copy, not
# the system call path, is where a large read's time goes.
COPY_DOMINATES = 0.8
# mmap's gap to memcpy at 1 byte under this fraction of its gap at the
# large size: a per-byte or per-page cost, not a fixed one.
FIXED_GAP_NEGLIGIBLE = 0.1
# A race run shorter than this (ns) is dominated by thread start-up.
SHORT_RUN_NS = 50e6
# Two readers each taking this many times one reader's time per read
# slowed each other down.
READERS_SLOWED = 1.3
# A scaling figure below this is no scaling at all.
NO_SCALING = 1.2
# mymem scaling below this fraction of the plain-file control's scaled
# worse than the machine allows.
BELOW_CONTROL = 0.8


@dataclass
class Check:
    """One target of the design: a measured ratio against its goal, and
    the reason it gives where it is not met."""
    label: str
    measure: object         # Data -> the ratio, or None
    goal: float
    at_least: bool          # goal is a minimum (else a maximum)
    files: tuple            # the raw files its figures come from
    explain: object         # (Data, Check) -> why it missed
    parallel: bool = False  # needs two CPUs running at once
    shown: object = ratio_text  # how the value and the goal are written
    unmeasured: object = None   # Data -> why it is not measured, if known
    value: Optional[float] = None   # None: not measured
    runs: list = field(default_factory=list)  # the ratio of each run
    mode: str = "unknown"
    why: str = ""           # why it missed (or is n/a)

    @property
    def status(self):
        if self.value is None or not self.mode_carries():
            return "n/a"
        if self.mode in VARIES_BETWEEN_BOOTS:
            return "indicative"
        return "met" if self.meets() else "missed"

    def meets(self):
        # Judge the value as printed, so that the table never shows
        # "1.30x" next to a goal of 1.3x and calls it missed.
        shown = round(self.value, 2)
        return shown >= self.goal if self.at_least else shown <= self.goal

    def explained(self):
        """Whether the report says why: missed, n/a, or indicative on the
        wrong side of its goal."""
        return self.status in ("missed", "n/a") or (
            self.status == "indicative" and not self.meets())

    def mode_carries(self):
        """A figure of parallelism needs vCPUs that run at once."""
        return not self.parallel or MODES.get(self.mode, ("", True))[1]

    def close_miss(self):
        return self.status == "missed" and \
            abs(self.value - self.goal) < CLOSE_MISS * self.goal

    def judge(self, data):
        """Measure on data and on each of its runs; the reason if not met."""
        self.value = self.measure(data)
        self.runs = [v for v in map(self.measure, data.runs)
                     if v is not None]
        self.mode = "+".join(dict.fromkeys(mode_of(data, f)
                                           for f in self.files))
        self.label = goal_label(self.label, self.mode)
        if self.explained():
            self.why = self.reason(data)

    def reason(self, data):
        """Its own explanation, only if the ratio was measured in a mode
        that can carry it."""
        if self.value is None:
            return self.unmeasured(data) if self.unmeasured else NOT_MEASURED
        if not self.mode_carries():
            return (f"Measured in {self.mode} mode, whose one vCPU runs "
                    "one thread at a time: it cannot show parallelism.")
        return self.explain(data, self)


# Reasons for a miss: each states what was measured and gives the likely
# cause as a hypothesis.

NOT_MEASURED = ("Not measured: a row this ratio needs is not in the data, "
                "or its time is 0 (below the clock's resolution).")


def noise_clause(check):
    if not check.close_miss():
        return ""
    if len(check.runs) > 1 and spread_pct(check.runs) < RUNS_AGREE_PCT:
        return (f" Its {len(check.runs)} runs agree within "
                f"{spread_pct(check.runs):.1f}%, so the miss is not noise.")
    if check.mode == "icount":
        return ""
    return (f" The miss is by less than {CLOSE_MISS:.0%} of the goal, "
            "within what a busy host can move a median between runs; "
            "repeat the run before concluding.")


def why_one_byte(op, peer):
    """A 1-byte op against /dev/peer's: the difference, and the stages
    and functions of the profile that make it."""
    def why(data, check):
        show = cost(data, BENCH_USER)
        m = median(data, "user", "mymem", op, experiment.SMALL)
        p = median(data, "user", peer, op, experiment.SMALL)
        return (f"mymem's 1-byte {op}() took {show(m)} against /dev/{peer}'s "
                f"{show(p)} (+{show(m - p)}). "
                + anatomy.explain(data, f"{op}_mymem", f"{op}_{peer}")
                + noise_clause(check))
    return why


why_read_zero = why_one_byte("read", "zero")
why_write_null = why_one_byte("write", "null")


def why_api_read(data, check):
    return anatomy.api_text(data, check.goal)


def why_large_read(peer):
    def why(data, check):
        show = cost(data, BENCH_USER)
        m = median(data, "user", "mymem", "read", experiment.LARGE)
        p = median(data, "user", peer, "read", experiment.LARGE)
        text = (f"At {size_text(experiment.LARGE)} mymem took {show(m)} per read and "
                f"{peer} "
                f"{show(p)} ({ratio_text(ratio(m, p))}); all three copy "
                "with copy_to_user().")
        if icount_copy(data) and copy_is_rep_movsb(data):
            text += (" Under -icount that copy is rep movsb (the guest CPU "
                     "has erms), one counted instruction per byte: "
                     f"{experiment.LARGE:,} of each figure. Beyond it mymem's read "
                     f"path cost {show(m - experiment.LARGE)} and {peer}'s "
                     f"{show(p - experiment.LARGE)}: "
                     f"mymem's is {ratio_text(ratio(m - experiment.LARGE, p - experiment.LARGE))}"
                     f" of {peer}'s. A read path that did nothing but the "
                     "copy would reach "
                     f"{ratio_text(ratio(experiment.LARGE, p))} of {peer}'s figure.")
        text += " " + anatomy.large_text(data, peer, experiment.LARGE)
        k = median(data, "kernel", "api", "read", experiment.LARGE)
        if k is not None:
            text += (f" mymem_read() in the kernel took {show(k)} for the same"
                     " copy, so " + ("the copy itself, not the system call "
                                     "path, is where the cost goes."
                                     if k > COPY_DOMINATES * m else
                                     "the system call path adds "
                                     f"{show(m - k)} to it."))
        return text + noise_clause(check)
    return why


def why_mmap(op):
    def why(data, check):
        show = cost(data, BENCH_USER)
        text = ("Both are memcpy() in user space; the mapping is the "
                "device's vmalloc pages, inserted 4 KiB at a time, while "
                "memcpy's buffers are ordinary anonymous memory.")
        small, large = mmap_gap(data, op, experiment.SMALL), mmap_gap(data, op, experiment.LARGE)
        if small is not None and large is not None and large > 0:
            kind = ("a per-byte or per-page cost, not a fixed one"
                    if abs(small) < FIXED_GAP_NEGLIGIBLE * large else
                    "partly a fixed cost per call")
            text += (f" At 1 byte the two differ by {show(small)}, at "
                     f"{size_text(experiment.LARGE)} by {show(large)}: {kind}.")
        return text + noise_clause(check)
    return why


def why_kernel(data, check):
    show = cost(data, BENCH_USER)
    u = median(data, "user", "mymem", "read", experiment.SMALL)
    k = median(data, "kernel", "api", "read", experiment.SMALL)
    text = (f"read() took {show(u)} and mymem_read() {show(k)}, "
            f"{show(u - k)} apart. " + anatomy.syscall_text(data) +
            " The ratio reaches 10 only if the API's own work is under a "
            f"ninth of the difference ({show((u - k) / 9)}).")
    batched = data.batched.get(("kernel", "api", "read", experiment.SMALL))
    batch = batched["mean_ns"] if batched else 0
    if 0 < batch < k:
        text += (" The in-kernel median is of calls timed one by one, "
                 "each with its own clock reads; timed as one batch (the "
                 f"mean), a call took {show(batch)}, which would make the "
                 f"ratio {ratio_text(u / batch)}: the clock explains "
                 f"{show(k - batch)} of the API's figure, not the gap to 10.")
    if mode_of(data, BENCH_USER) == "icount":
        text += (" Under -icount every instruction counts one, those "
                 "classes too: this is a ratio of instruction counts, not "
                 "of times.")
    clock = guest_env(data, mode_of(data, BENCH_KERNEL)).get(
        "clocksource")
    if clock in ("hpet", "acpi_pm"):
        text += (f" The guest's clocksource is {clock}, so every "
                 "timestamp is an emulated device read, slow and jittery "
                 "next to a 1-byte call.")
    return text + noise_clause(check)


def why_ioctl(data, check):
    # A 1-byte read() is a yardstick only on the race's own clock.
    syscall = (median(data, "user", "mymem", "read", experiment.SMALL)
               if mode_of(data, BENCH_USER) ==
               mode_of(data, RACE_USER) else None)
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
    nproc = guest_env(data, mode_of(data, RACE_USER)).get("nproc", "")
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
    if shortest < SHORT_RUN_NS:
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
            f"{two['mb_s']:.0f} MB/s together; the median "
            f"{size_text(experiment.SCALE_SIZE)} read took "
            f"{ns(one['median_ns'])} alone and {ns(two['median_ns'])} with "
            "two readers. ")
    if per_read < READERS_SLOWED:
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
    if tcg(data) and check.value < NO_SCALING and (
            control is None or control < NO_SCALING):
        text += (" The likely reason is that the emulator did not run the "
                 "two vCPUs in parallel (single-threaded TCG, or host CPUs "
                 "busy with other work), not the device.")
    return text


def scaling_control(data, per_read):
    """What the plain-file control says, if it was measured."""
    control = scaling(data.control)
    if control is None:
        return (f"No control was measured ({SCALE_CONTROL}: the same two "
                "readers on a plain file) to tell the device from the "
                "machine.")
    mine = scaling(data.scale)
    if control < NO_SCALING:
        return (f"The plain-file control scaled only {ratio_text(control)}"
                " too, so the machine, not the device, limited the scaling.")
    if mine < control * BELOW_CONTROL and per_read >= READERS_SLOWED:
        return (f"The plain-file control scaled {ratio_text(control)}, "
                "better than mymem, which points at the device.")
    if mine < control * BELOW_CONTROL:
        return (f"The plain-file control scaled {ratio_text(control)}, so "
                "the vCPUs could run at once; mymem's readers did not slow "
                "each other, so these figures do not show the device "
                "limiting it either: the two were measured one after the "
                "other, under whatever load the host had then.")
    return (f"The plain-file control scaled {ratio_text(control)}, about "
            "as much: the machine sets the limit.")


def why_amortised(target):
    def why(data, check):
        show = cost(data, BENCH_AMORTISED)
        base = median(data, "user", "mymem", "read", experiment.SMALL)
        t = amortised_cost(data, target, "read", experiment.SMALL, experiment.GOAL_CALLS)
        label, profiled = next((name, paths) for tg, name, paths
                               in AMORTISED if tg == target)
        text = (f"{experiment.GOAL_CALLS} 1-byte reads by {label} took {show(t)} each "
                f"against read()'s {show(base)}.")
        fitted = call_fit(data, target, "read", experiment.SMALL)
        if fitted:
            text += (f" Fitted over its two largest batches, a call costs "
                     f"{show(fitted[0])} plus {show(fitted[1])} per transfer: "
                     "the per-transfer part, which no batch size "
                     f"amortises, is {ratio_text(ratio(fitted[1], base))} "
                     "of a whole read() call.")
        text += " " + anatomy.transfer_text(data, profiled)
        return text + noise_clause(check)
    return why


def instructions_text(value):
    return "n/a" if value is None else f"{value:,.0f}"


def peer_check(target, op):
    return Check(peer_label(target, op),
                 peer_ratio(target, op, experiment.SMALL,
                            experiment.GOAL_CALLS),
                 goal=PEER_GOAL, at_least=False,
                 files=(BENCH_AMORTISED,), explain=why_peer(target, op))


def bench_check(label, target, op, size, peer, goal, explain):
    """A goal on user target's median time over peer's: at most goal."""
    return Check(label, user_ratio(target, op, size, peer), goal=goal,
                 at_least=False, files=(BENCH_USER,), explain=explain)


def goals():
    """The key ratios in the order of the table, each with its goal and
    its explanation."""
    return [
        bench_check("1-byte read(): mymem / /dev/zero (time)",
                    "mymem", "read", experiment.SMALL, "zero", 1.0, why_read_zero),
        bench_check("1-byte write(): mymem / /dev/null (time)",
                    "mymem", "write", experiment.SMALL, "null", 1.1, why_write_null),
        bench_check(f"{size_text(experiment.LARGE)} read: mymem / tmpfs (time)",
                    "mymem", "read", experiment.LARGE, "tmpfs", 0.9,
                    why_large_read("tmpfs")),
        bench_check(f"{size_text(experiment.LARGE)} read: mymem / brd (time)",
                    "mymem", "read", experiment.LARGE, "brd", 0.9,
                    why_large_read("brd")),
        bench_check(f"{size_text(experiment.LARGE)} mmap read / memcpy (time)",
                    "mmap", "read", experiment.LARGE, "memcpy", 1.5, why_mmap("read")),
        bench_check(f"{size_text(experiment.LARGE)} mmap write / memcpy (time)",
                    "mmap", "write", experiment.LARGE, "memcpy", 1.5,
                    why_mmap("write")),
        Check("1-byte read: syscall / in-kernel API (time)", syscall_vs_api,
              goal=10.0, at_least=True, files=(BENCH_USER, BENCH_KERNEL),
              explain=why_kernel),
        Check(f"{size_text(experiment.SMALL)} mymem_read() in the kernel "
              "(instructions, profile)", anatomy.api_read, goal=60,
              at_least=False, files=(PROFILE,), explain=why_api_read,
              shown=instructions_text,
              unmeasured=lambda d: anatomy.missing(d, anatomy.API)),
        Check("race: ioctl / mutex (incr/s)", race_ratio("fetch_add", "mutex"),
              goal=3.0, at_least=True, files=(RACE_USER,),
              explain=why_ioctl, parallel=True),
        Check("race: mmap / ioctl (incr/s)", race_ratio("mmap", "fetch_add"),
              goal=10.0, at_least=True, files=(RACE_USER,),
              explain=why_mmap_ioctl, parallel=True),
        Check(f"{size_text(experiment.SCALE_SIZE)} pread: 2 threads / 1 (aggregate MB/s)",
              lambda d: scaling(d.scale),
              goal=1.7, at_least=True, files=(SCALE_USER,),
              explain=why_scaling, parallel=True),
        Check(f"readv of {experiment.GOAL_CALLS} x {size_text(experiment.SMALL)} / one read() each "
              "(ops/s)", amortised_speedup("readv", experiment.GOAL_CALLS),
              goal=4.0, at_least=True, files=(BENCH_AMORTISED, BENCH_USER),
              explain=why_amortised("readv")),
        Check(f"io_uring, {experiment.GOAL_CALLS} 1-byte reads per enter / one read() "
              "each (ops/s)", amortised_speedup("uring", experiment.GOAL_CALLS),
              goal=2.0, at_least=True, files=(BENCH_AMORTISED, BENCH_USER),
              explain=why_amortised("uring")),
    ] + [peer_check(target, op) for target, op in PEER_GOALS]


def checks(data):
    """The key ratios judged on data: each with its mode, its spread over
    the runs and its reason when it misses."""
    found = goals()
    for check in found:
        check.judge(data)
    return found
