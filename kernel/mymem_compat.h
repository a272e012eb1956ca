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
 * The ->splice_read() of a file with ->read_iter(): 6.5's
 * copy_splice_read() allocates pages first, reads into them (ITER_BVEC)
 * and then adds them to the pipe.  6.1's generic_file_splice_read()
 * instead reads through an ITER_PIPE iov_iter, whose copy_to_iter()
 * allocates the pipe's pages as it copies (push_anon(), GFP_USER): for
 * mymem under mymem.lock, as no lockless read section may sleep.  So on
 * 6.1, copy_splice_read() as 6.5 has it: no allocation under the lock,
 * and the read may take the lockless path.
 */
#ifdef MYMEM_HAVE_COPY_SPLICE_READ
#define mymem_splice_read copy_splice_read
#else
#include <linux/bvec.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>

/* 6.5's default_pipe_buf_ops, which 6.1 does not export. */
static const struct pipe_buf_operations mymem_pipe_buf_ops = {
	.release	= generic_pipe_buf_release,
	.try_steal	= generic_pipe_buf_try_steal,
	.get		= generic_pipe_buf_get,
};

static inline ssize_t mymem_splice_read(struct file *in, loff_t *ppos,
					struct pipe_inode_info *pipe,
					size_t len, unsigned int flags)
{
	unsigned int used = pipe_occupancy(pipe->head, pipe->tail);
	size_t npages, chunk, remain, keep = 0, i;
	struct page **pages;
	struct bio_vec *bv;
	struct iov_iter to;
	struct kiocb kiocb;
	ssize_t ret;

	/* As much as the pipe has room for. */
	npages = used < pipe->max_usage ? pipe->max_usage - used : 0;
	len = min_t(size_t, len, npages * PAGE_SIZE);
	npages = DIV_ROUND_UP(len, PAGE_SIZE);
	if (!npages)
		return 0;

	bv = kcalloc(npages, sizeof(*bv) + sizeof(*pages), GFP_KERNEL);
	if (!bv)
		return -ENOMEM;
	pages = (struct page **)(bv + npages);
	npages = alloc_pages_bulk_array(GFP_USER, npages, pages);
	if (!npages) {
		kfree(bv);
		return -ENOMEM;
	}

	len = min_t(size_t, len, npages * PAGE_SIZE);
	remain = len;
	for (i = 0; i < npages; i++) {
		chunk = min_t(size_t, PAGE_SIZE, remain);
		bv[i] = (struct bio_vec){ .bv_page = pages[i], .bv_len = chunk };
		remain -= chunk;
	}

	iov_iter_bvec(&to, ITER_DEST, bv, npages, len);
	init_sync_kiocb(&kiocb, in);
	kiocb.ki_pos = *ppos;
	ret = call_read_iter(in, &kiocb, &to);
	if (ret > 0) {
		keep = DIV_ROUND_UP(ret, PAGE_SIZE);
		*ppos = kiocb.ki_pos;
	}
	if (keep < npages)
		release_pages(pages + keep, npages - keep);

	/* The pipe is locked and had room for them all. */
	remain = ret > 0 ? ret : 0;
	for (i = 0; i < keep; i++) {
		chunk = min_t(size_t, remain, PAGE_SIZE);
		pipe->bufs[pipe->head & (pipe->ring_size - 1)] =
			(struct pipe_buffer){
				.ops	= &mymem_pipe_buf_ops,
				.page	= pages[i],
				.len	= chunk,
			};
		pipe->head++;
		remain -= chunk;
	}
	kfree(bv);
	return ret;
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
