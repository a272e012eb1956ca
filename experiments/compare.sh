#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make compare: what a change to mymem.ko costs, measured reproducibly.
#
#   experiments/compare.sh [-r ROUNDS] [-n TRIALS] [-N TRIALS] REV [REV...]
#
# Builds mymem.ko at each REV (a git revision, or WORKTREE: this working
# tree as it is, uncommitted changes and untracked files included), each
# in its own copy under $BUILD/compare/ with that revision's own `make
# modules`, then boots ONE guest under QEMU -icount (guest time counts
# instructions, 1 ns each: docs/report.md, "Measurement modes") that
# loads the builds in turn, ROUNDS times (A B C A B C ...), and runs this
# tree's mymem-bench ($BUILD/bin, `make tools`) on each and on its peers
# (guest/compare.sh): ROUNDS rounds, TRIALS trials of each small
# operation (-n) and LARGE_TRIALS of each large one (-N); the defaults,
# and the sizes (1 B and 512 KiB), are experiments/params.sh's, recorded
# in raw/env.txt.  In one boot the absolute times of all targets
# drift together by a few ns from round to round, their ratios do not:
# hence alternating builds and per-round ratios.  The first REV is the
# baseline of the differences.  Results: $RESULTS/compare/raw/ (default
# results/), the table in $RESULTS/compare/COMPARE.md and on stdout
# (report/report.py --compare).
#
# Exit status: 0 ok, 1 a REV that does not resolve or build, or no
# results, 64 usage.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"

# shellcheck source=experiments/params.sh
. experiments/params.sh
while getopts r:n:N: opt; do
	case "$opt" in
	r) compare_rounds=$OPTARG ;;
	n) compare_trials=$OPTARG ;;
	N) compare_large_trials=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
for v in "$compare_rounds" "$compare_trials" "$compare_large_trials"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || usage
done
if [ -n "${ARCH:-}" ] && [ "$ARCH" != x86_64 ]; then
	usage "ARCH=$ARCH: -icount runs the x86-64 guest only"
fi
if [ "${ACCEL:-tcg}" = kvm ]; then
	usage "-icount needs TCG, not ACCEL=kvm"
fi

build=${BUILD:-$PWD/build}
bench=$build/bin/mymem-bench
[ -x "$bench" ] || die "no $bench (make tools)"
results=${RESULTS:-results}/compare
tool=$(git describe --always --dirty 2>/dev/null || echo unknown)

# export_tree COMMIT DIR: the tree of COMMIT (WORKTREE: this one) in DIR.
export_tree() {
	if [ "$1" = WORKTREE ]; then
		git ls-files -z -co --exclude-standard |
			tar --null -T - --ignore-failed-read -cf - 2>/dev/null |
			tar -xf - -C "$2"
	else
		git archive "$1" | tar -xf - -C "$2"
	fi
}

# Each build is named N-REV (N its place on the command line, so that
# the same REV twice stays two builds), and listed in builds.txt as
# NAME REV COMMIT, the baseline first.
src=$build/compare
rm -rf "$src"
mkdir -p "$src/ko"
n=0
for rev in "$@"; do
	n=$((n + 1))
	tree=WORKTREE commit=$tool
	if [ "$rev" != WORKTREE ] &&
		! tree=$(git rev-parse --verify -q "$rev^{commit}"); then
		die "$rev: not a git revision"
	fi
	name=$n-$(tr -c 'A-Za-z0-9._\n-' _ <<<"$rev")
	dir=$src/$name
	mkdir -p "$dir"
	[ "$tree" = WORKTREE ] || commit=$tree
	export_tree "$tree" "$dir"
	echo "  MODULES $rev ($commit) in $dir"
	# Its own Makefile, for the default guest kernel: the module lands
	# in its kernel/ (KERNEL=6.1 in every revision's Makefile).
	if ! env -u BUILD -u MYMEM_KO_DIR -u MAKEFLAGS KERNEL=6.1 \
		make -C "$dir" modules >"$dir.log" 2>&1 ||
		[ ! -f "$dir/kernel/mymem.ko" ]; then
		die "$rev: make modules failed (see $dir.log)"
	fi
	cp "$dir/kernel/mymem.ko" "$src/ko/$name.ko"
	echo "$name $rev $commit" >>"$src/ko/builds.txt"
done

./setup.sh base run
rm -rf "$results"
mkdir -p "$results/raw"
status=0
# The time limit: a 1-byte call counts about 1 us of guest time, a
# 512 KiB one 0.53 ms, 10 and 8 kinds of them; TCG takes up to 25 s a
# guest second on a loaded host.
guest_ms=$((compare_trials / 100 + compare_large_trials * 5))
# shellcheck disable=SC2046,SC2086 # NAME=VALUE words, without blanks
vm/run.sh --out "$results/raw" --fast-clock --icount \
	--timeout $((300 + compare_rounds * n * guest_ms / 40)) \
	--add "$src/ko=/mymem/compare" \
	--add "$build/bin=/mymem/bin" \
	--add guest/bench-env.sh=/mymem/job/bench-env.sh \
	-- guest/compare.sh $(params_args $compare_params) || status=$?
{
	echo "accel=icount"
	echo "qemu=$(qemu-system-x86_64 --version | head -n 1)"
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "commit=$tool"
	# shellcheck disable=SC2086
	params_env $compare_params
} >>"$results/raw/env.txt"
if [ ! -s "$results/raw/builds.txt" ]; then
	die "no results (status $status); see the output above and $build/vm/last/"
fi
python3 report/report.py --compare "$results"
echo "$me: table in $results/COMPARE.md"
exit "$status"
