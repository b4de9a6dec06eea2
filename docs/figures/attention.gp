# attention.gp — lesson 10: the attention probabilities of one layer of a trained model, one
# panel per head, from build/figures/attentionL.dat (figure_data attention: the probs the
# attention node of glulab's forward cached). Row t = query position, column s = key position.
set terminal svg size 1000,300 font "sans,10" background "white"
set output out
set multiplot layout 1,4 title sprintf("Layer %d: attention probabilities per head (row: query t, column: key s; above the diagonal is masked)", layer)
set view map
set size square
set xlabel "key s"
set ylabel "query t"
set yrange [*:*] reverse
set cbrange [0:1]
set palette defined (0 "white", 1 "#08306b")
unset key
unset colorbox
do for [h = 0:3] {
    set title sprintf("head %d", h)
    plot data . sprintf("/attention%d.dat", layer) index h using 3:2:4 with image
}
unset multiplot
