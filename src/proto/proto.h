/* proto.h - application metadata: what the payload of one packet says.
 *
 * The pipeline calls proto_inspect() once per packet after the flow table.
 * It (a) runs nDPI on flows still being classified (per-flow nDPI state is
 * bounded by a memory budget, and freed as soon as a flow is classified or
 * given up on), and (b) parses the few protocols device identification and
 * the behaviour checks need into a struct app_meta that later stages read:
 * no later stage parses payload again.
 *
 * Every string in app_meta is a bounded, NUL-terminated copy (truncated when
 * longer) of bytes from the packet; they may contain any byte value, so
 * writers must escape them (the EVE writer does). A struct app_meta is
 * valid until the next proto_inspect() on the same meta.
 *
 * Privacy: passwords and other secrets are never copied into app_meta; a
 * login records the user name, that a secret was seen and whether it was a
 * well-known default credential (checked in memory). */
#ifndef EW_PROTO_H
#define EW_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "flow/flow.h"
#include "util/addr.h"

#define PROTO_NAME_LEN   256	/* DNS names, SNI, host names */
#define PROTO_STR_LEN    256	/* user agents, server banners, URNs */
#define PROTO_SHORT_LEN   64	/* user names, vendor classes */
#define PROTO_MAX_RR      24	/* DNS records kept per message */
#define PROTO_MAX_TXT    512	/* TXT rdata bytes kept per record */

enum app_kind {
	APP_NONE = 0,
	APP_DHCP,		/* BOOTP/DHCPv4, either direction */
	APP_DHCP6,
	APP_DNS,		/* unicast DNS over UDP (port 53) */
	APP_MDNS,		/* multicast DNS / DNS-SD (port 5353) */
	APP_SSDP,		/* UDP 1900: NOTIFY, M-SEARCH, response */
	APP_HTTP,		/* an HTTP (or RTSP) request or response head */
	APP_TLS_CLIENT_HELLO,
	APP_TLS_SERVER_HELLO,
	APP_NTP,
	APP_SSH_BANNER,		/* "SSH-2.0-..." identification line */
	APP_LOGIN,		/* a cleartext login attempt or its outcome */
	APP_STRATUM,		/* a mining JSON-RPC call */
	APP__COUNT
};

/* "dhcp", "tls_client_hello", ...; NULL when out of range. */
const char *proto_kind_name(enum app_kind k);

/* ---- DHCPv4 / DHCPv6 ---------------------------------------------------- */
struct app_dhcp {
	uint8_t op;			/* 1 request, 2 reply (BOOTP) */
	uint8_t msg_type;		/* option 53 (1 DISCOVER .. 8 INFORM),
					 * 0 when absent (plain BOOTP) */
	uint32_t xid;
	uint8_t chaddr[6];		/* client hardware address */
	uint8_t ciaddr[4], yiaddr[4], siaddr[4];
	uint8_t requested_ip[4];	/* option 50, zero when absent */
	uint8_t server_id[4];		/* option 54, zero when absent */
	char hostname[PROTO_SHORT_LEN];	/* option 12 */
	char vendor_class[PROTO_SHORT_LEN * 2];	/* option 60 */
	char prl[PROTO_STR_LEN];	/* option 55 as "1,3,6,15,..." */
	char client_id[PROTO_SHORT_LEN * 2];	/* option 61 as hex */
	char mud_url[PROTO_STR_LEN];	/* option 161 */
	char options[PROTO_STR_LEN];	/* option codes in order, "53,61,..." */
};

struct app_dhcp6 {
	uint8_t msg_type;		/* 1 SOLICIT .. 11 INFORMATION-REQUEST */
	uint32_t xid;			/* 24 bits */
	char duid[PROTO_SHORT_LEN * 2];	/* client DUID as hex */
	char hostname[PROTO_NAME_LEN];	/* client FQDN option 39 */
	uint32_t vendor_enterprise;	/* option 16 enterprise number */
	char vendor_class[PROTO_SHORT_LEN * 2];	/* option 16 data */
	char oro[PROTO_STR_LEN];	/* option 6 codes, "23,24,..." */
};

/* ---- DNS / mDNS ------------------------------------------------------- */
enum dns_section { DNS_SEC_QUESTION = 0, DNS_SEC_ANSWER, DNS_SEC_AUTHORITY,
	DNS_SEC_ADDITIONAL };

struct app_dns_rr {
	uint8_t section;		/* enum dns_section */
	uint16_t type, rclass;		/* rclass without the mDNS cache-flush
					 * / unicast-response bit */
	uint32_t ttl;
	char name[PROTO_NAME_LEN];	/* dotted, no trailing dot, as on the
					 * wire (case kept) */
	/* rdata by type: A/AAAA -> addr; PTR/CNAME/NS/SRV target -> target;
	 * SRV -> port too; TXT -> txt (length-prefixed strings as on the
	 * wire, txt_len bytes) */
	struct addr addr;
	char target[PROTO_NAME_LEN];
	uint16_t port;
	uint16_t txt_len;
	uint8_t txt[PROTO_MAX_TXT];
};

struct app_dns {
	uint16_t id;
	uint8_t is_response;
	uint8_t opcode, rcode;
	uint8_t truncated;		/* TC bit */
	uint16_t qdcount, ancount, nscount, arcount;	/* header counts */
	unsigned nrr;			/* records kept (<= PROTO_MAX_RR) */
	struct app_dns_rr rr[PROTO_MAX_RR];
	uint8_t malformed;		/* parsing stopped early */
};

/* ---- SSDP ------------------------------------------------------------- */
struct app_ssdp {
	uint8_t kind;			/* 1 NOTIFY, 2 M-SEARCH, 3 response */
	char server[PROTO_STR_LEN];	/* SERVER (or USER-AGENT in M-SEARCH) */
	char st[PROTO_STR_LEN];		/* ST, or NT for NOTIFY */
	char usn[PROTO_STR_LEN];
	char location[PROTO_STR_LEN];
	char nts[PROTO_SHORT_LEN];	/* ssdp:alive / ssdp:byebye */
};

/* ---- cleartext logins (used by HTTP/RTSP Basic too) ------------------ */
enum login_proto { LOGIN_TELNET = 1, LOGIN_FTP, LOGIN_HTTP_BASIC,
	LOGIN_POP3, LOGIN_IMAP, LOGIN_MQTT, LOGIN_RTSP, LOGIN_SMTP };

enum login_outcome {
	LOGIN_ATTEMPT = 1,	/* credentials sent (client side) */
	LOGIN_FAILED,		/* server refused (530, 401, CONNACK != 0...) */
	LOGIN_OK,		/* server accepted */
};

struct app_login {
	uint8_t proto;			/* enum login_proto */
	uint8_t outcome;		/* enum login_outcome */
	char user[PROTO_SHORT_LEN];	/* "" when not known (outcome lines) */
	uint8_t secret_seen;		/* a password went by in clear */
	uint8_t default_cred;		/* user+password is a well-known IoT
					 * default (e.g. Mirai's list) */
};

/* ---- HTTP / RTSP ------------------------------------------------------ */
struct app_http {
	uint8_t is_response;
	uint8_t rtsp;			/* RTSP/1.0 rather than HTTP */
	char method[16];
	char uri[PROTO_STR_LEN];
	char host[PROTO_NAME_LEN];
	char user_agent[PROTO_STR_LEN];
	char server[PROTO_STR_LEN];	/* response Server header */
	uint16_t status;		/* response status code */
	uint8_t www_authenticate;	/* 401 challenge present */
	char content_type[PROTO_SHORT_LEN];
	/* Login in this head. proto_parse_http() sets it for a request with
	 * "Authorization: Basic" (LOGIN_ATTEMPT, user, secret_seen,
	 * default_cred) or "Digest" (user only); proto_inspect() reports such
	 * a request as APP_LOGIN instead of APP_HTTP. The response to it stays
	 * APP_HTTP (Server header kept) with has_login and the outcome:
	 * 401/403 LOGIN_FAILED, 2xx/3xx LOGIN_OK. proto_meta_login() finds
	 * logins of both forms. */
	uint8_t has_login;
	struct app_login login;
};

/* ---- TLS -------------------------------------------------------------- */
struct app_tls {
	uint16_t record_version;	/* record layer version */
	uint16_t version;		/* hello version, or the highest
					 * supported_versions entry (non-GREASE) */
	char sni[PROTO_NAME_LEN];
	char alpn[PROTO_SHORT_LEN];	/* first ALPN protocol */
	/* ClientHello only */
	char ja3[PROTO_STR_LEN * 4];	/* the JA3 string */
	char ja3_hash[33];		/* its MD5, lower-case hex */
	char ja4[40];			/* e.g. t13d1516h2_8daaf6152771_b0da82dd1658 */
	uint16_t ncipher;		/* cipher suites offered (GREASE excluded) */
	uint8_t offers_weak;		/* offers NULL/EXPORT/RC4/DES/anon suites */
	/* ServerHello only */
	uint16_t cipher;		/* chosen suite */
	uint8_t weak_cipher;		/* chosen suite is NULL/EXPORT/RC4/DES/anon */
};

/* ---- NTP, SSH, logins, Stratum ---------------------------------------- */
struct app_ntp {
	uint8_t version, mode, stratum;	/* mode 3 client, 4 server, 7 private */
};

struct app_ssh {
	char banner[PROTO_STR_LEN];	/* the identification line, no CRLF */
	uint8_t from_server;
};

struct app_stratum {
	char method[PROTO_SHORT_LEN];	/* "mining.subscribe", "login", ... */
	char agent[PROTO_SHORT_LEN];	/* miner user agent when given */
	uint8_t from_server;
};

struct app_meta {
	enum app_kind kind;
	uint8_t to_server;		/* direction within the flow */
	union {
		struct app_dhcp dhcp;
		struct app_dhcp6 dhcp6;
		struct app_dns dns;	/* APP_DNS and APP_MDNS */
		struct app_ssdp ssdp;
		struct app_http http;
		struct app_tls tls;
		struct app_ntp ntp;
		struct app_ssh ssh;
		struct app_login login;
		struct app_stratum stratum;
	} u;
};

/* ---- the stage -------------------------------------------------------- */
struct proto_config {
	int ndpi;			/* 0 disables nDPI (tests, benchmarks) */
	size_t ndpi_memcap;		/* bytes of nDPI per-flow state */
	uint32_t ndpi_max_pkts;		/* packets per flow given to nDPI */
	size_t flow_memcap;		/* bytes of per-flow proto records */
};
void proto_config_default(struct proto_config *cfg);

struct proto_stats {
	uint64_t parsed[APP__COUNT];	/* by enum app_kind */
	uint64_t malformed;		/* payloads a parser rejected */
	uint64_t ndpi_flows;		/* flows given to nDPI */
	uint64_t ndpi_packets;		/* packets given to nDPI */
	uint64_t ndpi_classified;	/* ... that got a protocol */
	uint64_t ndpi_skipped_memcap;	/* flows not inspected: budget full */
	uint64_t ndpi_memuse, ndpi_memuse_peak;	/* bytes */
	uint64_t ndpi_evicted_idle;	/* flows given up on early to make
					 * room (idle while the budget was
					 * full) */
	uint64_t ndpi_module_bytes;	/* nDPI's own tables (not per flow) */
	uint64_t flow_records;		/* per-flow records in use */
	uint64_t flow_records_peak;
	uint64_t flow_records_denied;	/* packets that needed a record while
					 * the record budget was full */
};

struct proto;

struct proto *proto_new(const struct proto_config *cfg, char *err,
    size_t errlen);
void proto_free(struct proto *ps);	/* NULL is a no-op */

/* Inspect one packet of flow f (NULL when the packet has no flow, e.g.
 * ARP: meta->kind is then APP_NONE). Fills meta (meta->kind = APP_NONE
 * when nothing was parsed). May update f's app fields. */
void proto_inspect(struct proto *ps, const struct packet *p,
    struct flow *f, int to_server, struct app_meta *meta);

/* Flow f ends: finish nDPI (give up if still undecided) and release its
 * per-flow state. Call before writing the flow event. */
void proto_flow_end(struct proto *ps, struct flow *f);

/* f's application protocol as nDPI names it ("TLS.YouTube", "DNS"),
 * or NULL when unknown. buf holds the text. */
const char *proto_app_name(const struct proto *ps, const struct flow *f,
    char *buf, size_t size);
/* 1 when f carried application data in clear (a protocol without
 * encryption), 0 when encrypted (TLS, SSH, QUIC, ...), -1 when unknown
 * (also when the flow carried no payload at all). nDPI's protocol table
 * decides (the master protocol when there is one: "TLS.YouTube" is
 * encrypted, "DNS.Google" is not); flows nDPI did not name fall back to
 * well-known server ports. */
int proto_flow_cleartext(const struct proto *ps, const struct flow *f);
/* Name of nDPI risk bit (e.g. "Known protocol on non standard port"),
 * NULL when out of range. */
const char *proto_risk_name(unsigned bit);

const struct proto_stats *proto_stats(const struct proto *ps);

/* The login carried by m: &m->u.login for APP_LOGIN, &m->u.http.login for
 * an APP_HTTP head with has_login, else NULL (login.c). */
const struct app_login *proto_meta_login(const struct app_meta *m);

/* ---- the parsers (pure: bytes in, struct out; for tests and fuzzing) --
 * Each returns 0 when the payload parsed (out filled, possibly partially
 * for truncated-but-useful input), -1 when it is not that protocol or is
 * malformed. None reads outside data[0..len). */
int proto_parse_dhcp(const uint8_t *data, size_t len, struct app_dhcp *out);
int proto_parse_dhcp6(const uint8_t *data, size_t len,
    struct app_dhcp6 *out);
int proto_parse_dns(const uint8_t *data, size_t len, struct app_dns *out);
int proto_parse_ssdp(const uint8_t *data, size_t len, struct app_ssdp *out);
int proto_parse_ntp(const uint8_t *data, size_t len, struct app_ntp *out);
int proto_parse_http(const uint8_t *data, size_t len, struct app_http *out);
int proto_parse_tls(const uint8_t *data, size_t len, struct app_tls *out,
    int *is_server_hello);
int proto_parse_ssh_banner(const uint8_t *data, size_t len,
    struct app_ssh *out);
int proto_parse_stratum(const uint8_t *data, size_t len,
    struct app_stratum *out);

#endif /* EW_PROTO_H */
