// SPDX-License-Identifier: GPL-2.0
/*
 * faultinject_load N MODULE [PARAMS]: load MODULE with finit_module(2)
 * while the N-th fault-injection point this task reaches fails, and say
 * what happened:
 *
 *	injected|missed ERRNO
 *
 * "injected": the N-th point was reached and failed; "missed": the load
 * has fewer than N points.  ERRNO is 0 when the module loaded.
 *
 * The count is /proc/thread-self/fail-nth, which counts per task from the
 * moment it is written, so it is armed right before the system call:
 * point 1 is the first allocation of the load itself, not one of an
 * exec, a dynamic loader or a file read before it (as with insmod).
 * Which allocations are points is set in debugfs (failslab,
 * fail_page_alloc) by tests/faultinject.sh; with fail_usercopy in the
 * kernel every user copy of the task is one too.  Exit status 2 on a usage or
 * set-up error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "faultinject_load: %s: %s\n", what, strerror(errno));
	return 2;
}

int main(int argc, char **argv)
{
	const char *params = argc > 3 ? argv[3] : "";
	char left[32];
	ssize_t len;
	int ko, nth, err;
	bool missed;

	if (argc < 3 || argc > 4 || strspn(argv[1], "0123456789") !=
	    strlen(argv[1]) || atoi(argv[1]) < 1) {
		fprintf(stderr, "usage: faultinject_load N MODULE [PARAMS]\n");
		return 2;
	}
	ko = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (ko < 0)
		return fail(argv[2]);
	nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth < 0)
		return fail("/proc/thread-self/fail-nth");

	if (write(nth, argv[1], strlen(argv[1])) < 0)
		return fail("arming fail-nth");
	err = syscall(SYS_finit_module, ko, params, 0) ? errno : 0;
	/*
	 * What is left of the count: 0 once the fault was injected.  Where
	 * the kernel injects usercopy faults, the read's own copy is a point
	 * too: EFAULT says exactly one was left, and that one is now used.
	 */
	len = pread(nth, left, sizeof(left) - 1, 0);
	if (len < 0 && errno != EFAULT)
		return fail("reading fail-nth");
	if (len >= 0)
		left[len] = '\0';
	missed = len < 0 || atoi(left);
	/*
	 * Disarm a count the load did not use up, for what comes next.  The
	 * write's copy is a point as well, and fails when it is the last:
	 * then nothing is left armed, and a second write finds it so.
	 */
	if (len > 0 && missed && write(nth, "0", 1) < 0 &&
	    (errno != EFAULT || write(nth, "0", 1) < 0))
		return fail("disarming fail-nth");

	printf("%s %d\n", missed ? "missed" : "injected", err);
	return 0;
}
