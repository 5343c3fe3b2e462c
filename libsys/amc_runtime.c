/* Fixed helpers of the generated amc layer (see amc_runtime.h). */
#include "amc_runtime.h"

int amc_put_str(char *field, uint32_t size, const char *s)
{
    uint32_t i = 0;
    while (i < size && s[i] != '\0') {
        field[i] = s[i];
        i++;
    }
    if (i == size)
        return -1;
    while (i < size)
        field[i++] = '\0';
    return 0;
}
