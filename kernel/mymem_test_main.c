// SPDX-License-Identifier: GPL-2.0
/*
 * mymem_test - an in-kernel user of the mymem API (<linux/mymem.h>) that
 * checks it, measures it and shows why it offers atomic operations.
 *
 * Everything runs at load time, in the phases picked by run=, each in a
 * file of its own:
 *
 *  selftest  the return value and the effect of every call, compared
 *            with a model of the region (mymem_test_selftest.c).
 *  bench     latency and throughput of reads and writes of each of
 *            sizes= bytes at offset 0 (mymem_test_bench.c).
 *  race      workers= kthreads each increment the 64-bit word at offset 0
 *            iters= times: with a plain read and write ("unlocked", which
 *            loses updates), under a mutex of our own ("mutex"), or with
 *            mymem_fetch_add() ("fetch_add") (mymem_test_race.c).
 *
 * The verdicts are KTAP in the kernel log; the results are CSV in the
 * formats of mymem_results.h in /sys/kernel/debug/mymem_test/results,
 * which lasts until the module is removed.  Any failed check fails the
 * load, so the status of insmod/modprobe is the verdict.
 *
 * The tests are destructive: they overwrite the region (the selftest all
 * of it, the bench up to its largest size, the race the word at offset 0)
 * and leave it so.  Restoring the old contents would itself race with any
 * other user; load the module when nothing else uses mymem.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mymem.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mymem_compat.h"
#include "mymem_format.h"
#include "mymem_test.h"

static const struct mt_phase *const phases[] = {
	&mt_selftest, &mt_bench, &mt_race,
};

static char *run_list = "all";
module_param_named(run, run_list, charp, 0444);
MODULE_PARM_DESC(run,
		 "Phases to run at load, comma-separated: selftest, bench, race, or all (default: all)");

static struct dentry *results_dir;

void ktap_subtest(const char *name, unsigned int n)
{
	pr_info(KTAP_SUB "KTAP version 1\n");
	pr_info(KTAP_SUB "# Subtest: %s\n", name);
	pr_info(KTAP_SUB "1..%u\n", n);
}

void ktap_result(bool ok, unsigned int n, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info(KTAP_SUB "%sok %u %pV\n", ok ? "" : "not ", n, &vaf);
	va_end(args);
}

/* A comma-separated list of @names, or "all", as a bit mask. */
int mt_parse_list(const char *param, const char *value,
		  const char *const names[], unsigned int n,
		  unsigned long *mask)
{
	char *copy, *cur, *tok;
	int i, ret = 0;

	copy = kstrdup(value, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	*mask = 0;
	cur = copy;
	while ((tok = strsep(&cur, ","))) {
		if (!strcmp(tok, "all")) {
			*mask |= GENMASK(n - 1, 0);
			continue;
		}
		i = match_string(names, n, tok);
		if (i < 0) {
			pr_err("%s: unknown name '%s'\n", param, tok);
			ret = -EINVAL;
			break;
		}
		*mask |= BIT(i);
	}
	kfree(copy);
	return ret;
}

/*
 * Fill a read buffer so that a read which copies nothing cannot pass:
 * its first byte differs from the first byte due.  A memset, because the
 * bench poisons before every trial and must stay cheap under emulation.
 */
void mt_poison(u8 *buf, const u8 *due, size_t len)
{
	if (len)
		memset(buf, (u8)~due[0], len);
}

/* Index of the first byte where @a and @b differ, or @len. */
size_t mt_first_diff(const u8 *a, const u8 *b, size_t len)
{
	size_t i = 0;

	while (i < len && a[i] == b[i])
		i++;
	return i;
}

/* The header line of @format: its names without their types. */
void mt_rows_begin(struct mt_rows *r, struct seq_file *m, const char *format)
{
	struct mymem_column col;
	const char *pos = format;

	r->m = m;
	r->format = format;
	r->pos = format;
	while (mymem_format_next(&pos, &col) > 0)
		seq_printf(m, "%s%.*s", col.name == format ? "" : ",", col.len,
			   col.name);
	seq_putc(m, '\n');
}

/*
 * The next field of a row, given by its column's name: one out of place
 * is a bug of ours, which the warning makes fail every test that reads
 * the results.  After the last column the row ends and the next begins.
 */
void mt_field(struct mt_rows *r, const char *name, const char *fmt, ...)
{
	struct mymem_column col;
	va_list args;

	if (r->pos != r->format)
		seq_putc(r->m, ',');
	WARN(mymem_format_next(&r->pos, &col) <= 0 ||
	     strncmp(name, col.name, col.len) || name[col.len],
	     "field %s out of place in %s\n", name, r->format);
	va_start(args, fmt);
	seq_vprintf(r->m, fmt, args);
	va_end(args);
	if (!*r->pos) {
		seq_putc(r->m, '\n');
		r->pos = r->format;
	}
}

/* The results of every phase that ran, in phase order. */
static int results_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(phases); i++)
		if (phases[i]->show)
			phases[i]->show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(results);

static void free_results(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(phases); i++)
		if (phases[i]->free)
			phases[i]->free();
}

static int check_params(unsigned long *phase_mask)
{
	const char *names[ARRAY_SIZE(phases)];
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(phases); i++)
		names[i] = phases[i]->name;
	ret = mt_parse_list("run", run_list, names, ARRAY_SIZE(phases),
			    phase_mask);
	for (i = 0; !ret && i < ARRAY_SIZE(phases); i++)
		if (phases[i]->check)
			ret = phases[i]->check();
	return ret;
}

static int __init mymem_test_init(void)
{
	size_t size = mymem_size();
	unsigned long phase_mask;
	unsigned int i, failed = 0;
	const char *name;
	int ret;

	ret = check_params(&phase_mask);
	if (ret)
		return ret;

	pr_info("KTAP version 1\n");
	pr_info("1..%zu\n", ARRAY_SIZE(phases));
	for (i = 0; i < ARRAY_SIZE(phases); i++) {
		name = phases[i]->name;
		if (!(phase_mask & BIT(i))) {
			pr_info("ok %u %s # SKIP not selected\n", i + 1, name);
			continue;
		}
		if (size < phases[i]->min_size) {
			pr_info("ok %u %s # SKIP needs a region of at least %zu bytes\n",
				i + 1, name, phases[i]->min_size);
			continue;
		}
		ret = phases[i]->run(size);
		if (ret < 0) {
			pr_info("not ok %u %s # ERROR %pe\n", i + 1, name,
				ERR_PTR(ret));
			goto err_free;
		}
		pr_info("%sok %u %s\n", ret ? "not " : "", i + 1, name);
		failed += ret;
	}

	if (failed) {
		pr_err("%u checks failed\n", failed);
		ret = -EINVAL;
		goto err_free;
	}
	results_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("results", 0444, results_dir, NULL, &results_fops);
	return 0;

err_free:
	free_results();
	return ret;
}

static void __exit mymem_test_exit(void)
{
	debugfs_remove_recursive(results_dir);
	free_results();
}

module_init(mymem_test_init);
module_exit(mymem_test_exit);

MODULE_IMPORT_NS(MYMEM_NS);
MODULE_DESCRIPTION("Self-test, benchmark and race demonstration of the mymem API");
MODULE_AUTHOR("The mymem developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MYMEM_VERSION);
