/* model.c - `edgeward model`: keys and signatures for model snapshots. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "model/snapshot.h"

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward model keygen -o PREFIX\n"
	    "       edgeward model sign --key PREFIX.key FILE\n"
	    "       edgeward model verify --pub PREFIX.pub FILE\n"
	    "\n"
	    "keygen writes an Ed25519 key pair: PREFIX.key (secret, mode 0600;\n"
	    "never overwritten) and PREFIX.pub. Snapshots written by\n"
	    "'analyze --save-model FILE --key PREFIX.key' are signed; 'analyze\n"
	    "--load-model FILE --key PREFIX.pub' refuses a snapshot that is\n"
	    "unsigned, truncated, corrupted, of another version or feature\n"
	    "layout, or signed with another key. sign signs an unsigned (or\n"
	    "re-signs a) snapshot in place; verify checks one.\n");
}

/* Options "-o X" / "--key X" / "--pub X" and one positional FILE. */
static int parse(int argc, char **argv, const char *opt1, const char *opt2,
    const char **val, const char **file)
{
	*val = NULL;
	*file = NULL;
	for (int i = 2; i < argc; i++) {
		if ((strcmp(argv[i], opt1) == 0 ||
		    (opt2 && strcmp(argv[i], opt2) == 0)) && i + 1 < argc) {
			*val = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "edgeward model: unknown option '%s'\n",
			    argv[i]);
			return -1;
		} else if (!*file) {
			*file = argv[i];
		} else {
			fprintf(stderr, "edgeward model: one file only\n");
			return -1;
		}
	}
	return *val ? 0 : -1;
}

int cli_model(int argc, char **argv)
{
	const char *val, *file;
	char err[512];

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
	    strcmp(sub, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(sub, "keygen") == 0) {
		if (parse(argc, argv, "-o", "--out", &val, &file) < 0 || file) {
			usage(stderr);
			return 2;
		}
		if (snap_keygen(val, err, sizeof(err)) < 0) {
			fprintf(stderr, "edgeward model keygen: %s\n", err);
			return 1;
		}
		printf("wrote %s.key (secret, keep it private) and %s.pub\n",
		    val, val);
		return 0;
	}
	if (strcmp(sub, "sign") == 0) {
		if (parse(argc, argv, "--key", "-k", &val, &file) < 0 || !file) {
			usage(stderr);
			return 2;
		}
		if (snap_sign_file(file, val, err, sizeof(err)) < 0) {
			fprintf(stderr, "edgeward model sign: %s\n", err);
			return 1;
		}
		printf("%s: signed\n", file);
		return 0;
	}
	if (strcmp(sub, "verify") == 0) {
		if (parse(argc, argv, "--pub", "--key", &val, &file) < 0 ||
		    !file) {
			usage(stderr);
			return 2;
		}
		if (snap_verify_file(file, val, err, sizeof(err)) != 0) {
			fprintf(stderr, "edgeward model verify: %s\n", err);
			return 1;
		}
		printf("%s: good signature, snapshot intact\n", file);
		return 0;
	}
	fprintf(stderr, "edgeward model: unknown subcommand '%s'\n", sub);
	usage(stderr);
	return 2;
}
