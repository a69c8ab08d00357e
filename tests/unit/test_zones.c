/* test_zones.c - the zones policy file: the shipped sample parses and
 * means what its comments say, classification precedence (mac, longest
 * cidr, class; built-ins), first-match rules and port specs, every error
 * message kind with its line, the size caps, allocation failures, and the
 * proposer (output parses, allows every observed edge, denies unobserved
 * LAN pairs, does not depend on edge order). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "policy/zones.h"
#include "util/addr.h"
#include "util/alloc.h"

#include "tmpdir.h"

static struct zones *parse(const char *text, char *err, size_t errlen)
{
	return zones_parse(text, strlen(text), "t.conf", err, errlen);
}

static struct zones *must_parse(const char *text)
{
	char err[1024];
	struct zones *z = parse(text, err, sizeof(err));
	if (!z)
		fail_msg("parse failed: %s", err);
	return z;
}

static struct addr ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct addr x;
	const uint8_t v[4] = { a, b, c, d };
	memset(&x, 0, sizeof(x));
	addr_set4(&x, v);
	return x;
}

static struct addr ip6(const char *text)
{
	struct addr x;
	uint8_t v[16];
	memset(&x, 0, sizeof(x));
	assert_int_equal(inet_pton(AF_INET6, text, v), 1);
	addr_set6(&x, v);
	return x;
}

static int zone_of(const struct zones *z, const uint8_t *mac,
    const struct addr *ip, const char *cls, int local)
{
	struct zone_host h = { mac, ip, cls, local };
	return zones_classify(z, &h);
}

static const char *zname_of(const struct zones *z, const uint8_t *mac,
    const struct addr *ip, const char *cls, int local)
{
	return zones_name(z, zone_of(z, mac, ip, cls, local));
}

static struct zone_verdict check(const struct zones *z, const char *src,
    const char *dst, uint8_t proto, uint16_t port)
{
	struct zone_verdict v;
	int s = zones_find(z, src), d = zones_find(z, dst);
	assert_true(s >= 0);
	assert_true(d >= 0);
	zones_check(z, s, d, proto, port, &v);
	return v;
}

/* ---- the shipped sample ---- */

static void test_sample(void **state)
{
	(void)state;
	char err[512];
	struct zones *z = zones_load("dist/zones.conf", err, sizeof(err));
	if (!z)
		fail_msg("%s", err);
	assert_int_equal(zones_count(z), ZONES_FIRST + 4);
	assert_int_equal(zones_find(z, "iot"), ZONES_FIRST);

	struct addr cam = ip4(192, 168, 1, 40), srv = ip4(192, 168, 1, 10),
	    router = ip4(192, 168, 1, 1), guest = ip4(192, 168, 50, 7),
	    laptop = ip4(192, 168, 1, 60), cloud = ip4(52, 1, 2, 3);
	assert_string_equal(zname_of(z, NULL, &cam, "camera", 1), "iot");
	assert_string_equal(zname_of(z, NULL, &cam, "plug/switch", 1), "iot");
	assert_string_equal(zname_of(z, NULL, &cam, "tv/streamer", 1), "iot");
	assert_string_equal(zname_of(z, NULL, &srv, "computer", 1), "servers");
	assert_string_equal(zname_of(z, NULL, &router, "router/ap", 1), "lan");
	/* a guest's phone: the guest subnet wins over the phone class */
	assert_string_equal(zname_of(z, NULL, &guest, "phone", 1), "guests");
	assert_string_equal(zname_of(z, NULL, &laptop, "computer", 1),
	    "trusted");
	assert_string_equal(zname_of(z, NULL, &cloud, NULL, 0), "internet");

	struct zone_verdict v = check(z, "iot", "internet", 6, 443);
	assert_true(v.allow);
	assert_int_equal(v.rule, 0);
	v = check(z, "iot", "lan", 17, 53);
	assert_true(v.allow);
	v = check(z, "iot", "servers", 6, 22);
	assert_false(v.allow);
	assert_string_equal(zones_rule_text(z, v.rule), "deny iot -> local");
	assert_true(zones_rule_line(z, v.rule) > 50);
	v = check(z, "iot", "trusted", 6, 80);
	assert_false(v.allow);
	v = check(z, "trusted", "iot", 6, 80);
	assert_true(v.allow);
	v = check(z, "guests", "servers", 6, 445);
	assert_false(v.allow);
	v = check(z, "guests", "internet", 6, 443);
	assert_true(v.allow);
	assert_int_equal(v.rule, -1);
	assert_string_equal(zones_rule_text(z, -1), "default allow");
	v = check(z, "internet", "iot", 6, 23);
	assert_false(v.allow);
	zones_free(z);
}

/* ---- classification ---- */

static void test_classify(void **state)
{
	(void)state;
	struct zones *z = must_parse(
	    "zone a mac aa:bb:cc:dd:ee:01\n"
	    "zone b cidr 10.0.0.0/8\n"
	    "zone c cidr 10.1.0.0/16 fd00::/64\n"
	    "zone d class camera bulb\n"
	    "zone u class unknown\n"
	    "zone all cidr 0.0.0.0/0\n"
	    "zone d cidr 172.16.0.5\n");
	const uint8_t mac[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01 };
	const uint8_t other[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x02 };
	struct addr a = ip4(10, 1, 2, 3), b = ip4(10, 2, 0, 1),
	    h = ip4(192, 168, 0, 9), s = ip4(172, 16, 0, 5),
	    s2 = ip4(172, 16, 0, 6), v6in = ip6("fd00::1234"),
	    v6out = ip6("fd00:0:0:1::1");

	/* mac beats cidr beats class */
	assert_string_equal(zname_of(z, mac, &a, "camera", 1), "a");
	assert_string_equal(zname_of(z, other, &a, "camera", 1), "c");
	/* longest prefix, whatever the order of declaration */
	assert_string_equal(zname_of(z, NULL, &a, NULL, 1), "c");
	assert_string_equal(zname_of(z, NULL, &b, NULL, 1), "b");
	assert_string_equal(zname_of(z, NULL, &h, NULL, 1), "all");
	assert_string_equal(zname_of(z, NULL, &s, NULL, 1), "d");
	assert_string_equal(zname_of(z, NULL, &s2, NULL, 1), "all");
	assert_string_equal(zname_of(z, NULL, &v6in, NULL, 1), "c");
	/* class members: local hosts only; aliases and either half */
	assert_string_equal(zname_of(z, NULL, &v6out, "camera", 1), "d");
	assert_string_equal(zname_of(z, NULL, &v6out, "light", 1), "d");
	assert_string_equal(zname_of(z, NULL, &v6out, "CAMERA", 1), "d");
	assert_string_equal(zname_of(z, NULL, &v6out, "camera", 0),
	    "internet");
	assert_string_equal(zname_of(z, NULL, &v6out, NULL, 1), "u");
	assert_string_equal(zname_of(z, NULL, &v6out, "", 1), "u");
	assert_string_equal(zname_of(z, NULL, &v6out, "unknown", 1), "u");
	assert_string_equal(zname_of(z, NULL, &v6out, "printer", 1), "lan");
	assert_string_equal(zname_of(z, NULL, &v6out, "no-such", 1), "lan");
	assert_string_equal(zname_of(z, NULL, NULL, NULL, 0), "internet");
	assert_int_equal(zones_classify(z, NULL), ZONES_INTERNET);
	zones_free(z);

	/* no zones at all: only the built-ins */
	z = must_parse("# nothing\n\n");
	assert_int_equal(zone_of(z, NULL, &a, "camera", 1), ZONES_LAN);
	assert_int_equal(zone_of(z, NULL, &a, "camera", 0), ZONES_INTERNET);
	zones_free(z);
}

/* ---- rules ---- */

static void test_first_match(void **state)
{
	(void)state;
	/* rules before the zones they name are fine */
	struct zones *z = must_parse(
	    "deny a -> b tcp/22\t# ssh is never ok\n"
	    "allow a->b tcp udp/1000-2000 icmp proto/47\r\n"
	    "deny a -> local\n"
	    "allow any -> internet icmpv6\n"
	    "zone a cidr 10.0.0.0/24\n"
	    "zone b cidr 10.0.1.0/24\n"
	    "default deny\n");
	struct zone_verdict v;
	v = check(z, "a", "b", 6, 22);
	assert_int_equal(v.rule, 0);
	assert_false(v.allow);
	v = check(z, "a", "b", 6, 80);
	assert_int_equal(v.rule, 1);
	assert_true(v.allow);
	v = check(z, "a", "b", 17, 999);
	assert_int_equal(v.rule, 2);
	v = check(z, "a", "b", 17, 1000);
	assert_int_equal(v.rule, 1);
	v = check(z, "a", "b", 17, 2000);
	assert_int_equal(v.rule, 1);
	v = check(z, "a", "b", 17, 2001);
	assert_int_equal(v.rule, 2);
	v = check(z, "a", "b", 1, 0);		/* icmp: port ignored */
	assert_int_equal(v.rule, 1);
	v = check(z, "a", "b", 47, 0);
	assert_int_equal(v.rule, 1);
	v = check(z, "a", "b", 50, 0);
	assert_int_equal(v.rule, 2);
	/* local = declared zones and lan, not internet */
	v = check(z, "a", "a", 17, 53);
	assert_int_equal(v.rule, 2);
	v = check(z, "a", "lan", 17, 53);
	assert_int_equal(v.rule, 2);
	v = check(z, "a", "internet", 58, 0);
	assert_int_equal(v.rule, 3);
	v = check(z, "a", "internet", 6, 443);
	assert_int_equal(v.rule, -1);
	assert_false(v.allow);
	v = check(z, "b", "a", 6, 22);
	assert_int_equal(v.rule, -1);
	/* out-of-range zones only match any */
	zones_check(z, 999, ZONES_INTERNET, 58, 0, &v);
	assert_int_equal(v.rule, 3);
	zones_check(z, -5, ZONES_LAN, 6, 1, &v);
	assert_int_equal(v.rule, -1);

	assert_string_equal(zones_rule_text(z, 1),
	    "allow a -> b tcp udp/1000-2000 icmp proto/47");
	assert_int_equal(zones_rule_line(z, 1), 2);
	assert_string_equal(zones_rule_text(z, -1), "default deny");
	assert_int_equal(zones_rule_line(z, -1), 7);
	assert_string_equal(zones_rule_text(z, 99), "");
	assert_string_equal(zones_name(z, 99), "?");

	/* accessors for the nftables renderer */
	assert_int_equal(zones_rule_count(z), 4);
	const struct zones_rule *r = zones_rule(z, 1);
	assert_non_null(r);
	assert_int_equal(r->src, zones_find(z, "a"));
	assert_int_equal(r->nport, 4);
	assert_int_equal(r->port[1].proto, 17);
	assert_int_equal(r->port[1].lo, 1000);
	assert_int_equal(r->port[1].hi, 2000);
	assert_int_equal(r->port[0].lo, 0);
	assert_int_equal(r->port[0].hi, 65535);
	assert_int_equal(zones_rule(z, 3)->src, ZONES_ANY);
	assert_false(zones_default_allow(z));
	size_t n;
	const struct zones_cidr *c = zones_cidrs(z, &n);
	assert_int_equal(n, 2);
	assert_int_equal(c[1].zone, zones_find(z, "b"));
	assert_int_equal(c[1].bits, 24);
	assert_int_equal(c[1].line, 6);
	assert_int_equal(zones_zone(z, c[1].zone)->ncidr, 1);
	zones_free(z);

	/* no default line: allow */
	z = must_parse("zone x mac 02:00:00:00:00:01\nallow x -> any\n");
	assert_true(zones_default_allow(z));
	const struct zones_mac *m = zones_macs(z, &n);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].mac[5], 1);
	zones_free(z);
}

/* ---- errors: each names its line ---- */

struct bad {
	const char *text;
	unsigned line;
	const char *want;
};

static void test_errors(void **state)
{
	(void)state;
	static const struct bad bad[] = {
		{ "\n\nfrobnicate a\n", 3, "unknown statement 'frobnicate'" },
		{ "zone\n", 1, "zone needs a name" },
		{ "zone 9x cidr 10.0.0.0/8\n", 1, "bad zone name '9x'" },
		{ "zone a.b cidr 10.0.0.0/8\n", 1, "bad zone name" },
		{ "zone internet cidr 1.2.3.0/24\n", 1, "'internet' is reserved" },
		{ "zone tcp cidr 1.2.3.0/24\n", 1, "'tcp' is reserved" },
		{ "zone a\n", 1, "lists no members" },
		{ "zone a cidr\n", 1, "'cidr' needs at least one value" },
		{ "zone a cidr mac 02:00:00:00:00:01\n", 1,
		  "'cidr' needs at least one value" },
		{ "zone a 10.0.0.0/8\n", 1, "expected cidr, mac or class" },
		{ "zone a cidr 10.0.0.256/8\n", 1, "bad cidr '10.0.0.256/8'" },
		{ "zone a cidr 10.0.0.0/33\n", 1, "bad cidr" },
		{ "zone a cidr 10.0.0.0/\n", 1, "bad cidr" },
		{ "zone a cidr fd00::/129\n", 1, "bad cidr" },
		{ "zone a cidr 10.1.2.3/8\n", 1,
		  "has host bits set (the network is 10.0.0.0/8)" },
		{ "zone a cidr 10.0.0.0/8\nzone b cidr 10.0.0.0/8\n", 2,
		  "duplicate cidr 10.0.0.0/8: already in zone 'a' (line 1)" },
		{ "zone a cidr 10.0.0.0/8 10.0.0.0/8\n", 1, "duplicate cidr" },
		{ "zone a mac aa:bb:cc:dd:ee\n", 1, "bad mac" },
		{ "zone a mac aa:bb:cc:dd:ee:gg\n", 1, "bad mac" },
		{ "zone a mac aa:bb-cc:dd:ee:ff\n", 1, "bad mac" },
		{ "zone a mac ff:ff:ff:ff:ff:ff\n", 1, "not a host address" },
		{ "zone a mac 00:00:00:00:00:00\n", 1, "not a host address" },
		{ "zone a mac 02:00:00:00:00:01\n#\nzone b mac 02-00-00-00-00-01\n",
		  3, "duplicate mac 02:00:00:00:00:01: already in zone 'a' "
		  "(line 1)" },
		{ "zone a class toaster\n", 1, "unknown class 'toaster' (classes: "
		  "unknown, camera" },
		{ "zone a class camera\nzone b class plug camera\n", 2,
		  "duplicate class camera: already in zone 'a' (line 1)" },
		{ "zone a class plug switch\n", 1, "duplicate class plug/switch" },
		{ "zone a class camera\nallow a internet\n", 2,
		  "expected 'allow SRC -> DST [PORT...]'" },
		{ "deny a ->\n", 1, "expected 'deny SRC -> DST" },
		{ "allow a -> b! tcp\n", 1, "bad zone name 'b!'" },
		{ "zone servers cidr 10.0.0.0/8\nzone iot class camera\n\n"
		  "deny iot -> srevers\n", 4,
		  "unknown zone 'srevers' (declared: servers, iot; built-in: "
		  "internet, lan, local, any; did you mean 'servers'?)" },
		{ "allow x -> any\n", 1, "unknown zone 'x' (declared: none" },
		{ "zone a class camera\nallow a -> any tcp/65536\n", 2,
		  "bad port spec 'tcp/65536' (port must be 0..65535)" },
		{ "zone a class camera\nallow a -> any tcp/\n", 2,
		  "bad port spec 'tcp/'" },
		{ "zone a class camera\nallow a -> any tcp/9-2\n", 2,
		  "range runs backwards" },
		{ "zone a class camera\nallow a -> any sctp/9\n", 2,
		  "bad port spec 'sctp/9' (want tcp/N" },
		{ "zone a class camera\nallow a -> any proto/0\n", 2,
		  "protocol number must be 1..255" },
		{ "zone a class camera\nallow a -> any tcp/1-5 tcp/1-5\n", 2,
		  "duplicate port spec 'tcp/1-5'" },
		{ "zone a class camera\nallow a -> any tcp/1 tcp/2 tcp/3 tcp/4 "
		  "tcp/5 tcp/6 tcp/7 tcp/8 tcp/9 tcp/10 tcp/11 tcp/12 tcp/13 "
		  "tcp/14 tcp/15 tcp/16 tcp/17\n", 2, "too many port specs" },
		{ "default\n", 1, "expected 'default allow' or 'default deny'" },
		{ "default maybe\n", 1, "expected 'default allow'" },
		{ "default deny\ndefault allow\n", 2,
		  "second default (the first is on line 1)" },
		{ "zone a class camera\x01\n", 1, "unexpected byte 0x01" },
		{ "zone a class caméra\n", 1, "unexpected byte 0xc3" },
	};
	char err[1024], want[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct zones *z = parse(bad[i].text, err, sizeof(err));
		if (z)
			fail_msg("case %zu parsed: %s", i, bad[i].text);
		snprintf(want, sizeof(want), "t.conf:%u: ", bad[i].line);
		if (strncmp(err, want, strlen(want)) != 0 ||
		    !strstr(err, bad[i].want))
			fail_msg("case %zu: got \"%s\", want \"%s%s\"", i, err,
			    want, bad[i].want);
	}

	/* a NUL byte (the text is not a C string) */
	static const char nul[] = "zone a class camera\nzone b\0x class plug\n";
	assert_null(zones_parse(nul, sizeof(nul) - 1, "t.conf", err,
	    sizeof(err)));
	assert_string_equal(err, "t.conf:2: NUL byte");

	/* comments may hold anything but NUL */
	struct zones *z = must_parse("# caméra \x01\xff\nzone a class camera "
	    "# trailing -> tcp/99999\n");
	zones_free(z);
}

/* ---- size caps ---- */

struct sbuf {
	char *p;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3)))
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(k >= 0);
	if (b->n + (size_t)k + 1 > b->cap) {
		b->cap = (b->n + (size_t)k + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)k;
}

static void expect_error(const struct sbuf *b, unsigned line,
    const char *want)
{
	char err[1024], pre[64];
	struct zones *z = zones_parse(b->p, b->n, "t.conf", err, sizeof(err));
	assert_null(z);
	snprintf(pre, sizeof(pre), "t.conf:%u: ", line);
	if (strncmp(err, pre, strlen(pre)) != 0 || !strstr(err, want))
		fail_msg("got \"%s\", want \"%s%s\"", err, pre, want);
}

static void test_limits(void **state)
{
	(void)state;
	struct sbuf b = { 0 };
	struct zones *z;

	/* zones: the 64th parses, the 65th is refused */
	for (int i = 0; i < ZONES_MAX_ZONES; i++)
		sb_add(&b, "zone z%d cidr 10.%d.0.0/16\n", i, i);
	z = zones_parse(b.p, b.n, "t.conf", NULL, 0);
	assert_non_null(z);
	assert_int_equal(zones_count(z), ZONES_FIRST + ZONES_MAX_ZONES);
	zones_free(z);
	sb_add(&b, "zone z%d cidr 11.0.0.0/16\n", ZONES_MAX_ZONES);
	expect_error(&b, ZONES_MAX_ZONES + 1, "too many zones (at most 64)");

	/* rules */
	b.n = 0;
	sb_add(&b, "zone a class camera\n");
	for (int i = 0; i < ZONES_MAX_RULES; i++)
		sb_add(&b, "allow a -> any tcp/%d\n", i);
	z = zones_parse(b.p, b.n, "t.conf", NULL, 0);
	assert_non_null(z);
	assert_int_equal(zones_rule_count(z), ZONES_MAX_RULES);
	zones_free(z);
	sb_add(&b, "deny a -> any\n");
	expect_error(&b, ZONES_MAX_RULES + 2, "too many rules (at most 256)");

	/* members per zone, across lines */
	b.n = 0;
	for (int i = 0; i < ZONES_MAX_MEMBERS; i++)
		sb_add(&b, "zone a cidr 10.0.%d.%d\n", i / 200, i % 200);
	z = zones_parse(b.p, b.n, "t.conf", NULL, 0);
	assert_non_null(z);
	assert_int_equal(zones_zone(z, ZONES_FIRST)->ncidr, ZONES_MAX_MEMBERS);
	zones_free(z);
	sb_add(&b, "zone a mac 02:00:00:00:00:01\n");
	expect_error(&b, ZONES_MAX_MEMBERS + 1, "too many members");

	/* line length */
	b.n = 0;
	sb_add(&b, "zone a class camera\n#");
	for (int i = 1; i < ZONES_MAX_LINE; i++)
		sb_add(&b, "x");
	sb_add(&b, "\n");
	z = zones_parse(b.p, b.n, "t.conf", NULL, 0);
	assert_non_null(z);
	zones_free(z);
	b.n -= 1;
	sb_add(&b, "x\n");
	expect_error(&b, 2, "line too long");

	/* file size: in memory and on disk */
	b.n = 0;
	while (b.n <= ZONES_MAX_FILE)
		sb_add(&b, "# filler filler filler filler filler filler\n");
	char err[512], path[128];
	assert_null(zones_parse(b.p, b.n, "t.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "t.conf: too large"));
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(b.p, 1, b.n, f), b.n);
	fclose(f);
	assert_null(zones_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "too large"));
	assert_null(zones_load("/nonexistent/zones.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/zones.conf: "));
	free(b.p);
}

/* Every allocation failing in turn: NULL with a message or a policy,
 * never a crash or a leak (ASan). */
static void test_alloc_failures(void **state)
{
	(void)state;
	static const char text[] =
	    "zone a cidr 10.0.0.0/8 mac 02:00:00:00:00:01 class camera\n"
	    "zone b cidr fd00::/8\nallow a -> b tcp/1\ndeny b -> a\n";
	char err[256];
	int ok = 0;
	for (long k = 0; k < 40; k++) {
		alloc_fail_after(k);
		struct zones *z = zones_parse(text, sizeof(text) - 1, "t.conf",
		    err, sizeof(err));
		alloc_fail_after(-1);
		if (z) {
			ok++;
			assert_int_equal(zones_rule_count(z), 2);
			zones_free(z);
		} else {
			assert_non_null(strstr(err, "out of memory"));
		}
	}
	assert_true(ok > 0);
}

/* ---- proposer ---- */

static char *propose(const struct zone_edge *e, size_t n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	assert_int_equal(zones_propose(e, n, f), 0);
	fclose(f);
	return buf;
}

/* The host a class name stands for in a round-trip check. */
static int host_zone(const struct zones *z, const char *cls)
{
	struct addr lan = ip4(192, 168, 1, 77), wan = ip4(52, 1, 2, 3);
	if (cls && strcmp(cls, "internet") == 0)
		return zone_of(z, NULL, &wan, NULL, 0);
	return zone_of(z, NULL, &lan, cls, 1);
}

static int allowed(const struct zones *z, const char *src, const char *dst,
    uint8_t proto, uint16_t port)
{
	struct zone_verdict v;
	zones_check(z, host_zone(z, src), host_zone(z, dst), proto, port, &v);
	return v.allow;
}

static void test_propose(void **state)
{
	(void)state;
	struct zone_edge e[] = {
		{ "camera", "internet", 6, 443, 100 },
		{ "camera", "internet", 17, 123, 5 },
		{ "camera", "router/ap", 17, 53, 20 },
		{ "phone", "camera", 6, 554, 3 },
		{ "phone", "internet", 6, 443, 50 },
		{ "plug/switch", "internet", 6, 8883, 7 },
		{ "internet", "camera", 6, 8443, 2 },
		{ "camera", "internet", 6, 443, 1 },	/* a duplicate */
		{ "hub", "light", 17, 5683, 9 },
		{ "light", "router", 1, 0, 4 },
		{ NULL, "internet", 6, 80, 1 },
		{ "gizmo", "internet", 6, 80, 1 },	/* unknown word */
		{ "internet", "internet", 6, 80, 1 },	/* ignored */
	};
	size_t n = sizeof(e) / sizeof(e[0]), len;
	char err[1024];
	char *text = propose(e, n, &len);
	struct zones *z = zones_parse(text, len, "proposed", err, sizeof(err));
	if (!z)
		fail_msg("%s\n---\n%s", err, text);

	for (size_t i = 0; i < n; i++) {
		if (e[i].src_cls && strcmp(e[i].src_cls, "internet") == 0 &&
		    strcmp(e[i].dst_cls, "internet") == 0)
			continue;
		if (!allowed(z, e[i].src_cls, e[i].dst_cls, e[i].proto,
		    e[i].port))
			fail_msg("edge %zu denied\n%s", i, text);
	}
	/* unobserved LAN pairs, in both directions, and other ports */
	assert_false(allowed(z, "camera", "phone", 6, 80));
	assert_false(allowed(z, "plug", "camera", 6, 554));
	assert_false(allowed(z, "camera", "router", 6, 80));
	assert_false(allowed(z, "light", "hub", 17, 5683));
	assert_false(allowed(z, "printer", "camera", 6, 80));	/* lan */
	assert_false(allowed(z, "camera", "printer", 6, 9100));
	assert_false(allowed(z, "internet", "phone", 6, 443));
	assert_false(allowed(z, "internet", "camera", 6, 8444));
	/* the internet stays open by default */
	assert_true(allowed(z, "camera", "internet", 6, 8080));
	assert_non_null(strstr(text, "zone camera class camera\n"));
	assert_non_null(strstr(text, "allow camera -> internet tcp/443 "
	    "udp/123\n"));
	assert_non_null(strstr(text, "# camera -> internet: 106 connections: "
	    "tcp/443 x101, udp/123 x5\n"));
	assert_non_null(strstr(text, "deny camera -> plug\t# never seen\n"));
	assert_non_null(strstr(text, "# deny camera -> internet"));
	assert_null(strstr(text, "# deny phone -> internet"));
	assert_non_null(strstr(text, "1 edge end(s) had an unrecognised class"));
	zones_free(z);

	/* the same edges in another order: the same bytes */
	for (unsigned seed = 1; seed < 6; seed++) {
		struct zone_edge sh[sizeof(e) / sizeof(e[0])];
		memcpy(sh, e, sizeof(e));
		srand(seed);
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)rand() % (i + 1);
			struct zone_edge t = sh[i];
			sh[i] = sh[j];
			sh[j] = t;
		}
		size_t len2;
		char *t2 = propose(sh, n, &len2);
		assert_int_equal(len2, len);
		assert_memory_equal(t2, text, len);
		free(t2);
	}
	free(text);

	/* no edges at all: still a valid policy */
	text = propose(NULL, 0, &len);
	z = zones_parse(text, len, "proposed", err, sizeof(err));
	if (!z)
		fail_msg("%s", err);
	zones_free(z);
	free(text);
}

/* Many ports for one pair are widened to at most ZONES_MAX_PORTS specs
 * that still cover every observed port; more protocols than that give
 * "any". */
static void test_propose_widen(void **state)
{
	(void)state;
	struct zone_edge e[80];
	size_t n = 0, len;
	char err[1024];
	for (int i = 0; i < 40; i++)
		e[n++] = (struct zone_edge){ "phone", "camera", 6,
		    (uint16_t)(1000 + i * i * 7), 1 };
	for (int i = 0; i < 10; i++)
		e[n++] = (struct zone_edge){ "phone", "camera", 17,
		    (uint16_t)(5000 + i * 3), 1 };
	for (int i = 0; i < 20; i++)
		e[n++] = (struct zone_edge){ "tv", "speaker", (uint8_t)(100 + i),
		    0, 1 };
	char *text = propose(e, n, &len);
	struct zones *z = zones_parse(text, len, "proposed", err, sizeof(err));
	if (!z)
		fail_msg("%s\n---\n%s", err, text);
	for (size_t i = 0; i < n; i++)
		if (!allowed(z, e[i].src_cls, e[i].dst_cls, e[i].proto,
		    e[i].port))
			fail_msg("edge %zu denied\n%s", i, text);
	assert_non_null(strstr(text, "allow tv -> speaker any\n"));
	assert_non_null(strstr(text, "(20 ports)"));
	/* the widest gap (between the last two tcp ports) stays closed */
	assert_false(allowed(z, "phone", "camera", 6,
	    (uint16_t)(1000 + 38 * 38 * 7 + 1)));
	assert_false(allowed(z, "phone", "camera", 17, 4999));
	assert_true(allowed(z, "phone", "camera", 17, 5001));	/* widened */
	assert_non_null(strstr(text, "udp/5000-5027 x10 (10 ports)"));
	assert_false(allowed(z, "tv", "camera", 6, 1));
	zones_free(z);
	free(text);
}

/* Past the rule cap the explicit denies go (the catch-alls stay); with
 * more allow groups than fit, E2BIG. */
static void test_propose_caps(void **state)
{
	(void)state;
	unsigned nc = zones_class_count();
	struct zone_edge *e = calloc(nc * (nc + 1), sizeof(*e));
	size_t n = 0, len;
	char err[1024];
	assert_non_null(e);
	for (unsigned c = 0; c < nc; c++)
		e[n++] = (struct zone_edge){ zones_class_name(c), "internet", 6,
		    443, 1 };
	char *text = propose(e, n, &len);
	struct zones *z = zones_parse(text, len, "proposed", err, sizeof(err));
	if (!z)
		fail_msg("%s", err);
	assert_null(strstr(text, "never seen"));
	assert_false(allowed(z, "camera", "plug", 6, 80));
	assert_true(allowed(z, "camera", "internet", 6, 443));
	zones_free(z);
	free(text);

	for (unsigned s = 0; s < nc; s++)
		for (unsigned d = 0; d < nc; d++)
			e[n++] = (struct zone_edge){ zones_class_name(s),
			    zones_class_name(d), 17, 53, 1 };
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	errno = 0;
	assert_int_equal(zones_propose(e, n, f), -1);
	assert_int_equal(errno, E2BIG);
	fclose(f);
	free(buf);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_propose),
		cmocka_unit_test(test_propose_widen),
		cmocka_unit_test(test_propose_caps),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
