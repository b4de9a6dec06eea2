# glu.gp — lesson 07: act(g) * u over g, u in [-3, 3] for each GLU variant, from
# build/figures/glu_KIND.dat (figure_data glu KIND: glulab's glu_forward).
# A heat map of 5 x 61 x 61 cells is 2 MB as SVG and a tenth of that as PNG.
set terminal pngcairo size 1000,560 font "sans,10" background "white"
set output out
set multiplot layout 2,3 title "The GLU gate: act(g) * u, one panel per variant (glu\\_forward)"
set view map
set xlabel "gate g"
set ylabel "up u"
set xrange [-3:3]
set yrange [-3:3]
set cbrange [-3:3]
set palette defined (-3 "#2166ac", 0 "#f7f7f7", 3 "#b2182b")
set contour base
set cntrparam levels discrete -2, -1, -0.1, 0.1, 1, 2
unset key
set size square
do for [k in "glu bilinear reglu geglu swiglu"] {
    act = k eq "glu" ? "sigmoid" : k eq "bilinear" ? "identity" : k eq "reglu" ? "relu" : k eq "geglu" ? "gelu" : "silu"
    set title sprintf("%s: %s(g) * u", k, act)
    splot data . "/glu_" . k . ".dat" using 1:2:3 with pm3d, "" using 1:2:3 with lines lc "black" nosurface
}
unset multiplot
