"""Formatting: durations, ratios, sizes, numbers, tables."""

import statistics


def ns(value):
    """A duration in the unit that keeps it readable."""
    if value is None:
        return "n/a"
    # Up to 10 us in ns: the per-call costs compared in the text.
    for unit, scale, least in (("s", 1e9, 1e9), ("ms", 1e6, 1e6),
                               ("us", 1e3, 1e4)):
        if abs(value) >= least:
            scaled = value / scale
            digits = f"{scaled:,.0f}" if abs(scaled) >= 100 \
                else f"{scaled:.3g}"
            return f"{digits} {unit}"
    return f"{value:,.0f} ns"


def ratio_text(value):
    return "n/a" if value is None else f"{value:.2f}x"


def size_text(size):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def num(value, digits=0):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def spread(rows, key, digits=0):
    """mean (min-max) of one field over runs."""
    values = [r[key] for r in rows]
    text = num(statistics.fmean(values), digits)
    if len(values) > 1 and min(values) != max(values):
        text += f" ({num(min(values), digits)}-{num(max(values), digits)})"
    return text


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
