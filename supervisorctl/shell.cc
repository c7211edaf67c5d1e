// shell.cc — see shell.h. libedit's readline compatibility layer keeps this small;
// libedit is BSD-licensed (GNU readline is GPL).
#include "supervisorctl/shell.h"

#include <editline/readline.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "supervisorctl/commands.h"
#include "supervisorctl/controller.h"
#include "supervisorctl/interrupt.h"

namespace ctl {

namespace {

Controller* g_controller = nullptr;  // completion callbacks are C functions
std::vector<std::string> g_matches;

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

char* generator(const char* /*text*/, int state) {
  if (static_cast<size_t>(state) < g_matches.size()) return ::strdup(g_matches[state].c_str());
  return nullptr;
}

char** attempted_completion(const char* text, int /*start*/, int /*end*/) {
  g_matches = complete_candidates(*g_controller, rl_line_buffer ? rl_line_buffer : "", text);
  rl_attempted_completion_over = 1;
  if (g_matches.empty()) return nullptr;
  return rl_completion_matches(text, generator);
}

// libedit's rl_getc_function: one character as a code point (libedit stores the int as
// its wchar_t), UTF-8 decoded here; a byte that is not valid UTF-8 passes as itself.
int shell_getc(FILE*) {
  int lead = read_stdin_byte();
  if (lead < 0x80) return lead;  // ASCII, or -1
  int more = lead >= 0xF0 && lead < 0xF8 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC2 ? 1 : 0;
  if (more == 0) return lead;
  int cp = lead & (0x3F >> more);
  for (int i = 0; i < more; ++i) {
    int b = read_stdin_byte();
    if (b < 0) return -1;
    if ((b & 0xC0) != 0x80) return b;  // broken sequence: keep the byte that broke it
    cp = (cp << 6) | (b & 0x3F);
  }
  return cp;
}

// input() without a terminal: the prompt, then one line (malloc'd, as readline's).
char* plain_readline(Controller& c, const std::string& prompt) {
  c.io().write(prompt);
  auto line = input_line();
  if (!line) return nullptr;
  return ::strdup(line->c_str());
}

// History files are GNU readline's plain format (one entry per line), the one
// Python's supervisorctl reads and writes, so both ctls can share a history_file.
// libedit's own format ("_HiStOrY_V2_" + vis(3)-encoded lines) is read too.
void load_history(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return;  // Python ignores a missing/unreadable file
  char* buf = nullptr;
  size_t cap = 0;
  bool libedit = false;
  bool first = true;
  ssize_t n;
  while ((n = ::getline(&buf, &cap, f)) >= 0) {
    std::string line(buf, static_cast<size_t>(n));
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (first && line == "_HiStOrY_V2_") {
      libedit = true;
      first = false;
      continue;
    }
    first = false;
    if (libedit) {  // undo vis(3)'s octal escapes ("\040" is a space)
      std::string plain;
      for (size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\\' && i + 3 < line.size() &&
            std::isdigit(static_cast<unsigned char>(line[i + 1]))) {
          plain += static_cast<char>(std::strtol(line.substr(i + 1, 3).c_str(), nullptr, 8));
          i += 3;
        } else {
          plain += line[i];
        }
      }
      line = plain;
    }
    add_history(line.c_str());
  }
  std::free(buf);
  std::fclose(f);
}

void save_history(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return;  // Python ignores IOError here too
  for (int i = 0; i < history_length; ++i) {
    HIST_ENTRY* e = history_get(history_base + i);
    if (e != nullptr && e->line != nullptr) std::fprintf(f, "%s\n", e->line);
  }
  std::fclose(f);
}

}  // namespace

std::vector<std::string> complete_candidates(Controller& c, std::string_view line,
                                             std::string_view text) {
  std::vector<std::string> out;
  auto actions = [&] {
    for (const std::string& a : command_names()) {
      if (starts_with(a, text)) out.push_back(a + " ");
    }
  };
  auto words = split(line);
  bool blank = words.empty();
  if (blank || (words.size() == 1 && !(line.back() == ' '))) {
    actions();
    return out;
  }
  const Command* cmd = find_command(words[0]);
  // Python tests `action in ('help')`, a substring test on "help": kept as is.
  if (std::string_view("help").find(words[0]) != std::string_view::npos) {
    actions();
    return out;
  }
  if (cmd == nullptr) return out;
  if (cmd->completion == Completion::Groups) {
    std::vector<std::string> groups;
    for (const ProcInfo& i : c.complete_info()) {
      if (std::find(groups.begin(), groups.end(), i.group) == groups.end())
        groups.push_back(i.group);
    }
    for (const std::string& g : groups) {
      if (starts_with(g, text)) out.push_back(g + " ");
    }
  } else if (cmd->completion == Completion::Processes) {
    std::vector<std::string> names;
    bool colon = text.find(':') != std::string_view::npos;
    for (const ProcInfo& i : c.complete_info()) {
      if (colon || i.name != i.group) {
        names.push_back(i.group + ":" + i.name);
        std::string star = i.group + ":*";
        if (std::find(names.begin(), names.end(), star) == names.end()) names.push_back(star);
      } else {
        names.push_back(i.name);
      }
    }
    for (const std::string& n : names) {
      if (starts_with(n, text)) out.push_back(n + " ");
    }
  }
  return out;
}

int run_shell(Controller& c) {
  g_controller = &c;
  const Options& o = c.options();
  // "group:process", "group:*" and names with '-' complete as one word.
  static char delims[] = " \t\n`~!@#$%^&()=+[{]}\\|;'\",<>/?";
  rl_completer_word_break_characters = delims;
  rl_attempted_completion_function = attempted_completion;
  rl_completion_append_character = '\0';
  rl_getc_function = shell_getc;  // Ctrl-C ends the wait wherever it lands (interrupt.h)
  // The terminal's character set for the line editor (non-ASCII input is echoed and
  // edited as characters, as Python's input() does); only LC_CTYPE: output is unchanged.
  std::setlocale(LC_CTYPE, "");
  using_history();
  if (o.history_file) load_history(*o.history_file);

  const bool tty = ::isatty(0) && ::isatty(1);
  bool done = c.onecmd("status");
  std::string prompt = o.prompt + "> ";
  while (!done) {
    std::optional<CatchInterrupt> catching;
    catching.emplace();
    // Like Python's input(): line editing only on a terminal; otherwise the prompt
    // is still written and a plain line read (scripts piping commands see it).
    char* raw = tty ? readline(prompt.c_str()) : plain_readline(c, prompt);
    catching.reset();
    if (g_interrupted) {  // Ctrl-C: Python's KeyboardInterrupt leaves the loop
      std::free(raw);
      c.output("");
      break;
    }
    if (raw == nullptr) {
      done = c.onecmd("EOF");
      break;
    }
    std::string line(raw);
    std::free(raw);
    if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
    done = c.onecmd(line);
  }
  if (o.history_file) save_history(*o.history_file);
  return 0;
}

}  // namespace ctl
