/* store_schema.c - what a store file must be before it is used: the
 * checks that refuse a foreign or newer file without touching it, and the
 * ordered list of schema migrations (PRAGMA user_version). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/store_int.h"

/* Ordered migration list: entry i brings user_version i to i + 1. Never
 * edit a shipped entry; append a new one and bump STORE_SCHEMA_VERSION. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
	/* v1 */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT INTO meta(key, value) VALUES('app', 'edgeward');"
	"CREATE TABLE runs(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" source TEXT NOT NULL, ts_start INTEGER NOT NULL, ts_end INTEGER);"
	"CREATE TABLE devices(key TEXT PRIMARY KEY, mac TEXT NOT NULL,"
	" ip TEXT NOT NULL, vendor TEXT NOT NULL, class TEXT NOT NULL,"
	" model TEXT NOT NULL, name TEXT NOT NULL,"
	" first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" json TEXT NOT NULL, state BLOB NOT NULL);"
	"CREATE INDEX devices_last_seen ON devices(last_seen);"
	/* AUTOINCREMENT: ids are never reused after retention deleted the
	 * newest rows, so "everything after id N" stays meaningful. */
	"CREATE TABLE alerts(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" ts_start INTEGER NOT NULL, ts_end INTEGER NOT NULL,"
	" sid INTEGER NOT NULL, severity INTEGER NOT NULL,"
	" category TEXT NOT NULL, signature TEXT NOT NULL,"
	" src_ip TEXT NOT NULL, dest_ip TEXT NOT NULL,"
	" device_key TEXT NOT NULL, json TEXT NOT NULL);"
	"CREATE INDEX alerts_ts_start ON alerts(ts_start, id);"
	"CREATE INDEX alerts_device_key ON alerts(device_key);"
	"CREATE INDEX alerts_severity ON alerts(severity, ts_start);"
	"CREATE TABLE stats(run_id INTEGER, ts INTEGER NOT NULL,"
	" json TEXT NOT NULL);"
	"CREATE INDEX stats_ts ON stats(ts);"
	"CREATE TABLE model_snapshots(ts INTEGER NOT NULL, path TEXT NOT NULL,"
	" phase TEXT NOT NULL, trained INTEGER NOT NULL);"
	"CREATE TABLE baselines(device_key TEXT NOT NULL, kind TEXT NOT NULL,"
	" ts INTEGER NOT NULL, json TEXT NOT NULL,"
	" PRIMARY KEY(device_key, kind));",
	/* v2: per-device traffic samples for the dashboard's chart (the
	 * cumulative counters at the last export in each bucket; readers
	 * take deltas) and alert acknowledgements from the API. */
	"CREATE TABLE device_traffic(device_key TEXT NOT NULL,"
	" ts INTEGER NOT NULL, pkts INTEGER NOT NULL, bytes INTEGER NOT NULL,"
	" PRIMARY KEY(device_key, ts));"
	"CREATE INDEX device_traffic_ts ON device_traffic(ts);"
	"CREATE TABLE alert_acks(alert_id INTEGER PRIMARY KEY,"
	" ts INTEGER NOT NULL, expected INTEGER NOT NULL, note TEXT NOT NULL,"
	" source TEXT NOT NULL);",
	/* v3: enforcement (src/policy/, `edgeward quarantine`, the API's
	 * quarantine action). Written synchronously by user actions, never by
	 * the packet path, so times here are WALL-CLOCK SECONDS (when a person
	 * acted), unlike the packet-time nanoseconds elsewhere. until 0 = no
	 * expiry. policy_log keeps every change: who (Unix user or "api"),
	 * when, why; AUTOINCREMENT so ids are never reused. */
	/* IF NOT EXISTS: a file whose version was set back by hand (tests
	 * that fake an older store from a new one) still migrates */
	"CREATE TABLE IF NOT EXISTS quarantine(device_key TEXT PRIMARY KEY,"
	" mac TEXT NOT NULL, ips TEXT NOT NULL, since INTEGER NOT NULL,"
	" until INTEGER NOT NULL, who TEXT NOT NULL, why TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS policy_log(id INTEGER PRIMARY KEY"
	" AUTOINCREMENT, ts INTEGER NOT NULL, action TEXT NOT NULL,"
	" device_key TEXT NOT NULL, who TEXT NOT NULL, why TEXT NOT NULL,"
	" detail TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS policy_log_device ON"
	" policy_log(device_key, id);",
};

/* The first 16 bytes of path: 1 read, 0 the file is shorter, -1 error.
 * Through SQLite's own file layer, not open()/close(): closing any
 * descriptor of a file drops every POSIX lock this process holds on it,
 * including those of a connection already open on it (the API opens its
 * read-write store after the read-only one). Without its shared lock, a
 * reader in another process that closes believes it is the last one,
 * checkpoints and deletes the WAL, and this process's later commits go
 * to the deleted file: lost. SQLite's unix layer defers such a close
 * until the process's locks on the file are gone. */
static int read_header(const char *path, char hdr[16])
{
	sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
	sqlite3_file *f;
	int flags = 0, rc;
	if (!vfs || vfs->szOsFile <= 0) {
		errno = EIO;
		return -1;
	}
	f = calloc(1, (size_t)vfs->szOsFile);
	if (!f) {
		errno = ENOMEM;
		return -1;
	}
	rc = vfs->xOpen(vfs, path, f, SQLITE_OPEN_MAIN_DB |
	    SQLITE_OPEN_READONLY, &flags);
	if (rc != SQLITE_OK) {
		if (f->pMethods)
			f->pMethods->xClose(f);
		free(f);
		if (!errno)
			errno = EACCES;
		return -1;
	}
	rc = f->pMethods->xRead(f, hdr, 16, 0);
	f->pMethods->xClose(f);
	free(f);
	if (rc == SQLITE_IOERR_SHORT_READ)
		return 0;
	if (rc != SQLITE_OK) {
		errno = EIO;
		return -1;
	}
	return 1;
}

/* Look at the file before SQLite does, so a file that is not a database
 * (a capture, a config given by mistake) is never opened for writing.
 * 0: absent, empty or an SQLite file; -1 with err. */
int store_check_file(const char *path, int must_exist, char *err,
    size_t errlen)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (sb.st_size == 0)
		return must_exist ? (snprintf(err, errlen, "%s: empty file, "
		    "not an edgeward store", path), -1) : 0;
	char hdr[16];
	int n = read_header(path, hdr);
	if (n < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno));
		return -1;
	}
	if (n == 0 || memcmp(hdr, "SQLite format 3", 16) != 0) {
		snprintf(err, errlen, "%s: not an edgeward store (not an "
		    "SQLite 3 database); refusing to touch it", path);
		return -1;
	}
	return 0;
}

/* One integer from a query (first column of the first row). */
int store_query_i64(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(s, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			*out = 0;
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	return rc;
}

int store_has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *s = NULL;
	int found = 0;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = "
	    "'table' AND name = ?1", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		found = sqlite3_step(s) == SQLITE_ROW;
	}
	sqlite3_finalize(s);
	return found;
}

uint64_t store_file_bytes(sqlite3 *db)
{
	int64_t pages = 0, size = 0;
	if (store_query_i64(db, "PRAGMA page_count", &pages) != SQLITE_OK ||
	    store_query_i64(db, "PRAGMA page_size", &size) != SQLITE_OK ||
	    pages < 0 || size < 0)
		return 0;
	return (uint64_t)pages * (uint64_t)size;
}

/* Is this our file, and which schema version? Reads only. Returns 0 with
 * *version (0 = a new empty database), or -1 with err. */
int store_identify(sqlite3 *db, const char *path, int64_t *version,
    char *err, size_t errlen)
{
	int64_t uv = 0, tables = 0;
	int rc = store_query_i64(db, "PRAGMA user_version", &uv);
	if (rc == SQLITE_OK)
		rc = store_query_i64(db, "SELECT count(*) FROM sqlite_master", &tables);
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
		snprintf(err, errlen, "%s: not an edgeward store (%s); refusing "
		    "to touch it", path, sqlite3_errstr(rc));
		return -1;
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	if (uv < 0) {	/* a signed field of the file's header */
		snprintf(err, errlen, "%s: not an edgeward store (schema "
		    "version %lld); refusing to touch it", path, (long long)uv);
		return -1;
	}
	if (uv > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: written by a newer edgeward (store "
		    "schema %lld, this binary knows up to %d); refusing to touch "
		    "it", path, (long long)uv, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (uv == 0 && tables > 0) {
		snprintf(err, errlen, "%s: not an edgeward store (an SQLite "
		    "database with other tables); refusing to touch it", path);
		return -1;
	}
	if (uv > 0) {
		sqlite3_stmt *s = NULL;
		int ours = 0;
		if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = "
		    "'app'", -1, &s, NULL) == SQLITE_OK &&
		    sqlite3_step(s) == SQLITE_ROW) {
			const unsigned char *v = sqlite3_column_text(s, 0);
			ours = v && strcmp((const char *)v, "edgeward") == 0;
		}
		sqlite3_finalize(s);
		if (!ours) {
			snprintf(err, errlen, "%s: not an edgeward store (no "
			    "edgeward meta row); refusing to touch it", path);
			return -1;
		}
	}
	*version = uv;
	return 0;
}

int store_exec(sqlite3 *db, const char *sql, const char *path, char *err,
    size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg :
		    sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Each migration in its own transaction, with the version bump inside it:
 * a crash leaves the file at the old or the new version, never between. */
int store_migrate(sqlite3 *db, int64_t from, const char *path, char *err,
    size_t errlen)
{
	for (int64_t v = from; v < STORE_SCHEMA_VERSION; v++) {
		char bump[64];
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %lld",
		    (long long)(v + 1));
		if (store_exec(db, "BEGIN IMMEDIATE", path, err, errlen) != 0)
			return -1;
		if (store_exec(db, migrations[v], path, err, errlen) != 0 ||
		    store_exec(db, bump, path, err, errlen) != 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (store_exec(db, "COMMIT", path, err, errlen) != 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

/* The file and its directory (the WAL and shm files live there) must be
 * writable; say which one is not, rather than SQLite's "unable to open
 * database file". */
int store_check_writable(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	if (access(path, W_OK) != 0) {
		snprintf(err, errlen, "%s: not writable: %s", path,
		    strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "%s: directory %s not writable (the WAL "
		    "lives next to the store): %s", path, dir, strerror(errno));
		return -1;
	}
	return 0;
}
