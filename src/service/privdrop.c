/* privdrop.c - become an unprivileged user that keeps only the capability
 * to capture, and check the directories it must write to. */
#define _GNU_SOURCE	/* setresuid, setresgid, getresuid, getgrouplist */
#include "service/service.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "util/alloc.h"
#include "util/fsutil.h"

/* What we need to know about a user, copied out of the passwd buffer. */
struct svc_user {
	char name[64];
	uid_t uid;
	gid_t gid;
};

#define SVC_MAX_GROUPS 64

/* getpwnam_r into *u: 0, or -1 with err. */
static int lookup_user(const char *name, struct svc_user *u, char *err,
    size_t errlen)
{
	char buf[16384];
	struct passwd pw, *res = NULL;

	if (strlen(name) >= sizeof(u->name)) {
		snprintf(err, errlen, "user name '%.40s...' too long", name);
		return -1;
	}
	int r = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (r != 0 || !res) {
		if (r != 0 && r != ENOENT && r != ESRCH)
			snprintf(err, errlen, "cannot look up user '%s': %s",
			    name, strerror(r));
		else
			snprintf(err, errlen, "unknown user '%s' (create it, "
			    "or name another with --user)", name);
		return -1;
	}
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	return 0;
}

/* Name of uid for messages ("#123" when it has none). */
static void uid_name(uid_t uid, char *out, size_t outlen)
{
	char buf[16384];
	struct passwd pw, *res = NULL;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, outlen, "%s", pw.pw_name);
	else
		snprintf(out, outlen, "#%lu", (unsigned long)uid);
}

/* The user's supplementary groups (its primary group included). NSS is
 * consulted here, never in a forked child (see can_create). */
static void user_groups(const struct svc_user *u, gid_t *groups, int *n)
{
	int cap = *n;
	if (getgrouplist(u->name, u->gid, groups, n) < 0) {
		/* More than we keep: the first SVC_MAX_GROUPS will do for a
		 * sensor account (nobody has one). */
		*n = cap;
	}
	if (*n < 1) {
		groups[0] = u->gid;
		*n = 1;
	}
}

/* Remove every capability but keep[] from the bounding set. Needs
 * CAP_SETPCAP; without it (already unprivileged) the bounding set stays,
 * which PR_SET_NO_NEW_PRIVS and the sandbox make harmless. */
static int drop_bounding(const cap_value_t *keep, int nkeep, char *err,
    size_t errlen)
{
	for (int c = 0; c < 64; c++) {
		int kept = 0;
		for (int k = 0; k < nkeep; k++)
			kept |= keep[k] == c;
		if (kept)
			continue;
		if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) < 0)
			break;	/* EINVAL: past the kernel's last capability */
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) {
			if (errno == EPERM)
				return 0;
			snprintf(err, errlen, "cannot trim the capability "
			    "bounding set: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Permitted and effective = keep[] (those we hold), nothing inheritable
 * or ambient. */
static int trim_caps(const cap_value_t *keep, int nkeep, char *err,
    size_t errlen)
{
	cap_value_t have[2];
	int nhave = 0;
	cap_t cur = cap_get_proc();
	cap_t caps = cap_init();

	if (!cur || !caps) {
		snprintf(err, errlen, "cannot read capabilities: %s",
		    strerror(errno));
		goto fail;
	}
	for (int k = 0; k < nkeep; k++) {
		cap_flag_value_t v = CAP_CLEAR;
		if (cap_get_flag(cur, keep[k], CAP_PERMITTED, &v) == 0 &&
		    v == CAP_SET)
			have[nhave++] = keep[k];
	}
	if (nhave &&
	    (cap_set_flag(caps, CAP_PERMITTED, nhave, have, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, nhave, have, CAP_SET) < 0)) {
		snprintf(err, errlen, "cannot build capability set");
		goto fail;
	}
	/* Ambient capabilities would survive an execve; kernels before 4.3
	 * have none (EINVAL), fine. */
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (cap_set_proc(caps) < 0) {
		snprintf(err, errlen, "cannot set capabilities: %s",
		    strerror(errno));
		goto fail;
	}
	cap_free(cur);
	cap_free(caps);
	return 0;
fail:
	if (cur)
		cap_free(cur);
	if (caps)
		cap_free(caps);
	return -1;
}

/* Only keep[] may remain effective or permitted. */
static int verify_caps(const cap_value_t *keep, int nkeep)
{
	cap_t cur = cap_get_proc();
	int ok = cur != NULL;

	for (int c = 0; ok && c <= CAP_LAST_CAP; c++) {
		int kept = 0;
		for (int k = 0; k < nkeep; k++)
			kept |= keep[k] == c;
		cap_flag_value_t p = CAP_CLEAR, e = CAP_CLEAR;
		if (cap_get_flag(cur, (cap_value_t)c, CAP_PERMITTED, &p) < 0 ||
		    cap_get_flag(cur, (cap_value_t)c, CAP_EFFECTIVE, &e) < 0)
			ok = 0;
		else if (!kept && (p == CAP_SET || e == CAP_SET))
			ok = 0;
	}
	if (cur)
		cap_free(cur);
	return ok ? 0 : -1;
}

int svc_drop_privileges(const char *user, int keep_net_admin, char *err,
    size_t errlen)
{
	const cap_value_t keep[2] = { CAP_NET_RAW, CAP_NET_ADMIN };
	int nkeep = keep_net_admin ? 2 : 1;
	struct svc_user u;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (errlen)
		err[0] = '\0';
	if (!user || !*user)
		user = SVC_DEFAULT_USER;
	if (lookup_user(user, &u, err, errlen) < 0)
		return -1;
	if (getresuid(&ruid, &euid, &suid) < 0) {
		snprintf(err, errlen, "getresuid: %s", strerror(errno));
		return -1;
	}
	int switching = ruid != u.uid || euid != u.uid || suid != u.uid;

	if (drop_bounding(keep, nkeep, err, errlen) < 0)
		return -1;
	if (switching) {
		gid_t groups[SVC_MAX_GROUPS];
		int ng = SVC_MAX_GROUPS;
		user_groups(&u, groups, &ng);
		if (setgroups((size_t)ng, groups) < 0 ||
		    setresgid(u.gid, u.gid, u.gid) < 0) {
			snprintf(err, errlen, "cannot switch to user %s's groups: "
			    "%s (start as root)", u.name, strerror(errno));
			return -1;
		}
		/* Keep the permitted set across the uid change; trim_caps then
		 * reduces it to what capturing needs. */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
		    setresuid(u.uid, u.uid, u.uid) < 0) {
			snprintf(err, errlen, "cannot switch to user %s: %s "
			    "(start as root)", u.name, strerror(errno));
			return -1;
		}
		(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	}
	if (trim_caps(keep, nkeep, err, errlen) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s",
		    strerror(errno));
		return -1;
	}

	/* Trust, but verify (OpenSSH's permanently_set_uid does the same). */
	if (getresuid(&ruid, &euid, &suid) < 0 ||
	    getresgid(&rgid, &egid, &sgid) < 0 ||
	    ruid != u.uid || euid != u.uid || suid != u.uid ||
	    (switching && (rgid != u.gid || egid != u.gid || sgid != u.gid))) {
		snprintf(err, errlen, "privilege drop to %s did not take "
		    "effect; refusing to continue", u.name);
		return -1;
	}
	if (u.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "could regain root after dropping to %s; "
		    "refusing to continue", u.name);
		return -1;
	}
	if (verify_caps(keep, nkeep) < 0) {
		snprintf(err, errlen, "capabilities beyond CAP_NET_RAW%s remain "
		    "after the drop; refusing to continue",
		    keep_net_admin ? "/CAP_NET_ADMIN" : "");
		return -1;
	}
	if (u.uid == 0) {
		snprintf(err, errlen, "running as root (user '%s'): only "
		    "capabilities were trimmed; use an unprivileged --user",
		    u.name);
		return 1;
	}
	return 0;
}

/* Create and remove a file in dir: 0, or the errno. When as is non-NULL
 * the attempt runs in a child that becomes that user first (only system
 * calls after fork: the parent may have threads). */
static int can_create(const char *dir, const struct svc_user *as)
{
	char path[4200];
	gid_t groups[SVC_MAX_GROUPS];
	int ng = SVC_MAX_GROUPS;

	snprintf(path, sizeof(path), "%s/.edgeward-write-test.%ld", dir,
	    (long)getpid());
	if (!as) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd < 0)
			return errno;
		close(fd);
		unlink(path);
		return 0;
	}
	user_groups(as, groups, &ng);
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		if (setgroups((size_t)ng, groups) < 0 ||
		    setresgid(as->gid, as->gid, as->gid) < 0 ||
		    setresuid(as->uid, as->uid, as->uid) < 0)
			_exit(255);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd < 0)
			_exit(errno & 0xff);
		close(fd);
		unlink(path);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return errno;
	if (!WIFEXITED(status))
		return EIO;
	int code = WEXITSTATUS(status);
	return code == 255 ? EPERM : code;
}

int svc_check_writable(const char *dir, const char *user, char *err,
    size_t errlen)
{
	struct svc_user u, *as = NULL;
	struct stat st;
	char uname[64], oname[64];

	if (errlen)
		err[0] = '\0';
	if (!dir || !*dir) {
		snprintf(err, errlen, "no directory given");
		return -1;
	}
	if (user && *user) {
		if (lookup_user(user, &u, err, errlen) < 0)
			return -1;
		snprintf(uname, sizeof(uname), "%s", u.name);
		/* Only root can test on another user's behalf; anyone else is
		 * about to be (or already is) the user that matters. */
		if (geteuid() == 0 && u.uid != 0)
			as = &u;
	} else {
		uid_name(geteuid(), uname, sizeof(uname));
	}

	if (stat(dir, &st) < 0) {
		if (errno != ENOENT ||
		    fs_mkdirs(dir, 0750, as ? as->uid : (uid_t)-1,
		    as ? as->gid : (gid_t)-1) < 0 ||
		    stat(dir, &st) < 0) {
			snprintf(err, errlen, "cannot create directory %s: %s",
			    dir, strerror(errno));
			return -1;
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -1;
	}
	int e = can_create(dir, as);
	if (e == 0)
		return 0;
	uid_name(st.st_uid, oname, sizeof(oname));
	/* The directory's own bits allow it: then a parent directory is what
	 * the user cannot enter (e.g. a 0700 mktemp directory above it). */
	int own_ok = (as && st.st_uid == as->uid &&
	    (st.st_mode & 0300) == 0300) || (st.st_mode & 0003) == 0003;
	if (e == EACCES || e == EPERM || e == EROFS)
		snprintf(err, errlen, "directory %s is not writable by user %s "
		    "(owner %s, mode %04o%s)", dir, uname, oname,
		    (unsigned)(st.st_mode & 07777),
		    e == EROFS ? ", read-only file system" :
		    e == EACCES && own_ok ? "; a parent directory is not "
		    "searchable by that user" : "");
	else
		snprintf(err, errlen, "directory %s is not writable by user %s "
		    "(owner %s, mode %04o): %s", dir, uname, oname,
		    (unsigned)(st.st_mode & 07777), strerror(e));
	return -1;
}
