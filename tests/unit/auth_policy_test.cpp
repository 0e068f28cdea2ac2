// The pieces of runtime control that decide alone, without a daemon:
// the tokens file parser, the request classification and the role rules
// (auth_policy.h), and the audit log's time format.
#include <gtest/gtest.h>

#include <stdexcept>

#include "audit_log.h"
#include "auth_credentials.h"
#include "auth_policy.h"

using namespace polycube::daemon;

namespace {

const std::string kHex = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";  // SHA-256("test")

TEST(AuthCredentials, ParsesTokensCertificatesAndUids) {
  Credentials c = parse_credentials("# comment\r\n\n  sha256:" + kHex + "\talice operator # trailing\r\n"
                                    "cert:carol carol viewer\nuid:1000 bob admin\n",
                                    "t");
  ASSERT_EQ(c.size(), 3u);
  // Stored lower-case, as sha256_hex() writes digests.
  ASSERT_EQ(c.tokens.count(sha256_hex("test")), 1u);
  EXPECT_EQ(c.tokens.at(sha256_hex("test")).user, "alice");
  EXPECT_EQ(c.tokens.at(sha256_hex("test")).role, Role::kOperator);
  EXPECT_EQ(c.certificates.at("carol").role, Role::kViewer);
  EXPECT_EQ(c.uids.at(1000).role, Role::kAdmin);
  EXPECT_EQ(parse_credentials("", "t").size(), 0u);
}

TEST(AuthCredentials, RefusesBadLinesNamingThem) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"sha256:abcd alice admin", "t:1: sha256: needs the 64 hex digits"},
      {"\nsha256:" + kHex + " alice", "t:2: expected"},
      {"sha256:" + kHex + " alice root", "unknown role 'root'"},
      {"sha256:" + kHex + " al\"ice admin", "user"},
      {"cert:carol dave admin", "subject CN"},
      {"uid:-1 x admin", "not a user id"},
      {"uid:99999999999 x admin", "not a user id"},
      {"token:" + kHex + " a admin", "unknown credential kind"},
      {"sha256: a admin", "must be sha256:<hex>"},
      {"sha256:" + kHex + " a admin\nsha256:" + std::string(kHex).replace(0, 1, "9") + " b admin", "t:2: credential"},
  };
  for (const auto &[text, why] : bad) {
    SCOPED_TRACE(text);
    try {
      parse_credentials(text, "t");
      ADD_FAILURE() << "accepted";
    } catch (const std::runtime_error &e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  }
}

TEST(AuthPolicy, ClassifiesFromMethodAndPathAlone) {
  auto part = [](const char *m, const char *t) { return classify_request(m, t).part; };
  EXPECT_EQ(part("GET", "/healthz"), ApiPart::kPublic);
  EXPECT_EQ(part("GET", "/readyz?x"), ApiPart::kPublic);
  EXPECT_EQ(part("GET", "/metrics"), ApiPart::kMeta);
  EXPECT_EQ(part("POST", "/restconf/data"), ApiPart::kServiceData);
  EXPECT_EQ(part("PATCH", "/restconf/data/bridge:bridge=b1"), ApiPart::kServiceData);
  EXPECT_EQ(part("GET", "/restconf/data/polycube:cubes"), ApiPart::kFrameworkData);
  EXPECT_EQ(part("PATCH", "/restconf/data/polycube:daemon"), ApiPart::kDaemonSettings);
  EXPECT_EQ(part("GET", "/restconf/data/polycube:daemon"), ApiPart::kDaemonSettings);
  EXPECT_EQ(part("DELETE", "/restconf/data/polycube:cubes"), ApiPart::kDaemonSettings);  // any write to polycube:*
  EXPECT_EQ(part("GET", "/restconf/data/polycube:audit?since=x"), ApiPart::kAudit);
  EXPECT_EQ(part("POST", "/restconf/operations/polycube:connect"), ApiPart::kFrameworkOps);
  // An encoding or extra slashes cannot move a request to a weaker part.
  EXPECT_EQ(part("PATCH", "/restconf/data/polycube%3Adaemon"), ApiPart::kDaemonSettings);
  EXPECT_EQ(part("PATCH", "/restconf/data//polycube:daemon"), ApiPart::kDaemonSettings);
  EXPECT_EQ(part("GET", "/restconf/data/%70olycube:audit"), ApiPart::kAudit);
  EXPECT_EQ(classify_request("POST", "/restconf/data/bridge:bridge=b1/fdb/flush").access, kCreate);
  EXPECT_EQ(classify_request("PUT", "/restconf/data/bridge:bridge=b1").access, kCreate | kUpdate);
  EXPECT_EQ(classify_request("POST", "/restconf/operations/polycube:attach").access, kExec);
  EXPECT_EQ(classify_request("HEAD", "/restconf/data").access, kRead);
  // Upstream's layout (polycube_v1.h) is classified as what it aliases.
  EXPECT_EQ(part("POST", "/polycube/v1/helloworld/hw0/ports/p1"), ApiPart::kServiceData);
  EXPECT_EQ(part("PATCH", "/polycube/v1/hw0"), ApiPart::kServiceData);
  EXPECT_EQ(part("GET", "/polycube/v1/cubes"), ApiPart::kFrameworkData);
  EXPECT_EQ(part("PATCH", "/polycube/v1/cubes"), ApiPart::kDaemonSettings);
  EXPECT_EQ(part("POST", "/polycube/v1/connect"), ApiPart::kFrameworkOps);
  EXPECT_EQ(part("POST", "/polycube/v1//%63onnect"), ApiPart::kFrameworkOps);
  EXPECT_EQ(part("GET", "/polycube/v1/metrics"), ApiPart::kMeta);
  EXPECT_EQ(classify_request("POST", "/polycube/v1/attach").access, kExec);
}

TEST(AuthPolicy, RolesPermitWhatTheDocsSay) {
  auto may = [](Role r, const char *m, const char *t) { return permitted(r, classify_request(m, t)); };
  for (Role r : {Role::kViewer, Role::kOperator, Role::kAdmin}) {
    SCOPED_TRACE(to_string(r));
    EXPECT_TRUE(may(r, "GET", "/restconf/data/bridge:bridge=b1"));
    EXPECT_TRUE(may(r, "GET", "/restconf/data/polycube:daemon"));
    EXPECT_TRUE(may(r, "OPTIONS", "*"));
    EXPECT_TRUE(may(r, "GET", "/healthz"));
    EXPECT_EQ(may(r, "POST", "/restconf/data"), r != Role::kViewer);
    EXPECT_EQ(may(r, "DELETE", "/restconf/data/bridge:bridge=b1"), r != Role::kViewer);
    EXPECT_EQ(may(r, "POST", "/restconf/operations/polycube:connect"), r != Role::kViewer);
    EXPECT_EQ(may(r, "PATCH", "/restconf/data/polycube:daemon"), r == Role::kAdmin);
    EXPECT_EQ(may(r, "GET", "/restconf/data/polycube:audit"), r == Role::kAdmin);
    EXPECT_EQ(may(r, "HEAD", "/restconf/data/polycube:audit"), r == Role::kAdmin);
    // A method the API does not take needs update access (the router then
    // answers 405): a viewer learns nothing more than 403.
    EXPECT_EQ(may(r, "BREW", "/restconf/data"), r != Role::kViewer);
    EXPECT_EQ(may(r, "BREW", "/restconf/data/polycube:daemon"), r == Role::kAdmin);
  }
  std::string rule;
  EXPECT_FALSE(permitted(Role::kOperator, classify_request("PATCH", "/restconf/data/polycube:daemon"), &rule));
  EXPECT_EQ(rule, "default-deny");
  EXPECT_FALSE(permitted(Role::kOperator, classify_request("GET", "/restconf/data/polycube:audit"), &rule));
  EXPECT_EQ(rule, "audit-log-is-admin-only");
  EXPECT_EQ(role_from_string("operator"), Role::kOperator);
  EXPECT_FALSE(role_from_string("Operator"));
}

TEST(AuditTime, Rfc3339RoundTripAndRefusals) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_rfc3339("2026-12-03T13:05:01.123Z"), 1796303101123LL);
  EXPECT_EQ(format_rfc3339(1796303101123LL), "2026-12-03T13:05:01.123Z");
  for (const char *bad : {"", "yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-12-03 13:05:01Z",
                          "2026-12-03T13:05:01", "2026-12-03T13:05:01Zjunk", "2026-12-03T24:00:00Z"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

}  // namespace
