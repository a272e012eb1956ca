// SPDX-License-Identifier: GPL-2.0
/*
 * mymem-bench: latency and throughput of /dev/mymem next to what a user
 * would pick instead (/dev/zero, /dev/null, a tmpfs file, the brd RAM
 * disk, plain memcpy), plus mymem through mmap and a 1-vs-2-thread read
 * scaling run.
 *
 * Timing method: both.  The clock's own cost -- the median of 10001
 * back-to-back clock_gettime(CLOCK_MONOTONIC) pairs, measured once at
 * start-up -- is subtracted from every timed interval (clamped at zero).
 * By default each operation is its own interval, so median and p99 are
 * per operation.  With --batch N, N operations share one interval and a
 * sample is their mean: where the clock is slow and noisy (QEMU TCG has
 * no vDSO clock, clock_gettime there is a ~1.5 us system call) that
 * keeps the clock's jitter out of 1-byte figures, at the price of p99
 * being a p99 of N-operation means.  Data generation and verification
 * stay outside every interval either way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/mymem.h>
#include <liburing.h>

#include "common.h"
#include "rand.h"
#include "mymem_results.h"

enum target_id {
	T_MYMEM, T_MMAP, T_ZERO, T_NULL, T_TMPFS, T_BRD, T_MEMCPY, T_SCALE,
	T_READV, T_URING, T_SQPOLL,
	T_READV_ZERO, T_READV_NULL, T_URING_ZERO, T_URING_NULL, NR_TARGETS
};

#define AMORTISED	(((1u << NR_TARGETS) - 1) & ~((1u << T_READV) - 1))

/* --targets names, the CSV's target column; scale: the 1-vs-2-thread run */
static const char *const target_names[NR_TARGETS] = {
	[T_MYMEM] = MYMEM_TARGET_MYMEM, [T_MMAP] = MYMEM_TARGET_MMAP,
	[T_ZERO] = MYMEM_TARGET_ZERO, [T_NULL] = MYMEM_TARGET_NULL,
	[T_TMPFS] = MYMEM_TARGET_TMPFS, [T_BRD] = MYMEM_TARGET_BRD,
	[T_MEMCPY] = MYMEM_TARGET_MEMCPY, [T_SCALE] = MYMEM_TARGET_SCALE,
	[T_READV] = MYMEM_TARGET_READV, [T_URING] = MYMEM_TARGET_URING,
	[T_SQPOLL] = MYMEM_TARGET_SQPOLL,
	[T_READV_ZERO] = MYMEM_TARGET_READV_ZERO,
	[T_READV_NULL] = MYMEM_TARGET_READV_NULL,
	[T_URING_ZERO] = MYMEM_TARGET_URING_ZERO,
	[T_URING_NULL] = MYMEM_TARGET_URING_NULL,
};

enum { OP_READ = 1, OP_WRITE = 2 };

struct target {
	const char *path;	/* for messages */
	unsigned int ops;	/* OP_READ | OP_WRITE */
	int fd;			/* file targets: lseek + read/write */
	unsigned char *mem;	/* memory targets (mmap, memcpy): memcpy */
	uint64_t cap;		/* largest transfer at offset 0 */
};

#define MAX_SIZES	32
#define MAX_PER_CALL	1024	/* IOV_MAX, and io_uring's usual ring */

static struct {
	const char *device;
	const char *tmpfs_dir;
	const char *brd;
	uint64_t sizes[MAX_SIZES];
	unsigned int nr_sizes;
	uint64_t per_call[MAX_SIZES];
	unsigned int nr_per_call;
	unsigned int max_per_call;
	uint64_t max_size;
	uint64_t scale_size;
	unsigned int trials;
	unsigned int batch;
	unsigned int targets;
	enum out_fmt fmt;
} opt = {
	.device = MYMEM_DEVICE_PATH,
	.tmpfs_dir = "/tmp",
	.brd = "/dev/ram0",
	.sizes = { 1, 64, 1024, 65536, 524288 },
	.nr_sizes = 5,
	.per_call = { 1, 4, 16, 64, 256 },
	.nr_per_call = 5,
	.scale_size = 512 * 1024,
	.trials = 1000,
	.batch = 1,
	.targets = ((1u << NR_TARGETS) - 1) & ~AMORTISED,
	.fmt = OUT_TABLE,
};

static uint64_t clock_ovh;
static unsigned char *wbuf, *rbuf, *zbuf;
/* The amortised targets' own buffers: a batch of calls' transfers each. */
static unsigned char *awbuf, *arbuf, *azbuf;	/* azbuf stays zero */
static struct iovec *wiov, *riov;
static uint64_t *wsamples[NR_TARGETS], *rsamples[NR_TARGETS];
static struct out out;

static void usage(void)
{
	printf(
"Usage: %s [OPTION]...\n"
"Time reads and writes at offset 0 of /dev/mymem and of its peers.\n"
"\n"
"For each size, TRIALS times: fill a buffer with fresh random data (not\n"
"timed), write it (timed), read it back (timed) and compare.  File targets\n"
"use lseek + read/write, memory targets memcpy.  Reported per target, op\n"
"and size: mean, median and p99 ns per operation and MB/s (size / mean).\n"
"The targets take turns, trial by trial, so that a change in the\n"
"machine's load falls on all of them alike and their ratios stay fair.\n"
"\n"
"Timing: clock_gettime(CLOCK_MONOTONIC); its own cost (the median of\n"
"10001 back-to-back calls, printed above the table) is subtracted from\n"
"every timed interval.  By default every operation is timed alone, the\n"
"lseek() before it untimed, so a figure is that of the read() or write()\n"
"call.  With --batch N, N trials (N buffers of fresh data, each with its\n"
"lseek) are written in one timed interval and read back in another; each\n"
"sample is the interval / N, so median and p99 are of N-operation means,\n"
"and every read is compared with the group's last write.  Use it where\n"
"the clock is slow (QEMU TCG with an HPET clocksource).\n"
"\n"
"Targets (--targets, comma-separated, default all):\n"
"  mymem   the device (--device), read and write\n"
"  mmap    the device mapped MAP_SHARED, memcpy to and from the mapping\n"
"  zero    /dev/zero, read (checked to be zeros)\n"
"  null    /dev/null, write\n"
"  tmpfs   a file of the largest size in --tmpfs-dir, read and write\n"
"  brd     the kernel RAM disk (--brd), buffered; skipped if absent\n"
"  memcpy  memcpy between two user buffers\n"
"  scale   --scale-size preads of the device by 1 and by 2 threads, each\n"
"          with its own fd, pinned to different CPUs; rows target=scale,\n"
"          threads=1|2, mb_s = aggregate (total bytes / wall time);\n"
"          only each thread's last read is verified\n"
"The amortised targets move K transfers of SIZE bytes, at offsets 0,\n"
"SIZE, 2*SIZE, ... of the device, in one call, for each K of --per-call\n"
"whose K*SIZE fits in the device; a row's figures are per transfer and\n"
"TRIALS is the number of calls:\n"
"  readv   preadv/pwritev of K iovecs\n"
"  uring   io_uring: K SQEs prepared, one io_uring_enter submitting\n"
"          them and waiting for all K, the K CQEs checked and reaped\n"
"  sqpoll  the same with IORING_SETUP_SQPOLL: a kernel thread polls the\n"
"          ring, the enter only waits\n"
"  readv_zero, readv_null, uring_zero, uring_null\n"
"          readv and uring on the peers: reads of /dev/zero (checked to be\n"
"          zeros), writes to /dev/null, to tell the path's cost from mymem's\n"
"  Each round of an io_uring target's calls starts with untimed ones,\n"
"  so that the switch from the other targets is not timed.\n"
"  An io_uring target that the kernel refuses (no io_uring, disabled,\n"
"  not permitted) is skipped with a note on stderr and writes no rows.\n"
"  Not in the default set.\n"
"\n"
"Options:\n"
"  -d, --device=PATH     the mymem device or any file (default %s)\n"
"  -s, --sizes=LIST      sizes in bytes, K/M suffixes allowed\n"
"                        (default 1,64,1024,65536,524288)\n"
"  -n, --trials=N        trials per target and size (default 1000)\n"
"  -b, --batch=N         operations per timed interval (default 1; must\n"
"                        divide --trials)\n"
"  -t, --targets=LIST    targets to run (default all but the amortised)\n"
"  -k, --per-call=LIST   transfers per call of the amortised targets\n"
"                        (default 1,4,16,64,256; at most %d)\n"
"      --scale-size=SIZE the reads of target scale (default 512K)\n"
"      --tmpfs-dir=DIR   where the tmpfs file goes (default /tmp)\n"
"      --brd=PATH        the RAM disk (default /dev/ram0)\n"
"  -c, --csv             CSV: %s\n"
"  -j, --json            JSON: an array of objects with those keys\n"
"  -q, --quiet           no progress, even on a terminal\n"
"  -h, --help            this text\n"
"  -V, --version         the version\n"
"\n"
"The default output is a table; report/report.py of the mymem source\n"
"compares the figures.  Progress goes to stderr when it is a terminal.\n"
"\n"
"Exit status: 0 ok; 1 verification failure (data read differs from data\n"
"written, short transfer); 2 usage error; 3 environment error (device\n"
"missing, system call failed, out of memory).\n",
	       prog, MYMEM_DEVICE_PATH, MAX_PER_CALL,
	       out_header(MYMEM_BENCH_FORMAT));
}

static void parse_args(int argc, char **argv)
{
	enum { OPT_TMPFS_DIR = 256, OPT_BRD, OPT_SCALE_SIZE };
	static const struct option longopts[] = {
		{ "device",	required_argument, NULL, 'd' },
		{ "sizes",	required_argument, NULL, 's' },
		{ "trials",	required_argument, NULL, 'n' },
		{ "batch",	required_argument, NULL, 'b' },
		{ "targets",	required_argument, NULL, 't' },
		{ "per-call",	required_argument, NULL, 'k' },
		{ "scale-size",	required_argument, NULL, OPT_SCALE_SIZE },
		{ "tmpfs-dir",	required_argument, NULL, OPT_TMPFS_DIR },
		{ "brd",	required_argument, NULL, OPT_BRD },
		{ "csv",	no_argument,	   NULL, 'c' },
		{ "json",	no_argument,	   NULL, 'j' },
		{ "quiet",	no_argument,	   NULL, 'q' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{}
	};
	unsigned int i;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:s:n:b:t:k:cjqhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			opt.device = optarg;
			break;
		case 's':
			opt.nr_sizes = parse_list("--sizes", optarg, opt.sizes,
						  MAX_SIZES, 1, 64 << 20);
			break;
		case 'n':
			opt.trials = parse_u64("--trials", optarg, 1, 10000000);
			break;
		case 'b':
			opt.batch = parse_u64("--batch", optarg, 1, 1000);
			break;
		case 't':
			opt.targets = parse_names("--targets", optarg,
						  target_names, NR_TARGETS);
			break;
		case 'k':
			opt.nr_per_call = parse_list("--per-call", optarg,
						     opt.per_call, MAX_SIZES, 1,
						     MAX_PER_CALL);
			break;
		case OPT_SCALE_SIZE:
			opt.scale_size = parse_size("--scale-size", optarg, 1,
						    64 << 20);
			break;
		case OPT_TMPFS_DIR:
			opt.tmpfs_dir = optarg;
			break;
		case OPT_BRD:
			opt.brd = optarg;
			break;
		default:
			common_option(c, argv, &opt.fmt, usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	for (i = 0; i < opt.nr_sizes; i++)
		if (opt.sizes[i] > opt.max_size)
			opt.max_size = opt.sizes[i];
	for (i = 0; i < opt.nr_per_call; i++)
		if (opt.per_call[i] > opt.max_per_call)
			opt.max_per_call = opt.per_call[i];
	if ((opt.targets & (1u << T_SCALE)) && opt.max_size < opt.scale_size)
		opt.max_size = opt.scale_size;
	if (opt.trials % opt.batch)
		usage_error("--trials %u is not a multiple of --batch %u",
			    opt.trials, opt.batch);
	if (opt.batch * opt.max_size > 256 << 20)
		usage_error("--batch %u of %llu-byte buffers needs over 256 MiB",
			    opt.batch, (unsigned long long)opt.max_size);
}

static void *xalloc(size_t n)
{
	void *p;

	/* page-aligned, as a user doing bulk I/O would allocate */
	errno = posix_memalign(&p, 4096, n);
	if (errno)
		die_errno(EXIT_ENV, "allocating %zu bytes", n);
	memset(p, 0, n);
	return p;
}

/* Fresh data for every trial, from one sequence for the whole run. */
static void fill_random(unsigned char *buf, size_t n)
{
	static uint64_t s = 0x9E3779B97F4A7C15ull;

	rand_fill(buf, n, &s);
}

/* The size of what is at @fd: the ioctl for mymem, else what fits. */
static uint64_t file_size(int fd, const char *path)
{
	uint64_t size;
	struct stat st;
	off_t end;

	if (!ioctl(fd, MYMEM_IOC_GET_SIZE, &size))
		return size;
	if (fstat(fd, &st))
		die_errno(EXIT_ENV, "%s: fstat", path);
	if (S_ISREG(st.st_mode))
		return st.st_size;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size))
			die_errno(EXIT_ENV, "%s: BLKGETSIZE64", path);
		return size;
	}
	end = lseek(fd, 0, SEEK_END);
	return end > 0 ? (uint64_t)end : 0;
}

static void xfer(const struct target *t, unsigned int op, unsigned char *buf,
		 size_t n)
{
	ssize_t r;

	if (t->mem) {
		if (op == OP_READ)
			memcpy(buf, t->mem, n);
		else
			memcpy(t->mem, buf, n);
		return;
	}
	r = op == OP_READ ? read(t->fd, buf, n) : write(t->fd, buf, n);
	if (r < 0)
		die_errno(EXIT_ENV, "%s: %s of %zu bytes", t->path,
			  op == OP_READ ? "read" : "write", n);
	if ((size_t)r != n)
		die(EXIT_VERIFY, "%s: short %s: %zd of %zu bytes", t->path,
		    op == OP_READ ? "read" : "write", r, n);
}

static uint64_t since(uint64_t t0)
{
	uint64_t d = now_ns() - t0;

	return d > clock_ovh ? d - clock_ovh : 0;
}

static void rewind_target(const struct target *t)
{
	if (!t->mem && lseek(t->fd, 0, SEEK_SET))
		die_errno(EXIT_ENV, "%s: lseek to 0", t->path);
}

/*
 * nb transfers at offset 0 as one timed interval; the time per transfer.
 * A single transfer is timed alone, its lseek() before the clock starts:
 * the figure is that of the read() or write() call.  In a batch each
 * transfer needs its lseek() inside the interval.
 */
static uint64_t timed_xfers(const struct target *t, unsigned int op,
			    unsigned char *buf, size_t size, unsigned int nb)
{
	unsigned int j;
	uint64_t t0;

	if (nb == 1)
		rewind_target(t);
	t0 = now_ns();
	for (j = 0; j < nb; j++) {
		if (nb > 1)
			rewind_target(t);
		xfer(t, op, buf + j * size, size);
	}
	return since(t0) / nb;
}

static void verify(const char *path, const unsigned char *got,
		   const unsigned char *want, size_t n)
{
	size_t i;

	if (!memcmp(got, want, n))
		return;
	for (i = 0; got[i] == want[i]; i++)
		;
	die(EXIT_VERIFY,
	    "%s: read of %zu bytes at offset 0 differs from what was written (byte %zu: 0x%02x, expected 0x%02x)",
	    path, n, i, got[i], want[i]);
}


/* One row: the statistics of @n samples of @batch operations each. */
static void report(enum target_id id, unsigned int op, uint64_t size,
		   unsigned int threads, uint64_t *samples, unsigned int n,
		   unsigned int trials, unsigned int batch,
		   unsigned int per_call, double mb_s_override)
{
	struct stats st;

	stats_compute(samples, n, &st);
	out_field(&out, "side", MYMEM_SIDE_USER);
	out_field(&out, "target", "%s", target_names[id]);
	out_field(&out, "op", "%s",
		  op == OP_READ ? MYMEM_OP_READ : MYMEM_OP_WRITE);
	out_field(&out, "size", "%llu", (unsigned long long)size);
	out_field(&out, "threads", "%u", threads);
	out_field(&out, "trials", "%u", trials);
	out_field(&out, "mean_ns", "%.1f", st.mean);
	out_field(&out, "median_ns", "%llu", (unsigned long long)st.median);
	out_field(&out, "p99_ns", "%llu", (unsigned long long)st.p99);
	out_field(&out, "mb_s", "%.1f", mb_s_override >= 0 ? mb_s_override :
		  mb_per_s(size, st.mean));
	out_field(&out, "batch", "%u", batch);
	out_field(&out, "per_call", "%u", per_call);
}

/* One untimed round, so that first-touch faults are not trial 0. */
static void warm_up(const struct target *t, uint64_t size)
{
	fill_random(wbuf, size);
	if (t->ops & OP_WRITE)
		timed_xfers(t, OP_WRITE, wbuf, size, 1);
	if (t->ops & OP_READ)
		timed_xfers(t, OP_READ, rbuf, size, 1);
}

/*
 * Group @g of opt.batch trials on target @id: fresh random data for every
 * trial (not timed), the writes timed as one interval, then the reads as
 * one, then every read compared with what the target holds -- with a
 * batch, the last write of the group.  A sample is the group's time per
 * operation.
 */
static void measure_group(enum target_id id, const struct target *t,
			  uint64_t size, unsigned int g)
{
	unsigned int nb = opt.batch, j;
	const unsigned char *want;
	size_t k;

	want = t->ops & OP_WRITE ? wbuf + (nb - 1) * size : zbuf;
	fill_random(wbuf, nb * size);
	if (t->ops & OP_WRITE)
		wsamples[id][g] = timed_xfers(t, OP_WRITE, wbuf, size, nb);
	if (!(t->ops & OP_READ))
		return;
	/* a stale buffer must not pass the comparison */
	for (j = 0; j < nb; j++)
		for (k = 0; k < size; k++)
			rbuf[j * size + k] = ~want[k];
	rsamples[id][g] = timed_xfers(t, OP_READ, rbuf, size, nb);
	for (j = 0; j < nb; j++)
		verify(t->path, rbuf + j * size, want, size);
}

/*
 * One size on every target, interleaved: each group of trials visits the
 * targets in turn, so that a change in the machine's load (another guest,
 * the host) falls on all of them alike and the ratios between them, which
 * are what the figures are for, stay fair.
 */
static void measure(const struct target *t, uint64_t size)
{
	unsigned int groups = opt.trials / opt.batch, g, live = 0;
	int i;

	for (i = 0; i < T_SCALE; i++) {
		if (!(opt.targets & (1u << i)))
			continue;
		if (size > t[i].cap) {
			note("%s: skipping size %llu: larger than %s (%llu bytes)",
			     target_names[i], (unsigned long long)size, t[i].path,
			     (unsigned long long)t[i].cap);
			continue;
		}
		live |= 1u << i;
		warm_up(&t[i], size);
	}
	for (g = 0; g < groups; g++) {
		if (!(g % 100))
			progress("%llu B: trial %u/%u", (unsigned long long)size,
				 g * opt.batch, opt.trials);
		for (i = 0; i < T_SCALE; i++)
			if (live & (1u << i))
				measure_group(i, &t[i], size, g);
	}
	progress_done();

	for (i = 0; i < T_SCALE; i++) {
		if (!(live & (1u << i)))
			continue;
		if (t[i].ops & OP_READ)
			report(i, OP_READ, size, 1, rsamples[i], groups,
			       opt.trials, opt.batch, 1, -1);
		if (t[i].ops & OP_WRITE)
			report(i, OP_WRITE, size, 1, wsamples[i], groups,
			       opt.trials, opt.batch, 1, -1);
	}
}

struct scaler {
	pthread_t tid;
	pthread_barrier_t *barrier;
	int fd;
	int cpu;		/* -1: not pinned */
	size_t size;
	unsigned char *buf;
	uint64_t *samples;
	uint64_t start, end;
};

static void *scale_thread(void *arg)
{
	struct scaler *s = arg;
	unsigned int i;

	if (s->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(s->cpu, &set);
		errno = pthread_setaffinity_np(pthread_self(), sizeof(set),
					       &set);
		if (errno)
			die_errno(EXIT_ENV, "pinning to CPU %d", s->cpu);
	}
	/* untimed: the first read may fault in the buffer */
	if (pread(s->fd, s->buf, s->size, 0) < 0)
		die_errno(EXIT_ENV, "%s: pread", opt.device);
	pthread_barrier_wait(s->barrier);
	s->start = now_ns();
	for (i = 0; i < opt.trials; i++) {
		uint64_t t0 = now_ns();
		ssize_t r = pread(s->fd, s->buf, s->size, 0);

		s->samples[i] = since(t0);
		if (r < 0)
			die_errno(EXIT_ENV, "%s: pread of %zu bytes",
				  opt.device, s->size);
		if ((size_t)r != s->size)
			die(EXIT_VERIFY, "%s: short pread: %zd of %zu bytes",
			    opt.device, r, s->size);
	}
	s->end = now_ns();
	return NULL;
}

/*
 * Reads of the device by 1 and by 2 threads at once.  Each thread has
 * its own fd (nothing shared in user space) and its own CPU, so any loss
 * of scaling comes from the device.  The throughput is wall-clock: total
 * bytes over first start to last end.  Verifying every read inside that
 * window would measure memcmp too, so only the last read of each thread
 * is compared; the per-size runs verify every read of the same path.
 */
static void scale(int fd, uint64_t cap)
{
	size_t size = cap < opt.scale_size ? cap : opt.scale_size;
	struct scaler s[2];
	int cpus[2] = { -1, -1 };
	unsigned int nth, i, ncpu = 0;
	cpu_set_t set;
	uint64_t *all;
	int cpu;

	if (size != opt.scale_size)
		note("scale: %s holds %zu bytes, reading that much", opt.device,
		     size);
	if (!sched_getaffinity(0, sizeof(set), &set))
		for (cpu = 0; cpu < CPU_SETSIZE && ncpu < 2; cpu++)
			if (CPU_ISSET(cpu, &set))
				cpus[ncpu++] = cpu;
	if (ncpu < 2) {
		note("scale: one CPU available: the 2 threads take turns");
		cpus[0] = -1;
	}

	fill_random(wbuf, size);
	if (pwrite(fd, wbuf, size, 0) != (ssize_t)size)
		die_errno(EXIT_ENV, "%s: pwrite of %zu bytes", opt.device,
			  size);

	all = xalloc(2 * opt.trials * sizeof(*all));
	for (nth = 1; nth <= 2; nth++) {
		pthread_barrier_t barrier;
		uint64_t start = UINT64_MAX, end = 0;

		progress("scale: %u thread(s)", nth);
		pthread_barrier_init(&barrier, NULL, nth);
		for (i = 0; i < nth; i++) {
			s[i].barrier = &barrier;
			s[i].fd = open_device(opt.device, O_RDONLY);
			s[i].cpu = ncpu < 2 ? -1 : cpus[i];
			s[i].size = size;
			/* wbuf's second buffer is free for thread 1 */
			s[i].buf = i ? wbuf + size : rbuf;
			s[i].samples = all + i * opt.trials;
			memset(s[i].buf, 0, size);
			errno = pthread_create(&s[i].tid, NULL, scale_thread,
					       &s[i]);
			if (errno)
				die_errno(EXIT_ENV, "pthread_create");
		}
		for (i = 0; i < nth; i++) {
			pthread_join(s[i].tid, NULL);
			close(s[i].fd);
			verify(opt.device, s[i].buf, wbuf, size);
			if (s[i].start < start)
				start = s[i].start;
			if (s[i].end > end)
				end = s[i].end;
		}
		pthread_barrier_destroy(&barrier);
		progress_done();
		report(T_SCALE, OP_READ, size, nth, all, nth * opt.trials,
		       nth * opt.trials, 1, 1,
		       mb_per_s((uint64_t)nth * opt.trials * size, end - start));
	}
	free(all);
}

/*
 * The amortised paths: per_call transfers of size bytes in one call, at
 * offsets 0, size, 2 * size, ... so that each lands on its own bytes and
 * the whole call can be checked.
 */
struct path {
	enum target_id id;
	enum target_id how;	/* T_READV, T_URING or T_SQPOLL */
	const char *file;	/* for messages */
	unsigned int ops;	/* OP_READ | OP_WRITE */
	int fd;
	struct io_uring ring;	/* uring, sqpoll */
};

static void short_call(const struct path *p, unsigned int op, long r,
		       size_t want)
{
	const char *what = op == OP_READ ? "read" : "write";

	if (r < 0) {
		errno = -r;
		die_errno(EXIT_ENV, "%s: %s %s of %zu bytes", p->file,
			  target_names[p->id], what, want);
	}
	die(EXIT_VERIFY, "%s: short %s %s: %ld of %zu bytes", p->file,
	    target_names[p->id], what, r, want);
}

/* One call of k transfers between @buf and the device, checked. */
static void amortised_call(struct path *p, unsigned int op,
			   unsigned char *buf, const struct iovec *iov,
			   size_t size, unsigned int k)
{
	static struct io_uring_cqe *cqes[MAX_PER_CALL];
	unsigned int j, n;
	ssize_t r;

	if (p->how == T_READV) {
		r = op == OP_READ ? preadv(p->fd, iov, k, 0) :
				    pwritev(p->fd, iov, k, 0);
		if (r != (ssize_t)(k * size))
			short_call(p, op, r < 0 ? -errno : r, k * size);
		return;
	}
	for (j = 0; j < k; j++) {
		struct io_uring_sqe *sqe;

		/*
		 * The SQ poller moves the ring's head only after its whole
		 * round, which may be after it posted the last call's CQEs:
		 * if that leaves no room, wait for it.
		 */
		while (!(sqe = io_uring_get_sqe(&p->ring)))
			if (p->how != T_SQPOLL || io_uring_sqring_wait(&p->ring) < 0)
				die(EXIT_ENV, "%s: %s: the submission queue is full",
				    p->file, target_names[p->id]);
		if (op == OP_READ)
			io_uring_prep_read(sqe, p->fd, buf + j * size, size,
					   j * size);
		else
			io_uring_prep_write(sqe, p->fd, buf + j * size, size,
					    j * size);
	}
	/*
	 * One io_uring_enter: submits all k, returns when all completed.
	 * Under SQPOLL it counts only the SQEs the poller had not yet taken.
	 */
	r = io_uring_submit_and_wait(&p->ring, k);
	if (r < 0 || (p->how == T_URING && r != (ssize_t)k))
		short_call(p, op, r < 0 ? r : 0, size);
	n = io_uring_peek_batch_cqe(&p->ring, cqes, k);
	if (n != k)
		die(EXIT_ENV, "%s: %s: %u of %u completions after the wait",
		    p->file, target_names[p->id], n, k);
	for (j = 0; j < k; j++)
		if (cqes[j]->res != (int)size)
			short_call(p, op, cqes[j]->res, size);
	io_uring_cq_advance(&p->ring, k);
}

/* opt.batch calls of k transfers as one interval: the time per transfer */
static uint64_t timed_calls(struct path *p, unsigned int op,
			    unsigned char *buf, const struct iovec *iov,
			    size_t size, unsigned int k)
{
	uint64_t t0 = now_ns();
	unsigned int c;

	for (c = 0; c < opt.batch; c++)
		amortised_call(p, op, buf + c * k * size, iov + c * k, size, k);
	return since(t0) / (opt.batch * k);
}

/*
 * opt.batch calls of k transfers each as one timed interval, the
 * writes of fresh data, then the reads, checked against the last
 * write (/dev/zero's: against zeros); the time per transfer of each
 * op the path does (NULL: not kept).
 */
static void amortised_group(struct path *p, size_t size, unsigned int k,
			    uint64_t *wsample, uint64_t *rsample)
{
	uint64_t unkept;
	unsigned int nb = opt.batch, c, j;
	size_t span = k * size;
	const unsigned char *want = p->ops & OP_WRITE ?
				    awbuf + (nb - 1) * span : azbuf;

	for (c = 0; c < nb * k; c++) {
		wiov[c] = (struct iovec){ awbuf + c * size, size };
		riov[c] = (struct iovec){ arbuf + c * size, size };
	}
	if (!wsample || !rsample)
		wsample = rsample = &unkept;
	if (p->ops & OP_WRITE) {
		fill_random(awbuf, nb * span);
		*wsample = timed_calls(p, OP_WRITE, awbuf, wiov, size, k);
	}
	if (!(p->ops & OP_READ))
		return;
	/* a stale buffer must not pass the comparison */
	for (c = 0; c < nb; c++)
		for (j = 0; j < span; j++)
			arbuf[c * span + j] = ~want[j];
	*rsample = timed_calls(p, OP_READ, arbuf, riov, size, k);
	for (c = 0; c < nb; c++)
		verify(p->file, arbuf + c * span, want, span);
}

/* A ring for @p, or false (with a note) where the kernel refuses one. */
static bool ring_init(struct path *p)
{
	struct io_uring_params params = {
		.flags = p->how == T_SQPOLL ? IORING_SETUP_SQPOLL : 0,
	};
	/* room for a call while the poller has yet to release the last */
	unsigned int entries = opt.max_per_call * (p->how == T_SQPOLL ? 2 : 1);
	int err = io_uring_queue_init_params(entries, &p->ring, &params);

	if (!err)
		return true;
	if (err != -ENOSYS && err != -EPERM && err != -EINVAL &&
	    err != -EOPNOTSUPP) {
		errno = -err;
		die_errno(EXIT_ENV, "%s: io_uring_setup", target_names[p->id]);
	}
	note("%s: io_uring_setup%s: %s, skipped", target_names[p->id],
	     p->how == T_SQPOLL ? " with IORING_SETUP_SQPOLL" : "",
	     strerror(-err));
	return false;
}

/* What each amortised target does, to what. */
static const struct {
	enum target_id how;
	const char *file;	/* NULL: the device */
	unsigned int ops;
} amortised_paths[NR_TARGETS] = {
	[T_READV] = { T_READV, NULL, OP_READ | OP_WRITE },
	[T_URING] = { T_URING, NULL, OP_READ | OP_WRITE },
	[T_SQPOLL] = { T_SQPOLL, NULL, OP_READ | OP_WRITE },
	[T_READV_ZERO] = { T_READV, "/dev/zero", OP_READ },
	[T_READV_NULL] = { T_READV, "/dev/null", OP_WRITE },
	[T_URING_ZERO] = { T_URING, "/dev/zero", OP_READ },
	[T_URING_NULL] = { T_URING, "/dev/null", OP_WRITE },
};

/*
 * Every selected amortised target at one size, for each k of --per-call
 * that fits; the paths and counts take turns group by group, as the
 * targets of measure() do.
 *
 * An untimed group opens every io_uring path's round, so that the timed
 * calls measure the path, not the switch from the other paths
 * (docs/report.md, "The SQPOLL outlier"): on one CPU the SQ poller
 * spins as a runnable task, and CFS gives it back, the first time the
 * submitter waits for it in a round, the CPU time the submitter spent
 * on the others since, the poller keeping the CPU to the next tick, up
 * to milliseconds inside that call; and the first submission to a ring
 * after another ring's costs some 430 instructions more.
 */
static void amortised(int fd, uint64_t cap, uint64_t size)
{
	unsigned int groups = opt.trials / opt.batch, nk = 0, np = 0, g, i, q;
	unsigned int ks[MAX_SIZES];
	struct path paths[NR_TARGETS];
	uint64_t *samples;
	enum target_id id;

	for (i = 0; i < opt.nr_per_call; i++) {
		unsigned int k = opt.per_call[i];

		if (k * size > cap)
			note("amortised: skipping %u x %llu bytes: larger than %s",
			     k, (unsigned long long)size, opt.device);
		else if ((uint64_t)opt.batch * k * size > 256 << 20)
			note("amortised: skipping %u x %llu bytes: --batch %u of them needs over 256 MiB",
			     k, (unsigned long long)size, opt.batch);
		else
			ks[nk++] = k;
	}
	for (id = T_READV; id < NR_TARGETS; id++) {
		const char *file = amortised_paths[id].file;
		unsigned int ops = amortised_paths[id].ops;

		if (!(opt.targets & (1u << id)))
			continue;
		paths[np] = (struct path){
			.id = id, .how = amortised_paths[id].how, .ops = ops,
			.file = file ? file : opt.device,
			.fd = file ? open_device(file, ops == OP_READ ?
						 O_RDONLY : O_WRONLY) : fd,
		};
		if (paths[np].how != T_READV && !ring_init(&paths[np])) {
			opt.targets &= ~(1u << id);
			if (file)
				close(paths[np].fd);
			continue;
		}
		np++;
	}
	if (!nk || !np)
		goto out;
	samples = xalloc((size_t)np * nk * 2 * groups * sizeof(*samples));
#define SAMPLES(p, k, op) (samples + (((p) * nk + (k)) * 2 + (op)) * groups)
	for (q = 0; q < np; q++)
		for (i = 0; i < nk; i++)
			amortised_group(&paths[q], size, ks[i], NULL, NULL);
	for (g = 0; g < groups; g++) {
		if (!(g % 100))
			progress("%llu B amortised: call %u/%u",
				 (unsigned long long)size, g * opt.batch,
				 opt.trials);
		for (q = 0; q < np; q++) {
			if (paths[q].how != T_READV)
				amortised_group(&paths[q], size, ks[0], NULL,
						NULL);
			for (i = 0; i < nk; i++)
				amortised_group(&paths[q], size, ks[i],
						SAMPLES(q, i, 0) + g,
						SAMPLES(q, i, 1) + g);
		}
	}
	progress_done();
	for (q = 0; q < np; q++)
		for (i = 0; i < nk; i++) {
			if (paths[q].ops & OP_READ)
				report(paths[q].id, OP_READ, size, 1,
				       SAMPLES(q, i, 1), groups,
				       opt.trials * ks[i], opt.batch * ks[i],
				       ks[i], -1);
			if (paths[q].ops & OP_WRITE)
				report(paths[q].id, OP_WRITE, size, 1,
				       SAMPLES(q, i, 0), groups,
				       opt.trials * ks[i], opt.batch * ks[i],
				       ks[i], -1);
		}
#undef SAMPLES
	free(samples);
out:
	for (q = 0; q < np; q++) {
		if (paths[q].how != T_READV)
			io_uring_queue_exit(&paths[q].ring);
		if (paths[q].fd != fd)
			close(paths[q].fd);
	}
}

static int open_optional(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0 && errno != ENOENT && errno != ENXIO && errno != ENODEV)
		die_errno(EXIT_ENV, "%s", path);
	return fd;
}

static void setup_and_run(void)
{
	struct target t[NR_TARGETS] = {
		[T_MYMEM] = { opt.device, OP_READ | OP_WRITE },
		[T_MMAP] = { opt.device, OP_READ | OP_WRITE },
		[T_ZERO] = { "/dev/zero", OP_READ },
		[T_NULL] = { "/dev/null", OP_WRITE },
		[T_TMPFS] = { opt.tmpfs_dir, OP_READ | OP_WRITE },
		[T_BRD] = { opt.brd, OP_READ | OP_WRITE },
		[T_MEMCPY] = { "memcpy", OP_READ | OP_WRITE },
	};
	uint64_t dev_size = 0;
	unsigned int s;
	char tmpl[4096];

	/* fail on a missing device before anything is measured */
	if (opt.targets & (1u << T_MYMEM | 1u << T_MMAP | 1u << T_SCALE |
			   AMORTISED)) {
		int fd = open_device(opt.device, O_RDWR);

		dev_size = file_size(fd, opt.device);
		if (!dev_size)
			die(EXIT_ENV, "%s: size is 0", opt.device);
		t[T_MYMEM].fd = fd;
		t[T_MYMEM].cap = dev_size;
	}
	if (opt.targets & (1u << T_MMAP)) {
		/*
		 * A descriptor of its own: a map of the mymem target's would
		 * hold a second reference to its file, and fdget_pos() then
		 * takes the f_pos lock of a FMODE_ATOMIC_POS file on every
		 * read() and write() (file_needs_f_pos_lock(), fs/file.c),
		 * which a descriptor that one thread uses never pays.  Closed
		 * once mapped: the map holds its file.
		 */
		int fd = open_device(opt.device, O_RDWR);

		t[T_MMAP].mem = mmap(NULL, dev_size, PROT_READ | PROT_WRITE,
				     MAP_SHARED, fd, 0);
		if (t[T_MMAP].mem == MAP_FAILED)
			die_errno(EXIT_ENV, "%s: mmap of %llu bytes",
				  opt.device, (unsigned long long)dev_size);
		close(fd);
		t[T_MMAP].cap = dev_size;
	}
	if (opt.targets & (1u << T_ZERO)) {
		t[T_ZERO].fd = open_device("/dev/zero", O_RDONLY);
		t[T_ZERO].cap = opt.max_size;
	}
	if (opt.targets & (1u << T_NULL)) {
		t[T_NULL].fd = open_device("/dev/null", O_WRONLY);
		t[T_NULL].cap = opt.max_size;
	}
	if (opt.targets & (1u << T_TMPFS)) {
		int fd;

		snprintf(tmpl, sizeof(tmpl), "%s/mymem-bench.XXXXXX",
			 opt.tmpfs_dir);
		fd = mkstemp(tmpl);
		if (fd < 0)
			die_errno(EXIT_ENV, "%s: creating a file", opt.tmpfs_dir);
		unlink(tmpl);
		/* written, not truncated: a hole would read as the zero page */
		if (pwrite(fd, zbuf, opt.max_size, 0) != (ssize_t)opt.max_size)
			die_errno(EXIT_ENV, "%s: writing %llu bytes", tmpl,
				  (unsigned long long)opt.max_size);
		t[T_TMPFS].fd = fd;
		t[T_TMPFS].path = tmpl;
		t[T_TMPFS].cap = opt.max_size;
	}
	/*
	 * brd is used buffered, like every other file target here: a user
	 * replacing mymem by a RAM disk would read and write it through the
	 * page cache.  O_DIRECT would also refuse the 1- and 64-byte sizes
	 * (it needs logical-block-aligned lengths and buffers).
	 */
	if (opt.targets & (1u << T_BRD)) {
		t[T_BRD].fd = open_optional(opt.brd, O_RDWR);
		if (t[T_BRD].fd < 0) {
			note("brd: %s: %s, skipped (modprobe brd rd_nr=1 rd_size=1024)",
			     opt.brd, strerror(errno));
			opt.targets &= ~(1u << T_BRD);
		} else {
			t[T_BRD].cap = file_size(t[T_BRD].fd, opt.brd);
		}
	}
	if (opt.targets & (1u << T_MEMCPY)) {
		t[T_MEMCPY].mem = xalloc(opt.max_size);
		t[T_MEMCPY].cap = opt.max_size;
	}

	if (opt.targets & AMORTISED) {
		/* a call's k transfers fit in the device, k * size <= dev_size */
		uint64_t span = (uint64_t)opt.max_per_call * opt.max_size;
		size_t n = opt.batch * (span < dev_size ? span : dev_size);

		if (n > 256 << 20)
			n = 256 << 20;
		awbuf = xalloc(n);
		arbuf = xalloc(n);
		azbuf = xalloc(n);
		wiov = xalloc(opt.batch * opt.max_per_call * sizeof(*wiov));
		riov = xalloc(opt.batch * opt.max_per_call * sizeof(*riov));
	}

	out_begin(&out, opt.fmt, MYMEM_BENCH_FORMAT);
	for (s = 0; s < opt.nr_sizes; s++) {
		measure(t, opt.sizes[s]);
		if (opt.targets & AMORTISED)
			amortised(t[T_MYMEM].fd, dev_size, opt.sizes[s]);
	}
	if (opt.targets & (1u << T_SCALE))
		scale(t[T_MYMEM].fd, dev_size);
	out_end(&out);
}

int main(int argc, char **argv)
{
	int i;

	tools_init(argv[0]);
	parse_args(argc, argv);

	/* a batch of buffers each; zbuf stays zero */
	wbuf = xalloc((opt.batch < 2 ? 2 : opt.batch) * opt.max_size);
	rbuf = xalloc(opt.batch * opt.max_size);
	zbuf = xalloc(opt.max_size);
	for (i = 0; i < NR_TARGETS; i++) {
		wsamples[i] = xalloc(opt.trials * sizeof(*wsamples[i]));
		rsamples[i] = xalloc(opt.trials * sizeof(*rsamples[i]));
	}

	clock_ovh = clock_overhead_ns();
	if (opt.fmt == OUT_TABLE)
		printf("clock_gettime overhead %llu ns, subtracted from each timed interval of %u operation%s\n\n",
		       (unsigned long long)clock_ovh, opt.batch,
		       opt.batch > 1 ? "s" : "");

	setup_and_run();
	return EXIT_OK;
}
