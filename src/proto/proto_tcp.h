/* proto_tcp.h - TCP payload inspection (TLS hellos, HTTP/RTSP heads, SSH
 * banners, cleartext logins, Stratum) for proto.c. Internal to proto/. */
#ifndef EW_PROTO_TCP_H
#define EW_PROTO_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* What a TCP flow was recognised as (struct proto_tcp_state.kind). */
enum ptcp_kind {
	PTCP_UNKNOWN = 0,	/* still looking */
	PTCP_TLS,
	PTCP_HTTP,		/* HTTP or RTSP */
	PTCP_SSH,
	PTCP_TELNET,
	PTCP_FTP,
	PTCP_POP3,
	PTCP_IMAP,
	PTCP_SMTP,
	PTCP_MQTT,
	PTCP_STRATUM,
	PTCP_OTHER,		/* none of these */
};

/* Per-flow TCP parsing state, embedded in proto.c's per-flow record and
 * zeroed when that record is created. Kept small (about 90 bytes): no
 * reassembly buffer, no password. A TLS hello split over segments is parsed
 * as far as the first segment goes (SNI/ALPN when present) and gets no
 * JA3/JA4 rather than a wrong one (see tls.c). */
struct proto_tcp_state {
	uint8_t npkt[2];	/* payload segments seen: [0] to client,
				 * [1] to server (saturating) */
	uint8_t kind;		/* enum ptcp_kind */
	uint8_t seen;		/* PTCP_SEEN_* bits: what was already parsed */
	uint8_t login_pending;	/* credentials sent, outcome not yet seen */
	uint8_t login_proto;	/* enum login_proto of the pending login */
	uint8_t tn_expect;	/* telnet: next client line is 1 user, 2 pass */
	uint8_t tn_iac[2];	/* telnet IAC parser state per direction */
	uint8_t tn_cr;		/* telnet: client just sent CR */
	uint8_t passlen;	/* telnet: password characters typed so far */
	uint8_t smtp_step;	/* SMTP AUTH LOGIN: 1 user next, 2 pass next */
	uint8_t userlen;
	uint8_t swapped;	/* login port on the flow's client side (capture
				 * began mid-connection): directions inverted */
	uint64_t pass_cand;	/* telnet: default-credential table entries
				 * whose password starts with what was typed
				 * (bit i = entry i); the characters themselves
				 * are never kept */
	char user[PROTO_SHORT_LEN];	/* user name of the login in progress */
};

#define PTCP_SEEN_CHELLO  0x01
#define PTCP_SEEN_SHELLO  0x02
#define PTCP_SEEN_SSH_CLI 0x04
#define PTCP_SEEN_SSH_SRV 0x08
#define PTCP_SEEN_MQTT    0x10	/* a CONNECT went by: CONNACK is an outcome */

/* 1 when one more payload segment in direction dir (1 to server) is past
 * what st inspects and can be nothing proto_tcp_inspect would look at
 * (its kind reads no more heads): the caller then only counts it with
 * proto_tcp_count and skips the call. Limits: PROTO_TCP_MAX_PKTS, or
 * PROTO_TCP_LOGIN_MAX_PKTS for the login kinds (config.h). */
static inline int proto_tcp_past(const struct proto_tcp_state *st, int dir,
    unsigned limit, unsigned login_limit)
{
	uint8_t k = st->kind;
	if (k == PTCP_HTTP || k == PTCP_STRATUM)
		return 0;
	return st->npkt[dir] >= (k >= PTCP_TELNET && k <= PTCP_MQTT ?
	    login_limit : limit);
}

static inline void proto_tcp_count(struct proto_tcp_state *st, int dir)
{
	if (st->npkt[dir] < 255)
		st->npkt[dir]++;
}

/* Inspect one TCP segment with payload of flow f (p->payload_len > 0).
 * Fills m (m->kind stays APP_NONE when nothing was recognised). f may be
 * NULL (ports are then taken from p). */
void proto_tcp_inspect(struct proto_tcp_state *st, const struct packet *p,
    const struct flow *f, int to_server, struct app_meta *m);

/* ---- helpers shared by the TCP inspectors (tls.c, login.c, ...) ------- */

/* MD5 of data (md5.c, RFC 1321): only for JA3. */
void proto_md5(const void *data, size_t len, uint8_t out[16]);

/* JA4 "a_b_c" from the parsed ClientHello lists (GREASE already removed).
 * Writes at most size bytes, NUL-terminated (ja4.c). */
struct ptcp_ja4_in {
	uint16_t version;		/* highest supported_versions, or legacy */
	int has_sni;
	const uint8_t *alpn;		/* first ALPN value, NULL when none */
	size_t alpn_len;
	const uint16_t *ciphers;
	size_t nciphers;
	const uint16_t *exts;		/* in order, SNI and ALPN included */
	size_t nexts;
	const uint16_t *sigalgs;	/* in order */
	size_t nsigalgs;
};
void proto_ja4(const struct ptcp_ja4_in *in, char *out, size_t size);

/* 1 when d starts an HTTP/RTSP head: a known method and a space, or
 * "HTTP/1." / "RTSP/1." (http.c). */
int proto_http_start(const uint8_t *d, size_t n);

/* 1 when v is an RFC 8701 GREASE value (0x?a?a with equal bytes). */
int proto_tls_grease(uint16_t v);
/* 1 when cipher suite cs is NULL, EXPORT, RC4, DES/3DES or anonymous. */
int proto_tls_weak_cipher(uint16_t cs);

/* Copy n payload bytes into a PROTO string of size dst_size: truncated,
 * NUL-terminated, bytes kept as they are (writers escape). */
void proto_copy_str(char *dst, size_t dst_size, const uint8_t *src,
    size_t n);

/* Standard base64 (RFC 4648, '=' padding optional, no whitespace) of
 * in[0..n) into out (at most cap bytes). Returns the decoded length, or -1
 * when in is not base64 or out is too small. */
int proto_b64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

/* 1 when user/pass is in the built-in list of well-known IoT default
 * credentials (login.c). pass is only compared, never kept. */
int proto_login_is_default(const uint8_t *user, size_t ulen,
    const uint8_t *pass, size_t plen);

/* Telnet password check without keeping the password: cand is a set of
 * default-credential entries (start with all bits set); step drops those
 * whose password does not have c at position pos; match says whether one
 * left has length len and user name user. */
uint64_t proto_login_cand_step(uint64_t cand, size_t pos, uint8_t c);
int proto_login_cand_match(uint64_t cand, size_t len, const uint8_t *user,
    size_t ulen);

/* Case-insensitive test that d[0..n) starts with NUL-terminated p. */
int proto_ci_prefix(const uint8_t *d, size_t n, const char *p);

/* Fill m with an APP_LOGIN of st's login protocol and user (st->user);
 * an ATTEMPT marks a login pending, an outcome clears it (login.c). */
void proto_login_emit(struct proto_tcp_state *st, struct app_meta *m,
    uint8_t outcome, int secret, int dflt);

/* HTTP Basic credentials "user:pass" (base64 b64[0..n)) into out: user,
 * secret_seen, default_cred; the decoded password is wiped before return.
 * 0 ok, -1 when not decodable. */
int proto_login_basic(const uint8_t *b64, size_t n, struct app_login *out);

/* MQTT CONNECT / CONNACK (mqtt.c). parse_connect fills out (proto
 * LOGIN_MQTT, outcome ATTEMPT, user, secret_seen, default_cred) and
 * client_id (may be NULL); parse_connack gives the return code. 0 ok, -1
 * when not that packet. */
int proto_parse_mqtt_connect(const uint8_t *d, size_t n,
    struct app_login *out, char *client_id, size_t client_id_size);
int proto_parse_mqtt_connack(const uint8_t *d, size_t n, uint8_t *rc);

/* Line-oriented (login.c) and telnet (telnet.c) logins on one segment:
 * update st and fill m with an APP_LOGIN when a login attempt or outcome
 * is seen. */
void proto_login_text(struct proto_tcp_state *st, const uint8_t *d,
    size_t n, int to_server, struct app_meta *m);
void proto_login_telnet(struct proto_tcp_state *st, const uint8_t *d,
    size_t n, int to_server, struct app_meta *m);

#endif /* EW_PROTO_TCP_H */
