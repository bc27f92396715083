# macOS on Intel, with zig cc: see zig-macos.cmake.
set(TS_ZIG_TARGET x86_64-macos)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
include("${CMAKE_CURRENT_LIST_DIR}/zig-macos.cmake")
