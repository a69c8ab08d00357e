/* main.c - the edgeward command: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/sim.h"

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward COMMAND [options]\n"
	    "\n"
	    "commands:\n"
	    "  analyze -r FILE [-l DIR]   analyze a pcap/pcapng capture offline\n"
	    "                             (deterministic), writing DIR/eve.json\n"
	    "  run -i IFACE [-c CONFIG] [-l DIR] [--store FILE]\n"
	    "                             the live sensor: capture, drop privileges,\n"
	    "                             write eve.json and the store until SIGTERM\n"
	    "  devices [-l DIR | --store FILE] [--json]\n"
	    "                             print the device inventory\n"
	    "  devices learn --label NAME CAPTURE...\n"
	    "                             enrol devices into a fingerprint library\n"
	    "  alerts --store FILE [--since T] [--device D] [--severity N]\n"
	    "                             list the alerts kept in the store\n"
	    "  serve --store FILE [--listen HOST:PORT]\n"
	    "                             the HTTP API and the web dashboard\n"
	    "  model keygen|sign|verify   Ed25519 keys and signatures of model snapshots\n"
	    "  policy mud|mud-import|nft|propose --store FILE ...\n"
	    "                             MUD profiles, nftables rules, a zone policy\n"
	    "  quarantine --store FILE MAC [--for D] [--apply] | --release MAC | --list\n"
	    "                             isolate a device (recorded; --apply loads nft)\n"
	    "  sim -w FILE [options]      write a simulated smart-home capture\n"
	    "  version                    print the version\n"
	    "\n"
	    "Run 'edgeward COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "analyze") == 0)
		return cli_analyze(argc - 1, argv + 1);
	if (strcmp(cmd, "run") == 0)
		return cli_run(argc - 1, argv + 1);
	if (strcmp(cmd, "devices") == 0)
		return cli_devices(argc - 1, argv + 1);
	if (strcmp(cmd, "alerts") == 0) return cli_alerts(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0) return cli_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "model") == 0)
		return cli_model(argc - 1, argv + 1);
	if (strcmp(cmd, "policy") == 0)
		return cli_policy(argc - 1, argv + 1);
	if (strcmp(cmd, "quarantine") == 0)
		return cli_quarantine(argc - 1, argv + 1);
	if (strcmp(cmd, "sim") == 0)
		return sim_main(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("edgeward %s\n", EW_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "edgeward: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
