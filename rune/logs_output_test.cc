#include "rune/logs_output.h"

#include "gtest/gtest.h"

namespace rune::cli {
namespace {

api::LogLine Line() {
  api::LogLine l;
  l.mutable_timestamp()->set_seconds(1777141934);  // 2026-04-25T18:32:14Z
  l.mutable_timestamp()->set_nanos(123987654);
  l.set_namespace_("default");
  l.set_service("api");
  l.set_instance_name("api-0");
  l.set_instance_id("api-instance-7c2e8a3b");
  l.set_stream(api::LogLine::STDOUT);
  l.set_content("GET /healthz \"ok\"\t200");
  return l;
}

TEST(ParseLogTime, DurationsCountBackFromNow) {
  const absl::Time now = absl::FromUnixSeconds(1000000);
  EXPECT_EQ(*ParseLogTime("10m", now), now - absl::Minutes(10));
  EXPECT_EQ(*ParseLogTime("1h30m", now), now - absl::Minutes(90));
  EXPECT_EQ(*ParseLogTime("0", now), now);
}

TEST(ParseLogTime, Rfc3339Times) {
  const absl::Time now = absl::FromUnixSeconds(1000000);
  EXPECT_EQ(*ParseLogTime("2026-04-25T18:32:14Z", now), absl::FromUnixSeconds(1777141934));
  EXPECT_EQ(*ParseLogTime("2026-04-25T20:32:14.5+02:00", now),
            absl::FromUnixMillis(1777141934500));
  for (const char* bad : {"", "yesterday", "-5m", "2026-04-25", "10"}) {
    absl::StatusOr<absl::Time> t = ParseLogTime(bad, now);
    EXPECT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().message(), "invalid duration or RFC 3339 time");
  }
}

TEST(FormatLogLine, TextForms) {
  LineFormat f;
  EXPECT_EQ(FormatLogLine(Line(), f), "GET /healthz \"ok\"\t200\n");
  f.prefix = true;
  EXPECT_EQ(FormatLogLine(Line(), f), "[api-0] GET /healthz \"ok\"\t200\n");
  f.timestamps = true;
  EXPECT_EQ(FormatLogLine(Line(), f),
            "2026-04-25T18:32:14.123Z [api-0] GET /healthz \"ok\"\t200\n");
  f.prefix = false;
  EXPECT_EQ(FormatLogLine(Line(), f), "2026-04-25T18:32:14.123Z GET /healthz \"ok\"\t200\n");
}

TEST(FormatLogLine, JsonIsOneCompactObject) {
  LineFormat f;
  f.json = true;
  f.prefix = true;  // ignored in JSON
  api::LogLine l = Line();
  l.set_stream(api::LogLine::STDERR);
  EXPECT_EQ(FormatLogLine(l, f),
            "{\"timestamp\":\"2026-04-25T18:32:14.123Z\",\"namespace\":\"default\","
            "\"service\":\"api\",\"instance\":\"api-0\",\"instanceId\":\"api-instance-7c2e8a3b\","
            "\"stream\":\"stderr\",\"line\":\"GET /healthz \\\"ok\\\"\\t200\"}\n");
}

TEST(FormatLogLine, InvalidUtf8IsReplacedInJsonOnly) {
  api::LogLine l = Line();
  l.set_content("a\xc3(b\xff");
  LineFormat text;
  EXPECT_EQ(FormatLogLine(l, text), "a\xc3(b\xff\n");
  LineFormat json;
  json.json = true;
  const std::string out = FormatLogLine(l, json);
  EXPECT_NE(out.find("\"line\":\"a\xef\xbf\xbd(b\xef\xbf\xbd\"}"), std::string::npos) << out;
}

}  // namespace
}  // namespace rune::cli
