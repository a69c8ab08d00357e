/* detect.c - runs every behaviour check over each packet and flow end, and
 * resolves `--set name=value` overrides into their thresholds. */
#include "detect/detect_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"

static const struct check_ops *const checks[] = {
	&check_scan, &check_flood, &check_arp, &check_dhcp, &check_ndpi_risk,
	&check_bruteforce, &check_beacon, &check_mining, &check_cleartext,
	&check_dns, &check_slowdos,
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

/* Checks tick at most this often (packet time). */
#define DETECT_TICK_NS 1000000000ull

struct detect_settings {
	const struct detect_config *cfg;
	uint8_t used[DETECT_MAX_SETTINGS];
	char err[160];
	FILE *print;			/* detect_print_settings() mode */
};

struct detect {
	struct detect_ctx ctx;
	void *st[NCHECKS];
	uint64_t next_tick;
};

void detect_config_default(struct detect_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->enabled = 1;
}

double detect_setting(struct detect_settings *s, const char *name,
    double def, const char *what)
{
	size_t nl = strlen(name);

	if (s->print) {
		fprintf(s->print, "%s=%g  # %s\n", name, def, what);
		return def;
	}
	for (unsigned i = 0; i < s->cfg->nset; i++) {
		const char *kv = s->cfg->set[i];
		if (strncmp(kv, name, nl) != 0 || kv[nl] != '=')
			continue;
		char *end;
		double v = strtod(kv + nl + 1, &end);
		s->used[i] = 1;
		if (end == kv + nl + 1 || *end || v < 0) {
			if (!s->err[0])
				snprintf(s->err, sizeof(s->err), "bad value "
				    "in '%s' (want a number >= 0)", kv);
			return def;
		}
		def = v;	/* the last one given wins */
	}
	return def;
}

static int check_off(const struct detect_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->noff; i++)
		if (strcmp(cfg->off[i], name) == 0)
			return 1;
	return 0;
}

struct detect *detect_new(const struct detect_config *cfg,
    const struct homenet *home, struct alert_sink *sink,
    const struct proto *ps, char *err, size_t errlen)
{
	struct detect_settings set;
	struct detect *d;

	for (unsigned i = 0; i < cfg->noff; i++) {
		size_t k;
		for (k = 0; k < NCHECKS; k++)
			if (strcmp(cfg->off[i], checks[k]->name) == 0)
				break;
		if (k == NCHECKS) {
			snprintf(err, errlen, "unknown check '%s'",
			    cfg->off[i]);
			return NULL;
		}
	}
	d = ew_calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->ctx.home = *home;
	d->ctx.sink = sink;
	d->ctx.ps = ps;
	if (getentropy(&d->ctx.seed, sizeof(d->ctx.seed)) != 0)
		d->ctx.seed = (uint64_t)getpid() * UINT64_C(0x9e3779b97f4a7c15);
	memset(&set, 0, sizeof(set));
	set.cfg = cfg;
	for (size_t k = 0; k < NCHECKS; k++) {
		if (check_off(cfg, checks[k]->name))
			continue;
		d->st[k] = checks[k]->create(&d->ctx, &set, err, errlen);
		if (!d->st[k]) {
			detect_free(d);
			return NULL;
		}
	}
	if (set.err[0]) {
		snprintf(err, errlen, "%s", set.err);
		detect_free(d);
		return NULL;
	}
	for (unsigned i = 0; i < cfg->nset; i++) {
		if (!set.used[i]) {
			snprintf(err, errlen, "unknown setting '%s' (see "
			    "'edgeward analyze --list-settings')",
			    cfg->set[i]);
			detect_free(d);
			return NULL;
		}
	}
	return d;
}

void detect_free(struct detect *d)
{
	if (!d)
		return;
	for (size_t k = 0; k < NCHECKS; k++)
		if (d->st[k])
			checks[k]->destroy(d->st[k]);
	ew_free(d);
}

void detect_tick(struct detect *d, uint64_t now)
{
	if (now < d->next_tick)
		return;
	for (size_t k = 0; k < NCHECKS; k++)
		if (d->st[k] && checks[k]->tick)
			checks[k]->tick(d->st[k], now);
	d->next_tick = now + DETECT_TICK_NS;
}

void detect_packet(struct detect *d, const struct packet *p,
    const struct flow *f, int to_server, const struct app_meta *m)
{
	struct detect_pkt dp = {
		.p = p, .f = f, .to_server = to_server, .m = m,
	};

	if (p->ip_version) {
		dp.src_home = (uint8_t)homenet_contains(&d->ctx.home, &p->src);
		dp.dst_home = (uint8_t)homenet_contains(&d->ctx.home, &p->dst);
	}
	detect_tick(d, p->ts_ns);
	for (size_t k = 0; k < NCHECKS; k++)
		if (d->st[k] && checks[k]->packet)
			checks[k]->packet(d->st[k], &dp);
}

void detect_flow_end(struct detect *d, const struct flow *f)
{
	for (size_t k = 0; k < NCHECKS; k++)
		if (d->st[k] && checks[k]->flow_end)
			checks[k]->flow_end(d->st[k], f);
}

void detect_finish(struct detect *d, uint64_t now)
{
	for (size_t k = 0; k < NCHECKS; k++)
		if (d->st[k] && checks[k]->finish)
			checks[k]->finish(d->st[k], now);
}

void detect_print_settings(FILE *fp)
{
	struct detect_config cfg;
	struct detect_settings set;
	struct detect_ctx ctx;
	char err[160];

	detect_config_default(&cfg);
	memset(&set, 0, sizeof(set));
	memset(&ctx, 0, sizeof(ctx));
	homenet_default(&ctx.home);
	set.cfg = &cfg;
	set.print = fp;
	for (size_t k = 0; k < NCHECKS; k++) {
		void *st = checks[k]->create(&ctx, &set, err, sizeof(err));
		if (st)
			checks[k]->destroy(st);
	}
}
