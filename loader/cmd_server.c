/*
 * cmd_server.c -- server status|stats|reload: ask the running dnsbld
 * through its control socket (`control: PATH`, dnsbld's control.h).
 *
 * The command sends one line and reads the one JSON object dnsbld answers
 * with.  --json prints that object as it came; otherwise it is printed
 * for a person: "key: value" lines, nested objects indented, an object of
 * plain values on one line ("queries: udp 3, tcp 2").  The answer is
 * parsed here with a small reader for what dnsbld writes (objects,
 * arrays, strings, numbers, true, false, null), bounded in size and
 * depth.  An {"error": ...} answer, or a reload that failed, exits 1.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "loader.h"
#include "say.h"

#define REPLY_MAX	(64u << 20)
#define REPLY_WAIT	60		/* seconds: a reload may take a while */
#define JV_DEPTH	16

/* ---- a small JSON reader ---- */

enum jt { J_SCALAR, J_STR, J_OBJ, J_ARR };

struct jv {
	enum jt t;
	char *s;			/* scalar text or string (unescaped) */
	char **keys;			/* J_OBJ */
	struct jv *kid;			/* J_OBJ, J_ARR */
	size_t n;
};

struct jp {
	const char *p, *end;
	int depth;
};

static void
jv_free(struct jv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (v->keys != NULL)
			free(v->keys[i]);
		jv_free(&v->kid[i]);
	}
	free(v->keys);
	free(v->kid);
	free(v->s);
}

static void
skip_ws(struct jp *p)
{
	while (p->p < p->end && (*p->p == ' ' || *p->p == '\n' ||
	    *p->p == '\r' || *p->p == '\t'))
		p->p++;
}

static int
parse_str(struct jp *p, char **out)
{
	size_t cap = 16, n = 0;
	char *s, *ns, c;
	unsigned u;

	if (p->p >= p->end || *p->p != '"' || (s = malloc(cap)) == NULL)
		return -1;
	p->p++;
	while (p->p < p->end && *p->p != '"') {
		c = *p->p++;
		if (c == '\\') {
			if (p->p >= p->end)
				break;
			c = *p->p++;
			if (c == 'u') {
				if (p->end - p->p < 4 ||
				    sscanf(p->p, "%4x", &u) != 1)
					break;
				p->p += 4;
				c = u < 0x80 ? (char)u : '?';
			} else if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'r')
				c = '\r';
			else if (c != '"' && c != '\\' && c != '/')
				c = '?';
		}
		if (n + 2 > cap) {
			if ((ns = realloc(s, cap *= 2)) == NULL)
				break;
			s = ns;
		}
		s[n++] = c;
	}
	if (p->p >= p->end || *p->p != '"') {
		free(s);
		return -1;
	}
	p->p++;
	s[n] = '\0';
	*out = s;
	return 0;
}

static int parse_value(struct jp *p, struct jv *v);

/* Append a member (key may be NULL in an array). */
static int
add_kid(struct jv *v, char *key, struct jv *kid)
{
	struct jv *nk;
	char **nkeys;

	if ((nk = realloc(v->kid, (v->n + 1) * sizeof(*nk))) == NULL)
		return -1;
	v->kid = nk;
	if (v->t == J_OBJ) {
		if ((nkeys = realloc(v->keys, (v->n + 1) * sizeof(*nkeys))) ==
		    NULL)
			return -1;
		v->keys = nkeys;
		v->keys[v->n] = key;
	}
	v->kid[v->n++] = *kid;
	return 0;
}

static int
parse_container(struct jp *p, struct jv *v, char close)
{
	struct jv kid;
	char *key = NULL;

	p->p++;
	skip_ws(p);
	if (p->p < p->end && *p->p == close) {
		p->p++;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (close == '}') {
			if (parse_str(p, &key) != 0)
				return -1;
			skip_ws(p);
			if (p->p >= p->end || *p->p++ != ':') {
				free(key);
				return -1;
			}
		}
		memset(&kid, 0, sizeof(kid));
		if (parse_value(p, &kid) != 0 || add_kid(v, key, &kid) != 0) {
			jv_free(&kid);
			free(key);
			return -1;
		}
		key = NULL;
		skip_ws(p);
		if (p->p < p->end && *p->p == ',') {
			p->p++;
			continue;
		}
		if (p->p < p->end && *p->p == close) {
			p->p++;
			return 0;
		}
		return -1;
	}
}

static int
parse_value(struct jp *p, struct jv *v)
{
	const char *start;
	int rc;

	memset(v, 0, sizeof(*v));
	skip_ws(p);
	if (p->p >= p->end)
		return -1;
	if (*p->p == '"') {
		v->t = J_STR;
		return parse_str(p, &v->s);
	}
	if (*p->p == '{' || *p->p == '[') {
		if (++p->depth > JV_DEPTH)
			return -1;
		v->t = *p->p == '{' ? J_OBJ : J_ARR;
		rc = parse_container(p, v, *p->p == '{' ? '}' : ']');
		p->depth--;
		return rc;
	}
	start = p->p;
	while (p->p < p->end && strchr("-+.0123456789eEtruefalsn", *p->p))
		p->p++;
	if (p->p == start || (v->s = strndup(start, (size_t)(p->p -
	    start))) == NULL)
		return -1;
	v->t = J_SCALAR;
	return 0;
}

/* ---- printing for a person ---- */

static int
all_scalars(const struct jv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->kid[i].t == J_OBJ || v->kid[i].t == J_ARR)
			return 0;
	return 1;
}

static void print_members(const struct jv *v, int indent, int first_dash);

static void
print_named(const char *key, const struct jv *v, int indent, const char *lead)
{
	size_t i;

	if (v->t == J_STR || v->t == J_SCALAR) {
		say(stdout, "%*s%s%s: %s\n", indent, "", lead, key, v->s);
		return;
	}
	if (v->t == J_OBJ && all_scalars(v)) {
		say(stdout, "%*s%s%s:", indent, "", lead, key);
		for (i = 0; i < v->n; i++)
			say(stdout, "%s %s %s", i ? "," : "", v->keys[i],
			    v->kid[i].s);
		say(stdout, "\n");
		return;
	}
	say(stdout, "%*s%s%s:%s\n", indent, "", lead, key,
	    v->n == 0 ? " none" : "");
	indent += (int)strlen(lead);
	if (v->t == J_OBJ)
		print_members(v, indent + 2, 0);
	else
		for (i = 0; i < v->n; i++) {
			if (v->kid[i].t == J_OBJ)
				print_members(&v->kid[i], indent + 2, 1);
			else if (v->kid[i].t != J_ARR)
				say(stdout, "%*s- %s\n", indent + 2, "",
				    v->kid[i].s);
		}
}

static void
print_members(const struct jv *v, int indent, int first_dash)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		print_named(v->keys[i], &v->kid[i], indent, !first_dash ? "" :
		    i == 0 ? "- " : "  ");
}

/* ---- the socket ---- */

/* Send line, read the answer into *out (NUL-terminated).  0 or -1. */
static int
ask(struct loader_ctx *ctx, const char *path, const char *line, char **out,
    size_t *outlen)
{
	struct sockaddr_un sun;
	struct pollfd pf;
	time_t end = time(NULL) + REPLY_WAIT;
	size_t n = 0, cap = 65536;
	char *buf = NULL, *nb;
	ssize_t r;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ctx_fail(ctx, 1, "invalid", "server: %s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		ctx_fail(ctx, 1, "io", "server: cannot reach dnsbld at %s: %s",
		    path, strerror(errno));
		goto fail;
	}
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) !=
	    (ssize_t)strlen(line)) {
		ctx_fail(ctx, 1, "io", "server: %s: %s", path, strerror(errno));
		goto fail;
	}
	if ((buf = malloc(cap)) == NULL)
		goto nomem;
	pf.fd = fd;
	pf.events = POLLIN;
	for (;;) {
		if (time(NULL) > end || poll(&pf, 1, 1000) == -1) {
			ctx_fail(ctx, 1, "io", "server: %s: no answer in %d s",
			    path, REPLY_WAIT);
			goto fail;
		}
		if (!(pf.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (n + 1 >= cap) {
			if (cap >= REPLY_MAX) {
				ctx_fail(ctx, 1, "parse", "server: answer over "
				    "%u bytes", REPLY_MAX);
				goto fail;
			}
			if ((nb = realloc(buf, cap *= 2)) == NULL)
				goto nomem;
			buf = nb;
		}
		if ((r = recv(fd, buf + n, cap - n - 1, 0)) < 0) {
			if (errno == EINTR)
				continue;
			ctx_fail(ctx, 1, "io", "server: %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
nomem:
	ctx_fail(ctx, 1, "internal", "out of memory");
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}

int
cmd_server(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("server");
	const char *path = NULL, *what;
	char line[16], *reply = NULL;
	struct jv v;
	struct jp p;
	size_t len, i;
	int ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': ctx->json = 1; break;
		case 's': path = optarg; break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc - 1)
		return command_usage(cmd);
	what = argv[optind];
	if (strcmp(what, "status") != 0 && strcmp(what, "stats") != 0 &&
	    strcmp(what, "reload") != 0)
		return command_usage(cmd);
	if (path == NULL)
		path = ctx->cfg->control;
	if (path == NULL) {
		return ctx_fail(ctx, 1, "config", "server: %s names no control "
		    "socket (control: PATH), and no --socket was given",
		    ctx->config_path);
	}
	snprintf(line, sizeof(line), "%s\n", what);
	if (ask(ctx, path, line, &reply, &len) != 0)
		return 1;
	memset(&p, 0, sizeof(p));
	p.p = reply;
	p.end = reply + len;
	if (parse_value(&p, &v) != 0 || v.t != J_OBJ) {
		jv_free(&v);
		ctx_fail(ctx, 1, "parse", "server: %s: not an answer of dnsbld's",
		    path);
		free(reply);
		return 1;
	}
	for (i = 0; i < v.n; i++)
		if (strcmp(v.keys[i], "error") == 0) {
			ctx_fail(ctx, 1, "failed", "server %s: dnsbld says: %s",
			    what, v.kid[i].s != NULL ? v.kid[i].s : "?");
			goto done;
		}
	/* A reload that failed (dnsbld kept its config) is a failure:
	 * under --json an error object, as every failure. */
	for (i = 0; i < v.n; i++)
		if (strcmp(v.keys[i], "result") == 0 && v.kid[i].s != NULL &&
		    strcmp(v.kid[i].s, "failed") == 0) {
			rc = ctx_fail(ctx, 1, "failed", "server reload: dnsbld "
			    "could not reload and keeps its running config "
			    "(its log says why)");
			goto done;
		}
	if (ctx->json)
		fwrite(reply, 1, len, stdout);
	else
		print_members(&v, 0, 0);
	rc = 0;
done:
	jv_free(&v);
	free(reply);
	return rc;
}
