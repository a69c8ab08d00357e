/* test_mud.c - MUD (RFC 8520) export from a learned baseline blob, import
 * validation with path-naming errors, flow matching, and the round trip
 * the issue asks for: what was learned is allowed, anything new is not. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "config.h"
#include "policy/mud.h"
#include "util/addr.h"
#include "util/alloc.h"
#include "util/json.h"

#define NOW_NS 1700000000000000000ull	/* 2023-11-14T22:13:20Z */

/* A learned blob as issue 7 defines it: two IPs of one name (one ACE),
 * upper case and trailing dot to normalise, a nameless remote, IPv6
 * remotes, a remote client, LAN peers both ways, served ports, and keys
 * a reader must ignore. */
static const char BLOB[] =
    "{\"v\":1,\"key\":\"f4:b8:5e:ff:2b:1b\",\"mac\":\"f4:b8:5e:ff:2b:1b\","
    "\"ip\":\"192.168.1.129\",\"class\":\"camera\",\"first_seen\":1,"
    "\"last_seen\":2,\"learn_until\":3,\"phase\":\"active\","
    "\"remotes\":["
    "{\"ip\":\"52.1.2.3\",\"name\":\"API.Example.com.\",\"cc\":\"US\","
    "\"proto\":6,\"port\":443,\"n\":12,\"first\":1,\"last\":2},"
    "{\"ip\":\"52.1.2.4\",\"name\":\"api.example.com\",\"cc\":\"US\","
    "\"proto\":6,\"port\":443,\"n\":3,\"first\":1,\"last\":2},"
    "{\"ip\":\"203.0.113.9\",\"name\":\"\",\"cc\":\"NL\",\"proto\":17,"
    "\"port\":123,\"n\":4,\"first\":1,\"last\":2},"
    "{\"ip\":\"2001:db8::5\",\"name\":\"v6.example.net\",\"cc\":\"\","
    "\"proto\":6,\"port\":8883,\"n\":1,\"first\":1,\"last\":2},"
    "{\"ip\":\"2001:db8::9\",\"name\":\"\",\"cc\":\"\",\"proto\":17,"
    "\"port\":5683,\"n\":1,\"first\":1,\"last\":2}],"
    "\"inbound\":[{\"ip\":\"198.51.100.7\",\"cc\":\"US\",\"proto\":6,"
    "\"port\":8080,\"n\":1,\"first\":1,\"last\":2}],"
    "\"peers\":["
    "{\"ip\":\"192.168.1.1\",\"mac\":\"aa:bb:cc:dd:ee:01\",\"proto\":17,"
    "\"port\":53,\"dir\":\"out\",\"n\":5,\"first\":1,\"last\":2},"
    "{\"ip\":\"192.168.1.50\",\"mac\":\"aa:bb:cc:dd:ee:02\",\"proto\":6,"
    "\"port\":554,\"dir\":\"in\",\"n\":5,\"first\":1,\"last\":2}],"
    "\"services\":[{\"proto\":6,\"port\":443}],"
    "\"listen\":[{\"proto\":6,\"port\":554,\"from\":\"local\"},"
    "{\"proto\":6,\"port\":8080,\"from\":\"remote\"}],"
    "\"countries\":[\"US\",\"NL\"],\"apps\":[\"TLS\",\"DNS\"],"
    "\"volume\":{\"bucket_s\":60,\"out_mean\":1,\"out_dev\":1,\"out_max\":1,"
    "\"in_mean\":1,\"in_max\":1,\"buckets\":2},\"hours\":[0,1],"
    "\"future\":{\"x\":[1,2]}}";

/* The same content with every array in another order. */
static const char BLOB_PERMUTED[] =
    "{\"future\":{\"x\":[1,2]},\"v\":1,\"key\":\"f4:b8:5e:ff:2b:1b\","
    "\"ip\":\"192.168.1.129\","
    "\"listen\":[{\"proto\":6,\"port\":8080,\"from\":\"remote\"},"
    "{\"proto\":6,\"port\":554,\"from\":\"local\"}],"
    "\"peers\":["
    "{\"ip\":\"192.168.1.50\",\"proto\":6,\"port\":554,\"dir\":\"in\"},"
    "{\"ip\":\"192.168.1.1\",\"proto\":17,\"port\":53,\"dir\":\"out\"}],"
    "\"inbound\":[{\"ip\":\"198.51.100.7\",\"proto\":6,\"port\":8080}],"
    "\"remotes\":["
    "{\"ip\":\"2001:db8::9\",\"name\":\"\",\"proto\":17,\"port\":5683},"
    "{\"ip\":\"52.1.2.4\",\"name\":\"api.example.com\",\"proto\":6,"
    "\"port\":443},"
    "{\"ip\":\"2001:db8::5\",\"name\":\"v6.example.net\",\"proto\":6,"
    "\"port\":8883},"
    "{\"ip\":\"203.0.113.9\",\"name\":\"\",\"proto\":17,\"port\":123},"
    "{\"ip\":\"52.1.2.3\",\"name\":\"API.Example.com.\",\"proto\":6,"
    "\"port\":443}]}";

static const char URL[] = "https://edgeward.invalid/mud/f4:b8:5e:ff:2b:1b.json";

static char *export_blob(const char *blob)
{
	struct jbuf jb;
	char err[256];
	jb_init(&jb, 0);
	int rc = mud_export(blob, strlen(blob), URL, NOW_NS, &jb, err,
	    sizeof(err));
	if (rc != 0)
		fail_msg("export: %s", err);
	char *s = strdup(jb.buf);
	jb_fini(&jb);
	return s;
}

static json_t *path_get(json_t *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *tok = buf, *next; o && tok; tok = next) {
		next = strchr(tok, '/');
		if (next)
			*next++ = '\0';
		o = json_object_get(o, tok);
	}
	return o;
}

static json_t *acl_by_name(json_t *root, const char *name)
{
	size_t i;
	json_t *a;
	json_array_foreach(path_get(root, "ietf-access-control-list:acls/acl"),
	    i, a)
		if (strcmp(json_string_value(json_object_get(a, "name")),
		    name) == 0)
			return a;
	return NULL;
}

/* ACEs of acl whose matches.<l3>.<key> equals value. */
static size_t count_aces(json_t *acl, const char *l3, const char *key,
    const char *value, json_t **last)
{
	size_t i, n = 0;
	json_t *e;
	json_array_foreach(path_get(acl, "aces/ace"), i, e) {
		json_t *v = json_object_get(path_get(e, "matches"), l3);
		const char *s = json_string_value(json_object_get(v, key));
		if (s && strcmp(s, value) == 0) {
			n++;
			*last = e;
		}
	}
	return n;
}

static void test_export_structure(void **state)
{
	(void)state;
	char *s = export_blob(BLOB);
	json_error_t je;
	json_t *root = json_loads(s, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(root);
	assert_int_equal(json_object_size(root), 2);
	json_t *mud = json_object_get(root, "ietf-mud:mud");
	assert_non_null(mud);
	assert_int_equal(json_integer_value(json_object_get(mud,
	    "mud-version")), 1);
	assert_string_equal(json_string_value(json_object_get(mud, "mud-url")),
	    URL);
	assert_string_equal(json_string_value(json_object_get(mud,
	    "last-update")), "2023-11-14T22:13:20Z");
	assert_int_equal(json_integer_value(json_object_get(mud,
	    "cache-validity")), MUD_CACHE_VALIDITY_H);
	assert_true(json_is_true(json_object_get(mud, "is-supported")));
	assert_true(strlen(json_string_value(json_object_get(mud,
	    "systeminfo"))) <= 60);
	json_t *fr = path_get(mud, "from-device-policy/access-lists/access-list");
	json_t *to = path_get(mud, "to-device-policy/access-lists/access-list");
	assert_int_equal(json_array_size(fr), 2);
	assert_int_equal(json_array_size(to), 2);
	assert_string_equal(json_string_value(path_get(json_array_get(fr, 0),
	    "name")), "mud-f4b85eff2b1b-v4fr");
	assert_string_equal(json_string_value(path_get(json_array_get(fr, 1),
	    "name")), "mud-f4b85eff2b1b-v6fr");
	assert_string_equal(json_string_value(path_get(json_array_get(to, 0),
	    "name")), "mud-f4b85eff2b1b-v4to");
	assert_int_equal(json_array_size(path_get(root,
	    "ietf-access-control-list:acls/acl")), 4);

	json_t *v4fr = acl_by_name(root, "mud-f4b85eff2b1b-v4fr");
	json_t *v4to = acl_by_name(root, "mud-f4b85eff2b1b-v4to");
	json_t *v6fr = acl_by_name(root, "mud-f4b85eff2b1b-v6fr");
	json_t *v6to = acl_by_name(root, "mud-f4b85eff2b1b-v6to");
	assert_non_null(v4fr);
	assert_non_null(v4to);
	assert_non_null(v6fr);
	assert_non_null(v6to);
	assert_string_equal(json_string_value(json_object_get(v4fr, "type")),
	    "ipv4-acl-type");
	assert_string_equal(json_string_value(json_object_get(v6to, "type")),
	    "ipv6-acl-type");

	/* the two addresses of one name: one ACE, by name, lower case */
	json_t *e = NULL;
	assert_int_equal(count_aces(v4fr, "ipv4", "ietf-acldns:dst-dnsname",
	    "api.example.com", &e), 1);
	assert_int_equal(json_integer_value(path_get(e,
	    "matches/ipv4/protocol")), 6);
	assert_string_equal(json_string_value(path_get(e,
	    "matches/tcp/destination-port/operator")), "eq");
	assert_int_equal(json_integer_value(path_get(e,
	    "matches/tcp/destination-port/port")), 443);
	assert_string_equal(json_string_value(path_get(e,
	    "matches/tcp/ietf-mud:direction-initiated")), "from-device");
	assert_string_equal(json_string_value(path_get(e,
	    "actions/forwarding")), "accept");
	assert_null(path_get(e, "matches/ipv4/destination-ipv4-network"));
	/* its mirror for the answers */
	assert_int_equal(count_aces(v4to, "ipv4", "ietf-acldns:src-dnsname",
	    "api.example.com", &e), 1);
	assert_int_equal(json_integer_value(path_get(e,
	    "matches/tcp/source-port/port")), 443);
	assert_null(path_get(e, "matches/tcp/destination-port"));
	assert_string_equal(json_string_value(path_get(e,
	    "matches/tcp/ietf-mud:direction-initiated")), "from-device");
	/* a remote without a name: its /32; udp has no direction-initiated */
	assert_int_equal(count_aces(v4fr, "ipv4", "destination-ipv4-network",
	    "203.0.113.9/32", &e), 1);
	assert_int_equal(json_integer_value(path_get(e,
	    "matches/udp/destination-port/port")), 123);
	assert_null(path_get(e, "matches/udp/ietf-mud:direction-initiated"));
	/* IPv6 in the v6 ACLs only */
	assert_int_equal(count_aces(v6fr, "ipv6", "destination-ipv6-network",
	    "2001:db8::9/128", &e), 1);
	assert_int_equal(count_aces(v6fr, "ipv6", "ietf-acldns:dst-dnsname",
	    "v6.example.net", &e), 1);
	assert_int_equal(count_aces(v4fr, "ipv4", "ietf-acldns:dst-dnsname",
	    "v6.example.net", &e), 0);
	size_t i;
	json_t *x;
	json_array_foreach(path_get(v4fr, "aces/ace"), i, x)
		assert_null(path_get(x, "matches/ipv6"));
	/* the remote client: to-device by its /32 to the served port */
	assert_int_equal(count_aces(v4to, "ipv4", "source-ipv4-network",
	    "198.51.100.7/32", &e), 1);
	assert_int_equal(json_integer_value(path_get(e,
	    "matches/tcp/destination-port/port")), 8080);
	assert_string_equal(json_string_value(path_get(e,
	    "matches/tcp/ietf-mud:direction-initiated")), "to-device");
	/* LAN peers: local-networks as a YANG empty, [null] */
	size_t nlocal = 0;
	json_array_foreach(path_get(v4fr, "aces/ace"), i, x) {
		json_t *ln = path_get(x, "matches/ietf-mud:mud/local-networks");
		if (!ln)
			continue;
		nlocal++;
		assert_true(json_is_array(ln) && json_array_size(ln) == 1 &&
		    json_is_null(json_array_get(ln, 0)));
		assert_null(path_get(x, "matches/ipv4/destination-ipv4-network"));
	}
	assert_int_equal(nlocal, 2);	/* udp/53 out, tcp/554 in */
	json_decref(root);
	free(s);
}

static void test_export_deterministic(void **state)
{
	(void)state;
	char *a = export_blob(BLOB), *b = export_blob(BLOB),
	    *c = export_blob(BLOB_PERMUTED);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	free(a);
	free(b);
	free(c);
}

static struct mud_profile *parse_ok(const char *s)
{
	char err[256];
	struct mud_profile *p = mud_parse(s, strlen(s), err, sizeof(err));
	if (!p)
		fail_msg("parse: %s", err);
	return p;
}

static struct addr ip(const char *s)
{
	struct addr a;
	uint8_t b[16];
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, b) == 1)
		addr_set4(&a, b);
	else if (inet_pton(AF_INET6, s, b) == 1)
		addr_set6(&a, b);
	else
		fail_msg("bad test address %s", s);
	return a;
}

/* A flow the device opened (out) or served (!out). */
static int allows(const struct mud_profile *p, int out, const char *rip,
    const char *name, int local, uint8_t proto, uint16_t rport,
    uint16_t dport, char *why, size_t whylen)
{
	struct addr r = ip(rip);
	struct mud_flow f = { out, &r, name, local, proto, rport, dport, out,
		NULL };
	return mud_allows(p, &f, why, whylen);
}

static void test_roundtrip(void **state)
{
	(void)state;
	char why[160];
	char *s = export_blob(BLOB);
	struct mud_profile *p = parse_ok(s);
	assert_string_equal(mud_profile_url(p), URL);
	assert_true(mud_ace_count(p) > 0);

	/* every remote of the blob, with the name the device resolved */
	assert_true(allows(p, 1, "52.1.2.3", "api.example.com", 0, 6, 443,
	    50000, why, sizeof(why)));
	assert_true(allows(p, 1, "52.1.2.4", "API.EXAMPLE.COM.", 0, 6, 443,
	    50001, why, sizeof(why)));
	assert_true(allows(p, 1, "203.0.113.9", NULL, 0, 17, 123, 40000, why,
	    sizeof(why)));
	assert_true(allows(p, 1, "2001:db8::5", "v6.example.net", 0, 6, 8883,
	    40000, why, sizeof(why)));
	assert_true(allows(p, 1, "2001:db8::9", "", 0, 17, 5683, 40000, why,
	    sizeof(why)));
	/* the remote client, the peers, the served ports */
	assert_true(allows(p, 0, "198.51.100.7", NULL, 0, 6, 51000, 8080, why,
	    sizeof(why)));
	assert_true(allows(p, 1, "192.168.1.1", NULL, 1, 17, 53, 33000, why,
	    sizeof(why)));
	assert_true(allows(p, 0, "192.168.1.50", NULL, 1, 6, 40000, 554, why,
	    sizeof(why)));
	assert_true(allows(p, 0, "192.168.1.77", NULL, 1, 6, 40000, 554, why,
	    sizeof(why)));	/* listen from local: any LAN host */

	/* anything new is not */
	assert_false(allows(p, 1, "52.9.9.9", NULL, 0, 6, 443, 50000, why,
	    sizeof(why)));
	assert_non_null(strstr(why, "tcp to 52.9.9.9:443"));
	assert_non_null(strstr(why, "matches no ACE"));
	assert_false(allows(p, 1, "52.1.2.3", "api.example.com", 0, 6, 8443,
	    50000, why, sizeof(why)));	/* known name, new port */
	assert_false(allows(p, 1, "52.1.2.3", NULL, 0, 6, 443, 50000, why,
	    sizeof(why)));	/* a named ACE needs the name */
	assert_false(allows(p, 1, "52.1.2.3", "evil.example.com", 0, 6, 443,
	    50000, why, sizeof(why)));
	assert_non_null(strstr(why, "(evil.example.com)"));
	assert_false(allows(p, 1, "52.1.2.3",
	    "example.com", 0, 6, 443, 50000, why, sizeof(why)));	/* exact */
	assert_false(allows(p, 1, "198.18.0.1", NULL, 0, 17, 123, 40000, why,
	    sizeof(why)));	/* a country-less IP, known port */
	assert_false(allows(p, 1, "203.0.113.9", NULL, 0, 6, 123, 40000, why,
	    sizeof(why)));	/* known IP and port, other protocol */
	assert_false(allows(p, 0, "198.51.100.8", NULL, 0, 6, 51000, 8080,
	    why, sizeof(why)));	/* another remote client */
	assert_false(allows(p, 1, "192.168.1.1", NULL, 1, 6, 22, 33000, why,
	    sizeof(why)));	/* lateral: new port on a LAN host */
	assert_false(allows(p, 0, "192.168.1.50", NULL, 0, 6, 40000, 554, why,
	    sizeof(why)));	/* local-networks needs a local remote */
	assert_non_null(strstr(why, "to device:554"));
	/* the answer ACEs do not let the server open a connection */
	struct addr r = ip("52.1.2.3");
	struct mud_flow f = { 0, &r, "api.example.com", 0, 6, 443, 50000, 0,
		NULL };
	assert_false(mud_allows(p, &f, why, sizeof(why)));
	f.initiated_by_device = 1;
	assert_true(mud_allows(p, &f, why, sizeof(why)));
	/* no profile, no remote: nothing */
	assert_false(mud_allows(NULL, &f, why, sizeof(why)));
	f.remote = NULL;
	assert_false(mud_allows(p, &f, NULL, 0));
	mud_free(p);
	free(s);
}

/* A valid MUD file around one ACL type and one ACE's matches. */
static char *doc(const char *type, const char *matches, const char *extra)
{
	static char buf[8192];
	snprintf(buf, sizeof(buf),
	    "{\"ietf-mud:mud\":{\"mud-version\":1,"
	    "\"mud-url\":\"https://example.com/m\","
	    "\"last-update\":\"2019-01-28T11:20:51+01:00\","
	    "\"cache-validity\":48,\"is-supported\":true,"
	    "\"systeminfo\":\"test\"%s,"
	    "\"from-device-policy\":{\"access-lists\":{\"access-list\":"
	    "[{\"name\":\"a\"}]}}},"
	    "\"ietf-access-control-list:acls\":{\"acl\":[{\"name\":\"a\","
	    "\"type\":\"%s\",\"aces\":{\"ace\":[{\"name\":\"e0\","
	    "\"matches\":%s,\"actions\":{\"forwarding\":\"accept\"}}]}}]}}",
	    extra, type, matches);
	return buf;
}

static void expect_err(const char *json, const char *want)
{
	char err[512];
	struct mud_profile *p = mud_parse(json, strlen(json), err, sizeof(err));
	if (p || !strstr(err, want))
		fail_msg("want error containing \"%s\", got %s \"%s\"", want,
		    p ? "a profile" : "", p ? "" : err);
}

static void test_parse_errors(void **state)
{
	(void)state;
	const char *tcp443 = "{\"ipv4\":{\"protocol\":6},\"tcp\":"
	    "{\"destination-port\":{\"operator\":\"eq\",\"port\":443}}}";
	mud_free(parse_ok(doc("ipv4-acl-type", tcp443, "")));

	expect_err("this is not json", "file: not JSON");
	expect_err("[1,2]", "file: a JSON object expected, got an array");
	expect_err("{\"a\":1}", "ietf-mud:mud: missing");
	expect_err("{\"ietf-mud:mud\":[]}", "ietf-mud:mud: an object expected");
	expect_err("{\"ietf-mud:mud\":{\"mud-version\":\"1\"}}",
	    "ietf-mud:mud.mud-version: an integer expected, got a string");
	expect_err("{\"ietf-mud:mud\":{\"mud-version\":2}}",
	    "ietf-mud:mud.mud-version: version 2");
	expect_err("{\"ietf-mud:mud\":{\"mud-version\":1,"
	    "\"mud-url\":\"http://x.example/m\"}}", "ietf-mud:mud.mud-url: "
	    "must be an https URL");
	expect_err("{\"a\":1,\"a\":2}", "not JSON");
	expect_err(doc("ipv4-acl-type", "{\"tcp\":{\"destination-port\":"
	    "{\"operator\":\"gt\",\"port\":443}}}", ""),
	    "ietf-access-control-list:acls.acl[0].aces.ace[0].matches.tcp."
	    "destination-port: unknown operator 'gt'");
	expect_err(doc("ipv4-acl-type", "{\"tcp\":{\"destination-port\":"
	    "{\"port\":70000}}}", ""), "destination-port.port: 70000 out of "
	    "range 0..65535");
	expect_err(doc("ipv4-acl-type", "{\"tcp\":{\"destination-port\":"
	    "{\"lower-port\":90,\"upper-port\":80}}}", ""),
	    "upper-port 80 < lower-port 90");
	expect_err(doc("ipv4-acl-type", "{\"ipv6\":{\"protocol\":6}}", ""),
	    "matches.ipv6: not allowed in an ACL of another type");
	expect_err(doc("ipv4-acl-type", "{\"udp\":{"
	    "\"ietf-mud:direction-initiated\":\"from-device\"}}", ""),
	    "matches.udp.ietf-mud:direction-initiated: defined for tcp only");
	expect_err(doc("ipv4-acl-type", "{\"tcp\":{"
	    "\"ietf-mud:direction-initiated\":\"sideways\"}}", ""),
	    "'sideways' is neither from-device nor to-device");
	expect_err(doc("ipv4-acl-type", "{\"ietf-mud:mud\":"
	    "{\"local-networks\":true}}", ""),
	    "matches.ietf-mud:mud.local-networks: [null] expected");
	expect_err(doc("ipv4-acl-type", "{\"ipv4\":{"
	    "\"ietf-acldns:dst-dnsname\":\"bad name.com\"}}", ""),
	    "ietf-acldns:dst-dnsname: invalid character");
	expect_err(doc("ipv4-acl-type", "{\"ipv4\":{"
	    "\"ietf-acldns:dst-dnsname\":\"a.com\","
	    "\"destination-ipv4-network\":\"1.2.3.4/32\"}}", ""),
	    "one choice");
	expect_err(doc("ipv4-acl-type", "{\"ipv4\":{"
	    "\"destination-ipv4-network\":\"1.2.3.4/33\"}}", ""),
	    "prefix length 33 > 32");
	expect_err(doc("ipv4-acl-type", "{\"ipv4\":{\"protocol\":17},"
	    "\"tcp\":{}}", ""), "tcp with protocol 17");
	expect_err(doc("ipv4-acl-type", "{\"ipv4\":{\"colour\":1}}", ""),
	    "matches.ipv4: unknown key 'colour'");
	expect_err(doc("ip-acl", tcp443, ""), "acl[0].type: unknown ACL type");
	expect_err(doc("ipv4-acl-type", tcp443, ",\"cache-validity\":0"),
	    "duplicate");	/* cache-validity twice: not JSON */
	expect_err(doc("ipv4-acl-type", tcp443, ",\"bogus\":1"),
	    "ietf-mud:mud: unknown key 'bogus'");

	/* policy names an ACL the file does not have */
	char *d = doc("ipv4-acl-type", tcp443, "");
	char *q = strstr(d, "[{\"name\":\"a\"}]");
	assert_non_null(q);
	q[10] = 'b';
	expect_err(d, "ietf-mud:mud.from-device-policy.access-lists."
	    "access-list[0].name: no ACL named 'b'");
	/* forwarding */
	d = doc("ipv4-acl-type", tcp443, "");
	q = strstr(d, "\"accept\"");
	memcpy(q, "\"allows\"", 8);
	expect_err(d, "actions.forwarding: unknown action 'allows'");

	/* too big: refused before parsing */
	size_t big = MUD_MAX_BYTES + 1;
	char *b = malloc(big + 1);
	assert_non_null(b);
	memset(b, ' ', big);
	b[0] = '{';
	b[big - 1] = '}';
	b[big] = '\0';
	expect_err(b, "larger than the");
	free(b);

	/* too many ACLs */
	json_t *root = json_loads(doc("ipv4-acl-type", tcp443, ""), 0, NULL);
	json_t *acls = path_get(root, "ietf-access-control-list:acls/acl");
	for (int i = 0; i < MUD_MAX_ACLS; i++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "x%d", i);
		json_array_append_new(acls, json_pack("{s:s}", "name", nm));
	}
	char *s = json_dumps(root, 0);
	expect_err(s, "ACLs, at most");
	free(s);
	json_decref(root);
	/* too many ACEs: one ACL with MUD_MAX_ACES + 1 */
	root = json_loads(doc("ipv4-acl-type", tcp443, ""), 0, NULL);
	json_t *ace = path_get(json_array_get(path_get(root,
	    "ietf-access-control-list:acls/acl"), 0), "aces/ace");
	json_t *proto = json_deep_copy(json_array_get(ace, 0));
	for (int i = 1; i <= MUD_MAX_ACES; i++) {
		char nm[16];
		json_t *e2 = json_deep_copy(proto);
		snprintf(nm, sizeof(nm), "e%d", i);
		json_object_set_new(e2, "name", json_string(nm));
		json_array_append_new(ace, e2);
	}
	s = json_dumps(root, 0);
	expect_err(s, "aces.ace: more than 4096 ACEs");
	free(s);
	/* ... and exactly MUD_MAX_ACES parse */
	json_array_remove(ace, MUD_MAX_ACES);
	s = json_dumps(root, 0);
	struct mud_profile *p = parse_ok(s);
	assert_int_equal(mud_ace_count(p), MUD_MAX_ACES);
	mud_free(p);
	free(s);
	/* listed by both policies: twice the ACEs, over the limit */
	json_object_set_new(path_get(root, "ietf-mud:mud"), "to-device-policy",
	    json_deep_copy(path_get(root, "ietf-mud:mud/from-device-policy")));
	s = json_dumps(root, 0);
	expect_err(s, "ACEs in the policies");
	free(s);
	json_decref(proto);
	json_decref(root);
	/* one ACL twice in a policy */
	root = json_loads(doc("ipv4-acl-type", tcp443, ""), 0, NULL);
	json_array_append_new(path_get(root, "ietf-mud:mud/from-device-policy/"
	    "access-lists/access-list"), json_pack("{s:s}", "name", "a"));
	s = json_dumps(root, 0);
	expect_err(s, "access-list[1].name: 'a' listed twice");
	free(s);
	json_decref(root);
	/* empty input */
	char err[64];
	assert_null(mud_parse("", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "empty"));
}

/* RFC 8520 section 9 in spirit: IPv6 ACLs by name in both directions,
 * plus ranges, neq, a drop, abstractions we cannot evaluate, and the
 * pre-RFC 8519 container name. */
static const char RFC_LIKE[] =
    "{\"ietf-mud:mud\":{\"mud-version\":1,"
    "\"mud-url\":\"https://lighting.example.com/lightbulb2000\","
    "\"last-update\":\"2019-01-28T11:20:51.5Z\",\"cache-validity\":48,"
    "\"is-supported\":true,\"systeminfo\":\"The BMS Example Light Bulb\","
    "\"mfg-name\":\"Example\",\"extensions\":[\"x\"],"
    "\"from-device-policy\":{\"access-lists\":{\"access-list\":"
    "[{\"name\":\"mud-76100-v6fr\"}]}},"
    "\"to-device-policy\":{\"access-lists\":{\"access-list\":"
    "[{\"name\":\"mud-76100-v6to\"}]}}},"
    "\"ietf-access-control-list:%s\":{\"acl\":["
    "{\"name\":\"mud-76100-v6to\",\"type\":\"ipv6-acl-type\",\"aces\":"
    "{\"ace\":[{\"name\":\"cl0-todev\",\"matches\":{\"ipv6\":{"
    "\"ietf-acldns:src-dnsname\":\"test.example.com\",\"protocol\":6},"
    "\"tcp\":{\"ietf-mud:direction-initiated\":\"from-device\","
    "\"source-port\":{\"operator\":\"eq\",\"port\":443}}},"
    "\"actions\":{\"forwarding\":\"accept\"}}]}},"
    "{\"name\":\"mud-76100-v6fr\",\"type\":\"ipv6-acl-type\",\"aces\":"
    "{\"ace\":["
    "{\"name\":\"deny-one\",\"matches\":{\"ipv6\":{\"protocol\":17,"
    "\"destination-ipv6-network\":\"2001:db8::/32\",\"ttl\":4},"
    "\"udp\":{\"destination-port\":{\"port\":5000}}},"
    "\"actions\":{\"forwarding\":\"ietf-access-control-list:drop\"}},"
    "{\"name\":\"range\",\"matches\":{\"ipv6\":{\"protocol\":17,"
    "\"destination-ipv6-network\":\"2001:db8::/32\"},"
    "\"udp\":{\"destination-port\":{\"lower-port\":5000,"
    "\"upper-port\":5010}}},\"actions\":{\"forwarding\":\"accept\"}},"
    "{\"name\":\"neq\",\"matches\":{\"ipv6\":{\"protocol\":6},"
    "\"tcp\":{\"destination-port\":{\"operator\":\"neq\",\"port\":23}},"
    "\"ietf-mud:mud\":{\"local-networks\":[null]}},"
    "\"actions\":{\"forwarding\":\"accept\"}},"
    "{\"name\":\"mfg\",\"matches\":{\"ietf-mud:mud\":"
    "{\"manufacturer\":\"example.com\"}},"
    "\"actions\":{\"forwarding\":\"accept\"}},"
    "{\"name\":\"cl0-frdev\",\"matches\":{\"ipv6\":{"
    "\"ietf-acldns:dst-dnsname\":\"test.example.com\",\"protocol\":6},"
    "\"tcp\":{\"ietf-mud:direction-initiated\":\"from-device\","
    "\"destination-port\":{\"operator\":\"eq\",\"port\":443}}},"
    "\"actions\":{\"forwarding\":\"accept\"}}]}}]}}";

static void test_parse_and_match(void **state)
{
	(void)state;
	char buf[sizeof(RFC_LIKE) + 32], why[160];
	for (int old = 0; old < 2; old++) {
		snprintf(buf, sizeof(buf), RFC_LIKE, old ? "access-lists" :
		    "acls");
		struct mud_profile *p = parse_ok(buf);
		assert_string_equal(mud_profile_url(p),
		    "https://lighting.example.com/lightbulb2000");
		assert_string_equal(mud_profile_systeminfo(p),
		    "The BMS Example Light Bulb");
		assert_int_equal(mud_profile_ignored(p), 1);	/* ttl */
		/* from-device ACEs first, in file order, then to-device */
		assert_int_equal(mud_ace_count(p), 6);
		const struct mud_ace *e = mud_ace_at(p, 0);
		assert_string_equal(e->name, "deny-one");
		assert_int_equal(e->dir, MUD_FROM_DEVICE);
		assert_int_equal(e->family, 6);
		assert_int_equal(e->proto, 17);
		assert_false(e->accept);
		assert_int_equal(e->dst_net.plen, 32);
		e = mud_ace_at(p, 3);
		assert_string_equal(e->name, "mfg");
		assert_true(e->unsupported);
		e = mud_ace_at(p, 5);
		assert_string_equal(e->acl, "mud-76100-v6to");
		assert_int_equal(e->dir, MUD_TO_DEVICE);
		assert_string_equal(e->src_dnsname, "test.example.com");
		assert_int_equal(e->initiated, MUD_INIT_FROM_DEVICE);
		assert_null(mud_ace_at(p, 6));

		assert_true(allows(p, 1, "2600::1", "Test.Example.com", 0, 6,
		    443, 40000, why, sizeof(why)));
		/* the answer from the server */
		struct addr r = ip("2600::1");
		struct mud_flow f = { 0, &r, "test.example.com", 0, 6, 443,
			40000, 1, NULL };
		assert_true(mud_allows(p, &f, why, sizeof(why)));
		/* the first match decides: drop before the range */
		assert_false(allows(p, 1, "2001:db8::7", NULL, 0, 17, 5000,
		    40000, why, sizeof(why)));
		assert_non_null(strstr(why, "denied by ACE deny-one"));
		assert_true(allows(p, 1, "2001:db8::7", NULL, 0, 17, 5010,
		    40000, why, sizeof(why)));
		assert_false(allows(p, 1, "2001:db8::7", NULL, 0, 17, 5011,
		    40000, why, sizeof(why)));
		assert_false(allows(p, 1, "2001:db9::7", NULL, 0, 17, 5005,
		    40000, why, sizeof(why)));	/* outside the /32 */
		assert_true(allows(p, 1, "fe80::2", NULL, 1, 6, 80, 40000, why,
		    sizeof(why)));
		assert_false(allows(p, 1, "fe80::2", NULL, 1, 6, 23, 40000,
		    why, sizeof(why)));	/* neq 23 */
		/* an IPv4 flow: no IPv4 ACL */
		assert_false(allows(p, 1, "192.168.1.2", NULL, 1, 6, 80, 40000,
		    why, sizeof(why)));
		/* manufacturer ACE never matches (would allow everything) */
		assert_false(allows(p, 1, "2600::2", "other.example.com", 0,
		    17, 9, 40000, why, sizeof(why)));
		mud_free(p);
	}
	mud_free(NULL);
	assert_int_equal(mud_ace_count(NULL), 0);
}

static void test_export_errors(void **state)
{
	(void)state;
	struct jbuf jb;
	char err[256];
	jb_init(&jb, 0);
	assert_int_equal(mud_export("nope", 4, URL, 0, &jb, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "not JSON"));
	assert_int_equal(mud_export("{\"v\":2}", 7, URL, 0, &jb, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "version 1"));
	const char *bad = "{\"v\":1,\"remotes\":[{\"ip\":\"x\",\"proto\":6,"
	    "\"port\":1}]}";
	assert_int_equal(mud_export(bad, strlen(bad), URL, 0, &jb, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "baseline remotes[0]: ip: an IP address "
	    "expected");
	bad = "{\"v\":1,\"peers\":{}}";
	assert_int_equal(mud_export(bad, strlen(bad), URL, 0, &jb, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "peers: an array expected"));
	assert_int_equal(mud_export(BLOB, strlen(BLOB), "http://x/y", 0, &jb,
	    err, sizeof(err)), -1);
	/* a blob with nothing in it: a valid file with empty policies; a
	 * name unfit for ietf-acldns falls back to the address */
	const char *empty = "{\"v\":1,\"key\":\"10.0.0.5\",\"remotes\":[{"
	    "\"ip\":\"8.8.8.8\",\"name\":\"bad name\\u0001\",\"proto\":1}]}";
	jb_reset(&jb);
	assert_int_equal(mud_export(empty, strlen(empty), URL, 0, &jb, err,
	    sizeof(err)), 0);
	json_t *root = json_loads(jb.buf, 0, NULL);
	assert_non_null(root);
	json_t *e = path_get(json_array_get(path_get(json_array_get(path_get(
	    root, "ietf-access-control-list:acls/acl"), 0), "aces/ace"), 0),
	    "matches");
	assert_string_equal(json_string_value(path_get(e,
	    "ipv4/destination-ipv4-network")), "8.8.8.8/32");
	assert_int_equal(json_integer_value(path_get(e, "ipv4/protocol")), 1);
	assert_null(path_get(e, "tcp"));
	assert_string_equal(json_string_value(path_get(json_array_get(path_get(
	    root, "ietf-access-control-list:acls/acl"), 0), "name")),
	    "mud-10005-v4fr");
	json_decref(root);
	struct mud_profile *p = parse_ok(jb.buf);
	assert_true(allows(p, 1, "8.8.8.8", NULL, 0, 1, 0, 0, NULL, 0));
	assert_false(allows(p, 1, "8.8.4.4", NULL, 0, 1, 0, 0, NULL, 0));
	mud_free(p);
	jb_reset(&jb);
	const char *none = "{\"v\":1}";
	assert_int_equal(mud_export(none, strlen(none), URL, 0, &jb, err,
	    sizeof(err)), 0);
	p = parse_ok(jb.buf);
	assert_int_equal(mud_ace_count(p), 0);
	assert_false(allows(p, 1, "8.8.8.8", NULL, 0, 6, 443, 1, NULL, 0));
	mud_free(p);
	jb_fini(&jb);
}

static void test_alloc_failure(void **state)
{
	(void)state;
	char *s = export_blob(BLOB);
	char err[256];
	int ok = 0;
	for (long n = 0; n < 64 && !ok; n++) {
		alloc_fail_after(n);
		struct mud_profile *p = mud_parse(s, strlen(s), err,
		    sizeof(err));
		alloc_fail_after(-1);
		if (p) {
			ok = 1;
			assert_true(mud_ace_count(p) > 0);
			mud_free(p);
		} else {
			assert_non_null(strstr(err, "out of memory"));
		}
	}
	assert_true(ok);
	ok = 0;
	for (long n = 0; n < 64 && !ok; n++) {
		struct jbuf jb;
		jb_init(&jb, 0);
		alloc_fail_after(n);
		int rc = mud_export(BLOB, strlen(BLOB), URL, NOW_NS, &jb, err,
		    sizeof(err));
		alloc_fail_after(-1);
		if (rc == 0) {
			ok = 1;
			assert_string_equal(jb.buf, s);
		} else {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err, "out of memory"));
		}
		jb_fini(&jb);
	}
	assert_true(ok);
	free(s);
}

/* EW_MUD_SEEDS=DIR: write a corpus for fuzz/fuzz_mud.c and exit. */
static int write_seeds(const char *d)
{
	char path[512], buf[sizeof(RFC_LIKE) + 32];
	char *mud = export_blob(BLOB);
	snprintf(buf, sizeof(buf), RFC_LIKE, "acls");
	const char *files[][2] = { { "blob.json", BLOB }, { "export.json", mud },
		{ "rfc.json", buf } };
	int rc = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", d, files[i][0]);
		FILE *fp = fopen(path, "w");
		if (!fp || fputs(files[i][1], fp) == EOF)
			rc = 1;
		if (fp && fclose(fp) != 0)
			rc = 1;
	}
	free(mud);
	return rc;
}

int main(void)
{
	if (getenv("EW_MUD_SEEDS"))
		return write_seeds(getenv("EW_MUD_SEEDS"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_structure),
		cmocka_unit_test(test_export_deterministic),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_and_match),
		cmocka_unit_test(test_export_errors),
		cmocka_unit_test(test_alloc_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
