/* roost-init's bytes inside roost, for runtime/own_init.cpp. */
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".global roost_init_binary\n"
        "roost_init_binary:\n"
        ".incbin \"" ROOST_INIT_FILE "\"\n"
        ".global roost_init_binary_end\n"
        "roost_init_binary_end:\n"
        ".previous\n");
