/* A minimal test harness: CHECK macros count failures; main returns test_finish(). A test
 * that needs ../shared calls test_shared() and returns TEST_SKIP (77) when it is absent. */
#ifndef AURIS_TEST_H
#define AURIS_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TEST_SKIP 77

static int test_failures;
static int test_checks;

#define CHECK(cond) do { test_checks++; if (!(cond)) { test_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define CHECK_MSG(cond, ...) do { test_checks++; if (!(cond)) { test_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); test_checks++; \
    if (!(fabs(a_ - b_) <= (tol))) { test_failures++; \
    fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %g, %s = %g, tol %g\n", __FILE__, \
            __LINE__, #a, a_, #b, b_, (double)(tol)); } } while (0)

#define CHECK_OK(expr) do { int s_ = (expr); test_checks++; if (s_ != 0) { test_failures++; \
    fprintf(stderr, "%s:%d: %s returned %d\n", __FILE__, __LINE__, #expr, s_); } } while (0)

static inline int test_finish(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
    return test_failures ? 1 : 0;
}

/* Directory of shared data: $AURIS_SHARED, else the ../shared beside the source tree. */
static inline const char *test_shared_root(void)
{
    const char *env = getenv("AURIS_SHARED");
    return env && *env ? env : AURIS_SOURCE_DIR "/../shared";
}

/* Writes root/rel into buf and returns buf when it exists; otherwise prints the skip line
 * and returns NULL. */
static inline const char *test_shared(const char *rel, char *buf, size_t len)
{
    struct stat st;
    snprintf(buf, len, "%s/%s", test_shared_root(), rel);
    if (stat(buf, &st) != 0) {
        printf("skipped: ../shared/%s not found (set AURIS_SHARED)\n", rel);
        return NULL;
    }
    return buf;
}

/* A scratch directory for files a test makes (inside the build tree). */
static inline const char *test_tmpdir(void)
{
    return AURIS_TEST_TMPDIR;
}

#endif
