# BATCHD_SANITIZE is a list: "address;undefined" (the dev preset) or "thread" (the tsan preset).
if(BATCHD_SANITIZE)
    list(JOIN BATCHD_SANITIZE "," _batchd_sanitizers)
    add_compile_options(-fsanitize=${_batchd_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${_batchd_sanitizers})
endif()
if("thread" IN_LIST BATCHD_SANITIZE)
    # Boost.Asio adds std::atomic_thread_fence around handler calls, which ThreadSanitizer does not
    # model (GCC warns, -Werror=tsan). The hand-offs themselves go through the scheduler's mutex,
    # which TSan sees, so the TSan build leaves the fences out (in every translation unit alike).
    add_compile_definitions(BOOST_ASIO_DISABLE_FENCED_BLOCK)
endif()
