#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Count the test case results in TAP logs, by the rule in tests/tap.sh,
# and print "N passed, N failed" as the last line (skips, if any, on the
# line before: they count as neither).
#
#   tests/summary.sh [LOG...]       (standard input without LOG)
#
# Exit status 0 only if nothing failed and something passed: an empty
# or truncated log is not a success.
. "$(dirname "$0")/tap.sh"

# shellcheck disable=SC2046 # five numbers
set -- $(tap_count "$@")
[ "$3" -eq 0 ] || echo "$3 skipped"
echo "$1 passed, $2 failed"
[ "$2" -eq 0 ] && [ "$1" -gt 0 ]
