/* fuzz_conf.c - libFuzzer target: the configuration file parser
 * (svc_conf_parse) on arbitrary text, with and without an option table.
 * Seed it with dist/edgeward.conf. */
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "service/service.h"

#define FZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static const struct option opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "bpf", required_argument, NULL, 'f' },
	{ "log-dir", required_argument, NULL, 'l' },
	{ "store", required_argument, NULL, 1 },
	{ "user", required_argument, NULL, 2 },
	{ "home-net", required_argument, NULL, 3 },
	{ "set", required_argument, NULL, 4 },
	{ "check-off", required_argument, NULL, 5 },
	{ "no-ndpi", no_argument, NULL, 6 },
	{ "promisc", no_argument, NULL, 7 },
	{ "syslog", no_argument, NULL, 8 },
	{ "snaplen", required_argument, NULL, 9 },
	{ NULL, 0, NULL, 0 },
};

static const struct option *find(const char *name, size_t n)
{
	for (const struct option *o = opts; o->name; o++)
		if (strlen(o->name) == n && memcmp(o->name, name, n) == 0)
			return o;
	return NULL;
}

static void check(int r, int argc, char **argv, const char *err, int typed)
{
	if (r != 0) {
		FZ_CHECK(r == -1 && argc == 0 && argv == NULL);
		/* every rejection says where */
		FZ_CHECK(strncmp(err, "fuzz.conf:", 10) == 0);
		return;
	}
	FZ_CHECK(argv != NULL && argc >= 0 && argc <= SVC_CONF_MAX_OPTS);
	FZ_CHECK(argv[argc] == NULL);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		FZ_CHECK(a[0] == '-' && a[1] == '-');
		size_t n = strcspn(a + 2, "=");
		FZ_CHECK(n > 0);
		for (size_t k = 0; k < n; k++) {
			char c = a[2 + k];
			FZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			    || (c >= '0' && c <= '9') || c == '-');
		}
		FZ_CHECK(strncmp(a + 2, "config", n > 6 ? n : 6) != 0);
		if (typed) {
			const struct option *o = find(a + 2, n);
			FZ_CHECK(o != NULL);
			/* switches never carry a value, valued options always */
			FZ_CHECK((a[2 + n] == '=') ==
			    (o->has_arg == required_argument));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	int argc = 1;
	char **argv = (char **)1;

	for (int typed = 0; typed <= 1; typed++) {
		err[0] = '\0';
		int r = svc_conf_parse((const char *)data, size, "fuzz.conf",
		    typed ? opts : NULL, &argc, &argv, err, sizeof(err));
		check(r, argc, argv, err, typed);
		svc_conf_free(argc, argv);
	}
	return 0;
}
