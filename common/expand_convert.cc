#include "common/expand_convert.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "common/pystr.h"

namespace expand::convert {
namespace {

bool is_one_of(char32_t c, std::string_view set) {
  return c < 0x80 && set.find(static_cast<char>(c)) != std::string_view::npos;
}

std::string type_name(const Argument& argument) {
  if (std::holds_alternative<const Scope*>(argument)) return "dict";
  return std::holds_alternative<int64_t>(*std::get<const Value*>(argument)) ? "int" : "str";
}

const int64_t* as_int(const Argument& argument) {
  const auto* value = std::get_if<const Value*>(&argument);
  return value ? std::get_if<int64_t>(*value) : nullptr;
}

const std::string* as_str(const Argument& argument) {
  const auto* value = std::get_if<const Value*>(&argument);
  return value ? std::get_if<std::string>(*value) : nullptr;
}

// Sign, then the "0o"/"0x"/"0X" prefix when '#', then the digits zero-extended to the
// precision: Python's layout before width padding.
std::string integer_body(int64_t value, const Spec& spec) {
  const bool negative = value < 0;
  // Negating in unsigned arithmetic keeps INT64_MIN exact.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  const char conversion = static_cast<char>(spec.conversion);
  const unsigned base = conversion == 'o' ? 8 : (conversion == 'x' || conversion == 'X') ? 16 : 10;
  const char* digit_set = conversion == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string digits;
  do {
    digits += digit_set[magnitude % base];
    magnitude /= base;
  } while (magnitude != 0);
  std::reverse(digits.begin(), digits.end());
  if (spec.precision > static_cast<int64_t>(digits.size())) {
    digits.insert(0, static_cast<size_t>(spec.precision) - digits.size(), '0');
  }
  std::string body = negative ? "-" : "";
  if (spec.alt && base != 10) {
    body += '0';
    body += conversion == 'o' ? 'o' : conversion;
  }
  return body + digits;
}

// Python formats finite doubles as C's printf does (same rounding, same exponent form).
std::string float_body(double value, const Spec& spec) {
  std::string format = spec.alt ? "%#.*" : "%.*";
  format += static_cast<char>(spec.conversion);
  const int precision = spec.precision < 0 ? 6 : static_cast<int>(spec.precision);
  const int length = std::snprintf(nullptr, 0, format.c_str(), precision, value);
  if (length <= 0) return {};
  std::string out(static_cast<size_t>(length), '\0');
  std::snprintf(out.data(), out.size() + 1, format.c_str(), precision, value);
  return out;
}

// Width padding. Numbers put the sign (and the '#' prefix) before zero padding; text pads
// with spaces only, counting code points.
std::string pad(std::string body, const Spec& spec, bool numeric) {
  const size_t width = spec.width < 0 ? 0 : static_cast<size_t>(spec.width);
  if (!numeric) {
    const size_t length = pystr::count_code_points(body);
    if (width <= length) return body;
    const std::string fill(width - length, ' ');
    return spec.left ? body + fill : fill + body;
  }
  std::string_view rest = body;
  std::string sign;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    sign = rest.substr(0, 1);
    rest.remove_prefix(1);
  } else if (spec.sign) {
    sign = "+";
  } else if (spec.blank) {
    sign = " ";
  }
  std::string_view prefix;
  if (spec.alt && is_one_of(spec.conversion, "oxX")) {
    prefix = rest.substr(0, 2);
    rest.remove_prefix(prefix.size());
  }
  const size_t length = sign.size() + prefix.size() + rest.size();
  const size_t fill = width > length ? width - length : 0;
  std::string out;
  out.reserve(length + fill);
  if (spec.left) {
    out.append(sign).append(prefix).append(rest).append(fill, ' ');
  } else if (spec.zero) {
    out.append(sign).append(prefix).append(fill, '0').append(rest);
  } else {
    out.append(fill, ' ').append(sign).append(prefix).append(rest);
  }
  return out;
}

std::variant<std::string, Failure> text(const Spec& spec, const Argument& argument) {
  const char conversion = static_cast<char>(spec.conversion);
  std::string body;
  if (const auto* scope = std::get_if<const Scope*>(&argument)) {
    body = mapping_repr(**scope, conversion == 'a');
  } else if (const int64_t* number = as_int(argument)) {
    body = std::to_string(*number);
  } else {
    const std::string& value = *as_str(argument);
    body = conversion == 's' ? value : conversion == 'r' ? pystr::repr(value) : pystr::ascii(value);
  }
  // The precision of %s, %r and %a truncates (in code points).
  if (spec.precision >= 0) {
    body = std::string(pystr::first_code_points(body, static_cast<size_t>(spec.precision)));
  }
  return pad(std::move(body), spec, false);
}

std::variant<std::string, Failure> character(const Spec& spec, const Argument& argument) {
  std::string body;
  if (const int64_t* number = as_int(argument)) {
    if (*number < 0 || *number > 0x10FFFF) return Failure{"%c arg not in range(0x110000)"};
    pystr::append_utf8(body, static_cast<char32_t>(*number));
  } else if (const std::string* value = as_str(argument);
             value && pystr::count_code_points(*value) == 1) {
    body = *value;
  } else {
    return Failure{"%c requires int or char"};
  }
  return pad(std::move(body), spec, false);
}

}  // namespace

std::variant<std::string, Failure> convert(const Spec& spec, const Argument& argument) {
  const char32_t conversion = spec.conversion;
  if (is_one_of(conversion, "sra")) return text(spec, argument);
  if (conversion == 'c') return character(spec, argument);
  const int64_t* number = as_int(argument);
  if (is_one_of(conversion, "diuoxX")) {
    if (number == nullptr) {
      const bool integer_only = is_one_of(conversion, "oxX");
      return Failure{std::string("%") + static_cast<char>(conversion) +
                     " format: " + (integer_only ? "an integer" : "a real number") +
                     " is required, not " + type_name(argument)};
    }
    return pad(integer_body(*number, spec), spec, true);
  }
  if (is_one_of(conversion, "eEfFgG")) {
    if (number == nullptr) return Failure{"must be real number, not " + type_name(argument)};
    return pad(float_body(static_cast<double>(*number), spec), spec, true);
  }
  // The parser only lets the conversions above through.
  return Failure{"unsupported format character"};
}

std::string mapping_repr(const Scope& scope, bool ascii_only) {
  std::string out = "{";
  for (const auto& [name, value] : scope.items()) {
    if (out.size() > 1) out += ", ";
    out += ascii_only ? pystr::ascii(name) : pystr::repr(name);
    out += ": ";
    if (const auto* number = std::get_if<int64_t>(&value)) {
      out += std::to_string(*number);
    } else {
      const auto& str = std::get<std::string>(value);
      out += ascii_only ? pystr::ascii(str) : pystr::repr(str);
    }
  }
  return out + "}";
}

}  // namespace expand::convert
