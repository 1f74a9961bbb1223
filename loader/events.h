/*
 * events.h -- one history event as the loader prints it, in JSON and in
 * text, for show and history alike.  The event and its strings belong to
 * the caller (usually the LMDB map, valid until the transaction ends).
 */
#ifndef DNSBL_EVENTS_H
#define DNSBL_EVENTS_H

#include <stdio.h>

struct event;
struct json;

/* The event as a JSON object: seq, time, prefix, action, actor, reason,
 * result, tested_at, evidence, details. */
void event_json(struct json *j, const struct event *ev);

/*
 * One line: "TIME  ACTION PREFIX ACTOR [result=.. tested_at=..]
 * [reason: ..] [(details)]", after indent, the prefix padded to width (a
 * column, for long listings) or, with width 0, followed by two spaces.
 * With evidence, a second line gives the evidence's size (the text itself
 * is in the JSON).
 */
void event_print(FILE *f, const struct event *ev, const char *indent,
    int width, int evidence);

#endif
