#include "rune/sources.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace rune::cli {
namespace {

namespace fs = std::filesystem;

bool IsYamlName(const std::string& name) {
  return absl::EndsWith(name, ".yaml") || absl::EndsWith(name, ".yml") ||
         absl::EndsWith(name, ".json");
}

bool HasGlobChars(const std::string& arg) {
  return arg.find_first_of("*?[") != std::string::npos;
}

bool IsRemote(const std::string& arg) {
  return absl::StartsWith(arg, "https://") || absl::StartsWith(arg, "github.com/");
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsRunesetDirectory(const std::string& path) {
  struct stat st;
  return IsDirectory(path) && stat((fs::path(path) / "runeset.yaml").c_str(), &st) == 0;
}

// "deploy/" + "api.yaml" → "deploy/api.yaml"; "." + "a.yaml" → "./a.yaml".
std::string Join(const std::string& dir, const std::string& relative) {
  if (absl::EndsWith(dir, "/")) return dir + relative;
  return absl::StrCat(dir, "/", relative);
}

absl::Status MissingPath(const std::string& path) {
  return common::LocalPathError(absl::StrCat("path \"", path, "\" does not exist"));
}

class Expander {
 public:
  Expander(const SourceOptions& options, absl::string_view command_path)
      : options_(options), command_path_(command_path) {}

  absl::Status Add(const std::string& arg) {
    yielded_ = 0;
    if (arg == "-") {
      if (stdin_seen_) {
        return common::UsageError("stdin (-) can be given only once", command_path_);
      }
      stdin_seen_ = true;
      SourceFile f;
      f.name = std::string(kStdinName);
      f.is_stdin = true;
      out_.files.push_back(std::move(f));
      return absl::OkStatus();
    }
    if (absl::StartsWith(arg, "http://")) {
      return common::UsageError(
          absl::StrCat("insecure source \"", arg, "\": only https:// URLs are accepted"),
          command_path_);
    }
    if (IsRemote(arg)) {
      Runeset(arg);
      return absl::OkStatus();
    }
    struct stat st;
    if (stat(arg.c_str(), &st) != 0) {
      const int error = errno;
      if (HasGlobChars(arg)) {
        RUNE_RETURN_IF_ERROR(AddPattern(arg));
      } else if (error == ENOENT || error == ENOTDIR) {
        return MissingPath(arg);
      } else {
        return common::LocalPathError(
            absl::StrCat("path \"", arg, "\" cannot be read: ", std::strerror(error)));
      }
    } else if (S_ISDIR(st.st_mode)) {
      if (IsRunesetDirectory(arg)) {
        Runeset(arg);
        return absl::OkStatus();
      }
      RUNE_RETURN_IF_ERROR(AddDirectory(arg));
    } else if (absl::EndsWith(arg, ".tgz")) {
      Runeset(arg);
      return absl::OkStatus();
    } else {
      AddFile(arg, arg);
    }
    if (yielded_ == 0) {
      return common::LocalPathError(absl::StrCat("no YAML files found in \"", arg, "\""));
    }
    return absl::OkStatus();
  }

  ExpandedSources Take() { return std::move(out_); }

 private:
  void Runeset(const std::string& arg) {
    ++yielded_;
    if (!out_.runeset.has_value()) out_.runeset = arg;
  }

  void AddFile(const std::string& name, const std::string& path) {
    ++yielded_;
    if (!paths_.insert(fs::path(path).lexically_normal().string()).second) return;
    SourceFile f;
    f.name = name;
    f.path = path;
    out_.files.push_back(std::move(f));
  }

  absl::Status AddDirectory(const std::string& dir) {
    std::vector<std::string> found;
    std::error_code ec;
    if (options_.recursive) {
      fs::recursive_directory_iterator it(dir, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        if (IsYamlName(it->path().filename().string()) && fs::is_regular_file(it->path(), ec)) {
          found.push_back(fs::relative(it->path(), dir, ec).string());
        }
      }
    } else {
      fs::directory_iterator it(dir, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        if (IsYamlName(it->path().filename().string()) && fs::is_regular_file(it->path(), ec)) {
          found.push_back(it->path().filename().string());
        }
      }
    }
    if (ec) {
      return common::LocalPathError(
          absl::StrCat("path \"", dir, "\" cannot be read: ", ec.message()));
    }
    std::sort(found.begin(), found.end());
    for (const std::string& rel : found) AddFile(Join(dir, rel), Join(dir, rel));
    return absl::OkStatus();
  }

  absl::Status AddPattern(const std::string& pattern) {
    glob_t g;
    std::memset(&g, 0, sizeof(g));
    const int rc = glob(pattern.c_str(), 0, nullptr, &g);
    std::vector<std::string> matches;
    if (rc == 0) matches.assign(g.gl_pathv, g.gl_pathv + g.gl_pathc);
    globfree(&g);
    if (rc == GLOB_NOSPACE) return absl::ResourceExhaustedError("out of memory expanding a pattern");
    if (matches.empty()) {
      return common::LocalPathError(absl::StrCat("pattern \"", pattern, "\" matched no files"));
    }
    std::sort(matches.begin(), matches.end());
    for (const std::string& m : matches) {
      if (IsDirectory(m)) {
        if (IsRunesetDirectory(m)) {
          Runeset(m);
          continue;
        }
        RUNE_RETURN_IF_ERROR(AddDirectory(m));
          } else if (absl::EndsWith(m, ".tgz")) {
        Runeset(m);
      } else {
        AddFile(m, m);
      }
    }
    return absl::OkStatus();
  }

  const SourceOptions& options_;
  std::string command_path_;
  ExpandedSources out_;
  std::set<std::string> paths_;
  size_t yielded_ = 0;  // files (duplicates included) of the current argument
  bool stdin_seen_ = false;
};

}  // namespace

bool IsRunesetSource(const std::string& arg) {
  if (IsRemote(arg)) return true;
  if (absl::EndsWith(arg, ".tgz")) return true;
  return IsRunesetDirectory(arg);
}

absl::StatusOr<ExpandedSources> ExpandSources(const std::vector<std::string>& args,
                                              const SourceOptions& options,
                                              absl::string_view command_path) {
  Expander expander(options, command_path);
  for (const std::string& arg : args) {
    absl::Status s = expander.Add(arg);
    if (!s.ok()) return s;
  }
  return expander.Take();
}

absl::StatusOr<std::string> ReadSourceFile(const SourceFile& file, std::istream& in) {
  std::stringstream buffer;
  if (file.is_stdin) {
    buffer << in.rdbuf();
    return buffer.str();
  }
  std::ifstream stream(file.path, std::ios::binary);
  if (!stream) {
    if (errno == ENOENT) return MissingPath(file.name);
    return common::LocalPathError(
        absl::StrCat("path \"", file.name, "\" cannot be read: ", std::strerror(errno)));
  }
  buffer << stream.rdbuf();
  if (stream.bad()) {
    return common::LocalPathError(absl::StrCat("path \"", file.name, "\" cannot be read"));
  }
  return buffer.str();
}

absl::StatusOr<std::vector<SourceFile>> ExpandPlainSources(
    const common::cli::ParsedCommand& p, absl::string_view verb,
    std::initializer_list<const char*> runeset_flags, bool runeset_alone) {
  SourceOptions options;
  options.recursive = p.Bool("recursive");
  RUNE_ASSIGN_OR_RETURN(ExpandedSources sources, ExpandSources(p.args, options, p.CommandPath()));
  if (sources.runeset.has_value()) {
    if (runeset_alone && p.args.size() > 1) {
      return common::UsageError(absl::StrCat("a runeset must be the only source of ", verb),
                                p.CommandPath());
    }
    return common::NotImplementedError(absl::StrCat(verb, " of a runeset (", *sources.runeset, ")"));
  }
  for (const char* flag : runeset_flags) {
    if (p.IsSet(flag)) {
      return common::UsageError(
          absl::StrCat("flag --", flag, " is only valid with a runeset source"), p.CommandPath());
    }
  }
  return std::move(sources.files);
}

}  // namespace rune::cli
