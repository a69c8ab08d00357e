/* test_anom_stats.c - the model's score distribution summary (anom.h's
 * anom_hist, anom_get_score_stats) and its "model" block in the stats
 * event: known values land in known bins, quantiles are nearest-rank and
 * within a bin of the exact order statistic, the model's summary is the
 * histogram of exactly the scores it returned, and the stats event
 * carries it (and no block when the model stage is off). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>
#include <jansson.h>

#include "detect/alert.h"
#include "model/anom.h"
#include "output/eve.h"
#include "util/json.h"

#define NF 24		/* features of the synthetic vectors */
#define NG 4		/* latent groups */
#define MS(x) ((uint64_t)(x) * 1000000ull)
#define LAST (ANOM_HIST_BINS - 1)

struct gen {
	uint64_t s;
};

static uint64_t g_rand(struct gen *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double g_unif(struct gen *g)
{
	return ((double)(g_rand(g) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double g_norm(struct gen *g)
{
	return sqrt(-2.0 * log(g_unif(g))) * cos(6.283185307179586 * g_unif(g));
}

static int cmp_dbl(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

/* The nearest-rank quantile of sorted v[0..n): the ceil(n*q)-th value. */
static double exact_q(const double *v, size_t n, unsigned per10k)
{
	size_t rank = (n * per10k + 9999) / 10000;
	return v[rank ? rank - 1 : 0];
}

/* ---- the histogram ----------------------------------------------------- */

static void test_bins(void **state)
{
	(void)state;
	/* 2^0 starts octave 20 (of 30); 8 bins an octave, bin 0 underflow */
	assert_int_equal(ANOM_HIST_BINS, 242);
	assert_int_equal(anom_hist_bin(1.0), 20 * 8 + 1);
	assert_int_equal(anom_hist_bin(nextafter(1.125, 0)), 20 * 8 + 1);
	assert_int_equal(anom_hist_bin(1.125), 20 * 8 + 2);
	assert_int_equal(anom_hist_bin(1.999), 20 * 8 + 8);
	assert_int_equal(anom_hist_bin(2.0), 21 * 8 + 1);
	assert_int_equal(anom_hist_bin(0.75), 19 * 8 + 5);	/* 1.5 * 2^-1 */
	/* the edges of the range */
	assert_int_equal(anom_hist_bin(ldexp(1, -20)), 1);
	assert_int_equal(anom_hist_bin(nextafter(ldexp(1, -20), 0)), 0);
	assert_int_equal(anom_hist_bin(1e-300), 0);
	assert_int_equal(anom_hist_bin(4.9e-324), 0);		/* subnormal */
	assert_int_equal(anom_hist_bin(nextafter(1024, 0)), LAST - 1);
	assert_int_equal(anom_hist_bin(1024), LAST);
	assert_int_equal(anom_hist_bin(1e300), LAST);
	assert_int_equal(anom_hist_bin(INFINITY), LAST);
	/* monotonic across the whole range */
	unsigned prev = 0;
	for (double v = 1e-8; v < 1e5; v *= 1.01) {
		unsigned b = anom_hist_bin(v);
		assert_true(b >= prev && b <= prev + 1);
		prev = b;
	}
	assert_int_equal(prev, LAST);
}

/* Values at known places: the quantiles are the bins' midpoints, the rank
 * is nearest-rank, the ends clamp to the extremes seen. */
static void test_known_quantiles(void **state)
{
	struct anom_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_true(anom_hist_quantile(&h, 5000) == 0);
	/* zero and NaN are "not scored" */
	anom_hist_add(&h, 0);
	anom_hist_add(&h, NAN);
	anom_hist_add(&h, -1);
	assert_int_equal(h.n, 0);

	for (int i = 0; i < 500; i++)
		anom_hist_add(&h, 0.01);	/* 1.28 * 2^-7: sub-bin 2 */
	for (int i = 0; i < 400; i++)
		anom_hist_add(&h, 0.1);		/* 1.6 * 2^-4: sub-bin 4 */
	for (int i = 0; i < 90; i++)
		anom_hist_add(&h, 1.0);		/* sub-bin 0 of 2^0 */
	for (int i = 0; i < 10; i++)
		anom_hist_add(&h, 10.0);	/* 1.25 * 2^3: sub-bin 2 */
	assert_int_equal(h.n, 1000);
	assert_true(h.min == 0.01 && h.max == 10.0);
	assert_int_equal(h.bin[anom_hist_bin(0.01)], 500);

	/* midpoints: (1 + 2.5/8) * 2^-7, (1 + 4.5/8) * 2^-4, 1 + 0.5/8 */
	assert_true(anom_hist_quantile(&h, 5000) == 1.3125 / 128);
	assert_true(anom_hist_quantile(&h, 5010) == 1.5625 / 16);
	assert_true(anom_hist_quantile(&h, 9000) == 1.5625 / 16);
	assert_true(anom_hist_quantile(&h, 9001) == 1.0625);
	assert_true(anom_hist_quantile(&h, 9900) == 1.0625);
	/* rank 991 is a 10: midpoint 10.5 clamped to the largest seen */
	assert_true(anom_hist_quantile(&h, 9901) == 10.0);
	assert_true(anom_hist_quantile(&h, 10000) == 10.0);
	/* rank 1 and below: the smallest bin, not below the smallest seen */
	assert_true(anom_hist_quantile(&h, 0) == 1.3125 / 128);
	/* each within 1/16 of the value it stands for */
	assert_true(fabs(anom_hist_quantile(&h, 5000) - 0.01) <= 0.01 / 16);
	assert_true(fabs(anom_hist_quantile(&h, 9000) - 0.1) <= 0.1 / 16);

	/* out of range: underflow reads as 2^-20 at most, overflow as max */
	memset(&h, 0, sizeof(h));
	anom_hist_add(&h, 1e-9);
	anom_hist_add(&h, 2e-9);
	assert_true(anom_hist_quantile(&h, 5000) == 2e-9);	/* clamped */
	anom_hist_add(&h, 5000);
	anom_hist_add(&h, 7000);
	anom_hist_add(&h, 1.0);
	assert_int_equal(h.bin[0], 2);
	assert_int_equal(h.bin[LAST], 2);
	assert_true(anom_hist_quantile(&h, 2000) == ldexp(1, -20));
	assert_true(anom_hist_quantile(&h, 9900) == 7000);
}

/* Against the exact nearest-rank order statistic of log-normal values
 * over several decades: same bin, within 1/16. */
static void test_matches_exact(void **state)
{
	enum { N = 100001 };
	static double v[N];
	static const unsigned qs[] = { 1, 100, 1000, 2500, 5000, 7500, 9000,
	    9900, 9990, 9999, 10000 };
	struct anom_hist h;
	struct gen g = { 7 };

	(void)state;
	memset(&h, 0, sizeof(h));
	for (size_t i = 0; i < N; i++) {
		v[i] = exp(-4.0 + 2.0 * g_norm(&g));
		anom_hist_add(&h, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp_dbl);
	assert_true(v[0] >= ldexp(1, -20) && v[N - 1] < 1024);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double e = exact_q(v, N, qs[i]);
		double got = anom_hist_quantile(&h, qs[i]);
		assert_int_equal(anom_hist_bin(got), anom_hist_bin(e));
		assert_true(fabs(got - e) <= e / 16);
	}
}

/* ---- the model's summary ------------------------------------------------ */

static void sample(struct gen *g, double *x, double shift)
{
	double z[NG];

	for (unsigned k = 0; k < NG; k++)
		z[k] = g_norm(g);
	for (unsigned i = 0; i < NF; i++) {
		unsigned k = i % NG;
		double v = z[k] + 0.1 * g_norm(g) + (k == 0 ? shift : 0);
		x[i] = (1.0 + (double)i) * v + 100.0 * (double)i;
	}
}

static void pkt(struct packet *p, uint64_t t, unsigned host)
{
	uint8_t s[4] = { 192, 168, 1, (uint8_t)host }, d[4] = { 192, 168, 1, 1 };

	memset(p, 0, sizeof(*p));
	p->ts_ns = t;
	p->ip_version = 4;
	addr_set4(&p->src, s);
	addr_set4(&p->dst, d);
	p->l4proto = 17;
	p->has_l4 = 1;
	p->sport = 5000;
	p->dport = 53;
}

static struct anom *new_model(void)
{
	struct anom_config cfg;
	char err[256];
	struct anom *a;

	anom_config_default(&cfg);
	cfg.nfeat = NF;
	cfg.fm_grace = 500;
	cfg.ad_grace = 4000;
	cfg.fm_grace_s = 0;
	cfg.ad_grace_s = 0;
	a = anom_new(&cfg, NULL, NULL, err, sizeof(err));
	assert_non_null(a);
	return a;
}

/* Feed n vectors (the last tenth shifted: a spread of scores); every
 * returned non-zero score also goes to ref (and to out[], if given). */
static void feed(struct anom *a, unsigned n, struct anom_hist *ref,
    double *out, size_t *nout)
{
	struct gen g = { 42 };
	struct packet p;
	double x[NF];
	uint64_t t = 1700000000ull * 1000000000ull;

	for (unsigned i = 0; i < n; i++) {
		t += MS(10);
		pkt(&p, t, 10 + i % 10);
		sample(&g, x, i >= n - n / 10 ? 3.0 : 0);
		double s = anom_vector(a, &p, x);
		anom_hist_add(ref, s);
		if (out && s > 0)
			out[(*nout)++] = s;
	}
}

static void test_model_summary(void **state)
{
	enum { N = 12000 };
	static double sc[N];
	size_t ns = 0;
	struct anom_hist ref;
	struct anom_score_stats ss;
	struct anom *a = new_model();

	(void)state;
	memset(&ref, 0, sizeof(ref));
	/* during the graces nothing is scored: an empty summary */
	feed(a, 1000, &ref, NULL, NULL);
	anom_get_score_stats(a, &ss);
	assert_int_equal(anom_stats(a)->phase, ANOM_PH_AD);
	assert_int_equal(ss.n, 0);
	assert_true(ss.q50 == 0 && ss.q99 == 0 && ss.max == 0);
	anom_free(a);

	a = new_model();
	memset(&ref, 0, sizeof(ref));
	feed(a, N, &ref, sc, &ns);
	assert_int_equal(anom_stats(a)->phase, ANOM_PH_DETECT);
	anom_get_score_stats(a, &ss);
	/* exactly the scores it returned, calibration and detection */
	assert_true(ns > 5000);
	assert_int_equal(ss.n, ns);
	assert_int_equal(ss.n, anom_stats(a)->scored);
	assert_memory_equal(anom_score_hist(a), &ref, sizeof(ref));
	qsort(sc, ns, sizeof(sc[0]), cmp_dbl);
	assert_true(ss.min == sc[0] && ss.max == sc[ns - 1]);
	assert_true(ss.q50 == anom_hist_quantile(&ref, 5000));
	assert_true(ss.q90 == anom_hist_quantile(&ref, 9000));
	assert_true(ss.q99 == anom_hist_quantile(&ref, 9900));
	assert_true(ss.q50 <= ss.q90 && ss.q90 <= ss.q99 && ss.q99 <= ss.max);
	/* the shifted tenth is in the upper tail: 0.99 above the threshold,
	 * the median below it */
	assert_true(ss.q99 > anom_stats(a)->threshold);
	assert_true(ss.q50 < anom_stats(a)->threshold);
	assert_int_equal(anom_hist_bin(ss.q90),
	    anom_hist_bin(exact_q(sc, ns, 9000)));

	/* same input, same bytes */
	struct anom *b = new_model();
	struct anom_hist ref2;
	memset(&ref2, 0, sizeof(ref2));
	feed(b, N, &ref2, NULL, NULL);
	assert_memory_equal(anom_score_hist(a), anom_score_hist(b),
	    sizeof(struct anom_hist));
	anom_free(b);
	anom_free(a);
}

/* ---- the stats event ------------------------------------------------------ */

static json_t *stats_of(const struct run_stats *rs)
{
	struct jbuf jb;
	json_error_t je;
	json_t *root;

	jb_init(&jb, 0);
	eve_stats_json(&jb, 1700000000000000000ull, rs);
	assert_int_equal(jb.err, 0);
	root = json_loads(jb.buf, 0, &je);
	assert_non_null(root);
	jb_fini(&jb);
	return root;
}

static double num_at(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static void test_stats_event(void **state)
{
	struct cap_stats cs = { .packets = 5, .bytes = 500 };
	struct run_stats rs = { .capture = &cs, .eve_lines = 3 };
	struct anom_hist ref;
	struct anom_score_stats ss;
	json_t *root, *m, *q;

	(void)state;
	/* no model stage: no block */
	root = stats_of(&rs);
	assert_null(json_object_get(json_object_get(root, "stats"), "model"));
	json_decref(root);

	/* still learning: the phase and counters, no threshold or scores */
	memset(&ref, 0, sizeof(ref));
	struct anom *a = new_model();
	feed(a, 100, &ref, NULL, NULL);
	rs.model = a;
	root = stats_of(&rs);
	m = json_object_get(json_object_get(root, "stats"), "model");
	assert_true(json_is_object(m));
	assert_string_equal(json_string_value(json_object_get(m, "phase")),
	    "fm");
	assert_true(num_at(m, "vectors") == 100);
	assert_true(num_at(m, "scored") == 0);
	assert_null(json_object_get(m, "threshold"));
	assert_null(json_object_get(m, "score_quantiles"));
	json_decref(root);
	anom_free(a);

	/* detecting: the quantiles as /metrics reads them, six significant
	 * digits */
	a = new_model();
	feed(a, 12000, &ref, NULL, NULL);
	anom_get_score_stats(a, &ss);
	rs.model = a;
	root = stats_of(&rs);
	m = json_object_get(json_object_get(root, "stats"), "model");
	assert_string_equal(json_string_value(json_object_get(m, "phase")),
	    "detect");
	assert_true(num_at(m, "scored") == (double)ss.n);
	double thr = num_at(m, "threshold");
	assert_true(fabs(thr - anom_stats(a)->threshold) <=
	    anom_stats(a)->threshold * 5e-6);
	q = json_object_get(m, "score_quantiles");
	assert_true(json_is_object(q));
	assert_int_equal(json_object_size(q), 3);
	assert_true(fabs(num_at(q, "0.5") - ss.q50) <= ss.q50 * 5e-6);
	assert_true(fabs(num_at(q, "0.9") - ss.q90) <= ss.q90 * 5e-6);
	assert_true(fabs(num_at(q, "0.99") - ss.q99) <= ss.q99 * 5e-6);
	assert_true(fabs(num_at(m, "score_max") - ss.max) <= ss.max * 5e-6);
	json_decref(root);
	anom_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bins),
		cmocka_unit_test(test_known_quantiles),
		cmocka_unit_test(test_matches_exact),
		cmocka_unit_test(test_model_summary),
		cmocka_unit_test(test_stats_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
