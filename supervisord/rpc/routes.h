// routes.h — what the HTTP server answers per path, as Supervisor's: POST /RPC2* is
// XML-RPC through the Dispatcher; GET /logtail/<name>[/stdout|/stderr] and /mainlogtail
// stream a log as it grows; /, /index.html, /tail.html and the rest of the web interface
// go to web::Site; GET /metrics is Prometheus's (extension). Everything else is 404.
#pragma once

#include <uv.h>

#include <memory>

#include "supervisord/rpc/dispatch.h"
#include "supervisord/rpc/responder.h"

class Supervisor;

namespace rpc {

// The handler to give Server::set_handler. `dispatcher` and `supervisor` outlive it.
// `metrics`, when given, answers GET /metrics (the metrics room's Collector).
Handler make_router(uv_loop_t* loop, const Dispatcher& dispatcher, Supervisor& supervisor,
                    Handler metrics = {});

}  // namespace rpc
