#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace batchd::core {

/// A file being written. Nothing is visible under its key until Commit() succeeds; destroying an
/// uncommitted writer discards what was written, unless Suspend() kept it for BlobStore::Resume.
class BlobWriter {
public:
    virtual ~BlobWriter() = default;
    [[nodiscard]] virtual Result<void> Write(std::string_view bytes) = 0;
    /// Makes every byte written so far durable, so that a checkpoint may record the size: after a
    /// crash, BlobStore::Resume(key, that size) continues from there.
    [[nodiscard]] virtual Result<void> Sync() = 0;
    /// Keeps the unfinished file when the writer is destroyed (a worker handing its job over), so
    /// that another writer may Resume it. Without it the destructor discards the file.
    virtual void Suspend() = 0;
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
    /// A writer for `key`, starting empty (an unfinished file of the same key is dropped).
    [[nodiscard]] virtual Result<std::unique_ptr<BlobWriter>> Create(std::string_view key) = 0;
    /// Continues the unfinished file of `key` (left by a writer that was suspended or whose
    /// process died), cut back to its first `size` bytes. kNotFound if there is no such file or it
    /// is shorter than `size`: the caller then starts over with Create.
    [[nodiscard]] virtual Result<std::unique_ptr<BlobWriter>> Resume(std::string_view key,
                                                                     std::int64_t size) = 0;
    [[nodiscard]] virtual Result<std::unique_ptr<BlobReader>> Open(std::string_view key) = 0;
    [[nodiscard]] virtual Result<std::int64_t> Size(std::string_view key) = 0;
    /// Removes the file and any unfinished file of the key. Removing a key that does not exist
    /// succeeds.
    [[nodiscard]] virtual Result<void> Remove(std::string_view key) = 0;
};

}  // namespace batchd::core
