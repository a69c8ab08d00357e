/* test_capture.c - capture files: formats, precision, damage, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture/capture.h"

#include "unit/tmpdir.h"
#include "../../fuzz/capture_check.h"

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

/* ---- the in-place reader (pcap_mmap.c) against libpcap ---------------- */

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One record at buf+o in either byte order; returns the new end. */
static size_t put_rec(uint8_t *buf, size_t o, int big, uint32_t sec,
    uint32_t frac, uint32_t caplen, uint32_t len, size_t body)
{
	void (*w)(uint8_t *, uint32_t) = big ? be32 : le32;
	w(buf + o, sec);
	w(buf + o + 4, frac);
	w(buf + o + 8, caplen);
	w(buf + o + 12, len);
	for (size_t i = 0; i < body; i++)
		buf[o + 16 + i] = (uint8_t)(i * 7u + caplen);
	return o + 16 + body;
}

static size_t put_hdr(uint8_t *buf, int big, uint32_t magic, uint16_t minor,
    uint32_t snaplen, uint32_t linktype)
{
	void (*w)(uint8_t *, uint32_t) = big ? be32 : le32;
	memset(buf, 0, 24);
	w(buf, magic);
	buf[big ? 5 : 4] = 2;
	buf[big ? 7 : 6] = (uint8_t)minor;
	w(buf + 16, snaplen);
	w(buf + 20, linktype);
	return 24;
}

/* Both readers over the same bytes; returns which one served the file. */
static int check_same(const char *name, const uint8_t *buf, size_t n)
{
	char why[2 * CAP_ERRLEN + 128];
	int mapped;
	const char *path = write_file(name, buf, n);
	if (capture_same(path, buf, n, &mapped, why, sizeof(why)) != 0)
		fail_msg("%s (%zu bytes): %s", name, n, why);
	return mapped;
}

static void test_mmap_matches_libpcap(void **state)
{
	(void)state;
	static uint8_t buf[8192];
	size_t o;

	for (int big = 0; big <= 1; big++) {
		for (int nsec = 0; nsec <= 1; nsec++) {
			uint32_t magic = nsec ? 0xa1b23c4du : 0xa1b2c3d4u;
			o = put_hdr(buf, big, magic, 4, 65535, 1);
			o = put_rec(buf, o, big, 1700000000, 999999, 60, 60,
			    60);
			/* top bit set: signed to libpcap, unsigned once swapped */
			o = put_rec(buf, o, big, 0xfffffff0u, 0xffffffffu, 42,
			    10, 42);
			o = put_rec(buf, o, big, 5, 1000000999u, 0, 0, 0);
			char name[32];
			snprintf(name, sizeof(name), "v-%s-%s.pcap",
			    big ? "be" : "le", nsec ? "ns" : "us");
			assert_int_equal(check_same(name, buf, o), 1);
		}
	}
	/* capture length over the snapshot: cut to it, the rest skipped */
	o = put_hdr(buf, 0, 0xa1b2c3d4u, 4, 100, 1);
	o = put_rec(buf, o, 0, 1, 2, 150, 150, 150);
	o = put_rec(buf, o, 0, 2, 3, 80, 90, 80);
	assert_int_equal(check_same("snap.pcap", buf, o), 1);
	/* ... and cut short before and after the snapshot's worth */
	assert_int_equal(check_same("snap-a.pcap", buf, 24 + 16 + 60), 1);
	assert_int_equal(check_same("snap-b.pcap", buf, 24 + 16 + 120), 1);
	/* truncated record header and body; header only */
	assert_int_equal(check_same("th.pcap", buf, o - 80 - 8), 1);
	assert_int_equal(check_same("tb.pcap", buf, o - 5), 1);
	assert_int_equal(check_same("h.pcap", buf, 24), 1);
	/* insane capture length: an error, as libpcap says it */
	o = put_hdr(buf, 0, 0xa1b2c3d4u, 4, 65535, 1);
	o = put_rec(buf, o, 0, 1, 2, 300000, 300000, 16);
	assert_int_equal(check_same("big.pcap", buf, o), 1);
	/* left to libpcap: version 2.3 (lengths maybe swapped), a link type
	 * we do not decode, pcapng */
	o = put_hdr(buf, 0, 0xa1b2c3d4u, 3, 65535, 1);
	o = put_rec(buf, o, 0, 1, 2, 70, 60, 60);
	assert_int_equal(check_same("v23.pcap", buf, o), 0);
	o = put_hdr(buf, 0, 0xa1b2c3d4u, 4, 65535, 147);
	o = put_rec(buf, o, 0, 1, 2, 20, 20, 20);
	assert_int_equal(check_same("user0.pcap", buf, o), 0);
	static const uint8_t shb[28] = { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0,
	    0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 28, 0, 0, 0 };
	assert_int_equal(check_same("ng.pcapng", shb, sizeof(shb)), 0);
}

/* Frames up to the largest capture length, across many map windows. */
static void test_mmap_windows(void **state)
{
	(void)state;
	size_t cap = 24u << 20, o;
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	o = put_hdr(buf, 0, 0xa1b23c4du, 4, 262144, 1);
	for (uint32_t i = 0; o + 16 + 262144 < cap - 16 - 262144; i++) {
		uint32_t len = i % 17 == 0 ? 262144u : (i * 2654435761u) % 9000u;
		o = put_rec(buf, o, 0, 1000 + i, i, len, len, len);
	}
	assert_true(o > (20u << 20));
	assert_int_equal(check_same("w.pcap", buf, o), 1);
	free(buf);
}

/* tcpdump may still be writing the file: frames appended are read. */
static void test_mmap_file_grows(void **state)
{
	(void)state;
	uint8_t buf[512];
	char err[CAP_ERRLEN];
	struct capture *c;
	struct cap_pkt p;
	size_t o = put_hdr(buf, 0, 0xa1b2c3d4u, 4, 65535, 1);
	o = put_rec(buf, o, 0, 1, 0, 40, 40, 40);
	const char *path = write_file("g.pcap", buf, o);
	assert_int_equal(cap_open_file(&c, path, err, sizeof(err)), 0);
	assert_int_equal(cap_mapped(c), 1);
	assert_int_equal(cap_next(c, &p), 1);
	size_t more = put_rec(buf, 0, 0, 2, 0, 30, 30, 30);
	FILE *fp = fopen(path, "ab");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, more, fp), more);
	fclose(fp);
	assert_int_equal(cap_next(c, &p), 1);
	assert_int_equal(p.ts_ns, 2000000000ull);
	assert_int_equal(p.caplen, 30);
	assert_int_equal(cap_next(c, &p), 0);
	cap_close(c);
}

/* A file cut short under the map: exit status 1 and a line, not a crash.
 * The child gives SIGBUS back to the default first: cmocka (and ASan)
 * install their own handlers, and the reader leaves those alone. */
static void test_mmap_file_shrinks(void **state)
{
	(void)state;
	size_t cap = 1u << 20, o;
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	o = put_hdr(buf, 0, 0xa1b2c3d4u, 4, 65535, 1);
	while (o + 16 + 1000 <= cap)
		o = put_rec(buf, o, 0, 1, 0, 1000, 1000, 1000);
	const char *path = write_file("s.pcap", buf, o);
	free(buf);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGBUS, SIG_DFL);
		char err[CAP_ERRLEN];
		struct capture *c;
		struct cap_pkt p;
		if (cap_open_file(&c, path, err, sizeof(err)) != 0 ||
		    !cap_mapped(c) || cap_next(c, &p) != 1)
			_exit(3);
		if (truncate(path, 100) != 0)
			_exit(4);
		while (cap_next(c, &p) == 1)
			;
		_exit(5);	/* not reached: the map lost its pages */
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usec_pcap),
		cmocka_unit_test(test_nsec_pcap),
		cmocka_unit_test(test_truncated_record),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_open_fp),
		cmocka_unit_test(test_mmap_matches_libpcap),
		cmocka_unit_test(test_mmap_windows),
		cmocka_unit_test(test_mmap_file_grows),
		cmocka_unit_test(test_mmap_file_shrinks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
