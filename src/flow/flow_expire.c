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

		if (n && flow_idle_due(ft, n, now_ns) && (!best || n->seq < best->seq))
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
	while ((n = ft->cr.head) != NULL && flow_active_due(ft, n, now_ns))
		flow_node_end(ft, n, FLOW_END_TIMEOUT);
	while ((n = oldest_idle(ft, now_ns)) != NULL)
		flow_node_end(ft, n, FLOW_END_TIMEOUT);
}
