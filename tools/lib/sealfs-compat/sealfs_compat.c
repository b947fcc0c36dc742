// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs-compat: run an unmodified memfd program on sealfs.
 *
 * Redirects memfd_create(), syscall(__NR_memfd_create, ...) and
 * fcntl()/fcntl64() (and syscall(__NR_fcntl, ...)) with F_ADD_SEALS and
 * F_GET_SEALS on a sealfs file to /dev/sealfs and the seal ioctls of
 * <linux/sealfs.h>.  Every other call goes to the C library untouched;
 * F_ADD_SEALS/F_GET_SEALS on a file of any other filesystem (a real memfd,
 * tmpfs, a pipe, ...) goes to the real fcntl() too.
 *
 * Built twice from this file:
 *   -DSEALFS_COMPAT_PRELOAD  libsealfs-compat.so, for LD_PRELOAD: defines
 *                            memfd_create, syscall, fcntl and fcntl64, and
 *                            finds the real ones with dlsym(RTLD_NEXT).
 *   -DSEALFS_COMPAT_WRAP     libsealfs-compat-wrap.a, for link-time
 *                            wrapping (static binaries too): defines
 *                            __wrap_<name>, calls __real_<name>; link with
 *                            -Wl,--wrap=<name> for the four names.
 *
 * Environment (read at each call):
 *   SEALFS_COMPAT_FALLBACK  what memfd_create() does when the device cannot
 *                           be opened (ENOENT, ENODEV, ENXIO, EACCES, EPERM,
 *                           ENOTDIR): "fail" (default) prints one line on
 *                           stderr and fails with ENOSYS, as a kernel
 *                           without memfd; "memfd" uses the kernel's memfd.
 *   SEALFS_COMPAT_DEVICE    the device to open (default /dev/sealfs).
 *   SEALFS_COMPAT_TRACE     "1": one line on stderr per redirected call.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sealfs.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif

#if defined(SEALFS_COMPAT_PRELOAD) == defined(SEALFS_COMPAT_WRAP)
#error "build with exactly one of -DSEALFS_COMPAT_PRELOAD and -DSEALFS_COMPAT_WRAP"
#endif

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#endif

#define EXPORT __attribute__((visibility("default")))

typedef int fcntl_fn(int, int, ...);
typedef long syscall_fn(long, ...);

/* --- The real functions ------------------------------------------------- */

#ifdef SEALFS_COMPAT_PRELOAD
/*
 * Resolved on first use (a constructor could run after another library's
 * constructor already called us); racing threads store the same value.
 */
static void *real(void **slot, const char *name)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!fn) {
		int err = errno;

		fn = dlsym(RTLD_NEXT, name);
		errno = err;
		if (!fn) {
			static const char msg[] = "sealfs-compat: dlsym(RTLD_NEXT) found no real ";
			/* No stdio: we may be inside a clone(CLONE_VM) child. */
			(void)!write(2, msg, sizeof(msg) - 1);
			(void)!write(2, name, strlen(name));
			(void)!write(2, "\n", 1);
			abort();
		}
		__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

static void *real_fcntl_slot, *real_fcntl64_slot, *real_syscall_slot;
#define REAL_FCNTL ((fcntl_fn *)real(&real_fcntl_slot, "fcntl"))
#define REAL_FCNTL64 ((fcntl_fn *)real(&real_fcntl64_slot, "fcntl64"))
#define REAL_SYSCALL ((syscall_fn *)real(&real_syscall_slot, "syscall"))
#define ENTRY(name) name
#else
int __real_fcntl(int fd, int cmd, ...);
int __real_fcntl64(int fd, int cmd, ...);
long __real_syscall(long nr, ...);
#define REAL_FCNTL __real_fcntl
#define REAL_FCNTL64 __real_fcntl64
#define REAL_SYSCALL __real_syscall
#define ENTRY(name) __wrap_##name
#endif

/* --- Helpers --------------------------------------------------------- */

static int env_is(const char *var, const char *value)
{
	const char *v = getenv(var);

	return v && strcmp(v, value) == 0;
}

/* One line on stderr, with write(2): no stdio locks in clone() children. */
static void say(const char *fmt, ...)
{
	char buf[256];
	int err = errno, n;
	va_list ap;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		(void)!write(2, buf, n);
	errno = err;
}

static int tracing(void)
{
	return env_is("SEALFS_COMPAT_TRACE", "1");
}

/* Is @fd a file of a sealfs filesystem?  Keeps errno. */
static int is_sealfs(int fd)
{
	struct statfs st;
	int err = errno, ret;

	ret = fstatfs(fd, &st) == 0 && st.f_type == SEALFS_MAGIC;
	errno = err;
	return ret;
}

/* --- memfd_create ------------------------------------------------------- */

static int memfd_fallback(const char *dev, int err, const char *name, unsigned int flags)
{
	static int warned;
	long fd;

	if (env_is("SEALFS_COMPAT_FALLBACK", "memfd")) {
		fd = REAL_SYSCALL(SYS_memfd_create, name, flags);
		if (tracing())
			say("sealfs-compat: memfd_create(flags 0x%x) = %ld: %s unavailable (%s), kernel memfd used\n",
			    flags, fd, dev, strerror(err));
		return fd;
	}
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		say("sealfs-compat: memfd_create() fails with ENOSYS: cannot open %s: %s "
		    "(is the sealfs module loaded? SEALFS_COMPAT_FALLBACK=memfd uses the kernel's memfd instead)\n",
		    dev, strerror(err));
	errno = ENOSYS;
	return -1;
}

static int compat_memfd_create(const char *name, unsigned int flags)
{
	const char *dev = getenv("SEALFS_COMPAT_DEVICE");
	struct sealfs_create create;
	int devfd, fd, err;

	if (!dev || !*dev)
		dev = "/dev/sealfs";
	devfd = open(dev, O_RDWR | O_CLOEXEC);
	if (devfd < 0) {
		err = errno;
		switch (err) {
		case ENOENT: case ENODEV: case ENXIO: case EACCES: case EPERM: case ENOTDIR:
			return memfd_fallback(dev, err, name, flags);
		}
		return -1;	/* EMFILE, ENFILE, ENOMEM, EINTR: as memfd_create() */
	}

	/* The name is the kernel's to check (EFAULT, EINVAL): never read here. */
	memset(&create, 0, sizeof(create));
	create.name = (uintptr_t)name;
	create.flags = flags;
	fd = ioctl(devfd, SEALFS_IOC_CREATE, &create);
	err = errno;
	close(devfd);
	/*
	 * memfd_create() returns the lowest free descriptor, which the device
	 * held: move the file down to it (if no other thread took it first).
	 */
	if (fd > devfd) {
		int low = REAL_FCNTL(fd, (flags & MFD_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);

		if (low >= 0 && low < fd) {
			close(fd);
			fd = low;
		} else if (low >= 0) {
			close(low);
		}
	}
	if (tracing())
		say("sealfs-compat: memfd_create(flags 0x%x) = %d%s%s (sealfs)\n", flags, fd,
		    fd < 0 ? ", " : "", fd < 0 ? strerror(err) : "");
	errno = err;
	return fd;
}

/* --- F_ADD_SEALS / F_GET_SEALS -------------------------------------------- */

/* 1 and *ret when @cmd on @fd was handled here, 0 for the real fcntl. */
static int compat_seals(int fd, int cmd, unsigned long arg, long *ret)
{
	int err;

	if (cmd != F_ADD_SEALS && cmd != F_GET_SEALS)
		return 0;
	if (!is_sealfs(fd))
		return 0;

	if (cmd == F_ADD_SEALS)
		/* The kernel's fcntl takes the seals as an unsigned int. */
		*ret = ioctl(fd, SEALFS_IOC_ADD_SEALS, (unsigned long)(unsigned int)arg);
	else
		*ret = ioctl(fd, SEALFS_IOC_GET_SEALS);
	/* A sealfs directory, say: fcntl() says EINVAL where the ioctl says ENOTTY. */
	if (*ret < 0 && errno == ENOTTY)
		errno = EINVAL;
	if (tracing()) {
		err = errno;
		say("sealfs-compat: fcntl(%d, %s, 0x%x) = %ld%s%s (sealfs)\n", fd,
		    cmd == F_ADD_SEALS ? "F_ADD_SEALS" : "F_GET_SEALS",
		    cmd == F_ADD_SEALS ? (unsigned int)arg : 0, *ret,
		    *ret < 0 ? ", " : "", *ret < 0 ? strerror(err) : "");
		errno = err;
	}
	return 1;
}

/* --- The entry points -------------------------------------------------- */

EXPORT int ENTRY(memfd_create)(const char *name, unsigned int flags)
{
	return compat_memfd_create(name, flags);
}

/*
 * fcntl's third argument is read as glibc does, one pointer-sized word
 * (present or not, harmless on the ABIs we build for).
 */
#define FCNTL_BODY(real_fn)						\
	do {								\
		va_list ap;						\
		void *arg;						\
		long ret;						\
									\
		va_start(ap, cmd);					\
		arg = va_arg(ap, void *);				\
		va_end(ap);						\
		if (compat_seals(fd, cmd, (unsigned long)arg, &ret))	\
			return ret;					\
		return real_fn(fd, cmd, arg);				\
	} while (0)

EXPORT int ENTRY(fcntl)(int fd, int cmd, ...)
{
	FCNTL_BODY(REAL_FCNTL);
}

EXPORT int ENTRY(fcntl64)(int fd, int cmd, ...)
{
	FCNTL_BODY(REAL_FCNTL64);
}

/* syscall(2) passes six words on to the kernel, whatever the call uses. */
EXPORT long ENTRY(syscall)(long nr, ...)
{
	long a[6], ret;
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	if (nr == SYS_memfd_create)
		return compat_memfd_create((const char *)a[0], (unsigned int)a[1]);
	if (nr == SYS_fcntl && compat_seals((int)a[0], (int)a[1], a[2], &ret))
		return ret;
	return REAL_SYSCALL(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
