/* serve.c - `edgeward serve`: the HTTP API and dashboard over a store,
 * until SIGINT or SIGTERM.
 *
 *   edgeward serve --store FILE [--listen HOST:PORT] [--token-file FILE]
 *                  [--tls-cert F --tls-key F]
 *
 * The signals are blocked before the server thread starts (it inherits the
 * mask) and taken with sigwait here, so no handler runs on the server
 * thread and shutdown is an ordinary return. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward serve --store FILE [--listen HOST:PORT]\n"
	    "                      [--token-file FILE] [--tls-cert F --tls-key F]\n"
	    "\n"
	    "Serve the HTTP API (/api/v1/..., /metrics) and the dashboard (/) over\n"
	    "an edgeward store, until SIGINT or SIGTERM. The store is read\n"
	    "read-only (this works while `edgeward run` writes it); acknowledging\n"
	    "an alert writes it through a second connection.\n"
	    "\n"
	    "  --store FILE       the store (SQLite database) to serve\n"
	    "  --listen HOST:PORT address to listen on (default 127.0.0.1:8765;\n"
	    "                     [::1]:8765 for IPv6; port 0 picks a free one)\n"
	    "  --token-file FILE  the bearer token every API request must carry\n"
	    "                     (Authorization: Bearer TOKEN); created with\n"
	    "                     mode 0600 and a random token if absent\n"
	    "                     (default: api.token next to the store)\n"
	    "  --tls-cert F       serve HTTPS with this PEM certificate ...\n"
	    "  --tls-key F        ... and this PEM private key\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 after SIGINT/SIGTERM, 1 cannot start (store, token\n"
	    "file, address in use, TLS files), 2 bad usage.\n");
}

int cli_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'L' },
		{ "token-file", required_argument, NULL, 't' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct api_config cfg;
	struct api *a;
	char host[256], err[512];
	sigset_t set;
	int c, sig = 0;

	api_config_default(&cfg);
	snprintf(host, sizeof(host), "%s", cfg.host);
	cfg.host = host;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': cfg.store_path = optarg; break;
		case 't': cfg.token_file = optarg; break;
		case 'c': cfg.tls_cert = optarg; break;
		case 'k': cfg.tls_key = optarg; break;
		case 'L':
			if (api_parse_listen(optarg, host, sizeof(host),
			    &cfg.port, err, sizeof(err)) != 0) {
				fprintf(stderr, "edgeward serve: %s\n", err);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "edgeward serve: unexpected argument '%s'\n",
		    argv[optind]);
		return 2;
	}
	if (!cfg.store_path) {
		fprintf(stderr, "edgeward serve: --store FILE is required\n");
		usage(stderr);
		return 2;
	}
	if (!cfg.tls_cert != !cfg.tls_key) {
		fprintf(stderr, "edgeward serve: --tls-cert and --tls-key go "
		    "together\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a client gone mid-reply */
	a = api_start(&cfg, err, sizeof(err));
	if (!a) {
		fprintf(stderr, "edgeward serve: %s\n", err);
		return 1;
	}
	{
		int v6 = strchr(host, ':') != NULL;
		fprintf(stderr, "edgeward serve: dashboard at %s://%s%s%s:%u/ "
		    "(token in %s)\n", api_is_tls(a) ? "https" : "http",
		    v6 ? "[" : "", host, v6 ? "]" : "", api_port(a),
		    api_token_path(a));
	}
	while (sigwait(&set, &sig) != 0)
		;
	api_stop(a);
	return 0;
}
