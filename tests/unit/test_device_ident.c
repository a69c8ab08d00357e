/* test_device_ident.c - device identification: OUI listing, knowledge base
 * parsing and matching, classification of hand-built evidence (the
 * simulator's device kinds among them), the enrolment library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "device/ident_int.h"
#include "unit/tmpdir.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void add_ev(struct device *d, enum dev_ev_kind k, const char *v)
{
	assert_true(d->nev < DEV_MAX_EVIDENCE);
	struct dev_evidence *e = &d->ev[d->nev++];
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)k;
	e->count = 1;
	snprintf(e->value, sizeof(e->value), "%s", v);
}

static void set_mac(struct device *d, uint8_t a, uint8_t b, uint8_t c,
    uint8_t last)
{
	d->has_mac = 1;
	d->mac[0] = a;
	d->mac[1] = b;
	d->mac[2] = c;
	d->mac[3] = 0x10;
	d->mac[4] = 0x20;
	d->mac[5] = last;
	d->mac_random = (a & 0x02) != 0;
}

/* ---- OUI ---------------------------------------------------------------- */

static const char oui_txt[] =
    "OUI/MA-L                                                    Organization\r\n"
    "company_id                                                  Organization\r\n"
    "\r\n"
    "00-17-88   (hex)\t\tPhilips Lighting BV\r\n"
    "001788     (base 16)\t\tPhilips Lighting BV\r\n"
    "\t\t\t\tHigh Tech Campus 45\r\n"
    "\r\n"
    "68-DB-F5   (hex)\t\tAmazon Technologies Inc.\r\n"
    "68DBF5     (base 16)\t\tAmazon Technologies Inc.\r\n"
    "\r\n"
    "00-00-01   (hex)\t\tPrivate\r\n"
    "\r\n"
    "F4-F5-D8   (hex)\t\tGoogle, Inc.\r\n"
    "70-B3-D5   (hex)\t\tIEEE Registration Authority\r\n"
    "74-DA-38   (hex)\t\tAmazon Technologies Inc.\r\n"
    "ZZ-00-11   (hex)\t\tBroken Line\r\n";

static const char oui36_txt[] =
    "70-B3-D5   (hex)\t\tTELEPLATFORMS\r\n"
    "F2F000-F2FFFF     (base 16)\t\tTELEPLATFORMS\r\n";

static void test_oui_small(void **state)
{
	(void)state;
	char p[128], err[256];
	snprintf(p, sizeof(p), "%s/oui.txt", dir);
	write_file(p, oui_txt);
	snprintf(err, sizeof(err), "%s/oui36.txt", dir);
	write_file(err, oui36_txt);
	struct dev_oui *o = dev_oui_load(p, err, sizeof(err));
	assert_non_null(o);
	uint8_t hue[6] = { 0x00, 0x17, 0x88, 0x24, 0x76, 0xff };
	uint8_t amz[6] = { 0x68, 0xdb, 0xf5, 0, 0, 1 };
	uint8_t priv[6] = { 0x00, 0x00, 0x01, 1, 2, 3 };
	uint8_t none[6] = { 0x00, 0x17, 0x89, 1, 2, 3 };
	uint8_t local[6] = { 0x02, 0x17, 0x88, 0x24, 0x76, 0xff };
	uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	uint8_t mas[6] = { 0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0x01 };
	uint8_t mal[6] = { 0x70, 0xb3, 0xd5, 0x00, 0x00, 0x01 };
	assert_string_equal(dev_oui_lookup(o, hue), "Philips Lighting BV");
	assert_string_equal(dev_oui_lookup(o, amz),
	    "Amazon Technologies Inc.");
	/* two prefixes, one interned name */
	uint8_t amz2[6] = { 0x74, 0xda, 0x38, 0, 0, 0 };
	assert_ptr_equal(dev_oui_lookup(o, amz), dev_oui_lookup(o, amz2));
	assert_null(dev_oui_lookup(o, priv));	/* "Private" says nothing */
	assert_null(dev_oui_lookup(o, none));
	assert_null(dev_oui_lookup(o, local));	/* locally administered */
	assert_null(dev_oui_lookup(o, mcast));
	/* MA-S beats the MA-L block it sits in */
	assert_string_equal(dev_oui_lookup(o, mas), "TELEPLATFORMS");
	assert_string_equal(dev_oui_lookup(o, mal),
	    "IEEE Registration Authority");
	dev_oui_free(o);
	dev_oui_free(NULL);
}

static void test_oui_errors(void **state)
{
	(void)state;
	char p[128], err[256];
	snprintf(p, sizeof(p), "%s/nothing.txt", dir);
	write_file(p, "no entries here\n");
	assert_null(dev_oui_load(p, err, sizeof(err)));
	assert_non_null(strstr(err, "no OUI entries"));
	snprintf(p, sizeof(p), "%s/absent.txt", dir);
	assert_null(dev_oui_load(p, err, sizeof(err)));
	assert_non_null(strstr(err, "absent.txt"));
}

static void test_oui_real(void **state)
{
	(void)state;
	char err[256];
	if (access("/usr/share/ieee-data/oui.txt", R_OK) != 0)
		skip();
	struct dev_oui *o = dev_oui_load(NULL, err, sizeof(err));
	assert_non_null(o);
	uint8_t hue[6] = { 0x00, 0x17, 0x88, 1, 2, 3 };
	uint8_t esp[6] = { 0x5c, 0xcf, 0x7f, 1, 2, 3 };
	const char *s = dev_oui_lookup(o, hue);
	assert_non_null(s);
	assert_non_null(strstr(s, "Philips"));
	s = dev_oui_lookup(o, esp);
	assert_non_null(s);
	assert_non_null(strstr(s, "Espressif"));
	dev_oui_free(o);
}

/* ---- knowledge base ----------------------------------------------------- */

static struct dev_kb *kb_text(const char *text, char *err, size_t errlen)
{
	return dev_kb_parse(text, strlen(text), "t.kb", err, errlen);
}

static void expect_kb_error(const char *text, const char *where,
    const char *what)
{
	char err[256];
	struct dev_kb *kb = kb_text(text, err, sizeof(err));
	if (kb)
		fail_msg("accepted: %s", text);
	if (!strstr(err, where) || !strstr(err, what))
		fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err, where,
		    what);
}

static void test_kb_errors(void **state)
{
	(void)state;
	expect_kb_error("# ok\nmatch dhcp.nope = \"x\" => vendor=A\n",
	    "t.kb:2:", "unknown evidence kind \"dhcp.nope\"");
	expect_kb_error("\n\nmatch oui ~ \"x\" => class=toaster\n", "t.kb:3:",
	    "unknown class \"toaster\"");
	expect_kb_error("match oui ~ \"x => vendor=A\n", "t.kb:1:",
	    "unterminated string");
	expect_kb_error("match oui ! \"x\" => vendor=A\n", "t.kb:1:",
	    "operator");
	expect_kb_error("match oui ~ \"x\" vendor=A\n", "t.kb:1:", "=>");
	expect_kb_error("match oui ~ \"x\" => conf=101 vendor=A\n", "t.kb:1:",
	    "conf must be 1..100");
	expect_kb_error("match oui ~ \"x\" => conf=50\n", "t.kb:1:",
	    "sets nothing");
	expect_kb_error("match oui ~ \"x\" => colour=red\n", "t.kb:1:",
	    "unknown attribute");
	expect_kb_error("match oui ~ \"x\" => model=$1\n", "t.kb:1:", "$1");
	expect_kb_error("match oui ~ \"\" => vendor=A\n", "t.kb:1:",
	    "empty pattern");
	expect_kb_error("mtach oui ~ \"x\" => vendor=A\n", "t.kb:1:",
	    "unknown statement");
	expect_kb_error("alias \"Org*\" => Brand\n", "t.kb:1:", "alias");
	expect_kb_error("match oui ~ \"x\" => vendor=A vendor=B\n", "t.kb:1:",
	    "given twice");
	char err[64];
	/* comments, blank lines and an empty file are fine */
	struct dev_kb *kb = kb_text("# c\n\n   # d\n", err, sizeof(err));
	assert_non_null(kb);
	assert_int_equal(kb->n, 0);
	dev_kb_free(kb);
}

static void test_kb_glob(void **state)
{
	(void)state;
	const char *cs;
	size_t cl;
	assert_true(kb_glob("abc", "ABC", -1, NULL, NULL));
	assert_false(kb_glob("abc", "abcd", -1, NULL, NULL));
	assert_true(kb_glob("*md=*", "x md=Chromecast", 1, &cs, &cl));
	assert_int_equal(cl, 10);
	assert_memory_equal(cs, "Chromecast", 10);
	assert_true(kb_glob("hs1*(*)", "HS110(EU)", 0, &cs, &cl));
	assert_int_equal(cl, 2);
	assert_memory_equal(cs, "10", 2);
	assert_true(kb_glob("?eq???????", "KEQ0817541", -1, NULL, NULL));
	assert_false(kb_glob("?eq???????", "KEQ08175411", -1, NULL, NULL));
	assert_true(kb_glob("*", "", 0, &cs, &cl));
	assert_int_equal(cl, 0);
	/* many stars against a long text stays linear enough to finish */
	char text[4000];
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_false(kb_glob("*a*a*a*a*a*a*a*b", text, -1, NULL, NULL));
}

static const char rules[] =
    "alias \"Amazon Technologies\" => \"Amazon\"\n"
    "match mdns.service = \"_googlecast._tcp\" => class=tv vendor=Google conf=70\n"
    "match dhcp.hostname ^ \"BRAVIA\" => vendor=Sony class=tv conf=85\n"
    "match mdns.txt ^ \"md=*\" => model=$1 conf=80\n"
    "match dhcp.vendor_class ^ \"android-dhcp-*\" => os=Android conf=75\n"
    "match dns.query $ \".example-cloud.com\" => class=camera conf=40\n"
    "match dns.query $ \".example-cam.com\" => class=camera conf=40\n"
    "match ssdp.type ~ \"MediaRenderer\" => class=speaker conf=60\n";

static void test_classify_precedence(void **state)
{
	(void)state;
	char err[256];
	struct dev_kb *kb = kb_text(rules, err, sizeof(err));
	assert_non_null(kb);
	struct device d;
	memset(&d, 0, sizeof(d));
	set_mac(&d, 0x54, 0x53, 0xed, 1);
	add_ev(&d, DEV_EV_MDNS_SERVICE, "_googlecast._tcp");
	add_ev(&d, DEV_EV_DHCP_HOSTNAME, "BRAVIA-4K-VH2-1234");
	add_ev(&d, DEV_EV_MDNS_TXT, "md=BRAVIA 4K VH2");
	add_ev(&d, DEV_EV_DHCP_VENDOR, "android-dhcp-10");
	dev_classify(kb, NULL, NULL, &d);
	/* the surer rule names the brand, the cast service only agrees on
	 * the class: both votes add up */
	assert_string_equal(d.vendor.value, "Sony");
	assert_int_equal(d.vendor.confidence, 85);
	assert_string_equal(d.vendor.why, "dhcp.hostname=BRAVIA-4K-VH2-1234");
	assert_string_equal(d.cls.value, "tv/streamer");
	assert_int_equal(d.cls.confidence, 96);	/* 1 - 0.15 * 0.3 */
	assert_string_equal(d.model.value, "BRAVIA 4K VH2");
	assert_string_equal(d.os.value, "Android");
	assert_string_equal(d.os.why, "dhcp.vendor_class=android-dhcp-10");
	uint32_t v = d.ident_version;
	assert_true(v > 0);
	dev_classify(kb, NULL, NULL, &d);
	assert_int_equal(d.ident_version, v);	/* nothing changed */

	/* two weak agreeing votes beat one stronger disagreeing one */
	struct device e;
	memset(&e, 0, sizeof(e));
	add_ev(&e, DEV_EV_DNS_QUERY, "a.example-cloud.com");
	add_ev(&e, DEV_EV_DNS_QUERY, "b.example-cam.com");
	add_ev(&e, DEV_EV_SSDP_TYPE, "urn:x:device:MediaRenderer:1");
	dev_classify(kb, NULL, NULL, &e);
	assert_string_equal(e.cls.value, "camera");	/* 64 > 60 */
	/* ... but one more weak one is not enough against a sure one */
	e.nev = 2;
	add_ev(&e, DEV_EV_DHCP_HOSTNAME, "BRAVIA");
	dev_classify(kb, NULL, NULL, &e);
	assert_string_equal(e.cls.value, "tv/streamer");
	assert_true(e.ident_version >= 2);

	/* nothing decides: class unknown, no vendor without an OUI */
	struct device n;
	memset(&n, 0, sizeof(n));
	add_ev(&n, DEV_EV_DHCP_PRL, "1,3,6");
	dev_classify(kb, NULL, NULL, &n);
	assert_string_equal(n.cls.value, "unknown");
	assert_int_equal(n.cls.confidence, 0);
	assert_string_equal(n.vendor.value, "");
	dev_kb_free(kb);
}

static void test_classify_oui_fallback(void **state)
{
	(void)state;
	char p[128], err[256];
	snprintf(p, sizeof(p), "%s/oui.txt", dir);
	write_file(p, oui_txt);
	struct dev_oui *o = dev_oui_load(p, err, sizeof(err));
	struct dev_kb *kb = kb_text(rules, err, sizeof(err));
	assert_non_null(o);
	assert_non_null(kb);
	struct device d;
	memset(&d, 0, sizeof(d));
	set_mac(&d, 0x68, 0xdb, 0xf5, 9);
	dev_classify(kb, o, NULL, &d);
	/* alias: the brand, not the registrant */
	assert_string_equal(d.vendor.value, "Amazon");
	assert_string_equal(d.vendor.why, "oui=Amazon Technologies Inc.");
	/* no alias: the registrant without its legal form */
	set_mac(&d, 0xf4, 0xf5, 0xd8, 9);
	dev_classify(kb, o, NULL, &d);
	assert_string_equal(d.vendor.value, "Google");
	assert_int_equal(d.vendor.confidence, DEV_OUI_VENDOR_CONF);
	set_mac(&d, 0x00, 0x17, 0x88, 9);
	dev_classify(kb, o, NULL, &d);
	assert_string_equal(d.vendor.value, "Philips Lighting");
	/* a randomized MAC has no organisation */
	set_mac(&d, 0x6a, 0xdb, 0xf5, 9);
	dev_classify(kb, o, NULL, &d);
	assert_string_equal(d.vendor.value, "");
	dev_kb_free(kb);
	dev_oui_free(o);
}

/* The simulator's nine device kinds, with the evidence the simulated
 * traffic shows (src/sim/kinds.c), identified by the shipped KB. */
struct sim_case {
	const char *name, *vendor, *cls;
	const char *ev[8][2];	/* kind name, value */
};

static const struct sim_case sim_cases[] = {
	{ "camera", "Wyze", "camera", {
	    { "oui", "Wyze Labs Inc" }, { "dhcp.hostname", "WYZEC3-1A2B" },
	    { "dhcp.vendor_class", "udhcp 1.27.2" },
	    { "dhcp.prl", "1,3,6,12,15,28,42" },
	    { "dns.query", "api.wyzecam.com" },
	    { "tls.sni", "wyze-general-api.wyzecam.com" } } },
	{ "plug", "Shelly", "plug/switch", {
	    { "oui", "Espressif Inc." }, { "dhcp.hostname", "shellyplug-s-1A2B3C" },
	    { "dhcp.prl", "1,3,28,6" }, { "mdns.service", "_http._tcp" },
	    { "mdns.instance", "shellyplug-s-1A2B3C" },
	    { "mdns.txt", "id=shellyplug-s-1A2B3C" }, { "mdns.txt", "arch=esp8266" },
	    { "dns.query", "shelly-13-eu.shelly.cloud" } } },
	/* nothing the simulated Tuya bulb sends says "light" (Tuya's cloud
	 * and LAN protocol serve plugs, bulbs and sensors alike): the KB
	 * must not guess */
	{ "bulb", "Tuya", "unknown", {
	    { "oui", "Tuya Smart Inc." }, { "dhcp.hostname", "wlan0" },
	    { "dhcp.prl", "1,3,6,15,28,42" }, { "dns.query", "a3.tuyaus.com" },
	    { "tls.sni", "m2.tuyaus.com" } } },
	{ "speaker", "Amazon", "speaker/assistant", {
	    { "oui", "Amazon Technologies Inc." },
	    { "dhcp.hostname", "amazon-1a2b3c" },
	    { "dhcp.vendor_class", "android-dhcp-9" },
	    { "mdns.service", "_amzn-wplay._tcp" },
	    { "dns.query", "avs-alexa-4-na.amazon.com" } } },
	{ "tv", "Sony", "tv/streamer", {
	    { "oui", "Sony Corporation" }, { "dhcp.hostname", "BRAVIA-4K-VH2-1A2B" },
	    { "dhcp.vendor_class", "android-dhcp-10" },
	    { "mdns.service", "_googlecast._tcp" },
	    { "mdns.txt", "md=BRAVIA 4K VH2" },
	    { "ssdp.server", "Linux/4.19 UPnP/1.0 BRAVIA/1.0" },
	    { "http.user_agent", "Dalvik/2.1.0 (Linux; U; Android 10; BRAVIA 4K VH2 Build/QTG3.200305.006.S292)" } } },
	{ "thermostat", "Google Nest", "thermostat", {
	    { "oui", "Nest Labs Inc." }, { "dhcp.hostname", "Nest-Thermostat-1A2B" },
	    { "dhcp.vendor_class", "dhcpcd-6.8.2:Linux-3.10.105:armv7l:Nest" },
	    { "dns.query", "frontdoor.nest.com" } } },
	{ "hub", "Home Assistant", "hub/bridge", {
	    { "oui", "Raspberry Pi Trading Ltd" },
	    { "dhcp.hostname", "homeassistant" },
	    { "mdns.service", "_home-assistant._tcp" },
	    { "mdns.service", "_hap._tcp" }, { "mdns.txt", "md=HASS Bridge" },
	    { "http.user_agent", "HomeAssistant/2023.11.2 aiohttp/3.8.5 Python/3.11" },
	    { "dns.query", "version.home-assistant.io" } } },
	{ "phone", "Apple", "phone", {
	    { "dhcp.hostname", "iPhone" },
	    { "dhcp.prl", "1,121,3,6,15,108,114,119,252" },
	    { "http.user_agent", "CaptiveNetworkSupport-481.0.1 wispr" },
	    { "dns.query", "captive.apple.com" },
	    { "dns.query", "courier.push.apple.com" } } },
	/* the simulated laptop is a Dell with an Intel Wi-Fi card: nothing
	 * it sends names Dell, so the honest vendor is the OUI's */
	{ "laptop", "Intel", "computer", {
	    { "oui", "Intel Corporate" }, { "dhcp.hostname", "DESKTOP-1A2B3C4" },
	    { "dhcp.vendor_class", "MSFT 5.0" },
	    { "dhcp.prl", "1,3,6,15,31,33,43,44,46,47,119,121,249,252" },
	    { "http.user_agent", "Microsoft NCSI" },
	    { "dns.query", "www.msftconnecttest.com" } } },
};

static void test_classify_sim_kinds(void **state)
{
	(void)state;
	char err[256];
	struct dev_kb *kb = dev_kb_load("data/devices.kb", err, sizeof(err));
	if (!kb)
		fail_msg("%s", err);
	for (size_t i = 0; i < sizeof(sim_cases) / sizeof(sim_cases[0]); i++) {
		const struct sim_case *c = &sim_cases[i];
		struct device d;
		memset(&d, 0, sizeof(d));
		for (int k = 0; k < 8 && c->ev[k][0]; k++) {
			int kind = kb_kind_parse(c->ev[k][0]);
			assert_true(kind >= 0);
			add_ev(&d, (enum dev_ev_kind)kind, c->ev[k][1]);
		}
		dev_classify(kb, NULL, NULL, &d);
		if (strcmp(d.vendor.value, c->vendor) != 0 ||
		    strcmp(d.cls.value, c->cls) != 0)
			fail_msg("%s: got %s / %s (why %s / %s), want %s / %s",
			    c->name, d.vendor.value, d.cls.value, d.vendor.why,
			    d.cls.why, c->vendor, c->cls);
		/* a decided class names its evidence */
		assert_true((d.cls.why[0] != '\0') ==
		    (strcmp(c->cls, "unknown") != 0));
	}
	dev_kb_free(kb);
}

/* ---- enrolment library ----------------------------------------------- */

static void camera_evidence(struct device *d, uint8_t last)
{
	memset(d, 0, sizeof(*d));
	set_mac(d, 0xb0, 0xc5, 0x54, last);
	add_ev(d, DEV_EV_DHCP_HOSTNAME, last == 1 ? "DCS-935L-5B0E" :
	    "DCS-935L-77A1");
	add_ev(d, DEV_EV_DHCP_VENDOR, "udhcp 1.22.1");
	add_ev(d, DEV_EV_DHCP_PRL, "1,3,6,12,15,28,42");
	add_ev(d, DEV_EV_DHCP_CLIENTID, last == 1 ? "01b0c554255b0e" :
	    "01b0c55400aabb");
	add_ev(d, DEV_EV_MDNS_SERVICE, "_dhnap._tcp");
	add_ev(d, DEV_EV_MDNS_HOSTNAME, last == 1 ? "dcs-935l5b0e.local" :
	    "dcs-935l77a1.local");
	add_ev(d, DEV_EV_DNS_QUERY, "signal.mydlink.com");
	add_ev(d, DEV_EV_TCP_SYN, "64:5840:1460:1:mss,sok,ts,nop,ws");
}

static void plug_evidence(struct device *d)
{
	memset(d, 0, sizeof(*d));
	set_mac(d, 0x50, 0xc7, 0xbf, 7);
	add_ev(d, DEV_EV_DHCP_HOSTNAME, "HS110(EU)");
	add_ev(d, DEV_EV_DHCP_VENDOR, "udhcp 0.9.9-pre");
	add_ev(d, DEV_EV_DHCP_PRL, "1,3,6,12,15,28");
	add_ev(d, DEV_EV_DNS_QUERY, "devs.tplinkcloud.com");
	add_ev(d, DEV_EV_JA3, "cc847787e1803cc91adeecfc721d1fc9");
}

static void test_fp_tokens_no_mac(void **state)
{
	(void)state;
	char tok[64][DEV_FP_TOKEN_LEN];
	struct device a;
	camera_evidence(&a, 1);
	size_t n = dev_fp_tokens(&a, "D-Link International", tok, 64);
	assert_true(n > 5);
	for (size_t i = 0; i < n; i++) {
		if (strstr(tok[i], "5b0e") || strstr(tok[i], "255b0e") ||
		    strstr(tok[i], "client_id"))
			fail_msg("token leaks the unit: %s", tok[i]);
		if (i)
			assert_true(strcmp(tok[i - 1], tok[i]) < 0);
	}
	/* the model name survives normalisation */
	int found = 0;
	for (size_t i = 0; i < n; i++)
		found |= strcmp(tok[i], "dhcp.hostname=dcs-935l-#") == 0;
	assert_true(found);
}

static void test_fplib_match(void **state)
{
	(void)state;
	char tok[64][DEV_FP_TOKEN_LEN], err[256], path[128];
	struct device a, b, c;
	struct dev_fp_match m;

	camera_evidence(&a, 1);
	plug_evidence(&c);
	struct dev_fplib *lib = dev_fplib_new();
	assert_non_null(lib);
	size_t n = dev_fp_tokens(&a, "D-Link International", tok, 64);
	assert_int_equal(dev_fplib_add(lib, "hall camera", tok, n, err,
	    sizeof(err)), 1);
	assert_int_equal(dev_fplib_add(lib, "hall camera", tok, n, err,
	    sizeof(err)), 0);	/* same fingerprint again: merged */
	assert_int_equal(dev_fplib_set_label(lib, "hall camera", "D-Link",
	    "camera", "DCS-935L"), 0);
	n = dev_fp_tokens(&c, "TP-LINK", tok, 64);
	assert_int_equal(dev_fplib_add(lib, "kitchen plug", tok, n, err,
	    sizeof(err)), 1);
	assert_int_equal(dev_fplib_reindex(lib), 0);

	/* another unit of the camera: other MAC, same evidence */
	camera_evidence(&b, 2);
	assert_int_equal(dev_fplib_match(lib, &b, "D-Link International",
	    &m), 1);
	assert_string_equal(m.label, "hall camera");
	assert_true(m.sim > 0.99);
	assert_true(m.second < 0.2);

	/* the round trip keeps labels, attributes and fingerprints */
	snprintf(path, sizeof(path), "%s/lib.fplib", dir);
	assert_int_equal(dev_fplib_save(lib, path, err, sizeof(err)), 0);
	dev_fplib_free(lib);
	lib = dev_fplib_load(path, err, sizeof(err));
	if (!lib)
		fail_msg("%s", err);
	assert_int_equal(dev_fplib_labels(lib), 2);
	assert_int_equal(dev_fplib_samples(lib), 2);
	assert_int_equal(dev_fplib_match(lib, &b, "D-Link International",
	    &m), 1);
	assert_string_equal(m.label, "hall camera");
	assert_string_equal(m.cls, "camera");
	assert_string_equal(m.model, "DCS-935L");

	/* classification takes the label and, being surer, the class */
	struct dev_kb *kb = kb_text("match oui ~ \"x\" => vendor=X\n", err,
	    sizeof(err));
	dev_classify(kb, NULL, lib, &b);
	assert_string_equal(b.label.value, "hall camera");
	assert_string_equal(b.cls.value, "camera");
	assert_non_null(strstr(b.label.why, "library match"));

	/* the same camera seen briefly: a distinctive subset still
	 * matches, a little below the full set */
	struct device part;
	memset(&part, 0, sizeof(part));
	add_ev(&part, DEV_EV_DHCP_HOSTNAME, "DCS-935L-0001");
	add_ev(&part, DEV_EV_MDNS_SERVICE, "_dhnap._tcp");
	add_ev(&part, DEV_EV_DNS_QUERY, "signal.mydlink.com");
	add_ev(&part, DEV_EV_DHCP_VENDOR, "udhcp 1.22.1");
	assert_int_equal(dev_fplib_match(lib, &part, NULL, &m), 1);
	assert_string_equal(m.label, "hall camera");
	assert_true(m.sim >= 0.5 && m.sim < 0.95);
	/* ... but one shared token is too little to go on */
	memset(&part, 0, sizeof(part));
	add_ev(&part, DEV_EV_DNS_QUERY, "signal.mydlink.com");
	assert_int_equal(dev_fplib_match(lib, &part, NULL, &m), 0);

	/* a dissimilar device answers unknown */
	struct device z;
	memset(&z, 0, sizeof(z));
	set_mac(&z, 0xac, 0xed, 0x5c, 1);
	add_ev(&z, DEV_EV_DHCP_HOSTNAME, "DESKTOP-AB12CD3");
	add_ev(&z, DEV_EV_DHCP_VENDOR, "MSFT 5.0");
	add_ev(&z, DEV_EV_DHCP_PRL, "1,3,6,15,31,33,43,44,46,47,119,121,249,252");
	add_ev(&z, DEV_EV_DNS_QUERY, "www.msftconnecttest.com");
	assert_int_equal(dev_fplib_match(lib, &z, "Intel Corporate", &m), 0);
	assert_true(m.sim < DEV_FPLIB_MIN_SIM);
	dev_classify(kb, NULL, lib, &z);
	assert_string_equal(z.label.value, "");
	assert_string_equal(z.cls.value, "unknown");
	/* a device sharing just the DHCP stack is not close either */
	memset(&z, 0, sizeof(z));
	add_ev(&z, DEV_EV_DHCP_PRL, "1,3,6,12,15,28,42");
	add_ev(&z, DEV_EV_DHCP_VENDOR, "udhcp 1.22.1");
	add_ev(&z, DEV_EV_DNS_QUERY, "pool.ntp.org");
	add_ev(&z, DEV_EV_MDNS_SERVICE, "_http._tcp");
	add_ev(&z, DEV_EV_SSDP_TYPE, "urn:schemas-upnp-org:device:Basic:1");
	assert_int_equal(dev_fplib_match(lib, &z, NULL, &m), 0);
	dev_kb_free(kb);
	dev_fplib_free(lib);
}

static void expect_lib_error(const char *text, const char *what)
{
	char err[256];
	struct dev_fplib *lib = dev_fplib_parse(text, strlen(text), "l",
	    err, sizeof(err));
	if (lib)
		fail_msg("accepted: %s", text);
	if (!strstr(err, what))
		fail_msg("error \"%s\" lacks \"%s\"", err, what);
}

static void test_fplib_hostile(void **state)
{
	(void)state;
	expect_lib_error("", "empty");
	expect_lib_error("edgeward-fplib 2\n", "l:1: not an edgeward");
	expect_lib_error("{\"json\": 1}\n", "l:1:");
	expect_lib_error("edgeward-fplib 1\nfp\tx\n", "l:2: fingerprint "
	    "without tokens");
	expect_lib_error("edgeward-fplib 1\nfp\tx\tnoequals\n", "l:2: bad "
	    "token");
	expect_lib_error("edgeward-fplib 1\nfp\tx\ta=\\q\n", "l:2: bad token");
	expect_lib_error("edgeward-fplib 1\nfp\tx\ta=\\x00\n", "l:2: bad "
	    "token");
	expect_lib_error("edgeward-fplib 1\n# c\nzz\tx\ta=b\n", "l:3: unknown "
	    "record");
	expect_lib_error("edgeward-fplib 1\nlabel\tx\tclass=toaster\n",
	    "l:2: unknown class");
	expect_lib_error("edgeward-fplib 1\nlabel\t\n", "l:2: bad label");
	expect_lib_error("edgeward-fplib 1\nlabel\tx\tcolour=red\n",
	    "l:2: unknown label attribute");
	char nul[] = "edgeward-fplib 1\nfp\tx\ta=b\0c\n";
	char err[128];
	assert_null(dev_fplib_parse(nul, sizeof(nul) - 1, "l", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "NUL"));
	/* a token too long for the fingerprint */
	char big[400];
	snprintf(big, sizeof(big), "edgeward-fplib 1\nfp\tx\ta=%0300d\n", 0);
	expect_lib_error(big, "l:2: bad token");
	/* well-formed, with escapes and CRLF */
	const char ok[] = "edgeward-fplib 1\r\nlabel\tmy\\tcam\tclass=camera"
	    "\r\nfp\tmy\\tcam\tdhcp.hostname=a\\\\b\tmdns.txt=x\\x01y\r\n";
	struct dev_fplib *lib = dev_fplib_parse(ok, strlen(ok), "l", err,
	    sizeof(err));
	if (!lib)
		fail_msg("%s", err);
	assert_int_equal(dev_fplib_samples(lib), 1);
	dev_fplib_free(lib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oui_small),
		cmocka_unit_test(test_oui_errors),
		cmocka_unit_test(test_oui_real),
		cmocka_unit_test(test_kb_errors),
		cmocka_unit_test(test_kb_glob),
		cmocka_unit_test(test_classify_precedence),
		cmocka_unit_test(test_classify_oui_fallback),
		cmocka_unit_test(test_classify_sim_kinds),
		cmocka_unit_test(test_fp_tokens_no_mac),
		cmocka_unit_test(test_fplib_match),
		cmocka_unit_test(test_fplib_hostile),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
