/* device_int.h - the device record and evidence, shared by the inventory
 * (inventory, evidence, output) and identification (OUI, knowledge base,
 * classification, enrolment library) inside src/device/. Not for other
 * modules: they use device.h. */
#ifndef EW_DEVICE_INT_H
#define EW_DEVICE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "device/device.h"

/* Kinds of evidence: X(enum suffix, "name" used in JSON and the KB). */
#define DEV_EVIDENCE_KINDS(X) \
	X(OUI,           "oui")		/* OUI organisation of the MAC */ \
	X(DHCP_HOSTNAME, "dhcp.hostname") \
	X(DHCP_VENDOR,   "dhcp.vendor_class") \
	X(DHCP_PRL,      "dhcp.prl")	/* option 55 list "1,3,6,..." */ \
	X(DHCP_OPTIONS,  "dhcp.options")	/* option codes in order */ \
	X(DHCP_CLIENTID, "dhcp.client_id") \
	X(MUD_URL,       "dhcp.mud_url") \
	X(DHCP6_VENDOR,  "dhcp6.vendor_class") \
	X(DHCP6_ORO,     "dhcp6.oro") \
	X(DHCP6_HOSTNAME, "dhcp6.hostname") \
	X(MDNS_SERVICE,  "mdns.service")	/* "_hap._tcp" */ \
	X(MDNS_INSTANCE, "mdns.instance")	/* instance name */ \
	X(MDNS_HOSTNAME, "mdns.hostname")	/* "name.local" */ \
	X(MDNS_TXT,      "mdns.txt")	/* "md=Chromecast" etc. */ \
	X(SSDP_SERVER,   "ssdp.server") \
	X(SSDP_TYPE,     "ssdp.type")	/* ST/NT device/service URN */ \
	X(HTTP_UA,       "http.user_agent") \
	X(HTTP_HOST,     "http.host") \
	X(HTTP_SERVER,   "http.server")	/* device acting as HTTP server */ \
	X(TLS_SNI,       "tls.sni") \
	X(JA3,           "tls.ja3") \
	X(JA4,           "tls.ja4") \
	X(DNS_QUERY,     "dns.query") \
	X(NTP_SERVER,    "ntp.server") \
	X(TCP_SYN,       "tcp.syn")	/* p0f-like "ttl:win:mss:opts" */ \
	X(SSH_BANNER,    "ssh.banner") \
	X(APP_PROTO,     "app_proto")	/* nDPI protocol of its flows */

enum dev_ev_kind {
#define DEV_EV_ENUM(name, str) DEV_EV_##name,
	DEV_EVIDENCE_KINDS(DEV_EV_ENUM)
#undef DEV_EV_ENUM
	DEV_EV__COUNT
};
const char *dev_ev_kind_name(enum dev_ev_kind k);	/* NULL if bad */
int dev_ev_kind_parse(const char *name);		/* -1 if unknown */

#define DEV_EV_VALUE_LEN 120
#define DEV_MAX_EVIDENCE  40	/* per device; duplicates update times */
#define DEV_MAX_IPS        8	/* addresses remembered per device */
#define DEV_NAME_LEN      64

struct dev_evidence {
	uint8_t kind;			/* enum dev_ev_kind */
	uint32_t count;			/* times seen */
	uint64_t first_seen, last_seen;	/* packet time, ns */
	char value[DEV_EV_VALUE_LEN];
};

/* Device classes (the list): X(enum suffix, "name"). */
#define DEV_CLASSES(X) \
	X(UNKNOWN,   "unknown") \
	X(CAMERA,    "camera") \
	X(PLUG,      "plug/switch") \
	X(LIGHT,     "light") \
	X(HUB,       "hub/bridge") \
	X(SENSOR,    "sensor") \
	X(SPEAKER,   "speaker/assistant") \
	X(TV,        "tv/streamer") \
	X(THERMOSTAT, "thermostat") \
	X(LOCK,      "lock") \
	X(APPLIANCE, "appliance") \
	X(PRINTER,   "printer") \
	X(PHONE,     "phone") \
	X(COMPUTER,  "computer") \
	X(ROUTER,    "router/ap") \
	X(WEARABLE,  "wearable")

enum dev_class {
#define DEV_CLASS_ENUM(name, str) DEV_CLASS_##name,
	DEV_CLASSES(DEV_CLASS_ENUM)
#undef DEV_CLASS_ENUM
	DEV_CLASS__COUNT
};
const char *dev_class_name(enum dev_class c);
int dev_class_parse(const char *name);		/* -1 if unknown */

/* Roles a host plays on the network (bits). */
#define DEV_ROLE_GATEWAY    0x01	/* routes for others (many remote IPs
					 * behind one MAC) */
#define DEV_ROLE_DHCP_SERVER 0x02
#define DEV_ROLE_DNS_SERVER 0x04

/* One identified attribute with its confidence and deciding evidence. */
struct dev_attr {
	char value[DEV_NAME_LEN];	/* "" = unknown */
	uint8_t confidence;		/* 0..100 */
	char why[DEV_EV_VALUE_LEN];	/* "dhcp.vendor_class=dhcpcd-..." or
					 * "library match 0.93 (label X)" */
};

struct device {
	/* identity */
	uint8_t mac[6];
	uint8_t has_mac;		/* 0: keyed by IP (no L2 seen) */
	uint8_t mac_random;		/* locally administered bit set */
	uint8_t roles;			/* DEV_ROLE_* */
	unsigned nips;
	struct {
		struct addr ip;
		uint64_t first_seen, last_seen;
	} ips[DEV_MAX_IPS];		/* most recent last */
	char hostname[DEV_NAME_LEN];	/* best name (DHCP, mDNS) */
	char previous_macs[2][MAC_STRLEN];	/* rotations merged into it */

	/* evidence */
	unsigned nev;
	struct dev_evidence ev[DEV_MAX_EVIDENCE];
	uint32_t ev_dropped;		/* evidence lost to the per-device cap */

	/* identification (classify.c) */
	struct dev_attr vendor, cls, model, os, label;
	uint8_t confidence;		/* overall, 0..100 */
	/* Where dev_add_evidence last found or put [0] a TCP SYN
	 * fingerprint, [1] anything else: the first place it looks (a hint
	 * only: checked, may be stale). In padding that was there anyway:
	 * the record's size sets how many devices the memcap holds. */
	uint8_t ev_hint[2];
	uint32_t ident_version;		/* bumps when identification changes */
	uint32_t ident_reported;	/* version last written as an event */

	/* alerts concerning it */
	uint32_t alerts[4];		/* by severity 1..3 */

	/* Every packet updates these: last, next to the inventory's own
	 * per-packet fields in struct dev_rec (one cache line or two per
	 * record, instead of one more in the middle of it). */
	uint64_t first_seen, last_seen;
	uint64_t pkts, bytes;		/* sent + received */
	uint64_t bytes_clear, bytes_enc;	/* by flow cleartext verdict */
};

/* ---- identification (oui.c, kb.c, classify.c, fplib.c) ---------------- */

struct dev_oui;		/* OUI -> organisation */
struct dev_kb;		/* knowledge base rules */
struct dev_fplib;	/* enrolment fingerprint library */

struct dev_oui *dev_oui_load(const char *path, char *err, size_t errlen);
void dev_oui_free(struct dev_oui *o);
/* Organisation for mac's prefix (MA-L, plus MA-M/MA-S when loaded), or
 * NULL. Locally administered MACs have none. */
const char *dev_oui_lookup(const struct dev_oui *o, const uint8_t mac[6]);

struct dev_kb *dev_kb_load(const char *path, char *err, size_t errlen);
void dev_kb_free(struct dev_kb *kb);

struct dev_fplib *dev_fplib_load(const char *path, char *err,
    size_t errlen);
void dev_fplib_free(struct dev_fplib *lib);

/* (Re)compute d's vendor, class, model, os, label and confidence from its
 * evidence. oui and lib may be NULL. Bumps d->ident_version when any
 * value changed. Deterministic. */
void dev_classify(const struct dev_kb *kb, const struct dev_oui *oui,
    const struct dev_fplib *lib, struct device *d);

/* Add (or refresh) one piece of evidence (evidence.c). Returns 1 when it
 * is new for this device (identification may change). */
int dev_add_evidence(struct device *d, enum dev_ev_kind kind,
    const char *value, uint64_t ts);

/* ---- the inventory (inventory.c) ---------------------------------------- */

/* Walk devices, least recently seen first; NULL at the end. */
const struct device *dev_inv_first(const struct dev_inv *inv);
const struct device *dev_inv_next(const struct dev_inv *inv,
    const struct device *d);
/* The device with this MAC, or NULL. */
const struct device *dev_inv_find_mac(const struct dev_inv *inv,
    const uint8_t mac[6]);

/* `edgeward devices learn ...` (fplib.c): build or extend a fingerprint
 * library from labelled captures. Returns the exit status. */
int dev_learn_main(int argc, char **argv);

#endif /* EW_DEVICE_INT_H */
