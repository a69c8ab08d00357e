/* check_cleartext.c - credentials sent in clear, and obsolete TLS.
 *
 * Cleartext credentials: proto/ reports a login whose password went by in
 * clear (APP_LOGIN ATTEMPT with secret_seen: telnet, FTP, HTTP Basic,
 * POP3/IMAP, MQTT CONNECT, RTSP, SMTP) without ever copying the password;
 * this check names the protocol, the user and whether it was a well-known
 * IoT default credential (then severity 1: anyone can log in). Anonymous
 * FTP is not a credential and is skipped.
 *
 * Weak crypto: a ServerHello that negotiated SSL 3.0, TLS 1.0 or 1.1, or a
 * NULL/EXPORT/RC4/DES/anonymous cipher suite. Severity 3.
 *
 * Both are kept per (client, server, protocol) as an episode that closes
 * after CLEAR_IDLE_S without another login/handshake, and at most one
 * alert per key per day is written (a device that logs in every minute
 * is one finding, not 1,440): at its end, or while it goes on (see
 * config.h's ALERT_ONGOING_*). */
#include "detect/detect_int.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

#define NS 1000000000ull
#define DAY_NS (86400ull * NS)
#define WALK_NS (60ull * NS)
#define MAX_USERS 8

enum { K_WEAK = 100 };		/* weak TLS, keyed by device only */

struct ct_key {
	struct addr cli, srv;
	uint16_t port;
	uint8_t kind;			/* enum login_proto, or K_WEAK */
};

struct ct_rec {
	uint64_t first, last;
	uint64_t day;			/* day + 1 last reported, 0 never */
	uint64_t reported;		/* last progress report, 0 = none */
	uint64_t flow_id;
	uint32_t count, defaults;
	uint32_t users[MAX_USERS];
	uint8_t nusers, active, has_mac;
	uint8_t mac[6];
	uint16_t version, cipher;	/* oldest version / a weak suite */
	uint8_t old_version, weak_cipher;
	struct addr peer;		/* weak TLS: first server */
	uint16_t peer_port;
	uint32_t servers[MAX_USERS];	/* weak TLS: distinct servers */
	uint8_t nservers;
	char user[PROTO_SHORT_LEN];	/* first user (never a password) */
};

struct cleartext {
	struct detect_walk walk;	/* first: see detect_walk_tick */
	const struct detect_ctx *ctx;
	struct lrutab *recs;
	uint64_t idle;
	uint64_t suppressed;
};

static const char *proto_label(uint8_t lp)
{
	switch (lp) {
	case LOGIN_TELNET: return "telnet";
	case LOGIN_FTP: return "FTP";
	case LOGIN_HTTP_BASIC: return "HTTP Basic";
	case LOGIN_POP3: return "POP3";
	case LOGIN_IMAP: return "IMAP";
	case LOGIN_MQTT: return "MQTT";
	case LOGIN_RTSP: return "RTSP";
	case LOGIN_SMTP: return "SMTP";
	default: return "unknown";
	}
}

static const char *tls_label(uint16_t v)
{
	switch (v) {
	case 0x0300: return "SSL 3.0";
	case 0x0301: return "TLS 1.0";
	case 0x0302: return "TLS 1.1";
	case 0x0303: return "TLS 1.2";
	case 0x0304: return "TLS 1.3";
	default: return v < 0x0300 ? "SSL 2" : "unknown";
	}
}

static uint32_t hash32(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h ? h : 1;
}

static void emit(struct cleartext *c, const struct ct_key *k,
    struct ct_rec *r, int ongoing)
{
	struct alert a;
	uint64_t day = r->first / DAY_NS + 1;
	int weak = k->kind == K_WEAK;
	int cli_home = homenet_contains(&c->ctx->home, &k->cli);
	int srv_home = homenet_contains(&c->ctx->home, &k->srv);

	/* one report at an episode's end per key and day; progress reports
	 * (only written of severity 1: default credentials) do not count */
	if (!ongoing) {
		if (r->day == day) {
			c->suppressed++;
			return;
		}
		r->day = day;
	}
	if (weak) {
		alert_init(&a, r->old_version ? 2310 : 2311,
		    ALERT_CAT_WEAK_CRYPTO, 3, "T1557", "cleartext", r->first);
		if (r->old_version)
			alert_signature(&a, "Obsolete %s negotiated",
			    tls_label(r->version));
		else
			alert_signature(&a, "Weak TLS cipher suite 0x%04x "
			    "negotiated", r->cipher);
		alert_text(&a, "%u handshakes with %s%u server%s negotiated "
		    "%s%s%s (minimum accepted: TLS 1.2 without NULL, EXPORT, "
		    "RC4, DES or anonymous suites)", r->count,
		    r->nservers >= MAX_USERS ? "at least " : "", r->nservers,
		    r->nservers == 1 ? "" : "s",
		    r->old_version ? tls_label(r->version) : "",
		    r->old_version && r->weak_cipher ? " and " : "",
		    r->weak_cipher ? "a weak cipher suite" : "");
		alert_kv_str(&a, "tls_version", tls_label(r->version));
		if (r->weak_cipher)
			alert_kv_num(&a, "weak_cipher_suite", r->cipher);
		alert_kv_num(&a, "handshakes", r->count);
		alert_kv_num(&a, "servers", r->nservers);
		alert_kv_str(&a, "threshold_version", "TLS 1.2");
	} else {
		const char *pl = proto_label(k->kind);
		/* exposure decides: credentials crossing the home boundary
		 * can be read on the way (medium) and a default credential
		 * usable from outside is high; inside the LAN it is noted
		 * (low) - the device record carries its cleartext share */
		int crosses = cli_home != srv_home;
		if (r->defaults) {
			alert_init(&a, 2301, ALERT_CAT_CLEARTEXT_CREDENTIALS,
			    crosses ? 1 : 3, "T1078.001", "cleartext",
			    r->first);
			alert_signature(&a, "Default IoT credentials in clear "
			    "text (%s%s%s%s)", pl, r->user[0] ? ", user '" : "",
			    r->user, r->user[0] ? "'" : "");
		} else {
			alert_init(&a, 2300, ALERT_CAT_CLEARTEXT_CREDENTIALS,
			    crosses ? 2 : 3, "T1552", "cleartext", r->first);
			alert_signature(&a, "Cleartext credentials (%s%s%s%s)",
			    pl, r->user[0] ? ", user '" : "", r->user,
			    r->user[0] ? "'" : "");
		}
		alert_kv_num(&a, "crosses_home_network", crosses);
		alert_text(&a, "%u %s logins sent a password in clear (%u "
		    "with a well-known default credential; threshold 1); the "
		    "password itself is not recorded", r->count, pl,
		    r->defaults);
		alert_kv_str(&a, "protocol", pl);
		alert_kv_str(&a, "user", r->user);
		alert_kv_num(&a, "logins", r->count);
		alert_kv_num(&a, "distinct_users", r->nusers);
		alert_kv_num(&a, "default_credentials", r->defaults);
	}
	detect_alert_episode(&a, r->last, r->count, r->flow_id);
	detect_alert_hosts(&a, &k->cli, weak ? &r->peer : &k->srv,
	    weak ? r->peer_port : k->port, 6, r->has_mac ? r->mac : NULL);
	/* the device concerned: the home side (a device serving obsolete
	 * TLS or receiving cleartext logins from outside) */
	if (!weak && !cli_home && srv_home)
		a.device_side = ALERT_SIDE_DST;
	a.ongoing = (uint8_t)ongoing;
	alert_emit(c->ctx->sink, &a);
}

static void evict_rec(const void *key, void *val, void *ud)
{
	struct cleartext *c = ud;
	struct ct_rec *r = val;
	if (r->active) {
		emit(c, key, r, 0);
		c->walk.nactive--;
	}
}

static struct ct_rec *get_rec(struct cleartext *c, const struct addr *cli,
    const struct addr *srv, uint16_t port, uint8_t kind, uint64_t ts,
    const struct flow *f, const uint8_t *mac)
{
	struct ct_key k;
	struct ct_rec *r;

	memset(&k, 0, sizeof(k));
	k.cli = *cli;
	k.srv = *srv;
	k.port = port;
	k.kind = kind;
	r = lrutab_get(c->recs, &k, NULL);
	if (r->active && ep_past(ts, r->last, c->idle)) {
		/* the last episode ended; no tick closed it yet */
		emit(c, &k, r, 0);
		r->active = 0;
		c->walk.nactive--;
	}
	if (!r->active) {
		uint64_t day = r->day;
		memset(r, 0, sizeof(*r));
		r->day = day;
		r->first = ts;
		r->active = 1;
		r->flow_id = f->flow_id;
		c->walk.nactive++;
	}
	if (ts > r->last)
		r->last = ts;
	ep_keep_mac(&r->has_mac, r->mac, mac);
	r->count++;
	return r;
}

static int anonymous(const struct app_login *l)
{
	return l->proto == LOGIN_FTP && (strcmp(l->user, "anonymous") == 0 ||
	    strcmp(l->user, "ftp") == 0);
}

static void on_packet(void *st, const struct detect_pkt *dp)
{
	struct cleartext *c = st;
	const struct app_meta *m = dp->m;
	const struct packet *p = dp->p;

	if (!dp->f || !m || !p->ip_version)
		return;
	if (m->kind == APP_LOGIN) {
		const struct app_login *l = &m->u.login;
		if (l->outcome != LOGIN_ATTEMPT || !l->secret_seen ||
		    anonymous(l))
			return;
		/* the client sent it */
		struct ct_rec *r = get_rec(c, &p->src, &p->dst, p->dport,
		    l->proto, p->ts_ns, dp->f, p->has_eth ? p->src_mac : NULL);
		if (l->default_cred)
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
			/* name the default-credential user when there is one */
			if (!r->user[0] || (l->default_cred &&
			    r->defaults == 1))
				snprintf(r->user, sizeof(r->user), "%s",
				    l->user);
		}
	} else if (m->kind == APP_TLS_SERVER_HELLO) {
		const struct app_tls *t = &m->u.tls;
		int old = t->version && t->version < 0x0303;
		if (!old && !t->weak_cipher)
			return;
		/* one finding per device: the client, unless only the server
		 * is ours (a device serving obsolete TLS) */
		const struct addr *cli = &p->dst, *srv = &p->src;
		const uint8_t *mac = p->has_eth ? p->dst_mac : NULL;
		uint16_t port = p->sport;
		if (!dp->dst_home && dp->src_home) {
			cli = &p->src;
			srv = &p->dst;
			mac = p->has_eth ? p->src_mac : NULL;
			port = p->dport;
		}
		struct addr none;
		memset(&none, 0, sizeof(none));
		struct ct_rec *r = get_rec(c, cli, &none, 0, K_WEAK, p->ts_ns,
		    dp->f, mac);
		if (!r->peer.family) {
			r->peer = *srv;
			r->peer_port = port;
		}
		uint32_t h = hash32((const char *)srv->a, sizeof(srv->a));
		uint8_t i;
		for (i = 0; i < r->nservers; i++)
			if (r->servers[i] == h)
				break;
		if (i == r->nservers && r->nservers < MAX_USERS)
			r->servers[r->nservers++] = h;
		if (old) {
			if (!r->old_version || t->version < r->version)
				r->version = t->version;
			r->old_version = 1;
		} else if (!r->old_version) {
			r->version = t->version;
		}
		if (t->weak_cipher) {
			r->weak_cipher = 1;
			r->cipher = t->cipher;
		}
	}
}

static void sweep(void *st, uint64_t now, int force)
{
	struct cleartext *c = st;
	void *v, *next;

	for (v = lrutab_first(c->recs); v && c->walk.nactive; v = next) {
		struct ct_rec *r = v;
		next = lrutab_next(c->recs, v);
		if (!force && !ep_past(now, r->last, c->idle))
			break;	/* LRU order: the rest are more recent */
		if (r->active) {
			emit(c, lrutab_key(c->recs, v), r, 0);
			r->active = 0;	/* kept: remembers the day reported */
			c->walk.nactive--;
		}
	}
	if (force || !c->walk.nactive)
		return;
	/* the episodes still going on */
	for (v = lrutab_first(c->recs); v; v = lrutab_next(c->recs, v)) {
		struct ct_rec *r = v;
		if (r->active &&
		    alert_ongoing_due(r->last, r->reported)) {
			emit(c, lrutab_key(c->recs, v), r, 1);
			r->reported = now;
		}
	}
}

static void destroy(void *st)
{
	struct cleartext *c = st;
	if (!c)
		return;
	lrutab_free(c->recs);
	ew_free(c);
}

static void *create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct cleartext *c = ew_calloc(1, sizeof(*c));
	size_t n;

	if (!c)
		return detect_oom(err, errlen, "cleartext");
	c->ctx = ctx;
	c->walk.sweep = sweep;
	c->walk.period = WALK_NS;
	c->idle = (uint64_t)(detect_setting(set, "cleartext.idle_s",
	    CLEAR_IDLE_S, "seconds without a login/handshake that end an "
	    "episode") * 1e9);
	n = lrutab_entries_for(sizeof(struct ct_key), sizeof(struct ct_rec),
	    CLEAR_MEMCAP);
	c->recs = lrutab_new(sizeof(struct ct_key), sizeof(struct ct_rec), n,
	    ctx->seed, evict_rec, c);
	if (!c->recs) {
		destroy(c);
		return detect_oom(err, errlen, "cleartext");
	}
	return c;
}

const struct check_ops check_cleartext = {
	.name = "cleartext",
	.create = create,
	.destroy = destroy,
	.packet = on_packet,
	.tick = detect_walk_tick,
	.finish = detect_walk_finish,
};
