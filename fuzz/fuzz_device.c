/* fuzz_device.c - the device inventory fed by the real parsers.
 *
 * The input is a list of chunks, each one frame: [len:2, big-endian]
 * [proto][who][ip] then len-3 payload bytes (at most 1400). proto picks the ports (DHCP, mDNS, SSDP, DNS,
 * NTP, HTTP, TLS, SSH, a SYN, ARP), who picks source and destination MAC
 * from a small set (vendor, randomized, gateway, broadcast) and ip the
 * addresses (local, remote, unspecified), so the fuzzer spends its time
 * in the payloads and in identity (gateway, merges, eviction) instead of
 * in getting headers right. Frames go through dec_packet, the flow table,
 * proto_inspect (nDPI off) and dev_packet; flows that end go to
 * dev_flow_end. Invariants: bounded records, and every record counted
 * (created = in table + evicted + merged). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "device/device_int.h"
#include "flow/flow.h"
#include "fuzz.h"
#include "proto/proto.h"
#include "sim/sim_internal.h"

struct ctx {
	struct dev_inv *inv;
	struct proto *ps;
};

static void on_end(struct flow *f, enum flow_end_reason why, void *ud)
{
	struct ctx *c = ud;
	char buf[64];
	(void)why;
	proto_flow_end(c->ps, f);
	dev_flow_end(c->inv, f, proto_app_name(c->ps, f, buf, sizeof(buf)),
	    proto_flow_cleartext(c->ps, f));
}

static const uint8_t macs[8][6] = {
	{ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 },
	{ 0x2c, 0xaa, 0x8e, 0xd8, 0x4b, 0x00 },
	{ 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01 },	/* randomized */
	{ 0x06, 0x12, 0x34, 0x56, 0x78, 0x02 },	/* randomized */
	{ 0xd0, 0x37, 0x45, 0xc5, 0x10, 0xc7 },	/* "gateway" */
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb },
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

static const uint32_t ips[8] = {
	0xc0a80117, 0xc0a80101, 0xc0a80164, 0x00000000,
	0x5db8d80a, 0x08080808, 0xe00000fb, 0xffffffff,
};

static const uint16_t ports[][2] = {
	{ 68, 67 }, { 67, 68 }, { 5353, 5353 }, { 1900, 1900 },
	{ 40000, 1900 }, { 40000, 53 }, { 53, 40000 }, { 123, 123 },
	{ 546, 547 }, { 40000, 80 }, { 80, 40000 }, { 40000, 443 },
	{ 22, 40000 }, { 40000, 22 },
};
#define NPORTS (sizeof(ports) / sizeof(ports[0]))

/* A two-line OUI listing: the real one takes ~0.1 s to load, per input. */
static const char *oui_file(void)
{
	static const char path[] = "/tmp/ew-fuzz-device-oui.txt";
	static int done;
	if (!done) {
		FILE *fp = fopen(path, "w");
		if (!fp)
			__builtin_trap();
		fputs("2C-AA-8E   (hex)\t\tWyze Labs Inc\r\n"
		    "D0-37-45   (hex)\t\tTP-LINK TECHNOLOGIES CO.,LTD.\r\n",
		    fp);
		fclose(fp);
		done = 1;
	}
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dev_config dc;
	struct flow_config fc;
	struct proto_config pc;
	struct homenet hn;
	struct dec_stats ds;
	struct app_meta meta;
	struct ctx c;
	char err[256];
	uint8_t frame[2048];
	uint64_t ts = 1700000000000000000ull;

	dev_config_default(&dc);
	dc.memcap = 48 * 1024;	/* a handful of records: eviction runs */
	dc.oui_path = oui_file();
	homenet_default(&hn);
	flow_config_default(&fc);
	fc.memcap = 256 * 1024;
	proto_config_default(&pc);
	pc.ndpi = 0;
	memset(&ds, 0, sizeof(ds));
	c.inv = dev_new(&dc, &hn, NULL, err, sizeof(err));
	c.ps = proto_new(&pc, err, sizeof(err));
	struct flow_table *ft = flow_table_new(&fc, 1, on_end, &c);
	if (!c.inv || !c.ps || !ft)
		__builtin_trap();

	size_t off = 0;
	while (size - off >= 5) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		if (len < 3 || len > 1403 || len > size - off - 2)
			break;
		const uint8_t *ch = data + off + 2;
		off += 2 + len;
		uint8_t sel = ch[0], who = ch[1], ipb = ch[2];
		const uint8_t *pl = ch + 3;
		size_t plen = len - 3;
		struct sim_l3 h;
		size_t n;

		memset(&h, 0, sizeof(h));
		memcpy(h.smac, macs[who & 7], 6);
		memcpy(h.dmac, macs[(who >> 3) & 7], 6);
		h.sip = ips[ipb & 7];
		h.dip = ips[(ipb >> 3) & 7];
		h.ttl = (uint8_t)(ipb & 0xc0 ? 64 : 128);
		ts += (uint64_t)(who >> 6) * 700000000ull + 1000;
		if (sel % 16 == 15) {
			uint8_t tha[6] = { 0 };
			n = sim_build_arp(frame, sizeof(frame), h.dmac, h.smac,
			    (uint16_t)(1 + (sel >> 7)), h.smac, h.sip, tha,
			    h.dip);
		} else if (sel % 16 == 14) {
			struct sim_tcph t;
			static const uint8_t opts[] = { 2, 4, 5, 0xb4, 1, 3, 3,
			    7 };
			memset(&t, 0, sizeof(t));
			t.sport = 40000;
			t.dport = 443;
			t.flags = SIM_TH_SYN;
			t.win = (uint16_t)(plen * 97);
			t.opt = opts;
			t.optlen = (sel & 0x80) ? sizeof(opts) : 0;
			n = sim_build_tcp4(frame, sizeof(frame), &h, &t, NULL, 0);
		} else {
			const uint16_t *pp = ports[(sel >> 4) % NPORTS];
			if (sel & 1) {
				struct sim_tcph t;
				memset(&t, 0, sizeof(t));
				t.sport = pp[0];
				t.dport = pp[1];
				t.flags = SIM_TH_ACK | SIM_TH_PSH;
				t.win = 1024;
				n = sim_build_tcp4(frame, sizeof(frame), &h, &t,
				    pl, plen);
			} else {
				n = sim_build_udp4(frame, sizeof(frame), &h,
				    pp[0], pp[1], pl, plen);
			}
		}
		if (!n)
			continue;
		struct packet p;
		int to_server = 0;
		dec_packet(&ds, &p, 1, frame, (uint32_t)n, (uint32_t)n, ts);
		struct flow *f = flow_update(ft, &p, &to_server);
		proto_inspect(c.ps, &p, f, to_server, &meta);
		dev_packet(c.inv, &p, f, to_server, &meta);
	}
	flow_table_flush(ft);
	dev_finish(c.inv, ts);

	const struct dev_stats *st = dev_stats(c.inv);
	if (st->created != st->devices + st->evicted + st->merged)
		__builtin_trap();
	size_t cnt = 0;
	for (const struct device *d = dev_inv_first(c.inv); d;
	    d = dev_inv_next(c.inv, d)) {
		if (d->nips > DEV_MAX_IPS || d->nev > DEV_MAX_EVIDENCE)
			__builtin_trap();
		for (unsigned i = 0; i < d->nev; i++)
			if (d->ev[i].kind >= DEV_EV__COUNT ||
			    memchr(d->ev[i].value, 0, DEV_EV_VALUE_LEN) == NULL)
				__builtin_trap();
		struct alert_device ad;
		if (d->has_mac && !dev_alert_lookup(d->mac, NULL, &ad, c.inv))
			__builtin_trap();
		char line[512];
		if (dev_summary_line(c.inv, cnt, line, sizeof(line)) != 0)
			__builtin_trap();
		cnt++;
	}
	if (cnt != dev_count(c.inv))
		__builtin_trap();
	if (dev_write_json(c.inv, "/dev/null", err, sizeof(err)) != 0)
		__builtin_trap();

	flow_table_free(ft);
	proto_free(c.ps);
	dev_free(c.inv);
	return 0;
}
