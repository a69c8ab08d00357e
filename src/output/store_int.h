/* store_int.h - what store.c (open, schema, queue), store_writer.c (the
 * commit path and retention) and store_read.c (readers) share. Not for
 * use outside src/output/store*.c. */
#ifndef EW_STORE_INT_H
#define EW_STORE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "output/store.h"
#include "util/json.h"

#define STORE_SCHEMA_VERSION 3

enum store_qtype {
	STORE_Q_DEVICE, STORE_Q_ALERT, STORE_Q_STATS, STORE_Q_MODEL,
	STORE_Q_BASELINE, STORE_Q_RUN_BEGIN, STORE_Q_RUN_END
};

#define STORE_QSTR 11		/* most strings in one row (a device) */

/* One queued row: numbers in u[], strings copied into data[] (each NUL
 * terminated, with its length, so blobs with NUL bytes survive). */
struct store_qrow {
	struct store_qrow *next;
	enum store_qtype type;
	size_t size;			/* bytes charged to queue_memcap */
	uint64_t u[4];
	const char *s[STORE_QSTR];
	size_t n[STORE_QSTR];
	char data[];
};

/* What one store_flush() handed over: committed as one transaction. */
struct store_batch {
	struct store_batch *next;
	struct store_qrow *head;
	size_t rows, bytes;
};

enum store_stmt {
	STORE_ST_DEVICE, STORE_ST_ALERT, STORE_ST_STATS, STORE_ST_MODEL,
	STORE_ST_BASELINE, STORE_ST_RUN_BEGIN, STORE_ST_RUN_END,
	STORE_ST_TRAFFIC,
	STORE_ST__COUNT
};

struct store {
	struct store_config cfg;
	char *path;			/* owned copy of cfg.path */
	int readonly;
	sqlite3 *db;
	sqlite3_stmt *stmt[STORE_ST__COUNT];

	/* caller side (the thread calling put/flush) */
	struct jbuf jb;			/* alert JSON builder */
	struct store_qrow *pend_head, *pend_tail;
	size_t pend_rows, pend_bytes;

	/* mu guards everything below and the writer list */
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	struct store_batch *wq_head, *wq_tail;
	int busy, stop, thread_started;
	pthread_t thread;
	struct store_status status;	/* queue_bytes = pending + handed over */

	/* dbmu: one user of the connection at a time (writer commit vs.
	 * readers on a read-write store). Lock order: dbmu before mu. */
	pthread_mutex_t dbmu;
	/* writer side (under dbmu) */
	int64_t run_id;			/* current run row, 0 = none */
	unsigned commits_since_retention;
};

/* store_schema.c */
/* 0: absent (unless must_exist), empty or an SQLite file; -1 with err. */
int store_check_file(const char *path, int must_exist, char *err,
    size_t errlen);
/* The file (when present) and its directory writable; -1 with err. */
int store_check_writable(const char *path, char *err, size_t errlen);
/* Ours, and not newer than this binary? *version 0 = new and empty. */
int store_identify(sqlite3 *db, const char *path, int64_t *version,
    char *err, size_t errlen);
/* Apply the migrations after version `from`, each in a transaction. */
int store_migrate(sqlite3 *db, int64_t from, const char *path, char *err,
    size_t errlen);
int store_exec(sqlite3 *db, const char *sql, const char *path, char *err,
    size_t errlen);
int store_query_i64(sqlite3 *db, const char *sql, int64_t *out);
/* 1 when the table exists (a read-only v1 file lacks the v2 ones). */
int store_has_table(sqlite3 *db, const char *name);

/* store_writer.c */
void store_commit_batch(struct store *st, struct store_batch *b);
void *store_writer_main(void *arg);
void store_batch_free(struct store_batch *b);
/* "path: message (SQLITE_FULL)" into buf. */
void store_db_error(struct store *st, int rc, const char *what, char *buf,
    size_t size);
/* Current file size: page_count * page_size (0 on error). */
uint64_t store_file_bytes(sqlite3 *db);

#endif /* EW_STORE_INT_H */
