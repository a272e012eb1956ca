// SPDX-License-Identifier: GPL-2.0
/*
 * mymem-race: W threads each increment the 64-bit counter at offset 0 of
 * /dev/mymem N times, with no lock (the lost-update race) and with the
 * ways of doing it right: a user mutex, pread/pwrite under the mutex,
 * the FETCH_ADD ioctl, an atomic add on the mmap()ed word.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/mymem.h>

#include "common.h"
#include "mymem_results.h"

#define MAX_WORKERS	4096

enum mode { M_UNLOCKED, M_MUTEX, M_PREAD, M_FETCH_ADD, M_MMAP, NR_MODES };

/* --mode names, the CSV's mode column */
static const char *const mode_names[NR_MODES] = {
	[M_UNLOCKED] = MYMEM_MODE_UNLOCKED, [M_MUTEX] = MYMEM_MODE_MUTEX,
	[M_PREAD] = MYMEM_MODE_PREAD, [M_FETCH_ADD] = MYMEM_MODE_FETCH_ADD,
	[M_MMAP] = MYMEM_MODE_MMAP,
};

#define MAX_SWEEP	32


static struct {
	const char *device;
	unsigned int workers;
	uint64_t iters;
	unsigned int runs;
	unsigned int modes;
	bool fetch_add_named;	/* given itself, not only via "all" */
	uint64_t sweep[MAX_SWEEP];	/* the W of --sweep */
	unsigned int nr_sweep;		/* 0: no sweep, -w's W */
	enum out_fmt fmt;
} opt = {
	.device = MYMEM_DEVICE_PATH,
	.workers = 50,
	.iters = 150000,
	.runs = 1,
	.fmt = OUT_TABLE,
};

struct worker {
	pthread_t tid;
	int fd;
	uint64_t start, end;
};

static struct {
	enum mode mode;
	pthread_barrier_t barrier;
	pthread_mutex_t lock;
	uint64_t *word;		/* M_MMAP: the counter, mapped */
} run;

static void usage(void)
{
	printf(
"Usage: %s [-w W] [-n N] --mode MODE [OPTION]...\n"
"W threads each do N times \"read the 64-bit counter at offset 0, add 1,\n"
"write it back\".  The counter starts at 0xDEADBEEF (written with pwrite)\n"
"and the final value is read with pread after all threads are done;\n"
"expected = 0xDEADBEEF + W*N.  The threads start together at a barrier.\n"
"\n"
"Modes (--mode, comma-separated, or all):\n"
"  unlocked   lseek/read/lseek/write, no lock: the race (never fails the run)\n"
"  mutex      the same under a pthread mutex\n"
"  pread      pread/pwrite under the mutex\n"
"  fetch_add  the MYMEM_IOC_FETCH_ADD ioctl, no user lock\n"
"  mmap       __atomic_fetch_add on the word of a MAP_SHARED mapping\n"
"With \"all\", fetch_add is skipped with a note when the device is not a\n"
"character device (a plain file for testing on the host).\n"
"\n"
"Options:\n"
"  -w, --workers=W   threads (default 50, at most %d)\n"
"  -n, --iters=N     increments per thread (default 150000)\n"
"  -m, --mode=MODES  modes to run (required)\n"
"  -r, --runs=R      runs per mode and W (default 1)\n"
"  -s, --sweep[=LIST] each W of LIST instead of -w (default\n"
"                    1,2,4,8,16,32,50,100; at most %d of them)\n"
"  -d, --device=PATH the mymem device or any file (default %s)\n"
"  -c, --csv         CSV: %s\n"
"  -j, --json        JSON: an array of objects with those keys\n"
"  -q, --quiet       no progress, even on a terminal\n"
"  -h, --help        this text\n"
"  -V, --version     the version\n"
"\n"
"Per run: final, expected, lost updates (expected - final), percent of the\n"
"W*N increments lost, elapsed ns (first thread's start to last thread's\n"
"end, after the barrier), increments per second.\n"
"Progress goes to stderr when it is a terminal.\n"
"\n"
"Exit status: 0 ok; 1 a mode that must be exact (mutex, pread, fetch_add,\n"
"mmap) lost or invented updates, or a transfer was short; 2 usage error;\n"
"3 environment error (device missing, system call failed).\n",
	       prog, MAX_WORKERS, MAX_SWEEP, MYMEM_DEVICE_PATH,
	       out_header(MYMEM_RACE_FORMAT));
}

/* Is @name one of the comma-separated words of @list? */
static bool list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (;;) {
		size_t len = strcspn(list, ",");

		if (len == n && !strncmp(list, name, n))
			return true;
		if (!list[len])
			return false;
		list += len + 1;
	}
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workers",	required_argument, NULL, 'w' },
		{ "iters",	required_argument, NULL, 'n' },
		{ "mode",	required_argument, NULL, 'm' },
		{ "runs",	required_argument, NULL, 'r' },
		{ "sweep",	optional_argument, NULL, 's' },
		{ "device",	required_argument, NULL, 'd' },
		{ "csv",	no_argument,	   NULL, 'c' },
		{ "json",	no_argument,	   NULL, 'j' },
		{ "quiet",	no_argument,	   NULL, 'q' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{}
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:n:m:r:s::d:cjqhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'w':
			opt.workers = parse_u64("--workers", optarg, 1,
						MAX_WORKERS);
			break;
		case 'n':
			opt.iters = parse_u64("--iters", optarg, 1,
					      1000000000000ull);
			break;
		case 'm':
			opt.modes = parse_names("--mode", optarg, mode_names,
						NR_MODES);
			opt.fetch_add_named = list_has(optarg,
						       MYMEM_MODE_FETCH_ADD);
			break;
		case 'r':
			opt.runs = parse_u64("--runs", optarg, 1, 1000000);
			break;
		case 's':
			opt.nr_sweep = parse_list("--sweep",
						  optarg ? optarg :
						  "1,2,4,8,16,32,50,100",
						  opt.sweep, MAX_SWEEP, 1,
						  MAX_WORKERS);
			break;
		case 'd':
			opt.device = optarg;
			break;
		default:
			common_option(c, argv, &opt.fmt, usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!opt.modes)
		usage_error("--mode is required");
}

static void rw_counter(int fd, uint64_t *v, bool write_it, bool positioned)
{
	ssize_t r;

	if (positioned)
		r = write_it ? pwrite(fd, v, sizeof(*v), 0) :
			       pread(fd, v, sizeof(*v), 0);
	else if (!lseek(fd, 0, SEEK_SET))
		r = write_it ? write(fd, v, sizeof(*v)) :
			       read(fd, v, sizeof(*v));
	else
		die_errno(EXIT_ENV, "%s: lseek to 0", opt.device);
	if (r < 0)
		die_errno(EXIT_ENV, "%s: %s of the counter", opt.device,
			  write_it ? "write" : "read");
	if (r != sizeof(*v))
		die(EXIT_VERIFY, "%s: short %s of the counter: %zd of 8 bytes",
		    opt.device, write_it ? "write" : "read", r);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct mymem_fetch_add fa = { .offset = 0, .value = 1 };
	bool locked = run.mode == M_MUTEX || run.mode == M_PREAD;
	bool positioned = run.mode == M_PREAD;
	uint64_t i, v;

	pthread_barrier_wait(&run.barrier);
	w->start = now_ns();
	for (i = 0; i < opt.iters; i++) {
		switch (run.mode) {
		case M_UNLOCKED:
		case M_MUTEX:
		case M_PREAD:
			if (locked)
				pthread_mutex_lock(&run.lock);
			rw_counter(w->fd, &v, false, positioned);
			v++;
			rw_counter(w->fd, &v, true, positioned);
			if (locked)
				pthread_mutex_unlock(&run.lock);
			break;
		case M_FETCH_ADD:
			if (ioctl(w->fd, MYMEM_IOC_FETCH_ADD, &fa))
				die_errno(EXIT_ENV, "%s: MYMEM_IOC_FETCH_ADD",
					  opt.device);
			break;
		case M_MMAP:
			/* atomicity is all a count needs; join orders it */
			__atomic_fetch_add(run.word, 1, __ATOMIC_RELAXED);
			break;
		case NR_MODES:
			break;
		}
	}
	w->end = now_ns();
	return NULL;
}

/*
 * One fd per thread in every mode.  The file position belongs to the
 * open file, so with one shared fd a thread's read would move the
 * position another thread has just lseek()ed.  Under the mutex that is
 * harmless -- the lock covers lseek+read+lseek+write as one unit -- but
 * in "unlocked" the threads would then read and write at each other's
 * offsets (8, 16, ...) and scribble over the region instead of showing
 * the lost update.  Separate fds make "unlocked" and "mutex" differ only
 * by the lock, which is the point of the comparison.
 *
 * Returns true when the mode was exact or is allowed not to be.
 */
static bool one_run(struct out *o, enum mode mode, unsigned int workers,
		    unsigned int run_no, int ctl_fd)
{
	struct worker *w = calloc(workers, sizeof(*w));
	uint64_t v = MYMEM_RACE_START, expected, start = UINT64_MAX, end = 0;
	uint64_t elapsed;
	double total = (double)workers * opt.iters;
	unsigned int i;
	int64_t lost;

	if (!w)
		die_errno(EXIT_ENV, "calloc");
	progress("%s: %u workers x %llu, run %u/%u", mode_names[mode],
		 workers, (unsigned long long)opt.iters, run_no, opt.runs);

	rw_counter(ctl_fd, &v, true, true);
	run.mode = mode;
	run.word = NULL;
	if (mode == M_MMAP) {
		run.word = mmap(NULL, sizeof(*run.word),
				PROT_READ | PROT_WRITE, MAP_SHARED, ctl_fd, 0);
		if (run.word == MAP_FAILED)
			die_errno(EXIT_ENV, "%s: mmap", opt.device);
	}
	errno = pthread_barrier_init(&run.barrier, NULL, workers + 1);
	if (errno)
		die_errno(EXIT_ENV, "pthread_barrier_init");

	for (i = 0; i < workers; i++) {
		w[i].fd = open_device(opt.device, O_RDWR);
		errno = pthread_create(&w[i].tid, NULL, worker_fn, &w[i]);
		if (errno)
			die_errno(EXIT_ENV, "pthread_create (%u threads)",
				  workers);
	}
	pthread_barrier_wait(&run.barrier);
	/* timed by the workers: the main thread may not run at once */
	for (i = 0; i < workers; i++) {
		pthread_join(w[i].tid, NULL);
		close(w[i].fd);
		if (w[i].start < start)
			start = w[i].start;
		if (w[i].end > end)
			end = w[i].end;
	}
	elapsed = end - start;
	free(w);
	pthread_barrier_destroy(&run.barrier);
	if (run.word)
		munmap(run.word, sizeof(*run.word));

	rw_counter(ctl_fd, &v, false, true);
	expected = MYMEM_RACE_START + workers * opt.iters;
	lost = (int64_t)(expected - v);
	progress_done();

	out_field(o, "side", MYMEM_SIDE_USER);
	out_field(o, "mode", "%s", mode_names[mode]);
	out_field(o, "workers", "%u", workers);
	out_field(o, "iters", "%llu", (unsigned long long)opt.iters);
	out_field(o, "run", "%u", run_no);
	out_field(o, "final", "%llu", (unsigned long long)v);
	out_field(o, "expected", "%llu", (unsigned long long)expected);
	out_field(o, "lost", "%lld", (long long)lost);
	out_field(o, "error_pct", "%.4f", lost * 100.0 / total);
	out_field(o, "elapsed_ns", "%llu", (unsigned long long)elapsed);
	out_field(o, "incr_per_s", "%.0f",
		  elapsed ? total * 1e9 / elapsed : 0);

	if (mode == M_UNLOCKED || !lost)
		return true;
	note("%s: %u workers x %llu, run %u: final %llu, expected %llu (%lld lost)",
	     mode_names[mode], workers, (unsigned long long)opt.iters, run_no,
	     (unsigned long long)v, (unsigned long long)expected,
	     (long long)lost);
	return false;
}

/* Can this fd take the ioctl?  "all" on a plain file skips it. */
static bool ioctl_usable(int fd)
{
	struct mymem_fetch_add fa = { .offset = 0, .value = 0 };
	struct stat st;

	if (!ioctl(fd, MYMEM_IOC_FETCH_ADD, &fa))
		return true;
	if (!opt.fetch_add_named && errno == ENOTTY && !fstat(fd, &st) &&
	    !S_ISCHR(st.st_mode)) {
		note("%s: not a character device, mode fetch_add skipped",
		     opt.device);
		return false;
	}
	die(EXIT_ENV, "%s: MYMEM_IOC_FETCH_ADD: %s%s", opt.device,
	    strerror(errno), errno == ENOTTY ? " (not a mymem device?)" : "");
}

int main(int argc, char **argv)
{
	unsigned int m, i, r;
	bool exact = true;
	struct out o;
	int ctl_fd;

	tools_init(argv[0]);
	parse_args(argc, argv);

	ctl_fd = open_device(opt.device, O_RDWR);
	if ((opt.modes & (1u << M_FETCH_ADD)) && !ioctl_usable(ctl_fd))
		opt.modes &= ~(1u << M_FETCH_ADD);
	errno = pthread_mutex_init(&run.lock, NULL);
	if (errno)
		die_errno(EXIT_ENV, "pthread_mutex_init");

	out_begin(&o, opt.fmt, MYMEM_RACE_FORMAT);
	for (m = 0; m < NR_MODES; m++) {
		if (!(opt.modes & (1u << m)))
			continue;
		for (i = 0; i < (opt.nr_sweep ? opt.nr_sweep : 1); i++)
			for (r = 1; r <= opt.runs; r++)
				exact &= one_run(&o, m, opt.nr_sweep ?
						 opt.sweep[i] : opt.workers,
						 r, ctl_fd);
	}
	out_end(&o);
	close(ctl_fd);
	return exact ? EXIT_OK : EXIT_VERIFY;
}
