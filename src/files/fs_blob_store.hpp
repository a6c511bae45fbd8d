#pragma once

#include <filesystem>
#include <memory>

#include "core/ports/blob_store.hpp"

namespace batchd::files {

/// The BlobStore of a local (or shared NFS) folder: the key "exports/a.csv" is the file
/// `<root>/exports/a.csv`. A key is a relative path of non-empty parts separated by '/'; a key that
/// is absolute, has a "." or ".." part, a backslash or a NUL, or is longer than 1024 bytes, is
/// refused with kInvalidData, so no key can name a file outside the root. A writer writes to a
/// temporary file beside the target and renames it over the target on Commit (after fsync), so a
/// reader sees either the old file or the whole new one, never a part.
///
/// Throws std::runtime_error (a startup error) if `root` cannot be created. Blocking; thread safety:
/// every method may be called concurrently; a writer or reader belongs to one thread at a time.
std::unique_ptr<core::BlobStore> MakeFsBlobStore(const std::filesystem::path& root);

}  // namespace batchd::files
