// readiness.h — the pure parts of the readiness extension (ProcessConfig::ready): sd_notify
// datagrams ("READY=1\nSTATUS=...") and the HTTP probe's request and status line. No
// sockets, no clock: process.cc and probe.cc do the I/O and call these.
// Must not depend on: uv.h, sockets, the fsm, the Supervisor object.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace readiness {

// One sd_notify(3) datagram: newline-separated VAR=VALUE assignments. Unknown variables,
// lines without '=', NULs and bytes past kMaxNotifyBytes are ignored (a garbage datagram
// parses as "nothing").
inline constexpr size_t kMaxNotifyBytes = 4096;
struct NotifyMessage {
  bool ready = false;                 // READY=1
  bool stopping = false;              // STOPPING=1
  std::optional<std::string> status;  // STATUS=text (control characters dropped, <= 200 bytes)
};
NotifyMessage parse_notify(std::string_view datagram);

// The probe's request: "GET PATH HTTP/1.0" with Host and Connection: close.
std::string http_request(std::string_view host, int port, std::string_view path);

// Verdict on what the server sent so far: Incomplete until the status line's code is in;
// Ok for 2xx/3xx; Failed for anything else (other codes, not HTTP).
enum class HttpVerdict { Incomplete, Ok, Failed };
HttpVerdict http_verdict(std::string_view received);

}  // namespace readiness
