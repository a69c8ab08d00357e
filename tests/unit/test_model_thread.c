/* test_model_thread.c - the model run in batches (model/model_thread.h),
 * inline and on a worker thread, against the model driven directly, one
 * packet at a time, on a simulated home with attacks: the same score for
 * every packet, bit for bit; the same alerts in the same order; flags from
 * other detectors applied between the same packets (including a burst
 * longer than a batch); and the flags do change what the model learns,
 * so the comparison is not vacuous. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture/capture.h"
#include "decode/decode.h"
#include "detect/alert.h"
#include "model/anom.h"
#include "model/model_thread.h"
#include "sim/sim.h"
#include "util/alloc.h"

#include "unit/tmpdir.h"

#define MAXPK 400000
#define FLAG_EVERY 997		/* a flag for the packet's source */
#define BURST_AT 20011		/* here, a burst of flags ... */
#define BURST_N (2 * MTHREAD_BATCH + 300)	/* ... longer than a batch */

struct scores {
	double *v;
	size_t n;
};

static void on_score(double s, void *ud)
{
	struct scores *sc = ud;

	assert_true(sc->n < MAXPK);
	sc->v[sc->n++] = s;
}

static char pcap_path[128];

static int make_capture(void **state)
{
	char *argv[] = { "sim", "-w", pcap_path, "--seed", "5", "--hours",
	    "1", "--attack", "portscan", "--attack", "mirai", NULL };

	if (setup(state) != 0)
		return -1;
	snprintf(pcap_path, sizeof(pcap_path), "%s/home.pcap", dir);
	return sim_main(11, argv) == 0 ? 0 : -1;
}

static void model_config(struct anom_config *c)
{
	anom_config_default(c);
	c->fm_grace = 1000;
	c->ad_grace = 5000;
	c->fm_grace_s = 0;
	c->ad_grace_s = 0;
}

/* How one run is driven: directly (m NULL) or through m. */
struct run {
	struct anom *a;
	struct alert_sink *sink;
	struct mthread *m;
	struct scores sc;
	int flags;			/* inject flags */
};

static void run_open(struct run *r, int mode, int flags)
{
	struct anom_config c;
	char err[256];

	memset(r, 0, sizeof(*r));
	model_config(&c);
	r->sink = alert_sink_new(NULL);
	assert_non_null(r->sink);
	r->a = anom_new(&c, NULL, r->sink, err, sizeof(err));
	assert_non_null(r->a);
	r->sc.v = calloc(MAXPK, sizeof(double));
	assert_non_null(r->sc.v);
	r->flags = flags;
	if (mode >= 0) {
		r->m = mthread_new(r->a, r->sink, mode, on_score, &r->sc, err,
		    sizeof(err));
		assert_non_null(r->m);
		assert_int_equal(mthread_threaded(r->m), mode);
	}
}

/* What another detector's alert about src (through via, if not NULL)
 * looks like to the model. */
static void flag(struct run *r, const struct addr *src,
    const struct addr *via, uint64_t ts)
{
	struct alert al;

	alert_init(&al, 1, ALERT_CAT_SCAN, 2, "T1046", "scan", ts);
	al.src = *src;
	if (via)
		al.via = *via;
	if (r->m)
		mthread_on_alert(&al, NULL, r->m);
	else
		anom_on_alert(&al, NULL, r->a);
}

static void run_packet(struct run *r, const struct packet *p, size_t i)
{
	if (r->flags && p->ip_version && i % FLAG_EVERY == 0)
		flag(r, &p->src, i % (2 * FLAG_EVERY) ? NULL : &p->dst,
		    p->ts_ns);
	if (r->flags && p->ip_version && i == BURST_AT)
		for (unsigned k = 0; k < BURST_N; k++)
			flag(r, &p->src, k % 2 ? &p->dst : NULL,
			    p->ts_ns + k);
	if (r->m) {
		mthread_packet(r->m, p);
	} else {
		assert_true(r->sc.n < MAXPK);
		r->sc.v[r->sc.n++] = anom_packet(r->a, p);
	}
}

static void run_end(struct run *r, uint64_t last)
{
	char err[256];

	/* close the open episodes: their alerts too must match */
	if (r->m)
		mthread_tick(r->m, last + 600000000000ull);
	else
		anom_tick(r->a, last + 600000000000ull);
	if (r->m)
		mthread_sync(r->m);
	assert_int_equal(anom_finish(r->a, last + 600000000000ull, err,
	    sizeof(err)), 0);
}

static void run_close(struct run *r)
{
	mthread_free(r->m);
	anom_free(r->a);
	alert_sink_free(r->sink);
	free(r->sc.v);
}

static void same_alerts(const struct alert_sink *x, const struct alert_sink *y)
{
	assert_int_equal(alert_sink_total(x), alert_sink_total(y));
	assert_int_equal(alert_sink_kept(x), alert_sink_kept(y));
	for (size_t i = 0; i < alert_sink_kept(x); i++) {
		const struct alert_brief *a = alert_sink_brief(x, i);
		const struct alert_brief *b = alert_sink_brief(y, i);
		assert_int_equal(a->ts_start, b->ts_start);
		assert_int_equal(a->severity, b->severity);
		assert_string_equal(a->signature, b->signature);
		assert_string_equal(a->src, b->src);
		assert_string_equal(a->text, b->text);
	}
}

static void same_stats(const struct anom *x, const struct anom *y)
{
	const struct anom_stats *a = anom_stats(x), *b = anom_stats(y);

	assert_int_equal(a->vectors, b->vectors);
	assert_int_equal(a->scored, b->scored);
	assert_int_equal(a->trained, b->trained);
	assert_int_equal(a->refused_source, b->refused_source);
	assert_int_equal(a->episodes, b->episodes);
	assert_memory_equal(&a->threshold, &b->threshold, sizeof(double));
}

/* direct, inline, threaded, and direct without flags, side by side */
static void test_same_as_direct(void **state)
{
	struct run r[4];
	struct capture *cap;
	struct cap_pkt cp;
	struct dec_stats ds;
	struct packet p;
	char err[256];
	size_t n = 0;
	uint64_t last = 0;

	(void)state;
	run_open(&r[0], -1, 1);
	run_open(&r[1], 0, 1);
	run_open(&r[2], 1, 1);
	run_open(&r[3], -1, 0);
	memset(&ds, 0, sizeof(ds));
	assert_int_equal(cap_open_file(&cap, pcap_path, err, sizeof(err)), 0);
	while (cap_next(cap, &cp) == 1 && n < MAXPK) {
		dec_packet(&ds, &p, cap_linktype(cap), cp.data, cp.caplen,
		    cp.wirelen, cp.ts_ns);
		for (int k = 0; k < 4; k++)
			run_packet(&r[k], &p, n);
		last = cp.ts_ns;
		n++;
	}
	cap_close(cap);
	assert_true(n > BURST_AT + 3 * MTHREAD_BATCH);
	for (int k = 0; k < 4; k++)
		run_end(&r[k], last);

	/* one score per packet, the same bits */
	size_t scored = 0;
	for (int k = 1; k < 3; k++) {
		assert_int_equal(r[k].sc.n, n);
		assert_memory_equal(r[0].sc.v, r[k].sc.v, n * sizeof(double));
	}
	for (size_t i = 0; i < n; i++)
		scored += r[0].sc.v[i] > 0;
	assert_true(scored > n / 2);
	same_stats(r[0].a, r[1].a);
	same_stats(r[0].a, r[2].a);
	same_alerts(r[0].sink, r[1].sink);
	same_alerts(r[0].sink, r[2].sink);
	/* the model found the attacks, so the alerts compared are real */
	assert_true(alert_sink_total(r[0].sink) > 0);
	/* the flags did reach the model: learning was refused for them */
	assert_true(anom_stats(r[0].a)->refused_source >
	    anom_stats(r[3].a)->refused_source);
	for (int k = 0; k < 4; k++)
		run_close(&r[k]);
}

/* Without a scores callback, packets the model does not see take no
 * room; sync on an empty queue and free right after new are fine; no
 * memory gives a clear error. */
static void test_empty_and_modes(void **state)
{
	struct anom_config c;
	struct alert_sink *s = alert_sink_new(NULL);
	char err[256];

	(void)state;
	model_config(&c);
	struct anom *a = anom_new(&c, NULL, s, err, sizeof(err));
	assert_non_null(a);
	for (int mode = 0; mode < 2; mode++) {
		struct mthread *m = mthread_new(a, s, mode, NULL, NULL, err,
		    sizeof(err));
		assert_non_null(m);
		mthread_sync(m);
		for (int i = 0; i < 3 * MTHREAD_BATCH; i++)
			mthread_packet(m, NULL);
		mthread_sync(m);
		assert_int_equal(anom_stats(a)->vectors, 0);
		mthread_free(m);
	}
	/* no memory: a clear error, and the anom is left as it was */
	alloc_fail_after(0);
	struct mthread *none = mthread_new(a, s, 1, NULL, NULL, err,
	    sizeof(err));
	alloc_fail_after(-1);
	assert_null(none);
	assert_non_null(strstr(err, "out of memory"));
	anom_free(a);
	alert_sink_free(s);
	assert_int_equal(mthread_mode("on"), 1);
	assert_int_equal(mthread_mode("off"), 0);
	assert_true(mthread_mode("auto") == 0 || mthread_mode("auto") == 1);
	assert_int_equal(mthread_mode("yes"), -1);
	assert_int_equal(mthread_mode(""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_direct),
		cmocka_unit_test(test_empty_and_modes),
	};
	return cmocka_run_group_tests(tests, make_capture, teardown);
}
