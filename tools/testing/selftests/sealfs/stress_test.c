// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: seal integrity under load (spec 3 "Concurrency", spec 4),
 * for a duration.  Broader than race_test.c: every write path at once
 * (write, pwrite, pwritev, splice from a pipe, io_uring IORING_OP_WRITE,
 * pwrite from a read-only mapping of the same file, shared writable maps,
 * mprotect(PROT_WRITE) of read-only maps, private COW maps, fallocate(0),
 * PUNCH_HOLE, ftruncate grow and shrink), a thread that forks children
 * which map the file shared (read-write and read-only) and privately, and
 * a holder: a read-only shared map of the O_RDWR fd kept across the seal,
 * made writable for a write and read-only again, over and over, by the
 * holder and by children it forks with it (sealfs seals while only
 * read-only shared maps exist, and takes VM_MAYWRITE from them in every
 * process: spec 9; memfd cannot, so its holder maps anew each time), while
 * the main thread adds F_SEAL_WRITE until it returns 0.  From then on, a
 * checker reads the whole file (pread, and a fresh read-only shared map)
 * again and again while the threads keep trying, and:
 *
 *  - no byte may change after the seal returned;
 *  - every call a thread starts after it saw the seal must fail with the
 *    errno memfd gives (EPERM; EACCES for mprotect), or succeed only where
 *    the spec allows it without changing a byte.
 *
 * Rounds alternate the kind of file (anonymous sealfs file, file on a
 * sealfs mount, memfd as the control that proves the expectations) and the
 * seal: "strict" rounds seal SHRINK|GROW|WRITE (the size is fixed too);
 * "write" rounds seal WRITE alone, where ftruncate and fallocate may still
 * change the size: the first FLOOR bytes are never truncated and must stay
 * as they were, bytes past FLOOR may only become 0 (cut off, then grown
 * back as zeros), never anything else.
 *
 * Duration: SEALFS_STRESS_SECONDS (default 3, at most 1800); rounds run
 * until it is spent, at least MIN_ROUNDS of them.  The counts are printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/io_uring.h>

#include "common.h"
#include "uring.h"
#include "kselftest_harness.h"

#define PAGE		4096
/* [0, FLOOR) always exists: every mapping covers exactly that. */
#define FLOOR_PAGES	8
#define FLOOR		(FLOOR_PAGES * PAGE)
/* No call makes the file larger than this. */
#define MAX_PAGES	24
#define MAXSZ		(MAX_PAGES * PAGE)
/* Iterations each worker does before the seal is tried, and after it. */
#define WARMUP		10
#define AFTER		50
/* Forks are slow under TCG: fewer of them. */
#define FORKER_WARMUP	2
#define FORKER_AFTER	4
/* One round of each kind and seal. */
#define MIN_ROUNDS	6
/* The checker's passes per round while the workers keep trying. */
#define MIN_CHECKS	20
#define DEFAULT_SECONDS	3
#define MAX_SECONDS	1800
/* The sealer gives up (a failure) after this long in one round. */
#define SEAL_GIVE_UP_NS	(30LL * 1000000000LL)

/* ---- what is counted ---- */

enum op {
	OP_WRITE, OP_PWRITE, OP_PWRITEV, OP_SPLICE, OP_URING, OP_SELFCOPY,
	OP_MMAP_RW, OP_MMAP_PRIVATE, OP_MMAP_RO, OP_MPROTECT_RW,
	OP_FALLOC, OP_PUNCH, OP_TRUNC_GROW, OP_TRUNC_SHRINK,
	OP_CHILD_RW, OP_CHILD_RO, OP_CHILD_PRIVATE,
	OP_HELD_MPROTECT_RW, OP_HELD_CHILD_MPROTECT_RW,
	NR_OPS
};

static const char * const op_names[NR_OPS] = {
	"write", "pwrite", "pwritev", "splice(pipe->file)", "io_uring write",
	"pwrite from own ro map", "mmap(RW, SHARED)", "mmap(RW, PRIVATE) + write",
	"mmap(RO, SHARED)", "mprotect(RW)", "fallocate(0)",
	"fallocate(PUNCH_HOLE)", "ftruncate(grow)", "ftruncate(shrink)",
	"child mmap(RW, SHARED)", "child mmap(RO, SHARED)",
	"child mmap(RW, PRIVATE) + write",
	"held ro map: mprotect(RW)", "held ro map: child mprotect(RW)",
};

struct op_count {
	atomic_long tried, ok, refused, after;
	/* Successes that the spec forbids after the seal, other results. */
	atomic_long late, bad;
	atomic_int bad_errno;
};

enum fkind { K_SEALFS, K_SEALFS_MOUNT, K_MEMFD, NR_FKINDS };

static const char * const fkind_names[NR_FKINDS] = {
	"sealfs", "sealfs mount file", "memfd",
};

struct round {
	enum fkind kind;
	int strict;		/* sealed SHRINK|GROW|WRITE, else WRITE only */
	int fd;			/* O_RDWR */
	int rofd;		/* O_RDONLY reopen through /proc/self/fd */
	atomic_int sealed;
	atomic_int stop;
	/* The checker has done MIN_CHECKS: the workers may end. */
	atomic_int checked;
	long size_at_seal;	/* strict rounds: the size, fixed from then on */
	struct op_count ops[NR_OPS];
};

/* A worker thread: its body, its iterations, when it is done. */
struct worker {
	struct round *r;
	const char *what;
	void *(*fn)(void *);
	pthread_t thread;
	unsigned int seed;
	long after_goal;
	atomic_long iterations;
	long after;
	atomic_int done;
};

static unsigned int rnd(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8) & 0xffffff;
}

/*
 * Records one call: ret_ok says it succeeded, err is its errno otherwise.
 * sealed is what the thread saw before it started the call; allowed_after
 * says a success after the seal is one the spec allows (it changes no
 * byte); refusal is the errno the spec gives after the seal.
 */
static void account(struct round *r, enum op op, int sealed, int ret_ok,
		    int err, int allowed_after, int refusal)
{
	struct op_count *c = &r->ops[op];

	atomic_fetch_add(&c->tried, 1);
	if (sealed)
		atomic_fetch_add(&c->after, 1);
	if (ret_ok) {
		atomic_fetch_add(&c->ok, 1);
		if (sealed && !allowed_after)
			atomic_fetch_add(&c->late, 1);
		return;
	}
	/*
	 * Before this thread saw the seal, the seal may already be on (the
	 * sealer returned but has not said so yet), or being added (memfd
	 * refuses new writable maps with EPERM meanwhile): the refusal is
	 * fine either way.
	 */
	if (err == refusal) {
		atomic_fetch_add(&c->refused, 1);
		return;
	}
	atomic_fetch_add(&c->bad, 1);
	atomic_store(&c->bad_errno, err);
}

/* Counts one iteration; true when the worker has done enough past the seal. */
static int next_iteration(struct worker *w, int sealed)
{
	atomic_fetch_add(&w->iterations, 1);
	if (sealed)
		w->after++;
	if (w->after < w->after_goal)
		return atomic_load(&w->r->stop);
	if (atomic_load(&w->r->checked) || atomic_load(&w->r->stop))
		return 1;
	/* Enough done: keep trying, slowly, while the checker catches up. */
	usleep(200);
	return 0;
}

static void finish(struct worker *w)
{
	atomic_store(&w->done, 1);
}

/* A random range of at most maxlen bytes inside [0, limit). */
static void pick_range(unsigned int *seed, long limit, long maxlen,
		       long *off, long *len)
{
	*len = 1 + rnd(seed) % maxlen;
	*off = rnd(seed) % (limit - *len + 1);
}

static int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags | O_CLOEXEC);
}

/* write (own file position), pwrite, pwritev, in turn. */
static void *writer(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;
	char buf[2 * PAGE];
	int fd = reopen(r->fd, O_RDWR);

	for (long i = 0;; i++) {
		int sealed = atomic_load(&r->sealed);
		long off, len;
		ssize_t ret;
		enum op op;

		pick_range(&w->seed, MAXSZ, sizeof(buf), &off, &len);
		memset(buf, 'A' + i % 26, len);
		switch (i % 3) {
		case 0:
			op = OP_WRITE;
			ret = -1;
			errno = EBADF;
			if (fd >= 0 && lseek(fd, off, SEEK_SET) == off)
				ret = write(fd, buf, len);
			break;
		case 1:
			op = OP_PWRITE;
			ret = pwrite(r->fd, buf, len, off);
			break;
		default: {
			struct iovec iov[2] = {
				{ buf, len / 2 }, { buf + len / 2, len - len / 2 },
			};

			op = OP_PWRITEV;
			ret = pwritev(r->fd, iov, 2, off);
			break;
		}
		}
		account(r, op, sealed, ret == len, ret < 0 ? errno : 0, 0, EPERM);
		if (next_iteration(w, sealed))
			break;
	}
	if (fd >= 0)
		close(fd);
	finish(w);
	return NULL;
}

/* Bytes pushed into a pipe, then spliced into the file. */
static void *splicer(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;
	char buf[2 * PAGE];
	int pfd[2];

	if (pipe(pfd)) {
		account(r, OP_SPLICE, 0, 0, errno, 0, EPERM);
		finish(w);
		return NULL;
	}
	for (long i = 0;; i++) {
		int sealed = atomic_load(&r->sealed);
		long off, len;
		loff_t pos;
		ssize_t ret;

		pick_range(&w->seed, MAXSZ, sizeof(buf), &off, &len);
		memset(buf, 'a' + i % 26, len);
		if (write(pfd[1], buf, len) != len)
			break;
		pos = off;
		ret = splice(pfd[0], NULL, r->fd, &pos, len, 0);
		account(r, OP_SPLICE, sealed, ret == len, ret < 0 ? errno : 0, 0, EPERM);
		/* Whatever was not spliced is still in the pipe. */
		if (ret < len) {
			long left = len - (ret > 0 ? ret : 0);

			if (read(pfd[0], buf, left) != left)
				break;
		}
		if (next_iteration(w, sealed))
			break;
	}
	close(pfd[0]);
	close(pfd[1]);
	finish(w);
	return NULL;
}

static void *uringer(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;
	char buf[2 * PAGE];
	struct ring ring;

	if (ring_init(&ring)) {
		account(r, OP_URING, 0, 0, errno, 0, EPERM);
		finish(w);
		return NULL;
	}
	for (long i = 0;; i++) {
		int sealed = atomic_load(&r->sealed);
		long off, len;
		int res = 0;

		pick_range(&w->seed, MAXSZ, sizeof(buf), &off, &len);
		memset(buf, '0' + i % 10, len);
		if (ring_rw(&ring, IORING_OP_WRITE, r->fd, buf, len, off, &res))
			account(r, OP_URING, sealed, 0, errno, 0, EPERM);
		else
			account(r, OP_URING, sealed, res == len, res < 0 ? -res : 0,
				0, EPERM);
		if (next_iteration(w, sealed))
			break;
	}
	ring_exit(&ring);
	finish(w);
	return NULL;
}

/*
 * pwrite whose source is a read-only shared map of the same file, made
 * from an O_RDONLY reopen (no VM_MAYWRITE, so it never holds the seal
 * off): the copy faults file pages while the write holds the inode.
 */
static void *selfcopier(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;
	char *src;

	src = mmap(NULL, FLOOR, PROT_READ, MAP_SHARED, r->rofd, 0);
	if (src == MAP_FAILED) {
		account(r, OP_SELFCOPY, 0, 0, errno, 0, EPERM);
		finish(w);
		return NULL;
	}
	for (;;) {
		int sealed = atomic_load(&r->sealed);
		long off, len, from;
		ssize_t ret;

		pick_range(&w->seed, MAXSZ, 2 * PAGE, &off, &len);
		from = rnd(&w->seed) % (FLOOR - len + 1);
		ret = pwrite(r->fd, src + from, len, off);
		account(r, OP_SELFCOPY, sealed, ret == len, ret < 0 ? errno : 0, 0, EPERM);
		if (next_iteration(w, sealed))
			break;
	}
	munmap(src, FLOOR);
	finish(w);
	return NULL;
}

/* A shared writable map written and unmapped; a private one, COW. */
static void *mapper(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;

	for (long i = 0;; i++) {
		int sealed = atomic_load(&r->sealed);
		long off, len;
		char *p;

		pick_range(&w->seed, FLOOR, 2 * PAGE, &off, &len);
		if (i % 2 == 0) {
			p = mmap(NULL, FLOOR, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
			account(r, OP_MMAP_RW, sealed, p != MAP_FAILED, errno, 0, EPERM);
		} else {
			/* Always allowed; the file must not see the writes. */
			p = mmap(NULL, FLOOR, PROT_READ | PROT_WRITE, MAP_PRIVATE, r->fd, 0);
			account(r, OP_MMAP_PRIVATE, sealed, p != MAP_FAILED, errno, 1, 0);
		}
		if (p != MAP_FAILED) {
			memset(p + off, 'm', len);
			munmap(p, FLOOR);
		}
		if (next_iteration(w, sealed))
			break;
	}
	finish(w);
	return NULL;
}

/* A read-only shared map from the O_RDWR fd, then mprotect(PROT_WRITE). */
static void *mprotector(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;

	for (long i = 0;; i++) {
		int sealed = atomic_load(&r->sealed);
		char *p;

		p = mmap(NULL, FLOOR, PROT_READ, MAP_SHARED, r->fd, 0);
		/* After the seal it must work (VM_MAYWRITE cleared). */
		account(r, OP_MMAP_RO, sealed, p != MAP_FAILED, errno, 1,
			sealed ? -1 : EPERM);
		if (p != MAP_FAILED) {
			int ret = mprotect(p, FLOOR, PROT_READ | PROT_WRITE);

			account(r, OP_MPROTECT_RW, sealed, ret == 0, errno, 0, EACCES);
			if (ret == 0)
				p[rnd(&w->seed) % FLOOR] = 'p';
			munmap(p, FLOOR);
		}
		if (next_iteration(w, sealed))
			break;
	}
	finish(w);
	return NULL;
}

/*
 * In a child forked with the held map @p: mprotect(PROT_WRITE), a write and
 * mprotect(PROT_READ), a few times.  Exit status: 1 if it was ever made
 * writable, 2 if mprotect failed otherwise than with EACCES.
 */
static int held_child(char *p, unsigned int seed)
{
	int status = 0;

	for (int i = 0; i < 4; i++) {
		if (mprotect(p, FLOOR, PROT_READ | PROT_WRITE) == 0) {
			status |= 1;
			p[rnd(&seed) % FLOOR] = 'k';
			mprotect(p, FLOOR, PROT_READ);
		} else if (errno != EACCES) {
			status |= 2;
		}
	}
	return status;
}

/*
 * The holder: a read-only shared map of the O_RDWR fd, kept across the seal
 * on sealfs (memfd: made anew each iteration, as memfd refuses the seal
 * while it exists), made writable for one write and read-only again; every
 * HELD_FORK_EVERY iterations a child forked with it does the same.  Once
 * sealed, each mprotect(PROT_WRITE) must fail with EACCES, the child's too.
 */
#define HELD_FORK_EVERY	8
static void *holder(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;
	char *p = MAP_FAILED;

	for (long i = 0;; i++) {
		int sealed = atomic_load(&r->sealed);
		int ret;

		if (p == MAP_FAILED) {
			p = mmap(NULL, FLOOR, PROT_READ, MAP_SHARED, r->fd, 0);
			account(r, OP_MMAP_RO, sealed, p != MAP_FAILED, errno, 1,
				sealed ? -1 : EPERM);
		}
		if (p != MAP_FAILED && i % HELD_FORK_EVERY == HELD_FORK_EVERY - 1) {
			unsigned int seed = rnd(&w->seed);
			pid_t pid = fork();
			int status;

			if (pid == 0)
				_exit(held_child(p, seed));
			if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
				account(r, OP_HELD_CHILD_MPROTECT_RW, sealed,
					WEXITSTATUS(status) & 1,
					WEXITSTATUS(status) & 2 ? 1000 : EACCES, 0, EACCES);
			else
				account(r, OP_HELD_CHILD_MPROTECT_RW, sealed, 0, 1000, 0, EACCES);
		}
		if (p != MAP_FAILED) {
			ret = mprotect(p, FLOOR, PROT_READ | PROT_WRITE);
			account(r, OP_HELD_MPROTECT_RW, sealed, ret == 0, errno, 0, EACCES);
			if (ret == 0) {
				p[rnd(&w->seed) % FLOOR] = 'h';
				mprotect(p, FLOOR, PROT_READ);
			}
			if (r->kind == K_MEMFD) {
				munmap(p, FLOOR);
				p = MAP_FAILED;
			}
		}
		if (next_iteration(w, sealed))
			break;
	}
	if (p != MAP_FAILED)
		munmap(p, FLOOR);
	finish(w);
	return NULL;
}

/* fallocate(0) and PUNCH_HOLE, in turn. */
static void *fallocator(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;

	for (long i = 0;; i++) {
		int sealed = atomic_load(&r->sealed);
		long off, len;
		int ret;

		pick_range(&w->seed, MAXSZ, 4 * PAGE, &off, &len);
		if (i % 2 == 0) {
			/*
			 * Allocating changes no byte: after the seal it is
			 * allowed unless it grows a size-sealed file.
			 */
			int allowed = !r->strict || off + len <= r->size_at_seal;

			ret = fallocate(r->fd, 0, off, len);
			account(r, OP_FALLOC, sealed, ret == 0, errno, allowed, EPERM);
		} else {
			ret = fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					off, len);
			account(r, OP_PUNCH, sealed, ret == 0, errno, 0, EPERM);
		}
		if (next_iteration(w, sealed))
			break;
	}
	finish(w);
	return NULL;
}

/* ftruncate to a random size in [FLOOR, MAXSZ]: grow or shrink. */
static void *truncator(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;

	for (;;) {
		int sealed = atomic_load(&r->sealed);
		long size = FLOOR + rnd(&w->seed) % (MAXSZ - FLOOR + 1);
		struct stat st;
		int ret;

		if (fstat(r->fd, &st))
			break;
		ret = ftruncate(r->fd, size);
		/*
		 * Under WRITE alone, the size may change (and only past FLOOR,
		 * which is what the checker allows for); under SHRINK|GROW too,
		 * only a truncate to the same size succeeds.
		 */
		account(r, size < st.st_size ? OP_TRUNC_SHRINK : OP_TRUNC_GROW,
			sealed, ret == 0, errno,
			!r->strict || size == r->size_at_seal, EPERM);
		if (next_iteration(w, sealed))
			break;
	}
	finish(w);
	return NULL;
}

/*
 * A child's exit status: what its three maps gave.  The parent judges
 * them, knowing whether the seal was on before the fork.
 */
#define CHILD_RW_OK	0x01	/* mmap(RW, SHARED) worked */
#define CHILD_RW_EPERM	0x02	/* ... was refused with EPERM */
#define CHILD_RO_OK	0x04	/* mmap(RO, SHARED) worked */
#define CHILD_RO_EPERM	0x08	/* ... was refused with EPERM */
#define CHILD_PRIV_OK	0x10	/* mmap(RW, PRIVATE) worked, and was written */

static int child(int fd)
{
	int status = 0;
	char *p;

	p = mmap(NULL, FLOOR, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		status |= CHILD_RW_OK;
		p[getpid() % FLOOR] = 'c';
		munmap(p, FLOOR);
	} else if (errno == EPERM) {
		status |= CHILD_RW_EPERM;
	}
	p = mmap(NULL, FLOOR, PROT_READ, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		status |= CHILD_RO_OK;
		*(volatile char *)(p + getpid() % FLOOR);
		munmap(p, FLOOR);
	} else if (errno == EPERM) {
		status |= CHILD_RO_EPERM;
	}
	p = mmap(NULL, FLOOR, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p != MAP_FAILED) {
		status |= CHILD_PRIV_OK;
		memset(p, 'C', FLOOR);
		munmap(p, FLOOR);
	}
	return status;
}

/* Forks children that map the file and exit; they inherit the other maps. */
static void *forker(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;

	for (;;) {
		int sealed = atomic_load(&r->sealed);
		int status, code;
		pid_t pid;

		pid = fork();
		if (pid == 0)
			_exit(child(r->fd));
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			account(r, OP_CHILD_RW, sealed, 0, errno, 0, EPERM);
			break;
		}
		if (!WIFEXITED(status)) {
			/* Killed (SIGBUS, SIGSEGV): never expected. */
			account(r, OP_CHILD_RW, sealed, 0,
				1000 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0), 0, EPERM);
		} else {
			code = WEXITSTATUS(status);
			/* 1000: a stand-in for "some other errno". */
			account(r, OP_CHILD_RW, sealed, code & CHILD_RW_OK,
				code & CHILD_RW_EPERM ? EPERM : 1000, 0, EPERM);
			account(r, OP_CHILD_RO, sealed, code & CHILD_RO_OK,
				code & CHILD_RO_EPERM ? EPERM : 1000, 1,
				sealed ? -1 : EPERM);
			account(r, OP_CHILD_PRIVATE, sealed, code & CHILD_PRIV_OK,
				1000, 1, -1);
		}
		if (next_iteration(w, sealed))
			break;
	}
	finish(w);
	return NULL;
}

/* ---- the checker ---- */

struct check {
	long checks, mismatches;
	long first_off, first_len;
	unsigned char first_was, first_now;
	const char *first_how;
};

/*
 * The bytes now (buf, n of them) against the bytes when the seal returned
 * (snap, snaplen): strict rounds, all equal; write rounds, [0, FLOOR)
 * equal and every other byte either as it was or 0.  whole: buf is the
 * whole file, so n is its size.
 */
static void compare(struct round *r, struct check *c, const char *how,
		    const unsigned char *snap, long snaplen,
		    const unsigned char *buf, long n, int whole)
{
	long bad_at = -1, i;

	c->checks++;
	if (whole && r->strict && n != snaplen)
		bad_at = n < snaplen ? n : snaplen;
	else if (whole && !r->strict && n < FLOOR)
		bad_at = n;
	for (i = 0; bad_at < 0 && i < n; i++) {
		unsigned char was = i < snaplen ? snap[i] : 0;

		if (buf[i] == was)
			continue;
		if (!r->strict && i >= FLOOR && buf[i] == 0)
			continue;
		bad_at = i;
	}
	if (bad_at < 0)
		return;
	if (!c->mismatches++) {
		c->first_off = bad_at;
		c->first_len = n;
		c->first_was = bad_at < snaplen ? snap[bad_at] : 0;
		c->first_now = bad_at < n ? buf[bad_at] : 0;
		c->first_how = how;
	}
}

static uint64_t fnv1a(const unsigned char *p, long n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n-- > 0)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void check_once(struct round *r, struct check *c,
		       const unsigned char *snap, long snaplen)
{
	static unsigned char buf[MAXSZ + PAGE];
	long maplen = r->strict ? snaplen : FLOOR;
	unsigned char *p;
	ssize_t n;

	n = pread(r->fd, buf, sizeof(buf), 0);
	if (n < 0)
		n = 0;
	compare(r, c, "pread", snap, snaplen, buf, n, 1);
	/* A fresh read-only shared map, from the O_RDONLY fd. */
	p = mmap(NULL, maplen, PROT_READ, MAP_SHARED, r->rofd, 0);
	if (p == MAP_FAILED) {
		c->checks++;
		if (!c->mismatches++) {
			c->first_off = -errno;
			c->first_how = "mmap(RO) for the check failed";
		}
		return;
	}
	compare(r, c, "read-only map", snap, snaplen, p, maplen, 0);
	munmap(p, maplen);
}

/* ---- a round ---- */

static int now_ns_since(const struct timespec *t0, long long *ns)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	*ns = (t.tv_sec - t0->tv_sec) * 1000000000LL + (t.tv_nsec - t0->tv_nsec);
	return 0;
}

struct totals {
	long rounds[NR_FKINDS][2];
	long seal_attempts, ebusy, checks;
	long long seal_ns_max;
	long tried[NR_OPS], after[NR_OPS], ok[NR_OPS], refused[NR_OPS];
};

FIXTURE(stress) {
	char dir[64];
	int mounted;
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNS)) TH_LOG("unshare: %s", strerror(errno));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	strcpy(self->dir, "/tmp/sealfs-stress-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->mounted = mount("none", self->dir, "sealfs", 0, NULL) == 0;
	ASSERT_TRUE(self->mounted) TH_LOG("mount sealfs: %s", strerror(errno));
}

FIXTURE_TEARDOWN(stress)
{
	if (self->mounted)
		umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

static int create_file(FIXTURE_DATA(stress) *self, enum fkind kind, int n)
{
	char path[128];
	int fd;

	switch (kind) {
	case K_MEMFD:
		return kind_create(MEMFD, "stress", SEALFS_ALLOW_SEALING | SEALFS_CLOEXEC);
	case K_SEALFS:
		return kind_create(SEALFS, "stress", SEALFS_ALLOW_SEALING | SEALFS_CLOEXEC);
	default:
		snprintf(path, sizeof(path), "%s/f%d", self->dir, n);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			unlink(path);
		return fd;
	}
}

static int add_seals(enum fkind kind, int fd, unsigned int seals)
{
	return kind_add_seals(kind == K_MEMFD ? MEMFD : SEALFS, fd, seals);
}

static void stress_round(struct __test_metadata *_metadata,
			 FIXTURE_DATA(stress) *self, int n, struct totals *t)
{
	struct worker workers[] = {
		{ .what = "writer", .fn = writer },
		{ .what = "splicer", .fn = splicer },
		{ .what = "io_uring", .fn = uringer },
		{ .what = "self-copier", .fn = selfcopier },
		{ .what = "mapper", .fn = mapper },
		{ .what = "mprotector", .fn = mprotector },
		{ .what = "fallocator", .fn = fallocator },
		{ .what = "truncator", .fn = truncator },
		{ .what = "forker", .fn = forker },
		{ .what = "holder", .fn = holder },
	};
	static unsigned char snap[MAXSZ + PAGE], init[MAXSZ];
	struct round *r = calloc(1, sizeof(*r));
	unsigned int seal;
	struct check c = { 0 };
	struct timespec t0, start;
	long long ns = 0, round_ns, warm_ns;
	long attempts = 0, ebusy = 0, snaplen, opsum = 0, aftersum = 0;
	size_t i;
	int ret, err = 0, all_done;

	ASSERT_NE(NULL, r);
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* Every kind with either seal in 6 rounds, sealfs first. */
	r->kind = (enum fkind)(n % NR_FKINDS);
	r->strict = n % 2 == 0;
	seal = r->strict ? SEALFS_SEAL_SHRINK | SEALFS_SEAL_GROW | SEALFS_SEAL_WRITE
			 : SEALFS_SEAL_WRITE;
	r->fd = create_file(self, r->kind, n);
	ASSERT_LE(0, r->fd) TH_LOG("create a %s: %s", fkind_names[r->kind], strerror(errno));
	r->rofd = reopen(r->fd, O_RDONLY);
	ASSERT_LE(0, r->rofd) TH_LOG("reopen O_RDONLY: %s", strerror(errno));
	for (i = 0; i < sizeof(init); i++)
		init[i] = 1 + (i * 7 + n) % 251;
	ASSERT_EQ(2 * FLOOR, pwrite(r->fd, init, 2 * FLOOR, 0));
	/* The size-sealed check below must not allow growth before the seal. */
	r->size_at_seal = -1;

	for (i = 0; i < ARRAY_SIZE(workers); i++) {
		workers[i].r = r;
		workers[i].seed = n * 131 + i * 7919 + 1;
		workers[i].after_goal = workers[i].fn == forker ? FORKER_AFTER : AFTER;
		ASSERT_EQ(0, pthread_create(&workers[i].thread, NULL,
					    workers[i].fn, &workers[i]));
	}
	/* Every worker gets going before the seal is tried: the race is real. */
	for (i = 0; i < ARRAY_SIZE(workers); i++)
		while (atomic_load(&workers[i].iterations) <
		       (workers[i].fn == forker ? FORKER_WARMUP : WARMUP) &&
		       !atomic_load(&workers[i].done))
			sched_yield();

	now_ns_since(&start, &warm_ns);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ret = add_seals(r->kind, r->fd, seal);
		attempts++;
		if (ret == 0)
			break;
		err = errno;
		now_ns_since(&t0, &ns);
		if (err != EBUSY || ns > SEAL_GIVE_UP_NS)
			break;
		ebusy++;
	}
	now_ns_since(&t0, &ns);
	/*
	 * Tell the workers at once: until they know, they count a refusal as
	 * one before the seal.  The size first, as they read it once sealed.
	 */
	if (ret == 0 && r->strict)
		r->size_at_seal = lseek(r->fd, 0, SEEK_END);
	atomic_store(&r->sealed, 1);
	if (ret == 0) {
		/* What the bytes are from now on. */
		snaplen = pread(r->fd, snap, sizeof(snap), 0);
	} else {
		snaplen = -1;
		atomic_store(&r->stop, 1);
	}

	/* Check while the workers keep trying, until they are all done. */
	do {
		all_done = 1;
		for (i = 0; i < ARRAY_SIZE(workers); i++)
			all_done &= atomic_load(&workers[i].done);
		if (snaplen >= 0)
			check_once(r, &c, snap, snaplen);
		if (c.checks >= 2 * MIN_CHECKS)
			atomic_store(&r->checked, 1);
	} while (!all_done);
	for (i = 0; i < ARRAY_SIZE(workers); i++)
		ASSERT_EQ(0, pthread_join(workers[i].thread, NULL));

	ASSERT_EQ(0, ret)
		TH_LOG("round %d, %s: the seal failed with %s after %ld attempts (%ld EBUSY)",
		       n, fkind_names[r->kind], strerror(err), attempts, ebusy);
	ASSERT_EQ((int)seal, kind_get_seals(r->kind == K_MEMFD ? MEMFD : SEALFS, r->fd));
	/* One more check with everything quiet. */
	check_once(r, &c, snap, snaplen);

	EXPECT_EQ(0, c.mismatches)
		TH_LOG("round %d, %s, %s: %ld of %ld checks saw changed bytes; first by %s at offset %ld (length %ld): 0x%02x, was 0x%02x",
		       n, fkind_names[r->kind], r->strict ? "strict" : "write",
		       c.mismatches, c.checks, c.first_how, c.first_off,
		       c.first_len, c.first_now, c.first_was);
	for (int op = 0; op < NR_OPS; op++) {
		struct op_count *oc = &r->ops[op];

		EXPECT_EQ(0, atomic_load(&oc->late))
			TH_LOG("round %d, %s: %s succeeded %ld times after the seal returned",
			       n, fkind_names[r->kind], op_names[op], atomic_load(&oc->late));
		EXPECT_EQ(0, atomic_load(&oc->bad))
			TH_LOG("round %d, %s: %s gave an unexpected result %ld times (last errno %d)",
			       n, fkind_names[r->kind], op_names[op], atomic_load(&oc->bad),
			       atomic_load(&oc->bad_errno));
		t->tried[op] += atomic_load(&oc->tried);
		t->after[op] += atomic_load(&oc->after);
		t->ok[op] += atomic_load(&oc->ok);
		t->refused[op] += atomic_load(&oc->refused);
		opsum += atomic_load(&oc->tried);
		aftersum += atomic_load(&oc->after);
	}
	for (i = 0; i < ARRAY_SIZE(workers); i++) {
		EXPECT_LE(workers[i].after_goal, workers[i].after)
			TH_LOG("round %d: the %s stopped early", n, workers[i].what);
	}
	/* The size is where the seal left it (strict), or never under FLOOR. */
	if (r->strict) {
		EXPECT_EQ(snaplen, lseek(r->fd, 0, SEEK_END));
	} else {
		EXPECT_LE(FLOOR, lseek(r->fd, 0, SEEK_END));
	}

	t->rounds[r->kind][r->strict]++;
	t->seal_attempts += attempts;
	t->ebusy += ebusy;
	t->checks += c.checks;
	if (ns > t->seal_ns_max)
		t->seal_ns_max = ns;
	now_ns_since(&start, &round_ns);
	ksft_print_msg("round %d (%lld ms, warm-up %lld ms): %s, %s seal: sealed after %ld attempts (%ld EBUSY, %lld ms), %ld ops (%ld after the seal), %ld checks, hash %016llx\n",
		       n, round_ns / 1000000, warm_ns / 1000000, fkind_names[r->kind],
		       r->strict ? "SHRINK|GROW|WRITE" : "WRITE",
		       attempts, ebusy, ns / 1000000, opsum, aftersum, c.checks,
		       (unsigned long long)fnv1a(snap, snaplen));
	close(r->rofd);
	close(r->fd);
	free(r);
}

static long stress_seconds(struct __test_metadata *_metadata)
{
	const char *s = getenv("SEALFS_STRESS_SECONDS");
	char *end;
	long v;

	if (!s || !*s)
		return DEFAULT_SECONDS;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1) {
		TH_LOG("SEALFS_STRESS_SECONDS=%s is not a number of seconds; using %d",
		       s, DEFAULT_SECONDS);
		return DEFAULT_SECONDS;
	}
	if (v > MAX_SECONDS) {
		TH_LOG("SEALFS_STRESS_SECONDS=%ld is capped at %d", v, MAX_SECONDS);
		v = MAX_SECONDS;
	}
	return v;
}

/* The harness's timeout: the longest duration, and time to finish. */
TEST_F_TIMEOUT(stress, no_byte_changes_after_the_write_seal_under_every_writer, MAX_SECONDS + 300)
{
	struct totals t = { 0 };
	long seconds = stress_seconds(_metadata);
	long long ns = 0, limit = seconds * 1000000000LL;
	long total = 0, after = 0;
	struct timespec t0;
	int n;

	/* A child killed by a signal must not stop the test. */
	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (n = 0; n < MIN_ROUNDS || ns < limit; n++) {
		stress_round(_metadata, self, n, &t);
		if (!__test_passed(_metadata))
			break;
		now_ns_since(&t0, &ns);
	}
	for (int op = 0; op < NR_OPS; op++) {
		ksft_print_msg("%-32s %8ld calls, %8ld after the seal, %8ld ok, %8ld refused\n",
			       op_names[op], t.tried[op], t.after[op], t.ok[op], t.refused[op]);
		total += t.tried[op];
		after += t.after[op];
	}
	ksft_print_msg("stress: %lld.%03lld s (SEALFS_STRESS_SECONDS=%ld), %d rounds (sealfs %ld+%ld, sealfs mount %ld+%ld, memfd %ld+%ld strict+write), %ld calls, %ld after the seal, %ld seal attempts (%ld EBUSY, slowest seal %lld ms), %ld checks\n",
		       ns / 1000000000LL, ns / 1000000 % 1000, seconds, n,
		       t.rounds[K_SEALFS][1], t.rounds[K_SEALFS][0],
		       t.rounds[K_SEALFS_MOUNT][1], t.rounds[K_SEALFS_MOUNT][0],
		       t.rounds[K_MEMFD][1], t.rounds[K_MEMFD][0],
		       total, after, t.seal_attempts, t.ebusy, t.seal_ns_max / 1000000,
		       t.checks);
}

TEST_HARNESS_MAIN
