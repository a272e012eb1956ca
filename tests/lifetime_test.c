// SPDX-License-Identifier: GPL-2.0
/*
 * The module's lifetime against its users, where lifecycle_test checks
 * one user at a time: 200 loads and unloads in a row; unload attempts
 * racing with processes that open, map, or (mymem_test) call the API;
 * descriptors closed while other threads are blocked inside the device
 * on them; processes that exit, or are killed, with live maps; a stalled
 * reader that must block no other reader, and a stalled write that the
 * atomic ioctls must see whole or not at all.  An
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
	/* The race happened: unloads done, users served and turned away. */
	ASSERT_LT(0, unloaded);
	ASSERT_LT(0, c->uses);
	ASSERT_LT(0, c->misses);
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
	uint64_t word;
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
	/* The FETCH_ADD found the zeroed word and left it 1. */
	memcpy(&fa, b.buf + 2 * b.page, sizeof(fa));
	ASSERT_EQ(0, fa.old);
	ASSERT_EQ(8, sysret(pread(b.fd, &word, 8, 3 * b.page)));
	ASSERT_EQ(1, word);
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

/*
 * Stalls that hold up no one they need not, and hold up what they must.
 * A reader whose buffer is a userfaultfd page stops inside its copy:
 * another reader still reads.  A write whose source's second page is
 * such a page stops half way; a FETCH_ADD on a word of its first half,
 * then a CMPXCHG on one of its second, from another thread, must find it
 * whole or not begun: both run before it, or wait for it, or the first
 * runs before and the second after; never the first after and the
 * second before.
 */

struct stalled_read {
	int fd;
	uint8_t *buf;
	long long ret;
	atomic_bool done;
};

static void *read_first_page(void *arg)
{
	struct stalled_read *r = arg;

	r->ret = sysret(pread(r->fd, r->buf, page_size(), 0));
	atomic_store(&r->done, true);
	return NULL;
}

TEST_F_TIMEOUT(life, stalled_reader_blocks_no_reader, 60)
{
	const size_t page = page_size();
	struct stalled_read a = { 0 }, b = { 0 };
	uint8_t *src = malloc(page), *other = malloc(page);
	pthread_t ta, tb;
	int uffd, i;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, other);
	a.buf = mmap(NULL, page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a.buf);
	b.buf = other;
	uffd = uffd_missing(a.buf, page);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(-uffd));
	ASSERT_EQ(0, load(mymem_ko(), ""));
	a.fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, a.fd);
	b.fd = a.fd;
	pattern_fill(src, 0, page, 5);
	ASSERT_EQ(page, sysret(pwrite(a.fd, src, page, 0)));

	ASSERT_EQ(0, pthread_create(&ta, NULL, read_first_page, &a));
	ASSERT_EQ((uintptr_t)a.buf, next_fault(uffd, 10000));
	ASSERT_EQ(0, pthread_create(&tb, NULL, read_first_page, &b));
	for (i = 0; i < 10000 && !atomic_load(&b.done); i++)
		usleep(1000);
	ASSERT_TRUE(atomic_load(&b.done)) TH_LOG("the second reader waits");
	ASSERT_FALSE(atomic_load(&a.done));
	ASSERT_EQ(page, b.ret);
	ASSERT_EQ(page, pattern_mismatch(b.buf, 0, page, 5));

	/* The first one then reads the same. */
	memset(other, 0, page);
	ASSERT_EQ(0, uffd_fill(uffd, a.buf, other));
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ASSERT_EQ(page, a.ret);
	ASSERT_EQ(page, pattern_mismatch(a.buf, 0, page, 5));
	close(a.fd);
	expect_unload(_metadata);
	close(uffd);
	munmap(a.buf, page);
	free(src);
	free(other);
}

struct half_write {
	int fd;
	uint8_t *src;		/* two pages, the second a userfaultfd one */
	long long write_ret, fetch_add_ret, cmpxchg_ret;
	struct mymem_fetch_add fa;
	struct mymem_cmpxchg cx;
	atomic_int tid;
	atomic_bool atomics_done;
};

static void *write_two_pages(void *arg)
{
	struct half_write *h = arg;

	h->write_ret = sysret(pwrite(h->fd, h->src, 2 * page_size(), 0));
	return NULL;
}

static void *fetch_add_then_cmpxchg(void *arg)
{
	struct half_write *h = arg;

	atomic_store(&h->tid, gettid());
	h->fetch_add_ret = sysret(ioctl(h->fd, MYMEM_IOC_FETCH_ADD, &h->fa));
	h->cmpxchg_ret = sysret(ioctl(h->fd, MYMEM_IOC_CMPXCHG, &h->cx));
	atomic_store(&h->atomics_done, true);
	return NULL;
}

TEST_F_TIMEOUT(life, stalled_write_is_atomic_to_fetch_add_and_cmpxchg, 60)
{
	const size_t page = page_size();
	struct half_write h = { 0 };
	uint8_t *pattern = malloc(2 * page);
	uint64_t w0, w1, word0, word1;
	pthread_t writer, atomics;
	int uffd, i, tid;

	ASSERT_NE(NULL, pattern);
	pattern_fill(pattern, 0, 2 * page, 9);
	memcpy(&w0, pattern, 8);
	memcpy(&w1, pattern + page, 8);
	ASSERT_NE(0, w0);
	ASSERT_NE(0, w1);
	h.src = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, h.src);
	memcpy(h.src, pattern, page);
	uffd = uffd_missing(h.src + page, page);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(-uffd));
	ASSERT_EQ(0, load(mymem_ko(), ""));
	h.fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, h.fd);
	/* On the zeroed region: add 1 to word 0, make the word at page ~w1. */
	h.fa = (struct mymem_fetch_add){ .offset = 0, .value = 1 };
	h.cx = (struct mymem_cmpxchg){ .offset = page, .desired = ~w1 };

	ASSERT_EQ(0, pthread_create(&writer, NULL, write_two_pages, &h));
	ASSERT_EQ((uintptr_t)(h.src + page), next_fault(uffd, 10000));
	ASSERT_EQ(0, pthread_create(&atomics, NULL, fetch_add_then_cmpxchg,
				    &h));
	/* They finish, or wait (D) for the write. */
	for (i = 0; i < 10000 && !atomic_load(&h.atomics_done); i++) {
		tid = atomic_load(&h.tid);
		if (tid && thread_state(tid) == 'D')
			break;
		usleep(1000);
	}
	ASSERT_LT(i, 10000);
	ASSERT_EQ(0, uffd_fill(uffd, h.src + page, pattern + page));
	pthread_join(writer, NULL);
	pthread_join(atomics, NULL);
	ASSERT_EQ(2 * page, h.write_ret);
	ASSERT_EQ(0, h.fetch_add_ret);
	ASSERT_EQ(0, h.cmpxchg_ret);
	ASSERT_EQ(8, sysret(pread(h.fd, &word0, 8, 0)));
	ASSERT_EQ(8, sysret(pread(h.fd, &word1, 8, page)));
	TH_LOG("FETCH_ADD old %#llx, CMPXCHG old %#llx; words %#llx %#llx",
	       (unsigned long long)h.fa.old, (unsigned long long)h.cx.old,
	       (unsigned long long)word0, (unsigned long long)word1);

	if (h.fa.old == 0) {
		/* The FETCH_ADD went first; the CMPXCHG before or after. */
		ASSERT_TRUE(h.cx.old == 0 || h.cx.old == w1);
		ASSERT_EQ(w0, word0);
		ASSERT_EQ(w1, word1);
	} else {
		/* Both after the write. */
		ASSERT_EQ(w0, h.fa.old);
		ASSERT_EQ(w1, h.cx.old);
		ASSERT_EQ(w0 + 1, word0);
		ASSERT_EQ(w1, word1);
	}
	close(h.fd);
	expect_unload(_metadata);
	close(uffd);
	munmap(h.src, 2 * page);
	free(pattern);
}

TEST_HARNESS_MAIN
