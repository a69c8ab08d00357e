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

/* Columns 0-9 of both device queries: key, mac, ip, vendor, class,
 * model, name, first_seen, last_seen, json. */
static void dev_cols(sqlite3_stmt *s, struct store_device *d)
{
	memset(d, 0, sizeof(*d));
	d->key = col_text(s, 0);
	d->mac = col_text(s, 1);
	d->ip = col_text(s, 2);
	d->vendor = col_text(s, 3);
	d->cls = col_text(s, 4);
	d->model = col_text(s, 5);
	d->name = col_text(s, 6);
	d->first_seen = col_u64(s, 7);
	d->last_seen = col_u64(s, 8);
	d->json = col_text(s, 9);
	d->json_len = (size_t)sqlite3_column_bytes(s, 9);
}

static int dev_row(sqlite3_stmt *s, void *ctx)
{
	struct dev_ctx *c = ctx;
	struct store_device d;
	dev_cols(s, &d);
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

/* Columns 0-10 of both alert queries: id, ts_start, ts_end, sid,
 * severity, category, signature, src_ip, dest_ip, device_key, json. */
static void alert_cols(sqlite3_stmt *s, struct store_alert_row *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->ts_start = col_u64(s, 1);
	r->ts_end = col_u64(s, 2);
	r->sid = (uint32_t)col_u64(s, 3);
	r->severity = sqlite3_column_int(s, 4);
	r->category = col_text(s, 5);
	r->signature = col_text(s, 6);
	r->src_ip = col_text(s, 7);
	r->dest_ip = col_text(s, 8);
	r->device_key = col_text(s, 9);
	r->json = col_text(s, 10);
	r->acked = r->expected = 0;
}

static int alert_row(sqlite3_stmt *s, void *ctx)
{
	struct alert_ctx *c = ctx;
	struct store_alert_row r;
	alert_cols(s, &r);
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

/* ---- readers for the HTTP API ----------------------------------------- */

/* SQLite result code -> this module's return: busy and locked are worth
 * a 503 (try again), anything else is an error. */
static int read_err(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? STORE_EBUSY : -1;
}

/* Step through s calling fn_row per row. 0 or <0. */
static int step_all(sqlite3_stmt *s, int (*fn_row)(sqlite3_stmt *s,
    void *ctx), void *ctx)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn_row(s, ctx) != 0)
			return 0;
	return rc == SQLITE_DONE ? 0 : read_err(rc);
}

static sqlite3_int64 clamp_i64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}

/* Prepare under the caller's dbmu; <0 on failure. */
static int prep(struct store *st, const char *sql, sqlite3_stmt **s)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
	return rc == SQLITE_OK ? 0 : read_err(rc);
}

/* Under the caller's dbmu: sql with ?1 bound to key, fn_row per row. */
static int step_by_key(struct store *st, const char *sql, const char *key,
    int (*fn_row)(sqlite3_stmt *s, void *ctx), void *ctx)
{
	sqlite3_stmt *s = NULL;
	int ret = prep(st, sql, &s);
	if (ret == 0) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		ret = step_all(s, fn_row, ctx);
	}
	sqlite3_finalize(s);
	return ret;
}

/* One integer from a prepared statement with its parameters bound. */
static int step_i64(sqlite3_stmt *s, int64_t *out)
{
	int rc = sqlite3_step(s);
	*out = 0;
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		return 0;
	}
	return rc == SQLITE_DONE ? 0 : read_err(rc);
}

#define DEV_API_COLS "key, mac, ip, vendor, class, model, name, " \
	"first_seen, last_seen, json, state, " \
	"CASE WHEN json_valid(json) THEN " \
	"coalesce(json_extract(json, '$.pkts'), 0) ELSE 0 END, " \
	"CASE WHEN json_valid(json) THEN " \
	"coalesce(json_extract(json, '$.bytes'), 0) ELSE 0 END"
/* Open alerts per severity: correlated subqueries on the device_key index
 * (computed in SQL so callbacks never re-enter the store under dbmu). */
#define DEV_OPEN_ACKS(sev) ", (SELECT count(*) FROM alerts a WHERE " \
	"a.device_key = devices.key AND a.severity = " #sev " AND NOT EXISTS " \
	"(SELECT 1 FROM alert_acks k WHERE k.alert_id = a.id))"
#define DEV_OPEN_NOACKS(sev) ", (SELECT count(*) FROM alerts a WHERE " \
	"a.device_key = devices.key AND a.severity = " #sev ")"

static const char *dev_open_cols(struct store *st)
{
	return store_has_table(st->db, "alert_acks") ?
	    DEV_OPEN_ACKS(1) DEV_OPEN_ACKS(2) DEV_OPEN_ACKS(3) :
	    DEV_OPEN_NOACKS(1) DEV_OPEN_NOACKS(2) DEV_OPEN_NOACKS(3);
}

static int dev_api_row(sqlite3_stmt *s, void *ctx)
{
	struct dev_ctx *c = ctx;
	struct store_device d;
	dev_cols(s, &d);
	d.state = "";
	d.pkts = col_u64(s, 11);
	d.bytes = col_u64(s, 12);
	for (int i = 0; i < 3; i++)
		d.alerts_open[i] = col_u64(s, 13 + i);
	return c->fn(&d, c->ud);
}

/* instr() on lower() of each column: a match never spans two fields. */
#define DEV_WHERE "(?1 IS NULL OR instr(lower(key), ?1) OR " \
	"instr(lower(mac), ?1) OR instr(lower(ip), ?1) OR " \
	"instr(lower(vendor), ?1) OR instr(lower(class), ?1) OR " \
	"instr(lower(model), ?1) OR instr(lower(name), ?1)) AND " \
	"(?2 IS NULL OR class = ?2)"

static void dev_bind(sqlite3_stmt *s, const struct store_device_filter *f,
    char *qlow, size_t qcap)
{
	if (f->q) {
		size_t i;
		for (i = 0; f->q[i] && i + 1 < qcap; i++)
			qlow[i] = (f->q[i] >= 'A' && f->q[i] <= 'Z') ?
			    (char)(f->q[i] - 'A' + 'a') : f->q[i];
		qlow[i] = '\0';
		sqlite3_bind_text(s, 1, qlow, -1, SQLITE_STATIC);
	}
	if (f->cls)
		sqlite3_bind_text(s, 2, f->cls, -1, SQLITE_STATIC);
}

int store_query_devices(struct store *st, const struct store_device_filter *f,
    uint64_t *total, int (*fn)(const struct store_device *d, void *ud),
    void *ud)
{
	sqlite3_stmt *s = NULL;
	struct dev_ctx c = { fn, ud };
	char qlow[256];
	int64_t n = 0;
	int ret;

	*total = 0;
	pthread_mutex_lock(&st->dbmu);
	ret = prep(st, "SELECT count(*) FROM devices WHERE " DEV_WHERE, &s);
	if (ret == 0) {
		dev_bind(s, f, qlow, sizeof(qlow));
		ret = step_i64(s, &n);
		*total = n < 0 ? 0 : (uint64_t)n;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (ret == 0) {
		char sql[2048];
		snprintf(sql, sizeof(sql), "SELECT " DEV_API_COLS "%s FROM "
		    "devices WHERE " DEV_WHERE " ORDER BY last_seen DESC, key "
		    "LIMIT ?3 OFFSET ?4", dev_open_cols(st));
		ret = prep(st, sql, &s);
	}
	if (ret == 0) {
		dev_bind(s, f, qlow, sizeof(qlow));
		sqlite3_bind_int64(s, 3, f->limit ? (sqlite3_int64)f->limit : -1);
		sqlite3_bind_int64(s, 4, (sqlite3_int64)f->offset);
		ret = step_all(s, dev_api_row, &c);
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

struct one_ctx {
	int found;
	void *inner;
	int (*row)(sqlite3_stmt *s, void *ctx);
};

static int one_row(sqlite3_stmt *s, void *ctx)
{
	struct one_ctx *o = ctx;
	o->found = 1;
	o->row(s, o->inner);
	return 1;
}

int store_get_device(struct store *st, const char *key,
    int (*fn)(const struct store_device *d, void *ud), void *ud)
{
	struct dev_ctx c = { fn, ud };
	struct one_ctx o = { 0, &c, dev_api_row };
	int ret;
	char sql[2048];
	pthread_mutex_lock(&st->dbmu);
	snprintf(sql, sizeof(sql), "SELECT " DEV_API_COLS "%s FROM devices "
	    "WHERE key = ?1", dev_open_cols(st));
	ret = step_by_key(st, sql, key, one_row, &o);
	pthread_mutex_unlock(&st->dbmu);
	return ret < 0 ? ret : o.found;
}

static int alert_api_row(sqlite3_stmt *s, void *ctx)
{
	struct alert_ctx *c = ctx;
	struct store_alert_row r;
	alert_cols(s, &r);
	r.acked = sqlite3_column_int(s, 11) != 0;
	r.expected = sqlite3_column_int(s, 12) != 0;
	return c->fn(&r, c->ud);
}

#define ALERT_A_COLS "a.id, a.ts_start, a.ts_end, a.sid, a.severity, " \
	"a.category, a.signature, a.src_ip, a.dest_ip, a.device_key, a.json"

/* The FROM clause and the acked/expected columns, with or without the
 * v2 acks table. */
static void alert_from(struct store *st, const char **cols, const char **from,
    const char **acked)
{
	if (store_has_table(st->db, "alert_acks")) {
		*cols = ALERT_A_COLS ", k.alert_id IS NOT NULL, "
		    "coalesce(k.expected, 0)";
		*from = "alerts a LEFT JOIN alert_acks k ON k.alert_id = a.id";
		*acked = "k.alert_id IS NOT NULL";
	} else {
		*cols = ALERT_A_COLS ", 0, 0";
		*from = "alerts a";
		*acked = "0";
	}
}

static void alert_bind(sqlite3_stmt *s, const struct store_alert_query *q)
{
	sqlite3_bind_int64(s, 1, clamp_i64(q->since_ns));
	sqlite3_bind_int64(s, 2, q->until_ns ? clamp_i64(q->until_ns) :
	    INT64_MAX);
	if (q->device)
		sqlite3_bind_text(s, 3, q->device, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, q->max_severity > 0 ? q->max_severity : 3);
	if (q->category)
		sqlite3_bind_text(s, 5, q->category, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, q->acked);
	sqlite3_bind_int64(s, 7, q->after_id);
}

int store_query_alerts(struct store *st, const struct store_alert_query *q,
    uint64_t *total, int (*fn)(const struct store_alert_row *r, void *ud),
    void *ud)
{
	const char *cols, *from, *acked;
	char where[512], sql[1536];
	sqlite3_stmt *s = NULL;
	struct alert_ctx c = { fn, ud };
	int64_t n = 0;
	int ret;

	*total = 0;
	pthread_mutex_lock(&st->dbmu);
	alert_from(st, &cols, &from, &acked);
	/* Fixed SQL text; every value is a bound parameter. */
	snprintf(where, sizeof(where), "a.ts_start >= ?1 AND a.ts_start <= ?2"
	    " AND (?3 IS NULL OR a.device_key = ?3 OR a.src_ip = ?3 OR"
	    " a.dest_ip = ?3) AND a.severity <= ?4"
	    " AND (?5 IS NULL OR a.category = ?5)"
	    " AND (?6 < 0 OR (%s) = ?6) AND (?7 < 0 OR a.id > ?7)", acked);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s", from,
	    where);
	ret = prep(st, sql, &s);
	if (ret == 0) {
		alert_bind(s, q);
		ret = step_i64(s, &n);
		*total = n < 0 ? 0 : (uint64_t)n;
	}
	sqlite3_finalize(s);
	s = NULL;
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s ORDER BY a.id %s"
	    " LIMIT ?8 OFFSET ?9", cols, from, where,
	    q->after_id >= 0 ? "ASC" : "DESC");
	if (ret == 0)
		ret = prep(st, sql, &s);
	if (ret == 0) {
		alert_bind(s, q);
		sqlite3_bind_int64(s, 8, q->limit ? (sqlite3_int64)q->limit : -1);
		sqlite3_bind_int64(s, 9, (sqlite3_int64)q->offset);
		ret = step_all(s, alert_api_row, &c);
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

int store_get_alert(struct store *st, int64_t id,
    int (*fn)(const struct store_alert_row *r, void *ud), void *ud)
{
	const char *cols, *from, *acked;
	char sql[512];
	sqlite3_stmt *s = NULL;
	struct alert_ctx c = { fn, ud };
	struct one_ctx o = { 0, &c, alert_api_row };
	int ret;
	pthread_mutex_lock(&st->dbmu);
	alert_from(st, &cols, &from, &acked);
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE a.id = ?1", cols,
	    from);
	ret = prep(st, sql, &s);
	if (ret == 0) {
		sqlite3_bind_int64(s, 1, id);
		ret = step_all(s, one_row, &o);
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret < 0 ? ret : o.found;
}

struct sev_ctx { uint64_t *out; };

static int sev_row(sqlite3_stmt *s, void *ctx)
{
	struct sev_ctx *c = ctx;
	int sev = sqlite3_column_int(s, 0);
	if (sev >= 1 && sev <= 3)
		c->out[sev - 1] = col_u64(s, 1);
	return 0;
}

int store_alerts_open(struct store *st, const char *device_key,
    uint64_t open[3])
{
	struct sev_ctx c = { open };
	int ret;
	open[0] = open[1] = open[2] = 0;
	pthread_mutex_lock(&st->dbmu);
	ret = step_by_key(st, store_has_table(st->db, "alert_acks") ?
	    "SELECT severity, count(*) FROM alerts WHERE device_key = ?1 AND "
	    "id NOT IN (SELECT alert_id FROM alert_acks) GROUP BY severity" :
	    "SELECT severity, count(*) FROM alerts WHERE device_key = ?1 "
	    "GROUP BY severity", device_key, sev_row, &c);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

struct bof_ctx {
	int (*fn)(const char *kind, uint64_t ts, const char *json, void *ud);
	void *ud;
};

static int bof_row(sqlite3_stmt *s, void *ctx)
{
	struct bof_ctx *c = ctx;
	return c->fn(col_text(s, 0), col_u64(s, 1), col_text(s, 2), c->ud);
}

int store_each_baseline_of(struct store *st, const char *device_key,
    int (*fn)(const char *kind, uint64_t ts, const char *json, void *ud),
    void *ud)
{
	struct bof_ctx c = { fn, ud };
	int ret;
	pthread_mutex_lock(&st->dbmu);
	ret = step_by_key(st, "SELECT kind, ts, json FROM baselines WHERE "
	    "device_key = ?1 ORDER BY kind", device_key, bof_row, &c);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

struct stats_ctx {
	int (*fn)(uint64_t ts, const char *event, const char *stats, void *ud);
	void *ud;
};

static int stats_row(sqlite3_stmt *s, void *ctx)
{
	struct stats_ctx *c = ctx;
	return c->fn(col_u64(s, 0), col_text(s, 1), col_text(s, 2), c->ud);
}

int store_newest_stats(struct store *st, int (*fn)(uint64_t ts,
    const char *event, const char *stats, void *ud), void *ud)
{
	sqlite3_stmt *s = NULL;
	struct stats_ctx c = { fn, ud };
	struct one_ctx o = { 0, &c, stats_row };
	int ret;
	pthread_mutex_lock(&st->dbmu);
	/* json_valid guard: a damaged row reads as no stats, not an error */
	ret = prep(st, "SELECT ts, json, CASE WHEN json_valid(json) THEN "
	    "json_extract(json, '$.stats') END FROM stats "
	    "ORDER BY ts DESC, rowid DESC LIMIT 1", &s);
	if (ret == 0)
		ret = step_all(s, one_row, &o);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret < 0 ? ret : o.found;
}

struct traffic_ctx {
	struct store_traffic_point *out;
	size_t max, n;
};

static int traffic_row(sqlite3_stmt *s, void *ctx)
{
	struct traffic_ctx *c = ctx;
	if (c->n >= c->max)
		return 1;
	c->out[c->n].ts = col_u64(s, 0);
	c->out[c->n].pkts = col_u64(s, 1);
	c->out[c->n].bytes = col_u64(s, 2);
	c->n++;
	return 0;
}

int store_traffic(struct store *st, const char *device_key,
    uint64_t until_ns, struct store_traffic_point *out, size_t max,
    size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct traffic_ctx c = { out, max, 0 };
	int ret = 0;
	*n = 0;
	if (max == 0)
		return 0;
	pthread_mutex_lock(&st->dbmu);
	if (store_has_table(st->db, "device_traffic")) {
		ret = prep(st, "SELECT ts, pkts, bytes FROM device_traffic "
		    "WHERE device_key = ?1 AND ts <= ?2 ORDER BY ts DESC "
		    "LIMIT ?3", &s);
		if (ret == 0) {
			sqlite3_bind_text(s, 1, device_key, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, until_ns ? clamp_i64(until_ns) :
			    INT64_MAX);
			sqlite3_bind_int64(s, 3, clamp_i64(max));
			ret = step_all(s, traffic_row, &c);
		}
		sqlite3_finalize(s);
	}
	pthread_mutex_unlock(&st->dbmu);
	/* newest first from SQL: reverse into oldest first */
	for (size_t i = 0; i < c.n / 2; i++) {
		struct store_traffic_point t = out[i];
		out[i] = out[c.n - 1 - i];
		out[c.n - 1 - i] = t;
	}
	*n = c.n;
	return ret;
}

int store_get_counts(struct store *st, struct store_counts *c)
{
	sqlite3_stmt *s = NULL;
	struct sev_ctx sc;
	int64_t v;
	int ret;
	memset(c, 0, sizeof(*c));
	sc.out = c->alerts_by_sev;
	pthread_mutex_lock(&st->dbmu);
	ret = prep(st, "SELECT count(*) FROM devices", &s);
	if (ret == 0 && (ret = step_i64(s, &v)) == 0)
		c->devices = v < 0 ? 0 : (uint64_t)v;
	sqlite3_finalize(s);
	s = NULL;
	if (ret == 0)
		ret = prep(st, "SELECT severity, count(*) FROM alerts GROUP BY "
		    "severity", &s);
	if (ret == 0)
		ret = step_all(s, sev_row, &sc);
	sqlite3_finalize(s);
	s = NULL;
	if (ret == 0)
		ret = prep(st, "SELECT count(*), coalesce(max(id), 0) FROM "
		    "alerts", &s);
	if (ret == 0) {
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			c->alerts = col_u64(s, 0);
			c->newest_alert_id = sqlite3_column_int64(s, 1);
		} else if (rc != SQLITE_DONE) {
			ret = read_err(rc);
		}
	}
	sqlite3_finalize(s);
	s = NULL;
	if (ret == 0)
		ret = prep(st, "SELECT coalesce(max(ts_start), 0) FROM alerts",
		    &s);
	if (ret == 0 && (ret = step_i64(s, &v)) == 0)
		c->newest_alert_ts = v < 0 ? 0 : (uint64_t)v;
	sqlite3_finalize(s);
	if (ret == 0)
		c->bytes = store_file_bytes(st->db);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

struct group_ctx {
	int (*fn)(const char *name, uint64_t n, void *ud);
	void *ud;
};

static int group_row(sqlite3_stmt *s, void *ctx)
{
	struct group_ctx *c = ctx;
	return c->fn(col_text(s, 0), col_u64(s, 1), c->ud);
}

static int each_group(struct store *st, const char *sql,
    int (*fn)(const char *name, uint64_t n, void *ud), void *ud)
{
	sqlite3_stmt *s = NULL;
	struct group_ctx c = { fn, ud };
	int ret;
	pthread_mutex_lock(&st->dbmu);
	ret = prep(st, sql, &s);
	if (ret == 0)
		ret = step_all(s, group_row, &c);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

int store_devices_by_class(struct store *st,
    int (*fn)(const char *cls, uint64_t n, void *ud), void *ud)
{
	return each_group(st, "SELECT class, count(*) FROM devices GROUP BY "
	    "class ORDER BY class", fn, ud);
}

int store_alerts_by_category(struct store *st,
    int (*fn)(const char *category, uint64_t n, void *ud), void *ud)
{
	return each_group(st, "SELECT category, count(*) FROM alerts GROUP BY "
	    "category ORDER BY category", fn, ud);
}

struct day_ctx {
	int (*fn)(uint64_t day, int severity, uint64_t n, void *ud);
	void *ud;
};

static int day_row(sqlite3_stmt *s, void *ctx)
{
	struct day_ctx *c = ctx;
	return c->fn(col_u64(s, 0), sqlite3_column_int(s, 1), col_u64(s, 2),
	    c->ud);
}

int store_alerts_per_day(struct store *st, uint64_t since_ns,
    int (*fn)(uint64_t day, int severity, uint64_t n, void *ud), void *ud)
{
	sqlite3_stmt *s = NULL;
	struct day_ctx c = { fn, ud };
	int ret;
	pthread_mutex_lock(&st->dbmu);
	ret = prep(st, "SELECT ts_start / 86400000000000 AS d, severity, "
	    "count(*) FROM alerts WHERE ts_start >= ?1 GROUP BY d, severity "
	    "ORDER BY d, severity", &s);
	if (ret == 0) {
		sqlite3_bind_int64(s, 1, clamp_i64(since_ns));
		ret = step_all(s, day_row, &c);
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

int store_ack_alert(struct store *st, int64_t alert_id, uint64_t ts_ns,
    int expected, const char *note, const char *source)
{
	sqlite3_stmt *s = NULL;
	int64_t found = 0;
	int ret;
	if (st->readonly)
		return -1;
	pthread_mutex_lock(&st->dbmu);
	ret = prep(st, "SELECT count(*) FROM alerts WHERE id = ?1", &s);
	if (ret == 0) {
		sqlite3_bind_int64(s, 1, alert_id);
		ret = step_i64(s, &found);
	}
	sqlite3_finalize(s);
	s = NULL;
	if (ret == 0 && found)
		ret = prep(st, "INSERT INTO alert_acks(alert_id, ts, expected, "
		    "note, source) VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT("
		    "alert_id) DO UPDATE SET ts = excluded.ts, expected = "
		    "excluded.expected, note = excluded.note, source = "
		    "excluded.source", &s);
	if (ret == 0 && found) {
		int rc;
		sqlite3_bind_int64(s, 1, alert_id);
		sqlite3_bind_int64(s, 2, clamp_i64(ts_ns));
		sqlite3_bind_int(s, 3, expected != 0);
		sqlite3_bind_text(s, 4, note ? note : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, source ? source : "", -1,
		    SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE)
			ret = read_err(rc);
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return ret < 0 ? ret : found != 0;
}
