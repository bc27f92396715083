# Read after CMake's Darwin rules (CMAKE_USER_MAKE_RULES_OVERRIDE_C, set in
# zig-macos.cmake). zig 0.11's Mach-O linker has no -bundle (it warns the
# flag is unused and links an executable, wanting _main), so a MODULE is
# linked as a dylib there. dlopen(), which OpenSSL's DSO code uses, loads
# either kind; a native build with Apple's clang keeps -bundle.
set(CMAKE_SHARED_MODULE_CREATE_C_FLAGS "-shared")
