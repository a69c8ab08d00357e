/* test_features.c - unit tests for the damped statistics and the feature
 * vector (src/features).
 *
 * The statistics are checked against closed forms (geometric series of
 * weights, plain mean/variance at equal timestamps, decay over a gap);
 * the vector through frames built by the simulator's builders and decoded
 * by dec_packet(), so it sees exactly what the pipeline sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdio.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "features/feat_internal.h"
#include "features/features.h"
#include "features/incstat.h"
#include "sim/sim_internal.h"

#define S(x)  ((uint64_t)((x) * 1e9 + 0.5))
#define T0    (1700000000ull * 1000000000ull)

static const double lambdas[FEAT_NL] = FEAT_LAMBDAS;

/* ---- helpers ----------------------------------------------------------- */

static int close_rel(double a, double b, double tol)
{
	double d = fabs(a - b), m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
	return d <= tol * (m > 1.0 ? m : 1.0);
}

#define assert_close(a, b, tol) do { \
	double a_ = (a), b_ = (b); \
	if (!close_rel(a_, b_, tol)) \
		fail_msg("%s = %.17g, expected %.17g", #a, a_, b_); \
} while (0)

static int feat_index(const char *name)
{
	for (unsigned i = 0; i < feat_count(); i++)
		if (strcmp(feat_name(i), name) == 0)
			return (int)i;
	fail_msg("no feature %s", name);
	return -1;
}

#define F(v, name) ((v)[feat_index(name)])

struct frame {
	uint8_t buf[2048];
	struct packet p;
	struct dec_stats ds;
};

static const uint8_t zeros[1600];

static void mac_of(uint8_t m[6], uint32_t ip)
{
	m[0] = 0x02;
	m[1] = 0;
	m[2] = (uint8_t)(ip >> 24);
	m[3] = (uint8_t)(ip >> 16);
	m[4] = (uint8_t)(ip >> 8);
	m[5] = (uint8_t)ip;
}

/* A UDP/IPv4 frame of `len` bytes on the wire (>= 42). */
static struct packet *udp(struct frame *fr, uint32_t sip, uint32_t dip,
    uint16_t sp, uint16_t dp, size_t len, uint64_t ts)
{
	struct sim_l3 h;

	memset(&h, 0, sizeof(h));
	mac_of(h.smac, sip);
	mac_of(h.dmac, dip);
	h.sip = sip;
	h.dip = dip;
	h.ttl = 64;
	size_t n = sim_build_udp4(fr->buf, sizeof(fr->buf), &h, sp, dp, zeros,
	    len - 42);
	assert_int_equal(n, len < 60 ? 60 : len);	/* padded to 60 */
	assert_int_equal(dec_packet(&fr->ds, &fr->p, DEC_LINK_ETHERNET,
	    fr->buf, (uint32_t)n, (uint32_t)n, ts), DEC_OK);
	return &fr->p;
}

static struct packet *tcp_flags(struct frame *fr, uint32_t sip,
    uint32_t dip, uint16_t sp, uint16_t dp, uint8_t flags, uint64_t ts)
{
	struct sim_l3 h;
	struct sim_tcph t;

	memset(&h, 0, sizeof(h));
	memset(&t, 0, sizeof(t));
	mac_of(h.smac, sip);
	mac_of(h.dmac, dip);
	h.sip = sip;
	h.dip = dip;
	h.ttl = 64;
	t.sport = sp;
	t.dport = dp;
	t.flags = flags;
	t.win = 1024;
	size_t n = sim_build_tcp4(fr->buf, sizeof(fr->buf), &h, &t, NULL, 0);
	assert_true(n > 0);
	dec_packet(&fr->ds, &fr->p, DEC_LINK_ETHERNET, fr->buf, (uint32_t)n,
	    (uint32_t)n, ts);
	return &fr->p;
}

static struct packet *tcp_syn(struct frame *fr, uint32_t sip, uint32_t dip,
    uint16_t sp, uint16_t dp, uint64_t ts)
{
	return tcp_flags(fr, sip, dip, sp, dp, TCP_SYN, ts);
}

static struct packet *arp(struct frame *fr, const uint8_t sha[6],
    uint32_t spa, uint32_t tpa, uint64_t ts)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t none[6];
	size_t n = sim_build_arp(fr->buf, sizeof(fr->buf), bcast, sha, 2, sha,
	    spa, none, tpa);

	assert_true(n > 0);
	dec_packet(&fr->ds, &fr->p, DEC_LINK_ETHERNET, fr->buf, (uint32_t)n,
	    (uint32_t)n, ts);
	assert_true(fr->p.has_arp);
	return &fr->p;
}

static struct feat *new_fx(size_t memcap, uint64_t seed)
{
	struct feat_config cfg;

	feat_config_default(&cfg);
	if (memcap)
		cfg.memcap = memcap;
	struct feat *fx = feat_new(&cfg, seed);
	assert_non_null(fx);
	return fx;
}

static void check_finite(const double *v)
{
	for (unsigned i = 0; i < feat_count(); i++)
		if (!isfinite(v[i]))
			fail_msg("feature %u (%s) = %g", i, feat_name(i), v[i]);
}

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
	((uint32_t)(c) << 8) | (uint32_t)(d))

/* ---- incstat ----------------------------------------------------------- */

static void test_decay_factors(void **state)
{
	struct is_plan pl;
	double f[IS_NL];
	static const double dts[] = { 1e-300, 1e-9, 1e-3, 0.05, 0.1, 0.2,
		1, 3.7, 19.9, 19.99999999, 20, 20.1, 99, 1000, 1e5, 99999.99,
		1e9, 1e300, INFINITY };

	(void)state;
	is_plan_init(&pl);
	for (unsigned i = 0; i < FEAT_NL; i++)
		assert_true(pl.lambda[i] == lambdas[i]);
	assert_true(pl.lambda[IS_L_REG] == FEAT_LAMBDA_REG);
	for (size_t j = 0; j < sizeof(dts) / sizeof(dts[0]); j++) {
		is_decay_factors(&pl, dts[j], f);
		for (unsigned i = 0; i < IS_NL; i++) {
			double a = pl.lambda[i] * dts[j];
			double want = a < 100 ? exp2(-a) : 0.0;
			if (fabs(f[i] - want) > 1e-14 * want && f[i] != want)
				fail_msg("dt %g lambda %g: %.17g vs %.17g",
				    dts[j], pl.lambda[i], f[i], want);
		}
	}
	/* forward-decay growth factors: 2^(lambda dt), clamped at the
	 * rebase limit, and their inverses */
	static const double gdts[] = { 0, 1e-6, 0.3, 1, 25.6, 100, 1e6 };
	for (size_t j = 0; j < sizeof(gdts) / sizeof(gdts[0]); j++) {
		double g[IS_NL], ig[IS_NL];
		is_growth(&pl, gdts[j], g, ig);
		for (unsigned i = 0; i < IS_NL; i++) {
			double a = pl.lambda[i] * gdts[j];
			double want = exp2(a < IS_G_MAX ? a : IS_G_MAX);
			assert_close(g[i], want, 1e-14);
			assert_close(g[i] * ig[i], 1.0, 1e-15);
		}
	}
	/* equal, backwards and NaN time: no decay at all */
	is_decay_factors(&pl, 0.0, f);
	for (unsigned i = 0; i < IS_NL; i++)
		assert_true(f[i] == 1.0);
	is_decay_factors(&pl, -5.0, f);
	for (unsigned i = 0; i < IS_NL; i++)
		assert_true(f[i] == 1.0);
	is_decay_factors(&pl, NAN, f);
	for (unsigned i = 0; i < IS_NL; i++)
		assert_true(f[i] == 1.0);
}

static void test_is1_plain_mean_var(void **state)
{
	static const double x[] = { 60, 100, 1500, 400, 800, 60, 1514 };
	struct is1 s = { 0, 0, 0 };
	double sum = 0, sq = 0;
	size_t n = sizeof(x) / sizeof(x[0]);

	(void)state;
	assert_true(is1_mean(&s) == 0 && is1_var(&s) == 0 && is1_std(&s) == 0);
	for (size_t i = 0; i < n; i++) {
		is1_add(&s, x[i]);
		sum += x[i];
	}
	double mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (x[i] - mean) * (x[i] - mean);
	assert_close(s.w, (double)n, 1e-15);
	assert_close(is1_mean(&s), mean, 1e-12);
	assert_close(is1_var(&s), sq / (double)n, 1e-9);
	assert_close(is1_std(&s), sqrt(sq / (double)n), 1e-9);
}

static void test_is2_closed_forms(void **state)
{
	struct is2 s;
	double ma = 0, mb = 0, va = 0, vb = 0;
	static const double a[] = { 100, 200, 300, 400 };
	static const double b[] = { 1000, 1000, 1500, 500 };

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_true(is2_pcc(&s) == 0 && is2_cov(&s) == 0 &&
	    is2_magnitude(&s) == 0 && is2_radius(&s) == 0);
	for (unsigned i = 0; i < 4; i++) {
		is2_add(&s, 0, a[i]);
		is2_add(&s, 1, b[i]);
		ma += a[i] / 4;
		mb += b[i] / 4;
	}
	for (unsigned i = 0; i < 4; i++) {
		va += (a[i] - ma) * (a[i] - ma) / 4;
		vb += (b[i] - mb) * (b[i] - mb) / 4;
	}
	assert_close(is2_mean(&s, 0), ma, 1e-12);
	assert_close(is2_mean(&s, 1), mb, 1e-12);
	assert_close(is2_magnitude(&s), sqrt(ma * ma + mb * mb), 1e-12);
	assert_close(is2_radius(&s), sqrt(va * va + vb * vb), 1e-9);
	/* decaying both directions by f scales weights, keeps means */
	is2_decay(&s, 0.25);
	assert_close(s.w[0], 1.0, 1e-15);
	assert_close(is2_mean(&s, 1), mb, 1e-12);
}

/* Correlation of two directions whose sizes follow one signal (blocks of
 * request/response sizes), its mirror, and an unrelated one. Kitsune's
 * covariance pairs each residual with the other side's last one, so it
 * reaches 1 when the signal changes slowly compared to the exchange. */
static void test_is2_correlation(void **state)
{
	struct is2 pos, neg, ind;
	uint64_t r = 12345;

	(void)state;
	memset(&pos, 0, sizeof(pos));
	memset(&neg, 0, sizeof(neg));
	memset(&ind, 0, sizeof(ind));
	for (unsigned k = 0; k < 4000; k++) {
		double x = (k / 50) % 2 ? 1200.0 : 100.0;
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		double y = (r >> 40) & 1 ? 1200.0 : 100.0;
		is2_add(&pos, 0, x);
		is2_add(&pos, 1, x + 40);
		is2_add(&neg, 0, x);
		is2_add(&neg, 1, 1300 - x);
		is2_add(&ind, 0, x);
		is2_add(&ind, 1, y);
	}
	assert_true(is2_pcc(&pos) > 0.95);
	assert_true(is2_pcc(&pos) <= 1.0);
	assert_true(is2_pcc(&neg) < -0.95);
	assert_true(is2_pcc(&neg) >= -1.0);
	assert_true(fabs(is2_pcc(&ind)) < 0.1);
}

/* is2_add_read (one statistic) and is2_add_read2 (two side by side) give
 * the same bits, through one-way stretches (the other direction empty or
 * decayed to nothing: the fallback branch) and both directions, and agree
 * with the separate readouts. */
static void test_is2_fused_same_bits(void **state)
{
	struct is2 a0, a1, b0, b1;
	uint64_t r = 99;
	double g[2] = { 1.0, 1.0 }, ig[2] = { 1.0, 1.0 };

	(void)state;
	memset(&a0, 0, sizeof(a0));
	memset(&a1, 0, sizeof(a1));
	memset(&b0, 0, sizeof(b0));
	memset(&b1, 0, sizeof(b1));
	for (unsigned k = 0; k < 3000; k++) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		/* one-way for the first 200 and in [1500, 1700) */
		unsigned d = (k < 200 || (k >= 1500 && k < 1700)) ? 1u :
		    (unsigned)(r >> 63);
		double x = 60.0 + (double)((r >> 20) % 1454);
		if (k % 500 == 499) {	/* growth moves on, as time passes */
			g[0] *= 1.5;
			g[1] *= 1.25;
			ig[0] = 1.0 / g[0];
			ig[1] = 1.0 / g[1];
		}
		if (k == 1000) {	/* one side decays to (nearly) nothing */
			is2_decay(&a0, 1e-120);
			is2_decay(&b0, 1e-120);
		}
		double o0[7], o1[7], p0[7], p1[7];
		is2_add_read(&a0, d, x, g[0], ig[0], o0);
		is2_add_read(&a1, d, x, g[1], ig[1], o1);
		is2_add_read2(&b0, &b1, d, x, g, ig, p0, p1);
		assert_memory_equal(o0, p0, sizeof(o0));
		assert_memory_equal(o1, p1, sizeof(o1));
		assert_memory_equal(&a0, &b0, sizeof(a0));
		assert_memory_equal(&a1, &b1, sizeof(a1));
		for (unsigned i = 0; i < 7; i++)
			assert_true(isfinite(o0[i]) && isfinite(o1[i]));
		assert_close(o0[1], is2_mean(&a0, d), 1e-12);
		assert_close(o0[3], is2_magnitude(&a0), 1e-12);
		assert_close(o0[4], is2_radius(&a0), 1e-9);
		assert_true(o0[6] >= -1.0 && o0[6] <= 1.0);
	}
}

/* ---- the vector: closed forms through feat_packet ---------------------- */

/* A constant stream, one packet every dt: after n packets the weight is
 * the geometric sum (1 - q^n) / (1 - q), q = 2^(-lambda dt), for every
 * window; mean = the size, std = 0; the channel gap mean = dt. */
static void test_constant_stream(void **state)
{
	struct feat *fx = new_fx(0, 1);
	struct frame fr;
	double v[FEAT_MAX];
	const double dt = 0.1;
	const unsigned n = 1500;
	uint32_t a = IP(192, 168, 1, 10), b = IP(8, 8, 8, 8);

	(void)state;
	for (unsigned k = 0; k < n; k++)
		assert_int_equal(feat_packet(fx, udp(&fr, a, b, 5000, 53, 100,
		    T0 + S(dt * k)), v), 1);
	check_finite(v);
	for (unsigned i = 0; i < FEAT_NL; i++) {
		double q = exp2(-lambdas[i] * dt);
		double w = (1 - pow(q, n)) / (1 - q);
		double wj = (1 - pow(q, n - 1)) / (1 - q);
		assert_close(v[FEAT_OFF_MI + 3 * i], w, 1e-9);
		assert_close(v[FEAT_OFF_MI + 3 * i + 1], 100.0, 1e-9);
		assert_true(v[FEAT_OFF_MI + 3 * i + 2] < 1e-3);
		assert_close(v[FEAT_OFF_HH + 7 * i], w, 1e-9);
		assert_close(v[FEAT_OFF_HP + 7 * i], w, 1e-9);
		assert_close(v[FEAT_OFF_JIT + 3 * i], wj, 1e-9);
		assert_close(v[FEAT_OFF_JIT + 3 * i + 1], dt, 1e-6);
		assert_true(v[FEAT_OFF_JIT + 3 * i + 2] < 1e-4);
		/* one direction only: magnitude = its mean, no covariance */
		assert_close(v[FEAT_OFF_HH + 7 * i + 3], 100.0, 1e-9);
		assert_true(v[FEAT_OFF_HH + 7 * i + 6] == 0.0);
	}
	/* destination side sees the same stream at its three windows */
	assert_close(F(v, "DST_L1_weight"),
	    (1 - pow(exp2(-dt), n)) / (1 - exp2(-dt)), 1e-9);
	/* a clockwork stream is perfectly regular */
	assert_true(F(v, "HH_reg_cv_L0.01") < 1e-3);
	assert_true(F(v, "HH_reg_dev_L0.001") < 1e-3);
	assert_int_equal(feat_stats(fx)->vectors, n);
	feat_free(fx);
}

/* At one timestamp nothing decays: the statistics are the plain mean and
 * (population) variance of the sizes, in every window. */
static void test_equal_timestamps(void **state)
{
	static const size_t sz[] = { 60, 100, 1500, 400, 800, 64, 1514 };
	struct feat *fx = new_fx(0, 2);
	struct frame fr;
	double v[FEAT_MAX], mean = 0, var = 0;
	size_t n = sizeof(sz) / sizeof(sz[0]);

	(void)state;
	for (size_t k = 0; k < n; k++) {
		feat_packet(fx, udp(&fr, IP(10, 0, 0, 2), IP(10, 0, 0, 3),
		    4000, 80, sz[k], T0), v);
		mean += (double)sz[k] / (double)n;
	}
	for (size_t k = 0; k < n; k++)
		var += ((double)sz[k] - mean) * ((double)sz[k] - mean) /
		    (double)n;
	for (unsigned i = 0; i < FEAT_NL; i++) {
		assert_close(v[FEAT_OFF_MI + 3 * i], (double)n, 1e-12);
		assert_close(v[FEAT_OFF_MI + 3 * i + 1], mean, 1e-12);
		assert_close(v[FEAT_OFF_MI + 3 * i + 2], sqrt(var), 1e-9);
		assert_close(v[FEAT_OFF_HH + 7 * i + 2], sqrt(var), 1e-9);
		/* n - 1 gaps of 0 */
		assert_close(v[FEAT_OFF_JIT + 3 * i], (double)(n - 1), 1e-12);
		assert_true(v[FEAT_OFF_JIT + 3 * i + 1] == 0.0);
	}
	feat_free(fx);
}

/* Time going backwards counts as no time passing: the same as equal
 * timestamps, and never a negative gap. */
static void test_backwards_time(void **state)
{
	struct feat *a = new_fx(0, 3), *b = new_fx(0, 3);
	struct frame fr;
	double va[FEAT_MAX], vb[FEAT_MAX];

	(void)state;
	feat_packet(a, udp(&fr, IP(10, 0, 0, 2), IP(10, 0, 0, 3), 1, 2, 100,
	    T0 + S(10)), va);
	feat_packet(b, udp(&fr, IP(10, 0, 0, 2), IP(10, 0, 0, 3), 1, 2, 100,
	    T0 + S(10)), vb);
	feat_packet(a, udp(&fr, IP(10, 0, 0, 2), IP(10, 0, 0, 3), 1, 2, 300,
	    T0 + S(2)), va);
	feat_packet(b, udp(&fr, IP(10, 0, 0, 2), IP(10, 0, 0, 3), 1, 2, 300,
	    T0 + S(10)), vb);
	assert_memory_equal(va, vb, sizeof(double) * feat_count());
	assert_true(F(va, "HH_jit_L1_mean") == 0.0);
	assert_close(F(va, "MI_dir_L1_weight"), 2.0, 1e-15);
	feat_free(a);
	feat_free(b);
}

/* A gap of T seconds multiplies every weight by 2^(-lambda T). */
static void test_gap_decay(void **state)
{
	struct feat *fx = new_fx(0, 4);
	struct frame fr;
	double v[FEAT_MAX], before[FEAT_NL];
	const double T = 7.5;

	(void)state;
	for (unsigned k = 0; k < 100; k++)
		feat_packet(fx, udp(&fr, IP(10, 0, 0, 2), IP(10, 0, 0, 9),
		    1000, 2000, 200, T0 + S(0.01 * k)), v);
	for (unsigned i = 0; i < FEAT_NL; i++)
		before[i] = v[FEAT_OFF_MI + 3 * i];
	feat_packet(fx, udp(&fr, IP(10, 0, 0, 2), IP(10, 0, 0, 9), 1000, 2000,
	    200, T0 + S(0.99 + T)), v);
	for (unsigned i = 0; i < FEAT_NL; i++)
		assert_close(v[FEAT_OFF_MI + 3 * i],
		    before[i] * exp2(-lambdas[i] * T) + 1.0, 1e-9);
	/* the gap itself entered the jitter statistics */
	assert_true(F(v, "HH_jit_L5_mean") > 7.0);
	/* a gap of years: weights flush to the single new packet */
	feat_packet(fx, udp(&fr, IP(10, 0, 0, 2), IP(10, 0, 0, 9), 1000, 2000,
	    200, T0 + S(3e8)), v);
	check_finite(v);
	for (unsigned i = 0; i < FEAT_NL; i++)
		assert_close(v[FEAT_OFF_MI + 3 * i], 1.0, 1e-12);
	assert_true(F(v, "HH_jit_L0.01_mean") <= FEAT_IAT_MAX);
	feat_free(fx);
}

/* Request/response sizes that move together: the channel's correlation
 * feature says so; mirrored sizes give a negative one. */
static void test_channel_2d(void **state)
{
	struct feat *fx = new_fx(0, 5);
	struct frame fr;
	double v[FEAT_MAX];
	uint32_t c = IP(192, 168, 1, 20), s = IP(93, 184, 216, 34);
	uint64_t t = T0;

	(void)state;
	for (unsigned k = 0; k < 400; k++) {
		size_t x = (k / 20) % 2 ? 1000 : 100;
		feat_packet(fx, udp(&fr, c, s, 40000, 443, x, t), v);
		t += S(0.001);
		feat_packet(fx, udp(&fr, s, c, 443, 40000, x + 60, t), v);
		t += S(0.001);
	}
	check_finite(v);
	assert_true(F(v, "HH_L0.01_pcc") > 0.9);
	assert_true(F(v, "HpHp_L0.01_pcc") > 0.9);
	/* this packet is the server's: its direction's mean size */
	assert_true(F(v, "HH_L0.01_mean") > 560.0);
	double ma = F(v, "HH_L0.01_mean");
	assert_true(F(v, "HH_L0.01_magnitude") > ma);
	feat_free(fx);
}

/* Sockets and channels are keyed by their two sides in byte order: a
 * reply (the sides swapped) must find the entry its request made, and
 * the order must hold whether the sides differ in the address (early in
 * the key) or only in the port (its last bytes). */
static void test_key_order_replies(void **state)
{
	static const struct {
		uint32_t a, b;
		uint16_t pa, pb;
	} c[] = {
		{ IP(10, 0, 0, 1), IP(10, 0, 0, 1), 2000, 1000 },
		{ IP(10, 0, 0, 1), IP(10, 0, 0, 1), 1000, 1001 },
		{ IP(10, 0, 0, 2), IP(10, 0, 0, 1), 53, 53 },
		{ IP(10, 0, 0, 1), IP(10, 0, 0, 2), 65535, 1 },
		{ IP(200, 0, 0, 1), IP(10, 0, 0, 1), 1, 65535 },
	};
	struct frame fr;
	double v[FEAT_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct feat *fx = new_fx(0, 9);
		uint64_t t = T0;
		feat_packet(fx, udp(&fr, c[i].a, c[i].b, c[i].pa, c[i].pb, 100,
		    t), v);
		assert_int_equal(feat_last_reply(fx), 0);
		t += S(0.01);
		feat_packet(fx, udp(&fr, c[i].b, c[i].a, c[i].pb, c[i].pa, 300,
		    t), v);
		assert_int_equal(feat_last_reply(fx), 1);
		/* the socket holds both directions: the reply's own mean is
		 * its size, the magnitude includes the request's */
		assert_close(F(v, "HpHp_L0.01_mean"), 300.0, 1e-9);
		assert_close(F(v, "HpHp_L0.01_magnitude"),
		    sqrt(300.0 * 300.0 + 100.0 * 100.0), 1e-9);
		t += S(0.01);
		feat_packet(fx, udp(&fr, c[i].a, c[i].b, c[i].pa, c[i].pb, 100,
		    t), v);
		assert_int_equal(feat_last_reply(fx), 0);
		feat_free(fx);
	}
}

/* ---- weaknesses of per-source statistics ------------------------------- */

/* A spoofed-source flood: every packet from a new source. Per source it is
 * one quiet packet; at the destination it is a rate and a stream of new
 * sources, which benign traffic to that host does not show. */
static void test_spoofed_flood_visible_at_victim(void **state)
{
	struct feat *fx = new_fx(0, 6);
	struct frame fr;
	double v[FEAT_MAX], benign_rate = 0, benign_new = 0;
	uint32_t victim = IP(192, 168, 1, 50);
	uint64_t t = T0;

	(void)state;
	/* benign: 3 clients, 10 packets/s each, 60 s */
	for (unsigned k = 0; k < 1800; k++) {
		feat_packet(fx, tcp_syn(&fr, IP(192, 168, 1, 2 + k % 3), victim,
		    (uint16_t)(30000 + k % 3), 80, t), v);
		t += S(1.0 / 30);
		if (k > 600) {
			if (F(v, "DST_L1_weight") > benign_rate)
				benign_rate = F(v, "DST_L1_weight");
			if (F(v, "DST_newsrc_L1") > benign_new)
				benign_new = F(v, "DST_newsrc_L1");
		}
	}
	assert_true(benign_new < 0.5);
	/* the flood: 2000 packets/s for 2 s from random sources */
	uint64_t r = 99;
	for (unsigned k = 0; k < 4000; k++) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		feat_packet(fx, tcp_syn(&fr, (uint32_t)(r >> 32), victim,
		    (uint16_t)(r >> 16), 80, t), v);
		t += S(0.0005);
	}
	check_finite(v);
	/* per source: a brand-new source with one packet */
	assert_close(F(v, "MI_dir_L1_weight"), 1.0, 1e-9);
	assert_true(F(v, "MI_age") == 0.0);
	/* at the victim: rate and new sources far above benign */
	assert_true(F(v, "DST_L1_weight") > 20 * benign_rate);
	assert_true(F(v, "DST_newsrc_L1") > 1000.0);
	feat_free(fx);
}

/* A scan: one source, many destinations and ports. Fan-out counters rise;
 * a client talking to the same few services does not raise them. */
static void test_fanout_scan(void **state)
{
	struct feat *fx = new_fx(0, 7);
	struct frame fr;
	double v[FEAT_MAX], benign = 0;
	uint32_t src = IP(192, 168, 1, 66);
	uint64_t t = T0;

	(void)state;
	for (unsigned k = 0; k < 600; k++) {
		feat_packet(fx, tcp_syn(&fr, src, IP(52, 1, 1, 1 + k % 2),
		    (uint16_t)(40000 + k), 443, t), v);
		t += S(0.1);
		if (k > 500 && F(v, "SRC_newsvc_L0.1") > benign)
			benign = F(v, "SRC_newsvc_L0.1");
	}
	assert_true(benign < 0.1);
	assert_true(F(v, "SRC_newdst_L0.1") < 0.1);
	/* scan: 50 hosts x 20 ports at 1000 packets/s */
	for (unsigned k = 0; k < 1000; k++) {
		feat_packet(fx, tcp_syn(&fr, src, IP(192, 168, 1, 100 + k % 50),
		    40000, (uint16_t)(20 + k / 50), t), v);
		t += S(0.001);
	}
	assert_true(F(v, "SRC_newsvc_L0.1") > 500.0);
	assert_true(F(v, "SRC_newdst_L0.1") > 40.0);
	assert_true(F(v, "SRC_newdst_L0.1") < 50.0);	/* 50 hosts, once each */
	/* UDP replies are not services contacted by the replier */
	struct feat *fy = new_fx(0, 8);
	for (unsigned k = 0; k < 200; k++) {
		feat_packet(fy, udp(&fr, IP(192, 168, 1, 2), IP(192, 168, 1, 1),
		    (uint16_t)(50000 + k), 53, 80, t), v);
		feat_packet(fy, udp(&fr, IP(192, 168, 1, 1), IP(192, 168, 1, 2),
		    53, (uint16_t)(50000 + k), 120, t + S(0.001)), v);
		t += S(0.5);
	}
	assert_true(F(v, "SRC_newsvc_L0.1") < 0.01);
	feat_free(fy);
	feat_free(fx);
}

/* A FIN scan probes without SYN: each probe still opens a service, and
 * the scanned host's RSTs are answers (not attempts) that show on it as
 * "probed". A DNS server answering one client is neither. */
static void test_stealth_scan_and_answers(void **state)
{
	struct feat *fx = new_fx(0, 9);
	struct frame fr;
	double v[FEAT_MAX], probed_benign = 0;
	uint32_t scanner = IP(192, 168, 1, 66), target = IP(192, 168, 1, 25);
	uint32_t client = IP(192, 168, 1, 2), dns = IP(192, 168, 1, 1);
	uint64_t t = T0;

	(void)state;
	for (unsigned k = 0; k < 300; k++) {
		feat_packet(fx, udp(&fr, client, dns, (uint16_t)(50000 + k),
		    53, 80, t), v);
		assert_int_equal(feat_last_reply(fx), 0);
		feat_packet(fx, udp(&fr, dns, client, 53,
		    (uint16_t)(50000 + k), 120, t + S(0.001)), v);
		assert_int_equal(feat_last_reply(fx), 1);
		assert_int_equal(feat_last_attempt(fx), 0);
		if (F(v, "SRC_probed_L0.1") > probed_benign)
			probed_benign = F(v, "SRC_probed_L0.1");
		t += S(0.2);
	}
	assert_true(probed_benign < 1.0);
	unsigned attempts = 0;
	for (unsigned k = 0; k < 1000; k++) {
		feat_packet(fx, tcp_flags(&fr, scanner, target, 40000,
		    (uint16_t)(1 + k), TCP_FIN, t), v);
		attempts += (unsigned)feat_last_attempt(fx);
		assert_int_equal(feat_last_reply(fx), 0);
		feat_packet(fx, tcp_flags(&fr, target, scanner,
		    (uint16_t)(1 + k), 40000, TCP_RST | TCP_ACK,
		    t + S(0.0002)), v);
		assert_int_equal(feat_last_attempt(fx), 0);
		assert_int_equal(feat_last_reply(fx), 1);
		t += S(0.001);
	}
	assert_int_equal(attempts, 1000);
	assert_true(F(v, "SRC_probed_L0.1") > 500.0);	/* the target's */
	assert_true(F(v, "SRC_newsvc_L0.1") < 1.0);	/* it opened nothing */
	feat_packet(fx, tcp_flags(&fr, scanner, target, 40000, 2000, TCP_FIN,
	    t), v);
	assert_true(F(v, "SRC_newsvc_L0.1") > 500.0);	/* the scanner's */
	feat_free(fx);
}

/* A beacon every 60 s is clockwork (CV ~ 0 over the slow window); the same
 * number of packets at irregular times is not. */
static void test_beacon_regularity(void **state)
{
	struct feat *fx = new_fx(0, 9);
	struct frame fr;
	double v[FEAT_MAX], w[FEAT_MAX];
	uint64_t r = 7;

	(void)state;
	for (unsigned k = 0; k < 40; k++)
		feat_packet(fx, udp(&fr, IP(192, 168, 1, 30), IP(45, 1, 2, 3),
		    41000, 8443, 90, T0 + S(60.0 * k)), v);
	double t = 2400;	/* after the beacon: time never goes back */
	for (unsigned k = 0; k < 40; k++) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		t += 5.0 + (double)((r >> 33) % 11000) / 100.0;	/* 5..115 s */
		feat_packet(fx, udp(&fr, IP(192, 168, 1, 31), IP(45, 1, 2, 3),
		    41000, 8443, 90, T0 + S(t)), w);
	}
	assert_true(F(v, "HH_reg_cv_L0.001") < 0.01);
	assert_true(F(w, "HH_reg_cv_L0.001") > 0.3);
	assert_true(F(v, "HH_reg_dev_L0.001") < 0.01);
	feat_free(fx);
}

/* Newness: a MAC+IP seen for the first time has age 0 and count 1; one
 * seen for an hour is old, whatever its rate. */
static void test_newness(void **state)
{
	struct feat *fx = new_fx(0, 10);
	struct frame fr;
	double v[FEAT_MAX];

	(void)state;
	for (unsigned k = 0; k <= 60; k++)
		feat_packet(fx, udp(&fr, IP(192, 168, 1, 40), IP(1, 1, 1, 1),
		    5000, 53, 80, T0 + S(60.0 * k)), v);
	assert_close(F(v, "MI_age"), log2(3601.0), 1e-12);
	assert_close(F(v, "MI_count"), log2(62.0), 1e-12);
	assert_close(F(v, "HH_age"), log2(3601.0), 1e-12);
	feat_packet(fx, udp(&fr, IP(192, 168, 1, 41), IP(1, 1, 1, 1), 5000, 53,
	    80, T0 + S(3601)), v);
	assert_true(F(v, "MI_age") == 0.0);
	assert_close(F(v, "MI_count"), 1.0, 1e-15);
	assert_true(F(v, "HH_age") == 0.0);
	feat_free(fx);
}

/* ARP: statistics come from the ARP header; a second MAC claiming an IP
 * shows as a binding change, a stable binding does not. No socket. */
static void test_arp_binding(void **state)
{
	static const uint8_t gw[6] = { 0x02, 0, 0, 0, 0, 1 };
	static const uint8_t evil[6] = { 0x02, 0, 0, 0, 0, 0x66 };
	struct feat *fx = new_fx(0, 11);
	struct frame fr;
	double v[FEAT_MAX];

	(void)state;
	for (unsigned k = 0; k < 20; k++)
		assert_int_equal(feat_packet(fx, arp(&fr, gw, IP(192, 168, 1, 1),
		    IP(192, 168, 1, 20), T0 + S(k)), v), 1);
	assert_true(F(v, "SRC_macchg_L0.1") == 0.0);
	assert_close(F(v, "MI_dir_L0.01_mean"), fr.p.wirelen, 1e-12);
	for (unsigned i = 0; i < 7 * FEAT_NL; i++)
		assert_true(v[FEAT_OFF_HP + i] == 0.0);
	feat_packet(fx, arp(&fr, evil, IP(192, 168, 1, 1), IP(192, 168, 1, 20),
	    T0 + S(20.5)), v);
	assert_close(F(v, "SRC_macchg_L0.1"), 1.0, 1e-12);
	assert_true(F(v, "MI_age") == 0.0);	/* a new MAC+IP */
	check_finite(v);
	feat_free(fx);
}

static void test_non_ip_no_vector(void **state)
{
	struct feat *fx = new_fx(0, 12);
	struct packet p;
	double v[FEAT_MAX];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.has_eth = 1;
	p.ethertype = 0x88cc;
	v[0] = 42;
	assert_int_equal(feat_packet(fx, &p, v), 0);
	assert_true(v[0] == 42);
	assert_int_equal(feat_stats(fx)->vectors, 0);
	feat_free(fx);
}

/* ---- bounded memory, reclaim, robustness, determinism ------------------ */

static void test_memcap_evicts(void **state)
{
	size_t memcap = 256 * 1024;
	struct feat *fx = new_fx(memcap, 13);
	struct frame fr;
	double v[FEAT_MAX];

	(void)state;
	assert_true(feat_stats(fx)->memuse <= memcap);
	assert_true(feat_stats(fx)->memuse > memcap / 2);
	for (unsigned k = 0; k < 20000; k++)
		feat_packet(fx, udp(&fr, IP(10, 1, 0, 0) + k, IP(10, 2, 0, 0) + k,
		    1, 2, 60, T0 + S(0.0001 * k)), v);
	assert_true(feat_stats(fx)->evicted > 10000);
	assert_true(feat_stats(fx)->memuse <= memcap);
	/* default memcap holds these without evicting */
	struct feat *fy = new_fx(0, 13);
	for (unsigned k = 0; k < 500; k++)
		feat_packet(fy, udp(&fr, IP(10, 1, 0, 0) + k, IP(10, 2, 0, 0),
		    1, 2, 60, T0 + S(0.001 * k)), v);
	assert_int_equal(feat_stats(fy)->evicted, 0);
	assert_int_equal(feat_stats(fy)->reclaimed, 0);
	feat_free(fy);
	feat_free(fx);
}

static void test_reclaim_decayed(void **state)
{
	struct feat *fx = new_fx(0, 14);
	struct frame fr;
	double v[FEAT_MAX];

	(void)state;
	for (unsigned k = 0; k < 300; k++)
		feat_packet(fx, udp(&fr, IP(10, 1, 0, 0) + k, IP(10, 3, 0, 1),
		    1, 2, 60, T0 + S(0.01 * k)), v);
	assert_int_equal(feat_stats(fx)->reclaimed, 0);
	/* after 2000 s of silence, one busy host: the 300 quiet sources
	 * (their MI, host, channel, socket, service entries) get freed */
	for (unsigned k = 0; k < 20000; k++)
		feat_packet(fx, udp(&fr, IP(10, 9, 9, 9), IP(10, 3, 0, 1), 1, 2,
		    60, T0 + S(2000 + 0.01 * k)), v);
	assert_true(feat_stats(fx)->reclaimed >= 4 * 300);
	assert_int_equal(feat_stats(fx)->evicted, 0);
	check_finite(v);
	feat_free(fx);
}

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 11;
}

/* Random packets over a small world with times that stall, go back and
 * jump by up to years: every value finite, correlations in [-1, 1],
 * weights >= 0; and two extractors with different hash seeds produce the
 * same vectors bit for bit. */
static void test_random_finite_deterministic(void **state)
{
	struct feat *a = new_fx(64 * 1024, 15), *b = new_fx(64 * 1024, 987654);
	struct frame fr;
	double va[FEAT_MAX], vb[FEAT_MAX];
	uint64_t s = 4242, t = T0;

	(void)state;
	for (unsigned k = 0; k < 50000; k++) {
		uint64_t r = rnd(&s);
		switch (r % 8) {
		case 0: t -= t > S(100) ? (r >> 8) % S(100) : 0; break;
		case 1: t += (r >> 8) % S(1e8); break;
		case 2: case 3: break;
		default: t += (r >> 8) % S(0.5); break;
		}
		uint32_t sip = IP(10, 0, 0, (r >> 16) & 31);
		uint32_t dip = IP(10, 0, 0, (r >> 24) & 31);
		struct packet *p;
		if ((r >> 32) % 5 == 0) {
			uint8_t m[6];
			mac_of(m, (uint32_t)(r >> 40) & 3);
			p = arp(&fr, m, sip, dip, t);
		} else if ((r >> 32) % 5 == 1) {
			p = tcp_syn(&fr, sip, dip, (uint16_t)(r >> 36),
			    (uint16_t)((r >> 44) & 7), t);
		} else {
			p = udp(&fr, sip, dip, (uint16_t)((r >> 36) & 3),
			    (uint16_t)((r >> 40) & 3), 42 + (r >> 44) % 1473, t);
		}
		assert_int_equal(feat_packet(a, p, va), 1);
		assert_int_equal(feat_packet(b, p, vb), 1);
		assert_memory_equal(va, vb, sizeof(double) * feat_count());
		check_finite(va);
		for (unsigned i = 0; i < FEAT_NL; i++) {
			assert_true(va[FEAT_OFF_MI + 3 * i] >= 0);
			assert_true(fabs(va[FEAT_OFF_HH + 7 * i + 6]) <= 1.0);
			assert_true(fabs(va[FEAT_OFF_HP + 7 * i + 6]) <= 1.0);
		}
	}
	const struct feat_stats *x = feat_stats(a), *y = feat_stats(b);
	assert_int_equal(x->vectors, 50000);
	assert_int_equal(x->evicted, y->evicted);
	assert_int_equal(x->reclaimed, y->reclaimed);
	assert_true(x->reclaimed > 0);
	feat_free(a);
	feat_free(b);
}

/* ---- names ------------------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(feat_count(), FEAT_N);
	assert_true(feat_count() <= FEAT_MAX);
	for (unsigned i = 0; i < feat_count(); i++) {
		assert_true(feat_name(i)[0] != '\0');
		assert_true(strlen(feat_describe(i)) > 10);
		assert_true(feat_group(i)[0] != '\0');
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(feat_name(i), feat_name(j));
	}
	assert_string_equal(feat_name(feat_count()), "");
	assert_string_equal(feat_describe(9999), "");
	assert_string_equal(feat_group(9999), "");
	/* the layout offsets and the lambdas written in the names agree */
	for (unsigned i = 0; i < FEAT_NL; i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "MI_dir_L%g_weight", lambdas[i]);
		assert_string_equal(feat_name(FEAT_OFF_MI + 3 * i), buf);
		snprintf(buf, sizeof(buf), "HH_L%g_pcc", lambdas[i]);
		assert_string_equal(feat_name(FEAT_OFF_HH + 7 * i + 6), buf);
		snprintf(buf, sizeof(buf), "HH_jit_L%g_std", lambdas[i]);
		assert_string_equal(feat_name(FEAT_OFF_JIT + 3 * i + 2), buf);
		snprintf(buf, sizeof(buf), "HpHp_L%g_weight", lambdas[i]);
		assert_string_equal(feat_name(FEAT_OFF_HP + 7 * i), buf);
	}
	static const unsigned hl[FEAT_NH] = { 0, 2, 3 };
	for (unsigned i = 0; i < FEAT_NH; i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "DST_L%g_weight", lambdas[hl[i]]);
		assert_string_equal(feat_name(FEAT_OFF_DST + 3 * i), buf);
		snprintf(buf, sizeof(buf), "DST_newsrc_L%g", lambdas[hl[i]]);
		assert_string_equal(feat_name(FEAT_OFF_NSRC + i), buf);
		snprintf(buf, sizeof(buf), "SRC_newdst_L%g", lambdas[hl[i]]);
		assert_string_equal(feat_name(FEAT_OFF_NDST + i), buf);
		snprintf(buf, sizeof(buf), "SRC_newsvc_L%g", lambdas[hl[i]]);
		assert_string_equal(feat_name(FEAT_OFF_NSVC + i), buf);
	}
	assert_string_equal(feat_name(FEAT_OFF_REG), "HH_reg_cv_L0.1");
	assert_string_equal(feat_name(FEAT_OFF_NEW), "MI_age");
	assert_string_equal(feat_name(FEAT_OFF_BIND + 1), "SRC_macchg_L0.1");
	assert_string_equal(feat_name(FEAT_OFF_PROBED), "SRC_probed_L5");
	assert_string_equal(feat_name(FEAT_N - 1), "SRC_probed_L0.1");
	assert_string_equal(feat_group(0), "source MAC+IP packet sizes");
	assert_string_equal(feat_group(FEAT_OFF_NSRC), "destination load");
}

/* feat_log2 against libm over the range the features use (1 .. 1e12 + 1):
 * exact at powers of two, within 1e-15 relative elsewhere (a wrong
 * coefficient or reduction is off by far more). */
static void test_log2(void **state)
{
	(void)state;
	double worst = 0.0;
	for (int k = 0; k <= 40; k++)
		assert_true(feat_log2(ldexp(1.0, k)) == (double)k);
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 2000000; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;	/* xorshift64 */
		double u = (double)(x >> 11) / 9007199254740992.0;
		double v = i % 2 ? 1.0 + u * 4.0 : exp2(u * 40.0);
		double want = log2(v), got = feat_log2(v);
		double err = fabs(got - want) / (want > 1e-300 ? want : 1.0);
		if (want == 0.0)
			err = fabs(got);
		if (err > worst)
			worst = err;
	}
	assert_true(worst < 1e-15);
	assert_true(feat_log2(1.0) == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decay_factors),
		cmocka_unit_test(test_is1_plain_mean_var),
		cmocka_unit_test(test_is2_closed_forms),
		cmocka_unit_test(test_is2_correlation),
		cmocka_unit_test(test_is2_fused_same_bits),
		cmocka_unit_test(test_constant_stream),
		cmocka_unit_test(test_equal_timestamps),
		cmocka_unit_test(test_backwards_time),
		cmocka_unit_test(test_gap_decay),
		cmocka_unit_test(test_channel_2d),
		cmocka_unit_test(test_key_order_replies),
		cmocka_unit_test(test_spoofed_flood_visible_at_victim),
		cmocka_unit_test(test_fanout_scan),
		cmocka_unit_test(test_beacon_regularity),
		cmocka_unit_test(test_newness),
		cmocka_unit_test(test_stealth_scan_and_answers),
		cmocka_unit_test(test_arp_binding),
		cmocka_unit_test(test_non_ip_no_vector),
		cmocka_unit_test(test_memcap_evicts),
		cmocka_unit_test(test_reclaim_decayed),
		cmocka_unit_test(test_random_finite_deterministic),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_log2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
