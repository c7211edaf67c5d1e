// xmlrpc.h — the XML-RPC value model and codec; the only code that knows XML
// (pugixml inside xmlrpc.cc). Encodes exactly as Python's xmlrpc.client.dumps
// (one element per line) so the wire matches Supervisor's. Decoding is strict and
// bounded: no DTD/entities, nesting depth limit, size limit given by the caller.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"

namespace xmlrpc {

class Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;
using Struct = std::vector<Member>;  // insertion order kept (Python dict order)

struct DateTime {
  std::string iso8601;
};  // "20261129T10:15:10"
struct Binary {
  std::string bytes;
};  // <base64>
// One <value> element already encoded (a Writer's bytes), written as it is. Only answers
// are made of it: a handler with many rows writes them without building their tree.
struct Encoded {
  std::string xml;
};

class Value {
 public:
  using Storage = std::variant<bool, int64_t, double, std::string, DateTime, Binary,
                               std::shared_ptr<Array>, std::shared_ptr<Struct>, Encoded>;
  Value() : v_(std::string()) {}
  Value(bool b) : v_(b) {}                                         // NOLINT
  Value(int i) : v_(int64_t{i}) {}                                 // NOLINT
  Value(int64_t i) : v_(i) {}                                      // NOLINT
  Value(double d) : v_(d) {}                                       // NOLINT
  Value(std::string s) : v_(std::move(s)) {}                       // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}                // NOLINT
  Value(const char* s) : v_(std::string(s)) {}                     // NOLINT
  Value(DateTime d) : v_(std::move(d)) {}                          // NOLINT
  Value(Binary b) : v_(std::move(b)) {}                            // NOLINT
  Value(Encoded e) : v_(std::move(e)) {}                           // NOLINT
  Value(Array a) : v_(std::make_shared<Array>(std::move(a))) {}    // NOLINT
  Value(Struct s) : v_(std::make_shared<Struct>(std::move(s))) {}  // NOLINT

  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<std::shared_ptr<Array>>(v_); }
  bool is_struct() const { return std::holds_alternative<std::shared_ptr<Struct>>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return *std::get<std::shared_ptr<Array>>(v_); }
  const Struct& as_struct() const { return *std::get<std::shared_ptr<Struct>>(v_); }
  // Struct member lookup; null when not a struct or no such member.
  const Value* get(std::string_view name) const;

  const Storage& storage() const { return v_; }
  // An Encoded value's bytes, moved out (the value is left an empty string); null otherwise.
  std::optional<std::string> release_encoded();
  // Python-ish type name for messages: "int", "str", "bool", "list", "dict", ...
  std::string_view type_name() const;

 private:
  Storage v_;
};

bool operator==(const Value& a, const Value& b);

struct Call {
  std::string method;
  Array params;
};

struct FaultValue {
  int code = 0;
  std::string string;
};

// A response is a value or a fault.
using Response = std::variant<Value, FaultValue>;

struct Limits {
  size_t max_depth = 64;  // nested arrays/structs
};

// Request decoding (server side). Accepts <int>, <i4>, <boolean>, <string>, untyped
// <value> text (string), <double>, <dateTime.iso8601>, <base64>, <array>, <struct>;
// <params> may be absent. Error text is for a 400 response / the log. As expat (which
// Supervisor parses requests with): the body must be valid UTF-8 holding only XML 1.0
// characters, and a reference must name such a character (&#0;, &#x1;, &#xFFFE; and
// undefined entities are errors, not text cut at a NUL).
Result<Call> parse_call(std::string_view xml, const Limits& limits = {});
// The same, parsing in xml's own bytes (pugixml's in-place mode) rather than in a copy, so a
// large request is not held twice; xml is garbage afterwards.
Result<Call> parse_call_in_place(std::string& xml, const Limits& limits = {});
// Response decoding (client side): <params><param><value>… or <fault>. References are
// checked as in parse_call, but raw bytes are not: Python's supervisord writes a process's
// control characters and other bytes as they are, and the client shows them rather than fail.
Result<Response> parse_response(std::string_view xml, const Limits& limits = {});
// parse_response is the first of these that answers. _fast: one pass, no tree, for the
// usual shape (no comments, CDATA, attributes, CR); nullopt for anything else, errors
// included. _tree: through a document tree, any well-formed XML, with the error named.
// Public for the tests and the fuzz target, which check that the two agree.
std::optional<Response> parse_response_fast(std::string_view xml, const Limits& limits = {});
Result<Response> parse_response_tree(std::string_view xml, const Limits& limits = {});

// A struct member's value as scan_struct_array hands it over, no Value built: <int>, <i4>,
// <i8> as Int and <boolean> as Bool (0 or 1) in `number`; <string> and untyped text as
// String in `text` (references replaced; valid until the next member); anything else (a
// double, a date, an array, ...) as Other, checked as parse_response would and dropped.
struct MemberValue {
  enum class Kind { Int, Bool, String, Other };
  Kind kind = Kind::String;
  int64_t number = 0;
  std::string_view text;
};

// What scan_struct_array finds, in the order of the bytes.
class StructArraySink {
 public:
  virtual void start_struct() = 0;  // the next element of the array
  virtual void member(std::string_view name, const MemberValue& value) = 0;

 protected:
  ~StructArraySink() = default;
};

// One pass over a response whose value is an array of structs (getAllProcessInfo's), each
// member handed to `sink` (a repeated name comes again: the later one wins, as in a Python
// dict). false when parse_response_fast would not answer with such an array: a fault,
// another value, an element that is not a struct, anything unusual or wrong; the sink may
// have seen part of it, and the caller decodes the answer with parse_response instead.
bool scan_struct_array(std::string_view xml, StructArraySink& sink, const Limits& limits = {});

// The encoder: values in Python's layout (xmlrpc.client.dumps: one element a line), text
// escaped as escape() says, appended to one buffer. encode_response writes a Value tree
// through it; a handler with many rows (getAllProcessInfo) writes them with it directly,
// in the same layout, and answers Value(Encoded{writer.take()}).
class Writer {
 public:
  explicit Writer(size_t reserve = 0);
  void value(const Value& v);
  void string(std::string_view s);  // <value><string>...</string></value>
  void integer(int64_t i);          // <value><int>...</int></value>
  void boolean(bool b);
  void begin_array();
  void end_array();
  void begin_struct();
  void end_struct();
  void begin_member(std::string_view name);  // <member>\n<name>...</name>\n
  void end_member();
  void text(std::string_view s);  // character data, escaped
  void raw(std::string_view s);   // bytes as they are
  size_t size() const { return len_; }
  std::string take();  // what was written (capacity kept); the writer is empty after

 private:
  std::string buf_;  // buf_.size() is the room made so far; the first len_ bytes are written
  size_t len_ = 0;
  char* room(size_t n) { return buf_.size() - len_ >= n ? buf_.data() + len_ : grow(n); }
  char* grow(size_t n);
  template <size_t N>
  void lit(const char (&s)[N]);
};

// Encoding as Python's xmlrpc.client.dumps(..., methodresponse=True) / dumps(params, name).
// Integers outside int32 are clamped by the caller; the encoder writes what it is given.
// headroom: bytes the answer's buffer can still take without moving (an HTTP head put in
// front of it: see http::respond), so a large answer is allocated and written once.
std::string encode_response(const Value& value, size_t headroom = 0);
// The same; an Encoded value's own buffer becomes the answer (its envelope put around it in
// place when the buffer has the room: Writer(reserve) with kEnvelope + headroom to spare).
std::string encode_response(Value&& value, size_t headroom = 0);
inline constexpr size_t kEnvelope = 128;  // the XML header and <methodResponse> tags
std::string encode_fault(int code, std::string_view message);
std::string encode_call(const Call& call);

// --- helpers for RPC handlers and the client -------------------------------------

// XML-RPC <int> is 32-bit; Python's marshaller refuses anything wider, so
// Supervisor clamps timestamps (now, start, stop) to this range before sending.
constexpr int64_t kInt32Min = -2147483648LL;
constexpr int64_t kInt32Max = 2147483647LL;
inline int64_t clamp_int32(int64_t v) {
  return v < kInt32Min ? kInt32Min : (v > kInt32Max ? kInt32Max : v);
}

// Python's repr(float), the text <double> carries ("0.1", "1e+16", "inf").
std::string format_double(double d);

// Text escaped for XML character data as Python's xmlrpc escape() (&, <, >), and made
// well-formed whatever it holds: each invalid UTF-8 sequence (maximal subpart) and each
// character XML 1.0 forbids (C0 controls but tab, LF, CR; U+FFFE, U+FFFF) becomes U+FFFD.
// Python writes them as they are, and its own xmlrpc.client then fails to parse the answer
// (ExpatError) — every status call, for every process, when one name holds such a byte.
// Replacing rather than dropping keeps the text's shape and shows where something was.
std::string escape(std::string_view text);

// Note on <base64>: parse_call decodes it to a string Value (Supervisor's server
// does the same); parse_response keeps it as Binary (as xmlrpc.client does).
// <nil/> and <i8> values: <i8> is accepted by both, <nil/> refused by both.

}  // namespace xmlrpc
