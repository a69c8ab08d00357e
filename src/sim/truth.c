/* truth.c - the ground-truth file written next to a simulated capture:
 * one JSON object per line, first the devices (labels for identification
 * tests), then one line per attack episode with the frames it actually
 * contributed to the pcap (start/end/packets counted at write time,
 * replies included), ordered by start:
 *
 *   {"device":{"mac","ip","kind","vendor","oui_vendor","model","os",
 *              "hostname"}}                      (router first, kind "router")
 *   {"attack","category","src_ip","src_mac"[,"dest_ip"[,"dest_port"]]
 *    [,"spoofed_ip"],"start","end","packets"}
 *
 * Categories use DESIGN.md's vocabulary; an episode that belongs to two
 * (exfiltration: volume-spike and new-country) gets one line for each.
 * An external source (the Mirai brute-forcer) has the router's MAC, as
 * its frames show on the LAN. */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <string.h>

void sim_fmt_ip(uint32_t ip, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
	    (ip >> 8) & 0xff, ip & 0xff);
}

void sim_fmt_mac(const uint8_t mac[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
}

/* "key":"value" with JSON escaping (values are our own ASCII, but a
 * hostname could one day carry a quote). */
static void jstr(FILE *f, const char *key, const char *v, int comma)
{
	fprintf(f, "%s\"%s\":\"", comma ? "," : "", key);
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void jtime(FILE *f, const char *key, uint64_t t_us)
{
	fprintf(f, ",\"%s\":%llu.%06llu", key,
	    (unsigned long long)(t_us / 1000000u),
	    (unsigned long long)(t_us % 1000000u));
}

static void device_line(FILE *f, const struct sim_host *h, const char *kind,
    const char *vendor, const char *oui_vendor, const char *model,
    const char *os, const char *hostname)
{
	char mac[18], ip[16];

	sim_fmt_mac(h->mac, mac, sizeof(mac));
	sim_fmt_ip(h->ip, ip, sizeof(ip));
	fputs("{\"device\":{", f);
	jstr(f, "mac", mac, 0);
	jstr(f, "ip", ip, 1);
	jstr(f, "kind", kind, 1);
	jstr(f, "vendor", vendor, 1);
	jstr(f, "oui_vendor", oui_vendor, 1);
	jstr(f, "model", model, 1);
	jstr(f, "os", os, 1);
	jstr(f, "hostname", hostname, 1);
	fputs("}}\n", f);
}

static void episode_line(FILE *f, const struct sim_episode *e,
    const char *category)
{
	char mac[18], ip[16];

	sim_fmt_mac(e->src_mac, mac, sizeof(mac));
	sim_fmt_ip(e->src_ip, ip, sizeof(ip));
	fputc('{', f);
	jstr(f, "attack", e->attack, 0);
	jstr(f, "category", category, 1);
	jstr(f, "src_ip", ip, 1);
	jstr(f, "src_mac", mac, 1);
	if (e->dst_ip) {
		sim_fmt_ip(e->dst_ip, ip, sizeof(ip));
		jstr(f, "dest_ip", ip, 1);
		if (e->dst_port)
			fprintf(f, ",\"dest_port\":%u", e->dst_port);
	}
	if (e->note_ip) {
		sim_fmt_ip(e->note_ip, ip, sizeof(ip));
		jstr(f, "spoofed_ip", ip, 1);
	}
	jtime(f, "start", e->first);
	jtime(f, "end", e->last);
	fprintf(f, ",\"packets\":%llu}\n", (unsigned long long)e->packets);
}

int sim_truth_write(struct sim_ctx *c, const char *path)
{
	FILE *f = fopen(path, "w");
	const struct sim_episode *order[SIM_MAX_EPISODES];
	size_t i, j, n = 0;
	int rc = 0;

	if (!f)
		return -1;
	device_line(f, &c->router, "router", "TP-Link",
	    "TP-LINK TECHNOLOGIES CO.,LTD.", "Archer AX21", "Linux", "router");
	for (i = 0; i < c->ndev; i++) {
		const struct sim_device *d = &c->dev[i];

		device_line(f, &d->h, d->k->kind, d->k->vendor,
		    d->k->oui_vendor, d->k->model, d->k->os_name, d->hostname);
	}
	/* episodes by start time (insertion sort: at most a dozen) */
	for (i = 1; i <= c->nep; i++) {
		const struct sim_episode *e = &c->ep[i];

		if (!e->packets)
			continue;
		for (j = n; j > 0 && order[j - 1]->first > e->first; j--)
			order[j] = order[j - 1];
		order[j] = e;
		n++;
	}
	for (i = 0; i < n; i++) {
		episode_line(f, order[i], order[i]->category);
		if (order[i]->category2)
			episode_line(f, order[i], order[i]->category2);
	}
	if (ferror(f))
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}
