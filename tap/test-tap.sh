#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of the verdict: small made-up logs fed to tap/summary.sh,
# tap/tap.sh's helpers made to fail, and made-up fio reports fed to
# tests/stress/fio-tap.awk.  Host side; prints TAP.
#
#   tap/test-tap.sh
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$here/tap.sh"
t=$(mktemp -d "${TMPDIR:-/tmp}/mymem-test-tap.XXXXXX") || exit 1
trap 'rm -rf "$t" "$tap_tmp"' EXIT

# A whole log as tests/suite.sh writes one: a nested program with its plan
# first, a nested suite with a kselftest program and the KTAP of the
# in-kernel selftest (a subtest two spaces deeper, plan last), console
# noise, comments, a skip.  5 passed, 1 skipped.
cat >"$t/whole" <<'EOF'
TAP version 13
ok 1 setup
    TAP version 13
    1..2
    ok 1 - one
    # a comment
    ok 2 - two
ok 2 tools
    vm: kernel 6.1.0-57-amd64, accel tcg
    TAP version 13
        TAP version 13
        1..1
        # Starting 1 tests from 1 test cases.
        ok 1 dev.span
        # Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0
    ok 1 device_test
        KTAP version 1
        1..2
          KTAP version 1
          # Subtest: selftest
          1..1
          ok 1 write_whole_region
        ok 1 selftest
        ok 2 bench # SKIP not selected
        BEGIN CSV
    ok 2 mymem_test run=selftest
    1..2
    # VM run: 27 s, boot included
ok 3 VM suite
1..3
EOF

# summary [ARGS...] < LOG: tap/summary.sh's last line and exit status
# in $t/last and $t/rc, its whole output in $t/out.
summary() {
	"$here/summary.sh" "$@" >"$t/out" 2>&1
	echo $? >"$t/rc"
	tail -n 1 "$t/out" >"$t/last"
}

# expect LAST-LINE PASSES?: the last line, and exit 0 only if PASSES? = 0.
expect() {
	if [ "$(cat "$t/last")" != "$1" ] ||
		{ [ "$2" = 0 ] && [ "$(cat "$t/rc")" != 0 ]; } ||
		{ [ "$2" != 0 ] && [ "$(cat "$t/rc")" = 0 ]; }; then
		echo "want \"$1\" and $([ "$2" = 0 ] || echo non-)zero exit, got:"
		cat "$t/out"
		echo "exit status $(cat "$t/rc")"
		return 1
	fi
}

whole_log() {
	summary <"$t/whole" && expect "5 passed, 0 failed" 0 &&
		grep -qx "1 skipped" "$t/out"
}

# The same under busybox awk, as guest/suite.sh counts in the guest.
whole_log_busybox() {
	mkdir -p "$t/bb" && ln -sf "$(command -v busybox)" "$t/bb/awk" &&
		PATH=$t/bb:$PATH summary <"$t/whole" && expect "5 passed, 0 failed" 0
}

plan_not_reached() {
	printf 'TAP version 13\n1..9\nok 1 a\nok 2 b\n' >"$t/log"
	summary "$t/log" && expect "2 passed, 1 failed" 1
}

more_than_planned() {
	printf 'TAP version 13\n1..1\nok 1 a\nok 2 b\n' >"$t/log"
	summary "$t/log" && expect "2 passed, 1 failed" 1
}

# Every cut of the whole log but the last line loses a plan or a result.
every_cut_fails() {
	local n lines
	lines=$(wc -l <"$t/whole")
	for ((n = 1; n < lines; n++)); do
		head -n "$n" "$t/whole" | summary
		[ "$(cat "$t/rc")" != 0 ] || {
			echo "cut after line $n passes:"
			cat "$t/out"
			return 1
		}
	done
}

nested_without_plan() {
	printf 'TAP version 13\n    ok 1 a\nok 1 prog\n1..1\n' >"$t/log"
	summary "$t/log" && expect "1 passed, 1 failed" 1
}

empty_log() {
	: >"$t/log"
	summary "$t/log" && expect "0 passed, 1 failed" 1 &&
		summary </dev/null && expect "0 passed, 1 failed" 1
}

no_tap() {
	printf 'Segmentation fault\n# nothing ran\n' >"$t/log"
	summary "$t/log" && expect "0 passed, 1 failed" 1
}

bail_out() {
	printf 'TAP version 13\n1..1\nok 1 a\nBail out! no device\n' >"$t/log"
	summary "$t/log" && expect "1 passed, 1 failed" 1
}

# A program that failed without saying which case: its closing "not ok"
# is the one failure; with a failed case inside it adds none.
closing_not_ok() {
	printf 'TAP version 13\n    1..1\n    ok 1 a\nnot ok 1 prog\nok 2 b\n1..2\n' >"$t/log"
	summary "$t/log" && expect "2 passed, 1 failed" 1 &&
		printf 'TAP version 13\n    1..1\n    not ok 1 a\nnot ok 1 prog\n1..1\n' >"$t/log" &&
		summary "$t/log" && expect "0 passed, 1 failed" 1
}

driver_status() {
	summary --status 1 "$t/whole" && expect "5 passed, 1 failed" 1 &&
		summary --status 0 "$t/whole" && expect "5 passed, 0 failed" 0
}

# Each log is whole on its own: one cut short fails the sum.
several_logs() {
	head -n 5 "$t/whole" >"$t/cut"
	summary "$t/whole" "$t/whole" && expect "10 passed, 0 failed" 0 &&
		summary "$t/whole" "$t/cut" && expect "7 passed, 2 failed" 1
}

# The helpers under test keep their files apart from the ones of this
# script's own results.

# tap_check returns CMD's status, so that "tap_check ... && next" stops.
check_returns_status() {
	(
		tap_tmp=$t/check
		mkdir "$tap_tmp" || exit 1
		tap_check "fails" false && exit 1
		tap_check "passes" true || exit 1
	) >"$t/out" || {
		cat "$t/out"
		return 1
	}
}

# A nested program that planned 3 and printed 1, and one that exited 2
# with every case passed: each gets "not ok", tap_nest returns non-zero,
# and the log counts one failure for it.
nest_fails() {
	(
		tap_tmp=$t/nest tap_n=0 tap_failed=0
		mkdir "$tap_tmp" || exit 1
		tap_begin
		tap_nest "cut" printf '1..3\nok 1 a\n' && exit 1
		tap_nest "status" sh -c 'printf "1..1\nok 1 a\n"; exit 2' && exit 1
		tap_nest "whole" printf '1..1\nok 1 a\n' || exit 1
		tap_done && exit 1
		exit 0
	) >"$t/nested" || {
		echo "a tap_nest or tap_done returned the wrong status:"
		cat "$t/nested"
		return 1
	}
	grep -qx "not ok 1 cut" "$t/nested" && grep -qx "not ok 2 status" "$t/nested" &&
		summary "$t/nested" && expect "3 passed, 2 failed" 1
}

# tap_result and tap_skip number their results in tap_check's sequence;
# a failed tap_result fails tap_done, and a skip is "ok" with its reason
# (one that tap/expected-skips does not list, a failure of the log).
result_and_skip() {
	(
		tap_tmp=$t/result tap_n=0 tap_failed=0
		mkdir "$tap_tmp" || exit 1
		tap_begin
		tap_result 0 "a"
		tap_result 1 "b"
		tap_skip "c" "no device"
		tap_check "d" true
		tap_done && exit 1
		exit 0
	) >"$t/results" || {
		echo "tap_done passed after a failed tap_result:"
		cat "$t/results"
		return 1
	}
	grep -qx "not ok 2 b" "$t/results" &&
		grep -qx "ok 3 c # SKIP no device" "$t/results" &&
		grep -qx "1..4" "$t/results" &&
		summary "$t/results" && expect "2 passed, 2 failed" 1
}

# A skip counts as one only if tap/expected-skips lists it for ARCH
# and KERNEL, named exactly: not for a kernel or architecture it does
# not name, nor for one whose name a listed one contains.
expected_skips() {
	printf 'TAP version 13\n1..2\nok 1 fault injection at load # SKIP no failslab\nok 2 a # SKIP why not\n' >"$t/log"
	KERNEL=6.1 summary "$t/log" && expect "0 passed, 1 failed" 1 &&
		grep -qx "1 skipped" "$t/out" &&
		ARCH=arm64 KERNEL=6.1 summary "$t/log" && expect "0 passed, 1 failed" 1 &&
		KERNEL=debug summary "$t/log" && expect "0 passed, 2 failed" 1 &&
		KERNEL=6 summary "$t/log" && expect "0 passed, 2 failed" 1 &&
		ARCH=riscv64 summary "$t/log" && expect "0 passed, 2 failed" 1
}

# A plan of no tests fails, at the top and nested: a program whose tests
# were all compiled out ran nothing.
plan_zero() {
	printf 'TAP version 13\n1..0\n' >"$t/log"
	summary "$t/log" && expect "0 passed, 1 failed" 1 &&
		printf 'TAP version 13\n    1..0\nok 1 prog\n1..1\n' >"$t/log" &&
		summary "$t/log" && expect "0 passed, 1 failed" 1 &&
		grep -q "a plan of no tests" "$t/out"
}

# Results numbered out of sequence: three "ok 1" are not three passes,
# and a gap is a lost result.
numbers_in_sequence() {
	printf 'TAP version 13\n1..3\nok 1 a\nok 1 b\nok 1 c\n' >"$t/log"
	summary "$t/log" && expect "3 passed, 2 failed" 1 &&
		grep -q "result number 1 at depth 0, expected 2" "$t/out" &&
		printf 'TAP version 13\n1..2\nok 1 a\nok 3 c\n' >"$t/log" &&
		summary "$t/log" && expect "2 passed, 1 failed" 1
}

# A TODO is not a pass, whether it says ok or not ok.
todo_fails() {
	printf 'TAP version 13\n1..2\nok 1 a # TODO fix\nok 2 b\n' >"$t/log"
	summary "$t/log" && expect "1 passed, 1 failed" 1 &&
		printf 'TAP version 13\n1..1\nnot ok 1 a # TODO fix\n' >"$t/log" &&
		summary "$t/log" && expect "0 passed, 1 failed" 1
}

# counted TABLE LOG...: tap_count with TABLE (NAME<TAB>COUNT lines) as
# the expected counts; its output in $t/out, the failures in $t/failed.
counted() {
	printf '%b' "$1" >"$t/counts"
	shift
	TAP_EXPECTED_COUNTS=$t/counts tap_count "$@" >"$t/out"
	tail -n 1 "$t/out" | cut -d ' ' -f 2 >"$t/failed"
}

# The counts of the whole log's programs, nested ones included (the
# selftest's subtest and its two skips), each printed; one that gave
# another count, a minimum not reached, one that did not run and one
# that ran twice (the log given twice) fail, each with its reason.
expected_counts() {
	counted 'device_test\t1\nmymem_test run=selftest\t2\nVM suite\t3+\n' "$t/whole" &&
		[ "$(cat "$t/failed")" = 0 ] &&
		grep -qx "# counted: mymem_test run=selftest: 2" "$t/out" &&
		grep -qx "# counted: VM suite: 3" "$t/out" || return
	counted 'mymem_test run=selftest\t3\n' "$t/whole"
	[ "$(cat "$t/failed")" = 1 ] &&
		grep -q "mymem_test run=selftest: 2 results, expected 3 " "$t/out" || return
	counted 'VM suite\t4+\n' "$t/whole"
	[ "$(cat "$t/failed")" = 1 ] || return
	counted 'mymem_test run=race\t3\n' "$t/whole"
	[ "$(cat "$t/failed")" = 1 ] &&
		grep -q "mymem_test run=race: not run" "$t/out" || return
	counted 'device_test\t1\n' "$t/whole" "$t/whole"
	[ "$(cat "$t/failed")" = 1 ] && grep -q "device_test: run 2 times" "$t/out"
}

# summary.sh --counts takes the lines of tap/expected-counts for ARCH
# and KERNEL (exact names): the made-up log runs none of x86-64's
# programs, and an architecture that the file does not name has none
# (its skip is unexpected, too).
summary_counts() {
	summary --counts "$t/whole" && [ "$(cat "$t/rc")" != 0 ] &&
		grep -q "rw_test: not run" "$t/out" &&
		ARCH=sparc summary --counts "$t/whole" && ! grep -q "not run" "$t/out" &&
		ARCH=x86 summary --counts "$t/whole" && ! grep -q "not run" "$t/out"
}

# fio_json FILE READ WRITTEN: the lines of a fio JSON report that
# tests/stress/fio-tap.awk reads, for one job that wrote WRITTEN bytes
# and read READ.
fio_json() {
	cat >"$1" <<EOF
      "jobname" : "whole",
      "error" : 0,
      "read" : {
        "io_bytes" : $2,
        "total_ios" : $(($2 / 4096)),
      "write" : {
        "io_bytes" : $3,
        "total_ios" : $(($3 / 4096)),
      "trim" : {
        "io_bytes" : 0,
        "total_ios" : 0,
      "sync" : {
        "total_ios" : 0,
EOF
}

# A fio job verified what it wrote only if it read all of it back.
fio_readback() {
	local awk=$here/../tests/stress/fio-tap.awk
	fio_json "$t/fio.0" 8192 8192 &&
		awk -v part=0 -v secs=1 -f "$awk" "$t/fio.0" >"$t/out" &&
		grep -qx "ok 1 whole at 0: 4 I/Os, 8192 bytes verified" "$t/out" &&
		fio_json "$t/fio.0" 4096 8192 || return
	awk -v part=0 -v secs=1 -f "$awk" "$t/fio.0" >"$t/out" && {
		echo "a job that read back half of what it wrote passes:"
		cat "$t/out"
		return 1
	}
	grep -q "^not ok 1 whole at 0: .*, 4096 of 8192 bytes written read back" "$t/out" &&
		grep -qx "# verified: 3 ops, 0 bytes, 1 s" "$t/out"
}

tap_begin
tap_check "summary: a whole log (nested TAP, KTAP, skip, noise) passes" whole_log
tap_check "summary: the same counts with busybox awk" whole_log_busybox
tap_check "summary: plan 1..9 and 2 results fails" plan_not_reached
tap_check "summary: more results than planned fails" more_than_planned
tap_check "summary: the whole log cut after any line fails" every_cut_fails
tap_check "summary: a nested block without a plan fails" nested_without_plan
tap_check "summary: an empty log fails" empty_log
tap_check "summary: a log with no TAP fails" no_tap
tap_check "summary: Bail out! fails" bail_out
tap_check "summary: a closing not ok counts once, with or without a failed case" closing_not_ok
tap_check "summary --status: a driver's non-zero status fails" driver_status
tap_check "summary: several logs, each whole on its own" several_logs
tap_check "summary: a skip not in tap/expected-skips for ARCH and KERNEL fails" expected_skips
tap_check "summary: a plan of no tests fails" plan_zero
tap_check "summary: a repeated or skipped result number fails" numbers_in_sequence
tap_check "summary: a TODO result fails" todo_fails
tap_check "counts: each program's count, a minimum, one not run, one run twice" expected_counts
tap_check "summary --counts: tap/expected-counts for ARCH and KERNEL" summary_counts
tap_check "tap_check returns the command's status" check_returns_status
tap_check "tap_nest: a cut or failed program is not ok and counted" nest_fails
tap_check "tap_result, tap_skip: numbered with tap_check, counted" result_and_skip
tap_check "stress: a fio job that read back less than it wrote fails" fio_readback
tap_done
