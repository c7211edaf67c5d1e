// values_shlex.cc — the two tokenisers behind environment= and command=:
// Python's shlex in legacy (non-POSIX) mode as Supervisor 4.2.5's
// dict_of_key_value_pairs configures it, and shlex.split's POSIX mode.
// Each is a transcription of shlex's state machine so odd inputs split the
// same way; depends only on pyspace-free standard code and result.h.
#include <string>
#include <string_view>
#include <vector>

#include "common/values.h"

namespace values {
namespace {

constexpr std::string_view kShlexSpace = " \t\r\n";  // shlex's whitespace: no \v, \f

bool is_shlex_space(char c) {
  return kShlexSpace.find(c) != std::string_view::npos;
}
bool is_quote(char c) {
  return c == '\'' || c == '"';
}

// shlex's default word characters plus the ones Supervisor adds.
bool is_env_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         std::string_view("/.+-():").find(c) != std::string_view::npos;
}

// Bytes in the UTF-8 code point starting with `lead`: shlex reads characters,
// and a non-word character becomes a token of its own.
size_t code_point_length(std::string_view s, size_t pos) {
  const auto lead = static_cast<unsigned char>(s[pos]);
  size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  for (size_t i = 1; i < length; ++i) {
    if (pos + i >= s.size() || (static_cast<unsigned char>(s[pos + i]) & 0xc0) != 0x80) return 1;
  }
  return length;
}

// shlex.shlex(v) with wordchars += '/.+-():' : quotes are kept in the token, '#'
// skips to the end of the line (without ending a word), any other character is
// a one-character token.
Result<std::vector<std::string>> legacy_tokens(std::string_view v) {
  std::vector<std::string> tokens;
  std::string token;
  char state = ' ';  // ' ' between tokens, 'a' in a word, a quote inside quotes
  size_t pos = 0;
  auto skip_comment = [&] {
    const size_t newline = v.find('\n', pos);
    pos = newline == std::string_view::npos ? v.size() : newline + 1;
  };
  while (pos < v.size()) {
    const char c = v[pos];
    if (state == ' ') {
      if (is_shlex_space(c)) {
        ++pos;
      } else if (c == '#') {
        skip_comment();
      } else if (is_env_word_char(c) || is_quote(c)) {
        token.assign(1, c);
        state = is_quote(c) ? c : 'a';
        ++pos;
      } else {
        const size_t length = code_point_length(v, pos);
        tokens.emplace_back(v.substr(pos, length));
        pos += length;
      }
    } else if (state == 'a') {
      if (is_shlex_space(c)) {
        tokens.push_back(std::move(token));
        token.clear();
        state = ' ';
        ++pos;
      } else if (c == '#') {
        skip_comment();
      } else if (is_env_word_char(c) || is_quote(c)) {
        token += c;
        ++pos;
      } else {
        // The character ends the word and is read again as its own token.
        tokens.push_back(std::move(token));
        token.clear();
        state = ' ';
      }
    } else {  // inside quotes
      token += c;
      ++pos;
      if (c == state) {
        tokens.push_back(std::move(token));
        token.clear();
        state = ' ';
      }
    }
  }
  if (is_quote(state)) return Result<std::vector<std::string>>::fail("No closing quotation");
  if (state == 'a') tokens.push_back(std::move(token));
  return tokens;
}

std::string_view strip_quotes(std::string_view s) {
  while (!s.empty() && is_quote(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_quote(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> environment(std::string_view v) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  Result<std::vector<std::string>> tokens = legacy_tokens(v);
  if (!tokens) return Result<Pairs>::fail(tokens.error());
  Pairs pairs;
  // KEY = VALUE, then one separator token of any kind, repeated.
  for (size_t i = 0; i < tokens->size(); i += 4) {
    if (i + 3 > tokens->size() || (*tokens)[i + 1] != "=") {
      return Result<Pairs>::fail("Unexpected end of key/value pairs in value '" + std::string(v) +
                                 "'");
    }
    const std::string& key = (*tokens)[i];
    std::string value(strip_quotes((*tokens)[i + 2]));
    bool replaced = false;
    for (auto& pair : pairs) {
      if (pair.first == key) {
        pair.second = std::move(value);
        replaced = true;
        break;
      }
    }
    if (!replaced) pairs.emplace_back(key, std::move(value));
  }
  return pairs;
}

Result<std::vector<std::string>> shlex_split(std::string_view v) {
  using Words = std::vector<std::string>;
  Words words;
  std::string token;
  bool quoted = false;  // a quote was seen: the token exists even if empty
  char state = ' ';     // ' ', 'a' (in a word), a quote, or '\\'
  char escaped_from = 'a';
  auto emit = [&] {
    words.push_back(std::move(token));
    token.clear();
    quoted = false;
  };
  for (const char c : v) {
    switch (state) {
      case ' ':
        if (is_shlex_space(c)) break;
        if (c == '\\') {
          escaped_from = 'a';
          state = '\\';
        } else if (is_quote(c)) {
          state = c;
        } else {
          token.assign(1, c);
          state = 'a';
        }
        break;
      case 'a':
        if (is_shlex_space(c)) {
          emit();
          state = ' ';
        } else if (is_quote(c)) {
          state = c;
        } else if (c == '\\') {
          escaped_from = 'a';
          state = '\\';
        } else {
          token += c;
        }
        break;
      case '\\':
        // Inside double quotes a backslash only escapes '"' and itself.
        if (is_quote(escaped_from) && c != '\\' && c != escaped_from) token += '\\';
        token += c;
        state = escaped_from;
        break;
      default:  // inside quotes
        quoted = true;
        if (c == state) {
          state = 'a';
        } else if (state == '"' && c == '\\') {
          escaped_from = '"';
          state = '\\';
        } else {
          token += c;
        }
        break;
    }
  }
  if (state == '\\') return Result<Words>::fail("No escaped character");
  if (is_quote(state)) return Result<Words>::fail("No closing quotation");
  if (state == 'a') emit();
  return words;
}

}  // namespace values
