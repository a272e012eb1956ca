// SPDX-License-Identifier: GPL-2.0
/*
 * paths - the guest side of `make profile`: one warm call of each path,
 * between two calls of profile_mark(), which the host's tracer
 * (profile/tracer.py) breaks on.  profile_mark(NAME) starts the region
 * NAME: the tracer single-steps from its return to the next
 * profile_mark(NULL), recording every instruction, user and kernel.
 *
 *   paths MYMEM_DEV TMPFS_FILE BRD_DEV MYMEM_TEST_KO
 *
 * Last, the in-kernel API: profile_mark("api_read=ADDR@HIT") has the
 * tracer record the HIT-th call of mymem_read() (at ADDR, from
 * /proc/kallsyms) from entry to return, and mymem_test's bench phase,
 * loaded then, makes the calls.  profile_mark("end") ends the trace.
 *
 * Each path runs WARM times untraced first (page cache, slab, branch of
 * every lazy set-up), then once traced.  Linked away from 0x400000, where
 * the guest's static busybox runs, so that no other program ever
 * executes the marker's address.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/mymem.h>

#include "mymem_results.h"

#define WARM	3
#define K	64		/* segments or requests of the amortised paths */
#define BIG	(512 * 1024)
#define LOOP_N	1000		/* the self-test loop: 2 + 2 * LOOP_N */
#define STR_(x)	#x
#define STR(x)	STR_(x)
/* A region's name: the path, then "/K" if a call carries K transfers. */
#define PER_CALL "/" STR(K)

/*
 * The marker: a single ret, so what a region records around it is the
 * two or three instructions that set the argument register and call it
 * (3 in region "empty", which measures them).  The self-test: a
 * function of exactly 2 + 2 * LOOP_N instructions (LOOP_N times a
 * decrement and a conditional branch, a mov before, a ret after), which
 * the profile of region "loop" must show under its name, to the
 * instruction.
 */
#if defined(__x86_64__)
/* No red zone (-mno-red-zone): the call from inline asm pushes below %rsp. */
asm(".text\n.globl profile_mark\n.type profile_mark,@function\n"
    "profile_mark:\n\tret\n.size profile_mark,.-profile_mark\n"
    ".globl known_loop\n.type known_loop,@function\nknown_loop:\n"
    "\tmov $" STR(LOOP_N) ", %ecx\n1:\tdec %ecx\n\tjnz 1b\n\tret\n"
    ".size known_loop,.-known_loop\n");
#define MARK(name) asm volatile("call profile_mark" : : "D"(name) :	\
				"rax", "rcx", "rdx", "rsi", "r8", "r9",	\
				"r10", "r11", "memory", "cc")
#elif defined(__aarch64__)
asm(".text\n.globl profile_mark\n.type profile_mark,%function\n"
    "profile_mark:\n\tret\n.size profile_mark,.-profile_mark\n"
    ".globl known_loop\n.type known_loop,%function\nknown_loop:\n"
    "\tmov w1, #" STR(LOOP_N) "\n1:\tsubs w1, w1, #1\n\tb.ne 1b\n\tret\n"
    ".size known_loop,.-known_loop\n");
#define MARK(name) do {							\
	register const char *x0_ asm("x0") = (name);			\
	asm volatile("bl profile_mark" : "+r"(x0_) : : "x30", "memory",	\
		     "cc");						\
} while (0)
#else
#error "profile_mark is written for x86-64 and arm64"
#endif
void known_loop(void);

/* Run STMT WARM times, then once as region NAME. */
#define REGION(name, stmt) do {					\
	for (int w_ = 0; w_ < WARM; w_++)				\
		stmt;							\
	MARK(name);							\
	stmt;								\
	MARK((const char *)0);						\
} while (0)

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "paths: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	va_end(ap);
	exit(1);
}

static int open_or_die(const char *path, int flags)
{
	int fd = open(path, flags, 0600);

	if (fd < 0)
		die("open %s", path);
	return fd;
}

static uint8_t buf[BIG] __attribute__((aligned(4096)));
static struct iovec iov[K];
static struct io_uring ring;

/* The address of kernel function NAME, as "NAME=ADDR@HIT". */
static void kernel_region(char *out, size_t len, const char *region,
			  const char *name, int hit)
{
	char line[256], sym[128], type;
	unsigned long long addr;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		die("/proc/kallsyms");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %127s", &addr, &type, sym) == 3 &&
		    !strcmp(sym, name) && addr) {
			snprintf(out, len, "%s=%llx@%d", region, addr, hit);
			fclose(f);
			return;
		}
	errno = ENOENT;
	die("%s in /proc/kallsyms", name);
}

/* Checked so that a failing call is never profiled as if it worked. */
static void expect(long got, long want, const char *what)
{
	if (got != want) {
		fprintf(stderr, "paths: %s returned %ld, expected %ld (%s)\n",
			what, got, want, strerror(errno));
		exit(1);
	}
}

/* K 1-byte reads in one submission, as mymem-bench's uring target. */
static int uring_call(int fd)
{
	static struct io_uring_cqe *cqes[K];
	unsigned int n;

	for (unsigned int j = 0; j < K; j++)
		io_uring_prep_read(io_uring_get_sqe(&ring), fd, buf + j, 1, j);
	if (io_uring_submit_and_wait(&ring, K) != K)
		return -1;
	n = io_uring_peek_batch_cqe(&ring, cqes, K);
	for (unsigned int j = 0; j < n; j++)
		if (cqes[j]->res != 1)
			return -1;
	io_uring_cq_advance(&ring, n);
	return n;
}

int main(int argc, char **argv)
{
	struct mymem_fetch_add fa = { .offset = 0, .value = 1 };
	int mymem, zero, null, tmpfs, brd, mapfd;
	volatile uint8_t *map;
	char api_read[80], api_write[80], insmod[256];
	long r = 0;

	if (argc != 5) {
		fprintf(stderr,
			"usage: paths MYMEM_DEV TMPFS_FILE BRD_DEV MYMEM_TEST_KO\n");
		return 2;
	}
	mymem = open_or_die(argv[1], O_RDWR);
	zero = open_or_die("/dev/zero", O_RDONLY);
	null = open_or_die("/dev/null", O_WRONLY);
	tmpfs = open_or_die(argv[2], O_RDWR | O_CREAT | O_TRUNC);
	brd = open_or_die(argv[3], O_RDWR);
	memset(buf, 0x5a, sizeof(buf));
	expect(pwrite(tmpfs, buf, BIG, 0), BIG, "pwrite tmpfs");
	expect(pwrite(brd, buf, BIG, 0), BIG, "pwrite brd");
	expect(pwrite(mymem, buf, BIG, 0), BIG, "pwrite mymem");
	for (unsigned int j = 0; j < K; j++)
		iov[j] = (struct iovec){ buf + j, 1 };
	if (io_uring_queue_init(K, &ring, 0) < 0)
		die("io_uring_queue_init");
	/*
	 * A descriptor of its own for the map: mapping mymem's would give
	 * its file a second reference, and then fdget_pos() takes the
	 * f_pos lock of a FMODE_ATOMIC_POS file on every read() and write()
	 * (file_needs_f_pos_lock(), fs/file.c), which one thread's own
	 * descriptor never pays.  Closed once mapped: the map holds it.
	 */
	mapfd = open_or_die(argv[1], O_RDWR);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mapfd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	close(mapfd);

	/* The instrument itself, and a loop of known length. */
	REGION(MYMEM_PATH_EMPTY, (void)0);
	REGION(MYMEM_PATH_LOOP, known_loop());

	/*
	 * read() or write() (OP) of N bytes at offset 0, as mymem-bench
	 * times them: lseek() outside the region.
	 */
#define AT_START(OP, name, fd, n) do {					\
	for (int w_ = 0; w_ <= WARM; w_++) {				\
		lseek(fd, 0, SEEK_SET);					\
		if (w_ == WARM)						\
			MARK(name);					\
		r = OP(fd, buf, n);					\
		if (w_ == WARM)						\
			MARK((const char *)0);				\
		expect(r, n, name);					\
	}								\
} while (0)
	AT_START(read, MYMEM_PATH_READ_MYMEM, mymem, 1);
	AT_START(read, MYMEM_PATH_READ_ZERO, zero, 1);
	AT_START(write, MYMEM_PATH_WRITE_MYMEM, mymem, 1);
	AT_START(write, MYMEM_PATH_WRITE_NULL, null, 1);
	REGION(MYMEM_PATH_IOCTL, r = ioctl(mymem, MYMEM_IOC_FETCH_ADD, &fa));
	expect(r, 0, "ioctl");
	REGION(MYMEM_PATH_READV_MYMEM PER_CALL, r = preadv(mymem, iov, K, 0));
	expect(r, K, "preadv mymem");
	REGION(MYMEM_PATH_READV_ZERO PER_CALL, r = preadv(zero, iov, K, 0));
	expect(r, K, "preadv zero");
	REGION(MYMEM_PATH_WRITEV_MYMEM PER_CALL, r = pwritev(mymem, iov, K, 0));
	expect(r, K, "pwritev mymem");
	REGION(MYMEM_PATH_WRITEV_NULL PER_CALL, r = pwritev(null, iov, K, 0));
	expect(r, K, "pwritev null");
	REGION(MYMEM_PATH_URING_MYMEM PER_CALL, r = uring_call(mymem));
	expect(r, K, "io_uring mymem");
	REGION(MYMEM_PATH_URING_ZERO PER_CALL, r = uring_call(zero));
	expect(r, K, "io_uring zero");
#ifndef __aarch64__
	/*
	 * x86-64 copies 512 KiB in one rep movsb, which the tracer runs
	 * whole; arm64's copy is a loop of 64 bytes an iteration, 8,192
	 * iterations a path, each stepped: minutes a path.
	 */
	AT_START(read, MYMEM_PATH_BIG_MYMEM, mymem, BIG);
	AT_START(read, MYMEM_PATH_BIG_TMPFS, tmpfs, BIG);
	AT_START(read, MYMEM_PATH_BIG_BRD, brd, BIG);
#endif
	REGION(MYMEM_PATH_MMAP_LOAD, r = map[1]);
	REGION(MYMEM_PATH_MMAP_STORE, map[1] = (uint8_t)r);

	/* The third call of each: bench's first calls are its warm-up. */
	kernel_region(api_read, sizeof(api_read), MYMEM_PATH_API_READ,
		      "mymem_read", 3);
	kernel_region(api_write, sizeof(api_write), MYMEM_PATH_API_WRITE,
		      "mymem_write", 3);
	MARK(api_read);
	MARK(api_write);
	snprintf(insmod, sizeof(insmod),
		 "insmod %s run=bench sizes=1 trials=4 && rmmod mymem_test",
		 argv[4]);
	expect(system(insmod), 0, insmod);
	MARK("end");
	return 0;
}
