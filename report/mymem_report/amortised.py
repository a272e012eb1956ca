"""Report section: the amortised paths (readv, io_uring): one call,
many operations."""

from . import anatomy, experiment
from .amortised_peers import peer_rows, peer_text
from .measures import (
    amortised_cost, break_even, call_fit, median, per_calls, ratio)
from .modes import guest_env, mode_of
from .raw import BENCH_AMORTISED, BENCH_KERNEL, BENCH_USER, OPS
from .text import num, ratio_text, size_text, table
from .units import cost, unit


# The amortised paths of mymem-bench (BENCH_AMORTISED), each with its
# label and the paths of the profile, (mymem's, /dev/zero's), that show
# what it pays for every transfer (None: not profiled).
AMORTISED = (
    ("readv", "readv/writev", ("readv_mymem", "readv_zero")),
    ("uring", "io_uring", ("uring_mymem", "uring_zero")),
    ("sqpoll", "io_uring SQPOLL", None),
)


# The paths without a batch: one line each across the plot.
ONE_CALL = (("user", "mymem", "read()/write(), one call each"),
            ("user", "mmap", "mmap (memcpy)"),
            ("kernel", "api", "in-kernel API"))


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
    cols = [(size, op) for size in experiment.AMORTISED_SIZES for op in OPS]
    rows = []
    for _, target, label in ONE_CALL:
        rows.append([label, "1"] + [amortised_cell(data, target, op, size)
                                    for size, op in cols])
    for target, label, _ in AMORTISED:
        ks = sorted({k for t, _, _, k in data.amortised if t == target})
        rows += [[label, str(k)] + [amortised_cell(data, target, op, size, k)
                                    for size, op in cols] for k in ks]
    rows += peer_rows(data, cols)
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
    for size in experiment.AMORTISED_SIZES:
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
    show = cost(data, BENCH_AMORTISED)
    ks = per_calls(data, target, "read", experiment.SMALL)
    if not ks:
        return ""
    t = amortised_cost(data, target, "read", experiment.SMALL, ks[-1])
    api = median(data, "kernel", "api", "read", experiment.SMALL)
    mm = median(data, "user", "mmap", "read", experiment.SMALL)
    parts = [f"{ratio_text(ratio(t, ref))} {what}'s ({show(ref)})"
             for ref, what in ((api, "the in-kernel API"), (mm, "mmap"))
             if ratio(t, ref)]
    text = f" At {ks[-1]} per call a 1-byte read costs {show(t)}"
    return text + (": " + " and ".join(parts) + "." if parts else ".")


def paying_text(data, target, profiled):
    show = cost(data, BENCH_AMORTISED)
    fitted = call_fit(data, target, "read", experiment.SMALL)
    if not fitted:
        return " " + anatomy.transfer_text(data, profiled)
    api = median(data, "kernel", "api", "read", experiment.SMALL)
    base = median(data, "user", "mymem", "read", experiment.SMALL)
    text = (f" Fitted through its two largest batches, a call of 1-byte "
            f"reads costs {show(fitted[0])} plus {show(fitted[1])} per "
            "transfer")
    if ratio(fitted[1], api):
        text += (f" ({ratio_text(ratio(fitted[1], api))} a whole "
                 "in-kernel mymem_read())")
    text += ". " + anatomy.transfer_text(data, profiled)
    if base is not None and fitted[1] >= base:
        text += (f" That part alone costs more than a whole read() call "
                 f"({show(base)}): no batch size can make this path pay off "
                 "for 1-byte reads here.")
    return text


def sqpoll_note(data):
    mode = mode_of(data, BENCH_AMORTISED)
    nproc = guest_env(data, mode).get("nproc")
    if not any(k[0] == "sqpoll" for k in data.amortised) or nproc != "1":
        return []
    return ["", "This guest has one vCPU: SQPOLL's polling thread takes it "
            "in turns with the thread that submits, so every call waits for "
            "a switch to the poller and back. SQPOLL is meant for a core of "
            "its own; these figures cannot show that. Nor do they show what "
            "the poller's spinning takes from the submitter: the poller is "
            "a runnable task, and at the first wait of each round of calls "
            "the scheduler hands it back the CPU time the submitter spent "
            "on the other paths meanwhile, keeping the submitter waiting "
            "to the next tick. mymem-bench opens each round with an untimed "
            "SQPOLL write and read for that, so that the timed calls "
            "measure the path (docs/report.md, \"The SQPOLL outlier\")."]


def section_amortised(data, plots):
    out = ["## Amortised paths: one call, many operations", ""]
    if not data.amortised:
        return out + ["No amortised paths were measured (no "
                      f"`{BENCH_AMORTISED}`)."] + skipped_paths(data)
    mode = mode_of(data, BENCH_AMORTISED)
    out += [f"Measured in {mode} mode (single-thread figures; one-call rows "
            f"from `{BENCH_USER}` and `{BENCH_KERNEL}`, modes "
            + " and ".join(dict.fromkeys(mode_of(data, f) for f in (
                BENCH_USER, BENCH_KERNEL))) + "). "
            f"Median {unit(data, BENCH_AMORTISED)} per operation, and in "
            "parentheses one read()/write() call's median over it: how many "
            "times cheaper an operation is than by one call each. \"per "
            "call\" is the transfers each system call (readv) or "
            "io_uring_enter() carries, at consecutive offsets from 0."]
    if plots:
        out += ["", "![amortised](amortised.png)"]
    out += ["", amortised_table(data)] + peer_text(data) + \
        skipped_paths(data)
    out += ["", "### From what batch size each path pays off, and why", ""]
    for target, label, profiled in AMORTISED:
        text = even_text(data, target)
        if text is None:
            continue
        out.append(f"- **{label}** {text}." + closeness_text(data, target) +
                   paying_text(data, target, profiled))
    out += ["", anatomy.floor_text(data)]
    if mode == "icount":
        out += ["", "Under -icount a system call's entry and exit count as "
                "their instructions only" + anatomy.entry_clause(data) +
                ", not the cycles that the mode "
                "switch and its mitigations take on hardware: what batching "
                "saves (calls) weighs less here than there, what io_uring "
                "adds per request (instructions) weighs in full. From "
                "which batch size a path pays off on hardware is not "
                "measured here; the classes of Anatomy of a call count the "
                "instructions that hardware charges more for."]
    return out + sqpoll_note(data)

