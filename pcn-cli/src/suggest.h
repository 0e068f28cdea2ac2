// "Did you mean": the words pcn knows that are closest to an unknown one.
// Closeness is the edit distance (insertions, deletions, substitutions and
// swaps of two neighbours); in a schema, a node of exactly that name
// further down (`pcn br1 set aging-time=5` means `fdb aging-time`) comes
// before any near miss.
#pragma once

#include <string>
#include <vector>

struct lysc_node;

namespace pcn {

// Optimal string alignment distance: "prots" -> "ports" is 1.
size_t edit_distance(const std::string &a, const std::string &b);

// The candidates within reach of `word` (at most a third of its letters
// changed, at least one; a candidate the word is the start of counts as
// one change), closest first, ties in the candidates' order; at most `most`.
std::vector<std::string> closest(const std::string &word, const std::vector<std::string> &candidates, size_t most = 3);

// Paths of words from `node` (exclusive) to the nodes below it that `word`
// probably meant: every node named `word` at any depth, shallowest first;
// else the nodes whose name is closest to it. A list on the way stands as
// its name and its keys ("ports <name> peer"). `leaves`: only leaves and
// leaf-lists (for key=value), else any node but a list's keys.
std::vector<std::string> schema_suggestions(const lysc_node *node, const std::string &word, bool leaves, size_t most = 3);

// "; did you mean: a, b" or "" when there is nothing to suggest.
std::string did_you_mean(const std::vector<std::string> &suggestions);

}  // namespace pcn
