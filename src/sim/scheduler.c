/* scheduler.c - the simulator's engine: an event heap, a heap of pending
 * frames, and the loop that writes frames in timestamp order.
 *
 * Handlers run in event-time order and only emit frames at or after their
 * own time, so every frame stamped <= the next event's time is final and
 * can be written. Ties keep emission order (a global sequence number), so
 * output is deterministic. */
#include "sim/sim_internal.h"

#include <string.h>

#include "util/alloc.h"

static int ev_less(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int pk_less(const struct sim_pkt *a, const struct sim_pkt *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

void sim_sched(struct sim_ctx *c, uint64_t t, sim_ev_fn fn, void *obj,
    uint32_t arg)
{
	struct sim_ev e;
	size_t i;

	if (c->nev == c->evcap) {
		size_t ncap = c->evcap ? c->evcap * 2 : 256;
		struct sim_ev *nv = ew_realloc(c->ev, ncap * sizeof(*nv));

		if (!nv) {
			c->oom = 1;
			return;
		}
		c->ev = nv;
		c->evcap = ncap;
	}
	e.t = t < c->now ? c->now : t;
	e.seq = c->seq++;
	e.fn = fn;
	e.obj = obj;
	e.arg = arg;
	i = c->nev++;
	while (i > 0 && ev_less(&e, &c->ev[(i - 1) / 2])) {
		c->ev[i] = c->ev[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	c->ev[i] = e;
}

static struct sim_ev ev_pop(struct sim_ctx *c)
{
	struct sim_ev top = c->ev[0];
	struct sim_ev last = c->ev[--c->nev];
	size_t i = 0, n = c->nev;

	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < n && ev_less(&c->ev[l], &last))
			m = l;
		if (l + 1 < n && ev_less(&c->ev[l + 1],
		    m == i ? &last : &c->ev[m]))
			m = l + 1;
		if (m == i)
			break;
		c->ev[i] = c->ev[m];
		i = m;
	}
	if (n)
		c->ev[i] = last;
	return top;
}

uint8_t *sim_out_begin(struct sim_ctx *c)
{
	struct sim_pkt *p = NULL;

	if (c->nfree)
		p = c->freepk[--c->nfree];
	else
		p = ew_malloc(sizeof(*p));
	if (!p) {
		c->oom = 1;
		p = &c->spare;
	}
	c->cur = p;
	return p->data;
}

static void pk_free(struct sim_ctx *c, struct sim_pkt *p)
{
	if (p == &c->spare)
		return;
	if (c->nfree == c->freecap) {
		size_t ncap = c->freecap ? c->freecap * 2 : 256;
		struct sim_pkt **nv = ew_realloc(c->freepk, ncap * sizeof(*nv));

		if (!nv) {
			ew_free(p);
			return;
		}
		c->freepk = nv;
		c->freecap = ncap;
	}
	c->freepk[c->nfree++] = p;
}

void sim_out_commit(struct sim_ctx *c, uint64_t t, size_t len)
{
	struct sim_pkt *p = c->cur;
	size_t i;

	c->cur = NULL;
	if (!p)
		return;
	if (len == 0 || p == &c->spare) {
		pk_free(c, p);
		return;
	}
	if (c->npk == c->pkcap) {
		size_t ncap = c->pkcap ? c->pkcap * 2 : 1024;
		struct sim_pkt **nv = ew_realloc(c->pk, ncap * sizeof(*nv));

		if (!nv) {
			c->oom = 1;
			pk_free(c, p);
			return;
		}
		c->pk = nv;
		c->pkcap = ncap;
	}
	p->t = t < c->now ? c->now : t;
	p->seq = c->seq++;
	p->len = (uint32_t)len;
	p->episode = c->cur_ep;
	i = c->npk++;
	while (i > 0 && pk_less(p, c->pk[(i - 1) / 2])) {
		c->pk[i] = c->pk[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	c->pk[i] = p;
}

static struct sim_pkt *pk_pop(struct sim_ctx *c)
{
	struct sim_pkt *top = c->pk[0];
	struct sim_pkt *last = c->pk[--c->npk];
	size_t i = 0, n = c->npk;

	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < n && pk_less(c->pk[l], last))
			m = l;
		if (l + 1 < n && pk_less(c->pk[l + 1], m == i ? last : c->pk[m]))
			m = l + 1;
		if (m == i)
			break;
		c->pk[i] = c->pk[m];
		i = m;
	}
	if (n)
		c->pk[i] = last;
	return top;
}

/* Write every pending frame stamped <= upto. */
static void flush(struct sim_ctx *c, uint64_t upto)
{
	while (c->npk && c->pk[0]->t <= upto && !c->stop) {
		struct sim_pkt *p = pk_pop(c);

		if (sim_pcap_write(c->out, p->t, p->data, p->len) != 0)
			c->stop = 1;
		if (p->episode && p->episode <= c->nep) {
			struct sim_episode *e = &c->ep[p->episode];

			if (!e->packets)
				e->first = p->t;
			e->last = p->t;
			e->packets++;
		}
		pk_free(c, p);
		if (c->opt.max_packets && c->out->packets >= c->opt.max_packets)
			c->stop = 1;
	}
}

int sim_ctx_run(struct sim_ctx *c)
{
	while (c->nev && !c->stop && !c->oom) {
		struct sim_ev e = ev_pop(c);

		if (c->tend && e.t > c->tend)
			break;
		flush(c, e.t);
		if (c->stop)
			break;
		c->now = e.t;
		e.fn(c, e.obj, e.arg, e.t);
	}
	flush(c, UINT64_MAX);
	return (c->oom || c->out->err) ? -1 : 0;
}

uint16_t sim_episode_new(struct sim_ctx *c, const char *attack,
    const char *category, const struct sim_host *src, uint32_t dst_ip,
    uint16_t dst_port)
{
	struct sim_episode *e;

	if (c->nep >= SIM_MAX_EPISODES)
		return 0;
	e = &c->ep[++c->nep];
	memset(e, 0, sizeof(*e));
	e->attack = attack;
	e->category = category;
	e->src_ip = src->ip;
	memcpy(e->src_mac, src->mac, 6);
	e->dst_ip = dst_ip;
	e->dst_port = dst_port;
	return (uint16_t)c->nep;
}

int sim_ctx_init(struct sim_ctx *c, const struct sim_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->opt = *o;
	sim_rng_seed(&c->rng, o->seed);
	c->t0 = o->start * 1000000u;
	c->now = c->t0;
	c->big = ew_malloc(SIM_BIG_BUF);
	return c->big ? 0 : -1;
}

void *sim_ctx_alloc(struct sim_ctx *c, size_t n)
{
	void *p;

	if (c->nowned >= sizeof(c->owned) / sizeof(c->owned[0]))
		return NULL;
	p = ew_calloc(1, n);
	if (p)
		c->owned[c->nowned++] = p;
	return p;
}

void sim_ctx_fini(struct sim_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nowned; i++)
		ew_free(c->owned[i]);
	c->nowned = 0;

	for (i = 0; i < c->npk; i++)
		pk_free(c, c->pk[i]);
	for (i = 0; i < c->nfree; i++)
		ew_free(c->freepk[i]);
	if (c->cur && c->cur != &c->spare)
		ew_free(c->cur);
	ew_free(c->freepk);
	ew_free(c->pk);
	ew_free(c->ev);
	ew_free(c->big);
	ew_free(c->dev);
	c->freepk = NULL;
	c->pk = NULL;
	c->ev = NULL;
	c->big = NULL;
	c->dev = NULL;
}

/* ---- host-level emitters ------------------------------------------- */

void sim_l3_from(struct sim_l3 *l, struct sim_host *src,
    const struct sim_host *dst)
{
	memcpy(l->smac, src->mac, 6);
	memcpy(l->dmac, dst->mac, 6);
	l->sip = src->ip;
	l->dip = dst->ip;
	l->ttl = src->ttl;
	l->tos = 0;
	/* Windows and Linux count IP ids per host; scanners leave them
	 * random, which the caller sets. */
	l->id = src->ip_id++;
	l->df = src->os != SIM_OS_RTOS && src->os != SIM_OS_NMAP;
}

void sim_send_udp(struct sim_ctx *c, uint64_t t, struct sim_host *src,
    const struct sim_host *dst, uint16_t sport, uint16_t dport,
    const void *pl, size_t plen)
{
	struct sim_l3 l;
	uint8_t *f = sim_out_begin(c);

	sim_l3_from(&l, src, dst);
	l.df = 0;
	sim_out_commit(c, t, sim_build_udp4(f, SIM_FRAME_MAX, &l, sport,
	    dport, pl, plen));
}

void sim_send_udp_group(struct sim_ctx *c, uint64_t t, struct sim_host *src,
    uint32_t group, uint16_t sport, uint16_t dport, const void *pl,
    size_t plen)
{
	struct sim_host g;

	memset(&g, 0, sizeof(g));
	g.ip = group;
	sim_mcast_mac4(group, g.mac);
	/* Multicast discovery traffic stays on the link: TTL 255 for mDNS,
	 * 1 for LLMNR, 4 for SSDP (UPnP DA default), 64 otherwise. */
	{
		uint8_t ttl = src->ttl;
		struct sim_l3 l;
		uint8_t *f;

		if (group == 0xe00000fbu)
			src->ttl = 255;
		else if (group == 0xe00000fcu)
			src->ttl = 1;
		else if (group == 0xeffffffau)
			src->ttl = 4;
		f = sim_out_begin(c);
		sim_l3_from(&l, src, &g);
		l.df = 0;
		src->ttl = ttl;
		sim_out_commit(c, t, sim_build_udp4(f, SIM_FRAME_MAX, &l, sport,
		    dport, pl, plen));
	}
}

void sim_send_arp(struct sim_ctx *c, uint64_t t, const uint8_t edst[6],
    const uint8_t esrc[6], uint16_t op, const uint8_t sha[6], uint32_t spa,
    const uint8_t tha[6], uint32_t tpa)
{
	uint8_t *f = sim_out_begin(c);

	sim_out_commit(c, t, sim_build_arp(f, SIM_FRAME_MAX, edst, esrc, op,
	    sha, spa, tha, tpa));
}
