/* analyze.c - `edgeward analyze`: one capture file through the pipeline. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config.h"
#include "output/store.h"

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward analyze -r FILE [-l DIR] [options]\n"
	    "\n"
	    "Reads a pcap or pcapng capture (Ethernet, Linux cooked SLL/SLL2, raw IP,\n"
	    "BSD loopback) and writes one EVE JSON event per line to DIR/eve.json.\n"
	    "Time comes from packet timestamps: the same capture always gives the\n"
	    "same output.\n"
	    "\n"
	    "  -r, --read FILE        capture to read (required)\n"
	    "  -l, --log-dir DIR      output directory, created if missing (default .);\n"
	    "                         eve.json and devices.json are written there\n"
	    "\n");
	cli_pl_usage(fp);
	fprintf(fp,
	    "      --load-model FILE  start from a signed model snapshot\n"
	    "      --save-model FILE  write a signed model snapshot at the end\n"
	    "      --scores FILE      one anomaly score per packet read (0 = not scored)\n"
	    "\n"
	    "  -q, --quiet            no summary on stdout\n"
	    "  -h, --help             this help\n"
	    "\n"
	    "Exit status: 0 ok, 1 unreadable or damaged capture, 2 bad usage.\n");
}

int cli_analyze(int argc, char **argv)
{
	static const struct option own[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "load-model", required_argument, NULL, 'I' },
		{ "save-model", required_argument, NULL, 'W' },
		{ "scores", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct option opts[32];
	const char *path = NULL, *outdir = ".";
	int quiet = 0, c;
	struct pipeline_config cfg;
	struct cli_pl_opts po = { .cfg = &cfg };
	char err[CAP_ERRLEN + 64], eve_path[4096], dev_path[4096];

	pipeline_config_default(&cfg);
	if (cli_pl_options(opts, sizeof(opts) / sizeof(opts[0]), own) < 0)
		return 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:l:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': path = optarg; break;
		case 'l': outdir = optarg; break;
		case 'q': quiet = 1; break;
		case 'I': cfg.anom.load_model = optarg; break;
		case 'W': cfg.anom.save_model = optarg; break;
		case 's': cfg.scores_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			switch (cli_pl_option(&po, c, optarg, "analyze")) {
			case 1: break;
			case 2: return 0;
			case -1: return 2;
			default: usage(stderr); return 2;
			}
		}
	}
	if (!path || optind != argc) {
		fprintf(stderr, "edgeward analyze: %s\n", path ?
		    "unexpected argument" : "-r FILE is required");
		usage(stderr);
		return 2;
	}

	/* settings are usage: refuse a bad one before touching any file */
	if (cli_pl_validate(&cfg, "analyze") < 0)
		return 2;

	struct capture *cap = NULL;
	if (cap_open_file(&cap, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward: %s: %s\n", path, err);
		return 1;
	}
	if (cli_mkdirs(outdir) < 0) {
		fprintf(stderr, "edgeward: %s: cannot create output "
		    "directory: %s\n", outdir, strerror(errno));
		cap_close(cap);
		return 1;
	}
	if ((size_t)snprintf(eve_path, sizeof(eve_path), "%s/eve.json",
	    outdir) >= sizeof(eve_path) ||
	    (size_t)snprintf(dev_path, sizeof(dev_path), "%s/devices.json",
	    outdir) >= sizeof(dev_path)) {
		fprintf(stderr, "edgeward: %s: path too long\n", outdir);
		cap_close(cap);
		return 1;
	}
	struct eve *eve = eve_open(eve_path, err, sizeof(err));
	if (!eve) {
		fprintf(stderr, "edgeward: %s\n", err);
		cap_close(cap);
		return 1;
	}
	struct store *st = NULL;
	if (po.store_path) {
		struct store_config sc;
		store_config_default(&sc);
		sc.path = po.store_path;
		/* commits in this thread at each flush: nothing is dropped
		 * however fast the capture is read */
		sc.threaded = 0;
		if (cli_mkdirs_for(po.store_path) < 0) {
			fprintf(stderr, "edgeward: %s: cannot create its "
			    "directory: %s\n", po.store_path, strerror(errno));
			eve_close(eve, err, sizeof(err));
			cap_close(cap);
			return 1;
		}
		st = store_open(&sc, err, sizeof(err));
		if (!st) {
			/* the store's reasons name the file */
			fprintf(stderr, "edgeward: %s\n", err);
			eve_close(eve, err, sizeof(err));
			cap_close(cap);
			return 1;
		}
		cfg.store = st;
		cfg.store_source = path;
		cfg.store_flush_ns = (uint64_t)STORE_FLUSH_OFFLINE_S *
		    1000000000ull;
	}
	struct pipeline *pl = pipeline_new(&cfg, eve, err, sizeof(err));
	if (!pl) {
		fprintf(stderr, "edgeward: %s\n", err);
		store_close(st, err, sizeof(err));
		eve_close(eve, err, sizeof(err));
		cap_close(cap);
		return 1;
	}
	/* baselines learned before, imported MUD profiles and alerts
	 * acknowledged as expected */
	if (st) {
		struct pl_restore pr;
		memset(&pr, 0, sizeof(pr));
		if (pipeline_restore_baselines(pl, st, &pr, err,
		    sizeof(err)) < 0)
			fprintf(stderr, "edgeward: %s: %s\n", po.store_path,
			    err);
		else if (pr.bl_bad)
			fprintf(stderr, "edgeward: %s: %zu baseline row(s) "
			    "refused (first: %s)\n", po.store_path, pr.bl_bad,
			    pr.bl_first_bad);
	}

	int rc = 0;
	int lt = cap_linktype(cap);
	if (!dec_linktype_supported(lt))
		fprintf(stderr, "edgeward: %s: link type %s (%d) is not "
		    "supported; its packets are counted as skipped\n", path,
		    cap_linktype_name(cap), lt);
	if (pipeline_run_capture(pl, cap) < 0) {
		/* Keep what was read: flows still end and the stats event is
		 * still written; the damage is reported and the status says so. */
		fprintf(stderr, "edgeward: %s: damaged capture after %llu "
		    "packets: %s\n", path,
		    (unsigned long long)pipeline_cap_stats(pl)->packets,
		    cap_error(cap));
		rc = 1;
	}
	if (pipeline_finish(pl, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward: %s\n", err);
		rc = 1;
	}
	if (pipeline_devices(pl) && dev_write_json(pipeline_devices(pl),
	    dev_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward: %s: %s\n", dev_path, err);
		rc = 1;
	}
	uint64_t lines = eve_lines(eve);
	if (eve_close(eve, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward: %s: %s\n", eve_path, err);
		rc = 1;
	}
	if (st) {
		struct store_status ss;
		store_get_status(st, &ss);
		if (store_close(st, err, sizeof(err)) < 0) {
			fprintf(stderr, "edgeward: store: %s\n", err);
			rc = 1;
		} else if (ss.rows_dropped) {
			fprintf(stderr, "edgeward: %s: %llu rows dropped (queue "
			    "memcap)\n", po.store_path,
			    (unsigned long long)ss.rows_dropped);
		}
	}
	if (!quiet)
		cli_print_summary(path, outdir, pl, lines);
	pipeline_free(pl);
	cap_close(cap);
	return rc;
}
