#include "runed/secrets/kek.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "openssl/crypto.h"
#include "runed/secrets/envelope.h"
#include "runed/secrets/records.pb.h"

namespace rune::daemon::secrets {
namespace {

constexpr char kCheckName[] = "kek_check";
constexpr char kCheckAad[] = "meta|kek_check";
constexpr char kCheckPlaintext[] = "rune kek check v1";

std::string Errno() { return std::strerror(errno); }

// The key of an existing file, or nullopt when there is no file.
absl::StatusOr<std::optional<std::string>> ReadKeyFile(const std::string& path, Kek* kek) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return absl::InternalError(absl::StrCat("cannot read KEK file ", path, ": ", Errno()));
  }
  std::string text;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, static_cast<size_t>(n));
  const int read_errno = errno;
  struct stat st {};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  ::close(fd);
  if (n < 0) {
    return absl::InternalError(
        absl::StrCat("cannot read KEK file ", path, ": ", std::strerror(read_errno)));
  }
  if (stat_ok && (st.st_mode & 077) != 0) {
    kek->warnings.push_back(absl::StrFormat(
        "KEK file %s is accessible by group or others (mode %04o); run 'chmod 600 %s'", path,
        st.st_mode & 07777, path));
  }
  absl::StatusOr<std::string> key = DecodeKek(text, absl::StrCat("KEK file ", path));
  OPENSSL_cleanse(text.data(), text.size());
  RUNE_RETURN_IF_ERROR(key.status());
  return std::optional<std::string>(std::move(*key));
}

// Writes `key` as base64 to a new file `path` (mode 0600) and syncs it.
absl::Status WriteKeyFile(const std::string& path, const std::string& key) {
  const auto fail = [&path](const std::string& what) {
    return absl::InternalError(absl::StrCat("cannot create KEK file ", path, ": ", what));
  };
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errno());
  std::string text = absl::StrCat(absl::Base64Escape(key), "\n");
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  const std::string error = Errno();
  OPENSSL_cleanse(text.data(), text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return fail(error);
  }
  // Make the new directory entry durable too.
  const std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> ReadCheck(store::Store* store) {
  RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                        store->Get(store::kMeta, store::kSystemNamespace, kCheckName));
  if (!record.has_value()) return std::optional<std::string>();
  KekCheck check;
  if (!check.ParseFromString(record->value)) {
    return absl::DataLossError("corrupt record meta/kek_check");
  }
  return std::optional<std::string>(check.sealed());
}

bool Matches(const std::string& key, const std::string& sealed) {
  absl::StatusOr<std::string> opened = Open(key, sealed, kCheckAad);
  return opened.ok() && *opened == kCheckPlaintext;
}

absl::Status WriteCheck(store::Store* store, const std::string& key) {
  KekCheck check;
  RUNE_ASSIGN_OR_RETURN(*check.mutable_sealed(), Seal(key, kCheckPlaintext, kCheckAad));
  return store->Update([&](store::WriteTxn& txn) -> absl::Status {
    return txn.Put(store::kMeta, store::kSystemNamespace, kCheckName, check.SerializeAsString(), 0)
        .status();
  });
}

}  // namespace

absl::StatusOr<std::string> DecodeKek(absl::string_view text, absl::string_view where) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  std::string key;
  if (trimmed.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " must hold base64 of exactly 32 bytes (it is empty)"));
  }
  if (!absl::Base64Unescape(trimmed, &key)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " must hold base64 of exactly 32 bytes (not valid base64)"));
  }
  if (key.size() != kKeyBytes) {
    const size_t size = key.size();
    OPENSSL_cleanse(key.data(), key.size());
    return absl::InvalidArgumentError(absl::StrCat(
        where, " must hold base64 of exactly 32 bytes (it decodes to ", size, " bytes)"));
  }
  return key;
}

absl::StatusOr<Kek> SetUpKek(const common::RunefileKek& settings, absl::string_view data_dir,
                             const std::map<std::string, std::string>& env, store::Store* store) {
  Kek kek;
  if (settings.source == "generated") {
    kek.key = RandomBytes(kKeyBytes);
    kek.warnings.push_back("KEK source \"generated\": secrets will be unreadable after restart");
    RUNE_ASSIGN_OR_RETURN(std::optional<std::string> check, ReadCheck(store));
    if (check.has_value()) {
      kek.warnings.push_back(
          "secrets stored before this start were encrypted with another KEK and cannot be read");
    }
    return kek;
  }
  // The path of a key file this start has to create, once the store agrees.
  std::string create_path;
  if (settings.source == "env") {
    auto it = env.find(settings.env);
    if (it == env.end() || it->second.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "KEK source \"env\": environment variable ", settings.env, " is not set"));
    }
    RUNE_ASSIGN_OR_RETURN(kek.key,
                          DecodeKek(it->second, absl::StrCat("KEK environment variable ", settings.env)));
  } else if (settings.source == "file") {
    const std::string path =
        settings.file.empty() ? absl::StrCat(data_dir, "/kek.b64") : settings.file;
    RUNE_ASSIGN_OR_RETURN(std::optional<std::string> key, ReadKeyFile(path, &kek));
    if (key.has_value()) {
      kek.key = std::move(*key);
    } else if (settings.generate_if_missing) {
      kek.key = RandomBytes(kKeyBytes);
      create_path = path;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "KEK file ", path,
          " does not exist (secret.encryption.kek.generate_if_missing is false)"));
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "secret.encryption.kek.source: must be one of file, env, generated, got \"",
        settings.source, "\""));
  }

  RUNE_ASSIGN_OR_RETURN(std::optional<std::string> check, ReadCheck(store));
  if (check.has_value() && !Matches(kek.key, *check)) {
    if (!create_path.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          kKekMismatch, " (KEK file ", create_path, " is missing; restore it)"));
    }
    return absl::FailedPreconditionError(kKekMismatch);
  }
  // The key file exists on disk before any data depends on it.
  if (!create_path.empty()) RUNE_RETURN_IF_ERROR(WriteKeyFile(create_path, kek.key));
  if (!check.has_value()) RUNE_RETURN_IF_ERROR(WriteCheck(store, kek.key));
  return kek;
}

}  // namespace rune::daemon::secrets
