/* check_ndpi_risk.c - nDPI's flow risks as alerts, where they mean
 * something for an IoT network, so edgeward does not hand-write what nDPI
 * already knows.
 *
 * At each flow's end its risk bits (flow->app_risk, set by the proto
 * stage) are filtered through a fixed mapping table: each mapped risk has
 * a category, severity, ATT&CK technique and a `ndpi-risk.<key>=0|1`
 * setting. Risks other checks own (clear-text credentials, obsolete TLS
 * and weak ciphers: the cleartext check; DGA names: the dns check) are off
 * by default, as are the ones that are everyday noise for IoT devices:
 * numeric Host headers, missing SNI, and "known protocol on non-standard
 * port", which nDPI raised on 66 of the 299 benign IoT Sentinel captures
 * (HTTP/MQTT on vendor ports) - turn it on with
 * `--set ndpi-risk.non_standard_port=1`.
 *
 * To stay inside DESIGN.md's budget (one severity-3 alert per device per
 * day) there is one episode per device (the internal side of the flow)
 * per day, listing every mapped risk it had with flow counts; its
 * severity and category are the most severe risk's. It is reported at the
 * day's end, and while it goes on when of severity 1-2 (ALERT_ONGOING_*;
 * the sink drops severity-3 progress reports, a live sensor's only in
 * their first hour). Flows whose protocol nDPI only guessed from the port
 * are left out. */
#include "detect/detect_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

/* nDPI 4.2's ndpi_risk_enum values (ndpi_typedefs.h). */
struct rmap {
	uint8_t bit;
	const char *key;		/* setting: ndpi-risk.<key> */
	enum alert_category cat;
	uint8_t severity;
	const char *mitre;
	uint8_t on;			/* enabled by default */
};

static const struct rmap rmaps[] = {
	{ 1, "url_xss", ALERT_CAT_PROTOCOL_RISK, 2, "T1190", 1 },
	{ 2, "url_sql_injection", ALERT_CAT_PROTOCOL_RISK, 2, "T1190", 1 },
	{ 3, "url_rce_injection", ALERT_CAT_PROTOCOL_RISK, 2, "T1190", 1 },
	{ 4, "binary_transfer", ALERT_CAT_PROTOCOL_RISK, 3, "T1105", 1 },
	{ 5, "non_standard_port", ALERT_CAT_PROTOCOL_RISK, 3, "T1571", 0 },
	{ 6, "tls_self_signed", ALERT_CAT_WEAK_CRYPTO, 3, "T1573", 1 },
	{ 7, "tls_obsolete_version", ALERT_CAT_WEAK_CRYPTO, 3, "T1573", 0 },
	{ 8, "tls_weak_cipher", ALERT_CAT_WEAK_CRYPTO, 3, "T1573", 0 },
	{ 9, "tls_cert_expired", ALERT_CAT_WEAK_CRYPTO, 3, "T1573", 1 },
	{ 10, "tls_cert_mismatch", ALERT_CAT_WEAK_CRYPTO, 3, "T1573", 0 },
	{ 11, "http_suspicious_ua", ALERT_CAT_PROTOCOL_RISK, 3, "T1071.001",
	    1 },
	{ 12, "http_numeric_host", ALERT_CAT_PROTOCOL_RISK, 3, "T1071.001",
	    0 },
	{ 13, "http_suspicious_url", ALERT_CAT_PROTOCOL_RISK, 3, "T1071.001",
	    1 },
	{ 14, "http_suspicious_header", ALERT_CAT_PROTOCOL_RISK, 3,
	    "T1071.001", 0 },
	{ 15, "tls_not_https", ALERT_CAT_PROTOCOL_RISK, 3, "T1571", 0 },
	{ 16, "dga_domain", ALERT_CAT_DGA, 3, "T1568.002", 0 },
	{ 17, "malformed_packet", ALERT_CAT_PROTOCOL_RISK, 3, "T1499", 0 },
	{ 18, "ssh_obsolete_client", ALERT_CAT_WEAK_CRYPTO, 3, "T1573", 1 },
	{ 19, "ssh_obsolete_server", ALERT_CAT_WEAK_CRYPTO, 3, "T1573", 1 },
	{ 20, "smb_insecure_version", ALERT_CAT_WEAK_CRYPTO, 3, "T1210", 1 },
	{ 22, "unsafe_protocol", ALERT_CAT_PROTOCOL_RISK, 3, "T1040", 0 },
	{ 23, "dns_suspicious", ALERT_CAT_DNS_TUNNEL, 3, "T1071.004", 1 },
	{ 24, "tls_missing_sni", ALERT_CAT_PROTOCOL_RISK, 3, "T1573", 0 },
	{ 26, "risky_asn", ALERT_CAT_PROTOCOL_RISK, 3, "T1071", 1 },
	{ 27, "risky_domain", ALERT_CAT_PROTOCOL_RISK, 3, "T1071", 1 },
	{ 28, "malicious_ja3", ALERT_CAT_PROTOCOL_RISK, 2, "T1071.001", 1 },
	{ 29, "malicious_cert_sha1", ALERT_CAT_PROTOCOL_RISK, 2, "T1071.001",
	    1 },
	{ 30, "remote_desktop", ALERT_CAT_POLICY_VIOLATION, 3, "T1021", 1 },
	{ 36, "clear_text_credentials", ALERT_CAT_CLEARTEXT_CREDENTIALS, 3,
	    "T1552", 0 },
	{ 40, "possible_exploit", ALERT_CAT_PROTOCOL_RISK, 2, "T1190", 1 },
};
#define NMAPS (sizeof(rmaps) / sizeof(rmaps[0]))

struct dkey {
	struct addr a;
	uint8_t pad[3];
};

struct drec {
	struct episode ep;
	uint64_t risks;			/* mapped risk bits seen */
	uint16_t flows[64];		/* flows per risk bit (saturating) */
	struct addr peer;		/* first risky flow's other side */
	uint16_t peer_port;
	uint8_t proto;
	uint8_t has_mac;
	uint8_t mac[6];
	uint64_t flow_id;
};

struct nrisk {
	const struct detect_ctx *ctx;
	struct lrutab *t;
	uint64_t enabled;		/* mapped bits switched on */
	const struct rmap *by_bit[64];
	uint64_t episode_ns;
	uint64_t next_walk;
	uint64_t alerts;
};

static const char *risk_name(unsigned bit, char *buf, size_t n)
{
	const char *s = proto_risk_name(bit);
	if (s)
		return s;
	snprintf(buf, n, "nDPI risk %u", bit);
	return buf;
}

/* Report d's episode: when it ends, or while it goes on (ongoing: it
 * stays open). */
static void emit(struct nrisk *nr, const struct addr *dev, struct drec *d,
    int ongoing)
{
	struct alert a;
	const struct rmap *top = NULL;
	char nb[32], ps[ADDR_STRLEN], list[ALERT_STRVAL_LEN];
	unsigned nrisks = 0;
	size_t off = 0;

	if (!d->ep.open)
		return;
	if (!ongoing)
		d->ep.open = 0;
	for (unsigned b = 0; b < 64; b++) {
		if (!(d->risks >> b & 1) || !nr->by_bit[b])
			continue;
		nrisks++;
		if (!top || nr->by_bit[b]->severity < top->severity)
			top = nr->by_bit[b];
	}
	if (!top)
		return;
	alert_init(&a, 1400 + top->bit, top->cat, top->severity, top->mitre,
	    "ndpi-risk", d->ep.start);
	a.ts_end = d->ep.last;
	a.count = d->ep.count;
	a.flow_id = d->flow_id;
	a.src = *dev;
	a.dst = d->peer;
	a.dest_port = d->peer_port;
	a.proto = d->proto;
	if (d->has_mac) {
		a.has_src_mac = 1;
		memcpy(a.src_mac, d->mac, 6);
	}
	addr_fmt(&d->peer, ps, sizeof(ps));
	const char *tn = risk_name(top->bit, nb, sizeof(nb));
	if (nrisks > 1)
		alert_signature(&a, "nDPI flow risk: %s (and %u more)", tn,
		    nrisks - 1);
	else
		alert_signature(&a, "nDPI flow risk: %s", tn);
	list[0] = 0;
	for (unsigned b = 0; b < 64; b++) {
		if (!(d->risks >> b & 1) || !nr->by_bit[b])
			continue;
		char kb[ALERT_KEY_LEN];
		snprintf(kb, sizeof(kb), "flows_%s", nr->by_bit[b]->key);
		alert_kv_num(&a, kb, d->flows[b]);
		int w = snprintf(list + off, sizeof(list) - off, "%s%s",
		    off ? ", " : "", nr->by_bit[b]->key);
		if (w > 0 && (size_t)w < sizeof(list) - off)
			off += (size_t)w;
	}
	alert_kv_str(&a, "risks", list);
	alert_text(&a, "%" PRIu64 " flow(s) with nDPI risks [%s] in one day, "
	    "first with %s; one alert per device per day", d->ep.count, list,
	    ps);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(nr->ctx->sink, &a);
	nr->alerts++;
}

static void on_evict(const void *key, void *val, void *ud)
{
	const struct dkey *k = key;
	emit(ud, &k->a, val, 0);
}

static void nrisk_flow_end(void *st, const struct flow *f)
{
	struct nrisk *nr = st;
	uint64_t bits = f->app_risk & nr->enabled;
	struct dkey k;
	int cli_home, srv_home, cli;

	/* a protocol nDPI only guessed from the port ("desktop sharing" for
	 * a flood hitting 5900) says nothing of the flow */
	if (!bits || f->app_guessed)
		return;
	cli_home = homenet_contains(&nr->ctx->home, &f->cli_addr);
	srv_home = homenet_contains(&nr->ctx->home, &f->srv_addr);
	/* the device concerned: the internal side, the client when both */
	cli = cli_home || !srv_home;
	memset(&k, 0, sizeof(k));
	k.a = cli ? f->cli_addr : f->srv_addr;
	struct drec *d = lrutab_get(nr->t, &k, NULL);
	uint64_t now = f->last_ns;
	if (d->ep.open && now >= d->ep.start &&
	    now - d->ep.start >= nr->episode_ns)
		emit(nr, &k.a, d, 0);	/* a new day, a new episode */
	if (!d->ep.open) {
		episode_open(&d->ep, f->start_ns, now);
		d->risks = 0;
		memset(d->flows, 0, sizeof(d->flows));
		d->peer = cli ? f->srv_addr : f->cli_addr;
		d->peer_port = f->srv_port;
		d->proto = f->proto;
		d->flow_id = f->flow_id;
		d->has_mac = f->has_mac;
		if (f->has_mac)
			memcpy(d->mac, cli ? f->cli_mac : f->srv_mac, 6);
	}
	if (now > d->ep.last)
		d->ep.last = now;
	d->ep.count++;
	d->risks |= bits;
	for (unsigned b = 0; b < 64; b++)
		if ((bits >> b & 1) && d->flows[b] < UINT16_MAX)
			d->flows[b]++;
}

static void expire(struct nrisk *nr, uint64_t now, int all)
{
	struct drec *d, *nx;

	for (d = lrutab_first(nr->t); d; d = nx) {
		nx = lrutab_next(nr->t, d);
		const struct dkey *k = lrutab_key(nr->t, d);
		if (all || (d->ep.open && now >= d->ep.start &&
		    now - d->ep.start >= nr->episode_ns)) {
			emit(nr, &k->a, d, 0);
			lrutab_del(nr->t, d);
		} else if (episode_ongoing(&d->ep, now)) {
			emit(nr, &k->a, d, 1);
		}
	}
}

static void nrisk_tick(void *st, uint64_t now)
{
	struct nrisk *nr = st;
	/* day-long episodes: a walk a minute is plenty */
	if (now < nr->next_walk)
		return;
	nr->next_walk = now + 60 * EP_SEC;
	expire(nr, now, 0);
}

static void nrisk_finish(void *st, uint64_t now)
{
	expire(st, now, 1);
}

static void nrisk_destroy(void *st)
{
	struct nrisk *nr = st;
	if (!nr)
		return;
	lrutab_free(nr->t);
	ew_free(nr);
}

static void *nrisk_create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct nrisk *nr = ew_calloc(1, sizeof(*nr));
	char key[64], what[128];

	if (!nr) {
		snprintf(err, errlen, "ndpi-risk: out of memory");
		return NULL;
	}
	nr->ctx = ctx;
	for (size_t i = 0; i < NMAPS; i++) {
		const struct rmap *r = &rmaps[i];
		char nb[32];
		snprintf(key, sizeof(key), "ndpi-risk.%s", r->key);
		snprintf(what, sizeof(what), "ndpi-risk: 1 alerts on nDPI's "
		    "\"%s\"%s", risk_name(r->bit, nb, sizeof(nb)),
		    r->cat == ALERT_CAT_CLEARTEXT_CREDENTIALS ||
		    r->bit == 7 || r->bit == 8 ? " (the cleartext check "
		    "covers it)" : "");
		if (detect_setting(set, key, r->on, what) != 0) {
			nr->enabled |= UINT64_C(1) << r->bit;
			nr->by_bit[r->bit] = r;
		}
	}
	double days = detect_setting(set, "ndpi-risk.episode_s",
	    NDPI_RISK_EPISODE_S, "ndpi-risk: length of a device's episode "
	    "(s); at most one alert per device per episode");
	double mem = 1024 * detect_setting(set, "ndpi-risk.memcap_kb",
	    NDPI_RISK_MEMCAP / 1024, "ndpi-risk: memory for its table (KiB)");
	if (days < 1)
		days = 1;
	nr->episode_ns = (uint64_t)(days * 1e9);
	nr->t = lrutab_new(sizeof(struct dkey), sizeof(struct drec),
	    lrutab_entries_for(sizeof(struct dkey), sizeof(struct drec),
	    (size_t)mem), ctx->seed ^ 6, on_evict, nr);
	if (!nr->t) {
		snprintf(err, errlen, "ndpi-risk: cannot allocate its table");
		nrisk_destroy(nr);
		return NULL;
	}
	return nr;
}

const struct check_ops check_ndpi_risk = {
	.name = "ndpi-risk",
	.create = nrisk_create,
	.destroy = nrisk_destroy,
	.flow_end = nrisk_flow_end,
	.tick = nrisk_tick,
	.finish = nrisk_finish,
};
