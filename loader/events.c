/*
 * events.c -- printing history events.
 */
#include <string.h>

#include "addr.h"
#include "events.h"
#include "json.h"
#include "say.h"
#include "store.h"
#include "timefmt.h"

void
event_json(struct json *j, const struct event *ev)
{
	char ptxt[PREFIX_STRLEN];

	prefix_format(&ev->prefix, ptxt);
	json_obj_open(j);
	json_key(j, "seq"); json_int(j, (int64_t)ev->seq);
	json_key(j, "time"); json_time(j, ev->time);
	json_key(j, "prefix"); json_str(j, ptxt);
	json_key(j, "action"); json_str(j, event_action_name(ev->action));
	json_key(j, "actor"); json_str(j, ev->actor);
	json_key(j, "reason"); json_str(j, *ev->reason ? ev->reason : NULL);
	json_key(j, "result");
	json_str(j, ev->result ? test_result_name(ev->result) : NULL);
	json_key(j, "tested_at"); json_time(j, ev->tested_at);
	json_key(j, "evidence"); json_str(j, ev->evidence);
	json_key(j, "details"); json_str(j, ev->extra);
	json_obj_close(j);
}

void
event_print(FILE *f, const struct event *ev, const char *indent, int width,
    int evidence)
{
	char ptxt[PREFIX_STRLEN], when[TIME_STRLEN], tt[TIME_STRLEN];

	prefix_format(&ev->prefix, ptxt);
	time_format(ev->time, when);
	if (width)
		say(f, "%s%s  %-16s %-*s %s", indent, when,
		    event_action_name(ev->action), width, ptxt, ev->actor);
	else
		say(f, "%s%s  %-16s %s  %s", indent, when,
		    event_action_name(ev->action), ptxt, ev->actor);
	if (ev->result) {
		time_format(ev->tested_at, tt);
		say(f, "  result=%s tested_at=%s",
		    test_result_name(ev->result), tt);
	}
	if (*ev->reason)
		say(f, "  reason: %s", ev->reason);
	if (ev->extra)
		say(f, "  (%s)", ev->extra);
	say(f, "\n");
	if (evidence && ev->evidence)
		say(f, "%s  evidence: %zu bytes (see --json)\n", indent,
		    strlen(ev->evidence));
}
