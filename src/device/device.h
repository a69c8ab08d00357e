/* device.h - the device inventory: identity, evidence, classification.
 *
 * The pipeline feeds every packet (with what proto/ parsed from it) and
 * every ended flow. The inventory keys a device by MAC where L2 is visible,
 * else by IP; only hosts on the local network (home net, or seen on the
 * same L2 segment) are devices. Memory is fixed at creation (memcap): when
 * full the least recently seen device is evicted and counted.
 *
 * Output: EVE "device" events when a device appears or its identification
 * changes, and the devices.json inventory at the end. */
#ifndef EW_DEVICE_H
#define EW_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "detect/alert.h"
#include "flow/flow.h"
#include "proto/proto.h"
#include "util/homenet.h"

struct eve;

struct dev_config {
	size_t memcap;			/* bytes for the device table */
	const char *kb_path;		/* knowledge base (NULL: the default,
					 * data/devices.kb beside the binary
					 * or the installed copy) */
	const char *oui_path;		/* NULL: /usr/share/ieee-data/oui.txt */
	const char *library_path;	/* enrolment fingerprint library to
					 * match against (NULL: none) */
	int events;			/* write EVE device events */
};
void dev_config_default(struct dev_config *cfg);

struct dev_stats {
	uint64_t devices;		/* in the table now */
	uint64_t created;
	uint64_t evicted;		/* memcap evictions */
	uint64_t merged;		/* randomized-MAC rotations linked */
	uint64_t events;		/* device events written */
};

struct dev_inv;

/* home is copied. eve is borrowed (NULL: no events). Returns NULL with a
 * reason in err (e.g. an unreadable knowledge base). */
struct dev_inv *dev_new(const struct dev_config *cfg,
    const struct homenet *home, struct eve *eve, char *err, size_t errlen);
void dev_free(struct dev_inv *inv);	/* NULL is a no-op */

/* One packet (f may be NULL, e.g. ARP). */
void dev_packet(struct dev_inv *inv, const struct packet *p,
    const struct flow *f, int to_server, const struct app_meta *m);
/* A flow ended; app is nDPI's name for it (NULL unknown), cleartext as
 * proto_flow_cleartext() says. */
void dev_flow_end(struct dev_inv *inv, const struct flow *f,
    const char *app, int cleartext);
/* End of input at packet time now: final classification, events for
 * anything that changed. */
void dev_finish(struct dev_inv *inv, uint64_t now);

/* Write the inventory as one JSON array (DESIGN.md's devices.json). */
int dev_write_json(const struct dev_inv *inv, const char *path, char *err,
    size_t errlen);

/* alert_device_fn for the alert sink (ud = the inventory). */
int dev_alert_lookup(const uint8_t *mac, const struct addr *ip,
    struct alert_device *out, void *ud);
/* alert_listener_fn: counts alerts per device (risk). */
void dev_on_alert(const struct alert *a, const struct alert_device *d,
    void *ud);

/* For the summary: one line per device, most recently seen last. Returns
 * the number of devices; line(i) text goes into buf. */
size_t dev_count(const struct dev_inv *inv);
int dev_summary_line(const struct dev_inv *inv, size_t i, char *buf,
    size_t size);

const struct dev_stats *dev_stats(const struct dev_inv *inv);

/* ---- persistence (dev_persist.c): the store and restarts ----
 * Every device carries a change sequence number, bumped when anything in
 * its record changes; dev_export_changed hands out the devices changed
 * since a cursor so a periodic flush writes only those. */
struct dev_export {
	const char *key, *mac, *ip, *vendor, *cls, *model, *name;	/* never NULL ("" unknown) */
	uint64_t first_seen, last_seen;
	uint64_t pkts, bytes;		/* sent + received, since first seen */
	const char *json; size_t json_len;	/* this device's devices.json object */
	const char *state; size_t state_len;	/* everything dev_restore needs */
};
typedef void (*dev_export_fn)(const struct dev_export *d, void *ud);
/* fn for every device changed since *cursor (0 = all), deterministic order
 * (least recently seen first); advances *cursor. The strings are owned by
 * the inventory and valid only during the call; fn must not change the
 * inventory. Returns the count. */
size_t dev_export_changed(struct dev_inv *inv, uint64_t *cursor,
    dev_export_fn fn, void *ud);
/* The same for devices whose identity changed since *cursor (appeared,
 * addresses, new evidence once classified, identification, roles, alert
 * counts, events, merges), not those whose counters and times alone moved.
 * Every active device changes its counters all the time: on flash, export
 * identity changes often and dev_export_changed rarely (own cursors; fn
 * NULL only moves the cursor, e.g. right after restoring). */
size_t dev_export_identity(struct dev_inv *inv, uint64_t *cursor,
    dev_export_fn fn, void *ud);
/* Put one device back from a state blob (a restart, before traffic). 0,
 * or -1 with err (bad blob, or the key is already in the inventory:
 * nothing changed). No EVE device event: the device is not new; a later
 * change of its identification does emit one. Restore in ascending
 * last_seen to rebuild the eviction order. A stale row of a randomized MAC
 * that a restored device rotated away from is dropped (returns 0). */
int dev_restore(struct dev_inv *inv, const char *state, size_t len,
    char *err, size_t errlen);

#endif /* EW_DEVICE_H */
