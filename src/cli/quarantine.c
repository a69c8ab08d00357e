/* quarantine.c - `edgeward quarantine`: cut a device off the network.
 *
 *   edgeward quarantine --store FILE MAC [--for DURATION] [--why TEXT]
 *                       [--apply [--zones FILE]]
 *   edgeward quarantine --store FILE --release MAC [--why TEXT] [--apply]
 *   edgeward quarantine --store FILE --list [--log] [--json]
 *
 * The store is the source of truth (table quarantine, every change in
 * policy_log with who/when/why); the kernel only follows it when asked:
 * --apply renders the ruleset and loads it with nft (root only, never by
 * default). The refusal rules are src/policy/quarantine.c's. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "output/store.h"
#include "policy/nft.h"
#include "policy/quarantine.h"
#include "policy/zones.h"
#include "util/json.h"

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward quarantine --store FILE MAC [--for DURATION] [--why TEXT]\n"
	    "                           [--apply [--zones FILE]]\n"
	    "       edgeward quarantine --store FILE --release MAC [--why TEXT] [--apply]\n"
	    "       edgeward quarantine --store FILE --list [--log] [--json]\n"
	    "\n"
	    "Quarantine a device of the store's inventory (by MAC, or by IP for a\n"
	    "device seen without L2): it may still get an address and names from the\n"
	    "router (DHCP, DNS) but nothing else reaches it or leaves it. Refused for\n"
	    "the gateway, the DHCP and DNS servers, this sensor's own addresses and\n"
	    "devices the store does not know. Every change is recorded in the store\n"
	    "(who, when, why); `--list --log` shows the record.\n"
	    "\n"
	    "  --store FILE     the store (must exist; opened read-write)\n"
	    "  --for DURATION   quarantine for 90s, 30m, 2h, 1d or 1w (default:\n"
	    "                   until released); enforced by the store and, once\n"
	    "                   applied, by the kernel (nft set element timeouts)\n"
	    "  --why TEXT       the reason, kept in the record (at most %d bytes)\n"
	    "  --release MAC    end a quarantine\n"
	    "  --list           the active quarantines (expired ones are removed\n"
	    "                   and recorded as expired)\n"
	    "  --log            with --list: the change record instead\n"
	    "  --json           with --list: JSON\n"
	    "  --apply          also load the rules into the kernel with nft: when\n"
	    "                   table inet edgeward is loaded, only its quarantine\n"
	    "                   sets are replaced (zone and MUD rules stay); else the\n"
	    "                   whole ruleset of `edgeward policy nft` is loaded\n"
	    "                   (with --zones FILE: with those zone rules). Root\n"
	    "                   (CAP_NET_ADMIN) only; never done by default\n"
	    "  -h, --help       this text\n"
	    "\n"
	    "Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 bad\n"
	    "usage.\n", QUAR_WHY_MAX);
}

/* The Unix user acting (and who they are under sudo). */
static void who_am_i(char *buf, size_t n)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");
	if (pw && pw->pw_name)
		snprintf(buf, n, "%s", pw->pw_name);
	else
		snprintf(buf, n, "uid %u", (unsigned)getuid());
	if (getuid() == 0 && sudo && sudo[0] && strlen(sudo) < 64 &&
	    strspn(sudo, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == strlen(sudo)) {
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, " (sudo by %s)", sudo);
	}
}

static struct store *open_rw(const char *path)
{
	struct store_config sc;
	char err[512];
	struct store *st;
	if (access(path, F_OK) != 0) {	/* never create a store here */
		fprintf(stderr, "edgeward quarantine: %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	store_config_default(&sc);
	sc.path = path;
	sc.threaded = 0;
	sc.alert_max_age_s = sc.device_max_age_s = sc.max_bytes = 0;
	st = store_open(&sc, err, sizeof(err));
	if (!st)
		fprintf(stderr, "edgeward quarantine: %s\n", err);
	return st;
}

static void fmt_time(uint64_t s, char *buf, size_t n)
{
	time_t t = (time_t)s;
	struct tm tm;
	if (!s || !gmtime_r(&t, &tm))
		snprintf(buf, n, "-");
	else
		strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct list_ctx {
	int json, n;
	struct jbuf jb;
};

static int list_row(const struct store_quarantine *q, void *ud)
{
	struct list_ctx *c = ud;
	char since[32], until[32];
	fmt_time(q->since, since, sizeof(since));
	fmt_time(q->until, until, sizeof(until));
	c->n++;
	if (c->json) {
		jb_obj_open(&c->jb);
		jb_kstr(&c->jb, "key", q->device_key);
		jb_kstr(&c->jb, "mac", q->mac);
		jb_kstr(&c->jb, "ips", q->ips);
		jb_ku64(&c->jb, "since", q->since);
		jb_ku64(&c->jb, "until", q->until);
		jb_kstr(&c->jb, "who", q->who);
		jb_kstr(&c->jb, "why", q->why);
		jb_obj_close(&c->jb);
		return c->jb.err;
	}
	cli_cell(q->device_key, 17, 0);
	cli_cell(q->ips[0] ? q->ips : "-", 24, 0);
	cli_cell(since, 20, 0);
	cli_cell(until, 20, 0);
	cli_cell(q->who, 12, 0);
	cli_cell(q->why, 40, 1);
	return 0;
}

static int log_row(const struct store_policy_log_row *r, void *ud)
{
	struct list_ctx *c = ud;
	char ts[32];
	fmt_time(r->ts, ts, sizeof(ts));
	c->n++;
	if (c->json) {
		jb_obj_open(&c->jb);
		jb_ku64(&c->jb, "id", (uint64_t)r->id);
		jb_ku64(&c->jb, "ts", r->ts);
		jb_kstr(&c->jb, "action", r->action);
		jb_kstr(&c->jb, "key", r->device_key);
		jb_kstr(&c->jb, "who", r->who);
		jb_kstr(&c->jb, "why", r->why);
		jb_kstr(&c->jb, "detail", r->detail);
		jb_obj_close(&c->jb);
		return c->jb.err;
	}
	cli_cell(ts, 20, 0);
	cli_cell(r->action, 10, 0);
	cli_cell(r->device_key, 17, 0);
	cli_cell(r->who, 12, 0);
	cli_cell(r->why, 40, 1);
	return 0;
}

static int do_list(struct store *st, int log, int json, uint64_t now)
{
	struct list_ctx c;
	int rc;
	memset(&c, 0, sizeof(c));
	c.json = json;
	jb_init(&c.jb, 0);
	if (json)
		jb_arr_open(&c.jb);
	else if (log)
		printf("%-20s %-10s %-17s %-12s %s\n", "TIME", "ACTION", "DEVICE",
		    "WHO", "WHY");
	else
		printf("%-17s %-24s %-20s %-20s %-12s %s\n", "DEVICE", "IPS",
		    "SINCE", "UNTIL", "WHO", "WHY");
	rc = log ? store_policy_log_each(st, NULL, 0, log_row, &c) :
	    store_quarantine_each(st, now, list_row, &c);
	if (json) {
		jb_arr_close(&c.jb);
		if (!c.jb.err && c.jb.buf)
			printf("%s\n", c.jb.buf);
	}
	jb_fini(&c.jb);
	if (rc != 0) {
		fprintf(stderr, "edgeward quarantine: cannot read the store\n");
		return 1;
	}
	return 0;
}

/* Render from the store and load: the quarantine sets only when our table
 * is loaded, else the whole ruleset. Logged as "apply". */
static int do_apply(struct store *st, const char *zones_path, uint64_t now,
    const char *who, const char *key)
{
	struct nft_input in;
	struct zones *z = NULL;
	char err[512], detail[128], *text = NULL;
	size_t len = 0;
	int loaded, rc;
	FILE *mem;
	static const char *const args[] = { "-f", "-", NULL };

	if (zones_path) {
		z = zones_load(zones_path, err, sizeof(err));
		if (!z) {
			fprintf(stderr, "edgeward quarantine: %s\n", err);
			return 1;
		}
	}
	memset(&in, 0, sizeof(in));
	in.zones = z;
	if (nft_input_from_store(&in, st, now, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "edgeward quarantine: %s\n", err);
		zones_free(z);
		return 1;
	}
	loaded = z ? 0 : nft_table_loaded();
	mem = open_memstream(&text, &len);
	rc = !mem ? -1 : loaded == 1 ? nft_render_sets(&in, mem, err,
	    sizeof(err)) : nft_render(&in, mem, err, sizeof(err));
	if (mem)
		fclose(mem);
	if (rc == 0) {
		rc = nft_run(args, text, len, 0, err, sizeof(err));
		if (rc > 0)
			snprintf(err, sizeof(err), "nft -f refused the ruleset "
			    "(exit %d)", rc);
	}
	free(text);
	if (rc != 0) {
		fprintf(stderr, "edgeward quarantine: --apply: %s; the store is "
		    "updated, the kernel is not\n", err);
		nft_input_free(&in);
		zones_free(z);
		return 1;
	}
	snprintf(detail, sizeof(detail), "%s; %zu quarantined",
	    loaded == 1 ? "quarantine sets replaced" : "whole ruleset loaded",
	    in.nq);
	store_policy_log_add(st, now, "apply", key, who, "--apply", detail);
	printf("applied: %s\n", detail);
	nft_input_free(&in);
	zones_free(z);
	return 0;
}

int cli_quarantine(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "for", required_argument, NULL, 'f' },
		{ "why", required_argument, NULL, 'w' },
		{ "release", required_argument, NULL, 'r' },
		{ "list", no_argument, NULL, 'l' },
		{ "log", no_argument, NULL, 'L' },
		{ "json", no_argument, NULL, 'j' },
		{ "apply", no_argument, NULL, 'a' },
		{ "zones", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *dur = NULL, *why = NULL, *release = NULL,
	    *zones_path = NULL, *mac = NULL;
	int list = 0, log = 0, json = 0, apply = 0, c, ret;
	uint64_t for_s = 0, now;
	char err[512], who[128], msg[512];
	struct store *st;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'f': dur = optarg; break;
		case 'w': why = optarg; break;
		case 'r': release = optarg; break;
		case 'l': list = 1; break;
		case 'L': log = 1; break;
		case 'j': json = 1; break;
		case 'a': apply = 1; break;
		case 'z': zones_path = optarg; break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "edgeward quarantine: %s needs a value "
			    "(try --help)\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "edgeward quarantine: bad option '%s' "
			    "(try --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc)
		mac = argv[optind++];
	if (!path || optind != argc || (!!mac + !!release + list) != 1 ||
	    ((log || json) && !list) || (list && (apply || dur || why)) ||
	    (release && dur) || (zones_path && !apply)) {
		usage(stderr);
		return 2;
	}
	if (dur && quar_parse_duration(dur, &for_s, err, sizeof(err)) != 0) {
		fprintf(stderr, "edgeward quarantine: --for: %s\n", err);
		return 2;
	}
	if (why && strlen(why) > QUAR_WHY_MAX) {
		fprintf(stderr, "edgeward quarantine: --why: at most %d bytes\n",
		    QUAR_WHY_MAX);
		return 2;
	}
	/* before anything changes: --apply cannot work without root */
	if (apply && geteuid() != 0) {
		fprintf(stderr, "edgeward quarantine: --apply loads nftables "
		    "rules and needs root (CAP_NET_ADMIN); nothing was changed\n");
		return 1;
	}
	st = open_rw(path);
	if (!st)
		return 1;
	now = (uint64_t)time(NULL);	/* a user action: the wall clock */
	who_am_i(who, sizeof(who));
	if (list) {
		ret = do_list(st, log, json, now);
	} else if (release) {
		int r = quar_release(st, release, now, who, why ? why : "", msg,
		    sizeof(msg));
		if (r == QUAR_OK) {
			char k[QUAR_KEY_MAX];
			printf("%s\n", msg);
			quar_norm_key(release, k);	/* valid: released */
			ret = apply ? do_apply(st, zones_path, now, who, k) : 0;
		} else {
			fprintf(stderr, "edgeward quarantine: %s\n", msg);
			ret = r == QUAR_BAD_KEY ? 2 : 1;
		}
	} else {
		struct quar_device d;
		int r = quar_add(st, mac, now, for_s, who, why ? why : "", NULL,
		    &d, msg, sizeof(msg));
		if (r == QUAR_OK) {
			printf("%s\n", msg);
			ret = apply ? do_apply(st, zones_path, now, who, d.key) : 0;
			if (!apply)
				printf("recorded in the store, not enforced yet: "
				    "load `edgeward policy nft --store %s` with "
				    "nft -f, or use --apply\n", path);
		} else {
			fprintf(stderr, "edgeward quarantine: %s\n", msg);
			ret = r == QUAR_BAD_KEY ? 2 : 1;
		}
	}
	if (store_close(st, err, sizeof(err)) != 0) {
		fprintf(stderr, "edgeward quarantine: %s\n", err);
		ret = 1;
	}
	return ret;
}
