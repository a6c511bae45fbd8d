#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace batchd::app {

/// Everything batchd can be told at startup. Sources, later wins: built-in defaults, the TOML file
/// (`--config`), the environment (`DATABASE_URL`, `REDIS_URL`, `BATCHD_*`), command-line flags.
struct Config {
    std::string address = "127.0.0.1";
    std::uint16_t port = 9000;
    std::filesystem::path data_dir = "var";  // the SQLite file and local files live here by default
    std::string database_url;                // empty: sqlite:///<data_dir>/batchd.db
    std::string redis_url;                   // empty: the in-process bus
    int workers = 4;                         // worker threads in this process; 0 with --no-workers
    std::vector<std::string> plugins;        // strategy plugins (.so) loaded at start, in order
    std::size_t body_limit = 102'400;        // bytes; Medusa's 100 KB JSON limit, larger → 413
    std::uint64_t upload_limit = std::uint64_t{1} << 30;  // bytes of one multipart upload request
    std::uint32_t header_limit = 16 * 1024;               // bytes of a request line + headers; larger → 431
    std::chrono::milliseconds read_timeout{30'000};       // to receive one whole request; slower: closed
    std::string public_url;      // how clients reach this server, for links; empty: http://address:port
    std::string signing_secret;  // signs download links; empty: <data_dir>/signing-secret (made once)
    int io_threads = 2;          // HTTP threads, one io_context each
    int blocking_threads = 4;    // HTTP → store calls
    std::string log_level = "info";

    std::chrono::milliseconds lease{10'000};     // how long a claimed phase stays ours without a heartbeat
    std::chrono::milliseconds heartbeat{2'000};  // how often a running phase renews its lease
    std::chrono::milliseconds poll{500};         // idle workers look for due work at least this often
    std::chrono::milliseconds progress_interval{200};  // at most one progress write per job per interval
    std::chrono::milliseconds shutdown_grace{30'000};  // SIGTERM: how long running phases get to stop
    std::map<std::string, int> type_concurrency;       // most phases of a job type at once per process

    [[nodiscard]] std::string DatabaseUrl() const;
    [[nodiscard]] std::filesystem::path FilesRoot() const { return data_dir / "files"; }
};

/// A config file or value that cannot be used; main prints it and exits non-zero.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Flags given on the command line; unset ones leave the lower layers alone.
struct ConfigOverrides {
    std::optional<std::filesystem::path> config_file;
    std::optional<std::string> address;
    std::optional<int> port;
    std::optional<std::filesystem::path> data_dir;
    std::optional<int> workers;
    std::vector<std::string> plugins;
    bool no_workers = false;
};

/// Defaults ← config file ← environment ← flags. Throws ConfigError with the offending key.
[[nodiscard]] Config LoadConfig(const ConfigOverrides& flags);

}  // namespace batchd::app
