/* test_service.c - privilege drop, seccomp sandbox, directory checks.
 *
 * Dropping privileges and installing a filter cannot be undone, so each
 * case runs in a forked child that reports "ok" or what went wrong over a
 * pipe. Cases that need root skip cleanly without it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "service/service.h"

#include "unit/tmpdir.h"

static int wfd = -1;	/* the child's end of the report pipe */

/* In the child: report a failure and leave. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2), noreturn))
#endif
static void child_fail(const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && write(wfd, msg, (size_t)n < sizeof(msg) ? (size_t)n :
	    sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(1);
}

#define CHILD_CHECK(cond, ...) do { if (!(cond)) child_fail(__VA_ARGS__); } \
	while (0)

/* Run fn in a child; returns what it reported ("ok" when it returned). */
static const char *in_child(void (*fn)(void *), void *arg)
{
	static char buf[600];
	int p[2];

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		wfd = p[1];
		fn(arg);
		if (write(wfd, "ok", 2) != 2)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while ((r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	close(p[0]);
	buf[n] = '\0';
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (n == 0)
		snprintf(buf, sizeof(buf), "child died (status %d)", status);
	return buf;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static int has_cap(cap_value_t c, cap_flag_t set)
{
	cap_t cur = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;
	if (cur) {
		cap_get_flag(cur, c, set, &v);
		cap_free(cur);
	}
	return v == CAP_SET;
}

/* ---- svc_drop_privileges ---------------------------------------------- */

static void drop_to_nobody(void *arg)
{
	int keep_admin = *(int *)arg;
	char err[256];
	struct passwd *pw = getpwnam("nobody");
	CHILD_CHECK(pw, "no user nobody on this system");

	int r = svc_drop_privileges("nobody", keep_admin, err, sizeof(err));
	CHILD_CHECK(r == 0, "drop returned %d: %s", r, err);
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	CHILD_CHECK(ru == pw->pw_uid && eu == pw->pw_uid && su == pw->pw_uid,
	    "uids %u/%u/%u", ru, eu, su);
	CHILD_CHECK(rg == pw->pw_gid && eg == pw->pw_gid && sg == pw->pw_gid,
	    "gids %u/%u/%u", rg, eg, sg);
	gid_t groups[64];
	int ng = getgroups(64, groups);
	for (int i = 0; i < ng; i++)
		CHILD_CHECK(groups[i] != 0, "still in group root");
	CHILD_CHECK(setuid(0) < 0 && errno == EPERM, "setuid(0) worked");
	CHILD_CHECK(open("/etc/shadow", O_RDONLY) < 0, "can read /etc/shadow");

	CHILD_CHECK(has_cap(CAP_NET_RAW, CAP_PERMITTED) &&
	    has_cap(CAP_NET_RAW, CAP_EFFECTIVE), "CAP_NET_RAW lost");
	CHILD_CHECK(has_cap(CAP_NET_ADMIN, CAP_EFFECTIVE) == keep_admin,
	    "CAP_NET_ADMIN effective %d, wanted %d",
	    has_cap(CAP_NET_ADMIN, CAP_EFFECTIVE), keep_admin);
	CHILD_CHECK(!has_cap(CAP_SYS_ADMIN, CAP_PERMITTED) &&
	    !has_cap(CAP_DAC_OVERRIDE, CAP_PERMITTED) &&
	    !has_cap(CAP_SETUID, CAP_PERMITTED), "kept other capabilities");
	CHILD_CHECK(prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) == 0,
	    "CAP_SYS_ADMIN still in the bounding set");
	CHILD_CHECK(prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0) == 1,
	    "CAP_NET_RAW left the bounding set");
	CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1,
	    "no_new_privs not set");
	CHILD_CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0,
	    "keepcaps left on");

	/* Already that user: only trims, still succeeds. */
	r = svc_drop_privileges("nobody", 0, err, sizeof(err));
	CHILD_CHECK(r == 0, "second drop returned %d: %s", r, err);
	CHILD_CHECK(!has_cap(CAP_NET_ADMIN, CAP_PERMITTED),
	    "CAP_NET_ADMIN survived the trim");
	CHILD_CHECK(has_cap(CAP_NET_RAW, CAP_EFFECTIVE), "CAP_NET_RAW lost");
	/* ... and cannot become someone else any more. */
	r = svc_drop_privileges("root", 0, err, sizeof(err));
	CHILD_CHECK(r == -1 && strstr(err, "cannot switch"),
	    "switch back to root returned %d: %s", r, err);
}

static void test_drop_nobody(void **state)
{
	(void)state;
	need_root();
	int keep = 0;
	assert_string_equal(in_child(drop_to_nobody, &keep), "ok");
	keep = 1;
	assert_string_equal(in_child(drop_to_nobody, &keep), "ok");
}

static void drop_unknown(void *arg)
{
	(void)arg;
	char err[256];
	int r = svc_drop_privileges("no-such-user-ew", 0, err, sizeof(err));
	CHILD_CHECK(r == -1, "returned %d", r);
	CHILD_CHECK(strstr(err, "unknown user 'no-such-user-ew'"), "err: %s",
	    err);
	/* nothing changed */
	CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0,
	    "no_new_privs set on failure");
	CHILD_CHECK(geteuid() == getuid(), "ids changed");
}

static void test_drop_unknown_user(void **state)
{
	(void)state;
	assert_string_equal(in_child(drop_unknown, NULL), "ok");
}

static void drop_root(void *arg)
{
	(void)arg;
	char err[256];
	int r = svc_drop_privileges("root", 0, err, sizeof(err));
	CHILD_CHECK(r == 1, "returned %d: %s", r, err);
	CHILD_CHECK(strstr(err, "running as root"), "warning: %s", err);
	CHILD_CHECK(geteuid() == 0, "no longer root");
	CHILD_CHECK(!has_cap(CAP_SYS_ADMIN, CAP_EFFECTIVE) &&
	    has_cap(CAP_NET_RAW, CAP_EFFECTIVE), "capabilities not trimmed");
	/* root without CAP_DAC_OVERRIDE cannot read a 0000 file of another
	 * owner */
	CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1,
	    "no_new_privs not set");
}

static void test_drop_root_warns(void **state)
{
	(void)state;
	need_root();
	assert_string_equal(in_child(drop_root, NULL), "ok");
}

/* ---- svc_sandbox -------------------------------------------------------- */

static void sandboxed(void *arg)
{
	(void)arg;
	char err[256], path[128];
	if (svc_sandbox(err, sizeof(err)) < 0)
		child_fail("sandbox: %s", err);

	/* normal work goes on: files, memory, sockets, time */
	snprintf(path, sizeof(path), "%s/sandboxed.txt", dir);
	FILE *fp = fopen(path, "w");
	CHILD_CHECK(fp, "fopen: %s", strerror(errno));
	CHILD_CHECK(fprintf(fp, "still works\n") > 0, "fprintf");
	CHILD_CHECK(fclose(fp) == 0, "fclose");
	CHILD_CHECK(rename(path, path) == 0, "rename");
	void *m = malloc(1 << 24);
	CHILD_CHECK(m, "malloc");
	free(m);
	pid_t pid = fork();	/* clone without namespace flags */
	CHILD_CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);

	/* what a sensor never needs */
	char *const av[] = { (char *)"/bin/true", NULL };
	errno = 0;
	CHILD_CHECK(execv("/bin/true", av) < 0 && errno == EPERM,
	    "execve: %s", strerror(errno));
	errno = 0;
	CHILD_CHECK(unshare(CLONE_NEWNET) < 0 && errno == EPERM,
	    "unshare: %s", strerror(errno));
	errno = 0;
	CHILD_CHECK(unshare(CLONE_NEWUSER) < 0 && errno == EPERM,
	    "unshare user: %s", strerror(errno));
	errno = 0;
	CHILD_CHECK(setuid(0) < 0 && errno == EPERM, "setuid: %s",
	    strerror(errno));
	errno = 0;
	CHILD_CHECK(chroot("/") < 0 && errno == EPERM, "chroot: %s",
	    strerror(errno));
	errno = 0;
	CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1,
	    "no_new_privs not set");
}

static void test_sandbox(void **state)
{
	(void)state;
	assert_string_equal(in_child(sandboxed, NULL), "ok");
	char path[128];
	snprintf(path, sizeof(path), "%s/sandboxed.txt", dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	char line[32] = "";
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	assert_string_equal(line, "still works\n");
}

/* The full start-up order: drop to nobody, then the sandbox. */
static void drop_then_sandbox(void *arg)
{
	(void)arg;
	char err[256];
	int r = svc_drop_privileges("nobody", 0, err, sizeof(err));
	CHILD_CHECK(r == 0, "drop: %s", err);
	CHILD_CHECK(svc_sandbox(err, sizeof(err)) == 0, "sandbox: %s", err);
	char *const av[] = { (char *)"/bin/true", NULL };
	CHILD_CHECK(execv("/bin/true", av) < 0 && errno == EPERM, "execve");
	CHILD_CHECK(has_cap(CAP_NET_RAW, CAP_EFFECTIVE), "CAP_NET_RAW lost");
}

static void test_drop_then_sandbox(void **state)
{
	(void)state;
	need_root();
	assert_string_equal(in_child(drop_then_sandbox, NULL), "ok");
}

/* ---- svc_check_writable ------------------------------------------------- */

static void test_writable(void **state)
{
	(void)state;
	char d[160], err[512];

	/* current user, existing directory */
	assert_int_equal(svc_check_writable(dir, NULL, err, sizeof(err)), 0);

	/* missing nested directory: created */
	snprintf(d, sizeof(d), "%s/a/b/c", dir);
	assert_int_equal(svc_check_writable(d, NULL, err, sizeof(err)), 0);
	struct stat st;
	assert_int_equal(stat(d, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0750 & ~(mode_t)0);

	/* a file is not a directory */
	snprintf(d, sizeof(d), "%s/file", dir);
	FILE *fp = fopen(d, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(svc_check_writable(d, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a directory"));

	/* unknown user */
	assert_int_equal(svc_check_writable(dir, "no-such-user-ew", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown user"));
}

static void test_writable_other_user(void **state)
{
	(void)state;
	char d[160], want[300], err[512];
	need_root();
	struct passwd *pw = getpwnam("nobody");
	if (!pw)
		skip();

	/* root's 0755 directory: nobody cannot write there */
	snprintf(d, sizeof(d), "%s/rootonly", dir);
	assert_int_equal(mkdir(d, 0755), 0);
	assert_int_equal(chmod(d, 0755), 0);
	/* the scratch dir itself must be traversable by nobody */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(svc_check_writable(d, "nobody", err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "directory %s is not writable by user "
	    "nobody (owner root, mode 0755)", d);
	assert_string_equal(err, want);
	/* root itself may */
	assert_int_equal(svc_check_writable(d, "root", err, sizeof(err)), 0);

	/* world-writable: fine, and the test file is gone afterwards */
	assert_int_equal(chmod(d, 01777), 0);
	assert_int_equal(svc_check_writable(d, "nobody", err, sizeof(err)),
	    0);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", d);
	assert_int_equal(system(cmd), 0);

	/* missing: created and handed to nobody */
	snprintf(d, sizeof(d), "%s/new/log", dir);
	assert_int_equal(svc_check_writable(d, "nobody", err, sizeof(err)),
	    0);
	struct stat st;
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);
	snprintf(d, sizeof(d), "%s/new", dir);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_nobody),
		cmocka_unit_test(test_drop_unknown_user),
		cmocka_unit_test(test_drop_root_warns),
		cmocka_unit_test(test_sandbox),
		cmocka_unit_test(test_drop_then_sandbox),
		cmocka_unit_test(test_writable),
		cmocka_unit_test(test_writable_other_user),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
