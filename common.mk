# Rules shared by every Makefile.am (nbdkit's common-rules.mk habit).
NULL =

AM_CPPFLAGS = \
	-I$(top_srcdir)/src \
	-I$(top_builddir) \
	-DLOCALEDIR=\"$(localedir)\" \
	-DPKGDATADIR=\"$(pkgdatadir)\" \
	$(NULL)

DR_DEPS_CFLAGS = \
	$(GLIB_CFLAGS) $(JSON_GLIB_CFLAGS) $(LIBXML_CFLAGS) \
	$(LIBVIRT_CFLAGS) $(LIBVIRT_QEMU_CFLAGS) $(XXHASH_CFLAGS) \
	$(LIBZSTD_CFLAGS) $(ZLIB_CFLAGS) \
	$(NULL)

AM_CFLAGS = $(WARN_CFLAGS) $(DR_DEPS_CFLAGS)
