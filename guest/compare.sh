#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the VM guest (see experiments/compare.sh): builds of mymem.ko
# loaded in turn, round by round, each measured with its peers.
#
#   guest/compare.sh NAME=VALUE...
#
# The NAME=VALUE are experiments/params.sh's compare_* parameters, all
# required: compare_rounds (ROUNDS), compare_small and compare_large (the
# sizes), compare_trials and compare_large_trials (TRIALS, LARGE_TRIALS).
# /mymem/compare holds NAME.ko for each build and builds.txt (NAME REV
# COMMIT a line, in order).  Each round loads every build in that order,
# runs mymem-bench on it and on /dev/zero, /dev/null, tmpfs and brd, and
# unloads it: /results/bench-NAME-ROUND.csv, in the bench format, the
# small rows of TRIALS trials, the large rows of LARGE_TRIALS (a 512 KiB
# copy counts about 525,000 instructions, emulated one by one).
# builds.txt and env.txt go to /results too.
set -eu

builds=/mymem/compare
out=/results

# shellcheck source=guest/bench-env.sh
. "$(dirname "$0")/bench-env.sh"
take_params "compare_rounds compare_small compare_trials compare_large compare_large_trials" "$@"
rounds=$compare_rounds
wait_for_clock
bench_env "rounds=$rounds trials=$compare_trials large_trials=$compare_large_trials" >"$out/env.txt"
cp "$builds/builds.txt" "$out/"

targets=mymem,zero,null,tmpfs,brd
modprobe brd rd_nr=1 rd_size=1024
for round in $(seq "$rounds"); do
	while read -r name rev _; do
		echo "round $round/$rounds: $rev"
		insmod "$builds/$name.ko"
		csv=$out/bench-$name-$round.csv
		mymem-bench -q --csv -n "$compare_trials" -t "$targets" \
			-s "$compare_small" >"$csv"
		mymem-bench -q --csv -n "$compare_large_trials" -t "$targets" \
			-s "$compare_large" |
			tail -n +2 >>"$csv"
		rmmod mymem
	done <"$builds/builds.txt"
done
