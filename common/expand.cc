#include "common/expand.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>

#include "common/expand_convert.h"
#include "common/pystr.h"

namespace expand {

// ---- Scope ---------------------------------------------------------------------------------

void Scope::set(std::string name, Value value) {
  for (auto& item : items_) {
    if (item.first == name) {
      item.second = std::move(value);
      return;
    }
  }
  items_.emplace_back(std::move(name), std::move(value));
}

const Value* Scope::find(std::string_view name) const {
  for (const auto& item : items_) {
    if (item.first == name) return &item.second;
  }
  return nullptr;
}

std::vector<std::string> Scope::sorted_names() const {
  std::vector<std::string> names;
  names.reserve(items_.size());
  for (const auto& item : items_) names.push_back(item.first);
  // Byte order of UTF-8 is code point order, which is how Python sorts str.
  std::sort(names.begin(), names.end());
  return names;
}

// ---- Tokens ----------------------------------------------------------------------------------

// Python evaluates a conversion spec in this order: look the key up, fetch the argument of a
// '*', finish parsing the spec, fetch the argument to convert, check the conversion character,
// convert. A token keeps what is needed to replay that order in evaluate().
struct Format::Token {
  enum class Star { None, Width, Precision };

  bool literal = true;
  std::string text;                // literal: output verbatim ("%%" already folded)
  size_t offset = 0;               // spec: byte offset of its '%'
  std::optional<std::string> key;  // %(key)
  // The key's value was taken by a '*' and must be an int. Python then always fails later
  // in the same spec (nothing is left to convert), so `error` is set too.
  Star star = Star::None;
  convert::Spec spec;
  // Met after the key lookup and star check. Only the last token can carry one.
  std::optional<ExpandError> error;
};

Format::Format() = default;
Format::~Format() = default;
Format::Format(const Format&) = default;
Format::Format(Format&&) noexcept = default;
Format& Format::operator=(const Format&) = default;
Format& Format::operator=(Format&&) noexcept = default;

// ---- Parsing ---------------------------------------------------------------------------------

namespace {

constexpr std::string_view kNotEnoughArguments = "not enough arguments for format string";
constexpr std::string_view kStarWantsInt = "* wants int";
constexpr std::string_view kIncompleteFormat = "incomplete format";
// Python accepts widths up to SSIZE_MAX and precisions up to INT_MAX and then tries to build
// the string. We refuse sooner, with Python's overflow text, so a config line cannot make
// the daemon allocate gigabytes.
constexpr int64_t kMaxWidth = int64_t{1} << 20;
constexpr int64_t kMaxPrecision = int64_t{1} << 20;

bool is_conversion(char32_t c) {
  return c < 0x80 &&
         std::string_view("diouxXeEfFgGcrsa").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string unsupported_character(char32_t c, size_t index) {
  // Python shows the character itself only in 31..126 (yes, 31 included).
  std::string text = "unsupported format character '";
  if (c >= 31 && c <= 126) {
    text += static_cast<char>(c);
  } else {
    text += '?';
  }
  char hex[16];
  snprintf(hex, sizeof hex, "%x", static_cast<unsigned>(c));
  return text + "' (0x" + hex + ") at index " + std::to_string(index);
}

// Walks the text one code point at a time (Python's indexes count code points) and tracks
// which argument a bare spec or a '*' would get: the whole mapping (first use only), the value
// of the current %(key), or nothing.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::vector<Format::Token> run() {
    std::vector<Format::Token> tokens;
    std::string literal;
    while (!at_end()) {
      const size_t start = pos_;
      const char32_t c = next();
      if (c != '%') {
        literal.append(text_.substr(start, pos_ - start));
        continue;
      }
      if (!at_end() && peek() == '%') {
        next();
        literal += '%';
        continue;
      }
      if (!literal.empty()) {
        Format::Token t;
        t.text = std::move(literal);
        tokens.push_back(std::move(t));
        literal.clear();
      }
      tokens.push_back(spec(start));
      if (tokens.back().error) return tokens;  // Python stops at the first error
    }
    if (!literal.empty()) {
      Format::Token t;
      t.text = std::move(literal);
      tokens.push_back(std::move(t));
    }
    return tokens;
  }

 private:
  enum class Available { Mapping, KeyValue, Nothing };

  bool at_end() const { return pos_ >= text_.size(); }
  char32_t peek() const { return pystr::decode(text_, pos_).value; }
  char32_t next() {
    const pystr::CodePoint cp = pystr::decode(text_, pos_);
    pos_ += cp.length;
    ++index_;
    return cp.value;
  }

  // Parses one spec; pos_ is just past its '%'. Returns with t.error set on the first error.
  Format::Token spec(size_t percent_offset) {
    Format::Token t;
    t.literal = false;
    t.offset = percent_offset;
    auto fail = [&](std::string_view message) {
      t.error = ExpandError{ExpandError::Kind::BadFormat, std::string(message), percent_offset};
      return t;
    };
    if (!at_end() && peek() == '(') {
      next();
      const size_t key_start = pos_;
      int depth = 1;  // parentheses nest: %(a(b))s looks up "a(b)"
      size_t key_end = pos_;
      while (depth > 0 && !at_end()) {
        key_end = pos_;
        const char32_t c = next();
        if (c == ')') --depth;
        if (c == '(') ++depth;
      }
      if (depth > 0) return fail("incomplete format key");
      t.key = std::string(text_.substr(key_start, key_end - key_start));
      available_ = Available::KeyValue;
    }
    convert::Spec& s = t.spec;
    for (; !at_end(); next()) {
      const char32_t c = peek();
      if (c == '-')
        s.left = true;
      else if (c == '+')
        s.sign = true;
      else if (c == ' ')
        s.blank = true;
      else if (c == '#')
        s.alt = true;
      else if (c == '0')
        s.zero = true;
      else
        break;
    }
    if (at_end()) return fail(kIncompleteFormat);
    if (peek() == '*') {
      next();
      if (!take_star(t, Format::Token::Star::Width)) return t;
      if (at_end()) return fail(kIncompleteFormat);
    } else if (is_digit(peek())) {
      if (!number(s.width, kMaxWidth)) return fail("width too big");
      if (at_end()) return fail(kIncompleteFormat);
    }
    if (peek() == '.') {
      next();
      s.precision = 0;
      if (at_end()) return fail(kIncompleteFormat);
      if (peek() == '*') {
        next();
        if (!take_star(t, Format::Token::Star::Precision)) return t;
        if (at_end()) return fail(kIncompleteFormat);
      } else if (is_digit(peek())) {
        if (!number(s.precision, kMaxPrecision)) return fail("precision too big");
        if (at_end()) return fail(kIncompleteFormat);
      }
    }
    if (peek() == 'h' || peek() == 'l' || peek() == 'L') {  // C length modifiers: ignored
      next();
      if (at_end()) return fail(kIncompleteFormat);
    }
    const size_t conversion_index = index_;
    s.conversion = next();
    if (available_ == Available::Nothing) return fail(kNotEnoughArguments);
    available_ = Available::Nothing;
    if (t.star != Format::Token::Star::None) return fail(kNotEnoughArguments);
    if (!is_conversion(s.conversion)) {
      return fail(unsupported_character(s.conversion, conversion_index));
    }
    return t;
  }

  static bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

  bool number(int64_t& out, int64_t limit) {
    out = 0;
    while (!at_end() && is_digit(peek())) {
      out = out * 10 + (next() - '0');
      if (out > limit) return false;
    }
    return true;
  }

  // A '*' takes the next argument. With a mapping that is either the mapping itself (never an
  // int), nothing, or the current key's value, whose type only evaluate() can check.
  bool take_star(Format::Token& t, Format::Token::Star star) {
    auto fail = [&](std::string_view message) {
      t.error = ExpandError{ExpandError::Kind::BadFormat, std::string(message), t.offset};
      return false;
    };
    switch (available_) {
      case Available::Nothing:
        return fail(kNotEnoughArguments);
      case Available::Mapping:
        return fail(kStarWantsInt);
      case Available::KeyValue:
        break;
    }
    t.star = star;
    available_ = Available::Nothing;
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;    // bytes
  size_t index_ = 0;  // code points consumed, Python's index
  Available available_ = Available::Mapping;
};

}  // namespace

Format Format::parse(std::string_view text) {
  Format format;
  format.tokens_ = Parser(text).run();
  return format;
}

const ExpandError* Format::syntax_error() const {
  if (tokens_.empty() || !tokens_.back().error) return nullptr;
  return &*tokens_.back().error;
}

// ---- Evaluation ------------------------------------------------------------------------------

std::variant<std::string, ExpandError> Format::evaluate(const Scope& scope) const {
  std::string out;
  for (const Token& t : tokens_) {
    if (t.literal) {
      out += t.text;
      continue;
    }
    const Value* value = nullptr;
    if (t.key) {
      value = scope.find(*t.key);
      if (value == nullptr) return ExpandError{ExpandError::Kind::UnknownName, *t.key, t.offset};
    }
    if (t.star != Token::Star::None) {
      const auto* number = value ? std::get_if<int64_t>(value) : nullptr;
      if (number == nullptr) {
        return ExpandError{ExpandError::Kind::BadFormat, std::string(kStarWantsInt), t.offset};
      }
      // A precision goes through a C int; a width through ssize_t, which any int64 fits.
      if (t.star == Token::Star::Precision && (*number > INT32_MAX || *number < INT32_MIN)) {
        return ExpandError{ExpandError::Kind::BadFormat, "Python int too large to convert to C int",
                           t.offset};
      }
    }
    if (t.error) return *t.error;
    const convert::Argument argument = value ? convert::Argument{value} : convert::Argument{&scope};
    auto converted = convert::convert(t.spec, argument);
    if (auto* message = std::get_if<convert::Failure>(&converted)) {
      return ExpandError{ExpandError::Kind::BadFormat, std::move(message->message), t.offset};
    }
    out += std::get<std::string>(converted);
  }
  return out;
}

std::vector<std::string> Format::names() const {
  std::vector<std::string> names;
  for (const Token& t : tokens_) {
    if (t.key) names.push_back(*t.key);
  }
  return names;
}

bool Format::references(std::string_view name) const {
  return std::any_of(tokens_.begin(), tokens_.end(),
                     [&](const Token& t) { return t.key && *t.key == name; });
}

std::variant<std::string, ExpandError> expand(std::string_view text, const Scope& scope) {
  return Format::parse(text).evaluate(scope);
}

std::string error_text(const ExpandError& error, std::string_view format, std::string_view where,
                       const Scope& scope) {
  std::string head = "Format string " + pystr::repr(format) + " for " + pystr::repr(where);
  if (error.kind == ExpandError::Kind::BadFormat)
    return head + " is badly formatted: " + error.detail;
  std::string names;
  for (const auto& n : scope.sorted_names()) names += (names.empty() ? "" : ", ") + n;
  return head + " contains names (" + pystr::repr(error.detail) +
         ") which cannot be expanded. Available names: " + names;
}

}  // namespace expand
