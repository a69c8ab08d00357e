/* test_store.c - the SQLite store: schema and migrations, refusal of
 * foreign/newer files, round trips for every table (alert JSON equal to
 * the eve.json line), upserts, the queue memcap, retention by age and
 * size, disk-full / read-only failure and recovery, threaded == unthreaded,
 * and a reader running while the writer commits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/alert.h"
#include "output/eve.h"
#include "output/store.h"
#include "unit/tmpdir.h"

#define SEC 1000000000ull
#define T0 (1764151200ull * SEC)	/* 2025-11-26T10:00:00Z */

static char path[256];

static void fresh_path(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char side[300];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static struct store *open_store(int threaded, uint64_t alert_age,
    uint64_t dev_age, uint64_t max_bytes, size_t memcap)
{
	struct store_config cfg;
	char err[256];
	store_config_default(&cfg);
	cfg.path = path;
	cfg.threaded = threaded;
	cfg.alert_max_age_s = alert_age;
	cfg.device_max_age_s = dev_age;
	cfg.max_bytes = max_bytes;
	if (memcap)
		cfg.queue_memcap = memcap;
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

/* One integer from the file through a separate read-only connection. */
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

static void sql_exec(const char *file, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Every row of every table, in a fixed order, as text. Caller frees. */
static char *dump(const char *file)
{
	static const char *const q[] = {
		"SELECT * FROM meta ORDER BY key",
		"SELECT * FROM runs ORDER BY id",
		"SELECT * FROM devices ORDER BY key",
		"SELECT * FROM alerts ORDER BY id",
		"SELECT * FROM stats ORDER BY rowid",
		"SELECT * FROM model_snapshots ORDER BY rowid",
		"SELECT * FROM baselines ORDER BY device_key, kind",
		"PRAGMA user_version",
	};
	sqlite3 *db = NULL;
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = '\0';
	assert_int_equal(sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		sqlite3_stmt *s = NULL;
		assert_int_equal(sqlite3_prepare_v2(db, q[i], -1, &s, NULL),
		    SQLITE_OK);
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(s); c++) {
				const char *t = (const char *)
				    sqlite3_column_text(s, c);
				size_t n = (t ? strlen(t) : 4) + 2;
				while (len + n + 1 > cap) {
					cap *= 2;
					out = realloc(out, cap);
					assert_non_null(out);
				}
				len += (size_t)snprintf(out + len, cap - len,
				    "%s%c", t ? t : "NULL",
				    c + 1 < sqlite3_column_count(s) ? '|' : '\n');
			}
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return out;
}

static void make_alert(struct alert *a, uint64_t ts, uint8_t sev,
    unsigned host, const char *text)
{
	const uint8_t s4[4] = { 192, 168, 1, (uint8_t)host };
	const uint8_t d4[4] = { 10, 0, 0, 7 };
	alert_init(a, 1000 + sev, ALERT_CAT_SCAN, sev, "T1046", "scan", ts);
	a->ts_end = ts + 30 * SEC;
	a->count = 42;
	addr_set4(&a->src, s4);
	addr_set4(&a->dst, d4);
	a->dest_port = 22;
	a->proto = 6;
	a->has_src_mac = 1;
	memcpy(a->src_mac, (const uint8_t[6]){ 2, 0, 0, 0, 0, (uint8_t)host },
	    6);
	alert_signature(a, "Port scan from host %u", host);
	alert_text(a, "%s", text);
	alert_kv_num(a, "ports", 120);
	alert_kv_num(a, "threshold", 100);
	alert_kv_num(a, "rate", 12.345);
	alert_kv_str(a, "note", "quote \" and \\ and \x01");
}

static void make_dev(struct alert_device *d, unsigned host)
{
	memset(d, 0, sizeof(*d));
	d->known = 1;
	snprintf(d->mac, sizeof(d->mac), "02:00:00:00:00:%02x", host);
	snprintf(d->ip, sizeof(d->ip), "192.168.1.%u", host);
	snprintf(d->vendor, sizeof(d->vendor), "Acme");
	snprintf(d->cls, sizeof(d->cls), "camera");
	snprintf(d->name, sizeof(d->name), "cam-%u", host);
}

static void put_device(struct store *st, unsigned host, uint64_t first,
    uint64_t last, const char *json)
{
	char key[32], ip[32];
	snprintf(key, sizeof(key), "02:00:00:00:00:%02x", host);
	snprintf(ip, sizeof(ip), "192.168.1.%u", host);
	struct store_device d = {
		.key = key, .mac = key, .ip = ip, .vendor = "Acme",
		.cls = "camera", .model = NULL, .name = "",
		.first_seen = first, .last_seen = last,
		.json = json, .json_len = strlen(json),
		.state = "st\0ate", .state_len = 6,
	};
	store_put_device(st, &d);
}

/* ---- schema ------------------------------------------------------------ */

static void test_schema_create_reopen(void **state)
{
	(void)state;
	fresh_path("schema.db");
	struct store *st = open_store(0, 0, 0, 0, 0);
	close_store(st);
	assert_int_equal(sql_i64("PRAGMA user_version"), 3);
	assert_int_equal(sql_i64("PRAGMA auto_vacuum"), 2);	/* incremental */
	assert_int_equal(sql_i64("SELECT count(*) FROM meta WHERE key = 'app' "
	    "AND value = 'edgeward'"), 1);
	int64_t objs = sql_i64("SELECT count(*) FROM sqlite_master");
	assert_true(objs >= 9 + 5);	/* 9 tables + indexes */
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);

	/* reopen: a no-op migration, the same schema, WAL */
	st = open_store(1, 0, 0, 0, 0);
	close_store(st);
	assert_int_equal(sql_i64("PRAGMA user_version"), 3);
	assert_int_equal(sql_i64("SELECT count(*) FROM sqlite_master"), objs);
	assert_int_equal(sql_i64("SELECT count(*) FROM meta"), 1);
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_foreign_refused(void **state)
{
	(void)state;
	char err[256];
	struct store_config cfg;
	struct stat sb;
	char side[300];
	static const char text[] = "this is a pcap, honest\n";

	/* not SQLite at all: refused, untouched, no side files */
	fresh_path("foreign.txt");
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	store_config_default(&cfg);
	cfg.path = path;
	assert_null(store_open(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "not an edgeward store"));
	assert_null(store_open_readonly(path, err, sizeof(err)));
	assert_non_null(strstr(err, "not an edgeward store"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, (off_t)strlen(text));
	snprintf(side, sizeof(side), "%s-wal", path);
	assert_int_not_equal(access(side, F_OK), 0);

	/* a v0 SQLite database of some other program */
	fresh_path("other.db");
	sql_exec(path, "CREATE TABLE t(x); INSERT INTO t VALUES(1);");
	assert_null(store_open(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "not an edgeward store"));
	assert_int_equal(sql_i64("SELECT count(*) FROM sqlite_master"), 1);
	assert_int_equal(sql_i64("PRAGMA user_version"), 0);

	/* a versioned database without our meta row */
	fresh_path("other2.db");
	sql_exec(path, "CREATE TABLE t(x); PRAGMA user_version = 1;");
	assert_null(store_open(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "not an edgeward store"));

	/* an empty file (touch) is a new store; readers refuse it */
	fresh_path("empty.db");
	fp = fopen(path, "w");
	fclose(fp);
	assert_null(store_open_readonly(path, err, sizeof(err)));
	struct store *st = open_store(0, 0, 0, 0, 0);
	close_store(st);
	assert_int_equal(sql_i64("PRAGMA user_version"), 3);

	/* a missing file for a reader */
	fresh_path("missing.db");
	assert_null(store_open_readonly(path, err, sizeof(err)));
	assert_int_not_equal(access(path, F_OK), 0);
}

/* A store of a newer schema, and one whose schema version is negative
 * (the header field is signed; found by fuzz_store_file, it was used as
 * a migration index), are refused and left untouched. */
static void test_version_refused(void **state)
{
	static const struct {
		const char *file;
		long long version;
		const char *says;
	} cases[] = {
		{ "newer.db", 99, "newer edgeward" },
		{ "negative.db", -671088637, "not an edgeward store" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256], sql[64];
		struct store_config cfg;
		fresh_path(cases[i].file);
		struct store *st = open_store(0, 0, 0, 0, 0);
		close_store(st);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld",
		    cases[i].version);
		sql_exec(path, sql);
		store_config_default(&cfg);
		cfg.path = path;
		assert_null(store_open(&cfg, err, sizeof(err)));
		assert_non_null(strstr(err, cases[i].says));
		snprintf(sql, sizeof(sql), "%lld", cases[i].version);
		assert_non_null(strstr(err, sql));
		assert_null(store_open_readonly(path, err, sizeof(err)));
		assert_non_null(strstr(err, cases[i].says));
		/* untouched */
		assert_int_equal(sql_i64("PRAGMA user_version"),
		    cases[i].version);
	}
}

/* ---- round trips -------------------------------------------------------- */

struct collect {
	int n;
	char keys[8][32];
	char json[8][256];
	char state[8][16];
	size_t state_len[8];
	uint64_t first[8], last[8];
	char vendor[8][16];
};

static int collect_dev(const struct store_device *d, void *ud)
{
	struct collect *c = ud;
	if (c->n >= 8)
		return 1;
	snprintf(c->keys[c->n], 32, "%s", d->key);
	snprintf(c->json[c->n], 256, "%.*s", (int)d->json_len, d->json);
	snprintf(c->vendor[c->n], 16, "%s", d->vendor);
	memcpy(c->state[c->n], d->state, d->state_len < 16 ? d->state_len : 16);
	c->state_len[c->n] = d->state_len;
	c->first[c->n] = d->first_seen;
	c->last[c->n] = d->last_seen;
	c->n++;
	return 0;
}

struct alist {
	int n;
	int64_t id[64];
	uint64_t ts[64];
	int sev[64];
	char json[64][2048];
	char dev[64][32];
	char cat[64][32];
	char src[64][48];
};

static int collect_alert(const struct store_alert_row *r, void *ud)
{
	struct alist *l = ud;
	if (l->n >= 64)
		return 1;
	l->id[l->n] = r->id;
	l->ts[l->n] = r->ts_start;
	l->sev[l->n] = r->severity;
	snprintf(l->json[l->n], 2048, "%s", r->json);
	snprintf(l->dev[l->n], 32, "%s", r->device_key);
	snprintf(l->cat[l->n], 32, "%s", r->category);
	snprintf(l->src[l->n], 48, "%s", r->src_ip);
	l->n++;
	return 0;
}

static int collect_base(const char *key, const char *kind, uint64_t ts,
    const char *json, void *ud)
{
	char *out = ud;
	size_t len = strlen(out);
	snprintf(out + len, 512 - len, "%s/%s/%llu/%s;", key, kind,
	    (unsigned long long)ts, json);
	return 0;
}

static void test_roundtrip(void **state)
{
	(void)state;
	char err[256], evepath[300], line[4096];
	struct alert a;
	struct alert_device d;

	fresh_path("rt.db");
	struct store *st = open_store(0, 0, 0, 0, 0);
	store_run_begin(st, "capture.pcap", T0);
	put_device(st, 5, T0, T0 + 10 * SEC, "{\"mac\":\"02:00:00:00:00:05\"}");
	put_device(st, 3, T0, T0 + 20 * SEC, "{\"mac\":\"02:00:00:00:00:03\"}");
	make_alert(&a, T0 + 5 * SEC, 2, 5, "120 ports in 60 s (threshold 100)");
	make_dev(&d, 5);
	store_put_alert(st, &a, &d);
	store_put_stats(st, T0 + 60 * SEC, "{\"event_type\":\"stats\"}", 23);
	store_put_model(st, T0 + 61 * SEC, "/var/lib/edgeward/model.bin",
	    "detecting", 1234);
	store_put_baseline(st, "02:00:00:00:00:05", "destinations", T0,
	    "{\"n\":1}", 7);
	store_put_baseline(st, "02:00:00:00:00:05", "destinations", T0 + SEC,
	    "{\"n\":2}", 7);	/* upsert */
	store_put_baseline(st, "02:00:00:00:00:03", "ports", T0, "{}", 2);
	store_run_end(st, T0 + 99 * SEC);
	assert_int_equal(store_flush(st), 0);

	struct store_status ss;
	store_get_status(st, &ss);
	assert_int_equal(ss.rows_queued, 10);
	assert_int_equal(ss.rows_written, 10);
	assert_int_equal(ss.rows_dropped, 0);
	assert_int_equal(ss.commits, 1);
	assert_int_equal(ss.failing, 0);
	assert_true(ss.bytes > 0);

	/* the eve.json line for the same alert */
	snprintf(evepath, sizeof(evepath), "%s/eve.json", dir);
	struct eve *ev = eve_open(evepath, err, sizeof(err));
	assert_non_null(ev);
	eve_alert(ev, &a, &d);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	FILE *fp = fopen(evepath, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	line[strcspn(line, "\n")] = '\0';

	/* read back through the same (read-write) handle and read-only */
	for (int pass = 0; pass < 2; pass++) {
		struct store *rd = st;
		if (pass == 1) {
			rd = store_open_readonly(path, err, sizeof(err));
			assert_non_null(rd);
		}
		struct collect c;
		memset(&c, 0, sizeof(c));
		assert_int_equal(store_each_device(rd, collect_dev, &c), 0);
		assert_int_equal(c.n, 2);
		assert_string_equal(c.keys[0], "02:00:00:00:00:03");	/* by key */
		assert_string_equal(c.keys[1], "02:00:00:00:00:05");
		assert_string_equal(c.json[1], "{\"mac\":\"02:00:00:00:00:05\"}");
		assert_string_equal(c.vendor[1], "Acme");
		assert_int_equal(c.state_len[1], 6);
		assert_memory_equal(c.state[1], "st\0ate", 6);
		assert_int_equal(c.first[1], T0);
		assert_int_equal(c.last[1], T0 + 10 * SEC);

		struct alist *l = calloc(1, sizeof(*l));
		assert_non_null(l);
		assert_int_equal(store_each_alert(rd, NULL, collect_alert, l), 0);
		assert_int_equal(l->n, 1);
		assert_int_equal(l->id[0], 1);
		assert_int_equal(l->ts[0], T0 + 5 * SEC);
		assert_int_equal(l->sev[0], 2);
		assert_string_equal(l->cat[0], "scan");
		assert_string_equal(l->src[0], "192.168.1.5");
		assert_string_equal(l->dev[0], "02:00:00:00:00:05");
		assert_string_equal(l->json[0], line);	/* byte-identical */
		free(l);

		char base[512] = "";
		assert_int_equal(store_each_baseline(rd, collect_base, base), 0);
		char want[512];
		snprintf(want, sizeof(want), "02:00:00:00:00:03/ports/%llu/{};"
		    "02:00:00:00:00:05/destinations/%llu/{\"n\":2};",
		    (unsigned long long)T0, (unsigned long long)(T0 + SEC));
		assert_string_equal(base, want);

		uint64_t ts = 0, trained = 0;
		char mp[128], ph[32];
		assert_int_equal(store_last_model(rd, &ts, mp, sizeof(mp), ph,
		    sizeof(ph), &trained), 1);
		assert_int_equal(ts, T0 + 61 * SEC);
		assert_string_equal(mp, "/var/lib/edgeward/model.bin");
		assert_string_equal(ph, "detecting");
		assert_int_equal(trained, 1234);
		if (pass == 1) {
			/* writes on a reader are ignored, not crashes */
			store_put_stats(rd, T0, "{}", 2);
			assert_int_equal(store_flush(rd), 0);
			assert_int_equal(store_close(rd, err, sizeof(err)), 0);
		}
	}
	close_store(st);
	assert_int_equal(sql_i64("SELECT count(*) FROM runs WHERE source = "
	    "'capture.pcap' AND ts_end IS NOT NULL"), 1);
	assert_int_equal(sql_i64("SELECT run_id FROM stats"), 1);
	assert_int_equal(sql_i64("SELECT count(*) FROM baselines"), 2);
}

static void test_alert_filters(void **state)
{
	(void)state;
	struct alert a;
	struct alert_device d;
	fresh_path("filters.db");
	struct store *st = open_store(1, 0, 0, 0, 0);
	/* 6 alerts: hosts 1,2 alternating, severities 1..3, a minute apart */
	for (unsigned i = 0; i < 6; i++) {
		make_alert(&a, T0 + i * 60 * SEC, (uint8_t)(i % 3 + 1), 1 + i % 2,
		    "x");
		make_dev(&d, 1 + i % 2);
		store_put_alert(st, &a, &d);
	}
	store_flush(st);
	store_wait(st);
	struct alist *l = calloc(1, sizeof(*l));
	assert_non_null(l);
	struct store_alert_filter f = { .since_ns = T0 + 120 * SEC };
	assert_int_equal(store_each_alert(st, &f, collect_alert, l), 0);
	assert_int_equal(l->n, 4);
	assert_int_equal(l->ts[0], T0 + 120 * SEC);

	memset(l, 0, sizeof(*l));
	f = (struct store_alert_filter){ .device = "02:00:00:00:00:02" };
	assert_int_equal(store_each_alert(st, &f, collect_alert, l), 0);
	assert_int_equal(l->n, 3);	/* i = 1, 3, 5 */
	memset(l, 0, sizeof(*l));
	f = (struct store_alert_filter){ .device = "192.168.1.1" };
	assert_int_equal(store_each_alert(st, &f, collect_alert, l), 0);
	assert_int_equal(l->n, 3);

	memset(l, 0, sizeof(*l));
	f = (struct store_alert_filter){ .max_severity = 2 };
	assert_int_equal(store_each_alert(st, &f, collect_alert, l), 0);
	assert_int_equal(l->n, 4);	/* severities 1,2,1,2 */
	for (int i = 0; i < l->n; i++)
		assert_true(l->sev[i] <= 2);

	memset(l, 0, sizeof(*l));
	f = (struct store_alert_filter){ .limit = 2 };
	assert_int_equal(store_each_alert(st, &f, collect_alert, l), 0);
	assert_int_equal(l->n, 2);	/* the newest two, oldest first */
	assert_int_equal(l->id[0], 5);
	assert_int_equal(l->id[1], 6);
	uint64_t newest;
	assert_int_equal(store_newest_alert_ts(st, &newest), 0);
	assert_int_equal(newest, T0 + 300 * SEC);
	free(l);
	close_store(st);
}

static void test_device_upsert(void **state)
{
	(void)state;
	fresh_path("upsert.db");
	struct store *st = open_store(0, 0, 0, 0, 0);
	put_device(st, 7, T0, T0 + SEC, "{\"v\":1}");
	store_flush(st);
	put_device(st, 7, T0, T0 + 9 * SEC, "{\"v\":2}");
	put_device(st, 7, T0, T0 + 10 * SEC, "{\"v\":3}");
	store_flush(st);
	close_store(st);
	assert_int_equal(sql_i64("SELECT count(*) FROM devices"), 1);
	assert_int_equal(sql_i64("SELECT last_seen FROM devices"),
	    (int64_t)(T0 + 10 * SEC));
	assert_int_equal(sql_i64("SELECT json = '{\"v\":3}' FROM devices"), 1);
}

/* ---- memcap ------------------------------------------------------------ */

static void test_memcap_drop(void **state)
{
	(void)state;
	struct alert a;
	struct alert_device d;
	fresh_path("memcap.db");
	/* about 3 alert rows fit in 4 KiB (each ~1 KiB of JSON + header) */
	struct store *st = open_store(0, 0, 0, 0, 4096);
	make_dev(&d, 1);
	for (unsigned i = 0; i < 20; i++) {
		make_alert(&a, T0 + i * SEC, 2, 1, "x");
		store_put_alert(st, &a, &d);
	}
	struct store_status ss;
	store_get_status(st, &ss);
	assert_true(ss.rows_queued >= 1);
	assert_true(ss.rows_queued < 20);
	assert_int_equal(ss.rows_queued + ss.rows_dropped, 20);
	assert_true(ss.queue_bytes <= 4096);
	assert_int_equal(store_flush(st), 0);
	store_get_status(st, &ss);
	assert_int_equal(ss.queue_bytes, 0);
	assert_int_equal(ss.rows_written, ss.rows_queued);
	/* the queue is free again: the next rows are accepted */
	uint64_t dropped = ss.rows_dropped;
	make_alert(&a, T0 + 100 * SEC, 2, 1, "x");
	store_put_alert(st, &a, &d);
	store_get_status(st, &ss);
	assert_int_equal(ss.rows_dropped, dropped);
	close_store(st);
	assert_int_equal(sql_i64("SELECT count(*) FROM alerts"),
	    (int64_t)ss.rows_queued);
	/* the kept ones are the first ones, in order */
	assert_int_equal(sql_i64("SELECT min(ts_start) FROM alerts"),
	    (int64_t)T0);
}

/* ---- retention ----------------------------------------------------------- */

static void test_retention_age(void **state)
{
	(void)state;
	struct alert a;
	struct alert_device d;
	fresh_path("age.db");
	/* alerts: keep 1 h; devices: keep 1 day */
	struct store *st = open_store(0, 3600, 86400, 0, 0);
	make_dev(&d, 1);
	put_device(st, 1, T0, T0, "{}");		/* old: 2 days before */
	put_device(st, 2, T0, T0 + 47 * 3600 * SEC, "{}");	/* 1 h before */
	/* 10 alerts 20 min apart: the newest at T0 + 48 h */
	for (unsigned i = 0; i < 10; i++) {
		make_alert(&a, T0 + 48 * 3600 * SEC - (9 - i) * 1200 * SEC, 2, 1,
		    "x");
		store_put_alert(st, &a, &d);
	}
	put_device(st, 3, T0, T0 + 48 * 3600 * SEC, "{}");	/* newest */
	store_flush(st);
	struct store_status ss;
	store_get_status(st, &ss);
	assert_int_equal(ss.alerts_expired, 0);	/* not yet: every 10th */
	for (int i = 0; i < 9; i++) {		/* 9 more commits */
		store_put_stats(st, T0 + 48 * 3600 * SEC, "{}", 2);
		store_flush(st);
	}
	store_get_status(st, &ss);
	assert_int_equal(ss.retention_runs, 1);
	/* newest - 1 h = 47 h: alerts at 45h..47h40 older than 47h go:
	 * offsets 9..0 * 20 min back -> back 180..0 min: > 60 min back are
	 * i = 0..5 (180,160,...,80) -> 6 deleted, back 60 min is kept */
	assert_int_equal(ss.alerts_expired, 6);
	assert_int_equal(ss.devices_expired, 1);
	close_store(st);
	assert_int_equal(sql_i64("SELECT count(*) FROM alerts"), 4);
	assert_int_equal(sql_i64("SELECT max(ts_start) FROM alerts"),
	    (int64_t)(T0 + 48 * 3600 * SEC));
	assert_int_equal(sql_i64("SELECT min(ts_start) FROM alerts"),
	    (int64_t)(T0 + 47 * 3600 * SEC));
	assert_int_equal(sql_i64("SELECT count(*) FROM devices"), 2);
	assert_int_equal(sql_i64("SELECT count(*) FROM devices WHERE key = "
	    "'02:00:00:00:00:01'"), 0);

	/* age 0 keeps everything */
	fresh_path("age0.db");
	st = open_store(0, 0, 0, 0, 0);
	for (unsigned i = 0; i < 10; i++) {
		make_alert(&a, T0 + i * 86400 * 365 * SEC, 2, 1, "x");
		store_put_alert(st, &a, &d);
		store_flush(st);
	}
	close_store(st);
	assert_int_equal(sql_i64("SELECT count(*) FROM alerts"), 10);
}

static void test_retention_size(void **state)
{
	(void)state;
	struct alert a;
	struct alert_device d;
	char text[200];
	const uint64_t cap = 512 * 1024;
	fresh_path("size.db");
	struct store *st = open_store(1, 0, 0, cap, 0);
	make_dev(&d, 1);
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	/* ~4000 alerts of ~1 KiB: about 4 MiB unbounded */
	for (unsigned b = 0; b < 40; b++) {
		for (unsigned i = 0; i < 100; i++) {
			make_alert(&a, T0 + (b * 100 + i) * SEC, 2, 1, text);
			store_put_alert(st, &a, &d);
		}
		store_flush(st);
	}
	store_wait(st);
	struct store_status ss;
	store_get_status(st, &ss);
	assert_int_equal(ss.failing, 0);
	assert_int_equal(ss.rows_written, 4000);
	assert_true(ss.alerts_trimmed > 0);
	/* the file itself shrank back under the cap (incremental vacuum) */
	assert_true(ss.bytes <= cap + cap / 10);
	close_store(st);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_true((uint64_t)sb.st_size <= cap + cap / 10);
	int64_t n = sql_i64("SELECT count(*) FROM alerts");
	assert_true(n > 0 && n < 4000);
	assert_int_equal(n + (int64_t)ss.alerts_trimmed, 4000);
	/* the newest kept, the oldest gone, no gap in between */
	assert_int_equal(sql_i64("SELECT max(id) FROM alerts"), 4000);
	assert_int_equal(sql_i64("SELECT min(id) FROM alerts"), 4000 - n + 1);
	assert_string_equal("ok", "ok");
	assert_int_equal(sql_i64("SELECT count(*) FROM pragma_integrity_check "
	    "WHERE integrity_check = 'ok'"), 1);
}

/* ---- failures ------------------------------------------------------------ */

static void failure_run(int threaded)
{
	struct alert a;
	struct alert_device d;
	char err[256], text[600];
	struct store_status ss;
	fresh_path(threaded ? "full-t.db" : "full.db");
	struct store *st = open_store(threaded, 0, 0, 0, 0);
	make_dev(&d, 1);
	make_alert(&a, T0, 2, 1, "first");
	store_put_alert(st, &a, &d);
	store_flush(st);
	store_wait(st);
	store_get_status(st, &ss);
	assert_int_equal(ss.rows_written, 1);

	/* the disk is "full": no page can be added */
	int64_t pages = sql_i64("PRAGMA page_count");
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
	    (long long)pages);
	assert_int_equal(store_debug_exec(st, sql, err, sizeof(err)), 0);
	memset(text, 'y', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	for (unsigned i = 0; i < 200; i++) {
		make_alert(&a, T0 + (i + 1) * SEC, 2, 1, text);
		store_put_alert(st, &a, &d);
	}
	store_flush(st);			/* must not abort or block */
	store_wait(st);
	store_get_status(st, &ss);
	assert_int_equal(ss.failing, 1);
	assert_int_equal(ss.errors, 1);
	assert_int_equal(ss.rows_dropped, 200);
	assert_non_null(strstr(ss.last_error, "SQLITE_FULL"));
	assert_int_equal(store_flush(st), -1);	/* still failing */
	/* more traffic while failing: counted again, process carries on */
	make_alert(&a, T0 + 500 * SEC, 2, 1, text);
	for (unsigned i = 0; i < 50; i++)
		store_put_alert(st, &a, &d);
	store_flush(st);
	store_wait(st);
	store_get_status(st, &ss);
	assert_int_equal(ss.rows_dropped, 250);
	assert_int_equal(ss.errors, 2);

	/* space comes back: the next flush recovers */
	assert_int_equal(store_debug_exec(st, "PRAGMA max_page_count = "
	    "1000000", err, sizeof(err)), 0);
	make_alert(&a, T0 + 900 * SEC, 1, 1, "after");
	store_put_alert(st, &a, &d);
	store_flush(st);
	assert_int_equal(store_wait(st), 0);
	store_get_status(st, &ss);
	assert_int_equal(ss.failing, 0);
	assert_non_null(strstr(ss.last_error, "SQLITE_FULL"));	/* kept */

	/* read-only (as a read-only remount would): SQLITE_READONLY */
	assert_int_equal(store_debug_exec(st, "PRAGMA query_only = 1", err,
	    sizeof(err)), 0);
	store_put_alert(st, &a, &d);
	store_put_stats(st, T0, "{}", 2);
	store_flush(st);
	store_wait(st);
	store_get_status(st, &ss);
	assert_int_equal(ss.failing, 1);
	assert_int_equal(ss.rows_dropped, 252);
	assert_non_null(strstr(ss.last_error, "SQLITE_READONLY"));
	/* close while failing reports it */
	assert_int_equal(store_close(st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SQLITE_READONLY"));

	/* the file holds exactly the committed rows and is intact */
	assert_int_equal(sql_i64("SELECT count(*) FROM alerts"), 2);
	assert_int_equal(sql_i64("SELECT max(ts_start) FROM alerts"),
	    (int64_t)(T0 + 900 * SEC));
	assert_int_equal(sql_i64("SELECT count(*) FROM pragma_integrity_check "
	    "WHERE integrity_check = 'ok'"), 1);
}

static void test_failure_recovery(void **state)
{
	(void)state;
	failure_run(0);
	failure_run(1);
}

/* A real read-only file system: a read-only bind mount over the store's
 * directory (needs CAP_SYS_ADMIN; skipped when not permitted). A writer
 * that already has the file open keeps its descriptors (the kernel checks
 * the mount at open), so what a read-only mount does is refuse the open,
 * with a clear reason; in-process the same failure is simulated above with
 * query_only. */
static void test_readonly_mount(void **state)
{
	(void)state;
	char sub[128], cmd[1024], err[256];
	struct alert a;
	struct alert_device d;
	struct store_config cfg;
	snprintf(sub, sizeof(sub), "%s/ro", dir);
	mkdir(sub, 0755);
	snprintf(path, sizeof(path), "%s/store.db", sub);
	struct store *st = open_store(1, 0, 0, 0, 0);
	make_dev(&d, 1);
	make_alert(&a, T0, 2, 1, "x");
	store_put_alert(st, &a, &d);
	close_store(st);
	snprintf(cmd, sizeof(cmd), "mount --bind '%s' '%s' 2>/dev/null && "
	    "mount -o remount,bind,ro '%s' 2>/dev/null", sub, sub, sub);
	if (system(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "umount '%s' 2>/dev/null", sub);
		(void)!system(cmd);
		print_message("read-only mount not permitted: skipped\n");
		skip();
	}
	store_config_default(&cfg);
	cfg.path = path;
	st = store_open(&cfg, err, sizeof(err));
	char sub2[300];
	snprintf(sub2, sizeof(sub2), "%s/new.db", sub);
	cfg.path = sub2;
	char err2[256] = "";
	struct store *st2 = store_open(&cfg, err2, sizeof(err2));
	snprintf(cmd, sizeof(cmd), "umount '%s'", sub);
	assert_int_equal(system(cmd), 0);
	print_message("read-only: %s / %s\n", err, err2);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "Read-only file system"));
	assert_null(st2);
	assert_non_null(strstr(err2, "Read-only file system"));
	/* writable again: opens and writes */
	st = open_store(1, 0, 0, 0, 0);
	store_put_alert(st, &a, &d);
	close_store(st);
	assert_int_equal(sql_i64("SELECT count(*) FROM alerts"), 2);
}

/* ---- determinism and concurrency ------------------------------------------- */

static void fill(struct store *st)
{
	struct alert a;
	struct alert_device d;
	char json[64];
	store_run_begin(st, "iface:eth0", T0);
	for (unsigned b = 0; b < 25; b++) {
		for (unsigned i = 0; i < 20; i++) {
			unsigned h = 1 + (b * 7 + i) % 9;
			make_alert(&a, T0 + (b * 20 + i) * 600 * SEC,
			    (uint8_t)(1 + i % 3), h, "y");
			make_dev(&d, h);
			store_put_alert(st, &a, &d);
			snprintf(json, sizeof(json), "{\"b\":%u,\"i\":%u}", b, i);
			put_device(st, h, T0, T0 + (b * 20 + i) * 600 * SEC, json);
		}
		store_put_stats(st, T0 + b * 3600 * SEC, "{\"s\":1}", 7);
		store_put_baseline(st, "02:00:00:00:00:01", "k", T0 + b * SEC,
		    "{}", 2);
		store_flush(st);
	}
	store_put_model(st, T0, "m.bin", "learning", 5);
	store_run_end(st, T0 + 1000 * SEC);
}

static void test_threaded_equals_unthreaded(void **state)
{
	(void)state;
	char p1[300];
	/* retention on (ages and a size cap) so it runs in both */
	fresh_path("unthreaded.db");
	struct store *st = open_store(0, 24 * 3600, 30 * 3600, 200 * 1024, 0);
	fill(st);
	close_store(st);
	snprintf(p1, sizeof(p1), "%s", path);
	char *d1 = dump(p1);

	fresh_path("threaded.db");
	st = open_store(1, 24 * 3600, 30 * 3600, 200 * 1024, 0);
	fill(st);
	close_store(st);
	char *d2 = dump(path);
	assert_true(strlen(d1) > 1000);
	assert_string_equal(d1, d2);
	assert_int_equal(sql_i64("SELECT count(*) FROM alerts"),
	    sql_i64("SELECT count(*) FROM alerts"));
	assert_true(sql_i64("SELECT min(id) FROM alerts") > 1);	/* aged */
	free(d1);
	free(d2);
}

static void test_concurrent_reader(void **state)
{
	(void)state;
	char err[256];
	struct alert a;
	struct alert_device d;
	fresh_path("concurrent.db");
	struct store *st = open_store(1, 0, 0, 0, 0);
	make_dev(&d, 1);
	/* the reader opens while the writer is running */
	make_alert(&a, T0, 2, 1, "x");
	for (unsigned i = 0; i < 100; i++)
		store_put_alert(st, &a, &d);
	store_flush(st);
	store_wait(st);
	struct store *rd = store_open_readonly(path, err, sizeof(err));
	assert_non_null(rd);
	int64_t last = 0, seen_mid = 0;
	for (unsigned b = 1; b < 60; b++) {
		for (unsigned i = 0; i < 100; i++) {
			make_alert(&a, T0 + (b * 100 + i) * SEC, 2, 1, "x");
			store_put_alert(st, &a, &d);
		}
		store_flush(st);	/* no wait: the writer commits now */
		sqlite3 *db = NULL;
		sqlite3_stmt *s = NULL;
		assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
		    NULL), SQLITE_OK);
		sqlite3_busy_timeout(db, 5000);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
		    "alerts", -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		int64_t n = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		sqlite3_close(db);
		/* a reader sees whole batches only, never fewer than before */
		assert_int_equal(n % 100, 0);
		assert_true(n >= last);
		if (n < (int64_t)(b + 1) * 100)
			seen_mid++;
		last = n;
		uint64_t newest = 0;
		assert_int_equal(store_newest_alert_ts(rd, &newest), 0);
	}
	store_wait(st);
	uint64_t newest = 0;
	assert_int_equal(store_newest_alert_ts(rd, &newest), 0);
	assert_int_equal(newest, T0 + (59 * 100 + 99) * SEC);
	assert_int_equal(store_close(rd, err, sizeof(err)), 0);
	close_store(st);
	assert_int_equal(sql_i64("SELECT count(*) FROM alerts"), 6000);
	print_message("reader read while the writer still had a batch to commit: %lld of 59 times\n",
	    (long long)seen_mid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_create_reopen),
		cmocka_unit_test(test_foreign_refused),
		cmocka_unit_test(test_version_refused),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_alert_filters),
		cmocka_unit_test(test_device_upsert),
		cmocka_unit_test(test_memcap_drop),
		cmocka_unit_test(test_retention_age),
		cmocka_unit_test(test_retention_size),
		cmocka_unit_test(test_failure_recovery),
		cmocka_unit_test(test_readonly_mount),
		cmocka_unit_test(test_threaded_equals_unthreaded),
		cmocka_unit_test(test_concurrent_reader),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
