// decode.h — XML-RPC answers turned into the plain structs render.h prints. Owns the
// field rules (a missing or mistyped member is "" or 0, an int where text is wanted its
// digits) and the direct decoder of getAllProcessInfo's answer.
// Must not depend on sockets or on the commands.
#pragma once

#include <string_view>
#include <vector>

#include "common/xmlrpc.h"
#include "supervisorctl/render.h"

namespace ctl {

ProcInfo proc_info_from(const xmlrpc::Value& v);
ResultRow result_row_from(const xmlrpc::Value& v);

// getAllProcessInfo's answer straight from its bytes into `out`, no Value tree: one pass
// (xmlrpc::scan_struct_array), names matched by length, ints read in place, text copied
// once. Gives the rows proc_info_from would give for each element of the array
// parse_response decodes. false (out emptied) for anything else — a fault, another value,
// an element that is not a struct, XML the one-pass reader leaves to the tree decoder — and
// the caller decodes it the generic way (decode_reply).
bool decode_process_infos(std::string_view xml, std::vector<ProcInfo>& out);

}  // namespace ctl
