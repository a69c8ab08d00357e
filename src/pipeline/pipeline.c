/* pipeline.c - drives each packet through decode, flows and output. */
#include "pipeline/pipeline.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"

struct pipeline {
	enum pl_stage last_stage;
	struct eve *eve;		/* borrowed */
	struct flow_table *flows;
	struct cap_stats cap;
	struct dec_stats dec;
	struct packet pkt;		/* reused for every frame */
	uint64_t first_ts, last_ts;
	uint64_t flows_by_proto[4];
};

void pipeline_config_default(struct pipeline_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	flow_config_default(&cfg->flow);
	cfg->last_stage = PL_STAGE_ALL;
}

static void on_flow_end(const struct flow *f, enum flow_end_reason why,
    void *ud)
{
	struct pipeline *pl = ud;
	switch (f->proto) {
	case IPPROTO_NUM_TCP: pl->flows_by_proto[0]++; break;
	case IPPROTO_NUM_UDP: pl->flows_by_proto[1]++; break;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6: pl->flows_by_proto[2]++; break;
	default: pl->flows_by_proto[3]++; break;
	}
	if (pl->eve && pl->last_stage >= PL_STAGE_ALL)
		eve_flow(pl->eve, f, why);
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

struct pipeline *pipeline_new(const struct pipeline_config *cfg,
    struct eve *eve, char *err, size_t errlen)
{
	struct pipeline *pl = ew_calloc(1, sizeof(*pl));
	if (!pl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pl->last_stage = cfg->last_stage;
	pl->eve = eve;
	if (pl->last_stage >= PL_STAGE_FLOW) {
		pl->flows = flow_table_new(&cfg->flow, random_seed(),
		    on_flow_end, pl);
		if (!pl->flows) {
			snprintf(err, errlen, "cannot create the flow table "
			    "(memcap %zu bytes too small, or out of memory)",
			    cfg->flow.memcap);
			ew_free(pl);
			return NULL;
		}
	}
	return pl;
}

void pipeline_free(struct pipeline *pl)
{
	if (!pl)
		return;
	flow_table_free(pl->flows);
	ew_free(pl);
}

void pipeline_packet(struct pipeline *pl, int linktype,
    const struct cap_pkt *cp)
{
	pl->cap.packets++;
	pl->cap.bytes += cp->wirelen;
	if (pl->cap.packets == 1 || cp->ts_ns < pl->first_ts)
		pl->first_ts = cp->ts_ns;
	if (cp->ts_ns > pl->last_ts)
		pl->last_ts = cp->ts_ns;
	if (!dec_linktype_supported(linktype)) {
		pl->cap.skipped_linktype++;
		return;
	}
	dec_packet(&pl->dec, &pl->pkt, linktype, cp->data, cp->caplen,
	    cp->wirelen, cp->ts_ns);
	if (pl->last_stage < PL_STAGE_FLOW)
		return;
	flow_update(pl->flows, &pl->pkt, NULL);
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

void pipeline_finish(struct pipeline *pl)
{
	if (pl->flows)
		flow_table_flush(pl->flows);
	if (!pl->eve || pl->last_stage < PL_STAGE_ALL)
		return;
	struct run_stats rs = {
		.capture = &pl->cap,
		.decoder = &pl->dec,
		.flow = pl->flows ? flow_table_stats(pl->flows) : NULL,
		/* this stats line itself included */
		.eve_lines = eve_lines(pl->eve) + 1,
		.eve_dropped = eve_dropped(pl->eve),
	};
	eve_stats(pl->eve, pl->last_ts, &rs);
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
