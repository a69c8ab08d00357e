/* flow_hash.c - SipHash for bucket selection and flow ids.
 *
 * The bucket hash is keyed from a random seed so nobody can aim packets at
 * one chain; it runs for every packet, so it uses SipHash-1-3 (the variant
 * Rust's HashMap and CPython settled on for hash-flooding resistance at
 * half the rounds). The flow id uses SipHash-2-4 with a fixed key instead:
 * it must be the same for the same capture whatever the seed (EVE
 * consumers join on it) and is computed once per flow. Both are written
 * from the published description (Aumasson & Bernstein, 2012); words are
 * read little-endian byte by byte, so results do not depend on host byte
 * order or alignment. */
#include "flow/flow_internal.h"

#include <string.h>

/* 51 bits: the largest ids a JSON consumer holding doubles keeps exact
 * with a margin (2^53 is the limit). */
#define FLOW_ID_MASK ((1ull << 51) - 1)

/* Fixed flow-id key: any constant works, changing it changes every id. */
#define FLOW_ID_K0 0x6564676577617264ull	/* "edgeward" */
#define FLOW_ID_K1 0x666c6f772d696431ull	/* "flow-id1" */

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

uint64_t flow_siphash(uint64_t k0, uint64_t k1, const uint8_t *data,
    size_t len)
{
	return siphash_cd(k0, k1, data, len, 2, 4);
}

uint64_t flow_siphash13(uint64_t k0, uint64_t k1, const uint8_t *data,
    size_t len)
{
	return siphash_cd(k0, k1, data, len, 1, 3);
}

/* splitmix64 step: spreads a seed that may be small or have few bits set
 * over both halves of the SipHash key. */
static uint64_t mix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void flow_hash_seed(uint64_t seed, uint64_t *k0, uint64_t *k1)
{
	uint64_t s = seed;

	*k0 = mix64(&s);
	*k1 = mix64(&s);
}

uint64_t flow_hash_key(uint64_t k0, uint64_t k1, const struct flow_key *k)
{
	return flow_siphash13(k0, k1, k->b, flow_key_used(k));
}

uint64_t flow_hash_id(const struct flow_key *k, uint64_t start_ns)
{
	uint8_t buf[FLOW_KEY_LEN + 8];
	size_t n = flow_key_used(k);
	uint64_t id;

	memcpy(buf, k->b, n);
	for (unsigned i = 0; i < 8; i++)
		buf[n + i] = (uint8_t)(start_ns >> (8 * i));
	id = flow_siphash(FLOW_ID_K0, FLOW_ID_K1, buf, n + 8) & FLOW_ID_MASK;
	/* 0 reads as "no flow" to many consumers. */
	return id ? id : 1;
}
