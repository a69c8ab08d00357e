/* check_slowdos.c - slow HTTP denial of service (Slowloris, slow POST):
 * many connections to one web service held open with a trickle of data
 * while the server, still waiting for the request, sends nothing back.
 * Rate-based flood counting never sees it: slowloris.py holds 150
 * connections with one header line per connection every 15 s, and an IoT
 * device's web server falls over at a few dozen.
 *
 * Evidence, per service (server address and port): a "held" packet is
 * client data on an HTTP flow (nDPI) that is at least SLOWDOS_MIN_AGE_S
 * old, whose server has sent no payload at all and whose client has sent
 * at most SLOWDOS_MAX_BYTES. Distinct held connections (client address
 * and port) and clients are counted per SLOWDOS_WINDOW_S tumbling window
 * (episode.h's approximate counters, 64 bytes each); an episode opens
 * when a window reaches SLOWDOS_CONNS and ends after SLOWDOS_IDLE_S
 * without a held packet. A request that completes gets an answer, so a
 * busy server's long-polls or uploads do not look held; a log or
 * telemetry stream the server never answers is not HTTP.
 *
 * Severity 1 when the one client is a device of the home network (it
 * takes part in a DoS), 2 when the server is one, else 3. */
#include "detect/detect_int.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

#define NS 1000000000ull
#define WALK_NS (10ull * NS)

struct sd_key {
	struct addr srv;
	uint16_t port;
	uint8_t pad[1];
};

struct sd_rec {
	uint64_t win_start;
	struct dset conns;		/* held connections this window */
	struct dset clients;		/* their client addresses */
	struct episode ep;		/* count: held packets */
	double peak_conns, peak_clients;	/* largest window */
	uint64_t flow_id;
	struct addr client;		/* the first client of the episode */
	uint8_t many_clients;		/* another one seen in it */
	uint8_t has_mac;
	uint8_t mac[6];			/* the first client's MAC */
};

struct slowdos {
	struct detect_walk walk;	/* first: see detect_walk_tick */
	const struct detect_ctx *ctx;
	struct lrutab *svcs;
	double conns;
	uint64_t window, min_age, idle;
	uint32_t max_bytes;
};

static void emit(struct slowdos *sd, const struct sd_key *k,
    struct sd_rec *r, int ongoing)
{
	struct alert a;
	char srv[ADDR_STRLEN], cli[ADDR_STRLEN];
	int one = !r->many_clients;
	int cli_home = one && homenet_contains(&sd->ctx->home, &r->client);
	int srv_home = homenet_contains(&sd->ctx->home, &k->srv);

	addr_fmt(&k->srv, srv, sizeof(srv));
	addr_fmt(&r->client, cli, sizeof(cli));
	alert_init(&a, 2600, ALERT_CAT_FLOOD, cli_home ? 1 : srv_home ? 2 : 3,
	    "T1499.002", "slowdos", r->ep.start);
	detect_alert_episode(&a, r->ep.last, r->ep.count, r->flow_id);
	/* many clients: no source; an external client's MAC is the
	 * router's */
	static const struct addr nobody;
	detect_alert_hosts(&a, one ? &r->client : &nobody, &k->srv, k->port,
	    IPPROTO_NUM_TCP, cli_home && r->has_mac ? r->mac : NULL);
	a.device_side = cli_home ? ALERT_SIDE_SRC : ALERT_SIDE_DST;
	if (one)
		alert_signature(&a, "Slow HTTP DoS (Slowloris) from %s "
		    "against %s:%u", cli, srv, k->port);
	else
		alert_signature(&a, "Slow HTTP DoS (Slowloris) against %s:%u "
		    "from ~%.0f clients", srv, k->port, r->peak_clients);
	alert_text(&a, "%.0f connections to %s:%u held open within %.0f s "
	    "(threshold %.0f), each at least %.0f s old with at most %u "
	    "bytes sent and no answer from the server; %llu held packets",
	    r->peak_conns, srv, k->port, (double)sd->window / 1e9, sd->conns,
	    (double)sd->min_age / 1e9, sd->max_bytes,
	    (unsigned long long)r->ep.count);
	alert_kv_num(&a, "held_connections", r->peak_conns);
	alert_kv_num(&a, "threshold_connections", sd->conns);
	alert_kv_num(&a, "clients", r->peak_clients);
	alert_kv_num(&a, "window_s", (double)sd->window / 1e9);
	alert_kv_num(&a, "min_age_s", (double)sd->min_age / 1e9);
	alert_kv_num(&a, "max_client_bytes", sd->max_bytes);
	alert_kv_str(&a, "counting", "connections approximate (512-bit "
	    "linear counter)");
	a.ongoing = (uint8_t)ongoing;
	alert_emit(sd->ctx->sink, &a);
}

static void on_evict(const void *key, void *val, void *ud)
{
	struct slowdos *sd = ud;
	struct sd_rec *r = val;

	if (r->ep.open) {
		emit(sd, key, r, 0);
		sd->walk.nactive--;
	}
}

/* A held packet: client data on an HTTP connection old enough whose
 * server has said nothing (see the top). */
static int held(const struct slowdos *sd, const struct detect_pkt *dp)
{
	const struct flow *f = dp->f;
	const struct packet *p = dp->p;
	char name[64];

	if (!f || f->proto != IPPROTO_NUM_TCP || !dp->to_server ||
	    !p->payload_len || f->payload_tc || !f->payload_ts ||
	    f->payload_ts > sd->max_bytes || p->ts_ns < f->start_ns ||
	    p->ts_ns - f->start_ns < sd->min_age || !sd->ctx->ps)
		return 0;
	const char *app = proto_app_name(sd->ctx->ps, f, name, sizeof(name));
	return app && !f->app_guessed && strncmp(app, "HTTP", 4) == 0;
}

static void on_packet(void *st, const struct detect_pkt *dp)
{
	struct slowdos *sd = st;
	const struct packet *p = dp->p;
	struct sd_key k;

	if (!held(sd, dp))
		return;
	memset(&k, 0, sizeof(k));
	k.srv = p->dst;
	k.port = p->dport;
	struct sd_rec *r = lrutab_get(sd->svcs, &k, NULL);
	uint64_t now = p->ts_ns;
	if (!r->win_start || now < r->win_start ||
	    now - r->win_start >= sd->window) {
		dset_clear(&r->conns);
		dset_clear(&r->clients);
		r->win_start = now;
	}
	uint8_t conn[18];
	memcpy(conn, p->src.a, 16);
	conn[16] = (uint8_t)(p->sport >> 8);
	conn[17] = (uint8_t)p->sport;
	dset_add(&r->conns, ep_hash_bytes(conn, sizeof(conn),
	    p->src.family));
	dset_add(&r->clients, ep_hash_bytes(p->src.a, 16, p->src.family));
	double n = dset_estimate(&r->conns);
	if (!r->ep.open) {
		if (n < sd->conns)
			return;
		episode_open(&r->ep, r->win_start, now);
		r->peak_conns = r->peak_clients = 0;
		r->client = p->src;
		/* the window that opened it may hold other clients already */
		r->many_clients = r->clients.set > 1;
		r->has_mac = 0;
		ep_keep_mac(&r->has_mac, r->mac, p->has_eth ? p->src_mac :
		    NULL);
		r->flow_id = dp->f->flow_id;
		sd->walk.nactive++;
	}
	r->ep.count++;
	r->ep.last = now;
	if (memcmp(&r->client, &p->src, sizeof(p->src)) != 0)
		r->many_clients = 1;
	double nc = dset_estimate(&r->clients);
	if (n > r->peak_conns)
		r->peak_conns = n;
	if (nc > r->peak_clients)
		r->peak_clients = nc;
}

static void sweep(void *st, uint64_t now, int force)
{
	struct slowdos *sd = st;
	void *v, *next;

	for (v = lrutab_first(sd->svcs); v && sd->walk.nactive; v = next) {
		struct sd_rec *r = v;
		next = lrutab_next(sd->svcs, v);
		if (!r->ep.open)
			continue;
		if (force || episode_idle(&r->ep, now, sd->idle)) {
			emit(sd, lrutab_key(sd->svcs, v), r, 0);
			sd->walk.nactive--;
			lrutab_del(sd->svcs, v);
		} else if (episode_ongoing(&r->ep, now)) {
			emit(sd, lrutab_key(sd->svcs, v), r, 1);
		}
	}
}

static void destroy(void *st)
{
	struct slowdos *sd = st;

	if (!sd)
		return;
	lrutab_free(sd->svcs);
	ew_free(sd);
}

static void *create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct slowdos *sd = ew_calloc(1, sizeof(*sd));

	if (!sd)
		return detect_oom(err, errlen, "slowdos");
	sd->ctx = ctx;
	sd->walk.sweep = sweep;
	sd->walk.period = WALK_NS;
	sd->conns = detect_setting(set, "slowdos.conns", SLOWDOS_CONNS,
	    "slowdos: connections to one web service held open within the "
	    "window (each old enough, its server silent)");
	sd->window = (uint64_t)(detect_setting(set, "slowdos.window_s",
	    SLOWDOS_WINDOW_S, "slowdos: window the held connections are "
	    "counted in (s)") * 1e9);
	sd->min_age = (uint64_t)(detect_setting(set, "slowdos.min_age_s",
	    SLOWDOS_MIN_AGE_S, "slowdos: a connection this old (s) whose "
	    "server has sent nothing is held") * 1e9);
	double mb = detect_setting(set, "slowdos.max_bytes",
	    SLOWDOS_MAX_BYTES, "slowdos: ... with at most this many bytes "
	    "from its client");
	sd->max_bytes = mb < 1 ? 1 : mb > 1e9 ? 1000000000u : (uint32_t)mb;
	sd->idle = (uint64_t)(detect_setting(set, "slowdos.idle_s",
	    SLOWDOS_IDLE_S, "slowdos: seconds without a held packet that "
	    "end an episode") * 1e9);
	if (sd->conns < 2)
		sd->conns = 2;
	if (sd->window < NS)
		sd->window = NS;
	size_t n = lrutab_entries_for(sizeof(struct sd_key),
	    sizeof(struct sd_rec), SLOWDOS_MEMCAP);
	sd->svcs = lrutab_new(sizeof(struct sd_key), sizeof(struct sd_rec),
	    n, ctx->seed ^ 5, on_evict, sd);
	if (!sd->svcs) {
		destroy(sd);
		return detect_oom(err, errlen, "slowdos");
	}
	return sd;
}

const struct check_ops check_slowdos = {
	.name = "slowdos",
	.create = create,
	.destroy = destroy,
	.packet = on_packet,
	.tick = detect_walk_tick,
	.finish = detect_walk_finish,
};
