// scaling.cc — instance counts from the store applied to the loaded config model.
#include "supervisord/zero_downtime/scaling.h"

#include <cctype>
#include <map>
#include <optional>
#include <vector>

#include "supervisord/store/store.h"

namespace scaling {
namespace {

const std::string kBaseSuffix = ":numprocs";

void forget(store::Store& store, const std::string& program) {
  store.forget_instance_count(program);
  store.forget_instance_count(program + kBaseSuffix);
}

}  // namespace

void remember(store::Store& store, const std::string& program, int count, int file_numprocs) {
  if (count == file_numprocs) return forget(store, program);
  store.set_instance_count(program, count);
  store.set_instance_count(program + kBaseSuffix, file_numprocs);
}

std::shared_ptr<const config::Config> apply_counts(std::shared_ptr<const config::Config> loaded,
                                                   store::Store& store) {
  std::map<std::string, int> counts;  // a copy: forgetting changes the store's map
  for (const auto& [key, count] : store.instance_counts())
    if (key.find(':') == std::string::npos) counts[key] = count;
  const auto& groups = loaded->groups;
  std::shared_ptr<config::Config> out;  // copied at the first group that changes
  for (const auto& [program, count] : counts) {
    std::vector<size_t> made_of;  // the groups this [program:x] makes on its own
    std::optional<config::ScaleBase> base;
    for (size_t i = 0; i < groups.size(); ++i) {
      auto b = config::scale_base(*groups[i]);
      if (b && b->program == program) made_of.push_back(i), base = b;
    }
    auto recorded = store.instance_count(program + kBaseSuffix);
    if (!base || !recorded || *recorded != base->numprocs) {
      forget(store, program);
      continue;
    }
    std::vector<std::shared_ptr<const config::GroupConfig>> scaled;
    for (size_t i : made_of) {
      auto r = config::rescale(*groups[i], count);
      if (!r) {
        if (!out) out = std::make_shared<config::Config>(*loaded);
        out->warnings.push_back("instance count " + std::to_string(count) + " of " + program +
                                " forgotten: " + r.error());
        scaled.clear();
        forget(store, program);
        break;
      }
      scaled.push_back(*r);
    }
    if (scaled.empty()) continue;
    if (!out) out = std::make_shared<config::Config>(*loaded);
    for (size_t k = 0; k < made_of.size(); ++k) out->groups[made_of[k]] = scaled[k];
  }
  if (!out) return loaded;
  return out;
}

Result<std::shared_ptr<const config::Config>> load(const config::LoadOptions& base,
                                                   store::Store& store) {
  auto loaded = config::load(base);
  if (!loaded) return Result<std::shared_ptr<const config::Config>>::fail(loaded.error());
  return apply_counts(std::make_shared<const config::Config>(std::move(*loaded)), store);
}

Result<int> parse_count(const std::string& text, int current) {
  if (text.empty()) return Result<int>::fail("expected a count, +N or -N");
  size_t at = (text[0] == '+' || text[0] == '-') ? 1 : 0;
  if (at == text.size() || text.size() - at > 6)
    return Result<int>::fail("bad count '" + text + "'");
  int n = 0;
  for (size_t i = at; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i])))
      return Result<int>::fail("bad count '" + text + "'");
    n = n * 10 + (text[i] - '0');
  }
  if (text[0] == '+') return current + n;
  if (text[0] == '-') return current - n;
  return n;
}

}  // namespace scaling
