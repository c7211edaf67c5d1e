// html.h — the text rules of the web pages: HTML escaping (every program-controlled
// string goes through escape()), URL quoting for links, and strict parsing of query
// strings and urlencoded form bodies. Pure: no I/O, no Supervisor.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace web {

// & < > " ' as entities, and newlines as &#10; (a rendered row stays on one line, which
// a server-sent event's data line needs).
std::string escape(std::string_view text);

// Percent-encodes everything but A-Z a-z 0-9 and -._~ (and '/' unless `slash` is false):
// Python's urllib.parse.quote rules, for links and the ?message= redirect.
std::string quote(std::string_view text, bool slash = true);

using Form = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=x+y%21" -> {a: "1", b: "x y!"}. Error on malformed percent-encoding ("%zz",
// a truncated "%4").
Result<Form> parse_form(std::string_view text);

// The first value of `key`, or nullopt.
std::optional<std::string> form_value(const Form& form, std::string_view key);

}  // namespace web
