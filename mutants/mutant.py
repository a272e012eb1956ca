#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reads mutants/list and applies one of its mutants to a copy of the
module source (mutants/mutants.sh; the format is described at the top
of the list).

  mutant.py check LIST REPO          every mutant applies to REPO's sources
  mutant.py table LIST ARCH KERNEL   one line a mutant: name, state (run,
                                     equivalent, or elsewhere: not shown
                                     on ARCH/KERNEL), programs, kills
  mutant.py apply LIST NAME REPO DEST  DEST's copy of every mutated file:
                                     REPO's, with NAME's change (none: the
                                     control); a file is written only if
                                     it changes, so make rebuilds only
                                     what did

An original text that is not in its file exactly once is an error
(exit 1, naming the mutant and its line), never a mutant skipped: the
mutants follow the code.
"""
import os
import sys


class Mutant:
    def __init__(self, name, line):
        self.name = name
        self.line = line
        self.why = ""
        self.file = "kernel/mymem.c"
        self.kills = []
        self.on = []
        self.equivalent = ""
        self.hunks = []  # [original lines, replacement lines]


def die(msg):
    sys.exit("mutants/mutant.py: " + msg)


def parse(path):
    mutants, cur, last = [], None, None
    with open(path) as f:
        for n, text in enumerate(f, 1):
            text = text.rstrip("\n")
            where = "%s:%d" % (path, n)
            if not text.strip() or text.startswith("#"):
                continue
            if text == "@@":
                # Ends a change: the next "-" begins another.
                last = None
                continue
            if text[0] in "-+":
                if cur is None:
                    die(where + ": a change outside a mutant")
                # A "-" after a "+" begins the mutant's next change.
                if text[0] == "-" and last != "-":
                    cur.hunks.append([[], []])
                if not cur.hunks:
                    die(where + ": a replacement before its original")
                cur.hunks[-1][text[0] == "+"].append(text[1:])
                last = text[0]
                continue
            last = None
            key, _, value = text.partition(" ")
            if key == "mutant":
                if not value or any(m.name == value for m in mutants):
                    die(where + ": no name, or a name used twice")
                cur = Mutant(value, where)
                mutants.append(cur)
            elif cur is None:
                die(where + ": %r outside a mutant" % key)
            elif key == "why":
                cur.why = value
            elif key == "file":
                cur.file = value
            elif key == "kills":
                cur.kills += value.split()
            elif key == "on":
                cur.on += value.split()
            elif key == "equivalent":
                cur.equivalent = value
            else:
                die(where + ": unknown field %r" % key)
    for m in mutants:
        if not m.why or not m.hunks:
            die(m.line + ": mutant %s: no why or no change" % m.name)
        if bool(m.kills) == bool(m.equivalent):
            die(m.line + ": mutant %s: needs kills or equivalent, "
                "not both" % m.name)
    return mutants


def mutate(m, text):
    for old, new in m.hunks:
        old, new = "\n".join(old) + "\n", "\n".join(new) + "\n" if new else ""
        count = text.count(old)
        if count != 1:
            die("%s: mutant %s: the original text (from %r) occurs %d times "
                "in %s, not once: update the mutant to the code"
                % (m.line, m.name, old.split("\n")[0], count, m.file))
        text = text.replace(old, new)
    return text


def read(repo, name):
    with open(os.path.join(repo, name)) as f:
        return f.read()


def main(argv):
    if len(argv) < 3:
        print("usage: see mutants/mutant.py", file=sys.stderr)
        return 64
    cmd, mutants = argv[1], parse(argv[2])
    if cmd == "check" and len(argv) == 4:
        for m in mutants:
            mutate(m, read(argv[3], m.file))
    elif cmd == "table" and len(argv) == 5:
        here = {argv[3], argv[4]}
        for m in mutants:
            state = ("equivalent" if m.equivalent else
                     "run" if not m.on or here & set(m.on) else "elsewhere")
            progs = sorted({k.split(":")[0] for k in m.kills})
            print("\t".join([m.name, state, " ".join(progs) or "-",
                             " ".join(m.kills) or "-",
                             " ".join(m.on) or "-"]))
    elif cmd == "apply" and len(argv) == 6:
        name, repo, dest = argv[3:]
        chosen = [m for m in mutants if m.name == name]
        if name != "none" and not chosen:
            die("no mutant %s in %s" % (name, argv[2]))
        for f in sorted({m.file for m in mutants}):
            text = read(repo, f)
            for m in chosen:
                if m.file == f:
                    text = mutate(m, text)
            out = os.path.join(dest, f)
            if not os.path.exists(out) or read(dest, f) != text:
                with open(out, "w") as o:
                    o.write(text)
    else:
        print("usage: see mutants/mutant.py", file=sys.stderr)
        return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
