#include "testing/contract/quoted_commands.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/cli/parser.h"
#include "re2/re2.h"

namespace rune::contract {
namespace {

using common::cli::Command;
using common::cli::Flag;

// Marks operator words so that a quoted "|" stays an ordinary word.
constexpr char kOp = '\x01';

bool IsOperator(const std::string& word) { return !word.empty() && word[0] == kOp; }

// Length of a <placeholder> starting at s[i] ('<'), or 0: "<name>",
// "<file.yaml>", "<ns>/<name>" is two of them.
size_t PlaceholderLength(absl::string_view s, size_t i) {
  size_t j = i + 1;
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
                          s[j] == '-' || s[j] == '_')) {
    ++j;
  }
  if (j == i + 1 || j >= s.size() || s[j] != '>') return 0;
  return j - i + 1;
}

bool IsPlaceholder(absl::string_view word) {
  const size_t open = word.find('<');
  return (open != absl::string_view::npos && word.find('>', open) != absl::string_view::npos) ||
         absl::EndsWith(word, "...") || absl::EndsWith(word, "…");
}

bool IsEllipsis(absl::string_view word) { return word == "..." || word == "…"; }

bool IsOptionalMarker(absl::string_view word) {
  return word.size() > 2 && word.front() == '[' && word.back() == ']';
}

std::string PathOf(const std::vector<const Command*>& path) { return common::cli::JoinPath(path); }

absl::Status Problem(const std::string& message) { return absl::InvalidArgumentError(message); }

absl::Status CheckValue(const Flag& flag, const std::string& value) {
  if (IsPlaceholder(value) || absl::StrContains(value, "$")) return absl::OkStatus();
  absl::Status s = common::cli::CheckFlagValue(flag, value);
  if (s.ok()) return s;
  return Problem(absl::StrCat("invalid value \"", value, "\" for --", flag.name, ": ", s.message()));
}

// `rune help a b`: the words after help name a command.
absl::Status ResolveHelpTopic(const Command& root, const std::vector<std::string>& topic) {
  const Command* at = &root;
  for (const std::string& word : topic) {
    if (IsPlaceholder(word) || IsEllipsis(word)) return absl::OkStatus();
    const Command* next = common::cli::FindSubcommand(*at, word);
    if (next == nullptr) {
      return Problem(absl::StrCat("help: unknown command \"", word, "\" for \"",
                                  at == &root ? "rune" : at->name, "\""));
    }
    at = next;
  }
  return absl::OkStatus();
}

// Decodes the escapes of a C++ string literal's body (enough for prose).
std::string Unescape(absl::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out += body[i];
      continue;
    }
    const char c = body[++i];
    out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
  }
  return out;
}

// Roff to plain text for one line: escapes removed, italics as <placeholders>.
std::string DeRoff(absl::string_view line) {
  std::string out;
  bool italic = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '\\' || i + 1 == line.size()) {
      out += line[i];
      continue;
    }
    const char c = line[++i];
    if (c == 'f' && i + 1 < line.size()) {
      const char font = line[++i];
      if (font == 'I' && !italic) {
        out += '<';
        italic = true;
      } else if (font != 'I' && italic) {
        out += '>';
        italic = false;
      }
    } else if (c == '(' && i + 2 < line.size()) {
      const std::string name(line.substr(i + 1, 2));
      i += 2;
      out += name == "aq" ? "'" : name == "dq" ? "\"" : name == "em" ? "—" : name == "en" ? "-" : " ";
    } else if (c == '&' || c == ':') {
      // zero-width
    } else if (c == 'e') {
      out += '\\';
    } else {
      out += c;  // \- \  \. …
    }
  }
  if (italic) out += '>';
  return out;
}

}  // namespace

std::vector<std::string> ShellWords(absl::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  auto end_word = [&] {
    if (in_word) words.push_back(word);
    word.clear();
    in_word = false;
  };
  auto op = [&](absl::string_view text) {
    end_word();
    words.push_back(absl::StrCat(std::string(1, kOp), text));
  };
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      end_word();
    } else if (c == '\'' || c == '"') {
      const size_t close = line.find(c, i + 1);
      const size_t end = close == absl::string_view::npos ? line.size() : close;
      word += std::string(line.substr(i + 1, end - i - 1));
      in_word = true;
      i = end;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else if (c == '#' && !in_word) {
      break;
    } else if (c == '[' && !in_word && line.find(']', i) != absl::string_view::npos) {
      // "[service|instance|node]" of a synopsis: one optional word.
      const size_t close = line.find(']', i);
      words.push_back(std::string(line.substr(i, close - i + 1)));
      i = close;
    } else if (c == '<' && PlaceholderLength(line, i) > 0) {
      const size_t n = PlaceholderLength(line, i);
      word += std::string(line.substr(i, n));
      in_word = true;
      i += n - 1;
    } else if ((c == '$' || c == '<') && i + 1 < line.size() && line[i + 1] == '(') {
      op("(");
      ++i;
    } else if (c == '(' || c == ')' || c == '`') {
      op(c == ')' ? ")" : "(");
    } else if (c == '|' || c == '&' || c == ';') {
      if (i + 1 < line.size() && line[i + 1] == c) ++i;
      if (c == '&' && i + 1 < line.size() && line[i + 1] == '>') {
        op(">");
        ++i;
      } else {
        op(";");
      }
    } else if (c == '>' || c == '<') {
      // 2>&1, >>, > and < all end the command's words.
      if (in_word && (word == "1" || word == "2")) {
        word.clear();
        in_word = false;
      }
      while (i + 1 < line.size() && (line[i + 1] == '>' || line[i + 1] == '&')) ++i;
      op(">");
    } else {
      word += c;
      in_word = true;
    }
  }
  end_word();
  return words;
}

std::vector<QuotedCommand> CommandsInShellLine(absl::string_view line) {
  std::vector<QuotedCommand> out;
  const std::vector<std::string> words = ShellWords(line);
  std::vector<std::string> current;
  bool in_command = true;  // at a position where a command starts
  bool redirected = false;
  auto flush = [&] {
    if (!current.empty() && current.front() == "rune") {
      out.push_back({std::string(absl::StripAsciiWhitespace(line)), current});
    }
    current.clear();
  };
  for (const std::string& w : words) {
    if (IsOperator(w)) {
      if (w.substr(1) == ">") {
        redirected = true;  // the redirection's target follows; the command ended
        continue;
      }
      flush();
      in_command = true;
      redirected = false;
      continue;
    }
    if (redirected) {
      redirected = false;  // the target of the redirection
      continue;
    }
    if (current.empty() && in_command &&
        (w == "sudo" || w == "exec" || RE2::FullMatch(w, "[A-Za-z_][A-Za-z0-9_]*=.*"))) {
      continue;
    }
    if (current.empty() && !in_command) continue;
    if (current.empty() && w != "rune") {
      in_command = false;  // some other program: skip its words
      continue;
    }
    current.push_back(w);
  }
  flush();
  return out;
}

std::vector<QuotedCommand> QuotedInProse(absl::string_view text) {
  std::vector<QuotedCommand> out;
  size_t pos = 0;
  while ((pos = text.find("'rune", pos)) != absl::string_view::npos) {
    if (pos + 5 >= text.size() || (text[pos + 5] != ' ' && text[pos + 5] != '\n')) {
      pos += 5;
      continue;
    }
    const size_t close = text.find('\'', pos + 1);
    if (close == absl::string_view::npos) break;
    std::string quote(text.substr(pos + 1, close - pos - 1));
    pos = close + 1;
    if (quote.size() > 200) continue;  // not a quote: two apostrophes far apart
    for (char& c : quote) {
      if (c == '\n') c = ' ';
    }
    for (QuotedCommand& q : CommandsInShellLine(quote)) {
      q.text = absl::StrCat("'", quote, "'");
      out.push_back(std::move(q));
    }
  }
  return out;
}

std::vector<QuotedCommand> CommandsInManPage(absl::string_view roff) {
  std::vector<QuotedCommand> out;
  std::string prose;
  std::string section;
  bool example = false;
  auto add = [&out](std::vector<QuotedCommand> found) {
    for (QuotedCommand& q : found) out.push_back(std::move(q));
  };
  for (absl::string_view raw : absl::StrSplit(roff, '\n')) {
    if (absl::StartsWith(raw, ".\\\"") || absl::StartsWith(raw, "'\\\"")) continue;
    if (absl::StartsWith(raw, ".")) {
      const std::vector<absl::string_view> parts = absl::StrSplit(raw, absl::MaxSplits(' ', 1));
      const absl::string_view request = parts[0].substr(1);
      const std::string rest = parts.size() > 1 ? DeRoff(parts[1]) : "";
      if (request == "nf" || request == "EX") {
        example = true;
      } else if (request == "fi" || request == "EE") {
        example = false;
      } else if (request == "SH") {
        section = std::string(absl::StripAsciiWhitespace(absl::StrReplaceAll(rest, {{"\"", ""}})));
        prose += "\n";
      } else if (request == "B" || request == "BR" || request == "BI" || request == "IR" ||
                 request == "I" || request == "RB") {
        std::string text = rest;
        if (request == "I") text = absl::StrCat("<", rest, ">");
        if (request == "B" && absl::StartsWith(text, "rune ")) add(CommandsInShellLine(text));
        prose += text + "\n";
      } else {
        prose += "\n";  // .PP, .TP, .RS …: a paragraph break
      }
      continue;
    }
    const std::string line = DeRoff(raw);
    if (example || section == "SYNOPSIS") {
      add(CommandsInShellLine(line));
      continue;
    }
    prose += line + "\n";
  }
  add(QuotedInProse(prose));
  return out;
}

std::vector<QuotedCommand> QuotedInCppSource(absl::string_view src) {
  std::vector<QuotedCommand> out;
  std::string chain;    // literals of one expression, joined
  std::string between;  // code since the last literal of the chain
  bool chaining = false;
  auto end_chain = [&] {
    if (chaining) {
      for (QuotedCommand& q : QuotedInProse(chain)) out.push_back(std::move(q));
    }
    chain.clear();
    between.clear();
    chaining = false;
  };
  // True when `code` between two literals joins them: nothing, or an
  // expression between two of , + << (one call's arguments, a sum, a stream).
  auto joins = [](absl::string_view code, bool* placeholder) {
    code = absl::StripAsciiWhitespace(code);
    *placeholder = !code.empty();
    if (code.empty()) return true;
    static const RE2 shape(R"((?s)(,|\+|<<)(.*\S.*)(,|\+|<<))");
    std::string inner;
    if (!RE2::FullMatch(code, shape, nullptr, &inner)) return false;
    int depth = 0;
    for (char c : inner) {
      if (c == ';' || c == '{' || c == '}') return false;
      if (c == '(' || c == '[') ++depth;
      if (c == ')' || c == ']') --depth;
      if (depth < 0) return false;
    }
    return depth == 0;
  };
  size_t i = 0;
  while (i < src.size()) {
    const char c = src[i];
    if (c == '/' && i + 1 < src.size() && src[i + 1] == '/') {
      i = src.find('\n', i);
      if (i == absl::string_view::npos) break;
      continue;
    }
    if (c == '/' && i + 1 < src.size() && src[i + 1] == '*') {
      i = src.find("*/", i + 2);
      if (i == absl::string_view::npos) break;
      i += 2;
      continue;
    }
    if (c == '\'') {  // a character literal
      size_t j = i + 1;
      while (j < src.size() && src[j] != '\'' && src[j] != '\n') j += src[j] == '\\' ? 2 : 1;
      i = j + 1;
      if (chaining) between += "x";
      continue;
    }
    if (c == '"') {
      std::string body;
      const bool raw = i > 0 && src[i - 1] == 'R';
      size_t end;
      if (raw) {
        const size_t paren = src.find('(', i);
        const std::string delim = absl::StrCat(")", src.substr(i + 1, paren - i - 1), "\"");
        end = src.find(delim, paren);
        if (end == absl::string_view::npos) break;
        body = std::string(src.substr(paren + 1, end - paren - 1));
        end += delim.size();
      } else {
        size_t j = i + 1;
        while (j < src.size() && src[j] != '"') j += src[j] == '\\' ? 2 : 1;
        body = Unescape(src.substr(i + 1, j - i - 1));
        end = j + 1;
      }
      if (raw && !between.empty()) between.pop_back();  // the R prefix
      bool placeholder = false;
      if (chaining && joins(between, &placeholder)) {
        if (placeholder) chain += "<x>";
        chain += body;
      } else {
        end_chain();
        chain = body;
        chaining = true;
      }
      between.clear();
      i = end;
      continue;
    }
    if (chaining) {
      between += c;
      if (c == ';' || c == '{' || c == '}') end_chain();
    }
    ++i;
  }
  end_chain();
  return out;
}

absl::Status Resolve(const Command& root, const std::vector<std::string>& words) {
  if (words.empty() || words[0] != "rune") return Problem("does not start with \"rune\"");
  std::vector<const Command*> path = {&root};
  std::vector<std::string> positionals;
  bool dashdash = false;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    const Command& cmd = *path.back();
    if (IsEllipsis(w)) return absl::OkStatus();
    if (IsOptionalMarker(w)) continue;
    const int stop = cmd.flags_stop_after_args;
    const bool args_only =
        dashdash || stop == 0 || (stop > 0 && static_cast<int>(positionals.size()) >= stop);
    if (!args_only && w == "--") {
      dashdash = true;
      continue;
    }
    if (!args_only && w.size() > 1 && w[0] == '-' && !IsPlaceholder(w)) {
      if (absl::StartsWith(w, "--")) {
        const size_t eq = w.find('=');
        const std::string name = w.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        const Flag* flag = common::cli::FindLongFlag(path, name);
        if (flag == nullptr) {
          return Problem(absl::StrCat("unknown flag --", name, " for \"", PathOf(path), "\""));
        }
        if (eq != std::string::npos) {
          if (!common::cli::TakesValue(*flag) && w.substr(eq + 1) != "true" &&
              w.substr(eq + 1) != "false") {
            return Problem(absl::StrCat("flag --", name, " takes no value"));
          }
          if (common::cli::TakesValue(*flag)) {
            absl::Status s = CheckValue(*flag, w.substr(eq + 1));
            if (!s.ok()) return s;
          }
        } else if (common::cli::TakesValue(*flag)) {
          if (i + 1 == words.size()) return Problem(absl::StrCat("flag --", name, " needs a value"));
          absl::Status s = CheckValue(*flag, words[++i]);
          if (!s.ok()) return s;
        }
        continue;
      }
      for (size_t j = 1; j < w.size(); ++j) {
        const Flag* flag = common::cli::FindShortFlag(path, w[j]);
        if (flag == nullptr) {
          return Problem(absl::StrCat("unknown shorthand flag -", std::string(1, w[j]), " for \"",
                                      PathOf(path), "\""));
        }
        if (!common::cli::TakesValue(*flag)) continue;
        std::string value = w.substr(j + 1);
        if (absl::StartsWith(value, "=")) value = value.substr(1);
        if (value.empty()) {
          if (i + 1 == words.size()) {
            return Problem(absl::StrCat("flag -", std::string(1, w[j]), " needs a value"));
          }
          value = words[++i];
        }
        absl::Status s = CheckValue(*flag, value);
        if (!s.ok()) return s;
        break;
      }
      continue;
    }
    if (positionals.empty() && !dashdash && !cmd.subcommands.empty()) {
      const Command* sub = common::cli::FindSubcommand(cmd, w);
      if (sub != nullptr) {
        path.push_back(sub);
        continue;
      }
      // "<command>" under a group: any of its subcommands, nothing more to check.
      if (!common::cli::Runnable(cmd)) {
        if (IsPlaceholder(w)) return absl::OkStatus();
        return Problem(absl::StrCat("unknown command \"", w, "\" for \"", PathOf(path), "\""));
      }
    }
    const size_t index = positionals.size();
    if (!IsPlaceholder(w) && !dashdash && !cmd.positionals.empty()) {
      const common::cli::Positional& p = index < cmd.positionals.size()
                                             ? cmd.positionals[index]
                                             : cmd.positionals.back();
      if (p.check != nullptr && (index < cmd.positionals.size() || p.repeated)) {
        absl::Status s = p.check(w);
        if (!s.ok()) return Problem(std::string(s.message()));
      }
    }
    positionals.push_back(w);
    if (cmd.max_args >= 0 && static_cast<int>(positionals.size()) > cmd.max_args) {
      return Problem(absl::StrCat("\"", PathOf(path), "\" accepts at most ", cmd.max_args,
                                  " arg(s), given ", positionals.size()));
    }
  }
  if (path.size() == 2 && path.back()->name == "help") return ResolveHelpTopic(root, positionals);
  return absl::OkStatus();
}

absl::Status Resolve(const Command& root, absl::string_view command) {
  std::vector<QuotedCommand> found = CommandsInShellLine(command);
  if (found.size() != 1) return Problem("not one \"rune …\" command");
  return Resolve(root, found.front().words);
}

}  // namespace rune::contract
