/* arp.c - ARP over Ethernet for IPv4 (RFC 826); other kinds are counted
 * and left undecoded. */
#include "decode/decode.h"

#include "decode/decode_int.h"
#include "util/cursor.h"

#define ARP_FIXED_LEN   8	/* htype, ptype, hlen, plen, op */
#define ARP_HTYPE_ETHER 1
#define ARP_PTYPE_IPV4  0x0800
#define ARP_HLEN_ETHER  6
#define ARP_PLEN_IPV4   4

enum dec_result dec_arp(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	struct cursor c;

	st->arp++;
	cur_init(&c, data, len);
	if (!cur_need(&c, ARP_FIXED_LEN))
		return dec_fail(st, p, DEC_R_ARP_TRUNCATED, DEC_TRUNCATED);
	uint16_t htype = cur_be16(&c);
	uint16_t ptype = cur_be16(&c);
	uint8_t hlen = cur_u8(&c);
	uint8_t plen = cur_u8(&c);
	uint16_t op = cur_be16(&c);

	if (htype != ARP_HTYPE_ETHER || ptype != ARP_PTYPE_IPV4)
		return dec_unsupported(p);
	/* The address lengths must match the types, or the offsets of the
	 * four addresses below would be guesses. */
	if (hlen != ARP_HLEN_ETHER || plen != ARP_PLEN_IPV4)
		return dec_fail(st, p, DEC_R_ARP_MALFORMED, DEC_MALFORMED);
	if (!cur_need(&c, 2 * (ARP_HLEN_ETHER + ARP_PLEN_IPV4)))
		return dec_fail(st, p, DEC_R_ARP_TRUNCATED, DEC_TRUNCATED);

	p->arp.op = op;
	cur_copy(&c, p->arp.sha, sizeof(p->arp.sha));
	cur_copy(&c, p->arp.spa, sizeof(p->arp.spa));
	cur_copy(&c, p->arp.tha, sizeof(p->arp.tha));
	cur_copy(&c, p->arp.tpa, sizeof(p->arp.tpa));
	p->has_arp = 1;
	return p->result;
}
