/* md5.c - MD5 (RFC 1321), only for the JA3 fingerprint hash.
 *
 * JA3 is defined as an MD5, so we need one; a 100-line local copy avoids
 * initialising libgcrypt (which warns when used uninitialised and refuses
 * MD5 in FIPS mode) for a value that is an identifier, not a security
 * property. */
#include <stdint.h>
#include <string.h>

#include "proto/proto_tcp.h"

struct md5_ctx {
	uint32_t a, b, c, d;
	uint64_t nbytes;
	uint8_t buf[64];
	size_t nbuf;
};

/* Per-round shift amounts and the sine-derived constants of RFC 1321 3.4. */
static const uint8_t md5_s[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static uint32_t rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32u - n));
}

static void md5_block(struct md5_ctx *c, const uint8_t *p)
{
	uint32_t m[16];
	for (unsigned i = 0; i < 16; i++)
		m[i] = (uint32_t)p[i * 4] | ((uint32_t)p[i * 4 + 1] << 8) |
		    ((uint32_t)p[i * 4 + 2] << 16) |
		    ((uint32_t)p[i * 4 + 3] << 24);
	uint32_t a = c->a, b = c->b, cc = c->c, d = c->d;
	for (unsigned i = 0; i < 64; i++) {
		uint32_t f;
		unsigned g;
		if (i < 16) {
			f = (b & cc) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & cc);
			g = (5 * i + 1) & 15;
		} else if (i < 48) {
			f = b ^ cc ^ d;
			g = (3 * i + 5) & 15;
		} else {
			f = cc ^ (b | ~d);
			g = (7 * i) & 15;
		}
		uint32_t t = d;
		d = cc;
		cc = b;
		b = b + rol32(a + f + md5_k[i] + m[g], md5_s[i]);
		a = t;
	}
	c->a += a;
	c->b += b;
	c->c += cc;
	c->d += d;
}

static void md5_update(struct md5_ctx *c, const uint8_t *p, size_t n)
{
	c->nbytes += n;
	while (n > 0) {
		size_t take = 64 - c->nbuf;
		if (take > n)
			take = n;
		memcpy(c->buf + c->nbuf, p, take);
		c->nbuf += take;
		p += take;
		n -= take;
		if (c->nbuf == 64) {
			md5_block(c, c->buf);
			c->nbuf = 0;
		}
	}
}

void proto_md5(const void *data, size_t len, uint8_t out[16])
{
	struct md5_ctx c = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
		0, { 0 }, 0 };
	md5_update(&c, data, len);
	uint64_t bits = c.nbytes * 8;
	static const uint8_t pad[64] = { 0x80 };
	size_t padlen = c.nbuf < 56 ? 56 - c.nbuf : 120 - c.nbuf;
	md5_update(&c, pad, padlen);
	uint8_t lenb[8];
	for (unsigned i = 0; i < 8; i++)
		lenb[i] = (uint8_t)(bits >> (8 * i));
	md5_update(&c, lenb, 8);
	uint32_t v[4] = { c.a, c.b, c.c, c.d };
	for (unsigned i = 0; i < 4; i++)
		for (unsigned j = 0; j < 4; j++)
			out[i * 4 + j] = (uint8_t)(v[i] >> (8 * j));
}
