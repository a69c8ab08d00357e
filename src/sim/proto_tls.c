/* proto_tls.c - TLS ClientHellos for the simulated HTTPS/MQTTS sessions.
 *
 * Hellos follow the cipher/extension order of five client stacks
 * (OpenSSL, mbedTLS, Chrome/BoringSSL, Apple, Windows SChannel), GREASE
 * included, so JA3/JA4 computed later separate device families. The
 * server side lives in proto_tls_flight.c. */
#include "sim/sim_internal.h"

#include <string.h>

#define G 0x0a0au		/* GREASE placeholder, replaced per hello */
#define END 0xffffu		/* list terminator (0 is the SNI type) */

struct tls_profile {
	const uint16_t *ciphers, *exts, *groups, *sigalgs, *versions;
	uint8_t ec_formats;	/* how many point formats (1 or 3) */
	uint16_t cert_comp;	/* compress_certificate algorithm, 0 none */
};

static const uint16_t c_openssl[] = { 0x1302, 0x1303, 0x1301, 0xc02c,
	0xc030, 0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024,
	0xc028, 0x006b, 0xc023, 0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009,
	0xc013, 0x0033, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f,
	0x00ff, END };
static const uint16_t c_mbed[] = { 0xc02c, 0xc02b, 0xc030, 0xc02f, 0xc0ad,
	0xc0ac, 0x009f, 0x009e, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a, 0xc009,
	0xc014, 0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f,
	0x00ff, END };
static const uint16_t c_chrome[] = { G, 0x1301, 0x1302, 0x1303, 0xc02b,
	0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
	0x002f, 0x0035, END };
static const uint16_t c_apple[] = { G, 0x1301, 0x1302, 0x1303, 0xc02c,
	0xc02b, 0xcca9, 0xc030, 0xc02f, 0xcca8, 0xc00a, 0xc009, 0xc014, 0xc013,
	0x009d, 0x009c, 0x0035, 0x002f, 0xc008, 0xc012, 0x000a, END };
static const uint16_t c_schannel[] = { 0x1302, 0x1301, 0xc02c, 0xc02b,
	0xc030, 0xc02f, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a, 0xc009, 0xc014,
	0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x000a, END };

static const uint16_t e_openssl[] = { 0x0000, 0x000b, 0x000a, 0x0023,
	0x0010, 0x0016, 0x0017, 0x000d, 0x002b, 0x002d, 0x0033, END };
static const uint16_t e_mbed[] = { 0x0000, 0x000d, 0x000a, 0x000b, 0x0016,
	0x0017, 0x0023, END };
static const uint16_t e_chrome[] = { G, 0x0000, 0x0017, 0xff01, 0x000a,
	0x000b, 0x0023, 0x0010, 0x0005, 0x000d, 0x0012, 0x0033, 0x002d, 0x002b,
	0x001b, 0x4469, G, 0x0015, END };
static const uint16_t e_apple[] = { G, 0x0000, 0x0017, 0xff01, 0x000a,
	0x000b, 0x0010, 0x0005, 0x000d, 0x0012, 0x0033, 0x002d, 0x002b, 0x001b,
	G, 0x0015, END };
static const uint16_t e_schannel[] = { 0x0000, 0x0005, 0x000a, 0x000b,
	0x000d, 0x0023, 0x0010, 0x0017, 0x002b, 0x002d, 0x0033, 0xff01, END };

static const uint16_t g_openssl[] = { 0x001d, 0x0017, 0x001e, 0x0019,
	0x0018, END };
static const uint16_t g_mbed[] = { 0x0017, 0x0018, 0x001d, END };
static const uint16_t g_grease[] = { G, 0x001d, 0x0017, 0x0018, END };
static const uint16_t g_apple[] = { G, 0x001d, 0x0017, 0x0018, 0x0019,
	END };
static const uint16_t g_schannel[] = { 0x001d, 0x0017, 0x0018, END };

static const uint16_t s_openssl[] = { 0x0403, 0x0503, 0x0603, 0x0807,
	0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
	0x0601, 0x0303, 0x0203, 0x0301, 0x0201, 0x0302, 0x0202, 0x0402, 0x0502,
	0x0602, END };
static const uint16_t s_mbed[] = { 0x0603, 0x0601, 0x0503, 0x0501, 0x0403,
	0x0401, 0x0303, 0x0301, 0x0203, 0x0201, END };
static const uint16_t s_chrome[] = { 0x0403, 0x0804, 0x0401, 0x0503,
	0x0805, 0x0501, 0x0806, 0x0601, END };
static const uint16_t s_apple[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0203,
	0x0805, 0x0501, 0x0806, 0x0601, 0x0201, END };
static const uint16_t s_schannel[] = { 0x0804, 0x0805, 0x0806, 0x0401,
	0x0501, 0x0201, 0x0403, 0x0503, 0x0203, 0x0202, 0x0601, 0x0603, END };

static const uint16_t v_13[] = { 0x0304, 0x0303, END };
static const uint16_t v_grease[] = { G, 0x0304, 0x0303, END };
static const uint16_t v_apple[] = { G, 0x0304, 0x0303, 0x0302, 0x0301,
	END };

static const struct tls_profile profiles[SIM_TLS_NSTACKS] = {
	[SIM_TLS_OPENSSL] = { c_openssl, e_openssl, g_openssl, s_openssl,
	    v_13, 3, 0 },
	[SIM_TLS_MBEDTLS] = { c_mbed, e_mbed, g_mbed, s_mbed, NULL, 1, 0 },
	[SIM_TLS_CHROME] = { c_chrome, e_chrome, g_grease, s_chrome,
	    v_grease, 1, 2 },
	[SIM_TLS_APPLE] = { c_apple, e_apple, g_apple, s_apple, v_apple, 1,
	    1 },
	[SIM_TLS_SCHANNEL] = { c_schannel, e_schannel, g_schannel,
	    s_schannel, v_13, 1, 0 },
};

int sim_tls_is13(int stack)
{
	return stack != SIM_TLS_MBEDTLS;
}

static const struct tls_profile *prof(int stack)
{
	if (stack < 0 || stack >= SIM_TLS_NSTACKS)
		stack = SIM_TLS_OPENSSL;
	return &profiles[stack];
}

static void u16_list(struct sim_bw *w, const uint16_t *v, uint16_t grease,
    size_t lenw)
{
	size_t m = sim_bw_open(w, lenw);

	for (; *v != END; v++)
		sim_bw_u16(w, *v == G ? grease : *v);
	sim_bw_close(w, m, lenw);
}

static void ext_alpn(struct sim_bw *w, const char *alpn)
{
	size_t m = sim_bw_open(w, 2);

	while (*alpn) {
		const char *comma = strchr(alpn, ',');
		size_t l = comma ? (size_t)(comma - alpn) : strlen(alpn);

		sim_bw_u8(w, (uint8_t)l);
		sim_bw_bytes(w, alpn, l);
		alpn += l;
		if (*alpn == ',')
			alpn++;
	}
	sim_bw_close(w, m, 2);
}

/* Body of one extension (its type and length are written by caller). */
static void ext_body(struct sim_bw *w, struct sim_rng *r,
    const struct tls_profile *p, uint16_t type, const char *sni,
    const char *alpn, uint16_t gr, size_t hs_mark)
{
	size_t m;

	switch (type) {
	case 0x0000:
		m = sim_bw_open(w, 2);
		sim_bw_u8(w, 0);
		sim_bw_u16(w, (uint16_t)strlen(sni));
		sim_bw_str(w, sni);
		sim_bw_close(w, m, 2);
		break;
	case 0x000b:
		sim_bw_u8(w, p->ec_formats);
		sim_bw_u8(w, 0);
		if (p->ec_formats == 3) {
			sim_bw_u8(w, 1);
			sim_bw_u8(w, 2);
		}
		break;
	case 0x000a:
		u16_list(w, p->groups, gr, 2);
		break;
	case 0x000d:
		u16_list(w, p->sigalgs, gr, 2);
		break;
	case 0x002b:
		m = sim_bw_open(w, 1);
		u16_list(w, p->versions, gr, 0);
		sim_bw_close(w, m, 1);
		break;
	case 0x002d:
		sim_bw_u8(w, 1);
		sim_bw_u8(w, 1);	/* psk_dhe_ke */
		break;
	case 0x0033:
		m = sim_bw_open(w, 2);
		if (p->groups[0] == G) {
			sim_bw_u16(w, gr);
			sim_bw_u16(w, 1);
			sim_bw_u8(w, 0);
		}
		sim_bw_u16(w, 0x001d);
		sim_bw_u16(w, 32);
		sim_bw_rand(w, r, 32);
		sim_bw_close(w, m, 2);
		break;
	case 0x0010:
		ext_alpn(w, alpn);
		break;
	case 0x0005:
		sim_bw_u8(w, 1);	/* OCSP */
		sim_bw_u16(w, 0);
		sim_bw_u16(w, 0);
		break;
	case 0xff01:
		sim_bw_u8(w, 0);
		break;
	case 0x001b:
		sim_bw_u8(w, 2);
		sim_bw_u16(w, p->cert_comp);
		break;
	case 0x4469:		/* ALPS: "h2" */
		sim_bw_u16(w, 3);
		sim_bw_u8(w, 2);
		sim_bw_str(w, "h2");
		break;
	case 0x0015: {		/* pad the hello to 512 bytes (F5 bug) */
		size_t cur = w->len - hs_mark;
		size_t padn = cur < 508 ? 508 - cur : 0;
		static const uint8_t zero[512];

		sim_bw_bytes(w, zero, padn);
		break;
	}
	default:		/* empty: session_ticket, etm, ems, SCT, GREASE */
		break;
	}
}

size_t sim_tls_client_hello(uint8_t *buf, size_t cap, struct sim_rng *r,
    int stack, const char *sni, const char *alpn, uint8_t sid[32])
{
	const struct tls_profile *p = prof(stack);
	uint16_t gr[3];
	unsigned ng = 0;
	struct sim_bw w;
	size_t rec, hs, ex;
	const uint16_t *e;
	int i;

	for (i = 0; i < 3; i++) {
		uint8_t b = (uint8_t)(sim_rng_below(r, 16) << 4 | 0x0a);

		gr[i] = (uint16_t)(b << 8 | b);
	}
	if (gr[2] == gr[1])
		gr[2] ^= 0x1010;
	sim_rng_bytes(r, sid, 32);
	sim_bw_init(&w, buf, cap);
	sim_bw_u8(&w, 22);
	sim_bw_u16(&w, 0x0301);
	rec = sim_bw_open(&w, 2);
	sim_bw_u8(&w, 1);
	hs = sim_bw_open(&w, 3);
	sim_bw_u16(&w, 0x0303);
	sim_bw_rand(&w, r, 32);
	sim_bw_u8(&w, 32);
	sim_bw_bytes(&w, sid, 32);
	u16_list(&w, p->ciphers, gr[0], 2);
	sim_bw_u8(&w, 1);
	sim_bw_u8(&w, 0);
	ex = sim_bw_open(&w, 2);
	for (e = p->exts; *e != END; e++) {
		uint16_t type = *e;
		size_t m;

		if ((type == 0x0000 && !sni) || (type == 0x0010 && !alpn))
			continue;
		if (type == G)
			type = gr[1 + (ng++ ? 1 : 0)];
		sim_bw_u16(&w, type);
		m = sim_bw_open(&w, 2);
		ext_body(&w, r, p, type, sni, alpn, gr[0], hs + 3);
		sim_bw_close(&w, m, 2);
	}
	sim_bw_close(&w, ex, 2);
	sim_bw_close(&w, hs, 3);
	sim_bw_close(&w, rec, 2);
	return w.bad ? 0 : w.len;
}
