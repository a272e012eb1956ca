/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place for differences between the kernels mymem builds for
 * (Debian's 6.1 and 6.12, and newer).  Kbuild sets the MYMEM_HAVE_* and
 * MYMEM_NS_IS_STRING flags by looking at the headers themselves.
 */
#ifndef _MYMEM_COMPAT_H
#define _MYMEM_COMPAT_H

#include <linux/mm.h>
#include <linux/uaccess.h>

/*
 * Symbol namespace of the API: a bare token up to 6.12, a string literal
 * from 6.13.  Use as EXPORT_SYMBOL_NS_GPL(sym, MYMEM_NS) and
 * MODULE_IMPORT_NS(MYMEM_NS).
 */
#ifdef MYMEM_NS_IS_STRING
#define MYMEM_NS "MYMEM"
#else
#define MYMEM_NS MYMEM
#endif

/* 6.3 made vma->vm_flags writable only through these accessors. */
#ifndef MYMEM_HAVE_VM_FLAGS_CLEAR
static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * 6.12 masks user addresses for copy_from_user() where the architecture
 * can, instead of access_ok() and a speculation barrier.
 */
#ifndef can_do_masked_user_access
#define can_do_masked_user_access() 0
#define mask_user_address(src) (src)
#endif

#endif /* _MYMEM_COMPAT_H */
