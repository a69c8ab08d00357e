/* fuzz_dev_restore.c - device state blobs from a damaged or hostile store.
 *
 * The first input byte picks the mode: even, the rest is the blob as is;
 * odd, the rest patches a built-in valid blob (pairs of [offset, byte]),
 * so mutations stay close to well-formed JSON and reach the field checks.
 * Invariants: a refused blob sets err and changes nothing (no device
 * exported as changed); an accepted one exports a state blob that
 * restores into a fresh inventory and exports back byte-identical; the
 * table never passes its capacity. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/inv_int.h"
#include "fuzz.h"

static const char tmpl[] =
    "{\"v\":1,\"key\":\"06:12:34:56:78:02\",\"mac\":\"06:12:34:56:78:02\","
    "\"mac_random\":true,\"roles\":4,\"first_seen\":1700000000000000000,"
    "\"last_seen\":1700000030000000000,\"pkts\":12,\"bytes\":3456,"
    "\"bytes_clear\":100,\"bytes_enc\":200,\"hostname_x\":\"7069ff78\","
    "\"name_src\":3,\"previous_macs\":[\"02:aa:bb:cc:dd:01\"],"
    "\"addresses\":[{\"ip\":\"192.168.1.60\",\"first_seen\":"
    "1700000001000000000,\"last_seen\":1700000002000000000},{\"ip\":"
    "\"fe80::1\",\"first_seen\":1700000003000000000,\"last_seen\":"
    "1700000030000000000}],\"evidence\":[{\"kind\":\"dhcp.hostname\","
    "\"value_x\":\"7069ff78\",\"count\":2,\"first_seen\":"
    "1700000000000000000,\"last_seen\":1700000030000000000},{\"kind\":"
    "\"dhcp.prl\",\"value\":\"1,3,6,15,26\",\"count\":1,\"first_seen\":"
    "1700000000000000000,\"last_seen\":1700000000000000000},{\"kind\":"
    "\"mdns.txt\",\"value\":\"md=Chromecast \\u00e9\\u0001\",\"count\":3,"
    "\"first_seen\":1700000000000000000,\"last_seen\":1700000000000000000}"
    "],\"evidence_dropped\":1,\"identification\":{\"vendor\":{\"value\":"
    "\"Google\",\"confidence\":80,\"why\":\"mdns.service=_googlecast\"},"
    "\"class\":{\"value\":\"tv/streamer\",\"confidence\":80,\"why\":\"x\"},"
    "\"model\":{\"value\":\"\",\"confidence\":0,\"why\":\"\"},\"os\":"
    "{\"value\":\"\",\"confidence\":0,\"why\":\"\"},\"label\":{\"value\":"
    "\"\",\"confidence\":0,\"why\":\"\"}},\"confidence\":80,"
    "\"ident_version\":2,\"ident_reported\":1,\"alerts\":[0,1,2,3],"
    "\"last_classify\":1700000029000000000,\"dirty\":true,\"reported\":"
    "true,\"merged\":1,\"remote\":[1,4294967295]}";

static struct dev_inv *inv, *chk;
static uint64_t cursor;

static struct dev_inv *mk(void)
{
	struct dev_config dc;
	char err[256];
	dev_config_default(&dc);
	dc.memcap = 1;			/* the smallest table: evictions */
	struct dev_inv *v = dev_new(&dc, NULL, NULL, err, sizeof(err));
	if (!v)
		__builtin_trap();
	return v;
}

struct got {
	size_t n;
	char *state;
	size_t len;
};

static void grab(const struct dev_export *x, void *ud)
{
	struct got *g = ud;
	g->n++;
	free(g->state);
	g->state = malloc(x->state_len + 1);
	if (!g->state)
		__builtin_trap();
	memcpy(g->state, x->state, x->state_len);
	g->state[x->state_len] = '\0';
	g->len = x->state_len;
	if (!x->key || !x->mac || !x->ip || !x->vendor || !x->cls ||
	    !x->model || !x->name || !x->json || strlen(x->json) != x->json_len)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[sizeof(tmpl) + 4096];
	const char *blob;
	size_t len;
	char err[256];

	if (size < 1)
		return 0;
	if (!inv) {
		inv = mk();
		chk = mk();
		dev_export_changed(inv, &cursor, NULL, NULL);
	}
	if (data[0] & 1) {
		memcpy(buf, tmpl, sizeof(tmpl) - 1);
		len = sizeof(tmpl) - 1;
		for (size_t i = 1; i + 2 <= size; i += 2) {
			size_t off = data[i] * 7u % (len + 1);
			if (off == len && len < sizeof(buf))
				len++;
			buf[off] = (char)data[i + 1];
		}
		blob = buf;
	} else {
		blob = (const char *)data + 1;
		len = size - 1;
	}

	size_t before = dev_count(inv);
	err[0] = '\0';
	int rc = dev_restore(inv, blob, len, err, sizeof(err));
	struct got g = { 0, NULL, 0 };
	dev_export_changed(inv, &cursor, grab, &g);
	if (rc != 0) {
		/* refused: a reason, and nothing changed */
		if (rc != -1 || !err[0] || g.n != 0 || dev_count(inv) != before)
			__builtin_trap();
	} else if (g.n > 1) {
		__builtin_trap();
	} else if (g.n == 1) {
		/* accepted: its export restores (into an empty inventory) to
		 * the same bytes; then it leaves that inventory again */
		uint64_t c = 0;
		struct got g2 = { 0, NULL, 0 };
		if (dev_count(chk) != 0 ||
		    dev_restore(chk, g.state, g.len, err, sizeof(err)) != 0)
			__builtin_trap();
		dev_export_changed(chk, &c, grab, &g2);
		if (g2.n != 1 || g2.len != g.len ||
		    memcmp(g2.state, g.state, g.len) != 0)
			__builtin_trap();
		free(g2.state);
		dev_rec_remove(chk, lrutab_first(chk->devs));
	}
	free(g.state);
	if (dev_count(inv) > 64)
		__builtin_trap();
	return 0;
}
