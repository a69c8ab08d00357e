/* cli.h - the edgeward subcommands. Each returns the process exit status:
 * 0 success, 1 runtime error (bad file, I/O), 2 bad usage. */
#ifndef EW_CLI_H
#define EW_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/pipeline.h"

#define EW_VERSION "0.1.0"

int cli_analyze(int argc, char **argv);
int cli_devices(int argc, char **argv);	/* devices.c */
int cli_model(int argc, char **argv);	/* model.c */

/* Create dir and its missing parents (mode 0755). 0 or -1 with errno. */
int cli_mkdirs(const char *dir);

/* Parse "16M", "512k", "1g", "1048576" into bytes. 0 or -1. */
int cli_parse_size(const char *s, size_t *out);
/* Parse a plain decimal count. 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *out);

/* The short human summary printed after a run. */
void cli_print_summary(const char *path, const char *outdir,
    const struct pipeline *pl, uint64_t eve_lines);

#endif /* EW_CLI_H */
