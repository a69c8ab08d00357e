/* alert.c - building alerts and the sink that writes and counts them. */
#include "detect/alert.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "output/eve.h"
#include "util/alloc.h"
#include "util/lrutab.h"

static const char *const cat_names[] = {
#define ALERT_CAT_STR(name, str) str,
	ALERT_CATEGORIES(ALERT_CAT_STR)
#undef ALERT_CAT_STR
};

const char *alert_category_name(enum alert_category c)
{
	if ((unsigned)c >= ALERT_CAT__COUNT)
		return NULL;
	return cat_names[c];
}

void alert_init(struct alert *a, uint32_t sid, enum alert_category cat,
    uint8_t severity, const char *mitre, const char *detector, uint64_t ts)
{
	memset(a, 0, sizeof(*a));
	a->sid = sid;
	a->category = cat;
	a->severity = severity < 1 ? 1 : severity > 3 ? 3 : severity;
	if (mitre)
		snprintf(a->mitre, sizeof(a->mitre), "%s", mitre);
	a->detector = detector;
	a->ts_start = a->ts_end = ts;
}

void alert_signature(struct alert *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->signature, sizeof(a->signature), fmt, ap);
	va_end(ap);
}

void alert_text(struct alert *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof(a->text), fmt, ap);
	va_end(ap);
}

static struct alert_kv *kv_add(struct alert *a, const char *key)
{
	if (a->nkv >= ALERT_MAX_EXPLAIN)
		return NULL;
	struct alert_kv *kv = &a->kv[a->nkv++];
	memset(kv, 0, sizeof(*kv));
	snprintf(kv->key, sizeof(kv->key), "%s", key);
	return kv;
}

void alert_kv_num(struct alert *a, const char *key, double v)
{
	struct alert_kv *kv = kv_add(a, key);
	if (kv)
		kv->num = v;
}

void alert_kv_str(struct alert *a, const char *key, const char *v)
{
	struct alert_kv *kv = kv_add(a, key);
	if (!kv)
		return;
	kv->is_str = 1;
	snprintf(kv->str, sizeof(kv->str), "%s", v ? v : "");
}

#define MAX_LISTENERS 8

struct alert_sink {
	struct eve *eve;		/* borrowed */
	alert_device_fn devfn;
	void *devud;
	struct {
		alert_listener_fn fn;
		void *ud;
	} listeners[MAX_LISTENERS];
	unsigned nlisteners;
	int live;			/* see alert_sink_set_live */
	struct lrutab *sev3;		/* device -> last severity-3 alert */
	uint64_t total, suppressed;
	uint64_t by_sev[4];
	uint64_t by_cat[ALERT_CAT__COUNT];
	size_t nkept;
	struct alert_brief *kept;	/* ALERT_KEEP, allocated on first use */
};

/* The device an alert is about, as a budget key: its MAC when known,
 * else its address (text, from the inventory's description). */
struct budget_key {
	char id[ADDR_STRLEN];
};

/* When the device last had an alert of each kind. */
struct budget_rec {
	uint64_t last_low;		/* severity 3 written */
	uint64_t last_high;		/* severity 1 or 2 */
	uint8_t has_low, has_high;
};

struct alert_sink *alert_sink_new(struct eve *eve)
{
	struct alert_sink *s = ew_calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->eve = eve;
	/* the seed only spreads buckets; eviction order is LRU */
	s->sev3 = lrutab_new(sizeof(struct budget_key),
	    sizeof(struct budget_rec),
	    ALERT_BUDGET_DEVICES, 0x616c657274ull, NULL, NULL);
	if (!s->sev3) {
		ew_free(s);
		return NULL;
	}
	return s;
}

void alert_sink_free(struct alert_sink *s)
{
	if (!s)
		return;
	lrutab_free(s->sev3);
	ew_free(s->kept);
	ew_free(s);
}

void alert_sink_set_device_fn(struct alert_sink *s, alert_device_fn fn,
    void *ud)
{
	s->devfn = fn;
	s->devud = ud;
}

int alert_sink_listen(struct alert_sink *s, alert_listener_fn fn, void *ud)
{
	if (s->nlisteners >= MAX_LISTENERS)
		return -1;
	s->listeners[s->nlisteners].fn = fn;
	s->listeners[s->nlisteners].ud = ud;
	s->nlisteners++;
	return 0;
}

static void describe_device(struct alert_sink *s, const struct alert *a,
    struct alert_device *d)
{
	int dst = a->device_side == ALERT_SIDE_DST;
	const struct addr *ip = dst ? &a->dst : &a->src;
	const uint8_t *mac = dst ? (a->has_dst_mac ? a->dst_mac : NULL) :
	    (a->has_src_mac ? a->src_mac : NULL);

	memset(d, 0, sizeof(*d));
	if (s->devfn && s->devfn(mac, ip, d, s->devud)) {
		d->known = 1;
		return;
	}
	d->known = 0;
	if (mac)
		mac_fmt(mac, d->mac, sizeof(d->mac));
	if (ip->family)
		addr_fmt(ip, d->ip, sizeof(d->ip));
}

static void keep_brief(struct alert_sink *s, const struct alert *a,
    const struct alert_device *d)
{
	if (!s->kept) {
		s->kept = ew_calloc(ALERT_KEEP, sizeof(*s->kept));
		if (!s->kept)
			return;
	}
	if (s->nkept >= ALERT_KEEP)
		return;
	struct alert_brief *b = &s->kept[s->nkept++];
	b->ts_start = a->ts_start;
	b->severity = a->severity;
	b->ongoing = a->ongoing;
	b->category = a->category;
	snprintf(b->signature, sizeof(b->signature), "%s", a->signature);
	if (a->src.family)
		addr_fmt(&a->src, b->src, sizeof(b->src));
	else if (a->has_src_mac)
		mac_fmt(a->src_mac, b->src, sizeof(b->src));
	if (d->name[0])
		snprintf(b->device, sizeof(b->device), "%s", d->name);
	else if (d->vendor[0] || d->cls[0])
		snprintf(b->device, sizeof(b->device), "%s%s%s", d->vendor,
		    d->vendor[0] && d->cls[0] ? " " : "", d->cls);
	snprintf(b->text, sizeof(b->text), "%s", a->text);
}

static int within_day(uint64_t ts, uint64_t then)
{
	return ts >= then ? ts - then < (uint64_t)ALERT_SEV3_WINDOW_S *
	    1000000000ull : then - ts < (uint64_t)ALERT_SEV3_WINDOW_S *
	    1000000000ull;
}

/* 1 when a is a severity-3 alert over its device's daily budget. The
 * budget is about benign traffic: a device that had a severity 1-2 alert
 * in the window is not benign, and its low-severity findings (the
 * beacon of the bot that just scanned) are all written. */
static int over_budget(struct alert_sink *s, const struct alert *a,
    const struct alert_device *d)
{
	struct budget_key k;
	int created;

	memset(&k, 0, sizeof(k));
	if (d->mac[0])
		snprintf(k.id, sizeof(k.id), "%s", d->mac);
	else if (d->ip[0])
		snprintf(k.id, sizeof(k.id), "%s", d->ip);
	else
		return 0;	/* no device to charge */
	struct budget_rec *r = lrutab_get(s->sev3, &k, &created);
	if (a->severity < 3) {
		r->last_high = a->ts_start;
		r->has_high = 1;
		return 0;
	}
	if (r->has_high && within_day(a->ts_start, r->last_high))
		return 0;
	if (r->has_low && within_day(a->ts_start, r->last_low))
		return 1;
	r->last_low = a->ts_start;
	r->has_low = 1;
	return 0;
}

void alert_sink_set_live(struct alert_sink *s, int live)
{
	s->live = live;
}

void alert_emit(struct alert_sink *s, const struct alert *a)
{
	struct alert_device d;

	/* a low-severity finding can wait for its end: reported while it
	 * went on, the daily budget would keep only that partial report.
	 * Live, not past an hour of activity: a beacon that was there
	 * before the sensor started may never end. */
	if (a->ongoing && a->severity >= 3 && (!s->live ||
	    a->ts_end < a->ts_start || a->ts_end - a->ts_start <
	    (uint64_t)ALERT_ONGOING_EVERY_S * 1000000000ull))
		return;
	describe_device(s, a, &d);
	if (over_budget(s, a, &d)) {
		s->suppressed++;
		return;
	}
	if (s->eve)
		eve_alert(s->eve, a, &d);
	s->total++;
	s->by_sev[a->severity & 3]++;
	if ((unsigned)a->category < ALERT_CAT__COUNT)
		s->by_cat[a->category]++;
	keep_brief(s, a, &d);
	for (unsigned i = 0; i < s->nlisteners; i++)
		s->listeners[i].fn(a, &d, s->listeners[i].ud);
}

uint64_t alert_sink_total(const struct alert_sink *s)
{
	return s->total;
}

uint64_t alert_sink_suppressed(const struct alert_sink *s)
{
	return s->suppressed;
}

uint64_t alert_sink_by_severity(const struct alert_sink *s, unsigned sev)
{
	return sev >= 1 && sev <= 3 ? s->by_sev[sev] : 0;
}

uint64_t alert_sink_by_category(const struct alert_sink *s,
    enum alert_category c)
{
	return (unsigned)c < ALERT_CAT__COUNT ? s->by_cat[c] : 0;
}

size_t alert_sink_kept(const struct alert_sink *s)
{
	return s->nkept;
}

const struct alert_brief *alert_sink_brief(const struct alert_sink *s,
    size_t i)
{
	return i < s->nkept ? &s->kept[i] : NULL;
}
