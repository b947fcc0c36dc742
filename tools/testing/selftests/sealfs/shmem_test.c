// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: storage on shmem (spec 5).
 *
 * A sealfs file's data lives in a shmem backing file, and its mappings are
 * the backing file's, so shmem's features work on them as on a memfd, and
 * the paths that reach the backing file directly must not get around a
 * seal.  Each test runs the same steps on a memfd and on a sealfs file and
 * asserts the same exact result, memfd being the oracle:
 *  - userfaultfd in minor mode (UFFDIO_CONTINUE) on a shared mapping;
 *  - transparent huge pages: a 64 MiB file of a huge=within_size mount is
 *    PMD-mapped and takes at most 1/256 as many faults as it has pages;
 *    huge=never maps none; anonymous files follow the internal mount
 *    (huge=within_size), memfd follows shmem_enabled;
 *  - /proc/PID/maps names the mapping /sealfs:NAME (deleted);
 *  - the paths to the backing file: /proc/self/map_files (write, O_DIRECT
 *    write, truncate, ftruncate, fallocate, writable mmap, mprotect),
 *    madvise(MADV_REMOVE) through a writable mapping made before
 *    F_SEAL_FUTURE_WRITE, copy_file_range into a sealed file: each refused
 *    with memfd's errno, and no byte changed;
 *  - a writable shared mapping placed right after one made before
 *    F_SEAL_FUTURE_WRITE (a VMA merge would skip f_op->mmap): EPERM;
 *  - the sealfs inode keeps its own rules: a write by another user clears
 *    its setuid bit, and an inotify mark on an anonymous file outlives its
 *    last close without trouble;
 *  - the mount options of the private tmpfs mount: a remount changes
 *    size= and nr_inodes= as on tmpfs, and huge=; /proc/self/mounts shows
 *    them; a bad value is EINVAL with a line in the kernel log.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/inotify.h>
#include <sys/klog.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "common.h"

#define PAGE 4096UL
/* The errno of a call that must fail: 0 if it succeeded. */
#define ERRNO_OF(call) ((call) == -1 ? errno : 0)
#define MiB (1024UL * 1024)
#define PMD (2 * MiB)

/* ---- userfaultfd ---- */

struct toucher {
	volatile char *addr;
	char seen;
};

static void *touch(void *arg)
{
	struct toucher *t = arg;

	t->seen = t->addr[0];
	return NULL;
}

/*
 * Maps two pages of a file whose page cache is filled, registers the
 * mapping for minor faults, zaps its page tables, and reads from a thread:
 * the read must stop in a minor fault, which UFFDIO_CONTINUE resolves with
 * the page-cache page.  Returns the byte the thread read, or -errno of the
 * step that failed.
 */
static int minor_fault_roundtrip(enum kind k)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MINOR_SHMEM };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MINOR };
	struct uffdio_continue cont = { 0 };
	struct uffd_msg msg;
	struct toucher t = { 0 };
	struct pollfd pfd;
	char page[PAGE];
	pthread_t thread;
	int fd, uffd, ret = 0;
	char *map;

	fd = kind_create(k, "uffd", SEALFS_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(page, 'u', sizeof(page));
	if (pwrite(fd, page, PAGE, 0) != PAGE || ftruncate(fd, 2 * PAGE))
		return -errno;
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		return -errno;
	if (ioctl(uffd, UFFDIO_API, &api))
		return -errno;
	reg.range.start = (unsigned long)map;
	reg.range.len = 2 * PAGE;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		ret = -errno;
		goto out;
	}
	/* The page stays in the page cache; only the PTE goes. */
	if (madvise(map, PAGE, MADV_DONTNEED)) {
		ret = -errno;
		goto out;
	}
	t.addr = map;
	if (pthread_create(&thread, NULL, touch, &t)) {
		ret = -EAGAIN;
		goto out;
	}
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	if (poll(&pfd, 1, 10000) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT ||
	    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_MINOR)) {
		ret = -EPROTO;
		/* Let the thread go: a plain fault after unregistering. */
		ioctl(uffd, UFFDIO_UNREGISTER, &reg.range);
	} else {
		cont.range.start = (unsigned long)map;
		cont.range.len = PAGE;
		if (ioctl(uffd, UFFDIO_CONTINUE, &cont))
			ret = -errno;
	}
	pthread_join(thread, NULL);
	if (!ret)
		ret = t.seen;
out:
	munmap(map, 2 * PAGE);
	close(uffd);
	close(fd);
	return ret;
}

TEST(userfaultfd_minor_continue_works_as_on_memfd)
{
	for_each_kind(k) {
		int got = minor_fault_roundtrip(k);

		EXPECT_EQ('u', got) TH_LOG("%s: %s", kind_name(k),
					   got < 0 ? strerror(-got) : "another byte");
	}
}

/* ---- transparent huge pages ---- */

/* The "ShmemPmdMapped:" of the VMA at @addr in /proc/self/smaps, in kB. */
static long pmd_mapped_kb(void *addr)
{
	char line[256], want[32];
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') && strchr(line, '-') < strchr(line, ' '))
			in = !strncmp(line, want, strlen(want));
		else if (in && sscanf(line, "ShmemPmdMapped: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

struct thp_result {
	long pmd_kb;		/* ShmemPmdMapped of the mapping */
	long faults;		/* page faults taken to read it all */
};

/*
 * Sizes @fd to @size bytes, writes them, maps them shared, and reads one
 * byte of every page through the mapping.  The size comes first: under
 * huge=within_size a huge page is only allocated within it.
 */
static int thp_run(int fd, size_t size, struct thp_result *r)
{
	static char buf[MiB];
	long before;
	char *map;
	size_t off;
	volatile char sink;

	memset(buf, 't', sizeof(buf));
	if (ftruncate(fd, size))
		return -1;
	for (off = 0; off < size; off += sizeof(buf))
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf))
			return -1;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	before = minor_faults();
	for (off = 0; off < size; off += PAGE)
		sink = map[off];
	(void)sink;
	r->faults = minor_faults() - before;
	r->pmd_kb = pmd_mapped_kb(map);
	munmap(map, size);
	return 0;
}

FIXTURE(mount)
{
	char dir[64];
};

FIXTURE_SETUP(mount)
{
	strcpy(self->dir, "/tmp/sealfs-shmem-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

FIXTURE_TEARDOWN(mount)
{
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

#define THP_SIZE (64 * MiB)

/* A file of a sealfs mount with @opts, THP_SIZE bytes, read through a map. */
static int thp_mount_file(const char *dir, const char *opts, struct thp_result *r)
{
	char path[128];
	int fd, ret;

	if (mount("none", dir, "sealfs", 0, opts))
		return -1;
	snprintf(path, sizeof(path), "%s/thp", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ret = thp_run(fd, THP_SIZE, r);
	close(fd);
	unlink(path);
	umount(dir);
	return ret;
}

TEST_F(mount, huge_within_size_maps_pmds_with_few_faults)
{
	struct thp_result r;

	ASSERT_EQ(0, thp_mount_file(self->dir, "huge=within_size", &r));
	TH_LOG("huge=within_size: ShmemPmdMapped %ld kB, %ld faults for %lu pages",
	       r.pmd_kb, r.faults, THP_SIZE / PAGE);
	EXPECT_EQ((long)(THP_SIZE / 1024), r.pmd_kb);
	EXPECT_LE(r.faults, (long)(THP_SIZE / PAGE / 256));
}

TEST_F(mount, huge_never_maps_no_pmd)
{
	struct thp_result r;

	ASSERT_EQ(0, thp_mount_file(self->dir, "huge=never", &r));
	TH_LOG("huge=never: ShmemPmdMapped %ld kB, %ld faults", r.pmd_kb, r.faults);
	EXPECT_EQ(0, r.pmd_kb);
}

TEST_F(mount, default_mount_is_huge_within_size)
{
	struct thp_result r;

	ASSERT_EQ(0, thp_mount_file(self->dir, NULL, &r));
	EXPECT_EQ((long)(THP_SIZE / 1024), r.pmd_kb);
}

/*
 * Anonymous files follow the internal mount (huge=within_size); memfd
 * follows shmem_enabled, "never" by default: the same steps on both.
 */
TEST(anonymous_files_follow_the_internal_mount)
{
	char mode[64] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "re");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(mode, sizeof(mode), f));
	fclose(f);
	for_each_kind(k) {
		struct thp_result r;
		int fd = kind_create(k, "thp", SEALFS_CLOEXEC);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, thp_run(fd, THP_SIZE, &r));
		close(fd);
		TH_LOG("%s: ShmemPmdMapped %ld kB, %ld faults (shmem_enabled: %.40s)",
		       kind_name(k), r.pmd_kb, r.faults, mode);
		if (k == SEALFS) {
			EXPECT_EQ((long)(THP_SIZE / 1024), r.pmd_kb);
		} else if (strstr(mode, "[never]")) {
			EXPECT_EQ(0, r.pmd_kb);
		}
	}
}

/* ---- the backing file's name ---- */

TEST(maps_names_the_mapping_like_the_fd)
{
	char line[512], want[64], fdlink[128], path[64];
	int found = 0, fd = kind_create(SEALFS, "named", SEALFS_CLOEXEC);
	ssize_t n;
	char *map;
	FILE *f;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, fdlink, sizeof(fdlink) - 1);
	ASSERT_LT(0, n);
	fdlink[n] = 0;
	EXPECT_STREQ("/sealfs:named (deleted)", fdlink);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)map);
	f = fopen("/proc/self/maps", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want))) {
			found = 1;
			EXPECT_NE(NULL, strstr(line, " /sealfs:named (deleted)\n")) TH_LOG("%s", line);
		}
	fclose(f);
	EXPECT_TRUE(found);
	munmap(map, PAGE);
	close(fd);
}

/* ---- paths to the backing file ---- */

#define SEALED (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)

/* A file of two pages of 'A', sealed SEALED, and a read-only shared map. */
static int sealed_file(enum kind k, char **map)
{
	char buf[2 * PAGE];
	int fd = kind_create(k, "sealed", SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	memset(buf, 'A', sizeof(buf));
	if (pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf) || kind_add_seals(k, fd, SEALED))
		return -1;
	*map = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	return *map == MAP_FAILED ? -1 : fd;
}

/* Whether the file still holds two pages of 'A'. */
static int intact(int fd)
{
	char buf[2 * PAGE + 1];
	struct stat st;

	if (fstat(fd, &st) || st.st_size != 2 * PAGE)
		return 0;
	if (pread(fd, buf, sizeof(buf), 0) != 2 * PAGE)
		return 0;
	for (size_t i = 0; i < 2 * PAGE; i++)
		if (buf[i] != 'A')
			return 0;
	return 1;
}


TEST(map_files_reopen_cannot_write_a_sealed_file)
{
	for_each_kind(k) {
		char path[128], *map, *w;
		int fd, rw, direct;

		fd = sealed_file(k, &map);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", kind_name(k), strerror(errno));
		snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
			 (unsigned long)map, (unsigned long)map + 2 * PAGE);
		rw = open(path, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, rw) TH_LOG("%s: open %s: %s", kind_name(k), path, strerror(errno));

		EXPECT_EQ(EPERM, ERRNO_OF(pwrite(rw, "x", 1, 0))) TH_LOG("%s: pwrite", kind_name(k));
		EXPECT_EQ(EPERM, ERRNO_OF(pwrite(rw, "x", 1, 2 * PAGE)))
			TH_LOG("%s: pwrite past EOF", kind_name(k));
		EXPECT_EQ(EPERM, ERRNO_OF(ftruncate(rw, PAGE))) TH_LOG("%s: shrink", kind_name(k));
		EXPECT_EQ(EPERM, ERRNO_OF(ftruncate(rw, 4 * PAGE))) TH_LOG("%s: grow", kind_name(k));
		EXPECT_EQ(EPERM, ERRNO_OF(truncate(path, 0))) TH_LOG("%s: truncate", kind_name(k));
		EXPECT_EQ(EPERM, ERRNO_OF(fallocate(rw, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
						    0, PAGE)))
			TH_LOG("%s: punch", kind_name(k));
		EXPECT_EQ(EPERM, ERRNO_OF(fallocate(rw, 0, 0, 4 * PAGE)))
			TH_LOG("%s: fallocate past EOF", kind_name(k));
		w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
		EXPECT_EQ(MAP_FAILED, w) TH_LOG("%s: writable mmap", kind_name(k));
		EXPECT_EQ(EPERM, errno);
		w = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, rw, 0);
		ASSERT_NE(MAP_FAILED, w);
		EXPECT_EQ(EACCES, ERRNO_OF(mprotect(w, PAGE, PROT_READ | PROT_WRITE)))
			TH_LOG("%s: mprotect", kind_name(k));
		munmap(w, PAGE);

		direct = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
		ASSERT_LE(0, direct) TH_LOG("%s: O_DIRECT: %s", kind_name(k), strerror(errno));
		{
			void *buf;

			ASSERT_EQ(0, posix_memalign(&buf, PAGE, PAGE));
			memset(buf, 'x', PAGE);
			EXPECT_EQ(EPERM, ERRNO_OF(pwrite(direct, buf, PAGE, 0)))
				TH_LOG("%s: O_DIRECT pwrite", kind_name(k));
			free(buf);
		}
		close(direct);
		EXPECT_TRUE(intact(fd)) TH_LOG("%s: a byte changed", kind_name(k));
		close(rw);
		munmap(map, 2 * PAGE);
		close(fd);
	}
}

TEST(madv_remove_through_a_mapping_older_than_future_write_is_eperm)
{
	for_each_kind(k) {
		char buf[2 * PAGE];
		int fd = kind_create(k, "remove", SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING);
		char *map;

		ASSERT_LE(0, fd);
		memset(buf, 'A', sizeof(buf));
		ASSERT_EQ(sizeof(buf), pwrite(fd, buf, sizeof(buf), 0));
		map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, map);
		ASSERT_EQ(0, kind_add_seals(k, fd, F_SEAL_FUTURE_WRITE));
		EXPECT_EQ(EPERM, ERRNO_OF(madvise(map, PAGE, MADV_REMOVE)))
			TH_LOG("%s", kind_name(k));
		/* The punch would have made page 0 zeroes. */
		EXPECT_EQ('A', map[0]);
		EXPECT_TRUE(intact(fd));
		munmap(map, 2 * PAGE);
		close(fd);
	}
}

TEST(copy_file_range_into_a_sealed_file_is_eperm)
{
	for_each_kind(k) {
		char *map, buf[PAGE];
		int fd = sealed_file(k, &map);
		int src = kind_create(k, "source", SEALFS_CLOEXEC);
		loff_t in = 0, out = 0;

		ASSERT_LE(0, fd);
		ASSERT_LE(0, src);
		memset(buf, 'x', sizeof(buf));
		ASSERT_EQ(sizeof(buf), pwrite(src, buf, sizeof(buf), 0));
		EXPECT_EQ(EPERM, ERRNO_OF(copy_file_range(src, &in, fd, &out, PAGE, 0)))
			TH_LOG("%s", kind_name(k));
		EXPECT_TRUE(intact(fd));
		munmap(map, 2 * PAGE);
		close(src);
		close(fd);
	}
}

/*
 * The merge case of spec 8: a writable shared mapping of page 0, made
 * before F_SEAL_FUTURE_WRITE, and a new writable shared mapping of page 1
 * of the same open file placed right after it.  Were the new range merged
 * into the old VMA before f_op->mmap, the seal would not be checked.
 */
TEST(new_writable_mapping_next_to_an_older_one_is_eperm_under_future_write)
{
	for_each_kind(k) {
		char buf[2 * PAGE], *first, *second, *area;
		int fd = kind_create(k, "merge", SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING);

		ASSERT_LE(0, fd);
		memset(buf, 'A', sizeof(buf));
		ASSERT_EQ(sizeof(buf), pwrite(fd, buf, sizeof(buf), 0));
		/* Two free pages in a row: the second is unmapped again. */
		area = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, area);
		first = mmap(area, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
		ASSERT_EQ(area, first);
		ASSERT_EQ(0, munmap(area + PAGE, PAGE));
		ASSERT_EQ(0, kind_add_seals(k, fd, F_SEAL_FUTURE_WRITE));
		second = mmap(area + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			      fd, PAGE);
		EXPECT_EQ(MAP_FAILED, second) TH_LOG("%s: the mapping was made", kind_name(k));
		EXPECT_EQ(EPERM, errno);
		if (second != MAP_FAILED)
			second[0] = 'x';
		/* The older mapping keeps working (FUTURE_WRITE). */
		first[0] = 'A';
		EXPECT_TRUE(intact(fd)) TH_LOG("%s: a byte changed", kind_name(k));
		munmap(area, 2 * PAGE);
		close(fd);
	}
}

/* ---- what the sealfs inode keeps ---- */

/*
 * A write by a task without CAP_FSETID clears the setuid and setgid bits
 * (file_remove_privs) of the file written: the sealfs inode's, not only
 * the backing inode's.  A write comes first, which finds nothing to
 * remove and marks the inode so (S_NOSEC, as on tmpfs): the chmod must
 * take that mark away again.
 */
TEST(write_by_another_user_clears_setuid_as_memfd)
{
	for_each_kind(k) {
		int fd = kind_create(k, "suid", SEALFS_CLOEXEC), status;
		struct stat st;
		pid_t pid;

		ASSERT_LE(0, fd);
		ASSERT_EQ(1, write(fd, "x", 1));
		ASSERT_EQ(0, fchmod(fd, 06777));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
				_exit(2);
			_exit(write(fd, "x", 1) == 1 ? 0 : 3);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", kind_name(k));
		ASSERT_EQ(0, fstat(fd, &st));
		EXPECT_EQ(0777, st.st_mode & 07777) TH_LOG("%s: mode %o", kind_name(k),
							   st.st_mode & 07777);
		close(fd);
	}
}

/*
 * An inotify mark holds an anonymous file's inode after its last close:
 * the inode then goes with the internal mount's superblock.  Closing the
 * inotify descriptor must return (it used to hang: the inode's eviction
 * dropped the last reference to the mount).
 */
TEST(inotify_mark_outliving_an_anonymous_file_lets_go)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		char path[64];
		int fd = kind_create(SEALFS, "watched", SEALFS_CLOEXEC), in;

		if (fd < 0 || (in = inotify_init1(IN_CLOEXEC)) < 0)
			_exit(2);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (inotify_add_watch(in, path, IN_MODIFY | IN_CLOSE_WRITE) < 0)
			_exit(3);
		close(fd);
		close(in);
		_exit(0);
	}
	/* A hang here is the bug: the harness's timeout reports it. */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- mount options ---- */

/* The options field of the /proc/self/mounts line of the mount at @dir. */
static void mount_options(const char *dir, char *out, size_t len)
{
	char line[1024], mdir[256], opts[512];
	FILE *f = fopen("/proc/self/mounts", "re");

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %255s %*s %511s", mdir, opts) == 2 && !strcmp(mdir, dir))
			snprintf(out, len, "%s", opts);
	if (f)
		fclose(f);
}

/* Writes @n bytes at the end of @fd in 64 KiB calls: how many went in. */
static long append(int fd, long n)
{
	static char buf[64 * 1024];
	long done = 0;

	memset(buf, 'r', sizeof(buf));
	while (done < n) {
		ssize_t ret = write(fd, buf, n - done < (long)sizeof(buf) ? n - done : (long)sizeof(buf));

		if (ret <= 0)
			break;
		done += ret;
	}
	return done;
}

TEST_F(mount, remount_changes_size_and_nr_inodes_as_tmpfs)
{
	static const char *const types[] = { "tmpfs", "sealfs" };

	for (int t = 0; t < 2; t++) {
		const char *type = types[t];
		char path[128], opts[512];
		int fd;

		ASSERT_EQ(0, mount("none", self->dir, type, 0, "size=1M,nr_inodes=4"));
		snprintf(path, sizeof(path), "%s/a", self->dir);
		fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		ASSERT_LE(0, fd);
		EXPECT_EQ((long)MiB, append(fd, 2 * MiB)) TH_LOG("%s", type);
		EXPECT_EQ(ENOSPC, ERRNO_OF(write(fd, "x", 1))) TH_LOG("%s", type);
		/* Room for a second MiB. */
		EXPECT_EQ(0, mount("none", self->dir, type, MS_REMOUNT, "size=2M")) TH_LOG("%s", type);
		EXPECT_EQ((long)MiB, append(fd, 2 * MiB)) TH_LOG("%s", type);
		/* Not below what is in use: size, then inodes (the root and a). */
		EXPECT_EQ(EINVAL, ERRNO_OF(mount("none", self->dir, type, MS_REMOUNT, "size=1M")))
			TH_LOG("%s", type);
		EXPECT_EQ(EINVAL, ERRNO_OF(mount("none", self->dir, type, MS_REMOUNT, "nr_inodes=1")))
			TH_LOG("%s", type);
		mount_options(self->dir, opts, sizeof(opts));
		EXPECT_NE(NULL, strstr(opts, ",size=2048k")) TH_LOG("%s: %s", type, opts);
		EXPECT_NE(NULL, strstr(opts, ",nr_inodes=4")) TH_LOG("%s: %s", type, opts);
		if (t == 1) {
			EXPECT_NE(NULL, strstr(opts, ",huge=within_size")) TH_LOG("%s", opts);
			EXPECT_EQ(0, mount("none", self->dir, type, MS_REMOUNT, "huge=never"));
			mount_options(self->dir, opts, sizeof(opts));
			EXPECT_NE(NULL, strstr(opts, ",huge=never")) TH_LOG("%s", opts);
		}
		close(fd);
		EXPECT_EQ(0, umount(self->dir));
	}
}

TEST_F(mount, bad_option_value_is_einval_with_a_log_line)
{
	static const char *const want[] = { "sealfs: Bad value for 'size'",
					    "sealfs: Bad value for 'huge'",
					    "sealfs: Unknown parameter 'bogus'" };
	static char log[1 << 20];
	int n;

	EXPECT_EQ(EINVAL, ERRNO_OF(mount("none", self->dir, "sealfs", 0, "size=abc")));
	EXPECT_EQ(EINVAL, ERRNO_OF(mount("none", self->dir, "sealfs", 0, "huge=sometimes")));
	EXPECT_EQ(EINVAL, ERRNO_OF(mount("none", self->dir, "sealfs", 0, "bogus=1")));
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	ASSERT_LT(0, n);
	log[n] = 0;
	for (int i = 0; i < 3; i++) {
		EXPECT_NE(NULL, strstr(log, want[i])) TH_LOG("no \"%s\" in the kernel log", want[i]);
	}
}

TEST_HARNESS_MAIN
