/* bl_int.h - the per-device baseline record, shared by baseline.c (learning
 * and alerts), bl_dns.c (names) and bl_persist.c (the store blob). */
#ifndef EW_BL_INT_H
#define EW_BL_INT_H

#include "baseline/baseline.h"
#include "config.h"
#include "geo/geo.h"
#include "util/lrutab.h"

struct zones;
struct mud_profile;

/* Kinds of novelty, each with its own budget and episode. */
enum bl_kind {
	BL_K_COUNTRY = 0,	/* new-country */
	BL_K_DEST,		/* new-destination: service or domain */
	BL_K_PEER,		/* lateral-movement: LAN peer */
	BL_K_SERVE,		/* new-service: a port it never served */
	BL_K_HOURS,		/* unusual-hours */
	BL_K_NOVEL,		/* the budgeted kinds end here */
	BL_K_VOLUME = BL_K_NOVEL,	/* volume-spike */
	BL_K_POLICY,		/* zones deny rule or outside a MUD profile */
	BL_K__COUNT
};

struct bl_key {
	uint8_t kind;		/* 1 MAC, 4/6 IP */
	uint8_t b[16];
};

struct bl_remote {
	struct addr ip;
	uint16_t port;
	uint8_t proto;
	uint8_t name;		/* index + 1 into names, 0 none */
	geo_cc cc;
	uint32_t n;
	uint64_t first, last;
};

struct bl_peer {
	struct addr ip;
	uint8_t mac[6];
	uint8_t has_mac, dir_in;	/* dir_in: the peer opened to us */
	uint8_t proto;
	uint16_t port;		/* the server's port */
	uint32_t n;
	uint64_t first, last;
};

struct bl_port {
	uint8_t proto;
	uint8_t from;		/* listen: 1 local, 2 remote (bits) */
	uint16_t port;
};

struct bl_episode {
	uint64_t start, end, count;
	uint64_t reported;	/* last progress report, 0 = none */
	uint64_t bytes;		/* volume episodes */
	double peak;		/* volume: largest ratio */
	uint8_t open, sev;
	uint8_t inbound;	/* policy: a remote host opened it */
	uint8_t proto;
	uint16_t dport;
	struct addr dst;	/* first item's target */
	int rule;		/* policy: zones rule (-1 MUD) */
	uint32_t distinct;	/* different items (what alerts count) */
	uint32_t seen[24];	/* their hashes (past 24: counted anyway) */
	char items[160];	/* the first items, "; "-separated */
	char first_item[64];	/* the first, for folding */
};

struct bl_budget {
	double tokens, cap;	/* cap = tokens a day */
	uint64_t last;		/* last refill */
	uint32_t late;		/* items learned in the second half */
};

struct bl_dev {
	uint8_t has_mac, active, general, hours_ok;
	uint8_t mac[6];
	struct addr ip;		/* latest address */
	char cls[32];		/* inventory class (cached per bucket) */
	uint64_t first_seen, last_seen, learn_until;
	uint64_t gen;		/* change stamp (export cursor) */

	uint16_t nremotes, nnames, npeers, nlisten, nservices, ncountries,
	    ndomains, napps, ninbound;
	struct bl_remote remotes[BL_MAX_REMOTES];
	char names[BL_MAX_NAMES][BL_NAME_LEN];
	struct bl_peer peers[BL_MAX_PEERS];
	struct bl_port listen[BL_MAX_LISTEN];
	struct bl_port services[BL_MAX_SERVICES];
	geo_cc countries[BL_MAX_COUNTRIES];
	uint32_t domains[BL_MAX_DOMAINS];	/* registered-domain hashes */
	char apps[BL_MAX_APPS][BL_APP_LEN];

	/* volume: the bucket being filled and the learned statistics */
	uint64_t bucket;	/* index (ts / BL_BUCKET_S) */
	uint64_t cur_out, cur_in;
	double out_mean, out_dev, out_peak, in_mean, in_peak;
	uint64_t buckets;
	uint32_t hours;		/* UTC hours active (bits) */

	struct bl_budget budget[BL_K_NOVEL];
	struct bl_episode ep[BL_K__COUNT];
	/* policy violations already reported: (rule, peer) hashes, each
	 * quiet for BL_POLICY_REPEAT_S so a standing misconfiguration is one
	 * alert a day, not one per flow */
	struct { uint32_t h; uint64_t until; } reported[8];
	struct mud_profile *mud;	/* owned; NULL none */
	char mud_url[96];
};

struct baseline {
	struct bl_config cfg;
	struct homenet home;
	struct alert_sink *sink;
	struct dev_inv *inv;
	const struct proto *ps;
	struct geo *geo;		/* IPv4 (or the MaxMind DB, both) */
	struct geo *geo6;		/* tor's IPv6 ranges: loaded at the
					 * first global IPv6 remote, so an
					 * IPv4-only network never holds them
					 * (~3 MB of the ~4.8) */
	char geo6_path[4096];		/* "": no IPv6 countries (a copy: the
					 * file is opened long after bl_new) */
	uint8_t geo6_tried;
	struct zones *zones;
	struct lrutab *devs;
	struct lrutab *dns;		/* struct bl_dns_rec by address */
	struct bl_dev *last[2];		/* lookup cache */
	struct bl_key last_key[2];
	uint64_t now, next_walk;
	uint64_t gen;
	struct bl_stats st;
};

/* baseline.c */
struct bl_dev *bl_dev_get(struct baseline *b, const struct bl_key *k,
    uint64_t ts);
void bl_key_mac(struct bl_key *k, const uint8_t mac[6]);
void bl_key_ip(struct bl_key *k, const struct addr *a);
/* Key text: "aa:bb:..." or the address. */
void bl_key_fmt(const struct bl_key *k, char *buf, size_t size);
int bl_key_parse(const char *s, struct bl_key *k);
void bl_touch(struct baseline *b, struct bl_dev *d);
/* Set adds (no alert; 1 when added) used by learning, restore and folds. */
int bl_add_country(struct baseline *b, struct bl_dev *d, geo_cc cc);
int bl_add_service(struct baseline *b, struct bl_dev *d, uint8_t proto,
    uint16_t port);
int bl_add_domain(struct baseline *b, struct bl_dev *d, uint32_t h);
int bl_add_listen(struct baseline *b, struct bl_dev *d, uint8_t proto,
    uint16_t port, uint8_t from);
struct bl_peer *bl_add_peer(struct baseline *b, struct bl_dev *d,
    const struct addr *ip, const uint8_t *mac, uint8_t proto, uint16_t port,
    int dir_in, uint64_t ts);
const char *bl_proto_name(uint8_t proto);
int bl_proto_parse(const char *s, uint8_t *proto);
/* The country of a remote address (0 unknown). */
geo_cc bl_country(struct baseline *b, const struct addr *a);

/* bl_dns.c: names of remote addresses from DNS answers */
int bl_dns_new(struct baseline *b);
void bl_dns_packet(struct baseline *b, const struct app_meta *m);
/* The name a device resolved for a, or NULL. */
const char *bl_dns_name(struct baseline *b, const struct addr *a);
/* The registered domain of name ("cdn.a.example.co.uk" ->
 * "example.co.uk") into buf; its hash. */
uint32_t bl_domain_hash(const char *name, char *buf, size_t size);

#endif /* EW_BL_INT_H */
