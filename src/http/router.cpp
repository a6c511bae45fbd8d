#include "http/router.hpp"

#include "http/percent_encoding.hpp"
#include "http/utf8.hpp"
#include "support/ascii.hpp"

namespace batchd::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
    if (path.size() > 1 && path.back() == '/') {
        path.remove_suffix(1);
    }
    std::vector<std::string_view> segments;
    if (path.empty() || path.front() != '/') {
        return segments;
    }
    path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return segments;
}

}  // namespace

const std::string& Call::Param(std::string_view name) const {
    static const std::string kNone;
    for (const auto& [key, value] : params) {
        if (key == name) {
            return value;
        }
    }
    return kNone;
}

void Router::Add(std::string method, std::string_view pattern, RouteHandler handler) {
    Route route{std::move(method), {}, std::move(handler)};
    for (std::string_view segment : SplitPath(pattern)) {
        route.segments.emplace_back(segment);
    }
    routes_.push_back(std::move(route));
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
    const std::vector<std::string_view> segments = SplitPath(path);
    RouteMatch match;
    for (const Route& route : routes_) {
        if (route.segments.size() != segments.size() || segments.empty()) {
            continue;
        }
        bool matches = true;
        for (std::size_t i = 0; i < segments.size() && matches; ++i) {
            const std::string& expected = route.segments[i];
            matches = expected.starts_with(':') ? !segments[i].empty()
                                                : EqualsIgnoringAsciiCase(expected, segments[i]);
        }
        if (!matches) {
            continue;
        }
        if (route.method != method) {
            if (match.allow.find(route.method) == std::string::npos) {
                match.allow += match.allow.empty() ? route.method : ", " + route.method;
            }
            match.kind = RouteMatch::Kind::kWrongMethod;
            continue;
        }
        PathParams params;
        for (std::size_t i = 0; i < segments.size(); ++i) {
            const std::string& expected = route.segments[i];
            if (!expected.starts_with(':')) {
                continue;
            }
            auto decoded = PercentDecodePath(segments[i]);
            // decodeURIComponent also refuses escapes that are not UTF-8 ("%FF").
            if (!decoded || !IsValidUtf8(*decoded)) {
                return RouteMatch{RouteMatch::Kind::kBadParam,
                                  nullptr,
                                  {},
                                  {},
                                  "Failed to decode param '" + SanitizeUtf8(segments[i]) + "'"};
            }
            if (decoded->find('\0') != std::string::npos) {
                return RouteMatch{RouteMatch::Kind::kBadParam,
                                  nullptr,
                                  {},
                                  {},
                                  "The path parameter " + expected.substr(1) + " must not contain NUL bytes"};
            }
            params.emplace_back(expected.substr(1), std::move(*decoded));
        }
        return RouteMatch{RouteMatch::Kind::kFound, &route.handler, std::move(params), {}, {}};
    }
    return match;
}

}  // namespace batchd::http
