"""Report section: the environment of the host and of each guest."""

from params import PREFIX
from .modes import MODES, mode_of, tcg
from .text import table


ENV_ORDER = ("kernel", "arch", "cpu_model", "nproc", "accel", "qemu",
             "clocksource", "copy_flags", "date", "commit", "params", "quick")


def env_table(env):
    keys = [k for k in ENV_ORDER if k in env] + \
        sorted(k for k in env if k not in ENV_ORDER and
               not k.startswith(PREFIX))
    return table(("key", "value"), [(k, env[k]) for k in keys])


def params_table(env):
    """The run's parameters, as it recorded them (report/params.py)."""
    return table(("parameter", "value"),
                 [(k[len(PREFIX):], env[k].replace(",", ", "))
                  for k in env if k.startswith(PREFIX)])


def section_env(data):
    env = data.env
    out = ["## Environment", ""]
    out += [env_table(env) if env else "The environment was not recorded."]
    if any(k.startswith(PREFIX) for k in env):
        out += ["", "The parameters of the run (experiments/params.sh, as "
                "the run recorded them; the report's sizes are "
                "these):", "", params_table(env)]
    for mode, guest in data.envs.items():
        what = MODES.get(mode, ("an unknown mode",))[0]
        out += ["", f"### The guest in {mode} mode", "", f"{what}.", "",
                env_table(guest)]
    files = sorted({f: mode_of(data, f) for f in data.modes}.items())
    if files:
        out += ["", "Mode of each raw file: " + ", ".join(
            f"`{f}` {m}" for f, m in files) + "."]
    if tcg(data):
        accel = env.get("accel", "unknown")
        out += ["", f"> **Warning:** accel is {accel}. Under TCG the guest "
                "CPU is emulated, so absolute times are emulated times, "
                "not those of hardware. This report therefore leads with "
                "ratios of two things measured side by side in the same "
                "run."]
    if "icount" in data.modes.values():
        out += ["", "> Figures of icount mode count instructions, 1 ns "
                "each: they do not follow the host's load, and they are not "
                "speeds. Kernel paths against kernel paths that copy the "
                "same way compare; a copy routine against another does not "
                "(rep movsb counts one instruction per byte, a vector loop "
                "several bytes an instruction, as the benchmark section's "
                "figure for user space's memcpy shows, and neither counts "
                "cache misses)."]
    if env.get("quick") == "1":
        out += ["", "> This was a QUICK run with reduced parameters."]
    if data.notes:
        out += ["", "Missing data:", ""] + [f"- {n}" for n in data.notes]
    return out

