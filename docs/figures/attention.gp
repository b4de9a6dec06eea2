# attention.gp — lesson 10: the attention probabilities of one layer of a trained model, one
# panel per head, from build/figures/attentionL.dat (figure_data attention: the probs the
# attention node of glulab's forward cached). Row t = query position, column s = key position.
set terminal svg size 1100,320 font "sans,10" background "white"
set output out
set multiplot layout 1,4 title sprintf("Layer %d: attention probabilities per head (row: query t, column: key s; above the diagonal is masked)", layer)
set view map
set size square
set xlabel "key s"
set ylabel "query t"
f = data . sprintf("/attention%d.dat", layer)
stats f using 2 nooutput
T = STATS_max + 1
set xrange [-0.5:T - 0.5]
set yrange [T - 0.5:-0.5]
# Most probabilities are small (a row of t + 1 sums to 1): the colour saturates at 0.5.
set cbrange [0:0.5]
set palette defined (0 "white", 0.15 "#9ecae1", 1 "#08306b")
unset key
do for [h = 0:3] {
    set title sprintf("head %d", h)
    plot f index h using 3:2:4 with image
}
unset multiplot
