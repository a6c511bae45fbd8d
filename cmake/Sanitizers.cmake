# BATCHD_SANITIZE is a list: "address;undefined" (the dev preset) or "thread" (the tsan preset).
if(BATCHD_SANITIZE)
    list(JOIN BATCHD_SANITIZE "," _batchd_sanitizers)
    add_compile_options(-fsanitize=${_batchd_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${_batchd_sanitizers})
endif()
