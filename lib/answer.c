/*
 * answer.c -- a listing's A and TXT from its stored answer and the config
 * (see answer.h).
 */
#include <string.h>

#include "answer.h"
#include "config.h"
#include "store.h"

const struct cfg_code *
answer_code(const struct cfg_zone *cz, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cz->ncodes; i++)
		if (strcmp(cz->codes[i].name, name) == 0)
			return &cz->codes[i];
	return NULL;
}

static void
set_txt(struct answer *out, const char *s)
{
	out->txt = s != NULL && s[0] != '\0' ? s : NULL;
	out->txtlen = out->txt ? strlen(out->txt) : 0;
}

void
answer_resolve(const struct cfg_zone *cz, const struct store_answer *sa,
    struct answer *out)
{
	const struct cfg_code *code;

	memcpy(out->a, cz->a, 4);
	set_txt(out, cz->txt);
	if (sa == NULL)
		return;
	if ((code = answer_code(cz, sa->code)) != NULL) {
		memcpy(out->a, code->a, 4);
		if (code->txt != NULL && code->txt[0] != '\0')
			set_txt(out, code->txt);
	} else if (sa->a[0] | sa->a[1] | sa->a[2] | sa->a[3])
		memcpy(out->a, sa->a, 4);
	if (sa->txt != NULL && sa->txtlen > 0) {
		out->txt = sa->txt;
		out->txtlen = sa->txtlen;
	}
}
