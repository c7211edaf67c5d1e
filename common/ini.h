// ini.h — reader for Python ConfigParser's dialect as Supervisor uses it
// (RawConfigParser, inline_comment_prefixes=(';','#'), strict=False,
// empty_lines_in_values=True). Owns: sections, keys, values and where each
// came from. Knows nothing about Supervisor's options or %-expansion.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ini {

// The text of one source file, kept so errors can quote a line.
struct Source {
  std::string path;                // as given (used in messages)
  std::vector<std::string> lines;  // without line terminators
};

struct Entry {
  std::string key;    // lower-cased
  std::string value;  // inline comments removed, continuation lines joined with '\n', stripped
  std::shared_ptr<const Source> source;
  int line = 0;  // 1-based line of the key
  // For each line of the value: (1-based line number, 0-based column of the first value
  // character on that line). Lets errors put a caret under a spot inside the value.
  std::vector<std::pair<int, int>> value_lines;
};

struct Section {
  std::string name;  // case-sensitive, exactly as between the brackets
  std::shared_ptr<const Source> source;
  int line = 0;  // line of the (first) header
  std::vector<Entry>
      entries;  // in first-appearance order; a repeated key replaces the value in place

  const Entry* find(std::string_view key) const;  // key must be lower-case
};

// Where in the source a byte offset of an entry's value lies.
struct Spot {
  std::shared_ptr<const Source> source;
  int line = 0;    // 1-based
  int column = 0;  // 0-based
};
Spot locate(const Entry& entry, size_t value_offset);

// "file:line: message\n<the line>\n<spaces>^" — ninja-style pointer at the text.
std::string render_error(const Spot& spot, std::string_view message);

class Document {
 public:
  // Parses `text` (read from `path`) and merges it into this document: sections with the
  // same name merge, a later key wins. The UTF-8 BOM is skipped. Errors: a byte that is not
  // UTF-8 anywhere in the text (comments too, as Python decodes the whole file), text before
  // the first section header, a line that is neither header, key/value, comment nor continuation.
  // The error message is already rendered as "path:line: message" + line + caret.
  Status parse(std::string_view text, const std::string& path);
  // Reads the file then parse(). Missing / unreadable file is an error naming the path.
  Status parse_file(const std::string& path);

  const std::vector<Section>& sections() const { return sections_; }  // [DEFAULT] excluded
  const Section* find(std::string_view name) const;
  Section* find(std::string_view name);
  const Section& defaults() const { return defaults_; }  // [DEFAULT]
  // Lookup with ConfigParser semantics: the section's key, else [DEFAULT]'s, else null.
  const Entry* get(const Section& section, std::string_view key) const;
  // All keys visible in a section (its own plus [DEFAULT]'s), own first.
  std::vector<const Entry*> items(const Section& section) const;

 private:
  std::vector<Section> sections_;
  Section defaults_;
};

}  // namespace ini
