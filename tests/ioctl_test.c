// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/mymem: GET_SIZE, and FETCH_ADD and CMPXCHG on words
 * at the edges of the region, unaligned, out of range and at offsets a
 * 32-bit cut would make valid; every command number the device does not
 * have; argument pointers that are NULL, unmapped, read-only, half in a
 * hole, the kernel's or the device's own map.  The ordinary rows and the
 * hostile ones stand side by side.  Built twice, native and -m32, for
 * the compat ioctl path.  Every call that fails leaves the region as it
 * was, and one that succeeds did exactly its operation.
 */
#include "kselftest_harness.h"
#include "testlib.h"

REGION_FIXTURE(dev);

/* --- GET_SIZE ---------------------------------------------------------- */

/* GET_SIZE stores exactly one __u64: the size lseek(SEEK_END) reports. */
TEST_F(dev, get_size)
{
	uint8_t buf[sizeof(uint64_t) + SLACK];
	uint64_t size;

	memset(buf, GUARD, sizeof(buf));
	ASSERT_EQ(0, sysret(ioctl(self->r.fd, MYMEM_IOC_GET_SIZE, buf)));
	memcpy(&size, buf, sizeof(size));
	ASSERT_EQ(lseek(self->r.fd, 0, SEEK_END), (off_t)size);
	ASSERT_EQ(SLACK, byte_mismatch(buf + sizeof(size), GUARD, SLACK));
}

/* --- command numbers --------------------------------------------------- */

/*
 * Commands the device does not have, including its own numbers with
 * another direction or size: ENOTTY, and nothing changes.  The argument
 * would be a valid FETCH_ADD of 1 at offset 0, were it taken as one.
 */
TEST_F(dev, unknown_ioctl)
{
	const unsigned long cmds[] = {
		_IO(MYMEM_IOC_MAGIC, 3),
		_IOWR(MYMEM_IOC_MAGIC, 3, struct mymem_cmpxchg),
		_IOW(MYMEM_IOC_MAGIC, 0, __u64),
		_IOR(MYMEM_IOC_MAGIC, 1, struct mymem_fetch_add),
		_IOWR(MYMEM_IOC_MAGIC, 1, struct mymem_cmpxchg),
		_IOWR(MYMEM_IOC_MAGIC, 2, struct mymem_fetch_add),
		_IOR(MYMEM_IOC_MAGIC + 1, 0, __u64),
		0x5401,	/* TCGETS: not a terminal */
	};
	uint64_t arg[8] = { 0, 1, 1 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		ASSERT_EQ(-ENOTTY, sysret(ioctl(self->r.fd, cmds[i], arg)))
			TH_LOG("cmd %#lx", cmds[i]);
	}
	expect_region(_metadata, &self->r);
}

/*
 * Every number with our magic but the three we have, whatever its
 * direction and size, and our three numbers under every other magic:
 * ENOTTY and nothing changes, though the argument is a valid FETCH_ADD.
 */
REGION_FIXTURE(ioctl_cmd);

static bool is_our_cmd(unsigned int cmd)
{
	return cmd == MYMEM_IOC_GET_SIZE || cmd == MYMEM_IOC_FETCH_ADD ||
	       cmd == MYMEM_IOC_CMPXCHG;
}

static void expect_enotty(struct __test_metadata *_metadata, int fd,
			  unsigned int cmd, void *arg)
{
	ASSERT_EQ(-ENOTTY, sysret(ioctl(fd, cmd, arg))) TH_LOG("cmd %#x", cmd);
}

TEST_F(ioctl_cmd, sweep)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	static const unsigned int sizes[] = {
		0, 1, 8, sizeof(struct mymem_fetch_add),
		sizeof(struct mymem_cmpxchg), _IOC_SIZEMASK,
	};
	static const unsigned int ours[] = {
		MYMEM_IOC_GET_SIZE, MYMEM_IOC_FETCH_ADD, MYMEM_IOC_CMPXCHG,
	};
	struct region *r = &self->r;
	unsigned int d, nr, s, magic, i, cmd, n = 0;
	uint64_t arg[4];

	atomic_arg(MYMEM_IOC_FETCH_ADD, 0, arg);
	for (d = 0; d < ARRAY_SIZE(dirs); d++)
		for (nr = 0; nr <= _IOC_NRMASK; nr++)
			for (s = 0; s < ARRAY_SIZE(sizes); s++) {
				cmd = _IOC(dirs[d], MYMEM_IOC_MAGIC, nr,
					   sizes[s]);
				if (is_our_cmd(cmd))
					continue;
				expect_enotty(_metadata, r->fd, cmd, arg);
				n++;
			}
	for (magic = 0; magic <= _IOC_TYPEMASK; magic++)
		for (i = 0; i < ARRAY_SIZE(ours) && magic != MYMEM_IOC_MAGIC;
		     i++) {
			cmd = _IOC(_IOC_DIR(ours[i]), magic, _IOC_NR(ours[i]),
				   _IOC_SIZE(ours[i]));
			expect_enotty(_metadata, r->fd, cmd, arg);
			n++;
		}
	TH_LOG("%u numbers", n);
	expect_model(_metadata, r);
}

/* --- the atomics ------------------------------------------------------- */

/*
 * The atomic ioctls, each operation a variant: FETCH_ADD, and CMPXCHG
 * with the right and with a wrong expected value.
 */
FIXTURE_VARIANT(atomic) {
	unsigned long cmd;
	bool match;	/* CMPXCHG: expect the value the word holds */
};

REGION_FIXTURE(atomic);

FIXTURE_VARIANT_ADD(atomic, fetch_add) { MYMEM_IOC_FETCH_ADD, false };
FIXTURE_VARIANT_ADD(atomic, cmpxchg_match) { MYMEM_IOC_CMPXCHG, true };
FIXTURE_VARIANT_ADD(atomic, cmpxchg_mismatch) { MYMEM_IOC_CMPXCHG, false };

/*
 * The variant's operation, with operand @arg, on the word at @offset
 * that holds @cur.  Returns 0 or -errno; *old is what the call returned
 * and *next what the word must hold now.
 */
static int atomic_op(int fd, const FIXTURE_VARIANT(atomic) *variant,
		     uint64_t offset, uint64_t cur, uint64_t arg,
		     uint64_t *old, uint64_t *next)
{
	struct mymem_fetch_add fa = { .offset = offset, .value = arg };
	struct mymem_cmpxchg cx = {
		.offset = offset,
		.expected = variant->match ? cur : ~cur,
		.desired = arg,
	};
	int ret;

	if (variant->cmd == MYMEM_IOC_FETCH_ADD) {
		ret = ioctl(fd, variant->cmd, &fa);
		*old = fa.old;
		*next = cur + arg;
	} else {
		ret = ioctl(fd, variant->cmd, &cx);
		*old = cx.old;
		*next = variant->match ? arg : cur;
	}
	return ret ? -errno : 0;
}

/* Words at the edges, with sums that carry across halves or wrap. */
TEST_F(atomic, words)
{
	static const struct {
		struct rel off;
		uint64_t cur, arg;
	} cases[] = {
		{ REL(0, 0), 0, 1 },
		{ REL(0, 8), 0x0123456789abcdefull, 0x1111111111111111ull },
		{ REL(0, 4088), 0xffffffffull, 1 },
		{ REL(0, 4096), UINT64_MAX - 1, 3 },
		{ REL(1, -8), 1ull << 63, 1ull << 63 },
	};
	struct region *r = &self->r;
	uint64_t old, next;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		long long off = rel_at(cases[i].off, r->size);

		ASSERT_EQ(8, sysret(pwrite(r->fd, &cases[i].cur, 8, off)));
		memcpy(r->model + off, &cases[i].cur, 8);
		ASSERT_EQ(0, atomic_op(r->fd, variant, off, cases[i].cur,
				       cases[i].arg, &old, &next))
			TH_LOG("offset %lld", off);
		ASSERT_EQ(cases[i].cur, old);
		memcpy(r->model + off, &next, 8);
		expect_region(_metadata, r);
	}
}

/* Unaligned offsets and words that do not fit: EINVAL, no change. */
TEST_F(atomic, bad_offset)
{
	static const struct rel offs[] = {
		REL(0, 1), REL(0, 4), REL(0, 7), REL(1, -4), REL(1, 0),
		REL(1, 8), REL(0, LLONG_MIN), REL(0, -8),
	};
	struct region *r = &self->r;
	uint64_t old, next;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		uint64_t off = rel_at(offs[i], r->size);

		ASSERT_EQ(-EINVAL, atomic_op(r->fd, variant, off, 0, 1,
					     &old, &next))
			TH_LOG("offset %#llx", (unsigned long long)off);
	}
	expect_region(_metadata, r);
}

/*
 * Atomic offsets beyond atomic.bad_offset's: the last bytes, the limits
 * of __u64 and 2^63, and offsets that a 32-bit cut would make valid
 * words.
 */
FIXTURE_VARIANT(atomic_offset) {
	struct rel off;
};

REGION_FIXTURE(atomic_offset);

FIXTURE_VARIANT_ADD(atomic_offset, size_minus_7) { REL(1, -7) };
FIXTURE_VARIANT_ADD(atomic_offset, size_minus_1) { REL(1, -1) };
FIXTURE_VARIANT_ADD(atomic_offset, u64_max) { REL(0, -1) };
FIXTURE_VARIANT_ADD(atomic_offset, u64_max_word) { REL(0, -8) };
FIXTURE_VARIANT_ADD(atomic_offset, minus_size) { REL(-1, 0) };
FIXTURE_VARIANT_ADD(atomic_offset, llong_max) { REL(0, LLONG_MAX) };
FIXTURE_VARIANT_ADD(atomic_offset, _2_pow_63_plus_8) { REL(0, LLONG_MIN + 8) };
FIXTURE_VARIANT_ADD(atomic_offset, _4g) { REL(0, 1ll << 32) };
FIXTURE_VARIANT_ADD(atomic_offset, _4g_plus_last) { REL(1, (1ll << 32) - 8) };

static void atomic_offset_check(struct __test_metadata *_metadata,
				FIXTURE_DATA(atomic_offset) *self,
				const FIXTURE_VARIANT(atomic_offset) *variant,
				unsigned long cmd)
{
	struct region *r = &self->r;
	uint64_t arg[4];

	atomic_arg(cmd, 0, arg);
	arg[0] = rel_at(variant->off, r->size);
	ASSERT_EQ(-EINVAL, sysret(ioctl(r->fd, cmd, arg)));
	expect_model(_metadata, r);
}

TEST_F(atomic_offset, fetch_add)
{
	atomic_offset_check(_metadata, self, variant, MYMEM_IOC_FETCH_ADD);
}

TEST_F(atomic_offset, cmpxchg)
{
	atomic_offset_check(_metadata, self, variant, MYMEM_IOC_CMPXCHG);
}

/* --- argument pointers ------------------------------------------------- */

/*
 * Every ioctl with an argument it cannot read, or cannot write back:
 * EFAULT, and the region is unchanged.  The argument itself is a valid
 * operation on the word at offset 0.  "result unwritable" straddles a
 * writable page and a read-only one, where only the result field lies:
 * the input reads fine, and only the result's own address says that it
 * cannot be written back.
 */
FIXTURE_VARIANT(ioctl_arg) {
	unsigned long cmd;
};

REGION_FIXTURE(ioctl_arg);

FIXTURE_VARIANT_ADD(ioctl_arg, get_size) { MYMEM_IOC_GET_SIZE };
FIXTURE_VARIANT_ADD(ioctl_arg, fetch_add) { MYMEM_IOC_FETCH_ADD };
FIXTURE_VARIANT_ADD(ioctl_arg, cmpxchg) { MYMEM_IOC_CMPXCHG };

TEST_F(ioctl_arg, bad_pointer)
{
	struct region *r = &self->r;
	size_t len = _IOC_SIZE(variant->cmd), page = page_size();
	uint8_t *page0 = r->guard - page;
	uint8_t *rw_ro = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *straddling = rw_ro + page - (len - 8);
	uint64_t word0, arg[4];
	struct {
		const char *name;
		void *ptr;
	} cases[] = {
		{ "NULL", NULL },
		{ "unmapped", r->guard },
		{ "result unwritable", straddling },
		{ "read-only", page0 },
	};
	size_t i;

	ASSERT_NE(MAP_FAILED, rw_ro);

	/* FETCH_ADD of 1, or CMPXCHG of the right value, at offset 0. */
	memcpy(&word0, r->model, 8);
	atomic_arg(variant->cmd, word0, arg);
	memcpy(straddling, arg, len);
	ASSERT_EQ(0, mprotect(rw_ro + page, page, PROT_READ));
	memcpy(page0, arg, len);
	ASSERT_EQ(0, mprotect(page0, page, PROT_READ));

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(-EFAULT, sysret(ioctl(r->fd, variant->cmd,
						cases[i].ptr)))
			TH_LOG("argument %s", cases[i].name);
	}
	munmap(rw_ro, 2 * page);
	expect_region(_metadata, r);
}

/*
 * Argument pointers beyond ioctl_arg's, for each ioctl: its result is in
 * want[] in the order GET_SIZE, FETCH_ADD, CMPXCHG (0 or -errno).  A call
 * that succeeds must have done exactly its operation.
 */
enum arg_kind {
	ARG_LOW,	/* page 1, never mapped */
	ARG_HIGH,	/* the last page: the kernel's, or (-m32) unmapped */
	ARG_HEAD,	/* 8 bytes readable and writable, then a hole */
	ARG_VIEW,	/* the device's own read-only map */
	ARG_ODD,	/* valid, at an odd address */
};

FIXTURE_VARIANT(ioctl_ptr) {
	enum arg_kind arg;
	int want[3];
};

REGION_FIXTURE(ioctl_ptr);

FIXTURE_VARIANT_ADD(ioctl_ptr, low) { ARG_LOW, { -EFAULT, -EFAULT, -EFAULT } };
FIXTURE_VARIANT_ADD(ioctl_ptr, high) { ARG_HIGH, { -EFAULT, -EFAULT, -EFAULT } };
/* GET_SIZE writes 8 bytes and fits; the atomics read 24 or 32. */
FIXTURE_VARIANT_ADD(ioctl_ptr, head_only) { ARG_HEAD, { 0, -EFAULT, -EFAULT } };
FIXTURE_VARIANT_ADD(ioctl_ptr, own_read_only_map) {
	ARG_VIEW, { -EFAULT, -EFAULT, -EFAULT }
};
FIXTURE_VARIANT_ADD(ioctl_ptr, odd_address) { ARG_ODD, { 0, 0, 0 } };

static void ioctl_ptr_check(struct __test_metadata *_metadata,
			    FIXTURE_DATA(ioctl_ptr) *self,
			    const FIXTURE_VARIANT(ioctl_ptr) *variant,
			    int which, unsigned long cmd)
{
	struct region *r = &self->r;
	size_t len = _IOC_SIZE(cmd);
	uint64_t word, next, res, a[4];
	uint8_t *arg = NULL;

	memcpy(&word, r->model, 8);
	next = atomic_arg(cmd, word, a);
	switch (variant->arg) {
	case ARG_LOW:
		arg = (uint8_t *)page_size();
		break;
	case ARG_HIGH:
		arg = (uint8_t *)-page_size();
		break;
	case ARG_HEAD:
		arg = r->guard - 8;
		memcpy(arg, a, 8);
		break;
	case ARG_VIEW:
		arg = (uint8_t *)r->view;
		break;
	case ARG_ODD:
		arg = r->guard - len - 1;
		memcpy(arg, a, len);
		break;
	}

	ASSERT_EQ(variant->want[which], sysret(ioctl(r->fd, cmd, arg)));
	if (!variant->want[which]) {
		/* The result is the last __u64 of the argument. */
		memcpy(&res, arg + len - 8, 8);
		ASSERT_EQ(cmd == MYMEM_IOC_GET_SIZE ? (uint64_t)r->size : word,
			  res);
		if (cmd != MYMEM_IOC_GET_SIZE)
			memcpy(r->model, &next, 8);
	}
	expect_model(_metadata, r);
}

TEST_F(ioctl_ptr, get_size)
{
	ioctl_ptr_check(_metadata, self, variant, 0, MYMEM_IOC_GET_SIZE);
}

TEST_F(ioctl_ptr, fetch_add)
{
	ioctl_ptr_check(_metadata, self, variant, 1, MYMEM_IOC_FETCH_ADD);
}

TEST_F(ioctl_ptr, cmpxchg)
{
	ioctl_ptr_check(_metadata, self, variant, 2, MYMEM_IOC_CMPXCHG);
}

TEST_HARNESS_MAIN
