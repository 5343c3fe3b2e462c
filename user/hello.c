/* hello: the first user program; proves ring 3, printf and the pid syscalls work. */
#include <libsys.h>

int main(void)
{
    printf("Hello from ring 3! I am pid %d, parent %d.\n", (int)getpid(), (int)getppid());
    return 0;
}
