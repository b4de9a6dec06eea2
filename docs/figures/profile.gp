# profile.gp — lesson 14: milliseconds per step in each op, forward and backward, from
# build/figures/profile.dat (glulab bench --profile of the default model on the machine that
# drew it: the numbers are one machine's, under whatever else it was running).
set terminal svg size 640,400 font "sans,11" background "white"
set output out
set termoption noenhanced
set style data histogram
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid ytics
set ylabel "ms per training step (summed over calls)"
set xtics rotate by -30
set title "Where a training step goes (glulab bench --profile, default model, one machine)"
plot data . "/profile.dat" using 2:xtic(1) title "forward", "" using 3 title "backward"
