#include "supervisord/rpc/outcome.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>

#include "supervisord/supervisor.h"

namespace rpc {

void answer(Supervisor& s, Outcome outcome, Reply reply) {
  if (auto* r = std::get_if<xmlrpc::Response>(&outcome)) return reply(std::move(*r));
  auto check = std::get<Pending>(std::move(outcome)).check;
  s.add_waiter([check = std::move(check), reply = std::move(reply)]() {
    auto r = check();
    if (!r) return false;
    reply(std::move(*r));
    return true;
  });
}

namespace {

xmlrpc::Value result_struct(const Targeted& t, const xmlrpc::Response& r) {
  int status = static_cast<int>(Fault::Success);
  std::string description = "OK";
  if (auto* f = std::get_if<xmlrpc::FaultValue>(&r)) {
    status = f->code;
    description = f->string;
  }
  return xmlrpc::Struct{
      {"name", t.name}, {"group", t.group}, {"status", status}, {"description", description}};
}

}  // namespace

void answer_all(Supervisor& s, std::vector<Targeted> items, Reply reply) {
  using Clock = std::chrono::steady_clock;
  struct Done {
    size_t index;
    Clock::time_point at;
    xmlrpc::Value result;
  };
  struct State {
    std::vector<Targeted> items;
    std::vector<size_t> pending;  // indexes into items
    xmlrpc::Array results;        // answered at once
    std::vector<Done> done;       // completed later, in completion order
    xmlrpc::Value answer() {
      constexpr auto kPoll = std::chrono::milliseconds(50);
      for (size_t b = 0; b < done.size();) {
        size_t e = b + 1;
        while (e < done.size() && done[e].at - done[b].at < kPoll) ++e;
        std::sort(done.begin() + static_cast<std::ptrdiff_t>(b),
                  done.begin() + static_cast<std::ptrdiff_t>(e),
                  [](const Done& x, const Done& y) { return x.index < y.index; });
        for (size_t i = b; i < e; ++i) results.push_back(std::move(done[i].result));
        b = e;
      }
      return xmlrpc::Value(std::move(results));
    }
  };
  auto st = std::make_shared<State>();
  st->items = std::move(items);
  for (size_t i = 0; i < st->items.size(); ++i) {
    const Targeted& t = st->items[i];
    if (auto* r = std::get_if<xmlrpc::Response>(&t.outcome)) {
      st->results.push_back(result_struct(t, *r));
    } else {
      st->pending.push_back(i);
    }
  }
  if (st->pending.empty()) return reply(st->answer());
  s.add_waiter([st, reply = std::move(reply)]() {
    for (auto it = st->pending.begin(); it != st->pending.end();) {
      const Targeted& t = st->items[*it];
      auto r = std::get<Pending>(t.outcome).check();
      if (r) {
        st->done.push_back({*it, Clock::now(), result_struct(t, *r)});
        it = st->pending.erase(it);
      } else {
        ++it;
      }
    }
    if (!st->pending.empty()) return false;
    reply(st->answer());
    return true;
  });
}

}  // namespace rpc
