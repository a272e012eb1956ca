# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# The answers that open REPORT.md (mymem_report/answers.py, issue 23),
# checked by report/test-report.sh, which sources it: it uses that
# script's $T, $rc, $FIXTURE, fresh, run, check and rep_movsb.
# shellcheck disable=SC2154 # all set by test-report.sh

fresh answers
D=$T/answers
A=$D/REPORT.md
run "$D"

# The seed's questions in its order (answers.ANSWERS), then the evidence.
check "answers: the first heading after the title, one entry per seed question in its order" sh -c "
	[ $rc -eq 0 ] &&
	[ \"\$(grep '^#' '$A' | sed -n 2p)\" = \"## Answers to the seed's questions\" ] &&
	[ \"\$(grep -E '^#{2,3} ' '$A' | sed -n 1,9p)\" = \"## Answers to the seed's questions
### 1. Why does the order of loading the two modules matter?
### 2. How much faster is the in-kernel API than the system-call path, and why?
### 3. How do reads and writes differ across sizes, and where is the overhead?
### 4. When does the unlocked increment go wrong, why, what does each fix cost, and how can the driver guarantee a correct result?
### 5. What changes when the race runs inside the kernel?
### 6. What can a compiler or checker catch in the race?
### 7. How does one module reach another's functions?
## Environment\" ]"

check "answers: the evidence, then goals, peers and amortised paths as the appendix" sh -c "
	[ \"\$(grep '^## ' '$A' | tr '\n' '|')\" = \"## Answers to the seed's questions|## Environment|## Benchmark|## Race|## Anatomy of a call|## The evidence of each answer|## Beside the seed's hardware figures|## Self-test|## Engineering appendix: goals, peers, amortised paths|## Key ratios|## Amortised paths: one call, many operations|\" ] &&
	grep -Fq \"The goals are the project's own design targets for mymem.ko\" '$A'"

check "answers: the evidence sections in the answers' order" sh -c "
	[ \"\$(sed -n '/^## The evidence of each answer/,/^## Beside/p' '$A' | grep '^### ' | cut -c5-9 | tr '\n' '|')\" = 'Why t|In-ke|Reads|When |What |How o|' ]"

# read() 900 against mymem_read() 60 at 1 B, 1,000,000 / 950,000 at 512 KiB
check "answers: the in-kernel answer in instructions under -icount, its seed verdicts" sh -c "
	grep -Fq 'At 1 B a mymem_read() in the kernel cost 60 instructions, a read() through the system call 900 instructions: 15.00x the API' '$A' &&
	grep -Fq '| 1 B | 900 | 60 | 15.00x |' '$A' &&
	grep -Fq '\"significantly faster, almost uniformly across payload sizes\": wrong on \"uniformly\": this run reads 15.00x at 1 B and 1.05x at 512 KiB; significantly faster (at least 2.00x) up to 64 B only.' '$A' &&
	grep -Fq -- '- \"more checking of userspace interactions\": not judged: This run has no profile' '$A' &&
	grep -Fq -- '- \"direct access to physical memory\": not judged: This run has no profile' '$A'"

fresh answersclock
rm "$T/answersclock/raw/modes.txt"
run "$T/answersclock"
check "answers: the same figures on a wall clock are times, not instructions" sh -c "
	grep -Fq 'kernel cost 60 ns, a read() through the system call 900 ns' '$T/answersclock/REPORT.md' &&
	! grep -q 'instructions: 15.00x' '$T/answersclock/REPORT.md'"

# The API 15x cheaper at every size: 950 / 63, 150,000 / 10,000 and
# 1,000,000 / 66,667
fresh uniform
sed -i -e 's/^kernel,api,read,64,1,100,110,120,/kernel,api,read,64,1,100,110,63,/' \
	-e 's/^kernel,api,read,65536,1,100,124000,120000,/kernel,api,read,65536,1,100,124000,10000,/' \
	-e 's/^kernel,api,read,524288,1,100,990000,950000,/kernel,api,read,524288,1,100,990000,66667,/' \
	"$T/uniform/raw/bench-kernel.csv"
run "$T/uniform"
check "answers: a ratio as large at 64 KiB as at 1 B makes the seed's 'uniformly' right" sh -c "
	[ $rc -eq 0 ] &&
	grep -Fq 'almost uniformly across payload sizes\": right in this run: 15.00x to 15.08x at every size from 1 B to 512 KiB.' '$T/uniform/REPORT.md' &&
	! grep -q 'wrong on \"uniformly\"' '$T/uniform/REPORT.md'"

fresh answerscopy
rep_movsb "$T/answerscopy"
run "$T/answerscopy"
check "answers: one instruction per byte on both paths: 'the same copy', only then" sh -c "
	grep -Fq 'From 64 KiB to 512 KiB both count one instruction per byte: the same copy.' '$T/answerscopy/REPORT.md' &&
	! grep -Fq 'the same copy.' '$A'"

# The kernel's unlocked run lost 25,000 of 50,000 (50.0%), user space's
# 35,000 and 30,000 (65.0%); 2,500,000 against 200,000 incr/s
check "answers: the race in the kernel: still lost, the cost changed, from the data" sh -c "
	grep -Fq 'Unlocked, 50 kthreads lost 50.0% of their increments (1 run), against 65.0% for 50 threads from user space.' '$A' &&
	grep -Fq 'the kthreads run on 2 CPUs at once, in a kernel built with preemption (vermagic \`preempt\`), and mymem_write() may sleep' '$A' &&
	grep -Fq 'the kthreads ran unlocked 12.50x, mutex 5.00x, fetch_add 5.00x as fast as' '$A' &&
	grep -Fq 'Being in the kernel changes the cost, not the race.' '$A' &&
	grep -Fq '| unlocked | 65.0% | 200,000 | 50.0% | 2,500,000 |' '$A'"

fresh kernelexact
awk -F, -v OFS=, '$2 == "unlocked" { $6 = $7; $8 = 0; $9 = "0.0000" } 1' \
	"$FIXTURE/race-kernel.csv" >"$T/kernelexact/raw/race-kernel.csv"
run "$T/kernelexact"
check "answers: a kernel race that lost nothing: not 'changes the cost, not the race'" sh -c "
	[ $rc -eq 0 ] &&
	grep -Fq 'Unlocked, 50 kthreads lost no update in 1 run, against 65.0%' '$T/kernelexact/REPORT.md' &&
	grep -Fq 'this run does not show what the kernel changes about the race' '$T/kernelexact/REPORT.md' &&
	! grep -Fq 'changes the cost, not the race' '$T/kernelexact/REPORT.md'"

# 80% lost on one CPU, in a kernel built without preemption
fresh kernelother
sed -i 's/^\(kernel,unlocked,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,\)25000,50.0000,/\140000,80.0000,/' \
	"$T/kernelother/raw/race-kernel.csv"
sed -i 's/^nproc=2$/nproc=1/' "$T/kernelother/raw/env-tcg.txt"
sed -i 's/ preempt / /' "$T/kernelother/raw/modinfo.txt"
run "$T/kernelother"
check "answers: the kernel race's loss, CPUs and preemption are the run's" sh -c "
	grep -Fq '50 kthreads lost 80.0% of their increments' '$T/kernelother/REPORT.md' &&
	grep -Fq 'the kthreads run taking turns on one CPU, and mymem_write() may sleep' '$T/kernelother/REPORT.md' &&
	! grep -q 'vermagic .preempt' '$T/kernelother/REPORT.md'"
