/* test_proto_ndpi.c - nDPI through the proto stage: a simulated home
 * capture goes through dec_packet + flow_update + proto_inspect; DNS and
 * TLS flows get named, cleartext answers follow, per-flow nDPI state is
 * released (memuse back to 0), and a flood of single-packet UDP flows
 * stays within the nDPI memory budget. Fails (does not skip) in a build
 * without nDPI, so a missing link flag shows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "proto/proto.h"
#include "sim/sim_internal.h"
#include "tmpdir.h"

struct run {
	struct proto *ps;
	unsigned flows, named, dns, tls, dns_clear, tls_enc, risky;
	unsigned bad_name;
};

static void on_end(struct flow *f, enum flow_end_reason why, void *ud)
{
	struct run *r = ud;
	char buf[64];
	const char *n;

	(void)why;
	proto_flow_end(r->ps, f);
	assert_null(f->app);
	r->flows++;
	n = proto_app_name(r->ps, f, buf, sizeof(buf));
	if (!n)
		return;
	r->named++;
	if (f->app_risk)
		r->risky++;
	if (f->proto == IPPROTO_NUM_UDP && f->srv_port == 53) {
		if (strcmp(n, "DNS") == 0 || strncmp(n, "DNS.", 4) == 0) {
			r->dns++;
			if (proto_flow_cleartext(r->ps, f) == 1)
				r->dns_clear++;
		} else {
			r->bad_name++;
		}
	}
	if (f->proto == IPPROTO_NUM_TCP && f->srv_port == 443 &&
	    strncmp(n, "TLS", 3) == 0) {
		r->tls++;
		if (proto_flow_cleartext(r->ps, f) == 0)
			r->tls_enc++;
	}
}

static struct proto *new_proto(size_t memcap)
{
	struct proto_config cfg;
	struct proto *ps;
	char err[128];

	proto_config_default(&cfg);
	if (memcap)
		cfg.ndpi_memcap = memcap;
	ps = proto_new(&cfg, err, sizeof(err));
	assert_non_null(ps);
	assert_true(proto_stats(ps)->ndpi_module_bytes > 0);
	return ps;
}

static void test_sim_capture(void **state)
{
	static struct app_meta m;
	struct sim_opts o;
	char path[128];
	struct capture *cap;
	struct cap_pkt cp;
	struct dec_stats ds;
	struct packet p;
	struct flow_config fc;
	struct flow_table *ft;
	struct run r;
	const struct proto_stats *st;
	char err[256];
	int ts;

	(void)state;
	snprintf(path, sizeof(path), "%s/home.pcap", dir);
	sim_opts_default(&o);
	o.out = path;
	o.hours = 0.5;
	o.attacks = 0;
	assert_int_equal(sim_run(&o), 0);

	memset(&r, 0, sizeof(r));
	r.ps = new_proto(0);
	flow_config_default(&fc);
	ft = flow_table_new(&fc, 42, on_end, &r);
	assert_non_null(ft);
	assert_int_equal(cap_open_file(&cap, path, err, sizeof(err)), 0);
	memset(&ds, 0, sizeof(ds));
	while (cap_next(cap, &cp) == 1) {
		struct flow *f;
		dec_packet(&ds, &p, cap_linktype(cap), cp.data, cp.caplen,
		    cp.wirelen, cp.ts_ns);
		f = flow_update(ft, &p, &ts);
		proto_inspect(r.ps, &p, f, ts, &m);
	}
	cap_close(cap);
	st = proto_stats(r.ps);
	assert_true(st->ndpi_memuse_peak > 0);
	flow_table_flush(ft);
	flow_table_free(ft);

	print_message("flows %u named %u dns %u tls %u risky %u; nDPI flows "
	    "%llu classified %llu peak %llu B module %llu B\n", r.flows,
	    r.named, r.dns, r.tls, r.risky,
	    (unsigned long long)st->ndpi_flows,
	    (unsigned long long)st->ndpi_classified,
	    (unsigned long long)st->ndpi_memuse_peak,
	    (unsigned long long)st->ndpi_module_bytes);
	assert_true(r.dns > 0);
	assert_int_equal(r.dns_clear, r.dns);
	assert_int_equal(r.bad_name, 0);
	assert_true(r.tls > 0);
	assert_int_equal(r.tls_enc, r.tls);
	assert_true(st->ndpi_classified > 0);
	assert_true(st->ndpi_classified <= st->ndpi_flows);
	assert_int_equal(st->ndpi_skipped_memcap, 0);
	/* every flow ended: no per-flow nDPI state, no record left */
	assert_int_equal(st->ndpi_memuse, 0);
	assert_int_equal(st->flow_records, 0);
	/* the UDP parsers ran alongside */
	assert_true(st->parsed[APP_DNS] > 0);
	assert_true(st->parsed[APP_DHCP] > 0);
	assert_true(st->parsed[APP_MDNS] > 0);
	proto_free(r.ps);
}

/* Many concurrent single-packet UDP flows with payload nDPI cannot name
 * at once (they stay in detection): usage climbs to the budget and
 * stops there; the rest are skipped and counted. */
static void test_udp_flood_memcap(void **state)
{
	static struct app_meta m;
	static uint8_t frame[256];
	struct sim_l3 h;
	struct flow_config fc;
	struct flow_table *ft;
	struct run r;
	struct dec_stats ds;
	struct packet p;
	const struct proto_stats *st;
	uint8_t pl[64];
	uint32_t i;
	int ts;
	const size_t cap = 4u << 20;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ps = new_proto(cap);
	flow_config_default(&fc);
	fc.memcap = 64u << 20;		/* the flood stays in the table */
	ft = flow_table_new(&fc, 7, on_end, &r);
	assert_non_null(ft);
	memset(&h, 0, sizeof(h));
	h.smac[0] = 2;
	h.dmac[0] = 2;
	h.sip = 0xc0a80164u;
	h.ttl = 64;
	memset(&ds, 0, sizeof(ds));
	for (i = 0; i < 100000; i++) {
		struct flow *f;
		size_t n, k;
		for (k = 0; k < sizeof(pl); k++)
			pl[k] = (uint8_t)((i * 2654435761u) >> (k % 24));
		h.dip = 0x0a000000u + (i >> 8);
		n = sim_build_udp4(frame, sizeof(frame), &h,
		    (uint16_t)(20000 + (i & 0xff)), 40000, pl, sizeof(pl));
		assert_true(n > 0);
		dec_packet(&ds, &p, DEC_LINK_ETHERNET, frame, (uint32_t)n,
		    (uint32_t)n, 1700000000000000000ull + (uint64_t)i * 10000);
		f = flow_update(ft, &p, &ts);
		assert_non_null(f);
		proto_inspect(r.ps, &p, f, ts, &m);
	}
	st = proto_stats(r.ps);
	print_message("flood: nDPI flows %llu skipped %llu peak %llu B "
	    "(cap %zu) records peak %llu\n",
	    (unsigned long long)st->ndpi_flows,
	    (unsigned long long)st->ndpi_skipped_memcap,
	    (unsigned long long)st->ndpi_memuse_peak, cap,
	    (unsigned long long)st->flow_records_peak);
	assert_true(st->ndpi_memuse_peak <= cap);
	assert_true(st->ndpi_memuse_peak > cap / 2);	/* the cap was hit */
	assert_true(st->ndpi_skipped_memcap > 0);
	assert_true(st->ndpi_flows + st->ndpi_skipped_memcap <= 100000);
	/* skipped flows hold no record */
	assert_true(st->flow_records <= st->ndpi_flows);
	assert_int_equal(st->ndpi_evicted_idle, 0);	/* all within 1 s */

	/* 3 s later the flood flows are idle: a DNS query evicts the
	 * oldest of them and is classified */
	{
		struct flow *f;
		size_t n;
		struct sim_dns_q q = { "example.com", 1, 1 };
		uint8_t dq[128];
		uint64_t skipped = st->ndpi_skipped_memcap;

		n = sim_dns_build(dq, sizeof(dq), 77, 0x0100, &q, 1, NULL, 0,
		    NULL, 0);
		h.dip = 0xc0a80101u;
		n = sim_build_udp4(frame, sizeof(frame), &h, 33333, 53, dq, n);
		dec_packet(&ds, &p, DEC_LINK_ETHERNET, frame, (uint32_t)n,
		    (uint32_t)n, 1700000000000000000ull + 4000000000ull);
		f = flow_update(ft, &p, &ts);
		assert_non_null(f);
		proto_inspect(r.ps, &p, f, ts, &m);
		assert_int_equal(m.kind, APP_DNS);
		assert_int_equal(st->ndpi_skipped_memcap, skipped);
		assert_true(st->ndpi_evicted_idle >= 1);
		assert_true(st->ndpi_evicted_idle <= PROTO_NDPI_EVICT_MAX);
		{
			char nb[64];
			assert_string_equal(proto_app_name(r.ps, f, nb,
			    sizeof(nb)), "DNS");
			assert_int_equal(f->app_guessed, 0);	/* parsed */
		}
		assert_true(st->ndpi_memuse_peak <= cap);
	}
	flow_table_flush(ft);
	assert_int_equal(st->ndpi_memuse, 0);
	assert_int_equal(st->flow_records, 0);
	flow_table_free(ft);
	proto_free(r.ps);
}

/* Flows freed without end callbacks: proto_free releases their nDPI
 * state (ASan's leak check is the assertion). */
static void test_free_with_live_flows(void **state)
{
	static struct app_meta m;
	static uint8_t frame[256];
	struct sim_l3 h;
	struct flow_config fc;
	struct flow_table *ft;
	struct run r;
	struct dec_stats ds;
	struct packet p;
	int ts, i;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ps = new_proto(0);
	flow_config_default(&fc);
	ft = flow_table_new(&fc, 7, on_end, &r);
	memset(&h, 0, sizeof(h));
	h.sip = 0xc0a80164u;
	h.dip = 0x0a000001u;
	h.ttl = 64;
	memset(&ds, 0, sizeof(ds));
	for (i = 0; i < 50; i++) {
		struct flow *f;
		size_t n = sim_build_udp4(frame, sizeof(frame), &h,
		    (uint16_t)(30000 + i), 7777, "\x01\x02\x03zzzz", 7);
		dec_packet(&ds, &p, DEC_LINK_ETHERNET, frame, (uint32_t)n,
		    (uint32_t)n, 1700000000000000000ull);
		f = flow_update(ft, &p, &ts);
		proto_inspect(r.ps, &p, f, ts, &m);
	}
	assert_true(proto_stats(r.ps)->ndpi_memuse > 0);
	assert_int_equal(proto_stats(r.ps)->flow_records, 50);
	flow_table_free(ft);
	proto_free(r.ps);
}

struct guess {
	struct proto *ps;
	int ended, guessed;
	char name[64];
};

static void on_end_guess(struct flow *f, enum flow_end_reason why,
    void *ud)
{
	struct guess *g = ud;
	const char *n;

	(void)why;
	proto_flow_end(g->ps, f);
	n = proto_app_name(g->ps, f, g->name, sizeof(g->name));
	if (!n)
		g->name[0] = 0;
	g->ended++;
	g->guessed = f->app_guessed;
}

/* Zero-filled segments to TCP 30303 (Ethereum's port; what a flood to
 * random ports sends there): nDPI can only guess from the port, and the
 * flow says so (the mining check ignores such guesses). */
static void test_port_guess_flagged(void **state)
{
	static struct app_meta m;
	static uint8_t frame[256];
	struct sim_l3 h;
	struct sim_tcph th;
	struct flow_config fc;
	struct flow_table *ft;
	struct guess g;
	struct dec_stats ds;
	struct packet p;
	uint8_t pl[64];
	int ts;

	(void)state;
	memset(&g, 0, sizeof(g));
	g.ps = new_proto(0);
	flow_config_default(&fc);
	ft = flow_table_new(&fc, 7, on_end_guess, &g);
	assert_non_null(ft);
	memset(&h, 0, sizeof(h));
	h.smac[0] = h.dmac[0] = 2;
	h.sip = 0x0a000009u;
	h.dip = 0x0a000005u;
	h.ttl = 64;
	memset(&th, 0, sizeof(th));
	th.sport = 40000;
	th.dport = 30303;
	th.flags = SIM_TH_ACK | SIM_TH_PSH;
	th.win = 1024;
	memset(pl, 0, sizeof(pl));
	memset(&ds, 0, sizeof(ds));
	for (uint32_t i = 0; i < 3; i++) {
		th.seq = 1000 + i * (uint32_t)sizeof(pl);
		size_t n = sim_build_tcp4(frame, sizeof(frame), &h, &th, pl,
		    sizeof(pl));
		assert_true(n > 0);
		dec_packet(&ds, &p, DEC_LINK_ETHERNET, frame, (uint32_t)n,
		    (uint32_t)n, 1700000000000000000ull + i * 1000000ull);
		struct flow *f = flow_update(ft, &p, &ts);
		assert_non_null(f);
		proto_inspect(g.ps, &p, f, ts, &m);
	}
	flow_table_flush(ft);
	assert_int_equal(g.ended, 1);
	print_message("port guess: \"%s\"\n", g.name);
	assert_true(g.name[0] != 0);	/* nDPI named it from the port */
	assert_int_equal(g.guessed, 1);
	flow_table_free(ft);
	proto_free(g.ps);
}

static void test_names(void **state)
{
	unsigned b, n = 0;

	(void)state;
	assert_null(proto_risk_name(0));
	assert_null(proto_risk_name(64));
	assert_null(proto_risk_name(100000));
	for (b = 1; b < 64; b++)
		if (proto_risk_name(b))
			n++;
	assert_true(n >= 20);
	assert_non_null(proto_risk_name(1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sim_capture),
		cmocka_unit_test(test_udp_flood_memcap),
		cmocka_unit_test(test_free_with_live_flows),
		cmocka_unit_test(test_port_guess_flagged),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
