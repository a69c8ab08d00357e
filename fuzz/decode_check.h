/* decode_check.h - invariants of a decoded struct packet, shared by the
 * decoder fuzz targets. Any violation traps. */
#ifndef EW_FUZZ_DECODE_CHECK_H
#define EW_FUZZ_DECODE_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/decode.h"

#define FZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* A fresh packet as dec_packet() would start it, for the per-layer entry
 * points (which expect a zeroed or partly filled packet). */
static inline void fz_packet_init(struct packet *p)
{
	memset(p, 0, sizeof(*p));
	p->tcp_wscale = 0xff;
}

/* [ptr, ptr+len) lies within [base, base+size). */
static inline int fz_within(const uint8_t *ptr, size_t len,
    const uint8_t *base, size_t size)
{
	if (len == 0)
		return 1;
	if (ptr == NULL || base == NULL || ptr < base)
		return 0;
	size_t off = (size_t)(ptr - base);
	return off <= size && size - off >= len;
}

/* Checks that hold for any packet decoded from the size bytes at data. */
static inline void fz_check_packet(const struct packet *p,
    const uint8_t *data, size_t size)
{
	FZ_CHECK(p->result == DEC_OK || p->result == DEC_TRUNCATED ||
	    p->result == DEC_MALFORMED || p->result == DEC_UNSUPPORTED);
	FZ_CHECK(fz_within(p->payload, p->payload_len, data, size));
	FZ_CHECK(p->ip_len <= size);
	FZ_CHECK(p->vlan_depth <= DEC_MAX_VLAN_DEPTH);
	FZ_CHECK(p->tcp_nopts <= DEC_TCP_OPT_ORDER);
	FZ_CHECK(p->ip_version == 0 || p->ip_version == 4 ||
	    p->ip_version == 6);
	if (p->ip_version != 0) {
		FZ_CHECK(p->src.family == p->ip_version);
		FZ_CHECK(p->dst.family == p->ip_version);
		FZ_CHECK(p->l3 != NULL);
		/* the effective IP datagram is inside the input ... */
		FZ_CHECK(fz_within(p->l3, p->ip_len, data, size));
		FZ_CHECK(p->ip_len >= (p->ip_version == 4 ? 20u : 40u));
		/* ... and the L4 payload inside the datagram (no padding,
		 * nothing past the IP length) */
		FZ_CHECK(fz_within(p->payload, p->payload_len, p->l3,
		    p->ip_len));
	} else {
		FZ_CHECK(p->ip_len == 0 && p->l3 == NULL);
		FZ_CHECK(p->src.family == 0 && p->dst.family == 0);
	}
	if (p->frag_first)
		FZ_CHECK(p->frag);
	if (p->frag && !p->frag_first)
		FZ_CHECK(!p->has_l4);	/* no header in later fragments */
	if (!p->has_l4) {
		FZ_CHECK(p->sport == 0 && p->dport == 0);
		FZ_CHECK(p->tcp_flags == 0 && p->tcp_nopts == 0);
	}
	if (p->has_arp)
		FZ_CHECK(p->ip_version == 0 && !p->has_l4);
	if (p->tcp_mss != 0 || p->tcp_wscale != 0xff || p->tcp_sack_ok ||
	    p->tcp_has_ts)
		FZ_CHECK(p->has_l4);
}

/* Every reason count comes with an invalid result and vice versa. */
static inline void fz_check_stats(const struct dec_stats *st,
    const struct packet *p)
{
	uint64_t reasons = 0;
	for (int i = 0; i < DEC_R__COUNT; i++)
		reasons += st->reason[i];
	int bad = p->result == DEC_TRUNCATED || p->result == DEC_MALFORMED;
	FZ_CHECK((reasons != 0) == bad);
	/* at most an option problem, then one at the next layer */
	FZ_CHECK(reasons <= 2);
}

#endif /* EW_FUZZ_DECODE_CHECK_H */
