// command.hpp — how a command declares its flags, without seeing CLI11.
//
// The command files (cmd_*.cpp) and flags.cpp describe their options through the two small
// classes below; command.cpp turns them into CLI11 calls and parses (run_command_line). CLI11 is
// header-only and made of inline functions, so every file that calls it compiles a large part
// of it again (over ten seconds of CPU per command file, docs/build.md); behind this interface
// only command.cpp does. The names are CLI11's, so a command reads as it would with
// CLI11 itself:
//
//   Command* cmd = add_command(app, "eval", "Mean cross-entropy of a checkpoint on a text");
//   cmd->add_option("--ckpt", a->ckpt, "model.safetensors of a run")->required();
//   cmd->add_option("--batch", a->batch, "B")->check(positive())->capture_default_str();
//   cmd->callback([a] { ... });
//
// Lesson 12 · training
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
class Validator;
}  // namespace CLI

namespace glulab {

// Check
// -----
// A test of a flag's value. Each says what is wrong in a sentence ("must be > 0, got 0"), and
// each refuses what is not a finite number ("inf", "nan").
// CLI11's PositiveNumber and NonNegativeNumber would print their upper bound, the largest
// double, with all of its 309 digits.
struct Check {
    std::shared_ptr<const CLI::Validator> validator;
};
Check positive();                       // > 0
Check non_negative();                   // >= 0
Check at_most(long long most);          // an integer in [1, most]: "must be between 1 and 256, got 1000000"
Check in_range(double lo, double hi);   // lo <= x <= hi
Check one_of(std::vector<std::string> names);  // one of these words

// Option
// ------
// One option or flag of a command. Each setter returns the option, so they chain.
class Option {
public:
    explicit Option(CLI::Option* option) : option_(option) {}
    Option* required();                              // the command fails without it
    Option* check(const Check& check);               // test the value when it is given
    Option* capture_default_str();                   // --help shows the value before parsing
    Option* default_str(const std::string& text);    // --help shows this as the default
    size_t count() const;                            // how often the command line gave it

private:
    CLI::Option* option_;
};

// Command
// -------
// One subcommand: its options, bound to variables that parsing fills in, and what it runs.
class Command {
public:
    explicit Command(CLI::App* app) : app_(app) {}

    // `name` is "--flag" or, for positional arguments, "NAME".
    Option* add_option(const std::string& name, int& value, const std::string& help);
    Option* add_option(const std::string& name, uint64_t& value, const std::string& help);
    Option* add_option(const std::string& name, float& value, const std::string& help);
    Option* add_option(const std::string& name, double& value, const std::string& help);
    Option* add_option(const std::string& name, std::string& value, const std::string& help);
    Option* add_option(const std::string& name, std::vector<std::string>& values, const std::string& help);
    // A flag takes no value: given, it sets `value` to true ("--no-x{false}": to false).
    Option* add_flag(const std::string& name, bool& value, const std::string& help);
    // An option whose value goes to `parse` (which may throw glulab::Error).
    Option* add_option_function(const std::string& name, std::function<void(const std::string&)> parse,
                                const std::string& help);
    // What the command does once its options are parsed.
    void callback(std::function<void()> run);

    // How often the command line gave option `name` (0: not given, its default applies).
    size_t count(const std::string& name) const;
    // The names of the options the command line gave, in the order they were declared.
    std::vector<std::string> given_options() const;

private:
    Option* keep(CLI::Option* option);
    CLI::App* app_;
    std::deque<Option> options_;  // a deque keeps the Option* handed out valid
};

// A new subcommand of `app`; it lives as long as the program.
Command* add_command(CLI::App& app, const std::string& name, const std::string& description);

// The command line
// ----------------
// A bad command line (an unknown flag, a bad value, no command), with CLI11's message.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// Builds the program's command line (`description`, a global --verbose flag that sets
// `verbose`, after the subcommand too, and the subcommands `add_commands` adds), parses argv
// and runs the chosen command. Returns the exit code of --help (0), printed; otherwise 0 once the
// command has run. Throws UsageError for a bad command line; what the command throws goes through.
int run_command_line(int argc, char** argv, const std::string& description, bool& verbose,
                     void (*add_commands)(CLI::App& app));

}  // namespace glulab
