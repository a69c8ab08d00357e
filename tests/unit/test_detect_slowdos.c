/* test_detect_slowdos.c - the slow HTTP DoS check (check_slowdos.c) on
 * frames built with the simulator's builders, through the decoder, the
 * flow table, the application parsers with nDPI and the detector, as in
 * the pipeline: Slowloris from one internal host and from many outside
 * hosts is found and named; quiet just below the threshold, when the
 * server answers each request, on requests that wait complete (long
 * polls) and on a stream the server never answers that is not HTTP. */
#include "detect_harness.h"

#define VICTIM IP4(192, 168, 1, 10)
#define INSIDE IP4(192, 168, 1, 50)

struct conn {
	uint32_t cli;
	uint16_t sport, dport;
	uint32_t cseq, sseq;
};

static void seg(struct th *t, uint64_t ts, struct conn *c, int from_cli,
    uint8_t flags, const char *data)
{
	uint8_t f[SIM_FRAME_MAX];
	struct sim_l3 h;
	struct sim_tcph tc;
	size_t len = data ? strlen(data) : 0;

	th_l3(&h, from_cli ? c->cli : VICTIM, from_cli ? VICTIM : c->cli);
	memset(&tc, 0, sizeof(tc));
	tc.sport = from_cli ? c->sport : c->dport;
	tc.dport = from_cli ? c->dport : c->sport;
	tc.seq = from_cli ? c->cseq : c->sseq;
	tc.ack = flags & SIM_TH_ACK ? (from_cli ? c->sseq : c->cseq) : 0;
	tc.flags = flags;
	tc.win = 29200;
	th_frame(t, ts, f, sim_build_tcp4(f, sizeof(f), &h, &tc,
	    (const uint8_t *)data, len));
	uint32_t adv = (uint32_t)len + ((flags & SIM_TH_SYN) ? 1u : 0u);
	if (from_cli)
		c->cseq += adv;
	else
		c->sseq += adv;
}

/* The handshake and first data of connection c at ts: the client's
 * request head, the server's ACK (and its answer when answer). */
static void open_conn(struct th *t, uint64_t ts, struct conn *c,
    const char *head, const char *answer)
{
	seg(t, ts, c, 1, SIM_TH_SYN, NULL);
	seg(t, ts + MS(1), c, 0, SIM_TH_SYN | SIM_TH_ACK, NULL);
	seg(t, ts + MS(2), c, 1, SIM_TH_ACK, NULL);
	seg(t, ts + MS(3), c, 1, SIM_TH_ACK | SIM_TH_PSH, head);
	seg(t, ts + MS(4), c, 0, SIM_TH_ACK, NULL);
	if (answer)
		seg(t, ts + MS(5), c, 0, SIM_TH_ACK | SIM_TH_PSH, answer);
}

#define PARTIAL "GET /?%u HTTP/1.1\r\nHost: 192.168.1.10\r\n" \
	"User-Agent: Mozilla/5.0\r\n"
#define SYSLOG "<134>1 2026-11-27T21:00:00Z cam%u app - - - motion\n"

/* n connections from nclients clients (INSIDE when 1, else outside
 * hosts) opened over 2 s, then a header line on each every 15 s for 2
 * minutes (slowloris.py's pattern); answer: the server answers each
 * request and each line; syslog: syslog lines instead of HTTP. */
static struct th *slowloris(unsigned n, unsigned nclients, int answer,
    int syslog, uint16_t port)
{
	struct th *t = th_new_proto(NULL);
	struct conn c[200];
	char head[160];

	assert_true(n <= 200);
	for (unsigned i = 0; i < n; i++) {
		c[i].cli = nclients == 1 ? INSIDE :
		    IP4(198, 51, 100, 1 + i % nclients);
		c[i].sport = (uint16_t)(30000 + i);
		c[i].dport = port;
		c[i].cseq = 1000;
		c[i].sseq = 9000;
		if (syslog)
			snprintf(head, sizeof(head), SYSLOG, i);
		else
			snprintf(head, sizeof(head), PARTIAL, i);
		open_conn(t, S(1000) + S(2) * i / n, &c[i], head,
		    answer ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" :
		    NULL);
	}
	for (unsigned k = 1; k <= 8; k++)
		for (unsigned i = 0; i < n; i++) {
			uint64_t ts = S(1000) + S(15) * k + S(1) * i / n;
			seg(t, ts, &c[i], 1, SIM_TH_ACK | SIM_TH_PSH,
			    "X-a: b\r\n");
			seg(t, ts + MS(1), &c[i], 0, SIM_TH_ACK, answer ?
			    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" :
			    NULL);
		}
	return t;
}

static void test_slowloris_one_inside(void **state)
{
	(void)state;
	struct th *t = slowloris(150, 1, 0, 0, 80);
	/* reported while it goes on, once the held connections of a
	 * window reached the threshold */
	const struct alert *p = th_find_of(t, 2600, 2600, 1);
	assert_non_null(p);
	assert_true(p->ts_end <= S(1000) + S(15 + 2));
	th_finish(t);
	assert_int_equal(th_count(t, 2600, 2600), 1);
	const struct alert *a = th_find(t, 2600, 2600);
	assert_int_equal(a->category, ALERT_CAT_FLOOD);
	assert_int_equal(a->severity, 1);	/* an inside host takes part */
	rig_assert_addr(&a->src, "192.168.1.50");
	rig_assert_addr(&a->dst, "192.168.1.10");
	assert_int_equal(a->dest_port, 80);
	assert_string_equal(a->mitre, "T1499.002");
	assert_non_null(strstr(a->signature, "Slowloris"));
	/* every held packet from the one that crossed the threshold on */
	assert_true(a->count > 150 * 7 && a->count <= 150 * 8);
	assert_true(a->ts_start >= S(1015) && a->ts_start < S(1016));
	th_free(t);
	/* the same from 50 outside hosts: the victim's alert, no source */
	t = slowloris(150, 50, 0, 0, 8080);
	th_finish(t);
	assert_int_equal(th_count(t, 2600, 2600), 1);
	a = th_find(t, 2600, 2600);
	assert_int_equal(a->severity, 2);
	assert_int_equal(a->src.family, 0);
	assert_int_equal(a->dest_port, 8080);
	assert_non_null(strstr(a->signature, "clients"));
	th_free(t);
}

/* Just below the threshold (45 connections); every request answered;
 * long polls (complete requests, nobody sends more); a syslog stream
 * the server never answers (not HTTP). */
static void test_slowloris_quiet(void **state)
{
	(void)state;
	struct th *t = slowloris(45, 1, 0, 0, 80);
	th_finish(t);
	assert_int_equal(th_count_of(t, 2600, 2600, 0) +
	    th_count_of(t, 2600, 2600, 1), 0);
	th_free(t);
	t = slowloris(150, 1, 1, 0, 80);
	th_finish(t);
	assert_int_equal(th_count(t, 2600, 2600), 0);
	th_free(t);
	/* long polls: the whole request at once, then silence both ways */
	t = th_new_proto(NULL);
	for (unsigned i = 0; i < 150; i++) {
		struct conn c = { INSIDE, (uint16_t)(30000 + i), 80, 1000,
		    9000 };
		char head[160];
		snprintf(head, sizeof(head), PARTIAL "\r\n", i);
		open_conn(t, S(1000) + MS(10) * i, &c, head, NULL);
	}
	th_udp(t, S(1200), INSIDE, 5353, VICTIM, 53, 30);	/* time on */
	th_finish(t);
	assert_int_equal(th_count(t, 2600, 2600), 0);
	th_free(t);
	t = slowloris(150, 1, 0, 1, 601);
	th_finish(t);
	assert_int_equal(th_count(t, 2600, 2600), 0);
	th_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slowloris_one_inside),
		cmocka_unit_test(test_slowloris_quiet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
