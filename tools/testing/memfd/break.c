// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately broken shim, to show that the memfd harness reports a
 * failure (run_tests.sh, SEALFS_MEMFD_BREAK): under LD_PRELOAD, fcntl()
 * and fcntl64() with F_ADD_SEALS return 0 without adding any seal; every
 * other call goes on to the next definition (sealfs-compat or the C
 * library).  Never used by a normal run.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>

typedef int fcntl_fn(int, int, ...);

#define BODY(name)							\
	do {								\
		fcntl_fn *next = (fcntl_fn *)dlsym(RTLD_NEXT, name);	\
		va_list ap;						\
		void *arg;						\
									\
		va_start(ap, cmd);					\
		arg = va_arg(ap, void *);				\
		va_end(ap);						\
		if (cmd == F_ADD_SEALS)					\
			return 0;					\
		return next(fd, cmd, arg);				\
	} while (0)

int fcntl(int fd, int cmd, ...)
{
	BODY("fcntl");
}

int fcntl64(int fd, int cmd, ...)
{
	BODY("fcntl64");
}
