// Tests for common/values: Supervisor 4.2.5's datatypes, error texts included.
// Every expectation was checked against supervisor.datatypes / shlex / os.path
// run by /usr/bin/python3.
#include "common/values.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace {

template <class T>
std::string error_of(const Result<T>& r) {
  REQUIRE(!r.ok());
  return r.error();
}

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Words = std::vector<std::string>;

}  // namespace

TEST_CASE("boolean_accepts_supervisors_words_in_any_case") {
  CHECK(*values::boolean("True") == true);
  CHECK(*values::boolean("YES") == true);
  CHECK(*values::boolean("on") == true);
  CHECK(*values::boolean("1") == true);
  CHECK(*values::boolean("Off") == false);
  CHECK(*values::boolean("no") == false);
  CHECK(*values::boolean("0") == false);
  CHECK(error_of(values::boolean("maybe")) == "not a valid boolean value: 'maybe'");
  CHECK(error_of(values::boolean(" true")) == "not a valid boolean value: ' true'");
  CHECK(error_of(values::boolean("it's")) == "not a valid boolean value: \"it's\"");
}

TEST_CASE("integer_follows_python_int") {
  CHECK(*values::integer("10") == 10);
  CHECK(*values::integer(" 10 ") == 10);
  CHECK(*values::integer("\t5\n") == 5);
  CHECK(*values::integer("+1_0") == 10);
  CHECK(*values::integer("-0") == 0);
  CHECK(*values::integer("-9223372036854775808") == INT64_MIN);
  CHECK(error_of(values::integer("1__0")) == "invalid literal for int() with base 10: '1__0'");
  CHECK(error_of(values::integer("_1")) == "invalid literal for int() with base 10: '_1'");
  CHECK(error_of(values::integer("1_")) == "invalid literal for int() with base 10: '1_'");
  CHECK(error_of(values::integer("")) == "invalid literal for int() with base 10: ''");
  CHECK(error_of(values::integer("0x10")) == "invalid literal for int() with base 10: '0x10'");
  CHECK(error_of(values::integer("it's")) == "invalid literal for int() with base 10: \"it's\"");
  CHECK(error_of(values::integer("99999999999999999999")) ==
        "integer out of range: '99999999999999999999'");
}

TEST_CASE("integer_error_quotes_at_most_200_characters_like_cpython") {
  const std::string message = error_of(values::integer(std::string(250, 'x')));
  CHECK(message == "invalid literal for int() with base 10: '" + std::string(199, 'x'));
}

TEST_CASE("byte_size_multiplies_suffixes_by_powers_of_1024") {
  CHECK(*values::byte_size("10KB") == 10240);
  CHECK(*values::byte_size("1kb") == 1024);
  CHECK(*values::byte_size("1 kb") == 1024);
  CHECK(*values::byte_size(" 10mb") == 10485760);
  CHECK(*values::byte_size("10gb") == 10737418240);
  CHECK(*values::byte_size("-1kb") == -1024);
  CHECK(*values::byte_size("512") == 512);
  CHECK(error_of(values::byte_size("10xb")) == "invalid literal for int() with base 10: '10xb'");
  // The error quotes the lower-cased text before the suffix.
  CHECK(error_of(values::byte_size("XKB")) == "invalid literal for int() with base 10: 'x'");
  CHECK(error_of(values::byte_size("KB")) == "invalid literal for int() with base 10: ''");
  CHECK(error_of(values::byte_size("10GB ")) == "invalid literal for int() with base 10: '10gb '");
  CHECK(error_of(values::byte_size("8589934592gb")) == "integer out of range: '8589934592gb'");
}

TEST_CASE("octal_follows_python_int_base_8") {
  CHECK(*values::octal("022") == 022);
  CHECK(*values::octal("0o22") == 022);
  CHECK(*values::octal("0O22") == 022);
  CHECK(*values::octal("0700") == 0700);
  CHECK(*values::octal(" 7 ") == 7);
  CHECK(*values::octal("0o_7") == 7);
  CHECK(*values::octal("7_7") == 077);
  CHECK(error_of(values::octal("08")) == "08 can not be converted to an octal type");
  CHECK(error_of(values::octal("0o")) == "0o can not be converted to an octal type");
  CHECK(error_of(values::octal("")) == " can not be converted to an octal type");
  CHECK(error_of(values::octal("0b1")) == "0b1 can not be converted to an octal type");
}

TEST_CASE("signal_number_accepts_names_with_or_without_sig_and_numbers") {
  CHECK(*values::signal_number("TERM") == 15);
  CHECK(*values::signal_number("sigterm") == 15);
  CHECK(*values::signal_number(" hup ") == 1);
  CHECK(*values::signal_number("Term") == 15);
  CHECK(*values::signal_number("term\n") == 15);
  CHECK(*values::signal_number("15") == 15);
  CHECK(*values::signal_number("1_5") == 15);
  CHECK(*values::signal_number("CLD") == 17);
  CHECK(*values::signal_number("RTMIN") == 34);
  // Python's signal module also has SIG_DFL, SIG_IGN ...: Supervisor accepts them.
  CHECK(*values::signal_number("SIG_DFL") == 0);
  CHECK(*values::signal_number("_ign") == 1);
  CHECK(*values::signal_number("0") == 0);
}

TEST_CASE("signal_number_errors_name_the_value") {
  CHECK(error_of(values::signal_number("foo")) == "value 'foo' is not a valid signal name");
  CHECK(error_of(values::signal_number("SIG")) == "value 'SIG' is not a valid signal name");
  CHECK(error_of(values::signal_number("32")) == "value '32' is not a valid signal number");
  CHECK(error_of(values::signal_number("-15")) == "value '-15' is not a valid signal number");
}

TEST_CASE("signal_name_uses_supervisors_canonical_names") {
  CHECK(values::signal_name(15) == "SIGTERM");
  CHECK(values::signal_name(6) == "SIGABRT");
  CHECK(values::signal_name(17) == "SIGCHLD");
  CHECK(values::signal_name(29) == "SIGPOLL");
  CHECK(values::signal_name(64) == "SIGRTMAX");
  CHECK(values::signal_name(0) == "signal 0");
  CHECK(values::signal_name(99) == "signal 99");
}

TEST_CASE("exit_codes_are_a_comma_list_of_0_to_255") {
  CHECK(*values::exit_codes("0,2") == std::vector<int>{0, 2});
  CHECK(*values::exit_codes("0, 2") == std::vector<int>{0, 2});
  CHECK(values::exit_codes("")->empty());
  CHECK(error_of(values::exit_codes("0,")) == "not a valid list of exit codes: '0,'");
  CHECK(error_of(values::exit_codes("256")) == "not a valid list of exit codes: '256'");
  CHECK(error_of(values::exit_codes("-1")) == "not a valid list of exit codes: '-1'");
  CHECK(error_of(values::exit_codes("1,,2")) == "not a valid list of exit codes: '1,,2'");
  CHECK(error_of(values::exit_codes(" ")) == "not a valid list of exit codes: ' '");
}

TEST_CASE("process_or_group_name_is_stripped_and_refuses_space_colon_slash") {
  CHECK(*values::process_or_group_name(" ab ") == "ab");
  CHECK(*values::process_or_group_name("a\tb") == "a\tb");
  CHECK(error_of(values::process_or_group_name("x y")) ==
        "Invalid name: 'x y' because of character: ' '");
  CHECK(error_of(values::process_or_group_name("a/b")) ==
        "Invalid name: 'a/b' because of character: '/'");
  // Characters are checked in the order ' ', ':', '/', whatever their position.
  CHECK(error_of(values::process_or_group_name("a:b/c d")) ==
        "Invalid name: 'a:b/c d' because of character: ' '");
  CHECK(error_of(values::process_or_group_name("it's x")) ==
        "Invalid name: \"it's x\" because of character: ' '");
}

TEST_CASE("logfile_name_knows_auto_none_syslog_and_checks_the_directory") {
  using Kind = values::LogfileName::Kind;
  CHECK(values::logfile_name("AUTO")->kind == Kind::Auto);
  CHECK(values::logfile_name("none")->kind == Kind::None);
  CHECK(values::logfile_name("Off")->kind == Kind::None);
  CHECK(values::logfile_name("SYSLOG")->kind == Kind::Syslog);
  CHECK(values::logfile_name("/tmp/x.log")->path == "/tmp/x.log");
  CHECK(values::logfile_name("x.log")->path == "x.log");
  CHECK(error_of(values::logfile_name("/nonexist/x.log")) ==
        "The directory named as part of the path /nonexist/x.log does not exist");
  CHECK(error_of(values::logfile_name("~/nonexist-dir/x.log")) ==
        "The directory named as part of the path ~/nonexist-dir/x.log does not exist");
}

TEST_CASE("logfile_name_expands_the_home_directory") {
  const char* home = std::getenv("HOME");
  REQUIRE(home != nullptr);
  CHECK(values::logfile_name("~/x.log")->path == std::string(home) + "/x.log");
}

TEST_CASE("existing_directory_expands_user_and_requires_a_directory") {
  CHECK(*values::existing_directory("/tmp") == "/tmp");
  CHECK(*values::existing_directory("~") == std::getenv("HOME"));
  CHECK(error_of(values::existing_directory("/nonexist")) ==
        "/nonexist is not an existing directory");
  CHECK(error_of(values::existing_directory("/etc/passwd")) ==
        "/etc/passwd is not an existing directory");
  CHECK(error_of(values::existing_directory("")) == " is not an existing directory");
}

TEST_CASE("user_accepts_names_and_existing_uids") {
  const auto root = values::user("root");
  REQUIRE(root.ok());
  CHECK(root->uid == 0);
  CHECK(root->gid == 0);
  CHECK(root->name == "root");
  CHECK(values::user(" 0 ")->name == "root");
  CHECK(error_of(values::user("nosuchuser")) == "Invalid user name nosuchuser");
  CHECK(error_of(values::user("99999")) == "Invalid user id 99999");
  CHECK(error_of(values::user("-1")) == "Invalid user id -1");
  CHECK(error_of(values::user("")) == "Invalid user name ");
}

TEST_CASE("user_group_resolves_both_parts_or_leaves_the_group") {
  const auto only_user = values::user_group("root");
  REQUIRE(only_user.ok());
  CHECK(only_user->uid == 0);
  CHECK(only_user->gid == values::kNoGroup);
  CHECK(values::user_group("root:root")->gid == 0);
  CHECK(values::user_group("root:0")->gid == 0);
  CHECK(error_of(values::user_group("root:nosuch")) == "Invalid user:group definition root:nosuch");
  CHECK(error_of(values::user_group("nosuch:root")) == "Invalid user:group definition nosuch:root");
  CHECK(error_of(values::user_group("root:")) == "Invalid user:group definition root:");
  CHECK(error_of(values::user_group("root:root:x")) == "Invalid user:group definition root:root:x");
}

TEST_CASE("environment_parses_key_value_pairs_like_supervisor_4_2_5") {
  CHECK(*values::environment("A=1,B=2") == Pairs{{"A", "1"}, {"B", "2"}});
  CHECK(*values::environment("A=\"x y\",B='a,b'") == Pairs{{"A", "x y"}, {"B", "a,b"}});
  CHECK(*values::environment("A=\"a=b\"") == Pairs{{"A", "a=b"}});
  CHECK(*values::environment("A=1,") == Pairs{{"A", "1"}});
  CHECK(*values::environment("A = 1 , B = 2") == Pairs{{"A", "1"}, {"B", "2"}});
  CHECK(*values::environment("A=/usr/bin:/bin") == Pairs{{"A", "/usr/bin:/bin"}});
  CHECK(values::environment("")->empty());
  CHECK(values::environment("  ")->empty());
}

TEST_CASE("environment_separator_is_any_single_token_and_later_key_wins_in_place") {
  CHECK(*values::environment("A=1;B=2") == Pairs{{"A", "1"}, {"B", "2"}});
  CHECK(*values::environment("A=1\n,B=2") == Pairs{{"A", "1"}, {"B", "2"}});
  CHECK(*values::environment("A=1,A=2,B=3,A=4") == Pairs{{"A", "4"}, {"B", "3"}});
}

TEST_CASE("environment_keeps_legacy_shlex_quirks") {
  CHECK(*values::environment("A=x\"y") == Pairs{{"A", "x\"y"}});    // quote inside a word stays
  CHECK(*values::environment("\"A\"=1") == Pairs{{"\"A\"", "1"}});  // key quotes stay
  CHECK(*values::environment("A='\"x\"'") == Pairs{{"A", "x"}});    // all outer quotes go
  CHECK(*values::environment("A==b") == Pairs{{"A", "="}});
  CHECK(*values::environment("A=b#c\nd,E=f") == Pairs{{"A", "bd"}, {"E", "f"}});
  CHECK(*values::environment("A=\xC3\xA9") == Pairs{{"A", "\xC3\xA9"}});
  CHECK(*values::environment("A=\"a\\\"b\"") == Pairs{{"A", "a\\"}});
}

TEST_CASE("environment_errors") {
  CHECK(error_of(values::environment("A=")) == "Unexpected end of key/value pairs in value 'A='");
  CHECK(error_of(values::environment("A=1,B")) ==
        "Unexpected end of key/value pairs in value 'A=1,B'");
  CHECK(error_of(values::environment("A=1,,B=2")) ==
        "Unexpected end of key/value pairs in value 'A=1,,B=2'");
  CHECK(error_of(values::environment("A=1 B=2")) ==
        "Unexpected end of key/value pairs in value 'A=1 B=2'");
  CHECK(error_of(values::environment("A=a@b")) ==
        "Unexpected end of key/value pairs in value 'A=a@b'");
  CHECK(error_of(values::environment("A=a\\b")) ==
        "Unexpected end of key/value pairs in value 'A=a\\b'");
  CHECK(error_of(values::environment("A=\"x")) == "No closing quotation");
}

TEST_CASE("shlex_split_follows_python_posix_mode") {
  CHECK(*values::shlex_split("a b") == Words{"a", "b"});
  CHECK(*values::shlex_split("\"a b\" c") == Words{"a b", "c"});
  CHECK(*values::shlex_split("'a\\b'") == Words{"a\\b"});
  CHECK(*values::shlex_split("\"a\\\"b\"") == Words{"a\"b"});
  CHECK(*values::shlex_split("\"a\\$b\"") == Words{"a\\$b"});
  CHECK(*values::shlex_split("\"a\\\\b\"") == Words{"a\\b"});
  CHECK(*values::shlex_split("a\\ b") == Words{"a b"});
  CHECK(*values::shlex_split("a\\\nb") == Words{"a\nb"});
  CHECK(*values::shlex_split("a\"b\"c") == Words{"abc"});
  CHECK(*values::shlex_split("\"\"") == Words{""});
  CHECK(*values::shlex_split("''") == Words{""});
  CHECK(*values::shlex_split("#x y") == Words{"#x", "y"});  // comments are off
  CHECK(*values::shlex_split("a\vb") == Words{"a\vb"});     // \v is not shlex whitespace
  CHECK(*values::shlex_split("\n/bin/cat\t-n") == Words{"/bin/cat", "-n"});
  CHECK(values::shlex_split(" ")->empty());
  CHECK(values::shlex_split("")->empty());
}

TEST_CASE("shlex_split_errors") {
  CHECK(error_of(values::shlex_split("a\\")) == "No escaped character");
  CHECK(error_of(values::shlex_split("\"x")) == "No closing quotation");
  CHECK(error_of(values::shlex_split("'x")) == "No closing quotation");
}

TEST_CASE("expand_user_follows_os_path_expanduser") {
  const std::string home = std::getenv("HOME");
  CHECK(values::expand_user("~") == home);
  CHECK(values::expand_user("~/a/../b") == home + "/a/../b");
  CHECK(values::expand_user("~root/x") == "/root/x");
  CHECK(values::expand_user("~nosuchuser/x") == "~nosuchuser/x");
  CHECK(values::expand_user("x~") == "x~");
  CHECK(values::expand_user("/~") == "/~");
}

TEST_CASE("normalize_path_follows_os_path_normpath") {
  CHECK(values::normalize_path("") == ".");
  CHECK(values::normalize_path(".") == ".");
  CHECK(values::normalize_path("./") == ".");
  CHECK(values::normalize_path("a//b/./c/..") == "a/b");
  CHECK(values::normalize_path("/../a") == "/a");
  CHECK(values::normalize_path("//a") == "//a");
  CHECK(values::normalize_path("///a") == "/a");
  CHECK(values::normalize_path("a/../..") == "..");
  CHECK(values::normalize_path("../x/") == "../x");
  CHECK(values::normalize_path("/a/b/../../..") == "/");
}

TEST_CASE("absolute_path_joins_the_working_directory") {
  char buffer[4096];
  REQUIRE(::getcwd(buffer, sizeof buffer) != nullptr);
  const std::string cwd = buffer;
  CHECK(values::absolute_path("") == cwd);
  CHECK(values::absolute_path("x/./y") == values::normalize_path(cwd + "/x/y"));
  CHECK(values::absolute_path("/a/../b") == "/b");
  CHECK(values::absolute_path("//a") == "//a");
}
