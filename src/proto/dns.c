/* dns.c - DNS / mDNS / DNS-SD message parser (RFC 1035, 6762, 6763).
 *
 * Keeps the header and up to PROTO_MAX_RR questions and records with the
 * rdata device identification and the DNS checks use. Name decompression
 * is where DNS parsers usually break, so it is strict:
 *  - a compression pointer must point strictly before the place it was
 *    read from, so following pointers always moves backwards and cannot
 *    loop, and at most PROTO_DNS_MAX_PTRS are followed per name;
 *  - at most PROTO_DNS_MAX_LABELS labels, and 255 bytes of wire name;
 *  - label types 01 and 10 (extended / obsolete) are rejected.
 * Pure: bytes in, struct out. */
#include "proto/proto.h"

#include <string.h>

#include "config.h"
#include "util/cursor.h"

#define DNS_HDR       12
#define DNS_MAX_NAME 255	/* wire bytes of a name, root included */

#define T_A      1
#define T_NS     2
#define T_CNAME  5
#define T_PTR   12
#define T_TXT   16
#define T_AAAA  28
#define T_SRV   33

/* Read the name at *off of msg[0..len) into out (dotted, no final dot,
 * "" for the root). *off moves past the name's bytes in place (the
 * compression pointer included, not its target). 0 or -1. */
static int dns_name(const uint8_t *msg, size_t len, size_t *off, char *out,
    size_t size)
{
	size_t pos = *off, o = 0, wire = 1, end = 0;
	unsigned ptrs = 0, labels = 0;
	int jumped = 0;

	out[0] = '\0';
	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -1;
		l = msg[pos];
		if (l == 0) {
			pos++;
			break;
		}
		if ((l & 0xc0) == 0xc0) {
			size_t tgt;

			if (len - pos < 2)
				return -1;
			tgt = ((size_t)(l & 0x3f) << 8) | msg[pos + 1];
			if (tgt >= pos || ++ptrs > PROTO_DNS_MAX_PTRS)
				return -1;
			if (!jumped)
				end = pos + 2;
			jumped = 1;
			pos = tgt;
			continue;
		}
		if (l & 0xc0)
			return -1;		/* 01/10 label types */
		if (++labels > PROTO_DNS_MAX_LABELS)
			return -1;
		wire += 1u + l;
		if (wire > DNS_MAX_NAME || len - pos - 1 < l)
			return -1;
		/* 255 wire bytes make at most 253 text bytes: always fits in
		 * PROTO_NAME_LEN; the check guards smaller buffers. */
		if (o + (o ? 1u : 0u) + l + 1 > size)
			return -1;
		if (o)
			out[o++] = '.';
		memcpy(out + o, msg + pos + 1, l);
		o += l;
		out[o] = '\0';
		pos += 1u + l;
	}
	*off = jumped ? end : pos;
	return 0;
}

static void rr_clear(struct app_dns_rr *r)
{
	/* not a full memset: the TXT buffer is large and only txt_len of it
	 * is meaningful */
	r->section = 0;
	r->type = r->rclass = 0;
	r->ttl = 0;
	r->name[0] = '\0';
	memset(&r->addr, 0, sizeof(r->addr));
	r->target[0] = '\0';
	r->port = 0;
	r->txt_len = 0;
}

/* rdata of one record at msg[off..off+rdlen). 0, or -1 when the rdata
 * does not hold what its type says. */
static int dns_rdata(const uint8_t *msg, size_t len, size_t off,
    size_t rdlen, struct app_dns_rr *r)
{
	size_t p = off, n;

	switch (r->type) {
	case T_A:
		if (rdlen != 4)
			return -1;
		addr_set4(&r->addr, msg + off);
		return 0;
	case T_AAAA:
		if (rdlen != 16)
			return -1;
		addr_set6(&r->addr, msg + off);
		return 0;
	case T_SRV:
		if (rdlen < 7)
			return -1;
		r->port = (uint16_t)(((unsigned)msg[off + 4] << 8) |
		    msg[off + 5]);
		p = off + 6;
		/* FALLTHROUGH */
	case T_NS:
	case T_CNAME:
	case T_PTR:
		/* the name must end inside the rdata (its pointers may
		 * reach anywhere before it) */
		if (dns_name(msg, off + rdlen, &p, r->target,
		    sizeof(r->target)) < 0 || p != off + rdlen)
			return -1;
		(void)len;
		return 0;
	case T_TXT:
		n = rdlen < PROTO_MAX_TXT ? rdlen : PROTO_MAX_TXT;
		memcpy(r->txt, msg + off, n);
		r->txt_len = (uint16_t)n;
		return 0;
	default:
		return 0;
	}
}

int proto_parse_dns(const uint8_t *data, size_t len, struct app_dns *out)
{
	struct cursor c;
	uint16_t flags;
	unsigned sec, i, count[4];

	out->nrr = 0;
	out->malformed = 0;
	cur_init(&c, data, len);
	out->id = cur_be16(&c);
	flags = cur_be16(&c);
	out->qdcount = cur_be16(&c);
	out->ancount = cur_be16(&c);
	out->nscount = cur_be16(&c);
	out->arcount = cur_be16(&c);
	if (c.bad)
		return -1;
	out->is_response = (uint8_t)(flags >> 15);
	out->opcode = (uint8_t)((flags >> 11) & 15);
	out->truncated = (uint8_t)((flags >> 9) & 1);
	out->rcode = (uint8_t)(flags & 15);
	/* opcodes 3 and 6..15 are unassigned: not DNS */
	if (out->opcode == 3 || out->opcode > 5)
		return -1;
	count[0] = out->qdcount;
	count[1] = out->ancount;
	count[2] = out->nscount;
	count[3] = out->arcount;

	for (sec = 0; sec < 4; sec++) {
		for (i = 0; i < count[sec]; i++) {
			struct app_dns_rr *r;
			size_t off = c.off;
			uint16_t rdlen;

			if (out->nrr >= PROTO_MAX_RR)
				return 0;	/* kept all we keep */
			r = &out->rr[out->nrr];
			rr_clear(r);
			r->section = (uint8_t)sec;
			if (dns_name(data, len, &off, r->name,
			    sizeof(r->name)) < 0)
				goto bad;
			c.off = off;
			r->type = cur_be16(&c);
			/* top bit: mDNS cache-flush (records) or
			 * unicast-response (questions); unused in DNS */
			r->rclass = cur_be16(&c) & 0x7fff;
			if (c.bad)
				goto bad;
			if (sec == DNS_SEC_QUESTION) {
				out->nrr++;
				continue;
			}
			r->ttl = cur_be32(&c);
			rdlen = cur_be16(&c);
			if (c.bad || cur_left(&c) < rdlen)
				goto bad;
			if (dns_rdata(data, len, c.off, rdlen, r) < 0)
				goto bad;
			c.off += rdlen;
			out->nrr++;
		}
	}
	return 0;
bad:
	/* A message whose first record is already broken is not DNS we can
	 * use; one broken later keeps what came before it. */
	out->malformed = 1;
	return out->nrr ? 0 : -1;
}
