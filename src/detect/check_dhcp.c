/* check_dhcp.c - DHCP abuse: floods and starvation (many client messages
 * or client identities in a short time, T1499.002) and rogue servers
 * (T1557.003): OFFERs/ACKs from a second server while an established one
 * is alive and both go on - the established server answers after the
 * second one's first reply, and the second answers again after that. A
 * network that changed (router replaced, sensor moved, captures of two
 * networks laid end to end) shows one server falling silent as the other
 * starts; a rogue server races the real one for every client, or comes
 * while the pool is being starved (then its second reply is enough).
 *
 * Reads only what the proto stage parsed (struct app_dhcp). Per sending
 * MAC (lrutab): client messages and distinct identities (chaddr, client
 * id, ciaddr) per window. Network-wide: distinct chaddr in DISCOVER/
 * REQUEST per window, for starvation tools that forge a new source MAC
 * for every message. Servers: a fixed array of DHCP_MAX_SERVERS. */
#include "detect/detect_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

#define DHCP_MAX_SERVERS 8
/* A server silent this long is no longer "the" server (router swap). */
#define SERVER_ALIVE_NS (86400 * EP_SEC)

struct mkey {
	uint8_t mac[6];
	uint8_t pad[2];
};

struct client {
	uint64_t win_start, last;
	uint32_t msgs;			/* client messages this window */
	struct dset ids;		/* identities this window */
	struct dset chaddrs;
	struct episode ep;
	double peak_msgs, peak_ids;
	double thr;			/* the message threshold it crossed */
	uint8_t has_src;
	uint8_t src4[4];		/* first non-zero source address */
	uint8_t has_server;
	uint8_t server[4];		/* server id, or unicast dst */
	uint64_t flow_id;
	struct dset ep_ids;
};

struct server {
	uint8_t used;
	uint8_t ip[4];
	uint8_t mac[6];
	uint64_t first, last, count;
	struct episode ep;		/* open while acting as a rogue */
	uint8_t pending, legit_back;	/* a second server, waiting for the
					 * established one to answer */
	uint64_t pend_first, pend_count;
	uint8_t client_mac[6];		/* first client it answered as rogue */
	uint8_t yiaddr[4];
	uint8_t legit_ip[4];		/* the established server then */
	uint8_t legit_mac[6];
};

struct dhcpchk {
	const struct detect_ctx *ctx;
	struct lrutab *clients;
	uint64_t window_ns, idle_ns;
	uint64_t swin_ns;		/* network-wide starvation window */
	double thr_ids, thr_msgs, thr_one;
	int rogue_on;
	/* network-wide starvation window */
	uint64_t g_start, g_last;
	struct dset g_chaddr;
	uint32_t g_msgs;
	struct episode g_ep;
	double g_peak;
	uint8_t g_first_mac[6];
	struct dset g_macs;		/* distinct sending MACs (episode) */
	struct server srv[DHCP_MAX_SERVERS];
	uint64_t alerts;
	uint64_t next_ongoing;		/* see ep_ongoing_walk */
};

static void fmt4(const uint8_t *ip, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

static int zero4(const uint8_t *ip)
{
	return !(ip[0] | ip[1] | ip[2] | ip[3]);
}

/* The emit_* report an episode when it ends, or while it goes on
 * (ongoing: it stays open). */
static void emit_client(struct dhcpchk *c, const uint8_t *mac,
    struct client *cl, int ongoing)
{
	struct alert a;
	char ms[MAC_STRLEN], sv[20];
	double ids = dset_estimate(&cl->ep_ids);

	if (!cl->ep.open)
		return;
	if (!ongoing)
		cl->ep.open = 0;
	if (ids > (double)cl->ep.count)	/* an estimate; never above */
		ids = (double)cl->ep.count;
	mac_fmt(mac, ms, sizeof(ms));
	int starve = cl->peak_ids >= c->thr_ids;
	alert_init(&a, starve ? 1301 : 1300, ALERT_CAT_DHCP_ABUSE, 2,
	    "T1499.002", "dhcp", cl->ep.start);
	a.ts_end = cl->ep.last;
	a.count = cl->ep.count;
	a.flow_id = cl->flow_id;
	a.has_src_mac = 1;
	memcpy(a.src_mac, mac, 6);
	if (cl->has_src)
		addr_set4(&a.src, cl->src4);
	a.proto = IPPROTO_NUM_UDP;
	a.dest_port = 67;
	sv[0] = 0;
	if (cl->has_server || !zero4(cl->server)) {
		addr_set4(&a.dst, cl->server);
		fmt4(cl->server, sv, sizeof(sv));
	}
	alert_signature(&a, "DHCP %s from %s", starve ? "starvation" :
	    "flood", ms);
	alert_text(&a, "%.0f DHCP client messages in %.0f s from %s (peak; "
	    "threshold %.0f), ~%.0f distinct client identities (hardware "
	    "address, client id, addresses), %.0f hardware addresses "
	    "(starvation threshold %.0f)%s%s", cl->peak_msgs,
	    (double)c->window_ns / 1e9, ms, cl->thr, ids, cl->peak_ids,
	    c->thr_ids, sv[0] ? "; server " : "", sv);
	alert_kv_num(&a, "messages", (double)cl->ep.count);
	alert_kv_num(&a, "peak_messages_in_window", cl->peak_msgs);
	alert_kv_num(&a, "messages_threshold", cl->thr);
	alert_kv_num(&a, "client_identities", ids);
	alert_kv_num(&a, "hardware_addresses", cl->peak_ids);
	alert_kv_num(&a, "identities_threshold", c->thr_ids);
	alert_kv_num(&a, "window_s", (double)c->window_ns / 1e9);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(c->ctx->sink, &a);
	c->alerts++;
}

static void emit_global(struct dhcpchk *c, int ongoing)
{
	struct alert a;
	char ms[MAC_STRLEN];
	double macs = dset_estimate(&c->g_macs);

	if (!c->g_ep.open)
		return;
	if (!ongoing)
		c->g_ep.open = 0;
	alert_init(&a, 1302, ALERT_CAT_DHCP_ABUSE, 2, "T1499.002", "dhcp",
	    c->g_ep.start);
	a.ts_end = c->g_ep.last;
	a.count = c->g_ep.count;
	a.proto = IPPROTO_NUM_UDP;
	a.dest_port = 67;
	mac_fmt(c->g_first_mac, ms, sizeof(ms));
	if (macs <= 1) {
		a.has_src_mac = 1;
		memcpy(a.src_mac, c->g_first_mac, 6);
	}
	alert_signature(&a, "DHCP starvation: %.0f client addresses",
	    c->g_peak);
	alert_text(&a, "%.0f distinct client hardware addresses asked for a "
	    "lease in %.0f s (threshold %.0f), sent from ~%.0f MACs (first "
	    "%s)", c->g_peak, (double)c->swin_ns / 1e9, c->thr_ids, macs,
	    ms);
	alert_kv_num(&a, "distinct_chaddr", c->g_peak);
	alert_kv_num(&a, "threshold", c->thr_ids);
	alert_kv_num(&a, "sending_macs", macs);
	alert_kv_num(&a, "window_s", (double)c->swin_ns / 1e9);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(c->ctx->sink, &a);
	c->alerts++;
}

static void emit_rogue(struct dhcpchk *c, struct server *s, int ongoing)
{
	struct alert a;
	char ip[20], mac[MAC_STRLEN], lip[20], lmac[MAC_STRLEN], cm[MAC_STRLEN];

	if (!s->ep.open)
		return;
	if (!ongoing)
		s->ep.open = 0;
	fmt4(s->ip, ip, sizeof(ip));
	mac_fmt(s->mac, mac, sizeof(mac));
	fmt4(s->legit_ip, lip, sizeof(lip));
	mac_fmt(s->legit_mac, lmac, sizeof(lmac));
	mac_fmt(s->client_mac, cm, sizeof(cm));
	alert_init(&a, 1310, ALERT_CAT_DHCP_ABUSE, 1, "T1557.003", "dhcp",
	    s->ep.start);
	a.ts_end = s->ep.last;
	a.count = s->ep.count;
	a.has_src_mac = 1;
	memcpy(a.src_mac, s->mac, 6);
	if (!zero4(s->ip))
		addr_set4(&a.src, s->ip);
	a.has_dst_mac = 1;
	memcpy(a.dst_mac, s->client_mac, 6);
	if (!zero4(s->yiaddr))
		addr_set4(&a.dst, s->yiaddr);
	a.proto = IPPROTO_NUM_UDP;
	a.src_port = 67;
	a.dest_port = 68;
	alert_signature(&a, "Rogue DHCP server %s (%s)", ip, mac);
	alert_text(&a, "%s (%s) sent %" PRIu64 " DHCP offers/acks (first to "
	    "%s) while %s (%s), which went on answering, serves this network",
	    ip, mac, s->ep.count, cm, lip, lmac);
	alert_kv_str(&a, "rogue_server", ip);
	alert_kv_str(&a, "rogue_mac", mac);
	alert_kv_str(&a, "established_server", lip);
	alert_kv_str(&a, "established_mac", lmac);
	alert_kv_num(&a, "replies", (double)s->ep.count);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(c->ctx->sink, &a);
	c->alerts++;
}

static void on_evict(const void *key, void *val, void *ud)
{
	const struct mkey *k = key;
	emit_client(ud, k->mac, val, 0);
}

static uint64_t identity(const struct packet *p, const struct app_dhcp *d)
{
	uint64_t h = ep_hash_bytes(d->chaddr, 6, 1);
	h = ep_mix64(h ^ ep_hash_bytes(p->src.a, 16, p->src.family));
	h = ep_mix64(h ^ ep_hash_bytes(d->ciaddr, 4, 2));
	size_t n = strnlen(d->client_id, sizeof(d->client_id));
	return ep_mix64(h ^ ep_hash_bytes((const uint8_t *)d->client_id, n,
	    3));
}

static void client_msg(struct dhcpchk *c, const struct detect_pkt *dp,
    const struct app_dhcp *d)
{
	const struct packet *p = dp->p;
	uint64_t now = p->ts_ns;
	struct mkey k;

	memset(&k, 0, sizeof(k));
	memcpy(k.mac, p->has_eth ? p->src_mac : d->chaddr, 6);
	struct client *cl = lrutab_get(c->clients, &k, NULL);
	if (cl->win_start == 0 || now < cl->win_start ||
	    now - cl->win_start >= c->window_ns) {
		cl->win_start = now;
		cl->msgs = 0;
		dset_clear(&cl->ids);
		dset_clear(&cl->chaddrs);
	}
	cl->last = now;
	cl->msgs++;
	uint64_t id = identity(p, d);
	dset_add(&cl->ids, id);
	dset_add(&cl->chaddrs, ep_hash_bytes(d->chaddr, 6, 1));
	if (!cl->has_src && p->ip_version == 4 && !zero4(p->src.a)) {
		cl->has_src = 1;
		memcpy(cl->src4, p->src.a, 4);
	}
	if (!cl->has_server && !zero4(d->server_id)) {
		cl->has_server = 1;
		memcpy(cl->server, d->server_id, 4);
	} else if (!cl->has_server && p->ip_version == 4 &&
	    !zero4(p->dst.a) && p->dst.a[3] != 255) {
		/* a unicast message (INFORM, renewing REQUEST) goes to the
		 * server; a reply's server id replaces it (server_msg) */
		memcpy(cl->server, p->dst.a, 4);
	}
	if (cl->ep.open) {
		cl->ep.count++;
		cl->ep.last = now;
		dset_add(&cl->ep_ids, id);
		if (cl->msgs > cl->peak_msgs)
			cl->peak_msgs = cl->msgs;
		if (dset_estimate(&cl->chaddrs) > cl->peak_ids)
			cl->peak_ids = dset_estimate(&cl->chaddrs);
		return;
	}
	/* one client (its unbound and bound identities) cannot starve a
	 * pool: from it, only a rate no retrying client reaches is a flood */
	double thr = dset_estimate(&cl->ids) < 3 ? c->thr_one : c->thr_msgs;
	if (cl->msgs < thr)
		return;
	episode_open(&cl->ep, cl->win_start, now);
	cl->thr = thr;
	cl->ep.count = cl->msgs;
	cl->ep_ids = cl->ids;
	cl->peak_msgs = cl->msgs;
	cl->peak_ids = dset_estimate(&cl->chaddrs);
	cl->flow_id = dp->f ? dp->f->flow_id : 0;
}

static void global_msg(struct dhcpchk *c, const struct packet *p,
    const struct app_dhcp *d)
{
	uint64_t now = p->ts_ns;

	if (d->msg_type != 1 && d->msg_type != 3)
		return;
	if (c->g_start == 0 || now < c->g_start ||
	    now - c->g_start >= c->swin_ns) {
		c->g_start = now;
		c->g_msgs = 0;
		dset_clear(&c->g_chaddr);
	}
	c->g_last = now;
	c->g_msgs++;
	dset_add(&c->g_chaddr, ep_hash_bytes(d->chaddr, 6, 1));
	double n = dset_estimate(&c->g_chaddr);
	if (c->g_ep.open) {
		c->g_ep.count++;
		c->g_ep.last = now;
		if (p->has_eth)
			dset_add(&c->g_macs, ep_hash_bytes(p->src_mac, 6, 5));
		if (n > c->g_peak)
			c->g_peak = n;
		return;
	}
	if (n < c->thr_ids)
		return;
	episode_open(&c->g_ep, c->g_start, now);
	c->g_ep.count = c->g_msgs;
	c->g_peak = n;
	dset_clear(&c->g_macs);
	if (p->has_eth) {
		dset_add(&c->g_macs, ep_hash_bytes(p->src_mac, 6, 5));
		memcpy(c->g_first_mac, p->src_mac, 6);
	}
}

static void server_msg(struct dhcpchk *c, const struct packet *p,
    const struct app_dhcp *d)
{
	uint64_t now = p->ts_ns;
	uint8_t ip[4];
	struct server *s = NULL, *legit = NULL;

	if (d->msg_type != 2 && d->msg_type != 5)
		return;
	if (!zero4(d->server_id) && p->has_eth) {
		struct mkey k;
		memset(&k, 0, sizeof(k));
		memcpy(k.mac, p->dst_mac, 6);
		struct client *cl = lrutab_find(c->clients, &k);
		if (cl && !cl->has_server) {
			cl->has_server = 1;
			memcpy(cl->server, d->server_id, 4);
		}
	}
	if (!zero4(d->server_id))
		memcpy(ip, d->server_id, 4);
	else if (p->ip_version == 4)
		memcpy(ip, p->src.a, 4);
	else
		memset(ip, 0, 4);
	for (int i = 0; i < DHCP_MAX_SERVERS; i++) {
		struct server *x = &c->srv[i];
		if (!x->used)
			continue;
		/* a relay answers with its MAC and the server's id: the id
		 * names the server */
		if (memcmp(x->ip, ip, 4) == 0) {
			s = x;
			break;
		}
	}
	/* the established server: the earliest still alive */
	for (int i = 0; i < DHCP_MAX_SERVERS; i++) {
		struct server *x = &c->srv[i];
		if (x->used && x != s && !x->ep.open && now >= x->last &&
		    now - x->last < SERVER_ALIVE_NS &&
		    (!legit || x->first < legit->first))
			legit = x;
	}
	if (!s) {
		for (int i = 0; i < DHCP_MAX_SERVERS && !s; i++)
			if (!c->srv[i].used)
				s = &c->srv[i];
		if (!s)
			return;		/* more servers than slots: ignore */
		memset(s, 0, sizeof(*s));
		s->used = 1;
		memcpy(s->ip, ip, 4);
		if (p->has_eth)
			memcpy(s->mac, p->src_mac, 6);
		s->first = now;
	}
	s->last = now;
	s->count++;
	/* s answering: it is still there for any server waiting on it */
	for (int i = 0; i < DHCP_MAX_SERVERS; i++) {
		struct server *x = &c->srv[i];
		if (x != s && x->used && x->pending &&
		    memcmp(x->legit_ip, s->ip, 4) == 0)
			x->legit_back = 1;
	}
	if (s->ep.open) {
		s->ep.count++;
		s->ep.last = now;
		return;
	}
	if (!legit || legit->first >= s->first || !c->rogue_on) {
		s->pending = 0;
		return;
	}
	/* the same box under a second address is not a rogue */
	if (p->has_eth && memcmp(legit->mac, p->src_mac, 6) == 0)
		return;
	if (!s->pending || memcmp(s->legit_ip, legit->ip, 4) != 0) {
		s->pending = 1;
		s->legit_back = 0;
		s->pend_first = now;
		s->pend_count = 1;
		memcpy(s->client_mac, d->chaddr, 6);
		memcpy(s->yiaddr, d->yiaddr, 4);
		memcpy(s->legit_ip, legit->ip, 4);
		memcpy(s->legit_mac, legit->mac, 6);
		return;
	}
	s->pend_count++;
	/* a second server while the pool is being starved needs no more:
	 * starve the real one, then answer (the textbook set-up) */
	if (!s->legit_back && !c->g_ep.open)
		return;
	s->pending = 0;
	episode_open(&s->ep, s->pend_first, now);
	s->ep.count = s->pend_count;
}

static void dhcp_packet(void *st, const struct detect_pkt *dp)
{
	struct dhcpchk *c = st;

	if (!dp->m || dp->m->kind != APP_DHCP)
		return;
	const struct app_dhcp *d = &dp->m->u.dhcp;
	if (d->op == 1) {
		if (d->msg_type == 1 || d->msg_type == 3 || d->msg_type == 8 ||
		    d->msg_type == 4 || d->msg_type == 0) {
			client_msg(c, dp, d);
			global_msg(c, dp->p, d);
		}
	} else if (d->op == 2) {
		server_msg(c, dp->p, d);
	}
}

static void expire(struct dhcpchk *c, uint64_t now, int all)
{
	struct client *cl, *nx;

	for (cl = lrutab_first(c->clients); cl; cl = nx) {
		nx = lrutab_next(c->clients, cl);
		const struct mkey *k = lrutab_key(c->clients, cl);
		if (!all && (now < cl->last || now - cl->last < c->idle_ns))
			break;
		emit_client(c, k->mac, cl, 0);
		lrutab_del(c->clients, cl);
	}
	if (all || episode_idle(&c->g_ep, now, c->idle_ns))
		emit_global(c, 0);
	for (int i = 0; i < DHCP_MAX_SERVERS; i++)
		if (all || episode_idle(&c->srv[i].ep, now, c->idle_ns))
			emit_rogue(c, &c->srv[i], 0);
	if (all || !ep_ongoing_walk(&c->next_ongoing, now))
		return;
	for (cl = lrutab_first(c->clients); cl; cl = lrutab_next(c->clients,
	    cl))
		if (episode_ongoing(&cl->ep, now))
			emit_client(c, ((const struct mkey *)lrutab_key(
			    c->clients, cl))->mac, cl, 1);
	if (episode_ongoing(&c->g_ep, now))
		emit_global(c, 1);
	for (int i = 0; i < DHCP_MAX_SERVERS; i++)
		if (episode_ongoing(&c->srv[i].ep, now))
			emit_rogue(c, &c->srv[i], 1);
}

static void dhcp_tick(void *st, uint64_t now)
{
	expire(st, now, 0);
}

static void dhcp_finish(void *st, uint64_t now)
{
	expire(st, now, 1);
}

static void dhcp_destroy(void *st)
{
	struct dhcpchk *c = st;
	if (!c)
		return;
	lrutab_free(c->clients);
	ew_free(c);
}

static void *dhcp_create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct dhcpchk *c = ew_calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "dhcp: out of memory");
		return NULL;
	}
	c->ctx = ctx;
	double win = detect_setting(set, "dhcp.window_s", DHCP_WINDOW_S,
	    "dhcp: window for message and identity counts (s)");
	c->thr_ids = detect_setting(set, "dhcp.client_ids", DHCP_CLIENT_IDS,
	    "dhcp: distinct client hardware addresses asking for a lease "
	    "within dhcp.starve_window_s (starvation)");
	double swin = detect_setting(set, "dhcp.starve_window_s",
	    DHCP_STARVE_WINDOW_S, "dhcp: window for the network-wide "
	    "starvation count (s); short, so a building's devices booting "
	    "together after a power cut stay under it");
	c->thr_msgs = detect_setting(set, "dhcp.msgs_per_mac",
	    DHCP_MSGS_PER_MAC, "dhcp: client messages from one MAC per "
	    "window (flood)");
	c->thr_one = detect_setting(set, "dhcp.msgs_one_client",
	    DHCP_MSGS_ONE_CLIENT, "dhcp: client messages per window from a "
	    "MAC that stays one client (under 3 identities) (flood)");
	c->rogue_on = detect_setting(set, "dhcp.rogue", 1, "dhcp: 1 reports "
	    "a second DHCP server as rogue, 0 does not") != 0;
	double idle = detect_setting(set, "dhcp.idle_s", DHCP_IDLE_S,
	    "dhcp: an episode ends after this long without messages (s)");
	double mem = 1024 * detect_setting(set, "dhcp.memcap_kb",
	    DHCP_MEMCAP / 1024, "dhcp: memory for the per-MAC table (KiB)");
	if (win < 1)
		win = 1;
	if (c->thr_ids < 2)
		c->thr_ids = 2;
	if (c->thr_msgs < 2)
		c->thr_msgs = 2;
	if (c->thr_one < c->thr_msgs)
		c->thr_one = c->thr_msgs;
	c->window_ns = (uint64_t)(win * 1e9);
	if (swin < 1)
		swin = 1;
	c->swin_ns = (uint64_t)(swin * 1e9);
	c->idle_ns = (uint64_t)(idle * 1e9);
	c->clients = lrutab_new(sizeof(struct mkey), sizeof(struct client),
	    lrutab_entries_for(sizeof(struct mkey), sizeof(struct client),
	    (size_t)mem), ctx->seed ^ 5, on_evict, c);
	if (!c->clients) {
		snprintf(err, errlen, "dhcp: cannot allocate its table");
		dhcp_destroy(c);
		return NULL;
	}
	return c;
}

const struct check_ops check_dhcp = {
	.name = "dhcp",
	.create = dhcp_create,
	.destroy = dhcp_destroy,
	.packet = dhcp_packet,
	.tick = dhcp_tick,
	.finish = dhcp_finish,
};
