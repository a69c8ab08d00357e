/* baseline.h - per-device behaviour baselines and their deviation alerts.
 *
 * Each local device learns, from its first packet for a learning period
 * (packet time), what it normally does: the remote endpoints it opens
 * (address, the DNS name it resolved for it, country), the (protocol,
 * port) services it uses, the LAN peers it talks to in either direction,
 * the ports it serves, the application protocols, how many bytes it sends
 * per minute, and the hours it is active. After that, new items raise
 * explained alerts, one per episode: new-country, new-destination (a new
 * service or registered domain), lateral-movement (a new internal peer),
 * new-service (serving a port it never served), volume-spike,
 * unusual-hours; with a zones file, policy-violation for flows a deny rule
 * forbids; with an imported MUD profile, policy-violation for flows the
 * profile does not allow (the profile then replaces the learned baseline).
 *
 * A novelty budget per device and kind, sized from the rate of new items
 * the device itself showed in the second half of its learning period
 * (plus a floor for general-purpose classes: phones, computers, TVs), lets
 * a device that keeps meeting new things learn them quietly. Items that
 * raised an alert are not learned; `alerts ack --expected` folds them in
 * (bl_fold_alert).
 *
 * Memory: a fixed table of device records (memcap, LRU eviction), each
 * about 9 KiB, and a fixed DNS answer cache. Deterministic: packet time
 * only, walks in LRU order. */
#ifndef EW_BASELINE_H
#define EW_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "detect/alert.h"
#include "flow/flow.h"
#include "proto/proto.h"
#include "util/homenet.h"

struct dev_inv;
struct proto;

struct bl_config {
	int enabled;
	uint64_t learn_ns;		/* per-device learning period */
	size_t memcap;			/* device table bytes */
	const char *geo_tor4, *geo_tor6;	/* NULL: Debian's tor-geoipdb */
	const char *geo_mmdb;		/* a MaxMind DB instead (NULL: none) */
	int geo_off;			/* no country lookups */
	const char *zones_path;		/* zones file (NULL: none) */
};
void bl_config_default(struct bl_config *cfg);

struct bl_stats {
	uint64_t devices, evicted;
	uint64_t learning, active;	/* devices by phase now */
	uint64_t items_learned;		/* set entries added */
	uint64_t absorbed;		/* novelties within budget, learned */
	uint64_t alerts;		/* episodes reported (at their end) */
	uint64_t set_full;		/* entries replaced in full sets */
	uint64_t mud_profiles;		/* devices with an imported profile */
	size_t memory;			/* bytes held (tables, geo, zones) */
	size_t geo_memory;
	uint64_t geo_failed;		/* country file unusable when loaded */
};

struct baseline;

/* home copied; sink, inv, ps borrowed (inv/ps may be NULL: no classes,
 * no app names). NULL with a reason in err (a geo database or zones file
 * that cannot be read). */
struct baseline *bl_new(const struct bl_config *cfg,
    const struct homenet *home, struct alert_sink *sink,
    struct dev_inv *inv, const struct proto *ps, char *err, size_t errlen);
void bl_free(struct baseline *b);	/* NULL is a no-op */

/* One packet after the inventory (f may be NULL). */
void bl_packet(struct baseline *b, const struct packet *p,
    const struct flow *f, int to_server, const struct app_meta *m);
/* A flow ended: its application protocol joins the devices' sets. */
void bl_flow_end(struct baseline *b, const struct flow *f);
/* Packet time moved on without a packet: close buckets and episodes. */
void bl_tick(struct baseline *b, uint64_t now);
/* End of input: close every open episode as of now. */
void bl_finish(struct baseline *b, uint64_t now);

const struct bl_stats *bl_stats(struct baseline *b);

/* ---- persistence (bl_persist.c) ----
 * A device's baseline as the JSON blob the store keeps (kind "learned";
 * the format is in docs/ARCHITECTURE.md). fn gets every device changed
 * since *cursor (0 = all), least recently active first; the strings are
 * valid during the call only. Returns the count. */
typedef void (*bl_export_fn)(const char *key, uint64_t ts, const char *json,
    size_t len, void *ud);
size_t bl_export_changed(struct baseline *b, uint64_t *cursor,
    bl_export_fn fn, void *ud);
/* Put one device's baseline back from its blob (a restart). 0, or -1
 * with err (nothing changed). */
int bl_restore(struct baseline *b, const char *json, size_t len, char *err,
    size_t errlen);
/* Attach an imported MUD file (baselines kind "mud") to device key: from
 * now on it is the device's allowed behaviour. 0 or -1 with err. */
int bl_attach_mud(struct baseline *b, const char *key, const char *json,
    size_t len, char *err, size_t errlen);
/* An alert acknowledged as expected (its stored EVE JSON): the item it
 * reported joins the device's baseline. 1 folded, 0 not a baseline alert
 * or device unknown, -1 bad JSON. */
int bl_fold_alert(struct baseline *b, const char *alert_json, size_t len);

#endif /* EW_BASELINE_H */
