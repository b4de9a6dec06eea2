# rmsnorm.gp — lesson 08: twelve 2-D vectors x and rms_norm(x) with g = 1, from
# lessons/08-rmsnorm/figures/rmsnorm_vectors.csv (figure_data rmsnorm: glulab's rms_norm_forward).
set terminal svg size 560,520 font "sans,11" background "white"
set output out
set datafile separator ","
set datafile columnheaders
set size square
set grid
set key bottom right
set xrange [-3.2:3.2]
set yrange [-3.2:3.2]
set xlabel "channel 0"
set ylabel "channel 1"
set title "RMSNorm (C = 2, g = 1): every vector keeps its direction\nand lands on the circle of radius sqrt(C) = 1.414"
set parametric
set trange [0:2*pi]
f = src
plot sqrt(2)*cos(t), sqrt(2)*sin(t) with lines lc "gray" dt 2 title "radius sqrt(2)", \
     f using 1:2:($3-$1):($4-$2) with vectors head filled lc "#999999" title "x -> rms\\_norm(x)", \
     f using 1:2 with points pt 7 ps 0.8 lc "#2166ac" title "x", \
     f using 3:4 with points pt 7 ps 0.8 lc "#b2182b" title "rms\\_norm(x)"
