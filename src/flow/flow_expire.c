/* flow_expire.c - ending flows past their idle or active timeout.
 *
 * Each timeout class keeps its own LRU list, so within a class the oldest
 * activity is at the head and a walk stops at the first flow not yet due:
 * one call costs O(flows ended + number of classes). Different classes have
 * different timeouts, which is why one global LRU list would not do (an
 * established TCP flow idle for 60 s must not stop the walk before a UDP
 * flow idle for 61 s behind it).
 *
 * Order of the flows one call ends, independent of the hash seed:
 *   1. active timeout, in creation order;
 *   2. idle timeout, least recently active first across all classes (the
 *      class heads are merged by activity sequence). */
#include "flow/flow_internal.h"

/* Strictly more than the timeout has passed; written so a clock value
 * below the flow's own time (an explicit flow_table_expire with an older
 * time) never underflows. */
static int past(uint64_t now_ns, uint64_t since_ns, uint64_t timeout_ns)
{
	return now_ns > since_ns && now_ns - since_ns > timeout_ns;
}

static int idle_due(const struct flow_table *ft, const struct flow_node *n,
    uint64_t now_ns)
{
	return past(now_ns, n->touch_ns, ft->idle_ns[n->cls]);
}

static int active_due(const struct flow_table *ft, const struct flow_node *n,
    uint64_t now_ns)
{
	return ft->active_ns && past(now_ns, n->born_ns, ft->active_ns);
}

int flow_node_due(const struct flow_table *ft, const struct flow_node *n,
    uint64_t now_ns)
{
	return idle_due(ft, n, now_ns) || active_due(ft, n, now_ns);
}

struct flow_node *flow_lru_oldest(const struct flow_table *ft)
{
	struct flow_node *best = NULL;

	for (int c = 0; c < FLOW_CLASS__COUNT; c++) {
		struct flow_node *n = ft->lru[c].head;

		if (n && (!best || n->seq < best->seq))
			best = n;
	}
	return best;
}

/* The least recently active flow that is idle past its class timeout. */
static struct flow_node *oldest_idle(const struct flow_table *ft,
    uint64_t now_ns)
{
	struct flow_node *best = NULL;

	for (int c = 0; c < FLOW_CLASS__COUNT; c++) {
		struct flow_node *n = ft->lru[c].head;

		if (n && idle_due(ft, n, now_ns) && (!best || n->seq < best->seq))
			best = n;
	}
	return best;
}

void flow_table_expire(struct flow_table *ft, uint64_t now_ns)
{
	struct flow_node *n;

	if (!ft)
		return;
	/* Creation times are the table clock at creation, so the creation
	 * list is sorted by them. */
	while ((n = ft->cr.head) != NULL && active_due(ft, n, now_ns))
		flow_node_end(ft, n, FLOW_END_TIMEOUT);
	while ((n = oldest_idle(ft, now_ns)) != NULL)
		flow_node_end(ft, n, FLOW_END_TIMEOUT);
}
