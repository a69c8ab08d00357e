/* threshold.c - log-normal fit of benign anomaly scores. */
#include "model/threshold.h"

#include <math.h>

#include "config.h"

void thr_fit_add(struct thr_fit *f, double score)
{
	if (!(score > 0) || !isfinite(score))
		return;
	double l = log(score);
	double b = (l - THR_LN_LO) * (double)THR_BINS / (THR_LN_HI - THR_LN_LO);
	unsigned bi = b < 0 ? 0 : b >= THR_BINS ? THR_BINS - 1 : (unsigned)b;
	if (f->hist[bi] < UINT32_MAX)
		f->hist[bi]++;
	f->n++;
	double d = l - f->mean;
	f->mean += d / (double)f->n;
	f->m2 += d * (l - f->mean);
}

/* Upper tail of the standard normal. */
static double norm_tail(double z)
{
	return 0.5 * erfc(z / sqrt(2.0));
}

double thr_norm_upper(double q)
{
	double lo = -40, hi = 40;

	if (!(q > 0))
		return hi;
	if (!(q < 1))
		return lo;
	/* Bisection on erfc: exact to double precision in ~100 steps, no
	 * approximation coefficients to get wrong; called once per fit. */
	for (int i = 0; i < 200 && hi - lo > 1e-13; i++) {
		double mid = 0.5 * (lo + hi);
		if (norm_tail(mid) > q)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* The q-quantile of ln(score) from the histogram (bin midpoint). */
static double hist_q(const struct thr_fit *f, uint64_t tot, double q)
{
	double want = q * (double)tot, acc = 0;
	const double w = (THR_LN_HI - THR_LN_LO) / THR_BINS;

	for (unsigned i = 0; i < THR_BINS; i++) {
		acc += f->hist[i];
		if (acc >= want)
			return THR_LN_LO + ((double)i + 0.5) * w;
	}
	return THR_LN_HI;
}

int thr_finish(const struct thr_fit *f, double tail, struct thr *t)
{
	uint64_t tot = 0;

	if (f->n < 2 || !(tail > 0) || !(tail < 0.5))
		return -1;
	for (unsigned i = 0; i < THR_BINS; i++)
		tot += f->hist[i];
	if (tot >= 100) {
		double q50 = hist_q(f, tot, 0.5), q99 = hist_q(f, tot, 0.99);
		t->mu = q50;
		t->sigma = (q99 - q50) / thr_norm_upper(0.01);
	} else {
		t->mu = f->mean;
		t->sigma = sqrt(f->m2 / (double)(f->n - 1));
	}
	/* A floor on the spread: a calibration window of near-identical
	 * scores would otherwise put the threshold a hair above them. */
	if (!(t->sigma >= MODEL_MIN_LOG_SIGMA))
		t->sigma = MODEL_MIN_LOG_SIGMA;
	t->tail = tail;
	t->value = exp(t->mu + thr_norm_upper(tail) * t->sigma);
	t->ready = 1;
	return 0;
}

double thr_tail_of(const struct thr *t, double score)
{
	if (!(score > 0))
		return 1;
	return norm_tail((log(score) - t->mu) / t->sigma);
}
