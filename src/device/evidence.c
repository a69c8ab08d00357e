/* evidence.c - what a device reveals about itself, one piece at a time.
 *
 * proto/ has already parsed the payload into a struct app_meta; here each
 * field worth keeping becomes a (kind, value) pair on the device that said
 * it, with the packet time. A device's evidence is bounded (DEV_MAX_EVIDENCE)
 * with a cap per kind, so the names a chatty device resolves cannot push
 * out its DHCP or mDNS evidence. All strings from the packet are copied
 * bounded; they may hold any byte (writers escape them). */
#include "device/inv_int.h"

#include <stdio.h>
#include <string.h>

static unsigned kind_cap(enum dev_ev_kind k)
{
	switch (k) {
	case DEV_EV_DNS_QUERY:
	case DEV_EV_TLS_SNI:
	case DEV_EV_HTTP_HOST:
		return DEV_EV_KIND_CAP_NAMES;
	case DEV_EV_OUI:
	case DEV_EV_DHCP_HOSTNAME:
		return 2;
	default:
		return DEV_EV_KIND_CAP;
	}
}

static void remove_ev(struct device *d, unsigned i)
{
	memmove(&d->ev[i], &d->ev[i + 1], (d->nev - i - 1) * sizeof(d->ev[0]));
	d->nev--;
}

/* e holds (kind, value cut to n bytes), as stored */
static inline int ev_is(const struct dev_evidence *e, enum dev_ev_kind kind,
    const char *value, size_t n)
{
	return e->kind == kind && e->value[0] == value[0] &&
	    memcmp(e->value, value, n) == 0 && e->value[n] == '\0';
}

int dev_add_evidence(struct device *d, enum dev_ev_kind kind,
    const char *value, uint64_t ts)
{
	unsigned per[DEV_EV__COUNT];

	if ((unsigned)kind >= DEV_EV__COUNT || !value || !value[0])
		return 0;
	/* compare as stored: truncated to n bytes. Most calls repeat what
	 * the device said before, so look for it first without copying; the
	 * entry equals the stored form when its first n bytes are value's
	 * and it ends there. */
	size_t n = strnlen(value, DEV_EV_VALUE_LEN - 1);
	/* Entries are unique by (kind, stored value): every entry comes in
	 * through here or through a restore that drops duplicates. So the
	 * entry the hint names, when it matches, is the one the scan would
	 * find, and the scan (one cache line per entry) is skipped: a device
	 * repeats its SYN fingerprint and its last query name most. */
	uint8_t *hint = &d->ev_hint[kind == DEV_EV_TCP_SYN ? 0 : 1];
	unsigned h = *hint;
	struct dev_evidence *e = NULL;
	if (h < d->nev && ev_is(&d->ev[h], kind, value, n))
		e = &d->ev[h];
	for (unsigned i = 0; !e && i < d->nev; i++)
		if (i != h && ev_is(&d->ev[i], kind, value, n)) {
			e = &d->ev[i];
			*hint = (uint8_t)i;
		}
	if (e) {
		e->count++;
		if (ts > e->last_seen)
			e->last_seen = ts;
		if (ts < e->first_seen)
			e->first_seen = ts;
		return 0;
	}
	/* new: keep a copy, value may point into d's own evidence */
	char v[DEV_EV_VALUE_LEN];
	memcpy(v, value, n);
	v[n] = '\0';
	memset(per, 0, sizeof(per));
	for (unsigned i = 0; i < d->nev; i++)
		per[d->ev[i].kind < DEV_EV__COUNT ? d->ev[i].kind : 0]++;
	if (per[kind] >= kind_cap(kind)) {
		d->ev_dropped++;
		return 0;
	}
	if (d->nev == DEV_MAX_EVIDENCE) {
		/* full: a kind with fewer entries takes the place of the
		 * stalest entry of the most plentiful kind */
		unsigned big = 0;
		for (unsigned k = 1; k < DEV_EV__COUNT; k++)
			if (per[k] > per[big])
				big = k;
		d->ev_dropped++;
		if (per[big] <= per[kind] + 1)
			return 0;
		unsigned victim = DEV_MAX_EVIDENCE;
		for (unsigned i = 0; i < d->nev; i++)
			if (d->ev[i].kind == big && (victim == DEV_MAX_EVIDENCE ||
			    d->ev[i].last_seen < d->ev[victim].last_seen))
				victim = i;
		remove_ev(d, victim);
	}
	*hint = (uint8_t)d->nev;
	e = &d->ev[d->nev++];
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
	e->count = 1;
	e->first_seen = e->last_seen = ts;
	memcpy(e->value, v, n + 1);
	return 1;
}

/* ---- helpers ---------------------------------------------------------- */

static size_t ci_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	if (n < m)
		return 0;
	for (size_t i = 0; i < m; i++) {
		char a = s[n - m + i], b = suf[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return m;
}

static int ci_prefix(const char *s, const char *pre)
{
	for (; *pre; s++, pre++) {
		char a = *s;
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != *pre)
			return 0;
	}
	return 1;
}

static void lower(char *dst, size_t size, const char *s)
{
	size_t i = 0;
	for (; s[i] && i + 1 < size; i++) {
		char c = s[i];
		dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	dst[i] = '\0';
}

/* "name.local" -> "name" (for the device's host name). */
static void strip_local(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s) - ci_suffix(s, ".local");
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* DNS-SD service type in a name ending "._tcp.local"/"._udp.local":
 * "_printer._sub._ipp._tcp.local" -> "_ipp._tcp". Returns the offset of
 * the service type within name (the instance, if any, ends one before),
 * or -1 when name is no service name. */
static long service_type(const char *name, char *out, size_t size)
{
	size_t loc = ci_suffix(name, ".local");
	size_t n = strlen(name) - loc, proto;
	if (!loc || n < 6)
		return -1;
	/* name[0..n) ends in "._tcp" or "._udp" */
	if (name[n - 5] != '.' || name[n - 4] != '_' ||
	    !(ci_prefix(name + n - 3, "tcp") || ci_prefix(name + n - 3, "udp")))
		return -1;
	proto = n - 5;
	size_t start = proto;
	while (start > 0 && name[start - 1] != '.')
		start--;
	if (name[start] != '_' || start == proto)
		return -1;
	size_t len = n - start;
	if (len >= size)
		len = size - 1;
	memcpy(out, name + start, len);
	out[len] = '\0';
	return (long)start;
}

/* ---- per protocol ----------------------------------------------------- */

static void ev_dhcp(struct dev_inv *inv, const struct packet *p,
    struct dev_rec *src, struct dev_rec *dst, const struct app_dhcp *dh)
{
	uint64_t ts = p->ts_ns;
	static const uint8_t zero4[4];
	(void)dst;

	if (dh->op == 2) {			/* server side */
		if (src && (dh->msg_type == 2 || dh->msg_type == 5) &&
		    !(src->d.roles & DEV_ROLE_DHCP_SERVER)) {
			src->d.roles |= DEV_ROLE_DHCP_SERVER;
			src->dirty = 1;
		}
		/* a router's own address comes from what it serves */
		if (src && p->src.family == 4 &&
		    homenet_contains(&inv->home, &p->src))
			dev_rec_add_ip(inv, src, &p->src, ts);
		if (dh->msg_type != 5 || !memcmp(dh->yiaddr, zero4, 4))
			return;
		/* ACK: the address the client holds from now on. The client
		 * asked first, so it is known: a server answering a flood of
		 * made-up client addresses must not fill the inventory. */
		struct addr yi;
		addr_set4(&yi, dh->yiaddr);
		struct dev_rec *c = NULL;
		if (p->has_eth) {
			if (dev_mac_unicast(dh->chaddr))
				c = dev_rec_find_mac(inv, dh->chaddr);
		} else if (homenet_contains(&inv->home, &yi)) {
			c = dev_rec_for_ip(inv, &yi, ts);
		}
		if (c)
			dev_rec_add_ip(inv, c, &yi, ts);
		return;
	}
	if (dh->op != 1)
		return;
	/* client side: the client is chaddr. When another MAC sent it (a
	 * relay, or a starvation attack inventing clients) only a client
	 * already known gets the evidence. */
	struct dev_rec *c = src;
	if (p->has_eth && memcmp(dh->chaddr, p->src_mac, 6) != 0)
		c = dev_mac_unicast(dh->chaddr) ?
		    dev_rec_find_mac(inv, dh->chaddr) : NULL;
	if (!c)
		return;
	int id = 0;
	id |= dev_rec_evidence(c, DEV_EV_DHCP_HOSTNAME, dh->hostname, ts);
	dev_rec_evidence(c, DEV_EV_DHCP_VENDOR, dh->vendor_class, ts);
	id |= dev_rec_evidence(c, DEV_EV_DHCP_PRL, dh->prl, ts);
	dev_rec_evidence(c, DEV_EV_DHCP_OPTIONS, dh->options, ts);
	id |= dev_rec_evidence(c, DEV_EV_DHCP_CLIENTID, dh->client_id, ts);
	dev_rec_evidence(c, DEV_EV_MUD_URL, dh->mud_url, ts);
	dev_rec_set_hostname(c, dh->hostname, DEV_NAME_DHCP);
	if (id)
		dev_rec_try_merge(inv, c);
}

static void ev_dhcp6(struct dev_rec *src, const struct app_dhcp6 *d6,
    uint64_t ts)
{
	char buf[DEV_EV_VALUE_LEN];
	/* client messages: SOLICIT, REQUEST, CONFIRM, RENEW, REBIND,
	 * RELEASE, DECLINE, INFORMATION-REQUEST */
	switch (d6->msg_type) {
	case 1: case 3: case 4: case 5: case 6: case 8: case 9: case 11:
		break;
	default:
		return;
	}
	if (!src)
		return;
	if (d6->vendor_class[0])
		dev_rec_evidence(src, DEV_EV_DHCP6_VENDOR, d6->vendor_class, ts);
	else if (d6->vendor_enterprise) {
		snprintf(buf, sizeof(buf), "enterprise:%u",
		    (unsigned)d6->vendor_enterprise);
		dev_rec_evidence(src, DEV_EV_DHCP6_VENDOR, buf, ts);
	}
	dev_rec_evidence(src, DEV_EV_DHCP6_ORO, d6->oro, ts);
	if (d6->hostname[0]) {
		dev_rec_evidence(src, DEV_EV_DHCP6_HOSTNAME, d6->hostname, ts);
		/* the host part of the FQDN */
		size_t n = strcspn(d6->hostname, ".");
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, d6->hostname, n);
		buf[n] = '\0';
		dev_rec_set_hostname(src, buf, DEV_NAME_DHCP6);
	}
}

/* TXT keys that name a model, a product or a category (HomeKit's "ci",
 * the accessory category: 5 lightbulb, 7 outlet, 17 camera, ...). */
static int model_key(const uint8_t *s, size_t klen)
{
	static const char *const keys[] = { "md", "model", "mdl", "ty",
	    "fn", "am", "usb_mdl", "ci" };
	static const uint8_t lens[] = { 2, 5, 3, 2, 2, 2, 7, 2 };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = lens[i];
		if (n != klen)
			continue;
		size_t j = 0;
		for (; j < n; j++) {
			uint8_t c = s[j];
			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c - 'A' + 'a');
			if (c != (uint8_t)keys[i][j])
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

static void ev_txt(struct dev_rec *r, const struct app_dns_rr *rr,
    uint64_t ts)
{
	size_t off = 0, len = rr->txt_len < sizeof(rr->txt) ?
	    rr->txt_len : sizeof(rr->txt);
	while (off < len) {
		size_t n = rr->txt[off++];
		if (n > len - off)
			n = len - off;
		const uint8_t *s = rr->txt + off;
		off += n;
		const uint8_t *eq = memchr(s, '=', n);
		if (!eq || eq == s || !model_key(s, (size_t)(eq - s)) ||
		    eq + 1 == s + n)
			continue;
		char v[DEV_EV_VALUE_LEN];
		size_t m = n < sizeof(v) - 1 ? n : sizeof(v) - 1;
		memcpy(v, s, m);
		v[m] = '\0';
		if (strlen(v) == m)	/* no NUL inside */
			dev_rec_evidence(r, DEV_EV_MDNS_TXT, v, ts);
	}
}

static void ev_mdns_name(struct dev_rec *r, const char *name, uint64_t ts)
{
	char h[DEV_NAME_LEN];
	if (!ci_suffix(name, ".local"))
		return;
	dev_rec_evidence(r, DEV_EV_MDNS_HOSTNAME, name, ts);
	strip_local(h, sizeof(h), name);
	dev_rec_set_hostname(r, h, DEV_NAME_MDNS);
}

/* instance "Living Room._googlecast._tcp.local" -> "Living Room" */
static void ev_instance(struct dev_rec *r, const char *full, uint64_t ts)
{
	char svc[DEV_EV_VALUE_LEN], inst[DEV_EV_VALUE_LEN];
	long at = service_type(full, svc, sizeof(svc));
	if (at <= 1)
		return;
	size_t n = (size_t)at - 1;
	if (n >= sizeof(inst))
		n = sizeof(inst) - 1;
	memcpy(inst, full, n);
	inst[n] = '\0';
	dev_rec_evidence(r, DEV_EV_MDNS_INSTANCE, inst, ts);
}

static void ev_mdns(struct dev_rec *src, const struct app_dns *dns,
    uint64_t ts)
{
	char svc[DEV_EV_VALUE_LEN];
	if (!src)
		return;
	unsigned n = dns->nrr < PROTO_MAX_RR ? dns->nrr : PROTO_MAX_RR;
	for (unsigned i = 0; i < n; i++) {
		const struct app_dns_rr *rr = &dns->rr[i];
		/* what a device announces about itself: answers, and the
		 * records of a probe (authority section of a query) */
		if (rr->section == DNS_SEC_QUESTION)
			continue;
		if (!dns->is_response && rr->section != DNS_SEC_AUTHORITY)
			continue;
		switch (rr->type) {
		case 12:	/* PTR */
			if (ci_suffix(rr->name, ".arpa")) {
				ev_mdns_name(src, rr->target, ts);
			} else if (ci_suffix(rr->name,
			    "_services._dns-sd._udp.local")) {
				if (service_type(rr->target, svc,
				    sizeof(svc)) >= 0)
					dev_rec_evidence(src,
					    DEV_EV_MDNS_SERVICE, svc, ts);
			} else if (service_type(rr->name, svc,
			    sizeof(svc)) >= 0) {
				dev_rec_evidence(src, DEV_EV_MDNS_SERVICE, svc,
				    ts);
				ev_instance(src, rr->target, ts);
			}
			break;
		case 33:	/* SRV */
			ev_instance(src, rr->name, ts);
			ev_mdns_name(src, rr->target, ts);
			break;
		case 16:	/* TXT */
			ev_txt(src, rr, ts);
			break;
		case 1:		/* A */
		case 28:	/* AAAA */
			ev_mdns_name(src, rr->name, ts);
			break;
		default:
			break;
		}
	}
}

static void ev_dns(struct dev_inv *inv, struct dev_rec *src,
    const struct packet *p, const struct app_dns *dns)
{
	uint64_t ts = p->ts_ns;
	if (!src)
		return;
	if (dns->is_response) {
		if (p->sport != 53 || !homenet_contains(&inv->home, &p->src))
			return;
		if (!(src->d.roles & DEV_ROLE_DNS_SERVER)) {
			src->d.roles |= DEV_ROLE_DNS_SERVER;
			src->dirty = 1;
		}
		dev_rec_add_ip(inv, src, &p->src, ts);
		return;
	}
	if (p->dport != 53)
		return;
	unsigned n = dns->nrr < PROTO_MAX_RR ? dns->nrr : PROTO_MAX_RR;
	for (unsigned i = 0; i < n; i++) {
		const struct app_dns_rr *rr = &dns->rr[i];
		if (rr->section != DNS_SEC_QUESTION)
			continue;
		/* reverse lookups say nothing about the device */
		if (!rr->name[0] || ci_suffix(rr->name, ".arpa"))
			continue;
		char v[DEV_EV_VALUE_LEN];
		lower(v, sizeof(v), rr->name);
		dev_rec_evidence(src, DEV_EV_DNS_QUERY, v, ts);
		break;
	}
}

/* ST/NT/USN URNs that name what the device is: UPnP device types and
 * vendors' own URNs (not the generic UPnP service types). */
static void ev_urn(struct dev_rec *r, const char *s, uint64_t ts)
{
	const char *u = strstr(s, "::urn:");
	if (u)
		s = u + 2;
	if (!ci_prefix(s, "urn:"))
		return;
	if (ci_prefix(s, "urn:schemas-upnp-org:") &&
	    !ci_prefix(s, "urn:schemas-upnp-org:device:"))
		return;
	dev_rec_evidence(r, DEV_EV_SSDP_TYPE, s, ts);
}

static void ev_ssdp(struct dev_rec *src, const struct app_ssdp *ss,
    uint64_t ts)
{
	/* NOTIFY and search responses describe the sender; an M-SEARCH
	 * only says what it looks for */
	if (!src || (ss->kind != 1 && ss->kind != 3))
		return;
	dev_rec_evidence(src, DEV_EV_SSDP_SERVER, ss->server, ts);
	ev_urn(src, ss->st, ts);
	ev_urn(src, ss->usn, ts);
}

static void ev_http(struct dev_rec *src, const struct app_http *h,
    uint64_t ts)
{
	char v[DEV_EV_VALUE_LEN];
	if (!src)
		return;
	if (h->is_response) {
		dev_rec_evidence(src, DEV_EV_HTTP_SERVER, h->server, ts);
		return;
	}
	dev_rec_evidence(src, DEV_EV_HTTP_UA, h->user_agent, ts);
	lower(v, sizeof(v), h->host);
	dev_rec_evidence(src, DEV_EV_HTTP_HOST, v, ts);
}

static void ev_tls(struct dev_rec *src, const struct app_tls *t,
    uint64_t ts)
{
	char v[DEV_EV_VALUE_LEN];
	if (!src)
		return;
	lower(v, sizeof(v), t->sni);
	dev_rec_evidence(src, DEV_EV_TLS_SNI, v, ts);
	dev_rec_evidence(src, DEV_EV_JA3, t->ja3_hash, ts);
	dev_rec_evidence(src, DEV_EV_JA4, t->ja4, ts);
}

void dev_evidence_packet(struct dev_inv *inv, const struct packet *p,
    struct dev_rec *src, struct dev_rec *dst, const struct app_meta *m)
{
	uint64_t ts = p->ts_ns;
	switch (m->kind) {
	case APP_DHCP:
		ev_dhcp(inv, p, src, dst, &m->u.dhcp);
		break;
	case APP_DHCP6:
		ev_dhcp6(src, &m->u.dhcp6, ts);
		break;
	case APP_MDNS:
		ev_mdns(src, &m->u.dns, ts);
		break;
	case APP_DNS:
		ev_dns(inv, src, p, &m->u.dns);
		break;
	case APP_SSDP:
		ev_ssdp(src, &m->u.ssdp, ts);
		break;
	case APP_HTTP:
		ev_http(src, &m->u.http, ts);
		break;
	case APP_TLS_CLIENT_HELLO:
		ev_tls(src, &m->u.tls, ts);
		break;
	case APP_NTP:
		if (src && m->u.ntp.mode == 3 && p->dst.family) {
			char a[ADDR_STRLEN];
			addr_fmt(&p->dst, a, sizeof(a));
			dev_rec_evidence(src, DEV_EV_NTP_SERVER, a, ts);
		}
		break;
	case APP_SSH_BANNER:
		if (src)
			dev_rec_evidence(src, DEV_EV_SSH_BANNER,
			    m->u.ssh.banner, ts);
		break;
	default:
		break;
	}
}

/* ---- TCP SYN fingerprint ---------------------------------------------- */

/* Text appended like snprintf into buf of cap bytes: *o counts every
 * character (the length snprintf would report), only those that fit are
 * stored. */
static void put_str(char *buf, size_t cap, size_t *o, const char *s)
{
	for (; *s; s++, (*o)++)
		if (*o + 1 < cap)
			buf[*o] = *s;
}

static void put_uint(char *buf, size_t cap, size_t *o, unsigned v)
{
	char t[12];
	size_t n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n) {
		if (*o + 1 < cap)
			buf[*o] = t[n - 1];
		(*o)++;
		n--;
	}
}

static void put_end(char *buf, size_t cap, size_t o)
{
	buf[o < cap ? o : cap - 1] = '\0';
}

void dev_syn_fingerprint(const struct packet *p, char *buf, size_t size)
{
	/* p0f's idea, reduced: the initial TTL (the observed one rounded up
	 * to the usual starting values), window, MSS, window scale and the
	 * order of the options identify the TCP stack.
	 * "ttl:win:mss:ws:opt,opt,..." with the option list cut at 79
	 * characters and the whole at size - 1, as snprintf would; formatted
	 * by hand since every SYN of every device comes here. */
	static const char *const names[9] = { "eol", "nop", "mss", "ws",
	    "sok", "sack", NULL, NULL, "ts" };
	unsigned ttl = p->ttl <= 32 ? 32 : p->ttl <= 64 ? 64 :
	    p->ttl <= 128 ? 128 : 255;
	char opts[80];
	size_t o = 0;
	if (!size)
		return;
	unsigned nopt = p->tcp_nopts < DEC_TCP_OPT_ORDER ? p->tcp_nopts :
	    DEC_TCP_OPT_ORDER;
	for (unsigned i = 0; i < nopt && o < sizeof(opts); i++) {
		unsigned k = p->tcp_opts[i];
		if (i)
			put_str(opts, sizeof(opts), &o, ",");
		if (k < 9 && names[k]) {
			put_str(opts, sizeof(opts), &o, names[k]);
		} else {
			put_str(opts, sizeof(opts), &o, "?");
			put_uint(opts, sizeof(opts), &o, k);
		}
	}
	put_end(opts, sizeof(opts), o);

	o = 0;
	put_uint(buf, size, &o, ttl);
	put_str(buf, size, &o, ":");
	put_uint(buf, size, &o, (unsigned)p->tcp_win);
	put_str(buf, size, &o, ":");
	put_uint(buf, size, &o, (unsigned)p->tcp_mss);
	put_str(buf, size, &o, ":");
	if (p->tcp_wscale == 0xff)
		put_str(buf, size, &o, "*");
	else
		put_uint(buf, size, &o, (unsigned)p->tcp_wscale);
	put_str(buf, size, &o, ":");
	put_str(buf, size, &o, opts);
	put_end(buf, size, o);
}
