# batchd_add_test(NAME n SOURCES … LIBS … LABELS … [CONCURRENCY_TESTS regex]): one GoogleTest
# executable, discovered by CTest. Its tests get LABELS; those whose names match CONCURRENCY_TESTS
# also get the label `concurrency` (LABELS may name `concurrency` itself for all of them).
find_package(GTest REQUIRED)
include(GoogleTest)

# batchd_concurrency_tests builds every test executable with `concurrency` tests and nothing else:
# the tsan build preset builds only it, so the ThreadSanitizer build compiles neither batchd nor the
# tests that run on one thread.
add_custom_target(batchd_concurrency_tests)

function(batchd_add_test)
    cmake_parse_arguments(ARG "" "NAME;CONCURRENCY_TESTS" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${ARG_NAME} ${ARG_SOURCES})
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main batchd_warnings)
    target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60)
    # gtest_discover_tests (CMake 3.25) flattens a list-valued property and keeps only its first
    # item, so the labels are set by a script ctest runs once it has read the discovered tests.
    set(script ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_labels.cmake)
    set(tests "${ARG_NAME}_TESTS")
    file(WRITE ${script}
        "if(${tests})\n  set_tests_properties(\${${tests}} PROPERTIES LABELS \"${ARG_LABELS}\")\nendif()\n")
    if(ARG_CONCURRENCY_TESTS)
        file(APPEND ${script}
            "set(concurrent_tests \"\")\n"
            "foreach(test IN LISTS ${tests})\n"
            "  if(test MATCHES \"${ARG_CONCURRENCY_TESTS}\")\n"
            "    list(APPEND concurrent_tests \${test})\n"
            "  endif()\n"
            "endforeach()\n"
            "if(concurrent_tests)\n"
            "  set_tests_properties(\${concurrent_tests} PROPERTIES LABELS \"${ARG_LABELS};concurrency\")\n"
            "endif()\n")
    endif()
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${script})
    if("concurrency" IN_LIST ARG_LABELS OR ARG_CONCURRENCY_TESTS)
        add_dependencies(batchd_concurrency_tests ${ARG_NAME})
    endif()
endfunction()
