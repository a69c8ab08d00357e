/* ntp.c - NTP header parser (RFC 5905; modes 6/7 of RFC 1305 / ntpd).
 *
 * Modes 1..5 carry the 48-byte header: shorter is not NTP. Modes 6
 * (control) and 7 (private, e.g. the monlist queries of amplification
 * attacks) have their own 8-byte-and-up headers, so they are accepted from
 * 8 bytes and carry no stratum. Pure: bytes in, struct out. */
#include "proto/proto.h"

#include <string.h>

#define NTP_HDR     48
#define NTP_CTL_HDR  8

int proto_parse_ntp(const uint8_t *data, size_t len, struct app_ntp *out)
{
	uint8_t vn, mode;

	memset(out, 0, sizeof(*out));
	if (len < NTP_CTL_HDR)
		return -1;
	vn = (uint8_t)((data[0] >> 3) & 7);
	mode = (uint8_t)(data[0] & 7);
	if (vn < 1 || vn > 4 || mode == 0)
		return -1;
	if (mode < 6) {
		if (len < NTP_HDR)
			return -1;
		out->stratum = data[1];
	}
	out->version = vn;
	out->mode = mode;
	return 0;
}
