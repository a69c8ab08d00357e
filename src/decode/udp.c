/* udp.c - UDP header (RFC 768): ports and the payload its length names. */
#include "decode/decode.h"

#include "decode/decode_int.h"
#include "util/cursor.h"

#define UDP_HDR_LEN 8

enum dec_result dec_udp(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	struct cursor c;

	st->udp++;
	cur_init(&c, data, len);
	if (!cur_need(&c, UDP_HDR_LEN))
		return dec_fail(st, p, DEC_R_UDP_TRUNCATED, DEC_TRUNCATED);

	uint16_t sport = cur_be16(&c);
	uint16_t dport = cur_be16(&c);
	uint16_t ulen = cur_be16(&c);
	cur_skip(&c, 2);			/* checksum */

	/* A length below the header's own size cannot be. (0 would be an
	 * IPv6 jumbogram's UDP, which a home network never carries.) */
	if (ulen < UDP_HDR_LEN)
		return dec_fail(st, p, DEC_R_UDP_BAD_LEN, DEC_MALFORMED);

	p->sport = sport;
	p->dport = dport;
	p->has_l4 = 1;

	/* Shorter than what we have: the rest is padding. Longer: a snap
	 * length or an IP length that cut it; either way the payload is what
	 * is really here, so clamp rather than complain. */
	size_t end = ulen < len ? ulen : len;
	p->payload = data + UDP_HDR_LEN;
	p->payload_len = (uint32_t)(end - UDP_HDR_LEN);
	return p->result;
}
