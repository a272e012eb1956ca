"""The raw results of one run (RESULTS_DIR/raw/): its files, how they
are read, and the merged CSVs written from them."""

import csv
import os
from dataclasses import dataclass, field

import formats

from .measures import scaling


# The formats themselves: include/mymem_results.h, through formats.py.
BENCH_HEADER = formats.header("bench")
RACE_HEADER = formats.header("race")

# The files of RESULTS_DIR/raw/, as guest/measure.sh and
# experiments/measure.sh write them (docs/report.md, "Inputs"): every
# module names a raw file by these.
BENCH_USER = "bench-user.csv"        # mymem-bench --csv: required; may
#                                      hold the scale rows (target scale)
SCALE_USER = "scale-user.csv"        # mymem-bench -t scale: wins over those
SCALE_CONTROL = "scale-control.csv"  # the two readers on a plain file
BENCH_KERNEL = "bench-kernel.csv"    # mymem_test bench
BENCH_AMORTISED = "bench-amortised.csv"  # mymem-bench -t readv,uring,...
AMORTISED_NOTES = "bench-amortised.txt"  # its stderr: why a path is not
RACE_USER = "race-user.csv"          # mymem-race -m all
RACE_SWEEP = "race-sweep.csv"        # mymem-race --sweep
RACE_KERNEL = "race-kernel.csv"      # mymem_test race
ENV = "env.txt"                      # the host's key=value lines
GUEST_ENV = "env-{mode}.txt"         # the guest's, of each mode
MODES_FILE = "modes.txt"             # FILE=MODE lines
MODINFO = "modinfo.txt"              # modinfo, --dump-modversions
SYMVERS = "symvers.txt"              # the build's Module.symvers
MODORDER = "modorder.txt"            # the module-order transcript
SELFTEST = "selftest.txt"            # KTAP of mymem_test run=selftest
PROFILE = "profile.csv"              # profile/attribute.py: the profile
VULNERABILITIES = "vulnerabilities.txt"  # the profiled guest's, NAME=TEXT
# Runs 2, 3, ... of these files are NAME-N.csv (run_file()).
RUN_FILES = (BENCH_USER, BENCH_KERNEL, SCALE_USER, SCALE_CONTROL,
             BENCH_AMORTISED)
# make compare's raw/: the builds, and a bench CSV per build and round.
BUILDS = "builds.txt"                # NAME REV COMMIT a line
COMPARE_ROUND = "bench-{name}-{round}.csv"
# What the report writes beside raw/: every row, merged.
MERGED_BENCH = "bench.csv"
MERGED_RACE = "race.csv"

SIDES = ("user", "kernel")
OPS = ("read", "write")


class DataError(Exception):
    """Input that cannot be used; the message is the one-line error."""


def run_file(name, n):
    """The file of run n (2, 3, ...) of a file of RUN_FILES."""
    stem, ext = os.path.splitext(name)
    return f"{stem}-{n}{ext}"


def read_csv(path, fmt):
    """Rows of a results CSV of fmt ("bench", "race") as dicts."""
    try:
        return formats.read_csv(path, fmt)
    except formats.FormatError as e:
        raise DataError(str(e)) from None


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.strip().partition("=")
            if sep:
                env[key] = value
    return env


def read_text(path):
    with open(path, errors="replace") as f:
        return f.read()


def split_scale(rows):
    """Per-size rows and scale rows of one mymem-bench CSV."""
    return ([r for r in rows if r["target"] != "scale"],
            [r for r in rows if r["target"] == "scale"])


@dataclass
class Data:
    bench: dict = field(default_factory=dict)  # (side,target,op,size)->row
    # the same key -> its row of the largest batch, where it has several
    # (the in-kernel bench times each call alone and as one batch)
    batched: dict = field(default_factory=dict)
    bench_rows: list = field(default_factory=list)
    scale: dict = field(default_factory=dict)  # threads -> row
    scale_rows: list = field(default_factory=list)
    control: dict = field(default_factory=dict)  # threads -> row
    race: list = field(default_factory=list)
    sweep: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    envs: dict = field(default_factory=dict)   # mode -> the guest's env
    modes: dict = field(default_factory=dict)  # file name -> mode
    # (target, op, size, per_call) -> row of BENCH_AMORTISED
    amortised: dict = field(default_factory=dict)
    amortised_rows: list = field(default_factory=list)
    amortised_notes: str = ""   # mymem-bench's stderr: why a path is not
    runs: list = field(default_factory=list)   # one Data per run, 1..N
    scale_run: tuple = ()   # (run, of runs) whose scaling is shown
    modorder: str = ""
    selftest: str = ""
    modinfo: str = ""
    symvers: str = ""
    profile: list = field(default_factory=list)   # rows of PROFILE
    vulnerabilities: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def load(results):
    raw = os.path.join(results, "raw")
    if not os.path.isdir(raw):
        raise DataError(f"{raw}: no such directory")
    data = Data()

    def path_of(name, note=None):
        path = os.path.join(raw, name)
        if os.path.exists(path):
            return path
        if note is None:
            raise DataError(f"{path}: missing")
        data.notes.append(f"`{name}` is missing: {note}")
        return None

    user, scale = split_scale(read_csv(path_of(BENCH_USER),
                                       "bench"))
    scale_path = path_of(SCALE_USER, "the scale rows come from "
                         f"{BENCH_USER}" if scale else
                         "no read-scaling figures")
    if scale_path:
        scale = read_csv(scale_path, "bench")
    control_path = path_of(SCALE_CONTROL, "no control for the "
                           "read-scaling figure")
    control = (read_csv(control_path, "bench")
               if control_path else [])
    kernel_path = path_of(BENCH_KERNEL, "no in-kernel benchmark")
    kernel = (read_csv(kernel_path, "bench")
              if kernel_path else [])
    set_bench(data, user, kernel, scale, control)
    amortised = path_of(BENCH_AMORTISED, "no amortised paths (readv, "
                        "io_uring)")
    if amortised:
        data.amortised_rows = read_csv(amortised, "bench")
        set_amortised(data, data.amortised_rows)
    notes = os.path.join(raw, AMORTISED_NOTES)
    if os.path.exists(notes):
        data.amortised_notes = read_text(notes)

    race_user = path_of(RACE_USER, "no race (make bench runs the "
                        "benchmarks alone)")
    data.race = (read_csv(race_user, "race")
                 if race_user else [])
    race_kernel = path_of(RACE_KERNEL, "no in-kernel race")
    if race_kernel:
        data.race += read_csv(race_kernel, "race")
    sweep = path_of(RACE_SWEEP, "no sweep over W")
    if sweep:
        data.sweep = read_csv(sweep, "race")

    env = path_of(ENV, "the environment is unknown")
    data.env = read_env(env) if env else {}
    prefix, suffix = GUEST_ENV.split("{mode}")
    for name in sorted(os.listdir(raw)):
        if name.startswith(prefix) and name.endswith(suffix):
            data.envs[name[len(prefix):-len(suffix)]] = read_env(
                os.path.join(raw, name))
    modes = os.path.join(raw, MODES_FILE)
    if os.path.exists(modes):
        data.modes = read_env(modes)
    data.runs = load_runs(raw, data)
    median_scale_run(data)
    for name, attr in ((MODINFO, "modinfo"), (SYMVERS, "symvers")):
        if os.path.exists(os.path.join(raw, name)):
            setattr(data, attr, read_text(os.path.join(raw, name)))
    modorder = path_of(MODORDER, "no module-order transcript")
    data.modorder = read_text(modorder) if modorder else ""
    selftest = path_of(SELFTEST, "no self-test log")
    data.selftest = read_text(selftest) if selftest else ""
    profile = path_of(PROFILE, "no profile: no anatomy of a call, and no "
                      "explanation names the stages or functions that differ")
    data.profile = read_csv(profile, "profile") if profile else []
    data.runs[0].profile = data.profile   # the profile is of run 1
    vulns = os.path.join(raw, VULNERABILITIES)
    if profile and os.path.exists(vulns):
        data.vulnerabilities = read_env(vulns)
    if not any(r["target"] == "brd" for r in user):
        data.notes.append(f"{BENCH_USER} has no brd rows (no RAM disk in "
                          "the guest): the brd comparisons are n/a")
    return data


def set_bench(data, user, kernel, scale, control):
    data.bench_rows = user + kernel
    for r in sorted(data.bench_rows, key=lambda r: r["batch"]):
        key = (r["side"], r["target"], r["op"], r["size"])
        if key in data.bench:
            data.batched[key] = r
        else:
            data.bench[key] = r
    data.scale_rows = scale
    data.scale = {r["threads"]: r for r in scale}
    data.control = {r["threads"]: r for r in control}


def set_amortised(data, rows):
    data.amortised = {(r["target"], r["op"], r["size"], r["per_call"]): r
                      for r in rows}


def load_runs(raw, data):
    """One Data per run: run 1 is the main data, run N its NAME-N.csv
    files and the race rows of run N."""
    numbers = {r["run"] for r in data.race}
    for name in os.listdir(raw):
        stem, _, number = name[:-4].rpartition("-")
        if name.endswith(".csv") and number.isdigit() and \
                stem + ".csv" in RUN_FILES:
            numbers.add(int(number))
    runs = []
    for n in sorted(numbers | {1}):
        run = Data(race=[r for r in data.race if r["run"] == n],
                   env=data.env, modes=data.modes)
        if n == 1:
            set_bench(run, [r for r in data.bench_rows if r["side"] == "user"],
                      [r for r in data.bench_rows if r["side"] == "kernel"],
                      data.scale_rows, list(data.control.values()))
            set_amortised(run, data.amortised_rows)
        else:
            def rows(name):
                path = os.path.join(raw, run_file(name, n))
                return (read_csv(path, "bench")
                        if os.path.exists(path) else [])
            user, scale = split_scale(rows(BENCH_USER))
            set_bench(run, user, rows(BENCH_KERNEL),
                      rows(SCALE_USER) or scale, rows(SCALE_CONTROL))
            set_amortised(run, rows(BENCH_AMORTISED))
        runs.append(run)
    return runs


def median_scale_run(data):
    """Show the run of median read scaling: one descheduled reader can
    move a wall-clock run's ratio by integer factors (24x was seen)."""
    scaled = sorted((scaling(r.scale), n) for n, r in
                    enumerate(data.runs, start=1) if scaling(r.scale))
    if len(scaled) < 2:
        return
    n = scaled[len(scaled) // 2][1]
    run = data.runs[n - 1]
    data.scale_rows, data.scale, data.control = \
        run.scale_rows, run.scale, run.control
    data.scale_run = (n, len(scaled))


def write_csv(path, header, rows):
    names = header.split(",")
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(names)
        out.writerows([row[n] for n in names] for row in rows)


def write_merged(results, data):
    write_csv(os.path.join(results, MERGED_BENCH), BENCH_HEADER,
              data.bench_rows + data.amortised_rows + data.scale_rows)
    write_csv(os.path.join(results, MERGED_RACE), RACE_HEADER,
              data.race + data.sweep)

