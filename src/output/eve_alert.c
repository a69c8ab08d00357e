/* eve_alert.c - the EVE "alert" event: Suricata's fields plus edgeward's
 * episode, device and explain objects. One builder (eve_alert_json) feeds
 * both eve.json and the store, so the two hold the same bytes. */
#include "output/eve.h"

#include <math.h>

#include "detect/alert.h"
#include "util/addr.h"

static void write_explain(struct jbuf *jb, const struct alert *a)
{
	jb_key(jb, "explain");
	jb_obj_open(jb);
	if (a->text[0])
		jb_kstr(jb, "text", a->text);
	for (unsigned i = 0; i < a->nkv && i < ALERT_MAX_EXPLAIN; i++) {
		const struct alert_kv *kv = &a->kv[i];
		jb_key(jb, kv->key);
		if (kv->is_str)
			jb_str(jb, kv->str);
		else if (isfinite(kv->num) && kv->num == floor(kv->num) &&
		    fabs(kv->num) < 9e15)
			jb_i64(jb, (int64_t)kv->num);
		else
			jb_dbl(jb, kv->num, 3);
	}
	jb_obj_close(jb);
}

static void write_device(struct jbuf *jb, const struct alert_device *d)
{
	if (!d || (!d->mac[0] && !d->ip[0]))
		return;
	jb_key(jb, "device");
	jb_obj_open(jb);
	if (d->mac[0])
		jb_kstr(jb, "mac", d->mac);
	if (d->ip[0])
		jb_kstr(jb, "ip", d->ip);
	if (d->vendor[0])
		jb_kstr(jb, "vendor", d->vendor);
	if (d->cls[0])
		jb_kstr(jb, "class", d->cls);
	if (d->name[0])
		jb_kstr(jb, "name", d->name);
	jb_obj_close(jb);
}

void eve_alert_json(struct jbuf *jb, const struct alert *a,
    const struct alert_device *dev)
{
	char buf[ADDR_STRLEN], ts[40], pbuf[8];

	jb_obj_open(jb);
	eve_header(jb, a->ts_start, a->flow_id, "alert");
	if (a->src.family) {
		addr_fmt(&a->src, buf, sizeof(buf));
		jb_kstr(jb, "src_ip", buf);
	}
	if (a->src_port)
		jb_ku64(jb, "src_port", a->src_port);
	if (a->dst.family) {
		addr_fmt(&a->dst, buf, sizeof(buf));
		jb_kstr(jb, "dest_ip", buf);
	}
	if (a->dest_port)
		jb_ku64(jb, "dest_port", a->dest_port);
	if (a->proto)
		jb_kstr(jb, "proto", eve_proto_name(a->proto, pbuf,
		    sizeof(pbuf)));
	if (a->has_src_mac) {
		mac_fmt(a->src_mac, buf, sizeof(buf));
		jb_kstr(jb, "src_mac", buf);
	}
	if (a->has_dst_mac) {
		mac_fmt(a->dst_mac, buf, sizeof(buf));
		jb_kstr(jb, "dest_mac", buf);
	}

	jb_key(jb, "alert");
	jb_obj_open(jb);
	jb_kstr(jb, "action", "allowed");
	jb_ku64(jb, "gid", 1);
	jb_ku64(jb, "signature_id", a->sid);
	jb_ku64(jb, "rev", 1);
	jb_kstr(jb, "signature", a->signature);
	jb_kstr(jb, "category", alert_category_name(a->category));
	jb_ku64(jb, "severity", a->severity);
	jb_key(jb, "metadata");
	jb_obj_open(jb);
	if (a->mitre[0]) {
		jb_key(jb, "mitre_technique_id");
		jb_arr_open(jb);
		jb_str(jb, a->mitre);
		jb_arr_close(jb);
	}
	if (a->detector) {
		jb_key(jb, "detector");
		jb_arr_open(jb);
		jb_str(jb, a->detector);
		jb_arr_close(jb);
	}
	jb_obj_close(jb);
	jb_obj_close(jb);

	jb_key(jb, "episode");
	jb_obj_open(jb);
	json_ts(a->ts_start, ts, sizeof(ts));
	jb_kstr(jb, "start", ts);
	json_ts(a->ts_end, ts, sizeof(ts));
	jb_kstr(jb, "end", ts);
	jb_ku64(jb, "count", a->count);
	if (a->ongoing)
		jb_kbool(jb, "ongoing", 1);
	jb_obj_close(jb);

	write_device(jb, dev);
	write_explain(jb, a);
	jb_obj_close(jb);
}

void eve_alert(struct eve *ev, const struct alert *a,
    const struct alert_device *dev)
{
	eve_alert_json(eve_begin(ev), a, dev);
	eve_commit(ev);
}
