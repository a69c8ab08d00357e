/* test_device_inventory.c - the device inventory: identity (MAC, IP-only,
 * remote hosts, gateway), addresses over DHCP renewals, randomized-MAC
 * rotations, evidence from every app_meta kind, caps and memcap eviction,
 * devices.json, device events, alert lookups, and `edgeward devices`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>

#include <jansson.h>

#include "device/device_int.h"
#include "output/eve.h"
#include "sim/sim_internal.h"

#include "unit/tmpdir.h"

int cli_devices(int argc, char **argv);

#define T0 1700000000000000000ull
#define SEC 1000000000ull

static const uint8_t MAC_A[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t MAC_B[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x66 };
static const uint8_t MAC_GW[6] = { 0x00, 0x11, 0x22, 0x00, 0x00, 0x01 };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_R1[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01 };
static const uint8_t MAC_R2[6] = { 0x06, 0x12, 0x34, 0x56, 0x78, 0x02 };
static const uint8_t MAC_R3[6] = { 0x0a, 0x99, 0x88, 0x77, 0x66, 0x03 };

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
	((uint32_t)(c) << 8) | (uint32_t)(d))

static struct dev_inv *mkinv(size_t memcap, struct eve *eve)
{
	struct dev_config cfg;
	struct homenet hn;
	char err[256];
	dev_config_default(&cfg);
	if (memcap)
		cfg.memcap = memcap;
	homenet_default(&hn);
	struct dev_inv *inv = dev_new(&cfg, &hn, eve, err, sizeof(err));
	assert_non_null(inv);
	return inv;
}

/* Decode frame and hand it to the inventory with meta m (may be NULL). */
static void feed_frame(struct dev_inv *inv, int link, const uint8_t *f,
    size_t len, uint64_t ts, const struct app_meta *m)
{
	struct dec_stats st;
	struct packet p;
	memset(&st, 0, sizeof(st));
	dec_packet(&st, &p, link, f, (uint32_t)len, (uint32_t)len, ts);
	dev_packet(inv, &p, NULL, 1, m);
}

static void udp4(struct dev_inv *inv, const uint8_t smac[6],
    const uint8_t dmac[6], uint32_t sip, uint32_t dip, uint16_t sport,
    uint16_t dport, uint64_t ts, const struct app_meta *m)
{
	uint8_t f[1600];
	struct sim_l3 h;
	memset(&h, 0, sizeof(h));
	memcpy(h.smac, smac, 6);
	memcpy(h.dmac, dmac, 6);
	h.sip = sip;
	h.dip = dip;
	h.ttl = 64;
	size_t n = sim_build_udp4(f, sizeof(f), &h, sport, dport, "x", 1);
	assert_true(n > 0);
	feed_frame(inv, DEC_LINK_ETHERNET, f, n, ts, m);
}

static const struct device *find(struct dev_inv *inv, const uint8_t mac[6])
{
	return dev_inv_find_mac(inv, mac);
}

static int has_ip(const struct device *d, uint32_t ip)
{
	uint8_t b[4] = { (uint8_t)(ip >> 24), (uint8_t)(ip >> 16),
	    (uint8_t)(ip >> 8), (uint8_t)ip };
	struct addr a;
	addr_set4(&a, b);
	for (unsigned i = 0; i < d->nips; i++)
		if (addr_cmp(&d->ips[i].ip, &a) == 0)
			return 1;
	return 0;
}

static const struct dev_evidence *ev(const struct device *d,
    enum dev_ev_kind k, const char *value)
{
	for (unsigned i = 0; i < d->nev; i++)
		if (d->ev[i].kind == k && strcmp(d->ev[i].value, value) == 0)
			return &d->ev[i];
	return NULL;
}

static unsigned ev_count(const struct device *d, enum dev_ev_kind k)
{
	unsigned n = 0;
	for (unsigned i = 0; i < d->nev; i++)
		n += d->ev[i].kind == k;
	return n;
}

/* ---- identity --------------------------------------------------------- */

static void test_mac_keyed(void **state)
{
	(void)state;
	struct dev_inv *inv = mkinv(0, NULL);
	udp4(inv, MAC_A, MAC_B, IP(192, 168, 1, 23), IP(192, 168, 1, 10),
	    5000, 6000, T0, NULL);
	udp4(inv, MAC_B, MAC_A, IP(192, 168, 1, 10), IP(192, 168, 1, 23),
	    6000, 5000, T0 + SEC, NULL);
	assert_int_equal(dev_count(inv), 2);
	const struct device *a = find(inv, MAC_A), *b = find(inv, MAC_B);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a->has_mac);
	assert_false(a->mac_random);
	assert_int_equal(a->nips, 1);
	assert_true(has_ip(a, IP(192, 168, 1, 23)));
	assert_true(has_ip(b, IP(192, 168, 1, 10)));
	assert_int_equal(a->pkts, 2);	/* sent one, received one */
	assert_int_equal(a->first_seen, T0);
	assert_int_equal(a->last_seen, T0 + SEC);
	/* broadcast is never a device */
	udp4(inv, MAC_A, MAC_BCAST, IP(192, 168, 1, 23),
	    IP(255, 255, 255, 255), 5000, 6000, T0 + 2 * SEC, NULL);
	assert_int_equal(dev_count(inv), 2);
	assert_int_equal(dev_stats(inv)->created, 2);
	dev_free(inv);
}

static void test_ip_keyed_and_remote(void **state)
{
	(void)state;
	struct dev_inv *inv = mkinv(0, NULL);
	uint8_t f[1600];
	struct sim_l3 h;
	memset(&h, 0, sizeof(h));
	h.sip = IP(192, 168, 1, 23);
	h.dip = IP(8, 8, 8, 8);
	h.ttl = 64;
	size_t n = sim_build_udp4(f, sizeof(f), &h, 5000, 53, "x", 1);
	/* raw IP link: no L2, so the device is keyed by its address */
	feed_frame(inv, DEC_LINK_RAW, f + 14, n - 14, T0, NULL);
	h.sip = IP(8, 8, 8, 8);
	h.dip = IP(192, 168, 1, 23);
	n = sim_build_udp4(f, sizeof(f), &h, 53, 5000, "x", 1);
	feed_frame(inv, DEC_LINK_RAW, f + 14, n - 14, T0 + 1, NULL);
	assert_int_equal(dev_count(inv), 1);
	const struct device *d = dev_inv_first(inv);
	assert_non_null(d);
	assert_false(d->has_mac);
	assert_true(has_ip(d, IP(192, 168, 1, 23)));
	assert_int_equal(d->pkts, 2);

	struct alert_device ad;
	struct addr a;
	static const uint8_t local[4] = { 192, 168, 1, 23 },
	    remote[4] = { 8, 8, 8, 8 };
	addr_set4(&a, local);
	assert_int_equal(dev_alert_lookup(NULL, &a, &ad, inv), 1);
	assert_string_equal(ad.ip, "192.168.1.23");
	addr_set4(&a, remote);
	assert_int_equal(dev_alert_lookup(NULL, &a, &ad, inv), 0);
	assert_string_equal(ad.ip, "8.8.8.8");
	assert_int_equal(ad.known, 0);
	dev_free(inv);
}

/* A talks to nremote internet hosts through the gateway, both ways. */
static void browse(struct dev_inv *inv, unsigned nremote, uint64_t ts)
{
	for (unsigned i = 0; i < nremote; i++) {
		uint32_t r = IP(93, 184, 216, 10 + i);
		udp4(inv, MAC_A, MAC_GW, IP(192, 168, 1, 23), r, 5000, 443,
		    ts + i, NULL);
		udp4(inv, MAC_GW, MAC_A, r, IP(192, 168, 1, 23), 443, 5000,
		    ts + i, NULL);
	}
}

static void test_gateway(void **state)
{
	(void)state;
	struct dev_inv *inv = mkinv(0, NULL);
	uint8_t f[128];
	/* the gateway answers ARP for its own address */
	size_t n = sim_build_arp(f, sizeof(f), MAC_A, MAC_GW, 2, MAC_GW,
	    IP(192, 168, 1, 1), MAC_A, IP(192, 168, 1, 23));
	feed_frame(inv, DEC_LINK_ETHERNET, f, n, T0, NULL);
	browse(inv, DEV_GATEWAY_REMOTE_IPS + 3, T0 + SEC);
	dev_finish(inv, T0 + 10 * SEC);

	assert_int_equal(dev_count(inv), 2);	/* A and the gateway only */
	const struct device *gw = find(inv, MAC_GW);
	assert_non_null(gw);
	assert_true(gw->roles & DEV_ROLE_GATEWAY);
	assert_string_equal(gw->cls.value, "router/ap");
	/* its own address, none of the internet's */
	assert_int_equal(gw->nips, 1);
	assert_true(has_ip(gw, IP(192, 168, 1, 1)));
	const struct device *a = find(inv, MAC_A);
	assert_int_equal(a->nips, 1);
	assert_false(a->roles & DEV_ROLE_GATEWAY);

	/* a spoofer's ARP claim to the gateway's address is not recorded,
	 * a claim after the gateway fell silent for long is */
	n = sim_build_arp(f, sizeof(f), MAC_A, MAC_B, 2, MAC_B,
	    IP(192, 168, 1, 1), MAC_A, IP(192, 168, 1, 23));
	feed_frame(inv, DEC_LINK_ETHERNET, f, n, T0 + 20 * SEC, NULL);
	assert_false(has_ip(find(inv, MAC_B), IP(192, 168, 1, 1)));
	feed_frame(inv, DEC_LINK_ETHERNET, f, n, T0 + 2 * SEC +
	    DEV_IP_HOLD_NS, NULL);
	assert_true(has_ip(find(inv, MAC_B), IP(192, 168, 1, 1)));
	/* an alert about a remote host is not about the gateway */
	struct alert_device ad;
	struct addr r;
	static const uint8_t rem[4] = { 93, 184, 216, 10 };
	addr_set4(&r, rem);
	assert_int_equal(dev_alert_lookup(MAC_GW, &r, &ad, inv), 0);
	assert_int_equal(dev_alert_lookup(MAC_A, NULL, &ad, inv), 1);
	dev_free(inv);

	/* below the threshold: not a gateway yet */
	inv = mkinv(0, NULL);
	browse(inv, DEV_GATEWAY_REMOTE_IPS - 1, T0);
	gw = find(inv, MAC_GW);
	assert_non_null(gw);
	assert_false(gw->roles & DEV_ROLE_GATEWAY);
	dev_free(inv);
}

/* ---- DHCP, addresses, randomized MACs ---------------------------------- */

static void dhcp_meta(struct app_meta *m, uint8_t op, uint8_t type,
    const uint8_t chaddr[6])
{
	memset(m, 0, sizeof(*m));
	m->kind = APP_DHCP;
	m->u.dhcp.op = op;
	m->u.dhcp.msg_type = type;
	memcpy(m->u.dhcp.chaddr, chaddr, 6);
}

static void dhcp_ack(struct dev_inv *inv, const uint8_t client[6],
    uint32_t yi, uint64_t ts)
{
	struct app_meta m;
	dhcp_meta(&m, 2, 5, client);
	m.u.dhcp.yiaddr[0] = (uint8_t)(yi >> 24);
	m.u.dhcp.yiaddr[1] = (uint8_t)(yi >> 16);
	m.u.dhcp.yiaddr[2] = (uint8_t)(yi >> 8);
	m.u.dhcp.yiaddr[3] = (uint8_t)yi;
	udp4(inv, MAC_GW, MAC_BCAST, IP(192, 168, 1, 1),
	    IP(255, 255, 255, 255), 67, 68, ts, &m);
}

static void dhcp_request(struct dev_inv *inv, const uint8_t mac[6],
    const char *host, const char *prl, const char *cid, uint64_t ts);

static void test_dhcp_renewal(void **state)
{
	(void)state;
	struct dev_inv *inv = mkinv(0, NULL);
	/* an ACK for a client never seen creates nothing (a starvation
	 * attack's made-up clients are not devices) */
	dhcp_ack(inv, MAC_B, IP(192, 168, 1, 99), T0 - 2);
	assert_null(find(inv, MAC_B));
	assert_int_equal(dev_count(inv), 1);	/* the server */
	dhcp_request(inv, MAC_A, "", "1,3,6", "", T0 - 1);
	dhcp_ack(inv, MAC_A, IP(192, 168, 1, 23), T0);
	const struct device *a = find(inv, MAC_A);
	assert_non_null(a);
	assert_int_equal(a->nips, 1);
	assert_true(has_ip(a, IP(192, 168, 1, 23)));
	const struct device *gw = find(inv, MAC_GW);
	assert_true(gw->roles & DEV_ROLE_DHCP_SERVER);
	assert_true(has_ip(gw, IP(192, 168, 1, 1)));

	dhcp_ack(inv, MAC_A, IP(192, 168, 1, 77), T0 + 3600 * SEC);
	a = find(inv, MAC_A);
	assert_int_equal(a->nips, 2);
	/* most recent last, with its times */
	char buf[ADDR_STRLEN];
	addr_fmt(&a->ips[1].ip, buf, sizeof(buf));
	assert_string_equal(buf, "192.168.1.77");
	assert_int_equal(a->ips[1].first_seen, T0 + 3600 * SEC);
	assert_int_equal(a->ips[0].last_seen, T0);

	/* an alert by IP finds A through the index */
	struct alert_device ad;
	struct addr ip;
	static const uint8_t v[4] = { 192, 168, 1, 77 };
	addr_set4(&ip, v);
	assert_int_equal(dev_alert_lookup(NULL, &ip, &ad, inv), 1);
	assert_string_equal(ad.mac, "00:11:22:33:44:55");

	/* more addresses than DEV_MAX_IPS: the oldest go */
	for (unsigned i = 0; i < DEV_MAX_IPS + 2; i++)
		dhcp_ack(inv, MAC_A, IP(192, 168, 1, 100 + i),
		    T0 + (4000 + i) * SEC);
	a = find(inv, MAC_A);
	assert_int_equal(a->nips, DEV_MAX_IPS);
	assert_false(has_ip(a, IP(192, 168, 1, 23)));
	assert_true(has_ip(a, IP(192, 168, 1, 100 + DEV_MAX_IPS + 1)));
	dev_free(inv);
}

static void dhcp_request(struct dev_inv *inv, const uint8_t mac[6],
    const char *host, const char *prl, const char *cid, uint64_t ts)
{
	struct app_meta m;
	dhcp_meta(&m, 1, 3, mac);
	snprintf(m.u.dhcp.hostname, sizeof(m.u.dhcp.hostname), "%s", host);
	snprintf(m.u.dhcp.prl, sizeof(m.u.dhcp.prl), "%s", prl);
	snprintf(m.u.dhcp.client_id, sizeof(m.u.dhcp.client_id), "%s", cid);
	udp4(inv, mac, MAC_BCAST, 0, IP(255, 255, 255, 255), 68, 67, ts, &m);
}

static void test_dhcp_foreign_chaddr(void **state)
{
	(void)state;
	struct dev_inv *inv = mkinv(0, NULL);
	struct app_meta m;
	uint8_t fake[6] = { 0x00, 0x99, 0x00, 0x00, 0x00, 0x00 };
	/* one MAC sending DISCOVERs for 50 invented clients */
	for (unsigned i = 0; i < 50; i++) {
		fake[5] = (uint8_t)i;
		dhcp_meta(&m, 1, 1, fake);
		snprintf(m.u.dhcp.hostname, sizeof(m.u.dhcp.hostname),
		    "fake%u", i);
		udp4(inv, MAC_B, MAC_BCAST, 0, IP(255, 255, 255, 255), 68, 67,
		    T0 + i, &m);
	}
	assert_int_equal(dev_count(inv), 1);
	/* and the sender is not given their names */
	assert_int_equal(ev_count(find(inv, MAC_B), DEV_EV_DHCP_HOSTNAME), 0);
	/* a relayed request for a known client reaches it */
	dhcp_request(inv, MAC_A, "", "", "", T0 + 100);
	dhcp_meta(&m, 1, 3, MAC_A);
	snprintf(m.u.dhcp.hostname, sizeof(m.u.dhcp.hostname), "relayed");
	udp4(inv, MAC_GW, MAC_B, IP(192, 168, 1, 1), IP(192, 168, 1, 10), 67,
	    67, T0 + 101, &m);
	assert_non_null(ev(find(inv, MAC_A), DEV_EV_DHCP_HOSTNAME, "relayed"));
	assert_null(ev(find(inv, MAC_GW), DEV_EV_DHCP_HOSTNAME, "relayed"));
	/* (fuzzer) an all-zero chaddr is no device, whoever sends it */
	static const uint8_t zero[6];
	size_t before = dev_count(inv);
	dhcp_ack(inv, zero, IP(192, 168, 1, 98), T0 + 102);
	dhcp_meta(&m, 1, 3, zero);
	udp4(inv, MAC_GW, MAC_B, IP(192, 168, 1, 1), IP(192, 168, 1, 10), 67,
	    67, T0 + 103, &m);
	assert_null(find(inv, zero));
	assert_int_equal(dev_count(inv), before);
	dev_free(inv);
}

static void test_random_mac_merge(void **state)
{
	(void)state;
	struct dev_inv *inv = mkinv(0, NULL);
	dhcp_request(inv, MAC_R1, "Pixel-7", "1,3,6,15,26,28,51,58,59,43",
	    "", T0);
	udp4(inv, MAC_R1, MAC_B, IP(192, 168, 1, 50), IP(192, 168, 1, 10),
	    1, 2, T0 + SEC, NULL);
	assert_int_equal(dev_count(inv), 2);
	assert_true(find(inv, MAC_R1)->mac_random);

	/* a day later the phone comes back with another MAC */
	dhcp_request(inv, MAC_R2, "Pixel-7", "1,3,6,15,26,28,51,58,59,43",
	    "", T0 + 86400 * SEC);
	assert_int_equal(dev_count(inv), 2);
	assert_int_equal(dev_stats(inv)->merged, 1);
	assert_null(find(inv, MAC_R1));
	const struct device *d = find(inv, MAC_R2);
	assert_non_null(d);
	assert_string_equal(d->previous_macs[0], "02:aa:bb:cc:dd:01");
	assert_int_equal(d->first_seen, T0);	/* the old record's history */
	assert_int_equal(d->pkts, 3);
	assert_true(has_ip(d, IP(192, 168, 1, 50)));
	assert_string_equal(d->hostname, "Pixel-7");
	assert_int_equal(ev(d, DEV_EV_DHCP_HOSTNAME, "Pixel-7")->count, 2);

	/* the same host name with another DHCP fingerprint: another device */
	dhcp_request(inv, MAC_R3, "Pixel-7", "1,3,6", "", T0 + 90000 * SEC);
	assert_int_equal(dev_count(inv), 3);
	assert_int_equal(dev_stats(inv)->merged, 1);
	dev_free(inv);

	/* two phones with the same name at the same time stay two: R2 was
	 * already around while R1 was still talking */
	inv = mkinv(0, NULL);
	dhcp_request(inv, MAC_R1, "iPhone", "1,121,3,6", "", T0);
	udp4(inv, MAC_R2, MAC_B, IP(192, 168, 1, 51), IP(192, 168, 1, 10),
	    1, 2, T0 + 100 * SEC, NULL);
	udp4(inv, MAC_R1, MAC_B, IP(192, 168, 1, 50), IP(192, 168, 1, 10),
	    1, 2, T0 + 300 * SEC, NULL);
	dhcp_request(inv, MAC_R2, "iPhone", "1,121,3,6", "", T0 + 400 * SEC);
	assert_int_equal(dev_stats(inv)->merged, 0);
	assert_non_null(find(inv, MAC_R1));
	/* the same DHCP client id always links them */
	dhcp_request(inv, MAC_R2, "iPhone", "1,121,3,6", "ff00112233", T0 +
	    700 * SEC);
	assert_int_equal(dev_stats(inv)->merged, 0);	/* R1 sent none */
	dhcp_request(inv, MAC_R3, "x", "", "ff00112233", T0 + 800 * SEC);
	assert_int_equal(dev_stats(inv)->merged, 1);
	assert_null(find(inv, MAC_R2));
	assert_string_equal(find(inv, MAC_R3)->previous_macs[0],
	    "06:12:34:56:78:02");
	dev_free(inv);
}

/* ---- evidence --------------------------------------------------------- */

static void put_txt(struct app_dns_rr *rr, const char *const *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(s[i]);
		rr->txt[o++] = (uint8_t)l;
		memcpy(rr->txt + o, s[i], l);
		o += l;
	}
	rr->txt_len = (uint16_t)o;
}

static void test_evidence_kinds(void **state)
{
	(void)state;
	struct dev_inv *inv = mkinv(0, NULL);
	struct app_meta m;
	uint32_t a = IP(192, 168, 1, 23), b = IP(192, 168, 1, 10);
	uint64_t ts = T0;

	/* DHCP */
	dhcp_meta(&m, 1, 1, MAC_A);
	snprintf(m.u.dhcp.hostname, sizeof(m.u.dhcp.hostname), "WYZECAM");
	snprintf(m.u.dhcp.vendor_class, sizeof(m.u.dhcp.vendor_class),
	    "udhcp 1.28");
	snprintf(m.u.dhcp.prl, sizeof(m.u.dhcp.prl), "1,3,6,12,15,28,42");
	snprintf(m.u.dhcp.options, sizeof(m.u.dhcp.options), "53,61,57,60");
	snprintf(m.u.dhcp.client_id, sizeof(m.u.dhcp.client_id),
	    "01001122334455");
	snprintf(m.u.dhcp.mud_url, sizeof(m.u.dhcp.mud_url),
	    "https://mud.example.com/cam");
	udp4(inv, MAC_A, MAC_BCAST, 0, IP(255, 255, 255, 255), 68, 67, ts++,
	    &m);
	const struct device *d = find(inv, MAC_A);
	assert_non_null(ev(d, DEV_EV_DHCP_HOSTNAME, "WYZECAM"));
	assert_non_null(ev(d, DEV_EV_DHCP_VENDOR, "udhcp 1.28"));
	assert_non_null(ev(d, DEV_EV_DHCP_PRL, "1,3,6,12,15,28,42"));
	assert_non_null(ev(d, DEV_EV_DHCP_OPTIONS, "53,61,57,60"));
	assert_non_null(ev(d, DEV_EV_DHCP_CLIENTID, "01001122334455"));
	assert_non_null(ev(d, DEV_EV_MUD_URL, "https://mud.example.com/cam"));
	assert_string_equal(d->hostname, "WYZECAM");
	assert_int_equal(ev(d, DEV_EV_DHCP_HOSTNAME, "WYZECAM")->first_seen,
	    T0);

	/* DHCPv6 (over IPv4 framing is fine for the inventory) */
	memset(&m, 0, sizeof(m));
	m.kind = APP_DHCP6;
	m.u.dhcp6.msg_type = 1;
	m.u.dhcp6.vendor_enterprise = 311;
	snprintf(m.u.dhcp6.vendor_class, sizeof(m.u.dhcp6.vendor_class),
	    "MSFT 5.0");
	snprintf(m.u.dhcp6.oro, sizeof(m.u.dhcp6.oro), "17,23,24");
	snprintf(m.u.dhcp6.hostname, sizeof(m.u.dhcp6.hostname),
	    "laptop.home.arpa");
	udp4(inv, MAC_A, MAC_B, a, b, 546, 547, ts++, &m);
	d = find(inv, MAC_A);
	assert_non_null(ev(d, DEV_EV_DHCP6_VENDOR, "MSFT 5.0"));
	assert_non_null(ev(d, DEV_EV_DHCP6_ORO, "17,23,24"));
	assert_non_null(ev(d, DEV_EV_DHCP6_HOSTNAME, "laptop.home.arpa"));
	assert_string_equal(d->hostname, "WYZECAM");	/* DHCP wins */

	/* mDNS / DNS-SD */
	memset(&m, 0, sizeof(m));
	m.kind = APP_MDNS;
	m.u.dns.is_response = 1;
	struct app_dns_rr *rr = m.u.dns.rr;
	rr[0].section = DNS_SEC_ANSWER;
	rr[0].type = 12;
	snprintf(rr[0].name, sizeof(rr[0].name), "_googlecast._tcp.local");
	snprintf(rr[0].target, sizeof(rr[0].target),
	    "Living Room TV._googlecast._tcp.local");
	rr[1].section = DNS_SEC_ADDITIONAL;
	rr[1].type = 33;
	snprintf(rr[1].name, sizeof(rr[1].name),
	    "Living Room TV._googlecast._tcp.local");
	snprintf(rr[1].target, sizeof(rr[1].target), "chromecast-1.local");
	rr[2].section = DNS_SEC_ADDITIONAL;
	rr[2].type = 16;
	static const char *const txt[] = { "id=abc", "md=Chromecast",
	    "fn=Living Room TV", "rs=" };
	put_txt(&rr[2], txt, 4);
	rr[3].section = DNS_SEC_ANSWER;
	rr[3].type = 12;
	snprintf(rr[3].name, sizeof(rr[3].name),
	    "_printer._sub._ipp._tcp.local");
	snprintf(rr[3].target, sizeof(rr[3].target), "P._ipp._tcp.local");
	rr[4].section = DNS_SEC_QUESTION;	/* what it asks: not evidence */
	rr[4].type = 12;
	snprintf(rr[4].name, sizeof(rr[4].name), "_airplay._tcp.local");
	m.u.dns.nrr = 5;
	udp4(inv, MAC_A, MAC_BCAST, a, IP(224, 0, 0, 251), 5353, 5353, ts++,
	    &m);
	d = find(inv, MAC_A);
	assert_non_null(ev(d, DEV_EV_MDNS_SERVICE, "_googlecast._tcp"));
	assert_non_null(ev(d, DEV_EV_MDNS_SERVICE, "_ipp._tcp"));
	assert_null(ev(d, DEV_EV_MDNS_SERVICE, "_airplay._tcp"));
	assert_non_null(ev(d, DEV_EV_MDNS_INSTANCE, "Living Room TV"));
	assert_non_null(ev(d, DEV_EV_MDNS_HOSTNAME, "chromecast-1.local"));
	assert_non_null(ev(d, DEV_EV_MDNS_TXT, "md=Chromecast"));
	assert_non_null(ev(d, DEV_EV_MDNS_TXT, "fn=Living Room TV"));
	assert_null(ev(d, DEV_EV_MDNS_TXT, "id=abc"));

	/* SSDP */
	memset(&m, 0, sizeof(m));
	m.kind = APP_SSDP;
	m.u.ssdp.kind = 1;
	snprintf(m.u.ssdp.server, sizeof(m.u.ssdp.server),
	    "Linux/3.14 UPnP/1.0 Sonos/63.2");
	snprintf(m.u.ssdp.st, sizeof(m.u.ssdp.st),
	    "urn:schemas-upnp-org:device:ZonePlayer:1");
	snprintf(m.u.ssdp.usn, sizeof(m.u.ssdp.usn),
	    "uuid:RINCON_1::urn:schemas-upnp-org:service:AVTransport:1");
	udp4(inv, MAC_A, MAC_BCAST, a, IP(239, 255, 255, 250), 1900, 1900,
	    ts++, &m);
	snprintf(m.u.ssdp.st, sizeof(m.u.ssdp.st),
	    "urn:Belkin:device:controllee:1");
	udp4(inv, MAC_A, MAC_BCAST, a, IP(239, 255, 255, 250), 1900, 1900,
	    ts++, &m);
	d = find(inv, MAC_A);
	assert_non_null(ev(d, DEV_EV_SSDP_SERVER,
	    "Linux/3.14 UPnP/1.0 Sonos/63.2"));
	assert_int_equal(ev(d, DEV_EV_SSDP_SERVER,
	    "Linux/3.14 UPnP/1.0 Sonos/63.2")->count, 2);
	assert_non_null(ev(d, DEV_EV_SSDP_TYPE,
	    "urn:schemas-upnp-org:device:ZonePlayer:1"));
	assert_non_null(ev(d, DEV_EV_SSDP_TYPE,
	    "urn:Belkin:device:controllee:1"));
	assert_int_equal(ev_count(d, DEV_EV_SSDP_TYPE), 2);  /* no service */

	/* HTTP: A's request, B's response */
	memset(&m, 0, sizeof(m));
	m.kind = APP_HTTP;
	snprintf(m.u.http.user_agent, sizeof(m.u.http.user_agent),
	    "WyzeCam/4.9");
	snprintf(m.u.http.host, sizeof(m.u.http.host), "API.Wyzecam.com");
	udp4(inv, MAC_A, MAC_B, a, b, 40000, 80, ts++, &m);
	memset(&m, 0, sizeof(m));
	m.kind = APP_HTTP;
	m.u.http.is_response = 1;
	snprintf(m.u.http.server, sizeof(m.u.http.server), "lighttpd/1.4");
	udp4(inv, MAC_B, MAC_A, b, a, 80, 40000, ts++, &m);
	d = find(inv, MAC_A);
	assert_non_null(ev(d, DEV_EV_HTTP_UA, "WyzeCam/4.9"));
	assert_non_null(ev(d, DEV_EV_HTTP_HOST, "api.wyzecam.com"));
	assert_null(ev(d, DEV_EV_HTTP_SERVER, "lighttpd/1.4"));
	assert_non_null(ev(find(inv, MAC_B), DEV_EV_HTTP_SERVER,
	    "lighttpd/1.4"));

	/* TLS ClientHello */
	memset(&m, 0, sizeof(m));
	m.kind = APP_TLS_CLIENT_HELLO;
	snprintf(m.u.tls.sni, sizeof(m.u.tls.sni), "mqtt.wyzecam.com");
	snprintf(m.u.tls.ja3_hash, sizeof(m.u.tls.ja3_hash),
	    "e7d705a3286e19ea42f587b344ee6865");
	snprintf(m.u.tls.ja4, sizeof(m.u.tls.ja4),
	    "t13d1516h2_8daaf6152771_b0da82dd1658");
	udp4(inv, MAC_A, MAC_B, a, b, 40001, 443, ts++, &m);
	d = find(inv, MAC_A);
	assert_non_null(ev(d, DEV_EV_TLS_SNI, "mqtt.wyzecam.com"));
	assert_non_null(ev(d, DEV_EV_JA3, "e7d705a3286e19ea42f587b344ee6865"));
	assert_non_null(ev(d, DEV_EV_JA4,
	    "t13d1516h2_8daaf6152771_b0da82dd1658"));

	/* DNS: its queries; B answering from port 53 is a DNS server */
	memset(&m, 0, sizeof(m));
	m.kind = APP_DNS;
	m.u.dns.nrr = 1;
	m.u.dns.rr[0].section = DNS_SEC_QUESTION;
	m.u.dns.rr[0].type = 1;
	snprintf(m.u.dns.rr[0].name, sizeof(m.u.dns.rr[0].name),
	    "Time.Wyze.com");
	udp4(inv, MAC_A, MAC_B, a, b, 40002, 53, ts++, &m);
	m.u.dns.is_response = 1;
	udp4(inv, MAC_B, MAC_A, b, a, 53, 40002, ts++, &m);
	d = find(inv, MAC_A);
	assert_non_null(ev(d, DEV_EV_DNS_QUERY, "time.wyze.com"));
	assert_false(d->roles & DEV_ROLE_DNS_SERVER);
	assert_true(find(inv, MAC_B)->roles & DEV_ROLE_DNS_SERVER);
	assert_int_equal(ev_count(find(inv, MAC_B), DEV_EV_DNS_QUERY), 0);

	/* NTP client: the server it uses */
	memset(&m, 0, sizeof(m));
	m.kind = APP_NTP;
	m.u.ntp.mode = 3;
	udp4(inv, MAC_A, MAC_GW, a, IP(162, 159, 200, 1), 123, 123, ts++, &m);
	assert_non_null(ev(find(inv, MAC_A), DEV_EV_NTP_SERVER,
	    "162.159.200.1"));

	/* SSH banner */
	memset(&m, 0, sizeof(m));
	m.kind = APP_SSH_BANNER;
	snprintf(m.u.ssh.banner, sizeof(m.u.ssh.banner),
	    "SSH-2.0-dropbear_2019.78");
	udp4(inv, MAC_A, MAC_B, a, b, 22, 40003, ts++, &m);
	assert_non_null(ev(find(inv, MAC_A), DEV_EV_SSH_BANNER,
	    "SSH-2.0-dropbear_2019.78"));

	/* TCP SYN fingerprint from a real frame: TTL 61 -> 64 initial */
	uint8_t f[256];
	struct sim_l3 h;
	struct sim_tcph t;
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10,
	    0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
	memset(&h, 0, sizeof(h));
	memcpy(h.smac, MAC_A, 6);
	memcpy(h.dmac, MAC_B, 6);
	h.sip = a;
	h.dip = b;
	h.ttl = 61;
	memset(&t, 0, sizeof(t));
	t.sport = 40004;
	t.dport = 80;
	t.flags = SIM_TH_SYN;
	t.win = 64240;
	t.opt = opts;
	t.optlen = sizeof(opts);
	size_t n = sim_build_tcp4(f, sizeof(f), &h, &t, NULL, 0);
	feed_frame(inv, DEC_LINK_ETHERNET, f, n, ts++, NULL);
	/* the SYN-ACK back is not B's fingerprint */
	memcpy(h.smac, MAC_B, 6);
	memcpy(h.dmac, MAC_A, 6);
	h.sip = b;
	h.dip = a;
	t.flags = SIM_TH_SYN | SIM_TH_ACK;
	n = sim_build_tcp4(f, sizeof(f), &h, &t, NULL, 0);
	feed_frame(inv, DEC_LINK_ETHERNET, f, n, ts++, NULL);
	assert_non_null(ev(find(inv, MAC_A), DEV_EV_TCP_SYN,
	    "64:64240:1460:7:mss,sok,ts,nop,ws"));
	assert_int_equal(ev_count(find(inv, MAC_B), DEV_EV_TCP_SYN), 0);

	/* flow end: app protocol (master part) and clear/encrypted bytes */
	struct flow fl;
	memset(&fl, 0, sizeof(fl));
	static const uint8_t fa[4] = { 192, 168, 1, 23 },
	    fr[4] = { 142, 250, 1, 1 };
	addr_set4(&fl.cli_addr, fa);
	addr_set4(&fl.srv_addr, fr);
	fl.has_mac = 1;
	memcpy(fl.cli_mac, MAC_A, 6);
	memcpy(fl.srv_mac, MAC_GW, 6);
	fl.bytes_toserver = 1000;
	fl.bytes_toclient = 9000;
	fl.last_ns = ts++;
	dev_flow_end(inv, &fl, "TLS.YouTube", 0);
	dev_flow_end(inv, &fl, "HTTP", 1);
	d = find(inv, MAC_A);
	assert_non_null(ev(d, DEV_EV_APP_PROTO, "TLS"));
	assert_non_null(ev(d, DEV_EV_APP_PROTO, "HTTP"));
	assert_int_equal(d->bytes_enc, 10000);
	assert_int_equal(d->bytes_clear, 10000);
	assert_int_equal(find(inv, MAC_GW)->bytes_enc, 0);
	assert_int_equal(d->ev_dropped, 0);
	dev_free(inv);
}

static void test_evidence_caps(void **state)
{
	(void)state;
	struct device d;
	char v[64];
	memset(&d, 0, sizeof(d));
	for (unsigned i = 0; i < 30; i++) {
		snprintf(v, sizeof(v), "host%u.example.com", i);
		assert_int_equal(dev_add_evidence(&d, DEV_EV_DNS_QUERY, v,
		    T0 + i), i < DEV_EV_KIND_CAP_NAMES);
	}
	assert_int_equal(ev_count(&d, DEV_EV_DNS_QUERY),
	    DEV_EV_KIND_CAP_NAMES);
	assert_int_equal(d.ev_dropped, 30 - DEV_EV_KIND_CAP_NAMES);
	/* duplicates refresh, never add */
	assert_int_equal(dev_add_evidence(&d, DEV_EV_DNS_QUERY,
	    "host0.example.com", T0 + 100), 0);
	assert_int_equal(ev(&d, DEV_EV_DNS_QUERY, "host0.example.com")->count,
	    2);
	assert_int_equal(ev(&d, DEV_EV_DNS_QUERY,
	    "host0.example.com")->last_seen, T0 + 100);
	assert_int_equal(dev_add_evidence(&d, DEV_EV_DNS_QUERY, "", T0), 0);

	/* fill up: names 10 + 10 + 10, JA3 6, user agents 4 = 40 */
	for (unsigned i = 0; i < 10; i++) {
		snprintf(v, sizeof(v), "v%u", i);
		dev_add_evidence(&d, DEV_EV_TLS_SNI, v, T0 + 200 + i);
		dev_add_evidence(&d, DEV_EV_HTTP_HOST, v, T0 + 300 + i);
		if (i < 6)
			dev_add_evidence(&d, DEV_EV_JA3, v, T0 + 400 + i);
		if (i < 4)
			dev_add_evidence(&d, DEV_EV_HTTP_UA, v, T0 + 500 + i);
	}
	assert_int_equal(d.nev, DEV_MAX_EVIDENCE);
	uint32_t dropped = d.ev_dropped;
	/* a late kind still gets in: the most plentiful kind (first of the
	 * tied ones in kind order, http.host) gives up its stalest entry */
	assert_int_equal(dev_add_evidence(&d, DEV_EV_SSDP_SERVER, "Sonos",
	    T0 + 600), 1);
	assert_non_null(ev(&d, DEV_EV_SSDP_SERVER, "Sonos"));
	assert_int_equal(d.nev, DEV_MAX_EVIDENCE);
	assert_int_equal(ev_count(&d, DEV_EV_HTTP_HOST), 9);
	assert_null(ev(&d, DEV_EV_HTTP_HOST, "v0"));
	assert_non_null(ev(&d, DEV_EV_HTTP_HOST, "v1"));
	assert_int_equal(ev_count(&d, DEV_EV_DNS_QUERY), 10);
	assert_int_equal(d.ev_dropped, dropped + 1);
	/* but a kind as plentiful as the rest does not displace them */
	assert_int_equal(dev_add_evidence(&d, DEV_EV_TLS_SNI, "late",
	    T0 + 700), 0);
	assert_int_equal(ev_count(&d, DEV_EV_TLS_SNI), 10);

	/* values are kept truncated, and compare truncated */
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(&d, 0, sizeof(d));
	assert_int_equal(dev_add_evidence(&d, DEV_EV_HTTP_UA, big, T0), 1);
	assert_int_equal(strlen(d.ev[0].value), DEV_EV_VALUE_LEN - 1);
	assert_int_equal(dev_add_evidence(&d, DEV_EV_HTTP_UA, big, T0), 0);
	assert_int_equal(d.ev[0].count, 2);
}

static void test_memcap_eviction(void **state)
{
	(void)state;
	struct dev_inv *inv = mkinv(64 * 1024, NULL);
	uint8_t mac[6] = { 0x00, 0x50, 0x56, 0, 0, 0 };
	for (unsigned i = 0; i < 100; i++) {
		mac[5] = (uint8_t)i;
		udp4(inv, mac, MAC_BCAST, IP(192, 168, 2, i + 1),
		    IP(255, 255, 255, 255), 1, 2, T0 + i, NULL);
	}
	const struct dev_stats *st = dev_stats(inv);
	assert_int_equal(st->created, 100);
	assert_true(dev_count(inv) < 100);
	assert_int_equal(st->evicted, 100 - dev_count(inv));
	assert_int_equal(st->devices, dev_count(inv));
	/* the most recent survive, the oldest went */
	mac[5] = 99;
	assert_non_null(find(inv, mac));
	mac[5] = 0;
	assert_null(find(inv, mac));
	dev_free(inv);
}

/* ---- output ----------------------------------------------------------- */

/* A tiny knowledge base so identification is predictable here. */
static void write_kb(char *path, size_t size)
{
	snprintf(path, size, "%s/test.kb", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("match mdns.service = \"_googlecast._tcp\" => "
	    "class=tv vendor=Google conf=80\n"
	    "match mdns.txt = \"md=Chromecast Ultra\" => "
	    "model=\"Chromecast Ultra\" conf=90\n", fp);
	fclose(fp);
}

static unsigned count_device_events(const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[65536];
	unsigned n = 0;
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		json_error_t e;
		json_t *o = json_loads(line, 0, &e);
		assert_non_null(o);
		const char *t = json_string_value(json_object_get(o,
		    "event_type"));
		if (t && strcmp(t, "device") == 0) {
			n++;
			json_t *d = json_object_get(o, "device");
			assert_true(json_is_object(d));
			assert_true(json_is_array(json_object_get(d,
			    "evidence")));
			assert_non_null(json_object_get(d, "confidence"));
		}
		json_decref(o);
	}
	fclose(fp);
	return n;
}

static void mdns_announce(struct dev_inv *inv, const char *svc,
    const char *txt, uint64_t ts)
{
	struct app_meta m;
	memset(&m, 0, sizeof(m));
	m.kind = APP_MDNS;
	m.u.dns.is_response = 1;
	m.u.dns.nrr = 1;
	m.u.dns.rr[0].section = DNS_SEC_ANSWER;
	if (svc) {
		m.u.dns.rr[0].type = 12;
		snprintf(m.u.dns.rr[0].name, sizeof(m.u.dns.rr[0].name),
		    "%s.local", svc);
		snprintf(m.u.dns.rr[0].target, sizeof(m.u.dns.rr[0].target),
		    "TV.%s.local", svc);
	} else {
		m.u.dns.rr[0].type = 16;
		const char *t[1] = { txt };
		put_txt(&m.u.dns.rr[0], t, 1);
	}
	udp4(inv, MAC_R1, MAC_BCAST, IP(192, 168, 1, 40), IP(224, 0, 0, 251),
	    5353, 5353, ts, &m);
}

static void test_events_on_change(void **state)
{
	(void)state;
	char kb[128], path[128], err[256];
	write_kb(kb, sizeof(kb));
	snprintf(path, sizeof(path), "%s/eve.json", dir);
	struct eve *eve = eve_open(path, err, sizeof(err));
	assert_non_null(eve);
	struct dev_config cfg;
	dev_config_default(&cfg);
	cfg.kb_path = kb;
	struct dev_inv *inv = dev_new(&cfg, NULL, eve, err, sizeof(err));
	assert_non_null(inv);

	/* evidence that identifies nothing: no event */
	mdns_announce(inv, "_workstation._tcp", NULL, T0);
	assert_int_equal(dev_stats(inv)->events, 0);
	/* identified: one event */
	mdns_announce(inv, "_googlecast._tcp", NULL, T0 + 2 * SEC);
	assert_int_equal(dev_stats(inv)->events, 1);
	const struct device *d = find(inv, MAC_R1);
	assert_string_equal(d->vendor.value, "Google");
	/* more evidence, same answer: no event (also within the second) */
	mdns_announce(inv, "_spotify-connect._tcp", NULL, T0 + 4 * SEC);
	mdns_announce(inv, NULL, "md=Chromecast Ultra", T0 + 4 * SEC + 1);
	assert_int_equal(dev_stats(inv)->events, 1);
	/* a second later the pending evidence is classified: the model is
	 * known, one more event */
	mdns_announce(inv, NULL, "md=Chromecast Ultra", T0 + 6 * SEC);
	assert_int_equal(dev_stats(inv)->events, 2);
	assert_string_equal(d->model.value, "Chromecast Ultra");
	dev_finish(inv, T0 + 7 * SEC);
	assert_int_equal(dev_stats(inv)->events, 2);
	/* a second device never identified appears once, at the end */
	udp4(inv, MAC_B, MAC_BCAST, IP(192, 168, 1, 41), IP(224, 0, 0, 251),
	    1, 2, T0 + 8 * SEC, NULL);
	dev_finish(inv, T0 + 9 * SEC);
	assert_int_equal(dev_stats(inv)->events, 3);
	dev_finish(inv, T0 + 10 * SEC);
	assert_int_equal(dev_stats(inv)->events, 3);
	dev_free(inv);
	assert_int_equal(eve_close(eve, err, sizeof(err)), 0);
	assert_int_equal(count_device_events(path), 3);

	/* an explicit knowledge base that cannot be read is an error */
	cfg.kb_path = "/nonexistent/dev.kb";
	assert_null(dev_new(&cfg, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/dev.kb"));
	cfg.kb_path = NULL;
	cfg.library_path = "/nonexistent/lib";
	assert_null(dev_new(&cfg, NULL, NULL, err, sizeof(err)));
}

/* A small inventory with a bit of everything. */
static struct dev_inv *sample(void)
{
	struct dev_inv *inv = mkinv(0, NULL);
	dhcp_request(inv, MAC_A, "WYZECAM_V3", "1,3,6", "", T0);
	dhcp_ack(inv, MAC_A, IP(192, 168, 1, 23), T0 + SEC);
	browse(inv, DEV_GATEWAY_REMOTE_IPS + 1, T0 + 2 * SEC);
	dev_finish(inv, T0 + 20 * SEC);
	return inv;
}

static void test_devices_json(void **state)
{
	(void)state;
	char path[128], err[256];
	struct dev_inv *inv = sample();
	snprintf(path, sizeof(path), "%s/devices.json", dir);
	assert_int_equal(dev_write_json(inv, path, err, sizeof(err)), 0);

	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	assert_non_null(root);
	assert_true(json_is_array(root));
	assert_int_equal(json_array_size(root), 2);
	static const char *const keys[] = { "mac", "ips", "vendor", "class",
	    "model", "os", "confidence", "evidence", "first_seen",
	    "last_seen", "hostname", "roles" };
	size_t i;
	json_t *d;
	json_array_foreach(root, i, d) {
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			assert_non_null(json_object_get(d, keys[k]));
		assert_true(json_is_array(json_object_get(d, "ips")));
	}
	/* ordered by first_seen: the camera first */
	json_t *cam = json_array_get(root, 0);
	assert_string_equal(json_string_value(json_object_get(cam, "mac")),
	    "00:11:22:33:44:55");
	assert_string_equal(json_string_value(json_object_get(cam,
	    "hostname")), "WYZECAM_V3");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(cam, "ips"), 0)), "192.168.1.23");
	json_t *ev0 = json_array_get(json_object_get(cam, "evidence"), 0);
	assert_non_null(json_object_get(ev0, "kind"));
	assert_non_null(json_object_get(ev0, "count"));
	json_t *gw = json_array_get(root, 1);
	assert_string_equal(json_string_value(json_object_get(gw, "class")),
	    "router/ap");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(gw, "roles"), 0)), "gateway");
	json_decref(root);

	/* deterministic: the same input writes the same bytes */
	char path2[128], a[65536], b[65536];
	snprintf(path2, sizeof(path2), "%s/devices2.json", dir);
	struct dev_inv *inv2 = sample();
	assert_int_equal(dev_write_json(inv2, path2, err, sizeof(err)), 0);
	FILE *fa = fopen(path, "r"), *fb = fopen(path2, "r");
	size_t na = fread(a, 1, sizeof(a), fa), nb = fread(b, 1, sizeof(b),
	    fb);
	fclose(fa);
	fclose(fb);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	dev_free(inv2);

	/* summary lines: most recently seen last */
	char line[256];
	assert_int_equal(dev_count(inv), 2);
	int found = 0;
	for (size_t k = 0; k < dev_count(inv); k++) {
		assert_int_equal(dev_summary_line(inv, k, line, sizeof(line)),
		    0);
		if (strstr(line, "00:11:22:33:44:55")) {
			assert_non_null(strstr(line, "192.168.1.23"));
			assert_non_null(strstr(line, "host WYZECAM_V3"));
			found = 1;
		}
	}
	assert_true(found);
	assert_int_equal(dev_summary_line(inv, 2, line, sizeof(line)), -1);

	/* alerts are counted on the device */
	struct alert al;
	alert_init(&al, 1, ALERT_CAT_SCAN, 2, "T1046", "test", T0);
	al.has_src_mac = 1;
	memcpy(al.src_mac, MAC_A, 6);
	dev_on_alert(&al, NULL, inv);
	dev_on_alert(&al, NULL, inv);
	assert_int_equal(find(inv, MAC_A)->alerts[2], 2);
	struct alert_device ad;
	assert_int_equal(dev_alert_lookup(MAC_A, NULL, &ad, inv), 1);
	assert_string_equal(ad.name, "WYZECAM_V3");
	assert_string_equal(ad.ip, "192.168.1.23");
	dev_free(inv);
}

/* Run cli_devices with stdout into a file; returns its status. */
static int run_cli(int argc, char **argv, char *out, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/cli.out", dir);
	fflush(stdout);
	int saved = dup(1);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	int rc = cli_devices(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	FILE *fp = fopen(path, "r");
	size_t n = fread(out, 1, size - 1, fp);
	out[n] = '\0';
	fclose(fp);
	return rc;
}

static void test_cli_devices(void **state)
{
	(void)state;
	char path[128], err[256], out[16384];
	struct dev_inv *inv = sample();
	snprintf(path, sizeof(path), "%s/devices.json", dir);
	assert_int_equal(dev_write_json(inv, path, err, sizeof(err)), 0);
	dev_free(inv);

	char *a1[] = { "devices", "-l", dir, NULL };
	assert_int_equal(run_cli(3, a1, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "MAC"));
	assert_non_null(strstr(out, "HOSTNAME"));
	assert_non_null(strstr(out, "00:11:22:33:44:55"));
	assert_non_null(strstr(out, "WYZECAM_V3"));
	assert_non_null(strstr(out, "router/ap"));
	assert_non_null(strstr(out, "2 devices"));

	char *a2[] = { "devices", "-f", path, "--json", NULL };
	assert_int_equal(run_cli(4, a2, out, sizeof(out)), 0);
	json_error_t je;
	json_t *root = json_loads(out, 0, &je);
	assert_non_null(root);
	assert_int_equal(json_array_size(root), 2);
	json_decref(root);

	char *a3[] = { "devices", "-f", "/nonexistent/devices.json", NULL };
	assert_int_equal(run_cli(3, a3, out, sizeof(out)), 1);
	char *a4[] = { "devices", "--bogus", NULL };
	assert_int_equal(run_cli(2, a4, out, sizeof(out)), 2);
	/* not an array */
	FILE *fp = fopen(path, "w");
	fputs("{\"mac\": 1}\n", fp);
	fclose(fp);
	char *a5[] = { "devices", "-f", path, NULL };
	assert_int_equal(run_cli(3, a5, out, sizeof(out)), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_keyed),
		cmocka_unit_test(test_ip_keyed_and_remote),
		cmocka_unit_test(test_gateway),
		cmocka_unit_test(test_dhcp_renewal),
		cmocka_unit_test(test_random_mac_merge),
		cmocka_unit_test(test_dhcp_foreign_chaddr),
		cmocka_unit_test(test_evidence_kinds),
		cmocka_unit_test(test_evidence_caps),
		cmocka_unit_test(test_memcap_eviction),
		cmocka_unit_test(test_events_on_change),
		cmocka_unit_test(test_devices_json),
		cmocka_unit_test(test_cli_devices),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
