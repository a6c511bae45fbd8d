#pragma once

#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace batchd::http {

/// Adds the uploads routes of MEDUSA-SPEC §5 and batchd's signed downloads:
///   POST   /admin/uploads               multipart, file parts under `files` → {"uploads":[{url,key}…]}
///   POST   /admin/uploads/protected     the same (the local folder has no public/private split)
///   DELETE /admin/uploads               JSON {file_key} → {"id":key,"object":"file","deleted":true}
///   POST   /admin/uploads/download-url  JSON {file_key} → {"download_url": …} (404 if no such file)
///   GET    /files/:key?expires=&signature=   no auth: the signature is the credential; streams the file
///
/// Uploads: the server has spooled the body to a file (Request::body_file; Request::body for a
/// request built in memory); it is parsed on the blocking pool with the streaming MultipartParser
/// and each file part goes to `services.files` (Create/Write/Commit) under the caller's
/// `<user id>/uploads/<ULID>-<name>` (`<user id>/protected/<ULID>-<name>`), `<name>` being
/// SanitizeUploadName of its file name. Text parts (no filename) are ignored, as Medusa's multer does; a file
/// part under another field than `files`, a body that is not multipart or broken multipart is 400
/// invalid_data (BATCHD-CONTRACT §B.5), and the files of that request stored so far are removed.
///
/// Links: `<public_url or "http://"+Host>/files/<PercentEncodeKey(key)>?expires=<unix ms>&signature=<hex>`,
/// valid for one hour (UrlSigner). A bad or expired signature is 403 not_allowed; a key that is
/// empty, absolute, has a '.'/'..' part or a NUL is 400 before anything else.
///
/// Ownership (docs/adr/0006-file-ownership.md): DELETE and download-url take only a key whose first
/// segment is the caller's user id; any other is 400 not_allowed `Cannot access a file that does not
/// belong to the logged in user`, decided before the store is asked, so it tells nothing about
/// whether the file exists. A signed link works for whoever holds it.
void AddUploadRoutes(Router& router, const Services& services);

/// A file name as a key part: its base name (after the last '/' or '\'), every byte outside
/// [A-Za-z0-9 ._()+,-] replaced by '_', at most 200 bytes; "file" when nothing is left.
[[nodiscard]] std::string SanitizeUploadName(std::string_view filename);

/// Every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX, '/' included: a key is one
/// path segment of a download link.
[[nodiscard]] std::string PercentEncodeKey(std::string_view key);

/// The signed link to `key` for `base` (scheme://host[:port], no trailing '/'), valid until `expires_at`.
[[nodiscard]] std::string SignedDownloadUrl(const auth::UrlSigner& signer,
                                            std::string_view base,
                                            std::string_view key,
                                            core::TimePoint expires_at);

}  // namespace batchd::http
