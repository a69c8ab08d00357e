/* flow_internal.h - what the flow table's files share and nobody else sees.
 *
 * A flow lives in one struct flow_node: hash chain link and canonical key
 * in the first cache line (all a lookup touches), then the two intrusive
 * list links, then the public struct flow. Every node is on three lists:
 *   - its bucket's chain (singly linked, order irrelevant);
 *   - the LRU list of its timeout class, oldest activity at the head;
 *   - the creation list, oldest at the head.
 * Activity and creation times on the lists are the table clock (the largest
 * packet time seen), which never goes backwards, so each list is sorted and
 * every walk stops at the first flow that is not due. */
#ifndef EW_FLOW_INTERNAL_H
#define EW_FLOW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "util/siphash.h"

/* Share of the memcap given to the bucket array (1/FLOW_BUCKET_SHARE): at
 * ~290 bytes a flow and 8 bytes a bucket, a full table has about one flow
 * per two buckets. A larger array measured slower (more cache and TLB
 * misses on the bucket load), a smaller one gives longer chains. */
#define FLOW_BUCKET_SHARE 16u
#define FLOW_MIN_BUCKETS  16u
#define FLOW_MAX_BUCKETS  (1u << 28)
/* flow_table_new refuses a memcap that cannot hold this many flows beside
 * the buckets. */
#define FLOW_MIN_FLOWS    4u

#define NS_PER_SEC 1000000000ull

/* Canonical key bytes: family, proto, vlan_depth, 0, vlan[0] and vlan[1]
 * (big-endian), low port, high port (big-endian), then the low and the
 * high address: 4 bytes each for IPv4, packed, so an IPv4 key is a 20-byte
 * prefix followed by zeros and only that prefix is hashed; 16 bytes each
 * for IPv6. "Low" is the smaller (address, port) endpoint, so both
 * directions give the same bytes; being bytes, the key hashes the same on
 * every host byte order and compares with memcmp. */
#define FLOW_KEY_LEN    44
#define FLOW_KEY_LEN_V4 20
struct flow_key {
	uint8_t b[FLOW_KEY_LEN];
};

/* Timeout classes: one LRU list and one idle timeout each. Across lists,
 * flows are ordered by flow_node.seq, which is unique, so the order of the
 * classes never decides anything. */
enum flow_class {
	FLOW_CLASS_TCP_NEW = 0,
	FLOW_CLASS_TCP_CLOSED,		/* closed and reset */
	FLOW_CLASS_TCP_ESTABLISHED,
	FLOW_CLASS_UDP,
	FLOW_CLASS_ICMP,
	FLOW_CLASS_OTHER,
	FLOW_CLASS__COUNT
};

/* Bits of flow_node.tcp for the light TCP state machine. */
#define FLOW_TCP_SYN_SEEN 0x01	/* a SYN went either way */
#define FLOW_TCP_ACK_TS   0x02	/* ACK client->server after a SYN */
#define FLOW_TCP_ACK_TC   0x04	/* ACK server->client after a SYN */

struct flow_node;

struct flow_link {
	struct flow_node *prev, *next;
};

struct flow_list {
	struct flow_node *head, *tail;	/* head = oldest */
};

struct flow_node {
	struct flow_node *hnext;	/* bucket chain */
	uint64_t hash;			/* seeded hash of key */
	struct flow_key key;
	uint8_t cls;			/* enum flow_class, list it is on */
	uint8_t cli_is_lo;		/* client is the key's low endpoint */
	uint8_t tcp;			/* FLOW_TCP_* */
	uint8_t proto;			/* f.proto, on the lookup cache line */
	struct flow_link lru, cr;	/* class LRU list, creation list */
	uint64_t touch_ns;		/* table clock at last packet */
	uint64_t born_ns;		/* table clock at creation */
	uint64_t seq;			/* activity order, unique, increasing */
	struct flow f;
};

struct flow_table {
	struct flow_node **buckets;
	uint64_t mask;			/* nbuckets - 1 */
	uint64_t k0, k1;		/* bucket hash key from the seed */
	struct flow_list lru[FLOW_CLASS__COUNT];
	struct flow_list cr;
	uint64_t idle_ns[FLOW_CLASS__COUNT];
	uint64_t active_ns;		/* 0: no active timeout */
	uint64_t now_ns;		/* largest packet time seen */
	uint64_t next_expire_ns;	/* flow_update expires at this clock */
	uint64_t seq;			/* last activity sequence handed out */
	size_t memcap;
	int expired_once;		/* next_expire_ns is meaningful */
	flow_end_fn on_end;
	void *ud;
	struct flow_stats st;
};

/* flow_key.c */
/* Build the canonical key of p (which has an IP layer) into *k; *src_is_lo
 * is 1 when p's source is the key's low endpoint. */
void flow_key_make(struct flow_key *k, const struct packet *p,
    int *src_is_lo);
/* Ports as the key sees them (ICMP echo: the identifier both ways). */
void flow_key_ports(const struct packet *p, uint16_t *sport,
    uint16_t *dport);
/* 1 for the ICMP echo request/reply types of p's ICMP version. */
int flow_icmp_is_echo(uint8_t proto, uint8_t type);

/* flow_hash.c (the hashes themselves are util/siphash.h) */
/* Derive the bucket hash key from the caller's seed. */
void flow_hash_seed(uint64_t seed, uint64_t *k0, uint64_t *k1);
/* Seeded bucket hash of a key. */
uint64_t flow_hash_key(uint64_t k0, uint64_t k1, const struct flow_key *k);
/* Bytes of k that carry information (the rest are zero). */
static inline size_t flow_key_used(const struct flow_key *k)
{
	return k->b[0] == 4 ? FLOW_KEY_LEN_V4 : FLOW_KEY_LEN;
}
/* Seed-independent flow id of key and start time: 51 bits, never 0. */
uint64_t flow_hash_id(const struct flow_key *k, uint64_t start_ns);

/* flow_state.c */
/* Advance the state machine of n for one packet (counters already
 * updated). */
void flow_state_update(struct flow_node *n, uint8_t tcp_flags,
    int to_server);
/* The timeout class of a flow with this protocol and state. */
static inline enum flow_class flow_class_of(uint8_t proto, enum flow_state s)
{
	switch (proto) {
	case IPPROTO_NUM_TCP:
		if (s == FLOW_STATE_NEW)
			return FLOW_CLASS_TCP_NEW;
		if (s == FLOW_STATE_ESTABLISHED)
			return FLOW_CLASS_TCP_ESTABLISHED;
		return FLOW_CLASS_TCP_CLOSED;
	case IPPROTO_NUM_UDP:
		return FLOW_CLASS_UDP;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6:
		return FLOW_CLASS_ICMP;
	default:
		return FLOW_CLASS_OTHER;
	}
}

/* flow_table.c */
/* Unlink n from every list, report it with why, free it. */
void flow_node_end(struct flow_table *ft, struct flow_node *n,
    enum flow_end_reason why);

/* Strictly more than timeout_ns has passed since since_ns; a clock below
 * since_ns (an explicit flow_table_expire with an older time) never
 * underflows. */
static inline int flow_past(uint64_t now_ns, uint64_t since_ns,
    uint64_t timeout_ns)
{
	return now_ns > since_ns && now_ns - since_ns > timeout_ns;
}

static inline int flow_idle_due(const struct flow_table *ft,
    const struct flow_node *n, uint64_t now_ns)
{
	return flow_past(now_ns, n->touch_ns, ft->idle_ns[n->cls]);
}

static inline int flow_active_due(const struct flow_table *ft,
    const struct flow_node *n, uint64_t now_ns)
{
	return ft->active_ns && flow_past(now_ns, n->born_ns, ft->active_ns);
}

/* 1 when n is past its idle or active timeout at now_ns. */
static inline int flow_node_due(const struct flow_table *ft,
    const struct flow_node *n, uint64_t now_ns)
{
	return flow_idle_due(ft, n, now_ns) || flow_active_due(ft, n, now_ns);
}

/* flow_expire.c */
/* The least recently active flow of the table, NULL when empty. */
struct flow_node *flow_lru_oldest(const struct flow_table *ft);

#endif /* EW_FLOW_INTERNAL_H */
