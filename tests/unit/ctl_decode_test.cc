// Unit tests for supervisorctl/decode: getAllProcessInfo read straight from its bytes
// (decode_process_infos) must give the rows the generic road gives (parse_response, then
// proc_info_from per element) whenever it answers, and must give up, never guess or crash,
// on everything else.
#include <doctest/doctest.h>

#include <cstring>
#include <optional>
#include <random>

#include "supervisorctl/client.h"
#include "supervisorctl/decode.h"

using namespace ctl;

namespace {

// The generic road; nullopt where the answer is not an array.
std::optional<std::vector<ProcInfo>> generic(std::string_view xml) {
  auto r = xmlrpc::parse_response(xml);
  if (!r.ok()) return std::nullopt;
  const auto* v = std::get_if<xmlrpc::Value>(&*r);
  if (v == nullptr || !v->is_array()) return std::nullopt;
  std::vector<ProcInfo> out;
  for (const xmlrpc::Value& e : v->as_array()) out.push_back(proc_info_from(e));
  return out;
}

// Where the direct decoder answers, the generic road gives the same rows; where it does
// not, it leaves nothing behind. Returns whether it answered.
bool agrees(std::string_view xml) {
  std::vector<ProcInfo> direct{ProcInfo{}};  // not empty: decode must clear it
  const bool ok = decode_process_infos(xml, direct);
  if (!ok) {
    CHECK(direct.empty());
    return false;
  }
  auto g = generic(xml);
  REQUIRE(g.has_value());
  CHECK(*g == direct);
  return true;
}

const std::string kHead = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n";
const std::string kTail = "</param>\n</params>\n</methodResponse>\n";

std::string array_of(const std::string& structs) {
  return kHead + "<value><array><data>\n" + structs + "</data></array></value>\n" + kTail;
}

std::string member(const std::string& name, const std::string& value_xml) {
  return "<member>\n<name>" + name + "</name>\n" + value_xml + "\n</member>\n";
}

std::string strct(const std::string& members) {
  return "<value><struct>\n" + members + "</struct></value>\n";
}

// A getAllProcessInfo row as Supervisor's daemon writes it (xmlrpc.client.dumps layout).
xmlrpc::Value row(const std::string& name, int pid, const std::string& desc) {
  return xmlrpc::Struct{{"name", name},
                        {"group", "web"},
                        {"start", 1796227979},
                        {"stop", 0},
                        {"now", 1796228050},
                        {"state", 20},
                        {"statename", "RUNNING"},
                        {"spawnerr", ""},
                        {"exitstatus", 0},
                        {"logfile", "/var/log/x.log"},
                        {"stdout_logfile", "/var/log/x.log"},
                        {"stderr_logfile", ""},
                        {"pid", pid},
                        {"description", desc}};
}

}  // namespace

TEST_CASE("decode_reads_the_daemons_layout") {
  std::string xml = xmlrpc::encode_response(xmlrpc::Array{
      row("web_00", 41, "pid 41, uptime 0:01:11"), row("web_01", 42, "pid 42, uptime 0:01:12")});
  std::vector<ProcInfo> infos;
  REQUIRE(decode_process_infos(xml, infos));
  REQUIRE(infos.size() == 2);
  CHECK(infos[0].name == "web_00");
  CHECK(infos[0].group == "web");
  CHECK(infos[0].state == 20);
  CHECK(infos[0].statename == "RUNNING");
  CHECK(infos[0].pid == 41);
  CHECK(infos[0].start == 1796227979);
  CHECK(infos[0].now == 1796228050);
  CHECK(infos[1].description == "pid 42, uptime 0:01:12");
  CHECK(agrees(xml));
}

TEST_CASE("decode_reads_pythons_daemon_bytes_without_the_generic_road") {
  // Supervisor 4.2.5's getAllProcessInfo for a spawn error (the whole answer, as sent; the
  // fuzz seed tests/fuzz/seeds/ctl_decode/python_daemon.xml has a running one too).
  const std::string xml =
      kHead + "<value><array><data>\n" +
      strct(
          member("name", "<value><string>missing</string></value>") +
          member("group", "<value><string>missing</string></value>") +
          member("start", "<value><int>1796229367</int></value>") +
          member("stop", "<value><int>0</int></value>") +
          member("now", "<value><int>1796229372</int></value>") +
          member("state", "<value><int>200</int></value>") +
          member("statename", "<value><string>FATAL</string></value>") +
          member("spawnerr",
                 "<value><string>can't find command "
                 "'/nonexistent/&amp;&lt;binary&gt;'</string></value>") +
          member("exitstatus", "<value><int>0</int></value>") +
          member("logfile",
                 "<value><string>/tmp/missing-stdout---supervisor-ipoa4x8e.log</string></value>") +
          member("stdout_logfile",
                 "<value><string>/tmp/missing-stdout---supervisor-ipoa4x8e.log</string></value>") +
          member("stderr_logfile",
                 "<value><string>/tmp/missing-stderr---supervisor-hoh9xmk2.log</string></value>") +
          member("pid", "<value><int>0</int></value>") +
          member("description",
                 "<value><string>can't find command "
                 "'/nonexistent/&amp;&lt;binary&gt;'</string></value>")) +
      "</data></array></value>\n" + kTail;
  std::vector<ProcInfo> infos;
  REQUIRE(decode_process_infos(xml, infos));
  REQUIRE(infos.size() == 1);
  CHECK(infos[0].state == 200);
  CHECK(infos[0].spawnerr == "can't find command '/nonexistent/&<binary>'");
  CHECK(infos[0].description == infos[0].spawnerr);
  CHECK(agrees(xml));
}

TEST_CASE("decode_reads_every_valid_encoding_like_the_generic_road") {
  const std::string all_fields = member("name", "<value><string>a</string></value>") +
                                 member("group", "<value>g</value>") +  // untyped value: a string
                                 member("state", "<value><i4>10</i4></value>") +
                                 member("statename", "<value><string>STARTING</string></value>") +
                                 member("description", "<value><string/></value>") +
                                 member("pid", "<value><i8>-7</i8></value>") +
                                 member("spawnerr", "<value/>") +
                                 member("exitstatus", "<value><int> +3 </int></value>") +
                                 member("start", "<value><boolean>1</boolean></value>") +
                                 member("stop", "<value><int>\t0012\n</int></value>") +
                                 member("now", "<value><int>0</int></value>");
  std::vector<std::string> docs = {
      array_of(strct(all_fields)),
      // No line breaks at all, and blanks of every kind between tags.
      "<?xml version=\"1.0\"?><methodResponse><params><param><value><array><data><value><struct>"
      "<member><name>name</name><value><string>x</string></value></member></struct></value>"
      "</data></array></value></param></params></methodResponse>",
      "<methodResponse>  <params>\t<param>\n <value>\n <array> <data> <value> <struct> <member> "
      "<name>pid</name> <value> <int>5</int> </value> </member> </struct> </value> </data> "
      "</array> </value> </param> </params> </methodResponse>\n\n",
      // Entities in names and values; raw non-ASCII bytes.
      array_of(strct(
          member("na&#109;e", "<value><string>a&amp;b &lt;c&gt; &#233;&#x263A;</string></value>") +
          member("group", "<value>caf\xC3\xA9 &quot;q&quot; &apos;</value>") +
          member("description", "<value>\xE2\x98\x83 snow</value>"))),
      // Members in any order, unknown ones of every type, a repeated name (the later wins).
      array_of(strct(
          member("pid", "<value><int>1</int></value>") +
          member("extra", "<value><double>1.5</double></value>") +
          member("when", "<value><dateTime.iso8601>20261129T10:15:10</dateTime.iso8601></value>") +
          member("blob", "<value><base64>aGk=</base64></value>") +
          member("list", "<value><array><data><value>1</value></data></array></value>") +
          member(
              "nested",
              "<value><struct><member><name>k</name><value>v</value></member></struct></value>") +
          member("name", "<value>first</value>") + member("pid", "<value><int>2</int></value>") +
          member("name", "<value>second</value>"))),
      // Types the fields do not expect: an int where text is wanted, text or a bool where
      // an int is, a double anywhere.
      array_of(strct(member("name", "<value><int>12</int></value>") +
                     member("group", "<value><boolean>1</boolean></value>") +
                     member("pid", "<value><string>9</string></value>") +
                     member("state", "<value><boolean>1</boolean></value>") +
                     member("statename", "<value><double>2.0</double></value>") +
                     member("exitstatus", "<value><double>2.0</double></value>"))),
      // Empty structs, an empty name.
      array_of("<value><struct/></value>\n<value><struct></struct></value>\n" +
               strct(member("", "<value>x</value>")) +
               "<value><struct><member><name/><value>y</value></member></struct></value>"),
  };
  for (const std::string& xml : docs) {
    CAPTURE(xml);
    CHECK(agrees(xml));
  }
}

TEST_CASE("decode_answers_for_empty_arrays") {
  for (const char* data : {"<data/>", "<data></data>", "<data>\n</data>"}) {
    std::string xml = kHead + "<value><array>" + data + "</array></value>\n" + kTail;
    std::vector<ProcInfo> infos;
    CHECK(decode_process_infos(xml, infos));
    CHECK(infos.empty());
    CHECK(agrees(xml));
  }
}

TEST_CASE("decode_leaves_other_answers_to_the_generic_road") {
  const std::string fault = xmlrpc::encode_fault(6, "SHUTDOWN_STATE");
  std::vector<ProcInfo> infos;
  CHECK_FALSE(decode_process_infos(fault, infos));
  auto reply = decode_reply(fault);
  REQUIRE(std::holds_alternative<xmlrpc::FaultValue>(reply));
  CHECK(std::get<xmlrpc::FaultValue>(reply).code == 6);

  for (const std::string& xml : {
           xmlrpc::encode_response(xmlrpc::Value("3.0")),  // not an array
           xmlrpc::encode_response(
               xmlrpc::Array{xmlrpc::Value(1), row("a", 1, "")}),            // a non-struct
           array_of(strct(member("name", "<value><int>x</int></value>"))),   // a bad int
           array_of(strct(member("name", "<value>&bogus;</value>"))),        // an unknown entity
           array_of(strct(member("name", "<value>a\r\nb</value>"))),         // CR: the tree decides
           array_of(strct(member("name", "<value><![CDATA[x]]></value>"))),  // CDATA
           array_of(strct(member("name", "<!-- c --><value>x</value>"))),    // a comment
           kHead + "<value><array/></value>\n" + kTail,
       }) {
    CAPTURE(xml);
    CHECK_FALSE(agrees(xml));
  }
  // Where the generic road gives rows the direct one left alone, they are still rows.
  auto cr = generic(array_of(strct(member("name", "<value>a\r\nb</value>"))));
  REQUIRE(cr.has_value());
  CHECK((*cr)[0].name == "a\nb");
}

// Names and texts are searched 16 bytes a step: every length around a step, and a
// reference (which leaves the one-step road) before, in and after each step's bytes.
TEST_CASE("decode_reads_texts_of_any_length_with_references_anywhere") {
  for (size_t length = 0; length <= 40; ++length) {
    for (size_t amp = 0; amp <= length; ++amp) {
      CAPTURE(length);
      CAPTURE(amp);
      std::string desc(length, 'd');
      if (amp < length) desc[amp] = '&';
      const std::string name(length, 'n');
      std::string xml = xmlrpc::encode_response(
          xmlrpc::Array{row(name, 41, desc), row("x", 42, desc + "<" + desc)});
      std::vector<ProcInfo> infos;
      REQUIRE(decode_process_infos(xml, infos));
      REQUIRE(infos.size() == 2);
      CHECK(infos[0].name == name);
      CHECK(infos[0].description == desc);
      CHECK(infos[1].description == desc + "<" + desc);
      CHECK(infos[1].pid == 42);
      CHECK(agrees(xml));
      // A member name 16 bytes long or more, and one with a reference: the tolerant road.
      xml = array_of(strct(
          member(std::string(length, 'k'), "<value><int>7</int></value>") +
          member("na&#109;e", "<value><string>" + xmlrpc::escape(desc) + "</string></value>")));
      CHECK(agrees(xml));
    }
  }
}

// Eight digits are read at once: every length around that, and a stray byte anywhere.
TEST_CASE("decode_reads_ints_of_any_length_like_the_generic_road") {
  for (const std::string digits : {"0", "-7", "1234567", "12345678", "-12345678", "123456789",
                                   "1796227979", "99999999999999999", "123456789012345678",
                                   "1234567890123456789", " 12345678", "12345678 ", "+12345678"}) {
    for (size_t stray = 0; stray <= digits.size(); ++stray) {
      std::string text = digits;
      if (stray < digits.size()) text[stray] = static_cast<char>(text[stray] + 10);  // ':' or so
      CAPTURE(text);
      const std::string xml =
          array_of(strct(member("pid", "<value><int>" + text + "</int></value>")));
      const bool read = agrees(xml);
      if (stray == digits.size()) {
        CHECK(read == (digits.size() <= 19));
      }
    }
  }
}

TEST_CASE("body_keeps_bytes_received_in_place_and_copies_others") {
  Body small;
  small.reserve(10);
  CHECK(small.room() == 0);  // small bodies are a string: nothing to receive into
  small.append("abc");
  CHECK(small.view() == "abc");

  const size_t size = 3 * 1024 * 1024 + 5;
  Body big;
  big.append("head:");
  big.reserve(size);
  REQUIRE(big.room() == size - 5);
  CHECK(big.view() == "head:");
  std::memset(big.tail(), 'x', 1000);
  big.append(std::string_view(big.tail(), 1000));  // received in place: counted only
  CHECK(big.size() == 1005);
  big.append(std::string(size - 1005, 'y'));  // from elsewhere: copied
  CHECK(big.room() == 0);
  CHECK(big.view().substr(0, 6) == "head:x");
  CHECK(big.view()[1004] == 'x');
  CHECK(big.view()[1005] == 'y');
  CHECK(big.view().back() == 'y');
  big.append("z");  // more than announced: kept all the same
  CHECK(big.size() == size + 1);
  CHECK(big.view().back() == 'z');
  Body moved(std::move(big));
  CHECK(moved.size() == size + 1);
  CHECK(big.size() == 0);
}

TEST_CASE("decode_survives_truncation_and_garbage") {
  const std::string xml = xmlrpc::encode_response(xmlrpc::Array{
      row("web_00", 41, "pid 41, uptime 0:01:11"), row("a&b<c", 0, "Exited too quickly")});
  REQUIRE(agrees(xml));
  for (size_t n = 0; n < xml.size(); ++n) {
    CAPTURE(n);
    // A cut document is never whole: only the blank end may go.
    bool ok = agrees(std::string_view(xml).substr(0, n));
    CHECK(ok == (n == xml.size() - 1));
  }
  std::mt19937 rng(20261202);
  static const char kAlphabet[] = "<>/&;#x \n\tabcdegilmnprstuv0129\xC3\xA9\x00\r";
  const std::string_view alphabet(kAlphabet, sizeof kAlphabet - 1);
  for (int round = 0; round < 2000; ++round) {
    std::string mutated = xml;
    for (int k = 0; k < 1 + round % 4; ++k) {
      const size_t at = rng() % mutated.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          mutated[at] = c;
          break;
        case 1:
          mutated.insert(at, 1, c);
          break;
        default:
          mutated.erase(at, 1 + rng() % 8);
      }
    }
    CAPTURE(mutated);
    agrees(mutated);
  }
  for (int round = 0; round < 200; ++round) {
    std::string noise(rng() % 300, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    agrees(noise);
    agrees(kHead + "<value><array><data>" + noise);
  }
}
