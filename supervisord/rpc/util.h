// util.h — small helpers shared by the RPC method files.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <utility>

#include "common/xmlrpc.h"

namespace rpc {

// XML-RPC ints are 32-bit on the wire (Python's client refuses more): clamp.
inline int clamp_int(int64_t v) {
  if (v > INT32_MAX) return INT32_MAX;
  if (v < INT32_MIN) return INT32_MIN;
  return static_cast<int>(v);
}

inline int64_t now_seconds() {
  return static_cast<int64_t>(::time(nullptr));
}

// Python truthiness of an argument (wait flags).
inline bool truthy(const xmlrpc::Value& v) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_int()) return v.as_int() != 0;
  if (v.is_string()) return !v.as_string().empty();
  return true;
}

// What Python's str() gives for a scalar argument; the type's name for others.
inline std::string text_of(const xmlrpc::Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_bool()) return v.as_bool() ? "True" : "False";
  if (v.is_double()) return xmlrpc::format_double(v.as_double());
  return std::string(v.type_name());
}

}  // namespace rpc
