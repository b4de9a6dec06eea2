# lr.gp — lesson 12: the learning rate of the same run, from its metrics.csv (glulab's
# learning_rate as the trainer used it: linear warmup over 30 steps, cosine decay to min_lr).
set terminal svg size 640,360 font "sans,11" background "white"
set output out
set datafile separator ","
set datafile columnheaders
set grid
set xlabel "step"
set ylabel "learning rate"
set format y "%.0e"
unset key
set title "The schedule: warmup for 30 steps, then cosine decay to 1e-4"
plot metrics using 1:4 with linespoints pt 7 ps 0.4 lw 2
