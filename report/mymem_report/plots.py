"""The plots: their data files (plot/*.dat) and gnuplot
(report/plots.gp)."""

import os
import shutil
import statistics
import subprocess

from . import anatomy
from .amortised import AMORTISED, ONE_CALL
from . import experiment, panels
from .measures import (
    amortised_cost, main_workers, median, per_calls, race_runs)
from .modes import mode_of
from .race import RACE_MODES
from .raw import BENCH_AMORTISED, DataError, OPS, RACE_SWEEP, SIDES
from .text import num, size_text
from .units import unit


# The plots themselves: report/plots.gp, beside this package.
GNUPLOT_SCRIPT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plots.gp")


AMORTISED_COLOURS = {"readv": "#2ca02c", "uring": "#9467bd",
                     "sqpoll": "#8c564b", "mymem": "#d62728",
                     "mmap": "#ff7f0e", "api": "#1f77b4"}


def write_plot_data(plotdir, data):
    """The .dat files of plots.gp; returns its -e variables."""
    found = panels.bench_variables(data, plotdir)
    sweep_modes = write_sweep_data(plotdir, data)
    write_rate_data(plotdir, data)
    amortised = write_amortised_data(plotdir, data)
    found.update(anatomy.write_plot_data(
        os.path.join(plotdir, "anatomy.dat"), data))
    found.update({
        "sizetics": "(" + ", ".join(f'"{size_text(s)}" {s}'
                                    for s in panels.sizes(data)) + ")",
        "nsweep": len(sweep_modes),
        "sweep_title": sweep_title(data),
        "nmain": write_main_race_data(plotdir, data),
        "nrace": len(data.race),
        "namort": len(amortised),
        "amort_colours": " ".join(c for c, _ in amortised) or "-",
        "amort_dashes": " ".join(str(d) for _, d in amortised) or "-"})
    found.update(amortised_axes(data))
    return found


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
                f.write(f'"{title}" median\n')
                f.writelines(f"{k} {max(t, 0.5):g}\n" for k, t in points)
                f.write("\n\n")
        styles = styles or [(c, d) for _, c, d, _ in series]
    return styles


# An amortised point above this many times the largest of the others'
# peaks is off the scale: it would flatten every other line.
OFF_SCALE = 3


def amortised_axes(data):
    """The y range of the amortised panels and, per direction, a label
    naming each point it leaves off the scale."""
    found = {op: amortised_series(data, op) for op in OPS}
    peaks = sorted(max(t for _, t in points)
                   for series in found.values() for _, _, _, points in series)
    top = OFF_SCALE * peaks[-2] if len(peaks) > 1 else 0
    out = {"amort_ymax": 0}
    for op, series in found.items():
        out[f"amort_off_{op}"] = "; ".join(
            f"{title} {op} at {k} per call: {num(t)} "
            f"{unit(data, BENCH_AMORTISED)}, off the scale"
            for title, _, _, points in series for k, t in points
            if top and t > top)
        if out[f"amort_off_{op}"]:
            out["amort_ymax"] = top
    return out


def sweep_title(data):
    """N, the runs per W and the mode of the sweep, for its legend."""
    if not data.sweep:
        return ""
    n = data.sweep[0]["iters"]
    runs = max(len(race_runs(data.sweep, "user", "unlocked", w))
               for w in {r["workers"] for r in data.sweep})
    return (f"N={n:,} per thread, {runs} run{'s' if runs > 1 else ''} "
            f"per W, {mode_of(data, RACE_SWEEP)}")


def write_main_race_data(plotdir, data):
    """race-main.dat: one block per side, the unlocked runs of the main
    race: W, mean, min and max error %; returns the blocks written."""
    n = 0
    with open(os.path.join(plotdir, "race-main.dat"), "w") as f:
        for side in SIDES:
            runs = race_runs(data.race, side, "unlocked",
                             main_workers(data, side))
            if not runs:
                continue
            errs = [r["error_pct"] for r in runs]
            f.write(f'W "{side}, main race: N={runs[0]["iters"]:,}, '
                    f'{len(runs)} run{"s" if len(runs) > 1 else ""}" '
                    'min max\n')
            f.write(f"{runs[0]['workers']} {statistics.fmean(errs):g} "
                    f"{min(errs):g} {max(errs):g}\n\n\n")
            n += 1
    return n


def write_sweep_data(plotdir, data):
    modes = list(dict.fromkeys(r["mode"] for r in data.sweep))
    with open(os.path.join(plotdir, "sweep.dat"), "w") as f:
        for mode in modes:
            f.write(f'W "user {mode}, sweep" min max\n')
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

