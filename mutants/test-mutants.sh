#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The mutation harness's own test, for make test: every mutant of
# mutants/list still applies to this tree, a stale one is refused, and
# one cheap mutant goes the whole way (built, booted, killed by its
# test, after the control passed).  Prints TAP (tap/tap.sh).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. tap/tap.sh

# refused WHAT TEXT...: a made-up list of one mutant whose original is
# TEXT (lines) is refused, saying it occurs WHAT times.
refused() {
	local what=$1 line
	shift
	{
		printf 'mutant made-up\nwhy a test of the harness\nkills rw_test:*\n'
		for line; do printf -- '-%s\n+\n' "$line"; done
	} >"$tap_tmp/list"
	if python3 mutants/mutant.py check "$tap_tmp/list" . 2>"$tap_tmp/err"; then
		echo "mutant.py accepted it"
		return 1
	fi
	grep "mutant made-up: the original text .* occurs $what times" \
		"$tap_tmp/err"
}

# The whole run of one mutant: the table's row names its test, and the
# last line counts it.
one_mutant() {
	MUTANTS_OUT=${BUILD:-build}/mutants-check \
		mutants/mutants.sh private-maywrite >"$tap_tmp/run" 2>&1 || {
		cat "$tap_tmp/run"
		return 1
	}
	cat "$tap_tmp/run"
	grep -q '^| private-maywrite | mmap_test:dev.mmap_private_read_only' \
		"$tap_tmp/run" &&
		[ "$(tail -n 1 "$tap_tmp/run")" = \
			"1 killed, 0 survived, 0 equivalent" ]
}

tap_begin
tap_check "every mutant of mutants/list applies to kernel/mymem.c" \
	python3 mutants/mutant.py check mutants/list .
tap_check "a mutant whose original text is gone is refused" \
	refused 0 $'\tmymem.size = size + 1;'
tap_check "a mutant whose original text occurs twice is refused" \
	refused 2 $'\treturn min_t(size_t, len, mymem.size - pos);'
tap_check "mutant private-maywrite: built, run, killed by mmap_test" one_mutant
tap_done
