# SPDX-License-Identifier: GPL-2.0
# The plots of REPORT.md.  report/report.py (mymem_report/plots.py and
# panels.py) writes the data into DIR and runs this once per output
# format, with -e assignments: dir, out, ext (png: pngcairo if this
# gnuplot has it, else png; or svg), sizetics ('("1 B" 1, ...)'), unit
# and kunit (of the user and kernel bench figures: instructions under
# -icount, else ns), rateunit, mode; the plot commands lat0..lat3,
# thr_read and thr_write (macros, with their data files: latency-N.dat,
# throughput-OP.dat, built by panels.py so that no series hides under
# another) and lat0_title..lat3_title; nkvu (rows of kernel-vs-user.dat:
# size, read(), mymem_read(), their ratio, each over its own 1-byte
# cost; seed.dat: size, the seed's in-kernel read in us, over its 1-byte
# read); nsweep, sweep_title, nmain (blocks of race-main.dat: per side,
# W, mean, min and max error % of the main race's unlocked runs); nrace
# (rate.dat: a header, then per mode group label, mean, min and max
# increments/s of user and of kernel, '-' where not run); namort,
# amort_colours, amort_dashes, amort_ymax (0: automatic) and amort_off_read,
# amort_off_write (the points above it), see (e); nanat, npaths and
# anat_colours (anatomy.dat), see (f).

if (ext eq 'svg') {
	set terminal svg size 1100,900 noenhanced dynamic font ',12'
} else {
	if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
		set terminal pngcairo size 1100,900 noenhanced font ',11'
	} else {
		set terminal png size 1100,900 noenhanced
	}
}
set grid
set key below font ',10' spacing 1.1
set style data linespoints
set datafile missing '-'

# (a) each peer's median over user-space mymem's, one panel a group
# (reads solid, writes dashed); (b) size over median, reads and writes.
set logscale x
set xtics @sizetics
set xlabel 'transfer size (bytes)'

set output out.'/latency.'.ext
set multiplot layout 2,2 title 'Cost against user-space mymem'."'".'s, same op and size (median; '.mode.': '.unit.')'
set ylabel 'median / user mymem' . "'" . 's'
do for [n=0:3] {
	set title value('lat'.n.'_title')
	eval('@lat'.n)
}
unset multiplot

set output out.'/throughput.'.ext
set logscale xy
set ylabel rateunit
set multiplot layout 1,2 title 'Size over median cost ('.mode.'; /dev/null moves no byte: not shown)'
set title 'reads'
@thr_read
set title 'writes'
@thr_write
unset multiplot

# (f) the lab's question: read() (user, mymem-bench) against
# mymem_read() (in-kernel, mymem_test) by size; their ratio; and each,
# with the seed's in-kernel read, over its own 1-byte cost.
set output out.'/kernel-vs-user.'.ext
kvu = dir.'/kernel-vs-user.dat'
if (nkvu > 0) {
	set key outside right top vertical
	set lmargin 12
	set rmargin 40
	set multiplot layout 3,1 title 'read() against mymem_read() ('.mode.')'
	set logscale xy
	set title 'median cost per call'
	set ylabel unit
	plot kvu using 1:2 title 'read() (user, mymem-bench)' lw 2 lc rgb '#d62728' pt 7 ps 1.2, \
		kvu using 1:3 title 'mymem_read() (in-kernel, mymem_test)' lw 2 lc rgb '#1f77b4' dt 2 pt 6 ps 1.6
	unset logscale y
	set yrange [0:*]
	set title 'read() / mymem_read()'
	set ylabel 'ratio'
	plot kvu using 1:4 title 'read() / mymem_read()' lw 2 lc rgb '#2ca02c' pt 7 ps 1.2, \
		1 notitle lc rgb '#888888' dt 3
	set yrange [*:*]
	set logscale xy
	set title 'each over its own 1-byte cost'
	set ylabel 'cost / 1-byte cost'
	plot kvu using 1:5 title 'read(), this run' lw 2 lc rgb '#d62728' pt 7 ps 1.2, \
		kvu using 1:6 title 'mymem_read(), this run' lw 2 lc rgb '#1f77b4' dt 2 pt 6 ps 1.6, \
		dir.'/seed.dat' using 1:3 title 'the seed'."'".'s in-kernel read (its hardware)' \
		lw 2 lc rgb '#000000' dt 3 pt 5 ps 1.2
	unset multiplot
} else {
	set label 1 'no in-kernel benchmark was run' at graph 0.5, 0.5 center
	plot [1:2] [1:2] 0 notitle
	unset label 1
}
unset logscale
set yrange [*:*]
set key default
set lmargin -1
set rmargin -1

# (c) race error against the number of threads: the sweep (its N and
# runs in its title) and the main race's unlocked runs, user and kernel,
# with min-max bars over their runs.
set xtics autofreq
set logscale x
unset logscale y
set xrange [0.8:*]
set yrange [0:100]
set xlabel 'W (threads)'
set ylabel 'updates lost (% of W*N)'
set key bottom right
set output out.'/race-error.'.ext
set title 'Unlocked increments: updates lost against W ('.sweep_title.')'
if (nsweep + nmain > 0) {
	plot for [i=0:nsweep-1] dir.'/sweep.dat' index i \
		using 1:2 with linespoints lw 2 pt 7 ps 1.2 title columnheader(2), \
		for [i=0:nmain-1] dir.'/race-main.dat' index i \
		using 1:2:3:4 with yerrorbars lw 2 pt 5+2*i ps 1.5 title columnheader(2)
} else {
	set label 1 'no race was run' at graph 0.5, 0.5 center
	plot NaN notitle
	unset label 1
}

# (d) increments per second by mode, user and kernel side by side.
unset logscale
set xrange [*:*]
set yrange [*:*]
set logscale y
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border -1
set boxwidth 0.9
set xtics nomirror
set grid ytics
set xlabel 'mode'
set ylabel 'increments/s (mean, min-max over runs)'
set output out.'/race-rate.'.ext
set title 'Increments per second by mode'
if (nrace > 0) {
	plot dir.'/rate.dat' using 2:3:4:xtic(1) title columnheader(2) \
			lc rgb '#d62728', \
		'' using 5:6:7 title columnheader(5) lc rgb '#1f77b4'
} else {
	unset logscale y
	set style data lines
	set xrange [0:1]
	set yrange [0:1]
	set label 1 'no race was run' at graph 0.5, 0.5 center
	plot NaN notitle
	unset label 1
}

# (e) cost per operation against operations per call, the amortised
# paths and, level, the paths of one call (or none) per operation:
# reads left, writes right.  DIR/amortised-OP.dat: one block per series,
# its title first, then per call and median; namort series, each with
# its word of amort_colours and amort_dashes.  amort_ymax, if not 0,
# caps the y axis so that one outlier (amort_off_OP names it) does not
# set it.
reset
if (ext eq 'svg') {
	set terminal svg size 1280,820 noenhanced dynamic font ',12'
} else {
	if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
		set terminal pngcairo size 1280,820 noenhanced font ',11'
	} else {
		set terminal png size 1280,820 noenhanced
	}
}
set output out.'/amortised.'.ext
set grid
set logscale xy 2
set logscale y 10
set xlabel 'operations per call (readv iovecs, io_uring SQEs per enter)'
set ylabel unit.' per operation (median)'
set key outside right top vertical font ',10'
set style data linespoints
if (amort_ymax > 0) { set yrange [*:amort_ymax] }
acolour(i) = word(amort_colours, i + 1)
adash(i) = int(word(amort_dashes, i + 1))
set multiplot layout 2,1 title 'Cost per operation against batch size ('.mode.'; 1 B solid, 64 B dashed)'
do for [op in 'read write'] {
	set title op.'s'
	if (namort > 0) {
		offscale = value('amort_off_'.op)
		if (strlen(offscale) > 0) {
			set label 2 offscale at graph 0.01, 0.95 left font ',10'
		}
		plot for [i=0:namort-1] dir.'/amortised-'.op.'.dat' index i \
			using 1:2 title columnheader(1) lw 2 lc rgb acolour(i) \
			dt adash(i) pt 7 ps 0.8
		unset label 2
	} else {
		unset logscale
		set xrange [0:1]
		set yrange [0:1]
		set label 1 'no amortised paths were measured' at graph 0.5, 0.5 center
		plot NaN notitle
		unset label 1
	}
}
unset multiplot

# (f) the anatomy of a call: one horizontal bar per path of the profile,
# stacked by stage, in percent of the path's instructions (its total in
# its label).  DIR/anatomy.dat: one block per stage, its name first, then
# per path: bar number, start and end percent, label; nanat stages, each
# with its word of anat_colours; npaths bars.
reset
if (ext eq 'svg') {
	set terminal svg size 1280,720 noenhanced dynamic
} else {
	if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
		set terminal pngcairo size 1280,720 noenhanced
	} else {
		set terminal png size 1280,720 noenhanced
	}
}
set output out.'/anatomy.'.ext
set title 'Anatomy of a call: instructions by stage (percent of the path; its total in brackets)'
set xlabel 'share of the call''s instructions (%)'
set key outside right top
set grid xtics
set style fill solid 0.9 border -1
scolour(i) = word(anat_colours, i + 1)
if (nanat > 0) {
	set xrange [0:100]
	set yrange [-0.6:npaths - 0.4]
	plot for [i=0:nanat-1] dir.'/anatomy.dat' index i \
		using (($2 + $3) / 2):1:2:3:($1 - 0.4):($1 + 0.4):ytic(4) \
		with boxxyerror lc rgb scolour(i) title columnheader(1)
} else {
	set xrange [0:1]
	set yrange [0:1]
	set label 1 'no profile in this run' at graph 0.5, 0.5 center
	plot NaN notitle
	unset label 1
}
