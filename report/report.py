#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw results of one `make run` into tables, plots and a report.

    report/report.py RESULTS_DIR
    report/report.py --compare DIR [BASE]

The first reads RESULTS_DIR/raw/ (its files: mymem_report/raw.py) and
writes into RESULTS_DIR the merged bench.csv and race.csv, plot/*.dat,
the plots as .png and .svg (report/plots.gp) and REPORT.md; the key
ratios go to stdout.  The second is `make compare`'s table of mymem.ko
builds, each against the build of REV BASE (default: the first):
DIR/COMPARE.md and stdout (mymem_report/compare.py).

This file is only the order of the report's sections; each section, the
checks and the measures are a module of mymem_report/ (docs/report.md).
Exit status: 0 ok, 1 unreadable or malformed input (one line on
stderr), 2 usage.
"""

import os
import sys

import params
from mymem_report import (
    amortised, anatomy, answers, benchmark, compare, environment,
    experiment, key_ratios, plots, race, raw, seed, selftest)
from mymem_report.checks import checks

PROG = "report.py"
APPENDIX = ("The goals are the project's own design targets for mymem.ko: "
            "what each of its paths should cost beside the device a user "
            "would pick instead (its peers) and what the amortised paths "
            "should save. They tell the engineers where to work next; the "
            "seed's questions are answered above without them.")


def report(data, found, plot_note):
    plotted = plot_note is None
    out = ["# mymem: results", ""]
    out += answers.section_answers(data, plotted) + [""]
    # The evidence.
    out += environment.section_env(data) + [""]
    out += benchmark.section_bench(data, plotted) + [""]
    out += race.section_race(data, plotted) + [""]
    out += anatomy.section_anatomy(data, plotted) + [""]
    if plot_note:
        out += [f"> {plot_note}", ""]
    out += answers.section_details(data)
    out += seed.section_seed(data) + [""]
    out += selftest.section_selftest(data) + [""]
    # The engineering appendix.
    out += ["## Engineering appendix: goals, peers, amortised paths", "",
            APPENDIX, ""]
    out += key_ratios.section_ratios(found) + [""]
    out += amortised.section_amortised(data, plotted)
    return "\n".join(out).rstrip() + "\n"


def run_report(results):
    """REPORT.md and the rest; returns the checks and a plot note."""
    experiment.use_run(params.load(os.path.join(results, "raw")))
    data = raw.load(results)
    found = checks(data)
    raw.write_merged(results, data)
    plotdir = os.path.join(results, "plot")
    os.makedirs(plotdir, exist_ok=True)
    plot_note = plots.run_gnuplot(results,
                                  plots.write_plot_data(plotdir, data))
    with open(os.path.join(results, "REPORT.md"), "w") as f:
        f.write(report(data, found, plot_note))
    return found, plot_note


def run_compare(results, base_rev=None):
    experiment.use_compare(params.load(os.path.join(results, "raw"),
                                       params.COMPARE))
    text = compare.compare_report(*compare.load_compare(results), base_rev)
    with open(os.path.join(results, "COMPARE.md"), "w") as f:
        f.write(text)
    return text


def main(argv):
    comparing = len(argv) in (3, 4) and argv[1] == "--compare"
    if not comparing and (len(argv) != 2 or argv[1].startswith("-")):
        print(f"usage: {PROG} RESULTS_DIR | {PROG} --compare DIR [BASE]",
              file=sys.stderr)
        return 64
    try:
        if comparing:
            text = run_compare(*argv[2:])
        else:
            found, plot_note = run_report(argv[1])
    except (raw.DataError, params.ParamError, OSError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    if comparing:
        print(text, end="")
        return 0
    if plot_note:
        print(f"{PROG}: warning: {plot_note}", file=sys.stderr)
    print(key_ratios.ratios_table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
