/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of mymem_test share: the phase interface, the KTAP
 * printer, the list parser and the helpers of the selftest and the bench.
 */
#ifndef MYMEM_TEST_H
#define MYMEM_TEST_H

#include <linux/compiler.h>
#include <linux/types.h>

struct seq_file;

/**
 * struct mt_phase - one phase of mymem_test, chosen by run=
 * @name:	its name in run= and in the KTAP output
 * @check:	validates the phase's parameters at load, whether or not it
 *		runs: 0 or -EINVAL, with the reason in the log (optional)
 * @run:	runs the phase on a region of @size bytes; the number of
 *		failed checks, or a negative errno if it could not run
 * @show:	prints its results, CSV in a format of mymem_results.h, if
 *		it ran (optional: none but the KTAP verdicts)
 * @free:	frees its results (optional, with @show)
 * @min_size:	the smallest region the phase can use
 */
struct mt_phase {
	const char *name;
	int (*check)(void);
	int (*run)(size_t size);
	void (*show)(struct seq_file *m);
	void (*free)(void);
	size_t min_size;
};

extern const struct mt_phase mt_selftest, mt_bench, mt_race;

/* KTAP indents each nesting level by two spaces; the phases are level 1. */
#define KTAP_SUB	"  "

void ktap_subtest(const char *name, unsigned int n);
__printf(3, 4) void ktap_result(bool ok, unsigned int n, const char *fmt, ...);

/**
 * struct mt_rows - CSV rows of a format of mymem_results.h, being shown
 * @m:		where they go
 * @format:	the format, a MYMEM_*_FORMAT
 * @pos:	the column the next field is of, in @format
 */
struct mt_rows {
	struct seq_file *m;
	const char *format;
	const char *pos;
};

void mt_rows_begin(struct mt_rows *r, struct seq_file *m, const char *format);
__printf(3, 4) void mt_field(struct mt_rows *r, const char *name,
			     const char *fmt, ...);

int mt_parse_list(const char *param, const char *value,
		  const char *const names[], unsigned int n,
		  unsigned long *mask);

void mt_poison(u8 *buf, const u8 *due, size_t len);
size_t mt_first_diff(const u8 *a, const u8 *b, size_t len);

#endif /* MYMEM_TEST_H */
