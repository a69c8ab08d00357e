/* detect_int.h - what a check sees and implements (inside src/detect/). */
#ifndef EW_DETECT_INT_H
#define EW_DETECT_INT_H

#include "detect/detect.h"

/* Shared by all checks of one detector; read-only for them. */
struct detect_ctx {
	struct homenet home;
	struct alert_sink *sink;	/* borrowed */
	const struct proto *ps;		/* borrowed, may be NULL */
	uint64_t seed;			/* for lrutab hashing */
};

/* One packet as checks see it. */
struct detect_pkt {
	const struct packet *p;
	const struct flow *f;		/* NULL when no flow */
	int to_server;
	const struct app_meta *m;	/* m->kind APP_NONE when nothing parsed */
	uint8_t src_home, dst_home;	/* addresses inside home net */
};

/* A setting a check reads at creation: a default from config.h that
 * `--set name=value` overrides. Returns the value to use; on a value that
 * does not parse, records an error reported by detect_new(). */
struct detect_settings;
double detect_setting(struct detect_settings *s, const char *name,
    double def, const char *what);

struct check_ops {
	const char *name;		/* "scan", "bruteforce", ... */
	/* Allocate state, reading thresholds through detect_setting(). NULL
	 * on failure (err filled). */
	void *(*create)(const struct detect_ctx *ctx,
	    struct detect_settings *set, char *err, size_t errlen);
	void (*destroy)(void *st);
	/* Any of these may be NULL. */
	void (*packet)(void *st, const struct detect_pkt *dp);
	void (*flow_end)(void *st, const struct flow *f);
	/* Close episodes idle as of now (called about once a second of
	 * packet time) or all of them (finish). */
	void (*tick)(void *st, uint64_t now);
	void (*finish)(void *st, uint64_t now);
};

/* Helpers shared by the checks (check_util.c). */
/* The periodic walk of a check that keeps episodes open: its state struct
 * begins with one of these and its check_ops has .tick = detect_walk_tick,
 * .finish = detect_walk_finish. */
struct detect_walk {
	/* close the episodes idle as of now (all of them when force) */
	void (*sweep)(void *st, uint64_t now, int force);
	uint64_t period;		/* ns of packet time between walks */
	uint64_t next;			/* when the next walk is due */
	uint32_t nactive;		/* open episodes: no walk while 0 */
};
/* Walk at most once a period, and only while episodes are open. */
void detect_walk_tick(void *st, uint64_t now);
/* Close every open episode. */
void detect_walk_finish(void *st, uint64_t now);
/* The episode an alert reports: its end, what it counted and a
 * representative flow (0 = none). */
void detect_alert_episode(struct alert *a, uint64_t ts_end, uint64_t count,
    uint64_t flow_id);
/* Who: src -> dst:dest_port over proto; src_mac NULL when unknown. */
void detect_alert_hosts(struct alert *a, const struct addr *src,
    const struct addr *dst, uint16_t dest_port, uint8_t proto,
    const uint8_t *src_mac);
/* For a check's create(): "<check>: out of memory" into err; returns
 * NULL. */
void *detect_oom(char *err, size_t errlen, const char *check);

/* Every check, in the order they run (detect.c). */
extern const struct check_ops check_scan, check_flood, check_arp,
    check_dhcp, check_ndpi_risk, check_bruteforce, check_beacon,
    check_mining, check_cleartext, check_dns, check_slowdos;

#endif /* EW_DETECT_INT_H */
