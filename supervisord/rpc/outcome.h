// outcome.h — a facade command's structured outcome as an XML-RPC answer: the call's
// fault, `true` for one process, or one result struct per process for the group forms
// ({name, group, status, description}, as Supervisor's make_allfunc answers them).
#pragma once

#include "common/xmlrpc.h"
#include "supervisord/supervisor.h"

namespace rpc {

xmlrpc::Response to_response(const Supervisor::Outcome& outcome);

}  // namespace rpc
