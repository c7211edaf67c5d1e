#include "supervisord/rpc/dispatch.h"

#include <algorithm>
#include <chrono>

namespace rpc {

void Dispatcher::add(const std::string& name, Method m) {
  methods_[name] = std::make_shared<const Method>(std::move(m));
}

void Dispatcher::alias(const std::string& name, const std::string& target) {
  methods_[name] = methods_.at(target);
}

namespace {

// The system.* methods' help (Supervisor's docstrings, as its methodHelp answers them)
// and signatures.
struct SystemMethod {
  const char* name;
  std::vector<std::string> signature;
  const char* help;
};

const std::vector<SystemMethod>& system_methods() {
  static const std::vector<SystemMethod> table = {
      {"system.listMethods",
       {"array"},
       " Return an array listing the available method names\n\n"
       "        @return array result  An array of method names available (strings).\n"
       "        "},
      {"system.methodHelp",
       {"string", "string"},
       " Return a string showing the method's documentation\n\n"
       "        @param string name   The name of the method.\n"
       "        @return string result The documentation for the method name.\n"
       "        "},
      {"system.methodSignature",
       {"array", "string"},
       " Return an array describing the method signature in the\n"
       "        form [rtype, ptype, ptype...] where rtype is the return data type\n"
       "        of the method, and ptypes are the parameter data types that the\n"
       "        method accepts in method argument order.\n\n"
       "        @param string name  The name of the method.\n"
       "        @return array result  The result.\n"
       "        "},
      {"system.multicall",
       {"array", "array"},
       "Process an array of calls, and return an array of\n"
       "        results. Calls should be structs of the form {'methodName':\n"
       "        string, 'params': array}. Each result will either be a\n"
       "        single-item array containing the result value, or a struct of\n"
       "        the form {'faultCode': int, 'faultString': string}. This is\n"
       "        useful when you need to make lots of small calls without lots\n"
       "        of round trips.\n\n"
       "        @param array calls  An array of call requests\n"
       "        @return array result  An array of results\n"
       "        "},
  };
  return table;
}

const SystemMethod* find_system_method(const std::string& name) {
  for (const auto& m : system_methods())
    if (name == m.name) return &m;
  return nullptr;
}

}  // namespace

std::vector<std::string> Dispatcher::names() const {
  std::vector<std::string> out;
  for (const auto& [name, m] : methods_) out.push_back(name);
  for (const auto& m : system_methods()) out.push_back(m.name);
  std::sort(out.begin(), out.end());
  return out;
}

void Dispatcher::dispatch(const xmlrpc::Call& call, Reply reply) const {
  if (!observer_) return run(call, std::move(reply));
  // A name outside the table is reported as "", so a client cannot grow the label set.
  const std::string& name = call.method;
  bool known = has(name) || find_system_method(name) != nullptr;
  run(call,
      [observer = observer_, method = known ? name : std::string(),
       began = std::chrono::steady_clock::now(), reply = std::move(reply)](xmlrpc::Response r) {
        observer(method,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
        reply(std::move(r));
      });
}

void Dispatcher::run(const xmlrpc::Call& call, Reply reply) const {
  const std::string& name = call.method;
  const auto& params = call.params;
  auto count_ok = [&](size_t lo, size_t hi) {
    if (params.size() < lo || params.size() > hi) {
      reply(fault(Fault::IncorrectParameters));
      return false;
    }
    return true;
  };
  if (name == "system.listMethods") {
    if (!count_ok(0, 0)) return;
    xmlrpc::Array a;
    for (auto& n : names()) a.emplace_back(n);
    return reply(xmlrpc::Value(std::move(a)));
  }
  if (name == "system.methodHelp" || name == "system.methodSignature") {
    if (!count_ok(1, 1)) return;
    if (!params[0].is_string()) return reply(fault(Fault::IncorrectParameters));
    const std::string& target = params[0].as_string();
    std::string help;
    const std::vector<std::string>* signature = nullptr;
    if (const SystemMethod* sm = find_system_method(target)) {
      help = sm->help;
      signature = &sm->signature;
    } else if (auto it = methods_.find(target); it != methods_.end()) {
      help = it->second->help;
      signature = &it->second->signature;
    } else {
      return reply(fault(Fault::SignatureUnsupported));
    }
    if (name == "system.methodHelp") return reply(xmlrpc::Value(std::move(help)));
    xmlrpc::Array sig;
    for (auto& t : *signature) sig.emplace_back(t);
    return reply(xmlrpc::Value(std::move(sig)));
  }
  if (name == "system.multicall") {
    if (!count_ok(1, 1)) return;
    return multicall(params, std::move(reply));
  }
  auto it = methods_.find(name);
  if (it == methods_.end()) return reply(fault(Fault::UnknownMethod));
  const Method& m = *it->second;
  if (!count_ok(m.min_args, m.max_args)) return;
  m.run(params, std::move(reply));
}

namespace {

struct Multicall {
  const Dispatcher* dispatcher;
  xmlrpc::Array calls;
  xmlrpc::Array results;
  size_t next = 0;
  Reply reply;
};

xmlrpc::Value fault_struct(int code, const std::string& text) {
  return xmlrpc::Value(xmlrpc::Struct{{"faultCode", code}, {"faultString", text}});
}

// Runs the remaining calls in order. A call answered at once continues the loop; a
// deferred one returns, and its answer resumes from here. The pending answer owns the
// state; nothing refers to this frame after it returns.
void multicall_continue(std::shared_ptr<Multicall> st) {
  while (st->next < st->calls.size()) {
    const xmlrpc::Value& c = st->calls[st->next++];
    const xmlrpc::Value* mname = c.is_struct() ? c.get("methodName") : nullptr;
    if (!mname || !mname->is_string()) {
      st->results.push_back(
          fault_struct(static_cast<int>(Fault::IncorrectParameters),
                       fault_string(Fault::IncorrectParameters, "No methodName")));
      continue;
    }
    if (mname->as_string() == "system.multicall") {
      st->results.push_back(fault_struct(
          static_cast<int>(Fault::IncorrectParameters),
          fault_string(Fault::IncorrectParameters, "Recursive system.multicall forbidden")));
      continue;
    }
    xmlrpc::Call call{mname->as_string(), {}};
    if (const xmlrpc::Value* p = c.get("params"); p && p->is_array()) call.params = p->as_array();
    auto in_dispatch = std::make_shared<bool>(true);
    auto answered = std::make_shared<bool>(false);
    st->dispatcher->dispatch(call, [st, in_dispatch, answered](xmlrpc::Response r) {
      if (auto* f = std::get_if<xmlrpc::FaultValue>(&r))
        st->results.push_back(fault_struct(f->code, f->string));
      else  // not wrapped in a one-element array, unlike Python's stdlib
        st->results.push_back(std::move(std::get<xmlrpc::Value>(r)));
      if (*in_dispatch)
        *answered = true;
      else
        multicall_continue(st);
    });
    *in_dispatch = false;
    if (!*answered) return;
  }
  st->reply(xmlrpc::Value(std::move(st->results)));
}

}  // namespace

// Calls run in order; a deferred call holds back the ones after it (as Supervisor).
void Dispatcher::multicall(const xmlrpc::Array& params, Reply reply) const {
  if (!params[0].is_array()) return reply(fault(Fault::IncorrectParameters));
  auto st = std::make_shared<Multicall>();
  st->dispatcher = this;
  st->calls = params[0].as_array();
  st->reply = std::move(reply);
  multicall_continue(std::move(st));
}

}  // namespace rpc
