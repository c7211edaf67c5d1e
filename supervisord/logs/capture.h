// capture.h — capture mode's splitter (supervisord.org logging.html, "Capture Mode"): text between
// `<!--XSUPERVISOR:BEGIN-->` and `<!--XSUPERVISOR:END-->` is taken out of the log and kept,
// bounded, until END. Pure: turns chunks into segments; the caller writes logs and publishes
// PROCESS_COMMUNICATION events. Depends on the standard library only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace logs {

inline constexpr std::string_view kCaptureBegin = "<!--XSUPERVISOR:BEGIN-->";
inline constexpr std::string_view kCaptureEnd = "<!--XSUPERVISOR:END-->";

struct CaptureSegment {
  enum class Kind {
    Log,       // goes to the log file (normal mode)
    Captured,  // taken into the capture buffer (still a PROCESS_LOG event, as Supervisor)
    End,       // END seen: `data` is the whole capture, for PROCESS_COMMUNICATION
  };
  Kind kind;
  std::string data;
  bool operator==(const CaptureSegment&) const = default;
};

class CaptureSplitter {
 public:
  // maxbytes > 0: the capture keeps its last `maxbytes` bytes.
  explicit CaptureSplitter(int64_t maxbytes) : maxbytes_(maxbytes) {}

  // Tokens may be split across chunks: only a tail that could still be the start of the
  // awaited token is held back. (Supervisor holds back any output no longer than the token,
  // so a short "ok\n" after END is never logged until more output comes; we do not.)
  std::vector<CaptureSegment> feed(std::string_view chunk);
  // End of stream: release the held-back tail in the current mode. An unfinished capture
  // produces no End.
  std::vector<CaptureSegment> flush();

  bool capturing() const { return capturing_; }

 private:
  void emit(std::string_view data, std::vector<CaptureSegment>& out);

  int64_t maxbytes_;
  bool capturing_ = false;
  std::string pending_;   // undecided bytes: a possible token prefix
  std::string captured_;  // the capture so far (bounded)
};

}  // namespace logs
