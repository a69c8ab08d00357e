/* store.h - the persistent store: one SQLite 3 file in WAL mode holding
 * devices, alerts, run statistics, baselines and model snapshot metadata.
 *
 * Writers (the packet path) only copy rows into a bounded in-memory queue;
 * store_flush() hands the queue to a writer thread that commits it as ONE
 * transaction, so the packet path never waits for the disk and a crash
 * loses at most what was not flushed yet. Row order is kept, so the same
 * capture gives the same store content (alert ids included).
 *
 * Failures (disk full, read-only file, I/O error) never stop the caller:
 * the batch is rolled back, its rows are counted as dropped, the error is
 * kept in store_status (failing = 1) and the next flush tries again. The
 * writer thread never prints; the owner polls store_get_status().
 *
 * Schema: versioned in PRAGMA user_version with an ordered migration list
 * (store.c). A file written by a newer edgeward, or a file that is not an
 * edgeward store, is refused without being touched. */
#ifndef EW_STORE_H
#define EW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "detect/alert.h"

struct store_config {
	const char *path;
	size_t queue_memcap;		/* bytes of rows waiting for the writer; over it rows are dropped, counted */
	uint64_t alert_max_age_s;	/* retention by age against the newest alert's packet time; 0 = keep */
	uint64_t device_max_age_s;	/* devices not seen for this long (packet time) are deleted; 0 = keep */
	uint64_t max_bytes;		/* retention by size: oldest alerts deleted first; 0 = no limit */
	int threaded;			/* 1: a writer thread commits; 0: store_flush commits in the caller */
};
/* Defaults from config.h (STORE_*), path NULL, threaded 1. */
void store_config_default(struct store_config *cfg);

struct store;

/* Create the file (mode 0640) or open and migrate it. NULL with a reason
 * in err: not an SQLite file / not an edgeward store, written by a newer
 * edgeward, cannot open or create. The caller closes with store_close(). */
struct store *store_open(const struct store_config *cfg, char *err,
    size_t errlen);
/* Open an existing store read-only (the devices/alerts commands); works
 * while a writer has it open (WAL). The put and flush calls do nothing
 * on it. NULL with a reason in err. */
struct store *store_open_readonly(const char *path, char *err,
    size_t errlen);
/* Flush what is queued, join the writer (it commits everything handed to
 * it first) and close. Returns 0, or -1 when the store was failing at the
 * end, i.e. the last commit failed (reason in err). NULL is a no-op
 * returning 0. */
int store_close(struct store *st, char *err, size_t errlen);

/* Writers copy their arguments into the queue and never block on disk.
 * The put and flush calls are made from ONE thread (the packet path);
 * store_get_status, store_wait and the readers may be called from any. */
struct store_device {
	const char *key;		/* "aa:bb:cc:dd:ee:ff", or the IP when keyed by IP */
	const char *mac, *ip, *vendor, *cls, *model, *name;	/* "" or NULL when unknown */
	uint64_t first_seen, last_seen;	/* packet time, ns */
	uint64_t pkts, bytes;		/* cumulative since first seen; also kept
					 * per STORE_TRAFFIC_BUCKET_S bucket of
					 * last_seen in device_traffic */
	const char *json; size_t json_len;	/* the devices.json object */
	const char *state; size_t state_len;	/* restore blob (dev_restore input); may equal json */
	uint64_t alerts_open[3];	/* store_query_devices/store_get_device only:
					 * alerts with this device_key not
					 * acknowledged, severity 1..3 */
};
void store_put_device(struct store *st, const struct store_device *d);	/* upsert by key */
/* The alert's EVE JSON object (eve_alert_json, byte-identical to the
 * eve.json line) plus its indexed columns. */
void store_put_alert(struct store *st, const struct alert *a,
    const struct alert_device *d);
void store_put_stats(struct store *st, uint64_t ts, const char *json,
    size_t len);	/* one stats event */
void store_put_model(struct store *st, uint64_t ts, const char *path,
    const char *phase, uint64_t trained);
/* Upsert by (device_key, kind). */
void store_put_baseline(struct store *st, const char *device_key,
    const char *kind, uint64_t ts, const char *json, size_t len);
/* A run row: stats rows written until store_run_end() carry its id.
 * source: file path or "iface:eth0". */
void store_run_begin(struct store *st, const char *source, uint64_t ts);
void store_run_end(struct store *st, uint64_t ts);
/* Hand the queue to the writer: one transaction per flush. threaded: does
 * not wait for the commit (batches wait in order behind one still being
 * written; their bytes stay charged to queue_memcap until committed, so a
 * stalled disk leads to drops, never to unbounded memory). Returns 0, or
 * -1 when the last commit failed (failing; details in store_status). */
int store_flush(struct store *st);

/* Wait until the writer has committed everything handed to it (tests,
 * shutdown, a restart that reads back). Returns as store_flush. */
int store_wait(struct store *st);

/* rows_queued: rows accepted into the queue since open (cumulative, like
 * every counter here); rows_dropped: refused by the memcap or lost with a
 * failed commit; bytes: the database file (page_count * page_size). */
struct store_status {
	uint64_t rows_queued, rows_written, rows_dropped, commits, errors,
	    bytes;
	int failing;
	char last_error[256];
	/* extra: */
	uint64_t queue_bytes;		/* bytes waiting now */
	uint64_t alerts_expired;	/* retention by age */
	uint64_t alerts_trimmed;	/* retention by size */
	uint64_t stats_expired;		/* stats rows, by age (alert age) or size */
	uint64_t devices_expired;
	uint64_t retention_runs;
};
void store_get_status(struct store *st, struct store_status *out);	/* thread-safe */

/* Readers (opened read-only or read-write); callbacks return 0 to go on,
 * non-zero to stop. Each returns 0, or -1 on a database error. Pointers
 * passed to the callback are valid during the call only. */
int store_each_device(struct store *st,
    int (*fn)(const struct store_device *d, void *ud), void *ud);	/* by key */
struct store_alert_row { int64_t id; uint64_t ts_start, ts_end; uint32_t sid; int severity; const char *category,
	*signature, *src_ip, *dest_ip, *device_key, *json;
	int acked, expected;	/* store_query_alerts/store_get_alert only; 0 elsewhere */ };
struct store_alert_filter { uint64_t since_ns; const char *device; int max_severity; /* 0 = any; 1..3: that or more severe */ unsigned limit; };
/* By ts_start then id. f may be NULL (all). device matches device_key,
 * src_ip or dest_ip. limit 0 = all; otherwise the NEWEST limit rows, still
 * printed oldest first. */
int store_each_alert(struct store *st, const struct store_alert_filter *f,
    int (*fn)(const struct store_alert_row *r, void *ud), void *ud);
/* By device_key then kind. */
int store_each_baseline(struct store *st,
    int (*fn)(const char *device_key, const char *kind, uint64_t ts,
    const char *json, void *ud), void *ud);

/* Extras for readers. ts_start of the newest alert (0: none) -> *out;
 * 0 or -1. */
int store_newest_alert_ts(struct store *st, uint64_t *out);
/* The latest model snapshot row (path in buf); 1 found, 0 none, -1. */
int store_last_model(struct store *st, uint64_t *ts, char *path,
    size_t pathlen, char *phase, size_t phaselen, uint64_t *trained);

/* ---- readers for the HTTP API (src/api/). Values only ever reach SQL
 * as bound parameters. Each returns what it says, -1 on a database error
 * or STORE_EBUSY when the database stayed locked past the busy timeout.
 * A read-only v1 file has no device_traffic / alert_acks tables: they
 * read as empty (no traffic, nothing acknowledged). Callbacks run under
 * the store's lock: they must not call the store. */
#define STORE_EBUSY (-2)

struct store_device_filter {
	const char *q;		/* case-insensitive (ASCII) substring of key, mac,
				 * ip, vendor, class, model or name; NULL any */
	const char *cls;	/* exact class; NULL any */
	unsigned limit, offset;	/* limit 0 = all */
};
/* Matching devices by last_seen descending then key, the page
 * [offset, offset+limit) to fn; the count of all matching -> *total.
 * pkts/bytes come from the device JSON. 0 or <0. */
int store_query_devices(struct store *st, const struct store_device_filter *f,
    uint64_t *total, int (*fn)(const struct store_device *d, void *ud),
    void *ud);
/* One device by key: 1 (fn called), 0 no such device, <0. */
int store_get_device(struct store *st, const char *key,
    int (*fn)(const struct store_device *d, void *ud), void *ud);

struct store_alert_query {
	uint64_t since_ns, until_ns;	/* ts_start within; until 0 = no bound */
	const char *device;	/* device_key, src_ip or dest_ip; NULL any */
	int max_severity;	/* 0 any; 1..3: that or more severe */
	const char *category;	/* NULL any */
	int acked;		/* -1 any, 0 not acknowledged, 1 acknowledged */
	int64_t after_id;	/* < 0: newest id first; >= 0: ids > after_id,
				 * ascending (polling) */
	unsigned limit, offset;	/* limit 0 = all */
};
/* The page of matching alerts to fn (acked/expected filled in); the count
 * of all matching -> *total. 0 or <0. */
int store_query_alerts(struct store *st, const struct store_alert_query *q,
    uint64_t *total, int (*fn)(const struct store_alert_row *r, void *ud),
    void *ud);
/* One alert by id: 1 (fn called), 0 none, <0. */
int store_get_alert(struct store *st, int64_t id,
    int (*fn)(const struct store_alert_row *r, void *ud), void *ud);
/* Alerts with this device_key not acknowledged, by severity 1..3 in
 * open[0..2]. 0 or <0. */
int store_alerts_open(struct store *st, const char *device_key,
    uint64_t open[3]);
/* The baselines of one device, by kind. 0 or <0. */
int store_each_baseline_of(struct store *st, const char *device_key,
    int (*fn)(const char *kind, uint64_t ts, const char *json, void *ud),
    void *ud);
/* The newest stats row: fn(ts, whole event JSON, its "stats" member as
 * JSON text). 1 (fn called), 0 no stats yet, <0. */
int store_newest_stats(struct store *st, int (*fn)(uint64_t ts,
    const char *event, const char *stats, void *ud), void *ud);

struct store_traffic_point { uint64_t ts, pkts, bytes; };
/* The newest max samples of a device with ts <= until_ns (0 = no bound),
 * oldest first, into out[]; how many -> *n. Cumulative counters as stored
 * (one per STORE_TRAFFIC_BUCKET_S bucket). 0 or <0. */
int store_traffic(struct store *st, const char *device_key,
    uint64_t until_ns, struct store_traffic_point *out, size_t max,
    size_t *n);

struct store_counts {
	uint64_t devices, alerts, bytes;	/* bytes: the database file */
	uint64_t alerts_by_sev[3];		/* severity 1..3 */
	int64_t newest_alert_id;		/* 0: none */
	uint64_t newest_alert_ts;		/* its ts_start, 0: none */
};
int store_get_counts(struct store *st, struct store_counts *c);	/* 0 or <0 */
/* Devices per class ("" for unclassified), by class. 0 or <0. */
int store_devices_by_class(struct store *st,
    int (*fn)(const char *cls, uint64_t n, void *ud), void *ud);
/* Alerts per category, by category. 0 or <0. */
int store_alerts_by_category(struct store *st,
    int (*fn)(const char *category, uint64_t n, void *ud), void *ud);
/* Alerts with ts_start >= since_ns per UTC day (days since the epoch)
 * and severity, by day. 0 or <0. */
int store_alerts_per_day(struct store *st, uint64_t since_ns,
    int (*fn)(uint64_t day, int severity, uint64_t n, void *ud), void *ud);
/* Record an acknowledgement now, on a READ-WRITE store, bypassing the
 * queue (a user action, rare). Repeating it overwrites the previous one.
 * ts_ns: wall clock. 1 done, 0 no such alert, <0. */
int store_ack_alert(struct store *st, int64_t alert_id, uint64_t ts_ns,
    int expected, const char *note, const char *source);

/* Tests and diagnostics: run sql on the writer's connection between
 * batches (e.g. "PRAGMA max_page_count = 50" to make the disk "full",
 * "PRAGMA query_only = 1" to make it read-only). 0 or -1 with err. */
int store_debug_exec(struct store *st, const char *sql, char *err,
    size_t errlen);

/* ==== enforcement: quarantine and policy_log (schema v3) =================
 * Written by user actions (`edgeward quarantine`, `policy mud-import`, the
 * API's quarantine action), never by the packet path: synchronously, on a
 * READ-WRITE store, bypassing the queue (like store_ack_alert). Times in
 * these two tables are WALL-CLOCK SECONDS since the epoch (when a person
 * acted), not packet-time nanoseconds. who: the Unix user name (CLI) or
 * "api". A read-only v1/v2 file has no such tables: they read as empty.
 * Each returns what it says, -1 on a database error (also: a read-only
 * store for the writers) or STORE_EBUSY. Callbacks run under the store's
 * lock: they must not call the store. (src/output/store_policy.c) */
struct store_quarantine {
	const char *device_key;		/* the devices table's key */
	const char *mac;		/* "aa:bb:cc:dd:ee:ff", "" when keyed by IP */
	const char *ips;		/* the device's IPs, space separated */
	uint64_t since, until;		/* wall-clock s; until 0 = no expiry */
	const char *who, *why;
};
/* Quarantine (upsert by device_key) and append a "quarantine" policy_log
 * row (ts = q->since, detail as given) in one transaction. 0 or <0. */
int store_quarantine_put(struct store *st, const struct store_quarantine *q,
    const char *detail);
/* Delete the entry and append a "release" row, in one transaction.
 * 1 released, 0 it was not quarantined (nothing logged), <0. */
int store_quarantine_release(struct store *st, const char *device_key,
    uint64_t now_s, const char *who, const char *why);
/* The active entries by device_key. Read-write store: entries with
 * 0 < until <= now_s are deleted first, each with an "expire" row (who
 * "edgeward"); read-only: they are skipped. 0 or <0. */
int store_quarantine_each(struct store *st, uint64_t now_s,
    int (*fn)(const struct store_quarantine *q, void *ud), void *ud);
/* One row: action is one of quarantine, release, expire, mud-import,
 * apply. 0 or <0. */
int store_policy_log_add(struct store *st, uint64_t ts_s, const char *action,
    const char *device_key, const char *who, const char *why,
    const char *detail);
struct store_policy_log_row {
	int64_t id;
	uint64_t ts;			/* wall-clock s */
	const char *action, *device_key, *who, *why, *detail;
};
/* Oldest first (by id); device_key NULL = all; limit 0 = all, otherwise
 * the newest limit rows (still oldest first). 0 or <0. */
int store_policy_log_each(struct store *st, const char *device_key,
    unsigned limit, int (*fn)(const struct store_policy_log_row *r,
    void *ud), void *ud);
/* ==== end of enforcement =================================================== */

#endif /* EW_STORE_H */
