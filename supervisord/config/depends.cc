// depends.cc — resolving depends_on items and the cycle check (a depth-first walk).
#include "supervisord/config/depends.h"

#include <algorithm>
#include <map>

#include "common/namespec.h"

namespace config::depends {

std::vector<const ProcessConfig*> resolve(const Groups& groups, std::string_view item) {
  std::vector<const ProcessConfig*> out;
  namespec::NameSpec spec = namespec::parse(item);
  bool whole = spec.whole_group() || spec.process == "*";
  for (const auto& g : groups) {
    if (g->name != spec.group) continue;
    for (const auto& p : g->processes)
      if (whole || p->name == *spec.process) out.push_back(p.get());
    // A bare name that is not a process of its group names the group.
    if (out.empty() && !whole && item.find(':') == std::string_view::npos)
      for (const auto& p : g->processes) out.push_back(p.get());
    break;
  }
  return out;
}

std::string display_name(const ProcessConfig& process) {
  return namespec::make(process.group, process.name);
}

bool any(const Groups& groups) {
  for (const auto& g : groups)
    for (const auto& p : g->processes)
      if (!p->depends_on.empty()) return true;
  return false;
}

namespace {

struct Walk {
  const Groups& groups;
  std::map<const ProcessConfig*, int> color;  // absent: new, 1: on the path, 2: done
  std::vector<const ProcessConfig*> path;
  const ProcessConfig* cycle_start = nullptr;

  // A cycle through `p`, spelt out, or "".
  std::string visit(const ProcessConfig* p) {
    color[p] = 1;
    path.push_back(p);
    for (const auto& item : p->depends_on) {
      for (const ProcessConfig* d : resolve(groups, item)) {
        auto c = color.find(d);
        if (c != color.end() && c->second == 1) {
          auto from = std::find(path.begin(), path.end(), d);
          cycle_start = d;
          std::string text;
          for (auto it = from; it != path.end(); ++it) text += display_name(**it) + " -> ";
          return text + display_name(*d);
        }
        if (c == color.end()) {
          if (std::string cycle = visit(d); !cycle.empty()) return cycle;
        }
      }
    }
    path.pop_back();
    color[p] = 2;
    return {};
  }
};

}  // namespace

std::optional<Problem> check(const Groups& groups) {
  for (const auto& g : groups) {
    for (const auto& p : g->processes) {
      for (const auto& item : p->depends_on) {
        if (item.empty()) continue;
        auto named = resolve(groups, item);
        if (named.empty())
          return Problem{p.get(), item, "no program or group named " + item + " to depend on"};
        if (std::find(named.begin(), named.end(), p.get()) != named.end())
          return Problem{p.get(), item, display_name(*p) + " depends on itself (" + item + ")"};
      }
    }
  }
  Walk walk{groups, {}, {}, nullptr};
  for (const auto& g : groups) {
    for (const auto& p : g->processes) {
      if (walk.color.count(p.get())) continue;
      std::string cycle = walk.visit(p.get());
      if (cycle.empty()) continue;
      // The line blamed is the depends_on of the process the cycle starts from.
      return Problem{walk.cycle_start, "", "dependency cycle: " + cycle};
    }
  }
  return std::nullopt;
}

}  // namespace config::depends
