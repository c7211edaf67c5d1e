#include "supervisord/rpc/outcome.h"

#include "supervisord/rpc/dispatch.h"

namespace rpc {

xmlrpc::Response to_response(const Supervisor::Outcome& outcome) {
  if (outcome.status.fault == Fault::BadName) return bad_name(outcome.status.detail);
  if (!outcome.status.ok()) return fault(outcome.status.fault, outcome.status.detail);
  if (!outcome.many) return xmlrpc::Value(true);
  xmlrpc::Array out;
  out.reserve(outcome.each.size());
  for (const auto& e : outcome.each) {
    out.push_back(xmlrpc::Struct{
        {"name", e.name},
        {"group", e.group},
        {"status", static_cast<int>(e.status.fault)},
        {"description",
         e.status.ok() ? std::string("OK") : fault_string(e.status.fault, e.status.detail)}});
  }
  return xmlrpc::Value(std::move(out));
}

}  // namespace rpc
