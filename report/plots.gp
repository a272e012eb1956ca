# SPDX-License-Identifier: GPL-2.0
# The plots of REPORT.md.  report/report.py writes the data into DIR and
# runs this once per output format:
#
#   gnuplot -e "dir='DIR'; out='OUT'; ext='png'; nbench=N;
#               colours='#rrggbb ...'; dashes='1 2 ...';
#               sizetics='("1 B" 1, ...)'; nsweep=M; nrace=R;
#               namort=A; amort_colours='...'; amort_dashes='...'"
#               nanat=S; npaths=P; anat_colours='...'"
#               report/plots.gp
#
# ext is png (pngcairo if this gnuplot has it, else png) or svg.
#
# DIR/bench.dat  one block per series (side target op), first line its
#                title: size, median ns, MB/s (size / median)
# DIR/sweep.dat  one block per race mode: W, mean, min and max error %
# DIR/rate.dat   a header line, then per mode group: label, then mean,
#                min and max increments/s of user and of kernel ('-' if
#                that side has no such mode)
# DIR/amortised-read.dat, DIR/amortised-write.dat  see (e) below
# DIR/anatomy.dat  see (f) below
#
# colours and dashes hold one word per bench series, so that a target
# keeps its colour and reads and writes differ by dash in both plots;
# sizetics labels the measured sizes, which are powers of two.

if (ext eq 'svg') {
	set terminal svg size 960,600 enhanced dynamic
} else {
	if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
		set terminal pngcairo size 960,600 enhanced
	} else {
		set terminal png size 960,600 enhanced
	}
}
set grid
set key outside right top
set style data linespoints
set datafile missing '-'

bench = dir.'/bench.dat'
colour(i) = word(colours, i + 1)
dash(i) = int(word(dashes, i + 1))

# (a) latency and (b) throughput against transfer size.
set logscale xy
set xtics @sizetics
set xlabel 'transfer size (bytes)'

set output out.'/latency.'.ext
set title 'Latency per operation (median)'
set ylabel 'ns per operation'
plot for [i=0:nbench-1] bench index i using 1:2 title columnheader(1) \
	lw 2 lc rgb colour(i) dt dash(i) pt 7 ps 0.6

set output out.'/throughput.'.ext
set title 'Throughput (size / median time)'
set ylabel 'MB/s'
plot for [i=0:nbench-1] bench index i using 1:3 title columnheader(1) \
	lw 2 lc rgb colour(i) dt dash(i) pt 7 ps 0.6

# (c) race error against the number of threads; bars span the runs.
set xtics autofreq
set logscale x
unset logscale y
set xrange [0.8:*]
set yrange [0:100]
set xlabel 'W (threads)'
set ylabel 'updates lost (% of W*N)'
set output out.'/race-error.'.ext
set title 'Unlocked increments: error against W (mean, min-max over runs)'
if (nsweep > 0) {
	plot for [i=0:nsweep-1] dir.'/sweep.dat' index i \
		using 1:2:3:4 with yerrorlines lw 2 pt 7 title columnheader(2)
} else {
	set label 1 'no sweep was run' at graph 0.5, 0.5 center
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
# its title first, then per call and median ns; namort series, each with
# its word of amort_colours and amort_dashes.
reset
if (ext eq 'svg') {
	set terminal svg size 1280,680 noenhanced dynamic
} else {
	if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
		set terminal pngcairo size 1280,680 noenhanced
	} else {
		set terminal png size 1280,680 noenhanced
	}
}
set output out.'/amortised.'.ext
set grid
set logscale xy 2
set logscale y 10
set xlabel 'operations per call (readv iovecs, io_uring SQEs per enter)'
set ylabel 'ns per operation (median)'
set key below vertical maxrows 6 width -8 font ',9'
set style data linespoints
acolour(i) = word(amort_colours, i + 1)
adash(i) = int(word(amort_dashes, i + 1))
set multiplot layout 1,2 title 'Cost per operation against batch size (1 B solid, 64 B dashed)'
do for [op in 'read write'] {
	set title op.'s'
	if (namort > 0) {
		plot for [i=0:namort-1] dir.'/amortised-'.op.'.dat' index i \
			using 1:2 title columnheader(1) lw 2 lc rgb acolour(i) \
			dt adash(i) pt 7 ps 0.6
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
