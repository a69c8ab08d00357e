/* fuzz_flow.c - libFuzzer target: the flow table fed synthetic packets.
 *
 * Input: 3 header bytes (memcap, active timeout, seed) then 8-byte records,
 * each one packet description or table operation over a small world (16
 * IPv4/IPv6 hosts, 4 ports, any TCP flags, VLANs, times that jump forwards
 * and back by up to years, allocation failures). Two tables with different
 * seeds get the same records in lockstep; after every step both must hold
 * the invariants below and agree exactly, since nothing observable may
 * depend on the hash seed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow/flow.h"
#include "flow/flow_internal.h"
#include "fuzz.h"
#include "util/alloc.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

struct side {
	struct flow_table *ft;
	uint64_t ended;		/* callbacks seen */
	uint64_t digest;	/* of every ended flow, in order */
	uint64_t base;		/* memuse of the empty table (buckets) */
	size_t memcap;
};

static void check_flow(const struct flow *f)
{
	CHECK(f->flow_id != 0 && f->flow_id < (1ull << 51));
	CHECK(f->pkts_toserver + f->pkts_toclient >= 1);
	CHECK(f->last_ns >= f->start_ns);
	CHECK(f->state <= FLOW_STATE_RESET);
	CHECK(f->vlan_depth <= DEC_MAX_VLAN_DEPTH);
	if (f->proto != IPPROTO_NUM_TCP) {
		CHECK(f->tcp_flags_ts == 0 && f->tcp_flags_tc == 0);
		if (f->proto != IPPROTO_NUM_UDP)
			CHECK(f->cli_port == 0 && f->srv_port == 0);
	}
	if (f->state == FLOW_STATE_CLOSED)
		CHECK(f->fin_ts && f->fin_tc);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static void on_end(struct flow *f, enum flow_end_reason why, void *ud)
{
	struct side *s = ud;

	CHECK(why <= FLOW_END_SHUTDOWN);
	check_flow(f);
	s->ended++;
	s->digest = mix(s->digest, f->flow_id);
	s->digest = mix(s->digest, (uint64_t)why);
	s->digest = mix(s->digest, f->pkts_toserver << 32 | f->pkts_toclient);
	s->digest = mix(s->digest, f->bytes_toserver ^ f->bytes_toclient);
	s->digest = mix(s->digest, f->last_ns);
	s->digest = mix(s->digest, (uint64_t)f->state);
}

static void check_side(const struct side *s)
{
	const struct flow_stats *st = flow_table_stats(s->ft);

	CHECK(st->memuse <= s->memcap);
	CHECK(st->memuse_peak <= s->memcap);
	CHECK(st->memuse >= s->base);
	CHECK(st->ended_timeout + st->ended_forced + st->ended_shutdown ==
	    s->ended);
	CHECK(st->created - s->ended == st->active);
	CHECK(st->memuse == s->base + st->active * sizeof(struct flow_node));
}

static void check_same(const struct side *a, const struct side *b)
{
	const struct flow_stats *x = flow_table_stats(a->ft);
	const struct flow_stats *y = flow_table_stats(b->ft);

	CHECK(memcmp(x, y, sizeof(*x)) == 0);
	CHECK(a->ended == b->ended);
	CHECK(a->digest == b->digest);
}

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
		b[2] = (uint8_t)(idx >> 3);	/* 10.0.{0,1}.x */
		addr_set4(a, b);
	}
}

/* Apply a signed, scaled time step without wrapping. */
static uint64_t step_time(uint64_t t, int8_t v, unsigned shift)
{
	uint64_t mag = (uint64_t)(v < 0 ? -(int)v : v) << shift;

	mag *= 1000000ull;	/* units of 1 ms, up to ~127 * 2^31 ms */
	if (v < 0)
		return t > mag ? t - mag : 0;
	return t > UINT64_MAX - mag ? UINT64_MAX : t + mag;
}

static void build(struct packet *p, const uint8_t r[8], uint64_t ts)
{
	static const uint16_t ports[4] = { 53, 80, 40000, 40001 };
	static const uint8_t other[4] = { 47, 50, 132, 0 };
	unsigned kind = r[0] & 3;
	int v6 = (r[0] >> 2) & 1;

	memset(p, 0, sizeof(*p));
	p->ts_ns = ts;
	p->wirelen = (uint32_t)r[7] * 7u;
	p->caplen = p->wirelen;
	p->ip_version = v6 ? 6 : 4;
	host(&p->src, r[1] & 15, v6);
	host(&p->dst, r[1] >> 4, v6);
	/* Rare on purpose: a random RST or missing L4 header would end most
	 * TCP flows before a handshake completes. */
	p->has_l4 = (r[6] & 0xc0) == 0xc0 ? 0 : 1;
	p->tcp_flags = r[3];	/* junk for non-TCP: must be ignored */
	if ((r[6] & 0xc0) != 0x40)
		p->tcp_flags &= (uint8_t)~TCP_RST;
	switch (kind) {
	case 0:
	case 1:
		p->l4proto = kind == 0 ? IPPROTO_NUM_TCP : IPPROTO_NUM_UDP;
		p->sport = ports[r[2] & 3];
		p->dport = ports[(r[2] >> 2) & 3];
		break;
	case 2:
		p->l4proto = v6 ? IPPROTO_NUM_ICMPV6 : IPPROTO_NUM_ICMP;
		p->icmp_type = (r[3] & 1) ? (v6 ? 128 : 8) : (v6 ? 129 : 0);
		if (r[3] & 2)
			p->icmp_type = 3;
		p->icmp_id = r[2] & 3;
		break;
	default:
		p->l4proto = other[r[2] & 3];
		p->sport = r[2];	/* junk ports: must be ignored */
		break;
	}
	p->vlan_depth = (uint8_t)((r[6] >> 4) & 3);	/* 3: over the max */
	p->vlan[0] = (uint16_t)(r[6] & 3);
	if (DEC_MAX_VLAN_DEPTH > 1)
		p->vlan[DEC_MAX_VLAN_DEPTH - 1] = (uint16_t)((r[6] >> 2) & 3);
	if (r[0] & 0x08) {
		p->has_eth = 1;
		p->src_mac[5] = (uint8_t)(r[1] & 15);
		p->dst_mac[5] = (uint8_t)(r[1] >> 4);
	}
	if ((r[0] & 0x30) == 0x30) {		/* a later fragment */
		p->frag = 1;
		p->frag_first = 0;
	} else if (r[0] & 0x10) {		/* a first fragment */
		p->frag = 1;
		p->frag_first = 1;
	} else if (r[0] & 0x20 && (r[5] & 0xe0) == 0xe0) {
		p->ip_version = 0;		/* no IP layer */
	}
}

/* Feed p to one side; returns the flow id (0: no flow) and direction. */
static uint64_t update(struct side *s, const struct packet *p, int fail,
    int *dir)
{
	const struct flow_stats *st = flow_table_stats(s->ft);
	uint64_t nt = st->not_tracked, af = st->alloc_failed;
	int ts = -1;
	struct flow *f;

	if (fail)
		alloc_fail_after(0);
	f = flow_update(s->ft, p, &ts);
	alloc_fail_after(-1);
	CHECK(ts == 0 || ts == 1);
	*dir = ts;
	if (!f) {
		CHECK(ts == 0);
		CHECK(st->not_tracked + st->alloc_failed == nt + af + 1);
		return 0;
	}
	check_flow(f);
	CHECK(st->not_tracked == nt);
	CHECK(f->last_ns >= p->ts_ns);
	return f->flow_id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_config cfg;
	struct side a, b;
	uint64_t t = 1700000000ull * 1000000000ull;

	if (size < 3)
		return 0;
	flow_config_default(&cfg);
	cfg.memcap = 1536 + (size_t)data[0] * 64;	/* ~5 to ~70 flows */
	cfg.timeout_active = data[1] & 0x80 ? 0 : (uint32_t)data[1] * 4;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.ft = flow_table_new(&cfg, data[2], on_end, &a);
	b.ft = flow_table_new(&cfg, ~(uint64_t)data[2] * 0x9e3779b97f4a7c15ull,
	    on_end, &b);
	CHECK(a.ft && b.ft);
	a.memcap = b.memcap = cfg.memcap;
	a.base = flow_table_stats(a.ft)->memuse;
	b.base = flow_table_stats(b.ft)->memuse;
	CHECK(a.base == b.base && a.base <= cfg.memcap);

	for (size_t off = 3; size - off >= 8; off += 8) {
		const uint8_t *r = data + off;
		struct packet p;

		t = step_time(t, (int8_t)r[4], r[5] & 31);
		if ((r[0] & 0xc0) == 0xc0 && (r[5] & 0xe0) == 0x20) {
			flow_table_expire(a.ft, t);
			flow_table_expire(b.ft, t);
		} else if ((r[0] & 0xc0) == 0xc0 && (r[5] & 0xe0) == 0x40) {
			flow_table_flush(a.ft);
			flow_table_flush(b.ft);
			CHECK(flow_table_stats(a.ft)->active == 0);
			CHECK(flow_table_stats(a.ft)->memuse == a.base);
		} else {
			int fail = (r[0] & 0xc0) == 0x80 && (r[5] & 0xe0) == 0x60;

			int da, db;

			build(&p, r, t);
			CHECK(update(&a, &p, fail, &da) ==
			    update(&b, &p, fail, &db));
			CHECK(da == db);
		}
		check_side(&a);
		check_side(&b);
		check_same(&a, &b);
	}

	flow_table_flush(a.ft);
	flow_table_flush(b.ft);
	check_side(&a);
	check_side(&b);
	check_same(&a, &b);
	CHECK(flow_table_stats(a.ft)->active == 0);
	flow_table_free(a.ft);
	flow_table_free(b.ft);
	return 0;
}
