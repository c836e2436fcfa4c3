#include "runed/registry/sigv4.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "openssl/hmac.h"
#include "openssl/sha.h"

namespace rune::daemon::registry {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

bool Unreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Leading and trailing blanks removed, inner runs of spaces collapsed to one.
std::string TrimValue(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  std::string out;
  out.reserve(value.size());
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      if (!in_space) out.push_back(' ');
      in_space = true;
      continue;
    }
    in_space = false;
    out.push_back(c);
  }
  return out;
}

// Lower-case name → trimmed values joined with ',', in the order given.
std::map<std::string, std::string> Canonical(const HeaderList& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : headers) {
    const std::string key = absl::AsciiStrToLower(name);
    auto [it, inserted] = out.emplace(key, TrimValue(value));
    if (!inserted) absl::StrAppend(&it->second, ",", TrimValue(value));
  }
  return out;
}

std::string Scope(absl::string_view date, absl::string_view region, absl::string_view service) {
  return absl::StrCat(date, "/", region, "/", service, "/aws4_request");
}

}  // namespace

std::string HexOf(absl::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

std::string HexSha256(absl::string_view data) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(data.data()), data.size(), digest);
  return HexOf(absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), key.size(), reinterpret_cast<const uint8_t*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string AmzDate(absl::Time t) { return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone()); }

std::string UriEncode(absl::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
      continue;
    }
    const unsigned char b = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string EncodeQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  std::sort(encoded.begin(), encoded.end());
  return absl::StrJoin(encoded, "&", [](std::string* out, const auto& p) { absl::StrAppend(out, p.first, "=", p.second); });
}

std::string SignedHeaderNames(const HeaderList& headers) {
  std::vector<std::string> names;
  for (const auto& [name, value] : Canonical(headers)) names.push_back(name);
  return absl::StrJoin(names, ";");
}

std::string CanonicalRequest(const SigV4Request& request, const HeaderList& headers) {
  const std::map<std::string, std::string> canonical = Canonical(headers);
  std::string header_block;
  for (const auto& [name, value] : canonical) absl::StrAppend(&header_block, name, ":", value, "\n");
  return absl::StrCat(request.method, "\n", UriEncode(request.path.empty() ? "/" : request.path, true), "\n",
                      EncodeQuery(request.query), "\n", header_block, "\n", SignedHeaderNames(headers), "\n",
                      HexSha256(request.body));
}

std::string SigningKey(absl::string_view secret, absl::string_view date, absl::string_view region,
                       absl::string_view service) {
  const std::string k_date = HmacSha256(absl::StrCat("AWS4", secret), date);
  const std::string k_region = HmacSha256(k_date, region);
  const std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, "aws4_request");
}

std::string SignatureOf(absl::string_view canonical_request, absl::string_view amz_date, absl::string_view region,
                        absl::string_view service, absl::string_view secret) {
  const absl::string_view date = amz_date.substr(0, 8);
  const std::string to_sign =
      absl::StrCat(kAlgorithm, "\n", amz_date, "\n", Scope(date, region, service), "\n", HexSha256(canonical_request));
  return HexOf(HmacSha256(SigningKey(secret, date, region, service), to_sign));
}

HeaderList SignV4(const SigV4Request& request, absl::string_view region, absl::string_view service,
                  const AwsCredentials& credentials, absl::Time now) {
  const std::string amz_date = AmzDate(now);
  HeaderList added = {{"X-Amz-Date", amz_date}};
  if (!credentials.session_token.empty()) added.emplace_back("X-Amz-Security-Token", credentials.session_token);

  HeaderList signed_headers = request.headers;
  signed_headers.emplace_back("Host", request.host);
  signed_headers.insert(signed_headers.end(), added.begin(), added.end());
  const std::string signature = SignatureOf(CanonicalRequest(request, signed_headers), amz_date, region, service,
                                            credentials.secret_access_key);
  added.emplace_back("Authorization",
                     absl::StrCat(kAlgorithm, " Credential=", credentials.access_key_id, "/",
                                  Scope(amz_date.substr(0, 8), region, service),
                                  ", SignedHeaders=", SignedHeaderNames(signed_headers), ", Signature=", signature));
  return added;
}

}  // namespace rune::daemon::registry
