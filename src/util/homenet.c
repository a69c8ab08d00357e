/* homenet.c - parse and match the local network ranges. */
#include "util/homenet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline uint32_t be32_load(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void mask_addr(struct addr *a, unsigned bits)
{
	unsigned len = a->family == 4 ? 4 : 16;
	for (unsigned i = 0; i < len; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		a->a[i] = (uint8_t)(a->a[i] & (0xffu << (8 - bits)));
		bits = 0;
	}
}

/* Mark the first octets range net/bits can start with. */
static void oct4_add(struct homenet *hn, uint32_t net, unsigned bits)
{
	if (bits >= 8) {
		unsigned o = net >> 24;
		if (hn->oct4[o] != HOMENET_OCT_IN)
			hn->oct4[o] = bits == 8 ? HOMENET_OCT_IN :
			    HOMENET_OCT_TEST;
		return;
	}
	uint32_t m = bits ? ~0u << (32 - bits) : 0;
	for (unsigned o = 0; o < 256; o++)
		if ((((uint32_t)o << 24) & m) == net)
			hn->oct4[o] = HOMENET_OCT_IN;
}

static int add_cidr(struct homenet *hn, const char *s, char *err,
    size_t errlen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct addr a;
	unsigned long bits;
	uint8_t raw[16];

	if (alen == 0 || alen >= sizeof(buf))
		goto bad;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, buf, raw) == 1)
		addr_set4(&a, raw);
	else if (inet_pton(AF_INET6, buf, raw) == 1)
		addr_set6(&a, raw);
	else
		goto bad;
	unsigned maxbits = a.family == 4 ? 32 : 128;
	bits = maxbits;
	if (slash) {
		char *end;
		if (!slash[1])
			goto bad;
		bits = strtoul(slash + 1, &end, 10);
		if (*end || bits > maxbits)
			goto bad;
	}
	if (hn->n >= HOMENET_MAX) {
		snprintf(err, errlen, "more than %d home-net ranges",
		    HOMENET_MAX);
		return -1;
	}
	mask_addr(&a, (unsigned)bits);
	hn->cidr[hn->n].net = a;
	hn->cidr[hn->n].bits = (unsigned)bits;
	hn->n++;
	if (a.family == 4) {
		uint32_t m = bits ? ~0u << (32 - bits) : 0;
		hn->net4[hn->n4] = be32_load(a.a) & m;
		hn->mask4[hn->n4] = m;
		hn->n4++;
		oct4_add(hn, be32_load(a.a) & m, (unsigned)bits);
	}
	return 0;
bad:
	snprintf(err, errlen, "bad home-net range '%s' (want CIDR such as "
	    "192.168.1.0/24 or fd00::/8)", s);
	return -1;
}

void homenet_default(struct homenet *hn)
{
	static const char *const def[] = {
		"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
		"100.64.0.0/10", "169.254.0.0/16", "fc00::/7", "fe80::/10",
	};
	char err[128];
	memset(hn, 0, sizeof(*hn));
	for (size_t i = 0; i < sizeof(def) / sizeof(def[0]); i++)
		(void)add_cidr(hn, def[i], err, sizeof(err));
	hn->oct4_ready = 1;
}

int homenet_parse(struct homenet *hn, const char *list, char *err,
    size_t errlen)
{
	struct homenet tmp;
	char item[128];
	const char *p = list;

	memset(&tmp, 0, sizeof(tmp));
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(item)) {
			snprintf(err, errlen, "empty or overlong entry in "
			    "home-net '%s'", list);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		if (add_cidr(&tmp, item, err, errlen) < 0)
			return -1;
		p = comma ? comma + 1 : p + strlen(p);
	}
	if (tmp.n == 0) {
		snprintf(err, errlen, "home-net is empty");
		return -1;
	}
	tmp.oct4_ready = 1;
	*hn = tmp;
	return 0;
}

/* Eight bytes as a big-endian number. */
static inline uint64_t be64_load(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#elif !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
	v = 0;
	for (unsigned i = 0; i < 8; i++)
		v = v << 8 | p[i];
#endif
	return v;
}

/* The 16 address bytes as two big-endian words. */
static inline void addr_words(const uint8_t a[16], uint64_t *hi,
    uint64_t *lo)
{
	*hi = be64_load(a);
	*lo = be64_load(a + 8);
}

int homenet_contains(const struct homenet *hn, const struct addr *a)
{
	/* On every packet, several times: the prefix test is masked word
	 * compares instead of a byte-wise memcmp per range. The same test
	 * as before: the first bits bits of a equal the range's. */
	if (a->family == 4) {
		/* an IPv4 address is a[0..3], the rest zero (addr.h); the
		 * IPv4 ranges are all in net4/mask4 */
		uint32_t av = be32_load(a->a);
		if (hn->oct4_ready) {
			/* most remote addresses stop here */
			uint8_t c = hn->oct4[av >> 24];
			if (c != HOMENET_OCT_TEST)
				return c == HOMENET_OCT_IN;
		}
		for (unsigned i = 0; i < hn->n4; i++)
			if ((av & hn->mask4[i]) == hn->net4[i])
				return 1;
		return 0;
	}
	uint64_t ahi, alo;
	addr_words(a->a, &ahi, &alo);
	for (unsigned i = 0; i < hn->n; i++) {
		const struct addr *net = &hn->cidr[i].net;
		unsigned bits = hn->cidr[i].bits;
		uint64_t nhi, nlo, mhi, mlo;
		if (net->family != a->family)
			continue;
		if (bits > 128)
			bits = 128;
		if (bits >= 64) {
			mhi = ~0ull;
			mlo = bits == 64 ? 0 : ~0ull << (128 - bits);
		} else {
			mhi = bits ? ~0ull << (64 - bits) : 0;
			mlo = 0;
		}
		addr_words(net->a, &nhi, &nlo);
		if (((ahi ^ nhi) & mhi) == 0 && ((alo ^ nlo) & mlo) == 0)
			return 1;
	}
	return 0;
}
