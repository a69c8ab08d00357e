/* check_arp.c - ARP spoofing / cache poisoning (T1557.002).
 *
 * Every ARP request or reply binds its sender address to its sender MAC.
 * Three findings, one episode per offending MAC:
 *  - conflict: a MAC claims an address already bound to another MAC whose
 *    owner is still alive (claimed it within ARP_ALIVE_S and has not moved
 *    on to another address since, so a DHCP reassignment is not one), and
 *    the claim is pushed on that live owner: the owner is heard from (any
 *    frame) between two of the claimer's claims less than ARP_REPOISON_S
 *    apart, or the claimer sends ARP_UNSOLICITED replies in a row to a
 *    host that did not ask (a capture on the victim's port may never hear
 *    the owner again; broadcast announcements do not count). A spoofer
 *    repeats its claims (arpspoof every 2 s, ettercap every 10 s) while
 *    the owner it impersonates goes on forwarding and answering. A
 *    network that changed shows one side only - a router replaced, a
 *    sensor moved to another network, captures of two networks laid end
 *    to end: the old owner falls silent as the new one starts, which only
 *    answers questions and announces itself - and is not spoofing;
 *  - impersonation: a MAC claims an address AND asks who-has for that same
 *    address from another one of its own - it knows the real owner, which
 *    is what a man-in-the-middle needs to forward (arpspoof, ettercap);
 *  - many addresses: one MAC claims ARP_MANY_IPS distinct addresses.
 * Probes with sender 0.0.0.0 (RFC 5227) and IPv4 link-local senders are
 * not claims; a MAC once found impersonating never becomes an owner.
 * State: one record per address and per MAC in two lrutabs; contested
 * claims waiting for the owner in a small fixed array. */
#include "detect/detect_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

#define NLIST 8
#define NPEND 8		/* contested claims awaiting both sides */
#define ARP_ANSWER_NS (5 * 1000000000ull)	/* a reply this soon after
						 * its question answers it */

enum reason { R_NONE, R_CONFLICT, R_IMPERSONATE, R_MANY };

struct ipkey {
	uint8_t ip[4];
};

struct iprec {
	uint8_t owner[6];
	uint64_t owner_last;
};

struct mackey {
	uint8_t mac[6];
	uint8_t pad[2];
};

struct macrec {
	uint64_t last;
	uint8_t last_ip[4];
	uint8_t suspect;
	uint8_t nclaim, nasked;		/* nasked counts (ring) */
	uint8_t claim[NLIST][4];	/* first distinct addresses claimed */
	uint8_t asked[NLIST][4];	/* recent who-has targets (ring) */
	uint64_t claim_ts[NLIST], asked_ts[NLIST];	/* last time each */
	uint8_t claim_tgt[NLIST][4];	/* first host told each claim */
	struct dset claims;		/* distinct claimed (window) */
	uint64_t claims_start;
	/* the episode */
	struct episode ep;
	uint8_t reason;
	uint8_t victim_ip[4];		/* the address claimed */
	uint8_t has_owner;
	uint8_t owner[6];		/* its real owner's MAC */
	uint8_t has_target;
	uint8_t target[4];		/* whose cache was poisoned (first) */
	uint32_t ncontested;
	struct dset contested;
};

/* A contested claim: rival claimed ip, bound to owner, first..last. */
struct pend {
	uint8_t used, owner_back, has_target;
	uint8_t unsol;			/* unsolicited replies in a row */
	uint8_t ip[4], target[4];
	uint8_t owner[6], rival[6];
	uint64_t first, last, count;
	uint64_t last_unsol;
};

struct arpchk {
	const struct detect_ctx *ctx;
	struct lrutab *ips, *macs;
	struct pend pend[NPEND];
	unsigned npend;			/* slots in use */
	uint64_t alive_ns, idle_ns;
	uint64_t repoison_ns;		/* a spoofer re-claims within this */
	double many;
	uint64_t alerts;
	uint64_t next_ongoing;		/* see ep_ongoing_walk */
};

static int zero4(const uint8_t *ip)
{
	return !(ip[0] | ip[1] | ip[2] | ip[3]);
}

static void fmt4(const uint8_t *ip, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

static int find_in(const uint8_t list[][4], unsigned n, const uint8_t *ip)
{
	for (unsigned i = 0; i < n && i < NLIST; i++)
		if (memcmp(list[i], ip, 4) == 0)
			return (int)i;
	return -1;
}

static int in_list(const uint8_t list[][4], unsigned n, const uint8_t *ip)
{
	return find_in(list, n, ip) >= 0;
}

/* The MAC's own address: one it claimed that it never asked for and that
 * is not the contested one. */
static const uint8_t *own_ip(const struct macrec *m)
{
	unsigned na = m->nasked < NLIST ? m->nasked : NLIST;
	for (unsigned i = 0; i < m->nclaim && i < NLIST; i++) {
		const uint8_t *ip = m->claim[i];
		if (memcmp(ip, m->victim_ip, 4) == 0)
			continue;
		if (in_list((const uint8_t (*)[4])m->asked, na, ip))
			continue;
		return ip;
	}
	return NULL;
}

/* Report m's episode: when it ends, or while it goes on (ongoing: it
 * stays open). */
static void emit(struct arpchk *c, const uint8_t *mac, struct macrec *m,
    int ongoing)
{
	struct alert a;
	char ms[MAC_STRLEN], vs[20], os[MAC_STRLEN], own[20], tg[20];
	const uint8_t *oi;

	if (!m->ep.open)
		return;
	if (!ongoing)
		m->ep.open = 0;
	mac_fmt(mac, ms, sizeof(ms));
	fmt4(m->victim_ip, vs, sizeof(vs));
	alert_init(&a, 1200 + m->reason, ALERT_CAT_ARP_SPOOFING,
	    m->reason == R_MANY ? 2 : 1, "T1557.002", "arp", m->ep.start);
	a.ts_end = m->ep.last;
	a.count = m->ep.count;
	a.has_src_mac = 1;
	memcpy(a.src_mac, mac, 6);
	oi = own_ip(m);
	own[0] = 0;
	if (oi) {
		addr_set4(&a.src, oi);
		fmt4(oi, own, sizeof(own));
	}
	addr_set4(&a.dst, m->victim_ip);
	if (m->has_owner) {
		a.has_dst_mac = 1;
		memcpy(a.dst_mac, m->owner, 6);
		mac_fmt(m->owner, os, sizeof(os));
	}
	tg[0] = 0;
	if (m->has_target)
		fmt4(m->target, tg, sizeof(tg));
	switch (m->reason) {
	case R_CONFLICT:
		alert_signature(&a, "ARP spoofing: %s claims %s", ms, vs);
		alert_text(&a, "%s%s%s%s claimed %s, bound to %s, in %" PRIu64
		    " ARP packets while that owner went on talking; %u "
		    "address(es) contested%s%s", ms, oi ? " (" : "", own,
		    oi ? ")" : "", vs, m->has_owner ? os : "another MAC",
		    m->ep.count, m->ncontested,
		    m->has_target ? "; poisoned " : "", tg);
		break;
	case R_IMPERSONATE:
		alert_signature(&a, "ARP spoofing: %s claims %s", ms, vs);
		alert_text(&a, "%s%s%s%s claimed %s in %" PRIu64 " ARP "
		    "packets while itself asking who-has %s (it knows the real "
		    "owner: man-in-the-middle)%s%s", ms, oi ? " (" : "", own,
		    oi ? ")" : "", vs, m->ep.count, vs,
		    m->has_target ? "; poisoned " : "", tg);
		break;
	default:
		alert_signature(&a, "One MAC claims many IP addresses: %s", ms);
		alert_text(&a, "%s claimed %.0f distinct addresses in ARP "
		    "within %.0f s; threshold %.0f", ms,
		    dset_estimate(&m->claims), (double)c->alive_ns / 1e9,
		    c->many);
		break;
	}
	alert_kv_str(&a, "finding", m->reason == R_CONFLICT ? "conflict" :
	    m->reason == R_IMPERSONATE ? "impersonation" : "many-addresses");
	alert_kv_str(&a, "claimed_ip", vs);
	alert_kv_str(&a, "claimer_mac", ms);
	if (m->has_owner)
		alert_kv_str(&a, "owner_mac", os);
	if (m->has_target)
		alert_kv_str(&a, "poisoned_host", tg);
	alert_kv_num(&a, "arp_packets", (double)m->ep.count);
	alert_kv_num(&a, "contested_addresses", m->ncontested);
	alert_kv_num(&a, "claimed_addresses", dset_estimate(&m->claims));
	alert_kv_num(&a, "many_ips_threshold", c->many);
	alert_kv_num(&a, "alive_s", (double)c->alive_ns / 1e9);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(c->ctx->sink, &a);
	c->alerts++;
}

static void on_evict_mac(const void *key, void *val, void *ud)
{
	const struct mackey *k = key;
	emit(ud, k->mac, val, 0);
}

static void open_ep(struct macrec *m, enum reason r, const uint8_t *ip,
    const uint8_t *owner, uint64_t now)
{
	if (m->ep.open) {
		m->ep.count++;
		m->ep.last = now;
		/* an impersonation or conflict outranks "many" */
		if (m->reason == R_MANY && r != R_MANY) {
			m->reason = (uint8_t)r;
			memcpy(m->victim_ip, ip, 4);
		}
		if (owner && !m->has_owner) {
			m->has_owner = 1;
			memcpy(m->owner, owner, 6);
		}
		return;
	}
	episode_open(&m->ep, now, now);
	m->ep.count = 1;
	m->reason = (uint8_t)r;
	memcpy(m->victim_ip, ip, 4);
	m->has_owner = 0;
	if (owner) {
		m->has_owner = 1;
		memcpy(m->owner, owner, 6);
	}
}

static void contest(struct macrec *m, const uint8_t *ip)
{
	if (dset_add(&m->contested, ep_hash_bytes(ip, 4, 4)))
		m->ncontested++;
}

static struct macrec *mac_get(struct arpchk *c, const uint8_t *mac)
{
	struct mackey k;
	memset(&k, 0, sizeof(k));
	memcpy(k.mac, mac, 6);
	return lrutab_get(c->macs, &k, NULL);
}

static struct macrec *mac_find(struct arpchk *c, const uint8_t *mac)
{
	struct mackey k;
	memset(&k, 0, sizeof(k));
	memcpy(k.mac, mac, 6);
	return lrutab_find(c->macs, &k);
}

/* Drop contested claims whose claimer stopped for arp.alive_s. */
static void pend_expire(struct arpchk *c, uint64_t now)
{
	for (unsigned i = 0; i < NPEND && c->npend; i++) {
		struct pend *p = &c->pend[i];
		if (p->used && now >= p->last && now - p->last >= c->alive_ns) {
			p->used = 0;
			c->npend--;
		}
	}
}

/* A frame from mac: the owner of a contested address is still there, if
 * the claim was recent. */
static void pend_heard(struct arpchk *c, const uint8_t *mac, uint64_t now)
{
	for (unsigned i = 0; i < NPEND; i++) {
		struct pend *p = &c->pend[i];
		if (p->used && memcmp(p->owner, mac, 6) == 0 &&
		    now >= p->last && now - p->last < c->repoison_ns)
			p->owner_back = 1;
	}
}

/* rival claims ip, bound to owner and alive; unsol: in a reply nobody
 * asked for. Returns the record once it is spoofing - the owner was heard
 * between two of the rival's claims less than arp.repoison_s apart, or
 * the rival pushed ARP_UNSOLICITED replies nobody asked for, each within
 * arp.repoison_s of the one before (a new router answers questions) - (its
 * slot is freed: the caller reads it at once), else NULL: the claim is
 * kept waiting. */
static const struct pend *pend_claim(struct arpchk *c, const uint8_t *ip,
    const uint8_t *owner, const uint8_t *rival, const uint8_t *tpa,
    int unsol, uint64_t now)
{
	struct pend *p = NULL, *oldest = NULL;

	for (unsigned i = 0; i < NPEND; i++) {
		struct pend *x = &c->pend[i];
		if (x->used && memcmp(x->ip, ip, 4) == 0 &&
		    memcmp(x->rival, rival, 6) == 0) {
			p = x;
			break;
		}
		if (!oldest || (oldest->used && (!x->used ||
		    x->last < oldest->last)))
			oldest = x;
	}
	if (p) {
		int both = p->owner_back && now - p->last < c->repoison_ns;
		p->count++;
		p->last = now;
		p->owner_back = 0;
		if (unsol) {
			p->unsol = now - p->last_unsol < c->repoison_ns &&
			    p->unsol < 255 ? (uint8_t)(p->unsol + 1) : 1;
			p->last_unsol = now;
		}
		if (!both && p->unsol < ARP_UNSOLICITED)
			return NULL;
		p->used = 0;
		c->npend--;
		return p;
	}
	p = oldest;		/* a free slot, else the stalest claim */
	if (!p->used)
		c->npend++;
	memset(p, 0, sizeof(*p));
	p->used = 1;
	memcpy(p->ip, ip, 4);
	memcpy(p->owner, owner, 6);
	memcpy(p->rival, rival, 6);
	p->first = p->last = now;
	p->count = 1;
	if (unsol) {
		p->unsol = 1;
		p->last_unsol = now;
	}
	if (!zero4(tpa) && memcmp(tpa, ip, 4) != 0) {
		p->has_target = 1;
		memcpy(p->target, tpa, 4);
	}
	return NULL;
}

/* 1 when the host at mac asked who-has ip in the last few seconds (an
 * answer to it is solicited). */
static int asked(struct arpchk *c, const uint8_t *mac, const uint8_t *ip,
    uint64_t now)
{
	const struct macrec *m = mac_find(c, mac);
	if (!m)
		return 0;
	int i = find_in((const uint8_t (*)[4])m->asked,
	    m->nasked < NLIST ? m->nasked : NLIST, ip);
	return i >= 0 && now >= m->asked_ts[i] &&
	    now - m->asked_ts[i] < ARP_ANSWER_NS;
}

/* 1 for a reply sent to one host that did not ask for it: a poisoner's.
 * A broadcast one is an announcement (an address taken over on failover
 * announces itself a few times), not aimed at a cache. */
static int unsolicited(struct arpchk *c, const struct packet *p)
{
	return p->arp.op == 2 && p->has_eth && !(p->dst_mac[0] & 1) &&
	    !(p->arp.tha[0] & 1) && !asked(c, p->arp.tha, p->arp.spa,
	    p->ts_ns);
}

static void arp_packet(void *st, const struct detect_pkt *dp)
{
	struct arpchk *c = st;
	const struct packet *p = dp->p;
	uint64_t now = p->ts_ns;
	const uint8_t *sha = p->arp.sha, *spa = p->arp.spa, *tpa = p->arp.tpa;

	if (c->npend && p->has_eth)
		pend_heard(c, p->src_mac, now);
	if (!p->has_arp || (p->arp.op != 1 && p->arp.op != 2))
		return;
	/* probes (sender 0.0.0.0) and link-local self-assignment are not
	 * claims; a broadcast or zero sender MAC is malformed */
	if (zero4(spa) || (spa[0] == 169 && spa[1] == 254))
		return;
	if (!(sha[0] | sha[1] | sha[2] | sha[3] | sha[4] | sha[5]) ||
	    (sha[0] & 1))
		return;

	struct macrec *m = mac_get(c, sha);
	if (m->claims_start == 0 || now < m->claims_start ||
	    now - m->claims_start >= c->alive_ns) {
		dset_clear(&m->claims);
		m->claims_start = now;
	}
	m->last = now;
	memcpy(m->last_ip, spa, 4);
	int ci = find_in((const uint8_t (*)[4])m->claim, m->nclaim, spa);
	if (ci < 0 && m->nclaim < NLIST) {
		ci = m->nclaim++;
		memcpy(m->claim[ci], spa, 4);
	}
	if (ci >= 0) {
		m->claim_ts[ci] = now;
		if (zero4(m->claim_tgt[ci]) && memcmp(tpa, spa, 4) != 0)
			memcpy(m->claim_tgt[ci], tpa, 4);
	}
	dset_add(&m->claims, ep_hash_bytes(spa, 4, 4));
	unsigned na = m->nasked < NLIST ? m->nasked : NLIST;
	int asking = p->arp.op == 1 && memcmp(spa, tpa, 4) != 0 &&
	    !zero4(tpa);

	/* impersonation: this packet claims an address the MAC recently
	 * asked for, or asks for one it recently claimed */
	const uint8_t *imp = NULL;
	int ai = find_in((const uint8_t (*)[4])m->asked, na, spa);
	if (ai >= 0 && now - m->asked_ts[ai] < c->alive_ns)
		imp = spa;
	if (!imp && asking) {
		int k = find_in((const uint8_t (*)[4])m->claim, m->nclaim, tpa);
		if (k >= 0 && now - m->claim_ts[k] < c->alive_ns)
			imp = tpa;
	}
	if (asking) {
		ai = find_in((const uint8_t (*)[4])m->asked, na, tpa);
		if (ai < 0) {
			ai = m->nasked % NLIST;
			memcpy(m->asked[ai], tpa, 4);
			if (m->nasked < 255)
				m->nasked++;
		}
		m->asked_ts[ai] = now;
	}
	if (imp) {
		m->suspect = 1;
		contest(m, imp);
		if (!m->ep.open || m->reason == R_MANY) {
			open_ep(m, R_IMPERSONATE, imp, NULL, now);
			m->ep.count = 2;	/* the claim and the ask */
		} else {
			m->ep.count++;
			m->ep.last = now;
		}
		int k = find_in((const uint8_t (*)[4])m->claim, m->nclaim, imp);
		if (!m->has_target && k >= 0 && !zero4(m->claim_tgt[k])) {
			m->has_target = 1;
			memcpy(m->target, m->claim_tgt[k], 4);
		}
	}

	/* the binding */
	struct ipkey ik;
	int created = 0;
	memcpy(ik.ip, spa, 4);
	struct iprec *r = lrutab_get(c->ips, &ik, &created);
	if (created) {
		if (!m->suspect) {
			memcpy(r->owner, sha, 6);
			r->owner_last = now;
		}
	} else if (memcmp(r->owner, sha, 6) == 0) {
		r->owner_last = now;
	} else {
		struct macrec *o = mac_find(c, r->owner);
		int alive = o && now >= r->owner_last &&
		    now - r->owner_last < c->alive_ns &&
		    memcmp(o->last_ip, spa, 4) == 0 && !o->suspect;
		if (alive && imp) {	/* counted above already */
			contest(m, spa);
			if (!m->has_owner) {
				m->has_owner = 1;
				memcpy(m->owner, r->owner, 6);
			}
		} else if (alive && m->ep.open && m->reason != R_MANY) {
			contest(m, spa);
			open_ep(m, R_CONFLICT, spa, r->owner, now);
			if (!m->has_target && !zero4(tpa) &&
			    memcmp(tpa, spa, 4) != 0) {
				m->has_target = 1;
				memcpy(m->target, tpa, 4);
			}
		} else if (alive) {
			const struct pend *pd = pend_claim(c, spa, r->owner,
			    sha, tpa, unsolicited(c, p), now);
			if (pd) {
				int was_open = m->ep.open;
				contest(m, spa);
				open_ep(m, R_CONFLICT, spa, r->owner, now);
				/* from the first claim */
				if (!was_open) {
					m->ep.start = pd->first;
					m->ep.count = pd->count;
				}
				if (!m->has_target && pd->has_target) {
					m->has_target = 1;
					memcpy(m->target, pd->target, 4);
				}
			}
		} else if (!m->suspect) {
			/* the old owner left or moved: a new binding */
			memcpy(r->owner, sha, 6);
			r->owner_last = now;
		}
	}

	if (!m->ep.open && dset_estimate(&m->claims) >= c->many)
		open_ep(m, R_MANY, spa, NULL, now);
	else if (m->ep.open && m->reason == R_MANY)
		m->ep.last = now;
}

static void expire(struct arpchk *c, uint64_t now, int all)
{
	struct macrec *m, *nx;

	pend_expire(c, now);
	for (m = lrutab_first(c->macs); m; m = nx) {
		nx = lrutab_next(c->macs, m);
		const struct mackey *k = lrutab_key(c->macs, m);
		if (all) {
			emit(c, k->mac, m, 0);
			continue;
		}
		if (now < m->last || now - m->last < c->idle_ns)
			break;
		if (episode_idle(&m->ep, now, c->idle_ns))
			emit(c, k->mac, m, 0);
	}
	if (all || !ep_ongoing_walk(&c->next_ongoing, now))
		return;
	for (m = lrutab_first(c->macs); m; m = lrutab_next(c->macs, m))
		if (episode_ongoing(&m->ep, now))
			emit(c, ((const struct mackey *)lrutab_key(c->macs,
			    m))->mac, m, 1);
}

static void arp_tick(void *st, uint64_t now)
{
	expire(st, now, 0);
}

static void arp_finish(void *st, uint64_t now)
{
	expire(st, now, 1);
}

static void arp_destroy(void *st)
{
	struct arpchk *c = st;
	if (!c)
		return;
	lrutab_free(c->ips);
	lrutab_free(c->macs);
	ew_free(c);
}

static void *arp_create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct arpchk *c = ew_calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "arp: out of memory");
		return NULL;
	}
	c->ctx = ctx;
	double alive = detect_setting(set, "arp.alive_s", ARP_ALIVE_S,
	    "arp: a binding claimed this recently by its owner is in use (s)");
	double repoison = detect_setting(set, "arp.repoison_s",
	    ARP_REPOISON_S, "arp: a contested claim is spoofing when the "
	    "owner is heard between two claims this close, or unasked "
	    "replies come this close in a row (s)");
	c->many = detect_setting(set, "arp.many_ips", ARP_MANY_IPS,
	    "arp: distinct addresses one MAC may claim within arp.alive_s");
	double idle = detect_setting(set, "arp.idle_s", ARP_IDLE_S,
	    "arp: an episode ends after this long without ARP from the MAC "
	    "(s)");
	double mem = 1024 * detect_setting(set, "arp.memcap_kb",
	    ARP_MEMCAP / 1024, "arp: memory for its tables (KiB)");
	if (c->many < 2)
		c->many = 2;
	c->alive_ns = (uint64_t)(alive * 1e9);
	c->repoison_ns = (uint64_t)(repoison * 1e9);
	c->idle_ns = (uint64_t)(idle * 1e9);
	c->ips = lrutab_new(sizeof(struct ipkey), sizeof(struct iprec),
	    lrutab_entries_for(sizeof(struct ipkey), sizeof(struct iprec),
	    (size_t)(mem / 4)), ctx->seed ^ 3, NULL, NULL);
	c->macs = lrutab_new(sizeof(struct mackey), sizeof(struct macrec),
	    lrutab_entries_for(sizeof(struct mackey), sizeof(struct macrec),
	    (size_t)(mem * 3 / 4)), ctx->seed ^ 4, on_evict_mac, c);
	if (!c->ips || !c->macs) {
		snprintf(err, errlen, "arp: cannot allocate tables");
		arp_destroy(c);
		return NULL;
	}
	return c;
}

const struct check_ops check_arp = {
	.name = "arp",
	.create = arp_create,
	.destroy = arp_destroy,
	.packet = arp_packet,
	.tick = arp_tick,
	.finish = arp_finish,
};
