"""Numbers only: medians, ratios, rates, fits, break-even."""

import statistics

from . import experiment


def median(data, side, target, op, size):
    row = data.bench.get((side, target, op, size))
    return row["median_ns"] if row else None


def mb_s(size, ns):
    """MB/s (10^6 bytes) of moving size bytes in ns; None for no time
    (a median can be 0 when the clock's cost was subtracted)."""
    return size / ns * 1e3 if ns and ns > 0 else None


def ratio(a, b):
    return a / b if a is not None and b and b > 0 else None


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


def scaling(scale):
    return ratio(scale[2]["mb_s"], scale[1]["mb_s"]) \
        if 1 in scale and 2 in scale else None


def spread_pct(values):
    """(max - min) / min, in percent."""
    return (max(values) - min(values)) / min(values) * 100


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
    return ratio(median(data, "user", "mymem", "read", experiment.SMALL),
                 median(data, "kernel", "api", "read", experiment.SMALL))


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
        return ratio(median(data, "user", "mymem", "read", experiment.SMALL),
                     amortised_cost(data, target, "read", experiment.SMALL, k))
    return measure


def fit(data, side, target, op):
    """(fixed ns, per-byte ns) of one series, or None if rows are missing."""
    points = [median(data, side, target, op, s)
              for s in (experiment.SMALL, experiment.SLOPE_FROM, experiment.LARGE)]
    if None in points:
        return None
    return points[0], (points[2] - points[1]) / (experiment.LARGE - experiment.SLOPE_FROM)


def mmap_gap(data, op, size):
    """mmap's median time minus memcpy's, or None."""
    a = median(data, "user", "mmap", op, size)
    b = median(data, "user", "memcpy", op, size)
    return a - b if a is not None and b is not None else None


def per_incr(data, mode):
    rate = incr_rate(data, "user", mode)
    return 1e9 / rate if rate else None


# A write / read time ratio above this: a write costs more than a read.
WRITE_SLOWER = 1.05


def op_ratios(data, side, target):
    """(size, write median / read median) of every size with both."""
    pairs = [(s, ratio(median(data, side, target, "write", s),
                       median(data, side, target, "read", s)))
             for s in sorted({k[3] for k in data.bench
                              if k[:2] == (side, target)})]
    return [(s, r) for s, r in pairs if r is not None]

