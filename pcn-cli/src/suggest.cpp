#include "suggest.h"

#include <libyang/libyang.h>

#include <algorithm>

#include "schema.h"

namespace pcn {

size_t edit_distance(const std::string &a, const std::string &b) {
  // d[i][j]: distance between a's first i letters and b's first j.
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); i++) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); j++) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); i++)
    for (size_t j = 1; j <= b.size(); j++) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

namespace {

size_t reach(const std::string &word) { return std::max<size_t>(1, word.size() / 3); }

// How far `word` is from `name`: the edit distance, or 1 when the word is
// the start of the name (arp-aging for arp-aging-time).
size_t distance(const std::string &word, const std::string &name) {
  if (word.size() >= 3 && name.size() > word.size() && name.compare(0, word.size(), word) == 0) return 1;
  return edit_distance(word, name);
}

struct Place {
  std::string path;  // words from the starting node
  std::string name;  // the node's own name
  size_t depth;
};

// Every node below `node` that a word could name, depth first. Bounded by
// the schema itself (a YANG tree is finite and without cycles).
void walk(const lysc_node *node, const std::string &prefix, size_t depth, bool leaves, std::vector<Place> &out) {
  for (const lysc_node *c = lysc_node_child(node); c; c = c->next) {
    if (lysc_is_key(c)) continue;
    if (c->nodetype & (LYS_CHOICE | LYS_CASE)) {  // not words: their children stand where they are
      walk(c, prefix, depth, leaves, out);
      continue;
    }
    std::string path = prefix + c->name;
    bool leaf = c->nodetype & (LYS_LEAF | LYS_LEAFLIST);
    if (leaf || !leaves) out.push_back({path, c->name, depth});
    if (c->nodetype == LYS_CONTAINER) walk(c, path + " ", depth + 1, leaves, out);
    if (c->nodetype == LYS_LIST) walk(c, path + " " + keys_usage(c) + " ", depth + 1, leaves, out);
  }
  if (!leaves)
    for (const lysc_node_action *a = lysc_node_actions(node); a; a = reinterpret_cast<const lysc_node_action *>(a->next))
      out.push_back({prefix + a->name, a->name, depth});
}

}  // namespace

std::vector<std::string> closest(const std::string &word, const std::vector<std::string> &candidates, size_t most) {
  std::vector<std::pair<size_t, size_t>> scored;  // distance, index
  for (size_t i = 0; i < candidates.size(); i++)
    if (size_t d = distance(word, candidates[i]); d <= reach(word) && candidates[i] != word) scored.emplace_back(d, i);
  std::stable_sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (const auto &[d, i] : scored) {
    if (out.size() == most) break;
    if (std::find(out.begin(), out.end(), candidates[i]) == out.end()) out.push_back(candidates[i]);
  }
  return out;
}

std::vector<std::string> schema_suggestions(const lysc_node *node, const std::string &word, bool leaves, size_t most) {
  std::vector<Place> places;
  walk(node, "", 0, leaves, places);
  std::stable_sort(places.begin(), places.end(), [](const Place &a, const Place &b) { return a.depth < b.depth; });
  std::vector<std::string> out;
  for (const auto &p : places)
    if (p.name == word && p.depth > 0 && out.size() < most) out.push_back(p.path);
  if (!out.empty()) return out;
  std::vector<std::pair<size_t, size_t>> scored;  // distance, index (shallowest first among equals)
  for (size_t i = 0; i < places.size(); i++)
    if (size_t d = distance(word, places[i].name); d <= reach(word)) scored.emplace_back(d, i);
  std::stable_sort(scored.begin(), scored.end());
  for (const auto &[d, i] : scored)
    if (out.size() < most) out.push_back(places[i].path);
  return out;
}

std::string did_you_mean(const std::vector<std::string> &suggestions) {
  if (suggestions.empty()) return "";
  std::string out = "; did you mean: ";
  for (size_t i = 0; i < suggestions.size(); i++) out += (i ? ", " : "") + suggestions[i];
  return out;
}

}  // namespace pcn
