/* baseline.c - per-device baselines: the device table, what a packet and a
 * new flow teach, novelty against the budget, volume buckets, episodes and
 * their alerts. Zones and MUD checks run on new flows only. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "baseline/bl_int.h"
#include "device/device.h"
#include "policy/mud.h"
#include "policy/zones.h"
#include "util/alloc.h"

#define NS 1000000000ull
#define DAY_NS (86400ull * NS)

static const struct {
	enum alert_category cat;
	const char *mitre;
	uint32_t sid;
} kind_info[BL_K__COUNT] = {
	[BL_K_COUNTRY] = { ALERT_CAT_NEW_COUNTRY, "T1041", 2500 },
	[BL_K_DEST]    = { ALERT_CAT_NEW_DESTINATION, "T1071", 2510 },
	[BL_K_PEER]    = { ALERT_CAT_LATERAL_MOVEMENT, "T1021", 2520 },
	[BL_K_SERVE]   = { ALERT_CAT_NEW_SERVICE, "T1205", 2530 },
	[BL_K_HOURS]   = { ALERT_CAT_UNUSUAL_HOURS, "T1029", 2540 },
	[BL_K_VOLUME]  = { ALERT_CAT_VOLUME_SPIKE, "T1048", 2550 },
	[BL_K_POLICY]  = { ALERT_CAT_POLICY_VIOLATION, "T1599", 2560 },
};

void bl_config_default(struct bl_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->enabled = 1;
	cfg->learn_ns = (uint64_t)BL_LEARN_S * NS;
	cfg->memcap = BL_MEMCAP;
}

const char *bl_proto_name(uint8_t proto)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	default: return "ip";
	}
}

int bl_proto_parse(const char *s, uint8_t *proto)
{
	static const struct { const char *n; uint8_t p; } t[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].n) == 0) {
			*proto = t[i].p;
			return 0;
		}
	return -1;
}

void bl_key_mac(struct bl_key *k, const uint8_t mac[6])
{
	memset(k, 0, sizeof(*k));
	k->kind = 1;
	memcpy(k->b, mac, 6);
}

void bl_key_ip(struct bl_key *k, const struct addr *a)
{
	memset(k, 0, sizeof(*k));
	k->kind = a->family;
	memcpy(k->b, a->a, 16);
}

void bl_key_fmt(const struct bl_key *k, char *buf, size_t size)
{
	if (k->kind == 1) {
		mac_fmt(k->b, buf, size);
	} else {
		struct addr a = { .family = k->kind };
		memcpy(a.a, k->b, 16);
		addr_fmt(&a, buf, size);
	}
}

static void dev_evict(const void *key, void *val, void *ud)
{
	struct baseline *b = ud;
	struct bl_dev *d = val;

	(void)key;
	mud_free(d->mud);
	d->mud = NULL;
	b->st.evicted++;
	b->last[0] = b->last[1] = NULL;
}

struct baseline *bl_new(const struct bl_config *cfg,
    const struct homenet *home, struct alert_sink *sink,
    struct dev_inv *inv, const struct proto *ps, char *err, size_t errlen)
{
	struct baseline *b = ew_calloc(1, sizeof(*b));
	size_t n;

	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->cfg = *cfg;
	b->home = *home;
	b->sink = sink;
	b->inv = inv;
	b->ps = ps;
	n = lrutab_entries_for(sizeof(struct bl_key), sizeof(struct bl_dev),
	    cfg->memcap);
	b->devs = lrutab_new(sizeof(struct bl_key), sizeof(struct bl_dev), n,
	    0x62617365ull, dev_evict, b);
	if (!b->devs || bl_dns_new(b) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!cfg->geo_off) {
		struct geo_config gc;
		geo_config_default(&gc);
		if (cfg->geo_tor4)
			gc.tor4 = cfg->geo_tor4;
		if (cfg->geo_tor6)
			gc.tor6 = cfg->geo_tor6;
		gc.mmdb = cfg->geo_mmdb;
		if (!gc.mmdb) {
			/* IPv6 later, but a missing file is an error now */
			snprintf(b->geo6_path, sizeof(b->geo6_path), "%s",
			    gc.tor6);
			gc.tor6 = NULL;
			if (access(b->geo6_path, R_OK) != 0) {
				snprintf(err, errlen, "%s: %s%s", b->geo6_path,
				    strerror(errno), strcmp(b->geo6_path,
				    GEO_TOR6_DEFAULT) == 0 ? " (install the "
				    "Debian package tor-geoipdb)" : "");
				goto fail;
			}
		}
		if (!(b->geo = geo_open(&gc, err, errlen)))
			goto fail;
		b->st.geo_memory = geo_memory(b->geo);
	}
	if (cfg->zones_path &&
	    !(b->zones = zones_load(cfg->zones_path, err, errlen)))
		goto fail;
	return b;
fail:
	bl_free(b);
	return NULL;
}

void bl_free(struct baseline *b)
{
	if (!b)
		return;
	if (b->devs)
		for (struct bl_dev *d = lrutab_first(b->devs); d;
		    d = lrutab_next(b->devs, d))
			mud_free(d->mud);
	lrutab_free(b->devs);
	lrutab_free(b->dns);
	geo_free(b->geo);
	geo_free(b->geo6);
	zones_free(b->zones);
	ew_free(b);
}

geo_cc bl_country(struct baseline *b, const struct addr *a)
{
	char err[256];

	if (a->family == 6 && b->geo6_path[0]) {
		if (!b->geo6_tried) {
			struct geo_config gc = { NULL, b->geo6_path, NULL };
			b->geo6_tried = 1;
			b->geo6 = geo_open(&gc, err, sizeof(err));
			if (b->geo6)
				b->st.geo_memory += geo_memory(b->geo6);
			else
				b->st.geo_failed++;
		}
		return geo_lookup(b->geo6, a);
	}
	return geo_lookup(b->geo, a);
}

void bl_touch(struct baseline *b, struct bl_dev *d)
{
	d->gen = ++b->gen;
}

/* General-purpose devices meet new destinations all day. */
static int general_class(const char *cls)
{
	static const char *const gp[] = { "phone", "computer", "tv/streamer",
		"router/ap", "wearable" };
	for (size_t i = 0; i < sizeof(gp) / sizeof(gp[0]); i++)
		if (strcmp(cls, gp[i]) == 0)
			return 1;
	return 0;
}

static void refresh_class(struct baseline *b, struct bl_dev *d)
{
	struct alert_device ad;

	if (!b->inv)
		return;
	if (dev_alert_lookup(d->has_mac ? d->mac : NULL,
	    d->ip.family ? &d->ip : NULL, &ad, b->inv)) {
		snprintf(d->cls, sizeof(d->cls), "%s", ad.cls);
		d->general = (uint8_t)general_class(d->cls);
	}
}

struct bl_dev *bl_dev_get(struct baseline *b, const struct bl_key *k,
    uint64_t ts)
{
	int created = 0;
	struct bl_dev *d;

	for (int i = 0; i < 2; i++)
		if (b->last[i] && memcmp(&b->last_key[i], k, sizeof(*k)) == 0)
			return b->last[i];
	d = lrutab_get(b->devs, k, &created);
	if (created) {
		d->first_seen = d->last_seen = ts;
		d->learn_until = ts + b->cfg.learn_ns;
		d->bucket = ts / ((uint64_t)BL_BUCKET_S * NS);
		if (k->kind == 1) {
			d->has_mac = 1;
			memcpy(d->mac, k->b, 6);
		}
		bl_touch(b, d);
	}
	b->last[1] = b->last[0];
	b->last_key[1] = b->last_key[0];
	b->last[0] = d;
	b->last_key[0] = *k;
	return d;
}

/* ---- sets ------------------------------------------------------------ */

int bl_add_country(struct baseline *b, struct bl_dev *d, geo_cc cc)
{
	for (unsigned i = 0; i < d->ncountries; i++)
		if (d->countries[i] == cc)
			return 0;
	if (d->ncountries >= BL_MAX_COUNTRIES) {
		b->st.set_full++;
		return 0;
	}
	d->countries[d->ncountries++] = cc;
	b->st.items_learned++;
	bl_touch(b, d);
	return 1;
}

static int port_find(const struct bl_port *v, unsigned n, uint8_t proto,
    uint16_t port)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i].proto == proto && v[i].port == port)
			return (int)i;
	return -1;
}

int bl_add_service(struct baseline *b, struct bl_dev *d, uint8_t proto,
    uint16_t port)
{
	if (port_find(d->services, d->nservices, proto, port) >= 0)
		return 0;
	if (d->nservices >= BL_MAX_SERVICES) {
		b->st.set_full++;
		return 0;
	}
	d->services[d->nservices++] = (struct bl_port){ proto, 0, port };
	b->st.items_learned++;
	bl_touch(b, d);
	return 1;
}

int bl_add_listen(struct baseline *b, struct bl_dev *d, uint8_t proto,
    uint16_t port, uint8_t from)
{
	int i = port_find(d->listen, d->nlisten, proto, port);

	if (i >= 0) {
		if ((d->listen[i].from & from) != from) {
			d->listen[i].from |= from;
			bl_touch(b, d);
		}
		return 0;
	}
	if (d->nlisten >= BL_MAX_LISTEN) {
		b->st.set_full++;
		return 0;
	}
	d->listen[d->nlisten++] = (struct bl_port){ proto, from, port };
	b->st.items_learned++;
	bl_touch(b, d);
	return 1;
}

int bl_add_domain(struct baseline *b, struct bl_dev *d, uint32_t h)
{
	for (unsigned i = 0; i < d->ndomains; i++)
		if (d->domains[i] == h)
			return 0;
	if (d->ndomains >= BL_MAX_DOMAINS) {
		/* the oldest goes: a domain set is only a novelty filter */
		memmove(d->domains, d->domains + 1,
		    (BL_MAX_DOMAINS - 1) * sizeof(d->domains[0]));
		d->ndomains--;
		b->st.set_full++;
	}
	d->domains[d->ndomains++] = h;
	b->st.items_learned++;
	bl_touch(b, d);
	return 1;
}

static struct bl_peer *peer_find(struct bl_dev *d, const struct addr *ip,
    uint8_t proto, uint16_t port, int dir_in)
{
	for (unsigned i = 0; i < d->npeers; i++) {
		struct bl_peer *p = &d->peers[i];
		if (p->proto == proto && p->port == port &&
		    p->dir_in == dir_in && addr_cmp(&p->ip, ip) == 0)
			return p;
	}
	return NULL;
}

/* The entry used least recently, for replacement when a set is full. */
#define OLDEST(arr, n, out) do { \
	unsigned o_ = 0; \
	for (unsigned i_ = 1; i_ < (n); i_++) \
		if ((arr)[i_].last < (arr)[o_].last) \
			o_ = i_; \
	(out) = o_; \
} while (0)

struct bl_peer *bl_add_peer(struct baseline *b, struct bl_dev *d,
    const struct addr *ip, const uint8_t *mac, uint8_t proto, uint16_t port,
    int dir_in, uint64_t ts)
{
	struct bl_peer *p = peer_find(d, ip, proto, port, dir_in);
	unsigned i;

	if (p)
		return p;
	if (d->npeers < BL_MAX_PEERS) {
		i = d->npeers++;
	} else {
		/* the oldest of the same direction: what others open to
		 * it never pushes out what it opens itself */
		i = BL_MAX_PEERS;
		for (unsigned j = 0; j < d->npeers; j++)
			if (d->peers[j].dir_in == dir_in &&
			    (i == BL_MAX_PEERS ||
			    d->peers[j].last < d->peers[i].last))
				i = j;
		if (i == BL_MAX_PEERS)
			OLDEST(d->peers, d->npeers, i);
		b->st.set_full++;
	}
	p = &d->peers[i];
	memset(p, 0, sizeof(*p));
	p->ip = *ip;
	if (mac) {
		p->has_mac = 1;
		memcpy(p->mac, mac, 6);
	}
	p->proto = proto;
	p->port = port;
	p->dir_in = (uint8_t)dir_in;
	p->first = p->last = ts;
	b->st.items_learned++;
	bl_touch(b, d);
	return p;
}

static int name_index(struct bl_dev *d, const char *name)
{
	for (unsigned i = 0; i < d->nnames; i++)
		if (strncmp(d->names[i], name, BL_NAME_LEN - 1) == 0)
			return (int)i + 1;
	if (d->nnames >= BL_MAX_NAMES)
		return 0;
	snprintf(d->names[d->nnames], BL_NAME_LEN, "%s", name);
	return ++d->nnames;
}

static struct bl_remote *remote_find(struct bl_dev *d, const struct addr *ip,
    uint8_t proto, uint16_t port)
{
	for (unsigned i = 0; i < d->nremotes; i++)
		if (d->remotes[i].port == port && d->remotes[i].proto == proto &&
		    addr_cmp(&d->remotes[i].ip, ip) == 0)
			return &d->remotes[i];
	return NULL;
}

static void add_remote(struct baseline *b, struct bl_dev *d,
    const struct addr *ip, uint8_t proto, uint16_t port, geo_cc cc,
    const char *name, uint64_t ts)
{
	struct bl_remote *r = remote_find(d, ip, proto, port);
	unsigned i;

	if (!r) {
		if (d->nremotes < BL_MAX_REMOTES) {
			i = d->nremotes++;
		} else {
			OLDEST(d->remotes, d->nremotes, i);
			b->st.set_full++;
		}
		r = &d->remotes[i];
		memset(r, 0, sizeof(*r));
		r->ip = *ip;
		r->proto = proto;
		r->port = port;
		r->cc = cc;
		r->first = ts;
		b->st.items_learned++;
	}
	if (name && !r->name)
		r->name = (uint8_t)name_index(d, name);
	r->n++;
	r->last = ts;
	bl_touch(b, d);
}

/* ---- novelty, budget, episodes ------------------------------------------ */

static void item_add(struct bl_episode *e, const char *item)
{
	size_t len = strlen(e->items);
	uint32_t h = 2166136261u;
	unsigned n = e->distinct < 24 ? e->distinct : 24;

	for (const char *c = item; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	for (unsigned i = 0; i < n; i++)
		if (e->seen[i] == h)
			return;
	if (e->distinct < 24)
		e->seen[e->distinct] = h;
	e->distinct++;
	if (!e->first_item[0])
		snprintf(e->first_item, sizeof(e->first_item), "%s", item);
	if (len + strlen(item) + 3 < sizeof(e->items))
		snprintf(e->items + len, sizeof(e->items) - len, "%s%s",
		    len ? "; " : "", item);
}

static void episode_add(struct bl_dev *d, enum bl_kind k, const char *item,
    const struct addr *dst, uint8_t proto, uint16_t dport, uint64_t ts)
{
	struct bl_episode *e = &d->ep[k];

	if (!e->open) {
		memset(e, 0, sizeof(*e));
		e->open = 1;
		e->start = ts;
		e->sev = 3;
		e->rule = -1;
		if (dst)
			e->dst = *dst;
		e->proto = proto;
		e->dport = dport;
	}
	e->end = ts;
	e->count++;
	item_add(e, item);
}

static double gp_floor(enum bl_kind k)
{
	static const double f[BL_K_NOVEL] = BL_GP_BUDGET;
	return f[k];
}

/* 1 when a novel item of kind k may be learned quietly: still learning,
 * or within the device's budget. 0: it is a deviation. */
static int novelty_ok(struct baseline *b, struct bl_dev *d, enum bl_kind k,
    uint64_t ts)
{
	struct bl_budget *g = &d->budget[k];

	if (!d->active) {
		if (ts >= d->first_seen + b->cfg.learn_ns / 2)
			g->late++;
		return 1;
	}
	if (ts > g->last) {
		g->tokens += g->cap * (double)(ts - g->last) / (double)DAY_NS;
		if (g->tokens > g->cap)
			g->tokens = g->cap;
		g->last = ts;
	}
	if (g->tokens >= 1.0) {
		g->tokens -= 1.0;
		b->st.absorbed++;
		return 1;
	}
	return 0;
}

/* The learning period ended: size each budget from the device's own late
 * novelty rate. */
static void activate(struct baseline *b, struct bl_dev *d, uint64_t ts)
{
	double half_days = (double)(b->cfg.learn_ns / 2) / (double)DAY_NS;

	refresh_class(b, d);
	d->active = 1;
	d->hours_ok = b->cfg.learn_ns >= DAY_NS;
	for (int k = 0; k < BL_K_NOVEL; k++) {
		struct bl_budget *g = &d->budget[k];
		double rate = half_days > 0 ? g->late / half_days : 0;
		g->cap = rate + (d->general ? gp_floor((enum bl_kind)k) : 0);
		g->tokens = g->cap;
		g->last = ts;
	}
	bl_touch(b, d);
}

static void fill_device(struct alert *a, const struct bl_dev *d, int dst_side)
{
	if (dst_side) {
		a->device_side = ALERT_SIDE_DST;
		a->dst = d->ip;
		if (d->has_mac) {
			a->has_dst_mac = 1;
			memcpy(a->dst_mac, d->mac, 6);
		}
	} else {
		a->src = d->ip;
		if (d->has_mac) {
			a->has_src_mac = 1;
			memcpy(a->src_mac, d->mac, 6);
		}
	}
}

static void baseline_kv(struct alert *a, const struct bl_dev *d)
{
	alert_kv_str(a, "phase", "after learning");
	alert_kv_num(a, "baseline_countries", d->ncountries);
	alert_kv_num(a, "baseline_services", d->nservices);
	alert_kv_num(a, "baseline_peers", d->npeers);
}

/* Report d's episode of kind k: when it ends, or while it goes on
 * (ongoing: it stays open). */
static void emit(struct baseline *b, struct bl_dev *d, enum bl_kind k,
    int ongoing)
{
	struct bl_episode *e = &d->ep[k];
	struct alert a;
	char peak[32];

	if (!e->open)
		return;
	if (!ongoing)
		e->open = 0;
	if (!b->sink)
		return;
	uint8_t sev = e->sev;
	if (k == BL_K_PEER && e->distinct >= BL_LATERAL_SEV2)
		sev = 2;
	alert_init(&a, kind_info[k].sid + (sev == 2 ? 1u : 0u),
	    kind_info[k].cat, sev, kind_info[k].mitre, "baseline", e->start);
	a.ts_end = e->end;
	/* novelties count what was new; volume its minutes; policy flows */
	a.count = k < BL_K_NOVEL ? e->distinct : e->count;
	fill_device(&a, d, 0);
	if (e->dst.family && k != BL_K_POLICY)
		a.dst = e->dst;
	a.dest_port = e->dport;
	a.proto = e->proto;
	switch (k) {
	case BL_K_COUNTRY:
		alert_signature(&a, "Device talks to a new country");
		alert_text(&a, "first traffic to %s, never seen in its "
		    "baseline of %u countries", e->items, d->ncountries);
		break;
	case BL_K_DEST:
		alert_signature(&a, "Device uses a new destination");
		alert_text(&a, "new for this device: %s", e->items);
		break;
	case BL_K_PEER:
		alert_signature(&a, e->distinct >= BL_LATERAL_SEV2 ?
		    "Lateral movement: device contacts many new internal "
		    "hosts" : sev == 2 ? "Lateral movement: device opens a "
		    "remote service on a new internal host" :
		    "Device contacts a new internal host");
		alert_text(&a, "%u new internal peer(s): %s", e->distinct,
		    e->items);
		break;
	case BL_K_SERVE:
		alert_signature(&a, "Device serves a port it never served");
		alert_text(&a, "now answering on %s", e->items);
		break;
	case BL_K_HOURS:
		alert_signature(&a, "Device active at an unusual hour");
		alert_text(&a, "sending at %s UTC, an hour it was never "
		    "active while learning", e->items);
		break;
	case BL_K_VOLUME:
		snprintf(peak, sizeof(peak), "%.1f", e->peak);
		sev = e->peak >= BL_VOL_SEV2_RATIO &&
		    e->bytes >= BL_VOL_SEV2_BYTES ? 2 : 3;
		a.severity = sev;
		a.sid = kind_info[k].sid + (sev == 2 ? 1u : 0u);
		alert_signature(&a, "Device sends far more than it normally "
		    "does");
		alert_text(&a, "%llu bytes out in %llu minute(s), up to %sx "
		    "its learned peak of %.0f bytes a minute",
		    (unsigned long long)e->bytes,
		    (unsigned long long)e->count, peak, d->out_peak);
		alert_kv_num(&a, "bytes", (double)e->bytes);
		alert_kv_num(&a, "peak_ratio", e->peak);
		alert_kv_num(&a, "threshold_ratio", BL_VOL_RATIO);
		alert_kv_num(&a, "baseline_peak_bytes_per_min", d->out_peak);
		alert_kv_num(&a, "baseline_mean_bytes_per_min", d->out_mean);
		break;
	case BL_K_POLICY:
		a.severity = sev = 2;
		a.sid = kind_info[k].sid + (e->rule >= 0 ? 0u : 1u);
		if (e->inbound) {
			/* the remote host did it; the device is its target */
			memset(&a.src, 0, sizeof(a.src));
			a.has_src_mac = 0;
			a.src = e->dst;
			memset(&a.dst, 0, sizeof(a.dst));
			fill_device(&a, d, 1);
		} else if (e->dst.family) {
			a.dst = e->dst;
		}
		alert_signature(&a, e->rule >= 0 ? "Zone policy violation" :
		    "Traffic outside the device's MUD profile");
		alert_text(&a, "%s", e->items);
		if (e->rule >= 0 && b->zones) {
			alert_kv_str(&a, "rule", zones_rule_text(b->zones,
			    e->rule));
			alert_kv_num(&a, "rule_line", zones_rule_line(b->zones,
			    e->rule));
		}
		break;
	default:
		break;
	}
	alert_kv_str(&a, "item", e->first_item);
	if (k != BL_K_VOLUME && k != BL_K_POLICY)
		baseline_kv(&a, d);
	alert_kv_num(&a, "learned_until_s", (double)(d->learn_until / NS));
	a.ongoing = (uint8_t)ongoing;
	alert_emit(b->sink, &a);
	if (!ongoing)
		b->st.alerts++;		/* episodes, not reports */
}

/* A novel item of kind k: 1 learn it, 0 it joined the episode. The item
 * text (what explain.item carries, and bl_fold_alert reads back) is only
 * formatted when it alerts: this runs on every new flow. */
static int novel(struct baseline *b, struct bl_dev *d, enum bl_kind k,
    const struct addr *dst, uint8_t proto, uint16_t dport, uint64_t ts,
    const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static int novel(struct baseline *b, struct bl_dev *d, enum bl_kind k,
    const struct addr *dst, uint8_t proto, uint16_t dport, uint64_t ts,
    const char *fmt, ...)
{
	char item[96];
	va_list ap;

	if (d->mud)		/* the profile decides, not the baseline */
		return 1;
	if (novelty_ok(b, d, k, ts))
		return 1;
	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	episode_add(d, k, item, dst, proto, dport, ts);
	return 0;
}

/* ---- volume and hours ---------------------------------------------------- */

static void close_bucket(struct baseline *b, struct bl_dev *d,
    uint64_t out, uint64_t in, uint64_t ts)
{
	double o = (double)out, normal, ratio;
	unsigned hour = (unsigned)((d->bucket * BL_BUCKET_S / 3600) % 24);
	int spike = 0;

	normal = d->out_peak > BL_VOL_FLOOR ? d->out_peak : BL_VOL_FLOOR;
	ratio = o / normal;
	if (d->active && !d->mud && ratio >= BL_VOL_RATIO &&
	    out >= BL_VOL_MIN) {
		struct bl_episode *e = &d->ep[BL_K_VOLUME];
		char item[48];
		snprintf(item, sizeof(item), "bytes_per_min=%llu",
		    (unsigned long long)out);
		episode_add(d, BL_K_VOLUME, item, NULL, 0, 0, ts);
		e->bytes += out;
		if (ratio > e->peak)
			e->peak = ratio;
		spike = 1;
	}
	if (!spike) {
		/* EWMA over ~1 day of buckets: mean and mean deviation */
		double alpha = 1.0 / 1440.0;
		double dev = fabs(o - d->out_mean);
		d->out_mean += alpha * (o - d->out_mean);
		d->out_dev += alpha * (dev - d->out_dev);
		d->in_mean += alpha * ((double)in - d->in_mean);
		if (o > d->out_peak)
			d->out_peak = o;
		if ((double)in > d->in_peak)
			d->in_peak = (double)in;
	}
	d->buckets++;
	if (out >= BL_HOUR_ACTIVE && !(d->hours & (1u << hour))) {
		if (!d->active || !d->hours_ok || out < BL_HOUR_ALERT ||
		    novel(b, d, BL_K_HOURS, NULL, 0, 0, ts, "%02u:00", hour))
			d->hours |= 1u << hour;
	}
	bl_touch(b, d);
}

/* Close the buckets between d's current one and the one ts falls in; the
 * learned peak decays over the elapsed buckets. */
static void roll(struct baseline *b, struct bl_dev *d, uint64_t ts)
{
	const uint64_t bns = (uint64_t)BL_BUCKET_S * NS;

	/* runs for every packet's local sides: the usual case, still in
	 * the current bucket, without a 64-bit division */
	if (ts >= d->bucket * bns && ts - d->bucket * bns < bns)
		return;
	uint64_t bk = ts / bns;

	if (bk + 1 < d->bucket) {
		/* time went back (an older capture over a restored store):
		 * start counting again, judge nothing */
		d->bucket = bk;
		d->cur_out = d->cur_in = 0;
		bl_touch(b, d);
		return;
	}
	if (bk <= d->bucket)
		return;
	close_bucket(b, d, d->cur_out, d->cur_in,
	    (d->bucket + 1) * (uint64_t)BL_BUCKET_S * NS);
	uint64_t gap = bk - d->bucket;
	/* idle buckets pull the mean toward 0 in closed form */
	if (gap > 1) {
		double keep = pow(1.0 - 1.0 / 1440.0, (double)(gap - 1));
		d->out_mean *= keep;
		d->out_dev *= keep;
		d->in_mean *= keep;
		d->buckets += gap - 1;
	}
	d->out_peak *= pow(0.5, (double)gap * BL_BUCKET_S /
	    (double)BL_VOL_PEAK_HALFLIFE_S);
	d->cur_out = d->cur_in = 0;
	d->bucket = bk;
	refresh_class(b, d);	/* identification improves over time */
	if (!d->active && ts >= d->learn_until)
		activate(b, d, ts);
}

/* Close episodes idle for BL_EPISODE_IDLE_S (report those going on) and
 * buckets of quiet devices. */
static void walk(struct baseline *b, uint64_t now, int finish)
{
	uint64_t idle = (uint64_t)BL_EPISODE_IDLE_S * NS;

	for (struct bl_dev *d = lrutab_first(b->devs); d;
	    d = lrutab_next(b->devs, d)) {
		/* at the end the last bucket is partial: not judged */
		if (!finish)
			roll(b, d, now);
		for (int k = 0; k < BL_K__COUNT; k++) {
			struct bl_episode *e = &d->ep[k];
			if (e->open && (finish || e->end + idle <= now)) {
				emit(b, d, (enum bl_kind)k, 0);
			} else if (e->open &&
			    alert_ongoing_due(e->end, e->reported)) {
				emit(b, d, (enum bl_kind)k, 1);
				e->reported = now;
			}
		}
	}
}

void bl_tick(struct baseline *b, uint64_t now)
{
	if (now > b->now)
		b->now = now;
	if (now < b->next_walk)
		return;
	b->next_walk = now + 10 * NS;
	walk(b, now, 0);
}

void bl_finish(struct baseline *b, uint64_t now)
{
	if (now > b->now)
		b->now = now;
	walk(b, b->now, 1);
}

const struct bl_stats *bl_stats(struct baseline *b)
{
	b->st.devices = lrutab_count(b->devs);
	b->st.learning = b->st.active = b->st.mud_profiles = 0;
	for (struct bl_dev *d = lrutab_first(b->devs); d;
	    d = lrutab_next(b->devs, d)) {
		if (d->active)
			b->st.active++;
		else
			b->st.learning++;
		if (d->mud)
			b->st.mud_profiles++;
	}
	b->st.memory = lrutab_footprint(sizeof(struct bl_key),
	    sizeof(struct bl_dev), lrutab_capacity(b->devs)) +
	    lrutab_footprint(sizeof(struct addr), BL_NAME_LEN, BL_DNS_ENTRIES) +
	    b->st.geo_memory;
	return &b->st;
}

/* ---- packets and flows ----------------------------------------------------- */

static int is_group(const struct addr *a)
{
	if (a->family == 4)
		return a->a[0] >= 224 || (a->a[0] == 255);
	if (a->family == 6)
		return a->a[0] == 0xff;
	return 1;
}

/* The device record of one side, or NULL when that side is not local. */
static struct bl_dev *side_dev(struct baseline *b, const struct packet *p,
    int src, uint64_t ts)
{
	const struct addr *ip = src ? &p->src : &p->dst;
	struct bl_key k;
	struct bl_dev *d;

	if (is_group(ip) || !homenet_contains(&b->home, ip))
		return NULL;
	if (p->has_eth)
		bl_key_mac(&k, src ? p->src_mac : p->dst_mac);
	else
		bl_key_ip(&k, ip);
	d = bl_dev_get(b, &k, ts);
	if (addr_cmp(&d->ip, ip) != 0) {
		d->ip = *ip;
		bl_touch(b, d);
	}
	if (ts > d->last_seen)
		d->last_seen = ts;
	roll(b, d, ts);
	return d;
}

static void zone_host_of(const struct bl_dev *d, const struct addr *ip,
    int local, struct zone_host *h)
{
	memset(h, 0, sizeof(*h));
	h->ip = ip;
	h->local = local;
	if (d) {
		h->mac = d->has_mac ? d->mac : NULL;
		h->cls = d->cls[0] ? d->cls : NULL;
	}
}

/* 1 when (tag, peer) was reported by d within BL_POLICY_REPEAT_S; else
 * remembers it (replacing the oldest) and returns 0. */
static int reported_recently(struct bl_dev *d, int tag,
    const struct addr *peer, uint64_t ts)
{
	uint32_t h = 2166136261u ^ (uint32_t)tag;
	unsigned old = 0;

	for (size_t i = 0; i < sizeof(*peer); i++)
		h = (h ^ ((const uint8_t *)peer)[i]) * 16777619u;
	for (unsigned i = 0; i < 8; i++) {
		if (d->reported[i].h == h && d->reported[i].until > ts)
			return 1;
		if (d->reported[i].until < d->reported[old].until)
			old = i;
	}
	d->reported[old].h = h;
	d->reported[old].until = ts + (uint64_t)BL_POLICY_REPEAT_S * NS;
	return 0;
}

static int unidentified(const struct bl_dev *d)
{
	return d && (!d->cls[0] || strcmp(d->cls, "unknown") == 0);
}

static void check_zones(struct baseline *b, struct bl_dev *c,
    struct bl_dev *s, const struct packet *p, const struct flow *f,
    uint64_t ts)
{
	struct zone_host hc, hs;
	struct zone_verdict v;
	char item[160], ip[ADDR_STRLEN];
	struct bl_dev *who = c ? c : s;

	if (!b->zones || !who)
		return;
	/* the first minute of a device: no class cached yet */
	if (c && !c->cls[0])
		refresh_class(b, c);
	if (s && !s->cls[0])
		refresh_class(b, s);
	zone_host_of(c, &f->cli_addr, c != NULL, &hc);
	zone_host_of(s, &f->srv_addr, s != NULL, &hs);
	int zc = zones_classify(b->zones, &hc);
	int zs = zones_classify(b->zones, &hs);
	/* a local host in no zone only because it is not identified yet
	 * (class unknown) cannot be judged by a class-based policy; pin
	 * such hosts by MAC or address */
	if ((zc == ZONES_LAN && unidentified(c)) ||
	    (zs == ZONES_LAN && unidentified(s)))
		return;
	zones_check(b->zones, zc, zs, f->proto, f->srv_port, &v);
	if (v.allow || reported_recently(who, v.rule, c ? &f->srv_addr :
	    &f->cli_addr, ts))
		return;
	addr_fmt(c ? &f->srv_addr : &f->cli_addr, ip, sizeof(ip));
	snprintf(item, sizeof(item), "%s -> %s: %s %s/%u", zones_name(b->zones,
	    zc), zones_name(b->zones, zs), ip, bl_proto_name(f->proto),
	    f->srv_port);
	episode_add(who, BL_K_POLICY, item, c ? &f->srv_addr : &f->cli_addr,
	    f->proto, f->srv_port, ts);
	who->ep[BL_K_POLICY].rule = v.rule;
	who->ep[BL_K_POLICY].inbound = c == NULL;
	(void)p;
}

static void check_mud(struct baseline *b, struct bl_dev *d, int from_device,
    const struct addr *remote, int remote_local, uint8_t proto,
    uint16_t remote_port, uint16_t dev_port, uint64_t ts)
{
	struct mud_flow mf;
	char why[160];

	(void)b;
	memset(&mf, 0, sizeof(mf));
	mf.from_device = from_device;
	mf.initiated_by_device = from_device;
	mf.remote = remote;
	mf.remote_name = remote_local ? NULL : bl_dns_name(b, remote);
	mf.remote_local = remote_local;
	mf.proto = proto;
	mf.remote_port = remote_port;
	mf.device_port = dev_port;
	if (mud_allows(d->mud, &mf, why, sizeof(why)) ||
	    reported_recently(d, -2 - proto, remote, ts))
		return;
	episode_add(d, BL_K_POLICY, why, from_device ? remote : NULL, proto,
	    from_device ? remote_port : dev_port, ts);
	d->ep[BL_K_POLICY].rule = -1;
}

/* A device opened a flow to a remote host. */
static void remote_open(struct baseline *b, struct bl_dev *d,
    const struct flow *f, uint64_t ts)
{
	const struct addr *r = &f->srv_addr;
	struct bl_remote *known;
	geo_cc cc;
	const char *name;
	char ccs[3];
	int ok = 1;

	if (d->mud)
		check_mud(b, d, 1, r, 0, f->proto, f->srv_port, f->cli_port,
		    ts);
	/* the usual case: an endpoint it uses already, nothing is new */
	if ((known = remote_find(d, r, f->proto, f->srv_port))) {
		known->n++;
		known->last = ts;
		return;
	}
	cc = bl_country(b, r);
	name = bl_dns_name(b, r);
	if (cc) {
		unsigned i;
		for (i = 0; i < d->ncountries && d->countries[i] != cc; i++)
			;
		if (i == d->ncountries) {
			geo_cc_str(cc, ccs);
			if (novel(b, d, BL_K_COUNTRY, r, f->proto, f->srv_port,
			    ts, "country=%s", ccs))
				bl_add_country(b, d, cc);
			else
				ok = 0;
		}
	}
	if (port_find(d->services, d->nservices, f->proto, f->srv_port) < 0) {
		if (novel(b, d, BL_K_DEST, r, f->proto, f->srv_port, ts,
		    "service=%s/%u", bl_proto_name(f->proto), f->srv_port))
			bl_add_service(b, d, f->proto, f->srv_port);
		else
			ok = 0;
	}
	if (name) {
		char reg[BL_NAME_LEN];
		uint32_t h = bl_domain_hash(name, reg, sizeof(reg));
		unsigned i;
		for (i = 0; i < d->ndomains && d->domains[i] != h; i++)
			;
		if (i == d->ndomains) {
			if (novel(b, d, BL_K_DEST, r, f->proto, f->srv_port, ts,
			    "domain=%s", reg))
				bl_add_domain(b, d, h);
			else
				ok = 0;
		}
	}
	/* an endpoint that alerted is not part of the baseline */
	if (ok)
		add_remote(b, d, r, f->proto, f->srv_port, cc, name, ts);
}

/* Ports of remote shells, file shares and desktops (ATT&CK T1021): a
 * device opening one on a LAN host it never talked to is lateral
 * movement at severity 2 even alone. */
static int remote_service(uint16_t port)
{
	static const uint16_t ports[] = { 21, 22, 23, 135, 139, 445, 2323,
		3389, 5900, 5985, 5986 };
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (ports[i] == port)
			return 1;
	return 0;
}

/* A device opened a flow to another LAN host. */
static void peer_open(struct baseline *b, struct bl_dev *c,
    const struct packet *p, const struct flow *f, uint64_t ts)
{
	const uint8_t *smac = p->has_eth ? p->dst_mac : NULL;
	struct bl_peer *pe = peer_find(c, &f->srv_addr, f->proto, f->srv_port,
	    0);

	if (c->mud)
		check_mud(b, c, 1, &f->srv_addr, 1, f->proto, f->srv_port,
		    f->cli_port, ts);
	if (!pe) {
		char ip[ADDR_STRLEN];
		addr_fmt(&f->srv_addr, ip, sizeof(ip));
		if (novel(b, c, BL_K_PEER, &f->srv_addr, f->proto, f->srv_port,
		    ts, "peer=%s %s/%u", ip, bl_proto_name(f->proto),
		    f->srv_port))
			pe = bl_add_peer(b, c, &f->srv_addr, smac, f->proto,
			    f->srv_port, 0, ts);
		else if (f->proto == 6 && remote_service(f->srv_port))
			c->ep[BL_K_PEER].sev = 2;
	}
	if (pe) {
		pe->n++;
		pe->last = ts;
	}
	/* the server's side is recorded when it answers (served) */
}

/* A local device answered a flow someone opened to it. */
static void served(struct baseline *b, struct bl_dev *s, const struct flow *f,
    int client_local, uint64_t ts)
{
	uint8_t from = client_local ? 1 : 2;

	if (s->mud)
		check_mud(b, s, 0, &f->cli_addr, client_local, f->proto,
		    f->cli_port, f->srv_port, ts);
	/* a LAN client it answered (probes it never answered are not
	 * peers: a scan must not fill the set) */
	if (client_local) {
		struct bl_peer *q = bl_add_peer(b, s, &f->cli_addr,
		    f->has_mac ? f->cli_mac : NULL, f->proto, f->srv_port, 1,
		    ts);
		q->n++;
		q->last = ts;
	}
	if (port_find(s->listen, s->nlisten, f->proto, f->srv_port) >= 0 ||
	    novel(b, s, BL_K_SERVE, NULL, f->proto, f->srv_port, ts,
	    "serve=%s/%u", bl_proto_name(f->proto), f->srv_port))
		bl_add_listen(b, s, f->proto, f->srv_port, from);
}

/* The first packet of f opens a conversation: a TCP segment without ACK
 * or RST (a SYN, or a FIN/NULL/Xmas probe; not a segment picked up
 * mid-stream after the flow expired, so ACK and window scans are left to
 * the scan checks), an ICMP echo request (not an error or a reply), any
 * other protocol's first datagram. */
static int opens(const struct flow *f)
{
	switch (f->proto) {
	case 6:
		return (f->tcp_flags_ts & 0x14) == 0;
	case 1:
		return f->icmp_type == 8;
	case 58:
		return f->icmp_type == 128;
	default:
		return 1;
	}
}

/* Well-known UDP service ports: below 1024, plus SSDP, mDNS, CoAP,
 * STUN. */
static int service_port(uint16_t port)
{
	return port < 1024 || port == 1900 || port == 5353 || port == 5683 ||
	    port == 3478;
}

void bl_packet(struct baseline *b, const struct packet *p,
    const struct flow *f, int to_server, const struct app_meta *m)
{
	uint64_t ts = p->ts_ns;
	struct bl_dev *ds, *dd;

	if (ts > b->now)
		b->now = ts;
	if (m && m->kind == APP_DNS)
		bl_dns_packet(b, m);
	if (!p->ip_version)
		goto out;
	ds = side_dev(b, p, 1, ts);
	dd = side_dev(b, p, 0, ts);
	if (ds)
		ds->cur_out += p->wirelen;
	if (dd && dd != ds)
		dd->cur_in += p->wirelen;
	if (!f || (!ds && !dd))
		goto out;
	/* the flow's first packet: who opened it to whom. A UDP datagram
	 * from a service port to a client port is an answer whose question
	 * we did not see open the flow: to a multicast query (SSDP, mDNS),
	 * or late, after the flow expired (DNS). */
	if (f->proto == 17 && service_port(f->cli_port) &&
	    !service_port(f->srv_port))
		goto out;
	if (to_server && f->pkts_toserver == 1 && f->pkts_toclient == 0 &&
	    opens(f)) {
		struct bl_dev *c = ds, *s = dd;
		if (c && s && c != s)
			peer_open(b, c, p, f, ts);
		else if (c && !s && !is_group(&f->srv_addr))
			remote_open(b, c, f, ts);
		if (!is_group(&f->srv_addr))
			check_zones(b, c, s, p, f, ts);
	} else if (!to_server && f->pkts_toclient == 1 && ds &&
	    !is_group(&f->cli_addr) &&
	    (f->proto != 6 || (f->tcp_flags_tc & 0x12) == 0x12)) {
		/* its first answer (a SYN-ACK for TCP) */
		served(b, ds, f, dd != NULL, ts);
	}
out:
	if (ts >= b->next_walk)
		bl_tick(b, ts);
}

void bl_flow_end(struct baseline *b, const struct flow *f)
{
	char buf[64], app[BL_APP_LEN];
	const char *name;
	struct bl_key k;
	struct bl_dev *d;

	if (!b->ps || !(name = proto_app_name(b->ps, f, buf, sizeof(buf))))
		return;
	/* the master protocol: "TLS.Amazon" -> "TLS" */
	snprintf(app, sizeof(app), "%.*s", (int)strcspn(name, "."), name);
	for (int side = 0; side < 2; side++) {
		const struct addr *ip = side ? &f->srv_addr : &f->cli_addr;
		if (is_group(ip) || !homenet_contains(&b->home, ip))
			continue;
		if (f->has_mac)
			bl_key_mac(&k, side ? f->srv_mac : f->cli_mac);
		else
			bl_key_ip(&k, ip);
		if (!(d = lrutab_find(b->devs, &k)))
			continue;
		unsigned i;
		for (i = 0; i < d->napps && strcmp(d->apps[i], app) != 0; i++)
			;
		if (i == d->napps && d->napps < BL_MAX_APPS) {
			memcpy(d->apps[d->napps++], app, sizeof(app));
			bl_touch(b, d);
		}
	}
}
