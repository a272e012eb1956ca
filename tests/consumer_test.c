// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel demands of a module that uses mymem's API: the API is
 * exported GPL-only in the MYMEM namespace (include/linux/mymem.h),
 * so a consumer that does not import the namespace, or whose licence is
 * not GPL-compatible, is refused at load and says why in the kernel log.
 *
 * The refused consumers are mymem_test.ko itself with one .modinfo
 * string changed in a copy (same length, so the ELF stays whole): the
 * same code, relocations and symbol versions, and only the declaration
 * under test missing.  The copy as built must load, so a refusal is the
 * kernel's, not a damaged file's.
 *
 * A GPL-incompatible load taints the kernel and, on a lockdep kernel,
 * turns lockdep off for the rest of the boot, so the suite runs this
 * program last.  It leaves mymem unloaded.
 */
#include "kselftest_harness.h"
#include "modlib.h"

#define COPY_PATH	"/tmp/consumer_test.ko"

FIXTURE(consumer) {
	int kmsg;	/* read from the kernel log's end at setup */
};

FIXTURE_VARIANT(consumer) {
	const char *built;	/* the .modinfo string as built ... */
	const char *changed;	/* ... and in the copy: same length */
	int err;		/* load's errno, 0 if it loads */
	int level;		/* the log line's level or more severe */
	const char *line;	/* text the kernel's line has */
};

/* The baseline: the unchanged copy loads. */
FIXTURE_VARIANT_ADD(consumer, as_built) {
	.built = "import_ns=MYMEM", .changed = "import_ns=MYMEM",
};

/* "import_xx" is a key the loader ignores: the import is gone. */
FIXTURE_VARIANT_ADD(consumer, no_namespace_import) {
	.built = "import_ns=MYMEM", .changed = "import_xx=MYMEM",
	.err = EINVAL, .level = 3,
	.line = "from namespace MYMEM, but does not import it",
};

/* GPL-only symbols do not resolve for it. */
FIXTURE_VARIANT_ADD(consumer, not_gpl) {
	.built = "license=GPL", .changed = "license=MIT",
	.err = ENOENT, .level = 4, .line = "Unknown symbol mymem_",
};

FIXTURE_SETUP(consumer)
{
	start_unloaded(_metadata);
	ASSERT_EQ(0, load(mymem_ko(), ""));
	self->kmsg = kmsg_open_at_end();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(consumer)
{
	close(self->kmsg);
	unlink(COPY_PATH);
	leave_unloaded();
}

/*
 * A copy of @from in @to with the one NUL-terminated string @built
 * replaced by @changed; fails if @built is not there exactly once.
 */
static void copy_changed(struct __test_metadata *_metadata, const char *from,
			 const char *to, const char *built, const char *changed)
{
	const size_t len = strlen(built) + 1;	/* with its NUL */
	char *ko, *at, *next;
	struct stat st;
	int fd;

	ASSERT_EQ(len, strlen(changed) + 1);
	fd = open(from, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", from, strerror(errno));
	ASSERT_EQ(0, fstat(fd, &st));
	ko = malloc(st.st_size);
	ASSERT_NE(NULL, ko);
	ASSERT_EQ(st.st_size, read(fd, ko, st.st_size));
	close(fd);

	at = memmem(ko, st.st_size, built, len);
	ASSERT_NE(NULL, at) TH_LOG("%s: no \"%s\"", from, built);
	next = memmem(at + 1, st.st_size - (at + 1 - ko), built, len);
	ASSERT_EQ(NULL, next) TH_LOG("%s: \"%s\" twice", from, built);
	memcpy(at, changed, len);

	fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(st.st_size, write(fd, ko, st.st_size));
	ASSERT_EQ(0, close(fd));
	free(ko);
}

TEST_F_TIMEOUT(consumer, load, 120)
{
	char line[256];

	copy_changed(_metadata, mymem_test_ko(), COPY_PATH, variant->built,
		     variant->changed);
	/* The shortest phase: its init runs only in the control. */
	ASSERT_EQ(-variant->err, load(COPY_PATH, "run=selftest"));
	if (!variant->err) {
		ASSERT_EQ(0, unload("mymem_test"));
		return;
	}
	ASSERT_LE(1, kmsg_count(self->kmsg, variant->level, variant->line,
				line, sizeof(line)))
		TH_LOG("no kernel log line with \"%s\"", variant->line);
	ASSERT_EQ(0, strncmp(line, "mymem_test: ", 12)) TH_LOG("%s", line);
	/* Refused: nothing holds mymem. */
	ASSERT_EQ(-ENOENT, unload("mymem_test"));
	expect_unload(_metadata);
}

TEST_HARNESS_MAIN
