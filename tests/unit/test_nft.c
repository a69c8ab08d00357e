/* test_nft.c - the nftables rendering: quarantine sets with kernel-side
 * expiry, expired entries left out, injection attempts never reaching the
 * ruleset (also from a tampered store), zone rules in first-match order
 * with the default verdict, MUD allow-lists, and `nft -c -f` accepting
 * every rendered ruleset (when nft works here; skipped with a message
 * otherwise). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output/store.h"
#include "policy/mud.h"
#include "policy/nft.h"
#include "policy/quarantine.h"
#include "policy/zones.h"
#include "util/json.h"
#include "unit/tmpdir.h"

#define NOW 1800000000ull

static int nft_ok = -1;	/* -1 unknown, 0 cannot check here, 1 can */

static char *render(const struct nft_input *in, int sets_only)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	if (sets_only)
		assert_int_equal(nft_render_sets(in, fp, err, sizeof(err)), 0);
	else
		assert_int_equal(nft_render(in, fp, err, sizeof(err)), 0);
	fclose(fp);
	return buf;
}

/* nft -c -f on text: 1 accepted, 0 refused (output printed), -1 cannot
 * check here. */
static int nft_check(const char *text)
{
	char file[128], cmd[300];
	const char *bin = nft_binary();
	if (!bin)
		return -1;
	snprintf(file, sizeof(file), "%s/check.nft", dir);
	FILE *fp = fopen(file, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	if (nft_ok < 0) {
		/* does nft -c work at all here (it needs CAP_NET_ADMIN)? */
		snprintf(cmd, sizeof(cmd), "echo 'table inet ewprobe' | %s -c "
		    "-f - >/dev/null 2>&1", bin);
		nft_ok = system(cmd) == 0;
		if (!nft_ok)
			print_message("skipped: nft -c does not work here (needs "
			    "root / CAP_NET_ADMIN)\n");
	}
	if (!nft_ok)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s -c -f %s", bin, file);
	int rc = system(cmd);
	return WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

static void assert_nft_accepts(const char *text)
{
	int r = nft_check(text);
	if (r == 0)
		fail_msg("nft -c refused:\n%s", text);
}

static void quar(struct nft_quar *q, const char *mac, const char *ip1,
    const char *ip2, uint64_t since, uint64_t until)
{
	memset(q, 0, sizeof(*q));
	snprintf(q->d.key, sizeof(q->d.key), "%s", mac ? mac : ip1);
	if (mac)
		snprintf(q->d.mac, sizeof(q->d.mac), "%s", mac);
	if (ip1)
		snprintf(q->d.ips[q->d.nips++], ADDR_STRLEN, "%s", ip1);
	if (ip2)
		snprintf(q->d.ips[q->d.nips++], ADDR_STRLEN, "%s", ip2);
	q->since = since;
	q->until = until;
}

static void test_quarantine_sets(void **state)
{
	(void)state;
	struct nft_quar q[6];
	struct nft_input in;
	char *out;

	quar(&q[0], "02:00:00:00:00:10", "192.168.1.10", "fd00::10",
	    NOW - 600, NOW + 3000);
	quar(&q[1], "02:00:00:00:00:11", "192.168.1.11", NULL, NOW - 5, 0);
	quar(&q[2], "02:00:00:00:00:12", "192.168.1.12", NULL, NOW - 100,
	    NOW);					/* expired */
	quar(&q[3], NULL, "192.168.1.77", "192.168.1.11", NOW, NOW + 60);
	/* tampered entries: must never reach the ruleset */
	/* (17 characters: the longest a MAC field holds) */
	quar(&q[4], "aa:bb:cc;dd }ee:f", "1.2.3.4; flush ruleset",
	    "10.0.0.0/8", NOW, 0);
	quar(&q[5], "02:00:00:00:0\n:13", "5.6.7.8\n", "fe80::1%lo", NOW, 0);
	memset(&in, 0, sizeof(in));
	in.q = q;
	in.nq = 6;
	in.now_s = NOW;
	out = render(&in, 0);

	/* replace-in-one-transaction idiom, own table */
	assert_non_null(strstr(out, "table inet edgeward\ndelete table inet "
	    "edgeward\n\ntable inet edgeward {\n"));
	assert_non_null(strstr(out, "set quarantine_mac {\n\t\ttype ether_addr\n"
	    "\t\tflags timeout\n\t\telements = { 02:00:00:00:00:10 timeout "
	    "3600s expires 3000s, 02:00:00:00:00:11 }"));
	/* the shared IP .11 is in the set once: the first entry's (no expiry) */
	assert_non_null(strstr(out, "elements = { 192.168.1.10 timeout 3600s "
	    "expires 3000s, 192.168.1.11, 192.168.1.77 timeout 60s expires "
	    "60s }"));
	assert_non_null(strstr(out, "set quarantine_v6 {\n\t\ttype ipv6_addr\n"
	    "\t\tflags timeout\n\t\telements = { fd00::10 timeout 3600s "
	    "expires 3000s }"));
	assert_null(strstr(out, "192.168.1.12"));	/* expired */
	assert_null(strstr(out, "02:00:00:00:00:12"));
	assert_null(strstr(out, "flush"));
	assert_null(strstr(out, "1.2.3.4"));
	assert_null(strstr(out, "5.6.7.8"));
	assert_null(strstr(out, "aa:bb:cc"));
	assert_null(strstr(out, "02:00:00:00:0\n"));
	assert_null(strstr(out, "10.0.0.0/8"));
	assert_null(strstr(out, "%lo"));
	/* both directions dropped in forward; DHCP/DNS to the router kept */
	assert_non_null(strstr(out, "type filter hook forward priority filter "
	    "- 10; policy accept;\n\t\tether saddr @quarantine_mac counter "
	    "drop\n\t\tip saddr @quarantine_v4 counter drop\n\t\tip daddr "
	    "@quarantine_v4 counter drop\n"));
	assert_non_null(strstr(out, "udp dport { 53, 67, 547 } accept"));
	assert_null(strstr(out, "jump zones"));
	assert_nft_accepts(out);
	free(out);

	/* the sets-only refresh for a loaded table */
	out = render(&in, 1);
	assert_non_null(strstr(out, "flush set inet edgeward quarantine_mac\n"
	    "add element inet edgeward quarantine_mac { 02:00:00:00:00:10 "
	    "timeout 3600s expires 3000s, 02:00:00:00:00:11 }\n"));
	assert_non_null(strstr(out, "flush set inet edgeward quarantine_v6\n"
	    "add element inet edgeward quarantine_v6 { fd00::10"));
	assert_null(strstr(out, "flush ruleset"));
	free(out);

	/* an edited store asking for decades: clamped to what nft takes */
	quar(&q[0], "02:00:00:00:00:10", NULL, NULL, NOW, NOW + 1000000000ull);
	in.nq = 1;
	out = render(&in, 0);
	assert_non_null(strstr(out, "02:00:00:00:00:10 timeout 31622400s "
	    "expires 31622400s"));
	assert_nft_accepts(out);
	free(out);

	/* nothing quarantined: empty sets, still a valid ruleset */
	in.nq = 0;
	out = render(&in, 0);
	assert_null(strstr(out, "elements"));
	assert_nft_accepts(out);
	free(out);
}

static struct zones *zparse(const char *text)
{
	char err[256];
	struct zones *z = zones_parse(text, strlen(text), "test.conf", err,
	    sizeof(err));
	if (!z)
		fail_msg("zones_parse: %s", err);
	return z;
}

static void host(struct nft_host *h, const char *mac, const char *ip,
    const char *cls)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->d.key, sizeof(h->d.key), "%s", mac);
	snprintf(h->d.mac, sizeof(h->d.mac), "%s", mac);
	snprintf(h->d.ips[h->d.nips++], ADDR_STRLEN, "%s", ip);
	snprintf(h->cls, sizeof(h->cls), "%s", cls);
}

static void test_zones(void **state)
{
	(void)state;
	static const char conf[] =
	    "# test policy\n"
	    "zone iot class camera\n"
	    "zone media cidr 192.168.1.200/29 cidr 192.168.1.0/24\n"
	    "zone admin mac 02:00:00:00:00:aa\n"
	    "allow iot -> internet tcp/443 udp/123\n"
	    "deny iot -> local\n"
	    "allow admin -> any\n"
	    "allow media -> iot tcp/554\n"
	    "default deny\n";
	struct zones *z = zparse(conf);
	struct nft_host h[3];
	struct nft_quar q[1];
	struct nft_input in;
	char *out, *a, *b;
	int iot = zones_find(z, "iot"), media = zones_find(z, "media"),
	    admin = zones_find(z, "admin");
	char line[512];

	assert_true(iot >= ZONES_FIRST && media > iot && admin > media);
	/* the camera is in media's /24 but its class puts it in iot? No:
	 * CIDR beats class, so it is media; the admin laptop by MAC beats
	 * the /24 too */
	host(&h[0], "02:00:00:00:00:10", "192.168.1.10", "camera");
	host(&h[1], "02:00:00:00:00:aa", "192.168.1.50", "computer");
	host(&h[2], "02:00:00:00:00:20", "10.9.0.20", "camera");
	quar(&q[0], "02:00:00:00:00:20", "10.9.0.20", NULL, NOW, 0);
	memset(&in, 0, sizeof(in));
	in.hosts = h;
	in.nhosts = 3;
	in.q = q;
	in.nq = 1;
	in.zones = z;
	in.now_s = NOW;
	out = render(&in, 0);

	assert_non_null(strstr(out, "ct state established,related accept\n"
	    "\t\tjump zones\n"));
	/* source classification: known hosts by zones_classify */
	snprintf(line, sizeof(line), "ether saddr { 02:00:00:00:00:aa } goto "
	    "zsrc_%d\n", admin);
	assert_non_null(strstr(out, line));
	snprintf(line, sizeof(line), "ip saddr { 192.168.1.10 } goto zsrc_%d\n",
	    media);
	assert_non_null(strstr(out, line));
	snprintf(line, sizeof(line), "ip saddr { 10.9.0.20 } goto zsrc_%d\n",
	    iot);
	assert_non_null(strstr(out, line));
	/* CIDRs longest prefix first, then the private ranges as lan, then
	 * the internet */
	a = strstr(out, "ip saddr 192.168.1.200/29");
	b = strstr(out, "ip saddr 192.168.1.0/24");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	snprintf(line, sizeof(line), "ip saddr { 10.0.0.0/8, 172.16.0.0/12, "
	    "192.168.0.0/16, 169.254.0.0/16 } goto zsrc_%d\n", ZONES_LAN);
	assert_non_null(strstr(out, line));
	snprintf(line, sizeof(line), "\t\tgoto zsrc_%d\n\t}", ZONES_INTERNET);
	assert_non_null(strstr(out, line));
	/* iot -> internet: the allowed ports, in order, then default deny */
	snprintf(line, sizeof(line), "chain zpair_%d_%d {\n\t\t# iot -> "
	    "internet\n\t\ttcp dport 443 counter return comment \"line 5\"\n"
	    "\t\tudp dport 123 counter return comment \"line 5\"\n\t\tcounter "
	    "drop comment \"default\"\n\t}", iot, ZONES_INTERNET);
	assert_non_null(strstr(out, line));
	/* iot -> media (local): the deny rule */
	snprintf(line, sizeof(line), "chain zpair_%d_%d {\n\t\t# iot -> media\n"
	    "\t\tcounter drop comment \"line 6\"\n", iot, media);
	assert_non_null(strstr(out, line));
	/* media -> iot: first match allow 554, then default deny */
	snprintf(line, sizeof(line), "chain zpair_%d_%d {\n\t\t# media -> iot\n"
	    "\t\ttcp dport 554 counter return comment \"line 8\"\n\t\tcounter "
	    "drop comment \"default\"\n", media, iot);
	assert_non_null(strstr(out, line));
	/* admin -> any: an allow without ports */
	snprintf(line, sizeof(line), "chain zpair_%d_%d {\n\t\t# admin -> "
	    "internet\n\t\tcounter return comment \"line 7\"\n", admin,
	    ZONES_INTERNET);
	assert_non_null(strstr(out, line));
	/* media -> internet: no rule: the default verdict inline */
	snprintf(line, sizeof(line), "chain zpair_%d_%d", media,
	    ZONES_INTERNET);
	assert_null(strstr(out, line));
	assert_nft_accepts(out);
	free(out);
	zones_free(z);

	/* default allow: the fallthrough is return */
	z = zparse("zone iot class camera\ndeny iot -> internet tcp/23\n");
	in.zones = z;
	out = render(&in, 0);
	snprintf(line, sizeof(line), "chain zpair_%d_%d {\n\t\t# iot -> "
	    "internet\n\t\ttcp dport 23 counter drop comment \"line 2\"\n"
	    "\t\tcounter return comment \"default\"\n", iot, ZONES_INTERNET);
	assert_non_null(strstr(out, line));
	assert_nft_accepts(out);
	free(out);
	zones_free(z);
}

static void test_mud(void **state)
{
	(void)state;
	/* a learned blob -> mud_export -> mud_parse -> rendered allow-list */
	static const char blob[] =
	    "{\"v\":1,\"key\":\"02:00:00:00:00:10\",\"mac\":\"02:00:00:00:00:10\","
	    "\"ip\":\"192.168.1.10\",\"class\":\"camera\",\"first_seen\":1,"
	    "\"last_seen\":2,\"learn_until\":3,\"phase\":\"active\","
	    "\"remotes\":[{\"ip\":\"52.1.2.3\",\"name\":\"\",\"cc\":\"US\","
	    "\"proto\":6,\"port\":443,\"n\":12,\"first\":1,\"last\":2}],"
	    "\"inbound\":[],\"peers\":[],\"services\":[{\"proto\":6,"
	    "\"port\":443}],\"listen\":[],\"countries\":[\"US\"],\"apps\":[],"
	    "\"hours\":[]}";
	struct jbuf jb;
	char err[256], *out;
	struct nft_mud m[1];
	struct nft_host h[1];
	struct nft_input in;

	jb_init(&jb, 0);
	if (mud_export(blob, strlen(blob), "https://example.com/cam.json",
	    NOW * 1000000000ull, &jb, err, sizeof(err)) != 0)
		fail_msg("mud_export: %s", err);
	host(&h[0], "02:00:00:00:00:10", "192.168.1.10", "camera");
	memset(m, 0, sizeof(m));
	m[0].d = h[0].d;
	m[0].p = mud_parse(jb.buf, jb.len, err, sizeof(err));
	if (!m[0].p)
		fail_msg("mud_parse: %s", err);
	memset(&in, 0, sizeof(in));
	in.hosts = h;
	in.nhosts = 1;
	in.mud = m;
	in.nmud = 1;
	in.now_s = NOW;
	out = render(&in, 0);
	assert_non_null(strstr(out, "ether saddr 02:00:00:00:00:10 jump "
	    "mud_from_0\n"));
	assert_non_null(strstr(out, "ip saddr { 192.168.1.10 } jump "
	    "mud_from_0\n\t\tip daddr { 192.168.1.10 } jump mud_to_0\n"));
	assert_non_null(strstr(out, "ip daddr 52.1.2.3/32 tcp dport 443 "
	    "counter return\n"));
	assert_non_null(strstr(out, "counter drop comment \"outside the MUD "
	    "profile\""));
	assert_nft_accepts(out);
	free(out);
	mud_free(m[0].p);
	jb_fini(&jb);

	/* a DNS-name ACE cannot be enforced by address: not enforced, said */
	static const char named[] =
	    "{\"v\":1,\"key\":\"02:00:00:00:00:10\",\"mac\":\"02:00:00:00:00:10\","
	    "\"ip\":\"192.168.1.10\",\"class\":\"camera\",\"first_seen\":1,"
	    "\"last_seen\":2,\"learn_until\":3,\"phase\":\"active\","
	    "\"remotes\":[{\"ip\":\"52.1.2.3\",\"name\":\"api.example.com\","
	    "\"cc\":\"US\",\"proto\":6,\"port\":443,\"n\":12,\"first\":1,"
	    "\"last\":2}],\"inbound\":[],\"peers\":[],\"services\":[],"
	    "\"listen\":[],\"countries\":[],\"apps\":[],\"hours\":[]}";
	jb_init(&jb, 0);
	if (mud_export(named, strlen(named), "https://example.com/cam.json",
	    NOW * 1000000000ull, &jb, err, sizeof(err)) != 0)
		fail_msg("mud_export: %s", err);
	m[0].p = mud_parse(jb.buf, jb.len, err, sizeof(err));
	assert_non_null(m[0].p);
	out = render(&in, 0);
	assert_non_null(strstr(out, "not enforced"));
	assert_null(strstr(out, "api.example.com"));
	assert_nft_accepts(out);
	free(out);
	mud_free(m[0].p);
	jb_fini(&jb);
}

/* From a store, including rows tampered with outside edgeward. */
static void test_from_store(void **state)
{
	(void)state;
	char path[256], err[256], *out;
	struct store_config cfg;
	struct store_device d;
	struct nft_input in;
	unsigned bad = 0;
	sqlite3 *db;
	static const char js[] = "{\"mac\":\"02:00:00:00:00:10\",\"ips\":"
	    "[\"192.168.1.10\"]}";

	snprintf(path, sizeof(path), "%s/s.db", dir);
	store_config_default(&cfg);
	cfg.path = path;
	cfg.threaded = 0;
	struct store *st = store_open(&cfg, err, sizeof(err));
	assert_non_null(st);
	memset(&d, 0, sizeof(d));
	d.key = d.mac = "02:00:00:00:00:10";
	d.ip = "192.168.1.10";
	d.json = d.state = js;
	d.json_len = d.state_len = strlen(js);
	store_put_device(st, &d);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(store_wait(st), 0);
	struct store_quarantine q = { "02:00:00:00:00:10", "02:00:00:00:00:10",
	    "192.168.1.10", NOW - 10, NOW + 50, "alice", "why" };
	assert_int_equal(store_quarantine_put(st, &q, ""), 0);
	assert_int_equal(store_close(st, err, sizeof(err)), 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO quarantine VALUES("
	    "'1.1.1.1 } ; flush ruleset', 'x', '1.1.1.1 }', 0, 0, 'm', 'm');"
	    "INSERT INTO quarantine VALUES('02:00:00:00:00:66', "
	    "'02:00:00:00:00:66 } flush', '8.8.8.8 1.2.3.4;drop 9.9.9.9', 0, 0,"
	    " 'm', 'm');"
	    "INSERT INTO baselines VALUES('02:00:00:00:00:10', 'mud', 1, "
	    "'{not json');", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	st = store_open_readonly(path, err, sizeof(err));
	assert_non_null(st);
	memset(&in, 0, sizeof(in));
	assert_int_equal(nft_input_from_store(&in, st, NOW, &bad, err,
	    sizeof(err)), 0);
	assert_int_equal(bad, 1);		/* the broken MUD file */
	assert_int_equal(in.nhosts, 1);
	out = render(&in, 0);
	assert_non_null(strstr(out, "02:00:00:00:00:10 timeout 60s expires "
	    "50s"));
	assert_non_null(strstr(out, "8.8.8.8, 9.9.9.9"));	/* valid words */
	assert_null(strstr(out, "flush ruleset"));
	assert_null(strstr(out, "1.1.1.1"));
	assert_null(strstr(out, "1.2.3.4"));
	assert_null(strstr(out, "02:00:00:00:00:66"));
	assert_nft_accepts(out);
	free(out);
	nft_input_free(&in);
	/* later than the expiry: the read-only store skips it */
	memset(&in, 0, sizeof(in));
	assert_int_equal(nft_input_from_store(&in, st, NOW + 50, NULL, err,
	    sizeof(err)), 0);
	out = render(&in, 0);
	assert_null(strstr(out, "02:00:00:00:00:10 timeout"));
	free(out);
	nft_input_free(&in);
	assert_int_equal(store_close(st, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quarantine_sets),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_mud),
		cmocka_unit_test(test_from_store),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
