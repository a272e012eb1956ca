"""The measurement modes, each raw file's, and what a mode lets the
report say."""

from .measures import fit
from .raw import BENCH_USER


# What each measurement mode is, and whether its vCPUs run at once.
MODES = {
    "icount": ("QEMU TCG -icount shift=0: guest time counts instructions "
               "(1 ns each), 1 vCPU; reproducible, not a speed", False),
    "tcg": ("QEMU TCG, the host's clock, 2 vCPUs: follows the host's "
            "load", True),
    "kvm": ("KVM, the host's clock: hardware speed", True),
    "host": ("this machine's own kernel and clock", True),
}


# Modes whose figures move between boots far more than between the runs
# of one boot (tcg: mmap / ioctl 14.98-15.25x within one run, 28.92x in
# the run before), and whose runs here are all of one boot: a goal is
# judged "indicative" in them, not met or missed at two decimals.
VARIES_BETWEEN_BOOTS = ("tcg",)


# Under -icount, a slope this close to one instruction per byte is rep
# movsb's.
REP_MOVSB_SLOPE = 0.02


def mode_of(data, name):
    """The measurement mode of one raw file."""
    if name in data.modes:
        return data.modes[name]
    accel = data.env.get("accel", "").split(" ")[0].lower()
    return accel if accel in MODES else "unknown"


def guest_env(data, mode):
    """The guest's environment in a mode (the host's if not recorded apart)."""
    return data.envs.get(mode, data.env)


def tcg(data):
    """Emulated: TCG, with or without -icount (not KVM, not HOST=1)."""
    return data.env.get("accel", "").lower() not in ("kvm", "host")


def copy_is_rep_movsb(data):
    """Whether the guest's kernel copies with rep movsb: on x86 with erms
    both copy_to_user() (copy_user_enhanced_fast_string) and memcpy()
    (memcpy_erms) do, by the alternatives of arch/x86/lib."""
    flags = guest_env(data, mode_of(data, BENCH_USER)).get(
        "copy_flags", "")
    return "erms" in flags.split()


def icount_copy(data):
    """Under -icount, whether mymem's read and the in-kernel read both
    count one instruction per byte from SLOPE_FROM to LARGE: the signature
    of rep movsb, which -icount counts per byte moved."""
    if mode_of(data, BENCH_USER) != "icount":
        return False
    slopes = [fit(data, side, target, "read")
              for side, target in (("user", "mymem"), ("kernel", "api"))]
    return all(f is not None and abs(f[1] - 1) < REP_MOVSB_SLOPE
               for f in slopes)

