/* test_geo.c - country lookup: tor-format parsing (edges, gaps, merging,
 * malformed and unsorted input, empty files), the /64 + fine-table IPv6
 * layout against a linear scan of random range sets, allocation failure,
 * files read in chunks, a hand-built MaxMind DB through libmaxminddb, and
 * a smoke check on Debian's tor-geoipdb when installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "config.h"
#include "geo/geo.h"
#include "tmpdir.h"
#include "util/alloc.h"

__extension__ typedef unsigned __int128 u128;

#define CC(s) ((geo_cc)(((s)[0] << 8) | (s)[1]))

static struct addr a4(const char *s)
{
	struct addr a;
	uint8_t b[4];
	assert_int_equal(inet_pton(AF_INET, s, b), 1);
	addr_set4(&a, b);
	return a;
}

static struct addr a6(const char *s)
{
	struct addr a;
	uint8_t b[16];
	assert_int_equal(inet_pton(AF_INET6, s, b), 1);
	addr_set6(&a, b);
	return a;
}

static struct addr a6n(u128 x)
{
	struct addr a;
	uint8_t b[16];
	for (int i = 15; i >= 0; i--) {
		b[i] = (uint8_t)x;
		x >>= 8;
	}
	addr_set6(&a, b);
	return a;
}

static void fmt6(u128 x, char *buf, size_t n)
{
	struct addr a = a6n(x);
	assert_non_null(inet_ntop(AF_INET6, a.a, buf, (socklen_t)n));
}

static void expect4(const struct geo *g, const char *ip, const char *cc)
{
	struct addr a = a4(ip);
	char got[3];
	geo_cc_str(geo_lookup(g, &a), got);
	if (strcmp(got, cc) != 0)
		fail_msg("%s: got '%s', want '%s'", ip, got, cc);
}

static void expect6(const struct geo *g, const char *ip, const char *cc)
{
	struct addr a = a6(ip);
	char got[3];
	geo_cc_str(geo_lookup(g, &a), got);
	if (strcmp(got, cc) != 0)
		fail_msg("%s: got '%s', want '%s'", ip, got, cc);
}

static struct geo *text(const char *v4, const char *v6, char *err, size_t n)
{
	err[0] = '\0';
	return geo_from_tor_text(v4, v4 ? strlen(v4) : 0, v6,
	    v6 ? strlen(v6) : 0, err, n);
}

/* ---- codes ---------------------------------------------------------------- */

static void test_cc(void **state)
{
	(void)state;
	char s[3];
	assert_int_equal(geo_cc_parse("US"), ('U' << 8) | 'S');
	assert_int_equal(geo_cc_parse("us"), ('U' << 8) | 'S');
	assert_int_equal(geo_cc_parse("U"), 0);
	assert_int_equal(geo_cc_parse("USA"), 0);
	assert_int_equal(geo_cc_parse("U1"), 0);
	assert_int_equal(geo_cc_parse("??"), 0);
	assert_int_equal(geo_cc_parse(""), 0);
	assert_int_equal(geo_cc_parse(NULL), 0);
	geo_cc_str(geo_cc_parse("de"), s);
	assert_string_equal(s, "DE");
	geo_cc_str(0, s);
	assert_string_equal(s, "");
	geo_cc_str(0xffff, s);
	assert_string_equal(s, "");
}

/* ---- IPv4 ---------------------------------------------------------------- */

static const char *V4 =
    "# header comment\r\n"
    "\r\n"
    "16777216,16777471,AU\r\n"		/* 1.0.0.0 - 1.0.0.255 */
    "16777472,16778239,cn\r\n"		/* 1.0.1.0 - 1.0.3.255 */
    "  16778240 , 16779263 , AU \n"	/* 1.0.4.0 - 1.0.7.255 */
    "\n"
    "# a gap: 1.0.8.0 - 1.255.255.255\n"
    "33554432,33554687,US\n"		/* 2.0.0.0 - 2.0.0.255 */
    "33554688,33554943,US\n"		/* 2.0.1.0 - 2.0.1.255, merges */
    "33554944,33555199,??\n"		/* 2.0.2.0 - 2.0.2.255 unknown */
    "3.0.0.0,3.0.0.255,ZZ\n"		/* dotted; ZZ = unknown */
    "3.0.1.0,3.0.1.255,A1\n"		/* old anonymous-proxy code */
    "4.0.0.0,4.0.0.9,FR";		/* no final newline */

static void test_v4_edges(void **state)
{
	(void)state;
	char err[256];
	struct geo *g = text(V4, NULL, err, sizeof(err));
	assert_non_null(g);
	expect4(g, "1.0.0.0", "AU");
	expect4(g, "1.0.0.255", "AU");
	expect4(g, "1.0.1.0", "CN");
	expect4(g, "1.0.3.255", "CN");
	expect4(g, "1.0.4.0", "AU");
	expect4(g, "1.0.7.255", "AU");
	expect4(g, "1.0.8.0", "");		/* gap */
	expect4(g, "1.255.255.255", "");
	expect4(g, "2.0.0.0", "US");
	expect4(g, "2.0.1.255", "US");
	expect4(g, "2.0.2.0", "");
	expect4(g, "2.0.3.0", "");
	expect4(g, "3.0.0.7", "");
	expect4(g, "3.0.1.7", "");
	expect4(g, "4.0.0.0", "FR");
	expect4(g, "4.0.0.9", "FR");
	expect4(g, "4.0.0.10", "");
	expect4(g, "223.255.255.255", "");
	/* entries: AU CN AU gap US gap FR gap; the two US lines, the ??/ZZ/A1
	 * lines and the gaps around them collapse */
	assert_int_equal(geo_ranges(g), 8);
	assert_true(geo_memory(g) > 0);
	assert_string_equal(geo_source(g), "tor");
	/* no IPv6 text: every IPv6 address is unknown, mapped ones are not */
	expect6(g, "2400::1", "");
	expect6(g, "::ffff:1.0.1.9", "CN");
	geo_free(g);
	geo_free(NULL);
}

static void test_private(void **state)
{
	(void)state;
	char err[256];
	/* one country for the whole space: only non-global addresses
	 * answer 0 */
	struct geo *g = text("0,4294967295,US\n",
	    "::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,DE\n", err,
	    sizeof(err));
	assert_non_null(g);
	expect4(g, "8.8.8.8", "US");
	expect4(g, "192.168.1.1", "");
	expect4(g, "10.1.2.3", "");
	expect4(g, "172.31.0.1", "");
	expect4(g, "172.32.0.1", "US");
	expect4(g, "100.64.0.1", "");
	expect4(g, "127.0.0.1", "");
	expect4(g, "169.254.1.1", "");
	expect4(g, "224.0.0.251", "");
	expect4(g, "255.255.255.255", "");
	expect4(g, "223.255.255.255", "US");
	expect6(g, "2a00::1", "DE");
	expect6(g, "fe80::1", "");
	expect6(g, "fd12::1", "");
	expect6(g, "ff02::fb", "");
	expect6(g, "::1", "");
	expect6(g, "2001:db8::1", "");
	expect6(g, "::ffff:8.8.8.8", "US");
	struct addr none = { 0 };
	assert_int_equal(geo_lookup(g, &none), 0);
	assert_int_equal(geo_lookup(NULL, &none), 0);
	geo_free(g);
}

/* ---- IPv6 ----------------------------------------------------------------- */

static const char *V6 =
    "# comment\n"
    "2001:200::,2001:200:134:ffff:ffff:ffff:ffff:ffff,JP\n"
    "2001:506:8::,2001:506:9::3,US\n"
    "2001:506:9::4,2001:506:9::5,BR\n"
    "2001:506:9::6,2001:506:9::2d,US\n"
    "2001:506:9::2e,2001:506:a:ffff:ffff:ffff:ffff:ffff,DE\n"
    "2001:506:b::,2001:506:b::ff,FR\r\n"
    "2001:506:b::100,2001:506:b::1ff,IT\n"
    "2001:506:c::,2001:506:c:0:ffff:ffff:ffff:ffff,IT\n"
    "2001:506:d::5,2001:506:d::5,GR\n"
    "2a00::,2a00::ffff:ffff:ffff:ffff,NL\n";

static void test_v6_edges(void **state)
{
	(void)state;
	char err[256];
	struct geo *g = text("16777216,16777471,AU\n", V6, err, sizeof(err));
	assert_non_null(g);
	expect6(g, "2001:200::", "JP");
	expect6(g, "2001:200::1", "JP");
	expect6(g, "2001:200:134:ffff:ffff:ffff:ffff:ffff", "JP");
	expect6(g, "2001:200:135::", "");
	expect6(g, "2001:506:7:ffff:ffff:ffff:ffff:ffff", "");
	expect6(g, "2001:506:8::", "US");
	expect6(g, "2001:506:8:ffff::", "US");
	expect6(g, "2001:506:9::", "US");
	expect6(g, "2001:506:9::3", "US");
	expect6(g, "2001:506:9::4", "BR");
	expect6(g, "2001:506:9::5", "BR");
	expect6(g, "2001:506:9::6", "US");
	expect6(g, "2001:506:9::2d", "US");
	expect6(g, "2001:506:9::2e", "DE");
	expect6(g, "2001:506:9:0:ffff:ffff:ffff:ffff", "DE");
	expect6(g, "2001:506:9:ffff:ffff:ffff:ffff:ffff", "DE");
	expect6(g, "2001:506:a::", "DE");
	expect6(g, "2001:506:a:ffff:ffff:ffff:ffff:ffff", "DE");
	expect6(g, "2001:506:b::", "FR");
	expect6(g, "2001:506:b::ff", "FR");
	expect6(g, "2001:506:b::100", "IT");
	expect6(g, "2001:506:b::1ff", "IT");
	expect6(g, "2001:506:b::200", "");
	expect6(g, "2001:506:b:ffff::", "");
	expect6(g, "2001:506:c::", "IT");
	expect6(g, "2001:506:c:0:ffff:ffff:ffff:ffff", "IT");
	expect6(g, "2001:506:c:1::", "");
	expect6(g, "2001:506:d::4", "");
	expect6(g, "2001:506:d::5", "GR");
	expect6(g, "2001:506:d::6", "");
	expect6(g, "2a00::", "NL");
	expect6(g, "2a00::ffff:ffff:ffff:ffff", "NL");
	expect6(g, "2a00:0:0:1::", "");
	expect6(g, "::ffff:1.0.0.1", "AU");
	expect4(g, "1.0.0.1", "AU");
	geo_free(g);
}

/* ---- random range sets against a linear scan ------------------------------ */

struct rng { uint64_t s; };

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

struct rr { u128 s, e; geo_cc cc; };

static geo_cc ref_lookup(const struct rr *v, size_t n, u128 x)
{
	for (size_t i = 0; i < n; i++)
		if (x >= v[i].s && x <= v[i].e)
			return v[i].cc;
	return 0;
}

static const char *const CODES[] = { "US", "DE", "??", "FR", "US", "JP" };

/* Ranges from 2400::, of sizes that cut /64s, fill them exactly or span
 * many; gaps of every kind. Returns the count; text into buf. */
static size_t gen6(struct rng *r, struct rr *v, size_t max, char *buf,
    size_t bufn)
{
	u128 pos = (u128)0x2400 << 112;
	size_t n = 0, off = 0;
	const u128 B = (u128)1 << 64;
	while (n < max) {
		switch (rnd(r) % 4) {
		case 0: break;
		case 1: pos += 1 + rnd(r) % 50; break;
		case 2: pos = (pos / B + 1) * B; break;
		default: pos += B * (1 + rnd(r) % 3); break;
		}
		u128 len;
		switch (rnd(r) % 5) {
		case 0: len = 1 + rnd(r) % 40; break;
		case 1: len = B - pos % B; break;			/* to /64 end */
		case 2: len = B * (1 + rnd(r) % 4); break;
		case 3: len = B * (rnd(r) % 3) + B - pos % B; break;
		default: len = 1; break;
		}
		const char *cc = CODES[rnd(r) % 6];
		v[n].s = pos;
		v[n].e = pos + len - 1;
		v[n].cc = strcmp(cc, "??") == 0 ? 0 : CC(cc);
		char s1[64], s2[64];
		fmt6(v[n].s, s1, sizeof(s1));
		fmt6(v[n].e, s2, sizeof(s2));
		int k = snprintf(buf + off, bufn - off, "%s,%s,%s\n", s1, s2,
		    cc);
		assert_true(k > 0 && (size_t)k < bufn - off);
		off += (size_t)k;
		pos = v[n].e + 1;
		n++;
	}
	return n;
}

static void check6(const struct geo *g, const struct rr *v, size_t n, u128 x)
{
	struct addr a = a6n(x);
	geo_cc want = ref_lookup(v, n, x), got = geo_lookup(g, &a);
	if (want != got) {
		char s[64];
		fmt6(x, s, sizeof(s));
		fail_msg("%s: got %04x want %04x", s, got, want);
	}
}

static void test_v6_random(void **state)
{
	(void)state;
	enum { N = 300 };
	static struct rr v[N];
	static char buf[N * 100];
	char err[256];
	const u128 B = (u128)1 << 64;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct rng r = { seed * 0x9e3779b97f4a7c15ull };
		size_t n = gen6(&r, v, N, buf, sizeof(buf));
		struct geo *g = geo_from_tor_text("1,2,US\n", 7, buf,
		    strlen(buf), err, sizeof(err));
		if (!g)
			fail_msg("seed %llu: %s", (unsigned long long)seed, err);
		for (size_t i = 0; i < n; i++) {
			u128 pts[] = { v[i].s - 1, v[i].s, v[i].s + 1,
				v[i].e - 1, v[i].e, v[i].e + 1,
				v[i].s / B * B, v[i].s / B * B + B - 1,
				v[i].e / B * B, v[i].e / B * B + B - 1,
				v[i].s + (v[i].e - v[i].s) / 2 };
			for (size_t k = 0; k < sizeof(pts) / sizeof(pts[0]); k++)
				check6(g, v, n, pts[k]);
		}
		geo_free(g);
	}
}

static void test_v4_random(void **state)
{
	(void)state;
	enum { N = 2000 };
	static struct rr v[N];
	static char buf[N * 40];
	char err[256];
	struct rng r = { 12345 };
	uint64_t pos = 16777216;	/* 1.0.0.0: public up to 10/8 */
	size_t n = 0, off = 0, merged = 0;
	while (n < N) {
		pos += rnd(&r) % 3 == 0 ? rnd(&r) % 1000 : 0;
		uint64_t len = 1 + rnd(&r) % 4096;
		const char *cc = CODES[rnd(&r) % 6];
		v[n].s = pos;
		v[n].e = pos + len - 1;
		v[n].cc = strcmp(cc, "??") == 0 ? 0 : CC(cc);
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%llu,%llu,%s\n", (unsigned long long)pos,
		    (unsigned long long)(pos + len - 1), cc);
		if (n > 0 && v[n].s == v[n - 1].e + 1 && v[n].cc == v[n - 1].cc)
			merged++;
		pos += len;
		n++;
	}
	assert_true(pos < 167772160u);	/* stayed below 10.0.0.0 */
	struct geo *g = geo_from_tor_text(buf, off, NULL, 0, err, sizeof(err));
	assert_non_null(g);
	/* exactly one entry per change of country, gaps being country 0 */
	size_t want = 0;
	geo_cc cur = 0;
	uint64_t next = 0;
	for (size_t i = 0; i < n; i++) {
		if ((uint64_t)v[i].s > next && cur != 0) {
			want++;
			cur = 0;
		}
		if (v[i].cc != cur) {
			want++;
			cur = v[i].cc;
		}
		next = (uint64_t)v[i].e + 1;
	}
	want += cur != 0;
	assert_int_equal(geo_ranges(g), want);
	assert_true(merged > 0);
	for (size_t i = 0; i < n; i++) {
		uint64_t pts[] = { (uint64_t)v[i].s - 1, (uint64_t)v[i].s,
			(uint64_t)v[i].e, (uint64_t)v[i].e + 1 };
		for (size_t k = 0; k < 4; k++) {
			uint8_t b[4] = { (uint8_t)(pts[k] >> 24),
				(uint8_t)(pts[k] >> 16), (uint8_t)(pts[k] >> 8),
				(uint8_t)pts[k] };
			struct addr a;
			addr_set4(&a, b);
			assert_int_equal(geo_lookup(g, &a),
			    ref_lookup(v, n, pts[k]));
		}
	}
	geo_free(g);
}

/* ---- refusals --------------------------------------------------------------- */

static void expect_refused(const char *v4, const char *v6, const char *prefix)
{
	char err[256];
	struct geo *g = text(v4, v6, err, sizeof(err));
	if (g) {
		geo_free(g);
		fail_msg("accepted: %s | %s", v4, v6 ? v6 : "");
	}
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("error '%s' does not start with '%s'", err, prefix);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad4[] = {
		"1,2", "1,2,USA", "1,2,U", "1,2,", "a,2,US", "5,4,US",
		"1,2,US,extra", "4294967296,4294967297,US", "1.2.3,5,US",
		"-1,5,US", "1,2,U$", "1 2,3,US", ",,", "1,,US",
		"2001::,2001::1,US",
	};
	char buf[256];
	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		snprintf(buf, sizeof(buf), "# c\n1,2,US\n%s\n9,10,DE\n", bad4[i]);
		expect_refused(buf, NULL, "v4:3: ");
	}
	static const char *const bad6[] = {
		"zz::,2001::,US", "1.2.3.4,1.2.3.5,US", "2400::5,2400::4,US",
		"2400::,2400::1,USA", "2400::,,US",
	};
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		snprintf(buf, sizeof(buf), "2001::,2001::ff,US\n\n%s\n", bad6[i]);
		expect_refused("1,2,US\n", buf, "v6:3: ");
	}
	/* the reason is spelled out */
	char err[256];
	assert_null(text("1,2,USA\n", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "country code"));
	/* a line longer than GEO_LINE_MAX */
	char *longl = malloc(GEO_LINE_MAX + 20);
	assert_non_null(longl);
	memset(longl, '1', GEO_LINE_MAX + 10);
	longl[GEO_LINE_MAX + 10] = '\0';
	expect_refused(longl, NULL, "v4:1: line too long");
	free(longl);
}

static void test_unsorted(void **state)
{
	(void)state;
	char err[256];
	expect_refused("100,200,US\n50,60,DE\n", NULL, "v4:2: ");
	expect_refused("100,200,US\n150,300,DE\n", NULL, "v4:2: ");
	expect_refused("100,200,US\n200,300,DE\n", NULL, "v4:2: ");
	expect_refused("0,4294967295,US\n5,6,DE\n", NULL, "v4:2: ");
	expect_refused("1,2,US\n", "2400::10,2400::20,US\n2400::20,2400::30,DE\n",
	    "v6:2: ");
	expect_refused("1,2,US\n", "2400:1::,2400:1::5,US\n2400::,2400::1,DE\n",
	    "v6:2: ");
	assert_null(text("100,200,US\n50,60,DE\n", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "sorted"));
	/* touching ranges are fine */
	struct geo *g = text("100,200,US\n201,300,DE\n", NULL, err,
	    sizeof(err));
	assert_non_null(g);
	geo_free(g);
}

static void test_empty(void **state)
{
	(void)state;
	char err[256];
	assert_null(text("", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "v4: no address ranges"));
	assert_null(text("# only\n# comments\r\n\n", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "v4: no address ranges"));
	assert_null(text("1,2,US\n", "", err, sizeof(err)));
	assert_non_null(strstr(err, "v6: no address ranges"));
	assert_null(geo_from_tor_text(NULL, 0, NULL, 0, err, sizeof(err)));
	/* a BOM before the first line is tolerated, not elsewhere */
	struct geo *g = text("\xef\xbb\xbf" "16777216,16777471,AU\n", NULL, err,
	    sizeof(err));
	assert_non_null(g);
	expect4(g, "1.0.0.1", "AU");
	geo_free(g);
	expect_refused("1,2,US\n\xef\xbb\xbf" "16777216,16777471,AU\n", NULL,
	    "v4:2: ");
}

/* ---- allocation failure ---------------------------------------------------- */

static void test_alloc_fail(void **state)
{
	(void)state;
	char err[256];
	int ok = 0;
	for (long n = 0; n < 200 && !ok; n++) {
		alloc_fail_after(n);
		struct geo *g = text(V4, V6, err, sizeof(err));
		alloc_fail_after(-1);
		if (!g) {
			assert_non_null(strstr(err, "out of memory"));
			continue;
		}
		/* whatever allocations failed during compaction/shrinking,
		 * the answers are the same */
		expect4(g, "1.0.1.0", "CN");
		expect4(g, "2.0.1.255", "US");
		expect6(g, "2001:506:9::4", "BR");
		expect6(g, "2001:506:b::1ff", "IT");
		expect6(g, "2001:506:c:1::", "");
		geo_free(g);
		ok = n > 0;
	}
	assert_true(ok);
	/* a large table: failure in a late growth step */
	enum { N = 5000 };
	char *big = malloc(N * 32);
	assert_non_null(big);
	size_t off = 0;
	for (unsigned i = 0; i < N; i++)
		off += (size_t)snprintf(big + off, N * 32 - off, "%u,%u,%s\n",
		    16777216u + i * 10, 16777216u + i * 10 + 4,
		    i % 2 ? "US" : "DE");
	alloc_fail_after(3);
	assert_null(geo_from_tor_text(big, off, NULL, 0, err, sizeof(err)));
	alloc_fail_after(-1);
	assert_non_null(strstr(err, "out of memory"));
	free(big);
}

/* ---- files ------------------------------------------------------------------ */

static void write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void test_files(void **state)
{
	(void)state;
	char p4[128], p6[128], err[512];
	snprintf(p4, sizeof(p4), "%s/geoip", dir);
	snprintf(p6, sizeof(p6), "%s/geoip6", dir);
	/* > 2 read chunks of lines, CRLF, to cross chunk boundaries */
	enum { N = 12000 };
	char *big = malloc(N * 40 + 16);
	assert_non_null(big);
	size_t off = 0;
	off += (size_t)snprintf(big, 40, "# comment\r\n");
	for (unsigned i = 0; i < N; i++)
		off += (size_t)snprintf(big + off, N * 40 - off,
		    "%u,%u,%s\r\n", 16777216u + i * 16, 16777216u + i * 16 + 7,
		    (i * 7) % 3 ? "US" : "SE");
	assert_true(off > 2 * GEO_READ_CHUNK);
	write_file(p4, big, off);
	write_file(p6, V6, strlen(V6));
	struct geo_config c;
	geo_config_default(&c);
	assert_string_equal(c.tor4, "/usr/share/tor/geoip");
	assert_string_equal(c.tor6, "/usr/share/tor/geoip6");
	assert_null(c.mmdb);
	c.tor4 = p4;
	c.tor6 = p6;
	struct geo *g = geo_open(&c, err, sizeof(err));
	if (!g)
		fail_msg("%s", err);
	struct geo *m = geo_from_tor_text(big, off, V6, strlen(V6), err,
	    sizeof(err));
	assert_non_null(m);
	assert_int_equal(geo_ranges(g), geo_ranges(m));
	for (unsigned i = 0; i < N; i += 7) {
		uint32_t x = 16777216u + i * 16 + (i % 16);
		uint8_t b[4] = { (uint8_t)(x >> 24), (uint8_t)(x >> 16),
			(uint8_t)(x >> 8), (uint8_t)x };
		struct addr a;
		addr_set4(&a, b);
		assert_int_equal(geo_lookup(g, &a), geo_lookup(m, &a));
		assert_int_equal(geo_lookup(g, &a),
		    i % 16 < 8 ? ((i * 7) % 3 ? CC("US") : CC("SE")) : 0);
	}
	expect6(g, "2001:506:9::5", "BR");
	geo_free(m);
	geo_free(g);

	/* tor6 NULL: no IPv6 */
	c.tor6 = NULL;
	g = geo_open(&c, err, sizeof(err));
	assert_non_null(g);
	expect6(g, "2001:506:9::5", "");
	expect4(g, "1.0.0.0", "SE");
	geo_free(g);

	/* a bad line deep in a file names the file and the line */
	memcpy(big + off, "garbage\r\n", 9);
	write_file(p4, big, off + 9);
	assert_null(geo_open(&c, err, sizeof(err)));
	char want[200];
	snprintf(want, sizeof(want), "%s:%u: expected", p4, N + 2);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("'%s' does not start with '%s'", err, want);
	free(big);

	/* a file without newlines longer than a chunk */
	char *blob = malloc(GEO_READ_CHUNK + 100);
	assert_non_null(blob);
	memset(blob, '7', GEO_READ_CHUNK + 100);
	write_file(p4, blob, GEO_READ_CHUNK + 100);
	free(blob);
	assert_null(geo_open(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "line too long"));

	/* missing files: the named path; Debian's name for the default */
	char miss[160];
	snprintf(miss, sizeof(miss), "%s/nope", dir);
	c.tor4 = miss;
	assert_null(geo_open(&c, err, sizeof(err)));
	assert_non_null(strstr(err, miss));
	assert_null(strstr(err, "tor-geoipdb"));
	if (access(GEO_TOR4_DEFAULT, F_OK) != 0) {
		geo_config_default(&c);
		assert_null(geo_open(&c, err, sizeof(err)));
		assert_non_null(strstr(err, "tor-geoipdb"));
	}
}

static void test_debian(void **state)
{
	(void)state;
	if (access(GEO_TOR4_DEFAULT, R_OK) != 0) {
		skip();
		return;
	}
	struct geo_config c;
	char err[256], s[3];
	geo_config_default(&c);
	if (access(GEO_TOR6_DEFAULT, R_OK) != 0)
		c.tor6 = NULL;
	struct geo *g = geo_open(&c, err, sizeof(err));
	if (!g)
		fail_msg("%s", err);
	struct addr a = a4("8.8.8.8");
	geo_cc_str(geo_lookup(g, &a), s);
	assert_int_equal(strlen(s), 2);
	expect4(g, "192.168.1.1", "");
	if (c.tor6) {
		a = a6("2001:4860:4860::8888");
		geo_cc_str(geo_lookup(g, &a), s);
		assert_int_equal(strlen(s), 2);
	}
	assert_true(geo_ranges(g) > 100000);
	geo_free(g);
}

/* ---- MaxMind DB ------------------------------------------------------------- */

/* A minimal MaxMind DB (format spec v2.0): IPv4 tree, 24-bit records.
 * 8.0.0.0/8 -> {"country":{"iso_code":"US"}},
 * 9.0.0.0/8 -> {"registered_country":{"iso_code":"DE"}}, nothing else. */
struct mb { uint8_t b[1024]; size_t n; };

static void mb_byte(struct mb *m, unsigned v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

static void mb_ctrl(struct mb *m, unsigned type, unsigned size)
{
	assert_true(size < 29);
	if (type <= 7) {
		mb_byte(m, (type << 5) | size);
	} else {
		mb_byte(m, size);		/* extended type */
		mb_byte(m, type - 7);
	}
}

static void mb_str(struct mb *m, const char *s)
{
	size_t n = strlen(s);
	mb_ctrl(m, 2, (unsigned)n);
	memcpy(m->b + m->n, s, n);
	m->n += n;
}

static void mb_uint(struct mb *m, unsigned type, uint64_t v)
{
	unsigned n = 0;
	for (uint64_t x = v; x; x >>= 8)
		n++;
	mb_ctrl(m, type, n);
	for (unsigned i = n; i > 0; i--)
		mb_byte(m, (unsigned)(v >> (8 * (i - 1))));
}

static void put24(struct mb *m, uint32_t v)
{
	mb_byte(m, v >> 16);
	mb_byte(m, (v >> 8) & 0xff);
	mb_byte(m, v & 0xff);
}

static size_t build_mmdb(uint8_t *out, size_t max, uint32_t meta_nodes)
{
	struct mb tree = { .n = 0 }, data = { .n = 0 }, meta = { .n = 0 };
	const uint32_t nodes = 8;
	/* data section: record A at 0, B after it */
	mb_ctrl(&data, 7, 1);
	mb_str(&data, "country");
	mb_ctrl(&data, 7, 1);
	mb_str(&data, "iso_code");
	mb_str(&data, "US");
	size_t off_b = data.n;
	mb_ctrl(&data, 7, 1);
	mb_str(&data, "registered_country");
	mb_ctrl(&data, 7, 1);
	mb_str(&data, "iso_code");
	mb_str(&data, "DE");
	/* 8 = 00001000, 9 = 00001001: nodes 0..6 follow 0000100, node 7
	 * splits 8 from 9; a record of value nodes means "no data", a data
	 * record is nodes + 16 + offset */
	static const int path[7] = { 0, 0, 0, 0, 1, 0, 0 };
	for (uint32_t i = 0; i < 7; i++) {
		uint32_t next = i + 1;
		put24(&tree, path[i] == 0 ? next : nodes);
		put24(&tree, path[i] == 1 ? next : nodes);
	}
	put24(&tree, nodes + 16 + 0);
	put24(&tree, nodes + 16 + (uint32_t)off_b);
	/* metadata map */
	mb_ctrl(&meta, 7, 9);
	mb_str(&meta, "node_count");
	mb_uint(&meta, 6, meta_nodes);
	mb_str(&meta, "record_size");
	mb_uint(&meta, 5, 24);
	mb_str(&meta, "ip_version");
	mb_uint(&meta, 5, 4);
	mb_str(&meta, "database_type");
	mb_str(&meta, "edgeward-test");
	mb_str(&meta, "languages");
	mb_ctrl(&meta, 11, 1);
	mb_str(&meta, "en");
	mb_str(&meta, "binary_format_major_version");
	mb_uint(&meta, 5, 2);
	mb_str(&meta, "binary_format_minor_version");
	mb_uint(&meta, 5, 0);
	mb_str(&meta, "build_epoch");
	mb_uint(&meta, 9, 1700000000);
	mb_str(&meta, "description");
	mb_ctrl(&meta, 7, 1);
	mb_str(&meta, "en");
	mb_str(&meta, "test");
	static const uint8_t marker[] = "\xab\xcd\xefMaxMind.com";
	size_t n = 0;
	assert_true(tree.n + 16 + data.n + sizeof(marker) + meta.n <= max);
	memcpy(out + n, tree.b, tree.n);
	n += tree.n;
	memset(out + n, 0, 16);
	n += 16;
	memcpy(out + n, data.b, data.n);
	n += data.n;
	memcpy(out + n, marker, sizeof(marker) - 1);
	n += sizeof(marker) - 1;
	memcpy(out + n, meta.b, meta.n);
	n += meta.n;
	return n;
}

static void test_mmdb(void **state)
{
	(void)state;
	char path[128], err[512];
	uint8_t db[2048];
	size_t n = build_mmdb(db, sizeof(db), 8);
	snprintf(path, sizeof(path), "%s/test.mmdb", dir);
	write_file(path, (const char *)db, n);
	struct geo_config c;
	geo_config_default(&c);
	c.mmdb = path;
	c.tor4 = "/nonexistent";	/* unused when mmdb is set */
	struct geo *g = geo_open(&c, err, sizeof(err));
	if (!g)
		fail_msg("%s", err);
	assert_string_equal(geo_source(g), "mmdb");
	expect4(g, "8.8.8.8", "US");
	expect4(g, "8.0.0.0", "US");
	expect4(g, "8.255.255.255", "US");
	expect4(g, "9.9.9.9", "DE");		/* registered_country */
	expect4(g, "7.255.255.255", "");
	expect4(g, "12.0.0.1", "");
	expect4(g, "192.168.1.1", "");
	expect6(g, "::ffff:8.1.2.3", "US");
	expect6(g, "2400::1", "");		/* IPv6 in an IPv4 DB */
	assert_int_equal(geo_ranges(g), 8);
	assert_true(geo_memory(g) >= n);
	geo_free(g);

	/* not a MaxMind DB: a tor text file */
	write_file(path, V6, strlen(V6));
	assert_null(geo_open(&c, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a valid MaxMind DB"));
	/* metadata claiming a search tree larger than the file */
	n = build_mmdb(db, sizeof(db), 100000);
	write_file(path, (const char *)db, n);
	assert_null(geo_open(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "not a valid MaxMind DB"));
	assert_non_null(strstr(err, path));
	/* missing */
	snprintf(path, sizeof(path), "%s/missing.mmdb", dir);
	assert_null(geo_open(&c, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cc),
		cmocka_unit_test(test_v4_edges),
		cmocka_unit_test(test_private),
		cmocka_unit_test(test_v6_edges),
		cmocka_unit_test(test_v6_random),
		cmocka_unit_test(test_v4_random),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unsorted),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_alloc_fail),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_debian),
		cmocka_unit_test(test_mmdb),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
