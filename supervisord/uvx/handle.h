// handle.h — the one owner of libuv handles (docs/ARCHITECTURE.md, "Who owns what").
// A uvx::Handle<T> holds one heap-allocated libuv handle T (uv_timer_t, uv_poll_t,
// uv_pipe_t, uv_tcp_t, ..., or a union of them whose members all start as a uv_handle_t):
// it allocates and initialises it, and close() hands it to uv_close and frees the memory
// in the close callback, never before. Every uv_close of the daemon goes through here.
// Closing is idempotent; the destructor closes a handle that is still open. The Handle
// object itself may be gone by the time the callback runs (the callback touches only the
// heap block), so `closed` may free the object that held the Handle.
// A process-wide count of open owned handles, and a walk of a loop's handles, let the
// daemon check at loop end that nothing was left open.
// Must not depend on: anything in supervisord/ but common/.
#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "common/result.h"

namespace uvx {

namespace detail {
// Owned handles allocated and not yet freed by their close callback.
extern size_t live;
// The heap block: the handle first, so the uv_handle_t* the close callback gets is the
// block; then what runs once it is freed.
template <class T>
struct Block {
  T handle;
  std::function<void()>* closed = nullptr;  // set by close(); null = nothing to run
};
}  // namespace detail

// Owned handles not yet freed (opened by init, freed in their close callback).
inline size_t live_handles() {
  return detail::live;
}

template <class T>
class Handle {
  static_assert(std::is_standard_layout_v<T>, "a libuv handle type (a C struct)");

 public:
  Handle() = default;
  ~Handle() { close(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      close();
      block_ = std::exchange(other.block_, nullptr);
    }
    return *this;
  }

  // Allocates the handle and runs `init(loop, handle, args...)` (uv_timer_init,
  // uv_poll_init with an fd, uv_pipe_init with ipc=0, ...). On failure nothing is left
  // open (libuv registers a handle only once its init succeeds) and the Handle stays
  // empty. A Handle already open is closed first.
  template <class Init, class... Args>
  Status init(uv_loop_t* loop, Init init, Args&&... args) {
    close();
    auto* b = new detail::Block<T>{};
    int rc = init(loop, &b->handle, std::forward<Args>(args)...);
    if (rc != 0) {
      delete b;
      return Status::fail(uv_strerror(rc));
    }
    ++detail::live;
    block_ = b;
    return Status::success();
  }

  T* get() const { return block_ ? &block_->handle : nullptr; }
  T* operator->() const { return get(); }
  explicit operator bool() const { return block_ != nullptr; }
  uv_handle_t* handle() const { return reinterpret_cast<uv_handle_t*>(get()); }

  // uv_close; the memory is freed in the close callback, then `closed` runs. Callbacks of
  // requests still pending on the handle (writes, connects) run before it, with
  // UV_ECANCELED. Nothing happens on an empty (never opened, moved-from or already
  // closed) Handle: `closed` then does not run.
  void close(std::function<void()> closed = {}) {
    detail::Block<T>* b = std::exchange(block_, nullptr);
    if (!b) return;
    if (closed) b->closed = new std::function<void()>(std::move(closed));
    uv_close(reinterpret_cast<uv_handle_t*>(&b->handle), &Handle::on_closed);
  }

 private:
  static void on_closed(uv_handle_t* h) {
    auto* b = reinterpret_cast<detail::Block<T>*>(h);
    std::unique_ptr<std::function<void()>> closed(b->closed);
    delete b;
    --detail::live;
    if (closed) (*closed)();
  }

  detail::Block<T>* block_ = nullptr;
};

// Closes each of `handles` still open; `done` runs once the last one's callback has (at
// once, before returning, when none was open).
template <class... Ts>
void close_all(std::function<void()> done, Handle<Ts>&... handles) {
  struct Pending {
    int left = 0;
    std::function<void()> done;
  };
  auto pending = std::make_shared<Pending>(Pending{0, std::move(done)});
  auto one_closed = [pending] {
    if (--pending->left == 0 && pending->done) pending->done();
  };
  ((handles ? (++pending->left, handles.close(one_closed)) : void()), ...);
  if (pending->left == 0 && pending->done) pending->done();
}

// The handles still open on `loop`, by type: "" when none, else e.g. "timer x2, poll".
// libuv's own internal handles are not listed.
std::string open_handles(uv_loop_t* loop);

// At loop end (the last uv_run has returned): every handle on `loop` is closed and every
// owned handle freed. Fails INVARIANT (common/invariant.h) naming what is left otherwise.
void check_all_closed(uv_loop_t* loop);

}  // namespace uvx
