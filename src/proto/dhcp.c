/* dhcp.c - DHCPv4 (RFC 2131/2132) and DHCPv6 (RFC 8415) parsers: the
 * options device identification fingerprints (host name, vendor class,
 * parameter request list, client id, MUD URL, DUID, FQDN, ORO).
 *
 * Pure: bytes in, struct out, every read through a cursor. */
#include "proto/proto.h"

#include <string.h>

#include "config.h"
#include "proto/proto_int.h"
#include "util/cursor.h"

/* ---- text helpers shared by proto/ ----------------------------------- */

void pu_copy_str(char *dst, size_t size, const uint8_t *src, size_t n)
{
	size_t i;

	if (size == 0)
		return;
	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++)
		dst[i] = (char)src[i];
	dst[n] = '\0';
}

void pu_copy_hex(char *dst, size_t size, const uint8_t *src, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t o, i;

	if (size == 0)
		return;
	o = strlen(dst);
	for (i = 0; i < n && o + 2 < size; i++) {
		dst[o++] = hx[src[i] >> 4];
		dst[o++] = hx[src[i] & 15];
	}
	dst[o] = '\0';
}

void pu_append_num(char *dst, size_t size, unsigned v)
{
	char tmp[12];
	size_t o = strlen(dst), n = 0, need, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(tmp));
	need = n + (o ? 1 : 0);
	if (o + need + 1 > size)
		return;
	if (o)
		dst[o++] = ',';
	for (i = 0; i < n; i++)
		dst[o++] = tmp[n - 1 - i];
	dst[o] = '\0';
}

/* ---- DHCPv4 ------------------------------------------------------------ */

#define BOOTP_FIXED   236	/* op .. file, before the magic cookie */
#define DHCP_COOKIE   0x63825363u

static void dhcp_option(struct app_dhcp *out, uint8_t code,
    const uint8_t *v, size_t n)
{
	size_t i;

	switch (code) {
	case 12:
		pu_copy_str(out->hostname, sizeof(out->hostname), v, n);
		break;
	case 50:
		if (n == 4)
			memcpy(out->requested_ip, v, 4);
		break;
	case 53:
		if (n == 1)
			out->msg_type = v[0];
		break;
	case 54:
		if (n == 4)
			memcpy(out->server_id, v, 4);
		break;
	case 55:
		out->prl[0] = '\0';
		for (i = 0; i < n; i++)
			pu_append_num(out->prl, sizeof(out->prl), v[i]);
		break;
	case 60:
		pu_copy_str(out->vendor_class, sizeof(out->vendor_class),
		    v, n);
		break;
	case 61:
		out->client_id[0] = '\0';
		pu_copy_hex(out->client_id, sizeof(out->client_id), v, n);
		break;
	case 161:
		pu_copy_str(out->mud_url, sizeof(out->mud_url), v, n);
		break;
	default:
		break;
	}
}

/* Walk one option area until END or its end; a truncated option ends the
 * walk with what came before it (partial but useful). Returns the value
 * of option 52 (overload) when seen, else 0. */
static uint8_t dhcp_walk(struct app_dhcp *out, const uint8_t *p, size_t n)
{
	struct cursor c;
	uint8_t overload = 0;

	cur_init(&c, p, n);
	while (cur_left(&c) > 0) {
		uint8_t code = cur_u8(&c), l;
		const uint8_t *v;

		if (code == 0)
			continue;		/* pad */
		if (code == 255)
			break;
		l = cur_u8(&c);
		v = cur_bytes(&c, l);
		if (!v)
			break;
		pu_append_num(out->options, sizeof(out->options), code);
		if (code == 52 && l == 1)
			overload = v[0];
		dhcp_option(out, code, v, l);
	}
	return overload;
}

#define BOOTP_SNAME_OFF  44
#define BOOTP_SNAME_LEN  64
#define BOOTP_FILE_OFF  108
#define BOOTP_FILE_LEN  128

int proto_parse_dhcp(const uint8_t *data, size_t len, struct app_dhcp *out)
{
	uint8_t overload;
	struct cursor c;
	uint8_t op, hlen;

	memset(out, 0, sizeof(*out));
	cur_init(&c, data, len);
	op = cur_u8(&c);
	(void)cur_u8(&c);		/* htype */
	hlen = cur_u8(&c);
	(void)cur_u8(&c);		/* hops */
	out->xid = cur_be32(&c);
	(void)cur_skip(&c, 4);		/* secs, flags */
	(void)cur_copy(&c, out->ciaddr, 4);
	(void)cur_copy(&c, out->yiaddr, 4);
	(void)cur_copy(&c, out->siaddr, 4);
	(void)cur_skip(&c, 4);		/* giaddr */
	(void)cur_copy(&c, out->chaddr, 6);
	(void)cur_skip(&c, BOOTP_FIXED - c.off);	/* chaddr pad, sname, file */
	if (c.bad || (op != 1 && op != 2) || hlen > 16)
		return -1;
	out->op = op;
	/* Plain BOOTP (no cookie) is still BOOTP: header only. */
	if (cur_left(&c) < 4 || cur_be32(&c) != DHCP_COOKIE)
		return 0;
	overload = dhcp_walk(out, cur_here(&c), cur_left(&c));
	/* Option overload (52): more options in the file field, then in
	 * sname (RFC 2131 4.1 order); each area is walked once, flat. */
	if (overload & 1)
		(void)dhcp_walk(out, data + BOOTP_FILE_OFF, BOOTP_FILE_LEN);
	if (overload & 2)
		(void)dhcp_walk(out, data + BOOTP_SNAME_OFF, BOOTP_SNAME_LEN);
	return 0;
}

/* ---- DHCPv6 ------------------------------------------------------------ */

#define D6_RELAY_FORW 12
#define D6_RELAY_REPL 13
#define D6_RELAY_HDR  34	/* type, hop count, link + peer address */
#define D6_OPT_CLIENTID    1
#define D6_OPT_ORO         6
#define D6_OPT_RELAY_MSG   9
#define D6_OPT_VENDOR_CLASS 16
#define D6_OPT_FQDN       39

/* Client FQDN option: flags, then a DNS wire name without compression,
 * possibly partial (no root label). Labels joined with dots. */
static void d6_fqdn(char *dst, size_t size, const uint8_t *v, size_t n)
{
	struct cursor c;
	size_t o = 0;

	dst[0] = '\0';
	cur_init(&c, v, n);
	(void)cur_u8(&c);		/* flags */
	while (!c.bad && cur_left(&c) > 0) {
		uint8_t l = cur_u8(&c);
		const uint8_t *lab;
		size_t i;

		if (l == 0 || l > 63)
			break;
		lab = cur_bytes(&c, l);
		if (!lab)
			break;
		if (o + (o ? 1u : 0u) + l + 1 > size)
			break;
		if (o)
			dst[o++] = '.';
		for (i = 0; i < l; i++)
			dst[o++] = (char)lab[i];
		dst[o] = '\0';
	}
}

static void d6_option(struct app_dhcp6 *out, uint16_t code,
    const uint8_t *v, size_t n)
{
	struct cursor c;

	switch (code) {
	case D6_OPT_CLIENTID:
		out->duid[0] = '\0';
		pu_copy_hex(out->duid, sizeof(out->duid), v, n);
		break;
	case D6_OPT_ORO:
		out->oro[0] = '\0';
		cur_init(&c, v, n);
		while (cur_left(&c) >= 2)
			pu_append_num(out->oro, sizeof(out->oro),
			    cur_be16(&c));
		break;
	case D6_OPT_VENDOR_CLASS: {
		/* enterprise number, then length-prefixed opaque strings:
		 * the first one is kept */
		const uint8_t *s;
		uint16_t l;

		cur_init(&c, v, n);
		out->vendor_enterprise = cur_be32(&c);
		l = cur_be16(&c);
		s = cur_bytes(&c, l);
		if (s)
			pu_copy_str(out->vendor_class,
			    sizeof(out->vendor_class), s, l);
		break;
	}
	case D6_OPT_FQDN:
		d6_fqdn(out->hostname, sizeof(out->hostname), v, n);
		break;
	default:
		break;
	}
}

int proto_parse_dhcp6(const uint8_t *data, size_t len,
    struct app_dhcp6 *out)
{
	struct cursor c;
	unsigned depth;

	memset(out, 0, sizeof(*out));
	cur_init(&c, data, len);
	/* Relay envelopes: find the Relay Message option and continue with
	 * its contents (a loop with a depth cap, never recursion). */
	for (depth = 0;; depth++) {
		uint8_t type;

		if (cur_left(&c) < 4)
			return -1;
		type = data[c.off];
		if (type != D6_RELAY_FORW && type != D6_RELAY_REPL)
			break;
		if (depth >= PROTO_DHCP6_MAX_RELAY ||
		    cur_skip(&c, D6_RELAY_HDR) < 0)
			return -1;
		for (;;) {
			uint16_t code = cur_be16(&c), n = cur_be16(&c);

			if (c.bad || cur_left(&c) < n)
				return -1;
			if (code == D6_OPT_RELAY_MSG) {
				c.len = c.off + n;
				break;
			}
			c.off += n;
		}
	}
	out->msg_type = cur_u8(&c);
	out->xid = (uint32_t)cur_u8(&c) << 16;
	out->xid |= cur_be16(&c);
	/* RFC 8415 and its extensions use types 1..36; 0 is invalid */
	if (c.bad || out->msg_type == 0 || out->msg_type > 36)
		return -1;
	while (cur_left(&c) >= 4) {
		uint16_t code = cur_be16(&c), n = cur_be16(&c);
		const uint8_t *v = cur_bytes(&c, n);

		if (!v)
			break;			/* truncated: keep what we have */
		d6_option(out, code, v, n);
	}
	return 0;
}
