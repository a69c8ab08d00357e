/* test_dev_persist.c - the inventory across restarts: export of changed
 * devices, restore from state blobs.
 *
 * The key property: a simulated home capture goes through decode, flows,
 * proto and the inventory; (1) export everything, restore into a fresh
 * inventory, export again: every device's devices.json object and state
 * blob are byte-identical; (2) the same capture with the inventory
 * exported and restored into a new one twice along the way ends with the
 * same devices.json and the same EVE device events as one uninterrupted
 * inventory (so restoring emits nothing, and later changes still do).
 * Also: the change cursor, hostile blobs refused without a change, the
 * memcap, randomized-MAC merges against stale rows, non-UTF-8 strings,
 * and the cost of dev_export_changed for 250 devices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <jansson.h>

#include "capture/capture.h"
#include "device/device_int.h"
#include "flow/flow.h"
#include "output/eve.h"
#include "proto/proto.h"
#include "sim/sim_internal.h"

#include "unit/tmpdir.h"

#define T0 1700000000000000000ull
#define SEC 1000000000ull
#define KB_PATH "data/devices.kb"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
	((uint32_t)(c) << 8) | (uint32_t)(d))

static const uint8_t MAC_A[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t MAC_GW[6] = { 0x00, 0x11, 0x22, 0x00, 0x00, 0x01 };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_R1[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01 };
static const uint8_t MAC_R2[6] = { 0x06, 0x12, 0x34, 0x56, 0x78, 0x02 };

/* ---- exports collected ------------------------------------------------ */

struct item {
	char *key, *mac, *json, *state;
	size_t json_len, state_len;
};

struct coll {
	struct item *v;
	size_t n, cap;
};

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	assert_non_null(d);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void collect(const struct dev_export *x, void *ud)
{
	struct coll *c = ud;
	/* the contract: no NULL strings, lengths match the text */
	assert_non_null(x->key);
	assert_non_null(x->mac);
	assert_non_null(x->ip);
	assert_non_null(x->vendor);
	assert_non_null(x->cls);
	assert_non_null(x->model);
	assert_non_null(x->name);
	assert_true(x->cls[0]);
	assert_int_equal(strlen(x->json), x->json_len);
	assert_int_equal(strlen(x->state), x->state_len);
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		assert_non_null(c->v);
	}
	struct item *it = &c->v[c->n++];
	it->key = strdup(x->key);
	it->mac = strdup(x->mac);
	it->json = dupn(x->json, x->json_len);
	it->state = dupn(x->state, x->state_len);
	it->json_len = x->json_len;
	it->state_len = x->state_len;
}

static void coll_free(struct coll *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].key);
		free(c->v[i].mac);
		free(c->v[i].json);
		free(c->v[i].state);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static void export_all(struct dev_inv *inv, struct coll *c)
{
	uint64_t cur = 0;
	size_t n = dev_export_changed(inv, &cur, collect, c);
	assert_int_equal(n, c->n);
	assert_int_equal(n, dev_count(inv));
}

static void assert_same(const struct coll *a, const struct coll *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].key, b->v[i].key);
		assert_int_equal(a->v[i].json_len, b->v[i].json_len);
		assert_memory_equal(a->v[i].json, b->v[i].json,
		    a->v[i].json_len);
		assert_int_equal(a->v[i].state_len, b->v[i].state_len);
		assert_memory_equal(a->v[i].state, b->v[i].state,
		    a->v[i].state_len);
	}
}

static struct dev_inv *mkinv(size_t memcap, struct eve *eve, const char *kb)
{
	struct dev_config cfg;
	struct homenet hn;
	char err[256];
	dev_config_default(&cfg);
	if (memcap)
		cfg.memcap = memcap;
	cfg.kb_path = kb;
	homenet_default(&hn);
	struct dev_inv *inv = dev_new(&cfg, &hn, eve, err, sizeof(err));
	if (!inv)
		print_message("dev_new: %s\n", err);
	assert_non_null(inv);
	return inv;
}

/* Restore every item of c into inv (all must succeed). */
static void restore_all(struct dev_inv *inv, const struct coll *c)
{
	char err[256];
	for (size_t i = 0; i < c->n; i++) {
		int rc = dev_restore(inv, c->v[i].state, c->v[i].state_len,
		    err, sizeof(err));
		if (rc != 0)
			print_message("restore %s: %s\n", c->v[i].key, err);
		assert_int_equal(rc, 0);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	b[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return b;
}

/* ---- a simulated capture through the stages --------------------------- */

/* What a store flush every 5 s of packet time would write. */
struct flushstat {
	uint64_t next, cur_all, cur_id;
	size_t flushes, rows_all, rows_id, bytes_all, bytes_id;
};

static void count_rows(const struct dev_export *x, void *ud)
{
	size_t *v = ud;
	v[0]++;
	v[1] += x->json_len + x->state_len;
}

static void flush_tick(struct dev_inv *inv, struct flushstat *fs,
    uint64_t ts)
{
	size_t a[2] = { 0, 0 }, b[2] = { 0, 0 };
	if (!fs || ts < fs->next)
		return;
	fs->next = ts + 5 * SEC;
	dev_export_changed(inv, &fs->cur_all, count_rows, a);
	dev_export_identity(inv, &fs->cur_id, count_rows, b);
	fs->flushes++;
	fs->rows_all += a[0];
	fs->bytes_all += a[1];
	fs->rows_id += b[0];
	fs->bytes_id += b[1];
}

struct run {
	struct flow_table *ft;
	struct proto *ps;
	struct dev_inv *inv;
	struct eve *eve;
	unsigned restarts;
};

static void on_end(struct flow *f, enum flow_end_reason why, void *ud)
{
	struct run *r = ud;
	char buf[64];
	(void)why;
	proto_flow_end(r->ps, f);
	const char *app = proto_app_name(r->ps, f, buf, sizeof(buf));
	dev_flow_end(r->inv, f, app, proto_flow_cleartext(r->ps, f));
}

static const char *sim_pcap(void)
{
	static char path[128];
	if (path[0])
		return path;
	struct sim_opts o;
	snprintf(path, sizeof(path), "%s/home.pcap", dir);
	sim_opts_default(&o);
	o.out = path;
	o.hours = 1.0;
	o.devices = 14;
	o.attacks = SIM_ATK_ALL;
	assert_int_equal(sim_run(&o), 0);
	return path;
}

static uint64_t count_packets(const char *path)
{
	struct capture *cap;
	struct cap_pkt cp;
	char err[256];
	uint64_t n = 0;
	assert_int_equal(cap_open_file(&cap, path, err, sizeof(err)), 0);
	while (cap_next(cap, &cp) == 1)
		n++;
	cap_close(cap);
	return n;
}

/* The inventory stops: everything exported, a new one restored from it. */
static void restart(struct run *r)
{
	struct coll c = { 0 };
	export_all(r->inv, &c);
	dev_free(r->inv);
	r->inv = mkinv(0, r->eve, KB_PATH);
	restore_all(r->inv, &c);
	assert_int_equal(dev_count(r->inv), c.n);
	coll_free(&c);
	r->restarts++;
}

/* Run path through decode, flows, proto (nDPI on) and the inventory,
 * restarting the inventory before each packet index in at[] (sorted,
 * nat entries). Every 997th packet raises an alert against its sender,
 * so alert counts cross restarts too. Ends with dev_finish. */
static struct dev_inv *run_capture(const char *path, struct eve *eve,
    const uint64_t *at, size_t nat, unsigned *restarts,
    struct flushstat *fs)
{
	static struct app_meta m;
	struct run r;
	struct capture *cap;
	struct cap_pkt cp;
	struct dec_stats ds;
	struct packet p;
	struct flow_config fc;
	struct proto_config pc;
	char err[256];
	uint64_t i = 0, last = 0;
	size_t next = 0;

	memset(&r, 0, sizeof(r));
	r.eve = eve;
	proto_config_default(&pc);
	r.ps = proto_new(&pc, err, sizeof(err));
	assert_non_null(r.ps);
	flow_config_default(&fc);
	r.ft = flow_table_new(&fc, 42, on_end, &r);
	assert_non_null(r.ft);
	r.inv = mkinv(0, eve, KB_PATH);
	assert_int_equal(cap_open_file(&cap, path, err, sizeof(err)), 0);
	memset(&ds, 0, sizeof(ds));
	while (cap_next(cap, &cp) == 1) {
		int to_server;
		if (next < nat && i == at[next]) {
			restart(&r);
			next++;
		}
		dec_packet(&ds, &p, cap_linktype(cap), cp.data, cp.caplen,
		    cp.wirelen, cp.ts_ns);
		struct flow *f = flow_update(r.ft, &p, &to_server);
		proto_inspect(r.ps, &p, f, to_server, &m);
		dev_packet(r.inv, &p, f, to_server, &m);
		if (i % 997 == 0 && p.has_eth && p.ip_version) {
			struct alert a;
			memset(&a, 0, sizeof(a));
			a.severity = (int)(i % 3) + 1;
			a.src = p.src;
			a.has_src_mac = 1;
			memcpy(a.src_mac, p.src_mac, 6);
			dev_on_alert(&a, NULL, r.inv);
		}
		if (cp.ts_ns > last)
			last = cp.ts_ns;
		flush_tick(r.inv, fs, cp.ts_ns);
		i++;
	}
	cap_close(cap);
	flow_table_flush(r.ft);
	flow_table_free(r.ft);
	proto_free(r.ps);
	dev_finish(r.inv, last);
	if (restarts)
		*restarts = r.restarts;
	return r.inv;
}

/* Property 1: export -> restore -> export is the identity. */
static void test_roundtrip_sim(void **state)
{
	(void)state;
	const char *path = sim_pcap();
	struct flushstat fs;
	memset(&fs, 0, sizeof(fs));
	struct dev_inv *a = run_capture(path, NULL, NULL, 0, NULL, &fs);
	print_message("flush every 5 s over 1 h: %zu flushes; "
	    "dev_export_changed %zu rows %zu KiB, dev_export_identity %zu "
	    "rows %zu KiB\n", fs.flushes, fs.rows_all, fs.bytes_all / 1024,
	    fs.rows_id, fs.bytes_id / 1024);
	assert_true(fs.rows_id < fs.rows_all);
	struct coll ca = { 0 }, cb = { 0 };
	export_all(a, &ca);
	assert_true(ca.n >= 14);

	/* a capture worth testing: identified devices, evidence, alerts,
	 * several addresses, a gateway */
	unsigned ident = 0, alerts = 0, gateway = 0;
	for (size_t i = 0; i < ca.n; i++) {
		ident += strstr(ca.v[i].json, "\"vendor\":null") == NULL;
		alerts += strstr(ca.v[i].json, "\"alerts\":{\"total\":0") ==
		    NULL;
		gateway += strstr(ca.v[i].json, "\"gateway\"") != NULL;
	}
	print_message("sim: %zu devices, %u with a vendor, %u with alerts, "
	    "%u gateway\n", ca.n, ident, alerts, gateway);
	assert_true(ident >= 5);
	assert_true(alerts >= 3);
	assert_int_equal(gateway, 1);

	/* seeds for fuzz_dev_restore when asked for */
	const char *seeds = getenv("EW_PERSIST_SEEDS");
	for (size_t i = 0; seeds && i < ca.n; i++) {
		char sp[256];
		snprintf(sp, sizeof(sp), "%s/state%03zu.json", seeds, i);
		FILE *fp = fopen(sp, "w");
		assert_non_null(fp);
		fputc(0, fp);	/* the fuzzer's mode byte: the blob as is */
		fputs(ca.v[i].state, fp);
		fclose(fp);
	}

	struct dev_inv *b = mkinv(0, NULL, KB_PATH);
	restore_all(b, &ca);
	export_all(b, &cb);
	assert_same(&ca, &cb);

	/* the inventory file too */
	char pa[128], pb[128], err[256];
	size_t la, lb;
	snprintf(pa, sizeof(pa), "%s/a.json", dir);
	snprintf(pb, sizeof(pb), "%s/b.json", dir);
	assert_int_equal(dev_write_json(a, pa, err, sizeof(err)), 0);
	assert_int_equal(dev_write_json(b, pb, err, sizeof(err)), 0);
	char *x = slurp(pa, &la), *y = slurp(pb, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(x, y, la);
	free(x);
	free(y);

	/* in another order (a store reading by key): the same devices, the
	 * same bytes; only the walk order differs */
	struct coll rev = { 0 }, cr = { 0 };
	rev.n = ca.n;
	rev.v = calloc(ca.n, sizeof(*rev.v));
	assert_non_null(rev.v);
	for (size_t i = 0; i < ca.n; i++)
		rev.v[i] = ca.v[ca.n - 1 - i];
	struct dev_inv *c = mkinv(0, NULL, KB_PATH);
	restore_all(c, &rev);
	free(rev.v);
	export_all(c, &cr);
	assert_int_equal(cr.n, ca.n);
	for (size_t i = 0; i < ca.n; i++) {
		const struct item *it = &cr.v[ca.n - 1 - i];
		assert_string_equal(ca.v[i].key, it->key);
		assert_string_equal(ca.v[i].json, it->json);
		assert_string_equal(ca.v[i].state, it->state);
	}
	coll_free(&cr);
	dev_free(c);

	/* summaries walk in LRU order: restoring in export order keeps it */
	for (size_t i = 0; i < dev_count(a); i++) {
		char s1[512], s2[512];
		assert_int_equal(dev_summary_line(a, i, s1, sizeof(s1)), 0);
		assert_int_equal(dev_summary_line(b, i, s2, sizeof(s2)), 0);
		assert_string_equal(s1, s2);
	}
	coll_free(&ca);
	coll_free(&cb);
	dev_free(a);
	dev_free(b);
}

/* Only the device event lines of an EVE file, in order. */
static char *device_events(const char *path, size_t *n)
{
	size_t len;
	char *all = slurp(path, &len), *out = malloc(len + 1), *o = out;
	assert_non_null(out);
	*n = 0;
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, "\"event_type\":\"device\"")) {
			size_t l = strlen(line);
			memcpy(o, line, l);
			o += l;
			*o++ = '\n';
			(*n)++;
		}
	*o = '\0';
	free(all);
	return out;
}

/* Property 2: restarts along the way change nothing in the result. The
 * flow table and proto state run on across the restarts: this tests the
 * inventory's persistence alone (a real restart also loses flows in
 * progress; their bytes and app_proto evidence then come from the
 * restarted flows). */
static void test_split_sim(void **state)
{
	(void)state;
	const char *path = sim_pcap();
	uint64_t n = count_packets(path);
	uint64_t at[3] = { n / 4, n / 2, (3 * n) / 4 };
	char ea[128], eb[128], ja[128], jb2[128], err[256];
	unsigned restarts = 0;

	snprintf(ea, sizeof(ea), "%s/eve_a.json", dir);
	snprintf(eb, sizeof(eb), "%s/eve_b.json", dir);
	snprintf(ja, sizeof(ja), "%s/devices_a.json", dir);
	snprintf(jb2, sizeof(jb2), "%s/devices_b.json", dir);

	struct eve *eve = eve_open(ea, err, sizeof(err));
	assert_non_null(eve);
	struct dev_inv *a = run_capture(path, eve, NULL, 0, NULL, NULL);
	assert_int_equal(dev_write_json(a, ja, err, sizeof(err)), 0);
	dev_free(a);
	assert_int_equal(eve_close(eve, err, sizeof(err)), 0);

	eve = eve_open(eb, err, sizeof(err));
	assert_non_null(eve);
	struct dev_inv *b = run_capture(path, eve, at, 3, &restarts, NULL);
	assert_int_equal(restarts, 3);
	assert_int_equal(dev_write_json(b, jb2, err, sizeof(err)), 0);
	dev_free(b);
	assert_int_equal(eve_close(eve, err, sizeof(err)), 0);

	size_t la, lb, na, nb;
	char *x = slurp(ja, &la), *y = slurp(jb2, &lb);
	print_message("split: %llu packets, restarts at %llu/%llu/%llu; "
	    "devices.json %zu bytes\n", (unsigned long long)n,
	    (unsigned long long)at[0], (unsigned long long)at[1],
	    (unsigned long long)at[2], la);
	assert_true(la > 1000);
	assert_int_equal(la, lb);
	assert_memory_equal(x, y, la);
	free(x);
	free(y);

	/* the same device events, in the same order: none for a restored
	 * device, and changes after a restart still reported */
	x = device_events(ea, &na);
	y = device_events(eb, &nb);
	print_message("split: %zu device events in both runs\n", na);
	assert_true(na >= 14);
	assert_int_equal(na, nb);
	assert_string_equal(x, y);
	free(x);
	free(y);
}

/* ---- crafted traffic -------------------------------------------------- */

static void feed(struct dev_inv *inv, const uint8_t smac[6],
    const uint8_t dmac[6], uint32_t sip, uint32_t dip, uint16_t sport,
    uint16_t dport, uint64_t ts, const struct app_meta *m)
{
	uint8_t f[1600];
	struct sim_l3 h;
	struct dec_stats st;
	struct packet p;
	memset(&h, 0, sizeof(h));
	memcpy(h.smac, smac, 6);
	memcpy(h.dmac, dmac, 6);
	h.sip = sip;
	h.dip = dip;
	h.ttl = 64;
	size_t n = sim_build_udp4(f, sizeof(f), &h, sport, dport, "x", 1);
	assert_true(n > 0);
	memset(&st, 0, sizeof(st));
	dec_packet(&st, &p, DEC_LINK_ETHERNET, f, (uint32_t)n, (uint32_t)n,
	    ts);
	dev_packet(inv, &p, NULL, 1, m);
}

static void dhcp_request(struct dev_inv *inv, const uint8_t mac[6],
    const char *host, const char *prl, const char *cid, uint64_t ts)
{
	struct app_meta m;
	memset(&m, 0, sizeof(m));
	m.kind = APP_DHCP;
	m.u.dhcp.op = 1;
	m.u.dhcp.msg_type = 3;
	memcpy(m.u.dhcp.chaddr, mac, 6);
	snprintf(m.u.dhcp.hostname, sizeof(m.u.dhcp.hostname), "%s", host);
	snprintf(m.u.dhcp.prl, sizeof(m.u.dhcp.prl), "%s", prl);
	snprintf(m.u.dhcp.client_id, sizeof(m.u.dhcp.client_id), "%s", cid);
	feed(inv, mac, MAC_BCAST, 0, IP(255, 255, 255, 255), 68, 67, ts, &m);
}

static void dhcp_ack(struct dev_inv *inv, const uint8_t client[6],
    uint32_t yi, uint64_t ts)
{
	struct app_meta m;
	memset(&m, 0, sizeof(m));
	m.kind = APP_DHCP;
	m.u.dhcp.op = 2;
	m.u.dhcp.msg_type = 5;
	memcpy(m.u.dhcp.chaddr, client, 6);
	m.u.dhcp.yiaddr[0] = (uint8_t)(yi >> 24);
	m.u.dhcp.yiaddr[1] = (uint8_t)(yi >> 16);
	m.u.dhcp.yiaddr[2] = (uint8_t)(yi >> 8);
	m.u.dhcp.yiaddr[3] = (uint8_t)yi;
	feed(inv, MAC_GW, MAC_BCAST, IP(192, 168, 1, 1),
	    IP(255, 255, 255, 255), 67, 68, ts, &m);
}

/* One exported state blob of the device keyed key. */
static char *state_of(struct dev_inv *inv, const char *key)
{
	struct coll c = { 0 };
	char *s = NULL;
	export_all(inv, &c);
	for (size_t i = 0; i < c.n; i++)
		if (strcmp(c.v[i].key, key) == 0)
			s = strdup(c.v[i].state);
	coll_free(&c);
	assert_non_null(s);
	return s;
}

/* ---- change tracking -------------------------------------------------- */

static void test_changed_cursor(void **state)
{
	(void)state;
	struct dev_inv *inv = mkinv(0, NULL, NULL);
	struct coll c = { 0 };
	uint64_t cur = 0;

	dhcp_request(inv, MAC_A, "cam", "1,3,6", "", T0);
	dhcp_ack(inv, MAC_A, IP(192, 168, 1, 23), T0 + SEC);
	assert_int_equal(dev_count(inv), 2);
	assert_int_equal(dev_export_changed(inv, &cur, collect, &c), 2);
	assert_true(cur > 0);
	coll_free(&c);
	/* nothing since */
	assert_int_equal(dev_export_changed(inv, &cur, collect, &c), 0);
	assert_int_equal(c.n, 0);

	uint64_t icur = 0;
	assert_int_equal(dev_export_identity(inv, &icur, collect, &c), 2);
	coll_free(&c);

	/* a packet from A to the gateway changes both, the counters only */
	feed(inv, MAC_A, MAC_GW, IP(192, 168, 1, 23), IP(192, 168, 1, 1),
	    5000, 53, T0 + 5 * SEC, NULL);
	assert_int_equal(dev_export_changed(inv, &cur, collect, &c), 2);
	coll_free(&c);
	assert_int_equal(dev_export_identity(inv, &icur, collect, &c), 0);
	/* a new address is an identity change */
	dhcp_ack(inv, MAC_A, IP(192, 168, 1, 24), T0 + 5 * SEC + 1);
	assert_int_equal(dev_export_identity(inv, &icur, collect, &c), 1);
	assert_string_equal(c.v[0].key, "00:11:22:33:44:55");
	coll_free(&c);
	assert_int_equal(dev_export_changed(inv, &cur, collect, &c), 2);
	coll_free(&c);
	/* new evidence, once classified */
	dhcp_request(inv, MAC_A, "cam", "1,3,6,15", "", T0 + 5 * SEC + 2);
	assert_int_equal(dev_export_identity(inv, &icur, collect, &c), 1);
	assert_string_equal(c.v[0].key, "00:11:22:33:44:55");
	assert_non_null(strstr(c.v[0].state, "1,3,6,15"));
	coll_free(&c);
	assert_int_equal(dev_export_changed(inv, &cur, NULL, NULL), 0);

	/* an alert counts on A only */
	struct alert a;
	memset(&a, 0, sizeof(a));
	a.severity = 2;
	a.has_src_mac = 1;
	memcpy(a.src_mac, MAC_A, 6);
	dev_on_alert(&a, NULL, inv);
	assert_int_equal(dev_export_changed(inv, &cur, collect, &c), 1);
	assert_string_equal(c.v[0].key, "00:11:22:33:44:55");
	assert_non_null(strstr(c.v[0].json, "\"medium\":1"));
	coll_free(&c);
	assert_int_equal(dev_export_identity(inv, &icur, collect, &c), 1);
	coll_free(&c);

	/* a second consumer with its own cursor still sees everything */
	uint64_t cur2 = 0;
	assert_int_equal(dev_export_changed(inv, &cur2, collect, &c), 2);
	coll_free(&c);

	/* fn NULL moves the cursor only */
	feed(inv, MAC_A, MAC_GW, IP(192, 168, 1, 23), IP(192, 168, 1, 1),
	    5000, 53, T0 + 6 * SEC, NULL);
	assert_int_equal(dev_export_changed(inv, &cur, NULL, NULL), 0);
	assert_int_equal(dev_export_changed(inv, &cur, collect, &c), 0);

	/* a device never reported: end of input reports it, a change */
	feed(inv, MAC_R2, MAC_BCAST, IP(192, 168, 1, 77),
	    IP(255, 255, 255, 255), 1, 2, T0 + 7 * SEC, NULL);
	assert_int_equal(dev_export_changed(inv, &cur, collect, &c), 1);
	assert_string_equal(c.v[0].key, "06:12:34:56:78:02");
	assert_non_null(strstr(c.v[0].state, "\"reported\":false"));
	coll_free(&c);
	dev_finish(inv, T0 + 10 * SEC);
	assert_int_equal(dev_export_changed(inv, &cur, collect, &c), 1);
	assert_non_null(strstr(c.v[0].state, "\"reported\":true"));
	coll_free(&c);
	dev_free(inv);
}

/* ---- events ----------------------------------------------------------- */

static void write_kb(char *path, size_t size)
{
	snprintf(path, size, "%s/test.kb", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("match mdns.service = \"_googlecast._tcp\" => "
	    "class=tv vendor=Google conf=80\n"
	    "match mdns.txt = \"md=Chromecast Ultra\" => "
	    "model=\"Chromecast Ultra\" conf=90\n", fp);
	fclose(fp);
}

static void mdns(struct dev_inv *inv, const char *svc, const char *txt,
    uint64_t ts)
{
	struct app_meta m;
	memset(&m, 0, sizeof(m));
	m.kind = APP_MDNS;
	m.u.dns.is_response = 1;
	m.u.dns.nrr = 1;
	m.u.dns.rr[0].section = DNS_SEC_ANSWER;
	if (svc) {
		m.u.dns.rr[0].type = 12;
		snprintf(m.u.dns.rr[0].name, sizeof(m.u.dns.rr[0].name),
		    "%s.local", svc);
		snprintf(m.u.dns.rr[0].target, sizeof(m.u.dns.rr[0].target),
		    "TV.%s.local", svc);
	} else {
		struct app_dns_rr *rr = &m.u.dns.rr[0];
		rr->type = 16;
		size_t l = strlen(txt);
		assert_true(l + 1 <= sizeof(rr->txt));
		rr->txt[0] = (uint8_t)l;
		memcpy(rr->txt + 1, txt, l);
		rr->txt_len = (uint16_t)(l + 1);
	}
	feed(inv, MAC_R1, MAC_BCAST, IP(192, 168, 1, 40), IP(224, 0, 0, 251),
	    5353, 5353, ts, &m);
}

static void test_events_after_restore(void **state)
{
	(void)state;
	char kb[128], path[128], err[256];
	write_kb(kb, sizeof(kb));
	struct dev_inv *a = mkinv(0, NULL, kb);
	mdns(a, "_googlecast._tcp", NULL, T0);
	mdns(a, "_googlecast._tcp", NULL, T0 + 2 * SEC);
	const struct device *d = dev_inv_find_mac(a, MAC_R1);
	assert_non_null(d);
	assert_string_equal(d->vendor.value, "Google");
	char *st = state_of(a, "02:aa:bb:cc:dd:01");
	dev_free(a);

	snprintf(path, sizeof(path), "%s/eve_ev.json", dir);
	struct eve *eve = eve_open(path, err, sizeof(err));
	assert_non_null(eve);
	struct dev_inv *b = mkinv(0, eve, kb);
	assert_int_equal(dev_restore(b, st, strlen(st), err, sizeof(err)), 0);
	/* restored: not new, no event; same evidence again: none either */
	assert_int_equal(dev_stats(b)->events, 0);
	mdns(b, "_googlecast._tcp", NULL, T0 + 4 * SEC);
	assert_int_equal(dev_stats(b)->events, 0);
	/* the identification changes: one event */
	mdns(b, NULL, "md=Chromecast Ultra", T0 + 6 * SEC);
	assert_int_equal(dev_stats(b)->events, 1);
	d = dev_inv_find_mac(b, MAC_R1);
	assert_string_equal(d->model.value, "Chromecast Ultra");
	dev_finish(b, T0 + 9 * SEC);
	assert_int_equal(dev_stats(b)->events, 1);
	dev_free(b);
	assert_int_equal(eve_close(eve, err, sizeof(err)), 0);
	size_t len;
	char *log = slurp(path, &len);
	assert_non_null(strstr(log, "Chromecast Ultra"));
	free(log);
	free(st);
}

/* ---- hostile blobs ---------------------------------------------------- */

/* A device with a bit of everything, and the inventory it lives in. */
static struct dev_inv *sample(char **st)
{
	struct dev_inv *inv = mkinv(0, NULL, KB_PATH);
	dhcp_request(inv, MAC_A, "WYZECAM_V3", "1,3,6,15", "01001122334455",
	    T0);
	dhcp_ack(inv, MAC_A, IP(192, 168, 1, 23), T0 + SEC);
	dhcp_ack(inv, MAC_A, IP(192, 168, 1, 24), T0 + 3 * SEC);
	for (unsigned i = 0; i < DEV_GATEWAY_REMOTE_IPS + 1; i++)
		feed(inv, MAC_GW, MAC_A, IP(93, 184, 216, 10 + i),
		    IP(192, 168, 1, 24), 443, 5000, T0 + (4 + i) * SEC, NULL);
	struct alert a;
	memset(&a, 0, sizeof(a));
	a.severity = 1;
	a.has_src_mac = 1;
	memcpy(a.src_mac, MAC_A, 6);
	dev_on_alert(&a, NULL, inv);
	dev_finish(inv, T0 + 20 * SEC);
	*st = state_of(inv, "00:11:22:33:44:55");
	return inv;
}

/* dev_restore of s must fail with err mentioning want (NULL: any) and
 * leave the inventory exactly as it was. */
static void refuse(struct dev_inv *inv, const char *s, size_t len,
    const char *want)
{
	struct coll before = { 0 }, after = { 0 };
	char err[256];
	size_t n = dev_count(inv);
	err[0] = '\0';
	export_all(inv, &before);
	assert_int_equal(dev_restore(inv, s, len, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	if (want && !strstr(err, want)) {
		print_message("expected \"%s\" in \"%s\"\n", want, err);
		fail();
	}
	assert_int_equal(dev_count(inv), n);
	export_all(inv, &after);
	assert_same(&before, &after);
	coll_free(&before);
	coll_free(&after);
}

static void refuse_json(struct dev_inv *inv, json_t *o, const char *want)
{
	char *s = json_dumps(o, JSON_COMPACT);
	assert_non_null(s);
	refuse(inv, s, strlen(s), want);
	free(s);
}

/* The blob with field k set to v (v stolen). */
static json_t *with(const char *blob, const char *k, json_t *v)
{
	json_error_t je;
	json_t *o = json_loads(blob, 0, &je);
	assert_non_null(o);
	json_object_set_new(o, k, v);
	return o;
}

static void test_hostile(void **state)
{
	(void)state;
	char *st;
	struct dev_inv *src = sample(&st);
	dev_free(src);
	/* the target holds other devices; the sample's key is free */
	struct dev_inv *inv = mkinv(0, NULL, KB_PATH);
	dhcp_request(inv, MAC_R2, "phone", "1,3", "", T0);
	size_t len = strlen(st);
	json_error_t je;
	json_t *good = json_loads(st, 0, &je);
	assert_non_null(good);

	/* truncated anywhere */
	for (size_t n = 0; n < len; n += (n < 64 ? 1 : 7))
		refuse(inv, st, n, NULL);
	refuse(inv, NULL, 0, "empty");
	refuse(inv, "[]", 2, "not a JSON object");
	refuse(inv, "{\"v\":1,\"v\":1}", 13, "not JSON");
	/* the version is checked first, whatever else is there */
	json_t *o = with(st, "v", json_integer(2));
	refuse_json(inv, o, "version 2 not supported");
	json_decref(o);
	o = with(st, "v", json_string("1"));
	refuse_json(inv, o, "v: not an integer");
	json_decref(o);

	/* every field missing, or of a type none of them has */
	const char *k;
	json_t *v;
	json_object_foreach(good, k, v) {
		(void)v;
		json_t *c = json_deep_copy(good);
		json_object_del(c, k);
		refuse_json(inv, c, k);
		json_decref(c);
		c = json_deep_copy(good);
		json_object_set_new(c, k, json_real(1.5));
		refuse_json(inv, c, k);
		json_decref(c);
	}
	o = with(st, "extra", json_true());
	refuse_json(inv, o, "unknown field");
	json_decref(o);

	/* bad MACs and keys */
	static const char *const bad_keys[] = { "00:11:22:33:44", "zz:11:22:33:44:55",
		"00:11:22:33:44:55:66", "00-11-22-33-44-55",
		"01:00:5e:00:00:fb", "00:00:00:00:00:00", "0.0.0.0", "",
		"00:11:22:33:44:5G", "00:11:22:33:44:55\n" };
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		o = with(st, "key", json_string(bad_keys[i]));
		refuse_json(inv, o, "key");
		json_decref(o);
	}
	o = with(st, "mac", json_string("00:11:22:33:44:56"));
	refuse_json(inv, o, "mac");
	json_decref(o);
	o = with(st, "mac_random", json_true());
	refuse_json(inv, o, "mac_random");
	json_decref(o);
	json_t *arr = json_array();
	json_array_append_new(arr, json_string("zz"));
	o = with(st, "previous_macs", arr);
	refuse_json(inv, o, "previous_macs");
	json_decref(o);

	/* out of range */
	o = with(st, "confidence", json_integer(101));
	refuse_json(inv, o, "confidence");
	json_decref(o);
	o = with(st, "pkts", json_integer(-1));
	refuse_json(inv, o, "pkts");
	json_decref(o);
	o = with(st, "roles", json_integer(8));
	refuse_json(inv, o, "roles");
	json_decref(o);
	o = with(st, "first_seen", json_integer((json_int_t)(T0 + 100 * SEC)));
	refuse_json(inv, o, "first_seen after last_seen");
	json_decref(o);
	o = with(st, "hostname", json_string(
	    "0123456789012345678901234567890123456789012345678901234567890123"));
	refuse_json(inv, o, "too long");
	json_decref(o);
	o = with(st, "hostname_x", json_string("ff"));
	refuse_json(inv, o, "given twice");
	json_decref(o);
	o = with(st, "hostname", json_string("a\xc3"));	/* jansson refuses */
	json_decref(o);

	/* huge arrays */
	static const struct { const char *k; size_t n; } huge[] = {
		{ "evidence", DEV_MAX_EVIDENCE + 1 },
		{ "addresses", DEV_MAX_IPS + 1 },
		{ "remote", DEV_GATEWAY_REMOTE_IPS + 1 },
		{ "previous_macs", 3 }, { "alerts", 5 }, { "alerts", 3 },
		{ "evidence", 100000 },
	};
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		json_t *a = json_array();
		json_t *e0 = json_array_get(json_object_get(good, huge[i].k),
		    0);
		for (size_t j = 0; j < huge[i].n; j++)
			json_array_append_new(a, e0 ? json_deep_copy(e0) :
			    json_integer(1));
		o = with(st, huge[i].k, a);
		char *s = json_dumps(o, JSON_COMPACT);
		/* the largest is refused by size before parsing */
		refuse(inv, s, strlen(s), huge[i].n > 1000 ? "larger" :
		    huge[i].k);
		free(s);
		json_decref(o);
	}

	/* evidence entries: each field wrong in turn */
	json_t *ev0 = json_array_get(json_object_get(good, "evidence"), 0);
	assert_non_null(ev0);
	static const char *const evk[] = { "kind", "value", "count",
		"first_seen", "last_seen" };
	for (size_t i = 0; i < 5; i++) {
		json_t *c = json_deep_copy(good);
		json_t *e = json_array_get(json_object_get(c, "evidence"), 0);
		json_object_set_new(e, evk[i], json_null());
		refuse_json(inv, c, "evidence[0]");
		json_decref(c);
	}
	json_t *c = json_deep_copy(good);
	json_t *e = json_array_get(json_object_get(c, "evidence"), 0);
	json_object_set_new(e, "kind", json_string("no.such.kind"));
	refuse_json(inv, c, "unknown kind");
	json_decref(c);
	c = json_deep_copy(good);
	e = json_array_get(json_object_get(c, "evidence"), 0);
	json_object_set_new(e, "count", json_integer(0));
	refuse_json(inv, c, "count");
	json_decref(c);
	c = json_deep_copy(good);
	e = json_array_get(json_object_get(c, "evidence"), 0);
	json_object_set_new(e, "value_x", json_string("6g"));
	json_object_del(e, "value");
	refuse_json(inv, c, "bad hex");
	json_decref(c);
	c = json_deep_copy(good);
	e = json_array_get(json_object_get(c, "evidence"), 0);
	json_object_set_new(e, "value_x", json_string("6100"));
	json_object_del(e, "value");
	refuse_json(inv, c, "NUL");
	json_decref(c);
	c = json_deep_copy(good);	/* duplicate evidence */
	json_array_append_new(json_object_get(c, "evidence"),
	    json_deep_copy(ev0));
	refuse_json(inv, c, "duplicate");
	json_decref(c);
	c = json_deep_copy(good);
	json_object_set_new(json_object_get(json_object_get(c,
	    "identification"), "class"), "value", json_string("toaster"));
	refuse_json(inv, c, "unknown class");
	json_decref(c);
	c = json_deep_copy(good);
	json_t *ad = json_array_get(json_object_get(c, "addresses"), 0);
	json_object_set_new(ad, "ip", json_string("192.168.1.300"));
	refuse_json(inv, c, "bad ip");
	json_decref(c);

	/* and the good one is accepted, once */
	assert_int_equal(dev_count(inv), 1);
	char err[256];
	assert_int_equal(dev_restore(inv, st, len, err, sizeof(err)), 0);
	assert_int_equal(dev_count(inv), 2);
	refuse(inv, st, len, "already");
	json_decref(good);
	free(st);
	dev_free(inv);
}

/* ---- memcap, merges, odd bytes ---------------------------------------- */

static void test_memcap(void **state)
{
	(void)state;
	struct dev_inv *a = mkinv(0, NULL, NULL);
	for (unsigned i = 0; i < 40; i++) {
		uint8_t mac[6] = { 0x00, 0x11, 0x22, 0x00, 0x01, (uint8_t)i };
		feed(a, mac, MAC_BCAST, IP(192, 168, 1, 50 + i),
		    IP(255, 255, 255, 255), 1, 2, T0 + i * SEC, NULL);
	}
	struct coll c = { 0 };
	export_all(a, &c);
	assert_int_equal(c.n, 40);
	/* a small table keeps the most recently restored (= seen) ones */
	struct dev_inv *b = mkinv(1, NULL, NULL);
	size_t cap = dev_count(b);
	assert_int_equal(cap, 0);
	restore_all(b, &c);
	cap = dev_count(b);
	assert_true(cap < 40);
	assert_int_equal(dev_stats(b)->evicted, 40 - cap);
	/* the survivors are the last ones, identical */
	struct coll cb = { 0 };
	export_all(b, &cb);
	for (size_t i = 0; i < cb.n; i++) {
		const struct item *x = &c.v[40 - cap + i], *y = &cb.v[i];
		assert_string_equal(x->key, y->key);
		assert_string_equal(x->state, y->state);
	}
	print_message("memcap: %zu of 40 restored devices kept\n", cap);
	coll_free(&c);
	coll_free(&cb);
	dev_free(a);
	dev_free(b);
}

static void test_merge_stale_row(void **state)
{
	(void)state;
	struct dev_inv *a = mkinv(0, NULL, NULL);
	/* a phone on R1, exported (the store keeps its row) ... */
	dhcp_request(a, MAC_R1, "pixel", "1,3,6,15,26", "", T0);
	dhcp_ack(a, MAC_R1, IP(192, 168, 1, 60), T0 + SEC);
	char *old = state_of(a, "02:aa:bb:cc:dd:01");
	/* ... rotates to R2: merged, R1's record gone */
	dhcp_request(a, MAC_R2, "pixel", "1,3,6,15,26", "", T0 + 30 * SEC);
	assert_null(dev_inv_find_mac(a, MAC_R1));
	const struct device *d = dev_inv_find_mac(a, MAC_R2);
	assert_non_null(d);
	assert_string_equal(d->previous_macs[0], "02:aa:bb:cc:dd:01");
	char *merged = state_of(a, "06:12:34:56:78:02");
	char err[256];

	/* stale row first: the merged device replaces it */
	struct dev_inv *b = mkinv(0, NULL, NULL);
	assert_int_equal(dev_restore(b, old, strlen(old), err, sizeof(err)),
	    0);
	assert_int_equal(dev_count(b), 1);
	assert_int_equal(dev_restore(b, merged, strlen(merged), err,
	    sizeof(err)), 0);
	assert_int_equal(dev_count(b), 1);
	assert_non_null(dev_inv_find_mac(b, MAC_R2));
	dev_free(b);
	/* stale row after: skipped */
	b = mkinv(0, NULL, NULL);
	assert_int_equal(dev_restore(b, merged, strlen(merged), err,
	    sizeof(err)), 0);
	assert_int_equal(dev_restore(b, old, strlen(old), err, sizeof(err)),
	    0);
	assert_int_equal(dev_count(b), 1);
	assert_null(dev_inv_find_mac(b, MAC_R1));
	dev_free(b);
	free(old);
	free(merged);
	dev_free(a);
}

static void test_odd_bytes(void **state)
{
	(void)state;
	struct dev_inv *a = mkinv(0, NULL, NULL);
	/* host names from packets may hold any byte but NUL */
	dhcp_request(a, MAC_A, "cam\xff\xfe\x01\x7f-\xc3\xa9t\xe9", "1,3",
	    "", T0);
	char *st = state_of(a, "00:11:22:33:44:55");
	assert_non_null(strstr(st, "\"hostname_x\":\""));
	struct coll ca = { 0 }, cb = { 0 };
	export_all(a, &ca);
	struct dev_inv *b = mkinv(0, NULL, NULL);
	restore_all(b, &ca);
	export_all(b, &cb);
	assert_same(&ca, &cb);
	const struct device *d = dev_inv_find_mac(b, MAC_A);
	assert_string_equal(d->hostname, "cam\xff\xfe\x01\x7f-\xc3\xa9t\xe9");
	/* an IP-keyed device (no L2) too */
	coll_free(&ca);
	coll_free(&cb);
	free(st);
	dev_free(a);
	dev_free(b);
}

static void test_ip_keyed(void **state)
{
	(void)state;
	struct dev_inv *a = mkinv(0, NULL, NULL);
	uint8_t f[256];
	struct sim_l3 h;
	struct dec_stats ds;
	struct packet p;
	memset(&h, 0, sizeof(h));
	h.sip = IP(192, 168, 1, 9);
	h.dip = IP(192, 168, 1, 10);
	h.ttl = 64;
	/* raw IP link: no MACs */
	size_t n = sim_build_udp4(f, sizeof(f), &h, 1, 2, "x", 1);
	memset(&ds, 0, sizeof(ds));
	dec_packet(&ds, &p, DEC_LINK_RAW, f + 14, (uint32_t)(n - 14),
	    (uint32_t)(n - 14), T0);
	dev_packet(a, &p, NULL, 1, NULL);
	assert_int_equal(dev_count(a), 2);
	struct coll ca = { 0 }, cb = { 0 };
	export_all(a, &ca);
	assert_string_equal(ca.v[0].mac, "");
	struct dev_inv *b = mkinv(0, NULL, NULL);
	restore_all(b, &ca);
	export_all(b, &cb);
	assert_same(&ca, &cb);
	assert_string_equal(cb.v[0].key, "192.168.1.9");
	coll_free(&ca);
	coll_free(&cb);
	dev_free(a);
	dev_free(b);
}

/* ---- cost ------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void count_only(const struct dev_export *x, void *ud)
{
	*(size_t *)ud += x->json_len + x->state_len;
}

static void test_cost_250(void **state)
{
	(void)state;
	struct dev_inv *inv = mkinv(4u << 20, NULL, KB_PATH);
	char host[32];
	for (unsigned i = 0; i < 250; i++) {
		uint8_t mac[6] = { 0x2c, 0xaa, 0x8e, 0x00, (uint8_t)(i >> 8),
			(uint8_t)i };
		snprintf(host, sizeof(host), "device-%u", i);
		dhcp_request(inv, mac, host, "1,3,6,15,28,42", "", T0 + i);
		dhcp_ack(inv, mac, IP(192, 168, (i >> 8) + 2, i & 255),
		    T0 + i + 1);
		feed(inv, mac, MAC_GW, IP(192, 168, (i >> 8) + 2, i & 255),
		    IP(192, 168, 1, 1), 5000, 53, T0 + 2 * SEC + i, NULL);
	}
	dev_finish(inv, T0 + 10 * SEC);
	assert_int_equal(dev_count(inv), 251);

	const unsigned rounds = 200;
	size_t bytes = 0;
	uint64_t cur = 0, t = now_ns();
	for (unsigned r = 0; r < rounds; r++) {
		cur = 0;
		assert_int_equal(dev_export_changed(inv, &cur, count_only,
		    &bytes), 251);
	}
	uint64_t all = (now_ns() - t) / rounds;
	t = now_ns();
	for (unsigned r = 0; r < rounds * 100; r++)
		assert_int_equal(dev_export_changed(inv, &cur, count_only,
		    &bytes), 0);
	uint64_t none = (now_ns() - t) / (rounds * 100);
	print_message("dev_export_changed, 251 devices: all changed %llu ns "
	    "per call (%llu ns per device, %zu bytes json+state per "
	    "export); none changed %llu ns per call\n",
	    (unsigned long long)all, (unsigned long long)(all / 251),
	    bytes / rounds, (unsigned long long)none);
	dev_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changed_cursor),
		cmocka_unit_test(test_events_after_restore),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_memcap),
		cmocka_unit_test(test_merge_stale_row),
		cmocka_unit_test(test_odd_bytes),
		cmocka_unit_test(test_ip_keyed),
		cmocka_unit_test(test_roundtrip_sim),
		cmocka_unit_test(test_split_sim),
		cmocka_unit_test(test_cost_250),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
