/* proto_dns.c - DNS and mDNS messages (RFC 1035, 6762, 6763) with name
 * compression: queries and answers from the router's resolver, DNS-SD
 * announcements (PTR/SRV/TXT/A) and browse queries. */
#include "sim/sim_internal.h"

#include <string.h>

#define DNS_NAMES 64u

struct dnsw {
	uint8_t *p;
	size_t cap, len;
	int bad;
	const char *nm[DNS_NAMES];	/* suffixes already written ... */
	uint16_t off[DNS_NAMES];	/* ... and where */
	size_t nnm;
};

static void put_bytes(struct dnsw *w, const void *v, size_t n)
{
	if (w->bad || w->cap - w->len < n) {
		w->bad = 1;
		return;
	}
	memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void put_u16(struct dnsw *w, uint16_t v)
{
	uint8_t b[2];

	sim_put16(b, v);
	put_bytes(w, b, 2);
}

static void put_u32(struct dnsw *w, uint32_t v)
{
	uint8_t b[4];

	sim_put32(b, v);
	put_bytes(w, b, 4);
}

static void put_name(struct dnsw *w, const char *name)
{
	const char *s = name;

	while (*s && !w->bad) {
		const char *dot;
		size_t i, l;
		uint8_t lb;

		for (i = 0; i < w->nnm; i++) {
			if (strcmp(w->nm[i], s) == 0) {
				put_u16(w, (uint16_t)(0xc000u | w->off[i]));
				return;
			}
		}
		if (w->nnm < DNS_NAMES && w->len < 0x3fffu) {
			w->nm[w->nnm] = s;
			w->off[w->nnm++] = (uint16_t)w->len;
		}
		dot = strchr(s, '.');
		l = dot ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63) {
			w->bad = 1;
			return;
		}
		lb = (uint8_t)l;
		put_bytes(w, &lb, 1);
		put_bytes(w, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	put_bytes(w, "", 1);
}

static void put_rr(struct dnsw *w, const struct sim_dns_rr *r)
{
	size_t at, i;

	put_name(w, r->name);
	put_u16(w, r->type);
	put_u16(w, r->cls);
	put_u32(w, r->ttl);
	at = w->len;
	put_u16(w, 0);		/* rdlength, patched below */
	switch (r->type) {
	case SIM_DNS_A:
		put_u32(w, r->a);
		break;
	case SIM_DNS_AAAA:
		put_bytes(w, r->aaaa, 16);
		break;
	case SIM_DNS_CNAME:
	case SIM_DNS_PTR:
		put_name(w, r->target);
		break;
	case SIM_DNS_SRV:
		put_u16(w, 0);	/* priority */
		put_u16(w, 0);	/* weight */
		put_u16(w, r->port);
		put_name(w, r->target);
		break;
	case SIM_DNS_TXT:
		if (r->ntxt == 0)
			put_bytes(w, "", 1);
		for (i = 0; i < r->ntxt; i++) {
			size_t l = strlen(r->txt[i]);
			uint8_t lb;

			if (l > 255) {
				w->bad = 1;
				return;
			}
			lb = (uint8_t)l;
			put_bytes(w, &lb, 1);
			put_bytes(w, r->txt[i], l);
		}
		break;
	default:
		w->bad = 1;
		return;
	}
	if (!w->bad)
		sim_put16(w->p + at, (uint16_t)(w->len - at - 2));
}

size_t sim_dns_build(uint8_t *buf, size_t cap, uint16_t id, uint16_t flags,
    const struct sim_dns_q *q, size_t nq, const struct sim_dns_rr *an,
    size_t nan, const struct sim_dns_rr *ar, size_t nar)
{
	struct dnsw w;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.p = buf;
	w.cap = cap;
	put_u16(&w, id);
	put_u16(&w, flags);
	put_u16(&w, (uint16_t)nq);
	put_u16(&w, (uint16_t)nan);
	put_u16(&w, 0);
	put_u16(&w, (uint16_t)nar);
	for (i = 0; i < nq; i++) {
		put_name(&w, q[i].name);
		put_u16(&w, q[i].type);
		put_u16(&w, q[i].cls);
	}
	for (i = 0; i < nan; i++)
		put_rr(&w, &an[i]);
	for (i = 0; i < nar; i++)
		put_rr(&w, &ar[i]);
	return w.bad ? 0 : w.len;
}
