// Expected XML literals were produced by /usr/bin/python3 xmlrpc.client.dumps (3.11).
#include "common/xmlrpc.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace xmlrpc;

namespace {

const std::string kHead = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n";
const std::string kTail = "</param>\n</params>\n</methodResponse>\n";

std::string response_body(const std::string& value_xml) {
  return kHead + value_xml + kTail;
}

std::string call_xml(const std::string& params_xml) {
  return "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n" +
         params_xml + "</params>\n</methodCall>\n";
}

Value parse_single_param(const std::string& value_xml) {
  auto c = parse_call(call_xml("<param>\n" + value_xml + "\n</param>\n"));
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error()));
  REQUIRE(c->params.size() == 1);
  return c->params[0];
}

std::string parse_error(const std::string& xml) {
  auto c = parse_call(xml);
  REQUIRE(!c.ok());
  return c.error();
}

}  // namespace

TEST_CASE("encode_response_escapes_only_amp_lt_gt_like_python") {
  CHECK(encode_response(Value("a<b>&c\"'")) ==
        response_body("<value><string>a&lt;b&gt;&amp;c\"'</string></value>\n"));
}

TEST_CASE("encode_response_passes_utf8_tab_cr_lf_through") {
  CHECK(encode_response(Value("h\xc3\xa9llo \xe2\x98\x83")) ==
        response_body("<value><string>h\xc3\xa9llo \xe2\x98\x83</string></value>\n"));
  CHECK(encode_response(Value("\t\r\n\x7f\xc2\x85")) ==
        response_body("<value><string>\t\r\n\x7f\xc2\x85</string></value>\n"));
}

// Python writes these as they are and xmlrpc.client then refuses the whole answer
// (ExpatError); ours writes U+FFFD for each (xmlrpc.h, escape).
TEST_CASE("encode_never_writes_invalid_utf8_or_characters_xml_forbids") {
  const std::string r = "\xef\xbf\xbd";  // U+FFFD
  CHECK(escape(std::string_view("a\0b", 3)) == "a" + r + "b");
  CHECK(escape("\x01\x08\x0b\x0c\x1b[31m\x1f") == r + r + r + r + r + "[31m" + r);
  CHECK(escape("bad\xff\xfename") == "bad" + r + r + "name");
  CHECK(escape("cut \xe2\x82") == "cut " + r);                         // one per maximal subpart
  CHECK(escape("\xed\xa0\x80") == r + r + r);                          // encoded surrogate
  CHECK(escape("\xef\xbf\xbe\xef\xbf\xbf") == r + r);                  // U+FFFE, U+FFFF
  CHECK(escape("\xf4\x8f\xbf\xbf<&") == "\xf4\x8f\xbf\xbf&lt;&amp;");  // U+10FFFF is allowed
  // Everywhere text is written: names, method names, faults, dateTime.
  Struct st{{"n\x01", Value("v\xff")}};
  CHECK(encode_response(Value(st)).find("<name>n" + r + "</name>") != std::string::npos);
  CHECK(encode_response(Value(st)).find("<string>v" + r + "</string>") != std::string::npos);
  CHECK(encode_fault(10, std::string_view("BAD_NAME: w\0x", 13)).find("BAD_NAME: w" + r + "x") !=
        std::string::npos);
  CHECK(encode_call(Call{"m\x02", {}}).find("<methodName>m" + r) != std::string::npos);
  CHECK(encode_response(Value(DateTime{"2026<\x01"})).find("2026&lt;" + r) != std::string::npos);
  // What goes out decodes again, and with the replacement where the bad bytes were.
  auto back = parse_response(encode_response(Value(std::string_view("x\0\xff\x1by", 5))));
  REQUIRE(back.ok());
  CHECK(std::get<Value>(*back) == Value("x" + r + r + r + "y"));
}

TEST_CASE("encode_response_scalars") {
  CHECK(encode_response(Value(true)) == response_body("<value><boolean>1</boolean></value>\n"));
  CHECK(encode_response(Value(false)) == response_body("<value><boolean>0</boolean></value>\n"));
  CHECK(encode_response(Value(0)) == response_body("<value><int>0</int></value>\n"));
  CHECK(encode_response(Value(int64_t{-2147483648LL})) ==
        response_body("<value><int>-2147483648</int></value>\n"));
  CHECK(encode_response(Value("")) == response_body("<value><string></string></value>\n"));
  CHECK(encode_response(Value(DateTime{"20261129T10:15:10"})) ==
        response_body("<value><dateTime.iso8601>20261129T10:15:10</dateTime.iso8601></value>\n"));
}

TEST_CASE("format_double_matches_python_repr") {
  CHECK(format_double(0.0) == "0.0");
  CHECK(format_double(-0.0) == "-0.0");
  CHECK(format_double(1.0) == "1.0");
  CHECK(format_double(0.1) == "0.1");
  CHECK(format_double(100.0) == "100.0");
  CHECK(format_double(-1.25) == "-1.25");
  CHECK(format_double(1.5e16) == "1.5e+16");
  CHECK(format_double(1e16) == "1e+16");
  CHECK(format_double(1e15) == "1000000000000000.0");
  CHECK(format_double(123456789012345678.0) == "1.2345678901234568e+17");
  CHECK(format_double(1e-5) == "1e-05");
  CHECK(format_double(0.0001) == "0.0001");
  CHECK(format_double(2.5e-7) == "2.5e-07");
  CHECK(format_double(1e22) == "1e+22");
  CHECK(format_double(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(format_double(5e-324) == "5e-324");
  CHECK(format_double(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(format_double(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(format_double(std::nan("")) == "nan");
  CHECK(encode_response(Value(0.1)) == response_body("<value><double>0.1</double></value>\n"));
}

TEST_CASE("encode_response_empty_and_nested_containers") {
  CHECK(encode_response(Value(Array{})) ==
        response_body("<value><array><data>\n</data></array></value>\n"));
  CHECK(encode_response(Value(Struct{})) == response_body("<value><struct>\n</struct></value>\n"));
  Value nested(Array{Value(1), Value(Array{Value(2), Value(Struct{{"a", Value(Array{})}})}),
                     Value(Struct{{"k<", Value("v")}, {"b", Value(true)}})});
  CHECK(encode_response(nested) ==
        response_body("<value><array><data>\n<value><int>1</int></value>\n<value><array><data>\n"
                      "<value><int>2</int></value>\n<value><struct>\n<member>\n<name>a</name>\n"
                      "<value><array><data>\n</data></array></value>\n</member>\n</struct></value>"
                      "\n</data></array></value>\n<value><struct>\n<member>\n<name>k&lt;</name>\n"
                      "<value><string>v</string></value>\n</member>\n<member>\n<name>b</name>\n"
                      "<value><boolean>1</boolean></value>\n</member>\n</struct></value>\n"
                      "</data></array></value>\n"));
}

TEST_CASE("encode_response_binary_wraps_base64_at_76_columns") {
  std::string bytes;
  for (int i = 0; i < 50; ++i) bytes += std::string("\x00\xff", 2);
  CHECK(encode_response(Value(Binary{bytes})) ==
        response_body("<value><base64>\nAP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/"
                      "AP8A/wD/AP8A/wD/AP8A\n/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/"
                      "AP8A/w==\n</base64></value>\n"));
}

TEST_CASE("encode_fault_like_python_fault_dumps") {
  CHECK(encode_fault(10, "BAD_NAME: x<y") ==
        "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n"
        "<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n"
        "<name>faultString</name>\n<value><string>BAD_NAME: x&lt;y</string></value>\n"
        "</member>\n</struct></value>\n</fault>\n</methodResponse>\n");
}

TEST_CASE("encode_call_like_python_dumps_with_methodname") {
  CHECK(encode_call(Call{"supervisor.getVersion", {}}) ==
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getVersion</methodName>\n"
        "<params>\n</params>\n</methodCall>\n");
  CHECK(encode_call(Call{"a.b", {Value("a"), Value(1)}}) ==
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>a.b</methodName>\n<params>\n<param>\n"
        "<value><string>a</string></value>\n</param>\n<param>\n<value><int>1</int></value>\n"
        "</param>\n</params>\n</methodCall>\n");
}

TEST_CASE("encode_response_reserves_the_answer_and_the_headroom_once") {
  Value v(Array{Value(Struct{{"name", Value("ab")}, {"pid", Value(int64_t{-2147483648LL})}}),
                Value(Array{}), Value(Binary{std::string(100, 'x')}),
                Value(DateTime{"20261129T10:15:10"}), Value(-1.2345678901234567e-300),
                Value(true)});
  std::string plain = encode_response(v);
  std::string roomy = encode_response(v, 256);
  CHECK(roomy == plain);
  CHECK(roomy.capacity() - roomy.size() >= 256);  // the estimate is an upper bound
}

TEST_CASE("encode_then_parse_round_trips_every_type") {
  Value v(Array{Value(true), Value(-7), Value(2.5), Value("x<&>y \xc3\xa9"),
                Value(DateTime{"20261129T10:15:10"}), Value(Array{}), Value(Struct{}),
                Value(Struct{{"name", Value("n")}, {"list", Value(Array{Value(1), Value(2)})}})});
  auto r = parse_response(encode_response(v));
  REQUIRE(r.ok());
  REQUIRE(std::holds_alternative<Value>(*r));
  CHECK(std::get<Value>(*r) == v);

  auto c = parse_call(encode_call(Call{"supervisor.startProcess", {Value("web:*"), Value(false)}}));
  REQUIRE(c.ok());
  CHECK(c->method == "supervisor.startProcess");
  CHECK(c->params == Array{Value("web:*"), Value(false)});
}

TEST_CASE("parse_response_returns_fault") {
  auto r = parse_response(encode_fault(70, "NOT_RUNNING: web"));
  REQUIRE(r.ok());
  REQUIRE(std::holds_alternative<FaultValue>(*r));
  CHECK(std::get<FaultValue>(*r).code == 70);
  CHECK(std::get<FaultValue>(*r).string == "NOT_RUNNING: web");
}

TEST_CASE("parse_call_accepts_int_spellings_and_untyped_strings") {
  CHECK(parse_single_param("<value><int> 42 </int></value>") == Value(42));
  CHECK(parse_single_param("<value><i4>-3</i4></value>") == Value(-3));
  CHECK(parse_single_param("<value><i8>9000000000</i8></value>") == Value(int64_t{9000000000LL}));
  CHECK(parse_single_param("<value>  plain text </value>") == Value("  plain text "));
  CHECK(parse_single_param("<value></value>") == Value(""));
  CHECK(parse_single_param("<value><string> a </string></value>") == Value(" a "));
  CHECK(parse_single_param("<value><string><![CDATA[<raw>]]></string></value>") == Value("<raw>"));
  CHECK(parse_single_param("<value><boolean>1</boolean></value>") == Value(true));
  CHECK(parse_single_param("<value><double>1e3</double></value>") == Value(1000.0));
  CHECK(parse_single_param("<value><string>&#233;&lt;</string></value>") == Value("\xc3\xa9<"));
}

TEST_CASE("parse_call_decodes_base64_to_a_string_and_response_keeps_binary") {
  CHECK(parse_single_param("<value><base64>aGVs\nbG8=</base64></value>") == Value("hello"));
  auto r = parse_response(response_body("<value><base64>aGVsbG8=</base64></value>\n"));
  REQUIRE(r.ok());
  CHECK(std::get<Value>(*r) == Value(Binary{"hello"}));
}

TEST_CASE("parse_call_without_params_gives_no_arguments") {
  auto c = parse_call("<methodCall><methodName>system.listMethods</methodName></methodCall>");
  REQUIRE(c.ok());
  CHECK(c->method == "system.listMethods");
  CHECK(c->params.empty());
}

TEST_CASE("parse_call_struct_keeps_member_order") {
  Value v = parse_single_param(
      "<value><struct><member><name>b</name><value><int>1</int></value></member>"
      "<member><name>a</name><value>x</value></member></struct></value>");
  REQUIRE(v.is_struct());
  REQUIRE(v.as_struct().size() == 2);
  CHECK(v.as_struct()[0].first == "b");
  CHECK(v.get("a") != nullptr);
  CHECK(*v.get("a") == Value("x"));
  CHECK(v.get("zz") == nullptr);
}

TEST_CASE("parse_call_refuses_doctype_and_entities") {
  CHECK(parse_error("<?xml version='1.0'?><!DOCTYPE m [<!ENTITY x 'y'>]>"
                    "<methodCall><methodName>&x;</methodName></methodCall>")
            .find("DOCTYPE") != std::string::npos);
  CHECK_FALSE(
      parse_call("<methodCall><!ENTITY x 'y'><methodName>m</methodName></methodCall>").ok());
}

// Supervisor parses requests with expat and answers 400 to each of these (checked against
// Python's supervisord 4.2.5); pugixml alone would hand &#0; back as a NUL that cuts the
// string, so stopProcess('w:w_00&#0;junk') stopped w:w_00.
TEST_CASE("parse_call_refuses_characters_xml_forbids_in_any_form") {
  const std::string forms[] = {"&#0;",
                               "&#1;",
                               "&#x1;",
                               "&#x0001;",
                               "&#xFFFE;",
                               "&#xffff;",
                               "&#xD800;",
                               "&#x110000;",
                               "&#99999999999999999999;",
                               std::string("\0", 1),
                               "\x01",
                               "\x1b",
                               "\xff\xfe",
                               "\xed\xa0\x80",
                               "\xef\xbf\xbe",
                               "\xc0\xaf",
                               "\xe2\x82",
                               "&#;",
                               "&#x;",
                               "&#12a;",
                               "&#-1;",
                               "&bogus;",
                               "& ",
                               "&#x41"};
  for (const std::string& form : forms) {
    CAPTURE(form);
    const std::string in_string = "<value><string>w:w_00" + form + "junk</string></value>";
    CHECK_FALSE(parse_call(call_xml("<param>\n" + in_string + "\n</param>\n")).ok());
    CHECK_FALSE(parse_call("<methodCall><methodName>supervisor.getState" + form +
                           "</methodName></methodCall>")
                    .ok());
    CHECK_FALSE(parse_call(call_xml("<param><value><struct><member><name>k" + form +
                                    "</name><value>v</value></member></struct></value></param>"))
                    .ok());
    CHECK_FALSE(
        parse_call("<methodCall a='" + form + "'><methodName>m</methodName></methodCall>").ok());
  }
  // Raw bytes are refused anywhere in the body, comments and CDATA included (as expat).
  CHECK_FALSE(parse_call("<methodCall><!-- \x01 --><methodName>m</methodName></methodCall>").ok());
  CHECK_FALSE(parse_call(call_xml("<param><value><![CDATA[\xff]]></value></param>")).ok());
  CHECK(parse_error(call_xml("<param><value>a&#0;b</value></param>")).find("&#0;") !=
        std::string::npos);
  CHECK(parse_error(call_xml("<param><value>a\xff"
                             "b</value></param>"))
            .find("invalid UTF-8") != std::string::npos);
}

TEST_CASE("parse_call_accepts_every_character_xml_allows") {
  CHECK(parse_single_param("<value>&#9;&#xA;&#13;&#x20;&#xD7FF;&#xE000;&#xFFFD;&#x10000;"
                           "&#x10FFFF;&#x0041;&#065;</value>") ==
        Value("\t\n\r \xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"
              "AA"));
  CHECK(parse_single_param("<value>&lt;&gt;&amp;&quot;&apos;</value>") == Value("<>&\"'"));
  CHECK(parse_single_param("<value>\x7f\xc2\x85 \xf0\x9f\x98\x80</value>") ==
        Value("\x7f\xc2\x85 \xf0\x9f\x98\x80"));
  // Literal text in CDATA and comments is not a reference.
  CHECK(parse_single_param("<value><![CDATA[&#0;&bogus;]]></value>") == Value("&#0;&bogus;"));
  CHECK(parse_call("<methodCall><!-- &#0; --><methodName>m</methodName></methodCall>").ok());
}

// The client side keeps what Python's supervisord writes raw (a process's control
// characters), so our supervisorctl shows it where Python's supervisorctl fails.
TEST_CASE("parse_response_keeps_raw_bytes_but_refuses_bad_references") {
  auto raw = parse_response(response_body("<value><string>\x1b[31m\xff</string></value>\n"));
  REQUIRE(raw.ok());
  CHECK(std::get<Value>(*raw) == Value("\x1b[31m\xff"));
  CHECK_FALSE(parse_response(response_body("<value><string>a&#0;</string></value>\n")).ok());
}

TEST_CASE("parse_call_reports_structural_errors") {
  CHECK(parse_error("not xml at all <").find("malformed XML") != std::string::npos);
  CHECK(parse_error("<methodResponse/>").find("<methodCall>") != std::string::npos);
  CHECK(parse_error("<methodCall><params/></methodCall>").find("methodName") != std::string::npos);
  CHECK(parse_error(call_xml("<param>\n<value><int>abc</int></value>\n</param>\n")).find("<int>") !=
        std::string::npos);
  CHECK(parse_error(call_xml("<param>\n<value><int>99999999999999999999</int></value>\n</param>\n"))
            .find("<int>") != std::string::npos);
  CHECK(parse_error(call_xml("<param>\n<value><boolean>yes</boolean></value>\n</param>\n"))
            .find("<boolean>") != std::string::npos);
  CHECK(parse_error(call_xml("<param>\n<value><nil/></value>\n</param>\n")).find("nil") !=
        std::string::npos);
  CHECK(parse_error(call_xml("<param>\n<value><float>1</float></value>\n</param>\n"))
            .find("<float>") != std::string::npos);
  CHECK(parse_error(call_xml("<param></param>\n")).find("<param>") != std::string::npos);
  CHECK(
      parse_error(call_xml("<param>\n<value><array></array></value>\n</param>\n")).find("<data>") !=
      std::string::npos);
  CHECK(parse_error(call_xml("<param><value><struct><member><value>1</value></member>"
                             "</struct></value></param>"))
            .find("<name>") != std::string::npos);
  CHECK(parse_error(call_xml("<param><value><string>a<b/></string></value></param>"))
            .find("<string>") != std::string::npos);
  CHECK(parse_error("<methodCall><methodName>m</methodName>junk</methodCall>").find("text") !=
        std::string::npos);
}

TEST_CASE("parse_enforces_depth_limit_without_recursing_on_hostile_input") {
  auto nested = [](size_t depth) {
    std::string open, close;
    for (size_t i = 0; i < depth; ++i) {
      open += "<value><array><data>";
      close += "</data></array></value>";
    }
    return call_xml("<param>" + open + "<value>x</value>" + close + "</param>");
  };
  Limits limits;
  limits.max_depth = 8;
  CHECK(parse_call(nested(8), limits).ok());
  auto too_deep = parse_call(nested(9), limits);
  REQUIRE_FALSE(too_deep.ok());
  CHECK(too_deep.error().find("deeper than 8") != std::string::npos);
  // A million levels: refused by the limit, with a default-size stack.
  CHECK_FALSE(parse_call(nested(1000000)).ok());
}

TEST_CASE("parse_response_requires_one_param_and_a_well_typed_fault") {
  CHECK_FALSE(parse_response("<methodResponse><params></params></methodResponse>").ok());
  CHECK_FALSE(parse_response("<methodResponse><fault><value><struct><member><name>faultCode"
                             "</name><value>x</value></member></struct></value></fault>"
                             "</methodResponse>")
                  .ok());
  CHECK_FALSE(parse_response("<methodCall><methodName>m</methodName></methodCall>").ok());
}

TEST_CASE("value_type_names_and_equality") {
  CHECK(Value(1).type_name() == "int");
  CHECK(Value("s").type_name() == "str");
  CHECK(Value(true).type_name() == "bool");
  CHECK(Value(1.5).type_name() == "float");
  CHECK(Value(Array{}).type_name() == "list");
  CHECK(Value(Struct{}).type_name() == "dict");
  CHECK_FALSE(Value(1) == Value(true));
  CHECK_FALSE(Value(1) == Value(1.0));
  CHECK(Value(Array{Value(1)}) == Value(Array{Value(1)}));
}

TEST_CASE("clamp_int32_bounds_timestamps") {
  CHECK(clamp_int32(int64_t{1} << 40) == kInt32Max);
  CHECK(clamp_int32(-(int64_t{1} << 40)) == kInt32Min);
  CHECK(clamp_int32(1234) == 1234);
}

TEST_CASE("parse_response_one_pass_and_tree_agree_and_the_usual_shape_takes_one_pass") {
  auto same = [](const Response& a, const Response& b) {
    if (a.index() != b.index()) return false;
    if (const auto* v = std::get_if<Value>(&a)) return *v == std::get<Value>(b);
    return std::get<FaultValue>(a).code == std::get<FaultValue>(b).code &&
           std::get<FaultValue>(a).string == std::get<FaultValue>(b).string;
  };
  Limits shallow;
  shallow.max_depth = 2;
  const std::string deep =
      "<value><array><data><value><array><data><value><array><data>"
      "</data></array></value></data></array></value></data></array></value>";
  // Documents the one-pass reader takes (servers' answers, as Python and we write them).
  const std::vector<std::string> usual = {
      encode_response(Value(Struct{{"name", Value("a&b <c>")},
                                   {"pid", Value(int64_t{42})},
                                   {"spawnerr", Value("")},
                                   {"ok", Value(true)},
                                   {"load", Value(0.25)},
                                   {"list", Value(Array{Value(1), Value("x"), Value(Array{})})},
                                   {"empty", Value(Struct{})}})),
      encode_fault(10, "BAD_NAME: x"),
      response_body("<value>  untyped  &amp; &#233; &#x41;</value>\n"),
      response_body("<value/>\n"),
      response_body("<value><string/></value>\n"),
      response_body("<value><struct><member><name>k</name><value><i4>1</i4></value></member>"
                    "<member><name>k</name><value><i8>2</i8></value></member></struct></value>"),
      response_body("<value><base64>aGk=</base64></value>\n"),
      response_body("<value><dateTime.iso8601> 20260101T00:00:00 </dateTime.iso8601></value>"),
      response_body("<value><array><data/></array></value>"),
      response_body("<value><struct/></value>"),
      response_body("<value><boolean> 1 </boolean></value>"),
      response_body("<value>\xff raw bytes \x01</value>"),
  };
  for (const std::string& xml : usual) {
    CAPTURE(xml);
    auto fast = parse_response_fast(xml);
    auto tree = parse_response_tree(xml);
    REQUIRE(fast.has_value());
    REQUIRE(tree.ok());
    CHECK(same(*fast, *tree));
    CHECK(parse_response(xml).ok());
  }
  // Anything else: the reader gives up and the tree decoder has the last word, answer or
  // error (the same error text as before the reader existed).
  const std::vector<std::string> other = {
      response_body("<value>a\r\nb</value>"),
      response_body("<value><!-- c --><int>1</int></value>"),
      response_body("<value><string><![CDATA[<x>]]></string></value>"),
      response_body("<value type=\"x\"><int>1</int></value>"),
      response_body("<value ><int>1</int></value >"),
      response_body("<value><nil/></value>"),
      response_body("<value><int>x</int></value>"),
      response_body("<value><frob>1</frob></value>"),
      response_body("<value>&bogus;</value>"),
      response_body("<value><int>1</int>stray</value>"),
      response_body("<value><array><value>1</value></array></value>"),
      response_body("<value><struct><member><value>1</value></member></struct></value>"),
      kHead + "<value>1</value></param><param><value>2</value>" + kTail,
      "<methodResponse><fault><value><struct></struct></value></fault></methodResponse>",
      "<methodResponse><params></params></methodResponse>",
      "<!DOCTYPE x><methodResponse/>",
      response_body("<value>1</value>") + "trailing",
      response_body(deep),
  };
  for (const std::string& xml : other) {
    CAPTURE(xml);
    CHECK_FALSE(parse_response_fast(xml, shallow).has_value());
    auto tree = parse_response_tree(xml, shallow);
    auto both = parse_response(xml, shallow);
    REQUIRE(tree.ok() == both.ok());
    if (tree.ok())
      CHECK(same(*tree, *both));
    else
      CHECK(tree.error() == both.error());
  }
}

TEST_CASE("writer: rows written directly are the bytes of the same tree, in any nesting") {
  // getAllProcessInfo writes its rows with the Writer and answers Value(Encoded): the bytes
  // must be those of the Value tree it stands for, alone, inside an array (multicall) and
  // after the in-place envelope.
  const std::vector<std::string> texts = {"",
                                          "plain",
                                          "a<b>&c\"'",
                                          "h\xc3\xa9llo \xe2\x98\x83",
                                          "\t\r\n\x7f\xc2\x85",
                                          "x\x01y",
                                          std::string("n\0ul", 4),
                                          "\xff\xfe bad utf-8",
                                          std::string(5000, 'x') + "&"};
  const std::vector<int64_t> ints = {0, -1, 2147483647, -2147483648LL, 1796281696};
  Array rows;
  Writer w(16);  // small on purpose: the buffer grows while rows are written
  w.begin_array();
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& t = texts[i];
    int64_t n = ints[i % ints.size()];
    rows.push_back(Value(Struct{{"name", Value(t)}, {"pid", Value(n)}, {t, Value(i % 2 == 0)}}));
    w.begin_struct();
    w.begin_member("name");
    w.string(t);
    w.end_member();
    w.begin_member("pid");
    w.integer(n);
    w.end_member();
    w.begin_member(t);
    w.boolean(i % 2 == 0);
    w.end_member();
    w.end_struct();
  }
  w.end_array();
  const Value tree(rows);
  std::string direct = w.take();
  CHECK(w.size() == 0);
  CHECK(encode_response(Value(Encoded{direct})) == encode_response(tree));
  CHECK(encode_response(Value(Array{Value(Encoded{direct}), Value(1)})) ==
        encode_response(Value(Array{tree, Value(1)})));
  // The rvalue form moves the buffer and puts the envelope around it; with room to spare it
  // is the same allocation.
  Writer roomy(direct.size() + kEnvelope + 256);
  roomy.raw(direct);
  std::string bytes = roomy.take();
  const char* before = bytes.data();
  std::string answer = encode_response(Value(Encoded{std::move(bytes)}), 0);
  CHECK(answer == encode_response(tree));
  CHECK(answer.data() == before);
  auto back = parse_response(answer);
  REQUIRE(back.ok());
  CHECK(std::get<Value>(*back).as_array().size() == texts.size());
  Value v(Encoded{"<value><int>1</int></value>\n"});
  CHECK(v.release_encoded() == std::optional<std::string>("<value><int>1</int></value>\n"));
  CHECK_FALSE(v.release_encoded());
  CHECK(escape("a<b") == "a&lt;b");
}
