// Pieces the `rune admin` commands share: the AdminService client, local
// input files (policies, registry credentials) and the 0600 file a token
// secret is written to.
//
//   RUNE_ASSIGN_OR_RETURN(SecretFile file, SecretFile::Create("ci.token"));  // before the RPC
//   RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
//   … admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::CreateToken, …)
//   RUNE_RETURN_IF_ERROR(file.Write(token + "\n"));
#ifndef RUNE_RUNE_ADMIN_COMMON_H_
#define RUNE_RUNE_ADMIN_COMMON_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proto/admin.grpc.pb.h"
#include "rune/connection.h"

namespace rune::cli {

struct AdminClient {
  std::unique_ptr<Connection> conn;
  std::unique_ptr<api::AdminService::Stub> stub;

  static absl::StatusOr<AdminClient> Connect(Invocation& inv);
};

// The whole of a local file, or of stdin for "-". Errors are LocalPathError
// (exit 2): M41 `path "<p>" does not exist`, or `path "<p>" cannot be read:
// <reason>`.
absl::StatusOr<std::string> ReadInput(Invocation& inv, const std::string& path);

// A file written atomically with mode 0600. Create() makes a temporary file
// beside `path` (so an unwritable location fails before a secret is issued);
// Write() fills it, syncs it and renames it over `path`. An unwritten file
// is removed, leaving any existing `path` untouched. Errors are
// OutputFileError `cannot write <path>: <reason>` (exit 1).
class SecretFile {
 public:
  static absl::StatusOr<SecretFile> Create(const std::string& path);
  SecretFile(SecretFile&& other) noexcept;
  SecretFile& operator=(SecretFile&& other) noexcept;
  ~SecretFile();

  absl::Status Write(const std::string& data);
  const std::string& path() const { return path_; }

 private:
  SecretFile(std::string path, std::string temp, int fd)
      : path_(std::move(path)), temp_(std::move(temp)), fd_(fd) {}

  std::string path_;
  std::string temp_;
  int fd_ = -1;
};

}  // namespace rune::cli

#endif  // RUNE_RUNE_ADMIN_COMMON_H_
