/* ethernet.c - Ethernet II and 802.1Q/802.1ad (QinQ) tags, then hand-off
 * to ARP, IPv4 or IPv6 by ethertype. */
#include "decode/decode.h"

#include "decode/decode_int.h"
#include "util/cursor.h"

#define ETH_HDR_LEN    14
#define VLAN_TAG_LEN    4
#define VLAN_ID_MASK    0x0fff
/* Ethertype values at or below this are 802.3 length fields. */
#define ETH_MAX_8023_LEN 1500

#define ETH_8021Q   0x8100
#define ETH_8021AD  0x88a8
#define ETH_QINQ_OLD 0x9100	/* pre-standard QinQ outer tag */

static int is_vlan_type(uint16_t type)
{
	return type == ETH_8021Q || type == ETH_8021AD || type == ETH_QINQ_OLD;
}

static enum dec_result dec_l3(struct dec_stats *st, struct packet *p,
    uint16_t type, const uint8_t *data, size_t len)
{
	switch (type) {
	case DEC_ETH_IPV4:
		return dec_ipv4(st, p, data, len);
	case DEC_ETH_IPV6:
		return dec_ipv6(st, p, data, len);
	case DEC_ETH_ARP:
		return dec_arp(st, p, data, len);
	default:
		/* Includes 802.3 length fields (type <= 1500, LLC/SNAP
		 * follows) and every ethertype we do not decode. */
		st->other_l3++;
		return dec_unsupported(p);
	}
}

enum dec_result dec_ether_payload(struct dec_stats *st, struct packet *p,
    uint16_t type, const uint8_t *data, size_t len)
{
	struct cursor c;

	cur_init(&c, data, len);
	/* Bounded by DEC_MAX_VLAN_DEPTH: a frame made of nothing but tags
	 * cannot keep us here. */
	while (is_vlan_type(type)) {
		if (p->vlan_depth >= DEC_MAX_VLAN_DEPTH) {
			p->ethertype = type;
			return dec_fail(st, p, DEC_R_VLAN_TOO_DEEP,
			    DEC_MALFORMED);
		}
		if (p->vlan_depth == 0)
			st->vlan++;
		if (!cur_need(&c, VLAN_TAG_LEN)) {
			p->ethertype = type;
			return dec_fail(st, p, DEC_R_VLAN_TRUNCATED,
			    DEC_TRUNCATED);
		}
		uint16_t tci = cur_be16(&c);
		type = cur_be16(&c);
		p->vlan[p->vlan_depth] = (uint16_t)(tci & VLAN_ID_MASK);
		p->vlan_depth++;
	}
	p->ethertype = type;
	if (type <= ETH_MAX_8023_LEN) {
		st->other_l3++;
		return dec_unsupported(p);
	}
	return dec_l3(st, p, type, cur_here(&c), cur_left(&c));
}

enum dec_result dec_ethernet(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	struct cursor c;

	st->ethernet++;
	cur_init(&c, data, len);
	if (!cur_need(&c, ETH_HDR_LEN))
		return dec_fail(st, p, DEC_R_ETH_TRUNCATED, DEC_TRUNCATED);
	cur_copy(&c, p->dst_mac, sizeof(p->dst_mac));
	cur_copy(&c, p->src_mac, sizeof(p->src_mac));
	uint16_t type = cur_be16(&c);
	p->has_eth = 1;
	return dec_ether_payload(st, p, type, cur_here(&c), cur_left(&c));
}
