/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal io_uring by raw syscalls (no liburing), for the tests that
 * write through io_uring or pin pages with fixed buffers: one request in
 * flight at a time.
 */
#ifndef SEALFS_SELFTEST_URING_H
#define SEALFS_SELFTEST_URING_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/io_uring.h>

/* An io_uring instance, its rings mapped, one request in flight at a time. */
struct ring {
	int fd;
	void *sq_ptr, *cq_ptr;
	size_t sq_len, cq_len, sqes_len;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

/* 0, or -1 with errno. */
static inline int ring_init(struct ring *r)
{
	struct io_uring_params p;
	int err;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	r->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -1;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_ptr = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 r->fd, IORING_OFF_SQ_RING);
	r->cq_ptr = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       r->fd, IORING_OFF_SQES);
	if (r->sq_ptr == MAP_FAILED || r->cq_ptr == MAP_FAILED ||
	    r->sqes == MAP_FAILED) {
		err = errno;
		close(r->fd);
		errno = err;
		return -1;
	}
	r->sq_tail = r->sq_ptr + p.sq_off.tail;
	r->sq_mask = r->sq_ptr + p.sq_off.ring_mask;
	r->sq_array = r->sq_ptr + p.sq_off.array;
	r->cq_head = r->cq_ptr + p.cq_off.head;
	r->cq_tail = r->cq_ptr + p.cq_off.tail;
	r->cq_mask = r->cq_ptr + p.cq_off.ring_mask;
	r->cqes = r->cq_ptr + p.cq_off.cqes;
	return 0;
}

static inline void ring_exit(struct ring *r)
{
	munmap(r->sqes, r->sqes_len);
	munmap(r->cq_ptr, r->cq_len);
	munmap(r->sq_ptr, r->sq_len);
	close(r->fd);
}

/*
 * Submit one request and wait for its completion.  Returns 0 and the
 * completion's res in *res, or -1 with errno when io_uring_enter fails or
 * no completion came.
 */
static inline int ring_run(struct ring *r, const struct io_uring_sqe *sqe, int *res)
{
	unsigned int tail = *r->sq_tail, head, idx = tail & *r->sq_mask;
	int ret;

	r->sqes[idx] = *sqe;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	do {
		ret = syscall(__NR_io_uring_enter, r->fd, 1, 1,
			      IORING_ENTER_GETEVENTS, NULL, 0);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -1;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
		errno = ENODATA;
		return -1;
	}
	*res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

/* IORING_OP_WRITE/READ of len bytes at buf to/from fd at off. */
static inline int ring_rw(struct ring *r, int op, int fd, void *buf, unsigned int len,
		   off_t off, int *res)
{
	struct io_uring_sqe sqe;

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = op;
	sqe.fd = fd;
	sqe.addr = (uintptr_t)buf;
	sqe.len = len;
	sqe.off = off;
	return ring_run(r, &sqe, res);
}

#endif /* SEALFS_SELFTEST_URING_H */
