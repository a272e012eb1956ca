/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mymem test programs.  Include after
 * kselftest_harness.h: the checking helpers take the harness's
 * _metadata so that their ASSERTs fail the calling test.
 *
 * An ASSERT is two statements (the check, then the optional TH_LOG
 * handler), so an if or for around one always takes braces.
 */
#ifndef MYMEM_TESTLIB_H
#define MYMEM_TESTLIB_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mymem.h>

/* The default region size, and the smallest the tables are written for. */
#define DEFAULT_SIZE	(512 * 1024)

/*
 * An offset of k * size + add, for tables that hold for any region size:
 * REL(1, -8) is the last word, REL(0, 8) the second.
 */
struct rel {
	int k;
	long long add;
};

#define REL(k, add)	{ (k), (add) }

/*
 * The count to expect of a write that a fault cuts after @want bytes,
 * given the count @got it returned.  x86's user copies stop at the
 * faulting byte: @want.  arm64's copy in blocks and may stop before it,
 * as the uaccess contract allows (include/linux/uaccess.h): any count
 * from 1 to @want, which the caller then checks byte for byte.
 */
#if defined(__aarch64__) || defined(__arm__)
#define COPY_STOPS_AT_FAULT	false
#else
#define COPY_STOPS_AT_FAULT	true
#endif

static inline long long fault_cut_write(long long want, long long got)
{
	return !COPY_STOPS_AT_FAULT && got > 0 && got <= want ? got : want;
}

static inline long long rel_at(struct rel r, long long size)
{
	return r.k * size + r.add;
}

/*
 * The byte at region offset @off in pattern @seed.  A multiplicative
 * hash, so neighbouring bytes differ and a copy that lands one byte (or
 * one page) off shows up, and different seeds give different contents.
 */
static inline uint8_t pattern_byte(uint64_t off, uint8_t seed)
{
	return ((off << 8 | seed) * 0x9e3779b97f4a7c15ull) >> 56;
}

static inline void pattern_fill(uint8_t *buf, uint64_t off, size_t len,
				uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(off + i, seed);
}

/* Index of the first byte of @buf that is not pattern @seed, or @len. */
static inline size_t pattern_mismatch(const uint8_t *buf, uint64_t off,
				      size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern_byte(off + i, seed))
			break;
	return i;
}

/* Index of the first byte where @a and @b differ, or @len. */
static inline size_t buf_mismatch(const uint8_t *a, const uint8_t *b,
				  size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			break;
	return i;
}

/*
 * Whether @buf holds nothing but @c.  A buffer equal to itself shifted
 * by one byte is uniform, and memcmp() checks that fast.
 */
static inline bool all_bytes(const uint8_t *buf, uint8_t c, size_t len)
{
	return !len || (buf[0] == c && !memcmp(buf, buf + 1, len - 1));
}

/* Index of the first byte of @buf that is not @c, or @len. */
static inline size_t byte_mismatch(const uint8_t *buf, uint8_t c, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != c)
			break;
	return i;
}

/* A syscall's result as the kernel returned it: a count, or -errno. */
static inline long long sysret(long long ret)
{
	return ret < 0 ? -errno : ret;
}

static inline long long region_size(int fd)
{
	uint64_t size;

	if (ioctl(fd, MYMEM_IOC_GET_SIZE, &size))
		return -errno;
	return size;
}

static inline size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/*
 * Two pages: the first readable and writable, the second PROT_NONE.  A
 * buffer ending at the boundary makes any copy past its end fault.
 * Returns the boundary (the start of the PROT_NONE page), or NULL.
 */
static inline uint8_t *guard_pages(void)
{
	size_t page = page_size();
	uint8_t *p;

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + page, page, PROT_NONE)) {
		munmap(p, 2 * page);
		return NULL;
	}
	return p + page;
}

static inline void guard_pages_free(uint8_t *boundary)
{
	size_t page = page_size();

	munmap(boundary - page, 2 * page);
}

#endif /* MYMEM_TESTLIB_H */
