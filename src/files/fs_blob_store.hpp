#pragma once

#include <filesystem>
#include <memory>

#include "core/ports/blob_store.hpp"

namespace batchd::files {

/// The BlobStore of a local (or shared NFS) folder: the key "exports/a.csv" is the file
/// `<root>/exports/a.csv`.
///
/// Keys: a relative path of non-empty parts separated by '/'. A key that is absolute, has a part
/// that starts with '.' (so also "." and ".."), a backslash or a NUL, or is longer than 1024 bytes,
/// is refused with kInvalidData. Names starting with '.' are the store's own (unfinished files).
///
/// Symbolic links: never followed below the root. Every lookup walks the key's folders from an
/// open descriptor of the root with openat(O_NOFOLLOW) on each part, so a key whose path meets a
/// symbolic link is refused with kInvalidData — also one swapped in while we walk. (The root
/// itself may be a link.)
///
/// Writes: a writer writes the unfinished file `<folder>/.<name>.partial` beside the target and
/// renames it over the target on Commit (after fsync), so a reader sees either the old file or the
/// whole new one, never a part. The unfinished file's name depends only on the key, so that after
/// a takeover Resume(key, size) finds what a suspended or dead writer left; Create drops it and
/// starts anew; Remove removes both. One writer per key at a time: a writer whose unfinished file
/// was replaced by another's (Create or Resume of the same key) gets kConflict from Commit instead
/// of publishing the other's bytes.
///
/// Throws std::runtime_error (a startup error) if `root` cannot be created. Blocking; thread safety:
/// every method may be called concurrently; a writer or reader belongs to one thread at a time.
std::unique_ptr<core::BlobStore> MakeFsBlobStore(const std::filesystem::path& root);

}  // namespace batchd::files
