# make coverage: every boot of make test on the coverage kernel (build/cov/kernel.elf), then the
# line coverage report in build/coverage/ (tests/coverage/run.lua, report.lua). The test
# programs are built by a nested make: TEST_DEPS is complete only once every fragment is read.
.PHONY: coverage
coverage: $(KCOV_ELF) $(USER_PROGS)
	$(Q)$(MAKE) -s --no-print-directory $(filter-out $(LINUX_VMLINUZ),$(TEST_DEPS))
	$(Q)BUILD=$(BUILD) KCOV_ELF=$(KCOV_ELF) USER_PROGS="$(USER_PROGS)" VERSION=$(VERSION) QEMU=$(QEMU) \
	$(if $(TEST_JOBS),TEST_JOBS=$(TEST_JOBS)) $(LUA) tests/coverage/run.lua
