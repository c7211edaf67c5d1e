// follower.cc — see follower.h.
#include "supervisord/logs/follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace logs {

Result<std::unique_ptr<Follower>> Follower::start(uv_loop_t* loop, const std::string& path,
                                                  DataCallback on_data, int64_t head) {
  using R = Result<std::unique_ptr<Follower>>;
  std::unique_ptr<Follower> f(new Follower(path, std::move(on_data)));
  size_t slash = path.rfind('/');
  f->dir_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  f->base_ = slash == std::string::npos ? path : path.substr(slash + 1);
  if (!f->open_file()) return R::fail("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(f->fd_, &st) == 0 && st.st_size > head) f->pos_ = st.st_size - head;

  Status watched = f->watch_.init(loop, uv_fs_event_init);
  if (watched) {
    f->watch_->data = f.get();
    int rc = uv_fs_event_start(f->watch_.get(), &Follower::on_fs_event, f->dir_.c_str(), 0);
    if (rc != 0) watched = Status::fail(uv_strerror(rc));
  }
  if (!watched) {
    f->close();
    return R::fail("cannot watch '" + f->dir_ + "': " + watched.error());
  }
  f->read_new(f->fd_);
  return f;
}

Follower::~Follower() {
  close();
}

void Follower::close() {
  watch_.close();  // stops the watch at once
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Follower::open_file() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  pos_ = 0;
  return true;
}

void Follower::read_new(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return;
  if (st.st_size < pos_) {
    // Truncated in place (clearLog, copytruncate, backups=0 rotation): say so and start over.
    pos_ = 0;
    if (!on_data_(kTruncatedNotice)) paused_ = true;
  }
  char buf[65536];
  while (pos_ < st.st_size) {
    ssize_t n = ::pread(fd, buf, sizeof buf, pos_);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pos_ += n;
    // The callback may close() us: stop touching members once it has.
    if (!on_data_(std::string_view(buf, static_cast<size_t>(n)))) paused_ = true;
    if (fd_ != fd || paused_) return;
  }
}

void Follower::resume() {
  paused_ = false;
  check();
}

void Follower::check() {
  if (fd_ < 0 || paused_) return;
  read_new(fd_);
  if (fd_ < 0) return;
  struct stat by_path {};
  if (::stat(path_.c_str(), &by_path) != 0) return;  // between rename and recreate
  if (static_cast<uint64_t>(by_path.st_dev) == dev_ &&
      static_cast<uint64_t>(by_path.st_ino) == ino_)
    return;
  // Rotated: the old inode was drained above; the new file is read from its start.
  if (paused_) return;  // the old inode is not drained yet
  if (open_file()) read_new(fd_);
}

void Follower::on_fs_event(uv_fs_event_t* handle, const char* filename, int /*events*/,
                           int status) {
  auto* self = static_cast<Follower*>(handle->data);
  if (self == nullptr || status != 0) return;
  // The directory watch reports every file in it; only ours matters (a null name means
  // the kernel queue overflowed: look anyway).
  if (filename != nullptr && self->base_ != filename) return;
  self->check();
}

}  // namespace logs
