/* bench_features.c - feature vectors per second on one core.
 *
 * usage: bench_features FILE [MEMCAP_BYTES]
 * Decodes the first BENCH_MAX_PKTS packets of the capture into memory
 * first (struct packet only: the extractor reads header fields, never the
 * frame bytes, so the frame pointers are cleared), then times only
 * feat_packet() over them (best of 3 passes, each with a fresh extractor),
 * then one pass of read + decode + features over the whole file. Prints:
 *   features  PACKETS VECTORS SECONDS PKTS_PER_S PEAK_RSS_KIB
 *   pipeline  PACKETS VECTORS SECONDS PKTS_PER_S PEAK_RSS_KIB
 * SECONDS is CPU time of the thread. Also the extractor's counters
 * (stderr). Peak RSS of the first line
 * includes the decoded packets held in memory (~200 bytes each). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "capture/capture.h"
#include "decode/decode.h"
#include "features/features.h"

/* CPU time of this thread: the figure is per core, and a busy machine
 * (other processes sharing the cores) does not inflate it. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

#define BENCH_MAX_PKTS 1000000u

struct rec {
	struct packet p;
};

static int load(const char *file, struct rec **out, size_t *n)
{
	char err[CAP_ERRLEN + 64];
	struct capture *cap = NULL;
	struct cap_pkt cp;
	struct dec_stats ds;
	size_t cap_n = 0;
	struct rec *r = NULL;

	memset(&ds, 0, sizeof(ds));
	if (cap_open_file(&cap, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_features: %s: %s\n", file, err);
		return -1;
	}
	*n = 0;
	while (*n < BENCH_MAX_PKTS && cap_next(cap, &cp) == 1) {
		if (*n == cap_n) {
			size_t nc = cap_n ? cap_n * 2 : 65536;
			struct rec *nr = realloc(r, nc * sizeof(*r));
			if (!nr)
				goto fail;
			r = nr;
			cap_n = nc;
		}
		dec_packet(&ds, &r[*n].p, cap_linktype(cap), cp.data,
		    cp.caplen, cp.wirelen, cp.ts_ns);
		r[*n].p.data = r[*n].p.l3 = r[*n].p.payload = NULL;
		(*n)++;
	}
	cap_close(cap);
	*out = r;
	return 0;
fail:
	fprintf(stderr, "bench_features: out of memory\n");
	cap_close(cap);
	free(r);
	return -1;
}

int main(int argc, char **argv)
{
	struct feat_config cfg;
	struct rec *r = NULL;
	size_t n = 0;
	double v[FEAT_MAX], sink = 0, best = 1e30;
	uint64_t vec = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_features FILE [MEMCAP_BYTES]\n");
		return 2;
	}
	feat_config_default(&cfg);
	if (argc == 3)
		cfg.memcap = (size_t)strtoull(argv[2], NULL, 10);
	if (load(argv[1], &r, &n) < 0)
		return 1;

	for (int pass = 0; pass < 3; pass++) {
		struct feat *fx = feat_new(&cfg, 1);
		if (!fx) {
			fprintf(stderr, "bench_features: feat_new failed\n");
			return 1;
		}
		double t0 = now_s();
		for (size_t i = 0; i < n; i++)
			if (feat_packet(fx, &r[i].p, v))
				sink += v[i % FEAT_MAX < feat_count() ?
				    i % FEAT_MAX : 0];
		double dt = now_s() - t0;
		if (dt < best)
			best = dt;
		vec = feat_stats(fx)->vectors;
		if (pass == 2) {
			const struct feat_stats *st = feat_stats(fx);
			fprintf(stderr, "features: %u per vector, memuse %llu "
			    "bytes, evicted %llu, reclaimed %llu\n",
			    feat_count(), (unsigned long long)st->memuse,
			    (unsigned long long)st->evicted,
			    (unsigned long long)st->reclaimed);
		}
		feat_free(fx);
	}
	printf("features  %zu %llu %.3f %.0f %ld\n", n,
	    (unsigned long long)vec, best, (double)n / best, peak_rss_kib());
	free(r);

	/* read + decode + features, streaming from the file */
	{
		char err[CAP_ERRLEN + 64];
		struct capture *cap = NULL;
		struct cap_pkt cp;
		struct dec_stats ds;
		struct packet p;
		struct feat *fx = feat_new(&cfg, 1);
		size_t m = 0;

		memset(&ds, 0, sizeof(ds));
		if (!fx || cap_open_file(&cap, argv[1], err, sizeof(err)) < 0)
			return 1;
		double t0 = now_s();
		while (cap_next(cap, &cp) == 1) {
			dec_packet(&ds, &p, cap_linktype(cap), cp.data,
			    cp.caplen, cp.wirelen, cp.ts_ns);
			if (feat_packet(fx, &p, v))
				sink += v[0];
			m++;
		}
		double dt = now_s() - t0;
		printf("pipeline  %zu %llu %.3f %.0f %ld\n", m,
		    (unsigned long long)feat_stats(fx)->vectors, dt,
		    (double)m / dt, peak_rss_kib());
		cap_close(cap);
		feat_free(fx);
	}
	return sink == 0.123456789 ? 3 : 0;	/* keep the work alive */
}
