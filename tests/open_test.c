// SPDX-License-Identifier: GPL-2.0
/*
 * open and close of /dev/mymem: what a descriptor may do by how it was
 * opened (read, write, ioctls, maps, truncation), and what outlives it.
 * Built twice, native and -m32.
 */
#include "kselftest_harness.h"
#include "testlib.h"

REGION_FIXTURE(dev);

/* --- the open mode ---------------------------------------------------- */

/*
 * What a descriptor may do depends on how it was opened.  read() needs
 * FMODE_READ and write() FMODE_WRITE (EBADF otherwise, POSIX); an atomic
 * ioctl both reads the word (the old value comes back) and writes it, so
 * it needs both, with EBADF like write() and like the VFS's and block
 * devices' own ioctls that write (FICLONE, BLKDISCARD).  GET_SIZE only
 * describes the file.  A shared map needs a readable descriptor, and a
 * writable one to write (EACCES, mmap(2)).  A fixed-size file cannot be
 * truncated (EINVAL) nor allocated (ENODEV), and O_TRUNC on a device is
 * ignored.
 */
enum mode_op {
	OP_NONE,	/* the open itself */
	OP_READ,
	OP_WRITE,
	OP_GET_SIZE,
	OP_FETCH_ADD,
	OP_CMPXCHG,
	OP_MAP_READ,	/* a shared map, PROT_READ */
	OP_MAP_WRITE,	/* a shared map, PROT_READ | PROT_WRITE */
	OP_MPROTECT,	/* a shared PROT_READ map made writable */
	OP_FTRUNCATE,
	OP_FALLOCATE,
};

FIXTURE_VARIANT(mode) {
	int flags;
	enum mode_op op;
	int want;	/* 0 or -errno */
};

REGION_FIXTURE(mode);

FIXTURE_VARIANT_ADD(mode, rdonly_write) { O_RDONLY, OP_WRITE, -EBADF };
FIXTURE_VARIANT_ADD(mode, wronly_read) { O_WRONLY, OP_READ, -EBADF };
FIXTURE_VARIANT_ADD(mode, rdonly_get_size) { O_RDONLY, OP_GET_SIZE, 0 };
FIXTURE_VARIANT_ADD(mode, wronly_get_size) { O_WRONLY, OP_GET_SIZE, 0 };
FIXTURE_VARIANT_ADD(mode, path_get_size) { O_PATH, OP_GET_SIZE, -EBADF };
FIXTURE_VARIANT_ADD(mode, rdonly_fetch_add) { O_RDONLY, OP_FETCH_ADD, -EBADF };
FIXTURE_VARIANT_ADD(mode, rdonly_cmpxchg) { O_RDONLY, OP_CMPXCHG, -EBADF };
FIXTURE_VARIANT_ADD(mode, wronly_fetch_add) { O_WRONLY, OP_FETCH_ADD, -EBADF };
FIXTURE_VARIANT_ADD(mode, wronly_cmpxchg) { O_WRONLY, OP_CMPXCHG, -EBADF };
FIXTURE_VARIANT_ADD(mode, wronly_map_read) { O_WRONLY, OP_MAP_READ, -EACCES };
FIXTURE_VARIANT_ADD(mode, rdonly_map_write) { O_RDONLY, OP_MAP_WRITE, -EACCES };
FIXTURE_VARIANT_ADD(mode, rdonly_mprotect_write) { O_RDONLY, OP_MPROTECT, -EACCES };
FIXTURE_VARIANT_ADD(mode, ftruncate_0) { O_RDWR, OP_FTRUNCATE, -EINVAL };
FIXTURE_VARIANT_ADD(mode, fallocate) { O_RDWR, OP_FALLOCATE, -ENODEV };
FIXTURE_VARIANT_ADD(mode, open_trunc) { O_RDWR | O_TRUNC, OP_NONE, 0 };

/*
 * @op on @fd, whose word 0 holds @word: 0 or -errno.  If it succeeds,
 * word 0 must hold *@next.
 */
static int mode_do(int fd, enum mode_op op, uint64_t word, uint64_t *next)
{
	unsigned long cmd = op == OP_CMPXCHG ? MYMEM_IOC_CMPXCHG :
					       MYMEM_IOC_FETCH_ADD;
	size_t page = page_size();
	uint64_t arg[4];
	void *map;
	int ret;

	switch (op) {
	case OP_NONE:
		return 0;
	case OP_READ:
		ret = sysret(pread(fd, arg, 8, 0));
		return ret < 0 ? ret : 0;
	case OP_WRITE:
		*next = ~word;
		ret = sysret(pwrite(fd, next, 8, 0));
		return ret < 0 ? ret : 0;
	case OP_GET_SIZE:
		return sysret(ioctl(fd, MYMEM_IOC_GET_SIZE, arg));
	case OP_FETCH_ADD:
	case OP_CMPXCHG:
		*next = atomic_arg(cmd, word, arg);
		return sysret(ioctl(fd, cmd, arg));
	case OP_MAP_READ:
	case OP_MAP_WRITE:
	case OP_MPROTECT:
		map = mmap(NULL, page, op == OP_MAP_WRITE ?
				PROT_READ | PROT_WRITE : PROT_READ,
			   MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			return -errno;
		ret = op == OP_MPROTECT ?
			sysret(mprotect(map, page, PROT_READ | PROT_WRITE)) : 0;
		munmap(map, page);
		return ret;
	case OP_FTRUNCATE:
		return sysret(ftruncate(fd, 0));
	case OP_FALLOCATE:
		return sysret(fallocate(fd, 0, 0, 4096));
	}
	return -ENOSYS;
}

TEST_F(mode, op)
{
	struct region *r = &self->r;
	uint64_t word, next;
	int fd, ret;

	memcpy(&word, r->model, 8);
	next = word;
	fd = open(MYMEM_DEVICE_PATH, variant->flags);
	ASSERT_LE(0, fd);
	ret = mode_do(fd, variant->op, word, &next);
	close(fd);
	ASSERT_EQ(variant->want, ret);
	if (!ret)
		memcpy(r->model, &next, 8);
	expect_model(_metadata, r);
}

/* --- close ------------------------------------------------------------ */

/*
 * Nothing is lost on close: not what write() stored, nor what was
 * stored through a map that outlived its file descriptor.
 */
TEST_F(dev, close_keeps_content)
{
	struct region *r = &self->r;
	off_t end = r->size - 4096;
	uint8_t *map;

	pattern_fill(r->model, 0, 4096, NEW_SEED);
	ASSERT_EQ(4096, sysret(write(r->fd, r->model, 4096)));
	map = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, close(r->fd));

	pattern_fill(map + end, end, 4096, NEW_SEED);
	pattern_fill(r->model + end, end, 4096, NEW_SEED);
	munmap(map, r->size);

	r->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, r->fd);
	ASSERT_EQ(r->size, sysret(read(r->fd, r->scratch, r->size)));
	ASSERT_EQ((size_t)r->size, buf_mismatch(r->scratch, r->model, r->size));
}

TEST_HARNESS_MAIN
