/* login.c - cleartext logins over line protocols (FTP, POP3, IMAP, SMTP
 * AUTH), HTTP/RTSP Basic credentials, and the check against well-known IoT
 * default credentials (telnet.c and mqtt.c use it too).
 *
 * Privacy: a password is looked at in place (or, for Basic/SMTP, decoded
 * into a stack buffer that is wiped before return), compared with the
 * built-in list and forgotten. Telnet passwords arrive one character per
 * segment, so instead of buffering them telnet.c keeps only the set of
 * list entries the typed characters are still a prefix of (a 64-bit mask,
 * proto_login_cand_step). */
#include <sodium.h>
#include <string.h>

#include "proto/proto_tcp.h"

/* Mirai's public credential list (scanner.c), duplicates removed, plus a
 * few other factory defaults. At most 64 entries: the telnet prefix mask
 * is a uint64_t. */
static const struct {
	const char *user, *pass;
} creds[] = {
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
	{ "root", "00000000" }, { "admin", "1111111" }, { "admin", "1234" },
	{ "admin", "12345" }, { "admin", "54321" }, { "admin", "123456" },
	{ "admin", "7ujMko0admin" }, { "admin", "pass" }, { "admin", "meinsm" },
	{ "tech", "tech" }, { "mother", "fucker" }, { "pi", "raspberry" },
	{ "root", "toor" }, { "admin", "12345678" },
};
#define NCREDS (sizeof(creds) / sizeof(creds[0]))
_Static_assert(NCREDS <= 64, "telnet prefix mask holds 64 entries");

static int str_eq(const uint8_t *d, size_t n, const char *s)
{
	size_t l = strlen(s);
	return n == l && memcmp(d, s, l) == 0;
}

int proto_login_is_default(const uint8_t *user, size_t ulen,
    const uint8_t *pass, size_t plen)
{
	for (size_t i = 0; i < NCREDS; i++)
		if (str_eq(user, ulen, creds[i].user) &&
		    str_eq(pass, plen, creds[i].pass))
			return 1;
	return 0;
}

uint64_t proto_login_cand_step(uint64_t cand, size_t pos, uint8_t c)
{
	for (size_t i = 0; i < NCREDS; i++) {
		if (!(cand >> i & 1))
			continue;
		const char *p = creds[i].pass;
		if (pos >= strlen(p) || (uint8_t)p[pos] != c)
			cand &= ~((uint64_t)1 << i);
	}
	return cand;
}

int proto_login_cand_match(uint64_t cand, size_t len, const uint8_t *user,
    size_t ulen)
{
	for (size_t i = 0; i < NCREDS; i++)
		if ((cand >> i & 1) && strlen(creds[i].pass) == len &&
		    str_eq(user, ulen, creds[i].user))
			return 1;
	return 0;
}

void proto_copy_str(char *dst, size_t dst_size, const uint8_t *src,
    size_t n)
{
	if (dst_size == 0)
		return;
	if (n > dst_size - 1)
		n = dst_size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

const struct app_login *proto_meta_login(const struct app_meta *m)
{
	if (m->kind == APP_LOGIN)
		return &m->u.login;
	if (m->kind == APP_HTTP && m->u.http.has_login)
		return &m->u.http.login;
	return NULL;
}

/* ---- base64 and Basic ------------------------------------------------- */

static int b64_val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int proto_b64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	while (n && in[n - 1] == '=')
		n--;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (o > (size_t)0x7fffffff)
		return -1;
	return (int)o;
}

int proto_login_basic(const uint8_t *b64, size_t n, struct app_login *out)
{
	uint8_t buf[256];
	size_t e = 0;
	int r = -1;
	while (e < n && b64[e] != ' ' && b64[e] != '\r' && b64[e] != '\n')
		e++;
	int dl = proto_b64_decode(b64, e, buf, sizeof(buf));
	if (dl < 0)
		goto out;
	size_t len = (size_t)dl, c = 0;
	while (c < len && buf[c] != ':')
		c++;
	if (c == len)
		goto out;
	proto_copy_str(out->user, sizeof(out->user), buf, c);
	out->secret_seen = len - c - 1 > 0;
	out->default_cred = (uint8_t)proto_login_is_default(buf, c,
	    buf + c + 1, len - c - 1);
	r = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	return r;
}

/* ---- line-oriented logins: FTP, POP3, IMAP, SMTP ----------------------- */

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int proto_ci_prefix(const uint8_t *d, size_t n, const char *p)
{
	size_t i;
	for (i = 0; p[i]; i++)
		if (i >= n || lc(d[i]) != lc((unsigned char)p[i]))
			return 0;
	return 1;
}

void proto_login_emit(struct proto_tcp_state *st, struct app_meta *m,
    uint8_t outcome, int secret, int dflt)
{
	m->kind = APP_LOGIN;
	memset(&m->u.login, 0, sizeof(m->u.login));
	m->u.login.proto = st->login_proto;
	m->u.login.outcome = outcome;
	proto_copy_str(m->u.login.user, sizeof(m->u.login.user),
	    (const uint8_t *)st->user, st->userlen);
	m->u.login.secret_seen = (uint8_t)secret;
	m->u.login.default_cred = (uint8_t)dflt;
	st->login_pending = outcome == LOGIN_ATTEMPT;
}

static void set_user(struct proto_tcp_state *st, const uint8_t *u, size_t n)
{
	if (n > sizeof(st->user) - 1)
		n = sizeof(st->user) - 1;
	memcpy(st->user, u, n);
	st->user[n] = '\0';
	st->userlen = (uint8_t)n;
}

/* Next IMAP atom or quoted string from l[*i..n): start and length. */
static int imap_token(const uint8_t *l, size_t n, size_t *i,
    const uint8_t **s, size_t *len)
{
	while (*i < n && l[*i] == ' ')
		(*i)++;
	if (*i >= n)
		return -1;
	if (l[*i] == '"') {
		size_t b = ++(*i);
		while (*i < n && l[*i] != '"')
			(*i)++;
		*s = l + b;
		*len = *i - b;
		if (*i < n)
			(*i)++;
		return 0;
	}
	size_t b = *i;
	while (*i < n && l[*i] != ' ')
		(*i)++;
	*s = l + b;
	*len = *i - b;
	return 0;
}

/* SMTP AUTH PLAIN: base64 of "authzid\0user\0pass". */
static void smtp_plain(struct proto_tcp_state *st, const uint8_t *b,
    size_t n, struct app_meta *m)
{
	uint8_t buf[256];
	int dl = proto_b64_decode(b, n, buf, sizeof(buf));
	if (dl > 0) {
		size_t len = (size_t)dl, z1 = 0, z2;
		while (z1 < len && buf[z1])
			z1++;
		z2 = z1 + 1;
		while (z2 < len && buf[z2])
			z2++;
		if (z2 < len) {
			set_user(st, buf + z1 + 1, z2 - z1 - 1);
			proto_login_emit(st, m, LOGIN_ATTEMPT, len - z2 - 1 > 0,
			    proto_login_is_default(buf + z1 + 1,
			    z2 - z1 - 1, buf + z2 + 1, len - z2 - 1));
		}
	}
	sodium_memzero(buf, sizeof(buf));
}

/* SMTP AUTH LOGIN continuation lines: base64 user, then base64 pass. */
static void smtp_login_step(struct proto_tcp_state *st, const uint8_t *l,
    size_t n, struct app_meta *m)
{
	uint8_t buf[128];
	int dl = proto_b64_decode(l, n, buf, sizeof(buf));
	if (dl < 0) {
		st->smtp_step = 0;
	} else if (st->smtp_step == 1) {
		set_user(st, buf, (size_t)dl);
		st->smtp_step = 2;
	} else {
		proto_login_emit(st, m, LOGIN_ATTEMPT, dl > 0, proto_login_is_default(
		    (const uint8_t *)st->user, st->userlen, buf, (size_t)dl));
		st->smtp_step = 0;
	}
	sodium_memzero(buf, sizeof(buf));
}

static void client_line(struct proto_tcp_state *st, const uint8_t *l,
    size_t n, struct app_meta *m)
{
	switch (st->kind) {
	case PTCP_FTP:
	case PTCP_POP3:
		st->login_proto = st->kind == PTCP_FTP ? LOGIN_FTP : LOGIN_POP3;
		if (proto_ci_prefix(l, n, "USER ")) {
			set_user(st, l + 5, n - 5);
		} else if (proto_ci_prefix(l, n, "PASS ") || (n == 4 &&
		    proto_ci_prefix(l, n, "PASS"))) {
			const uint8_t *pw = n > 5 ? l + 5 : l + n;
			size_t pl = n > 5 ? n - 5 : 0;
			proto_login_emit(st, m, LOGIN_ATTEMPT, pl > 0,
			    proto_login_is_default((const uint8_t *)st->user,
			    st->userlen, pw, pl));
		}
		break;
	case PTCP_IMAP: {
		size_t i = 0;
		const uint8_t *tag, *cmd, *u, *pw;
		size_t tl, cl, ul, pl;
		st->login_proto = LOGIN_IMAP;
		if (imap_token(l, n, &i, &tag, &tl) < 0 ||
		    imap_token(l, n, &i, &cmd, &cl) < 0 ||
		    !(cl == 5 && proto_ci_prefix(cmd, cl, "LOGIN")) ||
		    imap_token(l, n, &i, &u, &ul) < 0)
			break;
		set_user(st, u, ul);
		if (imap_token(l, n, &i, &pw, &pl) < 0) {
			pw = l;
			pl = 0;
		}
		proto_login_emit(st, m, LOGIN_ATTEMPT, pl > 0,
		    proto_login_is_default(u, ul, pw, pl));
		break;
	}
	case PTCP_SMTP:
		st->login_proto = LOGIN_SMTP;
		if (st->smtp_step) {
			smtp_login_step(st, l, n, m);
		} else if (proto_ci_prefix(l, n, "AUTH PLAIN ")) {
			smtp_plain(st, l + 11, n - 11, m);
		} else if (proto_ci_prefix(l, n, "AUTH LOGIN")) {
			st->smtp_step = 1;
			if (n > 11)	/* initial response: the user */
				smtp_login_step(st, l + 11, n - 11, m);
		}
		break;
	default:
		break;
	}
}

static void server_line(struct proto_tcp_state *st, const uint8_t *l,
    size_t n, struct app_meta *m)
{
	int ok = 0, fail = 0;
	switch (st->kind) {
	case PTCP_FTP:
		ok = proto_ci_prefix(l, n, "230");
		fail = proto_ci_prefix(l, n, "530");
		break;
	case PTCP_POP3:
		ok = proto_ci_prefix(l, n, "+OK");
		fail = proto_ci_prefix(l, n, "-ERR");
		break;
	case PTCP_IMAP: {
		size_t i = 0;
		const uint8_t *tag, *r;
		size_t tl, rl;
		if (imap_token(l, n, &i, &tag, &tl) < 0 || tl == 0 ||
		    tag[0] == '*' || tag[0] == '+' ||
		    imap_token(l, n, &i, &r, &rl) < 0)
			break;
		ok = rl == 2 && proto_ci_prefix(r, rl, "OK");
		fail = (rl == 2 && proto_ci_prefix(r, rl, "NO")) ||
		    (rl == 3 && proto_ci_prefix(r, rl, "BAD"));
		break;
	}
	case PTCP_SMTP:
		ok = proto_ci_prefix(l, n, "235");
		fail = proto_ci_prefix(l, n, "535") || proto_ci_prefix(l, n, "534") ||
		    proto_ci_prefix(l, n, "454");
		break;
	default:
		break;
	}
	if (ok || fail)
		proto_login_emit(st, m, ok ? LOGIN_OK : LOGIN_FAILED, 0, 0);
}

void proto_login_text(struct proto_tcp_state *st, const uint8_t *d,
    size_t n, int to_server, struct app_meta *m)
{
	size_t pos = 0;
	while (pos < n && m->kind == APP_NONE) {
		size_t e = pos;
		while (e < n && d[e] != '\n')
			e++;
		size_t len = e - pos;
		if (len && d[pos + len - 1] == '\r')
			len--;
		if (to_server)
			client_line(st, d + pos, len, m);
		else if (st->login_pending)
			server_line(st, d + pos, len, m);
		pos = e + 1;
	}
}
