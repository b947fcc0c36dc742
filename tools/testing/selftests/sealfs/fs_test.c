// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: the filesystem (spec 5).  A sealfs mount must behave
 * like tmpfs, and a sealfs file like a memfd, so each test runs the same
 * steps on tmpfs (or a memfd) first and on sealfs after, and asserts the
 * same exact values for both.  Only what tmpfs cannot do (seals on named
 * files, the sealfs ioctls) is checked on sealfs alone.
 *
 * Every test runs in its own mount namespace, so a failing test leaves no
 * mount behind (the module must unload after the run).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include "common.h"
#include "kselftest_harness.h"

#define PAGE	4096
#define MiB	(1024 * 1024)

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* The two filesystems every mount test runs on, tmpfs first. */
enum fstype { TMPFS, SEALFS_FS };
#define for_each_fs(t) for (enum fstype t = TMPFS; t <= SEALFS_FS; t++)

static const char *fs_name(enum fstype t)
{
	return t == TMPFS ? "tmpfs" : "sealfs";
}

/*
 * The four kinds of regular file a file test runs on, the kernel's first:
 * a memfd, a file on a tmpfs mount, an anonymous sealfs file
 * (SEALFS_IOC_CREATE), a file on a sealfs mount.
 */
enum src { SRC_MEMFD, SRC_TMPFS, SRC_SEALFS, SRC_SEALFS_MOUNT };
#define for_each_src(s) for (enum src s = SRC_MEMFD; s <= SRC_SEALFS_MOUNT; s++)

static const char *src_name(enum src s)
{
	static const char * const names[] = {
		"memfd", "tmpfs file", "sealfs file", "sealfs mount file",
	};

	return names[s];
}

/* Appended to an assertion: what it failed on. */
#define ON(s) TH_LOG("on a %s", src_name(s))
#define IN(t) TH_LOG("in %s", fs_name(t))

#define MAX_MOUNTS 8

FIXTURE(fs) {
	char base[64];
	/* The default mount of each type, made on first use. */
	char dir[2][PATH_MAX];
	int nmounts;
	char mounts[MAX_MOUNTS][PATH_MAX];
};

FIXTURE_SETUP(fs)
{
	umask(0);
	ASSERT_EQ(0, unshare(CLONE_NEWNS)) TH_LOG("unshare: %s", strerror(errno));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	strcpy(self->base, "/tmp/sealfs-fs-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->base));
	self->nmounts = 0;
	self->dir[TMPFS][0] = self->dir[SEALFS_FS][0] = '\0';
}

FIXTURE_TEARDOWN(fs)
{
	while (self->nmounts > 0) {
		char *m = self->mounts[--self->nmounts];

		umount2(m, MNT_DETACH);
		rmdir(m);
	}
	rmdir(self->base);
}

/* mount -t TYPE -o OPTS none DIR on a new directory; 0, or -1 and errno. */
static int fs_mount(FIXTURE_DATA(fs) *self, enum fstype t, const char *opts,
		    char *dir)
{
	int err;

	if (self->nmounts == MAX_MOUNTS) {
		errno = EMFILE;
		return -1;
	}
	snprintf(dir, PATH_MAX, "%s/%s%d", self->base, fs_name(t), self->nmounts);
	if (mkdir(dir, 0755))
		return -1;
	if (mount("none", dir, fs_name(t), 0, opts)) {
		err = errno;
		rmdir(dir);
		errno = err;
		return -1;
	}
	strcpy(self->mounts[self->nmounts++], dir);
	return 0;
}

/* A new mount with these options; fails the test if it cannot be made. */
static const char *must_mount(struct __test_metadata *_metadata,
			      FIXTURE_DATA(fs) *self, enum fstype t,
			      const char *opts)
{
	static char dirs[4][PATH_MAX];
	static int next;
	char *dir = dirs[next++ % 4];

	ASSERT_EQ(0, fs_mount(self, t, opts, dir))
		TH_LOG("mount -t %s -o %s: %s", fs_name(t), opts ? opts : "",
		       strerror(errno));
	return dir;
}

/* The default mount of type t. */
static const char *fs_dir(struct __test_metadata *_metadata,
			  FIXTURE_DATA(fs) *self, enum fstype t)
{
	if (!self->dir[t][0])
		strcpy(self->dir[t], must_mount(_metadata, self, t, NULL));
	return self->dir[t];
}

/* DIR/NAME, in one of a few rotating buffers. */
static const char *at(const char *dir, const char *name)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *p = bufs[next++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

/* A new, empty regular file of kind s, open read-write. */
static int open_src(struct __test_metadata *_metadata, FIXTURE_DATA(fs) *self,
		    enum src s, const char *name)
{
	int fd;

	switch (s) {
	case SRC_MEMFD:
		fd = kind_create(MEMFD, name, SEALFS_ALLOW_SEALING);
		break;
	case SRC_SEALFS:
		fd = kind_create(SEALFS, name, SEALFS_ALLOW_SEALING);
		break;
	case SRC_TMPFS:
		fd = open(at(fs_dir(_metadata, self, TMPFS), name),
			  O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		break;
	case SRC_SEALFS_MOUNT:
	default:
		fd = open(at(fs_dir(_metadata, self, SEALFS_FS), name),
			  O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		break;
	}
	ASSERT_LE(0, fd) TH_LOG("create a %s: %s", src_name(s), strerror(errno));
	return fd;
}

static off_t size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

static long blocks_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : (long)st.st_blocks;
}

/* Every byte of [off, off + len) is c (pread of exactly len bytes). */
static int bytes_are(int fd, off_t off, size_t len, unsigned char c)
{
	unsigned char *buf = malloc(len);
	int ok;

	if (!buf)
		return 0;
	ok = pread(fd, buf, len, off) == (ssize_t)len;
	for (size_t i = 0; ok && i < len; i++)
		ok = buf[i] == c;
	free(buf);
	return ok;
}

static void fill(int fd, off_t off, size_t len, unsigned char c)
{
	char *buf = malloc(len);

	if (!buf)
		return;
	memset(buf, c, len);
	if (pwrite(fd, buf, len, off) != (ssize_t)len)
		memset(buf, 0, len);
	free(buf);
}

/* ---- regular files ---- */

TEST_F(fs, regular_file_reads_back_what_was_written_and_pread_past_eof_gives_0)
{
	static const char data[] = "hello, world";

	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "file");
		char buf[64];
		struct stat st;

		ASSERT_EQ(12, write(fd, data, 12)) ON(s);
		ASSERT_EQ(0, lseek(fd, 0, SEEK_SET)) ON(s);
		ASSERT_EQ(12, read(fd, buf, sizeof(buf))) ON(s);
		EXPECT_EQ(0, memcmp(buf, data, 12)) ON(s);
		EXPECT_EQ(0, read(fd, buf, sizeof(buf))) ON(s);
		EXPECT_EQ(5, pread(fd, buf, sizeof(buf), 7)) ON(s);
		EXPECT_EQ(0, memcmp(buf, "world", 5)) ON(s);
		EXPECT_EQ(0, pread(fd, buf, sizeof(buf), 12)) ON(s);
		EXPECT_EQ(0, pread(fd, buf, sizeof(buf), 100 * PAGE)) ON(s);

		ASSERT_EQ(0, fstat(fd, &st)) ON(s);
		EXPECT_TRUE(S_ISREG(st.st_mode)) ON(s);
		EXPECT_EQ(12, st.st_size) ON(s);
		EXPECT_EQ(8, st.st_blocks) ON(s);
		EXPECT_EQ(PAGE, st.st_blksize) ON(s);
		/* Anonymous files have no name, as memfd: nlink 0. */
		EXPECT_EQ(s == SRC_MEMFD || s == SRC_SEALFS ? 0U : 1U, st.st_nlink) ON(s);
		close(fd);
	}
}

TEST_F(fs, named_file_keeps_its_bytes_across_close_and_reopen)
{
	for_each_fs(t) {
		const char *d = fs_dir(_metadata, self, t);
		char buf[16];
		int fd;

		fd = open(at(d, "kept"), O_RDWR | O_CREAT | O_EXCL, 0600);
		ASSERT_LE(0, fd) IN(t);
		ASSERT_EQ(4, write(fd, "kept", 4)) IN(t);
		ASSERT_EQ(0, close(fd)) IN(t);
		fd = open(at(d, "kept"), O_RDONLY);
		ASSERT_LE(0, fd) IN(t);
		ASSERT_EQ(4, read(fd, buf, sizeof(buf))) IN(t);
		EXPECT_EQ(0, memcmp(buf, "kept", 4)) IN(t);
		close(fd);
		/* O_TRUNC empties it and frees its page. */
		fd = open(at(d, "kept"), O_RDWR | O_TRUNC);
		ASSERT_LE(0, fd) IN(t);
		EXPECT_EQ(0, size_of(fd)) IN(t);
		EXPECT_EQ(0, blocks_of(fd)) IN(t);
		close(fd);
		/* O_CREAT | O_EXCL on an existing name. */
		EXPECT_EQ(-1, open(at(d, "kept"), O_RDWR | O_CREAT | O_EXCL, 0600)) IN(t);
		EXPECT_EQ(EEXIST, errno) IN(t);
	}
}

TEST_F(fs, stat_counts_the_blocks_of_written_pages_only)
{
	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "sparse");

		ASSERT_EQ(1, pwrite(fd, "a", 1, 0)) ON(s);
		ASSERT_EQ(1, pwrite(fd, "b", 1, 5 * PAGE)) ON(s);
		EXPECT_EQ(5 * PAGE + 1, size_of(fd)) ON(s);
		EXPECT_EQ(16, blocks_of(fd)) ON(s);
		close(fd);
	}
}

TEST_F(fs, reading_a_hole_returns_zeros_and_allocates_nothing)
{
	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "hole");

		ASSERT_EQ(0, ftruncate(fd, 3 * PAGE)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 0, 3 * PAGE, 0)) ON(s);
		EXPECT_EQ(0, blocks_of(fd)) ON(s);
		close(fd);
	}
}

/* ---- directories and names ---- */

TEST_F(fs, mkdir_and_rmdir_work_and_rmdir_of_a_non_empty_directory_is_enotempty)
{
	for_each_fs(t) {
		const char *d = fs_dir(_metadata, self, t);
		struct stat st;
		int fd;

		ASSERT_EQ(0, stat(d, &st)) IN(t);
		EXPECT_EQ(2U, st.st_nlink) IN(t);
		ASSERT_EQ(0, mkdir(at(d, "sub"), 0750)) IN(t);
		ASSERT_EQ(0, stat(at(d, "sub"), &st)) IN(t);
		EXPECT_TRUE(S_ISDIR(st.st_mode)) IN(t);
		EXPECT_EQ(0750U, st.st_mode & 07777) IN(t);
		EXPECT_EQ(2U, st.st_nlink) IN(t);
		ASSERT_EQ(0, stat(d, &st)) IN(t);
		EXPECT_EQ(3U, st.st_nlink) IN(t);
		EXPECT_EQ(-1, mkdir(at(d, "sub"), 0750)) IN(t);
		EXPECT_EQ(EEXIST, errno) IN(t);

		fd = open(at(d, "sub/f"), O_RDWR | O_CREAT | O_EXCL, 0644);
		ASSERT_LE(0, fd) IN(t);
		close(fd);
		EXPECT_EQ(-1, rmdir(at(d, "sub"))) IN(t);
		EXPECT_EQ(ENOTEMPTY, errno) IN(t);
		EXPECT_EQ(-1, rmdir(at(d, "sub/f"))) IN(t);
		EXPECT_EQ(ENOTDIR, errno) IN(t);
		ASSERT_EQ(0, unlink(at(d, "sub/f"))) IN(t);
		ASSERT_EQ(0, rmdir(at(d, "sub"))) IN(t);
		EXPECT_EQ(-1, stat(at(d, "sub"), &st)) IN(t);
		EXPECT_EQ(ENOENT, errno) IN(t);
		ASSERT_EQ(0, stat(d, &st)) IN(t);
		EXPECT_EQ(2U, st.st_nlink) IN(t);
		EXPECT_EQ(-1, rmdir(at(d, "sub"))) IN(t);
		EXPECT_EQ(ENOENT, errno) IN(t);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

TEST_F(fs, directory_listing_shows_the_created_entries_with_their_types)
{
	for_each_fs(t) {
		const char *d = fs_dir(_metadata, self, t);
		char *names[8], got[128] = "";
		struct dirent *e;
		int n = 0, fd;
		DIR *dir;

		ASSERT_EQ(0, mkdir(at(d, "list"), 0755)) IN(t);
		fd = open(at(d, "list/b"), O_CREAT | O_EXCL | O_RDWR, 0644);
		ASSERT_LE(0, fd) IN(t);
		close(fd);
		ASSERT_EQ(0, mkdir(at(d, "list/a"), 0755)) IN(t);
		ASSERT_EQ(0, symlink("b", at(d, "list/c"))) IN(t);

		dir = opendir(at(d, "list"));
		ASSERT_NE(NULL, dir) IN(t);
		while ((e = readdir(dir)) && n < 8) {
			char *s = malloc(300);

			snprintf(s, 300, "%s:%d", e->d_name, e->d_type);
			names[n++] = s;
		}
		closedir(dir);
		qsort(names, n, sizeof(names[0]), cmp_str);
		for (int i = 0; i < n; i++) {
			strncat(got, names[i], sizeof(got) - strlen(got) - 2);
			strcat(got, " ");
			free(names[i]);
		}
		/* DT_DIR 4, DT_REG 8, DT_LNK 10 */
		EXPECT_STREQ("..:4 .:4 a:4 b:8 c:10 ", got) IN(t);
	}
}

TEST_F(fs, unlink_removes_the_name_and_an_open_file_stays_readable)
{
	for_each_fs(t) {
		const char *d = fs_dir(_metadata, self, t);
		struct stat st;
		char buf[8];
		int fd;

		fd = open(at(d, "gone"), O_RDWR | O_CREAT | O_EXCL, 0644);
		ASSERT_LE(0, fd) IN(t);
		ASSERT_EQ(3, write(fd, "abc", 3)) IN(t);
		ASSERT_EQ(0, unlink(at(d, "gone"))) IN(t);
		EXPECT_EQ(-1, stat(at(d, "gone"), &st)) IN(t);
		EXPECT_EQ(ENOENT, errno) IN(t);
		ASSERT_EQ(0, fstat(fd, &st)) IN(t);
		EXPECT_EQ(0U, st.st_nlink) IN(t);
		EXPECT_EQ(3, pread(fd, buf, sizeof(buf), 0)) IN(t);
		EXPECT_EQ(0, memcmp(buf, "abc", 3)) IN(t);
		EXPECT_EQ(3, pwrite(fd, "def", 3, 3)) IN(t);
		EXPECT_EQ(6, size_of(fd)) IN(t);
		close(fd);
		EXPECT_EQ(-1, unlink(at(d, "gone"))) IN(t);
		EXPECT_EQ(ENOENT, errno) IN(t);
		ASSERT_EQ(0, mkdir(at(d, "adir"), 0755)) IN(t);
		EXPECT_EQ(-1, unlink(at(d, "adir"))) IN(t);
		EXPECT_EQ(EISDIR, errno) IN(t);
	}
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

/* The file's content as a string (at most 63 bytes), or "" on error. */
static const char *read_file(const char *path)
{
	static char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

TEST_F(fs, rename_moves_and_replaces_and_noreplace_is_eexist)
{
	for_each_fs(t) {
		const char *d = fs_dir(_metadata, self, t);
		struct stat st;

		ASSERT_EQ(0, write_file(at(d, "a"), "A")) IN(t);
		ASSERT_EQ(0, write_file(at(d, "b"), "B")) IN(t);
		ASSERT_EQ(0, rename(at(d, "a"), at(d, "c"))) IN(t);
		EXPECT_EQ(-1, stat(at(d, "a"), &st)) IN(t);
		EXPECT_EQ(ENOENT, errno) IN(t);
		EXPECT_STREQ("A", read_file(at(d, "c"))) IN(t);

		EXPECT_EQ(-1, syscall(__NR_renameat2, AT_FDCWD, at(d, "c"),
				      AT_FDCWD, at(d, "b"), RENAME_NOREPLACE)) IN(t);
		EXPECT_EQ(EEXIST, errno) IN(t);
		EXPECT_STREQ("A", read_file(at(d, "c"))) IN(t);
		EXPECT_STREQ("B", read_file(at(d, "b"))) IN(t);
		EXPECT_EQ(0, syscall(__NR_renameat2, AT_FDCWD, at(d, "c"),
				     AT_FDCWD, at(d, "e"), RENAME_NOREPLACE)) IN(t);

		/* Plain rename replaces the target. */
		ASSERT_EQ(0, rename(at(d, "e"), at(d, "b"))) IN(t);
		EXPECT_STREQ("A", read_file(at(d, "b"))) IN(t);
		EXPECT_EQ(-1, stat(at(d, "e"), &st)) IN(t);
		EXPECT_EQ(ENOENT, errno) IN(t);

		/* Into a directory, and a directory onto a non-empty one. */
		ASSERT_EQ(0, mkdir(at(d, "d1"), 0755)) IN(t);
		ASSERT_EQ(0, mkdir(at(d, "d2"), 0755)) IN(t);
		ASSERT_EQ(0, rename(at(d, "b"), at(d, "d1/b"))) IN(t);
		EXPECT_STREQ("A", read_file(at(d, "d1/b"))) IN(t);
		EXPECT_EQ(-1, rename(at(d, "d2"), at(d, "d1"))) IN(t);
		EXPECT_EQ(ENOTEMPTY, errno) IN(t);
		ASSERT_EQ(0, rename(at(d, "d1"), at(d, "d2"))) IN(t);
		EXPECT_STREQ("A", read_file(at(d, "d2/b"))) IN(t);
		ASSERT_EQ(0, mkdir(at(d, "d3"), 0755)) IN(t);
		EXPECT_EQ(-1, rename(at(d, "d2/b"), at(d, "d3"))) IN(t);
		EXPECT_EQ(EISDIR, errno) IN(t);
		EXPECT_EQ(-1, rename(at(d, "d3"), at(d, "d2/b"))) IN(t);
		EXPECT_EQ(ENOTDIR, errno) IN(t);
	}
}

TEST_F(fs, link_gives_a_second_name_and_nlink_2)
{
	for_each_fs(t) {
		const char *d = fs_dir(_metadata, self, t);
		struct stat st1, st2;

		ASSERT_EQ(0, write_file(at(d, "f"), "x")) IN(t);
		ASSERT_EQ(0, link(at(d, "f"), at(d, "g"))) IN(t);
		ASSERT_EQ(0, stat(at(d, "f"), &st1)) IN(t);
		ASSERT_EQ(0, stat(at(d, "g"), &st2)) IN(t);
		EXPECT_EQ(2U, st1.st_nlink) IN(t);
		EXPECT_EQ(st1.st_ino, st2.st_ino) IN(t);
		EXPECT_EQ(-1, link(at(d, "f"), at(d, "g"))) IN(t);
		EXPECT_EQ(EEXIST, errno) IN(t);

		ASSERT_EQ(0, unlink(at(d, "f"))) IN(t);
		ASSERT_EQ(0, stat(at(d, "g"), &st2)) IN(t);
		EXPECT_EQ(1U, st2.st_nlink) IN(t);
		EXPECT_STREQ("x", read_file(at(d, "g"))) IN(t);

		ASSERT_EQ(0, mkdir(at(d, "dir"), 0755)) IN(t);
		EXPECT_EQ(-1, link(at(d, "dir"), at(d, "dirlink"))) IN(t);
		EXPECT_EQ(EPERM, errno) IN(t);
	}
}

TEST_F(fs, symlink_reads_back_with_readlink_and_is_followed)
{
	for_each_fs(t) {
		const char *d = fs_dir(_metadata, self, t);
		char buf[PATH_MAX];
		struct stat st;

		ASSERT_EQ(0, symlink("no/such/target", at(d, "dangling"))) IN(t);
		ASSERT_EQ(0, lstat(at(d, "dangling"), &st)) IN(t);
		EXPECT_TRUE(S_ISLNK(st.st_mode)) IN(t);
		EXPECT_EQ(14, st.st_size) IN(t);
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(14, readlink(at(d, "dangling"), buf, sizeof(buf))) IN(t);
		EXPECT_STREQ("no/such/target", buf) IN(t);
		EXPECT_EQ(-1, stat(at(d, "dangling"), &st)) IN(t);
		EXPECT_EQ(ENOENT, errno) IN(t);

		ASSERT_EQ(0, write_file(at(d, "real"), "real")) IN(t);
		ASSERT_EQ(0, symlink("real", at(d, "ln"))) IN(t);
		EXPECT_STREQ("real", read_file(at(d, "ln"))) IN(t);
		ASSERT_EQ(0, stat(at(d, "ln"), &st)) IN(t);
		EXPECT_TRUE(S_ISREG(st.st_mode)) IN(t);
		EXPECT_EQ(4, st.st_size) IN(t);
		EXPECT_EQ(-1, symlink("x", at(d, "ln"))) IN(t);
		EXPECT_EQ(EEXIST, errno) IN(t);
	}
}

TEST_F(fs, mknod_makes_a_working_fifo_and_char_device)
{
	for_each_fs(t) {
		const char *d = fs_dir(_metadata, self, t);
		struct stat st;
		char buf[4];
		int fd;

		ASSERT_EQ(0, mknod(at(d, "fifo"), S_IFIFO | 0600, 0)) IN(t);
		ASSERT_EQ(0, stat(at(d, "fifo"), &st)) IN(t);
		EXPECT_TRUE(S_ISFIFO(st.st_mode)) IN(t);
		EXPECT_EQ(0600U, st.st_mode & 07777) IN(t);
		fd = open(at(d, "fifo"), O_RDWR | O_NONBLOCK);
		ASSERT_LE(0, fd) IN(t);
		EXPECT_EQ(2, write(fd, "hi", 2)) IN(t);
		EXPECT_EQ(2, read(fd, buf, sizeof(buf))) IN(t);
		EXPECT_EQ(0, memcmp(buf, "hi", 2)) IN(t);
		close(fd);

		ASSERT_EQ(0, mknod(at(d, "null"), S_IFCHR | 0666, makedev(1, 3))) IN(t);
		ASSERT_EQ(0, stat(at(d, "null"), &st)) IN(t);
		EXPECT_TRUE(S_ISCHR(st.st_mode)) IN(t);
		EXPECT_EQ(0666U, st.st_mode & 07777) IN(t);
		EXPECT_EQ(makedev(1, 3), st.st_rdev) IN(t);
		fd = open(at(d, "null"), O_RDWR);
		ASSERT_LE(0, fd) IN(t);
		EXPECT_EQ(3, write(fd, "abc", 3)) IN(t);
		EXPECT_EQ(0, read(fd, buf, sizeof(buf))) IN(t);
		close(fd);
	}
}

/* ---- seals and ioctls on the mount ---- */

TEST_F(fs, tmpfs_files_refuse_seals_and_the_sealfs_ioctls)
{
	const char *d = fs_dir(_metadata, self, TMPFS);
	int fd;

	fd = open(at(d, "named"), O_RDWR | O_CREAT | O_EXCL, 0644);
	ASSERT_LE(0, fd);
	/* A named tmpfs file carries F_SEAL_SEAL from birth. */
	EXPECT_EQ(SEALFS_SEAL_SEAL, fcntl(fd, F_GET_SEALS));
	EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, SEALFS_SEAL_WRITE));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, ioctl(fd, SEALFS_IOC_GET_SEALS));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, SEALFS_IOC_ADD_SEALS, SEALFS_SEAL_WRITE));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST_F(fs, sealfs_mount_files_start_unsealed_and_take_seals_on_the_inode)
{
	const char *d = fs_dir(_metadata, self, SEALFS_FS);
	int fd, fd2, ro;
	char buf[8];

	fd = open(at(d, "sealme"), O_RDWR | O_CREAT | O_EXCL, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "bytes", 5));
	EXPECT_EQ(0, ioctl(fd, SEALFS_IOC_GET_SEALS))
		TH_LOG("SEALFS_IOC_GET_SEALS: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(fd, SEALFS_IOC_ADD_SEALS, SEALFS_SEAL_WRITE))
		TH_LOG("SEALFS_IOC_ADD_SEALS: %s", strerror(errno));
	EXPECT_EQ(SEALFS_SEAL_WRITE, ioctl(fd, SEALFS_IOC_GET_SEALS));
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, pwrite(fd, "x", 1, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(5, pread(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "bytes", 5));

	/* The seal is the inode's: another open of the name is sealed too. */
	fd2 = open(at(d, "sealme"), O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(SEALFS_SEAL_WRITE, ioctl(fd2, SEALFS_IOC_GET_SEALS));
	EXPECT_EQ(-1, pwrite(fd2, "x", 1, 0));
	EXPECT_EQ(EPERM, errno);
	/* A read-only open cannot add seals. */
	ro = open(at(d, "sealme"), O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-1, ioctl(ro, SEALFS_IOC_ADD_SEALS, SEALFS_SEAL_SHRINK));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(SEALFS_SEAL_WRITE, ioctl(ro, SEALFS_IOC_GET_SEALS));
	close(ro);
	close(fd2);
	close(fd);

	/* Another new file is unsealed. */
	fd = open(at(d, "fresh"), O_RDWR | O_CREAT | O_EXCL, 0644);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, SEALFS_IOC_GET_SEALS));
	EXPECT_EQ(1, write(fd, "y", 1));
	close(fd);
}

TEST_F(fs, create_ioctl_on_a_sealfs_file_is_enotty)
{
	struct sealfs_create create = { .name = (uintptr_t)"x" };
	int fd;

	fd = open(at(fs_dir(_metadata, self, SEALFS_FS), "f"),
		  O_RDWR | O_CREAT | O_EXCL, 0644);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, SEALFS_IOC_CREATE, &create));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);

	fd = kind_create(SEALFS, "anon", SEALFS_ALLOW_SEALING);
	ASSERT_LE(0, fd) TH_LOG("SEALFS_IOC_CREATE: %s", strerror(errno));
	EXPECT_EQ(-1, ioctl(fd, SEALFS_IOC_CREATE, &create));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST_F(fs, seal_ioctls_on_dev_sealfs_are_enotty)
{
	int fd = open("/dev/sealfs", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open /dev/sealfs: %s", strerror(errno));
	EXPECT_EQ(-1, ioctl(fd, SEALFS_IOC_ADD_SEALS, SEALFS_SEAL_WRITE));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, SEALFS_IOC_GET_SEALS));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

/* ---- mount options ---- */

TEST_F(fs, mode_option_sets_the_root_mode)
{
	for_each_fs(t) {
		const char *d = must_mount(_metadata, self, t, "mode=0700");
		struct stat st;

		ASSERT_EQ(0, stat(d, &st)) IN(t);
		EXPECT_TRUE(S_ISDIR(st.st_mode)) IN(t);
		EXPECT_EQ(0700U, st.st_mode & 07777) IN(t);
	}
}

TEST_F(fs, uid_and_gid_options_set_the_root_owner)
{
	for_each_fs(t) {
		const char *d = must_mount(_metadata, self, t, "uid=1234,gid=5678");
		struct stat st;

		ASSERT_EQ(0, stat(d, &st)) IN(t);
		EXPECT_EQ(1234U, st.st_uid) IN(t);
		EXPECT_EQ(5678U, st.st_gid) IN(t);
		/* Without the options, the root belongs to the mounter. */
		ASSERT_EQ(0, stat(fs_dir(_metadata, self, t), &st)) IN(t);
		EXPECT_EQ(0U, st.st_uid) IN(t);
		EXPECT_EQ(0U, st.st_gid) IN(t);
	}
}

static unsigned long fs_magic(enum fstype t)
{
	return t == TMPFS ? TMPFS_MAGIC : SEALFS_MAGIC;
}

/* size=1M is 256 pages of 4096 bytes: exactly 1048576 bytes of data. */
#define SIZE_OPT	"size=1M"
#define SIZE_PAGES	256
#define SIZE_BYTES	(SIZE_PAGES * PAGE)

TEST_F(fs, size_option_gives_a_short_write_of_exactly_the_size_then_enospc)
{
	char *buf = malloc(2 * MiB);

	ASSERT_NE(NULL, buf);
	memset(buf, 's', 2 * MiB);
	for_each_fs(t) {
		const char *d = must_mount(_metadata, self, t, SIZE_OPT);
		int fd = open(at(d, "big"), O_RDWR | O_CREAT | O_EXCL, 0644);

		ASSERT_LE(0, fd) IN(t);
		EXPECT_EQ(SIZE_BYTES, write(fd, buf, 2 * MiB)) IN(t);
		EXPECT_EQ(-1, write(fd, buf, 1)) IN(t);
		EXPECT_EQ(ENOSPC, errno) IN(t);
		EXPECT_EQ(SIZE_BYTES, size_of(fd)) IN(t);
		EXPECT_EQ(SIZE_PAGES * 8, blocks_of(fd)) IN(t);
		EXPECT_TRUE(bytes_are(fd, 0, SIZE_BYTES, 's')) IN(t);
		/* Rewriting a page that exists needs no new space. */
		EXPECT_EQ(1, pwrite(fd, "z", 1, 0)) IN(t);
		/* Nor does a new file with no page. */
		EXPECT_EQ(0, mknod(at(d, "empty"), S_IFREG | 0644, 0)) IN(t);
		EXPECT_EQ(0, truncate(at(d, "empty"), 10 * PAGE)) IN(t);
		close(fd);
	}
	free(buf);
}

TEST_F(fs, statfs_reports_the_size_limit_and_the_free_blocks)
{
	for_each_fs(t) {
		const char *d = must_mount(_metadata, self, t, SIZE_OPT);
		struct statfs sfs;
		int fd;

		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ(fs_magic(t), (unsigned long)sfs.f_type) IN(t);
		EXPECT_EQ(PAGE, sfs.f_bsize) IN(t);
		EXPECT_EQ((unsigned long)SIZE_PAGES, sfs.f_blocks) IN(t);
		EXPECT_EQ((unsigned long)SIZE_PAGES, sfs.f_bfree) IN(t);
		EXPECT_EQ((unsigned long)SIZE_PAGES, sfs.f_bavail) IN(t);
		EXPECT_EQ(NAME_MAX, sfs.f_namelen) IN(t);

		fd = open(at(d, "ten"), O_RDWR | O_CREAT | O_EXCL, 0644);
		ASSERT_LE(0, fd) IN(t);
		fill(fd, 0, 10 * PAGE, 't');
		EXPECT_EQ(10 * PAGE, size_of(fd)) IN(t);
		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ((unsigned long)SIZE_PAGES, sfs.f_blocks) IN(t);
		EXPECT_EQ((unsigned long)(SIZE_PAGES - 10), sfs.f_bfree) IN(t);
		EXPECT_EQ((unsigned long)(SIZE_PAGES - 10), sfs.f_bavail) IN(t);
		/* One byte in a new page takes a whole page. */
		ASSERT_EQ(1, pwrite(fd, "t", 1, 20 * PAGE)) IN(t);
		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ((unsigned long)(SIZE_PAGES - 11), sfs.f_bfree) IN(t);
		/* Punching a page gives it back. */
		ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				       0, PAGE)) IN(t);
		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ((unsigned long)(SIZE_PAGES - 10), sfs.f_bfree) IN(t);
		close(fd);
	}
}

TEST_F(fs, space_comes_back_when_the_last_reference_to_an_unlinked_file_goes)
{
	char *buf = malloc(2 * MiB);

	ASSERT_NE(NULL, buf);
	memset(buf, 'u', 2 * MiB);
	for_each_fs(t) {
		const char *d = must_mount(_metadata, self, t, SIZE_OPT);
		struct statfs sfs;
		int fd;

		fd = open(at(d, "full"), O_RDWR | O_CREAT | O_EXCL, 0644);
		ASSERT_LE(0, fd) IN(t);
		ASSERT_EQ(SIZE_BYTES, write(fd, buf, 2 * MiB)) IN(t);
		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ(0U, sfs.f_bfree) IN(t);

		/* Unlinked but open: the pages are still in use. */
		ASSERT_EQ(0, unlink(at(d, "full"))) IN(t);
		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ(0U, sfs.f_bfree) IN(t);
		ASSERT_EQ(0, close(fd)) IN(t);
		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ((unsigned long)SIZE_PAGES, sfs.f_bfree) IN(t);

		fd = open(at(d, "again"), O_RDWR | O_CREAT | O_EXCL, 0644);
		ASSERT_LE(0, fd) IN(t);
		EXPECT_EQ(SIZE_BYTES, write(fd, buf, SIZE_BYTES)) IN(t);
		close(fd);
	}
	free(buf);
}

/*
 * nr_inodes=8 counts the root directory too (as tmpfs: shmem_fill_super
 * reserves an inode for it), so 7 files fit.
 */
#define NR_INODES	8
#define NR_FILES	(NR_INODES - 1)

TEST_F(fs, nr_inodes_option_limits_the_inodes_counting_the_root)
{
	for_each_fs(t) {
		const char *d = must_mount(_metadata, self, t, "nr_inodes=8");
		struct statfs sfs;
		char name[16];
		int n, fd;

		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ((unsigned long)NR_INODES, sfs.f_files) IN(t);
		EXPECT_EQ((unsigned long)NR_FILES, sfs.f_ffree) IN(t);

		for (n = 0; n < 100; n++) {
			snprintf(name, sizeof(name), "f%d", n);
			fd = open(at(d, name), O_RDWR | O_CREAT | O_EXCL, 0644);
			if (fd < 0)
				break;
			close(fd);
		}
		EXPECT_EQ(NR_FILES, n) IN(t);
		EXPECT_EQ(ENOSPC, errno) IN(t);
		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ(0U, sfs.f_ffree) IN(t);
		EXPECT_EQ(-1, mkdir(at(d, "dir"), 0755)) IN(t);
		EXPECT_EQ(ENOSPC, errno) IN(t);
		EXPECT_EQ(-1, symlink("f0", at(d, "ln"))) IN(t);
		EXPECT_EQ(ENOSPC, errno) IN(t);

		/* A freed inode can be used again. */
		ASSERT_EQ(0, unlink(at(d, "f0"))) IN(t);
		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ(1U, sfs.f_ffree) IN(t);
		EXPECT_EQ(0, mkdir(at(d, "dir"), 0755)) IN(t);
		ASSERT_EQ(0, statfs(d, &sfs)) IN(t);
		EXPECT_EQ(0U, sfs.f_ffree) IN(t);
	}
}

TEST_F(fs, invalid_mount_options_are_einval)
{
	static const char * const bad[] = {
		"size=abc", "foo=1", "nr_inodes=abc", "mode=abc", "mode=0800",
		"uid=abc", "gid=abc", "size",
	};

	for_each_fs(t) {
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			char dir[PATH_MAX];
			int ret = fs_mount(self, t, bad[i], dir);

			EXPECT_EQ(-1, ret) TH_LOG("in %s, %s was accepted", fs_name(t), bad[i]);
			EXPECT_EQ(EINVAL, errno) TH_LOG("in %s, %s: %s", fs_name(t), bad[i],
							strerror(errno));
		}
	}
}

/* ---- seeking, allocation, truncation ---- */

TEST_F(fs, seek_data_and_seek_hole_find_the_one_written_page)
{
	char page[PAGE];

	memset(page, 'd', sizeof(page));
	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "seek");

		/* 5 pages, data only in page 2. */
		ASSERT_EQ(0, ftruncate(fd, 5 * PAGE)) ON(s);
		ASSERT_EQ(PAGE, pwrite(fd, page, PAGE, 2 * PAGE)) ON(s);

		EXPECT_EQ(2 * PAGE, lseek(fd, 0, SEEK_DATA)) ON(s);
		EXPECT_EQ(2 * PAGE, lseek(fd, 2 * PAGE, SEEK_DATA)) ON(s);
		EXPECT_EQ(2 * PAGE + 100, lseek(fd, 2 * PAGE + 100, SEEK_DATA)) ON(s);
		EXPECT_EQ(0, lseek(fd, 0, SEEK_HOLE)) ON(s);
		EXPECT_EQ(PAGE + 7, lseek(fd, PAGE + 7, SEEK_HOLE)) ON(s);
		EXPECT_EQ(3 * PAGE, lseek(fd, 2 * PAGE, SEEK_HOLE)) ON(s);
		EXPECT_EQ(3 * PAGE, lseek(fd, 2 * PAGE + 100, SEEK_HOLE)) ON(s);
		EXPECT_EQ(4 * PAGE, lseek(fd, 4 * PAGE, SEEK_HOLE)) ON(s);
		/* No data after page 2. */
		EXPECT_EQ(-1, lseek(fd, 3 * PAGE, SEEK_DATA)) ON(s);
		EXPECT_EQ(ENXIO, errno) ON(s);
		/* At or beyond EOF. */
		EXPECT_EQ(-1, lseek(fd, 5 * PAGE, SEEK_DATA)) ON(s);
		EXPECT_EQ(ENXIO, errno) ON(s);
		EXPECT_EQ(-1, lseek(fd, 5 * PAGE, SEEK_HOLE)) ON(s);
		EXPECT_EQ(ENXIO, errno) ON(s);
		EXPECT_EQ(-1, lseek(fd, 100 * PAGE, SEEK_HOLE)) ON(s);
		EXPECT_EQ(ENXIO, errno) ON(s);
		/* The position is the last answer; a failed seek leaves it. */
		EXPECT_EQ(4 * PAGE, lseek(fd, 0, SEEK_CUR)) ON(s);
		close(fd);
	}
}

TEST_F(fs, fallocate_0_grows_the_file_and_allocates_its_blocks)
{
	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "falloc");

		ASSERT_EQ(0, fallocate(fd, 0, 0, 3 * PAGE)) ON(s);
		EXPECT_EQ(3 * PAGE, size_of(fd)) ON(s);
		EXPECT_EQ(24, blocks_of(fd)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 0, 3 * PAGE, 0)) ON(s);
		/* Inside the file, nothing changes. */
		ASSERT_EQ(0, fallocate(fd, 0, PAGE, 100)) ON(s);
		EXPECT_EQ(3 * PAGE, size_of(fd)) ON(s);
		EXPECT_EQ(24, blocks_of(fd)) ON(s);
		/* Unaligned, past EOF: the size is exact, the blocks whole pages. */
		ASSERT_EQ(0, fallocate(fd, 0, 4 * PAGE + 100, 5000)) ON(s);
		EXPECT_EQ(4 * PAGE + 5100, size_of(fd)) ON(s);
		EXPECT_EQ(40, blocks_of(fd)) ON(s);
		close(fd);
	}
}

TEST_F(fs, fallocate_keep_size_allocates_blocks_without_growing)
{
	char buf[16];

	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "keep");

		ASSERT_EQ(0, fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 3 * PAGE)) ON(s);
		EXPECT_EQ(0, size_of(fd)) ON(s);
		EXPECT_EQ(24, blocks_of(fd)) ON(s);
		EXPECT_EQ(0, pread(fd, buf, sizeof(buf), 0)) ON(s);
		/* Growing into the allocated pages reads zeros. */
		ASSERT_EQ(0, ftruncate(fd, 2 * PAGE)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 0, 2 * PAGE, 0)) ON(s);
		EXPECT_EQ(24, blocks_of(fd)) ON(s);
		close(fd);
	}
}

TEST_F(fs, punch_hole_frees_whole_pages_and_zeroes_the_range)
{
	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "punch");

		fill(fd, 0, 4 * PAGE, 0xaa);
		ASSERT_EQ(4 * PAGE, size_of(fd)) ON(s);
		ASSERT_EQ(32, blocks_of(fd)) ON(s);

		ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				       PAGE, 2 * PAGE)) ON(s);
		EXPECT_EQ(4 * PAGE, size_of(fd)) ON(s);
		EXPECT_EQ(16, blocks_of(fd)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 0, PAGE, 0xaa)) ON(s);
		EXPECT_TRUE(bytes_are(fd, PAGE, 2 * PAGE, 0)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 3 * PAGE, PAGE, 0xaa)) ON(s);

		/* Part of a page: zeroed, the page stays. */
		ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				       10, 100)) ON(s);
		EXPECT_EQ(16, blocks_of(fd)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 0, 10, 0xaa)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 10, 100, 0)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 110, PAGE - 110, 0xaa)) ON(s);

		/* Past EOF: nothing to do, the size stays. */
		ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				       8 * PAGE, PAGE)) ON(s);
		EXPECT_EQ(4 * PAGE, size_of(fd)) ON(s);
		close(fd);
	}
}

TEST_F(fs, fallocate_modes_other_than_keep_size_and_punch_hole_are_eopnotsupp)
{
	static const int modes[] = {
		FALLOC_FL_PUNCH_HOLE,		/* without KEEP_SIZE */
		FALLOC_FL_ZERO_RANGE,
		FALLOC_FL_COLLAPSE_RANGE,
		FALLOC_FL_INSERT_RANGE,
	};

	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "modes");

		fill(fd, 0, 4 * PAGE, 'm');
		for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
			EXPECT_EQ(-1, fallocate(fd, modes[i], PAGE, PAGE))
				TH_LOG("%s: mode %#x", src_name(s), modes[i]);
			EXPECT_EQ(EOPNOTSUPP, errno)
				TH_LOG("%s: mode %#x", src_name(s), modes[i]);
		}
		EXPECT_TRUE(bytes_are(fd, 0, 4 * PAGE, 'm')) ON(s);
		close(fd);
	}
}

TEST_F(fs, ftruncate_grows_and_shrinks_and_the_cut_tail_reads_back_zero)
{
	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "trunc");
		char path[64];

		fill(fd, 0, 2 * PAGE, 'x');
		ASSERT_EQ(16, blocks_of(fd)) ON(s);
		ASSERT_EQ(0, ftruncate(fd, 5000)) ON(s);
		EXPECT_EQ(5000, size_of(fd)) ON(s);
		EXPECT_EQ(16, blocks_of(fd)) ON(s);
		ASSERT_EQ(0, ftruncate(fd, 2 * PAGE)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 0, 5000, 'x')) ON(s);
		EXPECT_TRUE(bytes_are(fd, 5000, 2 * PAGE - 5000, 0)) ON(s);

		ASSERT_EQ(0, ftruncate(fd, 100)) ON(s);
		EXPECT_EQ(8, blocks_of(fd)) ON(s);
		ASSERT_EQ(0, ftruncate(fd, MiB)) ON(s);
		EXPECT_EQ(MiB, size_of(fd)) ON(s);
		EXPECT_EQ(8, blocks_of(fd)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 100, PAGE - 100, 0)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 0, 100, 'x')) ON(s);
		EXPECT_EQ(-1, ftruncate(fd, -1)) ON(s);
		EXPECT_EQ(EINVAL, errno) ON(s);

		/* Reopened with O_TRUNC through /proc: empty. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		close(open(path, O_RDWR | O_TRUNC));
		EXPECT_EQ(0, size_of(fd)) ON(s);
		EXPECT_EQ(0, blocks_of(fd)) ON(s);
		close(fd);
	}
}

/* ---- splice, sendfile, mmap ---- */

static void pattern(unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = i % 251;
}

TEST_F(fs, splice_round_trips_file_to_pipe_to_file)
{
	static unsigned char src[3 * PAGE], got[3 * PAGE];

	pattern(src, sizeof(src));
	for_each_src(s) {
		int a = open_src(_metadata, self, s, "splice-a");
		int b = open_src(_metadata, self, s, "splice-b");
		loff_t off;
		int p[2];

		ASSERT_EQ(0, pipe(p));
		ASSERT_EQ((ssize_t)sizeof(src), pwrite(a, src, sizeof(src), 0)) ON(s);
		off = 1000;
		EXPECT_EQ(2 * PAGE, splice(a, &off, p[1], NULL, 2 * PAGE, 0)) ON(s);
		EXPECT_EQ(1000 + 2 * PAGE, off) ON(s);
		off = 500;
		EXPECT_EQ(2 * PAGE, splice(p[0], NULL, b, &off, 2 * PAGE, 0)) ON(s);
		EXPECT_EQ(500 + 2 * PAGE, off) ON(s);
		EXPECT_EQ(500 + 2 * PAGE, size_of(b)) ON(s);
		ASSERT_EQ(2 * PAGE, pread(b, got, 2 * PAGE, 500)) ON(s);
		EXPECT_EQ(0, memcmp(got, src + 1000, 2 * PAGE)) ON(s);
		EXPECT_TRUE(bytes_are(b, 0, 500, 0)) ON(s);

		/* At EOF there is nothing to splice. */
		off = sizeof(src);
		EXPECT_EQ(0, splice(a, &off, p[1], NULL, PAGE, 0)) ON(s);
		close(p[0]);
		close(p[1]);
		close(a);
		close(b);
	}
}

TEST_F(fs, sendfile_copies_between_files)
{
	static unsigned char src[3 * PAGE], got[3 * PAGE];

	pattern(src, sizeof(src));
	for_each_src(s) {
		int a = open_src(_metadata, self, s, "send-a");
		int b = open_src(_metadata, self, s, "send-b");
		off_t off = 100;

		ASSERT_EQ((ssize_t)sizeof(src), pwrite(a, src, sizeof(src), 0)) ON(s);
		ASSERT_EQ(7, write(b, "prefix:", 7)) ON(s);
		EXPECT_EQ(5000, sendfile(b, a, &off, 5000)) ON(s);
		EXPECT_EQ(5100, off) ON(s);
		EXPECT_EQ(5007, size_of(b)) ON(s);
		ASSERT_EQ(5007, pread(b, got, sizeof(got), 0)) ON(s);
		EXPECT_EQ(0, memcmp(got, "prefix:", 7)) ON(s);
		EXPECT_EQ(0, memcmp(got + 7, src + 100, 5000)) ON(s);
		/* Short at EOF. */
		off = sizeof(src) - 10;
		EXPECT_EQ(10, sendfile(b, a, &off, 5000)) ON(s);
		close(a);
		close(b);
	}
}

TEST_F(fs, shared_mapping_writes_reach_the_file_and_file_writes_reach_the_mapping)
{
	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "shared");
		char buf[8];
		char *p;

		ASSERT_EQ(0, ftruncate(fd, 2 * PAGE)) ON(s);
		p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p) ON(s);
		memcpy(p + PAGE + 5, "mapped", 6);
		ASSERT_EQ(6, pread(fd, buf, 6, PAGE + 5)) ON(s);
		EXPECT_EQ(0, memcmp(buf, "mapped", 6)) ON(s);
		EXPECT_EQ(8, blocks_of(fd)) ON(s);
		ASSERT_EQ(4, pwrite(fd, "file", 4, 10)) ON(s);
		EXPECT_EQ(0, memcmp(p + 10, "file", 4)) ON(s);
		EXPECT_EQ(0, msync(p, 2 * PAGE, MS_SYNC)) ON(s);
		EXPECT_EQ(0, munmap(p, 2 * PAGE)) ON(s);
		/* The page outlives the mapping. */
		ASSERT_EQ(6, pread(fd, buf, 6, PAGE + 5)) ON(s);
		EXPECT_EQ(0, memcmp(buf, "mapped", 6)) ON(s);
		close(fd);
	}
}

TEST_F(fs, private_mapping_writes_leave_the_file_unchanged)
{
	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "private");
		char *p;

		fill(fd, 0, PAGE, 'a');
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		ASSERT_NE(MAP_FAILED, p) ON(s);
		EXPECT_EQ('a', p[0]) ON(s);
		memset(p, 'b', PAGE);
		EXPECT_TRUE(bytes_are(fd, 0, PAGE, 'a')) ON(s);
		EXPECT_EQ('b', p[PAGE - 1]) ON(s);
		EXPECT_EQ(0, munmap(p, PAGE)) ON(s);
		EXPECT_TRUE(bytes_are(fd, 0, PAGE, 'a')) ON(s);
		close(fd);
	}
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(sigbus_jmp, sig);
}

TEST_F(fs, touching_a_mapping_past_eof_is_sigbus)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;

	ASSERT_EQ(0, sigaction(SIGBUS, &sa, &old));
	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "sigbus");
		volatile char *p;
		volatile int sig;

		fill(fd, 0, 100, 'e');
		p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, (void *)p) ON(s);
		/* The rest of the last page reads zero. */
		EXPECT_EQ('e', p[99]) ON(s);
		EXPECT_EQ(0, p[100]) ON(s);
		EXPECT_EQ(0, p[PAGE - 1]) ON(s);
		sig = sigsetjmp(sigbus_jmp, 1);
		if (!sig)
			(void)p[PAGE];
		EXPECT_EQ(SIGBUS, sig) ON(s);
		munmap((void *)p, 3 * PAGE);
		close(fd);
	}
	sigaction(SIGBUS, &old, NULL);
}

/* ---- the rest of the file operations ---- */

TEST_F(fs, fsync_and_fdatasync_return_0)
{
	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "sync");

		fill(fd, 0, PAGE, 'y');
		EXPECT_EQ(0, fsync(fd)) ON(s);
		EXPECT_EQ(0, fdatasync(fd)) ON(s);
		EXPECT_EQ(0, sync_file_range(fd, 0, PAGE, SYNC_FILE_RANGE_WRITE)) ON(s);
		close(fd);
	}
	for_each_fs(t) {
		int dfd = open(fs_dir(_metadata, self, t), O_RDONLY | O_DIRECTORY);

		ASSERT_LE(0, dfd) IN(t);
		EXPECT_EQ(0, fsync(dfd)) IN(t);
		EXPECT_EQ(0, syncfs(dfd)) IN(t);
		close(dfd);
	}
}

TEST_F(fs, chmod_chown_and_utimensat_show_in_stat)
{
	const struct timespec times[2] = {
		{ .tv_sec = 1000000000, .tv_nsec = 500000000 },
		{ .tv_sec = 1234567890, .tv_nsec = 250000000 },
	};

	for_each_src(s) {
		int fd = open_src(_metadata, self, s, "attrs");
		struct stat st;

		ASSERT_EQ(0, fchmod(fd, 0640)) ON(s);
		ASSERT_EQ(0, fstat(fd, &st)) ON(s);
		EXPECT_EQ(0640U, st.st_mode & 07777) ON(s);
		ASSERT_EQ(0, fchown(fd, 1234, 5678)) ON(s);
		ASSERT_EQ(0, fstat(fd, &st)) ON(s);
		EXPECT_EQ(1234U, st.st_uid) ON(s);
		EXPECT_EQ(5678U, st.st_gid) ON(s);
		ASSERT_EQ(0, futimens(fd, times)) ON(s);
		ASSERT_EQ(0, fstat(fd, &st)) ON(s);
		EXPECT_EQ(times[0].tv_sec, st.st_atim.tv_sec) ON(s);
		EXPECT_EQ(times[0].tv_nsec, st.st_atim.tv_nsec) ON(s);
		EXPECT_EQ(times[1].tv_sec, st.st_mtim.tv_sec) ON(s);
		EXPECT_EQ(times[1].tv_nsec, st.st_mtim.tv_nsec) ON(s);
		/* A write moves mtime on. */
		ASSERT_EQ(1, write(fd, "w", 1)) ON(s);
		ASSERT_EQ(0, fstat(fd, &st)) ON(s);
		EXPECT_LT(times[1].tv_sec, st.st_mtim.tv_sec) ON(s);
		close(fd);
	}
	/* By path, on the mounts. */
	for_each_fs(t) {
		const char *f = at(fs_dir(_metadata, self, t), "bypath");
		struct stat st;

		ASSERT_EQ(0, write_file(f, "p")) IN(t);
		ASSERT_EQ(0, chmod(f, 04755)) IN(t);
		ASSERT_EQ(0, stat(f, &st)) IN(t);
		EXPECT_EQ(04755U, st.st_mode & 07777) IN(t);
		ASSERT_EQ(0, chown(f, 42, 43)) IN(t);
		ASSERT_EQ(0, stat(f, &st)) IN(t);
		EXPECT_EQ(42U, st.st_uid) IN(t);
		EXPECT_EQ(43U, st.st_gid) IN(t);
		/* chown of an executable drops set-user-ID. */
		EXPECT_EQ(0755U, st.st_mode & 07777) IN(t);
		ASSERT_EQ(0, utimensat(AT_FDCWD, f, times, 0)) IN(t);
		ASSERT_EQ(0, stat(f, &st)) IN(t);
		EXPECT_EQ(times[1].tv_sec, st.st_mtim.tv_sec) IN(t);
		EXPECT_EQ(times[1].tv_nsec, st.st_mtim.tv_nsec) IN(t);
	}
}

TEST_HARNESS_MAIN
