/* kitnet.h - KitNET: a feature mapper plus an ensemble of small
 * autoencoders and an output autoencoder (Mirsky et al., NDSS 2018),
 * written from the published method. Internal to src/model/.
 *
 * Life cycle: kitnet_new() -> kitnet_fm_update() for every vector of the
 * feature-mapper grace period -> kitnet_fm_finish() (clusters the features
 * by correlation distance, no cluster larger than m, and allocates the
 * autoencoders) -> kitnet_train() during the training grace period ->
 * kitnet_score() afterwards (kitnet_train() may still be called).
 *
 * All parameters live in one contiguous float arena (no allocation per
 * vector); the per-vector cost is a few thousand multiply-adds. The
 * ensemble's autoencoders run side by side, KN_L of them in the lanes of
 * one vector (kitnet.c), with their live parameters in that layout; the
 * arena's canonical per-autoencoder layout is the snapshot format
 * (kitnet_params, kitnet_params_loaded). */
#ifndef EW_KITNET_H
#define EW_KITNET_H

#include <stddef.h>
#include <stdint.h>

/* Hidden layers are padded to a multiple of KN_HB units (weights of the
 * padding stay 0 and its activations are forced to 0), so the inner loops
 * run over fixed blocks the compiler turns into SIMD at -O2. */
#define KN_HB 4

/* One autoencoder with tied weights: nv visible, nh hidden units (nhp
 * and nvp with padding). Its parameters are views into the kitnet arena,
 * in this order: w[nv*nhp] (row v holds the weights of visible unit v),
 * hb[nhp], vb[nvp], nmin[nvp], nmax[nvp], nscale[nvp] (1 / (max - min)),
 * wt[nhp*nvp] (w transposed, kept identical, for the decoder). */
struct kn_ae {
	unsigned nv, nh, nhp;
	size_t off;			/* offset of w in the arena (floats) */
};


struct kn_plan;		/* scoring dispatch per autoencoder (kitnet.c) */
struct kn_grp;		/* KN_L autoencoders side by side (kitnet.c) */

struct kitnet {
	unsigned nfeat, max_ae;
	float lr;
	double hidden_ratio;
	uint64_t rng;

	/* feature mapper statistics (freed by kitnet_fm_finish) */
	uint64_t fm_n;
	double *fm_mean;		/* nfeat */
	double *fm_co;			/* nfeat x nfeat co-moments */

	/* the map: cluster c holds features map[cstart[c] .. cstart[c+1]) */
	unsigned nclust;		/* 0 until the map exists */
	uint16_t *map;			/* nfeat */
	uint16_t *cstart;		/* nclust + 1 */

	struct kn_ae *ens;		/* nclust */
	struct kn_ae out;
	float *arena;
	size_t arena_len;		/* floats */

	/* scratch, sized for the largest autoencoder */
	float *sx, *sy, *sz, *sd, *s1;	/* s1: nclust ensemble RMSEs */
	double *sr;			/* raw inputs of one autoencoder */
	float *bx, *by, *bd;		/* scoring: inputs, hidden units and
					 * errors of every autoencoder (padded
					 * slices, ensemble order, then the
					 * output autoencoder) */
	unsigned maxv;			/* largest nv over all autoencoders */
	uint64_t trained;		/* vectors given to kitnet_train */
	uint8_t simd;			/* the CPU's widest: 2 AVX-512F, 1
					 * AVX2 (both run the ensemble side
					 * by side), 0 SSE; every kernel
					 * gives the same results bit for
					 * bit */
	uint8_t side;			/* 1: the ensemble runs side by side
					 * (its parameters live in grp, the
					 * arena's copy is stale); 0: the
					 * per-autoencoder reference path
					 * (kitnet_reference) */
	struct kn_plan *plan;		/* nclust + 1 (the output last) */
	unsigned ngrp;			/* ceil(nclust / KN_L) */
	struct kn_grp *grp;
	void *va_raw;			/* the groups' vectors (unaligned
					 * allocation) */
};

/* nfeat in 1..65535, max_ae >= 1, lr > 0, 0 < hidden_ratio <= 1. NULL on
 * bad arguments or allocation failure. */
struct kitnet *kitnet_new(unsigned nfeat, unsigned max_ae, double lr,
    double hidden_ratio, uint64_t seed);
void kitnet_free(struct kitnet *kn);	/* NULL is a no-op */

/* Feature-mapper grace period: accumulate correlations (O(nfeat^2)). */
void kitnet_fm_update(struct kitnet *kn, const double *x);
/* Build the map from the statistics and the autoencoders. 0 or -1
 * (allocation failure). */
int kitnet_fm_finish(struct kitnet *kn);
/* Use a given map instead (snapshot loading, tests): nclust clusters,
 * map[] a permutation of 0..nfeat-1, cstart[0] = 0, cstart[nclust] = nfeat,
 * sizes 1..max_ae. Allocates the autoencoders with fresh weights. 0 or -1
 * (bad map or allocation failure). */
int kitnet_set_map(struct kitnet *kn, unsigned nclust, const uint16_t *map,
    const uint16_t *cstart);

/* 1 once the map exists (training and scoring allowed). */
int kitnet_ready(const struct kitnet *kn);

/* One online SGD step on x (updates normalisation and weights); returns
 * the score x had before the update. 0 when not ready. */
double kitnet_train(struct kitnet *kn, const double *x);
/* The anomaly score of x (output autoencoder RMSE). 0 when not ready. */
double kitnet_score(struct kitnet *kn, const double *x);

/* Why x scored high: the contribution of each cluster to the output
 * autoencoder's squared error into contrib[nclust], and each feature's
 * squared reconstruction error inside its autoencoder into ferr[nfeat].
 * Returns the score. */
double kitnet_explain(struct kitnet *kn, const double *x, double *contrib,
    double *ferr);

/* The parameters in the arena's canonical layout (struct kn_ae; the
 * snapshot format) into out[arena_len], for a ready kitnet. */
void kitnet_params(const struct kitnet *kn, float *out);
/* After writing canonical parameters into kn->arena (snapshot loading):
 * make them the live ones. */
void kitnet_params_loaded(struct kitnet *kn);
/* Tests: on = 1 switches a ready kitnet to the per-autoencoder reference
 * path (the ensemble one autoencoder at a time, parameters live in the
 * arena), 0 back to the side-by-side kernels; the parameters move
 * along. Both give the same scores and weights bit for bit. */
void kitnet_reference(struct kitnet *kn, int on);
/* Tests: the model's logistic function on in[0..n) by each of its
 * implementations: the 4-lane one (every CPU) into out4, the AVX2 one
 * into out8 and the AVX-512F one into out16 where this CPU runs them
 * (else out8 / out16 are left alone). Returns which ran: 1 | 2 (AVX2) |
 * 4 (AVX-512F). */
unsigned kitnet_sigmoid(const float *in, unsigned n, float *out4,
    float *out8, float *out16);

#endif /* EW_KITNET_H */
