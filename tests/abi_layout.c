// SPDX-License-Identifier: GPL-2.0
/*
 * Print the user ABI of <linux/mymem.h> as this build sees it: the ioctl
 * numbers and every struct's size and field offsets.  tests/run.sh
 * builds it native and -m32 and requires the same output, which is what
 * lets compat_ptr_ioctl() serve 32-bit callers unchanged.
 */
#include <stddef.h>
#include <stdio.h>

#include <linux/mymem.h>

#define CMD(c)		printf("%-24s %#x\n", #c, (unsigned int)(c))
#define SIZE(t)		printf("%-24s size %zu\n", #t, sizeof(t))
#define FIELD(t, f)	printf("%-24s .%s at %zu, size %zu\n", #t, #f, \
			       offsetof(t, f), sizeof(((t *)0)->f))

int main(void)
{
	CMD(MYMEM_IOC_GET_SIZE);
	CMD(MYMEM_IOC_FETCH_ADD);
	CMD(MYMEM_IOC_CMPXCHG);

	SIZE(struct mymem_fetch_add);
	FIELD(struct mymem_fetch_add, offset);
	FIELD(struct mymem_fetch_add, value);
	FIELD(struct mymem_fetch_add, old);

	SIZE(struct mymem_cmpxchg);
	FIELD(struct mymem_cmpxchg, offset);
	FIELD(struct mymem_cmpxchg, expected);
	FIELD(struct mymem_cmpxchg, desired);
	FIELD(struct mymem_cmpxchg, old);
	return 0;
}
