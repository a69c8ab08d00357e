/* telnet.c - telnet logins: IAC negotiation stripped, the client's
 * keystrokes assembled into a user name (kept) and a password (never kept:
 * only the mask of default-credential entries it still matches), server
 * prompts and outcome lines recognised heuristically ("login:",
 * "Password:", "Login incorrect", a shell prompt, "BusyBox"...). */
#include <string.h>

#include "proto/proto_tcp.h"

enum { TN_DATA = 0, TN_IAC, TN_OPT, TN_SB, TN_SB_IAC };

/* One byte through the IAC parser: 1 and *out set when it is data. */
static int tn_byte(uint8_t *state, uint8_t b, uint8_t *out)
{
	switch (*state) {
	case TN_DATA:
		if (b == 255) {
			*state = TN_IAC;
			return 0;
		}
		*out = b;
		return 1;
	case TN_IAC:
		if (b == 255) {		/* escaped 0xff data byte */
			*state = TN_DATA;
			*out = b;
			return 1;
		}
		if (b >= 251)		/* WILL WONT DO DONT: option follows */
			*state = TN_OPT;
		else if (b == 250)	/* SB ... IAC SE */
			*state = TN_SB;
		else
			*state = TN_DATA;
		return 0;
	case TN_OPT:
		*state = TN_DATA;
		return 0;
	case TN_SB:
		if (b == 255)
			*state = TN_SB_IAC;
		return 0;
	default:			/* TN_SB_IAC */
		*state = b == 240 ? TN_DATA : TN_SB;
		return 0;
	}
}

static int contains_ci(const uint8_t *d, size_t n, const char *s)
{
	size_t l = strlen(s);
	for (size_t i = 0; i + l <= n; i++)
		if (proto_ci_prefix(d + i, n - i, s))
			return 1;
	return 0;
}

/* 1 when t, without trailing blanks, ends with one of the prompts:
 * a prompt is the last thing a server sends before waiting for input. */
static int ends_with_prompt(const uint8_t *t, size_t n,
    const char *const *prompts, size_t np)
{
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\r' || t[n - 1] == '\n' ||
	    t[n - 1] == '\t' || t[n - 1] == 0))
		n--;
	for (size_t i = 0; i < np; i++) {
		size_t l = strlen(prompts[i]);
		if (n >= l && proto_ci_prefix(t + n - l, l, prompts[i]))
			return 1;
	}
	return 0;
}

static const char *const user_prompts[] = { "login:", "username:",
	"user name:", "login as:", "user:" };
static const char *const pass_prompts[] = { "password:", "passcode:",
	"passwd:" };
static const char *const shell_prompts[] = { "#", "$", ">" };
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Server output: prompts move the client-side expectation; after a
 * password, failure words, a new login prompt or a shell prompt give the
 * outcome. */
static void telnet_server(struct proto_tcp_state *st, const uint8_t *t,
    size_t n, struct app_meta *m)
{
	static const char *const fail_words[] = { "incorrect", "failed",
		"denied", "invalid", "bad password", "wrong" };
	static const char *const ok_words[] = { "welcome", "busybox",
		"last login", "built-in shell" };
	int user_p = ends_with_prompt(t, n, user_prompts, NELEM(user_prompts));
	int pass_p = ends_with_prompt(t, n, pass_prompts, NELEM(pass_prompts));

	if (st->login_pending) {
		int fail = 0, ok = 0;
		for (size_t i = 0; i < NELEM(fail_words); i++)
			fail |= contains_ci(t, n, fail_words[i]);
		/* asked for credentials again right after the password */
		if (user_p || pass_p)
			fail = 1;
		if (!fail) {
			for (size_t i = 0; i < NELEM(ok_words); i++)
				ok |= contains_ci(t, n, ok_words[i]);
			ok |= ends_with_prompt(t, n, shell_prompts,
			    NELEM(shell_prompts));
		}
		if (fail || ok)
			proto_login_emit(st, m, fail ? LOGIN_FAILED : LOGIN_OK, 0, 0);
	}
	if (pass_p) {
		st->tn_expect = 2;
		st->pass_cand = ~(uint64_t)0;
		st->passlen = 0;
	} else if (user_p) {
		st->tn_expect = 1;
		st->userlen = 0;
		st->user[0] = '\0';
	}
}

static void pass_char(struct proto_tcp_state *st, uint8_t c)
{
	st->pass_cand = proto_login_cand_step(st->pass_cand, st->passlen, c);
	if (st->passlen < 255)
		st->passlen++;
}

static void telnet_line_end(struct proto_tcp_state *st, struct app_meta *m)
{
	if (st->tn_expect == 1) {
		if (st->userlen == 0)
			return;			/* bare Enter at login: */
		st->tn_expect = 2;
		st->pass_cand = ~(uint64_t)0;
		st->passlen = 0;
	} else if (st->tn_expect == 2) {
		int dflt = proto_login_cand_match(st->pass_cand, st->passlen,
		    (const uint8_t *)st->user, st->userlen);
		st->login_proto = LOGIN_TELNET;
		proto_login_emit(st, m, LOGIN_ATTEMPT, st->passlen > 0, dflt);
		st->tn_expect = 0;
		st->pass_cand = 0;
		st->passlen = 0;
	}
}

static void telnet_client_byte(struct proto_tcp_state *st, uint8_t c,
    struct app_meta *m)
{
	if (st->tn_cr && (c == '\n' || c == 0)) {
		st->tn_cr = 0;			/* CR LF / CR NUL: one end */
		return;
	}
	st->tn_cr = c == '\r';
	if (c == '\r' || c == '\n') {
		telnet_line_end(st, m);
		return;
	}
	if (st->tn_expect == 1) {
		if (c == 8 || c == 127) {
			if (st->userlen)
				st->user[--st->userlen] = '\0';
		} else if (c >= 0x20 && st->userlen < sizeof(st->user) - 1) {
			st->user[st->userlen++] = (char)c;
			st->user[st->userlen] = '\0';
		}
	} else if (st->tn_expect == 2) {
		if (c == 8 || c == 127)
			st->pass_cand = 0;	/* edited: cannot tell */
		else
			pass_char(st, c);
	}
}

#define TN_SCAN_MAX 2048	/* server bytes examined per segment */

void proto_login_telnet(struct proto_tcp_state *st, const uint8_t *d,
    size_t n, int to_server, struct app_meta *m)
{
	uint8_t *iac = &st->tn_iac[to_server ? 1 : 0];
	uint8_t c;

	if (to_server) {
		for (size_t i = 0; i < n; i++)
			if (tn_byte(iac, d[i], &c))
				telnet_client_byte(st, c, m);
		return;
	}
	uint8_t text[TN_SCAN_MAX];
	size_t tl = 0;
	if (n > TN_SCAN_MAX)		/* prompts sit at the end */
		d += n - TN_SCAN_MAX, n = TN_SCAN_MAX;
	for (size_t i = 0; i < n; i++)
		if (tn_byte(iac, d[i], &c))
			text[tl++] = c;
	telnet_server(st, text, tl, m);
}
