/* decode.c - dec_packet(): per-frame set-up, link-type dispatch, and the
 * hand-off from IP to the transport decoders. */
#include "decode/decode.h"

#include <string.h>

#include "decode/decode_int.h"
#include "util/cursor.h"

/* Linux cooked capture header sizes (SLL v1 and v2). */
#define SLL_HDR_LEN   16
#define SLL_PROTO_OFF 14
#define SLL2_HDR_LEN  20

/* Address family values found in BSD null/loopback headers: AF_INET is 2
 * everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD) or 30 (macOS). */
#define NULL_AF_INET      2
#define NULL_AF_INET6_BSD 24
#define NULL_AF_INET6_FBSD 28
#define NULL_AF_INET6_OSX 30

static const char *const reason_names[DEC_R__COUNT] = {
#define DEC_REASON_NAME(name, str) str,
	DEC_REASONS(DEC_REASON_NAME)
#undef DEC_REASON_NAME
};

const char *dec_reason_name(enum dec_reason r)
{
	if ((unsigned)r >= (unsigned)DEC_R__COUNT)
		return NULL;
	return reason_names[r];
}

int dec_linktype_supported(int linktype)
{
	switch (linktype) {
	case DEC_LINK_NULL:
	case DEC_LINK_ETHERNET:
	case DEC_LINK_RAW:
	case DEC_DLT_RAW_ALT:
	case DEC_DLT_RAW_ALT2:
	case DEC_LINK_LOOP:
	case DEC_LINK_SLL:
	case DEC_LINK_IPV4:
	case DEC_LINK_IPV6:
	case DEC_LINK_SLL2:
		return 1;
	default:
		return 0;
	}
}

static enum dec_result dec_ip_as(struct dec_stats *st, struct packet *p,
    int version, const uint8_t *data, size_t len)
{
	if (version == 4) {
		p->ethertype = DEC_ETH_IPV4;
		return dec_ipv4(st, p, data, len);
	}
	p->ethertype = DEC_ETH_IPV6;
	return dec_ipv6(st, p, data, len);
}

/* Raw IP: the version nibble says which. */
static enum dec_result dec_raw(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	struct cursor c;

	cur_init(&c, data, len);
	if (!cur_need(&c, 1))
		return dec_fail(st, p, DEC_R_LINK_TRUNCATED, DEC_TRUNCATED);
	unsigned version = (unsigned)cur_u8(&c) >> 4;
	if (version != 4 && version != 6)
		return dec_fail(st, p, DEC_R_LINK_UNKNOWN_FAMILY,
		    DEC_MALFORMED);
	return dec_ip_as(st, p, (int)version, data, len);
}

static int null_family_version(uint32_t af)
{
	switch (af) {
	case NULL_AF_INET:
		return 4;
	case NULL_AF_INET6_BSD:
	case NULL_AF_INET6_FBSD:
	case NULL_AF_INET6_OSX:
		return 6;
	default:
		return 0;
	}
}

/* BSD null (host byte order of the capturing machine, which we do not
 * know, so either order is accepted) and OpenBSD loop (network order). */
static enum dec_result dec_null(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len, int network_order)
{
	struct cursor c;

	cur_init(&c, data, len);
	if (!cur_need(&c, 4))
		return dec_fail(st, p, DEC_R_LINK_TRUNCATED, DEC_TRUNCATED);
	uint32_t be = cur_be32(&c);
	int version = null_family_version(be);
	if (version == 0 && !network_order) {
		c.off = 0;
		version = null_family_version(cur_le32(&c));
	}
	if (version == 0)
		return dec_fail(st, p, DEC_R_LINK_UNKNOWN_FAMILY,
		    DEC_MALFORMED);
	return dec_ip_as(st, p, version, data + 4, len - 4);
}

/* Linux cooked v1: 16-byte header, protocol (an ethertype, or a small
 * ARPHRD-specific number that we count as other_l3) at offset 14. */
static enum dec_result dec_sll(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	struct cursor c;

	cur_init(&c, data, len);
	if (cur_skip(&c, SLL_PROTO_OFF) < 0 || !cur_need(&c, 2))
		return dec_fail(st, p, DEC_R_LINK_TRUNCATED, DEC_TRUNCATED);
	uint16_t proto = cur_be16(&c);
	return dec_ether_payload(st, p, proto, data + SLL_HDR_LEN,
	    len - SLL_HDR_LEN);
}

/* Linux cooked v2: 20-byte header, protocol type first. */
static enum dec_result dec_sll2(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	struct cursor c;

	cur_init(&c, data, len);
	if (!cur_need(&c, SLL2_HDR_LEN))
		return dec_fail(st, p, DEC_R_LINK_TRUNCATED, DEC_TRUNCATED);
	uint16_t proto = cur_be16(&c);
	return dec_ether_payload(st, p, proto, data + SLL2_HDR_LEN,
	    len - SLL2_HDR_LEN);
}

enum dec_result dec_packet(struct dec_stats *st, struct packet *p,
    int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
    uint64_t ts_ns)
{
	memset(p, 0, sizeof(*p));
	p->tcp_wscale = 0xff;
	p->ts_ns = ts_ns;
	p->caplen = caplen;
	p->wirelen = wirelen;
	p->linktype = linktype;
	p->data = data;

	st->pkts++;
	st->bytes += wirelen;

	/* Never trust more than was both captured and on the wire (a corrupt
	 * record may claim a wire length below its capture length). */
	size_t len = caplen < wirelen ? caplen : wirelen;
	if (data == NULL)
		len = 0;

	switch (linktype) {
	case DEC_LINK_ETHERNET:
		dec_ethernet(st, p, data, len);
		break;
	case DEC_LINK_SLL:
		dec_sll(st, p, data, len);
		break;
	case DEC_LINK_SLL2:
		dec_sll2(st, p, data, len);
		break;
	case DEC_LINK_RAW:
	case DEC_DLT_RAW_ALT:
	case DEC_DLT_RAW_ALT2:
		dec_raw(st, p, data, len);
		break;
	case DEC_LINK_IPV4:
		dec_ip_as(st, p, 4, data, len);
		break;
	case DEC_LINK_IPV6:
		dec_ip_as(st, p, 6, data, len);
		break;
	case DEC_LINK_NULL:
		dec_null(st, p, data, len, 0);
		break;
	case DEC_LINK_LOOP:
		dec_null(st, p, data, len, 1);
		break;
	default:
		dec_unsupported(p);
		break;
	}

	if (p->result == DEC_TRUNCATED || p->result == DEC_MALFORMED)
		st->invalid++;
	return p->result;
}

enum dec_result dec_l4(struct dec_stats *st, struct packet *p, uint8_t proto,
    const uint8_t *data, size_t len, int clipped)
{
	switch (proto) {
	case IPPROTO_NUM_TCP:
		return dec_tcp_seg(st, p, data, len, clipped);
	case IPPROTO_NUM_UDP:
		return dec_udp(st, p, data, len);
	case IPPROTO_NUM_ICMP:
		if (p->ip_version == 4)
			return dec_icmp(st, p, data, len);
		break;
	case IPPROTO_NUM_ICMPV6:
		if (p->ip_version == 6)
			return dec_icmpv6(st, p, data, len);
		break;
	default:
		break;
	}
	/* Some other protocol (or ICMP in the wrong IP version): the IP
	 * payload is all we can offer. */
	st->other_l4++;
	p->payload = data;
	p->payload_len = (uint32_t)len;
	return dec_unsupported(p);
}
