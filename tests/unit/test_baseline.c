/* test_baseline.c - per-device baselines: each deviation fires after the
 * learning period and stays quiet on what was learned or just below its
 * threshold; budgets, persistence round trip, folding an expected alert,
 * zones and MUD enforcement. Frames are built with the simulator's
 * builders and go through the decoder and the flow table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "baseline/baseline.h"
#include "flow/flow.h"
#include "policy/mud.h"
#include "sim/sim_internal.h"
#include "util/json.h"
#include "tmpdir.h"

#define S(x)  ((uint64_t)(x) * 1000000000ull)
#define MS(x) ((uint64_t)(x) * 1000000ull)
#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
	(uint32_t)(c) << 8 | (uint32_t)(d))
#define MAX_AL 64

static const uint32_t CAM = IP4(192, 168, 1, 20);
static const uint32_t US = IP4(8, 8, 4, 4);	/* US in the test ranges */
static const uint32_t RU = IP4(5, 1, 2, 3);	/* RU */

struct rig {
	struct dec_stats ds;
	struct packet p;
	struct flow_table *ft;
	struct baseline *b;
	struct alert_sink *sink;
	size_t nal;			/* the reports at episodes' ends */
	struct alert al[MAX_AL];
	size_t nprogress;		/* progress reports (alert.ongoing) */
	char json[MAX_AL][2048];
	uint64_t last;
	uint16_t sport;
};

static void listen_fn(const struct alert *a, const struct alert_device *d,
    void *ud)
{
	struct rig *r = ud;
	struct jbuf jb;

	if (a->ongoing) {
		r->nprogress++;
		return;
	}
	if (r->nal >= MAX_AL)
		return;
	r->al[r->nal] = *a;
	jb_init(&jb, 4096);
	eve_alert_json(&jb, a, d);
	if (jb.buf)
		snprintf(r->json[r->nal], sizeof(r->json[0]), "%s", jb.buf);
	jb_fini(&jb);
	r->nal++;
}

static void on_end(struct flow *f, enum flow_end_reason why, void *ud)
{
	struct rig *r = ud;
	(void)why;
	bl_flow_end(r->b, f);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* learn_s: learning period; zones: file text or NULL */
static struct rig *rig_new(uint64_t learn_s, const char *zones)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct bl_config cfg;
	struct flow_config fc;
	struct homenet hn;
	char err[256], g4[128], g6[128], zp[128];

	assert_non_null(r);
	snprintf(g4, sizeof(g4), "%s/geoip", dir);
	snprintf(g6, sizeof(g6), "%s/geoip6", dir);
	/* 5/8 RU, 8/8 US, 52/8 IE */
	write_file(g4, "# test ranges\n83886080,100663295,RU\n"
	    "134217728,150994943,US\n872415232,889192447,IE\n");
	write_file(g6, getenv("TB_GEO6") ? getenv("TB_GEO6") :
	    "2a00::,2a00::ffff:ffff:ffff:ffff,NL\n");
	bl_config_default(&cfg);
	cfg.learn_ns = S(learn_s);
	cfg.geo_tor4 = g4;
	cfg.geo_tor6 = g6;
	if (zones) {
		snprintf(zp, sizeof(zp), "%s/zones.conf", dir);
		write_file(zp, zones);
		cfg.zones_path = zp;
	}
	homenet_default(&hn);
	r->sink = alert_sink_new(NULL);
	assert_non_null(r->sink);
	assert_int_equal(alert_sink_listen(r->sink, listen_fn, r), 0);
	flow_config_default(&fc);
	r->ft = flow_table_new(&fc, 7, on_end, r);
	assert_non_null(r->ft);
	r->b = bl_new(&cfg, &hn, r->sink, NULL, NULL, err, sizeof(err));
	if (!r->b)
		fail_msg("bl_new: %s", err);
	r->sport = 40000;
	return r;
}

static void rig_free(struct rig *r)
{
	flow_table_free(r->ft);
	bl_free(r->b);
	alert_sink_free(r->sink);
	free(r);
}

static void frame(struct rig *r, uint64_t ts, const uint8_t *f, size_t len)
{
	int ts_dir = 0;

	dec_packet(&r->ds, &r->p, DEC_LINK_ETHERNET, f, (uint32_t)len,
	    (uint32_t)len, ts);
	struct flow *fl = flow_update(r->ft, &r->p, &ts_dir);
	bl_packet(r->b, &r->p, fl, ts_dir, NULL);
	if (ts > r->last)
		r->last = ts;
}

static void l3(struct sim_l3 *h, uint32_t sip, uint32_t dip)
{
	memset(h, 0, sizeof(*h));
	h->sip = sip;
	h->dip = dip;
	h->ttl = 64;
	h->smac[0] = h->dmac[0] = 0x02;
	/* local hosts get their own MAC; remote ones the router's */
	uint32_t sm = (sip >> 24) == 192 ? sip : 1;
	uint32_t dm = (dip >> 24) == 192 ? dip : 1;
	h->smac[4] = (uint8_t)(sm >> 8);
	h->smac[5] = (uint8_t)sm;
	h->dmac[4] = (uint8_t)(dm >> 8);
	h->dmac[5] = (uint8_t)dm;
}

static void tcp(struct rig *r, uint64_t ts, uint32_t sip, uint16_t sp,
    uint32_t dip, uint16_t dp, uint8_t flags, size_t plen)
{
	uint8_t f[SIM_FRAME_MAX], pl[1460];
	struct sim_l3 h;
	struct sim_tcph t;

	l3(&h, sip, dip);
	memset(&t, 0, sizeof(t));
	t.sport = sp;
	t.dport = dp;
	t.seq = 1000;
	t.ack = flags & SIM_TH_ACK ? 2000 : 0;
	t.flags = flags;
	t.win = 1024;
	memset(pl, 0x41, sizeof(pl));
	frame(r, ts, f, sim_build_tcp4(f, sizeof(f), &h, &t, pl,
	    plen > sizeof(pl) ? sizeof(pl) : plen));
}

/* One connection from sip to dip:dp answered, carrying bytes each way. */
static void conn(struct rig *r, uint64_t ts, uint32_t sip, uint32_t dip,
    uint16_t dp, size_t bytes)
{
	uint16_t sp = r->sport++;

	if (r->sport > 60000)
		r->sport = 40000;
	tcp(r, ts, sip, sp, dip, dp, SIM_TH_SYN, 0);
	tcp(r, ts + MS(10), dip, dp, sip, sp, SIM_TH_SYN | SIM_TH_ACK, 0);
	for (size_t done = 0, i = 0; done < bytes || i == 0; i++) {
		size_t n = bytes - done > 1400 ? 1400 : bytes - done;
		tcp(r, ts + MS(20) + i * 50000, sip, sp, dip, dp,
		    SIM_TH_ACK | SIM_TH_PSH, n);
		done += n;
	}
	tcp(r, ts + MS(30), dip, dp, sip, sp, SIM_TH_ACK, 200);
}

/* The camera's habit: a small upload to its US cloud every minute. */
static void habit(struct rig *r, uint64_t from_s, uint64_t to_s)
{
	for (uint64_t t = from_s; t < to_s; t += 60)
		conn(r, S(t), CAM, US, 443, 2000);
}

static void finish(struct rig *r)
{
	flow_table_flush(r->ft);
	bl_finish(r->b, r->last);
}

static size_t count_cat(const struct rig *r, enum alert_category c)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nal; i++)
		n += r->al[i].category == c;
	return n;
}

static const struct alert *find_cat(const struct rig *r,
    enum alert_category c)
{
	for (size_t i = 0; i < r->nal; i++)
		if (r->al[i].category == c)
			return &r->al[i];
	return NULL;
}

static const char *kv_str(const struct alert *a, const char *key)
{
	for (unsigned i = 0; i < a->nkv; i++)
		if (strcmp(a->kv[i].key, key) == 0 && a->kv[i].is_str)
			return a->kv[i].str;
	return "";
}

/* A new country after learning alerts, naming the device; the habit
 * alone stays quiet for hours. */
static void test_new_country(void **state)
{
	(void)state;
	struct rig *r = rig_new(3600, NULL);

	habit(r, 1000, 1000 + 4 * 3600);
	assert_int_equal(r->nal, 0);
	conn(r, S(1000 + 4 * 3600 + 5), CAM, RU, 443, 3000);
	habit(r, 1000 + 4 * 3600 + 60, 1000 + 5 * 3600);
	finish(r);
	assert_int_equal(count_cat(r, ALERT_CAT_NEW_COUNTRY), 1);
	const struct alert *a = find_cat(r, ALERT_CAT_NEW_COUNTRY);
	assert_int_equal(a->severity, 3);
	assert_int_equal(a->src.family, 4);
	assert_memory_equal(a->src.a, ((uint8_t[]){ 192, 168, 1, 20 }), 4);
	assert_true(a->has_src_mac);
	assert_string_equal(kv_str(a, "item"), "country=RU");
	/* same service, so no new-destination; nothing else fired */
	assert_int_equal(r->nal, 1);
	rig_free(r);
}

/* During learning the same contact is learned, not alerted. */
static void test_learning_quiet(void **state)
{
	(void)state;
	struct rig *r = rig_new(3600, NULL);

	habit(r, 1000, 1000 + 1800);
	conn(r, S(1000 + 1900), CAM, RU, 443, 3000);
	conn(r, S(1000 + 1950), CAM, IP4(192, 168, 1, 40), 22, 300);
	habit(r, 1000 + 2000, 1000 + 3 * 3600);
	conn(r, S(1000 + 3 * 3600 + 10), CAM, RU, 443, 3000);
	conn(r, S(1000 + 3 * 3600 + 20), CAM, IP4(192, 168, 1, 40), 22, 300);
	finish(r);
	assert_int_equal(r->nal, 0);
	rig_free(r);
}

/* A sweep of new LAN hosts is lateral movement, severity 2; one new
 * host is severity 3, unless it is a remote shell port. */
static void test_lateral(void **state)
{
	(void)state;
	struct rig *r = rig_new(3600, NULL);

	habit(r, 1000, 1000 + 2 * 3600);
	for (uint32_t i = 0; i < 6; i++)
		conn(r, S(1000 + 2 * 3600 + 5) + MS(300) * i, CAM,
		    IP4(192, 168, 1, 30 + i), 22, 100);
	habit(r, 1000 + 2 * 3600 + 60, 1000 + 3 * 3600);
	conn(r, S(1000 + 3 * 3600 + 5), CAM, IP4(192, 168, 1, 77), 80, 100);
	habit(r, 1000 + 3 * 3600 + 60, 1000 + 4 * 3600);
	/* one new host, but its telnet port: severity 2 alone */
	conn(r, S(1000 + 4 * 3600 + 5), CAM, IP4(192, 168, 1, 78), 23, 100);
	habit(r, 1000 + 4 * 3600 + 60, 1000 + 5 * 3600);
	finish(r);
	assert_int_equal(count_cat(r, ALERT_CAT_LATERAL_MOVEMENT), 3);
	/* the two of severity 2 were also reported when they opened */
	assert_int_equal(r->nprogress, 2);
	assert_int_equal(r->al[r->nal - 1].severity, 2);
	assert_int_equal(r->al[r->nal - 1].count, 1);
	const struct alert *a = find_cat(r, ALERT_CAT_LATERAL_MOVEMENT);
	assert_int_equal(a->severity, 2);
	assert_int_equal(a->count, 6);
	const struct alert *b = NULL;
	for (size_t i = 0; i < r->nal; i++)
		if (r->al[i].category == ALERT_CAT_LATERAL_MOVEMENT &&
		    r->al[i].dest_port == 80)
			b = &r->al[i];
	assert_non_null(b);
	assert_int_equal(b->severity, 3);
	assert_int_equal(b->count, 1);
	rig_free(r);
}

/* 30 MB in a minute from a device that sends KBs: severity 2 spike; three
 * times its normal peak stays quiet (threshold is 4x). */
static void test_volume(void **state)
{
	(void)state;
	struct rig *r = rig_new(3600, NULL);

	habit(r, 1000, 1000 + 2 * 3600);
	/* 3x the habit's per-minute bytes, but far below BL_VOL_MIN */
	conn(r, S(1000 + 2 * 3600 + 1), CAM, US, 443, 6000);
	habit(r, 1000 + 2 * 3600 + 60, 1000 + 3 * 3600);
	assert_int_equal(r->nal, 0);
	/* the upload: 30 MB over ~40 s to the usual endpoint */
	uint64_t t0 = S(1000 + 3 * 3600 + 1);
	uint16_t sp = 50000;
	tcp(r, t0, CAM, sp, US, 443, SIM_TH_SYN, 0);
	tcp(r, t0 + MS(5), US, 443, CAM, sp, SIM_TH_SYN | SIM_TH_ACK, 0);
	for (unsigned i = 0; i < 21000; i++)
		tcp(r, t0 + MS(10) + (uint64_t)i * 2000000, CAM, sp, US, 443,
		    SIM_TH_ACK, 1400);
	habit(r, 1000 + 3 * 3600 + 120, 1000 + 4 * 3600);
	finish(r);
	assert_int_equal(count_cat(r, ALERT_CAT_VOLUME_SPIKE), 1);
	const struct alert *a = find_cat(r, ALERT_CAT_VOLUME_SPIKE);
	assert_int_equal(a->severity, 2);
	assert_true(a->count >= 1);
	assert_int_equal(r->nal, 1);
	rig_free(r);
}

/* A device that kept meeting new services late in its learning absorbs
 * new ones afterwards; one that did not alerts on the first. */
static void test_budget(void **state)
{
	(void)state;
	for (int curious = 0; curious < 2; curious++) {
		struct rig *r = rig_new(3600, NULL);
		habit(r, 1000, 3000);
		if (curious)	/* 4 new services in the second half */
			for (unsigned i = 0; i < 4; i++)
				conn(r, S(3000 + 300 * i), CAM, US,
				    (uint16_t)(8000 + i), 100);
		habit(r, 4200, 1000 + 3 * 3600);
		conn(r, S(1000 + 3 * 3600 + 5), CAM, US, 9443, 100);
		habit(r, 1000 + 3 * 3600 + 60, 1000 + 4 * 3600);
		finish(r);
		assert_int_equal(count_cat(r, ALERT_CAT_NEW_DESTINATION),
		    curious ? 0 : 1);
		rig_free(r);
	}
}

struct blob { char key[64]; char *json; size_t len; size_t n; };

static void grab(const char *key, uint64_t ts, const char *json,
    size_t len, void *ud)
{
	struct blob *b = ud;
	(void)ts;
	if (strcmp(key, "02:00:00:00:01:14") != 0)
		return;
	snprintf(b->key, sizeof(b->key), "%s", key);
	free(b->json);
	b->json = malloc(len + 1);
	memcpy(b->json, json, len);
	b->json[len] = 0;
	b->len = len;
	b->n++;
}

/* Export, restore into a fresh table, export again: the same bytes; the
 * restored baseline keeps alerting on what is new and not on what was
 * learned. */
static void test_persist_roundtrip(void **state)
{
	(void)state;
	struct rig *r = rig_new(3600, NULL);
	struct blob b1 = { 0 }, b2 = { 0 };
	uint64_t cur = 0;
	char err[256];

	habit(r, 1000, 1000 + 2 * 3600);
	conn(r, S(1000 + 100), CAM, IP4(192, 168, 1, 1), 53, 80);
	finish(r);
	bl_export_changed(r->b, &cur, grab, &b1);
	assert_int_equal(b1.n, 1);
	assert_non_null(strstr(b1.json, "\"countries\":[\"US\"]"));
	assert_non_null(strstr(b1.json, "\"phase\":\"active\""));
	/* nothing changed since: nothing exported */
	bl_export_changed(r->b, &cur, grab, &b1);
	assert_int_equal(b1.n, 1);

	struct rig *q = rig_new(3600, NULL);
	assert_int_equal(bl_restore(q->b, b1.json, b1.len, err, sizeof(err)),
	    0);
	/* a second restore of the same key is refused, nothing changes */
	assert_int_equal(bl_restore(q->b, b1.json, b1.len, err, sizeof(err)),
	    -1);
	cur = 0;
	bl_export_changed(q->b, &cur, grab, &b2);
	assert_int_equal(b2.n, 1);
	assert_string_equal(b1.json, b2.json);
	/* damaged blobs are refused with a reason */
	assert_int_equal(bl_restore(q->b, "{\"v\":2}", 7, err, sizeof(err)),
	    -1);
	assert_int_equal(bl_restore(q->b, "[", 1, err, sizeof(err)), -1);
	const char *bad = "{\"v\":1,\"key\":\"02:00:00:00:01:15\","
	    "\"countries\":[\"U1\"]}";
	assert_int_equal(bl_restore(q->b, bad, strlen(bad), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "countries[0]"));

	habit(q, 1000 + 2 * 3600 + 60, 1000 + 3 * 3600);
	conn(q, S(1000 + 3 * 3600 + 5), CAM, RU, 443, 3000);
	finish(q);
	assert_int_equal(q->nal, 1);
	assert_int_equal(q->al[0].category, ALERT_CAT_NEW_COUNTRY);
	free(b1.json);
	free(b2.json);
	rig_free(q);
	rig_free(r);
}

/* Acknowledged as expected, the alert's item joins the baseline: the same
 * traffic again raises nothing. */
static void test_fold_expected(void **state)
{
	(void)state;
	struct rig *r = rig_new(3600, NULL);

	habit(r, 1000, 1000 + 2 * 3600);
	conn(r, S(1000 + 2 * 3600 + 5), CAM, RU, 443, 3000);
	bl_tick(r->b, S(1000 + 2 * 3600 + 300));
	assert_int_equal(r->nal, 1);
	assert_int_equal(bl_fold_alert(r->b, r->json[0], strlen(r->json[0])),
	    1);
	assert_int_equal(bl_fold_alert(r->b, "{", 1), -1);
	assert_int_equal(bl_fold_alert(r->b, "{}", 2), 0);
	conn(r, S(1000 + 2 * 3600 + 400), CAM, RU, 443, 3000);
	habit(r, 1000 + 2 * 3600 + 500, 1000 + 3 * 3600);
	finish(r);
	assert_int_equal(r->nal, 1);
	rig_free(r);
}

/* A deny rule between zones raises a policy violation at once (no
 * learning needed); allowed pairs stay quiet. */
static void test_zones(void **state)
{
	(void)state;
	struct rig *r = rig_new(3600, "zone cams cidr 192.168.1.20/32\n"
	    "zone servers cidr 192.168.1.50/32\n"
	    "deny cams -> servers\n"
	    "default allow\n");

	conn(r, S(1000), CAM, US, 443, 100);
	conn(r, S(1010), CAM, IP4(192, 168, 1, 51), 80, 100);
	assert_int_equal(r->nal, 0);
	conn(r, S(1020), CAM, IP4(192, 168, 1, 50), 80, 100);
	finish(r);
	assert_int_equal(r->nal, 1);
	assert_int_equal(r->al[0].category, ALERT_CAT_POLICY_VIOLATION);
	assert_int_equal(r->al[0].severity, 2);
	assert_string_equal(kv_str(&r->al[0], "rule"), "deny cams -> servers");
	rig_free(r);
}

/* The learned baseline exported as MUD and attached back: what it did is
 * allowed, anything else is a violation even during learning. */
static void test_mud_enforced(void **state)
{
	(void)state;
	struct rig *r = rig_new(3600, NULL);
	struct blob b1 = { 0 };
	uint64_t cur = 0;
	struct jbuf jb;
	char err[256];

	habit(r, 1000, 1000 + 600);
	bl_export_changed(r->b, &cur, grab, &b1);
	assert_int_equal(b1.n, 1);
	jb_init(&jb, 1 << 20);
	assert_int_equal(mud_export(b1.json, b1.len,
	    "https://example.com/cam.json", S(1000), &jb, err, sizeof(err)),
	    0);
	assert_int_equal(bl_attach_mud(r->b, "02:00:00:00:01:14", jb.buf,
	    jb.len, err, sizeof(err)), 0);
	habit(r, 1000 + 600, 1000 + 1200);
	assert_int_equal(r->nal, 0);
	conn(r, S(1000 + 1300), CAM, IP4(8, 8, 8, 8), 443, 100);
	finish(r);
	assert_int_equal(r->nal, 1);
	assert_int_equal(r->al[0].category, ALERT_CAT_POLICY_VIOLATION);
	assert_int_equal(bl_attach_mud(r->b, "02:00:00:00:01:14", "{}", 2,
	    err, sizeof(err)), -1);
	jb_fini(&jb);
	free(b1.json);
	rig_free(r);
}

static void udp6(struct rig *r, uint64_t ts, const uint8_t src[16],
    const uint8_t dst[16], uint16_t sp, uint16_t dp)
{
	uint8_t f[SIM_FRAME_MAX], pl[64] = { 0 };
	struct sim_l3v6 h;

	memset(&h, 0, sizeof(h));
	memcpy(h.sip, src, 16);
	memcpy(h.dip, dst, 16);
	h.hlim = 64;
	h.smac[0] = h.dmac[0] = 0x02;
	h.smac[4] = 0x01;
	h.smac[5] = 0x14;		/* the camera's MAC */
	h.dmac[5] = 0x01;		/* the router's */
	frame(r, ts, f, sim_build_udp6(f, sizeof(f), &h, sp, dp, pl,
	    sizeof(pl)));
}

/* IPv6 countries come from the tor file loaded at the first global IPv6
 * remote; an IPv4-only network never loads it. A damaged file is counted,
 * not fatal. */
static void test_geo6_lazy(void **state)
{
	(void)state;
	static const uint8_t me[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0x20 };
	static const uint8_t nl[16] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 1 };
	struct blob b1 = { 0 };
	uint64_t cur = 0;

	for (int broken = 0; broken < 2; broken++) {
		if (broken)
			setenv("TB_GEO6", "2a00::,zz,NL\n", 1);
		struct rig *r = rig_new(3600, NULL);
		unsetenv("TB_GEO6");
		habit(r, 1000, 1600);
		size_t before = bl_stats(r->b)->geo_memory;
		udp6(r, S(1700), me, nl, 40000, 443);
		finish(r);
		const struct bl_stats *st = bl_stats(r->b);
		cur = 0;
		bl_export_changed(r->b, &cur, grab, &b1);
		assert_non_null(b1.json);
		if (!broken) {
			assert_true(st->geo_memory > before);
			assert_int_equal(st->geo_failed, 0);
			assert_non_null(strstr(b1.json,
			    "\"countries\":[\"US\",\"NL\"]"));
		} else {
			assert_int_equal(st->geo_memory, before);
			assert_int_equal(st->geo_failed, 1);
			assert_non_null(strstr(b1.json,
			    "\"countries\":[\"US\"]"));
		}
		rig_free(r);
	}
	free(b1.json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_country),
		cmocka_unit_test(test_learning_quiet),
		cmocka_unit_test(test_lateral),
		cmocka_unit_test(test_volume),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_persist_roundtrip),
		cmocka_unit_test(test_fold_expected),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_mud_enforced),
		cmocka_unit_test(test_geo6_lazy),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
