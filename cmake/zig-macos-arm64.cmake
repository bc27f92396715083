# macOS on Apple silicon, with zig cc: see zig-macos.cmake.
set(TS_ZIG_TARGET aarch64-macos)
set(CMAKE_SYSTEM_PROCESSOR arm64)
include("${CMAKE_CURRENT_LIST_DIR}/zig-macos.cmake")
