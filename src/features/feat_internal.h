/* feat_internal.h - layout of the feature vector (shared by features.c,
 * names.c and the unit tests).
 *
 * Kitsune's 100 features first, in its order (MI, HH, HH_jit, HpHp), five
 * decay rates each; then edgeward's 30 additions. names.c holds the names
 * in this order; test_features checks that they agree with the offsets and
 * with FEAT_LAMBDAS. */
#ifndef EW_FEAT_INTERNAL_H
#define EW_FEAT_INTERNAL_H

#define FEAT_NL      5	/* Kitsune's decay rates (FEAT_LAMBDAS) */

#define FEAT_OFF_MI    0	/* src MAC+IP sizes: w, mean, std x 5 */
#define FEAT_OFF_HH   15	/* channel sizes, 2D: 7 x 5 */
#define FEAT_OFF_JIT  50	/* channel inter-arrival: w, mean, std x 5 */
#define FEAT_OFF_HP   65	/* socket sizes, 2D: 7 x 5 */
#define FEAT_OFF_DST 100	/* dst IP sizes: w, mean, std x {5, 1, 0.1} */
#define FEAT_OFF_NSRC 109	/* dst IP: new sources x {5, 1, 0.1} */
#define FEAT_OFF_NDST 112	/* src IP: new destinations x {5, 1, 0.1} */
#define FEAT_OFF_NSVC 115	/* src IP: new services x {5, 1, 0.1} */
#define FEAT_OFF_REG 118	/* channel timing regularity: 4 */
#define FEAT_OFF_NEW 122	/* newness: MI age, MI count, channel age */
#define FEAT_OFF_BIND 125	/* src IP: MAC changes x {1, 0.1} */
#define FEAT_OFF_PROBED 127	/* src IP: new services on it, contacted by
				 * others x {5, 1, 0.1} */
#define FEAT_N       130

/* Indices into FEAT_LAMBDAS of the subsets used by the additions. */
#define FEAT_NH 3		/* {5, 1, 0.1}: indices 0, 2, 3 */
#define FEAT_NB 2		/* {1, 0.1}: indices 2, 3 */

/* log2(v) for finite v >= 1 with our own fixed sequence of operations
 * (no libm: glibc picks FMA or non-FMA variants of log2 by CPU, whose last
 * bits may differ, and the features must be the same bits everywhere).
 * Within 1e-15 relative of the exact value. */
double feat_log2(double v);

#endif /* EW_FEAT_INTERNAL_H */
