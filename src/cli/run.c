/* run.c - `edgeward run`: the live sensor. Opens an interface, drops
 * privileges, restores what earlier runs learned, then feeds every frame
 * through the same pipeline as `analyze` until SIGTERM/SIGINT, writing
 * eve.json (rotated), the store, periodic stats and model snapshots.
 *
 * Signal handlers only set flags; all work happens in the capture loop,
 * which wakes at least every capture timeout. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "cli/cli.h"
#include "config.h"
#include "model/snapshot.h"
#include "output/store.h"
#include "service/service.h"

#define NS 1000000000ull

static volatile sig_atomic_t g_stop;	/* SIGTERM, SIGINT */
static volatile sig_atomic_t g_hup;	/* SIGHUP */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		g_hup = 1;
	else
		g_stop = 1;
}

/* Everything the command line and the config file set. */
struct run_opts {
	struct pipeline_config cfg;
	struct cli_pl_opts po;
	const char *iface, *bpf, *conf, *log_dir, *user, *model;
	uint64_t stats_s, model_s;
	uint64_t eve_max;
	uint64_t eve_keep;
	int syslog, promisc, quarantine, no_sandbox;
	uint64_t snaplen;
	size_t buffer;
	int user_given;
	int api;			/* --api: serve the HTTP API and dashboard */
	const char *api_listen, *api_token, *api_cert, *api_key;
};

enum {
	OPT_USER = 0x200, OPT_MODEL, OPT_STATS, OPT_MODEL_INT, OPT_EVE_MAX,
	OPT_EVE_KEEP, OPT_SYSLOG, OPT_SNAPLEN, OPT_BUFFER, OPT_PROMISC,
	OPT_QUARANTINE, OPT_NO_SANDBOX, OPT_API, OPT_API_LISTEN,
	OPT_API_TOKEN, OPT_API_CERT, OPT_API_KEY,
};

static const struct option own_opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "filter", required_argument, NULL, 'f' },
	{ "bpf", required_argument, NULL, 'f' },
	{ "config", required_argument, NULL, 'c' },
	{ "log-dir", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ "user", required_argument, NULL, OPT_USER },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "stats-interval", required_argument, NULL, OPT_STATS },
	{ "model-interval", required_argument, NULL, OPT_MODEL_INT },
	{ "eve-max-size", required_argument, NULL, OPT_EVE_MAX },
	{ "eve-keep", required_argument, NULL, OPT_EVE_KEEP },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "buffer-size", required_argument, NULL, OPT_BUFFER },
	{ "promisc", no_argument, NULL, OPT_PROMISC },
	{ "quarantine", no_argument, NULL, OPT_QUARANTINE },
	{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
	{ "api", no_argument, NULL, OPT_API },
	{ "api-listen", required_argument, NULL, OPT_API_LISTEN },
	{ "api-token-file", required_argument, NULL, OPT_API_TOKEN },
	{ "api-tls-cert", required_argument, NULL, OPT_API_CERT },
	{ "api-tls-key", required_argument, NULL, OPT_API_KEY },
	{ NULL, 0, NULL, 0 },
};

/* Keys a SIGHUP applies; any other changed key needs a restart. */
static const char *const live_keys[] = {
	"stats-interval", "model-interval", "eve-max-size", "eve-keep",
	"syslog",
};

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: edgeward run -i IFACE [-f BPF] [-c CONFIG] [-l DIR] [--store FILE]\n"
	    "                    [--user USER] [options]\n"
	    "\n"
	    "The live sensor: captures on IFACE and writes what 'analyze' writes,\n"
	    "continuously, until SIGTERM or SIGINT. Start-up order: read CONFIG,\n"
	    "then the command line (the command line wins); open the interface\n"
	    "(needs root or CAP_NET_RAW); check the log and store directories are\n"
	    "writable by USER; drop privileges to USER (keeping only CAP_NET_RAW);\n"
	    "open DIR/eve.json for appending and the store; restore the devices\n"
	    "and the model an earlier run saved; install the seccomp filter; then\n"
	    "print 'capturing on IFACE' on stdout and decode the first packet.\n"
	    "\n"
	    "  capture:\n"
	    "  -i, --interface IFACE  interface to capture on (required)\n"
	    "  -f, --filter BPF       capture filter (tcpdump syntax)\n"
	    "      --snaplen N        bytes kept per frame (default %d)\n"
	    "      --buffer-size SIZE kernel capture buffer, e.g. 16M (default %uM)\n"
	    "      --promisc          promiscuous mode (a router sees its LAN anyway)\n"
	    "\n"
	    "  service:\n"
	    "  -c, --config FILE      JSON config file; keys are these long options\n"
	    "                         (see dist/edgeward.conf); reloaded on SIGHUP\n"
	    "  -l, --log-dir DIR      eve.json, devices.json (and, without --store,\n"
	    "                         the model snapshot) go here (default .)\n"
	    "      --user USER        run as USER after opening the interface\n"
	    "                         (default %s; as a non-root user: that user)\n"
	    "      --model FILE       model snapshot, loaded at start and saved\n"
	    "                         periodically and at exit (default model.snap\n"
	    "                         beside the store, else in DIR); signed with\n"
	    "                         --key, else with model.key beside it, made on\n"
	    "                         first start (edgeward model keygen)\n"
	    "      --model-interval S seconds between model snapshots (default %d)\n"
	    "      --stats-interval S seconds between stats events (default %d; 0 = only\n"
	    "                         at exit)\n"
	    "      --eve-max-size SIZE\n"
	    "                         rotate eve.json past SIZE to eve.json.1 ...\n"
	    "                         (default %lluM; 0 = never by size)\n"
	    "      --eve-keep N       rotated files kept (default %d)\n"
	    "      --syslog           also send each alert to syslog (LOG_DAEMON) as\n"
	    "                         one line; severity 1 -> LOG_CRIT, 2 ->\n"
	    "                         LOG_WARNING, 3 -> LOG_NOTICE\n"
	    "      --quarantine       reserved for quarantine enforcement (not yet\n"
	    "                         implemented):\n"
	    "                         keeps CAP_NET_ADMIN after the privilege drop\n"
	    "      --no-sandbox       no seccomp filter (debugging; LeakSanitizer\n"
	    "                         cannot work under it)\n"
	    "\n"
	    "  HTTP API and dashboard (as 'edgeward serve', over the same store):\n"
	    "      --api              serve them while capturing (needs --store)\n"
	    "      --api-listen HOST:PORT\n"
	    "                         address (default %s:%d; started after the\n"
	    "                         privilege drop, so a port >= 1024)\n"
	    "      --api-token-file FILE\n"
	    "                         bearer token (default api.token beside the\n"
	    "                         store, made with mode 0600 on first start)\n"
	    "      --api-tls-cert FILE, --api-tls-key FILE\n"
	    "                         serve HTTPS with this PEM certificate and key\n"
	    "\n",
	    CAP_LIVE_SNAPLEN, CAP_LIVE_BUFFER >> 20, SVC_DEFAULT_USER,
	    RUN_MODEL_INTERVAL_S, RUN_STATS_INTERVAL_S,
	    (unsigned long long)(RUN_EVE_MAX_SIZE >> 20), RUN_EVE_KEEP,
	    API_DEFAULT_HOST, API_DEFAULT_PORT);
	cli_pl_usage(fp);
	fprintf(fp,
	    "\n"
	    "  -h, --help             this help\n"
	    "\n"
	    "Signals: SIGTERM/SIGINT end every flow, close open episodes, save the\n"
	    "devices (store, DIR/devices.json) and the model, flush the store and\n"
	    "exit 0. SIGHUP reopens eve.json (logrotate) and reloads CONFIG: the\n"
	    "stats and model intervals, eve rotation and syslog change at once;\n"
	    "other changed keys are named on stderr and need a restart.\n"
	    "Every stats event also carries a \"live\" block: kernel and interface\n"
	    "drops, active flows, memory (RSS now and peak) and the store's\n"
	    "queue, rows written/dropped and errors. When the store cannot be\n"
	    "written (disk full, read-only) one line says so on stderr and one\n"
	    "when it recovers; capture goes on and lost rows are counted.\n"
	    "\n"
	    "Exit status: 0 stopped by a signal, 1 start-up or capture failure,\n"
	    "2 bad usage.\n");
}

static void opts_default(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	pipeline_config_default(&o->cfg);
	o->po.cfg = &o->cfg;
	o->log_dir = ".";
	o->stats_s = RUN_STATS_INTERVAL_S;
	o->model_s = RUN_MODEL_INTERVAL_S;
	o->eve_max = RUN_EVE_MAX_SIZE;
	o->eve_keep = RUN_EVE_KEEP;
	o->snaplen = CAP_LIVE_SNAPLEN;
	o->buffer = CAP_LIVE_BUFFER;
}

static int bad_value(const char *opt, const char *arg)
{
	fprintf(stderr, "edgeward run: bad --%s '%s'\n", opt, arg);
	return -1;
}

/* One of run's own options. 1 handled, 0 not ours, -1 bad value. */
static int own_option(struct run_opts *o, int c, const char *arg)
{
	size_t sz;

	switch (c) {
	case 'i': o->iface = arg; return 1;
	case 'f': o->bpf = arg; return 1;
	case 'c': o->conf = arg; return 1;
	case 'l': o->log_dir = arg; return 1;
	case OPT_USER: o->user = arg; o->user_given = 1; return 1;
	case OPT_MODEL: o->model = arg; return 1;
	case OPT_STATS:
		return cli_parse_u64(arg, &o->stats_s) < 0 ?
		    bad_value("stats-interval", arg) : 1;
	case OPT_MODEL_INT:
		return cli_parse_u64(arg, &o->model_s) < 0 ?
		    bad_value("model-interval", arg) : 1;
	case OPT_EVE_MAX:
		if (cli_parse_size(arg, &sz) < 0)
			return bad_value("eve-max-size", arg);
		o->eve_max = sz;
		return 1;
	case OPT_EVE_KEEP:
		if (cli_parse_u64(arg, &o->eve_keep) < 0 || o->eve_keep > 1000)
			return bad_value("eve-keep", arg);
		return 1;
	case OPT_SYSLOG: o->syslog = 1; return 1;
	case OPT_SNAPLEN:
		if (cli_parse_u64(arg, &o->snaplen) < 0 || o->snaplen < 64 ||
		    o->snaplen > 262144)
			return bad_value("snaplen", arg);
		return 1;
	case OPT_BUFFER:
		if (cli_parse_size(arg, &o->buffer) < 0 || o->buffer == 0)
			return bad_value("buffer-size", arg);
		return 1;
	case OPT_PROMISC: o->promisc = 1; return 1;
	case OPT_QUARANTINE: o->quarantine = 1; return 1;
	case OPT_NO_SANDBOX: o->no_sandbox = 1; return 1;
	case OPT_API: o->api = 1; return 1;
	case OPT_API_LISTEN: o->api_listen = arg; return 1;
	case OPT_API_TOKEN: o->api_token = arg; return 1;
	case OPT_API_CERT: o->api_cert = arg; return 1;
	case OPT_API_KEY: o->api_key = arg; return 1;
	default: return 0;
	}
}

/* Parse argv (argv[0] is a name for getopt's messages) into o. Returns 0,
 * 1 when the command is done (--help, --list-settings), -1 on bad usage
 * (already reported). */
static int parse_argv(struct run_opts *o, const struct option *opts,
    int argc, char **argv)
{
	int c, r;

	optind = 0;	/* glibc: full re-initialisation for each vector */
	while ((c = getopt_long(argc, argv, "i:f:c:l:h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		r = own_option(o, c, optarg);
		if (r == 0)
			r = cli_pl_option(&o->po, c, optarg, "run");
		if (r == 2)
			return 1;
		if (r <= 0)
			return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "edgeward run: unexpected argument '%s'\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

/* The config file's options as an argv with a name in front. */
struct conf_argv {
	int argc;
	char **argv;		/* svc_conf_load_opts' array, owned */
	char **full;		/* name + argv, for getopt */
};

static void conf_free(struct conf_argv *ca)
{
	svc_conf_free(ca->argc, ca->argv);
	free(ca->full);
	memset(ca, 0, sizeof(*ca));
}

static int conf_load(struct conf_argv *ca, const char *path,
    const struct option *opts, char *err, size_t errlen)
{
	memset(ca, 0, sizeof(*ca));
	if (svc_conf_load_opts(path, opts, &ca->argc, &ca->argv, err,
	    errlen) < 0)
		return -1;
	ca->full = calloc((size_t)ca->argc + 2, sizeof(char *));
	if (!ca->full) {
		snprintf(err, errlen, "out of memory");
		conf_free(ca);
		return -1;
	}
	ca->full[0] = (char *)(uintptr_t)path;
	for (int i = 0; i < ca->argc; i++)
		ca->full[i + 1] = ca->argv[i];
	return 0;
}

/* Defaults, then the config file (loaded into ca when o->conf names one
 * after a first look at argv), then argv. 0, 1 (done), -1 bad usage,
 * -2 unreadable or invalid config file (reported). */
static int parse_all(struct run_opts *o, struct conf_argv *ca,
    const struct option *opts, int argc, char **argv)
{
	char err[512];
	int r;

	memset(ca, 0, sizeof(*ca));
	opts_default(o);
	if ((r = parse_argv(o, opts, argc, argv)) != 0)
		return r;
	if (!o->conf)
		return 0;
	const char *conf = o->conf;
	if (conf_load(ca, conf, opts, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward run: %s\n", err);
		return -2;
	}
	opts_default(o);
	if ((r = parse_argv(o, opts, ca->argc + 1, ca->full)) != 0) {
		/* the file's problem, named by getopt or the parser above */
		if (r != 1)
			fprintf(stderr, "edgeward run: (that option is from "
			    "config file %s)\n", conf);
		conf_free(ca);
		return r == 1 ? 1 : -2;
	}
	if ((r = parse_argv(o, opts, argc, argv)) != 0) {
		conf_free(ca);
		return r;
	}
	o->conf = conf;
	return 0;
}

/* ---- the running sensor ------------------------------------------------ */

struct sensor {
	struct run_opts o;
	struct conf_argv ca;
	const struct option *opts;
	int argc;
	char **argv;
	struct capture *cap;
	struct eve *eve;
	struct store *store;
	struct pipeline *pl;
	struct api *api;
	char eve_path[PATH_MAX], dev_path[PATH_MAX];
	char model_path[PATH_MAX], key_path[PATH_MAX];
	uint64_t t_start;		/* monotonic ns */
	int syslog_on;
	int store_failing, eve_failing;
	uint64_t eve_dropped_seen;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_coarse_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec < 0 ? 0 :
	    (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* VmRSS and VmHWM from /proc/self/status, in kB (0 when unreadable). */
static void read_rss(uint64_t *rss, uint64_t *peak)
{
	char line[256];
	FILE *fp = fopen("/proc/self/status", "re");

	*rss = *peak = 0;
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		unsigned long long v;
		if (sscanf(line, "VmRSS: %llu", &v) == 1)
			*rss = v;
		else if (sscanf(line, "VmHWM: %llu", &v) == 1)
			*peak = v;
	}
	fclose(fp);
}

/* pipeline live_fn: the live block of every stats event. */
static void live_stats(struct live_stats *out, void *ud)
{
	struct sensor *s = ud;

	out->uptime_s = (mono_ns() - s->t_start) / NS;
	cap_drops(s->cap, &out->kernel_drops, &out->iface_drops);
	read_rss(&out->rss_kb, &out->rss_peak_kb);
	if (s->store) {
		struct store_status ss;
		store_get_status(s->store, &ss);
		out->has_store = 1;
		out->store_queued = ss.rows_queued;
		out->store_written = ss.rows_written;
		out->store_dropped = ss.rows_dropped;
		out->store_errors = ss.errors;
		out->store_commits = ss.commits;
		out->store_bytes = ss.bytes;
		out->store_failing = ss.failing;
	}
	out->eve_rotations = s->eve ? eve_rotations(s->eve) : 0;
}

/* Text from alerts may hold packet-derived bytes: printable ASCII only. */
static void clean(char *dst, size_t size, const char *src)
{
	size_t n = 0;
	for (; *src && n + 1 < size; src++)
		dst[n++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	dst[n] = '\0';
}

/* alert_listener_fn: one short syslog line per alert when --syslog. */
static void on_alert_syslog(const struct alert *a,
    const struct alert_device *d, void *ud)
{
	struct sensor *s = ud;
	char sig[ALERT_SIG_LEN], src[ADDR_STRLEN], dst[ADDR_STRLEN];
	char dev[160];
	int pri;

	if (!s->syslog_on)
		return;
	pri = a->severity <= 1 ? LOG_CRIT : a->severity == 2 ? LOG_WARNING :
	    LOG_NOTICE;
	clean(sig, sizeof(sig), a->signature);
	if (a->src.family)
		addr_fmt(&a->src, src, sizeof(src));
	else
		snprintf(src, sizeof(src), "-");
	if (a->dst.family)
		addr_fmt(&a->dst, dst, sizeof(dst));
	else
		snprintf(dst, sizeof(dst), "-");
	dev[0] = '\0';
	if (d && (d->name[0] || d->vendor[0])) {
		char tmp[160];
		snprintf(tmp, sizeof(tmp), " device=\"%s%s%s\"",
		    d->name[0] ? d->name : d->vendor,
		    d->cls[0] ? " " : "", d->cls);
		clean(dev, sizeof(dev), tmp);
	}
	syslog(pri, "alert sid=%u severity=%u category=%s src=%s dest=%s "
	    "count=%llu%s: %s", (unsigned)a->sid, (unsigned)a->severity,
	    alert_category_name(a->category), src, dst,
	    (unsigned long long)a->count, dev, sig);
}

/* "dir/name" into buf; -1 when too long. */
static int join(char *buf, size_t size, const char *dir, const char *name)
{
	return (size_t)snprintf(buf, size, "%s/%s", dir, name) >= size ?
	    -1 : 0;
}

/* Directory part of path ("." when none) into buf. */
static void dir_of(char *buf, size_t size, const char *path)
{
	const char *sl = strrchr(path, '/');
	if (!sl)
		snprintf(buf, size, ".");
	else if (sl == path)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(sl - path), path);
}

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Model snapshot and key paths; a key pair is made on first start so
 * every snapshot is signed. Runs after the privilege drop: the files
 * belong to the sensor's user. 0 or -1 (reported). */
static int prepare_model(struct sensor *s)
{
	struct run_opts *o = &s->o;
	char dir[PATH_MAX], prefix[PATH_MAX], err[512];

	if (!o->cfg.anom.enabled)
		return 0;
	if (o->model)
		snprintf(s->model_path, sizeof(s->model_path), "%s", o->model);
	else {
		if (o->po.store_path)
			dir_of(dir, sizeof(dir), o->po.store_path);
		else
			snprintf(dir, sizeof(dir), "%s", o->log_dir);
		if (join(s->model_path, sizeof(s->model_path), dir,
		    "model.snap") < 0)
			goto toolong;
	}
	if (o->po.key_path) {
		snprintf(s->key_path, sizeof(s->key_path), "%s",
		    o->po.key_path);
	} else {
		dir_of(dir, sizeof(dir), s->model_path);
		if (join(prefix, sizeof(prefix), dir, "model") < 0 ||
		    join(s->key_path, sizeof(s->key_path), dir,
		    "model.key") < 0)
			goto toolong;
		if (!file_exists(s->key_path)) {
			if (snap_keygen(prefix, err, sizeof(err)) < 0) {
				fprintf(stderr, "edgeward run: cannot make the "
				    "model signing key %s: %s\n", s->key_path,
				    err);
				return -1;
			}
			fprintf(stderr, "edgeward run: new model signing key "
			    "%s (public half %s.pub)\n", s->key_path, prefix);
		}
	}
	/* A key that cannot be read must stop the start, not make a good
	 * snapshot look refused (it would be moved aside). */
	uint8_t sk[64], pk[32];
	int secret = 0;
	if (snap_read_key(s->key_path, sk, pk, &secret, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "edgeward run: model key: %s\n", err);
		return -1;
	}
	explicit_bzero(sk, sizeof(sk));
	if (!secret)
		fprintf(stderr, "edgeward run: warning: %s is a public key: "
		    "snapshots can be verified but not saved\n", s->key_path);
	o->cfg.anom.key_path = s->key_path;
	/* a refused snapshot is reported before any packet: stamp it now */
	o->cfg.anom.start_ts = wall_ns();
	if (file_exists(s->model_path))
		o->cfg.anom.load_model = s->model_path;
	return 0;
toolong:
	fprintf(stderr, "edgeward run: model path too long\n");
	return -1;
}

static int open_pipeline(struct sensor *s)
{
	char err[512];

	s->o.cfg.store = s->store;
	s->o.cfg.store_source = NULL;
	/* stats rows come with the stats events */
	s->o.cfg.store_stats_ns = 0;
	s->o.cfg.live_fn = live_stats;
	s->o.cfg.live_ud = s;
	s->pl = pipeline_new(&s->o.cfg, s->eve, err, sizeof(err));
	if (!s->pl && s->o.cfg.anom.load_model) {
		/* A sensor must come back after a bad snapshot: keep the file
		 * for inspection and learn afresh (a refused signature has
		 * already raised a model-integrity alert). */
		char bad[PATH_MAX + 16];
		snprintf(bad, sizeof(bad), "%s.refused", s->model_path);
		fprintf(stderr, "edgeward run: %s; moved to %s, learning a new "
		    "model\n", err, bad);
		if (rename(s->model_path, bad) < 0)
			fprintf(stderr, "edgeward run: %s: %s\n", bad,
			    strerror(errno));
		s->o.cfg.anom.load_model = NULL;
		s->pl = pipeline_new(&s->o.cfg, s->eve, err, sizeof(err));
	}
	if (!s->pl) {
		fprintf(stderr, "edgeward run: %s\n", err);
		return -1;
	}
	if (s->o.cfg.anom.load_model && pipeline_anom(s->pl)) {
		const struct anom_stats *as = anom_stats(pipeline_anom(s->pl));
		fprintf(stderr, "edgeward run: model restored from %s (phase "
		    "%s, %llu training steps)\n", s->model_path,
		    anom_phase_name(as->phase),
		    (unsigned long long)as->trained);
	} else if (s->model_path[0]) {
		fprintf(stderr, "edgeward run: model: no snapshot at %s yet; "
		    "learning from scratch\n", s->model_path);
	}
	if (pipeline_listen_alerts(s->pl, on_alert_syslog, s) < 0 &&
	    s->o.syslog)
		fprintf(stderr, "edgeward run: alerts cannot go to syslog "
		    "(checks and model off)\n");
	return 0;
}

static void set_syslog(struct sensor *s, int on)
{
	if (on && !s->syslog_on)
		openlog("edgeward", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && s->syslog_on)
		closelog();
	s->syslog_on = on;
}

/* Store and eve.json health: one line when writing starts failing, one
 * when it works again. */
static void check_health(struct sensor *s)
{
	if (s->store) {
		struct store_status ss;
		store_get_status(s->store, &ss);
		if (ss.failing && !s->store_failing)
			fprintf(stderr, "edgeward run: store %s: cannot write: "
			    "%s (capture goes on; rows are counted as dropped)\n",
			    s->o.po.store_path, ss.last_error[0] ?
			    ss.last_error : "error");
		else if (!ss.failing && s->store_failing)
			fprintf(stderr, "edgeward run: store %s: writing again "
			    "(%llu rows dropped so far)\n", s->o.po.store_path,
			    (unsigned long long)ss.rows_dropped);
		s->store_failing = ss.failing;
	}
	int e = eve_take_error(s->eve);
	uint64_t dropped = eve_dropped(s->eve);
	if (e && !s->eve_failing) {
		fprintf(stderr, "edgeward run: %s: write failed: %s (capture "
		    "goes on; events are counted as dropped)\n", s->eve_path,
		    strerror(e));
		s->eve_failing = 1;
	} else if (!e && s->eve_failing && dropped == s->eve_dropped_seen) {
		fprintf(stderr, "edgeward run: %s: writing again (%llu events "
		    "dropped so far)\n", s->eve_path,
		    (unsigned long long)dropped);
		s->eve_failing = 0;
	}
	s->eve_dropped_seen = dropped;
}

/* "--name=value" / "--name" -> "name" into buf. */
static void opt_key(const char *arg, char *buf, size_t size)
{
	const char *k = arg[0] == '-' && arg[1] == '-' ? arg + 2 : arg;
	size_t n = strcspn(k, "=");
	snprintf(buf, size, "%.*s", (int)n, k);
}

static int in_argv(const struct conf_argv *ca, const char *arg)
{
	for (int i = 0; i < ca->argc; i++)
		if (strcmp(ca->argv[i], arg) == 0)
			return 1;
	return 0;
}

static int is_live_key(const char *k)
{
	for (size_t i = 0; i < sizeof(live_keys) / sizeof(live_keys[0]); i++)
		if (strcmp(k, live_keys[i]) == 0)
			return 1;
	return 0;
}

/* Name on stderr every key whose entries differ between a and b and that
 * only a restart applies (each once). */
static void report_restart_keys(const struct conf_argv *a,
    const struct conf_argv *b)
{
	char keys[1024] = "", k[128];
	size_t used = 0;

	for (int pass = 0; pass < 2; pass++) {
		const struct conf_argv *x = pass ? b : a, *y = pass ? a : b;
		for (int i = 0; i < x->argc; i++) {
			if (in_argv(y, x->argv[i]))
				continue;
			opt_key(x->argv[i], k, sizeof(k));
			if (is_live_key(k))
				continue;
			char pat[132];
			snprintf(pat, sizeof(pat), " %s,", k);
			char hay[1030];
			snprintf(hay, sizeof(hay), " %s", keys);
			if (strstr(hay, pat))
				continue;
			int w = snprintf(keys + used, sizeof(keys) - used,
			    "%s, ", k);
			if (w < 0 || (size_t)w >= sizeof(keys) - used)
				break;
			used += (size_t)w;
		}
	}
	if (used >= 2) {
		keys[used - 2] = '\0';
		fprintf(stderr, "edgeward run: config %s: changed keys need a "
		    "restart to take effect: %s\n", a->full ? a->full[0] :
		    b->full[0], keys);
	}
}

static void apply_rotation(struct sensor *s)
{
	eve_set_rotation(s->eve, s->o.eve_max, (unsigned)s->o.eve_keep);
}

/* SIGHUP: reopen eve.json, reload the config file. */
static void on_hup(struct sensor *s)
{
	char err[512];
	struct run_opts n;
	struct conf_argv nca;

	if (eve_reopen(s->eve, err, sizeof(err)) < 0)
		fprintf(stderr, "edgeward run: SIGHUP: cannot reopen: %s "
		    "(still writing the old file)\n", err);
	else
		fprintf(stderr, "edgeward run: SIGHUP: %s reopened\n",
		    s->eve_path);
	if (!s->o.conf)
		return;
	if (conf_load(&nca, s->o.conf, s->opts, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward run: SIGHUP: config not reloaded: "
		    "%s\n", err);
		return;
	}
	opts_default(&n);
	if (parse_argv(&n, s->opts, nca.argc + 1, nca.full) != 0 ||
	    parse_argv(&n, s->opts, s->argc, s->argv) != 0) {
		fprintf(stderr, "edgeward run: SIGHUP: config %s not "
		    "reloaded (bad option above)\n", s->o.conf);
		conf_free(&nca);
		return;
	}
	report_restart_keys(&s->ca, &nca);
	s->o.stats_s = n.stats_s;
	s->o.model_s = n.model_s;
	s->o.eve_max = n.eve_max;
	s->o.eve_keep = n.eve_keep;
	s->o.syslog = n.syslog;
	apply_rotation(s);
	set_syslog(s, s->o.syslog);
	/* the running pipeline keeps pointers into the first file's
	 * strings; only scalars were taken from the new one */
	conf_free(&nca);
	fprintf(stderr, "edgeward run: SIGHUP: config %s reloaded (stats "
	    "every %llus, model every %llus, eve rotation at %llu bytes, "
	    "keep %llu, syslog %s)\n", s->o.conf,
	    (unsigned long long)s->o.stats_s,
	    (unsigned long long)s->o.model_s,
	    (unsigned long long)s->o.eve_max,
	    (unsigned long long)s->o.eve_keep, s->o.syslog ? "on" : "off");
}

/* final: say what happened (at exit); periodic saves are quiet unless
 * they fail. */
static void save_model(struct sensor *s, int final)
{
	char err[512];

	if (!s->model_path[0] || !pipeline_anom(s->pl))
		return;
	if (pipeline_save_model(s->pl, s->model_path, s->key_path, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "edgeward run: model snapshot %s: %s\n",
		    s->model_path, err);
		return;
	}
	if (!final)
		return;
	const struct anom_stats *as = anom_stats(pipeline_anom(s->pl));
	if (as->phase > ANOM_PH_FM)
		fprintf(stderr, "edgeward run: model saved to %s (phase %s)\n",
		    s->model_path, anom_phase_name(as->phase));
	else
		fprintf(stderr, "edgeward run: model not saved: still learning "
		    "the feature map (--fm-grace packets and --fm-grace-s "
		    "seconds)\n");
}

/* Until a signal or a capture failure. Returns 0 or 1 (capture failed). */
static int capture_loop(struct sensor *s)
{
	struct cap_pkt cp;
	int lt = cap_linktype(s->cap);
	uint64_t now = mono_coarse_ns();
	uint64_t next_sec = now + NS;
	uint64_t next_stats = now + s->o.stats_s * NS;
	uint64_t next_model = now + s->o.model_s * NS;

	while (!g_stop) {
		int r = cap_next(s->cap, &cp);
		if (r == 1) {
			pipeline_packet(s->pl, lt, &cp);
		} else if (r == CAP_AGAIN) {
			uint64_t w = wall_ns();
			uint64_t lag = (uint64_t)RUN_ADVANCE_LAG_MS * 1000000ull;
			if (w > lag)
				pipeline_advance(s->pl, w - lag);
		} else {
			fprintf(stderr, "edgeward run: %s: capture %s: %s\n",
			    s->o.iface, r == 0 ? "ended" : "failed",
			    cap_error(s->cap));
			return 1;
		}
		if (g_hup) {
			uint64_t st = s->o.stats_s, mo = s->o.model_s;
			g_hup = 0;
			on_hup(s);
			/* a changed interval counts from now */
			if (st != s->o.stats_s)
				next_stats = mono_ns() + s->o.stats_s * NS;
			if (mo != s->o.model_s)
				next_model = mono_ns() + s->o.model_s * NS;
		}
		/* coarse clock: a few ns per frame (vDSO, no system call) */
		now = mono_coarse_ns();
		if (now < next_sec)
			continue;
		next_sec = now + NS;
		if (s->o.stats_s && now >= next_stats) {
			pipeline_stats_event(s->pl);
			next_stats = now + s->o.stats_s * NS;
		}
		if (s->o.model_s && now >= next_model) {
			save_model(s, 0);
			next_model = now + s->o.model_s * NS;
		}
		eve_flush(s->eve);
		check_health(s);
	}
	return 0;
}

/* SIGTERM path: flows end, episodes close, everything learned is saved. */
static int shutdown_sensor(struct sensor *s)
{
	char err[512];
	int rc = 0;

	if (pipeline_finish(s->pl, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward run: %s\n", err);
		rc = 1;
	}
	save_model(s, 1);
	pipeline_store_sync(s->pl);
	if (pipeline_devices(s->pl) && dev_write_json(pipeline_devices(s->pl),
	    s->dev_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward run: %s: %s\n", s->dev_path, err);
		rc = 1;
	}
	return rc;
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a blocked capture read returns to the loop */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* The user to become: --user, else nobody as root, else ourselves. */
static const char *target_user(const struct run_opts *o, char *buf,
    size_t size)
{
	if (o->user_given)
		return o->user;
	if (geteuid() == 0)
		return SVC_DEFAULT_USER;
	struct passwd *pw = getpwuid(geteuid());
	if (!pw)
		return NULL;
	snprintf(buf, size, "%s", pw->pw_name);
	return buf;
}

/* The HTTP API on its own thread, as the sensor's user (its token file
 * and acks belong to that user). Signals stay with the capture loop: the
 * server thread starts with them blocked. */
static int start_api(struct sensor *s)
{
	const struct run_opts *o = &s->o;
	struct api_config ac;
	char host[256], err[512];
	sigset_t all, old;

	api_config_default(&ac);
	if (o->api_listen) {
		if (api_parse_listen(o->api_listen, host, sizeof(host),
		    &ac.port, err, sizeof(err)) < 0) {
			fprintf(stderr, "edgeward run: --api-listen: %s\n", err);
			return -1;
		}
		ac.host = host;
	}
	ac.store_path = o->po.store_path;
	ac.token_file = o->api_token;
	ac.tls_cert = o->api_cert;
	ac.tls_key = o->api_key;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->api = api_start(&ac, err, sizeof(err));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->api) {
		fprintf(stderr, "edgeward run: api: %s\n", err);
		return -1;
	}
	fprintf(stderr, "edgeward run: dashboard at %s://%s%s%s:%u/ (token in "
	    "%s)\n", api_is_tls(s->api) ? "https" : "http",
	    strchr(ac.host, ':') ? "[" : "", ac.host,
	    strchr(ac.host, ':') ? "]" : "", (unsigned)api_port(s->api),
	    api_token_path(s->api));
	return 0;
}

static int start(struct sensor *s)
{
	struct run_opts *o = &s->o;
	char err[CAP_ERRLEN + 512], ubuf[256], dir[PATH_MAX];
	const char *user;

	/* 1. the interface, as root */
	struct cap_live_config lc;
	cap_live_config_default(&lc);
	lc.iface = o->iface;
	lc.bpf = o->bpf;
	lc.snaplen = (int)o->snaplen;
	lc.buffer_bytes = o->buffer;
	lc.promisc = o->promisc;
	if (cap_open_live(&s->cap, &lc, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward run: %s\n", err);
		return -1;
	}
	if (!dec_linktype_supported(cap_linktype(s->cap)))
		fprintf(stderr, "edgeward run: %s: link type %s (%d) is not "
		    "supported; its frames are counted as skipped\n", o->iface,
		    cap_linktype_name(s->cap), cap_linktype(s->cap));

	/* 2. directories the sensor's user must be able to write */
	user = target_user(o, ubuf, sizeof(ubuf));
	if (!user) {
		fprintf(stderr, "edgeward run: no user name for uid %u\n",
		    (unsigned)geteuid());
		return -1;
	}
	if (svc_check_writable(o->log_dir, user, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward run: log %s\n", err);
		return -1;
	}
	if (o->po.store_path) {
		dir_of(dir, sizeof(dir), o->po.store_path);
		if (svc_check_writable(dir, user, err, sizeof(err)) < 0) {
			fprintf(stderr, "edgeward run: store %s\n", err);
			return -1;
		}
	}
	if (o->model) {
		dir_of(dir, sizeof(dir), o->model);
		if (svc_check_writable(dir, user, err, sizeof(err)) < 0) {
			fprintf(stderr, "edgeward run: model %s\n", err);
			return -1;
		}
	}

	/* 3. privileges: every file from here on belongs to the user */
	int r = svc_drop_privileges(user, o->quarantine, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "edgeward run: cannot drop privileges to %s: "
		    "%s\n", user, err);
		return -1;
	}
	if (r == 1)
		fprintf(stderr, "edgeward run: warning: %s\n", err);

	/* 4. outputs */
	if (join(s->eve_path, sizeof(s->eve_path), o->log_dir, "eve.json") <
	    0 || join(s->dev_path, sizeof(s->dev_path), o->log_dir,
	    "devices.json") < 0) {
		fprintf(stderr, "edgeward run: %s: path too long\n",
		    o->log_dir);
		return -1;
	}
	s->eve = eve_open_append(s->eve_path, err, sizeof(err));
	if (!s->eve) {
		fprintf(stderr, "edgeward run: %s\n", err);
		return -1;
	}
	apply_rotation(s);
	if (o->po.store_path) {
		struct store_config sc;
		store_config_default(&sc);
		sc.path = o->po.store_path;
		sc.threaded = 1;
		s->store = store_open(&sc, err, sizeof(err));
		if (!s->store) {
			/* the store's reasons name the file */
			fprintf(stderr, "edgeward run: %s\n", err);
			return -1;
		}
	}

	/* 5. what earlier runs learned */
	if (prepare_model(s) < 0 || open_pipeline(s) < 0)
		return -1;
	if (s->store) {
		struct pl_restore pr;
		if (pipeline_restore(s->pl, s->store, &pr, err,
		    sizeof(err)) < 0) {
			fprintf(stderr, "edgeward run: %s: %s\n",
			    o->po.store_path, err);
			return -1;
		}
		if (pr.bad)
			fprintf(stderr, "edgeward run: warning: %zu device rows "
			    "in the store could not be restored (first: %s)\n",
			    pr.bad, pr.first_bad);
		if (pr.bl_bad)
			fprintf(stderr, "edgeward run: warning: %zu baseline rows "
			    "in the store could not be restored (first: %s)\n",
			    pr.bl_bad, pr.bl_first_bad);
		fprintf(stderr, "edgeward run: %zu devices restored from %s\n",
		    pr.restored, o->po.store_path);
		fprintf(stderr, "edgeward run: %zu baselines and %zu MUD "
		    "profiles restored, %zu expected alerts folded in\n",
		    pr.baselines, pr.mud, pr.folded);
	}
	set_syslog(s, o->syslog);
	if (o->api && start_api(s) < 0)
		return -1;

	/* 6. the sandbox, last: everything is open */
	if (!o->no_sandbox && svc_sandbox(err, sizeof(err)) < 0)
		fprintf(stderr, "edgeward run: warning: no seccomp filter: "
		    "%s\n", err);
	return 0;
}

int cli_run(int argc, char **argv)
{
	struct option opts[64];
	struct sensor *s;
	int r, rc = 0;
	char err[512];

	if (cli_pl_options(opts, sizeof(opts) / sizeof(opts[0]), own_opts) <
	    0)
		return 2;
	s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "edgeward run: out of memory\n");
		return 1;
	}
	s->opts = opts;
	s->argc = argc;
	s->argv = argv;
	r = parse_all(&s->o, &s->ca, opts, argc, argv);
	if (r != 0) {
		free(s);
		return r == 1 ? 0 : r == -2 ? 1 : 2;
	}
	if (!s->o.iface) {
		fprintf(stderr, "edgeward run: -i IFACE is required\n");
		usage(stderr);
		rc = 2;
		goto out;
	}
	if (cli_pl_validate(&s->o.cfg, "run") < 0) {
		rc = 2;
		goto out;
	}
	if ((s->o.api || s->o.api_listen || s->o.api_token || s->o.api_cert ||
	    s->o.api_key) && !(s->o.api && s->o.po.store_path)) {
		fprintf(stderr, "edgeward run: %s\n", s->o.api ?
		    "--api needs --store (it serves the store)" :
		    "--api-* options need --api");
		rc = 2;
		goto out;
	}
	s->t_start = mono_ns();
	setup_signals();
	if (start(s) < 0) {
		rc = 1;
		goto out;
	}
	printf("capturing on %s\n", s->o.iface);
	fflush(stdout);
	rc = capture_loop(s);
	if (shutdown_sensor(s) != 0)
		rc = 1;
	fprintf(stderr, "edgeward run: stopped after %llu packets\n",
	    (unsigned long long)pipeline_cap_stats(s->pl)->packets);
out:
	api_stop(s->api);	/* before the store it reads goes away */
	pipeline_free(s->pl);
	if (s->eve && eve_close(s->eve, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward run: %s: %s\n", s->eve_path, err);
		rc = rc ? rc : 1;
	}
	if (s->store && store_close(s->store, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward run: store: %s\n", err);
		rc = rc ? rc : 1;
	}
	set_syslog(s, 0);
	cap_close(s->cap);
	conf_free(&s->ca);
	free(s);
	return rc;
}
