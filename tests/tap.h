/*
 * tap.h -- a tiny TAP producer for the unit tests.
 *
 *   ok(cond, "name %d", i);   is_int(got, want, "name");   is_str(...)
 *   seed = tap_seed("name");  the seed of random inputs, printed
 *   return tap_done();        prints the plan and "N passed, N failed"
 *
 * The counters live in the test program's own file (a static struct in
 * this header, one copy per test binary).
 */
#ifndef DNSBL_TAP_H
#define DNSBL_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
	int run, failed;
} tap_state;

static int
tap_vok(int cond, const char *file, int line, const char *fmt, va_list ap)
{
	tap_state.run++;
	if (!cond)
		tap_state.failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_state.run);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond)
		printf("#   failed at %s:%d\n", file, line);
	fflush(stdout);
	return cond;
}

static int __attribute__((format(printf, 4, 5), unused))
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vok(cond, file, line, fmt, ap);
	va_end(ap);
	return r;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!ok(g_ == w_, __VA_ARGS__))					\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)
#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__))		\
		printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");				\
} while (0)

/*
 * The seed of a test's random inputs: TEST_SEED from the environment, else
 * the time.  Printed, so that a failing run can be repeated.
 */
static unsigned long long __attribute__((unused))
tap_seed(const char *what)
{
	const char *env = getenv("TEST_SEED");
	unsigned long long seed = env != NULL ? strtoull(env, NULL, 10) :
	    (unsigned long long)time(NULL);

	printf("# %s: seed %llu (TEST_SEED=%llu repeats it)\n", what, seed,
	    seed);
	return seed;
}

static int __attribute__((unused))
tap_done(void)
{
	printf("1..%d\n", tap_state.run);
	printf("# %d passed, %d failed\n", tap_state.run - tap_state.failed,
	    tap_state.failed);
	return tap_state.failed ? 1 : 0;
}

#endif
