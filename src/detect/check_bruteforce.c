/* check_bruteforce.c - password guessing against a login service.
 *
 * Evidence, per (source, target, service port):
 *  - short sessions to a login service (SSH, telnet, FTP, MQTT, ...): the
 *    server spoke, the client sent something, and the TCP session closed
 *    within BF_SHORT_S with at most BF_SHORT_PKTS packets (counted at
 *    flow end). Encrypted logins (SSH) show only this;
 *  - failed logins (APP_LOGIN FAILED: FTP 530, telnet "Login incorrect",
 *    MQTT CONNACK refused) and HTTP/RTSP 401 responses;
 *  - login attempts seen in clear (APP_LOGIN ATTEMPT), and whether they
 *    used a well-known IoT default credential (credential stuffing).
 * The attempt count of a window is the largest of these counts (a failed
 * FTP login is also a short session: counting both would double it).
 * When it reaches BF_ATTEMPTS within BF_WINDOW_S an episode opens; it
 * closes after a window without attempts and is reported then (and while
 * it goes on, see ALERT_ONGOING_*).
 *
 * Distributed variant, per (target, service port): many distinct sources
 * whose attempts add up, each perhaps below the per-source threshold. */
#include "detect/detect_int.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

#define NS 1000000000ull
#define MAX_USERS 8		/* distinct user names remembered (hashes) */
#define MAX_SRCS 32		/* distinct sources remembered per target */
#define WALK_NS (30ull * NS)	/* how often open episodes are checked */

struct bf_key {
	struct addr src, dst;
	uint16_t port;
	uint8_t pad[2];
};

struct bf_rec {
	uint64_t win_start, first, last;	/* current window / episode */
	uint32_t sessions, failures, logins, defaults, successes;
	uint32_t peak;			/* attempts when the episode opened */
	uint64_t peak_span;		/* ns those took */
	uint64_t flow_id;
	uint64_t reported;		/* last progress report, 0 = none */
	uint32_t users[MAX_USERS];
	uint8_t nusers;
	uint8_t active;
	uint8_t login_proto;		/* enum login_proto seen, 0 none */
	uint8_t http401, rtsp;
	uint8_t has_mac;
	uint8_t mac[6];
	char user[PROTO_SHORT_LEN];	/* first user name tried (not secret) */
};

struct dist_key {
	struct addr dst;
	uint16_t port;
	uint8_t pad[1];
};

struct dist_rec {
	uint64_t win_start, first, last;
	uint32_t attempts;
	uint32_t srcs[MAX_SRCS];	/* hashes of distinct sources */
	uint8_t nsrcs;
	uint8_t active;
	uint64_t reported;		/* last progress report, 0 = none */
	struct addr top;		/* most recent source */
};

struct bf {
	struct detect_walk walk;	/* first: see detect_walk_tick */
	const struct detect_ctx *ctx;
	struct lrutab *pairs, *targets;
	uint64_t window, short_ns;
	uint32_t attempts, short_pkts, dist_srcs, dist_attempts;
};

/* Services where a short TCP session is a login attempt. HTTP and RTSP
 * are not here: a short HTTP session is normal; they count 401s. */
static const char *session_service(uint16_t port)
{
	switch (port) {
	case 22: case 2222: return "SSH";
	case 23: case 2323: return "telnet";
	case 21: return "FTP";
	case 1883: return "MQTT";
	case 3389: return "RDP";
	case 5900: return "VNC";
	default: return NULL;
	}
}

static const char *login_service(uint8_t lp)
{
	switch (lp) {
	case LOGIN_TELNET: return "telnet";
	case LOGIN_FTP: return "FTP";
	case LOGIN_HTTP_BASIC: return "HTTP auth";
	case LOGIN_POP3: return "POP3";
	case LOGIN_IMAP: return "IMAP";
	case LOGIN_MQTT: return "MQTT";
	case LOGIN_RTSP: return "RTSP auth";
	case LOGIN_SMTP: return "SMTP";
	default: return NULL;
	}
}

static uint32_t hash32(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h ? h : 1;
}

static uint32_t rec_attempts(const struct bf_rec *r)
{
	uint32_t n = r->sessions;
	if (r->failures > n)
		n = r->failures;
	if (r->logins > n)
		n = r->logins;
	return n;
}

static uint32_t sid_for(const char *svc)
{
	static const char *const names[] = { "SSH", "telnet", "FTP",
	    "HTTP auth", "MQTT", "RTSP auth", "RDP", "VNC", "POP3", "IMAP",
	    "SMTP" };
	for (uint32_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(svc, names[i]) == 0)
			return 2000 + i;
	return 2019;
}

static const char *rec_service(const struct bf_rec *r, uint16_t port)
{
	const char *s = login_service(r->login_proto);
	if (s)
		return s;
	if (r->rtsp)
		return "RTSP auth";
	if (r->http401)
		return "HTTP auth";
	s = session_service(port);
	return s ? s : "login";
}

static void emit_pair(struct bf *b, const struct bf_key *k,
    const struct bf_rec *r, int ongoing)
{
	struct alert a;
	const char *svc = rec_service(r, k->port);
	uint32_t n = rec_attempts(r);
	int stuffing = r->defaults > 0;
	int src_home = homenet_contains(&b->ctx->home, &k->src);
	int dst_home = homenet_contains(&b->ctx->home, &k->dst);
	uint8_t sev = 2;

	/* high: default credentials, a guess that worked, or a device of
	 * ours attacking outside (a botnet member) */
	if (stuffing || r->successes || (src_home && !dst_home))
		sev = 1;
	if (stuffing) {
		alert_init(&a, 2010, ALERT_CAT_BRUTE_FORCE, sev, "T1110.004",
		    "bruteforce", r->first);
		alert_signature(&a, "Credential stuffing with well-known IoT "
		    "default credentials (%s)", svc);
	} else {
		alert_init(&a, sid_for(svc), ALERT_CAT_BRUTE_FORCE, sev,
		    "T1110.001", "bruteforce", r->first);
		alert_signature(&a, "%s brute force", svc);
	}
	detect_alert_episode(&a, r->last, n, r->flow_id);
	detect_alert_hosts(&a, &k->src, &k->dst, k->port, 6,
	    r->has_mac ? r->mac : NULL);
	alert_text(&a, "%u %s login attempts in %.0f s (%u within %.0f s "
	    "when it opened; threshold %u per %.0f s)%s", n, svc,
	    (double)(r->last - r->first) / 1e9, r->peak,
	    (double)r->peak_span / 1e9, b->attempts,
	    (double)b->window / 1e9,
	    r->successes ? "; a login then succeeded" : "");
	alert_kv_num(&a, "attempts", n);
	alert_kv_num(&a, "short_sessions", r->sessions);
	alert_kv_num(&a, "failed_logins", r->failures);
	alert_kv_num(&a, "cleartext_attempts", r->logins);
	alert_kv_num(&a, "default_credentials", r->defaults);
	alert_kv_num(&a, "successful_logins", r->successes);
	alert_kv_num(&a, "distinct_users", r->nusers);
	if (r->user[0])
		alert_kv_str(&a, "first_user", r->user);
	alert_kv_num(&a, "peak_attempts", r->peak);
	alert_kv_num(&a, "peak_seconds", (double)r->peak_span / 1e9);
	alert_kv_num(&a, "threshold_attempts", b->attempts);
	alert_kv_num(&a, "window_seconds", (double)b->window / 1e9);
	alert_kv_num(&a, "short_session_max_seconds",
	    (double)b->short_ns / 1e9);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(b->ctx->sink, &a);
}

static void emit_dist(struct bf *b, const struct dist_key *k,
    const struct dist_rec *r, int ongoing)
{
	struct alert a;
	const char *svc = session_service(k->port);
	if (!svc)
		svc = k->port == 554 ? "RTSP auth" : "login";

	alert_init(&a, 2020, ALERT_CAT_BRUTE_FORCE, 2, "T1110",
	    "bruteforce", r->first);
	alert_signature(&a, "Distributed %s brute force", svc);
	detect_alert_episode(&a, r->last, r->attempts, 0);
	/* many sources: the victim is the device concerned; src is the most
	 * recent source */
	detect_alert_hosts(&a, &r->top, &k->dst, k->port, 6, NULL);
	a.device_side = ALERT_SIDE_DST;
	alert_text(&a, "%u login attempts from %s%u distinct sources in "
	    "%.0f s (threshold %u sources and %u attempts per %.0f s)",
	    r->attempts, r->nsrcs >= MAX_SRCS ? "at least " : "", r->nsrcs,
	    (double)(r->last - r->first) / 1e9, b->dist_srcs,
	    b->dist_attempts, (double)b->window / 1e9);
	alert_kv_num(&a, "attempts", r->attempts);
	alert_kv_num(&a, "distinct_sources", r->nsrcs);
	alert_kv_num(&a, "threshold_sources", b->dist_srcs);
	alert_kv_num(&a, "threshold_attempts", b->dist_attempts);
	alert_kv_num(&a, "window_seconds", (double)b->window / 1e9);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(b->ctx->sink, &a);
}

static void evict_pair(const void *key, void *val, void *ud)
{
	struct bf *b = ud;
	struct bf_rec *r = val;
	if (r->active) {
		emit_pair(b, key, r, 0);
		b->walk.nactive--;
	}
}

static void evict_target(const void *key, void *val, void *ud)
{
	struct bf *b = ud;
	struct dist_rec *r = val;
	if (r->active) {
		emit_dist(b, key, r, 0);
		b->walk.nactive--;
	}
}

/* Count one attempt against target (dst, port) from src. */
static void dist_add(struct bf *b, const struct addr *src,
    const struct addr *dst, uint16_t port, uint64_t ts)
{
	struct dist_key k;
	struct dist_rec *r;
	uint32_t h = hash32(src, sizeof(*src));

	memset(&k, 0, sizeof(k));
	k.dst = *dst;
	k.port = port;
	r = lrutab_get(b->targets, &k, NULL);
	if (r->active && ep_past(ts, r->last, b->window)) {
		emit_dist(b, &k, r, 0);
		r->active = 0;
		b->walk.nactive--;
	}
	if (!r->active && ep_past(ts, r->win_start, b->window)) {
		memset(r, 0, sizeof(*r));
		r->win_start = r->first = ts;
	}
	r->attempts++;
	if (ts > r->last)
		r->last = ts;
	r->top = *src;
	if (r->nsrcs < MAX_SRCS) {
		uint8_t i;
		for (i = 0; i < r->nsrcs; i++)
			if (r->srcs[i] == h)
				break;
		if (i == r->nsrcs)
			r->srcs[r->nsrcs++] = h;
	}
	if (!r->active && r->nsrcs >= b->dist_srcs &&
	    r->attempts >= b->dist_attempts) {
		r->active = 1;
		r->reported = 0;
		b->walk.nactive++;
	}
}

enum ev { EV_SESSION, EV_FAILED, EV_LOGIN, EV_OK };

/* Who guesses and who is guessed at. */
struct who {
	const struct addr *src, *dst;
	uint16_t port;			/* the service's */
	const uint8_t *mac;		/* the guesser's, NULL unknown */
	uint64_t flow_id;
	uint64_t began;			/* ns the attempt began, 0 = at ts */
};

/* From a packet the client sent (to_client 0) or the server sent: the
 * packet's direction is surer than the flow's orientation, which is a
 * guess when a capture starts mid-session. */
static void who_pkt(struct who *w, const struct detect_pkt *dp, int server)
{
	const struct packet *p = dp->p;
	w->src = server ? &p->dst : &p->src;
	w->dst = server ? &p->src : &p->dst;
	w->port = server ? p->sport : p->dport;
	w->mac = p->has_eth ? (server ? p->dst_mac : p->src_mac) : NULL;
	w->flow_id = dp->f->flow_id;
	w->began = 0;
}

static void add_event(struct bf *b, const struct who *w, enum ev ev,
    uint64_t ts, const struct app_meta *m)
{
	struct bf_key k;
	struct bf_rec *r;
	uint32_t before;
	uint16_t port = w->port;

	memset(&k, 0, sizeof(k));
	k.src = *w->src;
	k.dst = *w->dst;
	k.port = port;
	r = lrutab_get(b->pairs, &k, NULL);
	if (r->active && ep_past(ts, r->last, b->window)) {
		/* the last episode ended; no tick closed it yet */
		emit_pair(b, &k, r, 0);
		r->active = 0;
		b->walk.nactive--;
	}
	if (!r->active && ep_past(ts, r->win_start, b->window)) {
		memset(r, 0, sizeof(*r));
		r->win_start = ts;
		/* the episode starts when its first attempt did: a session
		 * is only counted when it ends, seconds later */
		r->first = w->began && w->began < ts ? w->began : ts;
	}
	before = rec_attempts(r);
	if (ts > r->last)
		r->last = ts;
	if (!r->flow_id)
		r->flow_id = w->flow_id;
	ep_keep_mac(&r->has_mac, r->mac, w->mac);
	switch (ev) {
	case EV_SESSION: r->sessions++; break;
	case EV_FAILED: r->failures++; break;
	case EV_LOGIN: r->logins++; break;
	case EV_OK: r->successes++; break;
	}
	if (m && m->kind == APP_LOGIN) {
		const struct app_login *l = &m->u.login;
		if (l->proto)
			r->login_proto = l->proto;
		if (ev == EV_LOGIN && l->default_cred)
			r->defaults++;
		if (l->user[0]) {
			uint32_t h = hash32(l->user, strnlen(l->user,
			    sizeof(l->user)));
			uint8_t i;
			for (i = 0; i < r->nusers; i++)
				if (r->users[i] == h)
					break;
			if (i == r->nusers && r->nusers < MAX_USERS)
				r->users[r->nusers++] = h;
			if (!r->user[0])
				snprintf(r->user, sizeof(r->user), "%s",
				    l->user);
		}
	} else if (m && m->kind == APP_HTTP) {
		r->http401 = 1;
		if (m->u.http.rtsp)
			r->rtsp = 1;
	}
	if (rec_attempts(r) > before)
		dist_add(b, &k.src, &k.dst, port, ts);
	if (!r->active && rec_attempts(r) >= b->attempts) {
		r->active = 1;
		r->reported = 0;
		r->peak = rec_attempts(r);
		r->peak_span = ts > r->first ? ts - r->first : 0;
		b->walk.nactive++;
	}
}

static void on_packet(void *st, const struct detect_pkt *dp)
{
	struct bf *b = st;
	const struct app_meta *m = dp->m;
	uint64_t ts = dp->p->ts_ns;
	struct who w;

	if (!dp->f || !m || m->kind == APP_NONE || !dp->p->ip_version)
		return;
	if (m->kind == APP_LOGIN) {
		switch (m->u.login.outcome) {
		case LOGIN_ATTEMPT:
			who_pkt(&w, dp, 0);
			add_event(b, &w, EV_LOGIN, ts, m);
			break;
		case LOGIN_FAILED:
			who_pkt(&w, dp, 1);
			add_event(b, &w, EV_FAILED, ts, m);
			break;
		case LOGIN_OK: {
			/* only interesting after failures */
			struct bf_key k;
			who_pkt(&w, dp, 1);
			memset(&k, 0, sizeof(k));
			k.src = *w.src;
			k.dst = *w.dst;
			k.port = w.port;
			struct bf_rec *r = lrutab_find(b->pairs, &k);
			if (r && r->active)
				add_event(b, &w, EV_OK, ts, m);
			break;
		}
		default:
			break;
		}
	} else if (m->kind == APP_HTTP && m->u.http.is_response &&
	    m->u.http.status == 401) {
		who_pkt(&w, dp, 1);
		add_event(b, &w, EV_FAILED, ts, m);
	}
}

static void on_flow_end(void *st, const struct flow *f)
{
	struct bf *b = st;
	struct who w;

	if (f->proto != 6 || !session_service(f->srv_port))
		return;
	/* a login dialogue: both sides sent data, then it ended quickly */
	if (!f->payload_tc || !f->payload_ts)
		return;
	if (f->state != FLOW_STATE_CLOSED && f->state != FLOW_STATE_RESET &&
	    !f->fin_ts && !f->fin_tc)
		return;
	if (f->last_ns - f->start_ns > b->short_ns ||
	    f->pkts_toserver + f->pkts_toclient > b->short_pkts)
		return;
	w.src = &f->cli_addr;
	w.dst = &f->srv_addr;
	w.port = f->srv_port;
	w.mac = f->has_mac ? f->cli_mac : NULL;
	w.flow_id = f->flow_id;
	w.began = f->start_ns;
	add_event(b, &w, EV_SESSION, f->last_ns, NULL);
}

/* Close episodes idle for a whole window (all of them when force). */
static void sweep(void *st, uint64_t now, int force)
{
	struct bf *b = st;
	void *v, *next;

	for (v = lrutab_first(b->pairs); v && b->walk.nactive; v = next) {
		struct bf_rec *r = v;
		next = lrutab_next(b->pairs, v);
		if (!force && !ep_past(now, r->last, b->window))
			break;	/* LRU order: the rest are more recent */
		if (r->active) {
			emit_pair(b, lrutab_key(b->pairs, v), r, 0);
			b->walk.nactive--;
			lrutab_del(b->pairs, v);
		}
	}
	for (v = lrutab_first(b->targets); v && b->walk.nactive; v = next) {
		struct dist_rec *r = v;
		next = lrutab_next(b->targets, v);
		if (!force && !ep_past(now, r->last, b->window))
			break;
		if (r->active) {
			emit_dist(b, lrutab_key(b->targets, v), r, 0);
			b->walk.nactive--;
			lrutab_del(b->targets, v);
		}
	}
	if (force || !b->walk.nactive)
		return;
	/* the episodes still going on */
	for (v = lrutab_first(b->pairs); v; v = lrutab_next(b->pairs, v)) {
		struct bf_rec *r = v;
		if (r->active &&
		    alert_ongoing_due(r->last, r->reported)) {
			emit_pair(b, lrutab_key(b->pairs, v), r, 1);
			r->reported = now;
		}
	}
	for (v = lrutab_first(b->targets); v; v = lrutab_next(b->targets, v)) {
		struct dist_rec *r = v;
		if (r->active &&
		    alert_ongoing_due(r->last, r->reported)) {
			emit_dist(b, lrutab_key(b->targets, v), r, 1);
			r->reported = now;
		}
	}
}

static void destroy(void *st)
{
	struct bf *b = st;
	if (!b)
		return;
	lrutab_free(b->pairs);
	lrutab_free(b->targets);
	ew_free(b);
}

static void *create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct bf *b = ew_calloc(1, sizeof(*b));
	size_t np, nt;

	if (!b)
		return detect_oom(err, errlen, "bruteforce");
	b->ctx = ctx;
	b->walk.sweep = sweep;
	b->walk.period = WALK_NS;
	b->window = (uint64_t)(detect_setting(set, "bruteforce.window_s",
	    BF_WINDOW_S, "seconds within which attempts are counted") *
	    (double)NS);
	b->attempts = (uint32_t)detect_setting(set, "bruteforce.attempts",
	    BF_ATTEMPTS, "login attempts from one source to one service");
	b->short_ns = (uint64_t)(detect_setting(set, "bruteforce.short_s",
	    BF_SHORT_S, "longest session counted as one login attempt") *
	    (double)NS);
	b->short_pkts = (uint32_t)detect_setting(set,
	    "bruteforce.short_pkts", BF_SHORT_PKTS,
	    "most packets in a session counted as one login attempt");
	b->dist_srcs = (uint32_t)detect_setting(set,
	    "bruteforce.dist_sources", BF_DIST_SOURCES,
	    "distinct sources against one service (distributed)");
	b->dist_attempts = (uint32_t)detect_setting(set,
	    "bruteforce.dist_attempts", BF_DIST_ATTEMPTS,
	    "attempts from all sources against one service (distributed)");
	if (b->attempts < 1)
		b->attempts = 1;
	if (b->dist_srcs > MAX_SRCS)
		b->dist_srcs = MAX_SRCS;
	np = lrutab_entries_for(sizeof(struct bf_key), sizeof(struct bf_rec),
	    BF_MEMCAP * 3 / 4);
	nt = lrutab_entries_for(sizeof(struct dist_key),
	    sizeof(struct dist_rec), BF_MEMCAP / 4);
	b->pairs = lrutab_new(sizeof(struct bf_key), sizeof(struct bf_rec),
	    np, ctx->seed, evict_pair, b);
	b->targets = lrutab_new(sizeof(struct dist_key),
	    sizeof(struct dist_rec), nt, ctx->seed ^ 1, evict_target, b);
	if (!b->pairs || !b->targets) {
		destroy(b);
		return detect_oom(err, errlen, "bruteforce");
	}
	return b;
}

const struct check_ops check_bruteforce = {
	.name = "bruteforce",
	.create = create,
	.destroy = destroy,
	.packet = on_packet,
	.flow_end = on_flow_end,
	.tick = detect_walk_tick,
	.finish = detect_walk_finish,
};
