#include "store/postgres/pg_errors.hpp"

namespace batchd::store::postgres {

core::Errc ErrcForSqlState(std::string_view sqlstate) noexcept {
    if (sqlstate == "40001" || sqlstate == "40P01") {
        return core::Errc::kConflict;
    }
    if (sqlstate == "23505") {
        return core::Errc::kDuplicate;
    }
    // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now: the server is going
    // away or not up yet, so the same call works later. 53300: the server is out of connection
    // slots, as when many processes start at once.
    if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" ||
        sqlstate == "53300") {
        return core::Errc::kUnavailable;
    }
    if (sqlstate.starts_with("22")) {
        return core::Errc::kInvalidData;
    }
    return core::Errc::kInternal;
}

}  // namespace batchd::store::postgres
