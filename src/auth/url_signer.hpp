#pragma once

#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace batchd::auth {

/// Signs and checks expiring download links: the signature is the lowercase hex HMAC-SHA256, under
/// the server's secret, of the file key and the expiry time, so a link names one file until one
/// moment and cannot be bent to another key or a later time. batchd serves such links itself
/// (`GET /files/<key>?expires=<unix ms>&signature=<hex>`); every process of a deployment must share
/// the secret for a link made by one to be served by another.
///
/// Thread safety: const methods may be called from any thread. Not blocking.
class UrlSigner {
public:
    /// `secret` is raw bytes, at least 32 of them (std::invalid_argument otherwise: a startup error).
    explicit UrlSigner(std::string secret);

    /// The signature of `key` valid until `expires_at`.
    [[nodiscard]] std::string Sign(std::string_view key, core::TimePoint expires_at) const;

    /// Whether `signature` is Sign(key, expires_at), compared in constant time, and `now` is not
    /// after `expires_at`.
    [[nodiscard]] bool Verify(std::string_view key,
                              core::TimePoint expires_at,
                              std::string_view signature,
                              core::TimePoint now) const;

private:
    std::string secret_;
};

}  // namespace batchd::auth
