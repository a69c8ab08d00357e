/* test_proto_udp.c - the UDP parsers of proto/ (DHCPv4, DHCPv6, DNS/mDNS,
 * SSDP, NTP) on messages built by the simulator and on hostile bytes
 * (compression loops, truncation at every length), and proto_inspect()'s
 * dispatch, counters and record budget with nDPI off. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "flow/flow.h"
#include "proto/proto.h"
#include "sim/sim_internal.h"

static const uint8_t MAC1[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

/* Parse a copy of exactly n bytes in a heap block of that size, so ASan
 * catches any read past the end. */
#define PARSE_EXACT(fn, buf, n, out) ({ \
	uint8_t *cp_ = malloc((n) ? (n) : 1); \
	assert_non_null(cp_); \
	memcpy(cp_, (buf), (n)); \
	int rc_ = fn(cp_, (n), (out)); \
	free(cp_); \
	rc_; })

/* ---- DHCPv4 ----------------------------------------------------------- */

static size_t build_discover(uint8_t *buf, size_t cap)
{
	static const uint8_t prl[] = { 1, 3, 6, 15, 119, 252 };
	struct sim_dhcp m;

	memset(&m, 0, sizeof(m));
	m.type = SIM_DHCP_DISCOVER;
	m.xid = 0xdeadbeef;
	memcpy(m.chaddr, MAC1, 6);
	m.client_id = 1;
	m.max_size = 1500;
	m.req_ip = 0xc0a80164u;
	m.hostname = "cam-aabbcc";
	m.vendor_class = "udhcp 1.30.1";
	m.prl = prl;
	m.prl_len = sizeof(prl);
	return sim_dhcp_build(buf, cap, &m);
}

static void test_dhcp_discover(void **state)
{
	uint8_t buf[600];
	struct app_dhcp d;
	size_t n = build_discover(buf, sizeof(buf));

	(void)state;
	assert_true(n >= 300);
	assert_int_equal(PARSE_EXACT(proto_parse_dhcp, buf, n, &d), 0);
	assert_int_equal(d.op, 1);
	assert_int_equal(d.msg_type, 1);
	assert_int_equal(d.xid, 0xdeadbeef);
	assert_memory_equal(d.chaddr, MAC1, 6);
	assert_string_equal(d.hostname, "cam-aabbcc");
	assert_string_equal(d.vendor_class, "udhcp 1.30.1");
	assert_string_equal(d.prl, "1,3,6,15,119,252");
	assert_string_equal(d.client_id, "01021122334455");
	assert_memory_equal(d.requested_ip, "\xc0\xa8\x01\x64", 4);
	assert_string_equal(d.options, "53,61,57,50,12,60,55");
	assert_string_equal(d.mud_url, "");
}

static void test_dhcp_ack_and_mud(void **state)
{
	uint8_t buf[600];
	struct sim_dhcp m;
	struct app_dhcp d;
	size_t n, end;
	static const char url[] = "https://mud.example.com/cam.json";

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = SIM_DHCP_ACK;
	m.xid = 7;
	m.yiaddr = 0xc0a80164u;
	m.server_id = 0xc0a80101u;
	m.lease = 86400;
	m.router = 0xc0a80101u;
	memcpy(m.chaddr, MAC1, 6);
	n = sim_dhcp_build(buf, sizeof(buf), &m);
	assert_true(n > 240);
	assert_int_equal(proto_parse_dhcp(buf, n, &d), 0);
	assert_int_equal(d.op, 2);
	assert_int_equal(d.msg_type, 5);
	assert_memory_equal(d.yiaddr, "\xc0\xa8\x01\x64", 4);
	assert_memory_equal(d.server_id, "\xc0\xa8\x01\x01", 4);

	/* MUD URL (161) inserted before END */
	for (end = 240; end < n && buf[end] != 255; end += 2u + buf[end + 1])
		;
	assert_true(end < n);
	buf[end] = 161;
	buf[end + 1] = (uint8_t)strlen(url);
	memcpy(buf + end + 2, url, strlen(url));
	buf[end + 2 + strlen(url)] = 255;
	n = end + 3 + strlen(url);
	assert_int_equal(PARSE_EXACT(proto_parse_dhcp, buf, n, &d), 0);
	assert_string_equal(d.mud_url, url);
	assert_non_null(strstr(d.options, ",161"));
}

/* Option overload (52 = 3): options continue in file, then sname. */
static void test_dhcp_overload(void **state)
{
	uint8_t buf[600];
	struct app_dhcp d;
	size_t n = build_discover(buf, sizeof(buf)), end;

	(void)state;
	for (end = 240; end < n && buf[end] != 255; end += 2u + buf[end + 1])
		;
	assert_true(end + 4 <= n);
	memcpy(buf + end, "\x34\x01\x03\xff", 4);
	memcpy(buf + 108, "\x0c\x04" "abcd\xff", 7);		/* file */
	memcpy(buf + 44, "\x00\xa1\x03" "m:x\xff", 7);	/* sname */
	assert_int_equal(PARSE_EXACT(proto_parse_dhcp, buf, n, &d), 0);
	assert_string_equal(d.hostname, "abcd");
	assert_string_equal(d.mud_url, "m:x");
	assert_string_equal(d.options, "53,61,57,50,12,60,55,52,12,161");
	/* without the overload the fields are not options */
	buf[end + 2] = 0;
	assert_int_equal(proto_parse_dhcp(buf, n, &d), 0);
	assert_string_equal(d.hostname, "cam-aabbcc");
}

static void test_dhcp_hostile(void **state)
{
	uint8_t buf[600];
	struct app_dhcp d;
	size_t n = build_discover(buf, sizeof(buf)), i;

	(void)state;
	/* every truncation: header cut -> -1, options cut -> partial 0 */
	for (i = 0; i <= n; i++) {
		int rc = PARSE_EXACT(proto_parse_dhcp, buf, i, &d);
		if (i < 236)
			assert_int_equal(rc, -1);
		else
			assert_int_equal(rc, 0);
	}
	/* cut inside option 12's value: options before it are kept */
	assert_int_equal(proto_parse_dhcp(buf, 240 + 3 + 9 + 4 + 6 + 2 + 3,
	    &d), 0);
	assert_int_equal(d.msg_type, 1);
	assert_string_equal(d.hostname, "");
	/* not BOOTP */
	buf[0] = 7;
	assert_int_equal(proto_parse_dhcp(buf, n, &d), -1);
	buf[0] = 1;
	/* no magic cookie: plain BOOTP, no options */
	buf[236] = 0;
	assert_int_equal(proto_parse_dhcp(buf, n, &d), 0);
	assert_int_equal(d.msg_type, 0);
	assert_string_equal(d.options, "");
	/* an option length running past the end */
	n = build_discover(buf, sizeof(buf));
	buf[257] = 250;		/* option 50's length */
	assert_int_equal(proto_parse_dhcp(buf, n, &d), 0);
	assert_string_equal(d.options, "53,61,57");
}

/* ---- DHCPv6 ----------------------------------------------------------- */

static size_t put_opt6(uint8_t *b, size_t o, uint16_t code, const void *v,
    size_t n)
{
	b[o] = (uint8_t)(code >> 8);
	b[o + 1] = (uint8_t)code;
	b[o + 2] = (uint8_t)(n >> 8);
	b[o + 3] = (uint8_t)n;
	memcpy(b + o + 4, v, n);
	return o + 4 + n;
}

static size_t build_solicit(uint8_t *b)
{
	static const uint8_t duid[] = { 0, 1, 0, 1, 0x2a, 0x3b, 0x4c, 0x5d,
		0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t oro[] = { 0, 23, 0, 24, 0, 39 };
	static const uint8_t fqdn[] = { 0, 5, 'p', 'h', 'o', 'n', 'e', 4, 'h',
		'o', 'm', 'e', 0 };
	static const uint8_t vc[] = { 0, 0, 0x01, 0x37, 0, 8, 'M', 'S', 'F',
		'T', ' ', '5', '.', '0' };
	size_t o = 4;

	b[0] = 1;
	b[1] = 0xab;
	b[2] = 0xcd;
	b[3] = 0xef;
	o = put_opt6(b, o, 1, duid, sizeof(duid));
	o = put_opt6(b, o, 6, oro, sizeof(oro));
	o = put_opt6(b, o, 39, fqdn, sizeof(fqdn));
	o = put_opt6(b, o, 16, vc, sizeof(vc));
	return o;
}

static void check_solicit(const struct app_dhcp6 *d)
{
	assert_int_equal(d->msg_type, 1);
	assert_int_equal(d->xid, 0xabcdef);
	assert_string_equal(d->duid, "000100012a3b4c5d021122334455");
	assert_string_equal(d->oro, "23,24,39");
	assert_string_equal(d->hostname, "phone.home");
	assert_int_equal(d->vendor_enterprise, 311);
	assert_string_equal(d->vendor_class, "MSFT 5.0");
}

static void test_dhcp6(void **state)
{
	uint8_t b[256], r[512];
	struct app_dhcp6 d;
	size_t n = build_solicit(b), rn, i;

	(void)state;
	assert_int_equal(PARSE_EXACT(proto_parse_dhcp6, b, n, &d), 0);
	check_solicit(&d);

	/* the same inside a Relay-forward envelope */
	memset(r, 0, sizeof(r));
	r[0] = 12;
	rn = put_opt6(r, 34, 18, "eth0", 4);	/* interface id first */
	rn = put_opt6(r, rn, 9, b, n);
	assert_int_equal(PARSE_EXACT(proto_parse_dhcp6, r, rn, &d), 0);
	check_solicit(&d);

	/* relays nested deeper than the cap are refused */
	for (i = 0; i < 6; i++) {
		uint8_t t[512];
		memset(t, 0, 34);
		t[0] = 12;
		rn = put_opt6(t, 34, 9, r, rn);
		assert_true(rn < sizeof(r));
		memcpy(r, t, rn);
	}
	assert_int_equal(proto_parse_dhcp6(r, rn, &d), -1);

	/* truncation at every length never reads outside */
	for (i = 0; i <= n; i++) {
		int rc = PARSE_EXACT(proto_parse_dhcp6, b, i, &d);
		assert_int_equal(rc, i < 4 ? -1 : 0);
	}
	b[0] = 0;
	assert_int_equal(proto_parse_dhcp6(b, n, &d), -1);
}

/* ---- DNS / mDNS ------------------------------------------------------- */

static void test_dns_query_response(void **state)
{
	uint8_t buf[1024];
	struct app_dns d;
	struct sim_dns_q q = { "www.example.com", SIM_DNS_A, SIM_DNS_IN };
	struct sim_dns_rr an[2];
	size_t n;

	(void)state;
	n = sim_dns_build(buf, sizeof(buf), 0x1234, 0x0100, &q, 1, NULL, 0,
	    NULL, 0);
	assert_true(n > 12);
	assert_int_equal(PARSE_EXACT(proto_parse_dns, buf, n, &d), 0);
	assert_int_equal(d.id, 0x1234);
	assert_int_equal(d.is_response, 0);
	assert_int_equal(d.qdcount, 1);
	assert_int_equal(d.nrr, 1);
	assert_string_equal(d.rr[0].name, "www.example.com");
	assert_int_equal(d.rr[0].type, 1);
	assert_int_equal(d.rr[0].section, DNS_SEC_QUESTION);

	memset(an, 0, sizeof(an));
	an[0].name = "www.example.com";
	an[0].type = SIM_DNS_CNAME;
	an[0].cls = SIM_DNS_IN;
	an[0].ttl = 300;
	an[0].target = "edge.cdn.example.net";
	an[1].name = "edge.cdn.example.net";
	an[1].type = SIM_DNS_A;
	an[1].cls = SIM_DNS_IN;
	an[1].ttl = 60;
	an[1].a = 0x5db8d822u;
	n = sim_dns_build(buf, sizeof(buf), 0x1234, 0x8180, &q, 1, an, 2,
	    NULL, 0);
	assert_int_equal(PARSE_EXACT(proto_parse_dns, buf, n, &d), 0);
	assert_int_equal(d.is_response, 1);
	assert_int_equal(d.rcode, 0);
	assert_int_equal(d.ancount, 2);
	assert_int_equal(d.nrr, 3);
	assert_int_equal(d.malformed, 0);
	assert_int_equal(d.rr[1].section, DNS_SEC_ANSWER);
	assert_int_equal(d.rr[1].type, 5);
	assert_int_equal(d.rr[1].ttl, 300);
	assert_string_equal(d.rr[1].target, "edge.cdn.example.net");
	assert_string_equal(d.rr[2].name, "edge.cdn.example.net");
	assert_int_equal(d.rr[2].addr.family, 4);
	assert_memory_equal(d.rr[2].addr.a, "\x5d\xb8\xd8\x22", 4);
}

static void test_mdns_announce(void **state)
{
	static const char *const txt[] = { "md=Hue Bridge", "id=0011" };
	static const uint8_t v6[16] = { 0xfe, 0x80, [15] = 1 };
	uint8_t buf[1500];
	struct app_dns d;
	struct sim_dns_rr an[3], ar[2];
	size_t n;

	(void)state;
	memset(an, 0, sizeof(an));
	memset(ar, 0, sizeof(ar));
	an[0] = (struct sim_dns_rr){ .name = "_hue._tcp.local",
		.type = SIM_DNS_PTR, .cls = SIM_DNS_IN, .ttl = 4500,
		.target = "Hue Bridge - 0011._hue._tcp.local" };
	an[1] = (struct sim_dns_rr){ .name =
		"Hue Bridge - 0011._hue._tcp.local", .type = SIM_DNS_SRV,
		.cls = SIM_DNS_IN | SIM_DNS_FLUSH, .ttl = 120, .port = 443,
		.target = "hue-0011.local" };
	an[2] = (struct sim_dns_rr){ .name =
		"Hue Bridge - 0011._hue._tcp.local", .type = SIM_DNS_TXT,
		.cls = SIM_DNS_IN | SIM_DNS_FLUSH, .ttl = 4500, .txt = txt,
		.ntxt = 2 };
	ar[0] = (struct sim_dns_rr){ .name = "hue-0011.local",
		.type = SIM_DNS_A, .cls = SIM_DNS_IN | SIM_DNS_FLUSH,
		.ttl = 120, .a = 0xc0a80105u };
	ar[1] = (struct sim_dns_rr){ .name = "hue-0011.local",
		.type = SIM_DNS_AAAA, .cls = SIM_DNS_IN | SIM_DNS_FLUSH,
		.ttl = 120, .aaaa = v6 };
	n = sim_dns_build(buf, sizeof(buf), 0, 0x8400, NULL, 0, an, 3, ar, 2);
	assert_true(n > 12);
	assert_int_equal(PARSE_EXACT(proto_parse_dns, buf, n, &d), 0);
	assert_int_equal(d.nrr, 5);
	assert_int_equal(d.malformed, 0);
	assert_string_equal(d.rr[0].target,
	    "Hue Bridge - 0011._hue._tcp.local");
	assert_int_equal(d.rr[1].type, 33);
	assert_int_equal(d.rr[1].rclass, 1);	/* cache-flush bit stripped */
	assert_int_equal(d.rr[1].port, 443);
	assert_string_equal(d.rr[1].target, "hue-0011.local");
	assert_int_equal(d.rr[2].type, 16);
	assert_int_equal(d.rr[2].txt_len, 1 + 13 + 1 + 7);
	assert_memory_equal(d.rr[2].txt, "\x0dmd=Hue Bridge\x07id=0011", 22);
	assert_int_equal(d.rr[3].section, DNS_SEC_ADDITIONAL);
	assert_int_equal(d.rr[4].addr.family, 6);
	assert_memory_equal(d.rr[4].addr.a, v6, 16);
}

static void test_dns_truncation(void **state)
{
	uint8_t buf[1500];
	struct app_dns d;
	struct sim_dns_q q = { "a.very.long.name.example.org", SIM_DNS_A,
		SIM_DNS_IN };
	struct sim_dns_rr an[3];
	size_t n, i, qend;
	unsigned j;

	(void)state;
	memset(an, 0, sizeof(an));
	for (j = 0; j < 3; j++) {
		an[j].name = "a.very.long.name.example.org";
		an[j].type = SIM_DNS_A;
		an[j].cls = SIM_DNS_IN;
		an[j].a = 0x01020300u + j;
	}
	n = sim_dns_build(buf, sizeof(buf), 9, 0x8180, &q, 1, an, 3, NULL, 0);
	qend = 12 + 30 + 4;
	for (i = 0; i <= n; i++) {
		int rc = PARSE_EXACT(proto_parse_dns, buf, i, &d);
		if (i < qend) {
			assert_int_equal(rc, -1);
		} else {
			assert_int_equal(rc, 0);
			assert_true(d.nrr >= 1);
			assert_int_equal(d.malformed, i < n);
		}
	}
}

static void test_dns_hostile(void **state)
{
	struct app_dns d;
	/* question name is a pointer to itself */
	static const uint8_t self[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		0xc0, 12, 0, 1, 0, 1 };
	/* forward pointer (to offset 14, after it) */
	static const uint8_t fwd[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		0xc0, 14, 1, 'a', 0, 0, 1, 0, 1 };
	/* label then a pointer back to that label: a loop */
	static const uint8_t loop[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		1, 'a', 0xc0, 12, 0, 1, 0, 1 };
	/* 64-byte label, and label type 01 */
	uint8_t big[12 + 70] = { 0, 1, 0, 0, 0, 1 };
	static const uint8_t ext[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		0x41, 'a', 0, 0, 1, 0, 1 };
	uint8_t longn[600];
	size_t o, i;

	(void)state;
	assert_int_equal(PARSE_EXACT(proto_parse_dns, self, sizeof(self), &d),
	    -1);
	assert_int_equal(d.malformed, 1);
	assert_int_equal(PARSE_EXACT(proto_parse_dns, fwd, sizeof(fwd), &d),
	    -1);
	assert_int_equal(PARSE_EXACT(proto_parse_dns, loop, sizeof(loop), &d),
	    -1);
	big[12] = 64;
	memset(big + 13, 'x', 64);
	assert_int_equal(PARSE_EXACT(proto_parse_dns, big, sizeof(big), &d),
	    -1);
	assert_int_equal(PARSE_EXACT(proto_parse_dns, ext, sizeof(ext), &d),
	    -1);

	/* 4 labels of 63 = 256 wire bytes with the root: one too many */
	memset(longn, 0, sizeof(longn));
	longn[5] = 1;
	o = 12;
	for (i = 0; i < 4; i++) {
		longn[o] = 63;
		memset(longn + o + 1, 'y', 63);
		o += 64;
	}
	longn[o++] = 0;
	longn[o + 1] = 1;
	longn[o + 3] = 1;
	o += 4;
	assert_int_equal(PARSE_EXACT(proto_parse_dns, longn, o, &d), -1);
	/* 3 labels of 63 + one of 61 = 255: the longest legal name */
	longn[12 + 192] = 61;
	memmove(longn + 12 + 192 + 62, longn + 12 + 256, 5);
	o = 12 + 192 + 62 + 5;
	assert_int_equal(PARSE_EXACT(proto_parse_dns, longn, o, &d), 0);
	assert_int_equal(strlen(d.rr[0].name), 253);

	/* opcode 7: not DNS; too short: not DNS */
	{
		uint8_t h[12] = { 0, 1, 0x38, 0 };
		assert_int_equal(proto_parse_dns(h, 12, &d), -1);
		h[2] = 0;
		assert_int_equal(proto_parse_dns(h, 12, &d), 0);
		assert_int_equal(proto_parse_dns(h, 11, &d), -1);
	}
	/* more records than kept: stops at PROTO_MAX_RR, not an error */
	{
		uint8_t m[12 + 40 * 5] = { 0, 1, 0, 0, 0, 40 };
		for (i = 0; i < 40; i++) {
			m[12 + i * 5 + 2] = 1;
			m[12 + i * 5 + 4] = 1;
		}
		assert_int_equal(proto_parse_dns(m, sizeof(m), &d), 0);
		assert_int_equal(d.nrr, PROTO_MAX_RR);
		assert_int_equal(d.malformed, 0);
	}
}

/* A chain of backward pointers: record 1's rdata (an unknown type, so
 * opaque) holds a root label then `hops` pointers each to the one before;
 * record 2's name is a pointer to the last. Within PROTO_DNS_MAX_PTRS the
 * name resolves (to the root), beyond it the record is refused. */
static size_t build_chain(uint8_t *m, unsigned hops)
{
	size_t o = 12, k, last, rd;

	memset(m, 0, 12);
	m[7] = 2;				/* ancount */
	m[o++] = 0;				/* record 1: root name */
	m[o++] = 0;
	m[o++] = 99;				/* type 99 */
	m[o++] = 0;
	m[o++] = 1;
	o += 4;					/* ttl */
	m[o++] = 0;
	m[o++] = (uint8_t)(1 + 2 * hops);	/* rdlength */
	rd = o;
	m[o++] = 0;
	last = rd;
	for (k = 0; k < hops; k++) {
		size_t here = o;
		m[o++] = 0xc0;
		m[o++] = (uint8_t)last;
		last = here;
	}
	m[o++] = 0xc0;				/* record 2's name */
	m[o++] = (uint8_t)last;
	m[o++] = 0;
	m[o++] = 1;				/* type A */
	m[o++] = 0;
	m[o++] = 1;
	o += 4;
	m[o++] = 0;
	m[o++] = 4;
	memcpy(m + o, "\x0a\x00\x00\x01", 4);
	return o + 4;
}

static void test_dns_pointer_chain(void **state)
{
	uint8_t m[256];
	struct app_dns d;
	size_t n;

	(void)state;
	/* record 2's own pointer + hops in the rdata */
	n = build_chain(m, PROTO_DNS_MAX_PTRS - 1);
	assert_int_equal(PARSE_EXACT(proto_parse_dns, m, n, &d), 0);
	assert_int_equal(d.nrr, 2);
	assert_int_equal(d.malformed, 0);
	assert_string_equal(d.rr[1].name, "");
	assert_memory_equal(d.rr[1].addr.a, "\x0a\x00\x00\x01", 4);
	n = build_chain(m, PROTO_DNS_MAX_PTRS);
	assert_int_equal(PARSE_EXACT(proto_parse_dns, m, n, &d), 0);
	assert_int_equal(d.nrr, 1);
	assert_int_equal(d.malformed, 1);
}

/* ---- SSDP ------------------------------------------------------------- */

static void test_ssdp(void **state)
{
	uint8_t buf[1024];
	struct app_ssdp s;
	size_t n, i;
	static const char lower[] =
	    "notify * HTTP/1.1\r\nhost: 239.255.255.250:1900\r\n"
	    "nt:   upnp:rootdevice  \r\nnts: ssdp:byebye\r\n"
	    "usn: uuid:x::upnp:rootdevice\r\n\r\nSERVER: ignored\r\n";

	(void)state;
	n = sim_ssdp_notify(buf, sizeof(buf), "http://192.168.1.5:80/d.xml",
	    "upnp:rootdevice", "uuid:1234::upnp:rootdevice",
	    "Linux/3.14 UPnP/1.0 IpBridge/1.26.0");
	assert_true(n > 0);
	assert_int_equal(PARSE_EXACT(proto_parse_ssdp, buf, n, &s), 0);
	assert_int_equal(s.kind, 1);
	assert_string_equal(s.server, "Linux/3.14 UPnP/1.0 IpBridge/1.26.0");
	assert_string_equal(s.st, "upnp:rootdevice");
	assert_string_equal(s.usn, "uuid:1234::upnp:rootdevice");
	assert_string_equal(s.location, "http://192.168.1.5:80/d.xml");
	assert_string_equal(s.nts, "ssdp:alive");

	n = sim_ssdp_msearch(buf, sizeof(buf), "ssdp:all",
	    "Android/13 UPnP/1.1 Client/1.0");
	assert_int_equal(PARSE_EXACT(proto_parse_ssdp, buf, n, &s), 0);
	assert_int_equal(s.kind, 2);
	assert_string_equal(s.st, "ssdp:all");
	assert_string_equal(s.server, "Android/13 UPnP/1.1 Client/1.0");

	n = sim_ssdp_reply(buf, sizeof(buf), "http://192.168.1.9:1400/x.xml",
	    "urn:schemas-upnp-org:device:ZonePlayer:1", "uuid:RINCON_1",
	    "Linux UPnP/1.0 Sonos/70.3", 1700000000000000ull);
	assert_int_equal(PARSE_EXACT(proto_parse_ssdp, buf, n, &s), 0);
	assert_int_equal(s.kind, 3);
	assert_string_equal(s.st, "urn:schemas-upnp-org:device:ZonePlayer:1");
	assert_string_equal(s.server, "Linux UPnP/1.0 Sonos/70.3");

	/* lower-case names, padded values, headers after the blank line
	 * are not part of the head */
	assert_int_equal(PARSE_EXACT(proto_parse_ssdp, lower, sizeof(lower) - 1,
	    &s), 0);
	assert_string_equal(s.st, "upnp:rootdevice");
	assert_string_equal(s.nts, "ssdp:byebye");
	assert_string_equal(s.server, "");

	/* every truncation is safe; a cut start line is not SSDP */
	n = sim_ssdp_notify(buf, sizeof(buf), "http://192.168.1.5:80/d.xml",
	    "upnp:rootdevice", "uuid:1234", "S");
	for (i = 0; i <= n; i++) {
		int rc = PARSE_EXACT(proto_parse_ssdp, buf, i, &s);
		assert_int_equal(rc, i < strlen("NOTIFY * HTTP/1.") ? -1 : 0);
	}
	assert_int_equal(proto_parse_ssdp((const uint8_t *)"GET / HTTP/1.1\r\n",
	    16, &s), -1);
	assert_int_equal(proto_parse_ssdp((const uint8_t *)"HTTP/1.1 404 x\r\n",
	    16, &s), -1);
}

/* ---- NTP -------------------------------------------------------------- */

static void test_ntp(void **state)
{
	uint8_t buf[64];
	struct app_ntp t;
	size_t n, i;

	(void)state;
	n = sim_ntp_build(buf, sizeof(buf), SIM_NTP_CLIENT, 1700000000000000ull,
	    0, 0);
	assert_int_equal(n, 48);
	assert_int_equal(PARSE_EXACT(proto_parse_ntp, buf, n, &t), 0);
	assert_int_equal(t.version, 4);
	assert_int_equal(t.mode, 3);
	n = sim_ntp_build(buf, sizeof(buf), SIM_NTP_SERVER, 1700000000000000ull,
	    sim_ntp_time(1700000000000000ull), 0x47505300u);
	assert_int_equal(PARSE_EXACT(proto_parse_ntp, buf, n, &t), 0);
	assert_int_equal(t.mode, 4);
	assert_true(t.stratum >= 1);
	for (i = 0; i < 48; i++)
		assert_int_equal(PARSE_EXACT(proto_parse_ntp, buf, i, &t), -1);
	/* mode 7 (monlist request, 8 bytes): accepted without stratum */
	{
		static const uint8_t mon[8] = { 0x17, 0, 3, 42 };
		assert_int_equal(proto_parse_ntp(mon, 8, &t), 0);
		assert_int_equal(t.mode, 7);
		assert_int_equal(t.version, 2);
		assert_int_equal(proto_parse_ntp(mon, 7, &t), -1);
	}
	buf[0] = 0x03;		/* version 0 */
	assert_int_equal(proto_parse_ntp(buf, 48, &t), -1);
}

/* ---- proto_inspect (nDPI off) ------------------------------------------ */

struct pk {
	uint8_t frame[1600];
	struct packet p;
	struct dec_stats ds;
};

static void mk_udp(struct pk *k, uint32_t sip, uint32_t dip, uint16_t sp,
    uint16_t dp, const void *pl, size_t plen)
{
	struct sim_l3 h;
	size_t n;

	memset(&h, 0, sizeof(h));
	memcpy(h.smac, MAC1, 6);
	h.dmac[0] = 0x02;
	h.sip = sip;
	h.dip = dip;
	h.ttl = 64;
	n = sim_build_udp4(k->frame, sizeof(k->frame), &h, sp, dp, pl, plen);
	assert_true(n > 0);
	memset(&k->ds, 0, sizeof(k->ds));
	assert_int_equal(dec_packet(&k->ds, &k->p, DEC_LINK_ETHERNET,
	    k->frame, (uint32_t)n, (uint32_t)n, 1700000000000000000ull),
	    DEC_OK);
}

static struct proto *new_nondpi(void)
{
	struct proto_config cfg;
	char err[128];
	struct proto *ps;

	proto_config_default(&cfg);
	cfg.ndpi = 0;
	ps = proto_new(&cfg, err, sizeof(err));
	assert_non_null(ps);
	return ps;
}

static void test_inspect_dispatch(void **state)
{
	static struct app_meta m;	/* large: keep off the stack */
	static struct pk k;
	uint8_t pl[600];
	size_t n;
	struct proto *ps = new_nondpi();
	const struct proto_stats *st = proto_stats(ps);
	struct sim_dns_q q = { "time.example.com", SIM_DNS_A, SIM_DNS_IN };

	(void)state;
	n = build_discover(pl, sizeof(pl));
	mk_udp(&k, 0, 0xffffffffu, 68, 67, pl, n);
	proto_inspect(ps, &k.p, NULL, 1, &m);
	assert_int_equal(m.kind, APP_DHCP);
	assert_int_equal(m.to_server, 1);
	assert_string_equal(m.u.dhcp.hostname, "cam-aabbcc");

	n = sim_dns_build(pl, sizeof(pl), 1, 0x0100, &q, 1, NULL, 0, NULL, 0);
	mk_udp(&k, 0xc0a80164u, 0xc0a80101u, 40000, 53, pl, n);
	proto_inspect(ps, &k.p, NULL, 1, &m);
	assert_int_equal(m.kind, APP_DNS);
	assert_string_equal(m.u.dns.rr[0].name, "time.example.com");
	/* the answer direction: source port 53 */
	mk_udp(&k, 0xc0a80101u, 0xc0a80164u, 53, 40000, pl, n);
	proto_inspect(ps, &k.p, NULL, 0, &m);
	assert_int_equal(m.kind, APP_DNS);
	assert_int_equal(m.to_server, 0);

	mk_udp(&k, 0xc0a80164u, 0xe00000fbu, 5353, 5353, pl, n);
	proto_inspect(ps, &k.p, NULL, 1, &m);
	assert_int_equal(m.kind, APP_MDNS);

	n = sim_ssdp_msearch(pl, sizeof(pl), "ssdp:all", "x");
	mk_udp(&k, 0xc0a80164u, 0xeffffffau, 50000, 1900, pl, n);
	proto_inspect(ps, &k.p, NULL, 1, &m);
	assert_int_equal(m.kind, APP_SSDP);

	n = sim_ntp_build(pl, sizeof(pl), SIM_NTP_CLIENT, 1, 0, 0);
	mk_udp(&k, 0xc0a80164u, 0x01020304u, 123, 123, pl, n);
	proto_inspect(ps, &k.p, NULL, 1, &m);
	assert_int_equal(m.kind, APP_NTP);

	n = build_solicit(pl);
	mk_udp(&k, 0, 0, 546, 547, pl, n);	/* addresses do not matter */
	proto_inspect(ps, &k.p, NULL, 1, &m);
	assert_int_equal(m.kind, APP_DHCP6);

	/* junk on 53 and on 1900: counted malformed, kind stays NONE */
	mk_udp(&k, 0xc0a80164u, 0xc0a80101u, 40001, 53, "xx", 2);
	proto_inspect(ps, &k.p, NULL, 1, &m);
	assert_int_equal(m.kind, APP_NONE);
	mk_udp(&k, 0xc0a80164u, 0xc0a80101u, 40001, 1900, "hello", 5);
	proto_inspect(ps, &k.p, NULL, 1, &m);
	assert_int_equal(m.kind, APP_NONE);
	/* other ports: not parsed, not malformed */
	mk_udp(&k, 0xc0a80164u, 0xc0a80101u, 40001, 9999, pl, n);
	proto_inspect(ps, &k.p, NULL, 1, &m);
	assert_int_equal(m.kind, APP_NONE);

	assert_int_equal(st->parsed[APP_DHCP], 1);
	assert_int_equal(st->parsed[APP_DNS], 2);
	assert_int_equal(st->parsed[APP_MDNS], 1);
	assert_int_equal(st->parsed[APP_SSDP], 1);
	assert_int_equal(st->parsed[APP_NTP], 1);
	assert_int_equal(st->parsed[APP_DHCP6], 1);
	assert_int_equal(st->malformed, 2);
	assert_int_equal(st->flow_records, 0);
	proto_free(ps);
}

static void mk_tcp(struct pk *k, uint16_t sp, uint8_t flags, const void *pl,
    size_t plen)
{
	struct sim_l3 h;
	struct sim_tcph t;
	size_t n;

	memset(&h, 0, sizeof(h));
	memcpy(h.smac, MAC1, 6);
	h.sip = 0xc0a80164u;
	h.dip = 0x0a000001u;
	h.ttl = 64;
	memset(&t, 0, sizeof(t));
	t.sport = sp;
	t.dport = 80;
	t.seq = 1;
	t.flags = flags;
	t.win = 1024;
	n = sim_build_tcp4(k->frame, sizeof(k->frame), &h, &t, pl, plen);
	assert_true(n > 0);
	memset(&k->ds, 0, sizeof(k->ds));
	dec_packet(&k->ds, &k->p, DEC_LINK_ETHERNET, k->frame, (uint32_t)n,
	    (uint32_t)n, 1700000000000000000ull + sp);
}

static int ended;
static struct proto *end_ps;

static void on_end(struct flow *f, enum flow_end_reason why, void *ud)
{
	(void)why;
	(void)ud;
	ended++;
	proto_flow_end(end_ps, f);
}

/* A SYN flood allocates no record; payload does, within the budget;
 * flow end and proto_free release them. */
static void test_records(void **state)
{
	static struct app_meta m;
	static struct pk k;
	struct flow_config fc;
	struct flow_table *ft;
	struct proto_config cfg;
	struct proto *ps;
	char err[128];
	unsigned i;
	int ts;

	(void)state;
	proto_config_default(&cfg);
	cfg.ndpi = 0;
	cfg.flow_memcap = 10 * 200;	/* ~10 records at most */
	ps = proto_new(&cfg, err, sizeof(err));
	assert_non_null(ps);
	end_ps = ps;
	flow_config_default(&fc);
	ft = flow_table_new(&fc, 1, on_end, NULL);
	assert_non_null(ft);
	for (i = 0; i < 1000; i++) {
		struct flow *f;
		mk_tcp(&k, (uint16_t)(1024 + i), SIM_TH_SYN, NULL, 0);
		f = flow_update(ft, &k.p, &ts);
		assert_non_null(f);
		proto_inspect(ps, &k.p, f, ts, &m);
		assert_null(f->app);
	}
	assert_int_equal(proto_stats(ps)->flow_records, 0);
	assert_int_equal(proto_stats(ps)->flow_records_peak, 0);
	/* payload on 50 flows: records up to the budget, the rest denied */
	for (i = 0; i < 50; i++) {
		struct flow *f;
		mk_tcp(&k, (uint16_t)(1024 + i), SIM_TH_ACK | SIM_TH_PSH,
		    "GET / HTTP/1.1\r\n\r\n", 18);
		f = flow_update(ft, &k.p, &ts);
		proto_inspect(ps, &k.p, f, ts, &m);
		/* proto_tcp.c parses it, with a record or (budget full)
		 * with a blank scratch state */
		assert_int_equal(m.kind, APP_HTTP);
	}
	assert_int_equal(proto_stats(ps)->parsed[APP_HTTP], 50);
	assert_true(proto_stats(ps)->flow_records > 0);
	assert_true(proto_stats(ps)->flow_records * 100 <= cfg.flow_memcap);
	assert_true(proto_stats(ps)->flow_records_denied > 0);
	flow_table_flush(ft);
	assert_int_equal(ended, 1000);
	assert_int_equal(proto_stats(ps)->flow_records, 0);
	/* records still held when the table is freed without end callbacks
	 * are released by proto_free (ASan would report a leak) */
	for (i = 0; i < 5; i++) {
		struct flow *f;
		mk_tcp(&k, (uint16_t)(3000 + i), SIM_TH_ACK | SIM_TH_PSH,
		    "x", 1);
		f = flow_update(ft, &k.p, &ts);
		proto_inspect(ps, &k.p, f, ts, &m);
	}
	assert_int_equal(proto_stats(ps)->flow_records, 5);
	flow_table_free(ft);
	proto_free(ps);
}

static void test_cleartext_fallback(void **state)
{
	struct proto *ps = new_nondpi();
	struct flow f;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.proto = IPPROTO_NUM_TCP;
	f.srv_port = 23;
	/* a SYN scan of port 23 carried nothing: unknown, not cleartext */
	assert_int_equal(proto_flow_cleartext(ps, &f), -1);
	f.payload_ts = 10;
	f.srv_port = 443;
	assert_int_equal(proto_flow_cleartext(ps, &f), 0);
	f.srv_port = 23;
	assert_int_equal(proto_flow_cleartext(ps, &f), 1);
	f.srv_port = 40000;
	assert_int_equal(proto_flow_cleartext(ps, &f), -1);
	f.proto = IPPROTO_NUM_UDP;
	f.srv_port = 53;
	assert_int_equal(proto_flow_cleartext(ps, &f), 1);
	{
		char buf[64];
		assert_null(proto_app_name(ps, &f, buf, sizeof(buf)));
	}
	proto_free(ps);
	proto_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcp_discover),
		cmocka_unit_test(test_dhcp_ack_and_mud),
		cmocka_unit_test(test_dhcp_overload),
		cmocka_unit_test(test_dhcp_hostile),
		cmocka_unit_test(test_dhcp6),
		cmocka_unit_test(test_dns_query_response),
		cmocka_unit_test(test_mdns_announce),
		cmocka_unit_test(test_dns_truncation),
		cmocka_unit_test(test_dns_hostile),
		cmocka_unit_test(test_dns_pointer_chain),
		cmocka_unit_test(test_ssdp),
		cmocka_unit_test(test_ntp),
		cmocka_unit_test(test_inspect_dispatch),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_cleartext_fallback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
