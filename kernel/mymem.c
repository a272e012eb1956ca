// SPDX-License-Identifier: GPL-2.0
/*
 * mymem - a region of kernel memory, offered to user space as /dev/mymem
 * (a fixed-size file that can also be mmap()ed) and to other modules as
 * the API in <linux/mymem.h>.
 *
 * Locking.  Writers (write(), the atomic ioctls and their API twins) hold
 * mymem.lock and make mymem.seq odd while they change the region.  A
 * reader copies with no lock at all and keeps the copy only if mymem.seq
 * shows that no writer ran meanwhile; otherwise it copies again holding
 * mymem.lock.  So readers never block each other nor dirty a shared cache
 * line, a reader takes the lock only when it raced with a writer, and no
 * read, write or atomic operation ever sees another one half done.
 *
 * No page fault is ever taken inside a read section or under the lock:
 * user copies run with page faults disabled, and pages are faulted in
 * between attempts with nothing held (see mymem_copy_to_user_nofault()).
 * So no caller can hold the others off for longer than a copy within the
 * region takes, and no read section sleeps.  A reader checks a 64-bit
 * count of writer sections besides the seqcount, which 2^31 writers
 * bring back round (see mymem_read_begin()).  Readers never spin on an
 * odd count but fall back to the mutex, so a writer may be preempted in
 * its section.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fault-inject-usercopy.h>
#include <linux/fs.h>
#include <linux/instrumented.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/mymem.h>
#include <linux/nospec.h>
#include <linux/pagemap.h>
#include <linux/percpu.h>
#include <linux/seqlock.h>
#include <linux/splice.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "mymem_compat.h"

#define MYMEM_DEFAULT_SIZE	(512 * 1024)
/* Far more than a teaching device needs, far less than a small VM has. */
#define MYMEM_MAX_SIZE		(256 * 1024 * 1024)
/*
 * Fresh starts a read makes when a writer ran while it faulted in its
 * destination (see mymem_read_io()): a fresh malloc()ed buffer on a busy
 * device needs one.
 */
#define MYMEM_READ_RESTARTS	3

static unsigned long size = MYMEM_DEFAULT_SIZE;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size,
		 "Region size in bytes, 1 to 268435456 (256 MiB) (default: 524288)");

static struct {
	u8 *data;		/* vmalloc_user(): zeroed, mmap()able */
	size_t size;
	struct mutex lock;	/* serialises writers */
	seqcount_t seq;		/* odd while a writer changes data */
	u64 writes;		/* writer sections so far; changed under lock */
} mymem;

/*
 * Monitoring counters, shown in sysfs.  Per CPU so that counting costs
 * the hot path one unlocked add and readers on different CPUs still share
 * no written cache line.
 */
enum mymem_stat {
	MYMEM_STAT_READS,
	MYMEM_STAT_WRITES,
	MYMEM_STAT_BYTES_READ,
	MYMEM_STAT_BYTES_WRITTEN,
	MYMEM_NR_STATS
};

static DEFINE_PER_CPU(u64 [MYMEM_NR_STATS], mymem_stats);

static void mymem_count(enum mymem_stat calls, enum mymem_stat bytes,
			size_t n)
{
	this_cpu_inc(mymem_stats[calls]);
	this_cpu_add(mymem_stats[bytes], n);
}

/* The mutex: -EAGAIN for a caller that may not wait (IOCB_NOWAIT). */
static __always_inline int mymem_lock(bool nowait)
{
	if (nowait)
		return mutex_trylock(&mymem.lock) ? 0 : -EAGAIN;
	return mutex_lock_killable(&mymem.lock) ? -EINTR : 0;
}

/*
 * raw_write_seqcount_*() because the section may be preempted: the
 * lockdep and preemption checks of write_seqcount_begin() assume spinning
 * readers, which mymem does not have.
 */
static __always_inline int mymem_write_lock(bool nowait)
{
	int ret = mymem_lock(nowait);

	if (ret)
		return ret;
	raw_write_seqcount_begin(&mymem.seq);
	WRITE_ONCE(mymem.writes, mymem.writes + 1);
	return 0;
}

static void mymem_write_unlock(void)
{
	raw_write_seqcount_end(&mymem.seq);
	mutex_unlock(&mymem.lock);
}

/*
 * User copies never take a page fault: they run with page faults
 * disabled, and a short copy means a page that is not there.  The caller
 * then leaves the lock or read section, faults the page in with nothing
 * held, and copies again, as generic_perform_write() does.  So no fault,
 * however slow (userfaultfd, FUSE, a hung NFS mount), holds off others.
 *
 * The copies are _copy_to_user() and _copy_from_user() as 6.1 and 6.12
 * make them: usercopy fault injection, access_ok() and, from user space,
 * the speculation barrier or the user address masking where the kernel
 * has it, the sanitizers' instrumentation, the raw copy; the callers make
 * might_fault()'s checks once per call.  @vfs_checked skips access_ok()
 * for the buffer of read() and write(): vfs_read() and vfs_write() (and
 * nothing else, in 6.1 and 6.12, for a file with ->read_iter() and
 * ->write_iter()) call ->read() and ->write() only after access_ok() of
 * the whole buffer, and every copy lies within it; the speculation
 * barrier, which that check lacks, stays.  copy_from_user() itself would
 * zero the rest of the destination on a short copy: region bytes the
 * write does not report writing.  Left out is hardened usercopy's
 * check_object_size(), which costs about 90 instructions a copy (1-byte
 * reads 12% slower; docs/reliability.md) and checks nothing here: with
 * page faults disabled it skips its one test for vmalloc memory, the
 * area bounds (mm/usercopy.c), and the rest (not NULL, stack or kernel
 * text) holds for any region pointer; mymem_*_span() bound every copy by
 * the region.  The page cache's copies skip it likewise.
 */
static __always_inline size_t
mymem_copy_to_user_nofault(char __user *to, const void *from, size_t len,
			   bool vfs_checked)
{
	size_t left;

	if (should_fail_usercopy() || (!vfs_checked && !access_ok(to, len)))
		return len;
	instrument_copy_to_user(to, from, len);
	pagefault_disable();
	left = raw_copy_to_user(to, from, len);
	pagefault_enable();
	return left;
}

static __always_inline size_t
mymem_copy_from_user_nofault(void *to, const char __user *from, size_t len,
			     bool vfs_checked)
{
	size_t left;

	if (should_fail_usercopy())
		return len;
	if (can_do_masked_user_access()) {
		from = mask_user_address(from);
	} else {
		if (!vfs_checked && !access_ok(from, len))
			return len;
		barrier_nospec();
	}
	instrument_copy_from_user_before(to, from, len);
	pagefault_disable();
	left = raw_copy_from_user(to, from, len);
	pagefault_enable();
	instrument_copy_from_user_after(to, from, len, left);
	return left;
}

static int mymem_put_user_nofault(u64 __user *to, u64 val)
{
	int ret;

	pagefault_disable();
	ret = put_user(val, to);
	pagefault_enable();
	return ret;
}

/*
 * A lockless read section: false if a writer is in its section.  Besides
 * the seqcount, the 64-bit count of writer sections: a reader preempted
 * in its copy for as long as 2^31 writer sections take would otherwise
 * find the seqcount back at its value.  (On 32-bit kernels that read is
 * not atomic, so there it only makes the wrap far less likely.)
 */
static bool mymem_read_begin(unsigned int *seq, u64 *gen)
{
	*seq = raw_read_seqcount(&mymem.seq);
	*gen = READ_ONCE(mymem.writes);
	return !(*seq & 1);
}

/* Whether a writer ran since mymem_read_begin(): the copy is void. */
static bool mymem_read_retry(unsigned int seq, u64 gen)
{
	return read_seqcount_retry(&mymem.seq, seq) ||
	       READ_ONCE(mymem.writes) != gen;
}

/*
 * Bytes a read of @len at @pos copies (0: none), or -EINVAL.  One
 * comparison on the way in: a negative @pos, as a u64, is past any size.
 */
static ssize_t mymem_read_span(size_t len, loff_t pos)
{
	if ((u64)pos >= mymem.size)
		return pos < 0 ? -EINVAL : 0;
	return min_t(size_t, len, mymem.size - pos);
}

/*
 * Bytes a write of @len at @pos copies (0: none), or -EINVAL, -ENOSPC;
 * one comparison on the way in, as the read's.
 */
static ssize_t mymem_write_span(size_t len, loff_t pos)
{
	if ((u64)pos >= mymem.size) {
		if (pos < 0)
			return -EINVAL;
		return len ? -ENOSPC : 0;
	}
	return min_t(size_t, len, mymem.size - pos);
}

/*
 * The region's byte @pos, which a span check found inside it: clamped
 * under speculation too, as the caller chose @pos.
 */
static __always_inline u8 *mymem_at(loff_t pos)
{
	return mymem.data + array_index_nospec((size_t)pos, mymem.size);
}

static ssize_t mymem_read_done(size_t copied)
{
	mymem_count(MYMEM_STAT_READS, MYMEM_STAT_BYTES_READ, copied);
	return copied;
}

static ssize_t mymem_write_done(size_t copied)
{
	mymem_count(MYMEM_STAT_WRITES, MYMEM_STAT_BYTES_WRITTEN, copied);
	return copied;
}

/*
 * Where a read copies to or a write copies from: the user buffer of
 * read() and write(), or the iov_iter of every other path (readv and
 * writev, preadv2 and pwritev2, io_uring, splice and sendfile).  read()
 * and write() keep their plain buffer, with no iov_iter to build and
 * walk; the read and write below are inlined into each hook, so every
 * path runs the one code, with the other kind's branches compiled out.
 *
 * @at is how far @iter has been advanced.  @nowait is IOCB_NOWAIT:
 * -EAGAIN instead of waiting for the lock or for a page fault.
 */
struct mymem_io {
	char __user *buf;
	struct iov_iter *iter;
	size_t at;
	bool nowait;
};

/* Moves @io's iov_iter to byte @off of the transfer. */
static __always_inline void mymem_io_seek(struct mymem_io *io, size_t off)
{
	if (!io->iter)
		return;
	if (off < io->at)
		iov_iter_revert(io->iter, io->at - off);
	else if (off > io->at)
		iov_iter_advance(io->iter, off - io->at);
	io->at = off;
}

/*
 * Copies @len bytes of the region from @src to byte @off of @io, page
 * faults disabled: returns the bytes not copied.  For user memory
 * copy_to_iter() makes the checks of mymem_copy_to_user_nofault() (6.1's
 * copyout(), 6.12's copy_to_user_iter()), plus hardened usercopy's
 * check once per call; splice's kernel pages it copies with memcpy().
 */
static __always_inline size_t mymem_copy_out(struct mymem_io *io, size_t off,
					     const u8 *src, size_t len)
{
	size_t done;

	if (!io->iter)
		return mymem_copy_to_user_nofault(io->buf + off, src, len,
						  true);
	mymem_io_seek(io, off);
	pagefault_disable();
	done = copy_to_iter(src, len, io->iter);
	pagefault_enable();
	io->at += done;
	return len - done;
}

/*
 * Faults in, with nothing held, the @len bytes of @io's destination from
 * byte @off: false if not even the first can be, or if it is splice's
 * kernel pages, which no fault brings.
 */
static __always_inline bool mymem_fault_in_dest(struct mymem_io *io,
						size_t off, size_t len)
{
	if (!io->iter)
		return fault_in_safe_writeable(io->buf + off, len) != len;
	if (!user_backed_iter(io->iter))
		return false;
	mymem_io_seek(io, off);
	return fault_in_iov_iter_writeable(io->iter, len) != len;
}

/*
 * Copies @len bytes from @io into the region at @dst, page faults
 * disabled: returns the bytes not copied, and advances @io's iov_iter
 * past those copied.  User memory goes through
 * mymem_copy_from_user_nofault() one segment at a time: copy_from_iter()
 * lacks its speculation hardening in 6.1 and 6.12.  Splice's kernel
 * pages go through copy_from_iter().
 */
static __always_inline size_t mymem_copy_in(struct mymem_io *io, u8 *dst,
					    size_t len)
{
	struct iov_iter *from = io->iter;
	size_t left = len, seg, step;
	const char __user *base;

	if (!from)
		return mymem_copy_from_user_nofault(dst, io->buf, len, true);
	if (!user_backed_iter(from))
		return len - copy_from_iter(dst, len, from);
	while (left) {
		/* An empty segment gives step 0; advancing skips it. */
		base = mymem_iter_segment(from, &seg);
		seg = min(seg, left);
		step = seg - mymem_copy_from_user_nofault(dst, base, seg, false);
		iov_iter_advance(from, step);
		dst += step;
		left -= step;
		if (step < seg)
			break;
	}
	return left;
}

/*
 * Faults in @len bytes of @io's source with nothing held: returns the
 * bytes not faulted in, all of them for splice's kernel pages.
 */
static __always_inline size_t mymem_fault_in_source(struct mymem_io *io,
						    size_t len)
{
	if (!io->iter)
		return fault_in_readable(io->buf, len);
	if (!user_backed_iter(io->iter))
		return len;
	return fault_in_iov_iter_readable(io->iter, len);
}

/*
 * Whether all of @io's @len source bytes can be read without a page
 * fault: fault_in_readable() with page faults disabled only touches.
 */
static __always_inline bool mymem_source_present(struct mymem_io *io,
						 size_t len)
{
	size_t left;

	pagefault_disable();
	left = io->iter ? fault_in_iov_iter_readable(io->iter, len) :
			  fault_in_readable(io->buf, len);
	pagefault_enable();
	return !left;
}

/*
 * The device's read after its lockless attempt (mymem_read_io()) failed.
 * Copies under the lock, and between copies faults in the page of the
 * destination that stopped the last one.  @copied bytes of @dest hold
 * the region as it was after writer section @gen: a copy continues them
 * if no writer has run since, else starts again from the first byte.  A
 * fresh start that cannot write a byte leaves them as they were.  So a
 * read returns bytes of one instant; a short read (a page that cannot be
 * faulted in) leaves the bytes past it as they were, unless the caller
 * unmaps or write-protects pages of the destination that a copy had
 * written, from another thread, while the read runs.
 *
 * After a fault-in the read copies again only if that copy got further
 * than byte @stop, where the one before stopped, as btrfs's direct read
 * and gfs2 retry.  A fault-in checks the page, not what the hardware
 * checks within it: an arm64 MTE tag mismatch, an x86 shadow stack page
 * or injected usercopy faults stop every copy at the same byte however
 * often the page is faulted in, so a read that retried while fault-in
 * succeeded would never return.  The price: a page reclaimed between its
 * fault-in and the copy ends the read there, with a short count.
 *
 * A read makes at most MYMEM_READ_RESTARTS fresh starts; then, rather
 * than start again, it returns the @copied bytes it has, all of one
 * instant: a short count, as filemap_read() returns when a copy stops.
 * So a read whose pages keep going away while writers run ends.
 *
 * With @dest.nowait a read that would wait for the lock or a page fault
 * fails with -EAGAIN, even after copying some bytes: io_uring then
 * retries it from a worker, which may wait, so that it returns what
 * read() would have.
 *
 * Out of line, so that the lockless attempt, which nearly every read
 * takes, keeps a small frame; one function for both kinds of @dest, told
 * apart at run time.  @dest by value: the attempt's own stays in
 * registers, its kind known to the compiler.
 */
static noinline ssize_t mymem_read_locked(struct mymem_io dest, size_t n,
					  loff_t *ppos, size_t copied, u64 gen)
{
	const u8 *src = mymem_at(*ppos);
	struct mymem_io *io = &dest;
	size_t from, end, left, stop = 0;
	unsigned int restarts = 0;
	bool faulted = false;
	u64 now;
	int err;

	for (;;) {
		err = mymem_lock(io->nowait);
		if (err)
			break;
		now = mymem.writes;
		from = now == gen ? copied : 0;
		if (from < copied && restarts++ == MYMEM_READ_RESTARTS) {
			mutex_unlock(&mymem.lock);
			break;
		}
		left = mymem_copy_out(io, from, src + from, n - from);
		mutex_unlock(&mymem.lock);
		end = n - left;
		if (end > from || !copied) {
			copied = end;
			gen = now;
		}
		err = -EFAULT;
		if (!left || io->nowait || (faulted && end <= stop))
			break;
		stop = end;
		faulted = true;
		if (!mymem_fault_in_dest(io, end, left))
			break;
	}
	if (io->nowait && copied < n)
		return -EAGAIN;
	if (!copied)
		return err;
	mymem_io_seek(io, copied);
	*ppos += copied;
	return mymem_read_done(copied);
}

/*
 * The lockless attempt: a read that raced no writer and took no fault
 * ends here, else mymem_read_locked() goes on from what it copied.  Both
 * move *@ppos past the bytes read, so that the attempt need not keep its
 * count and the source apart from the position for the slow path.
 */
static __always_inline ssize_t mymem_read_io(struct mymem_io *io, size_t len,
					     loff_t *ppos)
{
	ssize_t n = mymem_read_span(len, *ppos);
	unsigned int seq;
	const u8 *src;
	size_t left;
	u64 gen;

	if (n <= 0)
		return n;
	src = mymem_at(*ppos);
	might_fault();
	if (!mymem_read_begin(&seq, &gen))
		return mymem_read_locked(*io, n, ppos, 0, 0);
	left = mymem_copy_out(io, 0, src, n);
	if (mymem_read_retry(seq, gen))
		return mymem_read_locked(*io, n, ppos, 0, 0);
	if (left)
		return mymem_read_locked(*io, n, ppos, n - left, gen);
	*ppos += n;
	return mymem_read_done(n);
}

/*
 * One writer section copying @n bytes of @io into the region at @pos:
 * the bytes not copied, or the lock's error.
 */
static __always_inline ssize_t mymem_write_once(struct mymem_io *io,
						size_t n, loff_t pos)
{
	int ret = mymem_write_lock(io->nowait);
	size_t left;

	if (ret)
		return ret;
	left = mymem_copy_in(io, mymem_at(pos), n);
	mymem_write_unlock();
	return left;
}

/*
 * The write after a first copy that copied nothing (mymem_write_io()):
 * out of line, so that the first copy, all that nearly every write
 * makes, keeps a small frame.  @faulted: the source was faulted in.
 */
static noinline ssize_t mymem_write_again(struct mymem_io source, size_t n,
					  loff_t pos, bool faulted)
{
	struct mymem_io *io = &source;
	ssize_t left;

	do {
		if (io->nowait)
			return -EAGAIN;
		/* Once faulted in, a source that copies nothing never will. */
		if (faulted || mymem_fault_in_source(io, n) == n)
			return -EFAULT;
		faulted = true;
		left = mymem_write_once(io, n, pos);
		if (left < 0)
			return left;
	} while (left == n);
	return mymem_write_done(n - left);
}

/*
 * The device's write, all at once: the bytes it reports went in together,
 * under the lock.  A copy within one page is all or nothing; any other
 * has its source faulted in first, so that it is cut short only when a
 * page cannot be read or went away again meanwhile.  With @io->nowait
 * the source must be there already, and nothing waits for the lock:
 * -EAGAIN, with the region unchanged.
 */
static __always_inline ssize_t mymem_write_io(struct mymem_io *io,
					      size_t len, loff_t pos)
{
	ssize_t n = mymem_write_span(len, pos), left;
	bool faulted = false;

	if (n <= 0)
		return n;
	might_fault();
	if (io->nowait) {
		if (!mymem_source_present(io, n))
			return -EAGAIN;
	} else if (io->iter || offset_in_page(io->buf) + n > PAGE_SIZE) {
		faulted = mymem_fault_in_source(io, n) < n;
	}
	left = mymem_write_once(io, n, pos);
	if (left < 0)
		return left;
	if (left == n)
		return mymem_write_again(*io, n, pos, faulted);
	return mymem_write_done(n - left);
}

/* The naturally aligned 64-bit word at @offset, or NULL if there is none. */
static atomic64_t *mymem_word(u64 offset)
{
	size_t words = mymem.size / sizeof(u64);

	if (!IS_ALIGNED(offset, sizeof(u64)) || offset >= mymem.size ||
	    mymem.size - offset < sizeof(u64))
		return NULL;
	/* Clamped by words, so that even a speculated word lies inside. */
	return (atomic64_t *)mymem.data +
	       array_index_nospec((size_t)(offset / sizeof(u64)), words);
}

size_t mymem_size(void)
{
	return mymem.size;
}
EXPORT_SYMBOL_NS_GPL(mymem_size, MYMEM_NS);

/*
 * The API's calls that may sleep say so at entry: the lockless read
 * sleeps only when it meets a writer, so a caller in atomic context
 * would otherwise pass every test and sleep in production.  That is
 * might_sleep()'s check (CONFIG_DEBUG_ATOMIC_SLEEP; empty elsewhere)
 * without the voluntary preemption point it adds: a __cond_resched()
 * before the copy, which does not bound the copy's latency (and a
 * writer's mutex_lock_killable() has one anyway), 6 instructions of a
 * 1-byte mymem_read() (make profile).
 */
#define mymem_might_sleep()	__might_sleep(__FILE__, __LINE__)

ssize_t mymem_read(void *buf, size_t len, loff_t pos)
{
	ssize_t n = mymem_read_span(len, pos);
	unsigned int seq;
	const u8 *src;
	u64 gen;

	mymem_might_sleep();
	if (n <= 0)
		return n;
	src = mymem_at(pos);
	if (mymem_read_begin(&seq, &gen)) {
		memcpy(buf, src, n);
		if (!mymem_read_retry(seq, gen))
			return mymem_read_done(n);
	}
	if (mutex_lock_killable(&mymem.lock))
		return -EINTR;
	memcpy(buf, src, n);
	mutex_unlock(&mymem.lock);
	return mymem_read_done(n);
}
EXPORT_SYMBOL_NS_GPL(mymem_read, MYMEM_NS);

ssize_t mymem_write(const void *buf, size_t len, loff_t pos)
{
	ssize_t n = mymem_write_span(len, pos);
	int ret;

	mymem_might_sleep();
	if (n <= 0)
		return n;
	ret = mymem_write_lock(false);
	if (ret)
		return ret;
	memcpy(mymem_at(pos), buf, n);
	mymem_write_unlock();
	return mymem_write_done(n);
}
EXPORT_SYMBOL_NS_GPL(mymem_write, MYMEM_NS);

/*
 * The atomic operations also take the writer side: a read copying the
 * word byte by byte must not see it half updated.  They still use atomic
 * instructions because a shared mmap() may update the word concurrently.
 * @operand is what fetch-add adds, or what compare-exchange expects.
 *
 * For the ioctl, @uold is the caller's old field, and the old value is
 * stored there before the word changes: a compare-exchange loop, with the
 * store done without faulting under the lock and the field faulted in
 * with the lock dropped.  So -EFAULT always means an unchanged word.  The
 * API passes no @uold; its @old cannot fault.
 */
static int mymem_atomic(u64 offset, bool exchange, u64 operand, u64 desired,
			u64 __user *uold, u64 *old)
{
	atomic64_t *word = mymem_word(offset);
	u64 cur, new;
	int ret;

	/* A bad argument pointer is -EFAULT, whatever else is wrong. */
	if (!word)
		return uold && fault_in_safe_writeable((const char __user *)uold,
						       sizeof(*uold)) ?
		       -EFAULT : -EINVAL;
	for (;;) {
		ret = mymem_write_lock(false);
		if (ret)
			return ret;
		cur = atomic64_read(word);
		do {
			if (uold) {
				ret = mymem_put_user_nofault(uold, cur);
				if (ret)
					break;
			}
			if (exchange && cur != operand)
				break;
			new = exchange ? desired : cur + operand;
		} while (!atomic64_try_cmpxchg(word, &cur, new));
		mymem_write_unlock();
		if (!ret)
			break;
		/*
		 * Checked to the granule (arm64 MTE), as btrfs's search ioctl
		 * does: a field that no store can reach is -EFAULT, not a
		 * loop.  It writes zeros into the field, the caller's result.
		 */
		if (fault_in_subpage_writeable((char __user *)uold,
					       sizeof(*uold)))
			return -EFAULT;
	}
	*old = cur;
	return 0;
}

int mymem_fetch_add(u64 offset, u64 value, u64 *old)
{
	mymem_might_sleep();
	return mymem_atomic(offset, false, value, 0, NULL, old);
}
EXPORT_SYMBOL_NS_GPL(mymem_fetch_add, MYMEM_NS);

int mymem_cmpxchg(u64 offset, u64 expected, u64 desired, u64 *old)
{
	mymem_might_sleep();
	return mymem_atomic(offset, true, expected, desired, NULL, old);
}
EXPORT_SYMBOL_NS_GPL(mymem_cmpxchg, MYMEM_NS);

/*
 * io_uring issues a read or write at once, rather than from a worker
 * thread, only to a file that honours IOCB_NOWAIT; preadv2() and
 * pwritev2() refuse RWF_NOWAIT without it.  FMODE_ATOMIC_POS, which
 * do_dentry_open() gives regular files only: threads sharing the
 * descriptor move its position one call at a time, so two reads never
 * start at one position.
 */
static int mymem_fop_open(struct inode *inode, struct file *file)
{
	file->f_mode |= FMODE_NOWAIT | FMODE_ATOMIC_POS;
	return 0;
}

/*
 * .read/.write beside .read_iter/.write_iter: read() and write() take
 * the plain hooks when there are both, which skip building a kiocb and an
 * iov_iter.  Every other path (readv, io_uring, splice) takes the
 * _iter ones, one snapshot or one writer section a call.  kernel_read()
 * and kernel_write() refuse a file with both (-EINVAL), as they refuse
 * /dev/zero, which has both for the same reason (mymem(4)).
 */
static ssize_t mymem_fop_read(struct file *file, char __user *buf,
			      size_t len, loff_t *ppos)
{
	struct mymem_io io = { .buf = buf };

	return mymem_read_io(&io, len, ppos);
}

/*
 * O_APPEND and RWF_APPEND write at the end, as in a regular file; the
 * region cannot grow, so -ENOSPC (0 for a count of 0), the position kept,
 * rather than overwriting bytes at the position.
 */
static __always_inline loff_t mymem_write_pos(bool append, loff_t pos)
{
	return append ? mymem.size : pos;
}

static ssize_t mymem_fop_write(struct file *file, const char __user *buf,
			       size_t len, loff_t *ppos)
{
	struct mymem_io io = { .buf = (char __user *)buf };
	ssize_t ret = mymem_write_io(&io, len,
				     mymem_write_pos(file->f_flags & O_APPEND,
						     *ppos));

	if (ret > 0)
		*ppos += ret;
	return ret;
}

/* A read (@is_write false) or write of @iter at the kiocb's position. */
static __always_inline ssize_t mymem_kiocb_io(struct kiocb *iocb,
					      struct iov_iter *iter,
					      bool is_write)
{
	struct mymem_io io = {
		.iter = iter,
		.nowait = iocb->ki_flags & IOCB_NOWAIT,
	};
	size_t len = iov_iter_count(iter);
	ssize_t ret;

	if (!is_write)
		return mymem_read_io(&io, len, &iocb->ki_pos);
	ret = mymem_write_io(&io, len,
			     mymem_write_pos(iocb->ki_flags & IOCB_APPEND,
					     iocb->ki_pos));
	if (ret > 0)
		iocb->ki_pos += ret;
	return ret;
}

static ssize_t mymem_fop_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return mymem_kiocb_io(iocb, to, false);
}

static ssize_t mymem_fop_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return mymem_kiocb_io(iocb, from, true);
}

static loff_t mymem_fop_llseek(struct file *file, loff_t offset, int whence)
{
	return fixed_size_llseek(file, offset, whence, mymem.size);
}

/* Both atomic ioctls end with the __u64 old value (see mymem_atomic()). */
static long mymem_fop_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	union {
		struct mymem_fetch_add fetch_add;
		struct mymem_cmpxchg cmpxchg;
	} req;
	u64 __user *uold;
	u64 old;

	switch (cmd) {
	case MYMEM_IOC_GET_SIZE:
		return put_user((u64)mymem.size, (u64 __user *)argp);
	case MYMEM_IOC_FETCH_ADD:
	case MYMEM_IOC_CMPXCHG:
		/* Each reads the word (the old value) and writes it. */
		if ((file->f_mode & (FMODE_READ | FMODE_WRITE)) !=
		    (FMODE_READ | FMODE_WRITE))
			return -EBADF;
		break;
	default:
		return -ENOTTY;
	}

	if (copy_from_user(&req, argp, _IOC_SIZE(cmd)))
		return -EFAULT;
	uold = argp + _IOC_SIZE(cmd) - sizeof(*uold);
	if (cmd == MYMEM_IOC_FETCH_ADD)
		return mymem_atomic(req.fetch_add.offset, false,
				    req.fetch_add.value, 0, uold, &old);
	return mymem_atomic(req.cmpxchg.offset, true, req.cmpxchg.expected,
			    req.cmpxchg.desired, uold, &old);
}

/*
 * remap_vmalloc_range() maps every page at mmap() time; this brings back
 * the ones MADV_DONTNEED has unmapped since.  mmap() and VM_DONTEXPAND
 * keep the mapping within the region; checked anyway, as in-tree fault
 * handlers do, since a page past it would be someone else's memory.
 */
static vm_fault_t mymem_vm_fault(struct vm_fault *vmf)
{
	struct page *page;

	if (vmf->pgoff >= DIV_ROUND_UP(mymem.size, PAGE_SIZE))
		return VM_FAULT_SIGBUS;
	page = vmalloc_to_page(mymem.data + (vmf->pgoff << PAGE_SHIFT));
	if (!page)
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mymem_vm_ops = {
	.fault = mymem_vm_fault,
};

/*
 * A shared map is the region itself.  A private map may only read it:
 * copy-on-write of vmalloc pages would silently detach the caller.
 */
static int mymem_fop_mmap(struct file *file, struct vm_area_struct *vma)
{
	int ret;

	if (!(vma->vm_flags & VM_SHARED)) {
		if (vma->vm_flags & VM_WRITE)
			return -EINVAL;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	ret = remap_vmalloc_range(vma, mymem.data, vma->vm_pgoff);
	if (!ret)
		vma->vm_ops = &mymem_vm_ops;
	return ret;
}

/* .owner pins the module while a file is open or mapped. */
static const struct file_operations mymem_fops = {
	.owner		= THIS_MODULE,
	.open		= mymem_fop_open,
	.llseek		= mymem_fop_llseek,
	.read		= mymem_fop_read,
	.write		= mymem_fop_write,
	.read_iter	= mymem_fop_read_iter,
	.write_iter	= mymem_fop_write_iter,
	.splice_read	= mymem_splice_read,
	.splice_write	= iter_file_splice_write,
	.unlocked_ioctl	= mymem_fop_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mymem_fop_mmap,
};

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%zu\n", mymem.size);
}
static DEVICE_ATTR_RO(size);

static ssize_t mymem_stat_show(struct device *dev,
			       struct device_attribute *attr, char *buf);

/* Indexed by enum mymem_stat, which is how the show routine knows. */
static struct device_attribute mymem_stat_attrs[MYMEM_NR_STATS] = {
	[MYMEM_STAT_READS]		= __ATTR(reads, 0444, mymem_stat_show, NULL),
	[MYMEM_STAT_WRITES]		= __ATTR(writes, 0444, mymem_stat_show, NULL),
	[MYMEM_STAT_BYTES_READ]		= __ATTR(bytes_read, 0444, mymem_stat_show, NULL),
	[MYMEM_STAT_BYTES_WRITTEN]	= __ATTR(bytes_written, 0444, mymem_stat_show, NULL),
};

static ssize_t mymem_stat_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	enum mymem_stat stat = attr - mymem_stat_attrs;
	u64 sum = 0;
	int cpu;

	/* Marked: the other CPUs may be adding to them right now. */
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(mymem_stats[stat], cpu));
	return sysfs_emit(buf, "%llu\n", sum);
}

static struct attribute *mymem_attrs[] = {
	&dev_attr_size.attr,
	&mymem_stat_attrs[MYMEM_STAT_READS].attr,
	&mymem_stat_attrs[MYMEM_STAT_WRITES].attr,
	&mymem_stat_attrs[MYMEM_STAT_BYTES_READ].attr,
	&mymem_stat_attrs[MYMEM_STAT_BYTES_WRITTEN].attr,
	NULL
};
ATTRIBUTE_GROUPS(mymem);

static struct miscdevice mymem_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= KBUILD_MODNAME,
	.fops	= &mymem_fops,
	.groups	= mymem_groups,
	.mode	= 0666,
};

static int __init mymem_init(void)
{
	int ret;

	if (!size || size > MYMEM_MAX_SIZE) {
		pr_err("size=%lu is out of range: use 1 to %u bytes\n",
		       size, MYMEM_MAX_SIZE);
		return -EINVAL;
	}

	mymem.data = vmalloc_user(size);
	if (!mymem.data)
		return -ENOMEM;
	mymem.size = size;
	mutex_init(&mymem.lock);
	seqcount_init(&mymem.seq);

	ret = misc_register(&mymem_misc);
	if (ret) {
		mutex_destroy(&mymem.lock);
		vfree(mymem.data);
		return ret;
	}
	pr_info("%zu bytes at /dev/%s\n", mymem.size, mymem_misc.name);
	return 0;
}

static void __exit mymem_exit(void)
{
	misc_deregister(&mymem_misc);
	mutex_destroy(&mymem.lock);
	vfree(mymem.data);
}

module_init(mymem_init);
module_exit(mymem_exit);

MODULE_DESCRIPTION("Kernel memory region as a character device and an in-kernel API");
MODULE_AUTHOR("The mymem developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MYMEM_VERSION);
