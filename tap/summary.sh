#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Count the test case results in TAP logs, by the rule in tap/tap.sh,
# and print "N passed, N failed" as the last line (skips, if any, on the
# line before: they count as neither; each defect of form on a "#" line
# before them).
#
#   tap/summary.sh [--status N] [--counts] [LOG...]   (standard input
#                                                        without LOG)
#
# --status N: the exit status of the driver that wrote the logs; if it is
# not 0 and nothing in the logs failed, that is one failure.
# --counts: the logs are a whole `make test`; every program that
# tap/expected-counts lists for ARCH and KERNEL must have run once,
# with that many results (each count printed on a "# counted:" line).
# A skip not listed for ARCH (default x86_64) and KERNEL (default 6.1)
# in tap/expected-skips is a failure too.
# Exit status 0 only if nothing failed and something passed: an empty,
# truncated or silent log is not a success.
repo=$(dirname "$0")/..
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"

# for_this_run FILE COLUMNS: the lines of FILE (tab-separated: ARCHES,
# KERNELS, then data) that hold for this ARCH and KERNEL, their first
# COLUMNS data columns.  ARCHES and KERNELS are exact names joined by
# "|": a new kernel or architecture is expected to skip nothing and to
# count nothing until it is named.
for_this_run() {
	awk -F '\t' -v arch="${ARCH:-x86_64}" -v kernel="${KERNEL:-6.1}" \
		-v columns="$2" '
	/^#/ || NF == 0 { next }
	index("|" $1 "|", "|" arch "|") && index("|" $2 "|", "|" kernel "|") {
		out = $3
		for (i = 4; i < 3 + columns; i++)
			out = out "\t" $i
		print out
	}' "$(dirname "$0")/$1"
}

status=0 counts=""
while [ $# -gt 0 ]; do
	case $1 in
	--status)
		[ $# -ge 2 ] || usage
		status=$2
		shift 2
		;;
	--counts) counts=1; shift ;;
	*) break ;;
	esac
done
for_this_run expected-skips 1 >"$tap_tmp/skips" || exit 1
TAP_EXPECTED_SKIPS=$tap_tmp/skips
export TAP_EXPECTED_SKIPS
if [ -n "$counts" ]; then
	for_this_run expected-counts 2 >"$tap_tmp/counts" || exit 1
	TAP_EXPECTED_COUNTS=$tap_tmp/counts
	export TAP_EXPECTED_COUNTS
fi
tap_count "$@" >"$tap_tmp/count"
grep '^# ' "$tap_tmp/count"
# shellcheck disable=SC2046 # three numbers
set -- $(tail -n 1 "$tap_tmp/count")
if [ "$status" -ne 0 ] && [ "$2" -eq 0 ]; then
	echo "# the driver exited with status $status"
	set -- "$1" 1 "$3"
fi
[ "$3" -eq 0 ] || echo "$3 skipped"
echo "$1 passed, $2 failed"
[ "$2" -eq 0 ] && [ "$1" -gt 0 ]
