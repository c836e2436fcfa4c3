#include "common/errors.h"

#include "gtest/gtest.h"

namespace rune::common {
namespace {

TEST(Classify, UsageErrorIsExit2WithHelpHint) {
  ErrorReport r = Classify(UsageError("accepts 1 arg(s), received 0", "rune scale"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(CodeName(r.code), "InvalidArgument");
  EXPECT_EQ(r.hint, "run 'rune scale --help' for usage");
  EXPECT_FALSE(r.request_id.has_value());
}

TEST(Classify, ServerCodesFollowTheTable) {
  struct Case {
    absl::StatusCode code;
    int exit;
  } cases[] = {
      {absl::StatusCode::kCancelled, 1},          {absl::StatusCode::kUnknown, 1},
      {absl::StatusCode::kInvalidArgument, 6},    {absl::StatusCode::kDeadlineExceeded, 7},
      {absl::StatusCode::kNotFound, 4},           {absl::StatusCode::kAlreadyExists, 5},
      {absl::StatusCode::kPermissionDenied, 3},   {absl::StatusCode::kResourceExhausted, 1},
      {absl::StatusCode::kFailedPrecondition, 5}, {absl::StatusCode::kAborted, 5},
      {absl::StatusCode::kOutOfRange, 6},         {absl::StatusCode::kUnimplemented, 1},
      {absl::StatusCode::kInternal, 1},           {absl::StatusCode::kUnavailable, 1},
      {absl::StatusCode::kDataLoss, 1},           {absl::StatusCode::kUnauthenticated, 3},
  };
  for (const Case& c : cases) {
    ErrorReport r = Classify(ServerError(c.code, "m", "0123456789abcdef", ""));
    EXPECT_EQ(r.exit_code, c.exit) << CodeName(c.code);
    EXPECT_EQ(r.request_id, "0123456789abcdef");
    EXPECT_EQ(r.hint.has_value(), c.code != absl::StatusCode::kCancelled &&
                                      c.code != absl::StatusCode::kFailedPrecondition)
        << CodeName(c.code);
  }
}

TEST(Classify, MessageSpecificHintReplacesDefault) {
  ErrorReport r = Classify(ServerError(absl::StatusCode::kNotFound, "service \"api\" not found",
                                       "", "run 'rune get services -n default' to list services"));
  EXPECT_EQ(r.hint, "run 'rune get services -n default' to list services");
  EXPECT_FALSE(r.request_id.has_value());
}

TEST(Classify, LocalClasses) {
  EXPECT_EQ(Classify(LocalPathError("path \"x\" does not exist")).exit_code, 2);
  EXPECT_EQ(Classify(LocalPathError("x")).code, absl::StatusCode::kNotFound);
  EXPECT_FALSE(Classify(LocalPathError("x")).hint.has_value());
  ErrorReport connect = Classify(ConnectError("127.0.0.1:1", "connection refused"));
  EXPECT_EQ(connect.exit_code, 1);
  EXPECT_EQ(connect.message, "failed to connect to API server at 127.0.0.1:1: connection refused");
  EXPECT_EQ(connect.hint, std::string(DefaultServerHint(absl::StatusCode::kUnavailable)));
  EXPECT_EQ(Classify(ClientConfigError("bad", "/c.yaml")).hint, "fix or remove /c.yaml");
  EXPECT_EQ(Classify(ContextMissingError("dev")).exit_code, 4);
  EXPECT_EQ(Classify(CurrentContextDeleteError("dev")).exit_code, 5);
  EXPECT_EQ(Classify(ExecTimeoutError("command timed out after 1s")).exit_code, 124);
  EXPECT_EQ(Classify(InterruptedError()).exit_code, 130);
  EXPECT_EQ(Classify(LocalSpecError("validation failed", "run 'rune lint a.yaml' for details")).exit_code, 6);
  ErrorReport ni = Classify(NotImplementedError("get"));
  EXPECT_EQ(ni.exit_code, 1);
  EXPECT_EQ(ni.message, "get is not implemented yet");
  EXPECT_FALSE(ni.hint.has_value());
}

TEST(Format, HumanIndentsContinuationLines) {
  ErrorReport r;
  r.message = "validation failed: 2 error(s) in 1 file(s)\na.yaml:1:1: x\na.yaml:2:1: y";
  r.hint = "run 'rune lint a.yaml' for details";
  r.request_id = "9f2c4e71a0b3d586";
  EXPECT_EQ(FormatHuman(r, false),
            "Error: validation failed: 2 error(s) in 1 file(s)\n"
            "  a.yaml:1:1: x\n"
            "  a.yaml:2:1: y\n"
            "Hint: run 'rune lint a.yaml' for details\n"
            "Request ID: 9f2c4e71a0b3d586\n");
}

TEST(Format, JsonHasEveryKeyInOrder) {
  ErrorReport r = Classify(ServerError(absl::StatusCode::kNotFound,
                                       "service \"api\" not found in namespace \"default\"",
                                       "9f2c4e71a0b3d586",
                                       "run 'rune get services -n default' to list services"));
  EXPECT_EQ(FormatJson(r),
            "{\"code\":\"NotFound\",\"exit\":4,\"message\":\"service \\\"api\\\" not found in "
            "namespace \\\"default\\\"\",\"hint\":\"run 'rune get services -n default' to list "
            "services\",\"request_id\":\"9f2c4e71a0b3d586\"}\n");
  ErrorReport local = Classify(LocalPathError("x"));
  EXPECT_EQ(FormatJson(local),
            "{\"code\":\"NotFound\",\"exit\":2,\"message\":\"x\",\"hint\":null,\"request_id\":null}\n");
}

TEST(Format, InterruptNotice) {
  EXPECT_EQ(FormatHuman(Classify(InterruptedError()), false),
            "Interrupted: the operation continues on the server\n");
}

TEST(Classify, StreamInterruptIsSilent) {
  ErrorReport r = Classify(StreamInterruptedError());
  EXPECT_EQ(r.exit_code, 130);
  EXPECT_TRUE(r.silent);
  EXPECT_FALSE(Classify(InterruptedError()).silent);
}

TEST(Classify, RemoteExitPassesTheStatusSilently) {
  for (int code : {1, 3, 7, 137, 255}) {
    ErrorReport r = Classify(RemoteExitError(code));
    EXPECT_EQ(r.exit_code, code);
    EXPECT_TRUE(r.silent);
  }
  ErrorReport m33 = Classify(ExecTimeoutError("command timed out after 1s"));
  EXPECT_EQ(m33.exit_code, 124);
  EXPECT_FALSE(m33.silent);
  EXPECT_FALSE(m33.hint.has_value());
}

}  // namespace
}  // namespace rune::common
