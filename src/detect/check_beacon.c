/* check_beacon.c - command-and-control beaconing: a device opening new
 * connections to the same destination at a regular interval.
 *
 * Per (client, destination, port) - the destination is the DNS name the
 * client's address came from when one was seen (so a cloud name whose
 * addresses rotate stays one destination), else the IP - the start times
 * of the last BEACON_RING connections are kept (starts closer than
 * BEACON_BURST_S count as one: parallel connections of one check-in).
 * Once BEACON_MIN_CONNS starts are known, the intervals between them are
 * scored with a robust coefficient of variation
 *     jitter = 1.4826 * MAD(intervals) / median(intervals)
 * (1.4826 * MAD estimates the standard deviation for normal noise, and a
 * missed or doubled check-in does not spoil it). A median period within
 * [min_period, max_period] and jitter <= max_jitter opens an episode,
 * which is reported when the beacon stops (BEACON_IDLE_PERIODS
 * periods without a start, at least 10 min) or at the end, and, when of
 * severity 2, while it goes on (ALERT_ONGOING_*: an implant's beacon
 * rarely stops).
 *
 * Benign IoT traffic is periodic too (cloud heartbeats, polling), so the
 * severity says how unusual the beacon is: 2 when the destination has no
 * DNS name, the port is unusual and the device took it up after its first
 * hour (a change in what it does); else 3.
 * Infrastructure protocols (DNS, NTP, DHCP, mDNS, SSDP, NetBIOS) and
 * destinations inside the home network are not scored. */
#include "detect/detect_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

#define NS 1000000000ull
#define MIN_IDLE_NS (600ull * NS)
#define WALK_NS (300ull * NS)	/* episodes end >= 10 min idle anyway */
#define NAME_KEEP 64
#define MAX_PER_CHECKIN 4	/* mean connections per check-in */

struct bc_key {
	struct addr src, dst;		/* dst zero when the name is known */
	uint64_t name_h;		/* 0 when unnamed */
	uint16_t port;
	uint8_t proto;
};

struct bc_rec {
	uint64_t t[BEACON_RING];	/* start times, ring */
	uint8_t head, n;
	uint8_t active, named;
	uint8_t has_mac;
	uint8_t mac[6];
	uint64_t first, last;		/* first / last start of the pair */
	uint64_t host_first;		/* when the client was first seen */
	uint64_t ep_start, ep_count;
	uint64_t reported;		/* last progress report, 0 = none */
	uint32_t series_conns;		/* connections in the current series,
					 * parallel ones included */
	double period, jitter;
	uint64_t flow_id;
	struct addr dst;		/* last address used */
	char name[NAME_KEEP];
};

struct host_rec {
	uint64_t first;
};

struct name_rec {
	uint64_t h;
	char name[NAME_KEEP];
};

struct beacon {
	struct detect_walk walk;	/* first: see detect_walk_tick */
	const struct detect_ctx *ctx;
	struct lrutab *pairs, *hosts, *names;
	unsigned min_conns;
	double max_jitter, min_period, max_period, burst, learn;
	int internal;
};

static uint64_t hash64(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);	/* DNS is case-insensitive */
		h = (h ^ c) * 1099511628211ull;
	}
	return h ? h : 1;
}

static int skip_port(uint16_t port)
{
	switch (port) {
	case 53: case 67: case 68: case 123: case 137: case 138:
	case 1900: case 5353: case 5355:
		return 1;
	default:
		return 0;
	}
}

static int common_port(uint16_t port)
{
	switch (port) {
	case 80: case 443: case 8080: case 8443: case 1883: case 8883:
	case 5222: case 5223: case 5228: case 853: case 993: case 995:
	case 465: case 587:
		return 1;
	default:
		return 0;
	}
}

/* A routable unicast destination (not multicast, broadcast, "this
 * network" or loopback). */
static int unicast(const struct addr *a)
{
	static const uint8_t lo6[16] = { [15] = 1 };
	if (a->family == 4)
		return a->a[0] < 224 && a->a[0] != 0 && a->a[0] != 127;
	if (a->family == 6)
		return a->a[0] != 0xff && memcmp(a->a, lo6, 16) != 0;
	return 0;
}

static void sort_d(double *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		double x = v[i];
		unsigned j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static double median_sorted(const double *v, unsigned n)
{
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Period (median interval, s) and jitter of the kept starts; *gaps is
 * how many intervals exceed GAP_FACTOR periods. The MAD shrugs off up to
 * half the intervals as outliers, which would let a few bursts days apart
 * pass for a beacon: gaps are counted separately and only one (a missed
 * or late check-in) is allowed. */
#define GAP_FACTOR 2.5
static void score(const struct bc_rec *r, double *period, double *jitter,
    unsigned *gaps)
{
	double iv[BEACON_RING], dev[BEACON_RING];
	unsigned n = r->n, k = 0;
	unsigned start = (unsigned)(r->head + BEACON_RING - n) % BEACON_RING;

	for (unsigned i = 1; i < n; i++) {
		uint64_t a = r->t[(start + i - 1) % BEACON_RING];
		uint64_t b = r->t[(start + i) % BEACON_RING];
		iv[k++] = (double)(b - a) / 1e9;
	}
	sort_d(iv, k);
	*period = median_sorted(iv, k);
	for (unsigned i = 0; i < k; i++)
		dev[i] = fabs(iv[i] - *period);
	sort_d(dev, k);
	*jitter = *period > 0 ? 1.4826 * median_sorted(dev, k) / *period :
	    1e9;
	*gaps = 0;
	for (unsigned i = 0; i < k; i++)
		if (iv[i] > GAP_FACTOR * *period)
			(*gaps)++;
}

static void emit(struct beacon *b, const struct bc_key *k,
    const struct bc_rec *r, int ongoing)
{
	struct alert a;
	int direct = !r->named;
	int odd_port = !common_port(k->port);
	int is_new = r->first > r->host_first &&
	    (double)(r->first - r->host_first) / 1e9 > b->learn;
	/* IoT heartbeats are as periodic as any implant (more: their timers
	 * are exact), so periodicity alone is low severity. Medium takes a
	 * destination the device never resolved, on a port no cloud service
	 * uses, that it took up after its first hour: from its first sight
	 * that is its normal as far as the sensor can tell (cheap IoT
	 * modules heartbeat to a bare address on a port of their own, e.g.
	 * a Hi-Flying plug to an AWS address on 7533 every 56 s). */
	uint8_t sev = direct && odd_port && is_new ? 2 : 3;
	char dst[ADDR_STRLEN];

	/* DESIGN's benign budget (one low-severity alert a device a day,
	 * across all detectors) is the alert sink's job */
	addr_fmt(&r->dst, dst, sizeof(dst));
	alert_init(&a, direct ? 2101 : 2100, ALERT_CAT_C2_BEACON, sev,
	    "T1071", "beacon", r->ep_start);
	alert_signature(&a, "Periodic connections to %s:%u every %.1f s",
	    r->named ? r->name : dst, k->port, r->period);
	detect_alert_episode(&a, r->last, r->ep_count, r->flow_id);
	detect_alert_hosts(&a, &k->src, &r->dst, k->port, k->proto,
	    r->has_mac ? r->mac : NULL);
	alert_text(&a, "%llu connections every %.1f s (jitter %.2f, "
	    "threshold %.2f; at least %u repetitions)%s%s%s",
	    (unsigned long long)r->ep_count, r->period, r->jitter,
	    b->max_jitter, b->min_conns,
	    direct ? "; destination has no DNS name" : "",
	    odd_port ? "; unusual port" : "",
	    is_new ? "; destination new after the device's first hour" : "");
	alert_kv_num(&a, "connections", (double)r->ep_count);
	alert_kv_num(&a, "period_seconds", r->period);
	alert_kv_num(&a, "jitter", r->jitter);
	alert_kv_num(&a, "threshold_jitter", b->max_jitter);
	alert_kv_num(&a, "threshold_repetitions", b->min_conns);
	alert_kv_num(&a, "min_period_seconds", b->min_period);
	alert_kv_num(&a, "max_period_seconds", b->max_period);
	if (r->named)
		alert_kv_str(&a, "destination_name", r->name);
	alert_kv_num(&a, "dns_name_seen", r->named);
	alert_kv_num(&a, "common_port", !odd_port);
	alert_kv_num(&a, "new_destination", is_new);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(b->ctx->sink, &a);
}

static uint64_t idle_ns(const struct bc_rec *r)
{
	double s = r->period * BEACON_IDLE_PERIODS;
	uint64_t ns = (uint64_t)(s * 1e9);
	return ns > MIN_IDLE_NS ? ns : MIN_IDLE_NS;
}

static void close_ep(struct beacon *b, const struct bc_key *k,
    struct bc_rec *r)
{
	emit(b, k, r, 0);
	r->active = 0;
	r->n = 0;		/* a resumed beacon must prove itself again */
	b->walk.nactive--;
}

static void evict_pair(const void *key, void *val, void *ud)
{
	struct beacon *b = ud;
	struct bc_rec *r = val;
	if (r->active)
		close_ep(b, key, r);
}

static void on_dns(struct beacon *b, const struct app_dns *d)
{
	const char *qname = NULL;

	if (!d->is_response || d->rcode != 0)
		return;
	for (unsigned i = 0; i < d->nrr && i < PROTO_MAX_RR; i++)
		if (d->rr[i].section == DNS_SEC_QUESTION) {
			qname = d->rr[i].name;
			break;
		}
	for (unsigned i = 0; i < d->nrr && i < PROTO_MAX_RR; i++) {
		const struct app_dns_rr *rr = &d->rr[i];
		const char *nm = qname ? qname : rr->name;
		if (rr->section != DNS_SEC_ANSWER || (rr->type != 1 &&
		    rr->type != 28) || !rr->addr.family || !nm[0])
			continue;
		struct addr key = rr->addr;
		struct name_rec *n = lrutab_get(b->names, &key, NULL);
		size_t len = strnlen(nm, PROTO_NAME_LEN);
		n->h = hash64(nm, len);
		snprintf(n->name, sizeof(n->name), "%s", nm);
	}
}

/* The first packet of a flow: when its client was first seen. */
static struct host_rec *note_host(struct beacon *b, const struct flow *f,
    uint64_t ts)
{
	int created = 0;
	struct host_rec *h = lrutab_get(b->hosts, &f->cli_addr, &created);
	if (created || !h->first)
		h->first = ts;
	return h;
}

/* A connection was answered (its first reply): record its start time.
 * Waiting for the answer keeps unanswered probes (a scan of thousands of
 * hosts) from evicting the pairs that carry a real heartbeat. */
static void on_start(struct beacon *b, const struct detect_pkt *dp)
{
	const struct flow *f = dp->f;
	uint64_t ts = f->start_ns;
	struct host_rec *h;
	struct name_rec *nm;
	struct bc_key k;
	struct bc_rec *r;
	int created = 0;

	h = note_host(b, f, ts);
	if (f->proto != 6 && f->proto != 17)
		return;
	if (skip_port(f->srv_port) || !unicast(&f->srv_addr) ||
	    (!b->internal && homenet_contains(&b->ctx->home, &f->srv_addr)))
		return;
	memset(&k, 0, sizeof(k));
	k.src = f->cli_addr;
	k.port = f->srv_port;
	k.proto = f->proto;
	/* a destination first seen without a name keeps its IP key when
	 * its name turns up later (the device had it cached) */
	k.dst = f->srv_addr;
	nm = lrutab_find(b->names, &f->srv_addr);
	if (nm && !lrutab_find(b->pairs, &k)) {
		memset(&k.dst, 0, sizeof(k.dst));
		k.name_h = nm->h;
	}
	r = lrutab_get(b->pairs, &k, &created);
	if (created) {
		r->first = ts;
		r->host_first = h->first;
	} else if (r->active && ep_past(ts, r->last, idle_ns(r))) {
		close_ep(b, &k, r);	/* ended; no tick closed it yet */
	} else if (r->n && !ep_past(ts, r->last, (uint64_t)(b->burst * 1e9))) {
		r->series_conns++;
		return;	/* same check-in */
	} else if (!r->active && ep_past(ts, r->last,
	    (uint64_t)(b->max_period * 1e9))) {
		r->n = 0;	/* silent longer than any beacon: start over */
	}
	if (r->n == 0)
		r->series_conns = 0;
	r->series_conns++;
	if (nm && !r->named) {
		r->named = 1;
		snprintf(r->name, sizeof(r->name), "%s", nm->name);
	}
	r->dst = f->srv_addr;
	r->last = ts;
	ep_keep_mac(&r->has_mac, r->mac, f->has_mac ? f->cli_mac : NULL);
	r->t[r->head] = ts;
	r->head = (uint8_t)((r->head + 1) % BEACON_RING);
	if (r->n < BEACON_RING)
		r->n++;
	if (r->active) {
		r->ep_count++;
		if (r->n == BEACON_RING) {
			unsigned gaps;
			score(r, &r->period, &r->jitter, &gaps);
		}
		return;
	}
	if (r->n < b->min_conns)
		return;
	double period, jitter;
	unsigned gaps;
	score(r, &period, &jitter, &gaps);
	/* a check-in opens a few connections; dozens a second every second
	 * is a flood or a scan (their own checks), not a heartbeat */
	if (period < b->min_period || period > b->max_period ||
	    jitter > b->max_jitter || gaps > 1 ||
	    r->series_conns > MAX_PER_CHECKIN * (uint32_t)r->n)
		return;
	r->active = 1;
	r->reported = 0;
	r->period = period;
	r->jitter = jitter;
	r->ep_count = r->n;
	r->ep_start = r->t[(unsigned)(r->head + BEACON_RING - r->n) %
	    BEACON_RING];
	r->flow_id = f->flow_id;
	b->walk.nactive++;
}

static void on_packet(void *st, const struct detect_pkt *dp)
{
	struct beacon *b = st;
	const struct flow *f = dp->f;

	if (dp->m && dp->m->kind == APP_DNS)
		on_dns(b, &dp->m->u.dns);
	if (!f)
		return;
	if (f->pkts_toserver + f->pkts_toclient == 1 && dp->to_server)
		(void)note_host(b, f, dp->p->ts_ns);
	else if (f->pkts_toclient == 1 && !dp->to_server)
		on_start(b, dp);
}

static void sweep(void *st, uint64_t now, int force)
{
	struct beacon *b = st;
	void *v, *next;

	for (v = lrutab_first(b->pairs); v && b->walk.nactive; v = next) {
		struct bc_rec *r = v;
		next = lrutab_next(b->pairs, v);
		if (!force && !ep_past(now, r->last, MIN_IDLE_NS))
			break;	/* LRU order: the rest are more recent */
		if (r->active && (force || ep_past(now, r->last, idle_ns(r))))
			close_ep(b, lrutab_key(b->pairs, v), r);
		else if (!r->active && ep_past(now, r->last,
		    (uint64_t)(b->max_period * 1e9)))
			lrutab_del(b->pairs, v);	/* would start over */
	}
	if (force || !b->walk.nactive)
		return;
	/* the beacons still going on */
	for (v = lrutab_first(b->pairs); v; v = lrutab_next(b->pairs, v)) {
		struct bc_rec *r = v;
		if (r->active && alert_ongoing_due(r->last, r->reported)) {
			emit(b, lrutab_key(b->pairs, v), r, 1);
			r->reported = now;
		}
	}
}

static void destroy(void *st)
{
	struct beacon *b = st;
	if (!b)
		return;
	lrutab_free(b->pairs);
	lrutab_free(b->hosts);
	lrutab_free(b->names);
	ew_free(b);
}

static void *create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct beacon *b = ew_calloc(1, sizeof(*b));
	size_t np, nh, nn;

	if (!b)
		return detect_oom(err, errlen, "beacon");
	b->ctx = ctx;
	b->walk.sweep = sweep;
	b->walk.period = WALK_NS;
	b->min_conns = (unsigned)detect_setting(set, "beacon.min_conns",
	    BEACON_MIN_CONNS, "connections before periodicity is scored "
	    "(3.." "16)");
	b->max_jitter = detect_setting(set, "beacon.max_jitter",
	    BEACON_MAX_JITTER, "largest 1.4826*MAD/median of the intervals");
	b->min_period = detect_setting(set, "beacon.min_period_s",
	    BEACON_MIN_PERIOD_S, "shortest beacon period, seconds");
	b->max_period = detect_setting(set, "beacon.max_period_s",
	    BEACON_MAX_PERIOD_S, "longest beacon period, seconds");
	b->burst = detect_setting(set, "beacon.burst_s", BEACON_BURST_S,
	    "connection starts closer than this are one check-in");
	b->learn = detect_setting(set, "beacon.learn_s", BEACON_LEARN_S,
	    "destinations first used this long after a device appeared "
	    "are called new in the explanation");
	b->internal = detect_setting(set, "beacon.internal", 0,
	    "1: also score destinations inside the home network") != 0;
	if (b->min_conns < 3)
		b->min_conns = 3;
	if (b->min_conns > BEACON_RING)
		b->min_conns = BEACON_RING;
	np = lrutab_entries_for(sizeof(struct bc_key), sizeof(struct bc_rec),
	    BEACON_MEMCAP * 6 / 10);
	nh = lrutab_entries_for(sizeof(struct addr), sizeof(struct host_rec),
	    BEACON_MEMCAP / 10);
	nn = lrutab_entries_for(sizeof(struct addr), sizeof(struct name_rec),
	    BEACON_MEMCAP * 3 / 10);
	b->pairs = lrutab_new(sizeof(struct bc_key), sizeof(struct bc_rec),
	    np, ctx->seed, evict_pair, b);
	b->hosts = lrutab_new(sizeof(struct addr), sizeof(struct host_rec),
	    nh, ctx->seed ^ 1, NULL, NULL);
	b->names = lrutab_new(sizeof(struct addr), sizeof(struct name_rec),
	    nn, ctx->seed ^ 2, NULL, NULL);
	if (!b->pairs || !b->hosts || !b->names) {
		destroy(b);
		return detect_oom(err, errlen, "beacon");
	}
	return b;
}

const struct check_ops check_beacon = {
	.name = "beacon",
	.create = create,
	.destroy = destroy,
	.packet = on_packet,
	.tick = detect_walk_tick,
	.finish = detect_walk_finish,
};
