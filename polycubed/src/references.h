// What cubes say about each other, indexed so that a write checks only the
// references of the cubes it changes: names (global across services), cube
// ports and their peers ("cube:port" -> peer), and where transparent cubes
// are attached. Kept in step with the committed configuration by update().
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "datastore.h"

namespace polycube::daemon {

class References {
 public:
  // The references of one cube as configured: its ports' peers and its
  // attachment point.
  struct Cube {
    std::string module;
    std::map<std::string, std::string> peers;  // port name -> peer ("" when unset)
    std::string attached;                      // "" when not attached
  };
  static Cube of(const CubeChange &change);

  // Throws polycube::Error when the changes, applied to the indexed
  // configuration, leave a reference dangling or one-sided: 409 exists
  // (name taken by another service), 404 (peer or attachment point
  // missing), 409 in-use (removing what is linked or named as a peer, a
  // port that keeps transparent cubes attached in the new configuration, a
  // peer connected to a third port). One side of a cube-to-cube link alone
  // is accepted: that port waits for the other to name it back.
  void check(const std::vector<CubeChange> &changes) const;
  // The transparent cubes (module, name) attached to ports that `changes`
  // remove: the ports of deleted cubes and those an update drops. A DELETE
  // detaches them in the same write (they stay, detached), as removing a
  // Linux interface removes its qdiscs.
  std::vector<std::pair<std::string, std::string>> attached_to_removed(const std::vector<CubeChange> &changes) const;
  // Records committed changes.
  void update(const std::vector<CubeChange> &changes);
  void clear();

 private:
  std::map<std::string, Cube> cubes_;                        // by cube name
  std::map<std::string, std::set<std::string>> attached_to_;  // "cube:port" -> transparent cubes on it
  std::map<std::string, std::set<std::string>> named_by_;     // "cube:port" -> ports whose peer names it
};

}  // namespace polycube::daemon
