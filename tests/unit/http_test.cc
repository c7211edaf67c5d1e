// Wire literals follow bytes captured from Supervisor 4.2.5 (Medusa) and Python 3.11's
// supervisorctl.
#include "common/http.h"

#include <doctest/doctest.h>

#include "common/base64.h"
#include "common/sha1.h"

using namespace http;

namespace {

const std::string kRpcBody =
    "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getVersion</methodName>\n"
    "<params>\n</params>\n</methodCall>\n";

std::string post(std::string_view version, std::string_view extra = {}) {
  std::string r = "POST /RPC2";
  if (!version.empty()) r += " " + std::string(version);
  r += "\r\nContent-Length: " + std::to_string(kRpcBody.size()) + "\r\n";
  r.append(extra);
  r += "\r\n" + kRpcBody;
  return r;
}

Request parse_one(const std::string& bytes) {
  RequestParser p;
  REQUIRE_MESSAGE(p.feed(bytes), p.error());
  REQUIRE(p.has_request());
  Request r = p.take();
  CHECK_FALSE(p.has_request());
  return r;
}

constexpr std::time_t kNow = 1795090510;  // any fixed instant
const std::string kDate = "Date: " + format_date(kNow) + "\r\n";

}  // namespace

TEST_CASE("request_parser_reads_method_path_version_headers_and_body") {
  Request r = parse_one(post("HTTP/1.1", "X-Thing: a b\r\n"));
  CHECK(r.method == "POST");
  CHECK(r.path == "/RPC2");
  CHECK(r.version_major == 1);
  CHECK(r.version_minor == 1);
  CHECK(r.has_version);
  CHECK(r.has_content_length);
  CHECK(r.header("x-thing") == "a b");
  CHECK(r.header("CONTENT-LENGTH") == std::to_string(kRpcBody.size()));
  CHECK(r.header("Missing").empty());
  CHECK(r.body == kRpcBody);
}

TEST_CASE("request_parser_splits_pipelined_requests_in_one_feed") {
  RequestParser p;
  REQUIRE(p.feed(post("HTTP/1.1") + "GET /logtail/x?y=1 HTTP/1.1\r\nHost: h\r\n\r\n" +
                 post("HTTP/1.1")));
  Request a = p.take(), b = p.take(), c = p.take();
  CHECK_FALSE(p.has_request());
  CHECK(a.body == kRpcBody);
  CHECK(b.method == "GET");
  CHECK(b.path == "/logtail/x?y=1");
  CHECK(b.path_only() == "/logtail/x");
  CHECK(b.body.empty());
  CHECK(c.body == kRpcBody);
}

TEST_CASE("request_parser_accepts_one_byte_at_a_time") {
  RequestParser p;
  std::string bytes = post("HTTP/1.0", "Connection: keep-alive\r\n") + post("HTTP/1.1");
  for (char ch : bytes) REQUIRE(p.feed(std::string_view(&ch, 1)));
  REQUIRE(p.has_request());
  Request a = p.take();
  CHECK(a.version_minor == 0);
  CHECK(a.keep_alive);
  CHECK(a.body == kRpcBody);
  REQUIRE(p.has_request());
  CHECK(p.take().body == kRpcBody);
  CHECK_FALSE(p.in_progress());
}

TEST_CASE("request_parser_reports_in_progress_for_a_partial_request") {
  RequestParser p;
  CHECK_FALSE(p.in_progress());
  REQUIRE(p.feed("POST /RPC2 HTTP/1.1\r\nContent-Le"));
  CHECK(p.in_progress());
  CHECK_FALSE(p.has_request());
}

TEST_CASE("keep_alive_rules_for_each_version") {
  CHECK(parse_one(post("HTTP/1.1")).keep_alive);
  CHECK_FALSE(parse_one(post("HTTP/1.1", "Connection: close\r\n")).keep_alive);
  CHECK_FALSE(parse_one(post("HTTP/1.1", "Connection: CLOSE\r\n")).keep_alive);
  CHECK_FALSE(parse_one(post("HTTP/1.0")).keep_alive);
  CHECK(parse_one(post("HTTP/1.0", "Connection: Keep-Alive\r\n")).keep_alive);
  // Medusa compares the whole value: a token list is not keep-alive.
  CHECK_FALSE(parse_one(post("HTTP/1.0", "Connection: keep-alive, te\r\n")).keep_alive);
}

TEST_CASE("request_without_version_is_served_and_closed") {
  Request r = parse_one(post(""));
  CHECK_FALSE(r.has_version);
  CHECK_FALSE(r.keep_alive);
  CHECK(r.body == kRpcBody);
  Reply reply = respond(&r, 200, "text/xml", "x", kNow);
  CHECK(reply.bytes.rfind("HTTP/None 200 OK\r\n", 0) == 0);
  CHECK(reply.close);
}

TEST_CASE("bytes_after_a_closing_request_are_ignored") {
  RequestParser p;
  CHECK(p.feed(post("HTTP/1.0") + "GET / HTTP/1.1\r\n\r\n"));
  CHECK(p.feed("more"));
  CHECK_FALSE(p.failed());
  REQUIRE(p.has_request());
  CHECK_FALSE(p.take().keep_alive);
  CHECK_FALSE(p.has_request());
}

TEST_CASE("post_without_content_length_is_reported") {
  Request r = parse_one("POST /RPC2 HTTP/1.1\r\n\r\n");
  CHECK_FALSE(r.has_content_length);
  CHECK(r.body.empty());
}

TEST_CASE("chunked_request_body_is_decoded_but_has_no_content_length") {
  Request r = parse_one("POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                        encode_chunk("hello ") + encode_chunk("world") + std::string(last_chunk()));
  CHECK(r.body == "hello world");
  CHECK_FALSE(r.has_content_length);
}

TEST_CASE("request_limits_refuse_large_bodies_with_413") {
  RequestLimits limits;
  limits.max_body = 10;
  RequestParser p(limits);
  CHECK_FALSE(p.feed(post("HTTP/1.1")));
  CHECK(p.failed());
  CHECK(p.error_status() == 413);
  CHECK(p.error().find("exceeds the limit") != std::string::npos);
  CHECK_FALSE(p.has_request());
  CHECK_FALSE(p.feed("GET / HTTP/1.1\r\n\r\n"));  // stays failed: the stream is out of sync

  // Refused at the headers, before any body byte arrives.
  RequestParser early(limits);
  CHECK_FALSE(early.feed("POST /RPC2 HTTP/1.1\r\nContent-Length: 11\r\n\r\n"));
  CHECK(early.error_status() == 413);

  RequestParser chunked(limits);
  CHECK_FALSE(chunked.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                           encode_chunk("0123456789abc")));
  CHECK(chunked.error_status() == 413);
}

TEST_CASE("413_message_names_the_declared_size_the_limit_and_the_setting") {
  RequestLimits limits;
  limits.max_body = 1024;
  limits.max_body_setting = "[supervisord] http_request_maxbytes";
  RequestParser declared(limits);
  CHECK_FALSE(declared.feed("POST /RPC2 HTTP/1.1\r\nContent-Length: 2147483648\r\n\r\n"));
  CHECK(declared.error_status() == 413);
  CHECK(declared.error() ==
        "request body of 2147483648 bytes exceeds the limit of 1024 bytes "
        "([supervisord] http_request_maxbytes)");
  RequestParser chunked(limits);
  CHECK_FALSE(chunked.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                           encode_chunk(std::string(1025, 'x'))));
  CHECK(chunked.error() ==
        "chunked request body exceeds the limit of 1024 bytes "
        "([supervisord] http_request_maxbytes)");
}

// The body is reserved once from Content-Length, not regrown (and copied) as pieces arrive.
// libstdc++ reserves exactly what is asked; growth by appends would end on a doubling.
TEST_CASE("declared_body_is_stored_in_one_allocation_of_its_size") {
  const size_t size = 100'000;
  RequestParser p;
  REQUIRE(p.feed("POST /RPC2 HTTP/1.1\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n"));
  const std::string piece(1000, 'x');
  for (size_t sent = 0; sent < size; sent += piece.size()) REQUIRE(p.feed(piece));
  REQUIRE(p.has_request());
  Request r = p.take();
  CHECK(r.body.size() == size);
  CHECK(r.body.capacity() == size);
}

TEST_CASE("the_default_body_limit_takes_a_100000_call_multicall") {
  // 25,300,172 bytes: xmlrpc.client's encoding of 100,000 getProcessInfo('x') calls.
  CHECK(RequestLimits{}.max_body >= 2 * size_t{25'300'172});
}

TEST_CASE("request_limits_refuse_many_or_large_headers_with_400") {
  RequestLimits limits;
  limits.max_headers = 3;
  RequestParser many(limits);
  CHECK_FALSE(many.feed("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"));
  CHECK(many.error_status() == 400);
  CHECK(many.error().find("too many headers") != std::string::npos);

  RequestLimits small;
  small.max_header_bytes = 64;
  RequestParser large(small);
  CHECK_FALSE(large.feed("GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n"));
  CHECK(large.error_status() == 400);
}

TEST_CASE("completed_requests_survive_a_later_error") {
  RequestParser p;
  CHECK_FALSE(p.feed(post("HTTP/1.1") + "BOGUS\r\n\r\n"));
  CHECK(p.error_status() == 400);
  REQUIRE(p.has_request());
  CHECK(p.take().body == kRpcBody);
}

TEST_CASE("malformed_requests_are_400") {
  for (std::string bad : {"GARBAGE / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
                          "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "GET / HTTP/9\r\n\r\n"}) {
    RequestParser p;
    CHECK_FALSE(p.feed(bad));
    CHECK(p.error_status() == 400);
    CHECK_FALSE(p.error().empty());
  }
}

TEST_CASE("format_date_is_rfc1123_gmt") {
  CHECK(format_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(format_date(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST_CASE("respond_writes_medusa_headers_in_order") {
  Request r = parse_one(post("HTTP/1.1"));
  Reply reply = respond(&r, 200, "text/xml", "<x/>", kNow);
  CHECK(reply.bytes == "HTTP/1.1 200 OK\r\nServer: Medusa/1.12\r\n" + kDate +
                           "Content-Type: text/xml\r\nContent-Length: 4\r\n\r\n<x/>");
  CHECK_FALSE(reply.close);
}

TEST_CASE("respond_puts_the_head_in_a_roomy_body_buffer_with_the_same_bytes") {
  Request r = parse_one(post("HTTP/1.1"));
  std::string body = "<x/>";
  body.reserve(body.size() + kHeadRoom);
  const char* buffer = body.data();
  Reply roomy = respond(&r, 200, "text/xml", std::move(body), kNow);
  CHECK(roomy.bytes.data() == buffer);  // not copied into another buffer
  CHECK(roomy.bytes == respond(&r, 200, "text/xml", "<x/>", kNow).bytes);
}

TEST_CASE("respond_adds_keep_alive_for_http10_keep_alive_only") {
  Request kept = parse_one(post("HTTP/1.0", "Connection: keep-alive\r\n"));
  Reply a = respond(&kept, 200, "text/xml", "b", kNow);
  CHECK(a.bytes == "HTTP/1.0 200 OK\r\nServer: Medusa/1.12\r\n" + kDate +
                       "Content-Type: text/xml\r\nContent-Length: 1\r\nConnection: Keep-Alive"
                       "\r\n\r\nb");
  CHECK_FALSE(a.close);
  Request closed = parse_one(post("HTTP/1.0"));
  Reply b = respond(&closed, 200, "text/xml", "b", kNow);
  CHECK(b.bytes.find("Connection") == std::string::npos);
  CHECK(b.close);
  Request closing11 = parse_one(post("HTTP/1.1", "Connection: close\r\n"));
  Reply c = respond(&closing11, 200, "text/xml", "b", kNow);
  CHECK(c.bytes.find("Connection") == std::string::npos);
  CHECK(c.close);
}

TEST_CASE("error_reply_is_medusas_html_page") {
  Request r = parse_one("POST /RPC2 HTTP/1.1\r\n\r\n");
  Reply reply = error_reply(&r, 411, kNow);
  CHECK(reply.bytes ==
        "HTTP/1.1 411 Length Required\r\nServer: Medusa/1.12\r\n" + kDate +
            "Content-Length: 140\r\nContent-Type: text/html\r\n\r\n<head>\r\n<title>Error "
            "response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code "
            "411.\r\n<p>Message: Length Required.\r\n</body>\r\n");
  CHECK_FALSE(reply.close);
  Reply unparsed = error_reply(nullptr, 400, kNow);
  CHECK(unparsed.bytes.rfind("HTTP/1.0 400 Bad Request\r\n", 0) == 0);
  CHECK(unparsed.close);
  // A detail (ours: the 413's limit) follows the reason on the Message line.
  Reply detailed = error_reply(nullptr, 413, kNow, {}, "over 1024 bytes");
  CHECK(detailed.bytes.find("<p>Message: Request Entity Too Large: over 1024 bytes.\r\n") !=
        std::string::npos);
}

TEST_CASE("unauthorized_reply_asks_for_basic_and_says_close") {
  Request r = parse_one("GET /RPC2 HTTP/1.1\r\n\r\n");
  Reply reply = unauthorized_reply(&r, kNow);
  CHECK(reply.bytes.rfind("HTTP/1.1 401 Unauthorized\r\nServer: Medusa/1.12\r\n" + kDate +
                              "Connection: close\r\nWWW-Authenticate: Basic realm=\"default\"\r\n"
                              "Content-Length: 137\r\nContent-Type: text/html\r\n\r\n",
                          0) == 0);
  CHECK_FALSE(reply.close);  // Medusa says close but keeps the socket open
}

TEST_CASE("stream_head_chunks_only_for_kept_http11") {
  Headers h{{"Content-Type", "text/plain;charset=utf-8"}};
  StreamHead a = stream_head(parse_one("GET /logtail/x HTTP/1.1\r\n\r\n"), 200, kNow, h);
  CHECK(a.chunked);
  CHECK_FALSE(a.close);
  CHECK(a.bytes ==
        "HTTP/1.1 200 OK\r\nServer: Medusa/1.12\r\n" + kDate +
            "Content-Type: text/plain;charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n");
  StreamHead b = stream_head(parse_one("GET /logtail/x HTTP/1.0\r\n\r\n"), 200, kNow, h);
  CHECK_FALSE(b.chunked);
  CHECK(b.close);
  CHECK(b.bytes.find("Transfer-Encoding") == std::string::npos);
}

TEST_CASE("chunk_encoding_uses_lowercase_hex_and_skips_empty_data") {
  CHECK(encode_chunk(std::string(1024, 'a')).rfind("400\r\n", 0) == 0);
  CHECK(encode_chunk("hi") == "2\r\nhi\r\n");
  CHECK(encode_chunk("").empty());
  CHECK(last_chunk() == "0\r\n\r\n");
}

TEST_CASE("chunked_response_round_trips_through_the_response_parser") {
  Request req = parse_one("GET /logtail/x HTTP/1.1\r\n\r\n");
  StreamHead head = stream_head(req, 200, kNow, {});
  std::string parts[] = {"first line\n", std::string(5000, 'z'), "last"};
  std::string wire = head.bytes;
  for (const auto& p : parts) wire += encode_chunk(p);
  wire += last_chunk();
  ResponseParser rp;
  for (char ch : wire) REQUIRE(rp.feed(std::string_view(&ch, 1)));
  REQUIRE(rp.has_response());
  Response r = rp.take();
  CHECK(r.status == 200);
  CHECK(r.body == parts[0] + parts[1] + parts[2]);
  CHECK(r.keep_alive);
}

TEST_CASE("response_parser_streams_body_to_a_sink") {
  ResponseParser rp;
  std::string seen;
  rp.set_body_sink([](void* ctx, std::string_view b) { static_cast<std::string*>(ctx)->append(b); },
                   &seen);
  REQUIRE(rp.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + encode_chunk("abc")));
  CHECK(rp.headers_done());
  CHECK(rp.current().status == 200);
  CHECK(seen == "abc");
  CHECK_FALSE(rp.has_response());
}

// A caller may receive what is left of a Content-Length body straight into its own memory.
TEST_CASE("response_parser_says_how_much_of_a_declared_body_is_to_come") {
  ResponseParser rp;
  struct Seen {
    ResponseParser* rp;
    std::string bytes;
    std::vector<size_t> remaining;
  } seen{&rp, {}, {}};
  rp.set_body_sink(
      [](void* ctx, std::string_view b) {
        auto* s = static_cast<Seen*>(ctx);
        s->bytes.append(b);
        s->remaining.push_back(s->rp->body_remaining());
      },
      &seen);
  CHECK(rp.body_remaining() == 0);
  REQUIRE(rp.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
  CHECK(rp.body_remaining() == 7);
  REQUIRE(rp.feed("defg"));
  CHECK(rp.body_remaining() == 3);
  REQUIRE(rp.feed("hij"));
  CHECK(rp.has_response());
  CHECK(rp.body_remaining() == 0);
  CHECK(seen.bytes == "abcdefghij");
  CHECK(seen.remaining == std::vector<size_t>{7, 3, 0});  // not counting the bytes handed

  ResponseParser chunked;
  REQUIRE(chunked.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"));
  CHECK(chunked.body_remaining() == 0);
  ResponseParser until_close;
  REQUIRE(until_close.feed("HTTP/1.0 200 OK\r\n\r\nab"));
  CHECK(until_close.body_remaining() == 0);
}

TEST_CASE("response_parser_reads_content_length_responses_back_to_back") {
  Request kept = parse_one(post("HTTP/1.1"));
  std::string wire =
      respond(&kept, 200, "text/xml", "one", kNow).bytes + error_reply(&kept, 404, kNow).bytes;
  ResponseParser rp;
  REQUIRE(rp.feed(wire));
  Response a = rp.take();
  CHECK(a.status == 200);
  CHECK(a.reason == "OK");
  CHECK(a.header("content-type") == "text/xml");
  CHECK(a.body == "one");
  CHECK(a.keep_alive);
  Response b = rp.take();
  CHECK(b.status == 404);
  CHECK(b.body.find("Error code 404.") != std::string::npos);
}

TEST_CASE("response_parser_ends_close_delimited_body_at_eof") {
  ResponseParser rp;
  REQUIRE(rp.feed("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nstreamed"));
  CHECK_FALSE(rp.has_response());
  REQUIRE(rp.finish());
  REQUIRE(rp.has_response());
  Response r = rp.take();
  CHECK(r.body == "streamed");
  CHECK_FALSE(r.keep_alive);
}

TEST_CASE("response_parser_reports_truncation_and_limits") {
  ResponseParser cut;
  REQUIRE(cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
  CHECK_FALSE(cut.finish());
  CHECK_FALSE(cut.error().empty());

  ResponseLimits limits;
  limits.max_body = 2;
  ResponseParser big(limits);
  CHECK_FALSE(big.feed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"));
  CHECK(big.error().find("limit") != std::string::npos);

  ResponseParser junk;
  CHECK_FALSE(junk.feed("SPDY nonsense\r\n\r\n"));
}

TEST_CASE("build_rpc_request_matches_python_supervisorctl") {
  CHECK(build_rpc_request("localhost", kRpcBody, "us", "pw") ==
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: identity\r\n"
        "User-Agent: Python-xmlrpc/3.11\r\nContent-Type: text/xml\r\nAccept: text/xml\r\n"
        "Authorization: Basic dXM6cHc=\r\nContent-Length: 115\r\n\r\n" +
            kRpcBody);
  std::string anonymous = build_rpc_request("127.0.0.1:9001", "x", "us", "");
  CHECK(anonymous.find("Authorization") == std::string::npos);
  CHECK(anonymous.find("Host: 127.0.0.1:9001\r\n") != std::string::npos);
  // What we send, our server parses.
  Request r = parse_one(build_rpc_request("localhost", kRpcBody, "us", "pw"));
  CHECK(r.body == kRpcBody);
  CHECK(check_auth(r, "us", "pw") == AuthOutcome::Ok);
}

TEST_CASE("build_logtail_request_matches_supervisor_http_client") {
  CHECK(build_logtail_request("", "/logtail/web/stdout", "u", "p") ==
        "GET /logtail/web/stdout HTTP/1.1\r\nHost: \r\nAccept-Encoding: chunked\r\n"
        "Accept: */*\r\nUser-agent: Supervisor HTTP Client\r\nAuthorization: Basic dTpw\r\n"
        "\r\n\r\n");
  CHECK(build_logtail_request("h:1", "/mainlogtail").find("Authorization") == std::string::npos);
}

TEST_CASE("base64_rfc4648_vectors") {
  const char* vectors[][2] = {{"", ""},
                              {"f", "Zg=="},
                              {"fo", "Zm8="},
                              {"foo", "Zm9v"},
                              {"foob", "Zm9vYg=="},
                              {"fooba", "Zm9vYmE="},
                              {"foobar", "Zm9vYmFy"}};
  for (const auto& v : vectors) {
    CHECK(base64::encode(v[0]) == v[1]);
    auto d = base64::decode(v[1]);
    REQUIRE(d.ok());
    CHECK(*d == v[0]);
  }
  CHECK(*base64::decode(" Zm9v\nYmFy ") == "foobar");
  CHECK(*base64::decode("Zm8") == "fo");
  CHECK_FALSE(base64::decode("Zm9v!").ok());
  CHECK_FALSE(base64::decode("Z").ok());
  CHECK_FALSE(base64::decode("Zg==Zg").ok());
  CHECK(base64::encode_lines("").empty());
  CHECK(base64::encode_lines("foo") == "Zm9v\n");
}

TEST_CASE("sha1_fips_vectors") {
  CHECK(sha1::hex_digest("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(sha1::hex_digest("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(sha1::hex_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(sha1::hex_digest(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // Lengths at the padding boundaries (one or two final blocks); values from hashlib.
  CHECK(sha1::hex_digest(std::string(55, 'a')) == "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  CHECK(sha1::hex_digest(std::string(56, 'a')) == "c2db330f6083854c99d4b5bfb6e8f29f201be699");
  CHECK(sha1::hex_digest(std::string(64, 'a')) == "0098ba824b5c16427bd7a1122a5a442a25ec644d");
  CHECK(sha1::hex_digest("test") == "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3");
}

TEST_CASE("basic_auth_parsing_and_password_rules") {
  auto c = parse_basic_auth("Basic dXM6cDpx");  // "us:p:q"
  REQUIRE(c.ok());
  CHECK(c->username == "us");
  CHECK(c->password == "p:q");
  CHECK(parse_basic_auth("basic dXM=")->password.empty());
  CHECK_FALSE(parse_basic_auth("Digest abc").ok());
  CHECK_FALSE(parse_basic_auth("Basic !!!").ok());

  CHECK(password_matches("test", "test"));
  CHECK_FALSE(password_matches("tes", "test"));
  CHECK(password_matches("test", "{SHA}" + sha1::hex_digest("test")));
  CHECK_FALSE(
      password_matches("{SHA}" + sha1::hex_digest("test"), "{SHA}" + sha1::hex_digest("test")));
  CHECK(constant_time_equal("", ""));
  CHECK_FALSE(constant_time_equal("a", "ab"));
}

TEST_CASE("check_auth_outcomes") {
  auto with = [](std::string header) {
    return parse_one("GET /RPC2 HTTP/1.1\r\n" + header + "\r\n");
  };
  std::string good = "Authorization: Basic " + base64::encode("u:test") + "\r\n";
  CHECK(check_auth(with(""), "", "") == AuthOutcome::Ok);
  CHECK(check_auth(with(""), "u", "test") == AuthOutcome::Unauthorized);
  CHECK(check_auth(with(good), "u", "test") == AuthOutcome::Ok);
  CHECK(check_auth(with(good), "u", "{SHA}" + sha1::hex_digest("test")) == AuthOutcome::Ok);
  CHECK(check_auth(with(good), "v", "test") == AuthOutcome::Unauthorized);
  CHECK(check_auth(with("Authorization: Digest x\r\n"), "u", "test") == AuthOutcome::Unauthorized);
  CHECK(check_auth(with("Authorization: Basic !!!\r\n"), "u", "test") == AuthOutcome::Malformed);
}
