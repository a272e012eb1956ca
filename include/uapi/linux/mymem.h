/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mymem user-space ABI: the ioctls of /dev/mymem.
 *
 * Shared verbatim by the kernel module, the user tools and the tests.
 * Every struct uses fixed-width types with no implicit padding, so
 * 32-bit and 64-bit callers see the same layout and the same ioctl
 * numbers (compat_ptr_ioctl is all a 32-bit caller needs).
 */
#ifndef _UAPI_LINUX_MYMEM_H
#define _UAPI_LINUX_MYMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MYMEM_DEVICE_PATH	"/dev/mymem"

/* 0xB8 is unused in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define MYMEM_IOC_MAGIC		0xB8

/**
 * struct mymem_fetch_add - atomically add to a 64-bit word
 * @offset: byte offset of the word, a multiple of 8 below the size
 * @value:  added to the word (wraps modulo 2^64)
 * @old:    out: the word before the addition
 */
struct mymem_fetch_add {
	__u64 offset;
	__u64 value;
	__u64 old;
};

/**
 * struct mymem_cmpxchg - atomically compare and exchange a 64-bit word
 * @offset:   byte offset of the word, a multiple of 8 below the size
 * @expected: the word is replaced only if it equals this
 * @desired:  the new value
 * @old:      out: the word before the call; equal to @expected on success
 */
struct mymem_cmpxchg {
	__u64 offset;
	__u64 expected;
	__u64 desired;
	__u64 old;
};

/* The words are in native byte order, as a mmap()ed __u64 would be. */
#define MYMEM_IOC_GET_SIZE	_IOR(MYMEM_IOC_MAGIC, 0, __u64)
#define MYMEM_IOC_FETCH_ADD	_IOWR(MYMEM_IOC_MAGIC, 1, struct mymem_fetch_add)
#define MYMEM_IOC_CMPXCHG	_IOWR(MYMEM_IOC_MAGIC, 2, struct mymem_cmpxchg)

#endif /* _UAPI_LINUX_MYMEM_H */
