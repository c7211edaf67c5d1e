// site.h — the web interface (Supervisor's status page, extended): which paths it
// answers, its actions and its live stream. Actions go through the facade exactly as the
// XML-RPC methods do; the live stream (server-sent events) is fed by Bus subscriptions
// held only while a page is open, so an idle daemon pays nothing. Owns the anti-forgery
// token its forms carry. Must not depend on sockets, XML-RPC or the store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "supervisord/rpc/responder.h"

class Supervisor;

namespace web {

class Site : public std::enable_shared_from_this<Site> {
 public:
  explicit Site(Supervisor& s);
  ~Site();
  Site(const Site&) = delete;
  Site& operator=(const Site&) = delete;

  // Answers `req` when its path is one of the interface's ("/", "/index.html",
  // "/tail.html", "/why.html", "/ok.html", the stylesheet, the script, "/events") and
  // returns true; false leaves it to the caller.
  bool serve(const http::Request& req, const std::shared_ptr<rpc::Responder>& r);

  const std::string& token() const { return token_; }

  // How the Scale form of a group row scales: (group, "N"|"+N"|"-N", done(message)).
  // The composition root gives it (scaling needs the store, which this room must not
  // know); without it the rows have no Scale form.
  using Scale = std::function<void(const std::string& group, const std::string& count,
                                   std::function<void(std::string message)> done)>;
  void set_scale(Scale scale) { scale_ = std::move(scale); }

 private:
  void serve_events(const std::shared_ptr<rpc::Responder>& r);
  void broadcast(const std::string& event);
  void drop_closed();

  Supervisor& s_;
  std::string token_;
  Scale scale_;
  std::vector<std::weak_ptr<rpc::Responder>> streams_;
  std::vector<uint64_t> subscriptions_;  // Bus ids, held while a stream is open
};

}  // namespace web
