#include "common/cli/command.h"

namespace rune::common::cli {

Flag BoolFlag(std::string name, char shorthand, std::string usage, bool default_true) {
  Flag f;
  f.name = std::move(name);
  f.shorthand = shorthand;
  f.type = ValueType::kBool;
  f.usage = std::move(usage);
  if (default_true) f.default_value = "true";
  return f;
}

Flag StringFlag(std::string name, char shorthand, std::string usage, std::string default_value,
                Completion completion, std::string value_name) {
  Flag f;
  f.name = std::move(name);
  f.shorthand = shorthand;
  f.type = ValueType::kString;
  f.usage = std::move(usage);
  f.default_value = std::move(default_value);
  f.completion = completion;
  f.value_name = std::move(value_name);
  return f;
}

Flag IntFlag(std::string name, char shorthand, std::string usage, std::string default_value,
             int64_t min_value) {
  Flag f;
  f.name = std::move(name);
  f.shorthand = shorthand;
  f.type = ValueType::kInt;
  f.usage = std::move(usage);
  f.default_value = std::move(default_value);
  f.min_value = min_value;
  return f;
}

Flag DurationFlag(std::string name, char shorthand, std::string usage, std::string default_value) {
  Flag f;
  f.name = std::move(name);
  f.shorthand = shorthand;
  f.type = ValueType::kDuration;
  f.usage = std::move(usage);
  f.default_value = std::move(default_value);
  return f;
}

Flag EnumFlag(std::string name, char shorthand, std::string usage, std::vector<std::string> choices,
              std::string default_value) {
  Flag f;
  f.name = std::move(name);
  f.shorthand = shorthand;
  f.type = ValueType::kEnum;
  f.usage = std::move(usage);
  f.choices = std::move(choices);
  f.default_value = std::move(default_value);
  f.completion = Completion::kChoices;
  return f;
}

Flag ArrayFlag(std::string name, char shorthand, std::string usage, Completion completion,
               std::string value_name) {
  Flag f;
  f.name = std::move(name);
  f.shorthand = shorthand;
  f.type = ValueType::kStringArray;
  f.usage = std::move(usage);
  f.completion = completion;
  f.value_name = std::move(value_name);
  return f;
}

Flag ListFlag(std::string name, char shorthand, std::string usage, Completion completion) {
  Flag f;
  f.name = std::move(name);
  f.shorthand = shorthand;
  f.type = ValueType::kStringList;
  f.usage = std::move(usage);
  f.completion = completion;
  return f;
}

Flag KeyValueFlag(std::string name, char shorthand, std::string usage, std::string value_name) {
  Flag f;
  f.value_name = std::move(value_name);
  f.name = std::move(name);
  f.shorthand = shorthand;
  f.type = ValueType::kKeyValue;
  f.usage = std::move(usage);
  return f;
}

std::string ValueName(const Flag& flag) {
  if (!flag.value_name.empty()) return flag.value_name;
  switch (flag.type) {
    case ValueType::kBool:
      return "";
    case ValueType::kString:
      return "string";
    case ValueType::kInt:
      return "int";
    case ValueType::kDuration:
      return "duration";
    case ValueType::kEnum:
      return "string";
    case ValueType::kStringArray:
      return "stringArray";
    case ValueType::kStringList:
      return "strings";
    case ValueType::kKeyValue:
      return "key=value";
    case ValueType::kRegex:
      return "regex";
    case ValueType::kSelector:
      return "selector";
  }
  return "string";
}

std::string JoinPath(const std::vector<const Command*>& path, const char* separator) {
  std::string out;
  for (const Command* c : path) {
    if (!out.empty()) out += separator;
    out += c->name;
  }
  return out;
}

bool IsRepeatable(const Flag& flag) {
  return flag.type == ValueType::kStringArray || flag.type == ValueType::kStringList ||
         flag.type == ValueType::kKeyValue;
}

}  // namespace rune::common::cli
