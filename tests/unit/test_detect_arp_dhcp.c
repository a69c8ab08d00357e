/* test_detect_arp_dhcp.c - the arp and dhcp checks (src/detect/
 * check_arp.c, check_dhcp.c) on simulator-built frames: ARP conflicts,
 * impersonation (the arppoison.pcapng pattern), one MAC claiming many
 * addresses; DHCP floods, starvation and rogue servers; and the benign
 * cases that must stay quiet (DHCP reassignment, probes, a relay). DHCP
 * payloads go through the real parser (proto_parse_dhcp). */
#include "detect_harness.h"
#include "proto/proto.h"

static const uint8_t ROUTER[6] = { 0x02, 0x11, 0x11, 0x11, 0x11, 0x01 };
static const uint8_t EVIL[6] = { 0x00, 0x25, 0xb3, 0xbf, 0x91, 0xee };
static const uint8_t VICT[6] = { 0x02, 0x22, 0x22, 0x22, 0x22, 0x07 };
static const uint8_t OTHER[6] = { 0x02, 0x33, 0x33, 0x33, 0x33, 0x09 };

#define GW  IP4(172, 16, 0, 1)
#define ATK IP4(172, 16, 0, 105)
#define VIC IP4(172, 16, 0, 107)

/* The router answers for the gateway address now and then. */
static void router_alive(struct th *t, uint64_t t0, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		th_arp(t, t0 + S(20) * i, ROUTER, 1, GW, NULL,
		    IP4(172, 16, 0, 50 + i % 5));
}

/* A frame from the router (a DNS answer to the victim): it is still there,
 * forwarding. */
static void router_frame(struct th *t, uint64_t ts)
{
	uint8_t f[SIM_FRAME_MAX], pl[64];
	struct sim_l3 h;

	th_l3(&h, GW, VIC);
	memcpy(h.smac, ROUTER, 6);
	memcpy(h.dmac, VICT, 6);
	memset(pl, 0x41, sizeof(pl));
	th_frame(t, ts, f, sim_build_udp4(f, sizeof(f), &h, 53, 40000, pl,
	    sizeof(pl)));
}

/* The attacker, with an address of its own, tells the victim every 2 s
 * for 20 s, unasked, that the gateway is it. The router, after each
 * claim: 0 says nothing, 1 forwards a frame, 2 answers ARP (first claim
 * only). */
static void spoof_gateway(struct th *t, int router)
{
	th_arp(t, S(1050), EVIL, 1, ATK, NULL, IP4(172, 16, 0, 60));
	for (unsigned i = 0; i < 10; i++) {
		uint64_t ts = S(1060) + S(2) * i;
		th_arp(t, ts, EVIL, 2, GW, VICT, VIC);
		if (router == 1)
			router_frame(t, ts + S(1));
		else if (router == 2 && i == 0)
			router_alive(t, ts + S(1), 1);
	}
}

static void test_arp_conflict(void **state)
{
	(void)state;
	/* the router goes silent (a capture on the victim's port: the
	 * replies nobody asked for tell), forwards, or answers ARP */
	for (int router = 0; router <= 2; router++) {
		struct th *t = th_new(NULL);
		router_alive(t, S(1000), 3);
		spoof_gateway(t, router);
		th_finish(t);
		assert_int_equal(th_count(t, 1200, 1299), 1);
		const struct alert *a = th_find(t, 1201, 1201);
		assert_non_null(a);
		assert_int_equal(a->category, ALERT_CAT_ARP_SPOOFING);
		assert_int_equal(a->severity, 1);
		assert_string_equal(a->mitre, "T1557.002");
		assert_true(a->has_src_mac);
		assert_memory_equal(a->src_mac, EVIL, 6);
		assert_int_equal(a->src.a[3], 105);
		assert_int_equal(a->dst.a[3], 1);
		assert_true(a->has_dst_mac);
		assert_memory_equal(a->dst_mac, ROUTER, 6);
		/* from the first contested claim, every one counted */
		assert_int_equal(a->ts_start, S(1060));
		assert_int_equal(a->count, 10);
		assert_non_null(strstr(a->text, "poisoned 172.16.0.107"));
		th_free(t);
	}
}

/* A new router for the gateway address where the network changed: the
 * old router falls silent as the new one starts (a router replaced, or
 * captures of two networks laid end to end), or the old one comes back
 * and the new one is gone (A, then B, then A again). The new one
 * announces itself (broadcast gratuitous replies, as on a failover),
 * answers questions and asks its own, every 2 s for 20 s. Not spoofing. */
static void test_arp_network_change_quiet(void **state)
{
	(void)state;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	for (int back = 0; back <= 1; back++) {
		struct th *t = th_new(NULL);
		router_alive(t, S(1000), 3);
		for (unsigned i = 0; i < 5; i++)
			th_arp(t, S(1059) + MS(100) * i, EVIL, 2, GW, bcast,
			    GW);
		for (unsigned i = 0; i < 10; i++) {
			uint64_t ts = S(1060) + S(2) * i;
			th_arp(t, ts, VICT, 1, VIC, NULL, GW);
			th_arp(t, ts + MS(1), EVIL, 2, GW, VICT, VIC);
			th_arp(t, ts + S(1), EVIL, 1, GW, NULL,
			    IP4(172, 16, 0, 50 + i));
		}
		if (back) {
			router_alive(t, S(1090), 3);
			for (unsigned i = 0; i < 20; i++)
				router_frame(t, S(1090) + S(1) * i);
		}
		th_finish(t);
		assert_int_equal(th_count(t, 1200, 1299), 0);
		th_free(t);
	}
}

/* arppoison.pcapng: the gateway never ARPs; the attacker claims it in a
 * request to the victim and a reply, then asks who-has the gateway from
 * its own address. */
static void test_arp_impersonation(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	th_arp(t, S(100), EVIL, 1, GW, NULL, VIC);
	th_arp(t, S(100) + 50000, VICT, 2, VIC, EVIL, GW);
	th_arp(t, S(100) + 60000, EVIL, 2, GW, VICT, VIC);
	th_arp(t, S(110), EVIL, 1, ATK, NULL, GW);
	th_finish(t);
	assert_int_equal(th_count(t, 1200, 1299), 1);
	const struct alert *a = th_find(t, 1202, 1202);
	assert_non_null(a);
	assert_memory_equal(a->src_mac, EVIL, 6);
	assert_int_equal(a->src.a[3], 105);
	assert_int_equal(a->dst.a[3], 1);
	assert_non_null(strstr(a->text, "172.16.0.107"));
	th_free(t);
}

/* An address moving to a new device after its old owner moved on, and
 * RFC 5227 probes, are not spoofing. */
static void test_arp_reassignment_quiet(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	router_alive(t, S(1000), 3);
	th_arp(t, S(1000), OTHER, 1, IP4(172, 16, 0, 20), NULL, GW);
	/* OTHER renumbers to .21, then VICT gets .20 */
	th_arp(t, S(1100), OTHER, 1, IP4(172, 16, 0, 21), NULL, GW);
	th_arp(t, S(1110), VICT, 1, 0, NULL, IP4(172, 16, 0, 20));
	th_arp(t, S(1111), VICT, 1, IP4(172, 16, 0, 20), NULL,
	    IP4(172, 16, 0, 20));
	th_arp(t, S(1112), VICT, 1, IP4(172, 16, 0, 20), NULL, GW);
	/* a device silent for longer than arp.alive_s loses its binding */
	th_arp(t, S(1120), OTHER, 1, IP4(172, 16, 0, 21), NULL, GW);
	th_arp(t, S(2000), EVIL, 1, IP4(172, 16, 0, 21), NULL, GW);
	th_finish(t);
	assert_int_equal(th_count(t, 1200, 1299), 0);
	th_free(t);
}

static void test_arp_many_ips(void **state)
{
	(void)state;
	for (unsigned n = 7; n <= 8; n++) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < n; i++)
			th_arp(t, S(100) + S(1) * i, EVIL, 2,
			    IP4(172, 16, 0, 30 + i), VICT, VIC);
		th_finish(t);
		assert_int_equal(th_count(t, 1203, 1203), n < 8 ? 0 : 1);
		if (n == 8)
			assert_int_equal(th_find(t, 1203, 1203)->severity, 2);
		th_free(t);
	}
}

/* ---- DHCP ------------------------------------------------------------ */

static void dhcp_frame(struct th *t, uint64_t ts, const uint8_t smac[6],
    uint32_t sip, uint32_t dip, const struct sim_dhcp *d)
{
	uint8_t pl[600], f[SIM_FRAME_MAX];
	struct sim_l3 h;
	struct app_meta m;
	int reply = d->type == SIM_DHCP_OFFER || d->type == SIM_DHCP_ACK;

	size_t n = sim_dhcp_build(pl, sizeof(pl), d);
	assert_true(n > 0);
	th_l3(&h, sip, dip);
	memcpy(h.smac, smac, 6);
	if (dip == 0xffffffffu)
		memset(h.dmac, 0xff, 6);
	else if (reply)
		memcpy(h.dmac, d->chaddr, 6);
	memset(&m, 0, sizeof(m));
	assert_int_equal(proto_parse_dhcp(pl, n, &m.u.dhcp), 0);
	m.kind = APP_DHCP;
	m.to_server = (uint8_t)!reply;
	th_frame_meta(t, ts, f, sim_build_udp4(f, sizeof(f), &h,
	    reply ? 67 : 68, reply ? 68 : 67, pl, n), &m);
}

static void client(struct sim_dhcp *d, uint8_t type, uint32_t i)
{
	memset(d, 0, sizeof(*d));
	d->type = type;
	d->xid = 0x1000 + i;
	d->chaddr[0] = 0x02;
	d->chaddr[4] = (uint8_t)(i >> 8);
	d->chaddr[5] = (uint8_t)i;
	d->client_id = 1;
}

/* One MAC sending n REQUESTs within 10 s. */
static void test_dhcp_flood(void **state)
{
	(void)state;
	for (unsigned n = 29; n <= 40; n += 11) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < n; i++) {
			struct sim_dhcp d;
			client(&d, SIM_DHCP_REQUEST, 7);
			d.ciaddr = IP4(10, 0, 0, 100 + i);
			dhcp_frame(t, S(100) + MS(250) * i, OTHER,
			    IP4(10, 0, 0, 100 + i), IP4(10, 0, 0, 1), &d);
		}
		th_finish(t);
		assert_int_equal(th_count(t, 1300, 1399), n < 30 ? 0 : 1);
		if (n >= 30) {
			const struct alert *a = th_find(t, 1300, 1300);
			assert_non_null(a);
			assert_int_equal(a->category, ALERT_CAT_DHCP_ABUSE);
			assert_memory_equal(a->src_mac, OTHER, 6);
			assert_int_equal(a->dst.a[3], 1);
			assert_int_equal(a->count, n);
		}
		th_free(t);
	}
}

/* One client that stays itself (DISCOVER and REQUEST from 0.0.0.0, its
 * own hardware address): 11 joins in 54 s (IoT set-up captures laid end
 * to end) stay quiet; 130 messages in 60 s (over 2/s) are a flood. */
static void test_dhcp_one_client(void **state)
{
	(void)state;
	unsigned ns[2] = { 44, 130 };
	for (unsigned k = 0; k < 2; k++) {
		struct th *t = th_new(NULL);
		uint64_t gap = S(54) / ns[k];
		for (unsigned i = 0; i < ns[k]; i++) {
			struct sim_dhcp d;
			client(&d, i % 2 ? SIM_DHCP_REQUEST :
			    SIM_DHCP_DISCOVER, 7);
			d.xid = 0x2000 + i / 2;
			dhcp_frame(t, S(100) + gap * i, d.chaddr, 0,
			    0xffffffffu, &d);
		}
		th_finish(t);
		assert_int_equal(th_count(t, 1300, 1399), k);
		if (k) {
			const struct alert *a = th_find(t, 1300, 1300);
			assert_non_null(a);
			assert_int_equal(a->count, ns[k]);
			assert_non_null(strstr(a->text, "threshold 120"));
		}
		th_free(t);
	}
}

/* DISCOVERs from n forged client addresses (each from its own MAC)
 * within 8 s; the same number spread over a minute (devices booting
 * together) stays quiet. */
static void test_dhcp_starvation(void **state)
{
	(void)state;
	for (unsigned n = 63; n <= 100; n += 37) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < n; i++) {
			struct sim_dhcp d;
			client(&d, SIM_DHCP_DISCOVER, i);
			dhcp_frame(t, S(100) + MS(80) * i, d.chaddr, 0,
			    0xffffffffu, &d);
		}
		th_finish(t);
		assert_int_equal(th_count(t, 1300, 1399), n < 64 ? 0 : 1);
		if (n >= 64) {
			const struct alert *a = th_find(t, 1302, 1302);
			assert_non_null(a);
			assert_int_equal(a->count, n);
		}
		th_free(t);
	}
}

static void test_dhcp_boot_storm_quiet(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	for (unsigned i = 0; i < 120; i++) {
		struct sim_dhcp d;
		client(&d, SIM_DHCP_DISCOVER, i);
		dhcp_frame(t, S(100) + MS(500) * i, d.chaddr, 0, 0xffffffffu,
		    &d);
	}
	th_finish(t);
	assert_int_equal(th_count(t, 1300, 1399), 0);
	th_free(t);
}

static void server(struct sim_dhcp *d, uint8_t type, uint32_t sid,
    uint32_t i)
{
	client(d, type, i);
	d->client_id = 0;
	d->yiaddr = IP4(10, 0, 0, 100 + i);
	d->server_id = sid;
	d->lease = 3600;
	d->mask = 0xffffff00u;
	d->router = sid;
}

/* A client's DISCOVER at 200 s: both servers offer, the rogue first; the
 * client takes the rogue's offer. */
static void rogue_race(struct th *t)
{
	struct sim_dhcp d;
	server(&d, SIM_DHCP_OFFER, IP4(10, 0, 0, 66), 9);
	dhcp_frame(t, S(200), EVIL, IP4(10, 0, 0, 66), 0xffffffffu, &d);
	server(&d, SIM_DHCP_OFFER, IP4(10, 0, 0, 1), 9);
	dhcp_frame(t, S(200) + MS(30), ROUTER, IP4(10, 0, 0, 1), 0xffffffffu,
	    &d);
	server(&d, SIM_DHCP_ACK, IP4(10, 0, 0, 66), 9);
	dhcp_frame(t, S(201), EVIL, IP4(10, 0, 0, 66), 0xffffffffu, &d);
}

static void test_dhcp_rogue(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	struct sim_dhcp d;
	for (unsigned i = 0; i < 3; i++) {
		server(&d, SIM_DHCP_OFFER, IP4(10, 0, 0, 1), i);
		dhcp_frame(t, S(100) + S(10) * i, ROUTER, IP4(10, 0, 0, 1),
		    0xffffffffu, &d);
		/* a relay: another MAC, the same server id */
		server(&d, SIM_DHCP_ACK, IP4(10, 0, 0, 1), i);
		dhcp_frame(t, S(101) + S(10) * i, OTHER, IP4(10, 0, 0, 2),
		    0xffffffffu, &d);
	}
	assert_int_equal(th_count(t, 1300, 1399), 0);
	rogue_race(t);
	th_finish(t);
	assert_int_equal(th_count(t, 1300, 1399), 1);
	const struct alert *a = th_find(t, 1310, 1310);
	assert_non_null(a);
	assert_int_equal(a->severity, 1);
	assert_string_equal(a->mitre, "T1557.003");
	assert_int_equal(a->src.a[3], 66);
	assert_memory_equal(a->src_mac, EVIL, 6);
	assert_int_equal(a->count, 2);
	th_free(t);
}

/* A second server while the first falls silent (the router replaced, or
 * captures of two networks laid end to end), and the first back once the
 * second is gone: a network that changed, not a rogue. */
static void test_dhcp_server_change_quiet(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	struct sim_dhcp d;
	uint32_t sid[3] = { IP4(10, 0, 0, 1), IP4(10, 0, 0, 66),
	    IP4(10, 0, 0, 1) };
	const uint8_t *mac[3] = { ROUTER, EVIL, ROUTER };
	for (unsigned k = 0; k < 3; k++)
		for (unsigned i = 0; i < 3; i++) {
			uint64_t ts = S(100) + S(100) * k + S(10) * i;
			server(&d, SIM_DHCP_OFFER, sid[k], i);
			dhcp_frame(t, ts, mac[k], sid[k], 0xffffffffu, &d);
			server(&d, SIM_DHCP_ACK, sid[k], i);
			dhcp_frame(t, ts + S(1), mac[k], sid[k], 0xffffffffu,
			    &d);
		}
	th_finish(t);
	assert_int_equal(th_count(t, 1300, 1399), 0);
	th_free(t);
}

/* The textbook set-up: starve the pool (70 forged DISCOVERs in 7 s; the
 * real server, out of addresses, goes quiet), then answer as a second
 * server. */
static void test_dhcp_rogue_after_starvation(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	struct sim_dhcp d;
	server(&d, SIM_DHCP_OFFER, IP4(10, 0, 0, 1), 1);
	dhcp_frame(t, S(100), ROUTER, IP4(10, 0, 0, 1), 0xffffffffu, &d);
	for (unsigned i = 0; i < 70; i++) {
		client(&d, SIM_DHCP_DISCOVER, 100 + i);
		dhcp_frame(t, S(150) + MS(100) * i, d.chaddr, 0, 0xffffffffu,
		    &d);
	}
	server(&d, SIM_DHCP_OFFER, IP4(10, 0, 0, 66), 9);
	dhcp_frame(t, S(158), EVIL, IP4(10, 0, 0, 66), 0xffffffffu, &d);
	server(&d, SIM_DHCP_ACK, IP4(10, 0, 0, 66), 9);
	dhcp_frame(t, S(159), EVIL, IP4(10, 0, 0, 66), 0xffffffffu, &d);
	th_finish(t);
	assert_int_equal(th_count(t, 1302, 1302), 1);	/* the starvation */
	const struct alert *a = th_find(t, 1310, 1310);
	assert_non_null(a);
	assert_memory_equal(a->src_mac, EVIL, 6);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->ts_start, S(158));
	th_free(t);
}

static void test_dhcp_rogue_off(void **state)
{
	(void)state;
	static const char *const set[] = { "dhcp.rogue=0", NULL };
	struct th *t = th_new(set);
	struct sim_dhcp d;
	server(&d, SIM_DHCP_OFFER, IP4(10, 0, 0, 1), 1);
	dhcp_frame(t, S(100), ROUTER, IP4(10, 0, 0, 1), 0xffffffffu, &d);
	rogue_race(t);
	th_finish(t);
	assert_int_equal(th_count(t, 1300, 1399), 0);
	th_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_conflict),
		cmocka_unit_test(test_arp_network_change_quiet),
		cmocka_unit_test(test_arp_impersonation),
		cmocka_unit_test(test_arp_reassignment_quiet),
		cmocka_unit_test(test_arp_many_ips),
		cmocka_unit_test(test_dhcp_flood),
		cmocka_unit_test(test_dhcp_one_client),
		cmocka_unit_test(test_dhcp_starvation),
		cmocka_unit_test(test_dhcp_boot_storm_quiet),
		cmocka_unit_test(test_dhcp_rogue),
		cmocka_unit_test(test_dhcp_server_change_quiet),
		cmocka_unit_test(test_dhcp_rogue_after_starvation),
		cmocka_unit_test(test_dhcp_rogue_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
