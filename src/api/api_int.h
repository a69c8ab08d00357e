/* api_int.h - what the API's files share: request parsing (params.c),
 * the token file (token.c), the server state and reply helpers (http.c)
 * and the route handlers (routes_*.c). Not for use outside src/api/ (the
 * unit tests and the fuzz target excepted). */
#ifndef EW_API_INT_H
#define EW_API_INT_H

#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "config.h"
#include "output/store.h"
#include "util/json.h"

/* ---- params.c: every byte of a request goes through here ------------- */

struct api_kv {
	const char *key, *val;		/* percent-decoded, NUL-terminated */
};

/* A request target split and decoded. All strings point into buf. */
struct api_query {
	char buf[2 * (API_MAX_URL + 2)];
	const char *path;		/* decoded path, starts with '/' */
	struct api_kv kv[API_MAX_PARAMS];
	size_t n;
};

/* Split "/path?k=v&k2=v2" (len bytes, need not be NUL-terminated) into q:
 * the path and each parameter percent-decoded ('+' is a space in the
 * query). Refused (-1 with err, a 400 message): longer than API_MAX_URL,
 * not starting with '/', a bad or NUL %-escape, a control byte, more than
 * API_MAX_PARAMS parameters, an empty parameter name. */
int api_split_target(const char *target, size_t len, struct api_query *q,
    char *err, size_t errlen);
/* Every parameter's name in allowed (NULL-terminated list) and none
 * repeated; else -1 with "unknown parameter: x" / "repeated parameter: x". */
int api_params_check(const struct api_query *q, const char *const *allowed,
    char *err, size_t errlen);
/* The value of a parameter, or NULL when absent. */
const char *api_param(const struct api_query *q, const char *name);
/* Plain decimal in [min, max] (no sign, no spaces, at most 19 digits).
 * -1 with "name: must be an integer from min to max". */
int api_parse_uint(const char *name, const char *s, uint64_t min,
    uint64_t max, uint64_t *out, char *err, size_t errlen);
/* limit (1..API_LIMIT_MAX, default API_LIMIT_DEFAULT) and offset of a
 * list request, as the list endpoints share them. 0, or -1 with err. */
int api_parse_page(const struct api_query *q, uint64_t *limit,
    uint64_t *offset, char *err, size_t errlen);
/* Seconds since the epoch ("1700000000") or RFC 3339 UTC/offset
 * ("2023-11-14T22:25:20Z", "...20.5+0000", "...20+01:00") -> ns since the
 * epoch. -1 with "name: ..." on anything else or out of range. */
int api_parse_time(const char *name, const char *s, uint64_t *ns,
    char *err, size_t errlen);
/* The ack body: empty, or a JSON object with only "expected" (bool) and
 * "note" (string of at most API_NOTE_MAX characters). *expected 0/1
 * (default 0), note copied (default ""; notecap > API_NOTE_MAX * 4).
 * -1 with a message. */
int api_parse_ack(const char *body, size_t len, int *expected, char *note,
    size_t notecap, char *err, size_t errlen);
/* The quarantine body (POST devices/KEY/quarantine; release: 1 for
 * .../release, which takes only "why"): empty, or a JSON object with
 * "for" (a duration string "30m", "2h", "1d"... or null = until released)
 * and "why" (string of at most API_NOTE_MAX characters, no NUL). *for_s 0
 * = until released; why copied (whycap > API_NOTE_MAX * 4). -1 with a
 * message. */
int api_parse_quarantine(const char *body, size_t len, int release,
    uint64_t *for_s, char *why, size_t whycap, char *err, size_t errlen);
/* Decimal id in a path segment: 1..INT64_MAX. 0 or -1. */
int api_parse_id(const char *s, int64_t *out);

/* ---- token.c ----------------------------------------------------------- */

/* Read the token from path, or create the file (0600, O_EXCL) with 32
 * random bytes as 64 hex characters when it does not exist. The token
 * (trailing newline stripped) must be API_TOKEN_MIN..API_TOKEN_MAX
 * printable ASCII characters. tok gets it NUL-terminated (tokcap >
 * API_TOKEN_MAX); *created 1 when the file was made now. 0 or -1 with
 * err. */
int api_token_load(const char *path, char *tok, size_t tokcap, int *created,
    char *err, size_t errlen);
/* The default token file next to the store: "<dir>/api.token". */
void api_token_default_path(const char *store_path, char *out, size_t size);

/* ---- http.c: the server and the reply a route fills ------------------- */

enum api_method { API_GET, API_HEAD, API_POST, API_OTHER };

struct api_req {
	struct api *api;
	enum api_method method;
	const struct api_query *q;
	const char *seg[6];		/* path segments after /api/v1/ */
	size_t nseg;
	const char *body;		/* POST body (NUL-terminated), len bytes */
	size_t body_len;
	const char *content_type;	/* the request's, or NULL */
	/* the reply */
	unsigned status;
	struct jbuf *jb;		/* JSON body (a text body for /metrics) */
	int text;			/* 1: jb holds text/plain (metrics) */
	const char *allow;		/* 405: the Allow header */
};

/* A JSON error reply {"error":{"status":..,"message":..}}. */
void api_error(struct api_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The store error reply for a reader's return code (<0). */
void api_store_error(struct api_req *r, int rc);
/* A list answer: {"KEY": [ ...items the caller writes... ], "total": T,
 * "offset": O, "limit": L}. */
void api_page_open(struct jbuf *jb, const char *key);
void api_page_close(struct jbuf *jb, uint64_t total, uint64_t offset,
    uint64_t limit);
/* Check the query against allowed; on failure the 400 reply is set and
 * -1 returned. */
int api_check_params(struct api_req *r, const char *const *allowed);
/* The read-only store, and the read-write one (opened on first use;
 * NULL with the 500/503 reply set). */
struct store *api_store_ro(struct api_req *r);
struct store *api_store_rw(struct api_req *r);
/* Append already-valid JSON text (a stored object) as the next value. */
void api_jb_raw(struct jbuf *jb, const char *json, size_t len);
/* RFC 3339 (EVE style) time, or null for 0. */
void api_jb_ts(struct jbuf *jb, uint64_t ns);

/* ---- routes ------------------------------------------------------------ */

void api_route_devices(struct api_req *r);	/* /api/v1/devices... */
void api_route_alerts(struct api_req *r);	/* /api/v1/alerts... */
void api_route_stats(struct api_req *r);	/* /api/v1/stats */
void api_route_flows(struct api_req *r);	/* /api/v1/flows */
void api_route_overview(struct api_req *r);	/* /api/v1/overview */
void api_route_metrics(struct api_req *r);	/* /metrics */
/* The A object of the contract for one alert row. */
void api_alert_json(struct jbuf *jb, const struct store_alert_row *row);

#endif /* EW_API_INT_H */
