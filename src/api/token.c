/* token.c - the API's bearer token file: created once with 32 random
 * bytes (0600, O_EXCL so an existing file or a planted symlink is never
 * written through), read on every start. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api_int.h"

void api_token_default_path(const char *store_path, char *out, size_t size)
{
	const char *slash = store_path ? strrchr(store_path, '/') : NULL;
	if (!slash)
		snprintf(out, size, "api.token");
	else if (slash == store_path)
		snprintf(out, size, "/api.token");
	else
		snprintf(out, size, "%.*s/api.token",
		    (int)(slash - store_path), store_path);
}

static int create_token(const char *path, char *tok, size_t tokcap,
    char *err, size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[32];
	char line[sizeof(raw) * 2 + 2];
	int fd;

	if (tokcap < sizeof(raw) * 2 + 1 || getentropy(raw, sizeof(raw)) != 0) {
		snprintf(err, errlen, "%s: cannot make a token: %s", path,
		    strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		line[2 * i] = hex[raw[i] >> 4];
		line[2 * i + 1] = hex[raw[i] & 15];
	}
	line[sizeof(raw) * 2] = '\n';
	line[sizeof(raw) * 2 + 1] = '\0';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", path,
		    strerror(errno));
		return -1;
	}
	/* umask may have cleared bits but never adds any; make it exact */
	if (fchmod(fd, 0600) != 0 ||
	    write(fd, line, sizeof(raw) * 2 + 1) != (ssize_t)(sizeof(raw) * 2 + 1) ||
	    fsync(fd) != 0) {
		snprintf(err, errlen, "%s: cannot write: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	memcpy(tok, line, sizeof(raw) * 2);
	tok[sizeof(raw) * 2] = '\0';
	return 0;
}

int api_token_load(const char *path, char *tok, size_t tokcap, int *created,
    char *err, size_t errlen)
{
	char buf[API_TOKEN_MAX + 3];
	struct stat sb;
	ssize_t n;
	size_t len;
	int fd;

	*created = 0;
	if (tokcap <= API_TOKEN_MAX) {
		snprintf(err, errlen, "token: buffer too small");
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		if (create_token(path, tok, tokcap, err, errlen) != 0)
			return -1;
		*created = 1;
		return 0;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len < API_TOKEN_MIN || len > API_TOKEN_MAX) {
		snprintf(err, errlen, "%s: the token must be %d to %d printable "
		    "characters on one line", path, API_TOKEN_MIN, API_TOKEN_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] <= 0x20 || buf[i] >= 0x7f) {
			snprintf(err, errlen, "%s: the token must be %d to %d "
			    "printable characters on one line (no spaces)", path,
			    API_TOKEN_MIN, API_TOKEN_MAX);
			return -1;
		}
	memcpy(tok, buf, len);
	tok[len] = '\0';
	return 0;
}
