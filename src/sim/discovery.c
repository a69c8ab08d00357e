/* discovery.c - local service discovery: mDNS/DNS-SD announcements and
 * browse queries (answered by advertisers), SSDP NOTIFY and M-SEARCH
 * (answered by UPnP devices and the router), LLMNR queries. */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <string.h>

#define MDNS_GROUP  0xe00000fbu	/* 224.0.0.251 */
#define LLMNR_GROUP 0xe00000fcu	/* 224.0.0.252 */
#define SSDP_GROUP  0xeffffffau	/* 239.255.255.250 */
#define MS 1000u

static const uint8_t mdns6[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0xfb };

/* mDNS message to the IPv4 group, and the IPv6 one for dual-stack kinds. */
static void mdns_send(struct sim_ctx *c, struct sim_device *d, uint64_t t,
    uint16_t sport, const uint8_t *pl, size_t n)
{
	if (n == 0)
		return;
	sim_send_udp_group(c, t, &d->h, MDNS_GROUP, sport, 5353, pl, n);
	if (d->k->ipv6) {
		struct sim_l3v6 l;
		uint8_t *f = sim_out_begin(c);

		memcpy(l.smac, d->h.mac, 6);
		sim_mcast_mac6(mdns6, l.dmac);
		memcpy(l.sip, d->ip6, 16);
		memcpy(l.dip, mdns6, 16);
		l.hlim = 255;
		sim_out_commit(c, t + 150, sim_build_udp6(f, SIM_FRAME_MAX, &l,
		    sport, 5353, pl, n));
	}
}

static void host_local(const struct sim_device *d, char *out, size_t size)
{
	size_t i, n = 0;

	/* DNS-SD host names: letters, digits, hyphens */
	for (i = 0; d->hostname[i] && n + 7 < size; i++) {
		char ch = d->hostname[i];

		out[n++] = (ch == ' ' || ch == '_' || ch == '.') ? '-' : ch;
	}
	memcpy(out + n, ".local", 7);
}

#define MDNS_SVCS 3u

/* One unsolicited response carrying every service of the device (as
 * Avahi and mDNSResponder group them): per service the DNS-SD PTRs, SRV
 * and TXT, then the host's A record. */
void sim_disc_mdns_announce(struct sim_ctx *c, struct sim_device *d,
    uint64_t t)
{
	const struct sim_kind *k = d->k;
	char host[64], type[MDNS_SVCS][64], inst[MDNS_SVCS][128], label[64];
	char txtbuf[MDNS_SVCS][12][96];
	const char *txt[MDNS_SVCS][12];
	struct sim_dns_rr an[4 * MDNS_SVCS + 1];
	uint8_t pl[1400];
	size_t i, j, nan = 0, nsvc = k->nsvc < MDNS_SVCS ? k->nsvc : MDNS_SVCS;

	if (nsvc == 0)
		return;
	host_local(d, host, sizeof(host));
	memset(an, 0, sizeof(an));
	for (i = 0; i < nsvc; i++) {
		const struct sim_service *sv = &k->svc[i];
		size_t ntxt = sv->ntxt < 12 ? sv->ntxt : 12;
		struct sim_dns_rr *r = &an[nan];

		snprintf(type[i], sizeof(type[i]), "%s.local", sv->type);
		sim_subst(label, sizeof(label), sv->inst, d->tail);
		if (d->inst && !strstr(sv->inst, "%s")) {
			size_t l = strlen(label);

			snprintf(label + l, sizeof(label) - l, " (%u)",
			    d->inst + 1);
		}
		snprintf(inst[i], sizeof(inst[i]), "%s.%s", label, type[i]);
		for (j = 0; j < ntxt; j++) {
			sim_subst(txtbuf[i][j], sizeof(txtbuf[i][j]),
			    sv->txt[j], d->tail);
			txt[i][j] = txtbuf[i][j];
		}
		r[0].name = "_services._dns-sd._udp.local";
		r[0].type = SIM_DNS_PTR;
		r[0].target = type[i];
		r[1].name = type[i];
		r[1].type = SIM_DNS_PTR;
		r[1].target = inst[i];
		r[2].name = inst[i];
		r[2].type = SIM_DNS_SRV;
		r[2].target = host;
		r[2].port = sv->port;
		r[3].name = inst[i];
		r[3].type = SIM_DNS_TXT;
		r[3].txt = txt[i];
		r[3].ntxt = ntxt;
		for (j = 0; j < 4; j++) {
			r[j].cls = (uint16_t)(SIM_DNS_IN |
			    (j >= 2 ? SIM_DNS_FLUSH : 0));
			r[j].ttl = j == 2 ? 120 : 4500;
		}
		nan += 4;
	}
	an[nan].name = host;
	an[nan].type = SIM_DNS_A;
	an[nan].cls = SIM_DNS_IN | SIM_DNS_FLUSH;
	an[nan].ttl = 120;
	an[nan].a = d->h.ip;
	nan++;
	mdns_send(c, d, t, 5353, pl, sim_dns_build(pl, sizeof(pl), 0, 0x8400,
	    NULL, 0, an, nan, NULL, 0));
}

static int advertises(const struct sim_device *d, const char *type_local)
{
	size_t i;

	for (i = 0; i < d->k->nsvc; i++) {
		size_t l = strlen(d->k->svc[i].type);

		if (strncmp(d->k->svc[i].type, type_local, l) == 0 &&
		    strcmp(type_local + l, ".local") == 0)
			return 1;
	}
	return 0;
}

void sim_disc_mdns_query(struct sim_ctx *c, struct sim_device *d,
    uint64_t t)
{
	const struct sim_kind *k = d->k;
	struct sim_dns_q q[8];
	uint8_t pl[600];
	size_t i, j, nq = k->nbrowse < 8 ? k->nbrowse : 8;
	uint16_t sport = 5353, id = 0;

	if (nq == 0)
		return;
	/* A device that also responds browses with one-shot queries from
	 * an ephemeral port (as python-zeroconf clients do), so its own
	 * responses on 5353 are not taken for answers to them. */
	if (k->nsvc) {
		sport = sim_device_port(c, d);
		id = (uint16_t)sim_rng_next(&c->rng);
	}
	for (i = 0; i < nq; i++) {
		q[i].name = k->browse_types[i];
		q[i].type = SIM_DNS_PTR;
		q[i].cls = SIM_DNS_IN;
	}
	mdns_send(c, d, t, sport, pl, sim_dns_build(pl, sizeof(pl), id, 0, q,
	    nq, NULL, 0, NULL, 0));
	/* advertisers of any asked-for type answer after 20-120 ms */
	for (j = 0; j < c->ndev; j++) {
		struct sim_device *o = &c->dev[j];

		if (o == d || !o->ready || o->ready > t)
			continue;
		for (i = 0; i < nq; i++) {
			if (advertises(o, q[i].name)) {
				sim_disc_mdns_announce(c, o, t +
				    sim_rng_range(&c->rng, 20 * MS, 120 * MS));
				break;
			}
		}
	}
}

static void uuid_of(const uint8_t mac[6], char *out, size_t size)
{
	snprintf(out, size, "uuid:4d696e69-444c-164e-9d41-%02x%02x%02x%02x%02x"
	    "%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static void usn_of(const char *uuid, const char *nt, char *out, size_t size)
{
	snprintf(out, size, "%s::%s", uuid, nt);
}

void sim_disc_ssdp_notify(struct sim_ctx *c, struct sim_device *d,
    uint64_t t)
{
	const struct sim_kind *k = d->k;
	char loc[96], ip[16], uuid[64], usn[200];
	uint8_t pl[700];
	size_t i;

	if (!k->ssdp_server)
		return;
	sim_fmt_ip(d->h.ip, ip, sizeof(ip));
	snprintf(loc, sizeof(loc), "http://%s%s", ip, k->ssdp_loc);
	uuid_of(d->h.mac, uuid, sizeof(uuid));
	for (i = 0; i < k->nssdp_nt; i++) {
		size_t n;

		usn_of(uuid, k->ssdp_nt[i], usn, sizeof(usn));
		n = sim_ssdp_notify(pl, sizeof(pl), loc, k->ssdp_nt[i], usn,
		    k->ssdp_server);
		sim_send_udp_group(c, t + i * 3 * MS, &d->h, SSDP_GROUP, 1900,
		    1900, pl, n);
	}
}

static const char *const igd_nt[] = { "upnp:rootdevice",
	"urn:schemas-upnp-org:device:InternetGatewayDevice:1",
	"urn:schemas-upnp-org:service:WANIPConnection:1" };
static const char igd_server[] =
	"Linux/3.10.14, UPnP/1.0, Portable SDK for UPnP devices/1.6.19";

void sim_disc_router_notify(struct sim_ctx *c, uint64_t t)
{
	char loc[96], ip[16], uuid[64], usn[200];
	uint8_t pl[700];
	size_t i;

	sim_fmt_ip(c->router.ip, ip, sizeof(ip));
	snprintf(loc, sizeof(loc), "http://%s:1900/gatedesc.xml", ip);
	uuid_of(c->router.mac, uuid, sizeof(uuid));
	for (i = 0; i < sizeof(igd_nt) / sizeof(igd_nt[0]); i++) {
		size_t n;

		usn_of(uuid, igd_nt[i], usn, sizeof(usn));
		n = sim_ssdp_notify(pl, sizeof(pl), loc, igd_nt[i], usn,
		    igd_server);
		sim_send_udp_group(c, t + i * 2 * MS, &c->router, SSDP_GROUP,
		    1900, 1900, pl, n);
	}
}

static void ssdp_answer(struct sim_ctx *c, struct sim_host *h,
    const char *server, const char *locfmt_tail, const char *st,
    struct sim_device *to, uint16_t dport, uint64_t t)
{
	char loc[96], ip[16], uuid[64], usn[200];
	uint8_t pl[700];
	size_t n;

	sim_fmt_ip(h->ip, ip, sizeof(ip));
	snprintf(loc, sizeof(loc), "http://%s%s", ip, locfmt_tail);
	uuid_of(h->mac, uuid, sizeof(uuid));
	usn_of(uuid, st, usn, sizeof(usn));
	n = sim_ssdp_reply(pl, sizeof(pl), loc, st, usn, server, t);
	sim_send_udp(c, t, h, &to->h, 1900, dport, pl, n);
}

void sim_disc_ssdp_search(struct sim_ctx *c, struct sim_device *d,
    uint64_t t)
{
	const char *st = d->kind_id == SIM_K_LAPTOP ?
	    "urn:schemas-upnp-org:device:InternetGatewayDevice:1" : "ssdp:all";
	uint16_t sport = sim_device_port(c, d);
	uint8_t pl[400];
	size_t n, i;
	int all = strcmp(st, "ssdp:all") == 0;

	/* only the hub's UPnP library names itself in M-SEARCH */
	n = sim_ssdp_msearch(pl, sizeof(pl), st, d->kind_id == SIM_K_HUB ?
	    d->k->ua : NULL);
	sim_send_udp_group(c, t, &d->h, SSDP_GROUP, sport, 1900, pl, n);
	sim_send_udp_group(c, t + 1000 * MS, &d->h, SSDP_GROUP, sport, 1900,
	    pl, n);
	/* answers within MX (2 s) */
	ssdp_answer(c, &c->router, igd_server, ":1900/gatedesc.xml", all ?
	    igd_nt[1] : st, d, sport, t + sim_rng_range(&c->rng, 5 * MS,
	    900 * MS));
	if (!all)
		return;
	for (i = 0; i < c->ndev; i++) {
		struct sim_device *o = &c->dev[i];

		if (o == d || !o->k->ssdp_server || !o->ready || o->ready > t)
			continue;
		ssdp_answer(c, &o->h, o->k->ssdp_server, o->k->ssdp_loc,
		    o->k->ssdp_nt[1], d, sport, t + sim_rng_range(&c->rng,
		    10 * MS, 1900 * MS));
	}
}

void sim_disc_llmnr(struct sim_ctx *c, struct sim_device *d, uint64_t t)
{
	struct sim_dns_q q = { "wpad", SIM_DNS_A, SIM_DNS_IN };
	uint8_t pl[64];
	size_t n = sim_dns_build(pl, sizeof(pl),
	    (uint16_t)sim_rng_next(&c->rng), 0, &q, 1, NULL, 0, NULL, 0);

	sim_send_udp_group(c, t, &d->h, LLMNR_GROUP, sim_device_port(c, d),
	    5355, pl, n);
}
