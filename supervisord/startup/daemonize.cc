// startup/daemonize.cc — see daemonize.h.
#include "supervisord/startup/daemonize.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace startup {

void daemonize(uv_loop_t* loop, const config::SupervisordConfig& sd, logs::DaemonLog& log) {
  log.info("daemonizing the supervisord process");
  pid_t pid = ::fork();
  if (pid < 0) {
    log.critical(std::string("could not fork: ") + std::strerror(errno));
    return;
  }
  if (pid > 0) ::_exit(0);
  uv_loop_fork(loop);
  if (sd.directory && ::chdir(sd.directory->c_str()) != 0)
    log.critical("can't chdir into " + *sd.directory + ": " + std::strerror(errno));
  int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    if (devnull > 2) ::close(devnull);
  }
  ::setsid();
  ::umask(sd.umask);
}

void write_pidfile(const std::string& path, logs::DaemonLog& log) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f || std::fprintf(f, "%d\n", static_cast<int>(::getpid())) < 0 || std::fclose(f) != 0) {
    log.critical("could not write pidfile " + path);
  }
}

void remove_pidfile(const std::string& path) {
  ::unlink(path.c_str());
}

}  // namespace startup
