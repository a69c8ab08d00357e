/* cli.h - the edgeward subcommands. Each returns the process exit status:
 * 0 success, 1 runtime error (bad file, I/O), 2 bad usage. */
#ifndef EW_CLI_H
#define EW_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline/pipeline.h"

#define EW_VERSION "0.1.0"

int cli_analyze(int argc, char **argv);
int cli_devices(int argc, char **argv);	/* devices.c */
int cli_alerts(int argc, char **argv);	/* alerts.c */
int cli_model(int argc, char **argv);	/* model.c */
int cli_run(int argc, char **argv);	/* run.c: the live sensor */
int cli_serve(int argc, char **argv);	/* serve.c: the HTTP API */
/* policy.c: `policy propose|nft|mud|mud-import` (mud and mud-import are
 * in policy_mud.c) */
int cli_policy(int argc, char **argv);
int cli_policy_mud(int argc, char **argv);	/* policy_mud.c */
int cli_policy_mud_import(int argc, char **argv);	/* policy_mud.c */
int cli_quarantine(int argc, char **argv);	/* quarantine.c */

/* Create dir and its missing parents (mode 0755). 0 or -1 with errno. */
int cli_mkdirs(const char *dir);
/* The same for the directory a file goes in (e.g. the store). */
int cli_mkdirs_for(const char *file);

/* Parse "16M", "512k", "1g", "1048576" into bytes. 0 or -1. */
int cli_parse_size(const char *s, size_t *out);
/* One table cell on stdout: s cut to width columns (a cut marked '~'),
 * terminal control bytes as '?' (names come from packets), then padding,
 * or a newline when last. */
void cli_cell(const char *s, int width, int last);
/* Parse a plain decimal count. 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *out);

/* Pipeline options shared by `analyze` and `run` (one table, one parser):
 * --home-net --flow-memcap --no-ndpi --kb --library --set --check-off
 * --list-settings --no-checks --no-model --fm-grace --ad-grace
 * --fm-grace-s --ad-grace-s --key --store. Their getopt values are CLI_OPT_PL_FIRST and up, clear of any
 * short option character. */
#define CLI_OPT_PL_FIRST 0x100
/* The shared table followed by own (up to its {NULL} end) into out, which
 * ends with {NULL}. Returns 0, or -1 when cap entries are too few. */
int cli_pl_options(struct option *out, size_t cap, const struct option *own);

struct cli_pl_opts {
	struct pipeline_config *cfg;	/* filled in place */
	const char *store_path;		/* --store, NULL when not given */
	const char *key_path;		/* --key (also put in cfg->anom) */
};
/* One getopt_long result c with its optarg. Returns 1 when c was a
 * shared option and is applied, 0 when it is not one of them (the caller
 * handles it), 2 after --list-settings was printed (exit 0), -1 on a bad
 * value (one line "edgeward CMD: ..." on stderr: exit 2). */
int cli_pl_option(struct cli_pl_opts *o, int c, const char *arg,
    const char *cmd);
/* Settings are usage: build the checks once to refuse an unknown key or
 * bad value before any file is touched. 0, or -1 with the line printed. */
int cli_pl_validate(const struct pipeline_config *cfg, const char *cmd);
/* The --help paragraphs for the shared options. */
void cli_pl_usage(FILE *fp);

/* The short human summary printed after a run. */
void cli_print_summary(const char *path, const char *outdir,
    const struct pipeline *pl, uint64_t eve_lines);

#endif /* EW_CLI_H */
