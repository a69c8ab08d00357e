/* analyze.c - `edgeward analyze`: one capture file through the pipeline. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

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
	    "  -l, --log-dir DIR      output directory, created if missing (default .)\n"
	    "      --flow-memcap SIZE flow table memory budget, e.g. 16M (default 16M)\n"
	    "  -q, --quiet            no summary on stdout\n"
	    "  -h, --help             this help\n"
	    "\n"
	    "Exit status: 0 ok, 1 unreadable or damaged capture, 2 bad usage.\n");
}

int cli_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "flow-memcap", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *outdir = ".";
	int quiet = 0, c;
	struct pipeline_config cfg;
	char err[CAP_ERRLEN + 64], eve_path[4096];

	pipeline_config_default(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:l:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': path = optarg; break;
		case 'l': outdir = optarg; break;
		case 'q': quiet = 1; break;
		case 'M':
			if (cli_parse_size(optarg, &cfg.flow.memcap) < 0) {
				fprintf(stderr, "edgeward analyze: bad "
				    "--flow-memcap '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path || optind != argc) {
		fprintf(stderr, "edgeward analyze: %s\n", path ?
		    "unexpected argument" : "-r FILE is required");
		usage(stderr);
		return 2;
	}

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
	    outdir) >= sizeof(eve_path)) {
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
	struct pipeline *pl = pipeline_new(&cfg, eve, err, sizeof(err));
	if (!pl) {
		fprintf(stderr, "edgeward: %s\n", err);
		eve_close(eve, err, sizeof(err));
		cap_close(cap);
		return 1;
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
	pipeline_finish(pl);
	uint64_t lines = eve_lines(eve);
	if (eve_close(eve, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward: %s: %s\n", eve_path, err);
		rc = 1;
	}
	if (!quiet)
		cli_print_summary(path, outdir, pl, lines);
	pipeline_free(pl);
	cap_close(cap);
	return rc;
}
