// SPDX-License-Identifier: GPL-2.0
/*
 * sealed_readonly_map - a read-only shared mapping of a write-sealed file
 *
 * The case of the bug report that started sealfs (bugzilla 217238): a
 * program fills a memfd, seals it against writing with F_SEAL_WRITE, and
 * then wants to map it shared and read-only, as fcntl(2) promises ("trying
 * to create new shared, *writable* memory-mappings ... will fail").  Before
 * Linux 6.7 the kernel refused every shared mapping of a write-sealed
 * memfd with EPERM.  sealfs (and memfd in 6.12) allow the read-only shared
 * mapping and clear VM_MAYWRITE on it, so it can never be made writable.
 *
 * Steps:
 *   1. create a file with SEALFS_IOC_CREATE (ALLOW_SEALING | CLOEXEC,
 *      name "sample") and write a message into it;
 *   2. add SEAL_WRITE | SEAL_SHRINK | SEAL_GROW | SEAL_SEAL;
 *   3. mmap(PROT_READ, MAP_SHARED) works: print the message from it;
 *   4. mprotect(PROT_WRITE) on that mapping fails with EACCES, a new
 *      writable shared mapping and write(2) fail with EPERM, more seals
 *      cannot be added (EPERM);
 *   5. pass the fd to a forked child over a unix socket (SCM_RIGHTS): the
 *      child is the untrusted peer, which checks the seals before it
 *      trusts the contents, maps the file read-only and reads it.
 *
 * The exit status is 0 only if every step behaved as expected.
 *
 * Build with -DUSE_MEMFD for the same program on a memfd (memfd_create
 * and fcntl F_ADD_SEALS/F_GET_SEALS instead of the sealfs ioctls).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sealfs_sample.h"

#define REQUIRED_SEALS	(SEALFS_SEAL_WRITE | SEALFS_SEAL_SHRINK | \
			 SEALFS_SEAL_GROW | SEALFS_SEAL_SEAL)

static const char message[] =
	"This text was written before the file was sealed.\n"
	"Nobody can change it now: not the writer, not the reader.\n";

/* Print the text at @p, @len bytes, one "| " line at a time. */
static void say_text(const char *p, size_t len)
{
	size_t start = 0, i;

	for (i = 0; i < len; i++) {
		if (p[i] != '\n' && i + 1 < len)
			continue;
		say("  | %.*s", (int)(i - start + (p[i] != '\n')), p + start);
		start = i + 1;
	}
}

/*
 * The untrusted peer: it gets an fd from someone else and must not trust
 * the contents unless they cannot change under it while it parses them.
 */
static int child_main(int sock)
{
	char buf[128], missing[128];
	struct stat st;
	char *map;
	int fd, seals;

	sample_role = "child";
	fd = recv_fd(sock);
	if (fd < 0) {
		fail("recv_fd: %s", errno ? strerror(errno) :
		     "the socket closed, no fd was sent");
		return 1;
	}
	say("received fd %d over the unix socket (SCM_RIGHTS)", fd);
	say_fd_link(fd);

	/* A file that is not sealable at all fails here (ENOTTY/EINVAL). */
	seals = sample_get_seals(fd);
	if (seals < 0) {
		fail("GET_SEALS: %s: not a sealable file, not trusting it",
		     errname(errno));
		return 1;
	}
	say("seals: %s", seal_names(seals, buf, sizeof(buf)));
	if ((seals & REQUIRED_SEALS) != REQUIRED_SEALS) {
		fail("seals %s lack %s: the sender could still change the file, not trusting it",
		     seal_names(seals, buf, sizeof(buf)),
		     seal_names(REQUIRED_SEALS & ~seals, missing,
					 sizeof(missing)));
		return 1;
	}
	say("WRITE|SHRINK|GROW|SEAL are set: the contents are fixed, the size too (no SIGBUS), trusting the contents");

	if (fstat(fd, &st) < 0) {
		fail("fstat: %s", strerror(errno));
		return 1;
	}
	if ((size_t)st.st_size != sizeof(message) - 1) {
		fail("size is %lld, expected %zu",
		     (long long)st.st_size, sizeof(message) - 1);
		return 1;
	}

	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fail("mmap(PROT_READ, MAP_SHARED): %s", errname(errno));
		return 1;
	}
	say("mmap(PROT_READ, MAP_SHARED) of %lld bytes works; it reads:",
	    (long long)st.st_size);
	say_text(map, st.st_size);
	if (memcmp(map, message, st.st_size))
		fail("the mapping does not hold the message that was written");
	else
		say("the contents are the message the parent wrote");

	expect_errno(mprotect(map, st.st_size, PROT_READ | PROT_WRITE),
		     EACCES, "mprotect(PROT_READ|PROT_WRITE) of the mapping");
	expect_errno(pwrite(fd, "x", 1, 0), EPERM,
		     "pwrite(fd) at offset 0, within the file");

	munmap(map, st.st_size);
	close(fd);
	return sample_failures ? 1 : 0;
}

static int parent_main(int sock, pid_t child)
{
	size_t len = sizeof(message) - 1;
	int fd, seals, status;
	char buf[128];
	char *map;
	ssize_t n;

	sample_role = "parent";

	/* 1. Create the file and fill it. */
	fd = sample_create("sample", SEALFS_ALLOW_SEALING | SEALFS_CLOEXEC);
	if (fd < 0) {
#ifdef USE_MEMFD
		fail("memfd_create(\"sample\"): %s", errname(errno));
#else
		fail("%s: SEALFS_IOC_CREATE: %s%s", SEALFS_DEV,
		     errname(errno), errno == ENOTTY ?
		     " (not implemented by the loaded sealfs.ko)" :
		     errno == ENOENT ? " (is sealfs.ko loaded?)" : "");
#endif
		return 1;
	}
	say("created fd %d, %s with ALLOW_SEALING|CLOEXEC, name \"sample\"",
	    fd, SAMPLE_BACKEND);
	say_fd_link(fd);

	seals = sample_get_seals(fd);
	if (seals != 0)
		fail("a new file with ALLOW_SEALING has seals %s, expected none",
		     seals < 0 ? errname(errno) :
		     seal_names(seals, buf, sizeof(buf)));
	else
		say("seals of the new file: none");

	n = write(fd, message, len);
	if (n != (ssize_t)len) {
		fail("write of %zu bytes: %s", len,
		     n < 0 ? errname(errno) : "short write");
		return 1;
	}
	say("wrote %zu bytes with write(2)", len);

	/* 2. Seal it. */
	if (sample_add_seals(fd, REQUIRED_SEALS) < 0) {
		fail("ADD_SEALS(WRITE|SHRINK|GROW|SEAL): %s", errname(errno));
		return 1;
	}
	seals = sample_get_seals(fd);
	if (seals != REQUIRED_SEALS)
		fail("after ADD_SEALS the seals are %s, expected WRITE|SHRINK|GROW|SEAL",
		     seals < 0 ? errname(errno) :
		     seal_names(seals, buf, sizeof(buf)));
	else
		say("added seals, now: %s", seal_names(seals, buf, sizeof(buf)));

	/* 3. The read-only shared mapping of the bug report. */
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fail("mmap(PROT_READ, MAP_SHARED) of the write-sealed file: %s (the bug of bugzilla 217238)",
		     errname(errno));
		return 1;
	}
	say("mmap(PROT_READ, MAP_SHARED) of the write-sealed file works; it reads:");
	say_text(map, len);
	if (memcmp(map, message, len))
		fail("the mapping does not hold what was written");

	/* 4. ... and nothing can make the file writable again. */
	expect_errno(mprotect(map, len, PROT_READ | PROT_WRITE), EACCES,
		     "mprotect(PROT_READ|PROT_WRITE) of the read-only mapping");
	expect_errno(try_mmap(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED),
		     EPERM, "mmap(PROT_READ|PROT_WRITE, MAP_SHARED)");
	expect_errno(pwrite(fd, "x", 1, 0), EPERM,
		     "pwrite(fd) at offset 0, within the file");
	expect_errno(sample_add_seals(fd, SEALFS_SEAL_EXEC), EPERM,
		     "ADD_SEALS(EXEC) after SEAL");

	/* 5. Hand the fd to the untrusted peer. */
	if (send_fd(sock, fd) < 0) {
		fail("send_fd: %s", strerror(errno));
		return 1;
	}
	say("sent fd %d to the child (pid %d) over a unix socket", fd, child);

	if (waitpid(child, &status, 0) < 0) {
		fail("waitpid: %s", strerror(errno));
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child failed (wait status 0x%x)", status);
	else
		say("the child verified the seals and read the contents");

	/* The parent's mapping still reads the same. */
	if (memcmp(map, message, len))
		fail("the contents changed after sealing");
	munmap(map, len);
	close(fd);
	return sample_failures ? 1 : 0;
}

int main(void)
{
	int sv[2], ret, status;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("sealed_readonly_map on %s: a read-only shared mapping of a write-sealed file\n",
	       SAMPLE_BACKEND);

	/*
	 * Fork before the file exists, so the child can get it only the way
	 * an unrelated process would: over the socket.
	 */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		_exit(child_main(sv[1]));
	}
	close(sv[1]);
	ret = parent_main(sv[0], pid);
	close(sv[0]);
	/* On an early failure the child sees EOF; reap it. */
	if (waitpid(pid, &status, 0) == pid && ret)
		say("the child ended too (wait status 0x%x)", status);

	if (ret) {
		fprintf(stderr, "sealed_readonly_map (%s): FAILED\n",
			SAMPLE_BACKEND);
		return 1;
	}
	printf("sealed_readonly_map (%s): all steps behaved as expected\n",
	       SAMPLE_BACKEND);
	return 0;
}
