/* attack_c2.c - two quiet compromises: a bulb beaconing to a command-and-
 * control server, and a speaker smuggling data out through DNS.
 *
 *  beacon:    the bulb opens a short TCP session to a bare IP address (no
 *             DNS lookup) on TCP 8081 every 45 s +- 25 %, sends a small
 *             request and reads a small task list, for the rest of the
 *             window (C2 with jitter, as implants are configured).
 *  dnstunnel: the speaker asks the home router TXT questions whose first
 *             label is 52 base32 characters of the data it steals, under
 *             one domain, two to three a second for ten minutes (scaled),
 *             like iodine/dnscat2; the router answers with short TXT.
 * Neither is part of "all" (existing scenarios keep their bytes). */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <string.h>

#define MS 1000ull
#define SEC 1000000ull

/* ---- beacon ------------------------------------------------------------ */

#define C2_BEACON_IP   0xb9e11328u	/* 185.225.19.40 */
#define C2_BEACON_PORT 8081

struct beacon {
	struct sim_device *dev;
	struct sim_host c2;
	uint64_t end;
	uint16_t ep;
};

static void ev_beacon(struct sim_ctx *c, void *obj, uint32_t arg,
    uint64_t now)
{
	struct beacon *b = obj;
	struct sim_tcp s;
	uint8_t req[96];
	uint64_t t;

	(void)arg;
	if (!b->dev->ready || b->dev->ready > now) {
		sim_sched(c, now + 5 * SEC, ev_beacon, b, 0);
		return;
	}
	c->cur_ep = b->ep;
	sim_tcp_init(&s, c, &b->dev->h, sim_device_port(c, b->dev), &b->c2,
	    C2_BEACON_PORT, 0);
	t = sim_tcp_connect(c, &s, now);
	/* an encrypted-looking check-in and the task list */
	sim_rng_bytes(&c->rng, req, sizeof(req));
	t = sim_tcp_send(c, &s, 0, t + MS, req,
	    64 + sim_rng_below(&c->rng, 32), 0);
	t = sim_tcp_send(c, &s, 1, t + 2 * MS, NULL,
	    40 + sim_rng_below(&c->rng, 200), 0);
	sim_tcp_close(c, &s, 0, t + 5 * MS);
	c->cur_ep = 0;
	if (now < b->end)
		sim_sched(c, now + sim_rng_jitter_us(&c->rng, 45.0, 0.25),
		    ev_beacon, b, 0);
}

int sim_beacon_setup(struct sim_ctx *c, uint64_t start)
{
	struct beacon *b = sim_ctx_alloc(c, sizeof(*b));

	if (!b)
		return -1;
	b->dev = sim_device_of_kind(c, SIM_K_BULB);
	sim_remote_host(c, &b->c2, C2_BEACON_IP);
	b->end = c->tend;
	b->ep = sim_episode_new(c, "beacon", "c2-beacon", &b->dev->h,
	    C2_BEACON_IP, C2_BEACON_PORT);
	sim_sched(c, start, ev_beacon, b, 0);
	return 0;
}

/* ---- DNS tunnel --------------------------------------------------------- */

#define TUN_DOMAIN "t.cdn-telemetry-sync.xyz"

struct dnstun {
	struct sim_device *dev;
	uint64_t end;
	uint32_t seq;
	uint16_t ep;
};

static void ev_dnstun(struct sim_ctx *c, void *obj, uint32_t arg,
    uint64_t now)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	static const char *const txt[] = { "ok" };
	struct dnstun *d = obj;
	char label[53], name[128];
	uint8_t pl[512];
	struct sim_dns_q q;
	struct sim_dns_rr an;
	size_t n;

	(void)arg;
	if (!d->dev->ready || d->dev->ready > now) {
		sim_sched(c, now + 5 * SEC, ev_dnstun, d, 0);
		return;
	}
	c->cur_ep = d->ep;
	for (size_t i = 0; i < sizeof(label) - 1; i++)
		label[i] = b32[sim_rng_below(&c->rng, 32)];
	label[sizeof(label) - 1] = '\0';
	snprintf(name, sizeof(name), "%s.%x.%s", label, d->seq++, TUN_DOMAIN);
	q.name = name;
	q.type = SIM_DNS_TXT;
	q.cls = SIM_DNS_IN;
	memset(&an, 0, sizeof(an));
	an.name = name;
	an.type = SIM_DNS_TXT;
	an.cls = SIM_DNS_IN;
	an.ttl = 0;
	an.txt = txt;
	an.ntxt = 1;
	uint16_t id = (uint16_t)sim_rng_next(&c->rng);
	uint16_t sport = (uint16_t)sim_rng_range(&c->rng, 1024, 65535);
	n = sim_dns_build(pl, sizeof(pl), id, 0x0100, &q, 1, NULL, 0, NULL, 0);
	sim_send_udp(c, now, &d->dev->h, &c->router, sport, 53, pl, n);
	n = sim_dns_build(pl, sizeof(pl), id, 0x8180, &q, 1, &an, 1, NULL, 0);
	sim_send_udp(c, now + sim_rng_range(&c->rng, 20 * MS, 80 * MS),
	    &c->router, &d->dev->h, 53, sport, pl, n);
	c->cur_ep = 0;
	if (now < d->end)
		sim_sched(c, now + sim_rng_range(&c->rng, 300 * MS, 500 * MS),
		    ev_dnstun, d, 0);
}

int sim_dnstun_setup(struct sim_ctx *c, uint64_t start)
{
	struct dnstun *d = sim_ctx_alloc(c, sizeof(*d));

	if (!d)
		return -1;
	d->dev = sim_device_of_kind(c, SIM_K_SPEAKER);
	d->end = start + (uint64_t)(600.0 * sim_attack_scale(c) * 1e6);
	d->ep = sim_episode_new(c, "dnstunnel", "dns-tunnel", &d->dev->h,
	    c->router.ip, 53);
	sim_sched(c, start, ev_dnstun, d, 0);
	return 0;
}
