// docs_test.cc — the docs cannot drift from the code: every schema row has a paragraph in
// supervisord.conf.5 (in its section, extensions under EXTENSIONS) stating its default, and
// every paragraph there has a row; every supervisorctl command has an entry in
// supervisorctl.1; every supervisord flag of the usage text is in supervisord.8; the
// generated sample config names every option and loads with our loader.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "supervisorctl/commands.h"
#include "supervisord/config/loader.h"
#include "supervisord/config/sample.h"
#include "supervisord/config/schema.h"
#include "supervisord/startup/cli.h"

namespace {

namespace schema = config::schema;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// A .TP paragraph of a man page: block ("[program:x]", or "EXTENSIONS [program:x]"),
// the tag line after .TP, and the body up to the next paragraph or heading.
struct Entry {
  std::string block;
  std::string tag;
  std::string body;
};

std::vector<Entry> entries(const std::string& page) {
  std::vector<Entry> out;
  std::string sh, ss;
  auto lines = lines_of(page);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.rfind(".SH ", 0) == 0) {
      sh = unquote(l.substr(4));
      ss.clear();
      continue;
    }
    if (l.rfind(".SS ", 0) == 0) {
      ss = unquote(l.substr(4));
      continue;
    }
    if (l != ".TP" || i + 1 >= lines.size()) continue;
    Entry e;
    e.block = sh == "EXTENSIONS" ? "EXTENSIONS " + ss : sh;
    e.tag = lines[++i];
    for (size_t j = i + 1; j < lines.size(); ++j) {
      const std::string& b = lines[j];
      if (b == ".TP" || b == ".PP" || b.rfind(".SH", 0) == 0 || b.rfind(".SS", 0) == 0) break;
      e.body += b + "\n";
    }
    out.push_back(e);
  }
  return out;
}

// ".B key" -> "key"; anything else -> "".
std::string bold_key(const std::string& tag) {
  if (tag.rfind(".B ", 0) != 0) return "";
  return unquote(tag.substr(3));
}

// The header a section kind has in the man page.
std::string section_heading(unsigned kind) {
  std::string name(schema::section_kind_name(kind));
  bool named = kind & (schema::kAnyProgram | schema::kGroup | schema::kRpcInterface);
  return "[" + name + (named ? ":x" : "") + "]";
}

unsigned first_kind(unsigned bits) {
  return bits & (~bits + 1);
}

}  // namespace

TEST_CASE("every_schema_row_has_a_paragraph_with_its_default_in_supervisord_conf_5") {
  auto page = entries(read_text(std::string(MAN_DIR) + "/supervisord.conf.5"));
  std::map<std::string, const Entry*> by_block_key;
  for (const auto& e : page) {
    auto key = bold_key(e.tag);
    if (!key.empty()) by_block_key[e.block + " " + key] = &e;
  }
  for (const auto& row : schema::rows()) {
    std::string block = section_heading(first_kind(row.sections));
    if (row.extension) block = "EXTENSIONS " + block;
    std::string where = block + " " + std::string(row.key);
    auto it = by_block_key.find(where);
    CHECK_MESSAGE(it != by_block_key.end(), "supervisord.conf.5 lacks a paragraph for " << where);
    if (it == by_block_key.end()) continue;
    const std::string& body = it->second->body;
    if (row.required) {
      CHECK_MESSAGE(body.find("Required.") != std::string::npos, where << " is required");
    } else if (row.default_text && *row.default_text == '\0') {
      CHECK_MESSAGE(body.find("Default: empty.") != std::string::npos, where << ": default ''");
    } else if (row.default_text) {
      std::string want = std::string("Default: \\fB") + row.default_text + "\\fR.";
      CHECK_MESSAGE(body.find(want) != std::string::npos, where << " should say " << want);
    } else {
      CHECK_MESSAGE(body.find("Default:") != std::string::npos, where << " should name a default");
    }
  }
}

TEST_CASE("every_option_paragraph_of_supervisord_conf_5_has_a_schema_row") {
  std::map<std::string, unsigned> kinds;
  for (unsigned bit = 1; bit <= schema::kRpcInterface; bit <<= 1) {
    kinds[section_heading(bit)] = bit;
    kinds["EXTENSIONS " + section_heading(bit)] = bit;
  }
  for (const auto& e : entries(read_text(std::string(MAN_DIR) + "/supervisord.conf.5"))) {
    auto kind = kinds.find(e.block);
    auto key = bold_key(e.tag);
    if (kind == kinds.end() || key.empty()) continue;
    const schema::Row* row = schema::find(kind->second, key);
    CHECK_MESSAGE(row != nullptr, e.block << " documents " << key << ", which has no schema row");
    if (row) {
      CHECK_MESSAGE(row->extension == (e.block.rfind("EXTENSIONS", 0) == 0),
                    key << ": extension rows belong in EXTENSIONS, others not");
    }
  }
}

TEST_CASE("every_supervisorctl_command_has_an_entry_in_supervisorctl_1") {
  std::set<std::string> documented;
  for (const auto& e : entries(read_text(std::string(MAN_DIR) + "/supervisorctl.1"))) {
    if (e.block != "COMMANDS") continue;
    std::string word;
    for (char c : e.tag + " ") {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
        word += c;
      } else {
        if (!word.empty()) documented.insert(word);
        word.clear();
      }
    }
  }
  for (const auto& c : ctl::command_catalog()) {
    if (c.name == "EOF") continue;  // end of input, not a command one types
    CHECK_MESSAGE(documented.count(std::string(c.name)) == 1,
                  "supervisorctl.1 lacks the command " << c.name);
  }
}

TEST_CASE("every_supervisord_flag_of_the_usage_text_is_in_supervisord_8") {
  std::string page = read_text(std::string(MAN_DIR) + "/supervisord.8");
  for (const auto& line : lines_of(startup::cli_usage("supervisord"))) {
    // "-c/--configuration FILENAME -- ..." and "--check-config -- ...": the long names.
    for (size_t at = line.find("--"); at != std::string::npos && at < line.find(" -- ");
         at = line.find("--", at + 2)) {
      size_t end = at + 2;
      while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) ||
                                   line[end] == '_' || line[end] == '-'))
        ++end;
      std::string flag = line.substr(at + 2, end - at - 2);
      if (flag.empty()) continue;
      std::string roff = "\\-\\-";
      for (char c : flag) roff += c == '-' ? std::string("\\-") : std::string(1, c);
      CHECK_MESSAGE(page.find(roff) != std::string::npos, "supervisord.8 lacks --" << flag);
    }
  }
}

TEST_CASE("sample_config_names_every_option_and_loads") {
  std::string sample = config::sample_config();
  for (const auto& row : schema::rows()) {
    std::string key = std::string(row.key) + "=";
    CHECK_MESSAGE(sample.find("\n" + key) + sample.find("\n;" + key) != 2 * std::string::npos,
                  "sample lacks " << row.key);
  }

  // Uncommenting every option line gives the activate_all sample.
  std::string uncommented;
  for (const auto& line : lines_of(sample)) {
    bool option = line.size() > 1 && line[0] == ';' &&
                  (line[1] == '[' || std::islower(static_cast<unsigned char>(line[1])));
    uncommented += (option ? line.substr(1) : line) + "\n";
  }
  // (Comments are aligned by column, so compare with runs of spaces collapsed.)
  auto squeeze = [](const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c != ' ' || out.empty() || out.back() != ' ') out += c;
    }
    return out;
  };
  CHECK(squeeze(uncommented) == squeeze(config::sample_config({.activate_all = true})));

  auto dir = std::filesystem::temp_directory_path() / ("docs_test." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (bool all : {false, true}) {
    auto path = dir / (all ? "full.conf" : "sample.conf");
    std::ofstream(path) << config::sample_config({.activate_all = all});
    config::LoadOptions lo;
    lo.config_path = path.string();
    auto loaded = config::load(lo);
    CHECK_MESSAGE(loaded.ok(), (loaded ? std::string() : loaded.error()));
    if (loaded && all) CHECK(loaded->groups.size() == 3);
    if (loaded && !all) CHECK(loaded->groups.empty());
  }
  std::filesystem::remove_all(dir);
}
