/* policy_mud.c - `edgeward policy mud` and `edgeward policy mud-import`:
 * RFC 8520 MUD files out of, and into, the store.
 *
 *   edgeward policy mud --store FILE [--imported] MAC
 *   edgeward policy mud-import --store FILE MUDFILE [MAC]
 *
 * `mud` turns the device's "learned" baseline row into a MUD file on
 * stdout; `mud-import` validates a MUD file and stores it as the device's
 * "mud" baseline row, which then replaces the learned baseline as the
 * allowed behaviour. Device rows and evidence came from packets: values
 * reach the terminal only through JSON escaping or cli_cell. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "config.h"
#include "device/device_int.h"
#include "output/store.h"
#include "policy/mud.h"
#include "util/alloc.h"
#include "util/json.h"

/* Longest announced MUD URL we take from DHCP (option 161 holds at most
 * 255 bytes). */
#define MUD_URL_MAX 255

static void usage_mud(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward policy mud --store FILE [--imported] MAC\n"
	    "\n"
	    "Print a MUD file (RFC 8520 JSON) of what the device MAC has been\n"
	    "seen doing: the remote endpoints it opened (by the DNS name it\n"
	    "resolved when known, else by address), the LAN hosts it talked to\n"
	    "(local-networks), the ports it served. Works while learning: it\n"
	    "reads the device's \"learned\" baseline row as it is now.\n"
	    "\n"
	    "  --store FILE  the edgeward store (opened read-only)\n"
	    "  --imported    print the MUD file imported for the device instead\n"
	    "\n"
	    "The MUD URL is the one the device announced in DHCP (option 161)\n"
	    "when it did, else " MUD_URL_BASE "<mac>.json.\n"
	    "Exit status: 0 success, 1 no such device or no baseline for it yet,\n"
	    "or the store cannot be read, 2 bad usage.\n");
}

static void usage_import(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward policy mud-import --store FILE MUDFILE [MAC]\n"
	    "\n"
	    "Validate MUDFILE (RFC 8520 JSON) and attach it to a device: the\n"
	    "device MAC, or without MAC the one device that announced the file's\n"
	    "mud-url in DHCP (option 161). The profile replaces the device's\n"
	    "learned baseline as its allowed behaviour (stored as its \"mud\"\n"
	    "baseline row) from the next time the sensor or `analyze --store`\n"
	    "opens the store; traffic no ACE allows then alerts. Importing again\n"
	    "replaces the previous profile. A file that does not validate leaves\n"
	    "the store untouched.\n"
	    "\n"
	    "  --store FILE  the edgeward store (must exist)\n"
	    "\n"
	    "Exit status: 0 imported, 1 invalid file, unknown or ambiguous device,\n"
	    "or store error, 2 bad usage.\n");
}

/* MAC in any case, ':' or '-' separated -> the store's key form; other
 * keys (an IP text) as given. */
static void norm_key(const char *in, char *out, size_t n)
{
	size_t i;
	int mac = strlen(in) == 17;
	for (i = 0; mac && i < 17; i++) {
		char c = in[i];
		if (i % 3 == 2)
			mac = c == ':' || c == '-';
		else
			mac = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			    (c >= 'A' && c <= 'F');
	}
	for (i = 0; in[i] && i + 1 < n; i++) {
		char c = in[i];
		if (mac && c == '-')
			c = ':';
		else if (mac && c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		out[i] = c;
	}
	out[i] = '\0';
}

/* The inventory keeps evidence values to DEV_EV_VALUE_LEN - 1 bytes: a
 * value that long may be a longer URL cut short. */
static int maybe_cut(const char *s)
{
	return strlen(s) >= DEV_EV_VALUE_LEN - 1;
}

/* A URL from a packet fit to put in a MUD file: https, printable ASCII
 * without spaces or quotes, bounded, not cut short. */
static int url_ok(const char *s)
{
	size_t n = strlen(s);
	if (n <= 8 || n > MUD_URL_MAX || strncmp(s, "https://", 8) != 0 ||
	    maybe_cut(s))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

/* The newest "dhcp.mud_url" evidence value of a devices.json object into
 * url (""when none). */
static void announced_url(const char *json, size_t len, char *url, size_t n)
{
	json_t *o = json_loadb(json, len, 0, NULL);
	const char *best = NULL, *best_ts = "";
	size_t i;
	json_t *e;

	url[0] = '\0';
	json_array_foreach(json_object_get(o, "evidence"), i, e) {
		const char *k = json_string_value(json_object_get(e, "kind"));
		const char *v = json_string_value(json_object_get(e, "value"));
		const char *t = json_string_value(json_object_get(e,
		    "last_seen"));
		if (!k || !v || strcmp(k, "dhcp.mud_url") != 0)
			continue;
		/* RFC 3339 times of one format compare as strings */
		if (!best || (t && strcmp(t, best_ts) >= 0)) {
			best = v;
			best_ts = t ? t : "";
		}
	}
	if (best)
		snprintf(url, n, "%s", best);
	json_decref(o);
}

struct dev_look {
	int found;
	char url[MUD_URL_MAX + 1];
};

static int got_device(const struct store_device *d, void *ud)
{
	struct dev_look *l = ud;
	l->found = 1;
	if (d->json)
		announced_url(d->json, d->json_len, l->url, sizeof(l->url));
	return 0;
}

struct bl_look {
	const char *kind;
	char *json;		/* ew_malloc'd copy */
	size_t len;
	uint64_t ts;
	int oom;
};

static int got_baseline(const char *kind, uint64_t ts, const char *json,
    void *ud)
{
	struct bl_look *l = ud;
	if (strcmp(kind, l->kind) != 0 || l->json)
		return 0;
	l->len = strlen(json);
	if (!(l->json = ew_malloc(l->len + 1))) {
		l->oom = 1;
		return 1;
	}
	memcpy(l->json, json, l->len + 1);
	l->ts = ts;
	return 0;
}

/* One JSON document, indented (compact when the indented form would pass
 * the import limit), ASCII only (names came from packets), and a final
 * newline. 0 or -1. */
static int print_pretty(const char *json, size_t len)
{
	json_t *o = json_loadb(json, len, 0, NULL);
	if (!o)
		return -1;
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII;
	char *s = json_dumps(o, flags | JSON_INDENT(2));
	if (s && strlen(s) >= MUD_MAX_BYTES) {
		free(s);
		s = json_dumps(o, flags | JSON_COMPACT);
	}
	json_decref(o);
	if (!s)
		return -1;
	int rc = fputs(s, stdout) == EOF || fputc('\n', stdout) == EOF ||
	    fflush(stdout) != 0 ? -1 : 0;
	free(s);
	return rc;
}

int cli_policy_mud(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "imported", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	int imported = 0, c, rc = 1;
	char err[512], key[64], url[MUD_URL_MAX + 32];
	struct dev_look dl;
	struct bl_look bl;
	struct jbuf jb;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'i': imported = 1; break;
		case 'h': usage_mud(stdout); return 0;
		default:
			fprintf(stderr, "edgeward policy mud: bad option '%s' "
			    "(try --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (!path || optind != argc - 1) {
		fprintf(stderr, "usage: edgeward policy mud --store FILE "
		    "[--imported] MAC\n");
		return 2;
	}
	norm_key(argv[optind], key, sizeof(key));

	struct store *st = store_open_readonly(path, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "edgeward policy mud: %s\n", err);
		return 1;
	}
	memset(&dl, 0, sizeof(dl));
	memset(&bl, 0, sizeof(bl));
	jb_init(&jb, MUD_MAX_BYTES);
	bl.kind = imported ? "mud" : "learned";
	if (store_get_device(st, key, got_device, &dl) < 0 ||
	    store_each_baseline_of(st, key, got_baseline, &bl) < 0 ||
	    bl.oom) {
		fprintf(stderr, "edgeward policy mud: %s: cannot read the "
		    "store\n", path);
		goto done;
	}
	if (!dl.found && !bl.json) {
		fprintf(stderr, "edgeward policy mud: no device %s in %s\n",
		    key, path);
		goto done;
	}
	if (!bl.json) {
		if (imported)
			fprintf(stderr, "edgeward policy mud: no MUD file "
			    "imported for %s in %s\n", key, path);
		else
			fprintf(stderr, "edgeward policy mud: no learned "
			    "baseline for %s in %s yet (the sensor writes it "
			    "once it has seen the device's traffic)\n", key,
			    path);
		goto done;
	}
	if (imported) {
		if (print_pretty(bl.json, bl.len) < 0) {
			fprintf(stderr, "edgeward policy mud: the stored MUD "
			    "file of %s cannot be printed\n", key);
			goto done;
		}
		rc = 0;
		goto done;
	}
	if (dl.url[0] && url_ok(dl.url))
		snprintf(url, sizeof(url), "%s", dl.url);
	else
		snprintf(url, sizeof(url), MUD_URL_BASE "%s.json", key);
	if (mud_export(bl.json, bl.len, url, bl.ts, &jb, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "edgeward policy mud: %s: %s\n", key, err);
		goto done;
	}
	if (print_pretty(jb.buf, jb.len) < 0) {
		fprintf(stderr, "edgeward policy mud: cannot write the MUD "
		    "file\n");
		goto done;
	}
	rc = 0;
done:
	jb_fini(&jb);
	ew_free(bl.json);
	store_close(st, NULL, 0);
	return rc;
}

/* Read a whole file of at most max bytes; NULL after a message. */
static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!fp) {
		fprintf(stderr, "edgeward policy mud-import: %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	if (!(buf = ew_malloc(max + 2))) {
		fprintf(stderr, "edgeward policy mud-import: out of memory\n");
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, max + 1, fp);
	if (ferror(fp)) {
		fprintf(stderr, "edgeward policy mud-import: %s: read error\n",
		    path);
		ew_free(buf);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	if (n > max) {
		fprintf(stderr, "edgeward policy mud-import: %s: larger than "
		    "the %u-byte limit for a MUD file\n", path,
		    (unsigned)MUD_MAX_BYTES);
		ew_free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

#define MATCH_SHOW 5

/* A file's URL for the terminal: control and non-ASCII bytes as '?'. */
static const char *printable(const char *s, char *out, size_t n)
{
	size_t i;
	for (i = 0; s && s[i] && i + 1 < n; i++)
		out[i] = s[i] < ' ' || s[i] > '~' ? '?' : s[i];
	out[i] = '\0';
	return out;
}

struct url_match {
	const char *url;
	unsigned n;
	char keys[MATCH_SHOW][64];
};

static int match_url(const struct store_device *d, void *ud)
{
	struct url_match *m = ud;
	char url[MUD_URL_MAX + 1];
	if (!d->json)
		return 0;
	announced_url(d->json, d->json_len, url, sizeof(url));
	/* a value the inventory cut short matches the file's URL it begins */
	if (url[0] && (strcmp(url, m->url) == 0 || (maybe_cut(url) &&
	    strncmp(url, m->url, strlen(url)) == 0))) {
		if (m->n < MATCH_SHOW)
			snprintf(m->keys[m->n], sizeof(m->keys[0]), "%s",
			    d->key);
		m->n++;
	}
	return 0;
}

int cli_policy_mud_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *file;
	char err[512], key[64], pu[MUD_URL_MAX + 1];
	int c, rc = 1;
	size_t len = 0;
	char *json = NULL;
	struct mud_profile *prof = NULL;
	struct store *st = NULL;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'h': usage_import(stdout); return 0;
		default:
			fprintf(stderr, "edgeward policy mud-import: bad option "
			    "'%s' (try --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (!path || optind >= argc || argc - optind > 2) {
		fprintf(stderr, "usage: edgeward policy mud-import --store FILE "
		    "MUDFILE [MAC]\n");
		return 2;
	}
	file = argv[optind];
	key[0] = '\0';
	if (argc - optind == 2)
		norm_key(argv[optind + 1], key, sizeof(key));

	if (!(json = read_file(file, MUD_MAX_BYTES, &len)))
		return 1;
	if (!(prof = mud_parse(json, len, err, sizeof(err)))) {
		fprintf(stderr, "edgeward policy mud-import: %s: %s\n", file,
		    err);
		goto done;
	}
	if (access(path, F_OK) != 0) {	/* never create a store here */
		fprintf(stderr, "edgeward policy mud-import: %s: %s\n", path,
		    strerror(errno));
		goto done;
	}
	struct store_config sc;
	store_config_default(&sc);
	sc.path = path;
	sc.threaded = 0;
	if (!(st = store_open(&sc, err, sizeof(err)))) {
		fprintf(stderr, "edgeward policy mud-import: %s\n", err);
		goto done;
	}
	if (key[0]) {
		struct dev_look dl;
		memset(&dl, 0, sizeof(dl));
		int r = store_get_device(st, key, got_device, &dl);
		if (r < 0) {
			fprintf(stderr, "edgeward policy mud-import: %s: cannot "
			    "read the devices\n", path);
			goto done;
		}
		if (r == 0) {
			fprintf(stderr, "edgeward policy mud-import: no device "
			    "%s in %s\n", key, path);
			goto done;
		}
	} else {
		struct url_match m;
		memset(&m, 0, sizeof(m));
		m.url = mud_profile_url(prof);
		if (store_each_device(st, match_url, &m) < 0) {
			fprintf(stderr, "edgeward policy mud-import: %s: cannot "
			    "read the devices\n", path);
			goto done;
		}
		if (m.n == 0) {
			fprintf(stderr, "edgeward policy mud-import: no device "
			    "in %s announced the MUD URL %s: give the MAC\n",
			    path, printable(m.url, pu, sizeof(pu)));
			goto done;
		}
		if (m.n > 1) {
			fprintf(stderr, "edgeward policy mud-import: %u devices "
			    "announced the MUD URL %s (%s, %s%s): give the MAC\n",
			    m.n, printable(m.url, pu, sizeof(pu)), m.keys[0], m.keys[1], m.n > 2 ?
			    ", ..." : "");
			goto done;
		}
		snprintf(key, sizeof(key), "%s", m.keys[0]);
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	store_put_baseline(st, key, "mud", (uint64_t)now.tv_sec *
	    1000000000ull + (uint64_t)now.tv_nsec, json, len);
	if (store_flush(st) < 0 || store_wait(st) < 0) {
		struct store_status ss;
		store_get_status(st, &ss);
		fprintf(stderr, "edgeward policy mud-import: %s: cannot write: "
		    "%s\n", path, ss.last_error);
		goto done;
	}
	int r = store_close(st, err, sizeof(err));
	st = NULL;
	if (r < 0) {
		fprintf(stderr, "edgeward policy mud-import: %s\n", err);
		goto done;
	}
	size_t unsup = 0;
	for (size_t i = 0; i < mud_ace_count(prof); i++)
		unsup += mud_ace_at(prof, i)->unsupported;
	printf("imported %s for device %s into %s: %zu ACEs\n",
	    printable(mud_profile_url(prof), pu, sizeof(pu)), key, path,
	    mud_ace_count(prof));
	if (unsup)
		printf("note: %zu ACEs use matches edgeward cannot evaluate "
		    "(ethernet, manufacturer, model, controller): they never "
		    "match\n", unsup);
	if (mud_profile_ignored(prof))
		printf("note: %u match fields (dscp, ttl, tcp flags, ...) are "
		    "not evaluated\n", mud_profile_ignored(prof));
	printf("it replaces the learned baseline of %s from the next time the "
	    "sensor or analyze opens the store\n", key);
	rc = 0;
done:
	if (st)
		store_close(st, NULL, 0);
	mud_free(prof);
	ew_free(json);
	return rc;
}
