// startup/privileges.cc — see privileges.h.
#include "supervisord/startup/privileges.h"

#include <grp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace startup {

// Drops privileges to [supervisord] user: after the config, before rlimits and the log.
Status drop_privileges(const config::SupervisordConfig& sd, EarlyNotes& notes) {
  if (!sd.user) {
    if (::getuid() == 0)
      notes.critical.push_back(
          "Supervisor is running as root.  Privileges were not dropped because no user is "
          "specified in the config file.  If you intend to run as root, you can set user=root "
          "in the config file to avoid this message.");
    return Status::success();
  }
  uid_t uid = sd.user->uid;
  if (uid == ::getuid()) return Status::success();
  if (::getuid() != 0) return Status::fail("Can't drop privilege as nonroot user");
  gid_t gid = sd.user->gid;
  if (::initgroups(sd.user->name.c_str(), gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)
    return Status::fail(std::string("Could not set user id: ") + std::strerror(errno));
  notes.info.push_back("Set uid to user " + std::to_string(uid) + " succeeded");
  return Status::success();
}

}  // namespace startup
