#include "supervisord/rpc/routes.h"

#include <sys/stat.h>

#include "common/namespec.h"
#include "common/xmlrpc.h"
#include "supervisord/logs/daemon_log.h"
#include "supervisord/logs/follower.h"
#include "supervisord/rpc/util.h"
#include "supervisord/supervisor.h"

namespace rpc {
namespace {

void serve_rpc(const Dispatcher& d, Supervisor& s, const http::Request& req,
               std::shared_ptr<Responder> responder) {
  if (req.method != "POST") return responder->respond_error(400);
  // The size bound ([supervisord] http_request_maxbytes) was applied while reading. The
  // body is parsed in its own buffer, then freed: a deferred answer (a start waiting for
  // startsecs) would otherwise keep it alive until then.
  std::string body = responder->take_body();
  auto call = xmlrpc::parse_call_in_place(body);
  body = std::string();
  if (!call) {
    s.log().error("XML-RPC request data could not be parsed: " + call.error());
    return responder->respond_error(400);
  }
  d.dispatch(*call, [responder](xmlrpc::Response r) {
    if (!responder->alive()) return;
    if (auto* f = std::get_if<xmlrpc::FaultValue>(&r))
      responder->respond_xml(xmlrpc::encode_fault(f->code, f->string));
    else
      responder->respond_xml(
          xmlrpc::encode_response(std::get<xmlrpc::Value>(std::move(r)), http::kHeadRoom));
  });
}

void serve_tail(uv_loop_t* loop, const std::string& path, std::shared_ptr<Responder> responder) {
  struct stat st;
  if (path.empty() || path == "syslog" || ::stat(path.c_str(), &st) != 0)
    return responder->respond_error(404);
  responder->start_stream(
      200, {{"Content-Type", "text/plain;charset=utf-8"}, {"X-Accel-Buffering", "no"}});
  std::weak_ptr<Responder> weak = responder;
  // The follower delivers the last 1024 bytes at once, then what is appended; a client
  // that reads slower than the log grows pauses it, so the bytes wait in the file, not in
  // memory, until the client has drained.
  auto follower = logs::Follower::start(loop, path, [weak](std::string_view data) {
    auto r = weak.lock();
    if (!r) return true;
    r->write(data);
    return !r->congested();
  });
  if (!follower) return responder->finish();
  // The follower lives until the client goes away.
  auto shared = std::shared_ptr<logs::Follower>(std::move(*follower));
  responder->on_drained([shared]() { shared->resume(); });
  responder->on_close([shared]() { shared->close(); });
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int h = http::hex_digit(s[i + 1]), l = http::hex_digit(s[i + 2]);
      if (h >= 0 && l >= 0) {
        out += static_cast<char>(h * 16 + l);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

Handler make_router(uv_loop_t* loop, const Dispatcher& dispatcher, Supervisor& supervisor,
                    Handler metrics, web::Site::Scale scale) {
  auto site = std::make_shared<web::Site>(supervisor);
  site->set_scale(std::move(scale));
  return [loop, &dispatcher, &supervisor, site, metrics](const http::Request& req,
                                                         std::shared_ptr<Responder> responder) {
    std::string path = req.path;
    if (auto q = path.find('?'); q != std::string::npos) path = path.substr(0, q);
    if (path.rfind("/RPC2", 0) == 0) return serve_rpc(dispatcher, supervisor, req, responder);
    if (site->serve(req, responder)) return;  // the web interface (web/site.h)
    if (req.method != "GET") return responder->respond_error(400);
    if (path == "/metrics" && metrics) return metrics(req, responder);
    if (path == "/mainlogtail") return serve_tail(loop, supervisor.log().path(), responder);
    if (path.rfind("/logtail/", 0) == 0) {
      std::string rest = percent_decode(path.substr(9));
      std::string channel = "stdout";
      if (auto slash = rest.find('/'); slash != std::string::npos) {
        channel = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
      }
      auto inst = supervisor.find(rest);
      if (!inst || (channel != "stdout" && channel != "stderr"))
        return responder->respond_error(404);
      return serve_tail(loop, inst->log_path(channel == "stderr"), responder);
    }
    responder->respond_error(404);
  };
}

}  // namespace rpc
