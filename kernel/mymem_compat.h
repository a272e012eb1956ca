/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place for differences between the kernels mymem builds for
 * (Debian's 6.1 and 6.12, and newer).  Kbuild sets the MYMEM_HAVE_* and
 * MYMEM_NS_IS_STRING flags by looking at the headers themselves.
 */
#ifndef _MYMEM_COMPAT_H
#define _MYMEM_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

/*
 * Symbol namespace of the API: a bare token up to 6.12, a string literal
 * from 6.13.  Use as EXPORT_SYMBOL_NS_GPL(sym, MYMEM_NS) and
 * MODULE_IMPORT_NS(MYMEM_NS).
 */
#ifdef MYMEM_NS_IS_STRING
#define MYMEM_NS "MYMEM"
#else
#define MYMEM_NS MYMEM
#endif

/* 6.3 made vma->vm_flags writable only through these accessors. */
#ifndef MYMEM_HAVE_VM_FLAGS_CLEAR
static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * 6.12 masks user addresses for copy_from_user() where the architecture
 * can, instead of access_ok() and a speculation barrier.
 */
#ifndef can_do_masked_user_access
#define can_do_masked_user_access() 0
#define mask_user_address(src) (src)
#endif

/*
 * The generic ->splice_read() of a file with ->read_iter(): 6.5 replaced
 * generic_file_splice_read(), which reads straight into the pipe through
 * an ITER_PIPE iov_iter, with copy_splice_read(), which reads into pages
 * of its own (ITER_BVEC) and then adds them to the pipe.
 */
#ifdef MYMEM_HAVE_COPY_SPLICE_READ
#define mymem_splice_read copy_splice_read
#else
#define mymem_splice_read generic_file_splice_read
#endif

/* 6.5 removed ITER_PIPE, with generic_file_splice_read(). */
#ifndef MYMEM_HAVE_ITER_PIPE
static inline bool iov_iter_is_pipe(const struct iov_iter *i)
{
	return false;
}
#endif

/*
 * The user memory at the position of a user-backed iov_iter (ITER_UBUF
 * or ITER_IOVEC), and in *@len how much of it is one segment.  6.4
 * renamed ->iov to ->__iov, read through iter_iov(); its iter_iov_len()
 * is wrong for an ITER_UBUF that has been advanced, so not used.
 */
static inline const char __user *mymem_iter_segment(const struct iov_iter *i,
						    size_t *len)
{
	const struct iovec *iov;

	if (iter_is_ubuf(i)) {
		*len = iov_iter_count(i);
		return i->ubuf + i->iov_offset;
	}
#ifdef MYMEM_HAVE_ITER_IOV
	iov = iter_iov(i);
#else
	iov = i->iov;
#endif
	*len = min(iov_iter_count(i), iov->iov_len - i->iov_offset);
	return iov->iov_base + i->iov_offset;
}

#endif /* _MYMEM_COMPAT_H */
