/* pkt_build.c - Ethernet/ARP/IPv4/IPv6/TCP/UDP/ICMP frames with correct
 * checksums, written into a caller buffer.
 *
 * Every builder returns the frame length (padded to the 60-byte Ethernet
 * minimum, as a mirror port delivers it) or 0 when cap is too small. */
#include "sim/sim_internal.h"

#include <string.h>

#define ETH_LEN  14u
#define IP4_LEN  20u
#define IP6_LEN  40u
#define UDP_LEN  8u
#define TCP_LEN  20u

void sim_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void sim_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t sim_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | (uint32_t)p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	/* Fold often enough that 32 bits never overflow (frames < 64 KiB). */
	return (sum & 0xffffu) + (sum >> 16);
}

uint16_t sim_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

void sim_mcast_mac4(uint32_t group, uint8_t mac[6])
{
	if (group == 0xffffffffu) {
		memset(mac, 0xff, 6);
		return;
	}
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (uint8_t)((group >> 16) & 0x7f);
	mac[4] = (uint8_t)(group >> 8);
	mac[5] = (uint8_t)group;
}

void sim_mcast_mac6(const uint8_t group[16], uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group + 12, 4);
}

static void put_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
    uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	sim_put16(f + 12, type);
}

static size_t pad(uint8_t *f, size_t len, size_t cap)
{
	if (len < SIM_ETH_MIN && cap >= SIM_ETH_MIN) {
		memset(f + len, 0, SIM_ETH_MIN - len);
		len = SIM_ETH_MIN;
	}
	return len;
}

/* IPv4 header for an L4 payload of l4len bytes; returns its offset end. */
static void put_ip4(uint8_t *p, const struct sim_l3 *h, uint8_t proto,
    size_t l4len)
{
	p[0] = 0x45;
	p[1] = h->tos;
	sim_put16(p + 2, (uint16_t)(IP4_LEN + l4len));
	sim_put16(p + 4, h->id);
	sim_put16(p + 6, h->df ? 0x4000u : 0);
	p[8] = h->ttl;
	p[9] = proto;
	sim_put16(p + 10, 0);
	sim_put32(p + 12, h->sip);
	sim_put32(p + 16, h->dip);
	sim_put16(p + 10, sim_csum_fold(sim_csum_add(0, p, IP4_LEN)));
}

static uint32_t pseudo4(const struct sim_l3 *h, uint8_t proto, size_t len)
{
	uint8_t ph[12];

	sim_put32(ph, h->sip);
	sim_put32(ph + 4, h->dip);
	ph[8] = 0;
	ph[9] = proto;
	sim_put16(ph + 10, (uint16_t)len);
	return sim_csum_add(0, ph, sizeof(ph));
}

static uint32_t pseudo6(const struct sim_l3v6 *h, uint8_t nh, size_t len)
{
	uint8_t ph[8];
	uint32_t s = sim_csum_add(0, h->sip, 16);

	s = sim_csum_add(s, h->dip, 16);
	sim_put32(ph, (uint32_t)len);
	ph[4] = ph[5] = ph[6] = 0;
	ph[7] = nh;
	return sim_csum_add(s, ph, sizeof(ph));
}

/* UDP header and payload at u, checksummed over the given pseudo-header
 * sum (0 is sent as 0xffff: zero means "no checksum" in UDP). */
static void put_udp(uint8_t *u, uint16_t sport, uint16_t dport,
    const void *pl, size_t plen, uint32_t pseudo)
{
	sim_put16(u, sport);
	sim_put16(u + 2, dport);
	sim_put16(u + 4, (uint16_t)(UDP_LEN + plen));
	sim_put16(u + 6, 0);
	if (plen)
		memcpy(u + UDP_LEN, pl, plen);
	uint16_t ck = sim_csum_fold(sim_csum_add(pseudo, u, UDP_LEN + plen));
	sim_put16(u + 6, ck ? ck : 0xffffu);
}

size_t sim_build_udp4(uint8_t *f, size_t cap, const struct sim_l3 *h,
    uint16_t sport, uint16_t dport, const void *pl, size_t plen)
{
	size_t len = ETH_LEN + IP4_LEN + UDP_LEN + plen;
	uint8_t *u = f + ETH_LEN + IP4_LEN;

	if (len > cap || plen > 65507u)
		return 0;
	put_eth(f, h->dmac, h->smac, SIM_ETH_IPV4);
	put_ip4(f + ETH_LEN, h, 17, UDP_LEN + plen);
	put_udp(u, sport, dport, pl, plen, pseudo4(h, 17, UDP_LEN + plen));
	return pad(f, len, cap);
}

size_t sim_build_tcp4(uint8_t *f, size_t cap, const struct sim_l3 *h,
    const struct sim_tcph *t, const void *pl, size_t plen)
{
	size_t hl = TCP_LEN + t->optlen;
	size_t len = ETH_LEN + IP4_LEN + hl + plen;
	uint8_t *p = f + ETH_LEN + IP4_LEN;

	if (len > cap || t->optlen > 40 || (t->optlen & 3))
		return 0;
	put_eth(f, h->dmac, h->smac, SIM_ETH_IPV4);
	put_ip4(f + ETH_LEN, h, 6, hl + plen);
	sim_put16(p, t->sport);
	sim_put16(p + 2, t->dport);
	sim_put32(p + 4, t->seq);
	sim_put32(p + 8, t->ack);
	p[12] = (uint8_t)((hl / 4) << 4);
	p[13] = t->flags;
	sim_put16(p + 14, t->win);
	sim_put16(p + 16, 0);
	sim_put16(p + 18, 0);
	if (t->optlen)
		memcpy(p + TCP_LEN, t->opt, t->optlen);
	if (plen)
		memcpy(p + hl, pl, plen);
	sim_put16(p + 16, sim_csum_fold(sim_csum_add(pseudo4(h, 6, hl + plen),
	    p, hl + plen)));
	return pad(f, len, cap);
}

size_t sim_build_icmp4(uint8_t *f, size_t cap, const struct sim_l3 *h,
    uint8_t type, uint8_t code, uint32_t rest, const void *pl, size_t plen)
{
	size_t len = ETH_LEN + IP4_LEN + 8 + plen;
	uint8_t *p = f + ETH_LEN + IP4_LEN;

	if (len > cap)
		return 0;
	put_eth(f, h->dmac, h->smac, SIM_ETH_IPV4);
	put_ip4(f + ETH_LEN, h, 1, 8 + plen);
	p[0] = type;
	p[1] = code;
	sim_put16(p + 2, 0);
	sim_put32(p + 4, rest);
	if (plen)
		memcpy(p + 8, pl, plen);
	sim_put16(p + 2, sim_csum_fold(sim_csum_add(0, p, 8 + plen)));
	return pad(f, len, cap);
}

size_t sim_build_arp(uint8_t *f, size_t cap, const uint8_t edst[6],
    const uint8_t esrc[6], uint16_t op, const uint8_t sha[6], uint32_t spa,
    const uint8_t tha[6], uint32_t tpa)
{
	uint8_t *a = f + ETH_LEN;

	if (cap < ETH_LEN + 28)
		return 0;
	put_eth(f, edst, esrc, SIM_ETH_ARP);
	sim_put16(a, 1);	/* Ethernet */
	sim_put16(a + 2, SIM_ETH_IPV4);
	a[4] = 6;
	a[5] = 4;
	sim_put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	sim_put32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	sim_put32(a + 24, tpa);
	return pad(f, ETH_LEN + 28, cap);
}

static void put_ip6(uint8_t *p, const struct sim_l3v6 *h, uint8_t nh,
    size_t plen)
{
	sim_put32(p, 0x60000000u);
	sim_put16(p + 4, (uint16_t)plen);
	p[6] = nh;
	p[7] = h->hlim;
	memcpy(p + 8, h->sip, 16);
	memcpy(p + 24, h->dip, 16);
}

size_t sim_build_udp6(uint8_t *f, size_t cap, const struct sim_l3v6 *h,
    uint16_t sport, uint16_t dport, const void *pl, size_t plen)
{
	size_t len = ETH_LEN + IP6_LEN + UDP_LEN + plen;
	uint8_t *u = f + ETH_LEN + IP6_LEN;

	if (len > cap)
		return 0;
	put_eth(f, h->dmac, h->smac, SIM_ETH_IPV6);
	put_ip6(f + ETH_LEN, h, 17, UDP_LEN + plen);
	put_udp(u, sport, dport, pl, plen, pseudo6(h, 17, UDP_LEN + plen));
	return pad(f, len, cap);
}

size_t sim_build_icmp6(uint8_t *f, size_t cap, const struct sim_l3v6 *h,
    uint8_t type, uint8_t code, const void *body, size_t blen)
{
	size_t len = ETH_LEN + IP6_LEN + 4 + blen;
	uint8_t *p = f + ETH_LEN + IP6_LEN;

	if (len > cap)
		return 0;
	put_eth(f, h->dmac, h->smac, SIM_ETH_IPV6);
	put_ip6(f + ETH_LEN, h, 58, 4 + blen);
	p[0] = type;
	p[1] = code;
	sim_put16(p + 2, 0);
	if (blen)
		memcpy(p + 4, body, blen);
	sim_put16(p + 2, sim_csum_fold(sim_csum_add(pseudo6(h, 58, 4 + blen),
	    p, 4 + blen)));
	return pad(f, len, cap);
}

/* ---- byte writer ------------------------------------------------------ */

void sim_bw_init(struct sim_bw *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->bad = 0;
}

void sim_bw_bytes(struct sim_bw *w, const void *v, size_t n)
{
	if (w->bad || w->cap - w->len < n) {
		w->bad = 1;
		return;
	}
	if (n)
		memcpy(w->p + w->len, v, n);
	w->len += n;
}

void sim_bw_u8(struct sim_bw *w, uint8_t v)
{
	sim_bw_bytes(w, &v, 1);
}

void sim_bw_u16(struct sim_bw *w, uint16_t v)
{
	uint8_t b[2];

	sim_put16(b, v);
	sim_bw_bytes(w, b, 2);
}

void sim_bw_u32(struct sim_bw *w, uint32_t v)
{
	uint8_t b[4];

	sim_put32(b, v);
	sim_bw_bytes(w, b, 4);
}

void sim_bw_str(struct sim_bw *w, const char *s)
{
	sim_bw_bytes(w, s, strlen(s));
}

void sim_bw_rand(struct sim_bw *w, struct sim_rng *r, size_t n)
{
	if (w->bad || w->cap - w->len < n) {
		w->bad = 1;
		return;
	}
	sim_rng_bytes(r, w->p + w->len, n);
	w->len += n;
}

size_t sim_bw_open(struct sim_bw *w, size_t width)
{
	size_t mark = w->len;
	static const uint8_t zero[4];

	sim_bw_bytes(w, zero, width);
	return mark;
}

void sim_bw_close(struct sim_bw *w, size_t mark, size_t width)
{
	size_t n, i;

	if (w->bad)
		return;
	n = w->len - mark - width;
	for (i = 0; i < width; i++)
		w->p[mark + i] = (uint8_t)(n >> (8 * (width - 1 - i)));
}
