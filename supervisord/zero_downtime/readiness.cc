// readiness.cc — sd_notify datagram and HTTP status line parsing.
#include "supervisord/zero_downtime/readiness.h"

#include <algorithm>

namespace readiness {

NotifyMessage parse_notify(std::string_view d) {
  NotifyMessage m;
  if (d.size() > kMaxNotifyBytes) d = d.substr(0, kMaxNotifyBytes);
  while (!d.empty()) {
    size_t nl = d.find('\n');
    std::string_view line = d.substr(0, nl);
    d = nl == std::string_view::npos ? std::string_view() : d.substr(nl + 1);
    if (line.find('\0') != std::string_view::npos) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "READY") {
      if (value == "1") m.ready = true;
    } else if (key == "STOPPING") {
      if (value == "1") m.stopping = true;
    } else if (key == "STATUS") {
      std::string text;
      for (char c : value.substr(0, 200))
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) text += c;
      m.status = std::move(text);
    }
  }
  return m;
}

std::string http_request(std::string_view host, int port, std::string_view path) {
  std::string h(host);
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return "GET " + std::string(path) + " HTTP/1.0\r\nHost: " + h + ":" + std::to_string(port) +
         "\r\nUser-Agent: supervisord-probe\r\nConnection: close\r\n\r\n";
}

HttpVerdict http_verdict(std::string_view r) {
  // "HTTP/1.1 200 OK": the code is the three digits after the first space.
  constexpr std::string_view kPrefix = "HTTP/";
  size_t n = std::min(r.size(), kPrefix.size());
  if (r.substr(0, n) != kPrefix.substr(0, n)) return HttpVerdict::Failed;
  size_t sp = r.find(' ');
  if (sp == std::string_view::npos)
    return r.size() > 16 ? HttpVerdict::Failed : HttpVerdict::Incomplete;
  if (r.size() < sp + 4) return HttpVerdict::Incomplete;
  std::string_view code = r.substr(sp + 1, 3);
  for (char c : code)
    if (c < '0' || c > '9') return HttpVerdict::Failed;
  return code[0] == '2' || code[0] == '3' ? HttpVerdict::Ok : HttpVerdict::Failed;
}

}  // namespace readiness
