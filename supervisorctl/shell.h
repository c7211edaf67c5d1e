// shell.h — the interactive shell (supervisorctl with no command): libedit line editing with the
// `<prompt>> ` prompt, `status` on entry, history file, completion of commands and
// of group/process names. Owns: the read loop and completion candidates.
// Must not print command output itself (everything goes through Controller).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ctl {

class Controller;

// Python Controller.complete's candidates for the word `text` given the whole line
// buffer `line`; each candidate ends with a space, as Python's do.
std::vector<std::string> complete_candidates(Controller& c, std::string_view line,
                                             std::string_view text);

// Runs the shell until quit/exit/EOF/Ctrl-C. Always returns 0 (Python's interactive
// exit status).
int run_shell(Controller& c);

}  // namespace ctl
