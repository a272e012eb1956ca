#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of mymem-bench and mymem-race: options, error paths,
# exit codes, output formats (their columns and values are checked
# against include/mymem_results.h by report/test-formats.sh).  /dev/mymem
# is not needed: the tools take any file as --device.  Prints TAP
# (tap/tap.sh).
#
#   tools/test-tools.sh BINDIR    (holding mymem-bench and mymem-race)
#
# check() evals its condition after the run, hence the single quotes.
# shellcheck disable=SC2016,SC2034

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
if [ $# -ne 1 ] || [ ! -x "$1/mymem-bench" ] || [ ! -x "$1/mymem-race" ]; then
	usage
fi
BENCH=$1/mymem-bench
RACE=$1/mymem-race
REPO=$(cd "$(dirname "$0")/.." && pwd)

# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. "$(dirname "$0")/../tap/tap.sh"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T" "$tap_tmp"' EXIT
# a stand-in for the device: 512 KiB, like mymem's default
dd if=/dev/zero of="$T/dev" bs=1024 count=512 2>/dev/null
dd if=/dev/zero of="$T/small" bs=1024 count=4 2>/dev/null

# run CMD...: sets $rc, output in $T/out and $T/err
run()
{
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

result()
{
	[ "$1" = ok ]
	tap_result $? "$2"
	if [ "$1" != ok ]; then
		echo "# exit $rc; stderr:"
		sed 's/^/#   /' "$T/err"
		[ -z "$3" ] || echo "# $3"
	fi
}

# one_line_error PROG: stderr is exactly one line starting "PROG: "
one_line_error()
{
	[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^$1: " "$T/err"
}

# expect CODE DESC CMD...: exit CODE; for 2 and 3 one line on stderr
expect()
{
	code=$1 desc=$2
	shift 2
	run "$@"
	prog=$(basename "$1")
	if [ "$rc" -ne "$code" ]; then
		result fail "$desc" "expected exit $code"
	elif [ "$code" -ge 2 ] && ! one_line_error "$prog"; then
		result fail "$desc" "expected one line starting '$prog: '"
	else
		result ok "$desc"
	fi
}

# check DESC SHELL-CONDITION: about the last run
check()
{
	if eval "$2"; then
		result ok "$1"
	else
		result fail "$1" "failed: $2"
	fi
}

tap_begin
for p in "$BENCH" "$RACE"; do
	b=$(basename "$p")
	expect 0 "$b --help exits 0" "$p" --help
	check "$b --help shows usage and exit codes" \
		'grep -q "^Usage: $b" "$T/out" && grep -q "^Exit status" "$T/out"'
	expect 0 "$b -h exits 0" "$p" -h
	expect 0 "$b --version exits 0" "$p" --version
	check "$b --version prints name and version" \
		'grep -qx "$b [0-9][0-9a-z.+-]*" "$T/out"'
	expect 2 "$b: unknown long option" "$p" --bogus
	check "$b: the message names the option" 'grep -q -- "--bogus" "$T/err"'
	expect 2 "$b: unknown short option" "$p" -x
	expect 2 "$b: stray argument" "$p" stray
	expect 2 "$b: missing option argument" "$p" --device
done

expect 3 "mymem-bench: missing device" "$BENCH" --device "$T/nonexistent"
check "mymem-bench: names the path and the errno text" \
	'grep -q "$T/nonexistent: No such file or directory" "$T/err"'
expect 3 "mymem-race: missing device" "$RACE" --device "$T/nonexistent" \
	--mode mutex
check "mymem-race: names the path and the errno text" \
	'grep -q "$T/nonexistent: No such file or directory" "$T/err"'
expect 2 "mymem-bench refuses race's --mode" "$BENCH" --mode mutex
if [ -e /dev/mymem ]; then
	tap_skip "mymem-bench: default /dev/mymem missing" \
		"/dev/mymem exists here: no missing-device hint"
else
	expect 3 "mymem-bench: default /dev/mymem missing" "$BENCH"
	check "the message hints at the module" \
		'grep -q "(is mymem.ko loaded?)" "$T/err"'
fi

# bench option arguments
expect 2 "bench --trials 0" "$BENCH" --trials 0
expect 2 "bench --trials abc" "$BENCH" --trials abc
expect 2 "bench --trials -1" "$BENCH" --trials -1
expect 2 "bench --trials 5x" "$BENCH" --trials 5x
expect 2 "bench --sizes 0" "$BENCH" --sizes 0
expect 2 "bench --sizes 1,foo" "$BENCH" --sizes 1,foo
expect 2 "bench --sizes ," "$BENCH" --sizes ,
expect 2 "bench --targets bogus" "$BENCH" --targets mymem,bogus
check "bench: the message names the bad target" 'grep -q "bogus" "$T/err"'
expect 2 "bench -n without argument" "$BENCH" -n
expect 2 "bench --batch 0" "$BENCH" --batch 0
expect 2 "bench --batch not dividing --trials" "$BENCH" --trials 10 --batch 3
expect 2 "bench --batch too big for memory" "$BENCH" --batch 1000
expect 3 "bench --tmpfs-dir missing" "$BENCH" --device "$T/dev" \
	--targets tmpfs --tmpfs-dir "$T/nonexistent" --trials 1

# bench on a plain file
ALL=mymem,mmap,zero,null,tmpfs,memcpy,scale
expect 0 "bench --csv on a file" "$BENCH" --device "$T/dev" --trials 5 \
	--targets $ALL --tmpfs-dir "$T" --csv
# 5 sizes: 10 rows each for mymem, mmap, tmpfs, memcpy, 5 for zero and
# null, 2 for scale
check "bench --csv: 52 rows" '[ "$(wc -l <"$T/out")" -eq 53 ]'
check "bench --csv: targets as named" \
	'[ "$(tail -n +2 "$T/out" | cut -d, -f2 | sort -u | tr "\n" " ")" = \
	   "memcpy mmap mymem null scale tmpfs zero " ]'
check "bench --csv: scale rows have threads 1 and 2" \
	'[ "$(tail -2 "$T/out" | cut -d, -f2,5 | tr "\n" " ")" = \
	   "scale,1 scale,2 " ]'
check "bench: nothing on stderr when it is not a terminal" '[ ! -s "$T/err" ]'

expect 0 "bench --json" "$BENCH" --device "$T/dev" --trials 3 \
	--targets mymem,null --sizes 1,4K --json
if command -v python3 >/dev/null; then
	check "bench --json is valid JSON with 6 rows" \
		'python3 -c "import json,sys; r = json.load(open(sys.argv[1]));
sys.exit(len(r) != 6 or r[0][\"target\"] != \"mymem\")" "$T/out"'
else
	tap_skip "bench --json is valid JSON with 6 rows" "python3 missing: JSON not parsed"
fi

expect 0 "bench --batch 4 --quiet" "$BENCH" --device "$T/dev" --trials 8 \
	--batch 4 --quiet --targets mymem,mmap,zero --sizes 1,4K --csv
check "bench --batch: trials column counts operations, not groups" \
	'[ "$(tail -n +2 "$T/out" | cut -d, -f6 | sort -u)" = 8 ] &&
	 [ "$(wc -l <"$T/out")" -eq 11 ]'
check "bench --batch: the batch column holds it" \
	'[ "$(tail -n +2 "$T/out" | cut -d, -f11 | sort -u)" = 4 ]'
expect 0 "bench table" "$BENCH" --device "$T/dev" --trials 3 \
	--targets mymem,zero,null --sizes 1,64
check "bench table: header and rows, no analysis (report.py's)" \
	'grep -q "^side  *target" "$T/out" &&
	 [ "$(grep -c "^user  *\(mymem\|zero\|null\) " "$T/out")" -eq 8 ] &&
	 ! grep -qw "ratios" "$T/out"'

expect 0 "bench: brd missing is skipped" "$BENCH" --targets brd \
	--brd "$T/nonexistent" --trials 1 --csv
check "bench: brd skip note on stderr, header only on stdout" \
	'grep -q "skipped" "$T/err" && [ "$(wc -l <"$T/out")" -eq 1 ]'
expect 0 "bench: sizes beyond the device are skipped" "$BENCH" \
	--device "$T/small" --targets mymem --sizes 1,8K --trials 2 --csv
check "bench: the skip is noted, the rest measured" \
	'grep -q "skipping size 8192" "$T/err" && [ "$(wc -l <"$T/out")" -eq 3 ]'

# the amortised targets (readv, uring, sqpoll) on a plain file
expect 2 "bench --per-call 0" "$BENCH" --per-call 0
expect 2 "bench --per-call 1025 (over IOV_MAX)" "$BENCH" --per-call 1025
expect 2 "bench --per-call ," "$BENCH" --per-call ,
expect 2 "bench -k 4,x" "$BENCH" -k 4,x
expect 0 "bench --scale-size 4K on a file" "$BENCH" --device "$T/dev" \
	--trials 3 --targets scale --scale-size 4K --csv
check "bench --scale-size 4K: 1 and 2 threads of 4096-byte reads" \
	'[ "$(tail -n +2 "$T/out" | cut -d, -f4,5,6 | tr "\n" " ")" = "4096,1,3 4096,2,6 " ]'
expect 2 "bench --scale-size 0" "$BENCH" --scale-size 0
expect 0 "bench readv on a file" "$BENCH" --device "$T/dev" --trials 6 \
	--batch 2 --targets readv --sizes 1,64 -k 1,16 --csv
# per size and count a read and a write row; trials and batch count
# transfers: 6 calls (in intervals of 2) of k each
check "bench readv: per_call k, batch 2k, trials 6k, every size and count" \
	'[ "$(tail -n +2 "$T/out" | cut -d, -f2,3,4,6,11,12 | tr "\n" " ")" = \
	   "readv,read,1,6,2,1 readv,write,1,6,2,1 readv,read,1,96,32,16 readv,write,1,96,32,16 readv,read,64,6,2,1 readv,write,64,6,2,1 readv,read,64,96,32,16 readv,write,64,96,32,16 " ]'
expect 0 "bench readv on the peers" "$BENCH" --device "$T/dev" --trials 2 \
	--batch 2 --targets readv_zero,readv_null --sizes 1,64 -k 1,4 --csv
# reads of /dev/zero alone and writes to /dev/null alone, per size and count
check "bench readv_zero reads, readv_null writes, every size and count" \
	'[ "$(tail -n +2 "$T/out" | cut -d, -f2,3,4,6,11,12 | tr "\n" " ")" = \
	   "readv_zero,read,1,2,2,1 readv_zero,read,1,8,8,4 readv_null,write,1,2,2,1 readv_null,write,1,8,8,4 readv_zero,read,64,2,2,1 readv_zero,read,64,8,8,4 readv_null,write,64,2,2,1 readv_null,write,64,8,8,4 " ]'
expect 0 "bench: a call larger than the device is skipped" "$BENCH" \
	--device "$T/small" --targets readv --sizes 64 -k 4,256 --trials 2 --csv
check "bench: that skip is noted, the count that fits measured" \
	'grep -q "skipping 256 x 64 bytes: larger than" "$T/err" &&
	 [ "$(tail -n +2 "$T/out" | cut -d, -f12 | sort -u)" = 4 ]'
expect 0 "bench uring and sqpoll on a file: rows or a reason" "$BENCH" \
	--device "$T/dev" --trials 4 --targets uring,sqpoll,uring_zero,uring_null \
	--sizes 1 -k 1,4 --csv
# The host's kernel is not ours: it may refuse io_uring (seccomp, the
# io_uring_disabled sysctl); then the path says why and writes no rows,
# and its check is a skip (tap/expected-skips).
# The peers: reads of /dev/zero alone, writes to /dev/null alone.
for p in uring:4 sqpoll:4 uring_zero:2 uring_null:2; do
	n=${p#*:} p=${p%:*}
	refused=$(grep "^mymem-bench: $p: io_uring_setup.*: .*, skipped" "$T/err")
	if [ -n "$refused" ] && ! grep -q "^user,$p," "$T/out"; then
		tap_skip "bench $p on a file: $n rows" \
			"the host refuses io_uring: ${refused#mymem-bench: }"
	else
		check "bench $p on a file: $n rows" \
			'[ "$(grep -c "^user,$p," "$T/out")" -eq "$n" ]'
	fi
done

# race option arguments
expect 2 "race without --mode" "$RACE" --device "$T/dev"
expect 2 "race --mode bogus" "$RACE" --mode bogus
expect 2 "race -w 0" "$RACE" -w 0 --mode unlocked
expect 2 "race -w 5000" "$RACE" -w 5000 --mode unlocked
expect 2 "race -n x" "$RACE" -n x --mode unlocked
expect 2 "race --runs 0" "$RACE" --runs 0 --mode unlocked
expect 2 "race -w without argument" "$RACE" --mode unlocked -w

# race on a plain file
expect 0 "race exact modes on a file" "$RACE" --device "$T/dev" -w 4 \
	-n 2000 --mode mutex,pread,mmap --csv
check "race: exact modes exact" \
	'[ "$(tail -n +2 "$T/out" | awk -F, '\''$6 == $7 && $6 == 3735928559 + 8000 &&
	 $8 == 0 { k++ } END { print k }'\'')" = 3 ]'
expect 3 "race --mode fetch_add on a plain file" "$RACE" --device "$T/dev" \
	--mode fetch_add -w 1 -n 1
check "race: the ioctl error says why" \
	'grep -q "Inappropriate ioctl for device" "$T/err"'
expect 0 "race --mode all on a plain file skips fetch_add" "$RACE" \
	--device "$T/dev" -w 2 -n 100 --mode all --csv
check "race --mode all: 4 modes, fetch_add noted" \
	'[ "$(tail -n +2 "$T/out" | cut -d, -f2 | tr "\n" " ")" = \
	   "unlocked mutex pread mmap " ] && grep -q "fetch_add skipped" "$T/err"'
expect 0 "race --sweep" "$RACE" --device "$T/dev" -n 50 --mode mmap \
	--sweep --csv
check "race --sweep: W = 1 2 4 8 16 32 50 100" \
	'[ "$(tail -n +2 "$T/out" | cut -d, -f3 | tr "\n" " ")" = \
	   "1 2 4 8 16 32 50 100 " ]'
expect 0 "race --sweep=LIST" "$RACE" --device "$T/dev" -n 10 --mode mmap \
	--sweep=3,1 --csv
check "race --sweep=3,1: W = 3 1" \
	'[ "$(tail -n +2 "$T/out" | cut -d, -f3 | tr "\n" " ")" = "3 1 " ]'
expect 2 "race --sweep=1,0" "$RACE" --mode mmap --sweep=1,0
expect 0 "race --runs 3" "$RACE" --device "$T/dev" -w 2 -n 10 \
	--mode pread --runs 3 --csv
check "race --runs 3: runs numbered 1..3" \
	'[ "$(tail -n +2 "$T/out" | cut -d, -f5 | tr "\n" " ")" = "1 2 3 " ]'
check "race: nothing on stderr when it is not a terminal" '[ ! -s "$T/err" ]'

# /dev/zero keeps nothing: every update is lost
expect 1 "race: an inexact exact mode exits 1" "$RACE" --device /dev/zero \
	-w 2 -n 10 --mode mutex
expect 0 "race: mode unlocked never fails the exit status" "$RACE" \
	--device /dev/zero -w 2 -n 10 --mode unlocked

# The summary statistics: mymem_test's own functions, cut out of
# kernel/mymem_test_bench.c and built here over stand-ins for the kernel
# calls they make, against the tools' stats_compute() and mb_per_s() on
# the same samples: the same median and p99, the mean the tools' rounded
# down, MB/s that of the mean (include/mymem_stats.h).
stats_agree()
{
	{
		cat <<'EOF'
#include <stdlib.h>
#include "common.h"
#include "mymem_stats.h"
typedef uint64_t u64;
#define div_u64(a, b) ((a) / (b))
#define mul_u64_u64_div_u64(a, b, c) ((u64)((unsigned __int128)(a) * (b) / (c)))
static void sort(void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *), void *swap)
{
	qsort(base, n, size, cmp);
}
EOF
		sed -n -e '/^struct bench_stats {/,/^};/p' \
			-e '/^static int bench_cmp_u64(/,/^}/p' \
			-e '/^static void bench_stats(/,/^}/p' \
			-e '/^static u64 bench_mb_s(/,/^}/p' \
			"$REPO/kernel/mymem_test_bench.c"
		cat <<'EOF'
int main(void)
{
	static const unsigned int ns[] = { 1, 2, 3, 4, 7, 100, 101, 1000, 1001 };
	static uint64_t a[1001], b[1001];
	uint64_t seed = 42;
	unsigned int i, j, bad = 0;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		unsigned int n = ns[i];
		struct bench_stats k;
		struct stats t;
		double mb;

		for (j = 0; j < n; j++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			a[j] = b[j] = 300 + (seed >> 33) % 5000;
		}
		stats_compute(a, n, &t);
		bench_stats(b, n, 0, &k);
		mb = mb_per_s(4096, (double)k.mean);
		if (k.median != t.median || k.p99 != t.p99 ||
		    k.mean != (uint64_t)t.mean ||
		    bench_mb_s(4096, k.mean) != (uint64_t)(mb * 100 + 1e-6)) {
			printf("n %u: kernel median %llu p99 %llu mean %llu mb_s %llu/100; tools %llu %llu %.3f %.3f\n",
			       n, (unsigned long long)k.median,
			       (unsigned long long)k.p99,
			       (unsigned long long)k.mean,
			       (unsigned long long)bench_mb_s(4096, k.mean),
			       (unsigned long long)t.median,
			       (unsigned long long)t.p99, t.mean, mb);
			bad++;
		}
	}
	return bad != 0;
}
EOF
	} >"$T/stats.c" &&
		${CC:-cc} -O2 -Wall -Werror -iquote "$REPO/tools" -iquote "$REPO/include" \
			-o "$T/stats" "$T/stats.c" "$REPO/tools/common.c" &&
		"$T/stats"
}
tap_check "stats: mymem_test's and the tools' agree on the same samples" stats_agree

# The experiments' parameters: set in experiments/params.sh alone, given
# by the run to the tools and mymem_test, recorded in env.txt and read
# back by the report (report/params.py).  Here a copy of params.sh with
# other lists drives guest/measure.sh, its module commands stubbed and
# the tools run on a file: what they were given and what they wrote must
# follow the copy.
PARAMS="python3 $REPO/report/params.py"
mkdir -p "$T/stub" "$T/raw" "$T/guest"
for c in modprobe rmmod depmod mkdir cp; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$c" "$T" >"$T/stub/$c"
done
printf '#!/bin/sh\necho "mymem-bench $*" >>"%s/calls"\nexec "%s" "$@" -d "%s/dev" --tmpfs-dir "%s" --brd "%s/none"\n' \
	"$T" "$BENCH" "$T" "$T" "$T" >"$T/stub/mymem-bench"
printf '#!/bin/sh\necho "mymem-race $*" >>"%s/calls"\nexec "%s" "$@" -d "%s/dev"\n' \
	"$T" "$RACE" "$T" >"$T/stub/mymem-race"
chmod +x "$T"/stub/*
sed -e 's/^bench_sizes=[^[:space:]]*/bench_sizes=2,8/' \
	-e 's/^amortised_sizes=[^[:space:]]*/amortised_sizes=4/' \
	-e 's/^amortised_per_call=[^[:space:]]*/amortised_per_call=2,3/' \
	-e 's/^trials=[^[:space:]]*/trials=6/' \
	-e 's/^scale_size=[^[:space:]]*/scale_size=4096/' \
	-e 's/^workers=[^[:space:]]*/workers=3/' \
	-e 's/^iters=[^[:space:]]*/iters=7/' \
	-e 's/^sweep_workers=[^[:space:]]*/sweep_workers=5,2/' \
	-e 's/^sweep_iters=[^[:space:]]*/sweep_iters=9/' \
	"$REPO/experiments/params.sh" >"$T/params.sh"
# what experiments/measure.sh gives a guest whose steps run twice, and
# records
(
	QUICK=0
	. "$T/params.sh"
	measure_args 2 >"$T/args"
	params_env $run_params >"$T/raw/env.txt"
	params_env $compare_params >"$T/compare-env.txt"
)
# shellcheck disable=SC2046 # NAME=VALUE words, without blanks
run env PATH="$T/stub:$PATH" MYMEM_RESULTS="$T/guest" MYMEM_MODULES="$T" \
	TMPDIR="$T" "$REPO/guest/measure.sh" bench,scale,kbench,race,sweep,krace \
	$(cat "$T/args")
result "$([ "$rc" -eq 0 ] && echo ok)" "guest/measure.sh takes the run's parameters"
# column COL FILE: the values of column COL of a results CSV, in order, once each
column()
{
	tail -n +2 "$2" | cut -d, -f"$1" | awk '!seen[$0]++' | tr '\n' ' '
}
check "params: the bench's sizes and trials are the file's, on both sides" \
	'[ "$(column 4 "$T/guest/bench-user.csv")" = "2 8 " ] &&
	 [ "$(column 6 "$T/guest/bench-user.csv")" = "6 " ] &&
	 [ -s "$T/guest/bench-user-2.csv" ] &&
	 grep -qx "modprobe mymem_test run=bench sizes=2,8 trials=6" "$T/calls"'
check "params: read scaling's size is the file's, the control's too" \
	'[ "$(column 4 "$T/guest/scale-user.csv")" = "4096 " ] &&
	 [ "$(column 4 "$T/guest/scale-control.csv")" = "4096 " ] &&
	 [ "$(column 5 "$T/guest/scale-control-2.csv")" = "1 2 " ]'
check "params: the amortised paths' sizes and counts are the file's" \
	'[ "$(column 4 "$T/guest/bench-amortised.csv")" = "4 " ] &&
	 [ "$(column 12 "$T/guest/bench-amortised.csv")" = "2 3 " ]'
check "params: the races' workers, iters and runs are the file's, on both sides" \
	'[ "$(column 3,4 "$T/guest/race-user.csv")" = "3,7 " ] &&
	 [ "$(column 5 "$T/guest/race-user.csv")" = "1 2 " ] &&
	 grep -qx "modprobe mymem_test run=race workers=3 iters=7 runs=2" "$T/calls"'
check "params: the sweep's workers and iters are the file's" \
	'[ "$(column 3,4 "$T/guest/race-sweep.csv")" = "5,9 2,9 " ]'
check "params: the guest leaves no figure to a tool's default" \
	'[ -z "$(grep "^mymem-bench" "$T/calls" |
		grep -v -e " -n [0-9]* -s " -e " -n [0-9]* -t scale --scale-size ")" ] &&
	 [ -z "$(grep "^mymem-race" "$T/calls" |
		grep -v -e " -w [0-9]* -n [0-9]* .* -r " -e " -n [0-9]* --sweep=")" ]'
run $PARAMS "$T/raw"
check "params: report/params.py reads back the lists and numbers recorded" \
	'[ "$rc" -eq 0 ] && grep -qx "bench_sizes=2,8" "$T/out" &&
	 grep -qx "amortised_per_call=2,3" "$T/out" &&
	 grep -qx "sweep_workers=5,2" "$T/out" && grep -qx "trials=6" "$T/out" &&
	 [ "$(wc -l <"$T/out")" -eq "$(wc -l <"$T/raw/env.txt")" ]'
mkdir "$T/compare" && mv "$T/compare-env.txt" "$T/compare/env.txt"
run $PARAMS --compare "$T/compare"
check "params: report/params.py reads back the compare parameters" \
	'[ "$rc" -eq 0 ] && grep -qx "compare_large=524288" "$T/out"'
check "params: guest/compare.sh takes what experiments/compare.sh gives" \
	'[ "$(sed -n "s/^take_params \"\([^\"]*\)\".*/\1/p" "$REPO/guest/compare.sh")" = \
	   "$(sed -n "s/^compare_params=\"\([^\"]*\)\"/\1/p" "$REPO/experiments/params.sh")" ]'
grep -v '^param_trials=' "$T/raw/env.txt" >"$T/raw/env-icount.txt"
echo "param_trials=7" >>"$T/raw/env-icount.txt"
run $PARAMS "$T/raw"
check "params: two values of one parameter are an error naming both" \
	'[ "$rc" -eq 1 ] && one_line_error params.py &&
	 grep -q "param_trials=[67], but .* recorded another" "$T/err" &&
	 grep -q "env-icount.txt:[0-9]" "$T/err" && grep -q "/env.txt:[0-9]" "$T/err"'
rm "$T/raw/env-icount.txt"
sed -i '/^param_sweep_workers=/d' "$T/raw/env.txt"
run $PARAMS "$T/raw"
check "params: a parameter not recorded is an error naming it" \
	'[ "$rc" -eq 1 ] && one_line_error params.py &&
	 grep -q "no param_sweep_workers$" "$T/err"'
echo "param_trials=6,8" >"$T/raw/env.txt"
run $PARAMS "$T/raw"
check "params: a list for a number is an error" \
	'[ "$rc" -eq 1 ] && grep -q "param_trials=6,8: not a number" "$T/err"'
: >"$T/calls"
# shellcheck disable=SC2046
run env PATH="$T/stub:$PATH" MYMEM_RESULTS="$T/guest" MYMEM_MODULES="$T" \
	"$REPO/guest/measure.sh" bench $(grep -v '^bench_sizes=' "$T/args")
check "params: guest/measure.sh without one refuses, running nothing" \
	'[ "$rc" -eq 64 ] && one_line_error guest/measure.sh &&
	 grep -qx "guest/measure.sh: no bench_sizes=VALUE" "$T/err" && [ ! -s "$T/calls" ]'

tap_done
