/* features.h - damped incremental traffic statistics (Kitsune-style) and
 * the per-packet feature vector the anomaly model scores.
 *
 * For each packet with an IP layer (or ARP), feat_packet() updates O(1)
 * statistics in bounded tables (per source MAC+IP, per source IP, per
 * channel, per socket, plus edgeward's additions) at several decay rates
 * and writes the vector. Time comes from packet timestamps only. */
#ifndef EW_FEATURES_H
#define EW_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"

/* Upper bound on the vector length (the real length is feat_count()). */
#define FEAT_MAX 160

struct feat_config {
	size_t memcap;			/* bytes for all statistic tables */
};
void feat_config_default(struct feat_config *cfg);

struct feat_stats {
	uint64_t vectors;		/* packets that produced a vector */
	uint64_t evicted;		/* table entries evicted (memcap) */
	uint64_t reclaimed;		/* entries decayed to nothing, freed */
	uint64_t memuse;		/* bytes allocated */
};

struct feat;

struct feat *feat_new(const struct feat_config *cfg, uint64_t seed);
void feat_free(struct feat *fx);	/* NULL is a no-op */

/* Number of features per vector (fixed for the build). */
unsigned feat_count(void);
/* Short stable name of feature i ("MI_dir_L5_weight") and a human
 * description ("packet rate from this MAC+IP, 0.2 s window"). */
const char *feat_name(unsigned i);
const char *feat_describe(unsigned i);
/* Group of feature i (features of one group describe one aspect; the
 * model's explanation names groups): a short human label. */
const char *feat_group(unsigned i);

/* Update with p and write feat_count() values into out. Returns 1 when p
 * produced a vector (IPv4/IPv6 or ARP), 0 otherwise (out untouched). */
int feat_packet(struct feat *fx, const struct packet *p, double *out);
/* 1 when the last packet given to feat_packet opened a service its source
 * had not contacted lately (a connection attempt, not a reply). */
int feat_last_attempt(const struct feat *fx);
/* 1 when it went the other way from its socket's first packet (an answer
 * to whoever opened the socket). */
int feat_last_reply(const struct feat *fx);

const struct feat_stats *feat_stats(const struct feat *fx);

#endif /* EW_FEATURES_H */
