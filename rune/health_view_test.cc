#include "rune/health_view.h"

#include <sstream>

#include "absl/time/time.h"
#include "common/document.h"
#include "common/proto_time.h"
#include "gtest/gtest.h"
#include "rune/proto_document.h"

namespace rune::cli {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1777141934);  // 2026-04-25T18:32:14Z

std::string Print(const Table& t) {
  std::ostringstream out;
  t.Print(out, true);
  return out.str();
}

api::ProbeResult Result(bool success, int offset_seconds, absl::Duration latency,
                        const std::string& message = "") {
  api::ProbeResult r;
  r.set_success(success);
  common::ToTimestamp(kNow + absl::Seconds(offset_seconds), r.mutable_time());
  r.mutable_latency()->set_seconds(absl::ToInt64Seconds(absl::Trunc(latency, absl::Seconds(1))));
  r.mutable_latency()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(latency - absl::Trunc(latency, absl::Seconds(1)))));
  r.set_message(message);
  return r;
}

api::Probe Defaults(api::Probe p) {
  p.set_initial_delay_seconds(0);
  p.set_interval_seconds(10);
  p.set_timeout_seconds(1);
  p.set_failure_threshold(3);
  p.set_success_threshold(1);
  return p;
}

TEST(HealthView, ServiceAndInstanceTables) {
  api::ServiceHealth s;
  s.set_name("api");
  s.set_status(api::DEGRADED);
  s.set_ready(2);
  s.set_desired(3);
  s.set_restarts(4);
  common::ToTimestamp(kNow - absl::Minutes(90), s.mutable_created_at());
  EXPECT_EQ(Print(ServiceHealthTable(s, kNow)),
            "NAME   STATUS     READY   RESTARTS   AGE\n"
            "api    Degraded   2/3     4          1h\n");
  api::InstanceHealth i;
  i.set_name("api-0");
  i.set_status(api::HEALTHY);
  i.set_ready(true);
  common::ToTimestamp(kNow - absl::Seconds(42), i.mutable_created_at());
  EXPECT_EQ(Print(InstanceHealthTable(i, kNow)),
            "NAME    STATUS    READY   RESTARTS   AGE\n"
            "api-0   Healthy   1/1     0          42s\n");
  i.set_ready(false);
  i.set_status(api::UNHEALTHY);
  EXPECT_EQ(Print(InstanceHealthTable(i, kNow)),
            "NAME    STATUS      READY   RESTARTS   AGE\n"
            "api-0   Unhealthy   0/1     0          42s\n");
}

TEST(HealthView, NodeTable) {
  api::NodeHealth n;
  n.set_name("local");
  n.set_status(api::HEALTHY);
  n.set_cpu_cores(0.41249);
  n.set_memory_bytes(int64_t{3435973837});  // 3.2 GiB
  n.mutable_uptime()->set_seconds(3 * 3600 + 125);
  n.mutable_uptime()->set_nanos(700000000);
  EXPECT_EQ(Print(NodeHealthTable(n)),
            "NAME    STATUS    CPU     MEMORY   UPTIME\n"
            "local   Healthy   0.412   3.2Gi    3h2m5s\n");
  EXPECT_EQ(FormatMemory(512 * 1024 * 1024), "512.0Mi");
  EXPECT_EQ(FormatMemory(1024 * 1024 * 1024 - 1), "1024.0Mi");
  EXPECT_EQ(FormatMemory(int64_t{1024} * 1024 * 1024), "1.0Gi");
  EXPECT_EQ(FormatCores(2), "2.000");
  EXPECT_EQ(HealthStatusName(api::HEALTH_STATUS_UNSPECIFIED), "Unknown");
}

TEST(HealthView, ChecksBlockExactly) {
  api::InstanceHealth i;
  i.set_name("api-0");
  i.set_id("api-instance-7c2e8a3b");
  api::ProbeCheck* live = i.add_checks();
  live->set_kind(api::ProbeCheck::LIVENESS);
  api::Probe http;
  http.set_type(api::Probe::HTTP);
  http.set_path("/healthz");
  http.set_port("http");
  http.set_scheme(api::Probe::SCHEME_HTTP);
  *live->mutable_probe() = Defaults(http);
  live->set_resolved_port(8080);
  for (int k = 0; k < 10; ++k) *live->add_recent() = Result(true, k - 9, absl::Milliseconds(12));
  *live->mutable_last_result() = live->recent(9);

  api::ProbeCheck* ready = i.add_checks();
  ready->set_kind(api::ProbeCheck::READINESS);
  api::Probe tcp;
  tcp.set_type(api::Probe::TCP);
  tcp.set_port("5432");
  *ready->mutable_probe() = Defaults(tcp);
  ready->mutable_probe()->set_interval_seconds(5);
  ready->set_resolved_port(5432);
  *ready->add_recent() = Result(true, -2, absl::Microseconds(340));
  *ready->add_recent() =
      Result(false, 0, absl::Milliseconds(1000),
             "dial tcp 127.0.0.1:5432: connection refused");
  *ready->mutable_last_result() = ready->recent(1);

  EXPECT_EQ(ChecksBlock(i),
            "Instance api-0 (api-instance-7c2e8a3b):\n"
            "  Probe: liveness http GET /healthz on :8080\n"
            "    intervalSeconds: 10  timeoutSeconds: 1  failureThreshold: 3  successThreshold: 1\n"
            "    Last result: success at 2026-04-25T18:32:14Z (latency 12ms)\n"
            "    Recent: [✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓]\n"
            "  Probe: readiness tcp connect :5432\n"
            "    intervalSeconds: 5  timeoutSeconds: 1  failureThreshold: 3  successThreshold: 1\n"
            "    Last result: failure at 2026-04-25T18:32:14Z (latency 1s): dial tcp "
            "127.0.0.1:5432: connection refused\n"
            "    Recent: [✓ ✗]\n");
}

TEST(HealthView, ProbeDescriptionsAndEdgeCases) {
  api::ProbeCheck c;
  c.mutable_probe()->set_type(api::Probe::HTTP);
  c.mutable_probe()->set_scheme(api::Probe::SCHEME_HTTPS);
  c.mutable_probe()->set_path("/ready");
  c.set_resolved_port(8443);
  EXPECT_EQ(ProbeDescription(c), "https GET /ready on :8443");
  c.mutable_probe()->set_type(api::Probe::EXEC);
  c.mutable_probe()->add_command("pg_isready");
  c.mutable_probe()->add_command("-q");
  EXPECT_EQ(ProbeDescription(c), "exec pg_isready -q");

  api::InstanceHealth none;
  none.set_name("db-0");
  none.set_id("db-instance-00000001");
  EXPECT_EQ(ChecksBlock(none), "Instance db-0 (db-instance-00000001):\n  No probes configured\n");

  // Configured but not run yet.
  api::InstanceHealth fresh = none;
  api::ProbeCheck* t = fresh.add_checks();
  t->set_kind(api::ProbeCheck::READINESS);
  api::Probe tcp;
  tcp.set_type(api::Probe::TCP);
  tcp.set_port("db");
  *t->mutable_probe() = Defaults(tcp);
  EXPECT_EQ(ChecksBlock(fresh),
            "Instance db-0 (db-instance-00000001):\n"
            "  Probe: readiness tcp connect :db\n"
            "    intervalSeconds: 10  timeoutSeconds: 1  failureThreshold: 3  successThreshold: 1\n"
            "    Last result: none yet\n"
            "    Recent: []\n");
}

TEST(ProtoDocument, ProtoJsonMapping) {
  api::GetHealthResponse r;
  r.set_kind(api::GetHealthRequest::NODE);
  api::NodeHealth* n = r.mutable_node();
  n->set_name("local");
  n->set_status(api::HEALTHY);
  n->set_cpu_cores(0.25);
  n->set_cpu_count(8);
  n->set_memory_bytes(int64_t{3221225472});
  n->mutable_uptime()->set_seconds(90);
  n->mutable_uptime()->set_nanos(500000000);
  common::ToTimestamp(kNow, n->mutable_started_at());
  api::RunnerHealth* runner = n->add_runners();
  runner->set_name("process");
  runner->set_enabled(true);
  runner->set_available(true);
  n->add_runners()->set_name("docker");
  EXPECT_EQ(common::ToJson(ProtoDocument(r), true),
            "{\n"
            "  \"kind\": \"NODE\",\n"
            "  \"node\": {\n"
            "    \"name\": \"local\",\n"
            "    \"status\": \"HEALTHY\",\n"
            "    \"cpuCores\": 0.25,\n"
            "    \"cpuCount\": 8,\n"
            "    \"memoryBytes\": \"3221225472\",\n"
            "    \"uptime\": \"90.500s\",\n"
            "    \"startedAt\": \"2026-04-25T18:32:14Z\",\n"
            "    \"runners\": [\n"
            "      {\n"
            "        \"name\": \"process\",\n"
            "        \"enabled\": true,\n"
            "        \"available\": true\n"
            "      },\n"
            "      {\n"
            "        \"name\": \"docker\"\n"
            "      }\n"
            "    ]\n"
            "  }\n"
            "}\n");
}

TEST(ProtoDocument, MapsOptionalsAndNanos) {
  api::Probe p;
  p.set_type(api::Probe::HTTP);
  (*p.mutable_headers())["X-B"] = "2";
  (*p.mutable_headers())["X-A"] = "1";
  p.set_initial_delay_seconds(0);  // explicit presence: kept although 0
  p.add_command("a");
  EXPECT_EQ(common::ToJson(ProtoDocument(p), false),
            R"({"type":"HTTP","headers":{"X-A":"1","X-B":"2"},"command":["a"],"initialDelaySeconds":0})");
  api::ProbeResult result;
  result.mutable_time()->set_seconds(1777141934);
  result.mutable_time()->set_nanos(120000000);
  result.mutable_latency()->set_nanos(340000);
  EXPECT_EQ(common::ToJson(ProtoDocument(result), false),
            R"({"time":"2026-04-25T18:32:14.120Z","latency":"0.000340s"})");
  EXPECT_EQ(common::ToYaml(ProtoDocument(result)),
            "time: \"2026-04-25T18:32:14.120Z\"\nlatency: \"0.000340s\"\n");
}

}  // namespace
}  // namespace rune::cli
