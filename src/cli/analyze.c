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
	    "  -l, --log-dir DIR      output directory, created if missing (default .);\n"
	    "                         eve.json and devices.json are written there\n"
	    "      --home-net LIST    local network CIDRs, comma-separated (default\n"
	    "                         RFC 1918, 100.64/10, 169.254/16, fc00::/7, fe80::/10)\n"
	    "      --flow-memcap SIZE flow table memory budget, e.g. 16M (default 16M)\n"
	    "      --no-ndpi          do not run nDPI (no app_proto, no flow risks)\n"
	    "\n"
	    "  devices:\n"
	    "      --kb FILE          device knowledge base (default data/devices.kb)\n"
	    "      --library FILE     enrolment fingerprint library to match against\n"
	    "                         (from 'edgeward devices learn')\n"
	    "\n"
	    "  behaviour checks:\n"
	    "      --set KEY=VALUE    override a check threshold (repeatable)\n"
	    "      --check-off NAME   turn a check off (repeatable)\n"
	    "      --list-settings    print every threshold with its default and exit\n"
	    "      --no-checks        no behaviour checks\n"
	    "\n"
	    "  anomaly model:\n"
	    "      --no-model         no anomaly model\n"
	    "      --fm-grace N       packets for learning the feature map\n"
	    "      --ad-grace N       packets for training the autoencoders\n"
	    "      --load-model FILE  start from a signed model snapshot\n"
	    "      --save-model FILE  write a signed model snapshot at the end\n"
	    "      --key FILE         Ed25519 key: secret for --save-model, public\n"
	    "                         for --load-model (edgeward model keygen)\n"
	    "      --scores FILE      one anomaly score per packet read (0 = not scored)\n"
	    "\n"
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
		{ "home-net", required_argument, NULL, 'H' },
		{ "no-ndpi", no_argument, NULL, 'N' },
		{ "kb", required_argument, NULL, 'K' },
		{ "library", required_argument, NULL, 'L' },
		{ "set", required_argument, NULL, 'S' },
		{ "check-off", required_argument, NULL, 'O' },
		{ "list-settings", no_argument, NULL, 'T' },
		{ "no-checks", no_argument, NULL, 'C' },
		{ "no-model", no_argument, NULL, 'X' },
		{ "fm-grace", required_argument, NULL, 'F' },
		{ "ad-grace", required_argument, NULL, 'A' },
		{ "load-model", required_argument, NULL, 'I' },
		{ "save-model", required_argument, NULL, 'W' },
		{ "key", required_argument, NULL, 'k' },
		{ "scores", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *outdir = ".";
	int quiet = 0, c;
	struct pipeline_config cfg;
	char err[CAP_ERRLEN + 64], eve_path[4096], dev_path[4096];

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
		case 'H':
			if (homenet_parse(&cfg.home, optarg, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "edgeward analyze: %s\n", err);
				return 2;
			}
			break;
		case 'N': cfg.proto.ndpi = 0; break;
		case 'K': cfg.dev.kb_path = optarg; break;
		case 'L': cfg.dev.library_path = optarg; break;
		case 'S':
		case 'O': {
			struct detect_config *dc = &cfg.detect;
			unsigned *n = c == 'S' ? &dc->nset : &dc->noff;
			if (*n >= DETECT_MAX_SETTINGS) {
				fprintf(stderr, "edgeward analyze: too many "
				    "--%s options\n", c == 'S' ? "set" :
				    "check-off");
				return 2;
			}
			(c == 'S' ? dc->set : dc->off)[(*n)++] = optarg;
			break;
		}
		case 'T': detect_print_settings(stdout); return 0;
		case 'C': cfg.detect.enabled = 0; break;
		case 'X': cfg.anom.enabled = 0; break;
		case 'F':
		case 'A': {
			uint64_t v;
			if (cli_parse_u64(optarg, &v) < 0) {
				fprintf(stderr, "edgeward analyze: bad --%s "
				    "'%s'\n", c == 'F' ? "fm-grace" :
				    "ad-grace", optarg);
				return 2;
			}
			*(c == 'F' ? &cfg.anom.fm_grace :
			    &cfg.anom.ad_grace) = v;
			break;
		}
		case 'I': cfg.anom.load_model = optarg; break;
		case 'W': cfg.anom.save_model = optarg; break;
		case 'k': cfg.anom.key_path = optarg; break;
		case 's': cfg.scores_path = optarg; break;
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

	/* settings are usage: refuse a bad one before touching any file */
	if (cfg.detect.enabled) {
		struct detect *chk = detect_new(&cfg.detect, &cfg.home, NULL,
		    NULL, err, sizeof(err));
		if (!chk) {
			fprintf(stderr, "edgeward analyze: %s\n", err);
			return 2;
		}
		detect_free(chk);
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
	if (!quiet)
		cli_print_summary(path, outdir, pl, lines);
	pipeline_free(pl);
	cap_close(cap);
	return rc;
}
