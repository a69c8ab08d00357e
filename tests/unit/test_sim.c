/* test_sim.c - the traffic simulator: determinism, pcap format, time
 * order, checksums of every frame (verified here with plain byte
 * arithmetic, independently of the builders), ground truth per attack,
 * DHCP options, TLS SNI, exit codes and allocation failures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim.h"
#include "sim/sim_internal.h"
#include "util/alloc.h"

struct buf {
	uint8_t *p;
	size_t n;
};

static char tmpdir[64];

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static struct buf slurp(const char *path)
{
	struct buf b = { NULL, 0 };
	FILE *f = fopen(path, "rb");
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b.p = malloc((size_t)n + 1);
	assert_non_null(b.p);
	b.n = fread(b.p, 1, (size_t)n, f);
	assert_int_equal(b.n, (size_t)n);
	b.p[b.n] = 0;
	fclose(f);
	return b;
}

/* memmem without _GNU_SOURCE */
static const void *find(const void *hay, size_t n, const void *needle,
    size_t m)
{
	const uint8_t *h = hay;
	size_t i;

	for (i = 0; m && i + m <= n; i++)
		if (memcmp(h + i, needle, m) == 0)
			return h + i;
	return NULL;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/* Run `edgeward sim` with the given arguments (argv[0] added). */
static int run_sim(int n, ...)
{
	char *argv[32];
	va_list ap;
	int i;

	argv[0] = (char *)"sim";
	va_start(ap, n);
	for (i = 0; i < n && i < 30; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	argv[i + 1] = NULL;
	return sim_main(i + 1, argv);
}

/* One's complement sum over bytes, big-endian words. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static int sum_ok(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/* Verify one frame's checksums; counts what it checked. */
static void check_frame(const uint8_t *f, size_t len, unsigned *nl4)
{
	uint16_t type;

	assert_true(len >= 14);
	type = be16(f + 12);
	if (type == 0x0800) {
		const uint8_t *ip = f + 14;
		size_t ihl = (size_t)(ip[0] & 15) * 4, tot = be16(ip + 2);
		uint8_t proto = ip[9];
		uint32_t s = 0;

		assert_int_equal(ip[0] >> 4, 4);
		assert_true(tot <= len - 14);
		assert_true(sum_ok(sum16(0, ip, ihl)));
		if (proto == 6 || proto == 17) {
			s = sum16(0, ip + 12, 8);
			s += proto;
			s += (uint32_t)(tot - ihl);
		}
		if (proto == 6 || proto == 17 || proto == 1) {
			assert_true(sum_ok(sum16(s, ip + ihl, tot - ihl)));
			(*nl4)++;
		}
	} else if (type == 0x86dd) {
		const uint8_t *ip = f + 14;
		size_t plen = be16(ip + 4);
		uint32_t s = sum16(0, ip + 8, 32);

		assert_true(40 + plen <= len - 14);
		s += (uint32_t)plen;
		s += ip[6];
		assert_true(sum_ok(sum16(s, ip + 40, plen)));
		(*nl4)++;
	} else {
		assert_int_equal(type, 0x0806);
	}
}

struct scan {
	unsigned frames, l4, dhcp_discover, dhcp_offer, hellos, sni_found;
};

/* Walk a pcap: header, record order, checksums, a few payload checks. */
static void scan_pcap(const struct buf *b, struct scan *sc)
{
	size_t off = 24;
	uint64_t last = 0;

	memset(sc, 0, sizeof(*sc));
	assert_true(b->n >= 24);
	assert_int_equal(le32(b->p), 0xa1b2c3d4u);
	assert_int_equal(b->p[4] | b->p[5] << 8, 2);
	assert_int_equal(b->p[6] | b->p[7] << 8, 4);
	assert_int_equal(le32(b->p + 16), 65535);
	assert_int_equal(le32(b->p + 20), 1);
	while (off < b->n) {
		const uint8_t *r = b->p + off, *f = r + 16;
		uint64_t ts;
		size_t caplen;

		assert_true(b->n - off >= 16);
		ts = (uint64_t)le32(r) * 1000000u + le32(r + 4);
		assert_true(le32(r + 4) < 1000000u);
		caplen = le32(r + 8);
		assert_int_equal(caplen, le32(r + 12));
		assert_true(caplen >= 60 && caplen <= 1514);
		assert_true(b->n - off - 16 >= caplen);
		assert_true(ts >= last);
		last = ts;
		check_frame(f, caplen, &sc->l4);
		if (be16(f + 12) == 0x0800 && f[23] == 17 &&
		    (be16(f + 36) == 67 || be16(f + 36) == 68)) {
			const uint8_t *d = f + 42;	/* BOOTP (no IP options) */
			size_t i = 240, dl = be16(f + 38) - 8u;
			int has[256] = { 0 };

			while (i + 1 < dl && d[i] != 255) {
				if (d[i] == 0) {
					i++;
					continue;
				}
				has[d[i]] = 1;
				if (d[i] == 53 && d[i + 2] == 1)
					has[0] = 1;
				i += 2u + d[i + 1];
			}
			if (has[0] && has[53] && has[12] && has[55] && has[61])
				sc->dhcp_discover++;
			if (d[0] == 2 && has[54] && has[51] && has[1] && has[3] &&
			    has[6])
				sc->dhcp_offer++;
		}
		if (be16(f + 12) == 0x0800 && f[23] == 6) {
			size_t thl = (size_t)(f[46] >> 4) * 4;
			const uint8_t *pl = f + 34 + thl;
			size_t plen = be16(f + 16) - 20u - thl;

			if (plen > 9 && pl[0] == 22 && pl[5] == 1) {
				sc->hellos++;
				if (find(pl, plen, "api.wyzecam.com", 15))
					sc->sni_found++;
			}
		}
		sc->frames++;
		off += 16 + caplen;
	}
}

static void test_determinism(void **state)
{
	char a[128], b2[128], c[128];
	struct buf x, y, z;

	(void)state;
	path_in(a, sizeof(a), "a.pcap");
	path_in(b2, sizeof(b2), "b.pcap");
	path_in(c, sizeof(c), "c.pcap");
	assert_int_equal(run_sim(6, "-w", a, "--hours", "0.1", "--attack",
	    "all"), 0);
	assert_int_equal(run_sim(6, "-w", b2, "--hours", "0.1", "--attack",
	    "all"), 0);
	assert_int_equal(run_sim(8, "-w", c, "--hours", "0.1", "--attack",
	    "all", "--seed", "2"), 0);
	x = slurp(a);
	y = slurp(b2);
	z = slurp(c);
	assert_int_equal(x.n, y.n);
	assert_memory_equal(x.p, y.p, x.n);
	assert_true(x.n != z.n || memcmp(x.p, z.p, x.n) != 0);
	free(x.p);
	free(y.p);
	free(z.p);
}

static void test_capture_contents(void **state)
{
	char a[128];
	struct buf x;
	struct scan sc;

	(void)state;
	path_in(a, sizeof(a), "d.pcap");
	assert_int_equal(run_sim(4, "-w", a, "--hours", "0.25"), 0);
	x = slurp(a);
	scan_pcap(&x, &sc);
	assert_true(sc.frames > 1000);
	assert_true(sc.l4 > sc.frames / 2);
	assert_true(sc.dhcp_discover >= 5);
	assert_true(sc.dhcp_offer >= 9);
	assert_true(sc.hellos > 10);
	assert_true(sc.sni_found >= 1);
	/* the first record starts at the default start time */
	assert_true(le32(x.p + 24) >= 1700000000u);
	assert_true(le32(x.p + 24) < 1700000060u);
	free(x.p);
}

static const char *const expected[][2] = {
	{ "mirai-bruteforce", "brute-force" }, { "mirai-scan", "scan" },
	{ "mirai-c2", "c2-beacon" }, { "mirai-udp-flood", "flood" },
	{ "mirai-syn-flood", "flood" }, { "portscan", "scan" },
	{ "arp-spoof", "arp-spoofing" }, { "mining", "cryptomining" },
	{ "exfil", "volume-spike" }, { "exfil", "new-country" },
	{ "lateral", "lateral-movement" },
};

static void test_truth(void **state)
{
	char a[128], t[128], key[128];
	struct buf x, tr;
	struct scan sc;
	size_t i;
	unsigned devices = 0;
	const char *p;

	(void)state;
	path_in(a, sizeof(a), "e.pcap");
	path_in(t, sizeof(t), "e.json");
	assert_int_equal(run_sim(12, "-w", a, "--hours", "0.4", "--attack",
	    "mirai,portscan", "-a", "arpspoof", "-a", "mining,exfil,lateral",
	    "--truth", t), 0);
	x = slurp(a);
	scan_pcap(&x, &sc);	/* attack frames are well-formed too */
	tr = slurp(t);
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const char *line;

		snprintf(key, sizeof(key), "{\"attack\":\"%s\",\"category\":"
		    "\"%s\",", expected[i][0], expected[i][1]);
		line = strstr((const char *)tr.p, key);
		if (!line)
			fail_msg("no truth line for %s/%s", expected[i][0],
			    expected[i][1]);
		assert_non_null(strstr(line, "\"src_ip\":"));
		assert_non_null(strstr(line, "\"start\":17000"));
		assert_null(strstr(line, "\"packets\":0}"));
	}
	for (p = (const char *)tr.p; (p = strstr(p, "{\"device\":")); p++)
		devices++;
	assert_int_equal(devices, 10);	/* router + 9 */
	assert_non_null(strstr((const char *)tr.p, "\"kind\":\"camera\""));
	assert_non_null(strstr((const char *)tr.p, "\"vendor\":\"Wyze\""));
	free(x.p);
	free(tr.p);
}

static void test_default_truth_path(void **state)
{
	char a[128], t[128];
	struct buf tr;

	(void)state;
	path_in(a, sizeof(a), "f.pcap");
	path_in(t, sizeof(t), "f.truth.json");
	assert_int_equal(run_sim(4, "-w", a, "--packets", "3000"), 0);
	tr = slurp(t);
	assert_non_null(strstr((const char *)tr.p, "\"kind\":\"laptop\""));
	free(tr.p);
	tr = slurp(a);
	assert_int_equal(tr.n > 24, 1);
	{
		struct scan sc;

		scan_pcap(&tr, &sc);
		assert_int_equal(sc.frames, 3000);
	}
	free(tr.p);
}

static void test_usage_and_io_errors(void **state)
{
	char a[128];

	(void)state;
	path_in(a, sizeof(a), "g.pcap");
	assert_int_equal(run_sim(0), 2);
	assert_int_equal(run_sim(4, "-w", a, "--attack", "nope"), 2);
	assert_int_equal(run_sim(4, "-w", a, "--hours", "-1"), 2);
	assert_int_equal(run_sim(4, "-w", a, "--seed", "x"), 2);
	assert_int_equal(run_sim(4, "-w", a, "--home-net", "10.0.0.0/31"), 2);
	assert_int_equal(run_sim(6, "-w", a, "--devices", "3", "--attack",
	    "portscan"), 2);
	assert_int_equal(run_sim(2, "-w", "/nonexistent-dir/x.pcap"), 1);
	assert_int_equal(run_sim(4, "-w", "/dev/full", "--hours", "0.05"), 1);
	assert_int_equal(run_sim(1, "--help"), 0);
}

static void test_alloc_failures(void **state)
{
	static const long points[] = { 0, 1, 2, 3, 5, 8, 20, 100, 400 };
	char a[128];
	size_t i;

	(void)state;
	path_in(a, sizeof(a), "h.pcap");
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		int rc;

		alloc_fail_after(points[i]);
		rc = run_sim(6, "-w", a, "--hours", "0.05", "--attack", "all");
		alloc_fail_after(-1);
		assert_true(rc == 0 || rc == 1);
	}
}

/* ---- the building blocks, as other tests use them -------------------- */

static void test_builders(void **state)
{
	static const uint8_t prl[] = { 1, 3, 6, 15 };
	uint8_t f[SIM_FRAME_MAX], pl[600], sid[32];
	struct sim_l3 l;
	struct sim_dhcp m;
	struct sim_rng r;
	unsigned n4 = 0;
	size_t n, i;
	int found_sni = 0;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.sip = 0xc0a80102u;
	l.dip = 0xc0a80101u;
	l.ttl = 64;
	n = sim_build_udp4(f, sizeof(f), &l, 1234, 53, "x", 1);
	assert_int_equal(n, 60);	/* padded to the Ethernet minimum */
	check_frame(f, n, &n4);
	assert_int_equal(sim_build_udp4(f, 40, &l, 1, 2, "x", 1), 0);

	memset(&m, 0, sizeof(m));
	m.type = SIM_DHCP_DISCOVER;
	m.client_id = 1;
	m.hostname = "cam";
	m.vendor_class = "udhcp 1.27.2";
	m.prl = prl;
	m.prl_len = sizeof(prl);
	n = sim_dhcp_build(pl, sizeof(pl), &m);
	assert_int_equal(n, 300);
	assert_int_equal(pl[240], 53);
	assert_non_null(find(pl, n, "\x0c\x03" "cam", 5));
	assert_non_null(find(pl, n, "\x3c\x0c" "udhcp 1.27.2", 14));
	assert_non_null(find(pl, n, "\x37\x04\x01\x03\x06\x0f", 6));

	sim_rng_seed(&r, 7);
	for (i = 0; i < SIM_TLS_NSTACKS; i++) {
		size_t pos = 44 + 32, cs, ext_end;	/* after session id */

		n = sim_tls_client_hello(pl, sizeof(pl), &r, (int)i,
		    "example.org", "h2", sid);
		assert_true(n > 100);
		assert_int_equal(pl[0], 22);
		assert_int_equal(be16(pl + 3), n - 5);
		assert_int_equal(pl[5], 1);
		cs = be16(pl + pos);
		pos += 2 + cs;
		pos += 1 + pl[pos];
		ext_end = pos + 2 + be16(pl + pos);
		assert_int_equal(ext_end, n);
		for (pos += 2; pos + 4 <= ext_end;
		    pos += 4u + be16(pl + pos + 2)) {
			if (be16(pl + pos) == 0 &&
			    memcmp(pl + pos + 9, "example.org", 11) == 0)
				found_sni++;
		}
	}
	assert_int_equal(found_sni, SIM_TLS_NSTACKS);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ew_test_sim_XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const names[] = { "a.pcap", "a.truth.json",
		"b.pcap", "b.truth.json", "c.pcap", "c.truth.json", "d.pcap",
		"d.truth.json", "e.pcap", "e.json", "f.pcap", "f.truth.json",
		"g.pcap", "g.truth.json", "h.pcap", "h.truth.json" };
	char p[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in(p, sizeof(p), names[i]);
		unlink(p);
	}
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builders),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_capture_contents),
		cmocka_unit_test(test_truth),
		cmocka_unit_test(test_default_truth_path),
		cmocka_unit_test(test_usage_and_io_errors),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests_name("sim", tests, setup, teardown);
}
