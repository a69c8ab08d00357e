/* fuzz_store_file.c - libFuzzer target: a hostile or damaged store file
 * (`edgeward alerts --store FILE`, `devices --store`, the restore at
 * start-up) through store_open_readonly and every reader, then store_open
 * with one write and a flush: errors are fine, crashes and hangs are not.
 *
 * Input: byte 0 even -> the rest is the whole file; odd -> the rest is a
 * list of (u16 offset, u8 xor) edits on a built-in valid store, whose
 * length is cut to byte 1 * 512 when byte 1 is non-zero. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "output/store.h"

#define FZ_CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static char path[64];
static uint8_t *base;
static size_t base_len;

static void unlink_all(void)
{
	char side[80];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static void make_base(void)
{
	struct store_config cfg;
	struct alert a;
	struct alert_device d;
	char err[256];

	snprintf(path, sizeof(path), "/tmp/fuzz_store.%ld.db", (long)getpid());
	unlink_all();
	store_config_default(&cfg);
	cfg.path = path;
	cfg.threaded = 0;
	struct store *st = store_open(&cfg, err, sizeof(err));
	FZ_CHECK(st);
	memset(&d, 0, sizeof(d));
	snprintf(d.mac, sizeof(d.mac), "02:00:00:00:00:01");
	for (unsigned i = 0; i < 20; i++) {
		alert_init(&a, 1000 + i, ALERT_CAT_SCAN, (uint8_t)(1 + i % 3),
		    "T1046", "scan", 1000000000ull * i);
		alert_signature(&a, "sig %u", i);
		alert_kv_num(&a, "n", i);
		store_put_alert(st, &a, &d);
		struct store_device dv = { .key = d.mac, .mac = d.mac,
		    .first_seen = 1, .last_seen = i, .json = "{\"mac\":1}",
		    .json_len = 9, .state = "s", .state_len = 1 };
		store_put_device(st, &dv);
	}
	store_put_baseline(st, "k", "dest", 5, "{}", 2);
	store_put_model(st, 5, "m.bin", "learning", 3);
	store_run_begin(st, "x.pcap", 1);
	store_put_stats(st, 2, "{}", 2);
	store_run_end(st, 3);
	FZ_CHECK(store_close(st, err, sizeof(err)) == 0);
	FILE *fp = fopen(path, "rb");
	FZ_CHECK(fp);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	FZ_CHECK(n > 0);
	fseek(fp, 0, SEEK_SET);
	base_len = (size_t)n;
	base = malloc(base_len);
	FZ_CHECK(base && fread(base, 1, base_len, fp) == base_len);
	fclose(fp);
}

static int on_dev(const struct store_device *d, void *ud)
{
	(void)ud;
	FZ_CHECK(d->key && d->json && d->state);
	return 0;
}

static int on_alert(const struct store_alert_row *r, void *ud)
{
	(void)ud;
	FZ_CHECK(r->json && r->category && r->device_key);
	return 0;
}

static int on_base(const char *k, const char *kind, uint64_t ts,
    const char *json, void *ud)
{
	(void)ts;
	(void)ud;
	FZ_CHECK(k && kind && json);
	return 0;
}

static void exercise(const uint8_t *b, size_t n)
{
	char err[256], mp[64], ph[32];
	uint64_t ts, trained;
	unlink_all();
	FILE *fp = fopen(path, "wb");
	FZ_CHECK(fp);
	if (n)
		FZ_CHECK(fwrite(b, 1, n, fp) == n);
	fclose(fp);

	struct store *st = store_open_readonly(path, err, sizeof(err));
	if (st) {
		struct store_alert_filter f = { .since_ns = 3000000000ull,
		    .device = "02:00:00:00:00:01", .max_severity = 2,
		    .limit = 5 };
		store_each_device(st, on_dev, NULL);
		store_each_alert(st, NULL, on_alert, NULL);
		store_each_alert(st, &f, on_alert, NULL);
		store_each_baseline(st, on_base, NULL);
		store_newest_alert_ts(st, &ts);
		store_last_model(st, &ts, mp, sizeof(mp), ph, sizeof(ph),
		    &trained);
		store_close(st, err, sizeof(err));
	}
	struct store_config cfg;
	store_config_default(&cfg);
	cfg.path = path;
	cfg.threaded = 0;
	cfg.max_bytes = 64 * 1024;
	st = store_open(&cfg, err, sizeof(err));
	if (st) {
		store_put_baseline(st, "k", "dest", 9, "{}", 2);
		store_put_stats(st, 9, "{}", 2);
		store_flush(st);
		store_each_device(st, on_dev, NULL);
		store_close(st, err, sizeof(err));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base)
		make_base();
	if (size < 2)
		return 0;
	if ((data[0] & 1) == 0) {
		exercise(data + 1, size - 1);
		return 0;
	}
	uint8_t *buf = malloc(base_len);
	FZ_CHECK(buf);
	memcpy(buf, base, base_len);
	for (size_t i = 2; i + 3 <= size; i += 3) {
		size_t off = ((size_t)data[i] << 8 | data[i + 1]) % base_len;
		buf[off] ^= data[i + 2];
	}
	size_t len = base_len;
	if (data[1] && (size_t)data[1] * 512 < len)
		len = (size_t)data[1] * 512;
	exercise(buf, len);
	free(buf);
	return 0;
}
