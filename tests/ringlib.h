/* SPDX-License-Identifier: GPL-2.0 */
/*
 * io_uring for the test programs (iopaths_test, lifecycle_test): one
 * read, write, readv or writev through a ring, waited for.  Include
 * after testlib.h; link with -luring.
 */
#ifndef MYMEM_RINGLIB_H
#define MYMEM_RINGLIB_H

#include <liburing.h>
#include <sys/uio.h>

enum uop { U_READ, U_WRITE, U_READV, U_WRITEV };

/*
 * One operation through the ring, waited for: its result.  @rw_flags
 * as preadv2()'s.  The vectored ones take @buf as two segments, split
 * in the middle.
 */
static inline int ring_op(struct io_uring *ring, int fd, enum uop op,
			  uint8_t *buf, unsigned int len, long long off,
			  int rw_flags)
{
	struct iovec iov[2] = { { buf, len / 2 },
				{ buf + len / 2, len - len / 2 } };
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	switch (op) {
	case U_READ:
		io_uring_prep_read(sqe, fd, buf, len, off);
		break;
	case U_WRITE:
		io_uring_prep_write(sqe, fd, buf, len, off);
		break;
	case U_READV:
		io_uring_prep_readv(sqe, fd, iov, 2, off);
		break;
	case U_WRITEV:
		io_uring_prep_writev(sqe, fd, iov, 2, off);
		break;
	}
	sqe->rw_flags = rw_flags;
	ret = io_uring_submit_and_wait(ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

#endif /* MYMEM_RINGLIB_H */
