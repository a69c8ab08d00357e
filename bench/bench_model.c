/* bench_model.c - packets/s of the anomaly model alone (KitNET scoring,
 * training, and the whole anom_vector path with episodes and continued
 * learning) on synthetic feature vectors.
 *
 * usage: bench_model [NFEAT [VECTORS]]   (defaults 100, 2000000)
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

int main(int argc, char **argv)
{
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
