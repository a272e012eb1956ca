// SPDX-License-Identifier: GPL-2.0
/*
 * mymem_test, phase bench: latency and throughput of mymem_read() and
 * mymem_write() of each of sizes= bytes at offset 0.  Each size gives
 * two rows per operation: every call timed alone (batch 1), and all
 * trials calls timed as one batch, which spreads the clock's own cost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mymem.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "mymem_results.h"
#include "mymem_stats.h"
#include "mymem_test.h"

/*
 * Upper bounds that keep a typo from exhausting a small VM: the samples
 * take 16 bytes per trial.  Larger values would show nothing new.
 */
#define BENCH_MAX_SIZES		16
#define BENCH_MAX_TRIALS	1000000

static unsigned int sizes[BENCH_MAX_SIZES] = { 1, 64, 1024, 65536, 524288 };
static unsigned int nr_sizes = 5;	/* the defaults above */
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes,
		 "Bench: transfer sizes in bytes, each at least 1, up to 16 of them; sizes above the region size are skipped (default: 1,64,1024,65536,524288)");

static unsigned int trials = 1000;
module_param(trials, uint, 0444);
MODULE_PARM_DESC(trials,
		 "Bench: timed writes and reads per size, 1 to 1000000 (default: 1000)");

enum bench_op { BENCH_WRITE, BENCH_READ, NR_BENCH_OPS };

static const char *const bench_op_names[NR_BENCH_OPS] = {
	[BENCH_WRITE]	= MYMEM_OP_WRITE,
	[BENCH_READ]	= MYMEM_OP_READ,
};

struct bench {
	u8 *wbuf;			/* this trial's random data */
	u8 *rbuf;			/* what reading it back gave */
	u64 *ns[NR_BENCH_OPS];		/* per-call times of one size */
	u64 batch_ns[NR_BENCH_OPS];	/* a batch of trials calls */
	u64 clock_ns;			/* cost of timing no call at all */
};

struct bench_stats {
	u64 mean;
	u64 median;
	u64 p99;
};

/*
 * The one timing routine: @n transfers of @len bytes at offset 0 between
 * one pair of clock reads.  n = 1 times a single call; n = 0 times the
 * clock reads and this routine themselves, which is what gets subtracted.
 * A batch of large transfers under emulation takes minutes, so it lets
 * the scheduler in and stops when insmod is killed; both checks cost a
 * flag test.
 *
 * Return: 0 if every transfer did all of @len, 1 (a failed check) if
 * one did not, -EINTR if insmod was killed (here or in the call).
 */
static int bench_time(enum bench_op op, u8 *buf, size_t len, unsigned int n,
		      u64 *ns)
{
	ssize_t ret = len;
	u64 t0;

	t0 = ktime_get_ns();
	while (n-- && ret == len) {
		if (op == BENCH_WRITE)
			ret = mymem_write(buf, len, 0);
		else
			ret = mymem_read(buf, len, 0);
		cond_resched();
		if (fatal_signal_pending(current))
			ret = -EINTR;
	}
	*ns = ktime_get_ns() - t0;

	if (ret == len)
		return 0;
	if (ret == -EINTR)
		return -EINTR;
	pr_info(KTAP_SUB "# size %zu: %s returned %zd\n",
		len, bench_op_names[op], ret);
	return 1;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Subtracts @overhead from @ns and sorts them.  The ranks are
 * mymem_stats.h's, the tools' too; the mean is an integer, rounded down
 * (the tools': a double), as mymem_stats.h says.
 */
static void bench_stats(u64 *ns, unsigned int n, u64 overhead,
			struct bench_stats *st)
{
	unsigned long lo, hi;
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		ns[i] = ns[i] > overhead ? ns[i] - overhead : 0;
		sum += ns[i];
	}
	sort(ns, n, sizeof(*ns), bench_cmp_u64, NULL);
	st->mean = div_u64(sum, n);
	mymem_median_ranks(n, &lo, &hi);
	st->median = (ns[lo] + ns[hi]) / 2;
	/* n <= BENCH_MAX_TRIALS: n * 99 fits in an unsigned long */
	st->p99 = ns[mymem_p99_rank(n)];
}

/* Median of trials empty timings: the clock's own cost, per measurement. */
static void bench_calibrate(struct bench *b)
{
	struct bench_stats st;
	unsigned int i;

	for (i = 0; i < trials; i++)
		bench_time(BENCH_READ, NULL, 0, 0, &b->ns[BENCH_READ][i]);
	bench_stats(b->ns[BENCH_READ], trials, 0, &st);
	b->clock_ns = st.median;
}

/* A read must give back the bytes written; says where it did not. */
static bool bench_verify(const struct bench *b, size_t len)
{
	size_t i = mt_first_diff(b->rbuf, b->wbuf, len);

	if (i == len)
		return true;
	pr_info(KTAP_SUB "# size %zu: read byte %zu is %#x, wrote %#x\n",
		len, i, b->rbuf[i], b->wbuf[i]);
	return false;
}

/*
 * Timed trials at one size.  Per call: fresh random data (untimed), one
 * timed write, one timed read, the read checked.  Then a batch of trials
 * writes and one of trials reads of the last data, each between a single
 * pair of clock reads, so the clock's cost is spread over the batch.
 */
static int bench_measure(struct bench *b, size_t len)
{
	unsigned int t;
	int op, ret;

	for (t = 0; t < trials; t++) {
		get_random_bytes(b->wbuf, len);
		ret = bench_time(BENCH_WRITE, b->wbuf, len, 1,
				 &b->ns[BENCH_WRITE][t]);
		if (ret)
			return ret;
		mt_poison(b->rbuf, b->wbuf, len);
		ret = bench_time(BENCH_READ, b->rbuf, len, 1,
				 &b->ns[BENCH_READ][t]);
		if (ret)
			return ret;
		if (!bench_verify(b, len))
			return 1;
	}

	mt_poison(b->rbuf, b->wbuf, len);
	for (op = 0; op < NR_BENCH_OPS; op++) {
		ret = bench_time(op, op == BENCH_WRITE ? b->wbuf : b->rbuf,
				 len, trials, &b->batch_ns[op]);
		if (ret)
			return ret;
	}
	return !bench_verify(b, len);
}

/* One row of the bench format; mb_s in hundredths, for two decimals. */
struct bench_row {
	enum bench_op op;
	size_t size;
	unsigned int batch;
	struct bench_stats st;
	u64 mb_s;
};

static struct {
	struct bench_row *rows;
	unsigned int n;
} results;		/* rows: NULL until the phase runs */

/* size / mean in hundredths of MB/s, rounded down (mymem_stats.h) */
static u64 bench_mb_s(u64 bytes, u64 ns)
{
	return ns ? mul_u64_u64_div_u64(bytes, 100000, ns) : 0;
}

static void bench_add(enum bench_op op, size_t len, unsigned int batch,
		      const struct bench_stats *st)
{
	struct bench_row *r = &results.rows[results.n++];

	*r = (struct bench_row){ op, len, batch, *st, bench_mb_s(len, st->mean) };
	pr_info(KTAP_SUB "# size %zu %s, batch %u: mean %llu ns, median %llu ns, p99 %llu ns; %llu.%02llu MB/s\n",
		len, bench_op_names[op], batch, st->mean, st->median, st->p99,
		r->mb_s / 100, r->mb_s % 100);
}

/* Per operation: the calls timed one by one, then the batch. */
static void bench_report(struct bench *b, size_t len)
{
	struct bench_stats st;
	u64 batch;
	int op;

	for (op = 0; op < NR_BENCH_OPS; op++) {
		bench_stats(b->ns[op], trials, b->clock_ns, &st);
		bench_add(op, len, 1, &st);
		batch = b->batch_ns[op] > b->clock_ns ?
			b->batch_ns[op] - b->clock_ns : 1;
		/* One interval: its mean is its median and its p99. */
		st.mean = div_u64(batch, trials);
		st.median = st.mean;
		st.p99 = st.mean;
		bench_add(op, len, trials, &st);
	}
}

static int bench(size_t size)
{
	struct bench b = {};
	size_t len, max_len = 0;
	unsigned int i, failed = 0;
	int ret = -ENOMEM;

	for (i = 0; i < nr_sizes; i++)
		if (sizes[i] <= size)
			max_len = max_t(size_t, max_len, sizes[i]);
	b.wbuf = kvmalloc(max_len, GFP_KERNEL);
	b.rbuf = kvmalloc(max_len, GFP_KERNEL);
	b.ns[BENCH_WRITE] = kvmalloc_array(trials, sizeof(u64), GFP_KERNEL);
	b.ns[BENCH_READ] = kvmalloc_array(trials, sizeof(u64), GFP_KERNEL);
	/* Two rows (batch 1 and batch trials) per operation and size. */
	results.rows = kvmalloc_array(nr_sizes * NR_BENCH_OPS * 2,
				      sizeof(*results.rows), GFP_KERNEL);
	if (!b.wbuf || !b.rbuf || !b.ns[BENCH_WRITE] || !b.ns[BENCH_READ] ||
	    !results.rows)
		goto out;

	ktap_subtest(mt_bench.name, nr_sizes);
	bench_calibrate(&b);
	pr_info(KTAP_SUB "# %u trials per size at offset 0; every read checked\n",
		trials);
	pr_info(KTAP_SUB "# clock cost %llu ns (median of %u empty timings), subtracted from every time\n",
		b.clock_ns, trials);

	for (i = 0; i < nr_sizes; i++) {
		len = sizes[i];
		if (len > size) {
			ktap_result(true, i + 1,
				    "size_%zu # SKIP not within the %zu-byte region",
				    len, size);
			continue;
		}
		ret = bench_measure(&b, len);
		if (ret < 0)
			goto out;
		if (!ret)
			bench_report(&b, len);
		ktap_result(!ret, i + 1, "size_%zu", len);
		failed += ret;
	}
	ret = failed;
out:
	kvfree(b.ns[BENCH_READ]);
	kvfree(b.ns[BENCH_WRITE]);
	kvfree(b.rbuf);
	kvfree(b.wbuf);
	return ret;
}

static int bench_check(void)
{
	bool ok = nr_sizes && trials && trials <= BENCH_MAX_TRIALS;
	unsigned int i;

	for (i = 0; i < nr_sizes; i++)
		ok = ok && sizes[i];
	if (ok)
		return 0;
	pr_err("sizes (each of them), trials: at least 1; trials at most %u\n",
	       BENCH_MAX_TRIALS);
	return -EINVAL;
}

static void bench_show(struct seq_file *m)
{
	const struct bench_row *r;
	struct mt_rows rows;

	if (!results.rows)
		return;
	mt_rows_begin(&rows, m, MYMEM_BENCH_FORMAT);
	for (r = results.rows; r < results.rows + results.n; r++) {
		mt_field(&rows, "side", MYMEM_SIDE_KERNEL);
		mt_field(&rows, "target", MYMEM_TARGET_API);
		mt_field(&rows, "op", "%s", bench_op_names[r->op]);
		mt_field(&rows, "size", "%zu", r->size);
		mt_field(&rows, "threads", "1");
		mt_field(&rows, "trials", "%u", trials);
		mt_field(&rows, "mean_ns", "%llu", r->st.mean);
		mt_field(&rows, "median_ns", "%llu", r->st.median);
		mt_field(&rows, "p99_ns", "%llu", r->st.p99);
		mt_field(&rows, "mb_s", "%llu.%02llu", r->mb_s / 100,
			 r->mb_s % 100);
		mt_field(&rows, "batch", "%u", r->batch);
		mt_field(&rows, "per_call", "1");
	}
}

/* At load failure or unload: the module goes, its statics with it. */
static void bench_free(void)
{
	kvfree(results.rows);
}

const struct mt_phase mt_bench = {
	.name		= "bench",
	.check		= bench_check,
	.run		= bench,
	.show		= bench_show,
	.free		= bench_free,
	.min_size	= 1,
};
