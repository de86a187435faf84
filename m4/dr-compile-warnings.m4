dnl DR_COMPILE_WARNINGS: every warning gcc knows (gnulib manywarnings),
dnl less the few that fight the style we chose, as in libvirt's
dnl virt-compile-warnings.m4.  --enable-werror makes them errors.
AC_DEFUN([DR_COMPILE_WARNINGS], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
    [], [enable_werror=no])

  gl_MANYWARN_ALL_GCC([dr_all])

  dr_dont=
  # glib's g_auto* and G_DEFINE_AUTOPTR declare after statements.
  dr_dont="$dr_dont -Wdeclaration-after-statement -Wjump-misses-init"
  # We switch over enums without default: on purpose, so that a new
  # value warns through -Wswitch.
  dr_dont="$dr_dont -Wswitch-default -Wswitch-enum"
  # Noise, or wrong for a C program.
  dr_dont="$dr_dont -Wtraditional -Wtraditional-conversion -Wsystem-headers"
  dr_dont="$dr_dont -Wpadded -Wc++-compat -Wlong-long -Wunsuffixed-float-constants"
  dr_dont="$dr_dont -Wsuggest-attribute=pure -Wsuggest-attribute=const"
  dr_dont="$dr_dont -Wsuggest-attribute=malloc -Wsuggest-attribute=cold"
  dr_dont="$dr_dont -Wsuggest-attribute=noreturn -Wsuggest-attribute=returns_nonnull"
  dr_dont="$dr_dont -Wstack-protector -Winline -Wvla -Wbad-function-cast"
  dr_dont="$dr_dont -Wcast-qual -Wabi -Wnested-externs -Wredundant-decls"
  dr_dont="$dr_dont -Wunused-macros -Wconversion -Wsign-conversion"
  dr_dont="$dr_dont -Wfloat-equal -Wdouble-promotion -Wnull-dereference"
  dr_dont="$dr_dont -Wstrict-overflow -Wsuggest-attribute=format"
  dr_dont="$dr_dont -Wmissing-format-attribute -Wanalyzer-too-complex"
  dr_dont="$dr_dont -Wcast-align=strict -Wformat-overflow=2 -Wformat-truncation=2"
  dr_dont="$dr_dont -Wunused-const-variable=2 -Wundef"
  # -fanalyzer triples build time and misreads g_autoptr.
  dr_dont="$dr_dont -fanalyzer"
  gl_MANYWARN_COMPLEMENT([dr_warns], [$dr_all], [$dr_dont])

  for w in $dr_warns -Wformat=2 -Wshadow -Wno-unused-parameter \
           -Wno-missing-field-initializers -Wframe-larger-than=65536; do
    gl_WARN_ADD([$w])
  done
  AS_IF([test "x$enable_werror" = xyes], [gl_WARN_ADD([-Werror])])
  AC_SUBST([WARN_CFLAGS])
])
