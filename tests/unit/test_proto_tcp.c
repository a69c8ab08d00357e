/* test_proto_tcp.c - unit tests for the TCP payload inspectors: TLS hellos
 * with JA3/JA4 (reference vectors), HTTP/RTSP heads, SSH banners, Stratum,
 * cleartext logins (telnet, FTP, POP3, IMAP, SMTP, MQTT, HTTP Basic), the
 * default-credential flag, and that no password ever reaches app_meta or
 * the per-flow state.
 *
 * Inputs are copied into heap buffers of exactly their length, so an
 * over-read shows up under ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "config.h"
#include "decode/decode.h"
#include "proto/proto.h"
#include "proto/proto_tcp.h"
#include "sim/sim_internal.h"

/* ---- helpers ----------------------------------------------------------- */

static uint8_t *dup_bytes(const void *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	if (n)
		memcpy(b, p, n);
	return b;
}

static int mem_has(const void *hay, size_t hn, const char *needle)
{
	size_t nn = strlen(needle);
	const uint8_t *h = hay;
	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, needle, nn) == 0)
			return 1;
	return 0;
}

/* A TCP segment of a flow between 192.168.1.10:40000 and srv:port. */
struct conv {
	struct proto_tcp_state st;
	struct flow f;
	uint16_t port;
};

static void conv_init(struct conv *c, uint16_t port)
{
	memset(c, 0, sizeof(*c));
	c->port = port;
	c->f.cli_port = 40000;
	c->f.srv_port = port;
	c->f.proto = IPPROTO_NUM_TCP;
}

/* Feed one segment (copied to an exact-size heap buffer) and return the
 * metadata; also checks that `secret` (when given) is in neither meta nor
 * the per-flow state afterwards. */
static void feed(struct conv *c, int to_server, const void *data, size_t n,
    struct app_meta *m, const char *secret)
{
	struct packet p;
	uint8_t *b = dup_bytes(data, n);
	memset(&p, 0, sizeof(p));
	p.has_l4 = 1;
	p.l4proto = IPPROTO_NUM_TCP;
	p.sport = to_server ? 40000 : c->port;
	p.dport = to_server ? c->port : 40000;
	p.payload = b;
	p.payload_len = (uint32_t)n;
	memset(m, 0, sizeof(*m));
	m->to_server = (uint8_t)to_server;
	proto_tcp_inspect(&c->st, &p, &c->f, to_server, m);
	if (secret && strlen(secret) > 2) {
		assert_false(mem_has(m, sizeof(*m), secret));
		assert_false(mem_has(&c->st, sizeof(c->st), secret));
	}
	free(b);
}

static void feed_str(struct conv *c, int to_server, const char *s,
    struct app_meta *m, const char *secret)
{
	feed(c, to_server, s, strlen(s), m, secret);
}

/* ---- MD5 / SHA-based fingerprints ------------------------------------- */

static void hex16(const uint8_t d[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_md5_rfc1321(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz",
		  "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "12345678901234567890123456789012345678901234567890123456789"
		  "012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t d[16];
		char h[33];
		proto_md5(v[i].in, strlen(v[i].in), d);
		hex16(d, h);
		assert_string_equal(h, v[i].out);
	}
}

/* The worked example of FoxIO's JA4 specification (technical_details/
 * JA4.md): ciphers and extensions in wire order. */
static const uint16_t spec_ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b,
	0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
	0x002f, 0x0035 };
static const uint16_t spec_exts[] = { 0x001b, 0x0000, 0x0033, 0x0010,
	0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01,
	0x000b, 0x000a, 0x0015 };
static const uint16_t spec_sig[] = { 0x0403, 0x0804, 0x0401, 0x0503,
	0x0805, 0x0501, 0x0806, 0x0601 };

static void test_ja4_spec_vectors(void **state)
{
	(void)state;
	char out[40];
	struct ptcp_ja4_in in = {
		.version = 0x0304, .has_sni = 1,
		.alpn = (const uint8_t *)"h2", .alpn_len = 2,
		.ciphers = spec_ciphers, .nciphers = 15,
		.exts = spec_exts, .nexts = 16,
		.sigalgs = spec_sig, .nsigalgs = 8,
	};
	proto_ja4(&in, out, sizeof(out));
	assert_string_equal(out, "t13d1516h2_8daaf6152771_e5627efa2ab1");

	in.nsigalgs = 0;	/* spec: no sig algs -> no "_" part, 6d807ffa2a79 */
	proto_ja4(&in, out, sizeof(out));
	assert_string_equal(out, "t13d1516h2_8daaf6152771_6d807ffa2a79");

	in.nciphers = 0;	/* spec: empty list -> twelve zeros */
	in.has_sni = 0;
	in.alpn = NULL;
	in.version = 0x0303;
	proto_ja4(&in, out, sizeof(out));
	assert_string_equal(out, "t12i001600_000000000000_6d807ffa2a79");

	/* ALPN with non-alphanumeric ends: first and last hex digit. */
	static const uint8_t a1[] = { 0x30, 0xab };
	static const uint8_t a2[] = { 0x30, 0xab, 0xcd, 0x31 };
	in.alpn = a1;
	in.alpn_len = 2;
	proto_ja4(&in, out, sizeof(out));
	assert_memory_equal(out + 8, "3b", 2);
	in.alpn = a2;
	in.alpn_len = 4;
	proto_ja4(&in, out, sizeof(out));
	assert_memory_equal(out + 8, "01", 2);
	in.alpn = (const uint8_t *)"http/1.1";
	in.alpn_len = 8;
	proto_ja4(&in, out, sizeof(out));
	assert_memory_equal(out + 8, "h1", 2);
}

/* ---- TLS ClientHello builder for reference hellos --------------------- */

struct ch_spec {
	const uint16_t *ciphers;
	size_t nciphers;
	const uint16_t *exts;	/* order; bodies made per type */
	size_t nexts;
	const uint16_t *groups;
	size_t ngroups;
	const uint16_t *sig;
	size_t nsig;
	const uint16_t *versions;
	size_t nversions;
	const char *sni;
	const char *alpn1, *alpn2;
};

static size_t build_ch(uint8_t *buf, size_t cap, const struct ch_spec *s)
{
	struct sim_bw w;
	sim_bw_init(&w, buf, cap);
	sim_bw_u8(&w, 0x16);
	sim_bw_u16(&w, 0x0301);
	size_t rec = sim_bw_open(&w, 2);
	sim_bw_u8(&w, 1);
	size_t hs = sim_bw_open(&w, 3);
	sim_bw_u16(&w, 0x0303);
	for (int i = 0; i < 32; i++)
		sim_bw_u8(&w, (uint8_t)i);
	sim_bw_u8(&w, 0);			/* no session id */
	size_t cl = sim_bw_open(&w, 2);
	for (size_t i = 0; i < s->nciphers; i++)
		sim_bw_u16(&w, s->ciphers[i]);
	sim_bw_close(&w, cl, 2);
	sim_bw_u8(&w, 1);
	sim_bw_u8(&w, 0);
	size_t el = sim_bw_open(&w, 2);
	for (size_t i = 0; i < s->nexts; i++) {
		uint16_t t = s->exts[i];
		sim_bw_u16(&w, t);
		size_t m = sim_bw_open(&w, 2);
		if (t == 0x0000) {
			size_t l = sim_bw_open(&w, 2);
			sim_bw_u8(&w, 0);
			sim_bw_u16(&w, (uint16_t)strlen(s->sni));
			sim_bw_str(&w, s->sni);
			sim_bw_close(&w, l, 2);
		} else if (t == 0x0010) {
			size_t l = sim_bw_open(&w, 2);
			sim_bw_u8(&w, (uint8_t)strlen(s->alpn1));
			sim_bw_str(&w, s->alpn1);
			if (s->alpn2) {
				sim_bw_u8(&w, (uint8_t)strlen(s->alpn2));
				sim_bw_str(&w, s->alpn2);
			}
			sim_bw_close(&w, l, 2);
		} else if (t == 0x000a) {
			size_t l = sim_bw_open(&w, 2);
			for (size_t j = 0; j < s->ngroups; j++)
				sim_bw_u16(&w, s->groups[j]);
			sim_bw_close(&w, l, 2);
		} else if (t == 0x000b) {
			sim_bw_u8(&w, 1);
			sim_bw_u8(&w, 0);
		} else if (t == 0x000d) {
			size_t l = sim_bw_open(&w, 2);
			for (size_t j = 0; j < s->nsig; j++)
				sim_bw_u16(&w, s->sig[j]);
			sim_bw_close(&w, l, 2);
		} else if (t == 0x002b) {
			sim_bw_u8(&w, (uint8_t)(2 * s->nversions));
			for (size_t j = 0; j < s->nversions; j++)
				sim_bw_u16(&w, s->versions[j]);
		} else if (t == 0x0033) {
			size_t l = sim_bw_open(&w, 2);
			sim_bw_u16(&w, 0x001d);
			sim_bw_u16(&w, 32);
			for (int j = 0; j < 32; j++)
				sim_bw_u8(&w, 0x42);
			sim_bw_close(&w, l, 2);
		}
		sim_bw_close(&w, m, 2);
	}
	sim_bw_close(&w, el, 2);
	sim_bw_close(&w, hs, 3);
	sim_bw_close(&w, rec, 2);
	return w.bad ? 0 : w.len;
}

/* A Chrome 143 hello as published by a TLS fingerprinting service
 * (browserleaks.com/tls, record quoted in public repository
 * service0427/v2_cp_app tls.md), GREASE added at Chrome's places:
 *   ja3_text 771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-
 *     49172-156-157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-
 *     13-27,4588-29-23-24,0
 *   ja3_hash 98487aa16281980e7d1120d399efb6a4
 *   ja4      t13d1516h2_8daaf6152771_d8a2da3f94cd */
static const uint16_t cr_ciphers[] = { 0x3a3a, 0x1301, 0x1302, 0x1303,
	0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
	0x009d, 0x002f, 0x0035 };
static const uint16_t cr_exts[] = { 0x5a5a, 0x002d, 0x0033, 0x0010, 0xfe0d,
	0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b, 0xff01, 0x0023, 0x0012,
	0x0005, 0x000d, 0x001b, 0x8a8a };
static const uint16_t cr_groups[] = { 0x3a3a, 0x11ec, 0x001d, 0x0017,
	0x0018 };
static const uint16_t cr_versions[] = { 0xdada, 0x0304, 0x0303 };

static const struct ch_spec chrome_spec = {
	cr_ciphers, 16, cr_exts, 18, cr_groups, 5, spec_sig, 8, cr_versions,
	3, "tls.browserleaks.com", "h2", "http/1.1",
};

static void test_tls_reference_hello(void **state)
{
	(void)state;
	uint8_t buf[2048];
	struct app_tls t;
	int srv = -1;
	size_t n = build_ch(buf, sizeof(buf), &chrome_spec);
	assert_true(n > 0);
	uint8_t *b = dup_bytes(buf, n);
	assert_int_equal(proto_parse_tls(b, n, &t, &srv), 0);
	assert_int_equal(srv, 0);
	assert_string_equal(t.ja3, "771,4865-4866-4867-49195-49199-49196-"
	    "49200-52393-52392-49171-49172-156-157-47-53,45-51-16-65037-23-"
	    "17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0");
	assert_string_equal(t.ja3_hash, "98487aa16281980e7d1120d399efb6a4");
	assert_string_equal(t.ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
	assert_string_equal(t.sni, "tls.browserleaks.com");
	assert_string_equal(t.alpn, "h2");
	assert_int_equal(t.version, 0x0304);
	assert_int_equal(t.record_version, 0x0301);
	assert_int_equal(t.ncipher, 15);
	assert_int_equal(t.offers_weak, 0);

	/* Every truncation: never a fingerprint of a partial hello, never a
	 * read past the end (ASan), and a parse once the version is in. */
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *c = dup_bytes(buf, cut);
		int r = proto_parse_tls(c, cut, &t, &srv);
		assert_string_equal(t.ja3, "");
		assert_string_equal(t.ja4, "");
		if (cut >= 11)
			assert_int_equal(r, 0);
		free(c);
	}
	free(b);
}

/* ---- the per-thread JA3/JA4 cache (tls.c) ------------------------------
 * A hello parsed on a fresh thread meets an empty cache, so it is
 * fingerprinted from scratch: that is the answer every parse on a warm
 * cache must give, byte for byte, however the hellos are interleaved. */
struct cold_job {
	const uint8_t *buf;
	size_t n;
	struct app_tls out;
	int rc;
};

static void *cold_parse(void *arg)
{
	struct cold_job *j = arg;
	int srv;
	memset(&j->out, 0x5a, sizeof(j->out));
	j->rc = proto_parse_tls(j->buf, j->n, &j->out, &srv);
	return NULL;
}

static void test_tls_fp_cache_equivalence(void **state)
{
	(void)state;
	static const uint16_t sig_b[] = { 0x0804, 0x0403, 0x0401, 0x0503,
		0x0805, 0x0501, 0x0806, 0x0601 };	/* order differs */
	static const uint16_t ver_12[] = { 0x0303 };
	static const uint16_t grp_b[] = { 0x001d, 0x0017 };
	static const uint16_t exts_nosni[] = { 0x002d, 0x0033, 0x0010, 0x0017,
		0x000b, 0x000a, 0x002b, 0xff01, 0x0023, 0x000d };
	struct ch_spec v[7];
	for (int i = 0; i < 7; i++)
		v[i] = chrome_spec;
	v[1].sig = sig_b;		/* JA4 c differs, JA3 the same */
	v[2].alpn1 = "http/1.1";	/* JA4 ALPN mark */
	v[2].alpn2 = NULL;
	v[3].versions = ver_12;		/* JA4 version */
	v[3].nversions = 1;
	v[4].groups = grp_b;		/* JA3 only */
	v[4].ngroups = 2;
	v[5].exts = exts_nosni;		/* no SNI, no GREASE */
	v[5].nexts = sizeof(exts_nosni) / sizeof(exts_nosni[0]);
	v[6].sni = "another.example";	/* SNI text is not in the key */

	uint8_t *bufs[7];
	size_t lens[7];
	struct cold_job cold[7];
	for (int i = 0; i < 7; i++) {
		uint8_t tmp[2048];
		lens[i] = build_ch(tmp, sizeof(tmp), &v[i]);
		assert_true(lens[i] > 0);
		bufs[i] = dup_bytes(tmp, lens[i]);
		pthread_t th;
		cold[i].buf = bufs[i];
		cold[i].n = lens[i];
		assert_int_equal(pthread_create(&th, NULL, cold_parse,
		    &cold[i]), 0);
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(cold[i].rc, 0);
		assert_true(cold[i].out.ja4[0] != '\0');
	}
	/* the variants do change the fingerprints the cache must tell apart */
	assert_string_equal(cold[1].out.ja3, cold[0].out.ja3);
	assert_string_not_equal(cold[1].out.ja4, cold[0].out.ja4);
	assert_string_not_equal(cold[2].out.ja4, cold[0].out.ja4);
	assert_string_not_equal(cold[3].out.ja4, cold[0].out.ja4);
	assert_string_not_equal(cold[4].out.ja3, cold[0].out.ja3);
	assert_string_equal(cold[4].out.ja4, cold[0].out.ja4);
	assert_true(cold[5].out.ja4[3] == 'i' && cold[0].out.ja4[3] == 'd');
	assert_string_equal(cold[6].out.ja4, cold[0].out.ja4);
	assert_string_not_equal(cold[6].out.sni, cold[0].out.sni);

	/* warm: every order, several rounds; whole structs compared */
	for (int round = 0; round < 3; round++)
		for (int k = 0; k < 7; k++) {
			int i = (k * 3 + round) % 7;
			struct app_tls t;
			int srv;
			memset(&t, 0x5a, sizeof(t));
			assert_int_equal(proto_parse_tls(bufs[i], lens[i], &t,
			    &srv), 0);
			assert_memory_equal(&t, &cold[i].out, sizeof(t));
		}
	for (int i = 0; i < 7; i++)
		free(bufs[i]);
}

static void test_tls_weak_and_server_hello(void **state)
{
	(void)state;
	static const uint16_t weak_c[] = { 0xc02f, 0x0005, 0x000a };
	static const uint16_t ex[] = { 0x000b };
	struct ch_spec s = { weak_c, 3, ex, 1, NULL, 0, NULL, 0, NULL, 0,
		NULL, NULL, NULL };
	uint8_t buf[512];
	struct app_tls t;
	int srv;
	size_t n = build_ch(buf, sizeof(buf), &s);
	assert_int_equal(proto_parse_tls(buf, n, &t, &srv), 0);
	assert_int_equal(t.offers_weak, 1);
	assert_string_equal(t.ja3, "771,49199-5-10,11,,0");
	/* no SNI, no ALPN, TLS 1.2, 3 ciphers, 1 extension */
	assert_memory_equal(t.ja4, "t12i030100_", 11);

	/* without the weak suites: not flagged */
	s.nciphers = 1;
	n = build_ch(buf, sizeof(buf), &s);
	assert_int_equal(proto_parse_tls(buf, n, &t, &srv), 0);
	assert_int_equal(t.offers_weak, 0);

	/* ServerHello TLS 1.2 choosing 3DES */
	static const uint8_t sh[] = {
		0x16, 0x03, 0x03, 0x00, 0x2a,	/* record, 42 bytes */
		0x02, 0x00, 0x00, 0x26,		/* ServerHello, 38 */
		0x03, 0x03,			/* version 1.2 */
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
		0x00,				/* no session id */
		0x00, 0x0a,			/* RSA_WITH_3DES_EDE_CBC_SHA */
		0x00,				/* null compression */
	};
	uint8_t *b = dup_bytes(sh, sizeof(sh));
	assert_int_equal(proto_parse_tls(b, sizeof(sh), &t, &srv), 0);
	assert_int_equal(srv, 1);
	assert_int_equal(t.cipher, 0x000a);
	assert_int_equal(t.weak_cipher, 1);
	assert_int_equal(t.version, 0x0303);
	free(b);

	/* hostile: an extension length past the end of a complete hello */
	n = build_ch(buf, sizeof(buf), &s);
	buf[n - 2] = 0xff;	/* ec_point_formats body: length byte */
	buf[n - 4] = 0x7f;	/* extension length 0x7f.. */
	assert_int_equal(proto_parse_tls(buf, n, &t, &srv), -1);
	/* not TLS */
	assert_int_equal(proto_parse_tls((const uint8_t *)"GET / HTTP/1.1",
	    14, &t, &srv), -1);
}

static void test_tls_sim_stacks(void **state)
{
	(void)state;
	static uint8_t buf[SIM_BIG_BUF];
	for (int stack = 0; stack < SIM_TLS_NSTACKS; stack++) {
		char ja3[33], ja4[40];
		for (uint64_t seed = 1; seed <= 3; seed++) {
			struct sim_rng r;
			uint8_t sid[32];
			struct app_tls t;
			int srv;
			sim_rng_seed(&r, seed * 7 + (uint64_t)stack);
			size_t n = sim_tls_client_hello(buf, sizeof(buf), &r,
			    stack, "cloud.example.com", "h2,http/1.1", sid);
			assert_true(n > 0);
			uint8_t *b = dup_bytes(buf, n);
			assert_int_equal(proto_parse_tls(b, n, &t, &srv), 0);
			free(b);
			assert_int_equal(srv, 0);
			assert_string_equal(t.sni, "cloud.example.com");
			assert_int_equal(strlen(t.ja3_hash), 32);
			assert_int_equal(strlen(t.ja4), 36);
			assert_int_equal(t.ja4[0], 't');
			assert_memory_equal(t.ja4 + 1,
			    sim_tls_is13(stack) ? "13d" : "12d", 3);
			/* GREASE differs per hello, fingerprints must not */
			if (seed == 1) {
				memcpy(ja3, t.ja3_hash, sizeof(ja3));
				memcpy(ja4, t.ja4, sizeof(ja4));
			} else {
				assert_string_equal(ja3, t.ja3_hash);
				assert_string_equal(ja4, t.ja4);
			}
			size_t fl = sim_tls_server_flight(buf, sizeof(buf), &r,
			    stack, "cloud.example.com", sid);
			assert_true(fl > 0);
			b = dup_bytes(buf, fl);
			assert_int_equal(proto_parse_tls(b, fl, &t, &srv), 0);
			free(b);
			assert_int_equal(srv, 1);
			assert_true(t.cipher != 0);
			assert_int_equal(t.version,
			    sim_tls_is13(stack) ? 0x0304 : 0x0303);
		}
	}
}

/* A hello split over two segments: the first yields SNI etc. but no
 * fingerprint, the continuation is not mistaken for anything. */
static void test_tls_split_via_inspect(void **state)
{
	(void)state;
	uint8_t buf[2048];
	struct conv c;
	struct app_meta m;
	size_t n = build_ch(buf, sizeof(buf), &chrome_spec);
	conv_init(&c, 443);
	feed(&c, 1, buf, 200, &m, NULL);
	assert_int_equal(m.kind, APP_TLS_CLIENT_HELLO);
	assert_string_equal(m.u.tls.ja4, "");
	feed(&c, 1, buf + 200, n - 200, &m, NULL);
	assert_int_equal(m.kind, APP_NONE);

	conv_init(&c, 443);
	feed(&c, 1, buf, n, &m, NULL);
	assert_int_equal(m.kind, APP_TLS_CLIENT_HELLO);
	assert_string_equal(m.u.tls.ja3_hash,
	    "98487aa16281980e7d1120d399efb6a4");
	/* a second hello on the same flow is not re-parsed */
	feed(&c, 1, buf, n, &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
}

/* Through the real decoder: an Ethernet/IPv4/TCP frame from the sim. */
static void test_tls_through_decoder(void **state)
{
	(void)state;
	uint8_t hello[1400], frame[SIM_FRAME_MAX];
	struct sim_rng r;
	uint8_t sid[32];
	sim_rng_seed(&r, 5);
	size_t hn = sim_tls_client_hello(hello, sizeof(hello), &r,
	    SIM_TLS_MBEDTLS, "iot.vendor.example", NULL, sid);
	assert_true(hn > 0);
	struct sim_l3 l3 = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 },
		0xc0a8010a, 0x08080808, 1, 64, 0, 1 };
	struct sim_tcph th = { 40000, 8883, 1000, 2000,
		SIM_TH_ACK | SIM_TH_PSH, 65535, NULL, 0 };
	size_t fl = sim_build_tcp4(frame, sizeof(frame), &l3, &th, hello, hn);
	assert_true(fl > 0);
	struct dec_stats ds;
	struct packet p;
	memset(&ds, 0, sizeof(ds));
	assert_int_equal(dec_packet(&ds, &p, DEC_LINK_ETHERNET, frame,
	    (uint32_t)fl, (uint32_t)fl, 1), DEC_OK);
	struct proto_tcp_state st;
	struct app_meta m;
	memset(&st, 0, sizeof(st));
	proto_tcp_inspect(&st, &p, NULL, 1, &m);
	assert_int_equal(m.kind, APP_TLS_CLIENT_HELLO);
	assert_string_equal(m.u.tls.sni, "iot.vendor.example");
	assert_memory_equal(m.u.tls.ja4, "t12d", 4);
	assert_memory_equal(m.u.tls.ja4 + 8, "00_", 3);	/* no ALPN */
}

/* ---- HTTP / RTSP ------------------------------------------------------- */

static void test_http_request_response(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct app_http h;
	size_t n = sim_http_request(buf, sizeof(buf), "GET", "cam.local",
	    "/snapshot.jpg", "Hikvision-Webs/1.0", NULL);
	for (size_t cut = 0; cut <= n; cut++) {	/* ASan: no over-read */
		uint8_t *b = dup_bytes(buf, cut);
		int r = proto_parse_http(b, cut, &h);
		if (cut >= 5 + 4)
			assert_int_equal(r, 0);
		free(b);
	}
	assert_int_equal(proto_parse_http(buf, n, &h), 0);
	assert_int_equal(h.is_response, 0);
	assert_string_equal(h.method, "GET");
	assert_string_equal(h.uri, "/snapshot.jpg");
	assert_string_equal(h.host, "cam.local");
	assert_string_equal(h.user_agent, "Hikvision-Webs/1.0");
	assert_int_equal(h.has_login, 0);

	static const char resp[] = "HTTP/1.1 401 Unauthorized\r\n"
	    "Server: GoAhead-Webs\r\nWWW-Authenticate: Basic realm=\"cam\"\r\n"
	    "Content-Type: text/html\r\n\r\n<html>";
	assert_int_equal(proto_parse_http((const uint8_t *)resp,
	    strlen(resp), &h), 0);
	assert_int_equal(h.is_response, 1);
	assert_int_equal(h.status, 401);
	assert_string_equal(h.server, "GoAhead-Webs");
	assert_int_equal(h.www_authenticate, 1);
	assert_string_equal(h.content_type, "text/html");

	static const char rtsp[] = "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n";
	assert_int_equal(proto_parse_http((const uint8_t *)rtsp,
	    strlen(rtsp), &h), 0);
	assert_int_equal(h.rtsp, 1);
	assert_int_equal(h.status, 200);

	/* not HTTP */
	assert_int_equal(proto_parse_http((const uint8_t *)"GETX / HTTP/1.1",
	    15, &h), -1);
	assert_int_equal(proto_parse_http((const uint8_t *)"HTTP/1.1 2x",
	    11, &h), -1);
	assert_int_equal(proto_parse_http((const uint8_t *)"GET /\r\n\r\n",
	    9, &h), -1);
	/* header names are case-insensitive, values trimmed */
	static const char lc[] = "GET / HTTP/1.0\r\nhOsT:   a.b  \r\n\r\n";
	assert_int_equal(proto_parse_http((const uint8_t *)lc, strlen(lc),
	    &h), 0);
	assert_string_equal(h.host, "a.b");
}

static void test_http_basic_login(void **state)
{
	(void)state;
	struct conv c;
	struct app_meta m;
	/* admin:admin, a Mirai default */
	static const char req[] = "GET / HTTP/1.1\r\nHost: 10.0.0.5\r\n"
	    "Authorization: Basic YWRtaW46YWRtaW4=\r\n\r\n";
	conv_init(&c, 80);
	feed_str(&c, 1, req, &m, NULL);
	assert_int_equal(m.kind, APP_LOGIN);	/* what login checks read */
	const struct app_login *l = proto_meta_login(&m);
	assert_non_null(l);
	assert_int_equal(l->proto, LOGIN_HTTP_BASIC);
	assert_int_equal(l->outcome, LOGIN_ATTEMPT);
	assert_string_equal(l->user, "admin");
	assert_int_equal(l->secret_seen, 1);
	assert_int_equal(l->default_cred, 1);
	feed_str(&c, 0, "HTTP/1.1 401 Unauthorized\r\nServer: GoAhead\r\n\r\n",
	    &m, NULL);
	assert_int_equal(m.kind, APP_HTTP);	/* head kept, outcome added */
	assert_int_equal(m.u.http.status, 401);
	assert_string_equal(m.u.http.server, "GoAhead");
	assert_int_equal(m.u.http.has_login, 1);
	l = proto_meta_login(&m);
	assert_non_null(l);
	assert_int_equal(l->outcome, LOGIN_FAILED);
	assert_string_equal(l->user, "admin");

	/* admin:S3cretPw! is not a default; the password is nowhere */
	static const char req2[] = "GET / HTTP/1.1\r\n"
	    "Authorization: Basic YWRtaW46UzNjcmV0UHch\r\n\r\n";
	feed_str(&c, 1, req2, &m, "S3cretPw!");
	l = proto_meta_login(&m);
	assert_non_null(l);
	assert_int_equal(l->default_cred, 0);
	assert_int_equal(l->secret_seen, 1);
	feed_str(&c, 0, "HTTP/1.1 200 OK\r\n\r\n", &m, "S3cretPw!");
	l = proto_meta_login(&m);
	assert_non_null(l);
	assert_int_equal(l->outcome, LOGIN_OK);
	/* a later response without a pending login carries none */
	feed_str(&c, 0, "HTTP/1.1 200 OK\r\n\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_HTTP);
	assert_null(proto_meta_login(&m));

	/* RTSP with Basic root:12345 */
	static const char rt[] = "DESCRIBE rtsp://10.0.0.9/ch1 RTSP/1.0\r\n"
	    "CSeq: 3\r\nAuthorization: Basic cm9vdDoxMjM0NQ==\r\n\r\n";
	conv_init(&c, 554);
	feed_str(&c, 1, rt, &m, NULL);
	l = proto_meta_login(&m);
	assert_non_null(l);
	assert_int_equal(l->proto, LOGIN_RTSP);
	assert_string_equal(l->user, "root");
	assert_int_equal(l->default_cred, 1);
	/* the pure parser keeps both the head and the login */
	struct app_http h;
	assert_int_equal(proto_parse_http((const uint8_t *)rt, strlen(rt),
	    &h), 0);
	assert_int_equal(h.rtsp, 1);
	assert_string_equal(h.method, "DESCRIBE");
	assert_int_equal(h.has_login, 1);
	assert_int_equal(h.login.proto, LOGIN_RTSP);
	assert_string_equal(h.login.user, "root");

	/* Digest: the user name, no secret in clear */
	static const char dg[] = "GET /ISAPI HTTP/1.1\r\nAuthorization: "
	    "Digest username=\"admin\", realm=\"cam\", response=\"ab\"\r\n\r\n";
	conv_init(&c, 80);
	feed_str(&c, 1, dg, &m, NULL);
	assert_int_equal(m.kind, APP_LOGIN);
	assert_string_equal(m.u.login.user, "admin");
	assert_int_equal(m.u.login.secret_seen, 0);
	assert_int_equal(m.u.login.default_cred, 0);

	/* broken base64: HTTP head still parsed, no login */
	static const char bad[] = "GET / HTTP/1.1\r\n"
	    "Authorization: Basic !!!!\r\n\r\n";
	conv_init(&c, 80);
	feed_str(&c, 1, bad, &m, NULL);
	assert_int_equal(m.kind, APP_HTTP);
	assert_null(proto_meta_login(&m));
}

/* ---- SSH, Stratum ------------------------------------------------------ */

static void test_ssh_banner(void **state)
{
	(void)state;
	struct conv c;
	struct app_meta m;
	struct app_ssh s;
	conv_init(&c, 22);
	feed_str(&c, 0, "SSH-2.0-dropbear_2019.78\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_SSH_BANNER);
	assert_string_equal(m.u.ssh.banner, "SSH-2.0-dropbear_2019.78");
	assert_int_equal(m.u.ssh.from_server, 1);
	feed_str(&c, 1, "SSH-2.0-Go\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_SSH_BANNER);
	assert_int_equal(m.u.ssh.from_server, 0);
	feed_str(&c, 1, "SSH-2.0-again\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);	/* once per side */
	assert_int_equal(proto_parse_ssh_banner((const uint8_t *)"SSH-", 4,
	    &s), -1);
	assert_int_equal(proto_parse_ssh_banner((const uint8_t *)"SSX-2.0-a",
	    9, &s), -1);
	static const char ln[] = "SSH-1.99-x";	/* no CRLF: to the end */
	uint8_t *b = dup_bytes(ln, strlen(ln));
	assert_int_equal(proto_parse_ssh_banner(b, strlen(ln), &s), 0);
	assert_string_equal(s.banner, "SSH-1.99-x");
	free(b);
}

static void test_stratum(void **state)
{
	(void)state;
	struct app_stratum s;
	static const char sub[] = "{\"id\": 1, \"method\": \"mining.subscribe\","
	    " \"params\": [\"cgminer/4.10.0\"]}\n";
	static const char xmr[] = "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":"
	    "\"login\",\"params\":{\"login\":\"4AbC\",\"pass\":\"x\","
	    "\"agent\":\"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2\"}}\n";
	static const char other[] = "{\"id\":1,\"method\":\"getStatus\"}\n";
	static const char result[] = "{\"id\":1,\"result\":true}\n";
	assert_int_equal(proto_parse_stratum((const uint8_t *)sub, strlen(sub),
	    &s), 0);
	assert_string_equal(s.method, "mining.subscribe");
	assert_string_equal(s.agent, "cgminer/4.10.0");
	assert_int_equal(proto_parse_stratum((const uint8_t *)xmr, strlen(xmr),
	    &s), 0);
	assert_string_equal(s.method, "login");
	assert_string_equal(s.agent,
	    "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2");
	assert_int_equal(proto_parse_stratum((const uint8_t *)other,
	    strlen(other), &s), -1);
	assert_int_equal(proto_parse_stratum((const uint8_t *)result,
	    strlen(result), &s), -1);
	/* a generic JSON-RPC "login" without CryptoNote parameters */
	static const char gen[] = "{\"id\":1,\"method\":\"login\","
	    "\"params\":{\"user\":\"a\",\"password\":\"b\"}}\n";
	assert_int_equal(proto_parse_stratum((const uint8_t *)gen,
	    strlen(gen), &s), -1);
	/* Ethereum stratum proxy */
	static const char eth[] = "{\"worker\": \"\", \"jsonrpc\": \"2.0\", "
	    "\"params\": [], \"id\": 3, \"method\": \"eth_getWork\"}\n";
	assert_int_equal(proto_parse_stratum((const uint8_t *)eth,
	    strlen(eth), &s), 0);
	assert_string_equal(s.method, "eth_getWork");
	for (size_t cut = 0; cut <= strlen(xmr); cut++) {
		uint8_t *b = dup_bytes(xmr, cut);
		(void)proto_parse_stratum(b, cut, &s);
		free(b);
	}

	struct conv c;
	struct app_meta m;
	conv_init(&c, 3333);
	feed_str(&c, 1, xmr, &m, NULL);
	assert_int_equal(m.kind, APP_STRATUM);
	assert_int_equal(m.u.stratum.from_server, 0);
	static const char job[] = "{\"jsonrpc\":\"2.0\",\"method\":\"job\","
	    "\"params\":{\"blob\":\"0707\"}}\n";
	feed_str(&c, 0, job, &m, NULL);
	assert_int_equal(m.kind, APP_STRATUM);
	assert_int_equal(m.u.stratum.from_server, 1);
	assert_string_equal(m.u.stratum.method, "job");
	/* past the budget, submits are still seen on a Stratum flow */
	static const char submit[] = "{\"id\":9,\"method\":\"submit\","
	    "\"params\":{\"job_id\":\"7\",\"nonce\":\"0a0b\"}}\n";
	for (int i = 0; i < PROTO_TCP_MAX_PKTS + 5; i++)
		feed_str(&c, 1, submit, &m, NULL);
	assert_int_equal(m.kind, APP_STRATUM);
}

/* ---- logins ------------------------------------------------------------- */

static void test_default_cred_list(void **state)
{
	(void)state;
#define DC(u, p) proto_login_is_default((const uint8_t *)(u), strlen(u), \
	(const uint8_t *)(p), strlen(p))
	assert_true(DC("root", "xc3511"));
	assert_true(DC("root", "vizxv"));
	assert_true(DC("admin", "admin"));
	assert_true(DC("support", "support"));
	assert_true(DC("ubnt", "ubnt"));
	assert_true(DC("root", ""));
	assert_false(DC("root", "xc351"));	/* prefix only */
	assert_false(DC("root", "xc35111"));
	assert_false(DC("Root", "xc3511"));	/* case matters */
	assert_false(DC("ubnt", "admin"));
	assert_false(DC("alice", "correct horse"));
#undef DC
}

static void test_telnet_mirai(void **state)
{
	(void)state;
	struct conv c;
	struct app_meta m;
	static const uint8_t neg[] = { 0xff, 0xfd, 0x18, 0xff, 0xfb, 0x01,
		0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0 };
	conv_init(&c, 23);
	feed(&c, 0, neg, sizeof(neg), &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 0, "\r\nBCM96816 Login: ", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 1, "root\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 0, "root\r\nPassword: ", &m, NULL);
	/* typed one character per segment, IAC in the middle */
	static const char *keys[] = { "x", "c", "3", "\xff\xfb\x03", "5", "1",
		"1", "\r\0" };
	for (size_t i = 0; i < 8; i++) {
		size_t kl = i == 7 ? 2 : strlen(keys[i]);
		feed(&c, 1, keys[i], kl, &m, "xc3511");
		assert_false(mem_has(&c.st, sizeof(c.st), "xc35"));
		if (i < 7)
			assert_int_equal(m.kind, APP_NONE);
	}
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.proto, LOGIN_TELNET);
	assert_int_equal(m.u.login.outcome, LOGIN_ATTEMPT);
	assert_string_equal(m.u.login.user, "root");
	assert_int_equal(m.u.login.secret_seen, 1);
	assert_int_equal(m.u.login.default_cred, 1);
	feed_str(&c, 0, "\r\nLogin incorrect\r\nBCM96816 Login: ", &m, NULL);
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.outcome, LOGIN_FAILED);

	/* second try in one segment each: root / hunter22 -> not default */
	feed_str(&c, 1, "root\r\n", &m, NULL);
	feed_str(&c, 0, "Password: ", &m, NULL);
	feed_str(&c, 1, "hunter22\r\n", &m, "hunter22");
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.default_cred, 0);
	/* prefix of a default is not a default: root / xc351 */
	feed_str(&c, 0, "\r\nBusyBox v1.19.4 built-in shell (ash)\r\n# ", &m,
	    NULL);
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.outcome, LOGIN_OK);
	feed_str(&c, 1, "enable\r\n", &m, NULL);	/* shell: not a login */
	assert_int_equal(m.kind, APP_NONE);

	conv_init(&c, 2323);
	feed_str(&c, 0, "login: ", &m, NULL);
	feed_str(&c, 1, "root\r\nxc351\r\n", &m, "xc351");
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.default_cred, 0);
	/* "Last login:" is not a login prompt; the shell prompt means OK */
	conv_init(&c, 23);
	feed_str(&c, 0, "Username: ", &m, NULL);
	feed_str(&c, 1, "pi\r\nraspberry\r\n", &m, "raspberry");
	assert_int_equal(m.u.login.default_cred, 1);
	feed_str(&c, 0, "\r\n", &m, NULL);		/* echo: no outcome yet */
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 0, "Last login: Mon Jan  1 10:00:00\r\npi@cam:~$ ", &m,
	    NULL);
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.outcome, LOGIN_OK);
	/* a prompt inside a banner line is not a prompt */
	conv_init(&c, 23);
	feed_str(&c, 0, "Use login: guest for the demo\r\n", &m, NULL);
	feed_str(&c, 1, "guest\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
	assert_int_equal(c.st.tn_expect, 0);
	/* capture began mid-connection: the flow table took the telnet
	 * server for the client (its port 23 is the flow's cli_port) */
	conv_init(&c, 41000);
	c.f.cli_port = 23;
	feed_str(&c, 1, "login: ", &m, NULL);		/* from the server */
	feed_str(&c, 0, "root\r\nvizxv\r\n", &m, "vizxv");
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.outcome, LOGIN_ATTEMPT);
	assert_int_equal(m.u.login.default_cred, 1);
	/* empty password for a user with an empty default */
	conv_init(&c, 23);
	feed_str(&c, 0, "login: ", &m, NULL);
	feed_str(&c, 1, "admin\r\n", &m, NULL);
	feed_str(&c, 0, "Password: ", &m, NULL);
	feed_str(&c, 1, "\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.secret_seen, 0);
	assert_int_equal(m.u.login.default_cred, 1);
}

static void test_ftp_pop_imap_smtp(void **state)
{
	(void)state;
	struct conv c;
	struct app_meta m;

	conv_init(&c, 21);
	feed_str(&c, 0, "220 FTP ready\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 1, "USER admin\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 0, "331 Password required\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 1, "PASS password\r\n", &m, "password");
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.proto, LOGIN_FTP);
	assert_string_equal(m.u.login.user, "admin");
	assert_int_equal(m.u.login.default_cred, 1);
	feed_str(&c, 0, "530 Login incorrect.\r\n", &m, NULL);
	assert_int_equal(m.u.login.outcome, LOGIN_FAILED);
	feed_str(&c, 1, "USER bob\r\nPASS Tr0ub4dor&3\r\n", &m, "Tr0ub4dor&3");
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.default_cred, 0);
	assert_string_equal(m.u.login.user, "bob");
	feed_str(&c, 0, "230 Logged in\r\n", &m, NULL);
	assert_int_equal(m.u.login.outcome, LOGIN_OK);

	conv_init(&c, 110);
	feed_str(&c, 0, "+OK POP3 ready\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);	/* no login pending */
	feed_str(&c, 1, "USER guest\r\n", &m, NULL);
	feed_str(&c, 0, "+OK\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 1, "PASS guest\r\n", &m, NULL);
	assert_int_equal(m.u.login.proto, LOGIN_POP3);
	assert_int_equal(m.u.login.default_cred, 1);
	feed_str(&c, 0, "-ERR auth failed\r\n", &m, NULL);
	assert_int_equal(m.u.login.outcome, LOGIN_FAILED);

	conv_init(&c, 143);
	feed_str(&c, 0, "* OK IMAP4rev1 ready\r\n", &m, NULL);
	feed_str(&c, 1, "a001 LOGIN \"carol\" \"My Pass\"\r\n", &m, "My Pass");
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.proto, LOGIN_IMAP);
	assert_string_equal(m.u.login.user, "carol");
	assert_int_equal(m.u.login.secret_seen, 1);
	feed_str(&c, 0, "* CAPABILITY IMAP4rev1\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 0, "a001 OK LOGIN completed\r\n", &m, NULL);
	assert_int_equal(m.u.login.outcome, LOGIN_OK);

	/* SMTP AUTH PLAIN: \0root\0root ; AUTH LOGIN: user / pass */
	conv_init(&c, 587);
	feed_str(&c, 1, "AUTH PLAIN AHJvb3QAcm9vdA==\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.proto, LOGIN_SMTP);
	assert_string_equal(m.u.login.user, "root");
	assert_int_equal(m.u.login.default_cred, 1);
	feed_str(&c, 0, "535 5.7.8 failed\r\n", &m, NULL);
	assert_int_equal(m.u.login.outcome, LOGIN_FAILED);
	feed_str(&c, 1, "AUTH LOGIN\r\n", &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 1, "ZGF2ZQ==\r\n", &m, NULL);	/* dave */
	assert_int_equal(m.kind, APP_NONE);
	feed_str(&c, 1, "c3VwZXJzZWNyZXQ=\r\n", &m, "supersecret");
	assert_int_equal(m.kind, APP_LOGIN);
	assert_string_equal(m.u.login.user, "dave");
	assert_int_equal(m.u.login.default_cred, 0);
	feed_str(&c, 0, "235 ok\r\n", &m, NULL);
	assert_int_equal(m.u.login.outcome, LOGIN_OK);
}

static void test_mqtt(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct conv c;
	struct app_meta m;
	struct app_login l;
	char cid[64];
	size_t n = sim_mqtt_connect(buf, sizeof(buf), "plug-01", "admin",
	    "Secr3tMq", 60);
	assert_true(n > 0);
	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t *b = dup_bytes(buf, cut);
		(void)proto_parse_mqtt_connect(b, cut, &l, cid, sizeof(cid));
		assert_false(mem_has(&l, sizeof(l), "Secr3tMq"));
		free(b);
	}
	assert_int_equal(proto_parse_mqtt_connect(buf, n, &l, cid,
	    sizeof(cid)), 0);
	assert_string_equal(cid, "plug-01");
	assert_string_equal(l.user, "admin");
	assert_int_equal(l.secret_seen, 1);
	assert_int_equal(l.default_cred, 0);

	/* on a non-standard port, recognised by content */
	conv_init(&c, 18830);
	n = sim_mqtt_connect(buf, sizeof(buf), "cam", "admin", "admin", 60);
	feed(&c, 1, buf, n, &m, NULL);
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.proto, LOGIN_MQTT);
	assert_int_equal(m.u.login.default_cred, 1);
	n = sim_mqtt_connack(buf, sizeof(buf));
	feed(&c, 0, buf, n, &m, NULL);
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.outcome, LOGIN_OK);
	assert_string_equal(m.u.login.user, "admin");
	static const uint8_t refused[] = { 0x20, 0x02, 0x00, 0x05 };
	n = sim_mqtt_connect(buf, sizeof(buf), "cam", NULL, NULL, 60);
	feed(&c, 1, buf, n, &m, NULL);	/* anonymous: still an attempt */
	assert_int_equal(m.kind, APP_LOGIN);
	assert_int_equal(m.u.login.secret_seen, 0);
	assert_string_equal(m.u.login.user, "");
	feed(&c, 0, refused, sizeof(refused), &m, NULL);
	assert_int_equal(m.u.login.outcome, LOGIN_FAILED);
	/* CONNACK without a CONNECT is not an outcome */
	conv_init(&c, 1883);
	feed(&c, 0, refused, sizeof(refused), &m, NULL);
	assert_int_equal(m.kind, APP_NONE);
}

/* ---- budget, hostile input ------------------------------------------- */

static void test_budget(void **state)
{
	(void)state;
	uint8_t buf[2048];
	struct conv c;
	struct app_meta m;
	size_t n = build_ch(buf, sizeof(buf), &chrome_spec);
	static const uint8_t junk[] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	conv_init(&c, 9999);
	for (int i = 0; i < PROTO_TCP_MAX_PKTS - 1; i++)
		feed(&c, 1, junk, sizeof(junk), &m, NULL);
	feed(&c, 1, buf, n, &m, NULL);		/* still within budget */
	assert_int_equal(m.kind, APP_TLS_CLIENT_HELLO);
	conv_init(&c, 9999);
	for (int i = 0; i < PROTO_TCP_MAX_PKTS; i++)
		feed(&c, 1, junk, sizeof(junk), &m, NULL);
	feed(&c, 1, buf, n, &m, NULL);		/* past it: not looked at */
	assert_int_equal(m.kind, APP_NONE);

	/* keep-alive HTTP: later requests still parsed, bodies not */
	conv_init(&c, 8080);
	for (int i = 0; i < PROTO_TCP_MAX_PKTS + 3; i++) {
		feed_str(&c, 1, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", &m, NULL);
		assert_int_equal(m.kind, APP_HTTP);
		feed_str(&c, 1, "body bytes", &m, NULL);
		assert_int_equal(m.kind, APP_NONE);
	}
}

static void test_hostile_random(void **state)
{
	(void)state;
	struct sim_rng r;
	uint8_t buf[600];
	static const uint16_t ports[] = { 21, 23, 25, 80, 110, 143, 443, 554,
		1883, 3333, 2323, 9 };
	sim_rng_seed(&r, 99);
	for (int iter = 0; iter < 4000; iter++) {
		struct conv c;
		struct app_meta m;
		conv_init(&c, ports[iter % 12]);
		for (int k = 0; k < 6; k++) {
			size_t n = 1 + sim_rng_below(&r, sizeof(buf) - 1);
			sim_rng_bytes(&r, buf, n);
			/* half the time a plausible first byte */
			static const uint8_t first[] = { 0x16, 0xff, 0x10,
				0x20, '{', 'G', 'H', 'S', 'U', 'P', 'a' };
			if (k & 1)
				buf[0] = first[sim_rng_below(&r, 11)];
			feed(&c, (int)sim_rng_below(&r, 2), buf, n, &m, NULL);
			/* every string NUL-terminated within its field */
			if (m.kind == APP_LOGIN)
				assert_true(memchr(m.u.login.user, 0,
				    sizeof(m.u.login.user)) != NULL);
			if (m.kind == APP_TLS_CLIENT_HELLO)
				assert_true(memchr(m.u.tls.ja4, 0,
				    sizeof(m.u.tls.ja4)) != NULL);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_rfc1321),
		cmocka_unit_test(test_ja4_spec_vectors),
		cmocka_unit_test(test_tls_reference_hello),
		cmocka_unit_test(test_tls_fp_cache_equivalence),
		cmocka_unit_test(test_tls_weak_and_server_hello),
		cmocka_unit_test(test_tls_sim_stacks),
		cmocka_unit_test(test_tls_split_via_inspect),
		cmocka_unit_test(test_tls_through_decoder),
		cmocka_unit_test(test_http_request_response),
		cmocka_unit_test(test_http_basic_login),
		cmocka_unit_test(test_ssh_banner),
		cmocka_unit_test(test_stratum),
		cmocka_unit_test(test_default_cred_list),
		cmocka_unit_test(test_telnet_mirai),
		cmocka_unit_test(test_ftp_pop_imap_smtp),
		cmocka_unit_test(test_mqtt),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_hostile_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
