/* anom.c - the online anomaly detector: feature vector -> KitNET score ->
 * log-normal threshold -> per-source episodes -> explained alerts, with
 * poisoning defences on continued learning and signed snapshots. */
#include "model/anom.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "features/features.h"
#include "model/kitnet.h"
#include "model/snapshot.h"
#include "model/threshold.h"
#include "util/alloc.h"
#include "util/lrutab.h"

#define NS 1000000000.0
#define ANOM_TOP 3		/* feature groups named in an explanation */
#define SID_SOURCE 4000001u	/* a source behaving unlike the baseline */
#define SID_TARGET 4000002u	/* outside sources hitting one device */
#define SID_INTEGRITY 4000010u

/* Episodes and learning shares are kept per source. role 0: the packet's
 * own source (a device or any sender); role 1: a device hit by senders
 * outside the home network (a spoofed-source flood is many brand-new
 * sources: keyed by them, no episode would ever gather packets); role 2:
 * an answer, charged to whoever opened its socket (a scanned host's
 * answers belong to the scan, not to the scanned host). */
struct src_key {
	struct addr a;
	uint8_t role;		/* always 0 in the table's keys */
};

/* An episode's highest-scoring packet of one role: its other end, ports
 * and why it scored. */
struct peak {
	double s;			/* 0: none yet */
	struct addr peer;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t ntop;
	uint16_t top_feat[ANOM_TOP];
	double top_val[ANOM_TOP];
};

struct src_rec {
	/* the open episode */
	uint8_t open, has_mac;
	uint8_t mac[6];
	uint64_t ep_start, ep_last, ep_count;
	uint64_t ep_total;		/* scored packets during the episode */
	uint64_t ep_attempts;		/* of ep_count: sent by the source
					 * itself, opening a new service */
	double ep_peak;
	struct peak pk[2];		/* by role (see src_key) */
	/* continued learning */
	uint64_t win;
	uint64_t win_count;
	uint64_t flagged_until;		/* ns; no learning before */
	uint64_t last_alert;		/* ns, 0 = never: the daily budget */
	uint64_t reported;		/* last progress report, 0 = none */
};

struct anom {
	struct anom_config cfg;
	struct homenet home;
	struct alert_sink *sink;
	anom_emit_fn emit;		/* NULL: straight to sink */
	void *emit_ud;
	struct feat *fx;
	struct kitnet *kn;
	struct lrutab *srcs;
	unsigned nfeat;
	int use_names;
	uint64_t layout;

	/* phase */
	enum anom_phase phase;
	uint64_t n_phase, t_phase;	/* vectors in phase; its start (ns) */
	int t_pending;			/* t_phase set from the next packet */
	int attempt;			/* the packet being scored opened a new
					 * service (0 through anom_vector) */
	int reply;			/* ... answered its socket's opener */
	double pending_s;		/* ... minus this many seconds */
	uint64_t cal_n;
	double cal_s;
	struct thr_fit fit;
	struct thr thr;

	/* continued learning */
	uint64_t sample;
	uint64_t win, win_total, prev_total;

	uint64_t last_ts, next_sweep;
	uint64_t n_open;		/* episodes open: with none, a packet
					 * below the threshold needs no lookup
					 * and a sweep nothing to walk */
	uint64_t gb_sec, gb_used;	/* grace learning budget: this second */
	double *x;			/* nfeat: the current vector */
	double *contrib, *ferr;		/* explanation scratch */
	unsigned (*sanitize)(double *, const double *, unsigned);
	struct anom_stats st;
	struct anom_hist hist;		/* every non-zero score (st.scored) */
};

/* Two doubles (and their bit masks) as one SIMD register (GCC/clang
 * vector extension). */
typedef double an_v2 __attribute__((vector_size(16)));
typedef int64_t an_i2 __attribute__((vector_size(16)));

/* x[i] = xin[i] where finite, else 0, for i < n. v - v is 0 exactly when
 * v is finite (NaN for NaN and infinities): the same test as isfinite(),
 * two values at a time and without branches (a branch per value showed
 * as 2-3% of the whole analyze with the model on). */
static inline __attribute__((always_inline)) unsigned sanitize_body(
    double *x, const double *xin, unsigned n)
{
	unsigned i = 0;

	for (; i + 2 <= n; i += 2) {
		an_v2 v;
		memcpy(&v, xin + i, sizeof(v));
		an_i2 fin = (an_i2)(v - v == 0);
		v = (an_v2)((an_i2)v & fin);
		memcpy(x + i, &v, sizeof(v));
	}
	return i;
}

static unsigned sanitize_sse(double *x, const double *xin, unsigned n)
{
	return sanitize_body(x, xin, n);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The same, LANES values at a time with AVX2 (4) or AVX-512 (8): fewer
 * instructions; every lane does the same test, so the same values. */
#define AN_SANITIZE_WIDE(sfx, isa, lanes)				\
	typedef double an_v##sfx						\
	    __attribute__((vector_size(8 * (lanes))));			\
	typedef int64_t an_i##sfx					\
	    __attribute__((vector_size(8 * (lanes))));			\
	static __attribute__((target(isa))) unsigned sanitize_##sfx(	\
	    double *x, const double *xin, unsigned n)			\
	{								\
		unsigned i = 0;						\
		for (; i + (lanes) <= n; i += (lanes)) {		\
			an_v##sfx v;					\
			memcpy(&v, xin + i, sizeof(v));			\
			an_i##sfx fin = (an_i##sfx)(v - v == 0);	\
			v = (an_v##sfx)((an_i##sfx)v & fin);		\
			memcpy(x + i, &v, sizeof(v));			\
		}							\
		return i + sanitize_body(x + i, xin + i, n - i);	\
	}
AN_SANITIZE_WIDE(256, "avx2", 4)
AN_SANITIZE_WIDE(512, "avx512f", 8)
#endif

typedef unsigned (*sanitize_fn)(double *, const double *, unsigned);

/* The widest sanitize this CPU runs (chosen once). */
static sanitize_fn sanitize_pick(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return sanitize_512;
	if (__builtin_cpu_supports("avx2"))
		return sanitize_256;
#endif
	return sanitize_sse;
}

void anom_config_default(struct anom_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->enabled = 1;
	cfg->fm_grace = MODEL_FM_GRACE;
	cfg->ad_grace = MODEL_AD_GRACE;
	cfg->fm_grace_s = MODEL_FM_GRACE_S;
	cfg->ad_grace_s = MODEL_AD_GRACE_S;
	cfg->max_ae = MODEL_MAX_AE;
	cfg->learning_rate = MODEL_LEARNING_RATE;
	cfg->hidden_ratio = MODEL_HIDDEN_RATIO;
	cfg->tail_prob = MODEL_TAIL_PROB;
	cfg->keep_learning = 1;
	cfg->grace_max_pps = MODEL_GRACE_MAX_PPS;
	cfg->seed = MODEL_SEED;
	cfg->cal_fraction = MODEL_CAL_FRACTION;
	cfg->episode_min = MODEL_EPISODE_MIN_COUNT;
	cfg->episode_gap_s = MODEL_EPISODE_GAP_S;
}

static void close_episode(struct anom *a, const struct src_key *k,
    struct src_rec *r);

static void on_evict(const void *key, void *val, void *ud)
{
	struct anom *a = ud;
	struct src_rec *r = val;

	a->st.evicted++;
	if (r->open)
		close_episode(a, key, r);
}

static void integrity_alert(struct anom *a, const char *why)
{
	struct alert al;

	if (!a->sink)
		return;
	alert_init(&al, SID_INTEGRITY, ALERT_CAT_MODEL_INTEGRITY, 1, "T1565",
	    "anomaly", a->cfg.start_ts);
	alert_signature(&al, "Model snapshot failed verification");
	alert_text(&al, "refused to load %s: %s", a->cfg.load_model, why);
	alert_emit(a->sink, &al);
}

/* Episode alerts go through the emit hook when one is set (the model
 * thread hands them to the pipeline's thread, model/model_thread.h). */
static void emit(struct anom *a, const struct alert *al)
{
	if (a->emit)
		a->emit(al, a->emit_ud);
	else
		alert_emit(a->sink, al);
}

static int load_model(struct anom *a, char *err, size_t errlen)
{
	struct snap_meta m;
	char why[256];
	int rc;

	rc = snap_load(a->cfg.load_model, a->cfg.key_path, &a->kn, &m, why,
	    sizeof(why));
	if (rc == 0 && (m.layout != a->layout ||
	    a->kn->nfeat != a->nfeat)) {
		snprintf(why, sizeof(why), "%s: feature layout differs from "
		    "this build (%u features, layout %016llx; file has %u, "
		    "%016llx)", a->cfg.load_model, a->nfeat,
		    (unsigned long long)a->layout, a->kn->nfeat,
		    (unsigned long long)m.layout);
		rc = SNAP_ERR_COMPAT;
	}
	if (rc == 0 && (m.phase < ANOM_PH_AD || m.phase > ANOM_PH_DETECT ||
	    (m.phase == ANOM_PH_DETECT && !m.thr.ready))) {
		snprintf(why, sizeof(why), "%s: inconsistent model phase",
		    a->cfg.load_model);
		rc = SNAP_ERR_INTEGRITY;
	}
	if (rc != 0) {
		kitnet_free(a->kn);
		a->kn = NULL;
		if (rc == SNAP_ERR_INTEGRITY)
			integrity_alert(a, why);
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	a->phase = (enum anom_phase)m.phase;
	a->n_phase = m.n_phase;
	a->t_pending = 1;
	a->pending_s = m.phase_s;
	a->fit = m.fit;
	a->thr = m.thr;
	a->st.trained = m.trained;
	return 0;
}

struct anom *anom_new(const struct anom_config *cfg,
    const struct homenet *home, struct alert_sink *sink, char *err,
    size_t errlen)
{
	struct anom *a = ew_calloc(1, sizeof(*a));
	size_t ents;

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->cfg = *cfg;
	a->sanitize = sanitize_pick();
	if (home)
		a->home = *home;
	else
		homenet_default(&a->home);
	a->sink = sink;
	if (cfg->nfeat) {
		a->nfeat = cfg->nfeat;
	} else {
		a->nfeat = feat_count();
		a->use_names = 1;
	}
	if (!cfg->enabled || a->nfeat == 0 || a->nfeat > FEAT_MAX * 16) {
		if (cfg->enabled && cfg->load_model) {
			snprintf(err, errlen, "cannot load %s: this build "
			    "computes no feature vector", cfg->load_model);
			ew_free(a);
			return NULL;
		}
		a->phase = ANOM_PH_OFF;
		return a;
	}
	if (!(cfg->tail_prob > 0 && cfg->tail_prob < 0.5) ||
	    cfg->max_ae == 0 || !(cfg->learning_rate > 0) ||
	    !(cfg->hidden_ratio > 0 && cfg->hidden_ratio <= 1) ||
	    !(cfg->cal_fraction >= 0 && cfg->cal_fraction <= 10)) {
		snprintf(err, errlen, "model: invalid setting (tail "
		    "probability in (0, 0.5), m >= 1, learning rate > 0, "
		    "hidden ratio in (0, 1])");
		ew_free(a);
		return NULL;
	}
	a->layout = snap_layout_hash(a->nfeat, a->use_names);
	a->x = ew_calloc(2u * a->nfeat + FEAT_MAX, sizeof(double));
	a->contrib = ew_calloc(a->nfeat, sizeof(double));
	ents = lrutab_entries_for(sizeof(struct src_key),
	    sizeof(struct src_rec), MODEL_SRC_MEMCAP);
	a->srcs = lrutab_new(sizeof(struct src_key), sizeof(struct src_rec),
	    ents, cfg->seed, on_evict, a);
	if (!a->x || !a->contrib || !a->srcs)
		goto oom;
	a->ferr = a->x + a->nfeat;
	if (a->use_names) {
		struct feat_config fc;
		feat_config_default(&fc);
		a->fx = feat_new(&fc, cfg->seed);
		if (!a->fx)
			goto oom;
	}
	a->cal_n = (uint64_t)((double)cfg->ad_grace * cfg->cal_fraction);
	if (a->cal_n < 100)
		a->cal_n = 100;	/* a fit needs some samples */
	a->cal_s = cfg->ad_grace_s * cfg->cal_fraction;
	if (cfg->load_model) {
		if (load_model(a, err, errlen) < 0) {
			anom_free(a);
			return NULL;
		}
	} else {
		a->kn = kitnet_new(a->nfeat, cfg->max_ae, cfg->learning_rate,
		    cfg->hidden_ratio, cfg->seed);
		if (!a->kn)
			goto oom;
		a->phase = ANOM_PH_FM;
		a->t_pending = 1;
	}
	return a;
oom:
	snprintf(err, errlen, "model: out of memory");
	anom_free(a);
	return NULL;
}

void anom_free(struct anom *a)
{
	if (!a)
		return;
	lrutab_free(a->srcs);
	kitnet_free(a->kn);
	feat_free(a->fx);
	ew_free(a->x);
	ew_free(a->contrib);
	ew_free(a);
}

/* Which source an anomalous or learned packet is charged to. */
static int key_of(const struct anom *a, const struct packet *p,
    int answers, struct src_key *k)
{
	memset(k, 0, sizeof(*k));
	if (p->ip_version == 4 || p->ip_version == 6) {
		if (a->reply && answers) {
			k->a = p->dst;
			k->role = 2;
		} else if (!homenet_contains(&a->home, &p->src) &&
		    homenet_contains(&a->home, &p->dst)) {
			/* the device's record (one episode per device,
			 * whichever direction); role kept for the alert */
			k->a = p->dst;
			k->role = 1;
		} else {
			k->a = p->src;
		}
		return 1;
	}
	if (p->has_arp) {
		addr_set4(&k->a, p->arp.spa);
		return 1;
	}
	return 0;
}

static int phase_done(const struct anom *a, uint64_t t, uint64_t n,
    double secs)
{
	if (a->n_phase < n)
		return 0;
	return secs <= 0 || (double)(t - a->t_phase) >= secs * NS ||
	    t < a->t_phase;
}

/* 1 when the grace periods' learning budget (grace_max_pps) has room
 * for one more vector in this second of packet time. */
static int grace_budget(struct anom *a, uint64_t t)
{
	uint64_t sec = t / (uint64_t)NS;

	if (!a->cfg.grace_max_pps)
		return 1;
	if (sec != a->gb_sec) {
		a->gb_sec = sec;
		a->gb_used = 0;
	}
	if (a->gb_used >= a->cfg.grace_max_pps)
		return 0;
	a->gb_used++;
	return 1;
}

static void next_phase(struct anom *a, enum anom_phase ph, uint64_t t)
{
	a->phase = ph;
	a->n_phase = 0;
	a->t_phase = t;
}

/* Why x scored high: the ANOM_TOP clusters whose reconstruction errors the
 * output layer found most surprising, each named by its worst feature. */
static void explain_peak(struct anom *a, const double *x, struct peak *r)
{
	struct kitnet *kn = a->kn;
	unsigned used[ANOM_TOP];

	kitnet_explain(kn, x, a->contrib, a->ferr);
	r->ntop = 0;
	for (unsigned t = 0; t < ANOM_TOP && t < kn->nclust; t++) {
		unsigned best = UINT32_MAX;
		for (unsigned c = 0; c < kn->nclust; c++) {
			int taken = 0;
			for (unsigned u = 0; u < t; u++)
				taken |= used[u] == c;
			if (taken)
				continue;
			if (best == UINT32_MAX || a->contrib[c] > a->contrib[best])
				best = c;
		}
		if (best == UINT32_MAX || !(a->contrib[best] > 0))
			break;
		used[t] = best;
		unsigned bf = kn->map[kn->cstart[best]];
		for (unsigned i = kn->cstart[best]; i < kn->cstart[best + 1]; i++) {
			if (a->ferr[kn->map[i]] > a->ferr[bf])
				bf = kn->map[i];
		}
		r->top_feat[t] = (uint16_t)bf;
		r->top_val[t] = x[bf];
		r->ntop = (uint8_t)(t + 1);
	}
}

static const char *name_of(const struct anom *a, unsigned f,
    const char *(*fn)(unsigned), char *buf, size_t n)
{
	if (a->use_names) {
		const char *s = fn(f);
		if (s && *s)
			return s;
	}
	snprintf(buf, n, "feature %u", f);
	return buf;
}

/* An episode's severity, 0 when it is not worth an alert: too few packets
 * above the threshold, or too small a share of the source's. */
static uint8_t episode_severity(const struct anom *a, const struct src_rec *r)
{
	double thr = a->thr.value;
	double ratio = thr > 0 ? r->ep_peak / thr : 0;
	uint8_t sev = 3;

	if (r->ep_count < a->cfg.episode_min ||
	    (double)r->ep_count < MODEL_EPISODE_MIN_SHARE *
	    (double)r->ep_total)
		return 0;
	if (ratio >= MODEL_SEV2_FACTOR && r->ep_count >= MODEL_SEV2_COUNT)
		sev = 2;
	if (ratio >= MODEL_SEV1_FACTOR && r->ep_count >= MODEL_SEV1_COUNT)
		sev = 1;
	return sev;
}

/* DESIGN's budget: at most one low-severity anomaly alert per device per
 * day; 1 when the episode falls under it. */
static int episode_held(const struct src_rec *r, uint8_t sev)
{
	return sev == 3 && r->last_alert && r->ep_start >= r->last_alert &&
	    (double)(r->ep_start - r->last_alert) < MODEL_SEV3_HOLDOFF_S * NS;
}

/* The alert for k's episode r (ongoing: a progress report). */
static void report_episode(struct anom *a, const struct src_key *k,
    const struct src_rec *r, uint8_t sev, int ongoing)
{
	struct alert al;
	char ip[ADDR_STRLEN], buf[32], key[ALERT_KEY_LEN];
	double thr = a->thr.value;
	double ratio = thr > 0 ? r->ep_peak / thr : 0;

	if (!a->sink)
		return;
	/* Who the episode is about. A device's own packets and those outside
	 * senders sent it can both score high (a scanned host's answers look
	 * as unusual as the probes). The device is the actor when it opened
	 * new services itself often enough to make an episode on its own;
	 * otherwise the highest-scoring packet decides. */
	unsigned role;
	if (!(r->pk[1].s > 0))
		role = 0;
	else if (!(r->pk[0].s > 0))
		role = 1;
	else
		role = r->ep_attempts >= a->cfg.episode_min ? 0 :
		    r->pk[1].s > r->pk[0].s;
	const struct peak *pk = &r->pk[role];
	alert_init(&al, role ? SID_TARGET : SID_SOURCE, ALERT_CAT_ANOMALY,
	    sev, role ? "T1498" : "", "anomaly", r->ep_start);
	al.ts_end = r->ep_last;
	al.count = r->ep_count;
	addr_fmt(&k->a, ip, sizeof(ip));
	if (role) {
		/* outside senders against a device: src = the top sender
		 * (the peak packet's), dest = the device */
		al.src = pk->peer;
		al.dst = k->a;
		al.device_side = ALERT_SIDE_DST;
		alert_signature(&al, "Anomalous traffic towards %s from "
		    "outside the home network", ip);
	} else {
		al.src = k->a;
		al.dst = pk->peer;
		al.has_src_mac = r->has_mac;
		memcpy(al.src_mac, r->mac, 6);
		alert_signature(&al, "Anomalous traffic from %s", ip);
	}
	al.src_port = pk->sport;
	al.dest_port = pk->dport;
	al.proto = pk->proto;
	const char *g0 = pk->ntop ? name_of(a, pk->top_feat[0], feat_group, buf,
	    sizeof(buf)) : "no single feature group";
	alert_text(&al, "%llu packets scored above the learned baseline's "
	    "threshold (peak %.3g, %.1fx the threshold); most unusual: %s",
	    (unsigned long long)r->ep_count, r->ep_peak, ratio, g0);
	alert_kv_num(&al, "score", r->ep_peak);
	alert_kv_num(&al, "threshold", thr);
	alert_kv_num(&al, "score_ratio", ratio);
	alert_kv_num(&al, "packets_above", (double)r->ep_count);
	alert_kv_num(&al, "tail_probability", a->thr.tail);
	for (unsigned t = 0; t < pk->ntop; t++) {
		snprintf(key, sizeof(key), "group_%u", t + 1);
		alert_kv_str(&al, key, name_of(a, pk->top_feat[t], feat_group,
		    buf, sizeof(buf)));
		snprintf(key, sizeof(key), "feature_%u", t + 1);
		alert_kv_str(&al, key, name_of(a, pk->top_feat[t],
		    feat_describe, buf, sizeof(buf)));
		snprintf(key, sizeof(key), "value_%u", t + 1);
		alert_kv_num(&al, key, pk->top_val[t]);
	}
	al.ongoing = (uint8_t)ongoing;
	emit(a, &al);
}

static void close_episode(struct anom *a, const struct src_key *k,
    struct src_rec *r)
{
	uint8_t sev = episode_severity(a, r);

	r->open = 0;
	a->n_open--;
	if (!sev) {
		a->st.episodes_small++;
		return;
	}
	r->flagged_until = r->ep_last +
	    (uint64_t)(MODEL_FLAG_HOLD_S * NS);
	if (episode_held(r, sev)) {
		a->st.episodes_held++;
		return;
	}
	a->st.episodes++;
	r->last_alert = r->ep_last;
	report_episode(a, k, r, sev, 0);
}

/* An open episode that has gone on for a while (ALERT_ONGOING_*): a
 * progress report, under the same rules as at its end. */
static void episode_progress(struct anom *a, const struct src_key *k,
    struct src_rec *r, uint64_t t)
{
	uint8_t sev;

	if (!alert_ongoing_due(r->ep_last, r->reported))
		return;
	sev = episode_severity(a, r);
	if (!sev || sev == 3)	/* (the sink would drop it: see alert.h) */
		return;
	r->reported = t;
	report_episode(a, k, r, sev, 1);
}

/* Close episodes quiet for longer than the gap (once per second of packet
 * time: a walk of a bounded table). */
static void sweep(struct anom *a, uint64_t t, int all)
{
	uint64_t gap = (uint64_t)(a->cfg.episode_gap_s * NS);

	if (!a->n_open)
		return;
	for (void *v = lrutab_first(a->srcs); v; v = lrutab_next(a->srcs, v)) {
		struct src_rec *r = v;
		if (r->open && (all || t < r->ep_last || t - r->ep_last > gap))
			close_episode(a, lrutab_key(a->srcs, v), r);
		else if (r->open)
			episode_progress(a, lrutab_key(a->srcs, v), r, t);
	}
}

static void above(struct anom *a, const struct packet *p, const double *x,
    double s)
{
	struct src_key k;
	struct src_rec *r;
	int created;

	a->st.above++;
	if (!key_of(a, p, 1, &k))
		return;
	uint8_t role = k.role;
	k.role = 0;
	r = lrutab_get(a->srcs, &k, &created);
	k.role = role;
	if (!r->open) {
		r->open = 1;
		a->n_open++;
		r->ep_start = p->ts_ns;
		r->ep_count = 0;
		r->ep_total = 1;
		r->ep_attempts = 0;
		r->ep_peak = 0;
		r->reported = 0;
		r->pk[0].s = r->pk[1].s = 0;
	}
	r->ep_last = p->ts_ns;
	r->ep_count++;
	if (k.role == 0 && a->attempt)
		r->ep_attempts++;
	if (p->has_eth && k.role == 0 && !r->has_mac) {
		r->has_mac = 1;
		memcpy(r->mac, p->src_mac, 6);
	}
	if (s > r->ep_peak)
		r->ep_peak = s;
	struct peak *pk = &r->pk[k.role == 1];
	if (s > pk->s) {
		pk->s = s;
		if (p->has_arp && !p->ip_version) {
			addr_set4(&pk->peer, p->arp.tpa);
			pk->proto = 0;
		} else {
			pk->peer = k.role ? p->src : p->dst;
			pk->proto = p->l4proto;
		}
		pk->sport = p->has_l4 ? p->sport : 0;
		pk->dport = p->has_l4 ? p->dport : 0;
		explain_peak(a, x, pk);
	}
}

/* The per-source share limit on training: 1 (and the vector counted) when
 * r may contribute one more training vector in this window. */
static int share_ok(struct anom *a, struct src_rec *r, uint64_t ts)
{
	uint64_t w = (uint64_t)((double)ts / (MODEL_LEARN_WINDOW_S * NS));

	if (w != a->win) {
		a->prev_total = w == a->win + 1 ? a->win_total : 0;
		a->win = w;
		a->win_total = 0;
	}
	if (r->win != w) {
		r->win = w;
		r->win_count = 0;
	}
	/* the share is of all vectors offered for training (counting only
	 * accepted ones would let a dominant source starve everyone) */
	a->win_total++;
	uint64_t tot = a->win_total > a->prev_total ? a->win_total :
	    a->prev_total;
	if (r->win_count >= MODEL_LEARN_SRC_FLOOR &&
	    (double)r->win_count >= MODEL_LEARN_SHARE * (double)tot) {
		a->st.refused_share++;
		return 0;
	}
	r->win_count++;
	return 1;
}

/* A packet at or below the threshold: it counts towards its source's
 * open episode (the share test), then maybe continued learning, with the
 * poisoning defences. */
static void below(struct anom *a, const struct packet *p, const double *x)
{
	struct src_key k;
	struct src_rec *r;
	int created;
	if (!key_of(a, p, 0, &k))
		return;
	k.role = 0;
	/* (lrutab_find leaves the LRU order alone: skipping it changes
	 * nothing) */
	r = a->n_open ? lrutab_find(a->srcs, &k) : NULL;
	if (r && r->open)
		r->ep_total++;
	if (!a->cfg.keep_learning || ++a->sample % MODEL_LEARN_SAMPLE)
		return;
	if (!r && !a->n_open)
		r = lrutab_find(a->srcs, &k);
	if (!r)
		r = lrutab_get(a->srcs, &k, &created);
	if (r->open || r->flagged_until > p->ts_ns) {
		a->st.refused_source++;
		return;
	}
	if (!share_ok(a, r, p->ts_ns))
		return;
	kitnet_train(a->kn, x);
	a->st.trained++;
	a->st.learned_after++;
}

/* Training during the grace period, under the same per-source share
 * limit: a device that starts scanning or flooding while the model is
 * still learning would otherwise make most of the training data. Refused
 * vectors do not count towards the grace period. This limits, but does
 * not prevent, learning an attack present during the grace period (see
 * test_grace_share_limit). Returns 1 if trained. */
static int grace_train(struct anom *a, const struct packet *p,
    const double *x)
{
	struct src_key k;
	struct src_rec *r;
	int created;

	if (key_of(a, p, 0, &k)) {
		k.role = 0;
		r = lrutab_get(a->srcs, &k, &created);
		if (!share_ok(a, r, p->ts_ns))
			return 0;
	}
	kitnet_train(a->kn, x);
	a->st.trained++;
	return 1;
}

void anom_tick(struct anom *a, uint64_t now)
{
	if (a->phase == ANOM_PH_OFF || now < a->next_sweep)
		return;
	sweep(a, now, 0);
	a->next_sweep = now + (uint64_t)NS;
}

/* ---- score histogram (see anom.h) ------------------------------------ */

/* Positive doubles order as their bit patterns do, so the exponent and
 * the top mantissa bits, shifted down together, are a monotonic bin key
 * (subnormals fall below the range, +inf above it). */
static inline unsigned hist_bin(double s)
{
	const uint64_t lo = (uint64_t)(1023 + ANOM_HIST_EXP_MIN) <<
	    ANOM_HIST_SUB_BITS;
	const uint64_t hi = (uint64_t)(1023 + ANOM_HIST_EXP_MAX) <<
	    ANOM_HIST_SUB_BITS;
	uint64_t u;

	memcpy(&u, &s, sizeof(u));
	u >>= 52 - ANOM_HIST_SUB_BITS;
	if (u < lo)
		return 0;
	if (u >= hi)
		return ANOM_HIST_BINS - 1;
	return (unsigned)(u - lo) + 1;
}

static inline void hist_add(struct anom_hist *h, double s)
{
	if (!(s > 0))
		return;
	if (!h->n || s < h->min)
		h->min = s;
	if (!h->n || s > h->max)
		h->max = s;
	h->n++;
	h->bin[hist_bin(s)]++;
}

unsigned anom_hist_bin(double s)
{
	return hist_bin(s);
}

void anom_hist_add(struct anom_hist *h, double s)
{
	hist_add(h, s);
}

double anom_hist_quantile(const struct anom_hist *h, unsigned per10k)
{
	uint64_t rank, cum = 0;
	unsigned i;
	double v;

	if (!h->n)
		return 0;
	if (per10k > 10000)
		per10k = 10000;
	/* ceil(n * per10k / 10000) without overflow or rounding */
	rank = h->n / 10000 * per10k + (h->n % 10000 * per10k + 9999) / 10000;
	if (rank < 1)
		rank = 1;
	for (i = 0; i < ANOM_HIST_BINS - 1; i++) {
		cum += h->bin[i];
		if (cum >= rank)
			break;
	}
	if (i == 0) {
		v = ldexp(1.0, ANOM_HIST_EXP_MIN);
	} else if (i == ANOM_HIST_BINS - 1) {
		v = h->max;
	} else {
		/* exact: a dyadic fraction scaled by a power of two */
		unsigned k = i - 1;
		v = ldexp(1.0 + ((double)(k % ANOM_HIST_SUB) + 0.5) /
		    (double)ANOM_HIST_SUB, ANOM_HIST_EXP_MIN +
		    (int)(k / ANOM_HIST_SUB));
	}
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}

void anom_get_score_stats(const struct anom *a, struct anom_score_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!a || !a->hist.n)
		return;
	out->n = a->hist.n;
	out->min = a->hist.min;
	out->max = a->hist.max;
	out->q50 = anom_hist_quantile(&a->hist, 5000);
	out->q90 = anom_hist_quantile(&a->hist, 9000);
	out->q99 = anom_hist_quantile(&a->hist, 9900);
}

const struct anom_hist *anom_score_hist(const struct anom *a)
{
	return &a->hist;
}

static double vector_once(struct anom *a, const struct packet *p,
    const double *xin)
{
	uint64_t t = p->ts_ns;
	double *x = a->x, s = 0;

	if (a->phase == ANOM_PH_OFF)
		return 0;
	/* A non-finite value would poison the statistics and weights. */
	unsigned i = a->sanitize(x, xin, a->nfeat);
	for (; i < a->nfeat; i++)
		x[i] = isfinite(xin[i]) ? xin[i] : 0;
	a->st.vectors++;
	a->last_ts = t;
	if (a->t_pending) {
		uint64_t back = (uint64_t)(a->pending_s * NS);
		a->t_phase = t > back ? t - back : 0;
		a->t_pending = 0;
		a->next_sweep = t;
	}
	anom_tick(a, t);
	switch (a->phase) {
	case ANOM_PH_FM:
		if (!grace_budget(a, t))
			return 0;
		kitnet_fm_update(a->kn, x);
		a->n_phase++;
		if (phase_done(a, t, a->cfg.fm_grace, a->cfg.fm_grace_s)) {
			if (kitnet_fm_finish(a->kn) < 0) {
				a->phase = ANOM_PH_OFF;
				return 0;
			}
			next_phase(a, ANOM_PH_AD, t);
		}
		return 0;
	case ANOM_PH_AD:
		if (!grace_budget(a, t) || !grace_train(a, p, x))
			return 0;
		a->n_phase++;
		if (phase_done(a, t, a->cfg.ad_grace, a->cfg.ad_grace_s))
			next_phase(a, ANOM_PH_CAL, t);
		return 0;
	case ANOM_PH_CAL:
		s = kitnet_score(a->kn, x);
		thr_fit_add(&a->fit, s);
		a->n_phase++;
		if (phase_done(a, t, a->cal_n, a->cal_s) &&
		    thr_finish(&a->fit, a->cfg.tail_prob, &a->thr) == 0)
			next_phase(a, ANOM_PH_DETECT, t);
		break;
	case ANOM_PH_DETECT:
		s = kitnet_score(a->kn, x);
		a->n_phase++;
		if (s > a->thr.value)
			above(a, p, x, s);
		else
			below(a, p, x);
		break;
	case ANOM_PH_OFF:
		return 0;
	}
	if (s > 0) {
		a->st.scored++;
		hist_add(&a->hist, s);
	}
	return s;
}

double anom_vector(struct anom *a, const struct packet *p, const double *xin)
{
	double s = vector_once(a, p, xin);

	a->attempt = a->reply = 0;	/* they were about this packet only */
	return s;
}

double anom_packet(struct anom *a, const struct packet *p)
{
	if (a->phase == ANOM_PH_OFF || !a->fx)
		return 0;
	if (!feat_packet(a->fx, p, a->x + 2u * a->nfeat))
		return 0;
	anom_next_flags(a, feat_last_attempt(a->fx), feat_last_reply(a->fx));
	return anom_vector(a, p, a->x + 2u * a->nfeat);
}

void anom_next_flags(struct anom *a, int attempt, int reply)
{
	a->attempt = attempt;
	a->reply = reply;
}

double anom_peek(struct anom *a, const double *x)
{
	if (a->phase == ANOM_PH_OFF || !a->kn || !kitnet_ready(a->kn))
		return 0;
	return kitnet_score(a->kn, x);
}

double anom_train_raw(struct anom *a, const double *x)
{
	if (a->phase == ANOM_PH_OFF || !a->kn || !kitnet_ready(a->kn))
		return 0;
	a->st.trained++;
	return kitnet_train(a->kn, x);
}

/* fsync the directory holding path, so the rename that put the new file
 * in place survives a power cut too (the file's own data was synced
 * before the rename). */
static int sync_dir_of(const char *path, char *err, size_t errlen)
{
	char d[4096];
	const char *slash = strrchr(path, '/');
	int fd, rc = 0;

	if (!slash) {
		snprintf(d, sizeof(d), ".");
	} else if (slash == path) {
		snprintf(d, sizeof(d), "/");
	} else if ((size_t)(slash - path) < sizeof(d)) {
		memcpy(d, path, (size_t)(slash - path));
		d[slash - path] = '\0';
	} else {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: cannot sync directory: %s", d,
		    strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The snapshot's metadata for the model as it stands (anom_finish and
 * anom_save: one code path). */
static void snap_meta_fill(const struct anom *a, struct snap_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->layout = a->layout;
	m->phase = (uint32_t)a->phase;
	m->n_phase = a->n_phase;
	m->phase_s = a->last_ts > a->t_phase && !a->t_pending ?
	    (double)(a->last_ts - a->t_phase) / NS : a->pending_s;
	m->trained = a->st.trained;
	m->fit = a->fit;
	m->thr = a->thr;
}

int anom_finish(struct anom *a, uint64_t now, char *err, size_t errlen)
{
	struct snap_meta m;

	(void)now;
	if (a->phase == ANOM_PH_OFF) {
		if (a->cfg.save_model) {
			snprintf(err, errlen, "cannot save %s: the model is "
			    "off (no feature vector in this build)",
			    a->cfg.save_model);
			return -1;
		}
		return 0;
	}
	sweep(a, now, 1);
	if (!a->cfg.save_model)
		return 0;
	if (a->phase == ANOM_PH_FM) {
		snprintf(err, errlen, "cannot save %s: the feature mapper is "
		    "still learning (%llu of %llu vectors)", a->cfg.save_model,
		    (unsigned long long)a->n_phase,
		    (unsigned long long)a->cfg.fm_grace);
		return -1;
	}
	snap_meta_fill(a, &m);
	if (snap_save(a->cfg.save_model, a->kn, &m, a->cfg.key_path, err,
	    errlen) != 0)
		return -1;
	return sync_dir_of(a->cfg.save_model, err, errlen);
}

const char *anom_phase_name(enum anom_phase ph)
{
	switch (ph) {
	case ANOM_PH_OFF: return "off";
	case ANOM_PH_FM: return "fm";
	case ANOM_PH_AD: return "ad";
	case ANOM_PH_CAL: return "cal";
	case ANOM_PH_DETECT: return "detect";
	}
	return "?";
}

int anom_save(struct anom *a, const char *path, const char *key_path,
    char *err, size_t errlen)
{
	struct snap_meta m;

	/* Nothing to save yet: no model in this build, or the feature
	 * mapper is still learning (there are no autoencoders before it
	 * ends). Not an error: a periodic save simply comes back later. */
	if (!a || a->phase == ANOM_PH_OFF || a->phase == ANOM_PH_FM ||
	    !a->kn || !kitnet_ready(a->kn))
		return 0;
	snap_meta_fill(a, &m);
	/* snap_save writes PATH.tmp, fsyncs it and renames it over path */
	if (snap_save(path, a->kn, &m, key_path, err, errlen) != 0)
		return -1;
	return sync_dir_of(path, err, errlen);
}

void anom_on_alert(const struct alert *al, const struct alert_device *d,
    void *ud)
{
	(void)d;
	/* Our own alerts flag their source when the episode closes (and
	 * may be emitted from inside a walk of the table). */
	if (!ud || (al->detector && strcmp(al->detector, "anomaly") == 0))
		return;
	anom_flag(ud, &al->src, &al->dst, al->ts_end);
	if (al->via.family)
		anom_flag(ud, &al->via, &al->via, al->ts_end);
}

void anom_flag(struct anom *a, const struct addr *src,
    const struct addr *dst, uint64_t ts_end)
{
	struct src_key k;
	struct src_rec *r;
	int created;

	if (!a || a->phase == ANOM_PH_OFF || !a->srcs)
		return;
	memset(&k, 0, sizeof(k));
	if (src->family) {
		k.a = *src;
	} else if (dst->family) {
		k.a = *dst;
	} else {
		return;
	}
	r = lrutab_get(a->srcs, &k, &created);
	uint64_t until = ts_end + (uint64_t)(MODEL_FLAG_HOLD_S * NS);
	if (until > r->flagged_until)
		r->flagged_until = until;
}

void anom_set_emit(struct anom *a, anom_emit_fn fn, void *ud)
{
	a->emit = fn;
	a->emit_ud = ud;
}

const struct anom_stats *anom_stats(const struct anom *a)
{
	struct anom_stats *st = (struct anom_stats *)&a->st;

	st->phase = a->phase;
	st->nfeat = a->nfeat;
	st->nclust = a->kn ? a->kn->nclust : 0;
	st->threshold = a->thr.ready ? a->thr.value : 0;
	st->log_mu = a->thr.mu;
	st->log_sigma = a->thr.sigma;
	return st;
}
