// expand.h — Python's `format % mapping` for Supervisor's %(name)s expansions.
// A Format is parsed once (tokens: literal text, %(name)<flags><width><.prec><conv>,
// %%), then evaluated in any number of Scopes (one per process of a numprocs fan-out).
// Owns: the %-format grammar and Python's error texts. Knows nothing of config sections.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"

namespace expand {

// A name's value: Python str or int (process_num, numprocs, cpu_count are ints).
using Value = std::variant<std::string, int64_t>;

// Names in insertion order (a bare %s renders the mapping's repr in this order, as
// Python's dict repr does). set() of an existing name replaces its value in place.
class Scope {
 public:
  void set(std::string name, Value value);
  const Value* find(std::string_view name) const;
  std::vector<std::string> sorted_names() const;
  const std::vector<std::pair<std::string, Value>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, Value>> items_;
};

struct ExpandError {
  enum class Kind { UnknownName, BadFormat };
  Kind kind;
  std::string detail;  // BadFormat: Python's message, e.g. "incomplete format",
                       // "unsupported format character 'b' (0x62) at index 3",
                       // "not enough arguments for format string",
                       // "%d format: a real number is required, not str";
                       // UnknownName: the name.
  size_t offset = 0;   // byte offset in the format string of the offending '%'
};

class Format {
 public:
  // Never fails: a syntax error becomes the last token, so evaluate() reports errors in
  // the order Python meets them left to right (an unknown name before a later bad spec
  // is a KeyError, as in Python).
  static Format parse(std::string_view text);
  // The syntax error, if the text has one (independent of any scope).
  const ExpandError* syntax_error() const;

  std::variant<std::string, ExpandError> evaluate(const Scope& scope) const;
  // Names referenced by %(name) tokens, in order of appearance.
  std::vector<std::string> names() const;
  bool references(std::string_view name) const;

  struct Token;  // defined in expand.cc
  Format();
  ~Format();
  Format(const Format&);
  Format(Format&&) noexcept;
  Format& operator=(const Format&);
  Format& operator=(Format&&) noexcept;

 private:
  std::vector<Token> tokens_;
};

// One-shot helper: parse + evaluate. Errors come back as ExpandError.
std::variant<std::string, ExpandError> expand(std::string_view text, const Scope& scope);

// Supervisor's words for a failed expansion of `format` for the option `where` (Python's
// "section.option", e.g. "program:x.command"): "Format string '...' for '...' contains
// names ('x') which cannot be expanded. Available names: ..." or "... is badly formatted:
// <detail>". The same text in supervisord and supervisorctl.
std::string error_text(const ExpandError& error, std::string_view format, std::string_view where,
                       const Scope& scope);

}  // namespace expand
