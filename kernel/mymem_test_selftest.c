// SPDX-License-Identifier: GPL-2.0
/*
 * mymem_test, phase selftest: the return value and the effect of every
 * call of the API, compared with a model of the region (a shadow copy).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/limits.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mymem.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mymem_test.h"

/*
 * Each case is one API call at a position relative to the region size,
 * so the same table checks any region of at least ST_MIN_SIZE bytes.
 */
#define ST_MIN_SIZE	64

enum st_op { ST_READ, ST_WRITE, ST_FETCH_ADD, ST_CMPXCHG };
enum st_anchor { ST_START, ST_MIDDLE, ST_END, ST_LAST_WORD };

struct st_case {
	const char *name;
	enum st_op op;
	enum st_anchor at;
	s64 delta;	/* position = anchor + delta, modulo 2^64 */
	u64 arg;	/* length (read, write), addend, or desired value */
	s64 want;	/* the return value */
	bool match;	/* cmpxchg: pass the current value as expected? */
	bool whole;	/* read, write: all of the region; want its size */
};

static const struct st_case st_cases[] = {
	{ "write_whole_region",		ST_WRITE, .whole = true },
	{ "read_whole_region",		ST_READ, .whole = true },
	{ "write_at_start",		ST_WRITE, ST_START, 0, 16, 16 },
	{ "read_at_start",		ST_READ, ST_START, 0, 16, 16 },
	{ "write_in_middle",		ST_WRITE, ST_MIDDLE, -3, 16, 16 },
	{ "read_overlapping_middle",	ST_READ, ST_MIDDLE, -11, 16, 16 },
	{ "read_zero_bytes",		ST_READ, ST_MIDDLE, 0, 0, 0 },
	{ "write_zero_bytes",		ST_WRITE, ST_MIDDLE, 0, 0, 0 },
	{ "write_straddling_end",	ST_WRITE, ST_END, -5, 16, 5 },
	{ "read_straddling_end",	ST_READ, ST_END, -5, 16, 5 },
	{ "read_at_end",		ST_READ, ST_END, 0, 16, 0 },
	{ "write_at_end",		ST_WRITE, ST_END, 0, 16, -ENOSPC },
	{ "read_past_end",		ST_READ, ST_END, 1, 16, 0 },
	{ "write_past_end",		ST_WRITE, ST_END, 1, 16, -ENOSPC },
	{ "read_at_max_pos",		ST_READ, ST_START, LLONG_MAX, 16, 0 },
	{ "write_at_max_pos",		ST_WRITE, ST_START, LLONG_MAX, 16, -ENOSPC },
	{ "read_negative_pos",		ST_READ, ST_START, -1, 16, -EINVAL },
	{ "write_negative_pos",		ST_WRITE, ST_START, -1, 16, -EINVAL },
	{ "cmpxchg_succeeds",		ST_CMPXCHG, ST_START, 8, 0x0123456789abcdefULL, 0, true },
	{ "cmpxchg_fails",		ST_CMPXCHG, ST_START, 8, 42, 0, false },
	{ "fetch_add_returns_old",	ST_FETCH_ADD, ST_START, 8, 5 },
	/* Adding 2^64 - 1 to a non-zero word carries out of bit 63. */
	{ "fetch_add_wraps",		ST_FETCH_ADD, ST_START, 8, U64_MAX },
	{ "read_word_back",		ST_READ, ST_START, 8, 8, 8 },
	{ "fetch_add_last_word",	ST_FETCH_ADD, ST_LAST_WORD, 0, 1 },
	{ "cmpxchg_last_word",		ST_CMPXCHG, ST_LAST_WORD, 0, 7, 0, true },
	{ "fetch_add_unaligned",	ST_FETCH_ADD, ST_START, 12, 1, -EINVAL },
	{ "cmpxchg_unaligned",		ST_CMPXCHG, ST_START, 12, 1, -EINVAL, true },
	{ "fetch_add_size_minus_7",	ST_FETCH_ADD, ST_END, -7, 1, -EINVAL },
	{ "cmpxchg_size_minus_7",	ST_CMPXCHG, ST_END, -7, 1, -EINVAL, true },
	{ "fetch_add_at_size",		ST_FETCH_ADD, ST_END, 0, 1, -EINVAL },
	{ "cmpxchg_at_size",		ST_CMPXCHG, ST_END, 0, 1, -EINVAL, true },
	/* Aligned, and offset + 8 wraps to 0: a naive bounds check passes. */
	{ "fetch_add_huge_offset",	ST_FETCH_ADD, ST_START, -8, 1, -EINVAL },
	{ "cmpxchg_huge_offset",	ST_CMPXCHG, ST_START, -8, 1, -EINVAL, true },
	/* Failed and short calls must not have touched other bytes. */
	{ "region_matches_model",	ST_READ, .whole = true },
};

struct st_state {
	size_t size;
	u8 *model;	/* what the region must hold */
	u8 *buf;	/* the caller's buffer */
};

static __printf(2, 3) bool st_fail(const struct st_case *c,
				   const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info(KTAP_SUB "# %s: %pV\n", c->name, &vaf);
	va_end(args);
	return false;
}

static u64 st_pos(const struct st_case *c, size_t size)
{
	u64 base;

	switch (c->at) {
	case ST_MIDDLE:
		base = size / 2;
		break;
	case ST_END:
		base = size;
		break;
	case ST_LAST_WORD:
		base = round_down(size, sizeof(u64)) - sizeof(u64);
		break;
	default:
		base = 0;
		break;
	}
	return base + c->delta;
}

static bool st_read_write(const struct st_case *c, struct st_state *st,
			  u64 pos)
{
	size_t len = c->whole ? st->size : c->arg;
	s64 want = c->whole ? st->size : c->want;
	size_t count = max_t(s64, want, 0);	/* bytes due */
	ssize_t ret;
	size_t i;

	if (c->op == ST_WRITE) {
		get_random_bytes(st->buf, len);
		ret = mymem_write(st->buf, len, pos);
	} else {
		mt_poison(st->buf, st->model + pos, count);
		ret = mymem_read(st->buf, len, pos);
	}
	if (ret != want)
		return st_fail(c, "returned %zd, expected %lld", ret, want);
	if (c->op == ST_WRITE) {
		memcpy(st->model + pos, st->buf, count);
		return true;
	}
	i = mt_first_diff(st->buf, st->model + pos, count);
	if (i < count)
		return st_fail(c, "byte %llu is %#x, expected %#x",
			       pos + i, st->buf[i], st->model[pos + i]);
	return true;
}

static bool st_atomic(const struct st_case *c, struct st_state *st, u64 pos)
{
	u64 cur = 0, old = 0, new;
	int ret;

	/* Only a call expected to succeed has a word to look at. */
	if (!c->want)
		memcpy(&cur, st->model + pos, sizeof(cur));
	if (c->op == ST_FETCH_ADD) {
		ret = mymem_fetch_add(pos, c->arg, &old);
		new = cur + c->arg;
	} else {
		ret = mymem_cmpxchg(pos, c->match ? cur : ~cur, c->arg, &old);
		new = c->match ? c->arg : cur;
	}
	if (ret != c->want)
		return st_fail(c, "returned %d, expected %lld", ret, c->want);
	if (ret)
		return true;
	memcpy(st->model + pos, &new, sizeof(new));
	if (old != cur)
		return st_fail(c, "old value %#llx, expected %#llx", old, cur);
	return true;
}

static int selftest(size_t size)
{
	struct st_state st = { .size = size };
	unsigned int i, failed = 0;
	bool ok;

	st.model = kvmalloc(size, GFP_KERNEL);
	st.buf = kvmalloc(size, GFP_KERNEL);
	if (!st.model || !st.buf) {
		kvfree(st.model);
		kvfree(st.buf);
		return -ENOMEM;
	}

	ktap_subtest(mt_selftest.name, ARRAY_SIZE(st_cases));
	pr_info(KTAP_SUB "# region size: %zu bytes\n", size);
	for (i = 0; i < ARRAY_SIZE(st_cases); i++) {
		const struct st_case *c = &st_cases[i];
		u64 pos = st_pos(c, size);

		if (c->op == ST_READ || c->op == ST_WRITE)
			ok = st_read_write(c, &st, pos);
		else
			ok = st_atomic(c, &st, pos);
		ktap_result(ok, i + 1, "%s", c->name);
		failed += !ok;
	}

	kvfree(st.model);
	kvfree(st.buf);
	return failed;
}

/* No parameters, and no results beyond the KTAP verdicts. */
const struct mt_phase mt_selftest = {
	.name		= "selftest",
	.run		= selftest,
	.min_size	= ST_MIN_SIZE,
};
