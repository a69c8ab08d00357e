/* eve_flow.c - the EVE "flow" event, field for field as Suricata writes it
 * (plus top-level src_mac/dest_mac where the link was Ethernet). */
#include "output/eve.h"

#include "util/addr.h"

static void tcp_flags_hex(uint8_t flags, char buf[3])
{
	static const char hex[] = "0123456789abcdef";
	buf[0] = hex[flags >> 4];
	buf[1] = hex[flags & 15];
	buf[2] = '\0';
}

static void write_tcp(struct jbuf *jb, const struct flow *f)
{
	uint8_t all = (uint8_t)(f->tcp_flags_ts | f->tcp_flags_tc);
	char hx[3];
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = {
		{ TCP_FIN, "fin" }, { TCP_SYN, "syn" }, { TCP_RST, "rst" },
		{ TCP_PSH, "psh" }, { TCP_ACK, "ack" }, { TCP_URG, "urg" },
		{ TCP_ECE, "ecn" }, { TCP_CWR, "cwr" },
	};

	jb_key(jb, "tcp");
	jb_obj_open(jb);
	tcp_flags_hex(all, hx);
	jb_kstr(jb, "tcp_flags", hx);
	tcp_flags_hex(f->tcp_flags_ts, hx);
	jb_kstr(jb, "tcp_flags_ts", hx);
	tcp_flags_hex(f->tcp_flags_tc, hx);
	jb_kstr(jb, "tcp_flags_tc", hx);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (all & names[i].bit)
			jb_kbool(jb, names[i].name, 1);
	jb_kstr(jb, "state", flow_state_name(f->state));
	jb_obj_close(jb);
}

void eve_flow(struct eve *ev, const struct flow *f, enum flow_end_reason why,
    const char *app_proto)
{
	char a[ADDR_STRLEN], ts[40], pbuf[8];
	int ports = f->proto == IPPROTO_NUM_TCP || f->proto == IPPROTO_NUM_UDP;
	int icmp = f->proto == IPPROTO_NUM_ICMP ||
	    f->proto == IPPROTO_NUM_ICMPV6;
	struct jbuf *jb = eve_begin(ev);

	jb_obj_open(jb);
	eve_header(jb, f->start_ns, f->flow_id, "flow");
	if (f->vlan_depth) {
		jb_key(jb, "vlan");
		jb_arr_open(jb);
		for (unsigned i = 0; i < f->vlan_depth &&
		    i < DEC_MAX_VLAN_DEPTH; i++)
			jb_u64(jb, f->vlan[i]);
		jb_arr_close(jb);
	}
	addr_fmt(&f->cli_addr, a, sizeof(a));
	jb_kstr(jb, "src_ip", a);
	if (ports)
		jb_ku64(jb, "src_port", f->cli_port);
	addr_fmt(&f->srv_addr, a, sizeof(a));
	jb_kstr(jb, "dest_ip", a);
	if (ports)
		jb_ku64(jb, "dest_port", f->srv_port);
	jb_kstr(jb, "proto", eve_proto_name(f->proto, pbuf, sizeof(pbuf)));
	if (icmp) {
		jb_ku64(jb, "icmp_type", f->icmp_type);
		jb_ku64(jb, "icmp_code", f->icmp_code);
	}
	if (f->has_mac) {
		char m[MAC_STRLEN];
		mac_fmt(f->cli_mac, m, sizeof(m));
		jb_kstr(jb, "src_mac", m);
		mac_fmt(f->srv_mac, m, sizeof(m));
		jb_kstr(jb, "dest_mac", m);
	}

	if (app_proto)
		jb_kstr(jb, "app_proto", app_proto);

	jb_key(jb, "flow");
	jb_obj_open(jb);
	jb_ku64(jb, "pkts_toserver", f->pkts_toserver);
	jb_ku64(jb, "pkts_toclient", f->pkts_toclient);
	jb_ku64(jb, "bytes_toserver", f->bytes_toserver);
	jb_ku64(jb, "bytes_toclient", f->bytes_toclient);
	json_ts(f->start_ns, ts, sizeof(ts));
	jb_kstr(jb, "start", ts);
	json_ts(f->last_ns, ts, sizeof(ts));
	jb_kstr(jb, "end", ts);
	uint64_t age = f->last_ns > f->start_ns ?
	    (f->last_ns - f->start_ns) / 1000000000u : 0;
	jb_ku64(jb, "age", age);
	/* Suricata's flow.state has no "reset": a reset flow is closed, and
	 * tcp.state below says how it closed. */
	enum flow_state st = f->state == FLOW_STATE_RESET ?
	    FLOW_STATE_CLOSED : f->state;
	jb_kstr(jb, "state", flow_state_name(st));
	jb_kstr(jb, "reason", flow_end_reason_name(why));
	jb_kbool(jb, "alerted", 0);
	jb_obj_close(jb);

	if (f->proto == IPPROTO_NUM_TCP)
		write_tcp(jb, f);
	jb_obj_close(jb);
	eve_commit(ev);
}
