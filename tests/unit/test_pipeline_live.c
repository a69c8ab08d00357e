/* test_pipeline_live.c - the pipeline's live-mode and store hooks: time
 * advancing without packets, periodic store flushes (devices, stats rows),
 * stats events with the live block, restoring devices from a store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "pipeline/pipeline.h"
#include "sim/sim_internal.h"

#include "unit/tmpdir.h"

#define S 1000000000ull
#define T0 1700000000000000000ull

static const uint8_t dev_mac[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t gw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/* One UDP packet from the device 192.168.1.10 to 8.8.8.8:53 at ts. */
static void feed(struct pipeline *pl, uint64_t ts, uint16_t sport)
{
	uint8_t f[256];
	struct sim_l3 h;
	struct cap_pkt cp;

	memset(&h, 0, sizeof(h));
	memcpy(h.smac, dev_mac, 6);
	memcpy(h.dmac, gw_mac, 6);
	h.sip = 0xc0a8010a;
	h.dip = 0x08080808;
	h.ttl = 64;
	size_t n = sim_build_udp4(f, sizeof(f), &h, sport, 53, "abcd", 4);
	assert_true(n > 0);
	cp.ts_ns = ts;
	cp.caplen = (uint32_t)n;
	cp.wirelen = (uint32_t)n;
	cp.data = f;
	pipeline_packet(pl, 1 /* DLT_EN10MB */, &cp);
}

static void small_config(struct pipeline_config *cfg)
{
	pipeline_config_default(cfg);
	cfg->proto.ndpi = 0;
	cfg->anom.enabled = 0;
}

/* A TCP SYN from the device to 192.168.1.20:dport at ts (no answer). */
static void feed_syn(struct pipeline *pl, uint64_t ts, uint16_t dport)
{
	uint8_t f[256];
	struct sim_l3 h;
	struct sim_tcph t;
	struct cap_pkt cp;

	memset(&h, 0, sizeof(h));
	memset(&t, 0, sizeof(t));
	memcpy(h.smac, dev_mac, 6);
	memcpy(h.dmac, gw_mac, 6);
	h.sip = 0xc0a8010a;
	h.dip = 0xc0a80114;
	h.ttl = 64;
	t.sport = 40000;
	t.dport = dport;
	t.flags = 0x02;
	t.win = 1024;
	size_t n = sim_build_tcp4(f, sizeof(f), &h, &t, NULL, 0);
	assert_true(n > 0);
	cp.ts_ns = ts;
	cp.caplen = (uint32_t)n;
	cp.wirelen = (uint32_t)n;
	cp.data = f;
	pipeline_packet(pl, 1 /* DLT_EN10MB */, &cp);
}

/* Counts the reports at episodes' ends (progress reports aside). */
static void count_alert(const struct alert *a, const struct alert_device *d,
    void *ud)
{
	(void)d;
	if (!a->ongoing)
		++*(unsigned *)ud;
}

static long count_lines_with(const char *path, const char *needle)
{
	char line[1 << 16];
	long n = 0;
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, needle))
			n++;
	fclose(fp);
	return n;
}

static void test_advance_expires_flows(void **state)
{
	(void)state;
	char path[128], err[512];
	struct pipeline_config cfg;

	snprintf(path, sizeof(path), "%s/adv.json", dir);
	struct eve *ev = eve_open(path, err, sizeof(err));
	assert_non_null(ev);
	small_config(&cfg);
	struct pipeline *pl = pipeline_new(&cfg, ev, err, sizeof(err));
	assert_non_null(pl);
	feed(pl, T0, 40000);
	assert_int_equal(pipeline_flow_stats(pl)->active, 1);
	/* below the UDP idle timeout: the flow stays */
	pipeline_advance(pl, T0 + 30 * S);
	assert_int_equal(pipeline_flow_stats(pl)->active, 1);
	assert_int_equal(pipeline_last_ts(pl), T0 + 30 * S);
	/* past it: ended by timeout, without any packet */
	pipeline_advance(pl, T0 + 200 * S);
	assert_int_equal(pipeline_flow_stats(pl)->active, 0);
	assert_int_equal(pipeline_flow_stats(pl)->ended_timeout, 1);
	/* only forward */
	pipeline_advance(pl, T0 + 10 * S);
	assert_int_equal(pipeline_last_ts(pl), T0 + 200 * S);
	assert_int_equal(pipeline_cap_stats(pl)->packets, 1);
	assert_int_equal(pipeline_finish(pl, err, sizeof(err)), 0);
	pipeline_free(pl);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	assert_int_equal(count_lines_with(path, "\"event_type\":\"flow\""), 1);
	/* offline: no live block in the final stats event */
	assert_int_equal(count_lines_with(path, "\"live\""), 0);
}

/* A port scan and then silence: advancing time alone closes the scan's
 * episode and writes its alert (a quiet network must not hold alerts
 * back until the next packet). */
static void test_advance_closes_episodes(void **state)
{
	(void)state;
	char path[128], err[512];
	struct pipeline_config cfg;
	unsigned alerts = 0;

	snprintf(path, sizeof(path), "%s/adv2.json", dir);
	struct eve *ev = eve_open(path, err, sizeof(err));
	assert_non_null(ev);
	small_config(&cfg);
	struct pipeline *pl = pipeline_new(&cfg, ev, err, sizeof(err));
	assert_non_null(pl);
	assert_int_equal(pipeline_listen_alerts(pl, count_alert, &alerts), 0);
	for (unsigned k = 0; k < 200; k++)
		feed_syn(pl, T0 + k * (S / 100), (uint16_t)(1 + k));
	assert_int_equal(alerts, 0);	/* the episode is still open */
	pipeline_advance(pl, T0 + 10 * S);
	assert_int_equal(alerts, 0);	/* not quiet for long enough yet */
	pipeline_advance(pl, T0 + 600 * S);
	assert_int_equal(alerts, 1);
	assert_int_equal(pipeline_finish(pl, err, sizeof(err)), 0);
	assert_int_equal(alerts, 1);	/* nothing left to close */
	pipeline_free(pl);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	/* the episode's opening report and its complete one */
	assert_int_equal(count_lines_with(path, "\"category\":\"scan\""), 2);
	assert_int_equal(count_lines_with(path, "\"ongoing\":true"), 1);
}

static int count_rows(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void fake_live(struct live_stats *out, void *ud)
{
	(*(int *)ud)++;
	out->uptime_s = 7;
	out->kernel_drops = 3;
}

static struct store *open_store(const char *db)
{
	struct store_config sc;
	char err[512];

	store_config_default(&sc);
	sc.path = db;
	sc.threaded = 0;
	struct store *st = store_open(&sc, err, sizeof(err));
	assert_non_null(st);
	return st;
}

static void test_store_hooks(void **state)
{
	(void)state;
	char path[128], db[128], err[512];
	struct pipeline_config cfg;
	int live_calls = 0;

	snprintf(path, sizeof(path), "%s/hooks.json", dir);
	snprintf(db, sizeof(db), "%s/hooks.db", dir);
	struct eve *ev = eve_open(path, err, sizeof(err));
	assert_non_null(ev);
	struct store *st = open_store(db);
	small_config(&cfg);
	cfg.store = st;
	cfg.store_source = "test";
	cfg.live_fn = fake_live;
	cfg.live_ud = &live_calls;
	struct pipeline *pl = pipeline_new(&cfg, ev, err, sizeof(err));
	assert_non_null(pl);

	feed(pl, T0, 40000);		/* opens the run */
	feed(pl, T0 + 1 * S, 40001);
	/* nothing is committed before the flush interval */
	assert_int_equal(count_rows(db, "SELECT count(*) FROM devices"), 0);
	feed(pl, T0 + (STORE_FLUSH_S + 1) * S, 40002);
	int ndev = (int)dev_count(pipeline_devices(pl));
	assert_true(ndev >= 1);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM devices"), ndev);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM runs"), 1);
	/* a quiet network still flushes as time advances */
	pipeline_stats_event(pl);
	assert_int_equal(live_calls, 1);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM stats"), 0);
	pipeline_advance(pl, T0 + (3 * STORE_FLUSH_S + 1) * S);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM stats"), 1);
	/* periodic stats rows by packet time (STORE_STATS_S) */
	pipeline_advance(pl, T0 + (STORE_STATS_S + 2 * STORE_FLUSH_S) * S);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM stats"), 2);

	assert_int_equal(pipeline_finish(pl, err, sizeof(err)), 0);
	assert_int_equal(live_calls, 3);	/* event, periodic, final */
	pipeline_free(pl);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	assert_int_equal(store_close(st, err, sizeof(err)), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM stats"), 3);
	assert_int_equal(count_rows(db,
	    "SELECT count(*) FROM runs WHERE ts_end IS NOT NULL"), 1);
	/* both stats events in EVE carry the live block */
	assert_int_equal(count_lines_with(path, "\"live\":{\"uptime_s\":7,"
	    "\"kernel_drops\":3,"), 2);
}

static void test_restore(void **state)
{
	(void)state;
	char db[128], err[512];
	struct pipeline_config cfg;
	struct pl_restore pr;

	/* a store with one device, from the test before's kind of run */
	snprintf(db, sizeof(db), "%s/restore.db", dir);
	struct store *st = open_store(db);
	small_config(&cfg);
	cfg.store = st;
	struct pipeline *pl = pipeline_new(&cfg, NULL, err, sizeof(err));
	assert_non_null(pl);
	feed(pl, T0, 40000);
	feed(pl, T0 + 2 * S, 40001);
	assert_int_equal(pipeline_finish(pl, err, sizeof(err)), 0);
	size_t ndev = dev_count(pipeline_devices(pl));
	assert_true(ndev >= 1);
	pipeline_free(pl);

	/* a restart: the device is back before any packet */
	small_config(&cfg);
	pl = pipeline_new(&cfg, NULL, err, sizeof(err));
	assert_non_null(pl);
	assert_int_equal(dev_count(pipeline_devices(pl)), 0);
	assert_int_equal(pipeline_restore(pl, st, &pr, err, sizeof(err)), 0);
	assert_int_equal(pr.restored, ndev);
	assert_int_equal(pr.bad, 0);
	assert_int_equal(dev_count(pipeline_devices(pl)), ndev);
	pipeline_free(pl);
	assert_int_equal(store_close(st, err, sizeof(err)), 0);

	/* a damaged row is skipped and counted, the good one restored */
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "INSERT INTO devices SELECT "
	    "'zz:bad', mac, ip, vendor, class, model, name, first_seen, "
	    "last_seen, json, X'00FF00' FROM devices LIMIT 1", NULL, NULL,
	    NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	st = open_store(db);
	pl = pipeline_new(&cfg, NULL, err, sizeof(err));
	assert_non_null(pl);
	assert_int_equal(pipeline_restore(pl, st, &pr, err, sizeof(err)), 0);
	assert_int_equal(pr.restored, ndev);
	assert_int_equal(pr.bad, 1);
	assert_non_null(strstr(pr.first_bad, "zz:bad"));
	pipeline_free(pl);
	assert_int_equal(store_close(st, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_advance_expires_flows),
		cmocka_unit_test(test_advance_closes_episodes),
		cmocka_unit_test(test_store_hooks),
		cmocka_unit_test(test_restore),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
