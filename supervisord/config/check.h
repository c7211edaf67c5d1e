// check.h — `supervisord -c FILE --check-config [--json]` (extension, like `nginx -t`):
// render a loaded Config as the processes that would run — group, name, priority, fully
// expanded command, directory, user, log paths, autostart/autorestart — as text for people
// or as JSON for tools. Depends on config/loader and the model; writes only to the streams
// it is given (main.cc decides the exit code from run_check_config's result).
#pragma once

#include <functional>
#include <string>

#include "supervisord/config/loader.h"
#include "supervisord/config/model.h"

namespace config {

std::string render_text(const Config& config);
std::string render_json(const Config& config);  // one JSON object, "ok": true

// Loads and renders to `out`. Returns 0 if the config is valid, 2 if not (the error goes to
// `err` as "Error: <message>"; with json, `out` also gets {"ok": false, "error": ...}).
// What it prints goes to `out` and `err`; the caller writes them. `containment`, if given,
// says how instances would be contained (cgroups): a last line, or a JSON field.
int run_check_config(const LoadOptions& options, bool json, std::string& out, std::string& err,
                     const std::function<std::string(const Config&)>& containment = {});

}  // namespace config
