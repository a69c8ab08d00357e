/* kitnet.c - feature mapper, autoencoder ensemble and output layer. */
#include "model/kitnet.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "config.h"
#include "util/alloc.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

/* Every kernel must round each product and each sum on its own (no
 * fused multiply-add), so that all kernels give the same bits: GCC in
 * ISO C mode does not contract a * b + c, clang does by default where
 * the target has FMA (AVX-512F implies it there). */
#ifdef __clang__
#pragma clang fp contract(off)
#endif

/* splitmix64: a small, well-mixed generator with a fixed seed, so the same
 * capture always trains the same weights (rand() is not portable). */
static uint64_t kn_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [-a, a). */
static float kn_uniform(uint64_t *s, double a)
{
	double u = (double)(kn_rand(s) >> 11) * (1.0 / 9007199254740992.0);

	return (float)((2.0 * u - 1.0) * a);
}

static int kn_isa(void);
static int kv_build(struct kitnet *kn);
static void kv_import(struct kitnet *kn);
static struct kn_plan *plan_new(const struct kitnet *kn, unsigned nclust);


static unsigned pad_h(unsigned nh)
{
	return (nh + KN_HB - 1) / KN_HB * KN_HB;
}

static size_t ae_len(unsigned nv, unsigned nh)
{
	size_t nvp = pad_h(nv), nhp = pad_h(nh);

	return (size_t)nv * nhp + nhp + 4u * nvp + nhp * nvp;
}

/* Pointers to one autoencoder's parameters (layout in kitnet.h). */
struct ae_view {
	float *w, *hb, *vb, *nmin, *nmax, *nsc, *wt;
	unsigned nvp;
};

static inline __attribute__((always_inline)) struct ae_view view_of(
    const struct kitnet *kn, const struct kn_ae *ae)
{
	struct ae_view v;
	float *p = kn->arena + ae->off;

	v.nvp = pad_h(ae->nv);
	v.w = p;
	p += (size_t)ae->nv * ae->nhp;
	v.hb = p;
	p += ae->nhp;
	v.vb = p;
	p += v.nvp;
	v.nmin = p;
	p += v.nvp;
	v.nmax = p;
	p += v.nvp;
	v.nsc = p;
	p += v.nvp;
	v.wt = p;
	return v;
}

static unsigned hidden_for(const struct kitnet *kn, unsigned nv)
{
	double h = ceil((double)nv * kn->hidden_ratio);

	if (h < 1)
		h = 1;
	if (h > nv)
		h = nv;
	return (unsigned)h;
}

struct kitnet *kitnet_new(unsigned nfeat, unsigned max_ae, double lr,
    double hidden_ratio, uint64_t seed)
{
	struct kitnet *kn;

	if (nfeat == 0 || nfeat > 65535 || max_ae == 0 || !(lr > 0) ||
	    !(hidden_ratio > 0) || hidden_ratio > 1)
		return NULL;
	kn = ew_calloc(1, sizeof(*kn));
	if (!kn)
		return NULL;
	kn->nfeat = nfeat;
	kn->max_ae = max_ae;
	kn->lr = (float)lr;
	kn->hidden_ratio = hidden_ratio;
	kn->rng = seed;
	/* The mapper statistics: nfeat means + nfeat scratch, and the
	 * co-moment matrix (upper triangle used). */
	kn->fm_mean = ew_calloc(2u * (size_t)nfeat, sizeof(double));
	kn->fm_co = ew_calloc((size_t)nfeat * nfeat, sizeof(double));
	if (!kn->fm_mean || !kn->fm_co) {
		kitnet_free(kn);
		return NULL;
	}
	return kn;
}

void kitnet_free(struct kitnet *kn)
{
	if (!kn)
		return;
	ew_free(kn->fm_mean);
	ew_free(kn->fm_co);
	ew_free(kn->map);
	ew_free(kn->cstart);
	ew_free(kn->ens);
	ew_free(kn->arena);
	ew_free(kn->sx);
	ew_free(kn->sr);
	ew_free(kn->bx);
	ew_free(kn->plan);
	ew_free(kn->grp);
	ew_free(kn->va_raw);
	ew_free(kn);
}

int kitnet_ready(const struct kitnet *kn)
{
	return kn->nclust > 0;
}

void kitnet_fm_update(struct kitnet *kn, const double *x)
{
	unsigned n = kn->nfeat;
	double *mean = kn->fm_mean, *d = kn->fm_mean + n;

	if (!kn->fm_co)
		return;
	kn->fm_n++;
	double inv = 1.0 / (double)kn->fm_n;
	/* Welford's co-moments: C += (x - mean_old)(x - mean_new)^T, exact
	 * and stable where raw sums of products would cancel. */
	for (unsigned i = 0; i < n; i++) {
		d[i] = x[i] - mean[i];
		mean[i] += d[i] * inv;
	}
	for (unsigned i = 0; i < n; i++) {
		double di = d[i];
		double *row = kn->fm_co + (size_t)i * n;
		if (di == 0)
			continue;
		for (unsigned j = i; j < n; j++)
			row[j] += di * (x[j] - mean[j]);
	}
}

static void init_ae(struct kitnet *kn, struct kn_ae *ae)
{
	struct ae_view V = view_of(kn, ae);
	double a = 1.0 / (double)ae->nv;

	memset(V.w, 0, ae_len(ae->nv, ae->nh) * sizeof(float));
	for (unsigned v = 0; v < ae->nv; v++) {
		for (unsigned h = 0; h < ae->nh; h++) {
			float r = kn_uniform(&kn->rng, a);
			V.w[(size_t)v * ae->nhp + h] = r;
			V.wt[(size_t)h * V.nvp + v] = r;
		}
	}
	for (unsigned v = 0; v < V.nvp; v++) {
		V.nmin[v] = FLT_MAX;
		V.nmax[v] = -FLT_MAX;
		V.nsc[v] = 0;
	}
}

int kitnet_set_map(struct kitnet *kn, unsigned nclust, const uint16_t *map,
    const uint16_t *cstart)
{
	unsigned n = kn->nfeat;
	uint8_t *seen = NULL;
	size_t len = 0;

	if (kn->nclust || nclust == 0 || nclust > n || cstart[0] != 0 ||
	    cstart[nclust] != n)
		return -1;
	for (unsigned c = 0; c < nclust; c++) {
		if (cstart[c + 1] <= cstart[c] ||
		    (unsigned)(cstart[c + 1] - cstart[c]) > kn->max_ae)
			return -1;
	}
	seen = ew_calloc(n, 1);
	if (!seen)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		if (map[i] >= n || seen[map[i]]) {
			ew_free(seen);
			return -1;
		}
		seen[map[i]] = 1;
	}
	ew_free(seen);

	kn->map = ew_malloc(n * sizeof(uint16_t));
	kn->cstart = ew_malloc((nclust + 1) * sizeof(uint16_t));
	kn->ens = ew_calloc(nclust, sizeof(struct kn_ae));
	if (!kn->map || !kn->cstart || !kn->ens)
		goto fail;
	memcpy(kn->map, map, n * sizeof(uint16_t));
	memcpy(kn->cstart, cstart, (nclust + 1) * sizeof(uint16_t));
	kn->maxv = nclust;
	for (unsigned c = 0; c < nclust; c++) {
		struct kn_ae *ae = &kn->ens[c];
		ae->nv = (unsigned)(cstart[c + 1] - cstart[c]);
		ae->nh = hidden_for(kn, ae->nv);
		ae->nhp = pad_h(ae->nh);
		ae->off = len;
		len += ae_len(ae->nv, ae->nh);
		if (ae->nv > kn->maxv)
			kn->maxv = ae->nv;
	}
	kn->out.nv = nclust;
	kn->out.nh = hidden_for(kn, nclust);
	kn->out.nhp = pad_h(kn->out.nh);
	kn->out.off = len;
	len += ae_len(kn->out.nv, kn->out.nh);
	/* + KN_HB: the last vector of the scoring normalisation reads up to
	 * three floats past the output autoencoder's scales */
	kn->arena = ew_calloc(len + KN_HB, sizeof(float));
	/* five float scratch vectors (x, y, g, d, s1) of maxv (+ padding)
	 * each; s1 also holds whole groups of ensemble RMSEs (kv_forward:
	 * + 16 floats) */
	size_t sl = pad_h(kn->maxv);
	kn->sx = ew_calloc(5u * sl + 16u, sizeof(float));
	kn->sr = ew_calloc(kn->maxv, sizeof(double));
	/* scoring slices (score_all): every autoencoder's padded visible
	 * and hidden units, three arrays of bl floats */
	size_t bl = pad_h(kn->out.nv);
	for (unsigned c = 0; c < nclust; c++)
		bl += pad_h(kn->ens[c].nv);
	kn->bx = ew_calloc(3u * bl, sizeof(float));
	kn->plan = plan_new(kn, nclust);
	if (!kn->arena || !kn->sx || !kn->sr || !kn->bx || !kn->plan)
		goto fail;
	kn->by = kn->bx + bl;
	kn->bd = kn->by + bl;
	kn->arena_len = len;
	kn->sy = kn->sx + sl;
	kn->sz = kn->sy + sl;
	kn->sd = kn->sz + sl;
	kn->s1 = kn->sd + sl;
	for (unsigned c = 0; c < nclust; c++)
		init_ae(kn, &kn->ens[c]);
	init_ae(kn, &kn->out);
	kn->nclust = nclust;
	kn->simd = (uint8_t)kn_isa();
	if (kn->simd >= 1) {
		/* the side-by-side kernels: 16 lanes with AVX-512, two
		 * halves of eight with AVX2 */
		if (kv_build(kn) < 0) {
			kn->nclust = 0;
			goto fail;
		}
		kv_import(kn);
		kn->side = 1;
	}
	ew_free(kn->fm_co);
	kn->fm_co = NULL;
	return 0;
fail:
	ew_free(kn->grp);
	ew_free(kn->va_raw);
	kn->grp = NULL;
	kn->va_raw = NULL;
	kn->ngrp = 0;
	ew_free(kn->map);
	ew_free(kn->cstart);
	ew_free(kn->ens);
	ew_free(kn->arena);
	ew_free(kn->sx);
	ew_free(kn->sr);
	ew_free(kn->bx);
	ew_free(kn->plan);
	kn->bx = NULL;
	kn->plan = NULL;
	kn->map = NULL;
	kn->cstart = NULL;
	kn->ens = NULL;
	kn->arena = NULL;
	kn->sx = NULL;
	kn->sr = NULL;
	return -1;
}

/* Correlation distance 1 - r between features i and j (1 when either was
 * constant: no evidence they move together). */
static double fm_dist(const struct kitnet *kn, unsigned i, unsigned j)
{
	unsigned n = kn->nfeat;
	unsigned a = i < j ? i : j, b = i < j ? j : i;
	double vi = kn->fm_co[(size_t)a * n + a], vj = kn->fm_co[(size_t)b * n + b];

	if (a == b)
		return 0;
	if (!(vi > 0) || !(vj > 0))
		return 1;
	double d = 1.0 - kn->fm_co[(size_t)a * n + b] / sqrt(vi * vj);
	return d < 0 ? 0 : d;
}

int kitnet_fm_finish(struct kitnet *kn)
{
	unsigned n = kn->nfeat;
	double *dc = NULL;
	unsigned *head = NULL, *next = NULL, *size = NULL;
	uint16_t *map = NULL, *cstart = NULL;
	int rc = -1;

	if (kn->nclust || !kn->fm_co)
		return -1;
	dc = ew_malloc((size_t)n * n * sizeof(double));
	head = ew_malloc(n * sizeof(unsigned));
	next = ew_malloc(n * sizeof(unsigned));
	size = ew_malloc(n * sizeof(unsigned));
	map = ew_malloc(n * sizeof(uint16_t));
	cstart = ew_malloc((n + 1) * sizeof(uint16_t));
	if (!dc || !head || !next || !size || !map || !cstart)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < n; j++)
			dc[(size_t)i * n + j] = fm_dist(kn, i, j);
		head[i] = i;
		next[i] = UINT32_MAX;
		size[i] = 1;
	}
	/* Agglomerative single-linkage clustering (Kitsune's choice) under
	 * the size limit: repeatedly merge the closest two clusters whose
	 * union has at most m features. A cluster keeps the id of its
	 * smallest feature; ties go to the lowest ids, so the map is
	 * deterministic. */
	for (;;) {
		unsigned ba = 0, bb = 0;
		double best = INFINITY;
		for (unsigned a = 0; a < n; a++) {
			if (!size[a])
				continue;
			for (unsigned b = a + 1; b < n; b++) {
				if (!size[b] || size[a] + size[b] > kn->max_ae)
					continue;
				if (dc[(size_t)a * n + b] < best) {
					best = dc[(size_t)a * n + b];
					ba = a;
					bb = b;
				}
			}
		}
		if (best == INFINITY)
			break;
		for (unsigned x = 0; x < n; x++) {
			double m = dc[(size_t)ba * n + x];
			if (dc[(size_t)bb * n + x] < m)
				m = dc[(size_t)bb * n + x];
			dc[(size_t)ba * n + x] = m;
			dc[(size_t)x * n + ba] = m;
		}
		unsigned t = head[ba];
		while (next[t] != UINT32_MAX)
			t = next[t];
		next[t] = head[bb];
		size[ba] += size[bb];
		size[bb] = 0;
	}
	unsigned nc = 0, pos = 0;
	for (unsigned a = 0; a < n; a++) {
		if (!size[a])
			continue;
		cstart[nc++] = (uint16_t)pos;
		unsigned first = pos;
		for (unsigned t = head[a]; t != UINT32_MAX; t = next[t]) {
			/* insertion sort: members ascending */
			unsigned k = pos++;
			while (k > first && map[k - 1] > t) {
				map[k] = map[k - 1];
				k--;
			}
			map[k] = (uint16_t)t;
		}
	}
	cstart[nc] = (uint16_t)pos;
	rc = kitnet_set_map(kn, nc, map, cstart);
out:
	ew_free(dc);
	ew_free(head);
	ew_free(next);
	ew_free(size);
	ew_free(map);
	ew_free(cstart);
	return rc;
}

/* Four floats as one SIMD register (GCC/clang vector extension: SSE on
 * x86-64, NEON on ARM); loads and stores through memcpy, unaligned. */
typedef float kn_v4 __attribute__((vector_size(16)));
typedef int32_t kn_i4 __attribute__((vector_size(16)));

static inline kn_v4 ld4(const float *p)
{
	kn_v4 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void st4(float *p, kn_v4 v)
{
	memcpy(p, &v, sizeof(v));
}

/* Lanewise max(v, lo) and min(v, hi) where a NaN lane becomes lo: SSE's
 * maxps returns its second operand when either is NaN; elsewhere a
 * select by bit masks (vector ?: is C++ only). */
static inline kn_v4 clamp4(kn_v4 v, kn_v4 lo, kn_v4 hi)
{
#if defined(__SSE__)
	return __builtin_ia32_minps(__builtin_ia32_maxps(v, lo), hi);
#else
	kn_i4 m = ~(kn_i4)(v >= lo);
	v = (kn_v4)((m & (kn_i4)lo) | (~m & (kn_i4)v));
	m = (kn_i4)(v > hi);
	return (kn_v4)((m & (kn_i4)hi) | (~m & (kn_i4)v));
#endif
}

/* Normalise raw[0..nv) into kn->sx with the autoencoder's learned
 * min-max (updated first when training, as Kitsune does). The scale
 * 1 / (max - min) is kept with them so scoring needs no division. */
static void ae_norm(struct kitnet *kn, const struct kn_ae *ae,
    const double *raw, int train)
{
	struct ae_view V = view_of(kn, ae);
	float *nmin = V.nmin, *nmax = V.nmax, *nsc = V.nsc;
	const double lo = -MODEL_NORM_CLAMP, hi = 1.0 + MODEL_NORM_CLAMP;

	for (unsigned v = 0; v < ae->nv; v++) {
		double x = raw[v], r;
		if (!(x == x))	/* NaN: as the minimum (callers sanitise) */
			x = nmax[v] >= nmin[v] ? nmin[v] : 0;
		if (train) {
			int moved = 0;
			if (x < nmin[v]) {
				nmin[v] = (float)x;
				moved = 1;
			}
			if (x > nmax[v]) {
				nmax[v] = (float)x;
				moved = 1;
			}
			if (moved) {
				double range = (double)nmax[v] - (double)nmin[v];
				nsc[v] = (float)(1.0 / (range > 1e-12 ? range :
				    1e-12));
			}
		}
		if (nmax[v] < nmin[v]) {	/* never trained */
			kn->sx[v] = 0;
			continue;
		}
		r = (x - (double)nmin[v]) * (double)nsc[v];
		if (r < lo)
			r = lo;
		else if (r > hi)
			r = hi;
		kn->sx[v] = (float)r;
	}
}

/* The scoring-time normalisation (no min/max update): gather into sx as
 * floats (from x through the map m, or the ensemble RMSEs kn->s1 when m
 * is NULL), then (x - min) * scale clamped, four at a time. Untrained
 * inputs (min = FLT_MAX, scale = 0) give 0; a NaN gives the lower clamp. */
static inline __attribute__((always_inline)) void ae_norm_body(
    struct kitnet *kn, const struct kn_ae *ae, const double *x,
    const uint16_t *m, const unsigned nv, float *sx)
{
	struct ae_view V = view_of(kn, ae);
	const float *nmin = V.nmin, *nsc = V.nsc;
	const float c = (float)MODEL_NORM_CLAMP;
	const kn_v4 lo = { -c, -c, -c, -c };
	const kn_v4 hi = { 1 + c, 1 + c, 1 + c, 1 + c };
	unsigned v;

	if (m) {
#pragma GCC unroll 16
		for (v = 0; v < nv; v++)
			sx[v] = (float)x[m[v]];
#pragma GCC unroll 16
		for (v = 0; v < nv; v += KN_HB) {
			kn_v4 r = (ld4(sx + v) - ld4(nmin + v)) * ld4(nsc + v);
			st4(sx + v, clamp4(r, lo, hi));
		}
		return;
	}
	/* The RMSEs straight from kn->s1 (padded to whole vectors; what
	 * lies past nv only reaches padding lanes, which no result reads):
	 * copying them one by one into sx and reading that back four at a
	 * time made the CPU wait for the stores on the output
	 * autoencoder's critical path. */
#pragma GCC unroll 16
	for (v = 0; v < nv; v += KN_HB) {
		kn_v4 r = (ld4(kn->s1 + v) - ld4(nmin + v)) * ld4(nsc + v);
		st4(sx + v, clamp4(r, lo, hi));
	}
}

/* The logistic function, 1 / (1 + e^-v), our own so that the scores are
 * the same bits on every machine (libm's expf differs between libm
 * versions; the golden files rely on identical scores) and cheap (a
 * scalar expf per unit would dominate the scoring time). Every
 * implementation (sig4, sig8, kv_sig_n) runs exactly these steps, each
 * product and sum rounded on its own:
 *   v = min(max(v, -30), 30)   a NaN becomes -30 (maxps' second operand);
 *                              beyond +-30 the result is 1, resp. that
 *                              at -30 (9.36e-14): saturated
 *   t = v * -log2(e);  n = round(t), ties to even: adding 1.5 * 2^23
 *       leaves round(t) in the low mantissa bits (no int/float
 *       conversions: their latency was most of this function's time)
 *   h = (v + n * LN2_HI) + n * LN2_LO = -(-v - n ln2)   (Cody-Waite:
 *       LN2_HI has 15 bits, so n * LN2_HI and the first sum are exact)
 *   e^-v = 2^n * e^-h, |h| <= ln2 / 2: e^-h by the degree-5 polynomial
 *       of least maximum relative error (Remez; 4.3e-7 before rounding)
 *       with c0 = 1, its odd coefficients negated for -h, in Estrin's
 *       form (KN_SIG_POLY)
 *   result = 1 / (1 + p * 2^n), 2^n built from n's bits.
 * Measured over every float in [-30, 30]: relative error < 6.3e-7
 * against 1 / (1 + exp(-v)) in double (the previous Taylor form reached
 * 1.9e-6 near -30, its t = -v * log2(e) rounded). */
#define KN_SIG_LIM 30.0f
#define KN_SIG_MAGIC 0x1.8p+23f			/* 12582912 */
#define KN_SIG_BIAS (127 - 0x4b400000)		/* 127 - bits(magic) */
#define KN_SIG_L2E (-0x1.715476p+0f)		/* -log2(e) */
#define KN_SIG_LN2_HI 0x1.62e4p-1f
#define KN_SIG_LN2_LO 0x1.7f7d1cp-20f
#define KN_SIG_C1 (-0x1.ffff2ep-1f)		/* -0.99999374 */
#define KN_SIG_C2 0x1.fffe5cp-2f		/* 0.49999374 */
#define KN_SIG_C3 (-0x1.55c36p-3f)		/* -0.16687655 */
#define KN_SIG_C4 0x1.570adp-5f			/* 0.041875273 */
#define KN_SIG_C5 (-0x1.c7b174p-8f)		/* -0.0069533261 */
/* p(h) in Estrin's form, the same on any vector type: with h^2 once,
 * three short chains instead of Horner's five dependent steps (one more
 * product; 4% more scoring throughput in bench_model). */
#define KN_SIG_POLY(h, h2) ((1.0f + (h) * KN_SIG_C1) + (h2) * ((KN_SIG_C2 +	\
    (h) * KN_SIG_C3) + (h2) * (KN_SIG_C4 + (h) * KN_SIG_C5)))

/* The logistic function on four values (see above). */
static inline kn_v4 sig4(kn_v4 v)
{
	const kn_v4 lo = { -KN_SIG_LIM, -KN_SIG_LIM, -KN_SIG_LIM,
	    -KN_SIG_LIM };
	const kn_v4 hi = { KN_SIG_LIM, KN_SIG_LIM, KN_SIG_LIM, KN_SIG_LIM };
	const kn_v4 magic = { KN_SIG_MAGIC, KN_SIG_MAGIC, KN_SIG_MAGIC,
	    KN_SIG_MAGIC };
	const kn_v4 one = { 1, 1, 1, 1 };
	kn_i4 bits;
	kn_v4 scale;

	v = clamp4(v, lo, hi);
	kn_v4 t = v * KN_SIG_L2E;
	kn_v4 big = t + magic;
	kn_v4 nf = big - magic;
	kn_v4 h = (v + nf * KN_SIG_LN2_HI) + nf * KN_SIG_LN2_LO;
	kn_v4 h2 = h * h;
	kn_v4 p = KN_SIG_POLY(h, h2);
	memcpy(&bits, &big, sizeof(bits));
	bits = (bits + KN_SIG_BIAS) << 23;
	memcpy(&scale, &bits, sizeof(scale));
	return one / (one + p * scale);
}

/* Forward pass over kn->sx; when train, one SGD step of the
 * reconstruction loss. Leaves the errors x - z in kn->sd. Returns the
 * RMSE before any update. Both products run as broadcast-multiply-adds
 * over 4-unit vectors: the encoder over W (visible-major), the decoder
 * over its transposed copy WT (hidden-major), which training keeps
 * bit-identical to W (tied weights).
 *
 * Training uses it (train = 1, instantiated per size as ae_t<n> below);
 * scoring runs the same forward pass split into passes over the whole
 * ensemble (ae_enc_body, ae_dec_body, score_all), with the operations in
 * the same order, so training's "score before the update" and
 * kitnet_score agree bit for bit. */
static inline __attribute__((always_inline)) float ae_body(struct kitnet *kn,
    const struct kn_ae *ae, const int train, const unsigned nv,
    const unsigned nh)
{
	const unsigned nhp = pad_h(nh);
	struct ae_view V = view_of(kn, ae);
	const unsigned nvp = pad_h(nv);
	float *x = kn->sx, *y = kn->sy, *g = kn->sz, *d = kn->sd;
	float se = 0;

#pragma GCC unroll 16
	for (unsigned b = 0; b < nhp; b += KN_HB) {
		kn_v4 acc = ld4(V.hb + b);
#pragma GCC unroll 16
		for (unsigned v = 0; v < nv; v++)
			acc += x[v] * ld4(V.w + (size_t)v * nhp + b);
		st4(y + b, sig4(acc));
	}
#pragma GCC unroll 16
	for (unsigned h = nh; h < nhp; h++)
		y[h] = 0;	/* padding units do not exist */
#pragma GCC unroll 16
	for (unsigned b = 0; b < nvp; b += KN_HB) {
		kn_v4 acc = ld4(V.vb + b);
#pragma GCC unroll 16
		for (unsigned h = 0; h < nh; h++)
			acc += y[h] * ld4(V.wt + (size_t)h * nvp + b);
		st4(d + b, ld4(x + b) - sig4(acc));
	}
#pragma GCC unroll 16
	for (unsigned v = 0; v < nv; v++)
		se += d[v] * d[v];
	if (train) {
		const float lr = kn->lr;
		/* padding lanes take no part in the update */
		for (unsigned v = nv; v < nvp; v++)
			x[v] = d[v] = 0;
		/* hidden error: (W^T d) * y (1 - y), with the weights before
		 * this step; 0 for padding units (y = 0) */
		for (unsigned b = 0; b < nhp; b += KN_HB) {
			kn_v4 acc = { 0, 0, 0, 0 };
			for (unsigned v = 0; v < nv; v++)
				acc += d[v] * ld4(V.w + (size_t)v * nhp + b);
			kn_v4 yv = ld4(y + b);
			acc *= yv * (1.0f - yv);
			st4(g + b, acc);
			st4(V.hb + b, ld4(V.hb + b) + lr * acc);
		}
		/* tied weights: encoder and decoder gradients add; the same
		 * products in the same order for W and WT */
		for (unsigned v = 0; v < nv; v++) {
			float *row = V.w + (size_t)v * nhp;
			const float xv = lr * x[v], dv = lr * d[v];
			for (unsigned b = 0; b < nhp; b += KN_HB)
				st4(row + b, ld4(row + b) + xv * ld4(g + b) +
				    dv * ld4(y + b));
			V.vb[v] += dv;
		}
		for (unsigned b = 0; b < nvp; b += KN_HB) {
			kn_v4 xv = lr * ld4(x + b), dv = lr * ld4(d + b);
			for (unsigned h = 0; h < nh; h++) {
				float *col = V.wt + (size_t)h * nvp + b;
				st4(col, ld4(col) + xv * g[h] + dv * y[h]);
			}
		}
	}
	return sqrtf(se / (float)nv);
}

/* A training step of any size (another hidden ratio, clusters beyond
 * KN_KMAX). */
static __attribute__((noinline)) float ae_generic(struct kitnet *kn,
    const struct kn_ae *ae)
{
	return ae_body(kn, ae, 1, ae->nv, ae->nh);
}

/* Scoring runs in three passes over the ensemble (score_all): every
 * autoencoder's normalisation (ae_norm_body), then every encoder and
 * sigmoid, then every decoder, sigmoid and error. Each autoencoder is one
 * long chain of dependent operations (gather, sums, the sigmoid's
 * polynomial and division, sums again): short independent pieces let the
 * CPU overlap one autoencoder's chain with the next ones', where one
 * autoencoder at a time waited on every latency (scoring took 2.3x as
 * long). Every autoencoder keeps its own slice of kn->bx, by, bd, so the
 * values and their order of operations are those of ae_body
 * (bit-identical scores). */
static inline __attribute__((always_inline)) void ae_enc_body(
    struct kitnet *kn, const struct kn_ae *ae, const float *x, float *y,
    const unsigned nv, const unsigned nh)
{
	const unsigned nhp = pad_h(nh);
	struct ae_view V = view_of(kn, ae);

#pragma GCC unroll 16
	for (unsigned b = 0; b < nhp; b += KN_HB) {
		kn_v4 acc = ld4(V.hb + b);
#pragma GCC unroll 16
		for (unsigned v = 0; v < nv; v++)
			acc += x[v] * ld4(V.w + (size_t)v * nhp + b);
		st4(y + b, sig4(acc));
	}
#pragma GCC unroll 16
	for (unsigned h = nh; h < nhp; h++)
		y[h] = 0;	/* padding units do not exist */
}

static inline __attribute__((always_inline)) float ae_dec_body(
    struct kitnet *kn, const struct kn_ae *ae, const float *x,
    const float *y, float *d, const unsigned nv, const unsigned nh)
{
	const unsigned nvp = pad_h(nv);
	struct ae_view V = view_of(kn, ae);
	float se = 0;

#pragma GCC unroll 16
	for (unsigned b = 0; b < nvp; b += KN_HB) {
		kn_v4 acc = ld4(V.vb + b);
#pragma GCC unroll 16
		for (unsigned h = 0; h < nh; h++)
			acc += y[h] * ld4(V.wt + (size_t)h * nvp + b);
		st4(d + b, ld4(x + b) - sig4(acc));
	}
#pragma GCC unroll 16
	for (unsigned v = 0; v < nv; v++)
		se += d[v] * d[v];
	return sqrtf(se / (float)nv);
}

/* Sizes with specialised kernels: nv = 1..KN_KMAX visible units with
 * nh = ceil(3 nv / 4) hidden ones (MODEL_HIDDEN_RATIO 0.75; the output
 * autoencoder's nv is the cluster count, usually 12..16). With the sizes
 * compile-time constants the loops unroll completely and the
 * accumulators stay in registers. */
#define KN_KMAX 20
#define KN_NH75(n) ((3u * (n) + 3u) / 4u)
typedef float (*ae_tfn)(struct kitnet *, const struct kn_ae *);
typedef void (*ae_nfn)(struct kitnet *, const struct kn_ae *,
    const double *, const uint16_t *, float *);
typedef void (*ae_efn)(struct kitnet *, const struct kn_ae *,
    const float *, float *);
typedef float (*ae_dfn)(struct kitnet *, const struct kn_ae *,
    const float *, const float *, float *);
#define KN_TABLE(p) {							\
	NULL, p##1, p##2, p##3, p##4, p##5, p##6, p##7, p##8, p##9, p##10,	\
	p##11, p##12, p##13, p##14, p##15, p##16, p##17, p##18, p##19,	\
	p##20 }
#define KN_SIZES(K)							\
	K(1) K(2) K(3) K(4) K(5) K(6) K(7) K(8) K(9) K(10) K(11) K(12)	\
	K(13) K(14) K(15) K(16) K(17) K(18) K(19) K(20)
/* ae_t: a training step on the normalised kn->sx; ae_n, ae_e, ae_d: the
 * three scoring passes. */
#define KN_K(n)								\
	static float ae_t##n(struct kitnet *kn, const struct kn_ae *ae)	\
	{ return ae_body(kn, ae, 1, n, KN_NH75(n)); }			\
	static void ae_n##n(struct kitnet *kn, const struct kn_ae *ae,	\
	    const double *xin, const uint16_t *m, float *x)		\
	{ ae_norm_body(kn, ae, xin, m, n, x); }				\
	static void ae_e##n(struct kitnet *kn, const struct kn_ae *ae,	\
	    const float *x, float *y)					\
	{ ae_enc_body(kn, ae, x, y, n, KN_NH75(n)); }			\
	static float ae_d##n(struct kitnet *kn, const struct kn_ae *ae,	\
	    const float *x, const float *y, float *d)			\
	{ return ae_dec_body(kn, ae, x, y, d, n, KN_NH75(n)); }
KN_SIZES(KN_K)
#undef KN_K
static const ae_tfn ae_tkern[KN_KMAX + 1] = KN_TABLE(ae_t);
static const ae_nfn ae_nkern[KN_KMAX + 1] = KN_TABLE(ae_n);
static const ae_efn ae_ekern[KN_KMAX + 1] = KN_TABLE(ae_e);
static const ae_dfn ae_dkern[KN_KMAX + 1] = KN_TABLE(ae_d);

/* The same passes for x86-64 CPUs with AVX2 (chosen at run time in
 * kitnet_set_map): the same lanewise operations in the same order on
 * eight floats at a time where a block of eight exists (else four), so
 * the scores are bit-identical to the SSE kernels' on any machine (no
 * FMA: target "avx2" does not enable it, and ISO C mode does not contract
 * a * b + c). The sigmoid is most of the scoring time; eight lanes per
 * instruction halve it. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KN_AVX2 1
#define KN_T8 __attribute__((target("avx2")))
typedef float kn_v8 __attribute__((vector_size(32)));
typedef int32_t kn_i8 __attribute__((vector_size(32)));

static inline KN_T8 kn_v8 ld8(const float *p)
{
	kn_v8 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline KN_T8 void st8(float *p, kn_v8 v)
{
	memcpy(p, &v, sizeof(v));
}

/* sig4 on eight lanes (see sig4 for the method; a NaN becomes -30) */
static inline KN_T8 kn_v8 sig8(kn_v8 v)
{
	const float l = KN_SIG_LIM, mg = KN_SIG_MAGIC;
	const kn_v8 lo = { -l, -l, -l, -l, -l, -l, -l, -l };
	const kn_v8 hi = { l, l, l, l, l, l, l, l };
	const kn_v8 magic = { mg, mg, mg, mg, mg, mg, mg, mg };
	const kn_v8 one = { 1, 1, 1, 1, 1, 1, 1, 1 };
	kn_i8 bits;
	kn_v8 scale;

	v = __builtin_ia32_minps256(__builtin_ia32_maxps256(v, lo), hi);
	kn_v8 t = v * KN_SIG_L2E;
	kn_v8 big = t + magic;
	kn_v8 nf = big - magic;
	kn_v8 h = (v + nf * KN_SIG_LN2_HI) + nf * KN_SIG_LN2_LO;
	kn_v8 h2 = h * h;
	kn_v8 p = KN_SIG_POLY(h, h2);
	memcpy(&bits, &big, sizeof(bits));
	bits = (bits + KN_SIG_BIAS) << 23;
	memcpy(&scale, &bits, sizeof(scale));
	return one / (one + p * scale);
}

static inline __attribute__((always_inline)) KN_T8 void ae_enc_body8(
    struct kitnet *kn, const struct kn_ae *ae, const float *x, float *y,
    const unsigned nv, const unsigned nh)
{
	const unsigned nhp = pad_h(nh);
	struct ae_view V = view_of(kn, ae);
	unsigned b;

#pragma GCC unroll 16
	for (b = 0; b + 8 <= nhp; b += 8) {
		kn_v8 acc = ld8(V.hb + b);
#pragma GCC unroll 16
		for (unsigned v = 0; v < nv; v++)
			acc += x[v] * ld8(V.w + (size_t)v * nhp + b);
		st8(y + b, sig8(acc));
	}
	if (b < nhp) {
		kn_v4 acc = ld4(V.hb + b);
#pragma GCC unroll 16
		for (unsigned v = 0; v < nv; v++)
			acc += x[v] * ld4(V.w + (size_t)v * nhp + b);
		st4(y + b, sig4(acc));
	}
#pragma GCC unroll 16
	for (unsigned h = nh; h < nhp; h++)
		y[h] = 0;
}

static inline __attribute__((always_inline)) KN_T8 float ae_dec_body8(
    struct kitnet *kn, const struct kn_ae *ae, const float *x,
    const float *y, float *d, const unsigned nv, const unsigned nh)
{
	const unsigned nvp = pad_h(nv);
	struct ae_view V = view_of(kn, ae);
	float se = 0;
	unsigned b;

#pragma GCC unroll 16
	for (b = 0; b + 8 <= nvp; b += 8) {
		kn_v8 acc = ld8(V.vb + b);
#pragma GCC unroll 16
		for (unsigned h = 0; h < nh; h++)
			acc += y[h] * ld8(V.wt + (size_t)h * nvp + b);
		st8(d + b, ld8(x + b) - sig8(acc));
	}
	if (b < nvp) {
		kn_v4 acc = ld4(V.vb + b);
#pragma GCC unroll 16
		for (unsigned h = 0; h < nh; h++)
			acc += y[h] * ld4(V.wt + (size_t)h * nvp + b);
		st4(d + b, ld4(x + b) - sig4(acc));
	}
#pragma GCC unroll 16
	for (unsigned v = 0; v < nv; v++)
		se += d[v] * d[v];
	return sqrtf(se / (float)nv);
}

#define KN_K8(n)							\
	static KN_T8 void ae_ea##n(struct kitnet *kn,			\
	    const struct kn_ae *ae, const float *x, float *y)		\
	{ ae_enc_body8(kn, ae, x, y, n, KN_NH75(n)); }			\
	static KN_T8 float ae_da##n(struct kitnet *kn,			\
	    const struct kn_ae *ae, const float *x, const float *y,	\
	    float *d)							\
	{ return ae_dec_body8(kn, ae, x, y, d, n, KN_NH75(n)); }
KN_SIZES(KN_K8)
#undef KN_K8
static const ae_efn ae_eakern[KN_KMAX + 1] = KN_TABLE(ae_ea);
static const ae_dfn ae_dakern[KN_KMAX + 1] = KN_TABLE(ae_da);
#endif

/* The widest kernels this CPU runs: 2 AVX-512F, 1 AVX2, 0 neither (see
 * struct kitnet's simd). */
static int kn_isa(void)
{
#ifdef KN_AVX2
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return 2;
	return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
	return 0;
#endif
}

static int ae_special(const struct kn_ae *ae)
{
	return ae->nv <= KN_KMAX && ae->nh == KN_NH75(ae->nv);
}

/* A training step (kn->sx already normalised by ae_norm). */
static float ae_train(struct kitnet *kn, const struct kn_ae *ae)
{
	if (ae_special(ae))
		return ae_tkern[ae->nv](kn, ae);
	return ae_generic(kn, ae);
}

/* Any size: the passes with the sizes at run time. */
static void ae_nrm_gen(struct kitnet *kn, const struct kn_ae *ae,
    const double *xin, const uint16_t *m, float *x)
{
	ae_norm_body(kn, ae, xin, m, ae->nv, x);
}

static void ae_enc_gen(struct kitnet *kn, const struct kn_ae *ae,
    const float *x, float *y)
{
	ae_enc_body(kn, ae, x, y, ae->nv, ae->nh);
}

static float ae_dec_gen(struct kitnet *kn, const struct kn_ae *ae,
    const float *x, const float *y, float *d)
{
	return ae_dec_body(kn, ae, x, y, d, ae->nv, ae->nh);
}

/* Per autoencoder, chosen once (kitnet_set_map): its three scoring passes
 * (pass 1: normalise the raw inputs, through the map or from the
 * ensemble RMSEs kn->s1, into x; pass 2: encode x into y; pass 3: decode
 * y, the errors x - z into d, returning the RMSE) for SSE [0] and AVX2
 * [1], and its slices of kn->bx / bd (ox) and kn->by (oy). */
struct kn_plan {
	ae_nfn nrm;
	ae_efn enc[2];
	ae_dfn dec[2];
	size_t ox, oy;
};

static struct kn_plan *plan_new(const struct kitnet *kn, unsigned nclust)
{
	struct kn_plan *pl = ew_calloc(nclust + 1u, sizeof(*pl));
	size_t ox = 0, oy = 0;

	if (!pl)
		return NULL;
	for (unsigned c = 0; c <= nclust; c++) {
		const struct kn_ae *ae = c < nclust ? &kn->ens[c] : &kn->out;
		struct kn_plan *p = &pl[c];
		if (ae_special(ae)) {
			p->nrm = ae_nkern[ae->nv];
			p->enc[0] = p->enc[1] = ae_ekern[ae->nv];
			p->dec[0] = p->dec[1] = ae_dkern[ae->nv];
#ifdef KN_AVX2
			p->enc[1] = ae_eakern[ae->nv];
			p->dec[1] = ae_dakern[ae->nv];
#endif
		} else {
			p->nrm = ae_nrm_gen;
			p->enc[0] = p->enc[1] = ae_enc_gen;
			p->dec[0] = p->dec[1] = ae_dec_gen;
		}
		p->ox = ox;
		p->oy = oy;
		ox += pad_h(ae->nv);
		oy += ae->nhp;
	}
	return pl;
}

/* ---- the ensemble side by side ----------------------------------------
 *
 * The ensemble's autoencoders are many small, independent networks of
 * nearly the same size (clusters of up to m features). One autoencoder at
 * a time, a 10-input network fills a 4- or 8-float register only in part
 * and pays a broadcast per product, a sigmoid per block of units and a
 * call per pass. Instead the ensemble is kept side by side: KN_L
 * autoencoders form a group, autoencoder c of the group lives in lane c
 * of every vector, and a vector holds one parameter (W[v][h], a bias, a
 * min, ...) of KN_L autoencoders at once. A group computes its KN_L
 * networks with one vector operation per step, no broadcasts and no
 * padding to blocks of units (with the output autoencoder, scoring went
 * from 1.4 to 2.8 M vectors/s in bench_model, training from 0.5 to 1.1 M).
 *
 * Every lane does exactly the operations of the per-autoencoder code
 * (ae_body, ae_norm_body, ae_norm) in the same order, so the scores and
 * the trained weights are bit-identical to it (tests/unit/test_model.c
 * compares the two paths). A group is as large as its largest member:
 * a smaller autoencoder's extra inputs and hidden units have weight 0,
 * input 0 and are masked out of the hidden units and the error, which
 * adds only exact zeros. The canonical per-autoencoder arena stays the
 * snapshot format (kitnet_params). */

#define KN_L 16
/* The helpers below take and return 64-byte vectors; they are all
 * inlined (static, always_inline), so the ABI GCC warns about is never
 * used. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef float kn_vf __attribute__((vector_size(4 * KN_L)));
typedef int32_t kn_vi __attribute__((vector_size(4 * KN_L)));

/* One group: clusters c0 .. c0 + n - 1 in lanes 0 .. n - 1; nv, nh the
 * largest sizes of the group; parameters and scratch as vectors (views
 * into kn->va_raw, 64-byte aligned): w[v * nh + h], hb[nh], vb[nv],
 * nmin/nmax/nsc[nv], the lane masks vm[nv] (input v exists) and hm[nh]
 * (hidden unit h exists), scratch r[nv] (normalised inputs), y[nh], d[nv]
 * (errors, kept for kitnet_explain), g[nh]; idx[nv * KN_L]: the feature
 * each input reads (0 for a lane's missing inputs). */
struct kn_grp {
	unsigned c0, n, nv, nh;
	uint16_t lnv[KN_L];
	kn_vf *w, *hb, *vb, *nmin, *nmax, *nsc, *r, *y, *d, *g;
	kn_vi *vm, *hm;
	int32_t *idx;
	kn_vf *fnv;		/* lane's nv as a float (1 for no cluster) */
};

#ifdef KN_AVX2
/* The kernels below need AVX-512F (16 float lanes); with AVX2 the
 * kv_*_256 ones after them run each group as two halves of eight lanes
 * (a 16-lane vector split into two ymm registers by the compiler spilled
 * and was slower than the per-autoencoder kernels). */
#define KN_T16 __attribute__((target("avx512f")))

static inline __attribute__((always_inline)) KN_T16 kn_vf kv_splat(float f)
{
	kn_vf v;

	for (unsigned l = 0; l < KN_L; l++)
		v[l] = f;
	return v;
}

/* v with the lanes where m is 0 set to +0 (macros, not functions: GCC
 * notes an ABI change for 64-byte vector parameters even when inlined) */
#define kv_and(v, m) ((kn_vf)((kn_vi)(v) & (m)))

/* clamp4 lanewise: maxps(v, lo) (a NaN becomes lo), then minps(v, hi),
 * the instructions clamp4 and sig8 use */
#define kv_clamp(v, lo, hi) ((kn_vf)_mm512_min_ps(_mm512_max_ps(	\
    (__m512)(v), (__m512)(lo)), (__m512)(hi)))

/* ae_norm's training normalisation of one input (min-max updated
 * first), in double as there. */
static inline float kv_norm1(double x,
    float *nmin, float *nmax, float *nsc)
{
	const double lo = -MODEL_NORM_CLAMP, hi = 1.0 + MODEL_NORM_CLAMP;
	double r;
	int moved = 0;

	if (!(x == x))
		x = *nmax >= *nmin ? *nmin : 0;
	if (x < *nmin) {
		*nmin = (float)x;
		moved = 1;
	}
	if (x > *nmax) {
		*nmax = (float)x;
		moved = 1;
	}
	if (moved) {
		double range = (double)*nmax - (double)*nmin;
		*nsc = (float)(1.0 / (range > 1e-12 ? range : 1e-12));
	}
	if (*nmax < *nmin)
		return 0;
	r = (x - (double)*nmin) * (double)*nsc;
	if (r < lo)
		r = lo;
	else if (r > hi)
		r = hi;
	return (float)r;
}

/* A training step's inputs: each lane's x[idx], normalised by ae_norm's
 * rule with the min-max updated first, into g->r (plain scalar code, the
 * same for either instruction set). */
static void kv_train_norm(const struct kn_grp *g, const double *x,
    const unsigned nv)
{
	for (unsigned v = 0; v < nv; v++) {
		const int32_t *ix = g->idx + (size_t)v * KN_L;
		float mn[KN_L], mx[KN_L], sc[KN_L], t[KN_L];
		memcpy(mn, &g->nmin[v], sizeof(mn));
		memcpy(mx, &g->nmax[v], sizeof(mx));
		memcpy(sc, &g->nsc[v], sizeof(sc));
		for (unsigned l = 0; l < KN_L; l++)
			t[l] = v < g->lnv[l] ? kv_norm1(x[ix[l]], &mn[l],
			    &mx[l], &sc[l]) : 0;
		memcpy(&g->nmin[v], mn, sizeof(mn));
		memcpy(&g->nmax[v], mx, sizeof(mx));
		memcpy(&g->nsc[v], sc, sizeof(sc));
		memcpy(&g->r[v], t, sizeof(t));
	}
}

/* Full unrolling where the sizes are constants (GCC; clang unrolls
 * such loops by itself and warns about the runtime-sized ones). */
#if defined(__clang__)
#define KV_UNROLL
#else
#define KV_UNROLL _Pragma("GCC unroll 32")
#endif

/* the specialised group size (see KV_KERNELS) */
#define KV_NV MODEL_MAX_AE
#define KV_NH ((unsigned)(MODEL_MAX_AE * MODEL_HIDDEN_RATIO + 0.999999))

/* sig4 lanewise on a[0 .. n), step by step in lockstep: each step of the
 * sigmoid's ~20 dependent operations is issued for all n vectors before
 * the next, so n independent chains are in flight at once (one sigmoid
 * after the other left the CPU waiting on each step's latency). */
static inline __attribute__((always_inline)) KN_T16 void kv_sig_n(kn_vf *a,
    const unsigned n)
{
	const kn_vf lo = kv_splat(-KN_SIG_LIM), hi = kv_splat(KN_SIG_LIM);
	const kn_vf magic = kv_splat(KN_SIG_MAGIC), one = kv_splat(1);
	const __m512i bias = _mm512_set1_epi32(KN_SIG_BIAS);

KV_UNROLL
	for (unsigned i = 0; i < n; i++) {
		kn_vf v = kv_clamp(a[i], lo, hi);
		kn_vf t = v * KN_SIG_L2E;
		kn_vf big = t + magic;
		kn_vf nf = big - magic;
		kn_vf h = (v + nf * KN_SIG_LN2_HI) + nf * KN_SIG_LN2_LO;
		kn_vf h2 = h * h;
		kn_vf p = KN_SIG_POLY(h, h2);
		kn_vf scale = (kn_vf)_mm512_castsi512_ps(_mm512_slli_epi32(
		    _mm512_add_epi32(_mm512_castps_si512((__m512)big), bias),
		    23));
		a[i] = one / (one + p * scale);
	}
}

/* The forward pass of a group on g->r: hidden units into g->y, errors
 * into g->d, each lane's RMSE into kn->s1 (ae_body's forward pass). nv
 * and nh are g's, as compile-time constants where a kernel is
 * specialised: the loops then unroll completely and the accumulators of
 * all units stay in registers. Every unit's sum still runs over its
 * inputs in order (the loops are only nested the other way round), so
 * the values are those of ae_body. */
static inline __attribute__((always_inline)) KN_T16 void kv_forward(
    struct kitnet *kn, const struct kn_grp *g, const unsigned nv,
    const unsigned nh)
{
	kn_vf se = kv_splat(0);

	if (nv <= KV_NV && nh <= KV_NV) {
		kn_vf acc[KV_NV] = { 0 };
KV_UNROLL
		for (unsigned h = 0; h < nh; h++)
			acc[h] = g->hb[h];
KV_UNROLL
		for (unsigned v = 0; v < nv; v++) {
			const kn_vf rv = g->r[v], *wr = g->w + v * nh;
KV_UNROLL
			for (unsigned h = 0; h < nh; h++)
				acc[h] += rv * wr[h];
		}
		kv_sig_n(acc, nh);
KV_UNROLL
		for (unsigned h = 0; h < nh; h++)
			g->y[h] = kv_and(acc[h], g->hm[h]);
KV_UNROLL
		for (unsigned v = 0; v < nv; v++)
			acc[v] = g->vb[v];
KV_UNROLL
		for (unsigned h = 0; h < nh; h++) {
			const kn_vf yh = g->y[h];
KV_UNROLL
			for (unsigned v = 0; v < nv; v++)
				acc[v] += yh * g->w[v * nh + h];
		}
		kv_sig_n(acc, nv);
KV_UNROLL
		for (unsigned v = 0; v < nv; v++) {
			kn_vf d = kv_and(g->r[v] - acc[v], g->vm[v]);
			g->d[v] = d;
			se += d * d;
		}
	} else {
		for (unsigned h = 0; h < nh; h++) {
			kn_vf acc = g->hb[h];
			for (unsigned v = 0; v < nv; v++)
				acc += g->r[v] * g->w[v * nh + h];
			kv_sig_n(&acc, 1);
			g->y[h] = kv_and(acc, g->hm[h]);
		}
		for (unsigned v = 0; v < nv; v++) {
			kn_vf acc = g->vb[v];
			const kn_vf *wr = g->w + v * nh;
			for (unsigned h = 0; h < nh; h++)
				acc += g->y[h] * wr[h];
			kv_sig_n(&acc, 1);
			kn_vf d = kv_and(g->r[v] - acc, g->vm[v]);
			g->d[v] = d;
			se += d * d;
		}
	}
	/* sqrtf(se / nv) lanewise: both correctly rounded, as the scalar
	 * instructions are */
	kn_vf rmse;
	__m512 q;
	memcpy(&q, &se, sizeof(q));
	q = _mm512_sqrt_ps(_mm512_div_ps(q, _mm512_load_ps((const float *)
	    g->fnv)));
	memcpy(&rmse, &q, sizeof(rmse));
	/* one whole-vector store (s1 has room for every group's KN_L
	 * lanes; the lanes past g->n hold 0 and are never read as an
	 * input): the output autoencoder reads it back right away, and a
	 * store of another size could not pass its data on to those
	 * loads */
	memcpy(kn->s1 + g->c0, &rmse, sizeof(rmse));
}

/* Scoring: the inputs gathered as floats into g->r (kv_gather_512),
 * normalised (ae_norm_body), the forward pass. */
static inline __attribute__((always_inline)) KN_T16 void kv_score_body(
    struct kitnet *kn, const struct kn_grp *g, const unsigned nv,
    const unsigned nh)
{
	const float c = (float)MODEL_NORM_CLAMP;
	const kn_vf lo = kv_splat(-c), hi = kv_splat(1 + c);

KV_UNROLL
	for (unsigned v = 0; v < nv; v++)
		g->r[v] = kv_clamp((g->r[v] - g->nmin[v]) * g->nsc[v], lo, hi);
	kv_forward(kn, g, nv, nh);
}

/* A training step of a group (ae_norm with updates, then ae_body with
 * train = 1): the missing inputs of a lane are 0 and their errors are
 * masked to 0, as ae_body zeroes its padding before the update. */
static inline __attribute__((always_inline)) KN_T16 void kv_train_body(
    struct kitnet *kn, const struct kn_grp *g, const double *x,
    const unsigned nv, const unsigned nh)
{
	const float lr = kn->lr;

	kv_train_norm(g, x, nv);
	kv_forward(kn, g, nv, nh);
	/* hidden error (W^T d) * y (1 - y) with the weights before the step */
KV_UNROLL
	for (unsigned h = 0; h < nh; h++) {
		kn_vf acc = kv_splat(0);
KV_UNROLL
		for (unsigned v = 0; v < nv; v++)
			acc += g->d[v] * g->w[v * nh + h];
		kn_vf yv = g->y[h];
		acc *= yv * (1.0f - yv);
		g->g[h] = acc;
		g->hb[h] = g->hb[h] + lr * acc;
	}
KV_UNROLL
	for (unsigned v = 0; v < nv; v++) {
		kn_vf *wr = g->w + v * nh;
		const kn_vf xv = lr * g->r[v], dv = lr * g->d[v];
KV_UNROLL
		for (unsigned h = 0; h < nh; h++)
			wr[h] = wr[h] + xv * g->g[h] + dv * g->y[h];
		g->vb[v] += dv;
	}
}

/* The kernels of one instruction set: a group's score and training step,
 * specialised for the default group size (m = MODEL_MAX_AE inputs, the
 * default hidden ratio; a group is as large as its largest cluster, which
 * the mapper fills up to m), any size otherwise: score and train are the
 * bodies, (kn, g, x, nv, nh). */
#define KV_KERNELS(sfx, attr, score, train)				\
	static attr void kv_score_##sfx(struct kitnet *kn,		\
	    const struct kn_grp *g, const double *x)			\
	{								\
		if (g->nv == KV_NV && g->nh == KV_NH)			\
			score(kn, g, x, KV_NV, KV_NH);			\
		else							\
			score(kn, g, x, g->nv, g->nh);			\
	}								\
	static attr void kv_train_##sfx(struct kitnet *kn,		\
	    const struct kn_grp *g, const double *x)			\
	{								\
		if (g->nv == KV_NV && g->nh == KV_NH)			\
			train(kn, g, x, KV_NV, KV_NH);			\
		else							\
			train(kn, g, x, g->nv, g->nh);			\
	}


/* A group's inputs, (float)x[idx] lanewise into g->r: two gathers of
 * eight doubles per input, converted as the C cast does (round to
 * nearest). Straight from the vector, not from a float copy of it made
 * just before: a gather cannot take its data from stores still in
 * flight, so it waited for the copy's. */
static inline __attribute__((always_inline)) KN_T16 void kv_gather_512(
    const struct kn_grp *g, const double *x)
{
	for (unsigned v = 0; v < g->nv; v++) {
		__m512i ix = _mm512_load_si512((const void *)(g->idx +
		    (size_t)v * KN_L));
		__m256 lo = _mm512_cvtpd_ps(_mm512_i32gather_pd(
		    _mm512_castsi512_si256(ix), x, 8));
		__m256 hi = _mm512_cvtpd_ps(_mm512_i32gather_pd(
		    _mm512_extracti64x4_epi64(ix, 1), x, 8));
		__m512i r = _mm512_inserti64x4(_mm512_castsi256_si512(
		    _mm256_castps_si256(lo)), _mm256_castps_si256(hi), 1);
		_mm512_store_si512((void *)&g->r[v], r);
	}
}

/* kv_score_body on the group's inputs gathered from x */
static inline __attribute__((always_inline)) KN_T16 void kv_score512_body(
    struct kitnet *kn, const struct kn_grp *g, const double *x,
    const unsigned nv, const unsigned nh)
{
	kv_gather_512(g, x);
	kv_score_body(kn, g, nv, nh);
}

KV_KERNELS(512, KN_T16, kv_score512_body, kv_train_body)

/* The same group kernels for CPUs with AVX2 but not AVX-512F: a group's
 * 16 lanes as two halves of eight, one after the other (each 64-byte
 * vector of the group holds half 0 in its first 32 bytes). A half does
 * its lanes' operations in the same order as the 16-lane kernels, so the
 * scores and the trained weights are the same bits on either machine;
 * eight lanes keep a cluster's accumulators in the sixteen ymm registers,
 * which one 16-lane vector split in two did not. */
typedef float kn_h8 __attribute__((vector_size(32), may_alias));
typedef int32_t kn_hi8 __attribute__((vector_size(32), may_alias));
/* a group's vector array p as 8-lane vectors from half h on: element
 * i's half h is then at [2 * i] */
#define KH(p, h) ((kn_h8 *)(void *)(p) + (h))
#define KHI(p, h) ((const kn_hi8 *)(const void *)(p) + (h))
#define kh_and(v, m) ((kn_h8)((kn_hi8)(v) & (m)))

/* acc[o] = b[o] + sum over i of in[i] * w[i * si + o * so], the sum in
 * input order (o < no, i < ni; every array a half's, stride 2): the
 * encoder with (si, so) = (nh, 1), the decoder with (1, nh). */
static inline __attribute__((always_inline)) KN_T8 void kh_layer(
    kn_h8 *acc, const kn_h8 *b, const kn_h8 *in, const kn_h8 *w,
    const unsigned no, const unsigned ni, const unsigned si,
    const unsigned so)
{
KV_UNROLL
	for (unsigned o = 0; o < no; o++)
		acc[o] = b[2 * o];
KV_UNROLL
	for (unsigned i = 0; i < ni; i++) {
		const kn_h8 x = in[2 * i];
KV_UNROLL
		for (unsigned o = 0; o < no; o++)
			acc[o] += x * w[2 * (i * si + o * so)];
	}
}

static inline __attribute__((always_inline)) KN_T8 void kh_forward(
    struct kitnet *kn, const struct kn_grp *g, const unsigned half,
    const unsigned nv, const unsigned nh)
{
	const kn_h8 *w = KH(g->w, half), *hb = KH(g->hb, half),
	    *vb = KH(g->vb, half), *r = KH(g->r, half);
	const kn_hi8 *hm = KHI(g->hm, half), *vm = KHI(g->vm, half);
	kn_h8 *y = KH(g->y, half), *d = KH(g->d, half);
	kn_h8 se = { 0 };

	if (nv <= KV_NV && nh <= KV_NV) {
		kn_h8 acc[KV_NV] = { 0 };
		kh_layer(acc, hb, r, w, nh, nv, nh, 1);
KV_UNROLL
		for (unsigned h = 0; h < nh; h++)
			y[2 * h] = kh_and(sig8(acc[h]), hm[2 * h]);
		kh_layer(acc, vb, y, w, nv, nh, 1, nh);
KV_UNROLL
		for (unsigned v = 0; v < nv; v++) {
			kn_h8 e = kh_and(r[2 * v] - sig8(acc[v]), vm[2 * v]);
			d[2 * v] = e;
			se += e * e;
		}
	} else {
		for (unsigned h = 0; h < nh; h++) {
			kn_h8 acc = hb[2 * h];
			for (unsigned v = 0; v < nv; v++)
				acc += r[2 * v] * w[2 * (v * nh + h)];
			y[2 * h] = kh_and(sig8(acc), hm[2 * h]);
		}
		for (unsigned v = 0; v < nv; v++) {
			kn_h8 acc = vb[2 * v];
			for (unsigned h = 0; h < nh; h++)
				acc += y[2 * h] * w[2 * (v * nh + h)];
			kn_h8 e = kh_and(r[2 * v] - sig8(acc), vm[2 * v]);
			d[2 * v] = e;
			se += e * e;
		}
	}
	/* sqrtf(se / nv) lanewise, both correctly rounded */
	__m256 q;
	memcpy(&q, &se, sizeof(q));
	q = _mm256_sqrt_ps(_mm256_div_ps(q, _mm256_load_ps((const float *)
	    g->fnv + 8 * half)));
	memcpy(kn->s1 + g->c0 + 8 * half, &q, sizeof(q));
}

static inline __attribute__((always_inline)) KN_T8 void kh_score_body(
    struct kitnet *kn, const struct kn_grp *g, const double *x,
    const unsigned nv, const unsigned nh)
{
	const float c = (float)MODEL_NORM_CLAMP;
	const kn_h8 lo = { -c, -c, -c, -c, -c, -c, -c, -c };
	const kn_h8 hi = { 1 + c, 1 + c, 1 + c, 1 + c, 1 + c, 1 + c, 1 + c,
	    1 + c };

	for (unsigned half = 0; half < 2; half++) {
		const kn_h8 *mn = KH(g->nmin, half), *sc = KH(g->nsc, half);
		kn_h8 *r = KH(g->r, half);
		if (half * 8 >= g->n)
			break;
		/* (float)x[idx] as the C cast rounds, four doubles a gather */
KV_UNROLL
		for (unsigned v = 0; v < nv; v++) {
			const int32_t *ix = g->idx + (size_t)v * KN_L +
			    8 * half;
			__m128i i0, i1;
			memcpy(&i0, ix, sizeof(i0));
			memcpy(&i1, ix + 4, sizeof(i1));
			__m128 f0 = _mm256_cvtpd_ps(_mm256_i32gather_pd(x, i0,
			    8));
			__m128 f1 = _mm256_cvtpd_ps(_mm256_i32gather_pd(x, i1,
			    8));
			kn_h8 t = (kn_h8)_mm256_set_m128(f1, f0);
			t = (t - mn[2 * v]) * sc[2 * v];
			r[2 * v] = (kn_h8)__builtin_ia32_minps256(
			    __builtin_ia32_maxps256((__m256)t, (__m256)lo),
			    (__m256)hi);
		}
		kh_forward(kn, g, half, nv, nh);
	}
}

/* kv_train_body's step: the shared normalisation, then per half the
 * forward pass and the update. */
static inline __attribute__((always_inline)) KN_T8 void kh_train_body(
    struct kitnet *kn, const struct kn_grp *g, const double *x,
    const unsigned nv, const unsigned nh)
{
	const float lr = kn->lr;

	kv_train_norm(g, x, nv);
	for (unsigned half = 0; half < 2; half++) {
		kn_h8 *w = KH(g->w, half), *hb = KH(g->hb, half),
		    *vb = KH(g->vb, half), *gr = KH(g->g, half);
		const kn_h8 *r = KH(g->r, half), *y = KH(g->y, half),
		    *d = KH(g->d, half);
		if (half * 8 >= g->n)
			break;
		kh_forward(kn, g, half, nv, nh);
KV_UNROLL
		for (unsigned h = 0; h < nh; h++) {
			kn_h8 acc = { 0 };
KV_UNROLL
			for (unsigned v = 0; v < nv; v++)
				acc += d[2 * v] * w[2 * (v * nh + h)];
			kn_h8 yv = y[2 * h];
			acc *= yv * (1.0f - yv);
			gr[2 * h] = acc;
			hb[2 * h] = hb[2 * h] + lr * acc;
		}
KV_UNROLL
		for (unsigned v = 0; v < nv; v++) {
			const kn_h8 xv = lr * r[2 * v], dv = lr * d[2 * v];
KV_UNROLL
			for (unsigned h = 0; h < nh; h++)
				w[2 * (v * nh + h)] = w[2 * (v * nh + h)] +
				    xv * gr[2 * h] + dv * y[2 * h];
			vb[2 * v] += dv;
		}
	}
}

KV_KERNELS(256, KN_T8, kh_score_body, kh_train_body)
#endif

/* The groups and their memory (kitnet_set_map). */
static int kv_build(struct kitnet *kn)
{
	unsigned nc = kn->nclust, ng = (nc + KN_L - 1) / KN_L;
	size_t vecs = 0;

	kn->grp = ew_calloc(ng, sizeof(struct kn_grp));
	if (!kn->grp)
		return -1;
	kn->ngrp = ng;
	for (unsigned k = 0; k < ng; k++) {
		struct kn_grp *g = &kn->grp[k];
		g->c0 = k * KN_L;
		g->n = nc - g->c0 < KN_L ? nc - g->c0 : KN_L;
		for (unsigned l = 0; l < g->n; l++) {
			const struct kn_ae *ae = &kn->ens[g->c0 + l];
			g->lnv[l] = (uint16_t)ae->nv;
			if (ae->nv > g->nv)
				g->nv = ae->nv;
			if (ae->nh > g->nh)
				g->nh = ae->nh;
		}
		vecs += (size_t)g->nv * g->nh + 4u * g->nh + 8u * g->nv + 1;
	}
	kn->va_raw = ew_calloc(vecs * sizeof(kn_vf) + 64, 1);
	if (!kn->va_raw)
		return -1;
	char *raw = kn->va_raw;	/* the first 64-byte boundary in it */
	kn_vf *p = (kn_vf *)(void *)(raw + ((64u - ((uintptr_t)raw & 63u)) &
	    63u));
	for (unsigned k = 0; k < ng; k++) {
		struct kn_grp *g = &kn->grp[k];
		const unsigned nv = g->nv, nh = g->nh;
		g->w = p;
		p += (size_t)nv * nh;
		g->hb = p;
		p += nh;
		g->y = p;
		p += nh;
		g->g = p;
		p += nh;
		g->hm = (kn_vi *)p;
		p += nh;
		g->vb = p;
		p += nv;
		g->nmin = p;
		p += nv;
		g->nmax = p;
		p += nv;
		g->nsc = p;
		p += nv;
		g->r = p;
		p += nv;
		g->d = p;
		p += nv;
		g->vm = (kn_vi *)p;
		p += nv;
		g->idx = (int32_t *)p;
		p += nv;
		g->fnv = p;
		p++;
		for (unsigned l = 0; l < KN_L; l++)
			(*g->fnv)[l] = l < g->n ? (float)g->lnv[l] : 1.0f;
		for (unsigned l = 0; l < g->n; l++) {
			const unsigned c = g->c0 + l;
			const struct kn_ae *ae = &kn->ens[c];
			for (unsigned v = 0; v < ae->nv; v++) {
				g->vm[v][l] = -1;
				g->idx[(size_t)v * KN_L + l] =
				    kn->map[kn->cstart[c] + v];
			}
			for (unsigned h = 0; h < ae->nh; h++)
				g->hm[h][l] = -1;
		}
	}
	return 0;
}

/* Arena (canonical, per autoencoder) -> groups: every lane's parameters;
 * what lies beyond a lane's sizes is 0. */
static void kv_import(struct kitnet *kn)
{
	for (unsigned k = 0; k < kn->ngrp; k++) {
		struct kn_grp *g = &kn->grp[k];
		const unsigned nv = g->nv, nh = g->nh;
		memset(g->w, 0, (size_t)nv * nh * sizeof(kn_vf));
		memset(g->hb, 0, nh * sizeof(kn_vf));
		memset(g->vb, 0, nv * sizeof(kn_vf));
		memset(g->nmin, 0, nv * sizeof(kn_vf));
		memset(g->nmax, 0, nv * sizeof(kn_vf));
		memset(g->nsc, 0, nv * sizeof(kn_vf));
		for (unsigned l = 0; l < g->n; l++) {
			const struct kn_ae *ae = &kn->ens[g->c0 + l];
			struct ae_view V = view_of(kn, ae);
			for (unsigned v = 0; v < ae->nv; v++) {
				for (unsigned h = 0; h < ae->nh; h++)
					g->w[v * nh + h][l] =
					    V.w[(size_t)v * ae->nhp + h];
				g->vb[v][l] = V.vb[v];
				g->nmin[v][l] = V.nmin[v];
				g->nmax[v][l] = V.nmax[v];
				g->nsc[v][l] = V.nsc[v];
			}
			for (unsigned h = 0; h < ae->nh; h++)
				g->hb[h][l] = V.hb[h];
		}
	}
}

/* Groups -> an arena image out (arena_len floats): the arena with the
 * ensemble's parameters as the side-by-side kernels left them (the
 * padding as the per-autoencoder code keeps it: untouched). */
static void kv_export(const struct kitnet *kn, float *out)
{
	if (out != kn->arena)
		memcpy(out, kn->arena, kn->arena_len * sizeof(float));
	for (unsigned k = 0; k < kn->ngrp; k++) {
		const struct kn_grp *g = &kn->grp[k];
		const unsigned nh = g->nh;
		for (unsigned l = 0; l < g->n; l++) {
			const struct kn_ae *ae = &kn->ens[g->c0 + l];
			struct ae_view V = view_of(kn, ae);
			const size_t o = ae->off;
			const size_t ow = o, ohb = (size_t)(V.hb - kn->arena),
			    ovb = (size_t)(V.vb - kn->arena),
			    omn = (size_t)(V.nmin - kn->arena),
			    omx = (size_t)(V.nmax - kn->arena),
			    osc = (size_t)(V.nsc - kn->arena),
			    owt = (size_t)(V.wt - kn->arena);
			for (unsigned v = 0; v < ae->nv; v++) {
				for (unsigned h = 0; h < ae->nh; h++) {
					float w = g->w[v * nh + h][l];
					out[ow + (size_t)v * ae->nhp + h] = w;
					out[owt + (size_t)h * V.nvp + v] = w;
				}
				out[ovb + v] = g->vb[v][l];
				out[omn + v] = g->nmin[v][l];
				out[omx + v] = g->nmax[v][l];
				out[osc + v] = g->nsc[v][l];
			}
			for (unsigned h = 0; h < ae->nh; h++)
				out[ohb + h] = g->hb[h][l];
		}
	}
}

static double train_all(struct kitnet *kn, const double *x)
{
	unsigned nc = kn->nclust;

#ifdef KN_AVX2
	for (unsigned k = 0; kn->side && k < kn->ngrp; k++) {
		if (kn->simd == 2)
			kv_train_512(kn, &kn->grp[k], x);
		else
			kv_train_256(kn, &kn->grp[k], x);
	}
#endif
	for (unsigned c = 0; !kn->side && c < nc; c++) {
		const struct kn_ae *ae = &kn->ens[c];
		const uint16_t *m = kn->map + kn->cstart[c];
		for (unsigned v = 0; v < ae->nv; v++)
			kn->sr[v] = x[m[v]];
		ae_norm(kn, ae, kn->sr, 1);
		kn->s1[c] = ae_train(kn, ae);
	}
	for (unsigned c = 0; c < nc; c++)
		kn->sr[c] = kn->s1[c];
	ae_norm(kn, &kn->out, kn->sr, 1);
	float s = ae_train(kn, &kn->out);
	kn->trained++;
	return (double)s;
}

static double score_all(struct kitnet *kn, const double *x,
    double *contrib, double *ferr)
{
	const unsigned nc = kn->nclust, k = kn->simd ? 1u : 0u;
	const struct kn_plan *pl = kn->plan;
	float *bx = kn->bx, *by = kn->by, *bd = kn->bd;

	if (kn->side) {
#ifdef KN_AVX2
		for (unsigned g = 0; g < kn->ngrp; g++) {
			if (kn->simd == 2)
				kv_score_512(kn, &kn->grp[g], x);
			else
				kv_score_256(kn, &kn->grp[g], x);
		}
#endif
		goto out;
	}
	for (unsigned c = 0; c < nc; c++)
		pl[c].nrm(kn, &kn->ens[c], x, kn->map + kn->cstart[c],
		    bx + pl[c].ox);
	for (unsigned c = 0; c < nc; c++)
		pl[c].enc[k](kn, &kn->ens[c], bx + pl[c].ox, by + pl[c].oy);
	for (unsigned c = 0; c < nc; c++)
		kn->s1[c] = pl[c].dec[k](kn, &kn->ens[c], bx + pl[c].ox,
		    by + pl[c].oy, bd + pl[c].ox);
	if (ferr) {
		for (unsigned c = 0; c < nc; c++) {
			const uint16_t *m = kn->map + kn->cstart[c];
			const float *d = bd + pl[c].ox;
			for (unsigned v = 0; v < kn->ens[c].nv; v++)
				ferr[m[v]] = (double)d[v] * d[v];
		}
	}
out:
	if (ferr && kn->side) {
		for (unsigned c = 0; c < nc; c++) {
			const struct kn_grp *g = &kn->grp[c / KN_L];
			const unsigned l = c % KN_L;
			const uint16_t *m = kn->map + kn->cstart[c];
			for (unsigned v = 0; v < kn->ens[c].nv; v++)
				ferr[m[v]] = (double)g->d[v][l] * g->d[v][l];
		}
	}
	const struct kn_plan *po = &pl[nc];
	po->nrm(kn, &kn->out, NULL, NULL, bx + po->ox);
	po->enc[k](kn, &kn->out, bx + po->ox, by + po->oy);
	float s = po->dec[k](kn, &kn->out, bx + po->ox, by + po->oy,
	    bd + po->ox);
	if (contrib) {
		const float *d = bd + po->ox;
		for (unsigned c = 0; c < nc; c++)
			contrib[c] = (double)d[c] * d[c];
	}
	return (double)s;
}

static double run_all(struct kitnet *kn, const double *x, int train,
    double *contrib, double *ferr)
{
	if (!kn->nclust)
		return 0;
	if (train)
		return train_all(kn, x);
	return score_all(kn, x, contrib, ferr);
}

double kitnet_train(struct kitnet *kn, const double *x)
{
	return run_all(kn, x, 1, NULL, NULL);
}

double kitnet_score(struct kitnet *kn, const double *x)
{
	return run_all(kn, x, 0, NULL, NULL);
}

double kitnet_explain(struct kitnet *kn, const double *x, double *contrib,
    double *ferr)
{
	return run_all(kn, x, 0, contrib, ferr);
}

void kitnet_params(const struct kitnet *kn, float *out)
{
	if (kn->side)
		kv_export(kn, out);
	else
		memcpy(out, kn->arena, kn->arena_len * sizeof(float));
}

void kitnet_params_loaded(struct kitnet *kn)
{
	if (kn->nclust)
		kv_import(kn);
}

void kitnet_reference(struct kitnet *kn, int on)
{
	if (!kn->nclust || !kn->grp || (on ? !kn->side : kn->side))
		return;
	if (on)
		kv_export(kn, kn->arena);
	else
		kv_import(kn);
	kn->side = (uint8_t)!on;
}

/* Each implementation on whole vectors, the tail padded with 0 (for the
 * per-lane results only the lane's own input matters). */
#ifdef KN_AVX2
static KN_T8 void sig_run8(const float *in, unsigned n, float *out)
{
	for (unsigned i = 0; i < n; i += 8) {
		float b[8] = { 0 };
		unsigned k = n - i < 8 ? n - i : 8;
		memcpy(b, in + i, k * sizeof(float));
		st8(b, sig8(ld8(b)));
		memcpy(out + i, b, k * sizeof(float));
	}
}

static KN_T16 void sig_run16(const float *in, unsigned n, float *out)
{
	for (unsigned i = 0; i < n; i += KN_L) {
		kn_vf b = kv_splat(0);
		unsigned k = n - i < KN_L ? n - i : KN_L;
		memcpy(&b, in + i, k * sizeof(float));
		kv_sig_n(&b, 1);
		memcpy(out + i, &b, k * sizeof(float));
	}
}
#endif

unsigned kitnet_sigmoid(const float *in, unsigned n, float *out4,
    float *out8, float *out16)
{
	unsigned ran = 1;

	for (unsigned i = 0; i < n; i += 4) {
		float b[4] = { 0 };
		unsigned k = n - i < 4 ? n - i : 4;
		memcpy(b, in + i, k * sizeof(float));
		st4(b, sig4(ld4(b)));
		memcpy(out4 + i, b, k * sizeof(float));
	}
#ifdef KN_AVX2
	int isa = kn_isa();
	if (isa >= 1) {
		sig_run8(in, n, out8);
		ran |= 2;
	}
	if (isa >= 2) {
		sig_run16(in, n, out16);
		ran |= 4;
	}
#else
	(void)out8;
	(void)out16;
#endif
	return ran;
}
