/* check_util.c - what the episode checks (beacon, bruteforce, cleartext,
 * dns, mining) share: the periodic walk that closes idle episodes, the
 * alert contract's "when" and "who" fields filled in one place, and the
 * create() error. */
#include "detect/detect_int.h"

#include <stdio.h>
#include <string.h>

void detect_walk_tick(void *st, uint64_t now)
{
	struct detect_walk *w = st;	/* the state's first member */

	if (now < w->next || !w->nactive)
		return;
	w->next = now + w->period;
	w->sweep(st, now, 0);
}

void detect_walk_finish(void *st, uint64_t now)
{
	struct detect_walk *w = st;

	w->sweep(st, now, 1);
}

void detect_alert_episode(struct alert *a, uint64_t ts_end, uint64_t count,
    uint64_t flow_id)
{
	a->ts_end = ts_end;
	a->count = count;
	a->flow_id = flow_id;
}

void detect_alert_hosts(struct alert *a, const struct addr *src,
    const struct addr *dst, uint16_t dest_port, uint8_t proto,
    const uint8_t *src_mac)
{
	a->src = *src;
	a->dst = *dst;
	a->dest_port = dest_port;
	a->proto = proto;
	if (src_mac) {
		a->has_src_mac = 1;
		memcpy(a->src_mac, src_mac, 6);
	}
}

void *detect_oom(char *err, size_t errlen, const char *check)
{
	snprintf(err, errlen, "%s: out of memory", check);
	return NULL;
}
