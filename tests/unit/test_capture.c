/* test_capture.c - capture files: formats, precision, damage, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture/capture.h"

#include "unit/tmpdir.h"

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A little-endian pcap with n records of `len` bytes each; returns size. */
static size_t build_pcap(uint8_t *buf, uint32_t magic, uint32_t linktype,
    int n, uint32_t len, uint32_t sec, uint32_t frac)
{
	size_t o = 0;
	le32(buf, magic);
	buf[4] = 2; buf[5] = 0; buf[6] = 4; buf[7] = 0;
	le32(buf + 8, 0);
	le32(buf + 12, 0);
	le32(buf + 16, 65535);
	le32(buf + 20, linktype);
	o = 24;
	for (int i = 0; i < n; i++) {
		le32(buf + o, sec + (uint32_t)i);
		le32(buf + o + 4, frac);
		le32(buf + o + 8, len);
		le32(buf + o + 12, len + 10);	/* wire longer: snapped */
		o += 16;
		memset(buf + o, 0xab, len);
		o += len;
	}
	return o;
}

static const char *write_file(const char *name, const void *d, size_t n)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	if (n)
		assert_int_equal(fwrite(d, 1, n, fp), n);
	fclose(fp);
	return path;
}

static void test_usec_pcap(void **state)
{
	(void)state;
	uint8_t buf[1024];
	char err[CAP_ERRLEN];
	struct capture *c;
	struct cap_pkt p;
	size_t n = build_pcap(buf, 0xa1b2c3d4, 1, 3, 60, 1700000000, 250000);
	assert_int_equal(cap_open_file(&c, write_file("u.pcap", buf, n), err,
	    sizeof(err)), 0);
	assert_int_equal(cap_linktype(c), 1);
	assert_string_equal(cap_linktype_name(c), "EN10MB");
	assert_int_equal(cap_next(c, &p), 1);
	assert_int_equal(p.ts_ns, 1700000000250000000ull);
	assert_int_equal(p.caplen, 60);
	assert_int_equal(p.wirelen, 70);
	assert_int_equal(p.data[0], 0xab);
	assert_int_equal(cap_next(c, &p), 1);
	assert_int_equal(cap_next(c, &p), 1);
	assert_int_equal(p.ts_ns, 1700000002250000000ull);
	assert_int_equal(cap_next(c, &p), 0);
	cap_close(c);
}

static void test_nsec_pcap(void **state)
{
	(void)state;
	uint8_t buf[512];
	char err[CAP_ERRLEN];
	struct capture *c;
	struct cap_pkt p;
	size_t n = build_pcap(buf, 0xa1b23c4d, 101, 1, 20, 1700000000,
	    123456789);
	assert_int_equal(cap_open_file(&c, write_file("n.pcap", buf, n), err,
	    sizeof(err)), 0);
	assert_int_equal(cap_next(c, &p), 1);
	assert_int_equal(p.ts_ns, 1700000000123456789ull);
	cap_close(c);
}

static void test_truncated_record(void **state)
{
	(void)state;
	uint8_t buf[1024];
	char err[CAP_ERRLEN];
	struct capture *c;
	struct cap_pkt p;
	size_t n = build_pcap(buf, 0xa1b2c3d4, 1, 3, 60, 1, 0);
	/* cut the last record's data in half */
	assert_int_equal(cap_open_file(&c, write_file("t.pcap", buf, n - 30),
	    err, sizeof(err)), 0);
	assert_int_equal(cap_next(c, &p), 1);
	assert_int_equal(cap_next(c, &p), 1);
	assert_int_equal(cap_next(c, &p), -1);
	assert_true(strlen(cap_error(c)) > 0);
	cap_close(c);
}

static void test_refusals(void **state)
{
	(void)state;
	char err[CAP_ERRLEN];
	struct capture *c = (struct capture *)1;
	assert_int_equal(cap_open_file(&c, "/nonexistent/x.pcap", err,
	    sizeof(err)), -1);
	assert_null(c);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(cap_open_file(&c, write_file("e.pcap", "", 0), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	static const char text[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(cap_open_file(&c, write_file("x.pcap", text,
	    sizeof(text) - 1), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a pcap"));
	assert_int_equal(cap_open_file(&c, dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "directory"));
	/* a header cut short is a capture libpcap cannot open */
	uint8_t buf[64];
	size_t n = build_pcap(buf, 0xa1b2c3d4, 1, 0, 0, 0, 0);
	assert_int_equal(cap_open_file(&c, write_file("h.pcap", buf, n - 4),
	    err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
}

static void test_open_fp(void **state)
{
	(void)state;
	uint8_t buf[512];
	char err[CAP_ERRLEN];
	struct capture *c;
	struct cap_pkt p;
	size_t n = build_pcap(buf, 0xa1b2c3d4, 113, 2, 30, 5, 6);
	FILE *fp = fmemopen(buf, n, "rb");
	assert_non_null(fp);
	assert_int_equal(cap_open_fp(&c, fp, err, sizeof(err)), 0);
	assert_int_equal(cap_linktype(c), 113);
	assert_int_equal(cap_next(c, &p), 1);
	assert_int_equal(p.ts_ns, 5000006000ull);
	cap_close(c);
	fp = fmemopen(buf, 10, "rb");
	assert_int_equal(cap_open_fp(&c, fp, err, sizeof(err)), -1);
	cap_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usec_pcap),
		cmocka_unit_test(test_nsec_pcap),
		cmocka_unit_test(test_truncated_record),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_open_fp),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
