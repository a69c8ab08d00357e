/* sim_main.c - `edgeward sim`: options, the run, exit status.
 *
 *   edgeward sim -w OUT.pcap [--seed N] [--devices N] [--hours H]
 *       [--attack NAME]... [--truth FILE] [--packets N] [--start EPOCH]
 *       [--home-net CIDR]
 *
 * Exit 0 on success, 1 on an I/O error, 2 on bad usage. */
#include "sim/sim.h"
#include "sim/sim_internal.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static const char usage_text[] =
	"usage: edgeward sim -w OUT.pcap [options]\n"
	"Write a pcap of a simulated smart home (router + devices), the same\n"
	"bytes for the same options, and a ground-truth file beside it.\n"
	"\n"
	"  -w, --write FILE      output pcap (required)\n"
	"  -s, --seed N          PRNG seed (default 1)\n"
	"  -d, --devices N       devices, kinds in turn: camera plug bulb\n"
	"                        speaker tv thermostat hub phone laptop (9)\n"
	"  -H, --hours H         simulated hours (default 2)\n"
	"  -a, --attack NAME     mirai portscan arpspoof mining exfil lateral\n"
	"                        all; beacon dnstunnel (not in all);\n"
	"                        repeat or separate with commas\n"
	"  -t, --truth FILE      ground truth (default OUT.truth.json)\n"
	"  -n, --packets N       stop after N packets; without --hours runs\n"
	"                        until then, without --devices scales devices\n"
	"      --start EPOCH     time of the first packet (default 1700000000)\n"
	"      --home-net CIDR   home network (default 192.168.1.0/24)\n"
	"  -h, --help            this text\n";

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "sim: invalid %s: '%s'\n", what, arg);
	fprintf(stderr, "Try 'edgeward sim --help'.\n");
	return 2;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*v = (uint64_t)x;
	return 0;
}

static int parse_attacks(const char *s, unsigned *mask)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "mirai", SIM_ATK_MIRAI }, { "portscan", SIM_ATK_PORTSCAN },
		{ "arpspoof", SIM_ATK_ARPSPOOF }, { "mining", SIM_ATK_MINING },
		{ "exfil", SIM_ATK_EXFIL }, { "lateral", SIM_ATK_LATERAL },
		{ "beacon", SIM_ATK_BEACON }, { "dnstunnel", SIM_ATK_DNSTUNNEL },
		{ "all", SIM_ATK_ALL },
	};

	while (*s) {
		const char *comma = strchr(s, ',');
		size_t l = comma ? (size_t)(comma - s) : strlen(s), i;
		int found = 0;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strlen(names[i].name) == l &&
			    strncmp(names[i].name, s, l) == 0) {
				*mask |= names[i].bit;
				found = 1;
			}
		}
		if (!found)
			return -1;
		s += l;
		if (*s == ',')
			s++;
	}
	return 0;
}

static int parse_cidr(const char *s, uint32_t *net, unsigned *prefix)
{
	unsigned a, b, c, d, p;
	char tail;

	if (sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &p, &tail) != 5 ||
	    a > 255 || b > 255 || c > 255 || d > 255 || p < 8 || p > 28)
		return -1;
	*prefix = p;
	*net = (a << 24 | b << 16 | c << 8 | d) & ~((1u << (32 - p)) - 1u);
	return 0;
}

void sim_opts_default(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = SIM_DEF_SEED;
	o->devices = SIM_DEF_DEVICES;
	o->hours = SIM_DEF_HOURS;
	o->start = SIM_DEF_START;
	o->net = SIM_DEF_NET;
	o->prefix = SIM_DEF_PREFIX;
}

int sim_run(const struct sim_opts *o)
{
	struct sim_ctx c;
	struct sim_pcap out;
	char *truth = NULL;
	int rc = 1;

	if (sim_ctx_init(&c, o) != 0)
		goto done;
	c.mask = ~((1u << (32 - o->prefix)) - 1u);
	c.net = o->net & c.mask;
	if (o->hours > 0) {
		c.tend = c.t0 + (uint64_t)(o->hours * 3600.0 * 1e6);
		c.window = c.tend - c.t0;
	} else {
		c.window = (uint64_t)(SIM_DEF_HOURS * 3600.0 * 1e6);
	}
	sim_router_setup(&c);
	if (sim_devices_setup(&c) != 0 || sim_attacks_setup(&c) != 0) {
		fprintf(stderr, "sim: out of memory\n");
		goto done;
	}
	if (sim_pcap_open(&out, o->out) != 0) {
		fprintf(stderr, "sim: %s: %s\n", o->out, strerror(errno));
		sim_pcap_close(&out);
		goto done;
	}
	c.out = &out;
	if (sim_ctx_run(&c) != 0 || sim_pcap_close(&out) != 0) {
		fprintf(stderr, "sim: %s: %s\n", o->out, c.oom ?
		    "out of memory" : "write failed");
		sim_pcap_close(&out);
		goto done;
	}
	if (o->truth) {
		rc = sim_truth_write(&c, o->truth);
	} else {
		size_t l = strlen(o->out);

		truth = ew_malloc(l + 16);
		if (!truth)
			goto done;
		if (l > 5 && strcmp(o->out + l - 5, ".pcap") == 0)
			l -= 5;	/* OUT.pcap -> OUT.truth.json */
		memcpy(truth, o->out, l);
		memcpy(truth + l, ".truth.json", sizeof(".truth.json"));
		rc = sim_truth_write(&c, truth);
	}
	if (rc != 0) {
		fprintf(stderr, "sim: %s: cannot write ground truth\n",
		    o->truth ? o->truth : truth);
		rc = 1;
	}
done:
	ew_free(truth);
	sim_ctx_fini(&c);
	return rc;
}

int sim_main(int argc, char **argv)
{
	enum { OPT_START = 256, OPT_NET };
	static const struct option longopts[] = {
		{ "write", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 's' },
		{ "devices", required_argument, NULL, 'd' },
		{ "hours", required_argument, NULL, 'H' },
		{ "attack", required_argument, NULL, 'a' },
		{ "truth", required_argument, NULL, 't' },
		{ "packets", required_argument, NULL, 'n' },
		{ "start", required_argument, NULL, OPT_START },
		{ "home-net", required_argument, NULL, OPT_NET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_opts o;
	int ch, have_hours = 0, have_devices = 0;
	uint64_t v;
	const char *why;
	char *end;

	sim_opts_default(&o);
	optind = 0;		/* glibc: full re-initialisation */
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "w:s:d:H:a:t:n:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'w':
			o.out = optarg;
			break;
		case 's':
			if (parse_u64(optarg, &o.seed))
				return bad("seed", optarg);
			break;
		case 'd':
			if (parse_u64(optarg, &v) || v < 1 ||
			    v > SIM_MAX_DEVICES)
				return bad("device count (1-1000)", optarg);
			o.devices = (unsigned)v;
			have_devices = 1;
			break;
		case 'H':
			errno = 0;
			o.hours = strtod(optarg, &end);
			if (errno || *end || !(o.hours > 0) || o.hours > 8760)
				return bad("hours (0-8760)", optarg);
			have_hours = 1;
			break;
		case 'a':
			if (parse_attacks(optarg, &o.attacks))
				return bad("attack", optarg);
			break;
		case 't':
			o.truth = optarg;
			break;
		case 'n':
			if (parse_u64(optarg, &o.max_packets) ||
			    o.max_packets == 0)
				return bad("packet count", optarg);
			break;
		case OPT_START:
			if (parse_u64(optarg, &o.start) || o.start > 4000000000u)
				return bad("start time", optarg);
			break;
		case OPT_NET:
			if (parse_cidr(optarg, &o.net, &o.prefix))
				return bad("home network (a.b.c.d/8-28)",
				    optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'edgeward sim --help'.\n");
			return 2;
		}
	}
	if (optind < argc)
		return bad("argument", argv[optind]);
	if (!o.out) {
		fprintf(stderr, "sim: -w OUT.pcap is required\n"
		    "Try 'edgeward sim --help'.\n");
		return 2;
	}
	if (o.max_packets && !have_hours)
		o.hours = 0;	/* until N packets */
	if (o.max_packets && !have_devices) {
		uint64_t n = o.max_packets / SIM_PACKETS_PER_DEVICE;

		o.devices = n < SIM_DEF_DEVICES ? SIM_DEF_DEVICES :
		    n > 200 ? 200 : (unsigned)n;
	}
	if (o.devices + 3u > (1u << (32 - o.prefix)) - 2u) {
		if (have_devices)
			return bad("device count for the home network",
			    "--devices");
		o.devices = (1u << (32 - o.prefix)) - 5u;
	}
	if (o.start + (uint64_t)(o.hours * 3600.0) > 4200000000u)
		return bad("start time plus hours", "--start");
	why = sim_attacks_check(&o);
	if (why) {
		fprintf(stderr, "sim: %s\n", why);
		return 2;
	}
	return sim_run(&o);
}
