/* apps.c - the application sessions devices run: HTTPS check-ins,
 * persistent TLS connections, plain HTTP, NTP, MQTT telemetry to the hub,
 * motion-clip video uploads, user browsing bursts, the hub polling plugs,
 * ARP refreshes and local discovery broadcasts. */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <string.h>

#define MS 1000u
#define SEC 1000000u

static int stack_of(const struct sim_device *d, const struct sim_task *tk)
{
	return tk->tls ? tk->tls - 1 : d->k->tls;
}

/* mean +- 50% */
static size_t around(struct sim_ctx *c, uint32_t mean)
{
	return mean ? (size_t)sim_rng_range(&c->rng, mean / 2, mean + mean / 2)
	    : 0;
}

uint64_t sim_app_resolve(struct sim_ctx *c, struct sim_device *d,
    unsigned dom, uint32_t *ip, uint64_t t)
{
	const struct sim_domain *dm = &d->k->dom[dom];

	if (dom < SIM_KIND_DOMAINS && d->dns_exp[dom] > t) {
		*ip = sim_domain_ip(dm);
		return t;
	}
	t = sim_router_dns(c, &d->h, dm, d->k->ipv6, ip, t);
	if (dom < SIM_KIND_DOMAINS)
		d->dns_exp[dom] = t + (uint64_t)dm->ttl * SEC;
	return t + sim_rng_range(&c->rng, 100, 2000);
}

uint64_t sim_app_arp_peer(struct sim_ctx *c, struct sim_device *d,
    struct sim_host *peer, uint64_t t)
{
	size_t i, slot = 0;

	for (i = 0; i < SIM_ARP_CACHE; i++) {
		if (d->arp[i].ip == peer->ip && d->arp[i].exp > t)
			return t;
		if (d->arp[i].exp < d->arp[slot].exp)
			slot = i;
	}
	t = sim_arp_resolve(c, &d->h, peer->ip, peer, t);
	d->arp[slot].ip = peer->ip;
	d->arp[slot].exp = t + (uint64_t)sim_rng_range(&c->rng, 120, 300) * SEC;
	return t + sim_rng_range(&c->rng, 50, 500);
}

/* A short HTTPS session: handshake, up/down exchanges, close. */
static void app_checkin(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, unsigned dom, size_t down, uint64_t t)
{
	struct sim_host srv;
	struct sim_tcp s;
	uint32_t ip;
	int stack = stack_of(d, tk);
	int rounds = 1 + (sim_rng_below(&c->rng, 3) == 0), side;

	t = sim_app_resolve(c, d, dom, &ip, t);
	sim_remote_host(c, &srv, ip);
	sim_tcp_init(&s, c, &d->h, sim_device_port(c, d), &srv, tk->port, 0);
	t = sim_tcp_connect(c, &s, t);
	t = sim_tcp_tls_handshake(c, &s, t + 200, stack, d->k->dom[dom].name,
	    d->k->alpn && stack != SIM_TLS_MBEDTLS ? d->k->alpn : NULL);
	/* one rng draw per statement: argument order is unspecified in C */
	while (rounds--) {
		size_t up = around(c, tk->up);

		t += sim_rng_range(&c->rng, 200, 5000);
		t = sim_tcp_tls_data(c, &s, 0, t, up, 0);
		t += sim_rng_range(&c->rng, 2000, 40000);
		t = sim_tcp_tls_data(c, &s, 1, t, down, 500);
	}
	side = (int)sim_rng_below(&c->rng, 2);
	t += sim_rng_range(&c->rng, 20000, 2000000);
	sim_tcp_close(c, &s, side, t);
}

/* Persistent TLS connection (push channel, cloud long poll): opened once,
 * then a small exchange each period; the server closes it now and then. */
static void app_keepalive(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, uint64_t t)
{
	struct sim_tcp *s = &d->conn[0];
	size_t up, down;

	if (!s->open) {
		uint32_t ip;

		t = sim_app_resolve(c, d, tk->dom, &ip, t);
		sim_remote_host(c, &d->peer[0], ip);
		sim_tcp_init(s, c, &d->h, sim_device_port(c, d), &d->peer[0],
		    tk->port, 0);
		t = sim_tcp_connect(c, s, t);
		t = sim_tcp_tls_handshake(c, s, t + 200, d->k->tls,
		    d->k->dom[tk->dom].name, d->k->tls != SIM_TLS_MBEDTLS ?
		    d->k->alpn : NULL);
	}
	up = around(c, tk->up);
	t = sim_tcp_tls_data(c, s, 0, t + 1000, up, 0);
	down = around(c, tk->down);
	t += sim_rng_range(&c->rng, 1000, 20000);
	t = sim_tcp_tls_data(c, s, 1, t, down, 0);
	if (sim_rng_below(&c->rng, 25) == 0)
		sim_tcp_close(c, s, 1, t + sim_rng_range(&c->rng, 1000, 9000) *
		    1000u);
}

static void app_http(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, uint64_t t)
{
	struct sim_host srv;
	struct sim_tcp s;
	uint32_t ip;
	uint8_t pl[1400];
	size_t n;
	const char *name = d->k->dom[tk->dom].name;
	const char *path = tk->path ? tk->path : "/";
	int status = 200;
	const char *body = NULL;

	if (strcmp(path, "/generate_204") == 0)
		status = 204;
	else if (strcmp(path, "/connecttest.txt") == 0)
		body = "Microsoft Connect Test";
	else if (strcmp(path, "/hotspot-detect.html") == 0)
		body = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success"
		    "</BODY></HTML>";
	t = sim_app_resolve(c, d, tk->dom, &ip, t);
	sim_remote_host(c, &srv, ip);
	sim_tcp_init(&s, c, &d->h, sim_device_port(c, d), &srv, tk->port, 0);
	t = sim_tcp_connect(c, &s, t);
	n = sim_http_request(pl, sizeof(pl), "GET", name, path, d->k->ua,
	    d->h.os == SIM_OS_APPLE ? "Accept-Language: en-us\r\n" : NULL);
	t = sim_tcp_send(c, &s, 0, t + 300, pl, n, 0);
	n = sim_http_response(pl, sizeof(pl), status, "text/html", body,
	    status == 204 ? 0 : 120, t);
	t = sim_tcp_send(c, &s, 1, t + 1500, pl, n, 0);
	sim_tcp_close(c, &s, 1, t + 200);
}

static void app_ntp(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, uint64_t t)
{
	struct sim_host srv, *to = &c->router;
	uint8_t pl[48];
	uint16_t sport = d->h.os == SIM_OS_WINDOWS ? 123 :
	    sim_device_port(c, d);
	uint32_t ip;
	uint64_t rt;

	if (tk->dom != 0xff) {
		t = sim_app_resolve(c, d, tk->dom, &ip, t);
		sim_remote_host(c, &srv, ip);
		to = &srv;
	}
	sim_ntp_build(pl, sizeof(pl), SIM_NTP_CLIENT, t, 0, 0);
	sim_send_udp(c, t, &d->h, to, sport, 123, pl, 48);
	rt = t + (to == &c->router ? 800u : sim_wan_rtt(to->ip));
	sim_ntp_build(pl, sizeof(pl), SIM_NTP_SERVER, rt - 500,
	    sim_ntp_time(t), to == &c->router ? 0xd8ef2300u : 0x47505300u);
	sim_send_udp(c, rt, to, &d->h, 123, sport, pl, 48);
}

/* Plug -> hub MQTT: connect once, then telemetry each period. */
static void app_mqtt(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, uint64_t t)
{
	struct sim_device *hub = sim_device_of_kind(c, SIM_K_HUB);
	struct sim_tcp *s = &d->conn[1];
	char topic[96], val[32];
	uint8_t pl[256];
	unsigned watts, cents;
	size_t n;

	if (!hub || hub->ready == 0 || hub->ready > t)
		return;
	if (!s->open) {
		t = sim_app_arp_peer(c, d, &hub->h, t);
		sim_tcp_init(s, c, &d->h, sim_device_port(c, d), &hub->h,
		    tk->port, 0);
		t = sim_tcp_connect(c, s, t);
		n = sim_mqtt_connect(pl, sizeof(pl), d->hostname, NULL, NULL,
		    60);
		t = sim_tcp_send(c, s, 0, t + 500, pl, n, 0);
		n = sim_mqtt_connack(pl, sizeof(pl));
		t = sim_tcp_send(c, s, 1, t + 300, pl, n, 0);
		snprintf(topic, sizeof(topic), "shellies/%s/relay/0/command",
		    d->hostname);
		n = sim_mqtt_subscribe(pl, sizeof(pl), 1, topic);
		t = sim_tcp_send(c, s, 0, t + 2000, pl, n, 0);
		n = sim_mqtt_suback(pl, sizeof(pl), 1);
		t = sim_tcp_send(c, s, 1, t + 300, pl, n, 0);
	}
	d->counter++;
	snprintf(topic, sizeof(topic), "shellies/%s/relay/0/power",
	    d->hostname);
	watts = 40u + sim_rng_below(&c->rng, 30);
	cents = sim_rng_below(&c->rng, 100);
	snprintf(val, sizeof(val), "%u.%02u", watts, cents);
	n = sim_mqtt_publish(pl, sizeof(pl), topic, val);
	t = sim_tcp_send(c, s, 0, t + 1000, pl, n, 0);
	snprintf(topic, sizeof(topic), "shellies/%s/relay/0/energy",
	    d->hostname);
	snprintf(val, sizeof(val), "%u", 1200u + d->counter * 3u);
	n = sim_mqtt_publish(pl, sizeof(pl), topic, val);
	t = sim_tcp_send(c, s, 0, t + 400, pl, n, 0);
	if (d->counter % 10 == 0) {
		n = sim_mqtt_ping(pl, sizeof(pl), 0);
		t = sim_tcp_send(c, s, 0, t + 5000, pl, n, 0);
		n = sim_mqtt_ping(pl, sizeof(pl), 1);
		sim_tcp_send(c, s, 1, t + 300, pl, n, 0);
	}
}

static void ev_video(struct sim_ctx *c, void *obj, uint32_t arg,
    uint64_t now)
{
	struct sim_device *d = obj;
	uint64_t chunk = d->bulk_rate / 4u;	/* a quarter second */
	uint32_t gap = (uint32_t)(1448ull * SEC / (d->bulk_rate ?
	    d->bulk_rate : 1));
	uint64_t t;

	(void)arg;
	if (chunk > d->bulk_left)
		chunk = d->bulk_left;
	t = sim_tcp_tls_data(c, &d->bulk, 0, now, (size_t)chunk, gap);
	d->bulk_left -= chunk;
	if (d->bulk_left) {
		sim_sched(c, t > now + 250 * MS ? t : now + 250 * MS, ev_video,
		    d, 0);
		return;
	}
	t = sim_tcp_tls_data(c, &d->bulk, 1, t + 30 * MS, 180, 0);
	sim_tcp_close(c, &d->bulk, 0, t + 500 * MS);
}

/* Motion clip: TLS upload at the task's bit rate for ~down seconds. */
static void app_video(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, uint64_t t)
{
	uint32_t ip;
	uint64_t secs;

	if (d->bulk_left)
		return;		/* a clip is still uploading */
	secs = sim_rng_exp_us(&c->rng, tk->down) / SEC;
	secs = secs < 10 ? 10 : secs > 120 ? 120 : secs;
	d->bulk_rate = (uint32_t)(around(c, tk->up) / 8u);
	d->bulk_left = (uint64_t)d->bulk_rate * secs;
	t = sim_app_resolve(c, d, tk->dom, &ip, t);
	sim_remote_host(c, &d->bulk_peer, ip);
	sim_tcp_init(&d->bulk, c, &d->h, sim_device_port(c, d), &d->bulk_peer,
	    tk->port, 0);
	t = sim_tcp_connect(c, &d->bulk, t);
	t = sim_tcp_tls_handshake(c, &d->bulk, t + 200, d->k->tls,
	    d->k->dom[tk->dom].name, NULL);
	sim_sched(c, t + 2 * MS, ev_video, d, 0);
}

/* A user picks up the phone/laptop/remote: a few sessions in parallel. */
static void app_browse(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, uint64_t t)
{
	unsigned n = sim_rng_range(&c->rng, 2, 6), i;

	for (i = 0; i < n; i++) {
		unsigned dom = tk->dom + sim_rng_below(&c->rng, tk->ndom);
		size_t down = (size_t)(sim_rng_exp_us(&c->rng, tk->down) /
		    SEC);

		if (down < 2000)
			down = 2000;
		if (down > 4000000)
			down = 4000000;
		app_checkin(c, d, tk, dom, down, t);
		t += sim_rng_range(&c->rng, 50 * MS, 3000 * MS);
	}
}

static void app_arp(struct sim_ctx *c, struct sim_device *d, uint64_t t)
{
	struct sim_host *r = &c->router;

	/* Unicast refresh of an existing neighbour entry, either way. */
	if (sim_rng_below(&c->rng, 2)) {
		sim_send_arp(c, t, r->mac, d->h.mac, 1, d->h.mac, d->h.ip,
		    r->mac, r->ip);
		sim_send_arp(c, t + 700, d->h.mac, r->mac, 2, r->mac, r->ip,
		    d->h.mac, d->h.ip);
	} else {
		sim_send_arp(c, t, d->h.mac, r->mac, 1, r->mac, r->ip,
		    d->h.mac, d->h.ip);
		sim_send_arp(c, t + 1500, r->mac, d->h.mac, 2, d->h.mac,
		    d->h.ip, r->mac, r->ip);
	}
}

/* Hub polls each plug's local HTTP API. */
static void app_poll(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, uint64_t t)
{
	size_t i;
	uint8_t pl[1400];

	for (i = 0; i < c->ndev; i++) {
		struct sim_device *p = &c->dev[i];
		struct sim_tcp s;
		char host[16];
		size_t n;

		if (p->kind_id != SIM_K_PLUG || !p->ready || p->ready > t)
			continue;
		t = sim_app_arp_peer(c, d, &p->h, t);
		sim_tcp_init(&s, c, &d->h, sim_device_port(c, d), &p->h,
		    tk->port, 0);
		t = sim_tcp_connect(c, &s, t);
		sim_fmt_ip(p->h.ip, host, sizeof(host));
		n = sim_http_request(pl, sizeof(pl), "GET", host, tk->path,
		    d->k->ua, NULL);
		t = sim_tcp_send(c, &s, 0, t + 200, pl, n, 0);
		n = sim_http_response(pl, sizeof(pl), 200, "application/json",
		    NULL, sim_rng_range(&c->rng, 560, 700), t);
		t = sim_tcp_send(c, &s, 1, t + 8 * MS, pl, n, 0);
		t = sim_tcp_close(c, &s, 1, t + 2 * MS) + 10 * MS;
	}
}

/* Tuya-style LAN discovery broadcast (encrypted payload). */
static void app_bcast(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, uint64_t t)
{
	uint8_t pl[200];
	size_t n = tk->up < 150 ? 150 : tk->up > 190 ? 190 : tk->up;

	sim_put32(pl, 0x000055aau);
	sim_put32(pl + 4, 0);
	sim_put32(pl + 8, 0x13);
	sim_put32(pl + 12, (uint32_t)(n - 16));
	sim_rng_bytes(&c->rng, pl + 16, n - 24);
	sim_put32(pl + n - 8, (uint32_t)sim_rng_next(&c->rng));
	sim_put32(pl + n - 4, 0x0000aa55u);
	sim_send_udp_group(c, t, &d->h, 0xffffffffu, 63145, tk->port, pl, n);
}

void sim_app_run_task(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, uint64_t t)
{
	switch (tk->type) {
	case SIM_TASK_CHECKIN:
		app_checkin(c, d, tk, tk->dom, around(c, tk->down), t);
		break;
	case SIM_TASK_KEEPALIVE:
		app_keepalive(c, d, tk, t);
		break;
	case SIM_TASK_HTTP:
		app_http(c, d, tk, t);
		break;
	case SIM_TASK_NTP:
		app_ntp(c, d, tk, t);
		break;
	case SIM_TASK_MDNS_ANN:
		sim_disc_mdns_announce(c, d, t);
		break;
	case SIM_TASK_MDNS_QUERY:
		sim_disc_mdns_query(c, d, t);
		break;
	case SIM_TASK_SSDP_NOTIFY:
		sim_disc_ssdp_notify(c, d, t);
		break;
	case SIM_TASK_SSDP_SEARCH:
		sim_disc_ssdp_search(c, d, t);
		break;
	case SIM_TASK_MQTT:
		app_mqtt(c, d, tk, t);
		break;
	case SIM_TASK_VIDEO:
		app_video(c, d, tk, t);
		break;
	case SIM_TASK_BROWSE:
		app_browse(c, d, tk, t);
		break;
	case SIM_TASK_ARP:
		app_arp(c, d, t);
		break;
	case SIM_TASK_LLMNR:
		sim_disc_llmnr(c, d, t);
		break;
	case SIM_TASK_POLL:
		app_poll(c, d, tk, t);
		break;
	case SIM_TASK_BCAST:
		app_bcast(c, d, tk, t);
		break;
	default:
		break;
	}
}
