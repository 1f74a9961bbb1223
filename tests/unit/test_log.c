/*
 * test_log.c -- lib/log.c: the level drops what is less urgent, errors
 * always pass, level names round-trip, and "<N>" prefixes appear exactly
 * when stderr is the stream JOURNAL_STREAM names.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "../tap.h"

static char path[] = "/tmp/test_log.XXXXXX";

/* Point stderr at the (emptied) file. */
static void
capture(void)
{
	FILE *f;

	fflush(stderr);
	if ((f = freopen(path, "w", stderr)) == NULL)
		abort();
}

/* The captured text, in buf. */
static void
captured(char *buf, size_t len)
{
	FILE *f;
	size_t n;

	fflush(stderr);
	if ((f = fopen(path, "r")) == NULL)
		abort();
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void
log_each(void)
{
	log_debug("m-debug");
	log_info("m-info");
	log_notice("m-notice");
	log_warnx("m-warning");
}

static void
test_levels(void)
{
	static const char *const names[] = { "m-debug", "m-info", "m-notice",
	    "m-warning" };
	int lvl, i, want;
	char buf[4096];

	for (lvl = LOG_EMERG; lvl <= LOG_DEBUG + 2; lvl++) {
		capture();
		log_set_level(lvl);
		log_each();
		captured(buf, sizeof(buf));
		for (i = 0; i < 4; i++) {
			/* names[i] has priority LOG_DEBUG - i. */
			want = LOG_DEBUG - i <= (lvl < LOG_ERR ? LOG_ERR :
			    lvl > LOG_DEBUG ? LOG_DEBUG : lvl);
			ok((strstr(buf, names[i]) != NULL) == want,
			    "level %d: %s %s", lvl, names[i],
			    want ? "logged" : "dropped");
		}
	}
	log_set_level(LOG_ERR);
	is_int(log_get_level(), LOG_ERR, "level error kept");
	log_set_level(-5);
	is_int(log_get_level(), LOG_ERR, "below error: error (errors pass)");
	log_set_level(99);
	is_int(log_get_level(), LOG_DEBUG, "beyond debug: debug");
	log_set_level(LOG_INFO);
}

static void
test_names(void)
{
	static const char *const words[] = { "error", "warning", "notice",
	    "info", "debug" };
	size_t i;

	for (i = 0; i < 5; i++) {
		int pri = log_level_parse(words[i]);

		is_int(pri, LOG_ERR + (int)i, "%s parses", words[i]);
		is_str(log_level_name(pri), words[i], "%s round-trips",
		    words[i]);
	}
	is_int(log_level_parse("Info"), -1, "case matters (the config "
	    "folds it)");
	is_int(log_level_parse(""), -1, "empty: -1");
	is_int(log_level_parse(NULL), -1, "NULL: -1");
	is_int(log_level_parse("emergency"), -1, "emergency is not a level");
	is_str(log_level_name(42), "?", "no name for 42");
	is_str(log_level_name(-1), "?", "no name for -1");
}

/*
 * In a child (the journal is detected once per process): stderr to the
 * file, JOURNAL_STREAM as given, one warning and one notice.
 */
static void
journal_run(const char *js, char *buf, size_t len)
{
	pid_t pid;
	int st;

	capture();
	if ((pid = fork()) == 0) {
		if (js != NULL)
			setenv("JOURNAL_STREAM", js, 1);
		else
			unsetenv("JOURNAL_STREAM");
		log_warnx("w %d", 1);
		log_notice("n");
		fflush(stderr);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	captured(buf, len);
}

static void
test_journal(void)
{
	char buf[4096], js[64];
	struct stat sb;

	if (stat(path, &sb) != 0)
		abort();
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino);
	journal_run(js, buf, sizeof(buf));
	is_str(buf, "<4>w 1\n<5>n\n", "stderr the journal: <N> prefixes");
	journal_run(NULL, buf, sizeof(buf));
	is_str(buf, "test_log: w 1\ntest_log: n\n", "no JOURNAL_STREAM: "
	    "PROG: lines");
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino + 1);
	journal_run(js, buf, sizeof(buf));
	is_str(buf, "test_log: w 1\ntest_log: n\n", "JOURNAL_STREAM of "
	    "another file: no prefix");
	snprintf(js, sizeof(js), "%llu:%llux", (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino);
	journal_run(js, buf, sizeof(buf));
	is_str(buf, "test_log: w 1\ntest_log: n\n", "JOURNAL_STREAM with "
	    "trailing junk: ignored");
	journal_run("garbage", buf, sizeof(buf));
	is_str(buf, "test_log: w 1\ntest_log: n\n", "JOURNAL_STREAM "
	    "garbage: ignored");
}

int
main(void)
{
	int fd, saved;
	int rc;

	if ((fd = mkstemp(path)) == -1)
		abort();
	close(fd);
	saved = dup(STDERR_FILENO);
	/* First: the children must not inherit a journal check done. */
	test_journal();
	test_levels();
	test_names();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	unlink(path);
	rc = tap_done();
	return rc;
}
