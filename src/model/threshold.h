/* threshold.h - the alert threshold from benign scores: a log-normal fit
 * (Kitsune's authors' choice), its tail probabilities and quantiles.
 * Internal to src/model/. */
#ifndef EW_THRESHOLD_H
#define EW_THRESHOLD_H

#include <stdint.h>

/* ln(score) histogram bins over [THR_LN_LO, THR_LN_HI). */
#define THR_BINS 512
#define THR_LN_LO (-30.0)
#define THR_LN_HI 10.0

/* Running mean and variance of ln(score) (Welford), and a histogram of it
 * for the quantiles. */
struct thr_fit {
	uint64_t n;
	double mean, m2;
	uint32_t hist[THR_BINS];
};

struct thr {
	int ready;
	double mu, sigma;	/* of ln(score) */
	double tail;		/* configured tail probability */
	double value;		/* the threshold: exp(mu + z(1 - tail) sigma) */
};

/* Add one benign score (scores <= 0 or not finite are ignored). */
void thr_fit_add(struct thr_fit *f, double score);
/* Fit from the samples: 0, or -1 when fewer than 2 scores or tail is not
 * in (0, 0.5). The log-normal is matched to the median and the 99th
 * percentile of ln(score) (the body and upper tail, where the threshold
 * lies) rather than to the mean and variance, which the long lower tail
 * of near-zero scores distorts; with fewer than 100 samples the moments
 * are used. sigma is floored at MODEL_MIN_LOG_SIGMA. */
int thr_finish(const struct thr_fit *f, double tail, struct thr *t);
/* P(score' > score) under the fit. */
double thr_tail_of(const struct thr *t, double score);
/* The standard normal quantile: z with P(Z > z) = q, q in (0, 1). */
double thr_norm_upper(double q);

#endif /* EW_THRESHOLD_H */
