#include "supervisord/rpc/outcome.h"

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
  return xmlrpc::Struct{{"name", t.name}, {"group", t.group}, {"status", status},
                        {"description", description}};
}

}  // namespace

void answer_all(Supervisor& s, std::vector<Targeted> items, Reply reply) {
  struct State {
    std::vector<Targeted> pending;
    xmlrpc::Array results;
  };
  auto st = std::make_shared<State>();
  for (auto& t : items) {
    if (auto* r = std::get_if<xmlrpc::Response>(&t.outcome)) st->results.push_back(result_struct(t, *r));
    else st->pending.push_back(std::move(t));
  }
  if (st->pending.empty()) return reply(xmlrpc::Value(std::move(st->results)));
  s.add_waiter([st, reply = std::move(reply)]() {
    for (auto it = st->pending.begin(); it != st->pending.end();) {
      auto r = std::get<Pending>(it->outcome).check();
      if (r) {
        st->results.push_back(result_struct(*it, *r));
        it = st->pending.erase(it);
      } else {
        ++it;
      }
    }
    if (!st->pending.empty()) return false;
    reply(xmlrpc::Value(std::move(st->results)));
    return true;
  });
}

}  // namespace rpc
