// main.cc — supervisorctl's entry: options, then one command (exit with its
// status) or the interactive shell (exit 0). Nothing else lives here.
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <string>

#include "common/text_io.h"
#include "supervisorctl/client.h"
#include "supervisorctl/controller.h"
#include "supervisorctl/interrupt.h"
#include "supervisorctl/options.h"
#include "supervisorctl/shell.h"

namespace {

bool g_shell = false;  // set before the shell starts; read by the handler

void on_sigint(int) {
  if (ctl::g_catch_interrupt) {
    ctl::g_interrupted = true;
    if (int fd = ctl::g_interrupt_wake; fd >= 0) (void)!::write(fd, "i", 1);
    return;
  }
  if (g_shell) {  // Python: KeyboardInterrupt leaves cmdloop, prints "", exits 0
    (void)!::write(1, "\n", 1);
    ::_exit(0);
  }
  // One-shot command: die by SIGINT, as Python does after its traceback.
  ::signal(SIGINT, SIG_DFL);
  ::raise(SIGINT);
}

// One write(2) for the whole text (a 10,000-line status is 690 KB: fwrite made it two),
// after anything still in the stream's buffer.
void write_to(std::FILE* f, std::string_view s) {
  std::fflush(f);
  textio::write_all(::fileno(f), s);
}

// input()/getpass(): the prompt, then one line from the terminal.
std::optional<std::string> ask(std::string_view prompt, bool secret) {
  // getpass() prompts on the terminal, or on stderr when there is none.
  write_to(secret && !::isatty(0) ? stderr : stdout, prompt);
  termios saved{};
  bool restore = false;
  if (secret && ::isatty(0) && ::tcgetattr(0, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(0, TCSAFLUSH, &quiet) == 0;
  }
  auto line = ctl::input_line();
  if (restore) {
    ::tcsetattr(0, TCSAFLUSH, &saved);
    write_to(stdout, "\n");
  }
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string argv0 = argc > 0 ? argv[0] : "supervisorctl";
  auto realized = ctl::realize(argv0, args);
  if (!realized) {
    write_to(stderr, ctl::usage_error_text(argv0, realized.error()));
    return 2;
  }
  if (realized->help) {
    write_to(stdout, ctl::usage_text(argv0));
    return 0;
  }

  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking reads return EINTR so Ctrl-C is seen
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ctl::Io io;
  io.write = [](std::string_view s) { write_to(stdout, s); };
  io.write_err = [](std::string_view s) { write_to(stderr, s); };
  io.ask = ask;
  ctl::RpcMaker maker = [](const ctl::Options& o) {
    return ctl::socket_rpc_factory(o.serverurl, ctl::Credentials{o.username, o.password})();
  };
  ctl::Options options = std::move(realized->options);
  bool interactive = options.interactive;
  std::vector<std::string> command = options.args;
  ctl::Controller controller(std::move(options), maker, io);

  if (!command.empty()) {
    std::string line;
    for (const auto& a : command) {
      if (!line.empty()) line += ' ';
      line += a;
    }
    controller.onecmd(line);
    return controller.exit_status();
  }
  if (interactive) {
    g_shell = true;
    return ctl::run_shell(controller);
  }
  return 0;
}
