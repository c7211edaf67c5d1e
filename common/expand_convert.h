// expand_convert.h — one %-conversion of Python's `format % mapping`: a value (str or int)
// or the whole mapping becomes text under flags, width, precision and a conversion
// character, with Python's TypeError/OverflowError texts. Internal to expand: it knows
// nothing of the format grammar (expand.cc parses) or of where values come from.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "common/expand.h"

namespace expand::convert {

struct Spec {
  bool left = false;   // '-'
  bool sign = false;   // '+'
  bool blank = false;  // ' '
  bool alt = false;    // '#'
  bool zero = false;   // '0'
  int64_t width = -1;  // -1: none
  int64_t precision = -1;
  char32_t conversion = 0;  // one of diouxXeEfFgGcrsa
};

// What a conversion formats: one value, or the whole mapping (a spec without a key).
using Argument = std::variant<const Value*, const Scope*>;

struct Failure {
  std::string message;
};

std::variant<std::string, Failure> convert(const Spec& spec, const Argument& argument);

// repr() of the mapping as Python's dict prints it, in insertion order; ascii_only: ascii().
std::string mapping_repr(const Scope& scope, bool ascii_only);

}  // namespace expand::convert
