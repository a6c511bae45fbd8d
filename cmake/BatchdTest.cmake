# batchd_add_test(NAME n SOURCES … LIBS … LABELS …): one GoogleTest executable, discovered by CTest.
find_package(GTest REQUIRED)
include(GoogleTest)

function(batchd_add_test)
    cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${ARG_NAME} ${ARG_SOURCES})
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main batchd_warnings)
    target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60)
    # gtest_discover_tests (CMake 3.25) flattens a list-valued property and keeps only its first
    # item, so the labels are set by a script ctest runs once it has read the discovered tests.
    set(script ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_labels.cmake)
    file(WRITE ${script}
        "if(${ARG_NAME}_TESTS)\n  set_tests_properties(\${${ARG_NAME}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${script})
endfunction()
