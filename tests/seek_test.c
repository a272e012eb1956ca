// SPDX-License-Identifier: GPL-2.0
/*
 * llseek of /dev/mymem and the file position: every whence to every edge
 * of the region, one past, overflowing and at the limits of loff_t, the
 * whence values the device does not take, and a position per open file.
 * Built twice, native and -m32, for the compat llseek path, where a
 * 32-bit cut of an offset would make it valid.
 */
#include "kselftest_harness.h"
#include "testlib.h"

REGION_FIXTURE(dev);

/*
 * llseek from position 100: SEEK_SET, SEEK_CUR and SEEK_END land
 * anywhere in [0, size]; anything else fails with EINVAL and leaves the
 * position alone.  Then read() must start where llseek said.  That
 * covers SEEK_DATA and SEEK_HOLE too: fixed_size_llseek() has no holes
 * to report and refuses them.
 */
#define SEEK_START	100

FIXTURE_VARIANT(seek) {
	int whence;
	struct rel off;
	struct rel want;	/* the new position, unless err */
	int err;
};

REGION_FIXTURE(seek);

FIXTURE_VARIANT_ADD(seek, set_start) { SEEK_SET, REL(0, 0), REL(0, 0) };
FIXTURE_VARIANT_ADD(seek, set_end) { SEEK_SET, REL(1, 0), REL(1, 0) };
FIXTURE_VARIANT_ADD(seek, set_past_end) { SEEK_SET, REL(1, 1), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, set_negative) { SEEK_SET, REL(0, -1), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, set_llong_max) { SEEK_SET, REL(0, LLONG_MAX), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, set_llong_min) { SEEK_SET, REL(0, LLONG_MIN), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, set_4g) { SEEK_SET, REL(0, 1ll << 32), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, cur_stay) { SEEK_CUR, REL(0, 0), REL(0, SEEK_START) };
FIXTURE_VARIANT_ADD(seek, cur_forward) { SEEK_CUR, REL(0, 50), REL(0, 150) };
FIXTURE_VARIANT_ADD(seek, cur_to_start) { SEEK_CUR, REL(0, -100), REL(0, 0) };
FIXTURE_VARIANT_ADD(seek, cur_before_start) { SEEK_CUR, REL(0, -101), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, cur_to_end) { SEEK_CUR, REL(1, -100), REL(1, 0) };
FIXTURE_VARIANT_ADD(seek, cur_past_end) { SEEK_CUR, REL(1, -99), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, cur_overflow) { SEEK_CUR, REL(0, LLONG_MAX), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, cur_llong_min) { SEEK_CUR, REL(0, LLONG_MIN), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, cur_4g) { SEEK_CUR, REL(0, 1ll << 32), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, end) { SEEK_END, REL(0, 0), REL(1, 0) };
FIXTURE_VARIANT_ADD(seek, end_back) { SEEK_END, REL(0, -1), REL(1, -1) };
FIXTURE_VARIANT_ADD(seek, end_to_start) { SEEK_END, REL(-1, 0), REL(0, 0) };
FIXTURE_VARIANT_ADD(seek, end_past_end) { SEEK_END, REL(0, 1), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, end_before_start) { SEEK_END, REL(-1, -1), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, end_overflow) { SEEK_END, REL(0, LLONG_MAX), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, end_llong_min) { SEEK_END, REL(0, LLONG_MIN), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, seek_data) { SEEK_DATA, REL(0, 0), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, seek_hole) { SEEK_HOLE, REL(0, 0), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, whence_5) { 5, REL(0, 0), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, whence_int_max) { INT_MAX, REL(0, 0), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, whence_minus_1) { -1, REL(0, 0), .err = EINVAL };

TEST_F(seek, lseek)
{
	struct region *r = &self->r;
	off_t pos = variant->err ? SEEK_START : rel_at(variant->want, r->size);
	uint8_t c;

	ASSERT_EQ(SEEK_START, lseek(r->fd, SEEK_START, SEEK_SET));
	ASSERT_EQ(variant->err ? -variant->err : pos,
		  sysret(lseek(r->fd, rel_at(variant->off, r->size),
			       variant->whence)));
	ASSERT_EQ(pos, lseek(r->fd, 0, SEEK_CUR));

	ASSERT_EQ(pos < r->size, sysret(read(r->fd, &c, 1)));
	if (pos < r->size) {
		ASSERT_EQ(r->model[pos], c);
	}
}

/* Each open file has its own position, starting at 0. */
TEST_F(dev, positions_per_open)
{
	struct region *r = &self->r;
	uint8_t buf[100];
	int fd2, fd3;

	fd2 = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, lseek(fd2, 0, SEEK_CUR));

	ASSERT_EQ(100, sysret(read(r->fd, buf, 100)));
	ASSERT_EQ(0, lseek(fd2, 0, SEEK_CUR));
	ASSERT_EQ(30, sysret(read(fd2, buf, 30)));
	ASSERT_EQ(30, buf_mismatch(buf, r->model, 30));
	ASSERT_EQ(100, lseek(r->fd, 0, SEEK_CUR));

	/* fd2 writes at its own position; r->fd reads on from its own. */
	pattern_fill(buf, 30, 20, NEW_SEED);
	ASSERT_EQ(20, sysret(write(fd2, buf, 20)));
	memcpy(r->model + 30, buf, 20);
	ASSERT_EQ(50, lseek(fd2, 0, SEEK_CUR));
	ASSERT_EQ(100, sysret(read(r->fd, buf, 100)));
	ASSERT_EQ(100, buf_mismatch(buf, r->model + 100, 100));

	fd3 = open(MYMEM_DEVICE_PATH, O_RDONLY);
	ASSERT_LE(0, fd3);
	ASSERT_EQ(0, lseek(fd3, 0, SEEK_CUR));
	close(fd3);
	close(fd2);
	expect_region(_metadata, r);
}

TEST_HARNESS_MAIN
