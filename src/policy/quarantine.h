/* quarantine.h - who may be quarantined, and the quarantine/release
 * actions on the store shared by `edgeward quarantine` and the API.
 *
 * Refused: a device the store does not know, the gateway, the DHCP and
 * DNS servers (devices.json "roles"), any device sharing a MAC or IP with
 * one of those, and the sensor's own addresses (every local interface's
 * MAC and IP, from getifaddrs). Cutting those off would cut off the whole
 * network or the sensor itself.
 *
 * Everything that ends up in an nftables ruleset goes through the
 * validators here first (quar_norm_mac, quar_norm_ip): text from packets
 * or the store is never pasted as is. */
#ifndef EW_QUARANTINE_H
#define EW_QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "output/store.h"
#include "util/addr.h"

/* QUAR_DURATION_MAX_S, QUAR_WHY_MAX, QUAR_MAX_IPS, QUAR_MAX_LOCAL: config.h */
#define QUAR_KEY_MAX	ADDR_STRLEN	/* a device key: a MAC or an IP */

/* devices.json "roles" */
#define QUAR_ROLE_GATEWAY	1u
#define QUAR_ROLE_DHCP		2u
#define QUAR_ROLE_DNS		4u

struct quar_device {
	char key[QUAR_KEY_MAX];
	char mac[MAC_STRLEN];		/* "" when the device has no MAC */
	char ips[QUAR_MAX_IPS][ADDR_STRLEN];	/* canonical text */
	size_t nips;
	unsigned roles;			/* QUAR_ROLE_* */
};

/* Addresses that must never be quarantined (the sensor's own, and those
 * of protected devices). */
struct quar_addrs {
	char macs[QUAR_MAX_LOCAL][MAC_STRLEN];
	size_t nmacs;
	char ips[QUAR_MAX_LOCAL][ADDR_STRLEN];
	size_t nips;
};

/* "30m", "2h", "1d", "1w", "90s" or plain seconds -> seconds, 1 ..
 * QUAR_DURATION_MAX_S. 0, or -1 with a message in err. */
int quar_parse_duration(const char *s, uint64_t *secs, char *err,
    size_t errlen);
/* "AA:bb:CC:dd:ee:ff" (or '-' separated) -> "aa:bb:cc:dd:ee:ff". Refuses
 * anything else, and the all-zero and group (multicast/broadcast) MACs.
 * 0 or -1. */
int quar_norm_mac(const char *s, char out[MAC_STRLEN]);
/* An IPv4/IPv6 address in canonical text (inet_ntop of inet_pton); refuses
 * anything else (prefixes, zones, spaces), unspecified, multicast and
 * broadcast addresses. *family 4 or 6 (may be NULL). 0 or -1. */
int quar_norm_ip(const char *s, char out[ADDR_STRLEN], int *family);
/* A device key as the store has it: a normalised MAC, or an IP. 0/-1. */
int quar_norm_key(const char *s, char out[QUAR_KEY_MAX]);
/* Split the quarantine table's space-separated "ips" into validated
 * canonical addresses (invalid words are dropped). How many -> return. */
size_t quar_split_ips(const char *ips, char out[][ADDR_STRLEN], size_t max);

/* A store device row -> d: key, MAC, IPs (the row's ip and the JSON's
 * "ips", validated, deduplicated) and roles. 0, or -1 when the key is
 * neither a MAC nor an IP. */
int quar_device_from_row(const struct store_device *row,
    struct quar_device *d);

/* The sensor's own MACs and IPs (getifaddrs; loopback skipped). 0/-1. */
int quar_local_addrs(struct quar_addrs *out);

/* May d be quarantined? 0 yes; -1 no, with the reason in why: a role, or
 * an address in own (the sensor) or prot (protected devices; may be
 * NULL). */
int quar_check(const struct quar_device *d, const struct quar_addrs *own,
    const struct quar_addrs *prot, char *why, size_t whylen);

/* ---- actions on a READ-WRITE store (times: wall-clock seconds) -------- */
enum quar_result {
	QUAR_OK = 0,
	QUAR_REFUSED = 1,		/* quar_check said no */
	QUAR_UNKNOWN = 2,		/* no such device in the store */
	QUAR_NOT_QUARANTINED = 3,	/* release of a device not quarantined */
	QUAR_BAD_KEY = 4,		/* not a MAC or an IP */
	QUAR_ERROR = -1			/* store error */
};
/* Quarantine the device with this key (MAC or IP) for for_s seconds (0 =
 * until released), checking quar_check against own (NULL: the sensor's
 * addresses now) and the store's protected devices. Logged to policy_log
 * with who/why. msg gets a one-line explanation either way; *out (may be
 * NULL) the device. */
int quar_add(struct store *st, const char *key, uint64_t now_s,
    uint64_t for_s, const char *who, const char *why,
    const struct quar_addrs *own, struct quar_device *out, char *msg,
    size_t msglen);
int quar_release(struct store *st, const char *key, uint64_t now_s,
    const char *who, const char *why, char *msg, size_t msglen);

#endif /* EW_QUARANTINE_H */
