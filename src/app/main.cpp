// batchd: the composition root. The only file that sees every layer; it wires them explicitly, in
// dependency order, so that destruction runs in reverse (HOUSE-STYLE §3.3).
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "app/config.hpp"
#include "app/fixtures.hpp"
#include "app/seed.hpp"
#include "app/wiring.hpp"
#include "auth/credentials.hpp"
#include "auth/url_signer.hpp"
#include "core/strategy_registry.hpp"
#include "files/fs_blob_store.hpp"
#include "http/server.hpp"
#include "runtime/event_relay.hpp"
#include "runtime/job_service.hpp"
#include "runtime/plugin_loader.hpp"
#include "runtime/system_clock.hpp"
#include "runtime/worker_pool.hpp"
#include "strategies/product_export.hpp"

namespace batchd::app {
namespace {

// Logs go to stderr: stdout carries only what scripts read (the listening line, a new token).
void SetUpLogging(const Config& config) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("batchd"));
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
}

// "<host>:<pid>": names this process in bus groups and logs.
std::string ProcessName() {
    std::array<char, 256> host{};
    gethostname(host.data(), host.size() - 1);
    return std::string(host.data()) + ":" + std::to_string(getpid());
}

// Blocks SIGINT and SIGTERM in this thread and every thread started after it, so that only the
// sigwait in WaitForShutdownSignal receives them.
sigset_t BlockShutdownSignals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

int WaitForShutdownSignal(const sigset_t& signals) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    return signal_number;
}

// Past the grace period a phase that has not reached a checkpoint is abandoned: the process exits,
// its leases expire, and another worker resumes the phases from their last checkpoints (fencing
// keeps this process's late writes out). Better than a shutdown that hangs forever.
void ArmShutdownDeadline(std::chrono::milliseconds grace) {
    std::thread{[grace] {
        std::this_thread::sleep_for(grace);
        spdlog::error("shutdown took longer than {} ms: exiting; unfinished phases resume elsewhere",
                      grace.count());
        spdlog::shutdown();
        std::_Exit(EXIT_FAILURE);
    }}.detach();
}

// The built-in types first, so that a plugin may override one (MEDUSA-SPEC §3.5).
core::StrategyRegistry LoadStrategies(const Config& config,
                                      core::CatalogStore& catalog,
                                      const core::Clock& clock) {
    core::StrategyRegistry strategies;
    (void)strategies.Add(strategies::MakeProductExportStrategy(catalog, clock));
    for (const std::string& plugin : config.plugins) {
        runtime::LoadPlugin(plugin, strategies);
        spdlog::info("loaded plugin {}", plugin);
    }
    return strategies;
}

runtime::WorkerConfig MakeWorkerConfig(const Config& config, const core::StrategyRegistry& strategies) {
    runtime::WorkerConfig worker_config;
    worker_config.workers = config.workers;
    worker_config.lease = config.lease;
    worker_config.heartbeat = config.heartbeat;
    worker_config.poll = config.poll;
    worker_config.progress_interval = config.progress_interval;
    worker_config.types = strategies.Types();  // a job of a type nobody here knows stays for someone who does
    worker_config.type_concurrency = config.type_concurrency;
    return worker_config;
}

/// What `serve` and `worker` share: the store, the bus, the strategies, and the two things that run
/// jobs — the event relay and the worker pool. Members are declared in dependency order.
struct Engine {
    explicit Engine(const Config& config)
        : database(MakeDatabase(config)),
          catalog(MakeCatalogStore(config)),
          bus(MakeEventBus(config)),
          files(files::MakeFsBlobStore(config.FilesRoot())),
          strategies(LoadStrategies(config, *catalog, clock)),
          // Every process relays the shared outbox: the events of its own writes and those another
          // process recorded but died before publishing.
          relay(*database, *bus),
          workers(MakeWorkerConfig(config, strategies), *database, strategies, clock, *files, [this] {
              relay.Wake();
          }) {}

    // Also on an early exit (a port already in use): nothing may outlive what it uses.
    ~Engine() { Stop(); }
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Starts the worker threads, woken by the bus. A group of this process's own: every process
    /// hears every wake-up and every cancel.
    void StartWorkers() {
        workers.Subscribe(*bus, "workers@" + ProcessName());
        workers.Start();
    }

    /// Running phases stop at a checkpoint and give their leases back; then the relay publishes
    /// what the last writes recorded. Idempotent.
    void Stop() {
        workers.Stop();
        relay.Stop();
        bus->Stop();
    }

    runtime::SystemClock clock;
    std::unique_ptr<core::Database> database;
    std::unique_ptr<core::CatalogStore> catalog;
    std::unique_ptr<core::EventBus> bus;
    std::unique_ptr<core::BlobStore> files;
    core::StrategyRegistry strategies;
    runtime::EventRelay relay;
    runtime::WorkerPool workers;
};

std::string DatabaseKind(const Config& config) {
    const std::string url = config.DatabaseUrl();
    return url.substr(0, url.find(':'));
}

int Serve(const Config& config) {
    const sigset_t signals = BlockShutdownSignals();
    Engine engine{config};
    runtime::JobService jobs{*engine.database, engine.strategies, engine.clock,
                             [&engine] { engine.relay.Wake(); }};
    if (config.workers > 0) {
        engine.StartWorkers();
    }

    boost::asio::thread_pool blocking{static_cast<std::size_t>(config.blocking_threads)};
    http::ServerConfig server_config;
    server_config.address = config.address;
    server_config.port = config.port;
    server_config.io_threads = config.io_threads;
    server_config.body_limit = config.body_limit;
    server_config.upload_limit = config.upload_limit;
    server_config.header_limit = config.header_limit;
    server_config.read_timeout = config.read_timeout;
    const auth::UrlSigner url_signer{LoadSigningSecret(config)};
    http::Services services{
        jobs,          *engine.database, engine.strategies, *engine.database, blocking, *engine.catalog,
        *engine.files, url_signer,       config.public_url};
    services.bus = engine.bus.get();  // hears user deletions, wherever they are made
    http::Server server{server_config, services};
    const std::uint16_t port = server.Start();
    std::cout << "batchd listening on http://" << config.address << ":" << port << std::endl;
    spdlog::info("serving on {}:{} with {} workers, database {}", config.address, port, config.workers,
                 DatabaseKind(config));

    const int signal_number = WaitForShutdownSignal(signals);
    spdlog::info("signal {}: shutting down", signal_number);
    ArmShutdownDeadline(config.shutdown_grace);
    server.Stop();  // no new requests
    engine.Stop();
    blocking.join();
    return EXIT_SUCCESS;
}

// `batchd worker`: Serve without HTTP. Any number of these, on any machines, share one PostgreSQL
// (the truth) and one Redis (the wake-ups); leases with fencing keep each phase on one of them.
int Work(const Config& config) {
    if (config.workers < 1) {
        std::cerr << "batchd worker: --workers must be at least 1\n";
        return EXIT_FAILURE;
    }
    const sigset_t signals = BlockShutdownSignals();
    Engine engine{config};
    engine.StartWorkers();
    std::cout << "batchd worker ready" << std::endl;
    spdlog::info("worker {} running {} threads, database {}", ProcessName(), config.workers,
                 DatabaseKind(config));

    const int signal_number = WaitForShutdownSignal(signals);
    spdlog::info("signal {}: shutting down", signal_number);
    ArmShutdownDeadline(config.shutdown_grace);
    engine.Stop();
    return EXIT_SUCCESS;
}

int Migrate(const Config& config) {
    const auto applied = MigrateDatabase(config);
    for (const std::string& name : applied) {
        std::cerr << "applied " << name << "\n";
    }
    std::cerr << (applied.empty() ? "database is up to date\n" : "migrations done\n");
    return EXIT_SUCCESS;
}

int AddUser(const Config& config,
            const std::string& email,
            const std::string& password,
            std::string id,
            std::string token) {
    runtime::SystemClock clock;
    auto database = MakeDatabase(config);
    if (token.empty()) {
        token = auth::NewApiToken();
    }
    core::NewUser user;
    const core::TimePoint now = clock.Now();
    user.user.id = core::UserId{id.empty() ? auth::NewUserId(now) : std::move(id)};
    user.user.email = email;
    user.user.created_at = now;
    user.user.updated_at = now;
    if (!password.empty()) {
        user.password_hash = auth::HashPassword(password);
    }
    user.api_token_hash = auth::HashApiToken(token);
    auto created = database->CreateUser(user);
    if (!created) {
        std::cerr << "batchd: cannot add user " << email << ": " << created.error().detail << "\n";
        return EXIT_FAILURE;
    }
    std::cerr << "created user " << created->id.value << " <" << email << ">; its API token:\n";
    std::cout << token << std::endl;
    return EXIT_SUCCESS;
}

// `batchd user delete`: a soft delete (the row stays, jobs name it), then a word to every server on
// the bus so that none keeps accepting the user's API token from its cache.
int DeleteUser(const Config& config, const std::string& email) {
    runtime::SystemClock clock;
    auto database = MakeDatabase(config);
    auto user = database->FindUserByEmail(email);
    if (!user) {
        std::cerr << "batchd: cannot delete user " << email << ": " << user.error().detail << "\n";
        return EXIT_FAILURE;
    }
    if (auto deleted = database->DeleteUser(user->id, clock.Now()); !deleted) {
        std::cerr << "batchd: cannot delete user " << email << ": " << deleted.error().detail << "\n";
        return EXIT_FAILURE;
    }
    std::cerr << "deleted user " << user->id.value << " <" << email << ">\n";
    auto bus = MakeEventBus(config);
    const auto published =
        bus->Publish(core::BusEvent{std::string(core::kUserDeletedEvent), core::JobId{user->id.value}});
    bus->Stop();
    if (!published || config.redis_url.empty()) {
        // The servers do not hear us: their token caches forget the user on their own, within 5 s.
        std::cerr << "note: servers that share no bus with this command (REDIS_URL) may accept the user's "
                     "API token for up to 5 more seconds\n";
    }
    return EXIT_SUCCESS;
}

int LoadFixtureFile(const Config& config, const std::string& file) {
    runtime::SystemClock clock;
    auto database = MakeDatabase(config);  // migrates, so it comes first
    auto catalog = MakeCatalogStore(config);
    const FixtureCounts counts = LoadFixtures(file, *database, *catalog, clock.Now());
    std::cerr << "loaded " << counts.users << " users, " << counts.jobs << " batch jobs, " << counts.products
              << " products (" << counts.variants << " variants), " << counts.price_lists
              << " price lists and " << counts.orders << " orders from " << file << "\n";
    return EXIT_SUCCESS;
}

// `batchd seed`: a synthetic catalog straight into the store; needs no workers, bus or files.
int Seed(const Config& config, const SeedOptions& options) {
    auto database = MakeDatabase(config);  // migrates, so it comes first
    auto catalog = MakeCatalogStore(config);
    const auto started = std::chrono::steady_clock::now();
    auto seeded = SeedCatalog(*catalog, options);
    if (!seeded) {
        std::cerr << "batchd seed: " << seeded.error().detail << "\n";
        return EXIT_FAILURE;
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::cout << "seeded " << seeded->products << " products, " << seeded->variants << " variants, "
              << seeded->orders << " orders in " << std::fixed << std::setprecision(1) << took.count() << " s"
              << std::endl;
    return EXIT_SUCCESS;
}

void AddConfigFlags(CLI::App& command, ConfigOverrides& flags) {
    command.add_option("--config", flags.config_file, "TOML config file (also BATCHD_CONFIG)");
    command.add_option("--data-dir", flags.data_dir,
                       "where the embedded database and files live (default ./var)");
}

int Run(int argc, char** argv) {
    CLI::App cli{"batchd: a batch-job server, wire-compatible with Medusa v1's admin batch-jobs API"};
    cli.require_subcommand(1);
    ConfigOverrides flags;

    auto* serve = cli.add_subcommand("serve", "serve the admin API and run jobs");
    AddConfigFlags(*serve, flags);
    serve->add_option("--address", flags.address, "address to listen on (default 127.0.0.1)");
    serve->add_option("--port", flags.port, "port to listen on; 0 picks a free one (default 9000)");
    serve->add_option("--workers", flags.workers, "worker threads in this process (default 4)");
    serve->add_option("--plugin", flags.plugins, "strategy plugin to load (.so); repeatable");
    serve->add_flag("--no-workers", flags.no_workers, "serve the API only; other processes run the jobs");

    auto* worker = cli.add_subcommand("worker", "run jobs without serving the API (one of many workers)");
    AddConfigFlags(*worker, flags);
    worker->add_option("--workers", flags.workers, "worker threads in this process (default 4)");
    worker->add_option("--plugin", flags.plugins, "strategy plugin to load (.so); repeatable");

    auto* migrate = cli.add_subcommand("migrate", "apply pending database migrations and exit");
    AddConfigFlags(*migrate, flags);

    auto* user = cli.add_subcommand("user", "manage admin users");
    user->require_subcommand(1);
    auto* user_add = user->add_subcommand("add", "create an admin user and print its API token");
    AddConfigFlags(*user_add, flags);
    std::string email, password, user_id, token;
    user_add->add_option("--email", email, "the user's email")->required();
    user_add->add_option("--password", password, "password for the dashboard (stored as an argon2id hash)");
    user_add->add_option("--id", user_id, "user id (default: a new usr_… id)");
    user_add->add_option("--token", token, "API token to give the user (default: a new random one)");

    auto* user_delete = user->add_subcommand(
        "delete",
        "soft-delete an admin user: its API token stops working (at once on the servers sharing "
        "REDIS_URL, within 5 s elsewhere)");
    AddConfigFlags(*user_delete, flags);
    std::string delete_email;
    user_delete->add_option("--email", delete_email, "the user's email")->required();

    auto* fixtures = cli.add_subcommand("fixtures", "load exact data for tests and demos");
    fixtures->require_subcommand(1);
    auto* fixtures_load =
        fixtures->add_subcommand("load", "insert the users, batch jobs and catalog of a JSON file");
    AddConfigFlags(*fixtures_load, flags);
    std::string fixture_file;
    fixtures_load->add_option("file", fixture_file, "the JSON file")->required()->check(CLI::ExistingFile);

    auto* seed = cli.add_subcommand("seed", "generate a synthetic catalog (deterministic for a --seed)");
    AddConfigFlags(*seed, flags);
    SeedOptions seed_options;
    seed->add_option("--products", seed_options.products, "products to make")
        ->required()
        ->check(CLI::NonNegativeNumber);
    seed->add_option("--variants-per-product", seed_options.variants_per_product, "variants of each product")
        ->required()
        ->check(CLI::Range(1, 1000));
    seed->add_option("--orders", seed_options.orders, "orders to make (default 0)")
        ->check(CLI::NonNegativeNumber);
    seed->add_option("--seed", seed_options.seed, "the generator's seed (default 1)");
    seed->add_option("--batch-size", seed_options.batch_size,
                     "products (orders) per transaction (default 1000)")
        ->check(CLI::PositiveNumber);

    CLI11_PARSE(cli, argc, argv);
    const Config config = LoadConfig(flags);
    SetUpLogging(config);
    if (serve->parsed()) {
        return Serve(config);
    }
    if (worker->parsed()) {
        return Work(config);
    }
    if (migrate->parsed()) {
        return Migrate(config);
    }
    if (user_add->parsed()) {
        return AddUser(config, email, password, user_id, token);
    }
    if (user_delete->parsed()) {
        return DeleteUser(config, delete_email);
    }
    if (fixtures_load->parsed()) {
        return LoadFixtureFile(config, fixture_file);
    }
    if (seed->parsed()) {
        return Seed(config, seed_options);
    }
    return EXIT_FAILURE;
}

}  // namespace
}  // namespace batchd::app

int main(int argc, char** argv) try {
    return batchd::app::Run(argc, argv);
} catch (const std::exception& error) {
    std::fprintf(stderr, "batchd: %s\n", error.what());
    return EXIT_FAILURE;
}
