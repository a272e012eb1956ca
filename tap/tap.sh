# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# TAP helpers for every shell test, on the host (bash) and in the guest
# (dash), and the counting rule of tap/summary.sh.  Source it.
#
#   tap_begin               the TAP header, first
#   tap_check DESC CMD...   one result: CMD's status; its output shown
#                           as diagnostics if it failed; returns it
#   tap_nest DESC CMD...    CMD prints TAP (or KTAP): shown nested four
#                           spaces deeper, then one result closing it;
#                           returns non-zero if it failed
#   tap_result STATUS DESC  one result of a check already made (STATUS 0:
#                           ok); the caller prints any diagnostics after
#   tap_skip DESC REASON    one result not run: "ok N DESC # SKIP REASON"
#   tap_done                the plan, last; returns non-zero if any
#                           result failed
#
# Counting rule (tap_count): every "ok"/"not ok" line is a test case
# result, at any depth, except a line that closes a nested block (the
# block is deeper than the line): that one sums up results already
# counted, unless it is "not ok" and nothing in its block failed, when it
# is one failure itself (the program failed without saying which case).
# Plans are not results.  Comments ("#") and lines that are not TAP
# (console noise, program output) are skipped.
#
# With TAP_EXPECTED_SKIPS naming a file of extended regular expressions,
# one a line, a skip whose text (after "ok N ") matches none of them is
# a failure (tap/summary.sh: tap/expected-skips for KERNEL).
#
# With TAP_EXPECTED_COUNTS naming a file of "NAME<TAB>COUNT" lines
# (tap/summary.sh --counts: tap/expected-counts for ARCH and KERNEL),
# each NAME must close exactly one nested block in the logs, holding
# COUNT results (COUNT+ : at least COUNT), skips and failures included;
# one "# counted: NAME: N" line is printed for each.
#
# A log must be whole, at every depth: each block (the lines of one
# depth between a shallower line before and after it) has exactly one
# plan, of at least one result, and as many results as it plans,
# numbered 1, 2, ... in order.  A block without a plan, planning 0, with
# fewer or more results than planned or a number out of sequence (a
# repeated "ok 1"), a "# TODO" result, a "Bail out!", or a log with no
# TAP at all counts as one failure, named on a "#" line.  So a program
# that crashed, was cut off, ran nothing or printed nothing fails.
#
# Sourcing it sets an EXIT trap (removing its temporary directory).

tap_n=0
tap_failed=0
tap_tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tap_tmp"' EXIT

tap_begin() {
	echo "TAP version 13"
}

# tap_count FILE...: one "# FILE:LINE: ..." line per defect of form
# found, then "passed failed skipped" (failed includes those defects).
# Each FILE is a log of its own; no FILE: standard input.
tap_count() {
	awk '
	BEGIN {
		name = "-"
		skips = ENVIRON["TAP_EXPECTED_SKIPS"]
		while (skips != "" && (getline l < skips) > 0)
			expected[++nexpected] = l
		counts = ENVIRON["TAP_EXPECTED_COUNTS"]
		while (counts != "" && (getline l < counts) > 0) {
			split(l, f, "\t")
			want[f[1]] = f[2]
		}
	}
	function expected_skip(line,   i) {
		sub(/^ok [0-9]+ (- )?/, "", line)
		for (i = 1; i <= nexpected; i++)
			if (line ~ expected[i])
				return 1
		return 0
	}
	function problem(n, msg) {
		print "# " name ":" n ": " msg
		failed++
		bfail[sp]++
	}
	function push(d) {
		sp++
		bdepth[sp] = d
		bplan[sp] = -1
		bres[sp] = 0
		bfail[sp] = 0
		bcases[sp] = 0
		bline[sp] = FNR
	}
	# Closes the innermost block at line n; returns the failures in it
	# and leaves the test cases it held in popped_cases.
	function pop(n,   f) {
		if (bplan[sp] < 0)
			problem(n, "no plan for the " bres[sp] " results at depth " \
				bdepth[sp] " from line " bline[sp])
		else if (bres[sp] != bplan[sp])
			problem(n, bres[sp] " results at depth " bdepth[sp] \
				" from line " bline[sp] ", planned " bplan[sp])
		f = bfail[sp]
		popped_cases = bcases[sp]
		sp--
		if (sp > 0) {
			bfail[sp] += f
			bcases[sp] += popped_cases
		}
		return f
	}
	function end_log() {
		if (!tap)
			problem(last, "no TAP")
		while (sp > 0)
			pop(last)
	}
	# A result line closing a block: if its description is in the
	# table, the cases of the block are counted against it.
	function count_block(line, cases,   desc, min) {
		desc = line
		sub(/^(not )?ok [0-9]+ (- )?/, "", desc)
		sub(/[ \t]+#.*$/, "", desc)
		if (!(desc in want))
			return
		ran[desc]++
		print "# counted: " desc ": " cases
		min = want[desc] ~ /\+$/
		if (ran[desc] > 1)
			problem(FNR, desc ": run " ran[desc] " times, expected once")
		else if (min ? cases < want[desc] + 0 : cases != want[desc] + 0)
			problem(FNR, desc ": " cases " results, expected " want[desc] \
				" (tap/expected-counts)")
	}
	FNR == 1 {
		if (NR > 1)
			end_log()
		name = FILENAME == "" ? "-" : FILENAME
		seen[FILENAME] = 1
		tap = 0
	}
	{ sub(/\r$/, ""); last = FNR }
	/^[ \t]*Bail out!/ { problem(FNR, $0); next }
	!/^[ \t]*((not )?ok [0-9]|[0-9]+\.\.[0-9]+|K?TAP version)/ { next }
	{
		tap = 1
		match($0, /^[ \t]*/)
		depth = RLENGTH
		line = substr($0, depth + 1)
		inner = 0
		closes = 0
		while (sp > 0 && bdepth[sp] > depth) {
			inner += pop(FNR)
			closes = 1
		}
		# A version line at the depth of a block with content starts
		# the next document.
		if (sp > 0 && bdepth[sp] == depth && line ~ /^K?TAP version/ &&
		    (bres[sp] > 0 || bplan[sp] >= 0))
			pop(FNR)
		if (sp == 0 || bdepth[sp] < depth)
			push(depth)
	}
	line ~ /^[0-9]+\.\.[0-9]+/ {
		if (bplan[sp] >= 0)
			problem(FNR, "a second plan at depth " depth)
		sub(/^[0-9]+\.\./, "", line)
		bplan[sp] = line + 0
		if (bplan[sp] == 0)
			problem(FNR, "a plan of no tests at depth " depth)
	}
	line ~ /^(not )?ok / {
		bres[sp]++
		number = line
		sub(/^(not )?ok /, "", number)
		if (number + 0 != bres[sp])
			problem(FNR, "result number " (number + 0) " at depth " depth \
				", expected " bres[sp])
		# A test case of this block, unless the line sums up a block.
		if (!closes)
			bcases[sp]++
		if (line ~ /#[ \t]*[Tt][Oo][Dd][Oo]/)
			problem(FNR, "a TODO result: " line)
		else if (closes) {
			count_block(line, popped_cases)
			if (line ~ /^not ok / && inner == 0) {
				failed++
				bfail[sp]++
			}
		} else if (line ~ /^not ok /) {
			failed++
			bfail[sp]++
		} else if (line ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) {
			if (skips == "" || expected_skip(line))
				skipped++
			else
				problem(FNR, "a skip not expected (tap/expected-skips): " line)
		} else
			passed++
	}
	END {
		if (NR > 0)
			end_log()
		# awk never reads an empty file.
		if (ARGC < 2 && NR == 0)
			problem(0, "empty")
		for (i = 1; i < ARGC; i++)
			if (!(ARGV[i] in seen)) {
				name = ARGV[i]
				problem(0, "empty")
			}
		name = "expected counts"
		for (desc in want)
			if (!(desc in ran))
				problem(0, desc ": not run (tap/expected-counts)")
		print passed + 0, failed + 0, skipped + 0
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

tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $1 # SKIP $2"
}

tap_check() {
	tap_desc=$1
	shift
	"$@" >"$tap_tmp/out" 2>&1
	tap_status=$?
	tap_result $tap_status "$tap_desc"
	[ $tap_status -eq 0 ] || sed 's/^/# /' "$tap_tmp/out"
	return $tap_status
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
	tap_count "$tap_tmp/out" >"$tap_tmp/count"
	# shellcheck disable=SC2046 # three numbers
	set -- "$tap_status" $(tail -n 1 "$tap_tmp/count")
	[ "$1" -eq 0 ] && [ "$3" -eq 0 ]
	tap_result $? "$tap_desc"
	# Why, when no failed case says so.
	[ "$1" -eq 0 ] || echo "# $tap_desc: exit status $1"
	grep '^# ' "$tap_tmp/count" | while IFS= read -r tap_line; do
		echo "# $tap_desc: line ${tap_line#"# $tap_tmp/out:"}"
	done
	[ "$1" -eq 0 ] && [ "$3" -eq 0 ]
}

tap_done() {
	echo "1..$tap_n"
	[ $tap_failed -eq 0 ]
}
