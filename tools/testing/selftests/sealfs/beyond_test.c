// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: sealing beyond memfd (spec section 9).
 *
 * What memfd does not have, so memfd is the oracle only where it refuses:
 *  - F_SEAL_WRITE while only read-only shared mappings exist: memfd gives
 *    EBUSY, sealfs seals and takes VM_MAYWRITE from those mappings, in every
 *    process (mprotect(PROT_WRITE): EACCES); a writable or userfaultfd-
 *    registered shared mapping, or a pinned page, still gives EBUSY, with
 *    nothing changed;
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
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/userfaultfd.h>

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

/* ---- F_SEAL_WRITE with read-only shared mappings ---- */

/* A file of two pages of 'a', from an O_RDWR descriptor. */
static int two_pages(enum kind k)
{
	static char buf[2 * PAGE];
	int fd = kind_create(k, "ro-maps", SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING);

	memset(buf, 'a', sizeof(buf));
	if (fd >= 0 && pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf))
		return -1;
	return fd;
}

TEST(write_seal_takes_write_access_from_read_only_shared_maps)
{
	for_each_kind(k) {
		int fd = two_pages(k);
		char *ro, *priv;

		ASSERT_LE(0, fd);
		ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, ro);
		/* Private mappings never count: their writes stay theirs. */
		priv = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
		ASSERT_NE(MAP_FAILED, priv);
		if (k == MEMFD) {
			/* The read-only map has VM_MAYWRITE: memfd refuses. */
			EXPECT_EQ(EBUSY, ERRNO_OF(kind_add_seals(k, fd, SEALFS_SEAL_WRITE)));
			EXPECT_EQ(0, kind_get_seals(k, fd));
			EXPECT_EQ(0, mprotect(ro, 2 * PAGE, PROT_READ | PROT_WRITE));
		} else {
			ASSERT_EQ(0, kind_add_seals(k, fd, SEALFS_SEAL_WRITE));
			EXPECT_EQ(SEALFS_SEAL_WRITE, kind_get_seals(k, fd));
			EXPECT_EQ(EACCES, ERRNO_OF(mprotect(ro, 2 * PAGE, PROT_READ | PROT_WRITE)));
			EXPECT_EQ(EACCES, ERRNO_OF(mprotect(ro + PAGE, PAGE, PROT_WRITE)));
			EXPECT_EQ(EPERM, ERRNO_OF(pwrite(fd, "b", 1, 0)));
			/*
			 * The map is still VM_SHARED: remap_file_pages maps its
			 * file again, and the seal takes VM_MAYWRITE again.
			 */
			EXPECT_EQ(0, remap_file_pages(ro, 2 * PAGE, 0, 0, 0));
			EXPECT_EQ(EACCES, ERRNO_OF(mprotect(ro, 2 * PAGE, PROT_READ | PROT_WRITE)));
		}
		/* The map still reads the file, and nothing changed it. */
		EXPECT_EQ('a', ro[0]);
		EXPECT_EQ('a', ro[2 * PAGE - 1]);
		EXPECT_EQ(0, mprotect(priv, PAGE, PROT_READ | PROT_WRITE));
		priv[0] = 'p';
		EXPECT_EQ('a', ro[0]);
		munmap(priv, PAGE);
		munmap(ro, 2 * PAGE);
		close(fd);
	}
}

TEST(exec_seal_implied_write_takes_write_access_from_read_only_maps)
{
	for_each_kind(k) {
		int fd = script_file(k);
		char *ro;

		ASSERT_LE(0, fd);
		ro = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, ro);
		/* An executable file: F_SEAL_EXEC implies the write seals. */
		EXPECT_EQ(k == MEMFD ? EBUSY : 0,
			  ERRNO_OF(kind_add_seals(k, fd, SEALFS_SEAL_EXEC)));
		EXPECT_EQ(k == MEMFD ? 0 : 0x3e, kind_get_seals(k, fd));
		EXPECT_EQ(k == MEMFD ? 0 : EACCES,
			  ERRNO_OF(mprotect(ro, PAGE, PROT_READ | PROT_WRITE)));
		EXPECT_EQ('#', ro[0]);
		munmap(ro, PAGE);
		close(fd);
	}
}

TEST(write_seal_with_a_writable_shared_map_changes_nothing)
{
	for_each_kind(k) {
		int fd = two_pages(k);
		char *ro, *rw;

		ASSERT_LE(0, fd);
		ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, ro);
		rw = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
		ASSERT_NE(MAP_FAILED, rw);
		EXPECT_EQ(EBUSY, ERRNO_OF(kind_add_seals(k, fd, SEALFS_SEAL_WRITE)));
		EXPECT_EQ(0, kind_get_seals(k, fd));
		/* The read-only map kept VM_MAYWRITE, the writable one works. */
		EXPECT_EQ(0, mprotect(ro, 2 * PAGE, PROT_READ | PROT_WRITE));
		ro[0] = 'r';
		rw[0] = 'w';
		EXPECT_EQ(0, mprotect(ro, 2 * PAGE, PROT_READ));
		/* Made read-only again: memfd still refuses, sealfs seals. */
		EXPECT_EQ(0, mprotect(rw, PAGE, PROT_READ));
		EXPECT_EQ(k == MEMFD ? EBUSY : 0,
			  ERRNO_OF(kind_add_seals(k, fd, SEALFS_SEAL_WRITE)));
		EXPECT_EQ(k == MEMFD ? 0 : SEALFS_SEAL_WRITE, kind_get_seals(k, fd));
		EXPECT_EQ(k == MEMFD ? 0 : EACCES,
			  ERRNO_OF(mprotect(rw, PAGE, PROT_READ | PROT_WRITE)));
		EXPECT_EQ('r', ro[0]);
		EXPECT_EQ('w', ro[PAGE]);
		munmap(rw, PAGE);
		munmap(ro, 2 * PAGE);
		close(fd);
	}
}

/*
 * mprotect(PROT_WRITE) on each of @n maps in a child: a bit per map that
 * it made writable, or 0x80 if one failed otherwise than with EACCES.
 */
static int child_mprotect(char **maps, int n)
{
	int made = 0;

	for (int i = 0; i < n; i++) {
		if (mprotect(maps[i], PAGE, PROT_READ | PROT_WRITE) == 0)
			made |= 1 << i;
		else if (errno != EACCES)
			made |= 0x80;
	}
	return made;
}

static int wait_status(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* A child of fork_ro_mapper(), waiting for release_child(). */
struct ro_child {
	pid_t pid;
	int go;		/* its end: a byte lets it go on */
};

/*
 * Forks a child that maps the page of @fd at @off read-only and shared,
 * then waits for release_child(); it then tries mprotect(PROT_WRITE) on
 * that map and on @inherited (a map of the parent's, or NULL) and exits
 * with child_mprotect()'s status (bit 0: its own map, bit 1: the inherited
 * one).  Returns once the child's map exists; pid -1 if anything failed.
 */
static struct ro_child fork_ro_mapper(int fd, off_t off, char *inherited)
{
	struct ro_child c = { .pid = -1, .go = -1 };
	int go[2], ready[2];
	char b;

	if (pipe(go))
		return c;
	if (pipe(ready)) {
		close(go[0]);
		close(go[1]);
		return c;
	}
	c.pid = fork();
	if (c.pid == 0) {
		char *m[2] = { mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, off), inherited };

		if (m[0] == MAP_FAILED || write(ready[1], "r", 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(0xff);
		_exit(child_mprotect(m, inherited ? 2 : 1));
	}
	close(go[0]);
	close(ready[1]);
	if (c.pid > 0 && read(ready[0], &b, 1) != 1)
		c.pid = -1;
	close(ready[0]);
	c.go = go[1];
	return c;
}

/* Lets the child of fork_ro_mapper() go on: its exit status, or -1. */
static int release_child(struct ro_child c)
{
	int sent = c.pid > 0 && write(c.go, "g", 1) == 1;

	close(c.go);
	return sent ? wait_status(c.pid) : -1;
}

TEST(write_seal_reaches_read_only_maps_in_every_process)
{
	for_each_kind(k) {
		int fd = two_pages(k);
		struct ro_child before;
		char *maps[2];
		pid_t after;

		ASSERT_LE(0, fd);
		maps[0] = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, maps[0]);
		/* A child forked before the seal: its own map and the inherited one. */
		before = fork_ro_mapper(fd, PAGE, maps[0]);
		ASSERT_LT(0, before.pid);
		EXPECT_EQ(k == MEMFD ? EBUSY : 0,
			  ERRNO_OF(kind_add_seals(k, fd, SEALFS_SEAL_WRITE)));
		/* Both of its maps: memfd's may become writable, sealfs's not. */
		EXPECT_EQ(k == MEMFD ? 3 : 0, release_child(before));
		/* A child forked after: it inherits a map without VM_MAYWRITE. */
		after = fork();
		if (after == 0)
			_exit(child_mprotect(maps, 1));
		EXPECT_EQ(k == MEMFD ? 1 : 0, wait_status(after));
		EXPECT_EQ(k == MEMFD ? 0 : EACCES,
			  ERRNO_OF(mprotect(maps[0], PAGE, PROT_READ | PROT_WRITE)));
		/* mremap moves the map with its flags. */
		maps[1] = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, maps[1]);
		ASSERT_EQ(maps[1], mremap(maps[0], PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, maps[1]));
		EXPECT_EQ(k == MEMFD ? 0 : EACCES,
			  ERRNO_OF(mprotect(maps[1], PAGE, PROT_READ | PROT_WRITE)));
		EXPECT_EQ('a', maps[1][0]);
		munmap(maps[1], PAGE);
		close(fd);
	}
}

/* Spins for @us microseconds. */
static void spin_us(long us)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000 + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

#define EXIT_RACE_ROUNDS 48
#define EXIT_RACE_CHILDREN 3

/*
 * Read-only mappers that go away while the seal runs: the seal takes each
 * of their address spaces' mmap_lock in turn, and a child may unmap, or
 * exit (exit_mmap), before, while or after the seal looks at it; the
 * delay before the seal moves each round.  Whatever the timing, the seal
 * succeeds, the sealer's own map loses write access, and no byte changes.
 * (memfd refuses every round, for the sealer's own read-only map.)  The
 * count printed at the end says how often a child was still there when
 * the seal returned, so how often the race was run; it is not asserted, as
 * it depends on the machine's speed.
 */
TEST(write_seal_racing_read_only_mappers_that_unmap_and_exit)
{
	int running = 0;

	for (int round = 0; round < EXIT_RACE_ROUNDS; round++) {
		int fd = two_pages(SEALFS), go[2], ready[2];
		pid_t pids[EXIT_RACE_CHILDREN];
		char *ro, b;

		ASSERT_LE(0, fd);
		ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, ro);
		ASSERT_EQ(0, pipe(go));
		ASSERT_EQ(0, pipe(ready));
		for (int i = 0; i < EXIT_RACE_CHILDREN; i++) {
			pids[i] = fork();
			ASSERT_LE(0, pids[i]);
			if (pids[i] == 0) {
				/* Two maps of its own, beside the inherited one. */
				char *m = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
				char *m1 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);

				/* Only the parent's ends stay open: a child that fails is an EOF. */
				close(go[1]);
				close(ready[0]);
				if (m == MAP_FAILED || m1 == MAP_FAILED || write(ready[1], "r", 1) != 1)
					_exit(1);
				close(ready[1]);
				/* Goes when the parent closes its end. */
				if (read(go[0], &b, 1) < 0)
					_exit(2);
				/* The first one unmaps before it exits. */
				if (i == 0 && (munmap(m, 2 * PAGE) || munmap(ro, 2 * PAGE)))
					_exit(3);
				_exit(0);
			}
		}
		close(go[0]);
		close(ready[1]);
		for (int i = 0; i < EXIT_RACE_CHILDREN; i++)
			ASSERT_EQ(1, read(ready[0], &b, 1));
		close(ready[0]);
		close(go[1]);
		spin_us((round % 12) * 50);
		EXPECT_EQ(0, ERRNO_OF(kind_add_seals(SEALFS, fd, SEALFS_SEAL_WRITE)))
			TH_LOG("round %d", round);
		EXPECT_EQ(SEALFS_SEAL_WRITE, kind_get_seals(SEALFS, fd));
		EXPECT_EQ(EACCES, ERRNO_OF(mprotect(ro, 2 * PAGE, PROT_READ | PROT_WRITE)));
		for (int i = 0; i < EXIT_RACE_CHILDREN; i++) {
			siginfo_t info = { 0 };

			/* Had it exited when the seal returned? */
			if (waitid(P_PID, pids[i], &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    info.si_pid == 0)
				running++;
			EXPECT_EQ(0, wait_status(pids[i])) TH_LOG("round %d, child %d", round, i);
		}
		EXPECT_EQ(EPERM, ERRNO_OF(pwrite(fd, "w", 1, 0)));
		EXPECT_EQ('a', ro[0]);
		EXPECT_EQ('a', ro[2 * PAGE - 1]);
		munmap(ro, 2 * PAGE);
		close(fd);
	}
	/* How often the race was run: children still there after the seal. */
	ksft_print_msg("%d of %d children had not exited when the seal returned\n",
		       running, EXIT_RACE_ROUNDS * EXIT_RACE_CHILDREN);
}

TEST(write_seal_refused_by_pinned_pages_leaves_read_only_maps_alone)
{
	for_each_kind(k) {
		int fd = two_pages(k), pipefd[2];
		struct ro_child other;
		struct iovec iov;
		char *ro;

		ASSERT_LE(0, fd);
		ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, ro);
		/* Another process with a read-only map of its own. */
		other = fork_ro_mapper(fd, PAGE, NULL);
		ASSERT_LT(0, other.pid);
		/* A page in a pipe: vmsplice holds a reference to it. */
		ASSERT_EQ(0, pipe(pipefd));
		iov = (struct iovec){ .iov_base = ro, .iov_len = PAGE };
		ASSERT_EQ((ssize_t)PAGE, vmsplice(pipefd[1], &iov, 1, 0));
		EXPECT_EQ(EBUSY, ERRNO_OF(kind_add_seals(k, fd, SEALFS_SEAL_WRITE)));
		EXPECT_EQ(0, kind_get_seals(k, fd));
		/* The failed seal took nothing: both maps may still become writable. */
		EXPECT_EQ(1, release_child(other));
		ASSERT_EQ(0, mprotect(ro, 2 * PAGE, PROT_READ | PROT_WRITE));
		ro[PAGE] = 'w';
		EXPECT_EQ(0, mprotect(ro, 2 * PAGE, PROT_READ));
		/* Without the pin: sealfs seals, memfd still refuses (the map). */
		close(pipefd[0]);
		close(pipefd[1]);
		EXPECT_EQ(k == MEMFD ? EBUSY : 0,
			  ERRNO_OF(kind_add_seals(k, fd, SEALFS_SEAL_WRITE)));
		EXPECT_EQ(k == MEMFD ? 0 : EACCES,
			  ERRNO_OF(mprotect(ro, 2 * PAGE, PROT_READ | PROT_WRITE)));
		EXPECT_EQ('w', ro[PAGE]);
		munmap(ro, 2 * PAGE);
		close(fd);
	}
}

TEST(write_seal_refused_while_userfaultfd_may_fill_a_shared_map)
{
	for_each_kind(k) {
		struct uffdio_api api = { .api = UFFD_API };
		struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
		int fd = kind_create(k, "uffd", SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING), uffd;
		char *ro;

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ftruncate(fd, 2 * PAGE));
		ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, ro);
		uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
		if (uffd < 0 && errno == EPERM)
			SKIP(return, "userfaultfd needs privilege here (vm.unprivileged_userfaultfd)");
		ASSERT_LE(0, uffd) TH_LOG("userfaultfd: %s", strerror(errno));
		ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
		reg.range.start = (unsigned long)ro;
		reg.range.len = 2 * PAGE;
		/* Its UFFDIO_COPY would fill the holes without PROT_WRITE. */
		ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg)) TH_LOG("%s", strerror(errno));
		EXPECT_EQ(EBUSY, ERRNO_OF(kind_add_seals(k, fd, SEALFS_SEAL_WRITE)));
		EXPECT_EQ(0, kind_get_seals(k, fd));
		if (k == SEALFS)
			EXPECT_EQ(1, fdinfo(fd, "writable_mappings"));
		ASSERT_EQ(0, ioctl(uffd, UFFDIO_UNREGISTER, &reg.range));
		EXPECT_EQ(k == MEMFD ? EBUSY : 0,
			  ERRNO_OF(kind_add_seals(k, fd, SEALFS_SEAL_WRITE)));
		/* Sealed: it cannot be registered again (no VM_MAYWRITE). */
		EXPECT_EQ(k == MEMFD ? 0 : EPERM,
			  ERRNO_OF(ioctl(uffd, UFFDIO_REGISTER, &reg)));
		close(uffd);
		munmap(ro, 2 * PAGE);
		close(fd);
	}
}

/* ---- /proc/PID/fdinfo/N ---- */

TEST(fdinfo_shows_the_seals_and_the_causes_of_ebusy)
{
	int fd = kind_create(SEALFS, "busy", SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING), pipefd[2];
	struct iovec iov;
	cpu_set_t cpu;
	char *w1, *w2, *ro;

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

	/* A read-only shared mapping does not count: the seal takes its VM_MAYWRITE. */
	ro = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(0, fdinfo(fd, "writable_mappings"));

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
	EXPECT_EQ(EACCES, ERRNO_OF(mprotect(ro, PAGE, PROT_READ | PROT_WRITE)));
	munmap(ro, PAGE);
	close(fd);
}

TEST_HARNESS_MAIN
