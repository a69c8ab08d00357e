/* fuzz_api_params.c - the API's request parsing: the request target
 * (path + query string, percent-decoding), parameter checks, integer and
 * time values, the ack and quarantine JSON bodies and the --listen
 * address. Invariants: a parsed target has a path starting with '/', at
 * most API_MAX_PARAMS parameters, and no decoded string holds a control
 * byte; a parsed quarantine body has a bounded reason and duration. */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "policy/quarantine.h"
#include "fuzz.h"

static void no_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = { "since", "until", "device",
	    "severity", "category", "acked", "after_id", "limit", "offset",
	    NULL };
	static struct api_query q;
	char err[160], note[API_NOTE_MAX * 4 + 1], host[64];
	uint64_t v;
	int64_t id;
	int expected;
	uint16_t port = 1;

	if (api_split_target((const char *)data, size, &q, err,
	    sizeof(err)) == 0) {
		if (q.path[0] != '/' || q.n > API_MAX_PARAMS)
			__builtin_trap();
		no_ctl(q.path);
		(void)api_params_check(&q, allowed, err, sizeof(err));
		for (size_t i = 0; i < q.n; i++) {
			no_ctl(q.kv[i].key);
			no_ctl(q.kv[i].val);
			if (api_parse_time("t", q.kv[i].val, &v, err,
			    sizeof(err)) == 0 && v > 9223372036000000000ull)
				__builtin_trap();
			if (api_parse_uint("n", q.kv[i].val, 1, 1000, &v, err,
			    sizeof(err)) == 0 && (v < 1 || v > 1000))
				__builtin_trap();
			(void)api_parse_id(q.kv[i].val, &id);
			(void)api_param(&q, q.kv[i].key);
		}
	}
	if (api_parse_ack((const char *)data, size, &expected, note,
	    sizeof(note), err, sizeof(err)) == 0 &&
	    (strlen(note) > API_NOTE_MAX * 4 || (expected != 0 &&
	    expected != 1)))
		__builtin_trap();
	{
		uint64_t for_s = 1;
		for (int rel = 0; rel < 2; rel++)
			if (api_parse_quarantine((const char *)data, size, rel,
			    &for_s, note, sizeof(note), err, sizeof(err)) == 0 &&
			    (strlen(note) > API_NOTE_MAX * 4 ||
			    for_s > QUAR_DURATION_MAX_S || (rel && for_s)))
				__builtin_trap();
	}
	if (size < 512) {
		char *s = malloc(size + 1);
		if (s) {
			memcpy(s, data, size);
			s[size] = '\0';
			(void)api_parse_time("t", s, &v, err, sizeof(err));
			(void)api_parse_listen(s, host, sizeof(host), &port, err,
			    sizeof(err));
			free(s);
		}
	}
	return 0;
}
