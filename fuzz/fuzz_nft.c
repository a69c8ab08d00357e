/* fuzz_nft.c - what reaches an nftables ruleset from untrusted text: the
 * quarantine validators (MAC, IP, key, duration, the store's "ips" list)
 * and nft_render on entries built from the raw input. Invariants: a
 * validated address is canonical (re-validating gives the same text), a
 * parsed duration is within bounds, and every set element line of the
 * ruleset holds only address and timeout characters (no quote, brace
 * inside, semicolon, newline or comment: nothing can be injected). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "policy/nft.h"
#include "policy/quarantine.h"

static void check_elements(const char *text)
{
	const char *p = text;
	while ((p = strstr(p, "elements = { ")) != NULL) {
		p += 13;
		for (; *p && *p != '}'; p++)
			if (!strchr("0123456789abcdefimoprstux:., ", *p))
				__builtin_trap();
		if (*p != '}')
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256], mac[MAC_STRLEN], ip[ADDR_STRLEN], again[ADDR_STRLEN],
	    key[QUAR_KEY_MAX], err[160], ips[4][ADDR_STRLEN];
	uint64_t secs;
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	struct nft_quar q[2];
	struct nft_input in;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	memcpy(s, data, n);
	s[n] = '\0';
	if (quar_norm_mac(s, mac) == 0 &&
	    (strlen(mac) != 17 || quar_norm_mac(mac, again) != 0 ||
	    strcmp(mac, again) != 0))
		__builtin_trap();
	if (quar_norm_ip(s, ip, NULL) == 0 &&
	    (quar_norm_ip(ip, again, NULL) != 0 || strcmp(ip, again) != 0))
		__builtin_trap();
	(void)quar_norm_key(s, key);
	if (quar_parse_duration(s, &secs, err, sizeof(err)) == 0 &&
	    (secs == 0 || secs > QUAR_DURATION_MAX_S))
		__builtin_trap();
	size_t k = quar_split_ips(s, ips, 4);
	for (size_t i = 0; i < k; i++)
		if (quar_norm_ip(ips[i], again, NULL) != 0)
			__builtin_trap();

	/* raw bytes straight into the entries, as a tampered store would */
	memset(q, 0, sizeof(q));
	memcpy(q[0].d.mac, s, n < MAC_STRLEN - 1 ? n : MAC_STRLEN - 1);
	for (size_t i = 0; i < 3 && i * 20 < n; i++) {
		size_t m = n - i * 20 < ADDR_STRLEN - 1 ? n - i * 20 :
		    ADDR_STRLEN - 1;
		memcpy(q[0].d.ips[i], s + i * 20, m);
		q[0].d.nips++;
	}
	q[0].since = size > 0 ? data[0] * 1000000ull : 0;
	q[0].until = size > 1 ? data[1] * 100000000ull : 0;
	q[1].d.nips = k;
	memcpy(q[1].d.ips, ips, sizeof(ips));
	q[1].until = secs;
	memset(&in, 0, sizeof(in));
	in.q = q;
	in.nq = 2;
	in.now_s = 1000;
	fp = open_memstream(&buf, &len);
	if (!fp)
		return 0;
	if (nft_render(&in, fp, err, sizeof(err)) == 0) {
		fclose(fp);
		check_elements(buf);
	} else {
		fclose(fp);
	}
	free(buf);
	return 0;
}
