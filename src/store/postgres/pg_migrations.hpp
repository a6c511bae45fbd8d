#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace batchd::store::postgres {

/// One numbered schema change, from `migrations/NNNN_name.sql`. The texts are embedded in the
/// binary at build time (CMakeLists.txt generates pg_migrations.cpp), so the server needs no files.
struct Migration {
    std::int64_t version;   // NNNN: migrations apply in increasing version order
    std::string_view name;  // "0001_init": what schema_migrations records
    std::string_view sql;   // one or more statements
};

/// Every migration this binary knows, in increasing version order.
[[nodiscard]] std::span<const Migration> EmbeddedMigrations() noexcept;

}  // namespace batchd::store::postgres
