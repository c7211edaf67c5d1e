// dispatch.h — XML-RPC method table: resolves `namespace.method`, checks argument
// counts, runs the method and answers through a Reply that may be called later (calls
// that wait for a process state are answered from state-change events). Also
// system.listMethods / methodHelp / methodSignature / multicall (supervisord.org api.html).
// Knows nothing of HTTP or sockets.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/faults.h"
#include "common/xmlrpc.h"

namespace rpc {

using Reply = std::function<void(xmlrpc::Response)>;

inline xmlrpc::Response fault(Fault f, const std::string& detail = {}) {
  return xmlrpc::FaultValue{static_cast<int>(f), fault_string(f, detail)};
}

// BAD_NAME always carries the name it was given, "" included ("BAD_NAME: "), as
// Supervisor's RPCError(Faults.BAD_NAME, name).
inline xmlrpc::Response bad_name(const std::string& name) {
  return xmlrpc::FaultValue{static_cast<int>(Fault::BadName),
                            std::string(fault_name(Fault::BadName)) + ": " + name};
}

struct Method {
  // params already counted against min/max; the method still checks types.
  std::function<void(const xmlrpc::Array& params, Reply reply)> run;
  size_t min_args = 0;
  size_t max_args = 0;
  std::vector<std::string> signature;  // return type then param types
  std::string help;
};

class Dispatcher {
 public:
  void add(const std::string& name, Method m);
  void alias(const std::string& name, const std::string& target);
  // Runs `call`; `reply` is called exactly once (maybe later).
  void dispatch(const xmlrpc::Call& call, Reply reply) const;
  std::vector<std::string> names() const;
  bool has(const std::string& name) const { return methods_.count(name) != 0; }
  // Told of every call once answered: the method (its table name, "system.*", or "" for
  // a name not in the table) and the seconds from dispatch to answer (metrics).
  using Observer = std::function<void(const std::string& method, double seconds)>;
  void set_observer(Observer observer) { observer_ = std::move(observer); }

 private:
  void run(const xmlrpc::Call& call, Reply reply) const;
  Observer observer_;
  void multicall(const xmlrpc::Array& params, Reply reply) const;
  std::map<std::string, std::shared_ptr<const Method>> methods_;
};

}  // namespace rpc
