"""The plots: their data files (plot/*.dat) and gnuplot
(report/plots.gp)."""

import os
import shutil
import statistics
import subprocess

from . import anatomy
from .amortised import AMORTISED, ONE_CALL
from .benchmark import SERIES
from . import experiment
from .measures import (
    amortised_cost, main_workers, mb_s, median, per_calls, race_runs)
from .race import RACE_MODES
from .raw import DataError, OPS, SIDES
from .text import size_text


# The plots themselves: report/plots.gp, beside this package.
GNUPLOT_SCRIPT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plots.gp")


# One colour per target; reads solid (dash type 1), writes dashed (2).
COLOURS = {"mymem": "#d62728", "api": "#1f77b4", "mmap": "#ff7f0e",
           "zero": "#7f7f7f", "null": "#bcbd22", "tmpfs": "#2ca02c",
           "brd": "#9467bd", "memcpy": "#17becf"}


AMORTISED_COLOURS = {"readv": "#2ca02c", "uring": "#9467bd",
                     "sqpoll": "#8c564b", "mymem": "#d62728",
                     "mmap": "#ff7f0e", "api": "#1f77b4"}


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
    anat = anatomy.write_plot_data(os.path.join(plotdir, "anatomy.dat"),
                                   data)
    sizes = sorted({size for _, _, _, points in series for size, _ in points})
    return {**anat,"nbench": len(series),
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
    SMALL solid, the other sizes dashed; a one-call path is level across
    the k."""
    ks = sorted({k[3] for k in data.amortised})
    found = []
    for size in experiment.AMORTISED_SIZES:
        dash = 1 if size == experiment.SMALL else 2
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
        done = subprocess.run([gnuplot, "-e", assigns, GNUPLOT_SCRIPT],
                              capture_output=True, text=True)
        if done.returncode:
            raise DataError("gnuplot failed: " +
                            (done.stderr.strip().splitlines() or ["?"])[-1])
    return None

