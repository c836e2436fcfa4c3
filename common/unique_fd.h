// A file descriptor owned by one object and closed when that object goes
// away (or is assigned another). Used by runed's HTTP clients (the Docker
// Engine client, the HTTPS client of registry logins).
//
//   UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
//   if (fd.get() < 0) return Errno(…);
//   connect(fd.get(), …);
//   int kept = fd.release();  // the caller closes it now
#ifndef RUNE_COMMON_UNIQUE_FD_H_
#define RUNE_COMMON_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace rune::common {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) close(fd_);
  }

  int get() const { return fd_; }
  // Gives up ownership: the descriptor stays open.
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace rune::common

#endif  // RUNE_COMMON_UNIQUE_FD_H_
