/* devices.c - the simulated devices: identity (MAC, address, hostname,
 * link-local IPv6), boot (DHCP, ARP, IPv6 DAD and router solicitation)
 * and the periodic tasks of each kind. */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

/* Copy fmt replacing each "%s" with val (not printf: formats are data). */
static void subst(char *out, size_t size, const char *fmt, const char *val)
{
	size_t n = 0, vl = strlen(val);

	while (*fmt && n + 1 < size) {
		if (fmt[0] == '%' && fmt[1] == 's') {
			size_t k = vl < size - 1 - n ? vl : size - 1 - n;

			memcpy(out + n, val, k);
			n += k;
			fmt += 2;
		} else {
			out[n++] = *fmt++;
		}
	}
	out[n] = '\0';
}

static uint8_t os_ttl(uint8_t os)
{
	switch (os) {
	case SIM_OS_WINDOWS:
		return 128;
	case SIM_OS_RTOS:
		return 255;
	default:
		return 64;
	}
}

uint16_t sim_device_port(struct sim_ctx *c, struct sim_device *d)
{
	uint16_t lo, p;

	/* Linux picks ports in 32768-60999, the others in 49152-65535;
	 * Linux and Apple jump around, Windows and lwIP count up. */
	lo = (d->h.os == SIM_OS_LINUX || d->h.os == SIM_OS_ANDROID) ? 32768 :
	    49152;
	if (d->h.os == SIM_OS_LINUX || d->h.os == SIM_OS_ANDROID ||
	    d->h.os == SIM_OS_APPLE)
		d->next_port = (uint16_t)(d->next_port +
		    sim_rng_range(&c->rng, 1, 700));
	else
		d->next_port++;
	if (d->next_port < lo || (lo == 32768 && d->next_port > 60999))
		d->next_port = (uint16_t)(lo + sim_rng_below(&c->rng, 2000));
	p = d->next_port;
	return p;
}

struct sim_device *sim_device_of_kind(struct sim_ctx *c, unsigned kind)
{
	size_t i;

	for (i = 0; i < c->ndev; i++)
		if (c->dev[i].kind_id == kind)
			return &c->dev[i];
	return NULL;
}

static void ev_task(struct sim_ctx *c, void *obj, uint32_t arg, uint64_t now)
{
	struct sim_device *d = obj;
	const struct sim_task *tk = &d->k->task[arg];
	uint64_t next;

	sim_app_run_task(c, d, tk, now);
	next = tk->expo ? sim_rng_exp_us(&c->rng, tk->period_s) :
	    sim_rng_jitter_us(&c->rng, tk->period_s, 0.2);
	sim_sched(c, now + next, ev_task, d, arg);
}

/* IPv6 duplicate address detection and router solicitation. */
static void ipv6_join(struct sim_ctx *c, struct sim_device *d, uint64_t t)
{
	struct sim_l3v6 l;
	uint8_t body[32], *f;
	size_t n;

	memcpy(l.smac, d->h.mac, 6);
	memset(l.sip, 0, 16);
	memset(l.dip, 0, 16);
	l.dip[0] = 0xff;
	l.dip[1] = 0x02;
	l.dip[11] = 0x01;
	l.dip[12] = 0xff;
	memcpy(l.dip + 13, d->ip6 + 13, 3);
	sim_mcast_mac6(l.dip, l.dmac);
	l.hlim = 255;
	memset(body, 0, 4);
	memcpy(body + 4, d->ip6, 16);	/* NS target */
	f = sim_out_begin(c);
	n = sim_build_icmp6(f, SIM_FRAME_MAX, &l, 135, 0, body, 20);
	sim_out_commit(c, t, n);
	memcpy(l.sip, d->ip6, 16);
	memset(l.dip, 0, 16);
	l.dip[0] = 0xff;
	l.dip[1] = 0x02;
	l.dip[15] = 0x02;
	sim_mcast_mac6(l.dip, l.dmac);
	memset(body, 0, 4);
	body[4] = 1;		/* source link-layer address option */
	body[5] = 1;
	memcpy(body + 6, d->h.mac, 6);
	f = sim_out_begin(c);
	n = sim_build_icmp6(f, SIM_FRAME_MAX, &l, 133, 0, body, 12);
	sim_out_commit(c, t + 1000000u + sim_rng_below(&c->rng, 300000), n);
}

static void ev_boot(struct sim_ctx *c, void *obj, uint32_t arg, uint64_t now)
{
	struct sim_device *d = obj;
	const struct sim_kind *k = d->k;
	static const uint8_t zero[6], bcast[6] = { 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff };
	uint64_t t;
	size_t i;

	(void)arg;
	if (k->ipv6)
		ipv6_join(c, d, now);
	t = sim_router_dhcp(c, d, now + (k->ipv6 ? 50000u : 0u));
	if (d->h.os != SIM_OS_RTOS) {
		t += sim_rng_range(&c->rng, 2000, 40000);
		sim_send_arp(c, t, bcast, d->h.mac, 1, d->h.mac, d->h.ip, zero,
		    d->h.ip);
	}
	t = sim_arp_resolve(c, &d->h, c->router.ip, &c->router,
	    t + sim_rng_range(&c->rng, 1000, 20000));
	d->arp[0].ip = c->router.ip;
	d->arp[0].exp = UINT64_MAX;
	d->ready = t;
	for (i = 0; i < k->ntask; i++) {
		uint32_t first = k->task[i].period_s < 600 ?
		    k->task[i].period_s : 600;

		sim_sched(c, t + sim_rng_range(&c->rng, 200000,
		    first * 1000000u), ev_task, d, (uint32_t)i);
	}
}

int sim_devices_setup(struct sim_ctx *c)
{
	size_t n = c->opt.devices, i;
	uint32_t hosts = ~c->mask;	/* 255 for a /24 */
	uint32_t pool = (100u + n + 1u < hosts) ? 100u : 2u;
	uint32_t *perm;

	c->dev = ew_calloc(n, sizeof(*c->dev));
	perm = ew_calloc(n, sizeof(*perm));
	if (!c->dev || !perm) {
		ew_free(perm);
		return -1;
	}
	c->ndev = n;
	for (i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (i = n; i > 1; i--) {
		uint32_t j = sim_rng_below(&c->rng, (uint32_t)i), tmp;

		tmp = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = tmp;
	}
	for (i = 0; i < n; i++) {
		struct sim_device *d = &c->dev[i];
		const struct sim_kind *k;
		uint64_t r = sim_rng_next(&c->rng);

		d->idx = i;
		d->kind_id = (unsigned)(i % SIM_K_COUNT);
		d->k = k = sim_kind_get(d->kind_id);
		if (k->random_mac) {
			d->h.mac[0] = (uint8_t)((r & 0xfc) | 0x02);
			d->h.mac[1] = (uint8_t)(r >> 8);
			d->h.mac[2] = (uint8_t)(r >> 16);
		} else {
			memcpy(d->h.mac, k->oui, 3);
		}
		d->h.mac[3] = (uint8_t)(r >> 24);
		d->h.mac[4] = (uint8_t)(r >> 32);
		d->h.mac[5] = (uint8_t)i;	/* unique per device */
		d->h.mac[4] = (uint8_t)(d->h.mac[4] ^ (uint8_t)(i >> 8));
		d->h.ip = c->net + pool + perm[i];
		d->h.os = k->os;
		d->h.ttl = os_ttl(k->os);
		d->h.ip_id = (uint16_t)(r >> 40);
		{
			static const char hex[] = "0123456789ABCDEF";
			int j;

			for (j = 0; j < 3; j++) {
				d->tail[2 * j] = hex[d->h.mac[3 + j] >> 4];
				d->tail[2 * j + 1] = hex[d->h.mac[3 + j] & 15];
			}
			d->tail[6] = '\0';
		}
		subst(d->hostname, sizeof(d->hostname), k->host_fmt, d->tail);
		d->inst = (unsigned)(i / SIM_K_COUNT);
		/* fixed names get "-2", "-3" like mDNS conflict renaming;
		 * Tuya's "wlan0" really is the same on every bulb */
		if (d->inst && !strstr(k->host_fmt, "%s") &&
		    d->kind_id != SIM_K_BULB) {
			size_t l = strlen(d->hostname);

			snprintf(d->hostname + l, sizeof(d->hostname) - l, "-%u",
			    d->inst + 1);
		}
		d->ip6[0] = 0xfe;
		d->ip6[1] = 0x80;
		if (k->os == SIM_OS_LINUX || k->os == SIM_OS_ANDROID) {
			d->ip6[8] = (uint8_t)(d->h.mac[0] ^ 0x02);
			d->ip6[9] = d->h.mac[1];
			d->ip6[10] = d->h.mac[2];
			d->ip6[11] = 0xff;
			d->ip6[12] = 0xfe;
			memcpy(d->ip6 + 13, d->h.mac + 3, 3);
		} else {	/* stable-privacy / random identifiers */
			sim_rng_bytes(&c->rng, d->ip6 + 8, 8);
		}
		d->next_port = (uint16_t)(49152 + sim_rng_below(&c->rng,
		    10000));
		if (k->os == SIM_OS_LINUX || k->os == SIM_OS_ANDROID)
			d->next_port = (uint16_t)(32768 + sim_rng_below(&c->rng,
			    28000));
		sim_sched(c, c->t0 + sim_rng_range(&c->rng, 500000, 45000000),
		    ev_boot, d, 0);
	}
	ew_free(perm);
	return 0;
}

/* Text helper used by discovery and truth: "%s" substitution. */
void sim_subst(char *out, size_t size, const char *fmt, const char *val)
{
	subst(out, size, fmt, val);
}
