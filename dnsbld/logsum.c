/*
 * logsum.c -- log lines that a client can provoke, summarized (logsum.h).
 */
#include <sys/socket.h>


#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "err.h"
#include "log.h"
#include "logsum.h"

struct logsum_slot {
	const char *kind;		/* NULL: free */
	struct prefix net;
	uint64_t more;			/* counted, not logged */
};

struct logsum {
	pthread_mutex_t mu;
	unsigned interval;
	time_t start;			/* monotonic seconds: interval began */
	struct logsum_slot slot[LOGSUM_SLOTS];
	size_t nslot;
	uint64_t other;			/* events that found no slot */
	uint64_t suppressed;
};

static time_t
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int
logsum_new(struct logsum **lsp, unsigned interval_s)
{
	struct logsum *ls;

	if ((ls = calloc(1, sizeof(*ls))) == NULL)
		return DNSBL_ENOMEM;
	pthread_mutex_init(&ls->mu, NULL);
	ls->interval = interval_s ? interval_s : 60;
	ls->start = mono_s();
	*lsp = ls;
	return 0;
}

void
logsum_free(struct logsum *ls)
{
	if (ls == NULL)
		return;
	logsum_tick(ls, 1);
	pthread_mutex_destroy(&ls->mu);
	free(ls);
}

/* Called with the mutex held. */
static void
flush_locked(struct logsum *ls, time_t now)
{
	char net[PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < ls->nslot; i++) {
		struct logsum_slot *s = &ls->slot[i];
		if (s->more > 0) {
			prefix_format(&s->net, net);
			log_info("%s from %s: %llu more in the last %lld s",
			    s->kind, net, (unsigned long long)s->more,
			    (long long)(now - ls->start));
		}
	}
	if (ls->other > 0)
		log_info("%llu more events from other networks in the last "
		    "%lld s (the summary table was full)",
		    (unsigned long long)ls->other,
		    (long long)(now - ls->start));
	memset(ls->slot, 0, sizeof(ls->slot));
	ls->nslot = 0;
	ls->other = 0;
	ls->start = now;
}

int
logsum_event(struct logsum *ls, const char *kind,
    const struct sockaddr *peer, const char *fmt, ...)
{
	struct prefix host, net;
	struct logsum_slot *s = NULL;
	char msg[512];
	va_list ap;
	time_t now = mono_s();
	size_t i;
	int first = 0;

	if (ls == NULL) {		/* no summary table: log each */
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		log_info("%s", msg);
		return 1;
	}
	(void)prefix_of_sockaddr(peer, &host);	/* none: 0.0.0.0/0 */
	prefix_client_net(&host, &net);
	pthread_mutex_lock(&ls->mu);
	if (now - ls->start >= (time_t)ls->interval)
		flush_locked(ls, now);
	for (i = 0; i < ls->nslot; i++)
		if (ls->slot[i].kind == kind &&
		    memcmp(&ls->slot[i].net, &net, sizeof(net)) == 0) {
			s = &ls->slot[i];
			break;
		}
	if (s == NULL && ls->nslot < LOGSUM_SLOTS) {
		s = &ls->slot[ls->nslot++];
		s->kind = kind;
		s->net = net;
		first = 1;
	} else if (s == NULL) {
		ls->other++;
		ls->suppressed++;
	} else {
		s->more++;
		ls->suppressed++;
	}
	pthread_mutex_unlock(&ls->mu);
	if (!first)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("%s", msg);
	return 1;
}

void
logsum_tick(struct logsum *ls, int force)
{
	time_t now = mono_s();

	if (ls == NULL)
		return;
	pthread_mutex_lock(&ls->mu);
	if (force || now - ls->start >= (time_t)ls->interval)
		flush_locked(ls, now);
	pthread_mutex_unlock(&ls->mu);
}

uint64_t
logsum_suppressed(struct logsum *ls)
{
	uint64_t n;

	if (ls == NULL)
		return 0;
	pthread_mutex_lock(&ls->mu);
	n = ls->suppressed;
	pthread_mutex_unlock(&ls->mu);
	return n;
}
