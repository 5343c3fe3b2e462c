/*
 * echo-client [-u] TEXT...: call the echo service with the words (joined by spaces) and print
 * its reply; -u asks for it upper-cased. The shell's `amc echo` does the same in-process.
 */
#include "amc_commands.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        dprintf(STDERR_FILENO, "usage: echo-client [-u] TEXT...\n");
        return 2;
    }
    return echo_command("echo-client", argc, argv);
}
