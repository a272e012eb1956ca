# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# The anatomy of a call (mymem_report/anatomy.py) and the explanations
# made of it, for report/test-report.sh, which sources it: it uses that
# script's $T, $rc, $here, $FIXTURE, fresh, run and check.
# shellcheck disable=SC2154 # all set by test-report.sh
#
# report/fixtures/profile/ is a profile (MYMEM_PROFILE_FORMAT) whose
# counts are easy to follow: read_mymem 540 against read_zero 496 (+44:
# mymem_fop_read 60, read_zero 40, mutex_lock 10, __fdget_pos 20 against
# 12, a 16-instruction copy against 10), write_mymem 583 against
# write_null 459 (+124), readv 3,200 and 2,560 for 64 transfers (50 and
# 40 each), writev 8,768 and 3,840 (137 and 60 each: _copy_from_iter 40,
# copy_user_short_string 22, mymem_fop_write_iter 20.2 against
# write_iter_null 5.4), api_read 50 (mymem_read 40, memcpy 4,
# __cond_resched 6).

# profiled NAME: fresh NAME with the fixture profile in its raw/
profiled()
{
	fresh "$1"
	cp "$here/fixtures/profile/profile.csv" \
		"$here/fixtures/profile/vulnerabilities.txt" "$T/$1/raw/"
	printf 'profile.csv=icount\nvulnerabilities.txt=icount\n' \
		>>"$T/$1/raw/modes.txt"
}

# The base fixture has no profile, as a run before the profile joined
# make run (or one with PROFILE=0).
D=$T/full
check "no profile: the section, the explanations and the goal say it is missing" sh -c "
	grep -Fq '\`profile.csv\` is missing: no profile' '$D/REPORT.md' &&
	grep -Fq 'This run has no profile (\`profile.csv\` is missing): no anatomy' '$D/REPORT.md' &&
	grep -F '(missed): mymem' '$D/REPORT.md' | grep -F '1-byte write()' |
		grep -Fq 'This run has no profile (\`profile.csv\`): which stages' &&
	grep -Fq '| 1 B mymem_read() in the kernel (instructions, profile) | n/a | n/a |' '$D/REPORT.md' &&
	grep -Fq '**1 B mymem_read() in the kernel (instructions, profile)** (n/a): This run has no profile' '$D/REPORT.md' &&
	grep -Fq 'no profile in this run' '$D/anatomy.svg' &&
	grep -F '**writev of 64 x 1 B: mymem / /dev/null (instructions per transfer)** (missed)' '$D/REPORT.md' |
		grep -Fq '0.30x as much. This run has no profile (\`profile.csv\`): which stages'"

profiled anatomy
D=$T/anatomy
R=$D/REPORT.md
run "$D"
# The hand-written causes the profile replaced, nowhere in either report.
check "no hand-written list of causes is left" sh -c "
	for f in '$T/full/REPORT.md' '$R'; do
		! grep -Eq 'seqcount read and retry check|entry, exit and VFS dispatch cost|an SQE to get and fill|The API skips the mode switch|page cache, page by page|A possible cause, not measured here|the seqcount check, the retry test' \"\$f\" ||
			exit 1
	done"

check "profile: report.py exits 0, its section and picture" sh -c "
	[ $rc -eq 0 ] && grep -q '^## Anatomy of a call' '$R' &&
	grep -Fq '![anatomy](anatomy.png)' '$R' &&
	head -c 8 '$D/anatomy.png' | grep -q PNG && grep -q '<svg' '$D/anatomy.svg'"
check "profile: each path's total, per transfer, rep bytes, stages, top functions" sh -c "
	grep -Fq '| \`read_mymem\` | 540 |  |  | entry 203, vfs 100, security 100, mymem 60, fd 20, verify 20, copy 16, user 11, lock 10 | \`entry_SYSCALL_64_after_hwframe\` 200, \`vfs_read\` 100, \`apparmor_file_permission\` 100, \`mymem_fop_read\` 60, \`__fdget_pos\` 20 |' '$R' &&
	grep -Fq '| \`readv_mymem\` | 3,200 | 50 |' '$R' &&
	grep -Fq '| \`read512k_tmpfs\` | 41,342 |  | 524,288 B in 128 |' '$R' &&
	grep -Fq '| \`api_read\` | 50 |  | 1 B in 1 | mymem 40, sched 6, copy 4 |' '$R' &&
	grep -Fq '\`known_loop\` 2002 of the 2002' '$R'"
check "profile: each path against its peer, by stage and function, per transfer" sh -c "
	grep -Fq '**read_mymem - read_zero**: By this run'\''s profile, \`read_mymem\` executes 540 instructions per call and \`read_zero\` 496 (+44); by stage mymem +60, file -40, lock +10, fd +8, copy +6; by function \`mymem_fop_read\` +60, \`read_zero\` -40,' '$R' &&
	grep -Fq '\`readv_mymem\` executes 50 instructions per transfer and \`readv_zero\` 40 (+10); by stage copy +12.2, file -3.4, mymem +1.2;' '$R' &&
	grep -Fq 'Their rep movs, counted once each above: 1 moving 524,288 B against 128 moving 524,288 B.' '$R' &&
	grep -Fq '**read_mymem - api_read**: By this run'\''s profile, \`read_mymem\` executes 540 instructions per call and \`api_read\` 50 (+490)' '$R'"
check "profile: the classes per path, their differences, the vulnerabilities" sh -c "
	grep -Fq '| path | syscall | sysret | swapgs | stac | clac | unlocked | rep_movs |' '$R' &&
	grep -Fq '| \`write_mymem\` | 1 | 1 | 2 | 1 | 1 | 2 | 0 |' '$R' &&
	grep -Fq '\`write_mymem\` against \`write_null\` (per call): stac +1, clac +1, unlocked +2.' '$R' &&
	grep -Fq 'unlocked, a read-modify-write whose lock prefix the 1-CPU guest patched out: locked on an SMP kernel' '$R' &&
	grep -Fq 'spectre_v2: \`Mitigation: Retpolines\`; 3 others \"Not affected\".' '$R' &&
	grep -Fq 'meltdown, two CR3 writes (page-table isolation), class cr_write; mds,' '$R' &&
	grep -Fq 'This profile counts 0 cr_write, 0 msr_write, 0 verw in all its paths.' '$R'"
# read_mymem's bar: user 11 of 540 (2.04%), then entry 203 to 39.63%,
# ...; its last stage ends at 100.  16 paths (the instrument's two
# aside), the first at the top: bar 15.
check "picture: a bar per path, stacked by stage in its order, each to 100%" sh -c "
	grep -A20 '^\"user\" start end path' '$D/plot/anatomy.dat' |
		grep -Fqx '15 0 2.03704 \"read_mymem (540)\"' &&
	grep -A20 '^\"entry\" start end path' '$D/plot/anatomy.dat' |
		grep -Fqx '15 2.03704 39.6296 \"read_mymem (540)\"' &&
	[ \"\$(grep -c '\"read_mymem (540)\"' '$D/plot/anatomy.dat')\" -eq 9 ] &&
	[ \"\$(grep -Ec '^15 [0-9.]+ 100 \"read_mymem' '$D/plot/anatomy.dat')\" -eq 1 ] &&
	[ \"\$(grep -c '^\"' '$D/plot/anatomy.dat')\" -eq 13 ]"
check "explanations: the missed write names the stages and functions, with counts" sh -c "
	grep -F '**1-byte write(): mymem / /dev/null (instructions)** (missed)' '$R' |
		grep -Fq '(+400 instructions). By this run'\''s profile, \`write_mymem\` executes 583 instructions per call and \`write_null\` 459 (+124); by stage mymem +70, lock +27, copy +16, fd +8, sched +6, file -3; by function \`mymem_fop_write\` +70,'"
check "explanations: in-kernel against read(), the stages only read() pays, the seed's causes" sh -c "
	grep -Fq 'a 1-byte read() executes 540 instructions and mymem_read() 50: 464 of the 490 between them are stages that read() pays and mymem_read() does not (entry 203, vfs 100, security 100, fd 20, verify 20, user 11, lock 10), the rest mymem +20, copy +12, sched -6; read() executes beyond it syscall 1, sysret 1, swapgs 2, stac 1, clac 1, unlocked 1 of the classes' '$R' &&
	grep -Fq '\"more checking of userspace interactions\": supported, in part: the checks of the caller'\''s request, security 100, verify 20, and the user copy'\''s +12 over memcpy() are 132 of the 490;' '$R' &&
	grep -Fq '\"the context switch\": not supported: a system call is a mode switch (here syscall 1, sysret 1, swapgs 2), not a context switch, and no scheduler function switched in read(): its stage sched is empty.' '$R' &&
	grep -Fq '\"direct access to physical memory\": not supported: both copy from the same mymem region, read() with 16 instructions in stage copy, mymem_read() with 4' '$R'"
check "explanations: the missed peer goals, per transfer, by stage and function from the profile" sh -c "
	grep -F '**writev of 64 x 1 B: mymem / /dev/null (instructions per transfer)** (missed)' '$R' |
		grep -Fq '0.30x as much. By this run'\''s profile, \`writev_mymem\` executes 137 instructions per transfer and \`writev_null\` 60 (+77); by stage iov_iter +40, copy +22, mymem +20.2, file -5.4, lock +0.3; by function \`_copy_from_iter\` +40, \`copy_user_short_string\` +22, \`mymem_fop_write_iter\` +20.2, \`write_iter_null\` -5.4, \`mutex_lock_killable\` +0.2.' &&
	grep -F '**io_uring reads of 64 x 1 B: mymem / /dev/zero (instructions per transfer)** (missed)' '$R' |
		grep -Fq 'not one call'\''s. By this run'\''s profile, \`uring_mymem\` executes 1,000 instructions per transfer and \`uring_zero\` 852.5 (+147.5); by stage mymem +93.8, copy +62.5, file -40, iov_iter +31.2; by function \`_copy_to_iter\` +156.2,' &&
	grep -Fq '**writev_mymem - writev_null**: By this run'\''s profile, \`writev_mymem\` executes 137 instructions per transfer' '$R'"
check "explanations: io_uring's transfer from the profile, against /dev/zero's" \
	grep -Fq "By this run's profile a transfer of \`uring_mymem\` executes 1,000 instructions, by stage io_uring 625, iov_iter 156.2, mymem 93.8, copy 62.5, user 46.9" "$R"
check "amortised: each path's transfer, the floor and stage entry from the profile" sh -c "
	grep -F -- '- **io_uring** ' '$R' |
		grep -Fq 'By this run'\''s profile a transfer of \`uring_mymem\` executes 1,000' &&
	grep -Fq 'The floor, by this run'\''s profile, in instructions of one 1-byte read: a load from the mapping 3, mymem_read() 50, read() 540 (stage entry 203), a transfer of readv 50 (stage entry 2.9), a transfer of io_uring 1,000 (stage entry 15.6).' '$R' &&
	grep -Fq 'count as their instructions only (by this run'\''s profile 203 in a read(), with syscall 1, sysret 1, swapgs 2)' '$R'"
check "goal: mymem_read() of 1 B in 50 instructions, met" \
	grep -Fq '| 1 B mymem_read() in the kernel (instructions, profile) | 50 | 1 run | icount | <= 60 | met |' "$R"

# A count changed changes the sentences made of it: mymem_fop_write
# 70 -> 90, mymem_read 40 -> 52 (62: the goal missed), writev's
# _copy_from_iter 2,560 -> 3,200 (50 a transfer), and a scheduler switch
# in read_mymem; io_uring writes missed (mymem 900 a transfer against
# /dev/null's 680), a path the profile lacks.
profiled recount
D=$T/recount
sed -i -e 's/^write_mymem,mymem_fop_write,mymem,plain,70,/write_mymem,mymem_fop_write,mymem,plain,90,/' \
	-e 's/^api_read,mymem_read,mymem,plain,40,/api_read,mymem_read,mymem,plain,52,/' \
	-e 's/^writev_mymem,_copy_from_iter,iov_iter,plain,2560,/writev_mymem,_copy_from_iter,iov_iter,plain,3200,/' \
	"$D/raw/profile.csv"
sed -i 's/^user,uring,write,1,1,6400,740.0,740,/user,uring,write,1,1,6400,900.0,900,/' \
	"$D/raw/bench-amortised.csv"
echo 'read_mymem,__schedule,sched,plain,30,0,1' >>"$D/raw/profile.csv"
run "$D"
check "a changed count changes the explanation, the goal and the causes" sh -c "
	[ $rc -eq 0 ] &&
	grep -F '**1-byte write(): mymem / /dev/null (instructions)** (missed)' '$D/REPORT.md' |
		grep -Fq '\`write_mymem\` executes 603 instructions per call and \`write_null\` 459 (+144); by stage mymem +90,' &&
	grep -Fq '| 1 B mymem_read() in the kernel (instructions, profile) | 62 | 1 run | icount | <= 60 | missed |' '$D/REPORT.md' &&
	grep -Fq '(missed): By this run'\''s profile \`api_read\` executes 62 instructions: \`mymem_read\` 52, \`__cond_resched\` 6, \`memcpy_erms\` 4 (by stage mymem 52, sched 6, copy 4); 2 over the goal.' '$D/REPORT.md' &&
	grep -Fq 'a 1-byte read() executes 570 instructions and mymem_read() 62' '$D/REPORT.md' &&
	grep -Fq '\"the context switch\": a scheduler switch ran in read(): __schedule.' '$D/REPORT.md'"
check "a changed count changes a peer goal's explanation; a path the profile lacks is said" sh -c "
	grep -F '**writev of 64 x 1 B: mymem / /dev/null (instructions per transfer)** (missed)' '$D/REPORT.md' |
		grep -Fq '\`writev_mymem\` executes 147 instructions per transfer and \`writev_null\` 60 (+87); by stage iov_iter +50, copy +22, mymem +20.2, file -5.4, lock +0.3; by function \`_copy_from_iter\` +50,' &&
	grep -F '**io_uring writes of 64 x 1 B: mymem / /dev/null (instructions per transfer)** (missed)' '$D/REPORT.md' |
		grep -Fq 'At 64 transfers of 1 B a call, mymem'\''s writes cost 900 instructions a transfer and /dev/null'\''s 680 (+220).' &&
	grep -F '**io_uring writes of 64 x 1 B: mymem / /dev/null (instructions per transfer)** (missed)' '$D/REPORT.md' |
		grep -Fq 'This run'\''s profile has no \`uring_write_mymem\` or \`uring_write_null\`: which stages and functions make this difference is not measured here.'"

# A profile that names a path the format does not know is refused.
profiled badpath
sed -i 's/^read_zero,/read_one,/' "$T/badpath/raw/profile.csv"
run "$T/badpath"
check "a profile with an unknown path: exit 1, one line" \
	one_line_error ".*profile.csv:[0-9]*: path 'read_one' is not one of"
