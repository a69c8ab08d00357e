/* store.c - the persistent store: opening (pragmas, prepared statements,
 * the writer thread) and the in-memory queue the packet path writes into.
 * File checks and migrations are in store_schema.c, the commit path and
 * retention in store_writer.c, the readers in store_read.c.
 *
 * Pragmas, and why:
 *   journal_mode=WAL    readers (edgeward alerts/devices) never block the
 *                       sensor and the sensor never blocks them;
 *   synchronous=NORMAL  in WAL mode the file can never be corrupted by a
 *                       crash or power loss; the last transactions may be
 *                       lost on power loss (not on a process crash), which
 *                       is within the flush-interval contract anyway, and
 *                       it saves an fsync per commit on flash storage;
 *   auto_vacuum=INCREMENTAL (set before the first table: it cannot be
 *                       turned on later without a VACUUM) so retention by
 *                       size can hand freed pages back to the file system;
 *   journal_size_limit  the WAL is truncated after checkpoints instead of
 *                       staying at its largest size;
 *   busy_timeout        a reader's short lock never fails a commit. */
#include "output/store.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "output/store_int.h"
#include "util/addr.h"

static const char *const stmt_sql[STORE_ST__COUNT] = {
	[STORE_ST_DEVICE] =
	    "INSERT INTO devices(key, mac, ip, vendor, class, model, name,"
	    " first_seen, last_seen, json, state)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
	    " ON CONFLICT(key) DO UPDATE SET mac = excluded.mac,"
	    " ip = excluded.ip, vendor = excluded.vendor,"
	    " class = excluded.class, model = excluded.model,"
	    " name = excluded.name, first_seen = excluded.first_seen,"
	    " last_seen = excluded.last_seen, json = excluded.json,"
	    " state = excluded.state",
	[STORE_ST_ALERT] =
	    "INSERT INTO alerts(ts_start, ts_end, sid, severity, category,"
	    " signature, src_ip, dest_ip, device_key, json)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[STORE_ST_STATS] =
	    "INSERT INTO stats(run_id, ts, json) VALUES(?1, ?2, ?3)",
	[STORE_ST_MODEL] =
	    "INSERT INTO model_snapshots(ts, path, phase, trained)"
	    " VALUES(?1, ?2, ?3, ?4)",
	[STORE_ST_BASELINE] =
	    "INSERT INTO baselines(device_key, kind, ts, json)"
	    " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(device_key, kind)"
	    " DO UPDATE SET ts = excluded.ts, json = excluded.json",
	[STORE_ST_RUN_BEGIN] =
	    "INSERT INTO runs(source, ts_start) VALUES(?1, ?2)",
	[STORE_ST_RUN_END] =
	    "UPDATE runs SET ts_end = ?1 WHERE id = ?2",
	[STORE_ST_TRAFFIC] =
	    "INSERT INTO device_traffic(device_key, ts, pkts, bytes)"
	    " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(device_key, ts)"
	    " DO UPDATE SET pkts = excluded.pkts, bytes = excluded.bytes",
};

void store_config_default(struct store_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->queue_memcap = STORE_QUEUE_MEMCAP;
	cfg->alert_max_age_s = STORE_ALERT_MAX_AGE_S;
	cfg->device_max_age_s = STORE_DEVICE_MAX_AGE_S;
	cfg->max_bytes = STORE_MAX_BYTES;
	cfg->threaded = 1;
}

static struct store *store_alloc(const char *path)
{
	struct store *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->path = strdup(path);
	if (!st->path) {
		free(st);
		return NULL;
	}
	pthread_mutex_init(&st->mu, NULL);
	pthread_mutex_init(&st->dbmu, NULL);
	pthread_cond_init(&st->work, NULL);
	pthread_cond_init(&st->idle, NULL);
	jb_init(&st->jb, EVE_MAX_LINE);
	return st;
}

static void store_dealloc(struct store *st)
{
	for (int i = 0; i < STORE_ST__COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	jb_fini(&st->jb);
	pthread_cond_destroy(&st->idle);
	pthread_cond_destroy(&st->work);
	pthread_mutex_destroy(&st->dbmu);
	pthread_mutex_destroy(&st->mu);
	free(st->path);
	free(st);
}

struct store *store_open(const struct store_config *cfg, char *err,
    size_t errlen)
{
	struct store *st = NULL;
	int64_t version = 0;

	if (!cfg->path || !cfg->path[0]) {
		snprintf(err, errlen, "store: no path");
		return NULL;
	}
	if (store_check_file(cfg->path, 0, err, errlen) != 0)
		return NULL;
	/* Create it ourselves so the mode is 0640 (SQLite would use 0644);
	 * the WAL and shm files take the database's mode. */
	int fd = open(cfg->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640);
	if (fd >= 0)
		close(fd);
	else if (errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", cfg->path,
		    strerror(errno));
		return NULL;
	}
	if (store_check_writable(cfg->path, err, errlen) != 0)
		return NULL;
	st = store_alloc(cfg->path);
	if (!st) {
		snprintf(err, errlen, "store: out of memory");
		return NULL;
	}
	st->cfg = *cfg;
	st->cfg.path = st->path;
	int rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE,
	    NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", st->path,
		    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (store_identify(st->db, st->path, &version, err, errlen) != 0)
		goto fail;
	if (version == 0 && store_exec(st->db, "PRAGMA auto_vacuum = INCREMENTAL",
	    st->path, err, errlen) != 0)
		goto fail;
	{
		sqlite3_stmt *s = NULL;
		const unsigned char *mode = NULL;
		int ok = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL",
		    -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
		    (mode = sqlite3_column_text(s, 0)) != NULL &&
		    strcmp((const char *)mode, "wal") == 0;
		if (!ok)
			snprintf(err, errlen, "%s: cannot switch to WAL mode: %s",
			    st->path, sqlite3_errmsg(st->db));
		sqlite3_finalize(s);
		if (!ok)
			goto fail;
	}
	if (store_exec(st->db, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA journal_size_limit = 4194304;", st->path, err, errlen) != 0)
		goto fail;
	if (store_migrate(st->db, version, st->path, err, errlen) != 0)
		goto fail;
	for (int i = 0; i < STORE_ST__COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->stmt[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", st->path,
			    sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	st->status.bytes = store_file_bytes(st->db);
	if (st->cfg.threaded) {
		/* The writer takes no signals: SIGTERM/SIGHUP stay with the
		 * thread that handles them. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		rc = pthread_create(&st->thread, NULL, store_writer_main, st);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "store: cannot start the writer "
			    "thread");
			goto fail;
		}
		st->thread_started = 1;
	}
	return st;
fail:
	store_dealloc(st);
	return NULL;
}

struct store *store_open_readonly(const char *path, char *err, size_t errlen)
{
	int64_t version = 0;
	if (!path || !path[0]) {
		snprintf(err, errlen, "store: no path");
		return NULL;
	}
	if (store_check_file(path, 1, err, errlen) != 0)
		return NULL;
	struct store *st = store_alloc(path);
	if (!st) {
		snprintf(err, errlen, "store: out of memory");
		return NULL;
	}
	st->readonly = 1;
	store_config_default(&st->cfg);
	st->cfg.path = st->path;
	st->cfg.threaded = 0;
	int rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (store_identify(st->db, path, &version, err, errlen) != 0)
		goto fail;
	if (version == 0) {
		snprintf(err, errlen, "%s: not an edgeward store (empty "
		    "database)", path);
		goto fail;
	}
	st->status.bytes = store_file_bytes(st->db);
	return st;
fail:
	store_dealloc(st);
	return NULL;
}

/* ---- the queue --------------------------------------------------------- */

/* A row with ns strings (NULL = ""), copied. NULL when out of memory. */
static struct store_qrow *qrow_new(enum store_qtype type,
    const char *const *s, const size_t *n, unsigned ns)
{
	size_t total = sizeof(struct store_qrow);
	for (unsigned i = 0; i < ns; i++) {
		size_t len = s[i] ? n[i] : 0;
		if (len > SIZE_MAX / 2 - total)
			return NULL;
		total += len + 1;
	}
	struct store_qrow *r = malloc(total);
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->size = total;
	char *p = r->data;
	for (unsigned i = 0; i < ns; i++) {
		size_t len = s[i] ? n[i] : 0;
		if (len)
			memcpy(p, s[i], len);
		p[len] = '\0';
		r->s[i] = p;
		r->n[i] = len;
		p += len + 1;
	}
	return r;
}

static void drop_counted(struct store *st, size_t rows)
{
	pthread_mutex_lock(&st->mu);
	st->status.rows_dropped += rows;
	pthread_mutex_unlock(&st->mu);
}

/* Queue r, or drop it (counted) when the memcap would be passed. */
static void enqueue(struct store *st, struct store_qrow *r)
{
	if (!r) {
		drop_counted(st, 1);
		return;
	}
	pthread_mutex_lock(&st->mu);
	if (st->status.queue_bytes + r->size > st->cfg.queue_memcap) {
		st->status.rows_dropped++;
		pthread_mutex_unlock(&st->mu);
		free(r);
		return;
	}
	st->status.queue_bytes += r->size;
	st->status.rows_queued++;
	pthread_mutex_unlock(&st->mu);
	if (st->pend_tail)
		st->pend_tail->next = r;
	else
		st->pend_head = r;
	st->pend_tail = r;
	st->pend_rows++;
	st->pend_bytes += r->size;
}

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

void store_put_device(struct store *st, const struct store_device *d)
{
	if (!st || st->readonly || !d || !d->key)
		return;
	const char *s[] = { d->key, d->mac, d->ip, d->vendor, d->cls, d->model,
	    d->name, d->json, d->state };
	size_t n[] = { slen(d->key), slen(d->mac), slen(d->ip),
	    slen(d->vendor), slen(d->cls), slen(d->model), slen(d->name),
	    d->json_len, d->state_len };
	struct store_qrow *r = qrow_new(STORE_Q_DEVICE, s, n, 9);
	if (r) {
		r->u[0] = d->first_seen;
		r->u[1] = d->last_seen;
		r->u[2] = d->pkts;
		r->u[3] = d->bytes;
	}
	enqueue(st, r);
}

void store_put_alert(struct store *st, const struct alert *a,
    const struct alert_device *d)
{
	if (!st || st->readonly || !a)
		return;
	char src[ADDR_STRLEN] = "", dst[ADDR_STRLEN] = "";
	const char *cat = alert_category_name(a->category);
	const char *key = "";
	if (a->src.family)
		addr_fmt(&a->src, src, sizeof(src));
	if (a->dst.family)
		addr_fmt(&a->dst, dst, sizeof(dst));
	if (d)
		key = d->mac[0] ? d->mac : d->ip;
	jb_reset(&st->jb);
	eve_alert_json(&st->jb, a, d);
	if (st->jb.err) {		/* over EVE_MAX_LINE: as eve drops it */
		drop_counted(st, 1);
		return;
	}
	const char *s[] = { cat ? cat : "", a->signature, src, dst, key,
	    st->jb.buf };
	size_t n[] = { slen(s[0]), strnlen(a->signature, ALERT_SIG_LEN),
	    strlen(src), strlen(dst), strlen(key), st->jb.len };
	struct store_qrow *r = qrow_new(STORE_Q_ALERT, s, n, 6);
	if (r) {
		r->u[0] = a->ts_start;
		r->u[1] = a->ts_end;
		r->u[2] = a->sid;
		r->u[3] = a->severity;
	}
	enqueue(st, r);
}

void store_put_stats(struct store *st, uint64_t ts, const char *json,
    size_t len)
{
	if (!st || st->readonly)
		return;
	const char *s[] = { json };
	size_t n[] = { len };
	struct store_qrow *r = qrow_new(STORE_Q_STATS, s, n, 1);
	if (r)
		r->u[0] = ts;
	enqueue(st, r);
}

void store_put_model(struct store *st, uint64_t ts, const char *path,
    const char *phase, uint64_t trained)
{
	if (!st || st->readonly)
		return;
	const char *s[] = { path, phase };
	size_t n[] = { slen(path), slen(phase) };
	struct store_qrow *r = qrow_new(STORE_Q_MODEL, s, n, 2);
	if (r) {
		r->u[0] = ts;
		r->u[1] = trained;
	}
	enqueue(st, r);
}

void store_put_baseline(struct store *st, const char *device_key,
    const char *kind, uint64_t ts, const char *json, size_t len)
{
	if (!st || st->readonly || !device_key || !kind)
		return;
	const char *s[] = { device_key, kind, json };
	size_t n[] = { strlen(device_key), strlen(kind), len };
	struct store_qrow *r = qrow_new(STORE_Q_BASELINE, s, n, 3);
	if (r)
		r->u[0] = ts;
	enqueue(st, r);
}

void store_run_begin(struct store *st, const char *source, uint64_t ts)
{
	if (!st || st->readonly)
		return;
	const char *s[] = { source };
	size_t n[] = { slen(source) };
	struct store_qrow *r = qrow_new(STORE_Q_RUN_BEGIN, s, n, 1);
	if (r)
		r->u[0] = ts;
	enqueue(st, r);
}

void store_run_end(struct store *st, uint64_t ts)
{
	if (!st || st->readonly)
		return;
	struct store_qrow *r = qrow_new(STORE_Q_RUN_END, NULL, NULL, 0);
	if (r)
		r->u[0] = ts;
	enqueue(st, r);
}

int store_flush(struct store *st)
{
	if (!st || st->readonly)
		return 0;
	int failing;
	if (st->pend_head) {
		struct store_batch *b = calloc(1, sizeof(*b));
		if (!b) {
			/* Keep the rows pending: the next flush tries again. */
			return -1;
		}
		b->head = st->pend_head;
		b->rows = st->pend_rows;
		b->bytes = st->pend_bytes;
		st->pend_head = st->pend_tail = NULL;
		st->pend_rows = st->pend_bytes = 0;
		if (st->cfg.threaded) {
			pthread_mutex_lock(&st->mu);
			if (st->wq_tail)
				st->wq_tail->next = b;
			else
				st->wq_head = b;
			st->wq_tail = b;
			pthread_cond_signal(&st->work);
			pthread_mutex_unlock(&st->mu);
		} else {
			store_commit_batch(st, b);
		}
	}
	pthread_mutex_lock(&st->mu);
	failing = st->status.failing;
	pthread_mutex_unlock(&st->mu);
	return failing ? -1 : 0;
}

int store_wait(struct store *st)
{
	if (!st || st->readonly)
		return 0;
	pthread_mutex_lock(&st->mu);
	while (st->thread_started && (st->wq_head || st->busy))
		pthread_cond_wait(&st->idle, &st->mu);
	int failing = st->status.failing;
	pthread_mutex_unlock(&st->mu);
	return failing ? -1 : 0;
}

void store_get_status(struct store *st, struct store_status *out)
{
	if (!st) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pthread_mutex_lock(&st->mu);
	*out = st->status;
	pthread_mutex_unlock(&st->mu);
}

int store_close(struct store *st, char *err, size_t errlen)
{
	if (!st)
		return 0;
	int ret = 0;
	if (!st->readonly) {
		store_flush(st);
		if (st->thread_started) {
			pthread_mutex_lock(&st->mu);
			st->stop = 1;
			pthread_cond_signal(&st->work);
			pthread_mutex_unlock(&st->mu);
			pthread_join(st->thread, NULL);
			st->thread_started = 0;
		}
		if (st->status.failing) {
			snprintf(err, errlen, "%s", st->status.last_error);
			ret = -1;
		}
	}
	store_dealloc(st);
	return ret;
}

int store_debug_exec(struct store *st, const char *sql, char *err,
    size_t errlen)
{
	pthread_mutex_lock(&st->dbmu);
	int rc = store_exec(st->db, sql, st->path, err, errlen);
	pthread_mutex_unlock(&st->dbmu);
	return rc;
}
