// SPDX-License-Identifier: GPL-2.0
/*
 * The data path against callers whose memory stalls or changes under a
 * call: a userfaultfd page holds a copy at the fault for as long as the
 * test likes, so each race happens in one order, every run.
 *
 * - A write stalled on its source holds off no read, atomic or other
 *   write, nor an in-kernel API user, and is still whole and right once
 *   released.
 * - A read stalled on its destination sleeps outside any copy, lets
 *   writers run, and then returns what they wrote, not a mix.
 * - A read cut short by its own buffer changes no byte past its count,
 *   even when the region changed while it waited.
 * - An atomic ioctl's result is delivered whenever the word changes,
 *   however long the operation waits for the lock, and a result field
 *   that faults on writing stalls the ioctl alone.
 * - A read whose buffer keeps losing pages while writers run ends after
 *   a bounded number of fresh starts, with bytes of one instant.
 * - A call whose buffer faults below the page (arm64 MTE), where faulting
 *   the page in does not help, returns what it could copy.
 * - A call whose every user copy fails (injected), while faulting its
 *   pages in succeeds, fails with EFAULT and changes nothing.
 *
 * Runs on the loaded device; each test starts from region_open()'s
 * pattern in the region.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "modlib.h"
#include "stall.h"

#define SENTINEL	0xa5	/* the caller's bytes that nothing may touch */
#define WORD_OFF	8192	/* a word no stalled call covers */
#define OTHER_OFF	12288	/* a range no stalled call covers */
/*
 * How long a call that must not be held off may take.  In the code this
 * guards against, it waits for as long as the stall lasts.
 */
#define FREE_MS		10000
/* Likewise for loading mymem_test with its selftest, under emulation. */
#define LOAD_MS		60000

/* One call made by a thread of its own, so that it can stall. */
enum call_op { CALL_PREAD, CALL_PWRITE, CALL_FETCH_ADD, CALL_LOAD_API };

struct call {
	enum call_op op;
	int fd;
	void *buf;
	size_t len;
	off_t pos;
	pthread_t thread;
	bool joined;
	atomic_int tid;
	atomic_bool done;
	long long ret;
};

static void *call_thread(void *arg)
{
	struct call *c = arg;

	atomic_store(&c->tid, gettid());
	switch (c->op) {
	case CALL_PREAD:
		c->ret = sysret(pread(c->fd, c->buf, c->len, c->pos));
		break;
	case CALL_PWRITE:
		c->ret = sysret(pwrite(c->fd, c->buf, c->len, c->pos));
		break;
	case CALL_FETCH_ADD:
		c->ret = sysret(ioctl(c->fd, MYMEM_IOC_FETCH_ADD, c->buf));
		break;
	case CALL_LOAD_API:	/* mymem_test, its parameters in buf */
		c->ret = load(mymem_test_ko(), c->buf);
		break;
	}
	atomic_store(&c->done, true);
	return NULL;
}

/* Until @c has returned, or sleeps uninterruptibly (a mutex): true. */
static bool call_done_or_blocked(struct call *c)
{
	int i;

	for (i = 0; i < FREE_MS; i++) {
		int tid = atomic_load(&c->tid);

		if (atomic_load(&c->done) || (tid && thread_state(tid) == 'D'))
			return true;
		usleep(1000);
	}
	return false;
}

/* Until @c has returned, for at most @ms: whether it did. */
static bool call_done_within(struct call *c, int ms)
{
	for (; ms > 0 && !atomic_load(&c->done); ms--)
		usleep(1000);
	return atomic_load(&c->done);
}

static uint64_t pattern_word(uint64_t off, uint8_t seed)
{
	uint64_t word;

	pattern_fill((uint8_t *)&word, off, sizeof(word), seed);
	return word;
}

FIXTURE(stall) {
	struct region r;
	int uffd;
	size_t page;
	uint8_t *arena;	/* an ordinary page, then STALL_PAGES that stall */
	uint8_t *fill;	/* a page to fill a stalled one with */
	int wp_uffd;	/* a test's write-protecting userfaultfd, or -1 */
	struct call calls[2];
	int ncalls;
};

#define STALL_PAGES	2

FIXTURE_SETUP(stall)
{
	region_open(_metadata, &self->r);
	self->page = page_size();
	self->wp_uffd = -1;

	/* Without userfaultfd in the guest's kernel each test skips. */
	self->uffd = uffd_open();
	if (self->uffd < 0)
		return;
	self->arena = mmap(NULL, (1 + STALL_PAGES) * self->page,
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->arena);
	memset(self->arena, SENTINEL, self->page);
	ASSERT_EQ(0, uffd_register(self->uffd, self->arena + self->page,
				   STALL_PAGES * self->page));
	self->fill = malloc(self->page);
	ASSERT_NE(NULL, self->fill);
	memset(self->fill, SENTINEL, self->page);
}

/*
 * Closing the userfaultfd lets any call still stalled go; a mymem_test
 * a test loaded goes too.
 */
FIXTURE_TEARDOWN(stall)
{
	int i;

	if (self->uffd >= 0)
		close(self->uffd);
	if (self->wp_uffd >= 0)
		close(self->wp_uffd);
	for (i = 0; i < self->ncalls; i++)
		if (!self->calls[i].joined)
			pthread_join(self->calls[i].thread, NULL);
	unload("mymem_test");
	region_close(&self->r);
}

#define NEED_UFFD() do {						\
	if (self->uffd < 0)						\
		SKIP(return, "userfaultfd: %s", strerror(-self->uffd));	\
} while (0)

/* Starts a call of @self's on its own thread. */
static struct call *start(struct __test_metadata *_metadata,
			  FIXTURE_DATA(stall) *self, enum call_op op,
			  void *buf, size_t len, off_t pos)
{
	struct call *c = &self->calls[self->ncalls];

	*c = (struct call){ .op = op, .fd = self->r.fd, .buf = buf,
			    .len = len, .pos = pos };
	ASSERT_EQ(0, pthread_create(&c->thread, NULL, call_thread, c));
	self->ncalls++;
	return c;
}

static void join(struct call *c)
{
	pthread_join(c->thread, NULL);
	c->joined = true;
}

/*
 * Another process's read of the stalled range, fetch-add and write of
 * another range, once @go has a byte: 0, or the number of the first that
 * went wrong.
 */
static char other_user(int go)
{
	struct mymem_fetch_add fa = { .offset = WORD_OFF, .value = 1 };
	int fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	uint8_t buf[96], data[64];
	char c;

	if (fd < 0 || read(go, &c, 1) != 1)
		return 1;
	/* The stalled write has not happened yet, not even in part. */
	if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
	    pattern_mismatch(buf, 0, sizeof(buf), BASE_SEED) != sizeof(buf))
		return 2;
	if (ioctl(fd, MYMEM_IOC_FETCH_ADD, &fa) ||
	    fa.old != pattern_word(WORD_OFF, BASE_SEED))
		return 3;
	pattern_fill(data, OTHER_OFF, sizeof(data), NEW_SEED);
	if (pwrite(fd, data, sizeof(data), OTHER_OFF) != sizeof(data))
		return 4;
	return 0;
}

/*
 * The stalled page of @w's source, a 96-byte write at 0 whose first 32
 * bytes were ordinary, comes in: the write completes whole.
 */
static void finish_stalled_write(struct __test_metadata *_metadata,
				 FIXTURE_DATA(stall) *self, struct call *w)
{
	uint8_t check[96];

	pattern_fill(self->fill, 32, 64, NEW_SEED);
	ASSERT_EQ(0, uffd_fill(self->uffd, self->arena + self->page,
			       self->fill));
	join(w);
	ASSERT_EQ(96, w->ret);
	ASSERT_EQ(96, sysret(pread(self->r.fd, check, 96, 0)));
	ASSERT_EQ(96, pattern_mismatch(check, 0, 96, NEW_SEED));
}

/*
 * A write whose source is 32 bytes of an ordinary page and 64 of a
 * stalled one: while it waits, another process reads the range (all of
 * it as before), adds to a word and writes elsewhere, each at once.
 * Then the write completes whole.
 */
TEST_F_TIMEOUT(stall, write_holds_off_nobody, 60)
{
	uint8_t *src = self->arena + self->page - 32, check[96];
	int go[2], done[2];
	struct pollfd pfd;
	struct call *w;
	char result;
	pid_t pid;

	NEED_UFFD();

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(self->uffd);	/* so that a teardown can let go */
		result = other_user(go[0]);
		_exit(write(done[1], &result, 1) != 1);
	}
	close(go[0]);
	close(done[1]);
	pfd = (struct pollfd){ .fd = done[0], .events = POLLIN };

	pattern_fill(src, 0, 32, NEW_SEED);
	w = start(_metadata, self, CALL_PWRITE, src, 96, 0);
	ASSERT_EQ((uintptr_t)self->arena + self->page,
		  next_fault(self->uffd, FREE_MS));

	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(1, poll(&pfd, 1, FREE_MS)) TH_LOG("the other user is held off");
	ASSERT_EQ(1, read(done[0], &result, 1));
	ASSERT_EQ(0, result);
	ASSERT_FALSE(atomic_load(&w->done));

	finish_stalled_write(_metadata, self, w);
	ASSERT_EQ(64, sysret(pread(self->r.fd, check, 64, OTHER_OFF)));
	ASSERT_EQ(64, pattern_mismatch(check, OTHER_OFF, 64, NEW_SEED));
	ASSERT_EQ(8, sysret(pread(self->r.fd, check, 8, WORD_OFF)));
	ASSERT_EQ(pattern_word(WORD_OFF, BASE_SEED) + 1, *(uint64_t *)check);
	close(go[1]);
	close(done[0]);
	waitpid(pid, NULL, 0);
}

/*
 * A write stalled on its source holds off no in-kernel API user either:
 * mymem_test's selftest (every API call, the whole region written and
 * read back) loads and passes while the write waits.  Then the write
 * completes whole.
 */
TEST_F_TIMEOUT(stall, write_holds_off_no_api_user, 120)
{
	uint8_t *src = self->arena + self->page - 32;
	struct call *w, *api;

	NEED_UFFD();

	pattern_fill(src, 0, 32, NEW_SEED);
	w = start(_metadata, self, CALL_PWRITE, src, 96, 0);
	ASSERT_EQ((uintptr_t)self->arena + self->page,
		  next_fault(self->uffd, FREE_MS));
	api = start(_metadata, self, CALL_LOAD_API, "run=selftest", 0, 0);
	ASSERT_TRUE(call_done_within(api, LOAD_MS))
		TH_LOG("mymem_test is held off, in state %c",
		       thread_state(atomic_load(&api->tid)));
	join(api);
	ASSERT_EQ(0, api->ret);
	ASSERT_FALSE(atomic_load(&w->done));
	ASSERT_EQ(0, unload("mymem_test"));

	finish_stalled_write(_metadata, self, w);
}

/*
 * The kernel's handler of a page fault from kernel mode, on the stack of
 * a copy waiting in one: the kernel's arch, which a 32-bit program's
 * shares.  (A fault-in, the wait the device chooses, does not pass it.)
 */
#if defined(__x86_64__) || defined(__i386__)
#define FAULT_FRAME	"exc_page_fault"
#elif defined(__aarch64__) || defined(__arm__)
#define FAULT_FRAME	"do_mem_abort"
#else
#error "the page fault handler of this arch's kernel is unknown"
#endif

/*
 * A read into a stalled page: the copy that met the missing page did not
 * wait in it (no page fault frame on the stack: the read waits in a
 * fault-in of its own, outside any copy and lock), a write meanwhile
 * goes through, and the read then returns that write's bytes.
 */
TEST_F_TIMEOUT(stall, read_waits_outside_copy, 60)
{
	uint8_t *dst = self->arena + self->page, data[64];
	char stack[8192];
	struct call *r;
	long n;

	NEED_UFFD();

	r = start(_metadata, self, CALL_PREAD, dst, 64, 0);
	ASSERT_EQ((uintptr_t)dst, next_fault(self->uffd, FREE_MS));

	n = thread_kernel_stack(atomic_load(&r->tid), stack, sizeof(stack));
	ASSERT_LT(0, n) TH_LOG("/proc/.../stack: %s", strerror(-n));
	ASSERT_EQ(NULL, strstr(stack, FAULT_FRAME)) TH_LOG("%s", stack);

	pattern_fill(data, 0, 64, NEW_SEED);
	ASSERT_EQ(64, sysret(pwrite(self->r.fd, data, 64, 0)));
	ASSERT_FALSE(atomic_load(&r->done));

	ASSERT_EQ(0, uffd_fill(self->uffd, dst, self->fill));
	join(r);
	ASSERT_EQ(64, r->ret);
	ASSERT_EQ(64, pattern_mismatch(dst, 0, 64, NEW_SEED));
}

/*
 * A read into 32 bytes of an ordinary page and 64 of a stalled one.
 * While it waits, a write changes the range and the caller makes the
 * ordinary page read-only.  The read returns the 32 bytes it could
 * deliver, all of them as they were before that write, and leaves the
 * 64 beyond them as the caller had them.
 */
TEST_F_TIMEOUT(stall, short_read_changes_nothing_past, 60)
{
	uint8_t *dst = self->arena + self->page - 32, data[96];
	struct call *r;

	NEED_UFFD();

	r = start(_metadata, self, CALL_PREAD, dst, 96, 0);
	ASSERT_EQ((uintptr_t)self->arena + self->page,
		  next_fault(self->uffd, FREE_MS));

	pattern_fill(data, 0, 96, NEW_SEED);
	ASSERT_EQ(96, sysret(pwrite(self->r.fd, data, 96, 0)));
	ASSERT_EQ(0, mprotect(self->arena, self->page, PROT_READ));
	ASSERT_EQ(0, uffd_fill(self->uffd, self->arena + self->page,
			       self->fill));
	join(r);
	ASSERT_EQ(32, r->ret);
	ASSERT_EQ(32, pattern_mismatch(dst, 0, 32, BASE_SEED));
	ASSERT_EQ(64, byte_mismatch(dst + 32, SENTINEL, 64));
}

/* A FETCH_ADD of 5 to the word at WORD_OFF, on a page of its own. */
static struct mymem_fetch_add *fetch_add_page(struct __test_metadata *_metadata,
					      FIXTURE_DATA(stall) *self,
					      uint64_t old)
{
	struct mymem_fetch_add *fa;

	fa = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, fa);
	*fa = (struct mymem_fetch_add){
		.offset = WORD_OFF, .value = 5, .old = old,
	};
	return fa;
}

/* @a, the call of fetch_add_page()'s @fa, added 5 and gave the old value. */
static void expect_added(struct __test_metadata *_metadata,
			 FIXTURE_DATA(stall) *self, struct call *a,
			 struct mymem_fetch_add *fa)
{
	uint64_t word;

	ASSERT_EQ(8, sysret(pread(self->r.fd, &word, 8, WORD_OFF)));
	ASSERT_EQ(0, a->ret) TH_LOG("the word is now %#llx, was %#llx",
				    (unsigned long long)word,
				    (unsigned long long)pattern_word(WORD_OFF,
								     BASE_SEED));
	ASSERT_EQ(pattern_word(WORD_OFF, BASE_SEED), fa->old);
	ASSERT_EQ(pattern_word(WORD_OFF, BASE_SEED) + 5, word);
	munmap(fa, self->page);
}

/*
 * A fetch-add that may have to wait for the lock (behind a write stalled
 * on its source), its old field made read-only by the caller meanwhile:
 * if the word changed, the old value was delivered.  The write does not
 * hold the lock while it waits, so the add completes at once.
 */
TEST_F_TIMEOUT(stall, atomic_result_delivered, 60)
{
	struct mymem_fetch_add *fa;
	struct call *w, *a;

	NEED_UFFD();

	fa = fetch_add_page(_metadata, self, 0x0123456789abcdefull);

	w = start(_metadata, self, CALL_PWRITE, self->arena + self->page, 8,
		  16);
	ASSERT_EQ((uintptr_t)self->arena + self->page,
		  next_fault(self->uffd, FREE_MS));
	a = start(_metadata, self, CALL_FETCH_ADD, fa, 0, 0);
	ASSERT_TRUE(call_done_or_blocked(a));
	ASSERT_EQ(0, mprotect(fa, self->page, PROT_READ));
	ASSERT_EQ(0, uffd_fill(self->uffd, self->arena + self->page,
			       self->fill));
	join(w);
	join(a);

	ASSERT_EQ(8, w->ret);
	expect_added(_metadata, self, a, fa);
}

/*
 * A fetch-add whose old field is readable but faults on writing (a page
 * write-protected by userfaultfd): its store under the lock, with page
 * faults disabled, fails at once, and the field is faulted in with the
 * lock dropped, where it stalls.  Meanwhile a write completes at once.
 * Released, the fetch-add delivers its old value.
 */
TEST_F_TIMEOUT(stall, atomic_store_holds_off_nobody, 60)
{
	struct mymem_fetch_add *fa;
	uint8_t data[64], check[64];
	struct call *a, *w;

	NEED_UFFD();

	fa = fetch_add_page(_metadata, self, 0);
	self->wp_uffd = uffd_wp(fa, self->page);
	if (self->wp_uffd < 0)
		SKIP(return, "userfaultfd write-protect: %s",
		     strerror(-self->wp_uffd));

	a = start(_metadata, self, CALL_FETCH_ADD, fa, 0, 0);
	ASSERT_EQ((uintptr_t)fa, next_fault(self->wp_uffd, FREE_MS));
	pattern_fill(data, OTHER_OFF, sizeof(data), NEW_SEED);
	w = start(_metadata, self, CALL_PWRITE, data, sizeof(data), OTHER_OFF);
	ASSERT_TRUE(call_done_within(w, FREE_MS))
		TH_LOG("the write is held off by the stalled FETCH_ADD");
	join(w);
	ASSERT_EQ(sizeof(data), w->ret);
	ASSERT_FALSE(atomic_load(&a->done));

	ASSERT_EQ(0, uffd_wp_release(self->wp_uffd, fa, self->page));
	join(a);
	expect_added(_metadata, self, a, fa);
	ASSERT_EQ(64, sysret(pread(self->r.fd, check, 64, OTHER_OFF)));
	ASSERT_EQ(64, pattern_mismatch(check, OTHER_OFF, 64, NEW_SEED));
}

/*
 * A read forced to start again on every round.  Its destination is an
 * ordinary page and RESTART_PAGES that stall.  The fault-in of each
 * round walks the rest of the destination, stalling at each missing
 * page: at the first the test writes the whole range anew, so the next
 * copy must start again; at each later one but the second it drops the
 * page before (MADV_DONTNEED), so the next copy stops one page further
 * on.  Without a bound the read starts again RESTART_PAGES - 2 times and
 * returns everything; with MYMEM_READ_RESTARTS (3) fresh starts it
 * returns the 4 pages of the copy after the third write, all of that
 * write: a short count of one instant.
 */
#define RESTART_PAGES	8
#define RESTART_BOUND	3	/* kernel/mymem.c's MYMEM_READ_RESTARTS */

FIXTURE(restart) {
	struct region r;
	int uffd;
	size_t page, len;
	uint8_t *dst;	/* an ordinary page, then RESTART_PAGES that stall */
	uint8_t *data, *fill;
	struct call read;
	bool started;
};

FIXTURE_SETUP(restart)
{
	region_open(_metadata, &self->r);
	self->page = page_size();
	self->len = (1 + RESTART_PAGES) * self->page;
	self->uffd = uffd_open();
	if (self->uffd < 0)
		return;
	self->dst = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->dst);
	memset(self->dst, SENTINEL, self->page);
	ASSERT_EQ(0, uffd_register(self->uffd, self->dst + self->page,
				   RESTART_PAGES * self->page));
	self->data = malloc(self->len);
	self->fill = malloc(self->page);
	ASSERT_NE(NULL, self->data);
	ASSERT_NE(NULL, self->fill);
	memset(self->fill, SENTINEL, self->page);
}

FIXTURE_TEARDOWN(restart)
{
	if (self->uffd >= 0)
		close(self->uffd);
	if (self->started && !self->read.joined)
		pthread_join(self->read.thread, NULL);
	region_close(&self->r);
}

TEST_F_TIMEOUT(restart, read_ends, 60)
{
	uintptr_t first = 0, prev = UINTPTR_MAX, addr;
	struct call *c = &self->read;
	int writes = 0;

	NEED_UFFD();

	*c = (struct call){ .op = CALL_PREAD, .fd = self->r.fd,
			    .buf = self->dst, .len = self->len };
	ASSERT_EQ(0, pthread_create(&c->thread, NULL, call_thread, c));
	self->started = true;
	while (!atomic_load(&c->done)) {
		addr = next_fault(self->uffd, 100);
		if (!addr)
			continue;
		if (addr <= prev) {
			/* A new round's fault-in: its first missing page. */
			first = addr;
			writes++;
			pattern_fill(self->data, 0, self->len, NEW_SEED + writes);
			ASSERT_EQ(self->len, sysret(pwrite(self->r.fd,
							   self->data,
							   self->len, 0)));
		} else if (addr - self->page > first) {
			ASSERT_EQ(0, madvise((void *)(addr - self->page),
					     self->page, MADV_DONTNEED));
		}
		ASSERT_EQ(0, uffd_fill(self->uffd, (void *)addr, self->fill));
		prev = addr;
	}
	join(c);
	TH_LOG("%d writes, read returned %lld", writes, c->ret);
	ASSERT_EQ((RESTART_BOUND + 1) * self->page, c->ret);
	ASSERT_EQ(RESTART_BOUND + 1, writes);
	ASSERT_EQ(c->ret, pattern_mismatch(self->dst, 0, c->ret,
					   NEW_SEED + RESTART_BOUND));
}

/*
 * Sub-page faults: arm64 MTE, synchronous mode.  The caller's buffer is a
 * PROT_MTE page whose 16-byte granule at @mismatch carries tag 1, its
 * pointer tag 0: every access to it faults, though the page is there, so
 * faulting it in never lets a copy past it.  (One granule: QEMU 7.2's
 * TCG gives granules 32 bytes apart one tag, so tagging all from
 * @mismatch on would tag the first too.)  Each call returns (in
 * the code this guards against, read(), pread() and readv() spun in the
 * kernel until killed; the harness's timeout ends them) with the bytes
 * before the mismatch, or EFAULT when there are none, and changes no
 * byte at or past it; a write changes no region byte past its count.
 * Skipped where there is no MTE (x86-64; tap/expected-skips).
 */
#ifndef PROT_MTE
#define PROT_MTE	0x20
#endif
#define HWCAP2_MTE_BIT	(1UL << 18)	/* arm64's HWCAP2_MTE */
#define MTE_LEN		64

enum mte_op { MTE_READ, MTE_PREAD, MTE_READV, MTE_WRITE, MTE_FETCH_ADD };

FIXTURE(mte) {
	struct region r;
	uint8_t *buf;	/* a PROT_MTE page, tag 1 at the mismatch */
	size_t page;
	bool have_mte;
};

FIXTURE_VARIANT(mte) {
	enum mte_op op;
	size_t mismatch;	/* the first byte of the buffer that faults */
};

FIXTURE_VARIANT_ADD(mte, read_at_16) { MTE_READ, 16 };
FIXTURE_VARIANT_ADD(mte, read_at_0) { MTE_READ, 0 };
FIXTURE_VARIANT_ADD(mte, pread_at_16) { MTE_PREAD, 16 };
FIXTURE_VARIANT_ADD(mte, pread_at_0) { MTE_PREAD, 0 };
FIXTURE_VARIANT_ADD(mte, readv_at_16) { MTE_READV, 16 };
FIXTURE_VARIANT_ADD(mte, readv_at_0) { MTE_READV, 0 };
FIXTURE_VARIANT_ADD(mte, write_at_16) { MTE_WRITE, 16 };
FIXTURE_VARIANT_ADD(mte, write_at_0) { MTE_WRITE, 0 };
/* The old field, bytes 16 to 23 of the argument, in tag 1. */
FIXTURE_VARIANT_ADD(mte, fetch_add_old_field) { MTE_FETCH_ADD, 16 };

/* Tag checks of this thread's user accesses, the kernel's too: on or off. */
static int mte_checks(bool on)
{
	unsigned long ctrl = PR_TAGGED_ADDR_ENABLE |
			     (on ? PR_MTE_TCF_SYNC : PR_MTE_TCF_NONE);

	return prctl(PR_SET_TAGGED_ADDR_CTRL, ctrl, 0, 0, 0);
}

/* Gives the granule at @p tag @tag (STG); checks need not be off. */
static void mte_tag_granule(uint8_t *p, unsigned long tag)
{
#ifdef __aarch64__
	uintptr_t tagged = (uintptr_t)p | tag << 56;

	asm volatile(".arch armv8.5-a+memtag\n\tstg %0, [%0]"
		     : : "r"(tagged) : "memory");
#else
	(void)p;
	(void)tag;
#endif
}

FIXTURE_SETUP(mte)
{
	region_open(_metadata, &self->r);
	self->page = page_size();
	self->have_mte = getauxval(AT_HWCAP2) & HWCAP2_MTE_BIT;
	if (!self->have_mte)
		return;
	ASSERT_EQ(0, mte_checks(false));
	self->buf = mmap(NULL, self->page, PROT_READ | PROT_WRITE | PROT_MTE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	if (variant->op == MTE_WRITE)
		pattern_fill(self->buf, 0, MTE_LEN, NEW_SEED);
	else
		memset(self->buf, SENTINEL, self->page);
	mte_tag_granule(self->buf + variant->mismatch, 1);
}

FIXTURE_TEARDOWN(mte)
{
	if (self->have_mte)
		munmap(self->buf, self->page);
	region_close(&self->r);
}

TEST_F_TIMEOUT(mte, call, 30)
{
	size_t k = variant->mismatch;
	struct mymem_fetch_add *fa = (void *)self->buf;
	struct iovec iov[2];
	long long ret;

	if (!self->have_mte)
		SKIP(return, "no MTE (HWCAP2_MTE)");

	ASSERT_EQ(0, mte_checks(true));
	switch (variant->op) {
	case MTE_READ:
	case MTE_PREAD:
	case MTE_WRITE:
		ret = transfer(_metadata, &self->r, variant->op == MTE_WRITE,
			       variant->op == MTE_PREAD, 0, self->buf,
			       MTE_LEN);
		break;
	case MTE_READV:
		/* Two segments, the second across the mismatch. */
		iov[0] = (struct iovec){ self->buf, 8 };
		iov[1] = (struct iovec){ self->buf + 8, MTE_LEN - 8 };
		ASSERT_EQ(0, lseek(self->r.fd, 0, SEEK_SET));
		ret = sysret(readv(self->r.fd, iov, 2));
		break;
	case MTE_FETCH_ADD:
		/* The argument cannot be read whole: nothing to spin on. */
		ret = sysret(ioctl(self->r.fd, MYMEM_IOC_FETCH_ADD, fa));
		break;
	}
	ASSERT_EQ(0, mte_checks(false));

	if (variant->op == MTE_FETCH_ADD) {
		ASSERT_EQ(-EFAULT, ret);
		expect_model(_metadata, &self->r);
		return;
	}
	if (!k) {
		ASSERT_EQ(-EFAULT, ret);
	} else {
		/* arm64 copies in blocks: it may stop short of the mismatch. */
		ASSERT_LE(1, ret);
		ASSERT_GE((long long)k, ret);
	}
	if (variant->op == MTE_WRITE) {
		expect_model(_metadata, &self->r);
		return;
	}
	if (ret > 0) {
		ASSERT_EQ(ret, pattern_mismatch(self->buf, 0, ret, BASE_SEED));
	}
	ASSERT_EQ(MTE_LEN - k, byte_mismatch(self->buf + k, SENTINEL,
					     MTE_LEN - k));
}

/*
 * Injected usercopy faults: KERNEL=debug's fail_usercopy with times -1
 * and probability 100 fails every user copy of the task that armed its
 * make-it-fail, while faulting the buffer in (get_user_pages, not a
 * copy) still succeeds, as with MTE.  Each call must fail with EFAULT at
 * once (in the code this guards against, read, write and their vectored
 * and positional forms retried for as long as the fault-in succeeded:
 * until the harness's timeout) and change neither the region nor the
 * caller's buffer.  The faults hit one thread, which exits after its
 * call: its own write() to make-it-fail could not turn them off.
 * fail_usercopy's space lets @pass copies through first (readv's and
 * writev's iovec array).  Skipped without fail_usercopy (every kernel
 * but KERNEL=debug; tests/expected-skips).
 */
#define FAIL_USERCOPY	"/sys/kernel/debug/fail_usercopy/"
#define INJECT_LEN	64

/* A plain, positional or vectored call, reading or writing; or FETCH_ADD. */
enum inject_call { INJECT_PLAIN, INJECT_POSITIONAL, INJECT_VECTORED,
		   INJECT_FETCH_ADD };

FIXTURE(usercopy_fault) {
	struct region r;
	uint8_t buf[INJECT_LEN];
	struct iovec iov[2];
	const FIXTURE_VARIANT(usercopy_fault) *variant;
	long long ret;
	bool have_injection;
};

FIXTURE_VARIANT(usercopy_fault) {
	enum inject_call call;
	bool is_write;
	int pass;	/* copies that succeed before the faults start */
};

FIXTURE_VARIANT_ADD(usercopy_fault, read) { INJECT_PLAIN, false, 0 };
FIXTURE_VARIANT_ADD(usercopy_fault, pread) { INJECT_POSITIONAL, false, 0 };
FIXTURE_VARIANT_ADD(usercopy_fault, readv) { INJECT_VECTORED, false, 1 };
FIXTURE_VARIANT_ADD(usercopy_fault, write) { INJECT_PLAIN, true, 0 };
FIXTURE_VARIANT_ADD(usercopy_fault, pwrite) { INJECT_POSITIONAL, true, 0 };
FIXTURE_VARIANT_ADD(usercopy_fault, writev) { INJECT_VECTORED, true, 1 };
FIXTURE_VARIANT_ADD(usercopy_fault, fetch_add) { INJECT_FETCH_ADD, false, 0 };

static int write_attr(const char *path, long long value)
{
	char text[32];
	int fd, len, ret;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(text, sizeof(text), "%lld", value);
	ret = write(fd, text, len) == len ? 0 : -errno;
	close(fd);
	return ret;
}

static void *injected_call(void *arg)
{
	FIXTURE_DATA(usercopy_fault) *self = arg;
	const FIXTURE_VARIANT(usercopy_fault) *variant = self->variant;
	bool w = variant->is_write;
	int fd = self->r.fd;
	uint8_t *buf = self->buf;
	long long ret;

	ret = write_attr("/proc/thread-self/make-it-fail", 1);
	if (ret) {
		self->ret = ret;
		return NULL;
	}
	switch (variant->call) {
	case INJECT_PLAIN:
		ret = w ? write(fd, buf, INJECT_LEN) : read(fd, buf, INJECT_LEN);
		break;
	case INJECT_POSITIONAL:
		ret = w ? pwrite(fd, buf, INJECT_LEN, 0) :
			  pread(fd, buf, INJECT_LEN, 0);
		break;
	case INJECT_VECTORED:
		ret = w ? writev(fd, self->iov, 2) : readv(fd, self->iov, 2);
		break;
	case INJECT_FETCH_ADD:
		ret = ioctl(fd, MYMEM_IOC_FETCH_ADD, buf);
		break;
	}
	self->ret = sysret(ret);
	return NULL;
}

FIXTURE_SETUP(usercopy_fault)
{
	/*
	 * The task filter first and the probability last: in between,
	 * every task of the guest would have its copies fail (init too).
	 * space counts down by one a copy; copies fail once it is 1.
	 */
	static const char *const attrs[] = {
		"task-filter", "verbose", "times", "interval", "space",
		"probability",
	};
	long long values[] = { 1, 0, -1, 1, variant->pass + 1, 100 };
	char path[128];
	size_t i;

	region_open(_metadata, &self->r);
	self->variant = variant;
	self->have_injection = !access(FAIL_USERCOPY "times", W_OK);
	if (!self->have_injection)
		return;
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), FAIL_USERCOPY "%s", attrs[i]);
		ASSERT_EQ(0, write_attr(path, values[i])) TH_LOG("%s", path);
	}
	memset(self->buf, SENTINEL, INJECT_LEN);
	self->iov[0] = (struct iovec){ self->buf, 8 };
	self->iov[1] = (struct iovec){ self->buf + 8, INJECT_LEN - 8 };
	ASSERT_EQ(0, lseek(self->r.fd, 0, SEEK_SET));
}

FIXTURE_TEARDOWN(usercopy_fault)
{
	if (self->have_injection)
		write_attr(FAIL_USERCOPY "probability", 0);
	region_close(&self->r);
}

TEST_F_TIMEOUT(usercopy_fault, call, 30)
{
	pthread_t thread;

	if (!self->have_injection)
		SKIP(return, "no fail_usercopy (KERNEL=debug has it)");

	ASSERT_EQ(0, pthread_create(&thread, NULL, injected_call, self));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(-EFAULT, self->ret);
	ASSERT_EQ(0, lseek(self->r.fd, 0, SEEK_CUR));
	ASSERT_EQ(INJECT_LEN, byte_mismatch(self->buf, SENTINEL, INJECT_LEN));
	expect_model(_metadata, &self->r);
}

TEST_HARNESS_MAIN
