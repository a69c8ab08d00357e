/* episode.h - small shared helpers for behaviour checks (header only).
 *
 * NOTE to every detect helper: free to use from any check_*.c:
 *
 *  - struct dset: an approximate distinct counter of fixed size (a linear
 *    counting bitmap, Whang et al. 1990). Items are hashed with a FIXED
 *    mixer (not the run's random seed) so the same capture always gives
 *    the same estimates and therefore the same alerts. With DSET_BITS bits
 *    the estimate is exact in practice below ~60 items, within a few
 *    percent up to ~1,500 and saturates (reported as a lower bound) above.
 *  - struct episode: start/last/count of one alertable episode, opened
 *    when a threshold is crossed and closed after an idle gap (the check's
 *    tick) or at finish;
 *  - ep_past / ep_keep_mac: the idle test and the first-MAC record every
 *    episode check needs;
 *  - episode_ongoing / ep_ongoing_walk: when an episode still going on is
 *    reported (alert_ongoing_due; the checks' walks report it with
 *    alert.ongoing set and keep it open).
 *
 * Nothing here allocates. */
#ifndef EW_EPISODE_H
#define EW_EPISODE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "detect/alert.h"

#define DSET_BITS 512u			/* 64 bytes per set */

struct dset {
	uint64_t w[DSET_BITS / 64];
	uint16_t set;			/* bits set */
};

/* SplitMix64's finaliser: a fixed, well-mixing 64-bit hash. */
static inline uint64_t ep_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* Hash 16 bytes of an address (plus a tag) to 64 bits. */
static inline uint64_t ep_hash_bytes(const uint8_t *b, size_t n, uint64_t tag)
{
	uint64_t h = ep_mix64(tag + UINT64_C(0x9e3779b97f4a7c15));
	for (size_t i = 0; i < n; i++)
		h = ep_mix64(h ^ ((uint64_t)b[i] << ((i & 7) * 8)));
	return h;
}

static inline void dset_clear(struct dset *s)
{
	memset(s, 0, sizeof(*s));
}

/* Add an item by its hash; returns 1 when it set a new bit (new item). */
static inline int dset_add(struct dset *s, uint64_t h)
{
	unsigned bit = (unsigned)(h % DSET_BITS);
	uint64_t m = UINT64_C(1) << (bit & 63);
	if (s->w[bit >> 6] & m)
		return 0;
	s->w[bit >> 6] |= m;
	s->set++;
	return 1;
}

/* Estimated distinct items: -m ln(zero/m), capped when nearly full. */
static inline double dset_estimate(const struct dset *s)
{
	double m = DSET_BITS;
	double z = m - s->set;
	if (z < 1)
		z = 1;
	return floor(-m * log(z / m) + 0.5);
}

/* 1 when the counter is (nearly) full: the estimate is a lower bound. */
static inline int dset_saturated(const struct dset *s)
{
	return s->set >= DSET_BITS - 2;
}

struct episode {
	uint64_t start, last;		/* packet time, ns */
	uint64_t count;
	uint64_t reported;		/* last progress report, 0 = none */
	uint8_t open;
};

static inline void episode_open(struct episode *e, uint64_t start,
    uint64_t now)
{
	e->open = 1;
	e->start = start;
	e->last = now;
	e->count = 0;
	e->reported = 0;
}

/* 1 when open and idle for at least idle_ns as of now. */
static inline int episode_idle(const struct episode *e, uint64_t now,
    uint64_t idle_ns)
{
	return e->open && now >= e->last && now - e->last >= idle_ns;
}

#define EP_SEC UINT64_C(1000000000)

/* alert_ongoing_due for a struct episode (which must be open): 1, and the
 * report noted, when it is due a progress report as of now. */
static inline int episode_ongoing(struct episode *e, uint64_t now)
{
	if (!e->open || !alert_ongoing_due(e->last, e->reported))
		return 0;
	e->reported = now;
	return 1;
}

/* Checks whose tick runs every second of packet time look for episodes
 * to report while they go on less often: 1 when that walk is due (*next:
 * its state, 0 at first). An episode's opening report waits at most this
 * long (a walk of a bounded table every 5 s costs nothing measurable). */
#define EP_ONGOING_WALK_S 5
static inline int ep_ongoing_walk(uint64_t *next, uint64_t now)
{
	if (now < *next)
		return 0;
	*next = now + (uint64_t)EP_ONGOING_WALK_S * EP_SEC;
	return 1;
}

/* t is more than span after ref (false when t is earlier: flow ends and
 * slightly disordered captures are not monotonic). */
static inline int ep_past(uint64_t t, uint64_t ref, uint64_t span)
{
	return t > ref && t - ref > span;
}

/* Remember the first MAC address seen for a record (mac NULL: none). */
static inline void ep_keep_mac(uint8_t *has_mac, uint8_t keep[6],
    const uint8_t *mac)
{
	if (mac && !*has_mac) {
		*has_mac = 1;
		memcpy(keep, mac, 6);
	}
}

#endif /* EW_EPISODE_H */
