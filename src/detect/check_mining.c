/* check_mining.c - a device mining cryptocurrency (resource hijacking).
 *
 * Evidence per mining host:
 *  - Stratum / mining JSON-RPC calls parsed by proto/ (APP_STRATUM:
 *    mining.subscribe, mining.authorize, mining.submit, login, eth_getWork,
 *    eth_submitWork ...). The miner is the side sending the calls (or the
 *    side receiving the pool's notifications), whatever the flow's
 *    orientation, since captures often start mid-connection;
 *  - flows nDPI classified as mining (application name containing
 *    "Mining"), read at flow end, not when only guessed from the port;
 *  - long two-way sessions to well-known pool ports (3333, 4444, 5555,
 *    7777, 14444, 45700, ...): supporting evidence only, listed in the
 *    explanation but never an alert on their own (those ports are also
 *    ADB, game servers, Metasploit...).
 * One alert per host episode (it ends after MINING_IDLE_S without
 * evidence; a miner that goes on is also reported while it does, see
 * ALERT_ONGOING_*), severity 1 for a device of the home network, else 2. */
#include "detect/detect_int.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

#define NS 1000000000ull
#define WALK_NS (60ull * NS)
#define POOL_MIN_NS (60ull * NS)	/* a pool-port session this long */

enum {
	M_SUBSCRIBE = 1, M_AUTHORIZE = 2, M_SUBMIT = 4, M_LOGIN = 8,
	M_GETWORK = 16, M_NOTIFY = 32, M_OTHER = 64,
};

struct mine_rec {
	uint64_t first, last;
	uint64_t reported;		/* last progress report, 0 = none */
	uint32_t stratum_msgs, ndpi_flows, pool_flows;
	uint32_t methods;
	uint8_t active, has_mac;
	uint8_t mac[6];
	uint16_t dport;
	struct addr dst;
	uint64_t flow_id;
	char agent[PROTO_SHORT_LEN];
	char app[64];
};

struct mining {
	struct detect_walk walk;	/* first: see detect_walk_tick */
	const struct detect_ctx *ctx;
	struct lrutab *hosts;
	uint64_t idle;
};

static int pool_port(uint16_t p)
{
	switch (p) {
	case 3333: case 3334: case 3335: case 4444: case 5555: case 7777:
	case 8888: case 9999: case 14433: case 14444: case 45560:
	case 45700:
		return 1;
	default:
		return 0;
	}
}

/* 1 when name contains "mining" in any case (nDPI: "Mining",
 * "TLS.Mining"). */
static int says_mining(const char *name)
{
	static const char want[] = "mining";
	for (const char *p = name; *p; p++) {
		size_t i;
		for (i = 0; want[i]; i++) {
			char c = p[i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			if (c != want[i])
				break;
		}
		if (!want[i])
			return 1;
	}
	return 0;
}

static uint32_t method_bit(const char *m)
{
	if (strstr(m, "subscribe"))
		return M_SUBSCRIBE;
	if (strstr(m, "authorize") || strstr(m, "submitLogin"))
		return M_AUTHORIZE;
	if (strstr(m, "submit"))
		return M_SUBMIT;
	if (strcmp(m, "login") == 0)
		return M_LOGIN;
	if (strstr(m, "getWork") || strstr(m, "getjob") ||
	    strstr(m, "getJob"))
		return M_GETWORK;
	if (strstr(m, "notify") || strstr(m, "set_") ||
	    strcmp(m, "job") == 0 || strncmp(m, "client.", 7) == 0)
		return M_NOTIFY;	/* pool -> miner */
	return M_OTHER;
}

static void methods_text(uint32_t bits, char *buf, size_t size)
{
	static const char *const names[] = { "subscribe", "authorize",
	    "submit", "login", "getwork", "notify", "other" };
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 7; i++) {
		if (!(bits & (1u << i)))
			continue;
		int n = snprintf(buf + off, size - off, "%s%s",
		    off ? "," : "", names[i]);
		if (n < 0 || (size_t)n >= size - off)
			break;
		off += (size_t)n;
	}
}

static void emit(struct mining *mn, const struct addr *host,
    const struct mine_rec *r, int ongoing)
{
	struct alert a;
	char dst[ADDR_STRLEN], methods[96];
	int internal = homenet_contains(&mn->ctx->home, host);
	int stratum = r->stratum_msgs > 0;

	addr_fmt(&r->dst, dst, sizeof(dst));
	methods_text(r->methods, methods, sizeof(methods));
	alert_init(&a, stratum ? 2200 : 2201, ALERT_CAT_CRYPTOMINING,
	    internal ? 1 : 2, "T1496", "mining", r->first);
	alert_signature(&a, "Cryptocurrency mining (%s) to pool %s:%u",
	    stratum ? "Stratum" : "nDPI mining protocol", dst, r->dport);
	detect_alert_episode(&a, r->last, r->stratum_msgs + r->ndpi_flows,
	    r->flow_id);
	detect_alert_hosts(&a, host, &r->dst, r->dport, 6,
	    r->has_mac ? r->mac : NULL);
	alert_text(&a, "%u mining RPC messages (%s), %u flows classified "
	    "as mining, %u long sessions to pool ports%s%s (threshold: 1 "
	    "mining message or classified flow)", r->stratum_msgs,
	    methods[0] ? methods : "none", r->ndpi_flows, r->pool_flows,
	    r->agent[0] ? "; miner agent " : "", r->agent);
	alert_kv_num(&a, "stratum_messages", r->stratum_msgs);
	if (methods[0])
		alert_kv_str(&a, "methods", methods);
	if (r->agent[0])
		alert_kv_str(&a, "agent", r->agent);
	alert_kv_num(&a, "ndpi_mining_flows", r->ndpi_flows);
	if (r->app[0])
		alert_kv_str(&a, "ndpi_protocol", r->app);
	alert_kv_num(&a, "pool_port_sessions", r->pool_flows);
	alert_kv_num(&a, "internal_device", internal);
	alert_kv_num(&a, "threshold_messages", 1);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(mn->ctx->sink, &a);
}

static void evict_host(const void *key, void *val, void *ud)
{
	struct mining *mn = ud;
	struct mine_rec *r = val;
	if (r->active) {
		emit(mn, key, r, 0);
		mn->walk.nactive--;
	}
}

static struct mine_rec *host_rec(struct mining *mn, const struct addr *host,
    uint64_t ts)
{
	struct mine_rec *r = lrutab_get(mn->hosts, host, NULL);
	if (r->active && ep_past(ts, r->last, mn->idle)) {
		/* the last episode ended; no tick closed it yet */
		emit(mn, host, r, 0);
		r->active = 0;
		mn->walk.nactive--;
	}
	if (!r->active && r->last && ep_past(ts, r->last, mn->idle))
		memset(r, 0, sizeof(*r));
	if (!r->first)
		r->first = ts;
	if (ts > r->last)
		r->last = ts;
	return r;
}

static void activate(struct mining *mn, struct mine_rec *r,
    const struct addr *pool, uint16_t port, const struct flow *f,
    const uint8_t *mac)
{
	if (!r->active || !r->dport) {
		r->dst = *pool;
		r->dport = port;
		r->flow_id = f->flow_id;
	}
	ep_keep_mac(&r->has_mac, r->mac, mac);
	if (!r->active) {
		r->active = 1;
		mn->walk.nactive++;
	}
}

static void on_packet(void *st, const struct detect_pkt *dp)
{
	struct mining *mn = st;
	const struct flow *f = dp->f;
	const struct packet *p = dp->p;

	if (!f || !dp->m || dp->m->kind != APP_STRATUM || !p->ip_version)
		return;
	const struct app_stratum *s = &dp->m->u.stratum;
	/* the miner sends calls and receives notifications: the method says
	 * who sent it better than the flow's orientation does (captures
	 * start mid-connection); a bare result goes by the parser's flag */
	int from_miner = !s->from_server;
	if (s->method[0])
		from_miner = !(method_bit(s->method) & M_NOTIFY);
	const struct addr *miner = from_miner ? &p->src : &p->dst;
	const struct addr *pool = from_miner ? &p->dst : &p->src;
	uint16_t port = from_miner ? p->dport : p->sport;
	const uint8_t *mac = p->has_eth ? (from_miner ? p->src_mac :
	    p->dst_mac) : NULL;
	struct mine_rec *r = host_rec(mn, miner, p->ts_ns);

	r->stratum_msgs++;
	if (s->method[0])
		r->methods |= method_bit(s->method);
	if (s->agent[0] && !r->agent[0])
		snprintf(r->agent, sizeof(r->agent), "%s", s->agent);
	activate(mn, r, pool, port, f, mac);
}

static void on_flow_end(void *st, const struct flow *f)
{
	struct mining *mn = st;
	char buf[64];
	const char *app = NULL;
	int swap = pool_port(f->cli_port) && !pool_port(f->srv_port);
	const struct addr *miner = swap ? &f->srv_addr : &f->cli_addr;
	const struct addr *pool = swap ? &f->cli_addr : &f->srv_addr;
	uint16_t port = swap ? f->cli_port : f->srv_port;
	const uint8_t *mac = f->has_mac ? (swap ? f->srv_mac : f->cli_mac) :
	    NULL;

	if (mn->ctx->ps)
		app = proto_app_name(mn->ctx->ps, f, buf, sizeof(buf));
	/* a port guess is no evidence: a flood to random ports hits 3333
	 * and 30303 */
	if (app && says_mining(app) && !f->app_guessed) {
		struct mine_rec *r = host_rec(mn, miner, f->last_ns);
		r->ndpi_flows++;
		if (!r->app[0])
			snprintf(r->app, sizeof(r->app), "%s", app);
		activate(mn, r, pool, port, f, mac);
		return;
	}
	if (f->proto == 6 && pool_port(port) && f->payload_ts &&
	    f->payload_tc && f->last_ns - f->start_ns >= POOL_MIN_NS) {
		/* supporting only: counted into an episode, never opens one */
		struct mine_rec *r = lrutab_find(mn->hosts, miner);
		if (r && r->active) {
			r->pool_flows++;
			if (f->last_ns > r->last)
				r->last = f->last_ns;
		}
	}
}

static void sweep(void *st, uint64_t now, int force)
{
	struct mining *mn = st;
	void *v, *next;

	for (v = lrutab_first(mn->hosts); v && mn->walk.nactive; v = next) {
		struct mine_rec *r = v;
		next = lrutab_next(mn->hosts, v);
		if (!force && !ep_past(now, r->last, mn->idle)) {
			/* still going on (the walk visits every host: last
			 * may move without a touch) */
			if (r->active &&
			    alert_ongoing_due(r->last, r->reported)) {
				emit(mn, lrutab_key(mn->hosts, v), r, 1);
				r->reported = now;
			}
			continue;
		}
		if (r->active) {
			emit(mn, lrutab_key(mn->hosts, v), r, 0);
			mn->walk.nactive--;
			lrutab_del(mn->hosts, v);
		}
	}
}

static void destroy(void *st)
{
	struct mining *mn = st;
	if (!mn)
		return;
	lrutab_free(mn->hosts);
	ew_free(mn);
}

static void *create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct mining *mn = ew_calloc(1, sizeof(*mn));
	size_t n;

	if (!mn)
		return detect_oom(err, errlen, "mining");
	mn->ctx = ctx;
	mn->walk.sweep = sweep;
	mn->walk.period = WALK_NS;
	mn->idle = (uint64_t)(detect_setting(set, "mining.idle_s",
	    MINING_IDLE_S, "seconds without mining evidence that end an "
	    "episode") * 1e9);
	n = lrutab_entries_for(sizeof(struct addr), sizeof(struct mine_rec),
	    MINING_MEMCAP);
	mn->hosts = lrutab_new(sizeof(struct addr), sizeof(struct mine_rec),
	    n, ctx->seed, evict_host, mn);
	if (!mn->hosts) {
		destroy(mn);
		return detect_oom(err, errlen, "mining");
	}
	return mn;
}

const struct check_ops check_mining = {
	.name = "mining",
	.create = create,
	.destroy = destroy,
	.packet = on_packet,
	.flow_end = on_flow_end,
	.tick = detect_walk_tick,
	.finish = detect_walk_finish,
};
