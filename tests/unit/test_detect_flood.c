/* test_detect_flood.c - the flood check (src/detect/check_flood.c) on
 * simulator-built traffic: SYN, UDP and ICMP floods, spoofed sources,
 * reflection (UDP amplifier responses, unsolicited SYN-ACKs), TCP floods
 * outside any handshake, connection floods, GRE floods, IP fragment
 * floods, an internal device taking part; quiet just below each rate, on
 * many clients' completed handshakes, on an ACK/FIN scan and its resets,
 * on connections open before the capture, on a tunnel and on large
 * datagrams a host asked for; 100,000 spoofed sources without
 * allocating. */
#include "detect_harness.h"
#include "util/alloc.h"

#define VICTIM IP4(192, 168, 1, 10)
#define EXT    IP4(203, 0, 113, 5)

/* A source address that differs for every i (spoofed). */
static uint32_t spoof(uint32_t i)
{
	return IP4(11 + (i >> 16) % 200, (i >> 8) & 0xff, i & 0xff, 7);
}

/* n SYNs in one second from n spoofed sources to VICTIM:80. */
static void syn_flood(struct th *t, uint64_t t0, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		th_tcp(t, t0 + S(1) * i / n, spoof(i), (uint16_t)(1024 + i),
		    VICTIM, 80, SIM_TH_SYN);
}

static void test_syn_flood_spoofed(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	syn_flood(t, S(1000), 1000);
	syn_flood(t, S(1001), 1000);
	th_finish(t);
	assert_int_equal(th_count(t, 1100, 1199), 1);
	const struct alert *a = th_find(t, 1100, 1100);
	assert_non_null(a);
	assert_int_equal(a->category, ALERT_CAT_FLOOD);
	assert_int_equal(a->src.family, 0);	/* spoofed: no sender named */
	assert_int_equal(a->dst.a[3], 10);
	assert_int_equal(a->dest_port, 80);
	assert_int_equal(a->device_side, ALERT_SIDE_DST);
	assert_int_equal(a->severity, 2);	/* internal victim */
	/* every SYN from the crossing of the rate on is in the episode */
	assert_true(a->count >= 1700 && a->count <= 2000);
	th_free(t);
}

static void test_syn_flood_below(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	for (unsigned s = 0; s < 5; s++)
		syn_flood(t, S(1000 + s), 290);
	th_finish(t);
	assert_int_equal(th_count(t, 1100, 1199), 0);
	th_free(t);
}

/* 400 clients a second completing their handshakes: a busy server. */
/* 400 handshakes a second completed with VICTIM:80 for 2 s: from 400
 * clients, a busy server (quiet); from one client, a connection flood
 * (an HTTP GET flood), its sender named. */
static void test_syn_completed(void **state)
{
	(void)state;
	for (unsigned one = 0; one <= 1; one++) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < 800; i++) {
			uint64_t ts = S(1000) + MS(2) * i;
			uint32_t c = one ? EXT : spoof(i);
			uint16_t sp = (uint16_t)(1024 + i);
			th_tcp(t, ts, c, sp, VICTIM, 80, SIM_TH_SYN);
			th_tcp(t, ts + 100, VICTIM, 80, c, sp,
			    SIM_TH_SYN | SIM_TH_ACK);
			th_tcp(t, ts + 200, c, sp, VICTIM, 80, SIM_TH_ACK);
		}
		th_finish(t);
		assert_int_equal(th_count(t, 1100, 1199), one);
		if (one) {
			const struct alert *a = th_find(t, 1107, 1107);
			assert_non_null(a);
			assert_int_equal(a->src.a[3], 5);	/* EXT named */
			assert_int_equal(a->dest_port, 80);
			assert_true(a->count >= 500);
		}
		th_free(t);
	}
}

/* An internal device sending 1,500 UDP packets/s to one server: a
 * botnet member, named as the source, severity 1. */
static void test_udp_flood_participant(void **state)
{
	(void)state;
	for (unsigned rate = 900; rate <= 1500; rate += 600) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < rate * 3; i++)
			th_udp(t, S(1000) + S(1) * i / rate,
			    IP4(192, 168, 1, 30), (uint16_t)(50000 + i % 999),
			    EXT, 27015, 512);
		th_finish(t);
		if (rate < 1000) {
			assert_int_equal(th_count(t, 1100, 1199), 0);
		} else {
			assert_int_equal(th_count(t, 1100, 1199), 1);
			const struct alert *a = th_find(t, 1101, 1101);
			assert_non_null(a);
			assert_int_equal(a->severity, 1);
			assert_int_equal(a->src.family, 4);
			assert_int_equal(a->src.a[3], 30);
			assert_true(a->has_src_mac);
			assert_int_equal(a->dst.a[0], 203);
			assert_int_equal(a->dest_port, 27015);
			assert_int_equal(a->device_side, ALERT_SIDE_SRC);
			assert_true(a->count >= 3000);
			assert_non_null(strstr(a->signature, "participation"));
		}
		th_free(t);
	}
}

/* Mirai's pattern: a UDP flood, then (2 s later, before the first
 * episode has idled out) a SYN flood from the same bot at the same victim:
 * two alerts, each with its own kind and count; a UDP flood followed by
 * only a few SYNs stays one alert. */
static void test_udp_then_syn_flood(void **state)
{
	(void)state;
	for (int second = 0; second <= 1; second++) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < 4500; i++)
			th_udp(t, S(1000) + S(1) * i / 1500,
			    IP4(192, 168, 1, 30), (uint16_t)(50000 + i % 999),
			    EXT, 27015, 512);
		unsigned nsyn = second ? 3000 : 20;
		for (unsigned i = 0; i < nsyn; i++)
			th_tcp(t, S(1005) + S(1) * i / 1000,
			    IP4(192, 168, 1, 30), (uint16_t)(20000 + i % 40000),
			    EXT, 80, TCP_SYN);
		th_finish(t);
		assert_int_equal(th_count(t, 1100, 1199), second ? 2 : 1);
		const struct alert *u = th_find(t, 1101, 1101);
		assert_non_null(u);
		assert_true(u->count >= 4000 && u->count <= 4500);
		if (second) {
			const struct alert *a = th_find(t, 1100, 1100);
			assert_non_null(a);
			assert_int_equal(a->src.a[3], 30);
			assert_int_equal(a->dest_port, 80);
			assert_true(a->count >= 2500 && a->count <= 3000);
			assert_true(a->ts_start >= S(1005));
		}
		th_free(t);
	}
}

/* A two-way stream at the same rate is not a flood (the target answers). */
static void test_udp_two_way_quiet(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	for (unsigned i = 0; i < 4500; i++) {
		uint64_t ts = S(1000) + S(1) * i / 1500;
		th_udp(t, ts, EXT, 443, VICTIM, 50000, 1200);
		if (i % 3 == 0)
			th_udp(t, ts + 10, VICTIM, 50000, EXT, 443, 40);
	}
	th_finish(t);
	assert_int_equal(th_count(t, 1100, 1199), 0);
	th_free(t);
}

/* An IPv4 packet of protocol proto carrying len bytes (at most 1400):
 * a fragment at byte offset off (a multiple of 8) when off or more (the
 * MF flag); otherwise whole, its first bytes where proto's header would
 * be. */
static void ip_frag(struct th *t, uint64_t ts, uint32_t sip, uint32_t dip,
    uint8_t proto, unsigned off, int more, size_t len)
{
	uint8_t f[SIM_FRAME_MAX], pl[1400];
	struct sim_l3 h;

	th_l3(&h, sip, dip);
	memset(pl, 0x41, sizeof(pl));
	assert_true(len >= 8 && len - 8 <= sizeof(pl));
	size_t n = sim_build_udp4(f, sizeof(f), &h, 4000, 5000, pl, len - 8);
	uint8_t *ip = f + 14;
	uint16_t fw = (uint16_t)((more ? 0x2000 : 0) | (off / 8));
	ip[6] = (uint8_t)(fw >> 8);
	ip[7] = (uint8_t)fw;
	ip[9] = proto;
	ip[10] = ip[11] = 0;
	uint16_t ck = sim_csum_fold(sim_csum_add(0, ip, 20));
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
	th_frame(t, ts, f, n);
}

/* An IP packet of protocol proto (GRE 47, ...) with 500 bytes. */
static void ip_proto(struct th *t, uint64_t ts, uint32_t sip, uint32_t dip,
    uint8_t proto)
{
	ip_frag(t, ts, sip, dip, proto, 0, 0, 500);
}

/* ACK, PSH-ACK and RST floods outside any handshake, 600/s for 2 s:
 * spoofed (every packet a new source), and from one source to random
 * ports with data (Mirai's ACK flood). Named, or "spoofed or
 * distributed". */
static void test_tcp_out_of_state_flood(void **state)
{
	(void)state;
	static const uint8_t flags[3] = { SIM_TH_ACK,
	    SIM_TH_ACK | SIM_TH_PSH, SIM_TH_RST };
	for (unsigned one = 0; one <= 1; one++)
		for (unsigned k = 0; k < 3; k++) {
			struct th *t = th_new(NULL);
			for (unsigned i = 0; i < 1200; i++)
				th_tcp_data(t, S(1000) + S(2) * i / 1200,
				    one ? EXT : spoof(i),
				    (uint16_t)(1024 + i),
				    VICTIM, one ? (uint16_t)(7 * i + 1) : 80,
				    flags[k], one ? 512 : 0);
			th_finish(t);
			assert_int_equal(th_count(t, 1100, 1199), 1);
			const struct alert *a = th_find(t, 1105, 1105);
			assert_non_null(a);
			assert_int_equal(a->category, ALERT_CAT_FLOOD);
			assert_int_equal(a->dst.a[3], 10);
			assert_int_equal(a->src.family, one ? 4 : 0);
			assert_true(a->count >= 900);
			th_free(t);
		}
}

/* Not floods: an ACK/FIN scan (one source, empty probes to 1,000 ports
 * in a second; the scan check's) with the scanned host's resets, and
 * 100 connections open before the capture began, talking both ways at
 * once (a busy server's first second). */
static void test_tcp_out_of_state_quiet(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	for (unsigned i = 0; i < 1000; i++) {
		uint64_t ts = S(1000) + S(1) * i / 1000;
		th_tcp_data(t, ts, EXT, 40000, VICTIM, (uint16_t)(1 + i),
		    SIM_TH_FIN, 0);
		th_tcp_data(t, ts + 100000, VICTIM, (uint16_t)(1 + i), EXT,
		    40000, SIM_TH_RST | SIM_TH_ACK, 0);
	}
	for (unsigned r = 0; r < 10; r++)
		for (unsigned i = 0; i < 100; i++) {
			uint64_t ts = S(1001) + MS(100) * r + MS(1) * i;
			th_tcp_data(t, ts, spoof(i), (uint16_t)(2000 + i),
			    VICTIM, 443, SIM_TH_ACK | SIM_TH_PSH, 300);
			th_tcp_data(t, ts + 50000, VICTIM, 443, spoof(i),
			    (uint16_t)(2000 + i), SIM_TH_ACK, 0);
		}
	th_finish(t);
	assert_int_equal(th_count(t, 1100, 1199), 0);
	th_free(t);
}

/* 2,000 GRE packets a second, one way (a GRE flood), and both ways (a
 * tunnel). */
static void test_ip_protocol_flood(void **state)
{
	(void)state;
	for (unsigned tunnel = 0; tunnel <= 1; tunnel++) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < 4000; i++) {
			uint64_t ts = S(1000) + S(2) * i / 4000;
			ip_proto(t, ts, EXT, VICTIM, 47);
			if (tunnel)
				ip_proto(t, ts + 1000, VICTIM, EXT, 47);
		}
		th_finish(t);
		assert_int_equal(th_count(t, 1100, 1199), !tunnel);
		if (!tunnel) {
			const struct alert *a = th_find(t, 1106, 1106);
			assert_non_null(a);
			assert_int_equal(a->proto, 47);
			assert_int_equal(a->src.a[3], 5);	/* named */
		}
		th_free(t);
	}
}

/* 1,200 fragments a second for 2 s that carry no transport header: the
 * rest of large UDP datagrams, spoofed and from one source, and TCP ACKs
 * cut after 16 bytes of their header (hping3 -f), spoofed. Just below
 * the rate (990/s) stays quiet. */
static void test_fragment_flood(void **state)
{
	(void)state;
	for (unsigned k = 0; k < 4; k++) {
		struct th *t = th_new(NULL);
		unsigned rate = k == 3 ? 990 : 1200;
		for (unsigned i = 0; i < 2 * rate; i++) {
			uint64_t ts = S(1000) + S(1) * i / rate;
			uint32_t src = k == 1 ? EXT : spoof(i);
			if (k == 2)
				ip_frag(t, ts, src, VICTIM, 6, 0, 1, 16);
			else
				ip_frag(t, ts, src, VICTIM, 17, 1480, 0, 1000);
		}
		th_finish(t);
		assert_int_equal(th_count(t, 1100, 1199), k < 3);
		if (k < 3) {
			const struct alert *a = th_find(t, 1108, 1108);
			assert_non_null(a);
			assert_int_equal(a->category, ALERT_CAT_FLOOD);
			assert_int_equal(a->proto, k == 2 ? 6 : 17);
			assert_int_equal(a->dst.a[3], 10);
			assert_int_equal(a->src.family, k == 1 ? 4 : 0);
			assert_true(a->count >= 1800);
			assert_non_null(strstr(a->signature,
			    "IP fragment flood"));
		}
		th_free(t);
	}
}

/* Not a flood: a host receiving 1,500 large datagrams a second that it
 * asked for (a request each, answered in a first fragment and a second
 * one), and a tunnel whose fragments go both ways. */
static void test_fragment_asked_quiet(void **state)
{
	(void)state;
	for (unsigned tunnel = 0; tunnel <= 1; tunnel++) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < 3000; i++) {
			uint64_t ts = S(1000) + S(1) * i / 1500;
			if (tunnel)
				ip_frag(t, ts, VICTIM, EXT, 17, 1480, 0, 600);
			else
				th_udp(t, ts, VICTIM, 5000, EXT, 4000, 40);
			ip_frag(t, ts + 1000, EXT, VICTIM, 17, 0, 1, 1400);
			ip_frag(t, ts + 2000, EXT, VICTIM, 17, 1400, 0, 600);
		}
		th_finish(t);
		assert_int_equal(th_count(t, 1100, 1199), 0);
		th_free(t);
	}
}

static void test_icmp_flood(void **state)
{
	(void)state;
	for (unsigned rate = 280; rate <= 600; rate += 320) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < rate * 2; i++)
			th_icmp(t, S(1000) + S(1) * i / rate, EXT, VICTIM, 8,
			    0, NULL, 0);
		th_finish(t);
		assert_int_equal(th_count(t, 1102, 1102), rate < 300 ? 0 : 1);
		if (rate >= 300) {
			const struct alert *a = th_find(t, 1102, 1102);
			assert_int_equal(a->src.a[0], 203);	/* one sender */
			assert_int_equal(a->severity, 2);
		}
		th_free(t);
	}
}

/* NTP monlist-sized answers from many reflectors to a victim that sent
 * no requests. */
static void test_reflection(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	for (unsigned i = 0; i < 800; i++)
		th_udp(t, S(1000) + MS(1) * i, spoof(i), 123, VICTIM, 4444,
		    440);
	th_finish(t);
	assert_int_equal(th_count(t, 1100, 1199), 1);
	const struct alert *a = th_find(t, 1103, 1103);
	assert_non_null(a);
	assert_string_equal(a->mitre, "T1498.002");
	assert_int_equal(a->dst.a[3], 10);
	assert_int_equal(a->src.family, 0);
	th_free(t);
}

/* The victim's own NTP queries, answered at the same rate, are not
 * a reflection attack (responses are not much larger than requests). */
static void test_reflection_own_requests_quiet(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	for (unsigned i = 0; i < 800; i++) {
		th_udp(t, S(1000) + MS(1) * i, VICTIM, (uint16_t)(20000 + i),
		    spoof(i), 123, 48);
		th_udp(t, S(1000) + MS(1) * i + 100, spoof(i), 123, VICTIM,
		    (uint16_t)(20000 + i), 48);
	}
	th_finish(t);
	assert_int_equal(th_count(t, 1100, 1199), 0);
	th_free(t);
}

static void test_synack_reflection(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	for (unsigned i = 0; i < 600; i++)
		th_tcp(t, S(1000) + MS(1) * i, spoof(i), 80, VICTIM,
		    (uint16_t)(1024 + i), SIM_TH_SYN | SIM_TH_ACK);
	th_finish(t);
	assert_int_equal(th_count(t, 1100, 1199), 1);
	assert_non_null(th_find(t, 1104, 1104));
	th_free(t);
}

/* 100,000 spoofed sources over 30 s: one alert, and the check never
 * allocates on the packet path (all allocation fails meanwhile), so its
 * memory is what detect_new() sized from the memcap. Packets go straight
 * to detect (no flow table: that is the flow module's memcap). */
static void test_spoofed_100k_bounded(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	uint8_t f[SIM_FRAME_MAX];
	struct sim_l3 h;
	struct sim_tcph tc;
	struct app_meta m;

	memset(&m, 0, sizeof(m));
	memset(&tc, 0, sizeof(tc));
	tc.dport = 80;
	tc.flags = SIM_TH_SYN;
	alloc_fail_after(0);
	for (uint32_t i = 0; i < 100000; i++) {
		uint64_t ts = S(1000) + S(30) * i / 100000;
		th_l3(&h, spoof(i), VICTIM);
		tc.sport = (uint16_t)(1024 + i % 60000);
		size_t n = sim_build_tcp4(f, sizeof(f), &h, &tc, NULL, 0);
		dec_packet(&t->ds, &t->p, DEC_LINK_ETHERNET, f, (uint32_t)n,
		    (uint32_t)n, ts);
		detect_packet(t->d, &t->p, NULL, 1, &m);
		t->last = ts;
	}
	detect_finish(t->d, t->last);
	alloc_fail_after(-1);
	assert_int_equal(th_count(t, 1100, 1199), 1);
	const struct alert *a = th_find(t, 1100, 1100);
	assert_non_null(a);
	assert_true(a->count > 95000);
	assert_non_null(strstr(a->signature, "at least"));
	th_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_flood_spoofed),
		cmocka_unit_test(test_syn_flood_below),
		cmocka_unit_test(test_syn_completed),
		cmocka_unit_test(test_udp_flood_participant),
		cmocka_unit_test(test_udp_two_way_quiet),
		cmocka_unit_test(test_udp_then_syn_flood),
		cmocka_unit_test(test_tcp_out_of_state_flood),
		cmocka_unit_test(test_tcp_out_of_state_quiet),
		cmocka_unit_test(test_ip_protocol_flood),
		cmocka_unit_test(test_fragment_flood),
		cmocka_unit_test(test_fragment_asked_quiet),
		cmocka_unit_test(test_icmp_flood),
		cmocka_unit_test(test_reflection),
		cmocka_unit_test(test_reflection_own_requests_quiet),
		cmocka_unit_test(test_synack_reflection),
		cmocka_unit_test(test_spoofed_100k_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
