// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: creation (spec 2), adding seals (spec 3), what each
 * seal blocks (spec 4) and the history that bit the C code (spec 8).
 *
 * Every test runs the same steps on a memfd and on a sealfs file, in the
 * same process, memfd first: the memfd half proves the expected value is
 * what mm/memfd.c and mm/shmem.c really do on this kernel, the sealfs half
 * that sealfs does the same.  Each assertion names the kind it is about.
 *
 * Seal and flag values are spelled SEALFS_*: they are the numbers of
 * F_SEAL_* and MFD_* (checked below), so they serve both kinds.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/falloc.h>
#include <linux/sealfs.h>

#include "kselftest_harness.h"
#include "common.h"

#ifdef F_SEAL_SEAL
_Static_assert(SEALFS_SEAL_SEAL == F_SEAL_SEAL, "F_SEAL_SEAL");
_Static_assert(SEALFS_SEAL_SHRINK == F_SEAL_SHRINK, "F_SEAL_SHRINK");
_Static_assert(SEALFS_SEAL_GROW == F_SEAL_GROW, "F_SEAL_GROW");
_Static_assert(SEALFS_SEAL_WRITE == F_SEAL_WRITE, "F_SEAL_WRITE");
#endif
#ifdef F_SEAL_FUTURE_WRITE
_Static_assert(SEALFS_SEAL_FUTURE_WRITE == F_SEAL_FUTURE_WRITE, "F_SEAL_FUTURE_WRITE");
#endif
#ifdef MFD_CLOEXEC
_Static_assert(SEALFS_CLOEXEC == MFD_CLOEXEC, "MFD_CLOEXEC");
_Static_assert(SEALFS_ALLOW_SEALING == MFD_ALLOW_SEALING, "MFD_ALLOW_SEALING");
#endif

#define SEAL_SEAL		SEALFS_SEAL_SEAL
#define SEAL_SHRINK		SEALFS_SEAL_SHRINK
#define SEAL_GROW		SEALFS_SEAL_GROW
#define SEAL_WRITE		SEALFS_SEAL_WRITE
#define SEAL_FUTURE_WRITE	SEALFS_SEAL_FUTURE_WRITE
#define SEAL_EXEC		SEALFS_SEAL_EXEC
#define ALL_SEALS		(SEAL_SEAL | SEAL_SHRINK | SEAL_GROW | SEAL_WRITE | \
				 SEAL_FUTURE_WRITE | SEAL_EXEC)

/* memfd_create(2) flags with no SEALFS_ name. */
#define HUGETLB_FLAG		0x0004U		/* MFD_HUGETLB */
#define HUGE_2MB_FLAG		(21U << 26)	/* MFD_HUGE_2MB */

/* The kernel's O_LARGEFILE on x86_64 (glibc defines it as 0 for 64-bit). */
#define KERNEL_O_LARGEFILE	0100000

#define NOEXEC_SYSCTL		"/proc/sys/vm/memfd_noexec"
#define NAME			"seals_test"

/*
 * ASSERT_ERRNO(k, err, expr): expr returns -1 (or MAP_FAILED) with errno err.
 * ASSERT_OK(k, expr): expr does not return -1; yields its value.
 */
#define ASSERT_ERRNO(k, err, expr) do {					\
	long __ret;							\
	int __err;							\
	errno = 0;							\
	__ret = (long)(expr);						\
	__err = errno;							\
	ASSERT_EQ(-1L, __ret)						\
		TH_LOG("%s: %s returned %ld, expected -1 with %s",	\
		       kind_name(k), #expr, __ret, strerror(err));	\
	ASSERT_EQ(err, __err)						\
		TH_LOG("%s: %s failed with %s, expected %s",		\
		       kind_name(k), #expr, strerror(__err), strerror(err)); \
} while (0)

#define ASSERT_OK(k, expr) ({						\
	long __ret;							\
	int __err;							\
	errno = 0;							\
	__ret = (long)(expr);						\
	__err = errno;							\
	ASSERT_NE(-1L, __ret)						\
		TH_LOG("%s: %s failed: %s", kind_name(k), #expr,	\
		       strerror(__err));				\
	__ret;								\
})

static size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* The byte at offset i of a file filled by new_file(). */
static char pattern(size_t i)
{
	return 'a' + i % 26;
}

static char *proc_path(int fd, char buf[64])
{
	snprintf(buf, 64, "/proc/self/fd/%d", fd);
	return buf;
}

/* A file of kind k made with flags, holding size bytes of pattern(). */
static int new_file(struct __test_metadata *_metadata, enum kind k,
		    unsigned int flags, size_t size)
{
	char *buf;
	int fd;

	fd = kind_create(k, NAME, flags);
	ASSERT_LE(0, fd)
		TH_LOG("%s: create(%#x): %s", kind_name(k), flags, strerror(errno));
	if (!size)
		return fd;
	buf = malloc(size);
	ASSERT_NE(NULL, buf);
	for (size_t i = 0; i < size; i++)
		buf[i] = pattern(i);
	ASSERT_EQ((ssize_t)size, pwrite(fd, buf, size, 0))
		TH_LOG("%s: filling: %s", kind_name(k), strerror(errno));
	free(buf);
	return fd;
}

/* A sealable file (MFD_ALLOW_SEALING; mode 0777 with vm.memfd_noexec 0). */
static int new_sealable(struct __test_metadata *_metadata, enum kind k, size_t size)
{
	return new_file(_metadata, k, SEALFS_ALLOW_SEALING | SEALFS_CLOEXEC, size);
}

static void add_seals(struct __test_metadata *_metadata, enum kind k, int fd,
		      unsigned int seals)
{
	ASSERT_EQ(0, kind_add_seals(k, fd, seals))
		TH_LOG("%s: add seals %#x: %s", kind_name(k), seals, strerror(errno));
}

static void assert_seals(struct __test_metadata *_metadata, enum kind k, int fd,
			 int seals)
{
	ASSERT_EQ(seals, kind_get_seals(k, fd))
		TH_LOG("%s: seals (get_seals errno %s)", kind_name(k), strerror(errno));
}

static void assert_size(struct __test_metadata *_metadata, enum kind k, int fd,
			off_t size)
{
	struct stat st;

	ASSERT_EQ(0, fstat(fd, &st)) TH_LOG("%s: fstat: %s", kind_name(k), strerror(errno));
	ASSERT_EQ(size, st.st_size) TH_LOG("%s: file size", kind_name(k));
}

static int file_mode(struct __test_metadata *_metadata, enum kind k, int fd)
{
	struct stat st;

	ASSERT_EQ(0, fstat(fd, &st)) TH_LOG("%s: fstat: %s", kind_name(k), strerror(errno));
	return st.st_mode & 07777;
}

/* The file is exactly size bytes of pattern(), as new_file() left it. */
static void assert_unchanged(struct __test_metadata *_metadata, enum kind k, int fd,
			     size_t size)
{
	char *buf = malloc(size + 1);

	ASSERT_NE(NULL, buf);
	assert_size(_metadata, k, fd, size);
	ASSERT_EQ((ssize_t)size, pread(fd, buf, size + 1, 0))
		TH_LOG("%s: pread: %s", kind_name(k), strerror(errno));
	for (size_t i = 0; i < size; i++) {
		ASSERT_EQ(pattern(i), buf[i])
			TH_LOG("%s: byte %zu of the file changed", kind_name(k), i);
	}
	free(buf);
}

static char read_byte(struct __test_metadata *_metadata, enum kind k, int fd, off_t off)
{
	char c;

	ASSERT_EQ(1, pread(fd, &c, 1, off)) TH_LOG("%s: pread: %s", kind_name(k), strerror(errno));
	return c;
}

static void *map(struct __test_metadata *_metadata, enum kind k, int fd,
		 size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	ASSERT_NE(MAP_FAILED, p)
		TH_LOG("%s: mmap(prot %#x, flags %#x): %s", kind_name(k), prot,
		       flags, strerror(errno));
	return p;
}

/* vm.memfd_noexec as the caller's pid namespace sees it, or -1. */
static int read_noexec_sysctl(void)
{
	char buf[16] = "";
	int fd = open(NOEXEC_SYSCTL, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int write_noexec_sysctl(int value)
{
	char buf[4];
	int fd = open(NOEXEC_SYSCTL, O_WRONLY | O_CLOEXEC);
	int len, ret;

	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%d", value);
	ret = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/* The tests that rely on memfd's default exec behaviour check it holds. */
static void assert_noexec_sysctl_is_0(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, read_noexec_sysctl())
		TH_LOG("precondition: %s must be 0 in the test's pid namespace", NOEXEC_SYSCTL);
}

/*
 * Run body with vm.memfd_noexec = value, in a new pid namespace: the
 * namespace's value starts as ours (kernel/pid_namespace.c), a write there
 * changes only it (kernel/pid_sysctl.h), and memfd_create() reads the
 * caller's namespace.  pid 1 of the namespace sets the value and forks the
 * body as pid 2, so a failed ASSERT can abort it (pid 1 ignores signals).
 */
static void in_noexec_pidns(struct __test_metadata *_metadata, int value,
			    void (*body)(struct __test_metadata *_metadata))
{
	int global = read_noexec_sysctl();
	pid_t init, pid;
	int status;

	ASSERT_LE(0, global) TH_LOG("read %s: %s", NOEXEC_SYSCTL, strerror(errno));
	ASSERT_LE(global, value) TH_LOG("a pid namespace cannot lower vm.memfd_noexec");
	ASSERT_EQ(0, unshare(CLONE_NEWPID)) TH_LOG("unshare(CLONE_NEWPID): %s", strerror(errno));
	init = fork();
	ASSERT_LE(0, init);
	if (init == 0) {
		if (write_noexec_sysctl(value)) {
			fprintf(stderr, "# write %d to %s: %s\n", value, NOEXEC_SYSCTL,
				strerror(errno));
			_exit(2);
		}
		if (read_noexec_sysctl() != value) {
			fprintf(stderr, "# %s reads %d after writing %d\n", NOEXEC_SYSCTL,
				read_noexec_sysctl(), value);
			_exit(3);
		}
		pid = fork();
		if (pid < 0)
			_exit(4);
		if (pid == 0) {
			body(_metadata);
			_exit(_metadata->exit_code);
		}
		if (waitpid(pid, &status, 0) != pid)
			_exit(5);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 6);
	}
	ASSERT_EQ(init, waitpid(init, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("pid namespace init: status %#x", status);
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("the body in the pid namespace failed");
	ASSERT_EQ(global, read_noexec_sysctl())
		TH_LOG("the global vm.memfd_noexec changed");
}

/* ---- Creation (spec 2) ------------------------------------------------- */

TEST(create_refuses_unknown_flag_bits)
{
	static const unsigned int bad[] = { 0x20, 0x40, 0x100, 0x80000000,
					    SEALFS_ALLOW_SEALING | 0x20 };

	for_each_kind(k)
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ASSERT_ERRNO(k, EINVAL, kind_create(k, NAME, bad[i]));
}

static int hugetlbfs_configured(void)
{
	char line[128];
	FILE *f = fopen("/proc/filesystems", "re");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "\thugetlbfs\n"))
			found = 1;
	fclose(f);
	return found;
}

/*
 * sealfs does not offer huge pages: EINVAL (spec 2).  memfd differs: it
 * hands MFD_HUGETLB to hugetlbfs, whose stub in a kernel built without it
 * (as the test kernel) returns ENOSYS (include/linux/hugetlb.h); with
 * hugetlbfs the file is created (its pages are reserved at mmap time).
 */
TEST(create_with_hugetlb_is_refused)
{
	static const unsigned int flags[] = { HUGETLB_FLAG, HUGETLB_FLAG | HUGE_2MB_FLAG };
	int hugetlbfs = hugetlbfs_configured();

	ASSERT_LE(0, hugetlbfs) TH_LOG("read /proc/filesystems: %s", strerror(errno));
	for_each_kind(k) {
		for (size_t i = 0; i < 2; i++) {
			int fd;

			if (k == SEALFS || !hugetlbfs) {
				ASSERT_ERRNO(k, k == MEMFD ? ENOSYS : EINVAL,
					     kind_create(k, NAME, flags[i]));
				continue;
			}
			fd = kind_create(k, NAME, flags[i]);
			ASSERT_LE(0, fd) TH_LOG("%s: %s", kind_name(k), strerror(errno));
			close(fd);
		}
	}
}

TEST(create_refuses_exec_with_noexec_seal)
{
	for_each_kind(k)
		ASSERT_ERRNO(k, EINVAL,
			     kind_create(k, NAME, SEALFS_EXEC | SEALFS_NOEXEC_SEAL));
}

TEST(create_refuses_bad_name_pointer)
{
	for_each_kind(k) {
		ASSERT_ERRNO(k, EFAULT, kind_create(k, (const char *)1, 0));
		ASSERT_ERRNO(k, EFAULT, kind_create(k, NULL, 0));
	}
}

TEST(create_accepts_name_of_249_bytes)
{
	char name[250];

	memset(name, 'n', 249);
	name[249] = '\0';
	for_each_kind(k) {
		int fd = kind_create(k, name, 0);

		ASSERT_LE(0, fd) TH_LOG("%s: %s", kind_name(k), strerror(errno));
		close(fd);
	}
}

TEST(create_refuses_name_of_250_bytes)
{
	char name[251];

	memset(name, 'n', 250);
	name[250] = '\0';
	for_each_kind(k)
		ASSERT_ERRNO(k, EINVAL, kind_create(k, name, 0));
}

TEST(create_accepts_empty_name)
{
	char path[64], link[256];

	for_each_kind(k) {
		int fd = kind_create(k, "", 0);
		ssize_t n;

		ASSERT_LE(0, fd) TH_LOG("%s: %s", kind_name(k), strerror(errno));
		n = readlink(proc_path(fd, path), link, sizeof(link) - 1);
		ASSERT_LT(0, n) TH_LOG("%s: readlink: %s", kind_name(k), strerror(errno));
		link[n] = '\0';
		ASSERT_STREQ(k == MEMFD ? "/memfd: (deleted)" : "/sealfs: (deleted)", link)
			TH_LOG("%s", kind_name(k));
		close(fd);
	}
}

/* struct sealfs_create.reserved has no memfd counterpart: sealfs only. */
TEST(sealfs_create_refuses_nonzero_reserved)
{
	static const __u32 reserved[] = { 1, 0x80000000 };
	struct sealfs_create create = {
		.name = (uintptr_t)NAME,
		.flags = SEALFS_ALLOW_SEALING | SEALFS_CLOEXEC,
	};
	int dev, fd;

	dev = open("/dev/sealfs", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev) TH_LOG("open /dev/sealfs: %s", strerror(errno));
	/* The same argument with reserved = 0 works. */
	fd = ioctl(dev, SEALFS_IOC_CREATE, &create);
	ASSERT_LE(0, fd) TH_LOG("sealfs: create with reserved 0: %s", strerror(errno));
	close(fd);
	for (size_t i = 0; i < 2; i++) {
		create.reserved = reserved[i];
		errno = 0;
		fd = ioctl(dev, SEALFS_IOC_CREATE, &create);
		ASSERT_EQ(-1, fd) TH_LOG("sealfs: reserved %#x accepted", reserved[i]);
		ASSERT_EQ(EINVAL, errno) TH_LOG("sealfs: reserved %#x: %s", reserved[i],
						strerror(errno));
	}
	close(dev);
}

TEST(create_without_allow_sealing_starts_with_seal_seal)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, 0, 0);

		assert_seals(_metadata, k, fd, SEAL_SEAL);
		close(fd);
	}
}

TEST(create_without_allow_sealing_refuses_every_seal)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, 0, page_size());

		for (unsigned int s = SEAL_SEAL; s <= SEAL_EXEC; s <<= 1)
			ASSERT_ERRNO(k, EPERM, kind_add_seals(k, fd, s));
		ASSERT_ERRNO(k, EPERM, kind_add_seals(k, fd, ALL_SEALS));
		assert_seals(_metadata, k, fd, SEAL_SEAL);
		close(fd);
	}
}

TEST(create_with_allow_sealing_starts_with_no_seals)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, SEALFS_ALLOW_SEALING, 0);

		assert_seals(_metadata, k, fd, 0);
		close(fd);
	}
}

TEST(noexec_seal_clears_x_bits_and_seals_exec)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, SEALFS_NOEXEC_SEAL, 0);

		ASSERT_EQ(0666, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));
		assert_seals(_metadata, k, fd, SEAL_EXEC);
		close(fd);
	}
}

TEST(noexec_seal_implies_allow_sealing)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, SEALFS_NOEXEC_SEAL, page_size());

		add_seals(_metadata, k, fd, SEAL_WRITE);
		assert_seals(_metadata, k, fd, SEAL_EXEC | SEAL_WRITE);
		close(fd);
	}
}

TEST(exec_flag_gives_mode_0777)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, SEALFS_EXEC, 0);

		ASSERT_EQ(0777, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));
		assert_seals(_metadata, k, fd, SEAL_SEAL);
		close(fd);
	}
}

TEST(no_exec_flag_gives_mode_0777_when_memfd_noexec_is_0)
{
	mode_t old = umask(077);	/* memfd ignores the umask */

	assert_noexec_sysctl_is_0(_metadata);
	for_each_kind(k) {
		int fd = new_file(_metadata, k, 0, 0);

		ASSERT_EQ(0777, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));
		assert_seals(_metadata, k, fd, SEAL_SEAL);
		close(fd);
	}
	umask(old);
}

TEST(cloexec_flag_sets_close_on_exec)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, SEALFS_CLOEXEC, 0);

		ASSERT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC)
			TH_LOG("%s", kind_name(k));
		close(fd);
	}
}

TEST(no_cloexec_flag_leaves_close_on_exec_clear)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, SEALFS_ALLOW_SEALING, 0);

		ASSERT_EQ(0, fcntl(fd, F_GETFD)) TH_LOG("%s", kind_name(k));
		close(fd);
	}
}

TEST(fd_is_open_read_write)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, 0, 0);
		int fl = ASSERT_OK(k, fcntl(fd, F_GETFL));

		ASSERT_EQ(O_RDWR, fl & O_ACCMODE) TH_LOG("%s: flags %#x", kind_name(k), fl);
		close(fd);
	}
}

TEST(fd_is_open_largefile)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, 0, 0);
		int fl = ASSERT_OK(k, fcntl(fd, F_GETFL));

		ASSERT_EQ(KERNEL_O_LARGEFILE, fl & KERNEL_O_LARGEFILE)
			TH_LOG("%s: flags %#x", kind_name(k), fl);
		close(fd);
	}
}

TEST(proc_fd_link_names_the_file)
{
	char path[64], link[256];

	for_each_kind(k) {
		int fd = kind_create(k, "the-name", SEALFS_CLOEXEC);
		ssize_t n;

		ASSERT_LE(0, fd) TH_LOG("%s: %s", kind_name(k), strerror(errno));
		n = readlink(proc_path(fd, path), link, sizeof(link) - 1);
		ASSERT_LT(0, n) TH_LOG("%s: readlink: %s", kind_name(k), strerror(errno));
		link[n] = '\0';
		ASSERT_STREQ(k == MEMFD ? "/memfd:the-name (deleted)" :
					  "/sealfs:the-name (deleted)", link)
			TH_LOG("%s", kind_name(k));
		close(fd);
	}
}

/* No exec flag under vm.memfd_noexec >= 1: as MFD_NOEXEC_SEAL. */
static void no_flag_is_noexec_sealed(struct __test_metadata *_metadata)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, 0, page_size());

		ASSERT_EQ(0666, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));
		assert_seals(_metadata, k, fd, SEAL_EXEC);
		/* Sealing is allowed, as NOEXEC_SEAL implies it. */
		add_seals(_metadata, k, fd, SEAL_SHRINK);
		assert_seals(_metadata, k, fd, SEAL_EXEC | SEAL_SHRINK);
		close(fd);
	}
}

static void exec_flag_is_accepted(struct __test_metadata *_metadata)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, SEALFS_EXEC | SEALFS_ALLOW_SEALING, 0);

		ASSERT_EQ(0777, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));
		assert_seals(_metadata, k, fd, 0);
		close(fd);
	}
}

static void exec_flag_is_eacces(struct __test_metadata *_metadata)
{
	for_each_kind(k) {
		ASSERT_ERRNO(k, EACCES, kind_create(k, NAME, SEALFS_EXEC));
		ASSERT_ERRNO(k, EACCES,
			     kind_create(k, NAME, SEALFS_EXEC | SEALFS_ALLOW_SEALING));
	}
}

static void noexec_seal_flag_is_accepted(struct __test_metadata *_metadata)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, SEALFS_NOEXEC_SEAL, 0);

		ASSERT_EQ(0666, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));
		assert_seals(_metadata, k, fd, SEAL_EXEC);
		close(fd);
	}
}

TEST(memfd_noexec_1_makes_no_flag_create_noexec_sealed)
{
	in_noexec_pidns(_metadata, 1, no_flag_is_noexec_sealed);
}

TEST(memfd_noexec_1_still_accepts_exec_flag)
{
	in_noexec_pidns(_metadata, 1, exec_flag_is_accepted);
}

TEST(memfd_noexec_2_makes_no_flag_create_noexec_sealed)
{
	in_noexec_pidns(_metadata, 2, no_flag_is_noexec_sealed);
}

TEST(memfd_noexec_2_refuses_exec_flag_with_eacces)
{
	in_noexec_pidns(_metadata, 2, exec_flag_is_eacces);
}

TEST(memfd_noexec_2_accepts_noexec_seal_flag)
{
	in_noexec_pidns(_metadata, 2, noexec_seal_flag_is_accepted);
}

/* ---- Adding seals: the check order (spec 3) ---------------------------- */

static int reopen(struct __test_metadata *_metadata, enum kind k, int fd, int flags)
{
	char path[64];
	int fd2 = open(proc_path(fd, path), flags | O_CLOEXEC);

	ASSERT_LE(0, fd2) TH_LOG("%s: reopen %#x: %s", kind_name(k), flags, strerror(errno));
	return fd2;
}

TEST(read_only_reopen_cannot_add_seals)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());
		int ro = reopen(_metadata, k, fd, O_RDONLY);

		ASSERT_ERRNO(k, EPERM, kind_add_seals(k, ro, SEAL_SHRINK));
		ASSERT_ERRNO(k, EPERM, kind_add_seals(k, ro, 0));
		assert_seals(_metadata, k, fd, 0);
		/* The same seal through the O_RDWR fd works. */
		add_seals(_metadata, k, fd, SEAL_SHRINK);
		close(ro);
		close(fd);
	}
}

TEST(read_only_reopen_is_eperm_before_unknown_bits_are_einval)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());
		int ro = reopen(_metadata, k, fd, O_RDONLY);

		ASSERT_ERRNO(k, EPERM, kind_add_seals(k, ro, 0x40));
		ASSERT_ERRNO(k, EPERM, kind_add_seals(k, ro, 0x80000000));
		assert_seals(_metadata, k, fd, 0);
		close(ro);
		close(fd);
	}
}

/* Unknown to both: 0x40 is SEALFS_SEAL_FUTURE_EXEC on sealfs (beyond_test). */
TEST(unknown_seal_bits_are_einval)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());

		ASSERT_ERRNO(k, EINVAL, kind_add_seals(k, fd, 0x80));
		ASSERT_ERRNO(k, EINVAL, kind_add_seals(k, fd, 0x80000000));
		/* Not even part of a valid mask is added. */
		ASSERT_ERRNO(k, EINVAL, kind_add_seals(k, fd, SEAL_SHRINK | 0x80));
		assert_seals(_metadata, k, fd, 0);
		close(fd);
	}
}

TEST(unknown_seal_bits_are_einval_before_seal_seal_is_eperm)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());

		add_seals(_metadata, k, fd, SEAL_SEAL);
		ASSERT_ERRNO(k, EINVAL, kind_add_seals(k, fd, 0x80));
		ASSERT_ERRNO(k, EINVAL, kind_add_seals(k, fd, 0x80000000));
		assert_seals(_metadata, k, fd, SEAL_SEAL);
		close(fd);
	}
}

TEST(seal_seal_refuses_an_empty_mask)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());

		/* Before SEAL_SEAL an empty mask is fine. */
		add_seals(_metadata, k, fd, 0);
		add_seals(_metadata, k, fd, SEAL_SEAL);
		ASSERT_ERRNO(k, EPERM, kind_add_seals(k, fd, 0));
		assert_seals(_metadata, k, fd, SEAL_SEAL);
		close(fd);
	}
}

TEST(seal_seal_refuses_every_further_seal)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());

		add_seals(_metadata, k, fd, SEAL_SEAL | SEAL_GROW);
		for (unsigned int s = SEAL_SEAL; s <= SEAL_EXEC; s <<= 1)
			ASSERT_ERRNO(k, EPERM, kind_add_seals(k, fd, s));
		assert_seals(_metadata, k, fd, SEAL_SEAL | SEAL_GROW);
		close(fd);
	}
}

TEST(exec_seal_on_executable_file_implies_write_seals)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());

		ASSERT_EQ(0777, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));
		add_seals(_metadata, k, fd, SEAL_EXEC);
		assert_seals(_metadata, k, fd, SEAL_EXEC | SEAL_SHRINK | SEAL_GROW |
						SEAL_WRITE | SEAL_FUTURE_WRITE);
		ASSERT_ERRNO(k, EPERM, write(fd, "x", 1));
		close(fd);
	}
}

TEST(exec_seal_on_file_with_one_x_bit_implies_write_seals)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());

		ASSERT_OK(k, fchmod(fd, 0610));
		add_seals(_metadata, k, fd, SEAL_EXEC);
		assert_seals(_metadata, k, fd, 0x3e);
		close(fd);
	}
}

TEST(exec_seal_on_non_executable_file_adds_only_exec)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());

		ASSERT_OK(k, fchmod(fd, 0666));
		add_seals(_metadata, k, fd, SEAL_EXEC);
		assert_seals(_metadata, k, fd, SEAL_EXEC);
		/* Still writable. */
		ASSERT_EQ(1, pwrite(fd, "a", 1, 0)) TH_LOG("%s: %s", kind_name(k), strerror(errno));
		close(fd);
	}
}

TEST(exec_seal_on_noexec_seal_file_adds_nothing)
{
	for_each_kind(k) {
		int fd = new_file(_metadata, k, SEALFS_NOEXEC_SEAL, page_size());

		add_seals(_metadata, k, fd, SEAL_EXEC);
		assert_seals(_metadata, k, fd, SEAL_EXEC);
		close(fd);
	}
}

TEST(exec_seal_implied_write_is_ebusy_with_writable_shared_mapping)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		void *p = map(_metadata, k, fd, ps, PROT_READ | PROT_WRITE, MAP_SHARED);

		ASSERT_ERRNO(k, EBUSY, kind_add_seals(k, fd, SEAL_EXEC));
		/* Nothing was added: not EXEC, not the implied seals. */
		assert_seals(_metadata, k, fd, 0);
		ASSERT_EQ(1, pwrite(fd, "a", 1, 0)) TH_LOG("%s: %s", kind_name(k), strerror(errno));
		ASSERT_EQ(0, munmap(p, ps));
		/* Without the mapping it works. */
		add_seals(_metadata, k, fd, SEAL_EXEC);
		assert_seals(_metadata, k, fd, 0x3e);
		close(fd);
	}
}

TEST(write_seal_is_ebusy_with_writable_shared_mapping)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		char *p = map(_metadata, k, fd, ps, PROT_READ | PROT_WRITE, MAP_SHARED);

		ASSERT_ERRNO(k, EBUSY, kind_add_seals(k, fd, SEAL_WRITE));
		assert_seals(_metadata, k, fd, 0);
		/* The mapping still writes the file. */
		p[0] = 'Z';
		ASSERT_EQ('Z', read_byte(_metadata, k, fd, 0)) TH_LOG("%s", kind_name(k));
		munmap(p, ps);
		close(fd);
	}
}

TEST(write_seal_with_other_seals_is_all_or_nothing)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		void *p = map(_metadata, k, fd, ps, PROT_READ | PROT_WRITE, MAP_SHARED);

		ASSERT_ERRNO(k, EBUSY, kind_add_seals(k, fd, SEAL_WRITE | SEAL_SHRINK));
		ASSERT_ERRNO(k, EBUSY, kind_add_seals(k, fd, SEAL_WRITE | SEAL_GROW | SEAL_SEAL));
		assert_seals(_metadata, k, fd, 0);
		/* SHRINK was not applied. */
		ASSERT_OK(k, ftruncate(fd, ps / 2));
		/* SEAL was not applied. */
		add_seals(_metadata, k, fd, SEAL_GROW);
		munmap(p, ps);
		close(fd);
	}
}

TEST(write_seal_succeeds_after_writable_mapping_is_unmapped)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		void *p = map(_metadata, k, fd, ps, PROT_READ | PROT_WRITE, MAP_SHARED);

		ASSERT_ERRNO(k, EBUSY, kind_add_seals(k, fd, SEAL_WRITE));
		ASSERT_EQ(0, munmap(p, ps));
		add_seals(_metadata, k, fd, SEAL_WRITE);
		assert_seals(_metadata, k, fd, SEAL_WRITE);
		close(fd);
	}
}

TEST(write_seal_succeeds_with_private_mapping)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		char *p = map(_metadata, k, fd, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE);

		p[0] = 'Z';	/* a private copy of the page */
		add_seals(_metadata, k, fd, SEAL_WRITE);
		assert_seals(_metadata, k, fd, SEAL_WRITE);
		p[1] = 'Y';
		assert_unchanged(_metadata, k, fd, ps);
		munmap(p, ps);
		close(fd);
	}
}

TEST(seals_accumulate)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());

		add_seals(_metadata, k, fd, SEAL_SHRINK);
		add_seals(_metadata, k, fd, SEAL_GROW);
		assert_seals(_metadata, k, fd, SEAL_SHRINK | SEAL_GROW);
		add_seals(_metadata, k, fd, SEAL_SHRINK | SEAL_FUTURE_WRITE);
		assert_seals(_metadata, k, fd, SEAL_SHRINK | SEAL_GROW | SEAL_FUTURE_WRITE);
		close(fd);
	}
}

TEST(get_seals_returns_exactly_the_mask)
{
	static const unsigned int masks[] = {
		SEAL_SEAL, SEAL_SHRINK, SEAL_GROW, SEAL_WRITE, SEAL_FUTURE_WRITE,
		SEAL_SHRINK | SEAL_WRITE, SEAL_GROW | SEAL_FUTURE_WRITE | SEAL_SEAL,
		SEAL_SEAL | SEAL_SHRINK | SEAL_GROW | SEAL_WRITE | SEAL_FUTURE_WRITE,
	};

	for_each_kind(k) {
		for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
			int fd = new_sealable(_metadata, k, page_size());

			add_seals(_metadata, k, fd, masks[i]);
			assert_seals(_metadata, k, fd, masks[i]);
			close(fd);
		}
		/* EXEC alone on a file without x bits (with them it implies more). */
		int fd = new_sealable(_metadata, k, page_size());

		ASSERT_OK(k, fchmod(fd, 0644));
		add_seals(_metadata, k, fd, SEAL_EXEC);
		assert_seals(_metadata, k, fd, SEAL_EXEC);
		close(fd);
	}
}

/* ---- What each seal blocks (spec 4) ------------------------------------ */

TEST(shrink_seal_refuses_smaller_ftruncate)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, 2 * ps);

		add_seals(_metadata, k, fd, SEAL_SHRINK);
		ASSERT_ERRNO(k, EPERM, ftruncate(fd, ps));
		ASSERT_ERRNO(k, EPERM, ftruncate(fd, 0));
		assert_unchanged(_metadata, k, fd, 2 * ps);
		/* The same size and larger are fine. */
		ASSERT_OK(k, ftruncate(fd, 2 * ps));
		ASSERT_OK(k, ftruncate(fd, 3 * ps));
		close(fd);
	}
}

TEST(shrink_seal_refuses_open_with_o_trunc)
{
	size_t ps = page_size();
	char path[64];

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);

		add_seals(_metadata, k, fd, SEAL_SHRINK);
		ASSERT_ERRNO(k, EPERM, open(proc_path(fd, path), O_RDWR | O_TRUNC | O_CLOEXEC));
		assert_unchanged(_metadata, k, fd, ps);
		close(fd);
	}
}

TEST(shrink_seal_refuses_truncate_by_path)
{
	size_t ps = page_size();
	char path[64];

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);

		add_seals(_metadata, k, fd, SEAL_SHRINK);
		ASSERT_ERRNO(k, EPERM, truncate(proc_path(fd, path), 1));
		assert_unchanged(_metadata, k, fd, ps);
		close(fd);
	}
}

TEST(grow_seal_refuses_larger_ftruncate)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);

		add_seals(_metadata, k, fd, SEAL_GROW);
		ASSERT_ERRNO(k, EPERM, ftruncate(fd, ps + 1));
		ASSERT_ERRNO(k, EPERM, ftruncate(fd, 4 * ps));
		assert_unchanged(_metadata, k, fd, ps);
		/* Shrinking is fine. */
		ASSERT_OK(k, ftruncate(fd, ps / 2));
		assert_size(_metadata, k, fd, ps / 2);
		close(fd);
	}
}

enum write_call { WRITE, PWRITE, WRITEV, SPLICE };

/* One write within the file's size by the given call: its return. */
static long write_within_size(struct __test_metadata *_metadata, enum kind k,
			      int fd, enum write_call how)
{
	struct iovec iov[2] = {
		{ .iov_base = "XY", .iov_len = 2 },
		{ .iov_base = "Z", .iov_len = 1 },
	};
	loff_t off = 1;
	int pfd[2];
	long ret;

	switch (how) {
	case WRITE:
		ASSERT_EQ(1, lseek(fd, 1, SEEK_SET)) TH_LOG("%s", kind_name(k));
		return write(fd, "XYZ", 3);
	case PWRITE:
		return pwrite(fd, "XYZ", 3, 1);
	case WRITEV:
		ASSERT_EQ(1, lseek(fd, 1, SEEK_SET)) TH_LOG("%s", kind_name(k));
		return writev(fd, iov, 2);
	case SPLICE:
		ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
		ASSERT_EQ(3, write(pfd[1], "XYZ", 3)) TH_LOG("%s", kind_name(k));
		ret = splice(pfd[0], NULL, fd, &off, 3, 0);
		close(pfd[0]);
		close(pfd[1]);
		return ret;
	}
	return 0;
}

static void check_write_refused(struct __test_metadata *_metadata, unsigned int seal,
				enum write_call how)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);

		/* The call itself works on the file before sealing. */
		ASSERT_EQ(3, write_within_size(_metadata, k, fd, how))
			TH_LOG("%s: unsealed: %s", kind_name(k), strerror(errno));
		ASSERT_EQ('X', read_byte(_metadata, k, fd, 1)) TH_LOG("%s", kind_name(k));
		ASSERT_EQ('Z', read_byte(_metadata, k, fd, 3)) TH_LOG("%s", kind_name(k));
		ASSERT_EQ(3, pwrite(fd, "bcd", 3, 1));	/* pattern(1..3) again */
		add_seals(_metadata, k, fd, seal);
		ASSERT_ERRNO(k, EPERM, write_within_size(_metadata, k, fd, how));
		assert_unchanged(_metadata, k, fd, ps);
		close(fd);
	}
}

TEST(write_seal_refuses_write)
{
	check_write_refused(_metadata, SEAL_WRITE, WRITE);
}

TEST(write_seal_refuses_pwrite)
{
	check_write_refused(_metadata, SEAL_WRITE, PWRITE);
}

TEST(write_seal_refuses_writev)
{
	check_write_refused(_metadata, SEAL_WRITE, WRITEV);
}

TEST(write_seal_refuses_splice_from_pipe)
{
	check_write_refused(_metadata, SEAL_WRITE, SPLICE);
}

TEST(future_write_seal_refuses_write)
{
	check_write_refused(_metadata, SEAL_FUTURE_WRITE, WRITE);
}

TEST(future_write_seal_refuses_pwrite)
{
	check_write_refused(_metadata, SEAL_FUTURE_WRITE, PWRITE);
}

TEST(future_write_seal_refuses_writev)
{
	check_write_refused(_metadata, SEAL_FUTURE_WRITE, WRITEV);
}

TEST(future_write_seal_refuses_splice_from_pipe)
{
	check_write_refused(_metadata, SEAL_FUTURE_WRITE, SPLICE);
}

TEST(write_seal_refuses_write_past_eof)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);

		add_seals(_metadata, k, fd, SEAL_WRITE);
		ASSERT_ERRNO(k, EPERM, pwrite(fd, "XYZ", 3, ps));
		ASSERT_ERRNO(k, EPERM, pwrite(fd, "XYZ", 3, ps - 1));
		assert_unchanged(_metadata, k, fd, ps);
		close(fd);
	}
}

/*
 * How generic_perform_write() splits a write into the calls to
 * ->write_begin() that check F_SEAL_GROW (pos + len > i_size: EPERM): in
 * chunks of mapping_max_folio_size(), aligned to it.  shmem mappings have
 * large folios (shmem_get_inode), so the chunk is PAGE_SIZE <<
 * MAX_PAGECACHE_ORDER: the PMD size when THP is built in, else a page.
 */
static size_t write_chunk(void)
{
	char buf[32] = "";
	int fd = open("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return page_size();
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtoul(buf, NULL, 10) : page_size();
}

/* Bytes a write of len at off writes into a GROW-sealed file of size. */
static size_t grow_sealed_write_count(size_t chunk, size_t size, size_t off, size_t len)
{
	size_t pos = off, end = off + len;

	while (pos < end) {
		size_t chunk_end = (pos / chunk + 1) * chunk;

		if (chunk_end > end)
			chunk_end = end;
		if (chunk_end > size)
			break;
		pos = chunk_end;
	}
	return pos - off;
}

/*
 * A write that crosses EOF under GROW writes the chunks that end within
 * the file and fails at the first that does not (see write_chunk()).  Here
 * the file ends one page past a chunk boundary and the write starts one
 * page before it: memfd writes the page before the boundary only (with
 * page-sized chunks it would write two).
 */
TEST(grow_seal_write_straddling_eof_stops_at_the_chunk_crossing_it)
{
	size_t ps = page_size(), chunk = write_chunk();
	size_t size = chunk + ps, off = chunk - ps, len = 3 * ps;
	size_t expect = grow_sealed_write_count(chunk, size, off, len);
	char *buf = malloc(len);

	ASSERT_NE(NULL, buf);
	memset(buf, 'X', len);
	ASSERT_LT(0UL, expect) TH_LOG("premise: a partial write");
	ASSERT_GT(len, expect) TH_LOG("premise: a partial write");
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, size);
		ssize_t n;

		add_seals(_metadata, k, fd, SEAL_GROW);
		n = pwrite(fd, buf, len, off);
		ASSERT_EQ((ssize_t)expect, n)
			TH_LOG("%s: wrote %zd (%s), chunk %zu", kind_name(k), n,
			       n < 0 ? strerror(errno) : "", chunk);
		assert_size(_metadata, k, fd, size);
		ASSERT_EQ('X', read_byte(_metadata, k, fd, off)) TH_LOG("%s", kind_name(k));
		ASSERT_EQ('X', read_byte(_metadata, k, fd, off + expect - 1))
			TH_LOG("%s", kind_name(k));
		ASSERT_EQ(pattern(off + expect), read_byte(_metadata, k, fd, off + expect))
			TH_LOG("%s: wrote past the count it returned", kind_name(k));
		close(fd);
	}
	free(buf);
}

/* Within one chunk, a write straddling EOF under GROW writes nothing. */
TEST(grow_seal_refuses_small_write_straddling_eof)
{
	size_t ps = page_size(), chunk = write_chunk();
	size_t size = 2 * ps, off = ps, len = 2 * ps;

	ASSERT_EQ(0UL, grow_sealed_write_count(chunk, size, off, len))
		TH_LOG("premise: the write chunk (%zu) holds the whole write", chunk);
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, size);
		char *buf = calloc(1, len);

		ASSERT_NE(NULL, buf);
		add_seals(_metadata, k, fd, SEAL_GROW);
		ASSERT_ERRNO(k, EPERM, pwrite(fd, buf, len, off));
		ASSERT_ERRNO(k, EPERM, pwrite(fd, buf, 2, size - 1));
		assert_unchanged(_metadata, k, fd, size);
		free(buf);
		close(fd);
	}
}

TEST(grow_seal_refuses_write_entirely_past_eof)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);

		add_seals(_metadata, k, fd, SEAL_GROW);
		ASSERT_ERRNO(k, EPERM, pwrite(fd, "XYZ", 3, ps));
		ASSERT_ERRNO(k, EPERM, pwrite(fd, "XYZ", 3, 5 * ps));
		ASSERT_EQ((off_t)ps, lseek(fd, 0, SEEK_END));
		ASSERT_ERRNO(k, EPERM, write(fd, "XYZ", 3));
		assert_unchanged(_metadata, k, fd, ps);
		/* Within the size it works. */
		ASSERT_EQ(3, pwrite(fd, "XYZ", 3, ps - 3)) TH_LOG("%s: %s", kind_name(k),
								 strerror(errno));
		close(fd);
	}
}

TEST(zero_length_write_returns_0_under_every_seal)
{
	size_t ps = page_size();

	for_each_kind(k) {
		for (unsigned int s = SEAL_SEAL; s <= SEAL_EXEC; s <<= 1) {
			int fd = new_sealable(_metadata, k, ps);

			add_seals(_metadata, k, fd, s);
			ASSERT_EQ(0, write(fd, "X", 0))
				TH_LOG("%s: seal %#x: %s", kind_name(k), s, strerror(errno));
			ASSERT_EQ(0, pwrite(fd, "X", 0, 1))
				TH_LOG("%s: seal %#x: %s", kind_name(k), s, strerror(errno));
			ASSERT_EQ(0, pwrite(fd, "X", 0, 2 * ps))
				TH_LOG("%s: seal %#x: %s", kind_name(k), s, strerror(errno));
			assert_unchanged(_metadata, k, fd, ps);
			close(fd);
		}
	}
}

TEST(grow_seal_refuses_fallocate_past_eof)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);

		add_seals(_metadata, k, fd, SEAL_GROW);
		ASSERT_ERRNO(k, EPERM, fallocate(fd, 0, 0, 2 * ps));
		ASSERT_ERRNO(k, EPERM, fallocate(fd, 0, ps, ps));
		assert_unchanged(_metadata, k, fd, ps);
		close(fd);
	}
}

TEST(grow_seal_refuses_fallocate_keep_size_past_eof)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);

		add_seals(_metadata, k, fd, SEAL_GROW);
		ASSERT_ERRNO(k, EPERM, fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 2 * ps));
		ASSERT_ERRNO(k, EPERM, fallocate(fd, FALLOC_FL_KEEP_SIZE, ps, ps));
		assert_unchanged(_metadata, k, fd, ps);
		close(fd);
	}
}

TEST(grow_seal_allows_fallocate_within_size)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, 2 * ps);

		ASSERT_OK(k, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, ps, ps));
		add_seals(_metadata, k, fd, SEAL_GROW);
		ASSERT_OK(k, fallocate(fd, 0, 0, 2 * ps));
		ASSERT_OK(k, fallocate(fd, FALLOC_FL_KEEP_SIZE, ps, ps));
		assert_size(_metadata, k, fd, 2 * ps);
		ASSERT_EQ(pattern(0), read_byte(_metadata, k, fd, 0));
		ASSERT_EQ(0, read_byte(_metadata, k, fd, ps)) TH_LOG("%s", kind_name(k));
		close(fd);
	}
}

static void check_punch_hole_refused(struct __test_metadata *_metadata, unsigned int seal)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, 2 * ps);

		add_seals(_metadata, k, fd, seal);
		ASSERT_ERRNO(k, EPERM,
			     fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, ps));
		ASSERT_ERRNO(k, EPERM,
			     fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1, 1));
		assert_unchanged(_metadata, k, fd, 2 * ps);
		close(fd);
	}
}

TEST(write_seal_refuses_punch_hole)
{
	check_punch_hole_refused(_metadata, SEAL_WRITE);
}

TEST(future_write_seal_refuses_punch_hole)
{
	check_punch_hole_refused(_metadata, SEAL_FUTURE_WRITE);
}

/*
 * MADV_REMOVE punches a hole through the mapping's file (madvise_remove ->
 * vfs_fallocate(PUNCH_HOLE)): EPERM from the seal.
 */
TEST(future_write_seal_refuses_madvise_remove_on_writable_mapping)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, 2 * ps);
		char *p = map(_metadata, k, fd, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED);

		add_seals(_metadata, k, fd, SEAL_FUTURE_WRITE);
		ASSERT_ERRNO(k, EPERM, madvise(p, ps, MADV_REMOVE));
		ASSERT_EQ(pattern(0), p[0]) TH_LOG("%s", kind_name(k));
		assert_unchanged(_metadata, k, fd, 2 * ps);
		munmap(p, 2 * ps);
		close(fd);
	}
}

/* A shared mapping that may not write: madvise_remove's EACCES. */
TEST(write_sealed_read_only_mapping_refuses_madvise_remove)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, 2 * ps);
		char *p;

		add_seals(_metadata, k, fd, SEAL_WRITE);
		p = map(_metadata, k, fd, 2 * ps, PROT_READ, MAP_SHARED);
		ASSERT_ERRNO(k, EACCES, madvise(p, ps, MADV_REMOVE));
		ASSERT_EQ(pattern(0), p[0]) TH_LOG("%s", kind_name(k));
		assert_unchanged(_metadata, k, fd, 2 * ps);
		munmap(p, 2 * ps);
		close(fd);
	}
}

static void check_shared_writable_mmap_refused(struct __test_metadata *_metadata,
					       unsigned int seal)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);

		add_seals(_metadata, k, fd, seal);
		ASSERT_ERRNO(k, EPERM, mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
		ASSERT_ERRNO(k, EPERM, mmap(NULL, ps, PROT_WRITE, MAP_SHARED, fd, 0));
		close(fd);
	}
}

TEST(write_seal_refuses_shared_writable_mmap)
{
	check_shared_writable_mmap_refused(_metadata, SEAL_WRITE);
}

TEST(future_write_seal_refuses_shared_writable_mmap)
{
	check_shared_writable_mmap_refused(_metadata, SEAL_FUTURE_WRITE);
}

/* Bugzilla 217238: read-only shared maps of a write-sealed file work. */
static void check_shared_read_only_mmap_allowed(struct __test_metadata *_metadata,
						unsigned int seal)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, 2 * ps);
		char *p;

		add_seals(_metadata, k, fd, seal);
		p = map(_metadata, k, fd, 2 * ps, PROT_READ, MAP_SHARED);
		for (size_t i = 0; i < 2 * ps; i++) {
			ASSERT_EQ(pattern(i), p[i]) TH_LOG("%s: byte %zu", kind_name(k), i);
		}
		munmap(p, 2 * ps);
		close(fd);
	}
}

TEST(write_seal_allows_shared_read_only_mmap)
{
	check_shared_read_only_mmap_allowed(_metadata, SEAL_WRITE);
}

TEST(future_write_seal_allows_shared_read_only_mmap)
{
	check_shared_read_only_mmap_allowed(_metadata, SEAL_FUTURE_WRITE);
}

static void check_mprotect_write_refused(struct __test_metadata *_metadata,
					 unsigned int seal)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		char *p;

		add_seals(_metadata, k, fd, seal);
		p = map(_metadata, k, fd, ps, PROT_READ, MAP_SHARED);
		ASSERT_ERRNO(k, EACCES, mprotect(p, ps, PROT_READ | PROT_WRITE));
		ASSERT_ERRNO(k, EACCES, mprotect(p, ps, PROT_WRITE));
		ASSERT_EQ(pattern(0), p[0]) TH_LOG("%s", kind_name(k));
		munmap(p, ps);
		close(fd);
	}
}

TEST(write_sealed_read_only_mapping_refuses_mprotect_write)
{
	check_mprotect_write_refused(_metadata, SEAL_WRITE);
}

TEST(future_write_sealed_read_only_mapping_refuses_mprotect_write)
{
	check_mprotect_write_refused(_metadata, SEAL_FUTURE_WRITE);
}

static void check_private_mapping_stays_private(struct __test_metadata *_metadata,
						unsigned int seal)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		char *p;

		add_seals(_metadata, k, fd, seal);
		p = map(_metadata, k, fd, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		ASSERT_EQ(pattern(0), p[0]) TH_LOG("%s", kind_name(k));
		p[0] = 'Z';
		p[ps - 1] = 'Y';
		ASSERT_EQ('Z', p[0]) TH_LOG("%s", kind_name(k));
		assert_unchanged(_metadata, k, fd, ps);
		munmap(p, ps);
		close(fd);
	}
}

TEST(write_seal_allows_private_writable_mmap_and_writes_stay_private)
{
	check_private_mapping_stays_private(_metadata, SEAL_WRITE);
}

TEST(future_write_seal_allows_private_writable_mmap_and_writes_stay_private)
{
	check_private_mapping_stays_private(_metadata, SEAL_FUTURE_WRITE);
}

/* 2019: FUTURE_WRITE cleared VM_MAYWRITE of private maps, so mprotect failed. */
TEST(future_write_seal_lets_private_read_only_mapping_become_writable)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		char *p;

		add_seals(_metadata, k, fd, SEAL_FUTURE_WRITE);
		p = map(_metadata, k, fd, ps, PROT_READ, MAP_PRIVATE);
		ASSERT_OK(k, mprotect(p, ps, PROT_READ | PROT_WRITE));
		p[0] = 'Z';
		assert_unchanged(_metadata, k, fd, ps);
		munmap(p, ps);
		close(fd);
	}
}

/*
 * 2019: FUTURE_WRITE cleared VM_MAYWRITE of private maps, which made them
 * no longer copy-on-write across fork: parent and child shared their
 * private pages.  Each writes its own copy; neither sees the other's byte.
 */
static void check_private_mapping_cow_across_fork(struct __test_metadata *_metadata,
						  unsigned int seal)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		int to_child[2], to_parent[2], status;
		char *p, c;
		pid_t pid;

		add_seals(_metadata, k, fd, seal);
		p = map(_metadata, k, fd, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		p[0] = 'P';	/* an anonymous copy, in place before fork */
		ASSERT_EQ(0, pipe2(to_child, O_CLOEXEC));
		ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			int ok = p[0] == 'P';

			p[0] = 'C';
			if (write(to_parent[1], "c", 1) != 1 || read(to_child[0], &c, 1) != 1)
				_exit(2);
			ok = ok && p[0] == 'C';
			_exit(ok ? 0 : 1);
		}
		ASSERT_EQ(1, read(to_parent[0], &c, 1));
		ASSERT_EQ('P', p[0]) TH_LOG("%s: the parent sees the child's write", kind_name(k));
		p[0] = 'Q';
		ASSERT_EQ(1, write(to_child[1], "p", 1));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s: child status %#x", kind_name(k), status);
		ASSERT_EQ(0, WEXITSTATUS(status))
			TH_LOG("%s: the child did not keep its own copy", kind_name(k));
		ASSERT_EQ('Q', p[0]) TH_LOG("%s", kind_name(k));
		assert_unchanged(_metadata, k, fd, ps);
		munmap(p, ps);
		close(fd);
		close(to_child[0]);
		close(to_child[1]);
		close(to_parent[0]);
		close(to_parent[1]);
	}
}

TEST(write_seal_private_mapping_copies_on_write_across_fork)
{
	check_private_mapping_cow_across_fork(_metadata, SEAL_WRITE);
}

TEST(future_write_seal_private_mapping_copies_on_write_across_fork)
{
	check_private_mapping_cow_across_fork(_metadata, SEAL_FUTURE_WRITE);
}

TEST(future_write_seal_keeps_existing_writable_mapping_working)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		char *p = map(_metadata, k, fd, ps, PROT_READ | PROT_WRITE, MAP_SHARED);

		add_seals(_metadata, k, fd, SEAL_FUTURE_WRITE);
		p[0] = 'Z';
		p[ps - 1] = 'Y';
		ASSERT_EQ('Z', read_byte(_metadata, k, fd, 0)) TH_LOG("%s", kind_name(k));
		ASSERT_EQ('Y', read_byte(_metadata, k, fd, ps - 1)) TH_LOG("%s", kind_name(k));
		ASSERT_ERRNO(k, EPERM, pwrite(fd, "X", 1, 0));
		ASSERT_EQ('Z', p[0]) TH_LOG("%s", kind_name(k));
		munmap(p, ps);
		close(fd);
	}
}

/* Seals belong to the inode: an O_RDWR reopen through /proc is sealed too. */
static void check_reopen_is_sealed(struct __test_metadata *_metadata, unsigned int seal)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, ps);
		int rw;

		add_seals(_metadata, k, fd, seal);
		rw = reopen(_metadata, k, fd, O_RDWR);
		ASSERT_ERRNO(k, EPERM, write(rw, "X", 1));
		ASSERT_ERRNO(k, EPERM, pwrite(rw, "X", 1, 0));
		ASSERT_ERRNO(k, EPERM, mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0));
		ASSERT_ERRNO(k, EPERM,
			     fallocate(rw, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, ps));
		assert_seals(_metadata, k, rw, seal);
		assert_unchanged(_metadata, k, rw, ps);
		close(rw);
		close(fd);
	}
}

TEST(write_seal_holds_through_read_write_reopen)
{
	check_reopen_is_sealed(_metadata, SEAL_WRITE);
}

TEST(future_write_seal_holds_through_read_write_reopen)
{
	check_reopen_is_sealed(_metadata, SEAL_FUTURE_WRITE);
}

TEST(exec_seal_refuses_chmod_of_x_bits)
{
	static const mode_t modes[] = { 0666, 0776, 0677, 0767, 0 };

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());

		add_seals(_metadata, k, fd, SEAL_EXEC);
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			ASSERT_ERRNO(k, EPERM, fchmod(fd, modes[i]));
		ASSERT_EQ(0777, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));

		/* Adding x bits to a file without them is refused too. */
		close(fd);
		fd = new_file(_metadata, k, SEALFS_NOEXEC_SEAL, 0);
		ASSERT_ERRNO(k, EPERM, fchmod(fd, 0766));
		ASSERT_ERRNO(k, EPERM, fchmod(fd, 0777));
		ASSERT_EQ(0666, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));
		close(fd);
	}
}

TEST(exec_seal_allows_chmod_keeping_x_bits)
{
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, page_size());

		add_seals(_metadata, k, fd, SEAL_EXEC);
		ASSERT_OK(k, fchmod(fd, 0711));
		ASSERT_EQ(0711, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));
		close(fd);

		fd = new_file(_metadata, k, SEALFS_NOEXEC_SEAL, 0);
		ASSERT_OK(k, fchmod(fd, 0600));
		ASSERT_EQ(0600, file_mode(_metadata, k, fd)) TH_LOG("%s: mode", kind_name(k));
		close(fd);
	}
}

TEST(write_seal_still_allows_shrinking)
{
	size_t ps = page_size();

	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, 2 * ps);

		add_seals(_metadata, k, fd, SEAL_WRITE);
		ASSERT_EQ(0, ftruncate(fd, ps)) TH_LOG("%s: %s", kind_name(k), strerror(errno));
		assert_unchanged(_metadata, k, fd, ps);
		ASSERT_EQ(0, ftruncate(fd, 0)) TH_LOG("%s: %s", kind_name(k), strerror(errno));
		assert_size(_metadata, k, fd, 0);
		close(fd);
	}
}

TEST(write_sealed_sparse_file_reads_holes_as_zeros)
{
	size_t ps = page_size();
	char *buf = malloc(3 * ps + 1);

	ASSERT_NE(NULL, buf);
	for_each_kind(k) {
		int fd = new_sealable(_metadata, k, 0);

		ASSERT_OK(k, ftruncate(fd, 3 * ps));
		memset(buf, 'D', ps);
		ASSERT_EQ((ssize_t)ps, pwrite(fd, buf, ps, ps))
			TH_LOG("%s: %s", kind_name(k), strerror(errno));
		add_seals(_metadata, k, fd, SEAL_WRITE);
		memset(buf, 'x', 3 * ps + 1);
		ASSERT_EQ((ssize_t)(3 * ps), pread(fd, buf, 3 * ps + 1, 0))
			TH_LOG("%s: %s", kind_name(k), strerror(errno));
		for (size_t i = 0; i < 3 * ps; i++) {
			ASSERT_EQ(i >= ps && i < 2 * ps ? 'D' : 0, buf[i])
				TH_LOG("%s: byte %zu", kind_name(k), i);
		}
		close(fd);
	}
	free(buf);
}

TEST_HARNESS_MAIN
