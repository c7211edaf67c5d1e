// testchild.cc — the one helper child binary for process tests (libuv's test-spawn style).
// Depends on nothing but libc. The mode is argv[1]:
//
//   exit CODE [DELAY_MS]       sleep DELAY_MS (default 0), then exit CODE
//   sleep                      sleep until killed
//   ignore-term                ignore SIGTERM, print "ready", then sleep until killed
//   env                        print the environment, one KEY=VALUE a line, exit 0
//   ids                        print cwd=, umask= (octal), uid=, gid=, groups=; exit 0
//   sigstate                   print SIGPIPE=/SIGXFSZ=/SIGTERM= ignored|default, and
//                              blocked= (count of blocked signals); exit 0
//   fds                        print the open fds (from /proc/self/fd), space-separated; exit 0
//   spew N out|err|both        write N bytes as lines of 'x' (64 per line) to stdout, stderr
//                              or both, then exit 0
//   workers N [ignore-term]    fork N workers that stay in this process group and sleep until
//                              killed (optionally ignoring SIGTERM); print "worker <pid>" per
//                              worker then "ready"; the master sleeps until killed. Workers
//                              outlive the master (no PDEATHSIG).
//   notify                     send READY=1 to $NOTIFY_SOCKET (datagram; '@' = abstract),
//                              then sleep until killed
//   marker PATH                write our pid to PATH, then sleep until killed
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <string>

extern char** environ;

namespace {

[[noreturn]] void sleep_forever() {
  for (;;) pause();
}

void ignore(int sig) {
  signal(sig, SIG_IGN);
}

void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

const char* disposition(int sig) {
  struct sigaction sa;
  sigaction(sig, nullptr, &sa);
  return sa.sa_handler == SIG_IGN ? "ignored" : sa.sa_handler == SIG_DFL ? "default" : "handled";
}

int usage() {
  fprintf(stderr, "testchild: unknown mode (see the top of tests/helpers/testchild.cc)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string mode = argv[1];
  setvbuf(stdout, nullptr, _IONBF, 0);

  if (mode == "exit" && argc >= 3) {
    if (argc >= 4) usleep(static_cast<useconds_t>(atoi(argv[3])) * 1000);
    return atoi(argv[2]);
  }
  if (mode == "sleep") sleep_forever();
  if (mode == "ignore-term") {
    ignore(SIGTERM);
    printf("ready\n");  // SIGTERM is ignored from here on
    fflush(stdout);
    sleep_forever();
  }
  if (mode == "env") {
    for (char** e = environ; *e; ++e) printf("%s\n", *e);
    return 0;
  }
  if (mode == "ids") {
    char cwd[4096];
    mode_t m = umask(0);
    printf("cwd=%s\numask=%03o\nuid=%d\ngid=%d\ngroups=", getcwd(cwd, sizeof cwd) ? cwd : "?", m,
           static_cast<int>(getuid()), static_cast<int>(getgid()));
    gid_t groups[256];
    int n = getgroups(256, groups);
    for (int i = 0; i < n; ++i) printf(i ? ",%d" : "%d", static_cast<int>(groups[i]));
    printf("\n");
    return 0;
  }
  if (mode == "sigstate") {
    sigset_t blocked;
    sigprocmask(SIG_SETMASK, nullptr, &blocked);
    int count = 0;
    for (int s = 1; s < NSIG; ++s) count += sigismember(&blocked, s) == 1;
    printf("SIGPIPE=%s\nSIGXFSZ=%s\nSIGTERM=%s\nblocked=%d\n", disposition(SIGPIPE),
           disposition(SIGXFSZ), disposition(SIGTERM), count);
    return 0;
  }
  if (mode == "fds") {
    std::string out;
    if (DIR* d = opendir("/proc/self/fd")) {
      int self = dirfd(d);
      while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == self) continue;
        out += out.empty() ? "" : " ";
        out += e->d_name;
      }
      closedir(d);
    }
    printf("%s\n", out.c_str());
    return 0;
  }
  if (mode == "spew" && argc >= 4) {
    long n = atol(argv[2]);
    std::string where = argv[3];
    std::string line(63, 'x');
    line += '\n';
    for (long left = n; left > 0; left -= 64) {
      size_t len = left >= 64 ? 64 : static_cast<size_t>(left);
      if (where == "out" || where == "both") write_all(1, line.data() + 64 - len, len);
      if (where == "err" || where == "both") write_all(2, line.data() + 64 - len, len);
    }
    return 0;
  }
  if (mode == "workers" && argc >= 3) {
    int n = atoi(argv[2]);
    bool stubborn = argc >= 4 && std::string(argv[3]) == "ignore-term";
    // Stubborn workers inherit SIG_IGN from the fork itself: set in the worker after the fork,
    // a SIGTERM sent just after "ready" could still find the default action there.
    if (stubborn) ignore(SIGTERM);
    for (int i = 0; i < n; ++i) {
      pid_t pid = fork();
      if (pid == 0) sleep_forever();
      if (pid > 0) printf("worker %d\n", static_cast<int>(pid));
    }
    if (stubborn) signal(SIGTERM, SIG_DFL);  // the master itself still stops on SIGTERM
    printf("ready\n");
    sleep_forever();
  }
  if (mode == "notify") {
    const char* path = getenv("NOTIFY_SOCKET");
    if (!path || !*path) return 3;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    socklen_t len = offsetof(sockaddr_un, sun_path) + strlen(path);
    if (path[0] == '@') addr.sun_path[0] = '\0';
    const char msg[] = "READY=1";
    if (sendto(fd, msg, sizeof msg - 1, 0, reinterpret_cast<sockaddr*>(&addr), len) < 0) return 4;
    close(fd);
    sleep_forever();
  }
  if (mode == "marker" && argc >= 3) {
    FILE* f = fopen(argv[2], "w");
    if (!f) return 5;
    fprintf(f, "%d\n", static_cast<int>(getpid()));
    fclose(f);
    sleep_forever();
  }
  return usage();
}
