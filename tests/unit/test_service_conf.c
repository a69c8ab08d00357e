/* test_service_conf.c - the configuration file: JSON with comment lines
 * into long options, errors with line numbers, and dist/edgeward.conf. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "cli/cli.h"
#include "service/service.h"

#include "unit/tmpdir.h"

/* A getopt table shaped like `edgeward run`'s. */
static const struct option opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "bpf", required_argument, NULL, 'f' },
	{ "log-dir", required_argument, NULL, 'l' },
	{ "home-net", required_argument, NULL, 1 },
	{ "flow-memcap", required_argument, NULL, 2 },
	{ "no-ndpi", no_argument, NULL, 3 },
	{ "set", required_argument, NULL, 4 },
	{ "check-off", required_argument, NULL, 5 },
	{ "promisc", no_argument, NULL, 6 },
	{ "user", required_argument, NULL, 7 },
	{ "ratio", required_argument, NULL, 8 },
	{ "config", required_argument, NULL, 'c' },
	{ NULL, 0, NULL, 0 },
};

struct parsed {
	int rc, argc;
	char **argv;
	char err[512];
};

static struct parsed parse(const char *text, const struct option *o)
{
	struct parsed p;
	memset(&p, 0, sizeof(p));
	p.rc = svc_conf_parse(text, strlen(text), "t.conf", o, &p.argc,
	    &p.argv, p.err, sizeof(p.err));
	return p;
}

static void expect_args(const char *text, const char *const *want, int n)
{
	struct parsed p = parse(text, opts);
	if (p.rc != 0)
		print_error("unexpected error: %s\n", p.err);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.argc, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(p.argv[i], want[i]);
	assert_null(p.argv[n]);
	svc_conf_free(p.argc, p.argv);
}

static void expect_error(const char *text, const struct option *o,
    const char *want)
{
	struct parsed p = parse(text, o);
	assert_int_equal(p.rc, -1);
	assert_int_equal(p.argc, 0);
	assert_null(p.argv);
	if (!strstr(p.err, want))
		print_error("error '%s' lacks '%s'\n", p.err, want);
	assert_non_null(strstr(p.err, want));
}

static void test_mapping(void **state)
{
	(void)state;
	static const char *const want[] = {
		"--interface=br-lan", "--log-dir=/var/log/edgeward",
		"--flow-memcap=67108864", "--no-ndpi", "--check-off=scan",
		"--check-off=flood", "--set=scan.min_ports=20",
		"--set=dns.entropy=3.5", "--set=flag=1", "--ratio=0.1",
	};
	expect_args(
	    "# edgeward test config\n"
	    "{\n"
	    "  \"interface\": \"br-lan\",\n"
	    "    # indented comment, with \"quotes\" and { braces\n"
	    "  \"log_dir\": \"/var/log/edgeward\",\n"
	    "  \"flow-memcap\": 67108864,\n"
	    "  \"no_ndpi\": true,\n"
	    "  \"promisc\": false,\n"
	    "  \"bpf\": null,\n"
	    "  \"check_off\": [\"scan\", \"flood\"],\n"
	    "  \"set\": {\"scan.min_ports\": 20, \"dns.entropy\": 3.5,\n"
	    "          \"flag\": true},\n"
	    "  \"ratio\": 0.1\n"
	    "}\n", want, (int)(sizeof(want) / sizeof(want[0])));
}

static void test_set_forms(void **state)
{
	(void)state;
	static const char *const w1[] = { "--set=a.b=1", "--set=c.d=2" };
	expect_args("{\"set\": [\"a.b=1\", \"c.d=2\"]}", w1, 2);
	static const char *const w2[] = { "--set=a.b=1" };
	expect_args("{\"set\": \"a.b=1\"}", w2, 1);
	expect_args("{\"set\": {}}", NULL, 0);
}

static void test_empty_and_comments_only(void **state)
{
	(void)state;
	expect_args("", NULL, 0);
	expect_args("# nothing\n   # still nothing\n\n", NULL, 0);
	expect_args("{}", NULL, 0);
	/* A '#' that is not first on its line is JSON, not a comment. */
	static const char *const w[] = { "--bpf=not #port 22" };
	expect_args("{\"bpf\": \"not #port 22\"}", w, 1);
	expect_error("{\"bpf\": \"x\"} # trailing\n", opts, "t.conf:1:");
}

static void test_line_numbers(void **state)
{
	(void)state;
	/* jansson's own errors keep the file's line numbers although
	 * comment lines were blanked. */
	expect_error("# one\n# two\n{\n  \"interface\": \"x\",\n}\n", opts,
	    "t.conf:5:");
	/* our errors name the key's line */
	expect_error("# one\n{\n  \"interface\": \"x\",\n\n"
	    "  \"nonsense\": 3\n}\n", opts, "t.conf:5: unknown option "
	    "\"nonsense\"");
	expect_error("{\n\"set\": {\n  \"a.b\": 1,\n  \"c.d\": [1]\n}}\n", opts,
	    "t.conf:4: \"set\": value of 'c.d' must be a number or string, "
	    "not a list");
}

static void test_type_errors(void **state)
{
	(void)state;
	expect_error("{\"interface\": true}", opts, "needs a value, not true");
	expect_error("{\"interface\": false}", opts, "needs a value");
	expect_error("{\"no-ndpi\": \"yes\"}", opts, "is a switch");
	expect_error("{\"interface\": {\"a\": 1}}", opts, "not an object");
	expect_error("{\"check-off\": [[\"scan\"]]}", opts,
	    "only strings and numbers, not a list");
	expect_error("{\"check-off\": [true]}", opts, "not true/false");
	expect_error("[1, 2]", opts, "t.conf:1: the file must hold one JSON "
	    "object");
	expect_error("\"x\"", opts, "t.conf:");
	expect_error("{\"interface\": \"a\", \"interface\": \"b\"}", opts,
	    "duplicate");
	expect_error("{\"set\": {\"a=b\": 1}}", opts, "bad setting name");
	expect_error("{\"set\": {\"a\": {\"b\": 1}}}", opts, "not an object");
}

static void test_names(void **state)
{
	(void)state;
	expect_error("{\"config\": \"/etc/other.conf\"}", opts,
	    "cannot appear in a config file");
	expect_error("{\"help\": true}", NULL, "cannot appear");
	expect_error("{\"a=b\": \"c\"}", NULL, "bad option name");
	expect_error("{\"-x\": \"c\"}", NULL, "bad option name");
	expect_error("{\"\": \"c\"}", NULL, "bad option name");
	expect_error("{\"in terface\": \"c\"}", NULL, "bad option name");
	/* Without a table unknown keys pass through for getopt to report. */
	static const char *const w[] = { "--whatever=1", "--flag" };
	{
		struct parsed p = parse("{\"whatever\": 1, \"flag\": true}",
		    NULL);
		assert_int_equal(p.rc, 0);
		assert_int_equal(p.argc, 2);
		assert_string_equal(p.argv[0], w[0]);
		assert_string_equal(p.argv[1], w[1]);
		svc_conf_free(p.argc, p.argv);
	}
}

static void test_limits(void **state)
{
	(void)state;
	/* one byte over the limit: refused before parsing */
	size_t n = SVC_CONF_MAX_BYTES + 1;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	struct parsed p;
	memset(&p, 0, sizeof(p));
	p.rc = svc_conf_parse(big, n, "big.conf", opts, &p.argc, &p.argv,
	    p.err, sizeof(p.err));
	assert_int_equal(p.rc, -1);
	assert_non_null(strstr(p.err, "too large"));
	/* at the limit: fine */
	p.rc = svc_conf_parse(big, n - 1, "big.conf", NULL, &p.argc, &p.argv,
	    p.err, sizeof(p.err));
	assert_int_not_equal(p.rc, 0);	/* "{   ...  " lacks its '}' */
	big[n - 2] = '}';
	p.rc = svc_conf_parse(big, n - 1, "big.conf", NULL, &p.argc, &p.argv,
	    p.err, sizeof(p.err));
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.argc, 0);
	svc_conf_free(p.argc, p.argv);
	free(big);

	/* too many options */
	size_t cap = (size_t)SVC_CONF_MAX_OPTS * 8 + 64;
	char *many = malloc(cap);
	assert_non_null(many);
	size_t o = (size_t)snprintf(many, cap, "{\"check-off\": [");
	for (int i = 0; i <= SVC_CONF_MAX_OPTS; i++)
		o += (size_t)snprintf(many + o, cap - o, "%s\"x\"",
		    i ? "," : "");
	snprintf(many + o, cap - o, "]}");
	expect_error(many, opts, "more than");
	free(many);

	/* deep nesting is refused by the parser, not a stack overflow */
	char deep[20001];
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	memcpy(deep, "{\"x\":", 5);
	p = parse(deep, NULL);
	assert_int_equal(p.rc, -1);
}

static void test_load_file(void **state)
{
	(void)state;
	char path[128], err[512];
	int argc;
	char **argv;

	assert_int_equal(svc_conf_load("/nonexistent/edgeward.conf", &argc,
	    &argv, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(svc_conf_load(dir, &argc, &argv, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "directory"));

	snprintf(path, sizeof(path), "%s/a.conf", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("# x\n{\"user\": \"nobody\",\n \"bogus\": 1}\n", fp);
	fclose(fp);
	assert_int_equal(svc_conf_load(path, &argc, &argv, err, sizeof(err)),
	    0);
	assert_int_equal(argc, 2);
	assert_string_equal(argv[0], "--user=nobody");
	assert_string_equal(argv[1], "--bogus=1");
	svc_conf_free(argc, argv);
	assert_int_equal(svc_conf_load_opts(path, opts, &argc, &argv, err,
	    sizeof(err)), -1);
	char want[160];
	snprintf(want, sizeof(want), "%s:3: unknown option \"bogus\"", path);
	assert_string_equal(err, want);

	/* /dev/zero: refused after reading just past the limit */
	assert_int_equal(svc_conf_load("/dev/zero", &argc, &argv, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too large"));
}

/* `edgeward run`'s long options (src/cli/run.c own_opts and
 * src/cli/cli_util.c pl_opts) with their argument kinds. */
/* `run`'s own options; the pipeline's come from cli_pl_options, so the
 * table the file is checked against is the one `run` parses. */
static const struct option run_own[] = {
	{ "interface", required_argument, NULL, 0 },
	{ "filter", required_argument, NULL, 0 },
	{ "bpf", required_argument, NULL, 0 },
	{ "config", required_argument, NULL, 0 },
	{ "log-dir", required_argument, NULL, 0 },
	{ "user", required_argument, NULL, 0 },
	{ "model", required_argument, NULL, 0 },
	{ "stats-interval", required_argument, NULL, 0 },
	{ "model-interval", required_argument, NULL, 0 },
	{ "eve-max-size", required_argument, NULL, 0 },
	{ "eve-keep", required_argument, NULL, 0 },
	{ "syslog", no_argument, NULL, 0 },
	{ "snaplen", required_argument, NULL, 0 },
	{ "buffer-size", required_argument, NULL, 0 },
	{ "promisc", no_argument, NULL, 0 },
	{ "quarantine", no_argument, NULL, 0 },
	{ NULL, 0, NULL, 0 },
};
static struct option run_opts[96];

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	char *buf = malloc(1u << 20);
	*n = buf ? fread(buf, 1, (1u << 20) - 1, fp) : 0;
	fclose(fp);
	if (buf)
		buf[*n] = '\0';
	return buf;
}

static int has_arg(const char *const *argv, int argc, const char *want)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], want) == 0)
			return 1;
	return 0;
}

/* The shipped config parses against run's option table, gives the router
 * defaults it documents, and stays valid with every commented-out
 * example entry ("# \"key\": ...") switched on. */
static void test_dist_conf(void **state)
{
	(void)state;
	char err[512];
	int argc;
	char **argv;
	size_t n;
	const char *path = "dist/edgeward.conf";
	assert_int_equal(cli_pl_options(run_opts, sizeof(run_opts) /
	    sizeof(run_opts[0]), run_own), 0);
	char *text = slurp(path, &n);
	if (!text) {
		path = "../dist/edgeward.conf";
		text = slurp(path, &n);
	}
	if (!text)
		skip();
	int r = svc_conf_parse(text, n, path, run_opts, &argc, &argv, err,
	    sizeof(err));
	if (r != 0)
		print_error("%s\n", err);
	assert_int_equal(r, 0);
	assert_true(has_arg((const char *const *)argv, argc,
	    "--interface=br-lan"));
	assert_true(has_arg((const char *const *)argv, argc,
	    "--log-dir=/var/log/edgeward"));
	assert_true(has_arg((const char *const *)argv, argc,
	    "--store=/var/lib/edgeward/edgeward.db"));
	assert_true(has_arg((const char *const *)argv, argc,
	    "--user=edgeward"));
	assert_false(has_arg((const char *const *)argv, argc, "--promisc"));
	svc_conf_free(argc, argv);

	/* Uncomment every example entry: lines '# "key": ...' and the
	 * lines of a commented multi-line "set" example. Drop the active
	 * twin of a key first (duplicates are errors). */
	char *out = malloc(2 * n + 1);
	assert_non_null(out);
	size_t o = 0;
	int in_example = 0, examples = 0;
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		char *p = line;
		while (*p == ' ')
			p++;
		int example = p[0] == '#' && p[1] == ' ' &&
		    (p[2] == '"' || (in_example && (p[2] == ' ' || p[2] == '}')));
		if (example) {
			if (p[2] == '"')	/* a multi-line example opens? */
				in_example = p[len - (size_t)(p - line) - 2] ==
				    '{';
			else if (p[2] == '}')
				in_example = 0;
			memcpy(out + o, p + 2, len - (size_t)(p - line) - 2);
			o += len - (size_t)(p - line) - 2;
			examples++;
		} else {
			memcpy(out + o, line, len);
			o += len;
		}
		line += len;
	}
	out[o] = '\0';
	assert_true(examples >= 10);
	/* the active "bpf", "set", "check_off" would now be duplicates */
	static const char *const twins[] = { "  \"bpf\": null,\n",
	    "  \"set\": {},\n", "  \"check_off\": [],\n" };
	for (size_t i = 0; i < sizeof(twins) / sizeof(twins[0]); i++) {
		char *t = strstr(out, twins[i]);
		assert_non_null(t);
		memset(t, ' ', strlen(twins[i]) - 1);
	}
	r = svc_conf_parse(out, strlen(out), "uncommented", run_opts, &argc,
	    &argv, err, sizeof(err));
	if (r != 0)
		print_error("%s\n", err);
	assert_int_equal(r, 0);
	assert_true(has_arg((const char *const *)argv, argc,
	    "--set=scan.horizontal_dests=60"));
	assert_true(has_arg((const char *const *)argv, argc,
	    "--check-off=dhcp"));
	assert_true(has_arg((const char *const *)argv, argc,
	    "--home-net=192.168.1.0/24,fd00::/8"));
	svc_conf_free(argc, argv);
	free(out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_set_forms),
		cmocka_unit_test(test_empty_and_comments_only),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_dist_conf),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
