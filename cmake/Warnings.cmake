# batchd_warnings: the warning set every target of ours compiles with (taopq's set).
add_library(batchd_warnings INTERFACE)
target_compile_options(batchd_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
    $<$<BOOL:${BATCHD_WERROR}>:-Werror>)
