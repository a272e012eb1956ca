# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# TAP helpers for tests/run.sh (host, bash) and tests/vm-suite.sh (guest,
# busybox sh), and the counting rule of tests/summary.sh.  Source it.
#
#   tap_begin               the TAP header, first
#   tap_check DESC CMD...   one result: CMD's status; its output shown
#                           as diagnostics if it failed
#   tap_nest DESC CMD...    CMD prints TAP (or KTAP): shown nested four
#                           spaces deeper, then one result closing it
#   tap_done                the plan, last; returns non-zero if any
#                           result failed
#
# Counting rule: every "ok"/"not ok" line is a test case result, at any
# depth, except a line that closes a nested block (the TAP line before
# it is deeper): that one sums up results already counted.  Plans are
# not results.  Lines that are not TAP (console noise, program output
# that is neither a result, a plan nor a "#" comment) are skipped.
#
# So that a failure is never lost to that rule, tap_nest adds a nested
# "not ok" when CMD failed without reporting a failed case, or ran fewer
# cases than it planned (it crashed).
#
# Sourcing it sets an EXIT trap (removing its temporary directory).

tap_n=0
tap_failed=0
tap_tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tap_tmp"' EXIT

tap_begin() {
	echo "TAP version 13"
}

# tap_count FILE...: prints "passed failed skipped top planned" where top
# is the number of results at depth 0 and planned their plan (-1: none).
tap_count() {
	awk '
	{ sub(/\r$/, "") }
	!/^[ \t]*((not )?ok [0-9]|#|[0-9]+\.\.[0-9]+|K?TAP version)/ { next }
	{
		match($0, /^[ \t]*/)
		depth = RLENGTH
		line = substr($0, depth + 1)
	}
	line ~ /^(not )?ok / {
		if (!(seen && depth < prev)) {
			if (line ~ /^not ok /)
				failed++
			else if (line ~ /#[ \t]*[Ss][Kk][Ii][Pp]/)
				skipped++
			else
				passed++
		}
		if (depth == 0)
			top++
	}
	depth == 0 && line ~ /^[0-9]+\.\.[0-9]+/ {
		sub(/^[0-9]+\.\./, "", line)
		planned = line + 0
	}
	{ prev = depth; seen = 1 }
	END {
		print passed + 0, failed + 0, skipped + 0, top + 0,
		      (planned == "" ? -1 : planned)
	}
	' "$@"
}

# tap_result STATUS DESC
tap_result() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n $2"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n $2"
	fi
}

tap_check() {
	tap_desc=$1
	shift
	"$@" >"$tap_tmp/out" 2>&1
	tap_status=$?
	tap_result $tap_status "$tap_desc"
	[ $tap_status -eq 0 ] || sed 's/^/# /' "$tap_tmp/out"
}

tap_nest() {
	tap_desc=$1
	shift
	{
		"$@" 2>&1
		echo $? >"$tap_tmp/status"
	} | tee "$tap_tmp/out" | while IFS= read -r line; do
		# Line by line: awk and sed buffer a pipe (mawk, busybox sed).
		printf '    %s\n' "$line"
	done
	tap_status=$(cat "$tap_tmp/status")
	# shellcheck disable=SC2046 # five numbers
	set -- $(tap_count "$tap_tmp/out")
	if [ "$tap_status" -ne 0 ] && [ "$2" -eq 0 ]; then
		echo "    not ok $(($4 + 1)) $tap_desc: exit status $tap_status, no failed case reported"
	elif [ "$5" -ge 0 ] && [ "$4" -ne "$5" ]; then
		echo "    not ok $(($4 + 1)) $tap_desc: ran $4 of $5 planned cases"
		tap_status=1
	fi
	tap_result "$tap_status" "$tap_desc"
}

tap_done() {
	echo "1..$tap_n"
	[ $tap_failed -eq 0 ]
}
