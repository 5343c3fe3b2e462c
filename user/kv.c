/*
 * kv set KEY VALUE | kv get KEY | kv del KEY: one call to the kv service (kvd). get prints the
 * value. Exit status 0 on success, 1 on failure (a missing key too), 2 for bad usage. The
 * shell's `amc kv` does the same in-process.
 */
#include "amc_commands.h"

int main(int argc, char **argv)
{
    return kv_command("kv", argc, argv);
}
