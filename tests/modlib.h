/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading mymem, for the test programs that do it
 * themselves (lifecycle_test, lifetime_test).  Include after
 * kselftest_harness.h, like testlib.h, which this includes.
 *
 * MYMEM_KO and MYMEM_TEST_KO name the modules' files (default
 * /mymem/mymem.ko and /mymem/mymem_test.ko).
 */
#ifndef MYMEM_MODLIB_H
#define MYMEM_MODLIB_H

#include <sys/stat.h>
#include <sys/syscall.h>

#include "testlib.h"

static inline const char *ko_path(const char *env, const char *fallback)
{
	return getenv(env) ?: fallback;
}

static inline const char *mymem_ko(void)
{
	return ko_path("MYMEM_KO", "/mymem/mymem.ko");
}

static inline const char *mymem_test_ko(void)
{
	return ko_path("MYMEM_TEST_KO", "/mymem/mymem_test.ko");
}

/* finit_module(2): 0 or -errno. */
static inline int load(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* delete_module(2), never waiting for users to go: 0 or -errno. */
static inline int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static inline int path_status(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -errno : 0;
}

/* No module and no device node. */
static inline void expect_absent(struct __test_metadata *_metadata)
{
	ASSERT_EQ(-ENOENT, path_status(MYMEM_DEVICE_PATH));
	ASSERT_EQ(-ENOENT, path_status("/sys/module/mymem"));
}

/* Something holds mymem: unload is refused and the device stays. */
static inline void expect_busy(struct __test_metadata *_metadata)
{
	ASSERT_EQ(-EWOULDBLOCK, unload("mymem"));
	ASSERT_EQ(0, path_status(MYMEM_DEVICE_PATH));
}

/* Nothing holds mymem: it unloads and takes the device with it. */
static inline void expect_unload(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, unload("mymem"));
	expect_absent(_metadata);
}

/*
 * Start with mymem and its consumer unloaded, whatever an earlier test
 * left; a module still in use fails the test here.
 */
static inline void start_unloaded(struct __test_metadata *_metadata)
{
	int ret;

	ASSERT_EQ(0, access(mymem_ko(), R_OK))
		TH_LOG("%s: %s", mymem_ko(), strerror(errno));
	ASSERT_EQ(0, access(mymem_test_ko(), R_OK))
		TH_LOG("%s: %s", mymem_test_ko(), strerror(errno));
	ret = unload("mymem_test");
	ASSERT_TRUE(ret == 0 || ret == -ENOENT);
	ret = unload("mymem");
	ASSERT_TRUE(ret == 0 || ret == -ENOENT);
	expect_absent(_metadata);
}

/* Best effort: a test that failed may still hold the modules. */
static inline void leave_unloaded(void)
{
	unload("mymem_test");
	unload("mymem");
}

/* The kernel log, for kmsg_count(), from its end: -1 if it cannot be. */
static inline int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * The kernel log's records since @fd last read (kmsg_open_at_end())
 * at level @max_level or more
 * severe that contain @text (NULL: any): how many, the last in @line.
 * EPIPE: records were lost before being read; the next read goes on.
 */
static inline int kmsg_count(int fd, int max_level, const char *text,
			     char *line, size_t len)
{
	char rec[4096], *msg;
	int n = 0;
	ssize_t got;

	line[0] = 0;
	while ((got = read(fd, rec, sizeof(rec) - 1)) > 0 ||
	       (got < 0 && errno == EPIPE)) {
		if (got < 0 || atoi(rec) > max_level)
			continue;
		rec[got] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = 0;	/* the text, not its dictionary */
		if (text && !strstr(msg, text))
			continue;
		snprintf(line, len, "%.*s", (int)strlen(msg), msg);
		n++;
	}
	return n;
}

#endif /* MYMEM_MODLIB_H */
