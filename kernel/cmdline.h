/* The kernel command line (Multiboot cmdline: GRUB's `multiboot` line or QEMU -append).
 * Words are `key=value`, `key="value with spaces"` or bare flags; a first word without '='
 * that contains '/' is the kernel's own path and is skipped. */
#ifndef LAYERCAKE_CMDLINE_H
#define LAYERCAKE_CMDLINE_H

#define CMDLINE_MAX 512 /* longer command lines are cut here (with a warning) */
#define CMDLINE_MAX_WORDS 32

void cmdline_init(const char *raw);                 /* raw may be NULL (no command line) */
const char *cmdline_raw(void);                      /* as given, after the kernel path */
const char *cmdline_get(const char *key);           /* value of key=..., or NULL */
int cmdline_has(const char *flag);                  /* flag appears as a bare word or as a key */
int cmdline_is(const char *key, const char *value); /* key=value given exactly */

#endif
