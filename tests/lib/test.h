/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Minimal test harness in the style of the kernel's test_progs: each
 * subtest prints "ok NAME" or "FAIL NAME"; ASSERT_* report both values
 * and evaluate to a bool so a test can `goto cleanup`.
 */
#ifndef ES_TEST_H
#define ES_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

extern int es_test_failures;	/* failed asserts in the current subtest */
extern int es_test_total_failed;

#define ASSERT_TRUE(cond, what) ({					\
	bool ___ok = (cond);						\
	if (!___ok) {							\
		es_test_failures++;					\
		fprintf(stdout, "  %s:%d: %s: expected true\n",		\
			__FILE__, __LINE__, (what));			\
	}								\
	___ok;								\
})

#define ASSERT_EQ(got, want, what) ({					\
	long long ___g = (long long)(got), ___w = (long long)(want);	\
	bool ___ok = ___g == ___w;					\
	if (!___ok) {							\
		es_test_failures++;					\
		fprintf(stdout, "  %s:%d: %s: got %lld (0x%llx), want %lld (0x%llx)\n", \
			__FILE__, __LINE__, (what), ___g,		\
			(unsigned long long)___g, ___w,			\
			(unsigned long long)___w);			\
	}								\
	___ok;								\
})

#define ASSERT_OK(err, what) ASSERT_EQ((err), 0, (what))

#define ASSERT_MEM_EQ(got, want, len, what) ({				\
	const unsigned char *___g = (const void *)(got);		\
	const unsigned char *___w = (const void *)(want);		\
	size_t ___n = (len), ___i;					\
	bool ___ok = true;						\
	for (___i = 0; ___i < ___n; ___i++)				\
		if (___g[___i] != ___w[___i]) {				\
			___ok = false;					\
			break;						\
		}							\
	if (!___ok) {							\
		es_test_failures++;					\
		fprintf(stdout, "  %s:%d: %s: differs at byte %zu: got 0x%02x, want 0x%02x\n", \
			__FILE__, __LINE__, (what), ___i, ___g[___i],	\
			___w[___i]);					\
	}								\
	___ok;								\
})

/* Run one subtest function and report it. */
#define RUN_TEST(fn) es_test_run(#fn, fn)
void es_test_run(const char *name, void (*fn)(void));
/* Exit status for main(): 0 when every subtest passed. */
int es_test_exit(void);
/* BPF_PROG_TEST_RUN fixtures need root: without it, say so as a skipped
 * test and exit 77 (tests/run.sh counts it as skipped). */
void es_test_require_root(const char *test);
/* Report a subtest as skipped (call from inside it, then return). */
void es_test_skip(const char *why);

#endif /* ES_TEST_H */
