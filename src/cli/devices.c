/* devices.c - `edgeward devices`: print the inventory analyze wrote.
 *
 *   edgeward devices [-l DIR | -f FILE] [--json]
 *   edgeward devices learn ...        (enrolment, see fplib.c)
 *
 * Reads DIR/devices.json (default ./devices.json) and prints one row per
 * device, or the JSON itself. Names in the file came from packets, so
 * every byte printed to the terminal is made printable first. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "device/device_int.h"


static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward devices [-l DIR | -f FILE] [--json]\n"
	    "       edgeward devices learn ...\n"
	    "\n"
	    "  -l DIR    read DIR/devices.json (default: ./devices.json)\n"
	    "  -f FILE   read FILE\n"
	    "  --json    print the inventory as JSON instead of a table\n");
}

/* A JSON string member, "" when absent or not a string. */
static const char *sget(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* Print s cut to width columns (no terminal control bytes), padded. */
static void cell(const char *s, int width, int last)
{
	size_t len = strlen(s);
	int cut = len > (size_t)width, n = 0;
	for (; s[n] && n < width - cut; n++) {
		unsigned char c = (unsigned char)s[n];
		putchar(c < 0x20 || c == 0x7f ? '?' : c);
	}
	if (cut) {			/* cut: mark it */
		putchar('~');
		n++;
	}
	if (last) {
		putchar('\n');
		return;
	}
	for (; n < width + 1; n++)
		putchar(' ');
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
		cell(mac[0] ? mac : "-", 17, 0);
		cell(ips[0] ? ips : "-", 31, 0);
		cell(sget(d, "vendor")[0] ? sget(d, "vendor") : "-", 16, 0);
		cell(sget(d, "class")[0] ? sget(d, "class") : "unknown", 17, 0);
		cell(sget(d, "model")[0] ? sget(d, "model") : "-", 18, 0);
		cell(sget(d, "os")[0] ? sget(d, "os") : "-", 10, 0);
		printf("%4s  ", conf);
		cell(sget(d, "hostname")[0] ? sget(d, "hostname") : "-", 40, 1);
	}
	printf("%zu device%s\n", json_array_size(arr),
	    json_array_size(arr) == 1 ? "" : "s");
}

int cli_devices(int argc, char **argv)
{
	const char *dir = NULL, *file = NULL;
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
	if (dir && file) {
		fprintf(stderr, "edgeward devices: -l and -f exclude each "
		    "other\n");
		return 2;
	}
	if (!file) {
		snprintf(path, sizeof(path), "%s/devices.json",
		    dir ? dir : ".");
		file = path;
	}

	json_error_t jerr;
	json_t *root = json_load_file(file, 0, &jerr);
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
