/* ipv4.c - IPv4 header, options and fragments (RFC 791), checked in the
 * order of Suricata's DecodeIPV4Packet, then hand-off to the transport. */
#include "decode/decode.h"

#include "decode/decode_int.h"
#include "util/cursor.h"

#define IPV4_MIN_HLEN   20
#define IPV4_MAX_OPTLEN 40	/* IHL 15 * 4 - 20 */
#define IPV4_FLAG_DF    0x4000
#define IPV4_FLAG_MF    0x2000
#define IPV4_OFF_MASK   0x1fff

#define IPV4_OPT_EOL 0
#define IPV4_OPT_NOP 1

/* Walk the options area [20, hlen) of a header that is fully captured.
 * Returns 0, or -1 when an option's length is impossible. Options are only
 * checked for shape; none changes how the packet is decoded. */
static int walk_options(struct cursor *c)
{
	/* Each turn consumes at least one byte, so IPV4_MAX_OPTLEN turns
	 * cover any header; the bound is there so no input can spin. */
	for (int i = 0; i < IPV4_MAX_OPTLEN && cur_left(c) > 0; i++) {
		uint8_t kind = cur_u8(c);
		if (kind == IPV4_OPT_EOL)
			return 0;
		if (kind == IPV4_OPT_NOP)
			continue;
		if (cur_left(c) < 1)
			return -1;
		uint8_t olen = cur_u8(c);
		/* olen counts kind and length bytes themselves. */
		if (olen < 2 || cur_left(c) < (size_t)olen - 2)
			return -1;
		cur_skip(c, (size_t)olen - 2);
	}
	return 0;
}

enum dec_result dec_ipv4(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	struct cursor c;

	st->ipv4++;
	cur_init(&c, data, len);
	if (!cur_need(&c, IPV4_MIN_HLEN))
		return dec_fail(st, p, DEC_R_IPV4_TRUNCATED, DEC_TRUNCATED);

	uint8_t vihl = cur_u8(&c);
	uint8_t tos = cur_u8(&c);
	uint16_t totlen = cur_be16(&c);
	uint16_t id = cur_be16(&c);
	uint16_t fragw = cur_be16(&c);
	uint8_t ttl = cur_u8(&c);
	uint8_t proto = cur_u8(&c);
	cur_skip(&c, 2);			/* header checksum */
	uint8_t src[4], dst[4];
	cur_copy(&c, src, sizeof(src));
	cur_copy(&c, dst, sizeof(dst));

	if ((vihl >> 4) != 4)
		return dec_fail(st, p, DEC_R_IPV4_BAD_VERSION, DEC_MALFORMED);
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < IPV4_MIN_HLEN)
		return dec_fail(st, p, DEC_R_IPV4_BAD_HLEN, DEC_MALFORMED);
	/* Total length 0 is what a capture on a host doing TCP segmentation
	 * offload records for large segments: take the captured length, as
	 * Zeek does, rather than lose the connection. Counted, not invalid. */
	if (totlen == 0 && len >= hlen) {
		st->ipv4_zero_len++;
		totlen = len > 0xffff ? 0xffff : (uint16_t)len;
	}
	if (totlen < hlen)
		return dec_fail(st, p, DEC_R_IPV4_BAD_TOTLEN, DEC_MALFORMED);
	if (len < hlen)
		return dec_fail(st, p, DEC_R_IPV4_TRUNCATED, DEC_TRUNCATED);

	/* Effective length: what the header says, cut to what we have.
	 * Ethernet pads short frames to 60 bytes; the total length is what
	 * keeps that padding out of the payload. A total length beyond the
	 * captured bytes is normal with a snap length: decode what is here. */
	size_t eff = len < totlen ? len : totlen;
	int clipped = len < totlen;

	p->ip_version = 4;
	p->l3 = data;
	p->ip_len = (uint32_t)eff;
	p->ip_tos = tos;
	p->ttl = ttl;
	p->ip_id = id;
	p->ip_df = (fragw & IPV4_FLAG_DF) ? 1 : 0;
	p->l4proto = proto;
	addr_set4(&p->src, src);
	addr_set4(&p->dst, dst);

	uint16_t frag_off = (uint16_t)((fragw & IPV4_OFF_MASK) * 8u);
	if ((fragw & IPV4_FLAG_MF) || frag_off != 0) {
		p->frag = 1;
		p->frag_first = frag_off == 0;
		p->frag_off = frag_off;
		st->ipv4_frag++;
	}

	if (hlen > IPV4_MIN_HLEN) {
		struct cursor oc;

		p->ip_has_opts = 1;
		cur_init(&oc, data + IPV4_MIN_HLEN, hlen - IPV4_MIN_HLEN);
		/* A bad option does not hide the rest of the packet: the
		 * header length already says where the payload starts. */
		if (walk_options(&oc) < 0)
			dec_fail(st, p, DEC_R_IPV4_OPT_MALFORMED,
			    DEC_MALFORMED);
	}

	const uint8_t *pl = data + hlen;
	size_t pl_len = eff - hlen;
	if (p->frag && !p->frag_first) {
		/* The payload continues some earlier fragment's transport
		 * data: there is no header here to decode. */
		p->payload = pl;
		p->payload_len = (uint32_t)pl_len;
		return p->result;
	}
	/* A first fragment ends where fragmentation cut it: a transport
	 * header running past it is short, not impossible. */
	return dec_l4(st, p, proto, pl, pl_len, clipped || p->frag);
}
