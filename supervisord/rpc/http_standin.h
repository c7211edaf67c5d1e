// http_standin.h — TEMPORARY: the request type rpc/wire expects from common/http, until
// common/http.h lands. Delete this file and include common/http.h from wire.h then.
// Must not depend on libuv.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

struct Request {
  std::string method;
  std::string path;     // the request-target as sent ("/RPC2", "/logtail/x/stdout?q")
  int version_major = 1;
  int version_minor = 1;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First header with this name (case-insensitive), or "".
  std::string_view header(std::string_view name) const;
};

}  // namespace http
