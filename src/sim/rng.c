/* rng.c - the simulator's deterministic PRNG (xoshiro256** + splitmix64).
 *
 * Everything random in a simulated capture comes from here, seeded by
 * --seed, so the same options always give the same bytes. */
#include "sim/sim_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t sim_rng_below(struct sim_rng *r, uint32_t n)
{
	if (n == 0)
		return 0;
	/* Lemire's multiply-shift; the tiny bias is irrelevant here. */
	return (uint32_t)(((sim_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

uint32_t sim_rng_range(struct sim_rng *r, uint32_t lo, uint32_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + sim_rng_below(r, hi - lo + 1);
}

double sim_rng_unit(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Natural log of x in (0, 1] with plain arithmetic, so the same seed
 * gives the same bytes whatever libm the machine has (and no -lm). */
static double ln01(double x)
{
	double z, z2, term, sum = 0.0;
	int e = 0, k;

	while (x < 1.0) {	/* x = m * 2^-e with m in [1, 2) */
		x *= 2.0;
		e++;
	}
	z = (x - 1.0) / (x + 1.0);	/* ln m = 2 atanh z, z < 1/3 */
	z2 = z * z;
	term = z;
	for (k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return 2.0 * sum - e * 0.69314718055994530942;
}

uint64_t sim_rng_exp_us(struct sim_rng *r, double mean_s)
{
	double u = sim_rng_unit(r);
	double v = -ln01(1.0 - u) * mean_s * 1e6;

	if (v < 1.0)
		v = 1.0;
	if (v > 1e13)
		v = 1e13;
	return (uint64_t)v;
}

uint64_t sim_rng_jitter_us(struct sim_rng *r, double base_s, double frac)
{
	double f = 1.0 + frac * (2.0 * sim_rng_unit(r) - 1.0);
	double v = base_s * f * 1e6;

	return v < 1.0 ? 1u : (uint64_t)v;
}

void sim_rng_bytes(struct sim_rng *r, uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint64_t v = sim_rng_next(r);
		int i;

		for (i = 0; i < 8; i++)
			p[i] = (uint8_t)(v >> (8 * i));
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t v = sim_rng_next(r);

		while (n--) {
			*p++ = (uint8_t)v;
			v >>= 8;
		}
	}
}

uint32_t sim_hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h;
}
