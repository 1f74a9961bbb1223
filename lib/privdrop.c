/*
 * privdrop.c -- giving up root for a configured user (privdrop.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "privdrop.h"

int
priv_lookup(const char *user, struct priv_user *u, struct errbuf *eb)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	if (user == NULL || strlen(user) >= sizeof(u->name))
		return errbuf_set(eb, DNSBL_EINVAL, "no user name");
	if ((pw = getpwnam(user)) == NULL)
		return errbuf_set(eb, DNSBL_ENOENT, "no user '%s' on this "
		    "system", user);
	snprintf(u->name, sizeof(u->name), "%s", user);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

int
priv_drop(const struct priv_user *u, struct errbuf *eb)
{
	if (setgroups(1, &u->gid) == -1)
		return errbuf_set(eb, DNSBL_EIO, "setgroups: %s",
		    strerror(errno));
	if (setgid(u->gid) == -1)
		return errbuf_set(eb, DNSBL_EIO, "setgid(%u): %s",
		    (unsigned)u->gid, strerror(errno));
	if (setuid(u->uid) == -1)
		return errbuf_set(eb, DNSBL_EIO, "setuid(%u): %s",
		    (unsigned)u->uid, strerror(errno));
	if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return errbuf_set(eb, DNSBL_EIO, "could not drop privileges: "
		    "root could be regained");
	return 0;
}
