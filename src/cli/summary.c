/* summary.c - the short human summary `analyze` prints after a run. */
#include <stdio.h>

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
	printf("  devices: inventory not built yet (device identification "
	    "is a later stage)\n");
	printf("  alerts: none (no detector enabled yet)\n");
	printf("  events: %llu lines in %s/eve.json\n",
	    (unsigned long long)eve_lines, outdir);
}
