/* test_flow.c - unit tests for the flow table (src/flow).
 *
 * Packets are built by filling struct packet directly, as the decoder
 * would, so these tests do not depend on the decoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "flow/flow_internal.h"
#include "util/alloc.h"

#define S(x)  ((uint64_t)(x) * 1000000000ull)
#define MS(x) ((uint64_t)(x) * 1000000ull)

/* ---- recording ended flows ------------------------------------------- */

#define REC_MAX 32768

struct rec {
	size_t n;
	size_t dropped;
	struct {
		struct flow f;
		enum flow_end_reason why;
	} e[REC_MAX];
};

static void on_end(struct flow *f, enum flow_end_reason why, void *ud)
{
	struct rec *r = ud;

	if (r->n == REC_MAX) {
		r->dropped++;
		return;
	}
	r->e[r->n].f = *f;
	r->e[r->n].why = why;
	r->n++;
}

static struct rec *rec_new(void)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return r;
}

/* ---- packet builders -------------------------------------------------- */

static void ip4(struct addr *a, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		(uint8_t)(v >> 8), (uint8_t)v };

	addr_set4(a, b);
}

#define HOST_A 0xc0a80102u	/* 192.168.1.2 */
#define HOST_B 0x5db8d822u	/* 93.184.216.34 */
#define HOST_C 0x0a000001u	/* 10.0.0.1 */

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0xaa };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0xbb };

static void mk(struct packet *p, uint64_t ts, uint8_t proto, uint32_t src,
    uint16_t sport, uint32_t dst, uint16_t dport)
{
	memset(p, 0, sizeof(*p));
	p->ts_ns = ts;
	p->wirelen = 100;
	p->caplen = 100;
	p->ip_version = 4;
	p->ethertype = 0x0800;
	ip4(&p->src, src);
	ip4(&p->dst, dst);
	p->l4proto = proto;
	p->has_l4 = 1;
	if (proto == IPPROTO_NUM_TCP || proto == IPPROTO_NUM_UDP) {
		p->sport = sport;
		p->dport = dport;
	}
	p->tcp_wscale = 0xff;
}

static void mk_tcp(struct packet *p, uint64_t ts, uint32_t src, uint16_t sport,
    uint32_t dst, uint16_t dport, uint8_t flags)
{
	mk(p, ts, IPPROTO_NUM_TCP, src, sport, dst, dport);
	p->tcp_flags = flags;
}

static void mk_udp(struct packet *p, uint64_t ts, uint32_t src, uint16_t sport,
    uint32_t dst, uint16_t dport)
{
	mk(p, ts, IPPROTO_NUM_UDP, src, sport, dst, dport);
}

static void mk_icmp(struct packet *p, uint64_t ts, uint32_t src, uint32_t dst,
    uint8_t type, uint8_t code, uint16_t id)
{
	mk(p, ts, IPPROTO_NUM_ICMP, src, 0, dst, 0);
	p->icmp_type = type;
	p->icmp_code = code;
	p->icmp_id = id;
}

static void set_eth(struct packet *p, const uint8_t src[6],
    const uint8_t dst[6])
{
	p->has_eth = 1;
	memcpy(p->src_mac, src, 6);
	memcpy(p->dst_mac, dst, 6);
}

static struct flow_table *table(struct rec *r, uint64_t seed)
{
	struct flow_config cfg;
	struct flow_table *ft;

	flow_config_default(&cfg);
	ft = flow_table_new(&cfg, seed, on_end, r);
	assert_non_null(ft);
	return ft;
}

/* Feed p, expect a flow back; returns it. */
static struct flow *feed(struct flow_table *ft, const struct packet *p,
    int want_ts)
{
	int ts = -1;
	struct flow *f = flow_update(ft, p, &ts);

	assert_non_null(f);
	assert_int_equal(ts, want_ts);
	return f;
}

/* Advance the table clock to ts with a packet that has no IP layer (an ARP
 * frame): it is not tracked, but its time counts and runs expiry. */
static void tick(struct flow_table *ft, uint64_t ts)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.has_arp = 1;
	assert_null(flow_update(ft, &p, NULL));
}

/* ---- tests ------------------------------------------------------------ */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(flow_state_name(FLOW_STATE_NEW), "new");
	assert_string_equal(flow_state_name(FLOW_STATE_ESTABLISHED),
	    "established");
	assert_string_equal(flow_state_name(FLOW_STATE_CLOSED), "closed");
	assert_string_equal(flow_state_name(FLOW_STATE_RESET), "reset");
	assert_string_equal(flow_end_reason_name(FLOW_END_TIMEOUT), "timeout");
	assert_string_equal(flow_end_reason_name(FLOW_END_FORCED), "forced");
	assert_string_equal(flow_end_reason_name(FLOW_END_SHUTDOWN),
	    "shutdown");
}

static void test_siphash_vectors(void **state)
{
	/* Reference vectors of the SipHash paper: key 00..0f, message
	 * 00..(n-1). */
	uint64_t k0 = 0x0706050403020100ull, k1 = 0x0f0e0d0c0b0a0908ull;
	uint8_t msg[64];

	(void)state;
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_true(ew_siphash24(k0, k1, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(ew_siphash24(k0, k1, msg, 1) == 0x74f839c593dc67fdull);
	assert_true(ew_siphash24(k0, k1, msg, 8) == 0x93f5f5799a932462ull);
	assert_true(ew_siphash24(k0, k1, msg, 15) == 0xa129ca6149be45e5ull);
	assert_true(ew_siphash24(k0, k1, msg, 63) == 0x958a324ceb064572ull);
}

static void test_new_and_free_edge_cases(void **state)
{
	struct flow_config cfg;

	(void)state;
	flow_config_default(&cfg);
	assert_int_equal(cfg.memcap, FLOW_MEMCAP_DEFAULT);
	assert_int_equal(cfg.timeout_udp, FLOW_TIMEOUT_UDP);
	assert_null(flow_table_new(NULL, 1, NULL, NULL));
	cfg.memcap = 200;
	assert_null(flow_table_new(&cfg, 1, NULL, NULL));
	flow_table_free(NULL);
	flow_table_flush(NULL);
	flow_table_expire(NULL, 0);
	assert_null(flow_update(NULL, NULL, NULL));

	/* A NULL callback is allowed. */
	flow_config_default(&cfg);
	struct flow_table *ft = flow_table_new(&cfg, 7, NULL, NULL);
	struct packet p;
	assert_non_null(ft);
	mk_udp(&p, S(1), HOST_A, 5000, HOST_B, 53);
	assert_non_null(flow_update(ft, &p, NULL));
	flow_table_flush(ft);
	assert_int_equal(flow_table_stats(ft)->ended_shutdown, 1);
	flow_table_free(ft);
}

static void test_both_directions_one_flow(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 1);
	struct packet p;
	struct flow *f1, *f2, *f3;
	uint64_t id;

	(void)state;
	mk_tcp(&p, S(1), HOST_A, 40000, HOST_B, 443, TCP_SYN);
	f1 = feed(ft, &p, 1);
	id = f1->flow_id;
	assert_true(id != 0 && id < (1ull << 51));
	mk_tcp(&p, S(1) + MS(20), HOST_B, 443, HOST_A, 40000,
	    TCP_SYN | TCP_ACK);
	f2 = feed(ft, &p, 0);
	mk_tcp(&p, S(1) + MS(40), HOST_A, 40000, HOST_B, 443, TCP_ACK);
	f3 = feed(ft, &p, 1);
	assert_ptr_equal(f1, f2);
	assert_ptr_equal(f2, f3);
	assert_true(f3->flow_id == id);
	assert_int_equal(flow_table_stats(ft)->created, 1);
	assert_int_equal(flow_table_stats(ft)->active, 1);

	/* Same hosts, other client port: another flow. */
	mk_tcp(&p, S(2), HOST_A, 40001, HOST_B, 443, TCP_SYN);
	f1 = feed(ft, &p, 1);
	assert_true(f1->flow_id != id);
	assert_int_equal(flow_table_stats(ft)->active, 2);

	/* IPv6 both ways. */
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	mk_udp(&p, S(3), 0, 5353, 0, 5353);
	p.ip_version = 6;
	addr_set6(&p.src, b6);
	addr_set6(&p.dst, a6);
	f1 = feed(ft, &p, 1);
	addr_set6(&p.src, a6);
	addr_set6(&p.dst, b6);
	f2 = feed(ft, &p, 0);
	assert_ptr_equal(f1, f2);
	assert_int_equal(f2->cli_addr.family, 6);
	assert_memory_equal(f2->cli_addr.a, b6, 16);
	assert_int_equal(f2->state, FLOW_STATE_ESTABLISHED);
	assert_int_equal(flow_table_stats(ft)->active, 3);

	flow_table_free(ft);
	free(r);
}

static void test_client_server_assignment(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 2);
	struct packet p;
	struct flow *f;
	struct addr a, b;

	(void)state;
	ip4(&a, HOST_A);
	ip4(&b, HOST_B);

	/* Pure SYN first: its sender is the client. Put the client on the
	 * "high" side of the key order so the mapping is really tested. */
	mk_tcp(&p, S(1), HOST_B, 50000, HOST_A, 22, TCP_SYN);
	set_eth(&p, MAC_B, MAC_A);
	f = feed(ft, &p, 1);
	assert_int_equal(addr_cmp(&f->cli_addr, &b), 0);
	assert_int_equal(addr_cmp(&f->srv_addr, &a), 0);
	assert_int_equal(f->cli_port, 50000);
	assert_int_equal(f->srv_port, 22);
	assert_int_equal(f->has_mac, 1);
	assert_memory_equal(f->cli_mac, MAC_B, 6);
	assert_memory_equal(f->srv_mac, MAC_A, 6);
	assert_int_equal(f->proto, IPPROTO_NUM_TCP);

	/* SYN-ACK first (the SYN was missed): its receiver is the client. */
	mk_tcp(&p, S(2), HOST_B, 80, HOST_A, 33333, TCP_SYN | TCP_ACK);
	set_eth(&p, MAC_B, MAC_A);
	f = feed(ft, &p, 0);
	assert_int_equal(addr_cmp(&f->cli_addr, &a), 0);
	assert_int_equal(addr_cmp(&f->srv_addr, &b), 0);
	assert_int_equal(f->cli_port, 33333);
	assert_int_equal(f->srv_port, 80);
	assert_memory_equal(f->cli_mac, MAC_A, 6);
	assert_memory_equal(f->srv_mac, MAC_B, 6);
	assert_int_equal(f->pkts_toclient, 1);
	assert_int_equal(f->pkts_toserver, 0);
	mk_tcp(&p, S(2) + 1, HOST_A, 33333, HOST_B, 80, TCP_ACK);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);

	/* Mid-stream ACK first: its sender is the client. */
	mk_tcp(&p, S(3), HOST_B, 443, HOST_A, 44444, TCP_ACK | TCP_PSH);
	f = feed(ft, &p, 1);
	assert_int_equal(addr_cmp(&f->cli_addr, &b), 0);
	assert_int_equal(f->cli_port, 443);

	/* UDP: first sender is the client, no MACs without Ethernet. */
	mk_udp(&p, S(4), HOST_B, 53, HOST_A, 6000);
	f = feed(ft, &p, 1);
	assert_int_equal(addr_cmp(&f->cli_addr, &b), 0);
	assert_int_equal(f->cli_port, 53);
	assert_int_equal(f->srv_port, 6000);
	assert_int_equal(f->has_mac, 0);

	flow_table_free(ft);
	free(r);
}

static void test_counters_per_direction(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 3);
	struct packet p;
	struct flow *f;

	(void)state;
	mk_tcp(&p, S(1), HOST_A, 1234, HOST_B, 80, TCP_SYN);
	p.wirelen = 74;
	feed(ft, &p, 1);
	mk_tcp(&p, S(1) + 1, HOST_B, 80, HOST_A, 1234, TCP_SYN | TCP_ACK);
	p.wirelen = 74;
	feed(ft, &p, 0);
	for (int i = 0; i < 3; i++) {
		mk_tcp(&p, S(2) + (uint64_t)i, HOST_A, 1234, HOST_B, 80,
		    TCP_ACK | TCP_PSH);
		p.wirelen = 200;
		feed(ft, &p, 1);
	}
	mk_tcp(&p, S(3), HOST_B, 80, HOST_A, 1234, TCP_ACK | TCP_URG);
	p.wirelen = 1500;
	f = feed(ft, &p, 0);

	assert_int_equal(f->pkts_toserver, 4);
	assert_int_equal(f->pkts_toclient, 2);
	assert_int_equal(f->bytes_toserver, 74 + 3 * 200);
	assert_int_equal(f->bytes_toclient, 74 + 1500);
	assert_int_equal(f->tcp_flags_ts, TCP_SYN | TCP_ACK | TCP_PSH);
	assert_int_equal(f->tcp_flags_tc, TCP_SYN | TCP_ACK | TCP_URG);
	assert_true(f->start_ns == S(1));
	assert_true(f->last_ns == S(3));

	/* UDP carries no TCP flags even if the field holds junk. */
	mk_udp(&p, S(4), HOST_A, 1, HOST_B, 2);
	p.tcp_flags = 0xff;
	f = feed(ft, &p, 1);
	assert_int_equal(f->tcp_flags_ts, 0);

	flow_table_free(ft);
	free(r);
}

static void test_tcp_states(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 4);
	struct packet p;
	struct flow *f;

	(void)state;
	/* Full handshake, data, FIN both ways. */
	mk_tcp(&p, S(1), HOST_A, 1000, HOST_B, 80, TCP_SYN);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	mk_tcp(&p, S(1), HOST_A, 1000, HOST_B, 80, TCP_SYN);	/* retry */
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	mk_tcp(&p, S(1), HOST_B, 80, HOST_A, 1000, TCP_SYN | TCP_ACK);
	f = feed(ft, &p, 0);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	mk_tcp(&p, S(1), HOST_A, 1000, HOST_B, 80, TCP_ACK);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
	mk_tcp(&p, S(2), HOST_A, 1000, HOST_B, 80, TCP_FIN | TCP_ACK);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
	assert_int_equal(f->fin_ts, 1);
	assert_int_equal(f->fin_tc, 0);
	mk_tcp(&p, S(2), HOST_B, 80, HOST_A, 1000, TCP_FIN | TCP_ACK);
	f = feed(ft, &p, 0);
	assert_int_equal(f->state, FLOW_STATE_CLOSED);
	assert_int_equal(f->fin_tc, 1);
	mk_tcp(&p, S(2), HOST_A, 1000, HOST_B, 80, TCP_ACK);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_CLOSED);
	/* RST after close still marks the flow reset. */
	mk_tcp(&p, S(2), HOST_B, 80, HOST_A, 1000, TCP_RST);
	f = feed(ft, &p, 0);
	assert_int_equal(f->state, FLOW_STATE_RESET);

	/* SYN answered by RST: reset, and it stays reset. */
	mk_tcp(&p, S(3), HOST_A, 1001, HOST_B, 81, TCP_SYN);
	feed(ft, &p, 1);
	mk_tcp(&p, S(3), HOST_B, 81, HOST_A, 1001, TCP_RST | TCP_ACK);
	f = feed(ft, &p, 0);
	assert_int_equal(f->state, FLOW_STATE_RESET);
	mk_tcp(&p, S(3), HOST_A, 1001, HOST_B, 81, TCP_ACK);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_RESET);

	/* Established then RST from the client. */
	mk_tcp(&p, S(4), HOST_A, 1002, HOST_B, 82, TCP_SYN);
	feed(ft, &p, 1);
	mk_tcp(&p, S(4), HOST_B, 82, HOST_A, 1002, TCP_SYN | TCP_ACK);
	feed(ft, &p, 0);
	mk_tcp(&p, S(4), HOST_A, 1002, HOST_B, 82, TCP_ACK);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
	mk_tcp(&p, S(4), HOST_A, 1002, HOST_B, 82, TCP_RST);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_RESET);

	/* Mid-stream pickup: both directions seen is enough. */
	mk_tcp(&p, S(5), HOST_A, 1003, HOST_B, 83, TCP_ACK | TCP_PSH);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	mk_tcp(&p, S(5), HOST_A, 1003, HOST_B, 83, TCP_ACK);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	mk_tcp(&p, S(5), HOST_B, 83, HOST_A, 1003, TCP_ACK);
	f = feed(ft, &p, 0);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);

	/* SYN and a bare ACK back (no SYN-ACK): not yet established until
	 * the client ACKs too. */
	mk_tcp(&p, S(6), HOST_A, 1004, HOST_B, 84, TCP_SYN);
	feed(ft, &p, 1);
	mk_tcp(&p, S(6), HOST_B, 84, HOST_A, 1004, TCP_ACK);
	f = feed(ft, &p, 0);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	mk_tcp(&p, S(6), HOST_A, 1004, HOST_B, 84, TCP_ACK);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);

	/* FIN both ways without a handshake seen: closed. */
	mk_tcp(&p, S(7), HOST_A, 1005, HOST_B, 85, TCP_FIN | TCP_ACK);
	feed(ft, &p, 1);
	mk_tcp(&p, S(7), HOST_B, 85, HOST_A, 1005, TCP_FIN | TCP_ACK);
	f = feed(ft, &p, 0);
	assert_int_equal(f->state, FLOW_STATE_CLOSED);

	flow_table_free(ft);
	free(r);
}

static void test_udp_icmp_other_states(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 5);
	struct packet p;
	struct flow *f;

	(void)state;
	mk_udp(&p, S(1), HOST_A, 5000, HOST_B, 53);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	mk_udp(&p, S(1), HOST_B, 53, HOST_A, 5000);
	f = feed(ft, &p, 0);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);

	mk(&p, S(2), 47 /* GRE */, HOST_A, 0, HOST_B, 0);
	p.sport = 11;	/* ignored for protocols without ports */
	p.dport = 12;
	f = feed(ft, &p, 1);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	assert_int_equal(f->cli_port, 0);
	assert_int_equal(f->srv_port, 0);
	mk(&p, S(2), 47, HOST_B, 0, HOST_A, 0);
	f = feed(ft, &p, 0);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
	assert_int_equal(flow_table_stats(ft)->active, 2);

	flow_table_free(ft);
	free(r);
}

static void test_vlan_separates_flows(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 6);
	struct packet p;
	struct flow *f;
	uint64_t id0, id10, id20, idq;

	(void)state;
	mk_udp(&p, S(1), HOST_A, 5000, HOST_B, 53);
	id0 = feed(ft, &p, 1)->flow_id;
	p.vlan_depth = 1;
	p.vlan[0] = 10;
	id10 = feed(ft, &p, 1)->flow_id;
	p.vlan[0] = 20;
	id20 = feed(ft, &p, 1)->flow_id;
	p.vlan_depth = 2;
	p.vlan[0] = 10;
	p.vlan[1] = 20;
	f = feed(ft, &p, 1);
	idq = f->flow_id;
	assert_int_equal(f->vlan_depth, 2);
	assert_int_equal(f->vlan[0], 10);
	assert_int_equal(f->vlan[1], 20);
	assert_int_equal(flow_table_stats(ft)->active, 4);
	assert_true(id0 != id10);
	assert_true(id10 != id20);
	assert_true(idq != id10 && idq != id20 && idq != id0);

	/* Reply on VLAN 20 joins the VLAN 20 flow. */
	mk_udp(&p, S(2), HOST_B, 53, HOST_A, 5000);
	p.vlan_depth = 1;
	p.vlan[0] = 20;
	f = feed(ft, &p, 0);
	assert_true(f->flow_id == id20);
	assert_int_equal(f->vlan_depth, 1);
	assert_int_equal(f->vlan[0], 20);
	assert_int_equal(f->pkts_toclient, 1);
	assert_int_equal(flow_table_stats(ft)->active, 4);

	flow_table_free(ft);
	free(r);
}

static void test_icmp_echo_ids(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 7);
	struct packet p;
	struct flow *f1, *f2, *f;
	uint64_t id1, id2;

	(void)state;
	mk_icmp(&p, S(1), HOST_A, HOST_B, 8, 0, 0x1234);
	f1 = feed(ft, &p, 1);
	id1 = f1->flow_id;
	assert_int_equal(f1->icmp_type, 8);
	assert_int_equal(f1->cli_port, 0);
	assert_int_equal(f1->srv_port, 0);
	mk_icmp(&p, S(1) + 1, HOST_B, HOST_A, 0, 0, 0x1234);
	f = feed(ft, &p, 0);
	assert_true(f->flow_id == id1);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
	assert_int_equal(f->icmp_type, 8);	/* of the first packet */

	mk_icmp(&p, S(2), HOST_A, HOST_B, 8, 0, 0x1235);
	f2 = feed(ft, &p, 1);
	id2 = f2->flow_id;
	assert_true(id2 != id1);
	assert_int_equal(flow_table_stats(ft)->active, 2);

	/* Non-echo ICMP between the same hosts: one more flow, whatever
	 * the id field says. */
	mk_icmp(&p, S(3), HOST_B, HOST_A, 3, 3, 0);
	f = feed(ft, &p, 1);
	assert_int_equal(f->icmp_type, 3);
	assert_int_equal(f->icmp_code, 3);
	mk_icmp(&p, S(3), HOST_A, HOST_B, 11, 0, 77);
	f = feed(ft, &p, 0);
	assert_int_equal(f->icmp_type, 3);
	assert_int_equal(flow_table_stats(ft)->active, 3);

	/* ICMPv6 echo: ids separate flows too. */
	uint8_t a6[16] = { 0xfe, 0x80, [15] = 1 };
	uint8_t b6[16] = { 0xfe, 0x80, [15] = 2 };
	mk_icmp(&p, S(4), 0, 0, 128, 0, 1);
	p.l4proto = IPPROTO_NUM_ICMPV6;
	p.ip_version = 6;
	addr_set6(&p.src, a6);
	addr_set6(&p.dst, b6);
	id1 = feed(ft, &p, 1)->flow_id;
	p.icmp_id = 2;
	id2 = feed(ft, &p, 1)->flow_id;
	assert_true(id1 != id2);
	addr_set6(&p.src, b6);
	addr_set6(&p.dst, a6);
	p.icmp_type = 129;
	f = feed(ft, &p, 0);
	assert_true(f->flow_id == id2);
	assert_int_equal(flow_table_stats(ft)->active, 5);

	flow_table_free(ft);
	free(r);
}

static void test_not_tracked(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 8);
	struct packet p;
	int ts = 7;

	(void)state;
	/* Non-first fragment: no ports, not tracked. */
	mk_udp(&p, S(1), HOST_A, 0, HOST_B, 0);
	p.frag = 1;
	p.frag_first = 0;
	p.frag_off = 1480;
	p.has_l4 = 0;
	assert_null(flow_update(ft, &p, &ts));
	assert_int_equal(ts, 0);
	assert_int_equal(flow_table_stats(ft)->not_tracked, 1);

	/* First fragment: tracked by its ports. */
	mk_udp(&p, S(1), HOST_A, 4000, HOST_B, 4001);
	p.frag = 1;
	p.frag_first = 1;
	feed(ft, &p, 1);

	/* No IP layer (ARP). */
	memset(&p, 0, sizeof(p));
	p.ts_ns = S(2);
	p.has_arp = 1;
	assert_null(flow_update(ft, &p, &ts));
	/* Nonsense IP version from a hand-filled packet. */
	mk_udp(&p, S(2), HOST_A, 1, HOST_B, 2);
	p.ip_version = 5;
	assert_null(flow_update(ft, &p, NULL));

	assert_int_equal(flow_table_stats(ft)->not_tracked, 3);
	assert_int_equal(flow_table_stats(ft)->created, 1);
	flow_table_free(ft);
	free(r);
}

static void test_idle_timeouts(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 9);
	struct packet p;
	uint64_t udp_id, est_id;
	struct flow *f;

	(void)state;
	/* A UDP flow and an established TCP flow, both last active at 0. */
	mk_udp(&p, S(0), HOST_A, 5000, HOST_B, 53);
	udp_id = feed(ft, &p, 1)->flow_id;
	mk_tcp(&p, S(0), HOST_A, 1000, HOST_B, 80, TCP_SYN);
	feed(ft, &p, 1);
	mk_tcp(&p, S(0), HOST_B, 80, HOST_A, 1000, TCP_SYN | TCP_ACK);
	feed(ft, &p, 0);
	mk_tcp(&p, S(0), HOST_A, 1000, HOST_B, 80, TCP_ACK);
	est_id = feed(ft, &p, 1)->flow_id;

	tick(ft, S(60));
	assert_int_equal(r->n, 0);		/* 60 s idle: not yet */
	tick(ft, S(61));
	assert_int_equal(r->n, 1);		/* UDP past 60 s ends */
	assert_true(r->e[0].f.flow_id == udp_id);
	assert_int_equal(r->e[0].why, FLOW_END_TIMEOUT);
	assert_true(r->e[0].f.last_ns == S(0));

	tick(ft, S(300));
	assert_int_equal(r->n, 1);		/* established TCP lives on */
	tick(ft, S(301));
	assert_int_equal(r->n, 2);
	assert_true(r->e[1].f.flow_id == est_id);
	assert_int_equal(r->e[1].f.state, FLOW_STATE_ESTABLISHED);
	assert_int_equal(flow_table_stats(ft)->ended_timeout, 2);

	/* Half-open TCP: 30 s; closed TCP: 10 s; ICMP: 30 s. */
	mk_tcp(&p, S(400), HOST_A, 2000, HOST_B, 80, TCP_SYN);
	feed(ft, &p, 1);
	mk_icmp(&p, S(400), HOST_A, HOST_B, 8, 0, 9);
	feed(ft, &p, 1);
	mk_tcp(&p, S(400), HOST_A, 2001, HOST_B, 80, TCP_FIN | TCP_ACK);
	feed(ft, &p, 1);
	mk_tcp(&p, S(400), HOST_B, 80, HOST_A, 2001, TCP_FIN | TCP_ACK);
	f = feed(ft, &p, 0);
	assert_int_equal(f->state, FLOW_STATE_CLOSED);
	tick(ft, S(410));
	assert_int_equal(r->n, 2);
	tick(ft, S(411));
	assert_int_equal(r->n, 3);
	assert_int_equal(r->e[2].f.state, FLOW_STATE_CLOSED);
	tick(ft, S(431));
	assert_int_equal(r->n, 5);
	assert_int_equal(r->e[3].f.proto, IPPROTO_NUM_TCP);	/* older seq */
	assert_int_equal(r->e[4].f.proto, IPPROTO_NUM_ICMP);

	/* Due between two expiry runs: the packet ends the old flow and
	 * starts a new one rather than extending it. */
	mk_udp(&p, S(500), HOST_A, 7000, HOST_B, 7001);
	udp_id = feed(ft, &p, 1)->flow_id;
	tick(ft, S(560));		/* expiry runs at 560, next at 561 */
	size_t before = r->n;
	p.ts_ns = S(560) + MS(500);
	f = feed(ft, &p, 1);
	assert_int_equal(r->n, before + 1);
	assert_true(r->e[before].f.flow_id == udp_id);
	assert_true(f->start_ns == S(560) + MS(500));
	assert_int_equal(f->pkts_toserver, 1);

	flow_table_free(ft);
	free(r);
}

static void test_active_timeout(void **state)
{
	struct rec *r = rec_new();
	struct flow_config cfg;
	struct flow_table *ft;
	struct packet p;
	struct flow *f;

	(void)state;
	flow_config_default(&cfg);
	cfg.timeout_active = 100;
	ft = flow_table_new(&cfg, 10, on_end, r);
	assert_non_null(ft);

	/* A busy flow: a packet every 10 s, never idle. */
	for (uint64_t t = 0; t <= 100; t += 10) {
		mk_udp(&p, S(t), HOST_A, 123, HOST_B, 123);
		feed(ft, &p, 1);
	}
	assert_int_equal(r->n, 0);
	mk_udp(&p, S(110), HOST_A, 123, HOST_B, 123);
	f = feed(ft, &p, 1);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->e[0].why, FLOW_END_TIMEOUT);
	assert_int_equal(r->e[0].f.pkts_toserver, 11);
	assert_true(r->e[0].f.start_ns == S(0));
	assert_true(r->e[0].f.last_ns == S(100));
	/* The packet started a fresh flow with a fresh id. */
	assert_int_equal(f->pkts_toserver, 1);
	assert_true(f->start_ns == S(110));
	assert_true(f->flow_id != r->e[0].f.flow_id);

	/* Active expiry also runs when other traffic moves the clock: a busy
	 * flow is ended even if its own next packet never comes. */
	for (uint64_t t = 200; t <= 290; t += 10) {
		mk_udp(&p, S(t), HOST_A, 124, HOST_B, 124);
		feed(ft, &p, 1);
	}
	r->n = 0;
	tick(ft, S(300));
	assert_int_equal(r->n, 0);
	tick(ft, S(301));		/* 101 s old, only 11 s idle */
	assert_int_equal(r->n, 1);
	assert_int_equal(r->e[0].why, FLOW_END_TIMEOUT);
	assert_true(r->e[0].f.start_ns == S(200));
	assert_int_equal(r->e[0].f.pkts_toserver, 10);

	/* Timeout 0 turns the active timeout off. */
	flow_table_free(ft);
	cfg.timeout_active = 0;
	ft = flow_table_new(&cfg, 10, on_end, r);
	assert_non_null(ft);
	r->n = 0;
	for (uint64_t t = 0; t <= 10000; t += 10) {
		mk_udp(&p, S(t), HOST_A, 123, HOST_B, 123);
		feed(ft, &p, 1);
	}
	assert_int_equal(r->n, 0);
	flow_table_free(ft);
	free(r);
}

static void test_expiry_order(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 11);
	struct packet p;
	uint64_t id[6];

	(void)state;
	/* Created in this order, each class a different list. */
	mk_udp(&p, S(1), HOST_A, 1, HOST_B, 1);
	id[0] = feed(ft, &p, 1)->flow_id;
	mk_tcp(&p, S(2), HOST_A, 2, HOST_B, 2, TCP_SYN);
	id[1] = feed(ft, &p, 1)->flow_id;
	mk_icmp(&p, S(3), HOST_A, HOST_B, 8, 0, 3);
	id[2] = feed(ft, &p, 1)->flow_id;
	mk(&p, S(4), 132, HOST_A, 0, HOST_B, 0);
	id[3] = feed(ft, &p, 1)->flow_id;
	mk_udp(&p, S(5), HOST_A, 5, HOST_B, 5);
	id[4] = feed(ft, &p, 1)->flow_id;
	/* The first UDP flow becomes the most recently active. */
	mk_udp(&p, S(6), HOST_B, 1, HOST_A, 1);
	feed(ft, &p, 0);

	flow_table_expire(ft, S(1000));
	assert_int_equal(r->n, 5);
	assert_true(r->e[0].f.flow_id == id[1]);
	assert_true(r->e[1].f.flow_id == id[2]);
	assert_true(r->e[2].f.flow_id == id[3]);
	assert_true(r->e[3].f.flow_id == id[4]);
	assert_true(r->e[4].f.flow_id == id[0]);
	for (int i = 0; i < 5; i++)
		assert_int_equal(r->e[i].why, FLOW_END_TIMEOUT);
	assert_int_equal(flow_table_stats(ft)->active, 0);

	/* An explicit expiry with an older time ends nothing (no
	 * underflow). */
	mk_udp(&p, S(2000), HOST_A, 1, HOST_B, 1);
	feed(ft, &p, 1);
	flow_table_expire(ft, S(5));
	flow_table_expire(ft, 0);
	assert_int_equal(r->n, 5);

	flow_table_free(ft);
	free(r);
}

/* xorshift64*: deterministic pseudo-random traffic for the seed test. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void run_mixed(struct flow_table *ft, uint64_t rs)
{
	struct packet p;
	uint64_t t = S(1000);

	for (int i = 0; i < 20000; i++) {
		uint64_t x = rnd(&rs);
		uint32_t a = HOST_C + (uint32_t)(x & 31);
		uint32_t b = HOST_B + (uint32_t)((x >> 5) & 7);
		uint16_t pa = (uint16_t)(1000 + ((x >> 8) & 15));
		uint16_t pb = (uint16_t)(80 + ((x >> 12) & 1));
		int dir = (int)((x >> 13) & 1);
		unsigned kind = (unsigned)((x >> 14) & 7);

		/* Time mostly creeps forward, sometimes jumps either way. */
		if (((x >> 20) & 63) == 0)
			t += S(50);
		else if (((x >> 20) & 63) == 1 && t > S(20))
			t -= S(20);
		else
			t += MS((x >> 26) & 255);

		if (kind < 4) {
			static const uint8_t fl[4] = { TCP_SYN,
				TCP_SYN | TCP_ACK, TCP_ACK, TCP_FIN | TCP_ACK };
			uint8_t flags = fl[(x >> 30) & 3];
			if (((x >> 32) & 31) == 0)
				flags = TCP_RST;
			if (dir)
				mk_tcp(&p, t, a, pa, b, pb, flags);
			else
				mk_tcp(&p, t, b, pb, a, pa, flags);
		} else if (kind < 6) {
			if (dir)
				mk_udp(&p, t, a, pa, b, 53);
			else
				mk_udp(&p, t, b, 53, a, pa);
		} else if (kind == 6) {
			mk_icmp(&p, t, dir ? a : b, dir ? b : a,
			    dir ? 8 : 0, 0, (uint16_t)(x >> 40 & 3));
		} else {
			mk(&p, t, 47, dir ? a : b, 0, dir ? b : a, 0);
		}
		p.wirelen = (uint32_t)(60 + ((x >> 44) & 1023));
		(void)flow_update(ft, &p, NULL);
	}
	flow_table_flush(ft);
}

static void test_seed_independence(void **state)
{
	struct rec *r1 = rec_new(), *r2 = rec_new();
	struct flow_config cfg;
	struct flow_table *t1, *t2;

	(void)state;
	flow_config_default(&cfg);
	/* Small enough to evict too, so forced order is compared as well. */
	cfg.memcap = 32 * 1024;
	cfg.timeout_active = 120;
	t1 = flow_table_new(&cfg, 1, on_end, r1);
	t2 = flow_table_new(&cfg, 0xdeadbeefcafef00dull, on_end, r2);
	assert_non_null(t1);
	assert_non_null(t2);
	run_mixed(t1, 42);
	run_mixed(t2, 42);

	assert_int_equal(r1->dropped, 0);
	assert_int_equal(r1->n, r2->n);
	assert_true(r1->n > 100);
	int reasons[3] = { 0, 0, 0 };
	for (size_t i = 0; i < r1->n; i++) {
		assert_true(r1->e[i].f.flow_id == r2->e[i].f.flow_id);
		assert_int_equal(r1->e[i].why, r2->e[i].why);
		assert_memory_equal(&r1->e[i].f, &r2->e[i].f,
		    sizeof(struct flow));
		assert_true(r1->e[i].f.last_ns >= r1->e[i].f.start_ns);
		reasons[r1->e[i].why]++;
	}
	/* The mix exercised all three ways to end. */
	assert_true(reasons[FLOW_END_TIMEOUT] > 0);
	assert_true(reasons[FLOW_END_FORCED] > 0);
	assert_true(reasons[FLOW_END_SHUTDOWN] > 0);
	assert_memory_equal(flow_table_stats(t1), flow_table_stats(t2),
	    sizeof(struct flow_stats));

	flow_table_free(t1);
	flow_table_free(t2);
	free(r1);
	free(r2);
}

static void test_memcap_eviction(void **state)
{
	struct rec *r = rec_new();
	struct flow_config cfg;
	struct flow_table *ft;
	const struct flow_stats *st;
	struct packet p;
	uint64_t buckets, cap, ids[100];

	(void)state;
	flow_config_default(&cfg);
	cfg.memcap = 4096;
	ft = flow_table_new(&cfg, 12, on_end, r);
	assert_non_null(ft);
	st = flow_table_stats(ft);
	buckets = st->memuse;
	assert_true(buckets > 0 && buckets <= cfg.memcap / 4);
	cap = (cfg.memcap - buckets) / sizeof(struct flow_node);
	assert_true(cap >= FLOW_MIN_FLOWS && cap < 100);

	for (uint32_t i = 0; i < 100; i++) {
		mk_udp(&p, S(1) + MS(i), HOST_A, (uint16_t)(1000 + i),
		    HOST_B, 53);
		ids[i] = feed(ft, &p, 1)->flow_id;
		assert_true(st->memuse <= cfg.memcap);
		/* Keep the second flow busy: it must never be evicted. */
		if (i >= 1) {
			mk_udp(&p, S(1) + MS(i), HOST_B, 53, HOST_A, 1001);
			feed(ft, &p, 0);
		}
	}
	assert_int_equal(st->created, 100);
	assert_int_equal(st->active, cap);
	assert_int_equal(st->ended_forced, 100 - cap);
	assert_true(st->memuse_peak <= cfg.memcap);
	assert_true(st->memuse == buckets + cap * sizeof(struct flow_node));
	assert_int_equal(r->n, 100 - cap);

	/* Least recently active first: 0, 2, 3, 4, ... (1 stayed busy). */
	assert_true(r->e[0].f.flow_id == ids[0]);
	for (size_t k = 1; k < r->n; k++) {
		assert_int_equal(r->e[k].why, FLOW_END_FORCED);
		assert_true(r->e[k].f.flow_id == ids[k + 1]);
	}
	flow_table_flush(ft);
	assert_true(r->e[r->n - 1].f.flow_id == ids[99]);
	assert_int_equal(st->active, 0);
	assert_true(st->memuse == buckets);
	flow_table_free(ft);
	free(r);
}

/* Eviction picks the least recently active flow across all timeout
 * classes, and re-touching the newest flow of a class still counts. */
static void test_eviction_across_classes(void **state)
{
	struct rec *r = rec_new();
	struct flow_config cfg;
	struct flow_table *ft;
	struct packet p;
	uint64_t udp_id, tcp_id, icmp_id, cap;

	(void)state;
	flow_config_default(&cfg);
	cfg.memcap = 4096;
	ft = flow_table_new(&cfg, 16, on_end, r);
	assert_non_null(ft);
	cap = (cfg.memcap - flow_table_stats(ft)->memuse) /
	    sizeof(struct flow_node);

	mk_udp(&p, S(1), HOST_A, 1, HOST_B, 1);
	udp_id = feed(ft, &p, 1)->flow_id;
	mk_tcp(&p, S(2), HOST_A, 2, HOST_B, 2, TCP_SYN);
	tcp_id = feed(ft, &p, 1)->flow_id;
	mk_icmp(&p, S(3), HOST_A, HOST_B, 8, 0, 3);
	icmp_id = feed(ft, &p, 1)->flow_id;
	mk_udp(&p, S(4), HOST_B, 1, HOST_A, 1);	/* UDP list's own tail */
	feed(ft, &p, 0);
	for (uint32_t i = 0; i < cap - 3; i++) {
		mk(&p, S(5), 47, HOST_A, 0, HOST_C + i, 0);
		feed(ft, &p, 1);
	}
	assert_int_equal(r->n, 0);
	for (uint32_t i = 0; i < 3; i++) {
		mk(&p, S(6), 47, HOST_A, 0, HOST_B + 1 + i, 0);
		feed(ft, &p, 1);
	}
	assert_int_equal(r->n, 3);
	assert_true(r->e[0].f.flow_id == tcp_id);
	assert_true(r->e[1].f.flow_id == icmp_id);
	assert_true(r->e[2].f.flow_id == udp_id);
	assert_int_equal(r->e[2].why, FLOW_END_FORCED);
	assert_int_equal(flow_table_stats(ft)->ended_forced, 3);
	flow_table_free(ft);
	free(r);
}

static void test_syn_flood_bounded(void **state)
{
	struct flow_config cfg;
	struct flow_table *ft;
	const struct flow_stats *st;
	struct packet p;
	uint64_t rs = 99;

	(void)state;
	flow_config_default(&cfg);
	cfg.memcap = 256 * 1024;
	ft = flow_table_new(&cfg, 13, NULL, NULL);
	assert_non_null(ft);
	st = flow_table_stats(ft);
	for (int i = 0; i < 200000; i++) {
		uint64_t x = rnd(&rs);
		mk_tcp(&p, S(1) + (uint64_t)i * 1000, (uint32_t)x,
		    (uint16_t)(x >> 32), HOST_A, 80, TCP_SYN);
		assert_non_null(flow_update(ft, &p, NULL));
	}
	assert_true(st->memuse_peak <= cfg.memcap);
	assert_int_equal(st->created, 200000);
	assert_int_equal(st->created - st->ended_forced - st->ended_timeout,
	    st->active);
	assert_true(st->ended_forced > 190000);
	assert_int_equal(st->alloc_failed, 0);
	flow_table_free(ft);
}

static void test_alloc_failure(void **state)
{
	struct rec *r = rec_new();
	struct flow_config cfg;
	struct flow_table *ft;
	struct packet p;
	int ts = 5;

	(void)state;
	flow_config_default(&cfg);
	/* Each of the two allocations of flow_table_new failing. */
	alloc_fail_after(0);
	assert_null(flow_table_new(&cfg, 1, on_end, r));
	alloc_fail_after(1);
	assert_null(flow_table_new(&cfg, 1, on_end, r));
	alloc_fail_after(-1);

	ft = flow_table_new(&cfg, 1, on_end, r);
	assert_non_null(ft);
	mk_udp(&p, S(1), HOST_A, 1, HOST_B, 1);
	feed(ft, &p, 1);

	alloc_fail_after(0);
	mk_udp(&p, S(2), HOST_A, 2, HOST_B, 2);
	assert_null(flow_update(ft, &p, &ts));
	assert_int_equal(ts, 0);
	/* Existing flows still work: no allocation needed. */
	mk_udp(&p, S(2), HOST_B, 1, HOST_A, 1);
	assert_non_null(flow_update(ft, &p, &ts));
	assert_int_equal(ts, 0);
	alloc_fail_after(-1);

	assert_int_equal(flow_table_stats(ft)->alloc_failed, 1);
	assert_int_equal(flow_table_stats(ft)->active, 1);
	assert_int_equal(flow_table_stats(ft)->created, 1);
	mk_udp(&p, S(3), HOST_A, 2, HOST_B, 2);
	feed(ft, &p, 1);
	assert_int_equal(flow_table_stats(ft)->active, 2);

	/* Failure while at the memcap: the eviction happened, the new
	 * flow did not; counts stay consistent. */
	flow_table_free(ft);
	cfg.memcap = 4096;
	ft = flow_table_new(&cfg, 1, on_end, r);
	assert_non_null(ft);
	for (uint16_t i = 0; i < 40; i++) {
		mk_udp(&p, S(1), HOST_A, i, HOST_B, 9);
		if (i == 30)
			alloc_fail_after(0);
		(void)flow_update(ft, &p, NULL);
		alloc_fail_after(-1);
	}
	const struct flow_stats *st = flow_table_stats(ft);
	assert_int_equal(st->alloc_failed, 1);
	assert_int_equal(st->created, 39);
	assert_int_equal(st->created - st->ended_forced, st->active);
	assert_true(st->memuse <= cfg.memcap);
	flow_table_free(ft);
	free(r);
}

static void test_time_backwards(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 14);
	struct packet p;
	struct flow *f;

	(void)state;
	mk_udp(&p, S(100), HOST_A, 1, HOST_B, 2);
	f = feed(ft, &p, 1);
	p.ts_ns = S(50);
	f = feed(ft, &p, 1);
	assert_true(f->start_ns == S(100));
	assert_true(f->last_ns == S(100));
	assert_int_equal(f->pkts_toserver, 2);

	/* A flow first seen at an older time than the clock. */
	mk_udp(&p, S(40), HOST_A, 3, HOST_B, 4);
	f = feed(ft, &p, 1);
	assert_true(f->start_ns == S(40));
	assert_true(f->last_ns == S(40));
	p.ts_ns = S(45);
	f = feed(ft, &p, 1);
	assert_true(f->last_ns == S(45));

	/* Going back to 0 ends nothing and breaks nothing. */
	mk_udp(&p, 0, HOST_A, 1, HOST_B, 2);
	feed(ft, &p, 1);
	assert_int_equal(r->n, 0);

	/* Idle time counts on the table clock (100 s), not on the packet
	 * times: the flow last seen at "45" is idle from 100. */
	tick(ft, S(160));
	assert_int_equal(r->n, 0);
	tick(ft, S(161));
	assert_int_equal(r->n, 2);
	/* Least recently active first: the "45" flow, then the one whose
	 * last packet said 0. */
	assert_true(r->e[0].f.start_ns == S(40));
	assert_true(r->e[1].f.start_ns == S(100));

	/* Timestamps at the very top of the range do not wrap. */
	mk_udp(&p, UINT64_MAX - 1, HOST_A, 5, HOST_B, 6);
	feed(ft, &p, 1);
	p.ts_ns = UINT64_MAX;
	feed(ft, &p, 1);
	mk_udp(&p, UINT64_MAX, HOST_A, 7, HOST_B, 8);
	feed(ft, &p, 1);
	assert_int_equal(flow_table_stats(ft)->active, 2);

	flow_table_free(ft);
	free(r);
}

static void test_flush_order(void **state)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 15);
	struct packet p;
	uint64_t id[3];

	(void)state;
	mk_udp(&p, S(1), HOST_A, 1, HOST_B, 1);
	id[0] = feed(ft, &p, 1)->flow_id;
	mk_tcp(&p, S(2), HOST_A, 2, HOST_B, 2, TCP_SYN);
	id[1] = feed(ft, &p, 1)->flow_id;
	mk_udp(&p, S(3), HOST_A, 3, HOST_B, 3);
	id[2] = feed(ft, &p, 1)->flow_id;
	mk_udp(&p, S(4), HOST_A, 1, HOST_B, 1);		/* touch the first */
	feed(ft, &p, 1);

	flow_table_flush(ft);
	assert_int_equal(r->n, 3);
	for (int i = 0; i < 3; i++) {
		assert_true(r->e[i].f.flow_id == id[i]);
		assert_int_equal(r->e[i].why, FLOW_END_SHUTDOWN);
	}
	assert_int_equal(flow_table_stats(ft)->ended_shutdown, 3);
	assert_int_equal(flow_table_stats(ft)->active, 0);
	flow_table_flush(ft);			/* empty: nothing more */
	assert_int_equal(r->n, 3);

	/* The table is usable after a flush. */
	feed(ft, &p, 1);
	assert_int_equal(flow_table_stats(ft)->active, 1);
	flow_table_free(ft);			/* frees without callback */
	assert_int_equal(r->n, 3);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_new_and_free_edge_cases),
		cmocka_unit_test(test_both_directions_one_flow),
		cmocka_unit_test(test_client_server_assignment),
		cmocka_unit_test(test_counters_per_direction),
		cmocka_unit_test(test_tcp_states),
		cmocka_unit_test(test_udp_icmp_other_states),
		cmocka_unit_test(test_vlan_separates_flows),
		cmocka_unit_test(test_icmp_echo_ids),
		cmocka_unit_test(test_not_tracked),
		cmocka_unit_test(test_idle_timeouts),
		cmocka_unit_test(test_active_timeout),
		cmocka_unit_test(test_expiry_order),
		cmocka_unit_test(test_seed_independence),
		cmocka_unit_test(test_memcap_eviction),
		cmocka_unit_test(test_eviction_across_classes),
		cmocka_unit_test(test_syn_flood_bounded),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_time_backwards),
		cmocka_unit_test(test_flush_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
