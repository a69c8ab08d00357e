/* test_detect_dns.c - the DNS abuse check through the detect API: a
 * tunnel of long random subdomains, TXT volume, DGA-like NXDOMAINs, an
 * NXDOMAIN burst and a query flood (random subdomains, one name) fire;
 * just below the thresholds, CDN hash-like names, blocklist lookups,
 * pronounceable typos, mDNS and a fast but spread-out client stay
 * quiet. */
#include "detect_harness.h"

static const uint32_t CLI = IP4(192, 168, 1, 70), RES = IP4(192, 168, 1, 1);

/* A query (response 0) or an answer with rcode for name, of qtype. */
static void dns(struct rig *r, uint64_t ts, const char *name, uint16_t qtype,
    int response, uint8_t rcode, enum app_kind kind)
{
	static struct app_meta m;	/* large: keep it off the stack */
	struct packet p;
	struct flow f;

	memset(&m, 0, sizeof(m));
	rig_flow(&f, CLI, 33333, RES, 53, 17);
	f.pkts_toserver = 1;
	f.pkts_toclient = (uint64_t)response;
	rig_pkt(&p, &f, ts, !response);
	m.kind = kind;
	m.u.dns.is_response = (uint8_t)response;
	m.u.dns.rcode = rcode;
	m.u.dns.qdcount = 1;
	m.u.dns.nrr = 1;
	m.u.dns.rr[0].section = DNS_SEC_QUESTION;
	m.u.dns.rr[0].type = qtype;
	snprintf(m.u.dns.rr[0].name, sizeof(m.u.dns.rr[0].name), "%s", name);
	detect_packet(r->d, &p, &f, !response, &m);
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* n random characters from alphabet into out (NUL-terminated). */
static void rand_label(uint32_t *s, const char *alphabet, size_t n,
    char *out)
{
	size_t k = strlen(alphabet);
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[rnd(s) % k];
	out[n] = '\0';
}

static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";

static void tunnel(struct rig *r, unsigned n, uint16_t qtype, size_t len)
{
	uint32_t s = 0x1234567u;
	char lab[80], name[200];

	for (unsigned i = 0; i < n; i++) {
		rand_label(&s, B32, len, lab);
		snprintf(name, sizeof(name), "%s.t.tunnel-example.com", lab);
		dns(r, T0 + i * NS, name, qtype, 0, 0, APP_DNS);
	}
}

static void test_tunnel_fires(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "dns", NULL);
	tunnel(&r, 60, 1, 40);
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n, 1);
	struct alert *a = &r.got.a[0];
	assert_int_equal(a->category, ALERT_CAT_DNS_TUNNEL);
	assert_int_equal(a->sid, 2400);
	assert_string_equal(a->mitre, "T1071.004");
	assert_string_equal(a->signature, "DNS tunnel via tunnel-example.com");
	assert_int_equal(a->count, 60);
	rig_assert_addr(&a->src, "192.168.1.70");
	rig_assert_addr(&a->dst, "192.168.1.1");
}

static void test_tunnel_below(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "dns", NULL);
	tunnel(&r, 40, 1, 40);		/* 40 unique: threshold 50 */
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n, 0);
}

static void test_txt_volume(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "dns", NULL);
	tunnel(&r, 45, 16, 8);		/* short labels, TXT */
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].sid, 2401);
}

static void test_benign_names_quiet(void **state)
{
	(void)state;
	struct rig r;
	char name[200];
	uint32_t s = 99;

	rig_open(&r, "dns", NULL);
	for (unsigned i = 0; i < 200; i++) {
		uint64_t ts = T0 + i * NS;
		/* CDN hash-like names */
		snprintf(name, sizeof(name), "e%u.dscb.akamaiedge.net",
		    rnd(&s) % 100000);
		dns(&r, ts, name, 1, 0, 0, APP_DNS);
		snprintf(name, sizeof(name),
		    "ec2-54-%u-%u-%u.compute-1.amazonaws.com", rnd(&s) % 256,
		    rnd(&s) % 256, rnd(&s) % 256);
		dns(&r, ts, name, 1, 0, 0, APP_DNS);
		/* blocklist lookups that are not listed */
		snprintf(name, sizeof(name), "%u.%u.%u.%u.zen.spamhaus.org",
		    rnd(&s) % 256, rnd(&s) % 256, rnd(&s) % 256,
		    rnd(&s) % 256);
		dns(&r, ts, name, 1, 0, 0, APP_DNS);
		dns(&r, ts, name, 1, 1, 3, APP_DNS);
		/* an mDNS flood of random service names is local chatter */
		rand_label(&s, B32, 40, name);
		strcat(name, ".tunnel-example.com");
		dns(&r, ts, name, 16, 0, 0, APP_MDNS);
	}
	rig_close(&r, T0 + 1000 * NS);
	if (r.got.n)
		fprintf(stderr, "# %s: %s\n", r.got.a[0].signature,
		    r.got.a[0].text);
	assert_int_equal(r.got.n, 0);
}

static void dga(struct rig *r, unsigned n, int random)
{
	static const char *const words[] = { "coffeeshop", "gardenhouse",
	    "mountainview", "bluewater", "sunflower", "homekitchen",
	    "smartlight", "greenfield", "doorbell", "weatherapp",
	    "kittenpics", "travelnotes" };
	uint32_t s = 4242;
	char lab[40], name[80];

	for (unsigned i = 0; i < n; i++) {
		if (random)
			rand_label(&s, "bcdfghjklmnpqrstvwxz0123456789", 12,
			    lab);
		else
			snprintf(lab, sizeof(lab), "%s", words[i % 12]);
		snprintf(name, sizeof(name), "%s.com", lab);
		dns(r, T0 + i * NS, name, 1, 0, 0, APP_DNS);
		dns(r, T0 + i * NS + 1000, name, 1, 1, 3, APP_DNS);
	}
}

static void test_dga_fires(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "dns", NULL);
	dga(&r, 12, 1);
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n, 1);
	struct alert *a = &r.got.a[0];
	assert_int_equal(a->category, ALERT_CAT_DGA);
	assert_int_equal(a->sid, 2410);
	assert_int_equal(a->severity, 1);	/* a device of ours */
	assert_true(a->count >= 10 && a->count <= 12);
	assert_string_equal(a->mitre, "T1568.002");
	assert_non_null(strstr(a->text, ".com"));
}

static void test_dga_below_and_words(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "dns", NULL);
	dga(&r, 9, 1);			/* threshold 10 */
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n, 0);

	rig_open(&r, "dns", NULL);
	dga(&r, 12, 0);			/* pronounceable typos */
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n, 0);
}

static void test_nx_burst(void **state)
{
	(void)state;
	struct rig r;
	char name[80];

	rig_open(&r, "dns", NULL);
	for (unsigned i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "printer%u.office-example.com", i);
		dns(&r, T0 + i * NS, name, 1, 1, 3, APP_DNS);
	}
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].sid, 2420);
	assert_int_equal(r.got.a[0].severity, 3);
	assert_int_equal(r.got.a[0].count, 150);
}

/* n queries over span seconds from CLI: random 12-character subdomains
 * of victim-example.com (Mirai's DNS flood) or, random 0, one name. */
static void query_flood(struct rig *r, unsigned n, unsigned span, int random)
{
	uint32_t s = 0x2468ace;
	char lab[16], name[80];

	for (unsigned i = 0; i < n; i++) {
		rand_label(&s, "abcdefghijklmnopqrstuvwxyz0123456789", 12, lab);
		snprintf(name, sizeof(name), "%s.victim-example.com",
		    random ? lab : "www");
		dns(r, T0 + (uint64_t)span * NS * i / n, name, 1, 0, 0,
		    APP_DNS);
	}
}

static void test_query_flood(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "dns", NULL);
	query_flood(&r, 1100, 10, 1);
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n, 1);
	struct alert *a = &r.got.a[0];
	assert_int_equal(a->sid, 2403);
	assert_int_equal(a->category, ALERT_CAT_FLOOD);
	assert_int_equal(a->severity, 1);	/* an inside device */
	assert_int_equal(a->count, 1100);
	rig_assert_addr(&a->src, "192.168.1.70");
	assert_string_equal(a->signature, "DNS query flood (random subdomains) "
	    "for victim-example.com (DDoS participation)");
	/* one name asked over and over is a flood too */
	rig_open(&r, "dns", NULL);
	query_flood(&r, 1500, 10, 0);
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n, 1);
	assert_string_equal(r.got.a[0].signature, "DNS query flood for "
	    "victim-example.com (DDoS participation)");
}

/* Just below the rate (990 in 10 s), and 3,000 queries spread over 40 s
 * (75 a second); blocklist lookups of a busy mail server, 200 a second,
 * are left out by their names. */
static void test_query_flood_quiet(void **state)
{
	(void)state;
	struct rig r;
	char name[80];

	rig_open(&r, "dns", NULL);
	query_flood(&r, 990, 10, 1);
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n + r.got.ongoing, 0);
	rig_open(&r, "dns", NULL);
	query_flood(&r, 3000, 40, 0);
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n + r.got.ongoing, 0);
	rig_open(&r, "dns", NULL);
	for (unsigned i = 0; i < 4000; i++) {
		snprintf(name, sizeof(name), "%u.%u.%u.10.zen.spamhaus.org",
		    i % 250, (i / 250) % 250, i % 7);
		dns(&r, T0 + 20 * NS * i / 4000, name, 1, 0, 0, APP_DNS);
	}
	rig_close(&r, T0 + 1000 * NS);
	assert_int_equal(r.got.n + r.got.ongoing, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tunnel_fires),
		cmocka_unit_test(test_tunnel_below),
		cmocka_unit_test(test_txt_volume),
		cmocka_unit_test(test_benign_names_quiet),
		cmocka_unit_test(test_dga_fires),
		cmocka_unit_test(test_dga_below_and_words),
		cmocka_unit_test(test_nx_burst),
		cmocka_unit_test(test_query_flood),
		cmocka_unit_test(test_query_flood_quiet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
