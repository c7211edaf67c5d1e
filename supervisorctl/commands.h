// commands.h — the one command catalog: name, argument counts, help text (Python
// supervisorctl 4.2.5's help_<cmd> output, byte for byte), completion kind and
// handler. Dispatch (controller.cc), `help` and shell completion (shell.cc) all
// read this table, so a command exists in exactly one row.
// Must not depend on libedit or sockets directly (handlers talk through Controller).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ctl {

class Controller;

enum class Completion { None, Commands, Groups, Processes };

// Bare `help`: Python's "default commands" table, then ours under "extension commands".
enum class Topic { None, Default, Extension };

struct Command {
  std::string_view name;
  int min_args;           // documentation and completion; each handler prints Python's
  int max_args;           // own text for a wrong count (-1 = no limit)
  std::string_view help;  // help_<name> output without the final newline; "" = none
  Completion completion;
  void (*run)(Controller&, std::string_view arg);
  Topic topic;  // where bare `help` lists it
};

const std::vector<Command>& command_catalog();
const Command* find_command(std::string_view name);

// Bare `help`: "\n" + the topic table, as Python prints it.
std::string help_topics_text();

// Names `help` completion and command completion offer (Python's vocab).
std::vector<std::string> command_names();

}  // namespace ctl
