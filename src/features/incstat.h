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

/* Two doubles as one SIMD register (GCC/clang vector extension) and
 * their square roots: sqrtpd on x86-64, two sqrt() calls elsewhere. */
typedef double is_v2 __attribute__((vector_size(16)));
typedef int64_t is_i2 __attribute__((vector_size(16)));

static inline is_v2 is_sqrt2(is_v2 a)
{
#if defined(__SSE2__)
	return __builtin_ia32_sqrtpd(a);
#else
	is_v2 r = { sqrt(a[0]), sqrt(a[1]) };
	return r;
#endif
}

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
	unsigned e;

	/* Scalars named by direction (d: this packet's, e: the other), not
	 * arrays indexed by d: those went through the stack, and reading
	 * two of their elements as one vector waited for the two stores
	 * (a fifth of this function's time). The same operations: sums and
	 * products of two terms do not depend on their order. */
	d &= 1u;
	e = d ^ 1u;
	s->w[d] += g;
	s->ls[d] += g * x;
	s->ss[d] += g * x * x;
	double wd = s->w[d], we = s->w[e], wsum = wd + we;
	double invd, inve, invsum;
	/* wd >= g > 0 after the insert; we may be 0 (one-way traffic) */
	if (we > 1e-100) {	/* the product cannot underflow */
		double r = 1.0 / (wd * we * wsum);
		invd = we * wsum * r;
		inve = wd * wsum * r;
		invsum = wd * we * r;
	} else {
		invd = 1.0 / wd;
		inve = we > IS_W_EPS ? 1.0 / we : 0.0;
		invsum = 1.0 / wsum;
	}
	double md = s->ls[d] * invd, me = s->ls[e] * inve;
	double vd = fabs(s->ss[d] * invd - md * md);
	double ve = fabs(s->ss[e] * inve - me * me);
	double res = x - md;
	s->cf3 += res * s->res[e];
	s->res[d] = res * g;
	double cov = s->cf3 * invsum;
	double vv = vd * ve, r = 0.0;
	/* the four square roots, two at a time (correctly rounded either
	 * way: the same values as four sqrt() calls, in half the time) */
	is_v2 q0 = { vd, md * md + me * me };
	is_v2 q1 = { vd * vd + ve * ve, vv };
	q0 = is_sqrt2(q0);
	q1 = is_sqrt2(q1);
	o[0] = wd * ig;
	o[1] = md;
	o[2] = q0[0];
	o[3] = q0[1];
	o[4] = q1[0];
	o[5] = cov;
	if (vv > 1e-18) {
		r = cov / q1[1];
		r = r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
	}
	o[6] = r;
}

/* is2_add_read on two statistics at once (the same value inserted into
 * direction d of both, with growth factors g[k] and ig[k] = 1/g[k]),
 * lanewise the same operations in the same order, so the same values
 * (sums and products of two terms are commutative in IEEE arithmetic:
 * m0^2 + m1^2 = md^2 + me^2 exactly). One division, square root or
 * multiply serves both: two decay rates of one channel cost little more
 * than one. Falls back to two single calls when either other direction
 * is (nearly) empty, the branch is2_add_read takes separately. */
static inline void is2_add_read2(struct is2 *s0, struct is2 *s1,
    unsigned d, double x, const double g[2], const double ig[2],
    double o0[7], double o1[7])
{
	unsigned e;

	d &= 1u;
	e = d ^ 1u;
	if (!(s0->w[e] > 1e-100 && s1->w[e] > 1e-100)) {
		is2_add_read(s0, d, x, g[0], ig[0], o0);
		is2_add_read(s1, d, x, g[1], ig[1], o1);
		return;
	}
	const is_v2 gv = { g[0], g[1] }, one = { 1.0, 1.0 };
	is_v2 wd = { s0->w[d], s1->w[d] }, ld = { s0->ls[d], s1->ls[d] };
	is_v2 sd = { s0->ss[d], s1->ss[d] };
	const is_v2 we = { s0->w[e], s1->w[e] }, le = { s0->ls[e], s1->ls[e] };
	const is_v2 se = { s0->ss[e], s1->ss[e] };
	wd += gv;
	ld += gv * x;
	sd += gv * x * x;
	s0->w[d] = wd[0];
	s1->w[d] = wd[1];
	s0->ls[d] = ld[0];
	s1->ls[d] = ld[1];
	s0->ss[d] = sd[0];
	s1->ss[d] = sd[1];
	is_v2 wsum = wd + we;
	is_v2 r = one / (wd * we * wsum);
	is_v2 invd = we * wsum * r, inve = wd * wsum * r, invsum = wd * we * r;
	is_v2 md = ld * invd, me = le * inve;
	is_v2 vd = sd * invd - md * md, ve = se * inve - me * me;
	const is_i2 nosign = { INT64_MAX, INT64_MAX };
	vd = (is_v2)((is_i2)vd & nosign);	/* fabs */
	ve = (is_v2)((is_i2)ve & nosign);
	is_v2 res = x - md;
	is_v2 re = { s0->res[e], s1->res[e] };
	is_v2 cf3 = { s0->cf3, s1->cf3 };
	cf3 += res * re;
	s0->cf3 = cf3[0];
	s1->cf3 = cf3[1];
	res *= gv;
	s0->res[d] = res[0];
	s1->res[d] = res[1];
	is_v2 cov = cf3 * invsum;
	is_v2 vv = vd * ve;
	is_v2 q0 = is_sqrt2(vd), q1 = is_sqrt2(md * md + me * me);
	is_v2 q2 = is_sqrt2(vd * vd + ve * ve), q3 = is_sqrt2(vv);
	is_v2 w = wd * (is_v2){ ig[0], ig[1] };
	/* pcc: cov / sqrt(vv) clamped to [-1, 1], 0 when vv <= 1e-18 (that
	 * lane's division result, maybe not finite, is masked off) */
	is_v2 pc = cov / q3;
	const is_v2 lim = { 1.0, 1.0 };
	is_i2 k = (is_i2)(pc > lim);
	pc = (is_v2)((k & (is_i2)lim) | (~k & (is_i2)pc));
	k = (is_i2)(pc < -lim);
	pc = (is_v2)((k & (is_i2)-lim) | (~k & (is_i2)pc));
	pc = (is_v2)((is_i2)(vv > 1e-18) & (is_i2)pc);
	o0[0] = w[0];
	o1[0] = w[1];
	o0[1] = md[0];
	o1[1] = md[1];
	o0[2] = q0[0];
	o1[2] = q0[1];
	o0[3] = q1[0];
	o1[3] = q1[1];
	o0[4] = q2[0];
	o1[4] = q2[1];
	o0[5] = cov[0];
	o1[5] = cov[1];
	o0[6] = pc[0];
	o1[6] = pc[1];
}

#endif /* EW_INCSTAT_H */
