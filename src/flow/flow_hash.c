/* flow_hash.c - SipHash for bucket selection and flow ids.
 *
 * The bucket hash is keyed from a random seed so nobody can aim packets at
 * one chain; it runs for every packet, so it uses SipHash-1-3 (the variant
 * Rust's HashMap and CPython settled on for hash-flooding resistance at
 * half the rounds). The flow id uses SipHash-2-4 with a fixed key instead:
 * it must be the same for the same capture whatever the seed (EVE
 * consumers join on it) and is computed once per flow. The hashes are in
 * util/siphash.c. */
#include "flow/flow_internal.h"

#include <string.h>

/* 51 bits: the largest ids a JSON consumer holding doubles keeps exact
 * with a margin (2^53 is the limit). */
#define FLOW_ID_MASK ((1ull << 51) - 1)

/* Fixed flow-id key: any constant works, changing it changes every id. */
#define FLOW_ID_K0 0x6564676577617264ull	/* "edgeward" */
#define FLOW_ID_K1 0x666c6f772d696431ull	/* "flow-id1" */

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
	return ew_siphash13(k0, k1, k->b, flow_key_used(k));
}

uint64_t flow_hash_id(const struct flow_key *k, uint64_t start_ns)
{
	uint8_t buf[FLOW_KEY_LEN + 8];
	size_t n = flow_key_used(k);
	uint64_t id;

	memcpy(buf, k->b, n);
	for (unsigned i = 0; i < 8; i++)
		buf[n + i] = (uint8_t)(start_ns >> (8 * i));
	id = ew_siphash24(FLOW_ID_K0, FLOW_ID_K1, buf, n + 8) & FLOW_ID_MASK;
	/* 0 reads as "no flow" to many consumers. */
	return id ? id : 1;
}
