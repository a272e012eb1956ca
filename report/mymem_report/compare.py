"""report.py --compare DIR: the builds of one `make compare` boot
(experiments/compare.sh, guest/compare.sh).

DIR/raw/ holds raw.BUILDS (NAME REV COMMIT a line, the baseline first),
raw.ENV (the guest's, with params=rounds=R trials=N, and the host's
accel, date, commit) and raw.COMPARE_ROUND for every build and round
1..R, in the bench format.  In one boot the means of all targets drift
together from round to round, so each round is reduced to ratios
against the peers measured in that round, and builds are compared by
those.
"""

import math
import os
import statistics
from dataclasses import dataclass, field

from . import experiment
from .measures import ratio
from .modes import MODES
from .raw import (
    BUILDS, COMPARE_ROUND, ENV, OPS, DataError, read_csv, read_env)
from .text import num, size_text, table


# (label, op, size, peer) of each ratio: mymem's mean over the peer's,
# at the sizes the compare run recorded (experiment.use_compare()).
def compare_ratios():
    return tuple((f"{size_text(size)} {op} / {peer}", op, size, peer)
                 for op, size, peer in (
                     ("read", experiment.SMALL, "zero"),
                     ("write", experiment.SMALL, "null"),
                     ("read", experiment.LARGE, "tmpfs"),
                     ("read", experiment.LARGE, "brd"),
                     ("write", experiment.LARGE, "tmpfs"),
                     ("write", experiment.LARGE, "brd")))


@dataclass
class Build:
    name: str
    rev: str
    commit: str
    rounds: list = field(default_factory=list)  # per round: key -> row


def load_compare(results):
    """The builds of DIR/raw, in order, and the run's env."""
    raw = os.path.join(results, "raw")
    listing = os.path.join(raw, BUILDS)
    if not os.path.exists(listing):
        raise DataError(f"{listing}: missing")
    env_path = os.path.join(raw, ENV)
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
            path = os.path.join(raw, COMPARE_ROUND.format(
                name=b.name, round=n))
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
    # Two significant digits at least: a LARGE ratio moves in the
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
           f"(`mymem-bench -n {params.get('trials', '?')}` at "
           f"{size_text(experiment.SMALL)}, `-n {params.get('large_trials', '?')}` at "
           f"{size_text(experiment.LARGE)}). "
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
                [v for v in (mean_ns(run, "mymem", op, experiment.SMALL)
                             for run in b.rounds) if v is not None], 1))
        cells += [range_text(round_ratios(b, op, size, peer), 3)
                  for _, op, size, peer in compare_ratios()]
        rows.append(cells)
    out.append(table(("build", "commit")
                     + tuple(f"{size_text(experiment.SMALL)} {op} ns" for op in OPS)
                     + tuple(label for label, _, _, _ in compare_ratios()),
                     rows))
    if len(builds) > 1:
        out += ["", f"Against {base.rev}: the difference of the medians, "
                "and in ns (= instructions under -icount) of the peer's "
                "mean; where the rounds' ranges of the two builds overlap "
                "no difference is claimed.", "",
                table(("build",) + tuple(label for label, _, _, _
                                         in compare_ratios()),
                      [[b.rev] + [difference(base, b, op, size, peer)
                                  for _, op, size, peer in compare_ratios()]
                       for b in builds if b is not base])]
    return "\n".join(out) + "\n"

