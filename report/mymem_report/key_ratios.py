"""Report section: the key ratios against their goals."""

from .measures import spread_pct
from .modes import VARIES_BETWEEN_BOOTS
from .text import table


def goal_text(check):
    return f"{'>=' if check.at_least else '<='} {check.shown(check.goal)}"


def runs_text(values, mode=None):
    """The spread of a ratio over its runs: min-max (N runs), of one boot
    where the mode varies between boots."""
    if not values:
        return "n/a"
    if len(values) == 1:
        return "1 run"
    boot = " of one boot" if mode in VARIES_BETWEEN_BOOTS else ""
    return (f"{min(values):.2f}-{max(values):.2f}x "
            f"({len(values)} runs{boot}, {spread_pct(values):.1f}%)")


def ratios_table(found):
    return table(("target", "measured", "over runs", "mode", "goal",
                  "result"),
                 [(c.label, c.shown(c.value), runs_text(c.runs, c.mode), c.mode,
                   goal_text(c), c.status) for c in found])


def section_ratios(found):
    out = ["## Key ratios", "",
           "Costs are medians per operation (instructions in icount mode, "
           "times in the others), the scaling figure an "
           "aggregate over wall time (of the run with the median ratio, "
           "where there are several), race rates means over runs. "
           "\"over runs\" is the ratio's min-max over the runs it has, "
           "paired run by run, and (max - min) / min; \"mode\" the "
           "measurement mode of its figures (see Environment).",
           "", ratios_table(found)]
    if any(c.status == "indicative" for c in found):
        out += ["", "\"indicative\": a figure of a mode that follows the "
                "host's load (" + ", ".join(VARIES_BETWEEN_BOOTS) + ") is "
                "not judged met or missed, because its runs are all of one "
                "boot and the spread within a boot understates the spread "
                "between boots about tenfold (race: mmap / ioctl read "
                "14.98-15.25x over the three runs of one boot, 28.92x in "
                "the boot before)."]
    reasons = [c for c in found if c.explained()]
    if reasons:
        out += ["", "Where a figure is missed, n/a, or indicative on the "
                "wrong side of its goal:", ""]
        out += [f"- **{c.label}** ({c.status}): {c.why}" for c in reasons]
    else:
        out += ["", "Every target is met."]
    return out

