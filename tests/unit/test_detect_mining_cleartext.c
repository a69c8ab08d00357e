/* test_detect_mining_cleartext.c - the mining and cleartext/weak-crypto
 * checks through the detect API, with hand-filled app metadata. */
#include "detect_harness.h"

static void stratum(struct rig *r, uint64_t ts, uint32_t fcli, uint32_t fsrv,
    uint16_t port, int to_server, const char *method, int from_server)
{
	struct app_meta m;
	memset(&m, 0, sizeof(m));
	m.kind = APP_STRATUM;
	snprintf(m.u.stratum.method, sizeof(m.u.stratum.method), "%s", method);
	snprintf(m.u.stratum.agent, sizeof(m.u.stratum.agent), "%s",
	    from_server ? "" : "xmrig/6.21.0");
	m.u.stratum.from_server = (uint8_t)from_server;
	rig_app_pkt(r, ts, fcli, fsrv, port, to_server, &m);
}

static const uint32_t DEV = IP4(192, 168, 1, 60), POOL = IP4(198, 51, 100, 7);

/* ---- mining ------------------------------------------------------------- */

static void test_mining_internal(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "mining", NULL);
	stratum(&r, T0, DEV, POOL, 3333, 1, "mining.subscribe", 0);
	stratum(&r, T0 + NS, DEV, POOL, 3333, 1, "mining.authorize", 0);
	stratum(&r, T0 + 2 * NS, DEV, POOL, 3333, 0, "mining.notify", 1);
	stratum(&r, T0 + 60 * NS, DEV, POOL, 3333, 1, "mining.submit", 0);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	struct alert *a = &r.got.a[0];
	assert_int_equal(a->category, ALERT_CAT_CRYPTOMINING);
	assert_int_equal(a->severity, 1);
	assert_string_equal(a->mitre, "T1496");
	assert_int_equal(a->count, 4);
	rig_assert_addr(&a->src, "192.168.1.60");
	rig_assert_addr(&a->dst, "198.51.100.7");
	assert_int_equal(a->dest_port, 3333);
	assert_non_null(strstr(a->text, "subscribe,authorize,submit"));
	assert_non_null(strstr(a->text, "xmrig"));
}

static void test_mining_midstream_external(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "mining", NULL);
	/* the capture began mid-connection: the flow's "client" is the pool;
	 * the miner is still the side sending the calls */
	stratum(&r, T0, POOL, IP4(147, 229, 13, 222), 49307, 0, "eth_getWork",
	    0);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	rig_assert_addr(&r.got.a[0].src, "147.229.13.222");
	rig_assert_addr(&r.got.a[0].dst, "198.51.100.7");
	assert_int_equal(r.got.a[0].severity, 2);	/* not one of ours */
}

static void test_mining_notify_names_miner(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "mining", NULL);
	/* only the pool's notifications, even with a parser flag saying
	 * "from the client": the method names the pool as the sender */
	stratum(&r, T0, DEV, POOL, 3333, 0, "mining.notify", 0);
	stratum(&r, T0 + NS, DEV, POOL, 3333, 0, "mining.set_difficulty", 0);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	rig_assert_addr(&r.got.a[0].src, "192.168.1.60");
	assert_int_equal(r.got.a[0].dest_port, 3333);
}

static void test_pool_port_alone_quiet(void **state)
{
	(void)state;
	struct rig r;
	struct flow f;

	rig_open(&r, "mining", NULL);
	/* an hour-long two-way session to port 3333 without Stratum */
	rig_flow(&f, DEV, 40000, POOL, 3333, 6);
	f.start_ns = T0;
	f.last_ns = T0 + 3600 * NS;
	f.pkts_toserver = f.pkts_toclient = 500;
	f.payload_ts = f.payload_tc = 50000;
	detect_flow_end(r.d, &f);
	rig_close(&r, T0 + 7200 * NS);
	assert_int_equal(r.got.n, 0);
}

static void test_mining_two_episodes(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "mining", NULL);
	stratum(&r, T0, DEV, POOL, 3333, 1, "mining.subscribe", 0);
	/* back two hours later (idle limit one hour): a second episode */
	stratum(&r, T0 + 7200 * NS, DEV, POOL, 3333, 1, "mining.subscribe",
	    0);
	rig_close(&r, T0 + 8000 * NS);
	assert_int_equal(r.got.n, 2);
}

/* ---- cleartext ---------------------------------------------------------- */

static void login(struct rig *r, uint64_t ts, uint32_t cli, uint32_t srv,
    uint16_t port, uint8_t lp, const char *user, int secret, int dflt)
{
	struct app_meta m;
	memset(&m, 0, sizeof(m));
	m.kind = APP_LOGIN;
	m.u.login.proto = lp;
	m.u.login.outcome = LOGIN_ATTEMPT;
	m.u.login.secret_seen = (uint8_t)secret;
	m.u.login.default_cred = (uint8_t)dflt;
	snprintf(m.u.login.user, sizeof(m.u.login.user), "%s", user);
	rig_app_pkt(r, ts, cli, srv, port, 1, &m);
}

static void test_cleartext_outbound(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "cleartext", NULL);
	/* a camera uploads by FTP to a server outside, twice */
	login(&r, T0, DEV, POOL, 21, LOGIN_FTP, "cam01", 1, 0);
	login(&r, T0 + 60 * NS, DEV, POOL, 21, LOGIN_FTP, "cam01", 1, 0);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	struct alert *a = &r.got.a[0];
	assert_int_equal(a->category, ALERT_CAT_CLEARTEXT_CREDENTIALS);
	assert_int_equal(a->sid, 2300);
	assert_int_equal(a->severity, 2);
	assert_int_equal(a->count, 2);
	assert_string_equal(a->signature,
	    "Cleartext credentials (FTP, user 'cam01')");
	rig_assert_addr(&a->src, "192.168.1.60");
	assert_int_equal(a->dest_port, 21);
}

static void test_cleartext_default_from_outside(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "cleartext", NULL);
	login(&r, T0, IP4(203, 0, 113, 5), DEV, 23, LOGIN_TELNET, "root", 1,
	    1);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].sid, 2301);
	assert_int_equal(r.got.a[0].severity, 1);
	/* the device concerned is ours, the login target */
	assert_int_equal(r.got.a[0].device_side, ALERT_SIDE_DST);
	assert_non_null(strstr(r.got.a[0].signature, "user 'root'"));
}

static void test_cleartext_quiet_and_lan(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "cleartext", NULL);
	/* no secret, anonymous FTP: nothing */
	login(&r, T0, DEV, POOL, 21, LOGIN_FTP, "bob", 0, 0);
	login(&r, T0, DEV, POOL, 21, LOGIN_FTP, "anonymous", 1, 0);
	/* the phone logs in to a plug's web UI with its default password
	 * inside the LAN: low severity; then again the same day after a
	 * long pause: still one alert */
	login(&r, T0, IP4(192, 168, 1, 30), DEV, 10000, LOGIN_HTTP_BASIC,
	    "admin", 1, 1);
	login(&r, T0 + 3600 * NS, IP4(192, 168, 1, 30), DEV, 10000,
	    LOGIN_HTTP_BASIC, "admin", 1, 1);
	rig_close(&r, T0 + 4 * 3600 * NS);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].severity, 3);
	assert_int_equal(r.got.a[0].sid, 2301);
}

static void server_hello(struct rig *r, uint64_t ts, uint32_t cli,
    uint32_t srv, uint16_t version, uint16_t cipher, int weak)
{
	struct app_meta m;
	memset(&m, 0, sizeof(m));
	m.kind = APP_TLS_SERVER_HELLO;
	m.u.tls.version = version;
	m.u.tls.cipher = cipher;
	m.u.tls.weak_cipher = (uint8_t)weak;
	rig_app_pkt(r, ts, cli, srv, 443, 0, &m);
}

static void test_weak_tls(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "cleartext", NULL);
	/* TLS 1.2 / 1.3 with good suites: nothing */
	server_hello(&r, T0, DEV, POOL, 0x0303, 0xc02f, 0);
	server_hello(&r, T0, DEV, POOL, 0x0304, 0x1301, 0);
	/* TLS 1.0 with three servers, and RC4: one finding for the device */
	for (unsigned i = 0; i < 3; i++)
		server_hello(&r, T0 + i * NS, DEV, IP4(52, 0, 0, 1 + i), 0x0301,
		    0x002f, 0);
	server_hello(&r, T0 + 5 * NS, DEV, IP4(52, 0, 0, 9), 0x0303, 0x0005,
	    1);
	/* another device only with TLS 1.2: nothing */
	server_hello(&r, T0, IP4(192, 168, 1, 61), POOL, 0x0303, 0xc02f, 0);
	rig_close(&r, T0 + 100 * NS);
	assert_int_equal(r.got.n, 1);
	struct alert *a = &r.got.a[0];
	assert_int_equal(a->category, ALERT_CAT_WEAK_CRYPTO);
	assert_int_equal(a->severity, 3);
	assert_int_equal(a->sid, 2310);
	assert_int_equal(a->count, 4);
	assert_string_equal(a->signature, "Obsolete TLS 1.0 negotiated");
	assert_non_null(strstr(a->text, "4 servers"));
	assert_non_null(strstr(a->text, "weak cipher"));
	rig_assert_addr(&a->src, "192.168.1.60");
	rig_assert_addr(&a->dst, "52.0.0.1");
}

/* Obsolete TLS every 30 s for 10 min, one episode going on: severity 3,
 * so no progress report, and the one at its end is still written (a
 * progress report must not use up the key's daily alert). */
static void test_weak_tls_going_on(void **state)
{
	(void)state;
	struct rig r;

	rig_open(&r, "cleartext", NULL);
	for (unsigned i = 0; i <= 20; i++)
		server_hello(&r, T0 + i * 30 * NS, DEV, IP4(52, 0, 0, 1),
		    0x0301, 0x002f, 0);
	rig_close(&r, T0 + 2000 * NS);
	assert_int_equal(r.got.ongoing, 0);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].category, ALERT_CAT_WEAK_CRYPTO);
	assert_int_equal(r.got.a[0].count, 21);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mining_internal),
		cmocka_unit_test(test_mining_midstream_external),
		cmocka_unit_test(test_mining_notify_names_miner),
		cmocka_unit_test(test_pool_port_alone_quiet),
		cmocka_unit_test(test_mining_two_episodes),
		cmocka_unit_test(test_cleartext_outbound),
		cmocka_unit_test(test_cleartext_default_from_outside),
		cmocka_unit_test(test_cleartext_quiet_and_lan),
		cmocka_unit_test(test_weak_tls),
		cmocka_unit_test(test_weak_tls_going_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
