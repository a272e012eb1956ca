#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The result formats, as include/mymem_results.h defines them.

    report/formats.py FORMAT FILE...

checks that each FILE is a CSV of FORMAT (bench or race): the header,
then rows of the right number of fields, each of its column's type and,
for a text column, one of its values.  Exit status: 0 all well-formed,
1 the first fault (one line on stderr), 64 usage.  report.py reads its
input through read_csv() here.
"""

import csv
import math
import os
import re
import sys

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                      "include", "mymem_results.h")
TYPES = {"int": int, "real": float, "text": str}


class FormatError(Exception):
    """Input not in its format; the message is the one-line error."""


def parse(path=HEADER):
    """{format: [(column, type)]} and {column: set of values}."""
    with open(path) as f:
        text = f.read()
    formats = {}
    for name, body in re.findall(
            r"^#define MYMEM_([A-Z]+)_FORMAT\b((?:.*\\\n)*.*)$", text, re.M):
        spec = "".join(re.findall(r'"([^"]*)"', body))
        formats[name.lower()] = [(c, TYPES[t]) for c, t in
                                 (col.split(":") for col in spec.split(","))]
    values = {}
    for column, value in re.findall(
            r'^#define MYMEM_([A-Z]+)_[A-Z_]+\s+"([^"]*)"', text, re.M):
        values.setdefault(column.lower(), set()).add(value)
    return formats, values


FORMATS, VALUES = parse()


def header(fmt):
    return ",".join(name for name, _ in FORMATS[fmt])


def read_csv(path, fmt):
    """Rows of a CSV of fmt as dicts, every field checked."""
    names = [name for name, _ in FORMATS[fmt]]
    try:
        with open(path, newline="") as f:
            lines = list(csv.reader(f))
    except OSError as e:
        raise FormatError(f"{path}: {e.strerror}") from e
    except csv.Error as e:
        raise FormatError(f"{path}: {e}") from e
    if not lines or lines[0] != names:
        raise FormatError(f"{path}:1: header is not '{header(fmt)}'")
    rows = []
    for lineno, fields in enumerate(lines[1:], start=2):
        if not fields:
            continue
        if len(fields) != len(names):
            raise FormatError(f"{path}:{lineno}: {len(fields)} fields, "
                              f"expected {len(names)}")
        rows.append(convert_row(f"{path}:{lineno}", FORMATS[fmt], fields))
    return rows


def convert_row(where, columns, fields):
    row = {}
    for (name, typ), text in zip(columns, fields):
        try:
            value = typ(text)
        except ValueError:
            raise FormatError(f"{where}: {name} '{text}' is not "
                              f"{'an integer' if typ is int else 'a number'}"
                              ) from None
        if typ is float and not math.isfinite(value):
            raise FormatError(f"{where}: {name} '{text}' is not finite")
        if typ is str and name in VALUES and value not in VALUES[name]:
            raise FormatError(f"{where}: {name} '{text}' is not one of "
                              f"{', '.join(sorted(VALUES[name]))}")
        row[name] = value
    return row


def main(argv):
    if len(argv) < 3 or argv[1] not in FORMATS:
        print(f"usage: formats.py {'|'.join(FORMATS)} FILE...",
              file=sys.stderr)
        return 64
    try:
        for path in argv[2:]:
            read_csv(path, argv[1])
    except FormatError as e:
        print(f"formats.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
