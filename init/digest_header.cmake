# Writes HEADER with the SHA-256 of BINARY (roost-init), so that roost can
# tell its own init from another version's without reading the installed copy.
file(SHA256 "${BINARY}" digest)
set(text "#define ROOST_INIT_SHA256 \"${digest}\"\n")
if(EXISTS "${HEADER}")
  file(READ "${HEADER}" old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE "${HEADER}" "${text}")
endif()
