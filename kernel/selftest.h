/* Kernel self-tests, run only when the command line says test=NAME (see selftest.c). */
#ifndef LAYERCAKE_SELFTEST_H
#define LAYERCAKE_SELFTEST_H

/* Run the test named by test=NAME, if any. Tests that end the boot exit QEMU when exit=qemu is
 * given; an unknown name panics with the list of known ones. */
void selftest_run(void);

#endif
