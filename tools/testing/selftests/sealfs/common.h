/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sealfs selftests share: every rule is checked on a sealfs file
 * and on a memfd, in the same process, with the same steps.  A "kind" names
 * which of the two a call is about; the helpers make the two look alike
 * (memfd_create(2) vs SEALFS_IOC_CREATE, fcntl(F_ADD_SEALS) vs
 * SEALFS_IOC_ADD_SEALS, ...).
 */
#ifndef SEALFS_SELFTEST_COMMON_H
#define SEALFS_SELFTEST_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sealfs.h>

enum kind { MEMFD, SEALFS };

#define for_each_kind(k) for (enum kind k = MEMFD; k <= SEALFS; k++)

static inline const char *kind_name(enum kind k)
{
	return k == MEMFD ? "memfd" : "sealfs";
}

/* memfd_create(2) or SEALFS_IOC_CREATE on /dev/sealfs: the fd, or -1 and errno. */
static inline int kind_create(enum kind k, const char *name, unsigned int flags)
{
	struct sealfs_create create = {
		.name = (uintptr_t)name,
		.flags = flags,
	};
	int dev, fd, err;

	if (k == MEMFD)
		return syscall(__NR_memfd_create, name, flags);
	dev = open("/dev/sealfs", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -1;
	fd = ioctl(dev, SEALFS_IOC_CREATE, &create);
	err = errno;
	close(dev);
	errno = err;
	return fd;
}

/* F_ADD_SEALS or SEALFS_IOC_ADD_SEALS: 0, or -1 and errno. */
static inline int kind_add_seals(enum kind k, int fd, unsigned int seals)
{
	if (k == MEMFD)
		return fcntl(fd, F_ADD_SEALS, seals);
	return ioctl(fd, SEALFS_IOC_ADD_SEALS, seals);
}

/* F_GET_SEALS or SEALFS_IOC_GET_SEALS: the seal mask, or -1 and errno. */
static inline int kind_get_seals(enum kind k, int fd)
{
	if (k == MEMFD)
		return fcntl(fd, F_GET_SEALS);
	return ioctl(fd, SEALFS_IOC_GET_SEALS);
}

#define SHMEM_ENABLED "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/*
 * Sets memfd's huge-page policy (shmem_enabled) to @want; returns the old
 * one in @old (empty if there is none: no THP), or -1 on failure.
 */
static inline int set_memfd_huge(const char *want, char *old, size_t len)
{
	char buf[128], *open, *close;
	FILE *f = fopen(SHMEM_ENABLED, "r+");

	old[0] = 0;
	if (!f)
		return errno == ENOENT ? 0 : -1;
	if (!fgets(buf, sizeof(buf), f) || !(open = strchr(buf, '[')) ||
	    !(close = strchr(open, ']')) || (size_t)(close - open) > len) {
		fclose(f);
		return -1;
	}
	*close = 0;
	snprintf(old, len, "%s", open + 1);
	rewind(f);
	if (fputs(want, f) < 0) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

#endif /* SEALFS_SELFTEST_COMMON_H */
