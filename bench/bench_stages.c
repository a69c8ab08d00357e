/* bench_stages.c - packets/s and peak RSS of one pipeline stage.
 *
 * usage: bench_stages MODE FILE [OUTDIR | EDGEWARD_BIN]
 *   pcap     bare libpcap read loop (the floor every stage is measured to)
 *   read     the same loop over edgeward's capture reader (cap_next: plain
 *            pcap files are read in place, pcap_mmap.c)
 *   decode   read + decode
 *   flow     read + decode + flow table
 *   spine    read + decode + flows + EVE flow output (to OUTDIR/eve.json)
 *   analyze  the whole `edgeward analyze` as a child process
 * EW_MODEL_THREAD=on|off|auto picks where the model runs (default auto:
 * its own thread with two or more CPUs; model/model_thread.h).
 * Prints one line: MODE packets seconds pkts_per_s peak_rss_kib.
 * Each mode runs in its own process so peak RSS belongs to that stage. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "model/model_thread.h"
#include "output/eve.h"
#include "pipeline/pipeline.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kib(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return ru.ru_maxrss;
}

static int bare_loop(const char *file, uint64_t *n)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t sum = 0;
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(file,
	    PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!pc) {
		fprintf(stderr, "bench: %s: %s\n", file, eb);
		return -1;
	}
	while (pcap_next_ex(pc, &h, &d) == 1) {
		sum += h->caplen + d[0];	/* touch the frame like a decoder */
		(*n)++;
	}
	pcap_close(pc);
	return sum == 0xffffffffffffffffull;	/* keep the loop alive */
}

static int reader_loop(const char *file, uint64_t *n)
{
	char err[CAP_ERRLEN];
	struct capture *cap = NULL;
	struct cap_pkt p;
	uint64_t sum = 0;

	if (cap_open_file(&cap, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench: %s: %s\n", file, err);
		return -1;
	}
	while (cap_next(cap, &p) == 1) {
		sum += p.caplen + p.data[0];	/* as bare_loop */
		(*n)++;
	}
	cap_close(cap);
	return sum == 0xffffffffffffffffull;
}

static int stage_loop(const char *file, enum pl_stage stage,
    const char *outdir, uint64_t *n)
{
	char err[CAP_ERRLEN + 64], path[4096];
	struct capture *cap = NULL;
	struct eve *eve = NULL;
	struct pipeline_config cfg;

	if (cap_open_file(&cap, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench: %s: %s\n", file, err);
		return -1;
	}
	if (stage == PL_STAGE_ALL) {
		snprintf(path, sizeof(path), "%s/eve.json", outdir);
		eve = eve_open(path, err, sizeof(err));
		if (!eve) {
			fprintf(stderr, "bench: %s\n", err);
			cap_close(cap);
			return -1;
		}
	}
	pipeline_config_default(&cfg);
	cfg.last_stage = stage;
	const char *mt = getenv("EW_MODEL_THREAD");
	if (mt && mthread_mode(mt) >= 0)
		cfg.model_thread = mthread_mode(mt);
	struct pipeline *pl = pipeline_new(&cfg, eve, err, sizeof(err));
	if (!pl) {
		fprintf(stderr, "bench: %s\n", err);
		cap_close(cap);
		eve_close(eve, err, sizeof(err));
		return -1;
	}
	pipeline_run_capture(pl, cap);
	if (pipeline_finish(pl, err, sizeof(err)) < 0)
		fprintf(stderr, "bench: %s\n", err);
	*n = pipeline_cap_stats(pl)->packets;
	pipeline_free(pl);
	eve_close(eve, err, sizeof(err));
	cap_close(cap);
	return 0;
}

static int child_analyze(const char *bin, const char *file,
    const char *outdir, long *rss)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		const char *mt = getenv("EW_MODEL_THREAD");
		execl(bin, bin, "analyze", "-q", "-r", file, "-l", outdir,
		    "--model-thread", mt ? mt : "auto", (char *)NULL);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0)
		return -1;
	*rss = ru.ru_maxrss;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* In-process stages: each includes every stage before it; "all" writes
 * EVE too. */
static enum pl_stage stage_named(const char *m)
{
	static const struct {
		const char *name;
		enum pl_stage st;
	} names[] = {
		{ "decode", PL_STAGE_DECODE }, { "flow", PL_STAGE_FLOW },
		{ "proto", PL_STAGE_PROTO }, { "device", PL_STAGE_DEVICE },
		{ "detect", PL_STAGE_DETECT }, { "model", PL_STAGE_MODEL },
		{ "all", PL_STAGE_ALL },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(m, names[i].name) == 0)
			return names[i].st;
	return (enum pl_stage)0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_stages pcap|read|decode|flow|proto|"
		    "device|detect|model|all|analyze FILE [OUTDIR|BIN "
		    "OUTDIR]\n");
		return 2;
	}
	const char *mode = argv[1], *file = argv[2];
	const char *outdir = argc > 3 ? argv[3] : "/tmp";
	uint64_t n = 0;
	long rss = 0;
	int rc;
	enum pl_stage stage;
	double t0 = now_s();

	if (strcmp(mode, "pcap") == 0)
		rc = bare_loop(file, &n);
	else if (strcmp(mode, "read") == 0)
		rc = reader_loop(file, &n);
	else if ((stage = stage_named(mode)) != 0)
		rc = stage_loop(file, stage, outdir, &n);
	else if (strcmp(mode, "analyze") == 0 && argc > 4) {
		rc = child_analyze(argv[3], file, argv[4], &rss);
		double dt = now_s() - t0;
		/* packets: re-count with the bare loop, untimed */
		bare_loop(file, &n);
		printf("%s %llu %.3f %.0f %ld\n", mode, (unsigned long long)n,
		    dt, (double)n / dt, rss);
		return rc ? 1 : 0;
	} else {
		fprintf(stderr, "bench: unknown mode %s\n", mode);
		return 2;
	}
	double dt = now_s() - t0;
	rss = peak_rss_kib(RUSAGE_SELF);
	if (rc < 0)
		return 1;
	printf("%s %llu %.3f %.0f %ld\n", mode, (unsigned long long)n, dt,
	    dt > 0 ? (double)n / dt : 0.0, rss);
	return 0;
}
