/* quarantine.c - validation of everything a quarantine touches (MACs,
 * IPs, durations), the refusal rules, and the quarantine/release actions
 * on the store. No kernel access here: rendering is nft.c, loading is the
 * CLI's. */
#include "policy/quarantine.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "util/duration.h"
#include "util/json.h"

int quar_parse_duration(const char *s, uint64_t *secs, char *err,
    size_t errlen)
{
	uint64_t v;

	if (dur_parse(s, &v) < 0) {
		snprintf(err, errlen, "duration: expected a number with a unit "
		    "(s, m, h, d, w), e.g. 30m, 2h, 1d, not '%.32s'",
		    s ? s : "");
		return -1;
	}
	if (v == 0 || v > QUAR_DURATION_MAX_S) {
		snprintf(err, errlen, "duration: must be from 1s to %llud",
		    (unsigned long long)(QUAR_DURATION_MAX_S / 86400));
		return -1;
	}
	*secs = v;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int quar_norm_mac(const char *s, char out[MAC_STRLEN])
{
	uint8_t m[6];
	char sep;
	if (!s || strlen(s) != 17)
		return -1;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return -1;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != sep))
			return -1;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	if ((m[0] & 1) || (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0)
		return -1;	/* group address, or none */
	mac_fmt(m, out, MAC_STRLEN);
	return 0;
}

int quar_norm_ip(const char *s, char out[ADDR_STRLEN], int *family)
{
	unsigned char b[16];
	if (!s || !s[0] || strlen(s) >= ADDR_STRLEN)
		return -1;
	if (inet_pton(AF_INET, s, b) == 1) {
		uint32_t a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
		if (a == 0 || a == 0xffffffffu || (a >> 28) == 0xe)
			return -1;	/* unspecified, broadcast, multicast */
		if (!inet_ntop(AF_INET, b, out, ADDR_STRLEN))
			return -1;
		if (family)
			*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		static const unsigned char zero[16];
		if (memcmp(b, zero, 16) == 0 || b[0] == 0xff)
			return -1;	/* unspecified, multicast */
		if (!inet_ntop(AF_INET6, b, out, ADDR_STRLEN))
			return -1;
		if (family)
			*family = 6;
		return 0;
	}
	return -1;
}

int quar_norm_key(const char *s, char out[QUAR_KEY_MAX])
{
	char mac[MAC_STRLEN];
	if (quar_norm_mac(s, mac) == 0) {
		snprintf(out, QUAR_KEY_MAX, "%s", mac);
		return 0;
	}
	return quar_norm_ip(s, out, NULL);
}

/* Add ip (already canonical) unless present or full. */
static void add_ip(char ips[][ADDR_STRLEN], size_t *n, size_t max,
    const char *ip)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(ips[i], ip) == 0)
			return;
	if (*n < max)
		snprintf(ips[(*n)++], ADDR_STRLEN, "%s", ip);
}

static void add_mac(char macs[][MAC_STRLEN], size_t *n, size_t max,
    const char *mac)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(macs[i], mac) == 0)
			return;
	if (*n < max)
		snprintf(macs[(*n)++], MAC_STRLEN, "%s", mac);
}

size_t quar_split_ips(const char *ips, char out[][ADDR_STRLEN], size_t max)
{
	size_t n = 0;
	const char *p = ips;
	while (p && *p) {
		char word[ADDR_STRLEN + 1], ip[ADDR_STRLEN];
		size_t len = strcspn(p, " ");
		if (len > 0 && len < sizeof(word)) {
			memcpy(word, p, len);
			word[len] = '\0';
			if (quar_norm_ip(word, ip, NULL) == 0)
				add_ip(out, &n, max, ip);
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	return n;
}

int quar_device_from_row(const struct store_device *row,
    struct quar_device *d)
{
	char buf[ADDR_STRLEN];
	json_t *root, *v, *x;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (!row->key || quar_norm_key(row->key, d->key) != 0)
		return -1;
	if (row->mac && quar_norm_mac(row->mac, d->mac) != 0)
		d->mac[0] = '\0';
	if (row->ip && quar_norm_ip(row->ip, buf, NULL) == 0)
		add_ip(d->ips, &d->nips, QUAR_MAX_IPS, buf);
	root = row->json ? json_loadb(row->json, row->json_len, 0, NULL) : NULL;
	if (json_is_object(root)) {
		v = json_object_get(root, "mac");
		if (!d->mac[0] && json_is_string(v) &&
		    quar_norm_mac(json_string_value(v), d->mac) != 0)
			d->mac[0] = '\0';
		v = json_object_get(root, "ips");
		json_array_foreach(v, i, x)
			if (json_is_string(x) && quar_norm_ip(json_string_value(x),
			    buf, NULL) == 0)
				add_ip(d->ips, &d->nips, QUAR_MAX_IPS, buf);
		v = json_object_get(root, "roles");
		json_array_foreach(v, i, x) {
			const char *r = json_string_value(x);
			if (!r)
				continue;
			if (strcmp(r, "gateway") == 0)
				d->roles |= QUAR_ROLE_GATEWAY;
			else if (strcmp(r, "dhcp-server") == 0)
				d->roles |= QUAR_ROLE_DHCP;
			else if (strcmp(r, "dns-server") == 0)
				d->roles |= QUAR_ROLE_DNS;
		}
	}
	json_decref(root);
	/* the key itself is one of its addresses */
	char kmac[MAC_STRLEN];
	if (quar_norm_mac(d->key, kmac) == 0) {
		if (!d->mac[0])
			memcpy(d->mac, kmac, sizeof(kmac));
	} else {
		add_ip(d->ips, &d->nips, QUAR_MAX_IPS, d->key);
	}
	return 0;
}

int quar_local_addrs(struct quar_addrs *out)
{
	struct ifaddrs *ifa, *i;
	char buf[ADDR_STRLEN], canon[ADDR_STRLEN];
	memset(out, 0, sizeof(*out));
	if (getifaddrs(&ifa) != 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;
		if (!sa || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		if (sa->sa_family == AF_PACKET) {
			const struct sockaddr_ll *ll =
			    (const struct sockaddr_ll *)(const void *)sa;
			char mac[MAC_STRLEN];
			if (ll->sll_halen != 6)
				continue;
			mac_fmt(ll->sll_addr, buf, sizeof(buf));
			if (quar_norm_mac(buf, mac) == 0)
				add_mac(out->macs, &out->nmacs, QUAR_MAX_LOCAL, mac);
		} else if (sa->sa_family == AF_INET) {
			const struct sockaddr_in *in =
			    (const struct sockaddr_in *)(const void *)sa;
			if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf)) &&
			    quar_norm_ip(buf, canon, NULL) == 0)
				add_ip(out->ips, &out->nips, QUAR_MAX_LOCAL, canon);
		} else if (sa->sa_family == AF_INET6) {
			const struct sockaddr_in6 *in6 =
			    (const struct sockaddr_in6 *)(const void *)sa;
			if (inet_ntop(AF_INET6, &in6->sin6_addr, buf,
			    sizeof(buf)) && quar_norm_ip(buf, canon, NULL) == 0)
				add_ip(out->ips, &out->nips, QUAR_MAX_LOCAL, canon);
		}
	}
	freeifaddrs(ifa);
	return 0;
}

/* The first address of d found in a: 1 with what in *hit, else 0. */
static int addr_hit(const struct quar_device *d, const struct quar_addrs *a,
    const char **hit)
{
	if (!a)
		return 0;
	for (size_t i = 0; d->mac[0] && i < a->nmacs; i++)
		if (strcmp(d->mac, a->macs[i]) == 0) {
			*hit = d->mac;
			return 1;
		}
	for (size_t i = 0; i < d->nips; i++)
		for (size_t j = 0; j < a->nips; j++)
			if (strcmp(d->ips[i], a->ips[j]) == 0) {
				*hit = d->ips[i];
				return 1;
			}
	return 0;
}

int quar_check(const struct quar_device *d, const struct quar_addrs *own,
    const struct quar_addrs *prot, char *why, size_t whylen)
{
	const char *hit = NULL;
	if (d->roles) {
		snprintf(why, whylen, "refusing to quarantine %s: it is the "
		    "network's %s%s%s%s%s (cutting it off would cut off every "
		    "device)", d->key,
		    (d->roles & QUAR_ROLE_GATEWAY) ? "gateway" : "",
		    (d->roles & QUAR_ROLE_GATEWAY) && (d->roles &
		    (QUAR_ROLE_DHCP | QUAR_ROLE_DNS)) ? ", " : "",
		    (d->roles & QUAR_ROLE_DHCP) ? "DHCP server" : "",
		    (d->roles & QUAR_ROLE_DHCP) && (d->roles & QUAR_ROLE_DNS) ?
		    ", " : "",
		    (d->roles & QUAR_ROLE_DNS) ? "DNS server" : "");
		return -1;
	}
	if (addr_hit(d, own, &hit)) {
		snprintf(why, whylen, "refusing to quarantine %s: %s is an "
		    "address of this sensor", d->key, hit);
		return -1;
	}
	if (addr_hit(d, prot, &hit)) {
		snprintf(why, whylen, "refusing to quarantine %s: %s is also an "
		    "address of the gateway, DHCP or DNS server", d->key, hit);
		return -1;
	}
	if (!d->mac[0] && d->nips == 0) {
		snprintf(why, whylen, "refusing to quarantine %s: no valid MAC "
		    "or IP address known", d->key);
		return -1;
	}
	return 0;
}

/* ---- actions ------------------------------------------------------------- */

struct grab {
	struct quar_device *d;
	int ok;
};

static int grab_dev(const struct store_device *row, void *ud)
{
	struct grab *g = ud;
	g->ok = quar_device_from_row(row, g->d) == 0;
	return 1;
}

/* The addresses of every device with a protected role. */
static int grab_prot(const struct store_device *row, void *ud)
{
	struct quar_addrs *p = ud;
	struct quar_device d;
	if (quar_device_from_row(row, &d) != 0 || !d.roles)
		return 0;
	if (d.mac[0])
		add_mac(p->macs, &p->nmacs, QUAR_MAX_LOCAL, d.mac);
	for (size_t i = 0; i < d.nips; i++)
		add_ip(p->ips, &p->nips, QUAR_MAX_LOCAL, d.ips[i]);
	return 0;
}

int quar_add(struct store *st, const char *key, uint64_t now_s,
    uint64_t for_s, const char *who, const char *why,
    const struct quar_addrs *own, struct quar_device *out, char *msg,
    size_t msglen)
{
	struct quar_addrs *local = NULL, *prot = NULL;	/* big: not on the stack */
	struct quar_device d;
	struct grab g = { &d, 0 };
	char k[QUAR_KEY_MAX], ips[QUAR_MAX_IPS * ADDR_STRLEN];
	struct jbuf jb;
	size_t len = 0;
	int rc, ret;

	if (quar_norm_key(key, k) != 0) {
		snprintf(msg, msglen, "not a MAC or IP address: '%.64s'", key);
		return QUAR_BAD_KEY;
	}
	rc = store_get_device(st, k, grab_dev, &g);
	if (rc < 0) {
		snprintf(msg, msglen, "store error reading device %s", k);
		return QUAR_ERROR;
	}
	if (rc == 0 || !g.ok) {
		snprintf(msg, msglen, "refusing to quarantine %s: no such device "
		    "in the store", k);
		return QUAR_UNKNOWN;
	}
	local = calloc(1, sizeof(*local));
	prot = calloc(1, sizeof(*prot));
	ret = QUAR_ERROR;
	if (!local || !prot) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	if (!own) {
		if (quar_local_addrs(local) != 0) {
			snprintf(msg, msglen, "cannot list this host's addresses "
			    "(getifaddrs); refusing to quarantine");
			goto out;
		}
		own = local;
	}
	if (store_each_device(st, grab_prot, prot) != 0) {
		snprintf(msg, msglen, "store error reading the devices");
		goto out;
	}
	ret = QUAR_REFUSED;
	if (quar_check(&d, own, prot, msg, msglen) != 0)
		goto out;
	ret = QUAR_ERROR;

	ips[0] = '\0';
	for (size_t i = 0; i < d.nips; i++)
		len += (size_t)snprintf(ips + len, sizeof(ips) - len, "%s%s",
		    i ? " " : "", d.ips[i]);
	jb_init(&jb, 4096);
	jb_obj_open(&jb);
	jb_kstr(&jb, "mac", d.mac);
	jb_key(&jb, "ips");
	jb_arr_open(&jb);
	for (size_t i = 0; i < d.nips; i++)
		jb_str(&jb, d.ips[i]);
	jb_arr_close(&jb);
	jb_ku64(&jb, "for_s", for_s);
	jb_obj_close(&jb);
	struct store_quarantine q = {
		.device_key = d.key, .mac = d.mac, .ips = ips, .since = now_s,
		.until = for_s ? now_s + for_s : 0, .who = who, .why = why,
	};
	rc = store_quarantine_put(st, &q, jb.err || !jb.buf ? "" : jb.buf);
	jb_fini(&jb);
	if (rc < 0) {
		snprintf(msg, msglen, "store error: cannot record the quarantine "
		    "of %s", d.key);
		goto out;
	}
	if (for_s)
		snprintf(msg, msglen, "quarantined %s (%s%s%s) for %llus",
		    d.key, d.mac[0] ? d.mac : "", d.mac[0] && ips[0] ? " " : "",
		    ips, (unsigned long long)for_s);
	else
		snprintf(msg, msglen, "quarantined %s (%s%s%s) until released",
		    d.key, d.mac[0] ? d.mac : "", d.mac[0] && ips[0] ? " " : "",
		    ips);
	if (out)
		*out = d;
	ret = QUAR_OK;
out:
	free(local);
	free(prot);
	return ret;
}

int quar_release(struct store *st, const char *key, uint64_t now_s,
    const char *who, const char *why, char *msg, size_t msglen)
{
	char k[QUAR_KEY_MAX];
	int rc;
	if (quar_norm_key(key, k) != 0) {
		snprintf(msg, msglen, "not a MAC or IP address: '%.64s'", key);
		return QUAR_BAD_KEY;
	}
	rc = store_quarantine_release(st, k, now_s, who, why);
	if (rc < 0) {
		snprintf(msg, msglen, "store error: cannot release %s", k);
		return QUAR_ERROR;
	}
	if (rc == 0) {
		snprintf(msg, msglen, "%s is not quarantined", k);
		return QUAR_NOT_QUARANTINED;
	}
	snprintf(msg, msglen, "released %s", k);
	return QUAR_OK;
}
