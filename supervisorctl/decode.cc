// decode.cc — see decode.h.
#include "supervisorctl/decode.h"

#include <string>

namespace ctl {
namespace {

// The generic rules, on a Value.
std::string str_field(const xmlrpc::Value& v, std::string_view key) {
  const xmlrpc::Value* f = v.get(key);
  if (f == nullptr) return "";
  if (f->is_string()) return f->as_string();
  if (f->is_int()) return std::to_string(f->as_int());
  return "";
}

int64_t int_field(const xmlrpc::Value& v, std::string_view key) {
  const xmlrpc::Value* f = v.get(key);
  if (f == nullptr) return 0;
  if (f->is_int()) return f->as_int();
  if (f->is_bool()) return f->as_bool() ? 1 : 0;
  return 0;
}

// The same rules, on a member as the scan hands it over.
void set_str(std::string& field, const xmlrpc::MemberValue& v) {
  using Kind = xmlrpc::MemberValue::Kind;
  if (v.kind == Kind::String) {
    field.assign(v.text);
  } else if (v.kind == Kind::Int) {
    field = std::to_string(v.number);
  } else {
    field.clear();
  }
}

void set_int(int64_t& field, const xmlrpc::MemberValue& v) {
  using Kind = xmlrpc::MemberValue::Kind;
  field = v.kind == Kind::Int || v.kind == Kind::Bool ? v.number : 0;
}

class ProcInfoSink final : public xmlrpc::StructArraySink {
 public:
  explicit ProcInfoSink(std::vector<ProcInfo>& out) : out_(out) {}

  void start_struct() override { out_.emplace_back(); }

  // By length first: most of getAllProcessInfo's 14 names differ in it.
  void member(std::string_view name, const xmlrpc::MemberValue& v) override {
    ProcInfo& p = out_.back();
    switch (name.size()) {
      case 3:
        if (name == "pid") return set_int(p.pid, v);
        if (name == "now") return set_int(p.now, v);
        return;
      case 4:
        if (name == "name") return set_str(p.name, v);
        if (name == "stop") return set_int(p.stop, v);
        return;
      case 5:
        if (name == "group") return set_str(p.group, v);
        if (name == "start") return set_int(p.start, v);
        if (name == "state") {
          int64_t state = 0;
          set_int(state, v);
          p.state = static_cast<int>(state);
        }
        return;
      case 8:
        if (name == "spawnerr") return set_str(p.spawnerr, v);
        return;
      case 9:
        if (name == "statename") return set_str(p.statename, v);
        return;
      case 10:
        if (name == "exitstatus") return set_int(p.exitstatus, v);
        return;
      case 11:
        if (name == "description") return set_str(p.description, v);
        return;
      default:
        return;  // logfile, stdout_logfile, stderr_logfile, anything new
    }
  }

 private:
  std::vector<ProcInfo>& out_;
};

}  // namespace

ProcInfo proc_info_from(const xmlrpc::Value& v) {
  ProcInfo p;
  p.name = str_field(v, "name");
  p.group = str_field(v, "group");
  p.state = static_cast<int>(int_field(v, "state"));
  p.statename = str_field(v, "statename");
  p.description = str_field(v, "description");
  p.pid = int_field(v, "pid");
  p.spawnerr = str_field(v, "spawnerr");
  p.exitstatus = int_field(v, "exitstatus");
  p.start = int_field(v, "start");
  p.stop = int_field(v, "stop");
  p.now = int_field(v, "now");
  return p;
}

ResultRow result_row_from(const xmlrpc::Value& v) {
  return {str_field(v, "name"), str_field(v, "group"), static_cast<int>(int_field(v, "status")),
          str_field(v, "description")};
}

bool decode_process_infos(std::string_view xml, std::vector<ProcInfo>& out) {
  out.clear();
  // A row as the daemons write it takes ~1,090 bytes: room for as many saves the regrowth
  // moves (10% of the decoding at 10,000 rows), and never over-reserves by much.
  out.reserve(xml.size() / 1024);
  ProcInfoSink sink(out);
  if (xmlrpc::scan_struct_array(xml, sink)) return true;
  out.clear();
  return false;
}

}  // namespace ctl
