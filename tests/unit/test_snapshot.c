/* test_snapshot.c - model snapshots (src/model/snapshot.c): round trip,
 * keys, and every kind of tampering refused with a clear error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tmpdir.h"
#include "cli/cli.h"
#include "model/anom.h"
#include "model/snapshot.h"
#include "util/alloc.h"

#define NF 16
#define MS(x) ((uint64_t)(x) * 1000000ull)

static uint64_t rs = 77;

static double unif(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static void vec(double *x, double shift)
{
	double a = unif(), b = unif();

	for (unsigned i = 0; i < NF; i++)
		x[i] = (i % 2 ? a : b) * (1 + i) + 0.05 * unif() +
		    (i < 4 ? shift : 0);
}

/* Eight devices take turns (a single source would meet the per-source
 * share limit on training). */
static void pkt(struct packet *p, uint64_t t)
{
	memset(p, 0, sizeof(*p));
	p->ts_ns = t;
	p->ip_version = 4;
	uint8_t s[4] = { 10, 0, 0, (uint8_t)(2 + (t / 1000000u) % 8) };
	uint8_t d[4] = { 10, 0, 0, 1 };
	addr_set4(&p->src, s);
	addr_set4(&p->dst, d);
}

static void cfg_small(struct anom_config *cfg, unsigned nf)
{
	anom_config_default(cfg);
	cfg->nfeat = nf;
	cfg->fm_grace = 300;
	cfg->ad_grace = 3000;
	cfg->fm_grace_s = 0;
	cfg->ad_grace_s = 0;
	cfg->keep_learning = 0;
}

static char keyp[128], pubp[128], key2p[128], pub2p[128], modelp[128];

/* Train a small model and save it signed to modelp. */
static void make_model(void)
{
	struct anom_config cfg;
	struct packet p;
	double x[NF];
	char err[256];

	cfg_small(&cfg, NF);
	cfg.save_model = modelp;
	cfg.key_path = keyp;
	struct anom *a = anom_new(&cfg, NULL, NULL, err, sizeof(err));
	assert_non_null(a);
	for (unsigned i = 0; i < 5000; i++) {
		pkt(&p, 1000000000ull + MS(i));
		vec(x, 0);
		anom_vector(a, &p, x);
	}
	assert_int_equal(anom_stats(a)->phase, ANOM_PH_DETECT);
	assert_int_equal(anom_finish(a, MS(5000), err, sizeof(err)), 0);
	anom_free(a);
}

static int setup_keys(void **state)
{
	char err[256];

	if (setup(state) != 0)
		return -1;
	snprintf(keyp, sizeof(keyp), "%s/k.key", dir);
	snprintf(pubp, sizeof(pubp), "%s/k.pub", dir);
	snprintf(key2p, sizeof(key2p), "%s/other.key", dir);
	snprintf(pub2p, sizeof(pub2p), "%s/other.pub", dir);
	snprintf(modelp, sizeof(modelp), "%s/model.ewm", dir);
	char pre[128];
	snprintf(pre, sizeof(pre), "%s/k", dir);
	if (snap_keygen(pre, err, sizeof(err)) != 0)
		return -1;
	snprintf(pre, sizeof(pre), "%s/other", dir);
	if (snap_keygen(pre, err, sizeof(err)) != 0)
		return -1;
	make_model();
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void spit(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static void pubkey(const char *path, uint8_t pk[32])
{
	uint8_t sk[64];
	int secret;
	char err[256];

	assert_int_equal(snap_read_key(path, sk, pk, &secret, err,
	    sizeof(err)), 0);
}

static void test_keygen_files(void **state)
{
	struct stat st;
	char err[256], pre[128];

	(void)state;
	assert_int_equal(stat(keyp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(pubp, &st), 0);
	/* never overwrites a secret key */
	snprintf(pre, sizeof(pre), "%s/k", dir);
	assert_int_equal(snap_keygen(pre, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists"));
	/* the secret key file knows its public key */
	uint8_t sk[64], pk1[32], pk2[32];
	int secret;
	assert_int_equal(snap_read_key(keyp, sk, pk1, &secret, err,
	    sizeof(err)), 0);
	assert_int_equal(secret, 1);
	assert_int_equal(snap_read_key(pubp, sk, pk2, &secret, err,
	    sizeof(err)), 0);
	assert_int_equal(secret, 0);
	assert_memory_equal(pk1, pk2, 32);
	/* garbage is not a key */
	char bad[160];
	snprintf(bad, sizeof(bad), "%s/bad.pub", dir);
	spit(bad, (const uint8_t *)"hello\n", 6);
	assert_int_equal(snap_read_key(bad, sk, pk2, &secret, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not an edgeward key"));
}

/* Loading gives bit-identical scores. */
static void test_round_trip(void **state)
{
	struct anom_config cfg;
	char err[256];
	double x[NF];

	(void)state;
	/* a second identical training run without saving, as reference */
	rs = 77;
	cfg_small(&cfg, NF);
	struct anom *ref = anom_new(&cfg, NULL, NULL, err, sizeof(err));
	struct packet p;
	for (unsigned i = 0; i < 5000; i++) {
		pkt(&p, 1000000000ull + MS(i));
		vec(x, 0);
		anom_vector(ref, &p, x);
	}
	cfg_small(&cfg, NF);
	cfg.load_model = modelp;
	cfg.key_path = pubp;
	struct anom *a = anom_new(&cfg, NULL, NULL, err, sizeof(err));
	if (!a)
		fail_msg("load: %s", err);
	assert_int_equal(anom_stats(a)->phase, ANOM_PH_DETECT);
	assert_true(anom_stats(a)->threshold == anom_stats(ref)->threshold);
	for (int i = 0; i < 200; i++) {
		vec(x, i % 2 ? 3.0 : 0);
		double s1 = anom_peek(a, x), s2 = anom_peek(ref, x);
		assert_true(s1 > 0);
		assert_true(s1 == s2);
	}
	/* a loaded model scores from its first packet on */
	pkt(&p, 5);
	vec(x, 0);
	assert_true(anom_vector(a, &p, x) > 0);
	anom_free(a);
	anom_free(ref);
}

static int decode_err(const uint8_t *b, size_t n, const uint8_t *pk,
    char *err, size_t errlen)
{
	struct kitnet *kn = NULL;
	struct snap_meta m;
	int rc = snap_decode(b, n, pk, &kn, &m, err, errlen);

	if (rc == 0)
		kitnet_free(kn);
	else
		assert_null(kn);
	return rc;
}

/* Flipping any single bit of any byte is caught. */
static void test_flip_every_byte(void **state)
{
	size_t n;
	uint8_t *b = slurp(modelp, &n), pk[32];
	char err[256];

	(void)state;
	pubkey(pubp, pk);
	assert_int_equal(decode_err(b, n, pk, err, sizeof(err)), 0);
	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit += 3) {
			b[i] ^= (uint8_t)(1u << bit);
			int rc = decode_err(b, n, pk, err, sizeof(err));
			if (rc == 0)
				fail_msg("flip at %zu accepted", i);
			assert_true(strlen(err) > 10);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* the signature byte case names the signature */
	b[n - 1] ^= 1;
	assert_int_equal(decode_err(b, n, pk, err, sizeof(err)),
	    SNAP_ERR_INTEGRITY);
	assert_non_null(strstr(err, "signature"));
	free(b);
}

/* Every truncation (and an extension) is refused. */
static void test_truncate_every_length(void **state)
{
	size_t n;
	uint8_t *b = slurp(modelp, &n), pk[32];
	char err[256];

	(void)state;
	pubkey(pubp, pk);
	for (size_t len = 0; len < n; len++) {
		uint8_t *c = malloc(len ? len : 1);
		memcpy(c, b, len);
		assert_int_not_equal(decode_err(c, len, pk, err, sizeof(err)),
		    0);
		/* and without the signature check the parser still copes */
		assert_int_not_equal(decode_err(c, len, NULL, err,
		    sizeof(err)), 0);
		free(c);
	}
	uint8_t *c = malloc(n + 1);
	memcpy(c, b, n);
	c[n] = 0;
	assert_int_not_equal(decode_err(c, n + 1, pk, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "truncated or extended"));
	free(c);
	/* through the file loader too */
	char tp[160];
	snprintf(tp, sizeof(tp), "%s/trunc.ewm", dir);
	spit(tp, b, n / 2);
	struct kitnet *kn;
	struct snap_meta m;
	assert_int_equal(snap_load(tp, pubp, &kn, &m, err, sizeof(err)),
	    SNAP_ERR_INTEGRITY);
	assert_non_null(strstr(err, "trunc.ewm"));
	assert_non_null(strstr(err, "truncated"));
	free(b);
}

/* Another version, even correctly signed, is refused by name. */
static void test_wrong_version(void **state)
{
	size_t n;
	uint8_t *b = slurp(modelp, &n), sk[64], pk[32];
	int secret;
	char err[256];

	(void)state;
	assert_int_equal(snap_read_key(keyp, sk, pk, &secret, err,
	    sizeof(err)), 0);
	b[8] = 2;
	snap_sign_buf(b, n, sk);
	assert_int_equal(decode_err(b, n, pk, err, sizeof(err)),
	    SNAP_ERR_COMPAT);
	assert_non_null(strstr(err, "version 2"));
	free(b);
}

/* Signed by another key, or not signed at all: refused. */
static void test_wrong_key_and_unsigned(void **state)
{
	struct kitnet *kn;
	struct snap_meta m;
	char err[256];
	size_t n;

	(void)state;
	assert_int_equal(snap_load(modelp, pub2p, &kn, &m, err, sizeof(err)),
	    SNAP_ERR_INTEGRITY);
	assert_non_null(strstr(err, "bad signature"));
	/* no key at all */
	assert_int_equal(snap_load(modelp, NULL, &kn, &m, err, sizeof(err)),
	    SNAP_ERR_IO);
	assert_non_null(strstr(err, "public key"));
	/* an unsigned copy */
	uint8_t *b = slurp(modelp, &n);
	b[12] = 0;
	memset(b + n - 64, 0, 64);
	char up[160];
	snprintf(up, sizeof(up), "%s/unsigned.ewm", dir);
	spit(up, b, n);
	assert_int_equal(snap_load(up, pubp, &kn, &m, err, sizeof(err)),
	    SNAP_ERR_INTEGRITY);
	assert_non_null(strstr(err, "not signed"));
	/* `model sign` needs the secret key, then it loads */
	char *av1[] = { "model", "sign", "--key", pubp, up, NULL };
	assert_int_equal(cli_model(5, av1), 1);
	char *av2[] = { "model", "sign", "--key", keyp, up, NULL };
	assert_int_equal(cli_model(5, av2), 0);
	char *av3[] = { "model", "verify", "--pub", pubp, up, NULL };
	assert_int_equal(cli_model(5, av3), 0);
	char *av4[] = { "model", "verify", "--pub", pub2p, up, NULL };
	assert_int_equal(cli_model(5, av4), 1);
	char *av5[] = { "model", "verify", up, NULL };
	assert_int_equal(cli_model(3, av5), 2);
	free(b);
}

/* The model must fit this build's feature layout. */
static void test_wrong_layout(void **state)
{
	struct anom_config cfg;
	char err[256];

	(void)state;
	cfg_small(&cfg, NF + 1);
	cfg.load_model = modelp;
	cfg.key_path = pubp;
	assert_null(anom_new(&cfg, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "layout"));
}

/* A tampered snapshot raises a model-integrity alert when loaded. */
static void test_integrity_alert(void **state)
{
	struct anom_config cfg;
	char err[256], tp[160];
	size_t n;
	uint8_t *b = slurp(modelp, &n);

	(void)state;
	b[SNAP_HDR_LEN + 40] ^= 0x10;
	snprintf(tp, sizeof(tp), "%s/tampered.ewm", dir);
	spit(tp, b, n);
	struct alert_sink *sink = alert_sink_new(NULL);
	cfg_small(&cfg, NF);
	cfg.load_model = tp;
	cfg.key_path = pubp;
	assert_null(anom_new(&cfg, NULL, sink, err, sizeof(err)));
	assert_non_null(strstr(err, "bad signature"));
	assert_int_equal(alert_sink_by_category(sink,
	    ALERT_CAT_MODEL_INTEGRITY), 1);
	alert_sink_free(sink);
	free(b);
}

/* Saving before the feature mapper exists is a clear error; a public
 * key cannot sign. */
static void test_save_errors(void **state)
{
	struct anom_config cfg;
	char err[256], mp[160];
	struct packet p;
	double x[NF];

	(void)state;
	snprintf(mp, sizeof(mp), "%s/early.ewm", dir);
	cfg_small(&cfg, NF);
	cfg.save_model = mp;
	cfg.key_path = keyp;
	struct anom *a = anom_new(&cfg, NULL, NULL, err, sizeof(err));
	pkt(&p, 1);
	vec(x, 0);
	anom_vector(a, &p, x);
	assert_int_equal(anom_finish(a, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "still learning"));
	anom_free(a);
	struct kitnet *kn = NULL;
	struct snap_meta m;
	memset(&m, 0, sizeof(m));
	assert_int_equal(snap_save(mp, kn ? kn : NULL, &m, pubp, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "public key cannot sign"));
}

/* Allocation failures while loading are errors, not crashes. */
static void test_load_alloc_failures(void **state)
{
	struct kitnet *kn;
	struct snap_meta m;
	char err[256];
	int ok = 0;

	(void)state;
	for (long k = 0; k < 40; k++) {
		alloc_fail_after(k);
		int rc = snap_load(modelp, pubp, &kn, &m, err, sizeof(err));
		alloc_fail_after(-1);
		if (rc == 0) {
			kitnet_free(kn);
			ok++;
		} else {
			assert_null(kn);
		}
	}
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_files),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_truncate_every_length),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_wrong_key_and_unsigned),
		cmocka_unit_test(test_wrong_layout),
		cmocka_unit_test(test_integrity_alert),
		cmocka_unit_test(test_save_errors),
		cmocka_unit_test(test_load_alloc_failures),
	};
	return cmocka_run_group_tests(tests, setup_keys, teardown);
}
