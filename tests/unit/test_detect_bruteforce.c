/* test_detect_bruteforce.c - the brute-force check through the detect API:
 * short login sessions, failed logins, 401s, default-credential stuffing
 * and the distributed variant fire above their thresholds and stay quiet
 * just below them and on a device that reconnects now and then. */
#include "detect_harness.h"

/* A TCP login session that ended: len_s long, npkts packets. */
static void session(struct rig *r, uint64_t ts, uint32_t cli, uint32_t srv,
    uint16_t port, double len_s, unsigned npkts)
{
	struct flow f;

	rig_flow(&f, cli, 40000, srv, port, 6);
	f.flow_id = ts / 1000;
	f.start_ns = ts;
	f.last_ns = ts + (uint64_t)(len_s * 1e9);
	f.pkts_toserver = npkts / 2 + npkts % 2;
	f.pkts_toclient = npkts / 2;
	f.payload_ts = 200;
	f.payload_tc = 300;
	f.state = FLOW_STATE_CLOSED;
	f.fin_ts = f.fin_tc = 1;
	detect_flow_end(r->d, &f);
}

static void login(struct rig *r, uint64_t ts, uint32_t cli, uint32_t srv,
    uint16_t port, uint8_t lp, uint8_t outcome, const char *user, int dflt)
{
	struct app_meta m;
	memset(&m, 0, sizeof(m));
	m.kind = APP_LOGIN;
	m.u.login.proto = lp;
	m.u.login.outcome = outcome;
	m.u.login.secret_seen = outcome == LOGIN_ATTEMPT;
	m.u.login.default_cred = (uint8_t)dflt;
	snprintf(m.u.login.user, sizeof(m.u.login.user), "%s", user);
	rig_app_pkt(r, ts, cli, srv, port, outcome == LOGIN_ATTEMPT, &m);
}

static const uint32_t ATT = IP4(192, 168, 56, 1), SRV = IP4(192, 168, 56, 103);

static void test_ssh_sessions_fire(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "bruteforce", NULL);
	/* like ssh-guessing.pcap: 11 sessions of 4-10 s over 70 s */
	for (unsigned i = 0; i < 11; i++)
		session(&r, T0 + i * 6 * NS, ATT, SRV, 22, 4 + i % 6, 40);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	struct alert *a = &r.got.a[0];
	assert_int_equal(a->category, ALERT_CAT_BRUTE_FORCE);
	assert_string_equal(a->signature, "SSH brute force");
	assert_int_equal(a->sid, 2000);
	assert_string_equal(a->mitre, "T1110.001");
	rig_assert_addr(&a->src, "192.168.56.1");
	rig_assert_addr(&a->dst, "192.168.56.103");
	assert_int_equal(a->dest_port, 22);
	assert_int_equal(a->count, 11);
	/* the episode starts with the first session, not when it ended
	 * (4 s later, when it was counted) */
	assert_int_equal(a->ts_start, T0);
	assert_true(a->ts_start < a->ts_end);
	assert_true(a->severity >= 1 && a->severity <= 3);
	assert_non_null(strstr(a->text, "threshold 10"));
}

static void test_ssh_below_threshold(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "bruteforce", NULL);
	for (unsigned i = 0; i < 9; i++)
		session(&r, T0 + i * 6 * NS, ATT, SRV, 22, 5, 40);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 0);
}

static void test_benign_reconnects(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "bruteforce", NULL);
	/* an MQTT device reconnecting every minute for half an hour: never
	 * more than 5 in a window */
	for (unsigned i = 0; i < 30; i++)
		session(&r, T0 + i * 61 * NS, IP4(192, 168, 1, 20),
		    IP4(192, 168, 1, 2), 1883, 2, 10);
	/* and an admin's long SSH sessions */
	for (unsigned i = 0; i < 20; i++)
		session(&r, T0 + i * 10 * NS, IP4(192, 168, 1, 30), SRV, 22,
		    120, 500);
	/* and HTTP: short sessions are not login attempts */
	for (unsigned i = 0; i < 50; i++)
		session(&r, T0 + i * NS, IP4(192, 168, 1, 31), SRV, 80, 1, 8);
	rig_close(&r, T0 + 4000 * NS);
	assert_int_equal(r.got.n, 0);
}

static void test_ftp_failed_logins(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "bruteforce", NULL);
	for (unsigned i = 0; i < 30; i++) {
		uint64_t ts = T0 + i * 2 * NS;
		login(&r, ts, ATT, IP4(192, 168, 56, 101), 21, LOGIN_FTP,
		    LOGIN_ATTEMPT, "admin", 0);
		login(&r, ts + NS / 2, ATT, IP4(192, 168, 56, 101), 21,
		    LOGIN_FTP, LOGIN_FAILED, "", 0);
		session(&r, ts, ATT, IP4(192, 168, 56, 101), 21, 1.5, 20);
	}
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	assert_string_equal(r.got.a[0].signature, "FTP brute force");
	/* sessions, failures and attempts are one login each, not three */
	assert_int_equal(r.got.a[0].count, 30);
	assert_int_equal(r.got.a[0].dest_port, 21);
}

static void test_success_after_failures(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "bruteforce", NULL);
	for (unsigned i = 0; i < 12; i++)
		login(&r, T0 + i * NS, ATT, SRV, 21, LOGIN_FTP, LOGIN_FAILED,
		    "", 0);
	login(&r, T0 + 20 * NS, ATT, SRV, 21, LOGIN_FTP, LOGIN_OK, "", 0);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].severity, 1);
	assert_non_null(strstr(r.got.a[0].text, "succeeded"));
	assert_int_equal(r.got.a[0].count, 12);
}

static void test_default_cred_stuffing(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "bruteforce", NULL);
	/* an infected camera tries Mirai's list on an outside telnet port */
	for (unsigned i = 0; i < 12; i++)
		login(&r, T0 + i * NS, IP4(192, 168, 1, 40),
		    IP4(203, 0, 113, 9), 23, LOGIN_TELNET, LOGIN_ATTEMPT,
		    i % 2 ? "root" : "admin", 1);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].sid, 2010);
	assert_string_equal(r.got.a[0].mitre, "T1110.004");
	assert_int_equal(r.got.a[0].severity, 1);
	assert_non_null(strstr(r.got.a[0].signature, "default credentials"));
	rig_assert_addr(&r.got.a[0].src, "192.168.1.40");
}

static void test_http_401(void **state)
{
	(void)state;
	struct rig r;
	struct app_meta m;

	memset(&m, 0, sizeof(m));
	m.kind = APP_HTTP;
	m.u.http.is_response = 1;
	m.u.http.status = 401;
	rig_open(&r, "bruteforce", NULL);
	for (unsigned i = 0; i < 10; i++)
		rig_app_pkt(&r, T0 + i * NS, ATT, SRV, 8080, 0, &m);
	/* a 200 is not a failure */
	m.u.http.status = 200;
	for (unsigned i = 0; i < 10; i++)
		rig_app_pkt(&r, T0 + i * NS, IP4(192, 168, 1, 9), SRV, 8080,
		    0, &m);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	assert_string_equal(r.got.a[0].signature, "HTTP auth brute force");
	assert_int_equal(r.got.a[0].count, 10);
}

static void test_distributed(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "bruteforce", NULL);
	/* 12 sources, 3 sessions each: each far below 10, 36 in all */
	for (unsigned s = 0; s < 12; s++)
		for (unsigned i = 0; i < 3; i++)
			session(&r, T0 + (s * 3 + i) * NS,
			    IP4(198, 51, 100, 1 + s), IP4(192, 168, 1, 5), 22,
			    3, 30);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].sid, 2020);
	assert_int_equal(r.got.a[0].device_side, ALERT_SIDE_DST);
	rig_assert_addr(&r.got.a[0].dst, "192.168.1.5");
	assert_int_equal(r.got.a[0].count, 36);
}

static void test_distributed_below(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "bruteforce", NULL);
	/* 9 sources: one short of the distinct-source threshold */
	for (unsigned s = 0; s < 9; s++)
		for (unsigned i = 0; i < 5; i++)
			session(&r, T0 + (s * 5 + i) * NS,
			    IP4(198, 51, 100, 1 + s), IP4(192, 168, 1, 5), 22,
			    3, 30);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 0);
}

static void test_setting_and_episodes(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "bruteforce", "bruteforce.attempts=5");
	/* two bursts 20 min apart: two episodes */
	for (unsigned i = 0; i < 5; i++)
		session(&r, T0 + i * NS, ATT, SRV, 23, 2, 20);
	for (unsigned i = 0; i < 5; i++)
		session(&r, T0 + (1200 + i) * NS, ATT, SRV, 23, 2, 20);
	rig_close(&r, T0 + 2000 * NS);
	assert_int_equal(r.got.n, 2);
	assert_string_equal(r.got.a[0].signature, "telnet brute force");
	assert_int_equal(r.got.a[0].count, 5);
	assert_int_equal(r.got.a[1].count, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_sessions_fire),
		cmocka_unit_test(test_ssh_below_threshold),
		cmocka_unit_test(test_benign_reconnects),
		cmocka_unit_test(test_ftp_failed_logins),
		cmocka_unit_test(test_success_after_failures),
		cmocka_unit_test(test_default_cred_stuffing),
		cmocka_unit_test(test_http_401),
		cmocka_unit_test(test_distributed),
		cmocka_unit_test(test_distributed_below),
		cmocka_unit_test(test_setting_and_episodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
