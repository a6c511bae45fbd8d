# batchd_warnings: the warning set every target of ours compiles with (taopq's set).
# -Wnull-dereference is left out of ThreadSanitizer builds: at -O2, GCC 12 follows the paths TSan's
# instrumentation adds through inlined libstdc++ and Boost code (std::optional, variant2) and
# reports null dereferences no source line can reach. The dev preset (Debug, ASan) keeps it.
if("thread" IN_LIST BATCHD_SANITIZE)
    set(_batchd_null_dereference "")
else()
    set(_batchd_null_dereference -Wnull-dereference)
endif()
add_library(batchd_warnings INTERFACE)
target_compile_options(batchd_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual ${_batchd_null_dereference} -Wimplicit-fallthrough
    $<$<BOOL:${BATCHD_WERROR}>:-Werror>)
