#include "store/postgres/pg_migrations.hpp"

#include <array>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "integration/pg_test_support.hpp"
#include "store/postgres/pg_database.hpp"

extern char** environ;

namespace batchd::pgtest {
namespace {

// One pg_migrate_once process: started, held at its stdin until released, its stdout collected.
struct Child {
    pid_t pid = -1;
    int gate = -1;    // write end of the child's stdin: closing it says "go"
    int output = -1;  // read end of the child's stdout
};

Child Spawn(const std::string& url) {
    std::array<int, 2> stdin_pipe{};
    std::array<int, 2> stdout_pipe{};
    if (pipe(stdin_pipe.data()) != 0 || pipe(stdout_pipe.data()) != 0) {
        throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, stdin_pipe[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, stdout_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, stdin_pipe[1]);
    posix_spawn_file_actions_addclose(&actions, stdout_pipe[0]);
    std::string program = BATCHD_PG_MIGRATE_ONCE;
    std::string argument = url;
    std::array<char*, 3> argv{program.data(), argument.data(), nullptr};
    Child child;
    const int spawned = posix_spawn(&child.pid, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(stdin_pipe[0]);
    close(stdout_pipe[1]);
    if (spawned != 0) {
        throw std::runtime_error("cannot start " + program);
    }
    child.gate = stdin_pipe[1];
    child.output = stdout_pipe[0];
    return child;
}

std::string ReadAll(int fd) {
    std::string text;
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t n = read(fd, buffer.data(), buffer.size());
        if (n <= 0) {
            break;
        }
        text.append(buffer.data(), static_cast<std::size_t>(n));
    }
    close(fd);
    return text;
}

TEST(PgMigrations, EightProcessesStartingAtOnceApplyEachMigrationExactlyOnce) {
    const std::string url = TestUrl();
    if (url.empty()) {
        SkipWithoutServer();
        return;
    }
    TestSchema schema{url};
    constexpr int kProcesses = 8;
    std::vector<Child> children;
    for (int i = 0; i < kProcesses; ++i) {
        children.push_back(Spawn(schema.Url()));
    }
    for (const Child& child : children) {
        close(child.gate);  // all of them go at once
    }

    std::map<std::string, int> applied_by_count;  // migration name → how many processes applied it
    for (const Child& child : children) {
        const std::string output = ReadAll(child.output);
        int status = 0;
        ASSERT_EQ(waitpid(child.pid, &status, 0), child.pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a migrating process failed";
        std::istringstream lines{output};
        for (std::string line; std::getline(lines, line);) {
            if (line.starts_with("applied ")) {
                ++applied_by_count[line.substr(8)];
            }
        }
    }

    const auto known = store::postgres::EmbeddedMigrations();
    ASSERT_FALSE(known.empty());
    std::map<std::string, int> expected;
    for (const auto& migration : known) {
        expected[std::string(migration.name)] = 1;
    }
    EXPECT_EQ(applied_by_count, expected) << "some migration was applied twice, or never";

    const PgResult recorded =
        Exec(schema.Conn(), "SELECT version, name FROM schema_migrations ORDER BY version");
    ASSERT_EQ(PQntuples(recorded.get()), static_cast<int>(known.size()));
    for (int row = 0; row < PQntuples(recorded.get()); ++row) {
        const auto& migration = known[static_cast<std::size_t>(row)];
        EXPECT_EQ(std::string(PQgetvalue(recorded.get(), row, 0)), std::to_string(migration.version));
        EXPECT_EQ(std::string(PQgetvalue(recorded.get(), row, 1)), migration.name);
    }
    const PgResult tables =
        Exec(schema.Conn(),
             "SELECT to_regclass('batch_job') IS NOT NULL AND to_regclass('batch_job_event') "
             "IS NOT NULL AND to_regclass('\"user\"') IS NOT NULL");
    EXPECT_EQ(std::string(PQgetvalue(tables.get(), 0, 0)), "t");

    EXPECT_TRUE(store::postgres::MigratePg({.url = schema.Url()}).empty())
        << "a migrated database migrated again";
}

}  // namespace
}  // namespace batchd::pgtest
