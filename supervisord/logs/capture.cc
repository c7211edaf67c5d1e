// capture.cc — see capture.h.
#include "supervisord/logs/capture.h"

#include <algorithm>

namespace logs {

namespace {

// Length of the longest proper prefix of `token` that `text` ends with.
size_t token_prefix_at_end(std::string_view text, std::string_view token) {
  size_t longest = std::min(text.size(), token.size() - 1);
  for (size_t n = longest; n > 0; --n) {
    if (text.substr(text.size() - n) == token.substr(0, n)) return n;
  }
  return 0;
}

}  // namespace

void CaptureSplitter::emit(std::string_view data, std::vector<CaptureSegment>& out) {
  if (data.empty()) return;
  if (!capturing_) {
    out.push_back({CaptureSegment::Kind::Log, std::string(data)});
    return;
  }
  out.push_back({CaptureSegment::Kind::Captured, std::string(data)});
  captured_.append(data);
  auto limit = static_cast<size_t>(maxbytes_);
  if (captured_.size() > limit) captured_.erase(0, captured_.size() - limit);
}

std::vector<CaptureSegment> CaptureSplitter::feed(std::string_view chunk) {
  std::vector<CaptureSegment> out;
  pending_.append(chunk);
  std::string_view rest = pending_;
  for (;;) {
    std::string_view token = capturing_ ? kCaptureEnd : kCaptureBegin;
    size_t at = rest.find(token);
    if (at == std::string_view::npos) {
      size_t hold = token_prefix_at_end(rest, token);
      emit(rest.substr(0, rest.size() - hold), out);
      rest = rest.substr(rest.size() - hold);
      break;
    }
    emit(rest.substr(0, at), out);
    if (capturing_) {
      out.push_back({CaptureSegment::Kind::End, std::move(captured_)});
      captured_.clear();
    }
    capturing_ = !capturing_;
    rest = rest.substr(at + token.size());
  }
  pending_ = std::string(rest);
  return out;
}

std::vector<CaptureSegment> CaptureSplitter::flush() {
  std::vector<CaptureSegment> out;
  emit(pending_, out);
  pending_.clear();
  return out;
}

}  // namespace logs
