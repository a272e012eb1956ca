#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Count the test case results in TAP logs, by the rule in tests/tap.sh,
# and print "N passed, N failed" as the last line (skips, if any, on the
# line before: they count as neither; each defect of form on a "#" line
# before them).
#
#   tests/summary.sh [--status N] [LOG...]   (standard input without LOG)
#
# --status N: the exit status of the driver that wrote the logs; if it is
# not 0 and nothing in the logs failed, that is one failure.
# A skip not listed for KERNEL (default 6.1), or for ARCH/KERNEL (ARCH
# default x86_64), in tests/expected-skips is a failure too.
# Exit status 0 only if nothing failed and something passed: an empty,
# truncated or silent log is not a success.
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"

# The skips expected on this KERNEL: any other is a failure.
set -f
while IFS='	' read -r kernels pattern _; do
	case $kernels in '#'* | '') continue ;; esac
	IFS='|'
	for kernel in $kernels; do
		# shellcheck disable=SC2254 # a pattern
		case ${KERNEL:-6.1} in $kernel) echo "$pattern" ;; esac
		case ${ARCH:-x86_64}/${KERNEL:-6.1} in $kernel) echo "$pattern" ;; esac
	done
	unset IFS
done <"$(dirname "$0")/expected-skips" >"$tap_tmp/skips"
set +f
TAP_EXPECTED_SKIPS=$tap_tmp/skips
export TAP_EXPECTED_SKIPS

status=0
if [ "${1-}" = --status ]; then
	status=${2:?usage: tests/summary.sh [--status N] [LOG...]}
	shift 2
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
