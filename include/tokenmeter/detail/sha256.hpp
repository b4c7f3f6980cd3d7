// SHA-256 (OpenSSL's libcrypto): vocabulary checksums, rate-table content hashes, id digests.
#pragma once

#include <tokenmeter/config.hpp>

#include <string>
#include <string_view>

#include <openssl/evp.h>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

[[nodiscard]] inline std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(len) * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  return out;
}

}  // namespace detail
TOKENMETER_END_NAMESPACE
