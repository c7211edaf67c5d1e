// Tests for supervisord/logs/capture: capture-mode splitting, including
// tokens split across chunk boundaries and the capture bound.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "supervisord/logs/capture.h"

using logs::CaptureSegment;
using logs::CaptureSplitter;
using Kind = CaptureSegment::Kind;

namespace {

// Concatenated per kind, since chunking may split one logical piece into several segments.
struct Collected {
  std::string logged;
  std::string captured_stream;
  std::vector<std::string> ends;
  void add(const std::vector<CaptureSegment>& segments) {
    for (const auto& s : segments) {
      if (s.kind == Kind::Log) logged += s.data;
      if (s.kind == Kind::Captured) captured_stream += s.data;
      if (s.kind == Kind::End) ends.push_back(s.data);
    }
  }
};

const std::string kBegin(logs::kCaptureBegin);
const std::string kEnd(logs::kCaptureEnd);

}  // namespace

TEST_CASE("text_between_tokens_is_captured_not_logged") {
  CaptureSplitter c(1000);
  Collected got;
  got.add(c.feed("before " + kBegin + "secret" + kEnd + " after\n"));
  CHECK(got.logged == "before  after\n");
  CHECK(got.captured_stream == "secret");
  REQUIRE(got.ends.size() == 1);
  CHECK(got.ends[0] == "secret");
  CHECK_FALSE(c.capturing());
}

TEST_CASE("tokens_split_at_every_chunk_boundary_give_the_same_result") {
  const std::string input =
      "log1 " + kBegin + "payload one" + kEnd + "log2 " + kBegin + "two" + kEnd + "tail\n";
  for (size_t size = 1; size <= 30; ++size) {
    CaptureSplitter c(1000);
    Collected got;
    for (size_t at = 0; at < input.size(); at += size) got.add(c.feed(input.substr(at, size)));
    got.add(c.flush());
    CAPTURE(size);
    CHECK(got.logged == "log1 log2 tail\n");
    REQUIRE(got.ends.size() == 2);
    CHECK(got.ends[0] == "payload one");
    CHECK(got.ends[1] == "two");
  }
}

TEST_CASE("capture_keeps_its_last_maxbytes_bytes") {
  CaptureSplitter c(4);
  Collected got;
  got.add(c.feed(kBegin + "abcdefgh" + kEnd));
  REQUIRE(got.ends.size() == 1);
  CHECK(got.ends[0] == "efgh");
  CHECK(got.captured_stream == "abcdefgh");  // PROCESS_LOG events still see everything
}

TEST_CASE("short_output_after_end_is_logged_at_once") {
  // Deliberate difference: Supervisor holds any output no longer than the token.
  CaptureSplitter c(100);
  Collected got;
  got.add(c.feed(kBegin + "x" + kEnd));
  got.add(c.feed("ok\n"));
  CHECK(got.logged == "ok\n");
}

TEST_CASE("possible_token_prefix_is_held_until_decided") {
  CaptureSplitter c(100);
  Collected got;
  got.add(c.feed("text <!--XSUP"));
  CHECK(got.logged == "text ");
  got.add(c.feed("PER not a token\n"));
  CHECK(got.logged == "text <!--XSUPPER not a token\n");
}

TEST_CASE("flush_releases_held_bytes_and_drops_unfinished_capture") {
  CaptureSplitter c(100);
  Collected got;
  got.add(c.feed("a <!--"));
  got.add(c.flush());
  CHECK(got.logged == "a <!--");
  CaptureSplitter open(100);
  Collected partial;
  partial.add(open.feed(kBegin + "never ended"));
  partial.add(open.flush());
  CHECK(partial.ends.empty());
  CHECK(partial.logged.empty());
}
