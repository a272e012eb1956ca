"""Report section: the race tables."""

from .measures import mean_of
from .text import ns, num, spread, table


# The race modes in the order of the tables, each with the label of its
# bars in the race-rate plot (the user mode next to its kernel twin) and
# its system calls per increment on the user side: a property of each
# mode's code, not a measurement (lseek, read, lseek, write; pread,
# pwrite; one ioctl).
RACE_MODES = (("unlocked", "no lock", 4), ("mutex", "mutex", 4),
              ("pread", "pread", 2), ("fetch_add", "ioctl / atomic", 1),
              ("mmap", "mmap", 0))
SYSCALLS = {mode: calls for mode, _, calls in RACE_MODES}


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

