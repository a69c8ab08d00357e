/* params.c - request parsing for the API: the request target (path and
 * query string, percent-decoded), integer and time parameters, the ack
 * body. Everything here sees raw client bytes, so every read is bounded by
 * an explicit length and nothing is trusted to be NUL-terminated or
 * valid; fuzz/fuzz_api_params.c drives it. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api_int.h"
#include "config.h"
#include "policy/quarantine.h"
#include "util/hex.h"

/* Decode src[0..n) into out (room for n + 1), NUL-terminated. plus: '+'
 * is a space (query strings). -1 on a bad escape, %00 or a control byte:
 * nothing downstream ever sees a NUL or a terminal escape. */
static int pct_decode(const char *src, size_t n, int plus, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c == '%') {
			int hi, lo;
			if (n - i < 3)	/* needs two more bytes */
				return -1;
			hi = hex_digit((unsigned char)src[i + 1]);
			lo = hex_digit((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int api_split_target(const char *target, size_t len, struct api_query *q,
    char *err, size_t errlen)
{
	const char *qs;
	size_t plen, o = 0;

	memset(q, 0, sizeof(*q));
	q->path = "/";
	if (len > API_MAX_URL) {
		snprintf(err, errlen, "request target longer than %d bytes",
		    API_MAX_URL);
		return -1;
	}
	if (len == 0 || target[0] != '/') {
		snprintf(err, errlen, "request target must start with '/'");
		return -1;
	}
	qs = memchr(target, '?', len);
	plen = qs ? (size_t)(qs - target) : len;
	if (pct_decode(target, plen, 0, q->buf) != 0) {
		snprintf(err, errlen, "bad character or escape in the path");
		return -1;
	}
	q->path = q->buf;
	o = plen + 1;
	if (!qs)
		return 0;
	/* each "k=v" goes to buf[o..] as "k\0v\0": never longer than its
	 * raw form plus 2, and the raw target is at most API_MAX_URL */
	const char *p = qs + 1, *end = target + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		size_t plen2 = (size_t)(stop - p);
		if (plen2 > 0) {
			const char *eq = memchr(p, '=', plen2);
			size_t klen = eq ? (size_t)(eq - p) : plen2;
			size_t vlen = eq ? plen2 - klen - 1 : 0;
			if (q->n >= API_MAX_PARAMS) {
				snprintf(err, errlen, "more than %d parameters",
				    API_MAX_PARAMS);
				return -1;
			}
			if (klen == 0) {
				snprintf(err, errlen, "empty parameter name");
				return -1;
			}
			if (o + klen + vlen + 2 > sizeof(q->buf)) {
				snprintf(err, errlen, "query string too long");
				return -1;
			}
			char *k = q->buf + o;
			if (pct_decode(p, klen, 1, k) != 0) {
				snprintf(err, errlen, "bad character or escape "
				    "in a parameter name");
				return -1;
			}
			o += strlen(k) + 1;
			char *v = q->buf + o;
			if (pct_decode(eq ? eq + 1 : p + klen, vlen, 1, v) != 0) {
				snprintf(err, errlen, "%s: bad character or "
				    "escape in the value", k);
				return -1;
			}
			o += strlen(v) + 1;
			if (k[0] == '\0') {
				snprintf(err, errlen, "empty parameter name");
				return -1;
			}
			q->kv[q->n].key = k;
			q->kv[q->n].val = v;
			q->n++;
		}
		p = amp ? amp + 1 : end;
	}
	return 0;
}

int api_params_check(const struct api_query *q, const char *const *allowed,
    char *err, size_t errlen)
{
	for (size_t i = 0; i < q->n; i++) {
		int known = 0;
		for (size_t j = 0; allowed && allowed[j]; j++)
			if (strcmp(q->kv[i].key, allowed[j]) == 0)
				known = 1;
		if (!known) {
			snprintf(err, errlen, "unknown parameter: %.64s",
			    q->kv[i].key);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(q->kv[i].key, q->kv[j].key) == 0) {
				snprintf(err, errlen, "repeated parameter: %.64s",
				    q->kv[i].key);
				return -1;
			}
	}
	return 0;
}

const char *api_param(const struct api_query *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->kv[i].key, name) == 0)
			return q->kv[i].val;
	return NULL;
}

/* Up to 19 decimal digits, nothing else: fits an int64 without overflow
 * checks on the way. -1 otherwise. */
static int digits_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int api_parse_uint(const char *name, const char *s, uint64_t min,
    uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	uint64_t v;
	if (!s || digits_u64(s, strnlen(s, 32), &v) != 0 || v < min ||
	    v > max) {
		snprintf(err, errlen, "%s: must be an integer from %llu to %llu",
		    name, (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int api_parse_id(const char *s, int64_t *out)
{
	uint64_t v;
	if (!s || digits_u64(s, strnlen(s, 32), &v) != 0 || v == 0 ||
	    v > (uint64_t)INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil, for y >= 1970). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = y / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n fixed digits at s[*i] -> *v; advances *i. */
static int fixed(const char *s, size_t len, size_t *i, unsigned n,
    unsigned *v)
{
	unsigned x = 0;
	if (len - *i < n)
		return -1;
	for (unsigned k = 0; k < n; k++) {
		char c = s[*i + k];
		if (c < '0' || c > '9')
			return -1;
		x = x * 10 + (unsigned)(c - '0');
	}
	*i += n;
	*v = x;
	return 0;
}

static int expect_ch(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

/* Latest accepted time: 2262-04-11, below 2^63 ns. */
#define MAX_TIME_S 9223372035ull

static int rfc3339(const char *s, size_t len, uint64_t *ns)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	uint64_t frac = 0, fscale = 1000000000ull;
	int sign = 0;
	size_t i = 0;

	if (fixed(s, len, &i, 4, &y) || expect_ch(s, len, &i, '-') ||
	    fixed(s, len, &i, 2, &mo) || expect_ch(s, len, &i, '-') ||
	    fixed(s, len, &i, 2, &d) || expect_ch(s, len, &i, 'T') ||
	    fixed(s, len, &i, 2, &h) || expect_ch(s, len, &i, ':') ||
	    fixed(s, len, &i, 2, &mi) || expect_ch(s, len, &i, ':') ||
	    fixed(s, len, &i, 2, &sec))
		return -1;
	if (i < len && s[i] == '.') {
		unsigned nd = 0;
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (nd < 9) {	/* digits past ns are ignored */
				fscale /= 10;
				frac += (uint64_t)(s[i] - '0') * fscale;
			}
			nd++;
			i++;
			if (nd > 18)
				return -1;
		}
		if (nd == 0)
			return -1;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '-' ? -1 : 1;
		i++;
		if (fixed(s, len, &i, 2, &oh))
			return -1;
		if (i < len && s[i] == ':')
			i++;
		if (fixed(s, len, &i, 2, &om))
			return -1;
	} else {
		return -1;		/* the zone is required */
	}
	if (i != len)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0))) || h > 23 || mi > 59 || sec > 60 || oh > 23 ||
	    om > 59)
		return -1;
	int64_t t = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
	    (int64_t)mi * 60 + sec;
	t -= sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
	if (t < 0 || (uint64_t)t > MAX_TIME_S)
		return -1;
	*ns = (uint64_t)t * 1000000000ull + frac;
	return 0;
}

int api_parse_time(const char *name, const char *s, uint64_t *ns,
    char *err, size_t errlen)
{
	size_t len = s ? strnlen(s, 64) : 0;
	uint64_t v;
	if (len > 0 && len < 64) {
		if (digits_u64(s, len, &v) == 0) {
			if (v <= MAX_TIME_S) {
				*ns = v * 1000000000ull;
				return 0;
			}
		} else if (rfc3339(s, len, ns) == 0) {
			return 0;
		}
	}
	snprintf(err, errlen, "%s: must be seconds since the epoch or an RFC "
	    "3339 time such as 2023-11-14T22:25:20Z", name);
	return -1;
}

/* Characters (code points) in valid UTF-8 text. */
static size_t utf8_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* A request body: blank -> *root NULL (take the defaults); else it must be
 * one JSON object without duplicate members. 0 or -1 with err. */
static int body_object(const char *body, size_t len, json_t **root,
    char *err, size_t errlen)
{
	json_error_t je;
	size_t i;

	*root = NULL;
	for (i = 0; i < len; i++)
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' &&
		    body[i] != '\n')
			break;
	if (i == len)
		return 0;
	*root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!*root) {
		snprintf(err, errlen, "body: not valid JSON");
		return -1;
	}
	if (!json_is_object(*root)) {
		snprintf(err, errlen, "body: must be a JSON object");
		json_decref(*root);
		*root = NULL;
		return -1;
	}
	return 0;
}

/* A free-text member (a note, a reason): a string of at most API_NOTE_MAX
 * characters without NULs, copied into out. 0 or -1 with err. */
static int body_text(json_t *v, const char *key, char *out, size_t cap,
    char *err, size_t errlen)
{
	size_t n;

	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: must be a string", key);
		return -1;
	}
	n = json_string_length(v);
	if (utf8_chars(json_string_value(v), n) > API_NOTE_MAX || n >= cap ||
	    strlen(json_string_value(v)) != n) {
		snprintf(err, errlen, "%s: at most %d characters", key,
		    API_NOTE_MAX);
		return -1;
	}
	memcpy(out, json_string_value(v), n);
	out[n] = '\0';
	return 0;
}

int api_parse_ack(const char *body, size_t len, int *expected, char *note,
    size_t notecap, char *err, size_t errlen)
{
	json_t *root, *v;
	const char *key;
	int ret = -1;

	*expected = 0;
	if (notecap)
		note[0] = '\0';
	if (body_object(body, len, &root, err, errlen) < 0)
		return -1;
	if (!root)
		return 0;		/* no body: the defaults */
	json_object_foreach(root, key, v) {
		if (strcmp(key, "expected") == 0) {
			if (!json_is_boolean(v)) {
				snprintf(err, errlen, "expected: must be true or "
				    "false");
				goto out;
			}
			*expected = json_is_true(v);
		} else if (strcmp(key, "note") == 0) {
			if (body_text(v, "note", note, notecap, err,
			    errlen) < 0)
				goto out;
		} else {
			snprintf(err, errlen, "body: unknown member: %.64s", key);
			goto out;
		}
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

int api_parse_quarantine(const char *body, size_t len, int release,
    uint64_t *for_s, char *why, size_t whycap, char *err, size_t errlen)
{
	json_t *root, *v;
	const char *key;
	int ret = -1;

	*for_s = 0;
	if (whycap)
		why[0] = '\0';
	if (body_object(body, len, &root, err, errlen) < 0)
		return -1;
	if (!root)
		return 0;		/* no body: until released, no reason */
	json_object_foreach(root, key, v) {
		if (strcmp(key, "for") == 0 && !release) {
			char e[160];
			if (json_is_null(v))
				continue;	/* until released */
			if (!json_is_string(v) || json_string_length(v) > 16 ||
			    strlen(json_string_value(v)) != json_string_length(v) ||
			    quar_parse_duration(json_string_value(v), for_s, e,
			    sizeof(e)) != 0) {
				snprintf(err, errlen, "for: a duration such as "
				    "\"30m\", \"2h\", \"1d\" (at most %llud), or "
				    "null", (unsigned long long)(QUAR_DURATION_MAX_S /
				    86400));
				goto out;
			}
		} else if (strcmp(key, "why") == 0) {
			if (body_text(v, "why", why, whycap, err, errlen) < 0)
				goto out;
		} else {
			snprintf(err, errlen, "body: unknown member: %.64s", key);
			goto out;
		}
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

int api_parse_listen(const char *s, char *host, size_t hostlen,
    uint16_t *port, char *err, size_t errlen)
{
	const char *colon;
	size_t hl;
	uint64_t p = *port;

	if (!s || !s[0] || hostlen == 0) {
		snprintf(err, errlen, "listen: empty address");
		return -1;
	}
	if (s[0] == '[') {	/* [v6]:port */
		const char *rb = strchr(s, ']');
		if (!rb) {
			snprintf(err, errlen, "listen: missing ']' in %s", s);
			return -1;
		}
		hl = (size_t)(rb - s - 1);
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] && !colon) {
			snprintf(err, errlen, "listen: expected HOST:PORT, got %s",
			    s);
			return -1;
		}
		s++;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			colon = NULL;	/* a bare v6 address */
		hl = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (hl >= hostlen) {
		snprintf(err, errlen, "listen: host too long");
		return -1;
	}
	if (colon && api_parse_uint("listen port", colon + 1, 0, 65535, &p,
	    err, errlen) != 0)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (!host[0])
		snprintf(host, hostlen, "%s", API_DEFAULT_HOST);
	*port = (uint16_t)p;
	return 0;
}

int api_parse_page(const struct api_query *q, uint64_t *limit,
    uint64_t *offset, char *err, size_t errlen)
{
	const char *p;

	*limit = API_LIMIT_DEFAULT;
	*offset = 0;
	if ((p = api_param(q, "limit")) && api_parse_uint("limit", p, 1,
	    API_LIMIT_MAX, limit, err, errlen) != 0)
		return -1;
	if ((p = api_param(q, "offset")) && api_parse_uint("offset", p, 0,
	    API_OFFSET_MAX, offset, err, errlen) != 0)
		return -1;
	return 0;
}
