/* icmp.c - ICMPv4 (RFC 792) and ICMPv6 (RFC 4443): type, code, echo
 * identifier, and the message body as payload. */
#include "decode/decode.h"

#include "decode/decode_int.h"
#include "util/cursor.h"

/* Type, code, checksum and the 4-byte "rest of header" every ICMPv4
 * message and every defined ICMPv6 message carries. */
#define ICMP_HDR_LEN 8

#define ICMP4_ECHO_REPLY   0
#define ICMP4_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY   129

/* Shared body for both versions; the echo types are the version's. */
static enum dec_result dec_msg(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len, enum dec_reason trunc,
    uint8_t echo_req, uint8_t echo_rep)
{
	struct cursor c;

	cur_init(&c, data, len);
	if (!cur_need(&c, ICMP_HDR_LEN))
		return dec_fail(st, p, trunc, DEC_TRUNCATED);
	uint8_t type = cur_u8(&c);
	uint8_t code = cur_u8(&c);
	cur_skip(&c, 2);			/* checksum */
	uint16_t id = cur_be16(&c);
	cur_skip(&c, 2);			/* sequence, or unused */

	p->icmp_type = type;
	p->icmp_code = code;
	p->icmp_id = (type == echo_req || type == echo_rep) ? id : 0;
	p->sport = 0;
	p->dport = 0;
	p->has_l4 = 1;
	/* The message body: echo data, or the quoted packet of an error. */
	p->payload = cur_here(&c);
	p->payload_len = (uint32_t)cur_left(&c);
	return p->result;
}

enum dec_result dec_icmp(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	st->icmpv4++;
	return dec_msg(st, p, data, len, DEC_R_ICMP_TRUNCATED,
	    ICMP4_ECHO_REQUEST, ICMP4_ECHO_REPLY);
}

enum dec_result dec_icmpv6(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	st->icmpv6++;
	return dec_msg(st, p, data, len, DEC_R_ICMPV6_TRUNCATED,
	    ICMP6_ECHO_REQUEST, ICMP6_ECHO_REPLY);
}
