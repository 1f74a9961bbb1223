/*
 * cmd_backup.c -- backup DIR and restore DIR: a whole, consistent copy of
 * the store, and its return.
 *
 * backup copies both environments compacted while holding both writer
 * locks (store_copy()), so the copy is one commit of the store; dnsbld
 * goes on answering, writers wait.  DIR/MANIFEST says what the copy holds
 * (per zone: serial, entries, listings; the generation and the next
 * history number) and the SHA-256 of each file; it is written last, so a
 * backup without one is not a backup.
 *
 * restore refuses a backup whose manifest is missing, damaged or cut
 * short, whose files do not match it, whose zones are not the config's,
 * or (without --force) that is older than the live store's history: a
 * restore would lose those changes, removals among them.  It copies the
 * backup next to the database, raises every zone's serial past both the
 * live and the backup's and restarts the journals (so every secondary
 * takes the whole zone), then swaps the directories: the live database is
 * kept beside it as DATABASE.replaced-TIME.  dnsbld sees the new files
 * within a second and reopens the store by itself.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "config.h"
#include "err.h"
#include "json.h"
#include "loader.h"
#include "outfile.h"
#include "say.h"
#include "store.h"
#include "timefmt.h"

#define MANIFEST	"MANIFEST"
#define MANIFEST_V	"dnsbl-backup 1"

struct zfacts {
	char name[DNAME_MAXWIRE + 1];
	uint32_t serial;
	uint64_t entries, listed;
};

/* What a backup holds: the manifest's content. */
struct facts {
	uint32_t generation;
	uint64_t history_next;
	char sum[2][65];		/* serve, meta: SHA-256, hex */
	uint64_t size[2];
	struct zfacts *zones;
	size_t nzones;
};

static const char *const sub[2] = { "serve", "meta" };

static int
count_cb(const struct entry *e, void *arg)
{
	struct zfacts *z = arg;

	z->entries++;
	z->listed += e->state == ENTRY_LISTED;
	return 0;
}

static int
facts_txn(struct store_txn *t, void *arg)
{
	struct facts *f = arg;
	const struct dnsbl_config *cfg = store_txn_config(t);
	size_t i;
	int rc;

	f->generation = store_generation(t);
	f->history_next = store_history_next(t);
	for (i = 0; i < f->nzones; i++) {
		struct zfacts *z = &f->zones[i];
		snprintf(z->name, sizeof(z->name), "%s", cfg->zones[i].name.text);
		z->serial = store_serial(t, i);
		z->entries = z->listed = 0;
		if ((rc = store_entry_walk(t, i, count_cb, z)) != 0)
			return rc;
	}
	return 0;
}

/* The facts of the store at database (read-only), with cfg's zones. */
static int
read_facts(const struct dnsbl_config *cfg, const char *database,
    struct facts *f, struct errbuf *eb)
{
	struct dnsbl_config c = *cfg;
	struct store *st = NULL;
	int rc;

	c.database = (char *)database;
	memset(f, 0, sizeof(*f));
	if ((f->zones = calloc(cfg->nzones ? cfg->nzones : 1,
	    sizeof(*f->zones))) == NULL)
		return errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
	f->nzones = cfg->nzones;
	if ((rc = store_open(&c, STORE_RDONLY, &st, eb)) != 0)
		return rc;
	rc = store_read(st, facts_txn, f, eb);
	store_close(st);
	return rc;
}

/* The SHA-256 of a file, in hex, and its size. */
static int
file_sum(const char *path, char hex[65], uint64_t *size, struct errbuf *eb)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	EVP_MD_CTX *c = NULL;
	FILE *fp;
	size_t k;
	int rc = 0;

	if ((fp = fopen(path, "rb")) == NULL)
		return errbuf_set(eb, DNSBL_EIO, "%s: %s", path,
		    strerror(errno));
	*size = 0;
	if ((c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		rc = errbuf_set(eb, DNSBL_ENOMEM, "out of memory");
		goto done;
	}
	while ((k = fread(buf, 1, sizeof(buf), fp)) > 0) {
		EVP_DigestUpdate(c, buf, k);
		*size += k;
	}
	if (ferror(fp)) {
		rc = errbuf_set(eb, DNSBL_EIO, "%s: read error", path);
		goto done;
	}
	EVP_DigestFinal_ex(c, md, &n);
	for (i = 0; i < n && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
done:
	EVP_MD_CTX_free(c);
	fclose(fp);
	return rc;
}

static int
sums(const char *dir, struct facts *f, struct errbuf *eb)
{
	char path[PATH_MAX];
	int i, rc;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s/data.mdb", dir, sub[i]);
		if ((rc = file_sum(path, f->sum[i], &f->size[i], eb)) != 0)
			return rc;
	}
	return 0;
}

static int
write_manifest(const char *dir, const struct facts *f,
    const struct dnsbl_config *cfg, struct errbuf *eb)
{
	char path[PATH_MAX], now[TIME_STRLEN];
	struct outfile of;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	if ((rc = outfile_open(&of, path, eb)) != 0)
		return rc;
	time_format((int64_t)time(NULL), now);
	fprintf(of.f, "%s\ncreated %s\ndatabase %s\ngeneration %u\n"
	    "history_next %llu\n", MANIFEST_V, now, cfg->database,
	    f->generation, (unsigned long long)f->history_next);
	for (i = 0; i < 2; i++)
		fprintf(of.f, "file %s/data.mdb %s %llu\n", sub[i], f->sum[i],
		    (unsigned long long)f->size[i]);
	for (i = 0; i < f->nzones; i++)
		fprintf(of.f, "zone %s serial %u entries %llu listed %llu\n",
		    f->zones[i].name, f->zones[i].serial,
		    (unsigned long long)f->zones[i].entries,
		    (unsigned long long)f->zones[i].listed);
	fprintf(of.f, "end\n");
	return outfile_commit(&of, eb);
}

/* Read DIR/MANIFEST; every line must be known and well formed. */
static int
read_manifest(const char *dir, struct facts *f, char *created, size_t clen,
    struct errbuf *eb)
{
	char path[PATH_MAX], line[600], a[256], b[80];
	unsigned long long x, y, z;
	unsigned u;
	unsigned long lno = 0;
	int got_end = 0, nfile = 0, rc = 0;
	FILE *fp;

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	if ((fp = fopen(path, "r")) == NULL)
		return errbuf_set(eb, DNSBL_EIO, "%s: %s: not a backup",
		    path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		lno++;
		if (strchr(line, '\n') == NULL || got_end) {
			rc = DNSBL_EPARSE;
			break;
		}
		line[strcspn(line, "\n")] = '\0';
		if (lno == 1) {
			if (strcmp(line, MANIFEST_V) != 0) {
				rc = DNSBL_EPARSE;
				break;
			}
		} else if (sscanf(line, "created %79s", b) == 1)
			snprintf(created, clen, "%s", b);
		else if (strncmp(line, "database ", 9) == 0)
			;
		else if (sscanf(line, "generation %u", &u) == 1)
			f->generation = u;
		else if (sscanf(line, "history_next %llu", &x) == 1)
			f->history_next = x;
		else if (sscanf(line, "file %255s %64s %llu", a, b, &x) == 3 &&
		    nfile < 2 && strlen(b) == 64) {
			char want[40];
			snprintf(want, sizeof(want), "%s/data.mdb", sub[nfile]);
			if (strcmp(a, want) != 0) {
				rc = DNSBL_EPARSE;
				break;
			}
			memcpy(f->sum[nfile], b, 65);
			f->size[nfile++] = x;
		} else if (sscanf(line, "zone %255s serial %llu entries %llu "
		    "listed %llu", a, &x, &y, &z) == 4 && x <= 0xffffffffULL) {
			struct zfacts *nz = realloc(f->zones, (f->nzones + 1) *
			    sizeof(*nz));
			if (nz == NULL) {
				rc = DNSBL_ENOMEM;
				break;
			}
			f->zones = nz;
			nz = &f->zones[f->nzones++];
			snprintf(nz->name, sizeof(nz->name), "%s", a);
			nz->serial = (uint32_t)x;
			nz->entries = y;
			nz->listed = z;
		} else if (strcmp(line, "end") == 0)
			got_end = 1;
		else {
			rc = DNSBL_EPARSE;
			break;
		}
	}
	fclose(fp);
	if (rc == 0 && (!got_end || nfile != 2))
		rc = DNSBL_EPARSE;
	if (rc == DNSBL_EPARSE)
		return errbuf_set(eb, rc, "%s:%lu: a damaged or cut short "
		    "manifest: not restored", path, lno);
	return rc ? errbuf_set(eb, rc, "%s: %s", path, dnsbl_strerror(rc)) : 0;
}

static void
facts_free(struct facts *f)
{
	free(f->zones);
	f->zones = NULL;
}

int
cmd_backup(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("backup");
	struct errbuf eb = { "" };
	struct facts f;
	struct json j;
	const char *dir;
	size_t i;
	int ch, rc;

	memset(&f, 0, sizeof(f));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			return command_usage(cmd);
		ctx->json = 1;
	}
	if (optind != argc - 1)
		return command_usage(cmd);
	dir = argv[optind];
	if (mkdir(dir, 0750) == -1 && (errno != EEXIST || rmdir(dir) != 0 ||
	    mkdir(dir, 0750) == -1)) {
		say(stderr, PROG ": backup: %s: %s (give a new or empty "
		    "directory)\n", dir, strerror(errno));
		return 1;
	}
	if ((rc = store_copy(ctx->st, dir, &eb)) != 0 ||
	    (rc = read_facts(ctx->cfg, dir, &f, &eb)) != 0 ||
	    (rc = sums(dir, &f, &eb)) != 0 ||
	    (rc = write_manifest(dir, &f, ctx->cfg, &eb)) != 0) {
		say(stderr, PROG ": backup: %s\n", eb.msg);
		facts_free(&f);
		return 1;
	}
	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "backup"); json_str(&j, dir);
		json_key(&j, "generation"); json_int(&j, f.generation);
		json_key(&j, "history_next");
		json_int(&j, (int64_t)f.history_next);
		json_key(&j, "bytes");
		json_int(&j, (int64_t)(f.size[0] + f.size[1]));
		json_key(&j, "zones");
		json_arr_open(&j);
		for (i = 0; i < f.nzones; i++) {
			json_obj_open(&j);
			json_key(&j, "zone"); json_str(&j, f.zones[i].name);
			json_key(&j, "serial"); json_int(&j, f.zones[i].serial);
			json_key(&j, "entries");
			json_int(&j, (int64_t)f.zones[i].entries);
			json_key(&j, "listed");
			json_int(&j, (int64_t)f.zones[i].listed);
			json_obj_close(&j);
		}
		json_arr_close(&j);
		json_obj_close(&j);
		json_end(&j);
	} else {
		say(stdout, "backup %s: %llu bytes, generation %u\n", dir,
		    (unsigned long long)(f.size[0] + f.size[1]), f.generation);
		for (i = 0; i < f.nzones; i++)
			say(stdout, "  %s: serial %u, %llu entries, %llu listed\n",
			    f.zones[i].name, f.zones[i].serial,
			    (unsigned long long)f.zones[i].entries,
			    (unsigned long long)f.zones[i].listed);
	}
	facts_free(&f);
	return 0;
}

/* The backup's files and content match its manifest, and the config. */
static int
verify(struct loader_ctx *ctx, const char *dir, const struct facts *m,
    struct facts *got, struct errbuf *eb)
{
	const struct dnsbl_config *cfg = ctx->cfg;
	size_t i, k;
	int rc;

	if ((rc = sums(dir, got, eb)) != 0)
		return rc;
	for (i = 0; i < 2; i++)
		if (strcmp(got->sum[i], m->sum[i]) != 0 ||
		    got->size[i] != m->size[i])
			return errbuf_set(eb, DNSBL_ECORRUPT, "%s/%s/data.mdb "
			    "does not match the manifest: a damaged backup",
			    dir, sub[i]);
	if (m->nzones != cfg->nzones)
		return errbuf_set(eb, DNSBL_EINVAL, "%s holds %zu zones, the "
		    "config %zu: not this list's backup", dir, m->nzones,
		    cfg->nzones);
	for (i = 0; i < cfg->nzones; i++) {
		for (k = 0; k < m->nzones; k++)
			if (strcmp(m->zones[k].name,
			    cfg->zones[i].name.text) == 0)
				break;
		if (k == m->nzones)
			return errbuf_set(eb, DNSBL_EINVAL, "%s has no zone %s: "
			    "not this list's backup", dir,
			    cfg->zones[i].name.text);
	}
	facts_free(got);
	if ((rc = read_facts(cfg, dir, got, eb)) != 0)
		return rc;
	for (i = 0; i < cfg->nzones; i++)
		for (k = 0; k < m->nzones; k++)
			if (strcmp(m->zones[k].name, got->zones[i].name) == 0 &&
			    (m->zones[k].serial != got->zones[i].serial ||
			    m->zones[k].entries != got->zones[i].entries ||
			    m->zones[k].listed != got->zones[i].listed))
				return errbuf_set(eb, DNSBL_ECORRUPT, "%s: zone "
				    "%s does not hold what the manifest says",
				    dir, m->zones[k].name);
	if (got->generation != m->generation ||
	    got->history_next != m->history_next)
		return errbuf_set(eb, DNSBL_ECORRUPT, "%s does not hold what "
		    "the manifest says", dir);
	return 0;
}

struct restart {
	const struct facts *live;
	uint32_t *serial;	/* per zone, out */
};

static int
restart_txn(struct store_txn *t, void *arg)
{
	struct restart *r = arg;
	const struct dnsbl_config *cfg = store_txn_config(t);
	uint32_t s, l;
	size_t i, k;
	int rc;

	for (i = 0; i < cfg->nzones; i++) {
		s = store_serial(t, i);
		for (k = 0; r->live && k < r->live->nzones; k++)
			if (strcmp(r->live->zones[k].name,
			    cfg->zones[i].name.text) == 0 &&
			    (int32_t)((l = r->live->zones[k].serial) - s) > 0)
				s = l;
		s = s + 1 ? s + 1 : 1;
		if ((rc = store_zone_restart(t, i, s)) != 0)
			return rc;
		r->serial[i] = s;
	}
	return 0;
}

/* Copy the backup's two files into the new directory dst. */
static int
copy_files(const char *src, const char *dst, struct errbuf *eb)
{
	char from[PATH_MAX], to[PATH_MAX], buf[65536];
	struct outfile of;
	FILE *in;
	size_t n;
	int i, rc = 0;

	if (mkdir(dst, 0750) == -1)
		return errbuf_set(eb, DNSBL_EIO, "%s: %s", dst,
		    strerror(errno));
	for (i = 0; i < 2 && rc == 0; i++) {
		if ((size_t)snprintf(to, sizeof(to), "%s/%s", dst, sub[i]) >=
		    sizeof(to))
			return errbuf_set(eb, DNSBL_ERANGE, "%s: path too long",
			    dst);
		if (mkdir(to, 0750) == -1)
			return errbuf_set(eb, DNSBL_EIO, "%s: %s", to,
			    strerror(errno));
		if ((size_t)snprintf(from, sizeof(from), "%s/%s/data.mdb", src,
		    sub[i]) >= sizeof(from) || (size_t)snprintf(to, sizeof(to),
		    "%s/%s/data.mdb", dst, sub[i]) >= sizeof(to))
			return errbuf_set(eb, DNSBL_ERANGE, "%s: path too long",
			    src);
		if ((in = fopen(from, "rb")) == NULL)
			return errbuf_set(eb, DNSBL_EIO, "%s: %s", from,
			    strerror(errno));
		if ((rc = outfile_open(&of, to, eb)) == 0) {
			while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
				if (fwrite(buf, 1, n, of.f) != n)
					break;
			rc = ferror(in) ? errbuf_set(eb, DNSBL_EIO, "%s: read "
			    "error", from) : 0;
			if (rc == 0)
				rc = outfile_commit(&of, eb);
			else
				outfile_abort(&of);
		}
		fclose(in);
	}
	return rc;
}

int
cmd_restore(struct loader_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd = command_find("restore");
	const struct dnsbl_config *cfg = ctx->cfg;
	struct errbuf eb = { "" };
	struct facts m, got, live;
	struct restart r;
	struct dnsbl_config c;
	struct store *st = NULL;
	char created[80] = "?", stage[PATH_MAX], old[PATH_MAX], now[40];
	const char *dir;
	int ch, rc = 1, force = 0, have_live;
	size_t i;

	memset(&m, 0, sizeof(m));
	memset(&got, 0, sizeof(got));
	memset(&live, 0, sizeof(live));
	memset(&r, 0, sizeof(r));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': force = 1; break;
		case 'j': ctx->json = 1; break;
		default: return command_usage(cmd);
		}
	}
	if (optind != argc - 1)
		return command_usage(cmd);
	dir = argv[optind];
	if (read_manifest(dir, &m, created, sizeof(created), &eb) != 0 ||
	    verify(ctx, dir, &m, &got, &eb) != 0) {
		say(stderr, PROG ": restore: %s\n", eb.msg);
		goto done;
	}
	/* What would be lost: the live store's history since the backup. */
	have_live = read_facts(cfg, cfg->database, &live, &eb) == 0;
	if (have_live && live.history_next > m.history_next && !force) {
		say(stderr, PROG ": restore: the live store has %llu "
		    "history events newer than the backup of %s (listings, "
		    "delistings, requests): they would be lost.  Restore with "
		    "--force if that is meant.\n", (unsigned long long)
		    (live.history_next - m.history_next), created);
		goto done;
	}
	/* A copy beside the database, with serials past the live ones. */
	snprintf(stage, sizeof(stage), "%s.restoring", cfg->database);
	if (access(stage, F_OK) == 0) {
		say(stderr, PROG ": restore: %s exists: an earlier "
		    "restore stopped half way; remove it first\n", stage);
		goto done;
	}
	if (copy_files(dir, stage, &eb) != 0) {
		say(stderr, PROG ": restore: %s\n", eb.msg);
		goto done;
	}
	c = *cfg;
	c.database = stage;
	if ((r.serial = calloc(cfg->nzones + 1, sizeof(*r.serial))) == NULL)
		goto done;
	r.live = have_live ? &live : NULL;
	if (store_open(&c, 0, &st, &eb) != 0 ||
	    store_write(st, restart_txn, &r, &eb) != 0) {
		say(stderr, PROG ": restore: %s\n", eb.msg);
		store_close(st);
		goto done;
	}
	store_close(st);
	time_format((int64_t)time(NULL), now);
	snprintf(old, sizeof(old), "%s.replaced-%s", cfg->database, now);
	if ((access(cfg->database, F_OK) == 0 &&
	    rename(cfg->database, old) != 0) ||
	    rename(stage, cfg->database) != 0) {
		say(stderr, PROG ": restore: moving %s into place: %s\n",
		    stage, strerror(errno));
		goto done;
	}
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout);
		json_obj_open(&j);
		json_key(&j, "restored"); json_str(&j, dir);
		json_key(&j, "backup_created"); json_str(&j, created);
		json_key(&j, "replaced");
		json_str(&j, have_live ? old : NULL);
		json_key(&j, "zones");
		json_arr_open(&j);
		for (i = 0; i < cfg->nzones; i++) {
			json_obj_open(&j);
			json_key(&j, "zone"); json_str(&j, cfg->zones[i].name.text);
			json_key(&j, "serial"); json_int(&j, r.serial[i]);
			json_obj_close(&j);
		}
		json_arr_close(&j);
		json_obj_close(&j);
		json_end(&j);
	} else {
		say(stdout, "restored %s (made %s) into %s\n", dir, created,
		    cfg->database);
		if (have_live)
			say(stdout, "the replaced database is kept as %s\n", old);
		for (i = 0; i < cfg->nzones; i++)
			say(stdout, "  %s: serial %u; secondaries get a full "
			    "transfer\n", cfg->zones[i].name.text, r.serial[i]);
		say(stdout, "dnsbld reopens the store by itself within a second.\n");
	}
	rc = 0;
done:
	free(r.serial);
	facts_free(&m);
	facts_free(&got);
	facts_free(&live);
	return rc;
}
