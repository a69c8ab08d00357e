/* incstat.h - damped incremental statistics (Kitsune's "incStat"), internal
 * to the feature extractor but exposed for its unit tests.
 *
 * A damped statistic keeps a weight w, a linear sum LS and a squared sum SS
 * of the values inserted, every one multiplied by 2^(-lambda * dt) as time
 * passes, so old values fade with a half-life of 1/lambda seconds.
 *
 * We store them in forward-decay form (Cormode et al., ICDE 2009): a value
 * inserted at time t is given the growing weight g = 2^(lambda (t - t0))
 * instead of decaying everything already stored, where t0 is a base time
 * shared by the whole extractor. Means, variances, covariances and
 * correlations are ratios of such sums, identical to the decayed ones; a
 * weight is read out as the stored sum times 1/g(now). So a packet costs
 * one set of g per packet instead of one exp2() and a multiplication of
 * every field per table entry touched. The base moves forward (rebase)
 * before g can overflow; an entry stored against an older base is
 * rescaled by 2^(-lambda (t0_new - t0_old)) the next time it is touched.
 *
 * Every readout is finite for any finite input: divisions and square roots
 * are guarded. With g = 1 the functions are the plain (undecayed) ones. */
#ifndef EW_INCSTAT_H
#define EW_INCSTAT_H

#include <math.h>
#include <stdint.h>

/* Decay rates: FEAT_LAMBDAS then FEAT_LAMBDA_REG (regularity only). */
#define IS_NL 6
#define IS_L_REG 5	/* index of FEAT_LAMBDA_REG */

/* Below this (stored) weight a statistic is treated as empty (mean 0,
 * var 0). Stored weights are >= 2^-100 times a packet's or exactly 0. */
#define IS_W_EPS 1e-200

/* The decay rates, FEAT_LAMBDAS then FEAT_LAMBDA_REG. */
struct is_plan {
	double lambda[IS_NL];
};

void is_plan_init(struct is_plan *pl);
/* g[i] = 2^(lambda[i] * dt) and ig[i] = 1 / g[i] for 0 <= dt with
 * lambda * dt <= IS_G_MAX (the caller rebases before that). */
#define IS_G_MAX 128.0
void is_growth(const struct is_plan *pl, double dt, double g[IS_NL],
    double ig[IS_NL]);
/* f[i] = 2^(-lambda[i] * dt) for dt > 0, flushed to 0 once below 2^-100
 * (keeps the arithmetic out of subnormals; a weight that small is gone).
 * For dt <= 0 (equal or backwards time) every factor is 1. */
void is_decay_factors(const struct is_plan *pl, double dt, double f[IS_NL]);

/* 1D: one stream of values. */
struct is1 {
	double w, ls, ss;
};

static inline void is1_decay(struct is1 *s, double f)
{
	s->w *= f;
	s->ls *= f;
	s->ss *= f;
}

/* Insert v with forward weight g (1 when nothing decays). */
static inline void is1_add_g(struct is1 *s, double v, double g)
{
	s->w += g;
	s->ls += g * v;
	s->ss += g * v * v;
}

static inline void is1_add(struct is1 *s, double v)
{
	is1_add_g(s, v, 1.0);
}

double is1_mean(const struct is1 *s);
double is1_var(const struct is1 *s);	/* |SS/w - mean^2| */
double is1_std(const struct is1 *s);

/* 2D: the two directions of a channel or socket. Direction d's stream is
 * w[d], ls[d], ss[d]. Covariance is Kitsune's approximation: each update
 * of direction d adds the product of its residual (v - mean_d) and the
 * other direction's last residual (decayed) to cf3; the weight of cf3 is
 * w[0] + w[1], the number of updates of either direction, damped. */
struct is2 {
	double w[2], ls[2], ss[2];
	double cf3;
	double res[2];
};

static inline void is2_decay(struct is2 *s, double f)
{
	s->w[0] *= f;
	s->w[1] *= f;
	s->ls[0] *= f;
	s->ls[1] *= f;
	s->ss[0] *= f;
	s->ss[1] *= f;
	s->cf3 *= f;
	s->res[0] *= f;
	s->res[1] *= f;
}

void is2_add(struct is2 *s, unsigned d, double v);	/* g = 1 */
double is2_mean(const struct is2 *s, unsigned d);
double is2_var(const struct is2 *s, unsigned d);
double is2_magnitude(const struct is2 *s);	/* sqrt(mu0^2 + mu1^2) */
double is2_radius(const struct is2 *s);		/* sqrt(var0^2 + var1^2) */
double is2_cov(const struct is2 *s);
double is2_pcc(const struct is2 *s);		/* in [-1, 1] */

/* Fused readouts for the per-packet path (one division per stream, the
 * fewest square roots); same values as the functions above, the weight
 * times ig = 1/g(now). o = { w, mean, std } */
static inline void is1_read(const struct is1 *s, double ig, double o[3])
{
	o[0] = s->w * ig;
	if (s->w > IS_W_EPS) {
		double inv = 1.0 / s->w, m = s->ls * inv;
		o[1] = m;
		o[2] = sqrt(fabs(s->ss * inv - m * m));
	} else {
		o[1] = o[2] = 0.0;
	}
}

/* Insert x into direction d with forward weight g (ig = 1/g) and read the
 * statistics out: o = { w_d, mean_d, std_d, magnitude, radius,
 * covariance, pcc }. The residual kept for the covariance is stored times
 * g: the other direction's next product then carries the decay between
 * the two updates, as Kitsune's decayed residual does.
 * Same values as is2_add() then the functions above, with fewer divisions
 * (one reciprocal of w0 * w1 * (w0 + w1) serves 1/w0, 1/w1 and the
 * covariance weight): this is the extractor's innermost loop. */
static inline void is2_add_read(struct is2 *s, unsigned d, double x,
    double g, double ig, double o[7])
{
	double m[2] = { 0, 0 }, v[2] = { 0, 0 }, inv[2] = { 0, 0 };
	unsigned e;

	d &= 1u;
	e = d ^ 1u;
	s->w[d] += g;
	s->ls[d] += g * x;
	s->ss[d] += g * x * x;
	double wd = s->w[d], we = s->w[e], wsum = wd + we, invsum;
	/* wd >= g > 0 after the insert; we may be 0 (one-way traffic) */
	if (we > 1e-100) {	/* the product cannot underflow */
		double r = 1.0 / (wd * we * wsum);
		inv[d] = we * wsum * r;
		inv[e] = wd * wsum * r;
		invsum = wd * we * r;
	} else {
		inv[d] = 1.0 / wd;
		inv[e] = we > IS_W_EPS ? 1.0 / we : 0.0;
		invsum = 1.0 / wsum;
	}
	for (unsigned i = 0; i < 2; i++) {
		m[i] = s->ls[i] * inv[i];
		v[i] = fabs(s->ss[i] * inv[i] - m[i] * m[i]);
	}
	double res = x - m[d];
	s->cf3 += res * s->res[e];
	s->res[d] = res * g;
	double cov = s->cf3 * invsum;
	o[0] = wd * ig;
	o[1] = m[d];
	o[2] = sqrt(v[d]);
	o[3] = sqrt(m[0] * m[0] + m[1] * m[1]);
	o[4] = sqrt(v[0] * v[0] + v[1] * v[1]);
	o[5] = cov;
	double vv = v[0] * v[1], r = 0.0;
	if (vv > 1e-18) {
		r = cov / sqrt(vv);
		r = r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
	}
	o[6] = r;
}

#endif /* EW_INCSTAT_H */
