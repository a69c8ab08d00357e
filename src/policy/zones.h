/* zones.h - the zone (segmentation) policy: a human-edited file that puts
 * hosts into zones by MAC, CIDR or device class and lists first-match
 * allow/deny rules between zones; the parser/validator, the per-flow
 * matcher, read-only accessors for the nftables renderer and a proposer
 * that writes a policy from observed class-to-class traffic.
 *
 * File format (dist/zones.conf is a commented example):
 *   # comment (whole line, or trailing after whitespace)
 *   zone NAME [cidr CIDR...] [mac MAC...] [class CLASS...]
 *   allow|deny SRC -> DST [PORTSPEC...]
 *   default allow|deny
 * A zone may mix member kinds and may be extended by more `zone NAME`
 * lines. Zones may be declared anywhere in the file: names in rules are
 * resolved once the whole file is read. Rules are evaluated in file order,
 * first match wins; `default` gives the verdict when none matches (allow
 * when the file has no default line). Built-in zones, usable in rules:
 * internet (a non-local host in no declared zone), lan (a local host in no
 * declared zone), local (any zone but internet: every declared zone and
 * lan), any. PORTSPEC: tcp/N, udp/N, tcp/N-M, udp/N-M, tcp, udp (every
 * port), icmp, icmpv6, proto/N (IP protocol N), any; no spec = any.
 *
 * Classification precedence (zones_classify): a MAC member wins over a
 * CIDR member, which wins over a class member; among CIDRs the longest
 * prefix wins (then the first declared); among MACs and classes there is
 * only one possible zone (a member may not be in two zones). */
#ifndef EW_ZONES_H
#define EW_ZONES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/addr.h"

/* Built-in zone indices; declared zones are ZONES_FIRST .. count-1. */
#define ZONES_INTERNET 0
#define ZONES_LAN      1
#define ZONES_LOCAL    2	/* rules only: every zone but internet */
#define ZONES_ANY      3	/* rules only: every zone */
#define ZONES_FIRST    4

#define ZONES_NAME_MAX 31	/* longest zone name */

/* A CIDR member: net is masked (host bits zero). */
struct zones_cidr {
	struct addr net;
	uint8_t bits;		/* prefix length, <= 32 (v4) or 128 (v6) */
	uint16_t zone;		/* owning zone index */
	unsigned line;
};

struct zones_mac {
	uint8_t mac[6];
	uint16_t zone;
	unsigned line;
};

struct zones_zone {
	char name[ZONES_NAME_MAX + 1];
	unsigned line;		/* first declaration, 0 for built-ins */
	uint32_t classes;	/* bit c set: device class c (zones_class_name) */
	unsigned ncidr, nmac;	/* members, counted per zone */
};

/* Port spec: proto 0 = any protocol (lo/hi unused); for tcp (6) and udp
 * (17) the destination port range lo..hi; for other protocols lo/hi are
 * 0 and any port matches. */
struct zones_port {
	uint8_t proto;
	uint16_t lo, hi;
};

struct zones_rule {
	int src, dst;		/* zone indices (built-ins allowed) */
	uint8_t allow;
	unsigned line;
	unsigned nport;		/* 0 = any */
	const struct zones_port *port;
	const char *text;	/* normalised text */
};

struct zones;

/* Parse policy text (len bytes, need not be NUL-terminated). name labels
 * errors ("NAME:LINE: message"). Returns a new policy (free with
 * zones_free) or NULL with the first error in err. */
struct zones *zones_parse(const char *text, size_t len, const char *name,
    char *err, size_t errlen);
/* Read and parse a file (at most ZONES_MAX_FILE bytes); errors are
 * labelled with path. */
struct zones *zones_load(const char *path, char *err, size_t errlen);
void zones_free(struct zones *z);	/* NULL is a no-op */

/* What is known about one end of a connection; any pointer may be NULL.
 * mac: the host's own MAC (never the gateway's MAC seen on a remote
 * address's packets); cls: the inventory's class string ("camera",
 * "plug/switch", ...); local: the host is in the home net or on the
 * same L2. */
struct zone_host {
	const uint8_t *mac;
	const struct addr *ip;
	const char *cls;
	int local;
};

/* Zone of a host (see precedence above); ZONES_INTERNET or ZONES_LAN when
 * no declared zone matches. Class members match local hosts only; class
 * "unknown" matches a local host whose class is NULL, "" or "unknown".
 * No allocation; a few comparisons per member. */
int zones_classify(const struct zones *z, const struct zone_host *h);

struct zone_verdict {
	int rule;		/* index of the matching rule, -1 = default */
	int allow;		/* 1 allow, 0 deny */
};
/* Verdict for a connection opened by a host of zone zsrc to a host of
 * zone zdst, IP protocol proto, destination port dport (ignored for
 * protocols without ports). Out-of-range zones only match `any` rules. */
void zones_check(const struct zones *z, int zsrc, int zdst, uint8_t proto,
    uint16_t dport, struct zone_verdict *out);

/* Zone name ("?" when out of range); normalised rule text and its line
 * ("" and 0 when out of range, rule -1 = "default allow|deny"). */
const char *zones_name(const struct zones *z, int zone);
const char *zones_rule_text(const struct zones *z, int rule);
unsigned zones_rule_line(const struct zones *z, int rule);

/* ---- read-only accessors (nftables rendering) ------------------------ */
/* Zones including built-ins (declared ones from ZONES_FIRST); index of a
 * zone by name, -1 when none. */
unsigned zones_count(const struct zones *z);
int zones_find(const struct zones *z, const char *name);
const struct zones_zone *zones_zone(const struct zones *z, int zone);
/* Members of every zone in file order (each carries its zone index). */
const struct zones_cidr *zones_cidrs(const struct zones *z, size_t *n);
const struct zones_mac *zones_macs(const struct zones *z, size_t *n);
unsigned zones_rule_count(const struct zones *z);
const struct zones_rule *zones_rule(const struct zones *z, int rule);
int zones_default_allow(const struct zones *z);

/* Device classes: count, canonical inventory name of class c ("camera",
 * "plug/switch", ...; NULL out of range), and the class of a word (the
 * canonical name, either half of it, or an alias such as "bulb" or
 * "laptop"; NULL or "" is "unknown"); -1 when not a class. Zone members
 * of a class are bit c of zones_zone()->classes. To render class members
 * as addresses, call zones_classify on each inventory device. */
unsigned zones_class_count(void);
const char *zones_class_name(unsigned c);
int zones_class_parse(const char *word);

/* ---- proposer ---------------------------------------------------------- */
/* One observed (src class, dst class or "internet", proto, port) with its
 * connection count; src_cls may also be "internet" (inbound). NULL/""
 * classes are "unknown". */
struct zone_edge {
	const char *src_cls;
	const char *dst_cls;
	uint8_t proto;
	uint16_t port;
	uint64_t n;
};
/* Write a policy zones_parse accepts: one zone per class seen, allow rules
 * for what was observed (ports grouped per (src, dst) zone pair, widened
 * to ranges past ZONES_MAX_PORTS), explicit denies between class zones
 * that never talked, a catch-all deny to other local hosts per source
 * (LAN-to-LAN is deny by default), inbound from the internet denied
 * unless observed, `default allow` for the rest; comments give counts.
 * Output is the same for the same edges in any order. 0, or -1 (errno
 * E2BIG when the edges need more than ZONES_MAX_RULES rules, EIO on a
 * write error, ENOMEM). */
int zones_propose(const struct zone_edge *e, size_t n, FILE *out);

#endif /* EW_ZONES_H */
