/* alert.h - one finding, from any detector, as DESIGN.md's alert contract
 * describes it, and the sink every detector hands its alerts to.
 *
 * A detector fills a struct alert on its own stack (alert_init, then the
 * addresses, then explain values), once per *episode* (start, end, count),
 * and passes it to alert_emit(). The sink enforces DESIGN.md's budget (at
 * most one severity-3 alert per device per day, across all detectors),
 * adds the device concerned (from the inventory, through a lookup
 * callback), writes
 * the EVE "alert" event, counts it and tells listeners (device risk,
 * anomaly model "do not learn from this source"). Nothing is kept that
 * points into the caller's alert after alert_emit() returns.
 *
 * Privacy: never put a password or other secret in any field. */
#ifndef EW_ALERT_H
#define EW_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util/addr.h"

/* The fixed category vocabulary: X(enum suffix, "name"). Extend it here
 * only. */
#define ALERT_CATEGORIES(X) \
	X(SCAN,            "scan") \
	X(BRUTE_FORCE,     "brute-force") \
	X(FLOOD,           "flood") \
	X(C2_BEACON,       "c2-beacon") \
	X(CRYPTOMINING,    "cryptomining") \
	X(ARP_SPOOFING,    "arp-spoofing") \
	X(DHCP_ABUSE,      "dhcp-abuse") \
	X(DNS_TUNNEL,      "dns-tunnel") \
	X(DGA,             "dga") \
	X(CLEARTEXT_CREDENTIALS, "cleartext-credentials") \
	X(WEAK_CRYPTO,     "weak-crypto") \
	X(ANOMALY,         "anomaly") \
	X(NEW_DESTINATION, "new-destination") \
	X(NEW_COUNTRY,     "new-country") \
	X(VOLUME_SPIKE,    "volume-spike") \
	X(LATERAL_MOVEMENT, "lateral-movement") \
	X(POLICY_VIOLATION, "policy-violation") \
	X(MODEL_INTEGRITY, "model-integrity") \
	X(PROTOCOL_RISK,   "protocol-risk") \
	X(NEW_SERVICE,     "new-service") \
	X(UNUSUAL_HOURS,   "unusual-hours")

enum alert_category {
#define ALERT_CAT_ENUM(name, str) ALERT_CAT_##name,
	ALERT_CATEGORIES(ALERT_CAT_ENUM)
#undef ALERT_CAT_ENUM
	ALERT_CAT__COUNT
};

/* "scan", ...; NULL when out of range. */
const char *alert_category_name(enum alert_category c);

#define ALERT_SIG_LEN      128
#define ALERT_TEXT_LEN     256
#define ALERT_MAX_EXPLAIN   16	/* key/value pairs in explain */
#define ALERT_KEY_LEN       32
#define ALERT_STRVAL_LEN    96

/* Which side the alert is about: the device field describes that host. */
enum alert_side { ALERT_SIDE_SRC = 0, ALERT_SIDE_DST };

struct alert_kv {
	char key[ALERT_KEY_LEN];
	uint8_t is_str;
	double num;		/* written with up to 3 decimals, integers plain */
	char str[ALERT_STRVAL_LEN];
};

struct alert {
	/* what */
	uint32_t sid;			/* signature_id, stable per finding */
	char signature[ALERT_SIG_LEN];	/* "SSH brute force" */
	enum alert_category category;
	uint8_t severity;		/* 1 high, 2 medium, 3 low */
	char mitre[16];			/* ATT&CK technique, e.g. "T1046" */
	const char *detector;		/* module name, e.g. "scan" (static) */

	/* when: the episode */
	uint64_t ts_start, ts_end;	/* packet time, ns */
	uint64_t count;			/* what the episode counted (packets,
					 * attempts, destinations...) */
	uint64_t flow_id;		/* a representative flow, 0 = none */
	uint8_t ongoing;		/* 1: a progress report, the episode
					 * goes on (ALERT_ONGOING_*; the sink
					 * drops those of severity 3) */

	/* who: src = the host doing it; dst = its target (family 0 = none;
	 * port 0 = none; proto 0 = none) */
	struct addr src, dst;
	/* a third host whose traffic is the attack's (an FTP bounce's
	 * server, sending the probes for src; family 0 = none): the model
	 * does not learn from it either */
	struct addr via;
	uint16_t src_port, dest_port;
	uint8_t proto;
	uint8_t has_src_mac, has_dst_mac;
	uint8_t src_mac[6], dst_mac[6];
	enum alert_side device_side;	/* default ALERT_SIDE_SRC */

	/* why: one sentence plus the measured values and thresholds */
	char text[ALERT_TEXT_LEN];
	unsigned nkv;
	struct alert_kv kv[ALERT_MAX_EXPLAIN];
};

/* 1 when an open episode (last activity at last) is due a progress
 * report (alert.ongoing), per config.h's ALERT_ONGOING_*: none yet (it
 * has just opened), or its activity went on EVERY_S past the last one
 * (activity, not the clock: a burst that stopped waits for its end).
 * reported: packet time of the last progress report, 0 = none; the caller
 * sets it to the time of the walk that reported and clears it when a new
 * episode opens. */
static inline int alert_ongoing_due(uint64_t last, uint64_t reported)
{
	const uint64_t s = 1000000000u;

	if (!reported)
		return 1;
	return last >= reported &&
	    last - reported >= (uint64_t)ALERT_ONGOING_EVERY_S * s;
}

/* Zero a, set the identity fields and start = end = ts. */
void alert_init(struct alert *a, uint32_t sid, enum alert_category cat,
    uint8_t severity, const char *mitre, const char *detector,
    uint64_t ts);
/* printf-style setters (truncate safely). */
void alert_signature(struct alert *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void alert_text(struct alert *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* explain values in insertion order (extra pairs beyond the limit are
 * dropped). */
void alert_kv_num(struct alert *a, const char *key, double v);
void alert_kv_str(struct alert *a, const char *key, const char *v);

/* The device concerned, as the inventory describes it. */
struct alert_device {
	int known;			/* 0: only mac/ip are filled */
	char mac[MAC_STRLEN];		/* "" when unknown */
	char ip[ADDR_STRLEN];
	char vendor[64];
	char cls[32];
	char name[64];
};

/* Lookup the device for a MAC (may be NULL) and address (family 0 = none):
 * fill out and return 1 when found. */
typedef int (*alert_device_fn)(const uint8_t *mac, const struct addr *ip,
    struct alert_device *out, void *ud);
/* Told about every alert that was written (after suppression). */
typedef void (*alert_listener_fn)(const struct alert *a,
    const struct alert_device *dev, void *ud);

struct eve;
struct alert_sink;

/* eve is borrowed and may be NULL (alerts are then only counted/kept). */
struct alert_sink *alert_sink_new(struct eve *eve);
void alert_sink_free(struct alert_sink *s);
void alert_sink_set_device_fn(struct alert_sink *s, alert_device_fn fn,
    void *ud);
/* Up to 8 listeners; returns -1 when full. */
int alert_sink_listen(struct alert_sink *s, alert_listener_fn fn, void *ud);
/* Live sensor (1): a severity-3 episode that has gone on for
 * ALERT_ONGOING_EVERY_S is reported while it goes on - a beacon older
 * than the sensor may never end. Offline (0, the default) every episode
 * ends at the capture's end, and severity 3 waits for it. */
void alert_sink_set_live(struct alert_sink *s, int live);

/* Write one alert (the EVE event's timestamp is a->ts_start). */
void alert_emit(struct alert_sink *s, const struct alert *a);

/* Counts, and the first ALERT_KEEP alerts in brief for the summary. */
#define ALERT_KEEP 512
struct alert_brief {
	uint64_t ts_start;
	uint8_t severity;
	uint8_t ongoing;		/* a progress report */
	enum alert_category category;
	char signature[ALERT_SIG_LEN];
	char src[ADDR_STRLEN];
	char device[128];		/* name, else vendor + class, else "" */
	char text[ALERT_TEXT_LEN];
};
uint64_t alert_sink_total(const struct alert_sink *s);
/* Severity-3 alerts not written: over a device's daily budget. */
uint64_t alert_sink_suppressed(const struct alert_sink *s);
uint64_t alert_sink_by_severity(const struct alert_sink *s, unsigned sev);
uint64_t alert_sink_by_category(const struct alert_sink *s,
    enum alert_category c);
size_t alert_sink_kept(const struct alert_sink *s);
const struct alert_brief *alert_sink_brief(const struct alert_sink *s,
    size_t i);

/* EVE writer for one alert (output/eve_alert.c). */
void eve_alert(struct eve *ev, const struct alert *a,
    const struct alert_device *dev);
/* The whole EVE alert object into jb (eve_alert writes exactly this; the
 * store keeps the same bytes). */
struct jbuf;
void eve_alert_json(struct jbuf *jb, const struct alert *a,
    const struct alert_device *dev);

#endif /* EW_ALERT_H */
