// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: resource limits and life cycle (spec 2 "Memory is
 * charged to the caller's memory cgroup like shmem pages", spec 5 "size=",
 * spec 6).
 *
 *  - a size=-limited mount filled by write, pwritev and stores through a
 *    shared map: ENOSPC (SIGBUS for a store), what was written stays byte
 *    for byte, a failed fallocate gives back what it took, freed space can
 *    be used again; every step compared with tmpfs;
 *  - memory cgroups: the pages of a sealfs file (written, and faulted
 *    through a shared map) are charged to the writer's cgroup and given
 *    back when the file goes, as a memfd's; with a zram swap device, a
 *    file twice its cgroup's memory.max is swapped out and read back
 *    intact, as a memfd; and, with SEALFS_MEMCG_OOM=1, a
 *    child under memory.max=16M that writes and faults far more sees
 *    ENOMEM/ENOSPC or is killed (SIGKILL), as with a memfd.
 *
 * It is also the helper of lifecycle.sh (module load/unload cycles):
 *   lifecycle_test --cycle        create, write, map, seal, mount, close; exit 0
 *   lifecycle_test --load-cycles N KO
 *                                 N times: unload sealfs and load KO as rmmod
 *                                 and insmod do (delete_module(O_NONBLOCK),
 *                                 finit_module), then --cycle in a child
 *                                 (with the mount every 4th time);
 *                                 no exec per cycle, which costs ~150 ms
 *                                 under TCG
 *   lifecycle_test --race-unload N KO
 *                                 N times: the last close and unmap of a
 *                                 64 MiB file race rmmod; KO is loaded again
 *   lifecycle_test --hold WHAT    hold WHAT (fd, map, dev, mountfile DIR) alive,
 *                                 print "ready", wait for SIGTERM
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "common.h"
#include "kselftest_harness.h"

#define PAGE	4096
#define KiB	1024L
#define MiB	(1024L * 1024)

/* ---- a size=-limited mount ---- */

enum fstype { TMPFS, SEALFS_FS };
#define for_each_fs(t) for (enum fstype t = TMPFS; t <= SEALFS_FS; t++)

static const char *fs_name(enum fstype t)
{
	return t == TMPFS ? "tmpfs" : "sealfs";
}

FIXTURE(limits) {
	char base[64];
	char dir[2][96];
};

FIXTURE_SETUP(limits)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNS)) TH_LOG("unshare: %s", strerror(errno));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	strcpy(self->base, "/tmp/sealfs-life-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->base));
	for_each_fs(t) {
		snprintf(self->dir[t], sizeof(self->dir[t]), "%s/%s", self->base, fs_name(t));
		ASSERT_EQ(0, mkdir(self->dir[t], 0755));
	}
}

FIXTURE_TEARDOWN(limits)
{
	for_each_fs(t) {
		umount2(self->dir[t], MNT_DETACH);
		rmdir(self->dir[t]);
	}
	rmdir(self->base);
}

/* The byte at off of file n: never 0, different per file and offset. */
static unsigned char pattern(int n, long off)
{
	return 1 + (off * 131 + off / 4096 * 7 + n * 61) % 251;
}

static long bfree(const char *dir)
{
	struct statfs sfs;

	if (statfs(dir, &sfs))
		return -1;
	return sfs.f_bfree;
}

/* The signal that ended a child doing fn, 0 if it exited normally. */
static int child_signal(void (*fn)(char *), char *p)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		fn(p);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void store_byte(char *p)
{
	*(volatile char *)p = 'S';
}

static void load_byte(char *p)
{
	(void)*(volatile char *)p;
}

/* What happened on one filesystem, to compare with the other. */
struct fill_result {
	long written[2], last_err[2], calls;
	long bfree_full, bfree_after_falloc, bfree_after_keep_falloc;
	int falloc_err, keep_falloc_err;
	long size_b_after_falloc, blocks_b_full, blocks_b_after_falloc;
	int store_sig, load_sig;
	char hole_byte;
	long rewrite, bfree_after_unlink, write_after_unlink;
};

#define LIMIT_OPT	"size=1M"
#define LIMIT		(1 * MiB)
#define SHADOW		(2 * MiB)

static void fill(struct __test_metadata *_metadata, const char *dir,
		 struct fill_result *res)
{
	unsigned char *shadow[2], *buf = malloc(SHADOW);
	char path[2][160];
	int fd[2], done[2] = { 0, 0 };
	long off[2] = { 0, 0 };
	struct stat st;
	char *map;

	memset(res, 0, sizeof(*res));
	for (int n = 0; n < 2; n++) {
		shadow[n] = calloc(1, SHADOW);
		ASSERT_NE(NULL, shadow[n]);
		snprintf(path[n], sizeof(path[n]), "%s/f%d", dir, n);
		fd[n] = open(path[n], O_RDWR | O_CREAT | O_EXCL, 0644);
		ASSERT_LE(0, fd[n]) TH_LOG("%s: %s", path[n], strerror(errno));
	}
	ASSERT_NE(NULL, buf);
	/* File 1 starts sparse: the holes must take no space. */
	ASSERT_EQ(0, ftruncate(fd[1], 512 * KiB));

	/* Round robin: write() of 3000 bytes to file 0, pwritev() of 7000 to 1. */
	while (!done[0] || !done[1]) {
		for (int n = 0; n < 2; n++) {
			long len = n == 0 ? 3000 : 7000;
			ssize_t ret;

			if (done[n])
				continue;
			for (long i = 0; i < len; i++)
				buf[i] = pattern(n, off[n] + i);
			if (n == 0) {
				ret = write(fd[0], buf, len);
			} else {
				struct iovec iov[3] = {
					{ buf, 1000 }, { buf + 1000, 2500 }, { buf + 3500, 3500 },
				};

				ret = pwritev(fd[1], iov, 3, off[1]);
			}
			res->calls++;
			if (ret > 0) {
				memcpy(shadow[n] + off[n], buf, ret);
				off[n] += ret;
				res->written[n] += ret;
			}
			if (ret < len) {
				res->last_err[n] = ret < 0 ? errno : 0;
				/* A short write, then the next call says why. */
				if (ret < 0)
					done[n] = 1;
			}
			if (off[n] + 7000 > SHADOW)
				done[n] = 1;
		}
	}
	res->bfree_full = bfree(dir);
	ASSERT_EQ(0, fstat(fd[1], &st));
	res->blocks_b_full = st.st_blocks;

	/* Allocating what does not fit: ENOSPC, and nothing kept. */
	errno = 0;
	res->falloc_err = fallocate(fd[1], 0, 0, 2 * LIMIT) ? errno : 0;
	res->bfree_after_falloc = bfree(dir);
	ASSERT_EQ(0, fstat(fd[1], &st));
	res->size_b_after_falloc = st.st_size;
	res->blocks_b_after_falloc = st.st_blocks;
	res->keep_falloc_err = fallocate(fd[1], FALLOC_FL_KEEP_SIZE, 0, 2 * LIMIT) ? errno : 0;
	res->bfree_after_keep_falloc = bfree(dir);
	/* fallocate may have grown the size (it may not, on ENOSPC). */
	ASSERT_EQ(0, ftruncate(fd[1], off[1] > 512 * KiB ? off[1] : 512 * KiB));

	/* A store into a hole of a full mount: SIGBUS; a load too, on tmpfs. */
	ASSERT_EQ(0, ftruncate(fd[1], (off[1] + 2 * PAGE) / PAGE * PAGE + 16 * PAGE));
	ASSERT_EQ(0, fstat(fd[1], &st));
	map = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd[1], 0);
	ASSERT_NE(MAP_FAILED, map);
	res->store_sig = child_signal(store_byte, map + st.st_size - 8 * PAGE);
	res->load_sig = child_signal(load_byte, map + st.st_size - 4 * PAGE);
	/* read(2) of a hole needs no space. */
	ASSERT_EQ(1, pread(fd[1], &res->hole_byte, 1, st.st_size - 2 * PAGE));
	munmap(map, st.st_size);

	/* Every byte written is there, and nothing else. */
	for (int n = 0; n < 2; n++) {
		long len = off[n];

		memset(buf, 0xee, SHADOW);
		ASSERT_EQ(len, pread(fd[n], buf, len, 0)) TH_LOG("file %d", n);
		for (long i = 0; i < len; i++) {
			if (buf[i] != shadow[n][i]) {
				ASSERT_EQ(shadow[n][i], buf[i])
					TH_LOG("%s: file %d, byte %ld of %ld changed", dir, n, i, len);
			}
		}
	}
	/* Rewriting pages that exist takes no space. */
	res->rewrite = pwrite(fd[0], shadow[0], 10000, 0);
	/* Space comes back with the file, and can be used again. */
	close(fd[0]);
	ASSERT_EQ(0, unlink(path[0]));
	res->bfree_after_unlink = bfree(dir);
	res->write_after_unlink = pwrite(fd[1], buf, 100 * KiB, st.st_size);
	close(fd[1]);
	unlink(path[1]);
	for (int n = 0; n < 2; n++)
		free(shadow[n]);
	free(buf);
}

TEST_F(limits, a_full_mount_gives_enospc_and_keeps_every_byte_as_tmpfs)
{
	struct fill_result r[2];

	for_each_fs(t) {
		ASSERT_EQ(0, mount("none", self->dir[t], fs_name(t), 0, LIMIT_OPT))
			TH_LOG("mount %s: %s", fs_name(t), strerror(errno));
		fill(_metadata, self->dir[t], &r[t]);
		TH_LOG("%s: %ld calls, wrote %ld + %ld bytes (last errors %s, %s); bfree full %ld; fallocate %s then bfree %ld (size %ld, blocks %ld -> %ld), KEEP_SIZE %s then bfree %ld; store SIG%d, load SIG%d; after unlink bfree %ld",
		       fs_name(t), r[t].calls, r[t].written[0], r[t].written[1],
		       strerror(r[t].last_err[0]), strerror(r[t].last_err[1]),
		       r[t].bfree_full, strerror(r[t].falloc_err), r[t].bfree_after_falloc,
		       r[t].size_b_after_falloc, r[t].blocks_b_full, r[t].blocks_b_after_falloc,
		       strerror(r[t].keep_falloc_err), r[t].bfree_after_keep_falloc,
		       r[t].store_sig, r[t].load_sig, r[t].bfree_after_unlink);
	}
	/* The limit holds exactly, and the last write says ENOSPC. */
	/* Each file ends at a page boundary; file 1's holes took nothing. */
	EXPECT_EQ(LIMIT, r[SEALFS_FS].written[0] + r[SEALFS_FS].written[1]);
	EXPECT_EQ(ENOSPC, r[SEALFS_FS].last_err[0]);
	EXPECT_EQ(ENOSPC, r[SEALFS_FS].last_err[1]);
	EXPECT_EQ(0, r[SEALFS_FS].bfree_full);
	EXPECT_EQ(ENOSPC, r[SEALFS_FS].falloc_err);
	EXPECT_EQ(ENOSPC, r[SEALFS_FS].keep_falloc_err);
	EXPECT_EQ(SIGBUS, r[SEALFS_FS].store_sig);
	EXPECT_EQ(0, r[SEALFS_FS].hole_byte);
	EXPECT_EQ(10000, r[SEALFS_FS].rewrite);
	EXPECT_EQ(100 * KiB, r[SEALFS_FS].write_after_unlink);

	/* And all of it as tmpfs. */
	EXPECT_EQ(r[TMPFS].calls, r[SEALFS_FS].calls);
	EXPECT_EQ(r[TMPFS].written[0], r[SEALFS_FS].written[0]);
	EXPECT_EQ(r[TMPFS].written[1], r[SEALFS_FS].written[1]);
	EXPECT_EQ(r[TMPFS].last_err[0], r[SEALFS_FS].last_err[0]);
	EXPECT_EQ(r[TMPFS].last_err[1], r[SEALFS_FS].last_err[1]);
	EXPECT_EQ(r[TMPFS].bfree_full, r[SEALFS_FS].bfree_full);
	EXPECT_EQ(r[TMPFS].falloc_err, r[SEALFS_FS].falloc_err);
	EXPECT_EQ(r[TMPFS].size_b_after_falloc, r[SEALFS_FS].size_b_after_falloc);
	EXPECT_EQ(r[TMPFS].bfree_after_falloc, r[SEALFS_FS].bfree_after_falloc)
		TH_LOG("a failed fallocate(0) keeps what it allocated: %ld pages free, tmpfs %ld",
		       r[SEALFS_FS].bfree_after_falloc, r[TMPFS].bfree_after_falloc);
	/* (blocks_b_after_falloc: see a_failed_fallocate_gives_back_the_space_it_took) */
	EXPECT_EQ(r[TMPFS].keep_falloc_err, r[SEALFS_FS].keep_falloc_err);
	EXPECT_EQ(r[TMPFS].bfree_after_keep_falloc, r[SEALFS_FS].bfree_after_keep_falloc);
	EXPECT_EQ(r[TMPFS].store_sig, r[SEALFS_FS].store_sig);
	EXPECT_EQ(r[TMPFS].load_sig, r[SEALFS_FS].load_sig)
		TH_LOG("a load from a hole of a full mount: sealfs SIG%d, tmpfs SIG%d",
		       r[SEALFS_FS].load_sig, r[TMPFS].load_sig);
	EXPECT_EQ(r[TMPFS].rewrite, r[SEALFS_FS].rewrite);
	EXPECT_EQ(r[TMPFS].bfree_after_unlink, r[SEALFS_FS].bfree_after_unlink);
	EXPECT_EQ(r[TMPFS].write_after_unlink, r[SEALFS_FS].write_after_unlink);
}

/*
 * fallocate of more than is free: ENOSPC, and (as tmpfs, which undoes
 * its partial allocation) the space it took on the way is given back.
 */
TEST_F(limits, a_failed_fallocate_gives_back_the_space_it_took_as_tmpfs)
{
	long before[2], after[2], blocks[2], size[2], data[2], written[2];
	int err[2];

	for_each_fs(t) {
		char path[160], *buf = malloc(512 * KiB);
		struct stat st;
		int a, b;

		ASSERT_NE(NULL, buf);
		memset(buf, 'a', 512 * KiB);
		ASSERT_EQ(0, mount("none", self->dir[t], fs_name(t), 0, LIMIT_OPT));
		snprintf(path, sizeof(path), "%s/a", self->dir[t]);
		a = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
		snprintf(path, sizeof(path), "%s/b", self->dir[t]);
		b = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
		ASSERT_LE(0, a);
		ASSERT_LE(0, b);
		ASSERT_EQ(256 * KiB, write(a, buf, 256 * KiB));
		before[t] = bfree(self->dir[t]);
		err[t] = fallocate(b, 0, 0, 2 * LIMIT) ? errno : 0;
		after[t] = bfree(self->dir[t]);
		ASSERT_EQ(0, fstat(b, &st));
		blocks[t] = st.st_blocks;
		size[t] = st.st_size;
		data[t] = lseek(b, 0, SEEK_DATA);
		/* The space is there for a to use. */
		written[t] = write(a, buf, 512 * KiB);
		TH_LOG("%s: fallocate(0, 2M) with %ld pages free: %s; then %ld free, b has size %ld, %ld blocks, SEEK_DATA %ld; a 512K write gives %ld",
		       fs_name(t), before[t], strerror(err[t]), after[t], size[t], blocks[t],
		       data[t], written[t]);
		close(a);
		close(b);
		free(buf);
	}
	EXPECT_EQ(ENOSPC, err[SEALFS_FS]);
	EXPECT_EQ(err[TMPFS], err[SEALFS_FS]);
	EXPECT_EQ(size[TMPFS], size[SEALFS_FS]);
	EXPECT_EQ(after[TMPFS], after[SEALFS_FS])
		TH_LOG("free pages after the failed fallocate: sealfs %ld, tmpfs %ld (before: %ld)",
		       after[SEALFS_FS], after[TMPFS], before[SEALFS_FS]);
	EXPECT_EQ(blocks[TMPFS], blocks[SEALFS_FS]);
	EXPECT_EQ(data[TMPFS], data[SEALFS_FS]);
	EXPECT_EQ(written[TMPFS], written[SEALFS_FS]);
}

/* ---- memory cgroups ---- */

struct cgroup {
	char root[128];		/* where cgroup2 is mounted */
	char dir[192];		/* our cgroup */
	int mounted;		/* we mounted root (in our mount namespace) */
};

static int write_file(const char *dir, const char *name, const char *value)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		ret = -1;
	close(fd);
	return ret;
}

static int read_file(const char *dir, const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static long read_long(const char *dir, const char *name)
{
	char buf[64];

	if (read_file(dir, name, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/* A field of a flat-keyed file (memory.events): its value, or -1. */
static long read_key(const char *dir, const char *name, const char *key)
{
	char buf[1024], *p;
	size_t klen = strlen(key);

	if (read_file(dir, name, buf, sizeof(buf)))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtol(p + klen + 1, NULL, 10);
	return -1;
}

/*
 * A new cgroup with the memory controller.  NULL and the reason when
 * there is none to be had (no cgroup2, no memory controller).
 */
static const char *cgroup_make(struct cgroup *cg, const char *name)
{
	static char reason[256];
	char line[512], controllers[256];
	FILE *f;

	memset(cg, 0, sizeof(*cg));
	f = fopen("/proc/self/mounts", "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			char dev[128], dir[128], type[32];

			if (sscanf(line, "%127s %127s %31s", dev, dir, type) == 3 &&
			    !strcmp(type, "cgroup2")) {
				strcpy(cg->root, dir);
				break;
			}
		}
		fclose(f);
	}
	if (!cg->root[0]) {
		/* Not mounted: mount it here (our mount namespace drops it). */
		strcpy(cg->root, "/tmp/sealfs-cgroup-XXXXXX");
		if (!mkdtemp(cg->root))
			return "cannot make a directory for cgroup2";
		if (mount("none", cg->root, "cgroup2", 0, NULL)) {
			snprintf(reason, sizeof(reason), "cgroup2 cannot be mounted: %s",
				 strerror(errno));
			rmdir(cg->root);
			return reason;
		}
		cg->mounted = 1;
	}
	if (read_file(cg->root, "cgroup.controllers", controllers, sizeof(controllers)))
		return "no cgroup.controllers in the cgroup2 root";
	if (!strstr(controllers, "memory")) {
		snprintf(reason, sizeof(reason),
			 "no memory controller in cgroup2 (controllers: %.100s)", controllers);
		return reason;
	}
	if (write_file(cg->root, "cgroup.subtree_control", "+memory")) {
		snprintf(reason, sizeof(reason),
			 "the memory controller cannot be enabled for children: %s",
			 strerror(errno));
		return reason;
	}
	snprintf(cg->dir, sizeof(cg->dir), "%s/%s-%d", cg->root, name, getpid());
	if (mkdir(cg->dir, 0755)) {
		snprintf(reason, sizeof(reason), "mkdir %s: %s", cg->dir, strerror(errno));
		return reason;
	}
	return NULL;
}

/* Removes the cgroup once its pages are gone (uncharging may lag a little). */
static int cgroup_remove(struct cgroup *cg)
{
	int ret = -1;

	for (int i = 0; i < 100 && cg->dir[0]; i++) {
		ret = rmdir(cg->dir);
		if (ret == 0 || errno != EBUSY)
			break;
		usleep(20000);
	}
	if (cg->mounted) {
		umount2(cg->root, MNT_DETACH);
		rmdir(cg->root);
	}
	return ret;
}

/*
 * The start of a memory cgroup test: a private mount namespace (cgroup2
 * may have to be mounted) and a new cgroup.  NULL, or why there is none.
 */
static const char *memcg_test_setup(struct __test_metadata *_metadata, struct cgroup *cg,
				    const char *name)
{
	const char *why;

	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	why = cgroup_make(cg, name);
	if (why)
		cgroup_remove(cg);
	return why;
}

static int kind_file(enum kind k)
{
	return kind_create(k, "memcg", SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING);
}

/* What a child in the cgroup measured: memory.current at each step. */
struct charge {
	long before, written, mapped, reclaimed, closed;
	long bad_off;		/* the first byte lost to reclaim, or -1 */
	unsigned char bad_byte;
	int err;
};

#define CHARGE_BYTES	(16 * MiB)

/*
 * In the cgroup: 16 MiB written with pwrite, 16 MiB more faulted in and
 * written through a shared map, 4 MiB fallocated (clean zeros); then the
 * cgroup is asked to reclaim everything it can (memory.reclaim): with no
 * swap, no byte may be lost (written pages are dirty, never dropped), and
 * the fallocated ones still read as zeros.
 */
static void charge_child(const char *cgdir, enum kind k, int out)
{
	struct charge c = { .bad_off = -1 };
	char *buf = malloc(MiB), *map;
	int fd;

	memset(buf, 'm', MiB);
	if (write_file(cgdir, "cgroup.procs", "0")) {
		c.err = errno;
		goto out;
	}
	c.before = read_long(cgdir, "memory.current");
	fd = kind_file(k);
	if (fd < 0) {
		c.err = errno;
		goto out;
	}
	for (long off = 0; off < CHARGE_BYTES; off += MiB) {
		if (pwrite(fd, buf, MiB, off) != MiB) {
			c.err = errno;
			goto out;
		}
	}
	c.written = read_long(cgdir, "memory.current");
	if (ftruncate(fd, 2 * CHARGE_BYTES)) {
		c.err = errno;
		goto out;
	}
	map = mmap(NULL, CHARGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, CHARGE_BYTES);
	if (map == MAP_FAILED) {
		c.err = errno;
		goto out;
	}
	for (long off = 0; off < CHARGE_BYTES; off += PAGE)
		map[off] = 'f';
	c.mapped = read_long(cgdir, "memory.current");
	munmap(map, CHARGE_BYTES);
	if (fallocate(fd, 0, 2 * CHARGE_BYTES, 4 * MiB)) {
		c.err = errno;
		goto out;
	}
	/* Reclaim as much as there is; EAGAIN when it cannot all go. */
	write_file(cgdir, "memory.reclaim", "256M");
	c.reclaimed = read_long(cgdir, "memory.current");
	for (long off = 0; off < 2 * CHARGE_BYTES + 4 * MiB && c.bad_off < 0; off += MiB) {
		if (pread(fd, buf, MiB, off) != MiB) {
			c.err = errno;
			goto out;
		}
		for (long i = 0; i < MiB; i++) {
			long at = off + i;
			char want = at < CHARGE_BYTES ? 'm' :
				    at < 2 * CHARGE_BYTES && at % PAGE == 0 ? 'f' : 0;

			if (buf[i] != want) {
				c.bad_off = at;
				c.bad_byte = buf[i];
				break;
			}
		}
	}
	close(fd);
	c.closed = read_long(cgdir, "memory.current");
out:
	if (write(out, &c, sizeof(c)) != sizeof(c))
		_exit(2);
	_exit(0);
}

TEST(memcg_charges_sealfs_pages_keeps_them_under_reclaim_and_uncharges_them_as_memfd)
{
	struct charge c[2];
	struct cgroup cg;
	const char *why;

	why = memcg_test_setup(_metadata, &cg, "sealfs-charge");
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, write_file(cg.dir, "memory.max", "256M"));
	for_each_kind(k) {
		int pfd[2], status;
		pid_t pid;

		ASSERT_EQ(0, pipe(pfd));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			charge_child(cg.dir, k, pfd[1]);
		close(pfd[1]);
		ASSERT_EQ((ssize_t)sizeof(c[k]), read(pfd[0], &c[k], sizeof(c[k])));
		close(pfd[0]);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_EQ(0, c[k].err) TH_LOG("%s: %s", kind_name(k), strerror(c[k].err));
		TH_LOG("%s: memory.current %ld KiB, after writing 16M %ld, after faulting 16M %ld, after fallocate 4M and memory.reclaim %ld, after close %ld",
		       kind_name(k), c[k].before / KiB, c[k].written / KiB, c[k].mapped / KiB,
		       c[k].reclaimed / KiB, c[k].closed / KiB);
		/* Written pages, then faulted ones, are the cgroup's... */
		EXPECT_LE(c[k].before + CHARGE_BYTES - MiB, c[k].written) TH_LOG("%s", kind_name(k));
		EXPECT_LE(c[k].written + CHARGE_BYTES - MiB, c[k].mapped) TH_LOG("%s", kind_name(k));
		/* ...reclaim cannot take them (no swap)... */
		EXPECT_EQ(-1, c[k].bad_off)
			TH_LOG("%s: after memory.reclaim, byte %ld is 0x%02x", kind_name(k),
			       c[k].bad_off, c[k].bad_byte);
		EXPECT_LE(c[k].before + 2 * CHARGE_BYTES - MiB, c[k].reclaimed)
			TH_LOG("%s", kind_name(k));
		/* ...until the file goes. */
		EXPECT_GE(c[k].before + 2 * MiB, c[k].closed) TH_LOG("%s", kind_name(k));
	}
	EXPECT_EQ(0, cgroup_remove(&cg)) TH_LOG("rmdir %s: %s", cg.dir, strerror(errno));
}

/* ---- swap ---- */

#define ZRAM		"/sys/block/zram0"
#define SWAP_BYTES	(32 * MiB)
#define SWAP_LIMIT	"16M"	/* memory.max: half the file */

/*
 * Makes /dev/zram0 a 256 MiB swap device: its disk size, a swap header
 * (what mkswap writes: version 1, the last page, "SWAPSPACE2" at the end
 * of the first page), swapon.  NULL, or the reason there is none.
 */
static const char *zram_swap_on(void)
{
	static char reason[128];
	unsigned char header[PAGE] = { 0 };
	uint32_t *info = (uint32_t *)(header + 1024);
	int fd;

	if (access(ZRAM, F_OK))
		return "no zram device (CONFIG_ZRAM)";
	if (write_file(ZRAM, "disksize", "256M"))
		return "cannot size zram0";
	info[0] = 1;				/* version */
	info[1] = 256 * MiB / PAGE - 1;		/* last_page */
	memcpy(header + PAGE - 10, "SWAPSPACE2", 10);
	fd = open("/dev/zram0", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, header, PAGE, 0) != PAGE || fsync(fd)) {
		snprintf(reason, sizeof(reason), "cannot write the swap header: %s", strerror(errno));
		return reason;
	}
	close(fd);
	if (swapon("/dev/zram0", 0)) {
		snprintf(reason, sizeof(reason), "swapon: %s", strerror(errno));
		return reason;
	}
	return NULL;
}

static void zram_swap_off(void)
{
	swapoff("/dev/zram0");
	write_file(ZRAM, "reset", "1");
}

/* The byte at @at of the swap test's file: no two pages alike. */
static unsigned char swap_byte(long at)
{
	return (unsigned char)(at * 7 + at / PAGE);
}

/* What a child in the cgroup saw. */
struct swapped {
	long swap_current;	/* memory.swap.current, at its highest */
	long bad_off;		/* the first byte read back wrong, or -1 */
	int err;
};

/* In the cgroup: writes SWAP_BYTES, then reads every byte back. */
static void swap_child(const char *cgdir, enum kind k, int out)
{
	struct swapped s = { .bad_off = -1 };
	unsigned char *buf = malloc(MiB);
	long now;
	int fd;

	if (write_file(cgdir, "cgroup.procs", "0")) {
		s.err = errno;
		goto out;
	}
	fd = kind_file(k);
	if (fd < 0) {
		s.err = errno;
		goto out;
	}
	for (long off = 0; off < SWAP_BYTES; off += MiB) {
		for (long i = 0; i < MiB; i++)
			buf[i] = swap_byte(off + i);
		if (pwrite(fd, buf, MiB, off) != MiB) {
			s.err = errno;
			goto out;
		}
	}
	s.swap_current = read_long(cgdir, "memory.swap.current");
	for (long off = 0; off < SWAP_BYTES && s.bad_off < 0; off += MiB) {
		if (pread(fd, buf, MiB, off) != MiB) {
			s.err = errno;
			goto out;
		}
		for (long i = 0; i < MiB; i++)
			if (buf[i] != swap_byte(off + i)) {
				s.bad_off = off + i;
				break;
			}
	}
	now = read_long(cgdir, "memory.swap.current");
	if (now > s.swap_current)
		s.swap_current = now;
	close(fd);
out:
	if (write(out, &s, sizeof(s)) != sizeof(s))
		_exit(2);
	_exit(0);
}

/*
 * A file twice its cgroup's memory.max, written and read back from inside
 * the cgroup, with a zram swap device: the pages that do not fit go to
 * swap and come back intact, on memfd and on sealfs alike.
 */
TEST(memcg_swaps_pages_out_and_back_as_memfd)
{
	struct swapped s[2];
	struct cgroup cg;
	const char *why;

	why = memcg_test_setup(_metadata, &cg, "sealfs-swap");
	if (why)
		SKIP(return, "%s", why);
	why = zram_swap_on();
	if (why) {
		zram_swap_off();
		cgroup_remove(&cg);
		SKIP(return, "%s", why);
	}
	ASSERT_EQ(0, write_file(cg.dir, "memory.max", SWAP_LIMIT));
	for_each_kind(k) {
		int pfd[2], status;
		pid_t pid;

		ASSERT_EQ(0, pipe(pfd));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			swap_child(cg.dir, k, pfd[1]);
		close(pfd[1]);
		ASSERT_EQ((ssize_t)sizeof(s[k]), read(pfd[0], &s[k], sizeof(s[k])));
		close(pfd[0]);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_EQ(0, s[k].err) TH_LOG("%s: %s", kind_name(k), strerror(s[k].err));
		TH_LOG("%s: %ld MiB written in a cgroup of %s, memory.swap.current up to %ld KiB",
		       kind_name(k), SWAP_BYTES / MiB, SWAP_LIMIT, s[k].swap_current / KiB);
		EXPECT_LT(0, s[k].swap_current) TH_LOG("%s: nothing was swapped", kind_name(k));
		EXPECT_EQ(-1, s[k].bad_off) TH_LOG("%s: byte %ld read back wrong", kind_name(k),
						   s[k].bad_off);
	}
	zram_swap_off();
	EXPECT_EQ(0, cgroup_remove(&cg)) TH_LOG("rmdir %s: %s", cg.dir, strerror(errno));
}

/*
 * Swapping out and in through zram twice over, compressed, under KASAN and
 * an emulated CPU (make check-debug) takes minutes, not the harness's
 * default 30 s.
 */
static void __attribute__((constructor(KSELFTEST_PRIO_TEST + 1))) swap_timeout(void)
{
	_memcg_swaps_pages_out_and_back_as_memfd_object.timeout = 600;
}

/* ---- memory.max: ENOMEM, ENOSPC or the OOM killer ---- */

#define OOM_LIMIT	"16M"
#define OOM_BYTES	(64 * MiB)

/* Exit status of the OOM children: 0 all done (bad), else 100 + errno. */
static void oom_child(const char *cgdir, enum kind k, int by_map)
{
	char *buf, *map;
	int fd;

	if (write_file(cgdir, "cgroup.procs", "0"))
		_exit(1);
	fd = kind_file(k);
	if (fd < 0)
		_exit(100 + errno);
	if (by_map) {
		if (ftruncate(fd, OOM_BYTES))
			_exit(100 + errno);
		map = mmap(NULL, OOM_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			_exit(100 + errno);
		for (long off = 0; off < OOM_BYTES; off += PAGE)
			map[off] = 'o';
		_exit(0);
	}
	buf = malloc(MiB);
	memset(buf, 'o', MiB);
	for (long off = 0; off < OOM_BYTES; off += MiB) {
		ssize_t ret = pwrite(fd, buf, MiB, off);

		if (ret < 0)
			_exit(100 + errno);
		if (ret < MiB)
			_exit(100 + (errno ? errno : ENOSPC));
	}
	_exit(0);
}

static const char *outcome(int status, char *b, size_t n)
{
	if (WIFSIGNALED(status))
		snprintf(b, n, "killed by SIG%d", WTERMSIG(status));
	else if (WEXITSTATUS(status) >= 100)
		snprintf(b, n, "%s", strerror(WEXITSTATUS(status) - 100));
	else if (WEXITSTATUS(status) == 0)
		snprintf(b, n, "wrote all %ld MiB past the limit", OOM_BYTES / MiB);
	else
		snprintf(b, n, "exit %d", WEXITSTATUS(status));
	return b;
}

/*
 * A memcg OOM kill prints the killer's stack (dump_header), which the VM
 * runner counts as a kernel report ("Call Trace:"): this one runs only when
 * asked, with SEALFS_MEMCG_OOM=1.
 */
TEST(memcg_limit_gives_enomem_or_the_oom_killer_as_memfd)
{
	static const char * const how[] = { "write", "shared map" };
	int status[2][2];
	struct cgroup cg;
	const char *why, *env = getenv("SEALFS_MEMCG_OOM");
	char b1[64], b2[64];

	if (!env || strcmp(env, "1"))
		SKIP(return, "set SEALFS_MEMCG_OOM=1: a memcg OOM kill prints a stack trace that the VM runner counts as a kernel report");
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	why = cgroup_make(&cg, "sealfs-oom");
	if (why) {
		cgroup_remove(&cg);
		SKIP(return, "%s", why);
	}
	ASSERT_EQ(0, write_file(cg.dir, "memory.max", OOM_LIMIT));
	/* No swap to escape to, if there is any. */
	write_file(cg.dir, "memory.swap.max", "0");
	for_each_kind(k) {
		for (int by_map = 0; by_map < 2; by_map++) {
			long before = read_key(cg.dir, "memory.events", "oom_kill");
			pid_t pid = fork();

			ASSERT_LE(0, pid);
			if (pid == 0)
				oom_child(cg.dir, k, by_map);
			ASSERT_EQ(pid, waitpid(pid, &status[k][by_map], 0));
			TH_LOG("%s, %s of %ld MiB under memory.max=%s: %s (oom_kill events %ld -> %ld, memory.peak %ld)",
			       kind_name(k), how[by_map], OOM_BYTES / MiB, OOM_LIMIT,
			       outcome(status[k][by_map], b1, sizeof(b1)), before,
			       read_key(cg.dir, "memory.events", "oom_kill"),
			       read_long(cg.dir, "memory.peak"));
		}
	}
	for (int by_map = 0; by_map < 2; by_map++) {
		int s = status[SEALFS][by_map], m = status[MEMFD][by_map];
		int ok = (WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL) ||
			 (WIFEXITED(s) && (WEXITSTATUS(s) == 100 + ENOMEM ||
					   WEXITSTATUS(s) == 100 + ENOSPC));

		EXPECT_TRUE(ok) TH_LOG("sealfs, %s: %s (memfd: %s)", how[by_map],
				       outcome(s, b1, sizeof(b1)), outcome(m, b2, sizeof(b2)));
	}
	EXPECT_EQ(0, cgroup_remove(&cg)) TH_LOG("rmdir %s: %s", cg.dir, strerror(errno));
}

/* ---- helper modes for lifecycle.sh ---- */

static int fail(const char *what)
{
	fprintf(stderr, "lifecycle_test: %s: %s\n", what, strerror(errno));
	return 1;
}

/*
 * One cycle's worth of use of the module: an anonymous file, and with
 * with_mount a mount with a file and a directory; 0 when all worked.
 */
static int cycle(int with_mount)
{
	char dir[] = "/tmp/sealfs-cycle-XXXXXX", path[64], buf[3 * PAGE];
	int fd, fd2, ro;
	char *map;

	memset(buf, 'c', sizeof(buf));
	/* An anonymous file: written, mapped, sealed, mapped again. */
	fd = kind_create(SEALFS, "cycle", SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING);
	if (fd < 0)
		return fail("SEALFS_IOC_CREATE");
	if (pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf))
		return fail("pwrite");
	map = mmap(NULL, sizeof(buf), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return fail("mmap");
	map[PAGE] = 'm';
	munmap(map, sizeof(buf));
	if (kind_add_seals(SEALFS, fd, SEALFS_SEAL_WRITE | SEALFS_SEAL_SHRINK |
			   SEALFS_SEAL_GROW | SEALFS_SEAL_SEAL))
		return fail("ADD_SEALS");
	map = mmap(NULL, sizeof(buf), PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || map[PAGE] != 'm')
		return fail("mmap of the sealed file");
	/* The mapping outlives the fd for a moment. */
	close(fd);
	munmap(map, sizeof(buf));
	if (!with_mount)
		return 0;

	/* A mount, in a namespace of our own, with a file and a directory. */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("unshare");
	if (!mkdtemp(dir))
		return fail("mkdtemp");
	if (mount("none", dir, "sealfs", 0, "size=1M,nr_inodes=16,mode=0700"))
		return fail("mount");
	snprintf(path, sizeof(path), "%s/f", dir);
	fd2 = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd2 < 0 || pwrite(fd2, buf, sizeof(buf), PAGE) != sizeof(buf))
		return fail("a file in the mount");
	if (kind_add_seals(SEALFS, fd2, SEALFS_SEAL_WRITE))
		return fail("ADD_SEALS on a mount file");
	ro = open(path, O_RDONLY);
	map = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, ro, 0);
	if (ro < 0 || map == MAP_FAILED)
		return fail("a read-only map of the mount file");
	close(ro);
	close(fd2);
	munmap(map, 2 * PAGE);
	snprintf(path, sizeof(path), "%s/d", dir);
	if (mkdir(path, 0755) || rmdir(path))
		return fail("mkdir/rmdir");
	snprintf(path, sizeof(path), "%s/f", dir);
	if (unlink(path))
		return fail("unlink");
	if (umount(dir))
		return fail("umount");
	rmdir(dir);
	return 0;
}

static int module_loaded(void)
{
	return access("/sys/module/sealfs", F_OK) == 0;
}

/* N unload/load cycles with a --cycle between; 0 when all worked. */
static int load_cycles(int n, const char *ko)
{
	struct timespec t0, t1;
	int fd = open(ko, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(ko);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 1; i <= n; i++) {
		int status;
		pid_t pid;

		if (syscall(__NR_delete_module, "sealfs", O_NONBLOCK)) {
			fprintf(stderr, "cycle %d: ", i);
			return fail("delete_module");
		}
		if (module_loaded()) {
			fprintf(stderr, "lifecycle_test: cycle %d: still loaded after delete_module\n", i);
			return 1;
		}
		if (syscall(__NR_finit_module, fd, "", 0)) {
			fprintf(stderr, "cycle %d: ", i);
			return fail("finit_module");
		}
		if (access("/dev/sealfs", F_OK)) {
			fprintf(stderr, "cycle %d: ", i);
			return fail("/dev/sealfs");
		}
		pid = fork();
		/* A mount every 4th cycle: unshare and mount are slow under TCG. */
		if (pid == 0)
			_exit(cycle(i % 4 == 1));
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "lifecycle_test: cycle %d: the files failed\n", i);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%d cycles in %ld ms\n", n,
	       (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	close(fd);
	return 0;
}

/*
 * --race-unload N KO: N times, a 64 MiB anonymous file, written and
 * mapped, whose last close and unmap (in a child) race rmmod
 * (delete_module, retried) in the parent; the module is loaded again each
 * time.  Nothing of the module may run once rmmod has passed: the last
 * iput, evict_inode, free_inode (RCU) and kill_sb of the internal mounts
 * must all come before (the VM runner reads the kernel log).  Prints how
 * often rmmod was refused while the child closed.
 */
static int race_unload(int n, const char *ko)
{
	long refused = 0, before_exit = 0;
	int kofd = open(ko, O_RDONLY | O_CLOEXEC);
	char *buf = malloc(MiB);

	if (kofd < 0)
		return fail(ko);
	memset(buf, 'r', MiB);
	for (int i = 1; i <= n; i++) {
		int fd = kind_create(SEALFS, "race", SEALFS_CLOEXEC), status, gone = 0, reaped = 0;
		char *map;
		pid_t pid;

		if (fd < 0)
			return fail("create");
		for (long off = 0; off < 64 * MiB; off += MiB)
			if (pwrite(fd, buf, MiB, off) != MiB)
				return fail("pwrite");
		map = mmap(NULL, 64 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			return fail("mmap");
		map[0] = 'm';
		pid = fork();
		if (pid < 0)
			return fail("fork");
		if (pid == 0) {
			/* The last references: the parent has dropped its own. */
			usleep(1000);
			close(fd);
			munmap(map, 64 * MiB);
			_exit(0);
		}
		close(fd);
		munmap(map, 64 * MiB);
		for (int tries = 0; tries < 20000 && !gone; tries++) {
			if (!syscall(__NR_delete_module, "sealfs", O_NONBLOCK)) {
				gone = 1;
				reaped = waitpid(pid, &status, WNOHANG) == pid;
				before_exit += !reaped;
			} else if (errno == EWOULDBLOCK || errno == EAGAIN) {
				refused++;
				usleep(100);
			} else {
				return fail("delete_module");
			}
		}
		if ((!reaped && waitpid(pid, &status, 0) != pid) || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return fail("the child");
		if (!gone) {
			fprintf(stderr, "lifecycle_test: round %d: rmmod refused for 2 s after the last close\n", i);
			return 1;
		}
		if (syscall(__NR_finit_module, kofd, "", 0))
			return fail("finit_module");
	}
	printf("%d rounds: rmmod refused %ld times while the last close ran, passed %ld times before the child was reaped\n",
	       n, refused, before_exit);
	close(kofd);
	free(buf);
	return 0;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Holds something alive until SIGTERM: "fd" an anonymous file, "map" only
 * a mapping of one, "dev" an open /dev/sealfs, "mountfile DIR" an open
 * file in the sealfs mounted at DIR.
 *
 * The mapping is the backing shmem file's, not the module's, so it does
 * not hold the module: "map" seals its file with F_SEAL_FUTURE_WRITE
 * before closing it, and on SIGTERM (after the module may have gone)
 * checks that the mapping still has its byte, still takes writes (it was
 * made before the seal), and that the seal still refuses a hole punch
 * through it (MADV_REMOVE: EPERM).  Its status says whether all held.
 */
static int hold(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	const char *what = argv[2];
	int fd = -1;
	void *map = NULL;

	sigaction(SIGTERM, &sa, NULL);
	if (!strcmp(what, "fd") || !strcmp(what, "map")) {
		fd = kind_create(SEALFS, "hold", SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING);
		if (fd < 0 || ftruncate(fd, PAGE))
			return fail("create");
		if (!strcmp(what, "map")) {
			map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (map == MAP_FAILED)
				return fail("mmap");
			*(char *)map = 'h';
			if (kind_add_seals(SEALFS, fd, F_SEAL_FUTURE_WRITE))
				return fail("F_SEAL_FUTURE_WRITE");
			close(fd);
		}
	} else if (!strcmp(what, "dev")) {
		fd = open("/dev/sealfs", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return fail("open /dev/sealfs");
	} else if (!strcmp(what, "mountfile") && argc > 3) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/held", argv[3]);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return fail(path);
	} else {
		fprintf(stderr, "lifecycle_test --hold fd|map|dev|mountfile DIR\n");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	if (!strcmp(what, "map")) {
		char *p = map;

		if (p[0] != 'h')
			return fail("the mapping lost its byte");
		p[0] = 'i';
		if (madvise(map, PAGE, MADV_REMOVE) != -1 || errno != EPERM)
			return fail("MADV_REMOVE was not EPERM under F_SEAL_FUTURE_WRITE");
		if (p[0] != 'i')
			return fail("the mapping's write did not stay");
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--cycle"))
		return cycle(1);
	if (argc > 3 && !strcmp(argv[1], "--load-cycles"))
		return load_cycles(atoi(argv[2]), argv[3]);
	if (argc > 3 && !strcmp(argv[1], "--race-unload"))
		return race_unload(atoi(argv[2]), argv[3]);
	if (argc > 2 && !strcmp(argv[1], "--hold"))
		return hold(argc, argv);
	return test_harness_run(argc, argv);
}
