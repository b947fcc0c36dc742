// SPDX-License-Identifier: GPL-2.0
/*
 * cursor_window - a writer keeps its mapping, readers get read-only views
 *
 * Android's CursorWindow (and ashmem before it) shares a buffer between a
 * producer, which keeps filling it, and consumers in other processes,
 * which must only ever read it.  F_SEAL_WRITE cannot express this: it
 * needs every writable mapping gone.  F_SEAL_FUTURE_WRITE (Linux 5.1,
 * added for Android's move from ashmem to memfd) can: it leaves the
 * mappings that exist alone and refuses every *new* way to write, to
 * anyone holding the file, including through a reopen of /proc/self/fd/N.
 *
 * The producer creates a file, sizes it, maps it MAP_SHARED read-write,
 * adds SEAL_FUTURE_WRITE | SEAL_SHRINK | SEAL_GROW | SEAL_SEAL and hands
 * the fd to two consumers (forked children, over unix sockets with
 * SCM_RIGHTS).  Each consumer checks the seals before it trusts the
 * window, shows that it cannot get write access (mmap PROT_WRITE
 * MAP_SHARED, write(2), an O_RDWR reopen of /proc/self/fd/N: EPERM;
 * mprotect(PROT_WRITE) of its read-only mapping: EACCES), maps the window
 * PROT_READ MAP_SHARED and follows the rows the producer keeps writing
 * through its own, pre-seal writable mapping.  A row count in the window,
 * stored with release and loaded with acquire semantics (__atomic
 * builtins), tells the consumers how many rows are complete.
 *
 * The exit status is 0 only if every check held in every process.
 *
 * Build with -DUSE_MEMFD for the same program on a memfd.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sealfs_sample.h"

#define NR_CONSUMERS	2
#define NR_ROWS		10
#define ROW_INTERVAL_MS	30
#define WAIT_SECONDS	60
#define WINDOW_SIZE	(16 * 1024)
#define WINDOW_MAGIC	0x57494e44	/* "WIND" */

#define REQUIRED_SEALS	(SEALFS_SEAL_FUTURE_WRITE | SEALFS_SEAL_SHRINK | \
			 SEALFS_SEAL_GROW | SEALFS_SEAL_SEAL)

struct row {
	uint64_t id;
	uint64_t value;
	char text[48];
};

/* The layout of the shared window. */
struct window {
	uint32_t magic;
	uint32_t nr_rows;	/* rows the producer is going to write */
	uint64_t published;	/* rows [0, published) are complete */
	struct row rows[];
};

_Static_assert(sizeof(struct window) + NR_ROWS * sizeof(struct row) <=
	       WINDOW_SIZE, "the rows must fit in the window");

/* Row @i as the producer writes it and the consumers expect it. */
static void make_row(struct row *r, unsigned int i)
{
	memset(r, 0, sizeof(*r));
	r->id = i;
	r->value = (uint64_t)i * i;
	snprintf(r->text, sizeof(r->text), "row %u: %u squared is %u",
		 i, i, i * i);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Follow the rows through the read-only mapping until all are there. */
static void follow_rows(const struct window *w, uint64_t seen)
{
	double deadline = now() + WAIT_SECONDS;
	unsigned int updates = 0;
	struct row expect;
	uint64_t p, i;

	while (seen < NR_ROWS) {
		p = __atomic_load_n(&w->published, __ATOMIC_ACQUIRE);
		if (p > NR_ROWS) {
			fail("the window claims %llu rows, at most %u exist",
			     (unsigned long long)p, NR_ROWS);
			return;
		}
		if (p == seen) {
			if (now() > deadline) {
				fail("no new row for %d s (%llu of %u seen)",
				     WAIT_SECONDS, (unsigned long long)seen,
				     NR_ROWS);
				return;
			}
			usleep(1000);
			continue;
		}
		for (i = seen; i < p; i++) {
			make_row(&expect, i);
			if (memcmp(&w->rows[i], &expect, sizeof(expect)))
				fail("row %llu does not hold what the producer wrote",
				     (unsigned long long)i);
		}
		say("sees %llu of %u rows; the last reads \"%.*s\"",
		    (unsigned long long)p, NR_ROWS,
		    (int)sizeof(w->rows[p - 1].text), w->rows[p - 1].text);
		seen = p;
		updates++;
		deadline = now() + WAIT_SECONDS;
	}
	say("saw all %u rows, in %u updates, through a mapping made before the first row was written",
	    NR_ROWS, updates);
}

/* Show that a consumer holding the fd cannot get write access. */
static void check_no_write_access(int fd, size_t size)
{
	char path[64];
	int rw;

	expect_errno(try_mmap(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED),
		     EPERM, "mmap(PROT_READ|PROT_WRITE, MAP_SHARED)");
	expect_errno(pwrite(fd, "x", 1, 0), EPERM,
		     "pwrite(fd) at offset 0, within the file");

	/* The seals belong to the inode, not to the fd (Jann Horn's point). */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rw = open(path, O_RDWR | O_CLOEXEC);
	if (rw < 0) {
		fail("open(%s, O_RDWR): %s", path, errname(errno));
		return;
	}
	say("reopened %s with O_RDWR as fd %d", path, rw);
	expect_errno(write(rw, "x", 1), EPERM, "write() on the O_RDWR reopen");
	expect_errno(pwrite(rw, "x", 1, 0), EPERM,
		     "pwrite() at offset 0 on the O_RDWR reopen");
	expect_errno(try_mmap(rw, size, PROT_READ | PROT_WRITE, MAP_SHARED),
		     EPERM, "mmap(PROT_WRITE, MAP_SHARED) of the O_RDWR reopen");
	close(rw);
}

static int consumer_main(int sock)
{
	char buf[128], missing[128];
	const struct window *w;
	struct stat st;
	uint64_t seen;
	void *map;
	int fd, seals;

	fd = recv_fd(sock);
	if (fd < 0) {
		fail("recv_fd: %s", errno ? strerror(errno) :
		     "the socket closed, no fd was sent");
		return 1;
	}
	say("received fd %d over its unix socket (SCM_RIGHTS)", fd);

	/* Trust nothing before the seals say the window is read-only to us. */
	seals = sample_get_seals(fd);
	if (seals < 0) {
		fail("GET_SEALS: %s: not a sealable file, not trusting it",
		     errname(errno));
		return 1;
	}
	if ((seals & REQUIRED_SEALS) != REQUIRED_SEALS) {
		fail("seals %s lack %s, not trusting the window",
		     seal_names(seals, buf, sizeof(buf)),
		     seal_names(REQUIRED_SEALS & ~seals, missing,
				sizeof(missing)));
		return 1;
	}
	say("seals %s: only the producer's existing mapping can write, the size is fixed",
	    seal_names(seals, buf, sizeof(buf)));

	if (fstat(fd, &st) < 0) {
		fail("fstat: %s", strerror(errno));
		return 1;
	}
	if (st.st_size != WINDOW_SIZE) {
		fail("the window is %lld bytes, expected %d",
		     (long long)st.st_size, WINDOW_SIZE);
		return 1;
	}

	check_no_write_access(fd, st.st_size);

	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fail("mmap(PROT_READ, MAP_SHARED): %s", errname(errno));
		return 1;
	}
	say("mmap(PROT_READ, MAP_SHARED) of the window works");
	expect_errno(mprotect(map, st.st_size, PROT_READ | PROT_WRITE),
		     EACCES, "mprotect(PROT_READ|PROT_WRITE) of that mapping");

	w = map;
	if (w->magic != WINDOW_MAGIC || w->nr_rows != NR_ROWS) {
		fail("the window header is 0x%x/%u, expected 0x%x/%u",
		     w->magic, w->nr_rows, WINDOW_MAGIC, NR_ROWS);
		return 1;
	}
	seen = __atomic_load_n(&w->published, __ATOMIC_ACQUIRE);
	if (seen != 0)
		fail("%llu rows before the producer was told to start",
		     (unsigned long long)seen);
	if (sample_failures)
		return 1;

	/* Tell the producer this consumer is ready for rows. */
	if (write(sock, "R", 1) != 1) {
		fail("telling the producer it is ready: %s", strerror(errno));
		return 1;
	}
	follow_rows(w, seen);

	munmap(map, st.st_size);
	close(fd);
	return sample_failures ? 1 : 0;
}

static int producer_main(const int *socks, const pid_t *pids)
{
	struct window *w;
	char buf[128];
	int fd, seals, i, status;
	struct row row;
	char ready;

	/* Create the window, size it and map it writable, before sealing. */
	fd = sample_create("cursor_window",
			   SEALFS_ALLOW_SEALING | SEALFS_CLOEXEC);
	if (fd < 0) {
#ifdef USE_MEMFD
		fail("memfd_create(\"cursor_window\"): %s", errname(errno));
#else
		fail("%s: SEALFS_IOC_CREATE: %s%s", SEALFS_DEV,
		     errname(errno), errno == ENOTTY ?
		     " (not implemented by the loaded sealfs.ko)" :
		     errno == ENOENT ? " (is sealfs.ko loaded?)" : "");
#endif
		return 1;
	}
	say("created fd %d, %s, name \"cursor_window\"", fd, SAMPLE_BACKEND);
	say_fd_link(fd);
	if (ftruncate(fd, WINDOW_SIZE) < 0) {
		fail("ftruncate(%d): %s", WINDOW_SIZE, errname(errno));
		return 1;
	}
	w = mmap(NULL, WINDOW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED) {
		fail("mmap(PROT_READ|PROT_WRITE, MAP_SHARED): %s",
		     errname(errno));
		return 1;
	}
	w->magic = WINDOW_MAGIC;
	w->nr_rows = NR_ROWS;
	__atomic_store_n(&w->published, 0, __ATOMIC_RELEASE);
	say("sized the window to %d bytes, mapped it MAP_SHARED read-write, wrote its header",
	    WINDOW_SIZE);

	/* Seal: no new write access for anyone, the mapping above stays. */
	if (sample_add_seals(fd, REQUIRED_SEALS) < 0) {
		fail("ADD_SEALS(FUTURE_WRITE|SHRINK|GROW|SEAL) with a writable mapping: %s",
		     errname(errno));
		return 1;
	}
	seals = sample_get_seals(fd);
	if (seals != REQUIRED_SEALS)
		fail("after ADD_SEALS the seals are %s, expected FUTURE_WRITE|SHRINK|GROW|SEAL",
		     seals < 0 ? errname(errno) :
		     seal_names(seals, buf, sizeof(buf)));
	else
		say("added seals while mapped writable, now: %s",
		    seal_names(seals, buf, sizeof(buf)));

	/* The seals hold for the producer's fd too. */
	expect_errno(pwrite(fd, "x", 1, 0), EPERM,
		     "pwrite(fd) at offset 0 by the producer");
	expect_errno(try_mmap(fd, WINDOW_SIZE, PROT_READ | PROT_WRITE,
			      MAP_SHARED),
		     EPERM, "a new mmap(PROT_READ|PROT_WRITE, MAP_SHARED) by the producer");
	expect_errno(ftruncate(fd, 2 * WINDOW_SIZE), EPERM,
		     "ftruncate() to grow the window");

	for (i = 0; i < NR_CONSUMERS; i++) {
		if (send_fd(socks[i], fd) < 0)
			fail("sending the fd to consumer %d: %s",
			     i + 1, strerror(errno));
	}
	say("sent the fd to %d consumers; waiting until they are ready",
	    NR_CONSUMERS);
	for (i = 0; i < NR_CONSUMERS; i++) {
		if (read(socks[i], &ready, 1) != 1 || ready != 'R')
			fail("consumer %d did not get ready", i + 1);
	}

	/* Keep writing rows through the mapping made before sealing. */
	say("writing %d rows through its pre-seal mapping, %d ms apart",
	    NR_ROWS, ROW_INTERVAL_MS);
	for (i = 0; i < NR_ROWS; i++) {
		make_row(&row, i);
		memcpy(&w->rows[i], &row, sizeof(row));
		__atomic_store_n(&w->published, i + 1, __ATOMIC_RELEASE);
		say("wrote row %d", i);
		usleep(ROW_INTERVAL_MS * 1000);
	}

	for (i = 0; i < NR_CONSUMERS; i++) {
		if (waitpid(pids[i], &status, 0) < 0)
			fail("waitpid(consumer %d): %s", i + 1,
			     strerror(errno));
		else if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail("consumer %d failed (wait status 0x%x)",
			     i + 1, status);
		else
			say("consumer %d saw every row and no way to write",
			    i + 1);
	}
	munmap(w, WINDOW_SIZE);
	close(fd);
	return sample_failures ? 1 : 0;
}

int main(void)
{
	static char roles[NR_CONSUMERS][32];
	int socks[NR_CONSUMERS], sv[2], i, j, ret, status;
	pid_t pids[NR_CONSUMERS];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("cursor_window on %s: one writer, read-only consumers, via SEAL_FUTURE_WRITE\n",
	       SAMPLE_BACKEND);

	/*
	 * Fork the consumers before the window exists: they can get it only
	 * over their sockets, as unrelated processes would.
	 */
	for (i = 0; i < NR_CONSUMERS; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
			perror("socketpair");
			return 1;
		}
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			for (j = 0; j < i; j++)
				close(socks[j]);
			close(sv[0]);
			snprintf(roles[i], sizeof(roles[i]), "consumer %d",
				 i + 1);
			sample_role = roles[i];
			_exit(consumer_main(sv[1]));
		}
		close(sv[1]);
		socks[i] = sv[0];
	}

	sample_role = "producer";
	ret = producer_main(socks, pids);
	for (i = 0; i < NR_CONSUMERS; i++)
		close(socks[i]);
	/* After an early failure the consumers see EOF; reap them. */
	while (wait(&status) > 0)
		;

	if (ret) {
		fprintf(stderr, "cursor_window (%s): FAILED\n", SAMPLE_BACKEND);
		return 1;
	}
	printf("cursor_window (%s): all checks held\n", SAMPLE_BACKEND);
	return 0;
}
