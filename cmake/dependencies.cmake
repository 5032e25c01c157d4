# Debian 12 packages (scripts/deps.sh installs them) and the pinned llama.cpp (scripts/llama.sh builds it).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(simdjson REQUIRED)
find_package(yaml-cpp REQUIRED)
pkg_check_modules(MD4C REQUIRED IMPORTED_TARGET md4c)  # md4c's CMake config wants the html library too
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(LibArchive REQUIRED)
pkg_check_modules(UCHARDET REQUIRED IMPORTED_TARGET uchardet)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)  # Debian builds it as a library, with TLS
pkg_check_modules(HUNSPELL REQUIRED IMPORTED_TARGET hunspell)  # libhunspell-dev; its Russian dictionary is hunspell-ru

set(NEUROSEED_LLAMA_PREFIX "${PROJECT_SOURCE_DIR}/build/llama/install" CACHE PATH "Where scripts/llama.sh installed llama.cpp")
list(APPEND CMAKE_PREFIX_PATH "${NEUROSEED_LLAMA_PREFIX}")
find_package(llama REQUIRED)
set(NEUROSEED_QWEN_VOCAB "${NEUROSEED_LLAMA_PREFIX}/ggml-vocab-qwen2.gguf")
find_program(NEUROSEED_LLAMA_TOKENIZE llama-tokenize HINTS "${NEUROSEED_LLAMA_PREFIX}/bin" NO_DEFAULT_PATH)
if(NOT EXISTS "${NEUROSEED_QWEN_VOCAB}")
    message(FATAL_ERROR "Qwen vocab not found at ${NEUROSEED_QWEN_VOCAB}: run scripts/llama.sh first")
endif()
