# loss.gp — lesson 12: train and validation loss of the short swiglu run, from its metrics.csv
# (written by glulab's trainer: step,train_loss,val_loss,lr,...).
set terminal svg size 640,400 font "sans,11" background "white"
set output out
set datafile separator ","
set datafile columnheaders
set key top right
set grid
set xlabel "step"
set ylabel "cross-entropy (nats)"
set title "Loss of a 300-step swiglu run (L 2, C 64, T 32, seed 1337)"
plot metrics using 1:2 with linespoints pt 7 ps 0.4 lw 2 title "train (estimated at each evaluation)", \
     metrics using 1:3 with linespoints pt 7 ps 0.4 lw 2 title "validation", \
     log(65) with lines dt 2 lc "gray" title "ln 65: uniform guess"
