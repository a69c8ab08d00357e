/* siphash.c - SipHash-2-4 and SipHash-1-3, written from the published
 * description (Aumasson & Bernstein, 2012). Words are read little-endian
 * byte by byte, so results do not depend on host byte order or alignment. */
#include "util/siphash.h"

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64u - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	    (uint64_t)p[7] << 56;
}

#define SIPROUND do { \
	v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32); \
	v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32); \
} while (0)

/* SipHash-c-d: c rounds per message block, d finalisation rounds. With
 * constant c and d the loops unroll. */
static inline uint64_t siphash_cd(uint64_t k0, uint64_t k1,
    const uint8_t *data, size_t len, int c, int d)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = k1 ^ 0x7465646279746573ull;
	size_t whole = len & ~(size_t)7;
	uint64_t m;

	for (size_t i = 0; i < whole; i += 8) {
		m = load_le64(data + i);
		v3 ^= m;
		for (int r = 0; r < c; r++)
			SIPROUND;
		v0 ^= m;
	}

	/* Last block: the remaining 0-7 bytes, length mod 256 on top. */
	m = (uint64_t)(len & 0xff) << 56;
	for (size_t i = 0; i < (len & 7); i++)
		m |= (uint64_t)data[whole + i] << (8 * i);
	v3 ^= m;
	for (int r = 0; r < c; r++)
		SIPROUND;
	v0 ^= m;

	v2 ^= 0xff;
	for (int r = 0; r < d; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t ew_siphash24(uint64_t k0, uint64_t k1, const uint8_t *data,
    size_t len)
{
	return siphash_cd(k0, k1, data, len, 2, 4);
}

uint64_t ew_siphash13(uint64_t k0, uint64_t k1, const uint8_t *data,
    size_t len)
{
	return siphash_cd(k0, k1, data, len, 1, 3);
}

