/* attack_mining.c - two attacks that abuse a device's uplink: a
 * compromised plug mining over Stratum (JSON-RPC on TCP 3333) and a
 * thermostat uploading tens of MB over TLS to an address far from its
 * usual clouds. */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <string.h>

#define MS 1000ull
#define SEC 1000000ull

/* ---- Stratum mining --------------------------------------------------- */

struct mining {
	struct sim_device *dev;
	struct sim_host pool;
	struct sim_tcp s;
	struct sim_domain dom;
	unsigned id, job;
	uint16_t ep;
};

static uint64_t stratum(struct sim_ctx *c, struct mining *m, int side,
    uint64_t t, const char *msg)
{
	return sim_tcp_send(c, &m->s, side, t, (const uint8_t *)msg,
	    strlen(msg), 0);
}

static void hex(struct sim_ctx *c, char *out, size_t nbytes)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < nbytes; i++) {
		uint32_t v = sim_rng_below(&c->rng, 256);

		out[2 * i] = digits[v >> 4];
		out[2 * i + 1] = digits[v & 15];
	}
	out[2 * nbytes] = '\0';
}

static uint64_t notify(struct sim_ctx *c, struct mining *m, uint64_t t)
{
	char prev[65], cb1[81], cb2[41], msg[512];

	hex(c, prev, 32);
	hex(c, cb1, 40);
	hex(c, cb2, 20);
	m->job++;
	snprintf(msg, sizeof(msg), "{\"id\":null,\"method\":\"mining.notify\","
	    "\"params\":[\"%x\",\"%s\",\"%s\",\"%s\",[],\"20000000\","
	    "\"17034219\",\"%08x\",%s]}\n", m->job, prev, cb1, cb2,
	    (unsigned)(t / SEC), m->job % 4 == 1 ? "true" : "false");
	return stratum(c, m, 1, t, msg);
}

static void ev_mining(struct sim_ctx *c, void *obj, uint32_t arg,
    uint64_t now)
{
	struct mining *m = obj;
	char msg[512], en2[9], nonce[9];
	uint64_t t = now;

	(void)arg;
	if (!m->dev->ready || m->dev->ready > now) {
		sim_sched(c, now + 5 * SEC, ev_mining, m, 0);
		return;
	}
	c->cur_ep = m->ep;
	if (!m->s.open) {
		uint32_t ip;

		t = sim_router_dns(c, &m->dev->h, &m->dom, 0, &ip, t);
		sim_remote_host(c, &m->pool, ip);
		sim_tcp_init(&m->s, c, &m->dev->h, sim_device_port(c, m->dev),
		    &m->pool, 3333, 0);
		t = sim_tcp_connect(c, &m->s, t + MS);
		t = stratum(c, m, 0, t + MS, "{\"id\":1,\"method\":"
		    "\"mining.subscribe\",\"params\":[\"cpuminer-multi/1.3.7\"]}\n");
		t = stratum(c, m, 1, t + 5 * MS, "{\"id\":1,\"result\":[[["
		    "\"mining.set_difficulty\",\"b4b6693b72a50c7116db18d6497cac52\"],"
		    "[\"mining.notify\",\"ae6812eb4cd7735a302a8a9dd95cf71f\"]],"
		    "\"08000002\",4],\"error\":null}\n");
		t = stratum(c, m, 0, t + 2 * MS, "{\"id\":2,\"method\":"
		    "\"mining.authorize\",\"params\":[\"bc1qm34lsc65zpw79lxes69zkqmk6"
		    "ee3ewf0j77s3h.plug01\",\"x\"]}\n");
		t = stratum(c, m, 1, t + 5 * MS, "{\"id\":2,\"result\":true,"
		    "\"error\":null}\n{\"id\":null,\"method\":"
		    "\"mining.set_difficulty\",\"params\":[512]}\n");
		t = notify(c, m, t + 10 * MS);
		m->id = 3;
	} else if (sim_rng_below(&c->rng, 3) == 0) {
		t = notify(c, m, t);	/* new job from the pool */
	} else {		/* a share found */
		hex(c, en2, 4);
		hex(c, nonce, 4);
		snprintf(msg, sizeof(msg), "{\"id\":%u,\"method\":"
		    "\"mining.submit\",\"params\":[\"bc1qm34lsc65zpw79lxes69zkqmk6"
		    "ee3ewf0j77s3h.plug01\",\"%x\",\"%s\",\"%08x\",\"%s\"]}\n",
		    m->id, m->job, en2, (unsigned)(t / SEC), nonce);
		t = stratum(c, m, 0, t, msg);
		snprintf(msg, sizeof(msg), "{\"id\":%u,\"result\":true,"
		    "\"error\":null}\n", m->id++);
		t = stratum(c, m, 1, t + 3 * MS, msg);
	}
	c->cur_ep = 0;
	sim_sched(c, t + sim_rng_range(&c->rng, 15 * SEC, 60 * SEC), ev_mining,
	    m, 0);
}

int sim_mining_setup(struct sim_ctx *c, uint64_t start)
{
	struct mining *m = sim_ctx_alloc(c, sizeof(*m));

	if (!m)
		return -1;
	m->dev = sim_device_of_kind(c, SIM_K_PLUG);
	m->dom.name = "stratum.braiins.com";
	m->dom.net = 0x05090000u;	/* 5.9.0.0/16, a hosting block */
	m->dom.plen = 16;
	m->dom.ttl = 300;
	m->ep = sim_episode_new(c, "mining", "cryptomining", &m->dev->h,
	    sim_domain_ip(&m->dom), 3333);
	sim_sched(c, start, ev_mining, m, 0);
	return 0;
}

/* ---- exfiltration ----------------------------------------------------- */

struct exfil {
	struct sim_device *dev;
	struct sim_host dst;
	struct sim_tcp s;
	struct sim_domain dom;
	uint64_t left;
	uint32_t rate;		/* bytes per second */
	uint16_t ep;
};

static void ev_exfil(struct sim_ctx *c, void *obj, uint32_t arg,
    uint64_t now)
{
	struct exfil *x = obj;
	uint64_t t = now, chunk;

	(void)arg;
	if (!x->dev->ready || x->dev->ready > now) {
		sim_sched(c, now + 5 * SEC, ev_exfil, x, 0);
		return;
	}
	c->cur_ep = x->ep;
	if (!x->s.open && x->left) {
		uint32_t ip;

		t = sim_router_dns(c, &x->dev->h, &x->dom, 0, &ip, t);
		sim_remote_host(c, &x->dst, ip);
		sim_tcp_init(&x->s, c, &x->dev->h, sim_device_port(c, x->dev),
		    &x->dst, 443, 0);
		t = sim_tcp_connect(c, &x->s, t + MS);
		t = sim_tcp_tls_handshake(c, &x->s, t + 200, x->dev->k->tls,
		    x->dom.name, NULL);
	}
	chunk = x->rate / 4u;
	if (chunk > x->left)
		chunk = x->left;
	t = sim_tcp_tls_data(c, &x->s, 0, t, (size_t)chunk,
	    (uint32_t)(1448ull * SEC / x->rate));
	x->left -= chunk;
	if (x->left) {
		sim_sched(c, t > now + 250 * MS ? t : now + 250 * MS, ev_exfil,
		    x, 0);
	} else {
		t = sim_tcp_tls_data(c, &x->s, 1, t + 40 * MS, 120, 0);
		sim_tcp_close(c, &x->s, 0, t + 300 * MS);
	}
	c->cur_ep = 0;
}

int sim_exfil_setup(struct sim_ctx *c, uint64_t start)
{
	struct exfil *x = sim_ctx_alloc(c, sizeof(*x));

	if (!x)
		return -1;
	x->dev = sim_device_of_kind(c, SIM_K_THERMOSTAT);
	x->dom.name = "upload.cloudsync-backup.top";
	x->dom.net = 0xdeba0000u;	/* 222.186.0.0/16 */
	x->dom.plen = 16;
	x->dom.ttl = 600;
	x->left = (uint64_t)sim_rng_range(&c->rng, 25, 45) * 1000000u;
	x->rate = sim_rng_range(&c->rng, 300000, 450000);
	x->ep = sim_episode_new(c, "exfil", "volume-spike", &x->dev->h,
	    sim_domain_ip(&x->dom), 443);
	if (x->ep)
		c->ep[x->ep].category2 = "new-country";
	sim_sched(c, start, ev_exfil, x, 0);
	return 0;
}
