/* bench_model.c - packets/s of the anomaly model alone (KitNET scoring,
 * training, and the whole anom_vector path with episodes and continued
 * learning) on synthetic feature vectors.
 *
 * usage: bench_model [NFEAT [VECTORS]]   (defaults 100, 2000000)
 *        bench_model -r FILE [FEATURES_ONLY]
 * With -r: decodes the whole capture into memory first, then times
 * anom_packet (features + model: the analyze path of the anomaly stage
 * without the other stages) over it, best of 3 runs each with a fresh
 * detector, and prints the phase counters and a checksum of the scores
 * (bits of every score, in order: equal checksums mean bit-identical
 * scores). FEATURES_ONLY=1 times feat_packet alone the same way.
 * Environment: EW_KN_REF=1 runs the synthetic KitNET figures on the
 * per-autoencoder reference path (kitnet_reference) instead of the
 * side-by-side kernels; EW_NO_LEARN=1 turns continued learning off in
 * the -r mode (what learning after the grace periods costs).
 * Build: cc -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O2 -Isrc \
 *   -o build/bench_model bench/bench_model.c build/libedgeward.a \
 *   $(pkg-config --libs libpcap libndpi libsodium jansson) -lm
 * Prints one line per measurement: what vectors cpu_seconds per_s (CPU
 * time of this process, so a busy machine skews it less). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"

#include "capture/capture.h"
#include "decode/decode.h"
#include "features/features.h"
#include "model/anom.h"
#include "model/kitnet.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rs = 1;

static double unif(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

#define NVEC 4096	/* pre-generated vectors, reused round-robin */

/* The -r mode (see the header). */
static int run_capture(const char *file, int feat_only)
{
	char err[CAP_ERRLEN + 64];
	struct capture *cap = NULL;
	struct cap_pkt cp;
	struct dec_stats ds;
	struct packet *pk = NULL;
	size_t n = 0, cap_n = 0;

	memset(&ds, 0, sizeof(ds));
	if (cap_open_file(&cap, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_model: %s: %s\n", file, err);
		return 1;
	}
	while (cap_next(cap, &cp) == 1) {
		if (n == cap_n) {
			size_t nc = cap_n ? cap_n * 2 : 65536;
			struct packet *np = realloc(pk, nc * sizeof(*pk));
			if (!np) {
				cap_close(cap);
				free(pk);
				return 1;
			}
			pk = np;
			cap_n = nc;
		}
		dec_packet(&ds, &pk[n], cap_linktype(cap), cp.data,
		    cp.caplen, cp.wirelen, cp.ts_ns);
		pk[n].data = pk[n].l3 = pk[n].payload = NULL;
		n++;
	}
	cap_close(cap);
	double best = 1e30, v[FEAT_MAX];
	uint64_t sum = 0;
	for (int pass = 0; pass < 3; pass++) {
		struct anom_config cfg;
		struct feat_config fc;
		struct feat *fx = NULL;
		struct anom *a = NULL;
		anom_config_default(&cfg);
		if (getenv("EW_NO_LEARN"))	/* no learning after the graces */
			cfg.keep_learning = 0;
		feat_config_default(&fc);
		if (feat_only)
			fx = feat_new(&fc, MODEL_SEED);
		else
			a = anom_new(&cfg, NULL, NULL, err, sizeof(err));
		if (!fx && !a) {
			fprintf(stderr, "bench_model: %s\n", err);
			return 1;
		}
		sum = 0;
		double t = now_s();
		for (size_t i = 0; i < n; i++) {
			double s;
			if (feat_only)
				s = feat_packet(fx, &pk[i], v) ? v[i % 7] : 0;
			else
				s = anom_packet(a, &pk[i]);
			uint64_t b;
			memcpy(&b, &s, sizeof(b));
			sum ^= b;	/* rotate: every bit reaches every bit */
			sum = ((sum << 17) | (sum >> 47)) * 0x100000001b3ull;
		}
		double dt = now_s() - t;
		if (dt < best)
			best = dt;
		if (pass == 2 && a) {
			const struct anom_stats *st = anom_stats(a);
			printf("capture %zu vectors %llu scored %llu trained "
			    "%llu learned_after %llu above %llu clusters %u\n",
			    n, (unsigned long long)st->vectors,
			    (unsigned long long)st->scored,
			    (unsigned long long)st->trained,
			    (unsigned long long)st->learned_after,
			    (unsigned long long)st->above, st->nclust);
		}
		feat_free(fx);
		anom_free(a);
	}
	printf("%s %zu %.3f %.0f checksum %016llx\n",
	    feat_only ? "features" : "anom_packet", n, best,
	    (double)n / best, (unsigned long long)sum);
	free(pk);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "-r") == 0)
		return run_capture(argv[2], argc > 3 && atoi(argv[3]));
	unsigned nf = argc > 1 ? (unsigned)atoi(argv[1]) : 100;
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000000ul;
	double *v = malloc((size_t)NVEC * nf * sizeof(double)), sink = 0, t;

	if (!v || nf == 0)
		return 1;
	for (unsigned i = 0; i < NVEC; i++) {
		double lat[8];
		for (unsigned k = 0; k < 8; k++)
			lat[k] = unif();
		for (unsigned f = 0; f < nf; f++)
			v[(size_t)i * nf + f] = lat[f % 8] * (f + 1) +
			    0.1 * unif() + 10.0 * f;
	}
	struct kitnet *kn = kitnet_new(nf, 10, 0.1, 0.75, 7);
	t = now_s();
	for (unsigned i = 0; i < 5000; i++)
		kitnet_fm_update(kn, v + (size_t)(i % NVEC) * nf);
	kitnet_fm_finish(kn);
	if (getenv("EW_KN_REF"))	/* the per-autoencoder reference path */
		kitnet_reference(kn, 1);
	printf("fm_grace %u %.3f %.0f (clusters %u)\n", 5000, now_s() - t,
	    5000 / (now_s() - t), kn->nclust);
	t = now_s();
	for (unsigned long i = 0; i < n / 4; i++)
		sink += kitnet_train(kn, v + (size_t)(i % NVEC) * nf);
	double dt = now_s() - t;
	printf("kitnet_train %lu %.3f %.0f\n", n / 4, dt, (double)(n / 4) / dt);
	t = now_s();
	for (unsigned long i = 0; i < n; i++)
		sink += kitnet_score(kn, v + (size_t)(i % NVEC) * nf);
	dt = now_s() - t;
	printf("kitnet_score %lu %.3f %.0f\n", n, dt, (double)n / dt);
	kitnet_free(kn);

	/* the whole anom path: grace periods, calibration, then detection
	 * with episodes and continued learning */
	struct anom_config cfg;
	char err[256];
	anom_config_default(&cfg);
	cfg.nfeat = nf;
	cfg.fm_grace_s = cfg.ad_grace_s = 0;
	cfg.grace_max_pps = 0;	/* measure every learning step */
	struct anom *a = anom_new(&cfg, NULL, NULL, err, sizeof(err));
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.ip_version = 4;
	uint8_t s4[4] = { 192, 168, 1, 2 }, d4[4] = { 8, 8, 8, 8 };
	addr_set4(&p.dst, d4);
	unsigned long warm = cfg.fm_grace + cfg.ad_grace +
	    (unsigned long)((double)cfg.ad_grace * cfg.cal_fraction) + 1;
	t = now_s();
	for (unsigned long i = 0; i < warm + n; i++) {
		if (i == warm) {
			printf("anom_grace %lu %.3f %.0f\n", warm, now_s() - t,
			    (double)warm / (now_s() - t));
			t = now_s();
		}
		p.ts_ns = 1000000000ull + i * 100000ull;
		s4[3] = (uint8_t)(i % 50);
		addr_set4(&p.src, s4);
		sink += anom_vector(a, &p, v + (size_t)(i % NVEC) * nf);
	}
	dt = now_s() - t;
	printf("anom_detect %lu %.3f %.0f (learned %llu)\n", n, dt,
	    (double)n / dt,
	    (unsigned long long)anom_stats(a)->learned_after);
	anom_free(a);
	free(v);
	return sink == 12345.678 ? 2 : 0;
}
