// The fuzz target of the spec library: arbitrary bytes through LoadCastText,
// CheckBatch and ApplyOrder, then the documents of every object of a file
// without errors back through LoadCastText, which must give the same protos.
// Linked into //common/spec:cast_fuzzer (libFuzzer, --config=fuzz) and into
// //common/spec:cast_fuzz_corpus_test (the seed corpus as a regression test).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "common/document.h"
#include "common/spec/cast.h"
#include "common/spec/documents.h"
#include "google/protobuf/util/message_differencer.h"

namespace rune::common::spec {
namespace {

[[noreturn]] void Fail(const char* what, const std::string& text,
                       const google::protobuf::Message* want = nullptr,
                       const google::protobuf::Message* got = nullptr) {
  std::fprintf(stderr, "cast fuzz target: %s\n--- document ---\n%s\n", what, text.c_str());
  if (want != nullptr) std::fprintf(stderr, "--- want ---\n%s\n", want->DebugString().c_str());
  if (got != nullptr) std::fprintf(stderr, "--- got ---\n%s\n", got->DebugString().c_str());
  std::abort();
}

// The one object of `text`, which must load without errors.
const CastObject& ReloadOne(const std::string& text, CastFileResult* r) {
  *r = LoadCastText("round-trip", text, LoadOptions{});
  if (r->HasErrors()) Fail(FormatFinding(r->findings[0]).c_str(), text);
  if (r->objects.size() != 1) Fail("document did not load as one object", text);
  return r->objects[0];
}

void CheckRoundTrip(const CastObject& o) {
  Value doc = Value::Object();
  const google::protobuf::Message* want = nullptr;
  switch (o.kind) {
    case CastObject::Kind::kService:
      doc.Set("service", ServiceSpecDocument(o.service));
      want = &o.service;
      break;
    case CastObject::Kind::kConfigmap:
      doc.Set("configmap", ConfigmapDocument(o.configmap));
      want = &o.configmap;
      break;
    case CastObject::Kind::kNamespace:
      doc.Set("namespace", NamespaceDocument(o.ns));
      want = &o.ns;
      break;
    case CastObject::Kind::kSecret:
      return;  // secret documents hold key names only
  }
  for (const std::string& text : {ToYaml(doc), ToJson(doc, true), ToJson(doc, false)}) {
    CastFileResult r;
    const CastObject& back = ReloadOne(text, &r);
    const google::protobuf::Message* got = nullptr;
    switch (back.kind) {
      case CastObject::Kind::kService:
        got = &back.service;
        break;
      case CastObject::Kind::kConfigmap:
        got = &back.configmap;
        break;
      case CastObject::Kind::kNamespace:
        got = &back.ns;
        break;
      case CastObject::Kind::kSecret:
        break;
    }
    if (back.kind != o.kind || !google::protobuf::util::MessageDifferencer::Equals(*want, *got)) {
      Fail("round trip changed the object", text, want, got);
    }
  }
}

}  // namespace
}  // namespace rune::common::spec

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rune::common::spec;  // NOLINT
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const CastFileResult r = LoadCastText("fuzz.yaml", text, LoadOptions{});
  for (const Finding& f : r.findings) {
    if (f.line < 0 || f.column < 0 || FormatFinding(f).empty() || f.violation.reason.empty()) {
      Fail("malformed finding", std::string(text));
    }
  }
  const std::vector<Finding> batch = CheckBatch(r.objects);
  if (ApplyOrder(r.objects).size() != r.objects.size()) {
    Fail("ApplyOrder lost objects", std::string(text));
  }
  if (!r.HasErrors() && batch.empty()) {
    for (const CastObject& o : r.objects) CheckRoundTrip(o);
  }
  return 0;
}
