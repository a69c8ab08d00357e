/* test_capture_live.c - live capture on a veth pair in a private network
 * namespace: frames injected with a raw AF_PACKET socket on one end must
 * arrive byte for byte on the other, filters exclude what they should,
 * silence gives CAP_AGAIN, overflow is counted as kernel drops, a vanished
 * interface is an error naming it. Skips cleanly without root or where
 * network namespaces are not permitted. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture/capture.h"
#include "config.h"
#include "sim/sim_internal.h"

static int have_ns;	/* a private namespace with ew0 <-> ew1 */
static int tx = -1;	/* raw socket sending on ew0 */

static const uint8_t smac[6] = { 0x02, 0xee, 0, 0, 0, 0x01 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
#define OURS "ether src 02:ee:00:00:00:01"

static int sh(const char *cmd)
{
	char full[512];
	snprintf(full, sizeof(full), "%s >/dev/null 2>&1", cmd);
	int r = system(full);
	return r == 0 ? 0 : -1;
}

static void write_proc(const char *path, const char *v)
{
	FILE *fp = fopen(path, "w");
	if (fp) {
		fputs(v, fp);
		fclose(fp);
	}
}

static int open_tx(const char *ifname)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0);	/* send only */
	if (fd < 0)
		return -1;
	struct sockaddr_ll sll;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_capture_live: not root, live tests "
		    "skipped\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "test_capture_live: no network namespace (%s), "
		    "live tests skipped\n", strerror(errno));
		return 0;
	}
	/* A quiet link: no IPv6 router solicitations or MLD reports. */
	write_proc("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_proc("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	if (sh("ip link add ew0 type veth peer name ew1") < 0 ||
	    sh("ip link set ew0 up") < 0 || sh("ip link set ew1 up") < 0) {
		fprintf(stderr, "test_capture_live: cannot create a veth pair, "
		    "live tests skipped\n");
		return 0;
	}
	tx = open_tx("ew0");
	if (tx < 0) {
		fprintf(stderr, "test_capture_live: no AF_PACKET socket, live "
		    "tests skipped\n");
		return 0;
	}
	have_ns = 1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (tx >= 0)
		close(tx);
	return 0;	/* the namespace and its links die with the process */
}

static void need_ns(void)
{
	if (!have_ns)
		skip();
}

/* A broadcast UDP frame from smac with `fill` repeated in the payload. */
static size_t udp_frame(uint8_t *f, size_t cap, uint16_t dport, uint8_t fill,
    size_t plen)
{
	struct sim_l3 h;
	uint8_t pl[1500];
	memset(&h, 0, sizeof(h));
	memcpy(h.smac, smac, 6);
	memcpy(h.dmac, bcast, 6);
	h.sip = 0xc0a80102;
	h.dip = 0xc0a801ff;
	h.ttl = 64;
	h.id = fill;
	memset(pl, fill, plen);
	return sim_build_udp4(f, cap, &h, 40000, dport, pl, plen);
}

static void send_frame(const uint8_t *f, size_t n)
{
	assert_int_equal(send(tx, f, n, 0), (ssize_t)n);
}

static int immediate = CAP_LIVE_IMMEDIATE;	/* mode open_on() uses */

static struct capture *open_on(const char *ifname, const char *bpf,
    int timeout_ms)
{
	struct cap_live_config lc;
	struct capture *c = NULL;
	char err[CAP_ERRLEN];

	cap_live_config_default(&lc);
	lc.iface = ifname;
	lc.bpf = bpf;
	lc.timeout_ms = timeout_ms;
	lc.immediate = immediate;
	int r = cap_open_live(&c, &lc, err, sizeof(err));
	if (r != 0)
		print_error("cap_open_live: %s\n", err);
	assert_int_equal(r, 0);
	assert_non_null(c);
	return c;
}

/* Next frame, riding out at most `patience` timeouts. */
static int next(struct capture *c, struct cap_pkt *p, int patience)
{
	int r;
	while ((r = cap_next(c, p)) == CAP_AGAIN && patience-- > 0)
		;
	return r;
}

static void test_defaults_and_bad_config(void **state)
{
	(void)state;
	struct cap_live_config lc;
	struct capture *c = (struct capture *)&lc;
	char err[CAP_ERRLEN];

	cap_live_config_default(&lc);
	assert_null(lc.iface);
	assert_null(lc.bpf);
	assert_int_equal(lc.snaplen, CAP_LIVE_SNAPLEN);
	assert_int_equal(lc.buffer_bytes, CAP_LIVE_BUFFER);
	assert_int_equal(lc.timeout_ms, CAP_LIVE_TIMEOUT_MS);
	assert_int_equal(lc.promisc, 0);
	assert_int_equal(lc.immediate, CAP_LIVE_IMMEDIATE);

	assert_int_equal(cap_open_live(&c, &lc, err, sizeof(err)), -1);
	assert_null(c);
	assert_string_equal(err, "no interface given");
	lc.iface = "lo";
	lc.timeout_ms = 0;
	assert_int_equal(cap_open_live(&c, &lc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad capture settings"));
}

static void test_no_such_device(void **state)
{
	(void)state;
	struct cap_live_config lc;
	struct capture *c = NULL;
	char err[CAP_ERRLEN];

	need_ns();
	cap_live_config_default(&lc);
	lc.iface = "ew-missing9";
	assert_int_equal(cap_open_live(&c, &lc, err, sizeof(err)), -1);
	assert_null(c);
	assert_string_equal(err, "ew-missing9: no such device");
}

static void test_interface_down(void **state)
{
	(void)state;
	struct cap_live_config lc;
	struct capture *c = NULL;
	char err[CAP_ERRLEN];

	need_ns();
	assert_int_equal(sh("ip link add ew4 type veth peer name ew5"), 0);
	cap_live_config_default(&lc);
	lc.iface = "ew5";
	assert_int_equal(cap_open_live(&c, &lc, err, sizeof(err)), -1);
	assert_null(c);
	assert_string_equal(err, "ew5: interface is down");
	/* up: opens */
	assert_int_equal(sh("ip link set ew4 up"), 0);
	assert_int_equal(sh("ip link set ew5 up"), 0);
	assert_int_equal(cap_open_live(&c, &lc, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	cap_close(c);
}

static void test_bad_filter(void **state)
{
	(void)state;
	struct cap_live_config lc;
	struct capture *c = NULL;
	char err[CAP_ERRLEN];

	need_ns();
	cap_live_config_default(&lc);
	lc.iface = "ew1";
	lc.bpf = "port nonsense";
	assert_int_equal(cap_open_live(&c, &lc, err, sizeof(err)), -1);
	assert_null(c);
	assert_non_null(strstr(err, "bad capture filter 'port nonsense'"));
}

/* Without CAP_NET_RAW the open fails with a message saying what to do. */
static void test_permission_denied(void **state)
{
	(void)state;
	int p[2];
	char msg[CAP_ERRLEN] = "";

	need_ns();
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cap_live_config lc;
		struct capture *c = NULL;
		char err[CAP_ERRLEN];
		close(p[0]);
		/* no keepcaps: all capabilities go with uid 0 */
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		cap_live_config_default(&lc);
		lc.iface = "ew1";
		if (cap_open_live(&c, &lc, err, sizeof(err)) == 0)
			snprintf(err, sizeof(err), "opened");
		if (write(p[1], err, strlen(err)) < 0)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	ssize_t n = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	waitpid(pid, NULL, 0);
	assert_true(n > 0);
	msg[n] = '\0';
	assert_string_equal(msg,
	    "ew1: permission denied (need root or CAP_NET_RAW)");
}

static void test_frames_arrive(void **state)
{
	(void)state;
	uint8_t f[3][1600];
	size_t n[3];
	struct cap_pkt pkt;

	need_ns();
	struct capture *c = open_on("ew1", OURS, 50);
	assert_int_equal(cap_is_live(c), 1);
	assert_int_equal(cap_linktype(c), 1);	/* DLT_EN10MB */
	assert_string_equal(cap_linktype_name(c), "EN10MB");

	for (int i = 0; i < 3; i++) {
		n[i] = udp_frame(f[i], sizeof(f[i]), (uint16_t)(1000 + i),
		    (uint8_t)(0x41 + i), 100 + 400 * (size_t)i);
		assert_true(n[i] > 0);
		send_frame(f[i], n[i]);
	}
	uint64_t last_ts = 0;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(next(c, &pkt, 20), 1);
		assert_int_equal(pkt.caplen, n[i]);
		assert_int_equal(pkt.wirelen, n[i]);
		assert_memory_equal(pkt.data, f[i], n[i]);
		assert_true(pkt.ts_ns > 1000000000ull * 1000000000ull);
		assert_true(pkt.ts_ns >= last_ts);
		last_ts = pkt.ts_ns;
	}
	/* nothing more */
	assert_int_equal(cap_next(c, &pkt), CAP_AGAIN);
	uint64_t kd = 1, id = 1;
	cap_drops(c, &kd, &id);
	assert_int_equal(kd, 0);
	cap_close(c);
}

/* The same through the other ring mode (immediate <-> blocks). */
static void test_frames_arrive_other_mode(void **state)
{
	immediate = !CAP_LIVE_IMMEDIATE;
	test_frames_arrive(state);
	immediate = CAP_LIVE_IMMEDIATE;
}

static void test_filter_excludes(void **state)
{
	(void)state;
	uint8_t a[1600], b[1600];
	struct cap_pkt pkt;

	need_ns();
	size_t na = udp_frame(a, sizeof(a), 9999, 0x61, 60);
	size_t nb = udp_frame(b, sizeof(b), 53, 0x62, 60);

	/* control: without the port filter both arrive */
	struct capture *all = open_on("ew1", OURS, 50);
	struct capture *dns = open_on("ew1", OURS " and udp port 53", 50);
	send_frame(a, na);
	send_frame(b, nb);
	send_frame(a, na);

	assert_int_equal(next(all, &pkt, 20), 1);
	assert_memory_equal(pkt.data, a, na);
	assert_int_equal(next(all, &pkt, 20), 1);
	assert_memory_equal(pkt.data, b, nb);
	assert_int_equal(next(all, &pkt, 20), 1);
	assert_memory_equal(pkt.data, a, na);

	assert_int_equal(next(dns, &pkt, 20), 1);
	assert_int_equal(pkt.caplen, nb);
	assert_memory_equal(pkt.data, b, nb);
	assert_int_equal(cap_next(dns, &pkt), CAP_AGAIN);
	cap_close(all);
	cap_close(dns);
}

static void test_again_on_silence(void **state)
{
	(void)state;
	struct cap_pkt pkt;

	need_ns();
	struct capture *c = open_on("ew1", OURS, 20);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cap_next(c, &pkt), CAP_AGAIN);
	/* and a frame after silence still comes through */
	uint8_t f[1600];
	size_t n = udp_frame(f, sizeof(f), 7, 0x55, 20);
	send_frame(f, n);
	assert_int_equal(next(c, &pkt, 20), 1);
	assert_memory_equal(pkt.data, f, n);
	cap_close(c);
}

static void test_again_other_mode(void **state)
{
	immediate = !CAP_LIVE_IMMEDIATE;
	test_again_on_silence(state);
	immediate = CAP_LIVE_IMMEDIATE;
}

static void test_snaplen(void **state)
{
	(void)state;
	struct cap_live_config lc;
	struct capture *c = NULL;
	struct cap_pkt pkt;
	char err[CAP_ERRLEN];
	uint8_t f[1600];

	need_ns();
	cap_live_config_default(&lc);
	lc.iface = "ew1";
	lc.bpf = OURS;
	lc.snaplen = 96;
	lc.timeout_ms = 50;
	assert_int_equal(cap_open_live(&c, &lc, err, sizeof(err)), 0);
	size_t n = udp_frame(f, sizeof(f), 7, 0x77, 600);
	send_frame(f, n);
	assert_int_equal(next(c, &pkt, 20), 1);
	assert_int_equal(pkt.caplen, 96);
	assert_int_equal(pkt.wirelen, n);
	assert_memory_equal(pkt.data, f, 96);
	cap_close(c);
}

/* A small ring nobody reads overflows; the kernel's drops are counted. */
static void test_kernel_drops(void **state)
{
	(void)state;
	struct cap_live_config lc;
	struct capture *c = NULL;
	struct cap_pkt pkt;
	char err[CAP_ERRLEN];
	uint8_t f[1600];

	need_ns();
	cap_live_config_default(&lc);
	lc.iface = "ew1";
	lc.bpf = OURS;
	lc.buffer_bytes = 64u << 10;
	lc.timeout_ms = 20;
	assert_int_equal(cap_open_live(&c, &lc, err, sizeof(err)), 0);
	size_t n = udp_frame(f, sizeof(f), 7, 0x33, 1000);
	/* 4000 x 1 KiB into a 64 KiB ring, in bursts the veth backlog
	 * (netdev_max_backlog, 1000 by default) can take. */
	for (int i = 0; i < 4000; i++) {
		send_frame(f, n);
		if (i % 200 == 199)
			usleep(2000);
	}
	usleep(20000);
	uint64_t kd = 0, id = 0;
	cap_drops(c, &kd, &id);
	assert_true(kd > 0);
	/* what did fit is still readable */
	assert_int_equal(next(c, &pkt, 5), 1);
	assert_memory_equal(pkt.data, f, n);
	uint64_t kd2 = 0;
	cap_drops(c, &kd2, &id);
	assert_true(kd2 >= kd);	/* monotonic across reads */
	cap_close(c);
}

/* The interface disappears under a running capture. */
static void test_interface_gone(void **state)
{
	(void)state;
	struct cap_pkt pkt;

	need_ns();
	assert_int_equal(sh("ip link add ew2 type veth peer name ew3"), 0);
	assert_int_equal(sh("ip link set ew2 up"), 0);
	assert_int_equal(sh("ip link set ew3 up"), 0);
	struct capture *c = open_on("ew3", NULL, 20);
	assert_int_equal(sh("ip link del ew2"), 0);
	int r = CAP_AGAIN;
	for (int i = 0; i < 100 && (r == CAP_AGAIN || r == 1); i++)
		r = cap_next(c, &pkt);
	assert_int_equal(r, -1);
	if (strncmp(cap_error(c), "capture on ew3 failed: ", 23) != 0)
		print_error("cap_error: %s\n", cap_error(c));
	assert_int_equal(strncmp(cap_error(c), "capture on ew3 failed: ", 23),
	    0);
	cap_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_bad_config),
		cmocka_unit_test(test_no_such_device),
		cmocka_unit_test(test_interface_down),
		cmocka_unit_test(test_bad_filter),
		cmocka_unit_test(test_permission_denied),
		cmocka_unit_test(test_frames_arrive),
		cmocka_unit_test(test_frames_arrive_other_mode),
		cmocka_unit_test(test_filter_excludes),
		cmocka_unit_test(test_again_on_silence),
		cmocka_unit_test(test_again_other_mode),
		cmocka_unit_test(test_snaplen),
		cmocka_unit_test(test_kernel_drops),
		cmocka_unit_test(test_interface_gone),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
