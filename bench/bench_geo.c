/* bench_geo.c - country lookup: load time of the tor geoip files (Debian's
 * tor-geoipdb by default) or a MaxMind DB, bytes held (geo_memory), peak
 * RSS, and lookups/s on random public IPv4 and IPv6 (2000::/3) addresses.
 *
 *   build/bench_geo [TOR4 [TOR6]]        (defaults /usr/share/tor/geoip{,6})
 *   build/bench_geo --mmdb FILE
 *
 * Prints "skipped" and exits 0 when the default files are absent. No
 * assertions: the figures go into closing notes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "geo/geo.h"
#include "util/alloc.h"

#define NADDR (1u << 20)
#define PASSES 8

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Lookups/s over NADDR addresses, PASSES times; known = answers != 0. */
static double run(const struct geo *g, const struct addr *v, size_t *known)
{
	size_t k = 0;
	double t0 = now_s();
	for (unsigned p = 0; p < PASSES; p++)
		for (size_t i = 0; i < NADDR; i++)
			k += geo_lookup(g, &v[i]) != 0;
	double t = now_s() - t0;
	*known = k / PASSES;
	return (double)NADDR * PASSES / t;
}

int main(int argc, char **argv)
{
	struct geo_config c;
	char err[512];
	geo_config_default(&c);
	if (argc >= 3 && strcmp(argv[1], "--mmdb") == 0) {
		c.mmdb = argv[2];
	} else {
		if (argc >= 2)
			c.tor4 = argv[1];
		c.tor6 = argc >= 3 ? argv[2] : (argc >= 2 ? NULL : c.tor6);
		if (access(c.tor4, R_OK) != 0) {
			printf("bench_geo: %s absent, skipped\n", c.tor4);
			return 0;
		}
	}
	long rss0 = peak_rss_kib();
	double best = 1e9;
	struct geo *g = NULL;
	for (int i = 0; i < 3; i++) {
		geo_free(g);
		double t0 = now_s();
		g = geo_open(&c, err, sizeof(err));
		double t = now_s() - t0;
		if (!g) {
			fprintf(stderr, "bench_geo: %s\n", err);
			return 1;
		}
		if (t < best)
			best = t;
	}
	long rss1 = peak_rss_kib();
	printf("source %s: %s%s%s\n", geo_source(g), c.mmdb ? c.mmdb : c.tor4,
	    c.mmdb || !c.tor6 ? "" : " + ", c.mmdb || !c.tor6 ? "" : c.tor6);
	printf("load   %.3f s (best of 3)   entries %zu   geo_memory %.2f MiB"
	    "   peak RSS %.1f MiB (%.1f MiB before loading)\n", best,
	    geo_ranges(g), (double)geo_memory(g) / 1048576.0,
	    (double)rss1 / 1024.0, (double)rss0 / 1024.0);

	struct addr *v = malloc(NADDR * sizeof(*v));
	if (!v)
		return 1;
	/* random IPv4 among the unicast /8s 1..223 (private ones included:
	 * they answer 0 early, as real traffic's LAN addresses would) */
	for (size_t i = 0; i < NADDR; i++) {
		uint64_t r = rnd();
		uint8_t b[4] = { (uint8_t)(1 + r % 223), (uint8_t)(r >> 8),
			(uint8_t)(r >> 16), (uint8_t)(r >> 24) };
		addr_set4(&v[i], b);
	}
	size_t known;
	double r4 = run(g, v, &known);
	printf("lookup IPv4 %.1f M/s   (%.1f%% of random addresses known)\n",
	    r4 / 1e6, 100.0 * (double)known / NADDR);
	/* random global-unicast IPv6: 2000::/3 uniformly, mostly unknown;
	 * then addresses inside allocated /32s (first 32 bits from 2001:0
	 * .. 2c0f:ffff) which hit data */
	for (size_t i = 0; i < NADDR; i++) {
		uint8_t b[16];
		uint64_t r1 = rnd(), r2 = rnd();
		for (int k = 0; k < 8; k++) {
			b[k] = (uint8_t)(r1 >> (8 * k));
			b[8 + k] = (uint8_t)(r2 >> (8 * k));
		}
		b[0] = (uint8_t)(0x20 | (b[0] & 0x1f));
		addr_set6(&v[i], b);
	}
	double r6 = run(g, v, &known);
	printf("lookup IPv6 %.1f M/s   2000::/3 uniform (%.1f%% known)\n",
	    r6 / 1e6, 100.0 * (double)known / NADDR);
	for (size_t i = 0; i < NADDR; i++) {
		uint8_t b[16];
		uint64_t r1 = rnd(), r2 = rnd();
		for (int k = 0; k < 8; k++) {
			b[k] = (uint8_t)(r1 >> (8 * k));
			b[8 + k] = (uint8_t)(r2 >> (8 * k));
		}
		b[0] = (uint8_t)(r1 % 3 == 0 ? 0x24 : r1 % 3 == 1 ? 0x2a : 0x20);
		b[1] = b[0] == 0x20 ? 0x01 : b[1];
		b[2] &= 0x0f;		/* within the busy low /20s */
		addr_set6(&v[i], b);
	}
	r6 = run(g, v, &known);
	printf("lookup IPv6 %.1f M/s   2001:0xxx/2400:0xxx/2a00:0xxx "
	    "(%.1f%% known)\n", r6 / 1e6, 100.0 * (double)known / NADDR);
	free(v);
	geo_free(g);
	return 0;
}
