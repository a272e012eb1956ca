// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by mymem-bench and mymem-race; see common.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "mymem_format.h"
#include "mymem_stats.h"

const char *prog = "mymem-tool";

static int progress_tty = -1;
static bool progress_shown;

void tools_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	prog = slash ? slash + 1 : argv0;
}

static void vmessage(const char *fmt, va_list ap, const char *suffix)
{
	progress_done();
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "%s\n", suffix);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, "");
	va_end(ap);
	exit(code);
}

void die_errno(int code, const char *fmt, ...)
{
	char suffix[128];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
	va_start(ap, fmt);
	vmessage(fmt, ap, suffix);
	va_end(ap);
	exit(code);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, " (see --help)");
	va_end(ap);
	exit(EXIT_USAGE);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, "");
	va_end(ap);
}

/*
 * The tools call getopt_long() with opterr = 0 and a leading ':' so that
 * a bad option gives this one line instead of getopt's two.
 */
void bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];
	int len = (int)strcspn(arg, "=");

	if (arg[0] != '-' || arg[1] != '-') {
		/* a short option, possibly inside a cluster like -qx */
		if (c == ':')
			usage_error("option '-%c' requires an argument", optopt);
		usage_error("unknown option '-%c'", optopt);
	}
	if (c == ':')
		usage_error("option '%.*s' requires an argument", len, arg);
	usage_error("unknown or ambiguous option '%.*s'", len, arg);
}

void print_version(void)
{
	printf("%s %s\n", prog, MYMEM_VERSION);
}

void common_option(int c, char **argv, enum out_fmt *fmt,
		   void (*usage)(void))
{
	switch (c) {
	case 'c':
		*fmt = OUT_CSV;
		break;
	case 'j':
		*fmt = OUT_JSON;
		break;
	case 'q':
		progress_quiet();
		break;
	case 'h':
		usage();
		exit(EXIT_OK);
	case 'V':
		print_version();
		exit(EXIT_OK);
	default:
		bad_option(c, argv);
	}
}

int open_device(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0) {
		bool hint = !strncmp(path, "/dev/mymem", 10) &&
			    (errno == ENOENT || errno == ENXIO ||
			     errno == ENODEV);

		die(EXIT_ENV, "%s: %s%s", path, strerror(errno),
		    hint ? " (is mymem.ko loaded?)" : "");
	}
	return fd;
}

static uint64_t parse_num(const char *opt, const char *arg, uint64_t min,
			  uint64_t max, bool suffix)
{
	unsigned long long v;
	char *end;

	errno = 0;
	/* strtoull accepts "-1" and wraps it: refuse signs up front */
	if (!*arg || *arg == '-' || *arg == '+' || *arg == ' ')
		goto bad;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg)
		goto bad;
	if (suffix && (*end == 'k' || *end == 'K')) {
		if (v > UINT64_MAX >> 10)
			goto bad;
		v <<= 10;
		end++;
	} else if (suffix && (*end == 'm' || *end == 'M')) {
		if (v > UINT64_MAX >> 20)
			goto bad;
		v <<= 20;
		end++;
	}
	if (*end || v < min || v > max)
		goto bad;
	return v;
bad:
	usage_error("%s: '%s' is not a number in [%llu, %llu]", opt, arg,
		    (unsigned long long)min, (unsigned long long)max);
}

uint64_t parse_u64(const char *opt, const char *arg, uint64_t min,
		   uint64_t max)
{
	return parse_num(opt, arg, min, max, false);
}

uint64_t parse_size(const char *opt, const char *arg, uint64_t min,
		    uint64_t max)
{
	return parse_num(opt, arg, min, max, true);
}

unsigned int parse_list(const char *opt, const char *arg, uint64_t *out,
			unsigned int max_n, uint64_t min, uint64_t max)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	unsigned int n = 0;

	if (!copy)
		die_errno(EXIT_ENV, "strdup");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == max_n)
			usage_error("%s: more than %u values", opt, max_n);
		out[n++] = parse_size(opt, tok, min, max);
	}
	if (!n)
		usage_error("%s: empty list", opt);
	free(copy);
	return n;
}

unsigned int parse_names(const char *opt, const char *arg,
			 const char *const *names, unsigned int n)
{
	const char *p = arg;
	unsigned int mask = 0;

	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned int i;

		if (len == 3 && !strncmp(p, "all", 3)) {
			mask |= (1u << n) - 1;
		} else {
			for (i = 0; i < n; i++)
				if (strlen(names[i]) == len &&
				    !strncmp(p, names[i], len))
					break;
			if (i == n)
				usage_error("%s: unknown name '%.*s'", opt,
					    (int)len, p);
			mask |= 1u << i;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	return mask;
}

void progress(const char *fmt, ...)
{
	va_list ap;

	if (progress_tty < 0)
		progress_tty = isatty(STDERR_FILENO);
	if (!progress_tty)
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	progress_shown = true;
}

void progress_quiet(void)
{
	progress_tty = 0;
}

void progress_done(void)
{
	if (!progress_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress_shown = false;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t clock_overhead_ns(void)
{
	enum { PAIRS = 10001 };
	static uint64_t d[PAIRS];
	unsigned int i;

	for (i = 0; i < PAIRS; i++) {
		uint64_t t0 = now_ns();

		d[i] = now_ns() - t0;
	}
	qsort(d, PAIRS, sizeof(d[0]), cmp_u64);
	return d[PAIRS / 2];
}

/* The ranks are mymem_stats.h's, mymem_test's too; the mean a double. */
void stats_compute(uint64_t *ns, size_t n, struct stats *s)
{
	long double sum = 0;
	unsigned long lo, hi;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!n)
		return;
	qsort(ns, n, sizeof(ns[0]), cmp_u64);
	for (i = 0; i < n; i++)
		sum += ns[i];
	s->mean = (double)(sum / n);
	mymem_median_ranks(n, &lo, &hi);
	s->median = (ns[lo] + ns[hi]) / 2;
	s->p99 = ns[mymem_p99_rank(n)];
}

double mb_per_s(uint64_t bytes, double ns)
{
	return ns > 0 ? bytes * 1e3 / ns : 0;
}

/*
 * A table column is as wide as its name or its widest usual value (mode
 * names; counters near 2^32, like the race's final values), whichever
 * is wider; text left-aligned (a negative width), numbers right.
 */
static int out_width(const struct out_col *c)
{
	int width = strlen(c->name);

	if (width < (c->text ? 9 : 10))
		width = c->text ? 9 : 10;
	return c->text ? -width : width;
}

/* A format of mymem_results.h into @o's columns; a bad one is our bug. */
static void out_columns(struct out *o, const char *format)
{
	const char *pos = format;
	struct mymem_column col;
	int ret;

	for (o->ncols = 0; (ret = mymem_format_next(&pos, &col)); o->ncols++) {
		struct out_col *c = &o->cols[o->ncols];

		if (ret < 0 || o->ncols == OUT_MAX_COLS ||
		    col.len >= (int)sizeof(c->name))
			die(EXIT_ENV, "bad result format '%s'", format);
		memcpy(c->name, col.name, col.len);
		c->name[col.len] = '\0';
		c->text = col.text;
	}
}

const char *out_header(const char *format)
{
	static char line[1024];
	struct out o;
	unsigned int i;
	size_t n = 0;

	out_columns(&o, format);
	for (i = 0; i < o.ncols; i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s", i ? "," : "",
			      o.cols[i].name);
	return line;
}

void out_begin(struct out *o, enum out_fmt fmt, const char *format)
{
	const struct out_col *cols = o->cols;
	unsigned int i, ncols;

	out_columns(o, format);
	ncols = o->ncols;
	o->fmt = fmt;
	o->col = 0;
	o->rows = 0;

	switch (fmt) {
	case OUT_TABLE:
		for (i = 0; i < ncols; i++)
			printf("%s%*s", i ? " " : "", out_width(&cols[i]),
			       cols[i].name);
		putchar('\n');
		break;
	case OUT_CSV:
		for (i = 0; i < ncols; i++)
			printf("%s%s", i ? "," : "", cols[i].name);
		putchar('\n');
		break;
	case OUT_JSON:
		putchar('[');
		break;
	}
}

void out_field(struct out *o, const char *name, const char *fmt, ...)
{
	const struct out_col *c = &o->cols[o->col];
	char buf[128];
	va_list ap;

	/* a field out of place is our bug: the first row shows it */
	if (strcmp(name, c->name))
		die(EXIT_ENV, "field '%s' given for column %u, '%s'", name,
		    o->col + 1, c->name);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	switch (o->fmt) {
	case OUT_TABLE:
		printf("%s%*s", o->col ? " " : "", out_width(c), buf);
		break;
	case OUT_CSV:
		printf("%s%s", o->col ? "," : "", buf);
		break;
	case OUT_JSON:
		/* names and numbers only: nothing to escape */
		printf("%s\"%s\": %s%s%s", o->col ? ", " :
		       o->rows ? ",\n  {" : "\n  {",
		       c->name, c->text ? "\"" : "", buf, c->text ? "\"" : "");
		break;
	}

	if (++o->col == o->ncols) {
		if (o->fmt == OUT_JSON)
			putchar('}');
		else
			putchar('\n');
		o->col = 0;
		o->rows++;
		fflush(stdout);
	}
}

void out_end(struct out *o)
{
	if (o->fmt == OUT_JSON)
		puts(o->rows ? "\n]" : "]");
	fflush(stdout);
}
