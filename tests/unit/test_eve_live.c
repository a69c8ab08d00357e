/* test_eve_live.c - live-mode EVE writing (append, rotation by size,
 * reopen after logrotate, the stats live block) and the option table
 * shared by `analyze` and `run`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "output/eve.h"

#include "unit/tmpdir.h"

static long count_lines(const char *path)
{
	FILE *fp = fopen(path, "r");
	long n = 0;
	int c;

	if (!fp)
		return -1;
	while ((c = fgetc(fp)) != EOF)
		if (c == '\n')
			n++;
	fclose(fp);
	return n;
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* One small event with a sequence number. */
static void put(struct eve *ev, uint64_t i)
{
	struct jbuf *jb = eve_begin(ev);
	jb_obj_open(jb);
	eve_header(jb, 1700000000000000000ull + i, 0, "test");
	jb_ku64(jb, "seq", i);
	jb_obj_close(jb);
	eve_commit(ev);
}

static void test_append_keeps_content(void **state)
{
	(void)state;
	char path[128], err[256];

	snprintf(path, sizeof(path), "%s/append.json", dir);
	struct eve *ev = eve_open_append(path, err, sizeof(err));
	assert_non_null(ev);
	put(ev, 1);
	put(ev, 2);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	ev = eve_open_append(path, err, sizeof(err));
	assert_non_null(ev);
	assert_true(eve_bytes(ev) > 0);	/* size of what is there */
	put(ev, 3);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	assert_int_equal(count_lines(path), 3);
	/* eve_open still truncates (analyze) */
	ev = eve_open(path, err, sizeof(err));
	assert_non_null(ev);
	put(ev, 4);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	assert_int_equal(count_lines(path), 1);
}

static void test_rotation_by_size(void **state)
{
	(void)state;
	char path[128], p1[140], p2[140], p3[140], err[256];

	snprintf(path, sizeof(path), "%s/rot.json", dir);
	snprintf(p1, sizeof(p1), "%s.1", path);
	snprintf(p2, sizeof(p2), "%s.2", path);
	snprintf(p3, sizeof(p3), "%s.3", path);
	struct eve *ev = eve_open_append(path, err, sizeof(err));
	assert_non_null(ev);
	eve_set_rotation(ev, 1000, 2);
	/* one line is ~70 bytes: 15 lines per file */
	for (uint64_t i = 0; i < 100; i++)
		put(ev, i);
	assert_true(eve_rotations(ev) >= 5);
	assert_true(eve_bytes(ev) < 1000);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	assert_true(exists(p1));
	assert_true(exists(p2));
	assert_false(exists(p3));	/* keep = 2 */
	struct stat st;
	assert_int_equal(stat(p1, &st), 0);
	assert_true(st.st_size >= 1000 && st.st_size < 1100);
	/* the newest lines are in path, the ones before in .1 */
	long n0 = count_lines(path), n1 = count_lines(p1);
	assert_true(n0 >= 0 && n1 > 0);
	char buf[256];
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	char last[256] = "";
	while (fgets(buf, sizeof(buf), fp))
		snprintf(last, sizeof(last), "%s", buf);
	fclose(fp);
	if (n0 > 0)
		assert_non_null(strstr(last, "\"seq\":99"));
}

static void test_rotation_off_below_size(void **state)
{
	(void)state;
	char path[128], p1[140], err[256];

	snprintf(path, sizeof(path), "%s/norot.json", dir);
	snprintf(p1, sizeof(p1), "%s.1", path);
	struct eve *ev = eve_open_append(path, err, sizeof(err));
	assert_non_null(ev);
	eve_set_rotation(ev, 100000, 5);
	for (uint64_t i = 0; i < 100; i++)
		put(ev, i);
	assert_int_equal(eve_rotations(ev), 0);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	assert_false(exists(p1));
	assert_int_equal(count_lines(path), 100);
}

static void test_reopen_after_logrotate(void **state)
{
	(void)state;
	char path[128], moved[140], err[256];

	snprintf(path, sizeof(path), "%s/hup.json", dir);
	snprintf(moved, sizeof(moved), "%s.old", path);
	struct eve *ev = eve_open_append(path, err, sizeof(err));
	assert_non_null(ev);
	put(ev, 1);
	assert_int_equal(eve_flush(ev), 0);
	assert_int_equal(rename(path, moved), 0);	/* logrotate */
	put(ev, 2);	/* still goes to the moved file */
	assert_int_equal(eve_reopen(ev, err, sizeof(err)), 0);
	put(ev, 3);
	put(ev, 4);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	assert_int_equal(count_lines(moved), 2);
	assert_int_equal(count_lines(path), 2);
	/* a writer opened with eve_open cannot be reopened */
	ev = eve_open(path, err, sizeof(err));
	assert_non_null(ev);
	assert_int_equal(eve_reopen(ev, err, sizeof(err)), -1);
	eve_close(ev, err, sizeof(err));
}

static void test_stats_live_block(void **state)
{
	(void)state;
	struct cap_stats cs = { .packets = 5, .bytes = 500 };
	struct run_stats rs = { .capture = &cs, .eve_lines = 3 };
	struct live_stats live = { .uptime_s = 61, .kernel_drops = 7,
	    .iface_drops = 2, .rss_kb = 1000, .rss_peak_kb = 2000,
	    .has_store = 1, .store_written = 42, .store_dropped = 1 };
	struct jbuf jb;

	jb_init(&jb, 0);
	eve_stats_json(&jb, 1700000000000000000ull, &rs);
	assert_int_equal(jb.err, 0);
	assert_null(strstr(jb.buf, "\"live\""));	/* offline: none */
	assert_non_null(strstr(jb.buf, "\"event_type\":\"stats\""));
	jb_reset(&jb);
	rs.live = &live;
	eve_stats_json(&jb, 1700000000000000000ull, &rs);
	assert_int_equal(jb.err, 0);
	assert_non_null(strstr(jb.buf, "\"live\":{\"uptime_s\":61,"
	    "\"kernel_drops\":7,\"iface_drops\":2,"));
	assert_non_null(strstr(jb.buf, "\"memory\":{\"rss_kb\":1000,"
	    "\"rss_peak_kb\":2000}"));
	assert_non_null(strstr(jb.buf, "\"written\":42,\"dropped\":1,"));
	live.has_store = 0;
	jb_reset(&jb);
	eve_stats_json(&jb, 1700000000000000000ull, &rs);
	assert_null(strstr(jb.buf, "\"store\""));
	jb_fini(&jb);
}

/* The shared option table: same parser for analyze and run. */
static void test_shared_options(void **state)
{
	(void)state;
	static const struct option own[] = {
		{ "read", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct option opts[40];
	struct pipeline_config cfg;
	struct cli_pl_opts po = { .cfg = &cfg };
	char *argv[] = { "x", "--set", "scan.window=5", "--store", "s.db",
	    "--set", "flood.syn_rate=9", "--no-model", "--flow-memcap", "1M",
	    "-r", "cap.pcap", "--key", "k.key", "--check-off", "dns", NULL };
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1, c, own_seen = 0;

	pipeline_config_default(&cfg);
	assert_int_equal(cli_pl_options(opts, 3, own), -1);	/* too small */
	assert_int_equal(cli_pl_options(opts, 40, own), 0);
	optind = 0;
	while ((c = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		int r = cli_pl_option(&po, c, optarg, "test");
		if (r == 0) {
			assert_int_equal(c, 'r');
			own_seen++;
			continue;
		}
		assert_int_equal(r, 1);
	}
	assert_int_equal(own_seen, 1);
	assert_int_equal(cfg.detect.nset, 2);
	assert_string_equal(cfg.detect.set[0], "scan.window=5");
	assert_string_equal(cfg.detect.set[1], "flood.syn_rate=9");
	assert_int_equal(cfg.detect.noff, 1);
	assert_string_equal(po.store_path, "s.db");
	assert_string_equal(po.key_path, "k.key");
	assert_string_equal(cfg.anom.key_path, "k.key");
	assert_int_equal(cfg.anom.enabled, 0);
	assert_int_equal(cfg.flow.memcap, 1u << 20);
	/* bad values are refused */
	assert_int_equal(cli_pl_option(&po, CLI_OPT_PL_FIRST, "10.0.0.0/99",
	    "test"), -1);
	assert_int_equal(cli_pl_option(&po, CLI_OPT_PL_FIRST + 1, "12Q",
	    "test"), -1);
	assert_int_equal(cli_pl_option(&po, '?', NULL, "test"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_keeps_content),
		cmocka_unit_test(test_rotation_by_size),
		cmocka_unit_test(test_rotation_off_below_size),
		cmocka_unit_test(test_reopen_after_logrotate),
		cmocka_unit_test(test_stats_live_block),
		cmocka_unit_test(test_shared_options),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
