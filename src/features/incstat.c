/* incstat.c - damped incremental statistics (see incstat.h). */
#include "features/incstat.h"

#include <math.h>
#include <string.h>

#include "config.h"

/* lambda * dt beyond which a factor is flushed to 0. */
#define IS_FLUSH 100.0

void is_plan_init(struct is_plan *pl)
{
	static const double lam[] = FEAT_LAMBDAS;

	_Static_assert(sizeof(lam) / sizeof(lam[0]) == IS_L_REG,
	    "FEAT_LAMBDAS must list IS_L_REG rates");
	for (unsigned i = 0; i < IS_L_REG; i++)
		pl->lambda[i] = lam[i];
	pl->lambda[IS_L_REG] = FEAT_LAMBDA_REG;
}

/* 2^a for -1000 <= a <= 1000, inline and branch-free: a = n + r with n
 * integer and r in [0, 1); 2^r = 2^(1/2) e^y with y = (r - 1/2) ln 2 in
 * [-0.347, 0.347), where the Taylor series to degree 12 is exact to
 * ~2e-16. Cheaper than a libm exp2() call, and this is the extractor's
 * hottest transcendental. */
static inline double exp2_poly(double a)
{
	double fl = floor(a);
	int n = (int)fl;
	double y = ((a - fl) - 0.5) * 0.69314718055994530942;
	double p = 1.0 / 479001600.0;		/* 1/12! */
	p = p * y + 1.0 / 39916800.0;
	p = p * y + 1.0 / 3628800.0;
	p = p * y + 1.0 / 362880.0;
	p = p * y + 1.0 / 40320.0;
	p = p * y + 1.0 / 5040.0;
	p = p * y + 1.0 / 720.0;
	p = p * y + 1.0 / 120.0;
	p = p * y + 1.0 / 24.0;
	p = p * y + 1.0 / 6.0;
	p = p * y + 0.5;
	p = p * y + 1.0;
	p = p * y + 1.0;
	/* 2^n built from its exponent bits (|n| <= 1000: a normal double) */
	uint64_t bits = (uint64_t)(1023 + n) << 52;
	double scale;
	memcpy(&scale, &bits, sizeof(scale));
	return p * scale * 1.41421356237309504880;
}

void is_decay_factors(const struct is_plan *pl, double dt, double f[IS_NL])
{
	if (!(dt > 0)) {	/* also catches NaN */
		for (unsigned i = 0; i < IS_NL; i++)
			f[i] = 1.0;
		return;
	}
	for (unsigned i = 0; i < IS_NL; i++) {
		double a = pl->lambda[i] * dt;
		f[i] = a < IS_FLUSH ? exp2_poly(-a) : 0.0;
	}
}

/* exp2_poly on two values a in [0, IS_G_MAX] at once, lanewise the same
 * operations in the same order (so the same results). floor() by the
 * 1.5 * 2^52 trick: adding it rounds a to an integer held in the low
 * mantissa bits, one compare makes that the floor, and those bits give n
 * without a conversion. */
static inline is_v2 exp2_poly2(is_v2 a)
{
	const is_v2 magic = { 6755399441055744.0, 6755399441055744.0 };
	const is_v2 one = { 1.0, 1.0 };
	is_i2 n, mb, m;
	is_v2 big = a + magic, fl = big - magic;

	m = (is_i2)(fl > a);			/* rounded up: one less */
	fl -= (is_v2)(m & (is_i2)one);
	memcpy(&n, &big, sizeof(n));
	memcpy(&mb, &magic, sizeof(mb));
	n = n - mb + m;
	is_v2 y = ((a - fl) - 0.5) * 0.69314718055994530942;
	is_v2 p = y * (1.0 / 479001600.0) + 1.0 / 39916800.0;
	p = p * y + 1.0 / 3628800.0;
	p = p * y + 1.0 / 362880.0;
	p = p * y + 1.0 / 40320.0;
	p = p * y + 1.0 / 5040.0;
	p = p * y + 1.0 / 720.0;
	p = p * y + 1.0 / 120.0;
	p = p * y + 1.0 / 24.0;
	p = p * y + 1.0 / 6.0;
	p = p * y + 0.5;
	p = p * y + 1.0;
	p = p * y + 1.0;
	is_i2 bits = (n + 1023) << 52;
	is_v2 scale;
	memcpy(&scale, &bits, sizeof(scale));
	return p * scale * 1.41421356237309504880;
}

/* Once per packet time: two rates at a time (exp2_poly2). */
void is_growth(const struct is_plan *pl, double dt, double g[IS_NL],
    double ig[IS_NL])
{
	_Static_assert(IS_NL % 2 == 0, "is_growth pairs the rates");
	for (unsigned i = 0; i < IS_NL; i += 2) {
		is_v2 a;
		for (unsigned k = 0; k < 2; k++) {
			double x = pl->lambda[i + k] * dt;
			if (!(x > 0))
				x = 0;
			if (x > IS_G_MAX)
				x = IS_G_MAX;
			a[k] = x;
		}
		is_v2 gv = exp2_poly2(a);
		is_v2 one = { 1.0, 1.0 };
		is_v2 iv = one / gv;	/* g in [1, 2^IS_G_MAX] */
		g[i] = gv[0];
		g[i + 1] = gv[1];
		ig[i] = iv[0];
		ig[i + 1] = iv[1];
	}
}

double is1_mean(const struct is1 *s)
{
	return s->w > IS_W_EPS ? s->ls / s->w : 0.0;
}

double is1_var(const struct is1 *s)
{
	if (!(s->w > IS_W_EPS))
		return 0.0;
	double m = s->ls / s->w;
	return fabs(s->ss / s->w - m * m);
}

double is1_std(const struct is1 *s)
{
	return sqrt(is1_var(s));
}

double is2_mean(const struct is2 *s, unsigned d)
{
	return s->w[d] > IS_W_EPS ? s->ls[d] / s->w[d] : 0.0;
}

double is2_var(const struct is2 *s, unsigned d)
{
	if (!(s->w[d] > IS_W_EPS))
		return 0.0;
	double m = s->ls[d] / s->w[d];
	return fabs(s->ss[d] / s->w[d] - m * m);
}

void is2_add(struct is2 *s, unsigned d, double v)
{
	double o[7];

	is2_add_read(s, d, v, 1.0, 1.0, o);
}

double is2_magnitude(const struct is2 *s)
{
	double a = is2_mean(s, 0), b = is2_mean(s, 1);
	return sqrt(a * a + b * b);
}

double is2_radius(const struct is2 *s)
{
	double a = is2_var(s, 0), b = is2_var(s, 1);
	return sqrt(a * a + b * b);
}

double is2_cov(const struct is2 *s)
{
	double w = s->w[0] + s->w[1];
	return w > IS_W_EPS ? s->cf3 / w : 0.0;
}

double is2_pcc(const struct is2 *s)
{
	double vv = is2_var(s, 0) * is2_var(s, 1);
	if (!(vv > 1e-18))
		return 0.0;
	double r = is2_cov(s) / sqrt(vv);
	if (r > 1.0)
		return 1.0;
	if (r < -1.0)
		return -1.0;
	return r == r ? r : 0.0;
}
