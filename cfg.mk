# Configuration of gnulib's syntax-check rules (maint.mk).

# Rules we do not follow, and why:
# - error_message_period, error_message_uppercase: our messages are whole
#   sentences, capitalised, as ../shared/STYLE.md asks;
# - prohibit_strcmp: we compare with strcmp and g_str_equal, not STREQ;
# - indent: GNU indent style is not ours;
# - immutable_NEWS: a release-time check, and there is no release yet;
# - prohibit_always-defined_macros: it needs gnulib's lib/ headers, which
#   we do not import.
local-checks-to-skip = \
	sc_error_message_period \
	sc_error_message_uppercase \
	sc_prohibit_strcmp \
	sc_indent \
	sc_immutable_NEWS \
	sc_prohibit_always-defined_macros

# Test programs, benchmarks and the guest's workload are not translated.
exclude_file_name_regexp--sc_bindtextdomain = ^(tests|bench|fuzz)/
# The workload is a static guest program, built without config.h.
exclude_file_name_regexp--sc_require_config_h = ^tests/workload/
exclude_file_name_regexp--sc_require_config_h_first = ^tests/workload/
# Binary fuzz seeds.
exclude_file_name_regexp--sc_prohibit_empty_lines_at_EOF = ^fuzz/corpus-
