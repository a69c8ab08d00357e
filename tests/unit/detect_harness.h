/* detect_harness.h - the harnesses the detect unit tests share (header
 * only; every function static inline so a test uses what it needs).
 *
 *  - "th" (scan, flood, arp/dhcp, slowdos): real frames through the
 *    decoder, the flow table (and with th_new_proto the application
 *    parsers and nDPI) and the detector;
 *  - "rig" (beacon, dns, bruteforce, mining/cleartext): hand-filled
 *    packets, flows and app metadata straight into the detect API, the
 *    alerts of one detector collected.
 *
 * Include it after nothing else: it brings cmocka and its prerequisites. */
#ifndef EW_TEST_DETECT_HARNESS_H
#define EW_TEST_DETECT_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "detect/detect.h"
#include "flow/flow.h"
#include "proto/proto.h"
#include "sim/sim_internal.h"
#include "util/homenet.h"

/* ---- "th": frames -> decode -> flows -> detect ------------------------- *
 * Frames built with the simulator's builders go through dec_packet(),
 * flow_update() and detect_packet() as in the pipeline; every alert is
 * kept. */

#define S(x)  ((uint64_t)(x) * 1000000000ull)
#define MS(x) ((uint64_t)(x) * 1000000ull)
#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
	(uint32_t)(c) << 8 | (uint32_t)(d))
#define TH_MAX_ALERTS 256

struct th {
	struct dec_stats ds;
	struct packet p;
	struct flow_table *ft;
	struct detect *d;
	struct proto *ps;		/* th_new_proto only */
	struct alert_sink *sink;
	size_t nal;
	struct alert al[TH_MAX_ALERTS];
	uint64_t last;
};

static inline void th_listen(const struct alert *a,
    const struct alert_device *dev, void *ud)
{
	struct th *t = ud;
	(void)dev;
	if (t->nal < TH_MAX_ALERTS)
		t->al[t->nal++] = *a;
}

static inline void th_flow_end(struct flow *f, enum flow_end_reason why,
    void *ud)
{
	struct th *t = ud;
	(void)why;
	if (t->ps)
		proto_flow_end(t->ps, f);
	if (t->d)
		detect_flow_end(t->d, f);
}

/* set: NULL-terminated "key=value" overrides; with_proto: the
 * application parsers and nDPI look at every frame first, as in the
 * pipeline */
static inline struct th *th_new_with(const char *const *set, int with_proto)
{
	struct th *t = calloc(1, sizeof(*t));
	struct detect_config cfg;
	struct flow_config fc;
	struct homenet hn;
	char err[200];

	assert_non_null(t);
	detect_config_default(&cfg);
	while (set && *set)
		cfg.set[cfg.nset++] = *set++;
	homenet_default(&hn);
	t->sink = alert_sink_new(NULL);
	assert_non_null(t->sink);
	assert_int_equal(alert_sink_listen(t->sink, th_listen, t), 0);
	flow_config_default(&fc);
	t->ft = flow_table_new(&fc, 7, th_flow_end, t);
	assert_non_null(t->ft);
	if (with_proto) {
		struct proto_config pc;
		proto_config_default(&pc);
		t->ps = proto_new(&pc, err, sizeof(err));
		if (!t->ps)
			fail_msg("proto_new: %s", err);
	}
	t->d = detect_new(&cfg, &hn, t->sink, t->ps, err, sizeof(err));
	if (!t->d)
		fail_msg("detect_new: %s", err);
	return t;
}

static inline struct th *th_new(const char *const *set)
{
	return th_new_with(set, 0);
}

static inline struct th *th_new_proto(const char *const *set)
{
	return th_new_with(set, 1);
}

/* One frame; m may be NULL (nothing parsed). */
static inline void th_frame_meta(struct th *t, uint64_t ts, const uint8_t *f,
    size_t len, const struct app_meta *m)
{
	struct app_meta none;
	int ts_dir = 0;

	assert_true(len > 0);
	dec_packet(&t->ds, &t->p, DEC_LINK_ETHERNET, f, (uint32_t)len,
	    (uint32_t)len, ts);
	struct flow *fl = flow_update(t->ft, &t->p, &ts_dir);
	struct app_meta seen;
	if (!m && t->ps) {
		proto_inspect(t->ps, &t->p, fl, ts_dir, &seen);
		m = &seen;
	}
	if (!m) {
		memset(&none, 0, sizeof(none));
		none.kind = APP_NONE;
		m = &none;
	}
	detect_packet(t->d, &t->p, fl, ts_dir, m);
	if (ts > t->last)
		t->last = ts;
}

static inline void th_frame(struct th *t, uint64_t ts, const uint8_t *f,
    size_t len)
{
	th_frame_meta(t, ts, f, len, NULL);
}

static inline void th_finish(struct th *t)
{
	flow_table_flush(t->ft);
	detect_finish(t->d, t->last);
}

static inline void th_free(struct th *t)
{
	detect_free(t->d);
	flow_table_free(t->ft);
	proto_free(t->ps);
	alert_sink_free(t->sink);
	free(t);
}

/* The reports at episodes' ends (progress: 0) or the progress reports
 * (alert.ongoing; progress: 1) with signature ids in [lo, hi]: how many,
 * and the first. th_count and th_find: the reports at the ends, one per
 * episode. */
static inline size_t th_count_of(const struct th *t, uint32_t lo,
    uint32_t hi, int progress)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nal; i++)
		if (t->al[i].sid >= lo && t->al[i].sid <= hi &&
		    t->al[i].ongoing == progress)
			n++;
	return n;
}

static inline const struct alert *th_find_of(const struct th *t,
    uint32_t lo, uint32_t hi, int progress)
{
	for (size_t i = 0; i < t->nal; i++)
		if (t->al[i].sid >= lo && t->al[i].sid <= hi &&
		    t->al[i].ongoing == progress)
			return &t->al[i];
	return NULL;
}

static inline size_t th_count(const struct th *t, uint32_t lo, uint32_t hi)
{
	return th_count_of(t, lo, hi, 0);
}

static inline const struct alert *th_find(const struct th *t, uint32_t lo,
    uint32_t hi)
{
	return th_find_of(t, lo, hi, 0);
}

static inline void th_l3(struct sim_l3 *h, uint32_t sip, uint32_t dip)
{
	memset(h, 0, sizeof(*h));
	h->sip = sip;
	h->dip = dip;
	h->ttl = 64;
	/* locally administered MACs derived from the address */
	h->smac[0] = 0x02;
	h->smac[2] = (uint8_t)(sip >> 24);
	h->smac[3] = (uint8_t)(sip >> 16);
	h->smac[4] = (uint8_t)(sip >> 8);
	h->smac[5] = (uint8_t)sip;
	h->dmac[0] = 0x02;
	h->dmac[2] = (uint8_t)(dip >> 24);
	h->dmac[3] = (uint8_t)(dip >> 16);
	h->dmac[4] = (uint8_t)(dip >> 8);
	h->dmac[5] = (uint8_t)dip;
}

/* A TCP segment with plen bytes of data (0x5a, at most 600). */
static inline void th_tcp_data(struct th *t, uint64_t ts, uint32_t sip,
    uint16_t sport, uint32_t dip, uint16_t dport, uint8_t flags,
    size_t plen)
{
	uint8_t f[SIM_FRAME_MAX], pl[600];
	struct sim_l3 h;
	struct sim_tcph th;

	th_l3(&h, sip, dip);
	memset(&th, 0, sizeof(th));
	th.sport = sport;
	th.dport = dport;
	th.seq = 1000;
	th.ack = flags & SIM_TH_ACK ? 2000 : 0;
	th.flags = flags;
	th.win = 1024;
	memset(pl, 0x5a, sizeof(pl));
	th_frame(t, ts, f, sim_build_tcp4(f, sizeof(f), &h, &th, pl,
	    plen < sizeof(pl) ? plen : sizeof(pl)));
}

static inline void th_tcp(struct th *t, uint64_t ts, uint32_t sip,
    uint16_t sport, uint32_t dip, uint16_t dport, uint8_t flags)
{
	th_tcp_data(t, ts, sip, sport, dip, dport, flags, 0);
}

static inline void th_udp(struct th *t, uint64_t ts, uint32_t sip,
    uint16_t sport, uint32_t dip, uint16_t dport, size_t plen)
{
	uint8_t f[SIM_FRAME_MAX], pl[1400];
	struct sim_l3 h;

	th_l3(&h, sip, dip);
	memset(pl, 0x41, sizeof(pl));
	if (plen > sizeof(pl))
		plen = sizeof(pl);
	th_frame(t, ts, f, sim_build_udp4(f, sizeof(f), &h, sport, dport, pl,
	    plen));
}

static inline void th_icmp(struct th *t, uint64_t ts, uint32_t sip,
    uint32_t dip, uint8_t type, uint8_t code, const void *pl, size_t plen)
{
	uint8_t f[SIM_FRAME_MAX];
	struct sim_l3 h;

	th_l3(&h, sip, dip);
	th_frame(t, ts, f, sim_build_icmp4(f, sizeof(f), &h, type, code,
	    0x12340001u, pl, plen));
}

static inline void th_arp(struct th *t, uint64_t ts, const uint8_t mac[6],
    uint16_t op, uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	uint8_t f[SIM_FRAME_MAX];

	th_frame(t, ts, f, sim_build_arp(f, sizeof(f), op == 1 ? bcast : tha,
	    mac, op, mac, spa, op == 1 ? zero : tha, tpa));
}

/* ---- "rig": the detect API with hand-filled packets and flows --------- */

#define NS 1000000000ull
#define T0 (1700000000ull * NS)
#define MAXGOT 32

struct rig_got {
	const char *detector;		/* only this detector's alerts */
	int all;			/* 1: progress reports into a[] too */
	int ongoing;			/* progress reports seen */
	int n;
	struct alert a[MAXGOT];		/* the reports at episodes' ends */
};

struct rig {
	struct alert_sink *sink;
	struct detect *d;
	struct rig_got got;
};

static inline void rig_listen(const struct alert *a,
    const struct alert_device *d, void *ud)
{
	struct rig_got *g = ud;
	(void)d;
	if (strcmp(a->detector, g->detector) != 0)
		return;
	g->ongoing += a->ongoing;
	if ((g->all || !a->ongoing) && g->n < MAXGOT)
		g->a[g->n++] = *a;
}

/* set1: one "key=value" override, or NULL. */
static inline void rig_open(struct rig *r, const char *detector,
    const char *set1)
{
	struct detect_config cfg;
	struct homenet home;
	char err[200];

	memset(r, 0, sizeof(*r));
	r->got.detector = detector;
	detect_config_default(&cfg);
	if (set1)
		cfg.set[cfg.nset++] = set1;
	homenet_default(&home);
	r->sink = alert_sink_new(NULL);
	assert_non_null(r->sink);
	assert_int_equal(alert_sink_listen(r->sink, rig_listen, &r->got), 0);
	r->d = detect_new(&cfg, &home, r->sink, NULL, err, sizeof(err));
	assert_non_null(r->d);
}

static inline void rig_close(struct rig *r, uint64_t now)
{
	detect_finish(r->d, now);
	detect_free(r->d);
	alert_sink_free(r->sink);
}

static inline void rig_ip4(struct addr *a, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };
	addr_set4(a, b);
}

/* A flow cli:cport -> srv:sport over proto, otherwise zero. */
static inline void rig_flow(struct flow *f, uint32_t cli, uint16_t cport,
    uint32_t srv, uint16_t sport, uint8_t proto)
{
	memset(f, 0, sizeof(*f));
	rig_ip4(&f->cli_addr, cli);
	rig_ip4(&f->srv_addr, srv);
	f->cli_port = cport;
	f->srv_port = sport;
	f->proto = proto;
}

/* A packet of flow f at ts, client -> server when to_server. */
static inline void rig_pkt(struct packet *p, const struct flow *f,
    uint64_t ts, int to_server)
{
	memset(p, 0, sizeof(*p));
	p->ts_ns = ts;
	p->ip_version = 4;
	p->l4proto = f->proto;
	p->has_l4 = 1;
	p->src = to_server ? f->cli_addr : f->srv_addr;
	p->dst = to_server ? f->srv_addr : f->cli_addr;
	p->sport = to_server ? f->cli_port : f->srv_port;
	p->dport = to_server ? f->srv_port : f->cli_port;
}

/* One packet carrying app metadata m inside a TCP flow cli -> srv:port
 * (a few packets each way so far). */
static inline void rig_app_pkt(struct rig *r, uint64_t ts, uint32_t cli,
    uint32_t srv, uint16_t port, int to_server, const struct app_meta *m)
{
	struct packet p;
	struct flow f;

	rig_flow(&f, cli, 40000, srv, port, 6);
	f.flow_id = 77;
	f.start_ns = ts;
	f.last_ns = ts;
	f.pkts_toserver = 3;
	f.pkts_toclient = 3;
	rig_pkt(&p, &f, ts, to_server);
	detect_packet(r->d, &p, &f, to_server, m);
}

/* An alert's address as text equals want. */
static inline void rig_assert_addr(const struct addr *a, const char *want)
{
	char ip[ADDR_STRLEN];

	addr_fmt(a, ip, sizeof(ip));
	assert_string_equal(ip, want);
}

#endif /* EW_TEST_DETECT_HARNESS_H */
