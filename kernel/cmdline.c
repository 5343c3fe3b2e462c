/* Command-line parsing: split once at boot into keys and values stored in a private copy, so
 * lookups are simple string compares and later boot stages may reuse the loader's memory. */
#include "cmdline.h"

#include <stddef.h>

#include "klib.h"
#include "kprintf.h"

static char raw_copy[CMDLINE_MAX];
static char words[CMDLINE_MAX]; /* NUL-separated keys and values */
static const char *keys[CMDLINE_MAX_WORDS];
static const char *values[CMDLINE_MAX_WORDS]; /* NULL for bare flags */
static int nwords;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int has_char(const char *s, size_t len, char c)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == c)
            return 1;
    return 0;
}

/* Length of the word at s: up to the next space outside double quotes. */
static size_t word_length(const char *s)
{
    size_t n = 0;
    int quoted = 0;
    for (; s[n] && (quoted || !is_space(s[n])); n++)
        if (s[n] == '"')
            quoted = !quoted;
    return n;
}

/* Store word [s, s+len) into words[] at *pos as key NUL value NUL, quotes removed. */
static void add_word(const char *s, size_t len, size_t *pos)
{
    if (nwords == CMDLINE_MAX_WORDS) {
        kprintf("cmdline: more than %d words; ignoring '%s'\n", CMDLINE_MAX_WORDS, s);
        return;
    }
    keys[nwords] = &words[*pos];
    values[nwords] = NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            continue;
        if (s[i] == '=' && !values[nwords]) {
            words[(*pos)++] = '\0';
            values[nwords] = &words[*pos];
            continue;
        }
        words[(*pos)++] = s[i];
    }
    words[(*pos)++] = '\0';
    nwords++;
}

void cmdline_init(const char *raw)
{
    nwords = 0;
    raw_copy[0] = '\0';
    if (!raw)
        return;
    while (is_space(*raw))
        raw++;
    size_t first = word_length(raw);
    if (first && !has_char(raw, first, '=') && has_char(raw, first, '/')) {
        raw += first;
        while (is_space(*raw))
            raw++;
    }
    if (strlcpy(raw_copy, raw, sizeof(raw_copy)) >= sizeof(raw_copy))
        kprintf("cmdline: longer than %d bytes, cut\n", CMDLINE_MAX - 1);

    /* Each word needs at most its own length + 1 in words[], so raw_copy always fits. */
    size_t pos = 0;
    const char *s = raw_copy;
    while (*s) {
        while (is_space(*s))
            s++;
        size_t len = word_length(s);
        if (len)
            add_word(s, len, &pos);
        s += len;
    }
}

const char *cmdline_raw(void)
{
    return raw_copy;
}

static int find(const char *key)
{
    for (int i = nwords - 1; i >= 0; i--) /* the last occurrence wins */
        if (strcmp(keys[i], key) == 0)
            return i;
    return -1;
}

const char *cmdline_get(const char *key)
{
    int i = find(key);
    return i < 0 ? NULL : values[i];
}

int cmdline_has(const char *flag)
{
    return find(flag) >= 0;
}

int cmdline_is(const char *key, const char *value)
{
    const char *v = cmdline_get(key);
    return v && strcmp(v, value) == 0;
}
