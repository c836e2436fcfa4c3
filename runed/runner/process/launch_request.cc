#include "runed/runner/process/launch_request.h"

#include <sys/stat.h>

#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/spec/syscalls.h"
#include "runed/runner/process/users.h"

namespace rune::daemon::runner::process {
namespace {

absl::Status NeedsRoot(absl::string_view field) {
  return absl::FailedPreconditionError(
      absl::StrCat(field, " requires runed to run as root"));
}

// KEY=VALUE list where a later KEY replaces an earlier one in place.
void SetVariable(std::vector<std::string>* env,
                 absl::flat_hash_map<std::string, size_t>* index, const std::string& entry) {
  const size_t eq = entry.find('=');
  const std::string key = entry.substr(0, eq);
  auto it = index->find(key);
  if (it != index->end()) {
    (*env)[it->second] = entry;
    return;
  }
  index->emplace(key, env->size());
  env->push_back(entry);
}

}  // namespace

absl::StatusOr<SuperviseRequest> BuildSuperviseRequest(const StartSpec& spec,
                                                       const HostIdentity& host) {
  const api::ProcessSpec& process = spec.spec.process();
  const api::ProcessSecurityContext& sc = process.security_context();
  SuperviseRequest req;
  req.set_ns(spec.ns);
  req.set_id(spec.id);
  LaunchInfo* info = req.mutable_launch();

  absl::StatusOr<RunAs> who = ResolveRunAs(sc.user(), sc.group(), host.uid, host.gid,
                                           host.passwd_path, host.group_path);
  if (!who.ok()) return who.status();
  if (!host.am_root) {
    if (who->uid != host.uid) return NeedsRoot("securityContext.user");
    if (who->gid != host.gid) return NeedsRoot("securityContext.group");
    if (sc.read_only_fs()) return NeedsRoot("securityContext.readOnlyFS");
    if (sc.capabilities_set()) return NeedsRoot("securityContext.capabilities");
    if (!spec.mounts.empty()) {
      return NeedsRoot(spec.spec.secret_mounts_size() > 0 ? "secretMounts" : "configMounts");
    }
  }
  info->set_uid(who->uid);
  info->set_gid(who->gid);
  info->set_set_identity(host.am_root);

  info->add_argv(process.command());
  for (const std::string& a : process.args()) info->add_argv(a);
  info->set_workdir(process.workdir().empty() ? "/" : process.workdir());
  info->set_read_only_fs(sc.read_only_fs());

  if (sc.capabilities_set()) {
    uint64_t mask = 0;
    for (const std::string& name : sc.capabilities()) {
      std::optional<int> bit = common::spec::CapabilityNumber(name);
      if (!bit) {
        return absl::FailedPreconditionError(absl::StrCat("unknown capability \"", name, "\""));
      }
      mask |= uint64_t{1} << *bit;
    }
    info->set_capabilities_set(true);
    info->set_capabilities(mask);
  }

  const auto& names =
      sc.allowed_syscalls_size() > 0 ? sc.allowed_syscalls() : sc.denied_syscalls();
  if (!names.empty()) {
    info->set_seccomp_mode(sc.allowed_syscalls_size() > 0 ? SECCOMP_ALLOW : SECCOMP_DENY);
    for (const std::string& name : names) {
      if (!common::spec::IsKnownSyscall(name)) {
        return absl::FailedPreconditionError(absl::StrCat("unknown syscall \"", name, "\""));
      }
      // A call this architecture does not have cannot be made: nothing to filter.
      std::optional<int> n = common::spec::SyscallNumber(name, common::spec::HostSyscallArch());
      if (n) info->add_syscalls(*n);
    }
  }

  for (const runner::Mount& m : spec.mounts) {
    struct stat st;
    if (::stat(m.path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("mountPath ", m.path, " does not exist on the host"));
    }
    info->add_mount_paths(m.path);
    MountSpec* out = req.add_mounts();
    out->set_path(m.path);
    for (const runner::MountFile& f : m.files) {
      MountFile* file = out->add_files();
      file->set_path(f.path);
      file->set_content(f.content);
      file->set_mode(f.mode);
    }
  }

  std::vector<std::string> env;
  absl::flat_hash_map<std::string, size_t> index;
  SetVariable(&env, &index, absl::StrCat("PATH=", kInstancePath));
  SetVariable(&env, &index, absl::StrCat("HOME=", who->home));
  SetVariable(&env, &index, absl::StrCat("USER=", who->name));
  SetVariable(&env, &index, absl::StrCat("LOGNAME=", who->name));
  for (const std::string& e : spec.env) SetVariable(&env, &index, e);
  for (std::string& e : env) req.add_env(std::move(e));
  return req;
}

}  // namespace rune::daemon::runner::process
