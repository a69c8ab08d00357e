/* ja4.c - the JA4 TLS client fingerprint (FoxIO's JA4 specification):
 * "t" + version + d/i + cipher count + extension count + ALPN mark, then
 * the truncated SHA-256 of the sorted cipher list and of the sorted
 * extension list (SNI and ALPN left out) followed by the signature
 * algorithms in wire order. */
#include <sodium.h>
#include <string.h>

#include "proto/proto_tcp.h"

#define JA4_MAX_LIST 128	/* tls.c never passes more */

static const char hexd[] = "0123456789abcdef";

static void sort_u16(uint16_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {	/* short lists: insertion sort */
		uint16_t x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Append "xxxx,yyyy" for v[0..n) at buf+*len (buf holds at least
 * 5 * JA4_MAX_LIST * 2 + 2 bytes). */
static void put_hex_list(char *buf, size_t *len, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf[(*len)++] = ',';
		for (int s = 12; s >= 0; s -= 4)
			buf[(*len)++] = hexd[(v[i] >> s) & 0xf];
	}
}

static void put_hash12(char *dst, const char *s, size_t n)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)s, n);
	for (size_t i = 0; i < 6; i++) {
		dst[2 * i] = hexd[h[i] >> 4];
		dst[2 * i + 1] = hexd[h[i] & 0xf];
	}
}

static const char *ver_code(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	default: return "00";
	}
}

static int alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

void proto_ja4(const struct ptcp_ja4_in *in, char *out, size_t size)
{
	char a[11], b[13], c[13];
	/* Longest list text: 2 lists of JA4_MAX_LIST 4-hex values. */
	char buf[JA4_MAX_LIST * 5 * 2 + 4];
	uint16_t tmp[JA4_MAX_LIST];
	size_t n, len;

	if (size == 0)
		return;
	out[0] = '\0';
	if (in->nciphers > JA4_MAX_LIST || in->nexts > JA4_MAX_LIST ||
	    in->nsigalgs > JA4_MAX_LIST)
		return;

	const char *vc = ver_code(in->version);
	size_t ncs = in->nciphers > 99 ? 99 : in->nciphers;
	size_t nex = in->nexts > 99 ? 99 : in->nexts;
	a[0] = 't';
	a[1] = vc[0];
	a[2] = vc[1];
	a[3] = in->has_sni ? 'd' : 'i';
	a[4] = (char)('0' + ncs / 10);
	a[5] = (char)('0' + ncs % 10);
	a[6] = (char)('0' + nex / 10);
	a[7] = (char)('0' + nex % 10);
	if (!in->alpn || in->alpn_len == 0) {
		a[8] = '0';
		a[9] = '0';
	} else {
		uint8_t f = in->alpn[0], l = in->alpn[in->alpn_len - 1];
		if (alnum(f) && alnum(l)) {
			a[8] = (char)f;
			a[9] = (char)l;
		} else {	/* spec: first and last hex digit instead */
			a[8] = hexd[f >> 4];
			a[9] = hexd[l & 0xf];
		}
	}
	a[10] = '\0';

	/* b: sorted ciphers, or twelve zeros when there are none. */
	memcpy(tmp, in->ciphers, in->nciphers * sizeof(tmp[0]));
	sort_u16(tmp, in->nciphers);
	len = 0;
	put_hex_list(buf, &len, tmp, in->nciphers);
	if (in->nciphers)
		put_hash12(b, buf, len);
	else
		memset(b, '0', 12);
	b[12] = '\0';

	/* c: sorted extensions without SNI/ALPN, "_" + signature algorithms
	 * when there are any; twelve zeros when the extension list is empty. */
	n = 0;
	for (size_t i = 0; i < in->nexts; i++)
		if (in->exts[i] != 0x0000 && in->exts[i] != 0x0010)
			tmp[n++] = in->exts[i];
	sort_u16(tmp, n);
	len = 0;
	put_hex_list(buf, &len, tmp, n);
	if (in->nsigalgs) {
		buf[len++] = '_';
		put_hex_list(buf, &len, in->sigalgs, in->nsigalgs);
	}
	if (n)
		put_hash12(c, buf, len);
	else
		memset(c, '0', 12);
	c[12] = '\0';

	/* 10 + 1 + 12 + 1 + 12 = 36 characters. */
	char full[40];
	memcpy(full, a, 10);
	full[10] = '_';
	memcpy(full + 11, b, 12);
	full[23] = '_';
	memcpy(full + 24, c, 12);
	full[36] = '\0';
	n = size - 1 < 36 ? size - 1 : 36;
	memcpy(out, full, n);
	out[n] = '\0';
}
