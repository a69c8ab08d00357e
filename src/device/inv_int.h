/* inv_int.h - the inventory's private state, shared by inventory.c,
 * evidence.c and dev_output.c only (identification uses device_int.h). */
#ifndef EW_INV_INT_H
#define EW_INV_INT_H

#include <stddef.h>
#include <stdint.h>

#include "device/device_int.h"
#include "util/lrutab.h"

/* Table key: a MAC (type 1) or, for hosts seen without L2, an address
 * (type 4 or 6). Padding is zeroed: lrutab compares keys as bytes. */
struct dev_key {
	uint8_t type;
	uint8_t b[16];
};

/* Hostname sources, best last (DHCP option 12 wins). */
enum dev_name_src { DEV_NAME_NONE = 0, DEV_NAME_MDNS, DEV_NAME_DHCP6,
	DEV_NAME_DHCP };

/* A table record: the device (first, so a struct device pointer is a
 * record pointer) plus bookkeeping nobody outside the inventory needs. */
struct dev_rec {
	struct device d;
	/* the fields every packet reads or writes come first, next to the
	 * device's counters at the end of d */
	uint64_t chg;			/* inventory generation of its last
					 * change (dev_export_changed) */
	uint64_t ichg;			/* ... of its last identity change
					 * (dev_export_identity) */
	uint8_t dirty;			/* new evidence since the last
					 * classification */
	uint8_t name_src;		/* enum dev_name_src of d.hostname */
	uint8_t nremote;		/* distinct remote IPs behind the MAC */
	uint8_t reported;		/* at least one event written */
	uint32_t merged;		/* rotations merged into it */
	uint32_t remote[DEV_GATEWAY_REMOTE_IPS];	/* their hashes */
	uint64_t last_classify;		/* packet time of the last run */
};

#define DEV_MAC_CACHE 64	/* power of two */

struct dev_inv {
	struct dev_config cfg;
	struct homenet home;
	struct eve *eve;
	struct lrutab *devs;		/* dev_key -> dev_rec */
	struct lrutab *ipidx;		/* struct addr -> dev_key */
	struct dev_oui *oui;
	struct dev_kb *kb;
	struct dev_fplib *lib;
	struct dev_stats st;
	struct dev_rec *pin[2];		/* records the current packet holds */
	/* Records by MAC, direct-mapped by a hash of the MAC: the devices
	 * talking now are found without hashing the key (dev_rec_for_mac).
	 * A slot holds a record of the table or NULL; evictions and removals
	 * clear it. */
	struct dev_rec *cache[DEV_MAC_CACHE];
	uint64_t gen;			/* change generation: records changed
					 * now are stamped with it; each
					 * dev_export_changed starts a new one */
};

/* r changed (or is about to, within this call): the next
 * dev_export_changed hands it out. One store, so the packet path can call
 * it on every record it touches; counters change with every packet, so a
 * device that saw traffic since the last export is exported again. */
static inline void dev_rec_mark(const struct dev_inv *inv, struct dev_rec *r)
{
	r->chg = inv->gen;
}

/* r's identity changed: it appeared, its addresses, identification
 * (classification runs after new evidence, roles or host name), alerts,
 * events or a merge - not just counters and times. */
static inline void dev_rec_mark_ident(const struct dev_inv *inv,
    struct dev_rec *r)
{
	r->chg = r->ichg = inv->gen;
}

/* evidence.c: everything a packet's app metadata says about the devices
 * involved. src/dst are the packet's endpoint devices (NULL when the side
 * is remote or not a device). */
void dev_evidence_packet(struct dev_inv *inv, const struct packet *p,
    struct dev_rec *src, struct dev_rec *dst, const struct app_meta *m);
/* A SYN fingerprint "ttl:win:mss:wscale:opts" into buf. */
void dev_syn_fingerprint(const struct packet *p, char *buf, size_t size);

/* inventory.c helpers evidence.c needs. */
int dev_mac_unicast(const uint8_t mac[6]);	/* a host, not a group/zero */
struct dev_rec *dev_rec_for_mac(struct dev_inv *inv, const uint8_t mac[6],
    uint64_t ts);
/* The existing record for mac, or NULL (creates nothing). */
struct dev_rec *dev_rec_find_mac(struct dev_inv *inv, const uint8_t mac[6]);
/* The record keyed by this address (hosts seen without L2). */
struct dev_rec *dev_rec_for_ip(struct dev_inv *inv, const struct addr *ip,
    uint64_t ts);
void dev_rec_add_ip(struct dev_inv *inv, struct dev_rec *r,
    const struct addr *ip, uint64_t ts);
/* dev_persist.c: index every address of a restored record r. */
void dev_rec_index_ips(struct dev_inv *inv, const struct dev_rec *r);
/* Take r out of the table (a restored copy superseded by a merge). */
void dev_rec_remove(struct dev_inv *inv, struct dev_rec *r);
void dev_rec_set_hostname(struct dev_rec *r, const char *name,
    enum dev_name_src src);
/* New evidence for r (marks it for re-classification). */
int dev_rec_evidence(struct dev_rec *r, enum dev_ev_kind kind,
    const char *value, uint64_t ts);
/* r's DHCP identity changed: when r (a randomized MAC) is a rotation of
 * an older record, that record's history moves into r and it goes. */
void dev_rec_try_merge(struct dev_inv *inv, struct dev_rec *r);

/* The device for an alert: by MAC, else by address. A remote address
 * seen with the gateway's MAC is not the gateway. */
const struct device *dev_inv_lookup(const struct dev_inv *inv,
    const uint8_t *mac, const struct addr *ip);

struct jbuf;

/* dev_output.c: one "device" object (the EVE event's and devices.json's);
 * full adds the inventory-only keys. */
void dev_json_device(struct jbuf *jb, const struct dev_rec *r, int full);
/* EVE device event for r at packet time ts. */
void dev_emit_event(struct dev_inv *inv, struct dev_rec *r, uint64_t ts);

#endif /* EW_INV_INT_H */
