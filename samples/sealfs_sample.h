/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the sealfs sample programs.
 *
 * The samples create, seal and query files through three small wrappers,
 * so that the same program runs on sealfs (the default: ioctls on
 * /dev/sealfs and on the file) or, built with -DUSE_MEMFD, on a memfd
 * (memfd_create(2) and fcntl(2) F_ADD_SEALS/F_GET_SEALS).  The SEALFS_*
 * seal and flag values are the numbers of F_SEAL_* and MFD_*, so both
 * back ends take them unchanged.
 *
 * Also here: passing an fd over a unix socket (SCM_RIGHTS), and the
 * reporting used by every step: a line on stdout for each expected
 * outcome, a "FAIL:" line on stderr and a failure count otherwise.
 */
#ifndef _SEALFS_SAMPLE_H
#define _SEALFS_SAMPLE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/sealfs.h>

#ifdef USE_MEMFD
#define SAMPLE_BACKEND	"memfd"
#else
#define SAMPLE_BACKEND	"sealfs"
#define SEALFS_DEV	"/dev/sealfs"
#endif

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Who is speaking, e.g. "parent" or "consumer 1"; set after fork(). */
static const char *sample_role = "main";
/* Number of checks that did not behave as expected in this process. */
static int sample_failures;

static inline __printf(1, 2) void say(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("[%s] %s\n", sample_role, msg);
	fflush(stdout);
}

static inline __printf(1, 2) void fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/* One write per line, so lines of several processes do not mix. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "[%s] FAIL: %s\n", sample_role, msg);
	sample_failures++;
}

static inline const char *errname(int err)
{
	static char buf[32];

	switch (err) {
	case 0:		return "success";
	case EPERM:	return "EPERM";
	case EACCES:	return "EACCES";
	case EBUSY:	return "EBUSY";
	case EINVAL:	return "EINVAL";
	case ENOTTY:	return "ENOTTY";
	case EBADF:	return "EBADF";
	case ENOENT:	return "ENOENT";
	case EFAULT:	return "EFAULT";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* Check that a call returned -1 with errno @err; @what names the call. */
static inline int expect_errno(long ret, int err, const char *what)
{
	int saved = errno;

	if (ret != -1) {
		fail("%s succeeded (returned %ld), expected %s",
		     what, ret, errname(err));
		return -1;
	}
	if (saved != err) {
		fail("%s failed with %s, expected %s",
		     what, errname(saved), errname(err));
		return -1;
	}
	say("%s fails with %s, as expected", what, errname(err));
	return 0;
}

/*
 * mmap() and drop the mapping again: returns 0 if the mapping could be
 * made, -1 with errno set if not.
 */
static inline int try_mmap(int fd, size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		return -1;
	munmap(p, len);
	return 0;
}

/* Create an anonymous sealable file, as memfd_create(@name, @flags). */
static inline int sample_create(const char *name, unsigned int flags)
{
#ifdef USE_MEMFD
	return memfd_create(name, flags);
#else
	struct sealfs_create arg = {
		.name = (uintptr_t)name,
		.flags = flags,
	};
	int dev, fd, err;

	dev = open(SEALFS_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -1;
	fd = ioctl(dev, SEALFS_IOC_CREATE, &arg);
	err = errno;
	close(dev);
	errno = err;
	return fd;
#endif
}

/* Add @seals, as fcntl(@fd, F_ADD_SEALS, @seals). */
static inline int sample_add_seals(int fd, unsigned int seals)
{
#ifdef USE_MEMFD
	return fcntl(fd, F_ADD_SEALS, seals);
#else
	return ioctl(fd, SEALFS_IOC_ADD_SEALS, seals);
#endif
}

/* Return the seals of @fd, as fcntl(@fd, F_GET_SEALS); -1 on error. */
static inline int sample_get_seals(int fd)
{
#ifdef USE_MEMFD
	return fcntl(fd, F_GET_SEALS);
#else
	return ioctl(fd, SEALFS_IOC_GET_SEALS);
#endif
}

/* Print a seal mask as "WRITE|SHRINK|..." into @buf. */
static inline const char *seal_names(int seals, char *buf, size_t size)
{
	static const struct {
		int bit;
		const char *name;
	} names[] = {
		{ SEALFS_SEAL_SEAL, "SEAL" },
		{ SEALFS_SEAL_SHRINK, "SHRINK" },
		{ SEALFS_SEAL_GROW, "GROW" },
		{ SEALFS_SEAL_WRITE, "WRITE" },
		{ SEALFS_SEAL_FUTURE_WRITE, "FUTURE_WRITE" },
		{ SEALFS_SEAL_EXEC, "EXEC" },
	};
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(seals & names[i].bit))
			continue;
		len += snprintf(buf + len, size > len ? size - len : 0,
				"%s%s", len ? "|" : "", names[i].name);
	}
	if (!len)
		snprintf(buf, size, "none");
	return buf;
}

/* Print what /proc/self/fd/@fd points to, e.g. "/sealfs:sample (deleted)". */
static inline void say_fd_link(int fd)
{
	char path[64], target[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		say("%s: readlink: %s", path, strerror(errno));
		return;
	}
	target[n] = '\0';
	say("%s -> %s", path, target);
}

/* Send @fd over the unix socket @sock (SCM_RIGHTS); 0 or -1 with errno. */
static inline int send_fd(int sock, int fd)
{
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;

	memset(&u, 0, sizeof(u));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/*
 * Receive an fd sent by send_fd() (close-on-exec); returns it, or -1 with
 * errno set (0 when the peer closed the socket without sending one).
 */
static inline int recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0) {
		if (n == 0)
			errno = 0;
		return -1;
	}
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

#endif /* _SEALFS_SAMPLE_H */
