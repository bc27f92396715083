# Cross-building for macOS with zig's C compiler (scripts/macos.sh), which
# carries Apple's SDK headers for macOS 11-13 and libSystem link stubs.
# Included by zig-macos-arm64.cmake and zig-macos-x86_64.cmake, which set
# TS_ZIG_TARGET and CMAKE_SYSTEM_PROCESSOR. Cache variables to give:
#   TS_ZIG            the zig executable (default: zig on PATH)
#   OPENSSL_ROOT_DIR  a libcrypto built for the same target: include/,
#                     lib/libcrypto.dylib, lib/pkgconfig/libcrypto.pc
set(CMAKE_SYSTEM_NAME Darwin)
set(CMAKE_SYSTEM_VERSION 20) # Darwin 20: macOS 11, the oldest SDK zig has

if(NOT TS_ZIG)
  find_program(TS_ZIG zig REQUIRED)
endif()
# A toolchain file is read again for every try_compile: hand the settings on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES TS_ZIG OPENSSL_ROOT_DIR)

# zig cc takes the compiler as `zig cc`; CMake wants one program, so a
# wrapper script beside the build, one per target.
set(_ts_cc "${CMAKE_BINARY_DIR}/zig-cc-${TS_ZIG_TARGET}")
if(NOT EXISTS "${_ts_cc}")
  file(WRITE "${_ts_cc}" "#!/bin/sh\nexec '${TS_ZIG}' cc -target ${TS_ZIG_TARGET} \"$@\"\n")
  file(CHMOD "${_ts_cc}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
       GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endif()
set(CMAKE_C_COMPILER "${_ts_cc}")
set(_ts_ar "${CMAKE_BINARY_DIR}/zig-ar")
if(NOT EXISTS "${_ts_ar}")
  file(WRITE "${_ts_ar}" "#!/bin/sh\nexec '${TS_ZIG}' ar \"$@\"\n")
  file(WRITE "${CMAKE_BINARY_DIR}/zig-ranlib" "#!/bin/sh\nexec '${TS_ZIG}' ranlib \"$@\"\n")
  file(CHMOD "${_ts_ar}" "${CMAKE_BINARY_DIR}/zig-ranlib" PERMISSIONS OWNER_READ OWNER_WRITE
       OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endif()
set(CMAKE_AR "${_ts_ar}" CACHE FILEPATH "")
set(CMAKE_RANLIB "${CMAKE_BINARY_DIR}/zig-ranlib" CACHE FILEPATH "")
set(CMAKE_USER_MAKE_RULES_OVERRIDE_C "${CMAKE_CURRENT_LIST_DIR}/zig-macos-rules.cmake")
# No Xcode here: no SDK path or deployment target to look up.
set(CMAKE_OSX_SYSROOT "" CACHE PATH "")
set(CMAKE_OSX_DEPLOYMENT_TARGET "" CACHE STRING "")

# Look for libraries and headers in the target's libcrypto only; programs
# (pod2man, gzip) on this machine.
if(OPENSSL_ROOT_DIR)
  set(CMAKE_FIND_ROOT_PATH "${OPENSSL_ROOT_DIR}")
  # libcrypto.pc of the target, not of this machine: its modulesdir is
  # where timingseed.dylib goes on the Mac.
  set(ENV{PKG_CONFIG_LIBDIR} "${OPENSSL_ROOT_DIR}/lib/pkgconfig")
  set(ENV{PKG_CONFIG_PATH} "")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
