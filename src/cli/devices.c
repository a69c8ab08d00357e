/* devices.c - `edgeward devices`: print the inventory analyze wrote.
 *
 *   edgeward devices [-l DIR | -f FILE | --store FILE] [--json]
 *   edgeward devices learn ...        (enrolment, see fplib.c)
 *
 * Reads DIR/devices.json (default ./devices.json), or the devices kept in
 * a store (their stored devices.json objects, by key), and prints one row
 * per device, or the JSON itself: one printing path for both sources. Names in the file came from packets, so
 * every byte printed to the terminal is made printable first. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "device/device_int.h"
#include "output/store.h"


static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward devices [-l DIR | -f FILE | --store FILE] [--json]\n"
	    "       edgeward devices learn ...\n"
	    "\n"
	    "  -l DIR        read DIR/devices.json (default: ./devices.json)\n"
	    "  -f FILE       read FILE\n"
	    "  --store FILE  read the devices kept in an edgeward store (opened\n"
	    "                read-only: works while `edgeward run` writes it)\n"
	    "  --json        print the inventory as JSON instead of a table (the\n"
	    "                same array devices.json holds)\n"
	    "\n"
	    "Exit status: 0 success, 1 the file or store cannot be read, 2 bad\n"
	    "usage.\n");
}

/* A JSON string member, "" when absent or not a string. */
static const char *sget(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The same, or dflt when empty. */
static const char *sor(const json_t *o, const char *key, const char *dflt)
{
	const char *s = sget(o, key);
	return *s ? s : dflt;
}

static void table(const json_t *arr)
{
	printf("%-17s %-31s %-16s %-17s %-18s %-10s %4s  %s\n", "MAC", "IPS",
	    "VENDOR", "CLASS", "MODEL", "OS", "CONF", "HOSTNAME");
	size_t i;
	const json_t *d;
	json_array_foreach(arr, i, d) {
		char ips[256], conf[16];
		size_t o = 0;
		const json_t *ip;
		size_t j;
		ips[0] = '\0';
		json_array_foreach(json_object_get(d, "ips"), j, ip) {
			const char *s = json_string_value(ip);
			if (!s)
				continue;
			int w = snprintf(ips + o, sizeof(ips) - o, "%s%s",
			    o ? "," : "", s);
			if (w < 0 || (size_t)w >= sizeof(ips) - o)
				break;
			o += (size_t)w;
		}
		json_t *c = json_object_get(d, "confidence");
		snprintf(conf, sizeof(conf), "%lld%%",
		    json_is_integer(c) ? (long long)json_integer_value(c) : 0);
		const char *mac = sget(d, "mac");
		cli_cell(mac[0] ? mac : "-", 17, 0);
		cli_cell(ips[0] ? ips : "-", 31, 0);
		cli_cell(sor(d, "vendor", "-"), 16, 0);
		cli_cell(sor(d, "class", "unknown"), 17, 0);
		cli_cell(sor(d, "model", "-"), 18, 0);
		cli_cell(sor(d, "os", "-"), 10, 0);
		printf("%4s  ", conf);
		cli_cell(sor(d, "hostname", "-"), 40, 1);
	}
	printf("%zu device%s\n", json_array_size(arr),
	    json_array_size(arr) == 1 ? "" : "s");
}

static int add_stored(const struct store_device *d, void *ud)
{
	json_t *arr = ud;
	json_t *o = json_loadb(d->json, d->json_len, 0, NULL);
	if (!o || !json_is_object(o)) {	/* damaged row: keep the key */
		json_decref(o);
		o = json_pack("{s:s}", "mac", d->mac ? d->mac : "");
	}
	return o && json_array_append_new(arr, o) == 0 ? 0 : 1;
}

/* The stored devices as the array devices.json holds; NULL after a
 * message. */
static json_t *load_store(const char *path)
{
	char err[512];
	struct store *st = store_open_readonly(path, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "edgeward devices: %s\n", err);
		return NULL;
	}
	json_t *arr = json_array();
	if (!arr || store_each_device(st, add_stored, arr) != 0) {
		fprintf(stderr, "edgeward devices: %s: cannot read the "
		    "devices\n", path);
		json_decref(arr);
		arr = NULL;
	}
	store_close(st, NULL, 0);
	return arr;
}

int cli_devices(int argc, char **argv)
{
	const char *dir = NULL, *file = NULL, *store = NULL;
	int as_json = 0;
	char path[4096];

	if (argc >= 2 && strcmp(argv[1], "learn") == 0)
		return dev_learn_main(argc - 1, argv + 1);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-l") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(a, "-f") == 0 && i + 1 < argc) {
			file = argv[++i];
		} else if (strcmp(a, "--store") == 0 && i + 1 < argc) {
			store = argv[++i];
		} else if (strcmp(a, "--json") == 0) {
			as_json = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "edgeward devices: bad argument '%s'\n",
			    a);
			usage(stderr);
			return 2;
		}
	}
	if ((dir != NULL) + (file != NULL) + (store != NULL) > 1) {
		fprintf(stderr, "edgeward devices: -l, -f and --store exclude "
		    "each other\n");
		return 2;
	}
	if (!file && !store) {
		snprintf(path, sizeof(path), "%s/devices.json",
		    dir ? dir : ".");
		file = path;
	}

	json_error_t jerr;
	json_t *root;
	if (store) {
		root = load_store(store);
		if (!root)
			return 1;
		file = store;
	} else {
		root = json_load_file(file, 0, &jerr);
	}
	if (!root) {
		if (jerr.line > 0)
			fprintf(stderr, "edgeward devices: %s:%d: %s\n", file,
			    jerr.line, jerr.text);
		else
			fprintf(stderr, "edgeward devices: %s\n", jerr.text);
		return 1;
	}
	if (!json_is_array(root)) {
		fprintf(stderr, "edgeward devices: %s: not a JSON array of "
		    "devices\n", file);
		json_decref(root);
		return 1;
	}
	if (as_json) {
		if (json_dumpf(root, stdout, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) != 0) {
			json_decref(root);
			return 1;
		}
		putchar('\n');
	} else {
		table(root);
	}
	json_decref(root);
	return fflush(stdout) == 0 ? 0 : 1;
}
