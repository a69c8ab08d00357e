/* json.h - append-only JSON writer into a growable buffer.
 *
 * Commas are placed automatically; keys and values are escaped so any byte
 * string (hostnames, user agents, payload text) yields valid UTF-8 JSON:
 * control characters become \u00XX and bytes that are not valid UTF-8 are
 * written as \u00XX of their value. Output depends only on the calls made,
 * never on locale. On allocation failure or when the buffer would pass
 * `max`, `err` is set and further calls do nothing. */
#ifndef EW_JSON_H
#define EW_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 16

struct jbuf {
	char *buf;		/* owned; NUL-terminated while !err */
	size_t len, cap, max;
	int err;
	int depth;
	uint8_t need_comma[JSON_MAX_DEPTH];
	uint8_t after_key;
};

/* max: largest output in bytes (0 = unlimited). jb_fini frees the buffer. */
void jb_init(struct jbuf *jb, size_t max);
void jb_fini(struct jbuf *jb);
/* Empty the buffer for the next object, keeping its memory. */
void jb_reset(struct jbuf *jb);

void jb_obj_open(struct jbuf *jb);
void jb_obj_close(struct jbuf *jb);
void jb_arr_open(struct jbuf *jb);
void jb_arr_close(struct jbuf *jb);
void jb_key(struct jbuf *jb, const char *key);
void jb_str(struct jbuf *jb, const char *s);		/* NUL-terminated */
void jb_strn(struct jbuf *jb, const void *s, size_t n);	/* any bytes */
void jb_u64(struct jbuf *jb, uint64_t v);
void jb_i64(struct jbuf *jb, int64_t v);
void jb_dbl(struct jbuf *jb, double v, int decimals);	/* non-finite: null */
void jb_bool(struct jbuf *jb, int v);
void jb_null(struct jbuf *jb);

/* key + value in one call */
void jb_kstr(struct jbuf *jb, const char *key, const char *s);
/* "key": "s", or "key": null when s is NULL or empty */
void jb_kstr_or_null(struct jbuf *jb, const char *key, const char *s);
void jb_ku64(struct jbuf *jb, const char *key, uint64_t v);
void jb_kbool(struct jbuf *jb, const char *key, int v);

/* Format a packet timestamp as Suricata does, in UTC:
 * "2024-01-31T12:34:56.123456+0000" (microseconds). buf >= 32 bytes. */
void json_ts(uint64_t ts_ns, char *buf, size_t size);

#endif /* EW_JSON_H */
