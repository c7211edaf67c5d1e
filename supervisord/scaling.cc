// scaling.cc — instance counts from the store into the loader.
#include "supervisord/scaling.h"

#include <cctype>

#include "supervisord/store/store.h"

namespace scaling {
namespace {

const std::string kBaseSuffix = ":numprocs";

const config::ProcessConfig* first_process_of(const config::Config& c, const std::string& program) {
  for (const auto& g : c.groups)
    for (const auto& p : g->processes)
      if (p->program == program && p->kind == config::ProgramKind::Program) return p.get();
  return nullptr;
}

}  // namespace

void remember(store::Store& store, const std::string& program, int count, int file_numprocs) {
  if (count == file_numprocs) {
    store.forget_instance_count(program);
    store.forget_instance_count(program + kBaseSuffix);
    return;
  }
  store.set_instance_count(program, count);
  store.set_instance_count(program + kBaseSuffix, file_numprocs);
}

Result<std::shared_ptr<const config::Config>> load(const config::LoadOptions& base,
                                                   store::Store& store) {
  using R = Result<std::shared_ptr<const config::Config>>;
  config::LoadOptions lo = base;
  for (const auto& [key, count] : store.instance_counts())
    if (key.find(':') == std::string::npos) lo.instance_counts[key] = count;
  auto loaded = config::load(lo);
  if (!loaded) return R::fail(loaded.error());
  bool stale = false;
  for (auto it = lo.instance_counts.begin(); it != lo.instance_counts.end();) {
    const config::ProcessConfig* p = first_process_of(*loaded, it->first);
    auto recorded = store.instance_count(it->first + kBaseSuffix);
    if (!p || !recorded || *recorded != p->numprocs) {
      store.forget_instance_count(it->first);
      store.forget_instance_count(it->first + kBaseSuffix);
      it = lo.instance_counts.erase(it);
      stale = true;
    } else {
      ++it;
    }
  }
  if (stale) {
    loaded = config::load(lo);
    if (!loaded) return R::fail(loaded.error());
  }
  return std::shared_ptr<const config::Config>(
      std::make_shared<config::Config>(std::move(*loaded)));
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
