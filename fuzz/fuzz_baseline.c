/* fuzz_baseline.c - baseline blobs and acknowledged alerts from a damaged
 * or hostile store.
 *
 * First byte: 0 mod 3, the rest is a "learned" blob for bl_restore; 1, an
 * alert JSON for bl_fold_alert; 2, pairs of [offset, byte] patching a
 * valid blob, so mutations stay near well-formed JSON. Invariants: a
 * refused blob changes nothing (no device to export); an accepted one
 * exports a blob that restores into a fresh table and exports back
 * byte-identical; folding never crashes whatever the JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/baseline.h"
#include "fuzz.h"

static const char tmpl[] =
    "{\"v\":1,\"key\":\"02:00:00:00:01:14\",\"mac\":\"02:00:00:00:01:14\","
    "\"ip\":\"192.168.1.20\",\"class\":\"camera\",\"first_seen\":1000,"
    "\"last_seen\":9000,\"learn_until\":4600,\"phase\":\"active\","
    "\"remotes\":[{\"ip\":\"8.8.4.4\",\"name\":\"cloud.example.com\","
    "\"cc\":\"US\",\"proto\":6,\"port\":443,\"n\":3,\"first\":1,\"last\":2}],"
    "\"peers\":[{\"ip\":\"192.168.1.1\",\"mac\":\"02:00:00:00:01:01\","
    "\"proto\":17,\"port\":53,\"dir\":\"out\",\"n\":4,\"first\":1,"
    "\"last\":2}],\"services\":[{\"proto\":6,\"port\":443}],"
    "\"listen\":[{\"proto\":6,\"port\":80,\"from\":\"local\"}],"
    "\"countries\":[\"US\"],\"apps\":[\"TLS\"],\"volume\":{\"bucket_s\":60,"
    "\"out_mean\":10.5,\"out_dev\":2.5,\"out_max\":900.0,\"in_mean\":3.0,"
    "\"in_max\":50.0,\"buckets\":77},\"hours\":[1,2,23],\"state\":"
    "{\"domains\":[12345],\"budget\":[[1.0,2.0,3,4],[0,0,0,0]],"
    "\"bucket\":150,\"hours_ok\":true}}";

static struct baseline *mk(void)
{
	struct bl_config cfg;
	struct homenet hn;
	char err[256];

	bl_config_default(&cfg);
	cfg.geo_off = 1;
	cfg.memcap = 64u << 10;	/* a few devices: fast iterations */
	homenet_default(&hn);
	struct baseline *b = bl_new(&cfg, &hn, NULL, NULL, NULL, err,
	    sizeof(err));
	if (!b)
		__builtin_trap();
	return b;
}

struct grab { char *buf; size_t len; size_t n; };

static void grab(const char *key, uint64_t ts, const char *json, size_t len,
    void *ud)
{
	struct grab *g = ud;
	(void)key;
	(void)ts;
	free(g->buf);
	g->buf = malloc(len + 1);
	if (!g->buf)
		__builtin_trap();
	memcpy(g->buf, json, len);
	g->buf[len] = 0;
	g->len = len;
	g->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], *in;
	size_t len;

	if (size < 1)
		return 0;
	if (data[0] % 3 == 2) {
		len = sizeof(tmpl) - 1;
		in = malloc(len + 1);
		if (!in)
			return 0;
		memcpy(in, tmpl, len + 1);
		for (size_t i = 1; i + 1 < size; i += 2)
			in[data[i] % len] = (char)data[i + 1];
	} else {
		len = size - 1;
		in = malloc(len + 1);
		if (!in)
			return 0;
		memcpy(in, data + 1, len);
		in[len] = 0;
	}
	struct baseline *b = mk();
	if (data[0] % 3 == 1) {
		(void)bl_fold_alert(b, in, len);
		bl_free(b);
		free(in);
		return 0;
	}
	struct grab g1 = { 0 }, g2 = { 0 }, g3 = { 0 };
	uint64_t cur = 0;
	int r = bl_restore(b, in, len, err, sizeof(err));
	bl_export_changed(b, &cur, grab, &g1);
	if (r < 0 && g1.n)
		__builtin_trap();	/* refused, yet something changed */
	if (r == 0) {
		if (g1.n != 1)
			__builtin_trap();
		/* one pass normalises (sets deduplicated, numbers rounded);
		 * after it the blob is a fixed point */
		struct baseline *c = mk(), *e = mk();
		if (bl_restore(c, g1.buf, g1.len, err, sizeof(err)) != 0)
			__builtin_trap();
		cur = 0;
		bl_export_changed(c, &cur, grab, &g2);
		if (bl_restore(e, g2.buf, g2.len, err, sizeof(err)) != 0)
			__builtin_trap();
		cur = 0;
		bl_export_changed(e, &cur, grab, &g3);
		if (g2.len != g3.len || memcmp(g2.buf, g3.buf, g2.len) != 0)
			__builtin_trap();
		bl_free(c);
		bl_free(e);
	}
	free(g1.buf);
	free(g2.buf);
	free(g3.buf);
	bl_free(b);
	free(in);
	return 0;
}
