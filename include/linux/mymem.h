/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mymem in-kernel API.
 *
 * Exported GPL-only in the MYMEM symbol namespace; a user module adds
 * MODULE_IMPORT_NS(MYMEM) (see kernel/mymem_compat.h for the spelling on
 * the running kernel).  The calls have the semantics, errors and locking
 * of the character device, on kernel buffers: no user copies.
 */
#ifndef _LINUX_MYMEM_H
#define _LINUX_MYMEM_H

#include <linux/types.h>
#include <uapi/linux/mymem.h>

/**
 * mymem_size() - size of the mymem region
 *
 * Context: Any context.
 *
 * Return: the region size in bytes, fixed for the life of the module.
 */
size_t mymem_size(void);

/**
 * mymem_read() - copy bytes out of the region
 * @buf: kernel destination buffer of at least the bytes copied; never
 *       NULL unless nothing is to be copied (it is not checked)
 * @len: number of bytes wanted
 * @pos: byte offset in the region
 *
 * Copies min(@len, size - @pos) bytes, atomically with respect to every
 * write and atomic operation: the bytes returned were all in the region
 * at one instant.  Concurrent readers do not block each other.
 *
 * Context: Process context.  May sleep (when it meets a writer, so
 * might_sleep() at entry has CONFIG_DEBUG_ATOMIC_SLEEP report an atomic
 * caller on its first call).
 *
 * Return: the number of bytes copied, 0 at or past the end or for a zero
 * @len, -EINVAL for a negative @pos, -EINTR if a fatal signal arrived
 * while waiting for a writer.
 */
ssize_t mymem_read(void *buf, size_t len, loff_t pos);

/**
 * mymem_write() - copy bytes into the region
 * @buf: kernel source buffer of at least the bytes written; never NULL
 *       unless nothing is to be written (it is not checked)
 * @len: number of bytes to write
 * @pos: byte offset in the region
 *
 * Writes min(@len, size - @pos) bytes, atomically with respect to every
 * other read, write and atomic operation.
 *
 * Context: Process context.  May sleep.
 *
 * Return: the number of bytes written (0 for a zero @len), -ENOSPC at or
 * past the end, -EINVAL for a negative @pos, -EINTR if a fatal signal
 * arrived while waiting for another writer.
 */
ssize_t mymem_write(const void *buf, size_t len, loff_t pos);

/**
 * mymem_fetch_add() - atomically add to a 64-bit word of the region
 * @offset: byte offset of the word, a multiple of 8
 * @value:  value to add (wraps modulo 2^64)
 * @old:    where to store the word's value before the addition; never
 *          NULL (it is not checked)
 *
 * The word is in native byte order.  The addition is atomic with respect
 * to reads, writes, other atomic operations and atomic instructions done
 * through a shared mmap() of the device.
 *
 * Context: Process context.  May sleep.
 *
 * Return: 0, -EINVAL if @offset is unaligned or the word does not fit,
 * -EINTR if a fatal signal arrived while waiting for a writer.
 */
int mymem_fetch_add(u64 offset, u64 value, u64 *old);

/**
 * mymem_cmpxchg() - atomically compare and exchange a 64-bit word
 * @offset:   byte offset of the word, a multiple of 8
 * @expected: the word is replaced only if it holds this value
 * @desired:  the replacement
 * @old:      where to store the word's value before the call; never
 *            NULL (it is not checked)
 *
 * Same atomicity as mymem_fetch_add().  The exchange happened if and only
 * if *@old == @expected on return.
 *
 * Context: Process context.  May sleep.
 *
 * Return: as mymem_fetch_add().
 */
int mymem_cmpxchg(u64 offset, u64 expected, u64 desired, u64 *old);

#endif /* _LINUX_MYMEM_H */
