#include "rune/admin_common.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace rune::cli {
namespace {

absl::Status CannotWrite(const std::string& path, int err) {
  return common::OutputFileError(absl::StrCat("cannot write ", path, ": ", std::strerror(err)));
}

}  // namespace

absl::StatusOr<std::string> ReadInput(Invocation& inv, const std::string& path) {
  if (path == "-") {
    std::stringstream buffer;
    buffer << inv.in().rdbuf();
    return buffer.str();
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    return common::LocalPathError(absl::StrCat("path \"", path, "\" does not exist"));
  }
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  if (!file) {
    return common::LocalPathError(
        absl::StrCat("path \"", path, "\" cannot be read: ", std::strerror(errno)));
  }
  return buffer.str();
}

absl::StatusOr<AdminClient> AdminClient::Connect(Invocation& inv) {
  AdminClient c;
  RUNE_ASSIGN_OR_RETURN(c.conn, cli::Connect(inv));
  c.stub = api::AdminService::NewStub(c.conn->channel());
  return c;
}

absl::StatusOr<SecretFile> SecretFile::Create(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string temp = absl::StrCat(dir, slash == std::string::npos ? "/" : "", ".", base, ".XXXXXX");
  const int fd = mkostemp(temp.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) return CannotWrite(path, errno);
  return SecretFile(path, std::move(temp), fd);
}

SecretFile::SecretFile(SecretFile&& other) noexcept
    : path_(std::move(other.path_)), temp_(std::move(other.temp_)), fd_(other.fd_) {
  other.fd_ = -1;
  other.temp_.clear();
}

SecretFile& SecretFile::operator=(SecretFile&& other) noexcept {
  std::swap(path_, other.path_);
  std::swap(temp_, other.temp_);
  std::swap(fd_, other.fd_);
  return *this;
}

SecretFile::~SecretFile() {
  if (fd_ >= 0) close(fd_);
  if (!temp_.empty()) unlink(temp_.c_str());
}

absl::Status SecretFile::Write(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return CannotWrite(path_, errno);
    done += static_cast<size_t>(n);
  }
  if (fsync(fd_) != 0) return CannotWrite(path_, errno);
  close(fd_);
  fd_ = -1;
  if (rename(temp_.c_str(), path_.c_str()) != 0) return CannotWrite(path_, errno);
  temp_.clear();
  return absl::OkStatus();
}

}  // namespace rune::cli
