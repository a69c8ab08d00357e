/* anom.h - the online anomaly detector: features -> model -> score ->
 * thresholded, explained, per-episode alerts.
 *
 * Kitsune's method (feature mapper learned during a first grace period,
 * an ensemble of small autoencoders trained during a second, an output
 * autoencoder whose RMSE is the score), with a log-normal fit of benign
 * scores for the threshold, per-source episode aggregation and poisoning
 * defences. Written from the published description. */
#ifndef EW_ANOM_H
#define EW_ANOM_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "detect/alert.h"
#include "util/homenet.h"

struct anom_config {
	int enabled;
	uint64_t fm_grace;		/* packets for the feature mapper */
	uint64_t ad_grace;		/* packets for training the ensemble */
	double fm_grace_s, ad_grace_s;	/* the same in seconds (0 = unused;
					 * whichever ends later applies) */
	unsigned grace_max_pps;		/* learning vectors a second during
					 * the graces (0 = all) */
	uint64_t start_ts;		/* time of alerts raised before any
					 * packet, e.g. a refused snapshot (live
					 * mode: the clock at start; 0 offline) */
	unsigned max_ae;		/* m: largest cluster */
	double learning_rate;
	double hidden_ratio;
	double tail_prob;		/* alert above this tail probability */
	int keep_learning;		/* train after the grace periods */
	const char *load_model;		/* snapshot to start from */
	const char *save_model;		/* snapshot to write at the end */
	const char *key_path;		/* Ed25519 key: secret for save,
					 * public for load */
	uint64_t seed;			/* weight initialisation (fixed default
					 * so runs are reproducible) */
	double cal_fraction;		/* calibration window, share of the
					 * training grace */
	unsigned episode_min;		/* packets above threshold to report */
	double episode_gap_s;		/* quiet time that ends an episode */
	unsigned nfeat;			/* 0: feat_count(); else the length of
					 * vectors given to anom_vector (tests,
					 * benchmarks) */
};
void anom_config_default(struct anom_config *cfg);

struct anom;

/* sink borrowed. Loads the snapshot when configured (err says why not). */
struct anom *anom_new(const struct anom_config *cfg,
    const struct homenet *home, struct alert_sink *sink, char *err,
    size_t errlen);
void anom_free(struct anom *a);	/* NULL is a no-op */

/* Score one decoded packet: returns the anomaly score, or 0 when the
 * packet is not scored (learning, or neither IP nor ARP). */
double anom_packet(struct anom *a, const struct packet *p);

/* Packet time moved to now without a packet (live mode on a quiet
 * network): close episodes that went quiet. anom_packet does this too. */
void anom_tick(struct anom *a, uint64_t now);

/* End of input: close open episodes, save the snapshot if configured.
 * Returns 0 or -1 (err filled) when saving failed. */
int anom_finish(struct anom *a, uint64_t now, char *err, size_t errlen);

/* alert_listener_fn: alerts from other detectors mark their source (and
 * the host the attack goes through, alert.via) as "do not learn from"
 * (ud = the anom); anom_flag does the marking: the host src (else dst)
 * is not learned from until ts_end plus MODEL_FLAG_HOLD_S. */
void anom_on_alert(const struct alert *al, const struct alert_device *d,
    void *ud);
void anom_flag(struct anom *a, const struct addr *src,
    const struct addr *dst, uint64_t ts_end);

/* Where the model's episode alerts go: fn (called from whichever thread
 * runs anom_packet, anom_tick and anom_finish) instead of alert_emit on
 * the sink; fn NULL restores alert_emit. A refused snapshot's alert,
 * raised inside anom_new, always goes to the sink. */
typedef void (*anom_emit_fn)(const struct alert *al, void *ud);
void anom_set_emit(struct anom *a, anom_emit_fn fn, void *ud);

/* Score a ready-made feature vector x (nfeat values) as if it came with
 * p: the same learning, thresholds, episodes and alerts as anom_packet
 * (which is feat_packet + this). For tests and benchmarks. */
double anom_vector(struct anom *a, const struct packet *p, const double *x);
/* What feat_packet would have said of the next packet given to
 * anom_vector: it opened a new service (attempt), it answered whoever
 * opened its socket (reply: charged to that host's episode). anom_packet
 * sets these itself; tests with ready-made vectors use this. */
void anom_next_flags(struct anom *a, int attempt, int reply);
/* The score of x under the current model, without side effects (0 before
 * the model exists). */
double anom_peek(struct anom *a, const double *x);

/* One training step on x with none of the poisoning defences (tests:
 * the undefended control; 0 before the model exists). */
double anom_train_raw(struct anom *a, const double *x);

enum anom_phase {
	ANOM_PH_OFF = 0,	/* disabled (no features in this build) */
	ANOM_PH_FM,		/* learning the feature map */
	ANOM_PH_AD,		/* training the autoencoders */
	ANOM_PH_CAL,		/* scoring benign traffic for the threshold */
	ANOM_PH_DETECT,		/* scoring and alerting */
};

struct anom_stats {
	enum anom_phase phase;
	unsigned nfeat, nclust;
	uint64_t vectors;		/* packets that produced a vector */
	uint64_t scored;		/* packets with a non-zero score out */
	uint64_t above;			/* scored above the threshold */
	uint64_t trained;		/* training steps, grace included */
	uint64_t learned_after;		/* of which after the grace periods */
	uint64_t refused_above;		/* continued learning refused: above
					 * threshold */
	uint64_t refused_source;	/* ... source in an episode/flagged */
	uint64_t refused_share;		/* ... source over its share */
	uint64_t episodes;		/* episodes reported (alerts) */
	uint64_t episodes_small;	/* closed below episode_min/share */
	uint64_t episodes_held;		/* not reported: the device had an
					 * anomaly alert within the day */
	uint64_t evicted;		/* source table evictions */
	double threshold;		/* 0 until fitted */
	double log_mu, log_sigma;	/* the fit */
};
const struct anom_stats *anom_stats(const struct anom *a);

/* Name of a phase: "off", "fm", "ad", "cal", "detect". */
const char *anom_phase_name(enum anom_phase ph);

/* A bounded summary of score values: a log-linear histogram whose bin is
 * read from the score's IEEE-754 bits (its binary exponent and the top
 * ANOM_HIST_SUB_BITS bits of its mantissa), so binning uses no libm and
 * no rounding: the same scores give the same counts on every machine.
 * Octaves 2^ANOM_HIST_EXP_MIN (~9.5e-7) to 2^ANOM_HIST_EXP_MAX (1024),
 * each cut into ANOM_HIST_SUB equal-width bins, plus an underflow and an
 * overflow bin: 242 counters, constant memory, O(1) per score. A bin
 * spans [lo, lo * (1 + 1/ANOM_HIST_SUB)) at most, so a quantile read as
 * its bin's midpoint is within 1/16 (6.25 %) of the exact order
 * statistic inside the range. */
#define ANOM_HIST_SUB_BITS 3
#define ANOM_HIST_SUB (1u << ANOM_HIST_SUB_BITS)
#define ANOM_HIST_EXP_MIN (-20)
#define ANOM_HIST_EXP_MAX 10
#define ANOM_HIST_BINS ((unsigned)(ANOM_HIST_EXP_MAX - ANOM_HIST_EXP_MIN) * \
    ANOM_HIST_SUB + 2u)

struct anom_hist {
	uint64_t n;			/* values counted */
	double min, max;		/* exact; 0 while n == 0 */
	uint64_t bin[ANOM_HIST_BINS];	/* [0] below 2^EXP_MIN, [last] at
					 * or above 2^EXP_MAX */
};

/* Count s when s > 0 (zero and NaN are "not scored"; +inf overflows). */
void anom_hist_add(struct anom_hist *h, double s);
/* Bin of s > 0 (0 = underflow, ANOM_HIST_BINS - 1 = overflow). */
unsigned anom_hist_bin(double s);
/* The per10k/10000 quantile by nearest rank (the ceil(n * q)-th smallest
 * value, rank computed in integers): its bin's midpoint clamped to
 * [min, max]; the underflow bin reads as 2^EXP_MIN, the overflow bin as
 * max (both clamped). 0 when n == 0. per10k in 0..10000. */
double anom_hist_quantile(const struct anom_hist *h, unsigned per10k);

/* The scores the model produced this run: every packet with a non-zero
 * score (the calibration phase's and the detection phase's, the ones
 * counted in anom_stats' scored), since anom_new (not kept in
 * snapshots). q50/q90/q99 as anom_hist_quantile; all 0 when n == 0. */
struct anom_score_stats {
	uint64_t n;
	double min, max;
	double q50, q90, q99;
};
void anom_get_score_stats(const struct anom *a, struct anom_score_stats *out);
/* The histogram itself (borrowed, valid until anom_free). */
const struct anom_hist *anom_score_hist(const struct anom *a);

/* Write a snapshot of the current model to path now: signed with the
 * secret key in key_path, atomically (temporary file, fsync, rename, fsync
 * of the directory), so a crash leaves either the old or the new file.
 * Returns 0 and writes nothing while there is no model yet (disabled, or
 * still learning the feature map); 0 after a successful write; -1 with
 * err on failure. The model keeps running either way. */
int anom_save(struct anom *a, const char *path, const char *key_path,
    char *err, size_t errlen);

#endif /* EW_ANOM_H */
