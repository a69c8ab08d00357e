/* fuzz_capture_mmap.c - libFuzzer target: the input as a capture file,
 * read by the in-place reader (pcap_mmap.c, through a memfd so the file
 * can be mapped) and by libpcap (a memory stream); the two must agree on
 * every frame and on how the file ends (capture_check.h). */
#define _GNU_SOURCE	/* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture_check.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], why[2 * CAP_ERRLEN + 128];
	int mapped;

	if (size == 0)
		return 0;
	int fd = memfd_create("fuzz-capture", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (capture_same(path, data, size, &mapped, why, sizeof(why)) != 0) {
		fprintf(stderr, "readers disagree: %s\n", why);
		__builtin_trap();
	}
	close(fd);
	return 0;
}
