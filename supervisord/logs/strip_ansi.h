// strip_ansi.h — removes ANSI control sequences (`ESC [ … <letter>`) from a byte stream
// ([supervisord] strip_ansi). Stateful, so a sequence split across two pipe
// reads is still removed. Pure: no I/O; depends on the standard library only.
#pragma once

#include <string>
#include <string_view>

namespace logs {

class StripAnsi {
 public:
  // The bytes of `chunk` that are not part of a sequence. A trailing ESC or an unfinished
  // sequence is held until the next chunk decides it.
  std::string feed(std::string_view chunk);
  // End of stream: a lone held ESC was not a sequence after all.
  std::string flush();

 private:
  enum class State { Text, Escape, Sequence };
  State state_ = State::Text;
};

}  // namespace logs
