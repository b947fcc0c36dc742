// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: sealing beyond memfd (spec section 9).
 *
 * What memfd does not have, so memfd is the oracle only where it refuses:
 *  - SEALFS_SEAL_FUTURE_EXEC: no new executable mapping (EPERM), new
 *    mappings cannot become executable (mprotect: EACCES), no exec of the
 *    file (EACCES), executable mappings made before it keep working; a
 *    memfd refuses the bit (EINVAL);
 *  - SEALFS_IOC_OPEN_READONLY: a read-only descriptor without /proc;
 *  - /proc/PID/fdinfo/N: the seals, and why F_SEAL_WRITE would be EBUSY.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"

#define PAGE 4096UL
/* The errno of a call that must fail: 0 if it succeeded. */
#define ERRNO_OF(call) ((call) == -1 ? errno : 0)

static const char script[] = "#!/bin/sh\nexit 7\n";

/* An anonymous sealfs file (memfd: a memfd) holding a shell script. */
static int script_file(enum kind k)
{
	int fd = kind_create(k, "script", SEALFS_ALLOW_SEALING | SEALFS_EXEC);

	if (fd >= 0 && pwrite(fd, script, sizeof(script) - 1, 0) != sizeof(script) - 1)
		return -1;
	return fd;
}

/* execveat(fd, "", AT_EMPTY_PATH) in a child: its exit status, or 100 + errno. */
static int fexec_status(int fd)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { "script", NULL }, *envp[] = { NULL };

		syscall(__NR_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(100 + errno);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* ---- SEALFS_SEAL_FUTURE_EXEC ---- */

TEST(memfd_refuses_the_future_exec_bit)
{
	int fd = kind_create(MEMFD, "memfd", SEALFS_ALLOW_SEALING);

	ASSERT_LE(0, fd);
	EXPECT_EQ(EINVAL, ERRNO_OF(fcntl(fd, F_ADD_SEALS, SEALFS_SEAL_FUTURE_EXEC)));
	EXPECT_EQ(0, fcntl(fd, F_GET_SEALS));
	close(fd);
}

TEST(future_exec_is_reported_and_needs_no_other_seal)
{
	int fd = script_file(SEALFS);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kind_add_seals(SEALFS, fd, SEALFS_SEAL_FUTURE_EXEC));
	EXPECT_EQ(SEALFS_SEAL_FUTURE_EXEC, kind_get_seals(SEALFS, fd));
	/* Writes, growth, chmod: all still allowed. */
	EXPECT_EQ(1, pwrite(fd, "#", 1, 0));
	EXPECT_EQ(0, ftruncate(fd, 2 * PAGE));
	EXPECT_EQ(0, fchmod(fd, 0700));
	close(fd);
}

TEST(future_exec_is_refused_under_seal_seal)
{
	int fd = script_file(SEALFS);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kind_add_seals(SEALFS, fd, SEALFS_SEAL_SEAL));
	EXPECT_EQ(EPERM, ERRNO_OF(kind_add_seals(SEALFS, fd, SEALFS_SEAL_FUTURE_EXEC)));
	EXPECT_EQ(SEALFS_SEAL_SEAL, kind_get_seals(SEALFS, fd));
	close(fd);
}

/* The mapping rules on @fd, a file of a PAGE or more sealed FUTURE_EXEC. */
static void check_future_exec_mappings(struct __test_metadata *_metadata, int fd)
{
	static const int flags[] = { MAP_SHARED, MAP_PRIVATE };

	for (int i = 0; i < 2; i++) {
		void *p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, flags[i], fd, 0);

		EXPECT_EQ(MAP_FAILED, p) TH_LOG("flags %#x: PROT_EXEC was mapped", flags[i]);
		EXPECT_EQ(EPERM, errno);
		p = mmap(NULL, PAGE, PROT_READ, flags[i], fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_EQ(EACCES, ERRNO_OF(mprotect(p, PAGE, PROT_READ | PROT_EXEC)))
			TH_LOG("flags %#x", flags[i]);
		EXPECT_EQ('#', *(char *)p);
		munmap(p, PAGE);
	}
}

TEST(future_exec_refuses_new_executable_mappings)
{
	int fd = script_file(SEALFS);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	ASSERT_EQ(0, kind_add_seals(SEALFS, fd, SEALFS_SEAL_FUTURE_EXEC));
	check_future_exec_mappings(_metadata, fd);
	close(fd);
}

TEST(future_exec_refuses_exec_of_the_file)
{
	int fd = script_file(SEALFS);

	ASSERT_LE(0, fd);
	/* Before the seal the script runs... */
	EXPECT_EQ(7, fexec_status(fd));
	ASSERT_EQ(0, kind_add_seals(SEALFS, fd, SEALFS_SEAL_FUTURE_EXEC));
	/* ...after it, exec is refused at the open, whatever the mode. */
	EXPECT_EQ(100 + EACCES, fexec_status(fd));
	EXPECT_EQ(-1, faccessat(fd, "", X_OK, AT_EMPTY_PATH));
	EXPECT_EQ(EACCES, errno);
	close(fd);
}

TEST(executable_mappings_made_before_future_exec_keep_working)
{
	int fd = script_file(SEALFS);
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, kind_add_seals(SEALFS, fd, SEALFS_SEAL_FUTURE_EXEC));
	EXPECT_EQ('#', p[0]);
	/* It still may be executable: VM_MAYEXEC stayed. */
	EXPECT_EQ(0, mprotect(p, PAGE, PROT_READ));
	EXPECT_EQ(0, mprotect(p, PAGE, PROT_READ | PROT_EXEC));
	munmap(p, PAGE);
	close(fd);
}

TEST(future_exec_on_a_file_of_a_mount)
{
	char dir[] = "/tmp/sealfs-beyond-XXXXXX", path[64];
	int fd;

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("none", dir, "sealfs", 0, NULL));
	snprintf(path, sizeof(path), "%s/tool", dir);
	fd = open(path, O_RDWR | O_CREAT, 0755);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(script) - 1, (size_t)write(fd, script, sizeof(script) - 1));
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	ASSERT_EQ(0, kind_add_seals(SEALFS, fd, SEALFS_SEAL_FUTURE_EXEC));
	check_future_exec_mappings(_metadata, fd);
	close(fd);
	EXPECT_EQ(-1, access(path, X_OK));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, unlink(path));
	EXPECT_EQ(0, umount(dir));
	rmdir(dir);
}

/* ---- SEALFS_IOC_OPEN_READONLY ---- */

TEST(open_readonly_gives_a_read_only_descriptor_of_the_same_file)
{
	int fd = script_file(SEALFS), ro, cl;
	char buf[sizeof(script)] = "";
	void *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kind_add_seals(SEALFS, fd, SEALFS_SEAL_FUTURE_WRITE));
	ro = ioctl(fd, SEALFS_IOC_OPEN_READONLY, 0);
	ASSERT_LE(0, ro);
	EXPECT_EQ(O_RDONLY, fcntl(ro, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(0, fcntl(ro, F_GETFD) & FD_CLOEXEC);
	/* The same file: its bytes and its seals. */
	EXPECT_EQ(sizeof(script) - 1, (size_t)pread(ro, buf, sizeof(buf), 0));
	EXPECT_STREQ(script, buf);
	EXPECT_EQ(SEALFS_SEAL_FUTURE_WRITE, kind_get_seals(SEALFS, ro));
	/* It cannot add seals, map writable and shared, or write. */
	EXPECT_EQ(EPERM, ERRNO_OF(kind_add_seals(SEALFS, ro, SEALFS_SEAL_SEAL)));
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(EBADF, ERRNO_OF(write(ro, "x", 1)));
	/* And it can make another. */
	cl = ioctl(ro, SEALFS_IOC_OPEN_READONLY, O_CLOEXEC);
	ASSERT_LE(0, cl);
	EXPECT_EQ(FD_CLOEXEC, fcntl(cl, F_GETFD) & FD_CLOEXEC);
	close(cl);
	close(ro);
	close(fd);
}

TEST(open_readonly_takes_only_o_cloexec)
{
	static const unsigned long bad[] = { O_RDWR, O_WRONLY, O_NONBLOCK, O_CLOEXEC | O_APPEND,
					     1UL << 40 };
	int fd = script_file(SEALFS);

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(EINVAL, ERRNO_OF(ioctl(fd, SEALFS_IOC_OPEN_READONLY, bad[i])))
			TH_LOG("argument %#lx", bad[i]);
	}
	close(fd);
}

TEST(open_readonly_needs_no_proc)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = script_file(SEALFS), ro;
		char c;

		if (fd < 0 || unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(2);
		/* An empty /proc, as in a sandbox without it. */
		if (mount("none", "/proc", "tmpfs", 0, NULL))
			_exit(2);
		if (access("/proc/self/fd", F_OK) == 0)
			_exit(3);
		ro = ioctl(fd, SEALFS_IOC_OPEN_READONLY, O_CLOEXEC);
		_exit(ro >= 0 && pread(ro, &c, 1, 0) == 1 && c == '#' ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(open_readonly_on_a_file_of_a_mount_not_write_only_not_on_the_device)
{
	char dir[] = "/tmp/sealfs-beyond-XXXXXX", path[64];
	int fd, ro, dev;

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("none", dir, "sealfs", 0, NULL));
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	ro = ioctl(fd, SEALFS_IOC_OPEN_READONLY, 0);
	ASSERT_LE(0, ro);
	EXPECT_EQ(O_RDONLY, fcntl(ro, F_GETFL) & O_ACCMODE);
	close(ro);
	close(fd);
	/* It only takes rights away: not from a write-only descriptor. */
	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EBADF, ERRNO_OF(ioctl(fd, SEALFS_IOC_OPEN_READONLY, 0)));
	close(fd);
	dev = open("/dev/sealfs", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	EXPECT_EQ(ENOTTY, ERRNO_OF(ioctl(dev, SEALFS_IOC_OPEN_READONLY, 0)));
	close(dev);
	EXPECT_EQ(0, unlink(path));
	EXPECT_EQ(0, umount(dir));
	rmdir(dir);
}

/* ---- /proc/PID/fdinfo/N ---- */

/* The value of @key in @fd's fdinfo, or -1. */
static long fdinfo(int fd, const char *key)
{
	char path[64], line[256];
	long value = -1;
	size_t len = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			value = strtol(line + len + 1, NULL, 0);
	if (f)
		fclose(f);
	return value;
}

TEST(fdinfo_shows_the_seals_and_the_causes_of_ebusy)
{
	int fd = kind_create(SEALFS, "busy", SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING), pipefd[2];
	struct iovec iov;
	cpu_set_t cpu;
	char *w1, *w2;

	/*
	 * fdinfo drains only its reader's CPU's LRU caches: on one CPU, the
	 * folios this test adds are never in another CPU's batch.
	 */
	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu), &cpu));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4 * PAGE));
	EXPECT_EQ(0, fdinfo(fd, "seals"));
	EXPECT_EQ(0, fdinfo(fd, "writable_mappings"));
	EXPECT_EQ(0, fdinfo(fd, "pinned_folios"));

	/* A writable shared mapping, then a second one. */
	w1 = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, w1);
	memset(w1, 'b', 4 * PAGE);
	EXPECT_EQ(1, fdinfo(fd, "writable_mappings"));
	w2 = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, w2);
	EXPECT_EQ(2, fdinfo(fd, "writable_mappings"));
	EXPECT_EQ(0, fdinfo(fd, "pinned_folios"));
	EXPECT_EQ(EBUSY, ERRNO_OF(kind_add_seals(SEALFS, fd, SEALFS_SEAL_WRITE)));
	munmap(w2, PAGE);

	/* Two pages in a pipe (vmsplice holds references to them). */
	ASSERT_EQ(0, pipe(pipefd));
	iov = (struct iovec){ .iov_base = w1, .iov_len = 2 * PAGE };
	ASSERT_EQ((ssize_t)(2 * PAGE), vmsplice(pipefd[1], &iov, 1, 0));
	EXPECT_EQ(1, fdinfo(fd, "writable_mappings"));
	EXPECT_EQ(2, fdinfo(fd, "pinned_folios"));
	munmap(w1, 4 * PAGE);
	EXPECT_EQ(0, fdinfo(fd, "writable_mappings"));
	EXPECT_EQ(2, fdinfo(fd, "pinned_folios"));
	EXPECT_EQ(EBUSY, ERRNO_OF(kind_add_seals(SEALFS, fd, SEALFS_SEAL_WRITE)));
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_EQ(0, fdinfo(fd, "pinned_folios"));

	ASSERT_EQ(0, kind_add_seals(SEALFS, fd, SEALFS_SEAL_WRITE | SEALFS_SEAL_FUTURE_EXEC));
	EXPECT_EQ(SEALFS_SEAL_WRITE | SEALFS_SEAL_FUTURE_EXEC, fdinfo(fd, "seals"));
	close(fd);
}

TEST_HARNESS_MAIN
