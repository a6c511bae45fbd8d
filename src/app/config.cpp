#include "app/config.hpp"

#include <charconv>
#include <cstdlib>

#include <toml++/toml.h>

namespace batchd::app {
namespace {

std::optional<std::string> Env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    return std::string(value);
}

template <class Int>
Int ParseInt(const std::string& text, const char* what, Int min, Int max) {
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < static_cast<long long>(min) ||
        value > static_cast<long long>(max)) {
        throw ConfigError(std::string(what) + ": expected a whole number from " + std::to_string(min) +
                          " to " + std::to_string(max) + ", got \"" + text + "\"");
    }
    return static_cast<Int>(value);
}

std::vector<std::string> SplitColons(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = text.find(':', start);
        std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!part.empty()) {
            parts.push_back(std::move(part));
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return parts;
}

template <class Int>
void ReadInt(const toml::table& table, const char* key, Int& out, Int min, Int max) {
    if (const auto node = table[key]) {
        const auto value = node.value<long long>();
        if (!value || *value < static_cast<long long>(min) || *value > static_cast<long long>(max)) {
            throw ConfigError(std::string("config key ") + key + ": expected a whole number from " +
                              std::to_string(min) + " to " + std::to_string(max));
        }
        out = static_cast<Int>(*value);
    }
}

void ReadString(const toml::table& table, const char* key, std::string& out) {
    if (const auto node = table[key]) {
        const auto value = node.value<std::string>();
        if (!value) {
            throw ConfigError(std::string("config key ") + key + ": expected a string");
        }
        out = *value;
    }
}

void ReadMillis(const toml::table& table, const char* key, std::chrono::milliseconds& out) {
    long long millis = out.count();
    ReadInt<long long>(table, key, millis, 1, 86'400'000);
    out = std::chrono::milliseconds{millis};
}

void ApplyFile(const std::filesystem::path& file, Config& config) {
    toml::table table;
    try {
        table = toml::parse_file(file.string());
    } catch (const toml::parse_error& error) {
        throw ConfigError("cannot read config " + file.string() + ": " + std::string(error.description()));
    }
    ReadString(table, "address", config.address);
    ReadInt<std::uint16_t>(table, "port", config.port, 0, 65535);
    std::string data_dir = config.data_dir.string();
    ReadString(table, "data_dir", data_dir);
    config.data_dir = data_dir;
    ReadString(table, "database_url", config.database_url);
    ReadString(table, "redis_url", config.redis_url);
    ReadInt(table, "workers", config.workers, 0, 256);
    ReadInt<std::size_t>(table, "body_limit", config.body_limit, 1024, std::size_t{1} << 30);
    ReadInt<std::uint64_t>(table, "upload_limit", config.upload_limit, 1024, std::uint64_t{1} << 40);
    ReadInt<std::uint32_t>(table, "header_limit", config.header_limit, 1024, 1024 * 1024);
    ReadMillis(table, "read_timeout_ms", config.read_timeout);
    ReadString(table, "public_url", config.public_url);
    ReadString(table, "signing_secret", config.signing_secret);
    ReadInt(table, "io_threads", config.io_threads, 1, 64);
    ReadInt(table, "blocking_threads", config.blocking_threads, 1, 256);
    ReadString(table, "log_level", config.log_level);
    if (const auto* plugins = table["plugins"].as_array()) {
        for (const auto& plugin : *plugins) {
            const auto path = plugin.value<std::string>();
            if (!path) {
                throw ConfigError("config key plugins: expected an array of paths");
            }
            config.plugins.push_back(*path);
        }
    }
    if (const auto* worker = table["worker"].as_table()) {
        ReadMillis(*worker, "lease_ms", config.lease);
        ReadMillis(*worker, "heartbeat_ms", config.heartbeat);
        ReadMillis(*worker, "poll_ms", config.poll);
        ReadMillis(*worker, "progress_interval_ms", config.progress_interval);
        ReadMillis(*worker, "shutdown_grace_ms", config.shutdown_grace);
        if (const auto* limits = (*worker)["type_concurrency"].as_table()) {
            for (const auto& [type, limit] : *limits) {
                const auto value = limit.value<long long>();
                if (!value || *value < 1 || *value > 256) {
                    throw ConfigError("config key worker.type_concurrency." + std::string(type.str()) +
                                      ": expected a whole number from 1 to 256");
                }
                config.type_concurrency[std::string(type.str())] = static_cast<int>(*value);
            }
        }
    }
}

void ApplyEnvironment(Config& config) {
    if (auto value = Env("BATCHD_ADDRESS")) {
        config.address = *value;
    }
    if (auto value = Env("BATCHD_PORT")) {
        config.port = ParseInt<std::uint16_t>(*value, "BATCHD_PORT", 0, 65535);
    }
    if (auto value = Env("BATCHD_DATA_DIR")) {
        config.data_dir = *value;
    }
    if (auto value = Env("DATABASE_URL")) {
        config.database_url = *value;
    }
    if (auto value = Env("REDIS_URL")) {
        config.redis_url = *value;
    }
    if (auto value = Env("BATCHD_WORKERS")) {
        config.workers = ParseInt(*value, "BATCHD_WORKERS", 0, 256);
    }
    if (auto value = Env("BATCHD_PLUGINS")) {
        for (auto& plugin : SplitColons(*value)) {
            config.plugins.push_back(std::move(plugin));
        }
    }
    if (auto value = Env("BATCHD_BODY_LIMIT")) {
        config.body_limit = ParseInt<std::size_t>(*value, "BATCHD_BODY_LIMIT", 1024, std::size_t{1} << 30);
    }
    if (auto value = Env("BATCHD_UPLOAD_LIMIT")) {
        config.upload_limit =
            ParseInt<std::uint64_t>(*value, "BATCHD_UPLOAD_LIMIT", 1024, std::uint64_t{1} << 40);
    }
    if (auto value = Env("BATCHD_HEADER_LIMIT")) {
        config.header_limit = ParseInt<std::uint32_t>(*value, "BATCHD_HEADER_LIMIT", 1024, 1024 * 1024);
    }
    if (auto value = Env("BATCHD_READ_TIMEOUT_MS")) {
        config.read_timeout =
            std::chrono::milliseconds{ParseInt<long long>(*value, "BATCHD_READ_TIMEOUT_MS", 1, 86'400'000)};
    }
    if (auto value = Env("BATCHD_PUBLIC_URL")) {
        config.public_url = *value;
    }
    if (auto value = Env("BATCHD_SIGNING_SECRET")) {
        config.signing_secret = *value;
    }
    if (auto value = Env("BATCHD_LOG_LEVEL")) {
        config.log_level = *value;
    }
}

}  // namespace

std::string Config::DatabaseUrl() const {
    if (!database_url.empty()) {
        return database_url;
    }
    return "sqlite://" + std::filesystem::absolute(data_dir / "batchd.db").lexically_normal().string();
}

Config LoadConfig(const ConfigOverrides& flags) {
    Config config;
    std::optional<std::filesystem::path> file = flags.config_file;
    if (!file) {
        if (auto value = Env("BATCHD_CONFIG")) {
            file = *value;
        }
    }
    if (file) {
        ApplyFile(*file, config);
    }
    ApplyEnvironment(config);
    if (flags.address) {
        config.address = *flags.address;
    }
    if (flags.port) {
        config.port = ParseInt<std::uint16_t>(std::to_string(*flags.port), "--port", 0, 65535);
    }
    if (flags.data_dir) {
        config.data_dir = *flags.data_dir;
    }
    if (flags.workers) {
        config.workers = ParseInt(std::to_string(*flags.workers), "--workers", 0, 256);
    }
    for (const auto& plugin : flags.plugins) {
        config.plugins.push_back(plugin);
    }
    if (flags.no_workers) {
        config.workers = 0;
    }
    while (config.public_url.ends_with('/')) {
        config.public_url.pop_back();
    }
    if (config.heartbeat >= config.lease) {
        throw ConfigError("worker.heartbeat_ms must be shorter than worker.lease_ms");
    }
    return config;
}

}  // namespace batchd::app
