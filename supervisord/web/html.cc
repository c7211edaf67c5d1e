// html.cc — see html.h.
#include "supervisord/web/html.h"

#include "common/http.h"

namespace web {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string quote(std::string_view text, bool slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.' || c == '_' || c == '~' || (slash && c == '/');
    if (safe) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

Result<std::string> unquote_plus(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      int h = i + 2 < s.size() ? http::hex_digit(s[i + 1]) : -1;
      int l = h >= 0 ? http::hex_digit(s[i + 2]) : -1;
      if (h < 0 || l < 0) return Error{"malformed percent-encoding"};
      out += static_cast<char>(h * 16 + l);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Result<Form> parse_form(std::string_view text) {
  Form form;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = unquote_plus(pair.substr(0, eq));
    if (!key) return Error{key.error()};
    auto value =
        unquote_plus(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!value) return Error{value.error()};
    form.emplace_back(std::move(*key), std::move(*value));
  }
  return form;
}

std::optional<std::string> form_value(const Form& form, std::string_view key) {
  for (const auto& [k, v] : form)
    if (k == key) return v;
  return std::nullopt;
}

}  // namespace web
