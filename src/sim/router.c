/* router.c - the home gateway: DHCP server, DNS resolver, ARP, and the
 * stand-ins for Internet hosts (whose frames reach the LAN through it). */
#include "sim/sim_internal.h"

#include <string.h>

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero_mac[6];

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

uint32_t sim_wan_rtt(uint32_t ip)
{
	/* 8-130 ms, stable per address: nearby CDNs fast, far clouds slow */
	return 8000u + mix32(ip) % 122000u;
}

void sim_remote_host(struct sim_ctx *c, struct sim_host *h, uint32_t ip)
{
	uint32_t m = mix32(ip ^ 0x9e3779b9u);

	memcpy(h->mac, c->router.mac, 6);
	h->ip = ip;
	/* initial TTL 64 (Linux) or 128 (Windows servers) minus 8-19 hops */
	h->ttl = (uint8_t)((m % 5 == 0 ? 128u : 64u) - (8u + (m >> 8) % 12u));
	h->os = SIM_OS_LINUX;
	h->ip_id = (uint16_t)sim_rng_next(&c->rng);
}

struct sim_host *sim_lan_host(struct sim_ctx *c, uint32_t ip)
{
	size_t i;

	if (ip == c->router.ip)
		return &c->router;
	for (i = 0; i < c->ndev; i++)
		if (c->dev[i].h.ip == ip)
			return &c->dev[i].h;
	return NULL;
}

static void ev_router_ssdp(struct sim_ctx *c, void *obj, uint32_t arg,
    uint64_t now)
{
	(void)obj;
	(void)arg;
	sim_disc_router_notify(c, now);
	sim_sched(c, now + sim_rng_jitter_us(&c->rng, 900.0, 0.1),
	    ev_router_ssdp, NULL, 0);
}

void sim_router_setup(struct sim_ctx *c)
{
	uint64_t r = sim_rng_next(&c->rng);

	/* TP-Link Archer: D0:37:45 */
	c->router.mac[0] = 0xd0;
	c->router.mac[1] = 0x37;
	c->router.mac[2] = 0x45;
	c->router.mac[3] = (uint8_t)r;
	c->router.mac[4] = (uint8_t)(r >> 8);
	c->router.mac[5] = (uint8_t)(r >> 16);
	c->router.ip = c->net + 1;
	c->router.ttl = 64;
	c->router.os = SIM_OS_LINUX;
	c->router.ip_id = (uint16_t)(r >> 24);
	sim_sched(c, c->t0 + sim_rng_range(&c->rng, 1000000, 30000000),
	    ev_router_ssdp, NULL, 0);
}

static int prl_has(const struct sim_kind *k, uint8_t opt)
{
	size_t i;

	for (i = 0; i < k->prl_len; i++)
		if (k->prl[i] == opt)
			return 1;
	return 0;
}

/* One DHCP message; client messages leave from 0.0.0.0 to broadcast. */
static void dhcp_send(struct sim_ctx *c, struct sim_device *d, uint64_t t,
    const struct sim_dhcp *m)
{
	uint8_t pl[600];
	size_t n = sim_dhcp_build(pl, sizeof(pl), m);
	struct sim_host src, dst;

	if (m->type == SIM_DHCP_OFFER || m->type == SIM_DHCP_ACK) {
		dst = d->h;
		sim_send_udp(c, t, &c->router, &dst, 67, 68, pl, n);
		return;
	}
	src = d->h;
	src.ip = m->ciaddr;
	memset(&dst, 0, sizeof(dst));
	memcpy(dst.mac, bcast_mac, 6);
	dst.ip = 0xffffffffu;
	if (m->ciaddr) {	/* renewal: unicast to the server */
		memcpy(dst.mac, c->router.mac, 6);
		dst.ip = c->router.ip;
	}
	sim_send_udp(c, t, &src, &dst, 68, 67, pl, n);
	d->h.ip_id = src.ip_id;
}

uint64_t sim_router_dhcp(struct sim_ctx *c, struct sim_device *d,
    uint64_t t)
{
	const struct sim_kind *k = d->k;
	struct sim_dhcp m, s;

	memset(&m, 0, sizeof(m));
	m.type = SIM_DHCP_DISCOVER;
	m.xid = (uint32_t)sim_rng_next(&c->rng);
	memcpy(m.chaddr, d->h.mac, 6);
	m.client_id = k->client_id;
	m.max_size = k->dhcp_max;
	m.hostname = d->hostname;
	m.vendor_class = k->vendor_class;
	m.prl = k->prl;
	m.prl_len = k->prl_len;
	m.fqdn = k->os == SIM_OS_WINDOWS ? d->hostname : NULL;
	dhcp_send(c, d, t, &m);

	memset(&s, 0, sizeof(s));
	s.type = SIM_DHCP_OFFER;
	s.xid = m.xid;
	s.yiaddr = d->h.ip;
	memcpy(s.chaddr, d->h.mac, 6);
	s.server_id = c->router.ip;
	s.lease = SIM_LEASE_S;
	s.mask = c->mask;
	s.bcast = c->net | ~c->mask;
	s.router = c->router.ip;
	s.dns = c->router.ip;
	s.domain = "lan";
	s.ntp = prl_has(k, 42) ? c->router.ip : 0;
	t += sim_rng_range(&c->rng, 1000, 4000);
	dhcp_send(c, d, t, &s);

	m.type = SIM_DHCP_REQUEST;
	m.req_ip = d->h.ip;
	m.server_id = c->router.ip;
	m.secs = 0;
	t += sim_rng_range(&c->rng, 3000, 60000);
	dhcp_send(c, d, t, &m);

	s.type = SIM_DHCP_ACK;
	t += sim_rng_range(&c->rng, 1000, 4000);
	dhcp_send(c, d, t, &s);
	return t;
}

uint64_t sim_router_dns(struct sim_ctx *c, struct sim_host *src,
    const struct sim_domain *dom, int aaaa, uint32_t *ip, uint64_t t)
{
	uint8_t pl[512];
	struct sim_dns_q q;
	struct sim_dns_rr an[2];
	size_t n, nan = 0;
	int pass;
	uint64_t last = t;

	*ip = sim_domain_ip(dom);
	q.name = dom->name;
	q.cls = SIM_DNS_IN;
	memset(an, 0, sizeof(an));
	if (dom->cname) {
		an[0].name = dom->name;
		an[0].type = SIM_DNS_CNAME;
		an[0].cls = SIM_DNS_IN;
		an[0].ttl = dom->ttl;
		an[0].target = dom->cname;
		nan = 1;
	}
	an[nan].name = dom->cname ? dom->cname : dom->name;
	an[nan].type = SIM_DNS_A;
	an[nan].cls = SIM_DNS_IN;
	an[nan].ttl = dom->ttl;
	an[nan].a = *ip;
	for (pass = 0; pass < (aaaa ? 2 : 1); pass++) {
		uint16_t id = (uint16_t)sim_rng_next(&c->rng);
		uint16_t sport = (uint16_t)sim_rng_range(&c->rng, 1024, 65535);
		uint64_t qt = t + (uint64_t)pass * sim_rng_range(&c->rng, 30,
		    400);
		/* the router answers from cache or after asking upstream */
		uint64_t rt = qt + (sim_rng_below(&c->rng, 2) ?
		    sim_rng_range(&c->rng, 300, 2000) :
		    sim_rng_range(&c->rng, 8000, 60000));

		q.type = pass ? SIM_DNS_AAAA : SIM_DNS_A;
		n = sim_dns_build(pl, sizeof(pl), id, 0x0100, &q, 1, NULL, 0,
		    NULL, 0);
		sim_send_udp(c, qt, src, &c->router, sport, 53, pl, n);
		/* no IPv6 upstream: AAAA answers are empty (NOERROR) but
		 * still carry the CNAME chain */
		n = sim_dns_build(pl, sizeof(pl), id, 0x8180, &q, 1, an,
		    pass ? (dom->cname ? 1 : 0) : nan + 1, NULL, 0);
		sim_send_udp(c, rt, &c->router, src, 53, sport, pl, n);
		if (rt > last)
			last = rt;
	}
	return last;
}

uint64_t sim_arp_resolve(struct sim_ctx *c, struct sim_host *src,
    uint32_t ip, const struct sim_host *owner, uint64_t t)
{
	sim_send_arp(c, t, bcast_mac, src->mac, 1, src->mac, src->ip,
	    zero_mac, ip);
	if (!owner)
		return t;
	t += sim_rng_range(&c->rng, 300, 3000);
	sim_send_arp(c, t, src->mac, owner->mac, 2, owner->mac, ip, src->mac,
	    src->ip);
	return t;
}
