// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: no lost races (spec 3, "Concurrency").  Threads write
 * (pwrite), map (shared, writable), mprotect (shared read-only to
 * read-write) and punch holes in a file in a loop while the main thread
 * adds F_SEAL_WRITE (or a seal that implies it) until that returns 0.
 * From then on no byte of the file may change: the threads keep trying a
 * fixed number of times and must see only the errnos memfd gives, and the
 * bytes read after they stop must be the bytes read when the seal returned.
 *
 * Nothing here is measured by time: the threads run a fixed number of
 * iterations after they see the seal, and the main thread's attempts are
 * bounded by a count.  Each test runs on a memfd first, then on a sealfs
 * file, a few rounds each.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common.h"
#include "kselftest_harness.h"

#define PAGE		4096
#define NPAGES		8
#define FILE_SIZE	(NPAGES * PAGE)
#define ROUNDS		3
/* Iterations each thread does before the seal is tried, and after it. */
#define WARMUP		50
#define AFTER		1000
/* Attempts of the main thread before it gives up (a failure). */
#define MAX_ATTEMPTS	1000000

#define EXEC_IMPLIED	(SEALFS_SEAL_EXEC | SEALFS_SEAL_SHRINK | SEALFS_SEAL_GROW | \
			 SEALFS_SEAL_WRITE | SEALFS_SEAL_FUTURE_WRITE)

#define ON(k) TH_LOG("on %s", kind_name(k))

struct race;

/*
 * One thread's record.  "Refused" is the errno memfd gives once the seal is
 * on (EPERM, or EACCES for mprotect); "late" counts operations that changed
 * or could change bytes although the thread had already seen the seal
 * returned; "bad" counts any other result.
 */
struct worker {
	struct race *race;
	const char *what;
	void *(*fn)(void *);
	pthread_t thread;
	atomic_long iterations;
	long after;
	long done;
	long refused;
	long late;
	long bad;
	int bad_errno;
};

struct race {
	int fd;
	atomic_int sealed;
};

/* Counts one iteration; true when the thread has done AFTER past the seal. */
static int next_iteration(struct worker *w, int sealed)
{
	atomic_fetch_add(&w->iterations, 1);
	if (sealed)
		w->after++;
	return w->after >= AFTER;
}

static void record_bad(struct worker *w, int err)
{
	w->bad++;
	w->bad_errno = err;
}

static void *writer(void *arg)
{
	struct worker *w = arg;
	char buf[PAGE];

	for (long i = 0;; i++) {
		int sealed = atomic_load(&w->race->sealed);
		ssize_t ret;

		memset(buf, 'A' + i % 26, sizeof(buf));
		ret = pwrite(w->race->fd, buf, sizeof(buf), (i % NPAGES) * PAGE);
		if (ret == (ssize_t)sizeof(buf)) {
			w->done++;
			if (sealed)
				w->late++;
		} else if (ret < 0 && errno == EPERM) {
			w->refused++;
		} else {
			record_bad(w, ret < 0 ? errno : 0);
		}
		if (next_iteration(w, sealed))
			return NULL;
	}
}

static void *mapper(void *arg)
{
	struct worker *w = arg;

	for (long i = 0;; i++) {
		int sealed = atomic_load(&w->race->sealed);
		char *p;

		p = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 w->race->fd, 0);
		if (p != MAP_FAILED) {
			w->done++;
			if (sealed)
				w->late++;
			memset(p + (i % NPAGES) * PAGE, 'a' + i % 26, PAGE);
			munmap(p, FILE_SIZE);
		} else if (errno == EPERM) {
			w->refused++;
		} else {
			record_bad(w, errno);
		}
		if (next_iteration(w, sealed))
			return NULL;
	}
}

static void *mprotector(void *arg)
{
	struct worker *w = arg;

	for (long i = 0;; i++) {
		int sealed = atomic_load(&w->race->sealed);
		char *p;

		/*
		 * A read-only shared map from an O_RDWR fd may write later
		 * (VM_MAYWRITE), so while a seal is being added memfd refuses
		 * it with EPERM (mapping_map_writable() in mmap_region()); once
		 * the seal is on, it works (VM_MAYWRITE cleared).
		 */
		p = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, w->race->fd, 0);
		if (p == MAP_FAILED) {
			if (errno == EPERM && !sealed)
				w->refused++;
			else
				record_bad(w, errno);
		} else {
			if (mprotect(p, FILE_SIZE, PROT_READ | PROT_WRITE) == 0) {
				w->done++;
				if (sealed)
					w->late++;
				p[(i % NPAGES) * PAGE + i % PAGE] = '0' + i % 10;
			} else if (errno == EACCES) {
				w->refused++;
			} else {
				record_bad(w, errno);
			}
			munmap(p, FILE_SIZE);
		}
		if (next_iteration(w, sealed))
			return NULL;
	}
}

static void *puncher(void *arg)
{
	struct worker *w = arg;

	for (long i = 0;; i++) {
		int sealed = atomic_load(&w->race->sealed);

		if (fallocate(w->race->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (i % NPAGES) * PAGE, PAGE) == 0) {
			w->done++;
			if (sealed)
				w->late++;
		} else if (errno == EPERM) {
			w->refused++;
		} else {
			record_bad(w, errno);
		}
		if (next_iteration(w, sealed))
			return NULL;
	}
}

/*
 * One round on a fresh file of kind k: the threads run, the main thread
 * adds seal until it returns 0 and then expects the seal mask want.  With
 * check_bytes, the bytes must not change after the seal returned.
 */
static void race_round(struct __test_metadata *_metadata, enum kind k,
		       unsigned int create_flags, unsigned int seal,
		       unsigned int want, int check_bytes)
{
	struct worker workers[] = {
		{ .what = "pwrite", .fn = writer },
		{ .what = "mmap(PROT_WRITE, MAP_SHARED)", .fn = mapper },
		{ .what = "mprotect(PROT_WRITE)", .fn = mprotector },
		{ .what = "fallocate(PUNCH_HOLE)", .fn = puncher },
	};
	static char before[FILE_SIZE], after[FILE_SIZE];
	struct race race = { .fd = -1 };
	long attempts = 0, ebusy = 0;
	size_t i;
	int ret;

	race.fd = kind_create(k, "race", SEALFS_ALLOW_SEALING | create_flags);
	ASSERT_LE(0, race.fd) TH_LOG("create a %s: %s", kind_name(k), strerror(errno));
	memset(before, 'x', sizeof(before));
	ASSERT_EQ(FILE_SIZE, pwrite(race.fd, before, sizeof(before), 0)) ON(k);

	for (i = 0; i < ARRAY_SIZE(workers); i++) {
		workers[i].race = &race;
		ASSERT_EQ(0, pthread_create(&workers[i].thread, NULL,
					    workers[i].fn, &workers[i]));
	}
	/* Let every thread get going before the seal is tried. */
	for (i = 0; i < ARRAY_SIZE(workers); i++)
		while (atomic_load(&workers[i].iterations) < WARMUP)
			sched_yield();

	for (;;) {
		ret = kind_add_seals(k, race.fd, seal);
		attempts++;
		if (ret == 0)
			break;
		if (errno != EBUSY || attempts == MAX_ATTEMPTS)
			break;
		ebusy++;
	}
	if (ret == 0) {
		atomic_store(&race.sealed, 1);
		ASSERT_EQ(FILE_SIZE, pread(race.fd, before, sizeof(before), 0)) ON(k);
	} else {
		/* Let the threads end before the assertion below fails. */
		atomic_store(&race.sealed, 1);
	}
	for (i = 0; i < ARRAY_SIZE(workers); i++)
		ASSERT_EQ(0, pthread_join(workers[i].thread, NULL));

	ASSERT_EQ(0, ret)
		TH_LOG("%s: the seal failed with %s after %ld attempts (%ld EBUSY)",
		       kind_name(k), strerror(errno), attempts, ebusy);
	ASSERT_EQ((int)want, kind_get_seals(k, race.fd)) ON(k);

	for (i = 0; i < ARRAY_SIZE(workers); i++) {
		struct worker *w = &workers[i];

		EXPECT_EQ(0, w->bad)
			TH_LOG("%s: %s gave an unexpected result (%ld times, last errno %d)",
			       kind_name(k), w->what, w->bad, w->bad_errno);
		EXPECT_EQ(0, w->late)
			TH_LOG("%s: %s succeeded %ld times after the seal returned",
			       kind_name(k), w->what, w->late);
		/* Before the first attempt nothing refuses: the race was real. */
		EXPECT_LE(WARMUP, w->done) TH_LOG("%s: %s", kind_name(k), w->what);
		EXPECT_EQ(AFTER, w->after) ON(k);
		/* Every attempt after the seal was refused. */
		EXPECT_LE(AFTER, w->refused) TH_LOG("%s: %s", kind_name(k), w->what);
	}
	if (check_bytes) {
		ASSERT_EQ(FILE_SIZE, pread(race.fd, after, sizeof(after), 0)) ON(k);
		EXPECT_EQ(0, memcmp(before, after, FILE_SIZE))
			TH_LOG("%s: bytes changed after the seal returned", kind_name(k));
	}
	EXPECT_EQ(FILE_SIZE, lseek(race.fd, 0, SEEK_END)) ON(k);
	close(race.fd);
}

FIXTURE(race) {};
FIXTURE_SETUP(race) {}
FIXTURE_TEARDOWN(race) {}

TEST_F_TIMEOUT(race, no_byte_changes_after_write_seal_returns_under_concurrent_writers, 300)
{
	for_each_kind(k)
		for (int round = 0; round < ROUNDS; round++)
			race_round(_metadata, k, 0, SEALFS_SEAL_WRITE,
				   SEALFS_SEAL_WRITE, 1);
}

TEST_F_TIMEOUT(race, no_byte_changes_after_exec_seal_returns_under_concurrent_writers, 300)
{
	for_each_kind(k)
		for (int round = 0; round < ROUNDS; round++)
			race_round(_metadata, k, SEALFS_EXEC, SEALFS_SEAL_EXEC,
				   EXEC_IMPLIED, 1);
}

TEST_F_TIMEOUT(race, no_write_starts_after_future_write_seal_returns, 300)
{
	for_each_kind(k)
		for (int round = 0; round < ROUNDS; round++)
			race_round(_metadata, k, 0, SEALFS_SEAL_FUTURE_WRITE,
				   SEALFS_SEAL_FUTURE_WRITE, 0);
}

TEST_HARNESS_MAIN
