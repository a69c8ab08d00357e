/* ssh.c - the SSH identification line ("SSH-2.0-OpenSSH_8.4p1 ..."),
 * sent in clear by both sides before key exchange (RFC 4253 4.2). */
#include <string.h>

#include "proto/proto_tcp.h"

int proto_parse_ssh_banner(const uint8_t *data, size_t len,
    struct app_ssh *out)
{
	memset(out, 0, sizeof(*out));
	/* "SSH-" protoversion "-": 1.x, 1.99 or 2.0 */
	if (!data || len < 8 || memcmp(data, "SSH-", 4) != 0 ||
	    data[4] < '1' || data[4] > '2' || data[5] != '.')
		return -1;
	size_t e = 0;
	while (e < len && data[e] != '\r' && data[e] != '\n')
		e++;
	proto_copy_str(out->banner, sizeof(out->banner), data, e);
	return 0;
}
