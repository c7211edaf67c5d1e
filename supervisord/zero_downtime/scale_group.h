// scale_group.h — scaling an instance group at run time (extension): one operation behind
// `supervisorctl scale` (supervisor.scaleGroup) and the web page's Scale form. The group
// is made again from the text it was loaded from with the new count (config::rescale),
// the count is remembered in the store (scaling::remember), and only the difference is
// started or stopped (Supervisor::apply). Depends on the facade, scaling and the store;
// must not depend on HTTP or XML-RPC.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "supervisord/process/process.h"

class Supervisor;
namespace store {
class Store;
}

namespace scaling {

struct Scaled {
  CommandStatus status;            // BAD_NAME, FAILED (not scalable), BAD_ARGUMENTS (count)
  int count = 0;                   // processes in the group afterwards
  std::vector<std::string> lines;  // what changed, as `supervisorctl scale` prints it
};

// `count_text`: "N", "+N" or "-N" (1..1000 processes in all). `done` runs once the
// processes added are started and those removed are stopped (or at once on an error).
void scale_group(Supervisor& s, store::Store& store, const std::string& name,
                 const std::string& count_text, std::function<void(Scaled)> done);

}  // namespace scaling
