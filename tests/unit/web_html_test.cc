// web_html_test.cc — the web pages' text rules: escaping, URL quoting, form parsing.
#include <doctest/doctest.h>

#include "supervisord/web/html.h"

using web::escape;
using web::form_value;
using web::parse_form;
using web::quote;

TEST_CASE("escape: markup and quotes become entities, lines stay one line") {
  CHECK(escape("<script>alert('x')</script>") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  CHECK(escape("a & \"b\"") == "a &amp; &quot;b&quot;");
  CHECK(escape("one\ntwo\r") == "one&#10;two&#13;");
  CHECK(escape("plain text") == "plain text");
}

TEST_CASE("quote: Python's urllib.parse.quote rules") {
  CHECK(quote("web:web_01") == "web%3Aweb_01");
  CHECK(quote("a b/c~") == "a%20b/c~");
  CHECK(quote("a/b", false) == "a%2Fb");
  CHECK(quote("\xc3\xa9") == "%C3%A9");
}

TEST_CASE("parse_form: + is a space, %XX a byte, repeated keys keep the first") {
  auto f = parse_form("processname=web%3Aweb_01&action=stop&message=All+done%21&&x=1&x=2&flag");
  REQUIRE(f);
  CHECK(form_value(*f, "processname") == "web:web_01");
  CHECK(form_value(*f, "message") == "All done!");
  CHECK(form_value(*f, "x") == "1");
  CHECK(form_value(*f, "flag") == "");
  CHECK_FALSE(form_value(*f, "missing"));
}

TEST_CASE("parse_form: malformed percent-encoding is an error") {
  CHECK_FALSE(parse_form("a=%zz"));
  CHECK_FALSE(parse_form("a=%4"));
  CHECK_FALSE(parse_form("a=%"));
  CHECK(parse_form("a=100%25"));
  CHECK(parse_form("")->empty());
}
