/* snapshot.c - versioned, Ed25519-signed model snapshots (libsodium) and
 * their key files. A snapshot is untrusted input: the signature is checked
 * before anything is parsed, and the parser bounds-checks every field
 * anyway. */
#include "model/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "features/features.h"
#include "util/alloc.h"
#include "util/cursor.h"

#define KEY_SEC_HDR "edgeward-ed25519-secret-key-v1"
#define KEY_PUB_HDR "edgeward-ed25519-public-key-v1"

uint64_t snap_layout_hash(unsigned nfeat, int with_names)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t nb[4] = { (uint8_t)nfeat, (uint8_t)(nfeat >> 8),
	    (uint8_t)(nfeat >> 16), (uint8_t)(nfeat >> 24) };

	for (unsigned i = 0; i < 4; i++)
		h = (h ^ nb[i]) * 0x100000001b3ull;
	for (unsigned f = 0; f < nfeat; f++) {
		const char *s = with_names ? feat_name(f) : "";
		for (; s && *s; s++)
			h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
		h = (h ^ 0) * 0x100000001b3ull;	/* name separator */
	}
	return h;
}

/* ---- little-endian writers ---- */

static void put_u32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_f64(uint8_t *p, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	put_u64(p, v);
}

static void put_f32(uint8_t *p, float f)
{
	uint32_t v;

	memcpy(&v, &f, 4);
	put_u32(p, v);
}

static uint64_t cur_le64(struct cursor *c)
{
	uint64_t lo = cur_le32(c), hi = cur_le32(c);

	return lo | (hi << 32);
}

static double cur_f64(struct cursor *c)
{
	uint64_t v = cur_le64(c);
	double d;

	memcpy(&d, &v, 8);
	return d;
}

static float cur_f32(struct cursor *c)
{
	uint32_t v = cur_le32(c);
	float f;

	memcpy(&f, &v, 4);
	return f;
}

int snap_encode(const struct kitnet *kn, const struct snap_meta *m,
    uint8_t **out, size_t *outlen)
{
	size_t len, off;
	uint8_t *b;

	if (!kitnet_ready(kn))
		return -1;
	len = SNAP_HDR_LEN + 2u * kn->nfeat + 2u * ((size_t)kn->nclust + 1) +
	    8 + 4u * kn->arena_len + 4u * THR_BINS + SNAP_SIGLEN;
	b = ew_calloc(1, len);
	if (!b)
		return -1;
	memcpy(b, SNAP_MAGIC, 8);
	put_u32(b + 8, SNAP_VERSION);
	put_u32(b + 12, 0);
	put_u64(b + 16, len);
	put_u64(b + 24, m->layout);
	put_u32(b + 32, kn->nfeat);
	put_u32(b + 36, kn->max_ae);
	put_f64(b + 40, (double)kn->lr);
	put_f64(b + 48, kn->hidden_ratio);
	put_u32(b + 56, m->phase);
	put_u32(b + 60, kn->nclust);
	put_u64(b + 64, m->n_phase);
	put_f64(b + 72, m->phase_s);
	put_u64(b + 80, m->trained);
	put_u64(b + 88, m->fit.n);
	put_f64(b + 96, m->fit.mean);
	put_f64(b + 104, m->fit.m2);
	put_u32(b + 112, m->thr.ready ? 1u : 0u);
	put_f64(b + 120, m->thr.mu);
	put_f64(b + 128, m->thr.sigma);
	put_f64(b + 136, m->thr.tail);
	put_f64(b + 144, m->thr.value);
	off = SNAP_HDR_LEN;
	for (unsigned i = 0; i < kn->nfeat; i++, off += 2) {
		b[off] = (uint8_t)kn->map[i];
		b[off + 1] = (uint8_t)(kn->map[i] >> 8);
	}
	for (unsigned i = 0; i <= kn->nclust; i++, off += 2) {
		b[off] = (uint8_t)kn->cstart[i];
		b[off + 1] = (uint8_t)(kn->cstart[i] >> 8);
	}
	put_u64(b + off, kn->arena_len);
	off += 8;
	/* the live parameters, in the arena's canonical layout */
	float *par = ew_malloc(kn->arena_len * sizeof(float) + 1);
	if (!par) {
		ew_free(b);
		return -1;
	}
	kitnet_params(kn, par);
	for (size_t i = 0; i < kn->arena_len; i++, off += 4)
		put_f32(b + off, par[i]);
	ew_free(par);
	for (unsigned i = 0; i < THR_BINS; i++, off += 4)
		put_u32(b + off, m->fit.hist[i]);
	*out = b;
	*outlen = len;
	return 0;
}

static int sodium_ready(void)
{
	return sodium_init() >= 0;
}

void snap_sign_buf(uint8_t *buf, size_t len, const uint8_t sk[64])
{
	if (len < SNAP_HDR_LEN + SNAP_SIGLEN)
		return;
	put_u32(buf + 12, SNAP_FLAG_SIGNED);
	crypto_sign_detached(buf + len - SNAP_SIGLEN, NULL, buf,
	    len - SNAP_SIGLEN, sk);
}

#define FAIL(code, ...) do { snprintf(err, errlen, __VA_ARGS__); \
	rc = (code); goto fail; } while (0)

int snap_decode(const uint8_t *buf, size_t len, const uint8_t *pk,
    struct kitnet **knp, struct snap_meta *m, char *err, size_t errlen)
{
	struct cursor c;
	struct kitnet *kn = NULL;
	uint16_t *map = NULL, *cstart = NULL;
	int rc = SNAP_ERR_INTEGRITY;

	*knp = NULL;
	memset(m, 0, sizeof(*m));
	if (len < 12 || memcmp(buf, SNAP_MAGIC, 8) != 0)
		FAIL(SNAP_ERR_INTEGRITY, "not an edgeward model snapshot "
		    "(bad magic)");
	cur_init(&c, buf, len);
	cur_skip(&c, 8);
	uint32_t ver = cur_le32(&c);
	if (ver != SNAP_VERSION)
		FAIL(SNAP_ERR_COMPAT, "snapshot version %u is not supported "
		    "(this build reads version %u)", ver, SNAP_VERSION);
	if (len < SNAP_HDR_LEN + SNAP_SIGLEN)
		FAIL(SNAP_ERR_INTEGRITY, "snapshot truncated (%zu bytes)", len);
	uint32_t flags = cur_le32(&c);
	uint64_t total = cur_le64(&c);
	if (total != len)
		FAIL(SNAP_ERR_INTEGRITY, "snapshot truncated or extended: %zu "
		    "bytes, header says %llu", len, (unsigned long long)total);
	if (pk) {
		if (!(flags & SNAP_FLAG_SIGNED))
			FAIL(SNAP_ERR_INTEGRITY, "snapshot is not signed (sign "
			    "it with: edgeward model sign --key KEY FILE)");
		if (!sodium_ready())
			FAIL(SNAP_ERR_IO, "libsodium failed to initialise");
		if (crypto_sign_verify_detached(buf + len - SNAP_SIGLEN, buf,
		    len - SNAP_SIGLEN, pk) != 0)
			FAIL(SNAP_ERR_INTEGRITY, "bad signature: the snapshot "
			    "was modified or signed with another key");
	}
	/* Parse what the signature covers, still bounds-checked. */
	cur_limit(&c, len - SNAP_SIGLEN - c.off);
	m->layout = cur_le64(&c);
	uint32_t nfeat = cur_le32(&c), max_ae = cur_le32(&c);
	double lr = cur_f64(&c), hr = cur_f64(&c);
	m->phase = cur_le32(&c);
	uint32_t nclust = cur_le32(&c);
	m->n_phase = cur_le64(&c);
	m->phase_s = cur_f64(&c);
	m->trained = cur_le64(&c);
	m->fit.n = cur_le64(&c);
	m->fit.mean = cur_f64(&c);
	m->fit.m2 = cur_f64(&c);
	m->thr.ready = cur_le32(&c) == 1;
	cur_skip(&c, 4);
	m->thr.mu = cur_f64(&c);
	m->thr.sigma = cur_f64(&c);
	m->thr.tail = cur_f64(&c);
	m->thr.value = cur_f64(&c);
	if (c.bad)
		FAIL(SNAP_ERR_INTEGRITY, "snapshot header truncated");
	if (nfeat == 0 || nfeat > 65535 || max_ae == 0 || max_ae > 65535 ||
	    nclust == 0 || nclust > nfeat || !(lr > 0 && lr < 1e3) ||
	    !(hr > 0 && hr <= 1) || !isfinite(m->phase_s) ||
	    !isfinite(m->fit.mean) || !isfinite(m->fit.m2) ||
	    (m->thr.ready && !(isfinite(m->thr.mu) && m->thr.sigma > 0 &&
	    isfinite(m->thr.sigma) && m->thr.tail > 0 && m->thr.tail < 0.5 &&
	    m->thr.value > 0 && isfinite(m->thr.value))))
		FAIL(SNAP_ERR_INTEGRITY, "snapshot corrupted: impossible "
		    "model dimensions or threshold");
	if (cur_left(&c) < 2u * nfeat + 2u * ((size_t)nclust + 1) + 8)
		FAIL(SNAP_ERR_INTEGRITY, "snapshot truncated in the feature "
		    "map");
	map = ew_malloc(2u * nfeat);
	cstart = ew_malloc(2u * ((size_t)nclust + 1));
	if (!map || !cstart)
		FAIL(SNAP_ERR_IO, "out of memory");
	for (unsigned i = 0; i < nfeat; i++)
		map[i] = cur_le16(&c);
	for (unsigned i = 0; i <= nclust; i++)
		cstart[i] = cur_le16(&c);
	kn = kitnet_new(nfeat, max_ae, lr, hr, 0);
	if (!kn || kitnet_set_map(kn, nclust, map, cstart) < 0)
		FAIL(SNAP_ERR_INTEGRITY, "snapshot corrupted: invalid feature "
		    "map");
	uint64_t alen = cur_le64(&c);
	if (alen != kn->arena_len ||
	    cur_left(&c) != 4u * alen + 4u * THR_BINS || c.bad)
		FAIL(SNAP_ERR_INTEGRITY, "snapshot corrupted: %llu parameters "
		    "where the map needs %zu", (unsigned long long)alen,
		    kn->arena_len);
	for (size_t i = 0; i < kn->arena_len; i++) {
		float f = cur_f32(&c);
		if (!isfinite(f))
			FAIL(SNAP_ERR_INTEGRITY, "snapshot corrupted: parameter "
			    "%zu is not a finite number", i);
		kn->arena[i] = f;
	}
	kitnet_params_loaded(kn);
	for (unsigned i = 0; i < THR_BINS; i++)
		m->fit.hist[i] = cur_le32(&c);
	kn->lr = (float)lr;
	kn->trained = m->trained;
	ew_free(map);
	ew_free(cstart);
	*knp = kn;
	return 0;
fail:
	ew_free(map);
	ew_free(cstart);
	kitnet_free(kn);
	return rc;
}

/* Whole file into memory (bounded by MODEL_SNAPSHOT_MAX). */
static int read_file(const char *path, uint8_t **out, size_t *outlen,
    size_t max, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= max + 1)
				break;
			size_t nc = cap ? cap * 2 : 4096;
			if (nc > max + 1)
				nc = max + 1;
			uint8_t *nb = ew_realloc(b, nc);
			if (!nb) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			b = nb;
			cap = nc;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	if (n > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto fail;
	}
	fclose(f);
	*out = b;
	*outlen = n;
	return 0;
fail:
	fclose(f);
	ew_free(b);
	return -1;
}

/* Write atomically: PATH.tmp (mode) then rename. */
static int write_file(const char *path, const uint8_t *b, size_t len,
    mode_t mode, int excl, char *err, size_t errlen)
{
	char tmp[4096];
	int fd;
	size_t done = 0;

	if (excl) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		snprintf(tmp, sizeof(tmp), "%s", path);
	} else {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
		    sizeof(tmp)) {
			snprintf(err, errlen, "%s: path too long", path);
			return -1;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			return -1;
		}
	}
	while (done < len) {
		ssize_t w = write(fd, b + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "%s: %s", tmp,
			    w < 0 ? strerror(errno) : "short write");
			close(fd);
			unlink(tmp);
			return -1;
		}
		done += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (!excl && rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int snap_read_key(const char *path, uint8_t sk[64], uint8_t pk[32],
    int *secret, char *err, size_t errlen)
{
	uint8_t *b = NULL;
	size_t n = 0, hl, bin = 0;
	const char *hex;
	int rc = -1;

	if (!sodium_ready()) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	if (read_file(path, &b, &n, 4096, err, errlen) < 0)
		return -1;
	if (n >= 4096 || memchr(b, 0, n)) {
		snprintf(err, errlen, "%s: not an edgeward key file", path);
		goto out;
	}
	b[n] = 0;	/* read_file left room: cap > n for n < 4096 */
	if (strncmp((char *)b, KEY_SEC_HDR "\n", sizeof(KEY_SEC_HDR)) == 0) {
		*secret = 1;
		hl = sizeof(KEY_SEC_HDR);
	} else if (strncmp((char *)b, KEY_PUB_HDR "\n",
	    sizeof(KEY_PUB_HDR)) == 0) {
		*secret = 0;
		hl = sizeof(KEY_PUB_HDR);
	} else {
		snprintf(err, errlen, "%s: not an edgeward key file", path);
		goto out;
	}
	hex = (const char *)b + hl;
	if (*secret) {
		if (sodium_hex2bin(sk, 64, hex, n - hl, "\n", &bin, NULL) != 0 ||
		    bin != 64) {
			snprintf(err, errlen, "%s: damaged secret key", path);
			goto out;
		}
		crypto_sign_ed25519_sk_to_pk(pk, sk);
	} else {
		if (sodium_hex2bin(pk, 32, hex, n - hl, "\n", &bin, NULL) != 0 ||
		    bin != 32) {
			snprintf(err, errlen, "%s: damaged public key", path);
			goto out;
		}
	}
	rc = 0;
out:
	sodium_memzero(b, n);
	ew_free(b);
	return rc;
}

int snap_keygen(const char *prefix, char *err, size_t errlen)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char path[4096], txt[256], hex[2 * 64 + 1];
	int rc = -1;

	if (!sodium_ready()) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	if (crypto_sign_keypair(pk, sk) != 0) {
		snprintf(err, errlen, "key generation failed");
		return -1;
	}
	sodium_bin2hex(hex, sizeof(hex), sk, sizeof(sk));
	snprintf(txt, sizeof(txt), "%s\n%s\n", KEY_SEC_HDR, hex);
	if ((size_t)snprintf(path, sizeof(path), "%s.key", prefix) >=
	    sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", prefix);
		goto out;
	}
	if (write_file(path, (const uint8_t *)txt, strlen(txt), 0600, 1, err,
	    errlen) < 0)
		goto out;
	sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
	snprintf(txt, sizeof(txt), "%s\n%s\n", KEY_PUB_HDR, hex);
	snprintf(path, sizeof(path), "%s.pub", prefix);
	if (write_file(path, (const uint8_t *)txt, strlen(txt), 0644, 0, err,
	    errlen) < 0)
		goto out;
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(txt, sizeof(txt));
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

int snap_save(const char *path, const struct kitnet *kn,
    const struct snap_meta *m, const char *key_path, char *err,
    size_t errlen)
{
	uint8_t sk[64], pk[32], *b = NULL;
	size_t len;
	int secret = 0, rc = -1;

	if (key_path) {
		if (snap_read_key(key_path, sk, pk, &secret, err, errlen) < 0)
			return -1;
		if (!secret) {
			snprintf(err, errlen, "%s: a public key cannot sign; "
			    "give the secret key (.key) to save a model",
			    key_path);
			return -1;
		}
	}
	if (snap_encode(kn, m, &b, &len) < 0) {
		snprintf(err, errlen, "%s: model not ready or out of memory",
		    path);
		goto out;
	}
	if (secret)
		snap_sign_buf(b, len, sk);
	rc = write_file(path, b, len, 0644, 0, err, errlen);
out:
	sodium_memzero(sk, sizeof(sk));
	ew_free(b);
	return rc;
}

int snap_load(const char *path, const char *key_path, struct kitnet **kn,
    struct snap_meta *m, char *err, size_t errlen)
{
	uint8_t sk[64], pk[32], *b = NULL;
	size_t len;
	int secret, rc;
	char why[200];

	*kn = NULL;
	if (!key_path) {
		snprintf(err, errlen, "%s: loading a model needs the public "
		    "key it was signed with (--key FILE.pub)", path);
		return SNAP_ERR_IO;
	}
	if (snap_read_key(key_path, sk, pk, &secret, err, errlen) < 0)
		return SNAP_ERR_IO;
	sodium_memzero(sk, sizeof(sk));
	if (read_file(path, &b, &len, MODEL_SNAPSHOT_MAX, err, errlen) < 0)
		return SNAP_ERR_IO;
	rc = snap_decode(b, len, pk, kn, m, why, sizeof(why));
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, why);
	ew_free(b);
	return rc;
}

int snap_sign_file(const char *path, const char *key_path, char *err,
    size_t errlen)
{
	uint8_t sk[64], pk[32], *b = NULL;
	size_t len;
	int secret, rc = -1;
	struct kitnet *kn = NULL;
	struct snap_meta m;
	char why[200];

	if (snap_read_key(key_path, sk, pk, &secret, err, errlen) < 0)
		return -1;
	if (!secret) {
		snprintf(err, errlen, "%s: signing needs the secret key (.key)",
		    key_path);
		goto out;
	}
	if (read_file(path, &b, &len, MODEL_SNAPSHOT_MAX, err, errlen) < 0)
		goto out;
	/* Only a well-formed snapshot is worth a signature. */
	if (snap_decode(b, len, NULL, &kn, &m, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	snap_sign_buf(b, len, sk);
	rc = write_file(path, b, len, 0644, 0, err, errlen);
out:
	kitnet_free(kn);
	sodium_memzero(sk, sizeof(sk));
	ew_free(b);
	return rc;
}

int snap_verify_file(const char *path, const char *key_path, char *err,
    size_t errlen)
{
	struct kitnet *kn = NULL;
	struct snap_meta m;
	int rc = snap_load(path, key_path, &kn, &m, err, errlen);

	kitnet_free(kn);
	return rc;
}
