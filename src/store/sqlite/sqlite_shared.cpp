#include "store/sqlite/sqlite_shared.hpp"

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <fmt/core.h>

namespace batchd::store::sqlite {
namespace {

void ValidateOrThrow(const SqliteConfig& config) {
    if (config.file.empty()) {
        throw std::runtime_error("SQLite store: no database file configured");
    }
    if (config.busy_timeout_ms < 0) {
        throw std::runtime_error("SQLite store: busy_timeout_ms must not be negative");
    }
    if (config.read_connections < 1) {
        throw std::runtime_error("SQLite store: read_connections must be at least 1");
    }
}

}  // namespace

void BindAll(Statement& statement, const std::vector<Param>& params) {
    int index = 1;
    for (const Param& param : params) {
        std::visit([&](const auto& value) { statement.Bind(index, value); }, param);
        ++index;
    }
}

Connection OpenWriterOrThrow(const SqliteConfig& config) {
    ValidateOrThrow(config);
    if (const auto folder = config.file.parent_path(); !folder.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(folder, ec);
        if (ec) {
            throw std::runtime_error(fmt::format("cannot create the folder {} for the SQLite database: {}",
                                                 folder.string(), ec.message()));
        }
    }
    return Connection{OpenDb(config.file, OpenMode::kReadWrite, config.busy_timeout_ms)};
}

ReaderPool::ReaderPool(const SqliteConfig& config) {
    for (int i = 0; i < config.read_connections; ++i) {
        idle_.push_back(
            std::make_unique<Connection>(OpenDb(config.file, OpenMode::kReadOnly, config.busy_timeout_ms)));
    }
}

ReaderPool::Lease ReaderPool::Acquire() {
    std::unique_lock lock{mu_};
    returned_.wait(lock, [&] { return !idle_.empty(); });
    std::unique_ptr<Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease{*this, std::move(connection)};
}

void ReaderPool::Return(std::unique_ptr<Connection> connection) {
    {
        std::scoped_lock lock{mu_};
        idle_.push_back(std::move(connection));
    }
    returned_.notify_one();
}

}  // namespace batchd::store::sqlite
