/* tcp.c - TCP header and options (RFC 9293, 7323, 2018): ports, flags,
 * sequence numbers and the option facts a SYN fingerprint needs. */
#include "decode/decode.h"

#include "decode/decode_int.h"
#include "util/cursor.h"

#define TCP_MIN_HLEN 20

#define TCPOPT_EOL       0
#define TCPOPT_NOP       1
#define TCPOPT_MSS       2
#define TCPOPT_WS        3
#define TCPOPT_SACK_OK   4
#define TCPOPT_TS        8

#define TCPOLEN_MSS      4
#define TCPOLEN_WS       3
#define TCPOLEN_SACK_OK  2
#define TCPOLEN_TS      10

static void record_kind(struct packet *p, uint8_t kind)
{
	if (p->tcp_nopts < DEC_TCP_OPT_ORDER)
		p->tcp_opts[p->tcp_nopts++] = kind;
}

/* Length a known option must have, or 0 for any length >= 2. */
static size_t fixed_len(uint8_t kind)
{
	switch (kind) {
	case TCPOPT_MSS:
		return TCPOLEN_MSS;
	case TCPOPT_WS:
		return TCPOLEN_WS;
	case TCPOPT_SACK_OK:
		return TCPOLEN_SACK_OK;
	case TCPOPT_TS:
		return TCPOLEN_TS;
	default:
		return 0;
	}
}

/* Walk the options area (c covers exactly [20, data offset)). Returns 0,
 * or -1 at the first option whose length is impossible; options before it
 * stay recorded. */
static int walk_options(struct packet *p, struct cursor *c)
{
	/* Each turn consumes at least one byte of at most 40: the bound only
	 * makes that explicit. */
	for (int i = 0; i < DEC_MAX_TCP_OPTS && cur_left(c) > 0; i++) {
		uint8_t kind = cur_u8(c);
		if (kind == TCPOPT_EOL) {
			record_kind(p, kind);
			return 0;
		}
		if (kind == TCPOPT_NOP) {
			record_kind(p, kind);
			continue;
		}
		if (cur_left(c) < 1)
			return -1;
		uint8_t olen = cur_u8(c);
		/* olen counts the kind and length bytes. */
		if (olen < 2 || cur_left(c) < (size_t)olen - 2)
			return -1;
		size_t want = fixed_len(kind);
		if (want != 0 && olen != want)
			return -1;
		record_kind(p, kind);
		/* The length was checked against what remains and, for the
		 * kinds read here, against the kind's fixed length. */
		switch (kind) {
		case TCPOPT_MSS:
			p->tcp_mss = cur_be16(c);
			break;
		case TCPOPT_WS:
			p->tcp_wscale = cur_u8(c);
			break;
		case TCPOPT_SACK_OK:
			p->tcp_sack_ok = 1;
			break;
		case TCPOPT_TS:
			p->tcp_has_ts = 1;
			cur_skip(c, TCPOLEN_TS - 2);
			break;
		default:
			cur_skip(c, (size_t)olen - 2);
			break;
		}
	}
	return 0;
}

enum dec_result dec_tcp_seg(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len, int clipped)
{
	struct cursor c;

	st->tcp++;
	cur_init(&c, data, len);
	if (!cur_need(&c, TCP_MIN_HLEN))
		return dec_fail(st, p, DEC_R_TCP_TRUNCATED, DEC_TRUNCATED);

	uint16_t sport = cur_be16(&c);
	uint16_t dport = cur_be16(&c);
	uint32_t seq = cur_be32(&c);
	uint32_t ack = cur_be32(&c);
	uint8_t doff = cur_u8(&c);
	uint8_t flags = cur_u8(&c);
	uint16_t win = cur_be16(&c);
	cur_skip(&c, 4);			/* checksum, urgent pointer */

	size_t hlen = (size_t)(doff >> 4) * 4;
	if (hlen < TCP_MIN_HLEN)
		return dec_fail(st, p, DEC_R_TCP_BAD_HLEN, DEC_MALFORMED);
	if (len < hlen) {
		/* Past the captured bytes is a short capture; past what the
		 * IP length allows is a header that cannot be. */
		if (clipped)
			return dec_fail(st, p, DEC_R_TCP_TRUNCATED,
			    DEC_TRUNCATED);
		return dec_fail(st, p, DEC_R_TCP_BAD_HLEN, DEC_MALFORMED);
	}

	p->sport = sport;
	p->dport = dport;
	p->tcp_seq = seq;
	p->tcp_ack = ack;
	p->tcp_flags = flags;
	p->tcp_win = win;
	p->has_l4 = 1;

	if (hlen > TCP_MIN_HLEN) {
		struct cursor oc;

		cur_init(&oc, data + TCP_MIN_HLEN, hlen - TCP_MIN_HLEN);
		if (walk_options(p, &oc) < 0)
			dec_fail(st, p, DEC_R_TCP_OPT_MALFORMED,
			    DEC_MALFORMED);
	}

	/* len is already the IP layer's effective length: no padding, no
	 * bytes past the capture. */
	p->payload = data + hlen;
	p->payload_len = (uint32_t)(len - hlen);
	return p->result;
}

enum dec_result dec_tcp(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len)
{
	/* Alone we cannot tell a short capture from a short IP length. */
	return dec_tcp_seg(st, p, data, len, 1);
}
