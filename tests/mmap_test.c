// SPDX-License-Identifier: GPL-2.0
/*
 * mmap of /dev/mymem: shared maps are the region itself, private ones a
 * read-only view that can never be made to write, and only ranges inside
 * the region map; then the abuse: huge, unaligned, negative and
 * overflowing offsets and lengths, flags the device must refuse, maps
 * grown with mremap() and dropped with madvise(MADV_DONTNEED).  The
 * ordinary rows and the hostile ones stand side by side.  Built twice,
 * native and -m32 (mmap2(), whose page number has 32 bits).
 */
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "testlib.h"

REGION_FIXTURE(dev);

/* --- shared maps ------------------------------------------------------- */

/*
 * A shared map is the region itself: stores through it are what read()
 * returns, write() and the atomic ioctls show in it at once, and atomic
 * instructions on it mix with the ioctls.
 */
TEST_F(dev, mmap_shared)
{
	struct region *r = &self->r;
	struct mymem_fetch_add fa = { .offset = 64, .value = 1 };
	uint64_t *word;
	uint8_t *map;

	map = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ((size_t)r->size, buf_mismatch(map, r->model, r->size));

	pattern_fill(map + 1000, 1000, 5000, NEW_SEED);
	pattern_fill(r->model + 1000, 1000, 5000, NEW_SEED);
	expect_region(_metadata, r);

	pattern_fill(r->model + r->size - 3000, r->size - 3000, 3000, NEW_SEED);
	ASSERT_EQ(3000, sysret(pwrite(r->fd, r->model + r->size - 3000, 3000,
				      r->size - 3000)));
	ASSERT_EQ((size_t)r->size, buf_mismatch(map, r->model, r->size));

	word = (uint64_t *)(map + fa.offset);
	*word = 41;
	ASSERT_EQ(0, sysret(ioctl(r->fd, MYMEM_IOC_FETCH_ADD, &fa)));
	ASSERT_EQ(41, fa.old);
	ASSERT_EQ(42, *word);
	__atomic_fetch_add(word, 8, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, sysret(ioctl(r->fd, MYMEM_IOC_FETCH_ADD, &fa)));
	ASSERT_EQ(50, fa.old);
	memcpy(r->model + fa.offset, word, 8);
	expect_region(_metadata, r);
	munmap(map, r->size);
}

/* A map at an offset, and two maps of one page, share the memory. */
TEST_F(dev, mmap_offset)
{
	struct region *r = &self->r;
	size_t page = page_size();
	uint8_t *whole, *part;

	whole = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     r->fd, 0);
	ASSERT_NE(MAP_FAILED, whole);
	part = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED,
		    r->fd, 3 * page);
	ASSERT_NE(MAP_FAILED, part);
	ASSERT_EQ(2 * page, buf_mismatch(part, r->model + 3 * page, 2 * page));

	pattern_fill(part + page - 10, 4 * page - 10, 20, NEW_SEED);
	ASSERT_EQ(20, buf_mismatch(whole + 4 * page - 10,
				   part + page - 10, 20));
	memcpy(r->model + 4 * page - 10, part + page - 10, 20);
	expect_region(_metadata, r);
	munmap(part, 2 * page);
	munmap(whole, r->size);
}

/* --- private maps ------------------------------------------------------ */

/* A private map could write only to a copy of the region: refused. */
TEST_F(dev, mmap_private_writable)
{
	void *map = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE, self->r.fd, 0);

	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EINVAL, errno);
}

/*
 * A read-only private map shows the region and can never be made to
 * write: not by mprotect(), nor by a forced write through /proc/self/mem
 * (which would break copy-on-write of the region's pages).
 */
TEST_F(dev, mmap_private_read_only)
{
	struct region *r = &self->r;
	uint8_t *map;
	int mem;

	map = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, r->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ((size_t)r->size, buf_mismatch(map, r->model, r->size));
	ASSERT_EQ(-EACCES, sysret(mprotect(map, r->size,
					   PROT_READ | PROT_WRITE)));

	mem = open("/proc/self/mem", O_RDWR);
	ASSERT_LE(0, mem);
	ASSERT_EQ(-EIO, sysret(pwrite(mem, "x", 1, (uintptr_t)map)));
	close(mem);
	ASSERT_EQ((size_t)r->size, buf_mismatch(map, r->model, r->size));
	expect_region(_metadata, r);
	munmap(map, r->size);
}

/* --- ranges and flags -------------------------------------------------- */

/* Only ranges inside the region map; the rest fail with EINVAL. */
TEST_F(dev, mmap_range)
{
	const long long page = page_size();
	const struct {
		struct rel off, len;
		int err;
	} cases[] = {
		{ REL(0, 0), REL(1, 0), 0 },
		{ REL(1, -page), REL(0, page), 0 },
		{ REL(0, 0), REL(1, page), EINVAL },
		{ REL(1, 0), REL(0, page), EINVAL },
		{ REL(1, -page), REL(0, 2 * page), EINVAL },
		{ REL(0, 1LL << 40), REL(0, page), EINVAL },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		off_t off = rel_at(cases[i].off, self->r.size);
		size_t len = rel_at(cases[i].len, self->r.size);
		void *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_SHARED, self->r.fd, off);

		ASSERT_EQ(cases[i].err, map == MAP_FAILED ? errno : 0)
			TH_LOG("offset %lld, length %zu", (long long)off, len);
		if (map != MAP_FAILED)
			munmap(map, len);
	}
}

/*
 * mmap() arguments beyond dev.mmap_range's, and the region untouched.
 * A page number that overflows with the length is the VFS's EOVERFLOW
 * (mmap(2)); any other offset past the end is the device's EINVAL.  -m32
 * calls mmap2(), whose page number has 32 bits: glibc refuses larger
 * offsets itself with EINVAL.
 */
FIXTURE_VARIANT(map) {
	long long off;
	size_t len;	/* 0 stands for a page */
	int flags;
	int want;	/* errno */
};

REGION_FIXTURE(map);

FIXTURE_VARIANT_ADD(map, len_huge) { 0, SIZE_MAX & ~4095ul, MAP_SHARED, ENOMEM };
FIXTURE_VARIANT_ADD(map, off_unaligned) { 1, 0, MAP_SHARED, EINVAL };
FIXTURE_VARIANT_ADD(map, off_minus_page) {
	-4096, 0, MAP_SHARED, LP64 ? EOVERFLOW : EINVAL
};
/* Page 2^51: no overflow, so the device's own check. */
FIXTURE_VARIANT_ADD(map, off_llong_min) { LLONG_MIN, 0, MAP_SHARED, EINVAL };
FIXTURE_VARIANT_ADD(map, off_2_pow_62) { 1ll << 62, 0, MAP_SHARED, EINVAL };
/* A 32-bit cut would make this page 0. */
FIXTURE_VARIANT_ADD(map, pgoff_2_pow_32) { 1ll << 44, 0, MAP_SHARED, EINVAL };
/* The device takes no flags that must be validated (MAP_SYNC is DAX's). */
FIXTURE_VARIANT_ADD(map, shared_validate_sync) {
	0, 0, MAP_SHARED_VALIDATE | MAP_SYNC, EOPNOTSUPP
};

TEST_F(map, mmap)
{
	size_t len = variant->len ?: page_size();
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, variant->flags,
			 self->r.fd, variant->off);

	if (map != MAP_FAILED)
		munmap(map, len);
	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(variant->want, errno);
	expect_model(_metadata, &self->r);
}

/* --- growing and dropping maps ----------------------------------------- */

/*
 * Growing a read-only map must not reach past the region: mremap()
 * refuses with EFAULT (VM_DONTEXPAND) and leaves the map as it was.
 */
TEST_F(dev, mmap_grow)
{
	size_t page = page_size(), len = self->r.size;
	uint8_t *map, *grown;

	map = mmap(NULL, len, PROT_READ, MAP_SHARED, self->r.fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	grown = mremap(map, len, len + page, MREMAP_MAYMOVE);
	ASSERT_EQ(MAP_FAILED, grown) {
		munmap(grown, len + page);
	}
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(len, buf_mismatch(map, self->r.model, len));
	ASSERT_EQ(0, munmap(map, len));
	expect_model(_metadata, &self->r);
}

/*
 * mremap() of a shared map: the device's maps cannot grow (EFAULT: the
 * pages were inserted at mmap() time, VM_DONTEXPAND), whether in place or
 * moving, and the region stays as it was; shrinking keeps what is left.
 */
FIXTURE_VARIANT(remap) {
	struct rel off, len, new_len;
	int flags;
	int want;	/* errno */
};

REGION_FIXTURE(remap);

FIXTURE_VARIANT_ADD(remap, grow_whole) {
	REL(0, 0), REL(1, 0), REL(1, 4096), 0, EFAULT
};
FIXTURE_VARIANT_ADD(remap, grow_whole_maymove) {
	REL(0, 0), REL(1, 0), REL(1, 4096), MREMAP_MAYMOVE, EFAULT
};
FIXTURE_VARIANT_ADD(remap, grow_inside) {
	REL(0, 0), REL(0, 4096), REL(0, 8192), MREMAP_MAYMOVE, EFAULT
};
FIXTURE_VARIANT_ADD(remap, grow_huge) {
	REL(0, 0), REL(0, 4096), REL(0, 1ll << 30), MREMAP_MAYMOVE, EFAULT
};
FIXTURE_VARIANT_ADD(remap, shrink) {
	REL(0, 4096), REL(0, 8192), REL(0, 4096), 0, 0
};

TEST_F(remap, mremap)
{
	struct region *r = &self->r;
	off_t off = rel_at(variant->off, r->size);
	size_t len = rel_at(variant->len, r->size);
	size_t new_len = rel_at(variant->new_len, r->size);
	uint8_t *map, *moved;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, off);
	ASSERT_NE(MAP_FAILED, map);
	moved = mremap(map, len, new_len, variant->flags);
	if (moved == MAP_FAILED) {
		ASSERT_EQ(variant->want, errno);
		munmap(map, len);
	} else {
		ASSERT_EQ(new_len, buf_mismatch(moved, r->model + off, new_len));
		munmap(moved, new_len);
		ASSERT_EQ(variant->want, 0);
	}
	expect_model(_metadata, r);
}

/*
 * After madvise(MADV_DONTNEED) a shared map of a file must show the file
 * again on the next access (madvise(2): "repopulating the memory
 * contents from the up-to-date contents of the underlying mapped file").
 * In a child, as without a fault handler that access is a SIGBUS.
 */
FIXTURE_VARIANT(dontneed) {
	int prot;
};

REGION_FIXTURE(dontneed);

FIXTURE_VARIANT_ADD(dontneed, shared_read) { PROT_READ };
FIXTURE_VARIANT_ADD(dontneed, shared_write) { PROT_READ | PROT_WRITE };

/* The child: 0 if the map still is the region, else 1; or killed. */
static int dontneed_child(struct region *r, int prot)
{
	uint8_t *map = mmap(NULL, r->size, prot, MAP_SHARED, r->fd, 0);
	uint8_t c;

	if (map == MAP_FAILED || madvise(map, r->size, MADV_DONTNEED))
		return 1;
	if (buf_mismatch(map, r->model, r->size) != (size_t)r->size)
		return 1;
	if (prot & PROT_WRITE) {
		/* A store lands in the region, as pread() shows. */
		map[100] = ~r->model[100];
		if (pread(r->fd, &c, 1, 100) != 1 || c != map[100])
			return 1;
		map[100] = r->model[100];
	}
	return 0;
}

TEST_F(dontneed, access)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(dontneed_child(&self->r, variant->prot));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x", status);
	expect_model(_metadata, &self->r);
}

TEST_HARNESS_MAIN
