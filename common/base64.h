// base64.h — RFC 4648 base64 (standard alphabet), shared by the XML-RPC codec
// (<base64> values) and HTTP Basic auth. Pure: depends on the standard library and
// common/result.h only.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace base64 {

// One line, '=' padded, no newline (Basic auth credentials).
std::string encode(std::string_view bytes);
// As Python's base64.encodebytes: lines of at most 76 characters, each ending in
// '\n'; empty input gives "" (XML-RPC <base64> bodies must match byte for byte).
std::string encode_lines(std::string_view bytes);
// Decodes, skipping ASCII whitespace (XML may wrap the text). Padding is optional
// but, when present, must be at the end; any other character is an error.
Result<std::string> decode(std::string_view text);

}  // namespace base64
