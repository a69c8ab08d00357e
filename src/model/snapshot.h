/* snapshot.h - signed model snapshots and their keys. Internal to
 * src/model/ and the `edgeward model` command.
 *
 * File layout (little-endian), version 1:
 *   0  magic "EWMODEL\0"         8  u32 version       12 u32 flags (1 signed)
 *   16 u64 total length          24 u64 feature layout hash
 *   32 u32 nfeat  36 u32 m  40 f64 learning rate  48 f64 hidden ratio
 *   56 u32 phase  60 u32 nclust  64 u64 vectors in phase
 *   72 f64 seconds in phase      80 u64 trained
 *   88 fit: u64 n, f64 mean, f64 m2    112 thr: u32 ready, u32 0,
 *      f64 mu, f64 sigma, f64 tail, f64 value
 *   152 u16 map[nfeat], u16 cstart[nclust + 1], u64 arena length,
 *      f32 arena[...], u32 score histogram[THR_BINS]
 *   then 64 bytes: Ed25519 signature over everything before it (zero when
 *   unsigned; loading refuses unsigned files).
 * Key files are text: a header line, then the key in hex. */
#ifndef EW_SNAPSHOT_H
#define EW_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "model/kitnet.h"
#include "model/threshold.h"

#define SNAP_MAGIC "EWMODEL"	/* plus its NUL: 8 bytes */
#define SNAP_VERSION 1u
#define SNAP_SIGLEN 64u
#define SNAP_FLAG_SIGNED 1u
#define SNAP_HDR_LEN 152u

struct snap_meta {
	uint64_t layout;	/* snap_layout_hash of the feature vector */
	uint32_t phase;		/* enum anom_phase */
	uint64_t n_phase;	/* vectors seen in that phase */
	double phase_s;		/* seconds spent in it */
	uint64_t trained;
	struct thr_fit fit;
	struct thr thr;
};

/* Results beyond -1: the file is there but fails an integrity check. */
#define SNAP_ERR_IO      -1	/* cannot read/write, no key, ... */
#define SNAP_ERR_INTEGRITY -2	/* bad signature, corrupted, truncated */
#define SNAP_ERR_COMPAT  -3	/* other version or feature layout */

/* FNV-1a over nfeat and the feature names (names from features.h when
 * with_names, else empty: synthetic vectors). */
uint64_t snap_layout_hash(unsigned nfeat, int with_names);

/* Serialise an unsigned snapshot into a new buffer (*out, ew_free it). */
int snap_encode(const struct kitnet *kn, const struct snap_meta *m,
    uint8_t **out, size_t *outlen);
/* Sign buf in place (sets the flag, fills the trailer). */
void snap_sign_buf(uint8_t *buf, size_t len, const uint8_t sk[64]);
/* Check structure and, when pk is not NULL, the signature; then rebuild the
 * model into *kn (caller frees) and *m. pk NULL is for fuzzing only.
 * Returns 0 or an SNAP_ERR_* with the reason in err. */
int snap_decode(const uint8_t *buf, size_t len, const uint8_t *pk,
    struct kitnet **kn, struct snap_meta *m, char *err, size_t errlen);

/* Read a key file: a secret key gives sk and pk (*secret = 1), a public
 * key only pk (*secret = 0). */
int snap_read_key(const char *path, uint8_t sk[64], uint8_t pk[32],
    int *secret, char *err, size_t errlen);
/* PREFIX.key (mode 0600, refuses to overwrite) and PREFIX.pub. */
int snap_keygen(const char *prefix, char *err, size_t errlen);

/* Write (signed when key_path is given: a secret key file) atomically. */
int snap_save(const char *path, const struct kitnet *kn,
    const struct snap_meta *m, const char *key_path, char *err,
    size_t errlen);
/* Load and verify against key_path (public or secret key file). */
int snap_load(const char *path, const char *key_path, struct kitnet **kn,
    struct snap_meta *m, char *err, size_t errlen);
/* `model sign` / `model verify` on a file. */
int snap_sign_file(const char *path, const char *key_path, char *err,
    size_t errlen);
int snap_verify_file(const char *path, const char *key_path, char *err,
    size_t errlen);

#endif /* EW_SNAPSHOT_H */
