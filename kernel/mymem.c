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
 * Unlike a classic seqcount, the writer may sleep (copy_from_user() can
 * fault) and so stays preemptible: readers never spin on an odd count but
 * fall back to the mutex, which is what makes that safe.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fault-inject-usercopy.h>
#include <linux/fs.h>
#include <linux/instrumented.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/mymem.h>
#include <linux/percpu.h>
#include <linux/seqlock.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mymem_compat.h"

#define MYMEM_DEFAULT_SIZE	(512 * 1024)
/* Far more than a teaching device needs, far less than a small VM has. */
#define MYMEM_MAX_SIZE		(256 * 1024 * 1024)

static unsigned long size = MYMEM_DEFAULT_SIZE;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size,
		 "Region size in bytes, 1 to 268435456 (256 MiB) (default: 524288)");

static struct {
	u8 *data;		/* vmalloc_user(): zeroed, mmap()able */
	size_t size;
	struct mutex lock;	/* serialises writers */
	seqcount_t seq;		/* odd while a writer changes data */
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

/*
 * raw_write_seqcount_*() because the section may sleep: the lockdep and
 * preemption checks of write_seqcount_begin() assume spinning readers,
 * which mymem does not have.
 */
static int mymem_write_lock(void)
{
	if (mutex_lock_killable(&mymem.lock))
		return -EINTR;
	raw_write_seqcount_begin(&mymem.seq);
	return 0;
}

static void mymem_write_unlock(void)
{
	raw_write_seqcount_end(&mymem.seq);
	mutex_unlock(&mymem.lock);
}

/*
 * User copies as lib/iov_iter.c does them for every read_iter and
 * write_iter file (tmpfs, brd, ...): access_ok(), fault injection and the
 * sanitizers' instrumentation, then the raw copy.  What they leave out is
 * hardened usercopy's object check, redundant here because the callers
 * bound every copy by the region, and costly: for vmalloc memory it looks
 * the area up under a global spinlock, on every call.  The raw copy also
 * does not zero the rest of the destination on a fault as
 * copy_from_user() does, which would destroy region bytes that a write
 * never reported writing.
 */
static size_t mymem_copy_to_user(char __user *to, const void *from,
				 size_t len)
{
	if (should_fail_usercopy() || !access_ok(to, len))
		return len;
	instrument_copy_to_user(to, from, len);
	return raw_copy_to_user(to, from, len);
}

static size_t mymem_copy_from_user(void *to, const char __user *from,
				   size_t len)
{
	size_t not_copied;

	if (should_fail_usercopy() || !access_ok(from, len))
		return len;
	instrument_copy_from_user_before(to, from, len);
	not_copied = raw_copy_from_user(to, from, len);
	instrument_copy_from_user_after(to, from, len, not_copied);
	return not_copied;
}

/*
 * The device and the API share one implementation: the API passes a
 * kernel buffer, the device a user one.  The choice is made on the kernel
 * pointer because a user pointer may well be NULL, which must fail with
 * -EFAULT like any other bad address.  A kernel copy cannot fault.
 */
static size_t mymem_copy_out(char __user *ubuf, void *kbuf, loff_t pos,
			     size_t len)
{
	if (!kbuf)
		return mymem_copy_to_user(ubuf, mymem.data + pos, len);
	memcpy(kbuf, mymem.data + pos, len);
	return 0;
}

/* Bytes copied, or -EFAULT when a user buffer took none of them. */
static ssize_t mymem_copied(size_t len, size_t not_copied)
{
	return not_copied == len ? -EFAULT : len - not_copied;
}

static ssize_t mymem_read_done(size_t len, size_t not_copied)
{
	ssize_t ret = mymem_copied(len, not_copied);

	if (ret > 0)
		mymem_count(MYMEM_STAT_READS, MYMEM_STAT_BYTES_READ, ret);
	return ret;
}

static ssize_t mymem_do_read(char __user *ubuf, void *kbuf, size_t len,
			     loff_t pos)
{
	size_t not_copied;
	unsigned int seq;

	if (pos < 0)
		return -EINVAL;
	if (pos >= mymem.size || !len)
		return 0;
	len = min_t(size_t, len, mymem.size - pos);

	seq = raw_read_seqcount(&mymem.seq);
	if (!(seq & 1)) {
		not_copied = mymem_copy_out(ubuf, kbuf, pos, len);
		if (!read_seqcount_retry(&mymem.seq, seq))
			return mymem_read_done(len, not_copied);
	}

	/* A writer ran meanwhile: copy again with writers held off. */
	if (mutex_lock_killable(&mymem.lock))
		return -EINTR;
	not_copied = mymem_copy_out(ubuf, kbuf, pos, len);
	mutex_unlock(&mymem.lock);
	return mymem_read_done(len, not_copied);
}

static ssize_t mymem_do_write(const char __user *ubuf, const void *kbuf,
			      size_t len, loff_t pos)
{
	size_t not_copied = 0;
	ssize_t ret;

	if (pos < 0)
		return -EINVAL;
	if (!len)
		return 0;
	if (pos >= mymem.size)
		return -ENOSPC;
	len = min_t(size_t, len, mymem.size - pos);

	ret = mymem_write_lock();
	if (ret)
		return ret;
	if (!kbuf)
		not_copied = mymem_copy_from_user(mymem.data + pos, ubuf, len);
	else
		memcpy(mymem.data + pos, kbuf, len);
	mymem_write_unlock();

	ret = mymem_copied(len, not_copied);
	if (ret > 0)
		mymem_count(MYMEM_STAT_WRITES, MYMEM_STAT_BYTES_WRITTEN, ret);
	return ret;
}

/* The naturally aligned 64-bit word at @offset, or NULL if there is none. */
static atomic64_t *mymem_word(u64 offset)
{
	if (!IS_ALIGNED(offset, sizeof(u64)) || offset >= mymem.size ||
	    mymem.size - offset < sizeof(u64))
		return NULL;
	return (atomic64_t *)(mymem.data + offset);
}

size_t mymem_size(void)
{
	return mymem.size;
}
EXPORT_SYMBOL_NS_GPL(mymem_size, MYMEM_NS);

ssize_t mymem_read(void *buf, size_t len, loff_t pos)
{
	return mymem_do_read(NULL, buf, len, pos);
}
EXPORT_SYMBOL_NS_GPL(mymem_read, MYMEM_NS);

ssize_t mymem_write(const void *buf, size_t len, loff_t pos)
{
	return mymem_do_write(NULL, buf, len, pos);
}
EXPORT_SYMBOL_NS_GPL(mymem_write, MYMEM_NS);

/*
 * The atomic operations also take the writer side: a read copying the
 * word byte by byte must not see it half updated.  They still use atomic
 * instructions because a shared mmap() may update the word concurrently.
 * @operand is what fetch-add adds, or what compare-exchange expects.
 */
static int mymem_atomic(u64 offset, bool exchange, u64 operand, u64 desired,
			u64 *old)
{
	atomic64_t *word = mymem_word(offset);
	int ret;

	if (!word)
		return -EINVAL;
	ret = mymem_write_lock();
	if (ret)
		return ret;
	if (exchange)
		*old = atomic64_cmpxchg(word, operand, desired);
	else
		*old = atomic64_fetch_add(operand, word);
	mymem_write_unlock();
	return 0;
}

int mymem_fetch_add(u64 offset, u64 value, u64 *old)
{
	return mymem_atomic(offset, false, value, 0, old);
}
EXPORT_SYMBOL_NS_GPL(mymem_fetch_add, MYMEM_NS);

int mymem_cmpxchg(u64 offset, u64 expected, u64 desired, u64 *old)
{
	return mymem_atomic(offset, true, expected, desired, old);
}
EXPORT_SYMBOL_NS_GPL(mymem_cmpxchg, MYMEM_NS);

/*
 * .read/.write rather than .read_iter/.write_iter: the plain hooks skip
 * building a kiocb and an iov_iter, which is most of the cost of a 1-byte
 * transfer.
 */
static ssize_t mymem_fop_read(struct file *file, char __user *buf,
			      size_t len, loff_t *ppos)
{
	ssize_t ret = mymem_do_read(buf, NULL, len, *ppos);

	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t mymem_fop_write(struct file *file, const char __user *buf,
			       size_t len, loff_t *ppos)
{
	ssize_t ret = mymem_do_write(buf, NULL, len, *ppos);

	if (ret > 0)
		*ppos += ret;
	return ret;
}

static loff_t mymem_fop_llseek(struct file *file, loff_t offset, int whence)
{
	return fixed_size_llseek(file, offset, whence, mymem.size);
}

/*
 * Both atomic ioctls end with the __u64 old value.  That field is probed
 * first, by writing back what it holds, so a caller whose result cannot
 * be returned gets -EFAULT with the word and its own memory unchanged.
 */
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
	int ret;

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
	if (get_user(old, uold) || put_user(old, uold))
		return -EFAULT;

	if (cmd == MYMEM_IOC_FETCH_ADD)
		ret = mymem_fetch_add(req.fetch_add.offset,
				      req.fetch_add.value, &old);
	else
		ret = mymem_cmpxchg(req.cmpxchg.offset, req.cmpxchg.expected,
				    req.cmpxchg.desired, &old);
	if (ret)
		return ret;
	return put_user(old, uold);
}

/*
 * remap_vmalloc_range() maps every page at mmap() time; this brings back
 * the ones MADV_DONTNEED has unmapped since.  The mapping cannot grow
 * (VM_DONTEXPAND), so its pages stay within the region.
 */
static vm_fault_t mymem_vm_fault(struct vm_fault *vmf)
{
	struct page *page;

	page = vmalloc_to_page(mymem.data + (vmf->pgoff << PAGE_SHIFT));
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
	.llseek		= mymem_fop_llseek,
	.read		= mymem_fop_read,
	.write		= mymem_fop_write,
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
		vfree(mymem.data);
		return ret;
	}
	pr_info("%zu bytes at /dev/%s\n", mymem.size, mymem_misc.name);
	return 0;
}

static void __exit mymem_exit(void)
{
	misc_deregister(&mymem_misc);
	vfree(mymem.data);
}

module_init(mymem_init);
module_exit(mymem_exit);

MODULE_DESCRIPTION("Kernel memory region as a character device and an in-kernel API");
MODULE_AUTHOR("The mymem developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MYMEM_VERSION);
