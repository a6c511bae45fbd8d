#include "app/fixtures.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/json/parse.hpp>

#include "auth/credentials.hpp"
#include "core/batch_job.hpp"
#include "core/time_text.hpp"

namespace batchd::app {
namespace {

namespace json = boost::json;

std::string StringOr(const json::object& entry, std::string_view key, std::string fallback = {}) {
    const json::value* value = entry.if_contains(key);
    if (value == nullptr || value->is_null()) {
        return fallback;
    }
    if (!value->is_string()) {
        throw std::runtime_error(std::string(key) + " must be a string");
    }
    return std::string(value->as_string());
}

std::optional<core::TimePoint> TimeOf(const json::object& entry, std::string_view key) {
    const std::string text = StringOr(entry, key);
    if (text.empty()) {
        return std::nullopt;
    }
    auto at = core::ParseIsoTime(text);
    if (!at) {
        throw std::runtime_error(std::string(key) + " is not an ISO-8601 time: " + text);
    }
    return at;
}

core::NewUser UserFrom(const json::object& entry, core::TimePoint now) {
    core::NewUser user;
    user.user.id = core::UserId{StringOr(entry, "id")};
    user.user.email = StringOr(entry, "email");
    if (user.user.id.value.empty() || user.user.email.empty()) {
        throw std::runtime_error("a user needs an id and an email");
    }
    user.user.first_name = StringOr(entry, "first_name");
    user.user.last_name = StringOr(entry, "last_name");
    user.user.role = StringOr(entry, "role", "admin");
    user.user.created_at = TimeOf(entry, "created_at").value_or(now);
    user.user.updated_at = TimeOf(entry, "updated_at").value_or(user.user.created_at);
    user.user.deleted_at = TimeOf(entry, "deleted_at");
    if (const std::string password = StringOr(entry, "password"); !password.empty()) {
        user.password_hash = auth::HashPassword(password);
    }
    if (const std::string token = StringOr(entry, "api_token"); !token.empty()) {
        user.api_token_hash = auth::HashApiToken(token);
    }
    return user;
}

core::BatchJob JobFrom(const json::object& entry, core::TimePoint created_at) {
    core::BatchJob job;
    job.id = core::JobId{StringOr(entry, "id")};
    job.type = StringOr(entry, "type");
    if (job.id.value.empty() || job.type.empty()) {
        throw std::runtime_error("a batch job needs an id and a type");
    }
    if (const std::string by = StringOr(entry, "created_by"); !by.empty()) {
        job.created_by = core::UserId{by};
    }
    if (const json::value* context = entry.if_contains("context")) {
        job.context = *context;
    }
    if (const json::value* result = entry.if_contains("result")) {
        job.result = *result;
    }
    if (const json::value* dry_run = entry.if_contains("dry_run"); dry_run != nullptr && dry_run->is_bool()) {
        job.dry_run = dry_run->as_bool();
    }
    job.pre_processed_at = TimeOf(entry, "pre_processed_at");
    job.confirmed_at = TimeOf(entry, "confirmed_at");
    job.processing_at = TimeOf(entry, "processing_at");
    job.completed_at = TimeOf(entry, "completed_at");
    job.canceled_at = TimeOf(entry, "canceled_at");
    job.failed_at = TimeOf(entry, "failed_at");
    job.created_at = TimeOf(entry, "created_at").value_or(created_at);
    job.updated_at = TimeOf(entry, "updated_at").value_or(job.created_at);
    job.deleted_at = TimeOf(entry, "deleted_at");
    return job;
}

const json::array* ArrayIn(const json::object& root, std::string_view key) {
    const json::value* value = root.if_contains(key);
    if (value == nullptr) {
        return nullptr;
    }
    if (!value->is_array()) {
        throw std::runtime_error(std::string(key) + " must be an array");
    }
    return &value->as_array();
}

}  // namespace

FixtureCounts LoadFixtures(const std::filesystem::path& file, core::Database& database, core::TimePoint now) {
    std::ifstream in(file);
    if (!in) {
        throw std::runtime_error("cannot open " + file.string());
    }
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code error;
    const json::value root = json::parse(text.str(), error);
    if (error || !root.is_object()) {
        throw std::runtime_error(file.string() + " is not a JSON object: " + error.message());
    }
    FixtureCounts counts;
    if (const json::array* users = ArrayIn(root.as_object(), "users")) {
        for (const json::value& entry : *users) {
            if (!entry.is_object()) {
                throw std::runtime_error("users[] entries must be objects");
            }
            auto created = database.CreateUser(UserFrom(entry.as_object(), now));
            if (!created) {
                throw std::runtime_error("user " + std::to_string(counts.users) + ": " +
                                         created.error().detail);
            }
            ++counts.users;
        }
    }
    if (const json::array* jobs = ArrayIn(root.as_object(), "batch_jobs")) {
        core::TimePoint next_created_at = now - std::chrono::milliseconds{static_cast<long>(jobs->size())};
        for (const json::value& entry : *jobs) {
            if (!entry.is_object()) {
                throw std::runtime_error("batch_jobs[] entries must be objects");
            }
            const core::BatchJob job = JobFrom(entry.as_object(), next_created_at);
            next_created_at += std::chrono::milliseconds{1};
            auto inserted = database.Insert(job, {});
            if (!inserted) {
                throw std::runtime_error("batch job " + job.id.value + ": " + inserted.error().detail);
            }
            ++counts.jobs;
        }
    }
    return counts;
}

}  // namespace batchd::app
