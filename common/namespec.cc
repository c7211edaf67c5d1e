#include "common/namespec.h"

#include <algorithm>

namespace namespec {

NameSpec parse(std::string_view name) {
  const size_t colon = name.find(':');
  if (colon == std::string_view::npos) return {std::string(name), std::string(name)};
  NameSpec spec{std::string(name.substr(0, colon)), std::string(name.substr(colon + 1))};
  // "g:" and "g:*" both name the group; "*" has no other wildcard meaning anywhere.
  if (spec.process->empty() || *spec.process == "*") spec.process.reset();
  return spec;
}

std::string make(std::string_view group, std::string_view process) {
  std::string name;
  name.reserve(group.size() + 1 + process.size());
  append(name, group, process);
  return name;
}

void append(std::string& out, std::string_view group, std::string_view process) {
  if (group != process) out.append(group).append(":");
  out.append(process);
}

bool mentions_all(const std::vector<std::string>& names) {
  return std::find(names.begin(), names.end(), "all") != names.end();
}

}  // namespace namespec
