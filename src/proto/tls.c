/* tls.c - TLS ClientHello / ServerHello parser, JA3 and JA4.
 *
 * Only the first handshake record of a segment is read. A hello longer than
 * what the segment holds (post-quantum key shares push some ClientHellos
 * past one MSS) is parsed as far as it goes, so SNI/ALPN/version are still
 * reported when they come early, but JA3/JA4 are left empty: a fingerprint
 * of half the extension list would be wrong, and a wrong fingerprint is
 * worse than none. Reassembly would cost a few KB per flow for the rare IoT
 * client whose hello does not fit one segment. */
#include <string.h>

#include "proto/proto_tcp.h"
#include "util/cursor.h"

/* Per-list caps: far above any real hello (Chrome sends 16 ciphers,
 * 18 extensions); a hello beyond them gets no fingerprint. */
#define TLS_MAX_CIPHERS 128
#define TLS_MAX_EXTS    128
#define TLS_MAX_GROUPS  64
#define TLS_MAX_PF      16
#define TLS_MAX_SIGALGS 64

int proto_tls_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Sorted: NULL, EXPORT, RC4, (3)DES and anonymous suites (IANA registry). */
static const uint16_t weak_suites[] = {
	0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0008,
	0x0009, 0x000a, 0x000b, 0x000c, 0x000d, 0x000e, 0x000f, 0x0010,
	0x0011, 0x0012, 0x0013, 0x0014, 0x0015, 0x0016, 0x0017, 0x0018,
	0x0019, 0x001a, 0x001b, 0x001e, 0x001f, 0x0020, 0x0022, 0x0023,
	0x0024, 0x0026, 0x0027, 0x0028, 0x0029, 0x002a, 0x002b, 0x002c,
	0x002d, 0x002e, 0x0034, 0x003a, 0x003b, 0x0046, 0x0060, 0x0061,
	0x0062, 0x0063, 0x0064, 0x0065, 0x006c, 0x006d, 0x0089, 0x008a,
	0x008b, 0x008e, 0x008f, 0x0092, 0x0093, 0x009b, 0x00a6, 0x00a7,
	0x00b0, 0x00b1, 0x00b4, 0x00b5, 0x00b8, 0x00b9, 0x00bf, 0x00c5,
	0xc001, 0xc002, 0xc003, 0xc006, 0xc007, 0xc008, 0xc00b, 0xc00c,
	0xc00d, 0xc010, 0xc011, 0xc012, 0xc015, 0xc016, 0xc017, 0xc018,
	0xc019, 0xc01a, 0xc01b, 0xc01c, 0xc033, 0xc034, 0xc039, 0xc03a,
	0xc03b, 0xc046, 0xc047, 0xc05a, 0xc05b, 0xc084, 0xc085,
};

int proto_tls_weak_cipher(uint16_t cs)
{
	size_t lo = 0, hi = sizeof(weak_suites) / sizeof(weak_suites[0]);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (weak_suites[mid] == cs)
			return 1;
		if (weak_suites[mid] < cs)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Lists collected from a ClientHello, GREASE removed. */
struct hello {
	uint16_t legacy;
	uint16_t ciphers[TLS_MAX_CIPHERS];
	size_t nciphers;
	uint16_t exts[TLS_MAX_EXTS];
	size_t nexts;
	uint16_t groups[TLS_MAX_GROUPS];
	size_t ngroups;
	uint8_t pf[TLS_MAX_PF];
	size_t npf;
	uint16_t sigalgs[TLS_MAX_SIGALGS];
	size_t nsigalgs;
	uint16_t maxver;		/* highest supported_versions, 0 none */
	int has_sni;
	const uint8_t *alpn;		/* first ALPN value */
	size_t alpn_len;
	int overflow;			/* a list went past its cap */
};

static void push16(uint16_t *v, size_t *n, size_t cap, uint16_t x, int *ovf)
{
	if (*n < cap)
		v[(*n)++] = x;
	else
		*ovf = 1;
}

/* A 2-byte-length-prefixed list of 16-bit values (GREASE dropped). */
static void u16_vec(struct cursor *c, uint16_t *v, size_t *n, size_t cap,
    int *ovf)
{
	uint16_t l = cur_be16(c);
	if (c->bad || l > cur_left(c)) {
		c->bad = 1;
		return;
	}
	for (size_t i = 0; i + 1 < l; i += 2) {
		uint16_t x = cur_be16(c);
		if (!proto_tls_grease(x))
			push16(v, n, cap, x, ovf);
	}
	if (l & 1)
		cur_skip(c, 1);
}

static void ext_sni(struct cursor *c, struct app_tls *out)
{
	uint16_t listlen = cur_be16(c);
	(void)listlen;
	uint8_t type = cur_u8(c);
	uint16_t nlen = cur_be16(c);
	const uint8_t *name = cur_bytes(c, nlen);
	if (name && type == 0)
		proto_copy_str(out->sni, sizeof(out->sni), name, nlen);
}

/* First ALPN protocol: into out->alpn and, for JA4, first and flen. */
static void ext_alpn(struct cursor *c, struct app_tls *out,
    const uint8_t **first, size_t *flen)
{
	uint16_t listlen = cur_be16(c);
	(void)listlen;
	uint8_t l = cur_u8(c);
	const uint8_t *v = cur_bytes(c, l);
	if (!v)
		return;
	proto_copy_str(out->alpn, sizeof(out->alpn), v, l);
	if (first) {
		*first = v;
		*flen = l;
	}
}

static void client_ext(struct hello *h, struct app_tls *out, uint16_t type,
    const uint8_t *body, size_t blen)
{
	struct cursor c;
	cur_init(&c, body, blen);
	switch (type) {
	case 0x0000:
		h->has_sni = 1;
		ext_sni(&c, out);
		break;
	case 0x0010:
		ext_alpn(&c, out, &h->alpn, &h->alpn_len);
		break;
	case 0x000a:
		u16_vec(&c, h->groups, &h->ngroups, TLS_MAX_GROUPS,
		    &h->overflow);
		break;
	case 0x000b: {
		uint8_t l = cur_u8(&c);
		for (size_t i = 0; i < l && !c.bad; i++) {
			uint8_t x = cur_u8(&c);
			if (c.bad)
				break;
			if (h->npf < TLS_MAX_PF)
				h->pf[h->npf++] = x;
			else
				h->overflow = 1;
		}
		break;
	}
	case 0x000d:
		u16_vec(&c, h->sigalgs, &h->nsigalgs, TLS_MAX_SIGALGS,
		    &h->overflow);
		break;
	case 0x002b: {
		uint8_t l = cur_u8(&c);
		for (size_t i = 0; i + 1 < l; i += 2) {
			uint16_t v = cur_be16(&c);
			if (c.bad)
				break;
			if (!proto_tls_grease(v) && v > h->maxver)
				h->maxver = v;
		}
		break;
	}
	default:
		break;
	}
}

/* Append decimal v to s (bounded by cap, *len advanced). */
static void put_dec(char *s, size_t *len, size_t cap, unsigned v, char sep,
    int first)
{
	char tmp[8];
	size_t n = 0;
	if (!first && *len + 1 < cap)
		s[(*len)++] = sep;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(tmp));
	while (n > 0 && *len + 1 < cap)
		s[(*len)++] = tmp[--n];
}

static void make_ja3(const struct hello *h, struct app_tls *out)
{
	/* Largest possible text: 6 chars per listed value; fits easily. */
	char s[(TLS_MAX_CIPHERS + TLS_MAX_EXTS + TLS_MAX_GROUPS +
	    TLS_MAX_PF) * 6 + 16];
	size_t len = 0;
	const size_t cap = sizeof(s);

	put_dec(s, &len, cap, h->legacy, ',', 1);
	s[len++] = ',';
	for (size_t i = 0; i < h->nciphers; i++)
		put_dec(s, &len, cap, h->ciphers[i], '-', i == 0);
	s[len++] = ',';
	for (size_t i = 0; i < h->nexts; i++)
		put_dec(s, &len, cap, h->exts[i], '-', i == 0);
	s[len++] = ',';
	for (size_t i = 0; i < h->ngroups; i++)
		put_dec(s, &len, cap, h->groups[i], '-', i == 0);
	s[len++] = ',';
	for (size_t i = 0; i < h->npf; i++)
		put_dec(s, &len, cap, h->pf[i], '-', i == 0);
	s[len] = '\0';

	uint8_t md[16];
	static const char hexd[] = "0123456789abcdef";
	proto_md5(s, len, md);
	for (size_t i = 0; i < 16; i++) {
		out->ja3_hash[2 * i] = hexd[md[i] >> 4];
		out->ja3_hash[2 * i + 1] = hexd[md[i] & 0xf];
	}
	out->ja3_hash[32] = '\0';
	proto_copy_str(out->ja3, sizeof(out->ja3), (const uint8_t *)s, len);
}

/* ---- fingerprint cache ------------------------------------------------
 * A device opens many TLS connections with the same ClientHello lists:
 * the JA3 text, its MD5 and JA4's two SHA-256 are worth computing once.
 * The key is everything make_ja3 and proto_ja4 read (the lists, both
 * versions, SNI presence, ALPN's presence and its first and last byte),
 * compared in full, so a hit returns exactly what the computation would.
 * Per thread (proto_parse_tls stays callable from any thread), small and
 * direct-mapped; hellos whose key or JA3 text would not fit are simply
 * computed every time. */
#define FP_CACHE_SLOTS 32	/* power of two */
#define FP_KEY_MAX     320
#define FP_JA3_MAX     384

struct fp_ent {
	uint64_t hash;
	uint16_t klen;			/* 0: empty slot */
	uint16_t ja3len;
	uint8_t key[FP_KEY_MAX];
	char ja3[FP_JA3_MAX];
	char ja3_hash[33];
	char ja4[40];
};

static _Thread_local struct fp_ent fp_cache[FP_CACHE_SLOTS];

static void key_u16s(uint8_t *k, size_t *o, const uint16_t *v, size_t n)
{
	k[(*o)++] = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		k[(*o)++] = (uint8_t)(v[i] >> 8);
		k[(*o)++] = (uint8_t)v[i];
	}
}

/* The cache key of h into k (FP_KEY_MAX bytes); 0 when it does not fit. */
static size_t fp_key(const struct hello *h, uint8_t *k)
{
	size_t need = 13 + 2 * (h->nciphers + h->nexts + h->ngroups +
	    h->nsigalgs) + h->npf;
	size_t o = 0;
	if (need > FP_KEY_MAX)
		return 0;
	k[o++] = (uint8_t)(h->legacy >> 8);
	k[o++] = (uint8_t)h->legacy;
	k[o++] = (uint8_t)(h->maxver >> 8);
	k[o++] = (uint8_t)h->maxver;
	k[o++] = (uint8_t)(h->has_sni ? 1 : 0);
	if (h->alpn && h->alpn_len) {
		k[o++] = 1;
		k[o++] = h->alpn[0];
		k[o++] = h->alpn[h->alpn_len - 1];
	} else {
		k[o++] = 0;
	}
	key_u16s(k, &o, h->ciphers, h->nciphers);
	key_u16s(k, &o, h->exts, h->nexts);
	key_u16s(k, &o, h->groups, h->ngroups);
	k[o++] = (uint8_t)h->npf;
	memcpy(k + o, h->pf, h->npf);
	o += h->npf;
	key_u16s(k, &o, h->sigalgs, h->nsigalgs);
	return o;
}

static uint64_t fp_hash(const uint8_t *k, size_t n)
{
	uint64_t x = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		x = (x ^ k[i]) * 1099511628211ull;
	return x;
}

static void fingerprints(const struct hello *h, struct app_tls *out)
{
	uint8_t key[FP_KEY_MAX];
	size_t klen = fp_key(h, key);
	struct fp_ent *e = NULL;
	uint64_t hash = 0;

	if (klen) {
		hash = fp_hash(key, klen);
		e = &fp_cache[(hash ^ hash >> 32) & (FP_CACHE_SLOTS - 1)];
		if (e->klen == klen && e->hash == hash &&
		    memcmp(e->key, key, klen) == 0) {
			memcpy(out->ja3, e->ja3, (size_t)e->ja3len + 1);
			memcpy(out->ja3_hash, e->ja3_hash, sizeof(out->ja3_hash));
			memcpy(out->ja4, e->ja4, sizeof(out->ja4));
			return;
		}
	}
	make_ja3(h, out);
	struct ptcp_ja4_in j = {
		.version = h->maxver ? h->maxver : h->legacy,
		.has_sni = h->has_sni,
		.alpn = h->alpn, .alpn_len = h->alpn_len,
		.ciphers = h->ciphers, .nciphers = h->nciphers,
		.exts = h->exts, .nexts = h->nexts,
		.sigalgs = h->sigalgs, .nsigalgs = h->nsigalgs,
	};
	proto_ja4(&j, out->ja4, sizeof(out->ja4));
	if (!e)
		return;
	size_t jl = strnlen(out->ja3, sizeof(out->ja3));
	if (jl >= FP_JA3_MAX)
		return;
	e->hash = hash;
	e->klen = (uint16_t)klen;
	memcpy(e->key, key, klen);
	e->ja3len = (uint16_t)jl;
	memcpy(e->ja3, out->ja3, jl + 1);
	memcpy(e->ja3_hash, out->ja3_hash, sizeof(e->ja3_hash));
	memcpy(e->ja4, out->ja4, sizeof(e->ja4));
}

static int client_hello(struct cursor *c, int complete, struct app_tls *out)
{
	struct hello h;
	memset(&h, 0, sizeof(h));
	h.legacy = cur_be16(c);
	if (c->bad)
		return -1;
	out->version = h.legacy;
	cur_skip(c, 32);			/* random */
	cur_skip(c, cur_u8(c));			/* session id */
	u16_vec(c, h.ciphers, &h.nciphers, TLS_MAX_CIPHERS, &h.overflow);
	if (c->bad)
		return 0;			/* truncated: version only */
	out->ncipher = (uint16_t)h.nciphers;
	for (size_t i = 0; i < h.nciphers; i++)
		if (proto_tls_weak_cipher(h.ciphers[i]))
			out->offers_weak = 1;
	cur_skip(c, cur_u8(c));			/* compression methods */
	if (cur_left(c) == 0 && !c->bad) {
		/* SSLv3-style hello without extensions: still fingerprinted */
	} else {
		uint16_t elen = cur_be16(c);
		if (!c->bad && complete && elen > cur_left(c))
			return -1;		/* lies about its length */
		if (!c->bad && elen < cur_left(c))
			c->len = c->off + elen;	/* ignore trailing bytes */
		while (!c->bad && cur_left(c) >= 4) {
			uint16_t type = cur_be16(c);
			uint16_t blen = cur_be16(c);
			const uint8_t *body = cur_bytes(c, blen);
			if (!body) {
				if (complete)
					return -1;	/* lies about a length */
				break;
			}
			if (!proto_tls_grease(type))
				push16(h.exts, &h.nexts, TLS_MAX_EXTS, type,
				    &h.overflow);
			client_ext(&h, out, type, body, blen);
		}
		if (cur_left(c) != 0)
			c->bad = 1;
	}
	if (h.maxver)
		out->version = h.maxver;
	if (c->bad || !complete || h.overflow)
		return 0;			/* partial: no fingerprints */
	fingerprints(&h, out);
	return 0;
}

static int server_hello(struct cursor *c, struct app_tls *out)
{
	out->version = cur_be16(c);
	if (c->bad)
		return -1;
	cur_skip(c, 32);
	cur_skip(c, cur_u8(c));
	out->cipher = cur_be16(c);
	if (c->bad)
		return 0;
	out->weak_cipher = (uint8_t)proto_tls_weak_cipher(out->cipher);
	cur_skip(c, 1);				/* compression */
	uint16_t elen = cur_be16(c);
	if (!c->bad && elen < cur_left(c))
		c->len = c->off + elen;
	while (!c->bad && cur_left(c) >= 4) {
		uint16_t type = cur_be16(c);
		uint16_t blen = cur_be16(c);
		const uint8_t *body = cur_bytes(c, blen);
		if (!body)
			break;
		struct cursor e;
		cur_init(&e, body, blen);
		if (type == 0x002b) {
			uint16_t v = cur_be16(&e);
			if (!e.bad)
				out->version = v;
		} else if (type == 0x0010) {
			ext_alpn(&e, out, NULL, NULL);
		}
	}
	return 0;
}

int proto_parse_tls(const uint8_t *data, size_t len, struct app_tls *out,
    int *is_server_hello)
{
	struct cursor c;
	memset(out, 0, sizeof(*out));
	if (is_server_hello)
		*is_server_hello = 0;
	cur_init(&c, data, len);
	uint8_t ctype = cur_u8(&c);
	uint16_t rver = cur_be16(&c);
	uint16_t rlen = cur_be16(&c);
	/* Handshake record of SSL 3.0 .. TLS 1.3 (record versions 0x0300 ..
	 * 0x0304; 1.3 keeps 0x0301/0x0303 on the wire). */
	if (c.bad || ctype != 0x16 || (rver >> 8) != 3 || (rver & 0xff) > 4 ||
	    rlen < 4)
		return -1;
	out->record_version = rver;
	int complete = rlen <= cur_left(&c);
	if (complete)
		c.len = c.off + rlen;
	uint8_t htype = cur_u8(&c);
	uint32_t hlen = (uint32_t)cur_u8(&c) << 16;
	hlen |= cur_be16(&c);
	if (c.bad || (htype != 1 && htype != 2))
		return -1;
	if (hlen <= cur_left(&c))
		c.len = c.off + hlen;
	else
		complete = 0;	/* continues in a later record or segment */
	if (htype == 2) {
		if (is_server_hello)
			*is_server_hello = 1;
		return server_hello(&c, out);
	}
	return client_hello(&c, complete, out);
}
