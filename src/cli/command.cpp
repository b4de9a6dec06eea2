// command.cpp — the one file that declares flags with CLI11 (see command.hpp).
//
// Lesson 12 · training
#include "command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cmath>
#include <cstdlib>

namespace glulab {

// Checks
// ------
namespace {

// `text` as a number; false when it is not one.
bool parse_number(const std::string& text, double* out) {
    char* end = nullptr;
    *out = std::strtod(text.c_str(), &end);
    return !text.empty() && end == text.c_str() + text.size();
}

Check number_check(const std::string& what, std::function<bool(double)> ok) {
    return {std::make_shared<const CLI::Validator>(
        [what, ok](std::string& text) -> std::string {
            double v = 0;
            if (!parse_number(text, &v)) return "'" + text + "' is not a number";
            // strtod reads "inf" and "nan" too; no flag of glulab means either.
            if (!std::isfinite(v)) return "'" + text + "' is not a finite number";
            return ok(v) ? "" : fmt::format("must be {}, got {}", what, text);
        },
        what)};
}

}  // namespace

Check positive() {
    return number_check("> 0", [](double x) { return x > 0; });
}

Check non_negative() {
    return number_check(">= 0", [](double x) { return x >= 0; });
}

Check at_most(long long most) {
    return number_check(fmt::format("between 1 and {}", most),
                        [most](double x) { return x >= 1 && x <= static_cast<double>(most); });
}

Check in_range(double lo, double hi) {
    return number_check(fmt::format("between {} and {}", lo, hi), [lo, hi](double x) { return x >= lo && x <= hi; });
}

Check one_of(std::vector<std::string> names) {
    return {std::make_shared<const CLI::Validator>(CLI::IsMember(std::move(names)))};
}

// Option
// ------
Option* Option::required() {
    option_->required();
    return this;
}

Option* Option::check(const Check& check) {
    option_->check(*check.validator);
    return this;
}

Option* Option::capture_default_str() {
    option_->capture_default_str();
    return this;
}

Option* Option::default_str(const std::string& text) {
    option_->default_str(text);
    return this;
}

size_t Option::count() const { return option_->count(); }

// Command
// -------
Option* Command::keep(CLI::Option* option) { return &options_.emplace_back(option); }

Option* Command::add_option(const std::string& name, int& value, const std::string& help) {
    return keep(app_->add_option(name, value, help));
}
Option* Command::add_option(const std::string& name, uint64_t& value, const std::string& help) {
    return keep(app_->add_option(name, value, help));
}
Option* Command::add_option(const std::string& name, float& value, const std::string& help) {
    return keep(app_->add_option(name, value, help));
}
Option* Command::add_option(const std::string& name, double& value, const std::string& help) {
    return keep(app_->add_option(name, value, help));
}
Option* Command::add_option(const std::string& name, std::string& value, const std::string& help) {
    return keep(app_->add_option(name, value, help));
}
Option* Command::add_option(const std::string& name, std::vector<std::string>& values, const std::string& help) {
    return keep(app_->add_option(name, values, help));
}

Option* Command::add_flag(const std::string& name, bool& value, const std::string& help) {
    return keep(app_->add_flag(name, value, help));
}

Option* Command::add_option_function(const std::string& name, std::function<void(const std::string&)> parse,
                                     const std::string& help) {
    return keep(app_->add_option_function<std::string>(name, std::move(parse), help));
}

void Command::callback(std::function<void()> run) { app_->callback(std::move(run)); }

size_t Command::count(const std::string& name) const { return app_->count(name); }

std::vector<std::string> Command::given_options() const {
    std::vector<std::string> given;
    for (const CLI::Option* opt : app_->get_options())
        if (opt->count() > 0) given.push_back(opt->get_name());
    return given;
}

Command* add_command(CLI::App& app, const std::string& name, const std::string& description) {
    static std::deque<Command> commands;  // one per subcommand, for the life of the program
    return &commands.emplace_back(app.add_subcommand(name, description));
}

// The command line
// ----------------
int run_command_line(int argc, char** argv, const std::string& description, bool& verbose,
                     void (*add_commands)(CLI::App& app)) {
    CLI::App app{description, "glulab"};
    app.require_subcommand(1);
    app.fallthrough();  // --verbose is accepted after the subcommand too
    app.add_flag("--verbose", verbose, "Print what glulab chose and why (OpenBLAS kernel, threads, ...)");
    add_commands(app);
    try {
        app.parse(argc, argv);  // also runs the chosen command's callback
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help
        throw UsageError(e.what());
    }
    return 0;
}

}  // namespace glulab
