#include "body.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "cli_error.h"
#include "polycube/strict_json.h"  // the one JSON parser, shared with the daemon
#include "polycube/utf8.h"

using nlohmann::json;

namespace pcn {

std::string read_stdin_body() {
  struct stat st {};
  if (fstat(STDIN_FILENO, &st) != 0) return "";
  if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) return "";
  } else if (!S_ISREG(st.st_mode)) {
    return "";
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxBodyBytes)
      throw UsageError("the body on stdin is larger than " + std::to_string(kMaxBodyBytes >> 20) +
                       " MiB, more than the daemon accepts");
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return "";
  return text;
}

namespace {

std::string where(const YAML::Mark &m) {
  return "line " + std::to_string(m.line + 1) + ", column " + std::to_string(m.column + 1) + ": ";
}

// Builds the JSON value of one YAML document from the parser's events, so
// that nesting and alias expansion are counted as they happen (a YAML::Node
// tree shares aliased nodes and only blows up when walked), and so the
// parser's own recursion stops at kMaxBodyDepth: the handler throws before
// the parser descends further.
class JsonBuilder : public YAML::EventHandler {
 public:
  json take() { return std::move(root_); }
  const std::optional<std::string> &deferred_error() const { return deferred_; }

  void OnDocumentStart(const YAML::Mark &) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark &m, YAML::anchor_t anchor) override {
    count(m, 1);
    add(m, nullptr, anchor, 1, 0);
  }
  void OnScalar(const YAML::Mark &m, const std::string &, YAML::anchor_t anchor, const std::string &value) override {
    count(m, 1);
    add(m, value, anchor, 1, 0);  // typed later, by the schema
  }
  void OnAlias(const YAML::Mark &m, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw UsageError(where(m) + "an alias to a node that contains it");
    if (stack_.size() + it->second.height > static_cast<size_t>(kMaxBodyDepth))
      throw UsageError(where(m) + "the body nests deeper than " + std::to_string(kMaxBodyDepth) + " levels");
    count(m, it->second.values);
    add(m, it->second.value, YAML::NullAnchor, it->second.values, it->second.height);
  }
  void OnSequenceStart(const YAML::Mark &m, const std::string &, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    push(m, json::array(), anchor);
  }
  void OnSequenceEnd() override { pop(); }
  void OnMapStart(const YAML::Mark &m, const std::string &, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    push(m, json::object(), anchor);
  }
  void OnMapEnd() override { pop(); }

 private:
  struct Anchored {
    json value;
    size_t values;  // how many values it expands to
    size_t height;  // levels of nesting inside it
  };
  struct Frame {
    json value;
    YAML::anchor_t anchor;
    YAML::Mark mark;
    size_t values = 1, height = 1;
    std::optional<std::string> key;  // a map's key waiting for its value
  };

  void count(const YAML::Mark &m, size_t n) {
    values_ += n;
    if (values_ > kMaxBodyValues)
      throw UsageError(where(m) + "the body expands to more than " + std::to_string(kMaxBodyValues) +
                       " values (YAML aliases?)");
  }

  void push(const YAML::Mark &m, json value, YAML::anchor_t anchor) {
    if (stack_.size() >= static_cast<size_t>(kMaxBodyDepth))
      throw UsageError(where(m) + "the body nests deeper than " + std::to_string(kMaxBodyDepth) + " levels");
    count(m, 1);
    stack_.push_back(Frame{std::move(value), anchor, m});
  }

  void pop() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    add(f.mark, std::move(f.value), f.anchor, f.values, f.height);
  }

  // A complete value (already counted): into its parent (or the root),
  // remembered if anchored.
  void add(const YAML::Mark &m, json value, YAML::anchor_t anchor, size_t values, size_t height) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = Anchored{value, values, height};
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame &parent = stack_.back();
    parent.values += values;
    parent.height = std::max(parent.height, height + 1);
    if (parent.value.is_array()) {
      parent.value.push_back(std::move(value));
    } else if (!parent.key) {
      if (!value.is_string()) defer(where(m) + "a map key must be a scalar");
      parent.key = value.is_string() ? value.get<std::string>() : "";
    } else {
      if (parent.value.contains(*parent.key)) defer(where(m) + "key '" + *parent.key + "' appears twice");
      parent.value[*parent.key] = std::move(value);
      parent.key.reset();
    }
  }

  // What yaml-cpp accepts but a body cannot be. Reported after the parse,
  // so that yaml-cpp's own syntax errors (it may try a complex key before
  // finding the text broken) come first.
  void defer(const std::string &error) {
    if (!deferred_) deferred_ = error;
  }

  std::optional<std::string> deferred_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  json root_;
  size_t values_ = 0;
};

json parse_yaml(const std::string &text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  JsonBuilder builder;
  parser.HandleNextDocument(builder);  // the first document, as YAML::Load did
  if (builder.deferred_error()) throw UsageError(*builder.deferred_error());
  return builder.take();
}

}  // namespace

json parse_body_value(const std::string &text, const std::string &what) {
  // JSON and YAML are Unicode text; yaml-cpp would pass other bytes on, to
  // fail later in a library's words.
  if (!polycube::valid_utf8(text)) throw UsageError(what + " is not UTF-8 text");
  // JSON nested too deep or with a repeated member is refused as JSON; only
  // what is not JSON at all is tried as YAML.
  polycube::StrictJson parsed = polycube::parse_json(text, kMaxBodyDepth);
  if (parsed.fault == polycube::StrictJson::Fault::kTooDeep || parsed.fault == polycube::StrictJson::Fault::kDuplicate)
    throw UsageError(what + " is refused as JSON: " + parsed.error);
  json doc = std::move(parsed.value);
  if (!parsed.ok()) {
    try {
      doc = parse_yaml(text);
    } catch (const YAML::Exception &e) {
      throw UsageError(what + " is neither JSON nor YAML: " + std::string(e.what()));
    }
  }
  return doc;
}

json parse_body(const std::string &text, const std::string &what) {
  json doc = parse_body_value(text, what);
  if (!doc.is_object()) throw UsageError(what + " must be an object (a JSON object or a YAML map)");
  return doc;
}

}  // namespace pcn
