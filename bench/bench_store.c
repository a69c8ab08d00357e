/* bench_store.c - the store's write rate: alerts (inserts) and device
 * upserts, threaded writer, BATCH rows per store_flush, on a fresh file in
 * DIR. Prints rows/s committed end to end (first put to last commit; the
 * producer waits when half the queue is full, so nothing is dropped), the
 * caller's cost per put + flush (what the packet path pays: copy and, for
 * alerts, the EVE JSON), the file size and peak RSS.
 *
 *   build/bench_store [DIR [ROWS [BATCH]]]     (defaults /tmp 200000 1000)
 *
 * No assertions: the figures go into closing notes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "detect/alert.h"
#include "output/store.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void unlink_store(const char *path)
{
	char side[4200];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static struct store *open_fresh(const char *path)
{
	struct store_config cfg;
	char err[256];
	unlink_store(path);
	store_config_default(&cfg);
	cfg.path = path;
	cfg.threaded = 1;
	struct store *st = store_open(&cfg, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "bench_store: %s\n", err);
		exit(1);
	}
	return st;
}

/* The bench measures what the writer can commit, so the producer waits
 * when half the queue is used instead of letting rows be dropped (the
 * sensor never waits: it drops and counts). */
static void throttle(struct store *st)
{
	struct store_status ss;
	store_get_status(st, &ss);
	if (ss.queue_bytes > STORE_QUEUE_MEMCAP / 2)
		store_wait(st);
}

static void report(const char *what, struct store *st, unsigned long rows,
    unsigned long batch, double t_put, double t_all)
{
	struct store_status ss;
	store_get_status(st, &ss);
	printf("%-8s rows %8lu  batch %5lu  %10.0f rows/s  put %6.0f ns/row  "
	    "written %llu dropped %llu commits %llu  file %.1f MiB\n", what,
	    rows, batch, (double)rows / t_all, t_put * 1e9 / (double)rows,
	    (unsigned long long)ss.rows_written,
	    (unsigned long long)ss.rows_dropped,
	    (unsigned long long)ss.commits, (double)ss.bytes / 1048576.0);
}

static void bench_alerts(const char *path, unsigned long rows,
    unsigned long batch)
{
	struct alert a;
	struct alert_device d;
	struct store *st = open_fresh(path);
	double t_put = 0, t0 = now_s();

	memset(&d, 0, sizeof(d));
	d.known = 1;
	snprintf(d.vendor, sizeof(d.vendor), "Acme");
	snprintf(d.cls, sizeof(d.cls), "camera");
	for (unsigned long i = 0; i < rows; i++) {
		uint8_t ip[4] = { 192, 168, 1, (uint8_t)(i % 200 + 2) };
		uint8_t dst[4] = { 52, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		    (uint8_t)i };
		double t1 = now_s();
		alert_init(&a, 2100, ALERT_CAT_C2_BEACON, 3, "T1071", "beacon",
		    1700000000000000000ull + i * 1000000000ull);
		addr_set4(&a.src, ip);
		addr_set4(&a.dst, dst);
		a.dest_port = 443;
		a.proto = 6;
		a.count = 24;
		alert_signature(&a, "Periodic connections to host-%lu", i % 977);
		alert_text(&a, "24 connections every 864.1 s (jitter 0.17, "
		    "threshold 0.35; at least 8 repetitions)");
		alert_kv_num(&a, "period_s", 864.1);
		alert_kv_num(&a, "jitter", 0.17);
		alert_kv_num(&a, "threshold", 0.35);
		snprintf(d.mac, sizeof(d.mac), "02:00:00:00:00:%02x",
		    (unsigned)(i % 200));
		snprintf(d.ip, sizeof(d.ip), "192.168.1.%u",
		    (unsigned)(i % 200 + 2));
		store_put_alert(st, &a, &d);
		if ((i + 1) % batch == 0)
			store_flush(st);
		t_put += now_s() - t1;
		throttle(st);
	}
	store_flush(st);
	store_wait(st);
	report("alerts", st, rows, batch, t_put, now_s() - t0);
	store_close(st, NULL, 0);
}

static void bench_devices(const char *path, unsigned long rows,
    unsigned long batch, unsigned ndev)
{
	char key[32], ip[32], json[600];
	struct store *st = open_fresh(path);
	double t_put = 0, t0 = now_s();

	for (unsigned long i = 0; i < rows; i++) {
		unsigned h = (unsigned)(i % ndev);
		double t1 = now_s();
		snprintf(key, sizeof(key), "02:00:00:00:%02x:%02x", h >> 8,
		    h & 0xff);
		snprintf(ip, sizeof(ip), "10.0.%u.%u", h >> 8, h & 0xff);
		int n = snprintf(json, sizeof(json), "{\"mac\":\"%s\",\"ips\":"
		    "[\"%s\"],\"vendor\":\"Acme\",\"class\":\"camera\","
		    "\"model\":\"C3\",\"os\":\"Linux\",\"confidence\":90,"
		    "\"hostname\":\"cam-%u\",\"last_seen\":%lu,\"evidence\":"
		    "[\"dhcp option 55\",\"oui\",\"mdns _hap._tcp\"]}", key, ip,
		    h, i);
		struct store_device d = {
			.key = key, .mac = key, .ip = ip, .vendor = "Acme",
			.cls = "camera", .model = "C3", .name = "",
			.first_seen = 1, .last_seen = i,
			.json = json, .json_len = (size_t)n,
			.state = json, .state_len = (size_t)n,
		};
		store_put_device(st, &d);
		if ((i + 1) % batch == 0)
			store_flush(st);
		t_put += now_s() - t1;
		throttle(st);
	}
	store_flush(st);
	store_wait(st);
	report("devices", st, rows, batch, t_put, now_s() - t0);
	store_close(st, NULL, 0);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	unsigned long rows = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000;
	unsigned long batch = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
	char path[4096];
	struct rusage ru;

	if (!rows || !batch) {
		fprintf(stderr, "usage: bench_store [DIR [ROWS [BATCH]]]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/bench_store.%ld.db", dir,
	    (long)getpid());
	bench_alerts(path, rows, batch);
	bench_devices(path, rows, batch, 1000);
	unlink_store(path);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %ld KiB\n", ru.ru_maxrss);
	return 0;
}
