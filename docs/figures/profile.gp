# profile.gp — lesson 14: milliseconds per step in each op, forward and backward, from
# lessons/14-making-it-fast/figures/op_time.dat (op calls fwd_ms bwd_ms: the `glulab bench
# --profile` table that lesson 14's README quotes; `make docs-check` keeps the two equal).
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
plot src using 3:xtic(1) title "forward", "" using 4 title "backward"
