// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading mymem.ko: the size parameter (and its two sysfs
 * files), a region zeroed and counters at zero at every load, the API's
 * calls counted and a map's accesses not, mymem_test's refusal of bad
 * parameters, and unload refused while anything still uses the module.
 * Each test starts with mymem unloaded and loads it itself, so the
 * suite runs this program last; it leaves mymem unloaded.
 *
 * MYMEM_KO and MYMEM_TEST_KO name the modules' files (default
 * /mymem/mymem.ko and /mymem/mymem_test.ko).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "modlib.h"
#include "stall.h"
#include "ringlib.h"

#define MISC_MAJOR	10
#define MAX_SIZE	(256 * 1024 * 1024)	/* MYMEM_MAX_SIZE */
#define CHUNK		(1024 * 1024)	/* reads of big regions go by this */

/*
 * The device of a freshly loaded module: @size bytes, all zero, with
 * its edges where the size says.
 */
static void expect_fresh(struct __test_metadata *_metadata, off_t size)
{
	const long long page = page_size();
	const off_t mapped = (size + page - 1) / page * page;
	struct mymem_fetch_add fa = { .offset = size / 8 * 8, .value = 1 };
	uint8_t *buf = malloc(CHUNK + page), *map;
	long long pos = 0, want;
	int fd;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(size, sysfs_number("/sys/module/mymem/parameters/size"));
	ASSERT_EQ(size, sysfs_number("/sys/class/misc/mymem/size"));
	fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(size, region_size(fd));
	ASSERT_EQ(size, lseek(fd, 0, SEEK_END));
	ASSERT_EQ(-EINVAL, sysret(lseek(fd, size + 1, SEEK_SET)));

	/* Zeroed at load.  Each read asks for more than a chunk. */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	do {
		want = size - pos < CHUNK + page ? size - pos : CHUNK + page;
		ASSERT_EQ(want, sysret(read(fd, buf, CHUNK + page)));
		ASSERT_TRUE(all_bytes(buf, 0, want)) TH_LOG("at %lld", pos);
		pos += want;
	} while (pos < size);
	ASSERT_EQ(0, sysret(read(fd, buf, 1)));

	/* The first word that does not fit, and the last that does. */
	ASSERT_EQ(-EINVAL, sysret(ioctl(fd, MYMEM_IOC_FETCH_ADD, &fa)));
	if (size >= 8) {
		fa.offset -= 8;
		ASSERT_EQ(0, sysret(ioctl(fd, MYMEM_IOC_FETCH_ADD, &fa)));
		ASSERT_EQ(0, fa.old);
	}

	ASSERT_EQ(-ENOSPC, sysret(pwrite(fd, "x", 1, size)));
	ASSERT_EQ(1, sysret(pwrite(fd, "xy", 2, size - 1)));

	map = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	munmap(map, mapped);
	ASSERT_EQ(MAP_FAILED, mmap(NULL, mapped + page, PROT_READ,
				   MAP_SHARED, fd, 0));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
	free(buf);
}

FIXTURE(module) {
};

FIXTURE_SETUP(module)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(module)
{
	leave_unloaded();
}

/*
 * The default: a misc device anyone may use, 512 KiB of zeros, and
 * zeros again after a reload even though the last user wrote it full.
 */
TEST_F(module, default_size)
{
	struct stat st;
	uint8_t *buf;
	int fd;

	ASSERT_EQ(0, load(mymem_ko(), ""));
	ASSERT_EQ(0, stat(MYMEM_DEVICE_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0666, st.st_mode & 07777);
	ASSERT_EQ(MISC_MAJOR, major(st.st_rdev));
	expect_fresh(_metadata, DEFAULT_SIZE);

	buf = malloc(DEFAULT_SIZE);
	ASSERT_NE(NULL, buf);
	memset(buf, 0xa5, DEFAULT_SIZE);
	fd = open(MYMEM_DEVICE_PATH, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(DEFAULT_SIZE, sysret(write(fd, buf, DEFAULT_SIZE)));
	close(fd);
	free(buf);
	expect_unload(_metadata);

	ASSERT_EQ(0, load(mymem_ko(), ""));
	expect_fresh(_metadata, DEFAULT_SIZE);
}

/* An open file holds the module; once closed it unloads. */
TEST_F(module, busy_while_open)
{
	uint64_t word = 1;
	int fd;

	ASSERT_EQ(0, load(mymem_ko(), ""));
	fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	expect_busy(_metadata);
	ASSERT_EQ(8, sysret(pread(fd, &word, 8, 0)));
	ASSERT_EQ(0, word);
	close(fd);
	expect_unload(_metadata);
}

/* A map holds the module after its file is closed, and still works. */
TEST_F(module, busy_while_mapped)
{
	uint8_t *map, c = 0;
	int fd;

	ASSERT_EQ(0, load(mymem_ko(), ""));
	fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	map = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	close(fd);
	expect_busy(_metadata);

	map[DEFAULT_SIZE - 1] = 0x5a;
	munmap(map, DEFAULT_SIZE);
	fd = open(MYMEM_DEVICE_PATH, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, sysret(pread(fd, &c, 1, DEFAULT_SIZE - 1)));
	ASSERT_EQ(0x5a, c);
	close(fd);
	expect_unload(_metadata);
}

/* A module using the in-kernel API holds mymem until it goes. */
TEST_F_TIMEOUT(module, busy_while_consumer_loaded, 120)
{
	ASSERT_EQ(0, load(mymem_ko(), ""));
	ASSERT_EQ(0, load(mymem_test_ko(), "run=selftest"));
	expect_busy(_metadata);
	ASSERT_EQ(0, unload("mymem_test"));
	expect_unload(_metadata);
}

/*
 * The sysfs counters start at zero at load, count the in-kernel API's
 * calls (mymem_test's bench of one trial of 4096 bytes: a timed write
 * and read, then a batch of one of each), and count no access through a
 * map and no ioctl.
 */
TEST_F_TIMEOUT(module, counters_api_not_mmap, 120)
{
	const uint64_t zero[NR_COUNTERS] = { 0 };
	struct mymem_fetch_add fa = { .offset = 0, .value = 1 };
	uint8_t *map;
	int fd;

	ASSERT_EQ(0, load(mymem_ko(), ""));
	expect_counted(_metadata, zero, 0, 0, 0, 0);
	fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	map = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	memset(map, 0x5a, DEFAULT_SIZE);
	ASSERT_TRUE(all_bytes(map, 0x5a, DEFAULT_SIZE));
	/* Unmapped pages come back through the fault handler. */
	ASSERT_EQ(0, madvise(map, DEFAULT_SIZE, MADV_DONTNEED));
	ASSERT_TRUE(all_bytes(map, 0x5a, DEFAULT_SIZE));
	ASSERT_EQ(0, sysret(ioctl(fd, MYMEM_IOC_FETCH_ADD, &fa)));
	munmap(map, DEFAULT_SIZE);
	close(fd);
	expect_counted(_metadata, zero, 0, 0, 0, 0);

	ASSERT_EQ(0, load(mymem_test_ko(), "run=bench trials=1 sizes=4096"));
	expect_counted(_metadata, zero, 2, 2, 2 * 4096, 2 * 4096);
	ASSERT_EQ(0, unload("mymem_test"));
	expect_unload(_metadata);
}

/*
 * mymem_test refuses bad parameters at load, before any phase runs:
 * EINVAL (ERANGE from the kernel's parser for a number past 2^32 - 1),
 * exactly one error line in the kernel log (two for too many sizes)
 * naming the parameter, no module left, the region untouched.  Each row but run='s
 * selects only the selftest, which would load if the value were taken.
 */
FIXTURE(test_params) {
	int kmsg;
};

FIXTURE_VARIANT(test_params) {
	const char *params;
	const char *name;	/* what the error line names */
	int err;		/* 0 stands for EINVAL */
	int lines;		/* error lines; 0 stands for 1 */
};

FIXTURE_VARIANT_ADD(test_params, run_unknown) { "run=bogus", "bogus" };
FIXTURE_VARIANT_ADD(test_params, run_unknown_second) { "run=selftest,bogus", "bogus" };
FIXTURE_VARIANT_ADD(test_params, run_empty) { "run=", "run" };
FIXTURE_VARIANT_ADD(test_params, run_empty_item) { "run=selftest,", "run" };
FIXTURE_VARIANT_ADD(test_params, run_case) { "run=Selftest", "Selftest" };
FIXTURE_VARIANT_ADD(test_params, mode_unknown) { "run=selftest mode=bogus", "bogus" };
FIXTURE_VARIANT_ADD(test_params, workers_zero) { "run=selftest workers=0", "workers" };
FIXTURE_VARIANT_ADD(test_params, workers_over_max) { "run=selftest workers=1025", "workers" };
FIXTURE_VARIANT_ADD(test_params, workers_negative) { "run=selftest workers=-1", "workers" };
FIXTURE_VARIANT_ADD(test_params, iters_zero) { "run=selftest iters=0", "iters" };
FIXTURE_VARIANT_ADD(test_params, iters_abc) { "run=selftest iters=abc", "iters" };
FIXTURE_VARIANT_ADD(test_params, runs_zero) { "run=selftest runs=0", "runs" };
FIXTURE_VARIANT_ADD(test_params, runs_over_max) { "run=selftest runs=1001", "runs" };
FIXTURE_VARIANT_ADD(test_params, trials_zero) { "run=selftest trials=0", "trials" };
FIXTURE_VARIANT_ADD(test_params, trials_over_max) { "run=selftest trials=1000001", "trials" };
FIXTURE_VARIANT_ADD(test_params, trials_abc) { "run=selftest trials=abc", "trials" };
FIXTURE_VARIANT_ADD(test_params, trials_over_32_bits) { "run=selftest trials=4294967297", "trials", ERANGE };
FIXTURE_VARIANT_ADD(test_params, sizes_abc) { "run=selftest sizes=1,abc", "sizes" };
FIXTURE_VARIANT_ADD(test_params, sizes_zero) { "run=selftest sizes=4096,0", "sizes" };
/* The kernel's array parser says why in a line of its own. */
FIXTURE_VARIANT_ADD(test_params, sizes_too_many) { "run=selftest sizes=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", "sizes", 0, 2 };

FIXTURE_SETUP(test_params)
{
	uint8_t *buf = malloc(DEFAULT_SIZE);
	int fd;

	start_unloaded(_metadata);
	ASSERT_EQ(0, load(mymem_ko(), ""));
	ASSERT_NE(NULL, buf);
	memset(buf, 0x5a, DEFAULT_SIZE);
	fd = open(MYMEM_DEVICE_PATH, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(DEFAULT_SIZE, sysret(write(fd, buf, DEFAULT_SIZE)));
	close(fd);
	free(buf);
	self->kmsg = kmsg_open_at_end();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(test_params)
{
	close(self->kmsg);
	leave_unloaded();
}

TEST_F(test_params, refused)
{
	uint8_t *buf = malloc(DEFAULT_SIZE);
	char line[256];
	int fd;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(-(variant->err ?: EINVAL),
		  load(mymem_test_ko(), variant->params));
	ASSERT_EQ(variant->lines ?: 1,
		  kmsg_count(self->kmsg, 3, NULL, line, sizeof(line)))
		TH_LOG("the last: %s", line);
	ASSERT_NE(NULL, strstr(line, variant->name)) TH_LOG("%s", line);
	ASSERT_EQ(-ENOENT, path_status("/sys/module/mymem_test"));
	fd = open(MYMEM_DEVICE_PATH, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(DEFAULT_SIZE, sysret(read(fd, buf, DEFAULT_SIZE)));
	ASSERT_TRUE(all_bytes(buf, 0x5a, DEFAULT_SIZE));
	close(fd);
	free(buf);
}

/*
 * The writers' mutex held for as long as a test likes.  No user call
 * holds it while it waits for anything (a missing page is faulted in
 * with it dropped: datapath_test), so a holder is made slow instead: a
 * process writes the whole of a 256 MiB region in a cgroup allowed 1 ms
 * of CPU per 100 ms, with the kernel fully preemptible.  Its copy under
 * the mutex takes far more than the quota and a tick (4 ms) of CPU, so
 * the quota runs out inside its writer section, which then lasts
 * minutes; the test lifts the limit when done.  (Debian's arm64 kernels
 * are PREEMPT_VOLUNTARY without PREEMPT_DYNAMIC: there the hold is the
 * section itself, seconds under emulation, so a waiter must also die
 * before it ends.)  An RWF_NOWAIT read of a byte tells whether a writer
 * is in its section (EAGAIN).  Here because it needs a region larger
 * than the default.
 */
#define HOLD_FILL	0x5a	/* what the holder writes */
#define HOLD_CG		"/sys/fs/cgroup/mymem-hold"
#define PREEMPT		"/sys/kernel/debug/sched/preempt"
/*
 * How long a call that must not wait for the held mutex may take.  In
 * the code this guards against, it waits as long as the hold, minutes.
 */
#define FREE_MS		10000

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Whether a writer is in its section: the mutex is held. */
static bool lock_held(int fd)
{
	struct iovec iov;
	uint8_t c;

	iov = (struct iovec){ &c, 1 };
	return preadv2(fd, &iov, 1, 0, RWF_NOWAIT) < 0 && errno == EAGAIN;
}

FIXTURE(held) {
	int fd;
	pid_t holder;
	int status;		/* the holder's, once reaped */
	bool reaped;
	char preempt[16];	/* the preemption mode to restore, or "" */
	bool mounted;		/* cgroup2 mounted here */
	bool no_bandwidth;	/* no cpu.max: no holder was started */
};

/* Whether the holder has exited; reaps it. */
static bool holder_done(FIXTURE_DATA(held) *self)
{
	if (!self->reaped)
		self->reaped = waitpid(self->holder, &self->status, WNOHANG) ==
			       self->holder;
	return self->reaped;
}

/* The preemption mode in use, as the file shows it: "none (full) ...". */
static void preempt_mode(char *mode, size_t len)
{
	char line[128] = "", *open_p, *close_p;
	FILE *f = fopen(PREEMPT, "r");

	mode[0] = 0;
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (open_p = strchr(line, '(')) &&
	    (close_p = strchr(open_p, ')')))
		snprintf(mode, len, "%.*s", (int)(close_p - open_p - 1),
			 open_p + 1);
	fclose(f);
}

static void hold_child(int ready, int go)
{
	uint8_t *buf = mmap(NULL, MAX_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open(MYMEM_DEVICE_PATH, O_WRONLY);
	char c = 0;

	if (buf == MAP_FAILED || fd < 0)
		_exit(2);
	memset(buf, HOLD_FILL, MAX_SIZE);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		_exit(3);
	_exit(pwrite(fd, buf, MAX_SIZE, 0) == MAX_SIZE ? 0 : 1);
}

FIXTURE_SETUP(held)
{
	int ready[2], go[2];
	char pid[16], c;

	self->holder = -1;
	start_unloaded(_metadata);
	ASSERT_EQ(0, load(mymem_ko(), "size=268435456"));
	self->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);

	/* PREEMPT_RT kernels have no such file: always preemptible. */
	preempt_mode(self->preempt, sizeof(self->preempt));
	if (self->preempt[0]) {
		ASSERT_EQ(0, write_text(PREEMPT, "full"));
	}
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK)) {
		ASSERT_EQ(0, mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0,
				   NULL)) TH_LOG("cgroup2: %s", strerror(errno));
		self->mounted = true;
	}
	ASSERT_EQ(0, write_text("/sys/fs/cgroup/cgroup.subtree_control",
				"+cpu"));
	ASSERT_TRUE(mkdir(HOLD_CG, 0755) == 0 || errno == EEXIST);
	/*
	 * A kernel without CFS bandwidth control (our debug kernel) has no
	 * cpu.max and so no slow holder: the tests skip, teardown undoes the
	 * rest.
	 */
	if (access(HOLD_CG "/cpu.max", F_OK)) {
		self->no_bandwidth = true;
		return;
	}
	ASSERT_EQ(0, write_text(HOLD_CG "/cpu.max", "1000 100000"));

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	self->holder = fork();
	ASSERT_LE(0, self->holder);
	if (!self->holder)
		hold_child(ready[1], go[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	snprintf(pid, sizeof(pid), "%d", self->holder);
	ASSERT_EQ(0, write_text(HOLD_CG "/cgroup.procs", pid));
	ASSERT_EQ(1, write(go[1], &c, 1));
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	while (!lock_held(self->fd)) {
		ASSERT_FALSE(holder_done(self))
			TH_LOG("the holder wrote without being seen holding the mutex");
		usleep(1000);
	}
}

/* Lets the holder finish: it must have written the region whole. */
static void release(struct __test_metadata *_metadata,
		    FIXTURE_DATA(held) *self)
{
	const uint8_t *map;

	ASSERT_EQ(0, write_text(HOLD_CG "/cpu.max", "max 100000"));
	while (!holder_done(self))
		usleep(1000);
	ASSERT_TRUE(WIFEXITED(self->status));
	ASSERT_EQ(0, WEXITSTATUS(self->status));
	map = mmap(NULL, MAX_SIZE, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_TRUE(all_bytes(map, HOLD_FILL, MAX_SIZE));
	munmap((void *)map, MAX_SIZE);
}

FIXTURE_TEARDOWN(held)
{
	write_text(HOLD_CG "/cpu.max", "max 100000");
	if (self->holder > 0 && !self->reaped)
		waitpid(self->holder, NULL, 0);
	rmdir(HOLD_CG);
	if (self->mounted)
		umount("/sys/fs/cgroup");
	if (self->preempt[0])
		write_text(PREEMPT, self->preempt);
	close(self->fd);
	leave_unloaded();
}

/*
 * A write, and a read that meets the writer in its section, wait for
 * the held mutex killably: SIGKILL ends each while the mutex is still
 * held (mutex_lock() would leave them in D until the holder let go),
 * and the write's bytes never land.
 */
TEST_F_TIMEOUT(held, killed_waiters_die, 300)
{
	uint64_t word = ~0ull;
	int i, status, ms;
	pid_t w[2];

	if (self->no_bandwidth)
		SKIP(return,
		     "no cpu.max (CONFIG_CFS_BANDWIDTH): no slow holder");

	for (i = 0; i < 2; i++) {
		w[i] = fork();
		ASSERT_LE(0, w[i]);
		if (!w[i])
			_exit(i ? pread(self->fd, &word, sizeof(word), 0) :
				  pwrite(self->fd, &word, sizeof(word), 0));
	}
	for (i = 0; i < 2; i++) {
		/* Its one sleep is the mutex's: TASK_KILLABLE shows as D. */
		while (process_state(w[i]) != 'D') {
			ASSERT_TRUE(lock_held(self->fd));
			usleep(1000);
		}
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, kill(w[i], SIGKILL));
		for (ms = 0; waitpid(w[i], &status, WNOHANG) != w[i]; ms++) {
			ASSERT_GT(FREE_MS, ms)
				TH_LOG("killed waiter %d lives on, in state %c",
				       i, process_state(w[i]));
			ASSERT_TRUE(lock_held(self->fd))
				TH_LOG("killed waiter %d outlived the hold", i);
			usleep(1000);
		}
		ASSERT_TRUE(WIFSIGNALED(status));
		ASSERT_EQ(SIGKILL, WTERMSIG(status));
	}
	ASSERT_TRUE(lock_held(self->fd));
	release(_metadata, self);
}

/*
 * RWF_NOWAIT calls, by system call and through io_uring, meet the held
 * mutex: EAGAIN at once, nothing counted, nothing written.  On a thread
 * of their own, so that one that waits is seen to.
 */
struct nowait_calls {
	int fd;
	struct io_uring ring;
	uint8_t buf[4096];
	long long ret[4];
	atomic_bool done;
};

static void *nowait_thread(void *arg)
{
	struct nowait_calls *c = arg;
	struct iovec iov = { c->buf, sizeof(c->buf) };

	c->ret[0] = sysret(preadv2(c->fd, &iov, 1, 4096, RWF_NOWAIT));
	c->ret[1] = sysret(pwritev2(c->fd, &iov, 1, 4096, RWF_NOWAIT));
	c->ret[2] = ring_op(&c->ring, c->fd, U_READ, c->buf, sizeof(c->buf),
			    8192, RWF_NOWAIT);
	c->ret[3] = ring_op(&c->ring, c->fd, U_WRITEV, c->buf, sizeof(c->buf),
			    8192, RWF_NOWAIT);
	atomic_store(&c->done, true);
	return NULL;
}

TEST_F_TIMEOUT(held, nowait_eagain, 300)
{
	struct nowait_calls c = { .fd = self->fd };
	uint64_t before[NR_COUNTERS];
	pthread_t t;
	int i;

	if (self->no_bandwidth)
		SKIP(return,
		     "no cpu.max (CONFIG_CFS_BANDWIDTH): no slow holder");

	ASSERT_EQ(0, io_uring_queue_init(4, &c.ring, 0));
	memset(c.buf, ~HOLD_FILL, sizeof(c.buf));
	counters_read(before);
	ASSERT_EQ(0, pthread_create(&t, NULL, nowait_thread, &c));
	for (i = 0; !atomic_load(&c.done); i++) {
		ASSERT_GT(FREE_MS, i) TH_LOG("an RWF_NOWAIT call waits");
		usleep(1000);
	}
	pthread_join(t, NULL);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(-EAGAIN, c.ret[i]) TH_LOG("call %d", i);
	}
	ASSERT_TRUE(lock_held(self->fd));
	expect_counted(_metadata, before, 0, 0, 0, 0);
	ASSERT_TRUE(all_bytes(c.buf, (uint8_t)~HOLD_FILL, sizeof(c.buf)));
	io_uring_queue_exit(&c.ring);
	release(_metadata, self);
}

/* Valid sizes other than the default, down to one byte and up to the limit. */
FIXTURE(valid_size) {
};

FIXTURE_VARIANT(valid_size) {
	const char *params;
	off_t size;
};

FIXTURE_VARIANT_ADD(valid_size, one_byte) { "size=1", 1 };
FIXTURE_VARIANT_ADD(valid_size, one_page) { "size=4096", 4096 };
FIXTURE_VARIANT_ADD(valid_size, not_page_multiple) { "size=5000", 5000 };
FIXTURE_VARIANT_ADD(valid_size, max) { "size=268435456", MAX_SIZE };
/*
 * What the kernel's parser makes of the text (kstrtoul(), base 0): hex
 * and octal, a sign, a trailing newline; the last of repeated
 * parameters wins, and an unknown one is only warned about.
 */
FIXTURE_VARIANT_ADD(valid_size, hex) { "size=0x10", 16 };
FIXTURE_VARIANT_ADD(valid_size, octal) { "size=010", 8 };
FIXTURE_VARIANT_ADD(valid_size, plus_sign) { "size=+4096", 4096 };
FIXTURE_VARIANT_ADD(valid_size, newline) { "size=4096\n", 4096 };
FIXTURE_VARIANT_ADD(valid_size, last_wins) { "size=0 size=4096", 4096 };
FIXTURE_VARIANT_ADD(valid_size, unknown_param) { "bogus=1", DEFAULT_SIZE };

FIXTURE_SETUP(valid_size)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(valid_size)
{
	leave_unloaded();
}

TEST_F_TIMEOUT(valid_size, load, 120)
{
	ASSERT_EQ(0, load(mymem_ko(), variant->params));
	expect_fresh(_metadata, variant->size);
	expect_unload(_metadata);
}

/*
 * Invalid sizes: EINVAL (ERANGE where the number does not fit an
 * unsigned long: the kernel's parameter parser says so), one error line
 * in the kernel log that names the parameter, and nothing is left
 * behind.
 */
FIXTURE(invalid_size) {
	int kmsg;	/* read from the kernel log's end at setup */
};

FIXTURE_VARIANT(invalid_size) {
	const char *params;
	int err;	/* 0 stands for EINVAL */
};

FIXTURE_VARIANT_ADD(invalid_size, zero) { "size=0" };
FIXTURE_VARIANT_ADD(invalid_size, over_max) { "size=268435457" };
/* Would be 4096 if the parameter were truncated to 32 bits. */
FIXTURE_VARIANT_ADD(invalid_size, over_32_bits) { "size=4294971392" };
FIXTURE_VARIANT_ADD(invalid_size, negative) { "size=-1" };
FIXTURE_VARIANT_ADD(invalid_size, not_a_number) { "size=abc" };
FIXTURE_VARIANT_ADD(invalid_size, empty) { "size=" };
FIXTURE_VARIANT_ADD(invalid_size, no_value) { "size" };
FIXTURE_VARIANT_ADD(invalid_size, hex_over_max) { "size=0x10000001" };
FIXTURE_VARIANT_ADD(invalid_size, hex_no_digits) { "size=0x" };
FIXTURE_VARIANT_ADD(invalid_size, suffix) { "size=1k" };
FIXTURE_VARIANT_ADD(invalid_size, fraction) { "size=1.5" };
FIXTURE_VARIANT_ADD(invalid_size, ulong_max) { "size=18446744073709551615" };
FIXTURE_VARIANT_ADD(invalid_size, over_ulong) { "size=18446744073709551616", ERANGE };
FIXTURE_VARIANT_ADD(invalid_size, last_wins) { "size=4096 size=0" };

FIXTURE_SETUP(invalid_size)
{
	start_unloaded(_metadata);
	self->kmsg = kmsg_open_at_end();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(invalid_size)
{
	close(self->kmsg);
	leave_unloaded();
}

TEST_F(invalid_size, load)
{
	char line[256];

	ASSERT_EQ(-(variant->err ?: EINVAL), load(mymem_ko(), variant->params));
	ASSERT_EQ(1, kmsg_count(self->kmsg, 3, NULL, line, sizeof(line)))
		TH_LOG("the last: %s", line);
	ASSERT_EQ(0, strncmp(line, "mymem: ", 7)) TH_LOG("%s", line);
	ASSERT_NE(NULL, strstr(line, "size")) TH_LOG("%s", line);
	expect_absent(_metadata);
	ASSERT_EQ(-ENOENT, unload("mymem"));
}

TEST_HARNESS_MAIN
