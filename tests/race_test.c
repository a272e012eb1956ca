// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mymem under concurrency.
 *
 * counter: many threads increment one 64-bit word, with FETCH_ADD, with
 * atomic instructions on a shared map and with CMPXCHG retry loops.  The
 * final value must be exact, and since every increment returns the old
 * value, each value from the start to the end must be returned exactly
 * once: a lost or doubled update is caught even where the sum hides it.
 * Each map increment is paced by a read of the word through the device,
 * so that the map's increments last as long as the ioctls' and land
 * while they run (an ioctl that read, added and stored the word without
 * an atomic instruction would lose some): the test asserts they did.
 *
 * torn: writers fill the whole region with one repeated byte per write
 * while readers read it whole; a read that is not uniform saw a write
 * half done.  Threads and processes, for a fixed time.  The same with
 * CMPXCHG stepping the first word from one uniform value to the next
 * and readers reading that word: a read never sees half an atomic op.
 *
 * shared_pos: two threads read one shared descriptor a byte at a time:
 * each byte of the range is read exactly once (the file position is
 * the file's, FMODE_ATOMIC_POS).
 *
 * Workers count what went wrong; only the main thread ASSERTs.
 */
#include <pthread.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "testlib.h"

#define COUNTER_OFF	0	/* the word the increments go to */

struct counter {
	int fd;
	uint64_t *word;		/* the counter, through a shared map */
	uint64_t start, total;
	uint8_t *seen;		/* bit n: old value start + n came back */
	pthread_barrier_t go;
	unsigned long failed_calls;
	unsigned long bad_olds;	/* out of range, or returned twice */
	unsigned long retries;	/* CMPXCHG calls that lost a race */
	unsigned long ioctls;	/* FETCH_ADD and CMPXCHG increments done */
	unsigned long ioctl_total;	/* ... of all threads */
	unsigned long overlaps;	/* map increments made while ioctls ran */
};

enum how { BY_FETCH_ADD, BY_MAP, BY_CMPXCHG };

struct worker {
	struct counter *c;
	enum how how;
	unsigned int iters;
	pthread_t tid;
};

static void count(unsigned long *n)
{
	__atomic_fetch_add(n, 1, __ATOMIC_RELAXED);
}

static void record(struct counter *c, uint64_t old)
{
	uint64_t n = old - c->start;
	uint8_t bit = 1 << (n % 8);

	if (n >= c->total ||
	    __atomic_fetch_or(&c->seen[n / 8], bit, __ATOMIC_RELAXED) & bit)
		count(&c->bad_olds);
}

/* One increment by CMPXCHG: retry with the value the last try found. */
static void cmpxchg_increment(struct counter *c, uint64_t *guess)
{
	struct mymem_cmpxchg cx = { .offset = COUNTER_OFF };

	for (;;) {
		cx.expected = *guess;
		cx.desired = *guess + 1;
		if (ioctl(c->fd, MYMEM_IOC_CMPXCHG, &cx)) {
			count(&c->failed_calls);
			return;
		}
		if (cx.old == cx.expected)
			break;
		*guess = cx.old;
		count(&c->retries);
	}
	record(c, cx.old);
	*guess = cx.desired;
}

static void *counter_worker(void *arg)
{
	struct worker *w = arg;
	struct counter *c = w->c;
	struct mymem_fetch_add fa = { .offset = COUNTER_OFF, .value = 1 };
	uint64_t guess = c->start, word;
	unsigned long done;
	unsigned int i;

	pthread_barrier_wait(&c->go);
	for (i = 0; i < w->iters; i++) {
		switch (w->how) {
		case BY_FETCH_ADD:
			if (ioctl(c->fd, MYMEM_IOC_FETCH_ADD, &fa))
				count(&c->failed_calls);
			else
				record(c, fa.old);
			count(&c->ioctls);
			break;
		case BY_MAP:
			record(c, __atomic_fetch_add(c->word, 1,
						     __ATOMIC_SEQ_CST));
			done = __atomic_load_n(&c->ioctls, __ATOMIC_RELAXED);
			if (done && done < c->ioctl_total)
				count(&c->overlaps);
			if (pread(c->fd, &word, 8, COUNTER_OFF) != 8)
				count(&c->failed_calls);
			break;
		case BY_CMPXCHG:
			cmpxchg_increment(c, &guess);
			count(&c->ioctls);
			break;
		}
	}
	return NULL;
}

FIXTURE(counter) {
	struct counter c;
	size_t size;
};

FIXTURE_VARIANT(counter) {
	unsigned int threads[3];	/* indexed by enum how */
	unsigned int iters;		/* increments per thread */
};

FIXTURE_VARIANT_ADD(counter, fetch_add) { { 50, 0, 0 }, 10000 };
FIXTURE_VARIANT_ADD(counter, mixed) { { 20, 20, 10 }, 10000 };

FIXTURE_SETUP(counter)
{
	struct counter *c = &self->c;
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(variant->threads); i++)
		n += variant->threads[i];
	c->total = (uint64_t)n * variant->iters;
	c->ioctl_total = (uint64_t)(variant->threads[BY_FETCH_ADD] +
				    variant->threads[BY_CMPXCHG]) * variant->iters;
	/* Across 2^32: an update atomic only per 32-bit half shows up. */
	c->start = (1ull << 32) - c->total / 2;

	c->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, c->fd);
	self->size = region_size(c->fd);
	ASSERT_LE(COUNTER_OFF + 8, (long long)self->size);
	c->word = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       c->fd, 0);
	ASSERT_NE(MAP_FAILED, c->word);
	c->word += COUNTER_OFF / 8;
	c->seen = calloc(c->total / 8 + 1, 1);
	ASSERT_NE(NULL, c->seen);
	ASSERT_EQ(0, pthread_barrier_init(&c->go, NULL, n));
}

FIXTURE_TEARDOWN(counter)
{
	munmap(self->c.word - COUNTER_OFF / 8, self->size);
	close(self->c.fd);
	free(self->c.seen);
}

/* Generous: 500,000 ioctls take seconds even under emulation. */
TEST_F_TIMEOUT(counter, increments, 300)
{
	struct counter *c = &self->c;
	struct worker workers[64];
	unsigned int n = 0, i, k;
	uint64_t final;

	ASSERT_EQ(8, sysret(pwrite(c->fd, &c->start, 8, COUNTER_OFF)));
	for (k = 0; k < ARRAY_SIZE(variant->threads); k++) {
		for (i = 0; i < variant->threads[k]; i++, n++) {
			ASSERT_LT(n, ARRAY_SIZE(workers));
			workers[n] = (struct worker){
				.c = c, .how = k, .iters = variant->iters,
			};
			ASSERT_EQ(0, pthread_create(&workers[n].tid, NULL,
						    counter_worker,
						    &workers[n]));
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(workers[i].tid, NULL);

	ASSERT_EQ(8, sysret(pread(c->fd, &final, 8, COUNTER_OFF)));
	TH_LOG("%u threads x %u: final %#llx, expected %#llx, %lu CMPXCHG retries, %lu map increments while ioctls ran",
	       n, variant->iters, (unsigned long long)final,
	       (unsigned long long)(c->start + c->total), c->retries,
	       c->overlaps);
	ASSERT_EQ(0, c->failed_calls);
	ASSERT_EQ(0, c->bad_olds);
	ASSERT_EQ(c->start + c->total, final);
	/* The race happened: most map increments met the ioctls. */
	if (variant->threads[BY_MAP])
		ASSERT_LT(variant->threads[BY_MAP] * variant->iters / 2,
			  c->overlaps);
	/*
	 * The CMPXCHG loops met contention.  Certain, not luck: every
	 * CMPXCHG thread's first guess is the start value, which only one
	 * call can find.
	 */
	if (variant->threads[BY_CMPXCHG] > 1)
		ASSERT_LT(0, c->retries);
}

/*
 * Torn reads.  Writers and readers each open the device themselves and
 * run until told to stop; their tallies live in shared memory so that
 * processes can report too.
 */
#define TORN_WRITERS	2
#define TORN_READERS	4
#define TORN_SECONDS	3

struct torn {
	size_t size;
	off_t off;		/* what readers read: all the region, */
	size_t span;		/* or bytes 1 to 7 of the first word */
	bool atomic;		/* writers CMPXCHG the first word */
	pthread_barrier_t go;	/* process-shared: workers and main */
	int stop;
	unsigned long reads, writes, torn, failed_calls;
	uint8_t seen[256 / 8];	/* bit b: a read found the span all b */
	/* The first torn read: where its first byte's run ends. */
	size_t tear_off;
	uint8_t tear_before, tear_after;
};

struct torn_worker {
	struct torn *t;
	unsigned int id;	/* writers first, then readers */
	pthread_t tid;
};

static bool torn_stopped(struct torn *t)
{
	return __atomic_load_n(&t->stop, __ATOMIC_RELAXED);
}

/* Writer @id fills the region with 1 + (n * writers + id) % 255. */
static void torn_write(struct torn *t, int fd, uint8_t *buf, unsigned int id)
{
	unsigned long n;

	for (n = 0; !torn_stopped(t); n++) {
		memset(buf, 1 + (n * TORN_WRITERS + id) % 255, t->size);
		if (pwrite(fd, buf, t->size, 0) != (ssize_t)t->size)
			count(&t->failed_calls);
		count(&t->writes);
	}
}

/* Steps the first word from all bytes k to all bytes k + 1. */
static void torn_cmpxchg(struct torn *t, int fd)
{
	struct mymem_cmpxchg cx = { .offset = 0, .expected = 0 };

	while (!torn_stopped(t)) {
		cx.desired = 0x0101010101010101ull * (uint8_t)(cx.expected + 1);
		if (ioctl(fd, MYMEM_IOC_CMPXCHG, &cx))
			count(&t->failed_calls);
		else
			cx.expected = cx.old == cx.expected ? cx.desired : cx.old;
		count(&t->writes);
	}
}

static void torn_read(struct torn *t, int fd, uint8_t *buf)
{
	while (!torn_stopped(t)) {
		if (pread(fd, buf, t->span, t->off) != (ssize_t)t->span) {
			count(&t->failed_calls);
			continue;
		}
		if (!all_bytes(buf, buf[0], t->span) &&
		    __atomic_fetch_add(&t->torn, 1, __ATOMIC_RELAXED) == 0) {
			t->tear_off = byte_mismatch(buf, buf[0], t->span);
			t->tear_before = buf[0];
			t->tear_after = buf[t->tear_off];
		}
		__atomic_fetch_or(&t->seen[buf[0] / 8], 1 << (buf[0] % 8),
				  __ATOMIC_RELAXED);
		count(&t->reads);
	}
}

static void *torn_worker(void *arg)
{
	struct torn_worker *w = arg;
	struct torn *t = w->t;
	uint8_t *buf = malloc(t->size);
	int fd = open(MYMEM_DEVICE_PATH, O_RDWR);

	pthread_barrier_wait(&t->go);
	if (fd < 0 || !buf)
		count(&t->failed_calls);
	else if (w->id >= TORN_WRITERS)
		torn_read(t, fd, buf);
	else if (t->atomic)
		torn_cmpxchg(t, fd);
	else
		torn_write(t, fd, buf, w->id);
	free(buf);
	close(fd);
	return NULL;
}

FIXTURE(torn) {
	struct torn *t;
	struct torn_worker workers[TORN_WRITERS + TORN_READERS];
	pid_t pids[TORN_WRITERS + TORN_READERS];
};

FIXTURE_VARIANT(torn) {
	bool processes;
	bool atomic;
};

FIXTURE_VARIANT_ADD(torn, threads) { false, false };
FIXTURE_VARIANT_ADD(torn, processes) { true, false };
FIXTURE_VARIANT_ADD(torn, cmpxchg_word) { false, true };

FIXTURE_SETUP(torn)
{
	pthread_barrierattr_t attr;
	uint8_t *zeros;
	int fd;

	self->t = mmap(NULL, sizeof(*self->t), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->t);
	fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	self->t->size = region_size(fd);
	ASSERT_LE(8, (long long)self->t->size);
	self->t->atomic = variant->atomic;
	/*
	 * Seven bytes at offset 1 are copied byte by byte, never as one
	 * load that would be atomic by itself.
	 */
	self->t->off = variant->atomic ? 1 : 0;
	self->t->span = variant->atomic ? 7 : self->t->size;
	/* Readers may run before the first write: start uniform. */
	zeros = calloc(self->t->size, 1);
	ASSERT_NE(NULL, zeros);
	ASSERT_EQ((long long)self->t->size,
		  sysret(pwrite(fd, zeros, self->t->size, 0)));
	free(zeros);
	close(fd);

	ASSERT_EQ(0, pthread_barrierattr_init(&attr));
	ASSERT_EQ(0, pthread_barrierattr_setpshared(&attr,
						    PTHREAD_PROCESS_SHARED));
	ASSERT_EQ(0, pthread_barrier_init(&self->t->go, &attr,
					  ARRAY_SIZE(self->workers) + 1));
}

FIXTURE_TEARDOWN(torn)
{
	munmap(self->t, sizeof(*self->t));
}

TEST_F_TIMEOUT(torn, uniform_reads, 120)
{
	struct torn *t = self->t;
	unsigned int i, patterns = 0;
	uint8_t *buf;
	int fd, status;

	for (i = 0; i < ARRAY_SIZE(self->workers); i++) {
		self->workers[i] = (struct torn_worker){ .t = t, .id = i };
		if (!variant->processes) {
			ASSERT_EQ(0, pthread_create(&self->workers[i].tid,
						    NULL, torn_worker,
						    &self->workers[i]));
			continue;
		}
		self->pids[i] = fork();
		ASSERT_LE(0, self->pids[i]);
		if (self->pids[i] == 0) {
			torn_worker(&self->workers[i]);
			_exit(0);
		}
	}

	pthread_barrier_wait(&t->go);
	sleep(TORN_SECONDS);
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < ARRAY_SIZE(self->workers); i++) {
		if (!variant->processes) {
			pthread_join(self->workers[i].tid, NULL);
			continue;
		}
		ASSERT_EQ(self->pids[i], waitpid(self->pids[i], &status, 0));
		ASSERT_EQ(0, status);
	}

	/* The writers' patterns: 0 is the one the region starts with. */
	for (i = 1; i < 256; i++)
		patterns += t->seen[i / 8] >> (i % 8) & 1;
	TH_LOG("%d writers, %d readers of %zu bytes, %d s: %lu writes, %lu reads, %lu torn, %u writers' patterns seen",
	       TORN_WRITERS, TORN_READERS, t->span, TORN_SECONDS, t->writes,
	       t->reads, t->torn, patterns);
	ASSERT_EQ(0, t->failed_calls);
	/* The race happened: writes, reads, and reads that saw them change. */
	ASSERT_LT(0, t->writes);
	ASSERT_LT(0, t->reads);
	ASSERT_LE(2, patterns);
	ASSERT_EQ(0, t->torn)
		TH_LOG("first torn read: %#x up to offset %zu, then %#x",
		       t->tear_before, t->tear_off, t->tear_after);

	/* Nor may two writes have interleaved: the last one is all there. */
	buf = malloc(t->span);
	ASSERT_NE(NULL, buf);
	fd = open(MYMEM_DEVICE_PATH, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((long long)t->span,
		  sysret(pread(fd, buf, t->span, t->off)));
	ASSERT_TRUE(all_bytes(buf, buf[0], t->span));
	close(fd);
	free(buf);
}

/*
 * Two threads, one descriptor, 1-byte reads from SHARED_SPAN before the
 * end until it: without FMODE_ATOMIC_POS both may read at one position
 * and both move it one on, so a byte is read twice.  Each byte exactly
 * once: SHARED_SPAN reads in all, and the bytes read are the range's
 * bytes (same count of each value).  Both threads read some.
 */
#define SHARED_SPAN	65536

struct shared_reader {
	int fd;
	pthread_barrier_t *start;
	unsigned long reads, errors;
	unsigned long seen[256];
};

static void *shared_reader(void *arg)
{
	struct shared_reader *s = arg;
	uint8_t b;
	ssize_t n;

	pthread_barrier_wait(s->start);
	while ((n = read(s->fd, &b, 1)) != 0) {
		if (n != 1) {
			s->errors++;
			break;
		}
		s->reads++;
		s->seen[b]++;
	}
	return NULL;
}

REGION_FIXTURE(shared_pos);

TEST_F_TIMEOUT(shared_pos, each_byte_once, 300)
{
	struct shared_reader rd[2] = { { .fd = self->r.fd }, { .fd = self->r.fd } };
	off_t start = self->r.size - SHARED_SPAN;
	unsigned long want[256] = { 0 };
	pthread_barrier_t barrier;
	pthread_t t[2];
	int i, v;

	for (i = 0; i < SHARED_SPAN; i++)
		want[self->r.model[start + i]]++;
	ASSERT_EQ(start, lseek(self->r.fd, start, SEEK_SET));
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 2));
	for (i = 0; i < 2; i++) {
		rd[i].start = &barrier;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, shared_reader, &rd[i]));
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);

	TH_LOG("reads: %lu + %lu", rd[0].reads, rd[1].reads);
	ASSERT_EQ(0, rd[0].errors + rd[1].errors);
	ASSERT_LT(0, rd[0].reads);
	ASSERT_LT(0, rd[1].reads);
	ASSERT_EQ(SHARED_SPAN, rd[0].reads + rd[1].reads);
	for (v = 0; v < 256; v++) {
		ASSERT_EQ(want[v], rd[0].seen[v] + rd[1].seen[v])
			TH_LOG("byte value %#x", v);
	}
	ASSERT_EQ(self->r.size, lseek(self->r.fd, 0, SEEK_CUR));
}

TEST_HARNESS_MAIN
