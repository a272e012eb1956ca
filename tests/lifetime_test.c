// SPDX-License-Identifier: GPL-2.0
/*
 * The module's lifetime against its users, where lifecycle_test checks
 * one user at a time: 200 loads and unloads in a row; unload attempts
 * racing with processes that open, map, or (mymem_test) call the API;
 * descriptors closed while other threads are blocked inside the device
 * on them; processes that exit, or are killed, with live maps.  An
 * unload must be refused (EWOULDBLOCK) for as long as anything can still
 * reach the module, and everything that reached it must keep working;
 * a use-after-unload would oops, which fails the VM run.
 *
 * Like lifecycle_test, each test starts with mymem unloaded and leaves
 * it so; the suite runs it after the tests of a loaded device.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "modlib.h"
#include "stall.h"

#define RELOADS		200
#define PINNED_TRIES	200	/* unload attempts while a user is pinned */
/*
 * Unpinned, the race stops after this many unloads: each costs a load,
 * and an open that finds no device runs modprobe (misc_open() asks for
 * the char-major alias), tens of milliseconds under TCG each.
 */
#define RACE_UNLOADS	20

FIXTURE(life) {
};

FIXTURE_SETUP(life)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(life)
{
	leave_unloaded();
}

/*
 * Every load makes the node and a zeroed region, every unload takes the
 * node away.  Each round leaves its mark in the first word, which the
 * next load must not show.
 */
TEST_F_TIMEOUT(life, reload, 120)
{
	uint64_t word;
	struct stat st;
	int i, fd;

	for (i = 1; i <= RELOADS; i++) {
		ASSERT_EQ(0, load(mymem_ko(), "")) TH_LOG("load %d", i);
		ASSERT_EQ(0, stat(MYMEM_DEVICE_PATH, &st));
		ASSERT_TRUE(S_ISCHR(st.st_mode));
		fd = open(MYMEM_DEVICE_PATH, O_RDWR);
		ASSERT_LE(0, fd);
		ASSERT_EQ(DEFAULT_SIZE, region_size(fd));
		ASSERT_EQ(8, sysret(pread(fd, &word, 8, 0)));
		ASSERT_EQ(0, word) TH_LOG("load %d", i);
		word = i;
		ASSERT_EQ(8, sysret(pwrite(fd, &word, 8, 0)));
		close(fd);
		expect_unload(_metadata);
	}
}

/*
 * Unload attempts racing with users of one kind.  First with one user
 * pinned for the whole time while others come and go: every attempt is
 * refused.  Then unpinned: an attempt either is refused or succeeds, and
 * then the node is gone until the module is loaded again.  The churning
 * users meanwhile find the device absent (ENOENT, ENODEV), or find it
 * working in full.
 */
enum user_kind {
	USER_OPEN,	/* open, GET_SIZE, pread, close */
	USER_MAP,	/* open, map, close, store through the map, unmap */
	USER_API,	/* load mymem_test run=selftest, unload it */
};

struct churn {
	enum user_kind kind;
	atomic_bool stop;
	unsigned long uses, misses;
	char err[128];		/* the first thing that went wrong */
};

static bool absent_errno(int err)
{
	return err == ENOENT || err == ENODEV || err == ENXIO;
}

/* One use; false if it went wrong, with the reason in @c->err. */
static bool churn_once(struct churn *c)
{
	uint8_t *map;
	uint64_t word;
	int fd, ret;

	if (c->kind == USER_API) {
		/*
		 * Without mymem its symbols are unknown (ENOENT); while
		 * mymem is still coming or going, EBUSY.
		 */
		ret = load(mymem_test_ko(), "run=selftest");
		if (ret == -ENOENT || ret == -EBUSY) {
			c->misses++;
			return true;
		}
		if (ret || (ret = unload("mymem_test"))) {
			snprintf(c->err, sizeof(c->err), "mymem_test: %s",
				 strerror(-ret));
			return false;
		}
		c->uses++;
		return true;
	}

	fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	if (fd < 0) {
		if (absent_errno(errno)) {
			c->misses++;
			return true;
		}
		snprintf(c->err, sizeof(c->err), "open: %s", strerror(errno));
		return false;
	}
	if (c->kind == USER_OPEN) {
		ret = region_size(fd) == DEFAULT_SIZE &&
		      pread(fd, &word, 8, 0) == 8;
		close(fd);
	} else {
		map = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		close(fd);
		ret = map != MAP_FAILED;
		if (ret) {
			/* volatile: the accesses are the test. */
			((volatile uint8_t *)map)[7]++;
			munmap(map, page_size());
		}
	}
	if (!ret) {
		snprintf(c->err, sizeof(c->err), "an open device failed: %s",
			 strerror(errno));
		return false;
	}
	c->uses++;
	return true;
}

static void *churn_thread(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(&c->stop) && churn_once(c))
		;
	return NULL;
}

/* A user of @kind that stays: an fd, or a map, or mymem_test. */
struct pin {
	int fd;
	void *map;
};

static int pin_take(enum user_kind kind, struct pin *p)
{
	p->fd = -1;
	p->map = MAP_FAILED;
	if (kind == USER_API)
		return load(mymem_test_ko(), "run=selftest");
	p->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	if (p->fd < 0 || kind == USER_OPEN)
		return p->fd < 0 ? -errno : 0;
	p->map = mmap(NULL, DEFAULT_SIZE, PROT_READ, MAP_SHARED, p->fd, 0);
	close(p->fd);
	p->fd = -1;
	return p->map == MAP_FAILED ? -errno : 0;
}

static int pin_release(enum user_kind kind, struct pin *p)
{
	if (kind == USER_API)
		return unload("mymem_test");
	if (p->map != MAP_FAILED)
		return munmap(p->map, DEFAULT_SIZE);
	return close(p->fd);
}

FIXTURE(race) {
	struct churn churn;
	pthread_t thread;
	bool running;
};

FIXTURE_VARIANT(race) {
	enum user_kind kind;
	int tries;		/* unpinned unload attempts, at most */
	useconds_t gap;		/* between them, for the users to come */
};

FIXTURE_VARIANT_ADD(race, open) { USER_OPEN, 1000, 500 };
FIXTURE_VARIANT_ADD(race, map) { USER_MAP, 1000, 500 };
/* mymem_test's selftest takes a while: slower rounds. */
FIXTURE_VARIANT_ADD(race, api) { USER_API, 400, 5000 };

FIXTURE_SETUP(race)
{
	start_unloaded(_metadata);
	self->churn.kind = variant->kind;
	atomic_init(&self->churn.stop, false);
}

FIXTURE_TEARDOWN(race)
{
	if (self->running) {
		atomic_store(&self->churn.stop, true);
		pthread_join(self->thread, NULL);
	}
	leave_unloaded();
}

TEST_F_TIMEOUT(race, unload, 120)
{
	struct churn *c = &self->churn;
	unsigned long refused = 0, unloaded = 0;
	struct pin pin;
	int i, ret;

	ASSERT_EQ(0, load(mymem_ko(), ""));
	ASSERT_EQ(0, pin_take(variant->kind, &pin));
	/* mymem_test cannot churn while the pin is mymem_test itself. */
	if (variant->kind != USER_API) {
		ASSERT_EQ(0, pthread_create(&self->thread, NULL, churn_thread,
					    c));
		self->running = true;
	}
	for (i = 0; i < PINNED_TRIES; i++) {
		expect_busy(_metadata);
		usleep(variant->gap / 10);
	}
	ASSERT_EQ(0, pin_release(variant->kind, &pin));
	if (!self->running) {
		ASSERT_EQ(0, pthread_create(&self->thread, NULL, churn_thread,
					    c));
		self->running = true;
	}

	for (i = 0; i < variant->tries && unloaded < RACE_UNLOADS &&
		    !c->err[0]; i++) {
		usleep(variant->gap);
		ret = unload("mymem");
		if (ret == -EWOULDBLOCK) {
			refused++;
			continue;
		}
		ASSERT_EQ(0, ret);
		unloaded++;
		ASSERT_EQ(-ENOENT, path_status(MYMEM_DEVICE_PATH));
		ASSERT_EQ(0, load(mymem_ko(), ""));
	}

	atomic_store(&c->stop, true);
	pthread_join(self->thread, NULL);
	self->running = false;
	ASSERT_EQ(0, c->err[0]) TH_LOG("%s", c->err);
	TH_LOG("unloads: %lu refused, %lu done; users: %lu served, %lu not",
	       refused, unloaded, c->uses, c->misses);
	expect_unload(_metadata);
}

/*
 * A descriptor closed while other threads are inside the device on it: a
 * write, a read and a FETCH_ADD, each stopped at a userfaultfd page of
 * its own (the write's source, the read's destination, the ioctl's
 * argument).  close() returns at once; the calls in flight keep the
 * file, and with it the module, until they finish, and then finish
 * correctly.
 */
struct blocked {
	int fd;
	uint8_t *buf;		/* three userfaultfd pages, one per call */
	size_t page;
	long long ret[3];
	atomic_bool done[3];
};

static void *blocked_call(struct blocked *b, int which)
{
	uint8_t *mine = b->buf + which * b->page;

	switch (which) {
	case 0:
		b->ret[0] = sysret(pwrite(b->fd, mine, b->page, 0));
		break;
	case 1:
		b->ret[1] = sysret(pread(b->fd, mine, b->page, 2 * b->page));
		break;
	case 2:
		b->ret[2] = sysret(ioctl(b->fd, MYMEM_IOC_FETCH_ADD, mine));
		break;
	}
	atomic_store(&b->done[which], true);
	return NULL;
}

static void *blocked_write(void *b)
{
	return blocked_call(b, 0);
}

static void *blocked_read(void *b)
{
	return blocked_call(b, 1);
}

static void *blocked_ioctl(void *b)
{
	return blocked_call(b, 2);
}

TEST_F_TIMEOUT(life, close_while_blocked, 60)
{
	struct blocked b = { .page = page_size() };
	void *(*fns[3])(void *) = {
		blocked_write, blocked_read, blocked_ioctl,
	};
	struct mymem_fetch_add fa = { .offset = 3 * b.page, .value = 1 };
	uint8_t *src, *check;
	pthread_t threads[3];
	unsigned int stopped = 0;	/* bit i: the call at page i */
	unsigned long addr;
	int uffd, i;

	uffd = uffd_open();
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(-uffd));
	b.buf = mmap(NULL, 3 * b.page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b.buf);
	ASSERT_EQ(0, uffd_register(uffd, b.buf, 3 * b.page));
	src = malloc(b.page);
	check = malloc(b.page);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, check);
	pattern_fill(src, 0, b.page, 7);

	ASSERT_EQ(0, load(mymem_ko(), ""));
	b.fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, b.fd);

	/* Each call stops at its own page, in any order. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, fns[i], &b));
	for (i = 0; i < 3; i++) {
		addr = next_fault(uffd, 10000);
		ASSERT_NE(0, addr);
		stopped |= 1u << (addr - (uintptr_t)b.buf) / b.page;
	}
	ASSERT_EQ(7, stopped);

	ASSERT_EQ(0, close(b.fd));
	expect_busy(_metadata);
	for (i = 0; i < 3; i++) {
		ASSERT_FALSE(atomic_load(&b.done[i])) TH_LOG("thread %d", i);
	}

	/* Let them go: the write's source, the read's page, the argument. */
	ASSERT_EQ(0, uffd_fill(uffd, b.buf, src));
	ASSERT_EQ(0, uffd_fill(uffd, b.buf + b.page, src));
	memcpy(check, &fa, sizeof(fa));
	ASSERT_EQ(0, uffd_fill(uffd, b.buf + 2 * b.page, check));
	for (i = 0; i < 3; i++)
		pthread_join(threads[i], NULL);
	ASSERT_EQ(b.page, b.ret[0]);
	ASSERT_EQ(b.page, b.ret[1]);
	ASSERT_EQ(0, b.ret[2]);
	/* The read is of a part of the region nothing wrote: zeros. */
	ASSERT_TRUE(all_bytes(b.buf + b.page, 0, b.page));

	b.fd = open(MYMEM_DEVICE_PATH, O_RDONLY);
	ASSERT_LE(0, b.fd);
	ASSERT_EQ(b.page, sysret(pread(b.fd, check, b.page, 0)));
	ASSERT_EQ(b.page, buf_mismatch(check, src, b.page));
	close(b.fd);
	expect_unload(_metadata);
	close(uffd);
	munmap(b.buf, 3 * b.page);
	free(src);
	free(check);
}

/*
 * Processes that map the device, close their descriptor, store through
 * the map and exit (half of them killed) with the map still there: the
 * module stays while any of them lives, their stores stay in the
 * region, and it unloads once they are all gone.
 */
#define MAPPERS		8

static void mapper(int index, int ready, int go)
{
	int fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	uint64_t *map;
	char c = 0;

	if (fd < 0)
		_exit(1);
	map = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		_exit(1);
	map[index] = index + 1;
	if (write(ready, &c, 1) != 1)
		_exit(1);
	/* Until the parent closes its end of the pipe. */
	if (read(go, &c, 1))
		_exit(1);
	_exit(0);
}

TEST_F(life, exit_with_maps)
{
	uint64_t words[MAPPERS];
	int ready[2], go[2], status, fd, i;
	pid_t pids[MAPPERS];
	char c;

	ASSERT_EQ(0, load(mymem_ko(), ""));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < MAPPERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			mapper(i, ready[1], go[0]);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < MAPPERS; i++) {
		ASSERT_EQ(1, read(ready[0], &c, 1));
	}
	expect_busy(_metadata);

	for (i = 0; i < MAPPERS; i += 2)
		kill(pids[i], SIGKILL);
	close(go[1]);
	for (i = 0; i < MAPPERS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		ASSERT_TRUE(i % 2 ? WIFEXITED(status) && !WEXITSTATUS(status) :
				    WIFSIGNALED(status))
			TH_LOG("mapper %d: status %#x", i, status);
	}
	close(ready[0]);

	fd = open(MYMEM_DEVICE_PATH, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(words), sysret(pread(fd, words, sizeof(words), 0)));
	close(fd);
	for (i = 0; i < MAPPERS; i++) {
		ASSERT_EQ(i + 1, words[i]);
	}
	expect_unload(_metadata);
}

TEST_HARNESS_MAIN
