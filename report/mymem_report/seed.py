"""Report section: the seed's own hardware figures beside this run's."""

from . import experiment
from .measures import WRITE_SLOWER, ratio
from .modes import copy_is_rep_movsb, mode_of
from .raw import BENCH_KERNEL, OPS
from .text import ratio_text, size_text, table


# The seed's own published figures (its Part 5 table, on hardware it does
# not name,
# n=1000): in-kernel average read and write in us, per size.
SEED_KERNEL_US = {1: (0.063, 0.064), 64: (0.065, 0.065),
                  1024: (0.081, 0.115), 65536: (1.735, 1.935),
                  524288: (19.671, 22.392)}
SEED_LARGEST = max(SEED_KERNEL_US)
# The seed's own answer to why the in-kernel API is faster than read()
# (its question 2), cause by cause, in its words: the report's answer
# judges each against the profile (anatomy.kernel_lines()).
SEED_KERNEL_CAUSES = ("more checking of userspace interactions",
                      "the context switch",
                      "direct access to physical memory")
# Growth with size against the 1-byte cost "grows alike" within this
# factor of the seed's: 25%, so that 1.82x against the seed's 1.03x (64 B
# in 6d91fe5's run) is not called alike, as a factor of 2 did.
ALIKE_FACTOR = 1.25


def grows_alike(factor):
    return 1 / ALIKE_FACTOR <= factor <= ALIKE_FACTOR


def section_seed(data):
    """The seed's hardware figures beside ours, each side against its own
    1-byte cost, and where they agree."""
    mode = mode_of(data, BENCH_KERNEL)
    out = ["## Beside the seed's hardware figures", "",
           "The seed's own published figures (its Part 5 table: "
           "hardware it does not name, n=1000, average per call) next to this run's "
           "in-kernel averages (mymem_test, one timed batch per size), "
           f"measured in {mode} mode"
           + (" (instructions, not microseconds)" if mode == "icount" else "")
           + ". Each side is divided by its own 1-byte read (or write): "
           "the seed's microseconds and this run's figures are not one unit, "
           "their growth with size is comparable."]
    rows, growth = [], []
    base = [data.batched.get(("kernel", "api", op, experiment.SMALL)) for op in OPS]
    seed_base = SEED_KERNEL_US[experiment.SMALL]
    for size, seed in sorted(SEED_KERNEL_US.items()):
        ours = [data.batched.get(("kernel", "api", op, size)) for op in OPS]
        cells = [size_text(size)]
        for op, (seed_us, row) in enumerate(zip(seed, ours)):
            mine = ratio(row["mean_ns"], base[op]["mean_ns"]) \
                if row and base[op] else None
            cells += [f"{seed_us:.3f}", f"{seed_us / seed_base[op]:.2f}x",
                      ratio_text(mine)]
        rows.append(cells)
        if ours[0] and base[0] and base[0]["mean_ns"] > 0:
            growth.append((size, seed[0] / seed_base[0],
                           ours[0]["mean_ns"] / base[0]["mean_ns"],
                           seed[1] / seed[0],
                           ratio(ours[1]["mean_ns"], ours[0]["mean_ns"])
                           if ours[1] else None))
    out += ["", table(("size", "seed read us", "seed read / its 1 B",
                       "ours read / our 1 B", "seed write us",
                       "seed write / its 1 B", "ours write / our 1 B"),
                      rows)]
    if not growth:
        return out + ["", "No in-kernel benchmark to compare."]
    alike = [s for s, seed, ours, _, _ in growth[1:]
             if grows_alike(ours / seed)]
    apart = [(s, seed, ours) for s, seed, ours, _, _ in growth[1:]
             if not grows_alike(ours / seed)]
    lines = []
    if alike:
        lines.append("- Cost against the 1-byte cost grows alike at "
                     + ", ".join(size_text(s) for s in alike) + ".")
    if apart:
        lines.append("- Emulation changes it at " + ", ".join(
            f"{size_text(s)} (hardware {seed:.1f}x the 1-byte read, here "
            f"{ours:.1f}x)" for s, seed, ours in apart) + "."
            + (" Under -icount a rep movsb counts one instruction per "
               "byte, while the seed's machine read its largest size, "
               f"{size_text(SEED_LARGEST)}, in "
               f"{SEED_KERNEL_US[SEED_LARGEST][0]} us in the kernel "
               f"({SEED_LARGEST / SEED_KERNEL_US[SEED_LARGEST][0] / 1000:.1f}"
               " GB/s): copying costs far more "
               "against the fixed cost here."
               if mode_of(data, BENCH_KERNEL) == "icount" and
               copy_is_rep_movsb(data) else ""))
    write_slower = [(s, seed_wr, ours_wr) for s, _, _, seed_wr, ours_wr
                    in growth if ours_wr is not None]
    agree = [s for s, a, b in write_slower
             if (a > WRITE_SLOWER) == (b > WRITE_SLOWER)]
    differ = [(s, a, b) for s, a, b in write_slower
              if (a > WRITE_SLOWER) != (b > WRITE_SLOWER)]
    if agree:
        lines.append("- Whether a write costs more than a read (by over "
                     f"{WRITE_SLOWER - 1:.0%}) "
                     "agrees at " + ", ".join(size_text(s) for s in agree)
                     + ".")
    if differ:
        lines.append("- Whether a write costs more than a read differs "
                     "at " + ", ".join(
            f"{size_text(s)} (hardware write/read {a:.2f}x, here {b:.2f}x)"
            for s, a, b in differ) + ".")
    return out + [""] + lines

