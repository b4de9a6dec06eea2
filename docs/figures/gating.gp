# gating.gp — lesson 07: the loss of a plain and a gated hidden layer fitted to y = x1 * x2,
# against the number of hidden units, from lessons/07-glu-family/figures/gating.dat (the table
# build/lessons/07 prints: H, then the mean squared error of relu, gelu, swiglu and bilinear).
set terminal svg size 640,400 font "sans,11" background "white"
set output out
set termoption noenhanced
set logscale xy
set xtics (1, 2, 4, 8, 16, 32)
set format y "1e%T"
set grid
set key top right
set xlabel "hidden units H"
set ylabel "mean squared error after training"
set title "Fitting y = x1 * x2: one gated unit against many plain ones"
plot src using 1:2 with linespoints lw 2 pt 7 title "relu (plain)", \
     "" using 1:3 with linespoints lw 2 pt 7 title "gelu (plain)", \
     "" using 1:4 with linespoints lw 2 pt 5 dt 2 title "swiglu (gated)", \
     "" using 1:5 with linespoints lw 2 pt 5 dt 2 title "bilinear (gated)"
