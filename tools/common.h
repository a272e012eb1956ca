/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mymem-bench and mymem-race share: exit codes, error reporting,
 * option-argument parsing, the clock, statistics and the table/CSV/JSON
 * printer.
 */
#ifndef MYMEM_TOOLS_COMMON_H
#define MYMEM_TOOLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef MYMEM_VERSION
#define MYMEM_VERSION "0.1"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes, the same for every tool and documented in each --help. */
enum {
	EXIT_OK		= 0,
	EXIT_VERIFY	= 1,	/* wrong data, short transfer, inexact count */
	EXIT_USAGE	= 2,	/* bad option or option argument */
	EXIT_ENV	= 3,	/* device missing, syscall failed, no memory */
};

/* Set by main() from argv[0]'s basename; prefixes every message. */
extern const char *prog;

void tools_init(const char *argv0);

__attribute__((noreturn, format(printf, 2, 3)))
void die(int code, const char *fmt, ...);
/* Like die(), with ": strerror(errno)" appended. */
__attribute__((noreturn, format(printf, 2, 3)))
void die_errno(int code, const char *fmt, ...);
/* A usage error: one line, then exit 2. */
__attribute__((noreturn, format(printf, 1, 2)))
void usage_error(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void note(const char *fmt, ...);

/* getopt_long's '?' and ':' turned into one line and exit 2. */
__attribute__((noreturn))
void bad_option(int c, char **argv);
void print_version(void);

/* Open @path or exit 3 with the errno text and, for /dev/mymem, a hint. */
int open_device(const char *path, int flags);

uint64_t parse_u64(const char *opt, const char *arg, uint64_t min,
		   uint64_t max);
/* Like parse_u64, also accepting a K or M (binary) suffix. */
uint64_t parse_size(const char *opt, const char *arg, uint64_t min,
		    uint64_t max);
/*
 * A comma-separated list of at most @max_n numbers from @min to @max (K
 * and M suffixes allowed) into @out; returns how many.
 */
unsigned int parse_list(const char *opt, const char *arg, uint64_t *out,
			unsigned int max_n, uint64_t min, uint64_t max);
/*
 * Parse a comma-separated list of names from @names into a bit mask;
 * "all" selects every name.  An unknown name is a usage error.
 */
unsigned int parse_names(const char *opt, const char *arg,
			 const char *const *names, unsigned int n);

/* Progress on stderr, only when stderr is a terminal. */
__attribute__((format(printf, 1, 2)))
void progress(const char *fmt, ...);
void progress_done(void);
/* --quiet: no progress even on a terminal */
void progress_quiet(void);

uint64_t now_ns(void);
/*
 * The cost of one now_ns() as seen from inside a timed interval: the
 * median difference of many back-to-back pairs.  Subtracted from every
 * single-operation sample.
 */
uint64_t clock_overhead_ns(void);

struct stats {
	double mean;
	uint64_t median;
	uint64_t p99;
};

/* Sorts @ns in place. */
void stats_compute(uint64_t *ns, size_t n, struct stats *s);

/* Bytes per mean_ns as MB/s (10^6 bytes per second). */
double mb_per_s(uint64_t bytes, double ns);

/*
 * Rows of results as a human table, CSV or JSON.  The caller gives each
 * row's fields in column order with out_field(), each by its column's
 * name (one out of place exits 3 naming both); the row ends by itself
 * after the last column.
 */
enum out_fmt { OUT_TABLE, OUT_CSV, OUT_JSON };

/*
 * The options both tools share: -c/--csv and -j/--json set *fmt, -q
 * silences progress, -h prints usage() and -V the version (both exit);
 * anything else is a usage error.
 */
void common_option(int c, char **argv, enum out_fmt *fmt,
		   void (*usage)(void));

/* The columns of a format of mymem_results.h, as out_begin() reads it. */
#define OUT_MAX_COLS	32

struct out_col {
	char name[32];
	bool text;		/* quoted in JSON, left-aligned in the table */
};

struct out {
	enum out_fmt fmt;
	struct out_col cols[OUT_MAX_COLS];
	unsigned int ncols;
	unsigned int col;	/* next field of the current row */
	unsigned long rows;
};

/* Rows of @format, one of the MYMEM_*_FORMAT strings of mymem_results.h. */
void out_begin(struct out *o, enum out_fmt fmt, const char *format);
/* The header line of @format: its column names, comma-separated. */
const char *out_header(const char *format);
__attribute__((format(printf, 3, 4)))
void out_field(struct out *o, const char *name, const char *fmt, ...);
void out_end(struct out *o);

#endif /* MYMEM_TOOLS_COMMON_H */
