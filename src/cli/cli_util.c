/* cli_util.c - small helpers shared by subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "model/model_thread.h"
#include "util/duration.h"
#include "util/fsutil.h"

int cli_mkdirs(const char *dir)
{
	return fs_mkdirs(dir, 0755, (uid_t)-1, (gid_t)-1);
}

int cli_mkdirs_for(const char *file)
{
	char buf[4096];
	const char *sl = strrchr(file, '/');

	if (!sl || sl == file)
		return 0;	/* the current or root directory */
	if ((size_t)(sl - file) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, file, (size_t)(sl - file));
	buf[sl - file] = '\0';
	return cli_mkdirs(buf);
}

int cli_parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	unsigned long long mul = 1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1024ull; end++; break;
	case 'm': case 'M': mul = 1024ull * 1024; end++; break;
	case 'g': case 'G': mul = 1024ull * 1024 * 1024; end++; break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'b' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end != '\0' || v > (unsigned long long)SIZE_MAX / mul)
		return -1;
	*out = (size_t)(v * mul);
	return 0;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-' || *end != '\0')
		return -1;
	*out = (uint64_t)v;
	return 0;
}

enum {
	OPT_HOME_NET = CLI_OPT_PL_FIRST,
	OPT_FLOW_MEMCAP,
	OPT_NO_NDPI,
	OPT_KB,
	OPT_LIBRARY,
	OPT_SET,
	OPT_CHECK_OFF,
	OPT_LIST_SETTINGS,
	OPT_NO_CHECKS,
	OPT_NO_MODEL,
	OPT_FM_GRACE,
	OPT_AD_GRACE,
	OPT_KEY,
	OPT_STORE,
	OPT_FM_GRACE_S,
	OPT_AD_GRACE_S,
	OPT_NO_BASELINE,
	OPT_BASELINE_LEARN,
	OPT_GEOIP,
	OPT_GEOIP6,
	OPT_GEOIP_MMDB,
	OPT_ZONES,
	OPT_MODEL_THREAD,
	OPT_MODEL_SEED,
};

static const struct option pl_opts[] = {
	{ "home-net", required_argument, NULL, OPT_HOME_NET },
	{ "flow-memcap", required_argument, NULL, OPT_FLOW_MEMCAP },
	{ "no-ndpi", no_argument, NULL, OPT_NO_NDPI },
	{ "kb", required_argument, NULL, OPT_KB },
	{ "library", required_argument, NULL, OPT_LIBRARY },
	{ "set", required_argument, NULL, OPT_SET },
	{ "check-off", required_argument, NULL, OPT_CHECK_OFF },
	{ "list-settings", no_argument, NULL, OPT_LIST_SETTINGS },
	{ "no-checks", no_argument, NULL, OPT_NO_CHECKS },
	{ "no-model", no_argument, NULL, OPT_NO_MODEL },
	{ "fm-grace", required_argument, NULL, OPT_FM_GRACE },
	{ "ad-grace", required_argument, NULL, OPT_AD_GRACE },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "fm-grace-s", required_argument, NULL, OPT_FM_GRACE_S },
	{ "ad-grace-s", required_argument, NULL, OPT_AD_GRACE_S },
	{ "no-baseline", no_argument, NULL, OPT_NO_BASELINE },
	{ "baseline-learn", required_argument, NULL, OPT_BASELINE_LEARN },
	{ "geoip", required_argument, NULL, OPT_GEOIP },
	{ "geoip6", required_argument, NULL, OPT_GEOIP6 },
	{ "geoip-mmdb", required_argument, NULL, OPT_GEOIP_MMDB },
	{ "zones", required_argument, NULL, OPT_ZONES },
	{ "model-thread", required_argument, NULL, OPT_MODEL_THREAD },
	{ "model-seed", required_argument, NULL, OPT_MODEL_SEED },
};
#define NPL (sizeof(pl_opts) / sizeof(pl_opts[0]))

int cli_pl_options(struct option *out, size_t cap, const struct option *own)
{
	size_t n = 0, k = 0;

	while (own[k].name)
		k++;
	if (NPL + k + 1 > cap)
		return -1;
	for (size_t i = 0; i < NPL; i++)
		out[n++] = pl_opts[i];
	for (size_t i = 0; i < k; i++)
		out[n++] = own[i];
	memset(&out[n], 0, sizeof(out[n]));
	return 0;
}

int cli_pl_option(struct cli_pl_opts *o, int c, const char *arg,
    const char *cmd)
{
	struct pipeline_config *cfg = o->cfg;
	char err[256];

	switch (c) {
	case OPT_HOME_NET:
		if (homenet_parse(&cfg->home, arg, err, sizeof(err)) < 0) {
			fprintf(stderr, "edgeward %s: %s\n", cmd, err);
			return -1;
		}
		return 1;
	case OPT_FLOW_MEMCAP:
		if (cli_parse_size(arg, &cfg->flow.memcap) < 0) {
			fprintf(stderr, "edgeward %s: bad --flow-memcap '%s'\n",
			    cmd, arg);
			return -1;
		}
		return 1;
	case OPT_NO_NDPI: cfg->proto.ndpi = 0; return 1;
	case OPT_KB: cfg->dev.kb_path = arg; return 1;
	case OPT_LIBRARY: cfg->dev.library_path = arg; return 1;
	case OPT_SET:
	case OPT_CHECK_OFF: {
		struct detect_config *dc = &cfg->detect;
		unsigned *n = c == OPT_SET ? &dc->nset : &dc->noff;
		if (*n >= DETECT_MAX_SETTINGS) {
			fprintf(stderr, "edgeward %s: too many --%s options\n",
			    cmd, c == OPT_SET ? "set" : "check-off");
			return -1;
		}
		(c == OPT_SET ? dc->set : dc->off)[(*n)++] = arg;
		return 1;
	}
	case OPT_LIST_SETTINGS: detect_print_settings(stdout); return 2;
	case OPT_NO_CHECKS: cfg->detect.enabled = 0; return 1;
	case OPT_NO_MODEL: cfg->anom.enabled = 0; return 1;
	case OPT_MODEL_THREAD: {
		int v = mthread_mode(arg);
		if (v < 0) {
			fprintf(stderr, "edgeward %s: --model-thread: '%s' is not "
			    "auto, on or off\n", cmd, arg);
			return -1;
		}
		cfg->model_thread = v;
		return 1;
	}
	case OPT_MODEL_SEED: {
		uint64_t v;
		if (cli_parse_u64(arg, &v) < 0) {
			fprintf(stderr, "edgeward %s: bad --model-seed '%s'\n",
			    cmd, arg);
			return -1;
		}
		cfg->anom.seed = v;
		return 1;
	}
	case OPT_FM_GRACE:
	case OPT_AD_GRACE: {
		uint64_t v;
		if (cli_parse_u64(arg, &v) < 0) {
			fprintf(stderr, "edgeward %s: bad --%s '%s'\n", cmd,
			    c == OPT_FM_GRACE ? "fm-grace" : "ad-grace", arg);
			return -1;
		}
		*(c == OPT_FM_GRACE ? &cfg->anom.fm_grace :
		    &cfg->anom.ad_grace) = v;
		return 1;
	}
	case OPT_FM_GRACE_S:
	case OPT_AD_GRACE_S: {
		char *end;
		errno = 0;
		double v = strtod(arg, &end);
		if (errno || end == arg || *end != '\0' || !(v >= 0) ||
		    v > 1e9) {
			fprintf(stderr, "edgeward %s: bad --%s '%s'\n", cmd,
			    c == OPT_FM_GRACE_S ? "fm-grace-s" : "ad-grace-s",
			    arg);
			return -1;
		}
		*(c == OPT_FM_GRACE_S ? &cfg->anom.fm_grace_s :
		    &cfg->anom.ad_grace_s) = v;
		return 1;
	}
	case OPT_KEY:
		o->key_path = arg;
		cfg->anom.key_path = arg;
		return 1;
	case OPT_STORE: o->store_path = arg; return 1;
	case OPT_NO_BASELINE: cfg->bl.enabled = 0; return 1;
	case OPT_BASELINE_LEARN: {
		uint64_t v;
		if (dur_parse(arg, &v) < 0 || v > 365ull * 86400) {
			fprintf(stderr, "edgeward %s: --baseline-learn: '%s' is "
			    "not a duration (e.g. 90m, 36h, 2d)\n", cmd, arg);
			return -1;
		}
		cfg->bl.learn_ns = v * 1000000000ull;
		return 1;
	}
	case OPT_GEOIP: cfg->bl.geo_tor4 = arg; return 1;
	case OPT_GEOIP6: cfg->bl.geo_tor6 = arg; return 1;
	case OPT_GEOIP_MMDB: cfg->bl.geo_mmdb = arg; return 1;
	case OPT_ZONES: cfg->bl.zones_path = arg; return 1;
	default: return 0;
	}
}

int cli_pl_validate(const struct pipeline_config *cfg, const char *cmd)
{
	char err[512];

	if (!cfg->detect.enabled)
		return 0;
	struct detect *chk = detect_new(&cfg->detect, &cfg->home, NULL, NULL,
	    err, sizeof(err));
	if (!chk) {
		fprintf(stderr, "edgeward %s: %s\n", cmd, err);
		return -1;
	}
	detect_free(chk);
	return 0;
}

void cli_pl_usage(FILE *fp)
{
	fprintf(fp,
	    "  pipeline:\n"
	    "      --home-net LIST    local network CIDRs, comma-separated (default\n"
	    "                         RFC 1918, 100.64/10, 169.254/16, fc00::/7, fe80::/10)\n"
	    "      --flow-memcap SIZE flow table memory budget, e.g. 16M (default 16M)\n"
	    "      --no-ndpi          do not run nDPI (no app_proto, no flow risks)\n"
	    "      --store FILE       also write devices, alerts, stats and model\n"
	    "                         metadata to this SQLite store (created if\n"
	    "                         missing; read it with 'edgeward devices --store'\n"
	    "                         and 'edgeward alerts --store')\n"
	    "\n"
	    "  devices:\n"
	    "      --kb FILE          device knowledge base (default data/devices.kb)\n"
	    "      --library FILE     enrolment fingerprint library to match against\n"
	    "                         (from 'edgeward devices learn')\n"
	    "\n"
	    "  behaviour checks:\n"
	    "      --set KEY=VALUE    override a check threshold (repeatable)\n"
	    "      --check-off NAME   turn a check off (repeatable)\n"
	    "      --list-settings    print every threshold with its default and exit\n"
	    "      --no-checks        no behaviour checks\n"
	    "\n"
	    "  anomaly model:\n"
	    "      --no-model         no anomaly model\n"
	    "      --fm-grace N       packets for learning the feature map\n"
	    "      --ad-grace N       packets for training the autoencoders\n"
	    "      --fm-grace-s S     ... and at least S seconds of packet time for\n"
	    "      --ad-grace-s S     each (defaults 30 and 300; whichever of packets\n"
	    "                         and seconds ends later applies)\n"
	    "      --key FILE         Ed25519 key (edgeward model keygen): secret to\n"
	    "                         sign snapshots, public or secret to verify\n"
	    "      --model-thread M   auto (default: on with two or more CPUs), on,\n"
	    "                         off: run the model on a second core; the\n"
	    "                         output is the same bytes either way\n"
	    "      --model-seed N     seed of the initial weights and hash keys\n"
	    "                         (default fixed: runs are reproducible; vary\n"
	    "                         it to see how much a result owes to chance)\n"
	    "\n"
	    "  per-device baselines:\n"
	    "      --no-baseline      no baselines (no new-country, new-destination,\n"
	    "                         lateral-movement, volume-spike ... alerts)\n"
	    "      --baseline-learn D learning period of each device from its first\n"
	    "                         packet, e.g. 90m, 36h, 2d (default 1d)\n"
	    "      --geoip FILE       IPv4 country ranges in tor's format (default\n"
	    "                         /usr/share/tor/geoip from tor-geoipdb)\n"
	    "      --geoip6 FILE      the same for IPv6 (default .../geoip6)\n"
	    "      --geoip-mmdb FILE  a MaxMind country database instead\n"
	    "      --zones FILE       zones and rules between them (see\n"
	    "                         dist/zones.conf); violations alert\n");
}

void cli_cell(const char *s, int width, int last)
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
