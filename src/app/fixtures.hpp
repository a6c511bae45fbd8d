#pragma once

#include <filesystem>

#include "core/ports/database.hpp"

namespace batchd::app {

/// What `batchd fixtures load` inserted.
struct FixtureCounts {
    int users = 0;
    int jobs = 0;
};

/// Loads exact users and jobs from a JSON file (format in docs/operations.md) for tests and demos.
/// Jobs are inserted as they are, in file order; one without `created_at` is created 1 ms after the
/// previous one, so lists show them newest first. Throws std::runtime_error naming the bad entry.
FixtureCounts LoadFixtures(const std::filesystem::path& file, core::Database& database, core::TimePoint now);

}  // namespace batchd::app
