// chart.cpp — a Chart drawn as ASCII text or by gnuplot from a script (plot.hpp → Charts).
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/plot.hpp"

#include "glulab/platform/check.hpp"
#include "glulab/platform/files.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>

extern char** environ;

namespace glulab {

namespace fs = std::filesystem;

// ASCII charts
// ------------
// The plot area is a grid of characters. Each series is drawn by walking its segments column by
// column and marking the row of the interpolated y; a later series overwrites an earlier one.

std::string ascii_chart(const Chart& chart, int width, int height) {
    static constexpr char kMarks[] = "*+ox#@%&=~";
    width = std::max(width, 10);
    height = std::max(height, 4);
    double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
    for (const Series& s : chart.series)
        for (size_t i = 0; i < s.x.size() && i < s.y.size(); i++) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
            x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
            y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
        }
    std::string out = chart.title + "\n";
    if (!(x0 <= x1)) return out + "  (no data)\n";
    if (x1 == x0) x0 -= 1, x1 += 1;
    if (y1 == y0) y0 -= 0.5, y1 += 0.5;

    std::vector<std::string> grid(static_cast<size_t>(height), std::string(static_cast<size_t>(width), ' '));
    auto col = [&](double x) { return std::clamp(static_cast<int>(std::lround((x - x0) / (x1 - x0) * (width - 1))), 0, width - 1); };
    auto row = [&](double y) { return std::clamp(static_cast<int>(std::lround((y1 - y) / (y1 - y0) * (height - 1))), 0, height - 1); };
    for (size_t k = 0; k < chart.series.size(); k++) {
        const Series& s = chart.series[k];
        const char mark = kMarks[k % (sizeof(kMarks) - 1)];
        const size_t n = std::min(s.x.size(), s.y.size());
        for (size_t i = 0; i < n; i++) {
            if (i == 0 || n == 1) {
                grid[static_cast<size_t>(row(s.y[i]))][static_cast<size_t>(col(s.x[i]))] = mark;
                continue;
            }
            const int ca = col(s.x[i - 1]), cb = col(s.x[i]);
            for (int c = ca; c <= cb; c++) {
                const double t = cb == ca ? 1.0 : static_cast<double>(c - ca) / (cb - ca);
                const double y = s.y[i - 1] + t * (s.y[i] - s.y[i - 1]);
                grid[static_cast<size_t>(row(y))][static_cast<size_t>(c)] = mark;
            }
        }
    }

    const int lw = 10;  // width of the y-axis labels
    if (!chart.ylabel.empty()) out += fmt::format("{:>{}}  {}\n", "", lw, chart.ylabel);
    for (int r = 0; r < height; r++) {
        std::string label;
        if (r == 0) label = fmt::format("{:.4g}", y1);
        if (r == height - 1) label = fmt::format("{:.4g}", y0);
        if (r == height / 2) label = fmt::format("{:.4g}", y1 - (y1 - y0) * r / (height - 1));
        out += fmt::format("{:>{}} |{}\n", label, lw, grid[static_cast<size_t>(r)]);
    }
    out += fmt::format("{:>{}} +{}\n", "", lw, std::string(static_cast<size_t>(width), '-'));
    const std::string xa = fmt::format("{:.4g}", x0), xb = fmt::format("{:.4g}", x1);
    out += fmt::format("{:>{}}  {}{:>{}}\n", "", lw, xa, xb, width - static_cast<int>(xa.size()));
    if (!chart.xlabel.empty()) out += fmt::format("{:>{}}  {:^{}}\n", "", lw, chart.xlabel, width);
    std::string legend;
    for (size_t k = 0; k < chart.series.size(); k++)
        legend += fmt::format("   {} {}", kMarks[k % (sizeof(kMarks) - 1)], chart.series[k].name);
    return out + fmt::format("{:>{}}{}\n", "", lw - 1, legend);
}

// gnuplot
// -------
// Each picture is a script, NAME.gp, written next to it: the data as inline data blocks
// ($d0_1 << EOD ... EOD), then the same plot commands twice, once for the PNG terminal and once
// for SVG. A learner can edit the script and redraw with `gnuplot NAME.gp` in that directory.

std::string find_gnuplot() {
    const char* path = std::getenv("PATH");
    if (!path) return "";
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "gnuplot";
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec) && access(candidate.c_str(), X_OK) == 0)
            return fs::absolute(candidate).string();  // gnuplot runs in the pictures' directory
    }
    return "";
}

namespace {

// A gnuplot double-quoted string.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}


std::string block_name(size_t panel, size_t series) { return fmt::format("$d{}_{}", panel, series); }

bool has_points(const Series& s) { return !s.x.empty() && s.x.size() == s.y.size(); }

// The plot commands of all panels (drawn once per terminal).
std::string gnuplot_body(const std::vector<Chart>& panels) {
    std::string body;
    if (panels.size() > 1) body += fmt::format("set multiplot layout {},1\n", panels.size());
    for (size_t p = 0; p < panels.size(); p++) {
        const Chart& c = panels[p];
        body += fmt::format("set title {}\nset xlabel {}\nset ylabel {}\n", quoted(c.title),
                            quoted(c.xlabel), quoted(c.ylabel));
        body += c.yrange.empty() ? "set autoscale y\n" : fmt::format("set yrange {}\n", c.yrange);
        body += c.log_x ? "set logscale x\n" : "unset logscale x\n";
        body += c.series.size() > 6 ? "set key outside right top\n" : "set key inside right top\n";
        std::vector<std::string> items;
        for (size_t k = 0; k < c.series.size(); k++) {
            const Series& s = c.series[k];
            if (!has_points(s)) continue;
            const std::string color = s.color.empty() ? kPalette[k % kPalette.size()] : s.color;
            const std::string data = block_name(p, k);
            if (!s.lo.empty())
                items.push_back(fmt::format("{} using 1:3:4 with filledcurves lc rgb {} notitle", data,
                                            quoted(color)));
            if (c.steps)
                items.push_back(fmt::format("{} using 1:2 with histeps lw 2 dt {} lc rgb {} title {}", data,
                                            s.dash, quoted(color), quoted(s.name)));
            else
                items.push_back(fmt::format("{} using 1:2 with linespoints lw 2 pt 7 ps 0.5 dt {} lc rgb {} "
                                            "title {}", data, s.dash, quoted(color), quoted(s.name)));
        }
        if (items.empty()) {  // gnuplot refuses an empty plot command
            body += "set label 1 \"no data\" at graph 0.5,0.5 center\nplot [0:1] [0:1] NaN notitle\nunset label 1\n";
            continue;
        }
        body += "plot ";
        for (size_t i = 0; i < items.size(); i++) body += (i ? ", \\\n     " : "") + items[i];
        body += "\n";
    }
    if (panels.size() > 1) body += "unset multiplot\n";
    return body;
}

// Run `gnuplot script` in `dir`; on failure, throw with what gnuplot printed.
void run_gnuplot(const std::string& gnuplot, const fs::path& dir, const std::string& script) {
    int pipe_fds[2];
    GLULAB_CHECK(pipe(pipe_fds) == 0, "", "cannot create a pipe for gnuplot");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
    std::string program = gnuplot, arg = script;
    char* argv[] = {program.data(), arg.data(), nullptr};
    pid_t pid = 0;
    const int spawn_error = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    std::string messages;
    char buf[4096];
    for (ssize_t n; spawn_error == 0 && (n = read(pipe_fds[0], buf, sizeof buf)) > 0;)
        messages.append(buf, static_cast<size_t>(n));
    close(pipe_fds[0]);
    GLULAB_CHECK(spawn_error == 0, "install it with `sudo apt-get install gnuplot-nox` (or `make deps-plot`)",
                 "cannot run {}: {}", gnuplot, std::strerror(spawn_error));
    int status = 0;
    waitpid(pid, &status, 0);
    GLULAB_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the script is kept for a look",
                 "gnuplot failed on {}: {}", (dir / script).string(), messages);
}

}  // namespace

void draw_gnuplot(const std::vector<Chart>& panels, const std::string& base, const std::string& gnuplot) {
    const fs::path path(base);
    const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    const std::string name = path.filename().string();
    const int width = 960, height = panels.size() > 1 ? 60 + 300 * static_cast<int>(panels.size()) : 600;

    std::string gp = fmt::format("# {0}.gp — written by glulab (src/experiment/plot.cpp → draw_gnuplot).\n"
                                 "# Redraw {0}.png and {0}.svg with `gnuplot {0}.gp` in this directory.\n\n",
                                 name);
    for (size_t p = 0; p < panels.size(); p++)
        for (size_t k = 0; k < panels[p].series.size(); k++) {
            const Series& s = panels[p].series[k];
            if (!has_points(s)) continue;
            const bool band = s.lo.size() == s.x.size() && s.hi.size() == s.x.size();
            gp += fmt::format("{} << EOD\n# {}: x y{}\n", block_name(p, k), s.name, band ? " lo hi" : "");
            for (size_t i = 0; i < s.x.size(); i++)
                gp += band ? fmt::format("{} {} {} {}\n", s.x[i], s.y[i], s.lo[i], s.hi[i])
                           : fmt::format("{} {}\n", s.x[i], s.y[i]);
            gp += "EOD\n";
        }
    const std::string body = gnuplot_body(panels);
    gp += "\nset grid\nset style fill transparent solid 0.18 noborder\n";
    // The script kept for the user writes NAME.png and NAME.svg; the one glulab runs writes them
    // as .tmp files, put in place atomically once gnuplot has succeeded.
    const auto outputs = [&](const std::string& suffix) {
        return fmt::format("if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {{\n"
                      "    set terminal pngcairo noenhanced size {0},{1} font \"sans,11\"\n"
                      "}} else {{\n"
                      "    set terminal png truecolor noenhanced size {0},{1}\n"
                      "}}\n"
                      "set output {2}\n{3}\n"
                      "set terminal svg noenhanced size {0},{1} font \"sans,11\" background \"white\"\n"
                      "set output {4}\n{3}unset output\n",
                      width, height, quoted(name + ".png" + suffix), body, quoted(name + ".svg" + suffix));
    };
    fs::create_directories(dir);
    write_file_atomic((dir / (name + ".gp")).string(), gp + outputs(""));
    const std::string run_script = name + ".gp.run";  // the same with .tmp outputs, removed after
    write_file_atomic((dir / run_script).string(), gp + outputs(".tmp"));
    run_gnuplot(gnuplot, dir, run_script);
    fs::remove(dir / run_script);
    for (const char* ext : {".png", ".svg"})
        replace_file_atomic((dir / (name + ext + ".tmp")).string(), (dir / (name + ext)).string());
}

}  // namespace glulab
