// An API message as a document in the proto3 JSON mapping (lowerCamelCase
// field names, enums by name, 64-bit integers as strings, Timestamp as RFC
// 3339, Duration as "1.5s", default-valued fields left out), for commands
// whose -o json|yaml is "the response as proto JSON" (`rune health`).
//
//   common::Value doc = ProtoDocument(response);
//   PrintDocument(inv, doc, "json");
//   // {"kind": "NODE", "node": {"name": "local", "cpuCores": 0.412, …}}
#ifndef RUNE_RUNE_PROTO_DOCUMENT_H_
#define RUNE_RUNE_PROTO_DOCUMENT_H_

#include "common/document.h"
#include "google/protobuf/message.h"

namespace rune::cli {

// Fields in field-number order; map entries sorted by key.
common::Value ProtoDocument(const google::protobuf::Message& message);

}  // namespace rune::cli

#endif  // RUNE_RUNE_PROTO_DOCUMENT_H_
