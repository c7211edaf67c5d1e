// loader_context.cc — option lookup with %(here)s pre-substitution, expansion with
// Supervisor's messages, and pinpoint error rendering.
#include "supervisord/config/loader_context.h"

#include "supervisord/config/schema.h"

namespace config {

size_t OptionText::source_offset(size_t offset) const {
  size_t shift = 0;
  for (const auto& [at, lengths] : substitutions) {
    const auto& [inserted, replaced] = lengths;
    if (offset < at) break;
    if (offset < at + inserted) return at - shift;
    shift += inserted - replaced;  // may wrap; only differences matter (unsigned arithmetic)
  }
  return offset - shift;
}

namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The option's text in `doc` (see LoadContext::option_text).
std::optional<OptionText> lookup(const ini::Document& doc, const std::string& cwd, bool has_include,
                                 const ini::Section& section, std::string_view key,
                                 const char* fallback) {
  const ini::Entry* entry = doc.get(section, key);
  if (!entry) {
    if (!fallback) return std::nullopt;
    return OptionText{nullptr, fallback, {}};
  }
  OptionText out{entry, entry->value, {}};
  if (!has_include) return out;
  // Supervisor replaces the literal %(here)s of every value by the directory of the file
  // the section came from, before any expansion (only when an [include] section exists).
  bool own = false;  // else inherited from [DEFAULT]: it takes the section's file
  for (const auto& e : section.entries) own = own || &e == entry;
  const auto& source = own ? entry->source : section.source;
  if (!source) return out;
  std::string abs_dir = dir_of(source->path);
  if (abs_dir.empty() || abs_dir[0] != '/') {
    abs_dir = values::normalize_path((cwd.empty() ? "" : cwd + "/") + abs_dir);
  }
  static constexpr std::string_view kHere = "%(here)s";
  std::string replaced;
  size_t pos = 0;
  const std::string& v = entry->value;
  while (true) {
    auto hit = v.find(kHere, pos);
    if (hit == std::string::npos) break;
    replaced.append(v, pos, hit - pos);
    out.substitutions.push_back({replaced.size(), {abs_dir.size(), kHere.size()}});
    replaced += abs_dir;
    pos = hit + kHere.size();
  }
  if (out.substitutions.empty()) return out;
  replaced.append(v, pos, std::string::npos);
  out.text = std::move(replaced);
  return out;
}

}  // namespace

std::optional<OptionText> LoadContext::option_text(const ini::Section& section,
                                                   std::string_view key,
                                                   const char* fallback) const {
  return lookup(doc, cwd, has_include, section, key, fallback);
}

std::optional<OptionText> SectionSource::option_text(const ini::Section& section,
                                                     std::string_view key,
                                                     const char* fallback) const {
  return lookup(*doc, cwd, has_include, section, key, fallback);
}

expand::Scope SectionSource::program_scope(const std::string& program,
                                           const std::string& group) const {
  expand::Scope a = env;
  a.set("here", here);
  a.set("program_name", program);
  a.set("host_node_name", host);
  a.set("group_name", group);
  a.set("cpu_count", static_cast<int64_t>(cpus));  // extension
  return a;
}

Result<std::string> LoadContext::expand(const ini::Section& section, std::string_view key,
                                        const OptionText& text, const expand::Scope& scope,
                                        const std::string& python_name) {
  auto result = expand::expand(text.text, scope);
  if (auto* ok = std::get_if<std::string>(&result)) return std::move(*ok);
  const auto& error = std::get<expand::ExpandError>(result);
  return Result<std::string>::fail(
      at_text(section, key, text, text.source_offset(error.offset),
              expand::error_text(error, text.text, python_name, scope)));
}

Result<std::string> LoadContext::expand_again(const ini::Section& section, std::string_view key,
                                              const OptionText& text, const std::string& once,
                                              const expand::Scope& scope,
                                              std::string_view python_name) {
  auto result = expand::expand(once, scope);
  if (auto* ok = std::get_if<std::string>(&result)) return std::move(*ok);
  const auto& error = std::get<expand::ExpandError>(result);
  size_t offset = text.entry ? text.entry->value.find("%%") : std::string::npos;
  if (offset == std::string::npos) offset = 0;
  return Result<std::string>::fail(
      at_text(section, key, text, offset, expand::error_text(error, once, python_name, scope)));
}

std::string LoadContext::at_text(const ini::Section& section, std::string_view key,
                                 const OptionText& text, size_t offset, std::string_view message) {
  if (!text.entry) return at_section(section, key, message);
  std::string prefix = "[" + section.name + "] " + std::string(key) + ": ";
  return ini::render_error(ini::locate(*text.entry, offset), prefix + std::string(message));
}

std::string LoadContext::at_section(const ini::Section& section, std::string_view key,
                                    std::string_view message) {
  std::string prefix = "[" + section.name + "] ";
  if (!key.empty()) prefix += std::string(key) + ": ";
  if (!section.source) return prefix + std::string(message);
  ini::Spot spot{section.source, section.line, 0};
  return ini::render_error(spot, prefix + std::string(message));
}

}  // namespace config
