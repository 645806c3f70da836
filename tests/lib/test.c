// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdlib.h>
#include <unistd.h>
#include "test.h"

int es_test_failures;
int es_test_total_failed;
static bool skipped;

void es_test_skip(const char *why)
{
	fprintf(stdout, "  skipped: %s\n", why);
	skipped = true;
}

void es_test_run(const char *name, void (*fn)(void))
{
	es_test_failures = 0;
	skipped = false;
	fn();
	if (skipped && !es_test_failures)
		fprintf(stdout, "skip %s\n", name);
	else if (es_test_failures) {
		fprintf(stdout, "FAIL %s\n", name);
		es_test_total_failed++;
	} else
		fprintf(stdout, "ok %s\n", name);
	fflush(stdout);
}

int es_test_exit(void)
{
	return es_test_total_failed ? 1 : 0;
}

void es_test_require_root(const char *test)
{
	if (geteuid() == 0)
		return;
	fprintf(stdout, "skip %s: BPF_PROG_TEST_RUN fixtures need root\n", test);
	exit(77);
}
