# activations.gp — lesson 06: the activations (col=0) or their derivatives (col=1), from
# lessons/06-activations/figures/activations.csv (figure_data act: glulab's forward and backward kernels, dout = 1).
set terminal svg size 640,400 font "sans,11" background "white"
set output out
set datafile separator ","
set datafile columnheaders
set key top left
set grid
set xlabel "x"
set xrange [-4:4]
if (col == 0) { set ylabel "act(x)"; set yrange [-1:4]; set title "The activations of lesson 06" } \
else { set ylabel "act'(x)  (the backward kernel with dout = 1)"; set yrange [-0.3:1.3]; set title "Their derivatives" }
f = src
plot f using 1:(column(2 + col)) with lines lw 2 title "relu", \
     f using 1:(column(4 + col)) with lines lw 2 title "gelu", \
     f using 1:(column(6 + col)) with lines lw 2 dt 2 title "gelu\\_tanh", \
     f using 1:(column(8 + col)) with lines lw 2 title "silu", \
     f using 1:(column(10 + col)) with lines lw 2 title "sigmoid"
