/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mymem_results.h - the result formats of mymem, defined once.
 *
 * mymem-bench, mymem-race and mymem_test write these CSV formats (one
 * header line, then one row per measurement); report/report.py reads
 * this file to parse them, and report/test-formats.sh checks the output
 * of every producer against it.  Neither user ABI nor kernel API: plain
 * macros, for C in and out of the kernel and for the report's parser.
 * C reads the formats through mymem_format.h; the producers give each
 * field by its column's name.
 *
 * A format, MYMEM_<FORMAT>_FORMAT, is its columns in order, comma-
 * separated, each NAME:TYPE.  TYPE is int (decimal, may be negative),
 * real (a finite decimal number) or text; a text column NAME takes only
 * the values of the MYMEM_<NAME>_* string macros below.  The header line
 * is the names without their types; then each row has one field per
 * column.
 *
 * To add a column: append NAME:TYPE to the format (new columns go last,
 * so that old readers' positions hold), say here what it means, and give
 * every producer of the format its field; to add a value of a text
 * column: a MYMEM_<NAME>_<VALUE> macro.  report/test-formats.sh then
 * checks the producers against the new definition by itself.
 */
#ifndef MYMEM_RESULTS_H
#define MYMEM_RESULTS_H

/*
 * bench: the time of one operation (a transfer of size bytes at offset
 * 0), from trials operations timed in intervals of batch operations
 * each; the clock's own cost is subtracted from every interval, and a
 * sample is an interval's time / batch.
 *
 *   side       who made the calls (MYMEM_SIDE_*)
 *   target     what was read or written (MYMEM_TARGET_*)
 *   op         MYMEM_OP_*
 *   size       bytes per operation
 *   threads    threads doing the operations at once
 *   trials     operations timed, all threads together
 *   mean_ns    mean of the samples: ns per operation
 *   median_ns  median of the samples
 *   p99_ns     99th percentile (nearest rank) of the samples
 *   mb_s       10^6 bytes per second: size / mean_ns; for target scale,
 *              all threads' bytes over the wall time of the run
 *   batch      operations per timed interval (1: every one timed alone)
 *   per_call   operations per system call: 1, except for the amortised
 *              targets (readv, uring, sqpoll and their peers' readv_zero,
 *              readv_null, uring_zero, uring_null), whose calls each carry
 *              per_call transfers of size bytes at offsets 0, size,
 *              2 * size, ...; batch is then a multiple of it
 */
#define MYMEM_BENCH_FORMAT						\
	"side:text,target:text,op:text,size:int,threads:int,trials:int,"	\
	"mean_ns:real,median_ns:real,p99_ns:real,mb_s:real,batch:int,"	\
	"per_call:int"

/*
 * race: one run of workers threads each incrementing the 64-bit word at
 * offset 0 iters times, from MYMEM_RACE_START.
 *
 *   side        MYMEM_SIDE_*
 *   mode        how an increment is done (MYMEM_MODE_*)
 *   workers     threads (kthreads on the kernel side)
 *   iters       increments per thread
 *   run         1, 2, ...: the run of this mode and workers
 *   final       the word after the run
 *   expected    MYMEM_RACE_START + workers * iters
 *   lost        expected - final (negative: updates invented)
 *   error_pct   lost per hundred increments made
 *   elapsed_ns  first thread's start to last thread's end
 *   incr_per_s  workers * iters / elapsed
 */
#define MYMEM_RACE_FORMAT						\
	"side:text,mode:text,workers:int,iters:int,run:int,final:int,"	\
	"expected:int,lost:int,error_pct:real,elapsed_ns:int,incr_per_s:real"

/*
 * profile: where the instructions of one warm call of a path go, as
 * `make profile` counts them from outside the guest (docs/profile.md):
 * one row per function and class of instruction in that call.
 *
 *   path          what was called (MYMEM_PATH_*)
 *   function      the symbol that holds the instructions: a function of
 *                 the guest program or the kernel (kallsyms, module
 *                 symbols included), or ?ADDR where no symbol holds ADDR
 *   stage         what the function is part of (MYMEM_STAGE_*)
 *   class         MYMEM_CLASS_*: plain, or one that hardware charges far
 *                 more than one count
 *   instructions  instructions executed, a rep-prefixed string
 *                 instruction counted once however many bytes it moves
 *   bytes         bytes moved by the rep string instructions counted
 *   per_call      transfers the call carries (readv, writev, io_uring: 64;
 *                 else 1)
 */
#define MYMEM_PROFILE_FORMAT						\
	"path:text,function:text,stage:text,class:text,instructions:int,"	\
	"bytes:int,per_call:int"

#define MYMEM_RACE_START	0xDEADBEEFULL

#define MYMEM_SIDE_USER		"user"		/* system calls */
#define MYMEM_SIDE_KERNEL	"kernel"	/* the in-kernel API */

#define MYMEM_OP_READ		"read"
#define MYMEM_OP_WRITE		"write"

#define MYMEM_TARGET_MYMEM	"mymem"		/* /dev/mymem, read/write */
#define MYMEM_TARGET_MMAP	"mmap"		/* memcpy to/from its mapping */
#define MYMEM_TARGET_ZERO	"zero"		/* /dev/zero */
#define MYMEM_TARGET_NULL	"null"		/* /dev/null */
#define MYMEM_TARGET_TMPFS	"tmpfs"		/* a file in tmpfs */
#define MYMEM_TARGET_BRD	"brd"		/* the RAM disk, buffered */
#define MYMEM_TARGET_MEMCPY	"memcpy"	/* between two user buffers */
#define MYMEM_TARGET_SCALE	"scale"		/* /dev/mymem, pread by threads */
#define MYMEM_TARGET_API	"api"		/* mymem_read(), mymem_write() */
/* The amortised paths of /dev/mymem, per_call transfers a call: */
#define MYMEM_TARGET_READV	"readv"		/* preadv(), pwritev() */
#define MYMEM_TARGET_URING	"uring"		/* io_uring, one enter a call */
#define MYMEM_TARGET_SQPOLL	"sqpoll"	/* io_uring, IORING_SETUP_SQPOLL */
/* ... and the same paths on the peers, to tell the path's cost from mymem's: */
#define MYMEM_TARGET_READV_ZERO	"readv_zero"	/* preadv() of /dev/zero */
#define MYMEM_TARGET_READV_NULL	"readv_null"	/* pwritev() of /dev/null */
#define MYMEM_TARGET_URING_ZERO	"uring_zero"	/* io_uring reads of /dev/zero */
#define MYMEM_TARGET_URING_NULL	"uring_null"	/* io_uring writes of /dev/null */

/* Increments: read, add one, write back ... */
#define MYMEM_MODE_UNLOCKED	"unlocked"	/* ... with no lock */
#define MYMEM_MODE_MUTEX	"mutex"		/* ... under a mutex */
#define MYMEM_MODE_PREAD	"pread"		/* ... by pread/pwrite, locked */
/* ... or in one call or instruction: */
#define MYMEM_MODE_FETCH_ADD	"fetch_add"	/* the device's atomic add */
#define MYMEM_MODE_MMAP		"mmap"		/* atomic add on the mapping */

/* The profile's paths (profile/paths.c), each beside its peer: */
#define MYMEM_PATH_EMPTY	"empty"		/* the instrument alone */
#define MYMEM_PATH_LOOP		"loop"		/* its self-test: 2002 known */
#define MYMEM_PATH_READ_MYMEM	"read_mymem"	/* read() of 1 B */
#define MYMEM_PATH_READ_ZERO	"read_zero"
#define MYMEM_PATH_WRITE_MYMEM	"write_mymem"	/* write() of 1 B */
#define MYMEM_PATH_WRITE_NULL	"write_null"
#define MYMEM_PATH_IOCTL	"ioctl_fetch_add" /* MYMEM_IOC_FETCH_ADD */
#define MYMEM_PATH_READV_MYMEM	"readv_mymem"	/* preadv() of 64 x 1 B */
#define MYMEM_PATH_READV_ZERO	"readv_zero"
#define MYMEM_PATH_WRITEV_MYMEM	"writev_mymem"	/* pwritev() of 64 x 1 B */
#define MYMEM_PATH_WRITEV_NULL	"writev_null"
#define MYMEM_PATH_URING_MYMEM	"uring_mymem"	/* io_uring: 64 x 1 B, one enter */
#define MYMEM_PATH_URING_ZERO	"uring_zero"
#define MYMEM_PATH_BIG_MYMEM	"read512k_mymem" /* read() of 512 KiB */
#define MYMEM_PATH_BIG_TMPFS	"read512k_tmpfs"
#define MYMEM_PATH_BIG_BRD	"read512k_brd"
#define MYMEM_PATH_MMAP_LOAD	"mmap_load"	/* 1-byte load from the mapping */
#define MYMEM_PATH_MMAP_STORE	"mmap_store"
#define MYMEM_PATH_API_READ	"api_read"	/* mymem_read() of 1 B, in-kernel */
#define MYMEM_PATH_API_WRITE	"api_write"

/* The stages of a call, in the order a system call passes them: */
#define MYMEM_STAGE_USER	"user"		/* the guest program, libc */
#define MYMEM_STAGE_ENTRY	"entry"		/* syscall entry, exit, dispatch, mitigations */
#define MYMEM_STAGE_FD		"fd"		/* the file from the fd */
#define MYMEM_STAGE_VERIFY	"verify"	/* rw_verify_area() */
#define MYMEM_STAGE_SECURITY	"security"	/* LSM hooks: AppArmor, BPF */
#define MYMEM_STAGE_FSNOTIFY	"fsnotify"
#define MYMEM_STAGE_VFS		"vfs"		/* the rest of the VFS */
#define MYMEM_STAGE_IO_URING	"io_uring"
#define MYMEM_STAGE_IOV_ITER	"iov_iter"
#define MYMEM_STAGE_MYMEM	"mymem"		/* mymem.ko's own code */
#define MYMEM_STAGE_FILE	"file"		/* the peer's: /dev/zero, tmpfs, brd, page cache */
#define MYMEM_STAGE_COPY	"copy"		/* the user copy, hardened usercopy */
#define MYMEM_STAGE_ALLOC	"alloc"		/* the slab allocator */
#define MYMEM_STAGE_LOCK	"lock"
#define MYMEM_STAGE_SCHED	"sched"		/* cond_resched() and the scheduler */
#define MYMEM_STAGE_OTHER	"other"
#define MYMEM_STAGE_UNKNOWN	"unknown"	/* no symbol holds the address */

/* Classes of instruction: */
#define MYMEM_CLASS_PLAIN	"plain"
#define MYMEM_CLASS_SYSCALL	"syscall"
#define MYMEM_CLASS_SYSRET	"sysret"
#define MYMEM_CLASS_SWAPGS	"swapgs"
#define MYMEM_CLASS_IRET	"iret"
#define MYMEM_CLASS_CR_WRITE	"cr_write"	/* mov to %cr3 (page-table isolation) ... */
#define MYMEM_CLASS_MSR_WRITE	"msr_write"	/* wrmsr (IBRS, ...) */
#define MYMEM_CLASS_VERW	"verw"		/* MDS buffer clearing */
#define MYMEM_CLASS_LFENCE	"lfence"
#define MYMEM_CLASS_MFENCE	"mfence"
#define MYMEM_CLASS_STAC	"stac"		/* SMAP: user access on */
#define MYMEM_CLASS_CLAC	"clac"
#define MYMEM_CLASS_LOCK	"lock"		/* lock-prefixed read-modify-write */
#define MYMEM_CLASS_UNLOCKED	"unlocked"	/* a lock prefix patched to ds (1 CPU) */
#define MYMEM_CLASS_REP_MOVS	"rep_movs"
#define MYMEM_CLASS_REP_STOS	"rep_stos"
/* ... and arm64's: */
#define MYMEM_CLASS_SVC		"svc"		/* the system call */
#define MYMEM_CLASS_ERET	"eret"		/* the return from it */
#define MYMEM_CLASS_BARRIER	"barrier"	/* dmb, dsb, isb */
#define MYMEM_CLASS_ATOMIC	"atomic"	/* an LSE atomic: ldadd, cas, swp ... */
#define MYMEM_CLASS_EXCLUSIVE	"exclusive"	/* ldxr/stxr and kin */

#endif /* MYMEM_RESULTS_H */
