// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: hostile input (spec 6: "Every user-reachable path
 * returns an errno on bad input; no input from user space may oops, warn,
 * or leak").  Each case must give a result, never a crash: the VM runner
 * fails the run on any Oops, WARN, KASAN or kmemleak report.
 *
 *  - random ioctl numbers and arguments (a fixed-seed PRNG) on /dev/sealfs,
 *    on anonymous sealfs files, on files and directories of a sealfs mount:
 *    only SEALFS_IOC_CREATE (device) and ADD/GET_SEALS (files) are known,
 *    everything else is ENOTTY, as on a memfd or a tmpfs directory;
 *  - struct sealfs_create with bad reserved bits, bad name pointers, names
 *    that run into an unmapped page, too long names, the struct itself on
 *    an unmapped page, random flags; compared with memfd_create(2) where
 *    memfd has the same input;
 *  - a name another thread rewrites, unmaps and protects during the call;
 *  - negative and huge offsets and sizes for ftruncate, fallocate (and the
 *    FS_IOC_*RESVSP/ZERO_RANGE ioctls that call it), pwrite, pwritev,
 *    pread, lseek and mmap, compared call by call with a memfd;
 *  - mount(2) data strings, malformed, overflowing, duplicated, unknown,
 *    random, compared with tmpfs.
 *
 * The number of hostile inputs tried is printed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>

#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/memfd.h>

#include "common.h"
#include "kselftest_harness.h"

#define PAGE		4096
#define FILE_SIZE	(2 * PAGE)

/* From the kernel's include/linux/falloc.h (not in the UAPI headers). */
struct space_resv {
	int16_t l_type;
	int16_t l_whence;
	int64_t l_start;
	int64_t l_len;
	int32_t l_sysid;
	uint32_t l_pid;
	int32_t l_pad[4];
};

#define FS_IOC_RESVSP		_IOW('X', 40, struct space_resv)
#define FS_IOC_UNRESVSP		_IOW('X', 41, struct space_resv)
#define FS_IOC_RESVSP64		_IOW('X', 42, struct space_resv)
#define FS_IOC_UNRESVSP64	_IOW('X', 43, struct space_resv)
#define FS_IOC_ZERO_RANGE	_IOW('X', 57, struct space_resv)

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* ---- the count of hostile inputs, over every test (each runs in a child) ---- */

static atomic_long *tried;
static pid_t main_pid;

__attribute__((constructor)) static void count_init(void)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	tried = p == MAP_FAILED ? NULL : p;
	main_pid = getpid();
}

__attribute__((destructor)) static void count_report(void)
{
	if (tried && atomic_load(tried) && getpid() == main_pid)
		ksft_print_msg("hostile inputs tried in all: %ld\n", atomic_load(tried));
}

static void count(long n)
{
	if (tried)
		atomic_fetch_add(tried, n);
}

/* A fixed-seed xorshift64*: the same inputs on every run. */
static uint64_t rng_state = 0x5ea1f5ULL;

static uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* "ok" or the errno's name-ish text, for logs. */
static const char *res_str(int ret, int err)
{
	static char bufs[4][64];
	static int next;
	char *b = bufs[next++ % 4];

	if (ret >= 0)
		snprintf(b, 64, "%d", ret);
	else
		snprintf(b, 64, "-1 (%s)", strerror(err));
	return b;
}

/*
 * Two pages: the first read-write, the second unmapped.  Returns the
 * address of the boundary (the first byte of the unmapped page).
 */
static char *page_before_hole(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p + PAGE, PAGE);
	return p + PAGE;
}

static int dev_open(void)
{
	return open("/dev/sealfs", O_RDWR | O_CLOEXEC);
}

/* ---- random ioctls ---- */

/*
 * Commands the VFS answers before the file's ioctl (fs/ioctl.c,
 * do_vfs_ioctl and file_ioctl): not ours to judge, and FS_IOC_RESVSP*
 * would preallocate whatever a random length says.
 */
static int vfs_ioctl_cmd(unsigned int cmd)
{
	static const unsigned int vfs[] = {
		FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, FIOQSIZE, FIFREEZE, FITHAW,
		FS_IOC_FIEMAP, FIGETBSZ, FICLONE, FICLONERANGE, FIDEDUPERANGE,
		FIONREAD, FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_IOC_FSGETXATTR,
		FS_IOC_FSSETXATTR, FIBMAP, FS_IOC_RESVSP, FS_IOC_RESVSP64,
		FS_IOC_UNRESVSP, FS_IOC_UNRESVSP64, FS_IOC_ZERO_RANGE,
	};

	for (size_t i = 0; i < ARRAY_SIZE(vfs); i++)
		if (cmd == vfs[i])
			return 1;
	/* GETFSUUID and GETFSSYSFSPATH, whatever their size field. */
	return _IOC_TYPE(cmd) == 0x15 && _IOC_NR(cmd) <= 1;
}

/* A random command, more often near ours. */
static unsigned int random_cmd(void)
{
	static const unsigned int ours[] = {
		SEALFS_IOC_CREATE, SEALFS_IOC_ADD_SEALS, SEALFS_IOC_GET_SEALS,
		SEALFS_IOC_OPEN_READONLY,
	};
	static const unsigned char types[] = { 'T', 'f', 'X', 'F', 'v', 0x94, 0xBE };
	unsigned int cmd;

	do {
		uint64_t r = rnd64();

		switch (r % 8) {
		case 0:
		case 1:
		case 2:
			cmd = (unsigned int)(r >> 16);
			break;
		case 3:
		case 4:
			/* Our type byte, any number, direction and size. */
			cmd = _IOC((r >> 8) & 3, 0xBE, (r >> 16) & 0xff, (r >> 24) & 0x3fff);
			break;
		case 5:
			/* Ours with one bit flipped. */
			cmd = ours[(r >> 8) % ARRAY_SIZE(ours)] ^ (1u << ((r >> 16) % 32));
			break;
		case 6:
			cmd = _IOC((r >> 8) & 3, types[(r >> 10) % sizeof(types)],
				   (r >> 16) & 0xff, (r >> 24) & 0x3fff);
			break;
		default:
			/* Our numbers 0..3, with another type byte or size. */
			cmd = _IOC((r >> 8) & 3, (r >> 16) & 1 ? 0xBE : (r >> 24) & 0xff,
				   (r >> 32) % 4, (r >> 40) & 1 ? 0 : sizeof(struct sealfs_create));
			break;
		}
	} while (vfs_ioctl_cmd(cmd));
	return cmd;
}

struct arg_pool {
	char *buf;	/* a read-write page of random bytes */
	char *hole;	/* the first byte of an unmapped page */
};

/* A random argument: small numbers, junk pointers, pointers to junk. */
static unsigned long random_arg(struct arg_pool *pool)
{
	uint64_t r = rnd64();

	switch (r % 10) {
	case 0:
		return 0;
	case 1:
		return (r >> 8) & 0x7f;	/* seal-mask sized */
	case 2:
		return (unsigned long)-1;
	case 3:
		return 0xffffffff81000000UL + ((r >> 8) & 0xfffff);	/* kernel text */
	case 4:
		return 0x8000000000000000UL | (r >> 8);	/* non-canonical */
	case 5:
		return (unsigned long)pool->hole - ((r >> 8) % 24);
	case 6:
	case 7: {
		/* A struct of random bytes, its name pointer sometimes valid. */
		struct sealfs_create *c = (void *)(pool->buf + ((r >> 8) % (PAGE / 2)));

		for (size_t i = 0; i < sizeof(*c); i++)
			((unsigned char *)c)[i] = rnd64();
		/* Mostly valid fields, so that CREATE gets past its checks. */
		if ((r >> 40) & 3)
			c->name = (uintptr_t)pool->buf + PAGE - 64;
		if ((r >> 42) & 3)
			c->reserved = 0;
		if ((r >> 44) & 3)
			c->flags &= SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING |
				    ((r >> 46) & 1 ? SEALFS_EXEC : SEALFS_NOEXEC_SEAL);
		return (unsigned long)c;
	}
	default:
		return r;
	}
}

static struct arg_pool make_pool(struct __test_metadata *_metadata)
{
	struct arg_pool pool;

	pool.hole = page_before_hole();
	ASSERT_NE(NULL, pool.hole);
	pool.buf = pool.hole - PAGE;
	/* A terminated name at the end of the page, for valid structs. */
	memset(pool.buf + PAGE - 64, 'n', 63);
	pool.buf[PAGE - 1] = '\0';
	return pool;
}

#define RANDOM_IOCTLS	3000

TEST(random_ioctls_on_the_device_are_enotty_except_create)
{
	struct arg_pool pool = make_pool(_metadata);
	long created = 0, enotty = 0, other = 0;
	int dev = dev_open();

	ASSERT_LE(0, dev) TH_LOG("open /dev/sealfs: %s", strerror(errno));
	for (int i = 0; i < RANDOM_IOCTLS; i++) {
		/* Now and then the real commands: CREATE, and the files' ones. */
		unsigned int cmd = i % 16 == 0 ? SEALFS_IOC_CREATE :
				   i % 16 == 1 ? SEALFS_IOC_ADD_SEALS :
				   i % 16 == 2 ? SEALFS_IOC_GET_SEALS : random_cmd();
		unsigned long arg = random_arg(&pool);
		int ret = ioctl(dev, cmd, arg);
		int err = errno;

		if (cmd == SEALFS_IOC_CREATE) {
			if (ret >= 0) {
				created++;
				close(ret);
				continue;
			}
			other++;
			EXPECT_TRUE(err == EFAULT || err == EINVAL || err == EACCES)
				TH_LOG("CREATE with arg %#lx: %s", arg, strerror(err));
			continue;
		}
		enotty++;
		EXPECT_EQ(-1, ret) TH_LOG("cmd %#x arg %#lx returned %d", cmd, arg, ret);
		if (ret >= 0)
			close(ret);
		EXPECT_EQ(ENOTTY, err) TH_LOG("cmd %#x arg %#lx: %s", cmd, arg, strerror(err));
	}
	count(RANDOM_IOCTLS);
	TH_LOG("%d ioctls on /dev/sealfs: %ld ENOTTY, %ld files created, %ld CREATE refused",
	       RANDOM_IOCTLS, enotty, created, other);
	close(dev);
}

/* A sealfs mount and a tmpfs mount, in a mount namespace of the test's own. */
FIXTURE(ns) {
	char base[64];
	char sealfs_dir[96];
	char tmpfs_dir[96];
};

FIXTURE_SETUP(ns)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNS)) TH_LOG("unshare: %s", strerror(errno));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	strcpy(self->base, "/tmp/sealfs-hostile-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->base));
	snprintf(self->sealfs_dir, sizeof(self->sealfs_dir), "%s/sealfs", self->base);
	snprintf(self->tmpfs_dir, sizeof(self->tmpfs_dir), "%s/tmpfs", self->base);
	ASSERT_EQ(0, mkdir(self->sealfs_dir, 0755));
	ASSERT_EQ(0, mkdir(self->tmpfs_dir, 0755));
	ASSERT_EQ(0, mount("none", self->sealfs_dir, "sealfs", 0, NULL))
		TH_LOG("mount sealfs: %s", strerror(errno));
	ASSERT_EQ(0, mount("none", self->tmpfs_dir, "tmpfs", 0, NULL));
}

FIXTURE_TEARDOWN(ns)
{
	umount2(self->sealfs_dir, MNT_DETACH);
	umount2(self->tmpfs_dir, MNT_DETACH);
	rmdir(self->sealfs_dir);
	rmdir(self->tmpfs_dir);
	rmdir(self->base);
}

/*
 * Random ioctls on a sealfs fd and on its oracle (a memfd for a file, a
 * tmpfs directory for a directory): the same result, ENOTTY, for every
 * command but the seal ioctls, which must give 0, a mask, EINVAL or EPERM,
 * and SEALFS_IOC_OPEN_READONLY, which must give an fd for 0 or O_CLOEXEC
 * and EINVAL for anything else.
 */
static void random_ioctls_vs(struct __test_metadata *_metadata, const char *what,
			     int fd, int oracle, int is_file, int writable)
{
	struct arg_pool pool = make_pool(_metadata);
	long ours = 0, enotty = 0;

	for (int i = 0; i < RANDOM_IOCTLS; i++) {
		unsigned int cmd;
		unsigned long arg = random_arg(&pool);
		int ret, err, oret, oerr;

		switch (i % 16) {
		case 0:
			cmd = SEALFS_IOC_ADD_SEALS;
			break;
		case 1:
			cmd = SEALFS_IOC_GET_SEALS;
			break;
		case 2:
			cmd = SEALFS_IOC_OPEN_READONLY;
			if ((i / 16) % 2)
				arg = (i / 32) % 2 ? O_CLOEXEC : 0;
			break;
		default:
			cmd = random_cmd();
		}
		ret = ioctl(fd, cmd, arg);
		err = errno;
		if (is_file && cmd == SEALFS_IOC_OPEN_READONLY) {
			ours++;
			if (arg == 0 || arg == O_CLOEXEC) {
				EXPECT_LE(0, ret) TH_LOG("%s: OPEN_READONLY(%#lx): %s", what, arg,
							 strerror(err));
				if (ret >= 0) {
					EXPECT_EQ(O_RDONLY, fcntl(ret, F_GETFL) & O_ACCMODE);
					close(ret);
				}
			} else {
				EXPECT_EQ(-1, ret) TH_LOG("%s: OPEN_READONLY(%#lx) gave %d", what, arg, ret);
				EXPECT_EQ(EINVAL, err) TH_LOG("%s: OPEN_READONLY(%#lx)", what, arg);
				if (ret >= 0)
					close(ret);
			}
			continue;
		}
		if (is_file && (cmd == SEALFS_IOC_ADD_SEALS || cmd == SEALFS_IOC_GET_SEALS)) {
			ours++;
			if (cmd == SEALFS_IOC_GET_SEALS) {
				EXPECT_LE(0, ret) TH_LOG("%s: GET_SEALS: %s", what, strerror(err));
				EXPECT_EQ(0, ret & ~0x7f) TH_LOG("%s: GET_SEALS gave %#x", what, ret);
			} else if (ret != 0) {
				/* Unknown bits; SEAL_SEAL already on; an O_RDONLY fd. */
				EXPECT_TRUE(err == EINVAL || err == EPERM)
					TH_LOG("%s: ADD_SEALS(%#lx): %s", what, arg, strerror(err));
				if (!writable) {
					EXPECT_EQ(EPERM, err) TH_LOG("%s: ADD_SEALS(%#lx)", what, arg);
				}
			} else {
				EXPECT_TRUE(writable) TH_LOG("%s: ADD_SEALS(%#lx) worked", what, arg);
				EXPECT_EQ(0UL, arg & ~0x7fUL) TH_LOG("%s: ADD_SEALS(%#lx) worked", what, arg);
			}
			continue;
		}
		enotty++;
		oret = ioctl(oracle, cmd, arg);
		oerr = errno;
		EXPECT_EQ(-1, ret) TH_LOG("%s: cmd %#x arg %#lx returned %d", what, cmd, arg, ret);
		EXPECT_EQ(ENOTTY, err) TH_LOG("%s: cmd %#x arg %#lx: %s", what, cmd, arg,
					      strerror(err));
		EXPECT_EQ(oret, ret) TH_LOG("%s: cmd %#x arg %#lx: %s, the oracle %s", what,
					    cmd, arg, res_str(ret, err), res_str(oret, oerr));
		if (oret < 0) {
			EXPECT_EQ(oerr, err) TH_LOG("%s: cmd %#x arg %#lx", what, cmd, arg);
		}
	}
	count(RANDOM_IOCTLS);
	TH_LOG("%s: %d ioctls, %ld seal ioctls, %ld others all ENOTTY as the oracle's",
	       what, RANDOM_IOCTLS, ours, enotty);
	munmap(pool.buf, PAGE);
}

TEST_F(ns, random_ioctls_on_sealfs_files_and_dirs_are_enotty_except_the_seal_ioctls)
{
	char path[160];
	int fd, memfd, ro, dir, tdir;

	fd = kind_create(SEALFS, "hostile", SEALFS_ALLOW_SEALING);
	memfd = kind_create(MEMFD, "hostile", SEALFS_ALLOW_SEALING);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, memfd);
	random_ioctls_vs(_metadata, "anonymous sealfs file", fd, memfd, 1, 1);
	close(fd);

	snprintf(path, sizeof(path), "%s/file", self->sealfs_dir);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	random_ioctls_vs(_metadata, "sealfs mount file", fd, memfd, 1, 1);
	ro = open(path, O_RDONLY);
	ASSERT_LE(0, ro);
	random_ioctls_vs(_metadata, "sealfs mount file, O_RDONLY", ro, memfd, 1, 0);
	close(ro);
	close(fd);

	dir = open(self->sealfs_dir, O_RDONLY | O_DIRECTORY);
	tdir = open(self->tmpfs_dir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, dir);
	ASSERT_LE(0, tdir);
	/* A directory is not a sealfs file: even the seal ioctls are ENOTTY. */
	random_ioctls_vs(_metadata, "sealfs directory", dir, tdir, 0, 0);
	close(dir);
	close(tdir);
	close(memfd);
}

/* ---- struct sealfs_create ---- */

/* SEALFS_IOC_CREATE with this argument; closes a created fd. */
static int create_raw(unsigned long arg, int *err)
{
	int dev = dev_open(), ret;

	if (dev < 0) {
		*err = errno;
		return -2;
	}
	ret = ioctl(dev, SEALFS_IOC_CREATE, arg);
	*err = errno;
	close(dev);
	if (ret >= 0) {
		close(ret);
		return 0;
	}
	return -1;
}

static int create_with(const void *name, unsigned int flags, unsigned int reserved,
		       int *err)
{
	struct sealfs_create c = {
		.name = (uintptr_t)name, .flags = flags, .reserved = reserved,
	};

	return create_raw((unsigned long)&c, err);
}

static int memfd_with(const void *name, unsigned int flags, int *err)
{
	int ret = syscall(__NR_memfd_create, name, flags);

	*err = errno;
	if (ret >= 0) {
		close(ret);
		return 0;
	}
	return -1;
}

/* Both give the same result: 0, or -1 with the same errno; and that one. */
#define SAME_AS_MEMFD(name, flags, want_ret, want_err, what) do {		\
	int _e, _me;								\
	int _r = create_with((name), (flags), 0, &_e);				\
	int _mr = memfd_with((name), (flags), &_me);				\
	count(1);								\
	EXPECT_EQ(_mr, _r) TH_LOG("%s: sealfs %s, memfd %s", what,		\
				  res_str(_r, _e), res_str(_mr, _me));		\
	if (_r < 0 && _mr < 0) {						\
		EXPECT_EQ(_me, _e) TH_LOG("%s: sealfs %s, memfd %s", what,	\
					  strerror(_e), strerror(_me));		\
	}									\
	EXPECT_EQ(want_ret, _r) TH_LOG("%s", what);				\
	if (want_ret < 0) {							\
		EXPECT_EQ(want_err, _e) TH_LOG("%s: %s", what, strerror(_e));	\
	}									\
} while (0)

TEST(create_with_nonzero_reserved_is_einval_whatever_else_is_wrong)
{
	static const unsigned int bad[] = { 1, 2, 0x80, 0x10000, 0x80000000, 0xffffffff };
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, create_with("r", SEALFS_ALLOW_SEALING, bad[i], &err));
		EXPECT_EQ(EINVAL, err) TH_LOG("reserved %#x", bad[i]);
		/* Checked before the name is read. */
		EXPECT_EQ(-1, create_with(NULL, 0, bad[i], &err));
		EXPECT_EQ(EINVAL, err) TH_LOG("reserved %#x, NULL name", bad[i]);
		count(2);
	}
}

TEST(create_with_bad_name_pointers_is_efault_as_memfd)
{
	char *hole = page_before_hole();
	char *prot = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(NULL, hole);
	ASSERT_NE(MAP_FAILED, prot);
	SAME_AS_MEMFD(NULL, 0, -1, EFAULT, "NULL");
	SAME_AS_MEMFD((void *)1, 0, -1, EFAULT, "address 1");
	SAME_AS_MEMFD(hole, 0, -1, EFAULT, "unmapped page");
	SAME_AS_MEMFD(hole + 100, 0, -1, EFAULT, "inside an unmapped page");
	SAME_AS_MEMFD(prot, 0, -1, EFAULT, "PROT_NONE page");
	SAME_AS_MEMFD((void *)0xffffffff81000000UL, 0, -1, EFAULT, "kernel address");
	SAME_AS_MEMFD((void *)0xffffffffffffffffUL, 0, -1, EFAULT, "address -1");
	SAME_AS_MEMFD((void *)0x8000000000000000UL, 0, -1, EFAULT, "non-canonical");
	SAME_AS_MEMFD((void *)0x00007ffffffff000UL, 0, -1, EFAULT, "top of user space");
	/* Bad flags are found before the name is read. */
	SAME_AS_MEMFD(NULL, 0x100, -1, EINVAL, "NULL with a bad flag");
	munmap(prot, PAGE);
	munmap(hole - PAGE, PAGE);
}

/*
 * A name of n bytes with no NUL, ending exactly at a page boundary with
 * the next page unmapped: shorter than the limit, it runs into the hole
 * (EFAULT); 250 bytes or more, it is too long before the hole (EINVAL).
 */
TEST(create_with_a_name_running_into_an_unmapped_page_is_efault_as_memfd)
{
	static const int lens[] = { 1, 2, 7, 8, 9, 63, 64, 100, 248, 249, 250, 251, 256, 300, 4095, 4096 };
	char *hole = page_before_hole();

	ASSERT_NE(NULL, hole);
	memset(hole - PAGE, 'u', PAGE);
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		char what[64];
		int n = lens[i];

		snprintf(what, sizeof(what), "unterminated %d bytes before a hole", n);
		SAME_AS_MEMFD(hole - n, SEALFS_CLOEXEC, -1, n < 250 ? EFAULT : EINVAL, what);
	}
	/* Terminated by the very last byte of the page: fine up to 249. */
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		char what[64];
		int n = lens[i];

		if (n >= PAGE)
			continue;
		hole[-1] = '\0';
		snprintf(what, sizeof(what), "%d bytes and a NUL that ends the page", n);
		SAME_AS_MEMFD(hole - n - 1, SEALFS_CLOEXEC, n <= 249 ? 0 : -1, EINVAL, what);
		hole[-1] = 'u';
	}
	munmap(hole - PAGE, PAGE);
}

TEST(create_names_of_every_length_around_the_limit_as_memfd)
{
	char name[512];

	for (int n = 0; n < (int)sizeof(name) - 1; n += n < 240 ? 40 : n < 260 ? 1 : 50) {
		char what[32];

		memset(name, 'a' + n % 26, n);
		name[n] = '\0';
		snprintf(what, sizeof(what), "%d-byte name", n);
		SAME_AS_MEMFD(name, SEALFS_CLOEXEC, n <= 249 ? 0 : -1, EINVAL, what);
	}
	/* Any bytes but NUL, '/' included. */
	for (int i = 0; i < 249; i++)
		name[i] = 1 + i;
	name[249] = '\0';
	SAME_AS_MEMFD(name, SEALFS_CLOEXEC, 0, 0, "249 bytes 0x01..0xf9");
	SAME_AS_MEMFD("a/b/../c", SEALFS_CLOEXEC, 0, 0, "slashes");
	SAME_AS_MEMFD("\xff\xfe\n", SEALFS_CLOEXEC, 0, 0, "not UTF-8");
}

TEST(create_with_the_struct_on_an_unmapped_page_is_efault)
{
	char *hole = page_before_hole();
	struct sealfs_create c = { .name = (uintptr_t)"x" };
	static const struct { long off; const char *what; } cases[] = {
		{ 0, "at an unmapped page" },
		{ -8, "8 of 16 bytes mapped" },
		{ -15, "15 of 16 bytes mapped" },
		{ -1, "1 of 16 bytes mapped" },
	};
	int err;

	ASSERT_NE(NULL, hole);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *p = hole + cases[i].off;

		if (cases[i].off < 0)
			memcpy(p, &c, -cases[i].off);
		EXPECT_EQ(-1, create_raw((unsigned long)p, &err)) TH_LOG("%s", cases[i].what);
		EXPECT_EQ(EFAULT, err) TH_LOG("%s: %s", cases[i].what, strerror(err));
	}
	EXPECT_EQ(-1, create_raw(0, &err));
	EXPECT_EQ(EFAULT, err);
	EXPECT_EQ(-1, create_raw(0xffffffff81000000UL, &err));
	EXPECT_EQ(EFAULT, err);
	EXPECT_EQ(-1, create_raw(0x8000000000000000UL, &err));
	EXPECT_EQ(EFAULT, err);
	/* Misaligned but mapped: fine. */
	memcpy(hole - 17, &c, sizeof(c));
	EXPECT_EQ(0, create_raw((unsigned long)(hole - 17), &err)) TH_LOG("%s", strerror(err));
	/* Exactly the 16 bytes before the hole: fine. */
	memcpy(hole - 16, &c, sizeof(c));
	EXPECT_EQ(0, create_raw((unsigned long)(hole - 16), &err)) TH_LOG("%s", strerror(err));
	count(ARRAY_SIZE(cases) + 5);
	munmap(hole - PAGE, PAGE);
}

#define RANDOM_FLAGS	1000

TEST(create_with_random_flags_as_memfd)
{
	long ok = 0, refused = 0;

	for (int i = 0; i < RANDOM_FLAGS; i++) {
		uint64_t r = rnd64();
		unsigned int flags = r & 1 ? (unsigned int)(r >> 8) : (r >> 8) & 0x3f;
		int e, me, ret, mret;

		ret = create_with("flags", flags, 0, &e);
		count(1);
		if (flags & MFD_HUGETLB) {
			/* Not offered by sealfs (memfd has no hugetlbfs here either). */
			EXPECT_EQ(-1, ret) TH_LOG("flags %#x", flags);
			EXPECT_EQ(EINVAL, e) TH_LOG("flags %#x: %s", flags, strerror(e));
			refused++;
			continue;
		}
		mret = memfd_with("flags", flags, &me);
		EXPECT_EQ(mret, ret) TH_LOG("flags %#x: sealfs %s, memfd %s", flags,
					    res_str(ret, e), res_str(mret, me));
		if (ret < 0 && mret < 0) {
			EXPECT_EQ(me, e) TH_LOG("flags %#x", flags);
		}
		if (ret == 0)
			ok++;
		else
			refused++;
	}
	TH_LOG("%d random flag words: %ld created, %ld refused, each as memfd_create",
	       RANDOM_FLAGS, ok, refused);
}

/* ---- a name changed under the call ---- */

struct name_race {
	char *page;		/* page-aligned: the name page, then the next one */
	atomic_int stop;
	atomic_long changes, remaps, remap_failed;
};

static void *name_racer(void *arg)
{
	struct name_race *nr = arg;
	unsigned int seed = 12345;

	while (!atomic_load(&nr->stop)) {
		unsigned int r;

		seed = seed * 1103515245u + 12345u;
		r = seed >> 8;
		switch (r % 6) {
		case 0:
		case 1: {
			/* Move the NUL: names of 0..300 bytes, up to the boundary. */
			int len = (r >> 4) % 301;
			char *name = nr->page + PAGE - 200;

			memset(name, 'x' + (r & 1), len);
			name[len] = '\0';
			break;
		}
		case 2:
			/* All NULs, or none. */
			memset(nr->page + PAGE - 300, r & 16 ? 0 : 'z', 300);
			break;
		case 3:
			/* The page after the name goes away and comes back. */
			if (munmap(nr->page + PAGE, PAGE) == 0) {
				sched_yield();
				if (mmap(nr->page + PAGE, PAGE, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
					 -1, 0) == MAP_FAILED) {
					atomic_fetch_add(&nr->remap_failed, 1);
					return NULL;
				}
			}
			atomic_fetch_add(&nr->remaps, 1);
			break;
		case 4:
			/* The name page itself is unmapped and mapped again. */
			if (munmap(nr->page, PAGE) == 0) {
				sched_yield();
				if (mmap(nr->page, PAGE, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
					 -1, 0) == MAP_FAILED) {
					atomic_fetch_add(&nr->remap_failed, 1);
					return NULL;
				}
			}
			atomic_fetch_add(&nr->remaps, 1);
			break;
		default:
			/* Taken away by protection instead. */
			mprotect(nr->page, PAGE, PROT_NONE);
			sched_yield();
			mprotect(nr->page, PAGE, PROT_READ | PROT_WRITE);
			atomic_fetch_add(&nr->remaps, 1);
			break;
		}
		atomic_fetch_add(&nr->changes, 1);
	}
	return NULL;
}

#define NAME_RACE_CALLS	2000
/* The racer must have changed the name this often, or the calls go on. */
#define NAME_RACE_CHANGES	600

TEST(create_with_a_name_changed_or_unmapped_during_the_call_never_crashes)
{
	struct name_race nr = { 0 };
	long results[3] = { 0 }, other = 0, calls;
	int last_other = 0, fds_before, fds_after;
	pthread_t thread;
	int dev = dev_open();
	char *two;

	ASSERT_LE(0, dev);
	/* Three pages reserved so the race's remaps stay in our range. */
	two = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	nr.page = two;
	strcpy(nr.page + PAGE - 200, "start");
	fds_before = open("/dev/null", O_RDONLY);
	close(fds_before);
	ASSERT_EQ(0, pthread_create(&thread, NULL, name_racer, &nr));
	while (atomic_load(&nr.changes) < 10)
		sched_yield();
	for (int i = 0; i < NAME_RACE_CALLS ||
			(atomic_load(&nr.changes) < NAME_RACE_CHANGES &&
			 i < 30 * NAME_RACE_CALLS); i++) {
		/* The name starts 200 or 100 bytes before the boundary, or after it. */
		static const int offs[] = { PAGE - 200, PAGE - 100, PAGE - 1, PAGE + 10 };
		struct sealfs_create c = {
			.name = (uintptr_t)(nr.page + offs[i % 4]),
			.flags = SEALFS_CLOEXEC,
		};
		int ret = ioctl(dev, SEALFS_IOC_CREATE, &c);

		if (ret >= 0) {
			results[0]++;
			close(ret);
		} else if (errno == EFAULT) {
			results[1]++;
		} else if (errno == EINVAL) {
			results[2]++;
		} else {
			other++;
			last_other = errno;
		}
	}
	atomic_store(&nr.stop, 1);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	calls = results[0] + results[1] + results[2] + other;
	count(calls);
	/* No fd was left behind by a failed call. */
	fds_after = open("/dev/null", O_RDONLY);
	close(fds_after);
	EXPECT_EQ(fds_before, fds_after);
	EXPECT_EQ(0, other) TH_LOG("%ld calls gave another errno (last %s)", other,
				   strerror(last_other));
	EXPECT_EQ(0, atomic_load(&nr.remap_failed))
		TH_LOG("the racer could not map its page back: the race stopped early");
	TH_LOG("%ld creates racing %ld changes (%ld unmaps/protects): %ld created, %ld EFAULT, %ld EINVAL",
	       calls, atomic_load(&nr.changes), atomic_load(&nr.remaps),
	       results[0], results[1], results[2]);
	munmap(two, 3 * PAGE);
	close(dev);
}

/* ---- offsets and sizes, call by call against a memfd ---- */

enum target { T_MEMFD, T_SEALFS, T_SEALFS_MOUNT, NR_TARGETS };

static const char * const target_names[NR_TARGETS] = {
	"memfd", "sealfs", "sealfs mount file",
};

struct files {
	int fd[NR_TARGETS];
	int ro[NR_TARGETS];
};

static void open_files(struct __test_metadata *_metadata, FIXTURE_DATA(ns) *self,
		       struct files *f)
{
	char path[160], proc[64];

	f->fd[T_MEMFD] = kind_create(MEMFD, "hostile", SEALFS_ALLOW_SEALING);
	f->fd[T_SEALFS] = kind_create(SEALFS, "hostile", SEALFS_ALLOW_SEALING);
	snprintf(path, sizeof(path), "%s/offsets", self->sealfs_dir);
	f->fd[T_SEALFS_MOUNT] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (int t = 0; t < NR_TARGETS; t++) {
		ASSERT_LE(0, f->fd[t]) TH_LOG("%s", target_names[t]);
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd[t]);
		f->ro[t] = open(proc, O_RDONLY);
		ASSERT_LE(0, f->ro[t]) TH_LOG("%s", target_names[t]);
	}
}

static void close_files(struct files *f)
{
	for (int t = 0; t < NR_TARGETS; t++) {
		close(f->ro[t]);
		close(f->fd[t]);
	}
}

/* Back to FILE_SIZE bytes of 'h'. */
static void reset(struct __test_metadata *_metadata, struct files *f)
{
	char buf[FILE_SIZE];

	memset(buf, 'h', sizeof(buf));
	for (int t = 0; t < NR_TARGETS; t++) {
		ASSERT_EQ(0, ftruncate(f->fd[t], 0)) TH_LOG("%s", target_names[t]);
		ASSERT_EQ(FILE_SIZE, pwrite(f->fd[t], buf, FILE_SIZE, 0));
		ASSERT_EQ(0, lseek(f->fd[t], 0, SEEK_SET));
	}
}

/* One operation, on one file. */
struct opcall {
	int kind;
	long long a, b;
	int mode;
	const void *buf;
	long long len;
	int ro;
};

enum { C_FTRUNCATE, C_FALLOCATE, C_PWRITE, C_PREAD, C_PWRITEV, C_LSEEK, C_MMAP,
       C_PREALLOC_IOCTL };

static const char *call_name(const struct opcall *c, char *b, size_t n)
{
	switch (c->kind) {
	case C_FTRUNCATE:
		snprintf(b, n, "ftruncate(%s%lld)", c->ro ? "O_RDONLY fd, " : "", c->a);
		break;
	case C_FALLOCATE:
		snprintf(b, n, "fallocate(%s%#x, %lld, %lld)", c->ro ? "O_RDONLY fd, " : "",
			 c->mode, c->a, c->b);
		break;
	case C_PWRITE:
		snprintf(b, n, "pwrite(%p, %lld, %lld)", c->buf, c->len, c->a);
		break;
	case C_PREAD:
		snprintf(b, n, "pread(%p, %lld, %lld)", c->buf, c->len, c->a);
		break;
	case C_PWRITEV:
		snprintf(b, n, "pwritev(iov_len %lld x %d, %lld)", c->len, c->mode, c->a);
		break;
	case C_LSEEK:
		snprintf(b, n, "lseek(%lld, %d)", c->a, c->mode);
		break;
	case C_MMAP:
		snprintf(b, n, "mmap(len %lld, prot %#x, off %lld)", c->len, c->mode, c->a);
		break;
	default:
		snprintf(b, n, "ioctl(%s, whence %d, start %lld, len %lld)",
			 c->mode == FS_IOC_RESVSP64 ? "RESVSP64" :
			 c->mode == FS_IOC_UNRESVSP64 ? "UNRESVSP64" : "ZERO_RANGE",
			 (int)c->len, c->a, c->b);
	}
	return b;
}

/* The call's result; -1 and errno. */
static long long run_call(const struct opcall *c, int fd)
{
	static char page[PAGE];
	long long ret;

	switch (c->kind) {
	case C_FTRUNCATE:
		return ftruncate(fd, c->a);
	case C_FALLOCATE:
		return fallocate(fd, c->mode, c->a, c->b);
	case C_PWRITE:
		return pwrite(fd, c->buf, c->len, c->a);
	case C_PREAD:
		return pread(fd, (void *)c->buf, c->len, c->a);
	case C_PWRITEV: {
		struct iovec iov[1100];

		for (int i = 0; i < c->mode && i < 1100; i++) {
			iov[i].iov_base = page;
			iov[i].iov_len = c->len;
		}
		return pwritev(fd, iov, c->mode, c->a);
	}
	case C_LSEEK:
		lseek(fd, 0, SEEK_SET);
		return lseek(fd, c->a, c->mode);
	case C_MMAP: {
		void *p = mmap(NULL, c->len, c->mode, MAP_SHARED, fd, c->a);

		if (p == MAP_FAILED)
			return -1;
		munmap(p, c->len);
		return 0;
	}
	default: {
		struct space_resv sr = {
			.l_whence = (short)c->len, .l_start = c->a, .l_len = c->b,
		};

		ret = ioctl(fd, c->mode, &sr);
		return ret;
	}
	}
}

struct verdicts {
	long calls, mismatches;
};

/*
 * The call on each file (the O_RDONLY fds with c->ro): the same result
 * and errno as on the memfd, the same size after, and when a write landed,
 * the same bytes.  Then every file is reset.
 */
static void same_as_memfd(struct __test_metadata *_metadata, struct files *f,
			  const struct opcall *c, struct verdicts *v)
{
	long long ret[NR_TARGETS];
	int err[NR_TARGETS];
	struct stat st[NR_TARGETS];
	char name[160];

	for (int t = 0; t < NR_TARGETS; t++) {
		int fd = c->ro ? f->ro[t] : f->fd[t];

		errno = 0;
		ret[t] = run_call(c, fd);
		err[t] = ret[t] < 0 ? errno : 0;
		ASSERT_EQ(0, fstat(f->fd[t], &st[t]));
	}
	call_name(c, name, sizeof(name));
	for (int t = T_SEALFS; t < NR_TARGETS; t++) {
		int same = ret[t] == ret[T_MEMFD] && err[t] == err[T_MEMFD] &&
			   st[t].st_size == st[T_MEMFD].st_size;

		EXPECT_TRUE(same) TH_LOG("%s on a %s: %lld (%s), size %lld; memfd: %lld (%s), size %lld",
					 name, target_names[t], ret[t], strerror(err[t]),
					 (long long)st[t].st_size, ret[T_MEMFD],
					 strerror(err[T_MEMFD]), (long long)st[T_MEMFD].st_size);
		v->mismatches += !same;
	}
	/* A write that landed far out: read it back from each. */
	if (c->kind == C_PWRITE && ret[T_MEMFD] > 0) {
		char want[16], got[16];
		long long n = ret[T_MEMFD] < 16 ? ret[T_MEMFD] : 16;

		ASSERT_EQ(n, pread(f->fd[T_MEMFD], want, n, c->a));
		for (int t = T_SEALFS; t < NR_TARGETS; t++) {
			memset(got, 0, sizeof(got));
			EXPECT_EQ(n, pread(f->fd[t], got, n, c->a)) TH_LOG("%s on a %s", name,
									   target_names[t]);
			EXPECT_EQ(0, memcmp(want, got, n)) TH_LOG("%s on a %s: other bytes",
								  name, target_names[t]);
		}
	}
	v->calls++;
	count(1);
	reset(_metadata, f);
}

#define LL(x) ((long long)(x))

static const long long offsets[] = {
	-1, LLONG_MIN, -PAGE, 0, 1, PAGE, LL(1) << 40, LL(1) << 62, (LL(1) << 62) - 1,
	LLONG_MAX - PAGE, LLONG_MAX - PAGE + 1, LLONG_MAX - 1, LLONG_MAX,
};

static const long long lengths[] = {
	-1, LLONG_MIN, 0, 1, PAGE, PAGE + 1, LL(1) << 62, LLONG_MAX - 1, LLONG_MAX,
};

TEST_F(ns, ftruncate_with_negative_and_huge_sizes_as_memfd)
{
	struct files f;
	struct verdicts v = { 0 };

	open_files(_metadata, self, &f);
	reset(_metadata, &f);
	for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
		struct opcall c = { .kind = C_FTRUNCATE, .a = offsets[i] };

		same_as_memfd(_metadata, &f, &c, &v);
		c.ro = 1;
		same_as_memfd(_metadata, &f, &c, &v);
	}
	TH_LOG("%ld ftruncate calls, %ld differ from memfd", v.calls, v.mismatches);
	close_files(&f);
}

/*
 * fallocate with every mode bit the VFS knows and some it does not, and
 * offsets and lengths from the tables.  An allocation that the VFS would
 * let through (mode 0 or KEEP_SIZE, a valid range) of more than a few
 * pages is left out: the memfd would fill memory.
 */
TEST_F(ns, fallocate_with_hostile_modes_offsets_and_lengths_as_memfd)
{
	static const int modes[] = {
		0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE,
		FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_NO_HIDE_STALE,
		FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_ZERO_RANGE,
		FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_INSERT_RANGE,
		FALLOC_FL_UNSHARE_RANGE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE,
		0x80, 0x100, 0xff, -1, INT_MIN,
	};
	struct files f;
	struct verdicts v = { 0 };
	long skipped = 0;

	open_files(_metadata, self, &f);
	reset(_metadata, &f);
	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
			for (size_t j = 0; j < ARRAY_SIZE(lengths); j++) {
				long long off = offsets[i], len = lengths[j], end;
				struct opcall c = {
					.kind = C_FALLOCATE, .mode = modes[m],
					.a = off, .b = len,
				};
				int allocates = (modes[m] & ~FALLOC_FL_KEEP_SIZE) == 0;

				if (allocates && off >= 0 && len > 4 * PAGE &&
				    !__builtin_add_overflow(off, len, &end)) {
					skipped++;
					continue;
				}
				same_as_memfd(_metadata, &f, &c, &v);
			}
		}
	}
	/* Not open for writing: EBADF, whatever the rest says. */
	for (size_t m = 0; m < 4; m++) {
		struct opcall c = {
			.kind = C_FALLOCATE, .mode = modes[m], .a = 0, .b = PAGE, .ro = 1,
		};

		same_as_memfd(_metadata, &f, &c, &v);
	}
	/* The old XFS ioctls that the VFS turns into fallocate(KEEP_SIZE [| PUNCH]). */
	for (int w = -1; w <= 3; w++) {
		for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
			for (size_t j = 0; j < ARRAY_SIZE(lengths); j++) {
				static const unsigned int cmds[] = {
					FS_IOC_RESVSP64, FS_IOC_UNRESVSP64, FS_IOC_ZERO_RANGE,
				};

				for (size_t k = 0; k < ARRAY_SIZE(cmds); k++) {
					struct opcall c = {
						.kind = C_PREALLOC_IOCTL, .mode = cmds[k],
						.len = w, .a = offsets[i], .b = lengths[j],
					};

					/* A preallocation: never more than a few pages. */
					if (cmds[k] == FS_IOC_RESVSP64 && lengths[j] > 4 * PAGE) {
						skipped++;
						continue;
					}
					same_as_memfd(_metadata, &f, &c, &v);
				}
			}
		}
	}
	TH_LOG("%ld fallocate calls, %ld differ from memfd (%ld large allocations left out)",
	       v.calls, v.mismatches, skipped);
	close_files(&f);
}

TEST_F(ns, pwrite_pread_lseek_and_mmap_with_hostile_offsets_and_buffers_as_memfd)
{
	static const long long wlens[] = { 0, 1, PAGE, PAGE + 1 };
	static const int whences[] = {
		SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, 5, -1,
	};
	static char src[2 * PAGE];
	char *hole = page_before_hole();
	struct files f;
	struct verdicts v = { 0 };

	ASSERT_NE(NULL, hole);
	memset(src, 'w', sizeof(src));
	memset(hole - PAGE, 'q', PAGE);
	open_files(_metadata, self, &f);
	reset(_metadata, &f);
	for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(wlens); j++) {
			struct opcall c = {
				.kind = C_PWRITE, .a = offsets[i], .buf = src, .len = wlens[j],
			};

			same_as_memfd(_metadata, &f, &c, &v);
			c.kind = C_PREAD;
			same_as_memfd(_metadata, &f, &c, &v);
		}
	}
	/* Buffers: NULL, unmapped, running into a hole, a huge count. */
	{
		struct opcall cs[] = {
			{ .kind = C_PWRITE, .buf = NULL, .len = 1 },
			{ .kind = C_PWRITE, .buf = hole, .len = PAGE },
			{ .kind = C_PWRITE, .buf = hole - 100, .len = PAGE },
			{ .kind = C_PWRITE, .buf = hole - 100, .len = PAGE, .a = PAGE - 50 },
			{ .kind = C_PWRITE, .buf = hole - PAGE, .len = LLONG_MAX },
			{ .kind = C_PWRITE, .buf = hole - PAGE, .len = -1 },
			{ .kind = C_PWRITE, .buf = hole - PAGE, .len = 1LL << 40, .a = 3 * PAGE },
			{ .kind = C_PWRITE, .buf = (void *)0xffffffff81000000UL, .len = 8 },
			{ .kind = C_PREAD, .buf = NULL, .len = 1 },
			{ .kind = C_PREAD, .buf = hole - 100, .len = PAGE },
			{ .kind = C_PREAD, .buf = (void *)0xffffffff81000000UL, .len = 8 },
			{ .kind = C_PWRITEV, .len = LLONG_MAX, .mode = 1 },
			{ .kind = C_PWRITEV, .len = LLONG_MAX / 2, .mode = 3 },
			{ .kind = C_PWRITEV, .len = 1, .mode = 1024 },
			{ .kind = C_PWRITEV, .len = 1, .mode = 1025 },
			{ .kind = C_PWRITEV, .len = 1, .mode = -1 },
			{ .kind = C_PWRITEV, .len = 1, .mode = 2, .a = -1 },
			{ .kind = C_PWRITEV, .len = 1, .mode = 2, .a = LLONG_MAX },
		};

		for (size_t i = 0; i < ARRAY_SIZE(cs); i++)
			same_as_memfd(_metadata, &f, &cs[i], &v);
	}
	for (size_t w = 0; w < ARRAY_SIZE(whences); w++) {
		for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
			struct opcall c = { .kind = C_LSEEK, .a = offsets[i], .mode = whences[w] };

			same_as_memfd(_metadata, &f, &c, &v);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
		static const long long mlens[] = { 0, 1, PAGE, 1LL << 46, LLONG_MAX };

		for (size_t j = 0; j < ARRAY_SIZE(mlens); j++) {
			struct opcall c = {
				.kind = C_MMAP, .a = offsets[i], .len = mlens[j],
				.mode = PROT_READ | (j % 2 ? PROT_WRITE : 0),
			};

			same_as_memfd(_metadata, &f, &c, &v);
		}
	}
	TH_LOG("%ld calls, %ld differ from memfd", v.calls, v.mismatches);
	close_files(&f);
	munmap(hole - PAGE, PAGE);
}

/* ---- mount(2) data ---- */

struct mount_result {
	int ret, err;
	struct statfs sfs;
	struct stat root;
};

static void try_mount(FIXTURE_DATA(ns) *self, const char *type, const char *data,
		      struct mount_result *res)
{
	char dir[160];

	snprintf(dir, sizeof(dir), "%s/m-%s", self->base, type);
	mkdir(dir, 0755);
	memset(res, 0, sizeof(*res));
	res->ret = mount("none", dir, type, 0, data);
	res->err = res->ret ? errno : 0;
	if (res->ret == 0) {
		statfs(dir, &res->sfs);
		stat(dir, &res->root);
		umount2(dir, MNT_DETACH);
	}
	rmdir(dir);
}

/*
 * What sealfs must do with a data string: what tmpfs does; EINVAL (which
 * tmpfs may not give: then a note is printed); accept it as tmpfs does,
 * with limits that may differ (a note if they do).
 */
enum expect {
	AS_TMPFS, EINVAL_ALWAYS, EINVAL_TMPFS_ACCEPTS, ACCEPT_LIMITS_DIFFER,
	/* Either, noted when it differs from tmpfs. */
	NOTE_ONLY,
};

/*
 * tmpfs's limits without options (half the RAM, and as many inodes):
 * sealfs has none (0).  A tmpfs figure equal to these counts as 0.
 */
static unsigned long tmpfs_default_blocks, tmpfs_default_files;

struct mount_case {
	const char *data;
	enum expect expect;
};

/*
 * Compares sealfs with tmpfs for one data string.  Returns 1 when they
 * differ (in result, limits, or root attributes).
 */
static void normalise(struct mount_result *t)
{
	if (t->ret == 0 && t->sfs.f_blocks == tmpfs_default_blocks)
		t->sfs.f_blocks = 0;
	if (t->ret == 0 && t->sfs.f_files == tmpfs_default_files)
		t->sfs.f_files = 0;
}

static void learn_tmpfs_defaults(FIXTURE_DATA(ns) *self)
{
	struct mount_result t;

	try_mount(self, "tmpfs", NULL, &t);
	tmpfs_default_blocks = t.sfs.f_blocks;
	tmpfs_default_files = t.sfs.f_files;
}

static int results_differ(const struct mount_result *s, const struct mount_result *t)
{
	if (s->ret != t->ret || s->err != t->err)
		return 1;
	return s->ret == 0 &&
	       (s->sfs.f_blocks != t->sfs.f_blocks || s->sfs.f_files != t->sfs.f_files ||
		s->root.st_mode != t->root.st_mode || s->root.st_uid != t->root.st_uid ||
		s->root.st_gid != t->root.st_gid || s->sfs.f_flags != t->sfs.f_flags);
}

/*
 * Compares sealfs with tmpfs for one data string.  Returns 1 when they
 * differ (in result, limits, or root attributes).
 */
static int mount_vs_tmpfs(struct __test_metadata *_metadata, FIXTURE_DATA(ns) *self,
			  const char *data, enum expect expect)
{
	struct mount_result s, t;
	int differ;

	try_mount(self, "sealfs", data, &s);
	try_mount(self, "tmpfs", data, &t);
	normalise(&t);
	count(1);
	differ = results_differ(&s, &t);
	/* Whatever it is, a data string is accepted or EINVAL. */
	EXPECT_TRUE(s.ret == 0 || s.err == EINVAL)
		TH_LOG("sealfs \"%.60s\": %s", data ? data : "(null)", strerror(s.err));
	switch (expect) {
	case AS_TMPFS:
		EXPECT_FALSE(differ)
			TH_LOG("\"%.60s\": sealfs %s (blocks %ld files %ld mode %o uid %d), tmpfs %s (blocks %ld files %ld mode %o uid %d)",
			       data ? data : "(null)", res_str(s.ret, s.err),
			       (long)s.sfs.f_blocks, (long)s.sfs.f_files, s.root.st_mode,
			       s.root.st_uid, res_str(t.ret, t.err), (long)t.sfs.f_blocks,
			       (long)t.sfs.f_files, t.root.st_mode, t.root.st_uid);
		break;
	case NOTE_ONLY:
		if (differ)
			TH_LOG("note: \"%.60s\": sealfs %s, tmpfs %s", data,
			       res_str(s.ret, s.err), res_str(t.ret, t.err));
		break;
	case ACCEPT_LIMITS_DIFFER:
		EXPECT_EQ(0, s.ret) TH_LOG("\"%.60s\": %s", data, strerror(s.err));
		EXPECT_EQ(0, t.ret) TH_LOG("\"%.60s\": %s", data, strerror(t.err));
		if (differ)
			TH_LOG("note: \"%.60s\": sealfs blocks %lu files %lu, tmpfs blocks %lu files %lu (0: no limit)",
			       data, (unsigned long)s.sfs.f_blocks, (unsigned long)s.sfs.f_files,
			       (unsigned long)t.sfs.f_blocks, (unsigned long)t.sfs.f_files);
		break;
	case EINVAL_TMPFS_ACCEPTS:
		if (t.ret == 0)
			TH_LOG("note: \"%.60s\": tmpfs accepts it (blocks %lu, files %lu; 0: no limit), sealfs: %s",
			       data, (unsigned long)t.sfs.f_blocks, (unsigned long)t.sfs.f_files,
			       res_str(s.ret, s.err));
		/* fallthrough */
	case EINVAL_ALWAYS:
		EXPECT_EQ(-1, s.ret) TH_LOG("sealfs accepted \"%.60s\"", data);
		EXPECT_EQ(EINVAL, s.err) TH_LOG("sealfs \"%.60s\": %s", data, strerror(s.err));
		break;
	}
	return differ;
}

TEST_F(ns, mount_data_malformed_overflowing_duplicated_unknown)
{
	static const struct mount_case cases[] = {
		/* Unknown keys. */
		{ "foo=1", EINVAL_ALWAYS },
		{ "nosuchoption", EINVAL_ALWAYS },
		{ "size=1M,bogus=2", EINVAL_ALWAYS },
		{ "SIZE=1M", EINVAL_ALWAYS },
		{ "size\x01=1M", EINVAL_ALWAYS },
		/* huge=, which sealfs hands to its private tmpfs mount. */
		{ "huge=never", AS_TMPFS },
		{ "huge=always", AS_TMPFS },
		{ "huge=within_size", AS_TMPFS },
		{ "huge=advise", AS_TMPFS },
		{ "huge=bogus", EINVAL_ALWAYS },
		{ "huge=", EINVAL_ALWAYS },
		{ "huge", EINVAL_ALWAYS },
		/* tmpfs options sealfs does not have. */
		{ "nr_blocks=100", EINVAL_TMPFS_ACCEPTS },
		{ "inode64", EINVAL_TMPFS_ACCEPTS },
		{ "noswap", EINVAL_TMPFS_ACCEPTS },
		/* Malformed values. */
		{ "size", EINVAL_ALWAYS },
		{ "size=", EINVAL_ALWAYS },
		{ "size=abc", EINVAL_ALWAYS },
		{ "size=1Q", EINVAL_ALWAYS },
		{ "size=-1", EINVAL_ALWAYS },
		{ "size=1M1", EINVAL_ALWAYS },
		{ "size= 1M", EINVAL_ALWAYS },
		{ "size=1MM", EINVAL_ALWAYS },
		{ "size=k", EINVAL_ALWAYS },
		{ "nr_inodes=", EINVAL_ALWAYS },
		{ "nr_inodes=x", EINVAL_ALWAYS },
		{ "nr_inodes=-5", EINVAL_ALWAYS },
		{ "mode=", EINVAL_ALWAYS },
		{ "mode=9", EINVAL_ALWAYS },
		{ "mode=-1", EINVAL_ALWAYS },
		{ "mode=0x1ff", EINVAL_ALWAYS },
		{ "uid=", EINVAL_ALWAYS },
		{ "uid=abc", EINVAL_ALWAYS },
		{ "uid=-1", EINVAL_ALWAYS },
		{ "gid=1.5", EINVAL_ALWAYS },
		{ "uid=4294967295", EINVAL_ALWAYS },
		{ "size==1M", EINVAL_ALWAYS },
		/* tmpfs syntax that sealfs does not take (memparse: 0x, octal, t/p/e, %). */
		{ "size=0x100000", EINVAL_TMPFS_ACCEPTS },
		{ "size=1t", EINVAL_TMPFS_ACCEPTS },
		{ "size=1e", EINVAL_TMPFS_ACCEPTS },
		{ "size=50%", EINVAL_TMPFS_ACCEPTS },
		{ "nr_inodes=0x10", EINVAL_TMPFS_ACCEPTS },
		{ "uid=0x10", EINVAL_TMPFS_ACCEPTS },
		{ "mode=0o755", EINVAL_ALWAYS },
		/* Overflowing: tmpfs wraps silently (memparse), sealfs refuses. */
		{ "size=99999999999999999999", EINVAL_TMPFS_ACCEPTS },
		{ "size=18446744073709551616", EINVAL_TMPFS_ACCEPTS },
		{ "size=17179869184G", EINVAL_TMPFS_ACCEPTS },
		{ "size=99999999999999999999k", EINVAL_TMPFS_ACCEPTS },
		{ "nr_inodes=99999999999999999999", EINVAL_TMPFS_ACCEPTS },
		{ "mode=77777777777777777777777", EINVAL_ALWAYS },
		{ "uid=4294967296", EINVAL_ALWAYS },
		{ "gid=99999999999999999999", EINVAL_ALWAYS },
		/* Duplicated: the last one counts, as tmpfs. */
		{ "size=1M,size=2M", AS_TMPFS },
		{ "size=2M,size=1M", AS_TMPFS },
		{ "nr_inodes=8,nr_inodes=16", AS_TMPFS },
		{ "mode=0700,mode=0755", AS_TMPFS },
		{ "uid=1,gid=2,uid=3,gid=4", AS_TMPFS },
		{ "size=1M,size=0", AS_TMPFS },
		/* Fine on both, in odd shapes. */
		{ "", AS_TMPFS },
		{ NULL, AS_TMPFS },
		{ ",", AS_TMPFS },
		{ ",,,size=1M,,,", AS_TMPFS },
		{ "size=0", AS_TMPFS },
		{ "nr_inodes=0", AS_TMPFS },
		{ "size=1", AS_TMPFS },
		{ "size=4097", AS_TMPFS },
		{ "size=1K", AS_TMPFS },
		/*
		 * An option that starts with '=': the VFS's generic parser
		 * (vfs_parse_monolithic_sep, which sealfs uses) skips it;
		 * tmpfs splits its data itself and refuses the empty key.
		 */
		{ "=", NOTE_ONLY },
		{ "=1M", NOTE_ONLY },
		{ "size=1M,=foo", NOTE_ONLY },
		/* The largest u64: tmpfs rounds it up to 0 pages (no limit). */
		{ "size=18446744073709551615", ACCEPT_LIMITS_DIFFER },
		{ "mode=77777", AS_TMPFS },
		{ "mode=0", AS_TMPFS },
		{ "uid=0,gid=0", AS_TMPFS },
		{ "uid=65534", AS_TMPFS },
		{ "ro", AS_TMPFS },
		{ "source=foo", AS_TMPFS },
		{ "size=1M,ro,mode=0700", AS_TMPFS },
	};
	static char longstr[5000];
	long differ = 0;

	learn_tmpfs_defaults(self);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		differ += mount_vs_tmpfs(_metadata, self, cases[i].data, cases[i].expect);

	/* Longer than the page mount(2) copies: cut at PAGE_SIZE - 1 by both. */
	for (size_t i = 0; i + 8 < sizeof(longstr); i += 8)
		memcpy(longstr + i, "size=1M,", 8);
	longstr[sizeof(longstr) - 1] = '\0';
	differ += mount_vs_tmpfs(_metadata, self, longstr, AS_TMPFS);
	memset(longstr, 'a', sizeof(longstr) - 1);
	differ += mount_vs_tmpfs(_metadata, self, longstr, EINVAL_ALWAYS);
	memcpy(longstr, "size=", 5);
	memset(longstr + 5, '9', 300);
	longstr[305] = '\0';
	differ += mount_vs_tmpfs(_metadata, self, longstr, EINVAL_TMPFS_ACCEPTS);
	TH_LOG("%zu mount data strings, %ld where sealfs differs from tmpfs (by design: sealfs takes decimal k/m/g sizes only and refuses what overflows)",
	       ARRAY_SIZE(cases) + 3, differ);
}

#define RANDOM_MOUNTS	300

/*
 * Random data strings from pieces of the grammar: sealfs accepts them or
 * gives EINVAL; differences from tmpfs are counted (the known ones: sizes
 * tmpfs parses with memparse, which sealfs does not).
 */
TEST_F(ns, mount_data_random_strings_are_accepted_or_einval)
{
	static const char * const keys[] = {
		"size", "nr_inodes", "mode", "uid", "gid", "", "size=", "x", "ro",
	};
	static const char * const values[] = {
		"0", "1", "4096", "1k", "1M", "2g", "07", "0777", "99999999999999999999",
		"-1", "", "abc", "1%", "0x10", "1t", "=", "1,2", "18446744073709551615",
		"65534", "4294967295",
	};
	long differ = 0, accepted = 0;
	char data[256], first[4][256];
	int nfirst = 0;

	learn_tmpfs_defaults(self);
	for (int i = 0; i < RANDOM_MOUNTS; i++) {
		int n = 1 + rnd64() % 4;
		size_t len = 0;

		data[0] = '\0';
		for (int k = 0; k < n; k++) {
			uint64_t r = rnd64();

			len += snprintf(data + len, sizeof(data) - len, "%s%s%s%s",
					k ? "," : "", keys[r % ARRAY_SIZE(keys)],
					(r >> 8) % 5 ? "=" : "",
					values[(r >> 16) % ARRAY_SIZE(values)]);
			if (len >= sizeof(data))
				break;
		}
		{
			struct mount_result s, t;

			try_mount(self, "sealfs", data, &s);
			try_mount(self, "tmpfs", data, &t);
			normalise(&t);
			count(1);
			EXPECT_TRUE(s.ret == 0 || s.err == EINVAL)
				TH_LOG("sealfs \"%s\": %s", data, strerror(s.err));
			accepted += s.ret == 0;
			if (results_differ(&s, &t)) {
				if (nfirst < 4)
					snprintf(first[nfirst++], sizeof(first[0]),
						 "\"%.100s\": sealfs %s blocks %lu files %lu, tmpfs %s blocks %lu files %lu",
						 data, res_str(s.ret, s.err),
						 (unsigned long)s.sfs.f_blocks,
						 (unsigned long)s.sfs.f_files,
						 res_str(t.ret, t.err),
						 (unsigned long)t.sfs.f_blocks,
						 (unsigned long)t.sfs.f_files);
				differ++;
			}
		}
	}
	TH_LOG("%d random data strings: sealfs accepted %ld; %ld differ from tmpfs%s",
	       RANDOM_MOUNTS, accepted, differ, nfirst ? ", e.g.:" : "");
	for (int i = 0; i < nfirst; i++)
		TH_LOG("  %s", first[i]);
}

TEST_HARNESS_MAIN
