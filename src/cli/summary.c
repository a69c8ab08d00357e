/* summary.c - the short human summary `analyze` prints after a run. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void human_bytes(uint64_t b, char *buf, size_t size)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	unsigned u = 0;
	while (v >= 1024.0 && u < 4) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void human_span(uint64_t ns, char *buf, size_t size)
{
	uint64_t s = ns / 1000000000u;
	if (s >= 3600)
		snprintf(buf, size, "%lluh%02llum", (unsigned long long)(s / 3600),
		    (unsigned long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, size, "%llum%02llus", (unsigned long long)(s / 60),
		    (unsigned long long)(s % 60));
	else
		snprintf(buf, size, "%.3fs", (double)ns / 1e9);
}

static void print_devices(const struct pipeline *pl)
{
	const struct dev_inv *inv = pipeline_devices(pl);
	char line[512];

	if (!inv) {
		printf("  devices: inventory off\n");
		return;
	}
	size_t n = dev_count(inv);
	printf("  devices: %zu\n", n);
	for (size_t i = 0; i < n; i++)
		if (dev_summary_line(inv, i, line, sizeof(line)) == 0)
			printf("    %s\n", line);
}

/* 1 when alert i is a progress report whose episode's complete report
 * follows (same start, category and source): after the run the summary
 * shows each finished episode once, complete. */
static int completed_later(const struct alert_sink *s, size_t i)
{
	const struct alert_brief *b = alert_sink_brief(s, i);

	if (!b->ongoing)
		return 0;
	for (size_t j = i + 1; j < alert_sink_kept(s); j++) {
		const struct alert_brief *c = alert_sink_brief(s, j);
		if (!c->ongoing && c->ts_start == b->ts_start &&
		    c->category == b->category && strcmp(c->src, b->src) == 0)
			return 1;
	}
	return 0;
}

static void print_alerts(const struct pipeline *pl)
{
	const struct alert_sink *s = pipeline_alerts(pl);

	if (!s) {
		printf("  alerts: checks and model off\n");
		return;
	}
	printf("  alerts: %llu (severity 1: %llu, 2: %llu, 3: %llu)",
	    (unsigned long long)alert_sink_total(s),
	    (unsigned long long)alert_sink_by_severity(s, 1),
	    (unsigned long long)alert_sink_by_severity(s, 2),
	    (unsigned long long)alert_sink_by_severity(s, 3));
	if (alert_sink_suppressed(s))
		printf("; %llu more severity-3 over a device's daily budget",
		    (unsigned long long)alert_sink_suppressed(s));
	printf("\n");
	size_t folded = 0;
	for (size_t i = 0; i < alert_sink_kept(s); i++) {
		const struct alert_brief *b = alert_sink_brief(s, i);
		char ts[40];
		if (completed_later(s, i)) {
			folded++;
			continue;
		}
		json_ts(b->ts_start, ts, sizeof(ts));
		/* some signatures name the source already */
		int named = b->src[0] && strstr(b->signature, b->src);
		printf("    [%u] %.19s %s: %s%s%s%s\n", b->severity, ts,
		    alert_category_name(b->category), b->signature,
		    b->src[0] && !named ? " from " : "", named ? "" : b->src,
		    b->ongoing ? " (going on)" : "");
		if (b->device[0])
			printf("        device: %s\n", b->device);
		if (b->text[0])
			printf("        why: %s\n", b->text);
	}
	if (folded)
		printf("    (%zu progress reports of episodes shown complete "
		    "above are in eve.json)\n", folded);
	if (alert_sink_total(s) > alert_sink_kept(s))
		printf("    ... %llu more in eve.json\n",
		    (unsigned long long)(alert_sink_total(s) -
		    alert_sink_kept(s)));
}

void cli_print_summary(const char *path, const char *outdir,
    const struct pipeline *pl, uint64_t eve_lines)
{
	const struct cap_stats *c = pipeline_cap_stats(pl);
	const struct dec_stats *d = pipeline_dec_stats(pl);
	const struct flow_stats *f = pipeline_flow_stats(pl);
	const uint64_t *fp = pipeline_flows_by_proto(pl);
	char b[32], span[32];

	human_bytes(c->bytes, b, sizeof(b));
	human_span(pipeline_last_ts(pl) - pipeline_first_ts(pl), span,
	    sizeof(span));
	printf("read %s: %llu packets, %s, spanning %s\n", path,
	    (unsigned long long)c->packets, b, c->packets ? span : "0s");
	if (c->skipped_linktype)
		printf("  skipped (unsupported link type): %llu packets\n",
		    (unsigned long long)c->skipped_linktype);
	printf("  decoded: %llu IPv4, %llu IPv6, %llu ARP, %llu other L2; "
	    "%llu TCP, %llu UDP, %llu ICMP; %llu invalid\n",
	    (unsigned long long)d->ipv4, (unsigned long long)d->ipv6,
	    (unsigned long long)d->arp, (unsigned long long)d->other_l3,
	    (unsigned long long)d->tcp, (unsigned long long)d->udp,
	    (unsigned long long)(d->icmpv4 + d->icmpv6),
	    (unsigned long long)d->invalid);
	if (d->invalid) {
		printf("  invalid by reason:");
		for (int r = 0; r < DEC_R__COUNT; r++)
			if (d->reason[r])
				printf(" %s=%llu",
				    dec_reason_name((enum dec_reason)r),
				    (unsigned long long)d->reason[r]);
		printf("\n");
	}
	if (f)
		printf("  flows: %llu (%llu TCP, %llu UDP, %llu ICMP, %llu "
		    "other); %llu evicted at the memcap\n",
		    (unsigned long long)f->created, (unsigned long long)fp[0],
		    (unsigned long long)fp[1], (unsigned long long)fp[2],
		    (unsigned long long)fp[3],
		    (unsigned long long)f->ended_forced);
	print_devices(pl);
	print_alerts(pl);
	printf("  events: %llu lines in %s/eve.json\n",
	    (unsigned long long)eve_lines, outdir);
}
