#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace batchd::core {

/// A file being written. Nothing is visible under its key until Commit() succeeds; destroying an
/// uncommitted writer discards what was written.
class BlobWriter {
public:
    virtual ~BlobWriter() = default;
    [[nodiscard]] virtual Result<void> Write(std::string_view bytes) = 0;
    /// Makes the file visible under its key, replacing any file there. Returns its size in bytes.
    [[nodiscard]] virtual Result<std::int64_t> Commit() = 0;
};

/// A file being read, front to back.
class BlobReader {
public:
    virtual ~BlobReader() = default;
    /// Up to `max` bytes; an empty string at the end.
    [[nodiscard]] virtual Result<std::string> Read(std::size_t max) = 0;
};

/// Where uploads and export files live, by key. Keys are relative names; an implementation refuses
/// any key that could leave its root (kInvalidData). Implementation: FsBlobStore (local folder).
/// Blocking; thread safety: every method may be called concurrently.
class BlobStore {
public:
    virtual ~BlobStore() = default;
    [[nodiscard]] virtual Result<std::unique_ptr<BlobWriter>> Create(std::string_view key) = 0;
    [[nodiscard]] virtual Result<std::unique_ptr<BlobReader>> Open(std::string_view key) = 0;
    [[nodiscard]] virtual Result<std::int64_t> Size(std::string_view key) = 0;
    /// Removing a key that does not exist succeeds.
    [[nodiscard]] virtual Result<void> Remove(std::string_view key) = 0;
};

}  // namespace batchd::core
