/* store_writer.c - the commit path: one batch (one store_flush) becomes
 * one transaction of prepared statements, then retention by age and size.
 * Runs on the writer thread (threaded) or in the caller; never prints: a
 * failure is kept in the status for the owner to report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "output/store_int.h"

void store_batch_free(struct store_batch *b)
{
	if (!b)
		return;
	struct store_qrow *r = b->head;
	while (r) {
		struct store_qrow *next = r->next;
		free(r);
		r = next;
	}
	free(b);
}

static const char *code_name(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:	return "SQLITE_FULL";
	case SQLITE_READONLY:	return "SQLITE_READONLY";
	case SQLITE_IOERR:	return "SQLITE_IOERR";
	case SQLITE_CANTOPEN:	return "SQLITE_CANTOPEN";
	case SQLITE_BUSY:	return "SQLITE_BUSY";
	case SQLITE_LOCKED:	return "SQLITE_LOCKED";
	case SQLITE_CORRUPT:	return "SQLITE_CORRUPT";
	case SQLITE_NOMEM:	return "SQLITE_NOMEM";
	case SQLITE_TOOBIG:	return "SQLITE_TOOBIG";
	case SQLITE_CONSTRAINT:	return "SQLITE_CONSTRAINT";
	default:		return "SQLITE_ERROR";
	}
}

void store_db_error(struct store *st, int rc, const char *what, char *buf,
    size_t size)
{
	snprintf(buf, size, "%s: %s: %s (%s)", st->path, what,
	    sqlite3_errmsg(st->db), code_name(rc));
}

static int bind_str(sqlite3_stmt *s, int idx, const struct store_qrow *r,
    int i)
{
	if (r->n[i] > (size_t)0x7fffffff)
		return SQLITE_TOOBIG;
	return sqlite3_bind_text(s, idx, r->s[i], (int)r->n[i], SQLITE_STATIC);
}

static int bind_u64(sqlite3_stmt *s, int idx, uint64_t v)
{
	/* ns timestamps fit until 2262; counts far below 2^63 */
	return sqlite3_bind_int64(s, idx, (sqlite3_int64)v);
}

/* The device's counters into its traffic bucket (the bucket of
 * last_seen), overwriting what an earlier export in the same bucket put
 * there: the row holds the counters at the bucket's last export. */
static int put_traffic(struct store *st, const struct store_qrow *r)
{
	sqlite3_stmt *s = st->stmt[STORE_ST_TRAFFIC];
	const uint64_t bucket = (uint64_t)STORE_TRAFFIC_BUCKET_S * 1000000000ull;
	int rc;
	if (!r->u[1])
		return SQLITE_OK;	/* never seen: no time to file it under */
	rc = bind_str(s, 1, r, 0);
	if (rc == SQLITE_OK)
		rc = bind_u64(s, 2, r->u[1] / bucket * bucket);
	if (rc == SQLITE_OK)
		rc = bind_u64(s, 3, r->u[2]);
	if (rc == SQLITE_OK)
		rc = bind_u64(s, 4, r->u[3]);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

/* Bind one row to its statement and run it. SQLITE_OK or an error. */
static int put_row(struct store *st, const struct store_qrow *r)
{
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_OK;

	switch (r->type) {
	case STORE_Q_DEVICE:
		s = st->stmt[STORE_ST_DEVICE];
		for (int i = 0; i < 7 && rc == SQLITE_OK; i++)
			rc = bind_str(s, i + 1, r, i);
		if (rc == SQLITE_OK)
			rc = bind_u64(s, 8, r->u[0]);
		if (rc == SQLITE_OK)
			rc = bind_u64(s, 9, r->u[1]);
		if (rc == SQLITE_OK)
			rc = bind_str(s, 10, r, 7);
		if (rc == SQLITE_OK)	/* state: opaque bytes */
			rc = r->n[8] > (size_t)0x7fffffff ? SQLITE_TOOBIG :
			    sqlite3_bind_blob(s, 11, r->s[8], (int)r->n[8],
			    SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = put_traffic(st, r);
		break;
	case STORE_Q_ALERT:
		s = st->stmt[STORE_ST_ALERT];
		for (int i = 0; i < 4 && rc == SQLITE_OK; i++)
			rc = bind_u64(s, i + 1, r->u[i]);
		for (int i = 0; i < 6 && rc == SQLITE_OK; i++)
			rc = bind_str(s, i + 5, r, i);
		break;
	case STORE_Q_STATS:
		s = st->stmt[STORE_ST_STATS];
		rc = st->run_id ? sqlite3_bind_int64(s, 1, st->run_id) :
		    sqlite3_bind_null(s, 1);
		if (rc == SQLITE_OK)
			rc = bind_u64(s, 2, r->u[0]);
		if (rc == SQLITE_OK)
			rc = bind_str(s, 3, r, 0);
		break;
	case STORE_Q_MODEL:
		s = st->stmt[STORE_ST_MODEL];
		rc = bind_u64(s, 1, r->u[0]);
		if (rc == SQLITE_OK)
			rc = bind_str(s, 2, r, 0);
		if (rc == SQLITE_OK)
			rc = bind_str(s, 3, r, 1);
		if (rc == SQLITE_OK)
			rc = bind_u64(s, 4, r->u[1]);
		break;
	case STORE_Q_BASELINE:
		s = st->stmt[STORE_ST_BASELINE];
		rc = bind_str(s, 1, r, 0);
		if (rc == SQLITE_OK)
			rc = bind_str(s, 2, r, 1);
		if (rc == SQLITE_OK)
			rc = bind_u64(s, 3, r->u[0]);
		if (rc == SQLITE_OK)
			rc = bind_str(s, 4, r, 2);
		break;
	case STORE_Q_RUN_BEGIN:
		s = st->stmt[STORE_ST_RUN_BEGIN];
		rc = bind_str(s, 1, r, 0);
		if (rc == SQLITE_OK)
			rc = bind_u64(s, 2, r->u[0]);
		break;
	case STORE_Q_RUN_END:
		if (!st->run_id)
			return SQLITE_OK;	/* its begin was lost: nothing */
		s = st->stmt[STORE_ST_RUN_END];
		rc = bind_u64(s, 1, r->u[0]);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 2, st->run_id);
		break;
	}
	if (!s)
		return SQLITE_MISUSE;
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (rc == SQLITE_OK && r->type == STORE_Q_RUN_BEGIN)
		st->run_id = sqlite3_last_insert_rowid(st->db);
	else if (rc == SQLITE_OK && r->type == STORE_Q_RUN_END)
		st->run_id = 0;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

static int64_t one_i64(sqlite3 *db, const char *sql, int *rc)
{
	sqlite3_stmt *s = NULL;
	int64_t v = 0;
	*rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (*rc == SQLITE_OK) {
		*rc = sqlite3_step(s);
		if (*rc == SQLITE_ROW) {
			v = sqlite3_column_int64(s, 0);
			*rc = SQLITE_OK;
		} else if (*rc == SQLITE_DONE) {
			*rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	return v;
}

/* A DELETE, with ?1 (when it has one) bound to limit; rows deleted are
 * added to *n. */
static int delete_before(sqlite3 *db, const char *sql, int64_t limit,
    uint64_t *n)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, limit);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_OK)
		*n += (uint64_t)sqlite3_changes(db);
	return rc;
}

struct ret_result {
	uint64_t alerts_expired, alerts_trimmed, stats_expired,
	    devices_expired;
	int rc;
	const char *what;
};

/* Retention by age, in packet time against the newest row of each kind
 * (the wall clock never decides what is kept). One transaction. */
static int retain_age(struct store *st, struct ret_result *res)
{
	sqlite3 *db = st->db;
	int rc = SQLITE_OK;
	if (st->cfg.alert_max_age_s) {
		int64_t age = (int64_t)(st->cfg.alert_max_age_s > 9000000000ull ?
		    9000000000ull : st->cfg.alert_max_age_s) * 1000000000;
		int64_t newest = one_i64(db, "SELECT max(ts_start) FROM alerts",
		    &rc);
		if (rc == SQLITE_OK && newest > age)
			rc = delete_before(db, "DELETE FROM alerts WHERE "
			    "ts_start < ?1", newest - age, &res->alerts_expired);
		if (rc == SQLITE_OK)
			newest = one_i64(db, "SELECT max(ts) FROM stats", &rc);
		if (rc == SQLITE_OK && newest > age)
			rc = delete_before(db, "DELETE FROM stats WHERE ts < ?1",
			    newest - age, &res->stats_expired);
	}
	if (rc == SQLITE_OK && st->cfg.device_max_age_s) {
		int64_t age = (int64_t)(st->cfg.device_max_age_s > 9000000000ull ?
		    9000000000ull : st->cfg.device_max_age_s) * 1000000000;
		int64_t newest = one_i64(db, "SELECT max(last_seen) FROM "
		    "devices", &rc);
		if (rc == SQLITE_OK && newest > age)
			rc = delete_before(db, "DELETE FROM devices WHERE "
			    "last_seen < ?1", newest - age,
			    &res->devices_expired);
		/* baselines not updated for as long go with them */
		uint64_t nb = 0;
		if (rc == SQLITE_OK && newest > age)
			rc = delete_before(db, "DELETE FROM baselines WHERE "
			    "ts < ?1", newest - age, &nb);
	}
#if STORE_TRAFFIC_MAX_AGE_S > 0
	if (rc == SQLITE_OK) {
		const int64_t age = (int64_t)STORE_TRAFFIC_MAX_AGE_S * 1000000000;
		int64_t na = one_i64(db, "SELECT max(ts_start) FROM alerts", &rc);
		int64_t nd = rc == SQLITE_OK ? one_i64(db, "SELECT "
		    "max(last_seen) FROM devices", &rc) : 0;
		int64_t newest = na > nd ? na : nd;
		uint64_t nt = 0;
		if (rc == SQLITE_OK && newest > age)
			rc = delete_before(db, "DELETE FROM device_traffic WHERE "
			    "ts < ?1", newest - age, &nt);
	}
#endif
	return rc;
}

static uint64_t live_bytes(sqlite3 *db, int *rc)
{
	int64_t pages = one_i64(db, "PRAGMA page_count", rc);
	int64_t freep = *rc == SQLITE_OK ? one_i64(db, "PRAGMA freelist_count",
	    rc) : 0;
	int64_t size = *rc == SQLITE_OK ? one_i64(db, "PRAGMA page_size", rc) :
	    0;
	if (*rc != SQLITE_OK || pages < freep || size <= 0)
		return 0;
	return (uint64_t)(pages - freep) * (uint64_t)size;
}

/* Retention by size: oldest alerts (then oldest stats rows) go, a chunk
 * per transaction, until the pages in use fit max_bytes; then the free
 * pages are handed back to the file system. */
static int retain_size(struct store *st, struct ret_result *res)
{
	sqlite3 *db = st->db;
	int rc = SQLITE_OK;
	char sql[160];
	for (unsigned iter = 0; iter < 100000; iter++) {
		uint64_t live = live_bytes(db, &rc);
		if (rc != SQLITE_OK || live <= st->cfg.max_bytes)
			break;
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			break;
		uint64_t n = 0;
		/* a tenth of what is there per step (at most a chunk): a
		 * small store is not emptied by one coarse step */
		int64_t count = one_i64(db, "SELECT count(*) FROM alerts", &rc);
		int64_t chunk = count / 10 < 1 ? 1 : count / 10 >
		    STORE_TRIM_CHUNK ? STORE_TRIM_CHUNK : count / 10;
		snprintf(sql, sizeof(sql), "DELETE FROM alerts WHERE id IN "
		    "(SELECT id FROM alerts ORDER BY ts_start, id LIMIT %lld)",
		    (long long)chunk);
		rc = delete_before(db, sql, 0, &n);
		res->alerts_trimmed += n;
		if (rc == SQLITE_OK && n == 0) {
			count = one_i64(db, "SELECT count(*) FROM stats", &rc);
			chunk = count / 10 < 1 ? 1 : count / 10 >
			    STORE_TRIM_CHUNK ? STORE_TRIM_CHUNK : count / 10;
			snprintf(sql, sizeof(sql), "DELETE FROM stats WHERE rowid "
			    "IN (SELECT rowid FROM stats ORDER BY ts LIMIT %lld)",
			    (long long)chunk);
			rc = delete_before(db, sql, 0, &n);
			res->stats_expired += n;
		}
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			if (!sqlite3_get_autocommit(db))
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			break;
		}
		if (n == 0)
			break;		/* nothing left to trim */
	}
	if (rc == SQLITE_OK) {
		int64_t freep = one_i64(db, "PRAGMA freelist_count", &rc);
		if (rc == SQLITE_OK && freep > 0)
			rc = sqlite3_exec(db, "PRAGMA incremental_vacuum", NULL,
			    NULL, NULL);
	}
	return rc;
}

static void retention(struct store *st, uint64_t bytes, struct ret_result *res)
{
	sqlite3 *db = st->db;
	int by_size = st->cfg.max_bytes && bytes > st->cfg.max_bytes;
	if (++st->commits_since_retention < STORE_RETENTION_EVERY && !by_size)
		return;
	st->commits_since_retention = 0;
	int by_age = st->cfg.alert_max_age_s || st->cfg.device_max_age_s;
#if STORE_TRAFFIC_MAX_AGE_S > 0
	by_age = 1;		/* traffic samples always age out */
#endif
	if (by_age) {
		res->what = "retention by age";
		res->rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (res->rc == SQLITE_OK)
			res->rc = retain_age(st, res);
		if (res->rc == SQLITE_OK)
			res->rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (res->rc != SQLITE_OK) {
			if (!sqlite3_get_autocommit(db))
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			res->alerts_expired = res->stats_expired = 0;
			res->devices_expired = 0;
			return;
		}
	}
	if (st->cfg.max_bytes) {
		res->what = "retention by size";
		res->rc = retain_size(st, res);
	}
}

void store_commit_batch(struct store *st, struct store_batch *b)
{
	sqlite3 *db = st->db;
	char msg[256] = "";
	const char *what = "begin";
	struct ret_result res;
	uint64_t bytes = 0;
	int rc;

	memset(&res, 0, sizeof(res));
	pthread_mutex_lock(&st->dbmu);
	int64_t run_before = st->run_id;
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		what = "insert";
		for (const struct store_qrow *r = b->head; r; r = r->next)
			if ((rc = put_row(st, r)) != SQLITE_OK)
				break;
	}
	if (rc == SQLITE_OK) {
		what = "commit";
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		store_db_error(st, rc, what, msg, sizeof(msg));
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		st->run_id = run_before;
	} else {
		bytes = store_file_bytes(db);
		retention(st, bytes, &res);
		if (res.rc != SQLITE_OK)
			store_db_error(st, res.rc, res.what, msg, sizeof(msg));
		bytes = store_file_bytes(db);
	}
	pthread_mutex_unlock(&st->dbmu);

	pthread_mutex_lock(&st->mu);
	struct store_status *s = &st->status;
	s->queue_bytes -= b->bytes;
	if (rc == SQLITE_OK) {
		s->rows_written += b->rows;
		s->commits++;
		s->failing = 0;
		s->bytes = bytes;
		s->alerts_expired += res.alerts_expired;
		s->alerts_trimmed += res.alerts_trimmed;
		s->stats_expired += res.stats_expired;
		s->devices_expired += res.devices_expired;
		if (res.what)
			s->retention_runs++;
		if (res.rc != SQLITE_OK) {
			s->errors++;
			memcpy(s->last_error, msg, sizeof(s->last_error));
		}
	} else {
		s->rows_dropped += b->rows;
		s->errors++;
		s->failing = 1;
		memcpy(s->last_error, msg, sizeof(s->last_error));
	}
	pthread_mutex_unlock(&st->mu);
	store_batch_free(b);
}

void *store_writer_main(void *arg)
{
	struct store *st = arg;
	pthread_mutex_lock(&st->mu);
	for (;;) {
		while (!st->wq_head && !st->stop)
			pthread_cond_wait(&st->work, &st->mu);
		if (!st->wq_head)
			break;		/* stop, and everything written */
		struct store_batch *b = st->wq_head;
		st->wq_head = b->next;
		if (!st->wq_head)
			st->wq_tail = NULL;
		b->next = NULL;
		st->busy = 1;
		pthread_mutex_unlock(&st->mu);
		store_commit_batch(st, b);
		pthread_mutex_lock(&st->mu);
		st->busy = 0;
		if (!st->wq_head)
			pthread_cond_broadcast(&st->idle);
	}
	pthread_cond_broadcast(&st->idle);
	pthread_mutex_unlock(&st->mu);
	return NULL;
}
