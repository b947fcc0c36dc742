// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: page references held beyond the page cache (spec 3
 * step 5, spec 5).  F_SEAL_WRITE must wait for them and give up with EBUSY,
 * changing nothing, while they stay: io_uring fixed buffers (FOLL_LONGTERM
 * write pins), pages spliced or vmspliced into a pipe, also of huge folios
 * (memfd with shmem_enabled=always).  And io_uring writes meet the seals as
 * write(2) does.
 *
 * Every test runs the same steps on a memfd first, then on a sealfs file,
 * and asserts the same exact values for both.  io_uring is driven by raw
 * syscalls (no liburing).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <linux/io_uring.h>

#include "common.h"
#include "uring.h"
#include "kselftest_harness.h"

#define PAGE		4096
#define NPAGES		4
#define FILE_SIZE	(NPAGES * PAGE)

/* Appended to an assertion: which kind of file it failed on. */
#define ON(k) TH_LOG("on %s", kind_name(k))

/* The seals F_SEAL_EXEC adds on a file with x bits (spec 3 step 4). */
#define EXEC_IMPLIED	(SEALFS_SEAL_EXEC | SEALFS_SEAL_SHRINK | SEALFS_SEAL_GROW | \
			 SEALFS_SEAL_WRITE | SEALFS_SEAL_FUTURE_WRITE)

/* IORING_OP_READ_FIXED from fd into fixed buffer 0, at buf. */
static int ring_read_fixed(struct ring *r, int fd, void *buf, unsigned int len,
			   off_t off, int *res)
{
	struct io_uring_sqe sqe;

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_READ_FIXED;
	sqe.fd = fd;
	sqe.addr = (uintptr_t)buf;
	sqe.len = len;
	sqe.off = off;
	sqe.buf_index = 0;
	return ring_run(r, &sqe, res);
}

static int register_buffer(struct ring *r, void *addr, size_t len)
{
	struct iovec iov = { .iov_base = addr, .iov_len = len };

	return syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_BUFFERS,
		       &iov, 1);
}

static int unregister_buffers(struct ring *r)
{
	return syscall(__NR_io_uring_register, r->fd, IORING_UNREGISTER_BUFFERS,
		       NULL, 0);
}

/* A sealable file of FILE_SIZE bytes, all 'a'. */
static int make_file(struct __test_metadata *_metadata, enum kind k,
		     unsigned int flags)
{
	char buf[FILE_SIZE];
	int fd;

	fd = kind_create(k, "pins", SEALFS_ALLOW_SEALING | flags);
	ASSERT_LE(0, fd) TH_LOG("create a %s: %s", kind_name(k), strerror(errno));
	memset(buf, 'a', sizeof(buf));
	ASSERT_EQ(FILE_SIZE, pwrite(fd, buf, sizeof(buf), 0)) ON(k);
	ASSERT_EQ(0, kind_get_seals(k, fd)) ON(k);
	return fd;
}

/* Every byte of the file's [off, off + len) is c. */
static int file_bytes_are(int fd, off_t off, size_t len, char c)
{
	char buf[FILE_SIZE];
	size_t i;

	if (len > sizeof(buf) || pread(fd, buf, len, off) != (ssize_t)len)
		return 0;
	for (i = 0; i < len; i++)
		if (buf[i] != c)
			return 0;
	return 1;
}

/* Maps fd shared and writable and registers the mapping as fixed buffer 0;
 * returns the mapping (still mapped).
 */
static void *pin_with_fixed_buffer(struct __test_metadata *_metadata,
				   enum kind k, int fd, struct ring *r)
{
	void *p;

	ASSERT_EQ(0, ring_init(r)) TH_LOG("io_uring_setup: %s", strerror(errno));
	p = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p) ON(k);
	ASSERT_EQ(0, register_buffer(r, p, FILE_SIZE))
		TH_LOG("%s: IORING_REGISTER_BUFFERS of a shared mapping: %s",
		       kind_name(k), strerror(errno));
	return p;
}

TEST(fixed_buffer_on_a_shared_mapping_pins_the_file_pages)
{
	char src[PAGE];

	memset(src, 'z', sizeof(src));
	for_each_kind(k) {
		int fd = make_file(_metadata, k, 0);
		int srcfd = kind_create(MEMFD, "src", 0);
		struct ring r;
		int res;
		char *p;

		ASSERT_LE(0, srcfd);
		ASSERT_EQ(PAGE, pwrite(srcfd, src, PAGE, 0));
		p = pin_with_fixed_buffer(_metadata, k, fd, &r);
		/* The pin outlives the mapping. */
		ASSERT_EQ(0, munmap(p, FILE_SIZE)) ON(k);
		/* A read into the fixed buffer lands in page 1 of the file. */
		ASSERT_EQ(0, ring_read_fixed(&r, srcfd, p + PAGE, PAGE, 0, &res)) ON(k);
		ASSERT_EQ(PAGE, res) ON(k);
		EXPECT_TRUE(file_bytes_are(fd, 0, PAGE, 'a')) ON(k);
		EXPECT_TRUE(file_bytes_are(fd, PAGE, PAGE, 'z')) ON(k);
		EXPECT_TRUE(file_bytes_are(fd, 2 * PAGE, 2 * PAGE, 'a')) ON(k);
		EXPECT_EQ(0, unregister_buffers(&r)) ON(k);
		ring_exit(&r);
		close(srcfd);
		close(fd);
	}
}

TEST(write_seal_is_ebusy_while_a_fixed_buffer_pins_pages)
{
	for_each_kind(k) {
		int fd = make_file(_metadata, k, 0);
		struct ring r;
		void *p;

		p = pin_with_fixed_buffer(_metadata, k, fd, &r);
		ASSERT_EQ(0, munmap(p, FILE_SIZE)) ON(k);

		/* No mapping is left, only the pins: EBUSY after the wait. */
		ASSERT_EQ(-1, kind_add_seals(k, fd, SEALFS_SEAL_WRITE)) ON(k);
		ASSERT_EQ(EBUSY, errno) ON(k);
		ASSERT_EQ(0, kind_get_seals(k, fd)) ON(k);

		/* Nothing changed: writes and writable shared maps still work. */
		ASSERT_EQ(1, pwrite(fd, "b", 1, 0)) ON(k);
		p = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p) ON(k);
		ASSERT_EQ(0, munmap(p, FILE_SIZE)) ON(k);

		ASSERT_EQ(0, unregister_buffers(&r)) ON(k);
		ASSERT_EQ(0, kind_add_seals(k, fd, SEALFS_SEAL_WRITE))
			TH_LOG("%s: F_SEAL_WRITE after unregistering: %s",
			       kind_name(k), strerror(errno));
		ASSERT_EQ(SEALFS_SEAL_WRITE, kind_get_seals(k, fd)) ON(k);
		ASSERT_EQ(-1, pwrite(fd, "c", 1, 0)) ON(k);
		ASSERT_EQ(EPERM, errno) ON(k);
		ring_exit(&r);
		close(fd);
	}
}

TEST(exec_seal_is_ebusy_while_a_fixed_buffer_pins_pages_and_adds_nothing)
{
	for_each_kind(k) {
		int fd = make_file(_metadata, k, SEALFS_EXEC);
		struct ring r;
		struct stat st;
		void *p;

		ASSERT_EQ(0, fstat(fd, &st)) ON(k);
		ASSERT_EQ(0111U, st.st_mode & 0111) ON(k);
		p = pin_with_fixed_buffer(_metadata, k, fd, &r);
		ASSERT_EQ(0, munmap(p, FILE_SIZE)) ON(k);

		/* The implied F_SEAL_WRITE meets the pins: nothing is added. */
		ASSERT_EQ(-1, kind_add_seals(k, fd, SEALFS_SEAL_EXEC)) ON(k);
		ASSERT_EQ(EBUSY, errno) ON(k);
		ASSERT_EQ(0, kind_get_seals(k, fd)) ON(k);
		ASSERT_EQ(1, pwrite(fd, "b", 1, 0)) ON(k);

		ASSERT_EQ(0, unregister_buffers(&r)) ON(k);
		ASSERT_EQ(0, kind_add_seals(k, fd, SEALFS_SEAL_EXEC))
			TH_LOG("%s: F_SEAL_EXEC after unregistering: %s",
			       kind_name(k), strerror(errno));
		ASSERT_EQ(EXEC_IMPLIED, kind_get_seals(k, fd)) ON(k);
		ring_exit(&r);
		close(fd);
	}
}

TEST(future_write_seal_does_not_wait_for_pins_and_old_pins_still_write)
{
	char src[PAGE];

	memset(src, 'z', sizeof(src));
	for_each_kind(k) {
		int fd = make_file(_metadata, k, 0);
		int srcfd = kind_create(MEMFD, "src", 0);
		struct ring r;
		int res;
		char *p;

		ASSERT_LE(0, srcfd);
		ASSERT_EQ(PAGE, pwrite(srcfd, src, PAGE, 0));
		p = pin_with_fixed_buffer(_metadata, k, fd, &r);
		ASSERT_EQ(0, munmap(p, FILE_SIZE)) ON(k);

		ASSERT_EQ(0, kind_add_seals(k, fd, SEALFS_SEAL_FUTURE_WRITE)) ON(k);
		ASSERT_EQ(SEALFS_SEAL_FUTURE_WRITE, kind_get_seals(k, fd)) ON(k);
		/* write(2) is refused... */
		ASSERT_EQ(-1, pwrite(fd, "b", 1, 0)) ON(k);
		ASSERT_EQ(EPERM, errno) ON(k);
		/* ...but a pin taken before the seal still writes, as memfd. */
		ASSERT_EQ(0, ring_read_fixed(&r, srcfd, p, PAGE, 0, &res)) ON(k);
		ASSERT_EQ(PAGE, res) ON(k);
		EXPECT_TRUE(file_bytes_are(fd, 0, PAGE, 'z')) ON(k);
		EXPECT_TRUE(file_bytes_are(fd, PAGE, 3 * PAGE, 'a')) ON(k);

		ASSERT_EQ(0, unregister_buffers(&r)) ON(k);
		ring_exit(&r);
		close(srcfd);
		close(fd);
	}
}

TEST(write_seal_is_ebusy_while_a_pipe_holds_spliced_pages)
{
	char buf[PAGE];

	for_each_kind(k) {
		int fd = make_file(_metadata, k, 0);
		loff_t off = PAGE;
		int pipefd[2];

		ASSERT_EQ(0, pipe(pipefd));
		/* The pipe takes a reference on page 1 of the page cache. */
		ASSERT_EQ(PAGE, splice(fd, &off, pipefd[1], NULL, PAGE, 0)) ON(k);

		ASSERT_EQ(-1, kind_add_seals(k, fd, SEALFS_SEAL_WRITE)) ON(k);
		ASSERT_EQ(EBUSY, errno) ON(k);
		ASSERT_EQ(0, kind_get_seals(k, fd)) ON(k);

		/* Drained, the page has no extra reference left. */
		ASSERT_EQ(PAGE, read(pipefd[0], buf, PAGE)) ON(k);
		ASSERT_EQ('a', buf[0]) ON(k);
		ASSERT_EQ('a', buf[PAGE - 1]) ON(k);
		ASSERT_EQ(0, kind_add_seals(k, fd, SEALFS_SEAL_WRITE))
			TH_LOG("%s: F_SEAL_WRITE after draining: %s",
			       kind_name(k), strerror(errno));
		ASSERT_EQ(SEALFS_SEAL_WRITE, kind_get_seals(k, fd)) ON(k);
		close(pipefd[0]);
		close(pipefd[1]);
		close(fd);
	}
}

TEST(write_seal_is_ebusy_while_a_pipe_holds_vmspliced_pages)
{
	char buf[PAGE];

	for_each_kind(k) {
		int fd = make_file(_metadata, k, 0);
		struct iovec iov;
		int pipefd[2];
		char *p;

		ASSERT_EQ(0, pipe(pipefd));
		p = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p) ON(k);
		p[2 * PAGE] = 'v';
		iov.iov_base = p + 2 * PAGE;
		iov.iov_len = PAGE;
		/* The pipe takes a reference on page 2 through the mapping. */
		ASSERT_EQ(PAGE, vmsplice(pipefd[1], &iov, 1, 0)) ON(k);
		ASSERT_EQ(0, munmap(p, FILE_SIZE)) ON(k);

		ASSERT_EQ(-1, kind_add_seals(k, fd, SEALFS_SEAL_WRITE)) ON(k);
		ASSERT_EQ(EBUSY, errno) ON(k);
		ASSERT_EQ(0, kind_get_seals(k, fd)) ON(k);

		ASSERT_EQ(PAGE, read(pipefd[0], buf, PAGE)) ON(k);
		ASSERT_EQ('v', buf[0]) ON(k);
		ASSERT_EQ('a', buf[1]) ON(k);
		ASSERT_EQ(0, kind_add_seals(k, fd, SEALFS_SEAL_WRITE))
			TH_LOG("%s: F_SEAL_WRITE after draining: %s",
			       kind_name(k), strerror(errno));
		ASSERT_EQ(SEALFS_SEAL_WRITE, kind_get_seals(k, fd)) ON(k);
		close(pipefd[0]);
		close(pipefd[1]);
		close(fd);
	}
}

/* ---- pins on huge folios ---- */

#define HUGE_FILE	(4 * 1024 * 1024)
/* /proc/kpageflags: the page is part of a transparent huge page. */
#define KPF_THP		22

/*
 * Whether the (present) page mapped at @addr is part of a THP; -1 if that
 * cannot be read (without CAP_SYS_ADMIN, pagemap hides the frame number).
 */
static int is_thp(const void *addr)
{
	uint64_t entry, flags;
	int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kpageflags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	int ret = -1;

	if (pagemap >= 0 && kpageflags >= 0 &&
	    pread(pagemap, &entry, sizeof(entry), (uintptr_t)addr / PAGE * sizeof(entry)) ==
		    sizeof(entry) &&
	    (entry >> 63) && (entry & ((1ULL << 55) - 1)) &&
	    pread(kpageflags, &flags, sizeof(flags),
		  (entry & ((1ULL << 55) - 1)) * sizeof(flags)) == sizeof(flags))
		ret = (flags >> KPF_THP) & 1;
	if (pagemap >= 0)
		close(pagemap);
	if (kpageflags >= 0)
		close(kpageflags);
	return ret;
}

/* memfd in huge pages too, for the time of the test. */
FIXTURE(memfd_huge)
{
	char old[32];
};

FIXTURE_SETUP(memfd_huge)
{
	ASSERT_EQ(0, set_memfd_huge("always", self->old, sizeof(self->old)));
	if (!self->old[0])
		SKIP(return, "no transparent huge pages for shmem in this kernel");
}

FIXTURE_TEARDOWN(memfd_huge)
{
	char ignored[32];

	if (self->old[0])
		ASSERT_EQ(0, set_memfd_huge(self->old, ignored, sizeof(ignored)));
}

/*
 * The pin walk on huge folios (sealfs's default huge=within_size, memfd
 * with shmem_enabled=always): a huge folio's references are the page
 * cache's 512 and one per mapping of it, a PMD or a PTE, so private maps
 * of it are no pin, and a page of it in a pipe is one.  One map is mapped
 * by PMDs, the other (not aligned to the folios) by PTEs, so that the
 * mapcount of a PTE-mapped folio (its _large_mapcount) differs from its
 * count of whole mappings (_entire_mapcount).
 */
TEST_F(memfd_huge, write_seal_judges_huge_folios_as_memfd_does)
{
	static char buf[1024 * 1024];

	memset(buf, 'h', sizeof(buf));
	for_each_kind(k) {
		int fd = kind_create(k, "huge-pins", SEALFS_ALLOW_SEALING), pipefd[2];
		struct iovec iov;
		volatile char sink;
		char *p, *ptes;
		int thp;

		ASSERT_LE(0, fd) ON(k);
		/* Sized first: huge=within_size gives huge pages within the size. */
		ASSERT_EQ(0, ftruncate(fd, HUGE_FILE)) ON(k);
		for (off_t off = 0; off < HUGE_FILE; off += sizeof(buf))
			ASSERT_EQ((ssize_t)sizeof(buf), pwrite(fd, buf, sizeof(buf), off)) ON(k);
		/* Private maps count for neither: only references and mapcounts differ. */
		p = mmap(NULL, HUGE_FILE, PROT_READ, MAP_PRIVATE, fd, 0);
		ASSERT_NE(MAP_FAILED, p) ON(k);
		ptes = mmap(NULL, HUGE_FILE - 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
		ASSERT_NE(MAP_FAILED, ptes) ON(k);
		for (off_t off = 0; off < HUGE_FILE; off += PAGE)
			sink = p[off];
		for (off_t off = 0; off < HUGE_FILE - 2 * PAGE; off += PAGE)
			sink = ptes[off];
		(void)sink;
		thp = is_thp(p);
		if (thp < 0)
			SKIP(return, "page flags are not readable here (CAP_SYS_ADMIN)");
		ASSERT_EQ(1, thp) ON(k);
		ASSERT_EQ(1, is_thp(p + HUGE_FILE - PAGE)) ON(k);
		ASSERT_EQ(1, is_thp(ptes)) ON(k);

		/* A page of the second huge folio in a pipe. */
		ASSERT_EQ(0, pipe(pipefd));
		iov.iov_base = p + HUGE_FILE - PAGE;
		iov.iov_len = PAGE;
		ASSERT_EQ(PAGE, vmsplice(pipefd[1], &iov, 1, 0)) ON(k);
		ASSERT_EQ(-1, kind_add_seals(k, fd, SEALFS_SEAL_WRITE)) ON(k);
		ASSERT_EQ(EBUSY, errno) ON(k);
		ASSERT_EQ(0, kind_get_seals(k, fd)) ON(k);

		/* Drained: the mapped huge folios hold no pin. */
		close(pipefd[0]);
		close(pipefd[1]);
		ASSERT_EQ(0, kind_add_seals(k, fd, SEALFS_SEAL_WRITE))
			TH_LOG("%s: F_SEAL_WRITE over mapped huge folios: %s", kind_name(k),
			       strerror(errno));
		ASSERT_EQ(SEALFS_SEAL_WRITE, kind_get_seals(k, fd)) ON(k);
		ASSERT_EQ('h', p[HUGE_FILE - 1]) ON(k);
		ASSERT_EQ(0, munmap(ptes, HUGE_FILE - 2 * PAGE)) ON(k);
		ASSERT_EQ(0, munmap(p, HUGE_FILE)) ON(k);
		close(fd);
	}
}

TEST(io_uring_write_into_an_unsealed_file_writes_the_bytes)
{
	char data[] = "written by io_uring";

	for_each_kind(k) {
		int fd = make_file(_metadata, k, 0);
		char buf[sizeof(data)];
		struct ring r;
		int res;

		ASSERT_EQ(0, ring_init(&r)) TH_LOG("io_uring_setup: %s", strerror(errno));
		ASSERT_EQ(0, ring_rw(&r, IORING_OP_WRITE, fd, data, sizeof(data),
				     PAGE + 10, &res)) ON(k);
		ASSERT_EQ((int)sizeof(data), res) ON(k);
		ASSERT_EQ((ssize_t)sizeof(buf), pread(fd, buf, sizeof(buf), PAGE + 10)) ON(k);
		EXPECT_EQ(0, memcmp(buf, data, sizeof(data))) ON(k);
		EXPECT_TRUE(file_bytes_are(fd, PAGE, 10, 'a')) ON(k);
		/* Past EOF, the file grows. */
		ASSERT_EQ(0, ring_rw(&r, IORING_OP_WRITE, fd, data, 4,
				     FILE_SIZE, &res)) ON(k);
		ASSERT_EQ(4, res) ON(k);
		EXPECT_EQ(FILE_SIZE + 4, lseek(fd, 0, SEEK_END)) ON(k);
		ring_exit(&r);
		close(fd);
	}
}

/* io_uring writes, inside and past EOF, into a file sealed with seal. */
static void check_io_uring_write_refused(struct __test_metadata *_metadata,
					 unsigned int seal)
{
	char data[PAGE];

	memset(data, 'w', sizeof(data));
	for_each_kind(k) {
		int fd = make_file(_metadata, k, 0);
		struct ring r;
		int res;

		ASSERT_EQ(0, ring_init(&r)) TH_LOG("io_uring_setup: %s", strerror(errno));
		ASSERT_EQ(0, kind_add_seals(k, fd, seal)) ON(k);
		ASSERT_EQ((int)seal, kind_get_seals(k, fd)) ON(k);

		ASSERT_EQ(0, ring_rw(&r, IORING_OP_WRITE, fd, data, PAGE, 0, &res)) ON(k);
		EXPECT_EQ(-EPERM, res) ON(k);
		ASSERT_EQ(0, ring_rw(&r, IORING_OP_WRITE, fd, data, 100,
				     FILE_SIZE - 50, &res)) ON(k);
		EXPECT_EQ(-EPERM, res) ON(k);
		ASSERT_EQ(0, ring_rw(&r, IORING_OP_WRITE, fd, data, PAGE,
				     FILE_SIZE, &res)) ON(k);
		EXPECT_EQ(-EPERM, res) ON(k);

		EXPECT_TRUE(file_bytes_are(fd, 0, FILE_SIZE, 'a')) ON(k);
		EXPECT_EQ(FILE_SIZE, lseek(fd, 0, SEEK_END)) ON(k);
		ring_exit(&r);
		close(fd);
	}
}

TEST(io_uring_write_into_a_write_sealed_file_completes_with_eperm)
{
	check_io_uring_write_refused(_metadata, SEALFS_SEAL_WRITE);
}

TEST(io_uring_write_into_a_future_write_sealed_file_completes_with_eperm)
{
	check_io_uring_write_refused(_metadata, SEALFS_SEAL_FUTURE_WRITE);
}

TEST(io_uring_read_of_a_write_sealed_file_returns_the_bytes)
{
	for_each_kind(k) {
		int fd = make_file(_metadata, k, 0);
		char buf[2 * PAGE];
		struct ring r;
		int res;

		ASSERT_EQ(0, ring_init(&r)) TH_LOG("io_uring_setup: %s", strerror(errno));
		ASSERT_EQ(0, kind_add_seals(k, fd, SEALFS_SEAL_WRITE)) ON(k);
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(0, ring_rw(&r, IORING_OP_READ, fd, buf, sizeof(buf),
				     FILE_SIZE - PAGE, &res)) ON(k);
		ASSERT_EQ(PAGE, res) ON(k);
		EXPECT_EQ('a', buf[0]) ON(k);
		EXPECT_EQ('a', buf[PAGE - 1]) ON(k);
		EXPECT_EQ(0, buf[PAGE]) ON(k);
		ring_exit(&r);
		close(fd);
	}
}

TEST_HARNESS_MAIN
