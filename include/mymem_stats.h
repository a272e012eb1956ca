/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mymem_stats.h - what the median and the p99 of a bench's samples are,
 * once for mymem-bench (tools/common.c, stats_compute()) and mymem_test
 * (kernel/mymem_test_bench.c, bench_stats()), which both sort their
 * samples and pick these ranks.  Freestanding, as mymem_format.h.
 *
 * The mean is sum / n on both sides, but the tools' is a double (printed
 * to 0.1 ns) and mymem_test's an integer, rounded down, as the kernel has
 * no floating point: on the same samples they differ by less than 1 ns.
 * mb_s is 1000 * size / mean (bytes per us: 10^6 bytes per second) of
 * that mean, the tools' a double, mymem_test's in hundredths, rounded
 * down.  tools/test-tools.sh checks both sides on one set of samples.
 */
#ifndef MYMEM_STATS_H
#define MYMEM_STATS_H

/**
 * mymem_median_ranks() - where the median of sorted samples is
 * @n:	the number of samples, at least 1
 * @lo:	set to the index of the lower of the two middle samples
 * @hi:	set to the index of the upper one (@lo again for an odd @n)
 *
 * The median is the mean of the two, rounded down.
 */
static inline void mymem_median_ranks(unsigned long n, unsigned long *lo,
				      unsigned long *hi)
{
	*lo = (n - 1) / 2;
	*hi = n / 2;
}

/**
 * mymem_p99_rank() - where the 99th percentile of sorted samples is
 * @n:	the number of samples, at least 1, at most ULONG_MAX / 99
 *
 * Return: the index of the nearest rank: the smallest sample at least as
 * large as 99% of them.  In unsigned long: 32-bit kernels have no
 * 64-bit division.
 */
static inline unsigned long mymem_p99_rank(unsigned long n)
{
	return (n * 99 + 99) / 100 - 1;
}

#endif /* MYMEM_STATS_H */
