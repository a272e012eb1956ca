"""Each figure in its true unit: under -icount (shift=0) guest time
counts instructions, one an emulated nanosecond, so a figure of that
mode is a count of instructions, never a time or a speed; ns, us and
MB/s belong to the wall-clock modes alone."""

from .modes import mode_of
from .text import ns, num


def counted(data, name):
    """Whether the figures of raw file name count instructions."""
    return mode_of(data, name) == "icount"


def instructions(value):
    """A count of instructions, in thousands (k) or millions (M) above
    ten of them, as ns() turns to us."""
    if value is None:
        return "n/a"
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if abs(value) >= 10 * scale:
            scaled = value / scale
            digits = f"{scaled:,.0f}" if abs(scaled) >= 100 \
                else f"{scaled:.3g}"
            return f"{digits}k instructions" if unit == "k" \
                else f"{digits}M instructions"
    return f"{value:,.0f} instructions"


def cost(data, name):
    """The formatter of one figure of raw file name: instructions() for
    icount, ns() for a clock."""
    return instructions if counted(data, name) else ns


def unit(data, name):
    """The unit of name's per-operation figures, for a column header."""
    return "instructions" if counted(data, name) else "ns"


# A goal's label names what its ratio divides; under icount that is
# instructions, not time, and operations per instruction, not per second.
ICOUNT_LABELS = (("(time)", "(instructions)"),
                 ("(time per transfer)", "(instructions per transfer)"),
                 ("(ops/s)", "(ops per instruction)"))


def goal_label(label, mode):
    """A goal's label in its mode's unit."""
    if mode == "icount":
        for clock, counted_as in ICOUNT_LABELS:
            label = label.replace(clock, counted_as)
    return label


def rate_unit(data, name):
    """The unit of size over a figure of name: bytes per instruction
    under icount (a measure of work, not a speed), else MB/s."""
    return "bytes per instruction" if counted(data, name) else "MB/s"


def rate(data, name, size, value, digits=1):
    """size over value in rate_unit(): bytes per instruction, or MB/s."""
    if not value or value <= 0:
        return "n/a"
    per_ns = size / value
    if counted(data, name):
        # Three significant digits: a 1-byte call moves a thousandth.
        return f"{per_ns:.3g}" if per_ns < 100 else num(per_ns)
    return num(per_ns * 1e3, digits)


def divides(data, name):
    """What a ratio of name's figures divides: instructions, or time."""
    return "instructions" if counted(data, name) else "time"
