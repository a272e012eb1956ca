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
 *              targets (readv, uring, sqpoll), whose calls each carry
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

/* Increments: read, add one, write back ... */
#define MYMEM_MODE_UNLOCKED	"unlocked"	/* ... with no lock */
#define MYMEM_MODE_MUTEX	"mutex"		/* ... under a mutex */
#define MYMEM_MODE_PREAD	"pread"		/* ... by pread/pwrite, locked */
/* ... or in one call or instruction: */
#define MYMEM_MODE_FETCH_ADD	"fetch_add"	/* the device's atomic add */
#define MYMEM_MODE_MMAP		"mmap"		/* atomic add on the mapping */

#endif /* MYMEM_RESULTS_H */
