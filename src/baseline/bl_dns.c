/* bl_dns.c - which DNS name stands behind a remote address: the answers of
 * DNS responses seen on the wire, remembered in a fixed LRU table keyed by
 * the answered address. The name kept is the question's (what the device
 * asked for), not the end of a CNAME chain (a CDN's). */
#include <ctype.h>
#include <string.h>

#include "baseline/bl_int.h"
#include "util/siphash.h"

struct bl_dns_rec {
	char name[BL_NAME_LEN];
};

int bl_dns_new(struct baseline *b)
{
	b->dns = lrutab_new(sizeof(struct addr), sizeof(struct bl_dns_rec),
	    BL_DNS_ENTRIES, 0x6e616d6573ull, NULL, NULL);
	return b->dns ? 0 : -1;
}

static void copy_lower(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	for (; src[i] && i + 1 < size; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = 0;
}

void bl_dns_packet(struct baseline *b, const struct app_meta *m)
{
	const struct app_dns *d = &m->u.dns;
	const char *q = NULL;

	if (m->kind != APP_DNS || !d->is_response || d->rcode != 0)
		return;
	for (unsigned i = 0; i < d->nrr && i < PROTO_MAX_RR; i++) {
		const struct app_dns_rr *rr = &d->rr[i];
		if (rr->section == DNS_SEC_QUESTION) {
			if (!q)
				q = rr->name;
			continue;
		}
		if (rr->section != DNS_SEC_ANSWER || !rr->addr.family ||
		    (rr->type != 1 && rr->type != 28))
			continue;
		struct addr key = rr->addr;
		int created;
		struct bl_dns_rec *r = lrutab_get(b->dns, &key, &created);
		copy_lower(r->name, sizeof(r->name), q && q[0] ? q : rr->name);
	}
}

const char *bl_dns_name(struct baseline *b, const struct addr *a)
{
	struct addr key = *a;
	const struct bl_dns_rec *r = lrutab_find(b->dns, &key);

	return r && r->name[0] ? r->name : NULL;
}

/* Second-level labels under which registries sell names ("co.uk",
 * "com.au"): the registered domain then keeps three labels. A short list
 * rather than the public suffix list: it only groups names for novelty. */
static int second_level(const char *label, size_t len)
{
	static const char *const sl[] = { "co", "com", "net", "org", "gov",
		"ac", "edu", "ne", "or", "go" };
	for (size_t i = 0; i < sizeof(sl) / sizeof(sl[0]); i++)
		if (strlen(sl[i]) == len && memcmp(sl[i], label, len) == 0)
			return 1;
	return 0;
}

uint32_t bl_domain_hash(const char *name, char *buf, size_t size)
{
	size_t len = strlen(name);
	size_t dots[3] = { 0 }, nd = 0;
	const char *start = name;

	while (len && name[len - 1] == '.')
		len--;
	/* the last three dots from the end */
	for (size_t i = len; i-- > 0 && nd < 3;)
		if (name[i] == '.')
			dots[nd++] = i;
	if (nd >= 2) {
		size_t tld_at = dots[0] + 1;
		size_t sld_at = dots[1] + 1;
		int keep3 = len - tld_at == 2 &&
		    second_level(name + sld_at, dots[0] - sld_at);
		if (!keep3)
			start = name + sld_at;
		else if (nd >= 3)
			start = name + dots[2] + 1;
	}
	size_t n = (size_t)(name + len - start);
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(buf, start, c);
		buf[c] = 0;
	}
	return (uint32_t)ew_siphash13(0x646f6d61696eull, 1, (const uint8_t *)start,
	    n);
}
