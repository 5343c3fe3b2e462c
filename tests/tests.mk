# make test: the build, the host suites and the QEMU boots, side by side (tests/run.lua). The
# runner reads what it needs to know about the build from the environment.
.PHONY: test

# Each test area adds a fragment tests/AREA/*.mk that appends what its boots need to TEST_DEPS.
TEST_DEPS :=
TEST_EARLY :=
TEST_FETCH :=
include $(sort $(wildcard tests/*/*.mk))

# The runner's knobs: T=WORDS (only the matching tests), TEST_JOBS=N (jobs at once).
# Boots run the test kernel (UBSan, error contracts) unless their spec asks for another
# (tests/qemu/harness.lua, `kernel`).
#
# The build is not a prerequisite: the runner makes it in two stages, jobs of its own that run
# side by side from its start, beside the host suites that need nothing built (tests/run.lua).
# The recipe names $(MAKE), so the stages share this make's jobserver (-j); NO_DEPS=1: the deps
# step ran. test-build-early: what the longest suites need (TEST_EARLY, from the fragments), so
# they start early; test-build-main: the rest (no target of both, so the two makes never build
# the same file). The coverage kernel is make coverage's, not make test's; compile_commands.json
# is tests/build/suite.lua's to make.
TEST_BUILD := $(KERNEL_ELF) $(KTEST_ELF) $(USER_PROGS) $(ISO) $(TEST_DEPS) $(TEST_FETCH)
# (Not .PHONY: the stages are make test's own, not targets of `make help`; no file has their names.)
.PHONY: test-build
test-build-early: $(TEST_EARLY)
test-build-main: $(filter-out $(TEST_EARLY),$(TEST_BUILD))
test-build: test-build-early test-build-main

# make recognizes a recursive line by the text $(MAKE) in it, and runs such a line even under
# make -n (-q, -t): there it only names the runner.
test:
	@mkdir -p $(BUILD)/test-logs
	$(if $(DRY_RUN),@echo '$(LUA) tests/run.lua (not run: it makes test-build itself)',$(Q)TEST_BUILD_MAKE='$(MAKE) --no-print-directory NO_DEPS=1' $(TEST_ENV) $(LUA) tests/run.lua)

TEST_ENV = LIBSYS_HOST_TEST=$(LIBSYS_HOST_TEST) BUILD=$(BUILD) KERNEL_ELF=$(KTEST_ELF) PLAIN_KERNEL_ELF=$(KERNEL_ELF) \
	COV_KERNEL_ELF=$(KCOV_ELF) ISO=$(ISO) USER_PROGS="$(USER_PROGS)" LINUX_CACHE=$(LINUX_CACHE) VERSION=$(VERSION) \
	QEMU=$(QEMU) GDB=$(GDB) LUA=$(LUA) T="$(T)" $(if $(TEST_JOBS),TEST_JOBS=$(TEST_JOBS))
