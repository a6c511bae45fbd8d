#include "http/batch_jobs_routes.hpp"

#include <array>

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/batch_jobs_params.hpp"
#include "http/errors.hpp"
#include "http/job_json.hpp"
#include "runtime/run_blocking.hpp"

namespace batchd::http {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

Response JsonResponse(int status, const json::object& body) {
    Response response;
    response.status = status;
    response.body = json::serialize(body);
    return response;
}

// One job's body, GET /admin/batch-jobs/:id's hot path: the JSON tree is built in a stack arena
// (a job is well under 4 KB; a larger context spills to the heap), so it costs no heap block per
// member and frees at once.
Response JobResponse(int status, const core::BatchJob& job) {
    std::array<unsigned char, 4096> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init): arena space
    json::monotonic_resource arena{buffer.data(), buffer.size()};
    const json::storage_ptr storage{&arena};
    json::object body{1, storage};
    body.emplace("batch_job", JobToJson(job, {}, nullptr, storage));
    return JsonResponse(status, body);
}

// Whatever a store says about a missing job, the wire says it in Medusa's words.
core::Error NotFound(const core::JobId& id) {
    return core::Error{core::Errc::kNotFound, "Batch job with id " + id.value + " was not found"};
}

core::Result<core::BatchJob> WithJobNotFoundText(core::Result<core::BatchJob> job, const core::JobId& id) {
    if (!job && job.error().code == core::Errc::kNotFound) {
        return NotFound(id);
    }
    return job;
}

// The two middlewares of every /:id route (MEDUSA-SPEC §4): load, then the ownership check.
awaitable<core::Result<core::BatchJob>> LoadOwnedJob(const Services& services, const Call& call) {
    const core::JobId id{call.Param("id")};
    auto job = co_await runtime::RunBlocking(services.blocking, [&] { return services.jobs.Get(id); });
    if (!job) {
        co_return WithJobNotFoundText(std::move(job), id);
    }
    // A job nobody created (created_by null) belongs to nobody.
    if (!job->created_by || !call.user || *job->created_by != call.user->id) {
        co_return core::Error{core::Errc::kNotAllowed, std::string(kNotOwnerMessage)};
    }
    co_return job;
}

awaitable<Response> ListJobs(const Services& services, Call& call) {
    auto params = ParseListParams(call.request.query);
    if (!params) {
        co_return ErrorResponse(params.error());
    }
    params->query.created_by = call.user->id;
    auto page =
        co_await runtime::RunBlocking(services.blocking, [&] { return services.jobs.List(params->query); });
    if (!page) {
        co_return ErrorResponse(page.error());
    }
    json::array jobs;
    jobs.reserve(page->jobs.size());
    for (const core::BatchJob& job : page->jobs) {
        // The list only ever holds the caller's own jobs, so the caller is every job's creator.
        const core::User* creator = job.created_by == call.user->id ? &*call.user : nullptr;
        jobs.push_back(JobToJson(job, params->projection, creator));
    }
    co_return JsonResponse(200, json::object{
                                    {"batch_jobs", std::move(jobs)},
                                    {"count", page->count},
                                    {"offset", params->query.offset},
                                    {"limit", params->query.limit},
                                });
}

awaitable<Response> CreateJob(const Services& services, Call& call) {
    auto request = ParseCreateBody(call.request.body);
    if (!request) {
        co_return ErrorResponse(request.error());
    }
    if (request->dry_run_is_null) {
        // v1 resolves the strategy first, then its insert breaks the NOT NULL column.
        if (auto strategy = services.strategies.Resolve(request->input.type); !strategy) {
            co_return ErrorResponse(strategy.error());
        }
        co_return ErrorResponse(core::Error{core::Errc::kInvalidData, std::string(kDryRunNullMessage)});
    }
    auto job = co_await runtime::RunBlocking(
        services.blocking, [&] { return services.jobs.Create(call.user->id, std::move(request->input)); });
    if (!job) {
        co_return ErrorResponse(job.error());
    }
    co_return JobResponse(201, *job);
}

awaitable<Response> ListTypes(const Services& services, Call& /*call*/) {
    json::array types;
    for (const std::string& type : services.strategies.Types()) {
        types.emplace_back(type);
    }
    co_return JsonResponse(200, json::object{{"types", std::move(types)}});
}

awaitable<Response> GetJob(const Services& services, Call& call) {
    auto job = co_await LoadOwnedJob(services, call);
    if (!job) {
        co_return ErrorResponse(job.error());
    }
    co_return JobResponse(200, *job);
}

using Transition = core::Result<core::BatchJob> (runtime::JobService::*)(const core::JobId&);

awaitable<Response> TransitionJob(const Services& services, Call& call, Transition transition) {
    auto owned = co_await LoadOwnedJob(services, call);
    if (!owned) {
        co_return ErrorResponse(owned.error());
    }
    const core::JobId& id = owned->id;
    auto job =
        co_await runtime::RunBlocking(services.blocking, [&] { return (services.jobs.*transition)(id); });
    job = WithJobNotFoundText(std::move(job), id);
    if (!job) {
        co_return ErrorResponse(job.error());
    }
    co_return JobResponse(200, *job);
}

}  // namespace

void AddBatchJobRoutes(Router& router, const Services& services) {
    router.Add("GET", "/admin/batch-jobs", [services](Call& call) { return ListJobs(services, call); });
    router.Add("POST", "/admin/batch-jobs", [services](Call& call) { return CreateJob(services, call); });
    router.Add("GET", "/admin/batch-jobs/types",
               [services](Call& call) { return ListTypes(services, call); });
    router.Add("GET", "/admin/batch-jobs/:id", [services](Call& call) { return GetJob(services, call); });
    router.Add("POST", "/admin/batch-jobs/:id/confirm", [services](Call& call) {
        return TransitionJob(services, call, &runtime::JobService::Confirm);
    });
    router.Add("POST", "/admin/batch-jobs/:id/cancel", [services](Call& call) {
        return TransitionJob(services, call, &runtime::JobService::Cancel);
    });
}

}  // namespace batchd::http
