/* tmpdir.h - a scratch directory per test group (cmocka setup/teardown).
 * Include once per test file; `dir` holds the path while tests run. */
#ifndef EW_TEST_TMPDIR_H
#define EW_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ew-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif /* EW_TEST_TMPDIR_H */
