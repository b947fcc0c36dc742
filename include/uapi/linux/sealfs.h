/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sealfs: a sealable, tmpfs-like in-memory filesystem with memfd semantics.
 *
 * Seal and flag values are the numbers of F_SEAL_* (linux/fcntl.h) and
 * MFD_* (linux/memfd.h), so code written for memfd maps one to one.
 */
#ifndef _UAPI_LINUX_SEALFS_H
#define _UAPI_LINUX_SEALFS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SEALFS_IOC_MAGIC	0xBE

/* statfs(2) f_type of a sealfs mount. */
#define SEALFS_MAGIC		0x5345414c

/* Seals, as F_SEAL_*. */
#define SEALFS_SEAL_SEAL		0x0001	/* prevent adding more seals */
#define SEALFS_SEAL_SHRINK		0x0002	/* prevent the file from shrinking */
#define SEALFS_SEAL_GROW		0x0004	/* prevent the file from growing */
#define SEALFS_SEAL_WRITE		0x0008	/* prevent writes */
#define SEALFS_SEAL_FUTURE_WRITE	0x0010	/* prevent future writes while mapped */
#define SEALFS_SEAL_EXEC		0x0020	/* prevent chmod of the x bits */
/*
 * sealfs only: no new executable mapping and no exec of the file; as with
 * F_SEAL_FUTURE_WRITE, mappings made before it keep what they may do.
 */
#define SEALFS_SEAL_FUTURE_EXEC		0x0040

/* Creation flags, as MFD_*. */
#define SEALFS_CLOEXEC		0x0001U
#define SEALFS_ALLOW_SEALING	0x0002U
#define SEALFS_NOEXEC_SEAL	0x0008U
#define SEALFS_EXEC		0x0010U

/**
 * struct sealfs_create - argument of %SEALFS_IOC_CREATE
 * @name:     user pointer to the NUL-terminated name (at most 249 bytes,
 *            as memfd_create(2)); /proc/self/fd shows "/sealfs:NAME"
 * @flags:    SEALFS_CLOEXEC, SEALFS_ALLOW_SEALING, SEALFS_NOEXEC_SEAL,
 *            SEALFS_EXEC
 * @reserved: must be 0
 */
struct sealfs_create {
	__u64 name;
	__u32 flags;
	__u32 reserved;
};

/* On /dev/sealfs: create an anonymous file, as memfd_create(2); returns its fd. */
#define SEALFS_IOC_CREATE	_IOW(SEALFS_IOC_MAGIC, 0x00, struct sealfs_create)
/* On a sealfs file: add the seals in the argument (by value), as F_ADD_SEALS. */
#define SEALFS_IOC_ADD_SEALS	_IO(SEALFS_IOC_MAGIC, 0x01)
/* On a sealfs file: return the seals, as F_GET_SEALS. */
#define SEALFS_IOC_GET_SEALS	_IO(SEALFS_IOC_MAGIC, 0x02)
/*
 * On a readable sealfs fd: return a new read-only fd of the same file, as
 * a reopen of /proc/self/fd/N with O_RDONLY; the argument is 0 or
 * O_CLOEXEC.
 */
#define SEALFS_IOC_OPEN_READONLY	_IO(SEALFS_IOC_MAGIC, 0x03)

#endif /* _UAPI_LINUX_SEALFS_H */
