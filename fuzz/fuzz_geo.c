/* fuzz_geo.c - libFuzzer target: the tor geoip parser (geo_from_tor_text)
 * on arbitrary text, split into IPv4 and IPv6 text at the first NUL (no
 * NUL: IPv4 only), then lookups of addresses taken from the input and of
 * fixed edge addresses. Checks: a refusal names "v4:" or "v6:"; an answer
 * is 0 or two upper-case letters.
 * Seed it with a few lines of /usr/share/tor/geoip and geoip6. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "geo/geo.h"

#define FZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void check_cc(geo_cc cc)
{
	char s[3];
	if (cc == 0)
		return;
	geo_cc_str(cc, s);
	FZ_CHECK(s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z');
	FZ_CHECK(geo_cc_parse(s) == cc);
}

static void probe(const struct geo *g, const uint8_t *b, int fam)
{
	struct addr a;
	if (fam == 4)
		addr_set4(&a, b);
	else
		addr_set6(&a, b);
	check_cc(geo_lookup(g, &a));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v4 = (const char *)data, *v6 = NULL;
	size_t v4len = size, v6len = 0;
	const uint8_t *nul = memchr(data, 0, size);
	char err[256];

	if (nul) {
		v4len = (size_t)(nul - data);
		v6 = (const char *)nul + 1;
		v6len = size - v4len - 1;
	}
	err[0] = '\0';
	struct geo *g = geo_from_tor_text(v4, v4len, v6, v6len, err,
	    sizeof(err));
	if (!g) {
		FZ_CHECK(strncmp(err, "v4:", 3) == 0
		    || strncmp(err, "v6:", 3) == 0);
		return 0;
	}
	FZ_CHECK(geo_memory(g) > 0);

	static const uint8_t edges[][16] = {
		{ 0 }, { 1, 0, 0, 0 }, { 8, 8, 8, 8 }, { 255, 255, 255, 255 },
		{ 0x20, 0x01, 0x05, 0x06, 0, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		  0x04 },
		{ 0x24 }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		probe(g, edges[i], 4);
		probe(g, edges[i], 6);
	}
	/* addresses from the input bytes: every 16-byte window start */
	for (size_t off = 0; off + 16 <= size && off < 4096; off += 7) {
		probe(g, data + off, 4);
		probe(g, data + off, 6);
	}
	geo_free(g);
	return 0;
}
