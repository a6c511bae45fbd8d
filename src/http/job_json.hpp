#pragma once

#include <bitset>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/batch_job.hpp"
#include "core/error.hpp"
#include "core/ports/user_store.hpp"

namespace batchd::http {

/// The columns of a job on the wire (MEDUSA-SPEC §1), in the order the JSON lists them.
enum class JobField : std::uint8_t {
    kId,
    kType,
    kCreatedBy,
    kContext,
    kResult,
    kDryRun,
    kPreProcessedAt,
    kConfirmedAt,
    kProcessingAt,
    kCompletedAt,
    kCanceledAt,
    kFailedAt,
    kCreatedAt,
    kUpdatedAt,
    kDeletedAt,
};
inline constexpr std::size_t kJobFieldCount = 15;

/// The wire name of a column ("pre_processed_at"), and back; nullopt for a name that is no column.
[[nodiscard]] std::string_view FieldName(JobField field) noexcept;
[[nodiscard]] std::optional<JobField> ParseJobField(std::string_view name) noexcept;

/// What a list shows of each job: a selection of columns (`fields`) and the relations to embed
/// (`expand`). The default shows every column. `status` is always shown, computed from the selected
/// timestamps only (as v1 computes it from what it loaded); `dry_run` is always shown with its real
/// value (BATCHD-CONTRACT §B.6: v1 shows the entity default `false` there).
struct JobProjection {
    std::bitset<kJobFieldCount> fields = std::bitset<kJobFieldCount>{}.set();
    bool expand_created_by_user = false;

    [[nodiscard]] bool Has(JobField field) const { return fields.test(static_cast<std::size_t>(field)); }
};

/// Reads the list's `fields` and `expand` parameters (each comma-separated; empty entries ignored).
/// `fields`: a plain name anywhere replaces the default selection with all the listed names (their
/// `+`/`-` stripped); otherwise `+x` adds and `-x` removes from the default. `id` and `created_at`
/// are always selected. `expand`: only `created_by_user` exists. Unknown names are kInvalidData
/// (`Requested fields [a, b] are not valid`, `Relations [x] are not valid`), never a 500.
[[nodiscard]] core::Result<JobProjection> ParseProjection(std::optional<std::string_view> fields,
                                                          std::optional<std::string_view> expand);

/// A job as Medusa's JSON shows it: every selected column (null when unset), ISO-8601 UTC timestamps
/// with milliseconds, `status`. `created_by_user`, when given and expanded, is embedded. Every
/// value is allocated from `storage` (a request-local arena spares the heap ~30 blocks per job).
[[nodiscard]] boost::json::object JobToJson(const core::BatchJob& job,
                                            const JobProjection& projection = {},
                                            const core::User* created_by_user = nullptr,
                                            boost::json::storage_ptr storage = {});

/// A user as `expand=created_by_user` shows it: id, email, first_name, last_name, role, created_at,
/// updated_at, deleted_at. A core::User carries no secret, so none can leak from here.
[[nodiscard]] boost::json::object UserToJson(const core::User& user, boost::json::storage_ptr storage = {});

}  // namespace batchd::http
