/* fuzz_features.c - libFuzzer target: the feature extractor fed arbitrary
 * decoded packets.
 *
 * Input: 2 header bytes (memcap, seed) then 8-byte records, each one
 * packet over a small world (16 IPv4/IPv6 hosts, 4 MACs, 4 ports, TCP/UDP/
 * ICMP/other/ARP, any lengths and flags, fragments) at a time that stalls,
 * steps forwards or backwards by up to decades, or jumps to the extremes of
 * the 64-bit clock. Two extractors with different hash seeds get the same
 * packets; after every packet both vectors must be bit-identical (nothing
 * may depend on the seed), every value finite, weights >= 0, correlations
 * in [-1, 1], and the counters consistent. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "features/feat_internal.h"
#include "features/features.h"
#include "fuzz.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void host(struct addr *a, unsigned idx, int v6)
{
	uint8_t b[16] = { 0 };

	if (v6) {
		b[0] = 0xfe;
		b[1] = 0x80;
		b[15] = (uint8_t)idx;
		addr_set6(a, b);
	} else {
		b[0] = 10;
		b[3] = (uint8_t)(idx & 7);
		b[2] = (uint8_t)(idx >> 3);
		addr_set4(a, b);
	}
}

static uint64_t step_time(uint64_t t, const uint8_t r[8])
{
	int8_t v = (int8_t)r[4];
	unsigned shift = r[5] & 63;
	uint64_t mag;

	switch (r[5] >> 6) {
	case 0:
		return t;				/* same time */
	case 1:
		if ((r[4] & 0xf0) == 0xf0)		/* the extremes */
			return (r[4] & 1) ? UINT64_MAX : 0;
		/* fall through */
	default:
		mag = (uint64_t)(v < 0 ? -(int)v : v);
		mag = shift < 57 ? mag << shift : mag << 56;
		if (v < 0)
			return t > mag ? t - mag : 0;
		return t > UINT64_MAX - mag ? UINT64_MAX : t + mag;
	}
}

static void build(struct packet *p, const uint8_t r[8], uint64_t ts)
{
	static const uint16_t ports[4] = { 53, 80, 40000, 40001 };
	static const uint8_t protos[4] = { IPPROTO_NUM_TCP, IPPROTO_NUM_UDP,
		IPPROTO_NUM_ICMP, 47 };
	unsigned kind = r[0] & 7;
	int v6 = (r[0] >> 3) & 1;

	memset(p, 0, sizeof(p[0]));
	p->ts_ns = ts;
	p->wirelen = (uint32_t)r[7] << ((r[6] >> 4) & 15);	/* up to ~2 M */
	p->caplen = p->wirelen;
	if (kind == 7) {				/* ARP */
		p->has_eth = 1;
		p->ethertype = 0x0806;
		p->has_arp = 1;
		p->arp.op = (uint16_t)(1 + (r[3] & 1));
		p->arp.sha[5] = (uint8_t)(r[2] & 3);
		p->arp.spa[0] = 10;
		p->arp.spa[3] = (uint8_t)(r[1] & 15);
		p->arp.tpa[0] = 10;
		p->arp.tpa[3] = (uint8_t)(r[1] >> 4);
		memcpy(p->src_mac, p->arp.sha, 6);
		return;
	}
	if (kind == 6) {				/* not IP at all */
		p->has_eth = 1;
		p->ethertype = 0x88cc;
		return;
	}
	p->ip_version = v6 ? 6 : 4;
	host(&p->src, r[1] & 15, v6);
	host(&p->dst, r[1] >> 4, v6);
	if (r[0] & 0x10) {
		p->has_eth = 1;
		p->src_mac[5] = (uint8_t)(r[2] & 3);
		p->dst_mac[5] = (uint8_t)((r[2] >> 2) & 3);
	}
	p->l4proto = protos[kind & 3];
	p->has_l4 = (r[0] & 0x20) ? 0 : 1;
	p->frag = (r[0] & 0x40) ? 1 : 0;
	p->frag_first = p->frag && p->has_l4;
	p->tcp_flags = r[3];
	p->sport = ports[(r[2] >> 4) & 3];
	p->dport = ports[(r[2] >> 6) & 3];
	if (p->l4proto == IPPROTO_NUM_ICMP) {
		p->sport = p->dport = 0;
		p->icmp_type = r[3];
	}
}

static void check_vec(const double *v)
{
	for (unsigned i = 0; i < FEAT_N; i++)
		CHECK(isfinite(v[i]));
	for (unsigned i = 0; i < FEAT_NL; i++) {
		CHECK(v[FEAT_OFF_MI + 3 * i] >= 1.0 - 1e-9);	/* this packet */
		CHECK(v[FEAT_OFF_MI + 3 * i + 2] >= 0);
		CHECK(v[FEAT_OFF_HH + 7 * i] >= 1.0 - 1e-9);
		CHECK(v[FEAT_OFF_JIT + 3 * i] >= 0);
		CHECK(v[FEAT_OFF_JIT + 3 * i + 1] >= 0);
		CHECK(fabs(v[FEAT_OFF_HH + 7 * i + 6]) <= 1.0);
		CHECK(fabs(v[FEAT_OFF_HP + 7 * i + 6]) <= 1.0);
	}
	for (unsigned i = FEAT_OFF_DST; i < FEAT_N; i++)
		CHECK(v[i] >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feat_config cfg;
	uint64_t t = 1700000000ull * 1000000000ull, vectors = 0;
	double va[FEAT_MAX], vb[FEAT_MAX];

	if (size < 2)
		return 0;
	feat_config_default(&cfg);
	cfg.memcap = 4096 + (size_t)data[0] * 512;	/* tiny: forces eviction */
	struct feat *a = feat_new(&cfg, data[1]);
	struct feat *b = feat_new(&cfg, ~(uint64_t)data[1] * 0x9e3779b97f4a7c15ull);
	CHECK(a && b);
	CHECK(feat_stats(a)->memuse == feat_stats(b)->memuse);

	for (size_t off = 2; size - off >= 8; off += 8) {
		const uint8_t *r = data + off;
		struct packet p;

		t = step_time(t, r);
		build(&p, r, t);
		int ra = feat_packet(a, &p, va);
		int rb = feat_packet(b, &p, vb);
		CHECK(ra == rb);
		CHECK(ra == (p.ip_version != 0 || p.has_arp));
		if (ra) {
			vectors++;
			check_vec(va);
			CHECK(memcmp(va, vb, sizeof(double) * FEAT_N) == 0);
		}
		const struct feat_stats *x = feat_stats(a), *y = feat_stats(b);
		CHECK(x->vectors == vectors && y->vectors == vectors);
		CHECK(x->evicted == y->evicted);
		CHECK(x->reclaimed == y->reclaimed);
		CHECK(x->memuse == y->memuse);
	}
	feat_free(a);
	feat_free(b);
	return 0;
}
