// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of sealfs-compat, run as root with the sealfs module loaded.  The
 * same source is built as a dynamic program run under
 * LD_PRELOAD=libsealfs-compat.so and as a static program linked with
 * -Wl,--wrap and libsealfs-compat-wrap.a; argv[1] names the mode.
 *
 * Built without _FILE_OFFSET_BITS=64, so fcntl() and fcntl64() are the two
 * symbols the library must both catch.  TAP output; each test runs in a
 * child process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/sealfs.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static const char *mode = "?";

#define CHECK(cond, ...)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
			printf(__VA_ARGS__);				\
			printf(" (errno %d %s)\n", errno, strerror(errno));	\
			fflush(stdout);					\
			_exit(1);					\
		}							\
	} while (0)

static long fs_type(int fd)
{
	struct statfs st;

	CHECK(fstatfs(fd, &st) == 0, "fstatfs(%d)", fd);
	return st.f_type;
}

static void link_of(int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, size - 1);
	CHECK(n > 0, "readlink(%s)", path);
	buf[n] = 0;
}

static void expect_sealfs(int fd, const char *name)
{
	char link[PATH_MAX], want[PATH_MAX];

	CHECK(fd >= 0, "memfd_create(\"%s\")", name);
	CHECK(fs_type(fd) == SEALFS_MAGIC, "f_type 0x%lx, not SEALFS_MAGIC", fs_type(fd));
	link_of(fd, link, sizeof(link));
	snprintf(want, sizeof(want), "/sealfs:%s", name);
	CHECK(strncmp(link, want, strlen(want)) == 0, "link \"%s\", want \"%s...\"", link, want);
}

/* A real memfd, through the library's fallback. */
static int kernel_memfd(const char *name, unsigned int flags)
{
	int fd;

	setenv("SEALFS_COMPAT_DEVICE", "/nonexistent/sealfs", 1);
	setenv("SEALFS_COMPAT_FALLBACK", "memfd", 1);
	fd = memfd_create(name, flags);
	unsetenv("SEALFS_COMPAT_DEVICE");
	unsetenv("SEALFS_COMPAT_FALLBACK");
	CHECK(fd >= 0, "fallback memfd_create");
	CHECK(fs_type(fd) != SEALFS_MAGIC, "the fallback gave a sealfs file");
	return fd;
}

/* --- The tests ----------------------------------------------------------- */

static void test_memfd_create_is_sealfs(void)
{
	int fd = memfd_create("compat_libc", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	expect_sealfs(fd, "compat_libc");
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "not O_RDWR");
	CHECK(fcntl(fd, F_GET_SEALS) == 0, "seals %d", fcntl(fd, F_GET_SEALS));
}

static void test_syscall_memfd_create_is_sealfs(void)
{
	int fd = syscall(SYS_memfd_create, "compat_syscall", MFD_ALLOW_SEALING);

	expect_sealfs(fd, "compat_syscall");
	CHECK(fcntl(fd, F_GET_SEALS) == 0, "seals");
}

static void test_cloexec(void)
{
	int a = memfd_create("a", MFD_CLOEXEC), b = memfd_create("b", 0);

	expect_sealfs(a, "a");
	expect_sealfs(b, "b");
	CHECK(fcntl(a, F_GETFD) == FD_CLOEXEC, "MFD_CLOEXEC lost");
	CHECK(fcntl(b, F_GETFD) == 0, "FD_CLOEXEC without MFD_CLOEXEC");
}

/* The lowest free descriptor, as memfd_create(). */
static void test_lowest_fd(void)
{
	int low = dup(0), fd;

	CHECK(low >= 0, "dup");
	close(low);
	fd = memfd_create("low", MFD_CLOEXEC);
	expect_sealfs(fd, "low");
	CHECK(fd == low, "fd %d, want %d", fd, low);
	fd = syscall(SYS_memfd_create, "low2", 0);
	expect_sealfs(fd, "low2");
	CHECK(fd == low + 1, "fd %d, want %d", fd, low + 1);
}

static void test_no_allow_sealing(void)
{
	int fd = memfd_create("nosealing", 0);

	expect_sealfs(fd, "nosealing");
	CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL, "seals %d", fcntl(fd, F_GET_SEALS));
	errno = 0;
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == -1 && errno == EPERM, "ADD_SEALS");
}

/* fcntl and fcntl64 are both caught, and the seals are the module's. */
static void test_fcntl_and_fcntl64_seal(void)
{
	int fd = memfd_create("seals", MFD_ALLOW_SEALING);

	expect_sealfs(fd, "seals");
	CHECK(ftruncate(fd, 4096) == 0, "ftruncate");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0, "fcntl ADD_SEALS");
	CHECK(fcntl64(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0, "fcntl64 ADD_SEALS");
	CHECK(fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_WRITE), "fcntl GET_SEALS");
	CHECK(fcntl64(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_WRITE), "fcntl64 GET_SEALS");
	CHECK(ioctl(fd, SEALFS_IOC_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_WRITE), "ioctl");
	errno = 0;
	CHECK(write(fd, "x", 1) == -1 && errno == EPERM, "write after F_SEAL_WRITE");
	CHECK(syscall(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SEAL) == 0, "syscall(SYS_fcntl)");
	CHECK(syscall(SYS_fcntl, fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_WRITE | F_SEAL_SEAL),
	      "syscall(SYS_fcntl) GET_SEALS");
	errno = 0;
	CHECK(fcntl(fd, F_ADD_SEALS, 0) == -1 && errno == EPERM, "ADD_SEALS after SEAL");
}

/* Only the low 32 bits of the argument count, as the kernel's fcntl. */
static void test_seal_argument_width(void)
{
	int fd = memfd_create("width", MFD_ALLOW_SEALING);

	expect_sealfs(fd, "width");
	CHECK(fcntl(fd, F_ADD_SEALS, 0x100000000UL | F_SEAL_GROW) == 0, "ADD_SEALS");
	CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_GROW, "seals %d", fcntl(fd, F_GET_SEALS));
	errno = 0;
	CHECK(fcntl(fd, F_ADD_SEALS, 0x80) == -1 && errno == EINVAL, "unknown seal bit");
}

/* SEALFS_SEAL_FUTURE_EXEC (0x40) passes through to sealfs, which has it. */
static void test_future_exec_seal(void)
{
	int fd = memfd_create("fexec", MFD_ALLOW_SEALING);
	void *p;

	expect_sealfs(fd, "fexec");
	CHECK(ftruncate(fd, 4096) == 0, "ftruncate");
	CHECK(fcntl(fd, F_ADD_SEALS, 0x40) == 0, "ADD_SEALS(0x40): %s", strerror(errno));
	CHECK((fcntl(fd, F_GET_SEALS) & 0x40) == 0x40, "seals %#x", fcntl(fd, F_GET_SEALS));
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	CHECK(p == MAP_FAILED && errno == EPERM, "PROT_EXEC mapping after the seal");
}

static void test_create_errors(void)
{
	errno = 0;
	CHECK(memfd_create(NULL, 0) == -1 && errno == EFAULT, "NULL name");
	errno = 0;
	CHECK(memfd_create("x", MFD_HUGETLB) == -1 && errno == EINVAL, "MFD_HUGETLB");
	errno = 0;
	CHECK(memfd_create("x", 0x100) == -1 && errno == EINVAL, "unknown flag");
	errno = 0;
	CHECK(syscall(SYS_memfd_create, "x", ~0U) == -1 && errno == EINVAL, "~0 flags");
}

static void test_fcntl_passthrough(void)
{
	int fd = memfd_create("pass", MFD_ALLOW_SEALING), d;

	expect_sealfs(fd, "pass");
	CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0, "F_SETFD");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "F_GETFD");
	d = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	CHECK(d >= 100, "F_DUPFD_CLOEXEC");
	CHECK(fcntl(d, F_GET_SEALS) == 0, "seals through the dup");
	CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0 && (fcntl(fd, F_GETFL) & O_APPEND), "F_SETFL");
	errno = 0;
	CHECK(fcntl(-1, F_GET_SEALS) == -1 && errno == EBADF, "EBADF");
	errno = 0;
	CHECK(fcntl(12345, F_ADD_SEALS, F_SEAL_SEAL) == -1 && errno == EBADF, "EBADF");
}

static void test_syscall_passthrough(void)
{
	int fd = memfd_create("sys", 0);
	char buf[4] = { 0 };
	void *p;

	expect_sealfs(fd, "sys");
	CHECK(syscall(SYS_getpid) == getpid(), "getpid");
	CHECK(syscall(SYS_pwrite64, fd, "abcd", 4, 8192) == 4, "4 arguments");
	CHECK(pread(fd, buf, 4, 8192) == 4 && !memcmp(buf, "abcd", 4), "pwrite64 data");
	p = (void *)syscall(SYS_mmap, NULL, 8192 + 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "6 arguments");
	CHECK(!memcmp((char *)p + 8192, "abcd", 4), "mmap data");
	errno = 0;
	CHECK(syscall(-1L) == -1 && errno == ENOSYS, "unknown syscall");
}

/* Seals on other filesystems go to the real fcntl, as before. */
static void test_other_files_untouched(void)
{
	int fd = kernel_memfd("kernel", MFD_ALLOW_SEALING), p[2];
	char link[PATH_MAX];

	link_of(fd, link, sizeof(link));
	CHECK(!strncmp(link, "/memfd:kernel", 13), "link %s", link);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW) == 0, "memfd ADD_SEALS");
	CHECK(fcntl64(fd, F_GET_SEALS) == F_SEAL_GROW, "memfd GET_SEALS");
	CHECK(syscall(SYS_fcntl, fd, F_GET_SEALS) == F_SEAL_GROW, "memfd SYS_fcntl");
	CHECK(ioctl(fd, SEALFS_IOC_GET_SEALS) == -1, "a memfd took the sealfs ioctl");

	CHECK(pipe(p) == 0, "pipe");
	errno = 0;
	CHECK(fcntl(p[0], F_GET_SEALS) == -1 && errno == EINVAL, "pipe GET_SEALS");
	errno = 0;
	CHECK(fcntl(p[1], F_ADD_SEALS, F_SEAL_SEAL) == -1 && errno == EINVAL, "pipe ADD_SEALS");
}

/* A named file on a sealfs mount is sealable through fcntl too. */
static void test_sealfs_mount(void)
{
	char dir[] = "/tmp/sealfs-compat.XXXXXX", path[64];
	int fd, d;

	CHECK(mkdtemp(dir), "mkdtemp");
	CHECK(mount("none", dir, "sealfs", 0, NULL) == 0, "mount -t sealfs");
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0, "open");
	CHECK(fcntl(fd, F_GET_SEALS) == 0, "GET_SEALS");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW) == 0, "ADD_SEALS");
	CHECK(ioctl(fd, SEALFS_IOC_GET_SEALS) == F_SEAL_GROW, "ioctl GET_SEALS");
	d = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(d >= 0, "open dir");
	errno = 0;
	CHECK(fcntl(d, F_GET_SEALS) == -1 && errno == EINVAL, "a directory: EINVAL as fcntl");
	close(d);
	close(fd);
	CHECK(umount(dir) == 0, "umount");
	rmdir(dir);
}

/* stderr of @fn, in @buf. */
static int capture_stderr(int (*fn)(void), char *buf, size_t size)
{
	int p[2], saved, ret;
	ssize_t n;

	CHECK(pipe(p) == 0, "pipe");
	saved = dup(2);
	dup2(p[1], 2);
	ret = fn();
	dup2(saved, 2);
	close(p[1]);
	n = read(p[0], buf, size - 1);
	buf[n > 0 ? n : 0] = 0;
	close(p[0]);
	return ret;
}

static int errno_of_create(void)
{
	errno = 0;
	return memfd_create("nodev", 0) == -1 ? errno : 0;
}

static void test_no_device_fails_clearly(void)
{
	char msg[512];

	setenv("SEALFS_COMPAT_DEVICE", "/nonexistent/sealfs", 1);
	CHECK(capture_stderr(errno_of_create, msg, sizeof(msg)) == ENOSYS, "not ENOSYS");
	CHECK(strstr(msg, "sealfs-compat: ") && strstr(msg, "/nonexistent/sealfs") &&
	      strstr(msg, "SEALFS_COMPAT_FALLBACK=memfd"), "message \"%s\"", msg);
	/* Once per process. */
	setenv("SEALFS_COMPAT_FALLBACK", "fail", 1);
	CHECK(capture_stderr(errno_of_create, msg, sizeof(msg)) == ENOSYS, "not ENOSYS");
	CHECK(msg[0] == 0, "second message \"%s\"", msg);
	errno = 0;
	CHECK(syscall(SYS_memfd_create, "nodev", 0) == -1 && errno == ENOSYS, "syscall");
}

static void test_no_device_falls_back(void)
{
	int fd = kernel_memfd("fallback", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	char link[PATH_MAX];

	link_of(fd, link, sizeof(link));
	CHECK(!strncmp(link, "/memfd:fallback", 15), "link %s", link);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "MFD_CLOEXEC");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0 && fcntl(fd, F_GET_SEALS) == F_SEAL_WRITE,
	      "memfd seals");
	/* The device back: sealfs again. */
	fd = memfd_create("again", 0);
	expect_sealfs(fd, "again");
}

static int trace_create(void)
{
	int fd = memfd_create("traced", MFD_ALLOW_SEALING);

	fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL);
	fcntl(fd, F_GETFD);
	return fd;
}

static void test_trace(void)
{
	char msg[1024];
	int fd;

	setenv("SEALFS_COMPAT_TRACE", "1", 1);
	fd = capture_stderr(trace_create, msg, sizeof(msg));
	expect_sealfs(fd, "traced");
	CHECK(strstr(msg, "sealfs-compat: memfd_create(flags 0x2) = ") &&
	      strstr(msg, "sealfs-compat: fcntl(") && strstr(msg, "F_ADD_SEALS, 0x1) = 0 (sealfs)"),
	      "trace \"%s\"", msg);
	CHECK(!strstr(msg, "F_GETFD"), "a pass-through call was traced");
}

/* --- The harness --------------------------------------------------------- */

#define T(name) { #name, test_##name }
static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	T(memfd_create_is_sealfs), T(syscall_memfd_create_is_sealfs), T(cloexec),
	T(lowest_fd), T(no_allow_sealing), T(fcntl_and_fcntl64_seal), T(seal_argument_width),
	T(future_exec_seal),
	T(create_errors), T(fcntl_passthrough), T(syscall_passthrough),
	T(other_files_untouched), T(sealfs_mount), T(no_device_fails_clearly),
	T(no_device_falls_back), T(trace),
};

int main(int argc, char **argv)
{
	int n = sizeof(tests) / sizeof(tests[0]), failed = 0, i, status;
	pid_t pid;

	if (argc > 1)
		mode = argv[1];
	/* The tests set these; start from none of them. */
	unsetenv("SEALFS_COMPAT_DEVICE");
	unsetenv("SEALFS_COMPAT_FALLBACK");
	unsetenv("SEALFS_COMPAT_TRACE");

	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid == 0) {
			tests[i].fn();
			fflush(stdout);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			failed++;
			printf("not ok %d sealfs-compat %s (%s)\n", i + 1, tests[i].name, mode);
		} else {
			printf("ok %d sealfs-compat %s (%s)\n", i + 1, tests[i].name, mode);
		}
		fflush(stdout);
	}
	return failed ? 1 : 0;
}
