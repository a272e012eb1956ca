#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Every producer of results against the one definition of their formats,
# include/mymem_results.h (read by report/formats.py): mymem-bench and
# mymem-race run here, on a plain file standing in for the device (this
# host's kernel is not ours), in CSV and JSON; mymem_test's rows, which
# only the guest can make, come from GUEST_RESULTS, where the VM suite
# (guest/suite.sh) leaves bench-kernel.csv and race-kernel.csv.  The
# report's fixtures must be in the formats too, and so must the profile's
# producer (profile/attribute.py, on its synthetic trace); the checker
# itself must refuse what is not.  Prints TAP.
#
#   report/test-formats.sh BINDIR GUEST_RESULTS
#                          (BINDIR holding mymem-bench and mymem-race)

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
if [ $# -ne 2 ] || [ ! -x "$1/mymem-bench" ] || [ ! -x "$1/mymem-race" ]; then
	usage
fi
GUEST=$2
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. "$here/../tap/tap.sh"
BENCH=$1/mymem-bench
RACE=$1/mymem-race
FORMATS="python3 $here/formats.py"
FIXTURE=$here/fixtures/raw

T=$(mktemp -d) || exit 1
trap 'rm -rf "$T" "$tap_tmp"' EXIT
dd if=/dev/zero of="$T/dev" bs=1024 count=512 2>/dev/null

# produces FORMAT FILE CMD...: CMD's stdout in FILE, which is in FORMAT
produces() {
	fmt=$1 file=$2
	shift 2
	"$@" >"$file" && $FORMATS "$fmt" "$file"
}

# json FORMAT CMD...: CMD's stdout is JSON objects with the format's
# columns as keys, in order
json() {
	fmt=$1
	shift
	"$@" >"$T/out.json" || return 1
	python3 - "$fmt" "$T/out.json" "$here" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[3])
import formats
want = [name for name, _ in formats.FORMATS[sys.argv[1]]]
rows = json.load(open(sys.argv[2]))
sys.exit(not rows or any(list(r) != want for r in rows))
EOF
}

# refused FORMAT SED: a fixture row edited by SED is not in the format
refused() {
	sed "$2" "$FIXTURE/$1-kernel.csv" >"$T/bad.csv" &&
		! $FORMATS "$1" "$T/bad.csv" 2>"$T/err" &&
		grep -q '^formats.py: error: ' "$T/err"
}

# sane FORMAT FILE [COLUMN=V,V...]...: FILE's rows hold together: in
# bench, median <= p99, trials a multiple of batch and batch of per_call,
# one thread but for scale, and mb_s the size over the mean (to the
# rounding of the printed figures); in race, expected the start plus
# workers * iters, lost expected - final, error_pct and incr_per_s their
# ratios.  A COLUMN=V,... says which values that column takes, all of
# them.  Two columns of one type written in each other's place break one
# of these, unless their values are equal (threads and per_call, both 1)
# or the relation is symmetric (mean_ns and mb_s): hence the producers
# write their fields by name too.
sane() {
	python3 - "$here" "$@" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import formats
fmt, path, wants = sys.argv[2], sys.argv[3], sys.argv[4:]
rows = formats.read_csv(path, fmt)
START = 0xDEADBEEF


def near(got, want, abs_tol, rel_tol=0.0):
    return abs(got - want) <= abs_tol + rel_tol * abs(want)


def bench(r):
    mean, size = r["mean_ns"], r["size"]
    ok = (r["median_ns"] <= r["p99_ns"] and r["trials"] % r["batch"] == 0
          and r["batch"] % r["per_call"] == 0
          and (r["threads"] == 1 or r["target"] == "scale"))
    if r["target"] != "scale" and mean > 0.05:
        # the mean printed to 0.1 ns (tools) or exact (mymem_test)
        ok = ok and (size * 1000 / (mean + 0.05) - 0.06 <= r["mb_s"]
                     <= size * 1000 / (mean - 0.05) + 0.06)
    return ok


def race(r):
    total = r["workers"] * r["iters"]
    return (r["expected"] == START + total
            and r["lost"] == r["expected"] - r["final"]
            and near(r["error_pct"], 100 * r["lost"] / total, 0.0001)
            and (r["elapsed_ns"] == 0 or near(
                r["incr_per_s"], total * 1e9 / r["elapsed_ns"], 1, 1e-6)))


check = {"bench": bench, "race": race}[fmt]
bad = [i for i, r in enumerate(rows, start=2) if not check(r)]
for want in wants:
    column, _, values = want.partition("=")
    got = sorted({r[column] for r in rows})
    if got != sorted({int(v) for v in values.split(",")}):
        bad.append(f"{column} {got}")
if bad or not rows:
    print(f"{path}: not sane at {bad or 'no rows'}")
sys.exit(bool(bad) or not rows)
EOF
}

# swapped A,B FILE FORMAT [COLUMN=V,V...]...: FILE with its columns A and
# B swapped is not sane
swapped() {
	cols=$1 file=$2 fmt=$3
	shift 3
	awk -F, -v OFS=, -v a="${cols%,*}" -v b="${cols#*,}" \
		'NR > 1 { t = $a; $a = $b; $b = t } 1' "$file" >"$T/swapped.csv" &&
		! sane "$fmt" "$T/swapped.csv" "$@"
}

tap_begin
tap_check "mymem-bench: every host target, CSV" produces bench "$T/b.csv" \
	"$BENCH" -q --csv -d "$T/dev" -n 4 --tmpfs-dir "$T" --brd "$T/none" \
	-t mymem,mmap,zero,null,tmpfs,brd,memcpy,scale
tap_check "mymem-bench --batch 2, CSV" produces bench "$T/b2.csv" \
	"$BENCH" -q --csv -d "$T/dev" -n 4 -b 2 -s 1,4K -t mymem,zero,null
# The host's kernel may refuse io_uring (seccomp, io_uring_disabled):
# mymem-bench then skips uring and sqpoll with a note, and the readv rows
# are checked alone.
tap_check "mymem-bench: the amortised targets, CSV" produces bench \
	"$T/a.csv" "$BENCH" -q --csv -d "$T/dev" -n 4 -b 2 -s 1,64 -k 1,4 \
	-t readv,uring,sqpoll,readv_zero,readv_null,uring_zero,uring_null
tap_check "mymem-bench, JSON" json bench \
	"$BENCH" -q --json -d "$T/dev" -n 2 -s 1 -t mymem,scale
tap_check "mymem-race: every mode a file can take, CSV" produces race \
	"$T/r.csv" "$RACE" -q --csv -d "$T/dev" -w 2 -n 50 -m all -r 2
tap_check "mymem-race --sweep, CSV" produces race "$T/s.csv" \
	"$RACE" -q --csv -d "$T/dev" -n 10 --sweep -m unlocked
tap_check "mymem-race, JSON" json race \
	"$RACE" -q --json -d "$T/dev" -w 2 -n 10 -m mutex

tap_check "mymem_test run=bench, from the guest" $FORMATS bench \
	"$GUEST/bench-kernel.csv"
tap_check "mymem_test run=race, from the guest" $FORMATS race \
	"$GUEST/race-kernel.csv"
tap_check "mymem-bench's values hold together, at the sizes asked for" \
	sane bench "$T/b.csv" size=1,64,1024,65536,524288
tap_check "mymem-bench --batch's values hold together" \
	sane bench "$T/b2.csv" size=1,4096 trials=4 batch=2
tap_check "mymem-bench's amortised values hold together" \
	sane bench "$T/a.csv" size=1,64 per_call=1,4
tap_check "mymem-race's values hold together, at the workers and iters asked for" \
	sane race "$T/r.csv" workers=2 iters=50 run=1,2
tap_check "mymem-race --sweep's values hold together" \
	sane race "$T/s.csv" workers=1,2,4,8,16,32,50,100 iters=10
# at guest/suite.sh's parameters of mymem_test
tap_check "mymem_test run=bench's values hold together" sane bench \
	"$GUEST/bench-kernel.csv" size=1,4096 trials=10 batch=1,10 per_call=1
tap_check "mymem_test run=race's values hold together" sane race \
	"$GUEST/race-kernel.csv" workers=8 iters=20000 run=1
tap_check "not sane: size and trials swapped" \
	swapped 4,6 "$T/b2.csv" bench size=1,4096 trials=4
tap_check "not sane: mean_ns and median_ns swapped" swapped 7,8 "$T/b.csv" bench
tap_check "not sane: workers and iters swapped" \
	swapped 3,4 "$T/r.csv" race workers=2 iters=50
# The profile: attribute.py on the fixture trace of profile/test-profile.sh.
profile_rows() {
	P=$here/../profile
	cp "$P"/fixtures/trace.json "$P"/fixtures/kallsyms.txt \
		"$P"/fixtures/env.txt "$T/" &&
		gcc -c -o "$T/user.o" "$P/fixtures/user.s" &&
		gcc -c -o "$T/fakemod.ko" "$P/fixtures/fakemod.s" &&
		python3 "$P/attribute.py" --elf "$T/user.o" --ko "$T/fakemod.ko" \
			"$T" >/dev/null && $FORMATS profile "$T/profile.csv"
}
tap_check "profile/attribute.py, on its fixture trace" profile_rows
tap_check "the report's fixtures" sh -c "$FORMATS bench \
	'$FIXTURE'/bench-*.csv '$FIXTURE'/scale-user.csv &&
	$FORMATS race '$FIXTURE'/race-*.csv"
tap_check "refused: a value not defined (race mode none)" \
	refused race '2s/,unlocked,/,none,/'
tap_check "refused: a missing column" refused bench '2s/,[^,]*$//'
tap_check "refused: text in a number column" refused bench '2s/,api,write,1,/,api,write,x,/'
tap_check "refused: another header" refused race '1s/^side,mode/side,modes/'
tap_done
