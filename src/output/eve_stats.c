/* eve_stats.c - the EVE "stats" event (final, and periodic in live mode):
 * what was read, decoded, rejected (by reason) and tracked. */
#include "output/eve.h"

#include "baseline/baseline.h"
#include "detect/alert.h"
#include "device/device.h"
#include "model/anom.h"
#include "proto/proto.h"

static void write_capture(struct jbuf *jb, const struct cap_stats *c)
{
	jb_key(jb, "capture");
	jb_obj_open(jb);
	jb_ku64(jb, "packets", c->packets);
	jb_ku64(jb, "bytes", c->bytes);
	jb_ku64(jb, "skipped_linktype", c->skipped_linktype);
	jb_obj_close(jb);
}

static void write_decoder(struct jbuf *jb, const struct dec_stats *d)
{
	jb_key(jb, "decoder");
	jb_obj_open(jb);
	jb_ku64(jb, "pkts", d->pkts);
	jb_ku64(jb, "bytes", d->bytes);
	jb_ku64(jb, "ethernet", d->ethernet);
	jb_ku64(jb, "vlan", d->vlan);
	jb_ku64(jb, "arp", d->arp);
	jb_ku64(jb, "ipv4", d->ipv4);
	jb_ku64(jb, "ipv6", d->ipv6);
	jb_ku64(jb, "ipv4_frag", d->ipv4_frag);
	jb_ku64(jb, "ipv6_frag", d->ipv6_frag);
	jb_ku64(jb, "ipv4_zero_len", d->ipv4_zero_len);
	jb_ku64(jb, "tcp", d->tcp);
	jb_ku64(jb, "udp", d->udp);
	jb_ku64(jb, "icmpv4", d->icmpv4);
	jb_ku64(jb, "icmpv6", d->icmpv6);
	jb_ku64(jb, "other_l3", d->other_l3);
	jb_ku64(jb, "other_l4", d->other_l4);
	jb_ku64(jb, "invalid", d->invalid);
	jb_key(jb, "event");
	jb_obj_open(jb);
	for (int r = 0; r < DEC_R__COUNT; r++)
		jb_ku64(jb, dec_reason_name((enum dec_reason)r), d->reason[r]);
	jb_obj_close(jb);
	jb_obj_close(jb);
}

static void write_flow(struct jbuf *jb, const struct flow_stats *f)
{
	jb_key(jb, "flow");
	jb_obj_open(jb);
	jb_ku64(jb, "created", f->created);
	jb_ku64(jb, "ended_timeout", f->ended_timeout);
	jb_ku64(jb, "ended_forced", f->ended_forced);
	jb_ku64(jb, "ended_shutdown", f->ended_shutdown);
	jb_ku64(jb, "alloc_failed", f->alloc_failed);
	jb_ku64(jb, "not_tracked", f->not_tracked);
	jb_ku64(jb, "memuse_peak", f->memuse_peak);
	jb_obj_close(jb);
}

static void write_app(struct jbuf *jb, const struct proto_stats *p)
{
	jb_key(jb, "app");
	jb_obj_open(jb);
	jb_key(jb, "parsed");
	jb_obj_open(jb);
	for (int k = APP_NONE + 1; k < APP__COUNT; k++)
		jb_ku64(jb, proto_kind_name((enum app_kind)k), p->parsed[k]);
	jb_obj_close(jb);
	jb_ku64(jb, "malformed", p->malformed);
	jb_ku64(jb, "ndpi_flows", p->ndpi_flows);
	jb_ku64(jb, "ndpi_packets", p->ndpi_packets);
	jb_ku64(jb, "ndpi_classified", p->ndpi_classified);
	jb_ku64(jb, "ndpi_skipped_memcap", p->ndpi_skipped_memcap);
	jb_ku64(jb, "ndpi_evicted_idle", p->ndpi_evicted_idle);
	jb_ku64(jb, "ndpi_memuse_peak", p->ndpi_memuse_peak);
	jb_ku64(jb, "ndpi_module_bytes", p->ndpi_module_bytes);
	jb_ku64(jb, "flow_records_peak", p->flow_records_peak);
	jb_ku64(jb, "flow_records_denied", p->flow_records_denied);
	jb_obj_close(jb);
}

static void write_devices(struct jbuf *jb, const struct dev_stats *d)
{
	jb_key(jb, "devices");
	jb_obj_open(jb);
	jb_ku64(jb, "devices", d->devices);
	jb_ku64(jb, "created", d->created);
	jb_ku64(jb, "evicted", d->evicted);
	jb_ku64(jb, "merged", d->merged);
	jb_ku64(jb, "events", d->events);
	jb_obj_close(jb);
}

static void write_alerts(struct jbuf *jb, const struct alert_sink *s)
{
	jb_key(jb, "alerts");
	jb_obj_open(jb);
	jb_ku64(jb, "total", alert_sink_total(s));
	jb_ku64(jb, "suppressed_budget", alert_sink_suppressed(s));
	jb_key(jb, "by_severity");
	jb_obj_open(jb);
	jb_ku64(jb, "1", alert_sink_by_severity(s, 1));
	jb_ku64(jb, "2", alert_sink_by_severity(s, 2));
	jb_ku64(jb, "3", alert_sink_by_severity(s, 3));
	jb_obj_close(jb);
	jb_key(jb, "by_category");
	jb_obj_open(jb);
	for (int c = 0; c < ALERT_CAT__COUNT; c++) {
		uint64_t n = alert_sink_by_category(s, (enum alert_category)c);
		if (n)
			jb_ku64(jb, alert_category_name(
			    (enum alert_category)c), n);
	}
	jb_obj_close(jb);
	jb_obj_close(jb);
}

/* v with six significant digits as fixed-point text (%.6g without the
 * exponent form, which jb_dbl does not write): from 1e-4 up six digits,
 * below that nine decimals. The decimals come from comparisons with
 * constants, not log10, so the text never depends on the libm. */
static void write_num6(struct jbuf *jb, const char *key, double v)
{
	static const double p10[] = { 1e5, 1e4, 1e3, 1e2, 1e1, 1e0, 1e-1,
	    1e-2, 1e-3, 1e-4 };
	int d = 9;

	for (int k = 0; k < (int)(sizeof(p10) / sizeof(p10[0])); k++) {
		if (v >= p10[k]) {
			d = k;
			break;
		}
	}
	jb_key(jb, key);
	jb_dbl(jb, v, d);
}

/* The anomaly model: its phase, what it scored, its threshold once fitted
 * and the distribution of its scores (anom_get_score_stats: bin midpoints
 * of a log-linear histogram, within 6.25 %), present once it has scored
 * a packet. */
static void write_model(struct jbuf *jb, const struct anom *a)
{
	const struct anom_stats *st = anom_stats(a);
	struct anom_score_stats ss;

	anom_get_score_stats(a, &ss);
	jb_key(jb, "model");
	jb_obj_open(jb);
	jb_kstr(jb, "phase", anom_phase_name(st->phase));
	jb_ku64(jb, "vectors", st->vectors);
	jb_ku64(jb, "trained", st->trained);
	jb_ku64(jb, "scored", st->scored);
	jb_ku64(jb, "above", st->above);
	if (st->threshold > 0)
		write_num6(jb, "threshold", st->threshold);
	if (ss.n) {
		write_num6(jb, "score_max", ss.max);
		jb_key(jb, "score_quantiles");
		jb_obj_open(jb);
		write_num6(jb, "0.5", ss.q50);
		write_num6(jb, "0.9", ss.q90);
		write_num6(jb, "0.99", ss.q99);
		jb_obj_close(jb);
	}
	jb_obj_close(jb);
}

/* Live mode only: what the capture and the store lost, and memory. */
static void write_live(struct jbuf *jb, const struct live_stats *l,
    const struct flow_stats *f)
{
	jb_key(jb, "live");
	jb_obj_open(jb);
	jb_ku64(jb, "uptime_s", l->uptime_s);
	jb_ku64(jb, "kernel_drops", l->kernel_drops);
	jb_ku64(jb, "iface_drops", l->iface_drops);
	if (f) {
		jb_ku64(jb, "flows_active", f->active);
		jb_ku64(jb, "flow_memuse", f->memuse);
	}
	jb_key(jb, "memory");
	jb_obj_open(jb);
	jb_ku64(jb, "rss_kb", l->rss_kb);
	jb_ku64(jb, "rss_peak_kb", l->rss_peak_kb);
	jb_obj_close(jb);
	if (l->has_store) {
		jb_key(jb, "store");
		jb_obj_open(jb);
		jb_ku64(jb, "queued", l->store_queued);
		jb_ku64(jb, "written", l->store_written);
		jb_ku64(jb, "dropped", l->store_dropped);
		jb_ku64(jb, "errors", l->store_errors);
		jb_ku64(jb, "commits", l->store_commits);
		jb_ku64(jb, "bytes", l->store_bytes);
		jb_kbool(jb, "failing", l->store_failing);
		jb_obj_close(jb);
	}
	jb_ku64(jb, "eve_rotations", l->eve_rotations);
	jb_obj_close(jb);
}

/* Per-device baselines: phases, what was learned or absorbed. */
static void write_baseline(struct jbuf *jb, const struct bl_stats *b)
{
	jb_key(jb, "baseline");
	jb_obj_open(jb);
	jb_ku64(jb, "devices", b->devices);
	jb_ku64(jb, "learning", b->learning);
	jb_ku64(jb, "active", b->active);
	jb_ku64(jb, "evicted", b->evicted);
	jb_ku64(jb, "items_learned", b->items_learned);
	jb_ku64(jb, "absorbed", b->absorbed);
	jb_ku64(jb, "set_full", b->set_full);
	jb_ku64(jb, "mud_profiles", b->mud_profiles);
	jb_ku64(jb, "alerts", b->alerts);
	jb_ku64(jb, "geo_failed", b->geo_failed);
	/* no memory figures: the country database's size depends on the
	 * installed tor-geoipdb, and offline output must not */
	jb_obj_close(jb);
}

void eve_stats_json(struct jbuf *jb, uint64_t ts_ns,
    const struct run_stats *rs)
{
	jb_obj_open(jb);
	eve_header(jb, ts_ns, 0, "stats");
	jb_key(jb, "stats");
	jb_obj_open(jb);
	if (rs->capture)
		write_capture(jb, rs->capture);
	if (rs->decoder)
		write_decoder(jb, rs->decoder);
	if (rs->flow)
		write_flow(jb, rs->flow);
	if (rs->proto)
		write_app(jb, rs->proto);
	if (rs->devices)
		write_devices(jb, rs->devices);
	if (rs->alerts)
		write_alerts(jb, rs->alerts);
	if (rs->model)
		write_model(jb, rs->model);
	if (rs->baseline)
		write_baseline(jb, rs->baseline);
	jb_ku64(jb, "eve_lines", rs->eve_lines);
	jb_ku64(jb, "eve_dropped", rs->eve_dropped);
	if (rs->live)
		write_live(jb, rs->live, rs->flow);
	jb_obj_close(jb);
	jb_obj_close(jb);
}

void eve_stats(struct eve *ev, uint64_t ts_ns, const struct run_stats *rs)
{
	eve_stats_json(eve_begin(ev), ts_ns, rs);
	eve_commit(ev);
}
