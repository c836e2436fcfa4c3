// Runs one golden CLI case (SPEC §2.8) and compares, or rewrites, its
// expected stdout, stderr and exit code.
//
//   golden_runner --rune=rune/rune --runed=runed/runed --case=testdata/cli/version
//   golden_runner ... --update --workspace=$BUILD_WORKSPACE_DIRECTORY
//
// A case directory holds:
//   cmd        the arguments of rune, one per line ("" stands for an empty one)
//   env        optional KEY=VALUE lines added to the environment
//   stdin      optional standard input (else /dev/null)
//   server     optional: "real" (default: a real runed on a free loopback
//              port), "fake" (the scripted fake of fake.yaml) or "none"
//   auth       optional, real server: "root" (default: the runner bootstraps
//              runed and sets RUNE_TOKEN_FILE=${TMP}/root.token) or "none"
//              (a fresh runed, no token)
//   runefile   optional, real server: runed's runefile (${TMP} substituted)
//   setup      optional, real server: rune command lines run before cmd,
//              one per line, arguments separated by spaces; each must exit 0,
//              or fail when the line starts with "! "
//   fake.yaml  the fake runed's script
//   files/     optional fixtures, copied into the case's temporary directory
//   stdout, stderr, exit_code   the expectations
// In cmd and env, ${GRPC} is the server's address, ${HTTP} runed's HTTP
// address and ${TMP} the temporary directory (also $HOME). Redactions happen
// here, never by loosening expectations: request IDs, UUIDs, instance IDs,
// token secrets and masked tokens, RFC 3339 times, elapsed times of RPCs, the temporary
// directory, server ports, AGE table cells (also the last cell of --no-headers rows), the
// start time in deletion operation IDs.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "re2/re2.h"
#include "testing/fake_runed/fake_runed.h"

namespace fs = std::filesystem;

namespace {

struct Result {
  std::string out;
  std::string err;
  int exit_code = -1;
};

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

bool WriteFile(const fs::path& path, const std::string& data) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << data;
  return static_cast<bool>(file);
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (std::string& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts `argv` with `env`; stdin from `stdin_path`, stdout/stderr to fds.
pid_t Spawn(std::vector<std::string> argv, std::vector<std::string> env, const std::string& stdin_path,
            int out_fd, int err_fd) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int in = open(stdin_path.c_str(), O_RDONLY);
  dup2(in, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> a = CStrings(argv);
  std::vector<char*> e = CStrings(env);
  execve(a[0], a.data(), e.data());
  _exit(127);
}

// Runs to completion, collecting stdout and stderr (60 s limit).
Result RunCaptured(std::vector<std::string> argv, std::vector<std::string> env,
                   const std::string& stdin_path) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) return {};
  const pid_t pid = Spawn(std::move(argv), std::move(env), stdin_path, out_pipe[1], err_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  Result r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (open_fds > 0 && absl::Now() < deadline) {
    if (poll(fds, 2, 1000) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[65536];
      const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  if (open_fds > 0) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  for (pollfd& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  return r;
}

// A real runed on loopback port 0; its addresses come from sd_notify.
class RealRuned {
 public:
  bool Start(const std::string& runed, const fs::path& tmp, const std::string& runefile) {
    const std::string socket_name = absl::StrCat("@rune-golden-", getpid(), "-", absl::ToUnixNanos(absl::Now()));
    const int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_name.data(), socket_name.size());
    addr.sun_path[0] = '\0';
    const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_name.size());
    if (bind(sock, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
      std::cerr << "golden: cannot bind the notify socket: " << std::strerror(errno) << "\n";
      return false;
    }
    WriteFile(tmp / "runefile.yaml", runefile);
    log_path_ = tmp / "runed.log";
    const int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = Spawn({runed, "--config", (tmp / "runefile.yaml").string(), "--grpc-addr", "127.0.0.1:0",
                  "--http-addr", "127.0.0.1:0", "--data-dir", (tmp / "data").string(), "--debug",
                  "--stop-instances-on-exit"},
                 {"PATH=/usr/bin:/bin", "HOME=" + tmp.string(), "NOTIFY_SOCKET=" + socket_name},
                 "/dev/null", log, log);
    close(log);
    std::string message;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      pollfd p{sock, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) {
        int status;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        continue;
      }
      char buf[4096];
      const ssize_t n = recv(sock, buf, sizeof(buf), 0);
      if (n > 0) message.assign(buf, static_cast<size_t>(n));
      if (absl::StrContains(message, "READY=1")) break;
    }
    close(sock);
    if (!RE2::PartialMatch(message, R"(grpc=(\S+) http=(\S+))", &grpc_, &http_)) {
      std::cerr << "golden: runed did not report ready; its log:\n"
                << ReadFile(log_path_).value_or("") << "\n";
      return false;
    }
    return true;
  }

  // SIGTERM, then expects a clean exit 0 (SPEC §5.3).
  bool Stop() {
    if (pid_ <= 0) return false;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::cerr << "golden: runed did not shut down cleanly (status " << status << "); its log:\n"
                << ReadFile(log_path_).value_or("") << "\n";
      return false;
    }
    return true;
  }

  ~RealRuned() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  std::string grpc_;
  std::string http_;

 private:
  pid_t pid_ = -1;
  fs::path log_path_;
};

// `headerless`: the command ran with --no-headers, so a table row's AGE cell
// cannot be found by its header; an age-shaped last cell is redacted instead.
std::string Redact(std::string text, const fs::path& tmp, const std::vector<std::string>& addresses,
                   bool headerless) {
  text = absl::StrReplaceAll(text, {{tmp.string(), "<TMP>"}});
  for (const std::string& a : addresses) {
    const size_t colon = a.rfind(':');
    if (colon == std::string::npos || a.empty()) continue;
    text = absl::StrReplaceAll(text, {{a, a.substr(0, colon) + ":<PORT>"}});
  }
  RE2::GlobalReplace(&text, R"(rune_[0-9a-f]{16}\.[A-Za-z0-9_-]{43})", "<TOKEN>");
  RE2::GlobalReplace(&text, R"(rune_[0-9a-f]{3}\*{6}[A-Za-z0-9_-]{3})", "<MASKED-TOKEN>");
  // A quoted UUID loses its quotes: YAML quotes a UUID only when it reads as
  // something else (all digits, a float), which depends on its random value.
  RE2::GlobalReplace(&text, R"("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")", "<UUID>");
  RE2::GlobalReplace(&text, R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", "<UUID>");
  RE2::GlobalReplace(&text, R"(\b[0-9a-f]{16}\b)", "<RID>");
  RE2::GlobalReplace(&text, R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)", "<TIME>");
  // AGE cells: the column under an "AGE" header, up to the next space.
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  size_t age_column = std::string::npos;
  for (std::string& line : lines) {
    const size_t header = line.find("AGE");
    if (header != std::string::npos && (header == 0 || line[header - 1] == ' ') &&
        (header + 3 == line.size() || line[header + 3] == ' ') && line.find("NAME") != std::string::npos) {
      age_column = header;
      continue;
    }
    if (age_column == std::string::npos || line.size() <= age_column) {
      if (line.empty()) age_column = std::string::npos;
      if (headerless && age_column == std::string::npos) {
        RE2::Replace(&line, R"((\S   +)\d+[smhd]$)", "\\1<AGE>");
      }
      continue;
    }
    const size_t end = line.find(' ', age_column);
    line.replace(age_column, end == std::string::npos ? std::string::npos : end - age_column, "<AGE>");
  }
  text = absl::StrJoin(lines, "\n");
  // Deletion operation IDs end with the Unix time they started at (after the
  // AGE cells, whose column this shortening would move).
  RE2::GlobalReplace(&text, R"(\b(delete-[a-z0-9-]+-)\d{10}\b)", "\\1<UNIX>");
  // Instance IDs likewise (the ID column of `get instances` precedes AGE).
  RE2::GlobalReplace(&text, R"(-instance-[0-9a-f]{8}\b)", "-instance-<ID>");
  // Elapsed time of the verbose "rpc <method> code=… request_id=… <n>ms" lines.
  RE2::GlobalReplace(&text, R"((?m)^(rpc \S+ code=\S+ request_id=\S+) \d+ms$)", "\\1 <ELAPSED>");
  return text;
}

// KEY=VALUE strings; for a key given more than once the last value wins.
std::vector<std::string> EnvList(const std::vector<std::pair<std::string, std::string>>& env) {
  std::map<std::string, std::string> merged;
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : merged) out.push_back(k + "=" + v);
  return out;
}

std::string Substitute(const std::string& s, const std::map<std::string, std::string>& vars) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [k, v] : vars) pairs.emplace_back("${" + k + "}", v);
  return absl::StrReplaceAll(s, pairs);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!line.empty()) out.emplace_back(line);
  }
  return out;
}

int Diff(const std::string& what, const std::string& expected, const std::string& actual,
         const fs::path& tmp) {
  if (expected == actual) return 0;
  WriteFile(tmp / ("expected." + what), expected);
  WriteFile(tmp / ("actual." + what), actual);
  std::cerr << "--- " << what << " differs:\n" << std::flush;
  const std::string cmd = absl::StrCat("diff -u --label expected --label actual '",
                                       (tmp / ("expected." + what)).string(), "' '",
                                       (tmp / ("actual." + what)).string(), "' >&2");
  (void)std::system(cmd.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string rune, runed, case_dir, workspace;
  bool update = false;
  for (int i = 1; i < argc; ++i) {
    absl::string_view a = argv[i];
    if (absl::ConsumePrefix(&a, "--rune=")) rune = std::string(a);
    else if (absl::ConsumePrefix(&a, "--runed=")) runed = std::string(a);
    else if (absl::ConsumePrefix(&a, "--case=")) case_dir = std::string(a);
    else if (absl::ConsumePrefix(&a, "--workspace=")) workspace = std::string(a);
    else if (a == "--update") update = true;
  }
  signal(SIGPIPE, SIG_IGN);
  const fs::path dir = fs::absolute(case_dir);
  const std::string name = dir.filename().string();
  const char* test_tmp = getenv("TEST_TMPDIR");
  const fs::path tmp =
      fs::path(test_tmp != nullptr ? test_tmp : fs::temp_directory_path().string()) / ("golden-" + name);
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  if (fs::exists(dir / "files")) fs::copy(dir / "files", tmp, fs::copy_options::recursive);

  const std::optional<std::string> cmd = ReadFile(dir / "cmd");
  if (!cmd.has_value()) {
    std::cerr << "golden: " << dir << "/cmd is missing\n";
    return 2;
  }
  const std::string mode =
      std::string(absl::StripAsciiWhitespace(ReadFile(dir / "server").value_or("real")));

  RealRuned real;
  std::unique_ptr<rune::testing::FakeRuned> fake;
  std::map<std::string, std::string> vars = {{"TMP", tmp.string()}, {"GRPC", ""}, {"HTTP", ""}};
  if (mode == "real") {
    const std::string runefile = Substitute(ReadFile(dir / "runefile").value_or(""), vars);
    if (!real.Start(fs::absolute(runed).string(), tmp, runefile)) return 1;
    vars["GRPC"] = real.grpc_;
    vars["HTTP"] = real.http_;
  } else if (mode == "fake") {
    absl::StatusOr<std::unique_ptr<rune::testing::FakeRuned>> started =
        rune::testing::FakeRuned::Start(ReadFile(dir / "fake.yaml").value_or(""));
    if (!started.ok()) {
      std::cerr << "golden: " << started.status() << "\n";
      return 2;
    }
    fake = std::move(*started);
    vars["GRPC"] = fake->address();
  } else if (mode != "none") {
    std::cerr << "golden: server must be real, fake or none, not \"" << mode << "\"\n";
    return 2;
  }

  std::vector<std::string> args = {fs::absolute(rune).string()};  // NOLINT
  for (const std::string& line : Lines(*cmd)) {
    args.push_back(line == "\"\"" ? "" : Substitute(line, vars));
  }
  // Later entries override earlier ones.
  std::vector<std::pair<std::string, std::string>> base_env = {
      {"NO_COLOR", "1"},
      {"TERM", "dumb"},
      {"TZ", "UTC"},
      {"LC_ALL", "C"},
      {"COLUMNS", "80"},
      {"RUNE_CLI_CONFIG", (tmp / "config.yaml").string()},
      {"HOME", tmp.string()},
      {"PATH", "/usr/bin:/bin"}};
  if (!vars["GRPC"].empty()) base_env.emplace_back("RUNE_API_SERVER", vars["GRPC"]);
  const std::string rune_path = fs::absolute(rune).string();
  if (mode == "real") {
    const std::string auth =
        std::string(absl::StripAsciiWhitespace(ReadFile(dir / "auth").value_or("root")));
    if (auth == "root") {
      const std::string token = (tmp / "root.token").string();
      Result b = RunCaptured({rune_path, "admin", "bootstrap", "--out-file", token},
                             EnvList(base_env), "/dev/null");
      if (b.exit_code != 0) {
        std::cerr << "golden: bootstrap failed (exit " << b.exit_code << "):\n" << b.err;
        return 1;
      }
      base_env.emplace_back("RUNE_TOKEN_FILE", token);
    } else if (auth != "none") {
      std::cerr << "golden: auth must be root or none, not \"" << auth << "\"\n";
      return 2;
    }
    for (const std::string& line : Lines(ReadFile(dir / "setup").value_or(""))) {
      absl::string_view rest = line;
      const bool must_fail = absl::ConsumePrefix(&rest, "! ");
      std::vector<std::string> setup_args = {rune_path};
      for (absl::string_view word : absl::StrSplit(rest, ' ', absl::SkipEmpty())) {
        setup_args.push_back(Substitute(std::string(word), vars));
      }
      Result r = RunCaptured(setup_args, EnvList(base_env), "/dev/null");
      if ((r.exit_code != 0) != must_fail) {
        std::cerr << "golden: setup line failed (exit " << r.exit_code << "): " << line << "\n"
                  << r.out << r.err;
        return 1;
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> case_env = base_env;
  for (const std::string& line : Lines(ReadFile(dir / "env").value_or(""))) {
    const std::string kv = Substitute(line, vars);
    const size_t eq = kv.find('=');
    case_env.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
  }
  const std::string stdin_path = fs::exists(dir / "stdin") ? (dir / "stdin").string() : "/dev/null";

  Result r = RunCaptured(args, EnvList(case_env), stdin_path);
  const std::vector<std::string> addresses = {vars["GRPC"], vars["HTTP"]};
  const bool headerless = std::find(args.begin(), args.end(), "--no-headers") != args.end();
  const std::string out = Redact(r.out, tmp, addresses, headerless);
  const std::string err = Redact(r.err, tmp, addresses, headerless);
  const std::string code = absl::StrCat(r.exit_code, "\n");
  if (mode == "real" && !real.Stop()) return 1;

  if (update) {
    const fs::path target = fs::path(workspace) / case_dir;
    if (!WriteFile(target / "stdout", out) || !WriteFile(target / "stderr", err) ||
        !WriteFile(target / "exit_code", code)) {
      std::cerr << "golden: cannot write into " << target << "\n";
      return 1;
    }
    return 0;
  }
  int failures = Diff("exit_code", ReadFile(dir / "exit_code").value_or("<missing>\n"), code, tmp) +
                 Diff("stdout", ReadFile(dir / "stdout").value_or(""), out, tmp) +
                 Diff("stderr", ReadFile(dir / "stderr").value_or(""), err, tmp);
  if (failures > 0) {
    std::cerr << "\nGolden case " << case_dir << " failed. If the new output is right, run:\n"
              << "  bazel run //testdata/cli:update\n";
    return 1;
  }
  return 0;
}
