# Reuse earlier compilations when ccache is on the machine: a clean CI clone rebuilds in seconds.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
