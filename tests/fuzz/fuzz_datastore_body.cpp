// Request bodies through the datastore with the real YANG modules of every
// service and the framework module: parse (strict), merge or replace into a
// candidate copy of a committed configuration, validate, diff; the RESTCONF
// body-at-a-path wrapping of PUT/PATCH/POST; action and RPC input. As the
// server calls them, validation only: no reconciler, no kernel.
//
// Every refusal must print as the server's error document.
//
// Input: one byte choosing the request, then "<path>\n<body>" (the path
// as it follows /restconf/data/).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "datastore.h"
#include "fuzz_support.h"
#include "polycube/strict_json.h"
#include "restconf_path.h"
#include "restconf_server.h"

const std::string &polycube_framework_yang();

using namespace polycube::daemon;
using nlohmann::json;

namespace {

// A configuration with a cube of most services, committed once, so edits
// meet existing lists, keys and leafrefs.
const char *kBase = R"({
  "simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p1","peer":"veth1"},{"name":"p2"}]}],
  "bridge:bridge":[{"name":"br1","ports":[{"name":"p1","peer":"veth2","vlan":10},
                                          {"name":"p2","mode":"trunk","allowed":[10,20]}]}],
  "router:router":[{"name":"r1","ports":[{"name":"p1","ip":"10.0.1.1/24"},{"name":"p2","ip":"10.0.2.1/24"}],
                    "route":[{"network":"10.3.0.0/24","nexthop":"10.0.2.254"}]}],
  "firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[{"id":0,"src":"10.0.0.1/32","action":"DROP"}]}]}],
  "ddosmitigator:ddosmitigator":[{"name":"dd1"}],
  "helloworld:helloworld":[{"name":"hw1"}]})";

Datastore &store() {
  static Datastore *ds = [] {
    pcnfuzz::quiet();
    auto *d = new Datastore();
    d->load_module(polycube_framework_yang());
    for (const auto &yang : pcnfuzz::service_modules()) d->load_module(yang);
    try {
      d->commit(d->merge(kBase));
    } catch (const std::exception &e) {
      std::fprintf(stderr, "fuzz_datastore_body: the base configuration is refused: %s\n", e.what());
      std::abort();
    }
    return d;
  }();
  return *ds;
}

// A refusal becomes the RFC 8040 error document the server answers with;
// its message may quote the request's bytes.
void check_error_document(const std::string &message, const std::string &path) {
  HttpReply reply = restconf_error(400, "invalid-value", message, path);
  if (!polycube::parse_json(reply.body).ok()) __builtin_trap();
}

bool is_json(const std::string &body) { return !json::parse(body, nullptr, false).is_discarded(); }

void request(Datastore &ds, uint8_t op, const std::string &path, const std::string &body) {
  switch (op % 6) {
    case 0:  // POST / PATCH of the root
      if (is_json(body)) ds.merge(body);  // validated when built; not committed
      break;
    case 1:  // PUT below the root
      if (is_json(body)) ds.replace(ds.xpath(path), ds.wrap(path, body, false).dump());
      break;
    case 2: {  // POST of a child
      if (!is_json(body)) break;
      std::string made;
      json edit = ds.wrap(path, body, true, &made);
      ds.merge(edit.dump());
      ds.xpath(made);
      break;
    }
    case 3:  // PATCH below the root
      if (is_json(body)) ds.merge(ds.wrap(path, body, false).dump());
      break;
    case 4:  // DELETE
      ds.remove(ds.xpath(path));
      break;
    case 5: {  // a YANG action (module:list=name/action path), else a polycube:<op> RPC
      auto slash = path.find('/'), colon = path.find(':'), eq = path.find('=');
      json doc = json::parse(body, nullptr, false);
      if (slash != std::string::npos && colon < eq && eq < slash && doc.is_object() && ds.is_action(path)) {
        ds.parse_action_input(path.substr(0, colon), percent_decode(path.substr(eq + 1, slash - eq - 1)),
                              path.substr(slash + 1), doc);  // the name decoded, as the server does
      } else if (doc.is_object() && doc.contains("polycube:input") && doc["polycube:input"].is_object()) {
        // As framework_operation builds it. (libyang 2.1.30's lyd_parse_op
        // leaks what it parsed when the text is not JSON or holds no
        // operation; the daemon never hands it either.)
        static const char *ops[] = {"connect", "disconnect", "attach", "detach"};
        ds.parse_input(json{{std::string("polycube:") + ops[op / 6 % 4], doc["polycube:input"]}}.dump());
      }
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  Datastore &ds = store();
  auto parts = pcnfuzz::split_lines(std::string(reinterpret_cast<const char *>(data) + 1, size - 1), 2);
  std::string path = parts[0], body = parts.size() > 1 ? parts[1] : "";
  try {
    request(ds, data[0], path, body);
  } catch (const DataError &e) {
    check_error_document(e.what(), e.path());
  } catch (const polycube::Error &e) {
    check_error_document(e.what(), "");
  }
  return 0;
}
