#include "common/yaml/node.h"

#include <map>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "yaml.h"

namespace rune::common::yaml {
namespace {

// Upper bounds that keep hostile input (deep nesting, alias bombs) cheap.
constexpr int kMaxDepth = 256;
constexpr size_t kMaxNodes = 250000;

Mark ToMark(const yaml_mark_t& m) {
  return Mark{static_cast<int>(m.line) + 1, static_cast<int>(m.column) + 1};
}

size_t CountNodes(const Node& n) {
  size_t count = 1;
  for (const Node& item : n.items) count += CountNodes(item);
  for (const auto& [k, v] : n.entries) count += CountNodes(k) + CountNodes(v);
  return count;
}

class Builder {
 public:
  explicit Builder(absl::string_view text) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~Builder() { yaml_parser_delete(&parser_); }
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  absl::StatusOr<std::vector<Document>> Run(Mark* error_mark) {
    error_mark_ = error_mark;
    std::vector<Document> docs;
    yaml_event_t event;
    if (!Next(&event)) return Error();
    if (event.type != YAML_STREAM_START_EVENT) return Fail("expected stream start", event);
    yaml_event_delete(&event);
    for (;;) {
      if (!Next(&event)) return Error();
      if (event.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&event);
        break;
      }
      if (event.type != YAML_DOCUMENT_START_EVENT) return Fail("expected document start", event);
      yaml_event_delete(&event);
      anchors_.clear();
      Document doc;
      if (!Next(&event)) return Error();
      absl::Status s = BuildNode(&event, 0, &doc.root);
      if (!s.ok()) return s;
      doc.empty = doc.root.IsNull() && doc.root.tag.empty();
      if (!Next(&event)) return Error();
      if (event.type != YAML_DOCUMENT_END_EVENT) return Fail("expected document end", event);
      yaml_event_delete(&event);
      docs.push_back(std::move(doc));
    }
    return docs;
  }

 private:
  bool Next(yaml_event_t* event) { return yaml_parser_parse(&parser_, event) != 0; }

  absl::Status Error() {
    if (error_mark_ != nullptr) *error_mark_ = ToMark(parser_.problem_mark);
    std::string problem = parser_.problem != nullptr ? parser_.problem : "invalid YAML";
    if (parser_.context != nullptr) problem = absl::StrCat(problem, " ", parser_.context);
    return absl::InvalidArgumentError(problem);
  }

  absl::Status Fail(absl::string_view problem, yaml_event_t& event) {
    if (error_mark_ != nullptr) *error_mark_ = ToMark(event.start_mark);
    yaml_event_delete(&event);
    return absl::InvalidArgumentError(problem);
  }

  absl::Status Count(const Node& node) {
    total_nodes_ += CountNodes(node);
    if (total_nodes_ > kMaxNodes) {
      if (error_mark_ != nullptr) *error_mark_ = node.mark;
      return absl::InvalidArgumentError("document too large (aliases expand to over 250000 nodes)");
    }
    return absl::OkStatus();
  }

  // Consumes `event` (already read) and the events of its children.
  absl::Status BuildNode(yaml_event_t* event, int depth, Node* out) {
    if (depth > kMaxDepth) return Fail("document nested too deeply", *event);
    out->mark = ToMark(event->start_mark);
    std::string anchor;
    switch (event->type) {
      case YAML_ALIAS_EVENT: {
        const std::string name = reinterpret_cast<const char*>(event->data.alias.anchor);
        auto it = anchors_.find(name);
        if (it == anchors_.end()) return Fail(absl::StrCat("unknown alias \"", name, "\""), *event);
        const Mark mark = out->mark;
        *out = it->second;
        out->mark = mark;
        yaml_event_delete(event);
        return Count(*out);
      }
      case YAML_SCALAR_EVENT: {
        const auto& s = event->data.scalar;
        out->kind = Node::Kind::kScalar;
        out->value.assign(reinterpret_cast<const char*>(s.value), s.length);
        if (s.tag != nullptr) out->tag = reinterpret_cast<const char*>(s.tag);
        if (s.anchor != nullptr) anchor = reinterpret_cast<const char*>(s.anchor);
        switch (s.style) {
          case YAML_SINGLE_QUOTED_SCALAR_STYLE:
            out->style = ScalarStyle::kSingleQuoted;
            break;
          case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
            out->style = ScalarStyle::kDoubleQuoted;
            break;
          case YAML_LITERAL_SCALAR_STYLE:
            out->style = ScalarStyle::kLiteral;
            break;
          case YAML_FOLDED_SCALAR_STYLE:
            out->style = ScalarStyle::kFolded;
            break;
          default:
            out->style = ScalarStyle::kPlain;
        }
        yaml_event_delete(event);
        break;
      }
      case YAML_SEQUENCE_START_EVENT: {
        out->kind = Node::Kind::kSequence;
        if (event->data.sequence_start.tag != nullptr) {
          out->tag = reinterpret_cast<const char*>(event->data.sequence_start.tag);
        }
        if (event->data.sequence_start.anchor != nullptr) {
          anchor = reinterpret_cast<const char*>(event->data.sequence_start.anchor);
        }
        yaml_event_delete(event);
        for (;;) {
          yaml_event_t child;
          if (!Next(&child)) return Error();
          if (child.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&child);
            break;
          }
          out->items.emplace_back();
          absl::Status s = BuildNode(&child, depth + 1, &out->items.back());
          if (!s.ok()) return s;
        }
        break;
      }
      case YAML_MAPPING_START_EVENT: {
        out->kind = Node::Kind::kMapping;
        if (event->data.mapping_start.tag != nullptr) {
          out->tag = reinterpret_cast<const char*>(event->data.mapping_start.tag);
        }
        if (event->data.mapping_start.anchor != nullptr) {
          anchor = reinterpret_cast<const char*>(event->data.mapping_start.anchor);
        }
        yaml_event_delete(event);
        for (;;) {
          yaml_event_t key_event;
          if (!Next(&key_event)) return Error();
          if (key_event.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key_event);
            break;
          }
          std::pair<Node, Node> entry;
          absl::Status s = BuildNode(&key_event, depth + 1, &entry.first);
          if (!s.ok()) return s;
          yaml_event_t value_event;
          if (!Next(&value_event)) return Error();
          s = BuildNode(&value_event, depth + 1, &entry.second);
          if (!s.ok()) return s;
          out->entries.push_back(std::move(entry));
        }
        break;
      }
      default:
        return Fail("unexpected YAML event", *event);
    }
    ++total_nodes_;
    if (total_nodes_ > kMaxNodes) return Count(*out);
    if (!anchor.empty()) anchors_[anchor] = *out;
    return absl::OkStatus();
  }

  yaml_parser_t parser_;
  Mark* error_mark_ = nullptr;
  std::map<std::string, Node> anchors_;
  size_t total_nodes_ = 0;
};

}  // namespace

bool Node::IsNull() const {
  if (kind != Kind::kScalar || style != ScalarStyle::kPlain) return false;
  if (!tag.empty() && tag != "tag:yaml.org,2002:null") return false;
  return value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL";
}

const Node* Node::Find(absl::string_view key) const {
  const Node* found = nullptr;
  for (const auto& [k, v] : entries) {
    if (k.IsScalar() && k.value == key) found = &v;
  }
  return found;
}

std::string Node::KindName() const {
  switch (kind) {
    case Kind::kMapping:
      return "a mapping";
    case Kind::kSequence:
      return "a list";
    case Kind::kScalar:
      break;
  }
  if (IsNull()) return "null";
  if (style != ScalarStyle::kPlain) return "a string";
  if (value == "true" || value == "false") return "a boolean";
  bool digits = !value.empty();
  for (size_t i = 0; i < value.size(); ++i) {
    if (!(absl::ascii_isdigit(value[i]) || (i == 0 && (value[i] == '-' || value[i] == '+')))) {
      digits = false;
    }
  }
  if (digits && value != "-" && value != "+") return "an integer";
  return "a string";
}

absl::StatusOr<std::vector<Document>> ParseDocuments(absl::string_view text, Mark* error_mark) {
  Builder builder(text);
  return builder.Run(error_mark);
}

}  // namespace rune::common::yaml
