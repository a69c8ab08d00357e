/* alerts.c - `edgeward alerts`: list the alerts kept in the store.
 *
 *   edgeward alerts --store FILE [--since T] [--device MAC|IP]
 *                   [--severity N] [--limit N] [--json]
 *
 * Opens the store read-only (works while `edgeward run` writes it) and
 * prints a table, or the stored EVE alert objects one per line (the same
 * bytes as the eve.json alert lines). Text in alerts came from packets, so
 * every byte printed in the table is made printable first. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "output/store.h"
#include "util/duration.h"

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward alerts --store FILE [--since T] [--device MAC|IP]\n"
	    "                       [--severity N] [--limit N] [--json]\n"
	    "\n"
	    "List the alerts kept in an edgeward store (written by `edgeward run\n"
	    "--store FILE` or `edgeward analyze --store FILE`), oldest first. The\n"
	    "store is opened read-only, so this works while the sensor runs.\n"
	    "\n"
	    "  --store FILE    the store (SQLite database) to read\n"
	    "  --since T       only alerts whose episode started at or after T:\n"
	    "                    an ISO 8601 UTC time: 2026-11-26T10:00:00Z,\n"
	    "                    2026-11-26T10:00Z or 2026-11-26 (midnight UTC);\n"
	    "                    or a duration back from the NEWEST alert in the\n"
	    "                    store (not from the wall clock, so the answer\n"
	    "                    does not change with the time of day and a\n"
	    "                    capture analysed later reads the same):\n"
	    "                    -90s, -30m, -24h, -7d, -2w\n"
	    "  --device D      only alerts about device D or with D as source or\n"
	    "                  destination: a MAC (aa:bb:cc:dd:ee:ff) or an IP\n"
	    "  --severity N    only severity N or more severe (1 high, 2 medium,\n"
	    "                  3 low): --severity 2 lists severities 1 and 2\n"
	    "  --limit N       only the newest N alerts (still printed oldest\n"
	    "                  first)\n"
	    "  --json          one EVE alert object per line, byte-identical to\n"
	    "                  the alert lines of eve.json (jq-friendly); like\n"
	    "                  the table, in episode-start order, where eve.json\n"
	    "                  has them in the order they were raised\n"
	    "  -h, --help      this text\n"
	    "\n"
	    "Table columns: TIME (episode start, UTC), SEV, CATEGORY, SIGNATURE,\n"
	    "SRC -> DEST, DEVICE (name, else vendor and class, else MAC or IP).\n"
	    "\n"
	    "Exit status: 0 success (also when nothing matched), 1 the store\n"
	    "cannot be read, 2 bad usage.\n");
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no timegm/TZ is needed. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Read exactly n digits at *p. */
static int digits(const char **p, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + (unsigned)((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* "2026-11-26[T| ]10:00[:00[.123]][Z|+00:00|+0000]" -> ns since epoch
 * (UTC only: any other offset is refused rather than guessed). */
static int parse_iso(const char *s, uint64_t *out)
{
	unsigned y, mo, d, h = 0, mi = 0, sec = 0;
	const char *p = s;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
			if (*p == '.')	/* fraction: ignored (whole seconds) */
				for (p++; isdigit((unsigned char)*p); p++)
					;
		}
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (strcmp(p, "+00:00") == 0 || strcmp(p, "+0000") == 0)
		p += strlen(p);
	if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	int64_t days = days_from_civil(y, mo, d);
	int64_t secs = days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 +
	    (int64_t)sec;
	if (secs < 0 || secs > (int64_t)(UINT64_MAX / 1000000000u))
		return -1;
	*out = (uint64_t)secs * 1000000000u;
	return 0;
}

/* "-24h" -> seconds. */
static int parse_rel(const char *s, uint64_t *out)
{
	if (s[0] != '-' || dur_parse(s + 1, out) < 0 ||
	    *out > UINT64_MAX / 1000000000u)
		return -1;
	return 0;
}

struct print_ctx {
	int as_json;
	size_t rows;
	int werr;
};

/* The DEVICE column from the alert's "device" object (root: the alert's
 * EVE object, NULL when it did not parse). */
static void device_label(const struct store_alert_row *r, json_t *root,
    char *buf, size_t size)
{
	json_t *dev = json_object_get(root, "device");
	const char *name = json_string_value(json_object_get(dev, "name"));
	const char *vendor = json_string_value(json_object_get(dev, "vendor"));
	const char *cls = json_string_value(json_object_get(dev, "class"));
	if (name && name[0])
		snprintf(buf, size, "%s", name);
	else if ((vendor && vendor[0]) || (cls && cls[0]))
		snprintf(buf, size, "%s%s%s", vendor ? vendor : "",
		    vendor && vendor[0] && cls && cls[0] ? " " : "",
		    cls ? cls : "");
	else
		snprintf(buf, size, "%s", r->device_key[0] ? r->device_key :
		    "-");
}

static int print_row(const struct store_alert_row *r, void *ud)
{
	struct print_ctx *c = ud;
	c->rows++;
	if (c->as_json) {
		if (fputs(r->json, stdout) == EOF || putchar('\n') == EOF)
			c->werr = 1;
		return c->werr;
	}
	char when[32], sev[8], who[128], dev[160], sig[ALERT_SIG_LEN + 16];
	time_t t = (time_t)(r->ts_start / 1000000000u);
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	else
		snprintf(when, sizeof(when), "?");
	snprintf(sev, sizeof(sev), "%d", r->severity);
	snprintf(who, sizeof(who), "%s -> %s", r->src_ip[0] ? r->src_ip : "-",
	    r->dest_ip[0] ? r->dest_ip : "-");
	json_t *root = json_loadb(r->json, strlen(r->json), 0, NULL);
	device_label(r, root, dev, sizeof(dev));
	/* a progress report: its episode was still going on */
	int going = json_is_true(json_object_get(json_object_get(root,
	    "episode"), "ongoing"));
	json_decref(root);
	snprintf(sig, sizeof(sig), "%s%s", going ? "(going on) " : "",
	    r->signature);
	cli_cell(when, 19, 0);
	cli_cell(sev, 3, 0);
	cli_cell(r->category, 21, 0);
	cli_cell(sig, 36, 0);
	cli_cell(who, 35, 0);
	cli_cell(dev, 32, 1);
	return 0;
}

/* `alerts ack ID [--expected] [--note TEXT] --store FILE`: the same
 * acknowledgement the API's POST alerts/ID/ack writes. An alert marked
 * expected is folded into its device's baseline when a sensor or analyze
 * next opens the store. */
static int cli_alerts_ack(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "expected", no_argument, NULL, 'e' },
		{ "note", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *note = "";
	int expected = 0, c;
	uint64_t id;
	char err[512];

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'e': expected = 1; break;
		case 'n': note = optarg; break;
		case 'h':
			printf("usage: edgeward alerts ack ID [--expected] "
			    "[--note TEXT] --store FILE\n\n"
			    "Acknowledge alert ID (the id `alerts --json` and "
			    "the API show). --expected also\nsuppresses it and "
			    "folds what it reported (a country, a destination,\n"
			    "a peer, a volume, an hour) into the device's "
			    "baseline: the sensor or\n`analyze --store` takes "
			    "it in the next time it opens the store.\n");
			return 0;
		default:
			fprintf(stderr, "edgeward alerts ack: bad option '%s' "
			    "(try --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (!path || optind != argc - 1 ||
	    cli_parse_u64(argv[optind], &id) < 0 || id == 0 ||
	    id > INT64_MAX) {
		fprintf(stderr, "usage: edgeward alerts ack ID [--expected] "
		    "[--note TEXT] --store FILE\n");
		return 2;
	}
	if (strlen(note) > 200) {
		fprintf(stderr, "edgeward alerts ack: --note: at most 200 "
		    "bytes\n");
		return 2;
	}
	struct store_config sc;
	store_config_default(&sc);
	sc.path = path;
	sc.threaded = 0;
	if (access(path, F_OK) != 0) {	/* never create a store here */
		fprintf(stderr, "edgeward alerts ack: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	struct store *st = store_open(&sc, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "edgeward alerts ack: %s\n", err);
		return 1;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int r = store_ack_alert(st, (int64_t)id, (uint64_t)now.tv_sec *
	    1000000000ull + (uint64_t)now.tv_nsec, expected, note, "cli");
	int rc = store_close(st, err, sizeof(err)) < 0 ? 1 : 0;
	if (r < 0) {
		fprintf(stderr, "edgeward alerts ack: cannot write the "
		    "acknowledgement to %s\n", path);
		return 1;
	}
	if (r == 0) {
		fprintf(stderr, "edgeward alerts ack: no alert %llu in %s\n",
		    (unsigned long long)id, path);
		return 1;
	}
	printf("alert %llu acknowledged%s\n", (unsigned long long)id,
	    expected ? " as expected (folded into the baseline at the next "
	    "start)" : "");
	return rc;
}

int cli_alerts(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "ack") == 0)
		return cli_alerts_ack(argc - 1, argv + 1);

	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "device", required_argument, NULL, 'd' },
		{ "severity", required_argument, NULL, 'v' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *since = NULL;
	char device[64] = "";
	struct store_alert_filter f;
	struct print_ctx pc;
	uint64_t v;
	int c;

	memset(&f, 0, sizeof(f));
	memset(&pc, 0, sizeof(pc));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'S':
			since = optarg;
			break;
		case 'd': {
			size_t n = strlen(optarg);
			if (n == 0 || n >= sizeof(device)) {
				fprintf(stderr, "edgeward alerts: --device: "
				    "expected a MAC or an IP address\n");
				return 2;
			}
			/* keys and addresses are stored lower case */
			for (size_t i = 0; i <= n; i++)
				device[i] = (char)tolower(
				    (unsigned char)optarg[i]);
			break;
		}
		case 'v':
			if (cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 3) {
				fprintf(stderr, "edgeward alerts: --severity: "
				    "expected 1, 2 or 3\n");
				return 2;
			}
			f.max_severity = (int)v;
			break;
		case 'n':
			if (cli_parse_u64(optarg, &v) != 0 || v < 1 ||
			    v > 100000000) {
				fprintf(stderr, "edgeward alerts: --limit: "
				    "expected a count from 1\n");
				return 2;
			}
			f.limit = (unsigned)v;
			break;
		case 'j':
			pc.as_json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "edgeward alerts: %s needs a value\n",
			    argv[optind - 1]);
			usage(stderr);
			return 2;
		default:
			fprintf(stderr, "edgeward alerts: bad argument '%s'\n",
			    argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "edgeward alerts: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!path) {
		fprintf(stderr, "edgeward alerts: --store FILE is required\n");
		usage(stderr);
		return 2;
	}
	uint64_t rel = 0;
	int is_rel = 0;
	if (since) {
		if (parse_rel(since, &rel) == 0) {
			is_rel = 1;
		} else if (parse_iso(since, &f.since_ns) != 0) {
			fprintf(stderr, "edgeward alerts: --since '%s': expected "
			    "an ISO 8601 UTC time (2026-11-26T10:00:00Z) or "
			    "-DURATION (-24h, -7d)\n", since);
			return 2;
		}
	}
	if (device[0])
		f.device = device;

	char err[512];
	struct store *st = store_open_readonly(path, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "edgeward alerts: %s\n", err);
		return 1;
	}
	if (is_rel) {
		uint64_t newest = 0;
		if (store_newest_alert_ts(st, &newest) != 0) {
			fprintf(stderr, "edgeward alerts: %s: cannot read the "
			    "alerts\n", path);
			store_close(st, NULL, 0);
			return 1;
		}
		rel *= 1000000000u;
		f.since_ns = newest > rel ? newest - rel : 0;
	}
	if (!pc.as_json)
		printf("%-19s %-3s %-21s %-36s %-35s %s\n", "TIME (UTC)", "SEV",
		    "CATEGORY", "SIGNATURE", "SRC -> DEST", "DEVICE");
	int rc = store_each_alert(st, &f, print_row, &pc);
	store_close(st, NULL, 0);
	if (rc != 0) {
		fprintf(stderr, "edgeward alerts: %s: cannot read the alerts\n",
		    path);
		return 1;
	}
	if (!pc.as_json)
		printf("%zu alert%s\n", pc.rows, pc.rows == 1 ? "" : "s");
	return fflush(stdout) == 0 && !pc.werr ? 0 : 1;
}
