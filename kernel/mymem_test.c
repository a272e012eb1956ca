// SPDX-License-Identifier: GPL-2.0
/*
 * mymem_test - an in-kernel user of the mymem API (<linux/mymem.h>) that
 * checks it, measures it and shows why it offers atomic operations.
 *
 * Everything runs at load time, in the phases picked by run=:
 *
 *  selftest  the return value and the effect of every call, compared
 *            with a model of the region (a shadow copy).
 *  bench     latency and throughput of reads and writes of each of
 *            sizes= bytes at offset 0.
 *  race      workers= kthreads each increment the 64-bit word at offset 0
 *            iters= times: with a plain read and write ("unlocked", which
 *            loses updates), under a mutex of our own ("mutex"), or with
 *            mymem_fetch_add() ("atomic").
 *
 * The results are KTAP in the kernel log and CSV in the formats of
 * docs/CONTRIBUTING.md, both in the log between "BEGIN CSV" and "END CSV"
 * lines and in /sys/kernel/debug/mymem_test/results, which lasts until
 * the module is removed.  Any failed check fails the load, so the status
 * of insmod/modprobe is the verdict.
 *
 * The tests are destructive: they overwrite the region (the selftest all
 * of it, the bench up to its largest size, the race the word at offset 0)
 * and leave it so.  Restoring the old contents would itself race with any
 * other user; load the module when nothing else uses mymem.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/mymem.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "mymem_compat.h"

enum mt_phase { PHASE_SELFTEST, PHASE_BENCH, PHASE_RACE, NR_PHASES };

static const char *const phase_names[NR_PHASES] = {
	[PHASE_SELFTEST]	= "selftest",
	[PHASE_BENCH]		= "bench",
	[PHASE_RACE]		= "race",
};

enum race_mode { RACE_UNLOCKED, RACE_MUTEX, RACE_ATOMIC, NR_RACE_MODES };

static const char *const race_mode_names[NR_RACE_MODES] = {
	[RACE_UNLOCKED]	= "unlocked",
	[RACE_MUTEX]	= "mutex",
	[RACE_ATOMIC]	= "atomic",
};

/*
 * Upper bounds that keep a typo from exhausting a small VM: the samples
 * take 16 bytes per trial, the results 768 bytes per race run, and each
 * worker is a thread.  Larger values would show nothing new.
 */
#define BENCH_MAX_SIZES		16
#define BENCH_MAX_TRIALS	1000000
#define RACE_MAX_WORKERS	1024
#define RACE_MAX_RUNS		1000

static char *run_list = "all";
module_param_named(run, run_list, charp, 0444);
MODULE_PARM_DESC(run,
		 "Phases to run at load, comma-separated: selftest, bench, race, or all (default: all)");

static unsigned int sizes[BENCH_MAX_SIZES] = { 1, 64, 1024, 65536, 524288 };
static unsigned int nr_sizes = 5;	/* the defaults above */
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes,
		 "Bench: transfer sizes in bytes, up to 16; sizes above the region size are skipped (default: 1,64,1024,65536,524288)");

static unsigned int trials = 1000;
module_param(trials, uint, 0444);
MODULE_PARM_DESC(trials,
		 "Bench: timed writes and reads per size, 1 to 1000000 (default: 1000)");

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
		 "Race: modes, comma-separated: unlocked, mutex, atomic, or all (default: all)");

/* Race modes picked by mode=. */
static unsigned long race_modes;

/*
 * The CSV, built once while the phases run and then only read: by the
 * debugfs file, and line by line into the log.
 */
#define RESULT_LINE_MAX		256

/* The header lines, as docs/CONTRIBUTING.md has them. */
static const char bench_csv_header[] =
	"side,target,op,size,threads,trials,mean_ns,median_ns,p99_ns,mb_s\n";
static const char race_csv_header[] =
	"side,mode,workers,iters,run,final,expected,lost,error_pct,elapsed_ns,incr_per_s\n";

static struct {
	char *buf;
	size_t len;
	size_t cap;
	struct dentry *dir;
} results;

static __printf(1, 2) void results_add(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	results.len += vscnprintf(results.buf + results.len,
				  results.cap - results.len, fmt, args);
	va_end(args);
}

/* One printk per line: the log is parsed line by line, not the buffer. */
static void results_log(void)
{
	const char *end = results.buf + results.len;
	const char *line, *nl;

	pr_info("BEGIN CSV\n");
	for (line = results.buf; line < end; line = nl + 1) {
		nl = strchrnul(line, '\n');
		pr_info("%.*s\n", (int)(nl - line), line);
	}
	pr_info("END CSV\n");
}

static ssize_t results_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(ubuf, count, ppos, results.buf,
				       results.len);
}

static const struct file_operations results_fops = {
	.owner	= THIS_MODULE,
	.read	= results_read,
	.llseek	= default_llseek,
};

/* KTAP indents each nesting level by two spaces; the phases are level 1. */
#define KTAP_SUB	"  "

static __printf(3, 4) void ktap_result(bool ok, unsigned int n,
				       const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info(KTAP_SUB "%sok %u %pV\n", ok ? "" : "not ", n, &vaf);
	va_end(args);
}

static void ktap_subtest(const char *name, unsigned int n)
{
	pr_info(KTAP_SUB "KTAP version 1\n");
	pr_info(KTAP_SUB "# Subtest: %s\n", name);
	pr_info(KTAP_SUB "1..%u\n", n);
}

/* ---- helpers shared by the selftest and the bench ---- */

/*
 * Fill a read buffer so that a read which copies nothing cannot pass:
 * its first byte differs from the first byte due.  A memset, because the
 * bench poisons before every trial and must stay cheap under emulation.
 */
static void poison(u8 *buf, const u8 *due, size_t len)
{
	if (len)
		memset(buf, (u8)~due[0], len);
}

/* Index of the first byte where @a and @b differ, or @len. */
static size_t first_diff(const u8 *a, const u8 *b, size_t len)
{
	size_t i = 0;

	while (i < len && a[i] == b[i])
		i++;
	return i;
}

/* ---- selftest ---- */

/*
 * Each case is one API call at a position relative to the region size,
 * so the same table checks any region of at least ST_MIN_SIZE bytes.
 */
#define ST_MIN_SIZE	64

enum st_op { ST_READ, ST_WRITE, ST_FETCH_ADD, ST_CMPXCHG };
enum st_anchor { ST_START, ST_MIDDLE, ST_END, ST_LAST_WORD };

struct st_case {
	const char *name;
	enum st_op op;
	enum st_anchor at;
	s64 delta;	/* position = anchor + delta, modulo 2^64 */
	u64 arg;	/* length (read, write), addend, or desired value */
	s64 want;	/* the return value */
	bool match;	/* cmpxchg: pass the current value as expected? */
	bool whole;	/* read, write: all of the region; want its size */
};

static const struct st_case st_cases[] = {
	{ "write_whole_region",		ST_WRITE, .whole = true },
	{ "read_whole_region",		ST_READ, .whole = true },
	{ "write_at_start",		ST_WRITE, ST_START, 0, 16, 16 },
	{ "read_at_start",		ST_READ, ST_START, 0, 16, 16 },
	{ "write_in_middle",		ST_WRITE, ST_MIDDLE, -3, 16, 16 },
	{ "read_overlapping_middle",	ST_READ, ST_MIDDLE, -11, 16, 16 },
	{ "read_zero_bytes",		ST_READ, ST_MIDDLE, 0, 0, 0 },
	{ "write_zero_bytes",		ST_WRITE, ST_MIDDLE, 0, 0, 0 },
	{ "write_straddling_end",	ST_WRITE, ST_END, -5, 16, 5 },
	{ "read_straddling_end",	ST_READ, ST_END, -5, 16, 5 },
	{ "read_at_end",		ST_READ, ST_END, 0, 16, 0 },
	{ "write_at_end",		ST_WRITE, ST_END, 0, 16, -ENOSPC },
	{ "read_past_end",		ST_READ, ST_END, 1, 16, 0 },
	{ "write_past_end",		ST_WRITE, ST_END, 1, 16, -ENOSPC },
	{ "read_at_max_pos",		ST_READ, ST_START, LLONG_MAX, 16, 0 },
	{ "write_at_max_pos",		ST_WRITE, ST_START, LLONG_MAX, 16, -ENOSPC },
	{ "read_negative_pos",		ST_READ, ST_START, -1, 16, -EINVAL },
	{ "write_negative_pos",		ST_WRITE, ST_START, -1, 16, -EINVAL },
	{ "cmpxchg_succeeds",		ST_CMPXCHG, ST_START, 8, 0x0123456789abcdefULL, 0, true },
	{ "cmpxchg_fails",		ST_CMPXCHG, ST_START, 8, 42, 0, false },
	{ "fetch_add_returns_old",	ST_FETCH_ADD, ST_START, 8, 5 },
	/* Adding 2^64 - 1 to a non-zero word carries out of bit 63. */
	{ "fetch_add_wraps",		ST_FETCH_ADD, ST_START, 8, U64_MAX },
	{ "read_word_back",		ST_READ, ST_START, 8, 8, 8 },
	{ "fetch_add_last_word",	ST_FETCH_ADD, ST_LAST_WORD, 0, 1 },
	{ "cmpxchg_last_word",		ST_CMPXCHG, ST_LAST_WORD, 0, 7, 0, true },
	{ "fetch_add_unaligned",	ST_FETCH_ADD, ST_START, 12, 1, -EINVAL },
	{ "cmpxchg_unaligned",		ST_CMPXCHG, ST_START, 12, 1, -EINVAL, true },
	{ "fetch_add_size_minus_7",	ST_FETCH_ADD, ST_END, -7, 1, -EINVAL },
	{ "cmpxchg_size_minus_7",	ST_CMPXCHG, ST_END, -7, 1, -EINVAL, true },
	{ "fetch_add_at_size",		ST_FETCH_ADD, ST_END, 0, 1, -EINVAL },
	{ "cmpxchg_at_size",		ST_CMPXCHG, ST_END, 0, 1, -EINVAL, true },
	/* Aligned, and offset + 8 wraps to 0: a naive bounds check passes. */
	{ "fetch_add_huge_offset",	ST_FETCH_ADD, ST_START, -8, 1, -EINVAL },
	{ "cmpxchg_huge_offset",	ST_CMPXCHG, ST_START, -8, 1, -EINVAL, true },
	/* Failed and short calls must not have touched other bytes. */
	{ "region_matches_model",	ST_READ, .whole = true },
};

struct st_state {
	size_t size;
	u8 *model;	/* what the region must hold */
	u8 *buf;	/* the caller's buffer */
};

static __printf(2, 3) bool st_fail(const struct st_case *c,
				   const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info(KTAP_SUB "# %s: %pV\n", c->name, &vaf);
	va_end(args);
	return false;
}

static u64 st_pos(const struct st_case *c, size_t size)
{
	u64 base;

	switch (c->at) {
	case ST_MIDDLE:
		base = size / 2;
		break;
	case ST_END:
		base = size;
		break;
	case ST_LAST_WORD:
		base = round_down(size, sizeof(u64)) - sizeof(u64);
		break;
	default:
		base = 0;
		break;
	}
	return base + c->delta;
}

static bool st_read_write(const struct st_case *c, struct st_state *st,
			  u64 pos)
{
	size_t len = c->whole ? st->size : c->arg;
	s64 want = c->whole ? st->size : c->want;
	size_t count = max_t(s64, want, 0);	/* bytes due */
	ssize_t ret;
	size_t i;

	if (c->op == ST_WRITE) {
		get_random_bytes(st->buf, len);
		ret = mymem_write(st->buf, len, pos);
	} else {
		poison(st->buf, st->model + pos, count);
		ret = mymem_read(st->buf, len, pos);
	}
	if (ret != want)
		return st_fail(c, "returned %zd, expected %lld", ret, want);
	if (c->op == ST_WRITE) {
		memcpy(st->model + pos, st->buf, count);
		return true;
	}
	i = first_diff(st->buf, st->model + pos, count);
	if (i < count)
		return st_fail(c, "byte %llu is %#x, expected %#x",
			       pos + i, st->buf[i], st->model[pos + i]);
	return true;
}

static bool st_atomic(const struct st_case *c, struct st_state *st, u64 pos)
{
	u64 cur = 0, old = 0, new;
	int ret;

	/* Only a call expected to succeed has a word to look at. */
	if (!c->want)
		memcpy(&cur, st->model + pos, sizeof(cur));
	if (c->op == ST_FETCH_ADD) {
		ret = mymem_fetch_add(pos, c->arg, &old);
		new = cur + c->arg;
	} else {
		ret = mymem_cmpxchg(pos, c->match ? cur : ~cur, c->arg, &old);
		new = c->match ? c->arg : cur;
	}
	if (ret != c->want)
		return st_fail(c, "returned %d, expected %lld", ret, c->want);
	if (ret)
		return true;
	memcpy(st->model + pos, &new, sizeof(new));
	if (old != cur)
		return st_fail(c, "old value %#llx, expected %#llx", old, cur);
	return true;
}

static int selftest(size_t size)
{
	struct st_state st = { .size = size };
	unsigned int i, failed = 0;
	bool ok;

	st.model = kvmalloc(size, GFP_KERNEL);
	st.buf = kvmalloc(size, GFP_KERNEL);
	if (!st.model || !st.buf) {
		kvfree(st.model);
		kvfree(st.buf);
		return -ENOMEM;
	}

	ktap_subtest(phase_names[PHASE_SELFTEST], ARRAY_SIZE(st_cases));
	pr_info(KTAP_SUB "# region size: %zu bytes\n", size);
	for (i = 0; i < ARRAY_SIZE(st_cases); i++) {
		const struct st_case *c = &st_cases[i];
		u64 pos = st_pos(c, size);

		if (c->op == ST_READ || c->op == ST_WRITE)
			ok = st_read_write(c, &st, pos);
		else
			ok = st_atomic(c, &st, pos);
		ktap_result(ok, i + 1, "%s", c->name);
		failed += !ok;
	}

	kvfree(st.model);
	kvfree(st.buf);
	return failed;
}

/* ---- bench ---- */

enum bench_op { BENCH_WRITE, BENCH_READ, NR_BENCH_OPS };

static const char *const bench_op_names[NR_BENCH_OPS] = {
	[BENCH_WRITE]	= "write",
	[BENCH_READ]	= "read",
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

/* Sorts @ns; nearest-rank p99. */
static void bench_stats(u64 *ns, unsigned int n, u64 overhead,
			struct bench_stats *st)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		ns[i] = ns[i] > overhead ? ns[i] - overhead : 0;
		sum += ns[i];
	}
	sort(ns, n, sizeof(*ns), bench_cmp_u64, NULL);
	st->mean = div_u64(sum, n);
	st->median = (ns[(n - 1) / 2] + ns[n / 2]) / 2;
	/* n <= BENCH_MAX_TRIALS: n * 99 fits in 32 bits, no u64 division */
	st->p99 = ns[DIV_ROUND_UP(n * 99, 100) - 1];
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
	size_t i = first_diff(b->rbuf, b->wbuf, len);

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
		poison(b->rbuf, b->wbuf, len);
		ret = bench_time(BENCH_READ, b->rbuf, len, 1,
				 &b->ns[BENCH_READ][t]);
		if (ret)
			return ret;
		if (!bench_verify(b, len))
			return 1;
	}

	poison(b->rbuf, b->wbuf, len);
	for (op = 0; op < NR_BENCH_OPS; op++) {
		ret = bench_time(op, op == BENCH_WRITE ? b->wbuf : b->rbuf,
				 len, trials, &b->batch_ns[op]);
		if (ret)
			return ret;
	}
	return !bench_verify(b, len);
}

static void bench_report(struct bench *b, size_t len)
{
	struct bench_stats st;
	u64 batch, mean, mb_s;
	u32 hundredths;
	int op;

	for (op = 0; op < NR_BENCH_OPS; op++) {
		bench_stats(b->ns[op], trials, b->clock_ns, &st);
		batch = b->batch_ns[op] > b->clock_ns ?
			b->batch_ns[op] - b->clock_ns : 1;
		mean = div_u64(batch, trials);
		/* MB/s = bytes * 1000 / ns; hundredths of it, for 2 decimals */
		mb_s = div_u64_rem(mul_u64_u64_div_u64((u64)len * trials,
						       100000, batch),
				   100, &hundredths);
		results_add("kernel,api,%s,%zu,1,%u,%llu,%llu,%llu,%llu.%02u\n",
			    bench_op_names[op], len, trials, mean, st.median,
			    st.p99, mb_s, hundredths);
		pr_info(KTAP_SUB "# size %zu %s: mean %llu ns (batch), %llu ns (per call); median %llu ns, p99 %llu ns; %llu.%02u MB/s\n",
			len, bench_op_names[op], mean, st.mean, st.median,
			st.p99, mb_s, hundredths);
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
	if (!b.wbuf || !b.rbuf || !b.ns[BENCH_WRITE] || !b.ns[BENCH_READ])
		goto out;

	ktap_subtest(phase_names[PHASE_BENCH], nr_sizes);
	bench_calibrate(&b);
	pr_info(KTAP_SUB "# %u trials per size at offset 0; every read checked\n",
		trials);
	pr_info(KTAP_SUB "# clock cost %llu ns (median of %u empty timings), subtracted from every time\n",
		b.clock_ns, trials);
	pr_info(KTAP_SUB "# mean_ns, mb_s: one timed batch of trials calls; median_ns, p99_ns: per-call times\n");
	results_add("%s", bench_csv_header);

	for (i = 0; i < nr_sizes; i++) {
		len = sizes[i];
		if (!len || len > size) {
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

/* ---- race ---- */

#define RACE_START	0xDEADBEEFULL

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
	case RACE_ATOMIC:
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
	u64 start = RACE_START;
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

/* Appends the CSV row; true if the mode's outcome is the right one. */
static bool race_report(enum race_mode m, unsigned int run,
			const struct race_result *res)
{
	u64 total = (u64)workers * iters;
	u64 expected = RACE_START + total;
	const char *sign;
	u64 pct, rate;
	u32 pct_frac;
	s64 lost;

	if (res->err) {
		pr_info(KTAP_SUB "# %s run %u: the API failed: %pe\n",
			race_mode_names[m], run, ERR_PTR(res->err));
		return false;
	}
	lost = expected - res->final;
	sign = lost < 0 ? "-" : "";
	/* error_pct: updates lost per hundred made, to 4 decimals. */
	pct = div_u64_rem(mul_u64_u64_div_u64(abs(lost), 1000000, total),
			  10000, &pct_frac);
	rate = mul_u64_u64_div_u64(total, NSEC_PER_SEC,
				   max_t(u64, res->elapsed_ns, 1));
	results_add("kernel,%s,%u,%u,%u,%llu,%llu,%lld,%s%llu.%04u,%llu,%llu\n",
		    race_mode_names[m], workers, iters, run, res->final,
		    expected, lost, sign, pct, pct_frac, res->elapsed_ns, rate);
	pr_info(KTAP_SUB "# %s run %u: final %llu, expected %llu, lost %lld (%s%llu.%04u%%), %llu ns, %llu increments/s\n",
		race_mode_names[m], run, res->final, expected, lost, sign,
		pct, pct_frac, res->elapsed_ns, rate);
	/* Even unlocked, a count above expected means a torn read/write. */
	return m == RACE_UNLOCKED ? lost >= 0 : lost == 0;
}

static int race(size_t size)
{
	struct task_struct **tasks;
	struct race_result res;
	unsigned int run, n = 0, failed = 0;
	enum race_mode m;
	int ret = 0;
	bool ok;

	tasks = kvmalloc_array(workers, sizeof(*tasks), GFP_KERNEL);
	if (!tasks)
		return -ENOMEM;

	ktap_subtest(phase_names[PHASE_RACE], hweight_long(race_modes) * runs);
	pr_info(KTAP_SUB "# %u kthreads x %u increments of the u64 at offset 0, from %#llx\n",
		workers, iters, RACE_START);
	results_add("%s", race_csv_header);
	for (m = 0; m < NR_RACE_MODES; m++) {
		if (!(race_modes & BIT(m)))
			continue;
		for (run = 1; run <= runs; run++) {
			ret = race_run(m, tasks, &res);
			if (ret)
				goto out;
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

/* ---- module ---- */

static const struct {
	int (*run)(size_t size);
	size_t min_size;	/* the smallest region the phase can use */
} phases[NR_PHASES] = {
	[PHASE_SELFTEST]	= { selftest, ST_MIN_SIZE },
	[PHASE_BENCH]		= { bench, 1 },
	[PHASE_RACE]		= { race, sizeof(u64) },
};

/* A comma-separated list of @names, or "all", as a bit mask. */
static int parse_list(const char *param, const char *value,
		      const char *const names[], unsigned int n,
		      unsigned long *mask)
{
	char *copy, *cur, *tok;
	int i, ret = 0;

	copy = kstrdup(value, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	*mask = 0;
	cur = copy;
	while ((tok = strsep(&cur, ","))) {
		if (!strcmp(tok, "all")) {
			*mask |= GENMASK(n - 1, 0);
			continue;
		}
		i = match_string(names, n, tok);
		if (i < 0) {
			pr_err("%s: unknown name '%s'\n", param, tok);
			ret = -EINVAL;
			break;
		}
		*mask |= BIT(i);
	}
	kfree(copy);
	return ret;
}

static int check_params(unsigned long *phase_mask)
{
	int ret;

	ret = parse_list("run", run_list, phase_names, NR_PHASES, phase_mask);
	if (ret)
		return ret;
	ret = parse_list("mode", mode_list, race_mode_names, NR_RACE_MODES,
			 &race_modes);
	if (ret)
		return ret;
	if (!nr_sizes || !trials || !workers || !iters || !runs ||
	    trials > BENCH_MAX_TRIALS || workers > RACE_MAX_WORKERS ||
	    runs > RACE_MAX_RUNS) {
		pr_err("sizes, trials, workers, iters, runs: at least 1; trials at most %u, workers %u, runs %u\n",
		       BENCH_MAX_TRIALS, RACE_MAX_WORKERS, RACE_MAX_RUNS);
		return -EINVAL;
	}
	return 0;
}

static int __init mymem_test_init(void)
{
	size_t size = mymem_size();
	unsigned long phase_mask;
	unsigned int i, failed = 0;
	int ret;

	ret = check_params(&phase_mask);
	if (ret)
		return ret;

	/* Headers and rows; rows are bounded well below the line size. */
	results.cap = (2 + NR_BENCH_OPS * nr_sizes +
		       (size_t)NR_RACE_MODES * runs) * RESULT_LINE_MAX;
	results.buf = kvmalloc(results.cap, GFP_KERNEL);
	if (!results.buf)
		return -ENOMEM;

	pr_info("KTAP version 1\n");
	pr_info("1..%u\n", NR_PHASES);
	for (i = 0; i < NR_PHASES; i++) {
		if (!(phase_mask & BIT(i))) {
			pr_info("ok %u %s # SKIP not selected\n",
				i + 1, phase_names[i]);
			continue;
		}
		if (size < phases[i].min_size) {
			pr_info("ok %u %s # SKIP needs a region of at least %zu bytes\n",
				i + 1, phase_names[i], phases[i].min_size);
			continue;
		}
		ret = phases[i].run(size);
		if (ret < 0) {
			pr_info("not ok %u %s # ERROR %pe\n",
				i + 1, phase_names[i], ERR_PTR(ret));
			goto err_free;
		}
		pr_info("%sok %u %s\n", ret ? "not " : "", i + 1,
			phase_names[i]);
		failed += ret;
	}

	results_log();
	if (failed) {
		pr_err("%u checks failed\n", failed);
		ret = -EINVAL;
		goto err_free;
	}
	results.dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("results", 0444, results.dir, NULL, &results_fops);
	return 0;

err_free:
	kvfree(results.buf);
	return ret;
}

static void __exit mymem_test_exit(void)
{
	debugfs_remove_recursive(results.dir);
	kvfree(results.buf);
}

module_init(mymem_test_init);
module_exit(mymem_test_exit);

MODULE_IMPORT_NS(MYMEM_NS);
MODULE_DESCRIPTION("Self-test, benchmark and race demonstration of the mymem API");
MODULE_AUTHOR("The mymem developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MYMEM_VERSION);
