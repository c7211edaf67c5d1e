// xmlrpc.cc — value model, Python-identical encoder and bounded pugixml decoder.
#include "common/xmlrpc.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>
#include <pugixml.hpp>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/base64.h"
#include "common/utf8.h"

namespace xmlrpc {

// ---------------------------------------------------------------- value model

const Value* Value::get(std::string_view name) const {
  if (!is_struct()) return nullptr;
  for (const auto& [key, value] : as_struct()) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::string_view Value::type_name() const {
  struct Namer {
    std::string_view operator()(bool) const { return "bool"; }
    std::string_view operator()(int64_t) const { return "int"; }
    std::string_view operator()(double) const { return "float"; }
    std::string_view operator()(const std::string&) const { return "str"; }
    std::string_view operator()(const DateTime&) const { return "DateTime"; }
    std::string_view operator()(const Binary&) const { return "Binary"; }
    std::string_view operator()(const std::shared_ptr<Array>&) const { return "list"; }
    std::string_view operator()(const std::shared_ptr<Struct>&) const { return "dict"; }
    std::string_view operator()(const Encoded&) const { return "encoded"; }
  };
  return std::visit(Namer{}, v_);
}

std::optional<std::string> Value::release_encoded() {
  auto* e = std::get_if<Encoded>(&v_);
  if (!e) return std::nullopt;
  std::string xml = std::move(e->xml);
  v_ = std::string();
  return xml;
}

bool operator==(const Value& a, const Value& b) {
  if (a.storage().index() != b.storage().index()) return false;
  if (a.is_array()) return a.as_array() == b.as_array();
  if (a.is_struct()) return a.as_struct() == b.as_struct();
  if (const auto* d = std::get_if<DateTime>(&a.storage())) {
    return d->iso8601 == std::get<DateTime>(b.storage()).iso8601;
  }
  if (const auto* bin = std::get_if<Binary>(&a.storage())) {
    return bin->bytes == std::get<Binary>(b.storage()).bytes;
  }
  if (const auto* e = std::get_if<Encoded>(&a.storage())) {
    return e->xml == std::get<Encoded>(b.storage()).xml;
  }
  return a.storage() == b.storage();
}

// ---------------------------------------------------------------- encoding

namespace {

// Bytes copied as they are: printable ASCII but the three Python escapes.
constexpr auto kPlain = [] {
  std::array<bool, 256> plain{};
  for (int b = 0x20; b < 0x80; ++b) plain[static_cast<size_t>(b)] = true;
  plain['&'] = plain['<'] = plain['>'] = false;
  return plain;
}();

}  // namespace

std::string escape(std::string_view text) {
  Writer w(text.size());
  w.text(text);
  return w.take();
}

std::string format_double(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  // Shortest round-trip digits, then laid out by Python's repr rule: exponent form
  // when the decimal point falls before the 4th leading zero or past 16 digits.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  std::string out;
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::string_view exp_text = sci.substr(e + 1);
  if (exp_text.front() == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  int decpt = exponent + 1;  // value = 0.DIGITS x 10^decpt
  int ndigits = static_cast<int>(digits.size());
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (ndigits > 1) {
      out += '.';
      out.append(digits, 1);
    }
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += ebuf;
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= ndigits) {
    out += digits;
    out.append(static_cast<size_t>(decpt - ndigits), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<size_t>(decpt));
    out += '.';
    out.append(digits, static_cast<size_t>(decpt));
  }
  return out;
}

namespace {

constexpr std::string_view kXmlHeader = "<?xml version='1.0'?>\n";

// What Writer::value writes, before escaping (which only lengthens text, and rarely): the
// answer's buffer is made once rather than doubled and copied on the way to 1 MB.
size_t encoded_size(const Value& root) {
  // Each kind's tags, and the longest text of the fixed-size ones.
  constexpr size_t kString = 33, kArray = 45, kStruct = 34, kMember = 33, kDateTime = 53,
                   kBase64 = 34, kScalar = 33 + 32;  // <double> with repr's longest text
  size_t size = 0;
  std::vector<const Value*> stack{&root};
  while (!stack.empty()) {
    const Value* v = stack.back();
    stack.pop_back();
    const auto& s = v->storage();
    if (const auto* str = std::get_if<std::string>(&s)) {
      size += kString + str->size();
    } else if (const auto* a = std::get_if<std::shared_ptr<Array>>(&s)) {
      size += kArray;
      for (const Value& e : **a) stack.push_back(&e);
    } else if (const auto* st = std::get_if<std::shared_ptr<Struct>>(&s)) {
      size += kStruct;
      for (const auto& [name, value] : **st) {
        size += kMember + name.size();
        stack.push_back(&value);
      }
    } else if (const auto* dt = std::get_if<DateTime>(&s)) {
      size += kDateTime + dt->iso8601.size();
    } else if (const auto* bin = std::get_if<Binary>(&s)) {
      const size_t n = bin->bytes.size();
      size += kBase64 + (n + 2) / 3 * 4 + n / 57 + 1;  // 76-column lines of 57 bytes
    } else if (const auto* e = std::get_if<Encoded>(&s)) {
      size += e->xml.size();
    } else {
      size += kScalar;  // bool, int, double
    }
  }
  return size;
}

}  // namespace

// ---------------------------------------------------------------- the writer

Writer::Writer(size_t reserve) {
  buf_.resize(reserve);
}

// Doubles the room (at least n more bytes): the bytes written so far are kept.
char* Writer::grow(size_t n) {
  buf_.resize(std::max(buf_.size() * 2, len_ + n + 256));
  return buf_.data() + len_;
}

// A literal's bytes: a copy of a size known here, which the compiler writes inline.
template <size_t N>
void Writer::lit(const char (&s)[N]) {
  std::memcpy(room(N - 1), s, N - 1);
  len_ += N - 1;
}

void Writer::raw(std::string_view s) {
  std::memcpy(room(s.size()), s.data(), s.size());
  len_ += s.size();
}

std::string Writer::take() {
  buf_.resize(len_);
  len_ = 0;
  return std::move(buf_);
}

void Writer::text(std::string_view text) {
  size_t copied = 0;  // text before this is written already
  size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    // Runs of plain text are copied whole, at the next byte that needs a decision.
    if (kPlain[byte]) {
      ++pos;
      continue;
    }
    size_t length = 1;
    std::string_view replacement = utf8::kReplacement;
    if (byte >= 0x80) {
      const utf8::Step step = utf8::next(text, pos);
      if (step.valid && utf8::is_xml_char(step.code_point)) {
        pos += step.length;
        continue;
      }
      length = step.length;
    } else if (byte == '&') {
      replacement = "&amp;";
    } else if (byte == '<') {
      replacement = "&lt;";
    } else if (byte == '>') {
      replacement = "&gt;";
    } else if (utf8::is_xml_char(byte)) {  // tab, LF, CR
      ++pos;
      continue;
    }
    raw(text.substr(copied, pos - copied));
    raw(replacement);
    pos += length;
    copied = pos;
  }
  raw(text.substr(copied));
}

void Writer::string(std::string_view s) {
  lit("<value><string>");
  text(s);
  lit("</string></value>\n");
}

void Writer::integer(int64_t i) {
  lit("<value><int>");
  char* at = room(24);
  len_ += static_cast<size_t>(std::to_chars(at, at + 24, i).ptr - at);
  lit("</int></value>\n");
}

void Writer::boolean(bool b) {
  if (b)
    lit("<value><boolean>1</boolean></value>\n");
  else
    lit("<value><boolean>0</boolean></value>\n");
}

void Writer::begin_array() {
  lit("<value><array><data>\n");
}
void Writer::end_array() {
  lit("</data></array></value>\n");
}
void Writer::begin_struct() {
  lit("<value><struct>\n");
}
void Writer::end_struct() {
  lit("</struct></value>\n");
}
void Writer::begin_member(std::string_view name) {
  lit("<member>\n<name>");
  text(name);
  lit("</name>\n");
}
void Writer::end_member() {
  lit("</member>\n");
}

// Iterative on purpose: values come from our own code, but a deep one must not
// overflow the daemon's stack. Each frame is a value still to write or a closing step.
void Writer::value(const Value& root) {
  enum class Close { None, Array, Struct, Member };
  struct Item {
    const Value* value;  // null: only `close`
    Close close = Close::None;
    const std::string* name = nullptr;  // struct member name opening this value
  };
  std::vector<Item> stack;
  stack.push_back({&root});
  while (!stack.empty()) {
    Item item = stack.back();
    stack.pop_back();
    if (item.value == nullptr) {
      if (item.close == Close::Array) end_array();
      if (item.close == Close::Struct) end_struct();
      if (item.close == Close::Member) end_member();
      continue;
    }
    if (item.name != nullptr) begin_member(*item.name);
    const auto& s = item.value->storage();
    if (const bool* b = std::get_if<bool>(&s)) {
      boolean(*b);
    } else if (const int64_t* i = std::get_if<int64_t>(&s)) {
      integer(*i);
    } else if (const double* d = std::get_if<double>(&s)) {
      lit("<value><double>");
      raw(format_double(*d));
      lit("</double></value>\n");
    } else if (const std::string* str = std::get_if<std::string>(&s)) {
      string(*str);
    } else if (const DateTime* dt = std::get_if<DateTime>(&s)) {
      lit("<value><dateTime.iso8601>");
      text(dt->iso8601);  // same text for any real timestamp
      lit("</dateTime.iso8601></value>\n");
    } else if (const Binary* bin = std::get_if<Binary>(&s)) {
      lit("<value><base64>\n");
      raw(base64::encode_lines(bin->bytes));
      lit("</base64></value>\n");
    } else if (const Encoded* e = std::get_if<Encoded>(&s)) {
      raw(e->xml);
    } else if (item.value->is_array()) {
      begin_array();
      stack.push_back({nullptr, Close::Array});
      const Array& a = item.value->as_array();
      for (auto it = a.rbegin(); it != a.rend(); ++it) stack.push_back({&*it});
    } else {
      begin_struct();
      stack.push_back({nullptr, Close::Struct});
      const Struct& st = item.value->as_struct();
      for (auto it = st.rbegin(); it != st.rend(); ++it) {
        stack.push_back({nullptr, Close::Member});
        stack.push_back({&it->second, Close::None, &it->first});
      }
    }
  }
}

namespace {
constexpr std::string_view kResponseOpen = "<methodResponse>\n<params>\n<param>\n";
constexpr std::string_view kResponseClose = "</param>\n</params>\n</methodResponse>\n";
static_assert(kEnvelope >= kXmlHeader.size() + kResponseOpen.size() + kResponseClose.size());
}  // namespace

std::string encode_response(const Value& value, size_t headroom) {
  Writer w(headroom + kXmlHeader.size() + kResponseOpen.size() + encoded_size(value) +
           kResponseClose.size());
  w.raw(kXmlHeader);
  w.raw(kResponseOpen);
  w.value(value);
  w.raw(kResponseClose);
  return w.take();
}

std::string encode_response(Value&& value, size_t headroom) {
  std::optional<std::string> xml = value.release_encoded();
  if (!xml) return encode_response(std::as_const(value), headroom);
  std::string head;
  head.reserve(kXmlHeader.size() + kResponseOpen.size());
  head.append(kXmlHeader).append(kResponseOpen);
  xml->insert(0, head);  // moves the bytes within the buffer: no new pages to fault in
  xml->append(kResponseClose);
  return std::move(*xml);
}

std::string encode_fault(int code, std::string_view message) {
  Writer w(kXmlHeader.size() + 256 + message.size());
  w.raw(kXmlHeader);
  w.raw("<methodResponse>\n<fault>\n");
  w.begin_struct();
  w.begin_member("faultCode");
  w.integer(code);
  w.end_member();
  w.begin_member("faultString");
  w.string(message);
  w.end_member();
  w.end_struct();
  w.raw("</fault>\n</methodResponse>\n");
  return w.take();
}

std::string encode_call(const Call& call) {
  Writer w;
  w.raw(kXmlHeader);
  // Python writes the method name unescaped; we escape so that the XML stays
  // well-formed. Identical for every real method name (no &, <, >).
  w.raw("<methodCall>\n<methodName>");
  w.text(call.method);
  w.raw("</methodName>\n<params>\n");
  for (const Value& p : call.params) {
    w.raw("<param>\n");
    w.value(p);
    w.raw("</param>\n");
  }
  w.raw("</params>\n</methodCall>\n");
  return w.take();
}

// ---------------------------------------------------------------- decoding

namespace {

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string tag(pugi::xml_node n) {
  return "<" + std::string(n.name()) + ">";
}

// Appends character data with its references replaced. pugixml is told not to expand them
// (no parse_escapes) because it writes &#0; as a NUL that cuts the C string it hands back,
// and accepts references to characters no XML document may hold. This follows XML 1.0
// like expat (which Supervisor's iterparse and xmlrpc.client use): the five predefined
// entities, &#N; and &#xH; naming a Char (utf8::is_xml_char); anything else is an error.
bool append_unescaped(std::string_view raw, std::string& out, std::string& error) {
  while (!raw.empty()) {
    const size_t amp = raw.find('&');
    out.append(raw.substr(0, amp));
    if (amp == std::string_view::npos) return true;
    raw.remove_prefix(amp + 1);
    const size_t semi = raw.find(';');
    const std::string_view name = raw.substr(0, semi);
    if (semi == std::string_view::npos || name.empty()) {
      error = "'&' that starts no reference";
      return false;
    }
    raw.remove_prefix(semi + 1);
    if (name == "lt") {
      out += '<';
    } else if (name == "gt") {
      out += '>';
    } else if (name == "amp") {
      out += '&';
    } else if (name == "quot") {
      out += '"';
    } else if (name == "apos") {
      out += '\'';
    } else if (name.front() == '#') {
      const bool hex = name.size() > 1 && name[1] == 'x';
      const std::string_view digits = name.substr(hex ? 2 : 1);
      uint32_t code = 0;
      const auto r =
          std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
      // Out of range of uint32_t is past U+10FFFF too.
      const bool whole = r.ptr == digits.data() + digits.size() && !digits.empty();
      if (!whole || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range)) {
        error = "malformed character reference '&" + std::string(name) + ";'";
        return false;
      }
      if (r.ec != std::errc() || !utf8::is_xml_char(code)) {
        error = "reference to a character XML does not allow: '&" + std::string(name) + ";'";
        return false;
      }
      utf8::append(out, code);
    } else {
      error = "undefined entity '&" + std::string(name) + ";'";
      return false;
    }
  }
  return true;
}

bool parse_int(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// The value of a typed leaf element <name>s</name> (s unescaped); false with `error` set
// for an unknown type or a text the type does not allow.
bool leaf_value(std::string_view name, std::string s, bool base64_as_string, Value& out,
                std::string& error) {
  auto tag = [name] { return "<" + std::string(name) + ">"; };  // for errors only
  if (name == "string") {
    out = Value(std::move(s));
  } else if (name == "int" || name == "i4" || name == "i8") {
    int64_t i = 0;
    if (!parse_int(trim(s), i)) return error = "bad " + tag() + " value '" + s + "'", false;
    out = Value(i);
  } else if (name == "boolean") {
    std::string_view b = trim(s);
    if (b != "0" && b != "1") return error = "bad <boolean> value '" + s + "'", false;
    out = Value(b == "1");
  } else if (name == "double") {
    double d = 0;
    if (!parse_double(trim(s), d)) return error = "bad <double> value '" + s + "'", false;
    out = Value(d);
  } else if (name == "dateTime.iso8601") {
    out = Value(DateTime{std::string(trim(s))});
  } else if (name == "base64") {
    auto bytes = base64::decode(s);
    if (!bytes) return error = "bad <base64> value: " + bytes.error(), false;
    if (base64_as_string) {
      out = Value(std::move(*bytes));
    } else {
      out = Value(Binary{std::move(*bytes)});
    }
  } else if (name == "nil") {
    return error = "<nil/> is not supported", false;
  } else {
    return error = "unknown value type " + tag(), false;
  }
  return true;
}

// The <fault> value's two members, as xmlrpc.client requires them.
Result<Response> fault_response(const Value& v) {
  const Value* code = v.get("faultCode");
  const Value* text = v.get("faultString");
  if (code == nullptr || !code->is_int() || text == nullptr || !text->is_string()) {
    return Result<Response>::fail("<fault> needs an int faultCode and a string faultString");
  }
  return Response(FaultValue{static_cast<int>(clamp_int32(code->as_int())), text->as_string()});
}

// Decoder state: the value being built is returned; the first error is kept.
class Decoder {
 public:
  Decoder(const Limits& limits, bool base64_as_string)
      : limits_(limits), base64_as_string_(base64_as_string) {}

  const std::string& error() const { return error_; }
  bool failed() const { return !error_.empty(); }

  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  // Calls f on each element child of n; stray non-blank text among them is an error.
  template <class F>
  bool each_element(pugi::xml_node n, F&& f) {
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
      switch (c.type()) {
        case pugi::node_element:
          f(c);
          break;
        case pugi::node_pcdata:
        case pugi::node_cdata:
          if (!is_blank(c.value())) return fail("unexpected text inside " + tag(n));
          break;
        default:
          break;  // comments, processing instructions
      }
    }
    return true;
  }

  // Element children of n, collected.
  bool elements(pugi::xml_node n, std::vector<pugi::xml_node>& out) {
    return each_element(n, [&](pugi::xml_node c) { out.push_back(c); });
  }

  // As elements(), without collecting: the first `max` element children go to out, all
  // are counted. The decoder's walks use this (no vector per node: a status answer for
  // 1000 processes has 13,000 members).
  bool some_elements(pugi::xml_node n, pugi::xml_node* out, size_t max, size_t& count) {
    count = 0;
    return each_element(n, [&](pugi::xml_node c) {
      if (count < max) out[count] = c;
      ++count;
    });
  }

  // Character data of a leaf element; nested elements are an error.
  bool text(pugi::xml_node n, std::string& out) {
    pugi::xml_node only = n.first_child();  // the usual leaf: one run of text
    if (only && !only.next_sibling() && only.type() == pugi::node_pcdata) {
      return pcdata(n, only, out);
    }
    for (pugi::xml_node c : n.children()) {
      if (c.type() == pugi::node_pcdata) {
        if (!pcdata(n, c, out)) return false;
      } else if (c.type() == pugi::node_cdata) {
        out += c.value();  // CDATA holds no references
      } else if (c.type() == pugi::node_element) {
        return fail(tag(n) + " must hold text, found " + tag(c));
      }
    }
    return true;
  }

  bool pcdata(pugi::xml_node parent, pugi::xml_node text, std::string& out) {
    std::string why;
    if (append_unescaped(text.value(), out, why)) return true;
    return fail("bad text in " + tag(parent) + ": " + why);
  }

  bool value(pugi::xml_node v, int depth, Value& out) {
    if (std::string_view(v.name()) != "value") {
      return fail("expected <value>, found " + tag(v));
    }
    pugi::xml_node typed;
    bool stray_text = false;
    for (pugi::xml_node c = v.first_child(); c; c = c.next_sibling()) {
      switch (c.type()) {
        case pugi::node_element:
          if (typed) return fail("<value> holds more than one element");
          typed = c;
          break;
        case pugi::node_pcdata:
        case pugi::node_cdata:
          stray_text = stray_text || !is_blank(c.value());
          break;
        default:
          break;
      }
    }
    if (!typed) {  // untyped <value>text</value> is a string, spaces kept
      std::string s;
      if (!text(v, s)) return false;
      out = Value(std::move(s));
      return true;
    }
    if (stray_text) return fail("unexpected text inside " + tag(v));
    return typed_value(typed, depth, out);
  }

  bool typed_value(pugi::xml_node t, int depth, Value& out) {
    std::string_view name = t.name();
    if (name == "array" || name == "struct") {
      if (depth >= static_cast<int>(limits_.max_depth)) {
        return fail("values nested deeper than " + std::to_string(limits_.max_depth) + " levels");
      }
      return name == "array" ? array(t, depth + 1, out) : structure(t, depth + 1, out);
    }
    std::string s;
    if (!text(t, s)) return false;
    std::string why;
    return leaf_value(name, std::move(s), base64_as_string_, out, why) || fail(std::move(why));
  }

  bool array(pugi::xml_node a, int depth, Value& out) {
    pugi::xml_node data;
    size_t kids = 0;
    if (!some_elements(a, &data, 1, kids)) return false;
    if (kids != 1 || std::string_view(data.name()) != "data") {
      return fail("<array> must hold exactly one <data>");
    }
    size_t items = 0;
    if (!some_elements(data, nullptr, 0, items)) return false;
    Array arr;
    arr.reserve(items);
    for (pugi::xml_node item = data.first_child(); item; item = item.next_sibling()) {
      if (item.type() != pugi::node_element) continue;
      Value v;
      if (!value(item, depth, v)) return false;
      arr.push_back(std::move(v));
    }
    out = Value(std::move(arr));
    return true;
  }

  bool structure(pugi::xml_node s, int depth, Value& out) {
    size_t members = 0;
    if (!some_elements(s, nullptr, 0, members)) return false;
    Struct st;
    st.reserve(members);
    for (pugi::xml_node m = s.first_child(); m; m = m.next_sibling()) {
      if (m.type() != pugi::node_element) continue;
      if (std::string_view(m.name()) != "member") {
        return fail("expected <member> in <struct>, found " + tag(m));
      }
      pugi::xml_node parts[2];
      size_t count = 0;
      if (!some_elements(m, parts, 2, count)) return false;
      if (count != 2 || std::string_view(parts[0].name()) != "name") {
        return fail("<member> must hold <name> then <value>");
      }
      std::string key;
      if (!text(parts[0], key)) return false;
      Value v;
      if (!value(parts[1], depth, v)) return false;
      // A repeated name replaces the earlier one, as in a Python dict.
      bool replaced = false;
      for (auto& [k, existing] : st) {
        if (k == key) {
          existing = std::move(v);
          replaced = true;
          break;
        }
      }
      if (!replaced) st.emplace_back(std::move(key), std::move(v));
    }
    out = Value(std::move(st));
    return true;
  }

  // <params> holding <param><value>…</value></param>*.
  bool params(pugi::xml_node ps, Array& out) {
    size_t count = 0;
    if (!some_elements(ps, nullptr, 0, count)) return false;
    for (pugi::xml_node p = ps.first_child(); p; p = p.next_sibling()) {
      if (p.type() != pugi::node_element) continue;
      if (std::string_view(p.name()) != "param") {
        return fail("expected <param> in <params>, found " + tag(p));
      }
      pugi::xml_node only;
      size_t values = 0;
      if (!some_elements(p, &only, 1, values)) return false;
      if (values != 1) return fail("<param> must hold exactly one <value>");
      Value v;
      if (!value(only, 0, v)) return false;
      out.push_back(std::move(v));
    }
    return true;
  }

 private:
  const Limits& limits_;
  bool base64_as_string_;
  std::string error_;
};

// A request must be a well-formed XML 1.0 document in UTF-8: every byte part of a valid
// sequence and every character a Char. pugixml checks neither, so a raw NUL, control
// character or stray 0xFF would otherwise reach a handler (expat, which Supervisor uses,
// refuses them all and Supervisor answers 400).
std::string check_characters(std::string_view xml) {
  size_t pos = 0;
  while (pos < xml.size()) {
    const auto byte = static_cast<unsigned char>(xml[pos]);
    if (byte >= 0x20 && byte < 0x80) {
      ++pos;
      continue;
    }
    const utf8::Step step = utf8::next(xml, pos);
    if (!step.valid) {
      return "invalid UTF-8 at offset " + std::to_string(pos) + ": " + step.reason;
    }
    if (!utf8::is_xml_char(step.code_point)) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(step.code_point));
      return "character " + std::string(code) + " at offset " + std::to_string(pos) +
             " is not allowed in XML";
    }
    pos += step.length;
  }
  return {};
}

// Attribute values are not read, but a bad reference in one makes the document malformed
// all the same; a walk without recursion (the tree may be deep) checks them. Requests only:
// the walk costs more than the rest of parsing a 1000-process status answer, and a
// response's attributes are never looked at.
std::string check_attributes(const pugi::xml_document& doc) {
  std::string scratch, why;
  pugi::xml_node n = doc.first_child();
  while (n) {
    for (pugi::xml_attribute a : n.attributes()) {
      scratch.clear();
      if (!append_unescaped(a.value(), scratch, why)) {
        return "bad attribute " + std::string(a.name()) + " of " + tag(n) + ": " + why;
      }
    }
    if (n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n && !n.next_sibling()) n = n.parent();
    if (n) n = n.next_sibling();
  }
  return {};
}

// Parses the document and returns its single root element, refusing DTDs.
// pugixml never expands entities beyond the predefined five, and its parser does
// not recurse, so deep or hostile input costs memory proportional to its size only.
// `in_place` (xml's own bytes, writable) makes pugixml parse there instead of in a copy.
Result<pugi::xml_node> load(pugi::xml_document& doc, std::string_view xml,
                            char* in_place = nullptr) {
  // No parse_escapes: references are expanded and checked by append_unescaped.
  constexpr unsigned kOptions =
      pugi::parse_cdata | pugi::parse_eol | pugi::parse_ws_pcdata_single | pugi::parse_doctype;
  pugi::xml_parse_result r =
      in_place ? doc.load_buffer_inplace(in_place, xml.size(), kOptions, pugi::encoding_utf8)
               : doc.load_buffer(xml.data(), xml.size(), kOptions, pugi::encoding_utf8);
  if (!r) {
    return Result<pugi::xml_node>::fail("malformed XML at offset " + std::to_string(r.offset) +
                                        ": " + r.description());
  }
  pugi::xml_node root;
  for (pugi::xml_node c : doc.children()) {
    switch (c.type()) {
      case pugi::node_doctype:
        return Result<pugi::xml_node>::fail("DOCTYPE declarations are not allowed");
      case pugi::node_element:
        if (root) return Result<pugi::xml_node>::fail("more than one root element");
        root = c;
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        if (!is_blank(c.value())) {
          return Result<pugi::xml_node>::fail("text outside the root element");
        }
        break;
      default:
        break;
    }
  }
  if (!root) return Result<pugi::xml_node>::fail("no root element");
  return root;
}

Result<Call> decode_call(std::string_view xml, char* in_place, const Limits& limits) try {
  if (std::string bad = check_characters(xml); !bad.empty()) return Result<Call>::fail(bad);
  pugi::xml_document doc;
  auto root = load(doc, xml, in_place);
  if (!root) return Result<Call>::fail(root.error());
  if (std::string bad = check_attributes(doc); !bad.empty()) return Result<Call>::fail(bad);
  if (std::string_view(root->name()) != "methodCall") {
    return Result<Call>::fail("expected <methodCall> root element, found " + tag(*root));
  }
  Decoder d(limits, /*base64_as_string=*/true);
  std::vector<pugi::xml_node> parts;
  if (!d.elements(*root, parts)) return Result<Call>::fail(d.error());
  Call call;
  bool have_name = false, have_params = false;
  for (pugi::xml_node p : parts) {
    std::string_view name = p.name();
    if (name == "methodName" && !have_name) {
      have_name = true;
      if (!d.text(p, call.method)) return Result<Call>::fail(d.error());
    } else if (name == "params" && !have_params) {
      have_params = true;
      if (!d.params(p, call.params)) return Result<Call>::fail(d.error());
    } else {
      return Result<Call>::fail("unexpected " + tag(p) + " in <methodCall>");
    }
  }
  if (!have_name) return Result<Call>::fail("missing <methodName>");
  return call;
} catch (const std::bad_alloc&) {
  return Result<Call>::fail("out of memory decoding the request");
}

}  // namespace

Result<Call> parse_call(std::string_view xml, const Limits& limits) {
  return decode_call(xml, nullptr, limits);
}

Result<Call> parse_call_in_place(std::string& xml, const Limits& limits) {
  return decode_call(xml, xml.data(), limits);
}

Result<Response> parse_response_tree(std::string_view xml, const Limits& limits) try {
  pugi::xml_document doc;
  auto root = load(doc, xml);
  if (!root) return Result<Response>::fail(root.error());
  if (std::string_view(root->name()) != "methodResponse") {
    return Result<Response>::fail("expected <methodResponse> root element, found " + tag(*root));
  }
  Decoder d(limits, /*base64_as_string=*/false);
  std::vector<pugi::xml_node> parts;
  if (!d.elements(*root, parts)) return Result<Response>::fail(d.error());
  if (parts.size() != 1) {
    return Result<Response>::fail("<methodResponse> must hold one <params> or <fault>");
  }
  std::string_view kind = parts[0].name();
  if (kind == "params") {
    Array values;
    if (!d.params(parts[0], values)) return Result<Response>::fail(d.error());
    if (values.size() != 1) {
      return Result<Response>::fail("response <params> must hold exactly one <param>");
    }
    return Response(std::move(values[0]));
  }
  if (kind != "fault") {
    return Result<Response>::fail("unexpected " + tag(parts[0]) + " in <methodResponse>");
  }
  std::vector<pugi::xml_node> vs;
  if (!d.elements(parts[0], vs)) return Result<Response>::fail(d.error());
  if (vs.size() != 1) return Result<Response>::fail("<fault> must hold exactly one <value>");
  Value v;
  if (!d.value(vs[0], 0, v)) return Result<Response>::fail(d.error());
  return fault_response(v);
} catch (const std::bad_alloc&) {
  return Result<Response>::fail("out of memory decoding the response");
}

namespace {

// The first '<' in [p, end) (end when none), and whether a '&' comes before it. Sixteen
// bytes a step where the machine has SSE2 (a member's name or value is mostly one step):
// the byte loop alone was 17M of the 58M instructions decoding a 10,000-process status.
inline const char* find_lt(const char* p, const char* const end, bool& reference) {
#if defined(__SSE2__)
  const __m128i lt = _mm_set1_epi8('<');
  const __m128i amp = _mm_set1_epi8('&');
  for (; end - p >= 16; p += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto bits = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(block, lt), _mm_cmpeq_epi8(block, amp))));
    if (bits != 0) {
      p += __builtin_ctz(bits);
      if (*p == '<') return p;
      reference = true;  // the rest byte by byte: references are rare
      break;
    }
  }
#endif
  for (; p != end && *p != '<'; ++p) reference |= *p == '&';
  return p;
}

// p[0, n) == want[0, n), n known when compiling: two overlapping loads from each side for
// 8 to 32 bytes (the tags the scan compares), no call.
template <size_t n>
bool same_bytes(const char* p, const char* want) {
  if constexpr (n >= 16 && n <= 32) {
#if defined(__SSE2__)
    const auto load = [](const char* q) {
      return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    };
    const __m128i eq = _mm_and_si128(_mm_cmpeq_epi8(load(p), load(want)),
                                     _mm_cmpeq_epi8(load(p + n - 16), load(want + n - 16)));
    return _mm_movemask_epi8(eq) == 0xFFFF;
#else
    return std::memcmp(p, want, n) == 0;
#endif
  } else if constexpr (n >= 8 && n < 16) {
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, p, 8);
    std::memcpy(&a1, p + n - 8, 8);
    std::memcpy(&b0, want, 8);
    std::memcpy(&b1, want + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  } else {
    return std::memcmp(p, want, n) == 0;
  }
}

// The number eight ASCII digits at p make; false when one is not a digit. SWAR: a few
// multiplications rather than eight steps (simdjson's is_made_of_eight_digits_fast and
// parse_eight_digits_unrolled).
inline bool eight_digits(const char* p, uint64_t& out) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::little) {
    constexpr uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
    if (((v & kHigh) | (((v + 0x0606060606060606ULL) & kHigh) >> 4)) != 0x3333333333333333ULL)
      return false;
    v = ((v & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
    v = ((v & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
    out = ((v & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
    return true;
  } else {
    out = 0;
    for (int i = 0; i < 8; ++i) {
      const auto d = static_cast<unsigned>(p[i] - '0');
      if (d > 9) return false;
      out = out * 10 + d;
    }
    return true;
  }
}

// One pass over the answers servers send (Supervisor's and ours): elements without
// attributes, blanks between them, text with references; no tree is built. Anything else
// — comments, CDATA, attributes, a DOCTYPE, CR (end-of-line rules), NUL, or any error —
// and it gives up (nullopt): the tree decoder then answers or names the error. So the
// two never disagree where this one answers (tests/fuzz/xmlrpc_fuzz.cc checks it), and
// `status` of 1000 processes no longer spends 85% of its instructions in a DOM.
class FastResponse {
 public:
  FastResponse(std::string_view xml, const Limits& limits) : s_(xml), limits_(limits) {}

  std::optional<Response> run() {
    bool empty = false;
    if (!prolog() || !open_named("methodResponse", empty) || empty) return {};
    std::string_view kind;
    if (!open(kind, empty) || empty) return {};
    std::optional<Response> out;
    Value v;
    if (kind == "params") {
      if (!open_named("param", empty) || empty || !value_element(0, v) || !close("param") ||
          !close("params"))
        return {};
      out = Response(std::move(v));
    } else if (kind == "fault") {
      if (!value_element(0, v) || !close("fault")) return {};
      auto fault = fault_response(v);
      if (!fault) return {};
      out = std::move(*fault);
    } else {
      return {};
    }
    if (!close("methodResponse") || !at_end()) return {};
    return out;
  }

  // scan_struct_array: the same grammar as run() for <params> holding an array of structs,
  // each member handed over as it is read.
  bool scan(StructArraySink& sink) {
    bool empty = false;
    if (!prolog() || !open_named("methodResponse", empty) || empty ||
        !open_named("params", empty) || empty || !open_named("param", empty) || empty ||
        !open_named("value", empty) || empty || !open_named("array", empty) || empty ||
        limits_.max_depth < 2 || !open_named("data", empty))
      return false;
    if (!empty) {
      for (blanks(); !at(p_, "</"); blanks()) {
        bool e = false;
        if (!lit("<value><struct>") && (!open_named("value", e) || e || !open_named("struct", e)))
          return false;
        sink.start_struct();
        if (!e && !scan_members(sink)) return false;
        if (!lit("</value>") && !close("value")) return false;
      }
      if (!close("data")) return false;
    }
    return close("array") && close("value") && close("param") && close("params") &&
           close("methodResponse") && at_end();
  }

 private:
  // The \r and \0 checks and the XML declaration, before the root element.
  bool prolog() {
    // memchr, not find_first_of: that one is a loop of calls per byte (24M instructions
    // for a 1000-process status answer, more than the whole parse).
    if (std::memchr(s_.data(), '\r', s_.size()) || std::memchr(s_.data(), '\0', s_.size()))
      return false;
    if (s_.substr(0, 5) == "<?xml" && s_.size() > 5 && (s_[5] == ' ' || s_[5] == '?')) {
      const size_t end = s_.find("?>");
      if (end == std::string_view::npos) return false;
      p_ = end + 2;
    }
    return true;
  }

  // Only blanks after the root element.
  bool at_end() {
    blanks();
    return p_ == s_.size();
  }

  void blanks() {
    const char* p = s_.data() + p_;
    const char* const end = s_.data() + s_.size();
    while (p != end && (*p == ' ' || *p == '\t' || *p == '\n')) ++p;
    p_ = static_cast<size_t>(p - s_.data());
  }

  static bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  }

  // Tag names are a few bytes: a loop the compiler inlines beats a call to memcmp (a
  // 1000-process status answer makes ~100,000 of these compares).
  bool at(size_t pos, std::string_view what) const {
    if (pos + what.size() > s_.size()) return false;
    const char* p = s_.data() + pos;
    for (size_t i = 0; i < what.size(); ++i)
      if (p[i] != what[i]) return false;
    return true;
  }

  // After "<name": ">" (empty = false) or "/>" (empty = true).
  bool tag_end(size_t pos, bool& empty) {
    if (pos < s_.size() && s_[pos] == '>') {
      p_ = pos + 1;
      empty = false;
      return true;
    }
    if (at(pos, "/>")) {
      p_ = pos + 2;
      empty = true;
      return true;
    }
    return false;
  }

  // After blanks: "<name>" or "<name/>" (empty), any name.
  bool open(std::string_view& name, bool& empty) {
    blanks();
    if (p_ >= s_.size() || s_[p_] != '<') return false;
    size_t end = p_ + 1;
    while (end < s_.size() && name_char(s_[end])) ++end;
    if (end == p_ + 1) return false;
    name = s_.substr(p_ + 1, end - p_ - 1);
    return tag_end(end, empty);
  }

  // The same for a known name (the usual case: compared, not scanned).
  bool open_named(std::string_view want, bool& empty) {
    blanks();
    return p_ < s_.size() && s_[p_] == '<' && at(p_ + 1, want) &&
           tag_end(p_ + 1 + want.size(), empty);
  }

  // After blanks: "</name>".
  bool close(std::string_view name) {
    blanks();
    if (!at(p_, "</") || !at(p_ + 2, name) || !at(p_ + 2 + name.size(), ">")) return false;
    p_ += name.size() + 3;
    return true;
  }

  // Character data up to the next '<', references replaced; the '<' is not consumed.
  bool text(std::string& out) {
    const size_t end = s_.find('<', p_);
    if (end == std::string_view::npos) return false;
    std::string why;
    if (!append_unescaped(s_.substr(p_, end - p_), out, why)) return false;
    p_ = end;
    return true;
  }

  // As text(), without a copy unless there is a reference to replace (then in scratch).
  bool text_view(std::string_view& out, std::string& scratch) {
    const char* const begin = s_.data() + p_;
    const char* const end = s_.data() + s_.size();
    bool reference = false;
    const char* const lt = find_lt(begin, end, reference);
    if (lt == end) return false;
    const std::string_view raw(begin, static_cast<size_t>(lt - begin));
    if (reference) {
      scratch.clear();
      std::string why;
      if (!append_unescaped(raw, scratch, why)) return false;
      out = scratch;
    } else {
      out = raw;
    }
    p_ = static_cast<size_t>(lt - s_.data());
    return true;
  }

  // Exactly these bytes next: consumed, true. The scan tries the layout Python's encoder
  // (and ours) writes this way first, one compare for a run of tags, and reads any other
  // layout the tolerant way (open_named, close); both accept the same documents.
  template <size_t N>
  bool lit(const char (&want)[N]) {
    constexpr size_t n = N - 1;
    if (s_.size() - p_ < n || !same_bytes<n>(s_.data() + p_, want)) return false;
    p_ += n;
    return true;
  }

  // The members of a struct after its start tag, and its end tag (as structure()).
  bool scan_members(StructArraySink& sink) {
    std::string_view key;
    MemberValue v;
    for (blanks();;) {
      if (usual_member(key, v)) {  // which takes the line end after it: no blanks() then
        sink.member(key, v);
        continue;
      }
      blanks();
      if (at(p_, "</")) break;
      key = {};
      v = {};
      bool e = false;
      if (!lit("<member>\n<name>") && (!open_named("member", e) || e || !open_named("name", e)))
        return false;
      if (!e && !text_view(key, key_scratch_)) return false;
      if (!member_value(v, /*name_open=*/!e) || !(lit("\n</member>") || close("member")))
        return false;
      sink.member(key, v);
    }
    return lit("</struct>") || close("struct");
  }

  // The usual member, as Python's encoder (and ours) writes it, read in one go:
  //   <member>\n<name>NAME</name>\n<value><string>TEXT</string></value>\n</member>
  // or the same with <int>DIGITS</int>, no reference in NAME or TEXT. The bytes are those
  // scan_members' tolerant road reads first (lit, text_view, lit, ...), compared with fewer
  // steps, and the line end after. Anything else: false, nothing consumed, and that road reads it.
  bool usual_member(std::string_view& key, MemberValue& out) {
    const char* p = s_.data() + p_;
    const char* const end = s_.data() + s_.size();
    if (end - p < 15 || !same_bytes<15>(p, "<member>\n<name>")) return false;
    p += 15;
    bool reference = false;
    const char* lt = find_lt(p, end, reference);
    if (reference || end - lt < 23) return false;
    key = std::string_view(p, static_cast<size_t>(lt - p));
    const bool is_string = same_bytes<23>(lt, "</name>\n<value><string>");
    if (is_string) {
      p = lt + 23;
    } else if (same_bytes<20>(lt, "</name>\n<value><int>")) {
      p = lt + 20;
    } else {
      return false;
    }
    lt = find_lt(p, end, reference);
    if (reference) return false;
    const std::string_view text(p, static_cast<size_t>(lt - p));
    if (is_string) {
      if (end - lt < 27 || !same_bytes<27>(lt, "</string></value>\n</member>")) return false;
      out.kind = MemberValue::Kind::String;
      out.text = text;
      p = lt + 27;
    } else {
      if (end - lt < 24 || !same_bytes<24>(lt, "</int></value>\n</member>") ||
          !read_int(text, out.number))
        return false;
      out.kind = MemberValue::Kind::Int;
      p = lt + 24;
    }
    if (p != end && *p == '\n') ++p;  // the next member's line
    p_ = static_cast<size_t>(p - s_.data());
    return true;
  }

  // Digits of an <int>: the usual "-?[0-9]{1,18}" read here, the rest as leaf_value reads it.
  static bool read_int(std::string_view digits, int64_t& out) {
    const bool minus = !digits.empty() && digits[0] == '-';
    const size_t n = digits.size() - (minus ? 1 : 0);
    if (n == 0 || n > 18) return parse_int(trim(digits), out);
    const char* p = digits.data() + (minus ? 1 : 0);
    uint64_t v = 0;
    if (n >= 8) {  // a time stamp's first eight digits at once
      if (!eight_digits(p, v)) return parse_int(trim(digits), out);
      p += 8;
    }
    for (; p != digits.data() + digits.size(); ++p) {
      const auto d = static_cast<unsigned>(*p - '0');
      if (d > 9) return parse_int(trim(digits), out);
      v = v * 10 + d;
    }
    out = minus ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    return true;
  }

  // A member's </name> (unless `name_open` is false: <name/>) and whole <value> element (as
  // value_element at depth 2).
  bool member_value(MemberValue& out, bool name_open) {
    out.kind = MemberValue::Kind::String;
    if (name_open && lit("</name>\n<value><string>")) {
      return text_view(out.text, text_scratch_) &&
             (lit("</string></value>") || (close("string") && close("value")));
    }
    if (name_open && lit("</name>\n<value><int>")) {
      std::string_view digits;
      if (!text_view(digits, text_scratch_) ||
          !(lit("</int></value>") || (close("int") && close("value"))))
        return false;
      out.kind = MemberValue::Kind::Int;
      return read_int(digits, out.number);
    }
    bool empty = false;
    if ((name_open && !close("name")) || !open_named("value", empty)) return false;
    if (empty) return true;  // text stays ""
    const size_t start = p_;
    const size_t lt = s_.find('<', p_);
    if (lt == std::string_view::npos) return false;
    if (at(lt, "</")) return text_view(out.text, text_scratch_) && close("value");
    if (!is_blank(s_.substr(start, lt - start))) return false;
    std::string_view type;
    if (!open(type, empty)) return false;
    if (type == "string") {
      if (!empty && (!text_view(out.text, text_scratch_) || !close(type))) return false;
    } else if (type == "int" || type == "i4" || type == "i8" || type == "boolean") {
      std::string_view digits;
      if (empty || !text_view(digits, text_scratch_) || !close(type)) return false;
      if (type == "boolean") {
        digits = trim(digits);
        if (digits != "0" && digits != "1") return false;
        out.kind = MemberValue::Kind::Bool;
        out.number = digits == "1";
      } else {
        if (!read_int(digits, out.number)) return false;
        out.kind = MemberValue::Kind::Int;
      }
    } else {
      Value dropped;
      if (!typed(type, empty, 2, dropped)) return false;
      out.kind = MemberValue::Kind::Other;
    }
    return close("value");
  }

  // After blanks: a whole <value> element.
  bool value_element(int depth, Value& out) {
    bool empty = false;
    if (!open_named("value", empty)) return false;
    if (empty) {
      out = Value(std::string());
      return true;
    }
    const size_t start = p_;
    const size_t lt = s_.find('<', p_);
    if (lt == std::string_view::npos) return false;
    if (at(lt, "</")) {  // untyped: the text is a string, spaces kept
      std::string str;
      if (!text(str) || !close("value")) return false;
      out = Value(std::move(str));
      return true;
    }
    if (!is_blank(s_.substr(start, lt - start))) return false;
    std::string_view type;
    if (!open(type, empty) || !typed(type, empty, depth, out)) return false;
    return close("value");
  }

  // The rest of <type>…</type> after its start tag.
  bool typed(std::string_view type, bool empty, int depth, Value& out) {
    if (type == "array" || type == "struct") {
      if (depth >= static_cast<int>(limits_.max_depth)) return false;
      return type == "array" ? array(empty, depth + 1, out) : structure(empty, depth + 1, out);
    }
    std::string str;
    if (!empty && (!text(str) || !close(type))) return false;
    std::string why;
    return leaf_value(type, std::move(str), /*base64_as_string=*/false, out, why);
  }

  bool array(bool empty, int depth, Value& out) {
    bool data_empty = false;
    if (empty || !open_named("data", data_empty)) return false;
    Array arr;
    if (!data_empty) {
      for (blanks(); !at(p_, "</"); blanks()) {
        arr.emplace_back();
        if (!value_element(depth, arr.back())) return false;
      }
      if (!close("data")) return false;
    }
    if (!close("array")) return false;
    out = Value(std::move(arr));
    return true;
  }

  bool structure(bool empty, int depth, Value& out) {
    Struct st;
    // Arrays of structs (getAllProcessInfo) repeat one shape: room for as many members
    // as the last struct had saves the vector's regrowth moves.
    st.reserve(last_struct_size_);
    if (!empty) {
      for (blanks(); !at(p_, "</"); blanks()) {
        bool e = false;
        if (!open_named("member", e) || e || !open_named("name", e)) return false;
        std::string key;
        if (!e && (!text(key) || !close("name"))) return false;
        Value v;
        if (!value_element(depth, v) || !close("member")) return false;
        // A repeated name replaces the earlier one, as in a Python dict.
        auto same = std::find_if(st.begin(), st.end(), [&](const Member& m) {
          return m.first.size() == key.size() && m.first[0] == key[0] && m.first == key;
        });
        if (same != st.end())
          same->second = std::move(v);
        else
          st.emplace_back(std::move(key), std::move(v));
      }
      if (!close("struct")) return false;
    }
    last_struct_size_ = st.size();
    out = Value(std::move(st));
    return true;
  }

  std::string_view s_;
  size_t p_ = 0;
  const Limits& limits_;
  size_t last_struct_size_ = 0;
  std::string key_scratch_, text_scratch_;  // scan(): names and texts holding references
};

}  // namespace

bool scan_struct_array(std::string_view xml, StructArraySink& sink, const Limits& limits) try {
  return FastResponse(xml, limits).scan(sink);
} catch (const std::bad_alloc&) {
  return false;  // parse_response says so
}

std::optional<Response> parse_response_fast(std::string_view xml, const Limits& limits) try {
  return FastResponse(xml, limits).run();
} catch (const std::bad_alloc&) {
  return std::nullopt;  // the tree decoder says so
}

Result<Response> parse_response(std::string_view xml, const Limits& limits) {
  if (auto fast = parse_response_fast(xml, limits)) return std::move(*fast);
  return parse_response_tree(xml, limits);
}

}  // namespace xmlrpc
