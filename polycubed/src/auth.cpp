#include "auth.h"

#include <cctype>

namespace polycube::daemon {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool valid_bearer_token(std::string_view t) {
  if (t.empty() || t.size() > 4096) return false;
  size_t i = 0;
  for (; i < t.size(); i++) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/')) break;
  }
  if (i == 0) return false;
  for (; i < t.size(); i++)
    if (t[i] != '=') return false;
  return true;
}

}  // namespace

Authenticator::Authenticator(std::string tokens_file, bool client_certificates)
    : tokens_file_(std::move(tokens_file)), client_certificates_(client_certificates) {
  credentials_ = std::make_shared<const Credentials>(tokens_file_.empty() ? Credentials{}
                                                                          : load_credentials(tokens_file_));
}

void Authenticator::reload() {
  if (tokens_file_.empty()) return;
  auto fresh = std::make_shared<const Credentials>(load_credentials(tokens_file_));
  std::lock_guard<std::mutex> lock(mu_);
  credentials_ = std::move(fresh);
}

std::shared_ptr<const Credentials> Authenticator::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return credentials_;
}

size_t Authenticator::credentials() const { return current()->size(); }

AuthDecision Authenticator::decide(const http::HttpRequest &head, const http::PeerIdentity &peer) const {
  AuthDecision d;
  const RequestClass rc = classify_request(head.method, head.target);
  std::shared_ptr<const Credentials> creds = current();
  std::optional<Identity> who;
  // Without authentication configured a token means nothing (everyone is
  // an anonymous admin on loopback): a pcn with $PCN_TOKEN set still works.
  const std::string *authz = required() ? head.header("authorization") : nullptr;
  if (authz) {
    std::string_view v = *authz;
    auto space = v.find(' ');
    std::string_view scheme = v.substr(0, space);
    std::string_view token = space == std::string_view::npos ? std::string_view() : v.substr(space + 1);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    if (!iequals(scheme, "Bearer")) {
      d.outcome = AuthDecision::kBadCredentials;
      d.reason = "only Bearer tokens are accepted (RFC 6750)";
    } else if (!valid_bearer_token(token)) {
      d.outcome = AuthDecision::kBadCredentials;
      d.reason = "the bearer token is malformed";
    } else if (auto it = creds->tokens.find(sha256_hex(token)); it != creds->tokens.end()) {
      who = it->second;
      d.principal.via = "token";
    } else {
      d.outcome = AuthDecision::kBadCredentials;
      d.reason = "the bearer token is not valid";
    }
    if (!who) return d;
  } else if (peer.tls && !peer.certificate_subject.empty()) {
    auto it = creds->certificates.find(peer.certificate_subject);
    who = it != creds->certificates.end() ? it->second : Identity{peer.certificate_subject, Role::kViewer};
    d.principal.via = "certificate";
  } else if (peer.has_credentials) {
    if (auto it = creds->uids.find(peer.uid); it != creds->uids.end()) who = it->second;
    else if (peer.uid == 0) who = Identity{"root", Role::kAdmin};
    else who = Identity{"uid:" + std::to_string(peer.uid), Role::kOperator};
    d.principal.via = "peer-credentials";
  } else if (rc.part == ApiPart::kPublic || !required()) {
    who = Identity{"anonymous", required() ? Role::kViewer : Role::kAdmin};
    d.principal.via = "none";
  } else {
    d.outcome = AuthDecision::kNoCredentials;
    d.reason = "authentication required: send Authorization: Bearer <token>";
    return d;
  }
  d.principal.user = who->user;
  d.principal.role = to_string(who->role);
  std::string rule;
  if (!permitted(who->role, rc, &rule)) {
    d.outcome = AuthDecision::kDenied;
    d.reason = std::string("role ") + to_string(who->role) + " may not " + head.method + " " + to_string(rc.part) +
               " (rule " + rule + ")";
  }
  return d;
}

}  // namespace polycube::daemon
