// RESTCONF path segments are percent-decoded into YANG strings: text that
// is not UTF-8 (or holds NUL) is refused as a bad value (400), and the
// message never repeats the raw bytes (it goes into a JSON answer). Node
// names must be identifiers before libyang (C strings) sees them. Found by
// tests/fuzz/fuzz_datastore_body: `DELETE .../simplebridge=%FF` answered 500
// with nlohmann's "invalid UTF-8 byte" in plain text, and an action path
// ".../append<NUL><bytes>" was taken for the action `append`.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "datastore.h"
#include "restconf_path.h"

using namespace polycube::daemon;

namespace {

TEST(RestconfPath, PercentDecodingGivesUtf8Text) {
  EXPECT_EQ(percent_decode("10.0.0.0%2F24"), "10.0.0.0/24");
  EXPECT_EQ(percent_decode("caf%C3%A9"), "caf\xC3\xA9");
  EXPECT_EQ(percent_decode("%F0%9F%98%80"), "\xF0\x9F\x98\x80");  // U+1F600
  for (const char *bad : {"%FF", "a%C3", "%C0%AF" /* overlong '/' */, "%ED%A0%80" /* surrogate */,
                          "%F4%90%80%80" /* > U+10FFFF */, "a%00b", "raw\xA2", "%G1", "%2"}) {
    try {
      percent_decode(bad);
      ADD_FAILURE() << "accepted " << nlohmann::json(std::string(bad)).dump(-1, ' ', false,
                                                                            nlohmann::json::error_handler_t::replace);
    } catch (const DataError &e) {
      EXPECT_EQ(e.code(), polycube::ErrorCode::kInvalid) << e.what();
      // The message is JSON-safe: what the server will put in its answer.
      EXPECT_NO_THROW(nlohmann::json(std::string(e.what())).dump()) << bad;
      EXPECT_NO_THROW(nlohmann::json(e.path()).dump()) << bad;
    }
  }
  EXPECT_EQ(percent_decode(percent_encode("sp ace/slash,comma\xC3\xA9")), "sp ace/slash,comma\xC3\xA9");
}

TEST(RestconfPath, NodeNamesAreIdentifiers) {
  std::ifstream in(PCN_SOURCE_DIR "/services/simplebridge/simplebridge.yang");
  std::stringstream yang;
  yang << in.rdbuf();
  Datastore ds;
  ds.load_module(yang.str());
  EXPECT_TRUE(ds.is_action("simplebridge:simplebridge=sb1/fdb/flush"));
  const std::string nul("simplebridge:simplebridge=sb1/fdb/flush\0\xff", 42);
  EXPECT_FALSE(ds.is_action(nul));
  EXPECT_THROW(ds.xpath(nul), DataError);
  EXPECT_THROW(ds.xpath("simplebridge:simplebridge=sb1/f\xff" "db"), DataError);
  EXPECT_THROW(ds.xpath("simple bridge:simplebridge=sb1"), DataError);
  EXPECT_EQ(ds.xpath("simplebridge:simplebridge=sb1/ports=p%2F1"),
            "/simplebridge:simplebridge[name='sb1']/ports[name='p/1']");
  // The same for a body's place (wrap), which PUT/PATCH/POST below the root use.
  const std::string port_nul("simplebridge:simplebridge=sb1/ports\0\xc0", 37);
  EXPECT_THROW(ds.wrap(port_nul, R"({"simplebridge:ports":[{"name":"p1"}]})", true), DataError);
  EXPECT_NO_THROW(ds.wrap("simplebridge:simplebridge=sb1", R"({"simplebridge:ports":[{"name":"p1"}]})", true));
  // An action segment takes no key (found by fuzz_datastore_body: the key's
  // raw bytes went into the JSON of the input).
  EXPECT_NO_THROW(ds.parse_action_input("simplebridge", "sb1", "fdb/flush", nlohmann::json::object()));
  EXPECT_THROW(ds.parse_action_input("simplebridge", "sb1", "fdb/flush=x\xb4", nlohmann::json::object()), DataError);
  EXPECT_TRUE(is_api_identifier("simplebridge:fdb"));
  EXPECT_TRUE(is_api_identifier("aging-time"));
  EXPECT_FALSE(is_api_identifier(""));
  EXPECT_FALSE(is_api_identifier("a:"));
  EXPECT_FALSE(is_api_identifier("1abc"));
}

}  // namespace
