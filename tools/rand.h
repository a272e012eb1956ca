/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one pseudo-random generator of the tools and the stress test:
 * xorshift64*, fast enough that filling 512 KiB costs little, with the
 * state in the caller's hands (one per thread, no sharing).  Not for
 * anything that must be unpredictable.
 */
#ifndef MYMEM_RAND_H
#define MYMEM_RAND_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* @s must not be 0. */
static inline uint64_t rand_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static inline void rand_fill(void *buf, size_t n, uint64_t *s)
{
	unsigned char *p = buf;
	uint64_t r;

	for (; n >= sizeof(r); p += sizeof(r), n -= sizeof(r)) {
		r = rand_next(s);
		memcpy(p, &r, sizeof(r));
	}
	if (n) {
		r = rand_next(s);
		memcpy(p, &r, n);
	}
}

#endif /* MYMEM_RAND_H */
