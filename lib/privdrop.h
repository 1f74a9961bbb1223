/*
 * privdrop.h -- giving up root for a configured user, after binding.
 *
 * dnsbld and loader sink bind their ports as root, then become the user
 * the config names, for good: that user's group as the only group, and
 * no way back (a setuid(0) that succeeds afterwards is an error).  Nothing
 * here keeps state; the caller owns the struct priv_user it fills.
 */
#ifndef DNSBL_PRIVDROP_H
#define DNSBL_PRIVDROP_H

#include <sys/types.h>

struct errbuf;

struct priv_user {
	char name[256];
	uid_t uid;
	gid_t gid;
};

/*
 * Look user up in the password database: 0 with u filled, or
 * DNSBL_ENOENT ("no user NAME on this system") with the message in eb.
 */
int priv_lookup(const char *user, struct priv_user *u, struct errbuf *eb);

/*
 * Become u: setgroups, setgid, setuid, then check that root cannot be
 * regained.  0, or DNSBL_EIO with the step that failed in eb.  For u->uid
 * 0 it only sets the groups.
 */
int priv_drop(const struct priv_user *u, struct errbuf *eb);

#endif
