// SHA-256 hex digest through OpenSSL's EVP interface (already a tokenmeter dependency).
#pragma once

#include <tokenmeter/config.hpp>

#include <openssl/evp.h>

#include <string>
#include <string_view>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing::detail {

[[nodiscard]] inline std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

}  // namespace pricing::detail
TOKENMETER_END_NAMESPACE
