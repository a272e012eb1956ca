"""The experiments' parameters that the report reads: sizes and batch
counts.  Every other module takes them from here (as experiment.NAME,
read when used), and names a size by text.size_text() of its number.

The sizes are the run's own, as it recorded them (report/params.py reads
raw/env*.txt): use_run() or use_compare() sets them before any section
is written, so that a size list changed in experiments/params.sh changes
the run and the report together.  The two choices of the report itself,
SLOPE_FROM and GOAL_CALLS, must be among what was measured."""

from params import ParamError

SMALL = None           # the size of the per-call ratios: the least size
LARGE = None           # the size of the bandwidth ratios: the largest
AMORTISED_SIZES = ()   # the sizes of the amortised paths' rows
SCALE_SIZE = None      # read scaling's pread size (mymem-bench --scale-size)
SLOPE_FROM = 65536     # per-byte cost: slope from here to LARGE
GOAL_CALLS = 64        # the transfers per call of the amortisation goals


def use_run(params):
    """Sets the sizes from a run's parameters (params.load(raw, RUN))."""
    global SMALL, LARGE, AMORTISED_SIZES, SCALE_SIZE
    sizes = params["bench_sizes"]
    SMALL, LARGE = min(sizes), max(sizes)
    AMORTISED_SIZES = tuple(params["amortised_sizes"])
    SCALE_SIZE = params["scale_size"]
    if SLOPE_FROM not in sizes or SLOPE_FROM >= LARGE:
        raise ParamError(f"param_bench_sizes: the report's slope needs "
                         f"{SLOPE_FROM} and a larger size")
    if GOAL_CALLS not in params["amortised_per_call"]:
        raise ParamError(f"param_amortised_per_call: the report's goals "
                         f"need {GOAL_CALLS}")


def use_compare(params):
    """Sets the sizes from a compare run's (params.load(raw, COMPARE))."""
    global SMALL, LARGE
    SMALL, LARGE = params["compare_small"], params["compare_large"]
