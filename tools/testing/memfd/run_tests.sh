#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh: the kernel's memfd selftests, unmodified, on the kernel's
# memfd (the control) and on sealfs through sealfs-compat, as TAP.  Runs as
# root in a guest with sealfs loaded (make run_tests; KSRC and COMPAT set).
#
# memfd_test prints "memfd: NAME" banners and abort()s on the first failed
# check; it runs under script(1) so its stdout is a terminal, line-buffered
# (an abort would lose a pipe's buffer).  Each test function of
# memfd_test.c is one TAP result, found from the banners: the functions
# before the last banner passed, the one being run at an abort failed, the
# ones never reached are "not ok" too.  One more result per run checks the
# exit status and "memfd: DONE", and that the library was in effect on
# sealfs runs (its SEALFS_COMPAT_TRACE lines; none at all on the control).
#
# Runs: memfd   build/memfd binaries, no library (the control)
#       sealfs  build/memfd binaries under LD_PRELOAD=libsealfs-compat.so
#       wrap    build/sealfs binaries, static, -Wl,--wrap
# The hugetlbfs variants are named skips on sealfs (no MFD_HUGETLB), and on
# the control when the kernel has no hugetlbfs.
#
# SEALFS_MEMFD_BREAK proves the harness can fail (never set by make check):
#   memfd   the control runs under build/break.so (F_ADD_SEALS a no-op)
#   sealfs  the LD_PRELOAD sealfs runs under build/break.so too
#   nolib   the LD_PRELOAD sealfs runs without the library
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${KSRC:?KSRC must name the kernel source}" "${COMPAT:=$here/../../lib/sealfs-compat}"
src=$KSRC/tools/testing/selftests/memfd
build=$here/build
logs=$build/logs
lib=$COMPAT/libsealfs-compat.so
brk=${SEALFS_MEMFD_BREAK:-}
mkdir -p "$logs"

n=0 failed=0
declare -A table	# table[function,run] = pass | FAIL | not reached | skip...
declare -A count	# count[side,passed|failed|skipped]; side is memfd or sealfs
side=

tap() {	# tap ok|"not ok" DESCRIPTION [DIRECTIVE], for $side
	local what=passed
	n=$((n + 1))
	if [ "$1" != ok ]; then
		what=failed failed=$((failed + 1))
	elif [[ ${3:-} == SKIP* ]]; then
		what=skipped
	fi
	count[$side,$what]=$((${count[$side,$what]:-0} + 1))
	echo "$1 $n $2${3:+ # $3}"
}

diag() { sed 's/^/#   /'; }

# pty_run LOG ERR DIR PRELOAD CMD...: CMD in DIR on a pty, stdout to LOG
# (no CRs), stderr to ERR, with SEALFS_COMPAT_TRACE=1; CMD's status.
pty_run() {
	local log=$1 err=$2 dir=$3 preload=$4 cmd
	shift 4
	cmd="cd $(printf %q "$dir") && exec env SEALFS_COMPAT_TRACE=1"
	[ -n "$preload" ] && cmd+=" LD_PRELOAD=$(printf %q "$preload")"
	cmd+=" $(printf '%q ' "$@") 2>$(printf %q "$err")"
	SHELL=/bin/sh script -qec "$cmd" /dev/null </dev/null | tr -d '\r' >"$log"
	return "${PIPESTATUS[0]}"
}

# The library in effect on a sealfs run, absent from the control: "" or why not.
library_check() {	# library_check RUN ERR
	local run=$1 err=$2 created
	created=$(grep -cE '^sealfs-compat: memfd_create\(flags 0x[0-9a-f]+\) = [0-9]+ \(sealfs\)' "$err")
	if [ "$run" = memfd ]; then
		grep -q '^sealfs-compat:' "$err" && echo "sealfs-compat was in effect on the control"
	elif [ "$created" -eq 0 ]; then
		echo "no memfd_create() reached sealfs: the library was not in effect"
	elif grep -qE '^sealfs-compat: .*(kernel memfd used|fails with ENOSYS)' "$err"; then
		echo "sealfs-compat fell back or failed: /dev/sealfs unavailable"
	fi
}

# memfd_test's functions, in main()'s order, and the banner each prints.
functions=(test_create test_basic test_exec_seal test_exec_no_seal test_noexec_seal
	test_seal_write test_seal_future_write test_seal_shrink test_seal_grow test_seal_resize
	test_sysctl_simple test_sysctl_nested
	test_share_dup test_share_mmap test_share_open test_share_fork
	"test_share_dup (shared file-table)" "test_share_mmap (shared file-table)"
	"test_share_open (shared file-table)" "test_share_fork (shared file-table)")

# The function a "memfd: BANNER" line belongs to, given the current one; ""
# for a sysctl step inside test_sysctl_nested, "?" for a banner this harness
# does not know (memfd_test.c changed).  Sub-banners ("memfd:\tApply ...")
# have no space after the colon and are not read.
banner_function() {	# banner_function BANNER CURRENT
	case "$1" in
	CREATE) echo test_create ;;
	BASIC) echo test_basic ;;
	SEAL-EXEC) echo test_exec_seal ;;
	EXEC_NO_SEAL) echo test_exec_no_seal ;;
	NOEXEC_SEAL) echo test_noexec_seal ;;
	SEAL-WRITE) echo test_seal_write ;;
	SEAL-FUTURE-WRITE) echo test_seal_future_write ;;
	SEAL-SHRINK) echo test_seal_shrink ;;
	SEAL-GROW) echo test_seal_grow ;;
	SEAL-RESIZE) echo test_seal_resize ;;
	"sysctl "[0-9])	# also printed inside test_sysctl_nested
		[ "$2" = test_sysctl_nested ] && echo "" || echo test_sysctl_simple ;;
	"nested sysctl"*) echo test_sysctl_nested ;;
	SHARE-DUP\ |SHARE-MMAP\ |SHARE-OPEN\ |SHARE-FORK\ )
		local f=${1% }; f=${f#SHARE-}; echo "test_share_${f,,}" ;;
	"SHARE-"*" (shared file-table)")
		local f=${1%% *}; f=${f#SHARE-}; echo "test_share_${f,,} (shared file-table)" ;;
	DONE) echo DONE ;;
	*) echo "?" ;;
	esac
}

# memfd_test on RUN (memfd | sealfs | wrap): one result per function, one
# for the run.
run_memfd_test() {
	local run=$1 dir=$build/memfd preload= label status
	local log=$logs/memfd_test.$run.log err=$logs/memfd_test.$run.err
	case $run in
	memfd) label="memfd"; [ "$brk" = memfd ] && preload=$build/break.so ;;
	sealfs) label="sealfs, LD_PRELOAD"; preload=$lib
		[ "$brk" = sealfs ] && preload="$build/break.so $lib"
		[ "$brk" = nolib ] && preload= ;;
	wrap) label="sealfs, static --wrap"; dir=$build/sealfs ;;
	esac
	side=sealfs
	[ "$run" = memfd ] && side=memfd
	echo "# memfd_test ($label): $dir/memfd_test${preload:+, LD_PRELOAD=$preload}"
	pty_run "$log" "$err" "$dir" "$preload" ./memfd_test
	status=$?

	# Walk the banners: seen functions, in order; the last one; unknown ones.
	local line banner f current= done= unknown= nopidns=
	declare -A seen=()
	while IFS= read -r line; do
		case "$line" in
		"memfd: "*) banner=${line#memfd: } ;;
		"PID namespaces are not supported"*) nopidns=1; continue ;;
		*) continue ;;
		esac
		f=$(banner_function "$banner" "$current")
		case "$f" in
		"") ;;
		DONE) done=1 ;;
		"?") unknown+="${unknown:+, }\"$banner\"" ;;
		*) current=$f; seen[$f]=1 ;;
		esac
	done <"$log"

	local passed_run=
	[ "$status" -eq 0 ] && [ -n "$done" ] && [ -z "$unknown" ] && passed_run=1
	for f in "${functions[@]}"; do
		if [ -n "$nopidns" ] && [[ $f == test_sysctl_* ]]; then
			tap ok "memfd_test $f ($label)" "SKIP no PID namespaces"
			table[$f,$run]="skip (no PID namespaces)"
		elif [ -z "${seen[$f]:-}" ]; then
			tap "not ok" "memfd_test $f ($label)" "not reached${current:+ (aborted in $current)}"
			table[$f,$run]="not reached"
		elif [ "$f" = "$current" ] && [ -z "$passed_run" ]; then
			tap "not ok" "memfd_test $f ($label)"
			grep -vE '^memfd: ' "$log" | tail -n 5 | diag
			table[$f,$run]="FAIL"
		else
			tap ok "memfd_test $f ($label)"
			table[$f,$run]="pass"
		fi
	done

	local why
	why=$(library_check "$run" "$err")
	if [ -n "$passed_run" ] && [ -z "$why" ]; then
		tap ok "memfd_test ($label): exit 0, memfd: DONE"
	else
		tap "not ok" "memfd_test ($label): exit $status${done:+, memfd: DONE}"
		[ -n "$unknown" ] && echo "# unknown memfd_test banners: $unknown (memfd_test.c changed?)"
		[ -n "$why" ] && echo "# $why"
		grep -v '^sealfs-compat: ' "$err" | tail -n 5 | diag
	fi
}

# The FUSE pin test: run_fuse_test.sh in the directory of fuse_mnt and
# fuse_test.  fuse_test aborts unless the racing F_SEAL_WRITE fails with
# EBUSY or succeeds; "HURRAY" means it succeeded, which here is a failure:
# the read()'s GUP pin must make it EBUSY, and the later one succeed.
run_fuse_test() {
	local run=$1 dir=$build/memfd preload= label status why=
	local log=$logs/fuse_test.$run.log err=$logs/fuse_test.$run.err
	case $run in
	memfd) label="memfd"; [ "$brk" = memfd ] && preload=$build/break.so ;;
	sealfs) label="sealfs, LD_PRELOAD"; preload=$lib
		[ "$brk" = sealfs ] && preload="$build/break.so $lib"
		[ "$brk" = nolib ] && preload= ;;
	wrap) label="sealfs, static --wrap"; dir=$build/sealfs ;;
	esac
	side=sealfs
	[ "$run" = memfd ] && side=memfd
	echo "# run_fuse_test.sh ($label): in $dir${preload:+, LD_PRELOAD=$preload}"
	pty_run "$log" "$err" "$dir" "$preload" sh "$src/run_fuse_test.sh"
	status=$?
	mountpoint -q "$dir/mnt" 2>/dev/null && fusermount -u "$dir/mnt"
	rmdir "$dir/mnt" 2>/dev/null

	if [ "$status" -ne 0 ] || ! grep -q '^fuse: DONE' "$log"; then
		why="exit $status"
	elif grep -q HURRAY "$log"; then
		why="F_SEAL_WRITE succeeded while the read() pinned the pages (no EBUSY)"
	elif [ "$run" != memfd ] &&
		! grep -qE 'F_ADD_SEALS, 0x8\) = -1, Device or resource busy \(sealfs\)' "$err"; then
		why="no EBUSY from sealfs in the trace"
	else
		why=$(library_check "$run" "$err")
	fi
	if [ -z "$why" ]; then
		tap ok "fuse_test: F_SEAL_WRITE EBUSY under a GUP pin, then 0 ($label)"
		table[fuse,$run]=pass
	else
		tap "not ok" "fuse_test: F_SEAL_WRITE EBUSY under a GUP pin, then 0 ($label)"
		echo "# $why"
		cat "$log" "$err" | grep -v '^sealfs-compat: ' | tail -n 5 | diag
		table[fuse,$run]=FAIL
	fi
}

# The hugetlbfs variant (run_hugetlbfs_test.sh: memfd_test and
# run_fuse_test.sh with "hugetlbfs", MFD_HUGETLB on every memfd_create).
run_hugetlbfs() {
	local log=$logs/hugetlbfs.memfd.log err=$logs/hugetlbfs.memfd.err status
	side=sealfs
	tap ok "memfd_test hugetlbfs (sealfs)" "SKIP sealfs has no MFD_HUGETLB"
	tap ok "fuse_test hugetlbfs (sealfs)" "SKIP sealfs has no MFD_HUGETLB"
	table[hugetlbfs,sealfs]="skip: sealfs has no MFD_HUGETLB"
	table[hugetlbfs,wrap]="skip: sealfs has no MFD_HUGETLB"
	side=memfd
	# Without hugetlbfs the upstream script would run on and exit 0 anyway.
	if ! grep -q '^Hugepagesize:' /proc/meminfo; then
		tap ok "memfd_test and fuse_test hugetlbfs (memfd)" "SKIP the test kernel has no hugetlbfs (CONFIG_HUGETLBFS off)"
		table[hugetlbfs,memfd]="skip: no CONFIG_HUGETLBFS"
		return
	fi
	pty_run "$log" "$err" "$build/memfd" "" bash "$src/run_hugetlbfs_test.sh"
	status=$?
	mountpoint -q "$build/memfd/mnt" 2>/dev/null && fusermount -u "$build/memfd/mnt"
	rmdir "$build/memfd/mnt" 2>/dev/null
	if [ "$status" -eq 4 ]; then
		tap ok "memfd_test and fuse_test hugetlbfs (memfd)" "SKIP $(tail -n 1 "$log")"
		table[hugetlbfs,memfd]="skip: $(tail -n 1 "$log")"
	elif [ "$status" -eq 0 ] && grep -q '^memfd: DONE' "$log" && grep -q '^fuse: DONE' "$log"; then
		tap ok "memfd_test and fuse_test hugetlbfs (memfd)"
		table[hugetlbfs,memfd]=pass
	else
		tap "not ok" "memfd_test and fuse_test hugetlbfs (memfd)"
		tail -n 5 "$log" | diag
		table[hugetlbfs,memfd]=FAIL
	fi
}

echo "TAP version 13"
echo "# memfd selftests of $src"
[ -n "$brk" ] && echo "# SEALFS_MEMFD_BREAK=$brk: a deliberately broken run"
for run in memfd sealfs wrap; do
	run_memfd_test $run
done
for run in memfd sealfs wrap; do
	run_fuse_test $run
done
run_hugetlbfs
echo "1..$n"

for side in memfd sealfs; do
	echo "# memfd suites on $side: ${count[$side,passed]:-0} passed, ${count[$side,failed]:-0} failed, ${count[$side,skipped]:-0} skipped"
done
echo "# memfd_test.c conformance: function | memfd | sealfs (LD_PRELOAD) | sealfs (static --wrap)"
for f in "${functions[@]}" fuse hugetlbfs; do
	echo "# $f | ${table[$f,memfd]:-} | ${table[$f,sealfs]:-} | ${table[$f,wrap]:-}"
done
[ "$failed" -eq 0 ]
