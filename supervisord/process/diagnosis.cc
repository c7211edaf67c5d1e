#include "supervisord/process/diagnosis.h"

#include <string.h>

#include <cstdio>

namespace diagnosis {

void OutputTail::push_line(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() > kMaxLineBytes) line = line.substr(0, kMaxLineBytes) + "\xE2\x80\xA6";
  if (lines_.size() < kMaxLines) {
    if (lines_.empty()) lines_.reserve(kMaxLines);
    lines_.push_back(std::move(line));
  } else {
    lines_[head_] = std::move(line);
    head_ = (head_ + 1) % kMaxLines;
  }
}

void OutputTail::append(std::string_view bytes) {
  if (bytes.empty()) return;
  // Only the last kMaxLines lines of a chunk can survive it: find where they start with a
  // backward scan, so a child writing 64 KiB of short lines costs a few memrchr calls here,
  // not a string per line (this was 50% of the daemon's CPU under a fast writer).
  size_t end = bytes.size();
  for (size_t newlines = 0; end > 0;) {
    const void* nl = memrchr(bytes.data(), '\n', end);
    if (nl == nullptr) break;
    size_t at = static_cast<size_t>(static_cast<const char*>(nl) - bytes.data());
    if (++newlines > kMaxLines) {  // everything up to here would be pushed out
      lines_.clear();
      head_ = 0;
      partial_.clear();
      bytes.remove_prefix(at + 1);
      break;
    }
    end = at;
  }
  while (!bytes.empty()) {
    const void* nl = memchr(bytes.data(), '\n', bytes.size());
    if (nl == nullptr) break;
    size_t at = static_cast<size_t>(static_cast<const char*>(nl) - bytes.data());
    partial_.append(bytes.substr(0, at));
    push_line(std::move(partial_));
    partial_.clear();
    bytes.remove_prefix(at + 1);
  }
  partial_.append(bytes);
  // A line that never ends must not grow without bound.
  if (partial_.size() > kMaxLineBytes * 4) {
    push_line(std::move(partial_));
    partial_.clear();
  }
}

std::vector<std::string> OutputTail::lines() const {
  std::vector<std::string> out(lines_.begin() + static_cast<std::ptrdiff_t>(head_), lines_.end());
  out.insert(out.end(), lines_.begin(), lines_.begin() + static_cast<std::ptrdiff_t>(head_));
  if (!partial_.empty()) out.push_back(partial_);
  while (out.size() > kMaxLines) out.erase(out.begin());
  return out;
}

std::string OutputTail::last_line() const {
  auto all = lines();
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (it->find_first_not_of(" \t") != std::string::npos) return *it;
  return "";
}

void OutputTail::clear() {
  lines_.clear();
  head_ = 0;
  partial_.clear();
}

std::string code_meaning(std::string_view command, int code) {
  // argv[0]'s base name, or gunicorn run as a module / through a wrapper.
  if (command.find("gunicorn") == std::string_view::npos) return "";
  if (code == 3) return "gunicorn: worker failed to boot";
  if (code == 4) return "gunicorn: app failed to load";
  return "";
}

namespace {

std::string with_meaning(const ExitRecord& e, std::string text) {
  if (!e.meaning.empty()) text += " (" + e.meaning + ")";
  return text;
}

}  // namespace

std::string status_text(const ExitRecord& e) {
  std::string how = fsm::decode_wait_status(e.exit.wait_status).text;  // Supervisor's words
  return (e.exit.kind == fsm::ExitInfo::Kind::Stopped ? "stopped: " : "") + with_meaning(e, how);
}

std::string sentence(const ExitRecord& e) {
  std::string how = e.exit.signal() == 0
                        ? "exited with status " + std::to_string(e.exit.code())
                        : "was " + fsm::decode_wait_status(e.exit.wait_status).text;
  return with_meaning(e, how) + " after " + format_duration(e.exit.lived_ms());
}

std::string format_duration(int64_t ms) {
  if (ms < 0) ms = 0;
  char buf[64];
  if (ms < 10'000) {
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(ms / 1000));
  } else if (ms < 3'600'000) {
    std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(ms / 60'000),
                  static_cast<long long>((ms / 1000) % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld h %lld min", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>((ms / 60'000) % 60));
  }
  return buf;
}

}  // namespace diagnosis
