// ctl_section.h — the [supervisorctl] section (supervisord.org configuration.html,
// "[supervisorctl] Section Settings"), declared once for both binaries. supervisorctl reads
// the section with read(); supervisord's option table takes its [supervisorctl] rows from
// options() (the sample config, the man page check, the unknown-option warning) and never
// expands them, as Supervisor's daemon does not.
// Owns: the keys, their defaults, the %(name)s each may use, and the expansion of the
// section's values with Supervisor's error texts. Must not depend on anything in
// supervisord/ or supervisorctl/; what a value means (a URL, a path to normalise) is the
// reader's business.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/expand.h"
#include "common/ini.h"
#include "common/result.h"

namespace ctl_section {

inline constexpr std::string_view kName = "supervisorctl";

// The names a value may use besides none: ENV_* always, `here` (the directory of the
// file) for the two options that name places.
enum class Names { Env, HereEnv };

// The section's values, expanded; unset when neither the file nor a default gives one.
struct Values {
  std::optional<std::string> serverurl;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<std::string> prompt;
  std::optional<std::string> history_file;
};

struct Option {
  std::string_view key;
  const char* default_text;  // nullptr: none (left unset)
  Names names;
  std::string_view doc;
  std::optional<std::string> Values::*field;
};

std::span<const Option> options();
const Option* find(std::string_view key);

// Each option of `section` (or its default) expanded with ENV_* from `env_scope` and, for
// HereEnv, `here`. The error is Supervisor's text for the first value that does not expand,
// naming it "supervisorctl.<key>".
Result<Values> read(const ini::Document& doc, const ini::Section& section,
                    const expand::Scope& env_scope, const std::string& here);

}  // namespace ctl_section
