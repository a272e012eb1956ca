// SPDX-License-Identifier: GPL-2.0
/*
 * mixed - data integrity of /dev/mymem under a mixed load, for a bounded
 * time; run as root in the guest by guest/stress.sh.
 *
 *   mixed [--seconds N] [--procs N] [--threads N] [--openers N]
 *         [--device PATH] [--module NAME]
 *
 * procs x threads workers each own a disjoint slice of the region and
 * keep a model of it: what the slice must hold.  A worker changes a
 * random range (pwrite, lseek + write, or a store through its process's
 * shared map) or a word (FETCH_ADD, CMPXCHG hit or miss), and compares
 * the bytes with the model, read by a random path (pread, lseek + read,
 * the map), before the change (the atomics check the old value) and
 * after it; now and then the whole slice.  Since nobody else may touch a
 * slice, any difference is the device's fault: a lost, misplaced or torn
 * copy, or a stray write from another worker.  The data are random per
 * write, so a stale range never passes for a fresh one.
 *
 * Meanwhile opener threads open, query, map and close the device in a
 * loop, and a process calls delete_module(O_NONBLOCK) again and again:
 * with files open and maps alive the kernel must refuse every time.
 * At the end the workers hand in their models and the whole region is
 * read in one call and compared with them.
 *
 * Prints TAP, then "# verified: N ops, B bytes" (tests/stress.sh adds
 * these up).  Exits 1 on any error, 2 on a usage or set-up error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mymem.h>

#include "rand.h"

#define MAX_WORKERS	256
#define MAX_OPENERS	16
/* Error lines printed per worker: the count goes on, the log stays short. */
#define MAX_REPORTS	5
/* Bytes either side of a write checked with it. */
#define MARGIN		64
/* A whole-slice check after this many operations. */
#define SLICE_CHECK_EVERY	64
/* Between unload attempts: often enough to hit every phase of the load,
 * rarely enough to leave the two vCPUs to the workers.
 */
#define RMMOD_PAUSE_NS	1000000

struct counters {
	uint64_t ops;
	uint64_t bytes;		/* compared with a model and equal */
	uint64_t errors;
	unsigned int reports;
};

/* Anonymous and shared: every process writes its own slots. */
struct shared {
	atomic_int stop;
	struct counters worker[MAX_WORKERS];
	struct counters opener[MAX_OPENERS];
	struct counters rmmod;	/* ops: attempts, bytes unused */
	uint64_t refused;
	uint8_t final[];	/* the workers' models at the end */
};

static struct {
	const char *device;
	const char *module;
	unsigned int seconds, procs, threads, openers;
} opt = {
	.device = MYMEM_DEVICE_PATH,
	.module = "mymem",
	.seconds = 10,
	.procs = 4,
	.threads = 4,
	.openers = 2,
};

static struct shared *sh;
static size_t region_size, slice_size;

/* Ways to move bytes between a buffer and the region. */
enum path { VIA_PREAD, VIA_SEEK, VIA_MAP, NR_PATHS };
static const char *const path_name[NR_PATHS] = { "pread/pwrite", "lseek+read/write", "mmap" };

struct worker {
	unsigned int id;
	int fd;			/* its own, so its file position is its own */
	uint8_t *map;		/* the whole region, shared by its process */
	off_t base;		/* of its slice in the region */
	off_t pos;		/* where fd's position should be */
	uint8_t *model;		/* what the slice must hold */
	uint8_t *buf;
	uint64_t rng;
	struct counters *c;
};

/* One write() per line, so lines from many processes do not mix. */
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDOUT_FILENO, line, n) < 0)
		return;	/* nowhere left to say it */
}

/* An error of one actor: counted always, shown only the first times. */
static void vfail(struct counters *c, const char *who, const char *fmt,
		  va_list ap)
{
	char what[400];

	c->errors++;
	if (c->reports++ >= MAX_REPORTS)
		return;
	vsnprintf(what, sizeof(what), fmt, ap);
	say("# %s: %s", who, what);
}

static void fail(struct counters *c, const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, who, fmt, ap);
	va_end(ap);
}

static void wfail(struct worker *w, const char *fmt, ...)
{
	char who[32];
	va_list ap;

	snprintf(who, sizeof(who), "worker %u", w->id);
	va_start(ap, fmt);
	vfail(w->c, who, fmt, ap);
	va_end(ap);
}

static int stopped(void)
{
	return atomic_load_explicit(&sh->stop, memory_order_relaxed);
}

/* A range of the slice; lengths spread evenly over the powers of two. */
static void pick_range(struct worker *w, size_t *off, size_t *len)
{
	unsigned int bits = 0;

	while ((2UL << bits) <= slice_size)
		bits++;
	*len = 1 + rand_next(&w->rng) % (1UL << (rand_next(&w->rng) % (bits + 1)));
	if (*len > slice_size)
		*len = slice_size;
	*off = rand_next(&w->rng) % (slice_size - *len + 1);
}

/* Moves the file position to base + off by SEEK_SET, SEEK_CUR or SEEK_END. */
static int seek_to(struct worker *w, size_t off)
{
	static const char *const whence_name[] = { "SEEK_SET", "SEEK_CUR", "SEEK_END" };
	off_t want = w->base + off, arg, got;
	int whence = rand_next(&w->rng) % 3;

	switch (whence) {
	case SEEK_SET:
		arg = want;
		break;
	case SEEK_CUR:
		arg = want - w->pos;
		break;
	default:
		arg = want - (off_t)region_size;
		break;
	}
	got = lseek(w->fd, arg, whence);
	if (got != want) {
		wfail(w, "lseek(%lld, %s) from %lld: %lld (%s), want %lld",
		      (long long)arg, whence_name[whence], (long long)w->pos,
		      (long long)got, got < 0 ? strerror(errno) : "ok",
		      (long long)want);
		/* Where it is now, so that SEEK_CUR stays meaningful. */
		w->pos = lseek(w->fd, 0, SEEK_CUR);
		return -1;
	}
	w->pos = want;
	return 0;
}

/* A transfer must move exactly len bytes: the range is inside the region. */
static int io_done(struct worker *w, const char *call, size_t off, size_t len,
		   ssize_t ret)
{
	if (ret == (ssize_t)len)
		return 0;
	wfail(w, "%s of %zu bytes at %lld: %zd (%s)", call, len,
	      (long long)(w->base + off), ret,
	      ret < 0 ? strerror(errno) : "short");
	return -1;
}

/* Slice bytes [off, off + len) to buf; 0 or -1 (reported). */
static int get(struct worker *w, enum path p, size_t off, size_t len,
	       uint8_t *buf)
{
	ssize_t ret;

	w->c->ops++;
	switch (p) {
	case VIA_PREAD:
		ret = pread(w->fd, buf, len, w->base + off);
		return io_done(w, "pread", off, len, ret);
	case VIA_SEEK:
		if (seek_to(w, off))
			return -1;
		ret = read(w->fd, buf, len);
		if (ret > 0)
			w->pos += ret;
		return io_done(w, "read", off, len, ret);
	default:
		memcpy(buf, w->map + w->base + off, len);
		return 0;
	}
}

static int put(struct worker *w, enum path p, size_t off, size_t len,
	       const uint8_t *buf)
{
	ssize_t ret;

	w->c->ops++;
	switch (p) {
	case VIA_PREAD:
		ret = pwrite(w->fd, buf, len, w->base + off);
		return io_done(w, "pwrite", off, len, ret);
	case VIA_SEEK:
		if (seek_to(w, off))
			return -1;
		ret = write(w->fd, buf, len);
		if (ret > 0)
			w->pos += ret;
		return io_done(w, "write", off, len, ret);
	default:
		memcpy(w->map + w->base + off, buf, len);
		return 0;
	}
}

/*
 * After a mismatch the model is wrong about the device: take the slice
 * as it is, so one fault is reported once rather than at every later
 * check.
 */
static void resync(struct worker *w)
{
	if (pread(w->fd, w->model, slice_size, w->base) != (ssize_t)slice_size)
		wfail(w, "pread of the whole slice to resync: %s", strerror(errno));
}

/*
 * Reads [off, off + len) back by path p and compares it with the model;
 * when says at what point, for the report.
 */
static void verify(struct worker *w, enum path p, size_t off, size_t len,
		   const char *when)
{
	const uint8_t *want = w->model + off;
	size_t i, bad = 0, first = 0;

	if (get(w, p, off, len, w->buf))
		return;
	if (!memcmp(w->buf, want, len)) {
		w->c->bytes += len;
		return;
	}
	for (i = len; i-- > 0;) {
		if (w->buf[i] != want[i]) {
			bad++;
			first = i;
		}
	}
	wfail(w, "%s, %s of %zu bytes at %lld: %zu differ, first at %lld: 0x%02x, want 0x%02x",
	      when, path_name[p], len, (long long)(w->base + off), bad,
	      (long long)(w->base + off + first), w->buf[first], want[first]);
	resync(w);
}

static enum path any_path(struct worker *w)
{
	return rand_next(&w->rng) % NR_PATHS;
}

/*
 * The range is checked before it is overwritten, so that nothing that
 * went wrong there is hidden by the new data, and afterwards with a
 * margin, so that a copy landing a little off shows at once.
 */
static void write_range(struct worker *w)
{
	enum path p = any_path(w);
	size_t off, len, lo, hi;
	char when[48];

	pick_range(w, &off, &len);
	snprintf(when, sizeof(when), "before a %s write", path_name[p]);
	verify(w, any_path(w), off, len, when);
	rand_fill(w->buf, len, &w->rng);
	if (put(w, p, off, len, w->buf))
		return;
	memcpy(w->model + off, w->buf, len);
	lo = off > MARGIN ? off - MARGIN : 0;
	hi = off + len + MARGIN < slice_size ? off + len + MARGIN : slice_size;
	snprintf(when, sizeof(when), "after a %s write", path_name[p]);
	verify(w, any_path(w), lo, hi - lo, when);
}

static size_t pick_word(struct worker *w)
{
	return rand_next(&w->rng) % (slice_size / sizeof(uint64_t)) *
		sizeof(uint64_t);
}

static void fetch_add(struct worker *w)
{
	size_t off = pick_word(w);
	struct mymem_fetch_add req = {
		.offset = w->base + off,
		.value = rand_next(&w->rng),
	};
	uint64_t was;

	w->c->ops++;
	memcpy(&was, w->model + off, sizeof(was));
	if (ioctl(w->fd, MYMEM_IOC_FETCH_ADD, &req)) {
		wfail(w, "FETCH_ADD at %lld: %s", (long long)req.offset,
		      strerror(errno));
		return;
	}
	if (req.old != was)
		wfail(w, "FETCH_ADD at %lld: old 0x%llx, want 0x%llx",
		      (long long)req.offset, (unsigned long long)req.old,
		      (unsigned long long)was);
	was += req.value;
	memcpy(w->model + off, &was, sizeof(was));
	verify(w, any_path(w), off, sizeof(was), "after FETCH_ADD");
}

/* A hit swaps in the new value; a miss must leave the word alone. */
static void cmpxchg(struct worker *w)
{
	size_t off = pick_word(w);
	int hit = rand_next(&w->rng) & 1;
	struct mymem_cmpxchg req = {
		.offset = w->base + off,
		.desired = rand_next(&w->rng),
	};
	uint64_t was;

	w->c->ops++;
	memcpy(&was, w->model + off, sizeof(was));
	req.expected = hit ? was : ~was;
	if (ioctl(w->fd, MYMEM_IOC_CMPXCHG, &req)) {
		wfail(w, "CMPXCHG at %lld: %s", (long long)req.offset,
		      strerror(errno));
		return;
	}
	if (req.old != was)
		wfail(w, "CMPXCHG (%s) at %lld: old 0x%llx, want 0x%llx",
		      hit ? "hit" : "miss", (long long)req.offset,
		      (unsigned long long)req.old, (unsigned long long)was);
	if (hit)
		memcpy(w->model + off, &req.desired, sizeof(req.desired));
	verify(w, any_path(w), off, sizeof(was),
	       hit ? "after a CMPXCHG hit" : "after a CMPXCHG miss");
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	unsigned long n;
	enum path p;

	/* Random content first: the model never starts from a trusted read. */
	rand_fill(w->model, slice_size, &w->rng);
	if (put(w, VIA_PREAD, 0, slice_size, w->model))
		return NULL;
	for (n = 1; !stopped(); n++) {
		switch (rand_next(&w->rng) % 4) {
		case 0:
			fetch_add(w);
			break;
		case 1:
			cmpxchg(w);
			break;
		default:
			write_range(w);
			break;
		}
		if (n % SLICE_CHECK_EVERY == 0)
			verify(w, any_path(w), 0, slice_size, "whole slice");
	}
	for (p = 0; p < NR_PATHS; p++)
		verify(w, p, 0, slice_size, "whole slice at the end");
	memcpy(sh->final + w->base, w->model, slice_size);
	return NULL;
}

static int open_device(void)
{
	return open(opt.device, O_RDWR | O_CLOEXEC);
}

/* One process: opt.threads workers sharing one map of the region. */
static int worker_process(unsigned int first)
{
	struct worker *w = calloc(opt.threads, sizeof(*w));
	pthread_t *tid = calloc(opt.threads, sizeof(*tid));
	unsigned int i;
	uint8_t *map;
	int fd, ret = 0;

	if (!w || !tid) {
		fail(&sh->worker[first], "process", "out of memory");
		return 1;
	}
	fd = open_device();
	if (fd < 0) {
		fail(&sh->worker[first], "process", "open: %s", strerror(errno));
		return 1;
	}
	map = mmap(NULL, region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fail(&sh->worker[first], "process", "mmap: %s", strerror(errno));
		return 1;
	}
	/* The map alone must keep the device usable and the module pinned. */
	close(fd);

	for (i = 0; i < opt.threads; i++) {
		w[i] = (struct worker){
			.id = first + i,
			.fd = open_device(),
			.map = map,
			.base = (off_t)(first + i) * slice_size,
			.model = malloc(slice_size),
			.buf = malloc(slice_size),
			.rng = 0x9E3779B97F4A7C15ULL * (first + i + 1) ^ (uint64_t)time(NULL),
			.c = &sh->worker[first + i],
		};
		if (w[i].fd < 0 || !w[i].model || !w[i].buf) {
			wfail(&w[i], "set-up: %s", strerror(errno));
			return 1;
		}
		if (pthread_create(&tid[i], NULL, worker_run, &w[i])) {
			wfail(&w[i], "pthread_create failed");
			return 1;
		}
	}
	for (i = 0; i < opt.threads; i++) {
		pthread_join(tid[i], NULL);
		if (w[i].c->errors)
			ret = 1;
	}
	return ret;
}

/* Opens and closes while everything else runs; every 4th file also maps. */
static void *opener_run(void *arg)
{
	struct counters *c = arg;
	uint64_t size = 0;
	void *map;
	int fd;

	while (!stopped()) {
		c->ops++;
		fd = open_device();
		if (fd < 0) {
			fail(c, "opener", "open: %s", strerror(errno));
			continue;
		}
		if (ioctl(fd, MYMEM_IOC_GET_SIZE, &size) || size != region_size)
			fail(c, "opener", "GET_SIZE: %s, %llu bytes",
			     strerror(errno), (unsigned long long)size);
		if (c->ops % 4) {
			close(fd);
			continue;
		}
		map = mmap(NULL, region_size, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (map == MAP_FAILED)
			fail(c, "opener", "mmap: %s", strerror(errno));
		else
			munmap(map, region_size);
	}
	return NULL;
}

/* Refused with EWOULDBLOCK (in use) or EBUSY (mid-load/unload): else a bug. */
static void rmmod_process(void)
{
	const struct timespec pause = { .tv_nsec = RMMOD_PAUSE_NS };
	struct counters *c = &sh->rmmod;

	while (!stopped()) {
		c->ops++;
		if (syscall(SYS_delete_module, opt.module, O_NONBLOCK) == 0)
			fail(c, "rmmod", "delete_module(%s) succeeded while in use",
			     opt.module);
		else if (errno == EWOULDBLOCK || errno == EBUSY)
			sh->refused++;
		else
			fail(c, "rmmod", "delete_module(%s): %s", opt.module,
			     strerror(errno));
		nanosleep(&pause, NULL);
	}
}

static pid_t spawn(int (*fn)(unsigned int), unsigned int arg)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0) {
		say("# fork: %s", strerror(errno));
		exit(2);
	}
	return pid;
}

static int rmmod_main(unsigned int unused)
{
	(void)unused;
	rmmod_process();
	return sh->rmmod.errors != 0;
}

/* A process killed by a signal (SIGBUS on a map, ...) is an error of c. */
static void reap(pid_t pid, struct counters *c)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fail(c, "wait", "waitpid(%d): %s", pid, strerror(errno));
	else if (WIFSIGNALED(status))
		fail(c, "wait", "process %d killed by signal %d", pid,
		     WTERMSIG(status));
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void sum(const struct counters *c, unsigned int n, struct counters *total)
{
	for (; n--; c++) {
		total->ops += c->ops;
		total->bytes += c->bytes;
		total->errors += c->errors;
	}
}

/*
 * The region in one read must be what the workers' models say (all of
 * it but the tail left over by rounding the slices to pages, if any).
 */
static void check_final(int fd, struct counters *c)
{
	size_t covered = slice_size * opt.procs * opt.threads, i;
	uint8_t *buf = malloc(covered);

	c->ops++;
	if (!buf || pread(fd, buf, covered, 0) != (ssize_t)covered) {
		fail(c, "final", "pread of %zu bytes: %s", covered, strerror(errno));
	} else if (memcmp(buf, sh->final, covered)) {
		for (i = 0; buf[i] == sh->final[i]; i++)
			;
		fail(c, "final", "byte %zu is 0x%02x, the model says 0x%02x",
		     i, buf[i], sh->final[i]);
	} else {
		c->bytes += covered;
	}
	free(buf);
}

static void usage(void)
{
	fprintf(stderr, "usage: mixed [--seconds N] [--procs N] [--threads N] [--openers N] [--device PATH] [--module NAME]\n");
	exit(2);
}

static unsigned int number(const char *s, unsigned int min, unsigned int max)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || !*s || n < min || n > max)
		usage();
	return n;
}

static void parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "openers", required_argument, NULL, 'o' },
		{ "device", required_argument, NULL, 'd' },
		{ "module", required_argument, NULL, 'm' },
		{ }
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seconds = number(optarg, 1, 86400);
			break;
		case 'p':
			opt.procs = number(optarg, 1, MAX_WORKERS);
			break;
		case 't':
			opt.threads = number(optarg, 1, MAX_WORKERS);
			break;
		case 'o':
			opt.openers = number(optarg, 0, MAX_OPENERS);
			break;
		case 'd':
			opt.device = optarg;
			break;
		case 'm':
			opt.module = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || opt.procs * opt.threads > MAX_WORKERS)
		usage();
}

int main(int argc, char **argv)
{
	struct counters work = { 0 }, final = { 0 }, open_close = { 0 };
	struct counters total = { 0 };
	pthread_t tid[MAX_OPENERS];
	pid_t rmmod, pid[MAX_WORKERS];
	unsigned int workers, i;
	uint64_t size;
	double start, took;
	int fd;

	parse(argc, argv);
	workers = opt.procs * opt.threads;
	say("TAP version 13");
	say("1..4");

	/* Held to the end: the module stays pinned whatever the openers do. */
	fd = open_device();
	if (fd < 0 || ioctl(fd, MYMEM_IOC_GET_SIZE, &size)) {
		say("Bail out! %s: %s", opt.device, strerror(errno));
		return 2;
	}
	region_size = size;
	/* Page multiples, so that slices never share a page of the maps. */
	slice_size = region_size / workers / getpagesize() * getpagesize();
	if (!slice_size) {
		say("Bail out! %zu bytes is less than a page per worker", region_size);
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh) + region_size, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		say("Bail out! mmap: %s", strerror(errno));
		return 2;
	}

	/* Processes first: fork() from a process without threads. */
	start = now();
	rmmod = spawn(rmmod_main, 0);
	for (i = 0; i < opt.procs; i++)
		pid[i] = spawn(worker_process, i * opt.threads);
	for (i = 0; i < opt.openers; i++) {
		if (pthread_create(&tid[i], NULL, opener_run, &sh->opener[i])) {
			say("Bail out! pthread_create failed");
			return 2;
		}
	}

	sleep(opt.seconds);
	atomic_store(&sh->stop, 1);

	for (i = 0; i < opt.openers; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < opt.procs; i++)
		reap(pid[i], &sh->worker[i * opt.threads]);
	reap(rmmod, &sh->rmmod);
	took = now() - start;

	sum(sh->worker, workers, &work);
	check_final(fd, &final);
	sum(&work, 1, &total);
	sum(&final, 1, &total);
	sum(sh->opener, opt.openers, &open_close);
	close(fd);

	say("%s 1 %u workers (%u processes x %u threads, %zu-byte slices): %llu ops, %llu bytes verified, %llu errors",
	    work.errors ? "not ok" : "ok", workers, opt.procs, opt.threads,
	    slice_size, (unsigned long long)work.ops,
	    (unsigned long long)work.bytes, (unsigned long long)work.errors);
	say("%s 2 final region = the workers' models, in one read",
	    final.errors ? "not ok" : "ok");
	say("%s 3 %u openers: %llu open/close cycles, %llu errors",
	    open_close.errors ? "not ok" : "ok", opt.openers,
	    (unsigned long long)open_close.ops,
	    (unsigned long long)open_close.errors);
	say("%s 4 delete_module(%s, O_NONBLOCK) refused %llu of %llu times",
	    sh->rmmod.errors || !sh->refused ? "not ok" : "ok", opt.module,
	    (unsigned long long)sh->refused, (unsigned long long)sh->rmmod.ops);
	say("# verified: %llu ops, %llu bytes, %.1f s",
	    (unsigned long long)total.ops, (unsigned long long)total.bytes,
	    took);
	return total.errors || open_close.errors || sh->rmmod.errors ||
		!sh->refused;
}
