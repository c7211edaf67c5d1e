// loader_context.h — what the loader's passes share: the merged document, the model being
// built, the expansion scopes, and the one way to turn a problem into a pinpoint message
// ("file:line: [section] option: text" + line + caret). Internal to config/; not for callers.
// Depends on common/ini and common/expand; knows no section semantics.
#pragma once

#include <memory>
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

// What expanding a [program:x] section needs once [supervisord] has been read: the merged
// document and the names every program sees. One per load, shared (read only) by the
// loader's fan-out and every ProgramTemplate, so a rescale reads the text that was loaded.
struct SectionSource {
  std::shared_ptr<const ini::Document> doc;
  std::string cwd;
  bool has_include = false;
  std::string here;
  std::string host;
  int cpus = 1;
  expand::Scope env;  // ENV_*: supervisord's environment, then [supervisord] environment=

  // LoadContext::option_text over this document.
  std::optional<OptionText> option_text(const ini::Section& section, std::string_view key,
                                        const char* fallback) const;
  // The names of the options read once per section (schema::Names::ProgramOnce).
  expand::Scope program_scope(const std::string& program, const std::string& group) const;
};

// Where a [program:x] section is, kept in the GroupConfig it made
// (GroupConfig::program_template) so that config::rescale reads it again with another
// count. Nothing here is per process; the document is shared by the whole load.
struct ProgramTemplate {
  std::shared_ptr<const SectionSource> source;
  const ini::Section* section = nullptr;  // in source->doc
  unsigned kind = 0;                      // the schema section kind its options are read as
  std::string group;                      // %(group_name)s
  std::string program;                    // %(program_name)s
  int64_t numprocs = 1;                   // as written
};

struct LoadContext {
  // Shared with the SectionSource of the program templates; read only once parsed.
  std::shared_ptr<ini::Document> shared_doc = std::make_shared<ini::Document>();
  ini::Document& doc = *shared_doc;
  Config config;
  std::string cwd;
  std::string here;  // directory of the main file (absolute)
  std::string main_abs;
  std::string main_shown;  // the main file as given (for messages)
  std::string host;
  int cpus = 1;
  bool has_include = false;
  std::vector<std::pair<std::string, std::string>> os_env;
  expand::Scope env;  // ENV_*: supervisord's environment, then [supervisord] environment=

  // The section's own value or [DEFAULT]'s; else `fallback` (nullptr: nullopt).
  std::optional<OptionText> option_text(const ini::Section& section, std::string_view key,
                                        const char* fallback) const;
  // Python `text % scope` with Supervisor's message naming `python_name` ("program:x.command").
  static Result<std::string> expand(const ini::Section& section, std::string_view key,
                                    const OptionText& text, const expand::Scope& scope,
                                    const std::string& python_name);
  // The second expansion of *_logfile / [supervisord] environment: `once` is the first
  // pass's output; the caret goes to the first '%%' of the source, which is what the second
  // pass trips on.
  static Result<std::string> expand_again(const ini::Section& section, std::string_view key,
                                          const OptionText& text, const std::string& once,
                                          const expand::Scope& scope, std::string_view python_name);
  static std::string at_text(const ini::Section& section, std::string_view key,
                             const OptionText& text, size_t offset, std::string_view message);
  static std::string at_section(const ini::Section& section, std::string_view key,
                                std::string_view message);
};

// programs.cc: [group:x], [program:x], [eventlistener:x], [fcgi-program:x] -> config.groups.
Status load_groups(LoadContext& ctx);

}  // namespace config
