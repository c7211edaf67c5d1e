// ctl_section.cc — see ctl_section.h.
#include "common/ctl_section.h"

namespace ctl_section {
namespace {

// Supervisor's defaults (ClientOptions); username, password and history_file have none.
constexpr Option kOptions[] = {
    {"serverurl", "http://localhost:9001", Names::HereEnv,
     "URL of supervisord (unix:///path or http://host:port)", &Values::serverurl},
    {"username", nullptr, Names::Env, "basic auth user", &Values::username},
    {"password", nullptr, Names::Env, "basic auth password", &Values::password},
    {"prompt", "supervisor", Names::Env, "interactive prompt", &Values::prompt},
    {"history_file", nullptr, Names::HereEnv, "readline history file", &Values::history_file},
};

// ClientOptions.read_config's order: the first bad value reported is the one Supervisor's
// supervisorctl reports.
constexpr std::string_view kReadOrder[] = {"serverurl", "prompt", "username", "password",
                                           "history_file"};

}  // namespace

std::span<const Option> options() {
  return kOptions;
}

const Option* find(std::string_view key) {
  for (const Option& o : kOptions)
    if (o.key == key) return &o;
  return nullptr;
}

Result<Values> read(const ini::Document& doc, const ini::Section& section,
                    const expand::Scope& env_scope, const std::string& here) {
  expand::Scope with_here = env_scope;
  with_here.set("here", here);
  Values out;
  for (std::string_view key : kReadOrder) {
    const Option& o = *find(key);
    const ini::Entry* e = doc.get(section, o.key);
    if (e == nullptr && o.default_text == nullptr) continue;
    // Supervisor expands a default as it does a value from the file.
    std::string text = e ? e->value : o.default_text;
    const expand::Scope& scope = o.names == Names::HereEnv ? with_here : env_scope;
    auto r = expand::expand(text, scope);
    if (auto* err = std::get_if<expand::ExpandError>(&r))
      return Error{
          expand::error_text(*err, text, std::string(kName) + "." + std::string(o.key), scope)};
    out.*o.field = std::move(std::get<std::string>(r));
  }
  return out;
}

}  // namespace ctl_section
