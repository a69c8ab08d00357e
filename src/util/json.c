/* json.c - JSON writer with safe escaping of arbitrary bytes. */
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

void jb_init(struct jbuf *jb, size_t max)
{
	memset(jb, 0, sizeof(*jb));
	jb->max = max;
}

void jb_fini(struct jbuf *jb)
{
	ew_free(jb->buf);
	jb->buf = NULL;
	jb->len = jb->cap = 0;
}

void jb_reset(struct jbuf *jb)
{
	jb->len = 0;
	if (jb->buf)
		jb->buf[0] = '\0';
	jb->err = 0;
	jb->depth = 0;
	jb->after_key = 0;
	memset(jb->need_comma, 0, sizeof(jb->need_comma));
}

/* Make room for n more bytes plus the terminating NUL. */
static int reserve(struct jbuf *jb, size_t n)
{
	if (jb->err)
		return -1;
	if (jb->max && (n > jb->max || jb->len > jb->max - n)) {
		jb->err = 1;
		return -1;
	}
	if (jb->cap - jb->len > n)
		return 0;
	size_t cap = jb->cap ? jb->cap : 256;
	while (cap - jb->len <= n) {
		if (cap > (size_t)-1 / 2) {
			jb->err = 1;
			return -1;
		}
		cap *= 2;
	}
	char *nb = ew_realloc(jb->buf, cap);
	if (!nb) {
		jb->err = 1;
		return -1;
	}
	jb->buf = nb;
	jb->cap = cap;
	return 0;
}

static void put(struct jbuf *jb, const char *s, size_t n)
{
	if (reserve(jb, n) < 0)
		return;
	memcpy(jb->buf + jb->len, s, n);
	jb->len += n;
	jb->buf[jb->len] = '\0';
}

static void putc1(struct jbuf *jb, char c)
{
	put(jb, &c, 1);
}

/* Comma before a value, unless it follows its key. */
static void sep(struct jbuf *jb)
{
	if (jb->after_key) {
		jb->after_key = 0;
		return;
	}
	if (jb->depth > 0 && jb->depth <= JSON_MAX_DEPTH) {
		if (jb->need_comma[jb->depth - 1])
			putc1(jb, ',');
		jb->need_comma[jb->depth - 1] = 1;
	}
}

static void nest_open(struct jbuf *jb, char c)
{
	sep(jb);
	putc1(jb, c);
	if (jb->depth >= JSON_MAX_DEPTH) {
		jb->err = 1;
		return;
	}
	jb->need_comma[jb->depth++] = 0;
}

static void nest_close(struct jbuf *jb, char c)
{
	if (jb->depth <= 0) {
		jb->err = 1;
		return;
	}
	jb->depth--;
	putc1(jb, c);
}

void jb_obj_open(struct jbuf *jb) { nest_open(jb, '{'); }
void jb_obj_close(struct jbuf *jb) { nest_close(jb, '}'); }
void jb_arr_open(struct jbuf *jb) { nest_open(jb, '['); }
void jb_arr_close(struct jbuf *jb) { nest_close(jb, ']'); }

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid
 * (overlongs, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1fu;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0fu;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07u;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Bytes that go out as they are: printable ASCII but quote and backslash. */
static int plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static void put_escaped(struct jbuf *jb, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	putc1(jb, '"');
	size_t i = 0;
	while (i < n && !jb->err) {
		/* copy the longest plain run in one go (the common case) */
		size_t j = i;
		while (j < n && plain(s[j]))
			j++;
		if (j > i) {
			put(jb, (const char *)s + i, j - i);
			i = j;
			continue;
		}
		unsigned char c = s[i];
		size_t ul = utf8_len(s + i, n - i);
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			put(jb, e, 2);
			i++;
		} else if (c == '\n') {
			put(jb, "\\n", 2);
			i++;
		} else if (c == '\r') {
			put(jb, "\\r", 2);
			i++;
		} else if (c == '\t') {
			put(jb, "\\t", 2);
			i++;
		} else if (c < 0x20 || c == 0x7f || ul == 0) {
			/* control or invalid UTF-8: the byte as U+00XX */
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };
			put(jb, e, 6);
			i++;
		} else {
			put(jb, (const char *)s + i, ul);
			i += ul;
		}
	}
	putc1(jb, '"');
}

/* Decimal digits of v into the end of buf; returns the first digit. */
static char *u64_digits(uint64_t v, char *end)
{
	char *p = end;
	do {
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	return p;
}

void jb_key(struct jbuf *jb, const char *key)
{
	sep(jb);
	put_escaped(jb, (const unsigned char *)key, strlen(key));
	putc1(jb, ':');
	jb->after_key = 1;
}

void jb_strn(struct jbuf *jb, const void *s, size_t n)
{
	sep(jb);
	put_escaped(jb, s, n);
}

void jb_str(struct jbuf *jb, const char *s)
{
	jb_strn(jb, s, strlen(s));
}

void jb_u64(struct jbuf *jb, uint64_t v)
{
	char b[24];
	char *p = u64_digits(v, b + sizeof(b));
	sep(jb);
	put(jb, p, (size_t)(b + sizeof(b) - p));
}

void jb_i64(struct jbuf *jb, int64_t v)
{
	char b[24];
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char *p = u64_digits(m, b + sizeof(b));
	if (v < 0)
		*--p = '-';
	sep(jb);
	put(jb, p, (size_t)(b + sizeof(b) - p));
}

void jb_dbl(struct jbuf *jb, double v, int decimals)
{
	char b[64];
	if (!isfinite(v)) {
		jb_null(jb);
		return;
	}
	if (decimals < 0 || decimals > 9)
		decimals = 6;
	int n = snprintf(b, sizeof(b), "%.*f", decimals, v);
	sep(jb);
	if (n > 0 && (size_t)n < sizeof(b))
		put(jb, b, (size_t)n);
	else
		put(jb, "null", 4);
}

void jb_bool(struct jbuf *jb, int v)
{
	sep(jb);
	if (v)
		put(jb, "true", 4);
	else
		put(jb, "false", 5);
}

void jb_null(struct jbuf *jb)
{
	sep(jb);
	put(jb, "null", 4);
}

void jb_kstr(struct jbuf *jb, const char *key, const char *s)
{
	jb_key(jb, key);
	jb_str(jb, s);
}

void jb_kstr_or_null(struct jbuf *jb, const char *key, const char *s)
{
	jb_key(jb, key);
	if (s && s[0])
		jb_str(jb, s);
	else
		jb_null(jb);
}

void jb_ku64(struct jbuf *jb, const char *key, uint64_t v)
{
	jb_key(jb, key);
	jb_u64(jb, v);
}

void jb_kbool(struct jbuf *jb, const char *key, int v)
{
	jb_key(jb, key);
	jb_bool(jb, v);
}

/* Fixed-width decimal into p[0..width). */
static void digits(char *p, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + (int)(v % 10));
		v /= 10;
	}
}

/* Calendar date from days since 1970-01-01 (proleptic Gregorian; the
 * era-based method of H. Hinnant's civil_from_days). Output sits on the
 * per-event hot path, so no gmtime_r or printf here. */
static void civil(uint64_t days, unsigned *y, unsigned *m, unsigned *d)
{
	uint64_t z = days + 719468;
	uint64_t era = z / 146097;
	uint64_t doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = (unsigned)(yoe + era * 400 + (*m <= 2));
}

void json_ts(uint64_t ts_ns, char *buf, size_t size)
{
	/* "YYYY-MM-DDTHH:MM:SS.uuuuuu+0000" */
	char t[32] = "0000-00-00T00:00:00.000000+0000";
	uint64_t sec = ts_ns / 1000000000u;
	unsigned y, mo, d;

	civil(sec / 86400, &y, &mo, &d);
	unsigned sod = (unsigned)(sec % 86400);
	digits(t, y > 9999 ? 9999 : y, 4);
	digits(t + 5, mo, 2);
	digits(t + 8, d, 2);
	digits(t + 11, sod / 3600, 2);
	digits(t + 14, sod / 60 % 60, 2);
	digits(t + 17, sod % 60, 2);
	digits(t + 20, (unsigned)(ts_ns % 1000000000u / 1000u), 6);
	if (size == 0)
		return;
	size_t n = size - 1 < 31 ? size - 1 : 31;
	memcpy(buf, t, n);
	buf[n] = '\0';
}
