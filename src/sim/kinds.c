/* kinds.c - the device kinds of the simulated home and their habits:
 * vendor OUI, hostname, DHCP fingerprint, TCP/TLS stack, cloud domains,
 * periodic tasks, DNS-SD services and SSDP identity. Data only.
 *
 * Domains and vendor prefixes are the vendors' real ones; the address
 * blocks are the providers' (AWS, Google, Apple, Microsoft, Cloudflare),
 * so country and ASN lookups behave as on real captures. */
#include "sim/sim_internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
	(uint32_t)(c) << 8 | (uint32_t)(d))

/* ---- camera: Wyze Cam v3 (embedded Linux, udhcpc, OpenSSL) ---------- */
static const uint8_t prl_udhcp[] = { 1, 3, 6, 12, 15, 28, 42 };
static const struct sim_domain d_camera[] = {
	{ "api.wyzecam.com", "api-wyzecam-1843928716.us-west-2.elb.amazonaws.com",
	    IP(52, 34, 0, 0), 16, 60 },
	{ "wyze-general-api.wyzecam.com", NULL, IP(44, 224, 0, 0), 16, 60 },
	{ "s3.us-west-2.amazonaws.com", "s3-r-w.us-west-2.amazonaws.com",
	    IP(52, 218, 128, 0), 17, 5 },
	{ "pool.ntp.org", NULL, IP(162, 159, 200, 0), 24, 150 },
};
static const struct sim_task t_camera[] = {
	{ SIM_TASK_NTP, 3, 0, 0, 123, 3600, 0, 0, 0, NULL },
	{ SIM_TASK_KEEPALIVE, 0, 0, 0, 443, 60, 0, 120, 90, NULL },
	{ SIM_TASK_CHECKIN, 1, 0, 0, 443, 600, 0, 1500, 3000, NULL },
	/* clips: up = bit rate, down = mean clip length in seconds */
	{ SIM_TASK_VIDEO, 2, 0, 0, 443, 1200, 1, 600000, 40, NULL },
	{ SIM_TASK_ARP, 0, 0, 0, 0, 900, 0, 0, 0, NULL },
};

/* ---- plug: Shelly Plug S (ESP8266, lwIP, mbedTLS) ------------------ */
static const uint8_t prl_lwip[] = { 1, 3, 28, 6 };
static const struct sim_domain d_plug[] = {
	{ "shelly-13-eu.shelly.cloud", NULL, IP(3, 120, 0, 0), 16, 300 },
	{ "time.google.com", NULL, IP(216, 239, 35, 0), 24, 300 },
};
static const struct sim_task t_plug[] = {
	{ SIM_TASK_MQTT, 0, 0, 0, 1883, 30, 0, 0, 0, NULL },
	{ SIM_TASK_CHECKIN, 0, 0, 0, 443, 300, 0, 400, 200, NULL },
	{ SIM_TASK_NTP, 1, 0, 0, 123, 3600, 0, 0, 0, NULL },
	{ SIM_TASK_MDNS_ANN, 0, 0, 0, 0, 3600, 0, 0, 0, NULL },
	{ SIM_TASK_ARP, 0, 0, 0, 0, 600, 0, 0, 0, NULL },
};
static const char *const txt_shelly[] = { "id=shellyplug-s-%s",
	"fw_id=20230913-114010/v1.14.0-gcb84623", "arch=esp8266", "gen=1" };
static const struct sim_service s_plug[] = {
	{ "_http._tcp", "shellyplug-s-%s", 80, txt_shelly, N(txt_shelly) },
};

/* ---- bulb: Tuya smart LED bulb, HomeKit edition (RTOS, MQTT over TLS
 * 8883, Tuya's UDP 6667 discovery, and a HomeKit accessory advertised over
 * mDNS: category ci=5, lightbulb, as HomeKit bulbs do) -------------------- */
static const uint8_t prl_tuya[] = { 1, 3, 6, 15, 28, 42 };
static const struct sim_domain d_bulb[] = {
	{ "a3.tuyaus.com", NULL, IP(3, 214, 0, 0), 16, 60 },
	{ "m2.tuyaus.com", NULL, IP(3, 215, 0, 0), 16, 60 },
};
static const struct sim_task t_bulb[] = {
	{ SIM_TASK_KEEPALIVE, 1, 0, 0, 8883, 120, 0, 33, 33, NULL },
	{ SIM_TASK_CHECKIN, 0, 0, 0, 443, 1800, 0, 900, 1400, NULL },
	{ SIM_TASK_BCAST, 0, 0, 0, 6667, 10, 0, 172, 0, NULL },
	{ SIM_TASK_MDNS_ANN, 0, 0, 0, 0, 3600, 0, 0, 0, NULL },
	{ SIM_TASK_ARP, 0, 0, 0, 0, 900, 0, 0, 0, NULL },
};
static const char *const txt_hap_bulb[] = { "c#=1", "ff=2",
	"id=1C:90:FF:%s", "md=Smart LED Bulb", "pv=1.1", "s#=1", "sf=1",
	"ci=5" };
static const struct sim_service s_bulb[] = {
	{ "_hap._tcp", "Smart LED Bulb %s", 6668, txt_hap_bulb,
	    N(txt_hap_bulb) },
};

/* ---- speaker: Amazon Echo Dot (Fire OS) ----------------------------- */
static const uint8_t prl_android[] = { 1, 3, 6, 15, 26, 28, 51, 58, 59, 43 };
static const struct sim_domain d_speaker[] = {
	{ "avs-alexa-4-na.amazon.com", NULL, IP(54, 239, 0, 0), 16, 60 },
	{ "device-metrics-us.amazon.com", NULL, IP(52, 94, 224, 0), 20, 60 },
	{ "api.amazon.com", NULL, IP(54, 239, 0, 0), 16, 60 },
	{ "ntp-g7g.amazon.com", NULL, IP(52, 119, 160, 0), 20, 60 },
	{ "dcape-na.amazon.com", NULL, IP(52, 94, 224, 0), 20, 60 },
};
static const struct sim_task t_speaker[] = {
	{ SIM_TASK_KEEPALIVE, 0, 0, 0, 443, 300, 0, 200, 150, NULL },
	{ SIM_TASK_CHECKIN, 1, 0, 0, 443, 180, 0, 3000, 500, NULL },
	{ SIM_TASK_CHECKIN, 2, 0, 0, 443, 1800, 0, 1200, 4000, NULL },
	{ SIM_TASK_CHECKIN, 4, 0, 0, 443, 900, 0, 800, 2000, NULL },
	{ SIM_TASK_NTP, 3, 0, 0, 123, 3600, 0, 0, 0, NULL },
	{ SIM_TASK_MDNS_ANN, 0, 0, 0, 0, 1800, 0, 0, 0, NULL },
	{ SIM_TASK_SSDP_SEARCH, 0, 0, 0, 0, 900, 0, 0, 0, NULL },
	{ SIM_TASK_ARP, 0, 0, 0, 0, 600, 0, 0, 0, NULL },
};
static const char *const txt_wplay[] = { "s=0", "at=amzn1.dmgr.%s",
	"n=Kitchen Echo", "c=0", "v=1", "dpv=1", "tr=tcp", "ad=A2U21SRK4QGSE1" };
static const struct sim_service s_speaker[] = {
	{ "_amzn-wplay._tcp", "amzn.dmgr-%s", 41009, txt_wplay, N(txt_wplay) },
};

/* ---- TV: Sony BRAVIA with Google TV --------------------------------- */
static const struct sim_domain d_tv[] = {
	{ "connectivitycheck.gstatic.com", NULL, IP(142, 250, 0, 0), 15, 300 },
	{ "android.clients.google.com", NULL, IP(142, 250, 0, 0), 15, 300 },
	{ "www.googleapis.com", NULL, IP(142, 250, 0, 0), 15, 300 },
	{ "time.android.com", NULL, IP(216, 239, 35, 0), 24, 300 },
	{ "www.youtube.com", "youtube-ui.l.google.com", IP(142, 250, 0, 0),
	    15, 300 },
	{ "rr3---sn-ab5sznzr.googlevideo.com", "rr3.sn-ab5sznzr.googlevideo.com",
	    IP(173, 194, 0, 0), 16, 1800 },
	{ "play.googleapis.com", NULL, IP(142, 250, 0, 0), 15, 300 },
};
static const struct sim_task t_tv[] = {
	{ SIM_TASK_HTTP, 0, 0, 0, 80, 900, 0, 0, 0, "/generate_204" },
	{ SIM_TASK_CHECKIN, 1, 0, 0, 443, 1800, 0, 2000, 6000, NULL },
	{ SIM_TASK_CHECKIN, 2, 0, 0, 443, 600, 0, 1500, 8000, NULL },
	{ SIM_TASK_CHECKIN, 6, 0, 0, 443, 3600, 0, 3000, 20000, NULL },
	{ SIM_TASK_NTP, 3, 0, 0, 123, 3600, 0, 0, 0, NULL },
	{ SIM_TASK_BROWSE, 4, 2, 0, 443, 900, 1, 1500, 800000, NULL },
	{ SIM_TASK_MDNS_ANN, 0, 0, 0, 0, 1800, 0, 0, 0, NULL },
	{ SIM_TASK_SSDP_NOTIFY, 0, 0, 0, 0, 900, 0, 0, 0, NULL },
	{ SIM_TASK_ARP, 0, 0, 0, 0, 600, 0, 0, 0, NULL },
};
static const char *const txt_cast[] = { "id=5d1f2a7c%s9e0b44c1a3f2d6e7",
	"cd=8F1C2B0A6D5E4F3A2B1C0D9E8F7A6B5C", "rm=", "ve=05",
	"md=BRAVIA 4K VH2", "ic=/setup/icon.png", "fn=Living Room TV",
	"ca=465413", "st=0", "bs=FA8FCA%s", "nf=1", "rs=" };
static const char *const txt_airplay[] = { "acl=0", "deviceid=54:53:ED:%s",
	"features=0x7F8AD0,0x38BCB46", "flags=0x244", "model=BRAVIA 4K VH2",
	"protovers=1.1", "srcvers=366.0", "vv=2" };
static const struct sim_service s_tv[] = {
	{ "_googlecast._tcp", "BRAVIA-4K-VH2-%s", 8009, txt_cast,
	    N(txt_cast) },
	{ "_airplay._tcp", "Living Room TV", 7000, txt_airplay,
	    N(txt_airplay) },
};
static const char *const nt_tv[] = { "upnp:rootdevice",
	"urn:schemas-upnp-org:device:MediaRenderer:1",
	"urn:dial-multiscreen-org:service:dial:1" };

/* ---- thermostat: Nest Learning Thermostat (Linux, dhcpcd) ----------- */
static const uint8_t prl_dhcpcd[] = { 1, 121, 33, 3, 6, 12, 15, 28, 42, 51,
	54, 58, 59, 119 };
static const struct sim_domain d_thermostat[] = {
	{ "frontdoor.nest.com", NULL, IP(34, 107, 0, 0), 16, 300 },
	{ "transport04.rts08.iad01.production.nest.com", NULL,
	    IP(54, 243, 0, 0), 16, 300 },
	{ "log-rts08-iad01.devices.nest.com", NULL, IP(54, 243, 0, 0), 16,
	    300 },
	{ "time.google.com", NULL, IP(216, 239, 35, 0), 24, 300 },
};
static const struct sim_task t_thermostat[] = {
	{ SIM_TASK_KEEPALIVE, 1, 0, 0, 443, 600, 0, 300, 200, NULL },
	{ SIM_TASK_CHECKIN, 0, 0, 0, 443, 1800, 0, 1500, 3000, NULL },
	{ SIM_TASK_CHECKIN, 2, 0, 0, 443, 3600, 0, 120000, 600, NULL },
	{ SIM_TASK_NTP, 3, 0, 0, 123, 3600, 0, 0, 0, NULL },
	{ SIM_TASK_ARP, 0, 0, 0, 0, 900, 0, 0, 0, NULL },
};

/* ---- hub: Home Assistant on a Raspberry Pi (MQTT broker too) -------- */
static const uint8_t prl_nm[] = { 1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26,
	121, 42 };
static const struct sim_domain d_hub[] = {
	{ "version.home-assistant.io", NULL, IP(104, 26, 0, 0), 20, 300 },
	{ "alerts.home-assistant.io", NULL, IP(104, 26, 0, 0), 20, 300 },
	{ "analytics.home-assistant.io", NULL, IP(172, 67, 0, 0), 16, 300 },
	{ "time.cloudflare.com", NULL, IP(162, 159, 200, 0), 24, 300 },
};
static const struct sim_task t_hub[] = {
	{ SIM_TASK_CHECKIN, 0, 0, 0, 443, 3600, 0, 600, 4000, NULL },
	{ SIM_TASK_CHECKIN, 1, 0, 0, 443, 3600, 0, 600, 2000, NULL },
	{ SIM_TASK_CHECKIN, 2, 0, 0, 443, 7200, 0, 900, 300, NULL },
	{ SIM_TASK_NTP, 3, 0, 0, 123, 1024, 0, 0, 0, NULL },
	{ SIM_TASK_MDNS_ANN, 0, 0, 0, 0, 1800, 0, 0, 0, NULL },
	{ SIM_TASK_MDNS_QUERY, 0, 0, 0, 0, 600, 0, 0, 0, NULL },
	{ SIM_TASK_SSDP_SEARCH, 0, 0, 0, 0, 600, 0, 0, 0, NULL },
	{ SIM_TASK_POLL, 0, 0, 0, 80, 60, 0, 0, 0, "/status" },
	{ SIM_TASK_ARP, 0, 0, 0, 0, 600, 0, 0, 0, NULL },
};
static const char *const txt_ha[] = { "location_name=Home",
	"uuid=4f0c3e1b9d2a4c6e8b7a5d3c1e9f%s", "version=2023.11.2",
	"internal_url=http://homeassistant.local:8123",
	"base_url=http://homeassistant.local:8123",
	"requires_api_password=True" };
static const char *const txt_hap[] = { "c#=2", "ff=0", "id=DC:A6:32:%s",
	"md=HASS Bridge", "pv=1.1", "s#=1", "sf=0", "ci=2", "sh=Zm9vYg==" };
static const struct sim_service s_hub[] = {
	{ "_home-assistant._tcp", "Home", 8123, txt_ha, N(txt_ha) },
	{ "_hap._tcp", "HASS Bridge %s", 21064, txt_hap, N(txt_hap) },
};
static const char *const br_hub[] = { "_hap._tcp.local",
	"_googlecast._tcp.local", "_airplay._tcp.local", "_http._tcp.local" };

/* ---- phone: iPhone with a private (random) Wi-Fi address ------------ */
static const uint8_t prl_ios[] = { 1, 121, 3, 6, 15, 108, 114, 119, 252 };
static const struct sim_domain d_phone[] = {
	{ "captive.apple.com", NULL, IP(17, 253, 0, 0), 16, 300 },
	{ "courier.push.apple.com", "courier-push-apple.com.akadns.net",
	    IP(17, 57, 144, 0), 22, 60 },
	{ "gateway.icloud.com", NULL, IP(17, 248, 0, 0), 16, 300 },
	{ "time.apple.com", NULL, IP(17, 253, 0, 0), 16, 300 },
	{ "www.google.com", NULL, IP(142, 250, 0, 0), 15, 300 },
	{ "i.instagram.com", "dualstack.c10r.instagram.com",
	    IP(157, 240, 0, 0), 16, 60 },
	{ "api.spotify.com", NULL, IP(35, 186, 224, 0), 20, 300 },
	{ "www.youtube.com", "youtube-ui.l.google.com", IP(142, 250, 0, 0),
	    15, 300 },
	{ "graph.facebook.com", "star.c10r.facebook.com", IP(157, 240, 0, 0),
	    16, 60 },
	{ "weather-data.apple.com", NULL, IP(17, 253, 0, 0), 16, 300 },
};
static const struct sim_task t_phone[] = {
	{ SIM_TASK_HTTP, 0, 0, 0, 80, 3600, 0, 0, 0, "/hotspot-detect.html" },
	{ SIM_TASK_KEEPALIVE, 1, 0, 0, 5223, 1200, 0, 80, 80, NULL },
	{ SIM_TASK_CHECKIN, 2, 0, 0, 443, 900, 0, 2000, 5000, NULL },
	{ SIM_TASK_NTP, 3, 0, 0, 123, 1800, 0, 0, 0, NULL },
	{ SIM_TASK_BROWSE, 4, 6, 0, 443, 900, 1, 3000, 400000, NULL },
	{ SIM_TASK_MDNS_QUERY, 0, 0, 0, 0, 300, 0, 0, 0, NULL },
	{ SIM_TASK_ARP, 0, 0, 0, 0, 600, 0, 0, 0, NULL },
};
static const char *const br_phone[] = { "_airplay._tcp.local",
	"_googlecast._tcp.local", "_companion-link._tcp.local",
	"_raop._tcp.local" };

/* ---- laptop: Windows 11 on an Intel Wi-Fi card ---------------------- */
static const uint8_t prl_windows[] = { 1, 3, 6, 15, 31, 33, 43, 44, 46, 47,
	119, 121, 249, 252 };
static const struct sim_domain d_laptop[] = {
	{ "www.msftconnecttest.com", "ncsi-geo.trafficmanager.net",
	    IP(13, 107, 4, 0), 24, 300 },
	{ "v10.events.data.microsoft.com",
	    "global.asimov.events.data.trafficmanager.net", IP(20, 42, 0, 0),
	    16, 300 },
	{ "settings-win.data.microsoft.com", NULL, IP(20, 190, 0, 0), 16,
	    300 },
	{ "time.windows.com", NULL, IP(20, 101, 57, 0), 24, 300 },
	{ "outlook.office365.com", NULL, IP(52, 96, 0, 0), 16, 60 },
	{ "www.google.com", NULL, IP(142, 250, 0, 0), 15, 300 },
	{ "github.com", NULL, IP(140, 82, 112, 0), 20, 60 },
	{ "www.bing.com", NULL, IP(13, 107, 21, 0), 24, 300 },
	{ "teams.microsoft.com", NULL, IP(52, 113, 0, 0), 16, 300 },
	{ "login.live.com", NULL, IP(20, 190, 128, 0), 18, 300 },
	/* Dell's preinstalled updater fetching its catalog */
	{ "downloads.dell.com", "downloads.dell.com.edgekey.net",
	    IP(23, 32, 0, 0), 11, 300 },
};
static const struct sim_task t_laptop[] = {
	{ SIM_TASK_HTTP, 0, 0, 0, 80, 3600, 0, 0, 0, "/connecttest.txt" },
	{ SIM_TASK_CHECKIN, 1, 0, 0, 443, 900, 0, 8000, 600, NULL },
	{ SIM_TASK_CHECKIN, 2, 0, 0, 443, 3600, 0, 900, 3000, NULL },
	{ SIM_TASK_CHECKIN, 9, 0, 0, 443, 3600, 0, 1800, 5000, NULL },
	{ SIM_TASK_CHECKIN, 10, 0, 0, 443, 3600, 0, 1200, 40000, NULL },
	{ SIM_TASK_KEEPALIVE, 4, 0, 0, 443, 300, 0, 400, 600, NULL },
	{ SIM_TASK_NTP, 3, 0, 0, 123, 7200, 0, 0, 0, NULL },
	{ SIM_TASK_BROWSE, 5, 4, SIM_TLS_CHROME + 1, 443, 600, 1, 2500,
	    300000, NULL },
	{ SIM_TASK_SSDP_SEARCH, 0, 0, 0, 0, 900, 0, 0, 0, NULL },
	{ SIM_TASK_MDNS_QUERY, 0, 0, 0, 0, 900, 0, 0, 0, NULL },
	{ SIM_TASK_LLMNR, 0, 0, 0, 0, 1800, 0, 0, 0, NULL },
	{ SIM_TASK_ARP, 0, 0, 0, 0, 600, 0, 0, 0, NULL },
};
static const char *const br_laptop[] = { "_googlecast._tcp.local" };

static const struct sim_kind kinds[SIM_K_COUNT] = {
	[SIM_K_CAMERA] = { "camera", "Wyze", "Wyze Labs Inc", "Wyze Cam v3",
	    "Linux", { 0x2c, 0xaa, 0x8e }, 0, SIM_OS_LINUX, SIM_TLS_OPENSSL, 0,
	    "WYZEC3-%s", "udhcp 1.27.2", prl_udhcp, N(prl_udhcp), 576, 1,
	    NULL, NULL, d_camera, N(d_camera), t_camera, N(t_camera), NULL, 0,
	    NULL, 0, NULL, NULL, NULL, 0 },
	[SIM_K_PLUG] = { "plug", "Shelly", "Espressif Inc.", "Shelly Plug S",
	    "Mongoose OS", { 0x84, 0xf3, 0xeb }, 0, SIM_OS_RTOS,
	    SIM_TLS_MBEDTLS, 0, "shellyplug-s-%s", NULL, prl_lwip, N(prl_lwip),
	    576, 0, NULL, NULL, d_plug, N(d_plug), t_plug, N(t_plug), s_plug,
	    N(s_plug), NULL, 0, NULL, NULL, NULL, 0 },
	[SIM_K_BULB] = { "bulb", "Tuya", "Tuya Smart Inc.",
	    "Smart LED Bulb (Tuya WB3S)", "FreeRTOS", { 0x1c, 0x90, 0xff }, 0,
	    SIM_OS_RTOS, SIM_TLS_MBEDTLS, 0, "wlan0", NULL, prl_tuya,
	    N(prl_tuya), 576, 0, NULL, NULL, d_bulb, N(d_bulb), t_bulb,
	    N(t_bulb), s_bulb, N(s_bulb), NULL, 0, NULL, NULL, NULL, 0 },
	[SIM_K_SPEAKER] = { "speaker", "Amazon", "Amazon Technologies Inc.",
	    "Echo Dot (4th Gen)", "Fire OS 7", { 0x68, 0xdb, 0xf5 }, 0,
	    SIM_OS_ANDROID, SIM_TLS_OPENSSL, 0, "amazon-%s",
	    "android-dhcp-9", prl_android, N(prl_android), 1500, 1, "h2",
	    NULL, d_speaker, N(d_speaker), t_speaker, N(t_speaker), s_speaker,
	    N(s_speaker), NULL, 0, NULL, NULL, NULL, 0 },
	[SIM_K_TV] = { "tv", "Sony", "Sony Corporation",
	    "BRAVIA 4K VH2 (Google TV)", "Android TV 10", { 0x54, 0x53, 0xed },
	    0, SIM_OS_ANDROID, SIM_TLS_CHROME, 0, "BRAVIA-4K-VH2-%s",
	    "android-dhcp-10", prl_android, N(prl_android), 1500, 1,
	    "h2,http/1.1", "Dalvik/2.1.0 (Linux; U; Android 10; BRAVIA 4K VH2 "
	    "Build/QTG3.200305.006.S292)", d_tv, N(d_tv), t_tv, N(t_tv), s_tv,
	    N(s_tv), NULL, 0, "Linux/4.19 UPnP/1.0 BRAVIA/1.0",
	    ":52323/dmr.xml", nt_tv, N(nt_tv) },
	[SIM_K_THERMOSTAT] = { "thermostat", "Google Nest", "Nest Labs Inc.",
	    "Nest Learning Thermostat (3rd gen)", "Linux",
	    { 0x18, 0xb4, 0x30 }, 0, SIM_OS_LINUX, SIM_TLS_OPENSSL, 0,
	    "Nest-Thermostat-%s", "dhcpcd-6.8.2:Linux-3.10.105:armv7l:Nest",
	    prl_dhcpcd, N(prl_dhcpcd), 1472, 1, NULL, NULL, d_thermostat,
	    N(d_thermostat), t_thermostat, N(t_thermostat), NULL, 0, NULL, 0,
	    NULL, NULL, NULL, 0 },
	[SIM_K_HUB] = { "hub", "Home Assistant", "Raspberry Pi Trading Ltd",
	    "Home Assistant (Raspberry Pi 4)", "Home Assistant OS 11",
	    { 0xdc, 0xa6, 0x32 }, 0, SIM_OS_LINUX, SIM_TLS_OPENSSL, 0,
	    "homeassistant", NULL, prl_nm, N(prl_nm), 0, 1, NULL,
	    "HomeAssistant/2023.11.2 aiohttp/3.8.5 Python/3.11", d_hub,
	    N(d_hub), t_hub, N(t_hub), s_hub, N(s_hub), br_hub, N(br_hub),
	    NULL, NULL, NULL, 0 },
	[SIM_K_PHONE] = { "phone", "Apple", "", "iPhone 14", "iOS 17",
	    { 0, 0, 0 }, 1, SIM_OS_APPLE, SIM_TLS_APPLE, 1, "iPhone", NULL,
	    prl_ios, N(prl_ios), 1500, 1, "h2,http/1.1",
	    "CaptiveNetworkSupport-481.0.1 wispr", d_phone, N(d_phone), t_phone,
	    N(t_phone), NULL, 0, br_phone, N(br_phone), NULL, NULL, NULL, 0 },
	[SIM_K_LAPTOP] = { "laptop", "Dell", "Intel Corporate",
	    "XPS 13 (Windows 11)", "Windows 11", { 0xac, 0xed, 0x5c }, 0,
	    SIM_OS_WINDOWS, SIM_TLS_SCHANNEL, 1, "DESKTOP-%s", "MSFT 5.0",
	    prl_windows, N(prl_windows), 0, 1, "h2,http/1.1", "Microsoft NCSI",
	    d_laptop, N(d_laptop), t_laptop, N(t_laptop), NULL, 0, br_laptop,
	    N(br_laptop), NULL, NULL, NULL, 0 },
};

const struct sim_kind *sim_kind_get(unsigned id)
{
	return &kinds[id % SIM_K_COUNT];
}

uint32_t sim_domain_ip(const struct sim_domain *d)
{
	uint32_t host = sim_hash_str(d->name);
	uint32_t size = d->plen >= 32 ? 1u : 1u << (32 - d->plen);
	uint32_t ip = d->net + host % size;

	/* keep clear of network and broadcast-looking host parts */
	if ((ip & 0xff) == 0 || (ip & 0xff) == 255)
		ip ^= 0x11;
	return ip;
}
