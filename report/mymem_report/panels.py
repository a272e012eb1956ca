"""The benchmark plots' panels: which series each shows, their data files
(plot/*.dat) and the gnuplot plot commands report/plots.gp runs (as
macros), so that no series hides under another and no outlier sets an
axis."""

import os

from . import experiment
from .measures import median, ratio
from .modes import mode_of
from .raw import BENCH_KERNEL, BENCH_USER
from .seed import SEED_KERNEL_US
from .units import counted, unit


# One colour per target, as in the tables' order.
COLOURS = {"mymem": "#d62728", "api": "#1f77b4", "mmap": "#ff7f0e",
           "zero": "#7f7f7f", "null": "#bcbd22", "tmpfs": "#2ca02c",
           "brd": "#9467bd", "memcpy": "#17becf", "seed": "#000000"}

# The latency panels: each peer against user-space mymem, one panel a
# group of peers that do not coincide (mmap and memcpy, tmpfs and brd,
# copy the same bytes the same way: apart, they cannot hide each other).
LATENCY_PANELS = (
    ("character devices", (("zero", "read"), ("null", "write"))),
    ("tmpfs and the in-kernel API", (("tmpfs", "read"), ("tmpfs", "write"),
                                     ("api", "read"), ("api", "write"))),
    ("brd (ramdisk)", (("brd", "read"), ("brd", "write"))),
    ("in user space, no call", (("mmap", "read"), ("memcpy", "read"),
                                ("mmap", "write"), ("memcpy", "write"))),
)
# The throughput panels: size over cost, reads and writes apart; no
# /dev/null (it moves no byte) and no mmap or memcpy (no call).
THROUGHPUT_TARGETS = {"read": ("mymem", "zero", "tmpfs", "brd", "api"),
                      "write": ("mymem", "tmpfs", "brd", "api")}
# Point types, one per series of a panel, filled and open in turn, so
# that coinciding points still show both.
POINTS = (7, 6, 5, 4, 9, 8)


def side_of(target):
    return "kernel" if target == "api" else "user"


def title_of(target, op):
    names = {"api": f"mymem_{op}() in the kernel", "mymem": f"mymem {op}()",
             "zero": "/dev/zero read()", "null": "/dev/null write()",
             "mmap": f"mmap {op}", "memcpy": f"memcpy {op}"}
    return names.get(target, f"{target} {op}()")


def sizes(data):
    return sorted({k[3] for k in data.bench})


def write_blocks(path, series):
    """One block per (title, points) in gnuplot's index order; returns a
    plot command drawing each with its (colour, dash, point) style."""
    parts = []
    with open(path, "w") as f:
        for i, (title, style, points) in enumerate(series):
            f.write(f"# {title}\n")
            f.writelines(" ".join(f"{v:g}" for v in p) + "\n"
                         for p in points)
            f.write("\n\n")
            colour, dash, point = style
            parts.append(f'"{path}" index {i} using 1:2 title "{title}" '
                         f'lw 2 lc rgb "{colour}" dt {dash} pt {point} '
                         "ps 1.2")
    if not parts:
        return ('set label 9 "not measured" at graph 0.5, 0.5 center; '
                'plot [1:2] [1:2] 0 notitle; unset label 9')
    return "plot " + ", ".join(parts)


def latency_panels(data, plotdir):
    """Each peer's median over user-space mymem's for the same op."""
    macros = {}
    for n, (_, members) in enumerate(LATENCY_PANELS):
        series = []
        for i, (target, op) in enumerate(members):
            points = [(s, ratio(median(data, side_of(target), target, op, s),
                                median(data, "user", "mymem", op, s)))
                      for s in sizes(data)]
            points = [p for p in points if p[1] is not None]
            if points:
                series.append((title_of(target, op),
                               (COLOURS[target], 1 if op == "read" else 2,
                                POINTS[i % len(POINTS)]), points))
        macros[f"lat{n}"] = write_blocks(
            os.path.join(plotdir, f"latency-{n}.dat"), series)
    return macros


def throughput_panels(data, plotdir):
    """Size over median, reads left and writes right."""
    scale = 1 if counted(data, BENCH_USER) else 1e3
    macros = {}
    for op, targets in THROUGHPUT_TARGETS.items():
        series = []
        for i, target in enumerate(targets):
            points = [(s, s / t * scale) for s in sizes(data)
                      for t in [median(data, side_of(target), target, op, s)]
                      if t and t > 0]
            if points:
                series.append((title_of(target, op),
                               (COLOURS[target], 1, POINTS[i % len(POINTS)]),
                               points))
        macros[f"thr_{op}"] = write_blocks(
            os.path.join(plotdir, f"throughput-{op}.dat"), series)
    return macros


def kernel_user_rows(data):
    """(size, read(), mymem_read(), read() / mymem_read(), read() over its
    1-byte cost, mymem_read() over its 1-byte cost) for every size both
    were measured at."""
    u0 = median(data, "user", "mymem", "read", experiment.SMALL)
    k0 = median(data, "kernel", "api", "read", experiment.SMALL)
    rows = []
    for s in sizes(data):
        u = median(data, "user", "mymem", "read", s)
        k = median(data, "kernel", "api", "read", s)
        if u and k and u0 and k0:
            rows.append((s, u, k, u / k, u / u0, k / k0))
    return rows


def kernel_user_panels(data, plotdir):
    """plot/kernel-vs-user.dat (kernel_user_rows()) and plot/seed.dat
    (size, the seed's in-kernel read in us, over its 1-byte read)."""
    rows = kernel_user_rows(data)
    with open(os.path.join(plotdir, "kernel-vs-user.dat"), "w") as f:
        f.write("# size read() mymem_read() ratio read()/1B mymem_read()/1B\n")
        f.writelines(" ".join(f"{v:g}" for v in r) + "\n" for r in rows)
    base = SEED_KERNEL_US[min(SEED_KERNEL_US)][0]
    with open(os.path.join(plotdir, "seed.dat"), "w") as f:
        f.write("# size seed_read_us seed_read/1B\n")
        f.writelines(f"{s} {us[0]:g} {us[0] / base:g}\n"
                     for s, us in sorted(SEED_KERNEL_US.items()))
    return len(rows)


def bench_variables(data, plotdir):
    """The benchmark plots' data files and their gnuplot variables."""
    found = dict(latency_panels(data, plotdir))
    found.update(throughput_panels(data, plotdir))
    found["nkvu"] = kernel_user_panels(data, plotdir)
    for n, (title, _) in enumerate(LATENCY_PANELS):
        found[f"lat{n}_title"] = title
    found["unit"] = unit(data, BENCH_USER)
    found["kunit"] = unit(data, BENCH_KERNEL)
    found["rateunit"] = ("bytes per instruction (size / median)"
                         if counted(data, BENCH_USER) else
                         "MB/s (size / median)")
    found["mode"] = mode_of(data, BENCH_USER)
    return found
