// ini.cc — the ConfigParser-dialect reader. Follows Python 3.11's
// RawConfigParser._read line by line (inline comments, indentation-based
// continuations, blank lines kept inside values) because Supervisor users'
// files were written against that parser, quirks included. Depends only on
// the standard library and POSIX file reading.
#include "common/ini.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <unordered_map>

#include "common/pyspace.h"
#include "common/utf8.h"

namespace ini {
namespace {

using pyspace::space_at;
using pyspace::space_before;

constexpr std::string_view kDefaultSection = "DEFAULT";
constexpr size_t kDefaultsIndex = static_cast<size_t>(-1);
constexpr std::string_view kBom = "\xEF\xBB\xBF";
// Supervisor's (ConfigParser's) words for a line it cannot read; scripts grep for them.
constexpr std::string_view kParsingErrors = "contains parsing errors: ";
// Errors after this many are counted, not rendered: a binary file would
// otherwise produce one error per "line".
constexpr size_t kMaxRenderedErrors = 10;
// Source lines longer than this are shown as a window around the caret.
constexpr size_t kMaxShownLine = 120;

size_t skip_space(std::string_view s, size_t pos) {
  while (size_t n = space_at(s, pos)) pos += n;
  return pos;
}

size_t rskip_space(std::string_view s, size_t end) {
  while (size_t n = space_before(s, end)) end -= n;
  return end;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Splits like Python's text-mode file iteration (universal newlines): "\r\n",
// "\r" and "\n" all end a line.
std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
    if (text[end] == '\r' && start < text.size() && text[start] == '\n') ++start;
  }
  return lines;
}

// Where the comment starts in `line`, or npos. Mirrors ConfigParser's search
// exactly, including its quirk: prefixes are scanned in rounds, and the first
// round in which any prefix sits after whitespace decides, so in "x#y #z ;w"
// the ';' wins and the value is "x#y #z".
size_t comment_start(std::string_view line) {
  constexpr char kPrefixes[2] = {';', '#'};
  size_t found[2] = {std::string_view::npos, std::string_view::npos};
  bool active[2] = {true, true};
  size_t start = std::string_view::npos;
  while (start == std::string_view::npos && (active[0] || active[1])) {
    for (int p = 0; p < 2; ++p) {
      if (!active[p]) continue;
      const size_t from = found[p] == std::string_view::npos ? 0 : found[p] + 1;
      const size_t at = line.find(kPrefixes[p], from);
      if (at == std::string_view::npos) {
        active[p] = false;
        continue;
      }
      found[p] = at;
      if (at == 0 || space_before(line, at) > 0) start = std::min(start, at);
    }
  }
  const size_t first = skip_space(line, 0);
  if (first < line.size() && (line[first] == ';' || line[first] == '#')) start = 0;
  return start;
}

// Indentation in code points, as ConfigParser compares it.
int indent_of(std::string_view line) {
  int indent = 0;
  size_t pos = 0;
  while (size_t n = space_at(line, pos)) {
    pos += n;
    ++indent;
  }
  return indent;
}

class Parser {
 public:
  Parser(std::shared_ptr<const Source> source, std::vector<Section>& sections, Section& defaults)
      : source_(std::move(source)), sections_(sections), defaults_(defaults) {}

  Status run() {
    const auto& lines = source_->lines;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (!parse_line(lines[i], static_cast<int>(i + 1))) break;
    }
    if (errors_.empty()) return Status::success();
    std::string message;
    for (size_t i = 0; i < errors_.size() && i < kMaxRenderedErrors; ++i) {
      if (i > 0) message += '\n';
      message += errors_[i];
    }
    if (errors_.size() > kMaxRenderedErrors) {
      message +=
          "\n(" + std::to_string(errors_.size() - kMaxRenderedErrors) + " more errors not shown)";
    }
    return Status::fail(std::move(message));
  }

 private:
  // Returns false when parsing must stop (text before the first header).
  bool parse_line(std::string_view line, int lineno) {
    const size_t cut = comment_start(line);
    const std::string_view kept = line.substr(0, cut);
    const size_t begin = skip_space(kept, 0);
    const size_t end = std::max(begin, rskip_space(kept, kept.size()));
    const std::string_view value = kept.substr(begin, end - begin);

    if (value.empty()) {
      // A blank line may belong to a continued value; a comment line never does.
      if (cut == std::string_view::npos && entry_ != nullptr) ++pending_blank_lines_;
      return true;
    }
    const int indent = indent_of(line);
    if (entry_ != nullptr && indent > indent_level_) {
      for (; pending_blank_lines_ > 0; --pending_blank_lines_) {
        entry_->value += '\n';
        entry_->value_lines.emplace_back(lineno - pending_blank_lines_, 0);
      }
      entry_->value += '\n';
      entry_->value.append(value);
      entry_->value_lines.emplace_back(lineno, static_cast<int>(begin));
      return true;
    }
    // A bad line does not end the value above it (as in ConfigParser), so an
    // indented line after it is still a continuation and not a second error.
    indent_level_ = indent;
    if (value.front() == '[') {
      // ConfigParser's greedy "\[(.+)\]": up to the last ']', text after it ignored.
      const size_t close = value.rfind(']');
      if (close != std::string_view::npos && close >= 2) {
        end_value();
        enter_section(value.substr(1, close - 1), lineno);
        return true;
      }
    }
    if (section_ == nullptr) {
      add_error(lineno, static_cast<int>(begin),
                "file contains no section headers: text before the first [section] header");
      return false;
    }
    const size_t delim = value.find_first_of("=:");
    if (delim == std::string_view::npos) {
      add_error(lineno, static_cast<int>(begin),
                std::string(kParsingErrors) +
                    "line is not a section header, a key = value pair or a comment");
      return true;
    }
    const std::string_view key = value.substr(0, rskip_space(value, delim));
    if (key.empty()) {
      end_value();
      add_error(lineno, static_cast<int>(begin),
                std::string(kParsingErrors) + "missing key before '" + value[delim] + "'");
      return true;
    }
    const size_t value_begin = skip_space(value, delim + 1);
    end_value();
    set_entry(lower_ascii(key), value.substr(value_begin), lineno,
              static_cast<int>(begin + value_begin));
    return true;
  }

  void enter_section(std::string_view name, int lineno) {
    size_t index = kDefaultsIndex;
    if (name == kDefaultSection) {
      section_ = &defaults_;
      if (defaults_.line == 0) {
        defaults_.name = std::string(kDefaultSection);
        defaults_.source = source_;
        defaults_.line = lineno;
      }
    } else {
      auto [it, added] = section_index_.try_emplace(std::string(name), sections_.size());
      if (added) {
        Section section;
        section.name = std::string(name);
        section.source = source_;
        section.line = lineno;
        sections_.push_back(std::move(section));
      }
      index = it->second;
      section_ = &sections_[index];
    }
    keys_ = &key_index_[index];
  }

  void set_entry(std::string key, std::string_view value, int lineno, int column) {
    auto [it, added] = keys_->try_emplace(key, section_->entries.size());
    if (added) section_->entries.emplace_back();
    Entry& entry = section_->entries[it->second];
    entry.key = std::move(key);
    entry.value.assign(value);
    entry.source = source_;
    entry.line = lineno;
    entry.value_lines.assign(1, {lineno, column});
    entry_ = &entry;
  }

  // Trailing blank lines are not part of a value (ConfigParser rstrips it).
  void end_value() {
    entry_ = nullptr;
    pending_blank_lines_ = 0;
  }

  void add_error(int lineno, int column, std::string_view message) {
    errors_.push_back(render_error(Spot{source_, lineno, column}, message));
  }

  std::shared_ptr<const Source> source_;
  std::vector<Section>& sections_;
  Section& defaults_;
  std::unordered_map<std::string, size_t> section_index_;
  // Section index (kDefaultsIndex for [DEFAULT]) -> key -> position in its entries.
  // Indices, not pointers: sections_ reallocates as sections are added.
  std::unordered_map<size_t, std::unordered_map<std::string, size_t>> key_index_;
  Section* section_ = nullptr;
  std::unordered_map<std::string, size_t>* keys_ = nullptr;
  Entry* entry_ = nullptr;
  int indent_level_ = 0;
  int pending_blank_lines_ = 0;
  std::vector<std::string> errors_;
};

// Merges `from` into `into`: same-named sections merge, a later key replaces
// the earlier value where it stood.
void merge_section(Section& into, Section&& from) {
  std::unordered_map<std::string, size_t> keys;  // owned: entries reallocate
  for (size_t i = 0; i < into.entries.size(); ++i) keys.emplace(into.entries[i].key, i);
  for (Entry& entry : from.entries) {
    const auto it = keys.find(entry.key);
    if (it != keys.end()) {
      into.entries[it->second] = std::move(entry);
    } else {
      into.entries.push_back(std::move(entry));
      keys.emplace(into.entries.back().key, into.entries.size() - 1);
    }
  }
}

// Control bytes would corrupt the terminal and bytes that are not UTF-8 would garble it;
// each becomes one '?' (an invalid sequence counts as one column, as in caret_pad).
// Tabs stay so the caret lines up.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    const utf8::Step step = utf8::next(s, pos);
    const bool control = step.valid && ((step.code_point < 0x20 && step.code_point != '\t') ||
                                        step.code_point == 0x7f);
    if (!step.valid || control) {
      out += '?';
    } else {
      out.append(s.substr(pos, step.length));
    }
    pos += step.length;
  }
  return out;
}

// What goes under `before` so that a caret after it sits under the next character: one
// column per character as printable() shows it, tabs copied whatever their width.
std::string caret_pad(std::string_view before) {
  std::string out;
  for (size_t pos = 0; pos < before.size(); pos += utf8::next(before, pos).length) {
    out += before[pos] == '\t' ? '\t' : ' ';
  }
  return out;
}

size_t utf8_boundary(std::string_view s, size_t pos) {
  while (pos > 0 && pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xc0) == 0x80) --pos;
  return pos;
}

// Supervisor opens its config files in text mode and Python decodes them as UTF-8, strictly:
// one byte that is not UTF-8, in a section name, a value or a comment, and the whole file is
// refused ("'utf-8' codec can't decode byte 0xff in position 156: invalid start byte").
// Same here, with the line and a caret instead of a position. Accepting it would put the
// bytes into names and texts that every XML-RPC answer then carries.
// `ends_in_newline`: whether the text ends with a line terminator after its last line.
Status check_utf8(const std::shared_ptr<const Source>& source, bool ends_in_newline) {
  for (size_t i = 0; i < source->lines.size(); ++i) {
    const std::string& line = source->lines[i];
    const size_t bad = utf8::first_invalid(line);
    if (bad == std::string_view::npos) continue;
    std::string_view reason = utf8::next(line, bad).reason;
    // Python decodes the whole file: a sequence cut by a line end met "\n", not the end.
    if (reason == "unexpected end of data" && (i + 1 < source->lines.size() || ends_in_newline)) {
      reason = "invalid continuation byte";
    }
    char message[96];
    std::snprintf(message, sizeof message, "'utf-8' codec can't decode byte 0x%02x: %.*s",
                  static_cast<unsigned char>(line[bad]), static_cast<int>(reason.size()),
                  reason.data());
    return Status::fail(
        render_error(Spot{source, static_cast<int>(i + 1), static_cast<int>(bad)}, message));
  }
  return Status::success();
}

}  // namespace

const Entry* Section::find(std::string_view key) const {
  for (const Entry& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

Spot locate(const Entry& entry, size_t value_offset) {
  if (entry.value_lines.empty()) return Spot{entry.source, entry.line, 0};
  value_offset = std::min(value_offset, entry.value.size());
  const std::string_view value(entry.value);
  const size_t line_index =
      static_cast<size_t>(std::count(value.begin(), value.begin() + value_offset, '\n'));
  const size_t previous_newline = value.rfind('\n', value_offset == 0 ? 0 : value_offset - 1);
  const size_t line_begin =
      (line_index == 0 || previous_newline == std::string_view::npos) ? 0 : previous_newline + 1;
  const auto& [line, column] =
      entry.value_lines[std::min(line_index, entry.value_lines.size() - 1)];
  return Spot{entry.source, line, column + static_cast<int>(value_offset - line_begin)};
}

std::string render_error(const Spot& spot, std::string_view message) {
  if (!spot.source) return std::string(message);
  std::string out = spot.source->path;
  if (spot.line > 0) out += ":" + std::to_string(spot.line);
  out += ": ";
  out.append(message);
  if (spot.line <= 0 || static_cast<size_t>(spot.line) > spot.source->lines.size()) return out;

  const std::string_view line = spot.source->lines[static_cast<size_t>(spot.line - 1)];
  const size_t column = std::min(static_cast<size_t>(std::max(spot.column, 0)), line.size());
  size_t first = 0;
  size_t last = line.size();
  if (line.size() > kMaxShownLine) {
    first = utf8_boundary(line, column > kMaxShownLine / 2 ? column - kMaxShownLine / 2 : 0);
    last = utf8_boundary(line, std::min(line.size(), first + kMaxShownLine));
    if (last <= column) last = line.size();  // a window that missed the column: show the rest
  }
  const std::string lead = first > 0 ? "..." : "";
  out += '\n' + lead + printable(line.substr(first, last - first));
  if (last < line.size()) out += "...";
  out += '\n' + std::string(lead.size(), ' ');
  out += caret_pad(line.substr(first, column - first));
  out += '^';
  return out;
}

Status Document::parse(std::string_view text, const std::string& path) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  auto source = std::make_shared<Source>();
  source->path = path;
  source->lines = split_lines(text);
  const bool ends_in_newline = !text.empty() && (text.back() == '\n' || text.back() == '\r');
  if (Status status = check_utf8(source, ends_in_newline); !status) return status;

  // Parse into a scratch document so a file with errors leaves this one as it was.
  Document parsed;
  Parser parser(std::move(source), parsed.sections_, parsed.defaults_);
  if (Status status = parser.run(); !status) return status;

  if (parsed.defaults_.line != 0) {
    if (defaults_.line == 0) {
      defaults_.name = parsed.defaults_.name;
      defaults_.source = parsed.defaults_.source;
      defaults_.line = parsed.defaults_.line;
    }
    merge_section(defaults_, std::move(parsed.defaults_));
  }
  std::unordered_map<std::string, size_t> index;  // owned: sections_ reallocates
  for (size_t i = 0; i < sections_.size(); ++i) index.emplace(sections_[i].name, i);
  for (Section& section : parsed.sections_) {
    const auto it = index.find(section.name);
    if (it != index.end()) {
      merge_section(sections_[it->second], std::move(section));
    } else {
      sections_.push_back(std::move(section));
      index.emplace(sections_.back().name, sections_.size() - 1);
    }
  }
  return Status::success();
}

Status Document::parse_file(const std::string& path) {
  struct stat st {};
  // Supervisor checks existence first (os.path.exists), then opening.
  if (::stat(path.c_str(), &st) != 0) return Status::fail("could not find config file " + path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::fail("could not read config file " + path);
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Status::fail("could not read config file " + path);
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return parse(text, path);
}

const Section* Document::find(std::string_view name) const {
  for (const Section& section : sections_) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

Section* Document::find(std::string_view name) {
  for (Section& section : sections_) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

const Entry* Document::get(const Section& section, std::string_view key) const {
  if (const Entry* entry = section.find(key)) return entry;
  return defaults_.find(key);
}

std::vector<const Entry*> Document::items(const Section& section) const {
  std::vector<const Entry*> out;
  out.reserve(section.entries.size() + defaults_.entries.size());
  for (const Entry& entry : section.entries) out.push_back(&entry);
  if (&section == &defaults_) return out;
  for (const Entry& entry : defaults_.entries) {
    if (section.find(entry.key) == nullptr) out.push_back(&entry);
  }
  return out;
}

}  // namespace ini
