// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading mymem.ko: the size parameter, a region zeroed
 * at every load, and unload refused while anything still uses the
 * module.  Each test starts with mymem unloaded and loads it itself, so
 * the suite runs this program last; it leaves mymem unloaded.
 *
 * MYMEM_KO and MYMEM_TEST_KO name the modules' files (default
 * /mymem/mymem.ko and /mymem/mymem_test.ko).
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "testlib.h"

#define MISC_MAJOR	10
#define MAX_SIZE	(256 * 1024 * 1024)	/* MYMEM_MAX_SIZE */
#define CHUNK		(1024 * 1024)	/* reads of big regions go by this */

static const char *ko_path(const char *env, const char *fallback)
{
	return getenv(env) ?: fallback;
}

static const char *mymem_ko(void)
{
	return ko_path("MYMEM_KO", "/mymem/mymem.ko");
}

static const char *mymem_test_ko(void)
{
	return ko_path("MYMEM_TEST_KO", "/mymem/mymem_test.ko");
}

/* finit_module(2): 0 or -errno. */
static int load(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* delete_module(2), never waiting for users to go: 0 or -errno. */
static int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static int path_status(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -errno : 0;
}

/* No module and no device node. */
static void expect_absent(struct __test_metadata *_metadata)
{
	ASSERT_EQ(-ENOENT, path_status(MYMEM_DEVICE_PATH));
	ASSERT_EQ(-ENOENT, path_status("/sys/module/mymem"));
}

/* Something holds mymem: unload is refused and the device stays. */
static void expect_busy(struct __test_metadata *_metadata)
{
	ASSERT_EQ(-EWOULDBLOCK, unload("mymem"));
	ASSERT_EQ(0, path_status(MYMEM_DEVICE_PATH));
}

/* Nothing holds mymem: it unloads and takes the device with it. */
static void expect_unload(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, unload("mymem"));
	expect_absent(_metadata);
}

/*
 * Start with mymem and its consumer unloaded, whatever an earlier test
 * left; a module still in use fails the test here.
 */
static void start_unloaded(struct __test_metadata *_metadata)
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
static void leave_unloaded(void)
{
	unload("mymem_test");
	unload("mymem");
}

/*
 * The device of a freshly loaded module: @size bytes, all zero, with
 * its edges where the size says.
 */
static void expect_fresh(struct __test_metadata *_metadata, off_t size)
{
	const long long page = page_size();
	const off_t mapped = (size + page - 1) / page * page;
	struct mymem_fetch_add fa = { .offset = size / 8 * 8, .value = 1 };
	uint8_t *buf = malloc(CHUNK + page), *map;
	long long pos = 0, want;
	int fd;

	ASSERT_NE(NULL, buf);
	fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(size, region_size(fd));
	ASSERT_EQ(size, lseek(fd, 0, SEEK_END));
	ASSERT_EQ(-EINVAL, sysret(lseek(fd, size + 1, SEEK_SET)));

	/* Zeroed at load.  Each read asks for more than a chunk. */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	do {
		want = size - pos < CHUNK + page ? size - pos : CHUNK + page;
		ASSERT_EQ(want, sysret(read(fd, buf, CHUNK + page)));
		ASSERT_TRUE(all_bytes(buf, 0, want)) TH_LOG("at %lld", pos);
		pos += want;
	} while (pos < size);
	ASSERT_EQ(0, sysret(read(fd, buf, 1)));

	/* The first word that does not fit, and the last that does. */
	ASSERT_EQ(-EINVAL, sysret(ioctl(fd, MYMEM_IOC_FETCH_ADD, &fa)));
	if (size >= 8) {
		fa.offset -= 8;
		ASSERT_EQ(0, sysret(ioctl(fd, MYMEM_IOC_FETCH_ADD, &fa)));
		ASSERT_EQ(0, fa.old);
	}

	ASSERT_EQ(-ENOSPC, sysret(pwrite(fd, "x", 1, size)));
	ASSERT_EQ(1, sysret(pwrite(fd, "xy", 2, size - 1)));

	map = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	munmap(map, mapped);
	ASSERT_EQ(MAP_FAILED, mmap(NULL, mapped + page, PROT_READ,
				   MAP_SHARED, fd, 0));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
	free(buf);
}

FIXTURE(module) {
};

FIXTURE_SETUP(module)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(module)
{
	leave_unloaded();
}

/*
 * The default: a misc device anyone may use, 512 KiB of zeros, and
 * zeros again after a reload even though the last user wrote it full.
 */
TEST_F(module, default_size)
{
	struct stat st;
	uint8_t *buf;
	int fd;

	ASSERT_EQ(0, load(mymem_ko(), ""));
	ASSERT_EQ(0, stat(MYMEM_DEVICE_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0666, st.st_mode & 07777);
	ASSERT_EQ(MISC_MAJOR, major(st.st_rdev));
	expect_fresh(_metadata, DEFAULT_SIZE);

	buf = malloc(DEFAULT_SIZE);
	ASSERT_NE(NULL, buf);
	memset(buf, 0xa5, DEFAULT_SIZE);
	fd = open(MYMEM_DEVICE_PATH, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(DEFAULT_SIZE, sysret(write(fd, buf, DEFAULT_SIZE)));
	close(fd);
	free(buf);
	expect_unload(_metadata);

	ASSERT_EQ(0, load(mymem_ko(), ""));
	expect_fresh(_metadata, DEFAULT_SIZE);
}

/* An open file holds the module; once closed it unloads. */
TEST_F(module, busy_while_open)
{
	uint64_t word = 1;
	int fd;

	ASSERT_EQ(0, load(mymem_ko(), ""));
	fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	expect_busy(_metadata);
	ASSERT_EQ(8, sysret(pread(fd, &word, 8, 0)));
	ASSERT_EQ(0, word);
	close(fd);
	expect_unload(_metadata);
}

/* A map holds the module after its file is closed, and still works. */
TEST_F(module, busy_while_mapped)
{
	uint8_t *map, c = 0;
	int fd;

	ASSERT_EQ(0, load(mymem_ko(), ""));
	fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	map = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	close(fd);
	expect_busy(_metadata);

	map[DEFAULT_SIZE - 1] = 0x5a;
	munmap(map, DEFAULT_SIZE);
	fd = open(MYMEM_DEVICE_PATH, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, sysret(pread(fd, &c, 1, DEFAULT_SIZE - 1)));
	ASSERT_EQ(0x5a, c);
	close(fd);
	expect_unload(_metadata);
}

/* A module using the in-kernel API holds mymem until it goes. */
TEST_F_TIMEOUT(module, busy_while_consumer_loaded, 120)
{
	ASSERT_EQ(0, load(mymem_ko(), ""));
	ASSERT_EQ(0, load(mymem_test_ko(), "run=selftest"));
	expect_busy(_metadata);
	ASSERT_EQ(0, unload("mymem_test"));
	expect_unload(_metadata);
}

/* Valid sizes other than the default, down to one byte and up to the limit. */
FIXTURE(valid_size) {
};

FIXTURE_VARIANT(valid_size) {
	const char *params;
	off_t size;
};

FIXTURE_VARIANT_ADD(valid_size, one_byte) { "size=1", 1 };
FIXTURE_VARIANT_ADD(valid_size, one_page) { "size=4096", 4096 };
FIXTURE_VARIANT_ADD(valid_size, not_page_multiple) { "size=5000", 5000 };
FIXTURE_VARIANT_ADD(valid_size, max) { "size=268435456", MAX_SIZE };

FIXTURE_SETUP(valid_size)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(valid_size)
{
	leave_unloaded();
}

TEST_F_TIMEOUT(valid_size, load, 120)
{
	ASSERT_EQ(0, load(mymem_ko(), variant->params));
	expect_fresh(_metadata, variant->size);
	expect_unload(_metadata);
}

/* Invalid sizes: EINVAL, and nothing is left behind. */
FIXTURE(invalid_size) {
};

FIXTURE_VARIANT(invalid_size) {
	const char *params;
};

FIXTURE_VARIANT_ADD(invalid_size, zero) { "size=0" };
FIXTURE_VARIANT_ADD(invalid_size, over_max) { "size=268435457" };
/* Would be 4096 if the parameter were truncated to 32 bits. */
FIXTURE_VARIANT_ADD(invalid_size, over_32_bits) { "size=4294971392" };
FIXTURE_VARIANT_ADD(invalid_size, negative) { "size=-1" };
FIXTURE_VARIANT_ADD(invalid_size, not_a_number) { "size=abc" };
FIXTURE_VARIANT_ADD(invalid_size, empty) { "size=" };

FIXTURE_SETUP(invalid_size)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(invalid_size)
{
	leave_unloaded();
}

TEST_F(invalid_size, load)
{
	ASSERT_EQ(-EINVAL, load(mymem_ko(), variant->params));
	expect_absent(_metadata);
	ASSERT_EQ(-ENOENT, unload("mymem"));
}

TEST_HARNESS_MAIN
