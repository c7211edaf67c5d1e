// methods_zero_downtime.h — extension XML-RPC methods for instance groups (zero-downtime
// issue): supervisor.rollingRestart(name, batch, pause_seconds) and
// supervisor.scaleGroup(name, count). Additive: no Supervisor method changes.
#pragma once

#include <functional>
#include <memory>

#include "common/result.h"
#include "supervisord/config/model.h"
#include "supervisord/rpc/dispatch.h"

class Supervisor;
namespace store {
class Store;
}

namespace rpc {

void register_zero_downtime_methods(Dispatcher& d, Supervisor& s, store::Store& store);

}  // namespace rpc
