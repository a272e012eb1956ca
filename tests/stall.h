/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calls stopped inside the device on demand, for the tests that need a
 * call to stay in flight (datapath_test, lifetime_test): userfaultfd
 * pages that fault until the test fills them, and the state of the
 * thread or process that made the call (lifecycle_test's too).  Include
 * after testlib.h.
 */
#ifndef MYMEM_STALL_H
#define MYMEM_STALL_H

#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdio.h>
#include <sys/syscall.h>

/* A userfaultfd (root in the guest: kernel faults too), or -errno. */
static inline int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0)
		return -errno;
	if (ioctl(uffd, UFFDIO_API, &api)) {
		close(uffd);
		return -errno;
	}
	return uffd;
}

/* Pages [@addr, @addr + @len) fault to @uffd until filled: 0 or -errno. */
static inline int uffd_register(int uffd, void *addr, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? -errno : 0;
}

/* A userfaultfd for the missing pages of [@addr, +@len), or -errno. */
static inline int uffd_missing(void *addr, size_t len)
{
	int uffd = uffd_open(), err;

	if (uffd >= 0) {
		err = uffd_register(uffd, addr, len);
		if (err) {
			close(uffd);
			return err;
		}
	}
	return uffd;
}

/*
 * Writes to the present pages [@addr, @addr + @len) fault to a new
 * userfaultfd until uffd_wp_release(); reads do not.  The userfaultfd,
 * or -errno (arm64 6.1 has no write-protect mode: -EINVAL).
 */
static inline int uffd_wp(void *addr, size_t len)
{
	struct uffdio_range range = { .start = (uintptr_t)addr, .len = len };
	struct uffdio_register reg = {
		.range = range, .mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = range, .mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	int uffd = uffd_open(), err = 0;

	if (uffd < 0)
		return uffd;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		err = -errno;
	if (err) {
		close(uffd);
		return err;
	}
	return uffd;
}

/* Lets the writes to [@addr, +@len) of uffd_wp()'s @uffd go: 0 or -errno. */
static inline int uffd_wp_release(int uffd, void *addr, size_t len)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)addr, .len = len },
	};

	return ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

/* Fills the missing page at @dst with @src's page, waking its faults. */
static inline int uffd_fill(int uffd, void *dst, const void *src)
{
	struct uffdio_copy copy = {
		.dst = (uintptr_t)dst,
		.src = (uintptr_t)src,
		.len = page_size(),
	};

	return ioctl(uffd, UFFDIO_COPY, &copy) ? -errno : 0;
}

/* The next fault on @uffd within @timeout_ms: its page address, or 0. */
static inline unsigned long next_fault(int uffd, int timeout_ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, timeout_ms) != 1 ||
	    read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return 0;
	return msg.arg.pagefault.address & ~(page_size() - 1);
}

/* The state letter (R, S, D, ...) in the stat file @path of /proc, or 0. */
static inline char stat_state(const char *path)
{
	char line[256], *p;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* After the command, which is in parentheses and may hold any. */
	p = p ? strrchr(line, ')') : NULL;
	return p && p[1] ? p[2] : 0;
}

/* The state letter of thread @tid of this process, or 0. */
static inline char thread_state(int tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	return stat_state(path);
}

/* The state letter of process @pid, or 0. */
static inline char process_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return stat_state(path);
}

/*
 * The kernel stack of thread @tid of this process, one function a line,
 * into @buf: its length, or -errno.
 */
static inline long thread_kernel_stack(int tid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

#endif /* MYMEM_STALL_H */
