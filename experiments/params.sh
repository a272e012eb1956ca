# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034
# The parameters of the experiments, set here and nowhere else: sourced
# by experiments/measure.sh (make run, make bench) and
# experiments/compare.sh (make compare), which pass every one of them to
# the guest explicitly (guest/measure.sh and guest/compare.sh take no
# defaults) and record them in raw/env.txt as param_NAME=VALUE lines,
# which the report reads back (report/params.py).  The tools' and
# mymem_test's own defaults are for people; a run never uses them.
# A value is a number or a comma-separated list of numbers.

# make run, make bench (guest/measure.sh):
bench_sizes=1,64,1024,65536,524288	# bytes: mymem-bench -s, mymem_test sizes=
amortised_sizes=1,64			# bytes: the amortised paths' -s
amortised_per_call=1,4,16,64,256	# their transfers per call: -k
trials=1000		# calls timed per target, size and count, both sides
bench_runs=1		# repeats of the icount benchmarks (docs/report.md)
runs=3			# repeats of read scaling and the races
scale_size=524288	# bytes of each read of read scaling
workers=50		# threads, and kthreads, of the races
iters=150000		# increments per worker
sweep_workers=1,2,4,8,16,32,50,100	# the W of the race sweep
sweep_iters=20000	# increments per worker of the sweep

# QUICK=1: a small version, to try things (about 2 minutes under TCG).
if [ "${QUICK:-0}" = 1 ]; then
	trials=100 workers=16 iters=5000 runs=1 sweep_iters=2000
fi

# The run's parameters, as env.txt records them (measure_args: as the
# guest takes them).
run_params="bench_sizes amortised_sizes amortised_per_call trials bench_runs runs scale_size workers iters sweep_workers sweep_iters"

# make compare (guest/compare.sh), each overridden by its option:
compare_rounds=5	# -r: rounds of every build
compare_small=1		# bytes of the per-call ratios ...
compare_trials=20000	# -n: ... timed this many times
compare_large=524288	# bytes of the bandwidth ratios ...
compare_large_trials=100	# -N: ... timed this many times

compare_params="compare_rounds compare_small compare_trials compare_large compare_large_trials"

# params_args NAME...: NAME=VALUE, one a line, for each NAME.
params_args() {
	for name; do
		eval "echo \"\$name=\${$name}\""
	done
}

# measure_args RUNS: what guest/measure.sh is given after its steps,
# NAME=VALUE a line: every parameter of the run, but for bench_runs and
# runs the RUNS of that guest's steps.
measure_args() {
	# shellcheck disable=SC2086 # the names, one a word
	params_args $run_params | grep -v -e '^bench_runs=' -e '^runs='
	echo "runs=$1"
}

# params_env NAME...: the lines of env.txt that record them.
params_env() {
	params_args "$@" | sed 's/^/param_/'
}
