/* proto_tls_flight.c - the rest of a simulated TLS handshake: the
 * server's first flight (TLS 1.3: ServerHello, ChangeCipherSpec and an
 * encrypted record; TLS 1.2: ServerHello, a DER certificate chain naming
 * the SNI, ECDHE ServerKeyExchange, ServerHelloDone), both finishing
 * flights, and application-data records of random ciphertext. */
#include "sim/sim_internal.h"

#include <string.h>

/* ---- certificates (DER) ---------------------------------------------- */

/* tag, minimal length, content (content may overlap the output). */
static size_t der_put(uint8_t *o, size_t cap, uint8_t tag, const void *c,
    size_t n)
{
	size_t h = n < 128 ? 2 : n < 256 ? 3 : 4;

	if (n > 0xffff || cap < h || cap - h < n)
		return 0;	/* callers size buffers generously */
	memmove(o + h, c, n);	/* first: content may sit where o is */
	o[0] = tag;
	if (h == 2) {
		o[1] = (uint8_t)n;
	} else if (h == 3) {
		o[1] = 0x81;
		o[2] = (uint8_t)n;
	} else {
		o[1] = 0x82;
		o[2] = (uint8_t)(n >> 8);
		o[3] = (uint8_t)n;
	}
	return h + n;
}

static size_t der_rdn(uint8_t *o, size_t cap, uint8_t attr, uint8_t strtag,
    const char *s)
{
	uint8_t t[200], u[210];
	const uint8_t oid[3] = { 0x55, 0x04, attr };	/* 2.5.4.attr */
	size_t l = strlen(s), n;

	if (l > 150)
		l = 150;
	n = der_put(t, sizeof(t), 0x06, oid, 3);
	n += der_put(t + n, sizeof(t) - n, strtag, s, l);
	n = der_put(u, sizeof(u), 0x30, t, n);
	return der_put(o, cap, 0x31, u, n);
}

static size_t der_name(uint8_t *o, size_t cap, const char *org,
    const char *cn)
{
	uint8_t t[700];
	size_t n = 0;

	if (org && *org) {
		n += der_rdn(t, sizeof(t), 6, 0x13, "US");
		n += der_rdn(t + n, sizeof(t) - n, 10, 0x13, org);
	}
	n += der_rdn(t + n, sizeof(t) - n, 3, 0x0c, cn);
	return der_put(o, cap, 0x30, t, n);
}

static const uint8_t ecdsa_sha256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
	0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const uint8_t ec_p256_alg[] = { 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86,
	0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	0x03, 0x01, 0x07 };

/* ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s } with random r, s,
 * written by hand (at most 72 bytes). */
static size_t der_ecdsa_sig(uint8_t *o, size_t cap, struct sim_rng *r)
{
	size_t n = 2;
	int i;

	if (cap < 72)
		return 0;
	for (i = 0; i < 2; i++) {
		uint8_t v[32];
		int lead;

		sim_rng_bytes(r, v, sizeof(v));
		v[0] |= 0x01;
		lead = (v[0] & 0x80) != 0;	/* DER: 0 before a set top bit */
		o[n++] = 0x02;
		o[n++] = (uint8_t)(32 + lead);
		if (lead)
			o[n++] = 0;
		memcpy(o + n, v, sizeof(v));
		n += sizeof(v);
	}
	o[0] = 0x30;
	o[1] = (uint8_t)(n - 2);
	return n;
}

/* An X.509 v3 certificate with a P-256 key, ECDSA-SHA256 signature and,
 * for a leaf, a subjectAltName with the server name. */
static size_t der_cert(uint8_t *o, size_t cap, struct sim_rng *r,
    const char *iss_org, const char *iss_cn, const char *sub_org,
    const char *sub_cn, int leaf)
{
	uint8_t tbs[1400], t2[1500], v[80];
	size_t n, m;

	static const uint8_t ver[] = { 0xa0, 0x03, 0x02, 0x01, 0x02 };
	static const char nb[] = "231001000000Z", na[] = "241231235959Z";

	memcpy(tbs, ver, sizeof(ver));
	n = sizeof(ver);
	sim_rng_bytes(r, v, 16);
	v[0] = (uint8_t)((v[0] & 0x7f) | 0x01);
	n += der_put(tbs + n, sizeof(tbs) - n, 0x02, v, 16);
	memcpy(tbs + n, ecdsa_sha256, sizeof(ecdsa_sha256));
	n += sizeof(ecdsa_sha256);
	n += der_name(tbs + n, sizeof(tbs) - n, iss_org, iss_cn);
	m = der_put(t2, sizeof(t2), 0x17, nb, 13);
	m += der_put(t2 + m, sizeof(t2) - m, 0x17, na, 13);
	n += der_put(tbs + n, sizeof(tbs) - n, 0x30, t2, m);
	n += der_name(tbs + n, sizeof(tbs) - n, sub_org, sub_cn);
	memcpy(t2, ec_p256_alg, sizeof(ec_p256_alg));
	m = sizeof(ec_p256_alg);
	v[0] = 0;		/* unused bits */
	v[1] = 4;		/* uncompressed point */
	sim_rng_bytes(r, v + 2, 64);
	m += der_put(t2 + m, sizeof(t2) - m, 0x03, v, 66);
	n += der_put(tbs + n, sizeof(tbs) - n, 0x30, t2, m);
	if (leaf) {		/* [3] { SEQ { SEQ { subjectAltName } } } */
		static const uint8_t san_oid[] = { 0x06, 0x03, 0x55, 0x1d,
			0x11 };
		size_t l = strlen(sub_cn);

		if (l > 120)
			l = 120;
		m = der_put(t2, sizeof(t2), 0x82, sub_cn, l);	/* dNSName */
		m = der_put(t2, sizeof(t2), 0x30, t2, m);
		m = der_put(t2, sizeof(t2), 0x04, t2, m);
		memmove(t2 + sizeof(san_oid), t2, m);
		memcpy(t2, san_oid, sizeof(san_oid));
		m = der_put(t2, sizeof(t2), 0x30, t2, m + sizeof(san_oid));
		m = der_put(t2, sizeof(t2), 0x30, t2, m);
		n += der_put(tbs + n, sizeof(tbs) - n, 0xa3, t2, m);
	}
	n = der_put(t2, sizeof(t2), 0x30, tbs, n);
	memcpy(t2 + n, ecdsa_sha256, sizeof(ecdsa_sha256));
	n += sizeof(ecdsa_sha256);
	v[0] = 0;
	m = der_ecdsa_sig(v + 1, sizeof(v) - 1, r);
	n += der_put(t2 + n, sizeof(t2) - n, 0x03, v, m + 1);
	return der_put(o, cap, 0x30, t2, n);
}

struct ca {
	const char *org, *cn, *root_org, *root_cn;
};

static const struct ca cas[] = {
	{ "Amazon", "Amazon ECDSA 256 M02", "Amazon", "Amazon Root CA 3" },
	{ "Google Trust Services LLC", "GTS CA 1P5", "Google Trust Services LLC",
	    "GTS Root R4" },
	{ "DigiCert Inc", "DigiCert Global CA G3", "DigiCert Inc",
	    "DigiCert Global Root G3" },
	{ "Let's Encrypt", "E1", "Internet Security Research Group",
	    "ISRG Root X2" },
};

/* ---- server and finishing flights ----------------------------------- */

static void hs_server_hello(struct sim_bw *w, struct sim_rng *r, int tls13,
    uint16_t cipher, const uint8_t sid[32])
{
	size_t m = sim_bw_open(w, 3), ex;

	sim_bw_u16(w, 0x0303);
	sim_bw_rand(w, r, 32);
	sim_bw_u8(w, 32);
	if (tls13)
		sim_bw_bytes(w, sid, 32);
	else
		sim_bw_rand(w, r, 32);
	sim_bw_u16(w, cipher);
	sim_bw_u8(w, 0);
	ex = sim_bw_open(w, 2);
	if (tls13) {
		sim_bw_u16(w, 0x002b);
		sim_bw_u16(w, 2);
		sim_bw_u16(w, 0x0304);
		sim_bw_u16(w, 0x0033);
		sim_bw_u16(w, 36);
		sim_bw_u16(w, 0x001d);
		sim_bw_u16(w, 32);
		sim_bw_rand(w, r, 32);
	} else {
		static const uint8_t ext12[] = { 0xff, 0x01, 0, 1, 0, 0x00, 0x17,
			0, 0, 0x00, 0x0b, 0, 2, 1, 0, 0x00, 0x23, 0, 0 };

		sim_bw_bytes(w, ext12, sizeof(ext12));
	}
	sim_bw_close(w, ex, 2);
	sim_bw_close(w, m, 3);
}

static void rec_begin(struct sim_bw *w, uint8_t type, size_t *m)
{
	sim_bw_u8(w, type);
	sim_bw_u16(w, 0x0303);
	*m = sim_bw_open(w, 2);
}

static void rec_random(struct sim_bw *w, struct sim_rng *r, uint8_t type,
    size_t n)
{
	sim_bw_u8(w, type);
	sim_bw_u16(w, 0x0303);
	sim_bw_u16(w, (uint16_t)n);
	sim_bw_rand(w, r, n);
}

static void rec_ccs(struct sim_bw *w)
{
	static const uint8_t ccs[] = { 20, 3, 3, 0, 1, 1 };

	sim_bw_bytes(w, ccs, sizeof(ccs));
}

size_t sim_tls_server_flight(uint8_t *buf, size_t cap, struct sim_rng *r,
    int stack, const char *sni, const uint8_t sid[32])
{
	struct sim_bw w;
	size_t rec, m, certs;
	uint8_t der[1600];
	const struct ca *ca = &cas[sim_hash_str(sni ? sni : "") %
	    (sizeof(cas) / sizeof(cas[0]))];

	sim_bw_init(&w, buf, cap);
	rec_begin(&w, 22, &rec);
	sim_bw_u8(&w, 2);
	if (sim_tls_is13(stack)) {
		hs_server_hello(&w, r, 1, stack == SIM_TLS_SCHANNEL ? 0x1302 :
		    0x1301, sid);
		sim_bw_close(&w, rec, 2);
		rec_ccs(&w);
		/* EncryptedExtensions, Certificate, CertificateVerify and
		 * Finished, as one encrypted record. */
		rec_random(&w, r, 23, sim_rng_range(r, 2200, 4200));
		return w.bad ? 0 : w.len;
	}
	hs_server_hello(&w, r, 0, 0xc02b, sid);
	sim_bw_u8(&w, 11);	/* Certificate */
	m = sim_bw_open(&w, 3);
	certs = sim_bw_open(&w, 3);
	{
		size_t n = der_cert(der, sizeof(der), r, ca->org, ca->cn, "",
		    sni ? sni : "localhost", 1);

		sim_bw_u8(&w, 0);
		sim_bw_u16(&w, (uint16_t)n);
		sim_bw_bytes(&w, der, n);
		n = der_cert(der, sizeof(der), r, ca->root_org, ca->root_cn,
		    ca->org, ca->cn, 0);
		sim_bw_u8(&w, 0);
		sim_bw_u16(&w, (uint16_t)n);
		sim_bw_bytes(&w, der, n);
	}
	sim_bw_close(&w, certs, 3);
	sim_bw_close(&w, m, 3);
	sim_bw_u8(&w, 12);	/* ServerKeyExchange: ECDHE P-256 */
	m = sim_bw_open(&w, 3);
	sim_bw_u8(&w, 3);
	sim_bw_u16(&w, 0x0017);
	sim_bw_u8(&w, 65);
	sim_bw_u8(&w, 4);
	sim_bw_rand(&w, r, 64);
	sim_bw_u16(&w, 0x0403);
	{
		size_t n = der_ecdsa_sig(der, sizeof(der), r);

		sim_bw_u16(&w, (uint16_t)n);
		sim_bw_bytes(&w, der, n);
	}
	sim_bw_close(&w, m, 3);
	sim_bw_u8(&w, 14);	/* ServerHelloDone */
	sim_bw_u8(&w, 0);
	sim_bw_u16(&w, 0);
	sim_bw_close(&w, rec, 2);
	return w.bad ? 0 : w.len;
}

size_t sim_tls_client_finish(uint8_t *buf, size_t cap, struct sim_rng *r,
    int stack)
{
	struct sim_bw w;

	sim_bw_init(&w, buf, cap);
	if (!sim_tls_is13(stack)) {
		size_t rec;

		rec_begin(&w, 22, &rec);
		sim_bw_u8(&w, 16);	/* ClientKeyExchange */
		sim_bw_u8(&w, 0);
		sim_bw_u16(&w, 66);
		sim_bw_u8(&w, 65);
		sim_bw_u8(&w, 4);
		sim_bw_rand(&w, r, 64);
		sim_bw_close(&w, rec, 2);
		rec_ccs(&w);
		rec_random(&w, r, 22, 40);	/* encrypted Finished */
	} else {
		rec_ccs(&w);
		rec_random(&w, r, 23, 53);
	}
	return w.bad ? 0 : w.len;
}

size_t sim_tls_server_finish(uint8_t *buf, size_t cap, struct sim_rng *r,
    int stack)
{
	struct sim_bw w;

	sim_bw_init(&w, buf, cap);
	if (!sim_tls_is13(stack)) {
		size_t rec, m;

		rec_begin(&w, 22, &rec);
		sim_bw_u8(&w, 4);	/* NewSessionTicket */
		m = sim_bw_open(&w, 3);
		sim_bw_u32(&w, 7200);
		sim_bw_u16(&w, 176);
		sim_bw_rand(&w, r, 176);
		sim_bw_close(&w, m, 3);
		sim_bw_close(&w, rec, 2);
		rec_ccs(&w);
		rec_random(&w, r, 22, 40);
	} else {
		rec_random(&w, r, 23, sim_rng_range(r, 200, 280));
		rec_random(&w, r, 23, sim_rng_range(r, 200, 280));
	}
	return w.bad ? 0 : w.len;
}

size_t sim_tls_appdata(uint8_t *buf, size_t cap, struct sim_rng *r,
    size_t plain)
{
	struct sim_bw w;

	sim_bw_init(&w, buf, cap);
	do {
		size_t n = plain > 16384 ? 16384 : plain;

		rec_random(&w, r, 23, n + 17);	/* inner type + AEAD tag */
		plain -= n;
	} while (plain && !w.bad);
	return w.bad ? 0 : w.len;
}
