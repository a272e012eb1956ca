// SPDX-License-Identifier: GPL-2.0
/*
 * The user ABI of <linux/mymem.h> as one compiler target sees it: the
 * ioctl numbers and every struct's size and field offsets.  Never run:
 * tests/abi-layout.sh compiles it to assembly with -m64 and with -m32 and
 * compares the constants, which is what lets compat_ptr_ioctl() serve
 * 32-bit callers unchanged.  So the check needs no host kernel that can
 * execute 32-bit programs.  The trick is the kernel's own asm-offsets
 * (include/linux/kbuild.h): each constant becomes an immediate operand
 * of an .ascii directive that names it.
 */
#include <stddef.h>

#include <linux/mymem.h>

#define ABI(name, value) \
	asm volatile("\n.ascii \"@@abi " name " %c0\"" : : "i" (value))
/* The four fields of the number: each small enough for any immediate. */
#define CMD(c)		do {						\
		ABI(#c " dir", _IOC_DIR(c));				\
		ABI(#c " type", _IOC_TYPE(c));				\
		ABI(#c " nr", _IOC_NR(c));				\
		ABI(#c " size", _IOC_SIZE(c));				\
	} while (0)
#define SIZE(t)		ABI(#t " size", sizeof(t))
#define FIELD(t, f)	do {						\
		ABI(#t " ." #f " offset", offsetof(t, f));		\
		ABI(#t " ." #f " size", sizeof(((t *)0)->f));		\
	} while (0)

void abi_layout(void);

void abi_layout(void)
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
}
