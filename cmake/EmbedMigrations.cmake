# batchd_embed_migrations(TEMPLATE t.cpp.in OUTPUT out.cpp FILES migrations/0001_x.sql …)
#
# Embeds numbered SQL migrations in the binary, so a store needs no files beside it: each file
# becomes one `Migration{version, "name", R"(sql)"}` entry, substituted for @migration_entries@ in
# TEMPLATE. Files are named NNNN_words.sql and listed in increasing version order; editing one
# re-runs CMake, which regenerates OUTPUT.
function(batchd_embed_migrations)
    cmake_parse_arguments(ARG "" "TEMPLATE;OUTPUT" "FILES" ${ARGN})
    set(migration_entries "")
    set(last_version 0)
    foreach(migration IN LISTS ARG_FILES)
        get_filename_component(name ${migration} NAME_WE)
        if(NOT name MATCHES "^([0-9]+)_[a-z0-9_]+$")
            message(FATAL_ERROR "${migration}: migration files are named NNNN_words.sql")
        endif()
        # Leading zeros would make the number an octal literal.
        string(REGEX REPLACE "^0+([0-9])" "\\1" version "${CMAKE_MATCH_1}")
        if(NOT version GREATER last_version)
            message(FATAL_ERROR "${migration}: migrations must be listed in increasing version order")
        endif()
        set(last_version ${version})
        file(READ ${CMAKE_CURRENT_SOURCE_DIR}/${migration} sql)
        string(FIND "${sql}" ")batchd_sql\"" delimiter_at)
        if(NOT delimiter_at EQUAL -1)
            message(FATAL_ERROR "${migration} contains the raw-string delimiter )batchd_sql\"")
        endif()
        string(APPEND migration_entries
            "    Migration{${version}, \"${name}\", R\"batchd_sql(${sql})batchd_sql\"},\n")
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${migration})
    endforeach()
    configure_file(${ARG_TEMPLATE} ${ARG_OUTPUT} @ONLY)
endfunction()
