/* tcp_session.c - TCP conversations with consistent sequence/ack numbers:
 * handshakes with per-OS SYN options, window-limited data transfer with
 * delayed ACKs, orderly close, resets, and TLS on top.
 *
 * Times are as the capture point on the LAN sees them: a remote peer's
 * answer shows one WAN round trip after the segment it answers. */
#include "sim/sim_internal.h"

#include <string.h>

#define LAN_DELAY_MIN 300u
#define LAN_DELAY_MAX 4000u
#define ACK_RING 64u

static int is_lan(const struct sim_ctx *c, const struct sim_host *h)
{
	return (h->ip & c->mask) == c->net;
}

static int has_ts(uint8_t os)
{
	return os == SIM_OS_LINUX || os == SIM_OS_ANDROID || os == SIM_OS_APPLE;
}

static int has_ws(uint8_t os)
{
	return os != SIM_OS_RTOS && os != SIM_OS_NMAP;
}

static uint8_t ws_shift(uint8_t os)
{
	switch (os) {
	case SIM_OS_APPLE:
		return 6;
	case SIM_OS_WINDOWS:
	case SIM_OS_ANDROID:
		return 8;
	default:
		return 7;
	}
}

static uint16_t syn_win(uint8_t os, int synack)
{
	switch (os) {
	case SIM_OS_RTOS:
		return 5744;
	case SIM_OS_NMAP:
		return 1024;
	case SIM_OS_APPLE:
	case SIM_OS_ANDROID:
		return 65535;
	case SIM_OS_WINDOWS:
		return synack ? 65535 : 64240;
	default:
		return synack ? 65160 : 64240;
	}
}

void sim_tcp_init(struct sim_tcp *s, struct sim_ctx *c, struct sim_host *cli,
    uint16_t cport, struct sim_host *srv, uint16_t sport, uint32_t wan_us)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->h[0] = cli;
	s->h[1] = srv;
	s->port[0] = cport;
	s->port[1] = sport;
	for (i = 0; i < 2; i++) {
		s->seq[i] = (uint32_t)sim_rng_next(&c->rng);
		s->tsbase[i] = (uint32_t)sim_rng_next(&c->rng);
		if (is_lan(c, s->h[i]))
			s->delay[i] = sim_rng_range(&c->rng, LAN_DELAY_MIN,
			    LAN_DELAY_MAX);
		else
			s->delay[i] = wan_us ? wan_us : sim_wan_rtt(s->h[i]->ip);
		s->mss[i] = is_lan(c, s->h[i]) ? 1460 :
		    (uint16_t)(1380 + 40 * (s->h[i]->ip % 3));
	}
	s->ts_on = (uint8_t)(has_ts(cli->os) && has_ts(srv->os) ? 1 : 0);
}

static uint32_t tsval(const struct sim_tcp *s, int side, uint64_t t)
{
	return s->tsbase[side] + (uint32_t)(t / 1000u);
}

static size_t syn_opts(uint8_t *o, const struct sim_tcp *s, uint64_t t)
{
	uint8_t os = s->h[0]->os;
	size_t n = 0;

	o[n++] = 2;
	o[n++] = 4;
	sim_put16(o + n, s->mss[0]);
	n += 2;
	switch (os) {
	case SIM_OS_LINUX:
	case SIM_OS_ANDROID:
		o[n++] = 4;
		o[n++] = 2;
		if (s->ts_on || has_ts(os)) {
			o[n++] = 8;
			o[n++] = 10;
			sim_put32(o + n, tsval(s, 0, t));
			sim_put32(o + n + 4, 0);
			n += 8;
		}
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = ws_shift(os);
		break;
	case SIM_OS_APPLE:
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = ws_shift(os);
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 8;
		o[n++] = 10;
		sim_put32(o + n, tsval(s, 0, t));
		sim_put32(o + n + 4, 0);
		n += 8;
		o[n++] = 4;
		o[n++] = 2;
		o[n++] = 0;
		o[n++] = 0;
		break;
	case SIM_OS_WINDOWS:
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = ws_shift(os);
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 4;
		o[n++] = 2;
		break;
	default:
		break;
	}
	return n;
}

/* SYN-ACK options answer only what the SYN offered. */
static size_t synack_opts(uint8_t *o, const struct sim_tcp *s, uint64_t t)
{
	uint8_t cos = s->h[0]->os, sos = s->h[1]->os;
	size_t n = 0;
	int sack = cos != SIM_OS_RTOS && cos != SIM_OS_NMAP;

	o[n++] = 2;
	o[n++] = 4;
	sim_put16(o + n, s->mss[1]);
	n += 2;
	if (!sack)
		return n;
	if (s->ts_on) {
		o[n++] = 4;
		o[n++] = 2;
		o[n++] = 8;
		o[n++] = 10;
		sim_put32(o + n, tsval(s, 1, t));
		sim_put32(o + n + 4, tsval(s, 0, t - s->delay[1]));
		n += 8;
	} else {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 4;
		o[n++] = 2;
	}
	if (has_ws(cos) && has_ws(sos)) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = ws_shift(sos);
	}
	return n;
}

static void emit(struct sim_ctx *c, struct sim_tcp *s, int side, uint64_t t,
    uint8_t flags, uint16_t win, const uint8_t *opt, size_t optlen,
    const uint8_t *data, size_t len)
{
	struct sim_tcph th;
	struct sim_l3 l;
	uint8_t tso[12];
	uint8_t *f = sim_out_begin(c);

	sim_l3_from(&l, s->h[side], s->h[!side]);
	th.sport = s->port[side];
	th.dport = s->port[!side];
	th.seq = s->seq[side];
	th.ack = (flags & SIM_TH_ACK) ? s->seq[!side] : 0;
	th.flags = flags;
	th.win = win;
	th.opt = opt;
	th.optlen = optlen;
	if (!opt && s->ts_on && s->open) {
		tso[0] = 1;
		tso[1] = 1;
		tso[2] = 8;
		tso[3] = 10;
		sim_put32(tso + 4, tsval(s, side, t));
		sim_put32(tso + 8, tsval(s, !side, t - s->delay[side]));
		th.opt = tso;
		th.optlen = 12;
	}
	sim_out_commit(c, t, sim_build_tcp4(f, SIM_FRAME_MAX, &l, &th, data,
	    len));
}

uint64_t sim_tcp_connect(struct sim_ctx *c, struct sim_tcp *s, uint64_t t)
{
	uint8_t o[40];
	size_t n;
	int both_ws = has_ws(s->h[0]->os) && has_ws(s->h[1]->os);
	int i;

	n = syn_opts(o, s, t);
	emit(c, s, 0, t, SIM_TH_SYN, syn_win(s->h[0]->os, 0), o, n, NULL, 0);
	s->seq[0]++;
	t += s->delay[1];
	n = synack_opts(o, s, t);
	emit(c, s, 1, t, SIM_TH_SYN | SIM_TH_ACK, syn_win(s->h[1]->os, 1), o,
	    n, NULL, 0);
	s->seq[1]++;
	for (i = 0; i < 2; i++) {
		uint8_t os = s->h[i]->os;

		s->win[i] = (uint16_t)(both_ws ? 262144u >> ws_shift(os) :
		    syn_win(os, i));
	}
	s->open = 1;
	t += s->delay[0];
	emit(c, s, 0, t, SIM_TH_ACK, s->win[0], NULL, 0, NULL, 0);
	return t;
}

uint64_t sim_tcp_refused(struct sim_ctx *c, struct sim_tcp *s, uint64_t t)
{
	uint8_t o[40];
	size_t n = syn_opts(o, s, t);

	emit(c, s, 0, t, SIM_TH_SYN, syn_win(s->h[0]->os, 0), o, n, NULL, 0);
	s->seq[0]++;
	s->seq[1] = 0;
	t += s->delay[1];
	emit(c, s, 1, t, SIM_TH_RST | SIM_TH_ACK, 0, NULL, 0, NULL, 0);
	return t;
}

void sim_tcp_segment(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t, uint8_t flags, const uint8_t *data, size_t len)
{
	uint8_t o[40];
	size_t n = 0;

	if (flags & SIM_TH_SYN)
		n = (flags & SIM_TH_ACK) ? synack_opts(o, s, t) :
		    syn_opts(o, s, t);
	emit(c, s, side, t, flags, (flags & SIM_TH_SYN) ?
	    syn_win(s->h[side]->os, side) : s->win[side], n ? o : NULL, n,
	    data, len);
	s->seq[side] += (uint32_t)len;
	if (flags & (SIM_TH_SYN | SIM_TH_FIN))
		s->seq[side]++;
}

uint64_t sim_tcp_send(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t, const uint8_t *data, size_t len, uint32_t gap_us)
{
	int rx = !side;
	size_t seg = (size_t)s->mss[rx] - (s->ts_on ? 12u : 0u);
	uint32_t wnd = s->win[rx];
	uint64_t ring_t[ACK_RING];
	uint32_t ring_seq[ACK_RING];
	size_t head = 0, nring = 0, off = 0;
	uint32_t acked = s->seq[side];
	uint64_t last = t;
	unsigned nseg = 0;
	uint8_t rnd[SIM_MTU];

	if (has_ws(s->h[0]->os) && has_ws(s->h[1]->os))
		wnd <<= ws_shift(s->h[rx]->os);
	if (seg > SIM_MTU - 40u)
		seg = SIM_MTU - 40u;
	if (gap_us == 0)
		gap_us = 120;
	while (off < len) {
		size_t n = len - off < seg ? len - off : seg;
		const uint8_t *p = data ? data + off : rnd;
		uint8_t fl = SIM_TH_ACK;

		/* Never more in flight than the receiver's window. */
		while (s->seq[side] + (uint32_t)n - acked > wnd && nring) {
			if (ring_t[head] > t)
				t = ring_t[head];
			acked = ring_seq[head];
			head = (head + 1) % ACK_RING;
			nring--;
		}
		if (!data)
			sim_rng_bytes(&c->rng, rnd, n);
		if (off + n == len)
			fl |= SIM_TH_PSH;
		emit(c, s, side, t, fl, s->win[side], NULL, 0, p, n);
		s->seq[side] += (uint32_t)n;
		off += n;
		nseg++;
		if (nseg % 2 == 0 || off == len) {
			uint64_t at = t + s->delay[rx];

			emit(c, s, rx, at, SIM_TH_ACK, s->win[rx], NULL, 0,
			    NULL, 0);
			if (nring == ACK_RING) {
				head = (head + 1) % ACK_RING;
				nring--;
			}
			ring_t[(head + nring) % ACK_RING] = at;
			ring_seq[(head + nring) % ACK_RING] = s->seq[side];
			nring++;
			last = at;
		}
		t += gap_us;
	}
	return last;
}

uint64_t sim_tcp_close(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t)
{
	int o = !side;

	emit(c, s, side, t, SIM_TH_FIN | SIM_TH_ACK, s->win[side], NULL, 0,
	    NULL, 0);
	s->seq[side]++;
	t += s->delay[o];
	emit(c, s, o, t, SIM_TH_FIN | SIM_TH_ACK, s->win[o], NULL, 0, NULL, 0);
	s->seq[o]++;
	t += s->delay[side];
	emit(c, s, side, t, SIM_TH_ACK, s->win[side], NULL, 0, NULL, 0);
	s->open = 0;
	return t;
}

uint64_t sim_tcp_reset(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t)
{
	emit(c, s, side, t, SIM_TH_RST | SIM_TH_ACK, 0, NULL, 0, NULL, 0);
	s->open = 0;
	return t;
}

uint64_t sim_tcp_tls_handshake(struct sim_ctx *c, struct sim_tcp *s,
    uint64_t t, int stack, const char *sni, const char *alpn)
{
	uint8_t sid[32];
	size_t n;

	n = sim_tls_client_hello(c->big, SIM_BIG_BUF, &c->rng, stack, sni,
	    alpn, sid);
	t = sim_tcp_send(c, s, 0, t, c->big, n, 0);
	n = sim_tls_server_flight(c->big, SIM_BIG_BUF, &c->rng, stack, sni,
	    sid);
	t = sim_tcp_send(c, s, 1, t + 200, c->big, n, 0);
	n = sim_tls_client_finish(c->big, SIM_BIG_BUF, &c->rng, stack);
	t = sim_tcp_send(c, s, 0, t + 500, c->big, n, 0);
	n = sim_tls_server_finish(c->big, SIM_BIG_BUF, &c->rng, stack);
	return sim_tcp_send(c, s, 1, t + 100, c->big, n, 0);
}

uint64_t sim_tcp_tls_data(struct sim_ctx *c, struct sim_tcp *s, int side,
    uint64_t t, size_t plain, uint32_t gap_us)
{
	const size_t chunk = 64u * 1024u;

	while (plain) {
		size_t p = plain < chunk ? plain : chunk;
		size_t n = sim_tls_appdata(c->big, SIM_BIG_BUF, &c->rng, p);

		t = sim_tcp_send(c, s, side, t, c->big, n, gap_us);
		plain -= p;
	}
	return t;
}
