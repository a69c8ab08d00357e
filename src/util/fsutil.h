/* fsutil.h - small file-system helpers shared by the commands and the
 * sensor's start-up checks. */
#ifndef EW_FSUTIL_H
#define EW_FSUTIL_H

#include <sys/types.h>

/* mkdir -p: create dir and its missing parents with mode; directories it
 * creates are chowned to owner:group when owner != (uid_t)-1. 0 when dir
 * is (now) a directory, or -1 with errno (ENOTDIR when it is something
 * else). */
int fs_mkdirs(const char *dir, mode_t mode, uid_t owner, gid_t group);

#endif /* EW_FSUTIL_H */
