/* test_eve.c - EVE output: the exact flow line, stats, write errors, and
 * the CLI helpers (sizes, output directories). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "output/eve.h"

#include "unit/tmpdir.h"

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	size_t n = fread(buf, 1, size - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

static void test_flow_line(void **state)
{
	(void)state;
	char path[128], err[256], buf[4096];
	static const uint8_t c4[4] = { 192, 168, 1, 23 }, s4[4] = { 8, 8, 4, 4 };
	struct flow f;

	snprintf(path, sizeof(path), "%s/eve.json", dir);
	memset(&f, 0, sizeof(f));
	f.flow_id = 1234567890123ull;
	addr_set4(&f.cli_addr, c4);
	addr_set4(&f.srv_addr, s4);
	f.cli_port = 51000;
	f.srv_port = 443;
	f.proto = 6;
	f.vlan_depth = 1;
	f.vlan[0] = 10;
	f.has_mac = 1;
	memcpy(f.cli_mac, "\x00\x11\x22\xaa\xbb\xcc", 6);
	memcpy(f.srv_mac, "\x02\x00\x00\x00\x00\x01", 6);
	f.start_ns = 1700000000000001000ull;
	f.last_ns = 1700000065500000000ull;
	f.pkts_toserver = 10;
	f.pkts_toclient = 8;
	f.bytes_toserver = 1500;
	f.bytes_toclient = 9000;
	f.tcp_flags_ts = TCP_SYN | TCP_ACK | TCP_FIN;
	f.tcp_flags_tc = TCP_SYN | TCP_ACK | TCP_RST;
	f.state = FLOW_STATE_RESET;

	struct eve *ev = eve_open(path, err, sizeof(err));
	assert_non_null(ev);
	eve_flow(ev, &f, FLOW_END_TIMEOUT, NULL);
	assert_int_equal(eve_lines(ev), 1);
	assert_int_equal(eve_close(ev, err, sizeof(err)), 0);
	slurp(path, buf, sizeof(buf));
	assert_string_equal(buf,
	    "{\"timestamp\":\"2023-11-14T22:13:20.000001+0000\","
	    "\"flow_id\":1234567890123,\"event_type\":\"flow\",\"vlan\":[10],"
	    "\"src_ip\":\"192.168.1.23\",\"src_port\":51000,"
	    "\"dest_ip\":\"8.8.4.4\",\"dest_port\":443,\"proto\":\"TCP\","
	    "\"src_mac\":\"00:11:22:aa:bb:cc\",\"dest_mac\":\"02:00:00:00:00:01\","
	    "\"flow\":{\"pkts_toserver\":10,\"pkts_toclient\":8,"
	    "\"bytes_toserver\":1500,\"bytes_toclient\":9000,"
	    "\"start\":\"2023-11-14T22:13:20.000001+0000\","
	    "\"end\":\"2023-11-14T22:14:25.500000+0000\",\"age\":65,"
	    "\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false},"
	    "\"tcp\":{\"tcp_flags\":\"17\",\"tcp_flags_ts\":\"13\","
	    "\"tcp_flags_tc\":\"16\",\"fin\":true,\"syn\":true,\"rst\":true,"
	    "\"ack\":true,\"state\":\"reset\"}}\n");
}

static void test_icmp6_line(void **state)
{
	(void)state;
	char path[128], err[256], buf[4096];
	uint8_t a[16] = { 0xfe, 0x80 }, b[16] = { 0xff, 0x02 };
	struct flow f;

	a[15] = 1;
	b[15] = 2;
	snprintf(path, sizeof(path), "%s/icmp.json", dir);
	memset(&f, 0, sizeof(f));
	f.flow_id = 7;
	addr_set6(&f.cli_addr, a);
	addr_set6(&f.srv_addr, b);
	f.proto = 58;
	f.icmp_type = 133;
	f.start_ns = f.last_ns = 0;
	f.pkts_toserver = 1;
	f.bytes_toserver = 70;
	struct eve *ev = eve_open(path, err, sizeof(err));
	assert_non_null(ev);
	eve_flow(ev, &f, FLOW_END_SHUTDOWN, NULL);
	eve_close(ev, err, sizeof(err));
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"src_ip\":\"fe80::1\",\"dest_ip\":"
	    "\"ff02::2\",\"proto\":\"IPv6-ICMP\",\"icmp_type\":133,"
	    "\"icmp_code\":0,\"flow\":"));
	assert_null(strstr(buf, "src_port"));
	assert_null(strstr(buf, "\"tcp\""));
	assert_non_null(strstr(buf, "\"state\":\"new\",\"reason\":\"shutdown\""));
}

static void test_stats_line(void **state)
{
	(void)state;
	char path[128], err[256], buf[8192];
	struct cap_stats cs = { .packets = 5, .bytes = 500 };
	struct dec_stats ds;
	struct flow_stats fs;

	memset(&ds, 0, sizeof(ds));
	memset(&fs, 0, sizeof(fs));
	ds.pkts = 5;
	ds.invalid = 1;
	ds.reason[DEC_R_TCP_BAD_HLEN] = 1;
	fs.created = 2;
	snprintf(path, sizeof(path), "%s/stats.json", dir);
	struct eve *ev = eve_open(path, err, sizeof(err));
	assert_non_null(ev);
	struct run_stats rs = { .capture = &cs, .decoder = &ds, .flow = &fs,
	    .eve_lines = 1 };
	eve_stats(ev, 1000000000ull, &rs);
	eve_close(ev, err, sizeof(err));
	slurp(path, buf, sizeof(buf));
	assert_true(strncmp(buf, "{\"timestamp\":\"1970-01-01T00:00:01.000000"
	    "+0000\",\"event_type\":\"stats\",\"stats\":{\"capture\":"
	    "{\"packets\":5,\"bytes\":500,", 107) == 0);
	assert_non_null(strstr(buf, "\"tcp.bad_header_length\":1"));
	assert_non_null(strstr(buf, "\"flow\":{\"created\":2,"));
	assert_non_null(strstr(buf, "\"eve_lines\":1,\"eve_dropped\":0}}"));
}

static void test_write_error(void **state)
{
	(void)state;
	char err[256];
	struct eve *ev = eve_open("/dev/full", err, sizeof(err));
	if (!ev)
		skip();
	struct flow f;
	memset(&f, 0, sizeof(f));
	f.proto = 17;
	/* enough to overflow stdio's buffer so the error shows */
	for (int i = 0; i < 5000; i++)
		eve_flow(ev, &f, FLOW_END_TIMEOUT, NULL);
	assert_int_equal(eve_close(ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "write failed"));
	assert_null(eve_open("/nonexistent-dir/eve.json", err, sizeof(err)));
}

static void test_addr_fmt(void **state)
{
	(void)state;
	static const uint8_t v[][4] = {
		{ 0, 0, 0, 0 }, { 255, 255, 255, 255 }, { 10, 0, 100, 9 },
	};
	static const char *want[] = { "0.0.0.0", "255.255.255.255",
	    "10.0.100.9" };
	char b[ADDR_STRLEN], m[MAC_STRLEN];
	struct addr a;
	for (int i = 0; i < 3; i++) {
		addr_set4(&a, v[i]);
		addr_fmt(&a, b, sizeof(b));
		assert_string_equal(b, want[i]);
	}
	addr_fmt(&a, b, 4);		/* cut short, still terminated */
	assert_string_equal(b, "10.");
	memset(&a, 0, sizeof(a));
	addr_fmt(&a, b, sizeof(b));
	assert_string_equal(b, "");
	mac_fmt((const uint8_t *)"\xff\x00\x0a\xb0\x01\x10", m, sizeof(m));
	assert_string_equal(m, "ff:00:0a:b0:01:10");
}

static void test_parse_size(void **state)
{
	(void)state;
	size_t v;
	assert_int_equal(cli_parse_size("1048576", &v), 0);
	assert_int_equal(v, 1048576);
	assert_int_equal(cli_parse_size("16M", &v), 0);
	assert_int_equal(v, 16u << 20);
	assert_int_equal(cli_parse_size("64k", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(cli_parse_size("2GiB", &v), 0);
	assert_int_equal(v, (size_t)2 << 30);
	assert_int_equal(cli_parse_size("", &v), -1);
	assert_int_equal(cli_parse_size("-1", &v), -1);
	assert_int_equal(cli_parse_size("12Q", &v), -1);
	assert_int_equal(cli_parse_size("99999999999999999999", &v), -1);
	assert_int_equal(cli_parse_size("99999999999999G", &v), -1);
}

static void test_mkdirs(void **state)
{
	(void)state;
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/x/y/z", dir);
	assert_int_equal(cli_mkdirs(p), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(cli_mkdirs(p), 0);	/* exists: fine */
	snprintf(p, sizeof(p), "%s/eve.json", dir);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(cli_mkdirs(p), -1);	/* a file, not a dir */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_line),
		cmocka_unit_test(test_icmp6_line),
		cmocka_unit_test(test_stats_line),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_addr_fmt),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_mkdirs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
