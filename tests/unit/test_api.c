/* test_api.c - the HTTP API: request parsing (targets, parameters, times,
 * the ack body), the token file, the new store readers (traffic deltas'
 * input, acks, a v1 file) and the JSON shapes over a real socket from a
 * store filled with store_put_*. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api_int.h"
#include "api/assets.h"
#include "detect/alert.h"
#include "output/store.h"
#include "util/addr.h"
#include "tmpdir.h"

/* Throwaway asset table so this test links before the generated
 * build/gen/web_assets.c is wired in; with it in the library, these
 * definitions win and that object is simply not pulled in. */
static const unsigned char page[] = "<!doctype html><p>t</p>";
const struct api_asset api_assets[] = {
	{ "/", "text/html; charset=utf-8", page, sizeof(page) - 1 },
};
const size_t api_assets_count = 1;

#define SEC 1000000000ull

/* ---- params --------------------------------------------------------------- */

static int split(const char *s, struct api_query *q)
{
	char err[160];
	return api_split_target(s, strlen(s), q, err, sizeof(err));
}

static void test_split_target(void **state)
{
	struct api_query q;
	(void)state;
	assert_int_equal(split("/api/v1/alerts?severity=1&device=aa%3Abb&q=a+b",
	    &q), 0);
	assert_string_equal(q.path, "/api/v1/alerts");
	assert_int_equal(q.n, 3);
	assert_string_equal(api_param(&q, "severity"), "1");
	assert_string_equal(api_param(&q, "device"), "aa:bb");
	assert_string_equal(api_param(&q, "q"), "a b");
	assert_null(api_param(&q, "limit"));
	/* path escapes decoded, no '+' magic in the path */
	assert_int_equal(split("/a%2Fb+c", &q), 0);
	assert_string_equal(q.path, "/a/b+c");
	/* empty pairs skipped; a key without '=' has an empty value */
	assert_int_equal(split("/x?&a&&b=", &q), 0);
	assert_int_equal(q.n, 2);
	assert_string_equal(api_param(&q, "a"), "");
	/* refused */
	assert_int_equal(split("/x?a=%zz", &q), -1);
	assert_int_equal(split("/x?a=%4", &q), -1);
	assert_int_equal(split("/x?a=%00", &q), -1);
	assert_int_equal(split("/x%0a", &q), -1);
	assert_int_equal(split("/x?=1", &q), -1);
	assert_int_equal(split("x", &q), -1);
	assert_int_equal(split("", &q), -1);
	char many[512] = "/x?";
	for (int i = 0; i < API_MAX_PARAMS; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "p%d=1&", i);
	assert_int_equal(split(many, &q), 0);		/* exactly the max */
	strcat(many, "one=more");
	assert_int_equal(split(many, &q), -1);
	char *lng = malloc(API_MAX_URL + 2);
	memset(lng, 'a', API_MAX_URL + 1);
	lng[0] = '/';
	lng[API_MAX_URL + 1] = '\0';
	assert_int_equal(split(lng, &q), -1);		/* one over */
	lng[API_MAX_URL] = '\0';
	assert_int_equal(split(lng, &q), 0);		/* at the limit */
	free(lng);
}

static void test_params_check(void **state)
{
	static const char *const allowed[] = { "limit", "offset", NULL };
	struct api_query q;
	char err[160];
	(void)state;
	assert_int_equal(split("/x?limit=1&offset=2", &q), 0);
	assert_int_equal(api_params_check(&q, allowed, err, sizeof(err)), 0);
	assert_int_equal(split("/x?limit=1&foo=2", &q), 0);
	assert_int_equal(api_params_check(&q, allowed, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown parameter: foo");
	assert_int_equal(split("/x?limit=1&limit=2", &q), 0);
	assert_int_equal(api_params_check(&q, allowed, err, sizeof(err)), -1);
	assert_string_equal(err, "repeated parameter: limit");
	assert_int_equal(split("/x?limit=1", &q), 0);
	assert_int_equal(api_params_check(&q, NULL, err, sizeof(err)), -1);
}

static void test_parse_uint(void **state)
{
	uint64_t v = 0;
	char err[160];
	(void)state;
	assert_int_equal(api_parse_uint("limit", "1000", 1, 1000, &v, err,
	    sizeof(err)), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(api_parse_uint("limit", "1001", 1, 1000, &v, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "limit: must be an integer from 1 to 1000");
	assert_int_equal(api_parse_uint("limit", "0", 1, 1000, &v, err,
	    sizeof(err)), -1);
	assert_int_equal(api_parse_uint("l", "-1", 0, 9, &v, err, sizeof(err)),
	    -1);
	assert_int_equal(api_parse_uint("l", " 1", 0, 9, &v, err, sizeof(err)),
	    -1);
	assert_int_equal(api_parse_uint("l", "1x", 0, 9, &v, err, sizeof(err)),
	    -1);
	assert_int_equal(api_parse_uint("l", "", 0, 9, &v, err, sizeof(err)),
	    -1);
	assert_int_equal(api_parse_uint("l", "99999999999999999999", 0,
	    UINT64_MAX, &v, err, sizeof(err)), -1);	/* 20 digits */
	int64_t id;
	assert_int_equal(api_parse_id("42", &id), 0);
	assert_int_equal(id, 42);
	assert_int_equal(api_parse_id("0", &id), -1);
	assert_int_equal(api_parse_id("9223372036854775808", &id), -1);
	assert_int_equal(api_parse_id("9223372036854775807", &id), 0);
}

static void test_parse_time(void **state)
{
	uint64_t ns = 0;
	char err[160];
	(void)state;
#define T_OK(s, want) do { assert_int_equal(api_parse_time("since", s, &ns, \
	err, sizeof(err)), 0); assert_int_equal(ns, want); } while (0)
#define T_BAD(s) assert_int_equal(api_parse_time("since", s, &ns, err, \
	sizeof(err)), -1)
	T_OK("1700000000", 1700000000ull * SEC);
	T_OK("0", 0);
	T_OK("2023-11-14T22:13:20Z", 1700000000ull * SEC);
	T_OK("2023-11-14T22:13:20+0000", 1700000000ull * SEC);
	T_OK("2023-11-14T23:13:20+01:00", 1700000000ull * SEC);
	T_OK("2023-11-14T21:13:20-0100", 1700000000ull * SEC);
	T_OK("2023-11-14T22:13:20.387575+0000", 1700000000ull * SEC +
	    387575000ull);
	T_OK("2024-02-29T00:00:00Z", 1709164800ull * SEC);
	T_OK("1970-01-01T00:00:00Z", 0);
	T_BAD("2023-02-29T00:00:00Z");		/* not a leap year */
	T_BAD("2023-11-14T22:13:20");		/* no zone */
	T_BAD("2023-11-14 22:13:20Z");
	T_BAD("2023-13-01T00:00:00Z");
	T_BAD("2023-11-31T00:00:00Z");
	T_BAD("2023-11-14T24:00:00Z");
	T_BAD("1969-12-31T23:59:59Z");
	T_BAD("2023-11-14T22:13:20.Z");
	T_BAD("2023-11-14T22:13:20Zjunk");
	T_BAD("-1");
	T_BAD("");
	T_BAD("9223372036");			/* past 2262: would overflow ns */
	T_OK("9223372035", 9223372035ull * SEC);
	T_BAD("yesterday");
	assert_non_null(strstr(err, "since:"));
}

static void test_parse_ack(void **state)
{
	char note[API_NOTE_MAX * 4 + 1], err[160], body[1200];
	int exp = -1;
	(void)state;
#define ACK(s) api_parse_ack(s, strlen(s), &exp, note, sizeof(note), err, \
	sizeof(err))
	assert_int_equal(ACK(""), 0);
	assert_int_equal(exp, 0);
	assert_string_equal(note, "");
	assert_int_equal(ACK(" \n"), 0);
	assert_int_equal(ACK("{}"), 0);
	assert_int_equal(ACK("{\"expected\":true,\"note\":\"fw \\u00e9\"}"), 0);
	assert_int_equal(exp, 1);
	assert_string_equal(note, "fw \xc3\xa9");
	assert_int_equal(ACK("{\"expected\":1}"), -1);
	assert_non_null(strstr(err, "expected"));
	assert_int_equal(ACK("{\"note\":5}"), -1);
	assert_int_equal(ACK("{\"other\":true}"), -1);
	assert_int_equal(ACK("[true]"), -1);
	assert_int_equal(ACK("{\"expected\":"), -1);
	assert_string_equal(err, "body: not valid JSON");
	assert_int_equal(ACK("{\"expected\":true,\"expected\":false}"), -1);
	assert_int_equal(ACK("{\"note\":\"a\\u0000b\"}"), -1);
	/* 200 characters fit, 201 do not; counted in characters (é = 2 B) */
	strcpy(body, "{\"note\":\"");
	for (int i = 0; i < API_NOTE_MAX; i++)
		strcat(body, "\xc3\xa9");
	strcat(body, "\"}");
	assert_int_equal(ACK(body), 0);
	assert_int_equal(strlen(note), 2 * API_NOTE_MAX);
	body[strlen(body) - 2] = '\0';
	strcat(body, "x\"}");
	assert_int_equal(ACK(body), -1);
	assert_non_null(strstr(err, "note"));
}

static void test_parse_listen(void **state)
{
	char host[64], err[160];
	uint16_t port = 8765;
	(void)state;
	assert_int_equal(api_parse_listen("0.0.0.0:80", host, sizeof(host),
	    &port, err, sizeof(err)), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(port, 80);
	assert_int_equal(api_parse_listen("[::1]:9000", host, sizeof(host),
	    &port, err, sizeof(err)), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 9000);
	assert_int_equal(api_parse_listen("10.0.0.1", host, sizeof(host),
	    &port, err, sizeof(err)), 0);
	assert_int_equal(port, 9000);			/* kept */
	assert_int_equal(api_parse_listen("h:70000", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	assert_int_equal(api_parse_listen("[::1", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	assert_int_equal(api_parse_listen("", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
}

/* ---- token file ------------------------------------------------------------ */

static void test_token_file(void **state)
{
	char path[128], tok[API_TOKEN_MAX + 1], tok2[API_TOKEN_MAX + 1];
	char err[256];
	struct stat sb;
	int created = 0;
	(void)state;
	snprintf(path, sizeof(path), "%s/t.token", dir);
	unlink(path);
	mode_t old = umask(0);			/* umask-proof: still 0600 */
	assert_int_equal(api_token_load(path, tok, sizeof(tok), &created, err,
	    sizeof(err)), 0);
	umask(old);
	assert_int_equal(created, 1);
	assert_int_equal(strlen(tok), 64);
	assert_int_equal(strspn(tok, "0123456789abcdef"), 64);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(api_token_load(path, tok2, sizeof(tok2), &created, err,
	    sizeof(err)), 0);
	assert_int_equal(created, 0);
	assert_string_equal(tok, tok2);		/* read back, newline gone */

	/* a token written by hand: CRLF stripped, kept as is */
	FILE *fp = fopen(path, "w");
	fputs("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345-_.~\r\n", fp);
	fclose(fp);
	assert_int_equal(api_token_load(path, tok, sizeof(tok), &created, err,
	    sizeof(err)), 0);
	assert_string_equal(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345-_.~");
	/* too short, a space, two lines: refused with a message */
	const char *bad[] = { "short\n", "ABCDEFGHIJKLMNOP QRSTUVWXYZ0123456\n",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\nsecond line\n" };
	for (size_t i = 0; i < 3; i++) {
		fp = fopen(path, "w");
		fputs(bad[i], fp);
		fclose(fp);
		err[0] = '\0';
		assert_int_equal(api_token_load(path, tok, sizeof(tok),
		    &created, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "token must be"));
	}
	/* never written through a planted symlink */
	char target[128];
	snprintf(target, sizeof(target), "%s/victim", dir);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(api_token_load(path, tok, sizeof(tok), &created, err,
	    sizeof(err)), -1);
	assert_int_equal(access(target, F_OK), -1);
	unlink(path);
	char def[256];
	api_token_default_path("/var/lib/edgeward/ew.db", def, sizeof(def));
	assert_string_equal(def, "/var/lib/edgeward/api.token");
	api_token_default_path("ew.db", def, sizeof(def));
	assert_string_equal(def, "api.token");
}

/* ---- a store, the readers, the server ----------------------------------- */

static char dbpath[128];

static void make_alert(struct alert *a, uint64_t ts, uint8_t sev,
    unsigned host)
{
	const uint8_t s4[4] = { 192, 168, 1, (uint8_t)host };
	const uint8_t d4[4] = { 10, 0, 0, 7 };
	alert_init(a, 1000 + sev, ALERT_CAT_SCAN, sev, "T1046", "scan", ts);
	a->ts_end = ts + 30 * SEC;
	addr_set4(&a->src, s4);
	addr_set4(&a->dst, d4);
	a->proto = 6;
	a->has_src_mac = 1;
	memcpy(a->src_mac, (const uint8_t[6]){ 2, 0, 0, 0, 0, (uint8_t)host },
	    6);
	alert_signature(a, "Port scan from host %u <script>", host);
	alert_text(a, "scanned %u ports", 100 + host);
}

static void put_dev(struct store *st, unsigned host, uint64_t last,
    uint64_t pkts, uint64_t bytes)
{
	char key[32], ip[32], json[512];
	snprintf(key, sizeof(key), "02:00:00:00:00:%02x", host);
	snprintf(ip, sizeof(ip), "192.168.1.%u", host);
	snprintf(json, sizeof(json), "{\"mac\":\"%s\",\"ips\":[\"%s\"],"
	    "\"os\":\"Linux\",\"confidence\":80,\"pkts\":%llu,\"bytes\":%llu,"
	    "\"evidence\":[{\"kind\":\"dns.query\",\"value\":\"cloud.example\","
	    "\"count\":3,\"last_seen\":\"x\"},{\"kind\":\"app_proto\","
	    "\"value\":\"TLS\",\"count\":2},{\"kind\":\"oui\",\"value\":\"A\"}]}",
	    key, ip, (unsigned long long)pkts, (unsigned long long)bytes);
	struct store_device d = {
		.key = key, .mac = key, .ip = ip, .vendor = "Acme",
		.cls = host % 2 ? "camera" : "plug", .name = "",
		.first_seen = 1000 * SEC, .last_seen = last,
		.pkts = pkts, .bytes = bytes,
		.json = json, .json_len = strlen(json), .state = "", .state_len = 0,
	};
	store_put_device(st, &d);
}

static struct store *fill_store(void)
{
	struct store_config cfg;
	char err[256];
	struct alert a;
	struct alert_device d;
	char side[160];
	snprintf(dbpath, sizeof(dbpath), "%s/api.db", dir);
	unlink(dbpath);
	snprintf(side, sizeof(side), "%s-wal", dbpath);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", dbpath);
	unlink(side);
	store_config_default(&cfg);
	cfg.path = dbpath;
	cfg.threaded = 0;
	struct store *st = store_open(&cfg, err, sizeof(err));
	if (!st)
		fail_msg("store_open: %s", err);
	/* device 1: three exports in three buckets, then a counter reset */
	put_dev(st, 1, 1000 * SEC, 10, 1000);
	put_dev(st, 1, 1100 * SEC, 15, 1500);	/* same bucket: replaces */
	put_dev(st, 1, 1300 * SEC, 40, 4000);
	put_dev(st, 1, 1700 * SEC, 5, 500);	/* restart */
	put_dev(st, 2, 1200 * SEC, 7, 700);
	put_dev(st, 3, 1250 * SEC, 9, 900);
	for (unsigned i = 0; i < 5; i++) {
		make_alert(&a, (1000 + i * 100) * SEC, (uint8_t)(1 + i % 3),
		    i < 3 ? 1 : 2);
		memset(&d, 0, sizeof(d));
		d.known = 1;
		snprintf(d.mac, sizeof(d.mac), "02:00:00:00:00:%02x",
		    i < 3 ? 1 : 2);
		store_put_alert(st, &a, &d);
	}
	store_flush(st);
	assert_int_equal(store_wait(st), 0);
	return st;
}

static void test_store_readers(void **state)
{
	struct store_traffic_point pt[8];
	size_t n = 0;
	(void)state;
	struct store *st = fill_store();
	assert_int_equal(store_traffic(st, "02:00:00:00:00:01", 0, pt, 8, &n),
	    0);
	assert_int_equal(n, 3);				/* buckets 900, 1200, 1500 s */
	assert_int_equal(pt[0].ts, 900 * SEC);
	assert_int_equal(pt[0].pkts, 15);		/* the bucket's last export */
	assert_int_equal(pt[1].pkts, 40);
	assert_int_equal(pt[2].pkts, 5);
	assert_int_equal(store_traffic(st, "02:00:00:00:00:01", 1299 * SEC, pt,
	    8, &n), 0);
	assert_int_equal(n, 2);				/* until */
	assert_int_equal(store_traffic(st, "02:00:00:00:00:01", 0, pt, 1, &n),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(pt[0].ts, 1500 * SEC);	/* the newest */

	uint64_t open[3];
	assert_int_equal(store_alerts_open(st, "02:00:00:00:00:01", open), 0);
	assert_int_equal(open[0] + open[1] + open[2], 3);
	assert_int_equal(store_ack_alert(st, 1, 5, 1, "n", "api"), 1);
	assert_int_equal(store_ack_alert(st, 1, 6, 0, "m", "api"), 1);	/* again */
	assert_int_equal(store_ack_alert(st, 99, 6, 0, "", "api"), 0);
	assert_int_equal(store_alerts_open(st, "02:00:00:00:00:01", open), 0);
	assert_int_equal(open[0] + open[1] + open[2], 2);
	struct store_counts c;
	assert_int_equal(store_get_counts(st, &c), 0);
	assert_int_equal(c.devices, 3);
	assert_int_equal(c.alerts, 5);
	assert_int_equal(c.newest_alert_id, 5);
	assert_int_equal(c.newest_alert_ts, 1400 * SEC);
	char err[256];
	assert_int_equal(store_close(st, err, sizeof(err)), 0);

	/* a v1 file opened read-only: the v2 tables read as empty */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE device_traffic; DROP "
	    "TABLE alert_acks; PRAGMA user_version = 1", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	st = store_open_readonly(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_traffic(st, "02:00:00:00:00:01", 0, pt, 8, &n),
	    0);
	assert_int_equal(n, 0);
	assert_int_equal(store_alerts_open(st, "02:00:00:00:00:01", open), 0);
	assert_int_equal(open[0] + open[1] + open[2], 3);
	store_close(st, err, sizeof(err));
	/* opened read-write, it migrates to v2 */
	struct store_config cfg;
	store_config_default(&cfg);
	cfg.path = dbpath;
	cfg.threaded = 0;
	st = store_open(&cfg, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_ack_alert(st, 2, 5, 0, "", "api"), 1);
	store_close(st, err, sizeof(err));
}

/* One HTTP/1.0 request over a real socket: status, body into out. */
static int http(uint16_t port, const char *method, const char *target,
    const char *token, const char *body, char *out, size_t outcap)
{
	struct sockaddr_in sa;
	char req[4096];
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
	size_t got = 0;
	ssize_t n;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("connect");
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: x\r\n%s%s%s%s"
	    "Content-Length: %zu\r\n\r\n%s", method, target,
	    token ? "Authorization: Bearer " : "", token ? token : "",
	    token ? "\r\n" : "", body ? "Content-Type: application/json\r\n" :
	    "", body ? strlen(body) : 0, body ? body : "");
	assert_true(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	while (got + 1 < outcap && (n = read(fd, out + got, outcap - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
	sscanf(out, "HTTP/1.%*d %d", &status);
	char *b = strstr(out, "\r\n\r\n");
	if (b)
		memmove(out, b + 4, strlen(b + 4) + 1);
	return status;
}

static json_t *get_json(uint16_t port, const char *target, const char *tok,
    int want)
{
	static char buf[1 << 20];
	int st = http(port, "GET", target, tok, NULL, buf, sizeof(buf));
	if (st != want)
		fail_msg("%s: status %d, want %d: %.200s", target, st, want, buf);
	json_t *j = json_loads(buf, 0, NULL);
	if (!j)
		fail_msg("%s: not JSON: %.200s", target, buf);
	return j;
}

static void test_server_shapes(void **state)
{
	struct api_config cfg;
	char err[256], tok[API_TOKEN_MAX + 1], tpath[160];
	int created;
	(void)state;
	store_close(fill_store(), err, sizeof(err));
	api_config_default(&cfg);
	cfg.port = 0;
	cfg.store_path = dbpath;
	struct api *a = api_start(&cfg, err, sizeof(err));
	if (!a)
		fail_msg("api_start: %s", err);
	uint16_t port = api_port(a);
	assert_true(port > 0);
	snprintf(tpath, sizeof(tpath), "%s/api.token", dir);
	assert_string_equal(api_token_path(a), tpath);
	assert_int_equal(api_token_load(tpath, tok, sizeof(tok), &created, err,
	    sizeof(err)), 0);

	json_t *j = get_json(port, "/api/v1/devices", NULL, 401);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "error"), "status")), 401);
	json_decref(j);

	j = get_json(port, "/api/v1/devices?limit=2&offset=1", tok, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
	json_t *devs = json_object_get(j, "devices");
	assert_int_equal(json_array_size(devs), 2);
	/* by last_seen descending: 1 (1700 s), 3 (1250), 2 (1200): page 2..3 */
	assert_string_equal(json_string_value(json_object_get(json_array_get(devs,
	    0), "key")), "02:00:00:00:00:03");
	json_t *d0 = json_array_get(devs, 0);
	assert_true(json_is_null(json_object_get(d0, "name")));	/* "" -> null */
	assert_int_equal(json_integer_value(json_object_get(d0, "pkts")), 9);
	assert_string_equal(json_string_value(json_array_get(json_object_get(d0,
	    "ips"), 0)), "192.168.1.3");
	json_decref(j);

	j = get_json(port, "/api/v1/devices?q=ACME&class=camera", tok, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 2);
	json_decref(j);

	j = get_json(port, "/api/v1/devices/02:00:00:00:00:01", tok, 200);
	assert_int_equal(json_array_size(json_object_get(j, "alerts")), 3);
	json_t *dst = json_object_get(j, "destinations");
	assert_int_equal(json_array_size(dst), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(dst,
	    0), "value")), "cloud.example");
	assert_int_equal(json_array_size(json_object_get(j, "protocols")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j,
	    "device"), "os")), "Linux");
	json_decref(j);

	/* traffic deltas: 15, 40-15, then the reset takes the new value */
	j = get_json(port, "/api/v1/devices/02:00:00:00:00:01/traffic", tok, 200);
	json_t *pts = json_object_get(j, "points");
	assert_int_equal(json_array_size(pts), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pts,
	    0), "pkts")), 15);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pts,
	    1), "pkts")), 25);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pts,
	    2), "bytes")), 500);
	json_decref(j);

	/* alerts: newest first; after_id ascending */
	j = get_json(port, "/api/v1/alerts?limit=2", tok, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(j, "alerts"), 0), "id")), 5);
	json_t *ev = json_object_get(json_array_get(json_object_get(j, "alerts"),
	    0), "event");
	assert_string_equal(json_string_value(json_object_get(ev, "event_type")),
	    "alert");
	json_decref(j);
	j = get_json(port, "/api/v1/alerts?after_id=3", tok, 200);
	json_t *al = json_object_get(j, "alerts");
	assert_int_equal(json_array_size(al), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(al, 0),
	    "id")), 4);
	json_decref(j);
	j = get_json(port, "/api/v1/alerts?severity=1", tok, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 2);
	json_decref(j);
	j = get_json(port, "/api/v1/alerts?severity=0", tok, 400);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j,
	    "error"), "message")), "severity: must be 1, 2 or 3");
	json_decref(j);
	j = get_json(port, "/api/v1/alerts?bogus=1", tok, 400);
	json_decref(j);

	/* ack round trip */
	static char buf[65536];
	assert_int_equal(http(port, "POST", "/api/v1/alerts/3/ack", tok,
	    "{\"expected\":true,\"note\":\"ok\"}", buf, sizeof(buf)), 200);
	j = json_loads(buf, 0, NULL);
	assert_true(json_is_true(json_object_get(j, "acked")));
	assert_true(json_is_true(json_object_get(j, "expected")));
	json_decref(j);
	j = get_json(port, "/api/v1/alerts?acked=1", tok, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
	json_decref(j);
	assert_int_equal(http(port, "POST", "/api/v1/alerts/3/ack", tok,
	    "{\"expected\":\"no\"}", buf, sizeof(buf)), 400);
	assert_int_equal(http(port, "GET", "/api/v1/alerts/3/ack", tok, NULL,
	    buf, sizeof(buf)), 405);
	assert_int_equal(http(port, "POST", "/api/v1/devices/02:00:00:00:00:01/"
	    "quarantine", tok, NULL, buf, sizeof(buf)), 200);

	/* the alerts are on day 0 (1970-01-01): the window never goes
	 * before the epoch */
	j = get_json(port, "/api/v1/overview?days=2", tok, 200);
	assert_int_equal(json_array_size(json_object_get(j, "alerts_per_day")),
	    1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "alerts_per_day"), 0), "day")), "1970-01-01");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "devices_by_class"), "camera")), 2);
	json_decref(j);
	j = get_json(port, "/api/v1/stats", tok, 200);
	assert_true(json_is_null(json_object_get(j, "stats")));	/* none yet */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "store"), "alerts")), 5);
	json_decref(j);
	assert_int_equal(http(port, "GET", "/metrics", tok, NULL, buf,
	    sizeof(buf)), 200);
	assert_non_null(strstr(buf, "edgeward_alerts_total{severity=\"1\"} 2\n"));
	assert_non_null(strstr(buf, "edgeward_devices 3\n"));
	assert_int_equal(http(port, "GET", "/", NULL, NULL, buf, sizeof(buf)),
	    200);
	assert_string_equal(buf, (const char *)page);
	assert_int_equal(http(port, "GET", "/assets/../../etc/passwd", NULL,
	    NULL, buf, sizeof(buf)), 404);
	api_stop(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_target),
		cmocka_unit_test(test_params_check),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parse_ack),
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_store_readers),
		cmocka_unit_test(test_server_shapes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
