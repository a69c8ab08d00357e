/* test_detect_beacon.c - the beaconing check through the detect API:
 * regular connection starts fire with the period found, irregular ones,
 * too few, infrastructure ports and inside destinations stay quiet, a
 * semi-periodic (jittered) beacon is found, and periodic traffic to a
 * resolved cloud name is low severity at most once a device a day. */
#include "detect_harness.h"

/* A new connection cli -> srv:port: its first packet and, when answered,
 * the server's first reply 20 ms later (the check records answered
 * connections only). */
static void conn_probe(struct rig *r, uint64_t ts, uint32_t cli,
    uint32_t srv, uint16_t port, uint8_t proto, int answered)
{
	struct packet p;
	struct flow f;
	struct app_meta m;
	static uint16_t sport = 30000;

	memset(&m, 0, sizeof(m));
	rig_flow(&f, cli, ++sport, srv, port, proto);
	f.flow_id = ts / 1000;
	f.start_ns = f.last_ns = ts;
	f.pkts_toserver = 1;
	rig_pkt(&p, &f, ts, 1);
	detect_packet(r->d, &p, &f, 1, &m);
	if (!answered)
		return;
	f.last_ns = ts + 20000000;
	f.pkts_toclient = 1;
	rig_pkt(&p, &f, f.last_ns, 0);
	detect_packet(r->d, &p, &f, 0, &m);
}

static void conn(struct rig *r, uint64_t ts, uint32_t cli, uint32_t srv,
    uint16_t port, uint8_t proto)
{
	conn_probe(r, ts, cli, srv, port, proto, 1);
}

/* A DNS answer resolver -> cli: name has address ip. */
static void dns_answer(struct rig *r, uint64_t ts, uint32_t cli,
    const char *name, uint32_t ip)
{
	struct packet p;
	struct flow f;
	static struct app_meta m;	/* large: keep it off the stack */

	memset(&m, 0, sizeof(m));
	rig_flow(&f, cli, 5353, IP4(192, 168, 1, 1), 53, 17);
	f.pkts_toserver = 1;
	f.pkts_toclient = 1;
	rig_pkt(&p, &f, ts, 0);
	m.kind = APP_DNS;
	m.u.dns.is_response = 1;
	m.u.dns.nrr = 2;
	m.u.dns.rr[0].section = DNS_SEC_QUESTION;
	m.u.dns.rr[0].type = 1;
	snprintf(m.u.dns.rr[0].name, sizeof(m.u.dns.rr[0].name), "%s", name);
	m.u.dns.rr[1].section = DNS_SEC_ANSWER;
	m.u.dns.rr[1].type = 1;
	snprintf(m.u.dns.rr[1].name, sizeof(m.u.dns.rr[1].name), "%s", name);
	rig_ip4(&m.u.dns.rr[1].addr, ip);
	detect_packet(r->d, &p, &f, 0, &m);
}

/* Deterministic jitter in [-1, 1). */
static double wobble(unsigned i)
{
	uint32_t x = i * 2654435761u + 12345u;
	x ^= x >> 13;
	x *= 0x5bd1e995u;
	x ^= x >> 15;
	return (double)(x % 2000u) / 1000.0 - 1.0;
}

static const uint32_t DEV = IP4(192, 168, 1, 50), C2 = IP4(203, 0, 113, 77);

/* n TCP connection starts DEV -> C2:port from T0, mean + spread *
 * wobble(i + k) seconds apart; returns the time after the last. */
static uint64_t checkins(struct rig *r, unsigned n, uint16_t port,
    double mean, double spread, unsigned k)
{
	uint64_t ts = T0;

	for (unsigned i = 0; i < n; i++) {
		conn(r, ts, DEV, C2, port, 6);
		ts += (uint64_t)((mean + spread * wobble(i + k)) * 1e9);
	}
	return ts;
}

/* A scan of many hosts between check-ins (unanswered probes, as Mirai's
 * telnet sweep from the same device) must not push the heartbeat's record
 * out of the table: the beacon is still found. */
static void test_scan_does_not_evict(void **state)
{
	(void)state;
	struct rig r;
	uint64_t ts = T0;

	rig_open(&r, "beacon", NULL);
	for (int i = 0; i < 20; i++) {
		conn(&r, ts, IP4(192, 168, 1, 50), IP4(203, 0, 113, 77), 8081,
		    6);
		/* 6000 unanswered probes to distinct hosts per interval,
		 * more than the pair table holds (BEACON_MEMCAP) */
		for (uint32_t k = 0; k < 6000; k++)
			conn_probe(&r, ts + (k + 1) * 9000000ull,
			    IP4(192, 168, 1, 50), 0x0b000000u +
			    (uint32_t)i * 6000u + k, 23, 6, 0);
		ts += 60 * NS;
	}
	rig_close(&r, ts + 3600 * NS);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].dest_port, 8081);
	assert_int_equal(r.got.a[0].count, 20);
}

/* Every 60 s +- 10 %, 20 times, to an IP never resolved, port 8081. From
 * a device seen two hours before: severity 2, reported while it went on
 * and at its end. From the device's first sight it is what the device
 * has always done as far as the sensor knows: severity 3, at its end. */
static void test_periodic_fires(void **state)
{
	(void)state;
	for (int seen = 1; seen >= 0; seen--) {
		struct rig r;

		rig_open(&r, "beacon", NULL);
		if (seen)
			conn(&r, T0 - 7200 * NS, DEV, IP4(192, 168, 1, 1), 80,
			    6);
		uint64_t ts = checkins(&r, 20, 8081, 60.0, 6.0, 0);
		/* 19 min: a progress report of severity 2 */
		assert_int_equal(r.got.ongoing, seen);
		rig_close(&r, ts + 3600 * NS);
		assert_int_equal(r.got.ongoing, seen);
		assert_int_equal(r.got.n, 1);
		struct alert *a = &r.got.a[0];
		assert_int_equal(a->category, ALERT_CAT_C2_BEACON);
		assert_int_equal(a->sid, 2101);
		assert_int_equal(a->severity, seen ? 2 : 3);
		assert_int_equal(a->count, 20);
		assert_int_equal(a->dest_port, 8081);
		rig_assert_addr(&a->src, "192.168.1.50");
		rig_assert_addr(&a->dst, "203.0.113.77");
		assert_string_equal(a->kv[1].key, "period_seconds");
		assert_true(a->kv[1].num > 54 && a->kv[1].num < 66);
		assert_true(a->ts_start == T0);
		assert_true(!strstr(a->text, "new after the device's first "
		    "hour") == !seen);
	}
}

/* A beacon from the device's first sight that goes on (an implant older
 * than the sensor never stops), in a live sensor: severity 3, so nothing
 * is written while it has gone on for less than an hour; then a progress
 * report is. Its end report is that day's second severity-3 alert of
 * the device: held back by the budget. */
static void test_first_sight_reported_after_an_hour(void **state)
{
	(void)state;
	for (unsigned n = 50; n <= 80; n += 30) {
		struct rig r;

		rig_open(&r, "beacon", NULL);
		alert_sink_set_live(r.sink, 1);
		uint64_t ts = checkins(&r, n, 8081, 60.0, 6.0, 0);
		assert_int_equal(r.got.ongoing, n == 80);
		rig_close(&r, ts + 3600 * NS);
		assert_int_equal(r.got.n, n == 50);
		if (n == 50)
			assert_int_equal(r.got.a[0].severity, 3);
	}
}

static void test_semiperiodic_fires(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "beacon", NULL);
	/* like beacon-semiperiodic.pcap: every 2.0 .. 3.8 s, 22 times */
	uint64_t ts = checkins(&r, 22, 443, 2.9, 0.9, 100);
	rig_close(&r, ts + 3600 * NS);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].count, 22);
	assert_int_equal(r.got.a[0].severity, 3);	/* common port */
}

static void test_irregular_quiet(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "beacon", NULL);
	/* intervals 5 .. 115 s: a person browsing, not a timer */
	uint64_t ts = checkins(&r, 30, 8081, 60.0, 55.0, 7);
	rig_close(&r, ts + 3600 * NS);
	assert_int_equal(r.got.n, 0);
}

static void test_too_few_quiet(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "beacon", NULL);
	/* 7 exact repetitions: one short of the minimum */
	for (unsigned i = 0; i < 7; i++)
		conn(&r, T0 + i * 60 * NS, DEV, C2, 8081, 6);
	rig_close(&r, T0 + 7200 * NS);
	assert_int_equal(r.got.n, 0);
}

static void test_infrastructure_quiet(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "beacon", NULL);
	for (unsigned i = 0; i < 40; i++) {
		uint64_t ts = T0 + i * 64 * NS;
		conn(&r, ts, DEV, IP4(129, 6, 15, 28), 123, 17); /* NTP */
		conn(&r, ts + NS, DEV, IP4(8, 8, 8, 8), 53, 17); /* DNS */
		/* polling the hub inside the home */
		conn(&r, ts + 2 * NS, DEV, IP4(192, 168, 1, 2), 8080, 6);
		/* parallel connections of one check-in count once */
		conn(&r, ts + 3 * NS, DEV, C2, 9000, 6);
		conn(&r, ts + 3 * NS + NS / 10, DEV, C2, 9000, 6);
	}
	rig_close(&r, T0 + 5000 * NS);
	/* only the C2 pair, with 40 check-ins rather than 80 */
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].dest_port, 9000);
	assert_int_equal(r.got.a[0].count, 40);
}

static void test_cloud_heartbeat_low_once_a_day(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "beacon", NULL);
	/* a lock's MQTT heartbeat to its vendor cloud, names resolved, the
	 * cloud's address rotating: one destination, severity 3 */
	dns_answer(&r, T0, DEV, "a1b2c3.iot.example-cloud.com",
	    IP4(52, 1, 2, 3));
	dns_answer(&r, T0, DEV, "telemetry.example-cloud.com",
	    IP4(52, 9, 9, 9));
	for (unsigned i = 0; i < 30; i++) {
		uint64_t ts = T0 + NS + i * 300 * NS;
		if (i == 15)
			dns_answer(&r, ts - NS / 2, DEV,
			    "a1b2c3.iot.example-cloud.com", IP4(52, 1, 2, 4));
		conn(&r, ts, DEV, i < 15 ? IP4(52, 1, 2, 3) : IP4(52, 1, 2, 4),
		    8883, 6);
		conn(&r, ts + 30 * NS, DEV, IP4(52, 9, 9, 9), 443, 6);
	}
	rig_close(&r, T0 + 20000 * NS);
	/* two periodic destinations, one low-severity alert that day */
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].severity, 3);
	assert_int_equal(r.got.a[0].sid, 2100);
	assert_int_equal(r.got.a[0].count, 30);
	assert_non_null(strstr(r.got.a[0].signature, "example-cloud.com"));
}

static void test_flood_not_beacon(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "beacon", NULL);
	/* a device taking part in a flood opens 50 connections a second to
	 * one target for a minute: every second looks like a "check-in" */
	for (unsigned i = 0; i < 3000; i++)
		conn(&r, T0 + i * (NS / 50), DEV, C2, 27015, 17);
	rig_close(&r, T0 + 3600 * NS);
	assert_int_equal(r.got.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_periodic_fires),
		cmocka_unit_test(test_first_sight_reported_after_an_hour),
		cmocka_unit_test(test_semiperiodic_fires),
		cmocka_unit_test(test_irregular_quiet),
		cmocka_unit_test(test_too_few_quiet),
		cmocka_unit_test(test_infrastructure_quiet),
		cmocka_unit_test(test_cloud_heartbeat_low_once_a_day),
		cmocka_unit_test(test_flood_not_beacon),
		cmocka_unit_test(test_scan_does_not_evict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
