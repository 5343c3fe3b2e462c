# User programs: each user/NAME.c, or each directory user/NAME/ of C files, becomes the static
# ELF $(BUILD)/user/NAME.elf, linked at 0x00400000 by user/user.ld with libsys and nothing else
# (no libgcc: an undefined helper such as __udivdi3 fails the link). Needs libsys/libsys.mk.

USER_LDFLAGS := -m elf_i386 -nostdlib -static --build-id=none -z noexecstack -T user/user.ld

USER_NAMES := $(sort $(basename $(notdir $(wildcard user/*.c))) \
	$(patsubst user/%/,%,$(dir $(wildcard user/*/*.c))))

# user_srcs(NAME): user/NAME.c if it exists, else user/NAME/*.c.
user_srcs = $(or $(wildcard user/$(1).c),$(wildcard user/$(1)/*.c))
user_objs = $(patsubst user/%.c,$(BUILD)/user/%.o,$(call user_srcs,$(1)))

define USER_PROG_RULE
$(BUILD)/user/$(1).elf: $(call user_objs,$(1)) $(LIBSYS_CRT0) $(LIBSYS_A) user/user.ld
	@mkdir -p $$(@D)
	$$(call quiet,LD,$$@)$(LD) $(USER_LDFLAGS) -o $$@ $(LIBSYS_CRT0) $(call user_objs,$(1)) $(LIBSYS_A)
endef
$(foreach name,$(USER_NAMES),$(eval $(call USER_PROG_RULE,$(name))))

$(BUILD)/user/%.o: user/%.c | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(USER_CFLAGS))

USER_PROGS += $(USER_NAMES:%=$(BUILD)/user/%.elf)

-include $(patsubst %.o,%.d,$(foreach name,$(USER_NAMES),$(call user_objs,$(name))))
