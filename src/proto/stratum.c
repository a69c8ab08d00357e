/* stratum.c - mining pool JSON-RPC (Stratum v1 "mining.*", the XMRig /
 * CryptoNote "login"/"submit"/"job" dialect, Ethereum's "eth_submitLogin"
 * and "eth_getWork"): the method and the miner's agent string. Not a JSON
 * parser: a bounded search for a few keys in the first line of a segment
 * that starts with '{', which is all detection needs and costs nothing on
 * other traffic. */
#include <string.h>

#include "proto/proto_tcp.h"

#define STRATUM_SCAN_MAX 4096	/* bytes of a segment searched */

static const char *const stratum_methods[] = {
	"mining.subscribe", "mining.authorize", "mining.submit",
	"mining.notify", "mining.set_difficulty", "mining.configure",
	"mining.extranonce.subscribe", "mining.set_extranonce",
	"login", "submit", "job", "getjob", "keepalived",
	/* Ethereum stratum proxies (EthereumStratum / getwork over TCP) */
	"eth_submitLogin", "eth_getWork", "eth_submitWork",
	"eth_submitHashrate",
};

/* Offset just past `"key"` followed by optional spaces, ':' and spaces,
 * at an opening quote; 0 when absent. */
static size_t find_key(const uint8_t *d, size_t n, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl + 2 <= n; i++) {
		if (d[i] != '"' || memcmp(d + i + 1, key, kl) != 0 ||
		    d[i + 1 + kl] != '"')
			continue;
		size_t j = i + kl + 2;
		while (j < n && d[j] == ' ')
			j++;
		if (j >= n || d[j] != ':')
			continue;
		j++;
		while (j < n && d[j] == ' ')
			j++;
		if (j < n && d[j] == '"')
			return j + 1;
	}
	return 0;
}

/* The string value starting at off (up to the closing quote). */
static size_t str_len(const uint8_t *d, size_t n, size_t off)
{
	size_t e = off;
	while (e < n && d[e] != '"' && d[e] != '\\')
		e++;
	return e - off;
}

int proto_parse_stratum(const uint8_t *data, size_t len,
    struct app_stratum *out)
{
	memset(out, 0, sizeof(*out));
	if (!data || len < 2 || data[0] != '{')
		return -1;
	if (len > STRATUM_SCAN_MAX)
		len = STRATUM_SCAN_MAX;
	size_t n = 0;
	while (n < len && data[n] != '\n')
		n++;			/* one JSON-RPC message per line */
	size_t m = find_key(data, n, "method");
	if (!m)
		return -1;
	size_t ml = str_len(data, n, m);
	int known = 0;
	for (size_t i = 0;
	    i < sizeof(stratum_methods) / sizeof(stratum_methods[0]); i++)
		if (strlen(stratum_methods[i]) == ml &&
		    memcmp(data + m, stratum_methods[i], ml) == 0)
			known = 1;
	if (!known)
		return -1;
	/* "login", "submit", "job" are common JSON-RPC names: the CryptoNote
	 * dialect also carries one of its own parameter names. */
	if (memcmp(data + m, "mining.", ml < 7 ? ml : 7) != 0 &&
	    memcmp(data + m, "eth_", ml < 4 ? ml : 4) != 0 &&
	    !(ml == 10 && memcmp(data + m, "keepalived", 10) == 0)) {
		static const char *const keys[] = { "\"agent\"", "\"job_id\"",
			"\"blob\"", "\"nonce\"", "\"algo\"" };
		int ev = 0;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]) && !ev;
		    k++) {
			size_t kl = strlen(keys[k]);
			for (size_t i = 0; i + kl <= n && !ev; i++)
				ev = memcmp(data + i, keys[k], kl) == 0;
		}
		if (!ev)
			return -1;
	}
	proto_copy_str(out->method, sizeof(out->method), data + m, ml);
	size_t a = find_key(data, n, "agent");
	if (a)
		proto_copy_str(out->agent, sizeof(out->agent), data + a,
		    str_len(data, n, a));
	else if (ml == 16 && memcmp(data + m, "mining.subscribe", 16) == 0) {
		/* Stratum v1: params[0] is the user agent */
		for (size_t i = 0; i + 10 <= n; i++) {
			if (memcmp(data + i, "\"params\"", 8) != 0)
				continue;
			size_t j = i + 8;
			while (j < n && (data[j] == ' ' || data[j] == ':'))
				j++;
			if (j < n && data[j] == '[') {
				j++;
				while (j < n && data[j] == ' ')
					j++;
				if (j < n && data[j] == '"')
					proto_copy_str(out->agent,
					    sizeof(out->agent), data + j + 1,
					    str_len(data, n, j + 1));
			}
			break;
		}
	}
	return 0;
}
