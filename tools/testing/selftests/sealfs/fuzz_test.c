// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs selftests: a differential fuzzer, memfd against sealfs.
 *
 * A seed gives a sequence of episodes; an episode is a list of operations
 * (create with random flags, write, pwrite, read, lseek, ftruncate,
 * truncate of /proc/self/fd/N, fallocate with any mode, mmap with any
 * prot/flag mix, munmap, mprotect, writes through mappings, madvise, add
 * seals with random masks, dup, reopen through /proc/self/fd/N, the
 * SEALFS_IOC_OPEN_READONLY ioctl, close, fchmod/chmod, and fork running one
 * of these in a child).  Each operation
 * runs on the memfd side, then on the sealfs side; each side has its own
 * table of up to NFD descriptors and NMAP mappings.  After each step the
 * fuzzer compares the result (return value, normalised so that fd numbers
 * and addresses do not count; errno; a hash of the bytes read; a child's
 * wait status), and the state: each descriptor's offset (and F_GETFL and
 * F_GETFD when one is made); each file's size, st_mode, st_nlink, seals and
 * bytes (pread of the first CMP_HEAD bytes and of the last CMP_TAIL); each
 * page of each mapping, read under sigsetjmp so that SIGBUS or SIGSEGV is
 * an outcome to compare, not a crash.  The first mismatch ends the
 * episode; the episode is then shrunk (delta debugging: drop chunks of
 * operations, replaying from fresh files, while the same mismatch stays)
 * and printed as readable lines.  Each run of an episode is a child
 * process, so that a death (the task killed by a kernel oops, or a fuzzer
 * bug) is a mismatch too, found and shrunk alike.
 *
 * Environment:
 *   SEALFS_FUZZ_SEEDS     seeds, e.g. "1-8" or "3,7,100-199" (default 1-8)
 *   SEALFS_FUZZ_OPS       operations per seed (default 1000)
 *   SEALFS_FUZZ_TIMEOUT   seconds per test (default from the work)
 *   SEALFS_FUZZ_EXCLUDE   operations not to generate, e.g. "seek_data,fork"
 *   SEALFS_FUZZ_TRACE     1: print every step
 *   SEALFS_FUZZ_SELFTEST  1: perturb one sealfs result (see perturb()), to
 *                         see a mismatch found and shrunk
 *
 * Differences documented in sealfs.rst and normalised here: names in
 * /proc links are not compared; MFD_HUGETLB is EINVAL on sealfs (memfd's
 * ENOSYS on this kernel counts as EINVAL); seal masks have no bit above 31
 * (the sealfs ioctl takes 64 bits, fcntl 32); O_DIRECT is never used;
 * SEEK_DATA/SEEK_HOLE are not compared once the size is within 2 MiB of
 * 2^63, where memfd's answer overflows.
 * Both sides must use the same page sizes, as SEEK_DATA/SEEK_HOLE answer
 * per folio: the memfd side runs with shmem_enabled=within_size, the
 * huge-page policy of sealfs's anonymous files (huge=within_size of the
 * internal mount), and the old setting is put back after each group.
 * Both sides share one address space, so mprotect and madvise stay within
 * their mapping, and MAP_FIXED* is never used.
 *
 * What sealfs has beyond memfd (spec 9) is compared against memfd plus a
 * model of the addition, kept on the memfd side (see "sealing beyond
 * memfd" below): SEALFS_SEAL_FUTURE_EXEC, F_SEAL_WRITE while only read-only
 * shared mappings exist, and SEALFS_IOC_OPEN_READONLY (the /proc reopen).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <ucontext.h>

#include <linux/falloc.h>

#include "common.h"
#include "kselftest_harness.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC		0x80000
#endif
#ifndef PROT_SEM
#define PROT_SEM		0x8
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED	0x4000000
#endif
#ifndef FALLOC_FL_UNSHARE_RANGE
#define FALLOC_FL_UNSHARE_RANGE	0x40
#endif

#define PAGE		4096L
#define NFD		4		/* descriptor slots per side */
#define NMAP		4		/* mapping slots per side */
#define MAXPAGES	16		/* longest mapping made on purpose */
#define MAXIO		(64 * 1024)	/* longest read or write */
#define CMP_HEAD	(256 * 1024)	/* bytes compared from the start */
#define CMP_TAIL	(64 * 1024)	/* and before the end of a larger file */
#define MAX_EP_OPS	160		/* longest episode */
#define NGROUPS		4		/* tests; seed i runs in group i % NGROUPS */
#define MFD_HUGETLB_FLAG 0x0004U

enum op_type {
	OP_CREATE, OP_CLOSE, OP_DUP, OP_REOPEN, OP_WRITE, OP_PWRITE, OP_READ,
	OP_PREAD, OP_LSEEK, OP_SEEK_DATA, OP_FTRUNCATE, OP_TRUNCATE_PATH, OP_FALLOCATE,
	OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MWRITE, OP_MADVISE, OP_ADD_SEALS,
	OP_FCHMOD, OP_CHMOD_PATH, OP_FORK, OP_OPEN_RO, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"create", "close", "dup", "reopen", "write", "pwrite", "read",
	"pread", "lseek", "seek_data", "ftruncate", "truncate", "fallocate",
	"mmap", "munmap", "mprotect", "mwrite", "madvise", "add_seals",
	"fchmod", "chmod", "fork", "open_readonly",
};

/* Relative frequency of each operation. */
static const unsigned int op_weight[NR_OPS] = {
	[OP_CREATE] = 2, [OP_CLOSE] = 2, [OP_DUP] = 3, [OP_REOPEN] = 5,
	[OP_WRITE] = 6, [OP_PWRITE] = 10, [OP_READ] = 2, [OP_PREAD] = 3,
	[OP_LSEEK] = 3, [OP_SEEK_DATA] = 3, [OP_FTRUNCATE] = 8, [OP_TRUNCATE_PATH] = 2,
	[OP_FALLOCATE] = 8, [OP_MMAP] = 10, [OP_MUNMAP] = 3, [OP_MPROTECT] = 6,
	[OP_MWRITE] = 8, [OP_MADVISE] = 4, [OP_ADD_SEALS] = 8,
	[OP_FCHMOD] = 3, [OP_CHMOD_PATH] = 2, [OP_FORK] = 1, [OP_OPEN_RO] = 2,
};

/*
 * One operation.  a: descriptor slot (source); b: destination descriptor
 * slot or mapping slot.  The meaning of the other fields depends on type.
 */
struct args {
	uint8_t type;
	uint8_t a, b;
	uint8_t byte;		/* fill byte of writes */
	uint32_t flags;		/* create/open flags, mode, prot, seals, fallocate mode, whence, advice */
	uint32_t flags2;	/* mmap flags; name choice of create */
	int64_t off;
	int64_t len;
};

struct op {
	struct args m;
	struct args child;	/* the child's operation, for OP_FORK */
};

/* The normalised outcome of an operation. */
struct res {
	int64_t ret;		/* -2: skipped (empty slot) */
	int err;		/* errno when ret is -1; signal for faults */
	uint64_t extra;		/* hash of bytes read; wait status of a fork */
};

struct map {
	char *addr;		/* NULL: free slot */
	long pages;
	int noexec;		/* memfd side: made under the model's FUTURE_EXEC */
};

struct side {
	enum kind k;
	int fd[NFD];
	int fid[NFD];		/* file of each slot, -1 when free */
	int obs[NFD];		/* read-only descriptor of each file, -1 when free */
	int future_exec[NFD];	/* memfd side: the model's SEALFS_SEAL_FUTURE_EXEC */
	struct map map[NMAP];
};

/* A mismatch: where, and what. */
struct mismatch {
	int step;
	int sig;		/* op type * 64 + what differed, to keep it while shrinking */
	char what[512];
};

/* --- settings and counters --- */

static int trace;
static int selftest;
static char *wbuf, *rbuf, *cbuf[2];
static struct res *child_res;		/* shared with forked children */

/* --- PRNG: splitmix64 to seed, xorshift64* to run --- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static int chance(uint64_t *s, unsigned int percent)
{
	return below(s, 100) < percent;
}

#define PICK(s, arr) ((arr)[below(s, sizeof(arr) / sizeof((arr)[0]))])

/* --- generation --- */

static const int64_t edge_offs[] = {
	0, 1, -1, 4095, 4096, 4097, 65535, 65536, 131072, -4096,
	1LL << 31, 1LL << 32, 1LL << 62, (1LL << 62) - 1, INT64_MAX,
	INT64_MAX - 4095, INT64_MIN, (1LL << 62) - 4096,
};

static int64_t gen_off(uint64_t *s)
{
	if (chance(s, 70))
		return below(s, 128 * 1024 + 1);
	if (chance(s, 40))
		return below(s, 33) * PAGE;
	return PICK(s, edge_offs);
}

static int64_t gen_iolen(uint64_t *s)
{
	static const int64_t edge[] = { 0, 1, 4095, 4096, 4097, 65536 };

	if (chance(s, 60))
		return 1 + below(s, 8192);
	if (chance(s, 40))
		return below(s, MAXIO + 1);
	return PICK(s, edge);
}

static int64_t gen_size(uint64_t *s)
{
	static const int64_t edge[] = {
		0, 1, -1, 4096, 4097, 1LL << 62, INT64_MAX, INT64_MAX - 4095,
		INT64_MIN, 1LL << 32, (1LL << 62) + 1,
	};

	if (chance(s, 55))
		return below(s, 128 * 1024 + 1);
	if (chance(s, 50))
		return below(s, 33) * PAGE;
	return PICK(s, edge);
}

static uint32_t gen_seals(uint64_t *s)
{
	uint32_t mask = 0;

	if (chance(s, 4))
		return 0;
	/* Bit 6 is SEALFS_SEAL_FUTURE_EXEC: the memfd side models it. */
	for (int i = 0; i < 7; i++)
		if (chance(s, 14))
			mask |= 1U << i;
	if (!mask)
		mask = 1U << below(s, 7);
	/* Unknown to both, below bit 32. */
	if (chance(s, 5))
		mask |= 1U << (7 + below(s, 25));
	return mask;
}

static uint32_t gen_create_flags(uint64_t *s)
{
	static const uint32_t bits[] = {
		SEALFS_CLOEXEC, SEALFS_ALLOW_SEALING, SEALFS_NOEXEC_SEAL, SEALFS_EXEC,
	};
	uint32_t f = 0;

	if (chance(s, 75))
		f |= SEALFS_ALLOW_SEALING;
	for (unsigned int i = 0; i < 4; i++)
		if (chance(s, 20))
			f |= bits[i];
	if (chance(s, 3))
		f |= MFD_HUGETLB_FLAG;
	if (chance(s, 2))
		f |= 21U << 26;				/* MFD_HUGE_2MB */
	if (chance(s, 3))
		f |= 1U << (5 + below(s, 21));		/* unknown bit */
	return f;
}

static uint32_t gen_open_flags(uint64_t *s)
{
	static const uint32_t acc[] = { O_RDONLY, O_WRONLY, O_RDWR, O_RDWR };
	uint32_t f = PICK(s, acc);

	if (chance(s, 15))
		f |= O_TRUNC;
	if (chance(s, 15))
		f |= O_APPEND;
	if (chance(s, 30))
		f |= O_CLOEXEC;
	return f;
}

static uint32_t gen_prot(uint64_t *s)
{
	uint32_t p = chance(s, 35) ? PROT_READ | PROT_WRITE : below(s, 8);

	if (chance(s, 3))
		p |= PROT_SEM;
	if (chance(s, 2))
		p |= chance(s, 50) ? PROT_GROWSDOWN : PROT_GROWSUP;
	return p;
}

static uint32_t gen_map_flags(uint64_t *s)
{
	static const uint32_t base[] = {
		MAP_SHARED, MAP_SHARED, MAP_SHARED, MAP_PRIVATE, MAP_PRIVATE,
		MAP_SHARED_VALIDATE, 0,
	};
	static const uint32_t extra[] = {
		MAP_POPULATE, MAP_NORESERVE, MAP_LOCKED, MAP_SYNC, MAP_HUGETLB,
		MAP_DENYWRITE, MAP_EXECUTABLE, MAP_GROWSDOWN, MAP_STACK,
		MAP_32BIT, MAP_ANONYMOUS, MAP_UNINITIALIZED, MAP_NONBLOCK,
		0x800000 /* unknown */,
	};
	uint32_t f = PICK(s, base);

	if (chance(s, 25))
		f |= PICK(s, extra);
	return f;
}

static uint32_t gen_mode(uint64_t *s)
{
	static const uint32_t modes[] = {
		0777, 0666, 0755, 0644, 0700, 0600, 0, 07777, 01777, 04755, 0111,
	};

	return chance(s, 75) ? PICK(s, modes) : below(s, 010000);
}

static uint32_t gen_falloc_mode(uint64_t *s)
{
	static const uint32_t modes[] = {
		0, 0, 0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE,
		FALLOC_FL_ZERO_RANGE, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE,
		FALLOC_FL_UNSHARE_RANGE,
	};

	if (chance(s, 3))
		return 1U << below(s, 32);
	return PICK(s, modes);
}

/*
 * What the generator expects to be live, ignoring failures: slots are
 * picked from it most of the time, so that few operations find an empty
 * slot.  Only the generator uses it: a shrunk sequence keeps its slots.
 */
struct gen {
	uint8_t fd[NFD], map[NMAP];
};

/* A slot of n that is live (want 1) or free (want 0), with that chance. */
static int pick_slot(uint64_t *s, const uint8_t *live, int n, int want, unsigned int percent)
{
	int cand[8], nc = 0;

	for (int i = 0; i < n; i++)
		if (live[i] == want)
			cand[nc++] = i;
	if (nc && chance(s, percent))
		return cand[below(s, nc)];
	return below(s, n);
}

static void gen_args(uint64_t *s, struct args *a, int type, struct gen *g)
{
	static const uint32_t whence[] = { SEEK_SET, SEEK_CUR, SEEK_END, 5 };
	static const uint32_t advice[] = {
		MADV_REMOVE, MADV_REMOVE, MADV_DONTNEED, MADV_WILLNEED,
		MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_POPULATE_WRITE,
		MADV_COLD, MADV_PAGEOUT, MADV_FREE, MADV_DONTFORK, MADV_DOFORK,
		MADV_WIPEONFORK, MADV_SEQUENTIAL, MADV_NORMAL, MADV_HUGEPAGE,
		MADV_COLLAPSE, MADV_DONTDUMP,
	};
	static const int64_t map_edge_off[] = {
		1, 4095, -4096, 1LL << 62, (1LL << 44), INT64_MAX & ~(PAGE - 1), -1,
	};
	static const int64_t map_edge_len[] = {
		0, 1, 100, 4097, 1LL << 62, -1, (1LL << 47) + 4096,
	};

	memset(a, 0, sizeof(*a));
	a->type = type;
	a->a = pick_slot(s, g->fd, NFD, 1, 92);
	a->b = pick_slot(s, g->fd, NFD, 0, 50);
	a->byte = rnd(s);
	switch (type) {
	case OP_CREATE:
		a->a = pick_slot(s, g->fd, NFD, 0, 50);
		a->flags = gen_create_flags(s);
		a->flags2 = chance(s, 90) ? 1 : below(s, 4);
		break;
	case OP_DUP:
		a->flags = chance(s, 30) ? O_CLOEXEC : 0;
		break;
	case OP_REOPEN:
		a->flags = gen_open_flags(s);
		break;
	case OP_OPEN_RO:
		a->flags = chance(s, 60) ? 0 : chance(s, 75) ? O_CLOEXEC : 1U << below(s, 32);
		break;
	case OP_WRITE:
	case OP_READ:
		a->len = gen_iolen(s);
		break;
	case OP_PWRITE:
	case OP_PREAD:
		a->off = gen_off(s);
		a->len = gen_iolen(s);
		break;
	case OP_LSEEK:
		a->flags = PICK(s, whence);
		a->off = gen_off(s);
		break;
	case OP_SEEK_DATA:
		a->flags = chance(s, 50) ? SEEK_DATA : SEEK_HOLE;
		a->off = gen_off(s);
		break;
	case OP_FTRUNCATE:
	case OP_TRUNCATE_PATH:
		a->len = gen_size(s);
		break;
	case OP_FALLOCATE:
		a->flags = gen_falloc_mode(s);
		a->off = gen_off(s);
		a->len = chance(s, 80) ? gen_iolen(s) : gen_size(s);
		/*
		 * Never ask for more than a little memory: a valid range of an
		 * allocating mode is kept short.
		 */
		if (!(a->flags & FALLOC_FL_PUNCH_HOLE) && a->off >= 0 && a->len > 0 &&
		    (unsigned __int128)a->off + a->len <= INT64_MAX &&
		    a->len > 512 * 1024)
			a->len = 1 + below(s, 512 * 1024);
		break;
	case OP_MMAP:
		a->b = pick_slot(s, g->map, NMAP, 0, 60);
		a->flags = gen_prot(s);
		a->flags2 = gen_map_flags(s);
		a->off = chance(s, 40) ? 0 : chance(s, 75) ? (int64_t)below(s, 24) * PAGE :
						      PICK(s, map_edge_off);
		a->len = chance(s, 88) ? (int64_t)(1 + below(s, MAXPAGES)) * PAGE :
					 PICK(s, map_edge_len);
		break;
	case OP_MUNMAP:
		a->b = pick_slot(s, g->map, NMAP, 1, 92);
		break;
	case OP_MPROTECT:
	case OP_MADVISE:
		a->b = pick_slot(s, g->map, NMAP, 1, 92);
		a->flags = type == OP_MPROTECT ? gen_prot(s) : PICK(s, advice);
		/*
		 * First page and page count, kept within the mapping when run:
		 * beyond it are other mappings (the other side's among them).
		 */
		a->off = chance(s, 60) ? 0 : below(s, MAXPAGES);
		a->len = chance(s, 60) ? MAXPAGES : 1 + below(s, MAXPAGES);
		break;
	case OP_MWRITE:
		a->b = pick_slot(s, g->map, NMAP, 1, 92);
		a->off = below(s, MAXPAGES * PAGE);
		a->len = chance(s, 50) ? 1 + below(s, 64) : 1 + below(s, 3 * PAGE);
		break;
	case OP_ADD_SEALS:
		a->flags = gen_seals(s);
		break;
	case OP_FCHMOD:
	case OP_CHMOD_PATH:
		a->flags = gen_mode(s);
		break;
	}
}

/* What a (run in the parent) leaves live, as far as the generator knows. */
static void gen_update(struct gen *g, const struct args *a)
{
	switch (a->type) {
	case OP_CREATE:
		g->fd[a->a] = 1;
		break;
	case OP_CLOSE:
		g->fd[a->a] = 0;
		break;
	case OP_DUP:
	case OP_REOPEN:
	case OP_OPEN_RO:
		if (g->fd[a->a])
			g->fd[a->b] = 1;
		break;
	case OP_MMAP:
		if (g->fd[a->a])
			g->map[a->b] = 1;
		break;
	case OP_MUNMAP:
		g->map[a->b] = 0;
		break;
	}
}

static unsigned int weight[NR_OPS];	/* op_weight less SEALFS_FUZZ_EXCLUDE */

static int gen_type(uint64_t *s)
{
	unsigned int total = 0, r;

	for (int i = 0; i < NR_OPS; i++)
		total += weight[i];
	r = below(s, total);
	for (int i = 0; i < NR_OPS; i++) {
		if (r < weight[i])
			return i;
		r -= weight[i];
	}
	return OP_PWRITE;
}

/* Episode ep of seed: its operations, the first a create in slot 0. */
static int gen_episode(uint64_t seed, uint64_t ep, struct op *ops)
{
	uint64_t x = seed * 0x100000001b3ULL ^ (ep + 1) * 0x9e3779b97f4a7c15ULL;
	uint64_t s = splitmix64(&x) | 1;
	int n = 8 + below(&s, MAX_EP_OPS - 8);

	struct gen g = { 0 };

	memset(ops, 0, n * sizeof(*ops));
	gen_args(&s, &ops[0].m, OP_CREATE, &g);
	ops[0].m.a = 0;
	gen_update(&g, &ops[0].m);
	if (chance(&s, 85))
		ops[0].m.flags = SEALFS_ALLOW_SEALING | (chance(&s, 50) ? SEALFS_CLOEXEC : 0) |
				 (chance(&s, 20) ? SEALFS_NOEXEC_SEAL : 0);
	for (int i = 1; i < n; i++) {
		int t = gen_type(&s);

		gen_args(&s, &ops[i].m, t, &g);
		if (t == OP_FORK) {
			struct gen gc = g;	/* the child's changes stay there */

			do
				t = gen_type(&s);
			while (t == OP_FORK);
			gen_args(&s, &ops[i].child, t, &gc);
		}
		gen_update(&g, &ops[i].m);
	}
	return n;
}

/* --- printing --- */

struct bitname {
	uint64_t bit;
	const char *name;
};

static char *fmt_bits(char *buf, size_t size, uint64_t v, const struct bitname *t,
		      size_t n, const char *zero)
{
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i].bit && (v & t[i].bit) == t[i].bit) {
			len += snprintf(buf + len, size - len, "%s%s", len ? "|" : "", t[i].name);
			v &= ~t[i].bit;
		}
	}
	if (v || !len)
		snprintf(buf + len, size - len, "%s%s", len ? "|" : "",
			 !v && zero ? zero : "");
	if (v) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%#" PRIx64, v);
	}
	return buf;
}

#define BITS(buf, v, t, zero) fmt_bits(buf, sizeof(buf), v, t, sizeof(t) / sizeof(t[0]), zero)

static const struct bitname seal_names[] = {
	{ SEALFS_SEAL_SEAL, "SEAL" }, { SEALFS_SEAL_SHRINK, "SHRINK" },
	{ SEALFS_SEAL_GROW, "GROW" }, { SEALFS_SEAL_WRITE, "WRITE" },
	{ SEALFS_SEAL_FUTURE_WRITE, "FUTURE_WRITE" }, { SEALFS_SEAL_EXEC, "EXEC" },
	{ SEALFS_SEAL_FUTURE_EXEC, "FUTURE_EXEC" },
};

static const struct bitname create_names[] = {
	{ SEALFS_CLOEXEC, "CLOEXEC" }, { SEALFS_ALLOW_SEALING, "ALLOW_SEALING" },
	{ MFD_HUGETLB_FLAG, "HUGETLB" }, { SEALFS_NOEXEC_SEAL, "NOEXEC_SEAL" },
	{ SEALFS_EXEC, "EXEC" }, { 21U << 26, "HUGE_2MB" },
};

static const struct bitname open_names[] = {
	{ O_WRONLY, "O_WRONLY" }, { O_RDWR, "O_RDWR" }, { O_TRUNC, "O_TRUNC" },
	{ O_APPEND, "O_APPEND" }, { O_CLOEXEC, "O_CLOEXEC" },
};

static const struct bitname prot_names[] = {
	{ PROT_READ, "READ" }, { PROT_WRITE, "WRITE" }, { PROT_EXEC, "EXEC" },
	{ PROT_SEM, "SEM" }, { PROT_GROWSDOWN, "GROWSDOWN" }, { PROT_GROWSUP, "GROWSUP" },
};

static const struct bitname map_names[] = {
	{ MAP_SHARED_VALIDATE, "SHARED_VALIDATE" }, { MAP_SHARED, "SHARED" },
	{ MAP_PRIVATE, "PRIVATE" }, { MAP_POPULATE, "POPULATE" },
	{ MAP_NORESERVE, "NORESERVE" }, { MAP_LOCKED, "LOCKED" }, { MAP_SYNC, "SYNC" },
	{ MAP_HUGETLB, "HUGETLB" }, { MAP_DENYWRITE, "DENYWRITE" },
	{ MAP_EXECUTABLE, "EXECUTABLE" }, { MAP_GROWSDOWN, "GROWSDOWN" },
	{ MAP_STACK, "STACK" }, { MAP_32BIT, "32BIT" }, { MAP_ANONYMOUS, "ANONYMOUS" },
	{ MAP_UNINITIALIZED, "UNINITIALIZED" },
};

static const struct bitname falloc_names[] = {
	{ FALLOC_FL_KEEP_SIZE, "KEEP_SIZE" }, { FALLOC_FL_PUNCH_HOLE, "PUNCH_HOLE" },
	{ FALLOC_FL_COLLAPSE_RANGE, "COLLAPSE_RANGE" }, { FALLOC_FL_ZERO_RANGE, "ZERO_RANGE" },
	{ FALLOC_FL_INSERT_RANGE, "INSERT_RANGE" }, { FALLOC_FL_UNSHARE_RANGE, "UNSHARE_RANGE" },
};

static const char *advice_name(uint32_t a)
{
	switch (a) {
	case MADV_REMOVE: return "MADV_REMOVE";
	case MADV_DONTNEED: return "MADV_DONTNEED";
	case MADV_WILLNEED: return "MADV_WILLNEED";
	case MADV_POPULATE_READ: return "MADV_POPULATE_READ";
	case MADV_POPULATE_WRITE: return "MADV_POPULATE_WRITE";
	case MADV_COLD: return "MADV_COLD";
	case MADV_PAGEOUT: return "MADV_PAGEOUT";
	case MADV_FREE: return "MADV_FREE";
	case MADV_DONTFORK: return "MADV_DONTFORK";
	case MADV_DOFORK: return "MADV_DOFORK";
	case MADV_WIPEONFORK: return "MADV_WIPEONFORK";
	case MADV_SEQUENTIAL: return "MADV_SEQUENTIAL";
	case MADV_NORMAL: return "MADV_NORMAL";
	case MADV_HUGEPAGE: return "MADV_HUGEPAGE";
	case MADV_COLLAPSE: return "MADV_COLLAPSE";
	case MADV_DONTDUMP: return "MADV_DONTDUMP";
	}
	return "?";
}

static const char *whence_name(uint32_t w)
{
	static const char *const names[] = {
		"SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE",
	};

	return w < 5 ? names[w] : "5 (invalid)";
}

static const char *const create_name_desc[] = {
	"\"\"", "\"fuzz\"", "249 x 'x'", "250 x 'x'",
};

static char *describe(const struct args *a, char *out, size_t size)
{
	char b1[160], b2[160];

	switch (a->type) {
	case OP_CREATE:
		snprintf(out, size, "fd%d = create(%s, %s)", a->a, create_name_desc[a->flags2 & 3],
			 BITS(b1, a->flags, create_names, "0"));
		break;
	case OP_CLOSE:
		snprintf(out, size, "close(fd%d)", a->a);
		break;
	case OP_DUP:
		snprintf(out, size, "fd%d = dup(fd%d)%s", a->b, a->a,
			 a->flags ? " with O_CLOEXEC" : "");
		break;
	case OP_REOPEN:
		snprintf(out, size, "fd%d = open(\"/proc/self/fd/<fd%d>\", %s)", a->b, a->a,
			 BITS(b1, a->flags, open_names, "O_RDONLY"));
		break;
	case OP_OPEN_RO:
		snprintf(out, size, "fd%d = ioctl(fd%d, SEALFS_IOC_OPEN_READONLY, %s)", a->b, a->a,
			 BITS(b1, a->flags, open_names, "0"));
		break;
	case OP_WRITE:
	case OP_READ:
		snprintf(out, size, "%s(fd%d, len %" PRId64 ")%s", op_names[a->type], a->a,
			 a->len, a->type == OP_WRITE ? " of pattern" : "");
		if (a->type == OP_WRITE)
			snprintf(out + strlen(out), size - strlen(out), " %#x", a->byte);
		break;
	case OP_PWRITE:
	case OP_PREAD:
		snprintf(out, size, "%s(fd%d, len %" PRId64 ", off %" PRId64 ")", op_names[a->type],
			 a->a, a->len, a->off);
		break;
	case OP_LSEEK:
	case OP_SEEK_DATA:
		snprintf(out, size, "lseek(fd%d, %" PRId64 ", %s)", a->a, a->off, whence_name(a->flags));
		break;
	case OP_FTRUNCATE:
		snprintf(out, size, "ftruncate(fd%d, %" PRId64 ")", a->a, a->len);
		break;
	case OP_TRUNCATE_PATH:
		snprintf(out, size, "truncate(\"/proc/self/fd/<fd%d>\", %" PRId64 ")", a->a, a->len);
		break;
	case OP_FALLOCATE:
		snprintf(out, size, "fallocate(fd%d, %s, off %" PRId64 ", len %" PRId64 ")", a->a,
			 BITS(b1, a->flags, falloc_names, "0"), a->off, a->len);
		break;
	case OP_MMAP:
		snprintf(out, size, "map%d = mmap(len %" PRId64 ", %s, %s, fd%d, off %" PRId64 ")",
			 a->b % NMAP, a->len, BITS(b1, a->flags, prot_names, "PROT_NONE"),
			 BITS(b2, a->flags2, map_names, "0"), a->a, a->off);
		break;
	case OP_MUNMAP:
		snprintf(out, size, "munmap(map%d)", a->b % NMAP);
		break;
	case OP_MPROTECT:
		snprintf(out, size, "mprotect(map%d + page %" PRId64 ", %" PRId64 " pages, %s)",
			 a->b % NMAP, a->off, a->len, BITS(b1, a->flags, prot_names, "PROT_NONE"));
		break;
	case OP_MADVISE:
		snprintf(out, size, "madvise(map%d + page %" PRId64 ", %" PRId64 " pages, %s)",
			 a->b % NMAP, a->off, a->len, advice_name(a->flags));
		break;
	case OP_MWRITE:
		snprintf(out, size, "memset(map%d + %" PRId64 ", %#x, %" PRId64 ")",
			 a->b % NMAP, a->off, a->byte, a->len);
		break;
	case OP_ADD_SEALS:
		snprintf(out, size, "add_seals(fd%d, %s)", a->a, BITS(b1, a->flags, seal_names, "0"));
		break;
	case OP_FCHMOD:
		snprintf(out, size, "fchmod(fd%d, %04o)", a->a, a->flags);
		break;
	case OP_CHMOD_PATH:
		snprintf(out, size, "chmod(\"/proc/self/fd/<fd%d>\", %04o)", a->a, a->flags);
		break;
	default:
		snprintf(out, size, "op %d", a->type);
	}
	return out;
}

static char *describe_op(const struct op *op, char *out, size_t size)
{
	char child[300];

	if (op->m.type != OP_FORK)
		return describe(&op->m, out, size);
	snprintf(out, size, "fork: in the child, %s; exit",
		 describe(&op->child, child, sizeof(child)));
	return out;
}

/* The outcome of op (of its child's operation for a fork). */
static char *describe_res(const struct op *op, const struct res *r, char *out, size_t size)
{
	const struct args *a = op->m.type == OP_FORK ? &op->child : &op->m;

	if (r->ret == -2)
		snprintf(out, size, "skipped (empty slot)");
	else if (a->type == OP_MWRITE && r->err)
		snprintf(out, size, "%" PRId64 " bytes, then signal %d (%s)", r->ret, r->err,
			 strsignal(r->err));
	else if (r->ret == -1)
		snprintf(out, size, "-1 %s (%s)", strerrorname_np(r->err) ?: "?", strerror(r->err));
	else
		snprintf(out, size, "%" PRId64, r->ret);
	if (op->m.type == OP_FORK)
		snprintf(out + strlen(out), size - strlen(out), ", wait status %#" PRIx64,
			 r->extra);
	else if ((a->type == OP_READ || a->type == OP_PREAD) && r->ret > 0)
		snprintf(out + strlen(out), size - strlen(out), ", data hash %016" PRIx64, r->extra);
	return out;
}

/* --- faults as outcomes --- */

static sigjmp_buf fault_jb;
static volatile sig_atomic_t fault_armed;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	char msg[128];
	int len;

	if (fault_armed) {
		fault_armed = 0;
		siglongjmp(fault_jb, sig);
	}
	len = snprintf(msg, sizeof(msg), "# fuzzer bug: signal %d at %p, ip %#llx\n", sig,
		       si->si_addr, (unsigned long long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP]);
	write(2, msg, len);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Protection keys: an mprotect(PROT_EXEC) mapping gets the execute-only
 * key, and a signal handler runs with another PKRU, which siglongjmp does
 * not undo (sigreturn would).  PKRU is saved before each guarded access
 * and restored after a fault, so that every probe sees the same PKRU.
 */
static int has_pku;

static uint32_t pkru_read(void)
{
#ifdef __x86_64__
	uint32_t eax, edx;

	if (has_pku) {
		asm volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
		return eax;
	}
#endif
	return 0;
}

static void pkru_write(uint32_t v)
{
#ifdef __x86_64__
	if (has_pku)
		asm volatile(".byte 0x0f, 0x01, 0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
#else
	(void)v;
#endif
}

static void install_fault_handler(void)
{
	struct sigaction sa = { .sa_sigaction = fault_handler, .sa_flags = SA_NODEFER | SA_SIGINFO };

#ifdef __x86_64__
	uint32_t eax = 7, ebx, ecx = 0, edx;

	asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	has_pku = !!(ecx & (1U << 4));	/* OSPKE */
#endif
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* Read one byte of p: 0, or the signal it raised. */
static int __attribute__((noinline)) probe(const char *p)
{
	volatile uint32_t pkru = pkru_read();
	int sig = sigsetjmp(fault_jb, 0);

	if (sig) {
		pkru_write(pkru);
		return sig;
	}
	fault_armed = 1;
	(void)*(const volatile char *)p;
	fault_armed = 0;
	return 0;
}

/* memset within one page: 0, or the signal it raised (at the first byte). */
static int __attribute__((noinline)) guarded_memset(char *p, int c, size_t n)
{
	volatile uint32_t pkru = pkru_read();
	int sig = sigsetjmp(fault_jb, 0);

	if (sig) {
		pkru_write(pkru);
		return sig;
	}
	fault_armed = 1;
	memset(p, c, n);
	fault_armed = 0;
	return 0;
}

/* --- the two sides --- */

static void side_init(struct side *sd, enum kind k)
{
	memset(sd, 0, sizeof(*sd));
	sd->k = k;
	for (int i = 0; i < NFD; i++)
		sd->fd[i] = sd->fid[i] = sd->obs[i] = -1;
}

static void put_file(struct side *sd, int fid)
{
	if (fid < 0)
		return;
	for (int i = 0; i < NFD; i++)
		if (sd->fid[i] == fid)
			return;
	close(sd->obs[fid]);
	sd->obs[fid] = -1;
	sd->future_exec[fid] = 0;
}

static int slot_close(struct side *sd, int slot)
{
	int fid = sd->fid[slot], ret = 0;

	if (sd->fd[slot] < 0)
		return -2;
	ret = close(sd->fd[slot]);
	sd->fd[slot] = sd->fid[slot] = -1;
	put_file(sd, fid);
	return ret;
}

/* Put fd, a descriptor of file fid, in slot (closing what was there). */
static void slot_set(struct side *sd, int slot, int fd, int fid)
{
	int old = sd->fd[slot], oldfid = sd->fid[slot];

	sd->fd[slot] = fd;
	sd->fid[slot] = fid;
	if (old >= 0)
		close(old);
	put_file(sd, oldfid);
}

static void side_reset(struct side *sd)
{
	for (int i = 0; i < NMAP; i++)
		if (sd->map[i].addr)
			munmap(sd->map[i].addr, sd->map[i].pages * PAGE);
	for (int i = 0; i < NFD; i++)
		slot_close(sd, i);
	side_init(sd, sd->k);
}

static char *proc_path(int fd, char buf[40])
{
	snprintf(buf, 40, "/proc/self/fd/%d", fd);
	return buf;
}

static uint64_t hash(const char *p, int64_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int64_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

static void fill(char *p, int64_t n, uint8_t byte)
{
	for (int64_t i = 0; i < n; i++)
		p[i] = byte + (i * 7) + (i >> 9);
}

static const char *create_name(uint32_t choice)
{
	static char n249[250], n250[251];

	if (!n249[0]) {
		memset(n249, 'x', 249);
		memset(n250, 'x', 250);
	}
	switch (choice & 3) {
	case 0: return "";
	case 1: return "fuzz";
	case 2: return n249;
	default: return n250;
	}
}

/*
 * SEALFS_FUZZ_SELFTEST: a failing truncate of a sealfs file while a
 * mapping exists reports EACCES instead of EPERM, a fake bug that needs a
 * few steps (create, seal, map, truncate) to show.
 */
static void perturb(const struct side *sd, const struct args *a, struct res *r)
{
	int mapped = 0;

	if (!selftest || sd->k != SEALFS)
		return;
	for (int i = 0; i < NMAP; i++)
		mapped |= sd->map[i].addr != NULL;
	if ((a->type == OP_FTRUNCATE || a->type == OP_TRUNCATE_PATH) && r->ret == -1 &&
	    r->err == EPERM && mapped)
		r->err = EACCES;
}

/*
 * --- sealing beyond memfd: the memfd side's model of spec 9 ---
 *
 * sealfs's additions are compared against memfd doing what memfd does,
 * plus the smallest step that gives the addition's effect:
 *  - SEALFS_SEAL_FUTURE_EXEC: memfd adds the other bits (it refuses bit 6),
 *    and the side remembers the seal: GET_SEALS reports it, a new mapping
 *    with PROT_EXEC fails with EPERM once the kernel has accepted it, and a
 *    mapping made from then on cannot gain PROT_EXEC (EACCES);
 *  - F_SEAL_WRITE (or the one F_SEAL_EXEC implies) while only read-only
 *    shared mappings exist: where memfd says EBUSY and no shared mapping of
 *    the file is writable, each shared one with VM_MAYWRITE is mapped anew,
 *    over itself, from the file's read-only descriptor (the same pages,
 *    protection and madvise state, without VM_MAYWRITE, which is what
 *    sealfs leaves), and memfd is asked again;
 *  - SEALFS_IOC_OPEN_READONLY: the reopen of /proc/self/fd/N with O_RDONLY
 *    it stands for, after its checks of the argument (EINVAL) and of the
 *    descriptor (EBADF unless readable).
 * All mappings of both sides are in this one process (a child's end with
 * it), so /proc/self/smaps shows every mapping of a file.
 */

/* How often the model stood in for memfd, over the runs of a group. */
struct model_counts {
	long write_seals;	/* F_SEAL_WRITE with read-only shared maps */
	long future_exec;	/* FUTURE_EXEC added */
	long exec_refused;	/* PROT_EXEC refused under it (mmap, mprotect) */
	long open_ro;		/* SEALFS_IOC_OPEN_READONLY */
};

static struct model_counts *model;	/* shared with the episode children */

/* A shared mapping of a file, as /proc/self/smaps shows it. */
struct shared_vma {
	unsigned long start, end, pgoff;
	int prot, maywrite, writable;
	int advice[6], nadvice;
};

/*
 * The shared mappings (VM_SHARED) of the file of fd, at most max of them;
 * how many there are, or -1.
 */
static int shared_vmas(int fd, struct shared_vma *v, int max)
{
	static const struct { const char *flag; int advice; } kept[] = {
		{ "dc", MADV_DONTFORK }, { "sr", MADV_SEQUENTIAL }, { "rr", MADV_RANDOM },
		{ "hg", MADV_HUGEPAGE }, { "nh", MADV_NOHUGEPAGE }, { "dd", MADV_DONTDUMP },
	};
	unsigned long start, end, pgoff, ino;
	unsigned int major, minor;
	char line[512], perms[8];
	struct stat st;
	int n = 0, ours = 0, shared;
	FILE *f;

	if (fstat(fd, &st))
		return -1;
	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct shared_vma *x = &v[n];
		char *tok;

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms, &pgoff,
			   &major, &minor, &ino) == 7) {
			ours = ino == st.st_ino && major == major(st.st_dev) &&
			       minor == minor(st.st_dev);
			if (ours && n < max) {
				memset(x, 0, sizeof(*x));
				x->start = start;
				x->end = end;
				x->pgoff = pgoff;
				x->prot = (perms[0] == 'r' ? PROT_READ : 0) |
					  (perms[1] == 'w' ? PROT_WRITE : 0) |
					  (perms[2] == 'x' ? PROT_EXEC : 0);
			}
			continue;
		}
		if (!ours || strncmp(line, "VmFlags:", 8))
			continue;
		ours = shared = 0;
		if (n == max) {
			n = -1;		/* more than the caller has room for */
			break;
		}
		for (tok = strtok(line + 8, " \n"); tok; tok = strtok(NULL, " \n")) {
			shared |= !strcmp(tok, "sh");
			x->maywrite |= !strcmp(tok, "mw");
			x->writable |= !strcmp(tok, "wr");
			for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
				if (!strcmp(tok, kept[i].flag))
					x->advice[x->nadvice++] = kept[i].advice;
		}
		/* Not VM_SHARED: private, or of a read-only descriptor. */
		n += shared;
	}
	fclose(f);
	return n;
}

/* memfd's F_ADD_SEALS, with the model of FUTURE_EXEC and of spec 9's F_SEAL_WRITE. */
static int memfd_add_seals(struct side *sd, int fd, int fid, uint32_t seals)
{
	/* Each page of each mapping of the side could be a VMA of its own. */
	struct shared_vma v[NMAP * 4 * MAXPAGES];
	int ret = fcntl(fd, F_ADD_SEALS, seals & ~SEALFS_SEAL_FUTURE_EXEC), n, i;

	if (ret == -1 && errno == EBUSY) {
		n = shared_vmas(fd, v, sizeof(v) / sizeof(v[0]));
		for (i = 0; i < n && !v[i].writable; i++)
			;
		if (n <= 0 || i < n) {
			errno = EBUSY;
			return -1;	/* memfd's answer stands */
		}
		for (i = 0; i < n; i++) {
			size_t len = v[i].end - v[i].start;

			if (!v[i].maywrite)
				continue;
			if (mmap((void *)v[i].start, len, v[i].prot, MAP_SHARED | MAP_FIXED,
				 sd->obs[fid], v[i].pgoff) != (void *)v[i].start) {
				perror("fuzz: mapping a read-only shared map again");
				abort();
			}
			for (int j = 0; j < v[i].nadvice; j++)
				madvise((void *)v[i].start, len, v[i].advice[j]);
		}
		ret = fcntl(fd, F_ADD_SEALS, seals & ~SEALFS_SEAL_FUTURE_EXEC);
		model->write_seals += ret == 0;
	}
	if (ret == 0 && (seals & SEALFS_SEAL_FUTURE_EXEC)) {
		sd->future_exec[fid] = 1;
		model->future_exec++;
	}
	return ret;
}

/* SEALFS_IOC_OPEN_READONLY, as the /proc reopen it stands for. */
static int memfd_open_readonly(int fd, uint32_t arg)
{
	char path[40];
	int fl = fcntl(fd, F_GETFL);

	if (arg & ~(uint32_t)O_CLOEXEC) {
		errno = EINVAL;
		return -1;
	}
	if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY) {
		errno = EBADF;
		return -1;
	}
	model->open_ro++;
	return open(proc_path(fd, path), O_RDONLY | arg);
}

static void exec_args(struct side *sd, const struct args *a, struct res *r);

static void exec_fork(struct side *sd, const struct args *child, struct res *r)
{
	int status;
	pid_t pid;

	/*
	 * The memfd side's model of adding seals lives in its side table and
	 * in its mappings (memfd_add_seals()), which a child cannot change
	 * for its parent, while a sealfs seal added in a child changes the
	 * file and the parent's mappings: the parent adds them, and the
	 * child only exits, for the wait status.
	 */
	if (sd->k == MEMFD && child->type == OP_ADD_SEALS) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			status = -1;
		exec_args(sd, child, r);
		r->extra = (uint32_t)status;
		return;
	}

	memset(child_res, 0, sizeof(*child_res));
	child_res->ret = -3;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r->ret = -1;
		r->err = errno;
		return;
	}
	if (pid == 0) {
		struct res cr;

		exec_args(sd, child, &cr);
		*child_res = cr;
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	*r = *child_res;
	r->extra = (uint32_t)status;
}

static void exec_args(struct side *sd, const struct args *a, struct res *r)
{
	int fd = sd->fd[a->a], fid = sd->fid[a->a];
	struct map *m = &sd->map[a->b % NMAP];
	char path[40];
	int64_t ret = -2;

	memset(r, 0, sizeof(*r));
	/* Operations on a descriptor slot need it live. */
	switch (a->type) {
	case OP_CREATE:
	case OP_MUNMAP:
	case OP_MPROTECT:
	case OP_MWRITE:
	case OP_MADVISE:
	case OP_FORK:
		break;
	default:
		if (fd < 0) {
			r->ret = -2;
			return;
		}
	}
	errno = 0;
	switch (a->type) {
	case OP_CREATE: {
		int nfid = 0, nfd;

		slot_close(sd, a->a);
		while (nfid < NFD && sd->obs[nfid] >= 0)
			nfid++;
		if (nfid == NFD)
			abort();	/* cannot be: a slot was just freed */
		nfd = kind_create(sd->k, create_name(a->flags2), a->flags);
		/*
		 * MFD_HUGETLB: memfd gives ENOSYS on a kernel without
		 * hugetlbfs, sealfs EINVAL (documented); a memfd hugetlb file
		 * on another kernel is closed and counted as EINVAL too.
		 */
		if (sd->k == MEMFD && (a->flags & MFD_HUGETLB_FLAG) &&
		    (nfd >= 0 || errno == ENOSYS)) {
			if (nfd >= 0)
				close(nfd);
			nfd = -1;
			errno = EINVAL;
		}
		if (nfd >= 0) {
			sd->obs[nfid] = open(proc_path(nfd, path), O_RDONLY | O_CLOEXEC);
			if (sd->obs[nfid] < 0) {
				perror("observer reopen");
				abort();
			}
			sd->fd[a->a] = nfd;
			sd->fid[a->a] = nfid;
		}
		ret = nfd >= 0 ? 0 : -1;
		break;
	}
	case OP_CLOSE:
		ret = slot_close(sd, a->a);
		break;
	case OP_DUP: {
		int nfd = fcntl(fd, a->flags ? F_DUPFD_CLOEXEC : F_DUPFD, 0);

		if (nfd >= 0)
			slot_set(sd, a->b, nfd, fid);
		ret = nfd >= 0 ? 0 : -1;
		break;
	}
	case OP_REOPEN: {
		int nfd = open(proc_path(fd, path), a->flags);

		if (nfd >= 0)
			slot_set(sd, a->b, nfd, fid);
		ret = nfd >= 0 ? 0 : -1;
		break;
	}
	case OP_OPEN_RO: {
		int nfd = sd->k == MEMFD ? memfd_open_readonly(fd, a->flags) :
					   ioctl(fd, SEALFS_IOC_OPEN_READONLY, a->flags);

		if (nfd >= 0)
			slot_set(sd, a->b, nfd, fid);
		ret = nfd >= 0 ? 0 : -1;
		break;
	}
	case OP_WRITE:
		fill(wbuf, a->len, a->byte);
		ret = write(fd, wbuf, a->len);
		break;
	case OP_PWRITE:
		fill(wbuf, a->len, a->byte);
		ret = pwrite(fd, wbuf, a->len, a->off);
		break;
	case OP_READ:
		ret = read(fd, rbuf, a->len);
		if (ret > 0)
			r->extra = hash(rbuf, ret);
		break;
	case OP_PREAD:
		ret = pread(fd, rbuf, a->len, a->off);
		if (ret > 0)
			r->extra = hash(rbuf, ret);
		break;
	case OP_SEEK_DATA: {
		struct stat st;

		/*
		 * memfd's mapping_seek_hole_data() overflows when a folio ends
		 * at 2^63 and answers ENXIO (documented in sealfs.rst): with
		 * the size that close to the limit, neither side seeks.
		 */
		if (!fstat(fd, &st) && st.st_size > INT64_MAX - (2 << 20)) {
			ret = 0;
			errno = 0;
			break;
		}
		ret = lseek(fd, a->off, a->flags);
		break;
	}
	case OP_LSEEK:
		ret = lseek(fd, a->off, a->flags);
		break;
	case OP_FTRUNCATE:
		ret = ftruncate(fd, a->len);
		break;
	case OP_TRUNCATE_PATH:
		ret = truncate(proc_path(fd, path), a->len);
		break;
	case OP_FALLOCATE:
		ret = fallocate(fd, a->flags, a->off, a->len);
		break;
	case OP_MMAP: {
		int noexec;
		void *p;

		if (m->addr) {
			munmap(m->addr, m->pages * PAGE);
			m->addr = NULL;
		}
		p = mmap(NULL, a->len, a->flags, a->flags2, fd, a->off);
		/* MAP_ANONYMOUS ignores the descriptor: not a mapping of the file. */
		noexec = sd->future_exec[fid] && !(a->flags2 & MAP_ANONYMOUS);
		if (p != MAP_FAILED && noexec && (a->flags & PROT_EXEC)) {
			/* The model: FUTURE_EXEC refuses it after every other check. */
			munmap(p, a->len);
			p = MAP_FAILED;
			errno = EPERM;
			model->exec_refused++;
		}
		if (p != MAP_FAILED) {
			m->addr = p;
			m->pages = (a->len + PAGE - 1) / PAGE;
			m->noexec = noexec;
			if (m->pages > 4 * MAXPAGES)	/* never: such lengths fail */
				abort();
		}
		ret = p == MAP_FAILED ? -1 : 0;
		break;
	}
	case OP_MUNMAP:
		if (!m->addr)
			break;
		ret = munmap(m->addr, m->pages * PAGE);
		m->addr = NULL;
		break;
	case OP_MPROTECT:
	case OP_MADVISE: {
		int64_t start, n = a->len;

		if (!m->addr)
			break;
		start = a->off % m->pages;
		if (n > m->pages - start)
			n = m->pages - start;
		if (a->type == OP_MPROTECT && m->noexec && (a->flags & PROT_EXEC) &&
		    !(a->flags & (PROT_GROWSDOWN | PROT_GROWSUP))) {
			/* The model: no VM_MAYEXEC (other prot bits fail before). */
			ret = -1;
			errno = EACCES;
			model->exec_refused++;
		} else if (a->type == OP_MPROTECT)
			ret = mprotect(m->addr + start * PAGE, n * PAGE, a->flags);
		else
			ret = madvise(m->addr + start * PAGE, n * PAGE, a->flags);
		break;
	}
	case OP_MWRITE: {
		int64_t off, end, done = 0;

		if (!m->addr)
			break;
		off = a->off % (m->pages * PAGE);
		end = off + a->len;
		if (end > m->pages * PAGE)
			end = m->pages * PAGE;
		while (off < end) {
			int64_t chunk = PAGE - off % PAGE;
			int sig;

			if (chunk > end - off)
				chunk = end - off;
			sig = guarded_memset(m->addr + off, a->byte, chunk);
			if (sig) {
				r->err = sig;
				break;
			}
			done += chunk;
			off += chunk;
		}
		r->ret = done;
		return;
	}
	case OP_ADD_SEALS:
		ret = sd->k == MEMFD ? memfd_add_seals(sd, fd, fid, a->flags) :
				       kind_add_seals(sd->k, fd, a->flags);
		break;
	case OP_FCHMOD:
		ret = fchmod(fd, a->flags);
		break;
	case OP_CHMOD_PATH:
		ret = chmod(proc_path(fd, path), a->flags);
		break;
	}
	r->ret = ret < 0 ? (ret == -2 ? -2 : -1) : ret;
	if (r->ret == -1)
		r->err = errno;
	perturb(sd, a, r);
}

/* --- comparing --- */

enum what {
	W_RESULT = 1, W_SLOT, W_STAT, W_SEALS, W_FLAGS, W_POS, W_CONTENT, W_MAP, W_DIED,
};

static int differ(struct mismatch *mm, const struct args *a, enum what w, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int differ(struct mismatch *mm, const struct args *a, enum what w, const char *fmt, ...)
{
	va_list ap;

	mm->sig = a->type * 64 + w;
	va_start(ap, fmt);
	vsnprintf(mm->what, sizeof(mm->what), fmt, ap);
	va_end(ap);
	return 1;
}

/* What is compared of a file, through its observer descriptor. */
struct filestate {
	struct stat st;
	int stat_ret, seals, seals_err;
};

static void file_state(const struct side *sd, int fid, struct filestate *s)
{
	memset(s, 0, sizeof(*s));
	s->stat_ret = fstat(sd->obs[fid], &s->st);
	errno = 0;
	s->seals = kind_get_seals(sd->k, sd->obs[fid]);
	s->seals_err = s->seals < 0 ? errno : 0;
	if (s->seals >= 0 && sd->future_exec[fid])
		s->seals |= SEALFS_SEAL_FUTURE_EXEC;
}

static int compare_file(const struct side *sa, const struct side *sb, int fid,
			const struct args *a, struct mismatch *mm)
{
	struct filestate x, y;
	int64_t na, nb, off;

	file_state(sa, fid, &x);
	file_state(sb, fid, &y);
	if (x.stat_ret || y.stat_ret)
		return differ(mm, a, W_STAT, "file %d: fstat failed", fid);
	if (x.st.st_size != y.st.st_size)
		return differ(mm, a, W_STAT, "file %d: size %jd on memfd, %jd on sealfs", fid,
			      (intmax_t)x.st.st_size, (intmax_t)y.st.st_size);
	if (x.st.st_mode != y.st.st_mode)
		return differ(mm, a, W_STAT, "file %d: st_mode %#o on memfd, %#o on sealfs", fid,
			      x.st.st_mode, y.st.st_mode);
	if (x.st.st_nlink != y.st.st_nlink)
		return differ(mm, a, W_STAT, "file %d: st_nlink %ju on memfd, %ju on sealfs", fid,
			      (uintmax_t)x.st.st_nlink, (uintmax_t)y.st.st_nlink);
	if (x.seals != y.seals || x.seals_err != y.seals_err)
		return differ(mm, a, W_SEALS, "file %d: seals %#x (errno %d) on memfd, %#x (errno %d) on sealfs",
			      fid, x.seals, x.seals_err, y.seals, y.seals_err);
	/* The first CMP_HEAD bytes, and the last CMP_TAIL of a larger file. */
	for (int pass = 0; pass < 2; pass++) {
		int64_t len = pass ? CMP_TAIL : CMP_HEAD;

		off = 0;
		if (pass) {
			if (x.st.st_size <= CMP_HEAD)
				break;
			off = (x.st.st_size - CMP_TAIL) & ~(PAGE - 1);
			if (off < CMP_HEAD)
				off = CMP_HEAD;
		}
		na = pread(sa->obs[fid], cbuf[0], len, off);
		na = na < 0 ? -errno : na;
		nb = pread(sb->obs[fid], cbuf[1], len, off);
		nb = nb < 0 ? -errno : nb;
		if (na != nb)
			return differ(mm, a, W_CONTENT,
				      "file %d: pread(%" PRId64 " bytes at %" PRId64 ") returned %" PRId64
				      " on memfd, %" PRId64 " on sealfs (negative: -errno)",
				      fid, len, off, na, nb);
		if (na > 0 && memcmp(cbuf[0], cbuf[1], na)) {
			int64_t i = 0;

			while (cbuf[0][i] == cbuf[1][i])
				i++;
			return differ(mm, a, W_CONTENT,
				      "file %d: byte %" PRId64 " is %#x on memfd, %#x on sealfs",
				      fid, off + i, (uint8_t)cbuf[0][i], (uint8_t)cbuf[1][i]);
		}
	}
	return 0;
}

static int compare_state(const struct side *sa, const struct side *sb, const struct args *a,
			 struct mismatch *mm)
{
	/* Descriptor flags change only when a descriptor is made. */
	int new_fds = a->type == OP_CREATE || a->type == OP_DUP || a->type == OP_REOPEN ||
		      a->type == OP_OPEN_RO;

	for (int i = 0; i < NFD; i++) {
		int fa = sa->fd[i], fb = sb->fd[i];
		off_t pa, pb;

		if ((fa < 0) != (fb < 0) || sa->fid[i] != sb->fid[i])
			return differ(mm, a, W_SLOT, "fd%d: file %d on memfd, %d on sealfs",
				      i, sa->fid[i], sb->fid[i]);
		if (fa < 0)
			continue;
		if (new_fds) {
			int fla = fcntl(fa, F_GETFL), flb = fcntl(fb, F_GETFL);
			int fda = fcntl(fa, F_GETFD), fdb = fcntl(fb, F_GETFD);

			if (fla != flb || fda != fdb)
				return differ(mm, a, W_FLAGS,
					      "fd%d: F_GETFL %#o F_GETFD %d on memfd, %#o %d on sealfs",
					      i, fla, fda, flb, fdb);
		}
		pa = lseek(fa, 0, SEEK_CUR);
		pb = lseek(fb, 0, SEEK_CUR);
		if (pa != pb)
			return differ(mm, a, W_POS, "fd%d: offset %jd on memfd, %jd on sealfs", i,
				      (intmax_t)pa, (intmax_t)pb);
	}
	for (int f = 0; f < NFD; f++) {
		if ((sa->obs[f] < 0) != (sb->obs[f] < 0))
			return differ(mm, a, W_SLOT, "file %d open on one side only", f);
		if (sa->obs[f] >= 0 && compare_file(sa, sb, f, a, mm))
			return 1;
	}
	for (int i = 0; i < NMAP; i++) {
		const struct map *x = &sa->map[i], *y = &sb->map[i];

		if (!x->addr != !y->addr || x->pages != y->pages)
			return differ(mm, a, W_MAP, "map%d: %ld pages on memfd, %ld on sealfs", i,
				      x->addr ? x->pages : -1, y->addr ? y->pages : -1);
		if (!x->addr)
			continue;
		for (long p = 0; p < x->pages; p++) {
			const char *pa = x->addr + p * PAGE, *pb = y->addr + p * PAGE;
			int ra = probe(pa), rb = probe(pb);

			if (ra != rb)
				return differ(mm, a, W_MAP, "map%d page %ld: read gives %s on memfd, %s on sealfs",
					      i, p, ra ? strsignal(ra) : "data", rb ? strsignal(rb) : "data");
			if (!ra && memcmp(pa, pb, PAGE)) {
				long j = 0;

				while (pa[j] == pb[j])
					j++;
				return differ(mm, a, W_MAP,
					      "map%d page %ld byte %ld: %#x on memfd, %#x on sealfs",
					      i, p, j, (uint8_t)pa[j], (uint8_t)pb[j]);
			}
		}
	}
	return 0;
}

static int compare_res(const struct op *op, const struct res *ra, const struct res *rb,
		       struct mismatch *mm)
{
	char da[200], db[200];

	if (ra->ret == rb->ret && ra->err == rb->err && ra->extra == rb->extra)
		return 0;
	return differ(mm, &op->m, W_RESULT, "returned %s on memfd, %s on sealfs",
		      describe_res(op, ra, da, sizeof(da)), describe_res(op, rb, db, sizeof(db)));
}

/* --- running and shrinking --- */

static struct side side_a, side_b;

/* What a child running an episode tells its parent. */
struct shared {
	int step;		/* the step being run */
	int bad;		/* run_ops_here()'s value; -2 until it returns */
	long steps;
	struct mismatch mm;
};

static struct shared *shared;

/* Run ops from fresh files; the step of the first mismatch (in mm), or -1. */
static int run_ops_here(const struct op *ops, int n, struct mismatch *mm, long *steps)
{
	int bad = -1;

	side_init(&side_a, MEMFD);
	side_init(&side_b, SEALFS);
	for (int i = 0; i < n && bad < 0; i++) {
		const struct args *a = &ops[i].m;
		struct res ra, rb;
		char d[400], x[200], y[200];

		shared->step = i;
		if (trace)
			fprintf(stderr, "#   %3d: %s\n", i, describe_op(&ops[i], d, sizeof(d)));
		if (a->type == OP_FORK) {
			exec_fork(&side_a, &ops[i].child, &ra);
			exec_fork(&side_b, &ops[i].child, &rb);
		} else {
			exec_args(&side_a, a, &ra);
			exec_args(&side_b, a, &rb);
		}
		(*steps)++;
		if (trace)
			fprintf(stderr, "#        -> %s | %s\n", describe_res(&ops[i], &ra, x, sizeof(x)),
				describe_res(&ops[i], &rb, y, sizeof(y)));
		if (compare_res(&ops[i], &ra, &rb, mm) ||
		    compare_state(&side_a, &side_b, a, mm)) {
			mm->step = i;
			if (a->type == OP_FORK)
				mm->sig = mm->sig * NR_OPS + ops[i].child.type;
			bad = i;
		}
	}
	side_reset(&side_a);
	side_reset(&side_b);
	return bad;
}

/*
 * run_ops_here() in a child: a death (a fuzzer bug, or the task killed by
 * a kernel oops) is then a mismatch too, at the step it happened, and is
 * shrunk like any other.
 */
static int run_ops(const struct op *ops, int n, struct mismatch *mm, long *steps)
{
	int status = 0, i;
	pid_t pid;

	shared->step = -1;
	shared->bad = -2;
	shared->steps = 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		abort();
	}
	if (pid == 0) {
		shared->bad = run_ops_here(ops, n, &shared->mm, &shared->steps);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	if (steps)
		*steps += shared->steps;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && shared->bad != -2) {
		if (shared->bad >= 0)
			*mm = shared->mm;
		return shared->bad;
	}
	i = shared->step < 0 ? 0 : shared->step;
	mm->step = i;
	mm->sig = ops[i].m.type * 64 + W_DIED;
	if (ops[i].m.type == OP_FORK)
		mm->sig = mm->sig * NR_OPS + ops[i].child.type;
	if (WIFSIGNALED(status))
		snprintf(mm->what, sizeof(mm->what),
			 "the fuzzer died of signal %d (%s) in this step: see the kernel log",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(mm->what, sizeof(mm->what), "the fuzzer exited (status %#x) in this step",
			 status);
	return i;
}

/* Does ops (n of them) still give a mismatch of signature sig?  Its step, or -1. */
static int still_fails(const struct op *ops, int n, int sig, struct mismatch *mm, int *replays)
{
	struct mismatch m2;
	int step;

	(*replays)++;
	step = run_ops(ops, n, &m2, NULL);
	if (step < 0 || m2.sig != sig)
		return -1;
	*mm = m2;
	return step;
}

/*
 * Delta debugging: drop chunks of ops (halving the chunk when nothing can
 * go) while the same mismatch (same operation, same kind of difference)
 * remains; then try each operation's slots as slot 0, which may let a dup
 * or a reopen go, and start again while that helps.  Returns the count
 * of the shrunk ops, in place.
 */
static int shrink(struct op *ops, int n, struct mismatch *mm, int *replays)
{
	struct op *cand = malloc(n * sizeof(*ops));
	int sig = mm->sig, changed;

	n = mm->step + 1;
	do {
		for (int chunk = n / 2 > 0 ? n / 2 : 1; chunk >= 1;) {
			int progress = 0;

			for (int i = 0; i < n && n > 1;) {
				int len = 0, step;

				for (int j = 0; j < n; j++)
					if (j < i || j >= i + chunk)
						cand[len++] = ops[j];
				step = len ? still_fails(cand, len, sig, mm, replays) : -1;
				if (step >= 0) {
					n = step + 1;
					memcpy(ops, cand, n * sizeof(*ops));
					progress = 1;
				} else {
					i += chunk;
				}
			}
			if (!progress) {
				if (chunk == 1)
					break;
				chunk /= 2;
			} else if (chunk > n / 2 && n / 2 > 0) {
				chunk = n / 2;
			}
		}
		changed = 0;
		for (int i = 0; i < n; i++) {
			for (int f = 0; f < 4; f++) {
				struct args *a = f < 2 ? &cand[i].m : &cand[i].child;
				uint8_t *slot = f % 2 ? &a->b : &a->a;
				int step;

				memcpy(cand, ops, n * sizeof(*ops));
				if (!*slot || (f >= 2 && cand[i].m.type != OP_FORK))
					continue;
				*slot = 0;
				step = still_fails(cand, n, sig, mm, replays);
				if (step >= 0) {
					n = step + 1;
					memcpy(ops, cand, n * sizeof(*ops));
					changed = 1;
				}
			}
		}
	} while (changed && n > 1);
	free(cand);
	return n;
}

static void print_repro(const struct op *ops, int n, const struct mismatch *mm)
{
	char d[400];

	fprintf(stderr, "# reproducer, %d operations, each on a memfd and on a sealfs file:\n", n);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "#   %2d: %s\n", i, describe_op(&ops[i], d, sizeof(d)));
	fprintf(stderr, "# mismatch after step %d: %s\n", mm->step, mm->what);
}

/* --- seeds and tests --- */

static uint64_t *seeds;
static int nseeds;
static long ops_per_seed = 1000;

static void parse_env(void)
{
	const char *s = getenv("SEALFS_FUZZ_SEEDS");
	const char *o = getenv("SEALFS_FUZZ_OPS");
	const char *x = getenv("SEALFS_FUZZ_EXCLUDE");
	int cap = 16;

	for (int i = 0; i < NR_OPS; i++) {
		size_t len = strlen(op_names[i]);
		const char *p = x;

		weight[i] = op_weight[i];
		/* A comma-separated list of operation names. */
		while (p && (p = strstr(p, op_names[i]))) {
			if ((p == x || p[-1] == ',') && (p[len] == ',' || !p[len]))
				weight[i] = 0;
			p += len;
		}
	}

	if (!s || !*s)
		s = "1-8";
	if (o && *o)
		ops_per_seed = strtol(o, NULL, 0);
	trace = getenv("SEALFS_FUZZ_TRACE") && atoi(getenv("SEALFS_FUZZ_TRACE"));
	selftest = getenv("SEALFS_FUZZ_SELFTEST") && atoi(getenv("SEALFS_FUZZ_SELFTEST"));
	seeds = malloc(cap * sizeof(*seeds));
	while (*s) {
		char *end;
		uint64_t lo = strtoull(s, &end, 0), hi = lo;

		if (end == s)
			break;
		s = end;
		if (*s == '-') {
			hi = strtoull(s + 1, &end, 0);
			s = end;
		}
		for (uint64_t x = lo; x <= hi; x++) {
			if (nseeds == cap)
				seeds = realloc(seeds, (cap *= 2) * sizeof(*seeds));
			seeds[nseeds++] = x;
		}
		while (*s == ',' || *s == ' ')
			s++;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void setup_buffers(void)
{
	if (wbuf)
		return;
	wbuf = malloc(MAXIO);
	rbuf = malloc(MAXIO);
	cbuf[0] = malloc(CMP_HEAD);
	cbuf[1] = malloc(CMP_HEAD);
	child_res = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	model = mmap(NULL, sizeof(*model), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (!wbuf || !rbuf || !cbuf[0] || !cbuf[1] || child_res == MAP_FAILED ||
	    shared == MAP_FAILED || model == MAP_FAILED)
		abort();
	install_fault_handler();
}

/* Run one seed's episodes; the number of mismatches (0 or 1: it stops). */
static int run_seed(uint64_t seed, long *steps, long *episodes)
{
	static struct op ops[MAX_EP_OPS];
	long done = 0;

	for (uint64_t ep = 0; done < ops_per_seed; ep++) {
		int n = gen_episode(seed, ep, ops), bad, replays = 0, shrunk;
		struct mismatch mm = { 0 };
		long before = *steps;

		if (trace)
			fprintf(stderr, "# seed %" PRIu64 " episode %" PRIu64 ": %d ops\n", seed, ep, n);
		bad = run_ops(ops, n, &mm, steps);
		done += *steps - before;
		(*episodes)++;
		if (bad < 0)
			continue;
		fprintf(stderr, "# MISMATCH: seed %" PRIu64 " episode %" PRIu64 " step %d of %d: %s\n",
			seed, ep, bad, n, mm.what);
		shrunk = shrink(ops, n, &mm, &replays);
		fprintf(stderr, "# shrunk from %d to %d operations in %d replays\n", bad + 1, shrunk,
			replays);
		print_repro(ops, shrunk, &mm);
		return 1;
	}
	return 0;
}

static void run_group(struct __test_metadata *_metadata, int group)
{
	long steps = 0, episodes = 0;
	int bad = 0, ran = 0;
	double t0 = now(), t;
	char old_huge[32], ignored[32];

	if (group >= nseeds)
		SKIP(return, "SEALFS_FUZZ_SEEDS gives this group no seed");
	setup_buffers();
	memset(model, 0, sizeof(*model));
	ASSERT_EQ(0, set_memfd_huge("within_size", old_huge, sizeof(old_huge)));
	for (int i = group; i < nseeds; i += NGROUPS) {
		bad += run_seed(seeds[i], &steps, &episodes);
		ran++;
	}
	if (old_huge[0])
		ASSERT_EQ(0, set_memfd_huge(old_huge, ignored, sizeof(ignored)));
	t = now() - t0;
	fprintf(stderr, "# group %d: %d seeds, %ld episodes, %ld operations, %d mismatching seeds, %.1f s, %.0f ops/s\n",
		group, ran, episodes, steps, bad, t, t > 0 ? steps / t : 0.0);
	fprintf(stderr, "# group %d, beyond memfd (spec 9): %ld write seals over read-only shared maps, %ld FUTURE_EXEC seals, %ld PROT_EXEC refused, %ld read-only opens\n",
		group, model->write_seals, model->future_exec, model->exec_refused, model->open_ro);
	EXPECT_EQ(0, bad);
}

TEST(seeds_group_0) { run_group(_metadata, 0); }
TEST(seeds_group_1) { run_group(_metadata, 1); }
TEST(seeds_group_2) { run_group(_metadata, 2); }
TEST(seeds_group_3) { run_group(_metadata, 3); }

/*
 * The fuzzer can fail: with a perturbed sealfs result (perturb()), a
 * mismatch is found and shrunk to the few steps it needs.
 */
TEST(shrinker_finds_perturbation)
{
	static struct op ops[MAX_EP_OPS];
	int saved = selftest, found = 0;

	setup_buffers();
	selftest = 1;
	memcpy(weight, op_weight, sizeof(weight));	/* whatever SEALFS_FUZZ_EXCLUDE says */
	for (uint64_t ep = 0; ep < 500 && !found; ep++) {
		int n = gen_episode(0x5eed, ep, ops), replays = 0, shrunk;
		struct mismatch mm = { 0 };

		if (run_ops(ops, n, &mm, NULL) < 0)
			continue;
		found = 1;
		shrunk = shrink(ops, n, &mm, &replays);
		fprintf(stderr, "# self-check, a sealfs result perturbed on purpose (truncate EPERM as EACCES): found in episode %" PRIu64 ", shrunk to %d operations (%d replays)\n",
			ep, shrunk, replays);
		print_repro(ops, shrunk, &mm);
		ASSERT_LE(shrunk, 6);
		ASSERT_TRUE(strstr(mm.what, "EPERM") && strstr(mm.what, "EACCES"));
	}
	selftest = saved;
	ASSERT_TRUE(found);
}

static void __attribute__((constructor(KSELFTEST_PRIO_TEST + 1))) fuzz_setup(void)
{
	struct __test_metadata *tests[] = {
		&_seeds_group_0_object, &_seeds_group_1_object,
		&_seeds_group_2_object, &_seeds_group_3_object,
	};
	const char *t = getenv("SEALFS_FUZZ_TIMEOUT");
	int timeout;

	parse_env();
	/* Generous: a debug kernel under TCG may run 50 operations a second. */
	timeout = 60 + ops_per_seed * ((nseeds + NGROUPS - 1) / NGROUPS) / 50;
	if (t && *t)
		timeout = atoi(t);
	for (int i = 0; i < NGROUPS; i++)
		tests[i]->timeout = timeout;
}

TEST_HARNESS_MAIN
