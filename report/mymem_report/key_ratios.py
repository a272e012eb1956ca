"""Report section: the key ratios against their goals."""

from .measures import spread_pct
from .text import table


def goal_text(check):
    return f"{'>=' if check.at_least else '<='} {check.shown(check.goal)}"


def runs_text(values):
    """The spread of a ratio over its runs: min-max (N runs)."""
    if not values:
        return "n/a"
    if len(values) == 1:
        return "1 run"
    return (f"{min(values):.2f}-{max(values):.2f}x "
            f"({len(values)} runs, {spread_pct(values):.1f}%)")


def ratios_table(found):
    return table(("target", "measured", "over runs", "mode", "goal",
                  "result"),
                 [(c.label, c.shown(c.value), runs_text(c.runs), c.mode,
                   goal_text(c), c.status) for c in found])


def section_ratios(found):
    out = ["## Key ratios", "",
           "Times are medians per operation, the scaling figure an "
           "aggregate over wall time (of the run with the median ratio, "
           "where there are several), race rates means over runs. "
           "\"over runs\" is the ratio's min-max over the runs it has, "
           "paired run by run, and (max - min) / min; \"mode\" the "
           "measurement mode of its figures (see Environment).",
           "", ratios_table(found)]
    reasons = [c for c in found if c.status != "met"]
    if reasons:
        out += ["", "Where a figure is missed or n/a:", ""]
        out += [f"- **{c.label}** ({c.status}): {c.why}" for c in reasons]
    else:
        out += ["", "Every target is met."]
    return out

