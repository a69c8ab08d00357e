/* test_quarantine.c - the quarantine rules and records: durations, MAC/IP
 * validation (injection attempts refused), refusal of the gateway / DHCP
 * / DNS servers / the sensor's own addresses / unknown devices, the
 * store's quarantine and policy_log tables (who/when/why, release,
 * expiry), and schema v3: a v2 file migrates when opened read-write and
 * reads as "no quarantines" when opened read-only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/store.h"
#include "policy/quarantine.h"
#include "unit/tmpdir.h"

static char path[256];

static void fresh_path(const char *name)
{
	char side[300];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static struct store *open_rw(void)
{
	struct store_config cfg;
	char err[256];
	store_config_default(&cfg);
	cfg.path = path;
	cfg.threaded = 0;
	struct store *st = store_open(&cfg, err, sizeof(err));
	if (!st)
		fail_msg("store_open: %s", err);
	return st;
}

static void close_store(struct store *st)
{
	char err[256];
	assert_int_equal(store_close(st, err, sizeof(err)), 0);
}

static void put_dev(struct store *st, const char *key, const char *ip,
    const char *json)
{
	struct store_device d;
	memset(&d, 0, sizeof(d));
	d.key = key;
	d.mac = strchr(key, ':') && strlen(key) == 17 ? key : "";
	d.ip = ip;
	d.cls = "camera";
	d.first_seen = 1;
	d.last_seen = 2;
	d.json = json;
	d.json_len = strlen(json);
	d.state = json;
	d.state_len = strlen(json);
	store_put_device(st, &d);
}

/* A store with a gateway, a camera, a plug, and a device keyed by IP. */
static struct store *populated(const char *name)
{
	fresh_path(name);
	struct store *st = open_rw();
	put_dev(st, "02:00:00:00:00:01", "192.168.1.1",
	    "{\"mac\":\"02:00:00:00:00:01\",\"ips\":[\"192.168.1.1\","
	    "\"fd00::1\"],\"roles\":[\"gateway\",\"dhcp-server\","
	    "\"dns-server\"]}");
	put_dev(st, "02:00:00:00:00:10", "192.168.1.10",
	    "{\"mac\":\"02:00:00:00:00:10\",\"ips\":[\"192.168.1.10\","
	    "\"fd00::10\"],\"roles\":[]}");
	put_dev(st, "02:00:00:00:00:11", "192.168.1.11",
	    "{\"mac\":\"02:00:00:00:00:11\",\"ips\":[\"192.168.1.11\"]}");
	put_dev(st, "02:00:00:00:00:53", "192.168.1.53",
	    "{\"mac\":\"02:00:00:00:00:53\",\"ips\":[\"192.168.1.53\"],"
	    "\"roles\":[\"dns-server\"]}");
	/* shares the gateway's IP (a stale record, a proxy-ARP box) */
	put_dev(st, "02:00:00:00:00:12", "192.168.1.1",
	    "{\"mac\":\"02:00:00:00:00:12\",\"ips\":[\"192.168.1.1\"]}");
	put_dev(st, "192.168.1.77", "192.168.1.77", "{\"ips\":[]}");
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(store_wait(st), 0);
	return st;
}

static int64_t sql_i64(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void sql_exec(const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* ---- pure rules ---------------------------------------------------------- */

static void test_duration(void **state)
{
	(void)state;
	char err[160];
	uint64_t s = 0;
	assert_int_equal(quar_parse_duration("30m", &s, err, sizeof(err)), 0);
	assert_int_equal(s, 1800);
	assert_int_equal(quar_parse_duration("2h", &s, err, sizeof(err)), 0);
	assert_int_equal(s, 7200);
	assert_int_equal(quar_parse_duration("1d", &s, err, sizeof(err)), 0);
	assert_int_equal(s, 86400);
	assert_int_equal(quar_parse_duration("1w", &s, err, sizeof(err)), 0);
	assert_int_equal(s, 604800);
	assert_int_equal(quar_parse_duration("90s", &s, err, sizeof(err)), 0);
	assert_int_equal(s, 90);
	assert_int_equal(quar_parse_duration("45", &s, err, sizeof(err)), 0);
	assert_int_equal(s, 45);
	assert_int_equal(quar_parse_duration("366d", &s, err, sizeof(err)), 0);
	static const char *const bad[] = { "", "0", "0m", "367d", "-1h", "1x",
	    "h", "1h30m", "1 h", "1h ", "99999999999s", "1.5h", "+1h", NULL };
	for (int i = 0; bad[i]; i++) {
		s = 12345;
		assert_int_equal(quar_parse_duration(bad[i], &s, err,
		    sizeof(err)), -1);
		assert_int_equal(s, 12345);
		assert_non_null(strstr(err, "duration"));
	}
	assert_int_equal(quar_parse_duration(NULL, &s, err, sizeof(err)), -1);
}

static void test_validators(void **state)
{
	(void)state;
	char mac[MAC_STRLEN], ip[ADDR_STRLEN], key[QUAR_KEY_MAX];
	int fam = 0;
	assert_int_equal(quar_norm_mac("AA:bb:CC:dd:EE:f0", mac), 0);
	assert_string_equal(mac, "aa:bb:cc:dd:ee:f0");
	assert_int_equal(quar_norm_mac("02-00-00-00-00-0A", mac), 0);
	assert_string_equal(mac, "02:00:00:00:00:0a");
	assert_int_equal(quar_norm_ip("192.168.1.5", ip, &fam), 0);
	assert_string_equal(ip, "192.168.1.5");
	assert_int_equal(fam, 4);
	assert_int_equal(quar_norm_ip("FD00:0:0::0001", ip, &fam), 0);
	assert_string_equal(ip, "fd00::1");
	assert_int_equal(fam, 6);
	assert_int_equal(quar_norm_key("192.168.1.77", key), 0);
	assert_string_equal(key, "192.168.1.77");

	/* injection into nft syntax, and addresses that make no sense */
	static const char *const badmac[] = { "ff:ff:ff:ff:ff:ff",
	    "01:00:5e:00:00:01", "00:00:00:00:00:00", "aa:bb:cc:dd:ee",
	    "aa:bb:cc:dd:ee:ff }", "aa:bb:cc:dd:ee:f\n", "aa:bb-cc:dd:ee:ff",
	    "aa:bb:cc:dd:ee:fg", "aa:bb:cc:dd:ee:ff;", "", NULL };
	for (int i = 0; badmac[i]; i++)
		assert_int_equal(quar_norm_mac(badmac[i], mac), -1);
	assert_int_equal(quar_norm_mac(NULL, mac), -1);
	static const char *const badip[] = { "1.2.3.4 }", "1.2.3.4; flush ruleset",
	    "1.2.3.4\nflush ruleset", "10.0.0.0/8", "fe80::1%eth0", "0.0.0.0",
	    "255.255.255.255", "224.0.0.1", "ff02::1", "::", " 1.2.3.4",
	    "1.2.3", "01.2.3.4", "1.2.3.4.5", "example.com", "", NULL };
	for (int i = 0; badip[i]; i++)
		assert_int_equal(quar_norm_ip(badip[i], ip, NULL), -1);
	assert_int_equal(quar_norm_key("'; DROP TABLE quarantine; --", key), -1);

	char out[4][ADDR_STRLEN];
	assert_int_equal(quar_split_ips("192.168.1.1  fd00::1 x; 1.2.3.4/8 "
	    "192.168.1.1 10.0.0.9", out, 4), 3);
	assert_string_equal(out[0], "192.168.1.1");
	assert_string_equal(out[1], "fd00::1");
	assert_string_equal(out[2], "10.0.0.9");
}

static void test_device_and_check(void **state)
{
	(void)state;
	struct quar_device d;
	struct quar_addrs own, prot;
	char why[256];
	static const char gw[] = "{\"ips\":[\"192.168.1.1\"],\"roles\":"
	    "[\"gateway\"]}";
	struct store_device row;
	memset(&row, 0, sizeof(row));
	row.key = "02:00:00:00:00:01";
	row.mac = row.key;
	row.ip = "192.168.1.1";
	row.json = gw;
	row.json_len = strlen(gw);
	assert_int_equal(quar_device_from_row(&row, &d), 0);
	assert_int_equal(d.roles, QUAR_ROLE_GATEWAY);
	memset(&own, 0, sizeof(own));
	assert_int_equal(quar_check(&d, &own, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "gateway"));

	static const char dhcp[] = "{\"ips\":[\"192.168.1.2\"],\"roles\":"
	    "[\"dhcp-server\"]}";
	row.json = dhcp;
	row.json_len = strlen(dhcp);
	assert_int_equal(quar_device_from_row(&row, &d), 0);
	assert_int_equal(quar_check(&d, &own, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "DHCP server"));

	/* a plain device: allowed; then the same as one of our addresses */
	static const char cam[] = "{\"ips\":[\"192.168.1.10\",\"bogus }\","
	    "\"fd00::10\"],\"roles\":[]}";
	row.key = "02:00:00:00:00:10";
	row.mac = row.key;
	row.ip = "192.168.1.10";
	row.json = cam;
	row.json_len = strlen(cam);
	assert_int_equal(quar_device_from_row(&row, &d), 0);
	assert_int_equal(d.roles, 0);
	assert_int_equal(d.nips, 2);		/* "bogus }" dropped */
	assert_string_equal(d.ips[1], "fd00::10");
	assert_int_equal(quar_check(&d, &own, NULL, why, sizeof(why)), 0);
	snprintf(own.ips[own.nips++], ADDR_STRLEN, "fd00::10");
	assert_int_equal(quar_check(&d, &own, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "this sensor"));
	memset(&own, 0, sizeof(own));
	snprintf(own.macs[own.nmacs++], MAC_STRLEN, "02:00:00:00:00:10");
	assert_int_equal(quar_check(&d, &own, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "02:00:00:00:00:10"));
	memset(&own, 0, sizeof(own));
	memset(&prot, 0, sizeof(prot));
	snprintf(prot.ips[prot.nips++], ADDR_STRLEN, "192.168.1.10");
	assert_int_equal(quar_check(&d, &own, &prot, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "gateway, DHCP or DNS"));

	/* this machine's own addresses are found and refused */
	struct quar_addrs local;
	assert_int_equal(quar_local_addrs(&local), 0);
	if (local.nips > 0) {
		memset(&d, 0, sizeof(d));
		snprintf(d.key, sizeof(d.key), "%s", local.ips[0]);
		snprintf(d.ips[0], ADDR_STRLEN, "%s", local.ips[0]);
		d.nips = 1;
		assert_int_equal(quar_check(&d, &local, NULL, why, sizeof(why)),
		    -1);
	} else {
		print_message("skipped: no non-loopback address here\n");
	}
}

/* ---- on a store ------------------------------------------------------------ */

struct qlist {
	int n;
	char keys[8][QUAR_KEY_MAX];
	char ips[8][128];
	uint64_t until[8];
	char who[8][64];
};

static int qcollect(const struct store_quarantine *q, void *ud)
{
	struct qlist *l = ud;
	if (l->n < 8) {
		snprintf(l->keys[l->n], QUAR_KEY_MAX, "%s", q->device_key);
		snprintf(l->ips[l->n], 128, "%s", q->ips);
		snprintf(l->who[l->n], 64, "%s", q->who);
		l->until[l->n] = q->until;
	}
	l->n++;
	return 0;
}

struct llist {
	int n;
	char action[16][16], key[16][QUAR_KEY_MAX], who[16][64], why[16][64];
	uint64_t ts[16];
};

static int lcollect(const struct store_policy_log_row *r, void *ud)
{
	struct llist *l = ud;
	if (l->n < 16) {
		snprintf(l->action[l->n], 16, "%s", r->action);
		snprintf(l->key[l->n], QUAR_KEY_MAX, "%s", r->device_key);
		snprintf(l->who[l->n], 64, "%s", r->who);
		snprintf(l->why[l->n], 64, "%s", r->why);
		l->ts[l->n] = r->ts;
	}
	l->n++;
	return 0;
}

static void test_actions(void **state)
{
	(void)state;
	struct store *st = populated("q.db");
	struct quar_addrs own;
	struct quar_device d;
	struct qlist ql;
	struct llist ll;
	char msg[256];
	const uint64_t now = 1800000000;

	memset(&own, 0, sizeof(own));
	snprintf(own.macs[own.nmacs++], MAC_STRLEN, "02:00:00:00:00:11");

	assert_int_equal(quar_add(st, "02:00:00:00:00:01", now, 0, "alice",
	    "x", &own, NULL, msg, sizeof(msg)), QUAR_REFUSED);
	assert_non_null(strstr(msg, "gateway"));
	assert_int_equal(quar_add(st, "02:00:00:00:00:53", now, 0, "alice",
	    "x", &own, NULL, msg, sizeof(msg)), QUAR_REFUSED);
	assert_non_null(strstr(msg, "DNS server"));
	assert_int_equal(quar_add(st, "02:00:00:00:00:11", now, 0, "alice",
	    "x", &own, NULL, msg, sizeof(msg)), QUAR_REFUSED);
	assert_non_null(strstr(msg, "this sensor"));
	assert_int_equal(quar_add(st, "02:00:00:00:00:12", now, 0, "alice",
	    "x", &own, NULL, msg, sizeof(msg)), QUAR_REFUSED);
	assert_non_null(strstr(msg, "192.168.1.1"));
	assert_int_equal(quar_add(st, "02:00:00:00:00:99", now, 0, "alice",
	    "x", &own, NULL, msg, sizeof(msg)), QUAR_UNKNOWN);
	assert_int_equal(quar_add(st, "not a mac", now, 0, "alice", "x", &own,
	    NULL, msg, sizeof(msg)), QUAR_BAD_KEY);
	/* nothing was recorded by the refusals */
	memset(&ll, 0, sizeof(ll));
	assert_int_equal(store_policy_log_each(st, NULL, 0, lcollect, &ll), 0);
	assert_int_equal(ll.n, 0);

	/* '-' separated in, the canonical key stored */
	assert_int_equal(quar_add(st, "02-00-00-00-00-10", now, 3600, "alice",
	    "beaconing to a C2", &own, &d, msg, sizeof(msg)), QUAR_OK);
	assert_string_equal(d.mac, "02:00:00:00:00:10");
	assert_int_equal(quar_add(st, "192.168.1.77", now + 5, 0, "api",
	    "", &own, NULL, msg, sizeof(msg)), QUAR_OK);

	memset(&ql, 0, sizeof(ql));
	assert_int_equal(store_quarantine_each(st, now + 10, qcollect, &ql), 0);
	assert_int_equal(ql.n, 2);
	assert_string_equal(ql.keys[0], "02:00:00:00:00:10");
	assert_string_equal(ql.ips[0], "192.168.1.10 fd00::10");
	assert_int_equal(ql.until[0], now + 3600);
	assert_string_equal(ql.who[0], "alice");
	assert_string_equal(ql.keys[1], "192.168.1.77");
	assert_string_equal(ql.ips[1], "192.168.1.77");
	assert_int_equal(ql.until[1], 0);

	/* release: logged; a second release is "not quarantined" */
	assert_int_equal(quar_release(st, "192.168.1.77", now + 20, "bob",
	    "false alarm", msg, sizeof(msg)), QUAR_OK);
	assert_int_equal(quar_release(st, "192.168.1.77", now + 21, "bob",
	    "again", msg, sizeof(msg)), QUAR_NOT_QUARANTINED);

	/* expiry: gone from the active set, one "expire" row */
	memset(&ql, 0, sizeof(ql));
	assert_int_equal(store_quarantine_each(st, now + 3599, qcollect, &ql),
	    0);
	assert_int_equal(ql.n, 1);
	memset(&ql, 0, sizeof(ql));
	assert_int_equal(store_quarantine_each(st, now + 3600, qcollect, &ql),
	    0);
	assert_int_equal(ql.n, 0);
	assert_int_equal(store_quarantine_each(st, now + 4000, qcollect, &ql),
	    0);

	memset(&ll, 0, sizeof(ll));
	assert_int_equal(store_policy_log_each(st, NULL, 0, lcollect, &ll), 0);
	assert_int_equal(ll.n, 4);
	assert_string_equal(ll.action[0], "quarantine");
	assert_string_equal(ll.why[0], "beaconing to a C2");
	assert_int_equal(ll.ts[0], now);
	assert_string_equal(ll.action[1], "quarantine");
	assert_string_equal(ll.who[1], "api");
	assert_string_equal(ll.action[2], "release");
	assert_string_equal(ll.who[2], "bob");
	assert_string_equal(ll.why[2], "false alarm");
	assert_int_equal(ll.ts[2], now + 20);
	assert_string_equal(ll.action[3], "expire");
	assert_string_equal(ll.key[3], "02:00:00:00:00:10");
	assert_int_equal(ll.ts[3], now + 3600);
	/* per device, newest-N */
	memset(&ll, 0, sizeof(ll));
	assert_int_equal(store_policy_log_each(st, "192.168.1.77", 1, lcollect,
	    &ll), 0);
	assert_int_equal(ll.n, 1);
	assert_string_equal(ll.action[0], "release");
	assert_int_equal(store_policy_log_add(st, now + 30, "mud-import",
	    "02:00:00:00:00:11", "carol", "vendor file", "url"), 0);
	assert_int_equal(sql_i64("SELECT count(*) FROM policy_log"), 5);
	close_store(st);

	/* a read-only store: expired rows are skipped, never deleted */
	st = open_rw();
	assert_int_equal(quar_add(st, "02:00:00:00:00:10", now, 60, "alice",
	    "", &own, NULL, msg, sizeof(msg)), QUAR_OK);
	close_store(st);
	char err[256];
	st = store_open_readonly(path, err, sizeof(err));
	assert_non_null(st);
	memset(&ql, 0, sizeof(ql));
	assert_int_equal(store_quarantine_each(st, now + 61, qcollect, &ql), 0);
	assert_int_equal(ql.n, 0);
	assert_int_equal(store_quarantine_release(st, "02:00:00:00:00:10",
	    now, "x", ""), -1);
	assert_int_equal(store_policy_log_add(st, now, "apply", "", "x", "",
	    ""), -1);
	close_store(st);
	assert_int_equal(sql_i64("SELECT count(*) FROM quarantine"), 1);
}

static void test_schema_v3(void **state)
{
	(void)state;
	struct qlist ql;
	struct llist ll;
	char err[256];

	/* a fresh store is v3 with both tables */
	fresh_path("v3.db");
	struct store *st = open_rw();
	close_store(st);
	assert_int_equal(sql_i64("PRAGMA user_version"), 3);
	assert_int_equal(sql_i64("SELECT count(*) FROM sqlite_master WHERE "
	    "name IN ('quarantine', 'policy_log')"), 2);

	/* make it a v2 file with data, as a v2 edgeward left it */
	st = populated("v2.db");
	close_store(st);
	sql_exec("DROP TABLE quarantine; DROP TABLE policy_log; "
	    "PRAGMA user_version = 2;");
	assert_int_equal(sql_i64("SELECT count(*) FROM sqlite_master WHERE "
	    "name = 'quarantine'"), 0);

	/* read-only: not migrated, reads as empty */
	st = store_open_readonly(path, err, sizeof(err));
	assert_non_null(st);
	memset(&ql, 0, sizeof(ql));
	memset(&ll, 0, sizeof(ll));
	assert_int_equal(store_quarantine_each(st, 1, qcollect, &ql), 0);
	assert_int_equal(store_policy_log_each(st, NULL, 0, lcollect, &ll), 0);
	assert_int_equal(ql.n + ll.n, 0);
	close_store(st);
	assert_int_equal(sql_i64("PRAGMA user_version"), 2);

	/* read-write: migrated, devices kept, the new tables work */
	st = open_rw();
	assert_int_equal(sql_i64("PRAGMA user_version"), 3);
	assert_int_equal(sql_i64("SELECT count(*) FROM devices"), 6);
	struct quar_addrs own;
	char msg[256];
	memset(&own, 0, sizeof(own));
	assert_int_equal(quar_add(st, "02:00:00:00:00:10", 100, 0, "alice",
	    "after migration", &own, NULL, msg, sizeof(msg)), QUAR_OK);
	close_store(st);
	assert_int_equal(sql_i64("SELECT count(*) FROM quarantine"), 1);
	assert_int_equal(sql_i64("SELECT count(*) FROM policy_log WHERE "
	    "action = 'quarantine' AND who = 'alice'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_validators),
		cmocka_unit_test(test_device_and_check),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_schema_v3),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
