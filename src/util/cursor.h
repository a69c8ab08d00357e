/* cursor.h - bounds-checked reader over untrusted bytes.
 *
 * Every decoder reads packet bytes only through a cursor. A read past the
 * end returns 0 (or NULL), reads nothing and sets the sticky `bad` flag, so
 * a decoder may do several reads and check `bad` once. Bytes are assembled
 * with explicit widening casts; packet memory is never cast to a struct. */
#ifndef EW_CURSOR_H
#define EW_CURSOR_H

#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *ptr;	/* start of the readable region (not owned) */
	size_t len;		/* bytes in the region */
	size_t off;		/* next byte to read */
	int bad;		/* set by any short read; never cleared */
};

static inline void cur_init(struct cursor *c, const uint8_t *p, size_t len)
{
	c->ptr = p;
	c->len = p ? len : 0;
	c->off = 0;
	c->bad = 0;
}

static inline size_t cur_left(const struct cursor *c)
{
	return c->len - c->off;
}

/* 1 when n more bytes can be read, else 0 and the cursor turns bad. */
static inline int cur_need(struct cursor *c, size_t n)
{
	if (c->bad || c->len - c->off < n) {
		c->bad = 1;
		return 0;
	}
	return 1;
}

static inline const uint8_t *cur_here(const struct cursor *c)
{
	return c->ptr + c->off;
}

static inline uint8_t cur_u8(struct cursor *c)
{
	if (!cur_need(c, 1))
		return 0;
	return c->ptr[c->off++];
}

static inline uint16_t cur_be16(struct cursor *c)
{
	if (!cur_need(c, 2))
		return 0;
	const uint8_t *p = c->ptr + c->off;
	c->off += 2;
	return (uint16_t)(((uint32_t)p[0] << 8) | (uint32_t)p[1]);
}

static inline uint32_t cur_be32(struct cursor *c)
{
	if (!cur_need(c, 4))
		return 0;
	const uint8_t *p = c->ptr + c->off;
	c->off += 4;
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline uint16_t cur_le16(struct cursor *c)
{
	if (!cur_need(c, 2))
		return 0;
	const uint8_t *p = c->ptr + c->off;
	c->off += 2;
	return (uint16_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8));
}

static inline uint32_t cur_le32(struct cursor *c)
{
	if (!cur_need(c, 4))
		return 0;
	const uint8_t *p = c->ptr + c->off;
	c->off += 4;
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	    ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Pointer to the next n bytes (consumed), or NULL when fewer remain. */
static inline const uint8_t *cur_bytes(struct cursor *c, size_t n)
{
	if (!cur_need(c, n))
		return NULL;
	const uint8_t *p = c->ptr + c->off;
	c->off += n;
	return p;
}

/* Copy the next n bytes into dst; on a short read dst is zeroed. */
static inline int cur_copy(struct cursor *c, void *dst, size_t n)
{
	const uint8_t *p = cur_bytes(c, n);
	unsigned char *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = p ? p[i] : 0;
	return p ? 0 : -1;
}

static inline int cur_skip(struct cursor *c, size_t n)
{
	if (!cur_need(c, n))
		return -1;
	c->off += n;
	return 0;
}

/* Narrow the readable region to the next n bytes (e.g. an IP total length
 * shorter than the frame). Fails, setting bad, when fewer remain. */
static inline int cur_limit(struct cursor *c, size_t n)
{
	if (!cur_need(c, n))
		return -1;
	c->len = c->off + n;
	return 0;
}

#endif /* EW_CURSOR_H */
