/* test_detect_ongoing.c - episodes are reported when they open and while
 * they go on (config.h's ALERT_ONGOING_*): a brute force that never
 * pauses and a scan that keeps probing get a progress report
 * (alert.ongoing) at the detector's first look after the threshold was
 * crossed, then one an hour, and the complete report at their end; a
 * short episode gets its opening report and its complete one, and the
 * sink drops progress reports of severity 3 (they wait for the end). Time moves as in the
 * pipeline: detect_tick with each packet's time. */
#include "detect_harness.h"
#include "detect/episode.h"
#include "util/json.h"

static const uint32_t ATT = IP4(192, 168, 56, 1), SRV = IP4(192, 168, 56, 3);

/* A short SSH session (a failed guess) that began at ts. */
static void guess(struct rig *r, uint64_t ts)
{
	struct flow f;

	rig_flow(&f, ATT, 40000, SRV, 22, 6);
	f.flow_id = ts / 1000;
	f.start_ns = ts;
	f.last_ns = ts + S(4);
	f.pkts_toserver = 12;
	f.pkts_toclient = 12;
	f.payload_ts = 200;
	f.payload_tc = 300;
	f.state = FLOW_STATE_CLOSED;
	f.fin_ts = f.fin_tc = 1;
	detect_flow_end(r->d, &f);
	detect_tick(r->d, f.last_ns);
}

/* Guesses every `every` s for `span` s from T0; when = packet time of
 * each report as it was made (the listener sees only the alert). */
static void run_guesses(struct rig *r, unsigned every, unsigned span,
    uint64_t *when, int nwhen)
{
	int seen = 0;

	for (uint64_t t = T0; t < T0 + S(span); t += S(every)) {
		guess(r, t);
		while (seen < r->got.n && seen < nwhen)
			when[seen++] = t + S(4);
	}
}

static void test_bruteforce_going_on(void **state)
{
	(void)state;
	struct rig r;
	uint64_t when[8] = { 0 };

	rig_open(&r, "bruteforce", NULL);
	r.got.all = 1;
	/* 2 h 10 min of guesses every 6 s, never a pause */
	run_guesses(&r, 6, 7800, when, 8);
	/* a progress report when it opened, then an hour apart */
	assert_int_equal(r.got.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r.got.a[i].ongoing, 1);
		assert_int_equal(r.got.a[i].ts_start, T0);
		assert_int_equal(r.got.a[i].category, ALERT_CAT_BRUTE_FORCE);
		rig_assert_addr(&r.got.a[i].src, "192.168.56.1");
	}
	/* made within a walk (30 s) and a session of the moment the
	 * BF_ATTEMPTS-th guess ended (a session is counted at its end) */
	const uint64_t opened = T0 + S((BF_ATTEMPTS - 1) * 6 + 4);
	assert_true(when[0] >= opened);
	assert_true(when[0] <= opened + S(30 + 6));
	assert_true(r.got.a[0].count <= BF_ATTEMPTS + (30 + 6) / 6);
	assert_true(when[1] - when[0] >= S(ALERT_ONGOING_EVERY_S));
	assert_true(when[1] - when[0] <= S(ALERT_ONGOING_EVERY_S + 30 + 6));
	/* the counts so far grow */
	assert_true(r.got.a[0].count >= BF_ATTEMPTS);
	assert_true(r.got.a[1].count > r.got.a[0].count);
	assert_true(r.got.a[2].count > r.got.a[1].count);
	assert_true(r.got.a[0].ts_end <= when[0]);
	rig_close(&r, T0 + S(7900));
	/* then the whole episode, once */
	assert_int_equal(r.got.n, 4);
	assert_int_equal(r.got.a[3].ongoing, 0);
	assert_int_equal(r.got.a[3].ts_start, T0);
	assert_int_equal(r.got.a[3].count, 1300);
}

static void test_bruteforce_short(void **state)
{
	(void)state;
	struct rig r;
	uint64_t when[2];

	rig_open(&r, "bruteforce", NULL);
	r.got.all = 1;
	/* 15 guesses in 42 s: reported when it opened (the 10th guess),
	 * before it was over */
	run_guesses(&r, 3, 45, when, 2);
	assert_int_equal(r.got.n, 1);
	assert_int_equal(r.got.a[0].ongoing, 1);
	assert_true(r.got.a[0].count >= BF_ATTEMPTS);
	assert_true(r.got.a[0].count < 15);
	assert_true(when[0] < T0 + S(45));
	for (uint64_t t = T0 + S(50); t < T0 + S(1000); t += S(1))
		detect_tick(r.d, t);
	/* the window (300 s) without a guess ended it: the complete report,
	 * and nothing more */
	assert_int_equal(r.got.n, 2);
	assert_int_equal(r.got.a[1].ongoing, 0);
	assert_int_equal(r.got.a[1].count, 15);
	assert_int_equal(r.got.a[1].ts_start, r.got.a[0].ts_start);
	rig_close(&r, T0 + S(1000));
	assert_int_equal(r.got.n, 2);
}

/* A horizontal scan that goes on: a new host every 0.5 s for 5 min. */
static void test_scan_going_on(void **state)
{
	(void)state;
	struct th *t = th_new(NULL);
	size_t before_end = 0;

	for (unsigned i = 0; i < 600; i++) {
		uint64_t ts = S(1000) + MS(500) * i;
		th_tcp(t, ts, IP4(192, 168, 1, 50), (uint16_t)(40000 + i),
		    IP4(10, 0, i / 200, 1 + i % 200), 23, SIM_TH_SYN);
		detect_tick(t->d, ts);
	}
	before_end = th_count_of(t, 1000, 1099, 1);
	assert_int_equal(before_end, 1);
	assert_int_equal(th_count(t, 1000, 1099), 0);
	const struct alert *a = th_find_of(t, 1000, 1099, 1);
	assert_true(a->ts_start <= S(1000) + S(1));
	/* at the first look (a walk, EP_ONGOING_WALK_S) after the threshold
	 * was crossed: SCAN_HORIZONTAL_DESTS hosts at two a second */
	printf("  scan: progress report %.1f s in, count %u\n",
	    (double)(a->ts_end - a->ts_start) / 1e9, (unsigned)a->count);
	assert_true(a->ts_end <= a->ts_start +
	    S(SCAN_HORIZONTAL_DESTS / 2 + EP_ONGOING_WALK_S));
	assert_true(a->count < 600);
	th_finish(t);
	assert_int_equal(th_count_of(t, 1000, 1099, 1), 1);
	assert_int_equal(th_count(t, 1000, 1099), 1);
	const struct alert *fin = th_find(t, 1000, 1099);
	assert_int_equal(fin->count, 600);
	assert_int_equal(fin->ts_start, a->ts_start);
	th_free(t);
}

static void count_written(const struct alert *a,
    const struct alert_device *d, void *ud)
{
	(void)a;
	(void)d;
	(*(int *)ud)++;
}

/* The sink writes progress reports of severity 1-2 and drops those of
 * severity 3 (neither written nor counted against the budget), in a live
 * sensor until the episode has gone on for an hour; EVE marks a progress
 * report "ongoing" and says nothing of it otherwise. */
static void test_sink_and_eve(void **state)
{
	(void)state;
	struct alert_sink *s = alert_sink_new(NULL);
	struct alert a;
	struct jbuf jb;
	int written = 0;

	assert_int_equal(alert_sink_listen(s, count_written, &written), 0);
	alert_init(&a, 2000, ALERT_CAT_BRUTE_FORCE, 3, "T1110", "bruteforce",
	    T0);
	rig_ip4(&a.src, ATT);
	a.ongoing = 1;
	a.ts_end = T0 + 3599 * NS;
	alert_emit(s, &a);
	assert_int_equal(written, 0);
	assert_int_equal(alert_sink_total(s), 0);
	assert_int_equal(alert_sink_suppressed(s), 0);
	a.ongoing = 0;		/* its end: the day's severity-3 alert */
	alert_emit(s, &a);
	assert_int_equal(written, 1);
	/* another device's severity-3 episode, an hour long and going on
	 * (a beacon older than the sensor): written by a live sensor only */
	rig_ip4(&a.src, ATT + 1);
	a.ongoing = 1;
	a.ts_end = T0 + 3600 * NS;
	alert_emit(s, &a);
	assert_int_equal(written, 1);
	alert_sink_set_live(s, 1);
	alert_emit(s, &a);
	assert_int_equal(written, 2);
	a.ongoing = 0;			/* its end: over that device's budget */
	alert_emit(s, &a);
	assert_int_equal(written, 2);
	assert_int_equal(alert_sink_suppressed(s), 1);
	rig_ip4(&a.src, ATT);
	a.severity = 2;
	a.ongoing = 1;
	alert_emit(s, &a);
	assert_int_equal(written, 3);
	assert_int_equal(alert_sink_by_severity(s, 2), 1);

	jb_init(&jb, 4096);
	eve_alert_json(&jb, &a, NULL);
	assert_non_null(jb.buf);
	assert_non_null(strstr(jb.buf, "\"count\":0,\"ongoing\":true}"));
	jb_fini(&jb);
	a.ongoing = 0;
	jb_init(&jb, 4096);
	eve_alert_json(&jb, &a, NULL);
	assert_null(strstr(jb.buf, "ongoing"));
	jb_fini(&jb);
	alert_sink_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bruteforce_going_on),
		cmocka_unit_test(test_bruteforce_short),
		cmocka_unit_test(test_scan_going_on),
		cmocka_unit_test(test_sink_and_eve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
