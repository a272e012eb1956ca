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
# Usage: report/test-formats.sh BINDIR GUEST_RESULTS

if [ $# -ne 2 ] || [ ! -x "$1/mymem-bench" ] || [ ! -x "$1/mymem-race" ]; then
	echo "usage: $0 BINDIR (holding mymem-bench and mymem-race) GUEST_RESULTS" >&2
	exit 2
fi
GUEST=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/tap.sh"
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
	-t readv,uring,sqpoll
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
