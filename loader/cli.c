/*
 * cli.c -- the loader's command-line contract (cli.h): the global options
 * wherever they stand, the recorded error of a run, and under --json the
 * one object a run prints.
 *
 * Under --json, main() calls cli_capture_begin() before anything can
 * print and cli_capture_end() last.  In between stdout and stderr are
 * memory streams: the command's JSON (or a stray message) is held until
 * its exit status is known.  Then a success prints what the command wrote
 * to stdout (and passes any warning on to the real stderr), and a failure
 * prints, instead, one error object built from the recorded error, or
 * from the messages the command wrote to stderr when it recorded none.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "json.h"
#include "loader.h"
#include "say.h"
#include "timefmt.h"

const char *
cli_code_of(int rc)
{
	switch (rc) {
	case DNSBL_EIO:
	case DNSBL_ENOSPC:
		return "io";
	case DNSBL_EPARSE:
		return "parse";
	case DNSBL_ERANGE:
	case DNSBL_EINVAL:
		return "invalid";
	case DNSBL_ENOENT:
		return "not_found";
	case DNSBL_EEXIST:
		return "exists";
	case DNSBL_EDB:
	case DNSBL_EMAPFULL:
	case DNSBL_ECORRUPT:
		return "db";
	case DNSBL_EREFUSED:
	case DNSBL_ESTALE:
		return "refused";
	case DNSBL_ENOMEM:
	case DNSBL_ESPACE:
		return "internal";
	default:
		return "failed";
	}
}

/* Drop a leading "loader: " or "dnsbl-loader: " from a message. */
static const char *
unprefixed(const char *s)
{
	if (strncmp(s, PROG ": ", sizeof(PROG ": ") - 1) == 0)
		return s + sizeof(PROG ": ") - 1;
	if (strncmp(s, "loader: ", 8) == 0)
		return s + 8;
	return s;
}

int
ctx_fail(struct loader_ctx *ctx, int status, const char *code,
    const char *fmt, ...)
{
	struct cli_error *e = &ctx->err;
	char buf[sizeof(e->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!ctx->json)
		say(stderr, "%s: %s\n", PROG, buf);
	if (e->code == NULL) {		/* the first failure is the cause */
		e->code = code;
		snprintf(e->message, sizeof(e->message), "%s", buf);
	}
	return status;
}

void
ctx_fail_retry(struct loader_ctx *ctx, int64_t retry_at)
{
	ctx->err.retry_at = retry_at;
}

void
ctx_fail_place(struct loader_ctx *ctx, const char *file, long line,
    long column)
{
	snprintf(ctx->err.file, sizeof(ctx->err.file), "%s", file);
	ctx->err.line = line;
	ctx->err.column = column;
}

void
ctx_fail_place_msg(struct loader_ctx *ctx, const char *file, const char *msg)
{
	size_t n = strlen(file);
	long line = 0, col = 0;
	char *end;

	if (strncmp(msg, file, n) != 0 || msg[n] != ':')
		return;
	line = strtol(msg + n + 1, &end, 10);
	if (end == msg + n + 1 || line <= 0)
		return;
	if (*end == ':' && end[1] >= '0' && end[1] <= '9')
		col = strtol(end + 1, NULL, 10);
	ctx_fail_place(ctx, file, line, col);
}

/* Is s (an option) the global option name, with its value in *val? */
static int
global_opt(char **argv, int i, int argc, const char **val, int *used)
{
	const char *s = argv[i];

	*used = 1;
	if (strcmp(s, "--json") == 0) {
		*val = NULL;
		return 'j';
	}
	if (strncmp(s, "--config=", 9) == 0) {
		*val = s + 9;
		return 'c';
	}
	if (strncmp(s, "-c", 2) == 0 && s[2] != '\0') {
		*val = s + 2;
		return 'c';
	}
	if (strcmp(s, "-c") == 0 || strcmp(s, "--config") == 0) {
		if (i + 1 >= argc)
			return '?';
		*val = argv[i + 1];
		*used = 2;
		return 'c';
	}
	return 0;
}

int
cli_global_opts(struct loader_ctx *ctx, int *argc, char **argv)
{
	const char *val;
	int i, o = 1, used, k;

	for (i = 1; i < *argc; i += used) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[o++] = argv[i++];
			break;
		}
		switch (global_opt(argv, i, *argc, &val, &used)) {
		case 'j':
			ctx->json = 1;
			continue;
		case 'c':
			ctx->config_path = val;
			continue;
		case '?':
			return -1;
		default:
			for (k = 0; k < used; k++)
				argv[o++] = argv[i + k];
		}
	}
	*argc = o;
	argv[o] = NULL;
	return 0;
}

int
cli_capture_begin(struct loader_ctx *ctx)
{
	struct cli_capture *c = &ctx->cap;

	fflush(stdout);
	fflush(stderr);
	c->out = stdout;
	c->err = stderr;
	if ((stdout = open_memstream(&c->obuf, &c->olen)) == NULL) {
		stdout = c->out;
		return -1;
	}
	if ((stderr = open_memstream(&c->ebuf, &c->elen)) == NULL) {
		fclose(stdout);
		stdout = c->out;
		free(c->obuf);
		c->obuf = NULL;
		stderr = c->err;
		return -1;
	}
	c->active = 1;
	return 0;
}

/*
 * The messages written to stderr as one line: each line without its
 * "loader: " and joined by "; ".
 */
static void
joined(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0, len;
	const char *line, *nl, *end = s + n;

	out[0] = '\0';
	for (line = s; line < end && o + 1 < outlen; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		len = (size_t)(nl - line);
		if (len == 0)
			continue;
		{
			char one[1024];
			snprintf(one, sizeof(one), "%.*s", (int)len, line);
			o += (size_t)snprintf(out + o, outlen - o, "%s%s",
			    o ? "; " : "", unprefixed(one));
		}
		if (o >= outlen)
			o = outlen - 1;
	}
}

static void
print_error(struct loader_ctx *ctx, int status, const char *stderr_text,
    size_t stderr_len)
{
	struct cli_error *e = &ctx->err;
	char msg[2048];
	struct json j;
	int64_t now;

	if (e->code == NULL)
		joined(stderr_text ? stderr_text : "", stderr_len, msg,
		    sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "%s", unprefixed(e->message));
	if (msg[0] == '\0')
		snprintf(msg, sizeof(msg), "failed with exit status %d",
		    status);
	json_init(&j, stdout);
	json_obj_open(&j);
	json_key(&j, "error");
	json_obj_open(&j);
	json_key(&j, "code");
	json_str(&j, e->code ? e->code : status == EXIT_USAGE ? "usage" :
	    "failed");
	json_key(&j, "message"); json_str(&j, msg);
	json_key(&j, "exit_status"); json_int(&j, status);
	if (e->retry_at) {
		now = (int64_t)time(NULL);
		json_key(&j, "retry_after");
		json_int(&j, e->retry_at > now ? e->retry_at - now : 0);
		json_key(&j, "retry_at"); json_time(&j, e->retry_at);
	}
	if (e->file[0]) {
		json_key(&j, "file"); json_str(&j, e->file);
		json_key(&j, "line"); json_int(&j, e->line);
		if (e->column) {
			json_key(&j, "column"); json_int(&j, e->column);
		}
	}
	json_obj_close(&j);
	json_obj_close(&j);
	json_end(&j);
}

int
cli_capture_end(struct loader_ctx *ctx, int status)
{
	struct cli_capture *c = &ctx->cap;
	int rc = status;

	if (!c->active)
		return status;
	c->active = 0;
	if (fclose(stdout) != 0 || fclose(stderr) != 0)
		rc = status ? status : 1;
	stdout = c->out;
	stderr = c->err;
	if (rc == 0 && c->olen == 0) {
		/* A command that printed nothing under --json is a bug. */
		ctx->err.code = NULL;
		(void)ctx_fail(ctx, 1, "internal", "the command printed no "
		    "JSON object");
		rc = 1;
	}
	if (rc == 0) {
		fwrite(c->obuf, 1, c->olen, stdout);
		fwrite(c->ebuf, 1, c->elen, stderr);	/* warnings */
	} else
		print_error(ctx, rc, c->ebuf, c->elen);
	free(c->obuf);
	free(c->ebuf);
	c->obuf = c->ebuf = NULL;
	return rc;
}
