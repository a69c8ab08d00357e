/* store_policy.c - the enforcement tables of schema v3: quarantine (the
 * active quarantines) and policy_log (every change, with who/when/why).
 * User actions write them synchronously under dbmu on a read-write
 * connection, like store_ack_alert; each change and its log row share one
 * transaction so the log never misses a change. */
#include <stdio.h>
#include <string.h>

#include "output/store_int.h"

static int perr(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? STORE_EBUSY : -1;
}

static sqlite3_int64 clamp_i64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

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

static int exec1(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : perr(rc);
}

static int log_row(struct store *st, uint64_t ts, const char *action,
    const char *key, const char *who, const char *why, const char *detail)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "INSERT INTO policy_log(ts, action,"
	    " device_key, who, why, detail) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", -1,
	    &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, clamp_i64(ts));
		sqlite3_bind_text(s, 2, nz(action), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, nz(key), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, nz(who), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, nz(why), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, nz(detail), -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? 0 : perr(rc);
}

/* BEGIN IMMEDIATE .. COMMIT around body results: commit on 0, else roll
 * back. */
static int finish_tx(struct store *st, int ret)
{
	if (ret >= 0 && exec1(st, "COMMIT") == 0)
		return ret;
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return ret < 0 ? ret : -1;
}

int store_quarantine_put(struct store *st, const struct store_quarantine *q,
    const char *detail)
{
	sqlite3_stmt *s = NULL;
	int ret, rc;
	if (!st || st->readonly || !q || !q->device_key || !q->device_key[0])
		return -1;
	pthread_mutex_lock(&st->dbmu);
	ret = exec1(st, "BEGIN IMMEDIATE");
	if (ret < 0) {
		pthread_mutex_unlock(&st->dbmu);
		return ret;
	}
	rc = sqlite3_prepare_v2(st->db, "INSERT INTO quarantine(device_key, mac,"
	    " ips, since, until, who, why) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT(device_key) DO UPDATE SET mac = excluded.mac,"
	    " ips = excluded.ips, since = excluded.since,"
	    " until = excluded.until, who = excluded.who, why = excluded.why",
	    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, q->device_key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, nz(q->mac), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, nz(q->ips), -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, clamp_i64(q->since));
		sqlite3_bind_int64(s, 5, clamp_i64(q->until));
		sqlite3_bind_text(s, 6, nz(q->who), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 7, nz(q->why), -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	ret = rc == SQLITE_OK ? 0 : perr(rc);
	if (ret == 0)
		ret = log_row(st, q->since, "quarantine", q->device_key, q->who,
		    q->why, detail);
	ret = finish_tx(st, ret);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

int store_quarantine_release(struct store *st, const char *device_key,
    uint64_t now_s, const char *who, const char *why)
{
	sqlite3_stmt *s = NULL;
	int ret, rc, changed = 0;
	if (!st || st->readonly || !device_key)
		return -1;
	pthread_mutex_lock(&st->dbmu);
	ret = exec1(st, "BEGIN IMMEDIATE");
	if (ret < 0) {
		pthread_mutex_unlock(&st->dbmu);
		return ret;
	}
	rc = sqlite3_prepare_v2(st->db, "DELETE FROM quarantine WHERE"
	    " device_key = ?1", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, device_key, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
			changed = sqlite3_changes(st->db);
		}
	}
	sqlite3_finalize(s);
	ret = rc == SQLITE_OK ? 0 : perr(rc);
	if (ret == 0 && changed)
		ret = log_row(st, now_s, "release", device_key, who, why, "");
	ret = finish_tx(st, ret);
	pthread_mutex_unlock(&st->dbmu);
	return ret < 0 ? ret : changed > 0;
}

/* Expired entries leave the active set with a log row each, in one
 * transaction (under dbmu). */
static int expire(struct store *st, uint64_t now_s)
{
	sqlite3_stmt *s = NULL;
	int ret = exec1(st, "BEGIN IMMEDIATE"), rc;
	if (ret < 0)
		return ret;
	rc = sqlite3_prepare_v2(st->db, "INSERT INTO policy_log(ts, action,"
	    " device_key, who, why, detail) SELECT ?1, 'expire', device_key,"
	    " 'edgeward', 'expired', 'until ' || until FROM quarantine"
	    " WHERE until > 0 AND until <= ?1 ORDER BY device_key", -1, &s,
	    NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, clamp_i64(now_s));
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == SQLITE_OK) {
		rc = sqlite3_prepare_v2(st->db, "DELETE FROM quarantine WHERE"
		    " until > 0 AND until <= ?1", -1, &s, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, clamp_i64(now_s));
			rc = sqlite3_step(s);
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
		sqlite3_finalize(s);
	}
	return finish_tx(st, rc == SQLITE_OK ? 0 : perr(rc));
}

int store_quarantine_each(struct store *st, uint64_t now_s,
    int (*fn)(const struct store_quarantine *q, void *ud), void *ud)
{
	sqlite3_stmt *s = NULL;
	int ret = 0, rc;
	if (!st)
		return -1;
	pthread_mutex_lock(&st->dbmu);
	if (!store_has_table(st->db, "quarantine")) {
		pthread_mutex_unlock(&st->dbmu);
		return 0;		/* a read-only v1/v2 file: none */
	}
	if (!st->readonly)
		ret = expire(st, now_s);
	if (ret == 0) {
		rc = sqlite3_prepare_v2(st->db, "SELECT device_key, mac, ips,"
		    " since, until, who, why FROM quarantine WHERE until = 0 OR"
		    " until > ?1 ORDER BY device_key", -1, &s, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, clamp_i64(now_s));
			while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
				struct store_quarantine q;
				q.device_key = col_text(s, 0);
				q.mac = col_text(s, 1);
				q.ips = col_text(s, 2);
				q.since = col_u64(s, 3);
				q.until = col_u64(s, 4);
				q.who = col_text(s, 5);
				q.why = col_text(s, 6);
				if (fn(&q, ud) != 0) {
					rc = SQLITE_DONE;
					break;
				}
			}
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
		sqlite3_finalize(s);
		ret = rc == SQLITE_OK ? 0 : perr(rc);
	}
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

int store_policy_log_add(struct store *st, uint64_t ts_s, const char *action,
    const char *device_key, const char *who, const char *why,
    const char *detail)
{
	int ret;
	if (!st || st->readonly || !action)
		return -1;
	pthread_mutex_lock(&st->dbmu);
	ret = log_row(st, ts_s, action, device_key, who, why, detail);
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

int store_policy_log_each(struct store *st, const char *device_key,
    unsigned limit, int (*fn)(const struct store_policy_log_row *r,
    void *ud), void *ud)
{
	sqlite3_stmt *s = NULL;
	int rc;
	if (!st)
		return -1;
	pthread_mutex_lock(&st->dbmu);
	if (!store_has_table(st->db, "policy_log")) {
		pthread_mutex_unlock(&st->dbmu);
		return 0;
	}
	/* the newest `limit` rows, then put back in id order */
	rc = sqlite3_prepare_v2(st->db, "SELECT * FROM (SELECT id, ts, action,"
	    " device_key, who, why, detail FROM policy_log WHERE ?1 IS NULL OR"
	    " device_key = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id", -1, &s,
	    NULL);
	if (rc == SQLITE_OK) {
		if (device_key)
			sqlite3_bind_text(s, 1, device_key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, limit ? (sqlite3_int64)limit : -1);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			struct store_policy_log_row r;
			r.id = sqlite3_column_int64(s, 0);
			r.ts = col_u64(s, 1);
			r.action = col_text(s, 2);
			r.device_key = col_text(s, 3);
			r.who = col_text(s, 4);
			r.why = col_text(s, 5);
			r.detail = col_text(s, 6);
			if (fn(&r, ud) != 0) {
				rc = SQLITE_DONE;
				break;
			}
		}
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->dbmu);
	return rc == SQLITE_OK ? 0 : perr(rc);
}
