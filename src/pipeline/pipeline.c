/* pipeline.c - drives each packet through decode, flows, application
 * metadata, the device inventory, the behaviour checks and the anomaly
 * model; flow ends go to the same stages before the flow event is
 * written. */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "model/model_thread.h"
#include "util/alloc.h"

struct pipeline {
	enum pl_stage last_stage;
	struct eve *eve;		/* borrowed */
	struct flow_table *flows;
	struct proto *proto;
	struct dev_inv *dev;
	struct detect *detect;
	struct anom *anom;
	struct mthread *mt;		/* runs anom (NULL with no model) */
	struct baseline *bl;
	struct alert_sink *alerts;
	FILE *scores;			/* owned, NULL when not asked for */
	char *scores_buf;
	int scores_err;
	struct cap_stats cap;
	struct dec_stats dec;
	struct packet pkt;		/* reused for every frame */
	struct app_meta meta;		/* reused for every packet */
	uint64_t first_ts, last_ts;
	uint64_t flows_by_proto[4];

	/* store hooks (all unused when store is NULL) */
	struct store *store;		/* borrowed */
	const char *store_source;
	uint64_t flush_ns, stats_ns;
	uint64_t next_flush, next_stats;	/* packet time */
	int run_begun;
	uint64_t dev_cursor;		/* dev_export_changed position */
	uint64_t id_cursor;		/* dev_export_identity position */
	uint64_t next_full;		/* packet time of the next full export */
	uint64_t bl_cursor;		/* bl_export_changed position */
	struct jbuf sjb;		/* stats rows when there is no EVE */
	void (*live_fn)(struct live_stats *out, void *ud);
	void *live_ud;
	const char *save_model;		/* cfg.anom.save_model, borrowed */
};

void pipeline_config_default(struct pipeline_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->last_stage = PL_STAGE_ALL;
	homenet_default(&cfg->home);
	flow_config_default(&cfg->flow);
	proto_config_default(&cfg->proto);
	dev_config_default(&cfg->dev);
	detect_config_default(&cfg->detect);
	anom_config_default(&cfg->anom);
	bl_config_default(&cfg->bl);
	cfg->model_thread = mthread_mode("auto");
	cfg->store_flush_ns = (uint64_t)STORE_FLUSH_S * 1000000000ull;
	cfg->store_stats_ns = (uint64_t)STORE_STATS_S * 1000000000ull;
}

/* alert_listener_fn: every alert written also goes to the store. */
static void on_alert_store(const struct alert *a,
    const struct alert_device *d, void *ud)
{
	struct pipeline *pl = ud;
	store_put_alert(pl->store, a, d);
}

static void on_dev_export(const struct dev_export *d, void *ud)
{
	struct pipeline *pl = ud;
	struct store_device sd = {
		.key = d->key, .mac = d->mac, .ip = d->ip,
		.vendor = d->vendor, .cls = d->cls, .model = d->model,
		.name = d->name,
		.first_seen = d->first_seen, .last_seen = d->last_seen,
		.pkts = d->pkts, .bytes = d->bytes,
		.json = d->json, .json_len = d->json_len,
		.state = d->state, .state_len = d->state_len,
	};
	store_put_device(pl->store, &sd);
}

static void on_flow_end(struct flow *f, enum flow_end_reason why, void *ud)
{
	struct pipeline *pl = ud;
	const char *app = NULL;
	char appbuf[64];

	switch (f->proto) {
	case IPPROTO_NUM_TCP: pl->flows_by_proto[0]++; break;
	case IPPROTO_NUM_UDP: pl->flows_by_proto[1]++; break;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6: pl->flows_by_proto[2]++; break;
	default: pl->flows_by_proto[3]++; break;
	}
	if (pl->proto) {
		proto_flow_end(pl->proto, f);
		app = proto_app_name(pl->proto, f, appbuf, sizeof(appbuf));
	}
	if (pl->dev)
		dev_flow_end(pl->dev, f, app, pl->proto ?
		    proto_flow_cleartext(pl->proto, f) : -1);
	if (pl->detect)
		detect_flow_end(pl->detect, f);
	if (pl->bl)
		bl_flow_end(pl->bl, f);
	if (pl->eve && pl->last_stage >= PL_STAGE_ALL)
		eve_flow(pl->eve, f, why, app);
}

/* The hash seed only spreads buckets (output never depends on it); a
 * random one keeps crafted traffic from aiming at one bucket. */
static uint64_t random_seed(void)
{
	uint64_t s = 0;
	if (getentropy(&s, sizeof(s)) != 0)
		s = (uint64_t)getpid() * UINT64_C(0x9e3779b97f4a7c15);
	return s;
}

static void write_score(struct pipeline *pl, double score)
{
	int r;

	if (score > 0)
		r = fprintf(pl->scores, "%.9g\n", score);
	else
		r = fputs("0\n", pl->scores);
	if (r < 0)
		pl->scores_err = 1;
}

/* mthread_score_fn */
static void on_score(double score, void *ud)
{
	write_score(ud, score);
}

static int open_scores(struct pipeline *pl, const char *path, char *err,
    size_t errlen)
{
	pl->scores = fopen(path, "w");
	if (!pl->scores) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	pl->scores_buf = ew_malloc(1u << 16);
	if (pl->scores_buf)
		setvbuf(pl->scores, pl->scores_buf, _IOFBF, 1u << 16);
	return 0;
}

struct pipeline *pipeline_new(const struct pipeline_config *cfg,
    struct eve *eve, char *err, size_t errlen)
{
	struct pipeline *pl = ew_calloc(1, sizeof(*pl));
	enum pl_stage st = cfg->last_stage;

	if (!pl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pl->last_stage = st;
	pl->eve = eve;
	pl->store = cfg->store;
	pl->store_source = cfg->store_source ? cfg->store_source : "";
	pl->flush_ns = cfg->store_flush_ns ? cfg->store_flush_ns :
	    (uint64_t)STORE_FLUSH_S * 1000000000ull;
	pl->stats_ns = cfg->store_stats_ns;
	pl->live_fn = cfg->live_fn;
	pl->live_ud = cfg->live_ud;
	pl->save_model = cfg->anom.save_model;
	jb_init(&pl->sjb, EVE_MAX_LINE);
	if (st >= PL_STAGE_FLOW) {
		pl->flows = flow_table_new(&cfg->flow, random_seed(),
		    on_flow_end, pl);
		if (!pl->flows) {
			snprintf(err, errlen, "cannot create the flow table "
			    "(memcap %zu bytes too small, or out of memory)",
			    cfg->flow.memcap);
			goto fail;
		}
	}
	if (st >= PL_STAGE_DETECT) {
		pl->alerts = alert_sink_new(st >= PL_STAGE_ALL ? eve : NULL);
		if (!pl->alerts) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		alert_sink_set_live(pl->alerts, cfg->live_fn != NULL);
		/* before the model exists: a snapshot refused at load time
		 * raises an alert the store must see too */
		if (pl->store)
			alert_sink_listen(pl->alerts, on_alert_store, pl);
	}
	if (st >= PL_STAGE_PROTO &&
	    !(pl->proto = proto_new(&cfg->proto, err, errlen)))
		goto fail;
	if (st >= PL_STAGE_DEVICE) {
		struct dev_config dc = cfg->dev;
		if (st < PL_STAGE_ALL)
			dc.events = 0;
		pl->dev = dev_new(&dc, &cfg->home,
		    st >= PL_STAGE_ALL ? eve : NULL, err, errlen);
		if (!pl->dev)
			goto fail;
		if (pl->alerts) {
			alert_sink_set_device_fn(pl->alerts, dev_alert_lookup,
			    pl->dev);
			alert_sink_listen(pl->alerts, dev_on_alert, pl->dev);
		}
	}
	if (st >= PL_STAGE_DETECT && cfg->detect.enabled &&
	    !(pl->detect = detect_new(&cfg->detect, &cfg->home, pl->alerts,
	    pl->proto, err, errlen)))
		goto fail;
	if (st >= PL_STAGE_DETECT && cfg->bl.enabled &&
	    !(pl->bl = bl_new(&cfg->bl, &cfg->home, pl->alerts, pl->dev,
	    pl->proto, err, errlen)))
		goto fail;
	if (cfg->scores_path && open_scores(pl, cfg->scores_path, err,
	    errlen) < 0)
		goto fail;
	if (st >= PL_STAGE_MODEL && cfg->anom.enabled) {
		pl->anom = anom_new(&cfg->anom, &cfg->home, pl->alerts, err,
		    errlen);
		if (!pl->anom)
			goto fail;
		pl->mt = mthread_new(pl->anom, pl->alerts, cfg->model_thread,
		    pl->scores ? on_score : NULL, pl, err, errlen);
		if (!pl->mt)
			goto fail;
		alert_sink_listen(pl->alerts, mthread_on_alert, pl->mt);
	}
	return pl;
fail:
	pipeline_free(pl);
	return NULL;
}

void pipeline_free(struct pipeline *pl)
{
	if (!pl)
		return;
	/* flows first: their per-flow proto state is released by proto_free
	 * whether or not their end was reported */
	flow_table_free(pl->flows);
	/* before anything its last alerts reach (store, devices) */
	mthread_free(pl->mt);
	anom_free(pl->anom);
	bl_free(pl->bl);
	detect_free(pl->detect);
	dev_free(pl->dev);
	proto_free(pl->proto);
	alert_sink_free(pl->alerts);
	if (pl->scores)
		fclose(pl->scores);
	ew_free(pl->scores_buf);
	jb_fini(&pl->sjb);
	ew_free(pl);
}

/* Fill rs (and live, when live mode asks for it) with everything counted
 * so far. eve_extra: lines about to be written (the stats line itself). */
static void fill_run_stats(struct pipeline *pl, struct run_stats *rs,
    struct live_stats *live, uint64_t eve_extra)
{
	memset(rs, 0, sizeof(*rs));
	rs->capture = &pl->cap;
	rs->decoder = &pl->dec;
	rs->flow = pl->flows ? flow_table_stats(pl->flows) : NULL;
	rs->proto = pl->proto ? proto_stats(pl->proto) : NULL;
	rs->devices = pl->dev ? dev_stats(pl->dev) : NULL;
	rs->alerts = pl->alerts;
	rs->model = pl->anom;
	rs->baseline = pl->bl ? bl_stats(pl->bl) : NULL;
	if (pl->eve) {
		rs->eve_lines = eve_lines(pl->eve) + eve_extra;
		rs->eve_dropped = eve_dropped(pl->eve);
	}
	if (pl->live_fn) {
		memset(live, 0, sizeof(*live));
		pl->live_fn(live, pl->live_ud);
		rs->live = live;
	}
}

/* The stats JSON once: to EVE when writing events (to_eve), to the store
 * as a row when there is one. */
static void stats_out(struct pipeline *pl, int to_eve)
{
	struct run_stats rs;
	struct live_stats live;
	struct jbuf *jb;

	to_eve = to_eve && pl->eve && pl->last_stage >= PL_STAGE_ALL;
	if (!to_eve && !pl->store)
		return;
	/* the model's counters, read while its thread is idle */
	if (pl->mt)
		mthread_sync(pl->mt);
	fill_run_stats(pl, &rs, &live, to_eve ? 1 : 0);
	if (to_eve) {
		jb = eve_begin(pl->eve);
	} else {
		jb = &pl->sjb;
		jb_reset(jb);
	}
	eve_stats_json(jb, pl->last_ts, &rs);
	if (pl->store && !jb->err && jb->depth == 0 && jb->buf)
		store_put_stats(pl->store, pl->last_ts, jb->buf, jb->len);
	if (to_eve)
		eve_commit(pl->eve);
}

/* Devices to the store. Identity changes (a new device, address,
 * evidence, identification) go out at every flush; counters and times
 * that change with every packet only every STORE_DEVICE_FULL_S and at the
 * end, so a busy network does not rewrite every device each flush (flash
 * wear on a router: ~28 MiB an hour for 15 devices flushing everything
 * every 5 s). */
static void on_bl_export(const char *key, uint64_t ts, const char *json,
    size_t len, void *ud)
{
	struct pipeline *pl = ud;
	store_put_baseline(pl->store, key, "learned", ts, json, len);
}

static void export_devices(struct pipeline *pl, int full)
{
	if (!pl->dev)
		return;
	if (full || pl->last_ts >= pl->next_full) {
		if (pl->bl)
			bl_export_changed(pl->bl, &pl->bl_cursor, on_bl_export,
			    pl);
		dev_export_changed(pl->dev, &pl->dev_cursor, on_dev_export,
		    pl);
		/* everything is out: identity changes so far too */
		dev_export_identity(pl->dev, &pl->id_cursor, NULL, NULL);
		pl->next_full = pl->last_ts +
		    (uint64_t)STORE_DEVICE_FULL_S * 1000000000ull;
	} else {
		dev_export_identity(pl->dev, &pl->id_cursor, on_dev_export,
		    pl);
	}
}

/* Packet time reached the next flush: changed devices, a stats row when
 * due, one commit. The first call only opens the run. */
static void store_tick(struct pipeline *pl, uint64_t now)
{
	if (!pl->run_begun) {
		store_run_begin(pl->store, pl->store_source, now);
		pl->run_begun = 1;
		pl->next_flush = now + pl->flush_ns;
		pl->next_stats = now + pl->stats_ns;
		return;
	}
	export_devices(pl, 0);
	if (pl->stats_ns && now >= pl->next_stats) {
		stats_out(pl, 0);
		pl->next_stats = now + pl->stats_ns;
	}
	store_flush(pl->store);
	pl->next_flush = now + pl->flush_ns;
}

void pipeline_store_sync(struct pipeline *pl)
{
	if (!pl->store)
		return;
	if (!pl->run_begun) {
		store_run_begin(pl->store, pl->store_source, pl->last_ts);
		pl->run_begun = 1;
	}
	export_devices(pl, 1);
	store_flush(pl->store);
	pl->next_flush = pl->last_ts + pl->flush_ns;
}

void pipeline_advance(struct pipeline *pl, uint64_t now_ns)
{
	if (now_ns <= pl->last_ts)
		return;
	pl->last_ts = now_ns;
	if (pl->flows)
		flow_table_expire(pl->flows, now_ns);
	if (pl->detect)
		detect_tick(pl->detect, now_ns);
	if (pl->bl)
		bl_tick(pl->bl, now_ns);
	if (pl->mt)
		mthread_tick(pl->mt, now_ns);
	if (pl->store && now_ns >= pl->next_flush)
		store_tick(pl, now_ns);
}

void pipeline_stats_event(struct pipeline *pl)
{
	stats_out(pl, 1);
}

int pipeline_save_model(struct pipeline *pl, const char *path,
    const char *key, char *err, size_t errlen)
{
	if (!pl->anom)
		return 0;
	mthread_sync(pl->mt);
	if (anom_save(pl->anom, path, key, err, errlen) < 0)
		return -1;
	const struct anom_stats *as = anom_stats(pl->anom);
	/* before the feature map exists there is no file to describe */
	if (pl->store && as->phase > ANOM_PH_FM)
		store_put_model(pl->store, pl->last_ts, path,
		    anom_phase_name(as->phase), as->trained);
	return 0;
}

struct restore_ctx {
	struct dev_inv *inv;
	struct pl_restore *out;
};

static int restore_one(const struct store_device *d, void *ud)
{
	struct restore_ctx *rc = ud;
	char why[256];

	if (!d->state || !d->state_len) {
		snprintf(why, sizeof(why), "no state");
	} else if (dev_restore(rc->inv, d->state, d->state_len, why,
	    sizeof(why)) == 0) {
		rc->out->restored++;
		return 0;
	}
	if (rc->out->bad++ == 0)
		snprintf(rc->out->first_bad, sizeof(rc->out->first_bad),
		    "%.64s: %.180s", d->key ? d->key : "?", why);
	return 0;
}

int pipeline_restore(struct pipeline *pl, struct store *st,
    struct pl_restore *out, char *err, size_t errlen)
{
	struct restore_ctx rc = { pl->dev, out };

	memset(out, 0, sizeof(*out));
	if (!pl->dev)
		return 0;
	if (store_each_device(st, restore_one, &rc) < 0) {
		struct store_status ss;
		store_get_status(st, &ss);
		snprintf(err, errlen, "cannot read devices from the store%s%s",
		    ss.last_error[0] ? ": " : "", ss.last_error);
		return -1;
	}
	return pipeline_restore_baselines(pl, st, out, err, errlen);
}

struct bl_restore_ctx {
	struct baseline *bl;
	struct pl_restore *out;
};

static void bl_bad(struct pl_restore *out, const char *key, const char *why)
{
	if (out->bl_bad++ == 0)
		snprintf(out->bl_first_bad, sizeof(out->bl_first_bad),
		    "%.64s: %.180s", key, why);
}

static int restore_bl_one(const char *key, const char *kind, uint64_t ts,
    const char *json, void *ud)
{
	struct bl_restore_ctx *rc = ud;
	char why[256];
	size_t len = strlen(json);

	(void)ts;
	if (strcmp(kind, "learned") == 0) {
		if (bl_restore(rc->bl, json, len, why, sizeof(why)) == 0)
			rc->out->baselines++;
		else
			bl_bad(rc->out, key, why);
	} else if (strcmp(kind, "mud") == 0) {
		if (bl_attach_mud(rc->bl, key, json, len, why,
		    sizeof(why)) == 0)
			rc->out->mud++;
		else
			bl_bad(rc->out, key, why);
	}
	return 0;
}

static int fold_one(const struct store_alert_row *r, void *ud)
{
	struct bl_restore_ctx *rc = ud;

	if (r->expected && r->json &&
	    bl_fold_alert(rc->bl, r->json, strlen(r->json)) == 1)
		rc->out->folded++;
	return 0;
}

int pipeline_restore_baselines(struct pipeline *pl, struct store *st,
    struct pl_restore *out, char *err, size_t errlen)
{
	struct bl_restore_ctx rc = { pl->bl, out };
	struct store_alert_query q;
	uint64_t total;

	if (!pl->bl)
		return 0;
	if (store_each_baseline(st, restore_bl_one, &rc) < 0) {
		snprintf(err, errlen, "cannot read baselines from the store");
		return -1;
	}
	/* what was restored is in the store already; what folds change is
	 * not */
	bl_export_changed(pl->bl, &pl->bl_cursor, NULL, NULL);
	memset(&q, 0, sizeof(q));
	q.acked = 1;
	q.after_id = 0;		/* oldest first */
	if (store_query_alerts(st, &q, &total, fold_one, &rc) < 0) {
		snprintf(err, errlen, "cannot read acknowledged alerts from "
		    "the store");
		return -1;
	}
	return 0;
}

struct baseline *pipeline_baseline(const struct pipeline *pl)
{
	return pl->bl;
}

int pipeline_listen_alerts(struct pipeline *pl, alert_listener_fn fn,
    void *ud)
{
	return pl->alerts ? alert_sink_listen(pl->alerts, fn, ud) : -1;
}

struct anom *pipeline_anom(const struct pipeline *pl)
{
	return pl->anom;
}

void pipeline_packet(struct pipeline *pl, int linktype,
    const struct cap_pkt *cp)
{
	struct packet *p = &pl->pkt;
	struct flow *f;
	int to_server = 0, queued = 0;

	pl->cap.packets++;
	pl->cap.bytes += cp->wirelen;
	if (pl->cap.packets == 1 || cp->ts_ns < pl->first_ts)
		pl->first_ts = cp->ts_ns;
	if (cp->ts_ns > pl->last_ts)
		pl->last_ts = cp->ts_ns;
	if (!dec_linktype_supported(linktype)) {
		pl->cap.skipped_linktype++;
		goto out;
	}
	dec_packet(&pl->dec, p, linktype, cp->data, cp->caplen, cp->wirelen,
	    cp->ts_ns);
	if (pl->last_stage < PL_STAGE_FLOW)
		goto out;
	f = flow_update(pl->flows, p, &to_server);
	if (!pl->proto)
		goto out;
	proto_inspect(pl->proto, p, f, to_server, &pl->meta);
	if (pl->dev)
		dev_packet(pl->dev, p, f, to_server, &pl->meta);
	if (pl->detect)
		detect_packet(pl->detect, p, f, to_server, &pl->meta);
	if (pl->bl)
		bl_packet(pl->bl, p, f, to_server, &pl->meta);
	if (pl->mt) {
		mthread_packet(pl->mt, p);
		queued = 1;
	}
out:
	/* the scores file has a line for every packet, in order */
	if (pl->mt && !queued)
		mthread_packet(pl->mt, NULL);
	else if (!pl->mt && pl->scores)
		write_score(pl, 0);
	if (pl->store && pl->last_ts >= pl->next_flush)
		store_tick(pl, pl->last_ts);
}

int pipeline_run_capture(struct pipeline *pl, struct capture *cap)
{
	struct cap_pkt cp;
	int linktype = cap_linktype(cap);
	int r;

	while ((r = cap_next(cap, &cp)) == 1)
		pipeline_packet(pl, linktype, &cp);
	return r < 0 ? -1 : 0;
}

int pipeline_finish(struct pipeline *pl, char *err, size_t errlen)
{
	int rc = 0;

	if (pl->mt)
		mthread_sync(pl->mt);
	if (pl->flows)
		flow_table_flush(pl->flows);
	if (pl->detect)
		detect_finish(pl->detect, pl->last_ts);
	if (pl->bl)
		bl_finish(pl->bl, pl->last_ts);
	if (pl->anom && anom_finish(pl->anom, pl->last_ts, err, errlen) < 0)
		rc = -1;
	else if (pl->anom && pl->store && pl->save_model)
		store_put_model(pl->store, pl->last_ts, pl->save_model,
		    anom_phase_name(anom_stats(pl->anom)->phase),
		    anom_stats(pl->anom)->trained);
	if (pl->dev)
		dev_finish(pl->dev, pl->last_ts);
	if (pl->scores) {
		if (fflush(pl->scores) != 0 || ferror(pl->scores) ||
		    pl->scores_err) {
			snprintf(err, errlen, "cannot write the scores file: "
			    "%s", strerror(errno));
			rc = -1;
		}
	}
	stats_out(pl, 1);
	if (pl->store) {
		if (!pl->run_begun) {
			store_run_begin(pl->store, pl->store_source,
			    pl->first_ts);
			pl->run_begun = 1;
		}
		export_devices(pl, 1);
		store_run_end(pl->store, pl->last_ts);
		store_flush(pl->store);
	}
	return rc;
}

const struct cap_stats *pipeline_cap_stats(const struct pipeline *pl)
{
	return &pl->cap;
}

const struct dec_stats *pipeline_dec_stats(const struct pipeline *pl)
{
	return &pl->dec;
}

const struct flow_stats *pipeline_flow_stats(const struct pipeline *pl)
{
	return pl->flows ? flow_table_stats(pl->flows) : NULL;
}

uint64_t pipeline_first_ts(const struct pipeline *pl)
{
	return pl->first_ts;
}

uint64_t pipeline_last_ts(const struct pipeline *pl)
{
	return pl->last_ts;
}

const uint64_t *pipeline_flows_by_proto(const struct pipeline *pl)
{
	return pl->flows_by_proto;
}

struct dev_inv *pipeline_devices(const struct pipeline *pl)
{
	return pl->dev;
}

const struct alert_sink *pipeline_alerts(const struct pipeline *pl)
{
	return pl->alerts;
}

const struct proto *pipeline_proto(const struct pipeline *pl)
{
	return pl->proto;
}
