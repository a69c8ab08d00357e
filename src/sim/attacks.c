/* attacks.c - attack scenarios: scheduling, a SYN port scan (laptop ->
 * hub), ARP spoofing of the gateway (laptop), lateral movement (camera ->
 * internal hosts). Mirai, mining and exfiltration have their own files.
 *
 * Every frame an attack causes, replies included, is stamped with its
 * episode so the ground truth counts exactly what was written. */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <string.h>

#define MS 1000ull
#define SEC 1000000ull
#define SCAN_PORTS 1000u

uint64_t sim_attack_at(const struct sim_ctx *c, double f)
{
	return c->t0 + (uint64_t)((double)c->window * f);
}

double sim_attack_scale(const struct sim_ctx *c)
{
	double s = (double)c->window / (2.0 * 3600.0 * 1e6);

	return s > 1.0 ? 1.0 : s < 0.02 ? 0.02 : s;
}

/* kinds are assigned round-robin, so kind k exists when devices > k */
const char *sim_attacks_check(const struct sim_opts *o)
{
	if ((o->attacks & SIM_ATK_MIRAI) && o->devices < 1)
		return "mirai needs a camera";
	if ((o->attacks & (SIM_ATK_PORTSCAN | SIM_ATK_ARPSPOOF)) &&
	    o->devices <= SIM_K_LAPTOP)
		return "portscan and arpspoof need a laptop and a hub "
		    "(--devices >= 9)";
	if ((o->attacks & SIM_ATK_MINING) && o->devices <= SIM_K_PLUG)
		return "mining needs a plug (--devices >= 2)";
	if ((o->attacks & SIM_ATK_EXFIL) && o->devices <= SIM_K_THERMOSTAT)
		return "exfil needs a thermostat (--devices >= 6)";
	if ((o->attacks & SIM_ATK_LATERAL) && o->devices < 2)
		return "lateral needs a camera and another device";
	if ((o->attacks & SIM_ATK_BEACON) && o->devices <= SIM_K_BULB)
		return "beacon needs a bulb (--devices >= 3)";
	if ((o->attacks & SIM_ATK_DNSTUNNEL) && o->devices <= SIM_K_SPEAKER)
		return "dnstunnel needs a speaker (--devices >= 4)";
	return NULL;
}

/* ---- port scan -------------------------------------------------------- */

struct portscan {
	struct sim_device *src, *dst;
	uint16_t ports[SCAN_PORTS];
	size_t next;
	uint16_t sport;
	uint16_t ep;
};

static int hub_open(uint16_t port)
{
	return port == 22 || port == 1883 || port == 8123 || port == 21064;
}

static void ev_portscan(struct sim_ctx *c, void *obj, uint32_t arg,
    uint64_t now)
{
	struct portscan *ps = obj;
	struct sim_host scanner = ps->src->h;
	uint64_t t = now;
	unsigned i;

	(void)arg;
	if (!ps->src->ready || !ps->dst->ready || ps->src->ready > now ||
	    ps->dst->ready > now) {
		sim_sched(c, now + 5 * SEC, ev_portscan, ps, 0);
		return;
	}
	c->cur_ep = ps->ep;
	if (ps->next == 0)	/* nmap's ARP host discovery first */
		t = sim_arp_resolve(c, &ps->src->h, ps->dst->h.ip, &ps->dst->h,
		    t) + 200 * MS;
	scanner.os = SIM_OS_NMAP;
	for (i = 0; i < 25 && ps->next < SCAN_PORTS; i++) {
		uint16_t port = ps->ports[ps->next++];
		struct sim_tcp s;
		uint64_t rt;

		scanner.ttl = (uint8_t)sim_rng_range(&c->rng, 37, 59);
		scanner.ip_id = (uint16_t)sim_rng_next(&c->rng);
		sim_tcp_init(&s, c, &scanner, ps->sport, &ps->dst->h, port, 0);
		sim_tcp_segment(c, &s, 0, t, SIM_TH_SYN, NULL, 0);
		rt = t + s.delay[1];
		if (hub_open(port)) {
			sim_tcp_segment(c, &s, 1, rt, SIM_TH_SYN | SIM_TH_ACK,
			    NULL, 0);
			scanner.ip_id = (uint16_t)sim_rng_next(&c->rng);
			sim_tcp_segment(c, &s, 0, rt + s.delay[0], SIM_TH_RST,
			    NULL, 0);
		} else {
			s.seq[1] = 0;
			sim_tcp_segment(c, &s, 1, rt, SIM_TH_RST | SIM_TH_ACK,
			    NULL, 0);
		}
		t += sim_rng_range(&c->rng, 200, 1400);
	}
	c->cur_ep = 0;
	if (ps->next < SCAN_PORTS)
		sim_sched(c, t + sim_rng_range(&c->rng, 5 * MS, 30 * MS),
		    ev_portscan, ps, 0);
}

static int portscan_setup(struct sim_ctx *c, uint64_t start)
{
	static const uint16_t high[] = { 1025, 1080, 1433, 1723, 1883, 1900,
		2049, 2323, 3306, 3389, 5000, 5432, 5900, 6000, 8000, 8008, 8080,
		8123, 8443, 8888, 9100, 21064, 32768, 49152 };
	struct portscan *ps = sim_ctx_alloc(c, sizeof(*ps));
	size_t i, n = 0;

	if (!ps)
		return -1;
	ps->src = sim_device_of_kind(c, SIM_K_LAPTOP);
	ps->dst = sim_device_of_kind(c, SIM_K_HUB);
	for (i = 1; n < SCAN_PORTS - sizeof(high) / sizeof(high[0]); i++)
		ps->ports[n++] = (uint16_t)i;
	for (i = 0; i < sizeof(high) / sizeof(high[0]); i++)
		ps->ports[n++] = high[i];
	for (i = SCAN_PORTS; i > 1; i--) {	/* nmap randomizes order */
		uint32_t j = sim_rng_below(&c->rng, (uint32_t)i);
		uint16_t tmp = ps->ports[i - 1];

		ps->ports[i - 1] = ps->ports[j];
		ps->ports[j] = tmp;
	}
	ps->sport = (uint16_t)sim_rng_range(&c->rng, 40000, 65000);
	ps->ep = sim_episode_new(c, "portscan", "scan", &ps->src->h,
	    ps->dst->h.ip, 0);
	sim_sched(c, start, ev_portscan, ps, 0);
	return 0;
}

/* ---- ARP spoofing ----------------------------------------------------- */

struct arpspoof {
	struct sim_device *src, *victim;
	uint64_t end;
	unsigned tick;
	uint16_t ep;
};

static void ev_arpspoof(struct sim_ctx *c, void *obj, uint32_t arg,
    uint64_t now)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct arpspoof *a = obj;
	const uint8_t *m = a->src->h.mac;

	(void)arg;
	if (!a->src->ready || a->src->ready > now) {
		sim_sched(c, now + 5 * SEC, ev_arpspoof, a, 0);
		return;
	}
	c->cur_ep = a->ep;
	/* "192.168.1.1 is at <my MAC>" to the victim, and now and then as
	 * a gratuitous reply to everyone */
	sim_send_arp(c, now, a->victim->h.mac, m, 2, m, c->router.ip,
	    a->victim->h.mac, a->victim->h.ip);
	if (a->tick++ % 5 == 0)
		sim_send_arp(c, now + 300, bcast, m, 2, m, c->router.ip, bcast,
		    c->router.ip);
	c->cur_ep = 0;
	if (now < a->end)
		sim_sched(c, now + sim_rng_jitter_us(&c->rng, 2.0, 0.02),
		    ev_arpspoof, a, 0);
}

static int arpspoof_setup(struct sim_ctx *c, uint64_t start)
{
	struct arpspoof *a = sim_ctx_alloc(c, sizeof(*a));
	struct sim_episode *e;

	if (!a)
		return -1;
	a->src = sim_device_of_kind(c, SIM_K_LAPTOP);
	a->victim = sim_device_of_kind(c, SIM_K_PHONE);
	if (!a->victim)
		a->victim = &c->dev[0];
	a->end = start + (uint64_t)(600.0 * sim_attack_scale(c) * 1e6);
	a->ep = sim_episode_new(c, "arp-spoof", "arp-spoofing", &a->src->h,
	    a->victim->h.ip, 0);
	if (a->ep) {
		e = &c->ep[a->ep];
		e->note_ip = c->router.ip;
	}
	sim_sched(c, start, ev_arpspoof, a, 0);
	return 0;
}

/* ---- lateral movement ------------------------------------------------- */

struct lateral {
	struct sim_device *src;
	struct sim_host *targets[64];
	int kinds[64];		/* kind of each target, -1 the router */
	size_t ntargets, next;
	uint16_t ep;
};

static const uint16_t lateral_ports[] = { 22, 23, 445, 80 };

/* What answers on the probed ports: the router's web UI, the hub's SSH,
 * the laptop's SMB and the plug's web UI. */
static int lateral_open(int kind, uint16_t port)
{
	switch (kind) {
	case -1:
		return port == 80;
	case SIM_K_HUB:
		return port == 22;
	case SIM_K_LAPTOP:
		return port == 445;
	case SIM_K_PLUG:
		return port == 80;
	default:
		return 0;
	}
}

static uint64_t lateral_probe(struct sim_ctx *c, struct lateral *l,
    struct sim_host *h, int kind, uint16_t port, uint64_t t)
{
	static const char ssh_c[] = "SSH-2.0-libssh2_1.10.0\r\n";
	static const char ssh_s[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n";
	static const char denied[] = "HTTP/1.1 401 Unauthorized\r\n"
	    "Content-Length: 0\r\n\r\n";
	static const uint8_t smb[] = { 0x00, 0x00, 0x00, 0x2f, 0xff, 0x53,
		0x4d, 0x42, 0x72, 0x00, 0x00, 0x00, 0x00, 0x18, 0x53, 0xc8, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0,
		0x00, 0x0c,
		0x00, 0x02, 'N', 'T', ' ', 'L', 'M', ' ', '0', '.', '1', '2',
		0x00 };
	struct sim_tcp s;

	sim_tcp_init(&s, c, &l->src->h, sim_device_port(c, l->src), h, port,
	    0);
	if (!lateral_open(kind, port))
		return sim_tcp_refused(c, &s, t);
	t = sim_tcp_connect(c, &s, t);
	if (port == 22) {
		t = sim_tcp_send(c, &s, 1, t + 3 * MS, (const uint8_t *)ssh_s,
		    sizeof(ssh_s) - 1, 0);
		t = sim_tcp_send(c, &s, 0, t + MS, (const uint8_t *)ssh_c,
		    sizeof(ssh_c) - 1, 0);
	} else if (port == 80) {
		char req[160], ip[16];
		int n;

		sim_fmt_ip(h->ip, ip, sizeof(ip));
		n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n"
		    "User-Agent: Wget\r\nConnection: close\r\n\r\n", ip);
		t = sim_tcp_send(c, &s, 0, t + MS, (const uint8_t *)req,
		    n > 0 ? (size_t)n : 0, 0);
		t = sim_tcp_send(c, &s, 1, t + 2 * MS, (const uint8_t *)denied,
		    sizeof(denied) - 1, 0);
	} else if (port == 445) {
		t = sim_tcp_send(c, &s, 0, t + MS, smb, sizeof(smb), 0);
	}
	return sim_tcp_close(c, &s, 0, t + 20 * MS);
}

static void ev_lateral(struct sim_ctx *c, void *obj, uint32_t arg,
    uint64_t now)
{
	struct lateral *l = obj;
	struct sim_host *h;
	uint64_t t = now;
	size_t i;
	int kind;

	(void)arg;
	if (!l->src->ready || l->src->ready > now) {
		sim_sched(c, now + 5 * SEC, ev_lateral, l, 0);
		return;
	}
	if (l->next >= l->ntargets)
		return;
	kind = l->kinds[l->next];
	h = l->targets[l->next++];
	c->cur_ep = l->ep;
	t = sim_app_arp_peer(c, l->src, h, t);
	for (i = 0; i < sizeof(lateral_ports) / sizeof(lateral_ports[0]);
	    i++)
		t = lateral_probe(c, l, h, kind, lateral_ports[i], t +
		    sim_rng_range(&c->rng, 50 * MS, 400 * MS));
	c->cur_ep = 0;
	sim_sched(c, t + sim_rng_range(&c->rng, 200 * MS, 2 * SEC), ev_lateral,
	    l, 0);
}

static int lateral_setup(struct sim_ctx *c, uint64_t start)
{
	struct lateral *l = sim_ctx_alloc(c, sizeof(*l));
	size_t i;

	if (!l)
		return -1;
	l->src = sim_device_of_kind(c, SIM_K_CAMERA);
	l->kinds[l->ntargets] = -1;
	l->targets[l->ntargets++] = &c->router;
	for (i = 0; i < c->ndev && l->ntargets < 64; i++) {
		if (&c->dev[i] == l->src)
			continue;
		l->kinds[l->ntargets] = (int)c->dev[i].kind_id;
		l->targets[l->ntargets++] = &c->dev[i].h;
	}
	l->ep = sim_episode_new(c, "lateral", "lateral-movement", &l->src->h,
	    0, 0);
	sim_sched(c, start, ev_lateral, l, 0);
	return 0;
}

int sim_attacks_setup(struct sim_ctx *c)
{
	unsigned a = c->opt.attacks;

	if ((a & SIM_ATK_MIRAI) && sim_mirai_setup(c, sim_attack_at(c, 0.10)))
		return -1;
	if ((a & SIM_ATK_PORTSCAN) && portscan_setup(c, sim_attack_at(c, 0.30)))
		return -1;
	if ((a & SIM_ATK_ARPSPOOF) && arpspoof_setup(c, sim_attack_at(c, 0.40)))
		return -1;
	if ((a & SIM_ATK_MINING) && sim_mining_setup(c, sim_attack_at(c, 0.45)))
		return -1;
	if ((a & SIM_ATK_LATERAL) && lateral_setup(c, sim_attack_at(c, 0.50)))
		return -1;
	if ((a & SIM_ATK_EXFIL) && sim_exfil_setup(c, sim_attack_at(c, 0.70)))
		return -1;
	if ((a & SIM_ATK_BEACON) && sim_beacon_setup(c, sim_attack_at(c, 0.20)))
		return -1;
	if ((a & SIM_ATK_DNSTUNNEL) &&
	    sim_dnstun_setup(c, sim_attack_at(c, 0.60)))
		return -1;
	return 0;
}
