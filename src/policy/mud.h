/* mud.h - Manufacturer Usage Description files (RFC 8520): export what a
 * device was seen doing as a MUD file, and parse/validate an imported MUD
 * file into a profile that says whether a flow is allowed.
 *
 * The JSON follows the YANG-derived structure of RFC 8520 (module
 * ietf-mud, and its ietf-acldns domain-name extension) on top of the ACL
 * model of RFC 8519 (ietf-access-control-list):
 *   {"ietf-mud:mud": {mud-version, mud-url, last-update, cache-validity,
 *     is-supported, systeminfo, from-device-policy, to-device-policy},
 *    "ietf-access-control-list:acls": {"acl": [{name, type, aces: {ace:
 *     [{name, matches: {ipv4|ipv6, tcp|udp|icmp, "ietf-mud:mud"},
 *       actions: {forwarding}}]}}]}}
 * A policy lists ACLs by name; the ACEs of those ACLs, in order, are the
 * allowed (or denied) traffic; what no ACE matches is not allowed.
 * mud_export.c writes, mud_import.c parses, mud_match.c decides. */
#ifndef EW_MUD_H
#define EW_MUD_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/json.h"

/* Export a MUD file for one device from its "learned" baseline blob (JSON
 * v1, see the baseline module) into out (appended; the caller owns out).
 * mud_url: the URL the device announced (DHCP option 161) or one we make
 * up (MUD_URL_BASE "<mac>.json"); now_ns: last-update (RFC 3339, UTC).
 * Remote endpoints with a DNS name become ietf-acldns:dst-dnsname ACEs
 * (one per name, protocol and port), those without one a /32 or /128
 * destination network; internal peers become ietf-mud:mud local-networks
 * ACEs; ports the device served become to-device ACEs. Every ACE that
 * lets traffic out has its mirror for the answers (RFC 8520's example
 * does the same): ACLs are stateless. TCP ACEs carry
 * ietf-mud:direction-initiated. IPv4 and IPv6 go to separate ACLs. The
 * output depends only on the blob's content and the arguments (sorted,
 * deduplicated). Returns 0, or -1 with a reason in err (blob not JSON or
 * not v1, an entry of the wrong type, more than MUD_MAX_ACES ACEs, out of
 * memory). The result always passes mud_parse. */
int mud_export(const char *baseline_json, size_t len, const char *mud_url,
    uint64_t now_ns, struct jbuf *out, char *err, size_t errlen);

/* Which policy an ACE belongs to. */
enum mud_dir { MUD_FROM_DEVICE = 0, MUD_TO_DEVICE = 1 };
/* ietf-mud:direction-initiated (TCP only). */
enum mud_init { MUD_INIT_ANY = 0, MUD_INIT_FROM_DEVICE, MUD_INIT_TO_DEVICE };

/* A port match: [lo, hi], or every port but lo when neq. */
struct mud_ports {
	uint8_t set;		/* 0: any port */
	uint8_t neq;		/* operator "neq": all but lo */
	uint16_t lo, hi;	/* eq: lo == hi; lte: 0..port; gte: port..65535 */
};

struct mud_net {
	uint8_t set;		/* 0: any address */
	uint8_t plen;		/* prefix length */
	struct addr net;	/* family 4 or 6, host bits zero */
};

/* One access control entry of a parsed profile, its ACL's policy and
 * family resolved. "src" and "dst" are the packet's: in a from-device ACE
 * the device is the source and the remote the destination, in a
 * to-device ACE the other way round. Strings are owned by the profile. */
struct mud_ace {
	const char *acl;	/* ACL name */
	const char *name;	/* ACE name */
	uint8_t dir;		/* enum mud_dir */
	uint8_t family;		/* 4 or 6; 0 = either (no l3 match, mixed ACL) */
	int16_t proto;		/* IP protocol, -1 any */
	struct mud_net src_net, dst_net;
	const char *src_dnsname, *dst_dnsname;	/* lower case, no final dot; NULL none */
	struct mud_ports src_port, dst_port;	/* tcp/udp only */
	int16_t icmp_type, icmp_code;	/* -1 any (parsed, not evaluated by mud_allows) */
	uint8_t initiated;	/* enum mud_init */
	uint8_t local_networks;	/* ietf-mud:mud local-networks: the remote is on the LAN */
	uint8_t unsupported;	/* a match we cannot evaluate (ethernet, manufacturer,
				 * model, controller, my-controller, same-manufacturer):
				 * never matches a flow; renderers skip it */
	uint8_t accept;		/* forwarding: 1 accept, 0 drop or reject */
};

struct mud_profile;	/* parsed, validated allowed behaviour */

/* Parse and validate a MUD file (at most MUD_MAX_BYTES, MUD_MAX_ACLS ACLs,
 * MUD_MAX_ACES ACEs referenced by the policies). NULL with a reason in err
 * naming the JSON path, e.g. "ietf-access-control-list:acls.acl[2].aces.
 * ace[0].matches.tcp.destination-port: unknown operator 'gt'". Fields RFC
 * 8519 defines that we do not evaluate (dscp, ttl, tcp flags, ...) are
 * accepted and counted in mud_profile_ignored(). The caller frees with
 * mud_free. */
struct mud_profile *mud_parse(const char *json, size_t len, char *err,
    size_t errlen);
void mud_free(struct mud_profile *p);	/* NULL is a no-op */
const char *mud_profile_url(const struct mud_profile *p);
const char *mud_profile_systeminfo(const struct mud_profile *p);	/* "" when none */
/* ACEs of both policies: from-device ACLs in policy order, then to-device;
 * in each ACL its ACEs in order (an ACL named by both policies appears
 * twice). */
size_t mud_ace_count(const struct mud_profile *p);
const struct mud_ace *mud_ace_at(const struct mud_profile *p, size_t i);
/* Match fields accepted but not evaluated (see mud_parse). */
unsigned mud_profile_ignored(const struct mud_profile *p);

/* A flow (or packet) of the device to check. from_device selects the
 * policy: 1 = traffic the device sends (from-device-policy, the device is
 * the source), 0 = traffic it receives (to-device-policy). */
struct mud_flow {
	int from_device;
	const struct addr *remote;	/* the other end (required) */
	const char *remote_name;	/* DNS name the device resolved for it; NULL/"" unknown */
	int remote_local;		/* remote is on the local networks */
	uint8_t proto;
	uint16_t remote_port, device_port;	/* tcp/udp */
	int initiated_by_device;	/* for direction-initiated (tcp) */
	const struct addr *device;	/* optional: the device's address, for
					 * ACEs that name it; NULL = not checked */
};
/* 1 allowed (the first matching ACE accepts), 0 not (no ACE matches, or
 * the first match drops/rejects); why (may be NULL) says what was asked
 * and the outcome. A NULL profile or remote allows nothing. DNS names
 * match exactly and case-insensitively; a remote without a known name
 * never matches a dnsname ACE. */
int mud_allows(const struct mud_profile *p, const struct mud_flow *f,
    char *why, size_t whylen);

#endif /* EW_MUD_H */
