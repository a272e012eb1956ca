"""Report section: the benchmark tables and read scaling."""

from . import experiment
from .measures import median, ratio, scaling
from .modes import mode_of
from .raw import BENCH_KERNEL, BENCH_USER, OPS, SCALE_USER
from .text import num, ratio_text, size_text, table
from .units import counted, rate, rate_unit, unit


# Series of the latency and throughput plots and rows of the bench
# tables, in this order: the device, its in-kernel twin, then its peers.
SERIES = (("user", "mymem"), ("kernel", "api"), ("user", "mmap"),
          ("user", "zero"), ("user", "null"), ("user", "tmpfs"),
          ("user", "brd"), ("user", "memcpy"))
# Targets that move no byte (/dev/null discards them): no rate.
NO_BYTES = ("null",)
# Under -icount, fewer instructions per byte than this: a vector loop.
VECTOR_LOOP = 0.5


def vector_copy(data, size):
    """Under -icount, whether user space's memcpy at this size counts
    fewer than half an instruction per byte: a vector loop, which a
    count of instructions cannot set against the kernel's rep movsb."""
    t = median(data, "user", "memcpy", "read", size)
    return (mode_of(data, BENCH_USER) == "icount" and size > experiment.SMALL
            and t is not None and t < VECTOR_LOOP * size)


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
            # The tools' own MB/s is of the mean over a clock: under
            # icount not a speed, so only size / median, in its unit;
            # /dev/null moves no byte, so it has no rate.
            moves = target not in NO_BYTES
            speed = [] if counted(data, BENCH_USER) else \
                [num(r["mb_s"], 1) if moves else "-"]
            rows.append((side, target, op, num(r["mean_ns"]),
                         num(r["median_ns"]), num(r["p99_ns"]), *speed,
                         rate(data, BENCH_USER, size, r["median_ns"])
                         if moves else "-", versus))
    u, per = unit(data, BENCH_USER), rate_unit(data, BENCH_USER)
    speed = [] if counted(data, BENCH_USER) else [f"{per} (mean)"]
    return table(("side", "target", "op", f"mean {u}", f"median {u}",
                  f"p99 {u}", *speed, f"{per} (median)",
                  "median / user mymem"), rows)


def section_bench(data, plots):
    out = ["## Benchmark", ""]
    if counted(data, BENCH_USER):
        out += ["Per operation at offset 0, in instructions (-icount "
                "counts them, one an emulated ns: a measure of work, not "
                "a time); bytes per instruction is size / median, not a "
                "speed (none for /dev/null, which moves no byte). The "
                "last column compares each median with user-space "
                "mymem's for the same operation."]
    else:
        out += ["Per operation at offset 0; MB/s (mean) is the tools' own "
                "size / mean, MB/s (median) is size / median, the steadier "
                "figure under emulation (none for /dev/null, which moves "
                "no byte). The last column compares each median with "
                "user-space mymem's for the same operation."]
    if plots:
        out += ["", "![latency](latency.png)", "",
                "![throughput](throughput.png)", "",
                "![read() against mymem_read()](kernel-vs-user.png)"]
        if counted(data, BENCH_USER):
            out += ["", "The plots count instructions: where user space's "
                    "memcpy is a vector loop (below), its lines and mmap's "
                    "are not comparable with the kernel's copies. "
                    "/dev/null's write moves no byte, so it is left out of "
                    "the bytes-per-instruction panels."]
        else:
            out += ["", "/dev/null's write moves no byte, so it is left "
                    "out of the throughput panels."]
    modes = " and ".join(dict.fromkeys(
        mode_of(data, f) for f in (BENCH_USER, BENCH_KERNEL)))
    out += ["", f"Measured in {modes} mode."]
    for size in sorted({k[3] for k in data.bench}):
        out += ["", f"### {size_text(size)}", "", bench_table(data, size)]
    out += copy_routine_text(data)
    if data.scale:
        which = (f"Run {data.scale_run[0]} of {data.scale_run[1]}, the one "
                 "with the median ratio. " if data.scale_run else "")
        out += ["", f"### Read scaling ({size_text(experiment.SCALE_SIZE)} pread, own fd "
                "per thread)", "",
                which + "Measured in "
                f"{mode_of(data, SCALE_USER)} mode.", "",
                table(("threads", f"median {unit(data, SCALE_USER)} per read",
                       "aggregate MB/s",
                       "plain-file control, aggregate MB/s"),
                      [(t, num(r["median_ns"]), num(r["mb_s"], 1),
                        num(data.control[t]["mb_s"], 1)
                        if t in data.control else "n/a")
                       for t, r in sorted(data.scale.items())])]
        mine, control = scaling(data.scale), scaling(data.control)
        if mine is not None and control is not None:
            out += ["", f"2 readers against 1: mymem {ratio_text(mine)}, "
                    f"the plain-file control {ratio_text(control)}, the same "
                    "two readers on a tmpfs file right after: what the "
                    "machine gave two readers then, so mymem's figure is "
                    "read beside it, not as the device's alone."]
    return out


def copy_routine_text(data):
    """Under -icount, which copy each size ran, read off the counts."""
    if mode_of(data, BENCH_USER) != "icount":
        return []
    seen = []
    for size in sorted({k[3] for k in data.bench if k[3] > experiment.SMALL}):
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

