/* roost-init's bytes and their SHA-256 (digest_header.cmake) inside roost, for
   runtime/own_init.cpp. */
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".global roost_init_binary\n"
        "roost_init_binary:\n"
        ".incbin \"" ROOST_INIT_FILE "\"\n"
        ".global roost_init_binary_end\n"
        "roost_init_binary_end:\n"
        ".previous\n");

#include "roost_init_digest.h"

const char roost_init_sha256[] = ROOST_INIT_SHA256;
