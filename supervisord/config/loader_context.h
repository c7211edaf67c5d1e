// loader_context.h — what the loader's passes share: the merged document, the model being
// built, the expansion scopes, and the one way to turn a problem into a pinpoint message
// ("file:line: [section] option: text" + line + caret). Internal to config/; not for callers.
// Depends on common/ini and common/expand; knows no section semantics.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expand.h"
#include "common/ini.h"
#include "common/result.h"
#include "supervisord/config/model.h"

namespace config {

// An option's text as the expansion sees it: the entry's value after the textual
// %(here)s pre-substitution Supervisor does when [include] exists, or a default.
struct OptionText {
  const ini::Entry* entry = nullptr;  // null: the default text
  std::string text;
  // Substitutions made, in text order: (offset in `text`, inserted length, replaced length).
  std::vector<std::pair<size_t, std::pair<size_t, size_t>>> substitutions;
  // Offset in the entry's value of what is at `offset` in `text`.
  size_t source_offset(size_t offset) const;
};

struct LoadContext {
  ini::Document doc;
  Config config;
  std::string cwd;
  std::string here;  // directory of the main file (absolute)
  std::string main_abs;
  std::string main_shown;  // the main file as given (for messages)
  std::string host;
  int cpus = 1;
  std::map<std::string, int> instance_counts;  // LoadOptions::instance_counts
  bool has_include = false;
  std::vector<std::pair<std::string, std::string>> os_env;
  expand::Scope env;  // ENV_*: supervisord's environment, then [supervisord] environment=

  // The section's own value or [DEFAULT]'s; else `fallback` (nullptr: nullopt).
  std::optional<OptionText> option_text(const ini::Section& section, std::string_view key,
                                        const char* fallback) const;
  // Python `text % scope` with Supervisor's message naming `python_name` ("program:x.command").
  Result<std::string> expand(const ini::Section& section, std::string_view key,
                             const OptionText& text, const expand::Scope& scope,
                             const std::string& python_name) const;
  // The second expansion of *_logfile / [supervisord] environment: `once` is the first
  // pass's output; the caret goes to the first '%%' of the source, which is what the second
  // pass trips on.
  Result<std::string> expand_again(const ini::Section& section, std::string_view key,
                                   const OptionText& text, const std::string& once,
                                   const expand::Scope& scope, std::string_view python_name) const;
  std::string at_text(const ini::Section& section, std::string_view key, const OptionText& text,
                      size_t offset, std::string_view message) const;
  std::string at_section(const ini::Section& section, std::string_view key,
                         std::string_view message) const;
  // The message for an expansion error, Supervisor's words.
  static std::string expand_message(const expand::ExpandError& error, std::string_view raw,
                                    std::string_view python_name, const expand::Scope& scope);
};

// programs.cc: [group:x], [program:x], [eventlistener:x], [fcgi-program:x] -> config.groups.
Status load_groups(LoadContext& ctx);

}  // namespace config
