// The one authorisation check every RPC handler starts with (STYLE.md item
// 12, SPEC §5.5, §5.6): bearer token → subject, failed-attempt throttling,
// admin locality, then the RBAC rule of the method (rbac.h).
//
//   absl::StatusOr<Subject> who = authorizer.Authorize(*ctx, *request);
//   if (!who.ok()) return who.status();
//
// Errors: Unauthenticated `missing bearer token` (M02) / `invalid bearer
// token` (M03); ResourceExhausted `too many failed authentication attempts;
// retry in <n>s` (M06); PermissionDenied for non-loopback admin calls (M05)
// and `access denied for resource: <r> verb: <v>` (M04); Internal for a
// method missing from the RBAC table.
#ifndef RUNE_RUNED_AUTH_AUTHORIZER_H_
#define RUNE_RUNED_AUTH_AUTHORIZER_H_

#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "runed/auth/identity.h"

namespace rune::daemon::auth {

struct AuthConfig {
  bool enabled = true;
  bool allow_remote_admin = false;
  int64_t max_failed_attempts_per_minute = 10;
};

// What one call presents.
struct CallCredentials {
  std::string method;                        // full gRPC method name
  std::string peer;                          // PeerOf(): "ipv4:127.0.0.1:5000" (REST: the client)
  std::optional<std::string> authorization;  // the `authorization` header, if sent
};

class Authorizer {
 public:
  Authorizer(Identity* identity, AuthConfig config, std::function<absl::Time()> now = &absl::Now)
      : identity_(identity), config_(config), now_(std::move(now)) {}

  // Checks the call behind `ctx` against the RBAC rule of its method, with
  // the namespace read from `request`. Records the subject for the RPC log.
  absl::StatusOr<Subject> Authorize(const grpc::ServerContextBase& ctx,
                                    const google::protobuf::Message& request);

  // As Authorize, for handlers whose resource or namespace follows a resolved
  // target (logs, exec, health): the method's rule decides who may call at
  // all; `resource`, `verb` and `ns` are what is checked.
  absl::StatusOr<Subject> AuthorizeAs(const grpc::ServerContextBase& ctx,
                                      absl::string_view resource, absl::string_view verb,
                                      absl::string_view ns);

  // The transport-independent core (also used by tests). `resource`/`verb`/
  // `ns` empty = take them from the method's rule and `request`.
  absl::StatusOr<Subject> Check(const CallCredentials& call, const google::protobuf::Message* request,
                                absl::string_view resource = "", absl::string_view verb = "",
                                absl::string_view ns = "");

 private:
  absl::StatusOr<Subject> Authenticate(const CallCredentials& call, const std::string& ip);
  // Seconds left of a throttle on `ip`, 0 when not throttled.
  int64_t ThrottledFor(const std::string& ip) ABSL_LOCKS_EXCLUDED(mu_);
  void RecordFailure(const std::string& ip) ABSL_LOCKS_EXCLUDED(mu_);

  struct Failures {
    std::deque<absl::Time> recent;  // failures within the last minute
    absl::Time blocked_until = absl::InfinitePast();
  };

  Identity* identity_;
  const AuthConfig config_;
  std::function<absl::Time()> now_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Failures> failures_ ABSL_GUARDED_BY(mu_);
};

// The IP part of a gRPC peer string; "" for non-IP transports.
std::string PeerIp(absl::string_view peer);

// True for 127.0.0.0/8, ::1 and unix-socket peers.
bool IsLoopbackPeer(absl::string_view peer);

}  // namespace rune::daemon::auth

#endif  // RUNE_RUNED_AUTH_AUTHORIZER_H_
