# softmax.gp — lesson 09: softmax(z / tau) of one row of eight logits for four temperatures,
# from lessons/09-softmax-cross-entropy/figures/softmax_temperature.csv (figure_data softmax: glulab's scale_forward and softmax_forward).
set terminal svg size 640,400 font "sans,11" background "white"
set output out
set datafile separator ","
set datafile columnheaders
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:1]
set ylabel "p_i"
set xlabel "logit z_i"
set title "softmax(z / tau): low tau sharpens, high tau flattens towards 1/8"
f = src
plot f using 3:xtic(2) title "tau = 0.5", "" using 4 title "tau = 1", \
     "" using 5 title "tau = 2", "" using 6 title "tau = 5"
