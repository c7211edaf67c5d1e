// uvx_handle_test.cc — the libuv handle owner on a real loop: freed in the close callback
// (never before), closed by its destructor, movable, closed once; the loop-end check sees
// a handle left open.
#include <doctest/doctest.h>

#include <utility>
#include <vector>

#include "supervisord/uvx/handle.h"
#include "tests/unit/in_child.h"

namespace {

struct Loop {
  uv_loop_t loop;
  Loop() { uv_loop_init(&loop); }
  ~Loop() {
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

}  // namespace

TEST_CASE("close_frees_in_the_callback_then_runs_closed") {
  Loop l;
  size_t before = uvx::live_handles();
  uvx::Handle<uv_timer_t> t;
  CHECK(!t);
  REQUIRE(t.init(&l.loop, uv_timer_init).ok());
  CHECK(t);
  CHECK(uvx::live_handles() == before + 1);
  CHECK(uvx::open_handles(&l.loop) == "timer");
  int closed = 0;
  t.close([&] { ++closed; });
  CHECK(!t);
  // Handed to uv_close, not yet freed: the callback comes from the loop.
  CHECK(closed == 0);
  CHECK(uvx::live_handles() == before + 1);
  uv_run(&l.loop, UV_RUN_NOWAIT);
  CHECK(closed == 1);
  CHECK(uvx::live_handles() == before);
  CHECK(uvx::open_handles(&l.loop).empty());
}

TEST_CASE("the_destructor_closes_a_handle_still_open") {
  Loop l;
  size_t before = uvx::live_handles();
  {
    uvx::Handle<uv_idle_t> idle;
    REQUIRE(idle.init(&l.loop, uv_idle_init).ok());
    uv_idle_start(idle.get(), [](uv_idle_t*) {});
  }
  CHECK(uvx::live_handles() == before + 1);  // closing, freed by the callback
  uv_run(&l.loop, UV_RUN_NOWAIT);
  CHECK(uvx::live_handles() == before);
  CHECK(uvx::open_handles(&l.loop).empty());
}

TEST_CASE("a_move_transfers_the_handle_and_move_assignment_closes_the_old_one") {
  Loop l;
  size_t before = uvx::live_handles();
  uvx::Handle<uv_timer_t> a, b;
  REQUIRE(a.init(&l.loop, uv_timer_init).ok());
  uv_timer_t* raw = a.get();
  uvx::Handle<uv_timer_t> c(std::move(a));
  CHECK(!a);  // NOLINT: moved-from is empty on purpose
  CHECK(c.get() == raw);
  REQUIRE(b.init(&l.loop, uv_timer_init).ok());
  b = std::move(c);  // b's own timer is closed
  CHECK(b.get() == raw);
  CHECK(uvx::live_handles() == before + 2);
  uv_run(&l.loop, UV_RUN_NOWAIT);
  CHECK(uvx::live_handles() == before + 1);
  CHECK(uvx::open_handles(&l.loop) == "timer");
  // Handles in a container move with it.
  std::vector<uvx::Handle<uv_timer_t>> many;
  many.push_back(std::move(b));
  for (int i = 0; i < 8; ++i) {
    many.emplace_back();
    REQUIRE(many.back().init(&l.loop, uv_timer_init).ok());
  }
  CHECK(many.front().get() == raw);
  CHECK(uvx::open_handles(&l.loop) == "timer x9");
  many.clear();
  uv_run(&l.loop, UV_RUN_NOWAIT);
  CHECK(uvx::live_handles() == before);
}

TEST_CASE("close_is_idempotent_and_runs_closed_once") {
  Loop l;
  uvx::Handle<uv_timer_t> t;
  t.close([] { FAIL("an empty handle has nothing to close"); });
  REQUIRE(t.init(&l.loop, uv_timer_init).ok());
  int closed = 0;
  t.close([&] { ++closed; });
  t.close([&] { ++closed; });
  uv_run(&l.loop, UV_RUN_NOWAIT);
  t.close([&] { ++closed; });
  CHECK(closed == 1);
}

TEST_CASE("closed_may_free_the_object_holding_the_handle") {
  Loop l;
  struct Holder {
    uvx::Handle<uv_timer_t> timer;
    bool* freed;
    ~Holder() { *freed = true; }
  };
  bool freed = false;
  auto* h = new Holder{{}, &freed};
  REQUIRE(h->timer.init(&l.loop, uv_timer_init).ok());
  h->timer.close([h] { delete h; });
  CHECK(!freed);
  uv_run(&l.loop, UV_RUN_NOWAIT);
  CHECK(freed);
}

TEST_CASE("a_failed_init_leaves_nothing_open_and_says_why") {
  Loop l;
  size_t before = uvx::live_handles();
  uvx::Handle<uv_poll_t> p;
  Status st = p.init(&l.loop, uv_poll_init, -1);  // not a descriptor
  CHECK(!st.ok());
  CHECK(!st.error().empty());
  CHECK(!p);
  CHECK(uvx::live_handles() == before);
  CHECK(uvx::open_handles(&l.loop).empty());
}

TEST_CASE("a_pending_write_is_cancelled_before_the_memory_goes") {
  Loop l;
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  uvx::Handle<uv_pipe_t> p;
  REQUIRE(p.init(&l.loop, uv_pipe_init, 0).ok());
  REQUIRE(uv_pipe_open(p.get(), fds[1]) == 0);
  // Fill the pipe so the next write stays queued.
  std::string big(1 << 20, 'x');
  uv_buf_t buf = uv_buf_init(big.data(), static_cast<unsigned>(big.size()));
  uv_write_t req;
  int status = 1;
  req.data = &status;
  REQUIRE(uv_write(&req, reinterpret_cast<uv_stream_t*>(p.get()), &buf, 1,
                   [](uv_write_t* r, int s) { *static_cast<int*>(r->data) = s; }) == 0);
  bool closed = false;
  p.close([&] {
    CHECK(status == UV_ECANCELED);  // the request's callback came first
    closed = true;
  });
  uv_run(&l.loop, UV_RUN_NOWAIT);
  CHECK(closed);
  ::close(fds[0]);
}

TEST_CASE("the_loop_end_check_names_a_handle_left_open") {
  auto [status, err] = in_child([] {
    uv_loop_t loop;
    uv_loop_init(&loop);
    uvx::Handle<uv_timer_t> forgotten;
    (void)forgotten.init(&loop, uv_timer_init);
    uvx::Handle<uv_check_t> also;
    (void)also.init(&loop, uv_check_init);
    uv_run(&loop, UV_RUN_DEFAULT);  // returns: nothing is active
    uvx::check_all_closed(&loop);
  });
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
  CHECK(err.find("libuv handles left open at loop end: check, timer") != std::string::npos);
  CHECK(err.find("owned handles not freed: 2") != std::string::npos);

  auto [clean, nothing] = in_child([] {
    uv_loop_t loop;
    uv_loop_init(&loop);
    uvx::Handle<uv_timer_t> t;
    (void)t.init(&loop, uv_timer_init);
    t.close();
    uv_run(&loop, UV_RUN_DEFAULT);
    uvx::check_all_closed(&loop);
  });
  CHECK(WIFEXITED(clean));
  CHECK(nothing.empty());
}
