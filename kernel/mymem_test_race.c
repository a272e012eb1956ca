// SPDX-License-Identifier: GPL-2.0
/*
 * mymem_test, phase race: workers= kthreads each increment the 64-bit
 * word at offset 0 iters= times, runs= times per mode: with a plain read
 * and write ("unlocked", which loses updates), under a mutex of our own
 * ("mutex"), or with mymem_fetch_add() ("fetch_add").
 *
 * A run of unlocked mode passes only if the race happened: with more
 * than one worker it must lose updates (and with one, lose none).  How
 * the workers interleave is up to the scheduler, so a run that lost
 * nothing is run again, up to RACE_UNLOCKED_TRIES times, each try
 * logged; only the last try is a row of the results.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/mymem.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "mymem_results.h"
#include "mymem_test.h"

/*
 * Upper bounds that keep a typo from exhausting a small VM: each worker
 * is a thread, each run a row.  Larger values would show nothing new.
 */
#define RACE_MAX_WORKERS	1024
#define RACE_MAX_RUNS		1000
#define RACE_UNLOCKED_TRIES	5

static unsigned int workers = 50;
module_param(workers, uint, 0444);
MODULE_PARM_DESC(workers,
		 "Race: kthreads incrementing the counter, 1 to 1024 (default: 50)");

static unsigned int iters = 150000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters,
		 "Race: increments per kthread, at least 1 (default: 150000)");

static unsigned int runs = 3;
module_param(runs, uint, 0444);
MODULE_PARM_DESC(runs,
		 "Race: runs of each mode, 1 to 1000 (default: 3)");

static char *mode_list = "all";
module_param_named(mode, mode_list, charp, 0444);
MODULE_PARM_DESC(mode,
		 "Race: modes, comma-separated: unlocked, mutex, fetch_add, or all (default: all)");

enum race_mode { RACE_UNLOCKED, RACE_MUTEX, RACE_FETCH_ADD, NR_RACE_MODES };

static const char *const race_mode_names[NR_RACE_MODES] = {
	[RACE_UNLOCKED]		= MYMEM_MODE_UNLOCKED,
	[RACE_MUTEX]		= MYMEM_MODE_MUTEX,
	[RACE_FETCH_ADD]	= MYMEM_MODE_FETCH_ADD,
};

/* Race modes picked by mode=. */
static unsigned long race_modes;

struct race {
	enum race_mode mode;
	struct completion start;	/* the gate: workers begin together */
	struct completion done;		/* the last worker has finished */
	atomic_t running;
	struct mutex lock;		/* mutex mode: ours, not mymem's */
	bool stop;			/* quit early: the load is failing */
};

struct race_result {
	u64 final;
	u64 elapsed_ns;
	int err;	/* the first error a worker met */
};

static int race_io(ssize_t ret)
{
	if (ret == sizeof(u64))
		return 0;
	return ret < 0 ? ret : -EIO;
}

/* Read, add one, write back: two calls, another worker may come between. */
static int race_read_add_write(void)
{
	u64 v;
	int ret;

	ret = race_io(mymem_read(&v, sizeof(v), 0));
	if (ret)
		return ret;
	v++;
	return race_io(mymem_write(&v, sizeof(v), 0));
}

static int race_increment(struct race *r)
{
	u64 old;
	int ret;

	switch (r->mode) {
	case RACE_MUTEX:
		mutex_lock(&r->lock);
		ret = race_read_add_write();
		mutex_unlock(&r->lock);
		return ret;
	case RACE_FETCH_ADD:
		return mymem_fetch_add(0, 1, &old);
	default:
		return race_read_add_write();
	}
}

static int race_worker(void *data)
{
	struct race *r = data;
	unsigned int i;
	int ret = 0;

	wait_for_completion(&r->start);
	for (i = 0; i < iters && !ret && !READ_ONCE(r->stop); i++) {
		ret = race_increment(r);
		/*
		 * Without this, a non-preemptible kernel running more
		 * workers than CPUs keeps the others off until iters are
		 * done: no overlap, and soft lockups under emulation.
		 */
		cond_resched();
	}
	if (atomic_dec_and_test(&r->running))
		complete(&r->done);
	return ret;
}

/*
 * One run.  The workers hold references to @r on our stack, so every one
 * that started is joined by kthread_stop() (which also gives its return
 * value) before this returns, on every path.  Fails only when the run
 * could not take place; the API's errors are in @res.
 */
static int race_run(enum race_mode m, struct task_struct **tasks,
		    struct race_result *res)
{
	struct race r = { .mode = m };
	u64 start = MYMEM_RACE_START;
	unsigned int i, n;
	int ret, err;
	u64 t0;

	*res = (struct race_result){};
	res->err = race_io(mymem_write(&start, sizeof(start), 0));
	if (res->err)
		return 0;

	init_completion(&r.start);
	init_completion(&r.done);
	atomic_set(&r.running, workers);
	mutex_init(&r.lock);
	ret = 0;
	for (n = 0; n < workers; n++) {
		tasks[n] = kthread_run(race_worker, &r, "mymem_race/%u", n);
		if (IS_ERR(tasks[n])) {
			ret = PTR_ERR(tasks[n]);
			WRITE_ONCE(r.stop, true);
			break;
		}
		/* kthread_stop() needs it: a worker exits on its own. */
		get_task_struct(tasks[n]);
	}

	t0 = ktime_get_ns();
	complete_all(&r.start);
	if (!ret && wait_for_completion_killable(&r.done)) {
		ret = -EINTR;
		WRITE_ONCE(r.stop, true);
	}
	res->elapsed_ns = ktime_get_ns() - t0;

	for (i = 0; i < n; i++) {
		err = kthread_stop(tasks[i]);
		put_task_struct(tasks[i]);
		if (!res->err)
			res->err = err;
	}
	mutex_destroy(&r.lock);
	if (ret)
		return ret;
	if (!res->err)
		res->err = race_io(mymem_read(&res->final, sizeof(res->final),
					      0));
	return 0;
}

/* One row of the race format; pct: error_pct in ten-thousandths. */
struct race_row {
	enum race_mode mode;
	unsigned int run;
	u64 final;
	u64 expected;
	s64 lost;
	u64 pct;
	u64 elapsed_ns;
	u64 rate;
};

static struct {
	struct race_row *rows;
	unsigned int n;
} results;		/* rows: NULL until the phase runs */

/* Records the run's row; true if the mode's outcome is the right one. */
static bool race_report(enum race_mode m, unsigned int run,
			const struct race_result *res)
{
	u64 total = (u64)workers * iters;
	struct race_row *r;

	if (res->err) {
		pr_info(KTAP_SUB "# %s run %u: the API failed: %pe\n",
			race_mode_names[m], run, ERR_PTR(res->err));
		return false;
	}
	r = &results.rows[results.n++];
	r->mode = m;
	r->run = run;
	r->final = res->final;
	r->expected = MYMEM_RACE_START + total;
	r->lost = r->expected - res->final;
	/* error_pct: updates lost per hundred made. */
	r->pct = mul_u64_u64_div_u64(abs(r->lost), 1000000, total);
	r->elapsed_ns = res->elapsed_ns;
	r->rate = mul_u64_u64_div_u64(total, NSEC_PER_SEC,
				      max_t(u64, res->elapsed_ns, 1));
	pr_info(KTAP_SUB "# %s run %u: final %llu, expected %llu, lost %lld (%s%llu.%04llu%%), %llu ns, %llu increments/s\n",
		race_mode_names[m], run, r->final, r->expected, r->lost,
		r->lost < 0 ? "-" : "", r->pct / 10000, r->pct % 10000,
		r->elapsed_ns, r->rate);
	if (m == RACE_UNLOCKED && workers > 1)
		return r->lost > 0;
	return r->lost == 0;
}

/* Whether an unlocked run with more than one worker lost no update. */
static bool race_lost_none(enum race_mode m, const struct race_result *res)
{
	return m == RACE_UNLOCKED && workers > 1 && !res->err &&
	       res->final == MYMEM_RACE_START + (u64)workers * iters;
}

static int race(size_t size)
{
	struct task_struct **tasks;
	struct race_result res;
	unsigned int run, try, n = 0, failed = 0;
	enum race_mode m;
	int ret = 0;
	bool ok;

	tasks = kvmalloc_array(workers, sizeof(*tasks), GFP_KERNEL);
	results.rows = kvmalloc_array(hweight_long(race_modes) * runs,
				      sizeof(*results.rows), GFP_KERNEL);
	if (!tasks || !results.rows) {
		ret = -ENOMEM;
		goto out;
	}

	ktap_subtest(mt_race.name, hweight_long(race_modes) * runs);
	pr_info(KTAP_SUB "# %u kthreads x %u increments of the u64 at offset 0, from %#llx\n",
		workers, iters, MYMEM_RACE_START);
	for (m = 0; m < NR_RACE_MODES; m++) {
		if (!(race_modes & BIT(m)))
			continue;
		for (run = 1; run <= runs; run++) {
			for (try = 1;; try++) {
				ret = race_run(m, tasks, &res);
				if (ret)
					goto out;
				if (!race_lost_none(m, &res) ||
				    try == RACE_UNLOCKED_TRIES)
					break;
				pr_info(KTAP_SUB "# %s run %u, try %u of %u: no update lost, the workers never met: once more\n",
					race_mode_names[m], run, try,
					RACE_UNLOCKED_TRIES);
			}
			ok = race_report(m, run, &res);
			ktap_result(ok, ++n, "%s_run%u", race_mode_names[m], run);
			failed += !ok;
		}
	}
	ret = failed;
out:
	kvfree(tasks);
	return ret;
}

static int race_check(void)
{
	int ret;

	ret = mt_parse_list("mode", mode_list, race_mode_names, NR_RACE_MODES,
			    &race_modes);
	if (ret)
		return ret;
	if (workers && iters && runs && workers <= RACE_MAX_WORKERS &&
	    runs <= RACE_MAX_RUNS)
		return 0;
	pr_err("workers, iters, runs: at least 1; workers at most %u, runs %u\n",
	       RACE_MAX_WORKERS, RACE_MAX_RUNS);
	return -EINVAL;
}

static void race_show(struct seq_file *m)
{
	const struct race_row *r;
	struct mt_rows rows;

	if (!results.rows)
		return;
	mt_rows_begin(&rows, m, MYMEM_RACE_FORMAT);
	for (r = results.rows; r < results.rows + results.n; r++) {
		mt_field(&rows, "side", MYMEM_SIDE_KERNEL);
		mt_field(&rows, "mode", "%s", race_mode_names[r->mode]);
		mt_field(&rows, "workers", "%u", workers);
		mt_field(&rows, "iters", "%u", iters);
		mt_field(&rows, "run", "%u", r->run);
		mt_field(&rows, "final", "%llu", r->final);
		mt_field(&rows, "expected", "%llu", r->expected);
		mt_field(&rows, "lost", "%lld", r->lost);
		mt_field(&rows, "error_pct", "%s%llu.%04llu",
			 r->lost < 0 ? "-" : "", r->pct / 10000,
			 r->pct % 10000);
		mt_field(&rows, "elapsed_ns", "%llu", r->elapsed_ns);
		mt_field(&rows, "incr_per_s", "%llu", r->rate);
	}
}

/* At load failure or unload: the module goes, its statics with it. */
static void race_free(void)
{
	kvfree(results.rows);
}

const struct mt_phase mt_race = {
	.name		= "race",
	.check		= race_check,
	.run		= race,
	.show		= race_show,
	.free		= race_free,
	.min_size	= sizeof(u64),
};
