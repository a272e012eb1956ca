#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The parameters a run was measured with, read back from its raw/.

    report/params.py [--compare] RAW_DIR

experiments/params.sh sets every parameter of the experiments (sizes,
counts per call, trials, runs, threads, iterations) in one place;
experiments/measure.sh and experiments/compare.sh pass them to the
guest and record each in RAW_DIR/env.txt as a line param_NAME=VALUE,
VALUE a number or a comma-separated list of numbers.  load() reads them
back, so that the report states and uses what was run, not what it
assumes.  Run as a program it prints them, NAME=VALUE a line, and exits
1 with one line on stderr on a fault, 64 on a usage error.
"""

import glob
import os
import sys

# The parameters of each kind of run, and which are lists: the names are
# experiments/params.sh's run_params and compare_params (tools/
# test-tools.sh checks that they agree).
RUN = {"bench_sizes": list, "amortised_sizes": list,
       "amortised_per_call": list, "trials": int, "bench_runs": int,
       "runs": int, "scale_size": int, "workers": int, "iters": int,
       "sweep_workers": list, "sweep_iters": int}
COMPARE = {"compare_rounds": int, "compare_small": int,
           "compare_trials": int, "compare_large": int,
           "compare_large_trials": int}

PREFIX = "param_"


class ParamError(Exception):
    """A parameter missing, malformed or recorded twice with two values;
    the message is the one-line error."""


def convert(where, name, kind, text):
    """VALUE as a list of ints or an int, by the parameter's kind."""
    fields = text.split(",")
    if not all(f.isdigit() for f in fields) or (kind is int and
                                                len(fields) != 1):
        want = "a number" if kind is int else "a comma-separated list of numbers"
        raise ParamError(f"{where}: {PREFIX}{name}={text}: not {want}")
    values = [int(f) for f in fields]
    return values if kind is list else values[0]


def load(raw_dir, names=RUN):
    """{NAME: value} of every parameter in names, from raw_dir/env*.txt.

    A list parameter's value is a list of ints, any other an int.  Each
    must be recorded, in any of the env*.txt files (env.txt, the host's,
    or a guest's env-MODE.txt), and where it is recorded more than once
    with the same value; a param_ line of a name not in names is an error
    too (a parameter the report does not know of)."""
    found = {}
    paths = sorted(glob.glob(os.path.join(glob.escape(raw_dir), "env*.txt")))
    for path in paths:
        with open(path) as f:
            for lineno, line in enumerate(f, start=1):
                key, eq, text = line.rstrip("\n").partition("=")
                if not key.startswith(PREFIX) or not eq:
                    continue
                where = f"{path}:{lineno}"
                name = key[len(PREFIX):]
                if name not in names:
                    raise ParamError(f"{where}: {key}: not a parameter of "
                                     f"this run ({', '.join(names)})")
                value = convert(where, name, names[name], text)
                if name in found and found[name][0] != value:
                    raise ParamError(f"{where}: {key}={text}, but "
                                     f"{found[name][1]} recorded another")
                found.setdefault(name, (value, where))
    missing = [name for name in names if name not in found]
    if missing:
        raise ParamError(f"{os.path.join(raw_dir, 'env*.txt')}: no "
                         + ", ".join(PREFIX + n for n in missing))
    return {name: found[name][0] for name in names}


def main(argv):
    args = argv[1:]
    names = RUN
    if args[:1] == ["--compare"]:
        names, args = COMPARE, args[1:]
    if len(args) != 1:
        print("usage: report/params.py [--compare] RAW_DIR", file=sys.stderr)
        return 64
    try:
        params = load(args[0], names)
    except (ParamError, OSError) as e:
        print(f"params.py: error: {e}", file=sys.stderr)
        return 1
    for name, value in params.items():
        text = ",".join(map(str, value)) if isinstance(value, list) else value
        print(f"{name}={text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
