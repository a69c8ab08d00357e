/* eve.h - EVE JSON output: one Suricata-compatible JSON object per line.
 *
 * Field names follow Suricata's EVE format so SIEM pipelines ingest the
 * file unchanged; keys are always written in the same order so the same
 * capture gives a byte-identical file. */
#ifndef EW_EVE_H
#define EW_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "util/json.h"

struct proto_stats;
struct dev_stats;
struct alert_sink;
struct anom;
struct eve;

/* Open (truncate) path for writing. Returns NULL with a reason in err.
 * The caller owns the writer and closes it with eve_close(). */
struct eve *eve_open(const char *path, char *err, size_t errlen);
/* The same, appending to what is there (a restarted sensor must not wipe
 * its log); created mode 0640 when missing. */
struct eve *eve_open_append(const char *path, char *err, size_t errlen);

/* Rotation by size (live mode): once the file passes max_bytes after a
 * line, it becomes path.1 (path.1 -> path.2, ..., keep files kept, the
 * oldest removed) and a new path is started. 0 = never (the default). */
void eve_set_rotation(struct eve *ev, uint64_t max_bytes, unsigned keep);
/* Close and open the path again in append mode (logrotate moved it away:
 * SIGHUP). Returns 0, or -1 with a reason in err (the old file stays in
 * use). */
int eve_reopen(struct eve *ev, char *err, size_t errlen);
/* Push buffered lines to the kernel (live mode, every second or so).
 * Returns 0 or -1 when a write failed (counted as for eve_commit). */
int eve_flush(struct eve *ev);
/* Rotations done so far; bytes in the current file. */
uint64_t eve_rotations(const struct eve *ev);
uint64_t eve_bytes(const struct eve *ev);
/* errno of the first failed write since the last call (0 none), cleared:
 * the caller reports it once. */
int eve_take_error(struct eve *ev);

/* Flush and close. Returns 0, or -1 when any write failed (the reason is
 * left in err). NULL is a no-op returning 0. */
int eve_close(struct eve *ev, char *err, size_t errlen);

/* Lines written so far, and lines lost (too large, or write errors). */
uint64_t eve_lines(const struct eve *ev);
uint64_t eve_dropped(const struct eve *ev);

/* A cleared builder for the next event; finish with eve_commit(). The
 * builder belongs to the writer (do not free it). */
struct jbuf *eve_begin(struct eve *ev);
/* Append the finished object in the builder as one line. */
void eve_commit(struct eve *ev);

/* Common EVE header: timestamp, flow_id (omitted when 0), event_type. */
void eve_header(struct jbuf *jb, uint64_t ts_ns, uint64_t flow_id,
    const char *event_type);

/* A flow that ended (one "flow" event); app_proto is nDPI's name for its
 * application protocol, NULL when unknown. */
void eve_flow(struct eve *ev, const struct flow *f,
    enum flow_end_reason why, const char *app_proto);

/* Live mode only (NULL in analyze, whose output stays byte-identical):
 * what the capture lost, memory and the store's health. */
struct live_stats {
	uint64_t uptime_s;		/* wall clock since start */
	uint64_t kernel_drops;		/* pcap_stats ps_drop */
	uint64_t iface_drops;		/* pcap_stats ps_ifdrop */
	uint64_t rss_kb, rss_peak_kb;	/* VmRSS, VmHWM */
	int has_store;
	uint64_t store_queued, store_written, store_dropped, store_errors;
	uint64_t store_commits, store_bytes;
	int store_failing;
	uint64_t eve_rotations;
};

/* Everything counted during a run, for the final "stats" event. */
struct bl_stats;
struct run_stats {
	const struct cap_stats *capture;
	const struct dec_stats *decoder;
	const struct flow_stats *flow;
	const struct proto_stats *proto;	/* NULL: stage off */
	const struct dev_stats *devices;
	const struct alert_sink *alerts;
	const struct anom *model;	/* NULL: stage off (--no-model) */
	const struct bl_stats *baseline;	/* NULL: off (--no-baseline) */
	uint64_t eve_lines;
	uint64_t eve_dropped;	/* events too large or not written */
	const struct live_stats *live;	/* NULL: offline */
};

/* The whole "stats" event object, stamped with packet time ts_ns, into
 * jb (one builder for the EVE line and the store's stats row). */
void eve_stats_json(struct jbuf *jb, uint64_t ts_ns,
    const struct run_stats *rs);
/* One "stats" event (eve_stats_json as one line). */
void eve_stats(struct eve *ev, uint64_t ts_ns, const struct run_stats *rs);

/* "TCP", "UDP", "ICMP", "IPv6-ICMP", ... or the number as text. */
const char *eve_proto_name(uint8_t proto, char *buf, size_t size);

#endif /* EW_EVE_H */
