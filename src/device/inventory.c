/* inventory.c - the device table: identity, addresses, counters,
 * infrastructure roles, randomized-MAC linking, classification pacing.
 *
 * A device is keyed by its MAC where the packet has Ethernet, else by its
 * address. Only local hosts are devices: a packet from the internet arrives
 * with the gateway's MAC, so it is counted to the gateway and its remote
 * address is never taken for one of the gateway's own (p0f's "host behind
 * a router" problem). A MAC behind which several remote networks appear is
 * the gateway. Memory is one lrutab sized from the memcap; a second,
 * smaller one maps addresses to MACs for lookups by IP (alerts). */
#include "device/inv_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/eve.h"
#include "util/alloc.h"

/* Fewest records the table may have: a packet holds up to three records
 * at once (source, destination, DHCP client), none of which may be evicted
 * under it. */
#define DEV_MIN_ENTRIES 8

/* Randomized-MAC rotations: the old MAC must have gone quiet by the time
 * the new one appeared (give or take this much), so that two phones that
 * happen to share a host name and DHCP fingerprint are not merged. */
#define DEV_MERGE_OVERLAP_NS (60ull * 1000000000ull)

void dev_config_default(struct dev_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->memcap = DEV_MEMCAP_DEFAULT;
	cfg->events = 1;
}

static void cache_drop(struct dev_inv *inv, const void *val)
{
	for (unsigned i = 0; i < DEV_MAC_CACHE; i++)
		if (inv->cache[i] == val)
			inv->cache[i] = NULL;
}

static void on_evict(const void *key, void *val, void *ud)
{
	struct dev_inv *inv = ud;
	(void)key;
	cache_drop(inv, val);
	inv->st.evicted++;
}

struct dev_inv *dev_new(const struct dev_config *cfg,
    const struct homenet *home, struct eve *eve, char *err, size_t errlen)
{
	struct dev_inv *inv = ew_calloc(1, sizeof(*inv));
	if (!inv) {
		snprintf(err, errlen, "device inventory: out of memory");
		return NULL;
	}
	inv->cfg = *cfg;
	inv->cfg.kb_path = inv->cfg.oui_path = inv->cfg.library_path = NULL;
	if (home)
		inv->home = *home;
	else
		homenet_default(&inv->home);
	inv->eve = eve;
	inv->gen = 1;		/* cursor 0 means "everything" */

	size_t idx_bytes = cfg->memcap / DEV_IPIDX_SHARE;
	size_t ndev = lrutab_entries_for(sizeof(struct dev_key),
	    sizeof(struct dev_rec), cfg->memcap - idx_bytes);
	size_t nidx = lrutab_entries_for(sizeof(struct addr),
	    sizeof(struct dev_key), idx_bytes);
	if (ndev < DEV_MIN_ENTRIES)
		ndev = DEV_MIN_ENTRIES;
	if (nidx < DEV_MIN_ENTRIES)
		nidx = DEV_MIN_ENTRIES;
	/* Fixed seeds: output never depends on the hash order anyway, and
	 * the keys (MACs) are not attacker-chosen in bulk on a LAN. */
	inv->devs = lrutab_new(sizeof(struct dev_key), sizeof(struct dev_rec),
	    ndev, 0x6465766963657331ull, on_evict, inv);
	inv->ipidx = lrutab_new(sizeof(struct addr), sizeof(struct dev_key),
	    nidx, 0x6465766970696478ull, NULL, NULL);
	if (!inv->devs || !inv->ipidx) {
		snprintf(err, errlen, "device inventory: cannot allocate "
		    "%zu devices", ndev);
		goto fail;
	}

	char lerr[256];
	lerr[0] = '\0';
	inv->oui = dev_oui_load(cfg->oui_path, lerr, sizeof(lerr));
	if (!inv->oui && cfg->oui_path) {
		snprintf(err, errlen, "OUI database %s: %s", cfg->oui_path,
		    lerr[0] ? lerr : "cannot load");
		goto fail;
	}
	lerr[0] = '\0';
	inv->kb = dev_kb_load(cfg->kb_path, lerr, sizeof(lerr));
	if (!inv->kb && cfg->kb_path) {
		snprintf(err, errlen, "knowledge base %s: %s", cfg->kb_path,
		    lerr[0] ? lerr : "cannot load");
		goto fail;
	}
	if (!inv->kb && lerr[0])	/* the default is missing: degrade */
		fprintf(stderr, "edgeward: warning: device knowledge base: "
		    "%s\n", lerr);
	if (cfg->library_path) {
		lerr[0] = '\0';
		inv->lib = dev_fplib_load(cfg->library_path, lerr,
		    sizeof(lerr));
		if (!inv->lib) {
			snprintf(err, errlen, "fingerprint library %s: %s",
			    cfg->library_path, lerr[0] ? lerr : "cannot load");
			goto fail;
		}
	}
	return inv;
fail:
	dev_free(inv);
	return NULL;
}

void dev_free(struct dev_inv *inv)
{
	if (!inv)
		return;
	dev_fplib_free(inv->lib);
	dev_kb_free(inv->kb);
	dev_oui_free(inv->oui);
	lrutab_free(inv->ipidx);
	lrutab_free(inv->devs);
	ew_free(inv);
}

/* ---- keys and address classes ----------------------------------------- */

static void key_mac(struct dev_key *k, const uint8_t mac[6])
{
	memset(k, 0, sizeof(*k));
	k->type = 1;
	memcpy(k->b, mac, 6);
}

static void key_ip(struct dev_key *k, const struct addr *a)
{
	memset(k, 0, sizeof(*k));
	k->type = a->family;
	memcpy(k->b, a->a, 16);
}

/* Equal MACs, without a call to memcmp (every packet compares some). */
static inline int mac_eq(const uint8_t *x, const uint8_t *y)
{
	uint32_t a, b;
	uint16_t c, d;
	memcpy(&a, x, 4);
	memcpy(&b, y, 4);
	memcpy(&c, x + 4, 2);
	memcpy(&d, y + 4, 2);
	return a == b && c == d;
}

/* Equal addresses: family and all 16 bytes, as memcmp of the structs. */
static inline int addr_same(const struct addr *x, const struct addr *y)
{
	uint64_t a[2], b[2];
	memcpy(a, x->a, 16);
	memcpy(b, y->a, 16);
	return x->family == y->family && a[0] == b[0] && a[1] == b[1];
}

/* The MAC cache slot of mac. */
static inline unsigned mac_slot(const uint8_t mac[6])
{
	uint32_t a;
	uint16_t b;
	memcpy(&a, mac + 2, 4);	/* the NIC-specific half varies most */
	memcpy(&b, mac, 2);
	uint32_t v = (a ^ b) * 0x9e3779b1u;
	return (unsigned)(v >> 26) & (DEV_MAC_CACHE - 1);
}

/* The table's record for mac when the cache holds it (no side effects),
 * else NULL. */
static inline struct dev_rec *cache_peek(const struct dev_inv *inv,
    const uint8_t mac[6])
{
	struct dev_rec *r = inv->cache[mac_slot(mac)];
	return r && mac_eq(r->d.mac, mac) ? r : NULL;
}

static inline int mac_unicast(const uint8_t mac[6])
{
	uint32_t a;
	uint16_t b;
	memcpy(&a, mac, 4);
	memcpy(&b, mac + 4, 2);
	return !(mac[0] & 1u) && (a | b) != 0;
}

int dev_mac_unicast(const uint8_t mac[6])
{
	return mac_unicast(mac);
}

static inline int addr_unspec(const struct addr *a)
{
	uint64_t w[2];
	memcpy(w, a->a, 16);
	return (w[0] | w[1]) == 0;
}

/* Multicast or limited broadcast: a group, never a device. */
static int addr_group(const struct addr *a)
{
	if (a->family == 4)
		return a->a[0] >= 224;
	return a->family == 6 && a->a[0] == 0xff;
}

static int rec_has_ip(const struct dev_rec *r, const struct addr *ip)
{
	for (unsigned i = 0; i < r->d.nips; i++)
		if (addr_cmp(&r->d.ips[i].ip, ip) == 0)
			return 1;
	return 0;
}

/* ---- records ---------------------------------------------------------- */

struct dev_rec *dev_rec_find_mac(struct dev_inv *inv, const uint8_t mac[6])
{
	struct dev_key k;
	key_mac(&k, mac);
	struct dev_rec *r = lrutab_find(inv->devs, &k);
	/* evidence.c finds a DHCP client to change it */
	if (r)
		dev_rec_mark(inv, r);
	return r;
}

static struct dev_rec *rec_get(struct dev_inv *inv, const struct dev_key *k,
    uint64_t ts)
{
	int created = 0;
	struct dev_rec *r = lrutab_get(inv->devs, k, &created);
	if (created) {
		struct device *d = &r->d;
		if (k->type == 1) {
			d->has_mac = 1;
			memcpy(d->mac, k->b, 6);
			d->mac_random = (d->mac[0] & 0x02u) != 0;
		}
		d->first_seen = d->last_seen = ts;
		inv->st.created++;
		dev_rec_mark_ident(inv, r);
		if (d->has_mac && inv->oui) {
			const char *org = dev_oui_lookup(inv->oui, d->mac);
			if (org)
				dev_rec_evidence(r, DEV_EV_OUI, org, ts);
		}
	}
	if (ts > r->d.last_seen)
		r->d.last_seen = ts;
	dev_rec_mark(inv, r);
	return r;
}

/* r (already most recent, or being made so) saw a packet at ts. */
static inline void rec_seen(const struct dev_inv *inv, struct dev_rec *r,
    uint64_t ts)
{
	if (ts > r->d.last_seen)
		r->d.last_seen = ts;
	dev_rec_mark(inv, r);
}

/* dev_rec_for_mac when the cache does not hold mac. */
static struct dev_rec *rec_for_mac_miss(struct dev_inv *inv,
    const uint8_t mac[6], uint64_t ts)
{
	struct dev_key k;
	key_mac(&k, mac);
	struct dev_rec *r = rec_get(inv, &k, ts);
	inv->cache[mac_slot(mac)] = r;
	return r;
}

static inline struct dev_rec *rec_for_mac(struct dev_inv *inv,
    const uint8_t mac[6], uint64_t ts)
{
	/* Every packet looks up one or two MACs, mostly of the few devices
	 * talking now: the cache saves hashing the key. A hit does what
	 * rec_get does for an existing record: most recently used, seen. */
	struct dev_rec *r = cache_peek(inv, mac);
	if (r) {
		lrutab_touch(inv->devs, r);
		rec_seen(inv, r, ts);
		return r;
	}
	return rec_for_mac_miss(inv, mac, ts);
}

struct dev_rec *dev_rec_for_mac(struct dev_inv *inv, const uint8_t mac[6],
    uint64_t ts)
{
	return rec_for_mac(inv, mac, ts);
}

struct dev_rec *dev_rec_for_ip(struct dev_inv *inv, const struct addr *ip,
    uint64_t ts)
{
	struct dev_key k;
	key_ip(&k, ip);
	struct dev_rec *r = rec_get(inv, &k, ts);
	dev_rec_add_ip(inv, r, ip, ts);
	return r;
}

static void ipidx_set(struct dev_inv *inv, const struct addr *ip,
    const struct dev_rec *r)
{
	struct addr k;
	memset(&k, 0, sizeof(k));
	k.family = ip->family;
	memcpy(k.a, ip->a, 16);
	struct dev_key *v = lrutab_get(inv->ipidx, &k, NULL);
	memcpy(v, lrutab_key(inv->devs, r), sizeof(*v));
}

/* Record ip as d's current address. Returns 1 when the list changed (a
 * new address, or an older one in use again). */
static int ips_add(struct device *d, const struct addr *ip, uint64_t first,
    uint64_t ts)
{
	unsigned i;
	for (i = 0; i < d->nips; i++)
		if (addr_cmp(&d->ips[i].ip, ip) == 0)
			break;
	if (i + 1 == d->nips) {		/* the current address: the hot path */
		if (ts > d->ips[i].last_seen)
			d->ips[i].last_seen = ts;
		return 0;
	}
	if (i < d->nips) {		/* seen before: move it to the end */
		if (d->ips[i].first_seen < first)
			first = d->ips[i].first_seen;
		memmove(&d->ips[i], &d->ips[i + 1],
		    (d->nips - i - 1) * sizeof(d->ips[0]));
		d->nips--;
	} else if (d->nips == DEV_MAX_IPS) {	/* forget the oldest */
		memmove(&d->ips[0], &d->ips[1],
		    (DEV_MAX_IPS - 1) * sizeof(d->ips[0]));
		d->nips--;
	}
	d->ips[d->nips].ip = *ip;
	d->ips[d->nips].first_seen = first;
	d->ips[d->nips].last_seen = ts;
	d->nips++;
	return 1;
}

void dev_rec_add_ip(struct dev_inv *inv, struct dev_rec *r,
    const struct addr *ip, uint64_t ts)
{
	dev_rec_mark(inv, r);
	if (ips_add(&r->d, ip, ts, ts)) {
		ipidx_set(inv, ip, r);
		dev_rec_mark_ident(inv, r);
	}
}

void dev_rec_remove(struct dev_inv *inv, struct dev_rec *r)
{
	cache_drop(inv, r);
	lrutab_del(inv->devs, r);
}

/* The last_seen of ip in o's list, 0 when o does not hold it. */
static uint64_t ip_last_seen(const struct dev_rec *o, const struct addr *ip)
{
	for (unsigned i = 0; i < o->d.nips; i++)
		if (addr_cmp(&o->d.ips[i].ip, ip) == 0)
			return o->d.ips[i].last_seen;
	return 0;
}

void dev_rec_index_ips(struct dev_inv *inv, const struct dev_rec *r)
{
	/* The index names the device that used an address last: restored
	 * devices come in any order, so an address two of them list (a
	 * DHCP lease handed on) goes to the later user. */
	for (unsigned i = 0; i < r->d.nips && i < DEV_MAX_IPS; i++) {
		const struct addr *ip = &r->d.ips[i].ip;
		struct addr k;
		memset(&k, 0, sizeof(k));
		k.family = ip->family;
		memcpy(k.a, ip->a, 16);
		const struct dev_key *pk = lrutab_find(inv->ipidx, &k);
		const struct dev_rec *o = pk ? lrutab_find(inv->devs, pk) :
		    NULL;
		if (o && o != r && ip_last_seen(o, ip) > r->d.ips[i].last_seen)
			continue;
		ipidx_set(inv, ip, r);
	}
}

/* 1 when a device other than r used ip within DEV_IP_HOLD_NS. */
static int held_by_other(struct dev_inv *inv, const struct dev_rec *r,
    const struct addr *ip, uint64_t ts)
{
	struct addr k;
	memset(&k, 0, sizeof(k));
	k.family = ip->family;
	memcpy(k.a, ip->a, 16);
	const struct dev_key *pk = lrutab_find(inv->ipidx, &k);
	if (!pk)
		return 0;
	const struct dev_rec *o = lrutab_find(inv->devs, pk);
	if (!o || o == r)
		return 0;
	for (unsigned i = 0; i < o->d.nips; i++)
		if (addr_cmp(&o->d.ips[i].ip, ip) == 0)
			return o->d.ips[i].last_seen + DEV_IP_HOLD_NS >= ts;
	return 0;
}

/* Forget addresses outside the home net (a MAC just turned out to be the
 * gateway: what it sourced from outside was never its own). */
static void purge_remote_ips(struct dev_inv *inv, struct dev_rec *r)
{
	struct device *d = &r->d;
	unsigned n = 0;
	for (unsigned i = 0; i < d->nips; i++)
		if (homenet_contains(&inv->home, &d->ips[i].ip))
			d->ips[n++] = d->ips[i];
	d->nips = n;
}

void dev_rec_set_hostname(struct dev_rec *r, const char *name,
    enum dev_name_src src)
{
	if (!name || !name[0] || src < r->name_src)
		return;
	snprintf(r->d.hostname, sizeof(r->d.hostname), "%s", name);
	r->name_src = (uint8_t)src;
}

int dev_rec_evidence(struct dev_rec *r, enum dev_ev_kind kind,
    const char *value, uint64_t ts)
{
	int n = dev_add_evidence(&r->d, kind, value, ts);
	if (n)
		r->dirty = 1;
	return n;
}

/* One more remote address behind r's MAC; enough distinct remote networks
 * make it the gateway. IPv6 counts by /64 so a device's own rotating
 * privacy addresses (outside the home net) do not add up. */
static void note_remote(struct dev_inv *inv, struct dev_rec *r,
    const struct addr *ip)
{
	if (r->d.roles & DEV_ROLE_GATEWAY)
		return;
	size_t n = ip->family == 6 ? 8 : 4;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ ip->a[i]) * 16777619u;
	for (unsigned i = 0; i < r->nremote; i++)
		if (r->remote[i] == h)
			return;
	r->remote[r->nremote++] = h;
	if (r->nremote >= DEV_GATEWAY_REMOTE_IPS) {
		r->d.roles |= DEV_ROLE_GATEWAY;
		r->dirty = 1;
		purge_remote_ips(inv, r);
	}
}

/* The address one side of a packet used, seen with that side's MAC.
 * Returns r when r is that side's endpoint (it speaks from a local
 * address, or without one), NULL when r only relays for a remote host. */
static struct dev_rec *side_addr_new(struct dev_inv *inv,
    struct dev_rec *r, const struct addr *ip, uint64_t ts);

static inline struct dev_rec *side_addr(struct dev_inv *inv,
    struct dev_rec *r, const struct addr *ip, uint64_t ts)
{
	/* the hot path: its current address again (every address in the
	 * list passed the checks in side_addr_new when it was added) */
	struct device *d = &r->d;
	if (d->nips && addr_same(&d->ips[d->nips - 1].ip, ip)) {
		if (ts > d->ips[d->nips - 1].last_seen)
			d->ips[d->nips - 1].last_seen = ts;
		return r;
	}
	/* the next most common: the gateway relaying for a remote IPv4
	 * host (neither unspecified, nor a group, nor in the home net:
	 * side_addr_new would only return NULL, note_remote being done
	 * for a gateway) */
	if ((d->roles & DEV_ROLE_GATEWAY) && ip->family == 4 &&
	    ip->a[0] != 0 && ip->a[0] < 224 && inv->home.oct4_ready &&
	    inv->home.oct4[ip->a[0]] == HOMENET_OCT_OUT)
		return NULL;
	return side_addr_new(inv, r, ip, ts);
}

/* side_addr for an address other than r's current one. */
static struct dev_rec *side_addr_new(struct dev_inv *inv,
    struct dev_rec *r, const struct addr *ip, uint64_t ts)
{
	struct device *d = &r->d;
	if (ip->family == 0 || addr_unspec(ip) || addr_group(ip))
		return r;
	if (homenet_contains(&inv->home, ip)) {
		/* A router also forwards between local subnets: its own
		 * addresses come from ARP, DHCP and DNS instead. */
		if (!(r->d.roles & DEV_ROLE_GATEWAY))
			dev_rec_add_ip(inv, r, ip, ts);
		else if (rec_has_ip(r, ip) &&	/* its own, still in use */
		    ips_add(d, ip, ts, ts))
			dev_rec_mark_ident(inv, r);
		return r;
	}
	note_remote(inv, r, ip);
	if (r->d.roles & DEV_ROLE_GATEWAY)
		return NULL;
	/* SLAAC global addresses of a device are outside the default home
	 * net; keep them (they are purged if r turns out to be the gateway).
	 * An IPv4 address outside the home net must come from ARP or DHCP. */
	if (ip->family == 6)
		dev_rec_add_ip(inv, r, ip, ts);
	return rec_has_ip(r, ip) ? r : NULL;
}

static void count_pkt(struct dev_rec *r, const struct packet *p)
{
	r->d.pkts++;
	r->d.bytes += p->wirelen;
}

/* ---- classification pacing and events --------------------------------- */

struct ident_snap {
	char v[4][DEV_NAME_LEN];
};

static void snap(const struct device *d, struct ident_snap *s)
{
	memcpy(s->v[0], d->vendor.value, DEV_NAME_LEN);
	memcpy(s->v[1], d->cls.value, DEV_NAME_LEN);
	memcpy(s->v[2], d->model.value, DEV_NAME_LEN);
	memcpy(s->v[3], d->os.value, DEV_NAME_LEN);
}

static int identified(const struct device *d)
{
	return d->vendor.value[0] || d->model.value[0] || d->os.value[0] ||
	    (d->cls.value[0] && strcmp(d->cls.value, "unknown") != 0);
}

static void classify(struct dev_inv *inv, struct dev_rec *r, uint64_t ts)
{
	struct device *d = &r->d;
	struct ident_snap pre, post;
	uint32_t ver = d->ident_version;

	snap(d, &pre);
	dev_classify(inv->kb, inv->oui, inv->lib, d);
	/* The gateway routes for others: that alone makes it a router when
	 * no evidence said otherwise. */
	if ((d->roles & DEV_ROLE_GATEWAY) &&
	    (!d->cls.value[0] || strcmp(d->cls.value, "unknown") == 0)) {
		snprintf(d->cls.value, sizeof(d->cls.value), "%s",
		    dev_class_name(DEV_CLASS_ROUTER));
		d->cls.confidence = 70;
		snprintf(d->cls.why, sizeof(d->cls.why),
		    "role=gateway (%u remote networks behind its MAC)",
		    (unsigned)r->nremote);
		if (d->confidence < d->cls.confidence)
			d->confidence = d->cls.confidence;
	}
	snap(d, &post);
	/* Only vendor/class/model/os changes count (a confidence wobble is
	 * not worth an event): version moves by one per real change. */
	d->ident_version = memcmp(&pre, &post, sizeof(pre)) ? ver + 1 : ver;
	r->dirty = 0;
	r->last_classify = ts;
	/* it ran because of new evidence, roles or a name */
	dev_rec_mark_ident(inv, r);
	if (d->ident_version != d->ident_reported && identified(d))
		dev_emit_event(inv, r, ts);
}

static void maybe_classify(struct dev_inv *inv, struct dev_rec *r,
    uint64_t ts)
{
	if (r && r->dirty && (r->last_classify == 0 ||
	    ts >= r->last_classify + DEV_CLASSIFY_INTERVAL_NS))
		classify(inv, r, ts);
}

/* ---- randomized MACs -------------------------------------------------- */

static const char *ev_value(const struct device *d, enum dev_ev_kind k)
{
	for (unsigned i = 0; i < d->nev; i++)
		if (d->ev[i].kind == k)
			return d->ev[i].value;
	return NULL;
}

static int same_ev(const struct device *a, const struct device *b,
    enum dev_ev_kind k)
{
	const char *x = ev_value(a, k), *y = ev_value(b, k);
	return x && y && strcmp(x, y) == 0;
}

static int rotation_of(const struct dev_rec *old, const struct dev_rec *r)
{
	const struct device *o = &old->d, *n = &r->d;
	if (!o->has_mac || !o->mac_random || memcmp(o->mac, n->mac, 6) == 0)
		return 0;
	/* The same DHCP client identifier is the same client (one derived
	 * from the MAC differs with every MAC, so cannot match). */
	if (same_ev(o, n, DEV_EV_DHCP_CLIENTID))
		return 1;
	if (o->last_seen > n->first_seen + DEV_MERGE_OVERLAP_NS)
		return 0;
	if (!same_ev(o, n, DEV_EV_DHCP_HOSTNAME))
		return 0;
	/* with the same DHCP fingerprint when both sent one */
	if (ev_value(o, DEV_EV_DHCP_PRL) && ev_value(n, DEV_EV_DHCP_PRL))
		return same_ev(o, n, DEV_EV_DHCP_PRL);
	return 1;
}

static void merge_into(struct dev_inv *inv, struct dev_rec *old,
    struct dev_rec *r)
{
	/* The old record is the device's history: it stays, takes the new
	 * MAC and absorbs what the new one saw so far. */
	struct dev_rec *m = ew_malloc(sizeof(*m));
	if (!m)
		return;
	*m = *old;
	struct device *d = &m->d;
	const struct device *n = &r->d;

	memcpy(d->previous_macs[1], d->previous_macs[0], MAC_STRLEN);
	mac_fmt(old->d.mac, d->previous_macs[0], MAC_STRLEN);
	memcpy(d->mac, n->mac, 6);
	d->pkts += n->pkts;
	d->bytes += n->bytes;
	d->bytes_clear += n->bytes_clear;
	d->bytes_enc += n->bytes_enc;
	if (n->first_seen < d->first_seen)
		d->first_seen = n->first_seen;
	if (n->last_seen > d->last_seen)
		d->last_seen = n->last_seen;
	d->roles |= n->roles;
	for (unsigned s = 0; s < 4; s++)
		d->alerts[s] += n->alerts[s];
	for (unsigned i = 0; i < n->nev; i++) {
		const struct dev_evidence *e = &n->ev[i];
		dev_add_evidence(d, (enum dev_ev_kind)e->kind, e->value,
		    e->first_seen);
		for (unsigned j = 0; j < d->nev; j++) {
			struct dev_evidence *x = &d->ev[j];
			if (x->kind != e->kind || strcmp(x->value, e->value))
				continue;
			/* add_evidence counted one sighting already */
			x->count += e->count - 1;
			if (e->last_seen > x->last_seen)
				x->last_seen = e->last_seen;
			break;
		}
	}
	d->ev_dropped += n->ev_dropped;
	if (r->name_src >= m->name_src) {
		memcpy(d->hostname, n->hostname, sizeof(d->hostname));
		m->name_src = r->name_src;
	}
	m->merged++;
	m->dirty = 1;

	/* addresses: the old ones, then the new MAC's in their order */
	for (unsigned i = 0; i < n->nips; i++)
		ips_add(d, &n->ips[i].ip, n->ips[i].first_seen,
		    n->ips[i].last_seen);
	cache_drop(inv, old);
	lrutab_del(inv->devs, old);
	*r = *m;
	ew_free(m);
	dev_rec_mark_ident(inv, r);
	for (unsigned i = 0; i < r->d.nips; i++)
		ipidx_set(inv, &r->d.ips[i].ip, r);
	inv->st.merged++;
}

void dev_rec_try_merge(struct dev_inv *inv, struct dev_rec *r)
{
	if (!r->d.has_mac || !r->d.mac_random)
		return;
	for (struct dev_rec *o = lrutab_first(inv->devs); o;
	    o = lrutab_next(inv->devs, o)) {
		if (o == r || o == inv->pin[0] || o == inv->pin[1] ||
		    !rotation_of(o, r))
			continue;
		merge_into(inv, o, r);
		return;
	}
}

/* ---- the packet path -------------------------------------------------- */

void dev_packet(struct dev_inv *inv, const struct packet *p,
    const struct flow *f, int to_server, const struct app_meta *m)
{
	struct dev_rec *src = NULL, *dst = NULL, *s = NULL, *t = NULL;
	uint64_t ts = p->ts_ns;
	(void)f;
	(void)to_server;

	if (p->has_eth) {
		int su = mac_unicast(p->src_mac);
		int du = mac_unicast(p->dst_mac);
		struct dev_rec *cs = su && du ? cache_peek(inv, p->src_mac) :
		    NULL;
		struct dev_rec *ct = cs ? cache_peek(inv, p->dst_mac) : NULL;
		if (cs && ct && cs != ct) {
			/* Both ends cached (most packets): dev_rec_for_mac's
			 * cache hit for each. Making the source then the
			 * destination most recent is done first, as nothing
			 * below looks at the order or changes the table;
			 * when the two already are the most recent in this
			 * order (another packet the same way) it is a no-op,
			 * and a reply only swaps them. */
			if (lrutab_last(inv->devs) != ct ||
			    lrutab_next(inv->devs, cs) != ct) {
				lrutab_touch(inv->devs, cs);
				lrutab_touch(inv->devs, ct);
			}
			s = cs;
			rec_seen(inv, s, ts);
			count_pkt(s, p);
			src = side_addr(inv, s, &p->src, ts);
			t = ct;
			rec_seen(inv, t, ts);
			count_pkt(t, p);
			dst = side_addr(inv, t, &p->dst, ts);
		} else {
			if (su) {
				s = rec_for_mac(inv, p->src_mac, ts);
				count_pkt(s, p);
				src = side_addr(inv, s, &p->src, ts);
			}
			if (du) {
				t = rec_for_mac(inv, p->dst_mac, ts);
				count_pkt(t, p);
				dst = side_addr(inv, t, &p->dst, ts);
			}
		}
		/* ARP: a sender pair proves the address is on this segment,
		 * unless another device holds it (a spoofer claiming the
		 * gateway's address does not get it) */
		if (p->has_arp && dev_mac_unicast(p->arp.sha)) {
			struct addr spa;
			addr_set4(&spa, p->arp.spa);
			if (!addr_unspec(&spa)) {
				struct dev_rec *a = dev_rec_for_mac(inv,
				    p->arp.sha, ts);
				if (!held_by_other(inv, a, &spa, ts))
					dev_rec_add_ip(inv, a, &spa, ts);
			}
		}
	} else if (p->ip_version) {
		if (!addr_unspec(&p->src) &&
		    homenet_contains(&inv->home, &p->src)) {
			src = s = dev_rec_for_ip(inv, &p->src, ts);
			count_pkt(src, p);
		}
		if (!addr_group(&p->dst) &&
		    homenet_contains(&inv->home, &p->dst)) {
			dst = t = dev_rec_for_ip(inv, &p->dst, ts);
			count_pkt(dst, p);
		}
	}

	/* its outgoing SYNs fingerprint the sender's TCP stack */
	if (src && p->has_l4 && p->l4proto == IPPROTO_NUM_TCP &&
	    (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		char fp[DEV_EV_VALUE_LEN];
		dev_syn_fingerprint(p, fp, sizeof(fp));
		dev_rec_evidence(src, DEV_EV_TCP_SYN, fp, ts);
	}
	if (m && m->kind != APP_NONE) {
		/* a merge must not remove a record this packet holds */
		inv->pin[0] = s;
		inv->pin[1] = t;
		dev_evidence_packet(inv, p, src, dst, m);
		inv->pin[0] = inv->pin[1] = NULL;
	}
	maybe_classify(inv, s, ts);
	if (t != s)
		maybe_classify(inv, t, ts);
}

/* The device at one end of a flow, when that end is a local endpoint. */
static struct dev_rec *flow_side(struct dev_inv *inv, int has_mac,
    const uint8_t mac[6], const struct addr *ip)
{
	struct dev_key k;
	struct dev_rec *r;
	if (has_mac) {
		if (!dev_mac_unicast(mac))
			return NULL;
		r = cache_peek(inv, mac);
		if (!r) {
			key_mac(&k, mac);
			r = lrutab_find(inv->devs, &k);
		}
		if (!r)
			return NULL;
		if (ip->family == 0 || homenet_contains(&inv->home, ip))
			return r;
		return !(r->d.roles & DEV_ROLE_GATEWAY) && rec_has_ip(r, ip) ?
		    r : NULL;
	}
	if (ip->family == 0)
		return NULL;
	key_ip(&k, ip);
	return lrutab_find(inv->devs, &k);
}

void dev_flow_end(struct dev_inv *inv, const struct flow *f,
    const char *app, int cleartext)
{
	struct dev_rec *c = flow_side(inv, f->has_mac, f->cli_mac,
	    &f->cli_addr);
	struct dev_rec *s = flow_side(inv, f->has_mac, f->srv_mac,
	    &f->srv_addr);
	uint64_t bytes = f->bytes_toserver + f->bytes_toclient;

	for (int i = 0; i < 2; i++) {
		struct dev_rec *r = i ? s : c;
		if (!r || (i && s == c))
			continue;
		dev_rec_mark(inv, r);
		if (cleartext == 1)
			r->d.bytes_clear += bytes;
		else if (cleartext == 0)
			r->d.bytes_enc += bytes;
	}
	if (c && app && app[0]) {
		/* master protocol only: "TLS.YouTube" -> "TLS" */
		char master[DEV_NAME_LEN];
		size_t n = strcspn(app, ".");
		if (n >= sizeof(master))
			n = sizeof(master) - 1;
		memcpy(master, app, n);
		master[n] = '\0';
		if (master[0] && strcmp(master, "Unknown") != 0)
			dev_rec_evidence(c, DEV_EV_APP_PROTO, master,
			    f->last_ns);
	}
}

/* ---- ordered walks ---------------------------------------------------- */

static int cmp_first_seen(const void *a, const void *b)
{
	const struct dev_rec *x = *(const struct dev_rec *const *)a;
	const struct dev_rec *y = *(const struct dev_rec *const *)b;
	if (x->d.first_seen != y->d.first_seen)
		return x->d.first_seen < y->d.first_seen ? -1 : 1;
	if (x->d.has_mac != y->d.has_mac)
		return x->d.has_mac ? -1 : 1;
	if (x->d.has_mac)
		return memcmp(x->d.mac, y->d.mac, 6);
	return addr_cmp(&x->d.ips[0].ip, &y->d.ips[0].ip);
}

/* Every record, by first_seen then MAC: the order of devices.json.
 * Caller frees. NULL with *n = 0 when empty or out of memory. */
static struct dev_rec **sorted(const struct dev_inv *inv, size_t *n)
{
	struct lrutab *t = inv->devs;
	size_t cnt = lrutab_count(t), i = 0;
	*n = 0;
	if (!cnt)
		return NULL;
	struct dev_rec **v = ew_malloc(cnt * sizeof(*v));
	if (!v)
		return NULL;
	for (struct dev_rec *r = lrutab_first(t); r && i < cnt;
	    r = lrutab_next(t, r))
		v[i++] = r;
	qsort(v, i, sizeof(*v), cmp_first_seen);
	*n = i;
	return v;
}

void dev_finish(struct dev_inv *inv, uint64_t now)
{
	size_t n;
	struct dev_rec **v = sorted(inv, &n);
	for (size_t i = 0; i < n; i++) {
		struct dev_rec *r = v[i];
		if (r->dirty)
			classify(inv, r, now);
		/* every device appears in the event log once, identified
		 * or not */
		if (!r->reported)
			dev_emit_event(inv, r, now);
	}
	ew_free(v);
}

int dev_write_json(const struct dev_inv *inv, const char *path, char *err,
    size_t errlen)
{
	size_t n;
	struct dev_rec **v = sorted(inv, &n);
	struct jbuf jb;
	FILE *fp = fopen(path, "w");
	int rc = -1;

	jb_init(&jb, 0);
	if (!fp) {
		snprintf(err, errlen, "%s: cannot create", path);
		goto out;
	}
	if (n && !v) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	/* one device per line: diffable and still one JSON array */
	fputs("[", fp);
	for (size_t i = 0; i < n; i++) {
		jb_reset(&jb);
		dev_json_device(&jb, v[i], 1);
		if (jb.err) {
			snprintf(err, errlen, "%s: device too large", path);
			goto out;
		}
		fputs(i ? ",\n" : "\n", fp);
		fwrite(jb.buf, 1, jb.len, fp);
	}
	fputs("\n]\n", fp);
	rc = 0;
out:
	if (fp) {
		int bad = ferror(fp);
		if ((fclose(fp) != 0 || bad) && rc == 0) {
			snprintf(err, errlen, "%s: write failed", path);
			rc = -1;
		}
	}
	jb_fini(&jb);
	ew_free(v);
	return rc;
}

/* ---- lookups ---------------------------------------------------------- */

const struct device *dev_inv_first(const struct dev_inv *inv)
{
	return lrutab_first(inv->devs);
}

const struct device *dev_inv_next(const struct dev_inv *inv,
    const struct device *d)
{
	return lrutab_next(inv->devs, (void *)(uintptr_t)d);
}

const struct device *dev_inv_find_mac(const struct dev_inv *inv,
    const uint8_t mac[6])
{
	struct dev_key k;
	key_mac(&k, mac);
	return lrutab_find(inv->devs, &k);
}

const struct device *dev_inv_lookup(const struct dev_inv *inv,
    const uint8_t *mac, const struct addr *ip)
{
	struct dev_key k;
	struct dev_rec *r;
	int remote = ip && ip->family &&
	    !homenet_contains(&inv->home, ip);
	if (mac && dev_mac_unicast(mac)) {
		key_mac(&k, mac);
		r = lrutab_find(inv->devs, &k);
		if (r && !(remote && (r->d.roles & DEV_ROLE_GATEWAY) &&
		    !rec_has_ip(r, ip)))
			return &r->d;
	}
	if (!ip || !ip->family)
		return NULL;
	struct addr a;
	memset(&a, 0, sizeof(a));
	a.family = ip->family;
	memcpy(a.a, ip->a, 16);
	struct dev_key *pk = lrutab_find(inv->ipidx, &a);
	if (pk) {
		r = lrutab_find(inv->devs, pk);
		if (r && rec_has_ip(r, ip))	/* the index may be stale */
			return &r->d;
	}
	key_ip(&k, ip);
	r = lrutab_find(inv->devs, &k);
	return r ? &r->d : NULL;
}

size_t dev_count(const struct dev_inv *inv)
{
	return lrutab_count(inv->devs);
}

const struct dev_stats *dev_stats(const struct dev_inv *inv)
{
	/* devices is a gauge: fill it in on demand */
	((struct dev_inv *)(uintptr_t)inv)->st.devices =
	    lrutab_count(inv->devs);
	return &inv->st;
}
