/* flow_table.c - the flow hash table: lookup, creation under the memcap,
 * per-packet accounting, flush.
 *
 * Per packet: one key build, one SipHash, one chain walk, O(1) list moves;
 * the only allocation is a new flow's node. At the memcap the least
 * recently active flow is evicted first (O(1): the oldest of the class LRU
 * heads), so a flood of spoofed half-open connections recycles memory
 * instead of growing. */
#include "flow/flow_internal.h"

#include <string.h>

#include "util/alloc.h"

#define NODE_SIZE sizeof(struct flow_node)

static inline uint32_t sat_add32(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* ---- intrusive lists ---------------------------------------------------
 * One implementation for both links of a node, chosen by offset. */

static struct flow_link *link_at(struct flow_node *n, size_t off)
{
	return (struct flow_link *)(void *)((char *)n + off);
}

static void list_append(struct flow_list *l, struct flow_node *n, size_t off)
{
	struct flow_link *k = link_at(n, off);

	k->prev = l->tail;
	k->next = NULL;
	if (l->tail)
		link_at(l->tail, off)->next = n;
	else
		l->head = n;
	l->tail = n;
}

static void list_remove(struct flow_list *l, struct flow_node *n, size_t off)
{
	struct flow_link *k = link_at(n, off);

	if (k->prev)
		link_at(k->prev, off)->next = k->next;
	else
		l->head = k->next;
	if (k->next)
		link_at(k->next, off)->prev = k->prev;
	else
		l->tail = k->prev;
	k->prev = NULL;
	k->next = NULL;
}

#define LRU_OFF offsetof(struct flow_node, lru)
#define CR_OFF  offsetof(struct flow_node, cr)

/* ---- table life cycle ------------------------------------------------- */

static uint64_t secs_to_ns(uint32_t s)
{
	/* 2^32 s * 10^9 < 2^64: cannot overflow. */
	return (uint64_t)s * NS_PER_SEC;
}

struct flow_table *flow_table_new(const struct flow_config *cfg,
    uint64_t seed, flow_end_fn on_end, void *ud)
{
	struct flow_table *ft = NULL;
	size_t target, nb = FLOW_MIN_BUCKETS, bucket_bytes;

	if (!cfg)
		return NULL;
	/* The largest power of two whose array fits the buckets' share. */
	target = cfg->memcap / FLOW_BUCKET_SHARE / sizeof(struct flow_node *);
	while (nb * 2 <= target && nb * 2 <= FLOW_MAX_BUCKETS)
		nb *= 2;
	bucket_bytes = nb * sizeof(struct flow_node *);
	if (cfg->memcap < bucket_bytes ||
	    (cfg->memcap - bucket_bytes) / NODE_SIZE < FLOW_MIN_FLOWS)
		return NULL;

	ft = ew_calloc(1, sizeof(*ft));
	if (!ft)
		goto fail;
	ft->buckets = ew_calloc(nb, sizeof(struct flow_node *));
	if (!ft->buckets)
		goto fail;
	ft->mask = (uint64_t)nb - 1;
	flow_hash_seed(seed, &ft->k0, &ft->k1);
	ft->idle_ns[FLOW_CLASS_TCP_NEW] = secs_to_ns(cfg->timeout_tcp_new);
	ft->idle_ns[FLOW_CLASS_TCP_ESTABLISHED] =
	    secs_to_ns(cfg->timeout_tcp_established);
	ft->idle_ns[FLOW_CLASS_TCP_CLOSED] = secs_to_ns(cfg->timeout_tcp_closed);
	ft->idle_ns[FLOW_CLASS_UDP] = secs_to_ns(cfg->timeout_udp);
	ft->idle_ns[FLOW_CLASS_ICMP] = secs_to_ns(cfg->timeout_icmp);
	ft->idle_ns[FLOW_CLASS_OTHER] = secs_to_ns(cfg->timeout_other);
	ft->active_ns = secs_to_ns(cfg->timeout_active);
	ft->memcap = cfg->memcap;
	ft->on_end = on_end;
	ft->ud = ud;
	ft->st.memuse = bucket_bytes;
	ft->st.memuse_peak = bucket_bytes;
	return ft;
fail:
	if (ft)
		ew_free(ft->buckets);
	ew_free(ft);
	return NULL;
}

void flow_table_free(struct flow_table *ft)
{
	struct flow_node *n, *next;

	if (!ft)
		return;
	for (n = ft->cr.head; n; n = next) {
		next = n->cr.next;
		ew_free(n);
	}
	ew_free(ft->buckets);
	ew_free(ft);
}

const struct flow_stats *flow_table_stats(const struct flow_table *ft)
{
	return &ft->st;
}

/* ---- ending flows ----------------------------------------------------- */

void flow_node_end(struct flow_table *ft, struct flow_node *n,
    enum flow_end_reason why)
{
	struct flow_node **pp = &ft->buckets[n->hash & ft->mask];

	/* Chains are short (load factor well under 1, seeded hash). */
	while (*pp != n)
		pp = &(*pp)->hnext;
	*pp = n->hnext;
	list_remove(&ft->lru[n->cls], n, LRU_OFF);
	list_remove(&ft->cr, n, CR_OFF);

	switch (why) {
	case FLOW_END_TIMEOUT:
		ft->st.ended_timeout++;
		break;
	case FLOW_END_FORCED:
		ft->st.ended_forced++;
		break;
	case FLOW_END_SHUTDOWN:
		ft->st.ended_shutdown++;
		break;
	}
	ft->st.active--;
	ft->st.memuse -= NODE_SIZE;
	if (ft->on_end)
		ft->on_end(&n->f, why, ft->ud);
	ew_free(n);
}

void flow_table_flush(struct flow_table *ft)
{
	if (!ft)
		return;
	while (ft->cr.head)
		flow_node_end(ft, ft->cr.head, FLOW_END_SHUTDOWN);
}

/* ---- lookup and creation ---------------------------------------------- */

static struct flow_node *lookup(const struct flow_table *ft, uint64_t h,
    const struct flow_key *k)
{
	struct flow_node *n;

	for (n = ft->buckets[h & ft->mask]; n; n = n->hnext)
		if (n->hash == h && memcmp(n->key.b, k->b, FLOW_KEY_LEN) == 0)
			return n;
	return NULL;
}

/* Fill a fresh node's flow from the first packet seen of it. */
static void init_flow(struct flow_node *n, const struct packet *p,
    int src_is_lo)
{
	struct flow *f = &n->f;
	int cli_is_src = 1;
	uint16_t sport, dport;
	uint8_t depth;

	f->proto = p->l4proto;
	n->proto = p->l4proto;
	/* A SYN-ACK seen first (the SYN was missed) comes from the server. */
	if (f->proto == IPPROTO_NUM_TCP && p->has_l4 &&
	    (p->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		cli_is_src = 0;
	n->cli_is_lo = (uint8_t)(cli_is_src ? src_is_lo : !src_is_lo);

	f->cli_addr = cli_is_src ? p->src : p->dst;
	f->srv_addr = cli_is_src ? p->dst : p->src;
	if (f->proto == IPPROTO_NUM_TCP || f->proto == IPPROTO_NUM_UDP) {
		flow_key_ports(p, &sport, &dport);
		f->cli_port = cli_is_src ? sport : dport;
		f->srv_port = cli_is_src ? dport : sport;
	}
	depth = p->vlan_depth > DEC_MAX_VLAN_DEPTH ? DEC_MAX_VLAN_DEPTH :
	    p->vlan_depth;
	f->vlan_depth = depth;
	for (uint8_t i = 0; i < depth; i++)
		f->vlan[i] = p->vlan[i];
	if (p->has_eth) {
		f->has_mac = 1;
		memcpy(f->cli_mac, cli_is_src ? p->src_mac : p->dst_mac, 6);
		memcpy(f->srv_mac, cli_is_src ? p->dst_mac : p->src_mac, 6);
	}
	if ((f->proto == IPPROTO_NUM_ICMP || f->proto == IPPROTO_NUM_ICMPV6) &&
	    p->has_l4) {
		f->icmp_type = p->icmp_type;
		f->icmp_code = p->icmp_code;
	}
	f->start_ns = p->ts_ns;
	f->last_ns = p->ts_ns;
	f->state = FLOW_STATE_NEW;
	f->flow_id = flow_hash_id(&n->key, p->ts_ns);
}

/* A new flow for p, evicting the least recently active flows while the
 * memcap has no room for it. NULL (counted) when no memory can be had. */
static struct flow_node *create(struct flow_table *ft, const struct packet *p,
    const struct flow_key *k, uint64_t h, int src_is_lo)
{
	struct flow_node *n, **b;

	while (ft->st.memuse + NODE_SIZE > ft->memcap) {
		struct flow_node *victim = flow_lru_oldest(ft);

		if (!victim)
			break;
		flow_node_end(ft, victim, FLOW_END_FORCED);
	}
	/* Only reachable if the buckets alone fill the memcap, which
	 * flow_table_new refuses; kept so the cap holds whatever happens. */
	if (ft->st.memuse + NODE_SIZE > ft->memcap) {
		ft->st.alloc_failed++;
		return NULL;
	}
	n = ew_calloc(1, NODE_SIZE);
	if (!n) {
		ft->st.alloc_failed++;
		return NULL;
	}
	n->hash = h;
	n->key = *k;
	init_flow(n, p, src_is_lo);
	n->born_ns = ft->now_ns;
	b = &ft->buckets[h & ft->mask];
	n->hnext = *b;
	*b = n;
	list_append(&ft->cr, n, CR_OFF);
	/* Goes on its class LRU list in touch(). */

	ft->st.created++;
	ft->st.active++;
	ft->st.memuse += NODE_SIZE;
	if (ft->st.memuse > ft->st.memuse_peak)
		ft->st.memuse_peak = ft->st.memuse;
	return n;
}

/* Make n the most recently active flow, on the list of its (possibly new)
 * class. */
static void touch(struct flow_table *ft, struct flow_node *n, int fresh)
{
	enum flow_class c = flow_class_of(n->proto, n->f.state);

	if (!fresh) {
		if (ft->lru[n->cls].tail == n && n->cls == (uint8_t)c) {
			n->touch_ns = ft->now_ns;
			n->seq = ++ft->seq;
			return;
		}
		list_remove(&ft->lru[n->cls], n, LRU_OFF);
	}
	n->cls = (uint8_t)c;
	n->touch_ns = ft->now_ns;
	n->seq = ++ft->seq;
	list_append(&ft->lru[c], n, LRU_OFF);
}

/* ---- the per-packet entry point --------------------------------------- */

struct flow *flow_update(struct flow_table *ft, const struct packet *p,
    int *to_server)
{
	struct flow_key k;
	struct flow_node *n;
	struct flow *f;
	int src_is_lo, ts, fresh = 0;
	uint8_t flags = 0;
	uint64_t h;

	if (to_server)
		*to_server = 0;
	if (!ft || !p)
		return NULL;

	/* The table clock is the largest packet time seen: capture times
	 * may step back, the clock does not. */
	if (p->ts_ns > ft->now_ns)
		ft->now_ns = p->ts_ns;
	if (!ft->expired_once || ft->now_ns >= ft->next_expire_ns) {
		uint64_t iv = (uint64_t)FLOW_EXPIRE_INTERVAL * NS_PER_SEC;

		flow_table_expire(ft, ft->now_ns);
		ft->expired_once = 1;
		ft->next_expire_ns = ft->now_ns > UINT64_MAX - iv ? UINT64_MAX :
		    ft->now_ns + iv;
	}

	/* Nothing to key on without IP; later fragments carry no ports. */
	if ((p->ip_version != 4 && p->ip_version != 6) ||
	    (p->frag && !p->frag_first)) {
		ft->st.not_tracked++;
		return NULL;
	}

	flow_key_make(&k, p, &src_is_lo);
	h = flow_hash_key(ft->k0, ft->k1, &k);
	n = lookup(ft, h, &k);
	/* Due but not yet expired (expiry runs once per interval): end it
	 * now so no flow outlives its timeout by a packet. */
	if (n && flow_node_due(ft, n, ft->now_ns)) {
		flow_node_end(ft, n, FLOW_END_TIMEOUT);
		n = NULL;
	}
	if (!n) {
		n = create(ft, p, &k, h, src_is_lo);
		if (!n)
			return NULL;
		fresh = 1;
	}

	f = &n->f;
	ts = src_is_lo == n->cli_is_lo;
	if (n->proto == IPPROTO_NUM_TCP && p->has_l4)
		flags = p->tcp_flags;
	if (ts) {
		f->pkts_toserver++;
		f->bytes_toserver += p->wirelen;
		f->payload_ts = sat_add32(f->payload_ts, p->payload_len);
		f->tcp_flags_ts |= flags;
	} else {
		f->pkts_toclient++;
		f->bytes_toclient += p->wirelen;
		f->payload_tc = sat_add32(f->payload_tc, p->payload_len);
		f->tcp_flags_tc |= flags;
	}
	if (p->ts_ns > f->last_ns)
		f->last_ns = p->ts_ns;
	flow_state_update(n, flags, ts);
	touch(ft, n, fresh);

	if (to_server)
		*to_server = ts;
	return f;
}
