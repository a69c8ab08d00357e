/* test_detect_scan.c - the scan check (src/detect/check_scan.c) on
 * simulator-built traffic: each kind of scan fires once per episode with
 * the right source, target and count, stays quiet just below its
 * threshold and on answered (ordinary) traffic, and a simulated home
 * without attacks raises nothing of severity 1-2 from scan, flood, arp,
 * dhcp or ndpi-risk. */
#include <unistd.h>

#include "capture/capture.h"
#include "detect_harness.h"
#include "tmpdir.h"

#define SCANNER IP4(192, 168, 1, 50)
#define TARGET  IP4(192, 168, 1, 20)

/* n SYNs from SCANNER to distinct hosts on port, 50 ms apart; answered
 * ones get a SYN-ACK back. */
static void sweep(struct th *t, uint64_t t0, unsigned n, uint16_t port,
    int answered)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t dst = IP4(10, 0, i / 200, 1 + i % 200);
		uint64_t ts = t0 + MS(50) * i;
		th_tcp(t, ts, SCANNER, (uint16_t)(40000 + i), dst, port,
		    SIM_TH_SYN);
		if (answered)
			th_tcp(t, ts + MS(5), dst, port, SCANNER,
			    (uint16_t)(40000 + i), SIM_TH_SYN | SIM_TH_ACK);
	}
}

static void test_horizontal_fires(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	sweep(t, S(1000), 60, 23, 0);
	th_finish(t);
	assert_int_equal(th_count(t, 1000, 1099), 1);
	const struct alert *a = th_find(t, 1012, 1012);
	assert_non_null(a);
	assert_int_equal(a->category, ALERT_CAT_SCAN);
	assert_int_equal(a->severity, 1);	/* internal scanner */
	assert_int_equal(a->src.family, 4);
	assert_int_equal(a->src.a[3], 50);
	assert_int_equal(a->dst.family, 0);	/* many targets */
	assert_int_equal(a->dest_port, 23);
	assert_int_equal(a->count, 60);
	assert_string_equal(a->mitre, "T1046");
	assert_true(a->ts_start == S(1000));
	assert_true(a->ts_end == S(1000) + MS(50) * 59);
	assert_non_null(strstr(a->text, "threshold 40"));
	th_free(t);
}

static void test_horizontal_below(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	sweep(t, S(1000), 37, 23, 0);
	th_finish(t);
	assert_int_equal(th_count(t, 1000, 1099), 0);
	th_free(t);
}

/* A busy client: sixty HTTPS connections, all answered. */
static void test_horizontal_answered_quiet(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	sweep(t, S(1000), 60, 443, 1);
	th_finish(t);
	assert_int_equal(th_count(t, 1000, 1099), 0);
	th_free(t);
}

static void test_setting_override(void **state)
{
	(void)state;
	static const char *const set[] = { "scan.horizontal_dests=10", NULL };
	struct th *t = th_new(set);
	sweep(t, S(1000), 12, 23, 0);
	th_finish(t);
	assert_int_equal(th_count(t, 1012, 1012), 1);
	th_free(t);
}

/* Two bursts an idle gap apart are two episodes; one burst is one. */
static void test_episodes(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	sweep(t, S(1000), 100, 23, 0);
	/* 2 minutes of silence (ticks come from other traffic) */
	for (unsigned i = 0; i < 120; i++)
		th_udp(t, S(1010 + i), IP4(192, 168, 1, 9), 5000,
		    IP4(192, 168, 1, 1), 53, 20);
	assert_int_equal(th_count(t, 1012, 1012), 1);	/* closed on idle */
	sweep(t, S(1200), 100, 23, 0);
	th_finish(t);
	assert_int_equal(th_count(t, 1012, 1012), 2);
	assert_int_equal(th_find(t, 1012, 1012)->count, 100);
	th_free(t);
}

/* ports probed on TARGET with flags; closed ports answer RST. */
static void vscan(struct th *t, unsigned n, uint8_t flags)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t ts = S(2000) + MS(10) * i;
		uint16_t port = (uint16_t)(1 + i * 7);
		th_tcp(t, ts, SCANNER, 55555, TARGET, port, flags);
		th_tcp(t, ts + MS(1), TARGET, port, SCANNER, 55555,
		    SIM_TH_RST | SIM_TH_ACK);
	}
}

static void test_vertical_syn(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	vscan(t, 100, SIM_TH_SYN);
	th_finish(t);
	assert_int_equal(th_count(t, 1000, 1099), 1);
	const struct alert *a = th_find(t, 1001, 1001);
	assert_non_null(a);
	assert_int_equal(a->src.a[3], 50);
	assert_int_equal(a->dst.family, 4);
	assert_int_equal(a->dst.a[3], 20);
	assert_int_equal(a->count, 100);
	assert_int_equal(a->severity, 1);
	th_free(t);
}

static void test_vertical_below(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	vscan(t, 37, SIM_TH_SYN);
	th_finish(t);
	assert_int_equal(th_count(t, 1000, 1099), 0);
	th_free(t);
}

static void test_stealth_scans(void **state)
{
	static const struct { uint8_t flags; uint32_t sid; } k[] = {
		{ SIM_TH_FIN, 1002 },
		{ 0, 1003 },				/* NULL */
		{ SIM_TH_FIN | SIM_TH_PSH | 0x20, 1004 },	/* XMAS */
		{ SIM_TH_ACK, 1005 },			/* ACK / window */
		{ SIM_TH_FIN | SIM_TH_ACK, 1006 },	/* Maimon */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct th *t = th_new(NULL);
		vscan(t, 80, k[i].flags);
		th_finish(t);
		assert_int_equal(th_count(t, 1000, 1099), 1);
		assert_non_null(th_find(t, k[i].sid, k[i].sid));
		th_free(t);
	}
}

/* nmap -b: the client gives an FTP server PORT commands, the server's
 * data connections (from port 20) probe the target; the client is named. */
static void test_ftp_bounce(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	uint8_t f[SIM_FRAME_MAX];
	struct sim_l3 h;
	struct sim_tcph tc;
	const uint32_t ftp = IP4(192, 168, 1, 25), drv = IP4(192, 168, 1, 15);

	th_tcp(t, S(1999), drv, 4270, ftp, 21, SIM_TH_SYN);
	th_tcp(t, S(1999) + 100, ftp, 21, drv, 4270, SIM_TH_SYN | SIM_TH_ACK);
	th_l3(&h, drv, ftp);
	memset(&tc, 0, sizeof(tc));
	tc.sport = 4270;
	tc.dport = 21;
	tc.flags = SIM_TH_ACK | SIM_TH_PSH;
	th_frame(t, S(1999) + 200, f, sim_build_tcp4(f, sizeof(f), &h, &tc,
	    "PORT 192,168,1,20,0,22\r\n", 24));
	for (unsigned i = 0; i < 60; i++) {
		uint64_t ts = S(2000) + MS(100) * i;
		th_tcp(t, ts, ftp, 20, TARGET, (uint16_t)(1 + i), SIM_TH_SYN);
		th_tcp(t, ts + MS(1), TARGET, (uint16_t)(1 + i), ftp, 20,
		    SIM_TH_RST | SIM_TH_ACK);
	}
	th_finish(t);
	const struct alert *a = th_find(t, 1009, 1009);
	assert_non_null(a);
	assert_int_equal(th_count(t, 1000, 1099), 1);
	assert_int_equal(a->src.a[3], 15);	/* the driver */
	assert_int_equal(a->dst.a[3], 20);	/* the target */
	assert_non_null(strstr(a->signature, "via 192.168.1.25"));
	th_free(t);
}

static void test_udp_scan(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	for (unsigned i = 0; i < 80; i++) {
		uint64_t ts = S(3000) + MS(20) * i;
		uint16_t port = (uint16_t)(100 + i);
		uint8_t quote[28];
		memset(quote, 0, sizeof(quote));
		th_udp(t, ts, SCANNER, 40000, TARGET, port, 0);
		th_icmp(t, ts + MS(1), TARGET, SCANNER, 3, 3, quote,
		    sizeof(quote));
	}
	th_finish(t);
	assert_int_equal(th_count(t, 1000, 1099), 1);
	const struct alert *a = th_find(t, 1007, 1007);
	assert_non_null(a);
	assert_int_equal(a->count, 80);
	th_free(t);
}

static void test_arp_scan(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x50 };
	(void)state;
	for (unsigned n = 37; n <= 60; n += 23) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < n; i++)
			th_arp(t, S(4000) + MS(30) * i, mac, 1, SCANNER, NULL,
			    IP4(192, 168, 1, 100 + i));
		th_finish(t);
		if (n < 40) {
			assert_int_equal(th_count(t, 1000, 1099), 0);
		} else {
			const struct alert *a = th_find(t, 1020, 1020);
			assert_non_null(a);
			assert_int_equal(th_count(t, 1000, 1099), 1);
			assert_true(a->has_src_mac);
			assert_memory_equal(a->src_mac, mac, 6);
			assert_int_equal(a->src.a[3], 50);
			assert_int_equal(a->count, n);
			assert_string_equal(a->mitre, "T1018");
			assert_non_null(strstr(a->signature,
			    "192.168.1.0/24"));
		}
		th_free(t);
	}
}

/* The router sweeping its subnet with ARP (it delivers traffic from the
 * internet, so it is the gateway) is not a scan unless asked for. */
static void test_gateway_arp_sweep(void **state)
{
	static const uint8_t gw[6] = { 0x02, 0, 0xc0, 0xa8, 0x01, 0x01 };
	static const char *const set[] = { "scan.gateway_arp=1", NULL };
	(void)state;
	for (int on = 0; on <= 1; on++) {
		struct th *t = th_new(on ? set : NULL);
		/* a web answer the router delivers from the internet */
		uint8_t f[SIM_FRAME_MAX];
		struct sim_l3 h;
		struct sim_tcph tc;
		th_l3(&h, IP4(93, 184, 216, 34), IP4(192, 168, 1, 20));
		memcpy(h.smac, gw, 6);
		memset(&tc, 0, sizeof(tc));
		tc.sport = 443;
		tc.dport = 50000;
		tc.flags = SIM_TH_ACK;
		th_frame(t, S(3999), f, sim_build_tcp4(f, sizeof(f), &h, &tc,
		    NULL, 0));
		for (unsigned i = 0; i < 60; i++)
			th_arp(t, S(4000) + MS(30) * i, gw, 1,
			    IP4(192, 168, 1, 1), NULL,
			    IP4(192, 168, 1, 100 + i));
		th_finish(t);
		assert_int_equal(th_count(t, 1020, 1020), on ? 1 : 0);
		th_free(t);
	}
}

static void test_ping_sweep(void **state)
{
	(void)state;
	for (unsigned n = 37; n <= 60; n += 23) {
		struct th *t = th_new(NULL);
		for (unsigned i = 0; i < n; i++)
			th_icmp(t, S(5000) + MS(30) * i, SCANNER,
			    IP4(192, 168, 1, 100 + i), 8, 0, NULL, 0);
		th_finish(t);
		assert_int_equal(th_count(t, 1021, 1021), n < 40 ? 0 : 1);
		th_free(t);
	}
}

/* An external scanner is medium severity, active scanning. */
static void test_external_scanner(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	for (unsigned i = 0; i < 60; i++)
		th_tcp(t, S(1000) + MS(50) * i, IP4(45, 1, 2, 3), 40000,
		    IP4(192, 168, 1, (uint8_t)(2 + i)), 22, SIM_TH_SYN);
	th_finish(t);
	const struct alert *a = th_find(t, 1010, 1010);
	assert_non_null(a);
	assert_int_equal(a->severity, 2);
	assert_string_equal(a->mitre, "T1595");
	th_free(t);
}

/* A simulated home with no attacks: nothing of severity 1-2 from the
 * scan, flood, arp, dhcp or ndpi-risk checks. */
static void test_benign_home(void **state)
{
	struct sim_opts o;
	char path[128], err[200];
	struct capture *cap;
	struct cap_pkt cp;
	(void)state;

	snprintf(path, sizeof(path), "%s/home.pcap", dir);
	sim_opts_default(&o);
	o.out = path;
	o.hours = 0.5;
	o.seed = 11;
	o.attacks = 0;
	assert_int_equal(sim_run(&o), 0);
	struct th *t = th_new(NULL);
	assert_int_equal(cap_open_file(&cap, path, err, sizeof(err)), 0);
	while (cap_next(cap, &cp) == 1)
		th_frame(t, cp.ts_ns, cp.data, cp.caplen);
	cap_close(cap);
	th_finish(t);
	for (size_t i = 0; i < t->nal; i++) {
		const struct alert *a = &t->al[i];
		if (a->sid >= 1000 && a->sid < 1500 && a->severity <= 2)
			fail_msg("benign home raised sid %u: %s", a->sid,
			    a->signature);
	}
	th_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_horizontal_fires),
		cmocka_unit_test(test_horizontal_below),
		cmocka_unit_test(test_horizontal_answered_quiet),
		cmocka_unit_test(test_setting_override),
		cmocka_unit_test(test_episodes),
		cmocka_unit_test(test_vertical_syn),
		cmocka_unit_test(test_vertical_below),
		cmocka_unit_test(test_stealth_scans),
		cmocka_unit_test(test_ftp_bounce),
		cmocka_unit_test(test_udp_scan),
		cmocka_unit_test(test_arp_scan),
		cmocka_unit_test(test_gateway_arp_sweep),
		cmocka_unit_test(test_ping_sweep),
		cmocka_unit_test(test_external_scanner),
		cmocka_unit_test(test_benign_home),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
