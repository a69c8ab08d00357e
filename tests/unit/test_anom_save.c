/* test_anom_save.c - anom_save: a signed snapshot of the running model,
 * written atomically, that a new detector loads to score bit for bit the
 * same; nothing written while the feature mapper is still learning; the
 * running model is not disturbed; a damaged file is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"
#include "model/anom.h"
#include "model/snapshot.h"

#define NF 16
#define MS(x) ((uint64_t)(x) * 1000000ull)
#define NPROBE 64

static uint64_t rs;

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

/* Eight sources take turns (one would meet the per-source share). */
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

static void cfg_small(struct anom_config *cfg)
{
	anom_config_default(cfg);
	cfg->nfeat = NF;
	cfg->fm_grace = 300;
	cfg->ad_grace = 3000;
	cfg->fm_grace_s = 0;
	cfg->ad_grace_s = 0;
}

static char keyp[128], pubp[128], modelp[128];
static double probe[NPROBE][NF];

static int setup_all(void **state)
{
	char err[256], pre[128];
	if (setup(state) != 0)
		return -1;
	snprintf(keyp, sizeof(keyp), "%s/k.key", dir);
	snprintf(pubp, sizeof(pubp), "%s/k.pub", dir);
	snprintf(modelp, sizeof(modelp), "%s/model.ewm", dir);
	snprintf(pre, sizeof(pre), "%s/k", dir);
	if (snap_keygen(pre, err, sizeof(err)) != 0)
		return -1;
	rs = 4242;
	for (unsigned i = 0; i < NPROBE; i++)
		vec(probe[i], i % 4 ? 0 : 3);
	return 0;
}

static struct anom *fresh(const char *load)
{
	struct anom_config cfg;
	char err[256];
	cfg_small(&cfg);
	cfg.load_model = load;
	cfg.key_path = load ? pubp : NULL;
	struct anom *a = anom_new(&cfg, NULL, NULL, err, sizeof(err));
	if (!a)
		print_message("anom_new: %s\n", err);
	return a;
}

/* n training vectors from packet index i0 on (rs drives the values). */
static void feed(struct anom *a, unsigned i0, unsigned n)
{
	struct packet p;
	double x[NF];
	for (unsigned i = i0; i < i0 + n; i++) {
		pkt(&p, 1000000000ull + MS(i));
		vec(x, 0);
		anom_vector(a, &p, x);
	}
}

static void same_scores(struct anom *a, struct anom *b)
{
	unsigned nonzero = 0;
	for (unsigned i = 0; i < NPROBE; i++) {
		double x = anom_peek(a, probe[i]), y = anom_peek(b, probe[i]);
		assert_memory_equal(&x, &y, sizeof(x));	/* bit for bit */
		nonzero += x > 0;
	}
	assert_int_equal(nonzero, NPROBE);
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void test_phase_names(void **state)
{
	(void)state;
	assert_string_equal(anom_phase_name(ANOM_PH_OFF), "off");
	assert_string_equal(anom_phase_name(ANOM_PH_FM), "fm");
	assert_string_equal(anom_phase_name(ANOM_PH_AD), "ad");
	assert_string_equal(anom_phase_name(ANOM_PH_CAL), "cal");
	assert_string_equal(anom_phase_name(ANOM_PH_DETECT), "detect");
	assert_string_equal(anom_phase_name((enum anom_phase)99), "?");
}

static void test_nothing_yet(void **state)
{
	(void)state;
	char err[256], path[160];
	snprintf(path, sizeof(path), "%s/early.ewm", dir);
	rs = 1;
	struct anom *a = fresh(NULL);
	assert_non_null(a);
	feed(a, 0, 299);		/* one short of the mapper's grace */
	assert_int_equal(anom_stats(a)->phase, ANOM_PH_FM);
	assert_int_equal(anom_save(a, path, keyp, err, sizeof(err)), 0);
	assert_false(exists(path));
	feed(a, 299, 2);		/* now the ensemble exists */
	assert_int_equal(anom_stats(a)->phase, ANOM_PH_AD);
	assert_int_equal(anom_save(a, path, keyp, err, sizeof(err)), 0);
	assert_true(exists(path));
	anom_free(a);

	/* off: nothing either */
	struct anom_config cfg;
	cfg_small(&cfg);
	cfg.enabled = 0;
	snprintf(path, sizeof(path), "%s/off.ewm", dir);
	a = anom_new(&cfg, NULL, NULL, err, sizeof(err));
	assert_non_null(a);
	assert_int_equal(anom_save(a, path, keyp, err, sizeof(err)), 0);
	assert_false(exists(path));
	anom_free(a);
}

static void test_roundtrip(void **state)
{
	(void)state;
	char err[256];

	/* mid-training (phase AD) and trained (DETECT) */
	static const unsigned at[2] = { 1500, 5000 };
	for (unsigned k = 0; k < 2; k++) {
		rs = 99;
		struct anom *a = fresh(NULL);
		assert_non_null(a);
		feed(a, 0, at[k]);
		enum anom_phase ph = anom_stats(a)->phase;
		assert_int_equal(ph, k ? ANOM_PH_DETECT : ANOM_PH_AD);
		assert_int_equal(anom_save(a, modelp, keyp, err, sizeof(err)),
		    0);
		struct anom *b = fresh(modelp);
		assert_non_null(b);
		assert_int_equal(anom_stats(b)->phase, ph);
		assert_int_equal(anom_stats(b)->trained,
		    anom_stats(a)->trained);
		double ta = anom_stats(a)->threshold;
		double tb = anom_stats(b)->threshold;
		assert_memory_equal(&ta, &tb, sizeof(ta));
		same_scores(a, b);
		anom_free(a);
		anom_free(b);
	}
}

/* Saving does not disturb the model: one that saved twice along the way
 * scores exactly like its twin that never saved. The second save to the
 * same path replaces the first with a valid file, no temporary left. */
static void test_save_twice_undisturbed(void **state)
{
	(void)state;
	char err[256], tmp[200];
	rs = 7;
	struct anom *a = fresh(NULL);
	rs = 7;
	struct anom *twin = fresh(NULL);
	assert_non_null(a);
	assert_non_null(twin);
	uint64_t seed = rs;
	rs = seed;
	feed(a, 0, 2000);
	rs = seed;
	feed(twin, 0, 2000);
	assert_int_equal(anom_save(a, modelp, keyp, err, sizeof(err)), 0);
	seed = rs;
	feed(a, 2000, 4000);
	rs = seed;
	feed(twin, 2000, 4000);
	assert_int_equal(anom_save(a, modelp, keyp, err, sizeof(err)), 0);
	same_scores(a, twin);
	snprintf(tmp, sizeof(tmp), "%s.tmp", modelp);
	assert_false(exists(tmp));

	struct anom *b = fresh(modelp);
	assert_non_null(b);
	assert_int_equal(anom_stats(b)->phase, ANOM_PH_DETECT);
	same_scores(a, b);
	anom_free(a);
	anom_free(twin);
	anom_free(b);
}

static void test_damaged_refused(void **state)
{
	(void)state;
	char err[256], bad[160];
	rs = 11;
	struct anom *a = fresh(NULL);
	assert_non_null(a);
	feed(a, 0, 4000);
	assert_int_equal(anom_save(a, modelp, keyp, err, sizeof(err)), 0);

	FILE *f = fopen(modelp, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);

	snprintf(bad, sizeof(bad), "%s/bad.ewm", dir);
	static const double cut[] = { 0.0, 0.1, 0.5, 0.99 };
	for (unsigned i = 0; i < 4; i++) {
		size_t len = (size_t)((double)n * cut[i]);
		f = fopen(bad, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(b, 1, len, f), len);
		fclose(f);
		assert_null(fresh(bad));
	}
	/* one byte short, and one flipped bit */
	f = fopen(bad, "wb");
	assert_int_equal(fwrite(b, 1, (size_t)n - 1, f), (size_t)n - 1);
	fclose(f);
	assert_null(fresh(bad));
	b[n / 2] ^= 1;
	f = fopen(bad, "wb");
	assert_int_equal(fwrite(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	assert_null(fresh(bad));
	free(b);

	/* errors: a public key cannot sign; an unwritable place */
	assert_int_equal(anom_save(a, bad, pubp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "secret key"));
	assert_int_equal(anom_save(a, "/nonexistent/dir/m.ewm", keyp, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir"));
	/* the good file is still good */
	struct anom *c = fresh(modelp);
	assert_non_null(c);
	same_scores(a, c);
	anom_free(c);
	anom_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phase_names),
		cmocka_unit_test(test_nothing_yet),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_save_twice_undisturbed),
		cmocka_unit_test(test_damaged_refused),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown);
}
