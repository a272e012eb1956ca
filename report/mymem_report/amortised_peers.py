"""The amortised paths on mymem's peers: readv and io_uring reading
/dev/zero and writing /dev/null, beside the same paths on mymem, so that
what a path costs stands apart from what mymem adds to it: rows of the
amortised table, and goals of the key-ratio table."""

from . import anatomy, experiment
from .measures import amortised_cost, median, ratio
from .modes import mode_of
from .raw import BENCH_AMORTISED, BENCH_USER, OPS
from .text import num, ratio_text, size_text
from .units import unit

# Each path measured on the peers: mymem's target, its label, and the
# peer's target for each op (mymem-bench's readv_zero, ...).
PEER_PATHS = (
    ("readv", "readv/writev", {"read": "readv_zero", "write": "readv_null"}),
    ("uring", "io_uring", {"read": "uring_zero", "write": "uring_null"}),
)
PEER_FILES = {"read": "/dev/zero", "write": "/dev/null"}
# The profile's paths (profile/paths.c) of each peer goal: mymem's and
# the peer's.  io_uring writes are not profiled (64 more requests of
# single-steps would take make profile past its 3 minutes): named here
# only to say so.
PROFILED = {("readv", "read"): ("readv_mymem", "readv_zero"),
            ("readv", "write"): ("writev_mymem", "writev_null"),
            ("uring", "read"): ("uring_mymem", "uring_zero"),
            ("uring", "write"): ("uring_write_mymem", "uring_write_null")}
# mymem over its peer, per transfer, at experiment.GOAL_CALLS a call: at
# most this.
PEER_GOAL = 1.10


def peer_cell(data, target, op, size, k):
    """The peer's cost per transfer, in its unit, and mymem's over it."""
    peer = amortised_cost(data, PEER_TARGETS[target][op], op, size, k)
    if peer is None:
        return "-"
    mine = ratio(amortised_cost(data, target, op, size, k), peer)
    return (f"{num(peer)} {unit(data, BENCH_AMORTISED)}" +
            (f" (mymem {ratio_text(mine)})" if mine else ""))


PEER_TARGETS = {target: peers for target, _, peers in PEER_PATHS}


def peer_rows(data, cols):
    """The amortised table's rows of the peers, each path and count."""
    rows = []
    for target, label, peers in PEER_PATHS:
        ks = sorted({k for t, _, _, k in data.amortised
                     if t in peers.values()})
        rows += [[f"{label} on /dev/zero, /dev/null", str(k)] +
                 [peer_cell(data, target, op, size, k) for size, op in cols]
                 for k in ks]
    return rows


def peer_text(data):
    """What the peer rows are, for the amortised section; none without."""
    if not any(t in PEER_TARGETS[p].values() for p in PEER_TARGETS
               for t, _, _, _ in data.amortised):
        return []
    return ["", "The rows on /dev/zero, /dev/null are the same paths "
            "reading /dev/zero and writing /dev/null, in "
            f"{unit(data, BENCH_AMORTISED)} per transfer (median), and in parentheses "
            "mymem's figure over the peer's: what the path costs by itself, "
            "and what mymem adds to it."]


def peer_ratio(target, op, size, k):
    """mymem's cost per transfer over its peer's, on one path."""
    def measure(data):
        return ratio(amortised_cost(data, target, op, size, k),
                     amortised_cost(data, PEER_TARGETS[target][op], op,
                                    size, k))
    return measure


def peer_label(target, op):
    """A peer goal's label (units.goal_label() puts it in its mode's
    unit)."""
    label = dict((t, name) for t, name, _ in PEER_PATHS)[target]
    what = ("readv" if op == "read" else "writev") \
        if target == "readv" else f"{label} {op}s"
    return (f"{what} of {experiment.GOAL_CALLS} x "
            f"{size_text(experiment.SMALL)}: mymem / {PEER_FILES[op]} "
            "(time per transfer)")


def signed(value):
    return ("+" if value >= 0 else "-") + num(abs(value))


def why_peer(target, op):
    """A peer goal's miss: the two figures per transfer, against what
    mymem adds to one call of read() or write(), and the stages and
    functions of the profile that differ per transfer."""
    def why(data, check):
        from .checks import noise_clause  # checks imports this module
        k, size, what = experiment.GOAL_CALLS, experiment.SMALL, unit(data, BENCH_AMORTISED)
        mine = amortised_cost(data, target, op, size, k)
        peer = amortised_cost(data, PEER_TARGETS[target][op], op, size, k)
        text = (f"At {k} transfers of {size_text(size)} a call, mymem's "
                f"{op}s cost {num(mine)} {what} a transfer and "
                f"{PEER_FILES[op]}'s {num(peer)} ({signed(mine - peer)}).")
        one = median(data, "user", "mymem", op, size)
        one_peer = median(data, "user", PEER_FILES[op][5:], op, size)
        if (one is not None and one_peer is not None and
                mode_of(data, BENCH_USER) == mode_of(data, BENCH_AMORTISED)):
            text += (f" One {op}() call of {size_text(size)} costs mymem "
                     f"{signed(one - one_peer)} over {PEER_FILES[op]}")
            text += (f"; a transfer on this path {signed(mine - peer)}, "
                     f"{ratio_text(ratio(mine - peer, one - one_peer))} as "
                     "much." if one > one_peer else
                     ": what mymem adds is the path's, not one call's.")
        text += " " + anatomy.explain(data, *PROFILED[target, op])
        return text + noise_clause(check)
    return why


PEER_GOALS = [(target, op) for target, _, _ in PEER_PATHS for op in OPS]
