/* proto_dhcp.c - DHCP (RFC 2131/2132) messages for the simulated clients
 * and the router's server.
 *
 * Clients carry 53, 61, 57, 50, 54, 12, 81, 60 and 55 as their kind sends
 * them (the parameter request list is a classic fingerprint); the server
 * answers with 53, 54, 51, 58, 59, 1, 28, 3, 6, 15 and 42. Messages are
 * padded to the 300-byte BOOTP minimum as most stacks do. */
#include "sim/sim_internal.h"

#include <string.h>

#define BOOTP_FIXED 236u
#define BOOTP_MIN   300u

struct optw {
	uint8_t *p;
	size_t cap, len;
	int bad;
};

static void opt_raw(struct optw *w, uint8_t code, const void *v, size_t n)
{
	if (n > 255 || w->cap - w->len < n + 2) {
		w->bad = 1;
		return;
	}
	w->p[w->len++] = code;
	w->p[w->len++] = (uint8_t)n;
	if (n)
		memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void opt_u32(struct optw *w, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	sim_put32(b, v);
	opt_raw(w, code, b, 4);
}

static void opt_str(struct optw *w, uint8_t code, const char *s)
{
	opt_raw(w, code, s, strlen(s));
}

static void client_opts(struct optw *w, const struct sim_dhcp *m)
{
	if (m->client_id) {
		uint8_t id[7];

		id[0] = 1;
		memcpy(id + 1, m->chaddr, 6);
		opt_raw(w, 61, id, sizeof(id));
	}
	if (m->max_size) {
		uint8_t b[2];

		sim_put16(b, m->max_size);
		opt_raw(w, 57, b, 2);
	}
	if (m->req_ip)
		opt_u32(w, 50, m->req_ip);
	if (m->server_id)
		opt_u32(w, 54, m->server_id);
	if (m->hostname)
		opt_str(w, 12, m->hostname);
	if (m->fqdn) {
		/* RFC 4702: flags (S: server updates A), rcode1, rcode2,
		 * name in ASCII (E bit clear). */
		uint8_t b[64];
		size_t n = strlen(m->fqdn);

		if (n > sizeof(b) - 3)
			n = sizeof(b) - 3;
		b[0] = 0;
		b[1] = 0;
		b[2] = 0;
		memcpy(b + 3, m->fqdn, n);
		opt_raw(w, 81, b, n + 3);
	}
	if (m->vendor_class)
		opt_str(w, 60, m->vendor_class);
	if (m->prl && m->prl_len)
		opt_raw(w, 55, m->prl, m->prl_len);
}

static void server_opts(struct optw *w, const struct sim_dhcp *m)
{
	if (m->server_id)
		opt_u32(w, 54, m->server_id);
	if (m->lease) {
		opt_u32(w, 51, m->lease);
		opt_u32(w, 58, m->lease / 2);
		opt_u32(w, 59, m->lease / 8 * 7);
	}
	if (m->mask)
		opt_u32(w, 1, m->mask);
	if (m->bcast)
		opt_u32(w, 28, m->bcast);
	if (m->router)
		opt_u32(w, 3, m->router);
	if (m->dns)
		opt_u32(w, 6, m->dns);
	if (m->domain)
		opt_str(w, 15, m->domain);
	if (m->ntp)
		opt_u32(w, 42, m->ntp);
}

size_t sim_dhcp_build(uint8_t *buf, size_t cap, const struct sim_dhcp *m)
{
	struct optw w;
	int reply = m->type == SIM_DHCP_OFFER || m->type == SIM_DHCP_ACK;

	if (cap < BOOTP_MIN)
		return 0;
	memset(buf, 0, BOOTP_FIXED);
	buf[0] = reply ? 2 : 1;
	buf[1] = 1;		/* Ethernet */
	buf[2] = 6;
	sim_put32(buf + 4, m->xid);
	sim_put16(buf + 8, m->secs);
	sim_put16(buf + 10, m->flags);
	sim_put32(buf + 12, m->ciaddr);
	sim_put32(buf + 16, m->yiaddr);
	sim_put32(buf + 20, m->siaddr);
	memcpy(buf + 28, m->chaddr, 6);
	sim_put32(buf + BOOTP_FIXED, 0x63825363u);	/* magic cookie */
	w.p = buf;
	w.cap = cap - 1;	/* room for the end option */
	w.len = BOOTP_FIXED + 4;
	w.bad = 0;
	opt_raw(&w, 53, &m->type, 1);
	if (reply)
		server_opts(&w, m);
	else
		client_opts(&w, m);
	if (w.bad)
		return 0;
	buf[w.len++] = 255;
	if (w.len < BOOTP_MIN) {
		memset(buf + w.len, 0, BOOTP_MIN - w.len);
		w.len = BOOTP_MIN;
	}
	return w.len;
}
