// routes.h — what the HTTP server answers per path, as Supervisor's: POST /RPC2* is
// XML-RPC through the Dispatcher; GET /logtail/<name>[/stdout|/stderr] and /mainlogtail
// stream a log as it grows; /, /index.html, /tail.html and the rest of the web interface
// go to web::Site; GET /metrics is Prometheus's (extension). Everything else is 404.
#pragma once

#include <uv.h>

#include <memory>

#include "supervisord/rpc/dispatch.h"
#include "supervisord/rpc/responder.h"
#include "supervisord/web/site.h"

class Supervisor;

namespace rpc {

// The handler to give Server::set_handler. `dispatcher` and `supervisor` outlive it.
// `metrics`, when given, answers GET /metrics (the metrics room's Collector); `scale`,
// when given, is how the web page's Scale form scales a group (web::Site::set_scale).
Handler make_router(uv_loop_t* loop, const Dispatcher& dispatcher, Supervisor& supervisor,
                    Handler metrics = {}, web::Site::Scale scale = {});

}  // namespace rpc
