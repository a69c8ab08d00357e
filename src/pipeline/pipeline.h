/* pipeline.h - one packet's way through the stages: decode, flows,
 * application metadata, device inventory, behaviour checks, anomaly model,
 * output.
 *
 * The pipeline owns its stage state (decoder counters, flow table, proto,
 * inventory, checks, model, alert sink) and writes events to an EVE writer
 * the caller owns. Time inside comes only from packet timestamps, so one
 * capture always gives the same events. */
#ifndef EW_PIPELINE_H
#define EW_PIPELINE_H

#include <stdint.h>

#include <stdio.h>

#include "baseline/baseline.h"
#include "capture/capture.h"
#include "decode/decode.h"
#include "detect/alert.h"
#include "detect/detect.h"
#include "device/device.h"
#include "flow/flow.h"
#include "model/anom.h"
#include "output/eve.h"
#include "output/store.h"
#include "proto/proto.h"
#include "util/homenet.h"

/* How far packets go (benchmarks stop early to measure one stage). */
enum pl_stage {
	PL_STAGE_DECODE = 1,	/* decode only */
	PL_STAGE_FLOW,		/* + flow table, no output */
	PL_STAGE_PROTO,		/* + application metadata (nDPI, parsers) */
	PL_STAGE_DEVICE,	/* + device inventory */
	PL_STAGE_DETECT,	/* + behaviour checks */
	PL_STAGE_MODEL,		/* + anomaly model */
	PL_STAGE_ALL,		/* everything, events to EVE */
};

struct pipeline_config {
	enum pl_stage last_stage;
	struct homenet home;		/* the local network */
	struct flow_config flow;
	struct proto_config proto;
	struct dev_config dev;
	struct detect_config detect;	/* detect.enabled = 0: no checks */
	struct anom_config anom;	/* anom.enabled = 0: no model */
	struct bl_config bl;		/* bl.enabled = 0: no baselines */
	const char *scores_path;	/* one score per packet read, or NULL */
	int model_thread;		/* 1: the model on a worker thread
					 * (default: two or more CPUs online;
					 * model/model_thread.h) */

	/* Persistent store (borrowed; NULL = none). Alerts go to it as they
	 * are written; every store_flush_ns of packet time (and at the end)
	 * the devices changed since the last flush are upserted and the
	 * queue is committed; a stats row (the stats event's JSON) every
	 * store_stats_ns (0 = only with stats events and at the end). */
	struct store *store;
	const char *store_source;	/* run source: capture path, "iface:X" */
	uint64_t store_flush_ns;	/* default STORE_FLUSH_S */
	uint64_t store_stats_ns;	/* default STORE_STATS_S */
	/* Live mode: fills the "live" block of stats events (NULL offline,
	 * whose output stays byte-identical). */
	void (*live_fn)(struct live_stats *out, void *ud);
	void *live_ud;
};

/* Defaults from config.h: every stage, the default home net. */
void pipeline_config_default(struct pipeline_config *cfg);

struct pipeline;

/* New pipeline writing to eve (borrowed; may be NULL: nothing is written
 * but everything is still computed). Returns NULL with a reason in err. */
struct pipeline *pipeline_new(const struct pipeline_config *cfg,
    struct eve *eve, char *err, size_t errlen);
/* NULL is a no-op. Does not close the EVE writer. */
void pipeline_free(struct pipeline *pl);

/* Run every frame of an open capture through the stages. A link type the
 * decoders do not know is counted as skipped frames (the caller reports
 * it once). Returns 0 at the end of the capture, -1 when the capture turned
 * out damaged (cap_error() says how; what was read is still processed). */
int pipeline_run_capture(struct pipeline *pl, struct capture *cap);

/* One frame (for live sources and tests). */
void pipeline_packet(struct pipeline *pl, int linktype,
    const struct cap_pkt *cp);

/* End of input: end every flow, close open alert episodes, finish the
 * inventory and the model (saving a snapshot when configured) and write
 * the final stats event. Returns 0, or -1 with a reason in err when
 * something could not be written (the scores file, the snapshot). */
int pipeline_finish(struct pipeline *pl, char *err, size_t errlen);

/* Advance pipeline time to now_ns without a packet (live mode, on a
 * capture timeout): flows idle past their timeout end, periodic store
 * flushes happen. Only forward: an earlier now_ns is ignored. */
void pipeline_advance(struct pipeline *pl, uint64_t now_ns);

/* One "stats" event now (periodic, live mode), with the live block when
 * live_fn is set; the same JSON goes to the store as a stats row. */
void pipeline_stats_event(struct pipeline *pl);

/* Store hooks outside the packet-time schedule: upsert changed devices
 * and commit (live mode calls it on shutdown paths; pipeline_finish does
 * it itself). No-op without a store. */
void pipeline_store_sync(struct pipeline *pl);

/* Snapshot the anomaly model now (signed with key, a secret key file) to
 * path and record it in the store. 0 (also when there is no model or
 * nothing to save yet), -1 with a reason in err. */
int pipeline_save_model(struct pipeline *pl, const char *path,
    const char *key, char *err, size_t errlen);

/* Put the devices of a store back into the inventory (a restart). Rows
 * whose state blob dev_restore refuses are skipped and counted. Returns
 * 0, or -1 when the store could not be read (err says why). */
struct pl_restore {
	size_t restored;
	size_t bad;
	char first_bad[256];		/* why the first bad row was refused */
	size_t baselines, mud, folded;	/* pipeline_restore_baselines */
	size_t bl_bad;
	char bl_first_bad[256];
};
int pipeline_restore(struct pipeline *pl, struct store *st,
    struct pl_restore *out, char *err, size_t errlen);
/* The baselines of a store: learned ones come back, imported MUD
 * profiles are attached, alerts acknowledged as expected are folded in.
 * Fills the bl fields of out (the rest untouched). 0 or -1 with err. */
int pipeline_restore_baselines(struct pipeline *pl, struct store *st,
    struct pl_restore *out, char *err, size_t errlen);

/* Listen to every alert written (e.g. syslog in live mode). -1 when the
 * sink has no room or the checks are off. */
int pipeline_listen_alerts(struct pipeline *pl, alert_listener_fn fn,
    void *ud);

/* The baselines (NULL when off). */
struct baseline *pipeline_baseline(const struct pipeline *pl);
/* The anomaly model (NULL when off). It may run on its own thread: read
 * it only before the first packet, or after pipeline_save_model,
 * pipeline_stats_event or pipeline_finish (each waits for the model) and
 * before the next packet. */
struct anom *pipeline_anom(const struct pipeline *pl);

const struct cap_stats *pipeline_cap_stats(const struct pipeline *pl);
const struct dec_stats *pipeline_dec_stats(const struct pipeline *pl);
const struct flow_stats *pipeline_flow_stats(const struct pipeline *pl);
/* First and last packet time seen (0 when no packet). */
uint64_t pipeline_first_ts(const struct pipeline *pl);
uint64_t pipeline_last_ts(const struct pipeline *pl);
/* Flows ended so far, by IP protocol bucket: [0] TCP, [1] UDP,
 * [2] ICMP/ICMPv6, [3] other. */
const uint64_t *pipeline_flows_by_proto(const struct pipeline *pl);
/* The stages' state, for the summary and `devices learn` (NULL when the
 * stage is off). Owned by the pipeline. */
struct dev_inv *pipeline_devices(const struct pipeline *pl);
const struct alert_sink *pipeline_alerts(const struct pipeline *pl);
const struct proto *pipeline_proto(const struct pipeline *pl);

#endif /* EW_PIPELINE_H */
