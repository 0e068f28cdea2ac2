// One write naming the same list entry (same keys) or the same leaf-list
// value twice is refused: libyang would merge the two silently (and a
// client's two different entries become one, 201 Created). The datastore
// runs this on every parsed edit.
#pragma once

struct lyd_node;

namespace polycube::daemon {

// Throws DataError (400 invalid-value, with the data path of the second
// occurrence) if two siblings anywhere in `first` and its siblings are the
// same list entry or leaf-list value. Linear in the size of the edit.
void reject_duplicate_entries(const lyd_node *first);

}  // namespace polycube::daemon
