# SPDX-License-Identifier: Apache-2.0
# Plots the series bench-fleet writes: gnuplot -e "series='fleet.dat'; output='fleet.png'" fleet-plot.gp
set terminal pngcairo size 1200,700 font ",10"
set output output
set title "One million devices polling one eIM for a week, the eIM down for two hours (shipped [Poll] defaults)"
set xlabel "time (hours)"
set ylabel "requests per second (mean over each minute)"
set y2label "busiest second of each minute"
set xtics 12
set grid
set key top left
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
plot series using ($1/60):($2/60) with lines lw 1 lc rgb "#1f77b4" title "requests per second (minute mean)", \
     series using ($1/60):($3/60) with lines lw 1 lc rgb "#d62728" title "of which refused (eIM down)", \
     series using ($1/60):4 axes x1y2 with dots lc rgb "#7f7f7f" title "busiest second of the minute (right axis)"
