/* store_read.c - reading the store back: devices (restore, `edgeward
 * devices --store`), alerts (`edgeward alerts`), baselines, the newest
 * model snapshot. Every query holds dbmu so a read on a read-write store
 * never interleaves with a commit on the same connection. */
#include <stdio.h>
#include <string.h>

#include "output/store_int.h"

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? (const char *)t : "";
}

static uint64_t col_u64(sqlite3_stmt *s, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(s, i);
	return v < 0 ? 0 : (uint64_t)v;
}

/* Run a prepared reader: fn_row per row until it returns non-zero. */
static int each_row(struct store *st, sqlite3_stmt *s,
    int (*fn_row)(sqlite3_stmt *s, void *ctx), void *ctx)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn_row(s, ctx) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	(void)st;
	return rc == SQLITE_DONE ? 0 : -1;
}

struct dev_ctx {
	int (*fn)(const struct store_device *d, void *ud);
	void *ud;
};

static int dev_row(sqlite3_stmt *s, void *ctx)
{
	struct dev_ctx *c = ctx;
	struct store_device d;
	memset(&d, 0, sizeof(d));
	d.key = col_text(s, 0);
	d.mac = col_text(s, 1);
	d.ip = col_text(s, 2);
	d.vendor = col_text(s, 3);
	d.cls = col_text(s, 4);
	d.model = col_text(s, 5);
	d.name = col_text(s, 6);
	d.first_seen = col_u64(s, 7);
	d.last_seen = col_u64(s, 8);
	d.json = col_text(s, 9);
	d.json_len = (size_t)sqlite3_column_bytes(s, 9);
	d.state = sqlite3_column_blob(s, 10);
	d.state_len = (size_t)sqlite3_column_bytes(s, 10);
	if (!d.state)
		d.state = "";
	return c->fn(&d, c->ud);
}

int store_each_device(struct store *st,
    int (*fn)(const struct store_device *d, void *ud), void *ud)
{
	sqlite3_stmt *s = NULL;
	struct dev_ctx c = { fn, ud };
	int ret = -1;
	pthread_mutex_lock(&st->dbmu);
	if (sqlite3_prepare_v2(st->db, "SELECT key, mac, ip, vendor, class, "
	    "model, name, first_seen, last_seen, json, state FROM devices "
	    "ORDER BY key", -1, &s, NULL) == SQLITE_OK)
		ret = each_row(st, s, dev_row, &c);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

struct alert_ctx {
	int (*fn)(const struct store_alert_row *r, void *ud);
	void *ud;
};

static int alert_row(sqlite3_stmt *s, void *ctx)
{
	struct alert_ctx *c = ctx;
	struct store_alert_row r;
	r.id = sqlite3_column_int64(s, 0);
	r.ts_start = col_u64(s, 1);
	r.ts_end = col_u64(s, 2);
	r.sid = (uint32_t)col_u64(s, 3);
	r.severity = sqlite3_column_int(s, 4);
	r.category = col_text(s, 5);
	r.signature = col_text(s, 6);
	r.src_ip = col_text(s, 7);
	r.dest_ip = col_text(s, 8);
	r.device_key = col_text(s, 9);
	r.json = col_text(s, 10);
	return c->fn(&r, c->ud);
}

#define ALERT_COLS "id, ts_start, ts_end, sid, severity, category, " \
	"signature, src_ip, dest_ip, device_key, json"

int store_each_alert(struct store *st, const struct store_alert_filter *f,
    int (*fn)(const struct store_alert_row *r, void *ud), void *ud)
{
	struct store_alert_filter none;
	char where[256], sql[768];
	sqlite3_stmt *s = NULL;
	struct alert_ctx c = { fn, ud };
	int ret = -1;

	if (!f) {
		memset(&none, 0, sizeof(none));
		f = &none;
	}
	/* Fixed SQL text; every value goes through a bound parameter. */
	snprintf(where, sizeof(where), "ts_start >= ?1%s%s",
	    f->device && f->device[0] ? " AND (device_key = ?2 OR src_ip = ?2 "
	    "OR dest_ip = ?2)" : "",
	    f->max_severity > 0 ? " AND severity <= ?3" : "");
	if (f->limit)	/* the newest `limit`, still oldest first */
		snprintf(sql, sizeof(sql), "SELECT * FROM (SELECT " ALERT_COLS
		    " FROM alerts WHERE %s ORDER BY ts_start DESC, id DESC "
		    "LIMIT ?4) ORDER BY ts_start, id", where);
	else
		snprintf(sql, sizeof(sql), "SELECT " ALERT_COLS " FROM alerts "
		    "WHERE %s ORDER BY ts_start, id", where);
	pthread_mutex_lock(&st->dbmu);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, f->since_ns > INT64_MAX ? INT64_MAX :
		    (sqlite3_int64)f->since_ns);
		if (f->device && f->device[0])
			sqlite3_bind_text(s, 2, f->device, -1, SQLITE_STATIC);
		if (f->max_severity > 0)
			sqlite3_bind_int(s, 3, f->max_severity);
		if (f->limit)
			sqlite3_bind_int64(s, 4, (sqlite3_int64)f->limit);
		ret = each_row(st, s, alert_row, &c);
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

struct base_ctx {
	int (*fn)(const char *device_key, const char *kind, uint64_t ts,
	    const char *json, void *ud);
	void *ud;
};

static int base_row(sqlite3_stmt *s, void *ctx)
{
	struct base_ctx *c = ctx;
	return c->fn(col_text(s, 0), col_text(s, 1), col_u64(s, 2),
	    col_text(s, 3), c->ud);
}

int store_each_baseline(struct store *st,
    int (*fn)(const char *device_key, const char *kind, uint64_t ts,
    const char *json, void *ud), void *ud)
{
	sqlite3_stmt *s = NULL;
	struct base_ctx c = { fn, ud };
	int ret = -1;
	pthread_mutex_lock(&st->dbmu);
	if (sqlite3_prepare_v2(st->db, "SELECT device_key, kind, ts, json "
	    "FROM baselines ORDER BY device_key, kind", -1, &s, NULL) ==
	    SQLITE_OK)
		ret = each_row(st, s, base_row, &c);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

int store_newest_alert_ts(struct store *st, uint64_t *out)
{
	sqlite3_stmt *s = NULL;
	int ret = -1;
	*out = 0;
	pthread_mutex_lock(&st->dbmu);
	if (sqlite3_prepare_v2(st->db, "SELECT max(ts_start) FROM alerts", -1,
	    &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
		*out = col_u64(s, 0);
		ret = 0;
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

int store_last_model(struct store *st, uint64_t *ts, char *path,
    size_t pathlen, char *phase, size_t phaselen, uint64_t *trained)
{
	sqlite3_stmt *s = NULL;
	int ret = -1;
	pthread_mutex_lock(&st->dbmu);
	if (sqlite3_prepare_v2(st->db, "SELECT ts, path, phase, trained FROM "
	    "model_snapshots ORDER BY ts DESC, rowid DESC LIMIT 1", -1, &s,
	    NULL) == SQLITE_OK) {
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*ts = col_u64(s, 0);
			snprintf(path, pathlen, "%s", col_text(s, 1));
			snprintf(phase, phaselen, "%s", col_text(s, 2));
			*trained = col_u64(s, 3);
			ret = 1;
		} else if (rc == SQLITE_DONE) {
			ret = 0;
		}
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}
