/* dev_output.c - the inventory as others see it: EVE "device" events, the
 * devices.json objects, the alert sink's device lookup and risk counting,
 * and the one-line summaries. */
#include "device/inv_int.h"

#include <stdio.h>
#include <string.h>

#include "output/eve.h"
#include "util/json.h"

static const char *const ev_kind_names[] = {
#define DEV_EV_NAME(name, str) str,
	DEV_EVIDENCE_KINDS(DEV_EV_NAME)
#undef DEV_EV_NAME
};

static const char *const class_names[] = {
#define DEV_CLASS_NAME(name, str) str,
	DEV_CLASSES(DEV_CLASS_NAME)
#undef DEV_CLASS_NAME
};

_Static_assert(sizeof(ev_kind_names) / sizeof(ev_kind_names[0]) ==
    DEV_EV__COUNT, "one name per evidence kind");
_Static_assert(sizeof(class_names) / sizeof(class_names[0]) ==
    DEV_CLASS__COUNT, "one name per class");

/* The index of name in one of the tables above, -1 when absent. */
static int name_find(const char *const *names, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *dev_ev_kind_name(enum dev_ev_kind k)
{
	return (unsigned)k < DEV_EV__COUNT ? ev_kind_names[k] : NULL;
}

int dev_ev_kind_parse(const char *name)
{
	return name_find(ev_kind_names, DEV_EV__COUNT, name);
}

/* Bounded copy that always terminates (names may be longer than the
 * alert's fields: they are cut). */
static void copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void kts(struct jbuf *jb, const char *key, uint64_t ts)
{
	char buf[40];
	json_ts(ts, buf, sizeof(buf));
	jb_kstr(jb, key, buf);
}

static void attr(struct jbuf *jb, const char *key, const struct dev_attr *a)
{
	jb_key(jb, key);
	jb_obj_open(jb);
	jb_kstr_or_null(jb, "value", a->value);
	jb_ku64(jb, "confidence", a->confidence);
	jb_kstr_or_null(jb, "why", a->why);
	jb_obj_close(jb);
}

void dev_json_device(struct jbuf *jb, const struct dev_rec *r, int full)
{
	const struct device *d = &r->d;
	char buf[ADDR_STRLEN];

	jb_obj_open(jb);
	jb_key(jb, "mac");
	if (d->has_mac) {
		mac_fmt(d->mac, buf, sizeof(buf));
		jb_str(jb, buf);
	} else {
		jb_null(jb);
	}
	jb_key(jb, "ips");
	jb_arr_open(jb);
	for (unsigned i = 0; i < d->nips && i < DEV_MAX_IPS; i++) {
		addr_fmt(&d->ips[i].ip, buf, sizeof(buf));
		jb_str(jb, buf);
	}
	jb_arr_close(jb);
	jb_kstr_or_null(jb, "vendor", d->vendor.value);
	jb_kstr(jb, "class", d->cls.value[0] ? d->cls.value :
	    dev_class_name(DEV_CLASS_UNKNOWN));
	jb_kstr_or_null(jb, "model", d->model.value);
	jb_kstr_or_null(jb, "os", d->os.value);
	jb_ku64(jb, "confidence", d->confidence);
	jb_kstr_or_null(jb, "hostname", d->hostname);
	jb_key(jb, "evidence");
	jb_arr_open(jb);
	for (unsigned i = 0; i < d->nev && i < DEV_MAX_EVIDENCE; i++) {
		const struct dev_evidence *e = &d->ev[i];
		const char *k = dev_ev_kind_name((enum dev_ev_kind)e->kind);
		jb_obj_open(jb);
		jb_kstr(jb, "kind", k ? k : "?");
		jb_kstr(jb, "value", e->value);
		kts(jb, "first_seen", e->first_seen);
		kts(jb, "last_seen", e->last_seen);
		jb_ku64(jb, "count", e->count);
		jb_obj_close(jb);
	}
	jb_arr_close(jb);
	kts(jb, "first_seen", d->first_seen);
	kts(jb, "last_seen", d->last_seen);
	if (!full) {
		jb_obj_close(jb);
		return;
	}

	jb_kstr_or_null(jb, "label", d->label.value);
	jb_key(jb, "roles");
	jb_arr_open(jb);
	if (d->roles & DEV_ROLE_GATEWAY)
		jb_str(jb, "gateway");
	if (d->roles & DEV_ROLE_DHCP_SERVER)
		jb_str(jb, "dhcp-server");
	if (d->roles & DEV_ROLE_DNS_SERVER)
		jb_str(jb, "dns-server");
	jb_arr_close(jb);
	jb_kbool(jb, "mac_random", d->mac_random);
	jb_key(jb, "addresses");		/* with their times */
	jb_arr_open(jb);
	for (unsigned i = 0; i < d->nips && i < DEV_MAX_IPS; i++) {
		jb_obj_open(jb);
		addr_fmt(&d->ips[i].ip, buf, sizeof(buf));
		jb_kstr(jb, "ip", buf);
		kts(jb, "first_seen", d->ips[i].first_seen);
		kts(jb, "last_seen", d->ips[i].last_seen);
		jb_obj_close(jb);
	}
	jb_arr_close(jb);
	jb_ku64(jb, "pkts", d->pkts);
	jb_ku64(jb, "bytes", d->bytes);
	jb_ku64(jb, "bytes_clear", d->bytes_clear);
	jb_ku64(jb, "bytes_enc", d->bytes_enc);
	jb_key(jb, "cleartext_share");
	if (d->bytes_clear + d->bytes_enc)
		jb_dbl(jb, (double)d->bytes_clear /
		    (double)(d->bytes_clear + d->bytes_enc), 3);
	else
		jb_null(jb);
	jb_key(jb, "alerts");
	jb_obj_open(jb);
	jb_ku64(jb, "total", (uint64_t)d->alerts[1] + d->alerts[2] +
	    d->alerts[3]);
	jb_ku64(jb, "high", d->alerts[1]);
	jb_ku64(jb, "medium", d->alerts[2]);
	jb_ku64(jb, "low", d->alerts[3]);
	jb_obj_close(jb);
	jb_key(jb, "previous_macs");
	jb_arr_open(jb);
	for (unsigned i = 0; i < 2; i++)
		if (d->previous_macs[i][0])
			jb_strn(jb, d->previous_macs[i],
			    strnlen(d->previous_macs[i], MAC_STRLEN));
	jb_arr_close(jb);
	jb_ku64(jb, "merged", r->merged);
	jb_ku64(jb, "evidence_dropped", d->ev_dropped);
	jb_key(jb, "identification");
	jb_obj_open(jb);
	attr(jb, "vendor", &d->vendor);
	attr(jb, "class", &d->cls);
	attr(jb, "model", &d->model);
	attr(jb, "os", &d->os);
	attr(jb, "label", &d->label);
	jb_obj_close(jb);
	jb_obj_close(jb);
}

void dev_emit_event(struct dev_inv *inv, struct dev_rec *r, uint64_t ts)
{
	r->reported = 1;
	r->d.ident_reported = r->d.ident_version;
	dev_rec_mark_ident(inv, r);
	if (!inv->eve || !inv->cfg.events)
		return;
	struct jbuf *jb = eve_begin(inv->eve);
	jb_obj_open(jb);
	eve_header(jb, ts, 0, "device");
	jb_key(jb, "device");
	dev_json_device(jb, r, 0);
	jb_obj_close(jb);
	eve_commit(inv->eve);
	inv->st.events++;
}

/* ---- alerts ----------------------------------------------------------- */

int dev_alert_lookup(const uint8_t *mac, const struct addr *ip,
    struct alert_device *out, void *ud)
{
	const struct dev_inv *inv = ud;
	const struct device *d = inv ? dev_inv_lookup(inv, mac, ip) : NULL;

	memset(out, 0, sizeof(*out));
	if (mac)
		mac_fmt(mac, out->mac, sizeof(out->mac));
	if (ip && ip->family)
		addr_fmt(ip, out->ip, sizeof(out->ip));
	if (!d)
		return 0;
	out->known = 1;
	if (d->has_mac)
		mac_fmt(d->mac, out->mac, sizeof(out->mac));
	if (!out->ip[0] && d->nips)
		addr_fmt(&d->ips[d->nips - 1].ip, out->ip, sizeof(out->ip));
	copy(out->vendor, sizeof(out->vendor), d->vendor.value);
	copy(out->cls, sizeof(out->cls), d->cls.value[0] ?
	    d->cls.value : dev_class_name(DEV_CLASS_UNKNOWN));
	copy(out->name, sizeof(out->name), d->label.value[0] ?
	    d->label.value : d->hostname);
	return 1;
}

void dev_on_alert(const struct alert *a, const struct alert_device *dev,
    void *ud)
{
	struct dev_inv *inv = ud;
	(void)dev;
	/* a finding counts once, by its report at the episode's end */
	if (!inv || a->severity < 1 || a->severity > 3 || a->ongoing)
		return;
	const uint8_t *mac = NULL;
	const struct addr *ip;
	if (a->device_side == ALERT_SIDE_DST) {
		if (a->has_dst_mac)
			mac = a->dst_mac;
		ip = &a->dst;
	} else {
		if (a->has_src_mac)
			mac = a->src_mac;
		ip = &a->src;
	}
	const struct device *d = dev_inv_lookup(inv, mac, ip);
	if (d) {	/* the inventory's own record: writable through inv */
		struct dev_rec *r = (struct dev_rec *)(uintptr_t)d;
		r->d.alerts[a->severity]++;
		dev_rec_mark_ident(inv, r);
	}
}

/* ---- summary ---------------------------------------------------------- */

int dev_summary_line(const struct dev_inv *inv, size_t i, char *buf,
    size_t size)
{
	const struct device *d = dev_inv_first(inv);
	for (size_t k = 0; d && k < i; k++)
		d = dev_inv_next(inv, d);
	if (!d || !size)
		return -1;

	char id[ADDR_STRLEN], ip[ADDR_STRLEN], what[256], host[96];
	id[0] = ip[0] = '\0';
	if (d->has_mac)
		mac_fmt(d->mac, id, sizeof(id));
	/* the most recent IPv4 address reads best; else the latest of any */
	for (unsigned k = d->nips; k-- > 0 && !ip[0];)
		if (d->ips[k].ip.family == 4)
			addr_fmt(&d->ips[k].ip, ip, sizeof(ip));
	if (!ip[0] && d->nips)
		addr_fmt(&d->ips[d->nips - 1].ip, ip, sizeof(ip));
	const char *cls = d->cls.value[0] ? d->cls.value :
	    dev_class_name(DEV_CLASS_UNKNOWN);
	const char *name = d->model.value[0] ? d->model.value :
	    d->label.value[0] ? d->label.value : "";
	if (d->vendor.value[0] || name[0])
		snprintf(what, sizeof(what), "%s%s%s (%s, %u%%)",
		    d->vendor.value, d->vendor.value[0] && name[0] ? " " : "",
		    name, cls, (unsigned)d->confidence);
	else
		snprintf(what, sizeof(what), "%s (%u%%)", cls,
		    (unsigned)d->confidence);
	host[0] = '\0';
	if (d->hostname[0])
		snprintf(host, sizeof(host), "  host %s", d->hostname);
	/* printable only: names come from packets */
	int n = snprintf(buf, size, "%-17s %-15s  %s%s%s%s%s",
	    id[0] ? id : "-", ip[0] ? ip : "-", what, host,
	    (d->roles & DEV_ROLE_GATEWAY) ? "  [gateway]" : "",
	    (d->roles & DEV_ROLE_DHCP_SERVER) ? " [dhcp]" : "",
	    (d->roles & DEV_ROLE_DNS_SERVER) ? " [dns]" : "");
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return n < 0 ? -1 : 0;
}

const char *dev_class_name(enum dev_class c)
{
	return (unsigned)c < DEV_CLASS__COUNT ? class_names[c] : NULL;
}

int dev_class_parse(const char *name)
{
	return name_find(class_names, DEV_CLASS__COUNT, name);
}
