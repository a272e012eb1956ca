"""Report section: the self-test's KTAP summary."""

def section_selftest(data):
    if not data.selftest:
        return []
    lines = [ln.strip() for ln in data.selftest.splitlines()]
    ok = [ln for ln in lines if ln.startswith("ok ")]
    skipped = sum("# SKIP" in ln for ln in ok)
    bad = [ln for ln in lines if ln.startswith("not ok ")]
    out = ["## Self-test", "",
           f"mymem_test run=selftest, KTAP results at all levels: "
           f"{len(ok)} ok ({skipped} of them skipped), {len(bad)} not ok."]
    return out + [""] + [f"- `{ln}`" for ln in bad] if bad else out

