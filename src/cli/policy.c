/* policy.c - `edgeward policy`: the zone/MUD/enforcement commands.
 *
 *   edgeward policy nft --store FILE [--zones FILE] [-o FILE]
 *   edgeward policy propose --store FILE
 *   edgeward policy mud ...         (policy_mud.c)
 *   edgeward policy mud-import ...  (policy_mud.c)
 *
 * `nft` prints the nftables ruleset (src/policy/nft.h) of the store's
 * quarantines, imported MUD profiles and, with --zones, a zone policy.
 * `propose` writes a zone policy from what the learned baselines saw
 * (which device classes talk to which, and to the internet). */
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
#include "policy/nft.h"
#include "policy/quarantine.h"
#include "policy/zones.h"

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward policy nft --store FILE [--zones FILE] [-o FILE]\n"
	    "       edgeward policy propose --store FILE\n"
	    "       edgeward policy mud --store FILE MAC\n"
	    "       edgeward policy mud-import --store FILE MUDFILE [MAC]\n"
	    "\n"
	    "  nft         print the nftables ruleset (table inet edgeward) of the\n"
	    "              store's quarantined devices, imported MUD profiles and,\n"
	    "              with --zones, a zone policy; load it with `nft -f FILE`\n"
	    "              (replaces the edgeward table atomically, nothing else)\n"
	    "  propose     print a zone policy (for --zones) proposed from what the\n"
	    "              devices' learned baselines saw\n"
	    "  mud         print a MUD file (RFC 8520) of what a device was seen doing\n"
	    "  mud-import  attach a MUD file to a device\n"
	    "\n"
	    "Run 'edgeward policy COMMAND --help' for a command's options.\n");
}

/* Read-write when we may write the file (expired quarantines are removed
 * and recorded, a v2 file is migrated), else read-only (expired ones are
 * skipped). Never creates a store. */
static struct store *open_store(const char *cmd, const char *path)
{
	char err[512];
	struct store *st;
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "edgeward policy %s: %s: %s\n", cmd, path,
		    strerror(errno));
		return NULL;
	}
	if (access(path, W_OK) == 0) {
		struct store_config sc;
		store_config_default(&sc);
		sc.path = path;
		sc.threaded = 0;
		sc.alert_max_age_s = sc.device_max_age_s = sc.max_bytes = 0;
		st = store_open(&sc, err, sizeof(err));
		if (st)
			return st;
	}
	st = store_open_readonly(path, err, sizeof(err));
	if (!st)
		fprintf(stderr, "edgeward policy %s: %s\n", cmd, err);
	return st;
}

/* ---- policy nft ---------------------------------------------------------- */

static int policy_nft(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "zones", required_argument, NULL, 'z' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *zpath = NULL, *opath = NULL;
	struct zones *z = NULL;
	struct nft_input in;
	struct store *st;
	unsigned bad = 0;
	char err[512];
	FILE *out = stdout;
	int c, ret = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'z': zpath = optarg; break;
		case 'o': opath = optarg; break;
		case 'h':
			printf("usage: edgeward policy nft --store FILE [--zones "
			    "FILE] [-o FILE]\n\n"
			    "Print the nftables ruleset for table inet edgeward:\n"
			    "quarantine sets (with the kernel-side expiry of each\n"
			    "entry), zone rules (--zones, the zones file format of\n"
			    "`edgeward policy propose`) and per-device allow-lists\n"
			    "from imported MUD profiles. Load it with nft -f (root).\n"
			    "It filters in the forward hook: run it on the router\n"
			    "that forwards the devices' traffic (an L2-only sensor\n"
			    "would need a bridge table, not rendered). Quarantined\n"
			    "devices keep DHCP and DNS from the router itself.\n");
			return 0;
		default:
			fprintf(stderr, "edgeward policy nft: bad option '%s' "
			    "(try --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (!path || optind != argc) {
		fprintf(stderr, "usage: edgeward policy nft --store FILE "
		    "[--zones FILE] [-o FILE]\n");
		return 2;
	}
	if (zpath) {
		z = zones_load(zpath, err, sizeof(err));
		if (!z) {
			fprintf(stderr, "edgeward policy nft: %s\n", err);
			return 1;
		}
	}
	st = open_store("nft", path);
	if (!st) {
		zones_free(z);
		return 1;
	}
	memset(&in, 0, sizeof(in));
	in.zones = z;
	if (nft_input_from_store(&in, st, (uint64_t)time(NULL), &bad, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "edgeward policy nft: %s\n", err);
		ret = 1;
	}
	if (bad)
		fprintf(stderr, "edgeward policy nft: %u MUD profile(s) in the "
		    "store do not parse; not rendered\n", bad);
	if (ret == 0 && opath && !(out = fopen(opath, "w"))) {
		fprintf(stderr, "edgeward policy nft: %s: %s\n", opath,
		    strerror(errno));
		ret = 1;
	}
	if (ret == 0 && nft_render(&in, out, err, sizeof(err)) != 0) {
		fprintf(stderr, "edgeward policy nft: %s\n", err);
		ret = 1;
	}
	if (out && out != stdout && fclose(out) != 0 && ret == 0) {
		fprintf(stderr, "edgeward policy nft: %s: write error\n", opath);
		ret = 1;
	}
	nft_input_free(&in);
	store_close(st, err, sizeof(err));
	zones_free(z);
	return ret;
}

/* ---- policy propose ------------------------------------------------------- */

struct phost {
	char key[QUAR_KEY_MAX], mac[MAC_STRLEN];
	char ip[QUAR_MAX_IPS][ADDR_STRLEN];
	size_t nip;
	char cls[48];
	int learned;		/* has a learned baseline */
};

struct pctx {
	struct phost *h;
	size_t nh, caph;
	struct zone_edge *e;
	size_t ne, cape;
	char **strs;		/* owned class strings of the edges */
	size_t ns, caps;
	int oom;
};

static int ph_add(const struct store_device *row, void *ud)
{
	struct pctx *c = ud;
	struct quar_device d;
	if (quar_device_from_row(row, &d) != 0)
		return 0;
	if (c->nh == c->caph) {
		size_t cap = c->caph ? c->caph * 2 : 64;
		struct phost *h = realloc(c->h, cap * sizeof(*h));
		if (!h) {
			c->oom = 1;
			return 1;
		}
		c->h = h;
		c->caph = cap;
	}
	struct phost *h = &c->h[c->nh++];
	memset(h, 0, sizeof(*h));
	snprintf(h->key, sizeof(h->key), "%s", d.key);
	snprintf(h->mac, sizeof(h->mac), "%s", d.mac);
	for (size_t i = 0; i < d.nips; i++)
		snprintf(h->ip[i], ADDR_STRLEN, "%s", d.ips[i]);
	h->nip = d.nips;
	snprintf(h->cls, sizeof(h->cls), "%s", row->cls ? row->cls : "");
	return 0;
}

static struct phost *ph_find(struct pctx *c, const char *mac, const char *ip)
{
	char m[MAC_STRLEN], a[ADDR_STRLEN];
	int hm = mac && quar_norm_mac(mac, m) == 0;
	int hi = ip && quar_norm_ip(ip, a, NULL) == 0;
	for (size_t i = 0; hm && i < c->nh; i++)
		if (strcmp(c->h[i].mac, m) == 0)
			return &c->h[i];
	for (size_t i = 0; hi && i < c->nh; i++)
		for (size_t j = 0; j < c->h[i].nip; j++)
			if (strcmp(c->h[i].ip[j], a) == 0)
				return &c->h[i];
	return NULL;
}

/* Class strings are kept by the context (the edges point at them). */
static const char *keep(struct pctx *c, const char *s)
{
	for (size_t i = 0; i < c->ns; i++)
		if (strcmp(c->strs[i], s) == 0)
			return c->strs[i];
	if (c->ns == c->caps) {
		size_t cap = c->caps ? c->caps * 2 : 16;
		char **v = realloc(c->strs, cap * sizeof(*v));
		if (!v) {
			c->oom = 1;
			return "unknown";
		}
		c->strs = v;
		c->caps = cap;
	}
	c->strs[c->ns] = strdup(s);
	if (!c->strs[c->ns]) {
		c->oom = 1;
		return "unknown";
	}
	return c->strs[c->ns++];
}

static void edge(struct pctx *c, const char *src, const char *dst,
    json_int_t proto, json_int_t port, json_int_t n)
{
	if (proto < 0 || proto > 255 || port < 0 || port > 65535)
		return;		/* from packets via the sensor: never trusted */
	if (c->ne == c->cape) {
		size_t cap = c->cape ? c->cape * 2 : 64;
		struct zone_edge *e = realloc(c->e, cap * sizeof(*e));
		if (!e) {
			c->oom = 1;
			return;
		}
		c->e = e;
		c->cape = cap;
	}
	c->e[c->ne].src_cls = keep(c, src && src[0] ? src : "unknown");
	c->e[c->ne].dst_cls = keep(c, dst && dst[0] ? dst : "unknown");
	c->e[c->ne].proto = (uint8_t)proto;
	c->e[c->ne].port = (uint16_t)port;
	c->e[c->ne].n = n > 0 ? (uint64_t)n : 1;
	c->ne++;
}

static json_int_t jint(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static const char *jstr(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int mark_learned(const char *key, const char *kind, uint64_t ts,
    const char *json, void *ud)
{
	struct pctx *c = ud;
	(void)ts;
	(void)json;
	if (strcmp(kind, "learned") == 0)
		for (size_t i = 0; i < c->nh; i++)
			if (strcmp(c->h[i].key, key) == 0)
				c->h[i].learned = 1;
	return 0;
}

static int learned_edges(const char *key, const char *kind, uint64_t ts,
    const char *json, void *ud)
{
	struct pctx *c = ud;
	const char *cls = "";
	json_t *root, *a, *x;
	size_t i;
	(void)ts;
	if (strcmp(kind, "learned") != 0)
		return 0;
	root = json_loads(json, 0, NULL);
	if (!json_is_object(root) || jint(root, "v") != 1) {
		json_decref(root);
		return 0;	/* not a v1 blob: ignored */
	}
	for (size_t k = 0; k < c->nh; k++)
		if (strcmp(c->h[k].key, key) == 0)
			cls = c->h[k].cls;
	if (!cls[0] && jstr(root, "class"))
		cls = jstr(root, "class");
	/* LAN peers: each connection once, from its opener's blob ("out");
	 * an "in" entry only when the opener has no blob of its own */
	a = json_object_get(root, "peers");
	json_array_foreach(a, i, x) {
		const char *dir = jstr(x, "dir");
		struct phost *peer = ph_find(c, jstr(x, "mac"), jstr(x, "ip"));
		const char *pcls = peer ? peer->cls : "";
		if (!dir)
			continue;
		if (strcmp(dir, "out") == 0)
			edge(c, cls, pcls, jint(x, "proto"), jint(x, "port"),
			    jint(x, "n"));
		else if (strcmp(dir, "in") == 0 && !(peer && peer->learned))
			edge(c, pcls, cls, jint(x, "proto"), jint(x, "port"),
			    jint(x, "n"));
	}
	a = json_object_get(root, "remotes");
	json_array_foreach(a, i, x)
		edge(c, cls, "internet", jint(x, "proto"), jint(x, "port"),
		    jint(x, "n"));
	/* services: the remote ports, when remotes did not list them */
	a = json_object_get(root, "services");
	json_array_foreach(a, i, x) {
		json_int_t pr = jint(x, "proto"), po = jint(x, "port");
		int seen = 0;
		size_t j;
		json_t *y;
		json_array_foreach(json_object_get(root, "remotes"), j, y)
			seen |= jint(y, "proto") == pr && jint(y, "port") == po;
		if (!seen)
			edge(c, cls, "internet", pr, po, 1);
	}
	a = json_object_get(root, "inbound");
	json_array_foreach(a, i, x)
		edge(c, "internet", cls, jint(x, "proto"), jint(x, "port"),
		    jint(x, "n"));
	json_decref(root);
	return c->oom;
}

static int policy_propose(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct pctx c;
	struct store *st;
	char err[512];
	int ch, ret = 0;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': path = optarg; break;
		case 'h':
			printf("usage: edgeward policy propose --store FILE\n\n"
			    "Print a zone policy proposed from the devices' learned\n"
			    "baselines: one zone per device class, allow rules for\n"
			    "what each class was seen doing (to other classes and to\n"
			    "the internet), denies for the rest. Review it, then use\n"
			    "it with `policy nft --zones` or the sensor's zones file.\n");
			return 0;
		default:
			fprintf(stderr, "edgeward policy propose: bad option '%s' "
			    "(try --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (!path || optind != argc) {
		fprintf(stderr, "usage: edgeward policy propose --store FILE\n");
		return 2;
	}
	st = store_open_readonly(path, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "edgeward policy propose: %s\n", err);
		return 1;
	}
	memset(&c, 0, sizeof(c));
	if (store_each_device(st, ph_add, &c) != 0 ||
	    store_each_baseline(st, mark_learned, &c) != 0 ||
	    store_each_baseline(st, learned_edges, &c) != 0 || c.oom) {
		fprintf(stderr, "edgeward policy propose: %s\n", c.oom ?
		    "out of memory" : "cannot read the store");
		ret = 1;
	}
	if (ret == 0 && c.ne == 0)
		fprintf(stderr, "edgeward policy propose: no learned baselines "
		    "with traffic in %s; the proposal is empty\n", path);
	if (ret == 0 && zones_propose(c.e, c.ne, stdout) != 0) {
		fprintf(stderr, "edgeward policy propose: cannot write the "
		    "proposal: %s\n", strerror(errno));
		ret = 1;
	}
	for (size_t i = 0; i < c.ns; i++)
		free(c.strs[i]);
	free(c.strs);
	free(c.e);
	free(c.h);
	store_close(st, err, sizeof(err));
	return ret;
}

int cli_policy(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "nft") == 0)
		return policy_nft(argc - 1, argv + 1);
	if (strcmp(argv[1], "propose") == 0)
		return policy_propose(argc - 1, argv + 1);
	if (strcmp(argv[1], "mud") == 0)
		return cli_policy_mud(argc - 1, argv + 1);
	if (strcmp(argv[1], "mud-import") == 0)
		return cli_policy_mud_import(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "edgeward policy: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
