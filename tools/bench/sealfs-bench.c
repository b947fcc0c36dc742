// SPDX-License-Identifier: GPL-2.0
/*
 * sealfs-bench: sealfs against the shmem-backed memfd it stands in for,
 * measured side by side in one boot (run in the test VM by run-bench).
 *
 *   sealfs-bench [--quick] [--reps N] [--only PREFIX] [--accel NAME] [--host NOTE]
 *                --json FILE
 *
 * --only runs the cases whose id starts with PREFIX (e.g. "seal_", "fault_")
 * and the memcpy reference, e.g. to profile one of them.
 *
 * Every case runs REPS times on four kinds of file, in turn within each run
 * (interleaved, so that a change of the host's load during the run weighs
 * on all alike), and records every sample, the median and the range:
 *
 *   memfd          memfd_create(2), shmem_enabled as booted ("never")
 *   sealfs_never   a file of a sealfs mount with huge=never, unlinked: the
 *                  same 4 KiB pages as memfd, so the same shmem code
 *   memfd_always   memfd_create(2) with shmem_enabled=always (set for its
 *                  turn only): memfd's best configuration
 *   sealfs         SEALFS_IOC_CREATE, its default huge=within_size
 *
 * The cases:
 *
 *   seq_write_4k, seq_read_4k, seq_write_1m, seq_read_1m
 *       write(2) a new file of SIZE bytes in 4 KiB or 1 MiB calls, then
 *       read(2) it back the same way (GiB/s)
 *   fault_write, fault_read
 *       first touch of every page of a MAP_SHARED mapping of a new file of
 *       SIZE bytes (ftruncate'd, no pages yet), one store or one load per
 *       4 KiB page (pages per second; the page faults really taken are recorded
 *       too: fault-around may map several pages per fault)
 *   fault_read_cached
 *       the same loads through a new mapping of a file whose pages are all
 *       in the page cache (what a consumer of a sealed file does)
 *   create_seal
 *       create + ftruncate(1 MiB) + ADD_SEALS(SHRINK|GROW|WRITE) + close
 *       (operations per second; /dev/sealfs is opened once, as a real user
 *       keeps it open)
 *   seal_write_<size>
 *       the latency of ADD_SEALS(F_SEAL_WRITE) on a file sized with
 *       ftruncate(2) and then filled with write(2), as a producer that
 *       knows the size does (huge=within_size allocates a huge page only
 *       within the size), with no mapping and no pin (microseconds); for
 *       files up to 4 MiB, each run's figure is the median of 15 files
 *   create_seal_tmpfs
 *       create_seal's work on a named file of a tmpfs with huge=never,
 *       unlinked at once, as sealfs_never's: shmem's own cost of a named
 *       file (the reference of that row, not a contender; ops/s)
 *   step_create, step_ftruncate, step_add_seals, step_close
 *       create_seal's four steps timed apart, each on a batch of open
 *       files: where its time goes (microseconds per file)
 *   memcpy
 *       memcpy(3) of a SIZE buffer to another one (GiB/s): what the memory
 *       system allows, the reference for the throughput rows
 *
 * Every call is checked: any failure prints what failed and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include <linux/sealfs.h>

#define KiB	(1024UL)
#define MiB	(1024UL * KiB)
#define GiB	(1024UL * MiB)
#define PAGE	4096UL

#ifndef F_ADD_SEALS
#define F_ADD_SEALS	1033
#define F_GET_SEALS	1034
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING	0x0002U
#endif

enum kind { MEMFD, SEALFS_NEVER, MEMFD_ALWAYS, SEALFS, NKINDS };
static const char *const kind_names[NKINDS] = {
	"memfd", "sealfs_never", "memfd_always", "sealfs",
};

static int sealfs_dev = -1;
/* The sealfs mount with huge=never, and the counter of its file names. */
static char never_dir[] = "/tmp/sealfs-bench-XXXXXX";
/* A tmpfs with huge=never: the reference of creating a named file. */
static char tmpfs_dir[] = "/tmp/sealfs-bench-tmpfs-XXXXXX";
static unsigned long never_files;

#define SHMEM_ENABLED "/sys/kernel/mm/transparent_hugepage/shmem_enabled"
/* memfd's huge-page policy as booted, put back after memfd_always. */
static char booted_thp[32];

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	fflush(stdout);
	fprintf(stderr, "sealfs-bench: FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime");
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int is_memfd(enum kind k)
{
	return k == MEMFD || k == MEMFD_ALWAYS;
}

static void set_shmem_enabled(const char *mode)
{
	int fd = open(SHMEM_ENABLED, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, mode, strlen(mode)) != (ssize_t)strlen(mode) || close(fd))
		die("set %s to %s", SHMEM_ENABLED, mode);
}

/* Sets up the system for a turn of @k: memfd_always's huge-page policy. */
static void turn_start(enum kind k)
{
	if (k == MEMFD_ALWAYS)
		set_shmem_enabled("always");
}

static void turn_end(enum kind k)
{
	if (k == MEMFD_ALWAYS)
		set_shmem_enabled(booted_thp);
}

static int create(enum kind k, const char *name)
{
	struct sealfs_create arg = {
		.name = (uintptr_t)name,
		.flags = SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING,
	};
	char path[128];
	int fd;

	switch (k) {
	case MEMFD:
	case MEMFD_ALWAYS:
		fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
		break;
	case SEALFS_NEVER:
		/* Unlinked at once, as an anonymous file has no name. */
		snprintf(path, sizeof(path), "%s/%s-%lu", never_dir, name, never_files++);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 && unlink(path))
			die("unlink %s", path);
		break;
	default:
		fd = ioctl(sealfs_dev, SEALFS_IOC_CREATE, &arg);
		break;
	}
	if (fd < 0)
		die("%s: create", kind_names[k]);
	return fd;
}

static int add_seals(enum kind k, int fd, unsigned int seals)
{
	if (is_memfd(k))
		return fcntl(fd, F_ADD_SEALS, seals);
	return ioctl(fd, SEALFS_IOC_ADD_SEALS, seals);
}

static int get_seals(enum kind k, int fd)
{
	if (is_memfd(k))
		return fcntl(fd, F_GET_SEALS);
	return ioctl(fd, SEALFS_IOC_GET_SEALS);
}

static void xclose(int fd)
{
	if (close(fd))
		die("close");
}

/* The user buffer of the write and read cases, prefaulted. */
static char *iobuf;

/* write(2) @size bytes in calls of @chunk bytes from the current offset. */
static void write_all(enum kind k, int fd, size_t size, size_t chunk)
{
	for (size_t done = 0; done < size; done += chunk) {
		ssize_t n = write(fd, iobuf, chunk);

		if (n != (ssize_t)chunk) {
			if (n >= 0)
				errno = EIO;
			die("%s: write of %zu bytes at %zu returned %zd", kind_names[k], chunk, done, n);
		}
	}
}

static void read_all(enum kind k, int fd, size_t size, size_t chunk)
{
	for (size_t done = 0; done < size; done += chunk) {
		ssize_t n = read(fd, iobuf, chunk);

		if (n != (ssize_t)chunk) {
			if (n >= 0)
				errno = EIO;
			die("%s: read of %zu bytes at %zu returned %zd", kind_names[k], chunk, done, n);
		}
	}
}

/* Samples of one case on one kind. */
struct series {
	int n;
	double v[64];
	double extra[64];	/* a second figure per sample (faults), or 0 */
};

enum better { HIGHER, LOWER };

struct bcase {
	const char *id;
	const char *title;
	const char *unit;
	enum better better;
	int throughput;		/* compared with memcpy */
	size_t size;		/* bytes, for the seal rows: the file size */
	const char *extra_name;	/* what series.extra holds, or NULL */
	struct series s[NKINDS];
};

#define MAX_CASES 32
static struct bcase cases[MAX_CASES];
static int ncases;

static struct bcase *new_case(const char *id, const char *title, const char *unit,
			      enum better better, int throughput, size_t size)
{
	struct bcase *c;

	if (ncases == MAX_CASES) {
		errno = ENOSPC;
		die("too many cases");
	}
	c = &cases[ncases++];
	c->id = id;
	c->title = title;
	c->unit = unit;
	c->better = better;
	c->throughput = throughput;
	c->size = size;
	return c;
}

static void add_sample(struct series *s, double v, double extra)
{
	if (s->n == (int)(sizeof(s->v) / sizeof(s->v[0]))) {
		errno = ENOSPC;
		die("too many samples");
	}
	s->extra[s->n] = extra;
	s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void stats(const struct series *s, double *median, double *min, double *max)
{
	double v[64];

	memcpy(v, s->v, s->n * sizeof(v[0]));
	qsort(v, s->n, sizeof(v[0]), cmp_double);
	*min = v[0];
	*max = v[s->n - 1];
	*median = s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

static void print_case(const struct bcase *c)
{
	printf("  %-22s", c->id);
	for (int k = 0; k < NKINDS; k++) {
		double med, min, max;

		stats(&c->s[k], &med, &min, &max);
		printf("  %s %.4g %s [%.4g..%.4g]", kind_names[k], med, c->unit, min, max);
	}
	printf("\n");
	fflush(stdout);
}

/* Page faults taken so far, minor and major: a fault that adds the page
 * to the page cache (filemap_fault's read path) counts as major. */
static long faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		die("getrusage");
	return ru.ru_minflt + ru.ru_majflt;
}

/* Sequential write then read of a new file, in @chunk calls. */
static void bench_seq(size_t size, size_t chunk, int reps, const char *wid, const char *rid,
		      const char *wtitle, const char *rtitle)
{
	struct bcase *w = new_case(wid, wtitle, "GiB/s", HIGHER, 1, size);
	struct bcase *r = new_case(rid, rtitle, "GiB/s", HIGHER, 1, size);

	for (int i = 0; i < reps; i++) {
		for (int k = 0; k < NKINDS; k++) {
			int fd;
			double t0, t1, t2;

			turn_start(k);
			fd = create(k, "bench-seq");
			t0 = now();
			write_all(k, fd, size, chunk);
			t1 = now();
			if (lseek(fd, 0, SEEK_SET))
				die("%s: lseek", kind_names[k]);
			read_all(k, fd, size, chunk);
			t2 = now();
			/* Check the last chunk read back what was written. */
			if (iobuf[0] != (char)0xa5 || iobuf[chunk - 1] != (char)0x5a) {
				errno = EIO;
				die("%s: read back wrong data", kind_names[k]);
			}
			xclose(fd);
			turn_end(k);
			add_sample(&w->s[k], size / (t1 - t0) / GiB, 0);
			add_sample(&r->s[k], size / (t2 - t1) / GiB, 0);
		}
	}
	print_case(w);
	print_case(r);
}

/* Touch one byte of every page of @p; a store if @write. */
static void touch(volatile char *p, size_t size, int write)
{
	if (write) {
		for (size_t off = 0; off < size; off += PAGE)
			p[off] = 1;
	} else {
		char sum = 0;

		for (size_t off = 0; off < size; off += PAGE)
			sum += p[off];
		/* A file of zeroes and ones: the sum proves the loads happened. */
		(void)sum;
	}
}

static void bench_faults(size_t size, int reps)
{
	struct bcase *w = new_case("fault_write", "first-touch faults, write (new file)",
				   "faults/s", HIGHER, 0, size);
	struct bcase *r = new_case("fault_read", "first-touch faults, read (new file, holes)",
				   "faults/s", HIGHER, 0, size);
	struct bcase *rc = new_case("fault_read_cached",
				    "first-touch faults, read (pages in the page cache)",
				    "faults/s", HIGHER, 0, size);
	size_t pages = size / PAGE;

	w->extra_name = r->extra_name = rc->extra_name = "page_faults";
	for (int i = 0; i < reps; i++) {
		for (int k = 0; k < NKINDS; k++) {
			turn_start(k);
			for (int pass = 0; pass < 2; pass++) {
				int fd = create(k, "bench-fault");
				int write = pass == 0;
				char *p;
				double t0, t1;
				long f0, f1;

				if (ftruncate(fd, size))
					die("%s: ftruncate", kind_names[k]);
				p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				if (p == MAP_FAILED)
					die("%s: mmap", kind_names[k]);
				f0 = faults();
				t0 = now();
				touch(p, size, write);
				t1 = now();
				f1 = faults();
				add_sample(write ? &w->s[k] : &r->s[k], pages / (t1 - t0), f1 - f0);
				if (write) {
					/* The pages are there now: a new mapping, read. */
					if (munmap(p, size))
						die("munmap");
					p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
					if (p == MAP_FAILED)
						die("%s: mmap", kind_names[k]);
					f0 = faults();
					t0 = now();
					touch(p, size, 0);
					t1 = now();
					f1 = faults();
					if (p[size - PAGE] != 1) {
						errno = EIO;
						die("%s: a mapped store was lost", kind_names[k]);
					}
					add_sample(&rc->s[k], pages / (t1 - t0), f1 - f0);
				}
				if (munmap(p, size))
					die("munmap");
				xclose(fd);
			}
			turn_end(k);
		}
	}
	print_case(w);
	print_case(r);
	print_case(rc);
}

#define SEALS_CREATE (SEALFS_SEAL_SHRINK | SEALFS_SEAL_GROW | SEALFS_SEAL_WRITE)

static void bench_create(int nops, int reps)
{
	struct bcase *c = new_case("create_seal",
				   "create + ftruncate(1 MiB) + ADD_SEALS(SHRINK|GROW|WRITE) + close",
				   "ops/s", HIGHER, 0, MiB);

	for (int i = 0; i < reps; i++) {
		for (int k = 0; k < NKINDS; k++) {
			double t0, t1;

			turn_start(k);
			t0 = now();
			for (int j = 0; j < nops; j++) {
				int fd = create(k, "bench-create");

				if (ftruncate(fd, MiB))
					die("%s: ftruncate", kind_names[k]);
				if (add_seals(k, fd, SEALS_CREATE))
					die("%s: ADD_SEALS(SHRINK|GROW|WRITE)", kind_names[k]);
				xclose(fd);
			}
			t1 = now();
			turn_end(k);
			add_sample(&c->s[k], nops / (t1 - t0), 0);
		}
	}
	print_case(c);
}

/* How many files create_steps keeps open at once (below RLIMIT_NOFILE). */
#define STEP_BATCH 500

/*
 * create_seal's four steps timed apart, on batches of STEP_BATCH files
 * (each step on every file of the batch, then the next step): what each
 * costs, per file.  The close step is the close(2) calls alone; the inodes
 * are freed after an RCU grace period, outside the timed loop, and the
 * batches make the caches colder than create_seal's loop does, so the four
 * do not add up to its figure.
 */
static void bench_create_steps(int nops, int reps)
{
	struct bcase *step[] = {
		new_case("step_create", "create_seal's steps: create", "us", LOWER, 0, MiB),
		new_case("step_ftruncate", "create_seal's steps: ftruncate(1 MiB)", "us", LOWER,
			 0, MiB),
		new_case("step_add_seals", "create_seal's steps: ADD_SEALS(SHRINK|GROW|WRITE)",
			 "us", LOWER, 0, MiB),
		new_case("step_close", "create_seal's steps: close", "us", LOWER, 0, MiB),
	};
	static int fds[STEP_BATCH];

	for (int i = 0; i < reps; i++) {
		for (int k = 0; k < NKINDS; k++) {
			double spent[4] = { 0 };

			turn_start(k);
			for (int done = 0; done < nops; done += STEP_BATCH) {
				int n = nops - done < STEP_BATCH ? nops - done : STEP_BATCH;
				double t0 = now();

				for (int j = 0; j < n; j++)
					fds[j] = create(k, "bench-steps");
				spent[0] += now() - t0;
				t0 = now();
				for (int j = 0; j < n; j++)
					if (ftruncate(fds[j], MiB))
						die("%s: ftruncate", kind_names[k]);
				spent[1] += now() - t0;
				t0 = now();
				for (int j = 0; j < n; j++)
					if (add_seals(k, fds[j], SEALS_CREATE))
						die("%s: ADD_SEALS(SHRINK|GROW|WRITE)", kind_names[k]);
				spent[2] += now() - t0;
				t0 = now();
				for (int j = 0; j < n; j++)
					xclose(fds[j]);
				spent[3] += now() - t0;
			}
			turn_end(k);
			for (int s = 0; s < 4; s++)
				add_sample(&step[s]->s[k], spent[s] / nops * 1e6, 0);
		}
	}
	for (int s = 0; s < 4; s++)
		print_case(step[s]);
}

/*
 * create_seal's work on a named, unlinked file of a tmpfs (huge=never):
 * memfd_create makes no name, so the row of sealfs_never, whose file is
 * named, also measures the path walk, the name and the unlink, which this
 * shows for shmem itself.  The same figure goes in every column, as for
 * memcpy.
 */
static void bench_create_tmpfs(int nops, int reps)
{
	struct bcase *c = new_case("create_seal_tmpfs",
				   "the same on a named, unlinked file of a tmpfs, huge=never (the reference)",
				   "ops/s", HIGHER, 0, MiB);
	unsigned long n = 0;
	char path[128];

	for (int i = 0; i < reps; i++) {
		double t0 = now(), t1;

		for (int j = 0; j < nops; j++) {
			int fd;

			snprintf(path, sizeof(path), "%s/bench-create-%lu", tmpfs_dir, n++);
			fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (fd < 0 || unlink(path))
				die("tmpfs: create %s", path);
			if (ftruncate(fd, MiB))
				die("tmpfs: ftruncate");
			/*
			 * A tmpfs file is born with F_SEAL_SEAL: the call is
			 * refused, after the same lookup of the seals.
			 */
			if (fcntl(fd, F_ADD_SEALS, SEALS_CREATE) == 0 || errno != EPERM)
				die("tmpfs: F_ADD_SEALS");
			xclose(fd);
		}
		t1 = now();
		for (int k = 0; k < NKINDS; k++)
			add_sample(&c->s[k], nops / (t1 - t0), 0);
	}
	print_case(c);
}

/*
 * Files of at most this size are sealed SEAL_TRIES times per run, and the
 * run's sample is the median: a single seal of a few MiB takes about
 * 100 µs under TCG, where one timer interrupt or TLB flush weighs as much.
 */
#define SEAL_TRIES_MAX_SIZE (4 * MiB)
#define SEAL_TRIES 15

/* The latency of one ADD_SEALS(F_SEAL_WRITE) on a new, written file. */
static double seal_once(enum kind k, size_t size)
{
	size_t chunk = size < MiB ? size : MiB;
	double t0, t1;
	int fd = create(k, "bench-seal");

	if (ftruncate(fd, size))
		die("%s: ftruncate", kind_names[k]);
	write_all(k, fd, size, chunk);
	t0 = now();
	if (add_seals(k, fd, SEALFS_SEAL_WRITE))
		die("%s: ADD_SEALS(WRITE) on %zu bytes", kind_names[k], size);
	t1 = now();
	if (!(get_seals(k, fd) & SEALFS_SEAL_WRITE)) {
		errno = EIO;
		die("%s: the write seal is not set", kind_names[k]);
	}
	if (pwrite(fd, iobuf, 1, 0) != -1 || errno != EPERM)
		die("%s: a write after F_SEAL_WRITE did not fail with EPERM", kind_names[k]);
	xclose(fd);
	return (t1 - t0) * 1e6;
}

static void bench_seal(size_t size, int reps, const char *id, const char *title)
{
	struct bcase *c = new_case(id, title, "us", LOWER, 0, size);
	int tries = size <= SEAL_TRIES_MAX_SIZE ? SEAL_TRIES : 1;

	for (int i = 0; i < reps; i++) {
		for (int k = 0; k < NKINDS; k++) {
			struct series run = { 0 };
			double median, min, max;

			turn_start(k);
			for (int t = 0; t < tries; t++)
				add_sample(&run, seal_once(k, size), 0);
			turn_end(k);
			stats(&run, &median, &min, &max);
			add_sample(&c->s[k], median, 0);
		}
	}
	print_case(c);
}

/* memcpy of @size bytes between two prefaulted buffers; the same figure
 * goes in both columns, as it is the reference, not a contender. */
static void bench_memcpy(size_t size, int reps)
{
	struct bcase *c = new_case("memcpy", "memcpy of a buffer (the physical reference)",
				   "GiB/s", HIGHER, 1, size);
	char *src = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (src == MAP_FAILED || dst == MAP_FAILED)
		die("mmap of the memcpy buffers");
	memset(src, 0xa5, size);
	memset(dst, 0, size);
	for (int i = 0; i < reps; i++) {
		double t0 = now(), t1;

		memcpy(dst, src, size);
		t1 = now();
		if (dst[size - 1] != (char)0xa5) {
			errno = EIO;
			die("memcpy");
		}
		for (int k = 0; k < NKINDS; k++)
			add_sample(&c->s[k], size / (t1 - t0) / GiB, 0);
	}
	munmap(src, size);
	munmap(dst, size);
	print_case(c);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	snprintf(buf, size, "unknown");
	if (!f)
		return;
	if (fgets(buf, size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void write_json(const char *path, const char *mode, const char *accel,
		       const char *host, int reps, double elapsed)
{
	struct utsname uts;
	struct sysinfo si;
	char date[64], thp[128], tmp[4096];
	time_t t = time(NULL);
	FILE *f;

	if (uname(&uts) || sysinfo(&si))
		die("uname/sysinfo");
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	read_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled", thp, sizeof(thp));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die("open %s", tmp);
	fprintf(f, "{\n  \"schema\": 1,\n  \"mode\": \"%s\",\n  \"date\": \"%s\",\n", mode, date);
	fprintf(f, "  \"kernel\": ");
	json_string(f, uts.release);
	fprintf(f, ",\n  \"machine\": ");
	json_string(f, uts.machine);
	fprintf(f, ",\n  \"accel\": ");
	json_string(f, accel);
	fprintf(f, ",\n  \"host\": ");
	json_string(f, host);
	fprintf(f, ",\n  \"cpus\": %ld,\n  \"mem_bytes\": %llu,\n",
		sysconf(_SC_NPROCESSORS_ONLN), (unsigned long long)si.totalram * si.mem_unit);
	fprintf(f, "  \"shmem_thp\": ");
	json_string(f, thp);
	fprintf(f, ",\n  \"reps\": %d,\n  \"elapsed_s\": %.1f,\n  \"cases\": [\n", reps, elapsed);
	for (int i = 0; i < ncases; i++) {
		const struct bcase *c = &cases[i];
		double med[NKINDS];

		fprintf(f, "    {\n      \"id\": \"%s\",\n      \"title\": ", c->id);
		json_string(f, c->title);
		fprintf(f, ",\n      \"unit\": \"%s\",\n      \"better\": \"%s\",\n"
			   "      \"throughput\": %s,\n      \"size\": %zu,\n",
			c->unit, c->better == HIGHER ? "higher" : "lower",
			c->throughput ? "true" : "false", c->size);
		for (int k = 0; k < NKINDS; k++) {
			const struct series *s = &c->s[k];
			double min, max;

			stats(s, &med[k], &min, &max);
			fprintf(f, "      \"%s\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, "
				   "\"samples\": [", kind_names[k], med[k], min, max);
			for (int j = 0; j < s->n; j++)
				fprintf(f, "%s%.6g", j ? ", " : "", s->v[j]);
			fprintf(f, "]");
			if (c->extra_name) {
				fprintf(f, ", \"%s\": [", c->extra_name);
				for (int j = 0; j < s->n; j++)
					fprintf(f, "%s%.0f", j ? ", " : "", s->extra[j]);
				fprintf(f, "]");
			}
			fprintf(f, "},\n");
		}
		fprintf(f, "      \"ratio\": %.4f,\n      \"ratio_never\": %.4f,\n"
			   "      \"ratio_always\": %.4f\n    }%s\n",
			med[SEALFS] / med[MEMFD], med[SEALFS_NEVER] / med[MEMFD],
			med[SEALFS] / med[MEMFD_ALWAYS], i + 1 < ncases ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	if (fclose(f))
		die("write %s", tmp);
	if (rename(tmp, path))
		die("rename %s", tmp);
}

static void usage(void)
{
	fprintf(stderr, "usage: sealfs-bench [--quick] [--reps N] [--only PREFIX] [--accel NAME] "
		"[--host NOTE] --json FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *json = NULL, *accel = "unknown", *host = "", *only = "";
	int quick = 0, reps = 0;
	size_t big, seal_sizes[3];
	const char *seal_ids[3], *seal_titles[3];
	int create_ops;
	double t0;
	cpu_set_t cpus;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--accel") && i + 1 < argc)
			accel = argv[++i];
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--host") && i + 1 < argc)
			host = argv[++i];
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else
			usage();
	}
	if (!json || reps < 0 || reps > 64)
		usage();

	if (quick) {
		big = 16 * MiB;
		create_ops = 200;
		seal_sizes[0] = 256 * KiB;
		seal_sizes[1] = 4 * MiB;
		seal_sizes[2] = 16 * MiB;
		seal_ids[0] = "seal_write_256k";
		seal_ids[1] = "seal_write_4m";
		seal_ids[2] = "seal_write_16m";
		if (!reps)
			reps = 3;
	} else {
		/* About 8 minutes under TCG with 5 runs. */
		big = GiB;
		create_ops = 2000;
		seal_sizes[0] = 4 * MiB;
		seal_sizes[1] = 256 * MiB;
		seal_sizes[2] = GiB;
		seal_ids[0] = "seal_write_4m";
		seal_ids[1] = "seal_write_256m";
		seal_ids[2] = "seal_write_1g";
		if (!reps)
			reps = 5;
	}
	seal_titles[0] = "ADD_SEALS(F_SEAL_WRITE) latency, no pins";
	seal_titles[1] = seal_titles[0];
	seal_titles[2] = seal_titles[0];

	/* One CPU: no migration in the middle of a timed loop. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity");

	sealfs_dev = open("/dev/sealfs", O_RDWR | O_CLOEXEC);
	if (sealfs_dev < 0)
		die("open /dev/sealfs (is sealfs.ko loaded?)");
	if (!mkdtemp(never_dir) || mount("none", never_dir, "sealfs", 0, "huge=never"))
		die("mount sealfs -o huge=never");
	if (!mkdtemp(tmpfs_dir) || mount("none", tmpfs_dir, "tmpfs", 0, "huge=never"))
		die("mount tmpfs -o huge=never");
	{
		char line[128] = "", *open_b, *close_b;
		FILE *thp = fopen(SHMEM_ENABLED, "re");

		if (!thp || !fgets(line, sizeof(line), thp) || !(open_b = strchr(line, '[')) ||
		    !(close_b = strchr(open_b, ']')))
			die("read %s", SHMEM_ENABLED);
		fclose(thp);
		*close_b = 0;
		snprintf(booted_thp, sizeof(booted_thp), "%s", open_b + 1);
	}
	iobuf = aligned_alloc(PAGE, MiB);
	if (!iobuf)
		die("malloc");
	memset(iobuf, 0, MiB);
	/* Marks the write then read check looks for, at both ends of a chunk. */
	iobuf[0] = (char)0xa5;
	iobuf[4 * KiB - 1] = (char)0x5a;
	iobuf[MiB - 1] = (char)0x5a;

	printf("sealfs-bench: %s mode, %d runs per case, %zu MiB files, accelerator %s\n",
	       quick ? "quick" : "full", reps, big / MiB, accel);
	fflush(stdout);
	t0 = now();
#define WANT(id) (!strncmp(id, only, strlen(only)) || !strncmp(only, id, strlen(id)))
	if (WANT("seq_"))
		bench_seq(big, 4 * KiB, reps, "seq_write_4k", "seq_read_4k",
			  "sequential write, 4 KiB calls", "sequential read, 4 KiB calls");
	if (WANT("seq_"))
		bench_seq(big, MiB, reps, "seq_write_1m", "seq_read_1m",
			  "sequential write, 1 MiB calls", "sequential read, 1 MiB calls");
	if (WANT("fault_"))
		bench_faults(big, reps);
	if (WANT("create_seal"))
		bench_create(create_ops, reps);
	if (WANT("create_seal_tmpfs"))
		bench_create_tmpfs(create_ops, reps);
	if (WANT("step_"))
		bench_create_steps(create_ops, reps);
	for (int i = 0; i < 3; i++)
		if (WANT(seal_ids[i]))
			bench_seal(seal_sizes[i], reps, seal_ids[i], seal_titles[i]);
	bench_memcpy(big, reps);

	write_json(json, quick ? "quick" : "full", accel, host, reps, now() - t0);
	umount(never_dir);
	rmdir(never_dir);
	umount(tmpfs_dir);
	rmdir(tmpfs_dir);
	printf("sealfs-bench: %d cases in %.1f s, results in %s\n", ncases, now() - t0, json);
	return 0;
}
