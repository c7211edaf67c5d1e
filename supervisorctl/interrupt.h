// interrupt.h — Ctrl-C as Python's KeyboardInterrupt. Where the ctl waits on the
// user or on a stream (shell prompt, tail -f, maintail -f, fg) it holds a
// CatchInterrupt and polls g_interrupted to end that wait cleanly; anywhere else
// (a blocking RPC) main.cc's handler ends the program at once, as Python's
// uncaught KeyboardInterrupt does. Depends on nothing but <atomic>.
#pragma once

#include <atomic>
#include <optional>
#include <string>

namespace ctl {

extern std::atomic<bool> g_interrupted;      // set by SIGINT while caught
extern std::atomic<bool> g_catch_interrupt;  // a CatchInterrupt is alive
extern std::atomic<int> g_interrupt_wake;    // the handler writes a byte here (-1: none)

// A descriptor that becomes readable when SIGINT is caught (a self-pipe): a wait that
// poll()s it with its own fd cannot miss a Ctrl-C that lands just before the wait starts,
// as a blocking read() relying on EINTR can. -1 if the pipe cannot be made.
int interrupt_fd();
void drain_interrupt_fd();

// One byte of stdin; -1 at end of input, on an error, or when Ctrl-C was caught — whether
// it came during the wait or just before it (the interrupt fd stays readable).
int read_stdin_byte();

// Python's input() on stdin, without the prompt: one line without its newline; at end of
// input (or Ctrl-C) the part read so far, or nullopt when nothing was.
std::optional<std::string> input_line();

class CatchInterrupt {
 public:
  CatchInterrupt() {
    drain_interrupt_fd();
    g_interrupted = false;
    g_catch_interrupt = true;
  }
  ~CatchInterrupt() { g_catch_interrupt = false; }
  CatchInterrupt(const CatchInterrupt&) = delete;
  CatchInterrupt& operator=(const CatchInterrupt&) = delete;
};

}  // namespace ctl
