// strip_ansi.cc — see strip_ansi.h.
#include "supervisord/logs/strip_ansi.h"

namespace logs {

namespace {

constexpr char kEsc = '\x1b';

// Supervisor ends a sequence only at one of 15 letters (H f A B C D R s u J K h l p m) and
// otherwise swallows text up to the next one. Any ASCII letter is the documented rule
// (strip `ESC[ ... <letter>`) and loses no text after e.g. `ESC[2X`.
bool is_final(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace

std::string StripAnsi::feed(std::string_view chunk) {
  std::string out;
  out.reserve(chunk.size());
  for (char c : chunk) {
    switch (state_) {
      case State::Text:
        if (c == kEsc)
          state_ = State::Escape;
        else
          out.push_back(c);
        break;
      case State::Escape:
        if (c == '[') {
          state_ = State::Sequence;
        } else {
          // Not a CSI sequence: keep the ESC, and look at this byte afresh.
          out.push_back(kEsc);
          if (c == kEsc) break;
          out.push_back(c);
          state_ = State::Text;
        }
        break;
      case State::Sequence:
        if (is_final(c)) state_ = State::Text;
        break;
    }
  }
  return out;
}

std::string StripAnsi::flush() {
  std::string out;
  if (state_ == State::Escape) out.push_back(kEsc);
  state_ = State::Text;
  return out;
}

}  // namespace logs
