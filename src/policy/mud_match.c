/* mud_match.c - does a parsed MUD profile allow a device's flow? The
 * ACEs of the policy for the flow's direction are tried in order; the
 * first that matches decides (accept or not), and what none matches is
 * not allowed. Called per new flow of a device with an imported profile:
 * a linear walk over at most MUD_MAX_ACES entries, no allocation. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/mud.h"

static int net_has(const struct mud_net *n, const struct addr *a)
{
	if (!n->set)
		return 1;
	if (!a || a->family != n->net.family)
		return 0;
	unsigned full = n->plen / 8u, rest = n->plen % 8u;
	if (memcmp(a->a, n->net.a, full) != 0)
		return 0;
	if (rest) {
		uint8_t m = (uint8_t)(0xffu << (8 - rest));
		if ((a->a[full] & m) != n->net.a[full])
			return 0;
	}
	return 1;
}

static int ports_has(const struct mud_ports *p, uint16_t port)
{
	if (!p->set)
		return 1;
	if (p->neq)
		return port != p->lo;
	return port >= p->lo && port <= p->hi;
}

/* Exact DNS name equality, ASCII case-insensitive, a final dot on the
 * flow's name ignored (the ACE's was stripped when parsed). */
static int name_eq(const char *ace, const char *name)
{
	if (!name || !*name)
		return 0;
	size_t n = strlen(name);
	if (n && name[n - 1] == '.')
		n--;
	return strlen(ace) == n && strncasecmp(ace, name, n) == 0;
}

static int ace_matches(const struct mud_ace *e, const struct mud_flow *f)
{
	int out = f->from_device;
	int ported = f->proto == 6 || f->proto == 17;
	const struct addr *r = f->remote;

	if (e->unsupported || e->dir != (out ? MUD_FROM_DEVICE : MUD_TO_DEVICE))
		return 0;
	if (e->family && e->family != r->family)
		return 0;
	if (e->proto >= 0 && e->proto != f->proto)
		return 0;
	if ((e->src_port.set || e->dst_port.set) && !ported)
		return 0;
	if (e->local_networks && !f->remote_local)
		return 0;
	if (e->initiated == MUD_INIT_FROM_DEVICE && !f->initiated_by_device)
		return 0;
	if (e->initiated == MUD_INIT_TO_DEVICE && f->initiated_by_device)
		return 0;
	/* the remote side of the packet */
	const struct mud_net *rnet = out ? &e->dst_net : &e->src_net;
	const struct mud_net *dnet = out ? &e->src_net : &e->dst_net;
	const char *rname = out ? e->dst_dnsname : e->src_dnsname;
	const char *dname = out ? e->src_dnsname : e->dst_dnsname;
	const struct mud_ports *rport = out ? &e->dst_port : &e->src_port;
	const struct mud_ports *dport = out ? &e->src_port : &e->dst_port;
	if (!net_has(rnet, r))
		return 0;
	if (rname && !name_eq(rname, f->remote_name))
		return 0;
	if (dnet->set && f->device && !net_has(dnet, f->device))
		return 0;
	if (dname)	/* the device's own name: we never know it */
		return 0;
	if (ported && (!ports_has(rport, f->remote_port) ||
	    !ports_has(dport, f->device_port)))
		return 0;
	return 1;
}

static const char *proto_str(uint8_t p, char *buf, size_t n)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	}
	snprintf(buf, n, "proto %u", p);
	return buf;
}

int mud_allows(const struct mud_profile *p, const struct mud_flow *f,
    char *why, size_t whylen)
{
	char ip[ADDR_STRLEN], pb[16], ep[8], nm[80];
	const struct mud_ace *hit = NULL;

	if (why && whylen)
		why[0] = '\0';
	if (!p || !f || !f->remote) {
		if (why && whylen)
			snprintf(why, whylen, "mud: no profile or no remote");
		return 0;
	}
	size_t nace = mud_ace_count(p);
	for (size_t i = 0; i < nace && !hit; i++)
		if (ace_matches(mud_ace_at(p, i), f))
			hit = mud_ace_at(p, i);
	if (hit && hit->accept)
		return 1;
	if (!why || !whylen)
		return 0;
	addr_fmt(f->remote, ip, sizeof(ip));
	ep[0] = nm[0] = '\0';
	if (f->proto == 6 || f->proto == 17)
		snprintf(ep, sizeof(ep), ":%u", f->from_device ?
		    f->remote_port : f->device_port);
	if (f->remote_name && *f->remote_name)
		snprintf(nm, sizeof(nm), " (%.64s)", f->remote_name);
	const char *what = proto_str(f->proto, pb, sizeof(pb));
	if (f->from_device)
		snprintf(why, whylen, "mud: %s to %s%s%s%s %s", what, ip, ep,
		    nm, f->remote_local ? " [local]" : "",
		    hit ? "denied by ACE" : "matches no ACE");
	else
		snprintf(why, whylen, "mud: %s from %s%s%s to device%s %s",
		    what, ip, nm, f->remote_local ? " [local]" : "", ep,
		    hit ? "denied by ACE" : "matches no ACE");
	if (hit) {
		size_t n = strlen(why);
		if (n < whylen)
			snprintf(why + n, whylen - n, " %.48s", hit->name);
	}
	return 0;
}
