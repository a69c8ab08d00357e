/* pipeline.c - drives each packet through decode, flows, application
 * metadata, the device inventory, the behaviour checks and the anomaly
 * model; flow ends go to the same stages before the flow event is
 * written. */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"

struct pipeline {
	enum pl_stage last_stage;
	struct eve *eve;		/* borrowed */
	struct flow_table *flows;
	struct proto *proto;
	struct dev_inv *dev;
	struct detect *detect;
	struct anom *anom;
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
	if (st >= PL_STAGE_MODEL && cfg->anom.enabled) {
		pl->anom = anom_new(&cfg->anom, &cfg->home, pl->alerts, err,
		    errlen);
		if (!pl->anom)
			goto fail;
		alert_sink_listen(pl->alerts, anom_on_alert, pl->anom);
	}
	if (cfg->scores_path && open_scores(pl, cfg->scores_path, err,
	    errlen) < 0)
		goto fail;
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
	anom_free(pl->anom);
	detect_free(pl->detect);
	dev_free(pl->dev);
	proto_free(pl->proto);
	alert_sink_free(pl->alerts);
	if (pl->scores)
		fclose(pl->scores);
	ew_free(pl->scores_buf);
	ew_free(pl);
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

void pipeline_packet(struct pipeline *pl, int linktype,
    const struct cap_pkt *cp)
{
	struct packet *p = &pl->pkt;
	struct flow *f;
	double score = 0;
	int to_server = 0;

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
	if (pl->anom)
		score = anom_packet(pl->anom, p);
out:
	if (pl->scores)
		write_score(pl, score);
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

	if (pl->flows)
		flow_table_flush(pl->flows);
	if (pl->detect)
		detect_finish(pl->detect, pl->last_ts);
	if (pl->anom && anom_finish(pl->anom, pl->last_ts, err, errlen) < 0)
		rc = -1;
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
	if (!pl->eve || pl->last_stage < PL_STAGE_ALL)
		return rc;
	struct run_stats rs = {
		.capture = &pl->cap,
		.decoder = &pl->dec,
		.flow = pl->flows ? flow_table_stats(pl->flows) : NULL,
		.proto = pl->proto ? proto_stats(pl->proto) : NULL,
		.devices = pl->dev ? dev_stats(pl->dev) : NULL,
		.alerts = pl->alerts,
		/* this stats line itself included */
		.eve_lines = eve_lines(pl->eve) + 1,
		.eve_dropped = eve_dropped(pl->eve),
	};
	eve_stats(pl->eve, pl->last_ts, &rs);
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
