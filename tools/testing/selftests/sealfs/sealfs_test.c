// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: the device, the filesystem type, and (as they land)
 * every rule of the sealing semantics, each checked against memfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/sealfs.h>

#include "kselftest_harness.h"

TEST(dev_sealfs_opens_read_write)
{
	int fd = open("/dev/sealfs", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open /dev/sealfs: %s", strerror(errno));
	EXPECT_EQ(0, close(fd));
}

TEST(dev_sealfs_is_world_read_write)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/sealfs", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
}

TEST(unknown_ioctl_on_device_is_enotty)
{
	int fd = open("/dev/sealfs", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, _IO(SEALFS_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	/* Another driver's number too. */
	EXPECT_EQ(-1, ioctl(fd, _IOR('f', 1, long), 0));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST(mount_and_umount_sealfs)
{
	char dir[] = "/tmp/sealfs-mnt-XXXXXX";
	struct statfs sfs;
	struct stat st;

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("none", dir, "sealfs", 0, NULL))
		TH_LOG("mount -t sealfs: %s", strerror(errno));
	EXPECT_EQ(0, statfs(dir, &sfs));
	EXPECT_EQ(SEALFS_MAGIC, (unsigned long)sfs.f_type);
	EXPECT_EQ(0, stat(dir, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(01777, st.st_mode & 07777);
	EXPECT_EQ(0, umount(dir));
	EXPECT_EQ(0, rmdir(dir));
}

/*
 * Module life (spec section 6): while anything of sealfs is alive, the
 * module must stay.  delete_module(O_NONBLOCK) refuses a module in use
 * with EWOULDBLOCK; if it succeeded, the module would be gone under a live
 * file, which the later rmmod of the runner reports as a failure.
 */
static int try_unload_sealfs(void)
{
	return syscall(__NR_delete_module, "sealfs", O_NONBLOCK);
}

/* An anonymous sealfs file, with /dev/sealfs closed again. */
static int create_anonymous(struct __test_metadata *_metadata)
{
	struct sealfs_create create = {
		.name = (uintptr_t)"module-life",
		.flags = SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING,
	};
	int dev, fd;

	dev = open("/dev/sealfs", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	fd = ioctl(dev, SEALFS_IOC_CREATE, &create);
	ASSERT_LE(0, fd) TH_LOG("SEALFS_IOC_CREATE: %s", strerror(errno));
	EXPECT_EQ(0, close(dev));
	return fd;
}

TEST(module_stays_while_an_anonymous_file_is_open)
{
	int fd = create_anonymous(_metadata);

	EXPECT_EQ(-1, try_unload_sealfs());
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(0, close(fd));
}

TEST(module_stays_while_mounted)
{
	char dir[] = "/tmp/sealfs-life-XXXXXX";

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("none", dir, "sealfs", 0, NULL));
	EXPECT_EQ(-1, try_unload_sealfs());
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(0, umount(dir));
	EXPECT_EQ(0, rmdir(dir));
}

TEST_HARNESS_MAIN
