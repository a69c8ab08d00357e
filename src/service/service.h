/* service.h - what turns edgeward into a long-running sensor: privilege
 * drop, seccomp sandbox, directory checks and the configuration file.
 *
 * Start-up order for `edgeward run` (OpenBSD ntpd's): load the config file,
 * open the capture (cap_open_live), the store and the logs, check that the
 * log/store directories will stay writable (svc_check_writable), then
 * svc_drop_privileges and svc_sandbox, and only then decode the first
 * packet. All functions write a one-line reason into err (no program
 * name, no trailing newline) and never exit. */
#ifndef EW_SERVICE_H
#define EW_SERVICE_H

#include <stddef.h>

struct option;		/* <getopt.h> */

/* Become `user` (NULL = SVC_DEFAULT_USER): supplementary groups of that
 * user, its gid and uid (setres*id, all three ids), keeping only
 * CAP_NET_RAW (plus CAP_NET_ADMIN when keep_net_admin) in the permitted and
 * effective sets, everything else removed from the bounding set, no
 * ambient or inheritable capabilities, PR_SET_NO_NEW_PRIVS. Verifies
 * afterwards that uid 0 cannot be regained.
 *   0  done;
 *   1  done but nothing was dropped that matters: user is "root" (uid 0);
 *      capabilities are trimmed all the same, err holds a warning to print;
 *  -1  error (unknown user, not permitted, verification failed): err says
 *      why and the caller must not go on capturing.
 * Already running as that (non-root) user: only the capabilities are
 * trimmed. Capabilities are per thread: threads created earlier (e.g. the
 * store writer) follow the uid change but lose all their capabilities
 * (they never held PR_SET_KEEPCAPS), which is what we want. */
int svc_drop_privileges(const char *user, int keep_net_admin, char *err,
    size_t errlen);

/* Install the seccomp filter (libseccomp, all threads): every system call
 * is allowed except those a sensor never needs (execve, ptrace, mount,
 * module loading, bpf, keyrings, namespaces, set*id, reboot, ...), which
 * fail with EPERM. Call after svc_drop_privileges. 0, or -1 with err. */
int svc_sandbox(char *err, size_t errlen);

/* Check that `dir` exists (creating it, and missing parents, with mode
 * 0750 if needed; when running as root the directories created are given
 * to `user`) and that `user` (NULL = the current user) can create a file
 * in it: a real test file is created and removed, as that user (in a
 * forked child when running as root and user is someone else). Works
 * before and after svc_drop_privileges.
 * 0, or -1 with err starting "directory DIR is not writable by user USER
 * (owner O, mode 0755)" or "cannot create directory DIR: ..." so the
 * caller can prefix what it is ("log ", "store ").
 * For a file (the store), pass its directory. */
int svc_check_writable(const char *dir, const char *user, char *err,
    size_t errlen);

/* Configuration file -> extra argv of long options, parsed by the same
 * getopt table as the command line (command line wins: put the file's
 * options first, then the command line's).
 *
 * The file is one JSON object (read with jansson); lines whose first
 * non-blank character is '#' are comments. Keys are the long options of
 * `edgeward run`, '_' or '-' alike:
 *   "log_dir": "/var/log/edgeward"   -> "--log-dir=/var/log/edgeward"
 *   "flow-memcap": 67108864          -> "--flow-memcap=67108864"
 *   "promisc": true                  -> "--promisc"   (false: omitted)
 *   "check_off": ["scan", "flood"]   -> "--check-off=scan" "--check-off=flood"
 *   "set": {"scan.min_ports": 20}    -> "--set=scan.min_ports=20"
 *   "set": {"dhcp.rogue": false}     -> "--set=dhcp.rogue=0" (true: =1)
 *   "set": ["a.b=1"] or "a.b=1"      -> "--set=a.b=1" (as on the command line)
 *   "bpf": null                      -> omitted (same as absent)
 * A file holding only comments and blanks gives no options.
 *
 * On success *argv is a NULL-terminated array of *argc strings WITHOUT a
 * program name; the caller owns it and releases it with svc_conf_free
 * after the last use of any string in it (option parsers keep pointers
 * into argv). On error returns -1, *argc = 0, *argv = NULL and err reads
 * "PATH:LINE: what" (LINE when one can be named).
 *
 * svc_conf_load passes unknown keys through (getopt then reports them
 * without a line number); svc_conf_load_opts checks every key against
 * `opts` (the getopt_long table, zero-terminated) and rejects unknown
 * keys, values for switches (no_argument) other than true/false/null, and
 * true/false for options that need a value, with the line. Always
 * rejected: keys "config" (no includes) and "help", keys that are not
 * [A-Za-z0-9][A-Za-z0-9_-]*, nested arrays/objects where a scalar is
 * expected, duplicate keys, files over SVC_CONF_MAX_BYTES. */
int svc_conf_load(const char *path, int *argc, char ***argv, char *err,
    size_t errlen);
int svc_conf_load_opts(const char *path, const struct option *opts,
    int *argc, char ***argv, char *err, size_t errlen);
/* Same from memory (fuzzing, tests); `name` stands for PATH in messages. */
int svc_conf_parse(const char *text, size_t len, const char *name,
    const struct option *opts, int *argc, char ***argv, char *err,
    size_t errlen);
/* Frees what svc_conf_load* returned; NULL is a no-op. */
void svc_conf_free(int argc, char **argv);

#endif /* EW_SERVICE_H */
