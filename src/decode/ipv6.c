/* ipv6.c - IPv6 fixed header and extension-header chain (RFC 8200), then
 * hand-off to the transport. */
#include "decode/decode.h"

#include "decode/decode_int.h"
#include "util/cursor.h"

#define IPV6_HDR_LEN   40
#define IPV6_FRAG_LEN   8

#define IP6_NH_HOPOPTS   0
#define IP6_NH_ROUTING  43
#define IP6_NH_FRAGMENT 44
#define IP6_NH_ESP      50
#define IP6_NH_AH       51
#define IP6_NH_NONE     59
#define IP6_NH_DSTOPTS  60
#define IP6_NH_MOBILITY 135

/* Fragment offset: 8-byte units in the top 13 bits, so masking gives the
 * offset in bytes directly. */
#define IP6_FRAG_OFF_MASK 0xfff8

/* Where the extension-header walk stopped. */
enum chain_end {
	CHAIN_L4,		/* at a transport header (or unknown proto) */
	CHAIN_FRAGMENT,		/* non-first fragment: fragment data follows */
	CHAIN_STOP,		/* ESP or no-next-header: nothing to decode */
	CHAIN_ERROR,		/* problem recorded in p->result */
};

/* Length in bytes of a generic extension header whose two first bytes are
 * (next header, length), or 0 when nh is not one. */
static size_t ext_len(uint8_t nh, uint8_t lenbyte)
{
	switch (nh) {
	case IP6_NH_HOPOPTS:
	case IP6_NH_ROUTING:
	case IP6_NH_DSTOPTS:
	case IP6_NH_MOBILITY:
		/* in 8-byte units, not counting the first 8 */
		return ((size_t)lenbyte + 1) * 8;
	case IP6_NH_AH:
		/* in 4-byte units, not counting the first 8 */
		return ((size_t)lenbyte + 2) * 4;
	default:
		return 0;
	}
}

static int is_ext(uint8_t nh)
{
	return nh == IP6_NH_HOPOPTS || nh == IP6_NH_ROUTING ||
	    nh == IP6_NH_DSTOPTS || nh == IP6_NH_MOBILITY ||
	    nh == IP6_NH_AH || nh == IP6_NH_FRAGMENT;
}

/* 1 when nh names a header we would decode, which takes at least a few
 * bytes. */
static int needs_bytes(uint8_t nh)
{
	return is_ext(nh) || nh == IPPROTO_NUM_TCP || nh == IPPROTO_NUM_UDP ||
	    nh == IPPROTO_NUM_ICMPV6;
}

/* Walk the chain starting at *nh in c, leaving c at what follows the last
 * header walked and *nh at its next-header value. */
static enum chain_end walk_chain(struct dec_stats *st, struct packet *p,
    struct cursor *c, uint8_t *nh)
{
	/* Bounded: a chain of DEC_MAX_IPV6_EXTHDRS headers is already beyond
	 * anything legitimate. */
	for (int i = 0; i < DEC_MAX_IPV6_EXTHDRS; i++) {
		if (*nh == IP6_NH_ESP || *nh == IP6_NH_NONE)
			return CHAIN_STOP;
		if (!is_ext(*nh))
			return CHAIN_L4;
		p->ip_has_opts = 1;
		/* Every extension header starts with next-header and a
		 * length (the fragment header's is reserved). */
		if (!cur_need(c, 2)) {
			dec_fail(st, p, DEC_R_IPV6_EXTHDR_TRUNCATED,
			    DEC_TRUNCATED);
			return CHAIN_ERROR;
		}
		struct cursor hc;
		cur_init(&hc, cur_here(c), cur_left(c));
		uint8_t next = cur_u8(&hc);
		uint8_t lenbyte = cur_u8(&hc);
		if (*nh == IP6_NH_FRAGMENT) {
			if (!cur_need(c, IPV6_FRAG_LEN)) {
				dec_fail(st, p, DEC_R_IPV6_EXTHDR_TRUNCATED,
				    DEC_TRUNCATED);
				return CHAIN_ERROR;
			}
			/* lenbyte is the reserved field here */
			uint16_t offlg = cur_be16(&hc);
			cur_skip(c, IPV6_FRAG_LEN);
			*nh = next;
			p->frag = 1;
			p->frag_off = (uint16_t)(offlg & IP6_FRAG_OFF_MASK);
			p->frag_first = p->frag_off == 0;
			st->ipv6_frag++;
			/* After a non-first fragment header come bytes of the
			 * original payload, not headers. */
			if (!p->frag_first)
				return CHAIN_FRAGMENT;
			continue;
		}
		size_t hl = ext_len(*nh, lenbyte);
		if (!cur_need(c, hl)) {
			dec_fail(st, p, DEC_R_IPV6_EXTHDR_TRUNCATED,
			    DEC_TRUNCATED);
			return CHAIN_ERROR;
		}
		*nh = next;
		cur_skip(c, hl);
	}
	if (is_ext(*nh)) {
		dec_fail(st, p, DEC_R_IPV6_EXTHDR_TOO_MANY, DEC_MALFORMED);
		return CHAIN_ERROR;
	}
	if (*nh == IP6_NH_ESP || *nh == IP6_NH_NONE)
		return CHAIN_STOP;
	return CHAIN_L4;
}

enum dec_result dec_ipv6(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	struct cursor c;

	st->ipv6++;
	cur_init(&c, data, len);
	if (!cur_need(&c, IPV6_HDR_LEN))
		return dec_fail(st, p, DEC_R_IPV6_TRUNCATED, DEC_TRUNCATED);

	uint32_t vtf = cur_be32(&c);
	uint16_t plen = cur_be16(&c);
	uint8_t nh = cur_u8(&c);
	uint8_t hlim = cur_u8(&c);
	uint8_t src[16], dst[16];
	cur_copy(&c, src, sizeof(src));
	cur_copy(&c, dst, sizeof(dst));

	if ((vtf >> 28) != 6)
		return dec_fail(st, p, DEC_R_IPV6_BAD_VERSION, DEC_MALFORMED);

	/* Payload length 0 with hop-by-hop next is a jumbogram (the real
	 * length is in a hop-by-hop option): take what was captured. With a
	 * header we decode next it is impossible, as none fits in 0 bytes. */
	size_t eff;
	int clipped;
	if (plen == 0 && nh == IP6_NH_HOPOPTS) {
		eff = len;
		clipped = 1;
	} else if (plen == 0 && needs_bytes(nh)) {
		return dec_fail(st, p, DEC_R_IPV6_BAD_PLEN, DEC_MALFORMED);
	} else {
		size_t declared = IPV6_HDR_LEN + (size_t)plen;
		/* Longer than captured is a snap length at work: decode what
		 * is here. Shorter drops link-layer padding. */
		eff = len < declared ? len : declared;
		clipped = len < declared;
	}
	if (eff > UINT32_MAX)
		eff = UINT32_MAX;

	p->ip_version = 6;
	p->l3 = data;
	p->ip_len = (uint32_t)eff;
	p->ip_tos = (uint8_t)((vtf >> 20) & 0xff);
	p->ttl = hlim;
	p->ip_id = 0;
	p->l4proto = nh;
	addr_set6(&p->src, src);
	addr_set6(&p->dst, dst);

	struct cursor pc;
	cur_init(&pc, data + IPV6_HDR_LEN, eff - IPV6_HDR_LEN);
	enum chain_end end = walk_chain(st, p, &pc, &nh);
	p->l4proto = nh;
	const uint8_t *pl = cur_here(&pc);
	size_t pl_len = cur_left(&pc);

	switch (end) {
	case CHAIN_ERROR:
		return p->result;
	case CHAIN_FRAGMENT:
		p->payload = pl;
		p->payload_len = (uint32_t)pl_len;
		return p->result;
	case CHAIN_STOP:
		st->other_l4++;
		p->payload = pl;
		p->payload_len = (uint32_t)pl_len;
		return dec_unsupported(p);
	case CHAIN_L4:
	default:
		/* as for IPv4: a first fragment is cut short on purpose */
		return dec_l4(st, p, nh, pl, pl_len, clipped || p->frag);
	}
}
