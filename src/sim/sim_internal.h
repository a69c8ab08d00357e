/* sim_internal.h - shared declarations of the traffic simulator (src/sim/).
 *
 * Three layers, each usable without the ones above it:
 *  1. building blocks: PRNG, pcap writer, frame builders with correct
 *     checksums and protocol payload builders (DHCP, DNS/mDNS, TLS, HTTP,
 *     NTP, SSDP, MQTT). Unit tests elsewhere use these to craft captures
 *     packet by packet: sim_pcap_open, sim_build_udp4, sim_pcap_write, ...
 *  2. the engine: an event heap and a heap of pending frames written in
 *     timestamp order (scheduler.c), TCP conversations (tcp_session.c);
 *  3. the world: router, devices and their habits, attacks, ground truth.
 *
 * Conventions: IPv4 addresses are uint32_t in host byte order (a.b.c.d is
 * a<<24|b<<16|c<<8|d); times are microseconds since the Unix epoch (packet
 * time only, never the wall clock). Builders write into a caller buffer and
 * return the length written, or 0 when the buffer is too small. */
#ifndef EW_SIM_INTERNAL_H
#define EW_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- tunables (one place) ------------------------------------------- */

#define SIM_SNAPLEN        65535u	/* pcap header snaplen */
#define SIM_FRAME_MAX      1536u	/* largest frame ever built */
#define SIM_MTU            1500u	/* IP MTU of the home LAN */
#define SIM_ETH_MIN        60u	/* frames are padded to this (no FCS) */
#define SIM_DEF_SEED       1u
#define SIM_DEF_DEVICES    9u	/* one device of each kind */
#define SIM_MAX_DEVICES    1000u
#define SIM_DEF_HOURS      2.0
#define SIM_DEF_START      1700000000ull
#define SIM_DEF_NET        0xc0a80100u	/* 192.168.1.0 */
#define SIM_DEF_PREFIX     24u
#define SIM_LEASE_S        86400u	/* DHCP lease the router hands out */
#define SIM_BIG_BUF        (80u * 1024u)	/* payload scratch (TLS bursts) */
#define SIM_MAX_EPISODES   16u	/* attack episodes recorded in truth */
#define SIM_ARP_CACHE      8u	/* internal peers a device remembers */
#define SIM_KIND_DOMAINS   16u	/* most cloud domains of one kind */
/* With --packets and no --devices, one device per this many packets, so a
 * large capture is reached within a couple of simulated hours. */
#define SIM_PACKETS_PER_DEVICE 40000u

/* ---- 1. PRNG (rng.c): xoshiro256** seeded by splitmix64 ------------- */

struct sim_rng {
	uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n); 0 when n == 0. */
uint32_t sim_rng_below(struct sim_rng *r, uint32_t n);
/* Uniform in [lo, hi] (inclusive); lo when hi <= lo. */
uint32_t sim_rng_range(struct sim_rng *r, uint32_t lo, uint32_t hi);
/* Uniform in [0, 1). */
double sim_rng_unit(struct sim_rng *r);
/* Exponentially distributed duration with the given mean, in us. */
uint64_t sim_rng_exp_us(struct sim_rng *r, double mean_s);
/* base_s +- frac*base_s (uniform), in us, at least 1. */
uint64_t sim_rng_jitter_us(struct sim_rng *r, double base_s, double frac);
void sim_rng_bytes(struct sim_rng *r, uint8_t *p, size_t n);
/* FNV-1a of a string: stable per-name values (addresses of domains). */
uint32_t sim_hash_str(const char *s);

/* ---- 1. pcap writer (pcap_writer.c) ---------------------------------- */

/* Classic pcap: magic a1b2c3d4 (microseconds), version 2.4, LINKTYPE
 * ETHERNET, snaplen SIM_SNAPLEN, host byte order of fields little-endian
 * (written explicitly, so files are identical on every machine). */
struct sim_pcap {
	FILE *f;
	int own;		/* fclose on close */
	int err;		/* sticky: a write failed */
	uint64_t packets;
	uint64_t bytes;
	char *vbuf;		/* stdio buffer, owned */
};

/* Create path and write the file header. 0 ok, -1 on error (errno set). */
int sim_pcap_open(struct sim_pcap *w, const char *path);
/* Write the header to an already open stream the caller keeps owning. */
int sim_pcap_open_stream(struct sim_pcap *w, FILE *f);
/* Append one frame (caplen = len). 0 ok, -1 on error (sticky). */
int sim_pcap_write(struct sim_pcap *w, uint64_t ts_us, const uint8_t *frame,
    size_t len);
/* Flush, close (when owned) and free. 0 ok, -1 if any write failed. */
int sim_pcap_close(struct sim_pcap *w);

/* ---- 1. frame builders (pkt_build.c) --------------------------------- */

#define SIM_TH_FIN 0x01u
#define SIM_TH_SYN 0x02u
#define SIM_TH_RST 0x04u
#define SIM_TH_PSH 0x08u
#define SIM_TH_ACK 0x10u

#define SIM_ETH_IPV4 0x0800u
#define SIM_ETH_ARP  0x0806u
#define SIM_ETH_IPV6 0x86ddu

/* Ethernet + IPv4 header fields of one frame. */
struct sim_l3 {
	uint8_t smac[6], dmac[6];
	uint32_t sip, dip;
	uint16_t id;
	uint8_t ttl, tos, df;
};

/* Ethernet + IPv6 header fields of one frame. */
struct sim_l3v6 {
	uint8_t smac[6], dmac[6];
	uint8_t sip[16], dip[16];
	uint8_t hlim;
};

struct sim_tcph {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opt;	/* raw option bytes, multiple of 4 */
	size_t optlen;		/* <= 40 */
};

/* Internet checksum: add bytes to a running 32-bit sum / fold it. */
uint32_t sim_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t sim_csum_fold(uint32_t sum);
void sim_put16(uint8_t *p, uint16_t v);
void sim_put32(uint8_t *p, uint32_t v);
/* Multicast MAC of an IPv4 / IPv6 group. */
void sim_mcast_mac4(uint32_t group, uint8_t mac[6]);
void sim_mcast_mac6(const uint8_t group[16], uint8_t mac[6]);

size_t sim_build_udp4(uint8_t *f, size_t cap, const struct sim_l3 *h,
    uint16_t sport, uint16_t dport, const void *pl, size_t plen);
size_t sim_build_tcp4(uint8_t *f, size_t cap, const struct sim_l3 *h,
    const struct sim_tcph *t, const void *pl, size_t plen);
/* ICMP with a 4-byte "rest of header" (echo id/seq, unused, ...). */
size_t sim_build_icmp4(uint8_t *f, size_t cap, const struct sim_l3 *h,
    uint8_t type, uint8_t code, uint32_t rest, const void *pl, size_t plen);
size_t sim_build_arp(uint8_t *f, size_t cap, const uint8_t edst[6],
    const uint8_t esrc[6], uint16_t op, const uint8_t sha[6], uint32_t spa,
    const uint8_t tha[6], uint32_t tpa);
size_t sim_build_udp6(uint8_t *f, size_t cap, const struct sim_l3v6 *h,
    uint16_t sport, uint16_t dport, const void *pl, size_t plen);
/* ICMPv6: type, code, then body (everything after the checksum). */
size_t sim_build_icmp6(uint8_t *f, size_t cap, const struct sim_l3v6 *h,
    uint8_t type, uint8_t code, const void *body, size_t blen);

/* ---- 1. payload builders --------------------------------------------- */

/* Byte writer with a sticky overflow flag (pkt_build.c). Length fields
 * are reserved with sim_bw_open(width) and filled by sim_bw_close. */
struct sim_bw {
	uint8_t *p;
	size_t cap, len;
	int bad;
};
void sim_bw_init(struct sim_bw *w, uint8_t *p, size_t cap);
void sim_bw_u8(struct sim_bw *w, uint8_t v);
void sim_bw_u16(struct sim_bw *w, uint16_t v);
void sim_bw_u32(struct sim_bw *w, uint32_t v);
void sim_bw_bytes(struct sim_bw *w, const void *v, size_t n);
void sim_bw_str(struct sim_bw *w, const char *s);
void sim_bw_rand(struct sim_bw *w, struct sim_rng *r, size_t n);
size_t sim_bw_open(struct sim_bw *w, size_t width);
void sim_bw_close(struct sim_bw *w, size_t mark, size_t width);

/* DHCP (proto_dhcp.c). Fields that are 0 / NULL are left out. */
#define SIM_DHCP_DISCOVER 1
#define SIM_DHCP_OFFER    2
#define SIM_DHCP_REQUEST  3
#define SIM_DHCP_ACK      5
struct sim_dhcp {
	uint8_t type;		/* option 53; BOOTP op follows from it */
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr;
	uint8_t chaddr[6];
	/* client options */
	int client_id;		/* option 61 (type 1 + chaddr) */
	uint16_t max_size;	/* 57 */
	uint32_t req_ip;	/* 50 */
	const char *hostname;	/* 12 */
	const char *fqdn;	/* 81 */
	const char *vendor_class;	/* 60 */
	const uint8_t *prl;	/* 55 */
	size_t prl_len;
	/* both */
	uint32_t server_id;	/* 54 */
	/* server options */
	uint32_t lease, mask, router, dns, ntp, bcast;	/* 51, 1, 3, 6, 42, 28 */
	const char *domain;	/* 15 */
};
size_t sim_dhcp_build(uint8_t *buf, size_t cap, const struct sim_dhcp *m);

/* DNS / mDNS (proto_dns.c). Names are dotted text without a final dot;
 * they are compressed against names already in the message. */
#define SIM_DNS_A     1
#define SIM_DNS_CNAME 5
#define SIM_DNS_PTR   12
#define SIM_DNS_TXT   16
#define SIM_DNS_AAAA  28
#define SIM_DNS_SRV   33
#define SIM_DNS_ANY   255
#define SIM_DNS_IN    1u
#define SIM_DNS_FLUSH 0x8000u	/* mDNS cache-flush / unicast-response bit */
struct sim_dns_q {
	const char *name;
	uint16_t type, cls;
};
struct sim_dns_rr {
	const char *name;
	uint16_t type, cls;
	uint32_t ttl;
	uint32_t a;		/* A */
	const uint8_t *aaaa;	/* AAAA, 16 bytes */
	const char *target;	/* CNAME, PTR, SRV */
	uint16_t port;		/* SRV */
	const char *const *txt;	/* TXT strings */
	size_t ntxt;
};
size_t sim_dns_build(uint8_t *buf, size_t cap, uint16_t id, uint16_t flags,
    const struct sim_dns_q *q, size_t nq, const struct sim_dns_rr *an,
    size_t nan, const struct sim_dns_rr *ar, size_t nar);

/* TLS (proto_tls.c). A client "stack" fixes cipher suites, extensions
 * and their order (so JA3/JA4 differ by device family) and the version:
 * mbedTLS profiles speak TLS 1.2 with a full handshake (certificate in
 * clear), the others TLS 1.3. */
enum sim_tls_stack {
	SIM_TLS_OPENSSL,
	SIM_TLS_MBEDTLS,
	SIM_TLS_CHROME,
	SIM_TLS_APPLE,
	SIM_TLS_SCHANNEL,
	SIM_TLS_NSTACKS
};
int sim_tls_is13(int stack);
/* ClientHello record with SNI (sni may be NULL) and ALPN ("h2,http/1.1",
 * NULL for none); the 32-byte session id goes to sid. */
size_t sim_tls_client_hello(uint8_t *buf, size_t cap, struct sim_rng *r,
    int stack, const char *sni, const char *alpn, uint8_t sid[32]);
/* Server's first flight: ServerHello (+ Certificate, ServerKeyExchange,
 * ServerHelloDone for 1.2; + ChangeCipherSpec and encrypted handshake for
 * 1.3). The certificate names sni. */
size_t sim_tls_server_flight(uint8_t *buf, size_t cap, struct sim_rng *r,
    int stack, const char *sni, const uint8_t sid[32]);
/* Client's finishing flight (1.2: ClientKeyExchange, CCS, Finished; 1.3:
 * CCS, Finished) and the server's answer (1.2: CCS, Finished; 1.3:
 * session tickets). */
size_t sim_tls_client_finish(uint8_t *buf, size_t cap, struct sim_rng *r,
    int stack);
size_t sim_tls_server_finish(uint8_t *buf, size_t cap, struct sim_rng *r,
    int stack);
/* Application-data records carrying `plain` bytes (random ciphertext,
 * AEAD overhead added); 0 if cap is too small. */
size_t sim_tls_appdata(uint8_t *buf, size_t cap, struct sim_rng *r,
    size_t plain);

/* HTTP, NTP, SSDP, MQTT (proto_misc.c). */
size_t sim_http_request(uint8_t *buf, size_t cap, const char *method,
    const char *host, const char *path, const char *ua, const char *extra);
/* Response with Date from t_us; body is the given text, or body_len
 * bytes of filler when body is NULL. */
size_t sim_http_response(uint8_t *buf, size_t cap, int status,
    const char *ctype, const char *body, size_t body_len, uint64_t t_us);
#define SIM_NTP_CLIENT 3
#define SIM_NTP_SERVER 4
/* 48-byte NTPv4 packet. Server replies echo the client's transmit time
 * (orig, NTP format) and use t_us as receive/transmit time. */
size_t sim_ntp_build(uint8_t *buf, size_t cap, int mode, uint64_t t_us,
    uint64_t orig, uint32_t refid);
uint64_t sim_ntp_time(uint64_t t_us);
size_t sim_ssdp_notify(uint8_t *buf, size_t cap, const char *location,
    const char *nt, const char *usn, const char *server);
size_t sim_ssdp_msearch(uint8_t *buf, size_t cap, const char *st,
    const char *ua);
size_t sim_ssdp_reply(uint8_t *buf, size_t cap, const char *location,
    const char *st, const char *usn, const char *server, uint64_t t_us);
size_t sim_mqtt_connect(uint8_t *buf, size_t cap, const char *client_id,
    const char *user, const char *pass, uint16_t keepalive);
size_t sim_mqtt_connack(uint8_t *buf, size_t cap);
size_t sim_mqtt_publish(uint8_t *buf, size_t cap, const char *topic,
    const char *payload);
size_t sim_mqtt_subscribe(uint8_t *buf, size_t cap, uint16_t pid,
    const char *topic);
size_t sim_mqtt_suback(uint8_t *buf, size_t cap, uint16_t pid);
size_t sim_mqtt_ping(uint8_t *buf, size_t cap, int response);

/* ---- 2. engine -------------------------------------------------------- */

struct sim_ctx;
struct sim_device;

typedef void (*sim_ev_fn)(struct sim_ctx *c, void *obj, uint32_t arg,
    uint64_t now);

struct sim_ev {
	uint64_t t, seq;
	sim_ev_fn fn;
	void *obj;
	uint32_t arg;
};

struct sim_pkt {
	uint64_t t, seq;
	uint32_t len;
	uint16_t episode;
	uint8_t data[SIM_FRAME_MAX];
};

/* Operating-system families: SYN options, TTL, window, DHCP habits. */
enum sim_os {
	SIM_OS_LINUX,
	SIM_OS_RTOS,		/* lwIP-style embedded stacks */
	SIM_OS_ANDROID,
	SIM_OS_APPLE,
	SIM_OS_WINDOWS,
	SIM_OS_NMAP		/* a SYN scanner's raw packets */
};

/* Anything with a MAC and an IPv4 address. A remote Internet host uses the
 * router's MAC (frames from it arrive through the gateway) and a TTL
 * already decremented by the hops to it. */
struct sim_host {
	uint8_t mac[6];
	uint32_t ip;
	uint16_t ip_id;
	uint8_t ttl;
	uint8_t os;
};

/* One TCP conversation seen from the LAN. Side 0 opened it. delay[i] is
 * how long after the other side's segment side i's answer shows on the
 * wire (LAN host: ~1 ms; remote: the WAN round trip). */
struct sim_tcp {
	struct sim_host *h[2];
	uint16_t port[2];
	uint32_t seq[2];
	uint32_t tsbase[2];	/* timestamp clocks; ts off when !ts_on */
	uint16_t win[2];	/* window field after the handshake */
	uint16_t mss[2];
	uint32_t delay[2];
	uint8_t ts_on, open;
};

/* Truth of one attack episode, filled while frames are written. */
struct sim_episode {
	const char *attack, *category;
	const char *category2;	/* same episode under a second category */
	uint32_t src_ip;
	uint8_t src_mac[6];
	uint32_t dst_ip;	/* 0 = several targets */
	uint16_t dst_port;
	uint32_t note_ip;	/* arp-spoofing: the address claimed */
	uint64_t first, last, packets;
};

struct sim_opts {
	const char *out;	/* pcap path */
	const char *truth;	/* truth path, NULL: derived from out */
	uint64_t seed;
	unsigned devices;
	double hours;		/* <= 0: until max_packets */
	unsigned attacks;	/* SIM_ATK_* */
	uint64_t max_packets;	/* 0: no limit */
	uint64_t start;		/* seconds */
	uint32_t net;
	unsigned prefix;
};

#define SIM_ATK_MIRAI    0x01u
#define SIM_ATK_PORTSCAN 0x02u
#define SIM_ATK_ARPSPOOF 0x04u
#define SIM_ATK_MINING   0x08u
#define SIM_ATK_EXFIL    0x10u
#define SIM_ATK_LATERAL  0x20u
#define SIM_ATK_ALL      0x3fu
/* not in "all": added later, so earlier scenarios keep their bytes */
#define SIM_ATK_BEACON   0x40u
#define SIM_ATK_DNSTUNNEL 0x80u

struct sim_ctx {
	struct sim_opts opt;
	struct sim_rng rng;
	uint64_t t0, tend, now, window;	/* us; window: span attacks use */
	uint64_t seq;
	/* event heap */
	struct sim_ev *ev;
	size_t nev, evcap;
	/* pending frames (min-heap by time) and free slots */
	struct sim_pkt **pk;
	size_t npk, pkcap;
	struct sim_pkt **freepk;
	size_t nfree, freecap;
	struct sim_pkt *cur;	/* slot between out_begin and out_commit */
	struct sim_pkt spare;	/* used when allocation fails */
	uint16_t cur_ep;	/* episode stamped on frames (0 benign) */
	int oom;
	struct sim_pcap *out;
	int stop;
	/* network */
	uint32_t net, mask;
	struct sim_host router;
	struct sim_device *dev;
	size_t ndev;
	struct sim_episode ep[SIM_MAX_EPISODES + 1];	/* [0] unused */
	size_t nep;
	void *owned[8];		/* attack state blocks (sim_ctx_alloc) */
	size_t nowned;
	uint8_t *big;		/* SIM_BIG_BUF scratch for payloads */
};

/* scheduler.c */
int sim_ctx_init(struct sim_ctx *c, const struct sim_opts *o);
void sim_ctx_fini(struct sim_ctx *c);
/* Schedule fn(obj, arg) at t (clamped to now). Sets c->oom on failure. */
void sim_sched(struct sim_ctx *c, uint64_t t, sim_ev_fn fn, void *obj,
    uint32_t arg);
/* A frame buffer of SIM_FRAME_MAX bytes, then queue it at time t (len 0
 * drops it). Always returns a usable buffer. */
uint8_t *sim_out_begin(struct sim_ctx *c);
void sim_out_commit(struct sim_ctx *c, uint64_t t, size_t len);
/* Run events until tend or max_packets; write pending frames. 0 ok,
 * -1 on I/O error or out of memory. */
int sim_ctx_run(struct sim_ctx *c);
/* Register an episode; returns its id (0 when the table is full). */
uint16_t sim_episode_new(struct sim_ctx *c, const char *attack,
    const char *category, const struct sim_host *src, uint32_t dst_ip,
    uint16_t dst_port);

/* Host-level emitters (scheduler.c): fill a sim_l3 from two hosts. */
void sim_l3_from(struct sim_l3 *l, struct sim_host *src,
    const struct sim_host *dst);
void sim_send_udp(struct sim_ctx *c, uint64_t t, struct sim_host *src,
    const struct sim_host *dst, uint16_t sport, uint16_t dport,
    const void *pl, size_t plen);
/* UDP to a multicast/broadcast group (MAC derived from the group). */
void sim_send_udp_group(struct sim_ctx *c, uint64_t t, struct sim_host *src,
    uint32_t group, uint16_t sport, uint16_t dport, const void *pl,
    size_t plen);
void sim_send_arp(struct sim_ctx *c, uint64_t t, const uint8_t edst[6],
    const uint8_t esrc[6], uint16_t op, const uint8_t sha[6], uint32_t spa,
    const uint8_t tha[6], uint32_t tpa);

/* tcp_session.c */
void sim_tcp_init(struct sim_tcp *s, struct sim_ctx *c, struct sim_host *cli,
    uint16_t cport, struct sim_host *srv, uint16_t sport, uint32_t wan_us);
/* SYN, SYN-ACK, ACK from t; returns the time of the last one. */
uint64_t sim_tcp_connect(struct sim_ctx *c, struct sim_tcp *s, uint64_t t);
/* SYN answered by RST-ACK (closed port); returns time of the RST. */
uint64_t sim_tcp_refused(struct sim_ctx *c, struct sim_tcp *s, uint64_t t);
/* side sends len bytes from t (segments every gap_us, 0 = LAN speed);
 * the other side ACKs every second segment. Returns the time the last
 * data segment was acknowledged. data NULL: random bytes. */
uint64_t sim_tcp_send(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t, const uint8_t *data, size_t len, uint32_t gap_us);
/* Orderly close started by side; returns time of the final ACK. */
uint64_t sim_tcp_close(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t);
uint64_t sim_tcp_reset(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t);
/* One raw segment from side (for scanners and floods). */
void sim_tcp_segment(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t, uint8_t flags, const uint8_t *data, size_t len);
/* TLS handshake over an open connection; returns time it completes. */
uint64_t sim_tcp_tls_handshake(struct sim_ctx *c, struct sim_tcp *s,
    uint64_t t, int stack, const char *sni, const char *alpn);
/* TLS application data of `plain` bytes from side; returns end time. */
uint64_t sim_tcp_tls_data(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t, size_t plain, uint32_t gap_us);

/* ---- 3. the world ------------------------------------------------------ */

enum sim_task_type {
	SIM_TASK_CHECKIN,	/* short TLS session to a cloud domain */
	SIM_TASK_KEEPALIVE,	/* persistent TLS connection, small exchanges */
	SIM_TASK_HTTP,		/* plain HTTP GET */
	SIM_TASK_NTP,		/* NTP to a domain (dom 0xff: the router) */
	SIM_TASK_MDNS_ANN,	/* mDNS announcement of the kind's services */
	SIM_TASK_MDNS_QUERY,	/* mDNS browse; advertisers answer */
	SIM_TASK_SSDP_NOTIFY,
	SIM_TASK_SSDP_SEARCH,
	SIM_TASK_MQTT,		/* persistent MQTT to the hub, telemetry */
	SIM_TASK_VIDEO,		/* motion clip uploads */
	SIM_TASK_BROWSE,	/* user burst: TLS sessions to several domains */
	SIM_TASK_ARP,		/* ARP refresh with the gateway */
	SIM_TASK_LLMNR,
	SIM_TASK_POLL,		/* hub polls every plug over HTTP */
	SIM_TASK_BCAST,		/* local discovery broadcast (UDP) */
	SIM_TASK_NTYPES
};

struct sim_task {
	uint8_t type;
	uint8_t dom;		/* index into the kind's domains */
	uint8_t ndom;		/* BROWSE: pick among dom..dom+ndom-1 */
	uint8_t tls;		/* stack + 1 overriding the kind's; 0 = kind */
	uint16_t port;
	uint32_t period_s;	/* mean interval */
	uint8_t expo;		/* exponential intervals instead of +-20% */
	uint32_t up, down;	/* bytes per exchange (means) */
	const char *path;	/* HTTP path */
};

struct sim_domain {
	const char *name;
	const char *cname;	/* answer is a CNAME chain through this */
	uint32_t net;		/* address block of the provider ... */
	uint8_t plen;		/* ... and its prefix length */
	uint32_t ttl;
};

struct sim_service {		/* one DNS-SD service instance */
	const char *type;	/* "_hap._tcp" */
	const char *inst;	/* instance label; "%s" gets the MAC tail */
	uint16_t port;
	const char *const *txt;
	size_t ntxt;
};

struct sim_kind {
	const char *kind, *vendor, *oui_vendor, *model, *os_name;
	uint8_t oui[3];
	uint8_t random_mac;	/* locally administered private address */
	uint8_t os, tls, ipv6;
	const char *host_fmt;	/* hostname; "%s" gets 6 hex digits */
	const char *vendor_class;
	const uint8_t *prl;
	size_t prl_len;
	uint16_t dhcp_max;	/* option 57, 0 none */
	int client_id;		/* sends option 61 */
	const char *alpn;
	const char *ua;		/* HTTP User-Agent */
	const struct sim_domain *dom;
	size_t ndom;
	const struct sim_task *task;
	size_t ntask;
	const struct sim_service *svc;
	size_t nsvc;
	const char *const *browse_types;	/* mDNS types it queries */
	size_t nbrowse;
	const char *ssdp_server;	/* SSDP SERVER header, NULL none */
	const char *ssdp_loc;	/* LOCATION path and port "%u:52323/x.xml" */
	const char *const *ssdp_nt;
	size_t nssdp_nt;
};

enum sim_kind_id {
	SIM_K_CAMERA, SIM_K_PLUG, SIM_K_BULB, SIM_K_SPEAKER, SIM_K_TV,
	SIM_K_THERMOSTAT, SIM_K_HUB, SIM_K_PHONE, SIM_K_LAPTOP, SIM_K_COUNT
};

/* kinds.c */
const struct sim_kind *sim_kind_get(unsigned id);
/* Address of a domain: stable, inside its provider block. */
uint32_t sim_domain_ip(const struct sim_domain *d);

struct sim_arpent {
	uint32_t ip;
	uint64_t exp;
};

struct sim_device {
	struct sim_host h;
	const struct sim_kind *k;
	unsigned kind_id;
	unsigned inst;		/* 0 for the first device of its kind, ... */
	size_t idx;
	char hostname[40];
	char tail[8];		/* 6 hex digits of the MAC */
	uint8_t ip6[16];	/* link-local, when the kind has IPv6 */
	uint16_t next_port;
	uint64_t dns_exp[SIM_KIND_DOMAINS];
	struct sim_arpent arp[SIM_ARP_CACHE];
	uint64_t ready;		/* has an address from this time on */
	struct sim_tcp conn[2];	/* persistent: [0] keepalive, [1] MQTT */
	struct sim_host peer[2];	/* remote ends of conn[] */
	struct sim_tcp bulk;	/* video clip in progress */
	struct sim_host bulk_peer;
	uint64_t bulk_left;
	uint32_t bulk_rate;	/* bytes per second */
	uint32_t counter;	/* telemetry sequence numbers */
	uint8_t conn_task[2];
};

/* devices.c */
int sim_devices_setup(struct sim_ctx *c);
/* First device of a kind, NULL when there is none. */
struct sim_device *sim_device_of_kind(struct sim_ctx *c, unsigned kind);
uint16_t sim_device_port(struct sim_ctx *c, struct sim_device *d);
/* Copy fmt replacing each "%s" with val (formats are data, not printf). */
void sim_subst(char *out, size_t size, const char *fmt, const char *val);

/* router.c: what the gateway does for devices. */
void sim_router_setup(struct sim_ctx *c);
/* Full DHCP exchange (DORA) from t; returns the time of the ACK. */
uint64_t sim_router_dhcp(struct sim_ctx *c, struct sim_device *d,
    uint64_t t);
/* Query for name (A, plus AAAA for IPv6 kinds) to the router and its
 * answer; returns when the answer arrived; *ip gets the address. */
uint64_t sim_router_dns(struct sim_ctx *c, struct sim_host *src,
    const struct sim_domain *dom, int aaaa, uint32_t *ip, uint64_t t);
/* ARP who-has from src for ip, answered by owner (NULL: no answer). */
uint64_t sim_arp_resolve(struct sim_ctx *c, struct sim_host *src,
    uint32_t ip, const struct sim_host *owner, uint64_t t);
/* The host answering for an internal address, NULL if none. */
struct sim_host *sim_lan_host(struct sim_ctx *c, uint32_t ip);
/* A remote host stand-in for ip (router MAC, TTL after some hops). */
void sim_remote_host(struct sim_ctx *c, struct sim_host *h, uint32_t ip);
/* WAN round trip to ip as seen from the LAN, in us (stable per ip). */
uint32_t sim_wan_rtt(uint32_t ip);

/* apps.c: application sessions devices run. */
uint64_t sim_app_resolve(struct sim_ctx *c, struct sim_device *d,
    unsigned dom, uint32_t *ip, uint64_t t);
/* ARP for an internal peer unless cached; returns when done. */
uint64_t sim_app_arp_peer(struct sim_ctx *c, struct sim_device *d,
    struct sim_host *peer, uint64_t t);
void sim_app_run_task(struct sim_ctx *c, struct sim_device *d,
    const struct sim_task *tk, uint64_t t);

/* discovery.c: mDNS, SSDP, LLMNR. */
void sim_disc_mdns_announce(struct sim_ctx *c, struct sim_device *d,
    uint64_t t);
void sim_disc_mdns_query(struct sim_ctx *c, struct sim_device *d,
    uint64_t t);
void sim_disc_ssdp_notify(struct sim_ctx *c, struct sim_device *d,
    uint64_t t);
void sim_disc_ssdp_search(struct sim_ctx *c, struct sim_device *d,
    uint64_t t);
void sim_disc_llmnr(struct sim_ctx *c, struct sim_device *d, uint64_t t);
void sim_disc_router_notify(struct sim_ctx *c, uint64_t t);

/* Zeroed memory freed with the context (attack state); NULL on OOM. */
void *sim_ctx_alloc(struct sim_ctx *c, size_t n);

/* attacks.c: scheduling, port scan, ARP spoofing, lateral movement. */
/* NULL when the devices the chosen attacks need exist, else a message. */
const char *sim_attacks_check(const struct sim_opts *o);
int sim_attacks_setup(struct sim_ctx *c);
/* Start time of an attack at fraction f of the window, and the factor
 * (<= 1) by which its duration shrinks in short windows. */
uint64_t sim_attack_at(const struct sim_ctx *c, double f);
double sim_attack_scale(const struct sim_ctx *c);
/* attack_mining.c: cryptomining (plug) and exfiltration (thermostat). */
int sim_mining_setup(struct sim_ctx *c, uint64_t start);
int sim_exfil_setup(struct sim_ctx *c, uint64_t start);
/* attack_c2.c: C2 beaconing (bulb) and a DNS tunnel (speaker). */
int sim_beacon_setup(struct sim_ctx *c, uint64_t start);
int sim_dnstun_setup(struct sim_ctx *c, uint64_t start);
/* attack_mirai.c: brute force, infection, scan, C2, floods (camera). */
int sim_mirai_setup(struct sim_ctx *c, uint64_t start);
/* A random routable public IPv4 address (scan targets). */
uint32_t sim_public_ip(struct sim_ctx *c);

/* truth.c */
int sim_truth_write(struct sim_ctx *c, const char *path);

/* sim_main.c: the whole run, for tests. 0 ok, 1 I/O error. */
int sim_run(const struct sim_opts *o);
void sim_opts_default(struct sim_opts *o);

/* Text form helpers (truth.c). */
void sim_fmt_ip(uint32_t ip, char *buf, size_t size);
void sim_fmt_mac(const uint8_t mac[6], char *buf, size_t size);

#endif /* EW_SIM_INTERNAL_H */
